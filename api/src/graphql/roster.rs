//! Roster import, invites, deactivation and roles (committee tools).

use async_graphql::connection::{Connection, Edge, EmptyFields, OpaqueCursor};
use async_graphql::{Context, Object, SimpleObject, ID};

use super::enums::Role;
use super::paging;
use super::types::{Invite, Resident, RosterImport};
use crate::auth::{app_state, require_viewer};
use crate::domain::roster::service;
use crate::error::GqlResult;

#[derive(SimpleObject)]
pub struct ResidentTotals {
    /// Residents matching the filter, over all pages.
    pub total_count: u64,
}

/// Paged by keyset: the cursor is the last resident's id (never their name, by which the list
/// is ordered; the server looks the name up).
pub type ResidentConnection =
    Connection<OpaqueCursor<String>, Resident, ResidentTotals, EmptyFields>;

#[derive(Default)]
pub struct RosterQuery;

#[Object]
impl RosterQuery {
    /// The community's roster (committee and admins), by name.
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn residents(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        first: Option<i32>,
        after: Option<String>,
        search: Option<String>,
        include_inactive: Option<bool>,
    ) -> GqlResult<ResidentConnection> {
        let viewer = require_viewer(ctx).await?;
        let limit = paging::first(first, paging::LIST)?;
        let after = paging::id_after(after.as_deref())?;
        let found = service::list(
            &app_state(ctx)?.db,
            &viewer,
            &community_id,
            search.as_deref(),
            include_inactive.unwrap_or(false),
            after.as_deref(),
            limit,
            ctx.look_ahead().field("totalCount").exists(),
        )
        .await?;
        let mut conn = Connection::with_additional_fields(
            after.is_some(),
            found.has_next,
            ResidentTotals {
                total_count: found.total,
            },
        );
        conn.edges.extend(
            Resident::page(found.rows)
                .into_iter()
                .map(|r| Edge::new(OpaqueCursor(r.0.id.clone()), r)),
        );
        Ok(conn)
    }
}

#[derive(Default)]
pub struct RosterMutation;

#[Object]
impl RosterMutation {
    /// Imports a roster CSV (`building,unit,area_m2,owner,name,phone,roles`). All or nothing:
    /// a bad file changes nothing and every bad row is reported in `extensions.rows`.
    async fn import_roster(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        csv: String,
    ) -> GqlResult<RosterImport> {
        let viewer = require_viewer(ctx).await?;
        Ok(
            service::import(app_state(ctx)?, &viewer, &community_id, &csv)
                .await?
                .into(),
        )
    }

    /// A fresh one-time invite code (e.g. for a forgotten password); earlier codes stop working.
    async fn issue_invite(&self, ctx: &Context<'_>, resident_id: ID) -> GqlResult<Invite> {
        let viewer = require_viewer(ctx).await?;
        Ok(
            service::issue_invite(app_state(ctx)?, &viewer, &resident_id)
                .await?
                .into(),
        )
    }

    /// A resident who moved out: kept on record, off the roster, signed out everywhere.
    async fn deactivate_resident(&self, ctx: &Context<'_>, resident_id: ID) -> GqlResult<Resident> {
        let viewer = require_viewer(ctx).await?;
        Ok(Resident::new(
            service::deactivate(app_state(ctx)?, &viewer, &resident_id).await?,
        ))
    }

    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        resident_id: ID,
        role: Role,
    ) -> GqlResult<Resident> {
        let viewer = require_viewer(ctx).await?;
        Ok(Resident::new(
            service::set_role(app_state(ctx)?, &viewer, &resident_id, role.into(), true).await?,
        ))
    }

    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        resident_id: ID,
        role: Role,
    ) -> GqlResult<Resident> {
        let viewer = require_viewer(ctx).await?;
        Ok(Resident::new(
            service::set_role(app_state(ctx)?, &viewer, &resident_id, role.into(), false).await?,
        ))
    }
}
