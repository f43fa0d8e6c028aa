//! Events and volunteering (活动报名, DESIGN §7): `/events` (upcoming or past, by kind),
//! `/events/new` (an organizer's form), `/events/:id` (details with the seats left, refreshed
//! every 15 s; sign up with companions; the viewer's registration with its check-in QR code;
//! the organizer's tools), `/events/:id/check-in` (the organizer types or scans codes),
//! `/my-events`, `/volunteer-hours` and `/volunteer-groups`. Text comes from the `events` locale pack; every
//! button shown is one the server's `viewerCan` allows, every figure the server's.

use crate::api::events::{
    self, Attendee, Event, EventKind, EventPhase, Group, MyRegistration, NewEvent, Registration,
    RegistrationStatus,
};
use crate::api::ApiError;
use crate::components::{
    confirm, error_text, format_time, local_input_to_utc, local_input_value, ErrorBanner,
    InCommunity, Loading, Paged, WithPack,
};
use crate::i18n::{k, t, tf, tv};
use crate::nav::use_navigate;
use crate::nav::NavigateOptions;
use leptos::prelude::*;
use leptos::task::spawn_local;

pub fn kind_key(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Cultural => k("ev.kind.CULTURAL"),
        EventKind::Volunteer => k("ev.kind.VOLUNTEER"),
        EventKind::Education => k("ev.kind.EDUCATION"),
        EventKind::Health => k("ev.kind.HEALTH"),
        EventKind::Safety => k("ev.kind.SAFETY"),
        EventKind::Other => k("ev.kind.OTHER"),
        EventKind::Unknown => k("ev.kind.UNKNOWN"),
    }
}

fn phase_key(p: EventPhase) -> &'static str {
    match p {
        EventPhase::Upcoming => k("ev.phase.UPCOMING"),
        EventPhase::SignupOpen => k("ev.phase.SIGNUP_OPEN"),
        EventPhase::SignupClosed => k("ev.phase.SIGNUP_CLOSED"),
        EventPhase::Ongoing => k("ev.phase.ONGOING"),
        EventPhase::Ended => k("ev.phase.ENDED"),
        EventPhase::Cancelled => k("ev.phase.CANCELLED"),
        EventPhase::Unknown => k("ev.phase.UNKNOWN"),
    }
}

fn status_key(s: RegistrationStatus) -> &'static str {
    match s {
        RegistrationStatus::Confirmed => k("ev.status.CONFIRMED"),
        RegistrationStatus::Waitlisted => k("ev.status.WAITLISTED"),
        RegistrationStatus::Cancelled => k("ev.status.CANCELLED"),
        RegistrationStatus::Attended => k("ev.status.ATTENDED"),
        RegistrationStatus::NoShow => k("ev.status.NO_SHOW"),
        RegistrationStatus::Unknown => k("ev.status.UNKNOWN"),
    }
}

/// The seats line: left, full with a waitlist, or no limit (the server's figures).
fn seats_text(e: &Event) -> String {
    match e.seats_left {
        Some(0) => tf("ev.full", &[("n", &e.waitlist_count.to_string())]),
        Some(n) => tf("ev.seats_left", &[("n", &n.to_string())]),
        None => t("ev.unlimited"),
    }
}

/// A time as the viewer's locale writes it, machine-readable in `datetime`.
#[component]
fn When(at: String) -> impl IntoView {
    let label = at.clone();
    view! { <time datetime=at>{move || format_time(&label)}</time> }
}

#[component]
fn PhaseTag(phase: EventPhase) -> impl IntoView {
    view! { <span class="status" data-testid="event-phase" data-phase=phase.as_str()>{move || t(phase_key(phase))}</span> }
}

#[component]
fn StatusTag(status: RegistrationStatus) -> impl IntoView {
    view! { <span class="status" data-testid="registration-status" data-status=status.as_str()>{move || t(status_key(status))}</span> }
}

/// `/events`: upcoming events soonest first (or past ones), filtered by kind.
#[component]
pub fn EventsPage() -> impl IntoView {
    view! {
        <WithPack pack="events" page=|| view! {
            <section class="page">
                <h1>{tv("ev.title")}</h1>
                <InCommunity page=|info| {
                    let organizer = info.can.create_event;
                    let community = info.community.map(|c| c.id).unwrap_or_default();
                    view! {
                        <p class="actions">
                            <a href="/my-events" class="button" data-testid="my-events-link">{tv("ev.mine")}</a>
                            <a href="/volunteer-hours" class="button" data-testid="hours-link">{tv("ev.my_hours")}</a>
                            <a href="/volunteer-groups" class="button" data-testid="groups-link">{tv("ev.groups")}</a>
                            {organizer.then(|| view! { <a href="/events/new" class="button primary" data-testid="new-event-link">{tv("ev.new")}</a> })}
                        </p>
                        <EventList community=community />
                    }
                } />
            </section>
        } />
    }
}

