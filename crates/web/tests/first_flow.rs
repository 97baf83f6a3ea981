//! The first flow end to end over HTTP: a visitor asks for a consultation, a
//! coordinator works it and converts it, the client accepts the invitation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use threshold_domain::Role;
use threshold_testkit::{app_test, link_in, location};

app_test!(
    async fn a_request_becomes_a_client_with_a_portal(app: TestApp) {
        let visitor = app.client();
        let (status, home) = visitor.get_text("/").await;
        assert_eq!(status, 200);
        assert!(home.contains("Request a consultation"));

        let res = visitor
            .post_form(
                "/consultation",
                &[
                    ("name", "Ada Lovelace"),
                    ("email", "ada@example.org"),
                    ("phone", ""),
                    ("preferred_contact", "email"),
                    (
                        "reason",
                        "Years of depression; my psychiatrist suggested KAP.",
                    ),
                    ("heard_from", "My psychiatrist"),
                    ("consent_to_contact", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/consultation/received");
        assert_eq!(app.count("select count(*) from inquiries").await, 1);
        let confirmation = app
            .last_mail_to("ada@example.org")
            .await
            .expect("confirmation queued");
        assert!(confirmation.subject.contains("we received your request"));
        assert!(
            !confirmation.body_text.contains("depression"),
            "mail carries no health information"
        );

        let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let (status, queue) = coordinator.get_text("/inquiries").await;
        assert_eq!(status, 200);
        assert!(queue.contains("Ada Lovelace"), "{queue}");
        let id: String = app
            .services
            .db
            .read(|c| {
                c.query_one("select id from inquiries", &[])?
                    .get::<String>(0)
            })
            .await
            .unwrap();
        let (status, page) = coordinator.get_text(&format!("/inquiries/{id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Years of depression"));

        let res = coordinator
            .post_form(
                &format!("/inquiries/{id}/convert"),
                &[(
                    "consultation_outcome",
                    "Consultation held by phone; a good fit for an intake.",
                )],
            )
            .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let invitation = app.last_mail_to("ada@example.org").await.unwrap();
        let link =
            link_in(&invitation.body_text, &app.url("/invitation/")).expect("invitation link");
        let path = link.trim_start_matches(&app.addr).to_owned();

        let client = app.client();
        let (status, page) = client.get_text(&path).await;
        assert_eq!(status, 200);
        assert!(page.contains("Welcome, Ada Lovelace"));
        let res = client
            .post_form(
                &path,
                &[
                    ("password", "a long client passphrase"),
                    ("password_confirm", "a long client passphrase"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal");
        let (status, portal) = client.get_text("/portal").await;
        assert_eq!(status, 200);
        assert!(portal.contains("Welcome, Ada Lovelace"), "{portal}");

        // The link works once.
        let (status, _) = app.client().get_text(&path).await;
        assert_eq!(status, 410);
    }
);

app_test!(
    async fn pages_show_times_in_the_clinics_time_zone(app: TestApp) {
        app.services
            .create_location(
                threshold_service::Actor::System,
                &threshold_service::locations::LocationForm {
                    name: "Portland".into(),
                    time_zone: "America/Los_Angeles".into(),
                    address: "1 Main St".into(),
                    phone: String::new(),
                    active: true,
                },
            )
            .await
            .unwrap();
        app.clock.set("2026-07-01T17:30:00Z".parse().unwrap());
        let visitor = app.client();
        let res = visitor
            .post_form(
                "/consultation",
                &[
                    ("name", "Zone Test"),
                    ("email", "zone@example.org"),
                    ("preferred_contact", "email"),
                    ("reason", "Testing times"),
                    ("consent_to_contact", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let (_, coordinator) = app.signed_in_as(&[Role::Coordinator]).await;
        let (_, queue) = coordinator.get_text("/inquiries").await;
        // 17:30 UTC in July is 10:30 Pacific Daylight Time.
        assert!(queue.contains("2026-07-01 10:30 PDT"), "{queue}");
    }
);
