//! Settings, resolved in this order: command-line flags, then `THRESHOLD_*`
//! environment variables (clap reads both, so `--help` names each variable), then
//! the optional TOML file named by `THRESHOLD_CONFIG`, then the defaults below.
//! No file is needed to start.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde::Deserialize;
use threshold_service::Settings;
use threshold_web::WebConfig;

use crate::exit::BadInput;

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://threshold-data/threshold.db";
pub const DEMO_DATABASE_URL: &str = "sqlite://threshold-data/demo.db";
pub const DEFAULT_MAIL_FROM: &str = "Threshold <no-reply@localhost>";
pub const DEFAULT_CLINIC_NAME: &str = "Threshold";
pub const DEMO_CLINIC_NAME: &str = "Threshold Demo Clinic";
/// The key file's name beside an SQLite database when none is given.
pub const KEY_FILE_NAME: &str = "threshold.key";

/// The settings every subcommand accepts (before or after the subcommand's name).
/// None has a clap default, so an unset flag falls through to the file.
/// No `Debug`: the database and SMTP URLs may carry passwords.
#[derive(Clone, Default, Args)]
#[command(next_help_heading = "Settings")]
pub struct Options {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, global = true, env = "THRESHOLD_ADDR", value_name = "HOST:PORT")]
    pub addr: Option<String>,

    /// Database: sqlite://path/to/file.db or postgres://user@host/db
    /// [default: sqlite://threshold-data/threshold.db; `threshold demo`: sqlite://threshold-data/demo.db]
    #[arg(
        long,
        global = true,
        env = "THRESHOLD_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,

    /// The address people reach this server at, for links in mail [default: http://<addr>]
    #[arg(long, global = true, env = "THRESHOLD_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,

    /// SMTP server for outgoing mail: smtp://host:port, smtp://user:pass@host:587?tls=required
    /// or smtps://user:pass@host:465. Without one, mail stays queued in the outbox.
    #[arg(
        long,
        global = true,
        env = "THRESHOLD_SMTP_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub smtp_url: Option<String>,

    /// Sender of outgoing mail [default: "Threshold <no-reply@localhost>"]
    #[arg(
        long,
        global = true,
        env = "THRESHOLD_MAIL_FROM",
        value_name = "MAILBOX"
    )]
    pub mail_from: Option<String>,

    /// Field-encryption key file. On SQLite it defaults to threshold.key beside the
    /// database file (created on first start, mode 0600); PostgreSQL needs it set,
    /// since every server copy must share one key (make one with `threshold keygen`).
    #[arg(long, global = true, env = "THRESHOLD_KEY_FILE", value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// Served over TLS (directly or by a proxy): Secure cookies and HSTS
    /// [default: true when the public URL starts with https://]
    #[arg(
        long,
        global = true,
        env = "THRESHOLD_BEHIND_TLS",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub behind_tls: Option<bool>,

    /// Proxies whose X-Forwarded-For is believed: comma-separated IP addresses
    #[arg(
        long,
        global = true,
        env = "THRESHOLD_TRUSTED_PROXIES",
        value_name = "IP,IP",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<IpAddr>,

    /// The clinic's name in mail and pages [default: Threshold; `threshold demo`: Threshold Demo Clinic]
    #[arg(
        long,
        global = true,
        env = "THRESHOLD_CLINIC_NAME",
        value_name = "NAME"
    )]
    pub clinic_name: Option<String>,

    /// Database connections (SQLite readers or PostgreSQL connections) [default: 4 on SQLite, 16 on PostgreSQL]
    #[arg(
        long,
        global = true,
        env = "THRESHOLD_DB_CONNECTIONS",
        value_name = "N"
    )]
    pub db_connections: Option<u32>,

    /// Consultation and password-reset requests accepted per source address per hour [default: 10]
    #[arg(
        long,
        global = true,
        env = "THRESHOLD_PUBLIC_REQUESTS_PER_HOUR",
        value_name = "N"
    )]
    pub public_requests_per_hour: Option<u32>,

    /// Log filter, e.g. info or threshold_web=debug,info [default: info]
    #[arg(long, global = true, env = "THRESHOLD_LOG", value_name = "FILTER")]
    pub log: Option<String>,

    /// Log format [default: text]
    #[arg(
        long,
        global = true,
        env = "THRESHOLD_LOG_FORMAT",
        value_name = "FORMAT"
    )]
    pub log_format: Option<LogFormat>,

    /// TOML file with settings; keys are the setting names above in lowercase with
    /// underscores (addr = "0.0.0.0:8080", database_url = "…"). Flags and
    /// THRESHOLD_* variables win over it.
    #[arg(long, global = true, env = "THRESHOLD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// A list written either as `"a, b"` or as `["a", "b"]` in the file.
