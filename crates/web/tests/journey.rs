//! A client's journey opens at conversion with the consultation as its first entry;
//! the chart shows it; only the care team sees clinical content.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use threshold_domain::Role;
use threshold_testkit::{Client, TestApp, app_test, location};

async fn request(app: &TestApp, name: &str, email: &str) -> String {
    let res = app
        .client()
        .post_form(
            "/consultation",
            &[
                ("name", name),
                ("email", email),
                ("preferred_contact", "email"),
                ("reason", "Depression for years."),
                ("consent_to_contact", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let email = email.to_owned();
    app.services
        .db
        .read(move |c| {
            c.query_one("select id from inquiries where email = $1", &[email.into()])?
                .get::<String>(0)
        })
        .await
        .unwrap()
}

async fn client_of(app: &TestApp, inquiry: &str) -> String {
    let inquiry = inquiry.to_owned();
    app.services
        .db
        .read(move |c| {
            c.query_one(
                "select id from clients where inquiry_id = $1",
                &[inquiry.into()],
            )?
            .get::<String>(0)
        })
        .await
        .unwrap()
}

async fn convert(c: &Client, inquiry: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    c.post_form(&format!("/inquiries/{inquiry}/convert"), fields)
        .await
}

app_test!(
    async fn converting_opens_a_journey_at_intake_with_the_consultation_first(app: TestApp) {
        let (coordinator, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let inquiry = request(&app, "Ada Lovelace", "ada@example.org").await;
        let today = app
            .services
            .now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
            .to_string();
        let res = convert(
            &c,
            &inquiry,
            &[
                ("consultation_on", &today),
                ("consultation_by", &coordinator.id.to_string()),
                (
                    "consultation_outcome",
                    "Twenty minutes by phone; keen on in-office sessions.",
                ),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let client = client_of(&app, &inquiry).await;
        let (stage, on, by, outcome_enc): (String, String, String, String) = {
            let client = client.clone();
            app.services
                .db
                .read(move |c| {
                    let r = c.query_one(
                        "select stage, consultation_on, consultation_by, consultation_outcome_enc from journeys where client_id = $1",
                        &[client.into()],
                    )?;
                    Ok::<_, threshold_store::StoreError>((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .await
                .unwrap()
        };
        assert_eq!(
            (stage.as_str(), on.as_str(), by),
            ("intake", today.as_str(), coordinator.id.to_string())
        );
        assert!(
            !outcome_enc.contains("in-office"),
            "the outcome is stored encrypted"
        );
        assert_eq!(
            app.count("select count(*) from journey_transitions").await,
            1
        );
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'journey.opened'")
                .await,
            1
        );

        // The coordinator sees where the journey stands, not the clinical outcome.
        let (status, chart) = c.get_text(&format!("/clients/{client}")).await;
        assert_eq!(status, 200);
        assert!(
            chart.contains("Ada Lovelace") && chart.contains("Intake"),
            "{chart}"
        );
        assert!(chart.contains(&format!("Consultation {today}")));
        assert!(
            !chart.contains("keen on in-office"),
            "coordinators see no clinical content"
        );
        assert!(chart.contains("shown only to the client"));
        let (_, list) = c.get_text("/clients").await;
        assert!(list.contains("Ada Lovelace"));
    }
);

app_test!(
    async fn a_conversion_without_a_valid_consultation_is_refused_and_creates_nothing(
        app: TestApp,
    ) {
        let (_, c) = app.signed_in_as(&[Role::Coordinator]).await;
        let inquiry = request(&app, "Grace Hopper", "grace@example.org").await;
        let client_user = {
            let (_, other) = app.signed_in_as(&[Role::Coordinator]).await;
            let i2 = request(&app, "Client Person", "client.person@example.org").await;
            let res = convert(&other, &i2, &[("consultation_outcome", "ok")]).await;
            assert_eq!(res.status(), 303);
            let c2 = client_of(&app, &i2).await;
            app.services
                .db
                .read(move |c| {
                    c.query_one("select user_id from clients where id = $1", &[c2.into()])?
                        .get::<String>(0)
                })
                .await
                .unwrap()
        };
        let before = app.count("select count(*) from journeys").await;
        for (fields, field) in [
            (vec![], "consultation_outcome"),
            (
                vec![
                    ("consultation_outcome", "ok"),
                    ("consultation_on", "2999-01-01"),
                ],
                "consultation_on",
            ),
            (
                vec![
                    ("consultation_outcome", "ok"),
                    ("consultation_on", "yesterday"),
                ],
                "consultation_on",
            ),
            (
                vec![
                    ("consultation_outcome", "ok"),
                    ("consultation_by", "not-an-id"),
                ],
                "consultation_by",
            ),
            (
                vec![
                    ("consultation_outcome", "ok"),
                    ("consultation_by", client_user.as_str()),
                ],
                "consultation_by",
            ),
        ] {
            let res = convert(&c, &inquiry, &fields).await;
            assert_eq!(res.status(), 422, "{fields:?}");
            let body = res.text().await.unwrap();
            assert!(
                body.contains(&format!("href=\"#{field}\"")),
                "{field}: {body}"
            );
        }
        assert_eq!(app.count("select count(*) from journeys").await, before);
        let status: String = {
            let inquiry = inquiry.clone();
            app.services
                .db
                .read(move |c| {
                    c.query_one(
                        "select status from inquiries where id = $1",
                        &[inquiry.into()],
                    )?
                    .get::<String>(0)
                })
                .await
                .unwrap()
        };
        assert_ne!(status, "converted");
    }
);

app_test!(
    async fn only_the_care_team_sees_clinical_content_and_others_get_not_found(app: TestApp) {
        let (_, coord) = app.signed_in_as(&[Role::Coordinator]).await;
        let inquiry = request(&app, "Ada Lovelace", "ada@example.org").await;
        let res = convert(
            &coord,
            &inquiry,
            &[(
                "consultation_outcome",
                "Private clinical note from the consultation.",
            )],
        )
        .await;
        assert_eq!(res.status(), 303);
        let client = client_of(&app, &inquiry).await;
        let (clin, clinician) = app.signed_in_as(&[Role::Clinician]).await;
        let (phys, physician) = app.signed_in_as(&[Role::Physician]).await;
        let (_, outsider) = app.signed_in_as(&[Role::Clinician]).await;

        // Before the care team exists, a clinician cannot open the chart at all.
        assert_eq!(
            clinician.get(&format!("/clients/{client}")).await.status(),
            404
        );
        let (_, list) = clinician.get_text("/clients").await;
        assert!(!list.contains("Ada Lovelace"));

        for (user, role) in [(&clin, "clinician"), (&phys, "physician")] {
            let res = coord
                .post_form(
                    &format!("/clients/{client}/care-team"),
                    &[("member", &format!("{role}:{}", user.id))],
                )
                .await;
            assert_eq!(res.status(), 303, "{role}");
            assert_eq!(location(&res), format!("/clients/{client}?done=saved"));
        }
        assert_eq!(app.count("select count(*) from care_team").await, 2);
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'journey.care-team-changed'")
                .await,
            2
        );

        for team in [&clinician, &physician] {
            let (status, chart) = team.get_text(&format!("/clients/{client}")).await;
            assert_eq!(status, 200);
            assert!(
                chart.contains("Private clinical note"),
                "the care team sees the outcome"
            );
            let (_, list) = team.get_text("/clients").await;
            assert!(list.contains("Ada Lovelace"));
        }
        // Another clinician, not on this team: not found, and nothing listed.
        assert_eq!(
            outsider.get(&format!("/clients/{client}")).await.status(),
            404
        );
        let (_, list) = outsider.get_text("/clients").await;
        assert!(!list.contains("Ada Lovelace"));

        // Every chart view names the client in the audit trail.
        let views = app
            .count("select count(*) from audit_log where action = 'client.viewed' and outcome = 'ok' and client_id is not null")
            .await;
        assert_eq!(views, 2, "the clinician's and the physician's views");
        let refused = app
            .count("select count(*) from audit_log where action = 'client.viewed' and outcome = 'denied' and client_id is not null")
            .await;
        assert_eq!(refused, 2, "the clinician before joining, and the outsider");

        // Removing the clinician takes the chart away again.
        let res = coord
            .post_form(
                &format!("/clients/{client}/care-team/remove"),
                &[("user", &clin.id.to_string()), ("role", "clinician")],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            clinician.get(&format!("/clients/{client}")).await.status(),
            404
        );
    }
);

app_test!(
    async fn the_care_team_takes_only_clinicians_and_physicians_in_their_role(app: TestApp) {
        let (coordinator, coord) = app.signed_in_as(&[Role::Coordinator]).await;
        let inquiry = request(&app, "Ada Lovelace", "ada@example.org").await;
        assert_eq!(
            convert(&coord, &inquiry, &[("consultation_outcome", "ok")])
                .await
                .status(),
            303
        );
        let client = client_of(&app, &inquiry).await;
        let (clin, _) = app.signed_in_as(&[Role::Clinician]).await;
        for (member, field) in [
            (format!("clinician:{}", coordinator.id), "user"),
            (format!("physician:{}", clin.id), "user"),
            (format!("coordinator:{}", clin.id), "role"),
            ("clinician:nobody".to_owned(), "user"),
        ] {
            let res = coord
                .post_form(
                    &format!("/clients/{client}/care-team"),
                    &[("member", &member)],
                )
                .await;
            assert_eq!(res.status(), 422, "{member}");
            assert!(
                res.text()
                    .await
                    .unwrap()
                    .contains(&format!("href=\"#{field}\"")),
                "{member}"
            );
        }
        assert_eq!(app.count("select count(*) from care_team").await, 0);
        let unknown = threshold_domain::ids::ClientId::new();
        let res = coord
            .post_form(
                &format!("/clients/{unknown}/care-team"),
                &[("member", &format!("clinician:{}", clin.id))],
            )
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(
            coord.get(&format!("/clients/{unknown}")).await.status(),
            404
        );
        assert_eq!(coord.get("/clients/not-an-id").await.status(), 404);
    }
);
