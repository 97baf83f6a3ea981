//! SQLite through rusqlite: a pool of read-only connections on blocking threads,
//! and one writer thread that groups concurrent writes into shared commits.
//!
//! Durability: WAL with `synchronous=FULL`, so a commit is on disk when it returns.
//! A commit costs one fsync (about 5,000 a second on this kind of machine), so the
//! writer takes every write that is waiting, runs each inside its own savepoint
//! (one failing write does not undo the others) and commits them together: many
//! writes, one fsync. Nobody is told "done" before that commit returns.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread::JoinHandle;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use crate::conn::{Backend, Conn};
use crate::error::{Result, StoreError};
use crate::value::{Row, Value};

/// How many waiting writes one commit may carry.
const MAX_BATCH: usize = 256;

/// `cache_kib`: this connection's page cache. Readers keep a small one each (the
/// operating system caches the file for all of them); the writer a larger one.
fn apply_pragmas(c: &Connection, cache_kib: u32) -> rusqlite::Result<()> {
    c.busy_timeout(std::time::Duration::from_secs(10))?;
    c.execute_batch(&format!(
        "pragma foreign_keys = on;
         pragma synchronous = full;
         pragma temp_store = memory;
         pragma cache_size = -{cache_kib};"
    ))?;
    c.set_prepared_statement_cache_capacity(128);
    Ok(())
}

/// Opens a read-write connection with our settings (WAL is a property of the file
/// and is set once, here).
pub(crate) fn open_rw(path: &Path) -> Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    c.busy_timeout(std::time::Duration::from_secs(10))?;
    let mode: String = c.query_row("pragma journal_mode = wal", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Database(format!(
            "could not switch {} to WAL mode (got {mode})",
            path.display()
        )));
    }
    apply_pragmas(&c, 8192)?;
    Ok(c)
}

/// Our queries use PostgreSQL's `$1` placeholders; SQLite spells them `?1`.
fn placeholders(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('$') {
        return sql.into();
    }
    sql.replace('$', "?").into()
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn to_value(v: ValueRef<'_>) -> Result<Value> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(
            std::str::from_utf8(t)
                .map_err(|e| StoreError::Database(format!("invalid UTF-8 in a text column: {e}")))?
                .to_owned(),
        ),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

/// A rusqlite connection (inside a transaction) seen through [`Conn`].
pub(crate) struct SqliteConn<'a>(pub(crate) &'a Connection);

impl Conn for SqliteConn<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(&placeholders(sql))?;
        let n = stmt.execute(rusqlite::params_from_iter(params.iter()))?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut stmt = self.0.prepare_cached(&placeholders(sql))?;
        let cols = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(cols);
            for i in 0..cols {
                vals.push(to_value(r.get_ref(i)?)?);
            }
            out.push(Row(vals));
        }
        Ok(out)
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
}

/// Runs a statement without parameters through the statement cache (the writer
/// runs `savepoint` and `release` for every write).
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// A write waiting for the writer thread.
trait Job: Send {
    /// Runs inside the batch's transaction, in its own savepoint.
    fn run(&mut self, conn: &Connection);
    /// Told how the shared commit went; replies to the caller.
    fn finish(self: Box<Self>, commit: std::result::Result<(), String>);
}

struct WriteJob<T, E, F> {
    f: Option<F>,
    out: Option<std::result::Result<T, E>>,
    reply: oneshot::Sender<std::result::Result<T, E>>,
}

impl<T, E, F> Job for WriteJob<T, E, F>
where
    T: Send,
    E: From<StoreError> + Send,
    F: FnOnce(&mut dyn Conn) -> std::result::Result<T, E> + Send,
{
    fn run(&mut self, conn: &Connection) {
        let Some(f) = self.f.take() else { return };
        if let Err(e) = run_cached(conn, "savepoint job") {
            self.out = Some(Err(StoreError::from(e).into()));
            return;
        }
        let result = catch_unwind(AssertUnwindSafe(|| f(&mut SqliteConn(conn))));
        let out = match result {
            Ok(Ok(v)) => match run_cached(conn, "release job") {
                Ok(()) => Ok(v),
                Err(e) => Err(StoreError::from(e).into()),
            },
            Ok(Err(e)) => {
                let _ = conn.execute_batch("rollback to job; release job");
                Err(e)
            }
            Err(_) => {
                let _ = conn.execute_batch("rollback to job; release job");
                Err(StoreError::Database("a write panicked and was rolled back".into()).into())
            }
        };
        self.out = Some(out);
    }

    fn finish(self: Box<Self>, commit: std::result::Result<(), String>) {
        let out = match (self.out, commit) {
            (Some(Ok(_)), Err(e)) => {
                Err(StoreError::Database(format!("commit failed: {e}")).into())
            }
            (Some(out), _) => out,
            (None, Err(e)) => Err(StoreError::Database(format!("transaction failed: {e}")).into()),
            (None, Ok(())) => Err(StoreError::Database("write was not run".into()).into()),
        };
        let _ = self.reply.send(out);
    }
}

