//! The in-app inbox.

use super::client::graphql;
use super::documents::notifications as doc;
use super::{ApiError, PageInfo};
use serde::Deserialize;
use serde_json::{json, Value};

/// How many notifications one page loads.
pub const PAGE_SIZE: i64 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: String,
    pub kind: String,
    /// A JSON object, as text.
    pub params: String,
    #[serde(default)]
    pub community_id: Option<String>,
    pub created_at: String,
    pub read: bool,
}

impl Notification {
    /// The parameters as (name, text) pairs; a value that is not a string is shown as JSON.
    /// Unreadable params give no pairs (the message then shows its placeholders' names).
    pub fn param_pairs(&self) -> Vec<(String, String)> {
        match serde_json::from_str::<Value>(&self.params) {
            Ok(Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s,
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k, text)
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl Notification {
    /// Where the notification's subject is in the portal: the topic (and its ballot), case,
    /// nomination or campaign it is about, or Home for a role change. `None` when it names nothing the portal shows.
    pub fn link(&self) -> Option<String> {
        let params = self.param_pairs();
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| {
                    !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        };
        if let Some(topic) = param("topicId") {
            return Some(format!("/topics/{topic}"));
        }
        if let Some(case) = param("caseId") {
            return Some(format!("/cases/{case}"));
        }
        if let Some(nomination) = param("nominationId") {
            return Some(format!("/nominations/{nomination}"));
        }
        if let Some(campaign) = param("campaignId") {
            return Some(format!("/awards/{campaign}"));
        }
        if let Some(event) = param("eventId") {
            return Some(format!("/events/{event}"));
        }
        match self.kind.as_str() {
            "ROLE_GRANTED" | "ROLE_REVOKED" => Some("/".to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationPage {
    pub nodes: Vec<Notification>,
    pub page_info: PageInfo,
}

#[derive(Deserialize)]
struct NotificationsData {
    notifications: NotificationPage,
}

/// A `next` message of [`doc::NOTIFICATION_ADDED`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddedData {
    pub notification_added: Notification,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UnreadData {
    unread_notification_count: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MarkAllData {
    mark_all_notifications_read: i64,
}

/// Newest first.
pub async fn notifications(after: Option<String>) -> Result<NotificationPage, ApiError> {
    let data: NotificationsData = graphql(
        doc::NOTIFICATIONS,
        json!({ "first": PAGE_SIZE, "after": after }),
    )
    .await?;
    Ok(data.notifications)
}

pub async fn unread_count() -> Result<i64, ApiError> {
    let data: UnreadData = graphql(doc::UNREAD_COUNT, json!({})).await?;
    Ok(data.unread_notification_count)
}

pub async fn mark_read(id: &str) -> Result<(), ApiError> {
    graphql::<serde::de::IgnoredAny>(doc::MARK_NOTIFICATION_READ, json!({ "id": id }))
        .await
        .map(|_| ())
}

/// Returns how many were marked.
pub async fn mark_all_read() -> Result<i64, ApiError> {
    let data: MarkAllData = graphql(doc::MARK_ALL_NOTIFICATIONS_READ, json!({})).await?;
    Ok(data.mark_all_notifications_read)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_params(params: &str) -> Notification {
        Notification {
            id: "n1".into(),
            kind: "ROLE_GRANTED".into(),
            params: params.into(),
            community_id: None,
            created_at: "2026-11-25T08:00:00Z".into(),
            read: false,
        }
    }

    #[test]
    fn params_become_text_pairs() {
        let n = with_params(r#"{"role":"COMMITTEE","community":"一区","count":3}"#);
        let mut pairs = n.param_pairs();
        pairs.sort();
        assert_eq!(
            pairs,
            vec![
                ("community".to_string(), "一区".to_string()),
                ("count".to_string(), "3".to_string()),
                ("role".to_string(), "COMMITTEE".to_string()),
            ]
        );
    }

    #[test]
    fn a_notification_links_to_its_subject() {
        let mut n = with_params(r#"{"topicId":"0b1c-42","title":"电梯"}"#);
        n.kind = "TOPIC_ACCEPTED".into();
        assert_eq!(n.link().as_deref(), Some("/topics/0b1c-42"));
        n.kind = "BALLOT_RESULT".into();
        assert_eq!(n.link().as_deref(), Some("/topics/0b1c-42"));
        // A standalone ballot (no topic) has no page of its own yet.
        let mut n = with_params(r#"{"ballotId":"b1","topicId":null,"question":"?"}"#);
        n.kind = "BALLOT_OPENED".into();
        assert_eq!(n.link(), None);
        assert_eq!(
            with_params(r#"{"role":"COMMITTEE"}"#).link().as_deref(),
            Some("/")
        );
        let mut n = with_params(r#"{"eventId":"e-7","event":"合唱","place":"二楼"}"#);
        n.kind = "EVENT_PROMOTED".into();
        assert_eq!(n.link().as_deref(), Some("/events/e-7"));
        // Nothing but an id goes into a path.
        let mut odd = with_params(r#"{"topicId":"../../signout"}"#);
        odd.kind = "TOPIC_ACCEPTED".into();
        assert_eq!(odd.link(), None);
    }

    #[test]
    fn unreadable_params_give_nothing() {
        assert!(with_params("not json").param_pairs().is_empty());
        assert!(with_params("[1,2]").param_pairs().is_empty());
    }
}
