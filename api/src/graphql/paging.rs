//! Relay connections (DESIGN §9): the one place that reads `first` and `after`, builds keyset
//! connections and prices a connection for the complexity limit. Every list pages by keyset:
//! a page is found through an index whatever its depth, and rows added meanwhile neither repeat
//! nor skip rows.
//!
//! A malformed cursor, or one that no page of this server could have made (an id that is not a
//! UUID, a time outside 2000–9999, bytes that are not base64 JSON), is `BAD_USER_INPUT` with
//! `extensions.field: "after"`; a `first` outside `1..=max` is `BAD_USER_INPUT` on `first`.

use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields, OpaqueCursor};
use async_graphql::{ObjectType, OutputType, SimpleObject};
use serde::{de::DeserializeOwned, Serialize};

use crate::error::{AppError, AppResult};

/// The size of a list over all its pages.
#[derive(SimpleObject)]
pub struct Totals {
    /// Items over all pages.
    pub total_count: u64,
}

/// The page sizes of one connection: when `first` is absent, and the most one page gives.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub default: u64,
    pub max: u64,
}

/// Topics, residents, the electorate, needsMe lists.
pub const LIST: Size = Size {
    default: 50,
    max: 100,
};
/// The inbox.
pub const INBOX: Size = Size {
    default: 20,
    max: 100,
};
/// A topic's comments and a comment's replies (each up to 2,000 characters).
pub const COMMENTS: Size = Size {
    default: 20,
    max: 50,
};
/// A topic's progress updates.
pub const UPDATES: Size = Size {
    default: 20,
    max: 100,
};

/// `first`, checked against the connection's maximum.
pub fn first(first: Option<i32>, size: Size) -> AppResult<u64> {
    match first {
        None => Ok(size.default),
        Some(n) if n >= 1 && (n as u64) <= size.max => Ok(n as u64),
        Some(_) => Err(AppError::bad_input(
            "first",
            format!("must be between 1 and {}", size.max),
        )),
    }
}

/// Decodes an opaque `after` cursor of any shape; anything else is BAD_USER_INPUT on `after`.
pub fn after<T: Serialize + DeserializeOwned>(after: Option<&str>) -> AppResult<Option<T>> {
    after
        .map(|c| {
            OpaqueCursor::<T>::decode_cursor(c)
                .map(|c| c.0)
                .map_err(|_| not_a_cursor())
        })
        .transpose()
}

/// Decodes a cursor that names the last row shown by its id alone (lists ordered by something
/// the cursor should not carry, such as a name): BAD_USER_INPUT unless it is a UUID.
pub fn id_after(after_arg: Option<&str>) -> AppResult<Option<String>> {
    let id = after::<String>(after_arg)?;
    match &id {
        Some(id) if uuid::Uuid::parse_str(id).is_err() => Err(not_a_cursor()),
        _ => Ok(id),
    }
}

fn not_a_cursor() -> AppError {
    AppError::bad_input("after", "not a valid cursor")
}

/// Where a keyset page starts: after the row with this (`created_at`, `id`), in the list's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Key {
    pub at: chrono::DateTime<chrono::Utc>,
    pub id: String,
}

/// A page's rows as (cursor key, node) pairs: `key` names a row's (time, id), `node` wraps it.
pub fn keyed<T, N>(
    rows: Vec<T>,
    key: impl Fn(&T) -> (chrono::DateTime<chrono::Utc>, String),
    node: impl Fn(T) -> N,
) -> Vec<(Key, N)> {
    rows.into_iter()
        .map(|row| {
            let (at, id) = key(&row);
            (Key { at, id }, node(row))
        })
        .collect()
}

/// Decodes a keyset cursor (also the `[time, id]` pair shape) and refuses one no page of this
/// server could have made: an id that is not a UUID (ours all are), a time outside 2000–9999
/// (the databases' ranges differ beyond). BAD_USER_INPUT on `after`, never INTERNAL.
pub fn key_after(after_arg: Option<&str>) -> AppResult<Option<Key>> {
    use chrono::Datelike;
    let key = after::<Key>(after_arg)?;
    if let Some(k) = &key {
        let year = k.at.year();
        if uuid::Uuid::parse_str(&k.id).is_err() || !(2000..=9999).contains(&year) {
            return Err(not_a_cursor());
        }
    }
    Ok(key)
}

/// A connection paged by keyset cursors: a page is found through the ordering index whatever
/// its depth, and rows added meanwhile neither repeat nor skip rows on the next page.
pub type KeyConnection<N, E = Totals> = Connection<OpaqueCursor<Key>, N, E, EmptyFields>;

