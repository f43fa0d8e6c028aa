//! What the domain services work with, below the domain: the database, settings, the audit
//! key, the token keys, the password hasher and the event bus. The HTTP layer's `startup::AppState` holds these
//! plus what only it needs (metrics, live tallies, WebSocket counters) and
//! dereferences to them, so a service takes `&Services` and a resolver passes its `&AppState`.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::tokens::TokenKeys;
use crate::bus::Bus;
use crate::config::Settings;
use crate::domain::audit::AuditKey;
use crate::domain::identity::PasswordHasher;

#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    /// Signs and checks access tokens.
    pub keys: TokenKeys,
    /// Seals the audit log (`domain::audit::append` takes it).
    pub audit: AuditKey,
    pub hasher: PasswordHasher,
    pub bus: Bus,
    /// Topic pages kept in memory, each checked against the database on every read
    /// (`domain::topic::pages`).
    pub topic_pages: Arc<crate::domain::topic::pages::Pages>,
}
