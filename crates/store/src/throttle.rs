//! Failure counters for sign-in throttling, kept in the database so every server
//! copy sees the same count for an account.

use crate::conn::Conn;
use crate::error::Result;
use crate::params;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub failures: i64,
    pub window_start_ms: i64,
    pub locked_until_ms: Option<i64>,
}

pub fn get(c: &mut dyn Conn, key: &str) -> Result<Option<Counter>> {
    c.query_opt(
        "select failures, window_start, locked_until from throttle where key = $1",
        params![key],
    )?
    .map(|r| {
        Ok(Counter {
            failures: r.get(0)?,
            window_start_ms: r.get(1)?,
            locked_until_ms: r.get(2)?,
        })
    })
    .transpose()
}

pub fn put(c: &mut dyn Conn, key: &str, v: Counter) -> Result<()> {
    c.execute(
        "insert into throttle (key, failures, window_start, locked_until) values ($1, $2, $3, $4)
         on conflict (key) do update set failures = excluded.failures,
             window_start = excluded.window_start, locked_until = excluded.locked_until",
        params![key, v.failures, v.window_start_ms, v.locked_until_ms],
    )?;
    Ok(())
}

pub fn clear(c: &mut dyn Conn, key: &str) -> Result<()> {
    c.execute("delete from throttle where key = $1", params![key])?;
    Ok(())
}
