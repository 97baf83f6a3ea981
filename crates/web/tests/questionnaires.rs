//! Questionnaires end to end over HTTP: converting an inquiry schedules the
//! baseline set; the client answers in the portal (or a clinician on the care team
//! enters answers on their behalf); results are scored, stored encrypted and shown
//! to the care team only; a positive suicide-risk screen raises an alert at once,
//! mailed without health information and acknowledged from /alerts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use threshold_domain::Role;
use threshold_store::{Row, Value};
use threshold_testkit::{Client, Staff, TestApp, app_test, link_in, location};

const BASELINE: [(&str, &str); 6] = [
    ("phq-9", "PHQ-9"),
    ("gad-7", "GAD-7"),
    ("pcl-5", "PCL-5"),
    ("c-ssrs-screener", "C-SSRS screener"),
    ("audit-c", "AUDIT-C"),
    ("dast-10", "DAST-10"),
];

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Runs a query against the app's database and returns every row.
async fn rows(app: &TestApp, sql: &str, params: Vec<Value>) -> Vec<Row> {
    let sql = sql.to_owned();
    app.services
        .db
        .read(move |c| c.query(&sql, &params))
        .await
        .unwrap()
}

async fn one_i64(app: &TestApp, sql: &str, params: Vec<Value>) -> i64 {
    rows(app, sql, params).await[0].get::<i64>(0).unwrap()
}

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
    rows(
        app,
        "select id from inquiries where email = $1",
        vec![email.into()],
    )
    .await[0]
        .get::<String>(0)
        .unwrap()
}

/// A converted client who has accepted the invitation: (client id, signed-in
/// portal session).
async fn portal_client(app: &TestApp, coord: &Client, name: &str, email: &str) -> (String, Client) {
    let inquiry = request(app, name, email).await;
    let res = coord
        .post_form(
            &format!("/inquiries/{inquiry}/convert"),
            &[(
                "consultation_outcome",
                "Consultation by phone; a good fit for an intake.",
            )],
        )
        .await;
    assert_eq!(res.status(), 303, "conversion");
    let client_id = rows(
        app,
        "select id from clients where inquiry_id = $1",
        vec![inquiry.into()],
    )
    .await[0]
        .get::<String>(0)
        .unwrap();
    let invitation = app.last_mail_to(email).await.expect("invitation queued");
    let link = link_in(&invitation.body_text, &app.url("/invitation/")).expect("invitation link");
    let path = link.trim_start_matches(&app.addr).to_owned();
    let portal = app.client();
    let (status, _) = portal.get_text(&path).await;
    assert_eq!(status, 200);
    let res = portal
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
    (client_id, portal)
}

async fn task_id(app: &TestApp, client: &str, instrument: &str) -> String {
    rows(
        app,
        "select t.id from questionnaire_tasks t join journeys j on j.id = t.journey_id
         where j.client_id = $1 and t.instrument = $2",
        vec![client.into(), instrument.into()],
    )
    .await[0]
        .get::<String>(0)
        .unwrap()
}

async fn task_response(app: &TestApp, task: &str) -> Option<String> {
    rows(
        app,
        "select response_id from questionnaire_tasks where id = $1",
        vec![task.into()],
    )
    .await[0]
        .get::<Option<String>>(0)
        .unwrap()
}

async fn add_to_team(coord: &Client, client: &str, staff: &Staff, role: &str) {
    let res = coord
        .post_form(
            &format!("/clients/{client}/care-team"),
            &[("member", &format!("{role}:{}", staff.id))],
        )
        .await;
    assert_eq!(res.status(), 303, "adding a {role} to the care team");
}

/// PHQ-9 answers: items 1–8 = `rest`, item 9 = `item9`.
fn phq9(rest: u8, item9: u8) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = (1..=8)
        .map(|i| (format!("item-{i}"), rest.to_string()))
        .collect();
    v.push(("item-9".into(), item9.to_string()));
    v
}

