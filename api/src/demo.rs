//! `jiayuan serve --demo`: seeds a demo community into an empty database and prints sign-ins.

use entity::ballot_option::OptionRole;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::auth::Viewer;
use crate::domain::identity::service::create_admin;
use crate::startup::AppState;

pub const ADMIN_PHONE: &str = "13900000000";
pub const DEMO_PASSWORD: &str = "jiayuan-demo";

pub const DEMO_ROSTER: &str = "building,unit,area_m2,owner,name,phone,roles
1栋,101,88.50,true,王建国,13800000001,COMMITTEE
1栋,101,88.50,true,李秀英,13800000002,
1栋,102,92.00,true,张伟,13800000003,MEDIATOR
1栋,201,88.50,true,刘芳,13800000004,ORGANIZER
1栋,202,92.00,false,陈静,13800000005,
2栋,101,120.00,true,杨明,13800000006,
2栋,102,75.25,true,赵磊,13800000007,
2栋,201,120.00,true,黄丽,13800000008,
2栋,202,75.25,false,周强,13800000009,
3栋,101,110.00,true,吴敏,13800000010,
";

pub async fn seed_and_print(state: &AppState, port: u16) -> anyhow::Result<()> {
    let db = &state.db;
    if entity::community::Entity::find().count(db).await? > 0 {
        println!("Demo: the database already has data; nothing seeded.");
        print_signins(port);
        return Ok(());
    }
    create_admin(db, &state.hasher, ADMIN_PHONE, DEMO_PASSWORD, "平台管理员")
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    let admin = entity::account::Entity::find()
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("admin missing after creation"))?;
    let viewer = Viewer::new(admin);
    let community =
        crate::domain::community::create(db, &state.audit, &viewer, "胜利油田·东营社区")
            .await
            .map_err(|e| anyhow::anyhow!(e.describe()))?;
    let outcome =
        crate::domain::roster::service::import(state, &viewer, &community.id, DEMO_ROSTER)
            .await
            .map_err(|e| anyhow::anyhow!(e.describe()))?;
    // Demo residents get the demo password directly (real residents claim their invite codes).
    for invite in &outcome.invites {
        crate::domain::identity::service::claim_invite(state, &invite.code, DEMO_PASSWORD, "demo")
            .await
            .map_err(|e| anyhow::anyhow!(e.describe()))?;
    }
    seed_deliberation(state, &community.id)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    seed_mediation(state, &community.id)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    seed_awards(state, &community.id)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    seed_events(state, &community.id)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    print_signins(port);
    Ok(())
}

async fn viewer_by_phone(state: &AppState, phone: &str) -> crate::error::AppResult<Viewer> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let account = entity::account::Entity::find()
        .filter(entity::account::Column::Phone.eq(phone))
        .one(&state.db)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    Ok(Viewer::new(account))
}

