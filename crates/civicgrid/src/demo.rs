//! `civicgrid demo`: seeds a deterministic demo city into an empty database (once),
//! prints where to sign in and with which accounts, and serves.

use std::time::Instant;

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::domain::geo::{BBox, Boundary, jittered_subdivide};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::platform::org::{NodeInput, OrgNode};
use civicgrid_app::platform::users::NewUser;

use crate::commands::{open_app, serve_app};
use crate::config::Settings;

/// The password of every demo account (change it on a real deployment).
pub const DEMO_PASSWORD: &str = "civicgrid-demo";

/// (username, display name, role, code of the node the role is bound to)
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    ("admin", "系统管理员 赵磊", "system_admin", "JC"),
    ("auditor", "审计员 周敏", "auditor", "JC"),
    ("street", "望湖街道 陈丽", "street_admin", "JC-BJ-WH"),
    ("staff", "湖光社区 王芳", "community_staff", "JC-BJ-WH-HG"),
    ("grid", "网格员 李强", "grid_worker", "JC-BJ-WH-HG-01"),
    ("responder", "湖光物业 张伟", "responder", "JC-BJ-WH-HG"),
    ("volunteer", "志愿者 刘洋", "volunteer", "JC-BJ-WH-HG"),
    ("resident", "居民 黄秀英", "resident", "JC-BJ-WH-HG-01"),
    (
        "committee",
        "业委会 孙建国",
        "owners_committee",
        "JC-BJ-WH-HG",
    ),
];

struct Community {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
    cols: usize,
    rows: usize,
}

struct Street {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
    communities: [Community; 2],
}

const STREETS: [Street; 2] = [
    Street {
        code: "WH",
        zh: "望湖街道",
        en: "Wanghu Subdistrict",
        communities: [
            Community {
                code: "HG",
                zh: "湖光社区",
                en: "Huguang Community",
                cols: 2,
                rows: 2,
            },
            Community {
                code: "LA",
                zh: "柳岸社区",
                en: "Liu'an Community",
                cols: 3,
                rows: 2,
            },
        ],
    },
    Street {
        code: "CH",
        zh: "春华街道",
        en: "Chunhua Subdistrict",
        communities: [
            Community {
                code: "CHH",
                zh: "春晖社区",
                en: "Chunhui Community",
                cols: 2,
                rows: 3,
            },
            Community {
                code: "HT",
                zh: "华庭社区",
                en: "Huating Community",
                cols: 3,
                rows: 2,
            },
        ],
    },
];

/// The district's rectangle (WGS-84), split west/east into streets and north/south into
/// communities, each community into jittered grid cells.
const DISTRICT: BBox = BBox {
    min_lon: 114.300,
    min_lat: 30.560,
    max_lon: 114.340,
    max_lat: 30.590,
};

fn split(b: BBox, cols: usize, rows: usize) -> Vec<BBox> {
    let w = (b.max_lon - b.min_lon) / cols as f64;
    let h = (b.max_lat - b.min_lat) / rows as f64;
    let mut out = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            out.push(BBox {
                min_lon: b.min_lon + w * c as f64,
                min_lat: b.max_lat - h * (r + 1) as f64,
                max_lon: b.min_lon + w * (c + 1) as f64,
                max_lat: b.max_lat - h * r as f64,
            });
        }
    }
    out
}

fn rect(b: BBox) -> Option<String> {
    civicgrid_app::domain::geo::subdivide(b, 1, 1)
        .first()
        .map(Boundary::to_geojson)
}

async fn node(
    app: &App,
    parent: Option<&OrgNode>,
    code: String,
    zh: String,
    en: String,
    boundary: Option<String>,
) -> anyhow::Result<OrgNode> {
    app.create_node(
        &Actor::system(),
        &NodeInput {
            parent_id: parent.map(|p| p.id),
            kind: None,
            code,
            name_zh: zh,
            name_en: en,
            boundary,
        },
        Some("建立演示城市"),
    )
    .await
    .map_err(|e| anyhow::anyhow!("seeding the demo city: {e}"))
}

/// Residents the demo city starts with, generated and imported like a real file.
pub const DEMO_RESIDENTS: usize = 2_000;

