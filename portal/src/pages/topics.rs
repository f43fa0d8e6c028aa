//! `/topics`: the community's topics — first what needs the viewer (ballots to vote in, topics
//! to co-sign), then the list with status filter chips (`?status=voting`) and "load more".

use crate::api::identity::SessionInfo;
use crate::api::topics::{self, NeedsMe, StatusFilter, TopicSummary};
use crate::api::ApiError;
use crate::components::{
    error_text, format_date, format_time, CosignProgress, ErrorBanner, InCommunity, Loading, Paged,
    StatusBadge,
};
use crate::i18n::{t, tf, tv};
use crate::nav::use_query_map;
use leptos::prelude::*;

#[component]
pub fn Topics() -> impl IntoView {
    let app = crate::app::use_app();
    // Offered as the server says (a resident on the roster; not a platform admin who is not).
    let may_propose = move || app.info().is_some_and(|i| i.can.propose_topic);
    view! {
        <section class="page">
            <div class="page-head">
                <h1>{tv("topics.title")}</h1>
                <Show when=may_propose>
                    <a href="/topics/new" class="button primary" data-testid="propose-link">
                        {tv("topics.propose")}
                    </a>
                </Show>
            </div>
            <InCommunity page=|info| view! { <TopicList info=info /> } />
        </section>
    }
}

/// Ballots waiting for the viewer's vote and topics waiting for a co-signature, as links.
#[component]
pub fn NeedsMeList(needs: NeedsMe) -> impl IntoView {
    // A ballot links to its topic's page, where the ballot card is.
    let vote = needs.vote.into_iter().filter_map(|ballot| {
        let topic_id = ballot.topic_id?;
        let closes = ballot.closes_at;
        Some(view! {
            <li>
                <a href=format!("/topics/{topic_id}") class="tile need" data-testid="needs-vote">
                    <span class="tile-title">{tv("needs.vote")} " · " {ballot.question}</span>
                    <span class="tile-note">{move || tf("needs.closes", &[("time", &format_time(&closes))])}</span>
                </a>
            </li>
        })
    });
    let cosign = needs.cosign.into_iter().map(|topic| {
        let progress = [topic.cosign_count.to_string(), topic.cosign_threshold.to_string()];
        view! {
            <li>
                <a href=format!("/topics/{}", topic.id) class="tile need" data-testid="needs-cosign">
                    <span class="tile-title">{tv("needs.cosign")} " · " {topic.title.clone()}</span>
                    <span class="tile-note">
                        {move || tf("needs.cosign_note", &[("count", &progress[0]), ("threshold", &progress[1])])}
                    </span>
                </a>
            </li>
        }
    });
    view! {
        <ul class="tiles single">
            {vote.collect_view()}
            {cosign.collect_view()}
        </ul>
    }
}

