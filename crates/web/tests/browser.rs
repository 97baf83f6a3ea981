//! The first flow in a real browser (headless Chromium through WebDriver), as
//! people use it, without JavaScript: a visitor requests a consultation; a
//! coordinator signs in with password and TOTP and finds it in the queue;
//! converting it sends an invitation (over SMTP) that the client follows to set a
//! password and reach the portal.
//!
//! Needs `chromedriver` and `chromium` (Debian packages). Locally it is skipped
//! when they are missing; under CI=true it must run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use threshold_domain::Role;
use threshold_service::mail::MailSender;
use threshold_testkit::{Backend, SmtpServer, TestApp, link_in};

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn start_driver() -> Option<Driver> {
    let found = Command::new("chromedriver")
        .arg("--version")
        .output()
        .is_ok()
        && std::path::Path::new("/usr/bin/chromium").exists();
    if !found {
        assert!(
            !ci(),
            "CI=true but chromedriver/chromium are not installed: the browser test must run in CI"
        );
        eprintln!("skipping the browser test: chromedriver or chromium is not installed");
        return None;
    }
    let port = free_port();
    let mut child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(Driver { child, port });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("chromedriver did not start");
}

async fn browser(driver: &Driver) -> Client {
    let profile = std::env::temp_dir().join(format!(
        "threshold-chrome-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps = match caps {
        serde_json::Value::Object(m) => m,
        _ => unreachable!(),
    };
    // fantoccini builds a TLS client even for plain http; pick rustls' ring provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("connect to chromedriver")
}

async fn fill(c: &Client, id: &str, text: &str) {
    let el = c
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("field #{id}"));
    el.clear().await.ok();
    el.send_keys(text).await.expect("type");
}

async fn submit(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("button {css}"))
        .click()
        .await
        .expect("click");
}

async fn page_text(c: &Client) -> String {
    c.find(Locator::Css("main"))
        .await
        .expect("main")
        .text()
        .await
        .expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_becomes_a_client_through_the_browser() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let smtp = SmtpServer::start().await;
    let coordinator = app.staff("casey@clinic.test", &[Role::Coordinator]).await;
    let c = browser(&driver).await;

    // A visitor asks for a consultation.
    c.goto(&app.url("/")).await.expect("open start page");
    c.find(Locator::LinkText("Request a consultation"))
        .await
        .expect("link")
        .click()
        .await
        .expect("click");
    fill(&c, "name", "Grace Hopper").await;
    fill(&c, "email", "grace@example.org").await;
    c.find(Locator::Id("preferred_contact-email"))
        .await
        .expect("radio")
        .click()
        .await
        .expect("click");
    fill(&c, "reason", "Anxiety and low mood since the spring.").await;
    c.find(Locator::Id("consent_to_contact"))
        .await
        .expect("checkbox")
        .click()
        .await
        .expect("click");
    submit(&c, "form.stack button[type=submit]").await;
    let text = page_text(&c).await;
    assert!(text.contains("we received your request"), "{text}");

    // The coordinator signs in with password and TOTP, and finds it.
    c.goto(&app.url("/signin")).await.expect("sign-in page");
    fill(&c, "email", &coordinator.email).await;
    fill(&c, "password", threshold_testkit::app::PASSWORD).await;
    submit(&c, "form.stack button[type=submit]").await;
    assert!(
        c.current_url()
            .await
            .expect("url")
            .path()
            .ends_with("/signin/code")
    );
    app.advance(jiff::SignedDuration::from_secs(31));
    fill(&c, "code", &app.totp(&coordinator.totp_secret)).await;
    submit(&c, "form.stack button[type=submit]").await;
    assert_eq!(c.current_url().await.expect("url").path(), "/staff");
    c.find(Locator::LinkText("Inquiries"))
        .await
        .expect("nav")
        .click()
        .await
        .expect("click");
    c.find(Locator::LinkText("Grace Hopper"))
        .await
        .expect("the request is in the queue")
        .click()
        .await
        .expect("open");
    let text = page_text(&c).await;
    assert!(text.contains("Anxiety and low mood"), "{text}");

    // Converting it sends an invitation.
    fill(
        &c,
        "consultation_outcome",
        "Free consultation by phone; a good fit for an intake.",
    )
    .await;
    submit(&c, "form[action$='/convert'] button").await;
    let text = page_text(&c).await;
    assert!(text.contains("invitation was sent"), "{text}");
    let sender = MailSender::new(app.services.clone(), &smtp.url()).expect("sender");
    sender.run_once().await.expect("deliver");
    let mail = smtp
        .to("grace@example.org")
        .into_iter()
        .find(|m| m.body().contains("/invitation/"))
        .expect("invitation delivered over SMTP");
    let link = link_in(&mail.body(), &app.url("/invitation/")).expect("link in mail");

    // The client follows it in a fresh browser session and sets a password.
    c.delete_all_cookies().await.expect("clear cookies");
    c.goto(&link).await.expect("open invitation");
    assert!(page_text(&c).await.contains("Welcome, Grace Hopper"));
    fill(&c, "password", "grace chooses a long passphrase").await;
    fill(&c, "password_confirm", "grace chooses a long passphrase").await;
    submit(&c, "form.stack button[type=submit]").await;
    assert_eq!(c.current_url().await.expect("url").path(), "/portal");
    let text = page_text(&c).await;
    assert!(text.contains("Welcome, Grace Hopper"), "{text}");
    assert!(text.contains("How to reach us"));

    c.close().await.expect("close browser");
}

