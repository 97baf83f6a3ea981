//! Bad and hostile input: oversize bodies, markup and script, invalid UTF-8,
//! empty and absurdly long fields, SQL in query parameters, wrong content types,
//! forged cross-site requests and floods. Each is refused with a clear error that
//! names what was wrong, and none of them changes what is stored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use threshold_domain::Role;
use threshold_domain::inquiry::InquiryForm;
use threshold_service::{Actor, RequestMeta};
use threshold_testkit::{Backend, TestApp, app_test, csrf_in, location};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const FORM: &str = "application/x-www-form-urlencoded";
const MIB: usize = 1024 * 1024;
const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";

/// A consultation request that passes validation.
fn good() -> Vec<(&'static str, String)> {
    vec![
        ("name", "Ada Lovelace".into()),
        ("email", "ada@example.org".into()),
        ("phone", String::new()),
        ("preferred_contact", "email".into()),
        ("reason", "Years of depression.".into()),
        ("heard_from", "A friend".into()),
        ("consent_to_contact", "yes".into()),
    ]
}

/// `good()` with some fields replaced.
fn with(changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut f = good();
    for (k, v) in changes {
        match f.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = (*v).to_owned(),
            None => f.push((k, (*v).to_owned())),
        }
    }
    f
}

fn refs<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn good_json() -> serde_json::Value {
    serde_json::json!({
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "preferred_contact": "email",
        "reason": "Years of depression.",
        "consent_to_contact": true
    })
}

async fn inquiries(app: &TestApp) -> i64 {
    app.count("select count(*) from inquiries").await
}

/// A stored inquiry, made as a visitor would.
async fn stored(app: &TestApp, name: &str, email: &str) -> String {
    let meta = RequestMeta::default();
    let form = InquiryForm {
        name: name.into(),
        email: email.into(),
        preferred_contact: "email".into(),
        reason: "Something about my mood.".into(),
        consent_to_contact: true,
        ..InquiryForm::default()
    };
    app.services
        .submit_inquiry(Actor::Anonymous(&meta), &form)
        .await
        .expect("inquiry")
        .to_string()
}

async fn api_post(
    app: &TestApp,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/inquiries"))
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("post")
}

async fn json_body(res: reqwest::Response) -> serde_json::Value {
    let ct = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(ct.starts_with("application/json"), "content type {ct}");
    res.json().await.expect("JSON body")
}

/// A visitor's CSRF cookie (`name=value`) and the token that goes with it, read by
/// hand for requests the cookie-keeping client cannot make.
async fn visitor_session(app: &TestApp) -> (String, String) {
    let res = reqwest::get(app.url("/consultation")).await.expect("get");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("threshold_csrf="))
        .and_then(|c| c.split(';').next())
        .expect("visitor cookie")
        .to_owned();
    let token = csrf_in(&res.text().await.expect("body")).expect("csrf token");
    (cookie, token)
}

/// Sends a body of `total` bytes (beginning with `prefix`) with chunked transfer
/// encoding and no Content-Length, over a plain TCP connection, and returns the
/// response's status line and headers.
async fn chunked_post(
    app: &TestApp,
    path: &str,
    content_type: &str,
    cookie: Option<&str>,
    prefix: &[u8],
    total: usize,
) -> String {
    let host = app.addr.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    let (mut rd, mut wr) = stream.into_split();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n{cookie}Connection: close\r\n\r\n"
    );
    let prefix = prefix.to_vec();
    let writer = tokio::spawn(async move {
        wr.write_all(head.as_bytes()).await?;
        wr.write_all(format!("{:x}\r\n", prefix.len()).as_bytes())
            .await?;
        wr.write_all(&prefix).await?;
        wr.write_all(b"\r\n").await?;
        let filler = vec![b'a'; 16 * 1024];
        let mut sent = prefix.len();
        while sent < total {
            wr.write_all(format!("{:x}\r\n", filler.len()).as_bytes())
                .await?;
            wr.write_all(&filler).await?;
            wr.write_all(b"\r\n").await?;
            sent += filler.len();
        }
        wr.write_all(b"0\r\n\r\n").await?;
        // Hand the write half back rather than dropping it: dropping it would
        // half-close the connection, and the server then drops the request.
        Ok::<_, std::io::Error>(wr)
    });
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("a response in time");
    writer.abort();
    let text = String::from_utf8_lossy(&buf).into_owned();
    text.split("\r\n\r\n").next().unwrap_or("").to_owned()
}