#[component]
fn TopicList(info: SessionInfo) -> impl IntoView {
    let community_id = StoredValue::new(info.community.map(|c| c.id).unwrap_or_default());
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        StatusFilter::from_slug(&query.with(|q| q.get("status").unwrap_or_default()))
    });

    let needs =
        LocalResource::new(
            move || async move { topics::needs_me(&community_id.get_value()).await },
        );

    let items = RwSignal::new(Vec::<TopicSummary>::new());
    let total = RwSignal::new(None::<i64>);
    let cursor = RwSignal::new(None::<String>);
    let has_more = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    // The first page of the filter and the page "load more" asked for (`Paged`).
    let pages = Paged::new(
        filter.into(),
        move |wanted: StatusFilter, after| async move {
            topics::topics(
                &community_id.get_value(),
                wanted.statuses(),
                topics::PAGE_SIZE,
                after,
            )
            .await
        },
    );
    pages.show(move |page, append| match page {
        Ok(page) => {
            if append {
                items.update(|list| list.extend(page.nodes.iter().cloned()));
            } else {
                items.set(page.nodes.clone());
            }
            total.set(Some(page.total_count));
            cursor.set(page.page_info.end_cursor.clone());
            has_more.set(page.page_info.has_next_page);
            error.set(None);
        }
        Err(e) => {
            // A first page that failed leaves nothing to load more from.
            if !append {
                cursor.set(None);
                has_more.set(false);
            }
            error.set(Some(e.clone()));
        }
    });
    let loading = move || pages.loading();
    // Until the chosen filter's first page arrives, nothing of another filter's list is shown
    // under its chip: not its topics, their count, its error or its "load more".
    let first_loading = Signal::derive(move || pages.first_loading());
    let load_more = move || pages.load_more(cursor.get_untracked());

    let needs_view = move || {
        match needs.get() {
        Some(Ok(needs)) if !needs.is_empty() => Some(
            view! {
                <section class="card needs" aria-labelledby="needs-you-title" data-testid="needs-you">
                    <h2 id="needs-you-title">{tv("topics.needs_you")}</h2>
                    <NeedsMeList needs=needs />
                </section>
            }
            .into_any(),
        ),
        Some(Err(e)) => Some(
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }
                .into_any(),
        ),
        _ => None,
    }
    };

    let chips = move || {
        StatusFilter::ALL
            .into_iter()
            .map(|f| {
                let href = if f == StatusFilter::All {
                    "/topics".to_string()
                } else {
                    format!("/topics?status={}", f.slug())
                };
                view! {
                    <li>
                        <a href=href class="chip" data-testid="status-filter" data-filter=f.slug()
                            aria-current=move || (filter.get() == f).then_some("page")>
                            {move || t(f.label_key())}
                        </a>
                    </li>
                }
            })
            .collect_view()
    };

    let list = move || {
        if first_loading.get() {
            return view! { <Loading /> }.into_any();
        }
        // Only a page with topics offers "load more": an empty list waits for nothing.
        if items.with(Vec::is_empty) {
            return view! { <p class="empty" data-testid="topics-empty">{tv("topics.none")}</p> }
                .into_any();
        }
        view! {
            <ul class="topics" data-testid="topics">
                <For each=move || items.get() key=|topic| (topic.id.clone(), topic.status, topic.cosign_count) let:topic>
                    <TopicItem topic=topic />
                </For>
            </ul>
        }
        .into_any()
    };

    view! {
        {needs_view}
        <nav aria-label=move || t("topics.filter_label")>
            <ul class="chips">{chips}</ul>
        </nav>
        <ErrorBanner message=Signal::derive(move || error.get().filter(|_| !first_loading.get()).map(|e| error_text(&e))) />
        <p class="muted" role="status" data-testid="topics-total">
            {move || total.get().filter(|_| !first_loading.get()).map(|n| tf("topics.total", &[("count", &n.to_string())]))}
        </p>
        {list}
        <Show when=move || has_more.get() && !first_loading.get()>
            <button type="button" class="button wide" data-testid="load-more"
                disabled=loading on:click=move |_| load_more()>
                {move || if loading() { t("common.loading") } else { t("common.load_more") }}
            </button>
        </Show>
    }
}

#[component]
fn TopicItem(topic: TopicSummary) -> impl IntoView {
    let status = topic.status;
    let category = topic.category;
    let created = topic.created_at.clone();
    let proposer = topic.proposer.name.clone();
    let signing = matches!(
        status,
        topics::TopicStatus::Proposed | topics::TopicStatus::UnderReview
    );
    let needs_vote = topic.needs_vote();
    view! {
        <li class="topic" data-testid="topic-item" data-topic-id=topic.id.clone()>
            <a href=format!("/topics/{}", topic.id) class="topic-link">{topic.title.clone()}</a>
            <p class="topic-meta">
                <StatusBadge status=status />
                " "
                <span class="tag">{move || t(category.label_key())}</span>
                {needs_vote.then(|| view! { " " <span class="tag tag-attention">{tv("needs.vote")}</span> })}
            </p>
            <p class="muted small">
                {move || tf("topics.proposed_by", &[("name", &proposer), ("date", &format_date(&created))])}
            </p>
            {signing.then(|| view! { <CosignProgress count=topic.cosign_count threshold=topic.cosign_threshold /> })}
        </li>
    }
}
