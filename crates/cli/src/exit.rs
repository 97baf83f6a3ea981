//! Exit codes: 0 done, 1 failed, 2 bad input (what the person typed, or the
//! configuration, must change). Commands return `anyhow::Result`; [`report`]
//! prints the error and picks the code from what caused it.

use std::process::ExitCode;

use threshold_domain::Invalid;

/// Input refused before anything was changed: exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

pub const BAD_INPUT: u8 = 2;

fn print_invalid(inv: &Invalid) -> ExitCode {
    for e in &inv.0 {
        eprintln!("error: {}: {}", e.field, e.message);
    }
    ExitCode::from(BAD_INPUT)
}

/// Prints `err` on standard error and returns the exit code it deserves.
pub fn report(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(threshold_service::Error::Invalid(inv)) =
            cause.downcast_ref::<threshold_service::Error>()
        {
            return print_invalid(inv);
        }
        if let Some(inv) = cause.downcast_ref::<Invalid>() {
            return print_invalid(inv);
        }
        if cause.downcast_ref::<BadInput>().is_some() {
            eprintln!("error: {err:#}");
            return ExitCode::from(BAD_INPUT);
        }
    }
    eprintln!("error: {err:#}");
    ExitCode::FAILURE
}