#[component]
fn EventList(community: String) -> impl IntoView {
    let community = StoredValue::new(community);
    let kind = RwSignal::new(None::<EventKind>);
    let past = RwSignal::new(false);
    // The first page of the filter and the page "load more" asked for (`Paged`): the first
    // page's answer, the pages added to it, the cursor of the next page, and an error of "load
    // more".
    let shown = RwSignal::new(None::<Result<Vec<Event>, ApiError>>);
    let added = RwSignal::new(Vec::<Event>::new());
    let cursor = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let pages = Paged::new(
        Signal::derive(move || (kind.get(), past.get())),
        move |(kind, past): (Option<EventKind>, bool), after| async move {
            events::events(&community.get_value(), kind, past, after).await
        },
    );
    pages.show(move |page, append| {
        let next = |p: &events::EventPage| {
            p.page_info
                .has_next_page
                .then(|| p.page_info.end_cursor.clone())
                .flatten()
        };
        match (page, append) {
            (Ok(p), false) => {
                shown.set(Some(Ok(p.nodes.clone())));
                added.set(Vec::new());
                cursor.set(next(p));
                error.set(None);
            }
            (Err(e), false) => {
                shown.set(Some(Err(e.clone())));
                added.set(Vec::new());
                cursor.set(None);
                error.set(None);
            }
            (Ok(p), true) => {
                added.update(|list| list.extend(p.nodes.iter().cloned()));
                cursor.set(next(p));
                error.set(None);
            }
            (Err(e), true) => error.set(Some(e.clone())),
        }
    });
    let first_loading = Signal::derive(move || pages.first_loading());
    let loading = Signal::derive(move || pages.loading());
    let load_more = move |_| pages.load_more(cursor.get_untracked());
    let item = |e: Event| {
        let when = e.starts_at.clone();
        let seats = seats_text(&e);
        view! {
            <li class="topic" data-testid="event-item">
                <a href=format!("/events/{}", e.id) class="topic-link">{e.title.clone()}</a>
                <p class="topic-meta">
                    <span class="tag">{move || t(kind_key(e.kind))}</span> " "
                    <PhaseTag phase=e.phase /> " "
                    <When at=when.clone() />
                </p>
                <p class="topic-meta">{e.place.clone()} " · " <span data-testid="event-seats">{seats}</span></p>
            </li>
        }
    };
    view! {
        <div class="field">
            <label for="event-kind">{tv("ev.kind_label")}</label>
            <select id="event-kind" data-testid="event-kind-filter"
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    kind.set((!v.is_empty()).then(|| EventKind::from_wire(&v)));
                }>
                <option value="">{tv("ev.kind.all")}</option>
                {EventKind::ALL.iter().map(|kd| {
                    let kd = *kd;
                    view! { <option value=kd.as_str()>{move || t(kind_key(kd))}</option> }
                }).collect_view()}
            </select>
        </div>
        <div class="tabs" role="group" aria-label=move || t("ev.title")>
            <button type="button" class="button" aria-pressed=move || (!past.get()).to_string() on:click=move |_| past.set(false)>{tv("ev.upcoming")}</button>
            <button type="button" class="button" data-testid="past-events" aria-pressed=move || past.get().to_string() on:click=move |_| past.set(true)>{tv("ev.past")}</button>
        </div>
        <ErrorBanner message=Signal::derive(move || error.get().filter(|_| !first_loading.get()).map(|e| error_text(&e))) />
        // Another filter's list is not shown under this one: loading until its first page.
        {move || match (first_loading.get(), shown.get()) {
            (true, _) | (_, None) => view! { <Loading /> }.into_any(),
            (_, Some(Err(e))) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
            (_, Some(Ok(list))) if list.is_empty() => view! { <p class="empty">{tv("ev.none")}</p> }.into_any(),
            (_, Some(Ok(list))) => view! {
                <ul class="topics" data-testid="events">
                    {list.into_iter().map(item).collect_view()}
                    {move || added.get().into_iter().map(item).collect_view()}
                </ul>
            }.into_any(),
        }}
        <Show when=move || cursor.get().is_some() && !first_loading.get()>
            <button type="button" class="button" disabled=move || loading.get() on:click=load_more>{tv("ev.more")}</button>
        </Show>
    }
}

/// The viewer's registration: its status, waitlist place, and while confirmed or attended the
/// check-in QR code (the server's SVG) with the code beneath it.
#[component]
fn MyRegistrationCard(r: Registration, on_cancel: Callback<String>) -> impl IntoView {
    let id = r.id.clone();
    let position = r.waitlist_position.map(|n| n.to_string());
    view! {
        <div class="card" data-testid="my-registration">
            <p><StatusTag status=r.status />
                {(r.companions > 0).then(|| { let n = r.companions.to_string(); view! { " " {move || tf("ev.party", &[("n", &n)])} } })}
            </p>
            {position.map(|n| view! { <p data-testid="waitlist-position">{move || tf("ev.position", &[("n", &n)])}</p> })}
            {r.check_in_code.clone().map(|code| view! {
                <div class="qr" data-testid="check-in-qr" role="img" aria-label=move || t("ev.code") inner_html=r.check_in_qr_svg.clone().unwrap_or_default()></div>
                <p>{tv("ev.code")} ": " <strong class="code" data-testid="check-in-code">{code}</strong></p>
                <p class="muted">{tv("ev.code_hint")}</p>
            })}
            {r.viewer_can.cancel.then(|| view! {
                <button type="button" class="button" data-testid="cancel-registration"
                    on:click=move |_| if confirm(&t("ev.cancel_confirm")) { on_cancel.run(id.clone()) }>
                    {tv("ev.cancel_mine")}
                </button>
            })}
        </div>
    }
}

/// `/events/:id`: one event.
#[component]
pub fn EventPage() -> impl IntoView {
    view! {
        <WithPack pack="events" page=|| view! {
            <section class="page">
                <p><a href="/events" class="back-link">{tv("ev.back")}</a></p>
                <EventLoader />
            </section>
        } />
    }
}

#[component]
fn EventLoader() -> impl IntoView {
    let id = crate::modules::use_path_id();
    let version = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        let id = id.get();
        version.track();
        async move { events::event(&id).await }
    });
    // Seats change as neighbours sign up: the seats line is read again every 15 s while the
    // page is open (only that line: forms being filled in keep what was typed).
    let live = RwSignal::new(None::<String>);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let id = id.get_untracked();
            spawn_local(async move {
                if let Ok(e) = events::event(&id).await {
                    let _ = live.try_set(Some(seats_text(&e)));
                }
            });
        },
        std::time::Duration::from_secs(15),
    ) {
        on_cleanup(move || handle.clear());
    }
    let reload = Callback::new(move |()| {
        live.set(None);
        version.update(|v| *v += 1)
    });
    move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => {
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }
                .into_any()
        }
        Some(Ok(e)) => view! { <EventView e=e reload=reload live=live /> }.into_any(),
    }
}

