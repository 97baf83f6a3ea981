//! Threshold's storage. One set of queries, written once in plain SQL, runs on
//! SQLite (rusqlite) and PostgreSQL (postgres); see [`conn`] for why.
//!
//! Each module below holds the queries of one resource as plain functions over a
//! [`Conn`], so a use case composes several of them inside one transaction (the
//! change and its audit entry commit together or not at all).
#![forbid(unsafe_code)]

pub mod audit;
mod builder;
pub mod careplan;
pub mod clients;
pub mod conn;
mod db;
pub mod error;
pub mod feeds;
pub mod groups;
pub mod inquiries;
pub mod intakes;
pub mod invitations;
pub mod journeys;
pub mod locations;
mod migrate;
pub mod outbox;
mod postgres;
pub mod questionnaires;
pub mod resets;
pub mod schedule;
pub mod sessions;
mod sqlite;
pub mod throttle;
pub mod tokens;
pub mod users;
mod value;

pub use conn::{Backend, Conn};
pub use db::{Db, DbUrl, PoolOptions};
pub use error::{Result, StoreError};
pub use value::{FromValue, Row, Value};
