//! `/topics/:id`: one topic — its text and status, co-signing, the proposer's withdraw, the
//! committee's review, the ballot (see `ballot.rs`), implementation progress, the rating once
//! completed, and the comments (one level of replies; report; the committee hides with a reason).

use crate::api::identity::SessionInfo;
use crate::api::topics::{self, Comment, Topic, TopicActions, TopicStatus};
use crate::api::ApiError;
use crate::components::{
    confirm, error_text, format_date, format_time, CosignProgress, ErrorBanner, FormError,
    FormErrors, InCommunity, Loading, StatusBadge, WithPack,
};
use crate::i18n::{k, t, tf, tv};
use crate::pages::ballot::{BallotCard, OpenBallotForm};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn TopicPage() -> impl IntoView {
    view! { <WithPack pack="topics" and="ballot" page=|| view! { <TopicPagePage /> } /> }
}

#[component]
fn TopicPagePage() -> impl IntoView {
    view! {
        <section class="page">
            <p><a href="/topics" class="back-link">{tv("topic.back")}</a></p>
            <InCommunity page=|info| view! { <TopicLoader info=info /> } />
        </section>
    }
}

/// How many times the topic page changed its topic itself (from a mutation's reply or a further
/// page); a read asked for before the latest change is older than what the page shows.
#[derive(Clone, Copy, Default)]
struct LocalEdits(StoredValue<u32>);

impl LocalEdits {
    fn count(self) -> u32 {
        self.0.get_value()
    }

    /// The topic page's count; call where the component is built (an async task has no
    /// context to find it in).
    fn here() -> Option<LocalEdits> {
        use_context::<LocalEdits>()
    }

    /// Counts one change made by the page.
    fn note(edits: Option<LocalEdits>) {
        if let Some(edits) = edits {
            edits.0.update_value(|n| *n = n.wrapping_add(1));
        }
    }
}

/// What the viewer may do on a topic, from the session.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewer {
    pub committee: bool,
    pub resident_id: Option<String>,
    pub community_id: String,
}

#[component]
fn TopicLoader(info: SessionInfo) -> impl IntoView {
    let id = crate::modules::use_path_id();
    let viewer = Viewer {
        committee: info.can.review_topics,
        resident_id: info.viewer.resident_id.clone(),
        community_id: info.community.map(|c| c.id).unwrap_or_default(),
    };
    let data = RwSignal::new(None::<Topic>);
    let load_error = RwSignal::new(None::<ApiError>);
    // The topic is a resource of its id and a reload counter. A resource runs its requests one
    // after another and shows each reply, so a reply carries its id (one for another topic is
    // left out) and the latest one updates the page in place.
    let version = RwSignal::new(0u32);
    // The page's own updates (a mutation's returned topic, a further page of comments) count
    // here; a reply asked for before the latest of them is older than the page: it is not
    // shown, and the topic is read again.
    let edits = LocalEdits::default();
    provide_context(edits);
    let fetched = LocalResource::new(move || {
        version.track();
        let id = id.get();
        let asked_at = edits.count();
        async move {
            let result = topics::topic(&id).await;
            (id, asked_at, result)
        }
    });
    let reload = move || version.update(|v| *v += 1);
    // Another topic's page starts without the last one's error.
    Effect::new(move |_| {
        id.track();
        load_error.set(None);
    });
    Effect::new(move || {
        fetched.with(|reply| match reply {
            Some((for_id, asked_at, _))
                if *for_id == id.get_untracked() && *asked_at != edits.count() =>
            {
                reload()
            }
            Some((for_id, _, Ok(topic))) if *for_id == id.get_untracked() => {
                data.set(Some(topic.clone()));
                if load_error.with_untracked(Option::is_some) {
                    load_error.set(None);
                }
            }
            Some((for_id, _, Err(e))) if *for_id == id.get_untracked() => {
                load_error.set(Some(e.clone()))
            }
            _ => {}
        })
    });

    // The page is laid out again only when the topic, its status or its ballot changes;
    // everything else updates in place (so a half-written comment survives a co-signature).
    let shape = Memo::new(move |_| {
        let current = id.get();
        data.with(|d| {
            d.as_ref().filter(|t| t.summary.id == current).map(|t| {
                (
                    t.summary.id.clone(),
                    t.summary.status,
                    t.summary.ballot.as_ref().map(|b| b.id.clone()),
                )
            })
        })
    });
    let viewer = StoredValue::new(viewer);
    move || match (shape.get(), load_error.get()) {
        (None, Some(e)) => view! {
            <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) />
            <button type="button" class="button" on:click=move |_| reload()>
                {tv("common.retry")}
            </button>
        }
        .into_any(),
        (None, None) => view! { <Loading /> }.into_any(),
        (Some((_, status, ballot_id)), _) => view! {
            <TopicView data=data status=status ballot_id=ballot_id viewer=viewer.get_value()
                reload=Callback::new(move |()| reload()) />
        }
        .into_any(),
    }
}

