//! [`Db`]: the handle the rest of Threshold holds. It picks the backend from the
//! URL and runs closures over a [`Conn`] on blocking threads, inside a transaction.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::conn::{Backend, Conn};
use crate::error::{Result, StoreError};
use crate::postgres::PgDb;
use crate::sqlite::SqliteDb;

enum Inner {
    Sqlite(SqliteDb),
    Postgres(PgDb),
}

/// A database, SQLite or PostgreSQL. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend())
            .finish()
    }
}

/// Where a database URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbUrl {
    /// `sqlite://relative/path.db`, `sqlite:///absolute/path.db`, `sqlite:path.db`,
    /// or `postgres://…` / `postgresql://…`.
    pub fn parse(url: &str) -> Result<Self> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(StoreError::Config(
                    "an sqlite:// URL needs a file path".into(),
                ));
            }
            if path.contains('?') || path == ":memory:" {
                return Err(StoreError::Config(
                    "an sqlite:// URL takes a plain file path (no options, no :memory:)".into(),
                ));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_owned()));
        }
        Err(StoreError::Config(
            "the database URL must start with sqlite:// or postgres://".into(),
        ))
    }
}

/// Tuning that does not change behaviour.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Read connections (SQLite) or connections (PostgreSQL).
    pub connections: u32,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { connections: 16 }
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Database(format!("a database task failed: {e}")))
}

impl Db {
    /// Connects (and, for SQLite, creates the file). Does not migrate.
    pub async fn open(url: &str, options: PoolOptions) -> Result<Self> {
        let url = DbUrl::parse(url)?;
        let inner = blocking(move || -> Result<Inner> {
            Ok(match url {
                DbUrl::Sqlite(path) => Inner::Sqlite(SqliteDb::open(&path, options.connections)?),
                DbUrl::Postgres(u) => Inner::Postgres(PgDb::open(&u, options.connections)?),
            })
        })
        .await??;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    pub fn backend(&self) -> Backend {
        match &*self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite file, when the backend is SQLite.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &*self.inner {
            Inner::Sqlite(s) => Some(s.path()),
            Inner::Postgres(_) => None,
        }
    }

    /// Runs `f` in a read-only transaction on a pooled connection.
    ///
    /// SQLite reads run right here, on the calling thread: they are local,
    /// short (paged queries on indexes) and never wait for the writer (WAL), and
    /// handing each to a blocking thread and back cost more than the read itself.
    /// Measured with `bench/queue_load.sh` on 2 cores: about 15–30 % more
    /// requests per second. PostgreSQL reads wait on the network, so they go to
    /// a blocking thread.
    pub async fn read<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Conn) -> std::result::Result<T, E> + Send + 'static,
    {
        match &*self.inner {
            Inner::Sqlite(s) => s.read(f),
            Inner::Postgres(_) => {
                let inner = self.inner.clone();
                blocking(move || match &*inner {
                    Inner::Sqlite(s) => s.read(f),
                    Inner::Postgres(p) => p.read(f),
                })
                .await?
            }
        }
    }

    /// Runs `f` in a read-write transaction. It commits when `f` returns `Ok` and
    /// rolls back `f`'s changes when it returns `Err`. When this returns `Ok`, the
    /// change is durable.
    pub async fn write<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Conn) -> std::result::Result<T, E> + Send + 'static,
    {
        match &*self.inner {
            Inner::Sqlite(s) => {
                let rx = s.submit(f)?;
                rx.await.map_err(|_| E::from(StoreError::Closed))?
            }
            Inner::Postgres(_) => {
                let inner = self.inner.clone();
                blocking(move || match &*inner {
                    Inner::Postgres(p) => p.write(f),
                    Inner::Sqlite(_) => Err(StoreError::Closed.into()),
                })
                .await?
            }
        }
    }

    /// Applies every pending migration; safe when several copies start at once.
    /// Returns the versions applied now.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let inner = self.inner.clone();
        blocking(move || match &*inner {
            Inner::Sqlite(s) => crate::migrate::sqlite(s.path()),
            Inner::Postgres(p) => p.with_client(crate::migrate::postgres),
        })
        .await?
    }

    /// Answers once the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        self.read(|c| c.query_i64("select 1", &[]).map(|_| ()))
            .await
    }

    /// A consistent online copy of an SQLite database into a new file.
    pub async fn backup_to(&self, dest: &Path) -> Result<()> {
        let inner = self.inner.clone();
        let dest = dest.to_owned();
        blocking(move || match &*inner {
            Inner::Sqlite(s) => s.backup_to(&dest),
            Inner::Postgres(_) => Err(StoreError::Config(
                "threshold backup copies SQLite databases; for PostgreSQL use pg_dump (see the README)".into(),
            )),
        })
        .await?
    }

    /// SQLite's `pragma integrity_check` ("ok" when sound); PostgreSQL answers "ok".
    pub async fn integrity_check(&self) -> Result<String> {
        let inner = self.inner.clone();
        blocking(move || match &*inner {
            Inner::Sqlite(s) => s.integrity_check(),
            Inner::Postgres(_) => Ok("ok".to_owned()),
        })
        .await?
    }

    /// Finishes queued writes and stops the writer. Later writes fail with
    /// [`StoreError::Closed`].
    pub async fn close(&self) {
        let inner = self.inner.clone();
        let _ = blocking(move || {
            if let Inner::Sqlite(s) = &*inner {
                s.close();
            }
        })
        .await;
    }
}
