//! `/committee/roster`: import the roster CSV; show every bad row, or the new invite codes
//! once, with printable slips (one per household).

use crate::api::identity::CommunityRef;
use crate::api::roster::{self, HouseholdSlip, Invite, RosterImport as Imported};
use crate::api::RowError;
use crate::components::{claim_url, error_text, format_date, CommitteeOnly, ErrorBanner, WithPack};
use crate::i18n::{dynamic_key, k, place, t, tf, tv, ROSTER_COLUMNS};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;

/// A column's display name; one the portal does not know is shown as sent.
fn column_name(column: &str) -> String {
    if ROSTER_COLUMNS.contains(&column) {
        t(&dynamic_key("roster.column.", column, "name"))
    } else {
        column.to_string()
    }
}

/// "第 N 行：reason" (with the column when the server names one).
pub fn row_error_text(row: &RowError) -> String {
    let reason = t(&dynamic_key("roster.reason.", &row.reason, "UNKNOWN"));
    let line = row.line.to_string();
    match (row.line > 0, row.column.as_deref()) {
        (true, Some(column)) => tf(
            "roster.row_error_column",
            &[
                ("line", &line),
                ("column", &column_name(column)),
                ("reason", &reason),
            ],
        ),
        (true, None) => tf("roster.row_error", &[("line", &line), ("reason", &reason)]),
        (false, _) => tf("roster.file_error", &[("reason", &reason)]),
    }
}

/// Reads an uploaded CSV: UTF-8 (a BOM is dropped), else GB18030 — what Excel on a Chinese
/// Windows saves by default.
async fn read_csv_file(file: web_sys::File) -> Option<String> {
    let buffer = JsFuture::from(file.array_buffer()).await.ok()?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let decoder = web_sys::TextDecoder::new_with_label("gb18030").ok()?;
            decoder.decode_with_u8_array(e.as_bytes()).ok()?
        }
    };
    Some(text.trim_start_matches('\u{feff}').to_string())
}

#[component]
pub fn RosterImport() -> impl IntoView {
    view! { <WithPack pack="roster" page=|| view! { <RosterImportPage /> } /> }
}

#[component]
fn RosterImportPage() -> impl IntoView {
    view! {
        <section class="page">
            <h1 class="screen-only">{tv("roster.title")}</h1>
            <CommitteeOnly can=|c| c.manage_roster page=|community| view! { <RosterForm community=community /> } />
        </section>
    }
}

#[component]
fn RosterForm(community: CommunityRef) -> impl IntoView {
    let csv = RwSignal::new(String::new());
    let file_name = RwSignal::new(None::<String>);
    let local_error = RwSignal::new(None::<&'static str>);
    let community_id = community.id.clone();
    let community_name = community.name.clone();

    let action = Action::new_unsync(|(community_id, csv): &(String, String)| {
        let (community_id, csv) = (community_id.clone(), csv.clone());
        async move { roster::import_roster(&community_id, &csv).await }
    });

    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            file_name.set(Some(file.name()));
            // Choosing the same file again (after an import) is a change too.
            input.set_value("");
            spawn_local(async move {
                match read_csv_file(file).await {
                    Some(text) => {
                        csv.set(text);
                        local_error.set(None);
                    }
                    None => local_error.set(Some(k("roster.file_unreadable"))),
                }
            });
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = csv.get_untracked();
        if text.trim().is_empty() {
            local_error.set(Some(k("roster.csv_required")));
            // Keep a done import's invite codes on screen; drop a failed one's row errors.
            if action.value().with_untracked(|v| matches!(v, Some(Err(_)))) {
                action.value().set(None);
            }
        } else {
            local_error.set(None);
            action.dispatch((community_id.clone(), text));
        }
    };

    // A done import empties the text box, so a second tap cannot import the same rows again.
    Effect::new(move || {
        if action.value().with(|v| matches!(v, Some(Ok(_)))) {
            csv.set(String::new());
            file_name.set(None);
        }
    });

    let outcome = move || {
        let local = local_error.get().map(|key| {
            view! { <ErrorBanner message=Signal::derive(move || Some(t(key))) /> }
        });
        let result = match action.value().get() {
            None => ().into_any(),
            Some(Ok(imported)) => {
                view! { <ImportResult imported=imported community_name=community_name.clone() /> }
                    .into_any()
            }
            Some(Err(error)) if !error.rows.is_empty() => {
                view! { <RowErrors rows=error.rows /> }.into_any()
            }
            Some(Err(error)) => {
                view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&error))) /> }
                    .into_any()
            }
        };
        view! { {local} {result} }
    };

    view! {
        <div class="screen-only">
            <p class="muted">{community.name.clone()}</p>
            <p>{tv("roster.intro")}</p>
            <p>{tv("roster.format")}</p>
            <pre class="sample" data-testid="roster-sample">{tv("roster.csv_header")}</pre>
            <p class="hint">{tv("roster.format_notes")}</p>
        </div>
        <form class="form screen-only" on:submit=on_submit novalidate>
            <div class="field">
                // The native file button speaks the browser's language and is small: it is
                // hidden (still focusable) behind its label, styled as a big button.
                <input id="roster-file" class="file-input" type="file" accept=".csv,text/csv" on:change=on_file />
                <label for="roster-file" class="button file-button">{tv("roster.file")}</label>
                <p class="hint" data-testid="roster-file-name">
                    {move || file_name.get().map(|name| tf("roster.file_chosen", &[("name", &name)]))}
                </p>
            </div>
            <div class="field">
                <label for="roster-csv">{tv("roster.csv")}</label>
                <textarea id="roster-csv" rows="10" spellcheck="false" autocomplete="off"
                    bind:value=csv></textarea>
            </div>
            <button type="submit" class="button primary" data-testid="roster-submit"
                disabled=move || action.pending().get()>
                {move || if action.pending().get() { t("roster.submitting") } else { t("roster.submit") }}
            </button>
        </form>
        <div aria-live="polite">{outcome}</div>
    }
}

