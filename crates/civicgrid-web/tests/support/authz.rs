//! The authorization table's city: a city and two streets, each with a community and a
//! grid, and in each grid the same things to act on (an account, ledger records, a
//! request with a photo, a routing rule, a responder organisation). Every role is held
//! inside street 1, signed in once; street 2 is outside all but city-wide roles.

use std::collections::HashMap;

use axum::Router;
use civicgrid_app::domain::platform::access::{Actor, Role};
use civicgrid_app::platform::users::RoleGrant;
use civicgrid_app::{App, AppConfig};
use civicgrid_store::platform::accounts;
use civicgrid_web::{AppState, WebConfig, build_router};

use Role::*;

use super::{fresh_app, plain_node};

/// Every role, in the order the table walks them (the domain's own order).
pub const ALL: &[Role] = &Role::ALL;

/// Ids of the fixture: a city, and two streets each with a community and a grid.
/// Every role is held inside street 1; street 2 is outside all but city-wide roles.
pub struct Fixture {
    pub router: Router,
    pub app: App,
    pub cookies: HashMap<Role, String>,
    pub community: [i64; 2],
    pub grid: [i64; 2],
    /// A resident in each grid, the subject of account routes.
    pub resident: [i64; 2],
    /// Ledger subjects in each grid: a room, two households, a resident record (head
    /// of the first household) and a second member who can be split off.
    pub ledger: [LedgerFixture; 2],
    /// Requests: a request, a routing rule and a responder organisation on each side.
    pub requests: [RequestFixture; 2],
    /// Co-governance: an estate in each community and an owners' vote on it, open.
    pub participation: [ParticipationFixture; 2],
    /// Notices: a published public notice of each community and a household's receipt.
    pub notices: [NoticeFixture; 2],
    /// Care: a pairing in each grid with a visit (notes and a photo), a carer to
    /// replace and who replaces them, and a second resident holding a care tag.
    pub care: [CareFixture; 2],
    /// Volunteers: a verified volunteer, an activity with a shift, a team on each side.
    pub volunteers: [VolunteerFixture; 2],
    /// Party members: a confirmed member with a pledge, and a resolved request.
    pub party: [PartyFixture; 2],
    /// A drill running in each community, with a checklist of two steps.
    pub emergency: [i64; 2],
    /// A welfare-check campaign of that drill over the grid's households (the inside
    /// one checked by the grid worker): (campaign, a household, its building).
    pub campaign: [(i64, i64, i64); 2],
    /// Emergency materials: depots, an item, a waiting and an issued request and a
    /// transfer request on each side.
    pub materials: [MaterialsFixture; 2],
    _dir: tempfile::TempDir,
}

#[derive(Clone, Copy, Default)]
pub struct LedgerFixture {
    pub room: i64,
    pub household: i64,
    pub household2: i64,
    pub resident: i64,
    pub member: i64,
}

async fn ledger_fixture(app: &App, grid: i64, side: usize) -> LedgerFixture {
    use civicgrid_app::ledger::ResidentInput;
    let sys = Actor::system();
    let room = app
        .add_room(&sys, grid, "1", "1", "101", Some(1))
        .await
        .unwrap();
    let household = app
        .add_household(&sys, room, "owner", Some("80"))
        .await
        .unwrap();
    let room2 = app
        .add_room(&sys, grid, "1", "1", "102", Some(1))
        .await
        .unwrap();
    let household2 = app
        .add_household(&sys, room2, "tenant", None)
        .await
        .unwrap();
    let add = |name: &str, relation: &str, h: i64, id: Option<&str>| ResidentInput {
        household_id: h,
        name: name.into(),
        gender: Some("female".into()),
        birth_date: None,
        id_number: id.map(Into::into),
        phone: Some("13812345678".into()),
        relation: relation.into(),
        residence_status: None,
        tags: Vec::new(),
    };
    let mut head = add(
        "张三",
        "head",
        household,
        (side == 0).then_some("11010519491231002X"),
    );
    if side == 1 {
        head.birth_date = Some("1949-12-31".into());
    }
    let resident = app.add_resident(&sys, &head, None).await.unwrap();
    let mut m = add("李四", "child", household, None);
    m.birth_date = Some("2001-02-03".into());
    let member = app.add_resident(&sys, &m, None).await.unwrap();
    let mut h2 = add("王二", "head", household2, None);
    h2.birth_date = Some("1970-02-03".into());
    app.add_resident(&sys, &h2, None).await.unwrap();
    LedgerFixture {
        room,
        household,
        household2,
        resident,
        member,
    }
}

/// A notice of the community `community`, published to every household, important
/// with a deadline a week away, with a PDF attached, and the receipt of the first
/// household it reached; and a draft notice of the same community.
#[derive(Clone, Copy, Default)]
pub struct NoticeFixture {
    pub notice: i64,
    pub receipt: i64,
    pub file: i64,
    pub draft: i64,
}

/// A small complete PDF file.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";

