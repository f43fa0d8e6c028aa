//! The GraphQL API as the portal uses it: one client function ([`client::graphql`]) and one
//! file per module holding its serde types and typed calls; the documents are `graphql/*.graphql`.
//!
//! Everything here compiles on every target; only the HTTP transport inside `client` is
//! browser-only, so the error decoding and the refresh logic are unit-tested natively.

pub mod awards;
pub mod ballots;
pub mod client;
pub mod events;
pub mod identity;
pub mod live;
pub mod mediation;
pub mod notifications;
pub mod roll;
pub mod roster;
pub mod topics;

use serde::de::DeserializeOwned;
use serde::Deserialize;

/// `errors[].extensions.code`, plus `Network` for a request that never got an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    InvalidState,
    RateLimited,
    Internal,
    Network,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 9] = [
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::BadUserInput,
        ErrorCode::Conflict,
        ErrorCode::InvalidState,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::Network,
    ];

    /// An unknown or missing code is treated as `INTERNAL`.
    pub fn from_wire(code: &str) -> ErrorCode {
        ErrorCode::ALL
            .into_iter()
            .find(|c| c.as_str() == code && *c != ErrorCode::Network)
            .unwrap_or(ErrorCode::Internal)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::InvalidState => "INVALID_STATE",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::Network => "NETWORK",
        }
    }
}

/// One bad row of a rejected roster import (`extensions.rows[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RowError {
    pub line: i64,
    #[serde(default)]
    pub column: Option<String>,
    pub reason: String,
}

/// A failed request, reduced to what the portal shows: the code (never the server's English
/// message), the offending field, and for a roster import the bad rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub field: Option<String>,
    pub rows: Vec<RowError>,
    /// A `CONFLICT`'s existing thing (`extensions.existingId`), e.g. the public nomination of
    /// the same nominee.
    pub existing_id: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> ApiError {
        ApiError {
            code,
            field: None,
            rows: Vec::new(),
            existing_id: None,
        }
    }

    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == code
    }
}

/// One entry of a response's `errors`. With errors, `data` is not decoded at all (it may be
/// partial, e.g. `null` where the type wants a value).
#[derive(Deserialize)]
struct RawError {
    #[serde(default)]
    extensions: Option<RawExtensions>,
}

#[derive(Deserialize)]
struct RawExtensions {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    rows: Vec<RowError>,
    #[serde(default, rename = "existingId")]
    existing_id: Option<String>,
}

impl From<RawError> for ApiError {
    fn from(raw: RawError) -> ApiError {
        match raw.extensions {
            Some(ext) => ApiError {
                code: ext
                    .code
                    .as_deref()
                    .map_or(ErrorCode::Internal, ErrorCode::from_wire),
                field: ext.field,
                rows: ext.rows,
                existing_id: ext.existing_id,
            },
            None => ApiError::new(ErrorCode::Internal),
        }
    }
}

/// Decodes a GraphQL response body. Any error makes the whole call fail with the first error
/// (the portal never uses partial data); data of an unexpected shape is `INTERNAL`.
pub fn decode<T: DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    // The text is parsed once into a `serde_json::Value` and each type is read from that: the
    // WASM then holds serde_json's text parser for `Value` alone, and per type only the far
    // smaller code that reads a `Value` (3.2 KB brotli off the first screen). Decode every reply
    // this way (locale tables too: `i18n::parse_table`); a type read from text as well would
    // carry both.
    let internal = |_| ApiError::new(ErrorCode::Internal);
    let mut whole: serde_json::Value = serde_json::from_str(body).map_err(internal)?;
    if let Some(errors) = whole.get_mut("errors").map(serde_json::Value::take) {
        let errors: Vec<RawError> = serde_json::from_value(errors).map_err(internal)?;
        if let Some(first) = errors.into_iter().next() {
            return Err(first.into());
        }
    }
    match whole.get_mut("data").map(serde_json::Value::take) {
        Some(serde_json::Value::Null) | None => Err(ApiError::new(ErrorCode::Internal)),
        Some(data) => serde_json::from_value(data).map_err(internal),
    }
}

/// A page of a Relay connection, as the portal reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    #[serde(default)]
    pub end_cursor: Option<String>,
}

