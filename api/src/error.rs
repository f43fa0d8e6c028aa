//! The one place where a domain error becomes a GraphQL error with `extensions.code`.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql turns any `Display` error
//! into a client message, and database text must never reach a client. Resolvers return
//! `AppError` (converted by the `From` impl below), so every error passes through `into_graphql`.

use async_graphql::{ErrorExtensions, Value};
use serde::Serialize;

/// One bad row of an import, reported with its line number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: Option<&'static str>,
    pub reason: &'static str,
    pub message: String,
}

#[derive(Debug)]
pub enum AppError {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadInput {
        field: &'static str,
        message: String,
    },
    BadRows {
        field: &'static str,
        rows: Vec<RowError>,
    },
    Conflict(String),
    /// A CONFLICT that names the existing thing (`extensions.existingId`).
    Duplicate {
        message: String,
        existing_id: String,
    },
    InvalidState(String),
    RateLimited,
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        AppError::BadInput {
            field,
            message: message.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict(message.into())
    }

    pub fn invalid_state(message: impl Into<String>) -> Self {
        AppError::InvalidState(message.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "UNAUTHENTICATED",
            AppError::Forbidden => "FORBIDDEN",
            AppError::NotFound => "NOT_FOUND",
            AppError::BadInput { .. } | AppError::BadRows { .. } => "BAD_USER_INPUT",
            AppError::Conflict(_) | AppError::Duplicate { .. } => "CONFLICT",
            AppError::InvalidState(_) => "INVALID_STATE",
            AppError::RateLimited => "RATE_LIMITED",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The English message a client may see.
    pub fn describe(&self) -> String {
        match self {
            AppError::Unauthenticated => "authentication required".into(),
            AppError::Forbidden => "not allowed".into(),
            AppError::NotFound => "not found".into(),
            AppError::BadInput { field, message } => format!("{field}: {message}"),
            AppError::BadRows { rows, .. } => {
                let mut msg = format!("{} invalid row(s): ", rows.len());
                let parts: Vec<String> = rows
                    .iter()
                    .take(20)
                    .map(|r| format!("line {}: {}", r.line, r.message))
                    .collect();
                msg.push_str(&parts.join("; "));
                msg
            }
            AppError::Conflict(m) | AppError::InvalidState(m) => m.clone(),
            AppError::Duplicate { message, .. } => message.clone(),
            AppError::RateLimited => "too many attempts; try again later".into(),
            AppError::Internal(_) => "internal error".into(),
        }
    }

    pub fn into_graphql(self) -> async_graphql::Error {
        if let AppError::Internal(e) = &self {
            // Logged in full here, never sent.
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let code = self.code();
        let message = self.describe();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            match &self {
                AppError::BadInput { field, .. } => ext.set("field", *field),
                AppError::Duplicate { existing_id, .. } => {
                    ext.set("existingId", existing_id.as_str())
                }
                AppError::BadRows { field, rows } => {
                    ext.set("field", *field);
                    let rows = rows
                        .iter()
                        .map(|r| {
                            let mut m = async_graphql::indexmap::IndexMap::new();
                            m.insert(async_graphql::Name::new("line"), Value::from(r.line));
                            m.insert(
                                async_graphql::Name::new("column"),
                                r.column.map(Value::from).unwrap_or(Value::Null),
                            );
                            m.insert(async_graphql::Name::new("reason"), Value::from(r.reason));
                            m.insert(
                                async_graphql::Name::new("message"),
                                Value::from(r.message.clone()),
                            );
                            Value::Object(m)
                        })
                        .collect::<Vec<_>>();
                    ext.set("rows", Value::List(rows));
                }
                _ => {}
            }
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        e.into_graphql()
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        if crate::db::is_unique_violation(&e) {
            return AppError::Conflict("already exists".into());
        }
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(e: sea_orm::TransactionError<AppError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

/// What resolvers return. Build it only from `AppError` (`?` on an `AppResult`), never from a
/// foreign error type, whose text could leak.
pub type GqlResult<T> = async_graphql::Result<T>;
