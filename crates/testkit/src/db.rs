//! A fresh, migrated database per test.

use std::path::PathBuf;

use threshold_store::{Db, PoolOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends this run must cover: SQLite always; PostgreSQL when
/// `THRESHOLD_TEST_POSTGRES_URL` is set (and it must be, under `CI=true`).
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        v.push(Backend::Postgres);
    }
    v
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The admin URL of the test PostgreSQL server, if this run tests PostgreSQL.
///
/// # Panics
/// Under `CI=true` without `THRESHOLD_TEST_POSTGRES_URL`: CI must test both.
pub fn postgres_url() -> Option<String> {
    match std::env::var("THRESHOLD_TEST_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ if ci() => panic!(
            "CI=true but THRESHOLD_TEST_POSTGRES_URL is not set: the PostgreSQL suite must run in CI"
        ),
        _ => None,
    }
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    pub backend: Backend,
    dir: Option<PathBuf>,
    pg: Option<(String, String)>,
}

fn replace_db_name(url: &str, name: &str) -> String {
    // postgres://user@host:port/dbname?opts -> same with another dbname
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| scheme_end + i);
    let root = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

impl TestDb {
    /// A fresh database on `backend`, migrated.
    pub async fn new(backend: Backend) -> Self {
        let t = Self::empty(backend).await;
        t.db.migrate().await.expect("migrations apply");
        t
    }

    /// A fresh PostgreSQL database, or `None` (skipped) when this run does not test
    /// PostgreSQL. Fails under CI when it should and cannot.
    pub async fn postgres_if_configured() -> Option<Self> {
        if postgres_url().is_none() {
            eprintln!("skipping the PostgreSQL half: THRESHOLD_TEST_POSTGRES_URL is not set");
            return None;
        }
        Some(Self::new(Backend::Postgres).await)
    }

    /// A fresh database, not migrated.
    pub async fn empty(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir()
                    .join(format!("threshold-test-{}", uuid::Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = format!("sqlite://{}", dir.join("test.db").display());
                let db = Db::open(&url, PoolOptions { connections: 8 })
                    .await
                    .expect("open sqlite");
                Self {
                    db,
                    url,
                    backend,
                    dir: Some(dir),
                    pg: None,
                }
            }
            Backend::Postgres => {
                let admin = postgres_url().expect("THRESHOLD_TEST_POSTGRES_URL");
                let name = format!("t_{}", uuid::Uuid::new_v4().simple());
                let admin2 = admin.clone();
                let name2 = name.clone();
                std::thread::spawn(move || {
                    let mut c = postgres::Client::connect(&admin2, postgres::NoTls).unwrap_or_else(|e| {
                        panic!("cannot reach the test PostgreSQL at THRESHOLD_TEST_POSTGRES_URL: {e}")
                    });
                    c.batch_execute(&format!("create database {name2}")).expect("create test database");
                })
                .join()
                .expect("create database thread");
                let url = replace_db_name(&admin, &name);
                let db = Db::open(&url, PoolOptions { connections: 8 })
                    .await
                    .expect("open postgres");
                Self {
                    db,
                    url,
                    backend,
                    dir: None,
                    pg: Some((admin, name)),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = self.pg.take() {
            // The sync client must not run on an async thread.
            let _ = std::thread::spawn(move || {
                if let Ok(mut c) = postgres::Client::connect(&admin, postgres::NoTls) {
                    let _ =
                        c.batch_execute(&format!("drop database if exists {name} with (force)"));
                }
            })
            .join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replace_db_name;

    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(
            replace_db_name("postgres://postgres@127.0.0.1:5432/postgres", "t_1"),
            "postgres://postgres@127.0.0.1:5432/t_1"
        );
        assert_eq!(
            replace_db_name("postgres://u@h", "t_1"),
            "postgres://u@h/t_1"
        );
        assert_eq!(
            replace_db_name("postgres://u@h/x?sslmode=disable", "t_1"),
            "postgres://u@h/t_1?sslmode=disable"
        );
    }
}
