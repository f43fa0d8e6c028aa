//! `/claim`: a resident turns the invite code from the committee into a password.
//! `/claim?code=…` fills the code in.

use crate::api::identity;
use crate::api::{ApiError, ErrorCode};
use crate::app::use_app;
use crate::components::{error_text, ErrorBanner, WithPack};
use crate::i18n::{k, t, tf, tv};
use crate::nav::use_query_map;
use leptos::prelude::*;

fn claim_error(error: &ApiError) -> String {
    // A wrong, used or expired code; how the server words it is not the resident's concern.
    let bad_code = error.is(ErrorCode::NotFound)
        || error.is(ErrorCode::Unauthenticated)
        || error.is(ErrorCode::InvalidState)
        || (error.is(ErrorCode::BadUserInput) && error.field.as_deref() == Some("code"));
    if bad_code {
        t("claim.failed")
    } else {
        error_text(error)
    }
}

/// `/claim`: its text is the `claim` pack.
#[component]
pub fn Claim() -> impl IntoView {
    view! { <WithPack pack="claim" page=|| view! { <ClaimForm /> } /> }
}

#[component]
fn ClaimForm() -> impl IntoView {
    let app = use_app();
    let query = use_query_map();
    let code = RwSignal::new(query.get_untracked().get("code").unwrap_or_default());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let show_password = RwSignal::new(false);
    let local_error = RwSignal::new(None::<&'static str>);

    let action = Action::new_unsync(|(code, password): &(String, String)| {
        let (code, password) = (code.clone(), password.clone());
        async move { identity::claim_invite(&code, &password).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = action.value().get() {
            app.signed_in.set(true);
        }
    });
    let limits = [
        identity::PASSWORD_MIN.to_string(),
        identity::PASSWORD_MAX.to_string(),
    ];
    let message = Signal::derive(move || {
        if let Some(key) = local_error.get() {
            return Some(tf(key, &[("min", &limits[0]), ("max", &limits[1])]));
        }
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| claim_error(&e))
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let code = identity::normalise_code(&code.get_untracked());
        let password = password.get_untracked();
        let checked = if code.is_empty() {
            Err(k("claim.code_required"))
        } else {
            identity::check_new_password(&password, &confirm.get_untracked())
        };
        match checked {
            Ok(()) => {
                local_error.set(None);
                action.dispatch((code, password));
            }
            Err(key) => local_error.set(Some(key)),
        }
    };
    let password_type = move || {
        if show_password.get() {
            "text"
        } else {
            "password"
        }
    };
    let rule = move || {
        tf(
            "claim.password_rule",
            &[
                ("min", &identity::PASSWORD_MIN.to_string()),
                ("max", &identity::PASSWORD_MAX.to_string()),
            ],
        )
    };

    view! {
        <section class="page narrow">
            <h1>{tv("claim.title")}</h1>
            <p>{tv("claim.intro")}</p>
            <ErrorBanner message=message />
            <form class="form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="invite-code">{tv("claim.code")}</label>
                    <input id="invite-code" name="code" type="text" autocomplete="one-time-code"
                        autocapitalize="characters" spellcheck="false" maxlength="64" bind:value=code />
                </div>
                <div class="field">
                    <label for="new-password">{tv("claim.password")}</label>
                    <input id="new-password" name="new-password" autocomplete="new-password" maxlength="128"
                        aria-describedby="password-rule" type=password_type bind:value=password />
                    <p id="password-rule" class="hint">{rule}</p>
                </div>
                <div class="field">
                    <label for="confirm-password">{tv("claim.confirm")}</label>
                    <input id="confirm-password" name="confirm-password" autocomplete="new-password"
                        maxlength="128" type=password_type bind:value=confirm />
                </div>
                <div class="field check">
                    <input id="show-password" type="checkbox" bind:checked=show_password />
                    <label for="show-password">{tv("common.show_password")}</label>
                </div>
                <button type="submit" class="button primary" data-testid="claim-submit"
                    disabled=move || action.pending().get()>
                    {move || if action.pending().get() { t("claim.submitting") } else { t("claim.submit") }}
                </button>
            </form>
            <p class="aside">
                {tv("claim.have_password")} " "
                <a href="/signin" data-testid="signin-link">{tv("claim.signin_link")}</a>
            </p>
        </section>
    }
}
