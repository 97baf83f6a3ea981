//! The `threshold` binary, run as a subprocess: these tests are about the binary
//! itself (its flags, exit codes, standard output and signals), each on its own
//! database in its own folder.
// Tests say what they expect by failing loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod backup;
mod config;
mod demo;
mod durability;
mod help;
mod on_postgresql;
mod support;
mod users_and_tokens;
