//! Step 7 (issue 11): events and volunteering (活动报名, DESIGN §7).
//!
//! - `volunteer_groups` (a community's group with a leader, names unique in the community) and `volunteer_group_members`
//!   (one row per resident and group, `ux_volunteer_group_members`).
//! - `events`: an organizer's event with its kind, place, times, optional capacity in seats,
//!   sign-up window, companions allowed and volunteer hours (hundredths of an hour). The counters
//!   `seats_taken` (confirmed and attended parties, companions included) and `waitlist_count`
//!   and the sign-up order `next_seq` change only under the event row's lock, which every
//!   sign-up, cancellation and change takes: capacity is never exceeded. `reminded_at` and
//!   `closed_at` mark the day-before reminder and the NO_SHOW pass as done.
//! - `registrations`: one resident's sign-up with companions, status, sign-up order `seq`
//!   (the waitlist's order) and check-in code (unique per event). `active_key` is the resident's
//!   id while the registration is not CANCELLED, null after: one active registration per
//!   resident and event (`ux_registrations_active`; NULLs never collide on either database).
//! - `volunteer_hours_entries`: the append-only ledger (hundredths of an hour; a correction is
//!   a new entry). One credit per registration (`ux_volunteer_hours_registration`).

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(t("volunteer_groups"))
                    .col(id())
                    .col(ref_col("community_id"))
                    .col(text("name"))
                    .col(ref_col("leader_id"))
                    .col(ref_col("created_by"))
                    .col(time("created_at"))
                    .foreign_key(&mut fk("volunteer_groups", "community_id", "communities"))
                    .foreign_key(&mut fk("volunteer_groups", "leader_id", "residents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "volunteer_groups",
                "ix_volunteer_groups_community",
                &["community_id", "created_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "volunteer_groups",
                "ux_volunteer_groups_name",
                &["community_id", "name"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(t("volunteer_group_members"))
                    .col(id())
                    .col(ref_col("group_id"))
                    .col(ref_col("resident_id"))
                    .col(time("created_at"))
                    .foreign_key(&mut fk(
                        "volunteer_group_members",
                        "group_id",
                        "volunteer_groups",
                    ))
                    .foreign_key(&mut fk(
                        "volunteer_group_members",
                        "resident_id",
                        "residents",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "volunteer_group_members",
                "ux_volunteer_group_members",
                &["group_id", "resident_id"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(t("events"))
                    .col(id())
                    .col(ref_col("community_id"))
                    .col(ref_col("organizer_id"))
                    .col(ref_null("group_id"))
                    .col(text("title"))
                    .col(name("kind"))
                    .col(text("place"))
                    .col(text("description"))
                    .col(time("starts_at"))
                    .col(time("ends_at"))
                    .col(int_null("capacity"))
                    .col(int("companions_allowed"))
                    .col(time("signup_opens_at"))
                    .col(time("signup_closes_at"))
                    .col(int("volunteer_hours_centi"))
                    .col(int("seats_taken"))
                    .col(int("waitlist_count"))
                    .col(int("next_seq"))
                    .col(time_null("cancelled_at"))
                    .col(text_null("cancel_reason"))
                    .col(time_null("reminded_at"))
                    .col(time_null("closed_at"))
                    .col(time("created_at"))
                    .col(time("updated_at"))
                    .foreign_key(&mut fk("events", "community_id", "communities"))
                    .foreign_key(&mut fk("events", "organizer_id", "residents"))
                    .foreign_key(&mut fk("events", "group_id", "volunteer_groups"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "events",
                "ix_events_community_start",
                &["community_id", "starts_at", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index("events", "ix_events_ends", &["ends_at"], false))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(t("registrations"))
                    .col(id())
                    .col(ref_col("event_id"))
                    .col(ref_col("community_id"))
                    .col(ref_col("resident_id"))
                    .col(int("companions"))
                    .col(name("status"))
                    .col(int("seq"))
                    .col(ref_null("active_key"))
                    .col(short("check_in_code", 16))
                    .col(time_null("confirmed_at"))
                    .col(time_null("checked_in_at"))
                    .col(ref_null("checked_in_by"))
                    .col(time_null("cancelled_at"))
                    .col(time("created_at"))
                    .col(time("updated_at"))
                    .foreign_key(&mut fk("registrations", "event_id", "events"))
                    .foreign_key(&mut fk("registrations", "resident_id", "residents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "registrations",
                "ux_registrations_active",
                &["event_id", "active_key"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "registrations",
                "ux_registrations_code",
                &["event_id", "check_in_code"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "registrations",
                "ix_registrations_event_status",
                &["event_id", "status", "seq"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "registrations",
                "ix_registrations_resident",
                &["resident_id", "created_at", "id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(t("volunteer_hours_entries"))
                    .col(id())
                    .col(ref_col("community_id"))
                    .col(ref_col("resident_id"))
                    .col(ref_null("event_id"))
                    .col(ref_null("registration_id"))
                    .col(int("hours_centi"))
                    .col(text_null("note"))
                    .col(ref_null("recorded_by"))
                    .col(time("created_at"))
                    .foreign_key(&mut fk(
                        "volunteer_hours_entries",
                        "community_id",
                        "communities",
                    ))
                    .foreign_key(&mut fk(
                        "volunteer_hours_entries",
                        "resident_id",
                        "residents",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "volunteer_hours_entries",
                "ux_volunteer_hours_registration",
                &["registration_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "volunteer_hours_entries",
                "ix_volunteer_hours_resident",
                &["community_id", "resident_id", "created_at", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "volunteer_hours_entries",
                "ix_volunteer_hours_community",
                &["community_id", "created_at"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "volunteer_hours_entries",
            "registrations",
            "events",
            "volunteer_group_members",
            "volunteer_groups",
        ] {
            manager
                .drop_table(Table::drop().table(t(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