/// Topics in every state, an open ballot with a live tally and closed ones with results.
async fn seed_deliberation(state: &AppState, community_id: &str) -> crate::error::AppResult<()> {
    use crate::domain::ballot::rules::{BallotKind, DecisionRule, Electorate};
    use crate::domain::ballot::service as ballot;
    use crate::domain::topic::rules::TopicCategory as Cat;
    use crate::domain::topic::service as topic;

    let mut people = Vec::new();
    for i in 1..=10 {
        people.push(viewer_by_phone(state, &format!("138000000{i:02}")).await?);
    }
    let committee = &people[0];
    let others = &people[1..];

    // PROPOSED, collecting co-signatures.
    let t = topic::propose(
        state,
        &people[1],
        community_id,
        "小区增设电动车充电桩",
        "电动车在楼道充电有火灾隐患，建议在3栋旁空地增设集中充电桩。",
        Cat::Safety,
    )
    .await?;
    topic::cosign(state, &people[5], &t.topic.id).await?;
    topic::comment(
        state,
        &people[6],
        &t.topic.id,
        "支持！楼道里充电太危险了。",
        None,
    )
    .await?;

    // UNDER_REVIEW: the threshold (5) reached.
    let t = topic::propose(
        state,
        &people[2],
        community_id,
        "更换2栋单元门禁",
        "2栋单元门禁经常失灵，外来人员随意进出，建议更换。",
        Cat::Facilities,
    )
    .await?;
    for p in &others[2..6] {
        topic::cosign(state, p, &t.topic.id).await?;
    }

    // REJECTED with a public reason.
    let t = topic::propose(
        state,
        &people[7],
        community_id,
        "在中心花园修建停车位",
        "车位紧张，建议把中心花园改成停车位。",
        Cat::Environment,
    )
    .await?;
    for p in &others[..4] {
        if p.id() != people[7].id() {
            topic::cosign(state, p, &t.topic.id).await?;
        }
    }
    topic::cosign(state, &people[9], &t.topic.id).await.ok();
    topic::reject(
        state,
        committee,
        &t.topic.id,
        "中心花园属于规划绿地，不能改变用途；已向街道反映停车难问题。",
    )
    .await
    .ok();

    // WITHDRAWN by its proposer.
    let t = topic::propose(
        state,
        &people[8],
        community_id,
        "统一更换楼道窗户",
        "楼道窗户老旧，冬天漏风。",
        Cat::Facilities,
    )
    .await?;
    topic::withdraw(state, &people[8], &t.topic.id).await?;

    // DELIBERATING: proposed by the committee, with a comment thread.
    let t = topic::propose(
        state,
        committee,
        community_id,
        "楼道照明改造为声控灯",
        "建议将各楼道照明改造为声控LED灯，节能且方便夜间出行。",
        Cat::Facilities,
    )
    .await?;
    let c = topic::comment(state, &people[3], &t.topic.id, "费用从哪里出？", None).await?;
    topic::comment(
        state,
        committee,
        &t.topic.id,
        "拟从公共收益中列支，表决前会公示预算。",
        Some(&c.id),
    )
    .await?;

    let open = |topic_id: String, question: &str, secret: bool| ballot::OpenBallot {
        topic_id: Some(topic_id),
        campaign_id: None,
        category_id: None,
        question: question.to_owned(),
        kind: BallotKind::Motion,
        options: None,
        method: None,
        max_choices: None,
        electorate: Electorate::Owners,
        rule: DecisionRule::OwnersOrdinary,
        secret,
        closes_at: crate::domain::now() + chrono::Duration::days(7),
        building_ids: None,
    };
    let vote = |b: &entity::ballot::Model, role: OptionRole| {
        let b = b.clone();
        async move {
            let options = ballot::options_of(&state.db, &b.id).await?;
            Ok::<_, crate::error::AppError>(
                options
                    .into_iter()
                    .filter(|o| o.role == role)
                    .map(|o| o.id)
                    .collect::<Vec<_>>(),
            )
        }
    };
    let end_now = |b: entity::ballot::Model| async move {
        use sea_orm::{sea_query::Expr, ColumnTrait, QueryFilter};
        entity::ballot::Entity::update_many()
            .col_expr(
                entity::ballot::Column::ClosesAt,
                Expr::value(crate::domain::now() - chrono::Duration::seconds(1)),
            )
            .filter(entity::ballot::Column::Id.eq(b.id.clone()))
            .exec(&state.db)
            .await?;
        ballot::close_one(state, &b.id).await
    };

    // VOTING: an open, non-secret ballot with a live tally.
    let t = topic::propose(
        state,
        committee,
        community_id,
        "使用公共收益修缮凉亭",
        "中心花园凉亭木结构腐朽，建议使用公共收益约2万元修缮。",
        Cat::Finance,
    )
    .await?;
    let b = ballot::open(
        state,
        committee,
        open(
            t.topic.id.clone(),
            "是否同意使用公共收益约2万元修缮凉亭？",
            false,
        ),
    )
    .await?;
    let (yes, no) = (
        vote(&b, OptionRole::Approve).await?,
        vote(&b, OptionRole::Oppose).await?,
    );
    let reader = |v: &Viewer| crate::auth::Reader::known(&state.db, v.clone());
    ballot::cast(state, &reader(&people[2]), &b.id, &yes, None).await?;
    ballot::cast(state, &reader(&people[5]), &b.id, &no, None).await?;

    // ADOPTED, then IMPLEMENTING with progress.
    let t = topic::propose(
        state,
        committee,
        community_id,
        "增设单元门口无障碍坡道",
        "方便轮椅和婴儿车进出，建议在1栋、2栋单元门口增设坡道。",
        Cat::Facilities,
    )
    .await?;
    let b = ballot::open(
        state,
        committee,
        open(t.topic.id.clone(), "是否同意增设无障碍坡道？", true),
    )
    .await?;
    let yes = vote(&b, OptionRole::Approve).await?;
    for i in [0usize, 2, 3, 5, 6, 7] {
        ballot::cast(state, &reader(&people[i]), &b.id, &yes, None).await?;
    }
    end_now(b).await?;
    topic::post_progress(
        state,
        committee,
        &t.topic.id,
        40,
        "已完成设计和施工招标，下周开工。",
    )
    .await?;

    // NOT_ADOPTED: a head-count majority that fails on area.
    let t = topic::propose(
        state,
        committee,
        community_id,
        "外墙统一粉刷",
        "建议使用维修资金统一粉刷外墙。",
        Cat::Finance,
    )
    .await?;
    let b = ballot::open(
        state,
        committee,
        open(t.topic.id.clone(), "是否同意使用维修资金粉刷外墙？", false),
    )
    .await?;
    let (yes, no) = (
        vote(&b, OptionRole::Approve).await?,
        vote(&b, OptionRole::Oppose).await?,
    );
    for i in [2usize, 3, 6] {
        ballot::cast(state, &reader(&people[i]), &b.id, &yes, None).await?;
    }
    for i in [0usize, 5, 9] {
        ballot::cast(state, &reader(&people[i]), &b.id, &no, None).await?;
    }
    end_now(b).await?;

    // ADOPTED, waiting for work to start.
    let t = topic::propose(
        state,
        committee,
        community_id,
        "为老年活动室添置座椅",
        "老年活动室座椅不足，建议添置20把带扶手的座椅。",
        Cat::Services,
    )
    .await?;
    let b = ballot::open(
        state,
        committee,
        open(t.topic.id.clone(), "是否同意为老年活动室添置座椅？", false),
    )
    .await?;
    let yes = vote(&b, OptionRole::Approve).await?;
    for i in [0usize, 2, 3, 5, 6, 7] {
        ballot::cast(state, &reader(&people[i]), &b.id, &yes, None).await?;
    }
    end_now(b).await?;

    // COMPLETED and rated.
    let t = topic::propose(
        state,
        committee,
        community_id,
        "清理楼顶杂物",
        "楼顶堆放杂物存在消防隐患，建议统一清理。",
        Cat::Safety,
    )
    .await?;
    let b = ballot::open(
        state,
        committee,
        open(t.topic.id.clone(), "是否同意统一清理楼顶杂物？", false),
    )
    .await?;
    let yes = vote(&b, OptionRole::Approve).await?;
    for i in [0usize, 2, 3, 5, 6] {
        ballot::cast(state, &reader(&people[i]), &b.id, &yes, None).await?;
    }
    end_now(b).await?;
    topic::post_progress(state, committee, &t.topic.id, 100, "杂物已全部清理完毕。").await?;
    topic::complete(state, committee, &t.topic.id).await?;
    for (i, stars) in [(1usize, 5), (2, 4), (4, 5)] {
        topic::rate(state, &people[i], &t.topic.id, stars).await?;
    }
    Ok(())
}

