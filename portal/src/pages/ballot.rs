//! The ballot on a topic page: the question and how it is counted, the voting form, the receipt
//! (shown once, in a dialog), "change my vote", the live tally (WebSocket, or re-querying every
//! 15 s when the socket does not get through), and once closed the result in plain words.
//! Committee tools: open a ballot on a deliberating topic, record paper ballots.

use crate::api::ballots::{
    self, toggle_choice, Ballot, BallotDraft, BallotKind, BallotStatus, DecisionRule, Electorate,
    ElectorateMember, OptionRole, VoteMethod,
};
use crate::api::live::{self, Feed, Live, LiveMode, ServerMessage};
use crate::api::ApiError;
use crate::components::{
    copy_text, error_text, format_time, local_input_to_utc, local_input_value, ms_until,
    ErrorBanner, FormError, FormErrors, Loading,
};
use crate::i18n::{current_lang, k, t, tf, tv};
use crate::tally::{self, format_area, format_count, option_label, parse_area};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// A ballot in the card: loaded once, then kept current by the live tally.
#[component]
pub fn BallotCard(
    ballot_id: String,
    /// Called when the ballot closes (the topic's status changes with it).
    on_change: Callback<()>,
) -> impl IntoView {
    let ballot = RwSignal::new(None::<Ballot>);
    let load_error = RwSignal::new(None::<ApiError>);
    let mode = RwSignal::new(LiveMode::Connecting);
    let receipt = RwSignal::new(None::<String>);
    let id = StoredValue::new(ballot_id);

    let reload = move || {
        spawn_local(async move {
            match ballots::ballot(&id.get_value()).await {
                Ok(b) => {
                    if load_error.with_untracked(Option::is_some) {
                        load_error.set(None);
                    }
                    ballot.set(Some(b));
                }
                Err(e) => load_error.set(Some(e)),
            }
        });
    };
    reload();

    // When the ballot closes while shown here, the topic learns its result.
    let was_open = StoredValue::new(None::<bool>);
    Effect::new(move || {
        if let Some(open) = ballot.with(|b| b.as_ref().map(Ballot::is_open)) {
            if was_open.get_value() == Some(true) && !open {
                // The topic or campaign reads itself again and draws a new card, which reads
                // the closed ballot with what the viewer may do with it now (the named roll).
                on_change.run(());
            }
            was_open.set_value(Some(open));
        }
    });

    // Live tally while open: start once the ballot is known to be open.
    let live = StoredValue::new_local(None::<Live>);
    Effect::new(move || {
        let open = ballot.with(|b| b.as_ref().map(Ballot::is_open));
        match open {
            Some(true) if live.with_value(Option::is_none) => {
                let on_tally = move |tally: ballots::Tally| {
                    let closed_now = tally.status == BallotStatus::Closed;
                    let was_open =
                        ballot.with_untracked(|b| b.as_ref().is_some_and(Ballot::is_open));
                    ballot.update(|b| {
                        if let Some(b) = b {
                            b.apply(tally);
                        }
                    });
                    if closed_now && was_open {
                        // The full result (and the viewer's fields) come with a re-query.
                        reload();
                    }
                };
                let ballot_id = id.get_value();
                let started = Live::start(Feed {
                    query: crate::api::documents::ballots::BALLOT_TALLY,
                    variables: serde_json::json!({ "ballotId": ballot_id }),
                    on_next: std::rc::Rc::new(move |text: &str| {
                        if let ServerMessage::Next(data) = live::parse::<ballots::TallyData>(text) {
                            on_tally(data.ballot_tally);
                        }
                    }),
                    on_poll: std::rc::Rc::new(move || {
                        let ballot_id = ballot_id.clone();
                        spawn_local(async move {
                            if let Ok(b) = ballots::ballot(&ballot_id).await {
                                on_tally(b.tally);
                            }
                        });
                    }),
                    on_mode: std::rc::Rc::new(move |m| mode.set(m)),
                });
                live.set_value(Some(started));
            }
            Some(false) => {
                live.update_value(|l| {
                    if let Some(l) = l.take() {
                        l.stop();
                    }
                });
            }
            _ => {}
        }
    });
    // At the closing time, read the ballot again: the read closes it on the server.
    let timer = StoredValue::new_local(None::<leptos::prelude::TimeoutHandle>);
    Effect::new(move || {
        let closes = ballot.with(|b| {
            b.as_ref()
                .filter(|b| b.is_open())
                .map(|b| b.closes_at.clone())
        });
        if let Some(ms) = closes.as_deref().and_then(ms_until) {
            if timer.with_value(Option::is_none) {
                // setTimeout takes a 32-bit delay: a ballot closing later is re-read by the poll.
                let wait = (ms + 1500.0).clamp(0.0, 2_000_000_000.0);
                if let Ok(handle) = set_timeout_with_handle(
                    move || {
                        timer.set_value(None);
                        reload();
                    },
                    Duration::from_millis(wait as u64),
                ) {
                    timer.set_value(Some(handle));
                }
            }
        }
    });
    on_cleanup(move || {
        live.update_value(|l| {
            if let Some(l) = l.take() {
                l.stop();
            }
        });
        timer.update_value(|h| {
            if let Some(h) = h.take() {
                h.clear();
            }
        });
    });

    // Laid out again only when the ballot opens/closes or the viewer's vote changes.
    let shape = Memo::new(move |_| {
        ballot.with(|b| {
            b.as_ref().map(|b| {
                (
                    b.tally.status,
                    b.viewer_eligible,
                    b.viewer_has_voted,
                    b.viewer_can,
                )
            })
        })
    });

    let body = move || match (shape.get(), load_error.get()) {
        (None, Some(e)) => view! {
            <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) />
        }
        .into_any(),
        (None, None) => view! { <Loading /> }.into_any(),
        (Some((status, eligible, voted, can)), _) => {
            let Some(b) = ballot.get_untracked() else {
                return ().into_any();
            };
            let open = status == BallotStatus::Open;
            view! {
                <BallotFacts b=b.clone() />
                {if open {
                    let vote = if voted {
                        view! { <Voted ballot=ballot on_changed=Callback::new(move |()| reload()) /> }.into_any()
                    } else if eligible {
                        view! {
                            <VoteForm ballot=ballot change=false
                                on_receipt=Callback::new(move |code: String| {
                                    receipt.set(Some(code));
                                    reload();
                                }) />
                        }
                        .into_any()
                    } else {
                        view! { <p class="banner banner-warning" data-testid="not-eligible">{tv("ballot.not_eligible")}</p> }.into_any()
                    };
                    view! {
                        {vote}
                        <h3>{tv("ballot.live_title")}</h3>
                        <p class="muted small" role="status" data-testid="live-mode" data-mode=move || mode.get().as_str()>
                            {move || match mode.get() {
                                LiveMode::Live => t("ballot.live"),
                                LiveMode::Polling => t("ballot.polling"),
                                LiveMode::Connecting => t("ballot.connecting"),
                            }}
                        </p>
                        <TallyView ballot=ballot />
                    }
                    .into_any()
                } else if status == BallotStatus::Cancelled {
                    let reason = b.cancel_reason.clone().unwrap_or_default();
                    view! {
                        <p class="banner banner-warning" data-testid="ballot-cancelled">
                            {move || tf("ballot.cancelled", &[("reason", &reason)])}
                        </p>
                    }.into_any()
                } else {
                    view! { <ResultView ballot=ballot /> }.into_any()
                }}
                <p>
                    <a class="button" data-testid="receipt-link" href=format!("/ballots/{}/receipt", b.id())>
                        {move || if open { t("ballot.check_receipt") } else { t("ballot.check_receipt_closed") }}
                    </a>
                </p>
                // A cancelled ballot has no result, hence no notice.
                {(b.tally.status == BallotStatus::Closed).then(|| view! {
                    <p>
                        <a class="button" data-testid="notice-link" href=format!("/ballots/{}/notice", b.id())>
                            {tv("ballot.notice_link")}
                        </a>
                    </p>
                })}
                {can.named_roll.then(|| view! {
                    <p>
                        <a class="button" data-testid="named-roll-link" href=format!("/ballots/{}/roll", b.id())>
                            {tv("ballot.named_roll")}
                        </a>
                    </p>
                })}
                {(open && can.record_paper_ballot).then(|| view! {
                    <PaperBallotForm ballot=ballot on_recorded=Callback::new(move |()| reload()) />
                })}
            }
            .into_any()
        }
    };

    view! {
        // Element ids carry the ballot's id: a campaign page shows one card per category.
        <section class="card ballot" aria-labelledby=format!("ballot-title-{}", id.get_value()) data-testid="ballot"
            data-status=move || ballot.with(|b| b.as_ref().map(|b| b.tally.status.as_str()))>
            <h2 id=format!("ballot-title-{}", id.get_value())>{tv("ballot.title")}</h2>
            {body}
            <ReceiptDialog receipt=receipt ballot_id=id.get_value() />
        </section>
    }
}

