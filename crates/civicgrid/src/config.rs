//! Configuration: command-line flags, then `CIVICGRID_*` environment variables, then
//! `civicgrid.toml` in the data directory, then defaults.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// Options read from `<data dir>/civicgrid.toml`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub session_idle_secs: Option<i64>,
    pub max_body_bytes: Option<usize>,
    pub request_timeout_secs: Option<u64>,
    pub trust_forwarded_for: Option<bool>,
    /// The Open311 `jurisdiction_id` served (e.g. `jiangcheng.gov.cn`).
    pub open311_jurisdiction: Option<String>,
    /// A base-map tile URL template for the public map (e.g. 天地图's, with its key).
    pub map_tiles: Option<String>,
    pub map_tiles_attribution: Option<String>,
    /// What `{s}` in the template stands for (`01234567` for 天地图).
    pub map_tiles_subdomains: Option<String>,
}

impl FileConfig {
    pub fn load(data_dir: &Path) -> anyhow::Result<FileConfig> {
        let path = data_dir.join("civicgrid.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).with_context(|| format!("reading {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
}

/// Where the data lives and how to reach the database.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub listen: String,
    /// `postgres://…` from DATABASE_URL, else the SQLite file in the data dir.
    pub database_url: Option<String>,
    pub web: civicgrid_web::WebConfig,
    pub app: civicgrid_app::AppConfig,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Settings {
    pub fn resolve(
        data_dir: PathBuf,
        listen: Option<String>,
        database_url: Option<String>,
    ) -> anyhow::Result<Settings> {
        let file = FileConfig::load(&data_dir)?;
        let mut web = civicgrid_web::WebConfig::default();
        // The environment wins over the file, as for DATABASE_URL.
        if let Some(v) = env_bool("CIVICGRID_SECURE_COOKIES").or(file.secure_cookies) {
            web.secure_cookies = v;
        }
        if let Some(v) = file.max_body_bytes {
            web.max_body_bytes = v;
        }
        if let Some(v) = file.request_timeout_secs {
            web.request_timeout_secs = v;
        }
        if let Some(v) = file.trust_forwarded_for {
            web.trust_forwarded_for = v;
        }
        if let Some(v) = std::env::var("CIVICGRID_OPEN311_JURISDICTION")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .or(file.open311_jurisdiction)
            .filter(|v| !v.trim().is_empty())
        {
            web.open311_jurisdiction = Some(v.trim().to_owned());
        }
        let tiles = std::env::var("CIVICGRID_MAP_TILES")
            .ok()
            .or(file.map_tiles)
            .filter(|v| !v.trim().is_empty());
        if let Some(url) = tiles {
            let attribution = std::env::var("CIVICGRID_MAP_TILES_ATTRIBUTION")
                .ok()
                .or(file.map_tiles_attribution)
                .unwrap_or_default();
            let subdomains = std::env::var("CIVICGRID_MAP_TILES_SUBDOMAINS")
                .ok()
                .or(file.map_tiles_subdomains)
                .unwrap_or_default();
            web.map_tiles = Some(
                civicgrid_web::MapTiles::new(&url, &attribution, &subdomains)
                    .map_err(anyhow::Error::msg)
                    .context("CIVICGRID_MAP_TILES / map_tiles")?,
            );
        }
        let mut app = civicgrid_app::AppConfig::default();
        if let Some(v) = file.session_idle_secs {
            app.session_idle_secs = v.max(60);
        }
        Ok(Settings {
            listen: listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
            database_url: database_url
                .filter(|u| !u.trim().is_empty())
                .or(file.database_url),
            data_dir,
            web,
            app,
        })
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("civicgrid.sqlite")
    }

    /// Opens the database (creating the data dir and SQLite file when needed) and
    /// applies pending migrations.
    pub async fn open_db(&self) -> anyhow::Result<civicgrid_store::Db> {
        let db = match &self.database_url {
            Some(url) => civicgrid_store::Db::connect(url)
                .await
                .context("connecting to DATABASE_URL")?,
            None => {
                std::fs::create_dir_all(&self.data_dir)
                    .with_context(|| format!("creating {}", self.data_dir.display()))?;
                civicgrid_store::Db::open_sqlite(&self.sqlite_path())
                    .await
                    .with_context(|| format!("opening {}", self.sqlite_path().display()))?
            }
        };
        db.migrate().await.context("applying migrations")?;
        Ok(db)
    }

    pub fn database_label(&self) -> String {
        match &self.database_url {
            Some(url) => redact_url(url),
            None => self.sqlite_path().display().to_string(),
        }
    }
}

fn env_bool(name: &str) -> Option<bool> {
    std::env::var(name)
        .ok()
        .map(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"))
}

/// Hides a password in a database URL before it is printed.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }

    #[test]
    fn file_config_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("civicgrid.toml"), "listn = \"x\"").unwrap();
        assert!(FileConfig::load(dir.path()).is_err());
        std::fs::write(dir.path().join("civicgrid.toml"), "listen = \"0.0.0.0:9\"").unwrap();
        let s = Settings::resolve(dir.path().into(), None, None).unwrap();
        assert_eq!(s.listen, "0.0.0.0:9");
    }
}
