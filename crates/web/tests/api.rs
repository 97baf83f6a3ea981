//! The JSON API under `/api/v1` and the OpenAPI document that describes it: what
//! the server accepts and answers, and that the document says the same.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use jiff::SignedDuration;
use serde_json::{Value, json};
use threshold_domain::Role;
use threshold_domain::ids::InquiryId;
use threshold_service::{Principal, RequestMeta};
use threshold_testkit::{TestApp, app_test, app_test_with, location};

const REASON: &str = "Years of depression; my psychiatrist suggested KAP.";

/// Every property `InquiryCreate` accepts (the server's struct), in one place.
const CREATE_FIELDS: [&str; 7] = [
    "name",
    "email",
    "phone",
    "preferred_contact",
    "reason",
    "heard_from",
    "consent_to_contact",
];

fn inquiry_body(name: &str, email: &str) -> Value {
    json!({
        "name": name,
        "email": email,
        "phone": "+1 555 010 0199",
        "preferred_contact": "email",
        "reason": REASON,
        "heard_from": "My psychiatrist",
        "consent_to_contact": true,
    })
}

/// A plain HTTP client: no cookies, no redirects followed.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn json_of(res: reqwest::Response) -> (u16, Option<String>, Value) {
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = res.text().await.expect("body");
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("status {status}: body is not JSON: {text:?}"));
    (status, ct, v)
}

async fn post_inquiry(app: &TestApp, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = http().post(app.url("/api/v1/inquiries")).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let (s, _, v) = json_of(req.send().await.expect("post")).await;
    (s, v)
}

async fn get_json(app: &TestApp, token: Option<&str>, path: &str) -> (u16, Value) {
    let mut req = http().get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let (s, _, v) = json_of(req.send().await.expect("get")).await;
    (s, v)
}

/// A coordinator's token (and the coordinator).
async fn coordinator_token(app: &TestApp) -> (threshold_testkit::Staff, String) {
    let email = format!("{}@staff.test", uuid::Uuid::new_v4().simple());
    let s = app.staff(&email, &[Role::Coordinator]).await;
    let t = app.token(&s).await;
    (s, t)
}

async fn token_for(app: &TestApp, roles: &[Role]) -> String {
    let email = format!("{}@staff.test", uuid::Uuid::new_v4().simple());
    let s = app.staff(&email, roles).await;
    app.token(&s).await
}

async fn principal(app: &TestApp, token: &str) -> Principal {
    app.services
        .authenticate_token(token, RequestMeta::default())
        .await
        .expect("token authenticates")
}

/// `(source, entered_by)` of a stored inquiry, or `None` when there is no such row.
async fn stored(app: &TestApp, id: &str) -> Option<(String, Option<String>)> {
    let id = id.to_owned();
    app.services
        .db
        .read(move |c| {
            c.query_opt(
                "select source, entered_by from inquiries where id = $1",
                &[id.into()],
            )?
            .map(|r| {
                Ok::<_, threshold_store::StoreError>((
                    r.get::<String>(0)?,
                    r.get::<Option<String>>(1)?,
                ))
            })
            .transpose()
        })
        .await
        .expect("read inquiry")
}

/// Asserts the error shape of DESIGN.md: exactly `{code, message, field?, errors?}`.
fn assert_error_shape(what: &str, v: &Value) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what}: error body is not an object: {v}"));
    for k in obj.keys() {
        assert!(
            ["code", "message", "field", "errors"].contains(&k.as_str()),
            "{what}: unexpected key {k:?} in error body {v}"
        );
    }
    let code = obj.get("code").and_then(Value::as_str);
    assert!(
        code.is_some_and(|c| !c.is_empty()),
        "{what}: code must be a non-empty string: {v}"
    );
    let message = obj.get("message").and_then(Value::as_str);
    assert!(
        message.is_some_and(|m| !m.is_empty()),
        "{what}: message must be a non-empty string: {v}"
    );
    if let Some(f) = obj.get("field") {
        assert!(f.is_string(), "{what}: field must be a string: {v}");
    }
    if let Some(errs) = obj.get("errors") {
        let errs = errs
            .as_array()
            .unwrap_or_else(|| panic!("{what}: errors must be an array: {v}"));
        for e in errs {
            let eo = e
                .as_object()
                .unwrap_or_else(|| panic!("{what}: each error is an object: {v}"));
            let keys: BTreeSet<&str> = eo.keys().map(String::as_str).collect();
            assert_eq!(keys, BTreeSet::from(["field", "message"]), "{what}: {v}");
            assert!(
                eo["field"].is_string() && eo["message"].is_string(),
                "{what}: {v}"
            );
        }
    }
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

// ---------------------------------------------------------------------------
// 1. Creating inquiries
// ---------------------------------------------------------------------------

app_test!(
    async fn an_anonymous_caller_creates_a_web_inquiry_and_gets_its_id(app: TestApp) {
        let (status, body) =
            post_inquiry(&app, None, &inquiry_body("Ada Lovelace", "ada@example.org")).await;
        assert_eq!(status, 201, "{body}");
        let obj = body.as_object().expect("object");
        assert_eq!(
            obj.keys().collect::<Vec<_>>(),
            vec!["id"],
            "the body is exactly {{id}}: {body}"
        );
        let id = body["id"].as_str().expect("id is a string");
        assert!(
            id.parse::<InquiryId>().is_ok(),
            "id is a canonical uuid: {id}"
        );
        assert_eq!(stored(&app, id).await, Some(("web".to_owned(), None)));
        assert_eq!(app.count("select count(*) from inquiries").await, 1);
    }
);

