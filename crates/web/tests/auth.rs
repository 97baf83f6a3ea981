//! Signing in and staying signed in, through the HTTP interface: password then a
//! second factor, single-use codes, recovery codes, throttling, session timeouts,
//! signing out, the session cookie, password resets, deactivation and second-factor
//! resets, API tokens on the account page, and invitation links.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::SignedDuration;
use reqwest::header::{COOKIE, HeaderMap, HeaderValue};
use threshold_domain::Role;
use threshold_domain::ids::UserId;
use threshold_service::Actor;
use threshold_service::users::{NewStaff, StaffForm};
use threshold_store::Value;
use threshold_testkit::app::PASSWORD;
use threshold_testkit::{Backend, Client, Staff, TestApp, app_test, csrf_in, link_in, location};

const SESSION: &str = "threshold_session";
const NEW_PASSWORD: &str = "a brand new passphrase for reset";

fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

/// Every `Set-Cookie` header of a response.
fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

/// The whole `Set-Cookie` header a response sends for cookie `name`.
fn set_cookie_header(res: &reqwest::Response, name: &str) -> Option<String> {
    set_cookies(res)
        .into_iter()
        .find(|c| c.split_once('=').is_some_and(|(k, _)| k.trim() == name))
}

/// The value a response sets for cookie `name`.
fn cookie_set(res: &reqwest::Response, name: &str) -> Option<String> {
    let header = set_cookie_header(res, name)?;
    let pair = header.split(';').next().unwrap_or("");
    pair.split_once('=').map(|(_, v)| v.trim().to_owned())
}

/// A cookie's attributes, lowercased, without its name and value.
fn attributes(header: &str) -> Vec<String> {
    header
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

/// A client that presents only this cookie, as someone who copied it would.
fn replaying(app: &TestApp, name: &str, value: &str) -> Client {
    let mut h = HeaderMap::new();
    h.insert(
        COOKIE,
        HeaderValue::from_str(&format!("{name}={value}")).unwrap(),
    );
    Client {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(h)
            .build()
            .unwrap(),
        base: app.addr.clone(),
    }
}

/// A browser-like client whose requests claim to be forwarded for `ip`.
fn claiming(app: &TestApp, ip: &str) -> Client {
    let mut h = HeaderMap::new();
    h.insert("x-forwarded-for", HeaderValue::from_str(ip).unwrap());
    Client {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(h)
            .build()
            .unwrap(),
        base: app.addr.clone(),
    }
}

/// The message shown next to a form field.
fn field_error(html: &str, field: &str) -> Option<String> {
    let marker = format!("id=\"{field}-error\">");
    let start = html.find(&marker)? + marker.len();
    let rest = &html[start..];
    Some(rest[..rest.find("</span>")?].to_owned())
}

/// The text between `open` and the next `close`.
fn between<'a>(html: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = html.find(open)? + open.len();
    let rest = &html[start..];
    Some(&rest[..rest.find(close)?])
}

async fn password_step(c: &Client, email: &str, password: &str) -> reqwest::Response {
    c.post_form("/signin", &[("email", email), ("password", password)])
        .await
}

/// A 6-digit code that the app does not accept for `secret` now (not the code of
/// the current, previous or next step, which the app allows for clock skew).
fn wrong_code(app: &TestApp, secret: &str) -> String {
    let bytes = totp_rs::Secret::try_from_base32(secret)
        .unwrap()
        .as_ref()
        .to_vec();
    let totp = totp_rs::Builder::new().with_secret(bytes).build().unwrap();
    let now = app.services.now().as_second() as u64;
    let valid: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|t| totp.generate(*t).to_string())
        .collect();
    ["000000", "111111", "222222", "333333"]
        .into_iter()
        .find(|c| !valid.iter().any(|v| v == c))
        .unwrap()
        .to_owned()
}