#[component]
fn BallotFacts(b: Ballot) -> impl IntoView {
    let closes = b.closes_at.clone();
    let closes_label = if b.is_open() {
        k("ballot.closes")
    } else {
        k("ballot.closed_at")
    };
    let closed_at = b.tally.closed_at.clone().unwrap_or(b.closes_at.clone());
    let shown_time = if b.is_open() {
        closes.clone()
    } else {
        closed_at
    };
    let how = match b.kind {
        BallotKind::Motion => t("ballot.kind.MOTION"),
        _ if b.choice_limit > 1 => tf(
            "ballot.approval_up_to",
            &[("count", &b.choice_limit.to_string())],
        ),
        _ => t("ballot.method.SINGLE"),
    };
    let (rule, electorate) = (b.rule, b.electorate);
    let secret = b.secret;
    let named = b.named;
    view! {
        <p class="ballot-question" data-testid="ballot-question">{b.question.clone()}</p>
        <dl class="facts">
            <dt>{tv("ballot.how")}</dt>
            <dd>{how}</dd>
            <dt>{tv("ballot.who")}</dt>
            <dd>{move || t(electorate.label_key())}</dd>
            <dt>{tv("ballot.rule")}</dt>
            <dd>{move || t(rule.label_key())}</dd>
            <dt>{move || t(closes_label)}</dt>
            <dd><time datetime=shown_time.clone() data-testid="ballot-closes">{
                let shown_time = shown_time.clone();
                move || format_time(&shown_time)
            }</time></dd>
        </dl>
        <p class="hint" data-testid="rule-explanation">{move || t(rule.explain_key(electorate))}</p>
        {secret.then(|| view! { <p class="hint"><span class="tag">{tv("ballot.secret")}</span> " " {tv("ballot.secret_note")}</p> })}
        {named.then(|| view! {
            <p class="banner banner-warning" data-testid="named-vote-notice">
                <span class="tag">{tv("ballot.named")}</span> " " {tv("ballot.named_note")}
            </p>
        })}
    }
}

