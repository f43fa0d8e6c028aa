//! What every GraphQL request passes before it runs, over HTTP and over the WebSocket alike, and
//! how every error leaves: the document's size after fragment expansion, control characters in
//! any input string, the client address behind a trusted proxy, and `extensions.code` /
//! `extensions.field` on every error.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

use actix_web::HttpRequest;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Response, ServerError, Value};

use crate::config::Settings;
use crate::graphql::{MAX_ALIASES, MAX_FIELDS};

/// The largest GraphQL response body sent, in bytes; a bigger one is replaced by an error.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// The client address used for rate limits. Behind a trusted proxy it is the address that proxy
/// appended to `X-Forwarded-For` (counting `proxy_hops` entries from the right); the entries
/// before it are whatever the client sent and are never trusted.
pub fn client_addr(req: &HttpRequest, settings: &Settings) -> String {
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    if !settings.trust_proxy {
        return peer;
    }
    forwarded_client(
        req.headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok()),
        settings.proxy_hops,
    )
    .unwrap_or(peer)
}

/// The `hops`-th address from the right of all `X-Forwarded-For` values taken together.
pub fn forwarded_client<'a>(values: impl Iterator<Item = &'a str>, hops: usize) -> Option<String> {
    let entries: Vec<&str> = values
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let hops = hops.max(1);
    if entries.len() < hops {
        return None;
    }
    let entry = entries[entries.len() - hops];
    entry
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

/// Fields and aliases the document selects once every fragment is expanded (a fragment spread
/// five times counts five times). Each fragment is measured once (`memo`), so the work is linear
/// in the document's size however the spreads nest; a fragment cycle counts as too many.
fn expanded_size(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    memo: &mut HashMap<String, Option<(usize, usize)>>,
) -> (usize, usize) {
    let mut fields = 0usize;
    let mut aliases = 0usize;
    for sel in &set.items {
        let (f, a) = match &sel.node {
            Selection::Field(field) => {
                let (f, a) = expanded_size(doc, &field.node.selection_set.node, memo);
                (
                    f.saturating_add(1),
                    a.saturating_add(usize::from(field.node.alias.is_some())),
                )
            }
            Selection::InlineFragment(frag) => {
                expanded_size(doc, &frag.node.selection_set.node, memo)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                match memo.get(&name) {
                    // Measured already; `None` marks one being measured: a cycle.
                    Some(Some(size)) => *size,
                    Some(None) => (usize::MAX, usize::MAX),
                    None => match doc.fragments.get(&spread.node.fragment_name.node) {
                        Some(def) => {
                            memo.insert(name.clone(), None);
                            let size = expanded_size(doc, &def.node.selection_set.node, memo);
                            memo.insert(name, Some(size));
                            size
                        }
                        None => (0, 0),
                    },
                }
            }
        };
        fields = fields.saturating_add(f);
        aliases = aliases.saturating_add(a);
    }
    (fields, aliases)
}

/// Refuses a document that selects too many fields or aliases after fragment expansion.
pub fn check_document(doc: &ExecutableDocument) -> Result<(), String> {
    for (_, op) in doc.operations.iter() {
        let (fields, aliases) =
            expanded_size(doc, &op.node.selection_set.node, &mut HashMap::new());
        if aliases > MAX_ALIASES {
            return Err(format!("too many aliases (at most {MAX_ALIASES})"));
        }
        if fields > MAX_FIELDS {
            return Err(format!(
                "too many fields once fragments are expanded (at most {MAX_FIELDS})"
            ));
        }
    }
    Ok(())
}

/// A control character no text field may hold (tab, line feed and carriage return may).
pub fn is_forbidden_char(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{2028}' | '\u{2029}')
}

fn json_has_control(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.chars().any(is_forbidden_char),
        serde_json::Value::Array(a) => a.iter().any(json_has_control),
        serde_json::Value::Object(o) => o
            .iter()
            .any(|(k, v)| k.chars().any(is_forbidden_char) || json_has_control(v)),
        _ => false,
    }
}

fn value_has_control(v: &async_graphql::Value) -> bool {
    use async_graphql::Value as V;
    match v {
        V::String(s) => s.chars().any(is_forbidden_char),
        V::List(l) => l.iter().any(value_has_control),
        V::Object(o) => o.values().any(value_has_control),
        _ => false,
    }
}

