//! The same operator story on PostgreSQL, on a database of its own on the server
//! named by `THRESHOLD_TEST_POSTGRES_URL` (skipped without it, except under CI=true).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::{PASSWORD, Sandbox, assert_exit, stderr, stdout};

/// A fresh PostgreSQL database, dropped afterwards.
struct PgDb {
    admin: String,
    name: String,
    url: String,
}

impl PgDb {
    fn create() -> Option<Self> {
        let admin = match std::env::var("THRESHOLD_TEST_POSTGRES_URL") {
            Ok(u) if !u.trim().is_empty() => u,
            _ if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => {
                panic!(
                    "CI=true but THRESHOLD_TEST_POSTGRES_URL is not set: the PostgreSQL suite must run in CI"
                )
            }
            _ => {
                eprintln!("skipping: THRESHOLD_TEST_POSTGRES_URL is not set");
                return None;
            }
        };
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        c.batch_execute(&format!("create database {name}")).unwrap();
        let base = admin.split('?').next().unwrap();
        let root = match base.rfind('/') {
            Some(i) if i > base.find("://").map_or(0, |s| s + 2) => &base[..i],
            _ => base,
        };
        let url = format!("{root}/{name}");
        Some(Self { admin, name, url })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "drop database if exists {} with (force)",
                self.name
            ));
        }
    }
}

#[test]
fn on_postgresql_the_operator_commands_use_the_shared_key_file() {
    let Some(pg) = PgDb::create() else { return };
    let s = Sandbox::new();
    let key = s.path("shared.key");
    let key_arg = key.to_str().unwrap();

    assert_exit(
        &s.bare().args(["keygen", "--to", key_arg]).output().unwrap(),
        0,
    );
    // keygen never overwrites a key.
    assert_exit(
        &s.bare().args(["keygen", "--to", key_arg]).output().unwrap(),
        2,
    );

    let run = |args: &[&str], stdin: &str| {
        let mut cmd = s.bare();
        cmd.args(args)
            .env("THRESHOLD_DATABASE_URL", &pg.url)
            .env("THRESHOLD_KEY_FILE", &key);
        Sandbox::run_with(cmd, stdin)
    };
    let added = run(
        &[
            "user",
            "add",
            "--email",
            "ada@example.org",
            "--role",
            "administrator",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_exit(&added, 0);
    let token = run(
        &[
            "token",
            "create",
            "--email",
            "ada@example.org",
            "--name",
            "t",
        ],
        "",
    );
    assert_exit(&token, 0);
    assert_eq!(stdout(&token).lines().count(), 1);
    assert!(stdout(&token).starts_with("thr_"));

    let verify = run(&["audit", "verify"], "");
    assert_exit(&verify, 0);
    assert_eq!(stdout(&verify).trim(), "audit trail intact: 2 entries");

    let backup = run(&["backup", "--to", "copy.db"], "");
    assert_exit(&backup, 1);
    assert!(stderr(&backup).contains("pg_dump"), "{}", stderr(&backup));

    // A key file that is named but missing stops the command; none is made.
    let mut cmd = s.bare();
    cmd.args(["user", "list"])
        .env("THRESHOLD_DATABASE_URL", &pg.url)
        .env("THRESHOLD_KEY_FILE", s.path("missing.key"));
    let missing = Sandbox::run_with(cmd, "");
    assert_exit(&missing, 1);
    assert!(
        stderr(&missing).contains("same file"),
        "{}",
        stderr(&missing)
    );
    assert!(!s.path("missing.key").exists());
}
