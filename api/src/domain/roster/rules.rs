//! Parsing and validating a roster CSV. All-or-nothing: either every row is good, or every bad
//! row is reported with its line number, its column and a reason code the portal translates.

use std::collections::HashMap;

use crate::domain::identity::normalize_phone;
use crate::domain::roles::{self, Role};
use crate::error::RowError;

pub const HEADER: [&str; 7] = [
    "building", "unit", "area_m2", "owner", "name", "phone", "roles",
];
pub const MAX_ROWS: usize = 20_000;
/// Largest floor area accepted for one household, in m² (sanity bound against typos).
pub const MAX_AREA_M2: i64 = 10_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterRow {
    pub line: u64,
    pub building: String,
    pub unit: String,
    pub area_centi: i64,
    pub owner: bool,
    pub name: String,
    pub phone: String,
    pub roles: Vec<Role>,
}

/// Parses an area in m² with at most two decimals ("88", "88.5", "88.50") into hundredths.
pub fn parse_area(raw: &str) -> Option<i64> {
    let s = raw.trim();
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() || int.len() > 6 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    let total = whole * 100 + cents;
    (total > 0 && total <= MAX_AREA_M2 * 100).then_some(total)
}

/// Formats hundredths of a m² as a decimal string: 8850 → "88.50".
pub fn format_area(centi: i64) -> String {
    format!("{}.{:02}", centi / 100, centi % 100)
}