/// The options as radio buttons (the server's `choiceLimit` is 1) or checkboxes (up to the
/// limit; an option that `standsAlone` alone), each `[data-testid={testid}]` with the option id as its value.
#[component]
fn OptionsField(
    ballot: Ballot,
    selected: RwSignal<Vec<String>>,
    name: String,
    testid: &'static str,
    legend: String,
) -> impl IntoView {
    let several = ballot.choice_limit > 1;
    let input_type = if several { "checkbox" } else { "radio" };
    let hint = several.then(|| {
        let max = ballot.choice_limit.to_string();
        move || tf("ballot.approval_hint", &[("count", &max)])
    });
    let kind = ballot.kind;
    let shared = StoredValue::new(ballot.clone());
    let options = ballot.options.into_iter().map(|o| {
        let input_id = format!("{name}-{}", o.id);
        let option_id = o.id.clone();
        let (checked_id, tick_id, change_id) = (option_id.clone(), option_id.clone(), option_id.clone());
        let role = o.role;
        let label = o.label.clone();
        view! {
            <div class="option" class:abstain=role == OptionRole::Abstain>
                <input type=input_type name=name.clone() id=input_id.clone() value=option_id.clone()
                    data-testid=testid data-role=role.as_str()
                    prop:checked=move || selected.with(|s| s.contains(&checked_id))
                    prop:disabled=move || !shared.with_value(|b| selected.with(|s| ballots::can_tick(b, s, &tick_id)))
                    on:change=move |_| {
                        let next = shared.with_value(|b| selected.with_untracked(|s| toggle_choice(b, s, &change_id)));
                        selected.set(next);
                    } />
                <label for=input_id>{move || option_label(current_lang(), kind, role, &label)}</label>
            </div>
        }
    });
    view! {
        <fieldset class="choices-set">
            <legend>{legend}</legend>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            {options.collect_view()}
        </fieldset>
    }
}

