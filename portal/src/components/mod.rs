//! Small pieces shared by the pages.

use crate::api::identity::CommunityRef;
use crate::api::{ApiError, ErrorCode, Role};
use crate::app::use_app;
use crate::i18n::{current_lang, dynamic_key, t, INPUT_FIELDS};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// The localised text for a failed request: per `extensions.code`, or per field for
/// `BAD_USER_INPUT` — never the server's own (English) message.
pub fn error_text(error: &ApiError) -> String {
    if error.is(ErrorCode::BadUserInput) {
        if let Some(field) = error.field.as_deref().filter(|f| INPUT_FIELDS.contains(f)) {
            return t(&dynamic_key("error.field.", field, "csv"));
        }
    }
    t(&dynamic_key("error.", error.code.as_str(), "INTERNAL"))
}

/// The error banner (`[data-testid=error]`), shown while `message` is `Some`.
#[component]
pub fn ErrorBanner(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|text| {
            view! {
                <p class="banner banner-error" role="alert" data-testid="error">
                    {text}
                </p>
            }
        })
    }
}

/// A polite "loading…" line.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="muted" role="status">
            {move || t("common.loading")}
        </p>
    }
}

/// What a page says while the viewer has no community chosen.
#[component]
pub fn NoCommunity() -> impl IntoView {
    view! {
        <section class="card">
            <p>{move || t("common.no_community")}</p>
            <p>
                <a href="/communities" class="button">
                    {move || t("common.choose_community")}
                </a>
            </p>
        </section>
    }
}

/// What a committee page says to a viewer without the role (the server refuses anyway).
#[component]
pub fn NotCommittee() -> impl IntoView {
    view! {
        <section class="card">
            <p>{move || t("committee.not_allowed")}</p>
            <p>
                <a href="/">{move || t("common.back_home")}</a>
            </p>
        </section>
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Access {
    Loading,
    Failed(ApiError),
    SignedOut,
    NoCommunity,
    Denied,
    Allowed(CommunityRef),
}

/// Renders `page` for the current community when the viewer may use its committee tools;
/// otherwise says why not. (The server authorises every call on its own.)
#[component]
pub fn CommitteeOnly<F, V>(page: F) -> impl IntoView
where
    F: Fn(CommunityRef) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let app = use_app();
    let access = Memo::new(move |_| match app.session.get() {
        None => Access::Loading,
        Some(Err(e)) => Access::Failed(e),
        Some(Ok(None)) => Access::SignedOut,
        Some(Ok(Some(info))) => match (&info.community, info.is_committee()) {
            (None, _) => Access::NoCommunity,
            (Some(c), true) => Access::Allowed(c.clone()),
            (Some(_), false) => Access::Denied,
        },
    });
    move || match access.get() {
        Access::Loading => view! { <Loading /> }.into_any(),
        Access::Failed(e) => {
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }
                .into_any()
        }
        Access::SignedOut => ().into_any(),
        Access::NoCommunity => view! { <NoCommunity /> }.into_any(),
        Access::Denied => view! { <NotCommittee /> }.into_any(),
        Access::Allowed(community) => page(community).into_any(),
    }
}

pub fn role_name(role: Role) -> String {
    t(&dynamic_key("role.", role.as_str(), "UNKNOWN"))
}

/// Role names joined for display.
pub fn role_list(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| role_name(*r))
        .collect::<Vec<_>>()
        .join(&t("common.list_separator"))
}

/// `Intl.DateTimeFormat` options, e.g. `[("dateStyle", "medium")]`.
fn date_options(pairs: &[(&str, &str)]) -> JsValue {
    let options = js_sys::Object::new();
    for (key, value) in pairs {
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    options.into()
}

fn parse_time(rfc3339: &str) -> Option<js_sys::Date> {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    (!date.get_time().is_nan()).then_some(date)
}

/// An RFC 3339 time in the viewer's time zone and language, to the minute; the raw text if it
/// does not parse.
pub fn format_time(rfc3339: &str) -> String {
    match parse_time(rfc3339) {
        Some(date) => String::from(date.to_locale_string(
            current_lang().code(),
            &date_options(&[("dateStyle", "medium"), ("timeStyle", "short")]),
        )),
        None => rfc3339.to_string(),
    }
}

/// Like [`format_time`], the date only.
pub fn format_date(rfc3339: &str) -> String {
    match parse_time(rfc3339) {
        Some(date) => String::from(date.to_locale_date_string(
            current_lang().code(),
            &date_options(&[("dateStyle", "long")]),
        )),
        None => rfc3339.to_string(),
    }
}

/// The browser's own confirmation box; `false` when it cannot be shown.
pub fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}

/// The address residents open to claim an invite code.
pub fn claim_url() -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}/claim")
}
