//! `/signin`: phone and password.

use crate::api::identity;
use crate::api::{ApiError, ErrorCode};
use crate::app::use_app;
use crate::components::{error_text, ErrorBanner};
use crate::i18n::{k, t, tv};
use leptos::prelude::*;

fn sign_in_error(error: &ApiError) -> String {
    // signIn answers UNAUTHENTICATED for a wrong phone or password.
    if error.is(ErrorCode::Unauthenticated) {
        t("signin.failed")
    } else {
        error_text(error)
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    let app = use_app();
    let phone = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let show_password = RwSignal::new(false);
    let local_error = RwSignal::new(None::<&'static str>);

    let action = Action::new_unsync(|(phone, password): &(String, String)| {
        let (phone, password) = (phone.clone(), password.clone());
        async move { identity::sign_in(&phone, &password).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = action.value().get() {
            // The /signin route then redirects home.
            app.signed_in.set(true);
        }
    });
    let message = Signal::derive(move || {
        if let Some(key) = local_error.get() {
            return Some(t(key));
        }
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| sign_in_error(&e))
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let phone = identity::normalise_phone(&phone.get_untracked());
        let password = password.get_untracked();
        if phone.is_empty() {
            local_error.set(Some(k("signin.phone_required")));
        } else if password.is_empty() {
            local_error.set(Some(k("signin.password_required")));
        } else {
            local_error.set(None);
            action.dispatch((phone, password));
        }
    };

    view! {
        <section class="page narrow">
            <h1>{tv("signin.title")}</h1>
            <ErrorBanner message=message />
            <form class="form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="phone">{tv("signin.phone")}</label>
                    <input id="phone" name="phone" type="tel" inputmode="numeric" autocomplete="username"
                        maxlength="20" bind:value=phone />
                </div>
                <div class="field">
                    <label for="password">{tv("signin.password")}</label>
                    <input id="password" name="password" autocomplete="current-password" maxlength="128"
                        type=move || if show_password.get() { "text" } else { "password" }
                        bind:value=password />
                </div>
                <div class="field check">
                    <input id="show-password" type="checkbox" bind:checked=show_password />
                    <label for="show-password">{tv("common.show_password")}</label>
                </div>
                <button type="submit" class="button primary" data-testid="signin-submit"
                    disabled=move || action.pending().get()>
                    {move || if action.pending().get() { t("signin.submitting") } else { t("signin.submit") }}
                </button>
            </form>
            <p class="aside">
                {tv("signin.first_time")} " "
                <a href="/claim" data-testid="claim-link">{tv("signin.claim_link")}</a>
            </p>
            <p class="aside muted">{tv("signin.forgot")}</p>
        </section>
    }
}