fn fields(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn answer(c: &Client, path: &str, answers: &[(String, String)]) -> reqwest::Response {
    c.post_form(path, &fields(answers)).await
}

fn all(n: u8, value: u8) -> Vec<(String, String)> {
    (1..=n)
        .map(|i| (format!("item-{i}"), value.to_string()))
        .collect()
}

fn pairs(v: &[(u8, u8)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(i, a)| (format!("item-{i}"), a.to_string()))
        .collect()
}

async fn responses(app: &TestApp) -> i64 {
    app.count("select count(*) from questionnaire_responses")
        .await
}

// ---------------------------------------------------------------------------
// 1. Baseline scheduling and the portal's task list
// ---------------------------------------------------------------------------

app_test!(
    async fn converting_schedules_the_baseline_questionnaires_and_the_portal_lists_them(
        app: TestApp,
    ) {
        let (_, coord) = app.signed_in_as(&[Role::Coordinator]).await;
        let (client, portal) = portal_client(&app, &coord, "Ada Lovelace", "ada@example.org").await;
        let now = app.services.now().as_millisecond();

        let tasks = rows(
            &app,
            "select t.id, t.instrument, t.reason, t.due_at, t.created_at, t.response_id
               from questionnaire_tasks t join journeys j on j.id = t.journey_id
              where j.client_id = $1 order by t.instrument",
            vec![client.clone().into()],
        )
        .await;
        assert_eq!(tasks.len(), 6, "six baseline questionnaires");
        let mut instruments: Vec<String> = tasks.iter().map(|r| r.get(1).unwrap()).collect();
        instruments.sort();
        let mut expected: Vec<String> = BASELINE.iter().map(|(i, _)| (*i).to_owned()).collect();
        expected.sort();
        assert_eq!(instruments, expected);
        for t in &tasks {
            assert_eq!(t.get::<String>(2).unwrap(), "baseline");
            let due: i64 = t.get(3).unwrap();
            let created: i64 = t.get(4).unwrap();
            assert_eq!(due, created, "due as soon as it is created");
            assert!(due <= now, "due now, not in the future");
            assert_eq!(t.get::<Option<String>>(5).unwrap(), None, "not answered");
        }

        let (status, home) = portal.get_text("/portal").await;
        assert_eq!(status, 200);
        for (instrument, label) in BASELINE {
            let id = task_id(&app, &client, instrument).await;
            assert!(
                home.contains(&format!(
                    "<a href=\"/portal/questionnaires/{id}\">{label}</a>"
                )),
                "{label} listed with its link: {home}"
            );
        }
        assert!(!home.contains("Nothing to do right now"));

        // Answering the GAD-7 takes it off the list; the others stay.
        let gad = task_id(&app, &client, "gad-7").await;
        let (status, form) = portal
            .get_text(&format!("/portal/questionnaires/{gad}"))
            .await;
        assert_eq!(status, 200);
        assert!(form.contains("name=\"item-7\""), "{form}");
        let res = answer(
            &portal,
            &format!("/portal/questionnaires/{gad}"),
            &all(7, 0),
        )
        .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal?done=answered");
        let (_, home) = portal.get_text("/portal").await;
        assert!(!home.contains(&format!("/portal/questionnaires/{gad}")));
        assert!(!home.contains("GAD-7"), "{home}");
        let phq = task_id(&app, &client, "phq-9").await;
        assert!(home.contains(&format!("/portal/questionnaires/{phq}")));
    }
);

// ---------------------------------------------------------------------------
// 2. A PHQ-9 without a safety flag
// ---------------------------------------------------------------------------

app_test!(
    async fn a_phq9_is_scored_stored_encrypted_and_shown_to_the_care_team_only(app: TestApp) {
        let (_, coord) = app.signed_in_as(&[Role::Coordinator]).await;
        let (client, portal) = portal_client(&app, &coord, "Ada Lovelace", "ada@example.org").await;
        let (clin, clinician) = app.signed_in_as(&[Role::Clinician]).await;
        add_to_team(&coord, &client, &clin, "clinician").await;
        let task = task_id(&app, &client, "phq-9").await;

        let res = answer(
            &portal,
            &format!("/portal/questionnaires/{task}"),
            &phq9(1, 0),
        )
        .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal?done=answered");
        let (_, home) = portal.get_text("/portal?done=answered").await;
        assert!(home.contains("Your answers were saved"), "{home}");

        let r = rows(
            &app,
            "select id, total, band, band_label, flags, on_behalf, answers_enc, instrument
               from questionnaire_responses",
            vec![],
        )
        .await;
        assert_eq!(r.len(), 1);
        let r = &r[0];
        let response_id: String = r.get(0).unwrap();
        assert_eq!(r.get::<Option<i64>>(1).unwrap(), Some(8));
        assert_eq!(r.get::<Option<String>>(2).unwrap().as_deref(), Some("mild"));
        assert_eq!(r.get::<Option<String>>(3).unwrap().as_deref(), Some("Mild"));
        assert_eq!(r.get::<String>(4).unwrap(), "", "no flags");
        assert!(!r.get::<bool>(5).unwrap(), "answered by the client");
        let enc: String = r.get(6).unwrap();
        assert!(!enc.contains("item"), "{enc}");
        assert!(
            !enc.contains("1=1") && !enc.contains("9=0"),
            "answers are stored encrypted: {enc}"
        );
        assert_eq!(r.get::<String>(7).unwrap(), "phq-9");
        assert_eq!(task_response(&app, &task).await, Some(response_id.clone()));
        assert_eq!(app.count("select count(*) from alerts").await, 0);

        let client_user: String = rows(
            &app,
            "select user_id from clients where id = $1",
            vec![client.clone().into()],
        )
        .await[0]
            .get(0)
            .unwrap();
        assert_eq!(
            one_i64(
                &app,
                "select count(*) from audit_log where action = 'questionnaire.submitted'
                   and client_id = $1 and actor_user_id = $2 and subject_ids like $3",
                vec![
                    client.clone().into(),
                    client_user.into(),
                    format!("%{response_id}%").into()
                ],
            )
            .await,
            1
        );

        // The care team sees the result.
        let (status, chart) = clinician.get_text(&format!("/clients/{client}")).await;
        assert_eq!(status, 200);
        let results = &chart[chart.find("id=\"results-h\"").expect("results section")..];
        assert!(results.contains("PHQ-9"), "{results}");
        assert!(results.contains("8 of 27"), "{results}");
        assert!(results.contains("Mild"), "{results}");
        // The coordinator does not.
        let (status, chart) = coord.get_text(&format!("/clients/{client}")).await;
        assert_eq!(status, 200);
        assert!(chart.contains("Ada Lovelace"));
        assert!(!chart.contains("8 of 27"), "{chart}");
        assert!(!chart.contains("PHQ-9"), "{chart}");
        assert!(!chart.contains("Mild"), "{chart}");
    }
);

// ---------------------------------------------------------------------------
// 3. PHQ-9 item 9 raises an alert
// ---------------------------------------------------------------------------

app_test!(
    async fn phq9_item_9_raises_an_alert_at_once_that_the_care_team_acknowledges(app: TestApp) {
        let (_, coord) = app.signed_in_as(&[Role::Coordinator]).await;
        let (client, portal) = portal_client(&app, &coord, "Ada Lovelace", "ada@example.org").await;
        let (clin, clinician) = app.signed_in_as(&[Role::Clinician]).await;
        let (phys, physician) = app.signed_in_as(&[Role::Physician]).await;
        let (outsider, outsider_client) = app.signed_in_as(&[Role::Clinician]).await;
        add_to_team(&coord, &client, &clin, "clinician").await;
        add_to_team(&coord, &client, &phys, "physician").await;
        let task = task_id(&app, &client, "phq-9").await;

        let res = answer(
            &portal,
            &format!("/portal/questionnaires/{task}"),
            &phq9(0, 1),
        )
        .await;
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(page.contains("988"), "crisis resources: {page}");

        // The alert exists as soon as the POST has returned.
        let alerts = rows(
            &app,
            "select id, kind, acknowledged_at, client_id, response_id from alerts",
            vec![],
        )
        .await;
        assert_eq!(alerts.len(), 1);
        let alert_id: String = alerts[0].get(0).unwrap();
        assert_eq!(alerts[0].get::<String>(1).unwrap(), "suicide-risk");
        assert_eq!(alerts[0].get::<Option<i64>>(2).unwrap(), None);
        assert_eq!(alerts[0].get::<String>(3).unwrap(), client);
        assert_eq!(
            alerts[0].get::<Option<String>>(4).unwrap(),
            task_response(&app, &task).await
        );
        let flags: String = rows(&app, "select flags from questionnaire_responses", vec![]).await
            [0]
        .get(0)
        .unwrap();
        assert_eq!(flags, "suicidal-ideation");
        assert_eq!(
            one_i64(
                &app,
                "select count(*) from audit_log where action = 'alert.raised'
                   and client_id = $1 and subject_ids like $2",
                vec![client.clone().into(), format!("%{alert_id}%").into()],
            )
            .await,
            1
        );

        // Mail to each member of the care team, and nobody else, with no health
        // information in it.
        let mail = rows(
            &app,
            "select to_addr, subject, body_text from outbox where kind = 'safety-alert' order by to_addr",
            vec![],
        )
        .await;
        let mut to: Vec<String> = mail.iter().map(|r| r.get(0).unwrap()).collect();
        to.sort();
        let mut team = vec![clin.email.clone(), phys.email.clone()];
        team.sort();
        assert_eq!(to, team);
        assert!(!to.contains(&outsider.email));
        for m in &mail {
            let text = format!(
                "{} {}",
                m.get::<String>(1).unwrap(),
                m.get::<String>(2).unwrap()
            );
            let lower = text.to_lowercase();
            assert!(!lower.contains("ada"), "{text}");
            assert!(!lower.contains("lovelace"), "{text}");
            assert!(!lower.contains("phq"), "{text}");
            assert!(!lower.contains("suicid"), "{text}");
            assert!(
                text.contains("/alerts"),
                "links to the signed-in page: {text}"
            );
        }

        // The care team sees it in /alerts; a clinician not on the team does not.
        for member in [&clinician, &physician] {
            let (status, list) = member.get_text("/alerts").await;
            assert_eq!(status, 200);
            assert!(list.contains("Ada Lovelace"), "{list}");
            assert!(list.contains(&format!("/alerts/{alert_id}/acknowledge")));
        }
        let (status, list) = outsider_client.get_text("/alerts").await;
        assert_eq!(status, 200);
        assert!(!list.contains("Ada Lovelace"), "{list}");
        let res = outsider_client
            .post_form(
                &format!("/alerts/{alert_id}/acknowledge"),
                &[("action", "Not my client")],
            )
            .await;
        assert_eq!(res.status(), 404);

        // An empty action is refused and changes nothing.
        let res = clinician
            .post_form(
                &format!("/alerts/{alert_id}/acknowledge"),
                &[("action", "")],
            )
            .await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains("href=\"#action\""), "{body}");
        // The summary's link lands on the refused form's field, which says why.
        assert!(
            body.contains("id=\"action\"") && body.contains("id=\"action-error\""),
            "{body}"
        );
        assert_eq!(
            app.count("select count(*) from alerts where acknowledged_at is null")
                .await,
            1
        );

        let action = "Phoned the client and reviewed the safety plan together";
        let res = clinician
            .post_form(
                &format!("/alerts/{alert_id}/acknowledge"),
                &[("action", action)],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/alerts?done=acknowledged");
        let a = rows(
            &app,
            "select acknowledged_at, acknowledged_by, action_enc from alerts where id = $1",
            vec![alert_id.clone().into()],
        )
        .await;
        assert!(a[0].get::<Option<i64>>(0).unwrap().is_some());
        assert_eq!(
            a[0].get::<Option<String>>(1).unwrap(),
            Some(clin.id.to_string())
        );
        let enc: String = a[0].get::<Option<String>>(2).unwrap().expect("action");
        assert!(!enc.contains("safety plan"), "{enc}");
        assert_eq!(
            one_i64(
                &app,
                "select count(*) from audit_log where action = 'alert.acknowledged' and actor_user_id = $1",
                vec![clin.id.to_string().into()],
            )
            .await,
            1
        );

        let (_, list) = clinician.get_text("/alerts").await;
        assert!(!list.contains("Ada Lovelace"), "{list}");
        assert!(list.contains("No open alerts"));
        // A second acknowledgement is refused.
        let res = physician
            .post_form(
                &format!("/alerts/{alert_id}/acknowledge"),
                &[("action", "Me too")],
            )
            .await;
        assert_eq!(res.status(), 409);

        for member in [&clinician, &physician] {
            let (status, chart) = member.get_text(&format!("/clients/{client}")).await;
            assert_eq!(status, 200);
            let alerts = &chart[chart.find("id=\"alerts-h\"").expect("alerts section")..];
            assert!(alerts.contains("acknowledged"), "{alerts}");
            assert!(alerts.contains(action), "{alerts}");
            assert!(
                alerts.contains("Test Clinician"),
                "who acknowledged: {alerts}"
            );
        }
        let (_, chart) = coord.get_text(&format!("/clients/{client}")).await;
        assert!(
            !chart.contains(action),
            "coordinators see no clinical content"
        );
    }
);

// ---------------------------------------------------------------------------
// 4. The C-SSRS screener
// ---------------------------------------------------------------------------

app_test!(
    async fn the_cssrs_screener_alerts_from_moderate_risk_and_refuses_hidden_answers(app: TestApp) {
        let (_, coord) = app.signed_in_as(&[Role::Coordinator]).await;
        let (ada, ada_portal) =
            portal_client(&app, &coord, "Ada Lovelace", "ada@example.org").await;
        let (grace, grace_portal) =
            portal_client(&app, &coord, "Grace Hopper", "grace@example.org").await;

        // Ada: a "yes" to Q3 after a "no" to Q2 is refused, naming Q3.
        let ada_task = task_id(&app, &ada, "c-ssrs-screener").await;
        let path = format!("/portal/questionnaires/{ada_task}");
        let (status, form) = ada_portal.get_text(&path).await;
        assert_eq!(status, 200);
        assert!(form.contains("Answer this only if"), "skip logic explained");
        let res = answer(
            &ada_portal,
            &path,
            &pairs(&[(1, 1), (2, 0), (3, 1), (6, 0)]),
        )
        .await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains("href=\"#item-3\""), "{body}");
        assert!(!body.contains("href=\"#item-4\""), "{body}");
        assert_eq!(responses(&app).await, 0);
        assert_eq!(task_response(&app, &ada_task).await, None);
        assert_eq!(app.count("select count(*) from alerts").await, 0);
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'questionnaire.submitted'")
                .await,
            0
        );

        // Ada: yes to Q1 only is low risk: stored, no alert.
        let res = answer(&ada_portal, &path, &pairs(&[(1, 1), (2, 0), (6, 0)])).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal?done=answered");
        let r = rows(
            &app,
            "select risk, band, flags, total from questionnaire_responses",
            vec![],
        )
        .await;
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].get::<Option<String>>(0).unwrap().as_deref(),
            Some("low")
        );
        assert_eq!(
            r[0].get::<Option<String>>(1).unwrap().as_deref(),
            Some("low")
        );
        assert_eq!(r[0].get::<String>(2).unwrap(), "");
        assert_eq!(r[0].get::<Option<i64>>(3).unwrap(), None, "no total");
        assert_eq!(app.count("select count(*) from alerts").await, 0);
        assert_eq!(
            app.count("select count(*) from outbox where kind = 'safety-alert'")
                .await,
            0
        );

        // Grace: yes to Q1, Q2 and Q3 is moderate risk: an alert.
        let grace_task = task_id(&app, &grace, "c-ssrs-screener").await;
        let res = answer(
            &grace_portal,
            &format!("/portal/questionnaires/{grace_task}"),
            &pairs(&[(1, 1), (2, 1), (3, 1), (4, 0), (5, 0), (6, 0)]),
        )
        .await;
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("988"));
        let a = rows(&app, "select client_id, kind from alerts", vec![]).await;
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].get::<String>(0).unwrap(), grace);
        assert_eq!(a[0].get::<String>(1).unwrap(), "suicide-risk");
        let r = rows(
            &app,
            "select risk, flags from questionnaire_responses where task_id = $1",
            vec![grace_task.into()],
        )
        .await;
        assert_eq!(
            r[0].get::<Option<String>>(0).unwrap().as_deref(),
            Some("moderate")
        );
        assert_eq!(r[0].get::<String>(1).unwrap(), "suicide-risk-moderate");
    }
);

