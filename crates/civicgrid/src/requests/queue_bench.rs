//! `civicgrid bench queue --requests N`: loads N requests (a year of a street's work:
//! mostly closed, some resolved, about one in ten open, some of those overdue) into 10
//! communities of 10 grids through the store, then times staff work-queue reads through
//! the application's use case — a grid worker's own queue, a community's open
//! requests, a street's overdue board, everything in a community newest first — and a
//! bare indexed point read as the baseline, all in one run.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::domain::platform::access::{Actor, Assignment, Role};
use civicgrid_app::domain::requests::routing::Party;
use civicgrid_app::domain::requests::sla::{Deadlines, EscalationLevel};
use civicgrid_app::domain::requests::{Channel, RequestId, Status};
use civicgrid_app::platform::org::NodeInput;
use civicgrid_app::requests::reading::{QueueKind, QueueQuery};
use civicgrid_store::requests::{self as repo, RequestRecord};
use civicgrid_store::{commit, now_ms, platform::org};
use clap::Args;

use crate::bench::{Rng, percentile};
use crate::commands::open_app;
use crate::config::Settings;

#[derive(Args)]
pub struct QueueArgs {
    #[arg(long, default_value_t = 1_000_000)]
    requests: usize,
    /// Reads timed per queue.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Keep the data in DIR (default: a temporary directory, removed afterwards).
    #[arg(long)]
    keep: Option<PathBuf>,
}

const COMMUNITIES: usize = 10;
const GRIDS: usize = 10;
const DAY_MS: i64 = 86_400_000;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Place {
    community: org::OrgNode,
    grids: Vec<org::OrgNode>,
}

async fn node(app: &App, parent: Option<i64>, code: String) -> anyhow::Result<org::OrgNode> {
    app.create_node(
        &Actor::system(),
        &NodeInput {
            parent_id: parent,
            kind: None,
            code: code.clone(),
            name_zh: code.clone(),
            name_en: code,
            boundary: None,
        },
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("creating a node: {e}"))
}

fn actor(role: Role, n: &org::OrgNode) -> Actor {
    Actor {
        // A signed-in person (no request is assigned to them by name here).
        user_id: Some(1),
        token_id: None,
        label: format!("bench {role:?}"),
        assignments: vec![Assignment {
            id: 0,
            role,
            node_id: n.id,
            path: n.path.clone(),
        }],
    }
}

/// One generated request of the street's year.
fn record(rng: &mut Rng, places: &[Place], categories: &[String], now: i64) -> RequestRecord {
    let p = &places[rng.below(places.len() as u64) as usize];
    let grid = &p.grids[rng.below(p.grids.len() as u64) as usize];
    let created = now - rng.below(365) as i64 * DAY_MS - rng.below(DAY_MS as u64) as i64;
    let roll = rng.below(100);
    let status = match roll {
        0..=84 => Status::Closed,
        85..=89 => Status::Resolved,
        90..=93 => Status::Submitted,
        94..=96 => Status::Assigned,
        _ => Status::InProgress,
    };
    let open = status.is_open();
    // Open requests are recent; about a third of them are past due.
    let created = if open {
        now - rng.below(20 * DAY_MS as u64) as i64
    } else {
        created
    };
    let due = created + 3 * DAY_MS;
    let party = if rng.below(3) == 0 {
        Party::Role(Role::CommunityStaff)
    } else {
        Party::Role(Role::GridWorker)
    };
    RequestRecord {
        id: RequestId(0),
        category: categories[rng.below(categories.len() as u64) as usize].clone(),
        channel: Channel::ResidentWeb,
        description: "楼道灯坏了，晚上看不见".into(),
        grid_id: grid.id,
        community_id: p.community.id,
        path: grid.path.clone(),
        building_id: None,
        room_id: None,
        point: None,
        address: String::new(),
        requester_user_id: None,
        requester_resident_id: None,
        contact_name: None,
        contact_phone_enc: None,
        contact_phone_idx: None,
        intake_user_id: None,
        intake_token_id: None,
        status,
        held_from: None,
        party,
        assignee_user_id: None,
        routed_rule_id: None,
        escalation_level: EscalationLevel::GridWorker,
        next_step_at: None,
        deadlines: Deadlines {
            response_warn_ms: created + DAY_MS / 2,
            response_due_ms: created + DAY_MS,
            resolution_warn_ms: due - DAY_MS / 2,
            resolution_due_ms: due,
        },
        warn_at: open.then_some(due - DAY_MS / 2),
        due_at: open.then_some(due),
        held_at: None,
        responded_at: (!matches!(status, Status::Submitted)).then_some(created + DAY_MS / 4),
        resolved_at: (!open).then_some(created + 2 * DAY_MS),
        closed_at: (status == Status::Closed).then_some(created + 3 * DAY_MS),
        rating: None,
        rating_comment: None,
        rated_at: None,
        flagged: false,
        return_visit_pending: false,
        return_visit_at: None,
        public: false,
        duplicate_of: None,
        created_at: created,
        updated_at: created,
        version: 1,
    }
}

