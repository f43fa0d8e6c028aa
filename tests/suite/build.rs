//! Typed builders for test arrangement: a roster, a topic and a ballot are described with the
//! same enums the server stores (`entity::…`, serialised under their GraphQL names), so a test
//! cannot misspell a value and a changed input shape fails to compile instead of failing late.

use chrono::{DateTime, Duration, Utc};
use entity::ballot::{BallotKind, DecisionRule, Electorate, VoteMethod};
use entity::role_grant::Role;
use entity::topic::TopicCategory;
use sea_orm::ActiveEnum;
use serde::Serialize;
use serde_json::{json, Value};

use crate::harness::TestApp;

/// One row of the roster CSV: a resident in a household (a building's unit).
#[derive(Clone, Debug)]
pub struct Member {
    pub building: String,
    pub unit: String,
    /// Floor area in m², as the CSV writes it ("88.50").
    pub area: String,
    pub owner: bool,
    pub name: String,
    pub phone: String,
    pub roles: Vec<Role>,
}

/// A roster, rendered to the CSV that `importRoster` takes.
#[derive(Clone, Debug, Default)]
pub struct Roster {
    members: Vec<Member>,
}

impl Roster {
    pub fn new() -> Self {
        Self::default()
    }

    /// A resident of the household at `building`/`unit` (members of one household repeat its
    /// building, unit, area and owner flag).
    #[allow(clippy::too_many_arguments)]
    pub fn member(
        mut self,
        building: &str,
        unit: &str,
        area: &str,
        owner: bool,
        name: &str,
        phone: &str,
        roles: &[Role],
    ) -> Self {
        self.members.push(Member {
            building: building.into(),
            unit: unit.into(),
            area: area.into(),
            owner,
            name: name.into(),
            phone: phone.into(),
            roles: roles.to_vec(),
        });
        self
    }

    pub fn csv(&self) -> String {
        let mut out = String::from("building,unit,area_m2,owner,name,phone,roles\n");
        for m in &self.members {
            let roles = m
                .roles
                .iter()
                .map(|r| r.to_value())
                .collect::<Vec<_>>()
                .join(";");
            out.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                m.building, m.unit, m.area, m.owner, m.name, m.phone, roles
            ));
        }
        out
    }
}

/// `proposeTopic`'s arguments.
#[derive(Clone, Debug)]
pub struct TopicSpec {
    pub title: String,
    pub body: String,
    pub category: TopicCategory,
}

impl TopicSpec {
    pub fn new(title: &str, body: &str) -> Self {
        Self {
            title: title.into(),
            body: body.into(),
            category: TopicCategory::Facilities,
        }
    }

    pub fn category(mut self, category: TopicCategory) -> Self {
        self.category = category;
        self
    }

    /// Proposes it as `token` in `community`; the topic's `{ id status }`.
    pub async fn propose(&self, app: &TestApp, token: &str, community: &str) -> Value {
        app.ok(
            Some(token),
            "mutation($c:ID!,$t:String!,$b:String!,$cat:TopicCategory!){ proposeTopic(communityId:$c, title:$t, body:$b, category:$cat){ id status } }",
            json!({ "c": community, "t": self.title, "b": self.body, "cat": self.category }),
        )
        .await["proposeTopic"]
            .clone()
    }
}

/// One option of a CHOICE ballot.
#[derive(Clone, Debug, Serialize)]
pub struct OptionSpec {
    pub label: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub abstain: bool,
}

/// `OpenBallotInput`: a motion by owners (the ordinary rule) closing in seven days unless told
/// otherwise.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BallotSpec {
    pub topic_id: String,
    pub question: String,
    pub kind: BallotKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionSpec>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<VoteMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_choices: Option<i32>,
    pub electorate: Electorate,
    pub rule: DecisionRule,
    pub secret: bool,
    pub closes_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building_ids: Option<Vec<String>>,
}

impl BallotSpec {
    pub fn motion(topic_id: &str) -> Self {
        Self {
            topic_id: topic_id.into(),
            question: "是否同意使用维修资金更换2栋电梯？".into(),
            kind: BallotKind::Motion,
            options: None,
            method: None,
            max_choices: None,
            electorate: Electorate::Owners,
            rule: DecisionRule::OwnersOrdinary,
            secret: false,
            closes_at: Utc::now() + Duration::days(7),
            building_ids: None,
        }
    }

    /// A CHOICE among `labels` (an option labelled with `abstain` set is the abstention).
    pub fn choice(
        mut self,
        method: VoteMethod,
        max_choices: i32,
        options: &[(&str, bool)],
    ) -> Self {
        self.kind = BallotKind::Choice;
        self.method = Some(method);
        self.max_choices = Some(max_choices);
        self.options = Some(
            options
                .iter()
                .map(|(label, abstain)| OptionSpec {
                    label: (*label).into(),
                    abstain: *abstain,
                })
                .collect(),
        );
        self
    }

    pub fn by(mut self, electorate: Electorate, rule: DecisionRule) -> Self {
        self.electorate = electorate;
        self.rule = rule;
        self
    }

    pub fn rule(mut self, rule: DecisionRule) -> Self {
        self.rule = rule;
        self
    }

    pub fn secret(mut self, secret: bool) -> Self {
        self.secret = secret;
        self
    }

    pub fn closes_in(mut self, after: Duration) -> Self {
        self.closes_at = Utc::now() + after;
        self
    }

    pub fn buildings(mut self, ids: &[&str]) -> Self {
        self.building_ids = Some(ids.iter().map(|s| (*s).to_owned()).collect());
        self
    }

    /// The `input` variable of `openBallot`.
    pub fn input(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|e| panic!("a ballot spec serialises: {e}"))
    }
}

#[test]
fn specs_serialise_to_the_graphql_input_shapes() {
    let spec = BallotSpec::motion("t1")
        .by(Electorate::Households, DecisionRule::ResidentsMeeting)
        .choice(VoteMethod::Approval, 2, &[("甲", false), ("弃权", true)]);
    let input = spec.input();
    assert_eq!(input["topicId"], "t1");
    assert_eq!(input["kind"], "CHOICE");
    assert_eq!(input["method"], "APPROVAL");
    assert_eq!(input["maxChoices"], 2);
    assert_eq!(input["electorate"], "HOUSEHOLDS");
    assert_eq!(input["rule"], "RESIDENTS_MEETING");
    assert_eq!(
        input["options"],
        json!([{"label": "甲"}, {"label": "弃权", "abstain": true}])
    );
    assert!(input.get("buildingIds").is_none());
    let topic = TopicSpec::new("路灯", "东门路灯坏了").category(TopicCategory::Safety);
    assert_eq!(
        serde_json::to_value(topic.category).ok(),
        Some(json!("SAFETY"))
    );
    let roster = Roster::new()
        .member(
            "1栋",
            "101",
            "88.50",
            true,
            "王建国",
            "13800000001",
            &[Role::Committee],
        )
        .member("2栋", "101", "120.00", false, "刘芳", "13800000004", &[]);
    assert_eq!(
        roster.csv(),
        "building,unit,area_m2,owner,name,phone,roles\n\
         1栋,101,88.50,true,王建国,13800000001,COMMITTEE\n\
         2栋,101,120.00,false,刘芳,13800000004,\n"
    );
}