fn selection_control(set: &SelectionSet) -> Option<String> {
    for sel in &set.items {
        let found = match &sel.node {
            Selection::Field(f) => f
                .node
                .arguments
                .iter()
                .find(|(_, v)| {
                    // Variables are checked on their own; here they stand as null.
                    v.node
                        .clone()
                        .into_const_with(|_| Ok::<_, ()>(async_graphql::Value::Null))
                        .is_ok_and(|c| value_has_control(&c))
                })
                .map(|(n, _)| n.node.to_string())
                .or_else(|| selection_control(&f.node.selection_set.node)),
            Selection::InlineFragment(f) => selection_control(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The first input (variable or inline argument) holding a control character, by name.
pub fn control_char_input(
    request: &async_graphql::Request,
    doc: &ExecutableDocument,
) -> Option<String> {
    if let Ok(serde_json::Value::Object(vars)) = serde_json::to_value(&request.variables) {
        if let Some((name, _)) = vars.iter().find(|(_, v)| json_has_control(v)) {
            return Some(name.clone());
        }
    }
    let defaults = doc.operations.iter().find_map(|(_, op)| {
        op.node.variable_definitions.iter().find_map(|v| {
            v.node
                .default_value
                .as_ref()
                .filter(|d| value_has_control(&d.node))
                .map(|_| v.node.name.node.to_string())
        })
    });
    if defaults.is_some() {
        return defaults;
    }
    doc.operations
        .iter()
        .find_map(|(_, op)| selection_control(&op.node.selection_set.node))
        .or_else(|| {
            doc.fragments
                .values()
                .find_map(|f| selection_control(&f.node.selection_set.node))
        })
}

/// A response of one error with its `extensions.code` (and `field`, when there is one).
pub fn error_response(code: &str, message: &str, field: Option<&str>) -> Response {
    let mut err = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code);
    if let Some(field) = field {
        ext.set("field", field);
    }
    err.extensions = Some(ext);
    Response::from_errors(vec![err])
}

/// A request refused before it runs: `BAD_USER_INPUT`, naming the field when there is one.
pub fn refusal(message: &str, field: Option<&str>) -> Response {
    error_response("BAD_USER_INPUT", message, field)
}

/// Why a request was refused before it ran (`BAD_USER_INPUT`).
#[derive(Debug)]
pub struct Refusal {
    message: String,
    field: Option<String>,
}

impl Refusal {
    pub fn response(&self) -> Response {
        refusal(&self.message, self.field.as_deref())
    }
}

/// A request's document, parsed ONCE: every check before execution reads it, then the executor
/// gets it ([`with_document`]) instead of parsing again. `None` when it does not parse (the
/// executor reports that). Documents seen lately come from [`DOCUMENTS`] instead of the parser.
pub fn parse(request: &async_graphql::Request) -> Option<ExecutableDocument> {
    let query = request.query.as_str();
    // A text with a string literal may hold what a client wrote inline (a password, a phone
    // number): it is parsed every time and never kept. The portal sends its values as variables.
    let cacheable = query.len() <= MAX_CACHED_QUERY_BYTES && !query.contains('"');
    if cacheable {
        let hit = DOCUMENTS.lock().ok().and_then(|mut cache| cache.get(query));
        if let Some(doc) = hit {
            return Some((*doc).clone());
        }
    }
    let doc = async_graphql::parser::parse_query(query).ok()?;
    if cacheable {
        let kept = Arc::new(doc.clone());
        // What the entry pushes out is freed after the lock is let go (a large document is
        // thousands of small frees).
        let evicted = DOCUMENTS
            .lock()
            .ok()
            .map(|mut cache| cache.put(query, kept));
        drop(evicted);
    }
    Some(doc)
}

/// The longest document text [`DOCUMENTS`] keeps; longer ones are parsed every time.
const MAX_CACHED_QUERY_BYTES: usize = 4 * 1024;

/// Parsed documents by their text, the most recently used kept. Clients send the same few
/// documents again and again (the portal's, with different variables), and the parser costs
/// more than a copy of its result: about a twentieth of a list request's CPU. Parsing depends on
/// the text alone, so one cache serves every schema and both transports. It is bounded by the
/// text it holds (a parsed document takes some hundred times its text's bytes at worst: about
/// 10 MB), so a client sending ever new documents only evicts entries, at the cost of the parse
/// it would have cost anyway and a copy of it.
static DOCUMENTS: LazyLock<Mutex<DocumentCache>> =
    LazyLock::new(|| Mutex::new(DocumentCache::new(64 * 1024)));

/// A least-recently-used map of document text to its parse, at most `budget` bytes of text.
struct DocumentCache {
    entries: lru::LruCache<String, Arc<ExecutableDocument>>,
    bytes: usize,
    budget: usize,
}

impl DocumentCache {
    fn new(budget: usize) -> Self {
        Self {
            entries: lru::LruCache::unbounded(),
            bytes: 0,
            budget,
        }
    }

    fn get(&mut self, query: &str) -> Option<Arc<ExecutableDocument>> {
        self.entries.get(query).cloned()
    }

    /// Keeps `doc` for `query`; returns what it replaced or pushed out, for the caller to free.
    fn put(&mut self, query: &str, doc: Arc<ExecutableDocument>) -> Vec<Arc<ExecutableDocument>> {
        if query.len() > self.budget {
            return vec![doc];
        }
        let mut out = Vec::new();
        match self.entries.put(query.to_owned(), doc) {
            Some(replaced) => out.push(replaced),
            None => self.bytes += query.len(),
        }
        while self.bytes > self.budget {
            match self.entries.pop_lru() {
                Some((text, doc)) => {
                    self.bytes -= text.len();
                    out.push(doc);
                }
                None => break,
            }
        }
        out
    }
}

/// The request with its parsed document, for the executor.
pub fn with_document(
    mut request: async_graphql::Request,
    doc: Option<ExecutableDocument>,
) -> async_graphql::Request {
    if let Some(doc) = doc {
        request.set_parsed_query(doc);
    }
    request
}

/// Everything checked before execution, for both transports (`doc`: [`parse`]).
pub fn check_request(
    request: &async_graphql::Request,
    doc: Option<&ExecutableDocument>,
) -> Result<(), Refusal> {
    // Parse errors are reported by the executor itself.
    let Some(doc) = doc else {
        return Ok(());
    };
    check_document(doc).map_err(|message| Refusal {
        message,
        field: None,
    })?;
    if let Some(field) = control_char_input(request, doc) {
        return Err(Refusal {
            message: "control characters are not allowed in text".into(),
            field: Some(field),
        });
    }
    Ok(())
}

/// The argument an input-coercion error is about: `Invalid value for argument "input.closesAt", …`
/// names `closesAt`; `Variable "$x" …` names `x`.
fn coercion_field(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("Invalid value for argument \"")
        .or_else(|| message.strip_prefix("Variable \"$"))?;
    let path = rest.split('"').next()?;
    path.split('.')
        .rev()
        .find(|seg| !seg.is_empty() && !seg.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_owned)
}

/// Every error gets a code; an execution error without one is an unexpected failure whose text
/// is logged and replaced. Input errors also name their field. Returns the codes, for metrics.
pub fn finalize_errors(resp: &mut Response) -> Vec<String> {
    let mut codes = Vec::new();
    for err in &mut resp.errors {
        let code = err
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                _ => None,
            });
        let code = match code {
            Some(c) => c,
            None => {
                let client_fault = err.path.is_empty()
                    || err.message.starts_with("Failed to parse")
                    || err.message.starts_with("Invalid value");
                let code = if client_fault {
                    "BAD_USER_INPUT"
                } else {
                    "INTERNAL"
                };
                if !client_fault {
                    tracing::error!(error = %err.message, "unexpected resolver error");
                    err.message = "internal error".into();
                }
                let mut ext = err.extensions.take().unwrap_or_default();
                ext.set("code", code);
                if client_fault {
                    if let Some(field) = coercion_field(&err.message) {
                        ext.set("field", field);
                    }
                }
                err.extensions = Some(ext);
                code.to_owned()
            }
        };
        codes.push(code);
    }
    codes
}

/// The response itself, or an error in its place when its JSON is larger than
/// `MAX_RESPONSE_BYTES` (for the WebSocket, which serialises it itself).
pub fn bounded(resp: Response) -> Response {
    match serde_json::to_vec(&resp) {
        Ok(body) if body.len() <= MAX_RESPONSE_BYTES => resp,
        _ => refusal(
            "the response would be too large; ask for fewer items or fields",
            None,
        ),
    }
}

/// The response as JSON, or an error in its place when it is larger than `MAX_RESPONSE_BYTES`.
pub fn bounded_json(resp: &Response) -> Vec<u8> {
    match serde_json::to_vec(resp) {
        Ok(body) if body.len() <= MAX_RESPONSE_BYTES => body,
        Ok(_) => serde_json::to_vec(&refusal(
            "the response would be too large; ask for fewer items or fields",
            None,
        ))
        .unwrap_or_default(),
        Err(e) => {
            tracing::error!(error = %e, "response serialisation failed");
            Vec::new()
        }
    }
}

/// The operation a request runs: the one `operation_name` names, else the document's only one.
/// Several operations and no name choose none (the request is invalid; and the document keeps
/// named operations in a hash map, so "the first" would be a different one from run to run).
pub fn chosen_operation<'a>(
    doc: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a async_graphql::Positioned<async_graphql::parser::types::OperationDefinition>> {
    let mut ops = doc.operations.iter();
    let found = match operation_name {
        Some(name) => ops.find(|(n, _)| n.map(|n| n.as_str()) == Some(name)),
        None => match (ops.next(), ops.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        },
    };
    found.map(|(_, op)| op)
}

/// The type of the operation a request would run, when the document parses and has it.
pub fn operation_type(
    request: &async_graphql::Request,
    doc: Option<&ExecutableDocument>,
) -> Option<async_graphql::parser::types::OperationType> {
    chosen_operation(doc?, request.operation_name.as_deref()).map(|op| op.node.ty)
}

/// The root fields a document's chosen operation selects (for metrics labels).
pub fn root_fields<'a>(doc: &'a ExecutableDocument, operation_name: Option<&str>) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    if let Some(op) = chosen_operation(doc, operation_name) {
        for sel in &op.node.selection_set.node.items {
            if let Selection::Field(f) = &sel.node {
                if seen.insert(f.node.name.node.as_str()) {
                    out.push(f.node.name.node.as_str());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_appended_entry_is_taken_not_the_client_supplied_one() {
        let got = forwarded_client(["6.6.6.6, 10.0.0.7"].into_iter(), 1);
        assert_eq!(got.as_deref(), Some("10.0.0.7"));
        let got = forwarded_client(["6.6.6.6", "1.2.3.4, 10.0.0.7"].into_iter(), 2);
        assert_eq!(got.as_deref(), Some("1.2.3.4"));
        assert_eq!(forwarded_client(["garbage"].into_iter(), 1), None);
        assert_eq!(forwarded_client(std::iter::empty(), 1), None);
    }

    #[test]
    fn fragments_count_once_per_spread() {
        let q = "query { ...A ...A ...A } fragment A on Query { a: me { id } b: me { id } }";
        let doc = async_graphql::parser::parse_query(q).unwrap_or_else(|e| panic!("{e}"));
        let (fields, aliases) = expanded_size(
            &doc,
            &doc.operations
                .iter()
                .next()
                .map(|(_, o)| o.node.selection_set.node.clone())
                .unwrap_or_default(),
            &mut HashMap::new(),
        );
        assert_eq!((fields, aliases), (12, 6));
    }

    #[test]
    fn a_fragment_bomb_is_measured_in_linear_time_and_refused() {
        let mut q = String::from("query { ...F0 }");
        for i in 0..40 {
            q.push_str(&format!(
                " fragment F{i} on Query {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        q.push_str(" fragment F40 on Query { __typename }");
        let doc = async_graphql::parser::parse_query(&q).unwrap_or_else(|e| panic!("{e}"));
        assert!(check_document(&doc).is_err(), "2^40 fields once expanded");
        let cyclic = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        let doc = async_graphql::parser::parse_query(cyclic).unwrap_or_else(|e| panic!("{e}"));
        assert!(check_document(&doc).is_err());
    }

    #[test]
    fn control_characters_in_variable_defaults_are_found() {
        let doc = async_graphql::parser::parse_query(
            "mutation($t: String = \"a\\u0000b\") { a(title: $t) }",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let req = async_graphql::Request::new("");
        assert_eq!(control_char_input(&req, &doc).as_deref(), Some("t"));
    }

    #[test]
    fn control_characters_are_found_in_variables_and_literals() {
        let doc = async_graphql::parser::parse_query("mutation { a(title: \"x\\u0000y\") }")
            .unwrap_or_else(|e| panic!("{e}"));
        let req = async_graphql::Request::new("");
        assert_eq!(control_char_input(&req, &doc).as_deref(), Some("title"));
        let doc = async_graphql::parser::parse_query("mutation($t: String) { a(title: $t) }")
            .unwrap_or_else(|e| panic!("{e}"));
        let req = async_graphql::Request::new("").variables(async_graphql::Variables::from_json(
            serde_json::json!({ "t": "line\nbreak is fine" }),
        ));
        assert_eq!(control_char_input(&req, &doc), None);
        let req = async_graphql::Request::new("").variables(async_graphql::Variables::from_json(
            serde_json::json!({ "t": { "inner": ["ok", "bad\u{0}"] } }),
        ));
        assert_eq!(control_char_input(&req, &doc).as_deref(), Some("t"));
    }

    #[test]
    fn coercion_errors_name_their_field() {
        assert_eq!(
            coercion_field(
                "Invalid value for argument \"input.closesAt\", expected type \"DateTime\""
            )
            .as_deref(),
            Some("closesAt")
        );
        assert_eq!(
            coercion_field("Variable \"$first\" got invalid value").as_deref(),
            Some("first")
        );
        assert_eq!(coercion_field("something else"), None);
    }

    fn parsed(q: &str) -> Arc<ExecutableDocument> {
        Arc::new(async_graphql::parser::parse_query(q).unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn the_document_cache_keeps_at_most_its_budget_of_text_dropping_the_least_recently_used() {
        let (a, b, c) = ("{ me { id } }", "{ me { name } }", "{ me { phone } }");
        let mut cache = DocumentCache::new(a.len() + b.len() + 1);
        cache.put(a, parsed(a));
        cache.put(b, parsed(b));
        // `a` used after `b`: `b` is the least recently used when `c` arrives.
        assert!(cache.get(a).is_some());
        assert_eq!(
            cache.put(c, parsed(c)).len(),
            1,
            "the evicted entry comes back"
        );
        assert!(cache.get(b).is_none(), "the least recently used went");
        assert!(cache.get(a).is_some() && cache.get(c).is_some());
        assert!(
            cache.bytes <= cache.budget,
            "{} > {}",
            cache.bytes,
            cache.budget
        );
        // The same text again replaces its entry without counting its bytes twice.
        assert_eq!(
            cache.put(c, parsed(c)).len(),
            1,
            "the replaced entry comes back"
        );
        assert_eq!(cache.bytes, a.len() + c.len());
        // A text longer than the whole budget is never kept (and evicts nothing).
        let long = format!("{{ me {{ id {} }} }}", "name ".repeat(20));
        assert_eq!(cache.put(&long, parsed(&long)).len(), 1);
        assert!(cache.get(&long).is_none());
        assert!(cache.get(a).is_some() && cache.get(c).is_some());
    }

    #[test]
    fn a_cached_document_is_the_one_the_parser_gives() {
        let q = "query Q($c: ID!) { topics(communityId: $c, first: 20) { nodes { id ...T } } } fragment T on Topic { title }";
        let request = async_graphql::Request::new(q);
        let first = parse(&request).map(|d| format!("{d:?}"));
        // Kept by the first parse (no other test sends this text), and given by the second.
        let kept = DOCUMENTS.lock().ok().and_then(|mut c| c.get(q));
        assert_eq!(kept.map(|d| format!("{d:?}")), first);
        let second = parse(&request).map(|d| format!("{d:?}"));
        assert!(first.is_some());
        assert_eq!(first, second);
        assert_eq!(second, Some(format!("{:?}", parsed(q))));
        // A document with a string literal (a password written inline) is parsed, never kept.
        let inline =
            "mutation { signIn(phone: \"13800000000\", password: \"secret-1\") { accessToken } }";
        assert!(parse(&async_graphql::Request::new(inline)).is_some());
        assert!(DOCUMENTS
            .lock()
            .ok()
            .and_then(|mut c| c.get(inline))
            .is_none());
        // A document that does not parse is never cached and still does not parse.
        let broken = async_graphql::Request::new("{ me { id }");
        assert!(parse(&broken).is_none() && parse(&broken).is_none());
    }
}