/// Mediation cases in every state: one awaiting the committee, one awaiting consent, declined,
/// refused, one in mediation (overdue, with a session, messages, a note and a half-signed
/// draft), a signed agreement, failed, withdrawn, fulfilled, and a closed and rated one. The
/// mediator is 张伟 (13800000003).
/// Awards: last year's campaign announced (on the honour roll) and this year's in its
/// endorsing window, with a nomination waiting for its nominee's consent.
async fn seed_awards(state: &AppState, community_id: &str) -> crate::error::AppResult<()> {
    use crate::domain::awards::rules::{CategoryInput, NomineeKind};
    use crate::domain::awards::{act, committee};
    use sea_orm::{ColumnTrait, QueryFilter};

    let mut people = Vec::new();
    let mut places = Vec::new();
    for i in 1..=10 {
        let p = viewer_by_phone(state, &format!("138000000{i:02}")).await?;
        let place = crate::domain::roles::live_places(&state.db, &p)
            .await?
            .into_iter()
            .next()
            .ok_or(crate::error::AppError::NotFound)?;
        people.push(p);
        places.push(place);
    }
    let building = |name: &'static str| async move {
        entity::building::Entity::find()
            .filter(entity::building::Column::CommunityId.eq(community_id))
            .filter(entity::building::Column::Name.eq(name))
            .one(&state.db)
            .await?
            .map(|b| b.id)
            .ok_or(crate::error::AppError::NotFound)
    };
    let categories = || {
        vec![
            CategoryInput {
                name: "文明家庭".into(),
                nominee_kind: NomineeKind::Household,
                winners: 2,
            },
            CategoryInput {
                name: "文明楼栋".into(),
                nominee_kind: NomineeKind::Building,
                winners: 1,
            },
            CategoryInput {
                name: "好邻里".into(),
                nominee_kind: NomineeKind::Resident,
                winners: 1,
            },
        ]
    };
    let now = crate::domain::now();
    let days = chrono::Duration::days;
    let new = |title: &str, year: i32| committee::NewCampaign {
        community_id: community_id.to_owned(),
        title: title.to_owned(),
        year,
        endorsement_threshold: 3,
        categories: categories(),
        nominate_until: now + days(10),
        endorse_until: now + days(20),
        review_until: now + days(30),
    };
    let board = &people[0];

    // Last year's, announced.
    let done = committee::create(state, board, new("2025 年度文明评选", 2025)).await?;
    let cat =
        |v: &crate::domain::awards::service::CampaignView, i: usize| v.categories[i].id.clone();
    let family = act::nominate(
        state,
        &people[4],
        &done.campaign.id,
        &cat(&done, 0),
        &places[2].household_id,
        "张伟一家多年照顾楼里的独居老人，逢年过节送饭上门，楼道卫生也常年义务打扫。",
    )
    .await?;
    act::consent(state, &people[2], &family.nomination.id, true).await?;
    let block = act::nominate(
        state,
        &people[5],
        &done.campaign.id,
        &cat(&done, 1),
        &building("3栋").await?,
        "3栋居民自发组织垃圾分类督导，楼道无杂物，连续两年被评为卫生示范楼。",
    )
    .await?;
    let neighbour = act::nominate(
        state,
        &people[7],
        &done.campaign.id,
        &cat(&done, 2),
        &places[9].id,
        "吴敏退休后每天在小区门口义务指挥交通，风雨无阻，孩子们都叫她“吴奶奶”。",
    )
    .await?;
    act::consent(state, &people[9], &neighbour.nomination.id, true).await?;
    for id in [
        &family.nomination.id,
        &block.nomination.id,
        &neighbour.nomination.id,
    ] {
        for p in [&people[1], &people[3], &people[6]] {
            act::endorse(state, p, id).await?;
        }
    }
    committee::advance(state, board, &done.campaign.id).await?;
    committee::advance(state, board, &done.campaign.id).await?;
    committee::shortlist(state, board, &family.nomination.id, Some("邻里一致好评。")).await?;
    committee::announce(
        state,
        board,
        &done.campaign.id,
        &[
            family.nomination.id.clone(),
            block.nomination.id.clone(),
            neighbour.nomination.id.clone(),
        ],
    )
    .await?;

    // This year's, in its endorsing window.
    let open = committee::create(state, board, new("2026 年度文明评选", 2026)).await?;
    let home = act::nominate(
        state,
        &people[6],
        &open.campaign.id,
        &cat(&open, 0),
        &places[5].household_id,
        "杨明家孝老爱亲，照顾卧床的母亲十多年，还常帮邻居修理水电。",
    )
    .await?;
    act::consent(state, &people[5], &home.nomination.id, true).await?;
    for p in [&people[1], &people[7]] {
        act::endorse(state, p, &home.nomination.id).await?;
    }
    let block = act::nominate(
        state,
        &people[3],
        &open.campaign.id,
        &cat(&open, 1),
        &building("1栋").await?,
        "1栋居民共建楼道书角和花架，邻里互助群帮老人代买代取，楼风和睦。",
    )
    .await?;
    for p in [&people[5], &people[6], &people[8]] {
        act::endorse(state, p, &block.nomination.id).await?;
    }
    // Waiting for 周强's consent (he sees it on Home).
    act::nominate(
        state,
        &people[4],
        &open.campaign.id,
        &cat(&open, 2),
        &places[8].id,
        "周强是楼里的热心人，谁家有事都主动帮忙，疫情期间还当过志愿者。",
    )
    .await?;
    committee::advance(state, board, &open.campaign.id).await?;
    Ok(())
}