app_test!(
    async fn a_coordinators_token_records_a_phone_inquiry_entered_by_them(app: TestApp) {
        let (coordinator, token) = coordinator_token(&app).await;
        let (status, body) = post_inquiry(
            &app,
            Some(&token),
            &inquiry_body("Grace Hopper", "grace@example.org"),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let id = body["id"].as_str().expect("id");
        assert_eq!(
            stored(&app, id).await,
            Some(("phone".to_owned(), Some(coordinator.id.to_string())))
        );
    }
);

app_test!(
    async fn a_session_cookie_write_needs_the_csrf_header(app: TestApp) {
        let (coordinator, browser) = app.signed_in_as(&[Role::Coordinator]).await;
        let body = inquiry_body("Grace Hopper", "grace@example.org");

        let res = browser
            .post_json(
                "/api/v1/inquiries",
                &body,
                reqwest::header::HeaderMap::new(),
            )
            .await;
        let (status, _, v) = json_of(res).await;
        assert_eq!(status, 403, "{v}");
        assert_error_shape("no csrf header", &v);
        assert_eq!(code(&v), "csrf_failed");
        assert_eq!(app.count("select count(*) from inquiries").await, 0);

        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-csrf-token", "0".repeat(64).parse().expect("header"));
        let res = browser.post_json("/api/v1/inquiries", &body, headers).await;
        assert_eq!(res.status(), 403, "a wrong token is refused");

        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "x-csrf-token",
            browser.csrf().await.parse().expect("header"),
        );
        let res = browser.post_json("/api/v1/inquiries", &body, headers).await;
        let (status, _, v) = json_of(res).await;
        assert_eq!(status, 201, "{v}");
        let id = v["id"].as_str().expect("id");
        assert_eq!(
            stored(&app, id).await,
            Some(("phone".to_owned(), Some(coordinator.id.to_string()))),
            "a signed-in coordinator records a phone inquiry"
        );
    }
);

app_test!(
    async fn a_clinicians_token_may_not_record_an_inquiry(app: TestApp) {
        let token = token_for(&app, &[Role::Clinician]).await;
        let (status, body) = post_inquiry(
            &app,
            Some(&token),
            &inquiry_body("Grace Hopper", "grace@example.org"),
        )
        .await;
        assert_eq!(status, 403, "{body}");
        assert_error_shape("clinician POST", &body);
        assert_eq!(code(&body), "forbidden");
        assert_eq!(
            app.count("select count(*) from inquiries").await,
            0,
            "nothing stored"
        );
    }
);

app_test!(
    async fn an_invalid_token_is_refused_even_on_the_public_create_endpoint(app: TestApp) {
        let (status, body) = post_inquiry(
            &app,
            Some("thr_not-a-real-token"),
            &inquiry_body("Ada", "ada@example.org"),
        )
        .await;
        assert_eq!(status, 401, "{body}");
        assert_error_shape("bad token", &body);
        assert_eq!(app.count("select count(*) from inquiries").await, 0);
    }
);

app_test!(
    async fn an_invalid_body_is_refused_naming_the_field_and_stores_nothing(app: TestApp) {
        // Validation: missing consent and a bad email, reported together.
        let mut body = inquiry_body("Ada Lovelace", "not-an-address");
        body["consent_to_contact"] = json!(false);
        let (status, v) = post_inquiry(&app, None, &body).await;
        assert_eq!(status, 422, "{v}");
        assert_error_shape("validation", &v);
        assert_eq!(code(&v), "validation_failed");
        assert_eq!(v["field"], "email", "the first field at fault: {v}");
        let fields: BTreeSet<&str> = v["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(
            fields,
            BTreeSet::from(["email", "consent_to_contact"]),
            "{v}"
        );

        // A field of the wrong type is named too.
        let mut body = inquiry_body("Ada Lovelace", "ada@example.org");
        body["consent_to_contact"] = json!("yes please");
        let (status, v) = post_inquiry(&app, None, &body).await;
        assert_eq!(status, 422, "{v}");
        assert_error_shape("wrong type", &v);
        assert_eq!(v["field"], "consent_to_contact", "{v}");

        // Not JSON at all.
        let res = http()
            .post(app.url("/api/v1/inquiries"))
            .header("content-type", "application/json")
            .body("{\"name\": \"Ada\",")
            .send()
            .await
            .expect("post");
        let (status, _, v) = json_of(res).await;
        assert_eq!(status, 400, "{v}");
        assert_error_shape("malformed", &v);

        // JSON of the right shape sent as another content type.
        let res = http()
            .post(app.url("/api/v1/inquiries"))
            .header("content-type", "text/plain")
            .body(inquiry_body("Ada Lovelace", "ada@example.org").to_string())
            .send()
            .await
            .expect("post");
        let (status, _, v) = json_of(res).await;
        assert_eq!(status, 415, "{v}");
        assert_error_shape("content type", &v);

        // Far too large.
        let mut body = inquiry_body("Ada Lovelace", "ada@example.org");
        body["reason"] = json!("x".repeat(1024 * 1024));
        let (status, v) = post_inquiry(&app, None, &body).await;
        assert_eq!(status, 413, "{v}");
        assert_error_shape("too large", &v);

        assert_eq!(
            app.count("select count(*) from inquiries").await,
            0,
            "nothing stored"
        );
        assert_eq!(
            app.count("select count(*) from outbox").await,
            0,
            "no mail queued"
        );
    }
);

