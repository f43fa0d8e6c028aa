//! A closed ballot's documents: its result notice (公示, for everyone who may see the ballot),
//! its named roll (记名表决, committee only) and the bulletin as a CSV download.

use super::ballots::{
    BallotKind, DecisionRule, Electorate, OptionResult, Outcome, ThresholdComparison,
    ThresholdMeasure, ThresholdStage,
};
use super::client::graphql;
use super::documents::roll as doc;
use super::ApiError;
use serde::Deserialize;
use serde_json::json;

/// The printable result notice of a closed ballot: everything on it is the server's.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub community_name: String,
    #[serde(default)]
    pub topic_title: Option<String>,
    pub question: String,
    pub kind: BallotKind,
    pub rule: DecisionRule,
    pub electorate: Electorate,
    pub secret: bool,
    #[serde(default)]
    pub scope: Option<Vec<ScopeBuilding>>,
    pub opened_at: String,
    #[serde(default)]
    pub closed_at: Option<String>,
    #[serde(default)]
    pub extend_reason: Option<String>,
    pub eligible_count: i64,
    pub eligible_area: String,
    pub turnout_count: i64,
    pub turnout_area: String,
    pub options: Vec<OptionResult>,
    pub thresholds: Vec<NoticeThreshold>,
    pub quorum_met: bool,
    pub outcome: Outcome,
    pub bulletin_digest: String,
    pub bulletin_entries: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScopeBuilding {
    pub name: String,
}

/// One threshold as the server judged it, with the least value that met it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeThreshold {
    pub stage: ThresholdStage,
    #[serde(default)]
    pub option_label: Option<String>,
    pub measure: ThresholdMeasure,
    pub comparison: ThresholdComparison,
    pub fraction: String,
    pub base: String,
    pub required: String,
    pub achieved: String,
    pub met: bool,
}

#[derive(Deserialize)]
struct NoticeData {
    ballot: Option<NoticeOf>,
}

#[derive(Deserialize)]
struct NoticeOf {
    #[serde(default)]
    notice: Option<Notice>,
}

/// The notice; `None` while the ballot is open or when it was cancelled.
pub async fn notice(ballot_id: &str) -> Result<Option<Notice>, ApiError> {
    let data: NoticeData = graphql(doc::RESULT_NOTICE, json!({ "id": ballot_id })).await?;
    data.ballot
        .map(|b| b.notice)
        .ok_or_else(|| ApiError::new(super::ErrorCode::NotFound))
}

/// One line of the named roll: who voted, how, and what they chose.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedVote {
    pub voter_id: String,
    pub name: String,
    pub building: String,
    pub unit: String,
    /// ONLINE or PAPER.
    pub channel: String,
    pub option_ids: Vec<String>,
    pub option_labels: Vec<String>,
    /// m² as a decimal string.
    pub area: String,
}

