//! `/ballots/:id/notice`: the result notice (公示) of a closed ballot, for the notice board:
//! the question, the rule, who could vote, turnout, the count per option, each threshold with
//! what it required and what was achieved, the outcome and the bulletin's fingerprint. Every
//! figure and every judgement is the server's (`Ballot.notice`); this page only lays it out.

use crate::api::ballots::{ThresholdComparison, ThresholdMeasure, ThresholdStage};
use crate::api::roll::{self, Notice, NoticeThreshold};
use crate::components::{error_text, format_time, ErrorBanner, Loading};
use crate::i18n::{current_lang, k, t, tf, tv};
use crate::tally::{format_area, format_count, option_label, parse_area, unit_key};
use leptos::prelude::*;

#[component]
pub fn ResultNoticePage() -> impl IntoView {
    view! { <crate::components::WithPack pack="ballot" page=|| view! { <ResultNoticeView /> } /> }
}

#[component]
fn ResultNoticeView() -> impl IntoView {
    let id = crate::modules::use_path_id();
    let loaded = LocalResource::new(move || {
        let id = id.get();
        async move { roll::notice(&id).await }
    });
    let body = move || {
        match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => {
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }
                .into_any()
        }
        Some(Ok(None)) => {
            view! { <p class="banner banner-warning" data-testid="no-notice">{tv("notice.not_yet")}</p> }
                .into_any()
        }
        Some(Ok(Some(n))) => view! { <NoticeView n=n /> }.into_any(),
    }
    };
    view! {
        <section class="page notice-page">
            <h1>{tv("notice.title")}</h1>
            {body}
        </section>
    }
}

fn figure(measure: ThresholdMeasure, raw: &str) -> String {
    match measure {
        ThresholdMeasure::Area => parse_area(raw)
            .map(|a| format!("{} m²", format_area(a)))
            .unwrap_or_else(|| raw.to_string()),
        _ => raw
            .parse::<i64>()
            .map(format_count)
            .unwrap_or_else(|_| raw.to_string()),
    }
}

fn threshold_row(th: NoticeThreshold, unit: String) -> impl IntoView {
    let what = match (th.stage, th.measure) {
        (ThresholdStage::Turnout, ThresholdMeasure::Area) => t("notice.turnout_area"),
        (ThresholdStage::Turnout, _) => tf("notice.turnout_count", &[("unit", &unit)]),
        (_, ThresholdMeasure::Area) => tf(
            "notice.support_area",
            &[("option", th.option_label.as_deref().unwrap_or_default())],
        ),
        _ => tf(
            "notice.support_count",
            &[("option", th.option_label.as_deref().unwrap_or_default())],
        ),
    };
    let sign = match th.comparison {
        ThresholdComparison::AtLeast => "≥",
        _ => ">",
    };
    let required = tf(
        "notice.required",
        &[
            ("bar", &format!("{sign}{}", th.fraction)),
            ("base", &figure(th.measure, &th.base)),
            ("least", &figure(th.measure, &th.required)),
        ],
    );
    let verdict = if th.met {
        t("notice.met")
    } else {
        t("notice.not_met")
    };
    view! {
        <tr data-testid="notice-threshold" data-met=th.met.to_string()>
            <td>{what}</td>
            <td>{required}</td>
            <td>{figure(th.measure, &th.achieved)} " " {if th.met { "✓ " } else { "✗ " }}{verdict}</td>
        </tr>
    }
}

