//! Error pages show a request id and nothing internal.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use threshold_testkit::{Backend, TestApp};

fn request_id(res: &reqwest::Response) -> String {
    res.headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_inside_shows_a_generic_page_with_the_request_id() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let visitor = app.client();
    let token = visitor.csrf().await;
    // Writes now fail inside the store (the writer is stopped).
    app.services.db.close().await;
    let res = visitor
        .post_raw(
            "/consultation",
            &[
                ("csrf", token.as_str()),
                ("name", "Ada Lovelace"),
                ("email", "ada@example.org"),
                ("preferred_contact", "email"),
                ("reason", "Something private"),
                ("consent_to_contact", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), 500);
    let id = request_id(&res);
    let body = res.text().await.unwrap();
    assert!(body.contains(&id), "the page names the request id");
    assert!(body.contains("Something went wrong"));
    for internal in [
        "closed",
        "database",
        "store",
        "sqlite",
        "panicked",
        "Something private",
        "ada@example.org",
    ] {
        assert!(
            !body.to_lowercase().contains(&internal.to_lowercase()),
            "the page shows {internal:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_failure_inside_is_a_json_error_with_no_detail() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.services.db.close().await;
    let res = app
        .client()
        .post_json(
            "/api/v1/inquiries",
            &serde_json::json!({"name": "Ada", "email": "ada@example.org", "preferred_contact": "email",
                                 "reason": "x", "consent_to_contact": true}),
            Default::default(),
        )
        .await;
    assert_eq!(res.status(), 500);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "internal");
    let text = body.to_string().to_lowercase();
    assert!(
        !text.contains("closed") && !text.contains("database"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_are_a_404_page_with_the_request_id() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let res = app.client().get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    let id = request_id(&res);
    let body = res.text().await.unwrap();
    assert!(body.contains("Page not found") && body.contains(&id));
    let res = app.client().get("/api/v1/nothing").await;
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
}