async fn notice_fixture(app: &App, community: i64) -> NoticeFixture {
    use civicgrid_app::participation::notices::{NoticeInput, UploadedFile};
    let sys = Actor::system();
    let v = app
        .create_notice(
            &sys,
            &NoticeInput {
                scope_id: Some(community),
                title_zh: "停水通知".into(),
                body_zh: "明天九点到十二点停水，请提前储水。".into(),
                target: "everyone".into(),
                important: true,
                read_by: Some(civicgrid_app::now_ms() + 7 * 86_400_000),
                publish: true,
                attachments: vec![UploadedFile {
                    file_name: "停水安排.pdf".into(),
                    data: PDF.to_vec(),
                }],
                ..NoticeInput::default()
            },
        )
        .await
        .unwrap();
    let draft = app
        .create_notice(
            &sys,
            &NoticeInput {
                scope_id: Some(community),
                title_zh: "绿化改造征求意见".into(),
                body_zh: "方案见附件。".into(),
                target: "everyone".into(),
                ..NoticeInput::default()
            },
        )
        .await
        .unwrap();
    let coverage = app.notice_coverage(&sys, v.id).await.unwrap();
    NoticeFixture {
        notice: v.id,
        receipt: coverage.rows.first().map_or(0, |r| r.id),
        file: v.attachments.first().map_or(0, |a| a.id),
        draft: draft.id,
    }
}

pub const CSRF: &str = "csrf-token-for-tests";

/// Password of every account of the fixture.
pub const PASSWORD: &str = "fixture-password";

async fn user(app: &App, username: &str, role: Role, node_id: i64) -> i64 {
    super::user(app, username, PASSWORD, role.as_str(), node_id).await
}

impl Fixture {
    /// The fixture's account names (shown in the top bar of every page).
    #[allow(dead_code)]
    pub fn usernames(&self) -> std::collections::BTreeSet<String> {
        ALL.iter()
            .map(|r| format!("as-{}", r.as_str().replace('_', "-")))
            .chain(["resident-in".to_owned(), "resident-out".to_owned()])
            .chain(["relief-in".to_owned(), "relief-out".to_owned()])
            .collect()
    }

    pub async fn new() -> Fixture {
        let (app, dir) = fresh_app(AppConfig::default()).await;
        let city = plain_node(&app, None, "C", None).await;
        let district = plain_node(&app, Some(city), "C-D", None).await;
        let mut street = [0; 2];
        let mut community = [0; 2];
        let mut grid = [0; 2];
        for i in 0..2 {
            street[i] = plain_node(&app, Some(district), &format!("C-D-S{i}"), None).await;
            community[i] = plain_node(&app, Some(street[i]), &format!("C-D-S{i}-C"), None).await;
            grid[i] = plain_node(&app, Some(community[i]), &format!("C-D-S{i}-C-G"), None).await;
        }
        let scope_of = |role: Role| match role {
            SystemAdmin | Auditor => city,
            StreetAdmin => street[0],
            CommunityStaff | Responder | Volunteer | OwnersCommittee => community[0],
            GridWorker | Resident => grid[0],
        };
        let mut cookies = HashMap::new();
        let mut responder = 0;
        let mut ids: HashMap<Role, i64> = HashMap::new();
        for role in ALL {
            let name = format!("as-{}", role.as_str().replace('_', "-"));
            let id = user(&app, &name, *role, scope_of(*role)).await;
            ids.insert(*role, id);
            if *role == Responder {
                responder = id;
            }
            let s = app
                .login(&name, PASSWORD, "test", "test", None)
                .await
                .unwrap();
            cookies.insert(*role, format!("cg_session={}; cg_csrf={CSRF}", s.token));
        }
        let resident = [
            user(&app, "resident-in", Resident, grid[0]).await,
            user(&app, "resident-out", Resident, grid[1]).await,
        ];
        let ledger = [
            ledger_fixture(&app, grid[0], 0).await,
            ledger_fixture(&app, grid[1], 1).await,
        ];
        let requests = [
            request_fixture(&app, grid[0], community[0]).await,
            request_fixture(&app, grid[1], community[1]).await,
        ];
        let mut participation = [
            participation_fixture(&app, grid[0], community[0], resident[0]).await,
            participation_fixture(&app, grid[1], community[1], resident[1]).await,
        ];
        for (side, p) in participation.iter_mut().enumerate() {
            let member = (side == 0).then_some(responder);
            commitment_fixture(&app, community[side], member, p).await;
        }
        let notices = [
            notice_fixture(&app, community[0]).await,
            notice_fixture(&app, community[1]).await,
        ];
        let care = [
            care_fixture(
                &app,
                grid[0],
                community[0],
                vec![ids[&Volunteer], ids[&GridWorker], resident[0]],
                0,
            )
            .await,
            care_fixture(&app, grid[1], community[1], vec![resident[1]], 1).await,
        ];
        let volunteers = [
            volunteer_fixture(&app, grid[0], community[0], &ledger[0]).await,
            volunteer_fixture(&app, grid[1], community[1], &ledger[1]).await,
        ];
        let party = [
            party_fixture(&app, grid[0], community[0], &ledger[0], &requests[0]).await,
            party_fixture(&app, grid[1], community[1], &ledger[1], &requests[1]).await,
        ];
        let emergency = [
            emergency_fixture(&app, community[0]).await,
            emergency_fixture(&app, community[1]).await,
        ];
        let campaign = [
            campaign_fixture(&app, emergency[0], grid[0], Some(ids[&GridWorker])).await,
            campaign_fixture(&app, emergency[1], grid[1], None).await,
        ];
        let materials = [
            materials_fixture(
                &app,
                (street[0], community[0], grid[0]),
                0,
                &ledger[0],
                Some(ids[&Volunteer]),
            )
            .await,
            materials_fixture(
                &app,
                (street[1], community[1], grid[1]),
                1,
                &ledger[1],
                None,
            )
            .await,
        ];
        let router = build_router(AppState::new(app.clone(), WebConfig::default()));
        Fixture {
            materials,
            care,
            party,
            emergency,
            campaign,
            volunteers,
            router,
            app,
            cookies,
            community,
            grid,
            resident,
            ledger,
            requests,
            participation,
            notices,
            _dir: dir,
        }
    }

