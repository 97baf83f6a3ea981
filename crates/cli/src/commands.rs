//! The subcommands: one clap enum here, one file each below.

mod audit;
mod backup;
mod demo;
mod keygen;
mod migrate;
mod serve;
mod token;
mod totp_code;
mod user;

use clap::Subcommand;

use crate::config::{Config, Profile};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server on the configured database.
    Serve,
    /// Start a server on a demo database seeded with a demo clinic, and print the
    /// demo sign-ins.
    Demo,
    /// Apply pending database migrations.
    Migrate,
    /// Copy the SQLite database, consistently, while the server runs.
    Backup(backup::Args),
    /// Staff accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Staff API tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Create a new field-encryption key file (for PostgreSQL, where every server
    /// copy must share one).
    Keygen(keygen::Args),
    /// Print the current six-digit code for a TOTP secret (for demo sign-ins
    /// without an authenticator app).
    TotpCode(totp_code::Args),
}

impl Command {
    pub fn profile(&self) -> Profile {
        match self {
            Command::Demo => Profile::Demo,
            _ => Profile::Standard,
        }
    }
}

pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve::run(&config).await,
        Command::Demo => demo::run(&config).await,
        Command::Migrate => migrate::run(&config).await,
        Command::Backup(args) => backup::run(&config, args).await,
        Command::User(cmd) => user::run(&config, cmd).await,
        Command::Token(cmd) => token::run(&config, cmd).await,
        Command::Audit(cmd) => audit::run(&config, cmd).await,
        Command::Keygen(args) => keygen::run(args),
        Command::TotpCode(args) => totp_code::run(args),
    }
}

/// The public URL for commands that do not listen (links they queue in mail).
fn public_url(config: &Config) -> String {
    config.public_url_or(&config.addr)
}

/// A time for tables: `2026-05-01 14:03 UTC`.
fn when(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}
