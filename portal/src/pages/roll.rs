//! `/ballots/:id/roll`: the named roll (记名表决) of a closed non-secret ballot, for the committee
//! to print and post or file: the question, then per voter where they live, who they are, what
//! they chose and how the vote came in. The server decides who may read it; a secret ballot has
//! none, ever.

use crate::api::ballots::{self, Ballot};
use crate::api::roll::{self, NamedVote};
use crate::api::ApiError;
use crate::components::{error_text, format_time, ErrorBanner, Loading, WithPack};
use crate::i18n::{current_lang, k, place, t, tf, tv};
use crate::tally::option_label;
use leptos::prelude::*;

#[component]
pub fn NamedRoll() -> impl IntoView {
    view! { <WithPack pack="verify" and="ballot" page=|| view! { <NamedRollPage /> } /> }
}

#[component]
fn NamedRollPage() -> impl IntoView {
    let id = crate::modules::use_path_id();
    let loaded = LocalResource::new(move || {
        let id = id.get();
        async move {
            let ballot = ballots::ballot(&id).await?;
            let roll = roll::named_roll(&id).await?;
            Ok::<_, ApiError>((ballot, roll))
        }
    });
    let body = move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => {
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }
                .into_any()
        }
        Some(Ok((b, None))) => {
            let why = if b.named {
                k("roll.not_yet")
            } else {
                k("roll.secret")
            };
            view! { <p class="banner banner-warning" data-testid="no-roll">{move || t(why)}</p> }
                .into_any()
        }
        Some(Ok((b, Some(lines)))) => view! { <Roll b=b lines=lines /> }.into_any(),
    };
    view! {
        <section class="page">
            <h1>{tv("roll.title")}</h1>
            {body}
        </section>
    }
}

#[component]
fn Roll(b: Ballot, lines: Vec<NamedVote>) -> impl IntoView {
    let topic_link = b.topic_id.clone().map(|topic| {
        view! { <p class="screen-only"><a href=format!("/topics/{topic}") class="back-link">{tv("check.back_to_topic")}</a></p> }
    });
    let closed_at = b.tally.closed_at.clone().unwrap_or(b.closes_at.clone());
    let count = lines.len().to_string();
    let eligible = b.tally.eligible_count.to_string();
    let has_area = b.electorate.has_area();
    let kind = b.kind;
    let options = b.options.clone();
    let rows = lines
        .into_iter()
        .map(|line| {
            let choice = line
                .option_ids
                .iter()
                .zip(&line.option_labels)
                .map(|(id, label)| {
                    options
                        .iter()
                        .find(|o| &o.id == id)
                        .map(|o| option_label(current_lang(), kind, o.role, label))
                        .unwrap_or_else(|| label.clone())
                })
                .collect::<Vec<_>>()
                .join(&t("common.list_separator"));
            let channel = if line.channel == "PAPER" {
                t("roll.channel_paper")
            } else {
                t("roll.channel_online")
            };
            let area =
                has_area.then(|| view! { <td class="nowrap">{format!("{} m²", line.area)}</td> });
            view! {
                <tr data-testid="roll-line" data-voter=line.voter_id.clone()>
                    <td>{place(&line.building, &line.unit)}</td>
                    <td>{line.name.clone()}</td>
                    <td data-testid="roll-choice">{choice}</td>
                    <td>{channel}</td>
                    {area}
                </tr>
            }
        })
        .collect_view();
    view! {
        {topic_link}
        <p class="ballot-question" data-testid="roll-question">{b.question.clone()}</p>
        <p class="hint">
            {move || tf("roll.closed_at", &[("time", &format_time(&closed_at))])}
            " "
            {move || tf("roll.count", &[("count", &count), ("eligible", &eligible)])}
        </p>
        <p class="hint screen-only">{tv("roll.intro")}</p>
        <button type="button" class="button primary screen-only" data-testid="print-roll"
            on:click=|_| {
                if let Some(window) = web_sys::window() {
                    let _ = window.print();
                }
            }>
            {tv("roll.print")}
        </button>
        <table class="recount roll" data-testid="named-roll">
            <thead>
                <tr>
                    <th scope="col">{tv("roll.place")}</th>
                    <th scope="col">{tv("roll.name")}</th>
                    <th scope="col">{tv("roll.choice")}</th>
                    <th scope="col">{tv("roll.channel")}</th>
                    {has_area.then(|| view! { <th scope="col">{tv("roll.area")}</th> })}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