/// A volunteer group; a full event with a waitlist, open ones (one a volunteer event), and a
/// past volunteer event with attendance, a no-show and credited hours.
async fn seed_events(state: &AppState, community_id: &str) -> crate::error::AppResult<()> {
    use crate::domain::events::organize::{self, NewEvent};
    use crate::domain::events::{act, jobs, rules::EventKind};
    use sea_orm::{sea_query::Expr, ColumnTrait, QueryFilter};

    let mut people = Vec::new();
    for i in 1..=10 {
        people.push(viewer_by_phone(state, &format!("138000000{i:02}")).await?);
    }
    let board = &people[0];
    let organizer = &people[3];
    let resident_of = |v: &Viewer| {
        let v = v.clone();
        async move {
            crate::domain::roles::active_resident(&state.db, &v, community_id)
                .await?
                .ok_or(crate::error::AppError::NotFound)
        }
    };
    let leader = resident_of(organizer).await?;
    let group =
        organize::create_group(state, board, community_id, "夕阳红志愿队", &leader.id).await?;
    for p in [&people[5], &people[6], &people[9]] {
        organize::membership(state, p, &group.id, true).await?;
    }
    let now = crate::domain::now();
    let at = |days: i64, hour: u32| {
        use chrono::{Duration, Timelike};
        let day = now + Duration::days(days);
        day.with_hour(hour)
            .and_then(|d| d.with_minute(0))
            .and_then(|d| d.with_second(0))
            .and_then(|d| d.with_nanosecond(0))
            .unwrap_or(day)
    };
    let new = |title: &str, kind: EventKind, place: &str, days: i64, hour: u32| NewEvent {
        community_id: community_id.to_owned(),
        title: title.to_owned(),
        kind,
        place: place.to_owned(),
        description: None,
        starts_at: at(days, hour),
        ends_at: at(days, hour + 2),
        capacity: None,
        companions_allowed: 0,
        signup_opens_at: None,
        signup_closes_at: None,
        volunteer_hours: None,
        group_id: None,
    };

    // Full, with two waiting.
    let gala = organize::create(
        state,
        organizer,
        NewEvent {
            capacity: Some(4),
            companions_allowed: 1,
            description: Some("重阳节文艺联欢，欢迎带家人一起来。".into()),
            ..new(
                "重阳节联欢会",
                EventKind::Cultural,
                "社区活动中心一楼",
                5,
                6,
            )
        },
    )
    .await?;
    for (p, companions) in [(1, 1), (2, 0), (5, 0), (6, 0), (7, 1)] {
        act::sign_up(state, &people[p], &gala.event.id, Some(companions)).await?;
    }
    // Open: a health talk with room, and a volunteer clean-up of the group.
    let talk = organize::create(
        state,
        organizer,
        NewEvent {
            capacity: Some(30),
            companions_allowed: 1,
            ..new(
                "老年人健康讲座：防跌倒",
                EventKind::Health,
                "社区卫生服务站",
                3,
                1,
            )
        },
    )
    .await?;
    act::sign_up(state, &people[8], &talk.event.id, Some(1)).await?;
    let sweep = organize::create(
        state,
        organizer,
        NewEvent {
            capacity: Some(10),
            volunteer_hours: Some("2".into()),
            group_id: Some(group.id.clone()),
            ..new("周末楼道清扫", EventKind::Volunteer, "1栋、2栋楼道", 2, 0)
        },
    )
    .await?;
    act::sign_up(state, &people[5], &sweep.event.id, None).await?;

    // Past: created to start within the hour, attended, then moved back a week.
    let trees = organize::create(
        state,
        organizer,
        NewEvent {
            volunteer_hours: Some("3".into()),
            group_id: Some(group.id.clone()),
            starts_at: now + chrono::Duration::minutes(30),
            ends_at: now + chrono::Duration::minutes(150),
            ..new(
                "植树护绿志愿活动",
                EventKind::Volunteer,
                "小区北侧绿地",
                0,
                0,
            )
        },
    )
    .await?;
    let mut codes = Vec::new();
    for p in [5, 6, 9, 2] {
        let (r, _) = act::sign_up(state, &people[p], &trees.event.id, None).await?;
        codes.push(r.registration.check_in_code);
    }
    for code in &codes[..3] {
        organize::check_in(state, organizer, &trees.event.id, code).await?;
    }
    let back = chrono::Duration::days(7);
    let e = &trees.event;
    entity::event::Entity::update_many()
        .col_expr(
            entity::event::Column::StartsAt,
            Expr::value(e.starts_at - back),
        )
        .col_expr(entity::event::Column::EndsAt, Expr::value(e.ends_at - back))
        .col_expr(
            entity::event::Column::SignupOpensAt,
            Expr::value(e.signup_opens_at - back),
        )
        .col_expr(
            entity::event::Column::SignupClosesAt,
            Expr::value(e.signup_closes_at - back),
        )
        .col_expr(
            entity::event::Column::CreatedAt,
            Expr::value(e.created_at - back),
        )
        .filter(entity::event::Column::Id.eq(e.id.clone()))
        .exec(&state.db)
        .await?;
    jobs::close_ended(state).await?;
    Ok(())
}

