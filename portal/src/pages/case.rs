//! `/cases/:id`: one mediation case — its parties and facts, the answer a respondent gives,
//! the committee's acceptance, sessions, the timeline, the mediators' private notes, the
//! agreement with its signatures, the outcome and follow-up, the rating; and
//! `/cases/:id/agreement`, the printable agreement (调解协议书). Every button shown is one the
//! server's `viewerCan` allows; the server checks each act again.

use crate::api::mediation::{self, Case, CaseAct, CaseEntryKind, CasePerson, Entries, Entry};
use crate::api::ApiError;
use crate::components::{
    confirm, error_text, format_date, format_time, local_input_to_utc, local_input_value,
    ErrorBanner, InCommunity, Loading, WithPack,
};
use crate::i18n::{k, t, tf, tv};
use crate::pages::cases::{category_key, CaseStatusTag};
use leptos::prelude::*;

fn entry_key(kind: CaseEntryKind) -> &'static str {
    match kind {
        CaseEntryKind::Message => k("case.entry.MESSAGE"),
        CaseEntryKind::Filed => k("case.entry.FILED"),
        CaseEntryKind::Accepted => k("case.entry.ACCEPTED"),
        CaseEntryKind::Declined => k("case.entry.DECLINED"),
        CaseEntryKind::MediatorsAssigned => k("case.entry.MEDIATORS_ASSIGNED"),
        CaseEntryKind::Consented => k("case.entry.CONSENTED"),
        CaseEntryKind::Refused => k("case.entry.REFUSED"),
        CaseEntryKind::OutsideConsent => k("case.entry.OUTSIDE_CONSENT"),
        CaseEntryKind::MediationStarted => k("case.entry.MEDIATION_STARTED"),
        CaseEntryKind::SessionScheduled => k("case.entry.SESSION_SCHEDULED"),
        CaseEntryKind::AgreementDrafted => k("case.entry.AGREEMENT_DRAFTED"),
        CaseEntryKind::Signed => k("case.entry.SIGNED"),
        CaseEntryKind::OutsideSigned => k("case.entry.OUTSIDE_SIGNED"),
        CaseEntryKind::Agreed => k("case.entry.AGREED"),
        CaseEntryKind::Failed => k("case.entry.FAILED"),
        CaseEntryKind::Withdrawn => k("case.entry.WITHDRAWN"),
        CaseEntryKind::FollowedUp => k("case.entry.FOLLOWED_UP"),
        CaseEntryKind::Closed => k("case.entry.CLOSED"),
        CaseEntryKind::Unknown => k("case.entry.UNKNOWN"),
    }
}

fn names(people: &[CasePerson]) -> String {
    people
        .iter()
        .map(|p| p.name.clone())
        .collect::<Vec<_>>()
        .join("、")
}

/// Loads the case named in the route; `page` renders it with the act runner.
#[component]
fn CaseLoader<F, V>(page: F) -> impl IntoView
where
    F: Fn(RwSignal<Option<Case>>) -> V + Send + Sync + Copy + 'static,
    V: IntoView + 'static,
{
    let id = crate::modules::use_path_id();
    let loaded = LocalResource::new(move || {
        let id = id.get();
        async move { mediation::case(&id).await }
    });
    let case = RwSignal::new(None::<Case>);
    Effect::new(move || {
        if let Some(Ok(c)) = loaded.get() {
            case.set(Some(c));
        }
    });
    move || match (loaded.get(), case.with(Option::is_some)) {
        (Some(Err(e)), false) => {
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }
                .into_any()
        }
        (_, true) => page(case).into_any(),
        _ => view! { <Loading /> }.into_any(),
    }
}

#[component]
pub fn CasePage() -> impl IntoView {
    view! {
        <WithPack pack="mediation" page=|| view! {
            <section class="page">
                <p><a href="/cases" class="back-link">{tv("case.back")}</a></p>
                <InCommunity page=|_| view! { <CaseLoader page=|case| view! { <CaseBody case=case /> } /> } />
            </section>
        } />
    }
}

