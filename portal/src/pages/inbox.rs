//! `/inbox`: notifications, newest first; mark one or all read.

use crate::api::notifications::{self, Notification};
use crate::api::{ApiError, Role};
use crate::app::use_app;
use crate::components::{error_text, format_time, role_name, ErrorBanner, Loading, Paged};
use crate::i18n::{dynamic_key, fill, t, tv};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The notification's text in the current language: `notification.KIND` with its params; a
/// `role` param is shown by its localised name.
pub fn notification_text(n: &Notification) -> String {
    let params: Vec<(String, String)> = n
        .param_pairs()
        .into_iter()
        .map(|(k, v)| {
            if k == "role" {
                (k, role_name(Role::from_wire(&v)))
            } else {
                (k, v)
            }
        })
        .collect();
    let refs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let key = dynamic_key("notification.", &n.kind, "UNKNOWN");
    fill(&t(&key), &refs)
}

/// `/inbox` (its text, and every notification's, is the `inbox` locale pack).
#[component]
pub fn Inbox() -> impl IntoView {
    view! { <crate::components::WithPack pack="inbox" page=|| view! { <InboxPage /> } /> }
}

#[component]
fn InboxPage() -> impl IntoView {
    let app = use_app();
    let items = RwSignal::new(Vec::<Notification>::new());
    let cursor = RwSignal::new(None::<String>);
    let has_more = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let loaded = RwSignal::new(false);
    // The first page and the page "load more" asked for (`Paged`; the inbox has no filter).
    let pages = Paged::new(Signal::stored(()), |(), after| {
        notifications::notifications(after)
    });
    pages.show(move |page, append| match page {
        Ok(page) => {
            if append {
                items.update(|list| {
                    for n in &page.nodes {
                        if !list.iter().any(|m| m.id == n.id) {
                            list.push(n.clone());
                        }
                    }
                });
            } else {
                // Keep what arrived live while the page was loading.
                let mut nodes = page.nodes.clone();
                let arrived: Vec<Notification> = items.with_untracked(|list| {
                    list.iter()
                        .filter(|n| !nodes.iter().any(|m| m.id == n.id))
                        .cloned()
                        .collect()
                });
                nodes.splice(0..0, arrived);
                items.set(nodes);
            }
            loaded.set(true);
            cursor.set(page.page_info.end_cursor.clone());
            has_more.set(page.page_info.has_next_page);
            error.set(None);
        }
        Err(e) => {
            loaded.set(true);
            error.set(Some(e.clone()));
        }
    });
    let busy = Signal::derive(move || pages.loading());
    let load_more = move || pages.load_more(cursor.get_untracked());
    // A notification that arrives while the page is open goes on top.
    Effect::new(move || {
        if let Some(n) = app.arrived.get() {
            items.update(|list| {
                if !list.iter().any(|old| old.id == n.id) {
                    list.insert(0, n);
                }
            });
        }
    });

    let mark_read = move |id: String| {
        spawn_local(async move {
            match notifications::mark_read(&id).await {
                Ok(()) => {
                    items.update(|list| {
                        if let Some(n) = list.iter_mut().find(|n| n.id == id) {
                            n.read = true;
                        }
                    });
                    app.inbox_version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let mark_all = move |_| {
        spawn_local(async move {
            match notifications::mark_all_read().await {
                Ok(_) => {
                    items.update(|list| list.iter_mut().for_each(|n| n.read = true));
                    app.inbox_version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let any_unread = move || items.with(|list| list.iter().any(|n| !n.read));

    let list = move || {
        if !loaded.get() {
            return view! { <Loading /> }.into_any();
        }
        if items.with(Vec::is_empty) {
            return view! { <p class="empty" data-testid="inbox-empty">{tv("inbox.empty")}</p> }
                .into_any();
        }
        view! {
            <ul class="notices" data-testid="notifications">
                <For each=move || items.get() key=|n| (n.id.clone(), n.read) let:n>
                    <NotificationItem n=n on_read=mark_read />
                </For>
            </ul>
        }
        .into_any()
    };

    view! {
        <section class="page">
            <div class="page-head">
                <h1>{tv("inbox.title")}</h1>
                <Show when=any_unread>
                    <button type="button" class="button" data-testid="mark-all-read" on:click=mark_all>
                        {tv("inbox.mark_all_read")}
                    </button>
                </Show>
            </div>
            <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
            {list}
            <Show when=move || has_more.get()>
                <button type="button" class="button wide" data-testid="load-more"
                    disabled=move || busy.get() on:click=move |_| load_more()>
                    {move || if busy.get() { t("common.loading") } else { t("common.load_more") }}
                </button>
            </Show>
        </section>
    }
}

#[component]
fn NotificationItem(n: Notification, on_read: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let unread = !n.read;
    let id = n.id.clone();
    let when = n.created_at.clone();
    let text = {
        let n = n.clone();
        move || notification_text(&n)
    };
    let link = n.link();
    view! {
        <li class="notice" class:unread=unread data-testid="notification" data-notification-id=n.id.clone()>
            <p class="notice-text">
                {unread.then(|| view! { <span class="tag">{tv("inbox.unread")}</span> " " })}
                {match link {
                    Some(href) => view! { <a href=href data-testid="notification-link">{text}</a> }.into_any(),
                    None => view! { <span>{text}</span> }.into_any(),
                }}
            </p>
            <p class="notice-meta">
                <time datetime=n.created_at.clone()>{move || format_time(&when)}</time>
            </p>
            {unread.then(|| view! {
                <button type="button" class="button small" data-testid="mark-read"
                    on:click=move |_| on_read(id.clone())>
                    {tv("inbox.mark_read")}
                </button>
            })}
        </li>
    }
}
