//! A signed-in path that names no page (`modules::Page::of`).

use crate::i18n::tv;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="page narrow" data-testid="not-found">
            <h1>{tv("notfound.title")}</h1>
            <p>{tv("notfound.body")}</p>
            <p>
                <a href="/" class="button">{tv("common.back_home")}</a>
            </p>
        </section>
    }
}
