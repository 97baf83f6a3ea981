//! A folder and a database per test, and helpers to run the binary in it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const PASSWORD: &str = "correct horse battery staple";

/// A fresh folder holding one SQLite database (and its key file); removed on drop.
pub struct Sandbox {
    pub dir: PathBuf,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("threshold-cli-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn db_path(&self) -> PathBuf {
        self.path("t.db")
    }

    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.db_path().display())
    }

    /// The binary with no THRESHOLD_* variable from the test's environment,
    /// running in this folder, without a database flag.
    pub fn bare(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_threshold"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("THRESHOLD_") {
                cmd.env_remove(key);
            }
        }
        cmd.current_dir(&self.dir);
        cmd
    }

    /// The binary with `args`, on this sandbox's database.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.bare();
        cmd.args(args).arg("--database-url").arg(self.db_url());
        cmd
    }

    /// Runs `cmd` with `stdin` as its standard input.
    pub fn run_with(mut cmd: Command, stdin: &str) -> Output {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Self::run_with(self.cmd(args), "")
    }

    /// `threshold user add` with the password on standard input.
    pub fn add_user(&self, email: &str, role: &str) -> Output {
        Self::run_with(
            self.cmd(&["user", "add", "--email", email, "--role", role]),
            &format!("{PASSWORD}\n"),
        )
    }

    pub fn sqlite(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db_path()).unwrap()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts `o` exited with `code`, showing its output when not.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

pub fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}
