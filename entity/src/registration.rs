use sea_orm::entity::prelude::*;

/// One resident's sign-up for an event, with companions (DESIGN §7).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub event_id: String,
    pub community_id: String,
    pub resident_id: String,
    pub companions: i32,
    pub status: RegistrationStatus,
    /// Sign-up order within the event: the waitlist's order.
    pub seq: i32,
    /// The resident's id while not CANCELLED (one active registration per resident and event).
    pub active_key: Option<String>,
    pub check_in_code: String,
    pub confirmed_at: Option<DateTimeUtc>,
    pub checked_in_at: Option<DateTimeUtc>,
    /// The resident who checked it in.
    pub checked_in_by: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Seats the party takes: the resident and their companions.
    pub fn party(&self) -> i32 {
        1 + self.companions
    }
}

/// Where a registration stands (DESIGN §7, §10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegistrationStatus {
    #[sea_orm(string_value = "CONFIRMED")]
    Confirmed,
    #[sea_orm(string_value = "WAITLISTED")]
    Waitlisted,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    #[sea_orm(string_value = "ATTENDED")]
    Attended,
    #[sea_orm(string_value = "NO_SHOW")]
    NoShow,
}