// ---------------------------------------------------------------------------
// 5. Validation and conflicts
// ---------------------------------------------------------------------------

app_test!(
    async fn incomplete_or_out_of_range_answers_are_refused_and_an_answered_task_is_a_conflict(
        app: TestApp,
    ) {
        let (_, coord) = app.signed_in_as(&[Role::Coordinator]).await;
        let (client, portal) = portal_client(&app, &coord, "Ada Lovelace", "ada@example.org").await;
        let task = task_id(&app, &client, "phq-9").await;
        let path = format!("/portal/questionnaires/{task}");

        // Items 1–8 only.
        let res = answer(&portal, &path, &all(8, 1)).await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains("href=\"#item-9\""), "{body}");
        assert!(!body.contains("href=\"#item-8\""), "{body}");
        assert!(
            body.contains("id=\"item-1-1\" name=\"item-1\" value=\"1\" checked"),
            "the answers given are kept: {body}"
        );
        assert_eq!(responses(&app).await, 0);
        assert_eq!(task_response(&app, &task).await, None);

        // A value the item does not offer.
        let mut bad = phq9(0, 0);
        bad[0].1 = "7".into();
        let res = answer(&portal, &path, &bad).await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains("href=\"#item-1\""), "{body}");
        assert_eq!(responses(&app).await, 0);
        assert_eq!(task_response(&app, &task).await, None);
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'questionnaire.submitted'")
                .await,
            0
        );

        // Answered once; then the task is done.
        let res = answer(&portal, &path, &phq9(0, 0)).await;
        assert_eq!(res.status(), 303);
        assert_eq!(responses(&app).await, 1);
        assert_eq!(portal.get(&path).await.status(), 409);
        let res = answer(&portal, &path, &phq9(3, 0)).await;
        assert_eq!(res.status(), 409);
        assert_eq!(responses(&app).await, 1);
        let total: Option<i64> = rows(&app, "select total from questionnaire_responses", vec![])
            .await[0]
            .get(0)
            .unwrap();
        assert_eq!(total, Some(0), "the first answers stand");
    }
);

