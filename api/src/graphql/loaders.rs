//! DataLoaders for look-ups by id, one set per request.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{account, building, household};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

#[derive(Clone)]
pub struct DbLoader {
    db: DatabaseConnection,
}

/// Errors are logged by `AppError` and surface as INTERNAL.
pub type LoadError = std::sync::Arc<String>;

fn fail(e: sea_orm::DbErr) -> LoadError {
    tracing::error!(error = %e, "loader query failed");
    std::sync::Arc::new("internal error".to_owned())
}

/// One loader per entity kind (each `Loader<String>` impl needs its own type).
pub struct Loaders {
    pub households: DataLoader<HouseholdLoader>,
    pub buildings: DataLoader<BuildingLoader>,
    pub accounts: DataLoader<AccountLoader>,
}

pub struct HouseholdLoader(DbLoader);
pub struct BuildingLoader(DbLoader);
pub struct AccountLoader(DbLoader);

macro_rules! loader {
    ($name:ident, $entity:ident) => {
        impl Loader<String> for $name {
            type Value = $entity::Model;
            type Error = LoadError;
            async fn load(
                &self,
                keys: &[String],
            ) -> Result<HashMap<String, Self::Value>, Self::Error> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::Id.is_in(keys.iter().cloned()))
                    .all(&self.0.db)
                    .await
                    .map_err(fail)?;
                Ok(rows.into_iter().map(|r| (r.id.clone(), r)).collect())
            }
        }
    };
}

loader!(HouseholdLoader, household);
loader!(BuildingLoader, building);
loader!(AccountLoader, account);

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        let l = || DbLoader { db: db.clone() };
        Self {
            households: DataLoader::new(HouseholdLoader(l()), tokio::spawn),
            buildings: DataLoader::new(BuildingLoader(l()), tokio::spawn),
            accounts: DataLoader::new(AccountLoader(l()), tokio::spawn),
        }
    }
}