    pub async fn sign_in_again(&mut self, role: Role) {
        let name = format!("as-{}", role.as_str().replace('_', "-"));
        let s = self
            .app
            .login(&name, PASSWORD, "test", "test", None)
            .await
            .unwrap();
        self.cookies
            .insert(role, format!("cg_session={}; cg_csrf={CSRF}", s.token));
    }

    /// Makes sure the resident `side` holds a volunteer role in their grid; returns it.
    pub async fn assignment(&self, side: usize) -> i64 {
        let mut conn = self.app.db().read().await.unwrap();
        let existing = accounts::assignments_of(&mut conn, self.resident[side])
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.assignment.role == Volunteer);
        drop(conn);
        match existing {
            Some(a) => a.assignment.id,
            None => {
                self.app
                    .grant_role(
                        &Actor::system(),
                        self.resident[side],
                        &RoleGrant {
                            role: "volunteer".into(),
                            node_id: self.grid[side],
                        },
                        None,
                    )
                    .await
                    .unwrap()
                    .assignment
                    .id
            }
        }
    }

    /// A file newly attached to the draft notice of `side` (removing one uses it up).
    pub async fn draft_file(&self, side: usize, n: u32) -> i64 {
        use civicgrid_app::participation::notices::UploadedFile;
        let list = self
            .app
            .add_notice_attachments(
                &Actor::system(),
                self.notices[side].draft,
                &[UploadedFile {
                    file_name: format!("方案{n}.pdf"),
                    data: PDF.to_vec(),
                }],
            )
            .await
            .unwrap();
        let id = list.last().map_or(0, |a| a.id);
        // Keep the draft under its limit of files.
        for a in &list[..list.len().saturating_sub(1)] {
            let _ = self
                .app
                .remove_notice_attachment(&Actor::system(), a.id)
                .await;
        }
        id
    }

    pub async fn token(&self, side: usize, n: u32) -> i64 {
        self.app
            .create_token(
                &Actor::system(),
                &civicgrid_app::platform::tokens::NewToken {
                    name: format!("t{n}"),
                    role: "auditor".into(),
                    node_id: self.community[side],
                },
                None,
            )
            .await
            .unwrap()
            .token
            .id
    }
}

#[derive(Clone, Copy, Default)]
pub struct RequestFixture {
    pub request: i64,
    pub rule: i64,
    pub org: i64,
    pub photo: i64,
}

/// A 2×2 PNG with nothing around it.
fn tiny_png() -> Vec<u8> {
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(data);
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 2u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&2u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    v.extend(chunk(b"IHDR", &ihdr));
    v.extend(chunk(b"IDAT", &[1, 2, 3, 4]));
    v.extend(chunk(b"IEND", &[]));
    v
}

async fn request_fixture(app: &App, grid: i64, community: i64) -> RequestFixture {
    use civicgrid_app::domain::requests::ResponderKind;
    use civicgrid_app::domain::requests::routing::Party;
    let sys = Actor::system();
    let request = app
        .submit_request(&sys, super::requests::noise_by_phone(grid, true))
        .await
        .unwrap()
        .id
        .0;
    let rule = app
        .create_routing_rule(&sys, Some("greenery"), grid, Party::Role(CommunityStaff))
        .await
        .unwrap()
        .rule
        .id;
    let org = app
        .create_responder_org(&sys, ResponderKind::PropertyCompany, "物业", community)
        .await
        .unwrap()
        .id;
    let photo = app
        .add_request_photo(
            &sys,
            civicgrid_app::domain::requests::RequestId(request),
            Some("intake"),
            &tiny_png(),
        )
        .await
        .unwrap();
    RequestFixture {
        request,
        rule,
        org,
        photo,
    }
}

#[derive(Clone, Copy, Default)]
pub struct ParticipationFixture {
    pub estate: i64,
    /// The estate's one building, with one room and its owner (head of an
    /// owner-occupier household, 100 m²).
    pub building: i64,
    pub room: i64,
    pub owner: i64,
    /// An owners' vote on the estate, open.
    pub vote: i64,
    /// The scan of the owner's paper ballot in that vote.
    pub ballot_scan: i64,
    /// A resident's proposal for the grid, open, with a comment and a photo.
    pub proposal: i64,
    pub comment: i64,
    pub photo: i64,
    /// A planned council meeting of the community, with one matter on its agenda.
    pub meeting: i64,
    /// A households' proposal of the community, closed and passed.
    pub passed_vote: i64,
    /// A commitment from it, delivered by a property company whose member (inside
    /// only) is the fixture's responder; one milestone, one photo.
    pub commitment: i64,
    pub commitment_owner: i64,
    pub commitment_milestone: i64,
    pub commitment_photo: i64,
}