// ---------------------------------------------------------------------------
// 6. Who may answer
// ---------------------------------------------------------------------------

app_test!(
    async fn only_the_client_or_their_care_team_may_answer_and_staff_entries_are_marked(
        app: TestApp,
    ) {
        let (_, coord) = app.signed_in_as(&[Role::Coordinator]).await;
        let (client, _) = portal_client(&app, &coord, "Ada Lovelace", "ada@example.org").await;
        let (_, other) = portal_client(&app, &coord, "Grace Hopper", "grace@example.org").await;
        let (clin, clinician) = app.signed_in_as(&[Role::Clinician]).await;
        let (_, outsider) = app.signed_in_as(&[Role::Clinician]).await;
        add_to_team(&coord, &client, &clin, "clinician").await;
        let task = task_id(&app, &client, "phq-9").await;
        let portal_path = format!("/portal/questionnaires/{task}");
        let staff_path = format!("/clients/{client}/questionnaires/{task}");

        // Another client: not found, and nothing stored.
        assert_eq!(other.get(&portal_path).await.status(), 404);
        let res = answer(&other, &portal_path, &phq9(1, 0)).await;
        assert_eq!(res.status(), 404);
        assert_eq!(responses(&app).await, 0);
        assert_eq!(task_response(&app, &task).await, None);

        // A coordinator: the route needs clinical access.
        assert_eq!(coord.get(&staff_path).await.status(), 403);
        let res = answer(&coord, &staff_path, &phq9(1, 0)).await;
        assert_eq!(res.status(), 403);
        assert_eq!(responses(&app).await, 0);

        // A clinician not on the care team: not found.
        assert_eq!(outsider.get(&staff_path).await.status(), 404);
        let res = answer(&outsider, &staff_path, &phq9(1, 0)).await;
        assert_eq!(res.status(), 404);
        assert_eq!(responses(&app).await, 0);

        // The task under another client's id: not found.
        let other_client: String = rows(
            &app,
            "select id from clients where email = $1",
            vec!["grace@example.org".into()],
        )
        .await[0]
            .get(0)
            .unwrap();
        assert_eq!(
            clinician
                .get(&format!("/clients/{other_client}/questionnaires/{task}"))
                .await
                .status(),
            404
        );

        // A clinician on the care team enters answers on the client's behalf.
        let (status, form) = clinician.get_text(&staff_path).await;
        assert_eq!(status, 200);
        assert!(form.contains("on behalf of Ada Lovelace"), "{form}");
        let res = answer(&clinician, &staff_path, &phq9(1, 0)).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("/clients/{client}?done=answered"));
        let r = rows(
            &app,
            "select on_behalf, entered_by, total from questionnaire_responses",
            vec![],
        )
        .await;
        assert_eq!(r.len(), 1);
        assert!(r[0].get::<bool>(0).unwrap(), "entered on behalf");
        assert_eq!(
            r[0].get::<Option<String>>(1).unwrap(),
            Some(clin.id.to_string())
        );
        assert_eq!(r[0].get::<Option<i64>>(2).unwrap(), Some(8));
        assert_eq!(
            one_i64(
                &app,
                "select count(*) from audit_log where action = 'questionnaire.submitted'
                   and actor_user_id = $1 and client_id = $2 and detail = 'entered by staff'",
                vec![clin.id.to_string().into(), client.clone().into()],
            )
            .await,
            1
        );
        let (_, chart) = clinician.get_text(&format!("/clients/{client}")).await;
        let results = &chart[chart.find("id=\"results-h\"").expect("results section")..];
        assert!(results.contains("entered by Test Clinician"), "{results}");
        assert!(results.contains("8 of 27"), "{results}");
    }
);