/// A role a resident holds in a community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Resident,
    Committee,
    Mediator,
    Organizer,
    Admin,
    /// A role added to the server after this portal was built.
    #[serde(other)]
    Unknown,
}

impl Role {
    /// The role named by its schema name; `Unknown` for any other text.
    pub fn from_wire(name: &str) -> Role {
        [
            Role::Resident,
            Role::Committee,
            Role::Mediator,
            Role::Organizer,
            Role::Admin,
        ]
        .into_iter()
        .find(|r| r.as_str() == name)
        .unwrap_or(Role::Unknown)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "RESIDENT",
            Role::Committee => "COMMITTEE",
            Role::Mediator => "MEDIATOR",
            Role::Organizer => "ORGANIZER",
            Role::Admin => "ADMIN",
            Role::Unknown => "UNKNOWN",
        }
    }
}

/// A GraphQL document as the build made it from `graphql/*.graphql`: the operation and the
/// fragments it spreads, each fragment's text kept once in the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Document {
    pub operation: &'static str,
    pub fragments: &'static [&'static str],
}

impl Document {
    /// The text sent: the operation, then its fragments.
    pub fn text(&self) -> String {
        let mut out = String::from(self.operation);
        for f in self.fragments {
            out.push(' ');
            out.push_str(f);
        }
        out
    }
}

/// The GraphQL documents the portal sends, generated by `build.rs` from `graphql/*.graphql`:
/// `documents::<module>::<OPERATION>`, each with the fragments it spreads.
pub mod documents {
    include!(concat!(env!("OUT_DIR"), "/documents.rs"));
}