app_test_with!(
    |_, web| web.public_requests_per_hour = 2,
    async fn anonymous_creation_is_rate_limited_per_address_but_a_staff_token_is_not(app: TestApp) {
        for n in 0..2 {
            let (status, v) = post_inquiry(
                &app,
                None,
                &inquiry_body("Ada Lovelace", &format!("ada{n}@example.org")),
            )
            .await;
            assert_eq!(status, 201, "{v}");
        }
        let res = http()
            .post(app.url("/api/v1/inquiries"))
            .json(&inquiry_body("Ada Lovelace", "ada2@example.org"))
            .send()
            .await
            .expect("post");
        let retry_after = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (status, _, v) = json_of(res).await;
        assert_eq!(status, 429, "{v}");
        assert_error_shape("rate limited", &v);
        assert_eq!(code(&v), "rate_limited");
        assert!(
            retry_after
                .as_deref()
                .and_then(|s| s.parse::<u64>().ok())
                .is_some_and(|s| s > 0),
            "Retry-After in seconds: {retry_after:?}"
        );
        assert_eq!(
            app.count("select count(*) from inquiries").await,
            2,
            "the refused one is not stored"
        );

        let (_, token) = coordinator_token(&app).await;
        let (status, v) = post_inquiry(
            &app,
            Some(&token),
            &inquiry_body("Grace Hopper", "grace@example.org"),
        )
        .await;
        assert_eq!(status, 201, "a staff token is not rate-limited: {v}");

        // And 429 is documented.
        let doc = openapi(&app).await;
        assert!(
            documented_statuses(&doc, "post", "/api/v1/inquiries").contains("429"),
            "429 is documented for POST /api/v1/inquiries"
        );
    }
);

app_test!(
    async fn a_json_array_is_not_accepted_as_an_inquiry(app: TestApp) {
        // The documented body is an object. serde would also read a struct from
        // an array of its fields in order; the API must not.
        let positional = json!([
            "Ada Lovelace",
            "ada@example.org",
            null,
            "email",
            REASON,
            null,
            true
        ]);
        let res = http()
            .post(app.url("/api/v1/inquiries"))
            .json(&positional)
            .send()
            .await
            .expect("post");
        let (status, _, v) = json_of(res).await;
        assert_eq!(
            status, 400,
            "an array is a malformed body, not an inquiry: {v}"
        );
        assert_error_shape("array body", &v);
        assert_eq!(code(&v), "malformed_body");

        // Truncated JSON that starts like an array is malformed too, not a field error.
        let res = http()
            .post(app.url("/api/v1/inquiries"))
            .header("content-type", "application/json")
            .body("[1,")
            .send()
            .await
            .expect("post");
        let (status, _, v) = json_of(res).await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(code(&v), "malformed_body");
        assert_eq!(
            app.count("select count(*) from inquiries").await,
            0,
            "nothing stored"
        );
    }
);

// ---------------------------------------------------------------------------
// 2. The list
// ---------------------------------------------------------------------------

/// Creates inquiries named `names`, one second apart (oldest first); returns their ids.
async fn create_named(app: &TestApp, names: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let (status, v) = post_inquiry(
            app,
            None,
            &inquiry_body(name, &format!("person{n}@example.org")),
        )
        .await;
        assert_eq!(status, 201, "{v}");
        ids.push(v["id"].as_str().expect("id").to_owned());
        app.advance(SignedDuration::from_secs(1));
    }
    ids
}

