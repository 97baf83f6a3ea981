#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use threshold_service::demo::{ACCOUNTS, PASSWORD};

use crate::support::{Sandbox, assert_exit, count, stdout};

/// Starts `threshold demo` on a free port and reads its banner up to the last line.
fn start_demo(s: &Sandbox) -> (Child, Vec<String>) {
    let mut child = s
        .bare()
        .args(["demo", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let last = line.starts_with("Press Ctrl-C");
        lines.push(line);
        if last {
            return (child, lines);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the demo did not print its banner: {lines:#?}");
}

fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// Sends SIGTERM and waits for the process to end by itself.
fn terminate(mut child: Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the demo did not stop within 30 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_demo_prints_its_address_and_sign_ins_at_every_start_and_stops_on_sigterm() {
    let s = Sandbox::new();
    let (child, banner) = start_demo(&s);
    let first = banner[0].clone();
    let url = first
        .strip_prefix("Threshold demo running at ")
        .unwrap()
        .to_owned();
    let addr = url.strip_prefix("http://").unwrap().to_owned();
    let text = banner.join("\n");
    for a in ACCOUNTS {
        let row = banner.iter().find(|l| l.contains(a.email)).unwrap();
        assert!(row.contains(a.role.as_str()), "{row}");
        assert!(row.contains(PASSWORD), "{row}");
        if let Some(secret) = a.totp_secret {
            assert!(row.contains(secret), "{row}");
        }
    }
    assert!(text.contains("threshold totp-code"), "{text}");
    assert!(text.contains("/admin/mail"), "{text}");

    let health = get(&addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");

    let status = terminate(child);
    assert!(status.success(), "{status:?}");

    // Its own database and key, in threshold-data, never the serve default.
    let db = s.path("threshold-data/demo.db");
    assert!(db.exists());
    assert!(s.path("threshold-data/threshold.key").exists());
    assert!(!s.path("threshold-data/threshold.db").exists());
    let users = count(&db, "select count(*) from users");
    let staff = count(&db, "select count(*) from users where is_staff = 1");
    assert_eq!(
        staff,
        ACCOUNTS.len() as i64 - 1,
        "one account per demo staff member"
    );
    // Sam Client plus a client at each later stage of the journey.
    let clients = count(&db, "select count(*) from clients");
    assert_eq!(users, staff + clients);
    assert!(clients >= 7, "{clients} demo clients");

    // A second start prints the sign-ins again and seeds nothing twice.
    let (child, banner) = start_demo(&s);
    assert!(
        banner.iter().any(|l| l.contains(ACCOUNTS[0].email)),
        "{banner:#?}"
    );
    assert!(terminate(child).success());
    assert_eq!(count(&db, "select count(*) from users"), users);
}

#[test]
fn totp_code_prints_the_rfc_6238_code() {
    let s = Sandbox::new();
    // RFC 6238 appendix B, SHA-1: 94287082 at T = 59 s; six digits are its last six.
    let out = s
        .bare()
        .args([
            "totp-code",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "--at",
            "59",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "287082\n");

    let now = s
        .bare()
        .args(["totp-code", ACCOUNTS[0].totp_secret.unwrap()])
        .output()
        .unwrap();
    assert_exit(&now, 0);
    let code = stdout(&now);
    assert!(
        code.trim().len() == 6 && code.trim().chars().all(|c| c.is_ascii_digit()),
        "{code}"
    );

    let bad = s
        .bare()
        .args(["totp-code", "not base32!"])
        .output()
        .unwrap();
    assert_exit(&bad, 2);
}
