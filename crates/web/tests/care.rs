//! From assessment to a consented plan, through the pages: assessment entries,
//! the request for review, the physician's decision (with re-authentication,
//! overrides and refusals), the plan, the prescription, consents and readiness.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use threshold_domain::Role;
use threshold_domain::clinical::HistoryItem;
use threshold_store::{Row, Value};
use threshold_testkit::{Client, PASSWORD, Staff, TestApp, app_test, link_in, location};

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

async fn stage(app: &TestApp, client: &str) -> String {
    rows(
        app,
        "select stage from journeys where client_id = $1",
        vec![client.into()],
    )
    .await[0]
        .get::<String>(0)
        .unwrap()
}

/// Everyone a case needs.
struct Case {
    client: String,
    portal: Client,
    coord: Client,
    clin: Client,
    phys_staff: Staff,
    phys: Client,
}

fn s(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A converted client with a care team, signed in to the portal.
async fn new_case(app: &TestApp, name: &str, email: &str) -> Case {
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
    let inquiry: String = rows(
        app,
        "select id from inquiries where email = $1",
        vec![email.into()],
    )
    .await[0]
        .get(0)
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
    let portal = app.client();
    let res = portal
        .post_form(
            link.trim_start_matches(&app.addr),
            &[
                ("password", "a long client passphrase"),
                ("password_confirm", "a long client passphrase"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/portal");
    let client: String = rows(
        app,
        "select id from clients where inquiry_id = $1",
        vec![inquiry.into()],
    )
    .await[0]
        .get(0)
        .unwrap();
    let (clin_staff, clin) = app.signed_in_as(&[Role::Clinician]).await;
    let (phys_staff, phys) = app.signed_in_as(&[Role::Physician]).await;
    for (st, role) in [(&clin_staff, "clinician"), (&phys_staff, "physician")] {
        let res = coord
            .post_form(
                &format!("/clients/{client}/care-team"),
                &[("member", &format!("{role}:{}", st.id))],
            )
            .await;
        assert_eq!(res.status(), 303);
    }
    Case {
        client,
        portal,
        coord,
        clin,
        phys_staff,
        phys,
    }
}

/// The intake, with these history items answered yes.
async fn submit_intake(case: &Case, name: &str, yes: &[HistoryItem]) {
    let mut f = s(&[
        ("legal_name", name),
        ("date_of_birth", "1985-12-10"),
        ("sex", "female"),
        ("emergency_contact_name", "Charles Babbage"),
        ("emergency_contact_phone", "+1 503 555 0100"),
        ("support_ride_home_name", "Mary Somerville"),
        ("support_ride_home_phone", "+1 503 555 0101"),
        ("goals", "Feel like myself again."),
        ("no_medications", "yes"),
        ("weight_kg", "62"),
        ("height_cm", "168"),
        ("action", "submit"),
    ]);
    for h in HistoryItem::ALL {
        let v = if yes.contains(h) { "yes" } else { "no" };
        f.push((format!("history.{}", h.as_str()), v.to_owned()));
    }
    let res = case.portal.post_form("/portal/intake", &refs(&f)).await;
    assert_eq!(res.status(), 303, "intake submitted");
}

/// Every baseline questionnaire, answered with the lowest scores.
async fn answer_baseline(app: &TestApp, case: &Case) {
    for (instrument, items) in [
        ("phq-9", vec![1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("gad-7", (1..=7).collect()),
        ("pcl-5", (1..=20).collect()),
        ("c-ssrs-screener", vec![1, 2, 6]),
        ("audit-c", vec![1, 2, 3]),
        ("dast-10", (1..=10).collect()),
    ] {
        let task: String = rows(
            app,
            "select t.id from questionnaire_tasks t join journeys j on j.id = t.journey_id
             where j.client_id = $1 and t.instrument = $2",
            vec![case.client.as_str().into(), instrument.into()],
        )
        .await[0]
            .get(0)
            .unwrap();
        let answers: Vec<(String, String)> = items
            .iter()
            .map(|i: &i32| (format!("item-{i}"), "0".to_owned()))
            .collect();
        let res = case
            .portal
            .post_form(&format!("/portal/questionnaires/{task}"), &refs(&answers))
            .await;
        assert_eq!(res.status(), 303, "{instrument} answered");
    }
}

async fn post(c: &Client, path: &str, f: &[(&str, &str)]) -> reqwest::Response {
    c.post_form(path, f).await
}

/// Vitals (two readings), both assessments, and the request for review.
async fn assess(app: &TestApp, case: &Case, bp: (&str, &str)) {
    let chart = format!("/clients/{}/assessment", case.client);
    for _ in 0..2 {
        let res = post(
            &case.clin,
            &chart,
            &[
                ("kind", "vitals"),
                ("systolic", bp.0),
                ("diastolic", bp.1),
                ("heart_rate", "72"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "vitals recorded");
    }
    let res = post(
        &case.clin,
        &chart,
        &[
            ("kind", "clinician"),
            ("readiness", "ready"),
            ("findings", "Clear goals, steady support."),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = post(
        &case.phys,
        &chart,
        &[
            ("kind", "physician"),
            ("findings", "Healthy; no cardiac history."),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = post(
        &case.clin,
        &format!("/clients/{}/review-request", case.client),
        &[],
    )
    .await;
    assert_eq!(res.status(), 303, "sent to review");
    assert_eq!(stage(app, &case.client).await, "physician-review");
}

async fn ready_for_review(app: &TestApp, name: &str, email: &str, yes: &[HistoryItem]) -> Case {
    let case = new_case(app, name, email).await;
    submit_intake(&case, name, yes).await;
    answer_baseline(app, &case).await;
    assess(app, &case, ("128", "82")).await;
    case
}

async fn publish(app: &TestApp, kind: &str, version_text: &str) {
    let admin_p = app
        .staff(
            &format!("{}@admin.test", uuid::Uuid::new_v4().simple()),
            &[Role::Administrator],
        )
        .await;
    let p = threshold_service::Principal {
        user_id: admin_p.id,
        email: admin_p.email.clone(),
        name: "Admin".into(),
        roles: threshold_domain::RoleSet::of(&[Role::Administrator]),
        via: threshold_service::principal::Via::Token {
            id: threshold_domain::ids::TokenId::new(),
        },
        meta: Default::default(),
    };
    app.services
        .publish_consent(&p, kind, "KAP informed consent", version_text)
        .await
        .unwrap();
}

async fn set_licence(app: &TestApp, staff: &Staff) {
    let id = staff.id;
    let now = app.services.now();
    app.services
        .db
        .write(move |c| {
            threshold_store::careplan::set_prescriber(
                c,
                id,
                Some("MD-12345"),
                Some("NPI 1234567890"),
                now,
            )
        })
        .await
        .unwrap();
}

app_test!(
    async fn a_client_goes_from_assessment_to_preparation_and_readiness_follows_consent(
        app: TestApp,
    ) {
        let case = new_case(&app, "Ada Lovelace", "ada@example.org").await;
        submit_intake(&case, "Ada Lovelace", &[]).await;

        // The review gate names everything missing.
        let res = post(
            &case.clin,
            &format!("/clients/{}/review-request", case.client),
            &[],
        )
        .await;
        assert_eq!(res.status(), 409);
        let body = res.text().await.unwrap();
        assert!(body.contains("baseline questionnaire"), "{body}");
        assert!(
            body.contains("assessment findings are not recorded"),
            "{body}"
        );
        assert_eq!(stage(&app, &case.client).await, "assessment");

        answer_baseline(&app, &case).await;
        // A clinician cannot record the physician's assessment, and a coordinator
        // cannot record anything.
        let path = format!("/clients/{}/assessment", case.client);
        let res = post(
            &case.clin,
            &path,
            &[("kind", "physician"), ("findings", "x")],
        )
        .await;
        assert_eq!(res.status(), 422);
        let res = post(
            &case.coord,
            &path,
            &[
                ("kind", "vitals"),
                ("systolic", "120"),
                ("diastolic", "80"),
                ("heart_rate", "70"),
            ],
        )
        .await;
        assert_eq!(res.status(), 403);
        assert_eq!(app.count("select count(*) from assessments").await, 0);
        assess(&app, &case, ("128", "82")).await;
        assert_eq!(app.count("select count(*) from assessments").await, 4);
        let enc: String = rows(
            &app,
            "select findings_enc from assessments where kind = 'clinician'",
            vec![],
        )
        .await[0]
            .get(0)
            .unwrap();
        assert!(
            !enc.contains("Clear goals"),
            "findings are stored encrypted"
        );
        // The care team reads the findings; a coordinator sees the chart without
        // them and cannot ask the API for readiness.
        let chart_path = format!("/clients/{}", case.client);
        let (_, chart) = case.clin.get_text(&chart_path).await;
        assert!(chart.contains("Clear goals, steady support."), "{chart}");
        let (status, coord_chart) = case.coord.get_text(&chart_path).await;
        assert_eq!(status, 200);
        assert!(!coord_chart.contains("Clear goals"), "{coord_chart}");
        assert!(
            !coord_chart.contains("Blood pressure 128/82"),
            "{coord_chart}"
        );
        let readiness = format!("/api/v1/clients/{}/readiness", case.client);
        assert_eq!(case.coord.get(&readiness).await.status(), 403);

        // The queue lists the client for the physician on the care team only.
        let (_, q) = case.phys.get_text("/review").await;
        assert!(q.contains(&format!("/review/{}", case.client)), "{q}");
        let (_, other) = app.signed_in_as(&[Role::Physician]).await;
        let (_, q2) = other.get_text("/review").await;
        assert!(!q2.contains(&case.client));
        assert_eq!(
            other
                .get(&format!("/review/{}", case.client))
                .await
                .status(),
            404
        );

        // The review page shows findings and scores; no rule fired.
        let (status, page) = case
            .phys
            .get_text(&format!("/review/{}", case.client))
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("No rule fired"), "{page}");
        assert!(page.contains("PHQ-9"));

        // Deciding needs re-authentication in this session.
        let review = format!("/review/{}", case.client);
        let res = post(&case.phys, &review, &[("decision", "eligible")]).await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("confirm it is you"));
        let res = post(
            &case.phys,
            &review,
            &[("decision", "eligible"), ("reauth", "wrong password")],
        )
        .await;
        assert_eq!(res.status(), 422);
        assert_eq!(
            app.count("select count(*) from eligibility_decisions")
                .await,
            0
        );
        let res = post(
            &case.phys,
            &review,
            &[("decision", "eligible"), ("reauth", PASSWORD)],
        )
        .await;
        assert_eq!(
            res.status(),
            303,
            "{}",
            res.text().await.unwrap_or_default()
        );
        assert_eq!(stage(&app, &case.client).await, "eligible");
        let d = rows(
            &app,
            "select decision, ruleset_version, settings_version from eligibility_decisions",
            vec![],
        )
        .await;
        assert_eq!(d[0].get::<String>(0).unwrap(), "eligible");
        assert_eq!(
            d[0].get::<String>(1).unwrap(),
            threshold_domain::rules::RULESET_VERSION
        );
        assert_eq!(
            d[0].get::<i64>(2).unwrap(),
            1,
            "the defaults were stored as settings version 1"
        );
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'review.decided'")
                .await,
            1
        );

        // The plan: in-home without the checklist is refused; in-office is saved
        // and moves the journey to consents.
        let plan = format!("/clients/{}/plan", case.client);
        let res = post(
            &case.clin,
            &plan,
            &[
                ("location", "in-home"),
                ("home_items", "bp-cuff"),
                ("route", "lozenge"),
                ("format", "individual"),
                ("sessions", "6"),
                ("support_name", "Mary Somerville"),
                ("support_phone", "+1 503 555 0101"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("home qualification checklist")
        );
        assert_eq!(app.count("select count(*) from plans").await, 0);
        let res = post(&case.coord, &plan, &[("location", "in-office")]).await;
        assert_eq!(res.status(), 403);
        let res = post(
            &case.clin,
            &plan,
            &[
                ("location", "in-office"),
                ("route", "lozenge"),
                ("format", "individual"),
                ("sessions", "6"),
                ("support_name", "Mary Somerville"),
                ("support_phone", "+1 503 555 0101"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        assert_eq!(stage(&app, &case.client).await, "consents");

        // The prescription: refused without licence details, then signed (the
        // re-authentication is still fresh).
        let rx = format!("/clients/{}/prescription", case.client);
        let rx_form = [
            ("dose_min", "150"),
            ("dose_max", "300"),
            ("booster_allowed", "yes"),
            ("booster_max", "100"),
            ("quantity", "6"),
            ("expires_on", "2099-01-01"),
        ];
        let res = post(&case.phys, &rx, &rx_form).await;
        assert_eq!(res.status(), 422, "expiry beyond a year is refused");
        let expires = app
            .services
            .now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
            .saturating_add(jiff::Span::new().days(90))
            .to_string();
        let mut rx_form = rx_form.to_vec();
        rx_form[5] = ("expires_on", expires.as_str());
        let res = post(&case.phys, &rx, &rx_form).await;
        assert_eq!(res.status(), 409);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("licence and registration")
        );
        set_licence(&app, &case.phys_staff).await;
        let res = post(&case.clin, &rx, &rx_form).await;
        assert_eq!(res.status(), 403, "a clinician cannot sign");
        let res = post(&case.phys, &rx, &rx_form).await;
        assert_eq!(res.status(), 303);
        let (status, printed) = case.phys.get_text(&rx).await;
        assert_eq!(status, 200);
        assert!(
            printed.contains("MD-12345") && printed.contains("NPI 1234567890"),
            "{printed}"
        );
        assert!(printed.contains("150 to 300 mg"), "{printed}");
        assert_eq!(case.coord.get(&rx).await.status(), 403);

        // Still at consents: the informed consent is not signed.
        assert_eq!(stage(&app, &case.client).await, "consents");
        let (_, chart) = case
            .clin
            .get_text(&format!("/clients/{}", case.client))
            .await;
        assert!(
            chart.contains("KAP informed consent is not signed"),
            "{chart}"
        );

        // The client signs it in the portal.
        publish(&app, "kap-informed-consent", "Ketamine is given off-label…").await;
        let (_, home) = case.portal.get_text("/portal").await;
        assert!(
            home.contains("/portal/consents/kap-informed-consent"),
            "{home}"
        );
        let sign = "/portal/consents/kap-informed-consent";
        let res = post(
            &case.portal,
            sign,
            &[
                ("version", "1"),
                ("signed_name", "Someone Else"),
                ("agree", "yes"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        let res = post(
            &case.portal,
            sign,
            &[("version", "1"), ("signed_name", "ada  lovelace")],
        )
        .await;
        assert_eq!(res.status(), 422, "the agreement box is required");
        assert_eq!(
            app.count("select count(*) from consent_signatures").await,
            0
        );
        let res = post(
            &case.portal,
            "/portal/consents/in-home",
            &[
                ("version", "1"),
                ("signed_name", "Ada Lovelace"),
                ("agree", "yes"),
            ],
        )
        .await;
        assert_eq!(res.status(), 404, "a consent the plan does not need");
        let res = post(
            &case.portal,
            sign,
            &[
                ("version", "1"),
                ("signed_name", "Ada Lovelace"),
                ("agree", "yes"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        assert_eq!(stage(&app, &case.client).await, "preparation");
        let (_, chart) = case
            .clin
            .get_text(&format!("/clients/{}", case.client))
            .await;
        assert!(chart.contains(">Ready</strong>"), "{chart}");
        let (_, copy) = case.portal.get_text(sign).await;
        assert!(
            copy.contains("Your signature") && copy.contains("Ada Lovelace"),
            "{copy}"
        );

        // A new version asks for a new signature; withdrawing blocks too.
        publish(&app, "kap-informed-consent", "Version two.").await;
        let (_, chart) = case
            .clin
            .get_text(&format!("/clients/{}", case.client))
            .await;
        assert!(chart.contains("version 2 is now in force"), "{chart}");
        let (_, page) = case.portal.get_text(sign).await;
        assert!(
            page.contains("What you signed earlier: version 1"),
            "{page}"
        );
        assert!(
            page.contains("Ketamine is given off-label"),
            "the text signed is kept: {page}"
        );
        let res = post(
            &case.portal,
            sign,
            &[
                ("version", "2"),
                ("signed_name", "Ada Lovelace"),
                ("agree", "yes"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let (_, chart) = case
            .clin
            .get_text(&format!("/clients/{}", case.client))
            .await;
        assert!(chart.contains(">Ready</strong>"), "{chart}");
        let res = post(&case.portal, &format!("{sign}/withdraw"), &[]).await;
        assert_eq!(res.status(), 303);
        let (_, chart) = case
            .clin
            .get_text(&format!("/clients/{}", case.client))
            .await;
        assert!(chart.contains("(version 2) was withdrawn"), "{chart}");
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'consent.withdrawn'")
                .await,
            1
        );
    }
);

app_test!(
    async fn an_absolute_contraindication_cannot_be_overridden_and_the_client_is_referred_out(
        app: TestApp,
    ) {
        let case = new_case(&app, "Grace Hopper", "grace@example.org").await;
        submit_intake(&case, "Grace Hopper", &[]).await;
        answer_baseline(&app, &case).await;
        assess(&app, &case, ("172", "104")).await;
        let review = format!("/review/{}", case.client);
        let (_, page) = case.phys.get_text(&review).await;
        assert!(page.contains("Uncontrolled hypertension"), "{page}");
        assert!(page.contains("eligible is not possible"));
        let res = post(
            &case.phys,
            &review,
            &[
                ("decision", "eligible"),
                (
                    "override_absolute.uncontrolled-hypertension",
                    "I accept the risk",
                ),
                ("reauth", PASSWORD),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("cannot be overridden"));
        assert_eq!(
            app.count("select count(*) from eligibility_decisions")
                .await,
            0
        );
        assert_eq!(stage(&app, &case.client).await, "physician-review");

        let res = post(
            &case.phys,
            &review,
            &[
                ("decision", "referred-out"),
                ("referral_reason", "Blood pressure must be treated first."),
                (
                    "referral_resources",
                    "Your GP; the hypertension clinic at <b>City</b> hospital.",
                ),
            ],
        )
        .await;
        assert_eq!(
            res.status(),
            303,
            "the re-authentication above still counts"
        );
        assert_eq!(stage(&app, &case.client).await, "referred-out");
        let (_, home) = case.portal.get_text("/portal").await;
        assert!(
            home.contains("Blood pressure must be treated first."),
            "{home}"
        );
        assert!(
            home.contains("&#60;b&#62;City&#60;/b&#62;"),
            "free text is escaped: {home}"
        );
        assert!(!home.contains("<b>City</b>"));
    }
);

app_test!(
    async fn a_relative_contraindication_needs_a_written_override_and_a_deferral_a_future_date(
        app: TestApp,
    ) {
        let case = ready_for_review(
            &app,
            "Alan Turing",
            "alan@example.org",
            &[HistoryItem::SignificantLiverDisease],
        )
        .await;
        let review = format!("/review/{}", case.client);
        let res = post(
            &case.phys,
            &review,
            &[("decision", "eligible"), ("reauth", PASSWORD)],
        )
        .await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("href=\"#override_relative.liver-disease\""),
            "{body}"
        );
        let res = post(
            &case.phys,
            &review,
            &[
                ("decision", "deferred"),
                ("revisit_on", "2001-01-01"),
                ("supports", "Therapy weekly."),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("after today"));
        assert_eq!(
            app.count("select count(*) from eligibility_decisions")
                .await,
            0
        );
        let res = post(
            &case.phys,
            &review,
            &[
                ("decision", "eligible"),
                (
                    "override_relative.liver-disease",
                    "Liver function normal in October; hepatology agrees.",
                ),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let (_, chart) = case
            .phys
            .get_text(&format!("/clients/{}", case.client))
            .await;
        assert!(
            chart.contains("Overridden relative.liver-disease"),
            "{chart}"
        );
        assert!(chart.contains("hepatology agrees"), "{chart}");
        // The coordinator sees the stage but not the decision's reasons.
        let (_, coord_chart) = case
            .coord
            .get_text(&format!("/clients/{}", case.client))
            .await;
        assert!(!coord_chart.contains("hepatology"), "{coord_chart}");
    }
);

app_test!(
    async fn only_the_care_teams_physician_decides_and_others_are_refused(app: TestApp) {
        let case = ready_for_review(&app, "Mary Jackson", "mary@example.org", &[]).await;
        let review = format!("/review/{}", case.client);
        // A clinician, a coordinator: no such page for them.
        assert_eq!(case.clin.get(&review).await.status(), 403);
        let res = post(
            &case.clin,
            &review,
            &[("decision", "eligible"), ("reauth", PASSWORD)],
        )
        .await;
        assert_eq!(res.status(), 403);
        assert_eq!(case.coord.get(&review).await.status(), 403);
        // A physician not on the care team: not found, and recorded.
        let (_, other) = app.signed_in_as(&[Role::Physician]).await;
        let res = post(
            &other,
            &review,
            &[("decision", "eligible"), ("reauth", PASSWORD)],
        )
        .await;
        assert_eq!(res.status(), 404);
        assert_eq!(
            one_i64(&app, "select count(*) from audit_log where action = 'review.decided' and outcome = 'denied'", vec![]).await,
            1
        );
        // Another client's id in the URL of the client's own physician.
        let other_case = new_case(&app, "Katherine Johnson", "katherine@example.org").await;
        assert_eq!(
            case.phys
                .get(&format!("/review/{}", other_case.client))
                .await
                .status(),
            404
        );
        assert_eq!(case.phys.get("/review/not-a-client").await.status(), 404);
        assert_eq!(
            app.count("select count(*) from eligibility_decisions")
                .await,
            0
        );
        assert_eq!(stage(&app, &case.client).await, "physician-review");
    }
);

app_test!(
    async fn through_the_api_tokens_record_and_read_but_never_decide_or_sign(app: TestApp) {
        let case = new_case(&app, "Dorothy Vaughan", "dorothy@example.org").await;
        submit_intake(&case, "Dorothy Vaughan", &[]).await;
        answer_baseline(&app, &case).await;
        let (clin2, _) = app.signed_in_as(&[Role::Clinician]).await;
        let http = reqwest::Client::new();
        let u = |p: &str| app.url(p);

        // A clinician's token records vitals for a client on the care team only.
        let clin_token = {
            let id: String = rows(
                &app,
                "select t.user_id from care_team t join journeys j on j.id = t.journey_id
                 where j.client_id = $1 and t.role = 'clinician'",
                vec![case.client.as_str().into()],
            )
            .await[0]
                .get(0)
                .unwrap();
            let email: String = rows(
                &app,
                "select email from users where id = $1",
                vec![id.into()],
            )
            .await[0]
                .get(0)
                .unwrap();
            app.services
                .create_token(threshold_service::Actor::Operator, &email, "test")
                .await
                .unwrap()
                .1
        };
        let path = u(&format!("/api/v1/clients/{}/assessments", case.client));
        for body in [
            serde_json::json!({"kind": "vitals", "systolic": 124, "diastolic": 80, "heart_rate": 70}),
            serde_json::json!({"kind": "vitals", "systolic": 126, "diastolic": 81, "heart_rate": 71}),
            serde_json::json!({"kind": "clinician", "readiness": "ready", "findings": "Ready."}),
        ] {
            let res = http
                .post(&path)
                .bearer_auth(&clin_token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
        }
        let res = http
            .post(&path)
            .bearer_auth(&clin_token)
            .json(&serde_json::json!({"kind": "vitals", "systolic": 999}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let err: serde_json::Value = res.json().await.unwrap();
        assert_eq!(err["code"], "validation_failed");
        assert!(
            err["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == "systolic"),
            "{err}"
        );
        let other = app.token(&clin2).await;
        let res = http.post(&path).bearer_auth(&other).json(&serde_json::json!({"kind": "vitals", "systolic": 120, "diastolic": 80, "heart_rate": 70})).send().await.unwrap();
        assert_eq!(res.status(), 404, "not on this care team");
        assert_eq!(app.count("select count(*) from assessments").await, 3);

        // The readiness endpoint names what the next step needs.
        let res = http
            .get(u(&format!("/api/v1/clients/{}/readiness", case.client)))
            .bearer_auth(&clin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let state: serde_json::Value = res.json().await.unwrap();
        assert_eq!(state["stage"], "assessment");
        assert!(
            state["missing"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["code"] == "assessment-not-recorded"),
            "{state}"
        );

        let res = post(
            &case.phys,
            &format!("/clients/{}/assessment", case.client),
            &[("kind", "physician"), ("findings", "Well.")],
        )
        .await;
        assert_eq!(res.status(), 303);
        let res = http
            .post(u(&format!(
                "/api/v1/clients/{}/review-request",
                case.client
            )))
            .bearer_auth(&clin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);

        // The physician's token reads the review but cannot decide.
        let phys_token = app.token(&case.phys_staff).await;
        let res = http
            .get(u(&format!("/api/v1/clients/{}/review", case.client)))
            .bearer_auth(&phys_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let review: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            review["ruleset_version"],
            threshold_domain::rules::RULESET_VERSION
        );
        let res = http
            .post(u(&format!("/api/v1/clients/{}/decision", case.client)))
            .bearer_auth(&phys_token)
            .json(&serde_json::json!({"decision": "eligible", "reauth": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let err: serde_json::Value = res.json().await.unwrap();
        assert_eq!(err["code"], "session_required");
        assert_eq!(
            app.count("select count(*) from eligibility_decisions")
                .await,
            0
        );

        // The physician's browser session can, with the CSRF header.
        let (_, html) = case.phys.get_text("/review").await;
        let csrf = threshold_testkit::csrf_in(&html).unwrap_or_default();
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-csrf-token", csrf.parse().unwrap());
        let res = case
            .phys
            .post_json(
                &format!("/api/v1/clients/{}/decision", case.client),
                &serde_json::json!({"decision": "eligible", "reauth": PASSWORD}),
                h.clone(),
            )
            .await;
        assert_eq!(
            res.status(),
            200,
            "{}",
            res.text().await.unwrap_or_default()
        );
        assert_eq!(stage(&app, &case.client).await, "eligible");

        // A plan through the API, then a token cannot sign the prescription.
        let res = http
            .put(u(&format!("/api/v1/clients/{}/plan", case.client)))
            .bearer_auth(&clin_token)
            .json(&serde_json::json!({"location": "in-office", "route": "lozenge", "format": "individual", "sessions": 6, "support_name": "Mary Somerville", "support_phone": "+1 503 555 0101"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let state: serde_json::Value = res.json().await.unwrap();
        assert_eq!(state["stage"], "consents");
        assert_eq!(state["ready"], false);
        set_licence(&app, &case.phys_staff).await;
        let res = http
            .post(u(&format!("/api/v1/clients/{}/prescriptions", case.client)))
            .bearer_auth(&phys_token)
            .json(&serde_json::json!({"dose_min": 150, "dose_max": 300, "quantity": 6, "expires_on": "2099-01-01", "reauth": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(app.count("select count(*) from prescriptions").await, 0);
    }
);

app_test!(
    async fn the_demo_seeds_a_client_at_every_stage_through_the_real_use_cases(app: TestApp) {
        assert!(app.services.seed_demo().await.unwrap());
        let stages: Vec<String> = rows(&app, "select stage from journeys order by stage", vec![])
            .await
            .iter()
            .map(|r| r.get::<String>(0).unwrap())
            .collect();
        for s in [
            "intake",
            "assessment",
            "physician-review",
            "consents",
            "preparation",
            "deferred",
            "referred-out",
        ] {
            assert!(
                stages.iter().any(|x| x == s),
                "no demo client at {s}: {stages:?}"
            );
        }
        assert_eq!(app.count("select count(*) from consent_documents").await, 4);
        assert_eq!(
            app.count("select count(*) from partner_organisations")
                .await,
            1
        );
        // Chris Park and the four members of the demo group.
        assert_eq!(app.count("select count(*) from prescriptions").await, 5);
        // Chris signed the KAP consent; the group members the group agreement too.
        assert_eq!(
            app.count("select count(*) from consent_signatures").await,
            1 + 4 * 2
        );
        assert_eq!(
            app.count(
                "select count(*) from consent_signatures where kind = 'group-confidentiality'"
            )
            .await,
            4
        );
        assert_eq!(
            app.count(
                "select count(*) from appointment_members m join appointments a on a.id = m.appointment_id
                 where a.kind = 'group-medicine-session'"
            )
            .await,
            4
        );
        // Chris Park's first medicine session is booked through the slot finder.
        assert_eq!(
            app.count(
                "select count(*) from appointments where kind = 'medicine-session' and status = 'booked'"
            )
            .await,
            1
        );
        // One decision overrode a relative contraindication in writing.
        assert_eq!(
            app.count("select count(*) from eligibility_decisions where decision = 'eligible'")
                .await,
            2 + 4
        );
        // The demo physician's queue and the override are visible in the pages.
        let c = app.demo_signed_in("physician@demo.threshold.test").await;
        let (_, queue) = c.get_text("/review").await;
        assert!(queue.contains("Priya Nair"), "{queue}");
        let morgan: String = rows(
            &app,
            "select id from clients where name = 'Morgan Ellis'",
            vec![],
        )
        .await[0]
            .get(0)
            .unwrap();
        let (_, chart) = c.get_text(&format!("/clients/{morgan}")).await;
        assert!(
            chart.contains("Overridden relative.liver-disease"),
            "{chart}"
        );
        let chris: String = rows(
            &app,
            "select id from clients where name = 'Chris Park'",
            vec![],
        )
        .await[0]
            .get(0)
            .unwrap();
        let (_, chart) = c.get_text(&format!("/clients/{chris}")).await;
        assert!(chart.contains(">Ready</strong>"), "{chart}");
    }
);

app_test!(
    async fn a_client_may_turn_on_a_second_factor_and_is_then_asked_for_it(app: TestApp) {
        let case = new_case(&app, "Hedy Lamarr", "hedy@example.org").await;
        let (_, account) = case.portal.get_text("/account").await;
        assert!(account.contains("Turn on a second factor"), "{account}");
        let res = post(&case.portal, "/account/second-factor", &[]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin/setup");
        // Until it is confirmed, the record is out of reach.
        let res = case.portal.get("/portal").await;
        assert_eq!(res.status(), 303);
        let (_, page) = case.portal.get_text("/signin/setup").await;
        let key = page
            .split("<code class=\"code\">")
            .nth(1)
            .and_then(|r| r.split("</code>").next())
            .unwrap()
            .trim()
            .to_owned();
        let res = post(&case.portal, "/signin/setup", &[("code", &app.totp(&key))]).await;
        assert_eq!(res.status(), 200, "recovery codes shown");
        assert_eq!(case.portal.get("/portal").await.status(), 200);
        assert_eq!(
            one_i64(
                &app,
                "select count(*) from users where email = 'hedy@example.org' and totp_enabled = $1",
                vec![true.into()]
            )
            .await,
            1
        );
        // The next sign-in asks for the code.
        let c = app.client();
        let res = c
            .post_form(
                "/signin",
                &[
                    ("email", "hedy@example.org"),
                    ("password", "a long client passphrase"),
                ],
            )
            .await;
        assert_eq!(location(&res), "/signin/code");
        // A second request to turn it on is refused.
        let res = post(&case.portal, "/account/second-factor", &[]).await;
        assert_eq!(res.status(), 409);
    }
);

app_test!(
    async fn leaving_care_needs_a_written_reason_that_only_the_care_team_reads(app: TestApp) {
        let case = new_case(&app, "Rosalind Franklin", "rosalind@example.org").await;
        let path = format!("/clients/{}/withdraw", case.client);
        let res = post(&case.clin, &path, &[("kind", "withdraw"), ("reason", "  ")]).await;
        assert_eq!(res.status(), 422);
        assert_eq!(stage(&app, &case.client).await, "intake");
        let res = post(&case.coord, &path, &[("reason", "Moving away.")]).await;
        assert_eq!(res.status(), 403);
        let res = post(
            &case.clin,
            &path,
            &[(
                "reason",
                "Moving to <i>Lisbon</i>; referred to a clinic there.",
            )],
        )
        .await;
        assert_eq!(res.status(), 303);
        assert_eq!(stage(&app, &case.client).await, "withdrawn");
        let closed = one_i64(
            &app,
            "select count(*) from journeys where closed_at is not null",
            vec![],
        )
        .await;
        assert_eq!(closed, 1);
        let enc: String = rows(
            &app,
            "select reason_enc from journey_transitions where to_stage = 'withdrawn'",
            vec![],
        )
        .await[0]
            .get(0)
            .unwrap();
        assert!(!enc.contains("Lisbon"), "stored encrypted");
        let (_, chart) = case
            .clin
            .get_text(&format!("/clients/{}", case.client))
            .await;
        assert!(chart.contains("Moving to &#60;i&#62;Lisbon"), "{chart}");
        let (_, coord_chart) = case
            .coord
            .get_text(&format!("/clients/{}", case.client))
            .await;
        assert!(!coord_chart.contains("Lisbon"));
        // A closed journey cannot be withdrawn again.
        let res = post(&case.clin, &path, &[("reason", "Again.")]).await;
        assert_eq!(res.status(), 409);
    }
);