fn names_of(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items: {v}"))
        .iter()
        .map(|i| i["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

app_test!(
    async fn the_list_pages_through_inquiries(app: TestApp) {
        let names = [
            "Person One",
            "Person Two",
            "Person Three",
            "Person Four",
            "Person Five",
            "Person Six",
            "Person Seven",
        ];
        create_named(&app, &names).await;
        let (_, token) = coordinator_token(&app).await;

        let (status, v) = get_json(&app, Some(&token), "/api/v1/inquiries").await;
        assert_eq!(status, 200, "{v}");
        let keys: BTreeSet<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, BTreeSet::from(["items", "total", "page", "per_page"]));
        assert_eq!(v["total"], 7);
        assert_eq!(v["page"], 1);
        assert_eq!(v["items"].as_array().map(Vec::len), Some(7));
        // Newest first by default.
        assert_eq!(
            names_of(&v).first().map(String::as_str),
            Some("Person Seven")
        );

        let (status, v) = get_json(&app, Some(&token), "/api/v1/inquiries?per_page=3&page=3").await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["total"], 7);
        assert_eq!(v["page"], 3);
        assert_eq!(v["per_page"], 3);
        assert_eq!(
            names_of(&v),
            vec!["Person One"],
            "the last page holds the oldest: {v}"
        );

        let (_, v) = get_json(&app, Some(&token), "/api/v1/inquiries?per_page=3&page=2").await;
        assert_eq!(
            names_of(&v),
            vec!["Person Four", "Person Three", "Person Two"]
        );

        // Past the end: an empty page, still the total.
        let (status, v) = get_json(&app, Some(&token), "/api/v1/inquiries?per_page=3&page=4").await;
        assert_eq!(status, 200);
        assert_eq!(v["total"], 7);
        assert!(names_of(&v).is_empty());
    }
);

app_test!(
    async fn the_list_filters_by_status_sorts_and_searches(app: TestApp) {
        let ids = create_named(&app, &["Ada Lovelace", "Grace Hopper", "Barbara Liskov"]).await;
        let (_, token) = coordinator_token(&app).await;
        let p = principal(&app, &token).await;
        let hopper: InquiryId = ids[1].parse().expect("id");
        app.services
            .change_inquiry_status(&p, hopper, "closed", "duplicate")
            .await
            .expect("close");

        // Open inquiries by default: the closed one is not there.
        let (_, v) = get_json(&app, Some(&token), "/api/v1/inquiries").await;
        assert_eq!(v["total"], 2, "{v}");
        assert_eq!(names_of(&v), vec!["Barbara Liskov", "Ada Lovelace"]);

        let (_, v) = get_json(&app, Some(&token), "/api/v1/inquiries?status=all").await;
        assert_eq!(v["total"], 3, "{v}");

        let (_, v) = get_json(&app, Some(&token), "/api/v1/inquiries?status=closed").await;
        assert_eq!(names_of(&v), vec!["Grace Hopper"], "{v}");
        assert_eq!(v["items"][0]["status"], "closed");

        let (_, v) = get_json(
            &app,
            Some(&token),
            "/api/v1/inquiries?status=all&sort=oldest",
        )
        .await;
        assert_eq!(
            names_of(&v),
            vec!["Ada Lovelace", "Grace Hopper", "Barbara Liskov"]
        );

        let (_, v) = get_json(
            &app,
            Some(&token),
            "/api/v1/inquiries?status=all&sort=newest",
        )
        .await;
        assert_eq!(
            names_of(&v),
            vec!["Barbara Liskov", "Grace Hopper", "Ada Lovelace"]
        );

        let (_, v) = get_json(&app, Some(&token), "/api/v1/inquiries?status=all&sort=name").await;
        assert_eq!(
            names_of(&v),
            vec!["Ada Lovelace", "Barbara Liskov", "Grace Hopper"]
        );

        // Search: part of the name, any case.
        let (_, v) = get_json(&app, Some(&token), "/api/v1/inquiries?status=all&q=LOVEL").await;
        assert_eq!(names_of(&v), vec!["Ada Lovelace"], "{v}");
        assert_eq!(v["total"], 1);
        let (_, v) = get_json(
            &app,
            Some(&token),
            "/api/v1/inquiries?status=all&q=nobody%20here",
        )
        .await;
        assert_eq!(v["total"], 0);
        // SQL in the search is only text.
        let (status, v) = get_json(
            &app,
            Some(&token),
            "/api/v1/inquiries?status=all&q=%27%20or%201%3D1%20--",
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(v["total"], 0, "{v}");
    }
);

app_test!(
    async fn unknown_list_parameters_are_refused_naming_the_parameter(app: TestApp) {
        create_named(&app, &["Ada Lovelace"]).await;
        let (_, token) = coordinator_token(&app).await;
        for (query, field) in [
            ("status=pending", "status"),
            ("sort=created_at%20desc", "sort"),
            ("sort=name;drop%20table%20inquiries", "sort"),
            ("page=0", "page"),
            ("page=abc", "page"),
            ("per_page=1000", "per_page"),
        ] {
            let (status, v) =
                get_json(&app, Some(&token), &format!("/api/v1/inquiries?{query}")).await;
            assert_eq!(status, 400, "{query}: {v}");
            assert_error_shape(query, &v);
            assert_eq!(v["field"], field, "{query}: {v}");
        }
        assert_eq!(
            app.count("select count(*) from inquiries").await,
            1,
            "nothing changed"
        );
    }
);

// ---------------------------------------------------------------------------
// 3. One inquiry
// ---------------------------------------------------------------------------

app_test!(
    async fn one_inquiry_comes_with_its_decrypted_reason_and_history(app: TestApp) {
        let (_, v) =
            post_inquiry(&app, None, &inquiry_body("Ada Lovelace", "ada@example.org")).await;
        let id = v["id"].as_str().expect("id").to_owned();
        let (coordinator, token) = coordinator_token(&app).await;
        let p = principal(&app, &token).await;
        app.advance(SignedDuration::from_secs(60));
        app.services
            .log_contact(
                &p,
                id.parse().expect("id"),
                "phone",
                "left-message",
                "Left a voicemail about times",
            )
            .await
            .expect("log contact");

        let (status, v) = get_json(&app, Some(&token), &format!("/api/v1/inquiries/{id}")).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["id"], id.as_str());
        assert_eq!(v["name"], "Ada Lovelace");
        assert_eq!(v["email"], "ada@example.org");
        assert_eq!(v["reason"], REASON, "decrypted");
        assert_eq!(v["heard_from"], "My psychiatrist");
        assert_eq!(v["source"], "web");
        let history = v["history"].as_array().expect("history");
        assert_eq!(
            history.first().map(|h| &h["kind"]),
            Some(&json!("created")),
            "{v}"
        );
        let contact = history
            .iter()
            .find(|h| h["kind"] == "contact")
            .unwrap_or_else(|| panic!("a contact entry: {v}"));
        assert_eq!(contact["contact_method"], "phone");
        assert_eq!(contact["contact_outcome"], "left-message");
        assert_eq!(
            contact["note"], "Left a voicemail about times",
            "decrypted note"
        );
        let staff_name: String = {
            let uid = coordinator.id.to_string();
            app.services
                .db
                .read(move |c| {
                    c.query_one("select name from users where id = $1", &[uid.into()])?
                        .get::<String>(0)
                })
                .await
                .expect("name")
        };
        assert_eq!(contact["by"], staff_name.as_str());

        // The reason is not stored in the clear.
        let raw: String = {
            let id = id.clone();
            app.services
                .db
                .read(move |c| {
                    c.query_one(
                        "select reason_enc from inquiries where id = $1",
                        &[id.into()],
                    )?
                    .get::<String>(0)
                })
                .await
                .expect("raw")
        };
        assert!(
            !raw.contains("depression"),
            "the reason is encrypted at rest"
        );
    }
);

app_test!(
    async fn an_unknown_or_malformed_inquiry_id_is_not_found(app: TestApp) {
        post_inquiry(&app, None, &inquiry_body("Ada Lovelace", "ada@example.org")).await;
        let (_, token) = coordinator_token(&app).await;
        let unknown = InquiryId::new().to_string();
        for path in [
            format!("/api/v1/inquiries/{unknown}"),
            "/api/v1/inquiries/not-an-id".to_owned(),
            "/api/v1/inquiries/1%20or%201%3D1".to_owned(),
            format!(
                "/api/v1/inquiries/{}",
                unknown.to_uppercase().replace('-', "")
            ),
        ] {
            let (status, v) = get_json(&app, Some(&token), &path).await;
            assert_eq!(status, 404, "{path}: {v}");
            assert_error_shape(&path, &v);
            assert_eq!(code(&v), "not_found", "{path}");
        }
    }
);

// ---------------------------------------------------------------------------
// 4. Error bodies
// ---------------------------------------------------------------------------

app_test!(
    async fn every_api_error_has_the_documented_shape(app: TestApp) {
        let (_, v) =
            post_inquiry(&app, None, &inquiry_body("Ada Lovelace", "ada@example.org")).await;
        let id = v["id"].as_str().expect("id").to_owned();
        let clinician = token_for(&app, &[Role::Clinician]).await;
        let (_, coordinator) = coordinator_token(&app).await;
        let c = http();
        let u = |p: &str| app.url(p);

        let requests: Vec<(&str, u16, reqwest::RequestBuilder)> = vec![
            (
                "list without credentials",
                401,
                c.get(u("/api/v1/inquiries")),
            ),
            (
                "detail without credentials",
                401,
                c.get(u(&format!("/api/v1/inquiries/{id}"))),
            ),
            (
                "list with a bad token",
                401,
                c.get(u("/api/v1/inquiries")).bearer_auth("thr_nope"),
            ),
            (
                "a malformed Authorization header",
                401,
                c.get(u("/api/v1/inquiries"))
                    .header("authorization", "Basic Zm9vOmJhcg=="),
            ),
            (
                "list as a clinician",
                403,
                c.get(u("/api/v1/inquiries")).bearer_auth(&clinician),
            ),
            (
                "detail as a clinician",
                403,
                c.get(u(&format!("/api/v1/inquiries/{id}")))
                    .bearer_auth(&clinician),
            ),
            (
                "create as a clinician",
                403,
                c.post(u("/api/v1/inquiries"))
                    .bearer_auth(&clinician)
                    .json(&inquiry_body("A B", "a@b.org")),
            ),
            (
                "unknown inquiry",
                404,
                c.get(u(&format!("/api/v1/inquiries/{}", InquiryId::new())))
                    .bearer_auth(&coordinator),
            ),
            (
                "malformed id",
                404,
                c.get(u("/api/v1/inquiries/123")).bearer_auth(&coordinator),
            ),
            (
                "unknown API route",
                404,
                c.get(u("/api/v1/nothing-here")).bearer_auth(&coordinator),
            ),
            (
                "wrong method",
                405,
                c.delete(u(&format!("/api/v1/inquiries/{id}")))
                    .bearer_auth(&coordinator),
            ),
            (
                "bad status parameter",
                400,
                c.get(u("/api/v1/inquiries?status=nope"))
                    .bearer_auth(&coordinator),
            ),
            (
                "a repeated parameter (axum's own rejection)",
                400,
                c.get(u("/api/v1/inquiries?page=1&page=2"))
                    .bearer_auth(&coordinator),
            ),
            (
                "malformed JSON",
                400,
                c.post(u("/api/v1/inquiries"))
                    .header("content-type", "application/json")
                    .body("{\"name\": \"Ada\","),
            ),
            (
                "JSON that is not an object",
                400,
                c.post(u("/api/v1/inquiries"))
                    .header("content-type", "application/json")
                    .body("\"just a string\""),
            ),
            (
                "no content type",
                415,
                c.post(u("/api/v1/inquiries")).body("{}"),
            ),
            (
                "validation",
                422,
                c.post(u("/api/v1/inquiries")).json(&json!({})),
            ),
            (
                "too large",
                413,
                c.post(u("/api/v1/inquiries"))
                    .header("content-type", "application/json")
                    .body(vec![b' '; 2 * 1024 * 1024]),
            ),
        ];
        for (what, want, req) in requests {
            let res = send_patiently(req).await;
            let (status, ct, v) = json_of(res).await;
            assert_eq!(status, want, "{what}: {v}");
            assert!(
                ct.as_deref()
                    .is_some_and(|t| t.starts_with("application/json")),
                "{what}: content type {ct:?}"
            );
            assert_error_shape(what, &v);
        }
    }
);

// ---------------------------------------------------------------------------
// 5. The OpenAPI document
// ---------------------------------------------------------------------------

async fn openapi(app: &TestApp) -> Value {
    let res = http()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("get");
    let (status, ct, v) = json_of(res).await;
    assert_eq!(status, 200);
    assert!(
        ct.as_deref()
            .is_some_and(|t| t.starts_with("application/json")),
        "{ct:?}"
    );
    v
}

fn documented_statuses(doc: &Value, method: &str, path: &str) -> BTreeSet<String> {
    doc["paths"][path][method]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} is not documented"))
        .keys()
        .cloned()
        .collect()
}