#[component]
fn EventView(e: Event, reload: Callback<()>, live: RwSignal<Option<String>>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let id = StoredValue::new(e.id.clone());
    let companions = RwSignal::new("0".to_string());
    let act =
        move |fut: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApiError>>>>| {
            busy.set(true);
            error.set(None);
            spawn_local(async move {
                let result = fut.await;
                // The page may be gone by now (try_…); an error stays on screen, a success reloads.
                let _ = busy.try_set(false);
                match result {
                    Ok(()) => {
                        let _ = reload.try_run(());
                    }
                    Err(err) => {
                        let _ = error.try_set(Some(err));
                    }
                }
            });
        };
    let sign_up = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = companions.get_untracked().parse::<i64>().unwrap_or(0);
        act(Box::pin(async move {
            events::sign_up(&id.get_value(), n).await
        }));
    };
    let on_cancel = Callback::new(move |reg: String| {
        act(Box::pin(
            async move { events::cancel_registration(&reg).await },
        ));
    });
    let (start, end) = (e.starts_at.clone(), e.ends_at.clone());
    let can = e.viewer_can.clone();
    let manager = can.check_in || can.export || can.cancel || can.edit;
    let hours = (e.volunteer_hours != "0" && !e.volunteer_hours.is_empty())
        .then(|| e.volunteer_hours.clone());
    view! {
        <h1 data-testid="event-title">{e.title.clone()}</h1>
        <p class="topic-meta"><span class="tag">{move || t(kind_key(e.kind))}</span> " " <PhaseTag phase=e.phase /></p>
        {e.cancel_reason.clone().map(|reason| view! {
            <p class="notice" role="status">{move || tf("ev.cancelled_because", &[("reason", &reason)])}</p>
        })}
        <dl class="facts">
            <dt>{tv("ev.when")}</dt>
            <dd><When at=start.clone() /> " – " <When at=end.clone() /></dd>
            <dt>{tv("ev.where")}</dt><dd>{e.place.clone()}</dd>
            <dt>{tv("ev.organizer")}</dt>
            <dd>{e.organizer.name.clone()}{e.group.clone().map(|g| format!(" · {}", g.name))}</dd>
            <dt>{tv("ev.seats")}</dt><dd data-testid="event-seats" aria-live="polite">{
                let first = seats_text(&e);
                move || live.get().unwrap_or_else(|| first.clone())
            }</dd>
            {hours.map(|h| view! { <dt>{tv("ev.hours")}</dt><dd data-testid="event-hours">{move || tf("ev.hours_each", &[("h", &h)])}</dd> })}
        </dl>
        {(!e.description.is_empty()).then(|| view! { <p class="story">{e.description.clone()}</p> })}
        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
        {e.viewer_registration.clone().filter(|r| r.status != RegistrationStatus::Cancelled).map(|r| view! { <MyRegistrationCard r=r on_cancel=on_cancel /> })}
        {can.sign_up.then(|| {
            let allowed = e.companions_allowed;
            view! {
                <form class="form" on:submit=sign_up>
                    {(allowed > 0).then(|| view! {
                        <div class="field">
                            <label for="companions">{tv("ev.companions")}</label>
                            <select id="companions" data-testid="companions" on:change=move |ev| companions.set(event_target_value(&ev))>
                                {(0..=allowed).map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                            </select>
                        </div>
                    })}
                    <button type="submit" class="button primary" data-testid="sign-up" disabled=move || busy.get()>{tv("ev.sign_up")}</button>
                </form>
            }
        })}
        <p><a href=e.calendar_url.clone() rel="external" class="button" data-testid="calendar-link">{tv("ev.calendar")}</a></p>
        {manager.then(|| view! { <Organizer e=e.clone() reload=reload /> })}
    }
}

/// The organizer's tools: check-in, the attendee export, cancelling, and the sign-ups.
#[component]
fn Organizer(e: Event, reload: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let reason = RwSignal::new(String::new());
    let id = StoredValue::new(e.id.clone());
    let can = e.viewer_can.clone();
    let list =
        LocalResource::new(move || async move { events::attendees(&id.get_value(), None).await });
    let export = move |_| {
        spawn_local(async move {
            let id = id.get_value();
            let r = crate::api::roll::download_csv(
                &format!("/events/{id}/attendees.csv"),
                &format!("attendees-{id}.csv"),
                true,
            )
            .await;
            if let Err(e) = r {
                error.set(Some(e));
            }
        });
    };
    let cancel = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !confirm(&t("ev.cancel_event_confirm")) {
            return;
        }
        spawn_local(async move {
            match events::cancel_event(&id.get_value(), &reason.get_untracked()).await {
                Ok(()) => {
                    let _ = reload.try_run(());
                }
                Err(e) => {
                    let _ = error.try_set(Some(e));
                }
            }
        });
    };
    let row = |a: Attendee| {
        let n = a.companions.to_string();
        let pos = a.waitlist_position.map(|p| p.to_string());
        view! {
            <li data-testid="attendee">
                {a.resident.name.clone()} " "
                {(a.companions > 0).then(|| view! { {move || tf("ev.party", &[("n", &n)])} " " })}
                <StatusTag status=a.status />
                {pos.map(|p| view! { " " {move || tf("ev.position", &[("n", &p)])} })}
            </li>
        }
    };
    view! {
        <section class="card" aria-labelledby="organizer-title" data-testid="organizer-tools">
            <h2 id="organizer-title">{tv("ev.organize")}</h2>
            <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
            <p class="actions">
                {can.check_in.then(|| view! { <a href=format!("/events/{}/check-in", e.id) class="button primary" data-testid="check-in-link">{tv("ev.check_in")}</a> })}
                {can.export.then(|| view! { <button type="button" class="button" data-testid="export-attendees" on:click=export>{tv("ev.export")}</button> })}
            </p>
            {can.edit.then(|| view! { <EditEvent e=e.clone() reload=reload /> })}
            {can.cancel.then(|| view! {
                <form class="form" on:submit=cancel>
                    <div class="field">
                        <label for="cancel-reason">{tv("ev.reason")}</label>
                        <input id="cancel-reason" type="text" maxlength="500" bind:value=reason />
                    </div>
                    <button type="submit" class="button danger" data-testid="cancel-event">{tv("ev.cancel_event")}</button>
                </form>
            })}
            <h3>{tv("ev.attendees")}</h3>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                Some(Ok(page)) if page.nodes.is_empty() => view! { <p class="empty">{tv("ev.no_attendees")}</p> }.into_any(),
                Some(Ok(page)) => view! { <ol data-testid="attendees">{page.nodes.into_iter().map(row).collect_view()}</ol> }.into_any(),
            }}
        </section>
    }
}

