//! Settings: defaults < `closer.toml` < `CLOSER_*` environment < command-line flags.
//! The database URL may carry a password; it is redacted in Debug output and logs.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything `closer` can be told.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://…` or `postgres://…`; empty means an SQLite file in `data_dir`.
    #[serde(default)]
    pub database_url: String,
    /// Where the default SQLite database lives.
    pub data_dir: PathBuf,
    /// Address the server listens on.
    pub listen: SocketAddr,
    /// Largest number of pooled database connections.
    pub max_connections: u32,
    /// tracing filter, e.g. `info` or `closer=debug,tower_http=info`.
    pub log: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: String::new(),
            data_dir: PathBuf::from("closer-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_connections: 8,
            log: "info".into(),
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &closer_store::redact_url(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("listen", &self.listen)
            .field("max_connections", &self.max_connections)
            .field("log", &self.log)
            .finish()
    }
}

/// Values given on the command line; they win over every other source.
#[derive(Debug, Default)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
}

impl Settings {
    /// Reads the settings from `config` (default `closer.toml`, optional unless named), the
    /// environment and the flags.
    pub fn load(config: Option<&Path>, overrides: Overrides) -> anyhow::Result<Settings> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match config {
            Some(path) => {
                anyhow::ensure!(path.exists(), "config file {} does not exist", path.display());
                figment = figment.merge(Toml::file_exact(path));
            }
            None => figment = figment.merge(Toml::file("closer.toml")),
        }
        let mut settings: Settings = figment
            .merge(Env::prefixed("CLOSER_"))
            .extract()
            .context("invalid settings (closer.toml or CLOSER_* environment)")?;
        if let Some(url) = overrides.database_url {
            settings.database_url = url;
        }
        if let Some(dir) = overrides.data_dir {
            settings.data_dir = dir;
        }
        if let Some(listen) = overrides.listen {
            settings.listen = listen;
        }
        Ok(settings)
    }

    /// The database URL to use, creating the data directory for the default SQLite file.
    pub fn resolved_database_url(&self) -> anyhow::Result<String> {
        if !self.database_url.trim().is_empty() {
            return Ok(self.database_url.trim().to_owned());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create the data directory {}", self.data_dir.display()))?;
        Ok(format!("sqlite://{}", self.data_dir.join("closer.db").display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_database_password() {
        let settings = Settings {
            database_url: "postgres://closer:hunter2@db/closer".into(),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://closer:***@db/closer"));
    }
}