// ---------------------------------------------------------------------------
// 1. Oversize bodies

app_test!(
    async fn a_one_mebibyte_consultation_form_is_refused_with_413_and_stores_nothing(app: TestApp) {
        let visitor = app.client();
        let token = visitor.csrf().await;
        let mut body = format!("csrf={token}&preferred_contact=email&consent_to_contact=yes&email=ada%40example.org&name=").into_bytes();
        body.resize(MIB, b'a');
        let res = visitor
            .http
            .post(app.url("/consultation"))
            .header(CONTENT_TYPE, FORM)
            .body(body)
            .send()
            .await
            .expect("a response, not a reset connection");
        assert_eq!(res.status(), 413);
        assert!(res.text().await.unwrap().contains("too much"));
        assert_eq!(inquiries(&app).await, 0);
        assert!(
            app.last_mail_to("ada@example.org").await.is_none(),
            "no confirmation mail"
        );
    }
);

app_test!(
    async fn a_one_mebibyte_json_inquiry_is_refused_with_413_and_stores_nothing(app: TestApp) {
        let mut reason = "x".repeat(MIB);
        reason.truncate(MIB - 200);
        let mut doc = good_json();
        doc["reason"] = serde_json::Value::String(reason);
        let body = serde_json::to_vec(&doc).unwrap();
        assert!(body.len() >= MIB - 200);
        let res = api_post(&app, "application/json", body).await;
        assert_eq!(res.status(), 413);
        assert_eq!(json_body(res).await["code"], "payload_too_large");
        assert_eq!(inquiries(&app).await, 0);
    }
);

app_test!(
    async fn a_chunked_body_without_a_length_is_refused_with_413_once_over_the_limit(app: TestApp) {
        let (cookie, token) = visitor_session(&app).await;
        let prefix = format!(
            "csrf={token}&preferred_contact=email&consent_to_contact=yes&email=ada%40example.org&name="
        );
        let head = chunked_post(
            &app,
            "/consultation",
            FORM,
            Some(&cookie),
            prefix.as_bytes(),
            MIB,
        )
        .await;
        assert!(head.starts_with("HTTP/1.1 413"), "form: {head}");

        let head = chunked_post(
            &app,
            "/api/v1/inquiries",
            "application/json",
            None,
            br#"{"name":""#,
            MIB,
        )
        .await;
        assert!(head.starts_with("HTTP/1.1 413"), "json: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-security-policy"),
            "{head}"
        );
        assert_eq!(inquiries(&app).await, 0);

        // A small chunked body is fine: the limit is about size, not framing.
        let small = serde_json::to_vec(&good_json()).unwrap();
        let head = chunked_post(
            &app,
            "/api/v1/inquiries",
            "application/json",
            None,
            &small,
            0,
        )
        .await;
        assert!(
            head.starts_with("HTTP/1.1 201"),
            "small chunked json: {head}"
        );
        assert_eq!(inquiries(&app).await, 1);
    }
);

// ---------------------------------------------------------------------------
// 2. Markup and script

/// The page's text with the HTML escapes of `< > & " '` undone (named or
/// numeric, as template engines differ).
fn unescape(page: &str) -> String {
    [
        ("&lt;", "<"),
        ("&#60;", "<"),
        ("&#x3c;", "<"),
        ("&gt;", ">"),
        ("&#62;", ">"),
        ("&#x3e;", ">"),
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&#x22;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&apos;", "'"),
    ]
    .iter()
    .fold(page.to_owned(), |s, (from, to)| s.replace(from, to))
    .replace("&amp;", "&")
    .replace("&#38;", "&")
    .replace("&#x26;", "&")
}

/// The page carries no live markup from the payloads, and shows `shown` as text.
fn assert_escaped(page: &str, what: &str, shown: &[&str]) {
    assert!(
        !page.contains("<script"),
        "{what}: raw <script> in the page"
    );
    assert!(!page.contains("<img"), "{what}: raw <img> in the page");
    assert!(
        !page.contains("onerror=alert(1)>"),
        "{what}: the payload broke out of an attribute"
    );
    let named = page.contains("&lt;script&gt;") || page.contains("&lt;img");
    let numeric = page.contains("&#60;script&#62;") || page.contains("&#60;img");
    assert!(named || numeric, "{what}: the escaped markup is missing");
    let text = unescape(page);
    for s in shown {
        assert!(text.contains(s), "{what}: {s:?} is not shown as text");
    }
}

