//! The app shell: shared state, the header and what the address shows ([`Shown`]).

use crate::api::identity::{self, SessionInfo};
use crate::api::live::{self, Feed, Live, ServerMessage};
use crate::api::{notifications, ApiError};
use crate::components::Loading;
use crate::i18n::{self, k, t, tf, tv, Lang};
use crate::modules::{ModulePage, Shown};
use crate::nav::{self, use_location, NavigateOptions};
use crate::pages::{claim::Claim, home::Home, signin::SignIn, signout::SignOut};
use crate::{session, storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

/// State every page shares, provided as context by [`App`].
#[derive(Clone, Copy)]
pub struct AppState {
    /// There is a session to use. Set on sign-in; cleared on sign-out or when it expires.
    pub signed_in: RwSignal<bool>,
    /// The chosen community (remembered in `localStorage`).
    pub community_id: RwSignal<Option<String>>,
    pub lang: RwSignal<Lang>,
    /// Large-text mode (text at 200 % of the browser's default size, against 112.5 % normally),
    /// remembered in `localStorage`.
    pub large_text: RwSignal<bool>,
    /// The viewer, the chosen community and the viewer's roles there.
    pub session: LocalResource<Result<Option<SessionInfo>, ApiError>>,
    /// Bumped when notifications change, so the unread badge is fetched again.
    pub inbox_version: RwSignal<u32>,
    /// The last notification that arrived live (`notificationAdded`); the inbox adds it.
    pub arrived: RwSignal<Option<notifications::Notification>>,
}

impl AppState {
    pub fn choose_community(&self, id: Option<String>) {
        match &id {
            Some(id) => storage::set(storage::COMMUNITY_ID, id),
            None => storage::remove(storage::COMMUNITY_ID),
        }
        self.community_id.set(id);
    }

    pub fn set_large_text(&self, on: bool) {
        if on {
            storage::set(storage::LARGE_TEXT, "1");
        } else {
            storage::remove(storage::LARGE_TEXT);
        }
        self.large_text.set(on);
    }

    pub fn set_lang(&self, lang: Lang) {
        storage::set(storage::LANG, lang.code());
        self.lang.set(lang);
    }

    /// The loaded session, if it loaded (tracks the resource).
    pub fn info(&self) -> Option<SessionInfo> {
        self.session.get().and_then(Result::ok).flatten()
    }

    /// Ends the session on the server and here; protected pages then redirect to sign-in.
    pub fn sign_out(&self) {
        let signed_in = self.signed_in;
        spawn_local(async move {
            identity::sign_out().await;
            signed_in.set(false);
        });
    }
}

/// The viewer's new notifications, live: each one goes to `state.arrived` and re-counts the
/// unread badge.
#[lazy]
fn inbox_feed(state: AppState) -> Live {
    Live::start(Feed {
        query: crate::api::documents::notifications::NOTIFICATION_ADDED,
        variables: serde_json::json!({}),
        on_next: Rc::new(move |text: &str| {
            if let ServerMessage::Next(data) = live::parse::<notifications::AddedData>(text) {
                state.arrived.set(Some(data.notification_added));
                state.inbox_version.update(|v| *v += 1);
            }
        }),
        on_poll: Rc::new(move || state.inbox_version.update(|v| *v += 1)),
        on_mode: Rc::new(|_| {}),
    })
}

pub fn use_app() -> AppState {
    expect_context::<AppState>()
}

fn initial_lang() -> Lang {
    storage::get(storage::LANG)
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or_default()
}

/// `/claim`, split out of the main WASM module by the build (`portal-pack split`) and downloaded
/// when it is visited. Sign-in and Home stay in the main module: they are the first screen
/// (DESIGN §12 budgets their bytes).
///
/// With `draw` false it only loads the code.
#[lazy]
fn claim_page(draw: bool) -> AnyView {
    match draw {
        true => view! { <Claim /> }.into_any(),
        false => ().into_any(),
    }
}

/// `/claim`: a loading line while its code arrives (a resident opening the invite link on a
/// slow phone sees that something is coming), then the page.
#[component]
fn ClaimPage() -> impl IntoView {
    let loaded = RwSignal::new(false);
    spawn_local(async move {
        claim_page(false).await;
        // The page may be gone by now (signed in from another tab): then nothing is shown.
        let _ = loaded.try_set(true);
    });
    move || match loaded.get() {
        true => Suspend::new(claim_page(true)).into_any(),
        false => view! { <Loading /> }.into_any(),
    }
}

#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(initial_lang());
    i18n::install(lang);
    let signed_in = RwSignal::new(session::has_tokens());
    session::on_ended(move || signed_in.set(false));
    // Signing out (or in) in another tab of this browser changes the stored pair under this
    // tab, which follows it (the `storage` event fires in the other tabs only; a rotation
    // leaves a pair stored and changes nothing here).
    let _ = window_event_listener_untyped("storage", move |_| {
        let now = session::has_tokens();
        if signed_in.get_untracked() != now {
            signed_in.set(now);
        }
    });
    let community_id = RwSignal::new(storage::get(storage::COMMUNITY_ID));
    let session = LocalResource::new(move || {
        let signed_in = signed_in.get();
        let community = community_id.get();
        async move {
            if signed_in {
                identity::load_session(community).await
            } else {
                Ok(None)
            }
        }
    });
    let state = AppState {
        signed_in,
        community_id,
        lang,
        large_text: RwSignal::new(storage::get(storage::LARGE_TEXT).as_deref() == Some("1")),
        session,
        inbox_version: RwSignal::new(0),
        arrived: RwSignal::new(None),
    };
    provide_context(state);

    // The inbox and its badge follow new notifications live while signed in (re-counting
    // every 15 s when the socket does not get through). The socket's code loads after the
    // first screen (`inbox_feed` is split out of the main module).
    let running_feed = StoredValue::new_local(None::<Live>);
    Effect::new(move || {
        let signed = signed_in.get();
        running_feed.update_value(|feed| {
            if let Some(feed) = feed.take() {
                feed.stop();
            }
        });
        if signed {
            spawn_local(async move {
                let feed = inbox_feed(state).await;
                // Signed out (or in again) while the code loaded: only the current one runs.
                if signed_in.get_untracked() && running_feed.with_value(Option::is_none) {
                    running_feed.set_value(Some(feed));
                } else {
                    feed.stop();
                }
            });
        }
    });

    // Large text: a class on `<html>` (the stylesheet sizes everything in rem).
    Effect::new(move || {
        let on = state.large_text.get();
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.class_list().toggle_with_force("large-text", on);
        }
    });

    // `<html lang>` and the window title follow the language.
    Effect::new(move || {
        let lang = lang.get();
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = doc.document_element() {
                let _ = root.set_attribute("lang", lang.code());
            }
            doc.set_title(&t("app.title"));
        }
    });

    // Forget a community that went away; choose the only one a resident has.
    Effect::new(move || {
        if let Some(Ok(Some(info))) = session.get() {
            if info.community_gone {
                state.choose_community(None);
            } else if info.community.is_none() && !info.viewer.is_admin {
                if let [only] = info.viewer.communities.as_slice() {
                    state.choose_community(Some(only.id.clone()));
                }
            }
        }
    });

    // What the address shows. A page stays drawn while the address changes within it (a module
    // page follows its own path); it is drawn anew only when another kind of page is shown.
    let location = nav::provide_location();
    let shown = Memo::new(move |_| location.pathname.with(|p| Shown::of(p, signed_in.get())));
    let navigate = nav::use_navigate();
    Effect::new(move || {
        if let Shown::Elsewhere(path) = shown.get() {
            navigate(
                path,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    view! {
        <Header />
        <main id="main" class="main">
            {move || match shown.get() {
                Shown::SignIn => view! { <SignIn /> }.into_any(),
                Shown::Claim => view! { <ClaimPage /> }.into_any(),
                Shown::SignOut => view! { <SignOut /> }.into_any(),
                Shown::Home => view! { <Home /> }.into_any(),
                Shown::Module => view! { <ModulePage /> }.into_any(),
                Shown::Elsewhere(_) => ().into_any(),
            }}
        </main>
    }
}

/// The top bar: app name, language, and for a signed-in viewer the community, inbox and sign-out.
#[component]
fn Header() -> impl IntoView {
    let app = use_app();
    let location = use_location();
    let unread = LocalResource::new(move || {
        let signed_in = app.signed_in.get();
        app.inbox_version.track();
        // Fetched again on every navigation: cheap, and keeps the badge honest.
        location.pathname.track();
        async move {
            if signed_in {
                notifications::unread_count().await.ok()
            } else {
                None
            }
        }
    });
    let unread_count = move || unread.get().flatten().filter(|n| *n > 0);
    let reviews = move || app.info().is_some_and(|i| i.can.review_topics);
    let community_label = move || match app.info().and_then(|i| i.community) {
        Some(c) => c.name,
        None => t("header.choose_community"),
    };
    let lang_button = move |lang: Lang, testid: &'static str, key: &'static str| {
        view! {
            <button
                type="button"
                class="lang-button"
                data-testid=testid
                lang=lang.code()
                aria-pressed=move || (app.lang.get() == lang).to_string()
                on:click=move |_| app.set_lang(lang)
            >
                {move || t(key)}
            </button>
        }
    };

    view! {
        <header class="site-header screen-only">
            <div class="header-row">
                <a href="/" class="brand">{tv("app.name")}</a>
                <div class="lang-switch" role="group" aria-label=move || t("header.language")>
                    {lang_button(Lang::Zh, "lang-zh", k("lang.zh"))}
                    {lang_button(Lang::En, "lang-en", k("lang.en"))}
                </div>
                <button type="button" class="lang-button" data-testid="large-text"
                    aria-pressed=move || app.large_text.get().to_string()
                    on:click=move |_| app.set_large_text(!app.large_text.get_untracked())>
                    {move || t("header.large_text")}
                </button>
            </div>
            <Show when=move || app.signed_in.get()>
                <nav class="header-row header-nav" aria-label=move || t("header.nav")>
                    <a href="/communities" class="community-link" data-testid="current-community"
                        title=move || t("header.switch_community")>
                        {community_label}
                    </a>
                    <a href="/topics" data-testid="topics-link"
                        aria-current=move || location.pathname.get().starts_with("/topics").then_some("page")>
                        {tv("header.topics")}
                    </a>
                    <Show when=reviews>
                        <a href="/committee/review" data-testid="review-link"
                            aria-current=move || (location.pathname.get() == "/committee/review").then_some("page")>
                            {tv("header.review")}
                        </a>
                    </Show>
                    <a href="/inbox" class="inbox-link" data-testid="inbox-link">
                        {tv("header.inbox")}
                        {move || unread_count().map(|n| view! {
                            <span class="badge" data-testid="unread-count"
                                aria-label=move || tf("header.unread", &[("count", &n.to_string())])>
                                {n}
                            </span>
                        })}
                    </a>
                    <button type="button" class="link-button" data-testid="signout"
                        on:click=move |_| app.sign_out()>
                        {tv("header.sign_out")}
                    </button>
                </nav>
            </Show>
        </header>
    }
}
