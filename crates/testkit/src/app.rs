//! An in-process Threshold on a fresh database, served on 127.0.0.1:0, with a
//! clock the test moves, and an HTTP client that keeps cookies like a browser.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use reqwest::header::HeaderMap;
use threshold_domain::Role;
use threshold_domain::ids::UserId;
use threshold_domain::{Clock, ManualClock};
use threshold_service::users::{NewStaff, StaffForm};
use threshold_service::{FieldCipher, Services, Settings};
use threshold_web::WebConfig;
use tokio::task::JoinHandle;

use crate::db::{Backend, TestDb};

pub const PASSWORD: &str = "correct horse battery staple";

/// A running app.
pub struct TestApp {
    pub addr: String,
    pub services: Services,
    pub clock: Arc<ManualClock>,
    pub db: TestDb,
    server: JoinHandle<()>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// A staff account made for a test, with the secret of its second factor.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: UserId,
    pub email: String,
    pub totp_secret: String,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_, _| {}).await
    }

    /// Spawns with adjusted settings.
    pub async fn spawn_with(
        backend: Backend,
        tweak: impl FnOnce(&mut Settings, &mut WebConfig),
    ) -> Self {
        let db = TestDb::new(backend).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let clock = Arc::new(ManualClock::new(Timestamp::now()));
        let mut settings = Settings {
            public_url: addr.clone(),
            clinic_name: "Threshold Test Clinic".into(),
            ..Settings::default()
        };
        let mut web = WebConfig {
            public_requests_per_hour: 1000,
            ..WebConfig::default()
        };
        tweak(&mut settings, &mut web);
        let services = Services::new(
            db.db.clone(),
            clock.clone(),
            FieldCipher::generate(),
            settings,
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let s2 = services.clone();
        let server = tokio::spawn(async move {
            let _ = threshold_web::serve(listener, s2, web, async {
                let _ = rx.await;
            })
            .await;
        });
        Self {
            addr,
            services,
            clock,
            db,
            server,
            stop: Some(tx),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look
    /// at each 303).
    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: self.addr.clone(),
        }
    }

    /// Creates a staff account with [`PASSWORD`] and a second factor already set up.
    pub async fn staff(&self, email: &str, roles: &[Role]) -> Staff {
        let staff = NewStaff::parse(&StaffForm {
            email: email.into(),
            name: format!("Test {}", roles.first().map_or("Staff", |r| r.label())),
            roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
        })
        .expect("valid staff");
        let id = self
            .services
            .create_staff_with_password(staff, PASSWORD)
            .await
            .expect("create staff");
        let secret = totp_rs::Secret::generate().to_base32();
        let sealed = self.services.cipher.encrypt(
            &secret,
            threshold_service::crypto::Binding {
                table: "users",
                column: "totp_secret",
                row_id: &id.to_string(),
            },
        );
        let now = self.services.now();
        self.services
            .db
            .write(move |c| threshold_store::users::set_totp(c, id, Some(&sealed), now))
            .await
            .expect("set totp");
        Staff {
            id,
            email: email.to_lowercase(),
            totp_secret: secret,
        }
    }

    /// The current code for a TOTP secret, by the app's clock.
    pub fn totp(&self, secret: &str) -> String {
        let bytes = totp_rs::Secret::try_from_base32(secret)
            .expect("secret")
            .as_ref()
            .to_vec();
        let totp = totp_rs::Builder::new()
            .with_secret(bytes)
            .build()
            .expect("totp");
        totp.generate(self.clock.now().as_second() as u64)
            .to_string()
    }

    /// Moves the clock on (past the current TOTP step, for a second code).
    pub fn advance(&self, by: SignedDuration) {
        self.clock.advance(by);
    }

    /// A client signed in as `staff` (password, then the TOTP code).
    pub async fn signed_in(&self, staff: &Staff) -> Client {
        let c = self.client();
        let res = c
            .post_form(
                "/signin",
                &[("email", &staff.email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 303, "sign-in password step");
        assert_eq!(location(&res), "/signin/code");
        // Each code works once: step the clock so repeated sign-ins get fresh codes.
        self.advance(SignedDuration::from_secs(31));
        let code = self.totp(&staff.totp_secret);
        let res = c.post_form("/signin/code", &[("code", &code)]).await;
        assert_eq!(res.status(), 303, "sign-in code step");
        c
    }

    /// Creates a staff account with these roles and signs it in.
    pub async fn signed_in_as(&self, roles: &[Role]) -> (Staff, Client) {
        let email = format!("{}@staff.test", uuid::Uuid::new_v4().simple());
        let s = self.staff(&email, roles).await;
        let c = self.signed_in(&s).await;
        (s, c)
    }

    /// Rows of a query (for asserting on stored data).
    pub async fn rows(
        &self,
        sql: &str,
        params: Vec<threshold_store::Value>,
    ) -> Vec<threshold_store::Row> {
        let sql = sql.to_owned();
        self.services
            .db
            .read(move |c| c.query(&sql, &params))
            .await
            .expect("query")
    }

    /// A demo staff account (after `seed_demo`) signed in with its fixed
    /// password and TOTP secret.
    pub async fn demo_signed_in(&self, email: &str) -> Client {
        let account = threshold_service::demo::ACCOUNTS
            .iter()
            .find(|a| a.email == email)
            .expect("a demo account");
        let c = self.client();
        let res = c
            .post_form(
                "/signin",
                &[
                    ("email", email),
                    ("password", threshold_service::demo::PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "demo sign-in password step");
        self.advance(SignedDuration::from_secs(31));
        let code = self.totp(account.totp_secret.expect("a staff account"));
        let res = c.post_form("/signin/code", &[("code", &code)]).await;
        assert_eq!(res.status(), 303, "demo sign-in code step");
        c
    }

    /// A client with a portal account: an inquiry converted by `coordinator`
    /// and the invitation accepted with [`CLIENT_PASSWORD`]. Returns their
    /// signed-in browser and client id.
    pub async fn portal_client(
        &self,
        coordinator: &Client,
        name: &str,
        email: &str,
    ) -> (Client, String) {
        let res = self
            .client()
            .post_form(
                "/consultation",
                &[
                    ("name", name),
                    ("email", email),
                    ("preferred_contact", "email"),
                    ("reason", "Depression."),
                    ("consent_to_contact", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "consultation request");
        let inquiry: String = self
            .rows(
                "select id from inquiries where email = $1",
                vec![email.into()],
            )
            .await[0]
            .get(0)
            .expect("inquiry id");
        let res = coordinator
            .post_form(
                &format!("/inquiries/{inquiry}/convert"),
                &[("consultation_outcome", "Fit.")],
            )
            .await;
        assert_eq!(res.status(), 303, "conversion");
        let mail = self.last_mail_to(email).await.expect("invitation queued");
        let link = link_in(&mail.body_text, &self.url("/invitation/")).expect("invitation link");
        let browser = self.client();
        let res = browser
            .post_form(
                link.trim_start_matches(&self.addr),
                &[
                    ("password", CLIENT_PASSWORD),
                    ("password_confirm", CLIENT_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "invitation accepted");
        let id: String = self
            .rows(
                "select id from clients where inquiry_id = $1",
                vec![inquiry.into()],
            )
            .await[0]
            .get(0)
            .expect("client id");
        (browser, id)
    }

    /// Creates an API token for a staff account.
    pub async fn token(&self, staff: &Staff) -> String {
        self.services
            .create_token(threshold_service::Actor::Operator, &staff.email, "test")
            .await
            .expect("token")
            .1
    }

    /// Runs a read against the database (for asserting on stored rows).
    pub async fn count(&self, sql: &'static str) -> i64 {
        self.services
            .db
            .read(move |c| c.query_i64(sql, &[]))
            .await
            .expect("count")
    }

    /// The newest mail queued to `addr`.
    pub async fn last_mail_to(&self, addr: &str) -> Option<threshold_store::outbox::MailRow> {
        let a = addr.to_owned();
        self.services
            .db
            .read(move |c| threshold_store::outbox::to_address(c, &a))
            .await
            .expect("mail")
            .into_iter()
            .next()
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.server).await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The `Location` header of a redirect.
/// The password [`TestApp::portal_client`] gives clients.
pub const CLIENT_PASSWORD: &str = "a long client passphrase";

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// Finds the first link in `text` that starts with `prefix`.
pub fn link_in(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)?;
    let rest = &text[start..];
    let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// An HTTP client with cookies, that knows how to find the CSRF token.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("get")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let s = r.status().as_u16();
        (s, r.text().await.expect("body"))
    }

    /// The CSRF token from a page's forms (fetches `/signin` when the page to look
    /// at is not given).
    pub async fn csrf(&self) -> String {
        let (_, body) = self.get_text("/consultation").await;
        csrf_in(&body).unwrap_or_else(|| panic!("no csrf token on the page"))
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts a form exactly as given (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{}", self.base, path))
            .form(fields)
            .send()
            .await
            .expect("post")
    }

    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        headers: HeaderMap,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}{}", self.base, path))
            .headers(headers)
            .json(body)
            .send()
            .await
            .expect("post json")
    }
}

/// The value of the first `name="csrf"` hidden field in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")?;
    let rest = &html[i + "name=\"csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

#[allow(dead_code)]
fn _assert_backend(_: Backend) {}
