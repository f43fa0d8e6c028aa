use sea_orm::entity::prelude::*;

/// Named votes (记名表决) only: which voter cast a ballot-box row of a NON-secret ballot.
/// A secret ballot never has a row here.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ballot_named_votes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub ballot_id: String,
    /// The resident (RESIDENTS) or household (HOUSEHOLDS, OWNERS) that voted.
    pub voter_id: String,
    /// The `ballot_box` row holding the choice.
    pub box_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