/// The room, its household and owner through the ledger's use cases; the estate and
/// the vote straight into the store, as opening it would leave them, so that the pages
/// the zh-CN test reads (the audit log) hold no co-governance entries.
async fn participation_fixture(
    app: &App,
    grid: i64,
    community: i64,
    author: i64,
) -> ParticipationFixture {
    use civicgrid_app::domain::participation::art278::Matter;
    use civicgrid_app::domain::participation::estates::owners;
    use civicgrid_app::domain::participation::votes::{Electorate, VoteKind, VoteSpec, VoteState};
    use civicgrid_app::ledger::ResidentInput;
    use civicgrid_store::participation::{estates, votes};
    let sys = Actor::system();
    let room = app
        .add_room(&sys, grid, "E", "1", "101", Some(1))
        .await
        .unwrap();
    let household = app
        .add_household(&sys, room, "owner", Some("100"))
        .await
        .unwrap();
    let owner = app
        .add_resident(
            &sys,
            &ResidentInput {
                household_id: household,
                name: "赵六".into(),
                gender: Some("male".into()),
                birth_date: Some("1960-05-06".into()),
                id_number: None,
                phone: None,
                relation: "head".into(),
                residence_status: None,
                tags: Vec::new(),
            },
            None,
        )
        .await
        .unwrap();
    let mut tx = app.db().begin_write().await.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let place = civicgrid_store::platform::org::get(&mut tx, community)
        .await
        .unwrap();
    let estate = estates::insert_estate(&mut tx, community, &place.path, "阳光花园", now)
        .await
        .unwrap()
        .id;
    let building = civicgrid_store::ledger::find_building(&mut tx, grid, "E")
        .await
        .unwrap()
        .unwrap()
        .id;
    estates::set_estate_buildings(&mut tx, estate, &[building])
        .await
        .unwrap();
    let mut v = votes::VoteRecord {
        id: 0,
        node_id: community,
        scope: place.path.clone(),
        estate_id: Some(estate),
        spec: VoteSpec {
            kind: VoteKind::Owners,
            title: "议事规则".into(),
            body: String::new(),
            options: Vec::new(),
            max_choices: 1,
            ranked: false,
            electorate: Electorate::Owners,
            min_age: 18,
            matter: Some(Matter::Rules),
        },
        state: VoteState::Draft,
        closes_at: closes_at_ms(),
        created_by: None,
        created_at: now,
        opened_at: None,
        closed_at: None,
        total_area: 0,
        total_heads: 0,
        result: None,
        version: 1,
    };
    v.id = votes::insert_vote(&mut tx, &v).await.unwrap();
    let parts = estates::estate_parts(&mut tx, estate).await.unwrap();
    let voters = owners(&parts).unwrap();
    let rows: Vec<(i64, i64, i64, i64)> = parts
        .iter()
        .map(|p| {
            (
                p.room_id,
                p.building_id,
                p.owner.unwrap_or(0),
                p.area_centi.unwrap_or(0),
            )
        })
        .collect();
    votes::freeze_owners(&mut tx, v.id, &voters, &rows)
        .await
        .unwrap();
    v.state = VoteState::Open;
    v.opened_at = Some(now);
    v.total_area = voters.iter().map(|o| o.area_centi).sum();
    v.total_heads = voters.len() as i64;
    votes::update_vote(&mut tx, &v).await.unwrap().unwrap();
    votes::cast_ballot(
        &mut tx,
        &votes::BallotInput {
            vote_id: v.id,
            voter_key: owner,
            choice: "agree",
            agrees: true,
            channel: civicgrid_app::domain::participation::votes::Channel::Paper,
            cast_by: None,
            collector: Some("王五"),
            at_ms: now,
        },
    )
    .await
    .unwrap();
    let ballot_scan = votes::insert_ballot_scan(
        &mut tx,
        &votes::NewBallotScan {
            vote_id: v.id,
            voter_key: owner,
            content_type: "application/pdf",
            sha256: "0",
            data: b"%PDF-1.4\n%%EOF\n",
            uploaded_by: None,
            at_ms: now,
        },
    )
    .await
    .unwrap();
    let (proposal, comment, photo, meeting) =
        deliberation_fixture(&mut tx, grid, community, author, now).await;
    civicgrid_store::commit(tx).await.unwrap();
    ParticipationFixture {
        estate,
        building,
        room,
        owner,
        vote: v.id,
        ballot_scan,
        proposal,
        comment,
        photo,
        meeting,
        ..ParticipationFixture::default()
    }
}

