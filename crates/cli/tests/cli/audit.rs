#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use crate::support::{Sandbox, assert_exit, stderr, stdout};

#[test]
fn a_fresh_audit_trail_verifies() {
    let s = Sandbox::new();
    assert_exit(&s.run(&["migrate"]), 0);
    assert_exit(&s.add_user("ada@example.org", "administrator"), 0);
    let out = s.run(&["audit", "verify"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out).trim(), "audit trail intact: 1 entries");
}

#[test]
fn a_changed_entry_is_named_and_fails_verification() {
    let s = Sandbox::new();
    assert_exit(&s.run(&["migrate"]), 0);
    assert_exit(&s.add_user("ada@example.org", "administrator"), 0);
    s.sqlite()
        .execute_batch(
            "drop trigger audit_log_no_update; update audit_log set action = 'x' where seq = 1;",
        )
        .unwrap();

    let out = s.run(&["audit", "verify"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("entry 1"), "{err}");
    assert!(!stdout(&out).contains("intact"));
}

#[test]
fn a_removed_entry_is_named_and_fails_verification() {
    let s = Sandbox::new();
    assert_exit(&s.run(&["migrate"]), 0);
    for email in ["a@example.org", "b@example.org", "c@example.org"] {
        assert_exit(&s.add_user(email, "clinician"), 0);
    }
    assert_exit(&s.run(&["audit", "verify"]), 0);
    s.sqlite()
        .execute_batch("drop trigger audit_log_no_delete; delete from audit_log where seq = 2;")
        .unwrap();

    let out = s.run(&["audit", "verify"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("entry 3"), "{err}");
    assert!(err.contains("expected sequence number 2"), "{err}");
}

#[test]
fn removing_the_newest_entry_fails_verification() {
    let s = Sandbox::new();
    assert_exit(&s.add_user("a@example.org", "clinician"), 0);
    assert_exit(&s.add_user("b@example.org", "clinician"), 0);
    s.sqlite()
        .execute_batch("drop trigger audit_log_no_delete; delete from audit_log where seq = 2;")
        .unwrap();
    let out = s.run(&["audit", "verify"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("removed"), "{}", stderr(&out));
}
