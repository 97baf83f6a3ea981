//! Deny by default, proved over the whole route table: every route that is not
//! public refuses an anonymous caller, every route that needs a permission refuses
//! (and audits) a signed-in caller whose roles lack it, the public routes are
//! exactly the ones the foundation issue lists, and API tokens are refused when
//! they are unknown, revoked or belong to a deactivated account.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use threshold_domain::inquiry::InquiryForm;
use threshold_domain::{Permission, Role};
use threshold_service::{Actor, RequestMeta};
use threshold_testkit::{Client, TestApp, app_test, link_in, location};
use threshold_web::routes::{Access, RouteSpec, specs};

const CLIENT_PASSWORD: &str = "a long client passphrase";

/// The route's path with every parameter replaced by a fresh value that names
/// nothing in the database.
fn fill(path: &str) -> String {
    path.replace("{id}", &uuid::Uuid::now_v7().to_string())
        .replace("{room}", &uuid::Uuid::now_v7().to_string())
        .replace("{token}", &uuid::Uuid::new_v4().simple().to_string())
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Calls a route as `c` would from a page: GETs plainly, POSTs as a form with the
/// session's CSRF token, and API writes as JSON with the token in its header, so
/// what is tested is the permission and not CSRF.
async fn call(c: &Client, spec: &RouteSpec, path: &str) -> reqwest::Response {
    match (spec.method.as_str(), is_api(path)) {
        ("GET", _) => c.get(path).await,
        ("POST", false) => c.post_form(path, &[]).await,
        ("POST" | "PUT", true) => c
            .http
            .request(spec.method.clone(), format!("{}{path}", c.base))
            .header("x-csrf-token", c.csrf().await)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("api write"),
        (m, _) => panic!("the route table has a {m} route; teach this test to call it"),
    }
}

async fn denied_count(app: &TestApp) -> i64 {
    app.count("select count(*) from audit_log where action = 'access.denied'")
        .await
}

/// A fresh consultation request, as a visitor would send it.
async fn inquiry(app: &TestApp, name: &str, email: &str) -> String {
    let meta = RequestMeta::default();
    let form = InquiryForm {
        name: name.into(),
        email: email.into(),
        phone: String::new(),
        preferred_contact: "email".into(),
        reason: "I would like to know whether this could help me.".into(),
        heard_from: String::new(),
        consent_to_contact: true,
    };
    app.services
        .submit_inquiry(Actor::Anonymous(&meta), &form)
        .await
        .expect("inquiry accepted")
        .to_string()
}

/// A client with a portal account: an inquiry, converted by a coordinator, whose
/// invitation was accepted. Returns the client's signed-in browser.
async fn portal_client(app: &TestApp, coordinator: &Client, name: &str, email: &str) -> Client {
    let id = inquiry(app, name, email).await;
    let res = coordinator
        .post_form(
            &format!("/inquiries/{id}/convert"),
            &[(
                "consultation_outcome",
                "Consultation held by phone; a good fit for an intake.",
            )],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "convert: {}",
        res.text().await.unwrap_or_default()
    );
    let mail = app.last_mail_to(email).await.expect("invitation queued");
    let link = link_in(&mail.body_text, &app.url("/invitation/")).expect("invitation link");
    let path = link.trim_start_matches(&app.addr).to_owned();
    let client = app.client();
    let res = client
        .post_form(
            &path,
            &[
                ("password", CLIENT_PASSWORD),
                ("password_confirm", CLIENT_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/portal");
    client
}

/// One signed-in caller per role: each staff role alone, and a client.
async fn callers(app: &TestApp) -> Vec<(Role, Client)> {
    let mut out = Vec::new();
    for role in Role::STAFF {
        let (_, c) = app.signed_in_as(&[role]).await;
        out.push((role, c));
    }
    let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
    let client = portal_client(app, &coordinator, "Cara Client", "cara@example.org").await;
    out.push((Role::Client, client));
    out
}

#[test]
fn the_only_public_routes_are_the_ones_the_issue_lists() {
    let expected: BTreeSet<(String, String)> = [
        ("GET", "/"),
        ("GET", "/consultation"),
        ("POST", "/consultation"),
        ("GET", "/consultation/received"),
        ("GET", "/signin"),
        ("POST", "/signin"),
        ("POST", "/signout"),
        ("GET", "/password/forgot"),
        ("POST", "/password/forgot"),
        ("GET", "/password/reset/{token}"),
        ("POST", "/password/reset/{token}"),
        ("GET", "/invitation/{token}"),
        ("POST", "/invitation/{token}"),
        ("GET", "/calendar/{token}"),
        ("GET", "/static/style.css"),
        ("GET", "/static/icon.svg"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/api/v1/openapi.json"),
        ("POST", "/api/v1/inquiries"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_owned(), p.to_owned()))
    .collect();
    let public: BTreeSet<(String, String)> = specs()
        .into_iter()
        .filter(|s| s.access == Access::Public)
        .map(|s| (s.method.as_str().to_owned(), s.path.to_owned()))
        .collect();
    assert_eq!(
        public, expected,
        "a new public route must be a deliberate decision: update this list with it"
    );
}

#[test]
fn every_route_appears_once_in_the_table() {
    let all = specs();
    let distinct: BTreeSet<(String, &str)> = all
        .iter()
        .map(|s| (s.method.as_str().to_owned(), s.path))
        .collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "a (method, path) pair is listed twice"
    );
    assert!(all.iter().any(|s| matches!(s.access, Access::Perm(_))));
}

app_test!(
    async fn every_route_that_is_not_public_refuses_an_anonymous_caller(app: TestApp) {
        let visitor = app.client();
        let mut checked = 0;
        for spec in specs().into_iter().filter(|s| s.access != Access::Public) {
            let path = fill(spec.path);
            let res = call(&visitor, &spec, &path).await;
            let what = format!("{} {} ({:?})", spec.method, spec.path, spec.access);
            if is_api(spec.path) {
                assert_eq!(res.status(), 401, "{what}");
                let body: serde_json::Value = res.json().await.expect("JSON error body");
                assert_eq!(body["code"], "unauthenticated", "{what}: {body}");
            } else {
                assert_eq!(res.status(), 303, "{what}");
                let to = location(&res);
                assert!(to.starts_with("/signin"), "{what} redirected to {to}");
            }
            checked += 1;
        }
        assert!(checked >= 40, "only {checked} routes were checked");
        assert_eq!(app.count("select count(*) from inquiries").await, 0);
    }
);

app_test!(
    async fn every_role_without_a_routes_permission_is_refused_and_audited(app: TestApp) {
        let callers = callers(&app).await;
        let mut refusals = 0;
        for spec in specs() {
            let Access::Perm(perm) = spec.access else {
                continue;
            };
            let lacking: Vec<&(Role, Client)> =
                callers.iter().filter(|(r, _)| !r.grants(perm)).collect();
            assert!(
                !lacking.is_empty(),
                "{} {}: every role holds {perm:?}",
                spec.method,
                spec.path
            );
            for (role, c) in lacking {
                let path = fill(spec.path);
                let before = denied_count(&app).await;
                let res = call(c, &spec, &path).await;
                let what = format!("{} {} as {role} (needs {perm:?})", spec.method, spec.path);
                assert_eq!(res.status(), 403, "{what}");
                if is_api(spec.path) {
                    let body: serde_json::Value = res.json().await.expect("JSON error body");
                    assert_eq!(body["code"], "forbidden", "{what}: {body}");
                } else {
                    let page = res.text().await.unwrap_or_default();
                    assert!(page.contains("You do not have access"), "{what}: {page}");
                }
                assert_eq!(
                    denied_count(&app).await,
                    before + 1,
                    "{what}: no access.denied entry"
                );
                refusals += 1;
            }
        }
        assert!(refusals > 60, "only {refusals} refusals were checked");
        // The denials name who was refused and what they asked for.
        let named = app
            .count("select count(*) from audit_log where action = 'access.denied' and actor_user_id is not null and detail like 'GET %'")
            .await;
        assert!(named > 0);
    }
);

app_test!(
    async fn a_half_signed_in_route_refuses_an_anonymous_caller(app: TestApp) {
        let partial: Vec<RouteSpec> = specs()
            .into_iter()
            .filter(|s| s.access == Access::Partial)
            .collect();
        assert!(partial.len() >= 4, "expected the second-factor routes");
        let visitor = app.client();
        for spec in partial {
            let res = call(&visitor, &spec, spec.path).await;
            assert_eq!(res.status(), 303, "{} {}", spec.method, spec.path);
            assert!(
                location(&res).starts_with("/signin"),
                "{} {}",
                spec.method,
                spec.path
            );
            assert_ne!(location(&res), spec.path, "{} {}", spec.method, spec.path);
        }
    }
);

app_test!(
    async fn a_route_missing_from_the_table_answers_404(app: TestApp) {
        let visitor = app.client();
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        for c in [&visitor, &admin] {
            for path in [
                "/admin/secret",
                "/inquiries-export",
                "/portal/../admin/users/x/y/z",
                "/static/../Cargo.toml",
            ] {
                let res = c.get(path).await;
                assert_eq!(res.status(), 404, "GET {path}");
            }
            let res = c.get("/api/v1/patients").await;
            assert_eq!(res.status(), 404);
            let body: serde_json::Value = res.json().await.expect("JSON error body");
            assert_eq!(body["code"], "not_found");
            let res = c.post_form("/admin/purge", &[]).await;
            assert_eq!(res.status(), 404, "POST to an unknown route");
        }
    }
);

app_test!(
    async fn coordinators_and_administrators_see_inquiries_and_clinical_staff_do_not(app: TestApp) {
        let id = inquiry(&app, "Ines Inquirer", "ines@example.org").await;
        for role in [Role::Coordinator, Role::Administrator] {
            let (_, c) = app.signed_in_as(&[role]).await;
            let (status, queue) = c.get_text("/inquiries").await;
            assert_eq!(status, 200, "{role} on the queue");
            assert!(queue.contains("Ines Inquirer"), "{role}");
            let (status, page) = c.get_text(&format!("/inquiries/{id}")).await;
            assert_eq!(status, 200, "{role} on the inquiry");
            assert!(page.contains("Ines Inquirer"), "{role}");
            let (status, _) = c.get_text("/portal").await;
            assert_eq!(status, 403, "{role} on the portal");
        }
        for role in [Role::Clinician, Role::Physician, Role::MedicalPartner] {
            let (_, c) = app.signed_in_as(&[role]).await;
            let (status, staff_home) = c.get_text("/staff").await;
            assert_eq!(status, 200, "{role} on the staff home");
            assert!(!staff_home.contains("Ines Inquirer"), "{role}");
            // Every link the home page offers opens for this role.
            for link in staff_home.split("href=\"").skip(1) {
                let path = &link[..link.find('"').unwrap()];
                if path.starts_with('/') && !path.starts_with("/static") {
                    let status = c.get(path).await.status();
                    assert!(
                        status.is_success() || status.is_redirection(),
                        "{role}: the home page links {path}, which answers {status}"
                    );
                }
            }
            let (status, queue) = c.get_text("/inquiries").await;
            assert_eq!(status, 403, "{role} on the queue");
            assert!(!queue.contains("Ines Inquirer"));
            let (status, page) = c.get_text(&format!("/inquiries/{id}")).await;
            assert_eq!(status, 403, "{role} on the inquiry");
            assert!(!page.contains("Ines Inquirer"));
            let (status, _) = c.get_text("/portal").await;
            assert_eq!(status, 403, "{role} on the portal");
        }
    }
);

app_test!(
    async fn a_client_sees_the_portal_and_nothing_of_the_staff_area(app: TestApp) {
        let other = inquiry(&app, "Olga Other", "olga@example.org").await;
        let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let client = portal_client(&app, &coordinator, "Cleo Client", "cleo@example.org").await;
        let (status, portal) = client.get_text("/portal").await;
        assert_eq!(status, 200);
        assert!(portal.contains("Welcome, Cleo Client"));
        for path in [
            "/inquiries",
            "/staff",
            "/admin/users",
            "/admin/audit",
            "/inquiries/new",
        ] {
            let (status, page) = client.get_text(path).await;
            assert_eq!(status, 403, "client on {path}");
            assert!(!page.contains("Olga Other"), "client on {path}");
        }
        let (status, page) = client.get_text(&format!("/inquiries/{other}")).await;
        assert_eq!(status, 403);
        assert!(!page.contains("Olga Other"));
        let res = client.get("/api/v1/inquiries").await;
        assert_eq!(res.status(), 403);
    }
);

app_test!(
    async fn an_unknown_or_malformed_inquiry_id_answers_404(app: TestApp) {
        inquiry(&app, "Kim Known", "kim@example.org").await;
        let (staff, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let token = app.token(&staff).await;
        let unknown = uuid::Uuid::now_v7().to_string();
        for id in [
            unknown.as_str(),
            "not-a-uuid",
            "1%20or%201=1",
            "00000000-0000-0000-0000-00000000000g",
        ] {
            let (status, page) = coordinator.get_text(&format!("/inquiries/{id}")).await;
            assert_eq!(status, 404, "page for {id}");
            assert!(!page.contains("Kim Known"));
            let res = coordinator.get(&format!("/api/v1/inquiries/{id}")).await;
            assert_eq!(res.status(), 404, "API (session) for {id}");
            let body: serde_json::Value = res.json().await.expect("JSON error body");
            assert_eq!(body["code"], "not_found", "{id}");
            let res = coordinator
                .http
                .get(app.url(&format!("/api/v1/inquiries/{id}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "API (token) for {id}");
        }
        // Acting on an unknown inquiry changes nothing and answers 404 too.
        let res = coordinator
            .post_form(
                &format!("/inquiries/{unknown}/status"),
                &[("status", "contacted")],
            )
            .await;
        assert_eq!(res.status(), 404);
        let res = coordinator
            .post_form(
                &format!("/inquiries/{unknown}/convert"),
                &[(
                    "consultation_outcome",
                    "Consultation held by phone; a good fit for an intake.",
                )],
            )
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(app.count("select count(*) from clients").await, 0);
    }
);

app_test!(
    async fn each_client_sees_only_their_own_name_in_the_portal(app: TestApp) {
        let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let amara = portal_client(&app, &coordinator, "Amara Aaltonen", "amara@example.org").await;
        let bruno = portal_client(&app, &coordinator, "Bruno Bergqvist", "bruno@example.org").await;
        let (status, a) = amara.get_text("/portal").await;
        assert_eq!(status, 200);
        assert!(a.contains("Amara Aaltonen"));
        assert!(!a.contains("Bruno"), "Amara's portal shows Bruno");
        let (status, b) = bruno.get_text("/portal").await;
        assert_eq!(status, 200);
        assert!(b.contains("Bruno Bergqvist"));
        assert!(!b.contains("Amara"), "Bruno's portal shows Amara");
        let (status, account) = bruno.get_text("/account").await;
        assert_eq!(status, 200);
        assert!(!account.contains("Amara"));
    }
);

async fn bearer_get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
}

async fn bearer_post_inquiry(app: &TestApp, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/inquiries"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "name": "Pat Phone",
            "email": "pat@example.org",
            "preferred_contact": "email",
            "reason": "Called the front desk.",
            "consent_to_contact": true
        }))
        .send()
        .await
        .expect("post")
}

async fn assert_invalid_token(res: reqwest::Response, what: &str) {
    assert_eq!(res.status(), 401, "{what}");
    let challenge = res
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        challenge.starts_with("Bearer"),
        "{what}: WWW-Authenticate {challenge:?}"
    );
}

app_test!(
    async fn a_coordinators_token_lists_inquiries_and_a_clinicians_token_is_refused(app: TestApp) {
        inquiry(&app, "Tess Token", "tess@example.org").await;
        let coordinator = app.staff("coord@staff.test", &[Role::Coordinator]).await;
        let clinician = app.staff("clin@staff.test", &[Role::Clinician]).await;
        let res = bearer_get(&app, "/api/v1/inquiries", &app.token(&coordinator).await).await;
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["total"], 1);
        assert_eq!(body["items"][0]["name"], "Tess Token");

        let before = denied_count(&app).await;
        let res = bearer_get(&app, "/api/v1/inquiries", &app.token(&clinician).await).await;
        assert_eq!(res.status(), 403);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "forbidden");
        assert!(!body.to_string().contains("Tess"));
        assert_eq!(denied_count(&app).await, before + 1);
    }
);

app_test!(
    async fn a_revoked_token_is_refused_everywhere_even_on_public_endpoints(app: TestApp) {
        let coordinator = app.staff("coord@staff.test", &[Role::Coordinator]).await;
        let (id, secret) = app
            .services
            .create_token(Actor::Operator, &coordinator.email, "integration")
            .await
            .unwrap();
        assert_eq!(
            bearer_get(&app, "/api/v1/inquiries", &secret)
                .await
                .status(),
            200
        );
        app.services.revoke_token_as_operator(id).await.unwrap();

        assert_invalid_token(bearer_get(&app, "/api/v1/inquiries", &secret).await, "list").await;
        assert_invalid_token(bearer_get(&app, "/healthz", &secret).await, "healthz").await;
        assert_invalid_token(
            bearer_get(&app, "/api/v1/openapi.json", &secret).await,
            "openapi",
        )
        .await;
        let res = bearer_post_inquiry(&app, &secret).await;
        assert_invalid_token(res, "POST /api/v1/inquiries").await;
        assert_eq!(
            app.count("select count(*) from inquiries").await,
            0,
            "nothing stored"
        );
        // Without the header the same endpoints answer.
        let res = reqwest::get(app.url("/healthz")).await.unwrap();
        assert_eq!(res.status(), 200);
    }
);

app_test!(
    async fn a_garbage_token_is_refused(app: TestApp) {
        let coordinator = app.staff("coord@staff.test", &[Role::Coordinator]).await;
        let real = app.token(&coordinator).await;
        let tampered = format!("{}x", &real[..real.len() - 1]);
        let long = format!("thr_{}", "a".repeat(5000));
        for garbage in [
            "thr_garbage",
            "garbage",
            "",
            tampered.as_str(),
            long.as_str(),
        ] {
            assert_invalid_token(
                bearer_get(&app, "/api/v1/inquiries", garbage).await,
                garbage,
            )
            .await;
            assert_invalid_token(bearer_get(&app, "/healthz", garbage).await, garbage).await;
        }
        // A scheme other than Bearer is not a token either.
        let res = reqwest::Client::new()
            .get(app.url("/api/v1/inquiries"))
            .basic_auth(&coordinator.email, Some(threshold_testkit::app::PASSWORD))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(app.count("select count(*) from inquiries").await, 0);
    }
);

app_test!(
    async fn a_deactivated_users_token_is_refused(app: TestApp) {
        let coordinator = app.staff("coord@staff.test", &[Role::Coordinator]).await;
        let token = app.token(&coordinator).await;
        assert_eq!(
            bearer_get(&app, "/api/v1/inquiries", &token).await.status(),
            200
        );
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let res = admin
            .post_form(&format!("/admin/users/{}/deactivate", coordinator.id), &[])
            .await;
        assert_eq!(
            res.status(),
            303,
            "{}",
            res.text().await.unwrap_or_default()
        );
        assert_invalid_token(bearer_get(&app, "/api/v1/inquiries", &token).await, "list").await;
        assert_invalid_token(bearer_post_inquiry(&app, &token).await, "create").await;
        assert_eq!(app.count("select count(*) from inquiries").await, 0);
    }
);

#[test]
fn every_permission_is_held_by_some_role_and_withheld_from_another() {
    // The role-based tests above only mean something if each permission a route
    // names separates some roles from others.
    for spec in specs() {
        if let Access::Perm(p) = spec.access {
            let holders = Role::ALL.iter().filter(|r| r.grants(p)).count();
            assert!(
                holders > 0,
                "{} {}: nobody holds {p:?}",
                spec.method,
                spec.path
            );
            assert!(
                holders < Role::ALL.len(),
                "{} {}: everyone holds {p:?}",
                spec.method,
                spec.path
            );
        }
    }
    assert!(!Role::Client.grants(Permission::StaffArea));
}

app_test!(
    async fn a_caller_owing_the_second_factor_is_refused_signed_in_routes(app: TestApp) {
        let staff = app
            .staff("half@staff.test", &[Role::Administrator, Role::Coordinator])
            .await;
        let half = app.client();
        let res = half
            .post_form(
                "/signin",
                &[
                    ("email", &staff.email),
                    ("password", threshold_testkit::app::PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin/code");
        for spec in specs()
            .into_iter()
            .filter(|s| matches!(s.access, Access::Signed | Access::Perm(_)))
        {
            let path = fill(spec.path);
            let res = call(&half, &spec, &path).await;
            let what = format!("{} {}", spec.method, spec.path);
            if is_api(spec.path) {
                assert_eq!(res.status(), 401, "{what}");
            } else {
                assert_eq!(res.status(), 303, "{what}");
                assert_eq!(location(&res), "/signin/code", "{what}");
            }
        }
    }
);
