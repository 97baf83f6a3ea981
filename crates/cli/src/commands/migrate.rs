//! `threshold migrate`: applies pending migrations and says which.

use crate::config::Config;
use crate::context;

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let (db, applied) = context::open_migrated(config).await?;
    db.close().await;
    if applied.is_empty() {
        println!("the database schema is up to date; no migration was pending");
    }
    for v in applied {
        println!("applied migration {v}");
    }
    Ok(())
}
