//! The mail outbox and the SMTP sender, against a real SMTP conversation with a
//! local server the test starts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use jiff::SignedDuration;
use threshold_domain::Role;
use threshold_domain::inquiry::InquiryForm;
use threshold_service::mail::{MAX_ATTEMPTS, MailSender, backoff};
use threshold_service::{Actor, RequestMeta};
use threshold_store::outbox::{MailRow, MailStatus};
use threshold_testkit::{Client, SmtpServer, TestApp, app_test, app_test_with, link_in, location};

const REASON: &str = "Years of depression; my psychiatrist suggested ketamine therapy.";

/// A visitor requests a consultation through the public form.
async fn request_consultation(app: &TestApp, name: &str, email: &str) {
    let res = app
        .client()
        .post_form(
            "/consultation",
            &[
                ("name", name),
                ("email", email),
                ("phone", ""),
                ("preferred_contact", "email"),
                ("reason", REASON),
                ("heard_from", "My psychiatrist"),
                ("consent_to_contact", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "consultation request accepted");
    assert_eq!(location(&res), "/consultation/received");
}

fn form(name: &str, email: &str) -> InquiryForm {
    InquiryForm {
        name: name.into(),
        email: email.into(),
        phone: String::new(),
        preferred_contact: "email".into(),
        reason: REASON.into(),
        heard_from: String::new(),
        consent_to_contact: true,
    }
}

fn sender(app: &TestApp, url: &str) -> MailSender {
    MailSender::new(app.services.clone(), url).expect("sender")
}

/// The newest message to `addr` in the outbox.
async fn mail_to(app: &TestApp, addr: &str) -> MailRow {
    app.last_mail_to(addr)
        .await
        .unwrap_or_else(|| panic!("no mail queued to {addr}"))
}

/// The same message, read again.
async fn reload(app: &TestApp, m: &MailRow) -> MailRow {
    let id = m.id;
    app.services
        .db
        .read(move |c| threshold_store::outbox::get(c, id))
        .await
        .expect("read outbox")
        .expect("the message is still there")
}

async fn admin_mail_page(admin: &Client, query: &str) -> String {
    let (status, page) = admin.get_text(&format!("/admin/mail{query}")).await;
    assert_eq!(status, 200, "{page}");
    page
}

/// A port on which nothing listens.
async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

app_test!(
    async fn a_consultation_request_is_confirmed_by_mail_over_smtp(app: TestApp) {
        let smtp = SmtpServer::start().await;
        request_consultation(&app, "Ada Lovelace", "ada@example.org").await;
        let queued = mail_to(&app, "ada@example.org").await;
        assert_eq!(queued.status, MailStatus::Queued);
        assert!(
            smtp.received().is_empty(),
            "nothing is sent before the sender runs"
        );

        let sent = sender(&app, &smtp.url()).run_once().await.expect("round");
        assert_eq!(sent, 1);

        let delivered = smtp.to("ada@example.org");
        assert_eq!(delivered.len(), 1, "one message to the person");
        let m = &delivered[0];
        assert!(
            m.subject().contains("Threshold Test Clinic"),
            "subject names the clinic: {}",
            m.subject()
        );
        let body = m.body();
        assert!(
            body.contains("Ada Lovelace"),
            "greets the person by name: {body}"
        );
        assert!(
            !body.contains("depression"),
            "mail carries nothing of what they wrote: {body}"
        );
        assert!(!body.contains("ketamine therapy"), "{body}");
        assert!(
            !m.data.contains("depression"),
            "not even encoded in the raw message"
        );

        let row = reload(&app, &queued).await;
        assert_eq!(row.status, MailStatus::Sent);
        assert_eq!(row.attempts, 1);
        assert!(row.sent_at.is_some());
        assert_eq!(row.last_error, None);

        // A second round has nothing to do.
        assert_eq!(
            sender(&app, &smtp.url()).run_once().await.expect("round"),
            0
        );
        assert_eq!(smtp.received().len(), 1);
    }
);

app_test!(
    async fn when_smtp_refuses_mail_stays_queued_and_is_retried_after_the_backoff(app: TestApp) {
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let smtp = SmtpServer::start().await;
        smtp.refuse_mail(true);
        request_consultation(&app, "Ada Lovelace", "ada@example.org").await;
        let queued = mail_to(&app, "ada@example.org").await;
        let sender = sender(&app, &smtp.url());

        let failed_at = app.services.now();
        assert_eq!(
            sender
                .run_once()
                .await
                .expect("a failed delivery is not an error of the round"),
            0
        );
        let row = reload(&app, &queued).await;
        assert_eq!(row.status, MailStatus::Queued, "nothing is lost");
        assert_eq!(row.attempts, 1);
        let error = row.last_error.clone().expect("the error is recorded");
        assert!(!error.is_empty());
        let wait = row.next_attempt_at.duration_since(failed_at);
        assert!(
            wait > SignedDuration::from_secs(59) && wait <= SignedDuration::from_secs(60),
            "retried after one minute, not {wait:?}"
        );
        assert!(smtp.received().is_empty());

        // The administrator sees it waiting, with the reason.
        let page = admin_mail_page(&admin, "?status=queued").await;
        assert!(page.contains("ada@example.org"), "{page}");
        assert!(page.contains("queued, 1 attempts"), "{page}");
        assert!(
            page.contains("try again later"),
            "the SMTP server's answer is shown: {error} / {page}"
        );

        // Before the backoff has passed, even a willing server gets nothing.
        smtp.refuse_mail(false);
        app.advance(SignedDuration::from_secs(30));
        assert_eq!(sender.run_once().await.expect("round"), 0);
        assert!(smtp.received().is_empty());
        assert_eq!(
            reload(&app, &queued).await.attempts,
            1,
            "not tried again yet"
        );

        app.advance(SignedDuration::from_secs(31));
        assert_eq!(sender.run_once().await.expect("round"), 1);
        assert_eq!(smtp.to("ada@example.org").len(), 1);
        let row = reload(&app, &queued).await;
        assert_eq!(row.status, MailStatus::Sent);
        assert_eq!(row.attempts, 2);
        assert_eq!(row.last_error, None);
    }
);

app_test!(
    async fn when_the_smtp_server_is_unreachable_nothing_is_lost(app: TestApp) {
        request_consultation(&app, "Ada Lovelace", "ada@example.org").await;
        let queued = mail_to(&app, "ada@example.org").await;
        let down = sender(&app, &format!("smtp://127.0.0.1:{}", closed_port().await));
        assert_eq!(down.run_once().await.expect("round"), 0);
        let row = reload(&app, &queued).await;
        assert_eq!(row.status, MailStatus::Queued);
        assert_eq!(row.attempts, 1);
        assert!(row.last_error.as_deref().is_some_and(|e| !e.is_empty()));
        assert!(row.next_attempt_at > app.services.now());

        // Once a server answers (after the pause), it goes out.
        let smtp = SmtpServer::start().await;
        app.advance(SignedDuration::from_secs(61));
        assert_eq!(
            sender(&app, &smtp.url()).run_once().await.expect("round"),
            1
        );
        assert_eq!(smtp.to("ada@example.org").len(), 1);
        assert_eq!(reload(&app, &queued).await.status, MailStatus::Sent);
    }
);

app_test!(
    async fn after_the_last_attempt_mail_is_failed_until_an_administrator_retries_it(app: TestApp) {
        let smtp = SmtpServer::start().await;
        smtp.refuse_mail(true);
        request_consultation(&app, "Ada Lovelace", "ada@example.org").await;
        let queued = mail_to(&app, "ada@example.org").await;
        let sender = sender(&app, &smtp.url());

        for attempt in 1..=MAX_ATTEMPTS {
            assert_eq!(sender.run_once().await.expect("round"), 0);
            let row = reload(&app, &queued).await;
            assert_eq!(row.attempts, attempt);
            if attempt < MAX_ATTEMPTS {
                assert_eq!(row.status, MailStatus::Queued, "attempt {attempt}");
                app.advance(backoff(attempt));
            } else {
                assert_eq!(
                    row.status,
                    MailStatus::Failed,
                    "given up after {MAX_ATTEMPTS} attempts"
                );
            }
        }
        // Given up: no more attempts, even much later and with a willing server.
        smtp.refuse_mail(false);
        app.advance(SignedDuration::from_hours(2));
        assert_eq!(sender.run_once().await.expect("round"), 0);
        assert!(smtp.received().is_empty());
        assert_eq!(reload(&app, &queued).await.status, MailStatus::Failed);

        // A coordinator may not retry it.
        let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let retry = format!("/admin/mail/{}/retry", queued.id);
        let res = coordinator.post_form(&retry, &[]).await;
        assert_eq!(res.status(), 403);
        assert_eq!(reload(&app, &queued).await.status, MailStatus::Failed);

        // The administrator sees it failed, with a retry button, and retries it.
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let page = admin_mail_page(&admin, "?status=failed").await;
        assert!(page.contains("ada@example.org"), "{page}");
        assert!(
            page.contains(&format!("failed, {MAX_ATTEMPTS} attempts")),
            "{page}"
        );
        assert!(
            page.contains(&format!("action=\"{retry}\"")),
            "a retry button: {page}"
        );
        let res = admin.post_form(&retry, &[]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/admin/mail?done=retried");
        assert_eq!(reload(&app, &queued).await.status, MailStatus::Queued);
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'mail.retried'")
                .await,
            1,
            "the retry is audited"
        );

        assert_eq!(sender.run_once().await.expect("round"), 1);
        assert_eq!(smtp.to("ada@example.org").len(), 1);
        let row = reload(&app, &queued).await;
        assert_eq!(row.status, MailStatus::Sent);

        // A sent message cannot be retried (it would be sent twice).
        let res = admin.post_form(&retry, &[]).await;
        assert_eq!(res.status(), 404);
        assert_eq!(reload(&app, &queued).await.status, MailStatus::Sent);
    }
);

app_test!(
    async fn two_senders_never_send_the_same_mail_twice(app: TestApp) {
        let smtp = SmtpServer::start().await;
        let meta = RequestMeta::default();
        for n in 0..20 {
            app.services
                .submit_inquiry(
                    Actor::Anonymous(&meta),
                    &form(&format!("Person {n}"), &format!("person{n}@example.org")),
                )
                .await
                .expect("inquiry");
        }
        assert_eq!(
            app.count("select count(*) from outbox where status = 'queued'")
                .await,
            20
        );

        let a = sender(&app, &smtp.url());
        let b = sender(&app, &smtp.url());
        let mut total = 0;
        for _ in 0..5 {
            let (x, y) = tokio::join!(a.run_once(), b.run_once());
            let round = x.expect("sender a") + y.expect("sender b");
            total += round;
            if round == 0 {
                break;
            }
        }
        assert_eq!(
            total, 20,
            "between them, the senders sent each message once"
        );

        let received = smtp.received();
        assert_eq!(
            received.len(),
            20,
            "the SMTP server got exactly 20 messages"
        );
        let mut per_address: BTreeMap<String, usize> = BTreeMap::new();
        for m in &received {
            for to in &m.to {
                *per_address.entry(to.clone()).or_default() += 1;
            }
        }
        assert_eq!(per_address.len(), 20);
        for n in 0..20 {
            assert_eq!(
                per_address.get(&format!("person{n}@example.org")),
                Some(&1),
                "{per_address:?}"
            );
        }
        assert_eq!(
            app.count("select count(*) from outbox where status = 'sent'")
                .await,
            20
        );
        assert_eq!(
            app.count("select count(*) from outbox where attempts <> 1")
                .await,
            0
        );
    }
);

app_test!(
    async fn a_message_claimed_by_a_sender_that_died_is_sent_after_its_claim_lapses(app: TestApp) {
        let smtp = SmtpServer::start().await;
        request_consultation(&app, "Ada Lovelace", "ada@example.org").await;
        let queued = mail_to(&app, "ada@example.org").await;
        // Another copy claims it, then dies before sending.
        let now = app.services.now();
        let claimed = app
            .services
            .db
            .write(move |c| {
                threshold_store::outbox::claim_due(
                    c,
                    "copy-that-died",
                    now,
                    now + SignedDuration::from_mins(2),
                    20,
                )
            })
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 1);

        // While its claim holds, nobody else sends it.
        let sender = sender(&app, &smtp.url());
        assert_eq!(sender.run_once().await.expect("round"), 0);
        app.advance(SignedDuration::from_secs(60));
        assert_eq!(sender.run_once().await.expect("round"), 0);
        assert!(smtp.received().is_empty());

        // Once it lapses, the message is sent, once.
        app.advance(SignedDuration::from_secs(61));
        assert_eq!(sender.run_once().await.expect("round"), 1);
        assert_eq!(smtp.to("ada@example.org").len(), 1);
        assert_eq!(reload(&app, &queued).await.status, MailStatus::Sent);
        assert_eq!(sender.run_once().await.expect("round"), 0);
        assert_eq!(smtp.received().len(), 1);
    }
);

/// Requests a consultation, converts it as a coordinator; returns the inquiry id.
async fn convert_request(app: &TestApp, name: &str, email: &str) -> String {
    request_consultation(app, name, email).await;
    let email_owned = email.to_owned();
    let id: String = app
        .services
        .db
        .read(move |c| {
            c.query_one(
                "select id from inquiries where email = $1",
                &[email_owned.into()],
            )?
            .get::<String>(0)
        })
        .await
        .expect("inquiry id");
    let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
    let res = coordinator
        .post_form(
            &format!("/inquiries/{id}/convert"),
            &[(
                "consultation_outcome",
                "Consultation held by phone; a good fit for an intake.",
            )],
        )
        .await;
    assert_eq!(res.status(), 303, "converted");
    id
}

app_test!(
    async fn the_invitation_mail_links_to_the_invitation_page(app: TestApp) {
        let smtp = SmtpServer::start().await;
        convert_request(&app, "Ada Lovelace", "ada@example.org").await;
        assert_eq!(
            sender(&app, &smtp.url()).run_once().await.expect("round"),
            2,
            "confirmation and invitation"
        );

        let delivered = smtp.to("ada@example.org");
        let invitation = delivered
            .iter()
            .find(|m| m.subject().contains("set up your account"))
            .unwrap_or_else(|| {
                panic!(
                    "an invitation among {:?}",
                    delivered.iter().map(|m| m.subject()).collect::<Vec<_>>()
                )
            });
        assert!(invitation.subject().contains("Threshold Test Clinic"));
        let body = invitation.body();
        assert!(
            !body.contains("depression"),
            "no health information in mail: {body}"
        );
        let link =
            link_in(&body, &app.url("/invitation/")).unwrap_or_else(|| panic!("a link in {body}"));
        let path = link.trim_start_matches(&app.addr).to_owned();
        assert!(
            path.len() > "/invitation/".len() + 16,
            "a long random token: {path}"
        );

        let (status, page) = app.client().get_text(&path).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains("Ada Lovelace"),
            "the invitation page greets the person: {page}"
        );
    }
);