/// The organizer changes the place, the seats or the time (those registered are told).
#[component]
fn EditEvent(e: Event, reload: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let id = StoredValue::new(e.id.clone());
    let input =
        |rfc3339: &str| local_input_value(crate::components::ms_until(rfc3339).unwrap_or(0.0));
    let original = StoredValue::new((
        e.place.clone(),
        e.capacity.map(|c| c.to_string()).unwrap_or_default(),
        input(&e.starts_at),
        input(&e.ends_at),
    ));
    let (place0, capacity0, start0, end0) = original.get_value();
    let place = RwSignal::new(place0);
    let capacity = RwSignal::new(capacity0);
    let start = RwSignal::new(start0);
    let end = RwSignal::new(end0);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let (place0, capacity0, start0, end0) = original.get_value();
        let mut change = serde_json::Map::new();
        if place.get_untracked() != place0 {
            change.insert("place".into(), place.get_untracked().into());
        }
        let seats = capacity.get_untracked().trim().to_string();
        if seats != capacity0 {
            // Empty: no limit; a number that does not parse goes as -1 for the server to refuse.
            let value = (!seats.is_empty()).then(|| seats.parse::<i64>().unwrap_or(-1));
            change.insert("capacity".into(), value.into());
        }
        for (key, now, was) in [("startsAt", start, start0), ("endsAt", end, end0)] {
            if now.get_untracked() != was {
                change.insert(
                    key.into(),
                    local_input_to_utc(&now.get_untracked())
                        .unwrap_or_default()
                        .into(),
                );
            }
        }
        if change.is_empty() {
            return;
        }
        spawn_local(async move {
            match events::update(&id.get_value(), change.into()).await {
                Ok(()) => {
                    let _ = reload.try_run(());
                }
                Err(e) => {
                    let _ = error.try_set(Some(e));
                }
            }
        });
    };
    view! {
        <details class="more">
            <summary class="button" data-testid="edit-event">{tv("ev.edit")}</summary>
            <p class="muted">{tv("ev.edit_note")}</p>
            <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
            <form class="form" on:submit=save>
                <div class="field">
                    <label for="edit-place">{tv("ev.f.place")}</label>
                    <input id="edit-place" type="text" maxlength="100" bind:value=place />
                </div>
                <div class="field">
                    <label for="edit-capacity">{tv("ev.f.capacity")}</label>
                    <input id="edit-capacity" type="number" inputmode="numeric" min="1" data-testid="edit-capacity" bind:value=capacity />
                </div>
                <div class="field">
                    <label for="edit-start">{tv("ev.f.start")}</label>
                    <input id="edit-start" type="datetime-local" bind:value=start />
                </div>
                <div class="field">
                    <label for="edit-end">{tv("ev.f.end")}</label>
                    <input id="edit-end" type="datetime-local" bind:value=end />
                </div>
                <button type="submit" class="button primary" data-testid="edit-submit">{tv("ev.edit_submit")}</button>
            </form>
        </details>
    }
}

/// `/events/:id/check-in`: the organizer enters (or scans) attendees' codes.
#[component]
pub fn CheckInPage() -> impl IntoView {
    view! {
        <WithPack pack="events" page=|| {
            let id = crate::modules::use_path_id();
            let loaded = LocalResource::new(move || { let id = id.get(); async move { events::event(&id).await } });
            let code = RwSignal::new(String::new());
            let done = RwSignal::new(Vec::<String>::new());
            let error = RwSignal::new(None::<ApiError>);
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let typed = code.get_untracked();
                error.set(None);
                spawn_local(async move {
                    match events::check_in(&id.get_untracked(), &typed).await {
                        Ok(r) => {
                            let line = tf("ev.ci.done", &[("name", &r.resident.name), ("n", &r.companions.to_string())]);
                            done.update(|d| d.insert(0, line));
                            code.set(String::new());
                        }
                        Err(e) => error.set(Some(e)),
                    }
                });
            };
            view! {
                <section class="page">
                    <p><a href=move || format!("/events/{}", id.get()) class="back-link">{tv("ev.back_event")}</a></p>
                    <h1>{tv("ev.ci.title")}</h1>
                    {move || loaded.get().and_then(Result::ok).map(|e| view! { <p class="muted">{e.title}</p> })}
                    <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
                    <Scanner on_code=Callback::new(move |scanned: String| {
                        error.set(None);
                        spawn_local(async move {
                            match events::check_in(&id.get_untracked(), &scanned).await {
                                Ok(r) => {
                                    let line = tf("ev.ci.done", &[("name", &r.resident.name), ("n", &r.companions.to_string())]);
                                    done.update(|d| d.insert(0, line));
                                }
                                Err(e) => error.set(Some(e)),
                            }
                        });
                    }) />
                    <form class="form" on:submit=submit>
                        <div class="field">
                            <label for="check-in-code">{tv("ev.ci.code")}</label>
                            <input id="check-in-code" type="text" autocomplete="off" autocapitalize="characters"
                                maxlength="16" data-testid="check-in-input" bind:value=code />
                        </div>
                        <button type="submit" class="button primary" data-testid="check-in-submit">{tv("ev.ci.submit")}</button>
                    </form>
                    <ul data-testid="checked-in" aria-live="polite">
                        {move || done.get().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                    </ul>
                </section>
            }
        } />
    }
}

