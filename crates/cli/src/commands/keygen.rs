//! `threshold keygen --to FILE`: a new field-encryption key file (mode 0600), for
//! PostgreSQL deployments where every server copy must share one.

use std::path::PathBuf;

use threshold_service::FieldCipher;

use crate::exit::BadInput;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The new key file (an existing file is never overwritten).
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.to.exists() {
        return Err(BadInput(format!(
            "{} already exists; choose a new file name",
            args.to.display()
        ))
        .into());
    }
    FieldCipher::load_or_create(&args.to, true)?;
    println!(
        "wrote a new key file to {}; keep it secret and backed up",
        args.to.display()
    );
    Ok(())
}