/// A phrase that only the confirmation body contains.
const BODY_PHRASE: &str = "within two working days";

/// The token of the invitation mailed to `addr`, from the outbox.
async fn invitation_token(app: &TestApp, addr: &str) -> String {
    let m = mail_to(app, addr).await;
    assert_eq!(m.kind, "invitation");
    let link = link_in(&m.body_text, &app.url("/invitation/")).expect("link");
    link.rsplit('/').next().expect("token").to_owned()
}

app_test_with!(
    |settings, _| settings.demo = true,
    async fn in_demo_mode_the_administrator_sees_the_mail_in_full(app: TestApp) {
        convert_request(&app, "Ada Lovelace", "ada@example.org").await;
        let token = invitation_token(&app, "ada@example.org").await;
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let page = admin_mail_page(&admin, "").await;
        assert!(
            page.contains(BODY_PHRASE),
            "the confirmation's text is shown: {page}"
        );
        assert!(
            page.contains(&token),
            "the invitation link is shown: {page}"
        );

        // And it can be followed from there.
        let link = link_in(&page, &app.url("/invitation/")).expect("a link on the page");
        let path = link.trim_start_matches(&app.addr);
        let path = &path[..path.find(['<', '"']).unwrap_or(path.len())];
        let (status, invitation) = app.client().get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(invitation.contains("Ada Lovelace"));
    }
);

app_test!(
    async fn outside_demo_mode_the_administrator_does_not_see_mail_bodies(app: TestApp) {
        convert_request(&app, "Ada Lovelace", "ada@example.org").await;
        let token = invitation_token(&app, "ada@example.org").await;
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let page = admin_mail_page(&admin, "").await;
        // The messages are listed...
        assert!(page.contains("ada@example.org"), "{page}");
        assert!(page.contains("set up your account"), "{page}");
        // ...but not what they say.
        assert!(
            !page.contains(&token),
            "the invitation token must not be shown: {page}"
        );
        assert!(!page.contains("/invitation/"), "{page}");
        assert!(!page.contains(BODY_PHRASE), "{page}");
    }
);