pub async fn run(a: QueueArgs) -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = a.keep.clone().unwrap_or_else(|| temp.path().to_path_buf());
    let settings = Settings::resolve(dir.clone(), None, None)?;
    let app = open_app(&settings).await?;
    let categories: Vec<String> = app
        .request_categories()
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();
    anyhow::ensure!(!categories.is_empty(), "no request categories");

    let city = node(&app, None, "QB".into()).await?;
    let district = node(&app, Some(city.id), "QB-D".into()).await?;
    let street = node(&app, Some(district.id), "QB-D-S".into()).await?;
    let mut places = Vec::new();
    for c in 0..COMMUNITIES {
        let community = node(&app, Some(street.id), format!("QB-D-S-C{c:02}")).await?;
        let mut grids = Vec::new();
        for g in 0..GRIDS {
            grids.push(node(&app, Some(community.id), format!("QB-D-S-C{c:02}-{g:02}")).await?);
        }
        places.push(Place { community, grids });
    }

    let now = now_ms();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let load = Instant::now();
    let mut written = 0;
    while written < a.requests {
        let n = (a.requests - written).min(10_000);
        let mut tx = app.db().begin_write().await?;
        for _ in 0..n {
            let rec = record(&mut rng, &places, &categories, now);
            repo::insert_request(&mut tx, &rec)
                .await
                .context("inserting a request")?;
        }
        commit(tx).await?;
        written += n;
    }
    println!(
        "loaded {} requests into {} grids in {:.1} s",
        a.requests,
        COMMUNITIES * GRIDS,
        load.elapsed().as_secs_f64()
    );

    let mut timings = Vec::new();
    let queues = [
        ("grid worker: mine", QueueKind::Mine, Role::GridWorker),
        (
            "community staff: open in scope",
            QueueKind::Scope,
            Role::CommunityStaff,
        ),
        (
            "street admin: overdue board",
            QueueKind::Overdue,
            Role::StreetAdmin,
        ),
        (
            "community staff: all, newest first",
            QueueKind::All,
            Role::CommunityStaff,
        ),
    ];
    for (label, kind, role) in queues {
        let mut times = Vec::with_capacity(a.queries);
        let mut found = 0;
        for _ in 0..a.queries {
            let p = &places[rng.below(places.len() as u64) as usize];
            let at = match role {
                Role::GridWorker => &p.grids[rng.below(p.grids.len() as u64) as usize],
                Role::StreetAdmin => &street,
                _ => &p.community,
            };
            let who = actor(role, at);
            let q = QueueQuery {
                kind,
                page: 1,
                page_size: 50,
                ..QueueQuery::default()
            };
            let t = Instant::now();
            let page = app
                .request_queue(&who, &q)
                .await
                .map_err(|e| anyhow::anyhow!("{label}: {e}"))?;
            times.push(t.elapsed());
            found += page.items.len();
        }
        times.sort();
        timings.push((label, times, found));
    }
    let mut base = Vec::with_capacity(a.queries);
    for _ in 0..a.queries {
        let id = 1 + rng.below(a.requests as u64) as i64;
        let mut conn = app.db().read().await?;
        let t = Instant::now();
        repo::get_request(&mut conn, RequestId(id)).await?;
        base.push(t.elapsed());
    }
    base.sort();
    let (b50, b99) = (percentile(&base, 0.5), percentile(&base, 0.99));
    println!(
        "baseline: indexed point read of one request      p50 {:8.3} ms   p99 {:8.3} ms",
        ms(b50),
        ms(b99)
    );
    for (label, times, found) in &timings {
        let (p50, p99) = (percentile(times, 0.5), percentile(times, 0.99));
        println!(
            "{label:<36} p50 {:8.3} ms   p99 {:8.3} ms   ({} rows in {} reads)   ratio p50 {:.0}x",
            ms(p50),
            ms(p99),
            found,
            times.len(),
            p50.as_secs_f64() / b50.as_secs_f64().max(1e-9)
        );
    }
    app.db().close().await;
    Ok(())
}