#[derive(Deserialize)]
struct RollData {
    ballot: Option<RollOf>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RollOf {
    #[serde(default)]
    named_roll: Option<Vec<NamedVote>>,
}

/// The roll; `None` when the ballot has none to show (secret, or still open).
pub async fn named_roll(ballot_id: &str) -> Result<Option<Vec<NamedVote>>, ApiError> {
    let data: RollData = graphql(doc::NAMED_ROLL, json!({ "id": ballot_id })).await?;
    data.ballot
        .map(|b| b.named_roll)
        .ok_or_else(|| ApiError::new(super::ErrorCode::NotFound))
}

/// Where the server serves a closed ballot's bulletin as CSV (the token goes in a header).
pub fn bulletin_csv_path(ballot_id: &str) -> String {
    format!("/ballots/{ballot_id}/bulletin.csv")
}

/// The file name a downloaded bulletin gets.
pub fn bulletin_csv_name(ballot_id: &str) -> String {
    format!("bulletin-{ballot_id}.csv")
}

/// The error a CSV download's HTTP status stands for.
pub fn csv_status_error(status: u16) -> Option<super::ErrorCode> {
    use super::ErrorCode;
    match status {
        200..=299 => None,
        401 => Some(ErrorCode::Unauthenticated),
        404 => Some(ErrorCode::NotFound),
        409 => Some(ErrorCode::InvalidState),
        429 => Some(ErrorCode::RateLimited),
        502..=504 => Some(ErrorCode::Network),
        _ => Some(ErrorCode::Internal),
    }
}

/// Fetches the bulletin's CSV with the session's token (refreshing it once if it has expired)
/// and hands it to the browser as a download.
#[cfg(target_arch = "wasm32")]
pub async fn download_bulletin_csv(ballot_id: &str) -> Result<(), ApiError> {
    download_csv(
        &bulletin_csv_path(ballot_id),
        &bulletin_csv_name(ballot_id),
        false,
    )
    .await
}

/// Fetches a CSV the server serves behind the access token (refreshing it once if it has
/// expired) and hands it to the browser as a download; with `bom`, the file starts with the
/// byte-order mark that Excel needs for Chinese text (decoding the answer drops the server's).
#[cfg(target_arch = "wasm32")]
pub async fn download_csv(path: &str, name: &str, bom: bool) -> Result<(), ApiError> {
    use super::ErrorCode;
    use crate::session;
    let text = match fetch_csv(path, session::access_token().as_deref()).await {
        Err(e) if e.is(ErrorCode::Unauthenticated) && session::has_tokens() => {
            super::client::refresh().await?;
            fetch_csv(path, session::access_token().as_deref()).await?
        }
        other => other?,
    };
    let text = if bom && !text.starts_with('\u{feff}') {
        format!("\u{feff}{text}")
    } else {
        text
    };
    save(name, &text).map_err(|_| ApiError::new(ErrorCode::Internal))
}

#[cfg(target_arch = "wasm32")]
async fn fetch_csv(path: &str, token: Option<&str>) -> Result<String, ApiError> {
    use super::ErrorCode;
    use gloo_net::http::Request;
    let network = |_| ApiError::new(ErrorCode::Network);
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = request.send().await.map_err(network)?;
    if let Some(code) = csv_status_error(response.status()) {
        return Err(ApiError::new(code));
    }
    response.text().await.map_err(network)
}

/// Saves text as a file: a Blob URL clicked through a temporary link, then revoked.
#[cfg(target_arch = "wasm32")]
fn save(name: &str, text: &str) -> Result<(), wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| wasm_bindgen::JsValue::from_str("no document"))?;
    let link = document
        .create_element("a")?
        .dyn_into::<web_sys::HtmlElement>()?;
    link.set_attribute("href", &url)?;
    link.set_attribute("download", name)?;
    link.click();
    web_sys::Url::revoke_object_url(&url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorCode;

    #[test]
    fn the_roll_decodes_and_a_missing_roll_is_none() {
        let body = r#"{"ballot":{"id":"b","named":true,"namedRoll":[{"voterId":"h1","name":"业主二",
            "building":"1栋","unit":"102","channel":"PAPER","optionIds":["o1"],
            "optionLabels":["赞成"],"area":"100.00"}]}}"#;
        let data: RollData = serde_json::from_str(body).unwrap_or(RollData { ballot: None });
        let roll = data.ballot.and_then(|b| b.named_roll).unwrap_or_default();
        assert_eq!(roll.len(), 1);
        assert_eq!(roll[0].channel, "PAPER");
        let data: RollData =
            serde_json::from_str(r#"{"ballot":{"id":"b","named":false,"namedRoll":null}}"#)
                .unwrap_or(RollData { ballot: None });
        assert!(data.ballot.is_some_and(|b| b.named_roll.is_none()));
    }

    #[test]
    fn csv_statuses_map_to_error_codes() {
        assert_eq!(csv_status_error(200), None);
        assert_eq!(csv_status_error(404), Some(ErrorCode::NotFound));
        assert_eq!(csv_status_error(409), Some(ErrorCode::InvalidState));
        assert_eq!(csv_status_error(401), Some(ErrorCode::Unauthenticated));
        assert_eq!(csv_status_error(500), Some(ErrorCode::Internal));
        assert_eq!(bulletin_csv_path("x"), "/ballots/x/bulletin.csv");
    }
}
