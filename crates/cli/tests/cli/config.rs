#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use crate::support::{Sandbox, assert_exit, stderr};

#[test]
fn postgresql_without_a_key_file_refuses_to_start() {
    let s = Sandbox::new();
    for args in [vec!["serve"], vec!["user", "list"], vec!["audit", "verify"]] {
        let out = s
            .bare()
            .args(&args)
            .env(
                "THRESHOLD_DATABASE_URL",
                "postgres://threshold@127.0.0.1:1/threshold",
            )
            .env("THRESHOLD_ADDR", "127.0.0.1:0")
            .output()
            .unwrap();
        assert_exit(&out, 2);
        let err = stderr(&out);
        assert!(err.contains("THRESHOLD_KEY_FILE"), "{err}");
        assert!(err.contains("same file"), "{err}");
    }
}

#[test]
fn the_key_file_is_made_beside_the_sqlite_database_readable_only_by_its_owner() {
    let s = Sandbox::new();
    assert_exit(&s.add_user("ada@example.org", "administrator"), 0);
    let key = s.path("threshold.key");
    assert!(key.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn a_lost_key_file_is_not_silently_replaced_when_the_database_holds_data() {
    let s = Sandbox::new();
    assert_exit(&s.add_user("ada@example.org", "administrator"), 0);
    std::fs::remove_file(s.path("threshold.key")).unwrap();

    let out = s.run(&["user", "list"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("threshold.key"), "{}", stderr(&out));
    assert!(!s.path("threshold.key").exists());
}

#[test]
fn the_config_file_names_the_database_and_flags_and_variables_win_over_it() {
    let s = Sandbox::new();
    let file = s.path("threshold.toml");
    std::fs::write(
        &file,
        format!(
            "database_url = \"sqlite://{}\"\nlog = \"warn\"\n",
            s.path("from-file.db").display()
        ),
    )
    .unwrap();

    let out = s
        .bare()
        .arg("migrate")
        .env("THRESHOLD_CONFIG", &file)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(s.path("from-file.db").exists());

    let out = s
        .bare()
        .arg("migrate")
        .env("THRESHOLD_CONFIG", &file)
        .env(
            "THRESHOLD_DATABASE_URL",
            format!("sqlite://{}", s.path("from-env.db").display()),
        )
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(s.path("from-env.db").exists());

    let out = s
        .bare()
        .args(["migrate", "--database-url"])
        .arg(format!("sqlite://{}", s.path("from-flag.db").display()))
        .env("THRESHOLD_CONFIG", &file)
        .env(
            "THRESHOLD_DATABASE_URL",
            format!("sqlite://{}", s.path("from-env.db").display()),
        )
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(s.path("from-flag.db").exists());
}

#[test]
fn a_misspelt_setting_in_the_config_file_is_refused() {
    let s = Sandbox::new();
    let file = s.path("threshold.toml");
    std::fs::write(&file, "databse_url = \"sqlite://x.db\"\n").unwrap();
    let out = s
        .bare()
        .arg("migrate")
        .env("THRESHOLD_CONFIG", &file)
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("databse_url"), "{}", stderr(&out));
}

#[test]
fn the_default_database_lives_in_threshold_data() {
    let s = Sandbox::new();
    let out = s.bare().arg("migrate").output().unwrap();
    assert_exit(&out, 0);
    assert!(s.path("threshold-data/threshold.db").exists());
}