#[component]
fn VoteForm(
    ballot: RwSignal<Option<Ballot>>,
    /// Changing an earlier vote: asks for its receipt.
    change: bool,
    on_receipt: Callback<String>,
) -> impl IntoView {
    let Some(b) = ballot.get_untracked() else {
        return ().into_any();
    };
    let selected = RwSignal::new(Vec::<String>::new());
    let receipt_text = RwSignal::new(String::new());
    let errors = FormErrors::new(&["optionIds", "receipt"]);
    let ballot_id = StoredValue::new(b.id().to_string());
    let action = Action::new_unsync(
        |(id, options, receipt): &(String, Vec<String>, Option<String>)| {
            let (id, options, receipt) = (id.clone(), options.clone(), receipt.clone());
            async move { ballots::cast_vote(&id, &options, receipt.as_deref()).await }
        },
    );
    Effect::new(move || match action.value().get() {
        Some(Ok(code)) => {
            errors.clear();
            selected.set(Vec::new());
            receipt_text.set(String::new());
            on_receipt.run(code);
        }
        Some(Err(e)) => errors.api(e),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = selected.get_untracked();
        let receipt = change.then(|| ballots::normalise_receipt(&receipt_text.get_untracked()));
        if receipt.as_ref().is_some_and(String::is_empty) {
            errors.set(FormError::for_field(
                "receipt",
                k("ballot.receipt_required"),
            ));
            return;
        }
        if chosen.is_empty() {
            errors.set(FormError::for_field("optionIds", k("ballot.choose_one")));
            return;
        }
        errors.clear();
        action.dispatch((ballot_id.get_value(), chosen, receipt));
    };
    let name = if change { "change" } else { "vote" };
    let bid = b.id().to_string();
    view! {
        <form class="form" on:submit=on_submit novalidate data-testid=if change { "change-vote-form" } else { "vote-form" }>
            <ErrorBanner message=errors.banner() />
            {change.then(|| view! {
                <div class="field">
                    <label for=format!("change-receipt-{bid}")>{tv("ballot.your_receipt")}</label>
                    <input id=format!("change-receipt-{bid}") type="text" autocomplete="off" autocapitalize="characters"
                        spellcheck="false" maxlength="100"
                        aria-invalid=errors.invalid("receipt") aria-describedby=format!("change-receipt-error-{bid}")
                        bind:value=receipt_text />
                    {errors.message("receipt", format!("change-receipt-error-{bid}"))}
                </div>
            })}
            <OptionsField ballot=b.clone() selected=selected name=format!("{name}-{}", b.id())
                testid=if change { "change-option" } else { "ballot-option" }
                legend=if change { t("ballot.new_choice") } else { b.question.clone() } />
            {errors.message("optionIds", format!("{name}-options-error-{bid}"))}
            <button type="submit" class="button primary"
                data-testid=if change { "change-vote" } else { "cast-vote" }
                disabled=move || action.pending().get()>
                {move || match (change, action.pending().get()) {
                    (_, true) => t("ballot.sending"),
                    (true, false) => t("ballot.change_submit"),
                    (false, false) => t("ballot.cast"),
                }}
            </button>
        </form>
    }
    .into_any()
}

/// The viewer has voted: say so, and offer to change the vote with the receipt.
#[component]
fn Voted(ballot: RwSignal<Option<Ballot>>, on_changed: Callback<()>) -> impl IntoView {
    let changed = RwSignal::new(false);
    view! {
        <p class="banner banner-ok" data-testid="voted">{tv("ballot.voted")}</p>
        <Show when=move || changed.get()>
            <p class="banner banner-ok" role="status" data-testid="vote-changed">{tv("ballot.changed")}</p>
        </Show>
        <details class="more">
            <summary class="button small" data-testid="change-vote-open">{tv("ballot.change")}</summary>
            <p class="hint">{tv("ballot.change_hint")}</p>
            <VoteForm ballot=ballot change=true on_receipt=Callback::new(move |_| {
                changed.set(true);
                on_changed.run(());
            }) />
        </details>
    }
}

/// Turnout, and per option a bar with the votes (and m² for owners) beside it; a secret ballot
/// shows turnout only until it closes.
#[component]
fn TallyView(ballot: RwSignal<Option<Ballot>>) -> impl IntoView {
    let unit = move || {
        ballot.with(|b| {
            b.as_ref()
                .map(|b| t(tally::unit_key(b.electorate)))
                .unwrap_or_default()
        })
    };
    let turnout = move || {
        ballot.with(|b| {
            b.as_ref()
                .map(|b| format!("{} / {}", b.tally.turnout_count, b.tally.eligible_count))
        })
    };
    let area = move || {
        ballot.with(|b| {
            b.as_ref().filter(|b| b.electorate.has_area()).map(|b| {
                let part = parse_area(&b.tally.turnout_area)
                    .map(format_area)
                    .unwrap_or_default();
                let whole = parse_area(&b.tally.eligible_area)
                    .map(format_area)
                    .unwrap_or_default();
                tf("ballot.turnout_area", &[("part", &part), ("whole", &whole)])
            })
        })
    };
    let rows = move || {
        ballot.with(|b| {
            let b = b.as_ref()?;
            let result = b.tally.result.as_ref()?;
            let max = b.tally.turnout_count.max(1);
            let kind = b.kind;
            let has_area = b.electorate.has_area();
            let closed = !b.is_open();
            Some(
                result
                    .options
                    .iter()
                    .map(|o| {
                        let label = o.label.clone();
                        let role = o.role;
                        let area = parse_area(&o.area).map(format_area).unwrap_or_default();
                        let adopted = closed && o.adopted;
                        view! {
                            <li class="tally-row" class:adopted=adopted data-option-id=o.id.clone()>
                                <span class="tally-label">
                                    {move || option_label(current_lang(), kind, role, &label)}
                                    {adopted.then(|| view! { " " <span class="tag tag-ok">{tv("ballot.adopted_option")}</span> })}
                                </span>
                                <progress class="meter" max=max value=o.votes.min(max) aria-hidden="true"></progress>
                                <span class="tally-numbers">
                                    <span data-testid="tally-votes" data-role=role.as_str()>{format_count(o.votes)}</span>
                                    " " {tv(if o.votes == 1 { k("ballot.vote_unit") } else { k("ballot.votes_unit") })}
                                    {has_area.then(|| view! { " · " <span data-testid="tally-area">{area.clone()}</span> " m²" })}
                                </span>
                            </li>
                        }
                    })
                    .collect_view(),
            )
        })
    };
    let secret_open = move || ballot.with(|b| b.as_ref().is_some_and(|b| b.tally.result.is_none()));
    view! {
        <div class="tally" data-testid="tally">
            <p class="turnout">
                {tv("ballot.turnout")} " "
                <strong data-testid="turnout">{turnout}</strong> " " {unit}
                {move || area().map(|a| view! { <span class="muted">" · " {a}</span> })}
            </p>
            <Show when=secret_open>
                <p class="hint" data-testid="secret-tally">{tv("ballot.secret_tally")}</p>
            </Show>
            <ul class="tally-rows">{rows}</ul>
        </div>
    }
}

/// A closed ballot: the outcome, the counts and the explanation.
#[component]
fn ResultView(ballot: RwSignal<Option<Ballot>>) -> impl IntoView {
    let outcome = move || {
        ballot.with(|b| {
            b.as_ref()
                .and_then(|b| b.tally.result.as_ref())
                .map(|r| r.outcome)
        })
    };
    let explanation = move || ballot.with(|b| tally::explain(current_lang(), b.as_ref()?));
    view! {
        <h3>{tv("ballot.result")}</h3>
        {move || outcome().map(|o| view! {
            <p>
                <span class=format!("outcome outcome-{}", o.as_str().to_ascii_lowercase())
                    data-testid="ballot-outcome" data-outcome=o.as_str()>
                    {move || t(o.label_key())}
                </span>
            </p>
        })}
        <p class="explanation" data-testid="result-explanation">{explanation}</p>
        <TallyView ballot=ballot />
    }
}

/// The receipt after a first vote, shown once in a modal dialog with a copy button.
#[component]
fn ReceiptDialog(receipt: RwSignal<Option<String>>, ballot_id: String) -> impl IntoView {
    let (title, title_for) = (
        format!("receipt-title-{ballot_id}"),
        format!("receipt-title-{ballot_id}"),
    );
    let dialog = NodeRef::<html::Dialog>::new();
    let copied = RwSignal::new(None::<bool>);
    Effect::new(move || {
        let open = receipt.with(Option::is_some);
        if let Some(el) = dialog.get() {
            if open && !el.open() {
                copied.set(None);
                let _ = el.show_modal();
            } else if !open && el.open() {
                el.close();
            }
        }
    });
    let copy = move |_| {
        if let Some(code) = receipt.get_untracked() {
            spawn_local(async move {
                copied.set(Some(copy_text(&code).await));
            });
        }
    };
    view! {
        <dialog node_ref=dialog class="dialog" data-testid="receipt-dialog" aria-labelledby=title_for
            on:close=move |_| receipt.set(None)>
            <h2 id=title>{tv("receipt.title")}</h2>
            <p>{tv("receipt.intro")}</p>
            <p><code class="code code-large receipt" data-testid="receipt">{move || receipt.get().unwrap_or_default()}</code></p>
            <p class="banner banner-warning">{tv("receipt.once")}</p>
            <button type="button" class="button wide" data-testid="copy-receipt" on:click=copy>
                {tv("receipt.copy")}
            </button>
            <p role="status" class="hint">
                {move || copied.get().map(|ok| if ok { t("receipt.copied") } else { t("receipt.copy_failed") })}
            </p>
            <form method="dialog">
                <button type="submit" class="button primary wide" data-testid="receipt-close">
                    {tv("receipt.close")}
                </button>
            </form>
        </dialog>
    }
}

// ---- committee: paper ballots ---------------------------------------------------------------

#[component]
fn PaperBallotForm(ballot: RwSignal<Option<Ballot>>, on_recorded: Callback<()>) -> impl IntoView {
    let Some(b) = ballot.get_untracked() else {
        return ().into_any();
    };
    let by_household = b.electorate.votes_by_household();
    let owners = b.electorate == Electorate::Owners;
    let search = RwSignal::new(String::new());
    let show_voted = RwSignal::new(false);
    let voters = RwSignal::new(None::<Vec<ElectorateMember>>);
    let voter = RwSignal::new(None::<String>);
    let selected = RwSignal::new(Vec::<String>::new());
    let errors = FormErrors::new(&["voterId", "optionIds"]);
    let recorded = RwSignal::new(false);
    let ballot_id = StoredValue::new(b.id().to_string());
    let bid = b.id().to_string();
    let list_bid = bid.clone();

    // The frozen electorate, by default only those who have not voted yet: a resource of the
    // last search asked for (none until the section is opened; numbered, so asking again reads
    // again). A resource runs its requests one after another and shows each reply, so a reply
    // carries its number and only the latest search's is shown.
    let asked = RwSignal::new(None::<(String, bool, u32)>);
    let found = LocalResource::new(move || {
        let asked = asked.get();
        async move {
            let (text, not_voted, n) = asked?;
            Some((
                n,
                ballots::voters(&ballot_id.get_value(), &text, not_voted).await,
            ))
        }
    });
    let latest = move || asked.with(|a| a.as_ref().map(|a| a.2));
    let searching = Signal::derive(move || {
        latest().is_some_and(|n| found.with(|r| !matches!(r, Some(Some((m, _))) if *m == n)))
    });
    let find = move || {
        let (text, not_voted) = (search.get_untracked(), !show_voted.get_untracked());
        let n = asked.with_untracked(|a| a.as_ref().map_or(0, |a| a.2 + 1));
        asked.set(Some((text, not_voted, n)));
    };
    Effect::new(move || {
        found.with(|reply| match reply {
            Some(Some((n, _))) if Some(*n) != latest() => {}
            Some(Some((_, Ok(list)))) => {
                if voter.with_untracked(|v| {
                    v.as_ref()
                        .is_some_and(|id| !list.iter().any(|m| &m.voter_id == id && !m.voted))
                }) {
                    voter.set(None);
                }
                voters.set(Some(list.clone()));
                errors.clear();
            }
            Some(Some((_, Err(e)))) => errors.api(e.clone()),
            _ => {}
        })
    });
    let on_toggle = move |ev: leptos::ev::Event| {
        let details: web_sys::Element = event_target(&ev);
        if details.has_attribute("open") && voters.with_untracked(Option::is_none) {
            find();
        }
    };
    let action = Action::new_unsync(|(id, voter, options): &(String, String, Vec<String>)| {
        let (id, voter, options) = (id.clone(), voter.clone(), options.clone());
        async move { ballots::record_paper_ballot(&id, &voter, &options).await }
    });
    Effect::new(move || match action.value().get() {
        Some(Ok(_)) => {
            errors.clear();
            recorded.set(true);
            voter.set(None);
            selected.set(Vec::new());
            on_recorded.run(());
            // The one just recorded has voted now.
            find();
        }
        Some(Err(e)) => errors.api(e),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        recorded.set(false);
        let Some(who) = voter.get_untracked() else {
            errors.set(FormError::for_field("voterId", k("paper.choose_voter")));
            return;
        };
        let chosen = selected.get_untracked();
        if chosen.is_empty() {
            errors.set(FormError::for_field("optionIds", k("ballot.choose_one")));
            return;
        }
        errors.clear();
        action.dispatch((ballot_id.get_value(), who, chosen));
    };
    let voter_list = move || {
        voters.get().map(|list| {
            if list.is_empty() {
                return view! { <p class="empty">{tv("paper.none")}</p> }.into_any();
            }
            view! {
                <fieldset class="choices-set">
                    <legend>{move || if by_household { t("paper.household") } else { t("paper.resident") }}</legend>
                    {list.into_iter().map(|v| {
                        let input_id = format!("paper-voter-{list_bid}-{}", v.voter_id);
                        let group = format!("paper-voter-{list_bid}");
                        let (checked, chosen) = (v.voter_id.clone(), v.voter_id.clone());
                        let area = owners.then(|| {
                            let shown = parse_area(&v.area).map(format_area).unwrap_or(v.area.clone());
                            move || tf("paper.area", &[("area", &shown)])
                        });
                        view! {
                            <div class="option">
                                <input type="radio" name=group id=input_id.clone() value=v.voter_id.clone()
                                    data-testid="paper-voter" disabled=v.voted
                                    prop:checked=move || voter.get().as_deref() == Some(checked.as_str())
                                    on:change=move |_| voter.set(Some(chosen.clone())) />
                                <label for=input_id>
                                    {v.label}
                                    {area.map(|area| view! { " · " {area} })}
                                    {v.voted.then(|| view! { " " <span class="tag">{tv("paper.voted")}</span> })}
                                </label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
            }
            .into_any()
        })
    };
    view! {
        <details class="more" on:toggle=on_toggle>
            <summary class="button small" data-testid="paper-open">{tv("paper.title")}</summary>
            <p class="hint">{move || if by_household { t("paper.intro_household") } else { t("paper.intro_resident") }}</p>
            <ErrorBanner message=errors.banner() />
            <Show when=move || recorded.get()>
                <p class="banner banner-ok" role="status" data-testid="paper-recorded">{tv("paper.recorded")}</p>
            </Show>
            <form class="form" role="search" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); find(); }>
                <div class="field">
                    <label for=format!("paper-search-{bid}")>{tv("paper.search")}</label>
                    <div class="inline">
                        <input id=format!("paper-search-{bid}") type="search" maxlength="50" bind:value=search />
                        <button type="submit" class="button" data-testid="paper-search-submit"
                            disabled=move || searching.get()>
                            {tv("ballot.search_submit")}
                        </button>
                    </div>
                </div>
                <div class="field check">
                    <input id=format!("paper-show-voted-{bid}") type="checkbox" prop:checked=move || show_voted.get()
                        on:change=move |ev| {
                            show_voted.set(event_target_checked(&ev));
                            find();
                        } />
                    <label for=format!("paper-show-voted-{bid}")>{tv("paper.show_voted")}</label>
                </div>
            </form>
            <form class="form" on:submit=on_submit novalidate>
                {voter_list}
                {errors.message("voterId", format!("paper-voter-error-{bid}"))}
                <OptionsField ballot=b.clone() selected=selected name=format!("paper-{bid}")
                    testid="paper-option" legend=t("paper.choice") />
                {errors.message("optionIds", format!("paper-options-error-{bid}"))}
                <button type="submit" class="button primary" data-testid="paper-submit"
                    disabled=move || action.pending().get()>
                    {tv("paper.submit")}
                </button>
            </form>
        </details>
    }
    .into_any()
}

// ---- committee: opening a ballot -------------------------------------------------------------

/// Seven days from now, the default closing time.
const WEEK_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;

#[component]
pub fn OpenBallotForm(
    topic_id: String,
    /// The counting rules each electorate may use, as the server offers them.
    rules: Vec<ballots::ElectorateRules>,
    question: String,
    on_opened: Callback<()>,
) -> impl IntoView {
    let question = RwSignal::new(question);
    let kind = RwSignal::new(BallotKind::Motion);
    let options = RwSignal::new(vec![String::new(), String::new()]);
    let abstain = RwSignal::new(true);
    let method = RwSignal::new(VoteMethod::Single);
    let max_choices = RwSignal::new("2".to_string());
    // The first electorate and rule the server offers (households, residents' meeting).
    let first = rules.first().cloned();
    let electorate = RwSignal::new(
        first
            .as_ref()
            .map_or(Electorate::Households, |r| r.electorate),
    );
    let rule = RwSignal::new(
        first
            .and_then(|r| r.rules.first().copied())
            .unwrap_or(DecisionRule::ResidentsMeeting),
    );
    let secret = RwSignal::new(false);
    let closes_at = RwSignal::new(local_input_value(WEEK_MS));
    let errors = FormErrors::new(&[
        "question",
        "options",
        "method",
        "maxChoices",
        "rule",
        "closesAt",
    ]);
    let topic_id = StoredValue::new(topic_id);

    let rules = StoredValue::new(rules);
    let rules_for = move |e: Electorate| {
        rules.with_value(|all| {
            all.iter()
                .find(|r| r.electorate == e)
                .map(|r| r.rules.clone())
                .unwrap_or_default()
        })
    };
    // A rule that does not fit the electorate falls back to the first one offered.
    Effect::new(move || {
        let offered = rules_for(electorate.get());
        if !offered.contains(&rule.get_untracked()) {
            if let Some(first) = offered.first() {
                rule.set(*first);
            }
        }
    });

    let action = Action::new_unsync(|input: &ballots::OpenBallotInput| {
        let input = input.clone();
        async move { ballots::open_ballot(&input).await }
    });
    Effect::new(move || match action.value().get() {
        Some(Ok(_)) => {
            errors.clear();
            on_opened.run(());
        }
        Some(Err(e)) => errors.api(e),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = BallotDraft {
            topic_id: topic_id.get_value(),
            question: question.get_untracked(),
            kind: kind.get_untracked(),
            options: options.get_untracked(),
            abstain_option: abstain.get_untracked(),
            method: method.get_untracked(),
            max_choices: max_choices.get_untracked().trim().parse().unwrap_or(0),
            electorate: electorate.get_untracked(),
            rule: rule.get_untracked(),
            secret: secret.get_untracked(),
            closes_at: local_input_to_utc(&closes_at.get_untracked()),
        };
        match draft.to_input() {
            Ok(input) => {
                errors.clear();
                action.dispatch(input);
            }
            Err(e) => errors.set(FormError::for_field(e.field, e.key)),
        }
    };

    let select_options = |values: Vec<(&'static str, &'static str)>,
                          current: Signal<&'static str>| {
        values
            .into_iter()
            .map(move |(value, key)| {
                view! { <option value=value prop:selected=move || current.get() == value>{move || t(key)}</option> }
            })
            .collect_view()
    };
    let kinds = select_options(
        BallotKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_key()))
            .collect(),
        Signal::derive(move || kind.get().as_str()),
    );
    let methods = move || {
        select_options(
            VoteMethod::ALL
                .iter()
                .map(|m| (m.as_str(), m.label_key()))
                .collect(),
            Signal::derive(move || method.get().as_str()),
        )
    };
    let electorates = select_options(
        rules.with_value(|all| {
            all.iter()
                .map(|r| (r.electorate.as_str(), r.electorate.label_key()))
                .collect()
        }),
        Signal::derive(move || electorate.get().as_str()),
    );
    let rule_options = move || {
        rules_for(electorate.get())
            .into_iter()
            .map(|r| {
                view! { <option value=r.as_str() prop:selected=move || rule.get() == r>{move || t(r.label_key())}</option> }
            })
            .collect_view()
    };
    let option_rows = move || {
        let count = options.with(Vec::len);
        (0..count)
            .map(|i| {
                let id = format!("ballot-option-{}", i + 1);
                view! {
                    <div class="option-edit">
                        <label for=id.clone() class="visually-hidden">
                            {move || tf("open_ballot.option_n", &[("n", &(i + 1).to_string())])}
                        </label>
                        <input id=id type="text" maxlength="100"
                            placeholder=move || tf("open_ballot.option_n", &[("n", &(i + 1).to_string())])
                            prop:value=move || options.with(|o| o.get(i).cloned().unwrap_or_default())
                            on:input=move |ev| {
                                let value = event_target_value(&ev);
                                options.update(|o| if let Some(slot) = o.get_mut(i) { *slot = value; });
                            } />
                        <button type="button" class="button small" data-testid="remove-option"
                            aria-label=move || tf("open_ballot.remove_option", &[("n", &(i + 1).to_string())])
                            disabled=move || { options.with(Vec::len) <= 2 }
                            on:click=move |_| options.update(|o| { if o.len() > 2 { o.remove(i); } })>
                            "×"
                        </button>
                    </div>
                }
            })
            .collect_view()
    };
    let is_choice = move || kind.get() == BallotKind::Choice;

    view! {
        <section class="card" aria-labelledby="open-ballot-title" data-testid="open-ballot">
            <h2 id="open-ballot-title">{tv("open_ballot.title")}</h2>
            <p class="hint">{tv("open_ballot.intro")}</p>
            <ErrorBanner message=errors.banner() />
            <form class="form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="ballot-question">{tv("open_ballot.question")}</label>
                    <textarea id="ballot-question" class="prose" rows="2" maxlength="200"
                        aria-invalid=errors.invalid("question") aria-describedby="ballot-question-error"
                        bind:value=question></textarea>
                    {errors.message("question", "ballot-question-error")}
                </div>
                <div class="field">
                    <label for="ballot-kind">{tv("open_ballot.kind")}</label>
                    <select id="ballot-kind" on:change=move |ev| kind.set(BallotKind::from_wire(&event_target_value(&ev)))>
                        {kinds}
                    </select>
                    <p class="hint">{move || if is_choice() { t("open_ballot.kind_choice_hint") } else { t("open_ballot.kind_motion_hint") }}</p>
                </div>
                <Show when=is_choice>
                    <fieldset class="field choices-set" aria-describedby="ballot-options-error">
                        <legend>{tv("open_ballot.options")}</legend>
                        {option_rows}
                        <button type="button" class="button small" data-testid="add-option"
                            disabled=move || { options.with(Vec::len) >= ballots::MAX_OPTIONS - 1 }
                            on:click=move |_| options.update(|o| o.push(String::new()))>
                            {tv("open_ballot.add_option")}
                        </button>
                        {errors.message("options", "ballot-options-error")}
                    </fieldset>
                    <div class="field check">
                        <input id="ballot-abstain" type="checkbox" bind:checked=abstain />
                        <label for="ballot-abstain">{tv("open_ballot.abstain")}</label>
                    </div>
                    <div class="field">
                        <label for="ballot-method">{tv("open_ballot.method")}</label>
                        <select id="ballot-method" on:change=move |ev| method.set(VoteMethod::from_wire(&event_target_value(&ev)))>
                            {methods}
                        </select>
                    </div>
                    <Show when=move || method.get() == VoteMethod::Approval>
                        <div class="field">
                            <label for="ballot-max-choices">{tv("open_ballot.max_choices")}</label>
                            <input id="ballot-max-choices" type="number" inputmode="numeric" min="1" step="1"
                                aria-invalid=errors.invalid("maxChoices") aria-describedby="ballot-max-choices-error"
                                bind:value=max_choices />
                            {errors.message("maxChoices", "ballot-max-choices-error")}
                        </div>
                    </Show>
                </Show>
                <div class="field">
                    <label for="ballot-electorate">{tv("open_ballot.electorate")}</label>
                    <select id="ballot-electorate" aria-describedby="ballot-electorate-hint"
                        on:change=move |ev| electorate.set(Electorate::from_wire(&event_target_value(&ev)))>
                        {electorates}
                    </select>
                    <p class="hint" id="ballot-electorate-hint">{tv("open_ballot.electorate_hint")}</p>
                </div>
                <div class="field">
                    <label for="ballot-rule">{tv("open_ballot.rule")}</label>
                    <select id="ballot-rule" aria-invalid=errors.invalid("rule")
                        aria-describedby="ballot-rule-explain ballot-rule-error"
                        on:change=move |ev| rule.set(DecisionRule::from_wire(&event_target_value(&ev)))>
                        {rule_options}
                    </select>
                    <p class="hint rule-explain" id="ballot-rule-explain" data-testid="rule-explanation">
                        {move || t(rule.get().explain_key(electorate.get()))}
                    </p>
                    // Some rules are offered to another electorate only (the Civil Code's to owners).
                    <Show when=move || rules.with_value(|all| all.iter().any(|r| r.rules.len() > rules_for(electorate.get()).len()))>
                        <p class="hint">{tv("open_ballot.owners_rules_note")}</p>
                    </Show>
                    {errors.message("rule", "ballot-rule-error")}
                </div>
                <div class="field check">
                    <input id="ballot-secret" type="checkbox" aria-describedby="ballot-secret-hint" bind:checked=secret />
                    <label for="ballot-secret">{tv("open_ballot.secret")}</label>
                </div>
                <p class="hint" id="ballot-secret-hint">{tv("open_ballot.secret_hint")}</p>
                <div class="field">
                    <label for="ballot-closes-at">{tv("open_ballot.closes_at")}</label>
                    <input id="ballot-closes-at" type="datetime-local"
                        aria-invalid=errors.invalid("closesAt") aria-describedby="ballot-closes-at-hint ballot-closes-at-error"
                        bind:value=closes_at />
                    <p class="hint" id="ballot-closes-at-hint">{tv("open_ballot.closes_at_hint")}</p>
                    {errors.message("closesAt", "ballot-closes-at-error")}
                </div>
                <button type="submit" class="button primary" data-testid="open-ballot-submit"
                    disabled=move || action.pending().get()>
                    {move || if action.pending().get() { t("ballot.sending") } else { t("open_ballot.submit") }}
                </button>
            </form>
        </section>
    }
}
