//! The token-signing secret: from the environment, else generated once and kept in the
//! database so that tokens survive restarts and every replica signs alike.

use entity::setting;
use sea_orm::{DatabaseConnection, EntityTrait, Set};

const JWT_SECRET_KEY: &str = "jwt_secret";

pub async fn jwt_secret(
    db: &DatabaseConnection,
    from_env: Option<&str>,
) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = from_env.filter(|s| !s.is_empty()) {
        anyhow::ensure!(
            s.len() >= 32,
            "JIAYUAN_JWT_SECRET must have at least 32 characters"
        );
        return Ok(s.as_bytes().to_vec());
    }
    let candidate = crate::auth::tokens::random_token(48);
    // Two replicas starting together: the first insert wins, both read the winner.
    setting::Entity::insert(setting::ActiveModel {
        key: Set(JWT_SECRET_KEY.into()),
        value: Set(candidate),
    })
    .on_conflict_do_nothing_on([setting::Column::Key])
    .exec(db)
    .await?;
    let row = setting::Entity::find_by_id(JWT_SECRET_KEY.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("JWT secret missing after insert"))?;
    Ok(row.value.into_bytes())
}
