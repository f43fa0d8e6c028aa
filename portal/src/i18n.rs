//! Locale tables and lookup.
//!
//! Every user-visible string comes from `locales/<lang>.json` (flat key → string, `{name}`
//! placeholders). Code asks for text with the greppable calls `t("key")` and
//! `tf("key", &[("name", value)])`, and marks a key kept for later with `k("key")`; a unit test
//! checks that every literal key passed to them exists in both locales. Keys built at run time (an error code, a role, a notification kind…)
//! are only ever built from one of the closed lists in [`DYNAMIC_KEYS`], which the same tests
//! check one by one.
//!
//! This module compiles on every target: the tables and `translate` are plain Rust, and only
//! the "current language" signal behind [`current_lang`] is browser-only.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The languages the portal ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The BCP 47 tag, used for `<html lang>`, `localStorage` and date formatting.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "zh-CN" | "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::Zh => include_str!("../locales/zh-CN.json"),
            Lang::En => include_str!("../locales/en.json"),
        }
    }
}

type Table = HashMap<String, String>;

/// Parses a locale file. Kept separate from the cache so tests can see the parse error.
pub fn parse_table(source: &str) -> Result<Table, serde_json::Error> {
    // Through `Value`, as every reply is (`api::decode`): one text parser in the WASM.
    serde_json::from_value(serde_json::from_str(source)?)
}

fn table(lang: Lang) -> &'static Table {
    static ZH: OnceLock<Table> = OnceLock::new();
    static EN: OnceLock<Table> = OnceLock::new();
    let cell = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    // A broken locale file is caught by the unit tests; at run time it degrades to showing keys.
    cell.get_or_init(|| parse_table(lang.source()).unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Locale packs: a module's strings, kept out of the main WebAssembly module (whose bytes the
// first screen pays for). `locales/<pack>/<lang>.json` is copied beside the app's assets by the
// build (`<pack>.<lang>.json`, hashed and precompressed) and fetched by the module's pages
// (`components::WithPack`) before they render.

/// The packs the portal ships, each a module's pages.
pub const PACKS: &[&str] = &[
    "mediation",
    "awards",
    "roster",
    "verify",
    "topics",
    "events",
    "inbox",
    "ballot",
    "communities",
    "claim",
];

thread_local! {
    static PACK_TABLES: std::cell::RefCell<Vec<(Lang, &'static str, &'static Table)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether `pack` is registered for `lang`.
pub fn has_pack(lang: Lang, pack: &str) -> bool {
    PACK_TABLES.with(|p| p.borrow().iter().any(|(l, n, _)| *l == lang && *n == pack))
}

/// Adds a pack's table for `lang` (once; the table lives as long as the page).
pub fn register_pack(
    lang: Lang,
    pack: &'static str,
    source: &str,
) -> Result<(), serde_json::Error> {
    if has_pack(lang, pack) {
        return Ok(());
    }
    let table: &'static Table = Box::leak(Box::new(parse_table(source)?));
    PACK_TABLES.with(|p| p.borrow_mut().push((lang, pack, table)));
    Ok(())
}

/// Fetches and registers `pack` in `lang` (once), from beside the app's stylesheet (the build
/// puts `<pack>.<lang>.json` in the same hashed, immutable folder). `false` when it could not.
#[cfg(target_arch = "wasm32")]
pub async fn load_pack(pack: &'static str, lang: Lang) -> bool {
    if has_pack(lang, pack) {
        return true;
    }
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("link[rel=stylesheet]").ok().flatten())
        .and_then(|link| link.get_attribute("href"))
        .and_then(|href| href.rsplit_once('/').map(|(dir, _)| dir.to_string()));
    let Some(base) = base else {
        return false;
    };
    let url = format!("{base}/{pack}.{}.json", lang.code());
    let Ok(response) = gloo_net::http::Request::get(&url).send().await else {
        return false;
    };
    if !response.ok() {
        return false;
    }
    match response.text().await {
        Ok(text) => register_pack(lang, pack, &text).is_ok(),
        Err(_) => false,
    }
}

/// The text of `key` in `lang`, or `None` when the key is missing there (and in every
/// registered pack).
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    if let Some(text) = table(lang).get(key) {
        return Some(text.as_str());
    }
    PACK_TABLES.with(|p| {
        p.borrow()
            .iter()
            .filter(|(l, _, _)| *l == lang)
            .find_map(|(_, _, t)| t.get(key).map(String::as_str))
    })
}

