#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use crate::support::{Sandbox, assert_exit, stdout};

const EVERY_SETTING: [&str; 14] = [
    "THRESHOLD_ADDR",
    "THRESHOLD_DATABASE_URL",
    "THRESHOLD_PUBLIC_URL",
    "THRESHOLD_SMTP_URL",
    "THRESHOLD_MAIL_FROM",
    "THRESHOLD_KEY_FILE",
    "THRESHOLD_BEHIND_TLS",
    "THRESHOLD_TRUSTED_PROXIES",
    "THRESHOLD_CLINIC_NAME",
    "THRESHOLD_DB_CONNECTIONS",
    "THRESHOLD_PUBLIC_REQUESTS_PER_HOUR",
    "THRESHOLD_LOG",
    "THRESHOLD_LOG_FORMAT",
    "THRESHOLD_CONFIG",
];

#[test]
fn the_help_of_every_subcommand_names_the_environment_variables_it_reads() {
    let s = Sandbox::new();
    for sub in [
        vec!["serve"],
        vec!["demo"],
        vec!["migrate"],
        vec!["backup"],
        vec!["user", "add"],
        vec!["user", "list"],
        vec!["token", "create"],
        vec!["token", "revoke"],
        vec!["token", "list"],
        vec!["audit", "verify"],
    ] {
        let out = s.bare().args(&sub).arg("--help").output().unwrap();
        assert_exit(&out, 0);
        let help = stdout(&out);
        for var in EVERY_SETTING {
            assert!(
                help.contains(var),
                "`threshold {} --help` does not mention {var}:\n{help}",
                sub.join(" ")
            );
        }
    }
}

#[test]
fn the_help_shows_the_defaults_and_the_demo_defaults() {
    let s = Sandbox::new();
    let help = stdout(&s.bare().args(["demo", "--help"]).output().unwrap());
    assert!(help.contains("127.0.0.1:8080"), "{help}");
    assert!(
        help.contains("sqlite://threshold-data/threshold.db"),
        "{help}"
    );
    assert!(help.contains("sqlite://threshold-data/demo.db"), "{help}");
}

#[test]
fn the_help_never_shows_the_values_of_secret_settings() {
    let s = Sandbox::new();
    let out = s
        .bare()
        .args(["serve", "--help"])
        .env(
            "THRESHOLD_SMTP_URL",
            "smtp://mailer:hunter2@smtp.example:587",
        )
        .env(
            "THRESHOLD_DATABASE_URL",
            "postgres://threshold:swordfish@db.example/threshold",
        )
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let help = stdout(&out);
    assert!(!help.contains("hunter2"), "{help}");
    assert!(!help.contains("swordfish"), "{help}");
}
