use civicgrid_app::App;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served behind HTTPS).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered with 408.
    pub request_timeout_secs: u64,
    /// Use the first address of `X-Forwarded-For` as the client (behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// The Open311 `jurisdiction_id` this server answers for; when set, a request
    /// naming another is refused (404). Requests naming none are always accepted.
    pub open311_jurisdiction: Option<String>,
    /// A base map under the public map (e.g. 天地图); none keeps it offline.
    pub map_tiles: Option<crate::MapTiles>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            trust_forwarded_for: false,
            open311_jurisdiction: None,
            map_tiles: None,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: WebConfig,
    /// Tells open work-queue pages that requests changed (server-sent events).
    pub request_changes: RequestChanges,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> AppState {
        AppState {
            app,
            config,
            request_changes: RequestChanges::default(),
        }
    }
}

/// A change to a request, as open queue pages hear of it. Listeners are only told
/// that something changed and reload their own (scoped) queue; never personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestChange {
    pub id: i64,
    pub grid_id: i64,
}

/// The fan-out of [`RequestChange`]s within this instance (a slow listener loses old
/// ones and simply refreshes).
#[derive(Clone)]
pub struct RequestChanges(tokio::sync::broadcast::Sender<RequestChange>);

impl Default for RequestChanges {
    fn default() -> Self {
        RequestChanges(tokio::sync::broadcast::channel(256).0)
    }
}

impl RequestChanges {
    /// Tells every listener; nobody listening is fine.
    pub fn notify(&self, change: RequestChange) {
        let _ = self.0.send(change);
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<RequestChange> {
        self.0.subscribe()
    }
}