/// Every GraphQL document the portal sends, by name, with the fragments it spreads: the API
/// suite runs each against the server's limits (depth, complexity, fields). Host builds only.
#[cfg(not(target_arch = "wasm32"))]
pub fn documents() -> Vec<(&'static str, String)> {
    documents::ALL
        .iter()
        .map(|(name, document)| (*name, document.text()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each document is parsed and validated against the server's schema (the SDL that
    /// `./dev schema` writes and the server's own test keeps current): a field, argument, type
    /// or enum value the server does not have, an unused variable or a missing fragment fails
    /// here, not in a resident's hands.
    #[test]
    fn every_document_is_valid_against_the_server_schema() {
        use apollo_compiler::{ExecutableDocument, Schema};
        let sdl = include_str!("../../../api/schema.graphql");
        let schema = Schema::parse_and_validate(sdl, "api/schema.graphql")
            .unwrap_or_else(|e| panic!("the schema does not validate: {}", e.errors));
        let mut problems = Vec::new();
        for (name, document) in documents::ALL {
            if let Err(e) = ExecutableDocument::parse_and_validate(&schema, document.text(), *name)
            {
                problems.push(format!("{name}: {}", e.errors));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        assert!(documents::ALL.len() >= 100, "{}", documents::ALL.len());
    }

    /// Documents live in `graphql/*.graphql`, where the check above sees them: no Rust source
    /// of the portal (pages and components included) holds one.
    #[test]
    fn no_document_is_written_in_rust() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 20, "{files:?}");
        for path in files {
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            // A named operation in a string (a test's anonymous sample is fine).
            for start in ["\"query ", "\"mutation ", "\"subscription "] {
                let named = source.match_indices(start).any(|(i, _)| {
                    source[i + start.len()..].starts_with(|c: char| c.is_ascii_uppercase())
                });
                assert!(
                    !named,
                    "{} writes a GraphQL document ({start}…): put it in graphql/",
                    path.display()
                );
            }
        }
    }

    /// The build minifies without changing meaning: a spread fragment comes along once, and
    /// names stay apart.
    #[test]
    fn generated_documents_carry_each_fragment_they_spread_once() {
        let event = documents::events::EVENT.text();
        // (Spelled in two parts, or the test above would take it for a document.)
        let expected = ["query", "Event($id:ID!){event(id:$id){...Ev}}"].join(" ");
        assert!(event.starts_with(&expected), "{event}");
        assert_eq!(event.matches("fragment Ev on Event").count(), 1);
        // `Ev` spreads `Reg`: it comes along too.
        assert_eq!(event.matches("fragment Reg on Registration").count(), 1);
        assert!(documents::events::ATTENDEES.fragments.is_empty());
        assert!(documents::mediation::MEDIATION_CASE
            .text()
            .contains("fragment CaseEntryFields on"));
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Count {
        n: i64,
    }

    #[test]
    fn data_is_decoded_into_the_requested_type() {
        assert_eq!(decode::<Count>(r#"{"data":{"n":3}}"#), Ok(Count { n: 3 }));
    }

    #[test]
    fn the_first_error_wins_over_partial_data() {
        let body = r#"{"data":{"n":null},"errors":[{"message":"No","extensions":{"code":"FORBIDDEN"}},{"message":"x"}]}"#;
        assert_eq!(
            decode::<Count>(body),
            Err(ApiError::new(ErrorCode::Forbidden))
        );
    }

    #[test]
    fn a_conflict_keeps_the_existing_id() {
        let body = r#"{"data":null,"errors":[{"message":"taken","extensions":{"code":"CONFLICT","existingId":"n-1"}}]}"#;
        let err = decode::<Count>(body).err();
        assert_eq!(err.as_ref().map(|e| e.code), Some(ErrorCode::Conflict));
        assert_eq!(err.and_then(|e| e.existing_id).as_deref(), Some("n-1"));
    }

    #[test]
    fn bad_user_input_keeps_the_field_and_the_roster_rows() {
        let body = r#"{"data":null,"errors":[{"message":"bad csv","extensions":{"code":"BAD_USER_INPUT","field":"csv",
            "rows":[{"line":3,"column":"phone","reason":"PHONE_INVALID","message":"bad phone"},
                    {"line":4,"column":null,"reason":"COLUMNS","message":"wrong"}]}}]}"#;
        let err = decode::<Count>(body).err();
        let expected = ApiError {
            code: ErrorCode::BadUserInput,
            field: Some("csv".into()),
            rows: vec![
                RowError {
                    line: 3,
                    column: Some("phone".into()),
                    reason: "PHONE_INVALID".into(),
                },
                RowError {
                    line: 4,
                    column: None,
                    reason: "COLUMNS".into(),
                },
            ],
            existing_id: None,
        };
        assert_eq!(err, Some(expected));
    }

    #[test]
    fn unknown_or_missing_codes_and_garbage_are_internal() {
        let unknown = r#"{"errors":[{"message":"?","extensions":{"code":"TEAPOT"}}]}"#;
        assert_eq!(
            decode::<Count>(unknown).err().map(|e| e.code),
            Some(ErrorCode::Internal)
        );
        let missing = r#"{"errors":[{"message":"?"}]}"#;
        assert_eq!(
            decode::<Count>(missing).err().map(|e| e.code),
            Some(ErrorCode::Internal)
        );
        assert_eq!(
            decode::<Count>("<html>").err().map(|e| e.code),
            Some(ErrorCode::Internal)
        );
        assert_eq!(
            decode::<Count>(r#"{"data":{"m":1}}"#).err().map(|e| e.code),
            Some(ErrorCode::Internal)
        );
    }

    #[test]
    fn network_is_never_read_from_the_wire() {
        assert_eq!(ErrorCode::from_wire("NETWORK"), ErrorCode::Internal);
    }

    #[test]
    fn every_error_code_and_role_has_a_locale_key_family_entry() {
        for code in ErrorCode::ALL {
            assert!(
                crate::i18n::ERROR_CODES.contains(&code.as_str()),
                "{code:?}"
            );
        }
        for role in [
            Role::Resident,
            Role::Committee,
            Role::Mediator,
            Role::Organizer,
            Role::Admin,
            Role::Unknown,
        ] {
            assert!(crate::i18n::ROLES.contains(&role.as_str()), "{role:?}");
        }
    }

    #[test]
    fn roles_are_read_from_their_schema_names() {
        assert_eq!(Role::from_wire("MEDIATOR"), Role::Mediator);
        assert_eq!(Role::from_wire("mediator"), Role::Unknown);
        assert_eq!(Role::from_wire("UNKNOWN"), Role::Unknown);
    }

    #[test]
    fn unknown_roles_do_not_break_decoding() {
        let roles: Vec<Role> =
            serde_json::from_str(r#"["COMMITTEE","AUDITOR"]"#).unwrap_or_default();
        assert_eq!(roles, vec![Role::Committee, Role::Unknown]);
    }
}
