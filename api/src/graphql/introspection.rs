//! Introspection-only documents run on a second instance of the schema with their own depth
//! limit. The standard introspection query (graphql-js `getIntrospectionQuery()`, which GraphiQL's
//! docs panel sends) nests 13 deep through its `ofType` chains, past `MAX_DEPTH`; every other
//! document keeps `MAX_DEPTH`.
//!
//! "Introspection-only": every operation is a query whose root selects only `__schema`,
//! `__type` and `__typename`, and no path below nests one type-member list (`fields`,
//! `inputFields`, `interfaces`, `possibleTypes`, `enumValues`) inside another, so the answer is
//! bounded by the schema's size (`__type { fields { type { fields { type { fields … } } } } }`
//! would otherwise multiply). Such documents touch no resolver of ours, no data and no
//! database; this schema instance holds none.

use std::sync::LazyLock;

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};

use super::AppSchema;

/// Depth limit of introspection-only documents (the standard query needs 13; graphql-js 17's
/// deeper `ofType` chain a few more).
pub const INTROSPECTION_MAX_DEPTH: usize = 20;

const ROOT_FIELDS: [&str; 3] = ["__schema", "__type", "__typename"];
const MEMBER_LISTS: [&str; 5] = [
    "fields",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
];
/// Fragment nesting followed before giving up (cycles are refused by validation later).
const MAX_NESTING: usize = 64;

static SCHEMA: LazyLock<AppSchema> = LazyLock::new(|| {
    super::builder()
        .limit_depth(INTROSPECTION_MAX_DEPTH)
        .finish()
});

/// The schema instance to run `request` on: the introspection one for introspection-only
/// documents, else `schema`.
pub fn schema_for<'a>(
    request: &async_graphql::Request,
    doc: Option<&async_graphql::parser::types::ExecutableDocument>,
    schema: &'a AppSchema,
) -> &'a AppSchema {
    // Cheap test first: most documents never mention introspection.
    if !request.query.contains("__schema") && !request.query.contains("__type") {
        return schema;
    }
    match doc {
        Some(doc) if is_introspection_only(doc) => &SCHEMA,
        _ => schema,
    }
}

/// True when every operation of `doc` selects nothing but introspection, boundedly (above).
pub fn is_introspection_only(doc: &ExecutableDocument) -> bool {
    let mut any = false;
    let all = doc.operations.iter().all(|(_, op)| {
        any = true;
        op.node.ty == OperationType::Query && root_ok(doc, &op.node.selection_set.node, 0)
    });
    any && all
}

fn root_ok(doc: &ExecutableDocument, set: &SelectionSet, nesting: usize) -> bool {
    nesting <= MAX_NESTING
        && set.items.iter().all(|s| match &s.node {
            Selection::Field(f) => {
                ROOT_FIELDS.contains(&f.node.name.node.as_str())
                    && below_ok(doc, &f.node.selection_set.node, 0, nesting + 1)
            }
            Selection::InlineFragment(f) => root_ok(doc, &f.node.selection_set.node, nesting + 1),
            Selection::FragmentSpread(s) => doc
                .fragments
                .get(&s.node.fragment_name.node)
                .is_some_and(|f| root_ok(doc, &f.node.selection_set.node, nesting + 1)),
        })
}

fn below_ok(doc: &ExecutableDocument, set: &SelectionSet, lists: usize, nesting: usize) -> bool {
    nesting <= MAX_NESTING
        && set.items.iter().all(|s| match &s.node {
            Selection::Field(f) => {
                let lists = lists + usize::from(MEMBER_LISTS.contains(&f.node.name.node.as_str()));
                lists <= 1 && below_ok(doc, &f.node.selection_set.node, lists, nesting + 1)
            }
            Selection::InlineFragment(f) => {
                below_ok(doc, &f.node.selection_set.node, lists, nesting + 1)
            }
            Selection::FragmentSpread(s) => doc
                .fragments
                .get(&s.node.fragment_name.node)
                .is_some_and(|f| below_ok(doc, &f.node.selection_set.node, lists, nesting + 1)),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(q: &str) -> bool {
        is_introspection_only(
            &async_graphql::parser::parse_query(q).unwrap_or_else(|e| panic!("{e}")),
        )
    }

    #[test]
    fn introspection_alone_qualifies() {
        assert!(only("{ __schema { types { name fields { name args { name type { kind ofType { kind } } } } } } }"));
        assert!(only(
            "query A { __type(name: \"Query\") { fields { name } } } query B { __typename }"
        ));
        assert!(only(
            "query { ...F } fragment F on Query { __schema { queryType { name } } }"
        ));
    }

    #[test]
    fn anything_else_does_not() {
        assert!(!only("{ me { id } __schema { types { name } } }"));
        assert!(!only("mutation { __typename }"));
        assert!(!only("subscription { __typename }"));
        assert!(!only("query A { __typename } query B { me { id } }"));
        assert!(!only("{ ...F } fragment F on Query { me { id } }"));
        assert!(!only("{ ...Missing }"));
        // Member lists nested in member lists multiply the answer.
        assert!(!only(
            "{ __type(name: \"Query\") { fields { type { fields { name } } } } }"
        ));
        assert!(!only(
            "{ __schema { types { possibleTypes { interfaces { name } } } } }"
        ));
        // A fragment cycle does not loop.
        assert!(!only(
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
        ));
    }
}
