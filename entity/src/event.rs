use sea_orm::entity::prelude::*;

/// An event of a community (DESIGN §7): an organizer's activity with an optional capacity in
/// seats. `seats_taken`, `waitlist_count` and `next_seq` change only under this row's lock.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub community_id: String,
    /// The organizer's resident id.
    pub organizer_id: String,
    pub group_id: Option<String>,
    pub title: String,
    pub kind: EventKind,
    pub place: String,
    pub description: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// Seats; null: unlimited.
    pub capacity: Option<i32>,
    pub companions_allowed: i32,
    pub signup_opens_at: DateTimeUtc,
    pub signup_closes_at: DateTimeUtc,
    /// Volunteer hours credited per attendee, in hundredths of an hour (0: not a volunteer event).
    pub volunteer_hours_centi: i32,
    /// Seats of confirmed and attended registrations, companions included.
    pub seats_taken: i32,
    /// Waitlisted registrations.
    pub waitlist_count: i32,
    /// The next registration's sign-up order.
    pub next_seq: i32,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
    /// When the day-before reminder went out.
    pub reminded_at: Option<DateTimeUtc>,
    /// When unchecked confirmed registrations were marked NO_SHOW.
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What an event is (DESIGN §7, §10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    #[sea_orm(string_value = "CULTURAL")]
    Cultural,
    #[sea_orm(string_value = "VOLUNTEER")]
    Volunteer,
    #[sea_orm(string_value = "EDUCATION")]
    Education,
    #[sea_orm(string_value = "HEALTH")]
    Health,
    #[sea_orm(string_value = "SAFETY")]
    Safety,
    #[sea_orm(string_value = "OTHER")]
    Other,
}
