//! Small pieces shared by the pages.

use crate::api::identity::{CommunityActions, CommunityRef, SessionInfo};
use crate::api::topics::TopicStatus;
use crate::api::{ApiError, ErrorCode, Role};
use crate::app::use_app;
use crate::i18n::{current_lang, dynamic_key, t, tv, Lang, INPUT_FIELDS};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

mod paged;
pub use paged::Paged;

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

/// What went wrong with a form: a check made before sending (a locale key, maybe for one
/// field), or the server's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum FormError {
    Local {
        field: Option<&'static str>,
        key: &'static str,
    },
    Api(ApiError),
}

impl FormError {
    pub fn for_field(field: &'static str, key: &'static str) -> FormError {
        FormError::Local {
            field: Some(field),
            key,
        }
    }

    /// The field the error is about: a local check's, or `BAD_USER_INPUT`'s `extensions.field`.
    pub fn field(&self) -> Option<&str> {
        match self {
            FormError::Local { field, .. } => *field,
            FormError::Api(e) if e.is(ErrorCode::BadUserInput) => e.field.as_deref(),
            FormError::Api(_) => None,
        }
    }

    /// The banner's text. When the form shows the message beside one of its own `fields`, the
    /// banner only says to look there.
    pub fn banner(&self, fields: &[&str]) -> String {
        if self.field().is_some_and(|f| fields.contains(&f)) {
            return t("common.check_fields");
        }
        match self {
            FormError::Local { key, .. } => t(key),
            FormError::Api(e) => error_text(e),
        }
    }

    /// The message shown beside `field`, when the error is about it.
    pub fn field_text(&self, field: &str) -> Option<String> {
        if self.field() != Some(field) {
            return None;
        }
        Some(match self {
            FormError::Local { key, .. } => t(key),
            FormError::Api(e) => error_text(e),
        })
    }
}

/// A form's error state: the banner, and per field a message (`#FIELD-error`) with
/// `aria-invalid` on the field.
#[derive(Clone, Copy)]
pub struct FormErrors {
    pub error: RwSignal<Option<FormError>>,
    pub fields: &'static [&'static str],
}

impl FormErrors {
    pub fn new(fields: &'static [&'static str]) -> FormErrors {
        FormErrors {
            error: RwSignal::new(None),
            fields,
        }
    }

    pub fn set(&self, error: FormError) {
        self.error.set(Some(error));
    }

    pub fn api(&self, error: ApiError) {
        self.error.set(Some(FormError::Api(error)));
    }

    pub fn clear(&self) {
        self.error.set(None);
    }

    pub fn banner(&self) -> Signal<Option<String>> {
        let (error, fields) = (self.error, self.fields);
        Signal::derive(move || error.get().map(|e| e.banner(fields)))
    }

    /// `"true"` while the error is about `field` (for `aria-invalid`).
    pub fn invalid(&self, field: &'static str) -> impl Fn() -> Option<&'static str> + Copy {
        let error = self.error;
        move || {
            error
                .with(|e| e.as_ref().and_then(|e| e.field().map(|f| f == field)))
                .filter(|on| *on)
                .map(|_| "true")
        }
    }

    /// The message under a field; `id` is what the field's `aria-describedby` names.
    pub fn message(&self, field: &'static str, id: impl Into<String>) -> impl IntoView {
        let error = self.error;
        let id: String = id.into();
        move || {
            error
                .with(|e| e.as_ref().and_then(|e| e.field_text(field)))
                .map(|text| view! { <p class="field-error" id=id.clone()>{text}</p> })
        }
    }
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
            {tv("common.loading")}
        </p>
    }
}

/// What a page says while the viewer has no community chosen.
#[component]
pub fn NoCommunity() -> impl IntoView {
    view! {
        <section class="card">
            <p>{tv("common.no_community")}</p>
            <p>
                <a href="/communities" class="button">
                    {tv("common.choose_community")}
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
            <p>{tv("committee.not_allowed")}</p>
            <p>
                <a href="/">{tv("common.back_home")}</a>
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

/// Renders `page` for the current community when the server says the viewer may do what the
/// page is for (`can` picks the flag of `Community.viewerCan`); otherwise says why not. (The
/// server authorises every call on its own.)
#[component]
pub fn CommitteeOnly<F, V>(can: fn(&CommunityActions) -> bool, page: F) -> impl IntoView
where
    F: Fn(CommunityRef) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let app = use_app();
    let access = Memo::new(move |_| match app.session.get() {
        None => Access::Loading,
        Some(Err(e)) => Access::Failed(e),
        Some(Ok(None)) => Access::SignedOut,
        Some(Ok(Some(info))) => match (&info.community, can(&info.can)) {
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

/// Renders `page` with the session when the viewer has chosen a community; otherwise says what
/// to do first.
#[component]
pub fn InCommunity<F, V>(page: F) -> impl IntoView
where
    F: Fn(SessionInfo) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let app = use_app();
    // Only a change of viewer, community or roles renders the page again.
    let info = Memo::new(move |_| app.session.get().map(|r| r.map_err(|e| e.code)));
    move || match info.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(code)) => {
            let error = ApiError::new(code);
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&error))) /> }
                .into_any()
        }
        Some(Ok(None)) => ().into_any(),
        Some(Ok(Some(info))) if info.community.is_none() => view! { <NoCommunity /> }.into_any(),
        Some(Ok(Some(info))) => page(info).into_any(),
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