fn parse_owner(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn row_error(
    line: u64,
    column: Option<&'static str>,
    reason: &'static str,
    message: impl Into<String>,
) -> RowError {
    RowError {
        line,
        column,
        reason,
        message: message.into(),
    }
}

pub fn parse(csv_text: &str) -> Result<Vec<RosterRow>, Vec<RowError>> {
    let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen_phone: HashMap<String, u64> = HashMap::new();
    let mut households: HashMap<(String, String), (u64, i64, bool)> = HashMap::new();
    let mut header_seen = false;

    for (idx, record) in reader.records().enumerate() {
        let fallback_line = idx as u64 + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(fallback_line);
                errors.push(row_error(
                    line,
                    None,
                    "COLUMNS",
                    "the line cannot be read as CSV",
                ));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(fallback_line);
        if record.iter().all(|f| f.is_empty()) {
            continue; // blank line
        }
        if !header_seen {
            header_seen = true;
            let got: Vec<String> = record.iter().map(|f| f.to_ascii_lowercase()).collect();
            if got != HEADER {
                errors.push(row_error(
                    line,
                    None,
                    "HEADER",
                    format!("the first line must be: {}", HEADER.join(",")),
                ));
                return Err(errors);
            }
            continue;
        }
        if rows.len() + errors.len() >= MAX_ROWS {
            errors.push(row_error(
                line,
                None,
                "TOO_MANY_ROWS",
                format!("at most {MAX_ROWS} rows per import"),
            ));
            break;
        }
        if record.len() != HEADER.len() {
            errors.push(row_error(
                line,
                None,
                "COLUMNS",
                format!("expected {} fields, found {}", HEADER.len(), record.len()),
            ));
            continue;
        }
        let field = |i: usize| record.get(i).unwrap_or("").to_owned();
        let mut bad = false;
        let mut report = |column, reason, message: &str| {
            errors.push(row_error(line, Some(column), reason, message));
            bad = true;
        };
        let building = field(0);
        if building.is_empty() || building.chars().count() > 50 {
            report(
                "building",
                "BUILDING_REQUIRED",
                "building is required (at most 50 characters)",
            );
        }
        let unit = field(1);
        if unit.is_empty() || unit.chars().count() > 50 {
            report(
                "unit",
                "UNIT_REQUIRED",
                "unit is required (at most 50 characters)",
            );
        }
        let area = parse_area(&field(2));
        if area.is_none() {
            report(
                "area_m2",
                "AREA_INVALID",
                "area_m2 must be a positive number of m² with at most two decimals",
            );
        }
        let owner = parse_owner(&field(3));
        if owner.is_none() {
            report("owner", "OWNER_INVALID", "owner must be true or false");
        }
        let name = field(4);
        if name.is_empty() {
            report("name", "NAME_REQUIRED", "name is required");
        } else if name.chars().count() > 50 {
            report(
                "name",
                "NAME_TOO_LONG",
                "name must have at most 50 characters",
            );
        }
        let phone = normalize_phone(&field(5));
        if phone.is_none() {
            report(
                "phone",
                "PHONE_INVALID",
                "phone must be an 11-digit mainland mobile number",
            );
        }
        let mut roles = Vec::new();
        for part in field(6).split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match roles::parse_role(part).filter(|r| roles::is_grantable(*r)) {
                Some(r) if !roles.contains(&r) => roles.push(r),
                Some(_) => {}
                None => {
                    report(
                        "roles",
                        "ROLES_INVALID",
                        "roles must be empty or COMMITTEE, MEDIATOR, ORGANIZER joined by ;",
                    );
                    break;
                }
            }
        }
        if let Some(p) = &phone {
            if let Some(first) = seen_phone.get(p) {
                let msg = format!("this phone is already on line {first}");
                report("phone", "DUPLICATE_PHONE", &msg);
            } else {
                seen_phone.insert(p.clone(), line);
            }
        }
        if let (Some(a), Some(o)) = (area, owner) {
            let key = (building.clone(), unit.clone());
            match households.get(&key) {
                Some(&(first, a0, o0)) if a0 != a || o0 != o => {
                    let msg =
                        format!("the same unit on line {first} has a different area or owner");
                    report("area_m2", "HOUSEHOLD_CONFLICT", &msg);
                }
                Some(_) => {}
                None => {
                    households.insert(key, (line, a, o));
                }
            }
        }
        if bad {
            continue;
        }
        if let (Some(area_centi), Some(owner), Some(phone)) = (area, owner, phone) {
            rows.push(RosterRow {
                line,
                building,
                unit,
                area_centi,
                owner,
                name,
                phone,
                roles,
            });
        }
    }
    if !header_seen {
        errors.push(row_error(
            1,
            None,
            "HEADER",
            format!("the first line must be: {}", HEADER.join(",")),
        ));
    } else if rows.is_empty() && errors.is_empty() {
        errors.push(row_error(2, None, "EMPTY", "the roster has no rows"));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "building,unit,area_m2,owner,name,phone,roles\n";

    fn reasons(csv: &str) -> Vec<(u64, &'static str)> {
        match parse(csv) {
            Ok(_) => vec![],
            Err(e) => e.into_iter().map(|r| (r.line, r.reason)).collect(),
        }
    }

    #[test]
    fn a_good_roster_parses_with_normalised_values() {
        let rows = parse(&format!("{H}1栋,101,88.5,true,张三,138 0013 8000,COMMITTEE;MEDIATOR\n1栋,102,90,false,李四,13900139000,\n"))
            .unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].area_centi, 8850);
        assert_eq!(rows[0].phone, "13800138000");
        assert_eq!(rows[0].roles, vec![Role::Committee, Role::Mediator]);
        assert!(!rows[1].owner);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let csv = format!("{H}1栋,101,88.5,true,张三,13800138000,\n1栋,102,-3,maybe,,123,KING\n1栋,103,70,true,王五,13800138000,\n");
        let got = reasons(&csv);
        assert_eq!(
            got,
            vec![
                (3, "AREA_INVALID"),
                (3, "OWNER_INVALID"),
                (3, "NAME_REQUIRED"),
                (3, "PHONE_INVALID"),
                (3, "ROLES_INVALID"),
                (4, "DUPLICATE_PHONE"),
            ]
        );
    }

    #[test]
    fn a_wrong_header_or_empty_file_is_refused() {
        assert_eq!(
            reasons("name,phone\n张三,13800138000\n"),
            vec![(1, "HEADER")]
        );
        assert_eq!(reasons(""), vec![(1, "HEADER")]);
        assert_eq!(reasons(H), vec![(2, "EMPTY")]);
    }

    #[test]
    fn excel_bom_crlf_and_blank_lines_are_accepted() {
        let csv = format!(
            "\u{feff}{}\r\n1栋,101,88.50,TRUE,张三,13800138000,\r\n\r\n",
            H.trim_end()
        );
        assert_eq!(parse(&csv).map(|r| r.len()), Ok(1));
    }

    #[test]
    fn one_unit_must_agree_on_area_and_owner() {
        let csv = format!("{H}1栋,101,88.5,true,张三,13800138000,\n1栋,101,88.5,true,张妻,13800138001,\n1栋,101,90,true,张子,13800138002,\n");
        assert_eq!(reasons(&csv), vec![(4, "HOUSEHOLD_CONFLICT")]);
    }

    #[test]
    fn wrong_field_counts_are_reported() {
        assert_eq!(
            reasons(&format!("{H}1栋,101,88.5,true,张三\n")),
            vec![(2, "COLUMNS")]
        );
    }

    #[test]
    fn areas_are_exact_hundredths() {
        assert_eq!(parse_area("88"), Some(8800));
        assert_eq!(parse_area("88.5"), Some(8850));
        assert_eq!(parse_area("88.05"), Some(8805));
        assert_eq!(parse_area("0.01"), Some(1));
        for bad in [
            "0", "0.00", "88.", ".5", "88.555", "-1", "1e3", "abc", "", "10000.01",
        ] {
            assert_eq!(parse_area(bad), None, "{bad}");
        }
        assert_eq!(format_area(8805), "88.05");
        assert_eq!(format_area(110000), "1100.00");
    }
}
