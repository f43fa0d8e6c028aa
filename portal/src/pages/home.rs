//! `/`: the current community's home — what needs the viewer now, and where to go.

use crate::api::identity::SessionInfo;
use crate::api::topics;
use crate::app::use_app;
use crate::components::{error_text, ErrorBanner, Loading};
use crate::i18n::{tf, tv};
use crate::pages::topics::NeedsMeList;
use leptos::prelude::*;

#[component]
pub fn Home() -> impl IntoView {
    let app = use_app();
    move || match app.session.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! {
            <section class="page">
                <ErrorBanner message=Signal::derive(move || Some(error_text(&error))) />
                <button type="button" class="button" on:click=move |_| app.session.refetch()>
                    {tv("common.retry")}
                </button>
            </section>
        }
        .into_any(),
        // Signed out meanwhile: the route redirects.
        Some(Ok(None)) => ().into_any(),
        Some(Ok(Some(info))) => view! { <HomeFor info=info /> }.into_any(),
    }
}

#[component]
fn HomeFor(info: SessionInfo) -> impl IntoView {
    let name = info.viewer.name.clone();
    let greeting = move || tf("home.greeting", &[("name", &name)]);
    let Some(community) = info.community.clone() else {
        let has_any = info.viewer.is_admin || !info.viewer.communities.is_empty();
        return view! {
            <section class="page">
                <h1>{greeting}</h1>
                {if has_any {
                    view! {
                        <p>{tv("home.choose_first")}</p>
                        <p><a href="/communities" class="button primary">{tv("common.choose_community")}</a></p>
                    }
                    .into_any()
                } else {
                    view! { <p data-testid="no-community">{tv("home.no_community")}</p> }.into_any()
                }}
            </section>
        }
        .into_any();
    };
    let can = info.can;
    let committee = can.any_committee_page();
    let community_id = StoredValue::new(community.id.clone());
    let needs =
        LocalResource::new(
            move || async move { topics::needs_me(&community_id.get_value()).await },
        );
    let needs_view = move || match needs.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => {
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&error))) /> }
                .into_any()
        }
        Some(Ok(needs)) if needs.is_empty() => {
            view! { <p class="empty" data-testid="nothing-needed">{tv("home.nothing_needed")}</p> }
                .into_any()
        }
        Some(Ok(needs)) => {
            let cases = needs.cases.clone();
            let nominations = needs.nominations.clone();
            let events = needs.events.clone();
            view! {
                <NeedsMeList needs=needs />
                {(!events.is_empty()).then(|| view! { <EventNeeds events=events /> })}
                {(!nominations.is_empty()).then(|| view! { <NominationNeeds nominations=nominations /> })}
                {(!cases.is_empty()).then(|| view! { <CaseNeeds cases=cases /> })}
            }
            .into_any()
        }
    };
    view! {
        <section class="page">
            <h1>{greeting}</h1>
            <p class="muted">{community.name.clone()}</p>
            <section class="card" aria-labelledby="needs-me-title" data-testid="needs-me">
                <h2 id="needs-me-title">{tv("home.needs_me")}</h2>
                {needs_view}
            </section>
            <nav aria-labelledby="home-links-title">
                <h2 id="home-links-title" class="visually-hidden">{tv("home.links")}</h2>
                <ul class="tiles">
                    <li>
                        <a href="/topics" class="tile" data-testid="home-topics">
                            <span class="tile-title">{tv("home.topics")}</span>
                            <span class="tile-note">{tv("home.topics_note")}</span>
                        </a>
                    </li>
                    <li>
                        <a href="/cases" class="tile" data-testid="home-cases">
                            <span class="tile-title">{tv("home.cases")}</span>
                            <span class="tile-note">{tv("home.cases_note")}</span>
                        </a>
                    </li>
                    <li>
                        <a href="/awards" class="tile" data-testid="home-awards">
                            <span class="tile-title">{tv("home.awards")}</span>
                            <span class="tile-note">{tv("home.awards_note")}</span>
                        </a>
                    </li>
                    <li>
                        <a href="/events" class="tile" data-testid="home-events">
                            <span class="tile-title">{tv("home.events")}</span>
                            <span class="tile-note">{tv("home.events_note")}</span>
                        </a>
                    </li>
                    <li>
                        <a href="/inbox" class="tile" data-testid="home-inbox">
                            <span class="tile-title">{tv("home.inbox")}</span>
                            <span class="tile-note">{tv("home.inbox_note")}</span>
                        </a>
                    </li>
                    <li>
                        <a href="/communities" class="tile">
                            <span class="tile-title">{tv("home.switch")}</span>
                            <span class="tile-note">{tv("home.switch_note")}</span>
                        </a>
                    </li>
                </ul>
            </nav>
            {committee.then(|| view! {
                <nav aria-labelledby="committee-title" data-testid="committee-tools">
                    <h2 id="committee-title">{tv("home.committee")}</h2>
                    <ul class="tiles">
                        {can.review_topics.then(|| view! {
                            <li>
                                <a href="/committee/review" class="tile" data-testid="home-review">
                                    <span class="tile-title">{tv("home.review")}</span>
                                    <span class="tile-note">{tv("home.review_note")}</span>
                                </a>
                            </li>
                        })}
                        {can.handle_cases.then(|| view! {
                            <li>
                                <a href="/committee/cases" class="tile" data-testid="home-case-queue">
                                    <span class="tile-title">{tv("home.case_queue")}</span>
                                    <span class="tile-note">{tv("home.case_queue_note")}</span>
                                </a>
                            </li>
                        })}
                        {can.manage_roster.then(|| view! {
                            <li>
                                <a href="/committee/roster" class="tile" data-testid="home-roster">
                                    <span class="tile-title">{tv("home.roster")}</span>
                                    <span class="tile-note">{tv("home.roster_note")}</span>
                                </a>
                            </li>
                            <li>
                                <a href="/committee/residents" class="tile" data-testid="home-residents">
                                    <span class="tile-title">{tv("home.residents")}</span>
                                    <span class="tile-note">{tv("home.residents_note")}</span>
                                </a>
                            </li>
                        })}
                    </ul>
                </nav>
            })}
        </section>
    }
    .into_any()
}

