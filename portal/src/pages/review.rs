//! `/committee/review`: topics that reached their co-signatures, one at a time: accept for
//! deliberation, or reject with a public reason. `?topic=ID` picks which one.

use crate::api::identity::CommunityRef;
use crate::api::topics::{self, Topic, TopicStatus, TopicSummary};
use crate::components::{
    error_text, format_date, CommitteeOnly, CosignProgress, ErrorBanner, Loading, StatusBadge,
    WithPack,
};
use crate::i18n::{k, t, tf, tv};
use crate::nav::use_query_map;
use crate::pages::topic::ReviewActions;
use leptos::prelude::*;

#[component]
pub fn ReviewQueue() -> impl IntoView {
    view! { <WithPack pack="topics" page=|| view! { <ReviewQueuePage /> } /> }
}

#[component]
fn ReviewQueuePage() -> impl IntoView {
    view! {
        <section class="page">
            <h1>{tv("review.title")}</h1>
            <p class="hint">{tv("review.intro")}</p>
            <CommitteeOnly can=|c| c.review_topics page=|community| view! { <Queue community=community /> } />
        </section>
    }
}

#[component]
fn Queue(community: CommunityRef) -> impl IntoView {
    let query = use_query_map();
    let chosen = Memo::new(move |_| query.with(|q| q.get("topic")));
    let version = RwSignal::new(0u32);
    let community_id = StoredValue::new(community.id);
    let queue = LocalResource::new(move || {
        version.track();
        async move {
            topics::topics(
                &community_id.get_value(),
                Some(vec![TopicStatus::UnderReview]),
                topics::REVIEW_PAGE,
                None,
            )
            .await
        }
    });
    let done = RwSignal::new(None::<Topic>);
    let current = Memo::new(move |_| {
        queue.get().and_then(Result::ok).and_then(|page| {
            let wanted = chosen.get();
            page.nodes
                .iter()
                .find(|t| Some(&t.id) == wanted.as_ref())
                .or_else(|| page.nodes.first())
                .map(|t| t.id.clone())
        })
    });
    let on_done = Callback::new(move |topic: Topic| {
        done.set(Some(topic));
        version.update(|v| *v += 1);
    });

    let done_view = move || {
        done.get().map(|topic| {
            let key = if topic.summary.status == TopicStatus::Rejected {
                k("review.rejected_done")
            } else {
                k("review.accepted_done")
            };
            let title = topic.summary.title.clone();
            let href = format!("/topics/{}", topic.summary.id);
            view! {
                <div class="banner banner-ok" role="status" data-testid="review-done">
                    <p>{move || tf(key, &[("title", &title)])}</p>
                    <a href=href class="button small">{tv("review.open_topic")}</a>
                </div>
            }
        })
    };

    let body = move || match queue.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => {
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }
                .into_any()
        }
        Some(Ok(page)) if page.nodes.is_empty() => {
            view! { <p class="empty" data-testid="review-empty">{tv("review.empty")}</p> }
                .into_any()
        }
        Some(Ok(page)) => {
            let current_id = current.get();
            let (head, rest): (Vec<TopicSummary>, Vec<TopicSummary>) = page
                .nodes
                .into_iter()
                .partition(|t| Some(&t.id) == current_id.as_ref());
            view! {
                <p class="muted" data-testid="review-count">
                    {move || tf("review.count", &[("count", &page.total_count.to_string())])}
                </p>
                {head.into_iter().next().map(|topic| view! { <Current topic_id=topic.id.clone() on_done=on_done /> })}
                {(!rest.is_empty()).then(|| view! {
                    <h2>{tv("review.next")}</h2>
                    <ul class="topics">
                        {rest.into_iter().map(|topic| view! {
                            <li class="topic" data-testid="review-item">
                                <a class="topic-link" href=format!("/committee/review?topic={}", topic.id)>{topic.title.clone()}</a>
                                <CosignProgress count=topic.cosign_count threshold=topic.cosign_threshold />
                            </li>
                        }).collect_view()}
                    </ul>
                })}
            }
            .into_any()
        }
    };
    view! {
        <p class="muted">{community.name.clone()}</p>
        {done_view}
        {body}
    }
}

/// The topic under review, in full, with the decision.
#[component]
fn Current(topic_id: String, on_done: Callback<Topic>) -> impl IntoView {
    let id = StoredValue::new(topic_id);
    let topic = LocalResource::new(move || async move { topics::topic(&id.get_value()).await });
    move || match topic.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => {
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }
                .into_any()
        }
        Some(Ok(topic)) => {
            let s = topic.summary.clone();
            let created = s.created_at.clone();
            let proposer = s.proposer.name.clone();
            view! {
                <article class="card review" data-testid="review-current" data-topic-id=s.id.clone()>
                    <h2>{s.title.clone()}</h2>
                    <p><a href=format!("/topics/{}", s.id) class="back-link">{tv("review.open_topic")}</a></p>
                    <p class="topic-meta">
                        <StatusBadge status=s.status />
                        " "
                        <span class="tag">{move || t(s.category.label_key())}</span>
                    </p>
                    <p class="muted small">
                        {move || tf("topics.proposed_by", &[("name", &proposer), ("date", &format_date(&created))])}
                    </p>
                    <CosignProgress count=s.cosign_count threshold=s.cosign_threshold />
                    <div class="prose-text">{topic.body.clone()}</div>
                    <ReviewActions topic_id=s.id.clone() can=topic.viewer_can on_done=on_done />
                </article>
            }
            .into_any()
        }
    }
}
