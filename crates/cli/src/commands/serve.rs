//! `threshold serve`: the server on the configured database.

use crate::config::Config;
use crate::server::Server;

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let server = Server::build(config).await?;
    if config.smtp_url.is_none() {
        tracing::warn!(
            "no SMTP server is set (THRESHOLD_SMTP_URL): mail stays queued in the outbox, \
             visible to administrators at /admin/mail"
        );
    }
    server.run_until_stopped().await
}