app_test!(
    async fn markup_in_every_text_field_is_stored_as_text_and_shown_escaped(app: TestApp) {
        let name = format!("Mallory {SCRIPT}{IMG}");
        let reason = format!("{SCRIPT}\n{IMG}\nAnd <b>bold</b> & 'quotes'.");
        let heard = format!("{IMG} {SCRIPT}");
        let fields = with(&[("name", &name), ("reason", &reason), ("heard_from", &heard)]);
        let visitor = app.client();
        let res = visitor.post_form("/consultation", &refs(&fields)).await;
        assert_eq!(res.status(), 303);
        assert_eq!(inquiries(&app).await, 1);
        let id: String = app
            .services
            .db
            .read(|c| {
                c.query_one("select id from inquiries", &[])?
                    .get::<String>(0)
            })
            .await
            .unwrap();
        let stored_name: String = app
            .services
            .db
            .read(|c| {
                c.query_one("select name from inquiries", &[])?
                    .get::<String>(0)
            })
            .await
            .unwrap();
        assert_eq!(stored_name, name, "stored as the text that was sent");

        let (staff, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let (status, queue) = coordinator.get_text("/inquiries").await;
        assert_eq!(status, 200);
        assert_escaped(&queue, "queue", &[&name]);

        let (status, page) = coordinator.get_text(&format!("/inquiries/{id}")).await;
        assert_eq!(status, 200);
        assert_escaped(&page, "inquiry page", &[&name, &reason, &heard]);
        assert!(!page.contains("<b>bold"), "the reason is escaped too");

        // The API gives the same text back verbatim, as JSON strings.
        let token = app.token(&staff).await;
        let res = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/inquiries/{id}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let body = json_body(res).await;
        assert_eq!(body["name"], name.as_str());
        assert_eq!(body["reason"], reason.as_str());
        assert_eq!(body["heard_from"], heard.as_str());
        let res = reqwest::Client::new()
            .get(app.url("/api/v1/inquiries"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(json_body(res).await["items"][0]["name"], name.as_str());
    }
);

app_test!(
    async fn markup_sent_through_the_api_comes_back_verbatim_and_escaped_on_pages(app: TestApp) {
        let mut doc = good_json();
        doc["name"] = serde_json::Value::String(format!("Eve {IMG}"));
        doc["reason"] = serde_json::Value::String(SCRIPT.into());
        doc["heard_from"] = serde_json::Value::String(SCRIPT.into());
        let res = api_post(&app, "application/json", serde_json::to_vec(&doc).unwrap()).await;
        assert_eq!(res.status(), 201);
        let id = json_body(res).await["id"].as_str().expect("id").to_owned();
        let (staff, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let (_, page) = coordinator.get_text(&format!("/inquiries/{id}")).await;
        assert_escaped(&page, "inquiry page", &[&format!("Eve {IMG}"), SCRIPT]);
        let res = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/inquiries/{id}")))
            .bearer_auth(app.token(&staff).await)
            .send()
            .await
            .unwrap();
        let body = json_body(res).await;
        assert_eq!(body["name"], doc["name"]);
        assert_eq!(body["reason"], SCRIPT);
        assert_eq!(body["heard_from"], SCRIPT);
    }
);

app_test!(
    async fn markup_in_a_refused_form_is_shown_back_escaped(app: TestApp) {
        let name = format!("Mallory {SCRIPT}");
        let fields = with(&[
            ("name", &name),
            ("reason", IMG),
            ("heard_from", SCRIPT),
            ("consent_to_contact", ""),
        ]);
        let res = app
            .client()
            .post_form("/consultation", &refs(&fields))
            .await;
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        assert_escaped(&page, "refused form", &[&name, IMG, SCRIPT]);
        assert!(page.contains("href=\"#consent_to_contact\""));
        assert_eq!(inquiries(&app).await, 0);
    }
);

app_test!(
    async fn markup_in_the_email_and_phone_fields_is_refused_by_name(app: TestApp) {
        let fields = with(&[
            ("email", "\"><script>alert(1)</script>@example.org"),
            ("phone", SCRIPT),
            ("preferred_contact", IMG),
        ]);
        let res = app
            .client()
            .post_form("/consultation", &refs(&fields))
            .await;
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        assert_escaped(
            &page,
            "refused form",
            &["\"><script>alert(1)</script>@example.org", SCRIPT],
        );
        for field in ["email", "phone", "preferred_contact"] {
            assert!(
                page.contains(&format!("href=\"#{field}\"")),
                "{field} not named"
            );
        }
        assert_eq!(inquiries(&app).await, 0);
    }
);

// ---------------------------------------------------------------------------
// 3. Invalid UTF-8

app_test!(
    async fn invalid_utf8_in_a_form_value_is_refused_naming_the_field(app: TestApp) {
        let visitor = app.client();
        let token = visitor.csrf().await;
        for field in ["name", "reason"] {
            let mut body = format!(
                "csrf={token}&email=ada%40example.org&preferred_contact=email&consent_to_contact=yes&reason=Low+mood&name=Ada"
            );
            body = body.replace(&format!("&{field}="), &format!("&{field}=%FF%FE"));
            let res = visitor
                .http
                .post(app.url("/consultation"))
                .header(CONTENT_TYPE, FORM)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400, "{field}");
            let page = res.text().await.unwrap();
            assert!(
                page.contains(&format!("The field {field} ")),
                "{field} not named: {page}"
            );
        }
        // Raw bytes that are not UTF-8 at all, not even percent-encoded.
        let mut body = format!("csrf={token}&email=ada%40example.org&preferred_contact=email&consent_to_contact=yes&reason=x&heard_from=").into_bytes();
        body.extend_from_slice(&[0xC3, 0x28, 0xFF]);
        body.extend_from_slice(b"&name=Ada");
        let res = visitor
            .http
            .post(app.url("/consultation"))
            .header(CONTENT_TYPE, FORM)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains("The field heard_from "));
        assert_eq!(inquiries(&app).await, 0);
    }
);

app_test!(
    async fn invalid_utf8_in_a_json_body_is_a_malformed_body(app: TestApp) {
        let mut body = br#"{"name":""#.to_vec();
        body.extend_from_slice(&[0xFF, 0xFE, 0xC3, 0x28]);
        body.extend_from_slice(
            br#"","email":"ada@example.org","preferred_contact":"email","reason":"x","consent_to_contact":true}"#,
        );
        let res = api_post(&app, "application/json", body).await;
        assert_eq!(res.status(), 400);
        assert_eq!(json_body(res).await["code"], "malformed_body");
        assert_eq!(inquiries(&app).await, 0);
    }
);

// ---------------------------------------------------------------------------
// 4. Empty and absurdly long fields

fn summary_names(page: &str, field: &str) -> bool {
    let Some(start) = page.find("class=\"error-summary\"") else {
        return false;
    };
    let summary = &page[start
        ..page[start..]
            .find("</div>")
            .map_or(page.len(), |e| start + e)];
    summary.contains(&format!("href=\"#{field}\""))
}

app_test!(
    async fn absurdly_long_fields_are_refused_naming_each_field(app: TestApp) {
        let name = "n".repeat(201);
        let reason = "r".repeat(4001);
        let email = format!("{}@example.org", "e".repeat(300 - "@example.org".len()));
        assert_eq!(email.len(), 300);
        let fields = with(&[("name", &name), ("reason", &reason), ("email", &email)]);
        let res = app
            .client()
            .post_form("/consultation", &refs(&fields))
            .await;
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        for field in ["name", "reason", "email"] {
            assert!(
                summary_names(&page, field),
                "the error summary does not list {field}"
            );
            assert!(
                page.contains(&format!("id=\"{field}-error\"")),
                "no message beside {field}"
            );
        }
        assert!(page.contains("at most 200 characters"));
        assert!(page.contains("at most 4000 characters"));
        assert!(
            !summary_names(&page, "heard_from"),
            "a valid field is not blamed"
        );

        let mut doc = good_json();
        doc["name"] = name.clone().into();
        doc["reason"] = reason.clone().into();
        doc["email"] = email.clone().into();
        let res = api_post(&app, "application/json", serde_json::to_vec(&doc).unwrap()).await;
        assert_eq!(res.status(), 422);
        let body = json_body(res).await;
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["field"], "name");
        let named: Vec<&str> = body["errors"]
            .as_array()
            .expect("errors[]")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        for field in ["name", "reason", "email"] {
            assert!(named.contains(&field), "{field} missing from {body}");
        }
        assert_eq!(inquiries(&app).await, 0);

        // At the limits they are accepted.
        let fields = with(&[("name", &"n".repeat(200)), ("reason", &"r".repeat(4000))]);
        let res = app
            .client()
            .post_form("/consultation", &refs(&fields))
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(inquiries(&app).await, 1);
    }
);

app_test!(
    async fn empty_fields_are_refused_naming_each_field(app: TestApp) {
        let res = app.client().post_form("/consultation", &[]).await;
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        for field in [
            "name",
            "email",
            "preferred_contact",
            "reason",
            "consent_to_contact",
        ] {
            assert!(
                summary_names(&page, field),
                "the error summary does not list {field}"
            );
        }
        // Whitespace only is empty too.
        let fields = with(&[("name", "   "), ("reason", " \n\t ")]);
        let res = app
            .client()
            .post_form("/consultation", &refs(&fields))
            .await;
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        assert!(summary_names(&page, "name") && summary_names(&page, "reason"));

        let res = api_post(&app, "application/json", "{}").await;
        assert_eq!(res.status(), 422);
        let body = json_body(res).await;
        assert_eq!(body["field"], "name");
        let named: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        for field in [
            "name",
            "email",
            "preferred_contact",
            "reason",
            "consent_to_contact",
        ] {
            assert!(named.contains(&field), "{field} missing from {body}");
        }
        assert_eq!(inquiries(&app).await, 0);
    }
);

// ---------------------------------------------------------------------------
// 5. SQL in the queue's parameters

app_test!(
    async fn sql_in_the_queue_search_and_sort_changes_nothing(app: TestApp) {
        stored(&app, "Ada Lovelace", "ada@example.org").await;
        stored(&app, "Grace Hopper", "grace@example.org").await;
        let (staff, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let token = app.token(&staff).await;
        let get = |path: &str, query: Vec<(&'static str, &'static str)>| {
            let req = coordinator.http.get(app.url(path)).query(&query);
            async move { req.send().await.expect("get") }
        };

        // A plain search finds by name, so an empty result below means something.
        let res = get("/inquiries", vec![("q", "grace")]).await;
        let page = res.text().await.unwrap();
        assert!(page.contains("Grace Hopper") && !page.contains("Ada Lovelace"));

        for q in [
            "' or 1=1 --",
            "%' or '1'='1",
            "\" or \"\"=\"",
            "x'; drop table inquiries; --",
        ] {
            let res = get("/inquiries", vec![("q", q)]).await;
            assert_eq!(res.status(), 200, "q={q}");
            let page = res.text().await.unwrap();
            assert!(
                !page.contains("Ada Lovelace") && !page.contains("Grace Hopper"),
                "q={q} returned rows"
            );
            assert!(page.contains("No inquiries match"), "q={q}");
            let res = reqwest::Client::new()
                .get(app.url("/api/v1/inquiries"))
                .query(&[("q", q)])
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let body = json_body(res).await;
            assert_eq!(body["total"], 0, "q={q}: {body}");
            assert_eq!(body["items"].as_array().map(Vec::len), Some(0));
        }

        for (param, value) in [
            ("sort", "created_at;drop table inquiries"),
            ("sort", "name desc, (select 1)"),
            ("sort", "1"),
            ("status", "new' or '1'='1"),
            ("page", "1;delete from inquiries"),
            ("per_page", "1e9"),
        ] {
            let res = get("/inquiries", vec![(param, value)]).await;
            assert_eq!(res.status(), 400, "{param}={value}");
            let page = res.text().await.unwrap();
            assert!(page.contains(param), "the page does not name {param}");
            assert!(!page.contains("Ada Lovelace"));
            let res = reqwest::Client::new()
                .get(app.url("/api/v1/inquiries"))
                .query(&[(param, value)])
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400, "API {param}={value}");
            let body = json_body(res).await;
            assert_eq!(body["field"], param, "{body}");
        }
        assert_eq!(
            inquiries(&app).await,
            2,
            "the inquiries table still has its rows"
        );
        // And the allowed sorts still work.
        let res = get("/inquiries", vec![("sort", "name")]).await;
        let page = res.text().await.unwrap();
        let (a, g) = (
            page.find("Ada Lovelace").unwrap(),
            page.find("Grace Hopper").unwrap(),
        );
        assert!(a < g, "sorted by name");
    }
);

// ---------------------------------------------------------------------------
// 6. The API's body checks

app_test!(
    async fn the_api_refuses_a_wrong_content_type_malformed_json_and_wrong_types(app: TestApp) {
        let json = serde_json::to_vec(&good_json()).unwrap();
        let res = api_post(&app, "text/plain", json.clone()).await;
        assert_eq!(res.status(), 415);
        assert_eq!(json_body(res).await["code"], "unsupported_media_type");

        for malformed in [
            "{\"name\": \"Ada\"",
            "not json",
            "",
            "{\"name\": \"Ada\",}",
            "null",
            "42",
        ] {
            let res = api_post(&app, "application/json", malformed).await;
            assert_eq!(res.status(), 400, "{malformed:?}");
            assert_eq!(
                json_body(res).await["code"],
                "malformed_body",
                "{malformed:?}"
            );
        }

        let mut doc = good_json();
        doc["name"] = serde_json::json!(5);
        let res = api_post(&app, "application/json", serde_json::to_vec(&doc).unwrap()).await;
        assert_eq!(res.status(), 422);
        let body = json_body(res).await;
        assert_eq!(body["field"], "name");
        assert_eq!(body["code"], "validation_failed");
        let mut doc = good_json();
        doc["consent_to_contact"] = serde_json::json!("yes");
        let res = api_post(&app, "application/json", serde_json::to_vec(&doc).unwrap()).await;
        assert_eq!(res.status(), 422);
        assert_eq!(json_body(res).await["field"], "consent_to_contact");
        assert_eq!(inquiries(&app).await, 0);

        // The same body with the right content type is accepted.
        let res = api_post(&app, "application/json; charset=utf-8", json).await;
        assert_eq!(res.status(), 201);
        assert_eq!(inquiries(&app).await, 1);
    }
);

app_test!(
    async fn an_api_post_sent_as_a_form_is_refused_as_the_wrong_content_type(app: TestApp) {
        // The API never takes forms; an API client that sends one is told so
        // (415, as the OpenAPI document says), not that a page expired.
        let res = api_post(&app, FORM, "name=Ada&email=ada%40example.org").await;
        assert_eq!(res.status(), 415);
        assert_eq!(json_body(res).await["code"], "unsupported_media_type");
        assert_eq!(inquiries(&app).await, 0);
    }
);

app_test!(
    async fn a_json_array_instead_of_an_object_is_a_malformed_body(app: TestApp) {
        // An array is not the documented object: it is refused as malformed, not
        // as a "field" called [0], and never accepted positionally.
        for body in ["[1,2", "[1,2]", "[\"Ada\"]"] {
            let res = api_post(&app, "application/json", body).await;
            assert_eq!(res.status(), 400, "{body}");
            assert_eq!(json_body(res).await["code"], "malformed_body", "{body}");
        }
        let positional =
            r#"["Ada Lovelace","ada@example.org",null,"email","Years of depression.",null,true]"#;
        let res = api_post(&app, "application/json", positional).await;
        assert_eq!(
            res.status(),
            400,
            "fields given by position instead of by name"
        );
        assert_eq!(inquiries(&app).await, 0);
    }
);

// ---------------------------------------------------------------------------
// 7. CSRF

app_test!(
    async fn a_form_without_its_csrf_token_is_refused_and_stores_nothing(app: TestApp) {
        let visitor = app.client();
        let _ = visitor.csrf().await; // the visitor has a cookie, but sends no token
        let fields = good();
        let res = visitor.post_raw("/consultation", &refs(&fields)).await;
        assert_eq!(res.status(), 403);
        let mut forged = refs(&fields);
        forged.push(("csrf", "0000"));
        let res = visitor.post_raw("/consultation", &forged).await;
        assert_eq!(res.status(), 403);
        assert_eq!(inquiries(&app).await, 0);
    }
);

app_test!(
    async fn a_csrf_token_from_another_session_is_refused(app: TestApp) {
        let alice = app.client();
        let mallory = app.client();
        let alices_token = alice.csrf().await;
        let _ = mallory.csrf().await;
        let mut fields = refs(&good())
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<Vec<_>>();
        fields.push(("csrf".into(), alices_token.clone()));
        let as_refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let res = mallory.post_raw("/consultation", &as_refs).await;
        assert_eq!(
            res.status(),
            403,
            "a visitor's token in another visitor's request"
        );

        // Signed-in sessions too: a coordinator's token does not work for another.
        let (_, first) = app.signed_in_as(&[Role::Coordinator]).await;
        let (_, second) = app.signed_in_as(&[Role::Coordinator]).await;
        let firsts_token = first.csrf().await;
        let mut phone: Vec<(&str, &str)> = as_refs
            .iter()
            .filter(|(k, _)| *k != "csrf")
            .copied()
            .collect();
        phone.push(("csrf", &firsts_token));
        let res = second.post_raw("/inquiries/new", &phone).await;
        assert_eq!(res.status(), 403);
        assert_eq!(inquiries(&app).await, 0);

        // The owner's token works (so the refusals above were about the session).
        let res = alice.post_raw("/consultation", &as_refs).await;
        assert_eq!(res.status(), 303);
        assert_eq!(inquiries(&app).await, 1);
    }
);

app_test!(
    async fn a_form_posted_from_another_site_is_refused(app: TestApp) {
        let visitor = app.client();
        let token = visitor.csrf().await;
        let owned = good();
        let mut fields = refs(&owned);
        fields.push(("csrf", &token));
        for (header, value) in [
            ("origin", "https://evil.example"),
            ("origin", "http://127.0.0.1.evil.example"),
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
        ] {
            let res = visitor
                .http
                .post(app.url("/consultation"))
                .header(header, value)
                .form(&fields)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "{header}: {value}");
        }
        assert_eq!(inquiries(&app).await, 0);
        let host = app.addr.clone();
        let res = visitor
            .http
            .post(app.url("/consultation"))
            .header("origin", host)
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "our own origin is accepted");
    }
);