#[component]
fn TopicView(
    data: RwSignal<Option<Topic>>,
    status: TopicStatus,
    ballot_id: Option<String>,
    viewer: Viewer,
    reload: Callback<()>,
) -> impl IntoView {
    let field =
        move |f: fn(&Topic) -> String| move || data.with(|d| d.as_ref().map(f).unwrap_or_default());
    let topic_id =
        data.with_untracked(|d| d.as_ref().map(|t| t.summary.id.clone()).unwrap_or_default());
    let category = data.with_untracked(|d| d.as_ref().map(|t| t.summary.category));
    let proposer_line = move || {
        data.with(|d| {
            d.as_ref().map(|t| {
                tf(
                    "topics.proposed_by",
                    &[
                        ("name", &t.summary.proposer.name),
                        ("date", &format_date(&t.summary.created_at)),
                    ],
                )
            })
        })
    };
    // What the viewer may do: the server's answer (the layout is redone when the status moves).
    let can = data.with_untracked(|d| d.as_ref().map(|t| t.viewer_can.clone()).unwrap_or_default());
    let edits = LocalEdits::here();
    let set_topic = Callback::new(move |topic: Topic| {
        LocalEdits::note(edits);
        data.set(Some(topic));
    });
    let decided = matches!(
        status,
        TopicStatus::Adopted | TopicStatus::Implementing | TopicStatus::Completed
    );

    view! {
        <article class="topic-page" aria-labelledby="topic-heading">
            <h1 id="topic-heading">{field(|t| t.summary.title.clone())}</h1>
            <p class="topic-meta">
                <StatusBadge status=status />
                " "
                {category.map(|c| view! { <span class="tag">{move || t(c.label_key())}</span> })}
            </p>
            <p class="muted small">{proposer_line}</p>
            <div class="prose-text" data-testid="topic-body">{field(|t| t.body.clone())}</div>
            {(status == TopicStatus::Rejected).then(|| view! {
                <p class="banner banner-warning" data-testid="reject-reason">
                    {tv("topic.rejected_because")} " "
                    {field(|t| t.reject_reason.clone().unwrap_or_default())}
                </p>
            })}
            {(status == TopicStatus::Withdrawn).then(|| view! {
                <p class="banner banner-warning">{tv("topic.withdrawn")}</p>
            })}
        </article>

        {matches!(status, TopicStatus::Proposed | TopicStatus::UnderReview).then(|| view! {
            <CosignCard data=data status=status set_topic=set_topic />
        })}

        {can.withdraw.then(|| view! {
            <WithdrawButton topic_id=topic_id.clone() set_topic=set_topic />
        })}

        {(can.accept || can.reject).then(|| view! {
            <section class="card" aria-labelledby="review-title">
                <h2 id="review-title">{tv("review.decide")}</h2>
                <ReviewActions topic_id=topic_id.clone() can=can.clone() on_done=set_topic />
            </section>
        })}

        {ballot_id.clone().map(|ballot_id| view! {
            <BallotCard ballot_id=ballot_id on_change=reload />
        })}
        // A new ballot may follow one that ended without a decision or was cancelled.
        {match (can.open_ballot, &ballot_id) {
            (true, _) => Some(view! {
                <OpenBallotForm topic_id=topic_id.clone() rules=can.open_ballot_rules.clone()
                    question=data.with_untracked(|d| d.as_ref().map(|t| t.summary.title.clone()).unwrap_or_default())
                    on_opened=reload />
            }.into_any()),
            (false, None) if status == TopicStatus::Deliberating => Some(view! {
                <p class="card muted">{tv("topic.deliberating_note")}</p>
            }.into_any()),
            _ => None,
        }}

        {decided.then(|| view! {
            <ProgressCard data=data can=can.clone() set_topic=set_topic />
        })}

        {(status == TopicStatus::Completed).then(|| view! { <RatingCard data=data can_rate=can.rate set_topic=set_topic /> })}

        <Comments data=data open=can.comment committee=viewer.committee reload=reload />
    }
}