/// Scans check-in QR codes with the phone's camera where the browser can (`BarcodeDetector`
/// and `getUserMedia`); elsewhere nothing is shown and codes are typed. Each new code found is
/// handed to `on_code` once.
#[component]
fn Scanner(on_code: Callback<String>) -> impl IntoView {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use wasm_bindgen::{JsCast, JsValue};
    let supported = web_sys::window().is_some_and(|w| {
        js_sys::Reflect::has(&w, &JsValue::from_str("BarcodeDetector")).unwrap_or(false)
            && js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("mediaDevices"))
                .is_ok_and(|m| !m.is_undefined())
    });
    let video = NodeRef::<leptos::html::Video>::new();
    let shown = RwSignal::new(false);
    // A plain flag, not a signal: the scan task outlives the page when the organizer leaves
    // while it awaits; it then sees the flag down and stops the camera it owns.
    let wanted = Arc::new(AtomicBool::new(false));
    fn get(o: &JsValue, name: &str) -> Result<JsValue, JsValue> {
        js_sys::Reflect::get(o, &JsValue::from_str(name))
    }
    fn stop_tracks(s: &JsValue) {
        let tracks = get(s, "getTracks")
            .and_then(|f| f.dyn_into::<js_sys::Function>())
            .and_then(|f| f.call0(s));
        if let Ok(tracks) = tracks {
            for t in js_sys::Array::from(&tracks).iter() {
                if let Ok(f) = get(&t, "stop").and_then(|f| f.dyn_into::<js_sys::Function>()) {
                    let _ = f.call0(&t);
                }
            }
        }
    }
    on_cleanup({
        let wanted = wanted.clone();
        move || wanted.store(false, Ordering::SeqCst)
    });
    let sleep = |ms: i32| {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        wasm_bindgen_futures::JsFuture::from(promise)
    };
    let start = {
        let wanted = wanted.clone();
        move |_| {
            // One camera at a time: a second tap while the browser asks does nothing.
            if wanted.swap(true, Ordering::SeqCst) {
                return;
            }
            let wanted = wanted.clone();
            spawn_local(async move {
                let mut camera = None::<JsValue>;
                let scan = async {
                    let w = web_sys::window().ok_or(JsValue::NULL)?;
                    let devices = get(&w.navigator(), "mediaDevices")?;
                    let ask: js_sys::Function = get(&devices, "getUserMedia")?.dyn_into()?;
                    let asked = js_sys::JSON::parse(
                        r#"{"video":{"facingMode":"environment"},"audio":false}"#,
                    )?;
                    let s = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(
                        ask.call1(&devices, &asked)?,
                    ))
                    .await?;
                    camera = Some(s.clone());
                    // Left (or stopped) while the browser asked for the camera.
                    let el = match video.try_get_untracked().flatten() {
                        Some(el) if wanted.load(Ordering::SeqCst) => el,
                        _ => return Err(JsValue::NULL),
                    };
                    js_sys::Reflect::set(&el, &JsValue::from_str("srcObject"), &s)?;
                    let _ = el.play();
                    let _ = shown.try_set(true);
                    let make: js_sys::Function = get(&w, "BarcodeDetector")?.dyn_into()?;
                    let formats = js_sys::JSON::parse(r#"{"formats":["qr_code"]}"#)?;
                    let detector =
                        js_sys::Reflect::construct(&make, &js_sys::Array::of1(&formats))?;
                    let detect: js_sys::Function = get(&detector, "detect")?.dyn_into()?;
                    // The same code is handed on once per 5 s: a code held up to the camera is
                    // not checked in over and over, and a failed one can be tried again.
                    let mut last = (String::new(), 0.0);
                    while wanted.load(Ordering::SeqCst) {
                        sleep(400).await?;
                        if !wanted.load(Ordering::SeqCst) {
                            break;
                        }
                        let found = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(
                            detect.call1(&detector, &el)?,
                        ))
                        .await?;
                        let code = js_sys::Array::from(&found)
                            .iter()
                            .find_map(|b| get(&b, "rawValue").ok().and_then(|v| v.as_string()))
                            .unwrap_or_default();
                        let now = js_sys::Date::now();
                        if !code.is_empty() && (code != last.0 || now - last.1 > 5_000.0) {
                            last = (code.clone(), now);
                            if on_code.try_run(code).is_none() {
                                break;
                            }
                        }
                    }
                    Ok::<(), JsValue>(())
                };
                let _ = scan.await;
                if let Some(s) = camera {
                    stop_tracks(&s);
                }
                wanted.store(false, Ordering::SeqCst);
                let _ = shown.try_set(false);
            });
        }
    };
    let stop = {
        let wanted = wanted.clone();
        move |_| wanted.store(false, Ordering::SeqCst)
    };
    supported.then(move || view! {
        <div class="scanner">
            <video node_ref=video class="scanner-video" playsinline=true muted=true
                class:hidden=move || !shown.get() aria-hidden="true"></video>
            <Show when=move || shown.get() fallback=move || {
                let start = start.clone();
                view! { <button type="button" class="button" data-testid="scan" on:click=start>{tv("ev.ci.scan")}</button> }
            }>
                {
                    let stop = stop.clone();
                    view! { <button type="button" class="button" on:click=stop>{tv("ev.ci.stop")}</button> }
                }
            </Show>
        </div>
    })
}

/// `/events/new`: an organizer (or the committee) describes an event.
#[component]
pub fn EventNew() -> impl IntoView {
    view! {
        <WithPack pack="events" page=|| view! {
            <section class="page">
                <p><a href="/events" class="back-link">{tv("ev.back")}</a></p>
                <h1>{tv("ev.new")}</h1>
                <InCommunity page=|info| view! { <EventForm community_id=info.community.map(|c| c.id).unwrap_or_default() /> } />
            </section>
        } />
    }
}

const HOUR_MS: f64 = 3600.0 * 1000.0;

