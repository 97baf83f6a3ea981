//! `threshold demo`: a server on its own SQLite database, seeded with a demo
//! clinic when empty, that prints its address and the demo sign-ins at every start.

use std::io::Write as _;

use anyhow::Context as _;
use threshold_service::demo::{ACCOUNTS, PASSWORD};

use crate::config::Config;
use crate::server::Server;

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let server = Server::build(config).await?;
    let seeded = server
        .services
        .seed_demo()
        .await
        .context("cannot seed the demo clinic")?;
    let where_ = server
        .services
        .db
        .sqlite_path()
        .map(|p| format!(" ({})", p.display()))
        .unwrap_or_default();
    let mut out = String::new();
    out.push_str(&format!(
        "Threshold demo running at {}\n",
        server.public_url
    ));
    if seeded {
        out.push_str(&format!(
            "Seeded a new demo clinic in the database{where_}.\n"
        ));
    } else {
        out.push_str(&format!(
            "Using the existing data in the database{where_}.\n"
        ));
    }
    out.push_str("\nDemo sign-ins:\n");
    out.push_str(&format!(
        "  {:<16} {:<34} {:<22} {}\n",
        "ROLE", "EMAIL", "PASSWORD", "TOTP SECRET"
    ));
    for a in ACCOUNTS {
        out.push_str(&format!(
            "  {:<16} {:<34} {:<22} {}\n",
            a.role.as_str(),
            a.email,
            PASSWORD,
            a.totp_secret.unwrap_or("-")
        ));
    }
    out.push_str(
        "\nStaff sign in with a second factor: add the TOTP secret to an authenticator app, or\n\
         print the current code with `threshold totp-code <SECRET>`.\n",
    );
    if config.smtp_url.is_none() {
        out.push_str(&format!(
            "No mail is sent: queued mail is visible to administrators at {}/admin/mail\n",
            server.public_url
        ));
    }
    out.push_str("Press Ctrl-C to stop.\n");
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    drop(stdout);
    server.run_until_stopped().await
}
