//! `threshold`: runs the practice platform and the operator's tasks around it.
//! Parse, start logging, dispatch; each subcommand lives in its own file.
#![forbid(unsafe_code)]

mod commands;
mod config;
mod context;
mod exit;
mod logging;
mod server;

use std::process::ExitCode;

use clap::Parser;

/// Threshold: a platform for ketamine-assisted-psychotherapy practices.
#[derive(Parser)]
#[command(
    name = "threshold",
    version,
    after_help = "Settings come from flags, then THRESHOLD_* environment variables, then the TOML \
                  file named by THRESHOLD_CONFIG (keys: addr, database_url, …), then defaults."
)]
struct Cli {
    #[command(flatten)]
    options: config::Options,
    #[command(subcommand)]
    command: commands::Command,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match config::Config::resolve(&cli.options, cli.command.profile()) {
        Ok(c) => c,
        Err(e) => return exit::report(&e.into()),
    };
    if let Err(e) = logging::init(&config) {
        return exit::report(&e);
    }
    match commands::run(cli.command, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit::report(&e),
    }
}
