//! Civility awards, continued: `/awards/:id/nominate` (nominate a household, building or
//! resident with a story), `/nominations/:id` (one nomination: the nominee's consent,
//! endorsing, the committee's shortlist), `/honour-roll` and its printable certificates
//! `/honour-roll/:id`. Text comes from the `awards` locale pack.

use crate::api::awards::{self, Campaign, Nomination, NominationAct, NominationStatus, Nominee};
use crate::api::{ApiError, ErrorCode};
use crate::components::{
    confirm, error_text, format_date, ErrorBanner, InCommunity, Loading, WithPack,
};
use crate::i18n::{t, tf, tv};
use crate::nav::use_navigate;
use crate::nav::NavigateOptions;
use crate::pages::awards::{kind_key, status_key, PhaseTag};
use leptos::prelude::*;

fn route_id() -> Memo<String> {
    crate::modules::use_path_id()
}

/// `/awards/:id/nominate`.
#[component]
pub fn NominatePage() -> impl IntoView {
    view! {
        <WithPack pack="awards" page=|| view! {
            <section class="page">
                <h1>{tv("nominate.title")}</h1>
                <InCommunity page=|info| {
                    let community = info.community.map(|c| c.id).unwrap_or_default();
                    let id = route_id();
                    let loaded = LocalResource::new(move || {
                        let id = id.get();
                        async move { awards::campaign(&id, None).await }
                    });
                    move || {
                        let community = community.clone();
                        match loaded.get() {
                            None => view! { <Loading /> }.into_any(),
                            Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                            Some(Ok(c)) => view! { <NominateForm c=c community_id=community /> }.into_any(),
                        }
                    }
                } />
            </section>
        } />
    }
}