/// Seeds the demo city, its accounts and its residents; returns (grids, residents).
pub async fn seed(app: &App) -> anyhow::Result<(usize, u64)> {
    let grids = seed_city(app).await?;
    let mut file = Vec::new();
    crate::ledger::generate::generate_city(DEMO_RESIDENTS, 1, &mut file)?;
    let summary = app
        .import_residents(
            &Actor::system(),
            "demo-residents.csv",
            file,
            &civicgrid_app::ledger::import::ImportOptions::default(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("importing the demo residents: {e}"))?;
    seed_requests(app).await?;
    seed_notices(app).await?;
    crate::care::visits_demo::seed(app).await?;
    crate::emergency::materials_demo::seed(app).await?;
    crate::emergency::checks_demo::seed(app).await?;
    Ok((grids, summary.inserted))
}

/// Two notices of the demo community by its staff: a pinned public one on the board,
/// and an important one for the residents living alone, which their grid worker
/// follows up.
async fn seed_notices(app: &App) -> anyhow::Result<()> {
    use civicgrid_app::participation::notices::NoticeInput;
    let staff = demo_actor(app, "staff").await?;
    let community = staff
        .assignments
        .first()
        .map(|a| a.node_id)
        .context("the demo staff member has no community")?;
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding demo notices");
    app.create_notice(
        &staff,
        &NoticeInput {
            scope_id: Some(community),
            title_zh: "电梯年检通知".into(),
            body_zh: "本周四 9:00–12:00 各楼栋电梯依次年检，届时请走楼梯，给您带来不便敬请谅解。"
                .into(),
            title_en: "Lift inspection".into(),
            body_en: "On Thursday 9:00–12:00 the lifts are inspected building by building; \
                      please use the stairs meanwhile."
                .into(),
            target: "everyone".into(),
            pinned: true,
            publish: true,
            attachments: vec![civicgrid_app::participation::notices::UploadedFile {
                file_name: "电梯年检安排.pdf".into(),
                data: lift_schedule_pdf(),
            }],
            ..NoticeInput::default()
        },
    )
    .await
    .map_err(fail)?;
    app.create_notice(
        &staff,
        &NoticeInput {
            scope_id: Some(community),
            title_zh: "寒潮防护提醒".into(),
            body_zh: "未来三天有寒潮，请关好门窗、注意用电用气安全；如需帮助请联系网格员。".into(),
            target: "tags".into(),
            tags: vec!["elderly_alone".into()],
            important: true,
            read_by: Some(civicgrid_app::now_ms() + 2 * 86_400_000),
            publish: true,
            ..NoticeInput::default()
        },
    )
    .await
    .map_err(fail)?;
    Ok(())
}

/// A one-page PDF with the lift inspection's order, attached to the demo notice.
fn lift_schedule_pdf() -> Vec<u8> {
    let text = "BT /F1 16 Tf 56 780 Td (Lift inspection, Thursday) Tj \
                0 -28 Td /F1 12 Tf (09:00  Building 1) Tj 0 -18 Td (10:00  Building 2) Tj \
                0 -18 Td (11:00  Building 3) Tj ET";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
         /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        pdf.push_str(&format!("{o:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.into_bytes()
}

/// The actor of a demo account, as if it had signed in.
async fn demo_actor(app: &App, username: &str) -> anyhow::Result<Actor> {
    app.actor_of_account(&Actor::system(), username)
        .await
        .with_context(|| format!("demo account {username} missing"))
}

/// A handful of requests in Huguang Grid 1 in different states, so that the work
/// queues, the resident's pages and the public board are not empty.
async fn seed_requests(app: &App) -> anyhow::Result<()> {
    use civicgrid_app::domain::requests::Channel;
    use civicgrid_app::domain::requests::routing::Party;
    use civicgrid_app::domain::requests::{Action, RequestId};
    use civicgrid_app::requests::intake::{NewRequest, OnBehalf};
    let resident = demo_actor(app, "resident").await?;
    let grid = demo_actor(app, "grid").await?;
    let staff = demo_actor(app, "staff").await?;
    let grid_id = grid
        .assignments
        .first()
        .map(|a| a.node_id)
        .context("the demo grid worker has no grid")?;
    let new = |channel, category: &str, text: &str, address: &str, public| NewRequest {
        channel,
        category: Some(category.to_owned()),
        description: text.to_owned(),
        grid_id: Some(grid_id),
        building_id: None,
        room_id: None,
        point: None,
        address: address.to_owned(),
        on_behalf: None,
        public,
        received_at: None,
    };
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding demo requests");
    // `actor` takes the request's steps one after another.
    let walk = async |actor: &Actor, id: RequestId, steps: Vec<Action>| -> anyhow::Result<()> {
        for step in steps {
            app.act_on_request(actor, id, None, step)
                .await
                .map_err(fail)?;
        }
        Ok(())
    };
    // Waiting for someone to accept it.
    app.submit_request(
        &resident,
        new(
            Channel::ResidentWeb,
            "repairs_lift",
            "2栋电梯停在5楼不动，老人上下楼很困难",
            "2栋1单元",
            true,
        ),
    )
    .await
    .map_err(fail)?;
    // Taken by phone, accepted and with the grid worker.
    let mut phone = new(
        Channel::StaffPhone,
        "noise",
        "楼下广场舞音乐晚上十点后还很响",
        "小区中心广场",
        true,
    );
    phone.on_behalf = Some(OnBehalf {
        contact_name: Some("王阿姨".into()),
        contact_phone: Some("13912345678".into()),
        ..OnBehalf::default()
    });
    let p = app.submit_request(&staff, phone).await.map_err(fail)?;
    let to = Action::Assign {
        party: Party::role(civicgrid_app::domain::platform::access::Role::GridWorker)?,
        user_id: grid.user_id,
        reason: None,
    };
    walk(&staff, p.id, vec![Action::Accept, to.clone()]).await?;
    // Found on patrol, being worked on.
    let patrol = app
        .submit_request(
            &grid,
            new(
                Channel::Patrol,
                "sanitation",
                "垃圾分类点满溢，周边有异味",
                "5栋北侧垃圾亭",
                true,
            ),
        )
        .await
        .map_err(fail)?;
    let taken_up = || vec![Action::Accept, to.clone(), Action::Start];
    walk(&grid, patrol.id, taken_up()).await?;
    // Resolved, waiting for the resident's rating.
    let done = app
        .submit_request(
            &resident,
            new(
                Channel::ResidentWeb,
                "repairs_water",
                "楼道水管漏水，地面积水",
                "3栋2单元",
                false,
            ),
        )
        .await
        .map_err(fail)?;
    let resolved = Action::Resolve {
        note: Some("已更换漏水阀门".into()),
    };
    walk(&grid, done.id, [taken_up(), vec![resolved]].concat()).await?;
    seed_more_requests(app, grid_id).await?;
    seed_late_requests(app, grid_id).await?;
    Ok(())
}

/// Calls staff took earlier and entered now (intake's `received_at`), so the clocks
/// have run: one waiting past its response deadline, one with the grid worker past
/// its resolution deadline, and one in warning, due soon.
async fn seed_late_requests(app: &App, grid_id: i64) -> anyhow::Result<()> {
    use civicgrid_app::domain::platform::access::Role;
    use civicgrid_app::domain::requests::calendar::BusinessCalendar;
    use civicgrid_app::domain::requests::routing::Party;
    use civicgrid_app::domain::requests::{Action, Channel};
    use civicgrid_app::requests::intake::{NewRequest, OnBehalf};
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding demo requests");
    let staff = demo_actor(app, "staff").await?;
    let grid = demo_actor(app, "grid").await?;
    let calendar = BusinessCalendar::new(app.request_calendar().await.map_err(fail)?)
        .context("the demo's business calendar")?;
    let warning_percent = app
        .request_policy()
        .await
        .map_err(fail)?
        .sla
        .warning_percent;
    let categories = app.request_categories().await.map_err(fail)?;
    let targets = |code: &str| {
        categories
            .iter()
            .find(|c| c.code == code)
            .map(|c| (c.response_minutes, c.resolution_minutes))
            .with_context(|| format!("demo category {code} missing"))
    };
    let now = civicgrid_store::now_ms();
    // Received `minutes` business minutes ago.
    let ago = |minutes: u32| calendar.sub_business_minutes(now, minutes);
    let (parking_response, _) = targets("parking")?;
    let (_, electricity_resolution) = targets("repairs_electricity")?;
    let (_, sanitation_resolution) = targets("sanitation")?;
    // Halfway between the warning and the deadline.
    let warned = u32::from(warning_percent) * sanitation_resolution / 100;
    let due_soon = warned + (sanitation_resolution - warned) / 2;
    let to_grid = Action::Assign {
        party: Party::role(Role::GridWorker)?,
        user_id: grid.user_id,
        reason: None,
    };
    for (category, text, address, received, steps) in [
        (
            "parking",
            "东门消防通道被私家车长期占用，救护车进不来",
            "小区东门",
            ago(parking_response + 120),
            vec![],
        ),
        (
            "repairs_electricity",
            "7栋楼道声控灯全坏了，晚上摸黑上楼",
            "7栋1单元",
            ago(electricity_resolution + 240),
            vec![Action::Accept, to_grid.clone()],
        ),
        (
            "sanitation",
            "绿化带里有人倒了建筑垃圾",
            "8栋南侧绿化带",
            ago(due_soon),
            vec![Action::Accept, to_grid.clone()],
        ),
    ] {
        let r = app
            .submit_request(
                &staff,
                NewRequest {
                    channel: Channel::StaffPhone,
                    category: Some(category.to_owned()),
                    description: text.to_owned(),
                    grid_id: Some(grid_id),
                    building_id: None,
                    room_id: None,
                    point: None,
                    address: address.to_owned(),
                    on_behalf: Some(OnBehalf {
                        contact_name: Some("刘先生".into()),
                        contact_phone: Some("13800138000".into()),
                        ..OnBehalf::default()
                    }),
                    public: true,
                    received_at: Some(received),
                },
            )
            .await
            .map_err(fail)?;
        for step in steps {
            app.act_on_request(&staff, r.id, None, step)
                .await
                .map_err(fail)?;
        }
    }
    Ok(())
}

/// The rest of the journeys: the property company and its member, the resident's own
/// ledger record, and requests that were routed to the company, closed with a good
/// rating, rated poorly and reopened, or rejected with a reason.
async fn seed_more_requests(app: &App, grid_id: i64) -> anyhow::Result<()> {
    use civicgrid_app::domain::requests::category::ResponderKind;
    use civicgrid_app::domain::requests::routing::Party;
    use civicgrid_app::domain::requests::{Action, Channel, Status};
    use civicgrid_app::requests::intake::NewRequest;
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding demo requests");
    let resident = demo_actor(app, "resident").await?;
    let grid = demo_actor(app, "grid").await?;
    let staff = demo_actor(app, "staff").await?;
    let responder = demo_actor(app, "responder").await?;
    let community = staff
        .assignments
        .first()
        .map(|a| a.node_id)
        .context("the demo staff account has no community")?;
    // 湖光物业, with the responder account as its member.
    let company = app
        .create_responder_org(
            &staff,
            ResponderKind::PropertyCompany,
            "湖光物业",
            community,
        )
        .await
        .map_err(fail)?;
    let responder_id = responder
        .user_id
        .context("the demo responder has no account")?;
    app.set_responder_member(&staff, company.id, responder_id, true)
        .await
        .map_err(fail)?;
    // The resident account is a person of the ledger: the first one living in Grid 1.
    let board = app
        .ledger_board(&Actor::system(), grid_id)
        .await
        .map_err(fail)?;
    // (Without imported residents, as in the seed's own test, there is nobody to link.)
    let household = board
        .buildings
        .iter()
        .flat_map(|b| &b.units)
        .flat_map(|u| &u.rooms)
        .flat_map(|r| &r.households)
        .find(|h| h.members > 0)
        .map(|h| h.id);
    if let Some(household) = household {
        let card = app
            .household_card(&Actor::system(), household)
            .await
            .map_err(fail)?;
        if let Some(person) = card.members.first() {
            app.link_username_to_resident(&Actor::system(), person.id, "resident")
                .await
                .map_err(fail)?;
        }
    }
    let new = |category: &str, text: &str, address: &str| NewRequest {
        channel: Channel::ResidentWeb,
        category: Some(category.to_owned()),
        description: text.to_owned(),
        grid_id: Some(grid_id),
        building_id: None,
        room_id: None,
        point: None,
        address: address.to_owned(),
        on_behalf: None,
        public: true,
        received_at: None,
    };
    let to_company = Action::Assign {
        party: Party::Org(company.id),
        user_id: None,
        reason: None,
    };
    // With the property company: one waiting for it to start, one being repaired.
    for (category, text, address, start) in [
        ("repairs_lift", "1栋2单元电梯按钮失灵", "1栋2单元", false),
        ("repairs_water", "地下车库入口积水", "地下车库", true),
    ] {
        let r = app
            .submit_request(&resident, new(category, text, address))
            .await
            .map_err(fail)?;
        app.act_on_request(&staff, r.id, None, Action::Accept)
            .await
            .map_err(fail)?;
        app.act_on_request(&staff, r.id, None, to_company.clone())
            .await
            .map_err(fail)?;
        if start {
            app.act_on_request(&responder, r.id, None, Action::Start)
                .await
                .map_err(fail)?;
        }
    }
    // Done by the company and rated: one well, one poorly (flagged, then reopened).
    for (category, text, address, score, comment) in [
        (
            "sanitation",
            "单元门口堆放装修垃圾",
            "4栋1单元",
            5,
            "清理得很及时，谢谢",
        ),
        (
            "repairs_lift",
            "电梯异响",
            "6栋1单元",
            1,
            "修完第二天又响了",
        ),
    ] {
        let r = app
            .submit_request(&resident, new(category, text, address))
            .await
            .map_err(fail)?;
        app.act_on_request(&staff, r.id, None, Action::Accept)
            .await
            .map_err(fail)?;
        app.act_on_request(&staff, r.id, None, to_company.clone())
            .await
            .map_err(fail)?;
        app.act_on_request(&responder, r.id, None, Action::Start)
            .await
            .map_err(fail)?;
        app.act_on_request(
            &responder,
            r.id,
            None,
            Action::Resolve {
                note: Some("已处理".into()),
            },
        )
        .await
        .map_err(fail)?;
        let rated = app
            .rate_request(&resident, r.id, score, Some(comment))
            .await
            .map_err(fail)?;
        if score < 3 && matches!(rated.status, Status::Resolved | Status::Closed) {
            app.act_on_request(
                &staff,
                r.id,
                None,
                Action::Reopen {
                    reason: "居民反映问题未解决，请物业再次上门".into(),
                },
            )
            .await
            .map_err(fail)?;
        }
    }
    // Not for the community to handle: rejected with a reason the resident reads.
    let r = app
        .submit_request(
            &resident,
            new("noise", "对面小区工地夜间施工", "小区外东侧"),
        )
        .await
        .map_err(fail)?;
    app.act_on_request(
        &grid,
        r.id,
        None,
        Action::Reject {
            reason: "工地不在本社区，已告知居民拨打12345向城管反映".into(),
        },
    )
    .await
    .map_err(fail)?;
    let committee = demo_actor(app, "committee").await?;
    crate::participation::demo::seed(app, &staff, &committee, &grid, grid_id, company.id).await?;
    let community = staff
        .assignments
        .first()
        .map(|a| a.node_id)
        .context("the demo staff account has no community")?;
    crate::participation::deliberation_demo::seed(app, &staff, &resident, grid_id, community)
        .await?;
    crate::care::volunteers_demo::seed(app, &staff, grid_id, community).await?;
    crate::care::party_demo::seed(app, &staff).await?;
    crate::emergency::plans_demo::seed(app, &staff, community).await
}

/// Seeds the demo city's hierarchy and accounts; returns how many grids were created.
pub async fn seed_city(app: &App) -> anyhow::Result<usize> {
    let city = node(
        app,
        None,
        "JC".into(),
        "江城市".into(),
        "Jiangcheng City".into(),
        None,
    )
    .await?;
    let district = node(
        app,
        Some(&city),
        "JC-BJ".into(),
        "滨江区".into(),
        "Binjiang District".into(),
        rect(DISTRICT),
    )
    .await?;
    let mut grids = 0;
    let mut seed_no = 1u64;
    for (street, sbox) in STREETS.iter().zip(split(DISTRICT, 2, 1)) {
        let s_code = format!("JC-BJ-{}", street.code);
        let s = node(
            app,
            Some(&district),
            s_code.clone(),
            street.zh.into(),
            street.en.into(),
            rect(sbox),
        )
        .await?;
        for (c, cbox) in street.communities.iter().zip(split(sbox, 1, 2)) {
            let c_code = format!("{s_code}-{}", c.code);
            let community = node(
                app,
                Some(&s),
                c_code.clone(),
                c.zh.into(),
                c.en.into(),
                rect(cbox),
            )
            .await?;
            let cells = jittered_subdivide(cbox, c.cols, c.rows, seed_no);
            seed_no += 1;
            for (i, cell) in cells.iter().enumerate() {
                let n = i + 1;
                node(
                    app,
                    Some(&community),
                    format!("{c_code}-{n:02}"),
                    format!("{}第{n}网格", c.zh),
                    format!("{} Grid {n}", c.en.trim_end_matches(" Community")),
                    Some(cell.to_geojson()),
                )
                .await?;
                grids += 1;
            }
        }
    }
    for (username, display, role, scope) in DEMO_ACCOUNTS {
        let node_id = app
            .find_node(&Actor::system(), scope)
            .await
            .with_context(|| format!("demo scope {scope} missing"))?
            .id;
        app.create_user(
            &Actor::system(),
            &NewUser {
                username: (*username).into(),
                display_name: (*display).into(),
                password: DEMO_PASSWORD.into(),
                role: (*role).into(),
                node_id,
            },
            Some("建立演示账号"),
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating demo account {username}: {e}"))?;
    }
    Ok(grids)
}

pub async fn run(s: &Settings) -> anyhow::Result<()> {
    let opened = Instant::now();
    let app = open_app(s).await?;
    let open_ms = opened.elapsed().as_millis();
    let existing = app.org_node_count(&Actor::system()).await?;
    let mut banner = String::new();
    if existing == 0 {
        let started = Instant::now();
        let (grids, residents) = seed(&app).await?;
        banner.push_str(&format!(
            "demo city seeded: 1 district, 2 streets, 4 communities, {grids} grids, {residents} residents, {} accounts in {} ms\n",
            DEMO_ACCOUNTS.len(),
            started.elapsed().as_millis()
        ));
    } else {
        banner.push_str(&format!(
            "existing data kept ({existing} organisation nodes); demo accounts as seeded earlier\n"
        ));
    }
    banner.push_str(&format!("database opened and migrated in {open_ms} ms\n"));
    serve_app(s, app, move |addr| {
        let url = format!("http://{addr}/");
        banner.push_str(&format!(
            "\nSign in at {url}login with any of these accounts (password: {DEMO_PASSWORD}):\n"
        ));
        for (username, _, role, scope) in DEMO_ACCOUNTS {
            banner.push_str(&format!("  {username:<10} {role:<16} at {scope}\n"));
        }
        banner.push_str(&format!("API docs: {url}api/docs"));
        banner
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use civicgrid_app::requests::reading::{QueueKind, QueueQuery};

    #[tokio::test]
    async fn the_demo_has_requests_in_several_states() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = civicgrid_store::Db::open_sqlite(&dir.path().join("db.sqlite"))
            .await
            .expect("open");
        db.migrate().await.expect("migrate");
        let app = App::new(db, civicgrid_app::AppConfig::default());
        app.prepare().await.expect("prepare");
        seed_city(&app).await.expect("city");
        seed_requests(&app).await.expect("requests");
        let staff = demo_actor(&app, "staff").await.expect("staff");
        let all = app
            .request_queue(
                &staff,
                &QueueQuery {
                    kind: QueueKind::All,
                    ..QueueQuery::default()
                },
            )
            .await
            .expect("queue");
        let statuses: Vec<&str> = all.items.iter().map(|v| v.status.code()).collect();
        for status in [
            "submitted",
            "assigned",
            "in_progress",
            "resolved",
            "closed",
            "reopened",
            "rejected",
        ] {
            assert!(statuses.contains(&status), "no {status} in {statuses:?}");
        }
        let board = app.public_request_board(None).await.expect("board");
        assert!(!board.requests.is_empty());
        // Staff's home has late work to show: overdue and due soon.
        let work = app.work_counts(&staff).await.expect("counts");
        assert!(work.overdue >= 2, "{work:?}");
        assert!(work.due_soon >= 1, "{work:?}");
    }
}