#[derive(Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// The TOML file. Unknown keys are refused, so a misspelt setting is not ignored.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    addr: Option<String>,
    database_url: Option<String>,
    public_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    key_file: Option<PathBuf>,
    behind_tls: Option<bool>,
    trusted_proxies: Option<OneOrMany>,
    clinic_name: Option<String>,
    db_connections: Option<u32>,
    public_requests_per_hour: Option<u32>,
    log: Option<String>,
    log_format: Option<LogFormat>,
}

/// Which defaults apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Standard,
    /// `threshold demo`: its own database and clinic name. The file's
    /// `database_url` is ignored, so a demo never seeds the clinic's database
    /// unless a flag or variable names it.
    Demo,
}

/// The resolved settings. No `Debug`: the database and SMTP URLs may carry passwords.
#[derive(Clone)]
pub struct Config {
    pub addr: String,
    pub database_url: String,
    /// `None`: derived from the address the server listens on.
    pub public_url: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub key_file: Option<PathBuf>,
    pub behind_tls: Option<bool>,
    pub trusted_proxies: Vec<IpAddr>,
    pub clinic_name: String,
    pub db_connections: u32,
    pub public_requests_per_hour: u32,
    pub log: String,
    pub log_format: LogFormat,
    pub demo: bool,
}

fn read_file(path: &Path) -> Result<FileConfig, BadInput> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        BadInput(format!(
            "cannot read the config file {}: {e}",
            path.display()
        ))
    })?;
    toml::from_str(&text).map_err(|e| BadInput(format!("config file {}: {e}", path.display())))
}

fn parse_proxies(v: OneOrMany) -> Result<Vec<IpAddr>, BadInput> {
    let items = match v {
        OneOrMany::One(s) => s.split(',').map(str::to_owned).collect(),
        OneOrMany::Many(v) => v,
    };
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| BadInput(format!("trusted_proxies: {s:?} is not an IP address")))
        })
        .collect()
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

