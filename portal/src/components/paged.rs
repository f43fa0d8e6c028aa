//! A keyset-paged list read through resources (the topics, residents, inbox and events lists).

use crate::api::ApiError;
use leptos::prelude::*;
use std::future::Future;

/// A reply: the key and, for "load more", the cursor it was asked for, with the page.
type Reply<K, P> = (K, Result<P, ApiError>);
type MoreReply<K, P> = Option<(K, String, Result<P, ApiError>)>;

/// The first page of a key (a filter, a search's number) and the page after the cursor "load
/// more" asked for, as two `LocalResource`s. A resource runs its requests one after another and
/// shows each reply, so every reply carries the key and cursor it was asked for, and
/// [`Paged::show`] hands on only a reply for what is shown now: a page at most once, and a
/// failed "load more" can be asked again.
pub struct Paged<K: Send + Sync + 'static, P: 'static> {
    key: Signal<K>,
    first: LocalResource<Reply<K, P>>,
    more: LocalResource<MoreReply<K, P>>,
    /// The key and cursor "load more" asked for (none until it is tapped); one for another key
    /// counts for nothing.
    more_after: RwSignal<Option<(K, String)>>,
    /// The cursor whose page is in the list already.
    appended: StoredValue<Option<String>>,
}

impl<K: Send + Sync, P> Clone for Paged<K, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: Send + Sync, P> Copy for Paged<K, P> {}

impl<K, P> Paged<K, P>
where
    K: Clone + PartialEq + Send + Sync + 'static,
    P: 'static,
{
    /// Reads `fetch(key, None)` for each key, and `fetch(key, Some(cursor))` for "load more".
    pub fn new<F, Fut>(key: Signal<K>, fetch: F) -> Self
    where
        F: Fn(K, Option<String>) -> Fut + Copy + 'static,
        Fut: Future<Output = Result<P, ApiError>> + 'static,
    {
        let more_after = RwSignal::new(None::<(K, String)>);
        let first = LocalResource::new(move || {
            let wanted = key.get();
            async move {
                let page = fetch(wanted.clone(), None).await;
                (wanted, page)
            }
        });
        // Only a tap asks: a new key alone sends nothing here.
        let more = LocalResource::new(move || {
            let asked = more_after.get();
            async move {
                let (wanted, after) = asked?;
                let page = fetch(wanted.clone(), Some(after.clone())).await;
                Some((wanted, after, page))
            }
        });
        Paged {
            key,
            first,
            more,
            more_after,
            appended: StoredValue::new(None),
        }
    }

    /// Calls `show(page, append)` for each reply that is for what is shown now: the first page
    /// (`append` false; it replaces the list, with any page added to an earlier reply of the
    /// same key) and the asked-for next page (`append` true, once). Call it once per list;
    /// `show` runs untracked.
    pub fn show(self, show: impl Fn(&Result<P, ApiError>, bool) + Copy + 'static) {
        let Paged {
            key,
            first,
            more,
            more_after,
            appended,
        } = self;
        Effect::new(move || {
            first.with(|reply| {
                if let Some((wanted, page)) = reply {
                    if key.with_untracked(|k| k == wanted) {
                        appended.set_value(None);
                        more_after.set(None);
                        untrack(|| show(page, false));
                    }
                }
            })
        });
        Effect::new(move || {
            more.with(|reply| {
                let Some(Some((wanted, after, page))) = reply else {
                    return;
                };
                let current = key.with_untracked(|k| k == wanted)
                    && more_after.with_untracked(|a| {
                        a.as_ref().is_some_and(|(k, c)| k == wanted && c == after)
                    })
                    && appended.with_value(|a| a.as_ref() != Some(after));
                if !current {
                    return;
                }
                match page {
                    Ok(_) => appended.set_value(Some(after.clone())),
                    // Tapping again asks again.
                    Err(_) => more_after.set(None),
                }
                untrack(|| show(page, true));
            })
        });
    }

    /// Waiting for the first page of the key shown (what is shown is another key's, or
    /// nothing yet).
    pub fn first_loading(&self) -> bool {
        let Paged { key, first, .. } = *self;
        key.with(|wanted| first.with(|r| !matches!(r, Some((k, _)) if k == wanted)))
    }

    /// Waiting for the first page of the key shown, or for the page "load more" asked for.
    pub fn loading(&self) -> bool {
        let Paged {
            key,
            more,
            more_after,
            ..
        } = *self;
        self.first_loading()
            || key.with(|wanted| {
                more_after.with(|a| match a {
                    Some((k, after)) if k == wanted => more.with(
                        |r| !matches!(r, Some(Some((rk, rafter, _))) if rk == k && rafter == after),
                    ),
                    _ => false,
                })
            })
    }

    /// Asks for the page after `cursor` of the key shown (nothing while a page is on its way).
    pub fn load_more(&self, cursor: Option<String>) {
        if untrack(|| self.loading()) {
            return;
        }
        if let Some(after) = cursor {
            self.more_after.set(Some((self.key.get_untracked(), after)));
        }
    }
}
