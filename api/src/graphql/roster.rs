//! Roster import, invites, deactivation and roles (committee tools).

use async_graphql::connection::{Connection, Edge, EmptyFields, OpaqueCursor};
use async_graphql::{Context, Object, SimpleObject, ID};

use super::types::{Invite, Resident, RosterImport};
use crate::auth::{app_state, require_viewer};
use crate::domain::roles::Role;
use crate::domain::roster::service;
use crate::error::{AppError, AppResult, GqlResult};

pub const MAX_PAGE: usize = 100;

#[derive(SimpleObject)]
pub struct ResidentTotals {
    /// Residents matching the filter, over all pages.
    pub total_count: u64,
}

pub type ResidentConnection = Connection<OpaqueCursor<u64>, Resident, ResidentTotals, EmptyFields>;

/// Cursor arguments → (offset, limit). `first` defaults to 50 and is capped at 100.
pub fn page(first: Option<i32>, after: Option<String>) -> AppResult<(u64, usize)> {
    let limit = match first {
        None => 50,
        Some(n) if (1..=MAX_PAGE as i32).contains(&n) => n as usize,
        Some(_) => return Err(AppError::bad_input("first", "must be between 1 and 100")),
    };
    let offset = match after {
        None => 0,
        Some(c) => {
            use async_graphql::connection::CursorType;
            OpaqueCursor::<u64>::decode_cursor(&c)
                .map_err(|_| AppError::bad_input("after", "not a valid cursor"))?
                .0
                + 1
        }
    };
    Ok((offset, limit))
}

#[derive(Default)]
pub struct RosterQuery;

#[Object]
impl RosterQuery {
    /// The community's roster (committee and admins), by name.
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
        let (offset, limit) = page(first, after)?;
        let (rows, total) = service::list(
            &app_state(ctx)?.db,
            &viewer,
            &community_id,
            search.as_deref(),
            include_inactive.unwrap_or(false),
            offset,
            limit as u64,
        )
        .await?;
        let has_next = offset + (rows.len() as u64) < total;
        let mut conn = Connection::with_additional_fields(
            offset > 0,
            has_next,
            ResidentTotals { total_count: total },
        );
        conn.edges.extend(
            rows.into_iter()
                .enumerate()
                .map(|(i, r)| Edge::new(OpaqueCursor(offset + i as u64), Resident(r))),
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
        Ok(Resident(
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
        Ok(Resident(
            service::set_role(app_state(ctx)?, &viewer, &resident_id, role, true).await?,
        ))
    }

    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        resident_id: ID,
        role: Role,
    ) -> GqlResult<Resident> {
        let viewer = require_viewer(ctx).await?;
        Ok(Resident(
            service::set_role(app_state(ctx)?, &viewer, &resident_id, role, false).await?,
        ))
    }
}