app_test!(
    async fn an_api_write_with_a_session_cookie_needs_the_csrf_header(app: TestApp) {
        let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let res = coordinator
            .post_json("/api/v1/inquiries", &good_json(), HeaderMap::new())
            .await;
        assert_eq!(res.status(), 403);
        assert_eq!(json_body(res).await["code"], "csrf_failed");
        let mut wrong = HeaderMap::new();
        wrong.insert("x-csrf-token", HeaderValue::from_static("0123456789abcdef"));
        let res = coordinator
            .post_json("/api/v1/inquiries", &good_json(), wrong)
            .await;
        assert_eq!(res.status(), 403);
        assert_eq!(inquiries(&app).await, 0);

        let mut headers = HeaderMap::new();
        headers.insert(
            "x-csrf-token",
            HeaderValue::from_str(&coordinator.csrf().await).unwrap(),
        );
        let res = coordinator
            .post_json("/api/v1/inquiries", &good_json(), headers)
            .await;
        assert_eq!(res.status(), 201);
        assert!(json_body(res).await["id"].is_string());
        assert_eq!(inquiries(&app).await, 1);
    }
);

// ---------------------------------------------------------------------------
// 8. Rate limit

async fn the_fourth_consultation_from_one_address_is_rate_limited(app: TestApp) {
    let visitor = app.client();
    for i in 0..3 {
        let email = format!("visitor{i}@example.org");
        let fields = with(&[("email", &email)]);
        let res = visitor.post_form("/consultation", &refs(&fields)).await;
        assert_eq!(res.status(), 303, "request {}", i + 1);
    }
    let fields = with(&[("email", "visitor3@example.org")]);
    let res = visitor.post_form("/consultation", &refs(&fields)).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!(retry > 0);
    // Another visitor from the same address is limited too: the limit is per address.
    let res = app
        .client()
        .post_form("/consultation", &refs(&fields))
        .await;
    assert_eq!(res.status(), 429);
    let res = api_post(
        &app,
        "application/json",
        serde_json::to_vec(&good_json()).unwrap(),
    )
    .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(json_body(res).await["code"], "rate_limited");
    assert_eq!(inquiries(&app).await, 3);

    // A coordinator's token records phone inquiries without a limit.
    let staff = app.staff("desk@staff.test", &[Role::Coordinator]).await;
    let token = app.token(&staff).await;
    for _ in 0..3 {
        let res = reqwest::Client::new()
            .post(app.url("/api/v1/inquiries"))
            .bearer_auth(&token)
            .json(&good_json())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    assert_eq!(inquiries(&app).await, 6);
}

async fn limited(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |_, web| web.public_requests_per_hour = 3).await
}