#[component]
fn NoticeView(n: Notice) -> impl IntoView {
    let lang = current_lang();
    let unit = t(unit_key(n.electorate));
    let has_area = n.electorate.has_area();
    let kind = n.kind;
    let scope = match &n.scope {
        Some(list) => list
            .iter()
            .map(|b| b.name.clone())
            .collect::<Vec<_>>()
            .join(&t("common.list_separator")),
        None => t("notice.scope_all"),
    };
    let period = tf(
        "notice.period",
        &[
            ("opened", &format_time(&n.opened_at)),
            (
                "closed",
                &format_time(n.closed_at.as_deref().unwrap_or_default()),
            ),
        ],
    );
    let turnout = tf(
        "notice.turnout",
        &[
            ("part", &format_count(n.turnout_count)),
            ("whole", &format_count(n.eligible_count)),
            ("unit", &unit),
        ],
    );
    let turnout_area = has_area.then(|| {
        tf(
            "notice.turnout_area_line",
            &[
                ("part", &figure(ThresholdMeasure::Area, &n.turnout_area)),
                ("whole", &figure(ThresholdMeasure::Area, &n.eligible_area)),
            ],
        )
    });
    let outcome_key = n.outcome.label_key();
    let options = n
        .options
        .iter()
        .map(|o| {
            let label = option_label(lang, kind, o.role, &o.label);
            let adopted = o.adopted;
            view! {
                <tr data-testid="notice-option">
                    <td>{label}</td>
                    <td class="nowrap">{format_count(o.votes)}</td>
                    {has_area.then(|| view! { <td class="nowrap">{figure(ThresholdMeasure::Area, &o.area)}</td> })}
                    <td>{if adopted { t("notice.adopted") } else { String::new() }}</td>
                </tr>
            }
        })
        .collect_view();
    let thresholds = n
        .thresholds
        .clone()
        .into_iter()
        .map(|th| threshold_row(th, unit.clone()))
        .collect_view();
    let no_thresholds = n.thresholds.is_empty();
    let bulletin = tf(
        "notice.bulletin",
        &[("entries", &format_count(n.bulletin_entries))],
    );
    view! {
        <dl class="facts">
            <dt>{tv("notice.community")}</dt>
            <dd data-testid="notice-community">{n.community_name.clone()}</dd>
            {n.topic_title.clone().map(|title| view! {
                <dt>{tv("notice.topic")}</dt>
                <dd>{title}</dd>
            })}
            <dt>{tv("notice.question")}</dt>
            <dd data-testid="notice-question">{n.question.clone()}</dd>
            <dt>{tv("notice.rule")}</dt>
            <dd>{t(n.rule.label_key())}</dd>
            <dt>{tv("notice.electorate")}</dt>
            <dd>{t(n.electorate.label_key())} " · " {scope}</dd>
            <dt>{tv("notice.when")}</dt>
            <dd>{period}</dd>
            {n.extend_reason.clone().map(|reason| view! {
                <dt>{tv("notice.extended")}</dt>
                <dd>{reason}</dd>
            })}
            <dt>{tv("notice.turnout_title")}</dt>
            <dd data-testid="notice-turnout">{turnout} {turnout_area.map(|a| view! { " · " {a} })}</dd>
        </dl>
        <h2>{tv("notice.options")}</h2>
        <table class="recount" data-testid="notice-options">
            <thead>
                <tr>
                    <th scope="col">{tv("notice.option")}</th>
                    <th scope="col">{tv("notice.votes")}</th>
                    {has_area.then(|| view! { <th scope="col">{tv("notice.area")}</th> })}
                    <th scope="col">{tv("notice.adopted_col")}</th>
                </tr>
            </thead>
            <tbody>{options}</tbody>
        </table>
        <h2>{tv("notice.thresholds")}</h2>
        {if no_thresholds {
            view! { <p data-testid="notice-plurality">{tv("notice.plurality")}</p> }.into_any()
        } else {
            view! {
                <table class="recount" data-testid="notice-thresholds">
                    <thead>
                        <tr>
                            <th scope="col">{tv("notice.what")}</th>
                            <th scope="col">{tv("notice.requirement")}</th>
                            <th scope="col">{tv("notice.achieved")}</th>
                        </tr>
                    </thead>
                    <tbody>{thresholds}</tbody>
                </table>
            }
            .into_any()
        }}
        <p class="notice-outcome">
            {tv("notice.outcome")} " "
            <strong data-testid="notice-outcome" data-outcome=n.outcome.as_str()>{t(outcome_key)}</strong>
        </p>
        <p class="hint">{bulletin}</p>
        <p class="hint"><code class="code digest" data-testid="notice-digest">{n.bulletin_digest.clone()}</code></p>
        <button type="button" class="button primary screen-only" data-testid="print-notice"
            on:click=|_| {
                if let Some(window) = web_sys::window() {
                    let _ = window.print();
                }
            }>
            {tv("notice.print")}
        </button>
        <p class="hint">{move || t(k("notice.footer"))}</p>
    }
}