/// Follows a `$ref` to `#/components/schemas/...`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unexpected $ref {r}"));
            let s = &doc["components"]["schemas"][name];
            assert!(!s.is_null(), "{r} does not resolve");
            resolve(doc, s)
        }
        None => schema,
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

/// Problems with `value` against `schema` (a small JSON Schema subset: `$ref`,
/// `type`, `properties` (no undocumented keys), `required`, `items`, `oneOf`,
/// `anyOf`, `allOf`, `nullable`).
fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let schema = resolve(doc, schema);
    let mut out = Vec::new();
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema.get(key).and_then(Value::as_array)
            && !alts.iter().any(|s| check(doc, s, value, at).is_empty())
        {
            out.push(format!("{at}: {value} matches none of {key}"));
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            out.extend(check(doc, s, value, at));
        }
    }
    let nullable = schema
        .get("nullable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !(nullable && value.is_null()) {
        match schema.get("type") {
            Some(Value::String(t)) if !type_matches(t, value) => {
                out.push(format!("{at}: {value} is not {t}"))
            }
            Some(Value::Array(ts))
                if !ts
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|t| type_matches(t, value)) =>
            {
                out.push(format!("{at}: {value} is none of {ts:?}"))
            }
            _ => {}
        }
    }
    if let (Some(props), Some(obj)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object(),
    ) {
        for (k, v) in obj {
            match props.get(k) {
                Some(s) => out.extend(check(doc, s, v, &format!("{at}.{k}"))),
                None => out.push(format!("{at}: key {k:?} is not in the schema")),
            }
        }
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = r.as_str()
                && !obj.contains_key(r)
            {
                out.push(format!("{at}: required key {r:?} is missing"));
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (n, v) in arr.iter().enumerate() {
            out.extend(check(doc, items, v, &format!("{at}[{n}]")));
        }
    }
    out
}

