//! `threshold user add|list`: staff accounts from the command line (the first
//! administrator is made here). Passwords are read from standard input, never
//! from the arguments, which other users of the machine can see.

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::Context as _;
use threshold_domain::audit::AuditAction;
use threshold_service::Actor;
use threshold_service::audit::Entry;
use threshold_service::users::{NewStaff, StaffForm};

use super::{public_url, when};
use crate::config::Config;
use crate::context;
use crate::exit::BadInput;

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a staff account. The password is read from standard input (asked
    /// twice, without echo, at a terminal); the person sets up their second factor
    /// at first sign-in.
    Add(AddArgs),
    /// List the staff accounts.
    List,
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Their e-mail address (their sign-in name).
    #[arg(long, value_name = "EMAIL")]
    email: String,
    /// A role: administrator, coordinator, clinician, physician or medical-partner.
    /// Repeat the flag (or separate with commas) for several.
    #[arg(long = "role", value_name = "ROLE", value_delimiter = ',')]
    roles: Vec<String>,
    /// Their name [default: the part of the e-mail address before the @]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

pub async fn run(config: &Config, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add(args) => add(config, args).await,
        UserCommand::List => list(config).await,
    }
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password for the new account: ")?;
        let again = rpassword::prompt_password("The same password again: ")?;
        if first != again {
            return Err(BadInput("the two passwords differ; nothing was changed".into()).into());
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

async fn add(config: &Config, args: AddArgs) -> anyhow::Result<()> {
    let name = args.name.unwrap_or_else(|| {
        args.email
            .split('@')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    });
    // Check the fields before asking for a password.
    let staff = NewStaff::parse(&StaffForm {
        email: args.email,
        name,
        roles: args.roles,
    })?;
    let password = read_password()?;
    let services = context::services(config, &public_url(config)).await?;
    let email = staff.email.as_str().to_owned();
    let roles = staff
        .roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let created = services.create_staff_with_password(staff, &password).await;
    services.db.close().await;
    let id = created?;
    println!(
        "created staff account {id} for {email} ({roles}); they set up their second factor at first sign-in"
    );
    Ok(())
}

async fn list(config: &Config) -> anyhow::Result<()> {
    let services = context::services(config, &public_url(config)).await?;
    let users = services
        .db
        .read(|c| threshold_store::users::list(c, true))
        .await?;
    // Reading the staff list is recorded, as it is on the administration page.
    services
        .audit(
            Actor::Operator,
            Entry::ok(AuditAction::UserListed).subjects("user", users.iter().map(|u| u.id)),
        )
        .await?;
    services.db.close().await;
    println!(
        "{:<36}  {:<32}  {:<24}  {:<28}  {:<8}  {:<3}  CREATED",
        "ID", "EMAIL", "NAME", "ROLES", "ACTIVE", "2FA"
    );
    for u in users {
        println!(
            "{:<36}  {:<32}  {:<24}  {:<28}  {:<8}  {:<3}  {}",
            u.id,
            u.email,
            u.name,
            u.roles.names(),
            if u.active { "yes" } else { "no" },
            if u.totp_enabled { "yes" } else { "no" },
            when(u.created_at)
        );
    }
    Ok(())
}
