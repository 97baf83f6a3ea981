//! The audit trail through the HTTP interface: who did what to which records, with
//! the request id and source address of the request; the hash chain that shows a
//! changed or removed row; the administrator's view of it; and one unbroken chain
//! under concurrent writes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use jiff::SignedDuration;
use threshold_domain::Role;
use threshold_domain::audit::ChainBreak;
use threshold_service::audit::Verification;
use threshold_store::{StoreError, Value};
use threshold_testkit::{Client, TestApp, app_test, location};

/// One row of `audit_log`, read straight from the table.
#[derive(Debug, Clone)]
struct Logged {
    seq: i64,
    at_ms: i64,
    actor_user_id: Option<String>,
    actor_roles: String,
    action: String,
    outcome: String,
    subject_type: Option<String>,
    subject_ids: String,
    client_id: Option<String>,
    request_id: Option<String>,
    source_ip: Option<String>,
    detail: Option<String>,
}

impl Logged {
    fn subjects(&self) -> BTreeSet<String> {
        self.subject_ids
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Every row of the trail, oldest first.
async fn audit_log(app: &TestApp) -> Vec<Logged> {
    app.services
        .db
        .read(|c| {
            c.query(
                "select seq, at, actor_user_id, actor_roles, action, outcome, subject_type, subject_ids,
                        client_id, request_id, source_ip, detail
                 from audit_log order by seq",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(Logged {
                    seq: r.get(0)?,
                    at_ms: r.get(1)?,
                    actor_user_id: r.get(2)?,
                    actor_roles: r.get(3)?,
                    action: r.get(4)?,
                    outcome: r.get(5)?,
                    subject_type: r.get(6)?,
                    subject_ids: r.get(7)?,
                    client_id: r.get(8)?,
                    request_id: r.get(9)?,
                    source_ip: r.get(10)?,
                    detail: r.get(11)?,
                })
            })
            .collect::<threshold_store::Result<Vec<_>>>()
        })
        .await
        .unwrap()
}

fn request_id(res: &reqwest::Response) -> String {
    res.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("every response names its request")
        .to_owned()
}

/// The one entry with `action` written by the request `rid`; also checks the
/// fields every entry carries (request id, source address, time).
async fn logged(app: &TestApp, rid: &str, action: &str) -> Logged {
    let all = audit_log(app).await;
    let mine: Vec<&Logged> = all
        .iter()
        .filter(|e| e.request_id.as_deref() == Some(rid))
        .collect();
    let hits: Vec<&&Logged> = mine.iter().filter(|e| e.action == action).collect();
    assert_eq!(
        hits.len(),
        1,
        "one {action} entry for request {rid}; that request wrote {mine:#?}"
    );
    let e = (*hits[0]).clone();
    assert_eq!(e.source_ip.as_deref(), Some("127.0.0.1"), "{e:?}");
    assert_eq!(
        e.at_ms,
        app.services.now().as_millisecond(),
        "recorded at the app's (UTC) clock: {e:?}"
    );
    e
}

fn consultation(name: &str, email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_owned()),
        ("email", email.to_owned()),
        ("phone", String::new()),
        ("preferred_contact", "email".to_owned()),
        (
            "reason",
            "Years of depression; my psychiatrist suggested KAP.".to_owned(),
        ),
        ("heard_from", String::new()),
        ("consent_to_contact", "yes".to_owned()),
    ]
}