/// The JSON schema of `method path` answering `status`.
fn response_schema<'a>(doc: &'a Value, method: &str, path: &str, status: u16) -> &'a Value {
    let s = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(
        !s.is_null(),
        "{method} {path} {status} has no application/json schema"
    );
    s
}

fn property_names(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no properties in {schema}"))
        .keys()
        .cloned()
        .collect()
}

app_test!(
    async fn the_openapi_document_is_public_and_openapi_3(app: TestApp) {
        let doc = openapi(&app).await;
        let version = doc["openapi"].as_str().expect("openapi version");
        assert!(version.starts_with("3."), "{version}");
        assert!(doc["info"]["title"].is_string());
        assert!(doc["paths"].as_object().is_some_and(|p| !p.is_empty()));
        // Public even with cookies and no token; an invalid token is still refused.
        let (status, _) = app.client().get_text("/api/v1/openapi.json").await;
        assert_eq!(status, 200);
        let res = http()
            .get(app.url("/api/v1/openapi.json"))
            .bearer_auth("thr_nope")
            .send()
            .await
            .expect("get");
        assert_eq!(
            res.status(),
            401,
            "an invalid token gets 401, also on public endpoints"
        );
    }
);

app_test!(
    async fn every_status_and_body_the_api_returns_is_documented(app: TestApp) {
        let doc = openapi(&app).await;
        let clinician = token_for(&app, &[Role::Clinician]).await;
        let (_, coordinator) = coordinator_token(&app).await;
        let c = http();
        let u = |p: &str| app.url(p);
        let good = inquiry_body("Ada Lovelace", "ada@example.org");

        // Create one to read back.
        let (status, created) = post_inquiry(&app, None, &good).await;
        assert_eq!(status, 201);
        let id = created["id"].as_str().expect("id").to_owned();
        let detail = format!("/api/v1/inquiries/{id}");
        let mut big = good.clone();
        big["reason"] = json!("x".repeat(200 * 1024));

        let create = "/api/v1/inquiries";
        let list = "/api/v1/inquiries";
        let one = "/api/v1/inquiries/{id}";
        let cases: Vec<(&str, &str, reqwest::RequestBuilder)> = vec![
            ("post", create, c.post(u(create)).json(&good)),
            (
                "post",
                create,
                c.post(u(create)).bearer_auth(&coordinator).json(&good),
            ),
            (
                "post",
                create,
                c.post(u(create))
                    .header("content-type", "application/json")
                    .body("{"),
            ),
            (
                "post",
                create,
                c.post(u(create)).bearer_auth("thr_nope").json(&good),
            ),
            (
                "post",
                create,
                c.post(u(create)).bearer_auth(&clinician).json(&good),
            ),
            ("post", create, c.post(u(create)).json(&big)),
            (
                "post",
                create,
                c.post(u(create))
                    .header("content-type", "text/plain")
                    .body(good.to_string()),
            ),
            ("post", create, c.post(u(create)).json(&json!({"name": ""}))),
            ("post", create, c.post(u(create)).json(&json!({"name": 42}))),
            ("get", list, c.get(u(list)).bearer_auth(&coordinator)),
            (
                "get",
                list,
                c.get(u("/api/v1/inquiries?status=nope"))
                    .bearer_auth(&coordinator),
            ),
            ("get", list, c.get(u(list))),
            ("get", list, c.get(u(list)).bearer_auth(&clinician)),
            ("get", one, c.get(u(&detail)).bearer_auth(&coordinator)),
            ("get", one, c.get(u(&detail))),
            ("get", one, c.get(u(&detail)).bearer_auth(&clinician)),
            (
                "get",
                one,
                c.get(u(&format!("/api/v1/inquiries/{}", InquiryId::new())))
                    .bearer_auth(&coordinator),
            ),
            (
                "get",
                one,
                c.get(u("/api/v1/inquiries/not-an-id"))
                    .bearer_auth(&coordinator),
            ),
        ];
        let mut seen: BTreeSet<(String, String, u16)> = BTreeSet::new();
        let mut problems = Vec::new();
        for (method, path, req) in cases {
            let (status, _, body) = json_of(send_patiently(req).await).await;
            seen.insert((method.to_owned(), path.to_owned(), status));
            if !documented_statuses(&doc, method, path).contains(&status.to_string()) {
                problems.push(format!(
                    "{method} {path} answered {status}, which is not documented"
                ));
                continue;
            }
            let schema = response_schema(&doc, method, path, status);
            problems.extend(check(
                &doc,
                schema,
                &body,
                &format!("{method} {path} {status}"),
            ));
            if status >= 400 {
                assert_eq!(
                    schema["$ref"], "#/components/schemas/ErrorInfo",
                    "{method} {path} {status} documents the error schema"
                );
            }
        }
        assert!(
            problems.is_empty(),
            "the document and the server disagree:\n{}",
            problems.join("\n")
        );

        // The exercise covered what it claims to.
        let statuses = |m: &str, p: &str| -> BTreeSet<u16> {
            seen.iter()
                .filter(|(sm, sp, _)| sm == m && sp == p)
                .map(|(_, _, s)| *s)
                .collect()
        };
        assert_eq!(
            statuses("post", create),
            BTreeSet::from([201, 400, 401, 403, 413, 415, 422])
        );
        assert_eq!(statuses("get", list), BTreeSet::from([200, 400, 401, 403]));
        assert_eq!(statuses("get", one), BTreeSet::from([200, 401, 403, 404]));
    }
);

