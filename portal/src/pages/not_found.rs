//! Any path no route matches.

use crate::i18n::t;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="page narrow" data-testid="not-found">
            <h1>{move || t("notfound.title")}</h1>
            <p>{move || t("notfound.body")}</p>
            <p>
                <a href="/" class="button">{move || t("common.back_home")}</a>
            </p>
        </section>
    }
}