/// One page of a keyset-cursored list: the rows after `after`, at most `limit` of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPage {
    pub after: Option<Key>,
    pub limit: u64,
}

impl KeyPage {
    pub fn new(first_arg: Option<i32>, after_arg: Option<&str>, size: Size) -> AppResult<Self> {
        let limit = first(first_arg, size)?;
        Ok(Self {
            after: key_after(after_arg)?,
            limit,
        })
    }

    /// The connection of a page's rows, each with its key.
    pub fn connection<N: OutputType, E: ObjectType>(
        &self,
        rows: Vec<(Key, N)>,
        has_next: bool,
        fields: E,
    ) -> KeyConnection<N, E> {
        let mut conn = Connection::with_additional_fields(self.after.is_some(), has_next, fields);
        conn.edges.extend(
            rows.into_iter()
                .map(|(key, n)| Edge::new(OpaqueCursor(key), n)),
        );
        conn
    }
}

/// The complexity of a connection field: its selection counts once per item it may return, so
/// the schema's complexity limit bounds what nested and aliased connections can produce.
pub fn cost(first: Option<i32>, size: Size, child_complexity: usize) -> usize {
    let n = first
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(size.default)
        .clamp(1, size.max);
    usize::try_from(n)
        .unwrap_or(usize::MAX)
        .saturating_mul(child_complexity.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode<T: Serialize + DeserializeOwned>(v: T) -> String {
        OpaqueCursor(v).encode_cursor()
    }

    fn field<T>(r: AppResult<T>) -> &'static str {
        match r {
            Err(AppError::BadInput { field, .. }) => field,
            _ => "<none>",
        }
    }

    #[test]
    fn id_cursors_name_a_uuid_and_anything_else_is_bad_input_on_after() {
        let id = "6f1c2a4e-1b7d-4c55-9d0e-2f8b1a3c4d5e";
        assert_eq!(
            id_after(Some(&encode(id.to_owned()))).ok(),
            Some(Some(id.to_owned()))
        );
        assert_eq!(id_after(None).ok(), Some(None));
        for bad in [
            encode(1u64 << 63),
            encode(-1i64),
            encode(String::from("x")),
            encode(String::from("王小明")),
            "!!!not base64".to_owned(),
            "eyJ".to_owned(),
        ] {
            assert_eq!(field(id_after(Some(&bad))), "after", "{bad}");
        }
    }

    #[test]
    fn keyset_cursors_name_a_uuid_and_a_sane_time() {
        let id = "6f1c2a4e-1b7d-4c55-9d0e-2f8b1a3c4d5e";
        let at = |y: i32| {
            use chrono::TimeZone;
            chrono::Utc
                .with_ymd_and_hms(y, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default()
        };
        let ok = encode(Key {
            at: at(2026),
            id: id.into(),
        });
        assert!(key_after(Some(&ok)).is_ok_and(|k| k.is_some()));
        // The pair shape decodes too.
        assert!(key_after(Some(&encode((at(2026), id.to_owned())))).is_ok());
        for bad in [
            encode(Key {
                at: at(2026),
                id: "x".into(),
            }),
            encode(Key {
                at: at(2026),
                id: "a\u{0}b".into(),
            }),
            encode(Key {
                at: at(1900),
                id: id.into(),
            }),
            encode(Key {
                at: chrono::DateTime::<chrono::Utc>::MAX_UTC,
                id: id.into(),
            }),
            encode(5u64),
        ] {
            assert_eq!(field(key_after(Some(&bad))), "after", "{bad}");
        }
    }

    #[test]
    fn first_is_bounded_by_the_connection() {
        assert_eq!(field(KeyPage::new(Some(51), None, COMMENTS)), "first");
        assert_eq!(field(KeyPage::new(Some(0), None, COMMENTS)), "first");
        assert_eq!(field(KeyPage::new(Some(-5), None, LIST)), "first");
        assert_eq!(
            KeyPage::new(None, None, COMMENTS).ok().map(|p| p.limit),
            Some(20)
        );
        assert_eq!(first(Some(100), LIST).ok(), Some(100));
    }

    #[test]
    fn a_connection_costs_its_selection_per_item() {
        assert_eq!(cost(Some(10), COMMENTS, 3), 30);
        assert_eq!(cost(None, COMMENTS, 3), 60);
        assert_eq!(cost(Some(1_000_000), COMMENTS, 3), 150);
        // A negative `first` is refused by the resolver; until then it costs like the default.
        assert_eq!(cost(Some(-1), COMMENTS, 3), 60);
    }
}
