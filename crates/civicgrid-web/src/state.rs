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
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            trust_forwarded_for: false,
            open311_jurisdiction: None,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: WebConfig,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> AppState {
        AppState { app, config }
    }
}