/// The passed vote and its commitment, straight into the store (see above).
async fn commitment_fixture(
    app: &App,
    community: i64,
    member: Option<i64>,
    p: &mut ParticipationFixture,
) {
    use civicgrid_app::domain::participation::commitments::{Milestone, State};
    use civicgrid_app::domain::participation::votes::{Electorate, VoteKind, VoteSpec, VoteState};
    use civicgrid_app::domain::requests::ResponderKind;
    use civicgrid_store::participation::commitments as repo;
    use civicgrid_store::participation::votes;
    let mut tx = app.db().begin_write().await.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let place = civicgrid_store::platform::org::get(&mut tx, community)
        .await
        .unwrap();
    let v = votes::VoteRecord {
        id: 0,
        node_id: community,
        scope: place.path.clone(),
        estate_id: None,
        spec: VoteSpec {
            kind: VoteKind::Proposal,
            title: "东门延时开放".into(),
            body: String::new(),
            options: Vec::new(),
            max_choices: 1,
            ranked: false,
            electorate: Electorate::Households,
            min_age: 18,
            matter: None,
        },
        state: VoteState::Closed,
        closes_at: now,
        created_by: None,
        created_at: now,
        opened_at: Some(now),
        closed_at: Some(now),
        total_area: 0,
        total_heads: 1,
        result: None,
        version: 1,
    };
    let id = votes::insert_vote(&mut tx, &v).await.unwrap();
    let closed = votes::VoteRecord {
        id,
        result: Some(r#"{"ballots":1,"passed":true}"#.into()),
        ..v
    };
    votes::update_vote(&mut tx, &closed).await.unwrap().unwrap();
    let org = civicgrid_store::requests::insert_org(
        &mut tx,
        ResponderKind::PropertyCompany,
        "东门物业",
        community,
        &place.path,
        now,
    )
    .await
    .unwrap();
    if let Some(user) = member {
        civicgrid_store::requests::add_member(&mut tx, org.id, user, now)
            .await
            .unwrap();
    }
    let c = repo::CommitmentRecord {
        meeting_item_id: None,
        id: 0,
        community_id: community,
        scope: place.path.clone(),
        vote_id: Some(id),
        title: "东门延时开放".into(),
        summary: String::new(),
        owner_org_id: Some(org.id),
        state: State::Planned,
        created_by: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let cid = repo::insert_commitment(&mut tx, &c).await.unwrap();
    let due = chrono::NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
    let m = Milestone {
        title: "加装照明".into(),
        due_on: due,
    };
    let mid = repo::insert_milestone(&mut tx, cid, &m, now).await.unwrap();
    let u = repo::insert_update(&mut tx, cid, "已开工", None, now)
        .await
        .unwrap();
    let png = tiny_png();
    let meta = repo::PhotoMeta {
        id: 0,
        commitment_id: cid,
        update_id: Some(u),
        content_type: "image/png".into(),
        byte_len: 0,
        sha256: "00".into(),
        width: Some(2),
        height: Some(2),
        uploaded_by: None,
        uploaded_at: now,
    };
    let photo = repo::insert_photo(&mut tx, &meta, &png).await.unwrap();
    civicgrid_store::commit(tx).await.unwrap();
    p.passed_vote = id;
    p.commitment = cid;
    p.commitment_owner = org.id;
    p.commitment_milestone = mid;
    p.commitment_photo = photo;
}

/// Thirty days from now, in milliseconds: a vote's closing time.
pub fn closes_at_ms() -> i64 {
    chrono::Utc::now().timestamp_millis() + 30 * 24 * 3600 * 1000
}

/// A proposal with a comment and a photo, and a planned council meeting, straight into
/// the store (no audit entries).
async fn deliberation_fixture(
    tx: &mut civicgrid_store::AnyConnection,
    grid: i64,
    community: i64,
    author: i64,
    now: i64,
) -> (i64, i64, i64, i64) {
    use civicgrid_store::participation::deliberation as d;
    let grid_path = civicgrid_store::platform::org::get(tx, grid)
        .await
        .unwrap()
        .path;
    let community_path = civicgrid_store::platform::org::get(tx, community)
        .await
        .unwrap()
        .path;
    let proposal = d::insert_proposal(
        tx,
        &d::NewProposal {
            node_id: grid,
            community_id: community,
            scope: &grid_path,
            title: "增设充电桩",
            description: "在楼下增设充电桩",
            reason: "楼道充电有隐患",
            cost_fen: Some(3_000_000),
            author_user_id: author,
            threshold: 10,
            deadline_at: closes_at_ms(),
            now,
        },
    )
    .await
    .unwrap();
    let comment = d::insert_comment(tx, proposal, author, "同意", now)
        .await
        .unwrap();
    let png = tiny_png();
    let photo = d::insert_photo(
        tx,
        &d::NewPhoto {
            proposal_id: proposal,
            content_type: "image/png",
            sha256: "00",
            width: 1,
            height: 1,
            uploaded_by: Some(author),
            now,
            data: &png,
        },
    )
    .await
    .unwrap();
    let meeting = d::insert_meeting(
        tx,
        &d::NewMeeting {
            community_id: community,
            scope: &community_path,
            title: "居民议事会",
            held_at: closes_at_ms(),
            place: "社区活动室",
            created_by: None,
            now,
        },
    )
    .await
    .unwrap();
    d::add_item(tx, meeting, None, "春季绿化").await.unwrap();
    (proposal, comment, photo, meeting)
}

/// Care subjects of one side: a pairing of a resident living alone with `carers` (the
/// last of whom is the one to replace), a visit by the first carer with notes and a
/// photo, an account to take over, and a second resident holding a care tag.
#[derive(Clone, Copy, Default)]
pub struct CareFixture {
    pub pairing: i64,
    pub visit: i64,
    pub photo: i64,
    pub carer: i64,
    pub away: i64,
    pub new_carer: i64,
    pub resident2: i64,
}

async fn care_fixture(
    app: &App,
    grid: i64,
    community: i64,
    carers: Vec<i64>,
    side: usize,
) -> CareFixture {
    use civicgrid_app::care::pairings::NewPairing;
    use civicgrid_app::care::visits::NewVisit;
    use civicgrid_app::domain::care::visits::{Mode, Outcome};
    use civicgrid_app::ledger::ResidentInput;
    use civicgrid_store::care::visits::{VisitPhoto, insert_photo};
    let sys = Actor::system();
    let room = app
        .add_room(&sys, grid, "1", "1", "103", Some(1))
        .await
        .unwrap();
    let household = app
        .add_household(&sys, room, "owner", Some("60"))
        .await
        .unwrap();
    let add = |name: &str, relation: &str, tag: &str| ResidentInput {
        household_id: household,
        name: name.into(),
        gender: Some("female".into()),
        birth_date: Some("1940-05-06".into()),
        id_number: None,
        phone: None,
        relation: relation.into(),
        residence_status: None,
        tags: vec![tag.into()],
    };
    let resident = app
        .add_resident(&sys, &add("赵奶奶", "head", "elderly_alone"), None)
        .await
        .unwrap();
    let resident2 = app
        .add_resident(&sys, &add("钱爷爷", "spouse", "low_income"), None)
        .await
        .unwrap();
    let name = if side == 0 { "relief-in" } else { "relief-out" };
    let new_carer = user(app, name, Volunteer, community).await;
    let p = app
        .pair_for_care(
            &sys,
            NewPairing {
                resident_id: Some(resident),
                household_id: None,
                carers: carers.clone(),
                cadence_days: None,
                mode: None,
            },
        )
        .await
        .unwrap();
    let mut conn = app.db().read().await.unwrap();
    let first = accounts::get_user(&mut conn, carers[0]).await.unwrap();
    drop(conn);
    let carer = app.actor_of_account(&sys, &first.username).await.unwrap();
    let logged = app
        .log_visit(
            &carer,
            NewVisit {
                pairing_id: p.id,
                visited_at: None,
                mode: Mode::InPerson,
                outcome: Outcome::Well,
                notes: "血压正常".into(),
                photo: None,
                help: String::new(),
                category: None,
            },
        )
        .await
        .unwrap();
    let mut tx = app.db().begin_write().await.unwrap();
    let photo = insert_photo(
        &mut tx,
        &VisitPhoto {
            id: 0,
            visit_id: logged.visit.id,
            content_type: "image/png".into(),
            byte_len: 0,
            sha256: "00".into(),
            width: Some(1),
            height: Some(1),
            uploaded_by: Some(carers[0]),
            uploaded_at: 0,
        },
        b"not really a png",
    )
    .await
    .unwrap();
    civicgrid_store::commit(tx).await.unwrap();
    CareFixture {
        pairing: p.id,
        visit: logged.visit.id,
        photo,
        carer: carers[0],
        away: *carers.last().unwrap(),
        new_carer,
        resident2,
    }
}

#[derive(Clone, Copy, Default)]
pub struct VolunteerFixture {
    /// A verified volunteer: the head of the first household, covering their grid.
    pub volunteer: i64,
    /// An activity of the grid with a past shift (attended, one hour in the hours
    /// ledger) and a shift to come (`shift`, the volunteer's `signup` on it).
    pub activity: i64,
    pub shift: i64,
    pub signup: i64,
    pub hours_entry: i64,
    /// A team of the community, the volunteer leading it.
    pub team: i64,
    /// Two residents of the grid not in the registry (to add).
    pub resident: i64,
    pub resident2: i64,
}

/// The volunteer, activity, shifts and team straight into the store (no audit
/// entries), the two residents to add through the ledger's use case.
async fn volunteer_fixture(
    app: &App,
    grid: i64,
    community: i64,
    lf: &LedgerFixture,
) -> VolunteerFixture {
    use civicgrid_app::domain::care::activities::{ActivityState, SignupState};
    use civicgrid_app::domain::care::hours::EntryKind;
    use civicgrid_app::domain::care::teams::TeamKind;
    use civicgrid_app::domain::care::volunteers::{Availability, Coverage, Profile, Skill, Status};
    use civicgrid_app::ledger::ResidentInput;
    use civicgrid_store::care::{activities, hours, teams, volunteers};
    let sys = Actor::system();
    let add = |name: &'static str| ResidentInput {
        household_id: lf.household2,
        name: name.into(),
        gender: Some("male".into()),
        birth_date: Some("1990-01-01".into()),
        relation: "other".into(),
        ..ResidentInput::default()
    };
    let resident = app.add_resident(&sys, &add("钱七"), None).await.unwrap();
    let resident2 = app.add_resident(&sys, &add("孙八"), None).await.unwrap();
    let mut tx = app.db().begin_write().await.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let g = civicgrid_store::platform::org::get(&mut tx, grid)
        .await
        .unwrap();
    let c = civicgrid_store::platform::org::get(&mut tx, community)
        .await
        .unwrap();
    let volunteer = volunteers::insert_volunteer(
        &mut tx,
        &volunteers::VolunteerRecord {
            id: 0,
            resident_id: lf.resident,
            user_id: None,
            community_id: community,
            scope: g.path.clone(),
            area_id: grid,
            area: g.path.clone(),
            profile: Profile {
                skills: vec![Skill::FirstAid],
                availability: vec![Availability::Weekends],
                vehicle: false,
                coverage: Coverage::Grid,
                note: String::new(),
            },
            status: Status::Verified,
            status_reason: None,
            added_by_staff: true,
            verified_at: Some(now),
            created_at: now,
            updated_at: now,
            version: 1,
            name: String::new(),
        },
    )
    .await
    .unwrap();
    let activity = activities::insert_activity(
        &mut tx,
        &activities::ActivityRecord {
            id: 0,
            community_id: community,
            node_id: grid,
            scope: g.path.clone(),
            title: "敬老院探访".into(),
            description: String::new(),
            place: "社区活动室".into(),
            skills: vec![Skill::ElderlyCare],
            state: ActivityState::Published,
            organiser_id: None,
            created_at: now,
            updated_at: now,
        },
    )
    .await
    .unwrap();
    let shift_at = |on: &str, start: i64| activities::ShiftRecord {
        id: 0,
        activity_id: activity,
        on: chrono::NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap(),
        starts_at: start,
        ends_at: start + 3_600_000,
        slots: 5,
        taken: 0,
    };
    // 2024-03-02 and 2099-01-02, 09:00 in the community's time.
    let past = activities::insert_shift(&mut tx, &shift_at("2024-03-02", 1_709_341_200_000))
        .await
        .unwrap();
    let shift = activities::insert_shift(&mut tx, &shift_at("2099-01-02", 4_070_998_800_000))
        .await
        .unwrap();
    let attended = activities::insert_signup(&mut tx, past, volunteer, None, now)
        .await
        .unwrap();
    activities::set_signup_state(
        &mut tx,
        attended,
        SignupState::Attended,
        Some(60),
        None,
        now,
    )
    .await
    .unwrap();
    let signup = activities::insert_signup(&mut tx, shift, volunteer, None, now)
        .await
        .unwrap();
    for s in [past, shift] {
        activities::take_slot(&mut tx, s).await.unwrap();
    }
    let hours_entry = hours::append_entry(
        &mut tx,
        &hours::HoursEntry {
            id: 0,
            volunteer_id: volunteer,
            kind: EntryKind::Shift,
            minutes: 60,
            served_on: chrono::NaiveDate::from_ymd_opt(2024, 3, 2).unwrap(),
            signup_id: attended,
            corrects_id: None,
            reason: None,
            recorded_by: None,
            recorded_at: now,
        },
    )
    .await
    .unwrap();
    let team = teams::insert_team(
        &mut tx,
        &teams::TeamRecord {
            id: 0,
            community_id: community,
            scope: c.path.clone(),
            name: "1栋志愿服务队".into(),
            kind: TeamKind::Building,
            note: String::new(),
            created_by: None,
            created_at: now,
        },
    )
    .await
    .unwrap();
    teams::put_member(&mut tx, team, volunteer, true, now)
        .await
        .unwrap();
    civicgrid_store::commit(tx).await.unwrap();
    VolunteerFixture {
        volunteer,
        activity,
        shift,
        signup,
        hours_entry,
        team,
        resident,
        resident2,
    }
}

#[derive(Clone, Copy, Default)]
pub struct PartyFixture {
    /// A confirmed party member living in the grid (the head of the first household),
    /// with no account: nobody of the fixture is the member themselves.
    pub member: i64,
    /// A pledge of the member for this year.
    pub pledge: i64,
    /// A resolved request of the community, to link to the member.
    pub request: i64,
}

/// The member, their pledge and a resolved request straight into the store.
async fn party_fixture(
    app: &App,
    grid: i64,
    community: i64,
    lf: &LedgerFixture,
    rf: &RequestFixture,
) -> PartyFixture {
    use civicgrid_app::domain::care::party::{MemberStatus, PledgeKind};
    use civicgrid_store::care::party;
    let mut tx = app.db().begin_write().await.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let g = civicgrid_store::platform::org::get(&mut tx, grid)
        .await
        .unwrap();
    let member = party::insert_member(
        &mut tx,
        &party::MemberRecord {
            id: 0,
            resident_id: lf.resident,
            user_id: None,
            community_id: community,
            scope: g.path.clone(),
            organisation: "市交通局机关第二党支部".into(),
            status: MemberStatus::Confirmed,
            status_reason: None,
            public_badge: true,
            confirmed_at: Some(now),
            created_at: now,
            updated_at: now,
            version: 1,
            name: String::new(),
        },
    )
    .await
    .unwrap();
    let year = chrono::Datelike::year(&(chrono::Utc::now() + chrono::Duration::hours(8)));
    let pledge = party::insert_pledge(
        &mut tx,
        &party::PledgeRecord {
            id: 0,
            member_id: member,
            year,
            kind: PledgeKind::Other,
            text: "汛期值守".into(),
            target: 4,
            created_by: None,
            created_at: now,
        },
    )
    .await
    .unwrap();
    let mut resolved = civicgrid_store::requests::get_request(
        &mut tx,
        civicgrid_app::domain::requests::RequestId(rf.request),
    )
    .await
    .unwrap();
    resolved.resolved_at = Some(now);
    let request = civicgrid_store::requests::insert_request(&mut tx, &resolved)
        .await
        .unwrap()
        .0;
    civicgrid_store::commit(tx).await.unwrap();
    PartyFixture {
        member,
        pledge,
        request,
    }
}

/// A flood drill running in `community`, straight into the store.
async fn emergency_fixture(app: &App, community: i64) -> i64 {
    use civicgrid_app::domain::emergency::modes::{Hazard, Kind, Level};
    use civicgrid_store::emergency::modes as repo;
    let mut tx = app.db().begin_write().await.unwrap();
    let c = civicgrid_store::platform::org::get(&mut tx, community)
        .await
        .unwrap();
    let id = repo::insert_activation(
        &mut tx,
        &repo::ActivationRecord {
            id: 0,
            community_id: community,
            scope: c.path.clone(),
            kind: Kind::Drill,
            hazard: Hazard::Flood,
            level: Level::IV,
            reason: "防汛演练".into(),
            plan_id: None,
            urgent_categories: vec!["safety_hazard".into()],
            urgent_response_minutes: 15,
            urgent_resolution_minutes: 240,
            started_by: None,
            started_at: chrono::Utc::now().timestamp_millis(),
            ended_by: None,
            ended_at: None,
            closing_note: None,
        },
    )
    .await
    .unwrap();
    repo::insert_checklist(&mut tx, id, &["值班到岗".into(), "逐户排查".into()])
        .await
        .unwrap();
    civicgrid_store::commit(tx).await.unwrap();
    id
}

/// A welfare-check campaign of activation `activation` over every household of `grid`,
/// checked by `checker`, straight into the store.
async fn campaign_fixture(
    app: &App,
    activation: i64,
    grid: i64,
    checker: Option<i64>,
) -> (i64, i64, i64) {
    use civicgrid_store::emergency::checks as repo;
    let mut tx = app.db().begin_write().await.unwrap();
    let a = civicgrid_store::emergency::modes::get_activation(&mut tx, activation)
        .await
        .unwrap();
    let g = civicgrid_store::platform::org::get(&mut tx, grid)
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let id = repo::insert_campaign(
        &mut tx,
        &repo::CampaignRecord {
            id: 0,
            activation_id: activation,
            community_id: a.community_id,
            node_id: grid,
            scope_path: g.path.as_str().to_owned(),
            title: "逐户排查".into(),
            tags: ",".into(),
            starts_at: now,
            deadline_at: now + 6 * 3_600_000,
            created_by: None,
            closed_at: None,
        },
    )
    .await
    .unwrap();
    let found = repo::candidates(&mut tx, &g.path, &[], None).await.unwrap();
    let first = (found[0].household_id, found[0].building_id);
    let targets: Vec<_> = found
        .into_iter()
        .map(|h| (h, String::new(), checker))
        .collect();
    repo::insert_targets(&mut tx, id, &targets).await.unwrap();
    civicgrid_store::commit(tx).await.unwrap();
    (id, first.0, first.1)
}

#[derive(Clone, Copy, Default)]
pub struct MaterialsFixture {
    /// The community's depot, holding a batch of the item.
    pub depot: i64,
    /// The street's depot.
    pub street_depot: i64,
    /// An item of the catalogue (each side its own).
    pub item: i64,
    /// A waiting material request for the first household.
    pub request: i64,
    /// An issued request for the second household, delivered by the fixture's
    /// volunteer (inside) or nobody (outside).
    pub delivery: i64,
    /// An open transfer request from the street depot to the community's.
    pub transfer: i64,
    /// Who may deliver in the community (the fixture's volunteer, inside).
    pub deliverer: i64,
}

/// Depots, an item with a batch, a waiting and an issued request and a transfer
/// request straight into the store (no audit entries, as the zh-CN test reads them).
pub async fn materials_fixture(
    app: &App,
    (street, community, grid): (i64, i64, i64),
    side: usize,
    lf: &LedgerFixture,
    volunteer: Option<i64>,
) -> MaterialsFixture {
    use civicgrid_app::domain::emergency::materials::{
        DepotLevel, ItemKind, ItemUnit, MovementKind, RequestStatus, Source, TransferStatus,
    };
    use civicgrid_store::emergency::{depots, materials, stock};
    let mut tx = app.db().begin_write().await.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let c = civicgrid_store::platform::org::get(&mut tx, community)
        .await
        .unwrap();
    let s = civicgrid_store::platform::org::get(&mut tx, street)
        .await
        .unwrap();
    let g = civicgrid_store::platform::org::get(&mut tx, grid)
        .await
        .unwrap();
    let depot_of =
        |n: &civicgrid_store::platform::org::OrgNode, level, name: &str| depots::DepotRecord {
            id: 0,
            node_id: n.id,
            scope: n.path.clone(),
            level,
            name: name.into(),
            address: "社区服务中心一楼".into(),
            created_at: now,
        };
    let depot = depots::insert_depot(
        &mut tx,
        &depot_of(&c, DepotLevel::Community, "社区应急仓库"),
    )
    .await
    .unwrap();
    let street_depot =
        depots::insert_depot(&mut tx, &depot_of(&s, DepotLevel::Street, "街道应急仓库"))
            .await
            .unwrap();
    let item = depots::insert_item(
        &mut tx,
        &depots::ItemRecord {
            id: 0,
            name: if side == 0 {
                "矿泉水".into()
            } else {
                "方便面".into()
            },
            kind: ItemKind::Water,
            unit: ItemUnit::Box,
            created_at: now,
        },
    )
    .await
    .unwrap();
    for d in [depot, street_depot] {
        let b = stock::open_batch(&mut tx, d, item, "20260101", None, now)
            .await
            .unwrap();
        stock::apply_movement(
            &mut tx,
            &stock::NewMovement {
                batch_id: b,
                kind: MovementKind::Receive,
                quantity: 1000,
                reason: None,
                request_id: None,
                transfer_id: None,
                other_depot_id: None,
                actor_user_id: None,
                actor_label: "system",
                at: now,
            },
        )
        .await
        .unwrap();
    }
    let request_of = |household_id, status| materials::RequestRecord {
        id: 0,
        household_id,
        community_id: community,
        scope: g.path.clone(),
        source: Source::Staff,
        status,
        note: "需要饮用水".into(),
        vulnerability: 30,
        people: 2,
        care_tags: vec!["elderly_alone".into()],
        depot_id: (status == RequestStatus::Issued).then_some(depot),
        deliverer_user_id: volunteer.filter(|_| status == RequestStatus::Issued),
        status_reason: None,
        raised_by: None,
        raised_at: now,
        issued_at: (status == RequestStatus::Issued).then_some(now),
        delivered_at: None,
        updated_at: now,
        version: 1,
        building: String::new(),
        unit: String::new(),
        room: String::new(),
        head_name: None,
        deliverer_name: None,
    };
    let request = materials::insert_request(
        &mut tx,
        &request_of(lf.household, RequestStatus::Waiting),
        &[(item, 2)],
    )
    .await
    .unwrap();
    let delivery = materials::insert_request(
        &mut tx,
        &request_of(lf.household2, RequestStatus::Issued),
        &[(item, 1)],
    )
    .await
    .unwrap();
    let transfer = stock::insert_transfer(
        &mut tx,
        &stock::TransferRecord {
            id: 0,
            from_depot_id: street_depot,
            to_depot_id: depot,
            item_id: item,
            quantity: 5,
            status: TransferStatus::Open,
            request_id: None,
            reason: None,
            raised_by: None,
            raised_at: now,
            decided_by: None,
            decided_at: None,
            version: 1,
        },
    )
    .await
    .unwrap();
    civicgrid_store::commit(tx).await.unwrap();
    MaterialsFixture {
        depot,
        street_depot,
        item,
        request,
        delivery,
        transfer,
        deliverer: volunteer.unwrap_or(0),
    }
}