async fn post(c: &Client, path: &str, fields: &[(&'static str, String)]) -> reqwest::Response {
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form(path, &f).await
}

async fn inquiry_id_of(app: &TestApp, email: &str) -> String {
    let e = email.to_owned();
    app.services
        .db
        .read(move |c| {
            c.query_one(
                "select id from inquiries where email = $1",
                &[Value::from(e)],
            )?
            .get::<String>(0)
        })
        .await
        .unwrap()
}

async fn verify(app: &TestApp) -> Verification {
    app.services.audit_verify().await.unwrap()
}

/// A morning at the clinic: requests arrive, a coordinator works them, someone
/// mistypes a password and a clinician wanders into the queue.
async fn a_morning_of_activity(app: &TestApp) {
    let visitor = app.client();
    for (name, email) in [
        ("Ada Lovelace", "ada@example.org"),
        ("Grace Hopper", "grace@example.org"),
    ] {
        let res = post(&visitor, "/consultation", &consultation(name, email)).await;
        assert_eq!(res.status(), 303);
    }
    let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
    assert_eq!(coordinator.get("/inquiries").await.status(), 200);
    let ada = inquiry_id_of(app, "ada@example.org").await;
    assert_eq!(
        coordinator.get(&format!("/inquiries/{ada}")).await.status(),
        200
    );
    let res = coordinator
        .post_form(
            &format!("/inquiries/{ada}/status"),
            &[("status", "contacted"), ("closed_reason", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = coordinator
        .post_form(
            &format!("/inquiries/{ada}/convert"),
            &[(
                "consultation_outcome",
                "Consultation held by phone; a good fit for an intake.",
            )],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .client()
        .post_form(
            "/signin",
            &[
                ("email", "nobody@example.org"),
                ("password", "a guessed password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 401);
    let (_, clinician) = app.signed_in_as(&[Role::Clinician]).await;
    assert_eq!(clinician.get("/inquiries").await.status(), 403);
    app.advance(SignedDuration::from_secs(5));
}

// 1. What is recorded.

app_test!(
    async fn sign_ins_refusals_and_inquiry_reads_and_changes_name_their_request(app: TestApp) {
        let coordinator = app.staff("kim@staff.test", &[Role::Coordinator]).await;
        let me = Some(coordinator.id.to_string());
        let c = app.client();

        // A failed sign-in: no actor, but the account it was aimed at.
        let res = c
            .post_form(
                "/signin",
                &[
                    ("email", &coordinator.email),
                    ("password", "not my password"),
                ],
            )
            .await;
        assert_eq!(res.status(), 401);
        let e = logged(&app, &request_id(&res), "auth.sign-in-failed").await;
        assert_eq!(e.actor_user_id, None);
        assert_eq!(e.actor_roles, "anonymous");
        assert_eq!(e.outcome, "failed");
        assert_eq!(e.subject_ids, coordinator.id.to_string());

        // Signing in: the password step and the second factor.
        let res = c
            .post_form(
                "/signin",
                &[
                    ("email", &coordinator.email),
                    ("password", threshold_testkit::app::PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let e = logged(&app, &request_id(&res), "auth.sign-in").await;
        assert_eq!(e.actor_user_id, me);
        assert_eq!(e.actor_roles, "coordinator");
        assert_eq!(e.outcome, "ok");
        app.advance(SignedDuration::from_secs(31));
        let res = c
            .post_form(
                "/signin/code",
                &[("code", &app.totp(&coordinator.totp_secret))],
            )
            .await;
        assert_eq!(res.status(), 303);
        let e = logged(&app, &request_id(&res), "auth.second-factor").await;
        assert_eq!(e.actor_user_id, me);
        assert_eq!(e.actor_roles, "coordinator");

        // Creating an inquiry: a visitor's, and one the coordinator records by phone.
        let res = post(
            &app.client(),
            "/consultation",
            &consultation("Ada Lovelace", "ada@example.org"),
        )
        .await;
        assert_eq!(res.status(), 303);
        let ada = inquiry_id_of(&app, "ada@example.org").await;
        let e = logged(&app, &request_id(&res), "inquiry.created").await;
        assert_eq!(e.actor_user_id, None);
        assert_eq!(e.actor_roles, "anonymous");
        assert_eq!(e.subject_type.as_deref(), Some("inquiry"));
        assert_eq!(e.subject_ids, ada);

        let res = post(
            &c,
            "/inquiries/new",
            &consultation("Grace Hopper", "grace@example.org"),
        )
        .await;
        assert_eq!(res.status(), 303);
        let grace = inquiry_id_of(&app, "grace@example.org").await;
        assert!(location(&res).starts_with(&format!("/inquiries/{grace}")));
        let e = logged(&app, &request_id(&res), "inquiry.created").await;
        assert_eq!(e.actor_user_id, me);
        assert_eq!(e.actor_roles, "coordinator");
        assert_eq!(e.subject_ids, grace);

        // The queue: one entry naming every inquiry shown.
        let res = c.get("/inquiries").await;
        assert_eq!(res.status(), 200);
        let rid = request_id(&res);
        let page = res.text().await.unwrap();
        assert!(
            page.contains(&format!("/inquiries/{ada}"))
                && page.contains(&format!("/inquiries/{grace}"))
        );
        let e = logged(&app, &rid, "inquiry.listed").await;
        assert_eq!(e.actor_user_id, me);
        assert_eq!(e.actor_roles, "coordinator");
        assert_eq!(e.subjects(), BTreeSet::from([ada.clone(), grace.clone()]));
        // A filtered queue names only what it showed.
        let res = c.get("/inquiries?q=Grace").await;
        assert_eq!(res.status(), 200);
        let e = logged(&app, &request_id(&res), "inquiry.listed").await;
        assert_eq!(e.subjects(), BTreeSet::from([grace.clone()]));

        // Viewing one.
        let res = c.get(&format!("/inquiries/{ada}")).await;
        assert_eq!(res.status(), 200);
        let e = logged(&app, &request_id(&res), "inquiry.viewed").await;
        assert_eq!(e.actor_user_id, me);
        assert_eq!(e.actor_roles, "coordinator");
        assert_eq!(e.subject_ids, ada);

        // Changing its status.
        let res = c
            .post_form(
                &format!("/inquiries/{ada}/status"),
                &[("status", "contacted"), ("closed_reason", "")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let e = logged(&app, &request_id(&res), "inquiry.status-changed").await;
        assert_eq!(e.actor_user_id, me);
        assert_eq!(e.subject_ids, ada);
        assert_eq!(e.detail.as_deref(), Some("new -> contacted"));

        // Converting it.
        let res = c
            .post_form(
                &format!("/inquiries/{ada}/convert"),
                &[(
                    "consultation_outcome",
                    "Consultation held by phone; a good fit for an intake.",
                )],
            )
            .await;
        assert_eq!(res.status(), 303);
        let e = logged(&app, &request_id(&res), "inquiry.converted").await;
        assert_eq!(e.actor_user_id, me);
        assert_eq!(e.actor_roles, "coordinator");
        assert_eq!(e.subject_ids, ada);
        let client_id = app
            .services
            .db
            .read(|c| c.query_one("select id from clients", &[])?.get::<String>(0))
            .await
            .unwrap();
        assert_eq!(e.client_id, Some(client_id));

        // A refusal: a clinician has no business in the queue.
        let (clinician, cl) = app.signed_in_as(&[Role::Clinician]).await;
        let res = cl.get("/inquiries").await;
        assert_eq!(res.status(), 403);
        let e = logged(&app, &request_id(&res), "access.denied").await;
        assert_eq!(e.actor_user_id, Some(clinician.id.to_string()));
        assert_eq!(e.actor_roles, "clinician");
        assert_eq!(e.outcome, "denied");
        let res = cl.get(&format!("/inquiries/{ada}")).await;
        assert_eq!(res.status(), 403);
        let e = logged(&app, &request_id(&res), "access.denied").await;
        assert_eq!(e.actor_user_id, Some(clinician.id.to_string()));
        assert!(
            audit_log(&app)
                .await
                .iter()
                .all(|e| !(e.action == "inquiry.viewed" && e.actor_roles == "clinician")),
            "a refused read is not recorded as a read"
        );
    }
);

// 2. The chain.

/// Runs a statement outside the app, as someone with database access would.
async fn sql(app: &TestApp, stmt: &'static str) -> Result<u64, StoreError> {
    app.services.db.write(move |c| c.execute(stmt, &[])).await
}

fn on_postgres(app: &TestApp) -> bool {
    app.services.db.backend() == threshold_store::Backend::Postgres
}

async fn seqs(app: &TestApp) -> Vec<i64> {
    audit_log(app).await.iter().map(|e| e.seq).collect()
}

app_test!(
    async fn after_real_activity_the_chain_verifies_and_the_database_refuses_edits(app: TestApp) {
        a_morning_of_activity(&app).await;
        let n = app.count("select count(*) from audit_log").await;
        assert!(n >= 15, "a realistic trail: {n} entries");
        assert_eq!(verify(&app).await, Verification::Intact { entries: n });
        assert_eq!(seqs(&app).await, (1..=n).collect::<Vec<_>>());

        // The database itself refuses to change or remove entries.
        assert!(
            sql(&app, "update audit_log set detail = 'edited' where seq = 3")
                .await
                .is_err()
        );
        assert!(
            sql(&app, "delete from audit_log where seq = 3")
                .await
                .is_err()
        );
        assert!(sql(&app, "delete from audit_log").await.is_err());
        assert_eq!(app.count("select count(*) from audit_log").await, n);
        assert_eq!(verify(&app).await, Verification::Intact { entries: n });
    }
);

app_test!(
    async fn changing_one_audit_row_breaks_the_chain_at_that_entry(app: TestApp) {
        a_morning_of_activity(&app).await;
        let n = app.count("select count(*) from audit_log").await;
        let target = n / 2;
        if on_postgres(&app) {
            sql(
                &app,
                "alter table audit_log disable trigger audit_log_no_update",
            )
            .await
            .unwrap();
        } else {
            sql(&app, "drop trigger audit_log_no_update").await.unwrap();
        }
        let changed = app
            .services
            .db
            .write(move |c| {
                c.execute(
                    "update audit_log set actor_user_id = null, actor_roles = 'anonymous' where seq = $1",
                    &[Value::from(target)],
                )
            })
            .await
            .unwrap();
        assert_eq!(changed, 1);
        assert_eq!(
            verify(&app).await,
            Verification::Broken(ChainBreak::Altered { seq: target })
        );
    }
);

app_test!(
    async fn deleting_a_middle_audit_row_breaks_the_chain_at_the_gap(app: TestApp) {
        a_morning_of_activity(&app).await;
        let n = app.count("select count(*) from audit_log").await;
        let target = n / 2;
        if on_postgres(&app) {
            sql(
                &app,
                "alter table audit_log disable trigger audit_log_no_update",
            )
            .await
            .unwrap();
        } else {
            sql(&app, "drop trigger audit_log_no_delete").await.unwrap();
        }
        let removed = app
            .services
            .db
            .write(move |c| {
                c.execute(
                    "delete from audit_log where seq = $1",
                    &[Value::from(target)],
                )
            })
            .await
            .unwrap();
        assert_eq!(removed, 1);
        assert_eq!(
            verify(&app).await,
            Verification::Broken(ChainBreak::Gap {
                seq: target + 1,
                expected: target
            })
        );
    }
);

app_test!(
    async fn deleting_the_newest_audit_row_is_detected(app: TestApp) {
        a_morning_of_activity(&app).await;
        let n = app.count("select count(*) from audit_log").await;
        if on_postgres(&app) {
            sql(
                &app,
                "alter table audit_log disable trigger audit_log_no_update",
            )
            .await
            .unwrap();
        } else {
            sql(&app, "drop trigger audit_log_no_delete").await.unwrap();
        }
        let removed = app
            .services
            .db
            .write(move |c| c.execute("delete from audit_log where seq = $1", &[Value::from(n)]))
            .await
            .unwrap();
        assert_eq!(removed, 1);
        assert_eq!(
            verify(&app).await,
            Verification::Broken(ChainBreak::Truncated {
                found: Some(n - 1),
                head_seq: n
            })
        );
    }
);

// 3. The administrator's view.

/// The contents of every `<td data-label="{label}">` cell of a page.
fn cells(page: &str, label: &str) -> Vec<String> {
    let open = format!("<td data-label=\"{label}\">");
    page.split(&open)
        .skip(1)
        .map(|rest| rest[..rest.find("</td>").unwrap()].to_owned())
        .collect()
}

/// The action names shown on an audit page.
fn actions(page: &str) -> Vec<String> {
    cells(page, "Action")
        .iter()
        .map(|c| c.split(['<', ' ']).next().unwrap().to_owned())
        .collect()
}

app_test!(
    async fn admins_browse_and_filter_the_trail_and_their_browsing_is_recorded(app: TestApp) {
        a_morning_of_activity(&app).await;
        let coordinator_id: String = app
            .services
            .db
            .read(|c| {
                c.query_one(
                    "select u.id from users u join user_roles r on r.user_id = u.id where r.role = 'coordinator'",
                    &[],
                )?
                .get::<String>(0)
            })
            .await
            .unwrap();
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let admin_id = Some(admin_staff.id.to_string());

        // Newest first.
        let res = admin.get("/admin/audit").await;
        assert_eq!(res.status(), 200);
        let rid = request_id(&res);
        let page = res.text().await.unwrap();
        let shown: Vec<i64> = cells(&page, "#")
            .iter()
            .map(|s| s.trim().parse().unwrap())
            .collect();
        assert!(shown.len() >= 15, "{shown:?}");
        assert!(
            shown.windows(2).all(|w| w[0] > w[1]),
            "newest first: {shown:?}"
        );
        let viewed = logged(&app, &rid, "audit.viewed").await;
        assert_eq!(viewed.actor_user_id, admin_id);
        assert_eq!(viewed.actor_roles, "administrator");
        assert_eq!(
            shown[0],
            viewed.seq - 1,
            "the newest entry before this view comes first"
        );
        assert_eq!(*shown.last().unwrap(), 1);

        // By action prefix.
        let res = admin.get("/admin/audit?action=inquiry.").await;
        assert_eq!(res.status(), 200);
        let rid = request_id(&res);
        let page = res.text().await.unwrap();
        let shown = actions(&page);
        let expected = audit_log(&app)
            .await
            .iter()
            .filter(|e| e.action.starts_with("inquiry."))
            .count();
        assert!(expected >= 5);
        assert_eq!(shown.len(), expected, "{shown:?}");
        assert!(shown.iter().all(|a| a.starts_with("inquiry.")), "{shown:?}");
        logged(&app, &rid, "audit.viewed").await;
        // By exact action.
        let (status, page) = admin
            .get_text("/admin/audit?action=inquiry.converted")
            .await;
        assert_eq!(status, 200);
        assert_eq!(actions(&page), vec!["inquiry.converted".to_owned()]);

        // By actor.
        let res = admin
            .get(&format!("/admin/audit?actor={coordinator_id}"))
            .await;
        assert_eq!(res.status(), 200);
        let rid = request_id(&res);
        let page = res.text().await.unwrap();
        let who = cells(&page, "Who");
        let expected = audit_log(&app)
            .await
            .iter()
            .filter(|e| e.actor_user_id.as_deref() == Some(coordinator_id.as_str()))
            .count();
        assert!(expected >= 5);
        assert_eq!(who.len(), expected);
        assert!(
            who.iter()
                .all(|w| w.contains(&format!("actor={coordinator_id}\""))
                    && w.contains("Test Care coordinator")),
            "{who:?}"
        );
        logged(&app, &rid, "audit.viewed").await;

        // A malformed filter is refused, and nothing was shown so nothing is recorded.
        let before = app
            .count("select count(*) from audit_log where action = 'audit.viewed'")
            .await;
        let res = admin.get("/admin/audit?actor=not-an-id").await;
        assert_eq!(res.status(), 400);
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'audit.viewed'")
                .await,
            before
        );
        assert_eq!(before, 4);

        // A coordinator may not look.
        let (coordinator, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let res = c.get("/admin/audit").await;
        assert_eq!(res.status(), 403);
        let denied = logged(&app, &request_id(&res), "access.denied").await;
        assert_eq!(denied.actor_user_id, Some(coordinator.id.to_string()));
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'audit.viewed'")
                .await,
            before
        );
    }
);

// 4. Concurrency.

app_test!(
    async fn fifty_concurrent_audited_reads_leave_one_unbroken_chain(app: TestApp) {
        let res = post(
            &app.client(),
            "/consultation",
            &consultation("Ada Lovelace", "ada@example.org"),
        )
        .await;
        assert_eq!(res.status(), 303);
        let ada = inquiry_id_of(&app, "ada@example.org").await;
        let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let path = format!("/inquiries/{ada}");

        let mut set = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let c = coordinator.clone();
            let p = path.clone();
            set.spawn(async move {
                let res = c.get(&p).await;
                (res.status().as_u16(), request_id(&res))
            });
        }
        let mut rids = BTreeSet::new();
        while let Some(r) = set.join_next().await {
            let (status, rid) = r.unwrap();
            assert_eq!(status, 200);
            rids.insert(rid);
        }
        assert_eq!(rids.len(), 50);

        let log = audit_log(&app).await;
        let views: BTreeSet<String> = log
            .iter()
            .filter(|e| e.action == "inquiry.viewed" && e.subject_ids == ada)
            .filter_map(|e| e.request_id.clone())
            .collect();
        assert_eq!(views, rids, "each request wrote its own entry");
        let n = log.len() as i64;
        assert_eq!(
            log.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (1..=n).collect::<Vec<_>>()
        );
        assert_eq!(verify(&app).await, Verification::Intact { entries: n });
    }
);

/// A second server copy on the same database (as behind a load balancer): its own
/// connections and its own writer, the same key and clock.
async fn second_copy(app: &TestApp) -> String {
    let db =
        threshold_store::Db::open(&app.db.url, threshold_store::PoolOptions { connections: 4 })
            .await
            .unwrap();
    let services = threshold_service::Services::new(
        db,
        app.clock.clone(),
        app.services.cipher.clone(),
        (*app.services.settings).clone(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(threshold_web::serve(
        listener,
        services,
        threshold_web::WebConfig::default(),
        std::future::pending::<()>(),
    ));
    addr
}

app_test!(
    async fn two_server_copies_writing_at_once_keep_one_unbroken_chain(app: TestApp) {
        let res = post(
            &app.client(),
            "/consultation",
            &consultation("Ada Lovelace", "ada@example.org"),
        )
        .await;
        assert_eq!(res.status(), 303);
        let ada = inquiry_id_of(&app, "ada@example.org").await;
        let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let other = Client {
            http: coordinator.http.clone(),
            base: second_copy(&app).await,
        };
        assert_eq!(
            other.get("/staff").await.status(),
            200,
            "the session is shared through the database"
        );
        let path = format!("/inquiries/{ada}");

        let mut set = tokio::task::JoinSet::new();
        for i in 0..50 {
            let c = if i % 2 == 0 {
                coordinator.clone()
            } else {
                other.clone()
            };
            let p = path.clone();
            set.spawn(async move { c.get(&p).await.status().as_u16() });
        }
        while let Some(r) = set.join_next().await {
            assert_eq!(r.unwrap(), 200);
        }

        let log = audit_log(&app).await;
        let views = log
            .iter()
            .filter(|e| e.action == "inquiry.viewed" && e.subject_ids == ada)
            .count();
        assert_eq!(views, 50);
        let n = log.len() as i64;
        assert_eq!(
            log.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (1..=n).collect::<Vec<_>>()
        );
        assert_eq!(verify(&app).await, Verification::Intact { entries: n });
    }
);

app_test!(
    async fn a_sign_in_refused_by_the_lockout_is_recorded_as_a_failed_sign_in(app: TestApp) {
        let staff = app.staff("lockout@staff.test", &[Role::Coordinator]).await;
        let c = app.client();
        for _ in 0..5 {
            let res = c
                .post_form(
                    "/signin",
                    &[
                        ("email", &staff.email),
                        ("password", "a wrong password guess"),
                    ],
                )
                .await;
            assert_eq!(res.status(), 401);
        }
        let res = c
            .post_form(
                "/signin",
                &[
                    ("email", &staff.email),
                    ("password", threshold_testkit::app::PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 429);
        let rid = request_id(&res);
        let written: Vec<Logged> = audit_log(&app)
            .await
            .into_iter()
            .filter(|e| e.request_id.as_deref() == Some(rid.as_str()))
            .collect();
        assert!(
            written.iter().any(|e| e.action.starts_with("auth.sign-in")
                && e.outcome != "ok"
                && e.source_ip.as_deref() == Some("127.0.0.1")),
            "an attempt refused by the lockout is a failed sign-in and belongs in the trail; request {rid} wrote {written:#?}"
        );
    }
);
