//! Sign-in, sessions, the viewer and communities.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};

use super::enums::{self, Role};
use super::types::{household_by_id, Community, Household};
use crate::auth::{app_state, optional_viewer, require_viewer, ClientAddr};
use crate::domain::community;
use crate::domain::identity::service::{self, Session};
use crate::domain::roles;
use crate::error::GqlResult;

pub struct AuthPayload(Session);

#[Object]
impl AuthPayload {
    /// A JWT for `Authorization: Bearer`, valid 15 minutes.
    async fn access_token(&self) -> &str {
        &self.0.access_token
    }
    /// Opaque; exchange it once with `refreshSession` (it rotates).
    async fn refresh_token(&self) -> &str {
        &self.0.refresh_token
    }
    /// When the access token expires.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    async fn viewer(&self) -> Viewer {
        Viewer(crate::auth::Viewer::new(self.0.account.clone()))
    }
}

/// The signed-in person.
/// (Its places and roles come from the request's viewer, read at most once per request.)
pub struct Viewer(crate::auth::Viewer);

#[Object]
impl Viewer {
    async fn id(&self) -> ID {
        ID(self.0.account.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.account.name
    }
    async fn phone(&self) -> &str {
        &self.0.account.phone
    }
    async fn is_admin(&self) -> bool {
        self.0.account.is_admin
    }
    /// The household of the viewer's most recent active residency.
    async fn household(&self, ctx: &Context<'_>) -> GqlResult<Option<Household>> {
        let places = self.0.places(&app_state(ctx)?.db).await?;
        match roles::latest_place(&places) {
            Some(r) => Ok(household_by_id(ctx, &r.household_id).await?),
            None => Ok(None),
        }
    }
    /// Communities the viewer belongs to (every community for a platform admin).
    async fn communities(&self, ctx: &Context<'_>) -> GqlResult<Vec<Community>> {
        let list = community::visible(&app_state(ctx)?.db, &self.0).await?;
        Ok(list.into_iter().map(Community).collect())
    }
    /// The viewer's roles in a community (empty when not a member).
    async fn roles(&self, ctx: &Context<'_>, community_id: ID) -> GqlResult<Vec<Role>> {
        Ok(enums::all(
            roles::viewer_roles(&app_state(ctx)?.db, &self.0, &community_id).await?,
        ))
    }
    /// The viewer's resident id in a community, if on its roster.
    async fn resident_id(&self, ctx: &Context<'_>, community_id: ID) -> GqlResult<Option<ID>> {
        Ok(
            roles::active_resident(&app_state(ctx)?.db, &self.0, &community_id)
                .await?
                .map(|r| ID(r.id)),
        )
    }
}

fn client(ctx: &Context<'_>) -> String {
    ctx.data_opt::<ClientAddr>()
        .map(|c| c.0.clone())
        .unwrap_or_default()
}

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The signed-in viewer, or null.
    async fn me(&self, ctx: &Context<'_>) -> GqlResult<Option<Viewer>> {
        Ok(optional_viewer(ctx).await?.map(Viewer))
    }
    /// Communities the viewer may see.
    async fn communities(&self, ctx: &Context<'_>) -> GqlResult<Vec<Community>> {
        let viewer = require_viewer(ctx).await?;
        let list = community::visible(&app_state(ctx)?.db, &viewer).await?;
        Ok(list.into_iter().map(Community).collect())
    }
    async fn community(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Community>> {
        let viewer = require_viewer(ctx).await?;
        Ok(Some(Community(
            community::get(&app_state(ctx)?.db, &viewer, &id).await?,
        )))
    }
}

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        phone: String,
        password: String,
    ) -> GqlResult<AuthPayload> {
        let state = app_state(ctx)?;
        Ok(AuthPayload(
            service::sign_in(state, &phone, &password, &client(ctx)).await?,
        ))
    }

    /// Exchanges a refresh token for a new pair. Each refresh token works once.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> GqlResult<AuthPayload> {
        Ok(AuthPayload(
            service::refresh(app_state(ctx)?, &refresh_token).await?,
        ))
    }

    /// Sets a password with a one-time invite code and signs in.
    async fn claim_invite(
        &self,
        ctx: &Context<'_>,
        code: String,
        password: String,
    ) -> GqlResult<AuthPayload> {
        let state = app_state(ctx)?;
        Ok(AuthPayload(
            service::claim_invite(state, &code, &password, &client(ctx)).await?,
        ))
    }

    /// Ends the session of this refresh token.
    async fn sign_out(&self, ctx: &Context<'_>, refresh_token: String) -> GqlResult<bool> {
        Ok(service::sign_out(app_state(ctx)?, &refresh_token).await?)
    }

    /// Platform admins only.
    async fn create_community(&self, ctx: &Context<'_>, name: String) -> GqlResult<Community> {
        let viewer = require_viewer(ctx).await?;
        let state = app_state(ctx)?;
        Ok(Community(
            community::create(&state.db, &state.audit, &viewer, &name).await?,
        ))
    }
}
