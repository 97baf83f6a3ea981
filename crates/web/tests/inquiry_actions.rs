//! The coordinator's work on inquiries, through the HTTP interface: the queue's
//! filters, search, sorting and pages; assigning; logging contact attempts;
//! changing status; converting to a client; recording a phone inquiry. Each action
//! is checked by what it leaves behind: rows in the database, the page shown and
//! the audit entry naming the inquiry. Every action also refuses a post without its
//! CSRF token. (Refusals of the wrong role and of anonymous callers are proved for
//! every route in `access.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::SignedDuration;
use threshold_domain::Role;
use threshold_domain::inquiry::InquiryForm;
use threshold_service::{Actor, RequestMeta};
use threshold_store::{Row, StoreError, Value};
use threshold_testkit::{Client, TestApp, app_test, link_in, location};

// Helpers.

/// Rows of a query with text parameters.
async fn rows(app: &TestApp, sql: &str, args: &[&str]) -> Vec<Row> {
    let sql = sql.to_owned();
    let args: Vec<Value> = args.iter().map(|a| Value::from(*a)).collect();
    app.services
        .db
        .read::<_, StoreError, _>(move |c| c.query(&sql, &args))
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str, args: &[&str]) -> i64 {
    rows(app, sql, args).await[0].get::<i64>(0).unwrap()
}

/// A text column of one inquiry.
async fn column(app: &TestApp, id: &str, col: &str) -> Option<String> {
    rows(
        app,
        &format!("select {col} from inquiries where id = $1"),
        &[id],
    )
    .await[0]
        .get::<Option<String>>(0)
        .unwrap()
}

async fn status_of(app: &TestApp, id: &str) -> String {
    column(app, id, "status").await.unwrap()
}

async fn events(app: &TestApp, id: &str, kind: &str) -> i64 {
    count(
        app,
        "select count(*) from inquiry_events where inquiry_id = $1 and kind = $2",
        &[id, kind],
    )
    .await
}

/// Gives a person a name the page can be searched for.
async fn rename(app: &TestApp, id: &str, name: &str) {
    let args = vec![
        Value::from(id),
        Value::from(name),
        Value::from(name.to_lowercase()),
    ];
    app.services
        .db
        .write::<_, StoreError, _>(move |c| {
            c.execute(
                "update users set name = $2, search_name = $3 where id = $1",
                &args,
            )
        })
        .await
        .unwrap();
}

/// One audit entry as the tests look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Logged {
    actor: Option<String>,
    subjects: String,
    detail: Option<String>,
    client: Option<String>,
}

/// Every audit entry with this action, oldest first.
async fn audit(app: &TestApp, action: &str) -> Vec<Logged> {
    rows(
        app,
        "select actor_user_id, subject_ids, detail, client_id from audit_log where action = $1 order by seq",
        &[action],
    )
    .await
    .iter()
    .map(|r| Logged {
        actor: r.get(0).unwrap(),
        subjects: r.get(1).unwrap(),
        detail: r.get(2).unwrap(),
        client: r.get(3).unwrap(),
    })
    .collect()
}

/// An audit entry made by `actor` about inquiry `id`, with no client.
fn entry(actor: &str, id: &str, detail: Option<&str>) -> Logged {
    Logged {
        actor: Some(actor.to_owned()),
        subjects: id.to_owned(),
        detail: detail.map(str::to_owned),
        client: None,
    }
}