// ---------------------------------------------------------------------------
// 7. Alerts for a client without a care team
// ---------------------------------------------------------------------------

app_test!(
    async fn an_alert_without_a_care_team_goes_to_every_active_clinician_and_physician(
        app: TestApp,
    ) {
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let (coordinator, coord) = app.signed_in_as(&[Role::Coordinator]).await;
        let (clin_a, clinician_a) = app.signed_in_as(&[Role::Clinician]).await;
        let (clin_b, clinician_b) = app.signed_in_as(&[Role::Clinician]).await;
        let (phys, physician) = app.signed_in_as(&[Role::Physician]).await;
        let gone = app.staff("gone@staff.test", &[Role::Clinician]).await;
        let res = admin
            .post_form(&format!("/admin/users/{}/deactivate", gone.id), &[])
            .await;
        assert_eq!(res.status(), 303);

        let (client, portal) = portal_client(&app, &coord, "Ada Lovelace", "ada@example.org").await;
        let task = task_id(&app, &client, "phq-9").await;
        let res = answer(
            &portal,
            &format!("/portal/questionnaires/{task}"),
            &phq9(0, 2),
        )
        .await;
        assert_eq!(res.status(), 200);
        let first: String = rows(&app, "select id from alerts", vec![]).await[0]
            .get(0)
            .unwrap();

        let mut to: Vec<String> = rows(
            &app,
            "select to_addr from outbox where kind = 'safety-alert'",
            vec![],
        )
        .await
        .iter()
        .map(|r| r.get(0).unwrap())
        .collect();
        to.sort();
        let mut expected = vec![
            clin_a.email.clone(),
            clin_b.email.clone(),
            phys.email.clone(),
        ];
        expected.sort();
        assert_eq!(to, expected, "every active clinician and physician, once");
        assert!(!to.contains(&gone.email));
        assert!(!to.contains(&coordinator.email));

        for c in [&clinician_a, &clinician_b, &physician] {
            let (status, list) = c.get_text("/alerts").await;
            assert_eq!(status, 200);
            assert!(list.contains("Ada Lovelace"), "{list}");
            assert!(
                list.contains("This client has no care team yet."),
                "marked as unassigned: {list}"
            );
        }
        let res = clinician_b
            .post_form(
                &format!("/alerts/{first}/acknowledge"),
                &[(
                    "action",
                    "Called the client; coordinator asked to staff the team",
                )],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            rows(
                &app,
                "select acknowledged_by from alerts where id = $1",
                vec![first.clone().into()],
            )
            .await[0]
                .get::<Option<String>>(0)
                .unwrap(),
            Some(clin_b.id.to_string())
        );

        // Now the client has a care team; another alert belongs to it alone.
        add_to_team(&coord, &client, &clin_a, "clinician").await;
        add_to_team(&coord, &client, &phys, "physician").await;
        let cssrs = task_id(&app, &client, "c-ssrs-screener").await;
        let res = answer(
            &portal,
            &format!("/portal/questionnaires/{cssrs}"),
            &pairs(&[(1, 1), (2, 1), (3, 1), (4, 1), (5, 0), (6, 0)]),
        )
        .await;
        assert_eq!(res.status(), 200);
        let second: String = rows(
            &app,
            "select id from alerts where acknowledged_at is null",
            vec![],
        )
        .await[0]
            .get(0)
            .unwrap();
        let to_b = one_i64(
            &app,
            "select count(*) from outbox where kind = 'safety-alert' and to_addr = $1",
            vec![clin_b.email.clone().into()],
        )
        .await;
        assert_eq!(
            to_b, 1,
            "only the first alert reached the clinician off the team"
        );

        let (_, list) = clinician_b.get_text("/alerts").await;
        assert!(!list.contains("Ada Lovelace"), "{list}");
        let res = clinician_b
            .post_form(
                &format!("/alerts/{second}/acknowledge"),
                &[("action", "Trying to acknowledge")],
            )
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(
            app.count("select count(*) from alerts where acknowledged_at is null")
                .await,
            1
        );
        let (_, list) = clinician_a.get_text("/alerts").await;
        assert!(list.contains("Ada Lovelace"), "{list}");
        assert!(
            !list.contains("This client has no care team yet."),
            "{list}"
        );
    }
);
