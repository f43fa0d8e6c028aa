//! `/`: the current community's home — what needs the viewer now, and where to go.

use crate::api::identity::SessionInfo;
use crate::app::use_app;
use crate::components::{error_text, ErrorBanner, Loading};
use crate::i18n::{t, tf};
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
                    {move || t("common.retry")}
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
                        <p>{move || t("home.choose_first")}</p>
                        <p><a href="/communities" class="button primary">{move || t("common.choose_community")}</a></p>
                    }
                    .into_any()
                } else {
                    view! { <p data-testid="no-community">{move || t("home.no_community")}</p> }.into_any()
                }}
            </section>
        }
        .into_any();
    };
    let committee = info.is_committee();
    view! {
        <section class="page">
            <h1>{greeting}</h1>
            <p class="muted">{community.name.clone()}</p>
            <section class="card" aria-labelledby="needs-me-title" data-testid="needs-me">
                <h2 id="needs-me-title">{move || t("home.needs_me")}</h2>
                <p class="empty">{move || t("home.nothing_needed")}</p>
            </section>
            <nav aria-labelledby="home-links-title">
                <h2 id="home-links-title" class="visually-hidden">{move || t("home.links")}</h2>
                <ul class="tiles">
                    <li>
                        <a href="/inbox" class="tile" data-testid="home-inbox">
                            <span class="tile-title">{move || t("home.inbox")}</span>
                            <span class="tile-note">{move || t("home.inbox_note")}</span>
                        </a>
                    </li>
                    <li>
                        <a href="/communities" class="tile">
                            <span class="tile-title">{move || t("home.switch")}</span>
                            <span class="tile-note">{move || t("home.switch_note")}</span>
                        </a>
                    </li>
                </ul>
            </nav>
            {committee.then(|| view! {
                <nav aria-labelledby="committee-title" data-testid="committee-tools">
                    <h2 id="committee-title">{move || t("home.committee")}</h2>
                    <ul class="tiles">
                        <li>
                            <a href="/committee/roster" class="tile" data-testid="home-roster">
                                <span class="tile-title">{move || t("home.roster")}</span>
                                <span class="tile-note">{move || t("home.roster_note")}</span>
                            </a>
                        </li>
                        <li>
                            <a href="/committee/residents" class="tile" data-testid="home-residents">
                                <span class="tile-title">{move || t("home.residents")}</span>
                                <span class="tile-note">{move || t("home.residents_note")}</span>
                            </a>
                        </li>
                    </ul>
                </nav>
            })}
        </section>
    }
    .into_any()
}