#[component]
fn CaseBody(case: RwSignal<Option<Case>>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let id = case.with_untracked(|c| c.as_ref().map(|c| c.id.clone()).unwrap_or_default());
    let act = Action::new_unsync(move |a: &CaseAct| {
        let (id, a) = (id.clone(), a.clone());
        async move { mediation::run(&id, a).await }
    });
    Effect::new(move || match act.value().get() {
        Some(Ok(c)) => {
            error.set(None);
            case.set(Some(c));
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let run = Callback::new(move |a: CaseAct| {
        act.dispatch(a);
    });
    let busy = act.pending();
    move || {
        let Some(c) = case.get() else {
            return ().into_any();
        };
        view! {
            <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
            <CaseView c=c run=run busy=busy.into() />
        }
        .into_any()
    }
}

#[component]
fn CaseView(c: Case, run: Callback<CaseAct>, busy: Signal<bool>) -> impl IntoView {
    let can = c.viewer_can;
    let number = c.number.clone();
    let category = c.category;
    let applicant = c.applicant.clone().map(|a| a.name).unwrap_or_default();
    let mediators = names(&c.mediators);
    let created = c.created_at.clone();
    let print_href = format!("/cases/{}/agreement", c.id);
    view! {
        <div class="page-head">
            <h1 data-testid="case-number">{move || tf("case.title", &[("number", &number)])}</h1>
        </div>
        <p class="topic-meta">
            <CaseStatusTag status=c.status />
            <span class="tag">{move || t(category_key(category))}</span>
            {c.overdue.then(|| view! { <span class="tag tag-attention">{tv("cases.overdue")}</span> })}
        </p>
        <section class="card" aria-labelledby="parties-title">
            <h2 id="parties-title">{tv("case.parties")}</h2>
            <dl class="facts">
                <dt>{tv("case.applicant")}</dt>
                <dd>{applicant}</dd>
                <dt>{tv("case.respondents")}</dt>
                <dd data-testid="case-respondents">
                    {c.respondents.iter().map(|r| {
                        let name = r.name.clone();
                        let key = match r.consent {
                            None => k("case.consent_pending"),
                            Some(true) => k("case.consent_yes"),
                            Some(false) => k("case.consent_no"),
                        };
                        view! { <span class="respondent">{move || tf(key, &[("name", &name)])}</span> " " }
                    }).collect_view()}
                    {c.outside_party.clone().map(|o| view! {
                        <span>{move || tf("case.outside_party", &[("who", &o)])}</span>
                    })}
                    {c.outside_party_consented_at.clone().map(|_| view! { " " <span class="tag tag-ok">{tv("case.outside_consented")}</span> })}
                </dd>
                <dt>{tv("case.mediators")}</dt>
                <dd data-testid="case-mediators">{if mediators.is_empty() { t("case.no_mediator") } else { mediators }}</dd>
                <dt>{tv("case.filed")}</dt>
                <dd>{move || format_date(&created)}</dd>
            </dl>
        </section>
        <section class="card" aria-labelledby="facts-title">
            <h2 id="facts-title">{tv("case.facts")}</h2>
            <p class="prose-text" data-testid="case-description">{c.description.clone()}</p>
            <h3>{tv("case.desired")}</h3>
            <p class="prose-text">{c.desired_outcome.clone()}</p>
            {c.decline_reason.clone().map(|r| view! { <p class="banner banner-warning">{move || tf("case.declined_because", &[("reason", &r)])}</p> })}
            {c.suggested_channel.clone().map(|r| view! { <p class="banner banner-warning" data-testid="case-channel">{move || tf("case.channel", &[("channel", &r)])}</p> })}
            {c.follow_up_note.clone().map(|r| view! { <p class="banner banner-ok">{move || tf("case.follow_up_note", &[("note", &r)])}</p> })}
        </section>

        {can.respond.then(|| view! {
            <section class="card needs" aria-labelledby="respond-title" data-testid="respond-box">
                <h2 id="respond-title">{tv("case.respond_title")}</h2>
                <p>{tv("case.respond_intro")}</p>
                <div class="actions">
                    <button type="button" class="button primary" data-testid="consent-yes" disabled=busy
                        on:click=move |_| run.run(CaseAct::Respond(true))>{tv("case.consent")}</button>
                    <button type="button" class="button" data-testid="consent-no" disabled=busy
                        on:click=move |_| if confirm(&t("case.refuse_confirm")) { run.run(CaseAct::Respond(false)) }>{tv("case.refuse")}</button>
                </div>
            </section>
        })}

        {(can.accept || can.decline).then(|| {
            let community = c.community.clone().map(|x| x.id).unwrap_or_default();
            view! { <AcceptForm community=community run=run busy=busy /> }
        })}
        {(can.assign && !can.accept).then(|| {
            let community = c.community.clone().map(|x| x.id).unwrap_or_default();
            let current = c.mediators.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
            view! { <ReassignForm community=community current=current run=run busy=busy /> }
        })}

        <AgreementSection c=c.clone() run=run busy=busy print_href=print_href />

        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">{tv("case.sessions")}</h2>
            {if c.sessions.is_empty() {
                view! { <p class="empty">{tv("case.no_sessions")}</p> }.into_any()
            } else {
                view! {
                    <ul class="facts" data-testid="case-sessions">
                        {c.sessions.iter().map(|s| {
                            let (at, place) = (s.starts_at.clone(), s.place.clone());
                            view! {
                                <li>
                                    {move || tf("case.session_line", &[("time", &format_time(&at)), ("place", &place)])}
                                    {s.note.clone().map(|n| view! { <p class="muted small prose-text">{n}</p> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {can.schedule.then(|| view! { <ScheduleForm run=run busy=busy /> })}
        </section>

        <MediatorTools c=c.clone() run=run busy=busy />

        <section class="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{tv("case.timeline")}</h2>
            <Timeline id=c.id.clone() first=c.timeline.clone() />
            {can.message.then(|| view! { <TextAct label=k("case.message_label") button=k("case.message_send") id="case-message" testid="message"
                max=1000 run=run busy=busy make=|s| CaseAct::Message(s) /> })}
        </section>

        {c.notes.clone().map(|notes| view! {
            <section class="card" aria-labelledby="notes-title" data-testid="case-notes">
                <h2 id="notes-title">{tv("case.notes")}</h2>
                <p class="hint">{tv("case.notes_private")}</p>
                <ul class="updates">
                    {notes.into_iter().map(|n| {
                        let at = n.created_at.clone();
                        view! { <li><p class="muted small">{move || format_time(&at)} " · " {n.author.name.clone()}</p><p class="prose-text">{n.body}</p></li> }
                    }).collect_view()}
                </ul>
                {can.note.then(|| view! { <TextAct label=k("case.note_label") button=k("case.note_add") id="case-note" testid="note"
                    max=2000 run=run busy=busy make=|s| CaseAct::Note(s) /> })}
            </section>
        })}

        {can.withdraw.then(|| view! {
            <p>
                <button type="button" class="button" data-testid="withdraw" disabled=busy
                    on:click=move |_| if confirm(&t("case.withdraw_confirm")) { run.run(CaseAct::Withdraw) }>
                    {tv("case.withdraw")}
                </button>
            </p>
        })}
        {can.rate.then(|| view! { <RateForm run=run busy=busy /> })}
        {c.viewer_rating.map(|n| {
            let n = n.to_string();
            view! { <p class="muted" data-testid="case-rated">{move || tf("case.rated", &[("stars", &n)])}</p> }
        })}
    }
}

fn timeline_line(e: Entry) -> impl IntoView {
    let key = entry_key(e.kind);
    let who = e.author.map(|a| a.name).unwrap_or_default();
    let at = e.created_at;
    view! {
        <li data-kind=e.kind.as_str()>
            <p class="muted small">{move || format_time(&at)} " · " {move || tf(key, &[("who", &who)])}</p>
            {e.body.map(|b| view! { <p class="prose-text">{b}</p> })}
        </li>
    }
}

/// The timeline, oldest first: the page's first lines and, on request, the next ones.
#[component]
fn Timeline(id: String, first: Entries) -> impl IntoView {
    let more = RwSignal::new(Vec::<Entry>::new());
    let cursor = RwSignal::new(
        first
            .page_info
            .has_next_page
            .then_some(first.page_info.end_cursor)
            .flatten(),
    );
    let error = RwSignal::new(None::<ApiError>);
    let load = Action::new_unsync(move |after: &String| {
        let (id, after) = (id.clone(), after.clone());
        async move { mediation::timeline_after(&id, &after).await }
    });
    Effect::new(move || match load.value().get() {
        Some(Ok(page)) => {
            error.set(None);
            let next = page
                .page_info
                .has_next_page
                .then_some(page.page_info.end_cursor)
                .flatten();
            more.update(|m| m.extend(page.nodes));
            cursor.set(next);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <ol class="updates" data-testid="case-timeline">
            {first.nodes.into_iter().map(timeline_line).collect_view()}
            {move || more.get().into_iter().map(timeline_line).collect_view()}
        </ol>
        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
        {move || cursor.get().map(|after| view! {
            <button type="button" class="button" data-testid="timeline-more" disabled=load.pending()
                on:click=move |_| { load.dispatch(after.clone()); }>{tv("common.load_more")}</button>
        })}
    }
}

/// A text box and a button that sends its text as one act.
#[component]
fn TextAct(
    label: &'static str,
    button: &'static str,
    id: &'static str,
    testid: &'static str,
    max: u32,
    run: Callback<CaseAct>,
    busy: Signal<bool>,
    make: fn(String) -> CaseAct,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    view! {
        <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            run.run(make(text.get_untracked()));
        }>
            <div class="field">
                <label for=id>{move || t(label)}</label>
                <textarea id=id class="prose" rows="3" maxlength=max.to_string() data-testid=format!("{testid}-text") bind:value=text></textarea>
            </div>
            <button type="submit" class="button" data-testid=format!("{testid}-submit") disabled=busy>{move || t(button)}</button>
        </form>
    }
}

/// Check boxes for the community's mediators (the server's list of MEDIATOR role holders);
/// `picked` holds the chosen ids and starts with those already assigned.
#[component]
fn MediatorPicker(community: String, picked: RwSignal<Vec<String>>) -> impl IntoView {
    let mediators = LocalResource::new(move || {
        let community = community.clone();
        async move { mediation::mediators(&community).await }
    });
    view! {
        <fieldset class="field">
            <legend>{tv("case.choose_mediators")}</legend>
            {move || match mediators.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                Some(Ok(list)) => list.into_iter().map(|m| {
                    let id = m.id.clone();
                    let checked = picked.with_untracked(|p| p.contains(&m.id));
                    let input_id = format!("mediator-{}", m.id);
                    view! {
                        <div class="field check">
                            <input type="checkbox" id=input_id.clone() data-testid="mediator-choice" prop:checked=checked
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let id = id.clone();
                                    picked.update(|p| { p.retain(|x| *x != id); if on { p.push(id) } });
                                } />
                            <label for=input_id>{m.name.clone()}</label>
                        </div>
                    }
                }).collect_view().into_any(),
            }}
        </fieldset>
    }
}

/// The committee changes who mediates an accepted case (signatures already given are void
/// when the set changes: the server's rule, stated in the hint).
#[component]
fn ReassignForm(
    community: String,
    current: Vec<String>,
    run: Callback<CaseAct>,
    busy: Signal<bool>,
) -> impl IntoView {
    let picked = RwSignal::new(current);
    view! {
        <section class="card" aria-labelledby="reassign-title" data-testid="reassign-box">
            <h2 id="reassign-title">{tv("case.reassign_title")}</h2>
            <p class="hint">{tv("case.reassign_hint")}</p>
            <MediatorPicker community=community picked=picked />
            <button type="button" class="button" data-testid="reassign-case" disabled=busy
                on:click=move |_| run.run(CaseAct::Assign(picked.get_untracked()))>{tv("case.reassign")}</button>
        </section>
    }
}

/// The committee's decision: mediators to assign (from the case's community's mediators), or
/// a reason to decline.
#[component]
fn AcceptForm(community: String, run: Callback<CaseAct>, busy: Signal<bool>) -> impl IntoView {
    let picked = RwSignal::new(Vec::<String>::new());
    let reason = RwSignal::new(String::new());
    view! {
        <section class="card needs" aria-labelledby="decide-title" data-testid="decide-box">
            <h2 id="decide-title">{tv("case.decide_title")}</h2>
            <MediatorPicker community=community picked=picked />
            <button type="button" class="button primary" data-testid="accept-case" disabled=busy
                on:click=move |_| run.run(CaseAct::Accept(picked.get_untracked()))>{tv("case.accept")}</button>
            <div class="field">
                <label for="decline-reason">{tv("case.decline_reason")}</label>
                <textarea id="decline-reason" rows="2" maxlength="500" bind:value=reason></textarea>
            </div>
            <button type="button" class="button" data-testid="decline-case" disabled=busy
                on:click=move |_| run.run(CaseAct::Decline(reason.get_untracked()))>{tv("case.decline")}</button>
        </section>
    }
}

#[component]
fn ScheduleForm(run: Callback<CaseAct>, busy: Signal<bool>) -> impl IntoView {
    let when = RwSignal::new(local_input_value(86_400_000.0));
    let place = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    view! {
        <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let starts_at = local_input_to_utc(&when.get_untracked()).unwrap_or_default();
            let note = Some(note.get_untracked()).filter(|n| !n.trim().is_empty());
            run.run(CaseAct::Schedule { starts_at, place: place.get_untracked(), note });
        }>
            <div class="field">
                <label for="session-time">{tv("case.session_time")}</label>
                <input id="session-time" type="datetime-local" bind:value=when />
            </div>
            <div class="field">
                <label for="session-place">{tv("case.session_place")}</label>
                <input id="session-place" type="text" maxlength="200" data-testid="session-place" bind:value=place />
            </div>
            <div class="field">
                <label for="session-note">{tv("case.session_note")}</label>
                <textarea id="session-note" rows="2" maxlength="500" data-testid="session-note" bind:value=note></textarea>
            </div>
            <button type="submit" class="button" data-testid="schedule-session" disabled=busy>{tv("case.schedule")}</button>
        </form>
    }
}

/// The agreement: its terms, who signed these terms, the sign button, the mediator's draft.
#[component]
fn AgreementSection(
    c: Case,
    run: Callback<CaseAct>,
    busy: Signal<bool>,
    print_href: String,
) -> impl IntoView {
    let can = c.viewer_can;
    let terms = RwSignal::new(
        c.agreement
            .as_ref()
            .map(|a| a.terms.clone())
            .unwrap_or_default(),
    );
    if c.agreement.is_none() && !can.draft {
        return ().into_any();
    }
    let version = c.agreement.as_ref().map(|a| a.version).unwrap_or(0);
    view! {
        <section class="card" aria-labelledby="agreement-title" data-testid="agreement">
            <h2 id="agreement-title">{tv("case.agreement")}</h2>
            {c.agreement.clone().map(|a| {
                let v = a.version.to_string();
                view! {
                    <p class="muted small">{move || tf("case.version", &[("version", &v)])}</p>
                    <p class="prose-text" data-testid="agreement-terms">{a.terms.clone()}</p>
                    <ul class="facts" data-testid="agreement-signers">
                        {a.signers.iter().map(|s| {
                            let name = s.name.clone();
                            let key = if s.signed_at.is_some() { k("case.signed_by") } else { k("case.not_signed") };
                            let at = s.signed_at.clone().unwrap_or_default();
                            view! { <li data-signed=s.signed_at.is_some().to_string()>{move || tf(key, &[("name", &name), ("time", &format_time(&at))])}</li> }
                        }).collect_view()}
                        {a.outside_party_signs.then(|| {
                            let key = if a.outside_party_signed_at.is_some() { k("case.outside_signed") } else { k("case.outside_not_signed") };
                            view! { <li>{move || t(key)}</li> }
                        })}
                    </ul>
                    <p><a href=print_href.clone() class="button" data-testid="agreement-print-link">{tv("case.print")}</a></p>
                }
            })}
            {can.sign.then(|| view! {
                <p class="hint">{tv("case.sign_hint")}</p>
                <button type="button" class="button primary" data-testid="sign-agreement" disabled=busy
                    on:click=move |_| if confirm(&t("case.sign_confirm")) { run.run(CaseAct::Sign(version)) }>
                    {tv("case.sign")}
                </button>
            })}
            {can.record_outside_signature.then(|| view! {
                <button type="button" class="button" data-testid="record-outside-signature" disabled=busy
                    on:click=move |_| run.run(CaseAct::OutsideSignature(version))>{tv("case.record_outside_signature")}</button>
            })}
            {can.draft.then(|| view! {
                <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    run.run(CaseAct::Draft(terms.get_untracked()));
                }>
                    <div class="field">
                        <label for="agreement-draft">{tv("case.draft_label")}</label>
                        <textarea id="agreement-draft" class="prose" rows="6" maxlength="5000" data-testid="draft-text"
                            aria-describedby="draft-hint" bind:value=terms></textarea>
                        <p class="hint" id="draft-hint">{tv("case.draft_hint")}</p>
                    </div>
                    <button type="submit" class="button" data-testid="draft-submit" disabled=busy>{tv("case.draft")}</button>
                </form>
            })}
        </section>
    }
    .into_any()
}

/// The mediator's outcome tools (and the committee's close).
#[component]
fn MediatorTools(c: Case, run: Callback<CaseAct>, busy: Signal<bool>) -> impl IntoView {
    let can = c.viewer_can;
    if !(can.fail || can.follow_up || can.close || can.record_outside_consent) {
        return ().into_any();
    }
    let channel = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let fulfilled = RwSignal::new(true);
    view! {
        <section class="card" aria-labelledby="outcome-title" data-testid="outcome-tools">
            <h2 id="outcome-title">{tv("case.outcome_title")}</h2>
            {can.record_outside_consent.then(|| view! {
                <p><button type="button" class="button" data-testid="record-outside-consent" disabled=busy on:click=move |_| run.run(CaseAct::OutsideConsent)>
                    {tv("case.record_outside_consent")}</button></p>
            })}
            {can.fail.then(|| view! {
                <div class="field">
                    <label for="fail-channel">{tv("case.fail_channel")}</label>
                    <textarea id="fail-channel" rows="2" maxlength="500" bind:value=channel></textarea>
                </div>
                <button type="button" class="button" data-testid="fail-case" disabled=busy
                    on:click=move |_| if confirm(&t("case.fail_confirm")) { run.run(CaseAct::Fail(channel.get_untracked())) }>
                    {tv("case.fail")}
                </button>
            })}
            {can.follow_up.then(|| view! {
                <fieldset class="field">
                    <legend>{tv("case.follow_up_title")}</legend>
                    <div class="field check">
                        <input type="radio" id="fulfilled-yes" name="fulfilled" prop:checked=move || fulfilled.get() on:change=move |_| fulfilled.set(true) />
                        <label for="fulfilled-yes">{tv("case.fulfilled_yes")}</label>
                    </div>
                    <div class="field check">
                        <input type="radio" id="fulfilled-no" name="fulfilled" prop:checked=move || !fulfilled.get() on:change=move |_| fulfilled.set(false) />
                        <label for="fulfilled-no">{tv("case.fulfilled_no")}</label>
                    </div>
                </fieldset>
                <div class="field">
                    <label for="follow-note">{tv("case.follow_up_label")}</label>
                    <textarea id="follow-note" rows="2" maxlength="500" data-testid="follow-up-note" bind:value=note></textarea>
                </div>
                <button type="button" class="button" data-testid="follow-up" disabled=busy
                    on:click=move |_| run.run(CaseAct::FollowUp { fulfilled: fulfilled.get_untracked(), note: note.get_untracked() })>
                    {tv("case.follow_up")}
                </button>
            })}
            {can.close.then(|| view! {
                <p><button type="button" class="button" data-testid="close-case" disabled=busy
                    on:click=move |_| run.run(CaseAct::Close)>{tv("case.close")}</button></p>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn RateForm(run: Callback<CaseAct>, busy: Signal<bool>) -> impl IntoView {
    let stars = RwSignal::new(5i64);
    view! {
        <section class="card" aria-labelledby="rate-title">
            <h2 id="rate-title">{tv("case.rate_title")}</h2>
            <div class="field">
                <label for="case-stars">{tv("case.stars")}</label>
                <select id="case-stars" on:change=move |ev| stars.set(event_target_value(&ev).parse().unwrap_or(5))>
                    {(1..=5).rev().map(|n| view! { <option value=n.to_string()>{"★".repeat(n as usize)}</option> }).collect_view()}
                </select>
            </div>
            <button type="button" class="button" data-testid="rate-case" disabled=busy
                on:click=move |_| run.run(CaseAct::Rate(stars.get_untracked()))>{tv("case.rate")}</button>
        </section>
    }
}

/// `/cases/:id/agreement`: the agreement as a printable page (调解协议书).
#[component]
pub fn AgreementPrint() -> impl IntoView {
    view! {
        <WithPack pack="mediation" page=|| view! {
            <section class="page notice-page">
                <p class="screen-only"><a href="/cases" class="back-link">{tv("case.back")}</a></p>
                <InCommunity page=|_| view! { <CaseLoader page=|case| {
                    move || case.get().map(|c| view! { <AgreementDocument c=c /> })
                } /> } />
            </section>
        } />
    }
}

#[component]
fn AgreementDocument(c: Case) -> impl IntoView {
    let community = c.community.clone().map(|x| x.name).unwrap_or_default();
    let Some(a) = c.agreement.clone() else {
        return view! { <p class="empty">{tv("case.no_agreement")}</p> }.into_any();
    };
    let number = c.number.clone();
    let parties = c
        .applicant
        .iter()
        .map(|p| p.name.clone())
        .chain(c.respondents.iter().map(|r| r.name.clone()))
        .chain(c.outside_party.clone())
        .collect::<Vec<_>>()
        .join("、");
    view! {
        <article class="notice" data-testid="agreement-document">
            <h1>{tv("case.agreement_doc_title")}</h1>
            <p class="muted">{community} " · " {move || tf("case.title", &[("number", &number)])}</p>
            <h2>{tv("case.parties")}</h2>
            <p>{parties}</p>
            <h2>{tv("case.facts")}</h2>
            <p class="prose-text">{c.description.clone()}</p>
            <h2>{tv("case.terms")}</h2>
            <p class="prose-text" data-testid="print-terms">{a.terms.clone()}</p>
            <h2>{tv("case.signatures")}</h2>
            <ul class="facts" data-testid="print-signatures">
                {a.signers.iter().map(|s| {
                    let name = s.name.clone();
                    let at = s.signed_at.clone();
                    view! { <li>{name} " · " {move || at.as_deref().map(format_date).unwrap_or_else(|| t("case.unsigned"))}</li> }
                }).collect_view()}
                {a.outside_party_signs.then(|| {
                    let at = a.outside_party_signed_at.clone();
                    view! { <li>{move || t("case.outside_on_paper")} " · " {move || at.as_deref().map(format_date).unwrap_or_else(|| t("case.unsigned"))}</li> }
                })}
            </ul>
            <p class="screen-only">
                <button type="button" class="button" on:click=|_| { let _ = web_sys::window().map(|w| w.print()); }>{tv("case.print_now")}</button>
            </p>
        </article>
    }
    .into_any()
}
