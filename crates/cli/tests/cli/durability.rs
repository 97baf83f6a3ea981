//! Nothing acknowledged is lost: the server is killed with SIGKILL while requests
//! are being written; after a restart every request that had been answered "201
//! Created" is there, and the database passes its integrity check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{Sandbox, count};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(sandbox: &Sandbox, port: u16) -> Child {
    let mut cmd = sandbox.cmd(&["serve", "--addr", &format!("127.0.0.1:{port}")]);
    cmd.env("THRESHOLD_PUBLIC_REQUESTS_PER_HOUR", "1000000")
        .env("THRESHOLD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.spawn().unwrap()
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become healthy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_a_kill_9() {
    let sandbox = Sandbox::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut server = start(&sandbox, port);
    wait_healthy(&client, &base).await;

    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..16 {
        let (client, base, acked) = (client.clone(), base.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let body = serde_json::json!({
                    "name": format!("Writer {w} request {i}"),
                    "email": format!("w{w}.r{i}@example.org"),
                    "preferred_contact": "email",
                    "reason": "Durability test",
                    "consent_to_contact": true,
                });
                match client
                    .post(format!("{base}/api/v1/inquiries"))
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status() == 201 => {
                        let v: serde_json::Value = match r.json().await {
                            Ok(v) => v,
                            Err(_) => return,
                        };
                        acked
                            .lock()
                            .unwrap()
                            .push(v["id"].as_str().unwrap().to_owned());
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Let writes pile up, then pull the plug mid-stream.
    while acknowledged.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(acked.len() >= 300);

    // The file as the crash left it: sound, and holding every acknowledged write.
    let integrity: String = sandbox
        .sqlite()
        .query_row("pragma integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let conn = sandbox.sqlite();
    let mut missing = Vec::new();
    for id in &acked {
        let n: i64 = conn
            .query_row("select count(*) from inquiries where id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        if n != 1 {
            missing.push(id.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} acknowledged requests were lost: {missing:?}",
        missing.len()
    );
    drop(conn);

    // And the server starts again on it, with its audit trail intact.
    let mut server = start(&sandbox, port);
    wait_healthy(&client, &base).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let verify = sandbox.run(&["audit", "verify"]);
    crate::support::assert_exit(&verify, 0);
    assert!(count(&sandbox.db_path(), "select count(*) from inquiries") >= acked.len() as i64);
}
