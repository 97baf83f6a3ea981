#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use crate::support::{PASSWORD, Sandbox, assert_exit, count, stderr, stdout};

#[test]
fn a_user_added_with_the_password_on_standard_input_can_be_given_a_token() {
    let s = Sandbox::new();
    let added = s.add_user("Ada.Lovelace@Example.org", "administrator");
    assert_exit(&added, 0);

    let token = s.run(&[
        "token",
        "create",
        "--email",
        "ada.lovelace@example.org",
        "--name",
        "reporting",
    ]);
    assert_exit(&token, 0);
    let out = stdout(&token);
    assert!(out.starts_with("thr_"), "{out}");

    // The account holds a password hash, not the password, and the name defaulted.
    let db = s.sqlite();
    let (name, hash): (String, String) = db
        .query_row(
            "select name, password_hash from users where email = 'ada.lovelace@example.org'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(name, "Ada.Lovelace");
    assert!(hash.starts_with("$argon2"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[test]
fn token_create_prints_the_token_alone_on_one_line() {
    let s = Sandbox::new();
    assert_exit(&s.add_user("grace@example.org", "coordinator"), 0);
    let token = s.run(&[
        "token",
        "create",
        "--email",
        "grace@example.org",
        "--name",
        "script",
    ]);
    assert_exit(&token, 0);
    let out = stdout(&token);
    assert!(out.ends_with('\n'));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "stdout was {out:?}");
    assert!(lines[0].starts_with("thr_") && lines[0].len() > 40, "{out}");
    assert!(!lines[0].contains(' '));
    // Only its hash is stored.
    assert_eq!(count(&s.db_path(), "select count(*) from api_tokens"), 1);
    let stored = s
        .sqlite()
        .query_row("select token_hash from api_tokens", [], |r| {
            r.get::<_, String>(0)
        })
        .unwrap();
    assert_ne!(stored, lines[0]);
}

#[test]
fn adding_a_user_with_an_unknown_role_exits_2_naming_the_roles_field_and_changes_nothing() {
    let s = Sandbox::new();
    assert_exit(&s.run(&["migrate"]), 0);
    let out = s.add_user("mallory@example.org", "wizard");
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("roles"), "{err}");
    assert!(err.contains("wizard"), "{err}");
    assert_eq!(count(&s.db_path(), "select count(*) from users"), 0);
}

#[test]
fn adding_a_user_without_a_role_or_with_a_short_password_names_the_field() {
    let s = Sandbox::new();
    let no_role = Sandbox::run_with(
        s.cmd(&["user", "add", "--email", "a@example.org"]),
        "long enough password\n",
    );
    assert_exit(&no_role, 2);
    assert!(stderr(&no_role).contains("roles"), "{}", stderr(&no_role));

    let short = Sandbox::run_with(
        s.cmd(&[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--role",
            "clinician",
        ]),
        "short\n",
    );
    assert_exit(&short, 2);
    assert!(stderr(&short).contains("password"), "{}", stderr(&short));
    assert_eq!(count(&s.db_path(), "select count(*) from users"), 0);
}

#[test]
fn adding_the_same_email_twice_exits_2_naming_the_email_field() {
    let s = Sandbox::new();
    assert_exit(&s.add_user("ada@example.org", "clinician"), 0);
    let again = s.add_user("ADA@example.org", "physician");
    assert_exit(&again, 2);
    assert!(stderr(&again).contains("email"), "{}", stderr(&again));
}

#[test]
fn several_roles_can_be_given() {
    let s = Sandbox::new();
    let out = Sandbox::run_with(
        s.cmd(&[
            "user",
            "add",
            "--email",
            "ada@example.org",
            "--role",
            "clinician",
            "--role",
            "physician",
        ]),
        &format!("{PASSWORD}\n"),
    );
    assert_exit(&out, 0);
    let list = s.run(&["user", "list"]);
    assert_exit(&list, 0);
    let row = stdout(&list)
        .lines()
        .find(|l| l.contains("ada@example.org"))
        .map(str::to_owned)
        .unwrap();
    assert!(
        row.contains("clinician") && row.contains("physician"),
        "{row}"
    );
}

#[test]
fn a_token_for_an_unknown_account_is_refused_naming_the_email_field() {
    let s = Sandbox::new();
    assert_exit(&s.run(&["migrate"]), 0);
    let out = s.run(&[
        "token",
        "create",
        "--email",
        "nobody@example.org",
        "--name",
        "x",
    ]);
    assert_exit(&out, 2);
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("email"), "{}", stderr(&out));
}

#[test]
fn a_revoked_token_is_listed_as_revoked_and_cannot_be_revoked_twice() {
    let s = Sandbox::new();
    assert_exit(&s.add_user("ada@example.org", "administrator"), 0);
    assert_exit(
        &s.run(&[
            "token",
            "create",
            "--email",
            "ada@example.org",
            "--name",
            "backup-job",
        ]),
        0,
    );

    let list = stdout(&s.run(&["token", "list", "--email", "ada@example.org"]));
    let row = list
        .lines()
        .find(|l| l.contains("backup-job"))
        .map(str::to_owned)
        .unwrap();
    let id = row.split_whitespace().next().unwrap().to_owned();
    assert!(row.trim_end().ends_with("no"), "{row}");

    assert_exit(&s.run(&["token", "revoke", &id]), 0);
    let list = stdout(&s.run(&["token", "list", "--email", "ada@example.org"]));
    let row = list
        .lines()
        .find(|l| l.contains("backup-job"))
        .map(str::to_owned)
        .unwrap();
    assert!(
        row.trim_end().ends_with("UTC"),
        "the revocation time is shown: {row}"
    );
    assert_eq!(
        count(
            &s.db_path(),
            "select count(*) from api_tokens where revoked_at is not null"
        ),
        1
    );

    let again = s.run(&["token", "revoke", &id]);
    assert_exit(&again, 1);
    assert!(
        stderr(&again).contains("already revoked"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn revoking_a_malformed_token_id_exits_2() {
    let s = Sandbox::new();
    let out = s.run(&["token", "revoke", "not-an-id"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("not a token id"), "{}", stderr(&out));
}
