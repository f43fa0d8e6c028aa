//! `jiayuan serve --demo`: seeds a demo community into an empty database and prints sign-ins.

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
    let viewer = Viewer { account: admin };
    let community = crate::domain::community::create(db, &viewer, "胜利油田·东营社区")
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
    print_signins(port);
    Ok(())
}

fn print_signins(port: u16) {
    println!();
    println!("Jiayuan demo is running: http://127.0.0.1:{port}/");
    println!("Sign in with password `{DEMO_PASSWORD}` as:");
    println!("  {ADMIN_PHONE}  platform admin");
    println!("  13800000001  王建国 (committee)");
    println!("  13800000003  张伟 (mediator)");
    println!("  13800000004  刘芳 (organizer)");
    println!("  13800000002  李秀英 (resident)");
    println!();
}
