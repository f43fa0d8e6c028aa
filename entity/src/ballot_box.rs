use sea_orm::entity::prelude::*;

/// What was chosen, under a receipt hash (never who, never when).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ballot_box")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub ballot_id: String,
    pub receipt_hash: String,
    pub option_ids: String,
    pub area: i64,
    /// The counters (ballot turnout, option votes) do not include this row's choice yet.
    pub pending: bool,
    /// The choice the counters include; null: not counted yet.
    pub counted_option_ids: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
