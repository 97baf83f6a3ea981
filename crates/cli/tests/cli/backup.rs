#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use crate::support::{Sandbox, assert_exit, stderr};

#[test]
fn a_backup_is_a_sound_database_holding_the_accounts() {
    let s = Sandbox::new();
    assert_exit(&s.add_user("ada@example.org", "administrator"), 0);
    assert_exit(&s.add_user("grace@example.org", "clinician"), 0);
    let dest = s.path("copy.db");

    let out = s.run(&["backup", "--to", dest.to_str().unwrap()]);
    assert_exit(&out, 0);

    let copy = rusqlite::Connection::open(&dest).unwrap();
    let check: String = copy
        .query_row("pragma integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut emails: Vec<String> = copy
        .prepare("select email from users order by email")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    emails.sort();
    assert_eq!(emails, ["ada@example.org", "grace@example.org"]);
    // It reminds the operator that the key file is not inside.
    assert!(stderr(&out).contains("threshold.key"), "{}", stderr(&out));
}

#[test]
fn a_backup_never_overwrites_an_existing_file() {
    let s = Sandbox::new();
    assert_exit(&s.add_user("ada@example.org", "administrator"), 0);
    let dest = s.path("existing.db");
    std::fs::write(&dest, "keep me").unwrap();

    let out = s.run(&["backup", "--to", dest.to_str().unwrap()]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "keep me");
}

#[test]
fn a_backup_of_a_postgresql_database_points_at_pg_dump() {
    let s = Sandbox::new();
    let out = s
        .bare()
        .args([
            "backup",
            "--to",
            "x.db",
            "--database-url",
            "postgres://127.0.0.1:1/none",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("pg_dump"), "{}", stderr(&out));
    assert!(!s.path("x.db").exists());
}

#[test]
fn a_backup_of_a_missing_database_is_refused() {
    let s = Sandbox::new();
    let out = s.run(&["backup", "--to", s.path("copy.db").to_str().unwrap()]);
    assert_exit(&out, 2);
    assert!(!s.db_path().exists(), "no empty database is created");
}