/// The viewer's next events: when, and the waitlist place while waiting.
#[component]
fn EventNeeds(events: Vec<crate::api::topics::EventNeed>) -> impl IntoView {
    view! {
        <h3>{tv("home.events_title")}</h3>
        <ul class="tiles single" data-testid="home-event-list">
            {events
                .into_iter()
                .map(|r| {
                    let when = r.event.starts_at.clone();
                    let place = r.waitlist_position.map(|n| n.to_string());
                    view! {
                        <li>
                            <a href=format!("/events/{}", r.event.id) class="tile" data-testid="home-event">
                                <span class="tile-title">{r.event.title.clone()}</span>
                                <span class="tile-note">
                                    {move || crate::components::format_time(&when)}
                                    {place.clone().map(|n| view! { " · " {move || tf("home.event_waitlisted", &[("n", &n)])} })}
                                </span>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Nominations waiting for the viewer's consent (the server lists only those it may still give).
#[component]
fn NominationNeeds(nominations: Vec<crate::api::topics::NominationNeed>) -> impl IntoView {
    view! {
        <h3>{tv("home.nominations_title")}</h3>
        <ul class="tiles single" data-testid="home-nomination-list">
            {nominations
                .into_iter()
                .map(|n| {
                    let (campaign, category) = (n.campaign.title.clone(), n.category.name.clone());
                    view! {
                        <li>
                            <a href=format!("/nominations/{}", n.id) class="tile need" data-testid="home-nomination">
                                <span class="tile-title">
                                    {move || tf("home.nomination_consent", &[("campaign", &campaign), ("category", &category)])}
                                </span>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// The viewer's open mediation cases, those waiting for an answer or a signature first.
#[component]
fn CaseNeeds(cases: Vec<crate::api::topics::CaseNeed>) -> impl IntoView {
    let mut cases = cases;
    cases.sort_by_key(|c| !(c.can.respond || c.can.sign));
    view! {
        <h3>{tv("home.cases_title")}</h3>
        <ul class="tiles single" data-testid="home-case-list">
            {cases
                .into_iter()
                .map(|c| {
                    let key = if c.can.respond {
                        crate::i18n::k("home.case_respond")
                    } else if c.can.sign {
                        crate::i18n::k("home.case_sign")
                    } else {
                        crate::i18n::k("home.case_open")
                    };
                    let number = c.number.clone();
                    view! {
                        <li>
                            <a href=format!("/cases/{}", c.id) class="tile need" data-testid="home-case">
                                <span class="tile-title">{move || tf(key, &[("number", &number)])}</span>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