/// The text of `key` in `lang`, falling back to Chinese and then to the key itself, so a
/// missing string is visible but never breaks a page.
pub fn translate(lang: Lang, key: &str) -> String {
    if cfg!(test) {
        register_packs_from_disk();
    }
    lookup(lang, key)
        .or_else(|| lookup(Lang::Zh, key))
        .unwrap_or(key)
        .to_string()
}

/// Replaces each `{name}` in `template` with its value; unknown placeholders stay as they are.
pub fn fill(template: &str, params: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match params.iter().find(|(k, _)| *k == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholder names used in a template, in order of appearance.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                names.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    names
}

// ---------------------------------------------------------------------------------------------
// Keys built at run time: each prefix is only ever completed with a value from its list.

/// `errors[].extensions.code` values, plus the client's own `NETWORK`.
pub const ERROR_CODES: &[&str] = &[
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "INVALID_STATE",
    "RATE_LIMITED",
    "INTERNAL",
    "NETWORK",
];

/// `extensions.field` values of `BAD_USER_INPUT` that get a field-specific message.
pub const INPUT_FIELDS: &[&str] = &[
    "phone",
    "password",
    "code",
    "csv",
    "name",
    "refreshToken",
    "title",
    "body",
    "reason",
    "note",
    "percent",
    "stars",
    "question",
    "options",
    "maxChoices",
    "closesAt",
    "rule",
    "method",
    "optionIds",
    "receipt",
    "voterId",
    "parentId",
    "respondentIds",
    "outsideParty",
    "description",
    "desiredOutcome",
    "mediatorIds",
    "terms",
    "startsAt",
    "place",
    "suggestedChannel",
    "search",
    "story",
    "nomineeId",
    "categoryId",
    "year",
    "endorsementThreshold",
    "categories",
    "nominateUntil",
    "endorseUntil",
    "reviewUntil",
    "nominationIds",
];

/// `extensions.rows[].reason` of a rejected roster import.
pub const ROSTER_REASONS: &[&str] = &[
    "HEADER",
    "COLUMNS",
    "EMPTY",
    "TOO_MANY_ROWS",
    "BUILDING_REQUIRED",
    "UNIT_REQUIRED",
    "AREA_INVALID",
    "OWNER_INVALID",
    "NAME_REQUIRED",
    "NAME_TOO_LONG",
    "PHONE_INVALID",
    "ROLES_INVALID",
    "DUPLICATE_PHONE",
    "HOUSEHOLD_CONFLICT",
    "UNKNOWN",
];

/// The roster CSV's columns, as `extensions.rows[].column` names them.
pub const ROSTER_COLUMNS: &[&str] = &[
    "building", "unit", "area_m2", "owner", "name", "phone", "roles",
];

/// `Role` enum values.
pub const ROLES: &[&str] = &[
    "RESIDENT",
    "COMMITTEE",
    "MEDIATOR",
    "ORGANIZER",
    "ADMIN",
    "UNKNOWN",
];

/// `Notification.kind` values known to this portal; anything else renders as `UNKNOWN`.
pub const NOTIFICATION_KINDS: &[&str] = &[
    "ROLE_GRANTED",
    "ROLE_REVOKED",
    "TOPIC_UNDER_REVIEW",
    "TOPIC_ACCEPTED",
    "TOPIC_REJECTED",
    "TOPIC_VOTING",
    "TOPIC_COMPLETED",
    "COMMENT_HIDDEN",
    "BALLOT_OPENED",
    "BALLOT_CLOSING_SOON",
    "BALLOT_EXTENDED",
    "BALLOT_CANCELLED",
    "BALLOT_RESULT",
    "CASE_FILED",
    "CASE_CONSENT_REQUESTED",
    "CASE_ACCEPTED",
    "CASE_DECLINED",
    "CASE_ASSIGNED",
    "CASE_RESPONDENT_DECLINED",
    "CASE_IN_MEDIATION",
    "CASE_SESSION_SCHEDULED",
    "CASE_SESSION_REMINDER",
    "CASE_MESSAGE",
    "CASE_AGREEMENT_READY",
    "CASE_AGREED",
    "CASE_FAILED",
    "CASE_WITHDRAWN",
    "CASE_FOLLOW_UP_DUE",
    "CASE_CLOSED",
    "NOMINATION_CONSENT_REQUESTED",
    "NOMINATION_PUBLIC",
    "NOMINATION_DECLINED",
    "NOMINATION_QUALIFIED",
    "NOMINATION_SHORTLISTED",
    "NOMINATION_AWARDED",
    "EVENT_CONFIRMED",
    "EVENT_WAITLISTED",
    "EVENT_PROMOTED",
    "EVENT_CHANGED",
    "EVENT_CANCELLED",
    "EVENT_REMINDER",
    "UNKNOWN",
];

/// Every run-time key family: `prefix` + one of `values`.
pub const DYNAMIC_KEYS: &[(&str, &[&str])] = &[
    ("error.", ERROR_CODES),
    ("error.field.", INPUT_FIELDS),
    ("roster.reason.", ROSTER_REASONS),
    ("roster.column.", ROSTER_COLUMNS),
    ("role.", ROLES),
    ("notification.", NOTIFICATION_KINDS),
];

/// The key for a value of one of the [`DYNAMIC_KEYS`] families, or the family's fallback
/// (`fallback` must itself be in the list) when the value is not one the portal knows.
pub fn dynamic_key(prefix: &str, value: &str, fallback: &str) -> String {
    let known = DYNAMIC_KEYS
        .iter()
        .find(|(p, _)| *p == prefix)
        .is_some_and(|(_, values)| values.contains(&value));
    format!("{prefix}{}", if known { value } else { fallback })
}

// ---------------------------------------------------------------------------------------------
// The current language.

#[cfg(target_arch = "wasm32")]
mod current {
    use super::Lang;
    use leptos::prelude::*;
    use std::cell::Cell;

    thread_local! {
        static LANG: Cell<Option<RwSignal<Lang>>> = const { Cell::new(None) };
    }

    /// Registers the app's language signal; `t` reads it (and so re-renders on a switch).
    pub fn install(signal: RwSignal<Lang>) {
        LANG.with(|cell| cell.set(Some(signal)));
    }

    pub fn current_lang() -> Lang {
        LANG.with(Cell::get).map(|s| s.get()).unwrap_or_default()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod current {
    use super::Lang;

    pub fn current_lang() -> Lang {
        Lang::default()
    }
}

pub use current::*;

/// Marks a locale key kept for a later `t(key)` (a validation result, a button's label), so
/// that the key test finds it. It returns its argument.
pub const fn k(key: &'static str) -> &'static str {
    key
}

/// The text of `key` in the current language. Inside a reactive closure this subscribes to
/// the language, so `move || t("key")` follows a language switch.
pub fn t(key: &str) -> String {
    translate(current_lang(), key)
}

/// The text of `key` as a view that follows the language: `{tv("key")}` in a `view!`. One
/// function (one closure type) for every such text keeps the WebAssembly small: writing
/// `{move || t("key")}` instead makes the compiler emit the rendering code once per call site.
#[cfg(target_arch = "wasm32")]
pub fn tv(key: &'static str) -> impl leptos::prelude::IntoView {
    move || t(key)
}

/// Like [`t`], with `{name}` placeholders filled from `params`.
pub fn tf(key: &str, params: &[(&str, &str)]) -> String {
    fill(&t(key), params)
}

/// Where a household lives: "楼栋 8，门牌 101", or "8栋 101" when the building's name already
/// says 栋 (so the label is not printed twice).
pub fn place(building: &str, unit: &str) -> String {
    let key = if building.trim_end().ends_with('栋') {
        k("roster.place_named")
    } else {
        k("roster.place")
    };
    tf(key, &[("building", building), ("unit", unit)])
}

/// In unit tests every pack is registered from `locales/` (in the browser pages fetch theirs),
/// so text of lazily loaded modules translates in tests on every thread.
fn register_packs_from_disk() {
    for pack in PACKS {
        for lang in Lang::ALL {
            if has_pack(lang, pack) {
                continue;
            }
            let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("locales")
                .join(pack)
                .join(format!("{}.json", lang.code()));
            if let Ok(source) = std::fs::read_to_string(&file) {
                let _ = register_pack(lang, pack, &source);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    fn pack_source(pack: &str, lang: Lang) -> String {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(pack)
            .join(format!("{}.json", lang.code()));
        std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    }

    /// The main table's keys and every pack's (a key lives in exactly one of them).
    fn keys(lang: Lang) -> BTreeSet<String> {
        let mut all: BTreeSet<String> = match parse_table(lang.source()) {
            Ok(table) => table.into_keys().collect(),
            Err(e) => panic!("locales/{}.json does not parse: {e}", lang.code()),
        };
        for pack in PACKS {
            let table = parse_table(&pack_source(pack, lang))
                .unwrap_or_else(|e| panic!("locales/{pack}/{}.json: {e}", lang.code()));
            for key in table.into_keys() {
                assert!(!all.contains(&key), "{key} is in two tables");
                all.insert(key);
            }
            // Registered in both languages, so `translate` finds the pack's keys in tests.
            for l in Lang::ALL {
                register_pack(l, pack, &pack_source(pack, l)).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        all
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Literal keys in `t("…")`, `tf("…"` and `k("…")` calls of a source text (whitespace may
    /// follow the parenthesis). The call must not be preceded by an identifier character, so
    /// `format!("…")`, `get("…")` and friends do not count.
    fn literal_keys(source: &str) -> Vec<String> {
        let mut found = Vec::new();
        for pattern in ["t(", "tf(", "k(", "tv("] {
            let mut from = 0;
            while let Some(pos) = source[from..].find(pattern) {
                let start = from + pos;
                from = start + pattern.len();
                let preceded_by_ident = source[..start]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
                let rest = source[from..].trim_start();
                if preceded_by_ident || !rest.starts_with('"') {
                    continue;
                }
                if let Some(end) = rest[1..].find('"') {
                    found.push(rest[1..1 + end].to_string());
                }
            }
        }
        found
    }

    fn source_keys() -> BTreeSet<String> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        assert!(
            files.len() > 5,
            "found too few sources under {}",
            src.display()
        );
        let mut all = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            // This file's tests quote the pattern itself; skip them.
            let text = match text.find("#[cfg(test)]") {
                Some(pos) if file.ends_with("i18n.rs") => &text[..pos],
                _ => text.as_str(),
            };
            // Comments may show examples such as `t("key")`.
            let code: String = text
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            all.extend(literal_keys(&code));
        }
        all
    }

    fn dynamic_keys() -> BTreeSet<String> {
        DYNAMIC_KEYS
            .iter()
            .flat_map(|(prefix, values)| values.iter().map(move |v| format!("{prefix}{v}")))
            .collect()
    }

    #[test]
    fn both_locales_have_exactly_the_same_keys() {
        let zh = keys(Lang::Zh);
        let en = keys(Lang::En);
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty(), "keys only in zh-CN.json: {only_zh:?}");
        assert!(only_en.is_empty(), "keys only in en.json: {only_en:?}");
    }

    #[test]
    fn every_key_used_in_the_source_exists_in_both_locales() {
        let used = source_keys();
        assert!(
            used.len() > 50,
            "the key scan found only {} keys",
            used.len()
        );
        for lang in Lang::ALL {
            let have = keys(lang);
            let missing: Vec<_> = used.difference(&have).collect();
            assert!(
                missing.is_empty(),
                "{} lacks keys used in src/: {missing:?}",
                lang.code()
            );
        }
    }

    #[test]
    fn every_run_time_key_exists_in_both_locales() {
        for lang in Lang::ALL {
            let have = keys(lang);
            let missing: Vec<_> = dynamic_keys()
                .into_iter()
                .filter(|k| !have.contains(k))
                .collect();
            assert!(
                missing.is_empty(),
                "{} lacks run-time keys: {missing:?}",
                lang.code()
            );
        }
    }

    #[test]
    fn every_locale_key_is_used_somewhere() {
        let used: BTreeSet<String> = source_keys().union(&dynamic_keys()).cloned().collect();
        let unused: Vec<_> = keys(Lang::Zh)
            .into_iter()
            .filter(|k| !used.contains(k))
            .collect();
        assert!(unused.is_empty(), "locale keys nothing uses: {unused:?}");
    }

    #[test]
    fn translations_use_the_same_placeholders() {
        for key in keys(Lang::Zh) {
            let mut zh = placeholders(&translate(Lang::Zh, &key))
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>();
            let mut en = placeholders(&translate(Lang::En, &key))
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>();
            zh.sort();
            en.sort();
            assert_eq!(zh, en, "placeholders differ for {key}");
        }
    }

    #[test]
    fn no_translation_is_empty() {
        for lang in Lang::ALL {
            for key in keys(lang) {
                assert!(
                    !translate(lang, &key).trim().is_empty(),
                    "{}: {key} is empty",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn fill_substitutes_named_placeholders() {
        assert_eq!(
            fill(
                "第 {line} 行：{reason}",
                &[("line", "3"), ("reason", "手机号无效")]
            ),
            "第 3 行：手机号无效"
        );
        assert_eq!(fill("{a}{a}", &[("a", "x")]), "xx");
        assert_eq!(fill("keep {unknown}", &[]), "keep {unknown}");
        assert_eq!(fill("broken {brace", &[("brace", "x")]), "broken {brace");
    }

    #[test]
    fn translate_falls_back_to_chinese_then_to_the_key() {
        assert_eq!(translate(Lang::En, "no.such.key"), "no.such.key");
        assert_eq!(translate(Lang::Zh, "app.name"), "家园");
    }

    #[test]
    fn dynamic_key_falls_back_for_unknown_values() {
        assert_eq!(
            dynamic_key("error.", "CONFLICT", "INTERNAL"),
            "error.CONFLICT"
        );
        assert_eq!(
            dynamic_key("error.", "SOMETHING_NEW", "INTERNAL"),
            "error.INTERNAL"
        );
        assert_eq!(
            dynamic_key("notification.", "SOMETHING_NEW", "UNKNOWN"),
            "notification.UNKNOWN"
        );
    }

    #[test]
    fn the_key_scanner_ignores_other_calls() {
        let found = literal_keys(
            "t(\"a.b\") tf(\n  \"c\", &[]) format!(\"x\") get(\"y\") (t(\"z\")) t(key) k(\"d\") tv(\"e\")",
        );
        assert_eq!(found, vec!["a.b", "z", "c", "d", "e"]);
    }

    #[test]
    fn a_building_named_with_dong_is_not_labelled_twice() {
        assert_eq!(place("8栋", "101"), "8栋 101");
        assert_eq!(place("8", "101"), "楼栋 8，门牌 101");
    }

    #[test]
    fn language_codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("fr"), None);
    }
}
