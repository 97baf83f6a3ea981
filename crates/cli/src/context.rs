//! Opening what every database command needs, the same way for all of them: the
//! database (migrated), the field-encryption key and the services.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use threshold_domain::SystemClock;
use threshold_service::{FieldCipher, Services};
use threshold_store::{Db, DbUrl, PoolOptions};

use crate::config::{Config, KEY_FILE_NAME};
use crate::exit::BadInput;

/// Where the key file is: the configured one, or `threshold.key` beside an SQLite
/// database. PostgreSQL has no default: every server copy must share one key.
pub fn key_path(config: &Config) -> Result<PathBuf, BadInput> {
    if let Some(path) = &config.key_file {
        return Ok(path.clone());
    }
    match DbUrl::parse(&config.database_url) {
        Ok(DbUrl::Sqlite(db)) => Ok(db
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(KEY_FILE_NAME)),
        Ok(DbUrl::Postgres(_)) => Err(BadInput(
            "on PostgreSQL the field-encryption key file must be given with --key-file or \
             THRESHOLD_KEY_FILE, and every server copy must use the same file \
             (create one with `threshold keygen --to FILE`)"
                .into(),
        )),
        Err(e) => Err(BadInput(format!(
            "database_url (THRESHOLD_DATABASE_URL): {e}"
        ))),
    }
}

/// Opens the database without migrating.
pub async fn open_db(config: &Config) -> anyhow::Result<Db> {
    Db::open(
        &config.database_url,
        PoolOptions {
            connections: config.db_connections,
        },
    )
    .await
    .context("cannot open the database")
}

/// Opens the database and applies pending migrations; returns the versions applied.
pub async fn open_migrated(config: &Config) -> anyhow::Result<(Db, Vec<i64>)> {
    let db = open_db(config).await?;
    let applied = db.migrate().await.context("cannot migrate the database")?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied database migrations");
    }
    Ok((db, applied))
}

/// Loads the key file on PostgreSQL before connecting anywhere, so a missing or
/// unset key stops the start at once. On SQLite the key is loaded after the
/// database is open (see [`load_key`]); this answers `None`.
pub fn key_before_open(config: &Config) -> anyhow::Result<Option<FieldCipher>> {
    let path = key_path(config)?;
    if matches!(DbUrl::parse(&config.database_url), Ok(DbUrl::Sqlite(_))) {
        return Ok(None);
    }
    FieldCipher::load_or_create(&path, false)
        .map(Some)
        .map_err(|e| {
            anyhow::Error::new(e).context(
                "cannot load the field-encryption key file (every server copy must share the same \
             file; create one with `threshold keygen --to FILE`)",
            )
        })
}

/// Loads the key file beside an open SQLite database. A missing one is created
/// only while the database holds nothing yet: a new key could not read data
/// sealed with a lost one.
pub async fn load_key(config: &Config, db: &Db) -> anyhow::Result<FieldCipher> {
    let path = key_path(config)?;
    if !path.exists() {
        let head = db
            .read(|c| threshold_store::audit::head(c))
            .await
            .context("cannot read the database")?;
        if head.is_some() {
            return Err(BadInput(format!(
                "the key file {} does not exist, but the database already holds data encrypted \
                 with a key: restore the key file from your backups, or name it with --key-file \
                 (THRESHOLD_KEY_FILE)",
                path.display()
            ))
            .into());
        }
    }
    Ok(FieldCipher::load_or_create(&path, true)?)
}

/// The database (migrated), key and services, for commands that act on data.
pub async fn services(config: &Config, public_url: &str) -> anyhow::Result<Services> {
    let key = key_before_open(config)?;
    let (db, _) = open_migrated(config).await?;
    services_on(config, db, key, public_url).await
}

/// Services over an already-open, migrated database; `key` is what
/// [`key_before_open`] answered.
pub async fn services_on(
    config: &Config,
    db: Db,
    key: Option<FieldCipher>,
    public_url: &str,
) -> anyhow::Result<Services> {
    let cipher = match key {
        Some(k) => k,
        None => load_key(config, &db).await?,
    };
    Ok(Services::new(
        db,
        Arc::new(SystemClock),
        cipher,
        config.settings(public_url),
    ))
}
