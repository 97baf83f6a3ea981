//! `threshold backup --to FILE`: a consistent copy of the SQLite database, safe
//! while the server runs. PostgreSQL has its own tool, pg_dump.

use std::path::PathBuf;

use anyhow::Context as _;
use threshold_store::DbUrl;

use crate::config::Config;
use crate::context;
use crate::exit::BadInput;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The new file to write (an existing file is never overwritten).
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let source = match DbUrl::parse(&config.database_url)? {
        DbUrl::Sqlite(path) => path,
        DbUrl::Postgres(_) => anyhow::bail!(
            "threshold backup copies SQLite databases; for PostgreSQL use pg_dump (see the README)"
        ),
    };
    if !source.exists() {
        return Err(BadInput(format!("there is no database at {}", source.display())).into());
    }
    if args.to.exists() {
        return Err(BadInput(format!(
            "{} already exists; choose a new file name",
            args.to.display()
        ))
        .into());
    }
    let db = context::open_db(config).await?;
    let copied = db.backup_to(&args.to).await.context("the backup failed");
    db.close().await;
    copied?;
    let size = std::fs::metadata(&args.to).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up {} to {} ({size} bytes)",
        source.display(),
        args.to.display()
    );
    if let Ok(key) = context::key_path(config) {
        eprintln!(
            "note: the field-encryption key file {} is not in the copy; keep it with your backups \
             (without it encrypted fields cannot be read)",
            key.display()
        );
    }
    Ok(())
}