async fn seed_mediation(state: &AppState, community_id: &str) -> crate::error::AppResult<()> {
    use crate::domain::mediation::rules::CaseCategory as Cat;
    use crate::domain::mediation::{act, committee, mediator};
    use sea_orm::{sea_query::Expr, ColumnTrait, QueryFilter};

    let mut people = Vec::new();
    for i in 1..=10 {
        people.push(viewer_by_phone(state, &format!("138000000{i:02}")).await?);
    }
    let mut ids = Vec::new();
    for p in &people {
        let places = crate::domain::roles::live_places(&state.db, p).await?;
        ids.push(places.first().map(|r| r.id.clone()).unwrap_or_default());
    }
    let board = &people[0];
    let mediator_id = vec![ids[2].clone()];
    let file = |applicant: usize,
                respondent: Option<usize>,
                outside: Option<&'static str>,
                category: Cat,
                description: &'static str,
                outcome: &'static str| {
        let respondents: Vec<String> = respondent.map(|r| ids[r].clone()).into_iter().collect();
        let people = &people;
        async move {
            act::file(
                state,
                &people[applicant],
                act::FileCase {
                    community_id,
                    respondent_ids: &respondents,
                    outside_party: outside,
                    category,
                    description,
                    desired_outcome: outcome,
                },
            )
            .await
            .map(|v| v.case.id)
        }
    };
    let tomorrow = crate::domain::now() + chrono::Duration::days(2);

    // SUBMITTED: waiting for the committee.
    file(
        1,
        Some(5),
        None,
        Cat::Noise,
        "楼上2栋101每天清晨五点开始跳绳，声音很大，家里老人睡不好。",
        "早上七点以后再锻炼。",
    )
    .await?;

    // ACCEPTED: waiting for the respondent's consent.
    let c = file(
        4,
        Some(6),
        None,
        Cat::Leaks,
        "楼上卫生间漏水，我家天花板已经发霉。",
        "请楼上修好防水并赔偿粉刷费用。",
    )
    .await?;
    committee::accept(state, board, &c, &mediator_id).await?;

    // DECLINED with a reason.
    let c = file(
        8,
        None,
        Some("小区外来人员（身份不明）"),
        Cat::Other,
        "有人深夜撬我家电动车的锁。",
        "找到这个人并赔偿损失。",
    )
    .await?;
    committee::decline(
        state,
        board,
        &c,
        "涉及治安案件，已建议立即报警，由派出所处理。",
    )
    .await?;

    // RESPONDENT_DECLINED.
    let c = file(
        7,
        Some(9),
        None,
        Cat::Parking,
        "3栋101长期把车停在我家车库门口。",
        "不要再挡住车库门。",
    )
    .await?;
    committee::accept(state, board, &c, &mediator_id).await?;
    act::respond(state, &people[9], &c, false).await?;

    // IN_MEDIATION, overdue: a session, messages, a private note, a draft signed by one party.
    let c = file(
        1,
        Some(6),
        None,
        Cat::Pets,
        "邻居的狗经常在楼道里大小便，也不牵绳。",
        "遛狗牵绳并及时清理。",
    )
    .await?;
    committee::accept(state, board, &c, &mediator_id).await?;
    act::respond(state, &people[6], &c, true).await?;
    mediator::schedule(
        state,
        &people[2],
        &c,
        tomorrow,
        "社区调解室（党群服务中心二楼）",
        Some("请双方准时到场"),
    )
    .await?;
    act::post_message(state, &people[6], &c, "我会注意的，以后出门都牵绳。").await?;
    mediator::add_note(
        state,
        &people[2],
        &c,
        "双方都有和解意愿，被申请人态度诚恳。",
    )
    .await?;
    mediator::draft(state, &people[2], &c, "一、赵磊遛狗时全程牵绳。\n二、宠物在楼道内的排泄物由赵磊当即清理。\n三、双方互相谅解，今后和睦相处。").await?;
    act::sign(state, &people[1], &c, Some(1)).await?;
    entity::mediation_case::Entity::update_many()
        .col_expr(
            entity::mediation_case::Column::CreatedAt,
            Expr::value(crate::domain::now() - chrono::Duration::days(35)),
        )
        .filter(entity::mediation_case::Column::Id.eq(c.clone()))
        .exec(&state.db)
        .await?;

    // AGREED: the agreement signed by both parties and the mediator.
    let c = file(
        5,
        Some(8),
        None,
        Cat::Noise,
        "楼下周强家装修，周末也从早上七点开始电钻。",
        "周末上午九点前、中午不施工。",
    )
    .await?;
    committee::accept(state, board, &c, &mediator_id).await?;
    act::respond(state, &people[8], &c, true).await?;
    mediator::draft(state, &people[2], &c, "一、装修施工时间为工作日8:00-12:00、14:00-18:00。\n二、周末及节假日不进行产生噪音的施工。\n三、周强向杨明当面致歉。").await?;
    for p in [5usize, 8, 2] {
        act::sign(state, &people[p], &c, Some(1)).await?;
    }

    // FAILED, with the channel the mediator suggests.
    let c = file(
        9,
        Some(4),
        None,
        Cat::Fees,
        "合用的水表费用分摊有争议，已经三个月没交。",
        "按人口比例分摊。",
    )
    .await?;
    committee::accept(state, board, &c, &mediator_id).await?;
    act::respond(state, &people[4], &c, true).await?;
    mediator::fail(
        state,
        &people[2],
        &c,
        "双方分歧较大，建议向物业服务中心申请分户计量，或向人民法院起诉。",
    )
    .await?;

    // WITHDRAWN by the applicant.
    let c = file(
        6,
        Some(7),
        None,
        Cat::Other,
        "邻居在公共走廊堆放杂物。",
        "清理走廊。",
    )
    .await?;
    act::withdraw(state, &people[6], &c).await?;

    // FULFILLED: agreed, followed up.
    let c = file(
        4,
        Some(1),
        None,
        Cat::Family,
        "两家孩子在楼下玩耍时发生冲突。",
        "双方家长沟通，互相道歉。",
    )
    .await?;
    committee::accept(state, board, &c, &mediator_id).await?;
    act::respond(state, &people[1], &c, true).await?;
    mediator::draft(
        state,
        &people[2],
        &c,
        "一、双方家长互相道歉。\n二、今后孩子发生矛盾先由家长沟通。",
    )
    .await?;
    for p in [4usize, 1, 2] {
        act::sign(state, &people[p], &c, Some(1)).await?;
    }
    mediator::follow_up(
        state,
        &people[2],
        &c,
        true,
        "回访：两家已和好，孩子们又一起玩了。",
    )
    .await?;

    // CLOSED and rated.
    let c = file(
        7,
        Some(5),
        None,
        Cat::Parking,
        "杨明的车经常占用我家固定车位。",
        "不再占用车位。",
    )
    .await?;
    committee::accept(state, board, &c, &mediator_id).await?;
    act::respond(state, &people[5], &c, true).await?;
    mediator::draft(
        state,
        &people[2],
        &c,
        "一、杨明不再占用黄丽的固定车位。\n二、临时停车需提前电话告知。",
    )
    .await?;
    for p in [7usize, 5, 2] {
        act::sign(state, &people[p], &c, Some(1)).await?;
    }
    mediator::follow_up(state, &people[2], &c, true, "回访：一个月内未再发生占位。").await?;
    committee::close(state, board, &c).await?;
    act::rate(state, &people[7], &c, 5).await?;
    act::rate(state, &people[5], &c, 4).await?;
    Ok(())
}

fn print_signins(port: u16) {
    println!();
    println!("Jiayuan demo is running: http://127.0.0.1:{port}/");
    println!("Sign in with password `{DEMO_PASSWORD}` as:");
    println!("  {ADMIN_PHONE}  platform admin");
    println!("  13800000001  王建国 (committee)");
    println!("  13800000003  张伟 (mediator)");
    println!("  13800000004  刘芳 (organizer; leads 夕阳红志愿队)");
    println!("  13800000002  李秀英 (resident; a party to mediation cases)");
    println!();
}
