//! The connection interface our queries are written against.
//!
//! Why our own trait rather than one driver for both databases: SQLite is served
//! fastest through rusqlite on blocking threads (three times sqlx's SQLite driver
//! on this kind of machine, see STACK.md), while PostgreSQL needs its own driver.
//! This trait is the small common floor: one query text, written once in plain
//! lowercase SQL with `$1` placeholders, runs on either, so both backends keep one
//! behaviour and one set of tests.

use crate::error::{Result, StoreError};
use crate::value::{Row, Value};

/// Which database a connection talks to, for the rare query that must differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection inside a transaction. Everything a closure passed to
/// [`crate::Db::read`] or [`crate::Db::write`] does goes through this.
pub trait Conn {
    /// Runs a statement, returning the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    /// Runs a query, returning every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;
    fn backend(&self) -> Backend;
}

impl dyn Conn + '_ {
    /// Exactly one row, or [`StoreError::NoRow`].
    pub fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row> {
        self.query(sql, params)?
            .into_iter()
            .next()
            .ok_or(StoreError::NoRow)
    }

    /// The first row, if any.
    pub fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// A single integer (a count).
    pub fn query_i64(&mut self, sql: &str, params: &[Value]) -> Result<i64> {
        self.query_one(sql, params)?.get(0)
    }
}
