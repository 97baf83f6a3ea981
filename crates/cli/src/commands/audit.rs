//! `threshold audit verify`: walks the hash chain of the audit trail and names the
//! first entry that was changed, removed or re-linked. Exit 0 when intact, 1 when not.

use threshold_service::audit::Verification;

use super::public_url;
use crate::config::Config;
use crate::context;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check that no entry of the audit trail was changed or removed.
    Verify,
}

pub async fn run(config: &Config, cmd: AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Verify => verify(config).await,
    }
}

async fn verify(config: &Config) -> anyhow::Result<()> {
    let services = context::services(config, &public_url(config)).await?;
    let outcome = services.audit_verify().await;
    services.db.close().await;
    match outcome? {
        Verification::Intact { entries } => {
            println!("audit trail intact: {entries} entries");
            Ok(())
        }
        Verification::Broken(b) => anyhow::bail!("audit trail broken: {b}"),
    }
}
