//! `/ballots/:id/receipt`: a voter checks that the ballot box holds their vote as cast; after
//! the ballot closes, anyone can recount the published bulletin and compare it with the result.

use crate::api::ballots::{self, Ballot, BulletinEntry};
use crate::api::roll;
use crate::api::ApiError;
use crate::components::{error_text, ErrorBanner, FormError, FormErrors, Loading, WithPack};
use crate::i18n::{current_lang, k, t, tf, tv};
use crate::tally::{format_area, format_count, option_label, parse_area};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn ReceiptCheck() -> impl IntoView {
    view! { <WithPack pack="verify" and="ballot" page=|| view! { <ReceiptCheckPage /> } /> }
}

#[component]
fn ReceiptCheckPage() -> impl IntoView {
    let id = crate::modules::use_path_id();
    let ballot = LocalResource::new(move || {
        let id = id.get();
        async move { ballots::ballot(&id).await }
    });
    let body = move || match ballot.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => {
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }
                .into_any()
        }
        Some(Ok(b)) => view! { <ReceiptForm b=b /> }.into_any(),
    };
    view! {
        <section class="page narrow">
            <h1>{tv("check.title")}</h1>
            {body}
        </section>
    }
}

#[component]
fn ReceiptForm(b: Ballot) -> impl IntoView {
    let receipt = RwSignal::new(String::new());
    let errors = FormErrors::new(&["receipt"]);
    let ballot_id = StoredValue::new(b.id().to_string());
    let shared = StoredValue::new(b.clone());
    let action = Action::new_unsync(|(id, receipt): &(String, String)| {
        let (id, receipt) = (id.clone(), receipt.clone());
        async move { ballots::verify_receipt(&id, &receipt).await }
    });
    Effect::new(move || {
        if let Some(Err(e)) = action.value().get() {
            errors.api(e);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let code = ballots::normalise_receipt(&receipt.get_untracked());
        if code.is_empty() {
            errors.set(FormError::for_field(
                "receipt",
                k("ballot.receipt_required"),
            ));
            return;
        }
        errors.clear();
        action.dispatch((ballot_id.get_value(), code));
    };
    let outcome = move || {
        action.value().get().and_then(Result::ok).map(|check| {
            if check.found {
                let chosen = shared.with_value(|b| {
                    check
                        .option_ids
                        .iter()
                        .map(|id| {
                            b.options
                                .iter()
                                .find(|o| &o.id == id)
                                .map(|o| option_label(current_lang(), b.kind, o.role, &o.label))
                                .unwrap_or_else(|| id.clone())
                        })
                        .collect::<Vec<_>>()
                        .join(&t("common.list_separator"))
                });
                view! {
                    <p class="banner banner-ok" role="status" data-testid="receipt-found">
                        {move || tf("check.found", &[("options", &chosen)])}
                    </p>
                }
                .into_any()
            } else {
                view! {
                    <p class="banner banner-error" role="status" data-testid="receipt-not-found">
                        {tv("check.not_found")}
                    </p>
                }
                .into_any()
            }
        })
    };
    let topic_link = b.topic_id.clone().map(|topic| {
        view! { <p><a href=format!("/topics/{topic}") class="back-link">{tv("check.back_to_topic")}</a></p> }
    });
    let closed = !b.is_open();
    view! {
        {topic_link}
        <p class="ballot-question">{b.question.clone()}</p>
        <p class="hint">{tv("check.intro")}</p>
        <ErrorBanner message=errors.banner() />
        <form class="form" on:submit=on_submit novalidate>
            <div class="field">
                <label for="receipt-input">{tv("ballot.your_receipt")}</label>
                <input id="receipt-input" type="text" autocomplete="off" autocapitalize="characters"
                    spellcheck="false" maxlength="100"
                    aria-invalid=errors.invalid("receipt") aria-describedby="receipt-input-error"
                    bind:value=receipt />
                {errors.message("receipt", "receipt-input-error")}
            </div>
            <button type="submit" class="button primary" data-testid="verify-receipt"
                disabled=move || action.pending().get()>
                {tv("check.submit")}
            </button>
        </form>
        <div aria-live="polite">{outcome}</div>
        {if closed {
            view! { <Bulletin b=b /> }.into_any()
        } else {
            view! { <p class="hint">{tv("check.bulletin_after_close")}</p> }.into_any()
        }}
    }
}

/// The published bulletin, recounted here.
#[component]
fn Bulletin(b: Ballot) -> impl IntoView {
    let entries = RwSignal::new(None::<Vec<BulletinEntry>>);
    let error = RwSignal::new(None::<ApiError>);
    let loading = RwSignal::new(false);
    let ballot_id = StoredValue::new(b.id().to_string());
    let shared = StoredValue::new(b);
    let load = move |_| {
        loading.set(true);
        spawn_local(async move {
            match ballots::bulletin(&ballot_id.get_value()).await {
                Ok(list) => {
                    entries.set(Some(list));
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            loading.set(false);
        });
    };
    let recount = move || {
        let list = entries.get()?;
        let (matches, counted) = shared.with_value(|b| {
            (
                ballots::recount_matches(b, &list),
                ballots::recount(b, &list),
            )
        });
        let rows = shared.with_value(|b| {
            let has_area = b.electorate.has_area();
            b.options
                .iter()
                .map(|o| {
                    let published = b
                        .tally
                        .result
                        .as_ref()
                        .and_then(|r| r.options.iter().find(|p| p.id == o.id));
                    let mine = counted
                        .as_ref()
                        .and_then(|c| c.options.iter().find(|(id, _, _)| *id == o.id));
                    // Votes, and on a line of its own the area (owners).
                    let cell = |votes: Option<i64>, area: Option<i64>| {
                        let votes = votes.map(format_count).unwrap_or_else(|| "?".into());
                        let area = has_area.then(|| {
                            format!("{} m²", area.map(format_area).unwrap_or_else(|| "?".into()))
                        });
                        view! {
                            <td>
                                <span class="nowrap">{votes}</span>
                                {area.map(|a| view! { <span class="nowrap block muted">{a}</span> })}
                            </td>
                        }
                    };
                    let published_cell = cell(
                        published.map(|p| p.votes),
                        published.and_then(|p| parse_area(&p.area)),
                    );
                    let recount_cell = cell(mine.map(|m| m.1), mine.map(|m| m.2));
                    let label = option_label(current_lang(), b.kind, o.role, &o.label);
                    view! {
                        <tr>
                            <th scope="row">{label}</th>
                            {published_cell}
                            {recount_cell}
                        </tr>
                    }
                })
                .collect_view()
        });
        let count = list.len().to_string();
        Some(view! {
            <p data-testid="bulletin-count">{move || tf("check.bulletin_count", &[("count", &count)])}</p>
            <table class="recount">
                <thead>
                    <tr>
                        <th scope="col">{tv("check.option")}</th>
                        <th scope="col">{tv("check.published")}</th>
                        <th scope="col">{tv("check.recounted")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <p class=if matches { "banner banner-ok" } else { "banner banner-error" }
                data-testid="recount-match" data-match=matches.to_string()>
                {move || if matches { t("check.recount_ok") } else { t("check.recount_bad") }}
            </p>
        })
    };
    view! {
        <section class="card" aria-labelledby="bulletin-title">
            <h2 id="bulletin-title">{tv("check.bulletin_title")}</h2>
            <p class="hint">{tv("check.bulletin_intro")}</p>
            <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
            <button type="button" class="button wide" data-testid="show-bulletin"
                disabled=move || loading.get() on:click=load>
                {move || if loading.get() { t("common.loading") } else { t("check.bulletin_load") }}
            </button>
            <div aria-live="polite">{recount}</div>
            <BulletinCsv ballot_id=ballot_id.get_value() />
        </section>
    }
}

/// The whole bulletin as a CSV file, for a spreadsheet recount (fetched with the session's token).
#[component]
fn BulletinCsv(ballot_id: String) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let ballot_id = StoredValue::new(ballot_id);
    let download = move |_| {
        saving.set(true);
        spawn_local(async move {
            match roll::download_bulletin_csv(&ballot_id.get_value()).await {
                Ok(()) => error.set(None),
                Err(e) => error.set(Some(e)),
            }
            saving.set(false);
        });
    };
    view! {
        <p class="hint">{tv("check.csv_intro")}</p>
        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
        <button type="button" class="button wide" data-testid="download-bulletin-csv"
            disabled=move || saving.get() on:click=download>
            {move || if saving.get() { t("common.loading") } else { t("check.csv_download") }}
        </button>
    }
}
