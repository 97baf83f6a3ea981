//! `threshold token create|revoke|list`: staff API tokens. `create` prints the
//! token alone on standard output (so `TOKEN=$(threshold token create …)` works);
//! everything else it says goes to standard error.

use threshold_domain::ids::TokenId;
use threshold_service::Actor;
use threshold_store::tokens::TokenRow;

use super::{public_url, when};
use crate::config::Config;
use crate::context;
use crate::exit::BadInput;

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token for a staff account and print it (shown only this once).
    Create {
        /// The staff account's e-mail address.
        #[arg(long, value_name = "EMAIL")]
        email: String,
        /// A label, to tell tokens apart (e.g. "reporting script").
        #[arg(long, value_name = "LABEL")]
        name: String,
    },
    /// Revoke a token, by the id `threshold token list` shows.
    Revoke {
        /// The token's id.
        id: String,
    },
    /// List a staff account's tokens.
    List {
        /// The staff account's e-mail address.
        #[arg(long, value_name = "EMAIL")]
        email: String,
    },
}

pub async fn run(config: &Config, cmd: TokenCommand) -> anyhow::Result<()> {
    // Check the id before touching the database.
    let revoke_id = match &cmd {
        TokenCommand::Revoke { id } => Some(id.trim().parse::<TokenId>().map_err(|_| {
            BadInput(format!(
                "{id:?} is not a token id (see `threshold token list`)"
            ))
        })?),
        _ => None,
    };
    let services = context::services(config, &public_url(config)).await?;
    let not_found = match &cmd {
        TokenCommand::Revoke { .. } => "no token has this id",
        _ => "no account has this e-mail address",
    };
    let result = match cmd {
        TokenCommand::Create { email, name } => services
            .create_token(Actor::Operator, &email, &name)
            .await
            .map(|(id, secret)| {
                println!("{secret}");
                eprintln!("created token {id}; it is shown only now, so store it safely");
            }),
        TokenCommand::Revoke { .. } => match revoke_id {
            Some(id) => services
                .revoke_token_as_operator(id)
                .await
                .map(|()| eprintln!("revoked token {id}")),
            None => Ok(()),
        },
        TokenCommand::List { email } => services.tokens_of(&email).await.map(print_tokens),
    };
    services.db.close().await;
    match result {
        Err(threshold_service::Error::NotFound) => anyhow::bail!("not found: {not_found}"),
        other => Ok(other?),
    }
}

fn print_tokens(tokens: Vec<TokenRow>) {
    println!(
        "{:<36}  {:<24}  {:<20}  {:<20}  REVOKED",
        "ID", "NAME", "CREATED", "LAST USED"
    );
    for t in tokens {
        println!(
            "{:<36}  {:<24}  {:<20}  {:<20}  {}",
            t.id,
            t.name,
            when(t.created_at),
            t.last_used_at.map(when).unwrap_or_else(|| "never".into()),
            t.revoked_at.map(when).unwrap_or_else(|| "no".into()),
        );
    }
}
