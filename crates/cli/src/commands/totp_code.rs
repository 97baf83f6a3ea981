//! `threshold totp-code SECRET`: the current code for a base32 TOTP secret
//! ([RFC 6238](https://www.rfc-editor.org/rfc/rfc6238): HMAC-SHA-1, six digits,
//! 30-second steps), for demo sign-ins without an authenticator app.

use totp_rs::{Builder, Secret};

use crate::exit::BadInput;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The base32 secret, as `threshold demo` prints it.
    secret: String,
    /// The code at this Unix time (seconds) instead of now.
    #[arg(long, value_name = "UNIX_SECONDS")]
    at: Option<u64>,
}

/// The code for `secret` at `unix_secs`.
pub fn code(secret: &str, unix_secs: u64) -> Result<String, BadInput> {
    let normalized: String = secret
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let secret = Secret::try_from_base32(&normalized)
        .map_err(|_| BadInput("the secret is not base32 (letters A-Z and digits 2-7)".into()))?;
    let totp = Builder::new()
        .with_secret(secret)
        .build()
        .map_err(|e| BadInput(format!("the secret cannot be used: {e}")))?;
    Ok(totp.generate(unix_secs).to_string())
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let now = match args.at {
        Some(t) => t,
        None => u64::try_from(jiff::Timestamp::now().as_second())?,
    };
    println!("{}", code(&args.secret, now)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA-1 seed "12345678901234567890", last six digits.
    const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_the_rfc_test_vectors() -> Result<(), BadInput> {
        assert_eq!(code(SEED, 59)?, "287082");
        assert_eq!(code(SEED, 1_111_111_109)?, "081804");
        assert_eq!(code(&SEED.to_lowercase(), 2_000_000_000)?, "279037");
        Ok(())
    }

    #[test]
    fn a_secret_that_is_not_base32_is_refused() {
        assert!(code("not base32!", 59).is_err());
    }
}