#[component]
fn NominateForm(c: Campaign, community_id: String) -> impl IntoView {
    if !c.viewer_can.nominate {
        let back = format!("/awards/{}", c.id);
        return view! {
            <p class="banner banner-warning" data-testid="nominate-closed">{tv("nominate.closed")}</p>
            <p><a href=back class="back-link">{c.title.clone()}</a></p>
        }
        .into_any();
    }
    let navigate = use_navigate();
    let categories = StoredValue::new(c.categories.clone());
    let category = RwSignal::new(
        c.categories
            .first()
            .map(|k| k.id.clone())
            .unwrap_or_default(),
    );
    let kind = move || {
        categories.with_value(|all| {
            all.iter()
                .find(|k| k.id == category.get())
                .map(|k| k.nominee_kind)
        })
    };
    let kind_now = move || {
        categories.with_value(|all| {
            all.iter()
                .find(|k| k.id == category.get_untracked())
                .map(|k| k.nominee_kind)
        })
    };
    let search = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Vec<Nominee>>);
    let chosen = RwSignal::new(None::<Nominee>);
    let story = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let community = StoredValue::new(community_id);
    let campaign = StoredValue::new(c.id.clone());
    let find = Action::new_unsync(move |(kind, text): &(awards::NomineeKind, String)| {
        let (community, kind, text) = (community.get_value(), *kind, text.clone());
        async move { awards::nominees(&community, kind, &text).await }
    });
    Effect::new(move || match find.value().get() {
        // A search answered after the category changed lists nominees of another kind: dropped.
        Some(Ok(list)) => found.set(Some(
            list.into_iter()
                .filter(|n| Some(n.kind) == kind_now())
                .collect(),
        )),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    // A new category starts a new choice.
    Effect::new(move || {
        category.track();
        chosen.set(None);
        found.set(None);
    });
    let submit = Action::new_unsync(
        move |(category, nominee, story): &(String, String, String)| {
            let (campaign, category, nominee, story) = (
                campaign.get_value(),
                category.clone(),
                nominee.clone(),
                story.clone(),
            );
            async move { awards::nominate(&campaign, &category, &nominee, &story).await }
        },
    );
    Effect::new(move || match submit.value().get() {
        Some(Ok(n)) => navigate(
            &format!("/nominations/{}", n.id),
            NavigateOptions::default(),
        ),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let nominee = chosen.get_untracked().map(|n| n.id).unwrap_or_default();
        submit.dispatch((category.get_untracked(), nominee, story.get_untracked()));
    };
    let existing = move || {
        error.with(|e| {
            e.as_ref()
                .filter(|e| e.is(ErrorCode::Conflict))
                .and_then(|e| e.existing_id.clone())
        })
    };
    view! {
        <p><a href=format!("/awards/{}", c.id) class="back-link">{c.title.clone()}</a></p>
        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
        {move || existing().map(|id| view! {
            <p class="banner banner-warning" data-testid="nomination-exists">
                {tv("nominate.exists")} " "
                <a href=format!("/nominations/{id}") class="button">{tv("nominate.endorse_existing")}</a>
            </p>
        })}
        <form class="form" on:submit=on_submit novalidate>
            <fieldset class="field">
                <legend>{tv("nominate.category")}</legend>
                {c.categories.iter().map(|k| {
                    let (id, input_id, kind) = (k.id.clone(), format!("category-{}", k.id), k.nominee_kind);
                    let is = id.clone();
                    view! {
                        <div class="field check">
                            <input type="radio" name="category" id=input_id.clone() data-testid="nominate-category"
                                data-kind=kind.as_str()
                                prop:checked=move || category.get() == is
                                on:change=move |_| category.set(id.clone()) />
                            <label for=input_id>{k.name.clone()} " · " {move || t(kind_key(kind))}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <div class="field">
                <label for="nominee-search">{tv("nominate.search_label")}</label>
                <div class="inline">
                    <input id="nominee-search" type="search" maxlength="20" autocomplete="off" data-testid="nominee-search" bind:value=search />
                    <button type="button" class="button" data-testid="nominee-find"
                        on:click=move |_| { if let Some(kind) = kind() { find.dispatch((kind, search.get_untracked())); } }>
                        {tv("nominate.search")}
                    </button>
                </div>
                <ul class="choices" aria-live="polite">
                    {move || found.get().map(|list| if list.is_empty() {
                        view! { <li class="empty">{tv("nominate.none_found")}</li> }.into_any()
                    } else {
                        list.into_iter().map(|n| {
                            let name = n.name.clone();
                            view! {
                                <li>
                                    <button type="button" class="button" data-testid="nominee-choose"
                                        on:click=move |_| chosen.set(Some(n.clone()))>
                                        {name} " · " {tv("nominate.choose")}
                                    </button>
                                </li>
                            }
                        }).collect_view().into_any()
                    })}
                </ul>
                {move || chosen.get().map(|n| view! {
                    <p class="banner banner-ok" data-testid="nominee-chosen">{move || tf("nominate.chosen", &[("name", &n.name)])}</p>
                })}
            </div>
            <div class="field">
                <label for="nomination-story">{tv("nominate.story")}</label>
                <textarea id="nomination-story" class="prose" rows="8" aria-describedby="story-hint story-count"
                    data-testid="nomination-story" bind:value=story></textarea>
                <p class="hint" id="story-hint">{tv("nominate.story_hint")}</p>
                <p class="hint" id="story-count" aria-live="polite">
                    {move || tf("nominate.count", &[("n", &story.with(|s| s.chars().count()).to_string())])}
                </p>
            </div>
            <button type="submit" class="button primary" data-testid="nominate-submit" disabled=move || submit.pending().get()>
                {tv("nominate.submit")}
            </button>
        </form>
    }
    .into_any()
}

/// `/nominations/:id`: one nomination.
#[component]
pub fn NominationPage() -> impl IntoView {
    view! {
        <WithPack pack="awards" page=|| view! {
            <section class="page">
                <InCommunity page=|_| {
                    let id = route_id();
                    let loaded = LocalResource::new(move || {
                        let id = id.get();
                        async move { awards::nomination(&id).await }
                    });
                    move || match loaded.get() {
                        None => view! { <Loading /> }.into_any(),
                        Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                        Some(Ok(n)) => view! { <NominationView n=n /> }.into_any(),
                    }
                } />
            </section>
        } />
    }
}

#[component]
fn NominationView(n: Nomination) -> impl IntoView {
    let campaign = n.campaign.clone();
    let current = RwSignal::new(n);
    let error = RwSignal::new(None::<ApiError>);
    let note = RwSignal::new(String::new());
    let act = Action::new_unsync(move |a: &NominationAct| {
        let (id, a) = (current.with_untracked(|n| n.id.clone()), a.clone());
        async move { awards::run(&id, a).await }
    });
    Effect::new(move || match act.value().get() {
        Some(Ok(n)) => {
            error.set(None);
            // The act's answer has no campaign: keep the page's.
            current.set(n);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let back = campaign
        .as_ref()
        .map(|c| (format!("/awards/{}", c.id), c.title.clone(), c.phase));
    move || {
        let n = current.get();
        let can = n.viewer_can;
        let count = n.endorsement_count.to_string();
        let nominator = n.nominator.name.clone();
        let kind = n.nominee.kind;
        view! {
            {back.clone().map(|(href, title, phase)| view! {
                <p><a href=href class="back-link">{tv("nomination.back")}</a></p>
                <p class="muted">{tv("nomination.campaign")} ": " {title} " " <PhaseTag phase=phase /></p>
            })}
            <h1 data-testid="nominee-name">{n.nominee.name.clone()}</h1>
            <p class="topic-meta">
                <span class="status" data-testid="nomination-status" data-status=n.status.as_str()>{move || t(status_key(n.status))}</span>
                <span class="tag">{n.category.name.clone()} " · " {move || t(kind_key(kind))}</span>
                <span class="tag" data-testid="endorsement-count">{move || tf("awards.endorsements", &[("n", &count)])}</span>
            </p>
            <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
            {can.consent.then(|| view! {
                <section class="card needs" aria-labelledby="consent-title" data-testid="consent-box">
                    <h2 id="consent-title">{tv("nomination.consent_title")}</h2>
                    <p>{tv("nomination.consent_intro")}</p>
                    <div class="actions">
                        <button type="button" class="button primary" data-testid="consent-agree" disabled=act.pending()
                            on:click=move |_| { act.dispatch(NominationAct::Consent(true)); }>{tv("nomination.agree")}</button>
                        <button type="button" class="button" data-testid="consent-decline" disabled=act.pending()
                            on:click=move |_| if confirm(&t("nomination.decline_confirm")) { act.dispatch(NominationAct::Consent(false)); }>
                            {tv("nomination.decline")}
                        </button>
                    </div>
                </section>
            })}
            <section class="card" aria-labelledby="story-title">
                <h2 id="story-title">{tv("nomination.story_title")}</h2>
                <p class="prose-text" data-testid="nomination-story-text">{n.story.clone()}</p>
                <p class="muted small">{move || tf("awards.nominated_by", &[("name", &nominator)])}</p>
                {n.shortlist_note.clone().map(|note| view! { <p class="muted">{move || tf("awards.shortlist_note", &[("note", &note)])}</p> })}
            </section>
            {can.endorse.then(|| view! {
                <p><button type="button" class="button primary" data-testid="endorse" disabled=act.pending()
                    on:click=move |_| { act.dispatch(NominationAct::Endorse); }>{tv("awards.endorse")}</button></p>
            })}
            {n.viewer_endorsed.then(|| view! { <p class="muted" data-testid="endorsed">{tv("awards.endorsed")}</p> })}
            {can.shortlist.then(|| view! {
                <div class="field">
                    <label for="shortlist-note">{tv("awards.shortlist_note_label")}</label>
                    <input id="shortlist-note" type="text" maxlength="500" bind:value=note />
                </div>
                <button type="button" class="button" data-testid="shortlist" disabled=act.pending()
                    on:click=move |_| { act.dispatch(NominationAct::Shortlist(note.get_untracked())); }>{tv("awards.shortlist")}</button>
            })}
            {(n.status == NominationStatus::Awarded).then(|| view! {
                <p><a href=format!("/honour-roll/{}", n.id) class="button" data-testid="certificate-link">{tv("honour.certificate")}</a></p>
            })}
        }
    }
}

/// `/honour-roll`: every award of the community, newest year first.
#[component]
pub fn HonourRoll() -> impl IntoView {
    view! {
        <WithPack pack="awards" page=|| view! {
            <section class="page">
                <p><a href="/awards" class="back-link">{tv("awards.back")}</a></p>
                <h1>{tv("honour.title")}</h1>
                <InCommunity page=|info| {
                    let community = StoredValue::new(info.community.map(|c| c.id).unwrap_or_default());
                    let roll = LocalResource::new(move || async move { awards::honour_roll(&community.get_value()).await });
                    move || match roll.get() {
                        None => view! { <Loading /> }.into_any(),
                        Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                        Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{tv("honour.none")}</p> }.into_any(),
                        Some(Ok(list)) => {
                            let mut years: Vec<i64> = list.iter().map(|a| a.year).collect();
                            years.dedup();
                            view! {
                                {years.into_iter().map(|year| {
                                    let y = year.to_string();
                                    let heading = format!("year-{year}"); let labelled_by = heading.clone();
                                    // The server orders a year's awards by campaign, then category.
                                    let of_year: Vec<&awards::Award> = list.iter().filter(|a| a.year == year).collect();
                                    let mut groups: Vec<(String, String, Vec<&awards::Award>)> = Vec::new();
                                    for a in of_year {
                                        let key = format!("{}/{}", a.campaign_title, a.category.id);
                                        match groups.last_mut() {
                                            Some((k, _, items)) if *k == key => items.push(a),
                                            _ => groups.push((key, a.category.name.clone(), vec![a])),
                                        }
                                    }
                                    view! {
                                        <section class="card" aria-labelledby=labelled_by>
                                            <h2 id=heading>{move || tf("honour.year", &[("year", &y)])}</h2>
                                            <div data-testid="honour-roll">
                                                {groups.into_iter().map(|(_, category, items)| view! {
                                                    <h3 data-testid="honour-category">{category}</h3>
                                                    <ul class="topics">
                                                        {items.into_iter().map(|a| view! {
                                                            <li class="topic" data-testid="award">
                                                                <a href=format!("/honour-roll/{}", a.id) class="topic-link">{a.nominee.name.clone()}</a>
                                                                <p class="topic-meta muted small">{a.campaign_title.clone()}</p>
                                                            </li>
                                                        }).collect_view()}
                                                    </ul>
                                                }).collect_view()}
                                            </div>
                                        </section>
                                    }
                                }).collect_view()}
                            }
                            .into_any()
                        }
                    }
                } />
            </section>
        } />
    }
}

/// `/honour-roll/:id`: the printable certificate of one award.
#[component]
pub fn Certificate() -> impl IntoView {
    view! {
        <WithPack pack="awards" page=|| view! {
            <section class="page notice-page">
                <p class="screen-only"><a href="/honour-roll" class="back-link">{tv("honour.title")}</a></p>
                <InCommunity page=|_| {
                    let id = route_id();
                    let loaded = LocalResource::new(move || {
                        let id = id.get();
                        async move { awards::nomination(&id).await }
                    });
                    move || match loaded.get() {
                        None => view! { <Loading /> }.into_any(),
                        Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                        Some(Ok(n)) if n.status != NominationStatus::Awarded => {
                            view! { <p class="empty">{tv("honour.not_awarded")}</p> }.into_any()
                        }
                        Some(Ok(n)) => {
                            let c = n.campaign.clone();
                            let campaign = c.as_ref().map(|c| c.title.clone()).unwrap_or_default();
                            let community = c.as_ref().and_then(|c| c.community.clone()).map(|x| x.name).unwrap_or_default();
                            let date = c.as_ref().and_then(|c| c.announced_at.clone()).unwrap_or_default();
                            let (nominee, category) = (n.nominee.name.clone(), n.category.name.clone());
                            let year = c.as_ref().map(|c| c.year.to_string()).unwrap_or_default();
                            view! {
                                <article class="notice certificate" data-testid="certificate">
                                    <h1>{tv("honour.cert_title")}</h1>
                                    <p class="muted" data-testid="certificate-year">{move || tf("honour.year", &[("year", &year)])}</p>
                                    <p class="prose-text" data-testid="certificate-body">
                                        {move || tf("honour.cert_body", &[("nominee", &nominee), ("campaign", &campaign), ("category", &category)])}
                                    </p>
                                    <p class="muted">{community} " · " {move || format_date(&date)}</p>
                                    <p class="screen-only">
                                        <button type="button" class="button" on:click=|_| { let _ = web_sys::window().map(|w| w.print()); }>{tv("honour.print")}</button>
                                    </p>
                                </article>
                            }
                            .into_any()
                        }
                    }
                } />
            </section>
        } />
    }
}
