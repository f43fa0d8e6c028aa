//! `/topics/new`: propose a topic (title, category, body). It then collects co-signatures; a
//! committee member's topic goes straight to deliberation.

use crate::api::identity::SessionInfo;
use crate::api::topics::{self, TopicCategory};
use crate::components::{ErrorBanner, FormError, FormErrors, InCommunity, WithPack};
use crate::i18n::{t, tv};
use crate::nav::use_navigate;
use crate::nav::NavigateOptions;
use leptos::prelude::*;

#[component]
pub fn TopicNew() -> impl IntoView {
    view! { <WithPack pack="topics" page=|| view! { <TopicNewPage /> } /> }
}

#[component]
fn TopicNewPage() -> impl IntoView {
    view! {
        <section class="page narrow">
            <p><a href="/topics" class="back-link">{tv("topic.back")}</a></p>
            <h1>{tv("propose.title")}</h1>
            <InCommunity page=|info| if info.can.propose_topic {
                view! { <ProposeForm info=info /> }.into_any()
            } else {
                view! { <p class="banner banner-warning" data-testid="propose-forbidden">{tv("error.FORBIDDEN")}</p> }
                    .into_any()
            } />
        </section>
    }
}

#[component]
fn ProposeForm(info: SessionInfo) -> impl IntoView {
    let community_id = info.community.map(|c| c.id).unwrap_or_default();
    let committee = info.can.propose_as_committee;
    let navigate = use_navigate();
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let category = RwSignal::new(TopicCategory::Facilities);
    let errors = FormErrors::new(&["title", "body", "category"]);

    let action = Action::new_unsync(
        |(community, title, body, category): &(String, String, String, TopicCategory)| {
            let (community, title, body, category) =
                (community.clone(), title.clone(), body.clone(), *category);
            async move { topics::propose(&community, &title, &body, category).await }
        },
    );
    Effect::new(move || match action.value().get() {
        Some(Ok(topic)) => navigate(
            &format!("/topics/{}", topic.summary.id),
            NavigateOptions::default(),
        ),
        Some(Err(e)) => errors.api(e),
        None => {}
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (title_text, body_text) = (title.get_untracked(), body.get_untracked());
        match topics::check_proposal(&title_text, &body_text) {
            Ok(()) => {
                errors.clear();
                action.dispatch((
                    community_id.clone(),
                    title_text,
                    body_text,
                    category.get_untracked(),
                ));
            }
            Err((field, key)) => errors.set(FormError::for_field(field, key)),
        }
    };

    let categories = move || {
        TopicCategory::ALL
            .iter()
            .map(|c| {
                let c = *c;
                view! {
                    <option value=c.as_str() selected=move || category.get() == c>
                        {move || t(c.label_key())}
                    </option>
                }
            })
            .collect_view()
    };

    view! {
        <p>{move || if committee { t("propose.intro_committee") } else { t("propose.intro") }}</p>
        <ErrorBanner message=errors.banner() />
        <form class="form" on:submit=on_submit novalidate>
            <div class="field">
                <label for="topic-title">{tv("propose.title_label")}</label>
                <input id="topic-title" type="text" maxlength="100" autocomplete="off"
                    aria-invalid=errors.invalid("title") aria-describedby="topic-title-hint topic-title-error"
                    bind:value=title />
                <p class="hint" id="topic-title-hint">{tv("propose.title_hint")}</p>
                {errors.message("title", "topic-title-error")}
            </div>
            <div class="field">
                <label for="topic-category">{tv("propose.category_label")}</label>
                <select id="topic-category"
                    on:change=move |ev| category.set(TopicCategory::from_wire(&event_target_value(&ev)))>
                    {categories}
                </select>
            </div>
            <div class="field">
                <label for="topic-body">{tv("propose.body_label")}</label>
                <textarea id="topic-body" class="prose" rows="8" maxlength="5000"
                    aria-invalid=errors.invalid("body") aria-describedby="topic-body-hint topic-body-error"
                    bind:value=body></textarea>
                <p class="hint" id="topic-body-hint">{tv("propose.body_hint")}</p>
                {errors.message("body", "topic-body-error")}
            </div>
            <button type="submit" class="button primary" data-testid="propose-submit"
                disabled=move || action.pending().get()>
                {move || if action.pending().get() { t("propose.submitting") } else { t("propose.submit") }}
            </button>
        </form>
    }
}
