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
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("button {css}"));
    navigate(c, el).await;
}

/// Clicks something that loads a new page (a link, a submit button) and waits
/// until the old page is gone, so the next step reads the new one.
async fn navigate(c: &Client, el: fantoccini::elements::Element) {
    let old = c.find(Locator::Css("html")).await.expect("html");
    el.click().await.expect("click");
    for _ in 0..200 {
        if old.tag_name().await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the page did not change after the click");
}

async fn follow(c: &Client, locator: Locator<'_>) {
    let el = c.find(locator).await.expect("link");
    navigate(c, el).await;
}

/// The text of `<main>`. A page that is still being replaced after a form
/// post can leave the element stale for a moment; read it again then.
async fn page_text(c: &Client) -> String {
    let mut last = None;
    for _ in 0..30 {
        match c.find(Locator::Css("main")).await {
            Ok(el) => match el.text().await {
                Ok(t) => return t,
                Err(e) => last = Some(e),
            },
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no readable <main>: {last:?}");
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
    follow(&c, Locator::LinkText("Request a consultation")).await;
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
    follow(&c, Locator::LinkText("Inquiries")).await;
    follow(&c, Locator::LinkText("Grace Hopper")).await;
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

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("element {css}"))
        .click()
        .await
        .expect("click");
}

/// A date input's value. Chromium types into date inputs by the locale's
/// segments, so the test sets the value as the form would submit it.
async fn set_date(c: &Client, id: &str, iso: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![id.into(), iso.into()],
    )
    .await
    .expect("set date");
}

async fn sign_in_staff(c: &Client, app: &TestApp, staff: &threshold_testkit::Staff) {
    sign_in_with(c, app, staff, threshold_testkit::app::PASSWORD).await;
}

async fn sign_in_with(c: &Client, app: &TestApp, staff: &threshold_testkit::Staff, password: &str) {
    c.delete_all_cookies().await.expect("clear cookies");
    c.goto(&app.url("/signin")).await.expect("sign-in page");
    fill(c, "email", &staff.email).await;
    fill(c, "password", password).await;
    submit(c, "form.stack button[type=submit]").await;
    app.advance(jiff::SignedDuration::from_secs(31));
    fill(c, "code", &app.totp(&staff.totp_secret)).await;
    submit(c, "form.stack button[type=submit]").await;
    assert_eq!(c.current_url().await.expect("url").path(), "/staff");
}

/// The care journey in a real browser: the client fills in the intake form and
/// the PHQ-9 in the portal; the physician approves in the review queue; the
/// client signs the consent; the chart shows preparation and readiness Ready.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_reaches_preparation_through_the_browser() {
    use threshold_domain::clinical::HistoryItem;
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let coordinator = app.staff("casey@clinic.test", &[Role::Coordinator]).await;
    let clinician = app.staff("morgan@clinic.test", &[Role::Clinician]).await;
    let physician = app.staff("riley@clinic.test", &[Role::Physician]).await;
    let coord = app.signed_in(&coordinator).await;
    let res = app
        .client()
        .post_form(
            "/consultation",
            &[
                ("name", "Ada Lovelace"),
                ("email", "ada@example.org"),
                ("preferred_contact", "email"),
                ("reason", "Depression for years."),
                ("consent_to_contact", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let inquiry: String = app
        .services
        .db
        .read(|c| {
            c.query_one("select id from inquiries", &[])?
                .get::<String>(0)
        })
        .await
        .unwrap();
    let res = coord
        .post_form(
            &format!("/inquiries/{inquiry}/convert"),
            &[("consultation_outcome", "Good fit.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let client: String = app
        .services
        .db
        .read(|c| c.query_one("select id from clients", &[])?.get::<String>(0))
        .await
        .unwrap();
    for (st, role) in [(&clinician, "clinician"), (&physician, "physician")] {
        let res = coord
            .post_form(
                &format!("/clients/{client}/care-team"),
                &[("member", &format!("{role}:{}", st.id))],
            )
            .await;
        assert_eq!(res.status(), 303);
    }
    let mail = app.last_mail_to("ada@example.org").await.unwrap();
    let link = link_in(&mail.body_text, &app.url("/invitation/")).unwrap();

    // The client sets a password, then fills in the intake form.
    let c = browser(&driver).await;
    c.goto(&link).await.expect("invitation");
    fill(&c, "password", "ada chooses a long passphrase").await;
    fill(&c, "password_confirm", "ada chooses a long passphrase").await;
    submit(&c, "form.stack button[type=submit]").await;
    follow(&c, Locator::LinkText("Fill in your intake form")).await;
    for (id, v) in [
        ("legal_name", "Ada Lovelace"),
        ("emergency_contact_name", "Charles Babbage"),
        ("emergency_contact_phone", "+1 503 555 0100"),
        ("support_ride_home_name", "Mary Somerville"),
        ("support_ride_home_phone", "+1 503 555 0101"),
        ("goals", "Feel like myself again."),
        ("weight_kg", "62"),
        ("height_cm", "168"),
    ] {
        fill(&c, id, v).await;
    }
    set_date(&c, "date_of_birth", "1985-12-10").await;
    click(&c, "#sex option[value='female']").await;
    click(&c, "#no_medications_box").await;
    for h in HistoryItem::ALL {
        click(&c, &format!("input[id='history.{}-no']", h.as_str())).await;
    }
    submit(&c, "button[name=action][value=submit]").await;
    let text = page_text(&c).await;
    assert!(text.contains("Your intake form was sent"), "{text}");

    // The PHQ-9, in the portal.
    follow(&c, Locator::LinkText("PHQ-9")).await;
    for i in 1..=9 {
        click(&c, &format!("input[id='item-{i}-0']")).await;
    }
    submit(
        &c,
        "form[action^='/portal/questionnaires/'] button[type=submit]",
    )
    .await;
    assert!(page_text(&c).await.contains("Your answers were saved"));

    // The rest of the baseline set and the assessment, by the care team's forms.
    let clin = app.signed_in(&clinician).await;
    let phys_http = app.signed_in(&physician).await;
    let tasks: Vec<(String, String)> = app
        .services
        .db
        .read(|c| {
            c.query(
                "select id, instrument from questionnaire_tasks where response_id is null",
                &[],
            )?
            .into_iter()
            .map(|mut r| Ok((r.take::<String>(0)?, r.take::<String>(1)?)))
            .collect::<Result<Vec<_>, threshold_store::StoreError>>()
        })
        .await
        .unwrap();
    for (task, instrument) in tasks {
        let items: Vec<u8> = match instrument.as_str() {
            "gad-7" => (1..=7).collect(),
            "pcl-5" => (1..=20).collect(),
            "c-ssrs-screener" => vec![1, 2, 6],
            "audit-c" => vec![1, 2, 3],
            "dast-10" => (1..=10).collect(),
            other => panic!("unexpected task {other}"),
        };
        let answers: Vec<(String, String)> = items
            .iter()
            .map(|i| (format!("item-{i}"), "0".into()))
            .collect();
        let fields: Vec<(&str, &str)> = answers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let res = clin
            .post_form(&format!("/clients/{client}/questionnaires/{task}"), &fields)
            .await;
        assert_eq!(res.status(), 303, "{instrument}");
    }
    let a = format!("/clients/{client}/assessment");
    for f in [
        vec![
            ("kind", "vitals"),
            ("systolic", "124"),
            ("diastolic", "80"),
            ("heart_rate", "70"),
        ],
        vec![
            ("kind", "vitals"),
            ("systolic", "122"),
            ("diastolic", "78"),
            ("heart_rate", "68"),
        ],
        vec![
            ("kind", "clinician"),
            ("readiness", "ready"),
            ("findings", "Ready."),
        ],
    ] {
        assert_eq!(clin.post_form(&a, &f).await.status(), 303);
    }
    let res = phys_http
        .post_form(&a, &[("kind", "physician"), ("findings", "Well.")])
        .await;
    assert_eq!(res.status(), 303);
    let res = clin
        .post_form(&format!("/clients/{client}/review-request"), &[])
        .await;
    assert_eq!(res.status(), 303);

    // The physician approves in the review queue, confirming with the password.
    sign_in_staff(&c, &app, &physician).await;
    follow(&c, Locator::LinkText("Review")).await;
    follow(&c, Locator::LinkText("Ada Lovelace")).await;
    let text = page_text(&c).await;
    assert!(text.contains("No rule fired"), "{text}");
    click(&c, "input[name=decision][value=eligible]").await;
    fill(&c, "reauth", threshold_testkit::app::PASSWORD).await;
    submit(&c, "form[action^='/review/'] button[type=submit]").await;
    let text = page_text(&c).await;
    assert!(text.contains("The decision was recorded"), "{text}");

    // The plan (clinician) and the prescription (physician, still re-authenticated).
    let res = clin
        .post_form(
            &format!("/clients/{client}/plan"),
            &[
                ("location", "in-office"),
                ("route", "lozenge"),
                ("format", "individual"),
                ("sessions", "6"),
                ("support_name", "Mary Somerville"),
                ("support_phone", "+1 503 555 0101"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let id = physician.id;
    let now = app.services.now();
    app.services
        .db
        .write(move |c| {
            threshold_store::careplan::set_prescriber(c, id, Some("MD-1"), Some("NPI 2"), now)
        })
        .await
        .unwrap();
    c.goto(&app.url(&format!("/clients/{client}")))
        .await
        .expect("chart");
    let expires = now
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .saturating_add(jiff::Span::new().days(60))
        .to_string();
    for (id, v) in [
        ("prescription-dose_min", "150"),
        ("prescription-dose_max", "300"),
        ("prescription-quantity", "6"),
    ] {
        fill(&c, id, v).await;
    }
    set_date(&c, "prescription-expires_on", &expires).await;
    submit(&c, "form[action$='/prescription'] button[type=submit]").await;
    let text = page_text(&c).await;
    assert!(text.contains("The prescription was signed"), "{text}");
    assert!(
        text.contains("KAP informed consent is not signed"),
        "{text}"
    );

    // The client reads and signs the consent.
    let admin = app.staff("avery@clinic.test", &[Role::Administrator]).await;
    let p = threshold_service::Principal {
        user_id: admin.id,
        email: admin.email.clone(),
        name: "Avery".into(),
        roles: threshold_domain::RoleSet::of(&[Role::Administrator]),
        via: threshold_service::principal::Via::Token {
            id: threshold_domain::ids::TokenId::new(),
        },
        meta: Default::default(),
    };
    let (title, body) = threshold_service::consent_texts::starter(
        threshold_domain::journey::ConsentKind::KapInformedConsent,
    );
    app.services
        .publish_consent(&p, "kap-informed-consent", title, body)
        .await
        .unwrap();
    c.delete_all_cookies().await.expect("clear cookies");
    c.goto(&app.url("/signin")).await.expect("sign-in");
    fill(&c, "email", "ada@example.org").await;
    fill(&c, "password", "ada chooses a long passphrase").await;
    submit(&c, "form.stack button[type=submit]").await;
    follow(
        &c,
        Locator::Css("a[href='/portal/consents/kap-informed-consent']"),
    )
    .await;
    click(&c, "#agree").await;
    fill(&c, "signed_name", "Ada Lovelace").await;
    submit(
        &c,
        "form[action='/portal/consents/kap-informed-consent'] button",
    )
    .await;
    let text = page_text(&c).await;
    assert!(text.contains("Your signature was recorded"), "{text}");

    // The chart shows preparation and Ready.
    sign_in_staff(&c, &app, &physician).await;
    c.goto(&app.url(&format!("/clients/{client}")))
        .await
        .expect("chart");
    let text = page_text(&c).await;
    assert!(text.contains("Preparation"), "{text}");
    assert!(text.contains("Ready for medicine sessions"), "{text}");
    c.close().await.expect("close browser");
}

/// Scheduling in a real browser: the coordinator finds a slot for a ready
/// client's medicine session and books it; the client sees it in the portal; the
/// reminder mail reaches the SMTP server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_books_a_medicine_session_and_the_client_sees_it() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let smtp = SmtpServer::start().await;
    app.services.seed_demo().await.expect("demo data");
    // Chris Park (ready, one session booked by the demo) gets a portal password.
    let hash = threshold_service::passwords::hash("chris chooses a long passphrase".into())
        .await
        .expect("hash");
    let now = app.services.now();
    app.services
        .db
        .write(move |c| {
            let u =
                threshold_store::users::find_by_email(c, "chris.park@example.org")?.expect("chris");
            threshold_store::users::set_password(c, u.id, &hash, now)
        })
        .await
        .expect("password");
    let first: jiff::Timestamp = app
        .services
        .db
        .read(|c| {
            c.query_one(
                "select starts_at from appointments where kind = 'medicine-session'",
                &[],
            )?
            .get(0)
        })
        .await
        .expect("the demo's session");
    let tz = jiff::tz::TimeZone::get("America/Los_Angeles").expect("zone");
    let from = first
        .to_zoned_datetime(tz.clone())
        .date()
        .saturating_add(jiff::Span::new().days(3))
        .to_string();

    let coordinator = threshold_testkit::Staff {
        id: app
            .services
            .db
            .read(|c| {
                c.query_one(
                    "select id from users where email = 'coordinator@demo.threshold.test'",
                    &[],
                )?
                .get::<String>(0)
            })
            .await
            .expect("coordinator")
            .parse()
            .expect("id"),
        email: "coordinator@demo.threshold.test".into(),
        totp_secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXB".into(),
    };
    let c = browser(&driver).await;
    sign_in_with(&c, &app, &coordinator, threshold_service::demo::PASSWORD).await;
    follow(&c, Locator::LinkText("Schedule")).await;
    click(&c, "#kind option[value='medicine-session']").await;
    c.find(Locator::XPath(
        "//select[@id='client']/option[normalize-space()='Chris Park']",
    ))
    .await
    .expect("Chris in the client list")
    .click()
    .await
    .expect("choose");
    set_date(&c, "from", &from).await;
    submit(&c, "form[action='/schedule/find'] button[type=submit]").await;
    let text = page_text(&c).await;
    assert!(text.contains("Free times"), "{text}");
    submit(&c, "form[action='/schedule/book'] button[type=submit]").await;
    let text = page_text(&c).await;
    assert!(text.contains("Booked"), "{text}");
    let second: jiff::Timestamp = app
        .services
        .db
        .read(|c| {
            c.query_one(
                "select max(starts_at) from appointments where kind = 'medicine-session' and status = 'booked'",
                &[],
            )?
            .get(0)
        })
        .await
        .expect("the new session");
    assert!(second > first);

    // The client sees both sessions in the portal, with how to prepare.
    c.delete_all_cookies().await.expect("clear cookies");
    c.goto(&app.url("/signin")).await.expect("sign-in");
    fill(&c, "email", "chris.park@example.org").await;
    fill(&c, "password", "chris chooses a long passphrase").await;
    submit(&c, "form.stack button[type=submit]").await;
    let text = page_text(&c).await;
    assert!(text.contains("Your appointments"), "{text}");
    let local = second
        .to_zoned_datetime(tz)
        .strftime("%Y-%m-%d %H:%M")
        .to_string();
    assert!(text.contains(&local), "{local} in {text}");
    assert!(text.contains("To prepare"), "{text}");

    // A day before the new session the reminder goes out over SMTP.
    let until = second - app.services.now() - jiff::SignedDuration::from_hours(23);
    app.advance(until);
    assert!(app.services.queue_due_reminders().await.expect("reminders") >= 1);
    let sender = MailSender::new(app.services.clone(), &smtp.url()).expect("sender");
    // The demo queued other mail first; send everything.
    for _ in 0..10 {
        sender.run_once().await.expect("deliver");
    }
    let reminder = smtp
        .to("chris.park@example.org")
        .into_iter()
        .find(|m| m.body().contains("prepare for your"))
        .expect("the reminder was delivered over SMTP");
    assert!(!reminder.body().contains("ketamine"));
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
        ("schedule", "/schedule".to_owned()),
        ("availability", "/schedule/availability".to_owned()),
        ("settings", "/admin/settings".to_owned()),
        (
            "consent-docs",
            "/admin/consents/kap-informed-consent".to_owned(),
        ),
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
    // The physician's side: the review queue and page, charts, a prescription.
    let id_of = |name: &'static str| {
        let app = &app;
        async move {
            app.services
                .db
                .read(move |c| {
                    c.query_one("select id from clients where name = $1", &[name.into()])?
                        .get::<String>(0)
                })
                .await
                .expect("a demo client")
        }
    };
    let (priya, morgan, chris) = (
        id_of("Priya Nair").await,
        id_of("Morgan Ellis").await,
        id_of("Chris Park").await,
    );
    let physician = threshold_testkit::Staff {
        id: app
            .services
            .db
            .read(|c| {
                c.query_one(
                    "select id from users where email = 'physician@demo.threshold.test'",
                    &[],
                )?
                .get::<String>(0)
            })
            .await
            .expect("demo physician")
            .parse()
            .expect("id"),
        email: "physician@demo.threshold.test".into(),
        totp_secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXD".into(),
    };
    sign_in_with(&c, &app, &physician, threshold_service::demo::PASSWORD).await;
    let clinical_pages = [
        ("review-queue", "/review".to_owned()),
        ("review", format!("/review/{priya}")),
        ("chart-consents", format!("/clients/{morgan}")),
        ("chart-ready", format!("/clients/{chris}")),
        ("prescription", format!("/clients/{chris}/prescription")),
    ];
    for (width, height, tag) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        c.set_window_size(width, height).await.expect("resize");
        for (name, path) in &clinical_pages {
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