/// A topic's status as a coloured label: `[data-testid=topic-status]` with `data-status`.
#[component]
pub fn StatusBadge(status: TopicStatus) -> impl IntoView {
    let class = format!("status status-{}", status.as_str().to_ascii_lowercase());
    view! {
        <span class=class data-testid="topic-status" data-status=status.as_str()>
            {move || t(status.label_key())}
        </span>
    }
}

/// Co-signatures so far against the threshold: a bar, and the numbers as text
/// (`[data-testid=cosign-progress]`, "n / m").
#[component]
pub fn CosignProgress(count: i64, threshold: i64) -> impl IntoView {
    let numbers = format!("{count} / {threshold}");
    view! {
        <div class="meter-row">
            <span class="meter-label">{tv("topic.cosigns")}</span>
            <progress class="meter" max=threshold.max(1) value=count.min(threshold.max(1)) aria-hidden="true"></progress>
            <span class="meter-value" data-testid="cosign-progress">{numbers}</span>
        </div>
    }
}

/// The `datetime-local` value (the viewer's local time, to the minute) `offset_ms` from now.
pub fn local_input_value(offset_ms: f64) -> String {
    let d = js_sys::Date::new_0();
    d.set_time(d.get_time() + offset_ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// A `datetime-local` value, read in the viewer's time zone, as RFC 3339 UTC.
pub fn local_input_to_utc(value: &str) -> Option<String> {
    if value.trim().is_empty() {
        return None;
    }
    let date = parse_time(value)?;
    Some(String::from(date.to_iso_string()))
}

/// Milliseconds from now until an RFC 3339 time (negative when it has passed).
pub fn ms_until(rfc3339: &str) -> Option<f64> {
    parse_time(rfc3339).map(|d| d.get_time() - js_sys::Date::now())
}

/// Copies text with `navigator.clipboard`; `false` when the browser does not allow it.
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !has_clipboard {
        return false;
    }
    let promise = navigator.clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Renders `page` once the locale pack of its module (`i18n::PACKS`) is loaded in the current
/// language, and `and` too when given (both fetched at once: a page that also shows a ballot
/// needs the `ballot` pack). A pack that cannot load (a phone losing its network) shows the
/// network error and a retry button, never a page of raw text keys.
#[component]
pub fn WithPack<F, V>(
    pack: &'static str,
    #[prop(optional)] and: Option<&'static str>,
    page: F,
) -> impl IntoView
where
    F: Fn() -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let app = use_app();
    // Bumped by the retry button; a reply to an earlier attempt shows the loading line.
    let attempt = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        let lang = app.lang.get();
        let n = attempt.get();
        async move {
            let first = crate::i18n::load_pack(pack, lang);
            let loaded = match and {
                Some(other) => {
                    let (a, b) =
                        futures::future::join(first, crate::i18n::load_pack(other, lang)).await;
                    a && b
                }
                None => first.await,
            };
            // A language whose pack did not arrive falls back to Chinese when that pack is
            // here (an earlier visit), which is still a readable page.
            let chinese = || {
                crate::i18n::has_pack(Lang::Zh, pack)
                    && and.is_none_or(|other| crate::i18n::has_pack(Lang::Zh, other))
            };
            (n, loaded || chinese())
        }
    });
    move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some((n, _)) if n != attempt.get() => view! { <Loading /> }.into_any(),
        Some((_, true)) => page().into_any(),
        Some((_, false)) => view! {
            <section class="page" data-testid="pack-failed">
                <ErrorBanner message=Signal::derive(|| Some(t("error.NETWORK"))) />
                <button type="button" class="button" data-testid="pack-retry"
                    on:click=move |_| attempt.update(|n| *n += 1)>
                    {tv("common.retry")}
                </button>
            </section>
        }
        .into_any(),
    }
}