/// Not a test: saves screenshots of the main pages, signed in, at desktop and phone
/// width, for people reviewing the design.
/// `THRESHOLD_SCREENS=/tmp/screens cargo test -p threshold-web --test browser -- --ignored`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes screenshots for review; run by hand"]
async fn capture_screens() {
    let Some(dir) = std::env::var_os("THRESHOLD_SCREENS") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("screens folder");
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.services.seed_demo().await.expect("demo data");
    let admin = app
        .staff(
            "screens-admin@clinic.test",
            &[Role::Administrator, Role::Coordinator],
        )
        .await;
    let c = browser(&driver).await;
    c.goto(&app.url("/signin")).await.expect("sign-in page");
    fill(&c, "email", &admin.email).await;
    fill(&c, "password", threshold_testkit::app::PASSWORD).await;
    submit(&c, "form.stack button[type=submit]").await;
    app.advance(jiff::SignedDuration::from_secs(31));
    fill(&c, "code", &app.totp(&admin.totp_secret)).await;
    submit(&c, "form.stack button[type=submit]").await;
    let inquiry: String = app
        .services
        .db
        .read(|c| {
            c.query_one(
                "select id from inquiries where status = 'consultation-booked'",
                &[],
            )?
            .get::<String>(0)
        })
        .await
        .expect("an inquiry");
    let pages = [
        ("staff", "/staff".to_owned()),
        ("queue", "/inquiries".to_owned()),
        ("inquiry", format!("/inquiries/{inquiry}")),
        ("users", "/admin/users".to_owned()),
        ("locations", "/admin/locations".to_owned()),
        ("audit", "/admin/audit".to_owned()),
        ("mail", "/admin/mail".to_owned()),
        ("account", "/account".to_owned()),
    ];
    for (width, height, tag) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        c.set_window_size(width, height).await.expect("resize");
        for (name, path) in &pages {
            c.goto(&app.url(path)).await.expect("open");
            let png = c.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(format!("{name}-{tag}.png")), png).expect("write");
        }
    }
    // The client's side: the portal and a questionnaire.
    c.delete_all_cookies().await.expect("clear cookies");
    c.set_window_size(1280, 900).await.expect("resize");
    c.goto(&app.url("/signin")).await.expect("sign-in page");
    fill(&c, "email", "client@demo.threshold.test").await;
    fill(&c, "password", threshold_service::demo::PASSWORD).await;
    submit(&c, "form.stack button[type=submit]").await;
    let task: String = app
        .services
        .db
        .read(|c| {
            c.query_one(
                "select id from questionnaire_tasks where instrument = 'phq-9'",
                &[],
            )?
            .get::<String>(0)
        })
        .await
        .expect("a task");
    let client_pages = [
        ("portal", "/portal".to_owned()),
        ("phq9", format!("/portal/questionnaires/{task}")),
        ("intake", "/portal/intake".to_owned()),
    ];
    for (width, height, tag) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        c.set_window_size(width, height).await.expect("resize");
        for (name, path) in &client_pages {
            c.goto(&app.url(path)).await.expect("open");
            let png = c.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(format!("{name}-{tag}.png")), png).expect("write");
        }
    }
    c.close().await.expect("close");
}