/// The fields named in a page's error summary (its links point at the fields).
fn error_fields(html: &str) -> Vec<String> {
    let Some(start) = html.find("class=\"error-summary\"") else {
        return Vec::new();
    };
    let rest = &html[start..];
    let summary = &rest[..rest.find("</div>").unwrap_or(rest.len())];
    summary
        .split("href=\"#")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

/// Asserts a 422 page naming `field` in its error summary; returns the page.
async fn assert_refused(res: reqwest::Response, field: &str, what: &str) -> String {
    assert_eq!(res.status(), 422, "{what}");
    let page = res.text().await.unwrap();
    let fields = error_fields(&page);
    assert!(
        fields.iter().any(|f| f == field),
        "{what}: the page names {fields:?}, not {field}"
    );
    page
}

/// A consultation request as a visitor sends it; returns its id. The clock moves
/// on a second afterwards, so requests have distinct times.
async fn submit(app: &TestApp, name: &str, email: &str) -> String {
    let meta = RequestMeta::default();
    let form = InquiryForm {
        name: name.into(),
        email: email.into(),
        phone: "+1 555 010 0199".into(),
        preferred_contact: "email".into(),
        reason: "I would like to know whether this could help me.".into(),
        heard_from: String::new(),
        consent_to_contact: true,
    };
    let id = app
        .services
        .submit_inquiry(Actor::Anonymous(&meta), &form)
        .await
        .expect("inquiry accepted")
        .to_string();
    app.advance(SignedDuration::from_secs(1));
    id
}

/// Form fields as sent.
type Form<'a> = Vec<(&'a str, &'a str)>;

/// Posts one of an inquiry's actions.
async fn act(c: &Client, id: &str, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    c.post_form(&format!("/inquiries/{id}/{action}"), fields)
        .await
}

/// Posts an action that must succeed, redirecting back to the inquiry.
async fn act_ok(c: &Client, id: &str, action: &str, fields: &[(&str, &str)]) {
    let res = act(c, id, action, fields).await;
    let status = res.status();
    let to = location(&res);
    assert_eq!(
        status,
        303,
        "{action} {fields:?}: {}",
        res.text().await.unwrap_or_default()
    );
    assert!(
        to.starts_with(&format!("/inquiries/{id}?")) || to == format!("/inquiries/{id}"),
        "{action} went to {to}"
    );
}

/// The names listed on a queue page, in order.
fn queue_names(page: &str) -> Vec<String> {
    page.split("<td data-label=\"Name\"><a href=\"/inquiries/")
        .skip(1)
        .map(|s| {
            let start = s.find('>').unwrap() + 1;
            s[start..start + s[start..].find("</a>").unwrap()].to_owned()
        })
        .collect()
}

/// The ids linked from a queue page, in order.
fn queue_ids(page: &str) -> Vec<String> {
    page.split("<td data-label=\"Name\"><a href=\"/inquiries/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

async fn queue(c: &Client, query: &str) -> Vec<String> {
    let (status, page) = c.get_text(&format!("/inquiries{query}")).await;
    assert_eq!(status, 200, "{query}: {page}");
    queue_names(&page)
}

/// The table row of the queue that links to inquiry `id`.
fn queue_row<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("<a href=\"/inquiries/{id}\">"))
        .unwrap_or_else(|| panic!("{id} is not in the queue: {page}"));
    let start = page[..at].rfind("<tr>").unwrap();
    let end = at + page[at..].find("</tr>").unwrap();
    &page[start..end]
}

/// The href of the link marked `rel`, unescaped.
fn rel_link(page: &str, rel: &str) -> Option<String> {
    let at = page.find(&format!("rel=\"{rel}\""))?;
    let start = page[..at].rfind("href=\"")? + "href=\"".len();
    let end = start + page[start..].find('"')?;
    Some(
        page[start..end]
            .replace("&amp;", "&")
            .replace("&#38;", "&")
            .replace("&#x26;", "&"),
    )
}

async fn detail(c: &Client, id: &str) -> String {
    let (status, page) = c.get_text(&format!("/inquiries/{id}")).await;
    assert_eq!(status, 200, "{page}");
    page
}

fn fresh_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

// The queue.

app_test!(
    async fn the_queue_shows_open_inquiries_by_default_and_filters_searches_and_sorts(
        app: TestApp,
    ) {
        let mia = submit(&app, "Mia Early", "mia@example.org").await;
        let zoe = submit(&app, "Zoe Closed", "zoe@example.org").await;
        let ben = submit(&app, "Ben Booked", "ben@example.org").await;
        let (me, c) = app.signed_in_as(&[Role::Coordinator]).await;
        act_ok(
            &c,
            &zoe,
            "status",
            &[("status", "closed"), ("closed_reason", "duplicate")],
        )
        .await;
        act_ok(&c, &ben, "status", &[("status", "consultation-booked")]).await;

        // Open ones only, newest first.
        let (status, page) = c.get_text("/inquiries").await;
        assert_eq!(status, 200);
        assert_eq!(queue_names(&page), ["Ben Booked", "Mia Early"]);
        assert!(page.contains("2 inquiries."), "{page}");
        // The read names exactly the inquiries shown.
        let listed = audit(&app, "inquiry.listed").await;
        assert_eq!(
            listed.last().unwrap(),
            &entry(&me.id.to_string(), &format!("{ben},{mia}"), None)
        );

        assert_eq!(
            queue(&c, "?status=all").await,
            ["Ben Booked", "Zoe Closed", "Mia Early"]
        );
        assert_eq!(queue(&c, "?status=open").await, ["Ben Booked", "Mia Early"]);
        assert_eq!(queue(&c, "?status=closed").await, ["Zoe Closed"]);
        assert_eq!(
            queue(&c, "?status=consultation-booked").await,
            ["Ben Booked"]
        );
        assert_eq!(queue(&c, "?status=new").await, ["Mia Early"]);
        assert!(queue(&c, "?status=converted").await.is_empty());

        // Search by name, without regard to case; within the status asked for.
        assert_eq!(queue(&c, "?q=mia").await, ["Mia Early"]);
        assert_eq!(queue(&c, "?q=EARL").await, ["Mia Early"]);
        assert!(
            queue(&c, "?q=zoe").await.is_empty(),
            "closed: not in the default view"
        );
        assert_eq!(queue(&c, "?q=zoe&status=all").await, ["Zoe Closed"]);
        assert!(queue(&c, "?q=nobody").await.is_empty());

        // Sorting.
        assert_eq!(queue(&c, "?sort=oldest").await, ["Mia Early", "Ben Booked"]);
        assert_eq!(
            queue(&c, "?sort=oldest&status=all").await,
            ["Mia Early", "Zoe Closed", "Ben Booked"]
        );
        assert_eq!(
            queue(&c, "?sort=name&status=all").await,
            ["Ben Booked", "Mia Early", "Zoe Closed"]
        );
        assert_eq!(
            queue(&c, "?sort=newest&status=all").await,
            ["Ben Booked", "Zoe Closed", "Mia Early"]
        );
        assert_eq!(c.get("/inquiries?sort=bogus").await.status(), 400);
        assert_eq!(c.get("/inquiries?status=bogus").await.status(), 400);

        // Mine.
        assert!(queue(&c, "?mine=1").await.is_empty());
        act_ok(&c, &mia, "assign", &[("assigned_to", &me.id.to_string())]).await;
        assert_eq!(queue(&c, "?mine=1").await, ["Mia Early"]);
        assert_eq!(queue(&c, "?mine=1&status=all").await, ["Mia Early"]);
        let (_, other) = app.signed_in_as(&[Role::Coordinator]).await;
        assert!(queue(&other, "?mine=1").await.is_empty());
        assert_eq!(queue(&other, "").await, ["Ben Booked", "Mia Early"]);
    }
);

app_test!(
    async fn a_long_queue_is_shown_fifty_to_a_page_with_links_between_pages(app: TestApp) {
        let mut ids = Vec::new();
        for n in 1..=55 {
            ids.push(
                submit(
                    &app,
                    &format!("Person {n:02}"),
                    &format!("p{n}@example.org"),
                )
                .await,
            );
        }
        let (_, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let (status, first) = c.get_text("/inquiries").await;
        assert_eq!(status, 200);
        let names = queue_names(&first);
        let expected: Vec<String> = (6..=55).rev().map(|n| format!("Person {n:02}")).collect();
        assert_eq!(names, expected, "the newest fifty");
        assert!(first.contains("55 inquiries, page 1 of 2."), "{first}");
        assert!(rel_link(&first, "prev").is_none());
        let next = rel_link(&first, "next").expect("a link to page 2");
        assert!(next.starts_with("/inquiries?"), "{next}");
        assert!(next.contains("page=2"), "{next}");

        let (status, second) = c.get_text(&next).await;
        assert_eq!(status, 200, "{next}");
        let names = queue_names(&second);
        let expected: Vec<String> = (1..=5).rev().map(|n| format!("Person {n:02}")).collect();
        assert_eq!(names, expected, "the rest");
        assert!(second.contains("page 2 of 2"), "{second}");
        assert!(rel_link(&second, "next").is_none());
        let prev = rel_link(&second, "prev").expect("a link back");
        assert_eq!(
            queue(&c, prev.trim_start_matches("/inquiries")).await.len(),
            50
        );

        // Every inquiry appears exactly once across the pages.
        let mut seen: Vec<String> = queue_ids(&first)
            .into_iter()
            .chain(queue_ids(&second))
            .collect();
        seen.sort();
        let mut all = ids.clone();
        all.sort();
        assert_eq!(seen, all);

        // The page links keep the filters.
        let (_, oldest) = c.get_text("/inquiries?sort=oldest&q=person").await;
        assert_eq!(queue_names(&oldest)[0], "Person 01");
        let next = rel_link(&oldest, "next").expect("a link to page 2");
        assert!(next.contains("sort=oldest"), "{next}");
        assert!(next.contains("q=person"), "{next}");
        assert_eq!(
            queue(&c, next.trim_start_matches("/inquiries")).await,
            [
                "Person 51",
                "Person 52",
                "Person 53",
                "Person 54",
                "Person 55"
            ]
        );
        assert!(queue(&c, "?page=3").await.is_empty());
    }
);

// Assigning.

app_test!(
    async fn an_inquiry_is_assigned_to_a_coordinator_or_administrator_and_unassigned(app: TestApp) {
        let id = submit(&app, "Ada Lovelace", "ada@example.org").await;
        let (me, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let me = me.id.to_string();
        let cora = app.staff("cora@staff.test", &[Role::Coordinator]).await;
        let cora = cora.id.to_string();
        rename(&app, &cora, "Cora Coordinator").await;
        let abe = app.staff("abe@staff.test", &[Role::Administrator]).await;
        let abe = abe.id.to_string();
        rename(&app, &abe, "Abe Admin").await;
        let cli = app.staff("cli@staff.test", &[Role::Clinician]).await;
        let cli = cli.id.to_string();
        let gone = app.staff("gone@staff.test", &[Role::Coordinator]).await;
        let gone = gone.id.to_string();

        // The picker offers coordinators and administrators, not clinicians (the
        // consultation's "held by" picker elsewhere on the page lists all staff).
        let full = detail(&c, &id).await;
        let start = full
            .find("id=\"assigned_to\"")
            .expect("the assignment picker");
        let page = &full[start..start + full[start..].find("</select>").expect("its end")];
        assert!(
            page.contains(&format!("<option value=\"{cora}\"")),
            "{page}"
        );
        assert!(page.contains(&format!("<option value=\"{abe}\"")), "{page}");
        assert!(
            !page.contains(&format!("<option value=\"{cli}\"")),
            "{page}"
        );

        act_ok(&c, &id, "assign", &[("assigned_to", &cora)]).await;
        assert_eq!(column(&app, &id, "assigned_to").await, Some(cora.clone()));
        let page = detail(&c, &id).await;
        assert!(
            page.contains("<dt>Assigned to</dt><dd>Cora Coordinator</dd>"),
            "{page}"
        );
        assert!(
            page.contains("Assigned to Cora Coordinator</strong>"),
            "{page}"
        );
        let (_, list) = c.get_text("/inquiries").await;
        assert!(
            queue_row(&list, &id).contains("<td data-label=\"Assigned to\">Cora Coordinator</td>"),
            "{list}"
        );

        act_ok(&c, &id, "assign", &[("assigned_to", &abe)]).await;
        assert_eq!(column(&app, &id, "assigned_to").await, Some(abe.clone()));

        // Not to a clinician, nobody, garbage or a deactivated account.
        app.services
            .db
            .write::<_, StoreError, _>({
                let gone = gone.clone();
                move |c| {
                    c.execute(
                        "update users set active = false where id = $1",
                        &[Value::from(gone)],
                    )
                }
            })
            .await
            .unwrap();
        for to in [cli.clone(), fresh_id(), "not-a-user".to_owned(), gone] {
            let res = act(&c, &id, "assign", &[("assigned_to", &to)]).await;
            let page = assert_refused(res, "assigned_to", &to).await;
            assert!(page.contains("Choose an active coordinator or administrator."));
            assert_eq!(column(&app, &id, "assigned_to").await, Some(abe.clone()));
        }

        // Nobody.
        act_ok(&c, &id, "assign", &[("assigned_to", "")]).await;
        assert_eq!(column(&app, &id, "assigned_to").await, None);
        let page = detail(&c, &id).await;
        assert!(
            page.contains("<dt>Assigned to</dt><dd><span class=\"muted\">nobody</span></dd>"),
            "{page}"
        );
        assert!(page.contains("<strong>Unassigned</strong>"), "{page}");
        assert_eq!(events(&app, &id, "assigned").await, 3);
        assert_eq!(
            audit(&app, "inquiry.assigned").await,
            vec![
                entry(&me, &id, Some(&format!("user {cora}"))),
                entry(&me, &id, Some(&format!("user {abe}"))),
                entry(&me, &id, Some("unassigned")),
            ]
        );

        // Unknown inquiries.
        for missing in [fresh_id(), "nope".to_owned()] {
            let res = act(&c, &missing, "assign", &[("assigned_to", &cora)]).await;
            assert_eq!(res.status(), 404, "{missing}");
        }
        assert_eq!(audit(&app, "inquiry.assigned").await.len(), 3);
    }
);

// Contact attempts.

app_test!(
    async fn a_contact_attempt_is_logged_with_an_encrypted_note_and_moves_a_new_inquiry_on(
        app: TestApp,
    ) {
        let id = submit(&app, "Ada Lovelace", "ada@example.org").await;
        let (me, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let me = me.id.to_string();
        let note = "Left a voicemail offering Tuesday afternoon";

        act_ok(
            &c,
            &id,
            "contact",
            &[
                ("method", "phone"),
                ("outcome", "left-message"),
                ("note", note),
            ],
        )
        .await;
        assert_eq!(status_of(&app, &id).await, "contacted");
        let page = detail(&c, &id).await;
        assert!(
            page.contains("Contact by phone call: left a message"),
            "{page}"
        );
        assert!(page.contains(note), "{page}");
        assert!(
            page.contains("Status changed from new to contacted"),
            "{page}"
        );

        // The note is stored encrypted.
        let stored = rows(
            &app,
            "select note_enc, contact_method, contact_outcome from inquiry_events where inquiry_id = $1 and kind = 'contact'",
            &[&id],
        )
        .await;
        assert_eq!(stored.len(), 1);
        let sealed = stored[0].get::<Option<String>>(0).unwrap().expect("a note");
        assert!(!sealed.contains(note), "{sealed}");
        assert!(!sealed.contains("voicemail"), "{sealed}");
        assert_eq!(stored[0].get::<String>(1).unwrap(), "phone");
        assert_eq!(stored[0].get::<String>(2).unwrap(), "left-message");

        assert_eq!(
            audit(&app, "inquiry.contact-logged").await,
            vec![entry(&me, &id, None)]
        );
        assert_eq!(
            audit(&app, "inquiry.status-changed").await,
            vec![entry(&me, &id, Some("new -> contacted"))]
        );

        // A second attempt, without a note, leaves the status where it is.
        act_ok(
            &c,
            &id,
            "contact",
            &[("method", "email"), ("outcome", "reached"), ("note", "")],
        )
        .await;
        assert_eq!(status_of(&app, &id).await, "contacted");
        assert_eq!(events(&app, &id, "contact").await, 2);
        assert_eq!(
            count(
                &app,
                "select count(*) from inquiry_events where inquiry_id = $1 and kind = 'contact' and note_enc is null",
                &[&id]
            )
            .await,
            1
        );
        assert_eq!(audit(&app, "inquiry.contact-logged").await.len(), 2);
        assert_eq!(audit(&app, "inquiry.status-changed").await.len(), 1);
        let page = detail(&c, &id).await;
        assert!(page.contains("Contact by email: reached them"), "{page}");

        // A note of exactly 2000 characters is accepted.
        let longest = "n".repeat(2000);
        act_ok(
            &c,
            &id,
            "contact",
            &[
                ("method", "text"),
                ("outcome", "no-answer"),
                ("note", &longest),
            ],
        )
        .await;
        assert_eq!(events(&app, &id, "contact").await, 3);
    }
);

app_test!(
    async fn an_invalid_contact_attempt_is_refused_naming_the_field(app: TestApp) {
        let id = submit(&app, "Ada Lovelace", "ada@example.org").await;
        let (_, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let too_long = "n".repeat(2001);
        // (The fields to be named, the form sent.)
        let cases: Vec<(Vec<&str>, Form)> = vec![
            (
                vec!["method"],
                vec![("method", "pigeon"), ("outcome", "reached")],
            ),
            (vec!["method"], vec![("outcome", "reached")]),
            (
                vec!["outcome"],
                vec![("method", "email"), ("outcome", "vanished")],
            ),
            (
                vec!["method", "outcome"],
                vec![("method", ""), ("outcome", "")],
            ),
            (
                vec!["note"],
                vec![
                    ("method", "email"),
                    ("outcome", "reached"),
                    ("note", &too_long),
                ],
            ),
        ];
        for (fields, form) in cases {
            let what = format!("{fields:?}");
            let res = act(&c, &id, "contact", &form).await;
            let page = assert_refused(res, fields[0], &what).await;
            for f in &fields {
                assert!(error_fields(&page).contains(&(*f).to_owned()), "{what}");
            }
            assert!(page.contains("Ada Lovelace"), "the inquiry's page: {page}");
        }
        assert_eq!(events(&app, &id, "contact").await, 0);
        assert_eq!(status_of(&app, &id).await, "new");
        assert!(audit(&app, "inquiry.contact-logged").await.is_empty());

        // Not on a closed inquiry.
        act_ok(
            &c,
            &id,
            "status",
            &[("status", "closed"), ("closed_reason", "no-response")],
        )
        .await;
        let res = act(
            &c,
            &id,
            "contact",
            &[("method", "email"), ("outcome", "reached")],
        )
        .await;
        assert_eq!(res.status(), 409);
        let page = res.text().await.unwrap();
        assert!(page.contains("reopen it before logging contact"), "{page}");
        assert_eq!(events(&app, &id, "contact").await, 0);
        assert_eq!(status_of(&app, &id).await, "closed");

        // Not on an inquiry that does not exist.
        for missing in [fresh_id(), "nope".to_owned()] {
            let res = act(
                &c,
                &missing,
                "contact",
                &[("method", "email"), ("outcome", "reached")],
            )
            .await;
            assert_eq!(res.status(), 404, "{missing}");
        }
        assert!(audit(&app, "inquiry.contact-logged").await.is_empty());
    }
);

// Status.

app_test!(
    async fn status_changes_follow_the_rules_and_closing_needs_a_reason(app: TestApp) {
        let id = submit(&app, "Ada Lovelace", "ada@example.org").await;
        let (me, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let me = me.id.to_string();

        act_ok(&c, &id, "status", &[("status", "consultation-booked")]).await;
        assert_eq!(status_of(&app, &id).await, "consultation-booked");
        let page = detail(&c, &id).await;
        assert!(
            page.contains("Status changed from new to consultation booked"),
            "{page}"
        );

        // Closing needs a known reason.
        for reason in ["", "bored"] {
            let res = act(
                &c,
                &id,
                "status",
                &[("status", "closed"), ("closed_reason", reason)],
            )
            .await;
            assert_refused(res, "closed_reason", reason).await;
            assert_eq!(status_of(&app, &id).await, "consultation-booked");
        }
        act_ok(
            &c,
            &id,
            "status",
            &[("status", "closed"), ("closed_reason", "not-a-fit")],
        )
        .await;
        assert_eq!(status_of(&app, &id).await, "closed");
        assert_eq!(
            column(&app, &id, "closed_reason").await.as_deref(),
            Some("not-a-fit")
        );
        let page = detail(&c, &id).await;
        assert!(
            page.contains("<dt>Closed because</dt><dd>KAP is not a fit</dd>"),
            "{page}"
        );
        assert!(
            page.contains("Status changed from consultation booked to closed (kap is not a fit)"),
            "{page}"
        );
        let (_, closed) = c.get_text("/inquiries?status=closed").await;
        assert_eq!(queue_names(&closed), ["Ada Lovelace"]);

        // A closed inquiry can only be reopened.
        let res = act(&c, &id, "status", &[("status", "consultation-booked")]).await;
        assert_refused(res, "status", "closed to consultation booked").await;
        assert_eq!(status_of(&app, &id).await, "closed");

        act_ok(&c, &id, "status", &[("status", "new")]).await;
        assert_eq!(status_of(&app, &id).await, "new");
        assert_eq!(column(&app, &id, "closed_reason").await, None);
        let page = detail(&c, &id).await;
        assert!(!page.contains("Closed because"), "{page}");

        // Not to "converted" (that is what converting does), nor to anything unknown,
        // nor to the status it already has.
        for to in ["converted", "bogus", "", "new"] {
            let res = act(&c, &id, "status", &[("status", to)]).await;
            assert_refused(res, "status", to).await;
            assert_eq!(status_of(&app, &id).await, "new");
        }

        assert_eq!(events(&app, &id, "status").await, 3);
        assert_eq!(
            audit(&app, "inquiry.status-changed").await,
            vec![
                entry(&me, &id, Some("new -> consultation-booked")),
                entry(&me, &id, Some("consultation-booked -> closed")),
                entry(&me, &id, Some("closed -> new")),
            ]
        );
        for missing in [fresh_id(), "nope".to_owned()] {
            let res = act(&c, &missing, "status", &[("status", "contacted")]).await;
            assert_eq!(res.status(), 404, "{missing}");
        }
    }
);

// Converting.

app_test!(
    async fn converting_creates_the_client_and_mails_an_invitation_once(app: TestApp) {
        let id = submit(&app, "Dana Client", "dana@example.org").await;
        let (me, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let me = me.id.to_string();
        let users = count(&app, "select count(*) from users", &[]).await;

        act_ok(
            &c,
            &id,
            "convert",
            &[(
                "consultation_outcome",
                "Consultation held by phone; a good fit for an intake.",
            )],
        )
        .await;
        assert_eq!(status_of(&app, &id).await, "converted");
        assert_eq!(
            count(&app, "select count(*) from users", &[]).await,
            users + 1
        );
        let client = &rows(
            &app,
            "select id, user_id, name, email, phone, created_by from clients where inquiry_id = $1",
            &[&id],
        )
        .await;
        assert_eq!(client.len(), 1);
        let client_id = client[0].get::<String>(0).unwrap();
        let user_id = client[0].get::<String>(1).unwrap();
        assert_eq!(client[0].get::<String>(2).unwrap(), "Dana Client");
        assert_eq!(client[0].get::<String>(3).unwrap(), "dana@example.org");
        assert_eq!(
            client[0].get::<Option<String>>(4).unwrap().as_deref(),
            Some("+1 555 010 0199")
        );
        assert_eq!(
            client[0].get::<Option<String>>(5).unwrap(),
            Some(me.clone())
        );
        let user = &rows(
            &app,
            "select email, name, is_staff, password_hash, active from users where id = $1",
            &[&user_id],
        )
        .await[0];
        assert_eq!(user.get::<String>(0).unwrap(), "dana@example.org");
        assert_eq!(user.get::<String>(1).unwrap(), "Dana Client");
        assert!(!user.get::<bool>(2).unwrap(), "not staff");
        assert_eq!(user.get::<Option<String>>(3).unwrap(), None);
        assert!(user.get::<bool>(4).unwrap());
        assert_eq!(
            count(
                &app,
                "select count(*) from user_roles where user_id = $1 and role = 'client'",
                &[&user_id]
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &app,
                "select count(*) from user_roles where user_id = $1",
                &[&user_id]
            )
            .await,
            1,
            "a client and nothing else"
        );

        let mail = app.last_mail_to("dana@example.org").await.expect("a mail");
        assert_eq!(mail.kind, "invitation");
        let link = link_in(&mail.body_text, &app.url("/invitation/")).expect("a link");
        let (status, welcome) = app
            .client()
            .get_text(link.trim_start_matches(&app.addr))
            .await;
        assert_eq!(status, 200);
        assert!(welcome.contains("Dana Client"), "{welcome}");

        let page = detail(&c, &id).await;
        assert!(page.contains("Converted to a client"), "{page}");
        assert!(
            page.contains("An invitation is waiting to be accepted"),
            "{page}"
        );
        assert!(
            !page.contains(&format!("/inquiries/{id}/convert")),
            "{page}"
        );

        assert_eq!(
            audit(&app, "inquiry.converted").await,
            vec![Logged {
                client: Some(client_id.clone()),
                ..entry(&me, &id, None)
            }]
        );
        assert_eq!(
            audit(&app, "invitation.sent").await,
            vec![Logged {
                client: Some(client_id),
                ..entry(&me, &user_id, None)
            }]
        );

        // Only once.
        let res = act(
            &c,
            &id,
            "convert",
            &[(
                "consultation_outcome",
                "Consultation held by phone; a good fit for an intake.",
            )],
        )
        .await;
        assert_eq!(res.status(), 409);
        let page = res.text().await.unwrap();
        assert!(
            page.contains("only an open inquiry can be converted"),
            "{page}"
        );
        assert_eq!(
            count(&app, "select count(*) from users", &[]).await,
            users + 1
        );
        assert_eq!(count(&app, "select count(*) from clients", &[]).await, 1);
        assert_eq!(
            count(
                &app,
                "select count(*) from outbox where to_addr = 'dana@example.org' and kind = 'invitation'",
                &[]
            )
            .await,
            1
        );
        assert_eq!(audit(&app, "inquiry.converted").await.len(), 1);

        for missing in [fresh_id(), "nope".to_owned()] {
            assert_eq!(
                act(
                    &c,
                    &missing,
                    "convert",
                    &[(
                        "consultation_outcome",
                        "Consultation held by phone; a good fit for an intake."
                    )]
                )
                .await
                .status(),
                404
            );
        }
    }
);

app_test!(
    async fn converting_is_refused_when_the_address_already_has_an_account_or_it_is_closed(
        app: TestApp,
    ) {
        let staff = app.staff("cora@staff.test", &[Role::Coordinator]).await;
        let id = submit(&app, "Cora Again", "Cora@Staff.test").await;
        let closed = submit(&app, "Carl Closed", "carl@example.org").await;
        let (_, c) = app.signed_in_as(&[Role::Coordinator]).await;
        act_ok(
            &c,
            &closed,
            "status",
            &[
                ("status", "closed"),
                ("closed_reason", "referred-elsewhere"),
            ],
        )
        .await;
        let users = count(&app, "select count(*) from users", &[]).await;

        let res = act(
            &c,
            &id,
            "convert",
            &[(
                "consultation_outcome",
                "Consultation held by phone; a good fit for an intake.",
            )],
        )
        .await;
        assert_eq!(res.status(), 409);
        let page = res.text().await.unwrap();
        assert!(
            page.contains("An account with this email address already exists"),
            "{page}"
        );
        assert_eq!(status_of(&app, &id).await, "new");

        let res = act(
            &c,
            &closed,
            "convert",
            &[(
                "consultation_outcome",
                "Consultation held by phone; a good fit for an intake.",
            )],
        )
        .await;
        assert_eq!(res.status(), 409);
        assert_eq!(status_of(&app, &closed).await, "closed");

        assert_eq!(count(&app, "select count(*) from users", &[]).await, users);
        assert_eq!(count(&app, "select count(*) from clients", &[]).await, 0);
        assert_eq!(
            count(&app, "select count(*) from invitations", &[]).await,
            0
        );
        assert_eq!(
            count(
                &app,
                "select count(*) from outbox where kind = 'invitation'",
                &[]
            )
            .await,
            0
        );
        // The staff account is untouched.
        assert_eq!(
            count(
                &app,
                "select count(*) from user_roles where user_id = $1",
                &[&staff.id.to_string()]
            )
            .await,
            1
        );
        assert!(audit(&app, "inquiry.converted").await.is_empty());
    }
);

// Phone inquiries.

/// A phone inquiry's fields, with some replaced.
fn phone_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("name", "Pat Phone"),
        ("email", "pat@example.org"),
        ("phone", "+1 555 010 0142"),
        ("preferred_contact", "phone"),
        (
            "reason",
            "Called about treatment options after a long depression.",
        ),
        ("heard_from", "A friend"),
        ("consent_to_contact", "yes"),
    ];
    for (k, v) in changes {
        f.retain(|(key, _)| key != k);
        if !v.is_empty() || *k != "consent_to_contact" {
            f.push((k, v));
        }
    }
    f
}

app_test!(
    async fn a_coordinator_records_a_phone_inquiry_marked_as_entered_by_them(app: TestApp) {
        let (me, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let me = me.id.to_string();
        rename(&app, &me, "Cora Coordinator").await;

        let (status, form) = c.get_text("/inquiries/new").await;
        assert_eq!(status, 200);
        assert!(form.contains("Record a phone inquiry"), "{form}");
        assert!(form.contains("action=\"/inquiries/new\""), "{form}");
        assert!(!form.contains("Request a consultation"), "{form}");

        let res = c.post_form("/inquiries/new", &phone_form(&[])).await;
        assert_eq!(res.status(), 303);
        let to = location(&res);
        let id = to
            .strip_prefix("/inquiries/")
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let row = &rows(
            &app,
            "select source, entered_by, status, name, email, phone, preferred_contact, heard_from from inquiries where id = $1",
            &[&id],
        )
        .await[0];
        assert_eq!(row.get::<String>(0).unwrap(), "phone");
        assert_eq!(row.get::<Option<String>>(1).unwrap(), Some(me.clone()));
        assert_eq!(row.get::<String>(2).unwrap(), "new");
        assert_eq!(row.get::<String>(3).unwrap(), "Pat Phone");
        assert_eq!(row.get::<String>(4).unwrap(), "pat@example.org");
        assert_eq!(
            row.get::<Option<String>>(5).unwrap().as_deref(),
            Some("+1 555 010 0142")
        );
        assert_eq!(row.get::<String>(6).unwrap(), "phone");
        assert_eq!(
            row.get::<Option<String>>(7).unwrap().as_deref(),
            Some("A friend")
        );

        let (status, page) = c.get_text(&to).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("by phone, entered by Cora Coordinator"),
            "{page}"
        );
        assert!(
            page.contains("Called about treatment options after a long depression."),
            "{page}"
        );
        let (_, list) = c.get_text("/inquiries").await;
        assert!(queue_row(&list, &id).contains("(phone)"), "{list}");

        let mail = app
            .last_mail_to("pat@example.org")
            .await
            .expect("a confirmation");
        assert!(
            !mail.body_text.contains("depression"),
            "no health information"
        );
        let created = audit(&app, "inquiry.created").await;
        assert_eq!(created, vec![entry(&me, &id, Some("phone"))]);
    }
);

app_test!(
    async fn an_invalid_phone_inquiry_is_refused_on_the_staff_form_and_nothing_is_stored(
        app: TestApp,
    ) {
        let (_, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("name", phone_form(&[("name", "")])),
            ("email", phone_form(&[("email", "not-an-email")])),
            ("phone", phone_form(&[("phone", "")])),
            (
                "preferred_contact",
                phone_form(&[("preferred_contact", "fax")]),
            ),
            ("reason", phone_form(&[("reason", "")])),
            (
                "consent_to_contact",
                phone_form(&[("consent_to_contact", "")]),
            ),
        ];
        for (field, form) in cases {
            let res = c.post_form("/inquiries/new", &form).await;
            let page = assert_refused(res, field, field).await;
            assert!(page.contains("Record a phone inquiry"), "{field}: {page}");
            assert!(!page.contains("Request a consultation"), "{field}: {page}");
            assert!(
                page.contains("action=\"/inquiries/new\""),
                "{field}: {page}"
            );
        }
        assert_eq!(count(&app, "select count(*) from inquiries", &[]).await, 0);
        assert_eq!(count(&app, "select count(*) from outbox", &[]).await, 0);
        assert!(audit(&app, "inquiry.created").await.is_empty());
    }
);

// CSRF.

app_test!(
    async fn every_inquiry_action_refuses_a_post_without_its_csrf_token(app: TestApp) {
        let id = submit(&app, "Ada Lovelace", "ada@example.org").await;
        let (me, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let me = me.id.to_string();
        let seq = count(&app, "select max(seq) from audit_log", &[]).await;
        let phone = phone_form(&[]);
        let posts: Vec<(String, Form)> = vec![
            (
                format!("/inquiries/{id}/assign"),
                vec![("assigned_to", &me)],
            ),
            (
                format!("/inquiries/{id}/contact"),
                vec![("method", "email"), ("outcome", "reached"), ("note", "Hi")],
            ),
            (
                format!("/inquiries/{id}/status"),
                vec![("status", "consultation-booked")],
            ),
            (
                format!("/inquiries/{id}/convert"),
                vec![(
                    "consultation_outcome",
                    "Consultation held by phone; a good fit for an intake.",
                )],
            ),
            ("/inquiries/new".to_owned(), phone),
        ];
        for (path, fields) in &posts {
            let res = c.post_raw(path, fields).await;
            assert_eq!(res.status(), 403, "{path} without a token");
            let mut forged = fields.clone();
            forged.push(("csrf", "0000"));
            let res = c.post_raw(path, &forged).await;
            assert_eq!(res.status(), 403, "{path} with a forged token");
        }
        assert_eq!(status_of(&app, &id).await, "new");
        assert_eq!(column(&app, &id, "assigned_to").await, None);
        assert_eq!(
            count(&app, "select count(*) from inquiry_events", &[]).await,
            1,
            "only the inquiry's creation"
        );
        assert_eq!(count(&app, "select count(*) from inquiries", &[]).await, 1);
        assert_eq!(count(&app, "select count(*) from clients", &[]).await, 0);
        let changes = count(
            &app,
            &format!(
                "select count(*) from audit_log where seq > {seq} and action in
                 ('inquiry.assigned', 'inquiry.contact-logged', 'inquiry.status-changed',
                  'inquiry.converted', 'inquiry.created', 'invitation.sent')"
            ),
            &[],
        )
        .await;
        assert_eq!(changes, 0);

        // With the token, the same request goes through.
        let (path, fields) = &posts[2];
        assert_eq!(c.post_form(path, fields).await.status(), 303);
        assert_eq!(status_of(&app, &id).await, "consultation-booked");
    }
);