#[component]
fn EventForm(community_id: String) -> impl IntoView {
    let navigate = use_navigate();
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(EventKind::Cultural);
    let place = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let start = RwSignal::new(local_input_value(72.0 * HOUR_MS));
    let end = RwSignal::new(local_input_value(74.0 * HOUR_MS));
    let capacity = RwSignal::new(String::new());
    let companions = RwSignal::new("0".to_string());
    let hours = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let community = StoredValue::new(community_id);
    // The groups the viewer may organize for (the server's `viewerCan.organize`).
    let groups = LocalResource::new(move || async move {
        events::groups(&community.get_value())
            .await
            .map(|gs| {
                gs.into_iter()
                    .filter(|g| g.viewer_can.organize)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let submit = Action::new_unsync(move |new: &NewEvent| {
        let new = new.clone();
        async move { events::create(&new).await }
    });
    Effect::new(move || match submit.value().get() {
        Some(Ok(id)) => navigate(&format!("/events/{id}"), NavigateOptions::default()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let when = |s: RwSignal<String>| local_input_to_utc(&s.get_untracked()).unwrap_or_default();
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_string();
        // A number that does not parse goes as -1: the server refuses it with its own message.
        let capacity = text(capacity);
        submit.dispatch(NewEvent {
            community_id: community.get_value(),
            title: title.get_untracked(),
            kind: kind.get_untracked(),
            place: place.get_untracked(),
            description: description.get_untracked(),
            starts_at: when(start),
            ends_at: when(end),
            capacity: (!capacity.is_empty()).then(|| capacity.parse().unwrap_or(-1)),
            companions_allowed: text(companions).parse().unwrap_or(-1),
            volunteer_hours: Some(text(hours)).filter(|h| !h.is_empty()),
            group_id: Some(group.get_untracked()).filter(|g| !g.is_empty()),
        });
    };
    view! {
        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
        <form class="form" on:submit=on_submit novalidate>
            <div class="field">
                <label for="event-title">{tv("ev.f.title")}</label>
                <input id="event-title" type="text" maxlength="100" data-testid="event-title-input" bind:value=title />
            </div>
            <div class="field">
                <label for="event-kind-input">{tv("ev.kind_label")}</label>
                <select id="event-kind-input" data-testid="event-kind-input" on:change=move |ev| kind.set(EventKind::from_wire(&event_target_value(&ev)))>
                    {EventKind::ALL.iter().map(|kd| {
                        let kd = *kd;
                        view! { <option value=kd.as_str() selected=move || kind.get() == kd>{move || t(kind_key(kd))}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="event-place">{tv("ev.f.place")}</label>
                <input id="event-place" type="text" maxlength="100" data-testid="event-place-input" bind:value=place />
            </div>
            <div class="field">
                <label for="event-description">{tv("ev.f.description")}</label>
                <textarea id="event-description" maxlength="2000" rows="3" bind:value=description></textarea>
            </div>
            <div class="field">
                <label for="event-start">{tv("ev.f.start")}</label>
                <input id="event-start" type="datetime-local" data-testid="event-start" bind:value=start />
            </div>
            <div class="field">
                <label for="event-end">{tv("ev.f.end")}</label>
                <input id="event-end" type="datetime-local" data-testid="event-end" bind:value=end />
            </div>
            <div class="field">
                <label for="event-capacity">{tv("ev.f.capacity")}</label>
                <input id="event-capacity" type="number" inputmode="numeric" min="1" data-testid="event-capacity" bind:value=capacity />
            </div>
            <div class="field">
                <label for="event-companions">{tv("ev.f.companions")}</label>
                <input id="event-companions" type="number" inputmode="numeric" min="0" max="10" bind:value=companions />
            </div>
            <div class="field">
                <label for="event-hours">{tv("ev.f.hours")}</label>
                <input id="event-hours" type="text" inputmode="decimal" data-testid="event-hours-input" bind:value=hours />
            </div>
            {move || groups.get().filter(|gs| !gs.is_empty()).map(|gs| view! {
                <div class="field">
                    <label for="event-group">{tv("ev.f.group")}</label>
                    <select id="event-group" data-testid="event-group" on:change=move |ev| group.set(event_target_value(&ev))>
                        <option value="" selected=move || group.get().is_empty()>{tv("ev.f.no_group")}</option>
                        {gs.into_iter().map(|g| {
                            let id = g.id.clone();
                            view! { <option value=g.id.clone() selected=move || group.get() == id>{g.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
            })}
            <button type="submit" class="button primary" data-testid="event-submit" disabled=move || submit.pending().get()>
                {tv("ev.f.submit")}
            </button>
        </form>
    }
}

/// `/my-events`: the viewer's sign-ups, newest first, each with its check-in QR code.
#[component]
pub fn MyEvents() -> impl IntoView {
    view! {
        <WithPack pack="events" page=|| view! {
            <section class="page">
                <p><a href="/events" class="back-link">{tv("ev.back")}</a></p>
                <h1>{tv("ev.mine")}</h1>
                <InCommunity page=|info| {
                    let community = StoredValue::new(info.community.map(|c| c.id).unwrap_or_default());
                    let version = RwSignal::new(0u32);
                    let list = LocalResource::new(move || { version.track(); async move { events::mine(&community.get_value(), None).await } });
                    let error = RwSignal::new(None::<ApiError>);
                    let on_cancel = Callback::new(move |id: String| {
                        spawn_local(async move {
                            if let Err(e) = events::cancel_registration(&id).await {
                                error.set(Some(e));
                            }
                            version.update(|v| *v += 1);
                        });
                    });
                    let item = move |m: MyRegistration| {
                        let when = m.event.starts_at.clone();
                        view! {
                            <li class="topic" data-testid="my-event">
                                <a href=format!("/events/{}", m.event.id) class="topic-link">{m.event.title.clone()}</a>
                                <p class="topic-meta"><When at=when.clone() /> " · " {m.event.place.clone()}</p>
                                <MyRegistrationCard r=m.registration on_cancel=on_cancel />
                            </li>
                        }
                    };
                    view! {
                        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
                        {move || match list.get() {
                            None => view! { <Loading /> }.into_any(),
                            Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                            Some(Ok(page)) if page.nodes.is_empty() => view! { <p class="empty">{tv("ev.my.none")}</p> }.into_any(),
                            Some(Ok(page)) => view! { <ul class="topics">{page.nodes.into_iter().map(item).collect_view()}</ul> }.into_any(),
                        }}
                    }
                } />
            </section>
        } />
    }
}

/// `/volunteer-hours`: the viewer's credited hours and their history; for the committee, the
/// community's ranking of the year.
#[component]
pub fn VolunteerHours() -> impl IntoView {
    view! {
        <WithPack pack="events" page=|| view! {
            <section class="page">
                <p><a href="/events" class="back-link">{tv("ev.back")}</a></p>
                <h1>{tv("ev.my_hours")}</h1>
                <InCommunity page=|info| {
                    let committee = info.can.manage_volunteers;
                    let community = StoredValue::new(info.community.map(|c| c.id).unwrap_or_default());
                    let mine = LocalResource::new(move || async move { events::hours(&community.get_value(), None).await });
                    let year = js_sys::Date::new_0().get_full_year() as i64;
                    let ranking = LocalResource::new(move || async move {
                        if committee { events::ranking(&community.get_value(), year).await.map(Some) } else { Ok(None) }
                    });
                    view! {
                        {move || match mine.get() {
                            None => view! { <Loading /> }.into_any(),
                            Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                            Some(Ok(h)) => {
                                let total = h.volunteer_hours.clone();
                                let lines = h.volunteer_hours_history.nodes;
                                view! {
                                    <p class="big" data-testid="hours-total">{move || tf("ev.h.total", &[("h", &total)])}</p>
                                    {if lines.is_empty() {
                                        view! { <p class="empty">{tv("ev.h.none")}</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="topics" data-testid="hours-history">
                                                {lines.into_iter().map(|l| {
                                                    let when = l.created_at.clone();
                                                    let what = l.event_title.clone().or(l.note.clone()).unwrap_or_default();
                                                    view! { <li class="topic"><strong>{l.hours.clone()}</strong> " · " {what} " · " <When at=when.clone() /></li> }
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                }.into_any()
                            }
                        }}
                        {move || ranking.get().and_then(Result::ok).flatten().map(|rows| {
                            let y = year.to_string();
                            view! {
                                <h2>{move || tf("ev.h.ranking", &[("year", &y)])}</h2>
                                <ol data-testid="hours-ranking">
                                    {rows.into_iter().map(|r| view! { <li>{r.resident.name} " · " {r.hours}</li> }).collect_view()}
                                </ol>
                            }
                        })}
                    }
                } />
            </section>
        } />
    }
}

/// `/volunteer-groups`: the community's volunteer groups with their leaders and members. A
/// resident joins or leaves as the server's `viewerCan` allows; the committee creates a group
/// and names its leader (themselves, or a neighbour found by name or unit).
#[component]
pub fn VolunteerGroups() -> impl IntoView {
    view! {
        <WithPack pack="events" page=|| view! {
            <section class="page">
                <p><a href="/events" class="back-link">{tv("ev.back")}</a></p>
                <h1>{tv("ev.groups")}</h1>
                <InCommunity page=|info| {
                    let committee = info.can.manage_volunteers;
                    let me = info.viewer.resident_id.clone().map(|id| (id, info.viewer.name.clone()));
                    let community = StoredValue::new(info.community.map(|c| c.id).unwrap_or_default());
                    let version = RwSignal::new(0u32);
                    let list = LocalResource::new(move || {
                        version.track();
                        async move { events::groups(&community.get_value()).await }
                    });
                    let error = RwSignal::new(None::<ApiError>);
                    let busy = RwSignal::new(false);
                    // One of the viewer's acts on a group; then the groups are read again.
                    let run = move |work: futures::future::LocalBoxFuture<'static, Result<(), ApiError>>| {
                        busy.set(true);
                        error.set(None);
                        spawn_local(async move {
                            if let Err(e) = work.await {
                                let _ = error.try_set(Some(e));
                            }
                            let _ = busy.try_set(false);
                            let _ = version.try_update(|v| *v += 1);
                        });
                    };
                    let act = move |id: String, join: bool| {
                        run(Box::pin(async move { events::membership(&id, join).await }))
                    };
                    let appoint = move |group: String, leader: String| {
                        run(Box::pin(async move { events::set_group_leader(&group, &leader).await }))
                    };
                    let item = move |g: Group| {
                        let (join_id, leave_id) = (g.id.clone(), g.id.clone());
                        let (join_name, leave_name) = (g.name.clone(), g.name.clone());
                        let leader = g.leader.name.clone();
                        let count = g.members.len().to_string();
                        let members = g.members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join("、");
                        let appoint_form = g.viewer_can.appoint_leader.then(|| view! {
                            <LeaderChange group=g.id.clone() name=g.name.clone() leader=g.leader.id.clone()
                                members=g.members.clone() busy=busy.into()
                                on_pick=Callback::new(move |(group, leader): (String, String)| appoint(group, leader)) />
                        });
                        view! {
                            <li class="topic" data-testid="volunteer-group">
                                <h2 class="topic-link">{g.name.clone()}</h2>
                                <p class="topic-meta">
                                    {move || tf("ev.g.leader", &[("name", &leader)])} " · "
                                    {move || tf("ev.g.count", &[("n", &count)])}
                                </p>
                                <p class="muted" data-testid="group-members">{members}</p>
                                <p class="actions">
                                    {g.viewer_can.join.then(|| view! {
                                        <button type="button" class="button primary" data-testid="group-join"
                                            aria-label=move || tf("ev.g.join_named", &[("group", &join_name)])
                                            disabled=move || busy.get() on:click=move |_| act(join_id.clone(), true)>
                                            {tv("ev.g.join")}
                                        </button>
                                    })}
                                    {g.viewer_can.leave.then(|| view! {
                                        <button type="button" class="button" data-testid="group-leave"
                                            aria-label=move || tf("ev.g.leave_named", &[("group", &leave_name)])
                                            disabled=move || busy.get() on:click=move |_| act(leave_id.clone(), false)>
                                            {tv("ev.g.leave")}
                                        </button>
                                    })}
                                </p>
                                {appoint_form}
                            </li>
                        }
                    };
                    view! {
                        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
                        {move || match list.get() {
                            None => view! { <Loading /> }.into_any(),
                            Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                            Some(Ok(groups)) if groups.is_empty() => view! { <p class="empty">{tv("ev.g.none")}</p> }.into_any(),
                            Some(Ok(groups)) => view! { <ul class="topics">{groups.into_iter().map(item).collect_view()}</ul> }.into_any(),
                        }}
                        {committee.then(|| view! {
                            <GroupForm community=community.get_value() me=me.clone()
                                on_created=Callback::new(move |()| version.update(|v| *v += 1)) />
                        })}
                    }
                } />
            </section>
        } />
    }
}

/// The committee names another leader among the group's members (one who lives here: the
/// server lists no one who moved out); the group's leader is not offered.
#[component]
fn LeaderChange(
    group: String,
    name: String,
    leader: String,
    members: Vec<events::Member>,
    busy: Signal<bool>,
    on_pick: Callback<(String, String)>,
) -> impl IntoView {
    let choices: Vec<events::Member> = members.into_iter().filter(|m| m.id != leader).collect();
    if choices.is_empty() {
        return None;
    }
    let chosen = RwSignal::new(String::new());
    let field = format!("leader-of-{group}");
    let group = StoredValue::new(group);
    let name = StoredValue::new(name);
    let label = move || tf("ev.g.new_leader_named", &[("group", &name.get_value())]);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pick = chosen.get_untracked();
        if !pick.is_empty() {
            on_pick.run((group.get_value(), pick));
        }
    };
    Some(view! {
        <form class="inline" on:submit=on_submit data-testid="group-leader-form">
            <label for=field.clone()>{label}</label>
            <select id=field data-testid="group-new-leader" on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="" selected=move || chosen.get().is_empty()>{tv("ev.g.pick_member")}</option>
                {choices.into_iter().map(|m| {
                    let id = m.id.clone();
                    view! { <option value=m.id selected=move || chosen.get() == id>{m.name}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class="button" data-testid="group-set-leader"
                aria-label=move || tf("ev.g.set_leader_named", &[("group", &name.get_value())])
                disabled=move || busy.get() || chosen.get().is_empty()>
                {tv("ev.g.set_leader")}
            </button>
        </form>
    })
}

/// The committee's form for a new group: a name and a leader.
#[component]
fn GroupForm(
    community: String,
    me: Option<(String, String)>,
    on_created: Callback<()>,
) -> impl IntoView {
    let community = StoredValue::new(community);
    let name = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<(String, String)>::new());
    let leader = RwSignal::new(None::<(String, String)>);
    let error = RwSignal::new(None::<ApiError>);
    let find = Action::new_unsync(move |text: &String| {
        let text = text.clone();
        async move { crate::api::mediation::neighbours(&community.get_value(), &text).await }
    });
    Effect::new(move || match find.value().get() {
        Some(Ok(list)) => found.set(
            list.into_iter()
                .map(|n| (n.id, format!("{} · {} {}", n.name, n.building, n.unit)))
                .collect(),
        ),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let submit = Action::new_unsync(move |(name, leader): &(String, String)| {
        let (name, leader) = (name.clone(), leader.clone());
        async move { events::create_group(&community.get_value(), &name, &leader).await }
    });
    Effect::new(move || match submit.value().get() {
        Some(Ok(())) => {
            name.set(String::new());
            leader.set(None);
            on_created.run(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        // No leader chosen goes as an empty id: the server names the missing field.
        let chosen = leader.get_untracked().map(|(id, _)| id).unwrap_or_default();
        submit.dispatch((name.get_untracked(), chosen));
    };
    let choice = move |(id, label): (String, String)| {
        let pick = (id.clone(), label.clone());
        view! {
            <li>
                <button type="button" class="button" data-testid="leader-pick"
                    aria-pressed=move || if leader.get().is_some_and(|(l, _)| l == id) { "true" } else { "false" }
                    on:click=move |_| leader.set(Some(pick.clone()))>
                    {label.clone()}
                </button>
            </li>
        }
    };
    view! {
        <h2>{tv("ev.g.new")}</h2>
        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
        <form class="form" on:submit=on_submit novalidate>
            <div class="field">
                <label for="group-name">{tv("ev.g.name")}</label>
                <input id="group-name" type="text" maxlength="40" data-testid="group-name" bind:value=name />
            </div>
            <div class="field">
                <label for="leader-search">{tv("ev.g.leader_pick")}</label>
                <div class="inline">
                    // Enter searches (it would otherwise send the form without a leader).
                    <input id="leader-search" type="search" maxlength="20" autocomplete="off" data-testid="leader-search" bind:value=search
                        on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); find.dispatch(search.get_untracked()); } />
                    <button type="button" class="button" data-testid="leader-find"
                        on:click=move |_| { find.dispatch(search.get_untracked()); }>
                        {tv("ev.g.find")}
                    </button>
                </div>
                <ul class="choices" aria-live="polite">
                    {me.map(|(id, name)| choice((id, tf("ev.g.me", &[("name", &name)]))))}
                    {move || found.get().into_iter().map(choice).collect_view()}
                </ul>
                <p class="hint" data-testid="leader-chosen">
                    {move || leader.get().map(|(_, label)| tf("ev.g.chosen", &[("who", &label)]))}
                </p>
            </div>
            <button type="submit" class="button primary" data-testid="group-submit" disabled=move || submit.pending().get()>
                {tv("ev.g.create")}
            </button>
        </form>
    }
}
