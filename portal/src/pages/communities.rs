//! `/communities`: choose the current community; a platform admin also creates them here.

use crate::api::identity::{self, Community};
use crate::app::use_app;
use crate::components::{error_text, ErrorBanner, Loading, WithPack};
use crate::i18n::{k, t, tf, tv};
use crate::nav::use_navigate;
use crate::nav::NavigateOptions;
use leptos::prelude::*;

/// `/communities`: its text is the `communities` pack.
#[component]
pub fn Communities() -> impl IntoView {
    view! { <WithPack pack="communities" page=|| view! { <CommunityList /> } /> }
}

#[component]
fn CommunityList() -> impl IntoView {
    let app = use_app();
    let list = LocalResource::new(identity::communities);
    let is_admin = move || app.info().is_some_and(|i| i.viewer.is_admin);

    let list_view = move || {
        match list.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => {
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&error))) /> }.into_any()
        }
        Some(Ok(communities)) if communities.is_empty() => {
            view! { <p class="empty" data-testid="no-communities">{tv("communities.none")}</p> }.into_any()
        }
        Some(Ok(communities)) => view! {
            <ul class="choices" data-testid="community-list">
                {communities.into_iter().map(|c| view! { <CommunityChoice community=c /> }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    };

    view! {
        <section class="page">
            <h1>{tv("communities.title")}</h1>
            <p>{tv("communities.intro")}</p>
            {list_view}
            <Show when=is_admin>
                <CreateCommunity on_created=move || list.refetch() />
            </Show>
        </section>
    }
}

#[component]
fn CommunityChoice(community: Community) -> impl IntoView {
    let app = use_app();
    let navigate = use_navigate();
    let id = community.id.clone();
    let current = {
        let id = id.clone();
        move || app.community_id.get().as_deref() == Some(id.as_str())
    };
    let counts = {
        let (residents, households) = (
            community.resident_count.to_string(),
            community.household_count.to_string(),
        );
        move || {
            tf(
                "communities.counts",
                &[("residents", &residents), ("households", &households)],
            )
        }
    };
    let choose = move |_| {
        app.choose_community(Some(id.clone()));
        navigate("/", NavigateOptions::default());
    };
    view! {
        <li>
            <button type="button" class="choice" data-testid="community-option"
                data-community-id=community.id.clone()
                aria-current=move || current().then_some("true")
                on:click=choose>
                <span class="choice-title">{community.name.clone()}</span>
                <span class="choice-note">{counts}</span>
                <Show when=current.clone()>
                    <span class="tag">{tv("communities.current")}</span>
                </Show>
            </button>
        </li>
    }
}

#[component]
fn CreateCommunity(on_created: impl Fn() + 'static) -> impl IntoView {
    let app = use_app();
    let name = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<&'static str>);
    let action = Action::new_unsync(|name: &String| {
        let name = name.clone();
        async move { identity::create_community(&name).await }
    });
    Effect::new(move || {
        if let Some(Ok(created)) = action.value().get() {
            app.choose_community(Some(created.id));
            name.set(String::new());
            on_created();
        }
    });
    let message = Signal::derive(move || {
        if let Some(key) = local_error.get() {
            return Some(t(key));
        }
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| error_text(&e))
    });
    let created = move || {
        action.value().get().and_then(Result::ok).map(|c| {
            view! {
                <p class="banner banner-ok" role="status" data-testid="community-created">
                    {move || tf("communities.created", &[("name", &c.name)])} " "
                    <a href="/committee/roster">{tv("communities.import_next")}</a>
                </p>
            }
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = name.get_untracked().trim().to_string();
        if value.is_empty() {
            local_error.set(Some(k("communities.name_required")));
        } else {
            local_error.set(None);
            action.dispatch(value);
        }
    };
    view! {
        <section class="card" aria-labelledby="create-community-title">
            <h2 id="create-community-title">{tv("communities.create_title")}</h2>
            <ErrorBanner message=message />
            {created}
            <form class="form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="community-name">{tv("communities.name")}</label>
                    <input id="community-name" type="text" maxlength="100" bind:value=name />
                </div>
                <button type="submit" class="button primary" data-testid="create-community-submit"
                    disabled=move || action.pending().get()>
                    {tv("communities.create")}
                </button>
            </form>
        </section>
    }
}