app_test!(
    async fn the_documented_request_schema_is_what_the_server_reads(app: TestApp) {
        let doc = openapi(&app).await;
        let request = &doc["paths"]["/api/v1/inquiries"]["post"]["requestBody"];
        let schema_ref = &request["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(schema_ref, "#/components/schemas/InquiryCreate");
        let schema = &doc["components"]["schemas"]["InquiryCreate"];
        let documented = property_names(schema);
        let expected: BTreeSet<String> = CREATE_FIELDS.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(documented, expected);

        // The server reads each documented property under that very name: a value
        // of the wrong type there is refused naming it.
        for field in &documented {
            let mut body = inquiry_body("Ada Lovelace", "ada@example.org");
            body[field.as_str()] = json!([1, 2]);
            let (status, v) = post_inquiry(&app, None, &body).await;
            assert_eq!(status, 422, "{field}: {v}");
            assert_eq!(v["field"], field.as_str(), "{v}");
        }
        // A body built from the documented properties is accepted and conforms.
        let good = inquiry_body("Ada Lovelace", "ada@example.org");
        assert!(
            check(&doc, schema, &good, "InquiryCreate").is_empty(),
            "{:?}",
            check(&doc, schema, &good, "body")
        );
        let (status, v) = post_inquiry(&app, None, &good).await;
        assert_eq!(status, 201, "{v}");
        // Required properties are documented as such (validation names them when missing).
        let (status, v) = post_inquiry(&app, None, &json!({})).await;
        assert_eq!(status, 422);
        let missing: BTreeSet<String> = v["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str().map(str::to_owned))
            .collect();
        assert!(
            missing.is_subset(&documented),
            "{missing:?} ⊄ {documented:?}"
        );
        for f in [
            "name",
            "email",
            "preferred_contact",
            "reason",
            "consent_to_contact",
        ] {
            assert!(
                missing.contains(f),
                "an empty body is refused naming {f}: {v}"
            );
        }

        // The error schema.
        let error = &doc["components"]["schemas"]["ErrorInfo"];
        assert_eq!(
            property_names(error),
            ["code", "message", "field", "errors"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        );
        let required: BTreeSet<&str> = error["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(required, BTreeSet::from(["code", "message"]));
    }
);

app_test!(
    async fn the_documented_request_schema_marks_the_fields_the_server_requires(app: TestApp) {
        let doc = openapi(&app).await;
        let schema = &doc["components"]["schemas"]["InquiryCreate"];
        // What an empty body is refused for: those fields are required.
        let (status, v) = post_inquiry(&app, None, &json!({})).await;
        assert_eq!(status, 422, "{v}");
        let refused: BTreeSet<String> = v["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str().map(str::to_owned))
            .collect();
        let required: BTreeSet<String> = schema["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            required, refused,
            "InquiryCreate.required must list the properties a body cannot omit: {schema}"
        );
    }
);

app_test!(
    async fn the_documented_list_parameters_are_the_ones_the_server_reads(app: TestApp) {
        let doc = openapi(&app).await;
        let params: BTreeSet<String> = doc["paths"]["/api/v1/inquiries"]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .inspect(|p| assert_eq!(p["in"], "query", "{p}"))
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect();
        let expected: BTreeSet<String> = ["status", "q", "sort", "page", "per_page", "mine"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(params, expected);
        // Each validated parameter is read under its documented name.
        let (_, token) = coordinator_token(&app).await;
        let long = "x".repeat(101);
        for (name, bad) in [
            ("status", "nope"),
            ("sort", "nope"),
            ("page", "nope"),
            ("per_page", "nope"),
            ("q", long.as_str()),
        ] {
            let (status, v) = get_json(
                &app,
                Some(&token),
                &format!("/api/v1/inquiries?{name}={bad}"),
            )
            .await;
            assert_eq!(status, 400, "{name}: {v}");
            assert_eq!(v["field"], name, "{v}");
        }
        // The path parameter of the detail route.
        let detail = &doc["paths"]["/api/v1/inquiries/{id}"]["get"]["parameters"][0];
        assert_eq!(detail["name"], "id");
        assert_eq!(detail["in"], "path");
        assert_eq!(detail["required"], true);
    }
);

#[test]
fn the_schema_check_used_here_catches_a_body_that_does_not_match() {
    // The checker above is ours; prove it can fail against the real document.
    let doc = serde_json::to_value(<threshold_web::api::ApiDoc as utoipa::OpenApi>::openapi())
        .expect("document");
    let list = &doc["components"]["schemas"]["InquiryList"];
    let good = json!({"items": [], "total": 0, "page": 1, "per_page": 50});
    assert!(
        check(&doc, list, &good, "good").is_empty(),
        "{:?}",
        check(&doc, list, &good, "good")
    );
    let bad = json!({"items": [{"id": 5, "extra": true}], "total": "0", "page": 1});
    let problems = check(&doc, list, &bad, "bad").join("\n");
    for want in [
        "bad.items[0].id",
        "key \"extra\" is not in the schema",
        "required key \"name\" is missing",
        "bad.total",
        "required key \"per_page\" is missing",
    ] {
        assert!(
            problems.contains(want),
            "expected {want:?} among:\n{problems}"
        );
    }
    let error = &doc["components"]["schemas"]["ErrorInfo"];
    assert!(
        check(
            &doc,
            error,
            &json!({"code": "x", "message": "y", "field": null}),
            "e"
        )
        .is_empty()
    );
    assert!(
        !check(
            &doc,
            error,
            &json!({"code": "x", "message": "y", "detail": "z"}),
            "e"
        )
        .is_empty()
    );
    assert!(
        !check(
            &doc,
            error,
            &json!({"code": "x", "message": "y", "errors": [{"field": 1}]}),
            "e"
        )
        .is_empty()
    );
}

#[test]
fn every_api_route_is_documented_and_every_documented_operation_is_routed() {
    let doc = serde_json::to_value(threshold_web::api::document()).expect("document");
    let routed: BTreeSet<(String, String)> = threshold_web::routes::specs()
        .into_iter()
        .filter(|s| s.path.starts_with("/api/"))
        // The document describes the API; it does not list itself.
        .filter(|s| s.path != "/api/v1/openapi.json")
        .map(|s| (s.method.as_str().to_lowercase(), s.path.to_owned()))
        .collect();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            if item.get(method).is_some() {
                documented.insert((method.to_owned(), path.clone()));
            }
        }
    }
    assert!(!routed.is_empty());
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented operations with no route: {unrouted:?}"
    );
}

// ---------------------------------------------------------------------------
// 6. Health and metrics
// ---------------------------------------------------------------------------

app_test!(
    async fn healthz_answers_ok_once_the_database_answers(app: TestApp) {
        let res = http().get(app.url("/healthz")).send().await.expect("get");
        let (status, ct, v) = json_of(res).await;
        assert_eq!(status, 200);
        assert!(
            ct.as_deref()
                .is_some_and(|t| t.starts_with("application/json")),
            "{ct:?}"
        );
        assert_eq!(v, json!({"status": "ok"}));
    }
);

app_test!(
    async fn metrics_count_requests_without_personal_data(app: TestApp) {
        let visitor = app.client();
        let res = visitor
            .post_form(
                "/consultation",
                &[
                    ("name", "Ada Lovelace"),
                    ("email", "ada@example.org"),
                    ("phone", ""),
                    ("preferred_contact", "email"),
                    ("reason", REASON),
                    ("heard_from", "My psychiatrist"),
                    ("consent_to_contact", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/consultation/received");
        let id: String = app
            .services
            .db
            .read(|c| {
                c.query_one("select id from inquiries", &[])?
                    .get::<String>(0)
            })
            .await
            .expect("id");
        // Requests whose paths carry the id and the name.
        let (_, token) = coordinator_token(&app).await;
        let (status, _) = get_json(&app, Some(&token), &format!("/api/v1/inquiries/{id}")).await;
        assert_eq!(status, 200);
        let (status, _) = get_json(&app, Some(&token), "/api/v1/inquiries?q=Ada%20Lovelace").await;
        assert_eq!(status, 200);
        let _ = http()
            .get(app.url(&format!("/nowhere/{id}/Ada")))
            .send()
            .await
            .expect("get");

        let res = http()
            .get(app.url("/metrics"))
            .send()
            .await
            .expect("metrics");
        assert_eq!(res.status(), 200);
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(ct.contains("text"), "Prometheus text: {ct}");
        let body = res.text().await.expect("body");
        assert!(body.contains("threshold_http_requests_total"), "{body}");
        assert!(
            body.contains("route=\"/api/v1/inquiries/{id}\""),
            "requests are counted by route template: {body}"
        );
        for secret in [
            "Ada",
            "Lovelace",
            "ada@example.org",
            "depression",
            id.as_str(),
        ] {
            assert!(
                !body.contains(secret),
                "/metrics must not contain {secret:?}:\n{body}"
            );
        }
    }
);

/// Sends a request; when the server answered an oversized body and closed the
/// connection before the client finished writing it (a broken pipe, seen under
/// load), sends it again: the answer, not the race, is what the tests check.
async fn send_patiently(req: reqwest::RequestBuilder) -> reqwest::Response {
    let mut last = None;
    for _ in 0..5 {
        let Some(attempt) = req.try_clone() else {
            return req.send().await.expect("send");
        };
        match attempt.send().await {
            Ok(res) => return res,
            Err(e) if e.is_request() => last = Some(e),
            Err(e) => panic!("send: {e:?}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("send: {last:?}");
}
