//! The subcommands other than `demo`.

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::{App, AppError};
use clap::Subcommand;

use crate::config::Settings;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        /// Node the role is bound to: its code (e.g. WH-JA-01) or numeric id.
        #[arg(long)]
        scope: String,
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Issue an API token (printed once; only its hash is stored).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        /// Node the token's role is bound to: its code or numeric id.
        #[arg(long)]
        scope: String,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exits 1 and names the first broken entry if it is not intact.
    Verify,
}

pub async fn open_app(s: &Settings) -> anyhow::Result<App> {
    let db = s.open_db().await?;
    std::fs::create_dir_all(&s.data_dir)
        .with_context(|| format!("creating {}", s.data_dir.display()))?;
    let mut config = s.app.clone();
    config.field_keys = civicgrid_store::crypto::FieldKeys::load_or_create(&s.data_dir)?;
    let app = App::new(db, config);
    app.prepare().await?;
    Ok(app)
}

/// Finds a node by id or by code (any level).
pub async fn resolve_scope(app: &App, scope: &str) -> anyhow::Result<i64> {
    match app.find_node(&Actor::system(), scope).await {
        Ok(node) => Ok(node.id),
        Err(AppError::NotFound(_)) => bail!("no organisation node has the code or id '{scope}'"),
        Err(e) => Err(e.into()),
    }
}

pub async fn user(s: &Settings, cmd: UserCommand) -> anyhow::Result<()> {
    let app = open_app(s).await?;
    match cmd {
        UserCommand::Add {
            username,
            role,
            scope,
            display_name,
        } => {
            let node_id = resolve_scope(&app, &scope).await?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let input = civicgrid_app::platform::users::NewUser {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                password,
                role,
                node_id,
            };
            let user = app
                .create_user(
                    &Actor::system(),
                    &input,
                    Some("created with civicgrid user add"),
                )
                .await?;
            println!("created user {} (id {})", user.username, user.id);
        }
    }
    Ok(())
}

pub async fn token(s: &Settings, cmd: TokenCommand) -> anyhow::Result<()> {
    let app = open_app(s).await?;
    match cmd {
        TokenCommand::Create { name, role, scope } => {
            let node_id = resolve_scope(&app, &scope).await?;
            let issued = app
                .create_token(
                    &Actor::system(),
                    &civicgrid_app::platform::tokens::NewToken {
                        name,
                        role,
                        node_id,
                    },
                    Some("created with civicgrid token create"),
                )
                .await?;
            eprintln!(
                "token '{}' created (id {}); it is shown only now, keep it safe:",
                issued.token.name, issued.token.id
            );
            println!("{}", issued.secret);
        }
    }
    Ok(())
}

pub async fn audit(s: &Settings, cmd: AuditCommand) -> anyhow::Result<std::process::ExitCode> {
    let app = open_app(s).await?;
    match cmd {
        AuditCommand::Verify => {
            let started = Instant::now();
            let v = app.verify_audit(&Actor::system()).await?;
            match v.first_break {
                None => {
                    println!(
                        "audit log intact: {} entries verified in {} ms",
                        v.checked,
                        started.elapsed().as_millis()
                    );
                    Ok(std::process::ExitCode::SUCCESS)
                }
                Some(b) => {
                    println!(
                        "audit log BROKEN: {b} ({} entries before it verified)",
                        v.checked
                    );
                    Ok(std::process::ExitCode::FAILURE)
                }
            }
        }
    }
}

pub async fn backup(s: &Settings, file: &Path) -> anyhow::Result<()> {
    if file.exists() {
        bail!("{} already exists; choose a new file", file.display());
    }
    let db = s.open_db().await?;
    db.backup_sqlite(file).await?;
    println!("backup written to {}", file.display());
    Ok(())
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(s: &Settings) -> anyhow::Result<()> {
    let app = open_app(s).await?;
    serve_app(s, app, |_| String::new()).await
}

/// Binds, prints `banner` (given the bound address), then serves until Ctrl-C or
/// SIGTERM and finishes the requests in flight.
pub async fn serve_app(
    s: &Settings,
    app: App,
    banner: impl FnOnce(std::net::SocketAddr) -> String,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&s.listen)
        .await
        .with_context(|| format!("listening on {}", s.listen))?;
    let addr = listener.local_addr()?;
    // The word segmenter's dictionary loads once per process (about 0.1 s): load it
    // now, not in the first resident's request.
    tokio::task::spawn_blocking(civicgrid_app::domain::requests::text::warm_up);
    let state = civicgrid_web::AppState::new(app, s.web.clone());
    let (stop_jobs, jobs) = spawn_request_jobs(&state);
    let router = civicgrid_web::build_router(state);
    let text = banner(addr);
    if !text.is_empty() {
        println!("{text}");
    }
    println!(
        "civicgrid serving http://{addr}/ (database: {})",
        s.database_label()
    );
    let served = civicgrid_web::serve(listener, router, shutdown_signal()).await;
    let _ = stop_jobs.send(true);
    let _ = jobs.await;
    served?;
    println!("civicgrid stopped");
    Ok(())
}

/// How often the dashboards' figures are counted.
const INSIGHT_COUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// How often the request jobs run.
const REQUEST_JOBS_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs the periodic request jobs every minute until told to stop: escalations (with
/// auto-close of confirmed-by-silence requests) and notification delivery. Both are
/// idempotent and take the database's job lock, so several instances may run them.
fn spawn_request_jobs(
    state: &civicgrid_web::AppState,
) -> (
    tokio::sync::watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
) {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let app = state.app.clone();
    let changes = state.request_changes.clone();
    let handle = tokio::spawn(async move {
        let mut tick = tokio::time::interval(REQUEST_JOBS_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut counted_at: Option<std::time::Instant> = None;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopped.changed() => break,
            }
            // The dashboards' figures, every ten minutes (the month before once more
            // after downtime or a failed count).
            if counted_at.is_none_or(|t| t.elapsed() >= INSIGHT_COUNT_EVERY) {
                counted_at = Some(std::time::Instant::now());
                match app.count_insight_due().await {
                    Ok(done) => {
                        for c in done.iter().filter(|c| c.counted) {
                            tracing::info!(month = %c.month.code(), figures = c.figures, took_ms = c.took_ms, "insight counted");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "counting insight failed"),
                }
            }
            match app.run_escalations(civicgrid_app::now_ms()).await {
                Ok(r) if r.escalated + r.auto_closed > 0 => {
                    tracing::info!(
                        escalated = r.escalated,
                        auto_closed = r.auto_closed,
                        "request escalations"
                    );
                    changes.notify(civicgrid_web::state::RequestChange { id: 0, grid_id: 0 });
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "request escalations failed"),
            }
            if let Err(e) = app.deliver_request_notifications(500).await {
                tracing::warn!(error = %e, "request notifications failed");
            }
            // A vote past its closing time is closed and its result published.
            match app.close_due_votes(civicgrid_app::now_ms()).await {
                Ok(n) if n > 0 => tracing::info!(closed = n, "votes closed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "closing votes failed"),
            }
            // Missed care visits climb the alert ladder.
            match app.run_care_alerts(civicgrid_app::now_ms()).await {
                Ok(r) if r.raised + r.red > 0 => {
                    tracing::info!(raised = r.raised, red = r.red, "care alerts");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "care alerts failed"),
            }
            // Rejected import rows are kept for a week; an idle server drops them too.
            if let Err(e) = app.delete_expired_import_rejects().await {
                tracing::warn!(error = %e, "deleting expired import rejects failed");
            }
        }
    });
    (stop, handle)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
