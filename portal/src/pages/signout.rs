//! `/signout`: ends the session (the header's button does the same without a page).

use crate::api::identity;
use crate::app::use_app;
use crate::i18n::tv;
use crate::nav::use_navigate;
use crate::nav::NavigateOptions;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn SignOut() -> impl IntoView {
    let app = use_app();
    let navigate = use_navigate();
    spawn_local(async move {
        identity::sign_out().await;
        app.signed_in.set(false);
        navigate(
            "/signin",
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    });
    view! {
        <section class="page narrow">
            <p role="status">{tv("signout.in_progress")}</p>
        </section>
    }
}