mod the_fourth_consultation_from_one_address_is_rate_limited {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        the_fourth_consultation_from_one_address_is_rate_limited(limited(Backend::Sqlite).await)
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if threshold_testkit::db::postgres_url().is_none() {
            eprintln!("skipping the PostgreSQL half: THRESHOLD_TEST_POSTGRES_URL is not set");
            return;
        }
        the_fourth_consultation_from_one_address_is_rate_limited(limited(Backend::Postgres).await)
            .await;
    }
}

// ---------------------------------------------------------------------------
// 9. Error pages and security headers

fn assert_security_headers(res: &reqwest::Response, what: &str) {
    let h = res.headers();
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let csp = get("content-security-policy");
    assert!(!csp.is_empty(), "{what}: no CSP");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert!(
        !csp.contains("script-src") || csp.contains("script-src 'none'"),
        "{what}: the CSP allows scripts: {csp}"
    );
    assert!(
        csp.contains("default-src 'none'") || csp.contains("default-src 'self'"),
        "{what}: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    let referrer = get("referrer-policy");
    assert!(
        matches!(
            referrer.as_str(),
            "no-referrer" | "same-origin" | "strict-origin" | "strict-origin-when-cross-origin"
        ),
        "{what}: referrer-policy {referrer:?}"
    );
    assert!(!get("x-request-id").is_empty(), "{what}: no request id");
}

app_test!(
    async fn a_404_page_shows_its_request_id_and_nothing_internal(app: TestApp) {
        let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let cases = [
            (app.client(), "/no/such/page"),
            (coordinator.clone(), "/no/such/page"),
            (coordinator.clone(), "/inquiries/not-an-id"),
            (
                coordinator.clone(),
                "/inquiries/0193a1b2-0000-7000-8000-000000000000",
            ),
            (coordinator, "/inquiries/x'%20or%201=1--"),
        ];
        for (c, path) in cases {
            {
                let res = c.get(path).await;
                assert_eq!(res.status(), 404, "{path}");
                let id = res
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap()
                    .to_owned();
                assert!(id.len() >= 16);
                let page = res.text().await.unwrap();
                assert!(
                    page.contains(&id),
                    "{path}: the page does not show request {id}"
                );
                for internal in [
                    "panicked",
                    "backtrace",
                    "src/",
                    ".rs:",
                    "select ",
                    "SELECT",
                    "sqlite",
                    "postgres",
                    "rusqlite",
                    "Error(",
                ] {
                    assert!(
                        !page.contains(internal),
                        "{path}: the page shows {internal:?}"
                    );
                }
            }
        }
        let res = app.client().get("/api/v1/nothing").await;
        assert_eq!(res.status(), 404);
        let id = res
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap()
            .to_owned();
        assert!(!id.is_empty());
        assert_eq!(json_body(res).await["code"], "not_found");
    }
);

app_test!(
    async fn every_response_carries_the_security_headers(app: TestApp) {
        let visitor = app.client();
        for path in [
            "/",
            "/consultation",
            "/signin",
            "/static/style.css",
            "/static/icon.svg",
            "/healthz",
            "/metrics",
            "/api/v1/openapi.json",
            "/inquiries",
            "/api/v1/inquiries",
            "/nowhere",
        ] {
            let res = visitor.get(path).await;
            assert_security_headers(&res, &format!("anonymous GET {path} ({})", res.status()));
        }
        let res = visitor.post_raw("/consultation", &[("name", "x")]).await;
        assert_eq!(res.status(), 403);
        assert_security_headers(&res, "CSRF refusal");
        let res = visitor.post_form("/consultation", &[]).await;
        assert_eq!(res.status(), 422);
        assert_security_headers(&res, "validation error");
        let res = visitor.post_form("/consultation", &refs(&good())).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/consultation/received");
        assert_security_headers(&res, "redirect");
        let res = api_post(&app, "text/plain", "x").await;
        assert_security_headers(&res, "415");
        let res = reqwest::Client::new()
            .get(app.url("/healthz"))
            .bearer_auth("thr_nope")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        assert_security_headers(&res, "invalid token");
        let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        for path in ["/staff", "/inquiries", "/admin/users", "/account"] {
            let res = coordinator.get(path).await;
            assert_security_headers(&res, &format!("coordinator GET {path} ({})", res.status()));
        }
    }
);