#[component]
fn CosignCard(
    data: RwSignal<Option<Topic>>,
    status: TopicStatus,
    set_topic: Callback<Topic>,
) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let action = Action::new_unsync(|id: &String| {
        let id = id.clone();
        async move { topics::cosign(&id).await }
    });
    Effect::new(move || match action.value().get() {
        Some(Ok(topic)) => {
            error.set(None);
            set_topic.run(topic);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let numbers = move || {
        data.with(|d| {
            d.as_ref()
                .map(|t| (t.summary.cosign_count, t.summary.cosign_threshold))
        })
    };
    let can_cosign = move || data.with(|d| d.as_ref().is_some_and(|t| t.summary.viewer_can_cosign));
    let has_cosigned = move || data.with(|d| d.as_ref().is_some_and(|t| t.viewer_has_cosigned));
    let signing = matches!(status, TopicStatus::Proposed | TopicStatus::UnderReview);
    view! {
        <section class="card" aria-labelledby="cosign-title">
            <h2 id="cosign-title">{tv("topic.cosign_title")}</h2>
            {move || numbers().map(|(count, threshold)| view! { <CosignProgress count=count threshold=threshold /> })}
            {signing.then(|| view! {
                <p class="hint">
                    {move || if status == TopicStatus::UnderReview { t("topic.cosign_reached") } else { t("topic.cosign_hint") }}
                </p>
            })}
            <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
            <Show when=can_cosign>
                <button type="button" class="button primary wide" data-testid="cosign"
                    disabled=move || action.pending().get()
                    on:click=move |_| {
                        if let Some(id) = data.with_untracked(|d| d.as_ref().map(|t| t.summary.id.clone())) {
                            action.dispatch(id);
                        }
                    }>
                    {tv("topic.cosign")}
                </button>
            </Show>
            <Show when=has_cosigned>
                <p class="banner banner-ok" data-testid="cosigned">{tv("topic.cosigned")}</p>
            </Show>
        </section>
    }
}

#[component]
fn WithdrawButton(topic_id: String, set_topic: Callback<Topic>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let action = Action::new_unsync(|id: &String| {
        let id = id.clone();
        async move { topics::withdraw(&id).await }
    });
    Effect::new(move || match action.value().get() {
        Some(Ok(topic)) => set_topic.run(topic),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <section class="card" aria-labelledby="withdraw-title">
            <h2 id="withdraw-title">{tv("topic.yours")}</h2>
            <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
            <button type="button" class="button danger" data-testid="withdraw"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    if confirm(&t("topic.confirm_withdraw")) {
                        action.dispatch(topic_id.clone());
                    }
                }>
                {tv("topic.withdraw")}
            </button>
        </section>
    }
}

/// The committee's decision on a topic under review: accept, or reject with a public reason.
#[component]
pub fn ReviewActions(
    topic_id: String,
    can: TopicActions,
    on_done: Callback<Topic>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let errors = FormErrors::new(&["reason"]);
    let topic_id = StoredValue::new(topic_id);
    let accept = Action::new_unsync(|id: &String| {
        let id = id.clone();
        async move { topics::accept(&id).await }
    });
    let reject = Action::new_unsync(|(id, reason): &(String, String)| {
        let (id, reason) = (id.clone(), reason.clone());
        async move { topics::reject(&id, &reason).await }
    });
    for action in [accept.value(), reject.value()] {
        Effect::new(move || match action.get() {
            Some(Ok(topic)) => {
                errors.clear();
                on_done.run(topic);
            }
            Some(Err(e)) => errors.api(e),
            None => {}
        });
    }
    let busy = move || accept.pending().get() || reject.pending().get();
    let on_reject = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = reason.get_untracked();
        let chars = text.trim().chars().count();
        if !(2..=500).contains(&chars) {
            errors.set(FormError::for_field("reason", k("error.field.reason")));
            return;
        }
        errors.clear();
        reject.dispatch((topic_id.get_value(), text));
    };
    view! {
        <ErrorBanner message=errors.banner() />
        {can.accept.then(|| view! {
            <p class="hint">{tv("review.accept_hint")}</p>
            <button type="button" class="button primary wide" data-testid="accept-topic"
                disabled=busy on:click=move |_| { accept.dispatch(topic_id.get_value()); }>
                {tv("review.accept")}
            </button>
        })}
        {can.reject.then(|| view! {
        <form class="form" on:submit=on_reject novalidate>
            <div class="field">
                <label for="reject-reason">{tv("review.reason")}</label>
                <textarea id="reject-reason" class="prose" rows="3" maxlength="500"
                    aria-invalid=errors.invalid("reason") aria-describedby="reject-reason-hint reject-reason-error"
                    bind:value=reason></textarea>
                <p class="hint" id="reject-reason-hint">{tv("review.reason_hint")}</p>
                {errors.message("reason", "reject-reason-error")}
            </div>
            <button type="submit" class="button danger wide" data-testid="reject-topic" disabled=busy>
                {tv("review.reject")}
            </button>
        </form>
        })}
    }
}

#[component]
fn ProgressCard(
    data: RwSignal<Option<Topic>>,
    can: TopicActions,
    set_topic: Callback<Topic>,
) -> impl IntoView {
    let progress = move || data.with(|d| d.as_ref().map(|t| t.progress).unwrap_or(0));
    let updates = move || {
        data.with(|d| {
            d.as_ref()
                .map(|t| t.updates.nodes.clone())
                .unwrap_or_default()
        })
    };
    let updates_left = move || {
        data.with(|d| {
            d.as_ref()
                .filter(|t| t.updates.page_info.has_next_page)
                .map(|t| (t.updates.total_count - t.updates.nodes.len() as i64).max(1))
        })
    };
    let updates_loading = RwSignal::new(false);
    let topic_id = StoredValue::new(
        data.with_untracked(|d| d.as_ref().map(|t| t.summary.id.clone()).unwrap_or_default()),
    );
    let percent = RwSignal::new(data.with_untracked(|d| {
        d.as_ref()
            .map(|t| t.progress.to_string())
            .unwrap_or_default()
    }));
    let note = RwSignal::new(String::new());
    let errors = FormErrors::new(&["percent", "note"]);
    let post = Action::new_unsync(|(id, percent, note): &(String, i64, String)| {
        let (id, percent, note) = (id.clone(), *percent, note.clone());
        async move { topics::post_progress(&id, percent, &note).await }
    });
    let complete = Action::new_unsync(|id: &String| {
        let id = id.clone();
        async move { topics::complete(&id).await }
    });
    for action in [post.value(), complete.value()] {
        Effect::new(move || match action.get() {
            Some(Ok(topic)) => {
                errors.clear();
                note.set(String::new());
                set_topic.run(topic);
            }
            Some(Err(e)) => errors.api(e),
            None => {}
        });
    }
    let on_post = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = percent.get_untracked().trim().parse::<i64>().ok();
        let last = progress();
        let Some(value) = value.filter(|v| (last..=100).contains(v)) else {
            errors.set(FormError::for_field("percent", k("error.field.percent")));
            return;
        };
        let text = note.get_untracked();
        if text.trim().is_empty() {
            errors.set(FormError::for_field("note", k("error.field.note")));
            return;
        }
        errors.clear();
        post.dispatch((topic_id.get_value(), value, text));
    };
    let edits = LocalEdits::here();
    let more_updates = move |_| {
        let Some(after) = data.with_untracked(|d| {
            d.as_ref()
                .and_then(|t| t.updates.page_info.end_cursor.clone())
        }) else {
            return;
        };
        updates_loading.set(true);
        spawn_local(async move {
            let result = topics::more_updates(&topic_id.get_value(), &after).await;
            updates_loading.set(false);
            match result {
                Ok(page) => {
                    LocalEdits::note(edits);
                    data.update(|d| {
                        if let Some(t) = d {
                            t.updates.extend(page);
                        }
                    })
                }
                Err(e) => errors.api(e),
            }
        });
    };
    let busy = move || post.pending().get() || complete.pending().get();
    view! {
        <section class="card" aria-labelledby="progress-title" data-testid="progress">
            <h2 id="progress-title">{tv("progress.title")}</h2>
            <div class="meter-row">
                <span class="meter-label">{tv("progress.done")}</span>
                <progress class="meter" max="100" value=progress aria-hidden="true"></progress>
                <span class="meter-value" data-testid="progress-percent">{move || format!("{}%", progress())}</span>
            </div>
            {move || {
                let list = updates();
                if list.is_empty() {
                    view! { <p class="empty">{tv("progress.none")}</p> }.into_any()
                } else {
                    view! {
                        <ol class="updates">
                            {list.into_iter().map(|u| {
                                let when = u.created_at.clone();
                                view! {
                                    <li class="update" data-testid="progress-update">
                                        <p><strong>{format!("{}%", u.percent)}</strong> " " {u.note}</p>
                                        <p class="muted small">
                                            {u.author.name} " · "
                                            <time datetime=u.created_at.clone()>{move || format_time(&when)}</time>
                                        </p>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }
            }}
            {move || updates_left().map(|left| view! {
                <button type="button" class="button small" data-testid="more-updates"
                    disabled=move || updates_loading.get() on:click=more_updates>
                    {move || tf("progress.more", &[("count", &left.to_string())])}
                </button>
            })}
            {can.post_progress.then(|| view! {
                <ErrorBanner message=errors.banner() />
                <form class="form" on:submit=on_post novalidate>
                    <h3>{tv("progress.post_title")}</h3>
                    <div class="field">
                        <label for="progress-percent">{tv("progress.percent")}</label>
                        <input id="progress-percent" type="number" inputmode="numeric" min="0" max="100" step="1"
                            aria-invalid=errors.invalid("percent") aria-describedby="progress-percent-error"
                            bind:value=percent />
                        {errors.message("percent", "progress-percent-error")}
                    </div>
                    <div class="field">
                        <label for="progress-note">{tv("progress.note")}</label>
                        <textarea id="progress-note" class="prose" rows="3" maxlength="1000"
                            aria-invalid=errors.invalid("note") aria-describedby="progress-note-error"
                            bind:value=note></textarea>
                        {errors.message("note", "progress-note-error")}
                    </div>
                    <button type="submit" class="button primary" data-testid="post-progress" disabled=busy>
                        {tv("progress.post")}
                    </button>
                </form>
                {can.complete.then(|| view! {
                    <button type="button" class="button wide" data-testid="complete-topic" disabled=busy
                        on:click=move |_| {
                            if confirm(&t("progress.confirm_complete")) {
                                complete.dispatch(topic_id.get_value());
                            }
                        }>
                        {tv("progress.complete")}
                    </button>
                })}
            })}
        </section>
    }
}

#[component]
fn RatingCard(
    data: RwSignal<Option<Topic>>,
    can_rate: bool,
    set_topic: Callback<Topic>,
) -> impl IntoView {
    let chosen = RwSignal::new(data.with_untracked(|d| d.as_ref().and_then(|t| t.viewer_rating)));
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let action = Action::new_unsync(|(id, stars): &(String, i64)| {
        let (id, stars) = (id.clone(), *stars);
        async move { topics::rate(&id, stars).await }
    });
    Effect::new(move || match action.value().get() {
        Some(Ok(topic)) => {
            error.set(None);
            saved.set(true);
            set_topic.run(topic);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let summary = move || {
        data.with(|d| {
            d.as_ref().map(|topic| match &topic.rating.average {
                Some(avg) => tf(
                    "rating.average",
                    &[("average", avg), ("count", &topic.rating.count.to_string())],
                ),
                None => t("rating.none"),
            })
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = data.with_untracked(|d| d.as_ref().map(|t| t.summary.id.clone()));
        match (id, chosen.get_untracked()) {
            (Some(id), Some(stars)) => {
                saved.set(false);
                action.dispatch((id, stars));
            }
            _ => error.set(None),
        }
    };
    view! {
        <section class="card" aria-labelledby="rating-title" data-testid="rating">
            <h2 id="rating-title">{tv("rating.title")}</h2>
            <p data-testid="rating-average">{summary}</p>
            <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
            {can_rate.then(|| view! {
            <form class="form" on:submit=on_submit>
                <fieldset class="choices-set">
                    <legend>{tv("rating.yours")}</legend>
                    {(1..=5i64).map(|stars| {
                        let id = format!("rating-{stars}");
                        view! {
                            <div class="option">
                                <input type="radio" name="rating" id=id.clone() value=stars.to_string()
                                    data-testid="rating-star"
                                    prop:checked=move || chosen.get() == Some(stars)
                                    on:change=move |_| chosen.set(Some(stars)) />
                                <label for=id>
                                    {"★".repeat(stars as usize)} " "
                                    {move || tf("rating.stars", &[("count", &stars.to_string())])}
                                </label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="button primary" data-testid="rate-submit"
                    disabled=move || chosen.get().is_none() || action.pending().get()>
                    {tv("rating.submit")}
                </button>
            </form>
            })}
            <Show when=move || saved.get()>
                <p class="banner banner-ok" role="status">{tv("rating.saved")}</p>
            </Show>
        </section>
    }
}

// ---- comments --------------------------------------------------------------------------------

/// What a comment's form is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CommentAct {
    Reply,
    Report,
    Hide,
}

#[component]
fn Comments(
    data: RwSignal<Option<Topic>>,
    /// Whether the viewer may comment (`viewerCan.comment`).
    open: bool,
    committee: bool,
    reload: Callback<()>,
) -> impl IntoView {
    let topic_id = StoredValue::new(
        data.with_untracked(|d| d.as_ref().map(|t| t.summary.id.clone()).unwrap_or_default()),
    );
    let comments = move || {
        data.with(|d| {
            d.as_ref()
                .map(|t| t.comments.nodes.clone())
                .unwrap_or_default()
        })
    };
    let comments_left = move || {
        data.with(|d| {
            d.as_ref()
                .filter(|t| t.comments.page_info.has_next_page)
                .map(|t| (t.comments.total_count - t.comments.nodes.len() as i64).max(1))
        })
    };
    let loading_more = RwSignal::new(false);
    let more_error = RwSignal::new(None::<ApiError>);
    let edits = LocalEdits::here();
    let more_comments = move |_| {
        let Some(after) = data.with_untracked(|d| {
            d.as_ref()
                .and_then(|t| t.comments.page_info.end_cursor.clone())
        }) else {
            return;
        };
        loading_more.set(true);
        more_error.set(None);
        spawn_local(async move {
            let result = topics::more_comments(&topic_id.get_value(), &after).await;
            loading_more.set(false);
            match result {
                Ok(page) => {
                    LocalEdits::note(edits);
                    data.update(|d| {
                        if let Some(t) = d {
                            t.comments.extend(page);
                        }
                    })
                }
                Err(e) => more_error.set(Some(e)),
            }
        });
    };
    let body = RwSignal::new(String::new());
    let errors = FormErrors::new(&["body"]);
    let action = Action::new_unsync(|(id, body): &(String, String)| {
        let (id, body) = (id.clone(), body.clone());
        async move { topics::comment(&id, &body, None).await }
    });
    Effect::new(move || match action.value().get() {
        Some(Ok(_)) => {
            errors.clear();
            body.set(String::new());
            reload.run(());
        }
        Some(Err(e)) => errors.api(e),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = body.get_untracked();
        if text.trim().is_empty() {
            errors.set(FormError::for_field("body", k("comments.empty_body")));
            return;
        }
        errors.clear();
        action.dispatch((topic_id.get_value(), text));
    };
    view! {
        <section class="card" aria-labelledby="comments-title" data-testid="comments">
            <h2 id="comments-title">{tv("comments.title")}</h2>
            {move || {
                let list = comments();
                if list.is_empty() {
                    view! { <p class="empty">{tv("comments.none")}</p> }.into_any()
                } else {
                    view! {
                        <ul class="comments">
                            {list.into_iter().map(|c| view! {
                                <CommentItem comment=c topic_id=topic_id.get_value() open=open
                                    committee=committee reload=reload />
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
            <ErrorBanner message=Signal::derive(move || more_error.get().map(|e| error_text(&e))) />
            {move || comments_left().map(|left| view! {
                <button type="button" class="button wide" data-testid="more-comments"
                    disabled=move || loading_more.get() on:click=more_comments>
                    {move || if loading_more.get() {
                        t("common.loading")
                    } else {
                        tf("comments.more", &[("count", &left.to_string())])
                    }}
                </button>
            })}
            {open.then(|| view! {
                <ErrorBanner message=errors.banner() />
                <form class="form" on:submit=on_submit novalidate>
                    <div class="field">
                        <label for="comment-body">{tv("comments.write")}</label>
                        <textarea id="comment-body" class="prose" rows="3" maxlength="2000"
                            aria-invalid=errors.invalid("body") aria-describedby="comment-body-error"
                            bind:value=body></textarea>
                        {errors.message("body", "comment-body-error")}
                    </div>
                    <button type="submit" class="button primary" data-testid="comment-submit"
                        disabled=move || action.pending().get()>
                        {tv("comments.submit")}
                    </button>
                </form>
            })}
        </section>
    }
}

#[component]
fn CommentItem(
    comment: Comment,
    topic_id: String,
    open: bool,
    committee: bool,
    reload: Callback<()>,
) -> impl IntoView {
    let is_reply = comment.parent_id.is_some();
    let act = RwSignal::new(None::<CommentAct>);
    let text = RwSignal::new(String::new());
    let errors = FormErrors::new(&["body", "reason"]);
    let done = RwSignal::new(None::<&'static str>);
    let comment_id = StoredValue::new(comment.id.clone());
    let topic_id = StoredValue::new(topic_id);
    let action = Action::new_unsync(
        |(act, topic, comment, text): &(CommentAct, String, String, String)| {
            let (act, topic, comment, text) = (*act, topic.clone(), comment.clone(), text.clone());
            async move {
                match act {
                    CommentAct::Reply => topics::comment(&topic, &text, Some(&comment))
                        .await
                        .map(|_| act),
                    CommentAct::Report => {
                        topics::report_comment(&comment, &text).await.map(|_| act)
                    }
                    CommentAct::Hide => topics::hide_comment(&comment, &text).await.map(|_| act),
                }
            }
        },
    );
    Effect::new(move || match action.value().get() {
        Some(Ok(act_done)) => {
            errors.clear();
            text.set(String::new());
            act.set(None);
            done.set(Some(match act_done {
                CommentAct::Report => k("comments.reported"),
                CommentAct::Hide => k("comments.hidden_done"),
                CommentAct::Reply => k("comments.replied"),
            }));
            reload.run(());
        }
        Some(Err(e)) => errors.api(e),
        None => {}
    });
    let field_id = format!("comment-act-{}", comment.id);
    let error_id = format!("comment-act-error-{}", comment.id);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(current) = act.get_untracked() else {
            return;
        };
        let value = text.get_untracked();
        let chars = value.trim().chars().count();
        let (field, ok) = match current {
            CommentAct::Reply => ("body", chars >= 1),
            _ => ("reason", chars >= 2),
        };
        if !ok {
            let key = if field == "body" {
                k("comments.empty_body")
            } else {
                k("error.field.reason")
            };
            errors.set(FormError::for_field(field, key));
            return;
        }
        errors.clear();
        action.dispatch((current, topic_id.get_value(), comment_id.get_value(), value));
    };
    let toggle = move |which: CommentAct| {
        done.set(None);
        errors.clear();
        act.update(|a| *a = if *a == Some(which) { None } else { Some(which) });
    };
    let when = comment.created_at.clone();
    let hidden = comment.hidden;
    let hidden_reason = comment.hidden_reason.clone().unwrap_or_default();
    let reports = comment.report_count.filter(|n| *n > 0);
    let replies = RwSignal::new(comment.replies.clone());
    let replies_loading = RwSignal::new(false);
    let more_replies = move |_| {
        let Some(after) = replies.with_untracked(|p| p.page_info.end_cursor.clone()) else {
            return;
        };
        replies_loading.set(true);
        spawn_local(async move {
            let result = topics::more_replies(&comment_id.get_value(), &after).await;
            replies_loading.set(false);
            match result {
                Ok(page) => replies.update(|p| p.extend(page)),
                Err(e) => errors.api(e),
            }
        });
    };
    let replies_left = move || {
        replies.with(|p| {
            p.page_info
                .has_next_page
                .then(|| (p.total_count - p.nodes.len() as i64).max(1))
        })
    };
    let body_view = match (hidden, comment.body.clone()) {
        (true, body) => view! {
            <p class="comment-hidden" data-testid="comment-hidden">
                {move || tf("comments.hidden", &[("reason", &hidden_reason)])}
            </p>
            {body.map(|b| view! { <p class="comment-body muted">{b}</p> })}
        }
        .into_any(),
        (false, body) => {
            view! { <p class="comment-body">{body.unwrap_or_default()}</p> }.into_any()
        }
    };
    let label_key = move || match act.get() {
        Some(CommentAct::Reply) => k("comments.reply_label"),
        Some(CommentAct::Report) => k("comments.report_label"),
        _ => k("comments.hide_label"),
    };
    let submit_key = move || match act.get() {
        Some(CommentAct::Reply) => k("comments.reply_submit"),
        Some(CommentAct::Report) => k("comments.report_submit"),
        _ => k("comments.hide_submit"),
    };
    view! {
        <li class="comment" class:reply=is_reply data-testid="comment" data-comment-id=comment.id.clone()>
            <p class="comment-meta">
                <strong>{comment.author.name.clone()}</strong> " · "
                <time datetime=comment.created_at.clone()>{move || format_time(&when)}</time>
                {(committee && reports.is_some()).then(|| view! {
                    " " <span class="tag tag-attention">
                        {move || tf("comments.reports", &[("count", &reports.unwrap_or(0).to_string())])}
                    </span>
                })}
            </p>
            {body_view}
            // Replying and reporting follow `viewerCan.comment`; the committee hides whatever
            // the topic's status (a platform admin off the roster too).
            {(!hidden && (open || committee)).then(|| view! {
                <div class="actions">
                    {(open && !is_reply).then(|| view! {
                        <button type="button" class="button small" data-testid="comment-reply"
                            aria-expanded=move || (act.get() == Some(CommentAct::Reply)).to_string()
                            on:click=move |_| toggle(CommentAct::Reply)>
                            {tv("comments.reply")}
                        </button>
                    })}
                    {open.then(|| view! {
                        <button type="button" class="button small" data-testid="comment-report"
                            aria-expanded=move || (act.get() == Some(CommentAct::Report)).to_string()
                            on:click=move |_| toggle(CommentAct::Report)>
                            {tv("comments.report")}
                        </button>
                    })}
                    {committee.then(|| view! {
                        <button type="button" class="button small danger" data-testid="comment-hide"
                            aria-expanded=move || (act.get() == Some(CommentAct::Hide)).to_string()
                            on:click=move |_| toggle(CommentAct::Hide)>
                            {tv("comments.hide")}
                        </button>
                    })}
                </div>
            })}
            <Show when=move || act.get().is_some()>
                <form class="form inset" on:submit=on_submit novalidate>
                    <ErrorBanner message=errors.banner() />
                    <div class="field">
                        <label for=field_id.clone()>{move || t(label_key())}</label>
                        <textarea id=field_id.clone() class="prose" rows="2" maxlength="2000"
                            aria-describedby=error_id.clone() bind:value=text></textarea>
                        {
                            let error_id = error_id.clone();
                            move || {
                                errors.error.with(|e| e.as_ref().and_then(|e| e.field_text("body").or_else(|| e.field_text("reason"))))
                                    .map(|msg| view! { <p class="field-error" id=error_id.clone()>{msg}</p> })
                            }
                        }
                    </div>
                    <button type="submit" class="button primary" data-testid="comment-act-submit"
                        disabled=move || action.pending().get()>
                        {move || t(submit_key())}
                    </button>
                </form>
            </Show>
            {move || done.get().map(|key| view! { <p class="banner banner-ok" role="status">{move || t(key)}</p> })}
            {move || {
                let list = replies.with(|p| p.nodes.clone());
                (!list.is_empty()).then(|| view! {
                    <ul class="comments replies">
                        {list.into_iter().map(|r| view! {
                            <CommentItem comment=r topic_id=topic_id.get_value() open=open committee=committee reload=reload />
                        }.into_any()).collect_view()}
                    </ul>
                }.into_any())
            }}
            {move || replies_left().map(|left| view! {
                <button type="button" class="button small" data-testid="more-replies"
                    disabled=move || replies_loading.get() on:click=more_replies>
                    {move || tf("comments.more_replies", &[("count", &left.to_string())])}
                </button>
            })}
        </li>
    }
}