/// Keeps the query planner's statistics current (SQLite's advice for long-lived
/// connections: `pragma optimize` at open and then about hourly), so queries such
/// as the inquiry queue keep using the index that avoids sorting the table.
fn optimize(conn: &Connection, at_open: bool) {
    let sql = if at_open {
        "pragma analysis_limit = 1000; pragma optimize = 0x10002;"
    } else {
        "pragma analysis_limit = 1000; pragma optimize;"
    };
    if let Err(e) = conn.execute_batch(sql) {
        tracing::warn!(error = %e, "pragma optimize failed");
    }
}

const OPTIMIZE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

fn writer_loop(conn: Connection, rx: mpsc::Receiver<Box<dyn Job>>) {
    optimize(&conn, true);
    let mut optimized = std::time::Instant::now();
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("begin immediate") {
            let msg = e.to_string();
            for j in batch {
                j.finish(Err(msg.clone()));
            }
            continue;
        }
        for j in &mut batch {
            j.run(&conn);
        }
        let commit = conn.execute_batch("commit").map_err(|e| e.to_string());
        if commit.is_err() {
            let _ = conn.execute_batch("rollback");
        }
        for j in batch {
            j.finish(commit.clone());
        }
        if optimized.elapsed() >= OPTIMIZE_EVERY {
            optimize(&conn, false);
            optimized = std::time::Instant::now();
        }
    }
    // Every sender is gone: the queue is drained and the last commit is on disk.
    let _ = conn.execute_batch("pragma wal_checkpoint(passive)");
}

/// The SQLite backend.
pub struct SqliteDb {
    path: PathBuf,
    readers: r2d2::Pool<SqliteConnectionManager>,
    writer: Mutex<Option<mpsc::Sender<Box<dyn Job>>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl SqliteDb {
    /// Opens (creating if needed) the database file. Migrations are separate.
    pub fn open(path: &Path, readers: u32) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Config(format!("cannot create the folder {}: {e}", dir.display()))
            })?;
        }
        let writer_conn = open_rw(path)?;
        let manager = SqliteConnectionManager::file(path).with_init(|c| {
            apply_pragmas(c, 2048)?;
            c.execute_batch("pragma query_only = on")
        });
        let readers = r2d2::Pool::builder()
            .max_size(readers.max(1))
            // A connection to a local file does not go stale.
            .test_on_check_out(false)
            .min_idle(Some(1))
            .build(manager)?;
        let (tx, rx) = mpsc::channel::<Box<dyn Job>>();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(writer_conn, rx))
            .map_err(|e| StoreError::Database(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            path: path.to_owned(),
            readers,
            writer: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn read<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&mut dyn Conn) -> std::result::Result<T, E>,
    {
        let c = self.readers.get().map_err(StoreError::from)?;
        // One snapshot for all of `f`'s queries. Begin and commit go through the
        // statement cache: a read is small, and parsing them each time showed.
        run_cached(&c, "begin").map_err(StoreError::from)?;
        let out = f(&mut SqliteConn(&c));
        let end = run_cached(&c, if out.is_ok() { "commit" } else { "rollback" });
        let out = out?;
        end.map_err(StoreError::from)?;
        Ok(out)
    }

    pub(crate) fn submit<T, E, F>(
        &self,
        f: F,
    ) -> std::result::Result<oneshot::Receiver<std::result::Result<T, E>>, StoreError>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Conn) -> std::result::Result<T, E> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job = Box::new(WriteJob {
            f: Some(f),
            out: None,
            reply,
        });
        let guard = self.writer.lock().map_err(|_| StoreError::Closed)?;
        let sender = guard.as_ref().ok_or(StoreError::Closed)?;
        sender.send(job).map_err(|_| StoreError::Closed)?;
        Ok(rx)
    }

    /// Stops taking writes, lets the writer finish what is queued, and waits for it.
    pub(crate) fn close(&self) {
        if let Ok(mut w) = self.writer.lock() {
            w.take();
        }
        let handle = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(h) = handle {
            let _ = h.join();
        }
    }

    /// A consistent copy of the live database in one read transaction
    /// (`vacuum into`), safe while the server runs.
    pub(crate) fn backup_to(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Config(format!(
                "{} already exists; choose a new file name",
                dest.display()
            )));
        }
        let c = open_rw(&self.path)?;
        let dest = dest
            .to_str()
            .ok_or_else(|| StoreError::Config("the backup path is not valid UTF-8".into()))?;
        c.execute("vacuum into ?1", [dest])?;
        Ok(())
    }

    pub(crate) fn integrity_check(&self) -> Result<String> {
        let c = self.readers.get()?;
        let rows: Vec<String> = c
            .prepare("pragma integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows.join("\n"))
    }
}

impl Drop for SqliteDb {
    fn drop(&mut self) {
        self.close();
    }
}
