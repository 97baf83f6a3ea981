//! The client's intake form: drafts saved and resumed, a full check at
//! submission, and the journey moving to assessment.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use threshold_domain::Role;
use threshold_domain::clinical::HistoryItem;
use threshold_testkit::{Client, TestApp, app_test, link_in, location};

/// A client through conversion and invitation, signed in; returns (client, its id).
async fn signed_in_client(app: &TestApp, name: &str, email: &str) -> (Client, String, Client) {
    let visitor = app.client();
    let res = visitor
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
    let e = email.to_owned();
    let inquiry: String = app
        .services
        .db
        .read(move |c| {
            c.query_one("select id from inquiries where email = $1", &[e.into()])?
                .get::<String>(0)
        })
        .await
        .unwrap();
    let (_, coord) = app.signed_in_as(&[Role::Coordinator]).await;
    let res = coord
        .post_form(
            &format!("/inquiries/{inquiry}/convert"),
            &[("consultation_outcome", "Good fit.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let mail = app.last_mail_to(email).await.unwrap();
    let link = link_in(&mail.body_text, &app.url("/invitation/")).unwrap();
    let path = link.trim_start_matches(&app.addr).to_owned();
    let client = app.client();
    let res = client
        .post_form(
            &path,
            &[
                ("password", "a long client passphrase"),
                ("password_confirm", "a long client passphrase"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/portal");
    let i2 = inquiry.clone();
    let client_id: String = app
        .services
        .db
        .read(move |c| {
            c.query_one("select id from clients where inquiry_id = $1", &[i2.into()])?
                .get::<String>(0)
        })
        .await
        .unwrap();
    (client, client_id, coord)
}

fn complete(sex: &str) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("legal_name", "Ada Lovelace"),
        ("date_of_birth", "1985-12-10"),
        ("sex", sex),
        ("emergency_contact_name", "Charles Babbage"),
        ("emergency_contact_phone", "+1 503 555 0100"),
        ("support_ride_home_name", "Mary Somerville"),
        ("support_ride_home_phone", "+1 503 555 0101"),
        ("goals", "Feel like myself again."),
        ("no_medications", "yes"),
        ("weight_kg", "62"),
        ("height_cm", "168"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for h in HistoryItem::ALL {
        f.push((format!("history.{}", h.as_str()), "no".to_owned()));
    }
    f
}

async fn post(c: &Client, fields: &[(String, String)], action: &str) -> reqwest::Response {
    let mut all: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    all.push(("action", action));
    c.post_form("/portal/intake", &all).await
}

async fn stage(app: &TestApp, client: &str) -> String {
    let client = client.to_owned();
    app.services
        .db
        .read(move |c| {
            c.query_one(
                "select stage from journeys where client_id = $1",
                &[client.into()],
            )?
            .get::<String>(0)
        })
        .await
        .unwrap()
}

app_test!(
    async fn a_draft_is_saved_encrypted_and_resumed(app: TestApp) {
        let (client, id, _) = signed_in_client(&app, "Ada Lovelace", "ada@example.org").await;
        let (status, portal) = client.get_text("/portal").await;
        assert_eq!(status, 200);
        assert!(
            portal.contains("/portal/intake"),
            "the portal offers the intake form"
        );
        let draft = vec![
            ("legal_name".to_owned(), "Ada Lovelace".to_owned()),
            (
                "goals".to_owned(),
                "Sleep through the night again".to_owned(),
            ),
            ("medications[0].name".to_owned(), "sertraline".to_owned()),
            ("medications[0].class".to_owned(), "ssri-snri".to_owned()),
        ];
        let res = post(&client, &draft, "save").await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal/intake?done=draft-saved");
        let enc: String = app
            .services
            .db
            .read(|c| {
                c.query_one("select draft_enc from intakes", &[])?
                    .get::<String>(0)
            })
            .await
            .unwrap();
        assert!(
            !enc.contains("Sleep through") && !enc.contains("sertraline"),
            "the draft is encrypted"
        );
        let (_, page) = client.get_text("/portal/intake").await;
        assert!(
            page.contains("Sleep through the night again") && page.contains("value=\"sertraline\"")
        );
        assert_eq!(
            stage(&app, &id).await,
            "intake",
            "a draft does not move the journey"
        );
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'intake.saved'")
                .await,
            1
        );
    }
);

app_test!(
    async fn submitting_checks_everything_and_moves_the_journey_to_assessment(app: TestApp) {
        let (client, id, _) = signed_in_client(&app, "Ada Lovelace", "ada@example.org").await;
        // Incomplete: every missing field is named, nothing moves.
        let res = post(
            &client,
            &[("legal_name".to_owned(), "Ada Lovelace".to_owned())],
            "submit",
        )
        .await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        for field in [
            "date_of_birth",
            "emergency_contact_phone",
            "history.pregnant",
            "weight_kg",
        ] {
            assert!(
                body.contains(&format!("href=\"#{field}\"")),
                "{field} is named"
            );
        }
        assert_eq!(stage(&app, &id).await, "intake");
        assert_eq!(
            app.count("select count(*) from intakes").await,
            0,
            "a refused submission stores nothing"
        );

        // A future date of birth is refused by name.
        let mut bad = complete("female");
        bad.retain(|(k, _)| k != "date_of_birth");
        bad.push(("date_of_birth".into(), "2999-01-01".into()));
        let res = post(&client, &bad, "submit").await;
        assert_eq!(res.status(), 422);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("href=\"#date_of_birth\"")
        );

        let res = post(&client, &complete("female"), "submit").await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal?done=intake-submitted");
        assert_eq!(stage(&app, &id).await, "assessment");
        assert_eq!(
            app.count("select count(*) from journey_transitions where from_stage = 'intake' and to_stage = 'assessment'")
                .await,
            1
        );
        assert_eq!(
            app.count("select count(*) from intakes where status = 'submitted'")
                .await,
            1
        );
        for action in ["intake.submitted", "journey.moved"] {
            let sql: &'static str = if action == "intake.submitted" {
                "select count(*) from audit_log where action = 'intake.submitted' and client_id is not null"
            } else {
                "select count(*) from audit_log where action = 'journey.moved' and client_id is not null"
            };
            assert_eq!(app.count(sql).await, 1, "{action}");
        }
        // Once submitted the form is read-only, and a late change is refused.
        let (_, page) = client.get_text("/portal/intake").await;
        assert!(page.contains("You submitted this form") && page.contains("disabled"));
        let res = post(&client, &complete("male"), "save").await;
        assert_eq!(res.status(), 409);
    }
);

app_test!(
    async fn the_recorded_sex_sets_the_audit_c_cut_off(app: TestApp) {
        // 3 points on AUDIT-C is positive for a woman, not for a man.
        for (sex, email, positive) in [
            ("female", "f@example.org", true),
            ("male", "m@example.org", false),
        ] {
            let (client, _, _) = signed_in_client(&app, "Test Person", email).await;
            let res = post(&client, &complete(sex), "submit").await;
            assert_eq!(res.status(), 303, "{sex}");
            let e = email.to_owned();
            let task: String = app
                .services
                .db
                .read(move |c| {
                    c.query_one(
                        "select t.id from questionnaire_tasks t join journeys j on j.id = t.journey_id
                         join clients cl on cl.id = j.client_id where cl.email = $1 and t.instrument = 'audit-c'",
                        &[e.into()],
                    )?
                    .get::<String>(0)
                })
                .await
                .unwrap();
            let res = client
                .post_form(
                    &format!("/portal/questionnaires/{task}"),
                    &[("item-1", "1"), ("item-2", "1"), ("item-3", "1")],
                )
                .await;
            assert_eq!(res.status(), 303, "{sex}");
            let t2 = task.clone();
            let flags: String = app
                .services
                .db
                .read(move |c| {
                    c.query_one(
                        "select flags from questionnaire_responses where task_id = $1",
                        &[t2.into()],
                    )?
                    .get::<String>(0)
                })
                .await
                .unwrap();
            assert_eq!(
                flags.contains("audit-c-positive"),
                positive,
                "{sex}: {flags}"
            );
        }
    }
);

app_test!(
    async fn the_care_team_reads_the_intake_on_the_chart_and_the_coordinator_does_not(
        app: TestApp,
    ) {
        let (client, id, coord) = signed_in_client(&app, "Ada Lovelace", "ada@example.org").await;
        assert_eq!(
            post(&client, &complete("female"), "submit").await.status(),
            303
        );
        let (clin, clinician) = app.signed_in_as(&[Role::Clinician]).await;
        let res = coord
            .post_form(
                &format!("/clients/{id}/care-team"),
                &[("member", &format!("clinician:{}", clin.id))],
            )
            .await;
        assert_eq!(res.status(), 303);
        let (_, chart) = clinician.get_text(&format!("/clients/{id}")).await;
        assert!(
            chart.contains("Feel like myself again") && chart.contains("Charles Babbage"),
            "{chart}"
        );
        let (_, chart) = coord.get_text(&format!("/clients/{id}")).await;
        assert!(
            !chart.contains("Feel like myself again"),
            "coordinators do not see the intake"
        );
        assert!(
            chart.contains("Assessment"),
            "but they see where the journey stands"
        );
    }
);