/// Signs `staff` in (password, then a fresh code) and returns the client and the
/// value of the full session cookie.
async fn sign_in_capturing(app: &TestApp, staff: &Staff) -> (Client, String) {
    let c = app.client();
    let res = password_step(&c, &staff.email, PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/signin/code");
    app.advance(SignedDuration::from_secs(31));
    let code = app.totp(&staff.totp_secret);
    let res = c.post_form("/signin/code", &[("code", &code)]).await;
    assert_eq!(res.status(), 303);
    let cookie = cookie_set(&res, SESSION).expect("a session cookie after the code");
    (c, cookie)
}

async fn sessions_of(app: &TestApp, user: UserId) -> i64 {
    let id = user.to_string();
    app.services
        .db
        .read(move |c| {
            c.query_i64(
                "select count(*) from sessions where user_id = $1",
                &[Value::from(id)],
            )
        })
        .await
        .unwrap()
}

/// Audit entries with this action, as (actor, subject ids).
async fn audit_entries(app: &TestApp, action: &'static str) -> Vec<(Option<String>, String)> {
    app.services
        .db
        .read(move |c| {
            c.query(
                "select actor_user_id, subject_ids from audit_log where action = $1 order by seq",
                &[Value::from(action)],
            )?
            .iter()
            .map(|r| Ok((r.get::<Option<String>>(0)?, r.get::<String>(1)?)))
            .collect::<threshold_store::Result<Vec<_>>>()
        })
        .await
        .unwrap()
}

async fn api_get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Asserts that a GET of `path` sends the client to the sign-in page.
async fn assert_sent_to_signin(c: &Client, path: &str) {
    let res = c.get(path).await;
    assert_eq!(res.status(), 303, "{path} should redirect");
    let to = location(&res);
    assert!(
        to == "/signin" || to.starts_with("/signin?"),
        "{path} went to {to}"
    );
}

// 1. Password, then the second factor.

app_test!(
    async fn staff_sign_in_with_password_then_code_and_a_new_session_id_per_step(app: TestApp) {
        let staff = app.staff("casey@staff.test", &[Role::Coordinator]).await;
        let c = app.client();

        // A wrong password: 401, a plain message, and no session.
        let res = password_step(&c, &staff.email, "not the password at all").await;
        assert_eq!(res.status(), 401);
        assert!(
            cookie_set(&res, SESSION).is_none_or(|v| v.is_empty()),
            "a failed sign-in sets no session: {:?}",
            set_cookies(&res)
        );
        let body = res.text().await.unwrap();
        assert!(body.contains("not right"), "{body}");
        assert_eq!(app.count("select count(*) from sessions").await, 0);
        assert_sent_to_signin(&c, "/staff").await;

        // The right password: half signed in, owing the code.
        let res = password_step(&c, &staff.email, PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin/code");
        let partial = cookie_set(&res, SESSION).expect("a session cookie after the password");
        assert!(!partial.is_empty());

        // No personal data before the second factor.
        for path in ["/inquiries", "/staff", "/account", "/admin/audit"] {
            let res = c.get(path).await;
            assert_eq!(res.status(), 303, "{path}");
            assert_eq!(location(&res), "/signin/code", "{path}");
        }
        assert_eq!(c.get("/api/v1/inquiries").await.status(), 401);

        // A wrong code: 422, still half signed in.
        app.advance(SignedDuration::from_secs(31));
        let res = c
            .post_form(
                "/signin/code",
                &[("code", &wrong_code(&app, &staff.totp_secret))],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert!(
            cookie_set(&res, SESSION).is_none(),
            "a wrong code changes no session"
        );
        let res = c.get("/inquiries").await;
        assert_eq!(location(&res), "/signin/code");

        // The right code: fully signed in, under a new session id.
        let code = app.totp(&staff.totp_secret);
        let res = c.post_form("/signin/code", &[("code", &code)]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/staff");
        let full = cookie_set(&res, SESSION).expect("a new session cookie after the code");
        assert!(!full.is_empty());
        assert_ne!(full, partial, "the session id changes at the second step");
        let (status, _) = c.get_text("/staff").await;
        assert_eq!(status, 200);
        let (status, _) = c.get_text("/inquiries").await;
        assert_eq!(status, 200);
        assert_eq!(
            sessions_of(&app, staff.id).await,
            1,
            "the half-way session was replaced"
        );

        // The half-way id is dead: replaying it reaches nothing.
        let replay = replaying(&app, SESSION, &partial);
        let res = replay.get("/signin/code").await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin");
        assert_sent_to_signin(&replay, "/staff").await;
        // The full one works from anywhere it is presented.
        let (status, _) = replaying(&app, SESSION, &full).get_text("/staff").await;
        assert_eq!(status, 200);
    }
);

// 2. A code works once.

app_test!(
    async fn a_totp_code_works_only_once(app: TestApp) {
        let staff = app.staff("once@staff.test", &[Role::Coordinator]).await;
        app.advance(SignedDuration::from_secs(31));
        let code = app.totp(&staff.totp_secret);

        let first = app.client();
        assert_eq!(
            password_step(&first, &staff.email, PASSWORD).await.status(),
            303
        );
        let res = first.post_form("/signin/code", &[("code", &code)]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/staff");

        // Same 30-second step, same code, second sign-in: refused.
        let second = app.client();
        assert_eq!(
            password_step(&second, &staff.email, PASSWORD)
                .await
                .status(),
            303
        );
        assert_eq!(app.totp(&staff.totp_secret), code, "still the same step");
        let res = second.post_form("/signin/code", &[("code", &code)]).await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains("not right"), "{body}");
        let res = second.get("/inquiries").await;
        assert_eq!(
            location(&res),
            "/signin/code",
            "still owes its second factor"
        );

        // The next step's code is accepted.
        app.advance(SignedDuration::from_secs(31));
        let next = app.totp(&staff.totp_secret);
        let res = second.post_form("/signin/code", &[("code", &next)]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/staff");
    }
);

// 3. Enrolment and recovery codes.

app_test!(
    async fn a_new_staff_member_enrols_and_each_recovery_code_signs_in_once(app: TestApp) {
        let new = NewStaff::parse(&StaffForm {
            email: "robin@staff.test".into(),
            name: "Robin Enrol".into(),
            roles: vec!["coordinator".into()],
        })
        .unwrap();
        let id = app
            .services
            .create_staff_with_password(new, PASSWORD)
            .await
            .unwrap();

        let c = app.client();
        let res = password_step(&c, "robin@staff.test", PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin/setup");
        // Nothing personal, and no code step, before the second factor is set up.
        let res = c.get("/inquiries").await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin/setup");
        let res = c.get("/signin/code").await;
        assert_eq!(location(&res), "/signin/setup");

        let (status, page) = c.get_text("/signin/setup").await;
        assert_eq!(status, 200);
        assert!(page.contains("<svg"), "a QR code is shown: {page}");
        let key = between(&page, "<code class=\"code\">", "</code>")
            .expect("the key is shown")
            .trim()
            .to_owned();
        assert!(key.len() >= 16, "{key}");
        assert!(
            key.chars()
                .all(|ch| ch.is_ascii_uppercase() || ('2'..='7').contains(&ch)),
            "base32: {key}"
        );
        let (_, again) = c.get_text("/signin/setup").await;
        assert!(
            again.contains(&key),
            "reloading the page shows the same key"
        );

        // A wrong code does not turn it on.
        let res = c
            .post_form("/signin/setup", &[("code", &wrong_code(&app, &key))])
            .await;
        assert_eq!(res.status(), 422);

        let res = c
            .post_form("/signin/setup", &[("code", &app.totp(&key))])
            .await;
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        let list = between(&page, "<ul class=\"codes\">", "</ul>").expect("the recovery codes");
        let codes: Vec<String> = list
            .split("<li>")
            .skip(1)
            .map(|li| li.split("</li>").next().unwrap().trim().to_owned())
            .collect();
        assert_eq!(codes.len(), 10, "{list}");
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10, "the codes differ");
        let (status, _) = c.get_text("/staff").await;
        assert_eq!(status, 200, "set-up finishes the sign-in");

        let res = c.post_form("/signout", &[]).await;
        assert_eq!(res.status(), 303);
        assert_sent_to_signin(&c, "/staff").await;

        // A recovery code instead of the app's code.
        let c2 = app.client();
        let res = password_step(&c2, "robin@staff.test", PASSWORD).await;
        assert_eq!(location(&res), "/signin/code");
        let res = c2.post_form("/signin/code", &[("code", &codes[0])]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/staff");
        let (status, account) = c2.get_text("/account").await;
        assert_eq!(status, 200);
        assert!(account.contains("9 unused recovery codes"), "{account}");
        let used = audit_entries(&app, "auth.recovery-code-used").await;
        assert_eq!(used.len(), 1);
        assert_eq!(used[0].1, id.to_string());

        // The same recovery code a second time: refused.
        let c3 = app.client();
        assert_eq!(
            location(&password_step(&c3, "robin@staff.test", PASSWORD).await),
            "/signin/code"
        );
        let res = c3.post_form("/signin/code", &[("code", &codes[0])]).await;
        assert_eq!(res.status(), 422);
        assert_eq!(location(&c3.get("/staff").await), "/signin/code");
        // Another one still works, and so does the app the key was entered in.
        let res = c3.post_form("/signin/code", &[("code", &codes[1])]).await;
        assert_eq!(res.status(), 303);
        let c4 = app.client();
        assert_eq!(
            location(&password_step(&c4, "robin@staff.test", PASSWORD).await),
            "/signin/code"
        );
        app.advance(SignedDuration::from_secs(31));
        let res = c4
            .post_form("/signin/code", &[("code", &app.totp(&key))])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/staff");
    }
);

// 4. Throttling.

app_test!(
    async fn repeated_failures_lock_an_account_without_revealing_whether_it_exists(app: TestApp) {
        let staff = app.staff("jordan@staff.test", &[Role::Coordinator]).await;
        let c = app.client();

        let mut known_401 = None;
        for _ in 0..5 {
            let res = password_step(&c, &staff.email, "a wrong password guess").await;
            assert_eq!(res.status(), 401);
            known_401 = field_error(&res.text().await.unwrap(), "email");
        }
        // The sixth attempt, even with the right password, is refused.
        let res = password_step(&c, &staff.email, PASSWORD).await;
        assert_eq!(res.status(), 429);
        assert!(cookie_set(&res, SESSION).is_none_or(|v| v.is_empty()));
        let known_429 = field_error(&res.text().await.unwrap(), "email").expect("a message");
        assert_eq!(sessions_of(&app, staff.id).await, 0);

        // An address with no account behaves the same.
        let mut unknown_401 = None;
        for _ in 0..5 {
            let res = password_step(&c, "nobody-here@staff.test", "a wrong password guess").await;
            assert_eq!(res.status(), 401);
            unknown_401 = field_error(&res.text().await.unwrap(), "email");
        }
        assert!(known_401.is_some());
        assert_eq!(
            known_401, unknown_401,
            "a wrong password reads the same for both"
        );
        let res = password_step(&c, "nobody-here@staff.test", "a wrong password guess").await;
        assert_eq!(res.status(), 429);
        let unknown_429 = field_error(&res.text().await.unwrap(), "email").expect("a message");
        assert_eq!(known_429, unknown_429, "the lock reads the same for both");
        assert!(
            !known_429.to_lowercase().contains("not found")
                && !known_429.to_lowercase().contains("no account")
        );

        // Fewer failures than the limit do not lock.
        let other = app.staff("sam@staff.test", &[Role::Coordinator]).await;
        for _ in 0..4 {
            assert_eq!(
                password_step(&c, &other.email, "a wrong password guess")
                    .await
                    .status(),
                401
            );
        }
        assert_eq!(
            password_step(&app.client(), &other.email, PASSWORD)
                .await
                .status(),
            303
        );

        // Still locked after 14 minutes; lifted after 16.
        app.advance(mins(14));
        assert_eq!(
            password_step(&c, &staff.email, PASSWORD).await.status(),
            429
        );
        app.advance(mins(2));
        let res = password_step(&c, &staff.email, PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin/code");
    }
);

app_test!(
    async fn twenty_failures_from_one_address_lock_that_address(app: TestApp) {
        let staff = app.staff("avery@staff.test", &[Role::Coordinator]).await;
        let c = app.client();
        for i in 0..19 {
            // Claiming another address in X-Forwarded-For does not help: no proxy is
            // trusted, so the peer's address counts.
            let res = password_step(
                &claiming(&app, &format!("198.51.100.{i}")),
                &format!("guess{i}@example.test"),
                "a guessed password",
            )
            .await;
            assert_eq!(res.status(), 401, "attempt {i}");
        }
        // 19 failures: not yet.
        assert_eq!(
            password_step(&app.client(), &staff.email, PASSWORD)
                .await
                .status(),
            303
        );
        let res = password_step(&c, "guess19@example.test", "a guessed password").await;
        assert_eq!(res.status(), 401);

        // The twentieth failure locks every attempt from this address, whoever for.
        let res = password_step(&app.client(), &staff.email, PASSWORD).await;
        assert_eq!(res.status(), 429);
        let res = password_step(&app.client(), "guess0@example.test", "a guessed password").await;
        assert_eq!(res.status(), 429);

        app.advance(mins(16));
        let res = password_step(&app.client(), &staff.email, PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin/code");
    }
);

/// Behind a trusted proxy the forwarded address is the one that is counted (and
/// recorded): one client's failures do not lock out the others behind the proxy.
async fn behind_a_trusted_proxy_failures_count_against_the_forwarded_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, |_, web| {
        web.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]
    })
    .await;
    let staff = app.staff("proxy@staff.test", &[Role::Coordinator]).await;
    let guesser = claiming(&app, "203.0.113.9");
    for i in 0..20 {
        let res = password_step(
            &guesser,
            &format!("guess{i}@example.test"),
            "a guessed password",
        )
        .await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    assert_eq!(
        password_step(&claiming(&app, "203.0.113.9"), &staff.email, PASSWORD)
            .await
            .status(),
        429
    );
    let res = password_step(&claiming(&app, "203.0.113.10"), &staff.email, PASSWORD).await;
    assert_eq!(
        res.status(),
        303,
        "another address behind the same proxy is not locked out"
    );
    let ips: Vec<Option<String>> = app
        .services
        .db
        .read(|c| {
            c.query(
                "select source_ip from audit_log where action = 'auth.sign-in-failed'",
                &[],
            )?
            .iter()
            .map(|r| r.get::<Option<String>>(0))
            .collect::<threshold_store::Result<Vec<_>>>()
        })
        .await
        .unwrap();
    assert_eq!(
        ips.len(),
        21,
        "20 wrong passwords and the attempt the lockout refused"
    );
    assert!(
        ips.iter().all(|ip| ip.as_deref() == Some("203.0.113.9")),
        "{ips:?}"
    );
}

mod behind_a_trusted_proxy_failures_count_against_the_forwarded_address {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        behind_a_trusted_proxy_failures_count_against_the_forwarded_address(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if threshold_testkit::db::postgres_url().is_none() {
            eprintln!("skipping the PostgreSQL half: THRESHOLD_TEST_POSTGRES_URL is not set");
            return;
        }
        behind_a_trusted_proxy_failures_count_against_the_forwarded_address(Backend::Postgres)
            .await;
    }
}

// 5. Timeouts.

app_test!(
    async fn a_staff_session_ends_after_thirty_idle_minutes(app: TestApp) {
        let (staff, c) = app.signed_in_as(&[Role::Coordinator]).await;
        assert_eq!(sessions_of(&app, staff.id).await, 1);
        app.advance(mins(29));
        let (status, _) = c.get_text("/staff").await;
        assert_eq!(status, 200, "29 idle minutes are fine");

        app.advance(mins(31));
        let res = c.get("/staff").await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/signin"), "{}", location(&res));
        assert_eq!(
            sessions_of(&app, staff.id).await,
            0,
            "the expired session row is removed"
        );
        assert_sent_to_signin(&c, "/inquiries").await;
    }
);

app_test!(
    async fn an_active_staff_session_still_ends_after_twelve_hours(app: TestApp) {
        let (staff, c) = app.signed_in_as(&[Role::Coordinator]).await;
        for i in 1..=35 {
            app.advance(mins(20));
            let res = c.get("/staff").await;
            assert_eq!(res.status(), 200, "after {} minutes of activity", i * 20);
        }
        // 11 h 40 min, then 11 h 59 min: still valid.
        app.advance(mins(19));
        assert_eq!(c.get("/staff").await.status(), 200);
        // 12 h: over.
        app.advance(mins(1));
        assert_sent_to_signin(&c, "/staff").await;
        assert_eq!(sessions_of(&app, staff.id).await, 0);
    }
);

// 6. Signing out.

app_test!(
    async fn signing_out_ends_the_session_for_good(app: TestApp) {
        let staff = app.staff("morgan@staff.test", &[Role::Coordinator]).await;
        let (c, cookie) = sign_in_capturing(&app, &staff).await;
        assert_eq!(c.get("/staff").await.status(), 200);

        let res = c.post_form("/signout", &[]).await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/signin"));
        assert_eq!(
            cookie_set(&res, SESSION).as_deref(),
            Some(""),
            "the cookie is cleared"
        );
        assert_sent_to_signin(&c, "/staff").await;
        // The old cookie value, replayed: nothing.
        assert_sent_to_signin(&replaying(&app, SESSION, &cookie), "/staff").await;
        assert_eq!(sessions_of(&app, staff.id).await, 0);
    }
);

app_test!(
    async fn signing_out_everywhere_ends_every_session_of_that_person_only(app: TestApp) {
        let staff = app.staff("riley@staff.test", &[Role::Coordinator]).await;
        let (phone, phone_cookie) = sign_in_capturing(&app, &staff).await;
        let (laptop, laptop_cookie) = sign_in_capturing(&app, &staff).await;
        let (_, colleague) = app.signed_in_as(&[Role::Coordinator]).await;
        assert_eq!(sessions_of(&app, staff.id).await, 2);
        assert_eq!(phone.get("/staff").await.status(), 200);
        assert_eq!(laptop.get("/staff").await.status(), 200);

        let res = laptop.post_form("/account/sign-out-everywhere", &[]).await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/signin"));

        assert_sent_to_signin(&phone, "/staff").await;
        assert_sent_to_signin(&laptop, "/staff").await;
        assert_sent_to_signin(&replaying(&app, SESSION, &phone_cookie), "/staff").await;
        assert_sent_to_signin(&replaying(&app, SESSION, &laptop_cookie), "/staff").await;
        assert_eq!(sessions_of(&app, staff.id).await, 0);
        assert_eq!(
            colleague.get("/staff").await.status(),
            200,
            "someone else's session is untouched"
        );
    }
);

// 7. The cookie.

app_test!(
    async fn on_plain_http_the_session_cookie_is_httponly_and_strict_but_not_secure(app: TestApp) {
        let staff = app.staff("drew@staff.test", &[Role::Coordinator]).await;
        let c = app.client();
        let res = password_step(&c, &staff.email, PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert!(res.headers().get("strict-transport-security").is_none());
        assert!(set_cookie_header(&res, "__Host-threshold_session").is_none());
        let header = set_cookie_header(&res, SESSION).expect("the session cookie");
        let attrs = attributes(&header);
        assert!(attrs.contains(&"httponly".to_owned()), "{header}");
        assert!(attrs.contains(&"samesite=strict".to_owned()), "{header}");
        assert!(attrs.contains(&"path=/".to_owned()), "{header}");
        assert!(!attrs.contains(&"secure".to_owned()), "{header}");

        app.advance(SignedDuration::from_secs(31));
        let res = c
            .post_form("/signin/code", &[("code", &app.totp(&staff.totp_secret))])
            .await;
        assert_eq!(res.status(), 303);
        let header = set_cookie_header(&res, SESSION).expect("the new session cookie");
        let attrs = attributes(&header);
        assert!(
            attrs.contains(&"httponly".to_owned()) && attrs.contains(&"samesite=strict".to_owned()),
            "{header}"
        );
        assert!(!attrs.contains(&"secure".to_owned()), "{header}");
    }
);

/// Behind TLS: `__Host-` cookies, Secure, and HSTS. The test client speaks plain
/// HTTP (TLS is the proxy's job), so it carries the cookies by hand.
async fn behind_tls_the_session_cookie_is_host_prefixed_and_secure(backend: Backend) {
    let app = TestApp::spawn_with(backend, |_, web| web.behind_tls = true).await;
    let staff = app.staff("quinn@staff.test", &[Role::Coordinator]).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let assert_host_cookie = |header: &str| {
        let attrs = attributes(header);
        for want in ["secure", "httponly", "samesite=strict", "path=/"] {
            assert!(attrs.contains(&want.to_owned()), "{want} missing: {header}");
        }
        assert!(
            !attrs.iter().any(|a| a.starts_with("domain")),
            "a __Host- cookie has no Domain: {header}"
        );
    };
    let hsts = |res: &reqwest::Response| {
        res.headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };

    let res = http.get(app.url("/signin")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(hsts(&res).contains("max-age="), "HSTS on every response");
    let csrf_header = set_cookie_header(&res, "__Host-threshold_csrf").expect("the CSRF cookie");
    assert_host_cookie(&csrf_header);
    let csrf_cookie = cookie_set(&res, "__Host-threshold_csrf").unwrap();
    let token = csrf_in(&res.text().await.unwrap()).unwrap();

    let res = http
        .post(app.url("/signin"))
        .header(COOKIE, format!("__Host-threshold_csrf={csrf_cookie}"))
        .form(&[
            ("csrf", token.as_str()),
            ("email", staff.email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/signin/code");
    assert!(hsts(&res).contains("max-age="));
    assert!(
        set_cookie_header(&res, SESSION).is_none(),
        "no unprefixed cookie behind TLS"
    );
    let header =
        set_cookie_header(&res, "__Host-threshold_session").expect("the __Host- session cookie");
    assert_host_cookie(&header);
    let partial = cookie_set(&res, "__Host-threshold_session").unwrap();

    let res = http
        .get(app.url("/signin/code"))
        .header(COOKIE, format!("__Host-threshold_session={partial}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let token = csrf_in(&res.text().await.unwrap()).unwrap();
    app.advance(SignedDuration::from_secs(31));
    let code = app.totp(&staff.totp_secret);
    let res = http
        .post(app.url("/signin/code"))
        .header(COOKIE, format!("__Host-threshold_session={partial}"))
        .form(&[("csrf", token.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/staff");
    let header =
        set_cookie_header(&res, "__Host-threshold_session").expect("the new session cookie");
    assert_host_cookie(&header);
    let full = cookie_set(&res, "__Host-threshold_session").unwrap();
    assert_ne!(full, partial);

    let res = http
        .get(app.url("/staff"))
        .header(COOKIE, format!("__Host-threshold_session={full}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(hsts(&res).contains("max-age="));
    // The unprefixed name means nothing behind TLS.
    let res = http
        .get(app.url("/staff"))
        .header(COOKIE, format!("threshold_session={full}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

mod behind_tls_the_session_cookie_is_host_prefixed_secure_and_hsts_is_sent {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        behind_tls_the_session_cookie_is_host_prefixed_and_secure(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if threshold_testkit::db::postgres_url().is_none() {
            eprintln!("skipping the PostgreSQL half: THRESHOLD_TEST_POSTGRES_URL is not set");
            return;
        }
        behind_tls_the_session_cookie_is_host_prefixed_and_secure(Backend::Postgres).await;
    }
}

// 8. Password reset.

app_test!(
    async fn a_password_reset_link_sets_a_new_password_once_and_ends_every_session(app: TestApp) {
        let staff = app.staff("taylor@staff.test", &[Role::Coordinator]).await;
        let (signed_in, _) = sign_in_capturing(&app, &staff).await;
        let visitor = app.client();
        let mail_before = app.count("select count(*) from outbox").await;

        let res = visitor
            .post_form("/password/forgot", &[("email", &staff.email)])
            .await;
        assert_eq!(res.status(), 303);
        let known_to = location(&res);
        let known_body = res.text().await.unwrap();
        let mail = app.last_mail_to(&staff.email).await.expect("a reset mail");
        let link = link_in(&mail.body_text, &app.url("/password/reset/")).expect("a reset link");
        let path = link.trim_start_matches(&app.addr).to_owned();

        // An unknown address: the same answer and no mail.
        let res = visitor
            .post_form("/password/forgot", &[("email", "nobody@example.test")])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), known_to);
        assert_eq!(res.text().await.unwrap(), known_body);
        assert!(app.last_mail_to("nobody@example.test").await.is_none());
        assert_eq!(
            app.count("select count(*) from outbox").await,
            mail_before + 1
        );

        let (status, _) = visitor.get_text(&path).await;
        assert_eq!(status, 200);
        let res = visitor
            .post_form(
                &path,
                &[
                    ("password", NEW_PASSWORD),
                    ("password_confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/signin"));

        // Every existing session ended.
        assert_sent_to_signin(&signed_in, "/staff").await;
        assert_eq!(sessions_of(&app, staff.id).await, 0);
        // The old password stops working; the new one works.
        assert_eq!(
            password_step(&app.client(), &staff.email, PASSWORD)
                .await
                .status(),
            401
        );
        let res = password_step(&app.client(), &staff.email, NEW_PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin/code");

        // The link works once.
        let (status, _) = visitor.get_text(&path).await;
        assert_eq!(status, 410);
        let res = visitor
            .post_form(
                &path,
                &[
                    ("password", "yet another passphrase"),
                    ("password_confirm", "yet another passphrase"),
                ],
            )
            .await;
        assert_eq!(res.status(), 410);
        let res = password_step(&app.client(), &staff.email, NEW_PASSWORD).await;
        assert_eq!(res.status(), 303, "the refused second use changed nothing");
    }
);

app_test!(
    async fn a_password_reset_link_expires_after_an_hour(app: TestApp) {
        let staff = app.staff("lee@staff.test", &[Role::Coordinator]).await;
        let visitor = app.client();
        let res = visitor
            .post_form("/password/forgot", &[("email", &staff.email)])
            .await;
        assert_eq!(res.status(), 303);
        let mail = app.last_mail_to(&staff.email).await.expect("a reset mail");
        let link = link_in(&mail.body_text, &app.url("/password/reset/")).expect("a reset link");
        let path = link.trim_start_matches(&app.addr).to_owned();

        app.advance(mins(59));
        let (status, _) = visitor.get_text(&path).await;
        assert_eq!(status, 200);
        app.advance(mins(2));
        let (status, _) = visitor.get_text(&path).await;
        assert_eq!(status, 410);
        let res = visitor
            .post_form(
                &path,
                &[
                    ("password", NEW_PASSWORD),
                    ("password_confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 410);
        assert_eq!(
            password_step(&app.client(), &staff.email, PASSWORD)
                .await
                .status(),
            303
        );
        assert_eq!(
            password_step(&app.client(), &staff.email, NEW_PASSWORD)
                .await
                .status(),
            401
        );
    }
);

// 9. Deactivation and second-factor resets.

app_test!(
    async fn deactivating_a_user_ends_their_session_and_tokens_at_once(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let (coordinator, session) = app.signed_in_as(&[Role::Coordinator]).await;
        let token = app.token(&coordinator).await;
        assert_eq!(session.get("/inquiries").await.status(), 200);
        assert_eq!(
            api_get(&app, "/api/v1/inquiries", &token).await.status(),
            200
        );

        let res = admin
            .post_form(&format!("/admin/users/{}/deactivate", coordinator.id), &[])
            .await;
        assert_eq!(res.status(), 303);

        assert_sent_to_signin(&session, "/inquiries").await;
        assert_eq!(sessions_of(&app, coordinator.id).await, 0);
        assert_eq!(
            api_get(&app, "/api/v1/inquiries", &token).await.status(),
            401
        );
        assert_eq!(
            password_step(&app.client(), &coordinator.email, PASSWORD)
                .await
                .status(),
            401
        );
        let entries = audit_entries(&app, "user.deactivated").await;
        assert_eq!(
            entries,
            vec![(Some(admin_staff.id.to_string()), coordinator.id.to_string())]
        );
    }
);

app_test!(
    async fn after_an_admin_resets_a_second_factor_the_user_sets_up_again(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let (coordinator, session) = app.signed_in_as(&[Role::Coordinator]).await;

        let res = admin
            .post_form(
                &format!("/admin/users/{}/reset-second-factor", coordinator.id),
                &[],
            )
            .await;
        assert_eq!(res.status(), 303);

        assert_sent_to_signin(&session, "/staff").await;
        let c = app.client();
        let res = password_step(&c, &coordinator.email, PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin/setup");
        // The old authenticator no longer counts.
        app.advance(SignedDuration::from_secs(31));
        let res = c
            .post_form(
                "/signin/code",
                &[("code", &app.totp(&coordinator.totp_secret))],
            )
            .await;
        assert!(
            res.status().is_client_error() || location(&res) == "/signin/setup",
            "the old code is not accepted: {} {}",
            res.status(),
            location(&res)
        );
        assert_eq!(location(&c.get("/inquiries").await), "/signin/setup");

        let entries = audit_entries(&app, "user.second-factor-reset").await;
        assert_eq!(
            entries,
            vec![(Some(admin_staff.id.to_string()), coordinator.id.to_string())]
        );
    }
);

// 10. API tokens on the account page.

/// The table row of the account page that shows the token `label`.
fn token_row(page: &str, label: &str) -> String {
    let at = page
        .find(&format!("<td data-label=\"Label\">{label}</td>"))
        .expect("the token's row");
    let start = page[..at].rfind("<tr>").unwrap();
    let end = at + page[at..].find("</tr>").unwrap();
    page[start..end].to_owned()
}

app_test!(
    async fn the_account_page_lists_tokens_with_their_last_use_and_revokes_them(app: TestApp) {
        let (staff, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let (token_id, token) = app
            .services
            .create_token(Actor::Operator, &staff.email, "Lab results feed")
            .await
            .unwrap();

        let (status, page) = c.get_text("/account").await;
        assert_eq!(status, 200);
        let row = token_row(&page, "Lab results feed");
        assert!(
            row.contains("<td data-label=\"Last used\">never</td>"),
            "{row}"
        );

        assert_eq!(
            api_get(&app, "/api/v1/inquiries", &token).await.status(),
            200
        );
        let (_, page) = c.get_text("/account").await;
        let row = token_row(&page, "Lab results feed");
        let used = between(&row, "<td data-label=\"Last used\">", "</td>").unwrap();
        assert_ne!(used, "never");
        let today = app.services.now().strftime("%Y-%m-%d").to_string();
        assert!(used.contains(&today), "a time of last use: {used}");

        // Someone else cannot revoke it (it does not exist for them).
        let (_, other) = app.signed_in_as(&[Role::Coordinator]).await;
        let res = other
            .post_form(&format!("/account/tokens/{token_id}/revoke"), &[])
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(
            api_get(&app, "/api/v1/inquiries", &token).await.status(),
            200
        );

        let res = c
            .post_form(&format!("/account/tokens/{token_id}/revoke"), &[])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            api_get(&app, "/api/v1/inquiries", &token).await.status(),
            401
        );
        let (_, page) = c.get_text("/account").await;
        assert!(token_row(&page, "Lab results feed").contains("revoked"));
    }
);

// 11. Invitations.

/// A visitor's request, converted by `coordinator`; returns the inquiry id and the
/// path of the invitation link.
async fn converted_inquiry(app: &TestApp, coordinator: &Client, email: &str) -> (String, String) {
    let res = app
        .client()
        .post_form(
            "/consultation",
            &[
                ("name", "Ada Lovelace"),
                ("email", email),
                ("phone", ""),
                ("preferred_contact", "email"),
                ("reason", "Long-standing depression."),
                ("heard_from", ""),
                ("consent_to_contact", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let id: String = app
        .services
        .db
        .read(|c| {
            c.query_one("select id from inquiries", &[])?
                .get::<String>(0)
        })
        .await
        .unwrap();
    app.advance(SignedDuration::from_secs(1));
    let res = coordinator
        .post_form(
            &format!("/inquiries/{id}/convert"),
            &[(
                "consultation_outcome",
                "Consultation held by phone; a good fit for an intake.",
            )],
        )
        .await;
    assert_eq!(res.status(), 303);
    (id, invitation_path(app, email).await)
}

async fn invitation_path(app: &TestApp, email: &str) -> String {
    let mail = app.last_mail_to(email).await.expect("an invitation mail");
    let link = link_in(&mail.body_text, &app.url("/invitation/")).expect("an invitation link");
    link.trim_start_matches(&app.addr).to_owned()
}

app_test!(
    async fn invitation_links_can_be_resent_revoked_and_expire_after_seven_days(app: TestApp) {
        let (coordinator_staff, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let (id, first) = converted_inquiry(&app, &coordinator, "ada@example.org").await;
        let visitor = app.client();
        assert_eq!(visitor.get_text(&first).await.0, 200);

        // Resending: the old link dies, the new one works.
        app.advance(SignedDuration::from_secs(1));
        let res = coordinator
            .post_form(&format!("/inquiries/{id}/invitation/resend"), &[])
            .await;
        assert_eq!(res.status(), 303);
        let second = invitation_path(&app, "ada@example.org").await;
        assert_ne!(second, first);
        assert_eq!(visitor.get_text(&first).await.0, 410);
        assert_eq!(visitor.get_text(&second).await.0, 200);

        // Revoking: dead.
        let res = coordinator
            .post_form(&format!("/inquiries/{id}/invitation/revoke"), &[])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(visitor.get_text(&second).await.0, 410);
        let res = visitor
            .post_form(
                &second,
                &[
                    ("password", NEW_PASSWORD),
                    ("password_confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 410);

        // A fresh link lasts seven days, not longer.
        app.advance(SignedDuration::from_secs(1));
        let res = coordinator
            .post_form(&format!("/inquiries/{id}/invitation/resend"), &[])
            .await;
        assert_eq!(res.status(), 303);
        let third = invitation_path(&app, "ada@example.org").await;
        assert_eq!(visitor.get_text(&third).await.0, 200);
        app.advance(SignedDuration::from_hours(7 * 24) - mins(1));
        assert_eq!(
            visitor.get_text(&third).await.0,
            200,
            "still valid a minute before seven days"
        );
        app.advance(mins(2));
        assert_eq!(visitor.get_text(&third).await.0, 410);
        let res = visitor
            .post_form(
                &third,
                &[
                    ("password", NEW_PASSWORD),
                    ("password_confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 410);
        assert_eq!(
            app.count(
                "select count(*) from users u join user_roles r on r.user_id = u.id
                 where r.role = 'client' and u.password_hash is not null"
            )
            .await,
            0,
            "no client password was set through a dead link"
        );

        // A coordinator (signed in again after a week away) can send a new one that works.
        let coordinator = app.signed_in(&coordinator_staff).await;
        let res = coordinator
            .post_form(&format!("/inquiries/{id}/invitation/resend"), &[])
            .await;
        assert_eq!(res.status(), 303);
        let fourth = invitation_path(&app, "ada@example.org").await;
        let res = visitor
            .post_form(
                &fourth,
                &[
                    ("password", NEW_PASSWORD),
                    ("password_confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal");
    }
);
