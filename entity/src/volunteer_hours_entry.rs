use sea_orm::entity::prelude::*;

/// One line of the append-only volunteer-hours ledger: a credit for attending a volunteer event,
/// or a correction (any sign) recorded by the committee with a note.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteer_hours_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub community_id: String,
    pub resident_id: String,
    pub event_id: Option<String>,
    /// The attended registration it credits (one credit each).
    pub registration_id: Option<String>,
    /// Hundredths of an hour.
    pub hours_centi: i32,
    pub note: Option<String>,
    /// The resident who recorded a correction, or checked the attendee in.
    pub recorded_by: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