#[component]
fn RowErrors(mut rows: Vec<RowError>) -> impl IntoView {
    rows.sort_by_key(|r| r.line);
    let count = rows.len().to_string();
    view! {
        <div class="banner banner-error" role="alert" data-testid="error">
            <p>{move || tf("roster.rejected", &[("count", &count)])}</p>
            <ul class="row-errors" data-testid="roster-errors">
                {rows
                    .into_iter()
                    .map(|row| view! { <li>{move || row_error_text(&row)}</li> })
                    .collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn ImportResult(imported: Imported, community_name: String) -> impl IntoView {
    let counts = [imported.created, imported.updated, imported.unchanged].map(|n| n.to_string());
    let summary = move || {
        tf(
            "roster.summary",
            &[
                ("created", &counts[0]),
                ("updated", &counts[1]),
                ("unchanged", &counts[2]),
            ],
        )
    };
    let slips = roster::slips(&imported.invites);
    let invites = imported.invites;
    let has_invites = !invites.is_empty();
    view! {
        <section class="card screen-only" aria-labelledby="roster-result-title">
            <h2 id="roster-result-title">{tv("roster.done")}</h2>
            <p class="banner banner-ok" role="status" data-testid="roster-summary">{summary}</p>
            {if has_invites {
                view! {
                    <p class="banner banner-warning" data-testid="roster-invites-warning">
                        {tv("roster.invites_once")}
                    </p>
                    <button type="button" class="button primary" data-testid="print-slips"
                        on:click=|_| {
                            if let Some(window) = web_sys::window() {
                                let _ = window.print();
                            }
                        }>
                        {tv("roster.print")}
                    </button>
                    <ul class="invites" data-testid="roster-invites">
                        {invites.into_iter().map(|invite| view! { <InviteItem invite=invite /> }).collect_view()}
                    </ul>
                }
                .into_any()
            } else {
                view! { <p data-testid="roster-no-invites">{tv("roster.no_invites")}</p> }.into_any()
            }}
        </section>
        <section class="slips print-only" data-testid="slips">
            {slips
                .into_iter()
                .map(|slip| view! { <Slip slip=slip community_name=community_name.clone() /> })
                .collect_view()}
        </section>
    }
}

#[component]
fn InviteItem(invite: Invite) -> impl IntoView {
    let place = {
        let (building, unit) = (invite.building.clone(), invite.unit.clone());
        move || place(&building, &unit)
    };
    view! {
        <li class="invite" data-testid="invite" data-resident-id=invite.resident_id.clone()>
            <p class="invite-who">
                <strong>{invite.name.clone()}</strong>
                " "
                <span class="muted">{invite.phone.clone()}</span>
            </p>
            <p class="muted">{place}</p>
            <p>
                <span class="visually-hidden">{tv("roster.code")}</span>
                <code class="code" data-testid="invite-code-value">{invite.code.clone()}</code>
            </p>
        </li>
    }
}

/// One printed slip: everything a household needs to claim its accounts.
#[component]
fn Slip(slip: HouseholdSlip, community_name: String) -> impl IntoView {
    let url = claim_url();
    let expires = slip
        .invites
        .first()
        .map(|i| i.expires_at.clone())
        .unwrap_or_default();
    let place = {
        let (building, unit) = (slip.building.clone(), slip.unit.clone());
        move || place(&building, &unit)
    };
    view! {
        <article class="slip">
            <h2 class="slip-title">{tv("app.name")} " · " {community_name.clone()}</h2>
            <p class="slip-place">{place}</p>
            <table class="slip-codes">
                <thead>
                    <tr>
                        <th scope="col">{tv("slip.name")}</th>
                        <th scope="col">{tv("slip.code")}</th>
                    </tr>
                </thead>
                <tbody>
                    {slip
                        .invites
                        .into_iter()
                        .map(|i| view! {
                            <tr>
                                <td>{i.name}</td>
                                <td><code class="code">{i.code}</code></td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
            <p class="slip-how">{tv("slip.how")}</p>
            <ol class="slip-steps">
                <li>{move || tf("slip.step_open", &[("url", &url)])}</li>
                <li>{tv("slip.step_claim")}</li>
                <li>{tv("slip.step_signin")}</li>
            </ol>
            <p class="slip-note">
                {move || tf("slip.expires", &[("date", &format_date(&expires))])} " "
                {tv("slip.keep_secret")}
            </p>
        </article>
    }
}
