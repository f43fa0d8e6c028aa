//! What the portal remembers between visits, in `localStorage`.
//!
//! On the host target (unit tests) the same functions keep the values in memory, so the code
//! above them — the session and the API client — runs and is tested natively.

/// The short-lived JWT sent as `Authorization: Bearer`.
pub const ACCESS_TOKEN: &str = "jiayuan.accessToken";
/// The opaque refresh token; rotated by every `refreshSession`.
pub const REFRESH_TOKEN: &str = "jiayuan.refreshToken";
/// The id of the community the viewer last chose.
pub const COMMUNITY_ID: &str = "jiayuan.communityId";
/// The chosen language code (`zh-CN` or `en`).
pub const LANG: &str = "jiayuan.lang";
/// "1" when large text is on.
pub const LARGE_TEXT: &str = "jiayuan.largeText";

#[cfg(target_arch = "wasm32")]
mod backend {
    fn local_storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    pub fn get(key: &str) -> Option<String> {
        local_storage()?.get_item(key).ok()?
    }

    /// Storage can be full or disabled (private mode); the portal then just forgets.
    pub fn set(key: &str, value: &str) {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(key, value);
        }
    }

    pub fn remove(key: &str) {
        if let Some(storage) = local_storage() {
            let _ = storage.remove_item(key);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod backend {
    use std::cell::RefCell;
    use std::collections::HashMap;

    thread_local! {
        static MEMORY: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    }

    pub fn get(key: &str) -> Option<String> {
        MEMORY.with(|m| m.borrow().get(key).cloned())
    }

    pub fn set(key: &str, value: &str) {
        MEMORY.with(|m| {
            m.borrow_mut().insert(key.to_string(), value.to_string());
        });
    }

    pub fn remove(key: &str) {
        MEMORY.with(|m| {
            m.borrow_mut().remove(key);
        });
    }
}

pub use backend::{get, remove, set};