impl Config {
    pub fn resolve(o: &Options, profile: Profile) -> Result<Self, BadInput> {
        let file = match &o.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let demo = profile == Profile::Demo;
        let file_database_url = if demo { None } else { file.database_url };
        let trusted_proxies = if o.trusted_proxies.is_empty() {
            file.trusted_proxies
                .map(parse_proxies)
                .transpose()?
                .unwrap_or_default()
        } else {
            o.trusted_proxies.clone()
        };
        let log_format = o.log_format.or(file.log_format).unwrap_or_default();
        let database_url = non_empty(o.database_url.clone())
            .or(file_database_url)
            .unwrap_or_else(|| {
                if demo {
                    DEMO_DATABASE_URL
                } else {
                    DEFAULT_DATABASE_URL
                }
                .into()
            });
        let sqlite = database_url.starts_with("sqlite:");
        let config = Self {
            addr: non_empty(o.addr.clone())
                .or(file.addr)
                .unwrap_or_else(|| DEFAULT_ADDR.into()),
            database_url,
            public_url: non_empty(o.public_url.clone())
                .or(file.public_url)
                .map(|u| u.trim_end_matches('/').to_owned()),
            smtp_url: non_empty(o.smtp_url.clone()).or(non_empty(file.smtp_url)),
            mail_from: non_empty(o.mail_from.clone())
                .or(file.mail_from)
                .unwrap_or_else(|| DEFAULT_MAIL_FROM.into()),
            key_file: o.key_file.clone().or(file.key_file),
            behind_tls: o.behind_tls.or(file.behind_tls),
            trusted_proxies,
            clinic_name: non_empty(o.clinic_name.clone())
                .or(file.clinic_name)
                .unwrap_or_else(|| {
                    if demo {
                        DEMO_CLINIC_NAME
                    } else {
                        DEFAULT_CLINIC_NAME
                    }
                    .into()
                }),
            db_connections: o.db_connections.or(file.db_connections).unwrap_or(
                // SQLite reads are CPU-bound on this process's own threads: more
                // readers than a few per core only add switching (bench/queue_load.sh
                // measured 4 readers ahead of 16 on 2 cores). PostgreSQL connections
                // mostly wait on the network.
                if sqlite { 4 } else { 16 },
            ),
            public_requests_per_hour: o
                .public_requests_per_hour
                .or(file.public_requests_per_hour)
                .unwrap_or(10),
            log: non_empty(o.log.clone())
                .or(file.log)
                .unwrap_or_else(|| "info".into()),
            log_format,
            demo,
        };
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), BadInput> {
        if let Some(u) = &self.public_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(BadInput(
                "public_url (THRESHOLD_PUBLIC_URL) must start with http:// or https://".into(),
            ));
        }
        if self.db_connections == 0 {
            return Err(BadInput(
                "db_connections (THRESHOLD_DB_CONNECTIONS) must be at least 1".into(),
            ));
        }
        if self.public_requests_per_hour == 0 {
            return Err(BadInput(
                "public_requests_per_hour (THRESHOLD_PUBLIC_REQUESTS_PER_HOUR) must be at least 1"
                    .into(),
            ));
        }
        threshold_store::DbUrl::parse(&self.database_url)
            .map_err(|e| BadInput(format!("database_url (THRESHOLD_DATABASE_URL): {e}")))?;
        Ok(())
    }

    /// The public URL, or `http://<the address the server listens on>`.
    pub fn public_url_or(&self, listening: &str) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{listening}"))
    }

    pub fn settings(&self, public_url: &str) -> Settings {
        Settings {
            clinic_name: self.clinic_name.clone(),
            public_url: public_url.to_owned(),
            mail_from: self.mail_from.clone(),
            demo: self.demo,
            ..Settings::default()
        }
    }

    pub fn web_config(&self, public_url: &str) -> WebConfig {
        WebConfig {
            behind_tls: self
                .behind_tls
                .unwrap_or_else(|| public_url.starts_with("https://")),
            trusted_proxies: self.trusted_proxies.clone(),
            public_requests_per_hour: self.public_requests_per_hour,
            ..WebConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("threshold-cli-config-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{name}.toml"));
        let _ = std::fs::write(&path, text);
        path
    }

    #[test]
    fn defaults_need_no_file() -> Result<(), BadInput> {
        let c = Config::resolve(&Options::default(), Profile::Standard)?;
        assert_eq!(c.addr, DEFAULT_ADDR);
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.public_url_or("127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert!(!c.web_config("http://127.0.0.1:8080").behind_tls);
        assert_eq!(c.clinic_name, "Threshold");
        Ok(())
    }

    #[test]
    fn the_demo_has_its_own_database_and_clinic_name() -> Result<(), BadInput> {
        let c = Config::resolve(&Options::default(), Profile::Demo)?;
        assert_eq!(c.database_url, DEMO_DATABASE_URL);
        assert_eq!(c.clinic_name, DEMO_CLINIC_NAME);
        assert!(c.demo);
        Ok(())
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() -> Result<(), BadInput> {
        let path = file(
            "precedence",
            "addr = \"0.0.0.0:9000\"\nclinic_name = \"Cedar\"\ntrusted_proxies = \"10.0.0.1, 10.0.0.2\"\npublic_url = \"https://kap.example/\"\n",
        );
        let o = Options {
            addr: Some("127.0.0.1:9001".into()),
            config: Some(path),
            ..Options::default()
        };
        let c = Config::resolve(&o, Profile::Standard)?;
        let _ = std::fs::remove_file(o.config.unwrap_or_default());
        assert_eq!(c.addr, "127.0.0.1:9001");
        assert_eq!(c.clinic_name, "Cedar");
        assert_eq!(c.trusted_proxies.len(), 2);
        let url = c.public_url_or("x");
        assert_eq!(url, "https://kap.example");
        assert!(c.web_config(&url).behind_tls);
        Ok(())
    }

    #[test]
    fn a_misspelt_file_key_is_refused() {
        let o = Options {
            config: Some(file("misspelt", "adress = \"0.0.0.0:9000\"\n")),
            ..Options::default()
        };
        let resolved = Config::resolve(&o, Profile::Standard);
        let _ = std::fs::remove_file(o.config.unwrap_or_default());
        assert!(resolved.is_err());
    }
}
