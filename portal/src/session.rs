//! The signed-in session: the token pair in storage, and one hook the app installs to learn
//! that the session ended underneath it (a refresh that failed), so that protected pages can
//! send the viewer to the sign-in page.

use crate::storage;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static ON_ENDED: RefCell<Option<Rc<dyn Fn()>>> = RefCell::new(None);
}

/// Called (once per end) when the stored session is cleared by the API client.
pub fn on_ended(hook: impl Fn() + 'static) {
    ON_ENDED.with(|cell| *cell.borrow_mut() = Some(Rc::new(hook)));
}

pub fn access_token() -> Option<String> {
    storage::get(storage::ACCESS_TOKEN).filter(|t| !t.is_empty())
}

pub fn refresh_token() -> Option<String> {
    storage::get(storage::REFRESH_TOKEN).filter(|t| !t.is_empty())
}

/// Whether there is a session to use (it may still turn out to be expired).
pub fn has_tokens() -> bool {
    access_token().is_some() || refresh_token().is_some()
}

pub fn store(access_token: &str, refresh_token: &str) {
    storage::set(storage::ACCESS_TOKEN, access_token);
    storage::set(storage::REFRESH_TOKEN, refresh_token);
}

/// Forgets the tokens (the chosen community and language stay: they are not secrets).
pub fn clear() {
    storage::remove(storage::ACCESS_TOKEN);
    storage::remove(storage::REFRESH_TOKEN);
}

/// Clears the tokens and tells the app. Used when the server no longer accepts them.
pub fn end() {
    clear();
    // Clone the hook out first so it may itself call `on_ended` without a double borrow.
    let hook = ON_ENDED.with(|cell| cell.borrow().clone());
    if let Some(hook) = hook {
        hook();
    }
}
