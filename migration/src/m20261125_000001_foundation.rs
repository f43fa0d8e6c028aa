//! Step 1: identity, roster, roles, sessions, audit log, notifications.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id() -> ColumnDef {
    ColumnDef::new(Alias::new("id"))
        .string_len(36)
        .not_null()
        .primary_key()
        .to_owned()
}

fn fk_string(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .string_len(36)
        .not_null()
        .to_owned()
}

fn time(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn time_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn fk(from_table: &str, from_col: &str, to_table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(Alias::new(from_table), Alias::new(from_col))
        .to(Alias::new(to_table), Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn index(table: &str, name: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(Alias::new(table));
    for c in cols {
        idx.col(Alias::new(*c));
    }
    if unique {
        idx.unique();
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let t = |name: &str| Alias::new(name);

        manager
            .create_table(
                Table::create()
                    .table(t("settings"))
                    .col(
                        ColumnDef::new(t("key"))
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(t("value")).text().not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("communities"))
                    .col(id())
                    .col(ColumnDef::new(t("name")).string_len(100).not_null())
                    .col(
                        ColumnDef::new(t("cosign_threshold"))
                            .integer()
                            .not_null()
                            .default(5),
                    )
                    .col(time("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("buildings"))
                    .col(id())
                    .col(fk_string("community_id"))
                    .col(ColumnDef::new(t("name")).string_len(50).not_null())
                    .foreign_key(&mut fk("buildings", "community_id", "communities"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "buildings",
                "ux_buildings_community_name",
                &["community_id", "name"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("households"))
                    .col(id())
                    .col(fk_string("community_id"))
                    .col(fk_string("building_id"))
                    .col(ColumnDef::new(t("unit")).string_len(50).not_null())
                    .col(ColumnDef::new(t("area_centi")).big_integer().not_null())
                    .col(ColumnDef::new(t("owner")).boolean().not_null())
                    .foreign_key(&mut fk("households", "community_id", "communities"))
                    .foreign_key(&mut fk("households", "building_id", "buildings"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "households",
                "ux_households_building_unit",
                &["building_id", "unit"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "households",
                "ix_households_community",
                &["community_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("accounts"))
                    .col(id())
                    .col(
                        ColumnDef::new(t("phone"))
                            .string_len(11)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(t("name")).string_len(50).not_null())
                    .col(ColumnDef::new(t("password_hash")).text().null())
                    .col(
                        ColumnDef::new(t("is_admin"))
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(t("session_epoch"))
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(time("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("residents"))
                    .col(id())
                    .col(fk_string("account_id"))
                    .col(fk_string("community_id"))
                    .col(fk_string("household_id"))
                    .col(ColumnDef::new(t("name")).string_len(50).not_null())
                    .col(ColumnDef::new(t("active")).boolean().not_null())
                    .col(time("created_at"))
                    .col(time_null("deactivated_at"))
                    .foreign_key(&mut fk("residents", "account_id", "accounts"))
                    .foreign_key(&mut fk("residents", "community_id", "communities"))
                    .foreign_key(&mut fk("residents", "household_id", "households"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "residents",
                "ux_residents_account_community",
                &["account_id", "community_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "residents",
                "ix_residents_community_active",
                &["community_id", "active"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "residents",
                "ix_residents_household",
                &["household_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("role_grants"))
                    .col(id())
                    .col(fk_string("account_id"))
                    .col(fk_string("community_id"))
                    .col(ColumnDef::new(t("role")).string_len(16).not_null())
                    .col(time("granted_at"))
                    .foreign_key(&mut fk("role_grants", "account_id", "accounts"))
                    .foreign_key(&mut fk("role_grants", "community_id", "communities"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "role_grants",
                "ux_role_grants_account_community_role",
                &["account_id", "community_id", "role"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("invites"))
                    .col(id())
                    .col(fk_string("resident_id"))
                    .col(
                        ColumnDef::new(t("code_hash"))
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(time("created_at"))
                    .col(time("expires_at"))
                    .col(time_null("used_at"))
                    .col(time_null("revoked_at"))
                    .foreign_key(&mut fk("invites", "resident_id", "residents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "invites",
                "ix_invites_resident",
                &["resident_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("refresh_tokens"))
                    .col(id())
                    .col(fk_string("account_id"))
                    .col(fk_string("family_id"))
                    .col(
                        ColumnDef::new(t("token_hash"))
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(time("created_at"))
                    .col(time("expires_at"))
                    .col(time_null("used_at"))
                    .col(time_null("revoked_at"))
                    .foreign_key(&mut fk("refresh_tokens", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "refresh_tokens",
                "ix_refresh_tokens_account",
                &["account_id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "refresh_tokens",
                "ix_refresh_tokens_family",
                &["family_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("audit_head"))
                    .col(ColumnDef::new(t("id")).integer().not_null().primary_key())
                    .col(ColumnDef::new(t("seq")).big_integer().not_null())
                    .col(ColumnDef::new(t("hash")).string_len(64).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(t("audit_head"))
                    .columns([t("id"), t("seq"), t("hash")])
                    .values_panic([1.into(), 0i64.into(), "0".repeat(64).into()])
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("audit_log"))
                    .col(
                        ColumnDef::new(t("seq"))
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(time("at"))
                    .col(ColumnDef::new(t("actor_id")).string_len(36).null())
                    .col(ColumnDef::new(t("community_id")).string_len(36).null())
                    .col(ColumnDef::new(t("action")).string_len(64).not_null())
                    .col(ColumnDef::new(t("subject")).string_len(100).not_null())
                    .col(ColumnDef::new(t("details")).text().not_null())
                    .col(ColumnDef::new(t("prev_hash")).string_len(64).not_null())
                    .col(ColumnDef::new(t("hash")).string_len(64).not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("notifications"))
                    .col(id())
                    .col(fk_string("account_id"))
                    .col(ColumnDef::new(t("community_id")).string_len(36).null())
                    .col(ColumnDef::new(t("kind")).string_len(64).not_null())
                    .col(ColumnDef::new(t("params")).text().not_null())
                    .col(time("created_at"))
                    .col(time_null("read_at"))
                    .foreign_key(&mut fk("notifications", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "notifications",
                "ix_notifications_account_created",
                &["account_id", "created_at", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("outbox"))
                    .col(id())
                    .col(fk_string("notification_id"))
                    .col(ColumnDef::new(t("channel")).string_len(16).not_null())
                    .col(ColumnDef::new(t("status")).string_len(16).not_null())
                    .col(
                        ColumnDef::new(t("attempts"))
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(time("created_at"))
                    .col(time_null("sent_at"))
                    .foreign_key(&mut fk("outbox", "notification_id", "notifications"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "outbox",
                "ix_outbox_status",
                &["status", "created_at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("rate_limits"))
                    .col(
                        ColumnDef::new(t("key"))
                            .string_len(80)
                            .not_null()
                            .primary_key(),
                    )
                    .col(time("window_start"))
                    .col(ColumnDef::new(t("count")).integer().not_null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "rate_limits",
            "outbox",
            "notifications",
            "audit_log",
            "audit_head",
            "refresh_tokens",
            "invites",
            "role_grants",
            "residents",
            "accounts",
            "households",
            "buildings",
            "communities",
            "settings",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
