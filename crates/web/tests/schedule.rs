//! Booking through the coordinator's pages: the slot finder, booking, the
//! database's refusal of a double booking when two requests race, the
//! medicine-session gate, and refusals that change nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use threshold_domain::Role;
use threshold_service::Actor;
use threshold_service::locations::{LocationForm, RoomForm};
use threshold_store::{Row, Value};
use threshold_testkit::{Client, TestApp, app_test, location};

async fn rows(app: &TestApp, sql: &str, params: Vec<Value>) -> Vec<Row> {
    let sql = sql.to_owned();
    app.services
        .db
        .read(move |c| c.query(&sql, &params))
        .await
        .unwrap()
}

struct Clinic {
    location: String,
    room: String,
    coord: Client,
    clinician: String,
}

/// A location in Los Angeles with a plain room and an IV room, a clinician free
/// every day 08:00–20:00, and a signed-in coordinator.
async fn clinic(app: &TestApp) -> Clinic {
    let location = app
        .services
        .create_location(
            Actor::System,
            &LocationForm {
                name: "Portland".into(),
                time_zone: "America/Los_Angeles".into(),
                address: "1 Main St".into(),
                phone: String::new(),
                active: true,
            },
        )
        .await
        .unwrap();
    let mut rooms = Vec::new();
    for (name, iv) in [("Willow", false), ("Cedar", true)] {
        rooms.push(
            app.services
                .create_room(
                    Actor::System,
                    location,
                    &RoomForm {
                        name: name.into(),
                        capacity: "1".into(),
                        iv_capable: iv,
                        group_capable: false,
                        active: true,
                    },
                )
                .await
                .unwrap()
                .to_string(),
        );
    }
    let clin = app.staff("clin@staff.test", &[Role::Clinician]).await;
    let (_, coord) = app.signed_in_as(&[Role::Coordinator]).await;
    let p = threshold_service::Principal {
        user_id: clin.id,
        email: clin.email.clone(),
        name: "Clinician".into(),
        roles: threshold_domain::RoleSet::of(&[Role::Clinician]),
        via: threshold_service::principal::Via::Token {
            id: threshold_domain::ids::TokenId::new(),
        },
        meta: Default::default(),
    };
    for day in [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ] {
        app.services
            .add_availability(
                &p,
                &threshold_service::schedule::RuleForm {
                    owner_kind: "user".into(),
                    owner_id: clin.id.to_string(),
                    location: location.to_string(),
                    weekday: day.into(),
                    start: "08:00".into(),
                    end: "20:00".into(),
                },
            )
            .await
            .unwrap();
    }
    Clinic {
        location: location.to_string(),
        room: rooms[0].clone(),
        coord,
        clinician: clin.id.to_string(),
    }
}

/// A converted client (no portal password needed here); returns its id.
async fn client(app: &TestApp, coord: &Client, name: &str, email: &str) -> String {
    let res = app
        .client()
        .post_form(
            "/consultation",
            &[
                ("name", name),
                ("email", email),
                ("preferred_contact", "email"),
                ("reason", "Depression."),
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
    let res = coord
        .post_form(
            &format!("/inquiries/{inquiry}/convert"),
            &[("consultation_outcome", "Fit.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    rows(
        app,
        "select id from clients where inquiry_id = $1",
        vec![inquiry.into()],
    )
    .await[0]
        .get(0)
        .unwrap()
}

/// Tomorrow (clinic time) as a date string.
fn tomorrow(app: &TestApp) -> String {
    app.services
        .now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("America/Los_Angeles").unwrap())
        .date()
        .saturating_add(jiff::Span::new().days(1))
        .to_string()
}

/// The first offered slot's hidden fields, from the finder's page.
fn first_offer(html: &str) -> Vec<(String, String)> {
    let form = html
        .split("<form method=\"post\" action=\"/schedule/book\">")
        .nth(1)
        .unwrap_or_else(|| panic!("no slot offered: {html}"));
    let form = form.split("</form>").next().unwrap();
    form.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|part| {
            let name = part.split('"').next().unwrap().to_owned();
            let value = part
                .split("value=\"")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .unwrap_or("")
                .to_owned();
            (name, value.replace("&#43;", "+").replace("&#58;", ":"))
        })
        .collect()
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn find(c: &Client, fields: &[(&str, &str)]) -> (u16, String) {
    let res = c.post_form("/schedule/find", fields).await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

app_test!(
    async fn a_coordinator_finds_a_slot_and_books_it_and_the_day_shows_it(app: TestApp) {
        let k = clinic(&app).await;
        let cl = client(&app, &k.coord, "Ada Lovelace", "ada@example.org").await;
        let day = tomorrow(&app);
        let (status, html) = find(
            &k.coord,
            &[
                ("kind", "preparation"),
                ("location", &k.location),
                ("client", &cl),
                ("from", &day),
                ("days", "1"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains("08:00"),
            "the first slot is at opening, local time: {html}"
        );
        let offer = first_offer(&html);
        let res = k.coord.post_form("/schedule/book", &pairs(&offer)).await;
        assert_eq!(
            res.status(),
            303,
            "{}",
            res.text().await.unwrap_or_default()
        );
        assert!(location(&res).contains("done=booked"));
        let a = rows(
            &app,
            "select kind, client_id, room_id, status from appointments",
            vec![],
        )
        .await;
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].get::<String>(0).unwrap(), "preparation");
        assert_eq!(a[0].get::<String>(1).unwrap(), cl);
        assert_eq!(a[0].get::<String>(2).unwrap(), k.room);
        // 60 minutes hold 12 cells for each of clinician, room and client.
        assert_eq!(app.count("select count(*) from resource_cells").await, 36);
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'appointment.booked'")
                .await,
            1
        );
        let (_, dayview) = k
            .coord
            .get_text(&format!("/schedule?location={}&day={day}", k.location))
            .await;
        assert!(
            dayview.contains("Ada Lovelace") && dayview.contains("08:00–09:00"),
            "{dayview}"
        );
        assert!(dayview.contains("Next day"), "{dayview}");
        // The same offer again is taken.
        let res = k.coord.post_form("/schedule/book", &pairs(&offer)).await;
        assert_eq!(res.status(), 409);
        assert_eq!(app.count("select count(*) from appointments").await, 1);
        // The next search starts after the booking.
        let (_, html) = find(
            &k.coord,
            &[
                ("kind", "preparation"),
                ("location", &k.location),
                ("client", &cl),
                ("from", &day),
                ("days", "1"),
            ],
        )
        .await;
        assert!(
            !first_offer(&html)
                .iter()
                .any(|(n, v)| n == "start" && offer.iter().any(|(m, w)| m == "start" && w == v))
        );
        // Cancelling frees the cells.
        let id: String = rows(&app, "select id from appointments", vec![]).await[0]
            .get(0)
            .unwrap();
        let res = k
            .coord
            .post_form(
                &format!("/appointments/{id}/close"),
                &[
                    ("status", "cancelled"),
                    ("reason", ""),
                    ("location", &k.location),
                ],
            )
            .await;
        assert_eq!(res.status(), 422, "a cancellation needs a reason");
        let res = k
            .coord
            .post_form(
                &format!("/appointments/{id}/close"),
                &[
                    ("status", "cancelled"),
                    ("reason", "Client is unwell."),
                    ("location", &k.location),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(app.count("select count(*) from resource_cells").await, 0);
    }
);

app_test!(
    async fn two_bookings_racing_for_one_slot_make_exactly_one_appointment(app: TestApp) {
        let k = clinic(&app).await;
        let a = client(&app, &k.coord, "Ada Lovelace", "ada@example.org").await;
        let b = client(&app, &k.coord, "Grace Hopper", "grace@example.org").await;
        let day = tomorrow(&app);
        let (_, html) = find(
            &k.coord,
            &[
                ("kind", "preparation"),
                ("location", &k.location),
                ("client", &a),
                ("from", &day),
                ("days", "1"),
            ],
        )
        .await;
        let offer_a = first_offer(&html);
        // The same clinician and room at the same time, for another client.
        let offer_b: Vec<(String, String)> = offer_a
            .iter()
            .map(|(n, v)| (n.clone(), if n == "client" { b.clone() } else { v.clone() }))
            .collect();
        let (_, coord2) = app.signed_in_as(&[Role::Coordinator]).await;
        let (fa, fb) = (pairs(&offer_a), pairs(&offer_b));
        let (ra, rb) = tokio::join!(
            k.coord.post_form("/schedule/book", &fa),
            coord2.post_form("/schedule/book", &fb),
        );
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 409], "exactly one wins");
        assert_eq!(app.count("select count(*) from appointments").await, 1);
        assert_eq!(app.count("select count(*) from resource_cells").await, 36);
    }
);

app_test!(
    async fn a_medicine_session_needs_a_ready_client_and_bad_bookings_change_nothing(app: TestApp) {
        let k = clinic(&app).await;
        let cl = client(&app, &k.coord, "Ada Lovelace", "ada@example.org").await;
        let day = tomorrow(&app);
        let (status, html) = find(
            &k.coord,
            &[
                ("kind", "medicine-session"),
                ("location", &k.location),
                ("client", &cl),
                ("from", &day),
                ("days", "3"),
            ],
        )
        .await;
        assert_eq!(status, 409, "{html}");
        assert!(html.contains("not ready for medicine sessions"), "{html}");
        // Booking it directly is refused the same way.
        let start = format!("{day}T17:00:00Z");
        let res = k
            .coord
            .post_form(
                "/schedule/book",
                &[
                    ("kind", "medicine-session"),
                    ("location", &k.location),
                    ("client", &cl),
                    ("start", &start),
                    ("clinicians", &k.clinician),
                    ("room", &k.room),
                ],
            )
            .await;
        assert_eq!(res.status(), 409);
        // A time in the past.
        let res = k
            .coord
            .post_form(
                "/schedule/book",
                &[
                    ("kind", "preparation"),
                    ("location", &k.location),
                    ("client", &cl),
                    ("start", "2020-01-01T17:00:00Z"),
                    ("clinicians", &k.clinician),
                    ("room", &k.room),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        // A room that is not at this location, or a made-up one.
        let res = k
            .coord
            .post_form(
                "/schedule/book",
                &[
                    ("kind", "preparation"),
                    ("location", &k.location),
                    ("client", &cl),
                    ("start", &start),
                    ("clinicians", &k.clinician),
                    ("room", "no-such-room"),
                ],
            )
            .await;
        assert_eq!(res.status(), 409);
        // A clinician and coordinator outside the schedule permission.
        let (_, clin) = app.signed_in_as(&[Role::Clinician]).await;
        assert_eq!(clin.get("/schedule").await.status(), 403);
        let res = clin
            .post_form(
                "/schedule/book",
                &[
                    ("kind", "preparation"),
                    ("location", &k.location),
                    ("client", &cl),
                    ("start", &start),
                    ("clinicians", &k.clinician),
                    ("room", &k.room),
                ],
            )
            .await;
        assert_eq!(res.status(), 403);
        assert_eq!(app.count("select count(*) from appointments").await, 0);
        assert_eq!(app.count("select count(*) from resource_cells").await, 0);
    }
);

app_test!(
    async fn staff_set_their_own_hours_and_coordinators_set_anyones(app: TestApp) {
        let k = clinic(&app).await;
        let (me, clin) = app.signed_in_as(&[Role::Clinician]).await;
        let mine = format!("user:{}", me.id);
        let (status, page) = clin.get_text("/schedule/availability").await;
        assert_eq!(status, 200);
        assert!(page.contains(&mine), "{page}");
        assert!(
            !page.contains(&k.clinician),
            "a clinician sees only their own hours"
        );
        let res = clin
            .post_form(
                "/schedule/availability",
                &[
                    ("owner", &mine),
                    ("location", &k.location),
                    ("weekday", "monday"),
                    ("start", "10:00"),
                    ("end", "14:00"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        // Bad times name their field; nothing is stored.
        let res = clin
            .post_form(
                "/schedule/availability",
                &[
                    ("owner", &mine),
                    ("location", &k.location),
                    ("weekday", "funday"),
                    ("start", "14:00"),
                    ("end", "10:00"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains("href=\"#weekday\""), "{body}");
        // Someone else's hours: refused.
        let theirs = format!("user:{}", k.clinician);
        let res = clin
            .post_form(
                "/schedule/availability",
                &[
                    ("owner", &theirs),
                    ("location", &k.location),
                    ("weekday", "monday"),
                    ("start", "10:00"),
                    ("end", "14:00"),
                ],
            )
            .await;
        assert_eq!(res.status(), 403);
        let n = rows(
            &app,
            "select count(*) from availability_rules where owner_id = $1",
            vec![me.id.to_string().into()],
        )
        .await[0]
            .get::<i64>(0)
            .unwrap();
        assert_eq!(n, 1);
        // The coordinator adds leave for the other clinician: the finder skips it.
        let day = tomorrow(&app);
        let res = k
            .coord
            .post_form(
                "/schedule/availability/exception",
                &[
                    ("owner", &theirs),
                    ("location", &k.location),
                    ("kind", "leave"),
                    ("from", &format!("{day}T00:00")),
                    ("to", &format!("{day}T23:59")),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let cl = client(&app, &k.coord, "Ada Lovelace", "ada@example.org").await;
        let (_, html) = find(
            &k.coord,
            &[
                ("kind", "preparation"),
                ("location", &k.location),
                ("client", &cl),
                ("from", &day),
                ("days", "1"),
            ],
        )
        .await;
        // Only the new clinician's Monday hours could remain, and only on a Monday.
        for (n, v) in first_offer_or_none(&html) {
            if n == "clinicians" {
                assert_ne!(v, k.clinician, "the clinician on leave is never offered");
            }
        }
    }
);

fn first_offer_or_none(html: &str) -> Vec<(String, String)> {
    if html.contains("action=\"/schedule/book\"") {
        first_offer(html)
    } else {
        Vec::new()
    }
}

app_test!(
    async fn reminders_go_out_once_at_the_lead_time_and_on_a_session_morning(app: TestApp) {
        assert!(app.services.seed_demo().await.unwrap());
        // The demo booked Chris Park's first medicine session.
        let r = rows(
            &app,
            "select a.starts_at from appointments a join clients c on c.id = a.client_id
             where c.name = 'Chris Park' and a.kind = 'medicine-session'",
            vec![],
        )
        .await;
        let starts: jiff::Timestamp = r[0].get(0).unwrap();
        let reminders = |app: &TestApp| {
            let s = app.services.clone();
            async move { s.queue_due_reminders().await.unwrap() }
        };
        // Well before the lead time: nothing.
        let to_lead = starts - app.services.now() - jiff::SignedDuration::from_hours(25);
        app.advance(to_lead);
        assert_eq!(reminders(&app).await, 0);
        assert!(
            app.last_mail_to("chris.park@example.org")
                .await
                .is_none_or(|m| m.kind != "appointment-reminder")
        );
        // Inside 24 hours: one reminder, once.
        app.advance(jiff::SignedDuration::from_hours(2));
        assert_eq!(reminders(&app).await, 1);
        assert_eq!(reminders(&app).await, 0, "never twice");
        let mail = app.last_mail_to("chris.park@example.org").await.unwrap();
        assert_eq!(mail.kind, "appointment-reminder");
        assert!(
            mail.body_text.contains("To prepare for your session"),
            "{}",
            mail.body_text
        );
        assert!(mail.body_text.contains("take you home"));
        for word in ["ketamine", "Ketamine", "medicine", "depression", "PHQ"] {
            assert!(
                !mail.subject.contains(word) && !mail.body_text.contains(word),
                "{word} in {mail:?}"
            );
        }
        // The morning of the session: the second reminder.
        let tz = jiff::tz::TimeZone::get("America/Los_Angeles").unwrap();
        let morning = threshold_domain::schedule::resolve_local(
            starts.to_zoned_datetime(tz.clone()).date().at(7, 0, 0, 0),
            &tz,
        )
        .unwrap();
        let now = app.services.now();
        if morning > now {
            app.advance(morning - now + jiff::SignedDuration::from_mins(1));
        }
        assert_eq!(reminders(&app).await, 1);
        let mail = app.last_mail_to("chris.park@example.org").await.unwrap();
        assert!(mail.subject.starts_with("Today"), "{}", mail.subject);
        assert_eq!(
            app.count("select count(*) from appointment_reminders")
                .await,
            2
        );
    }
);

app_test!(
    async fn the_api_finds_and_books_and_refuses_a_double_booking(app: TestApp) {
        let k = clinic(&app).await;
        let cl = client(&app, &k.coord, "Ada Lovelace", "ada@example.org").await;
        let coord = app
            .staff("api-coord@staff.test", &[Role::Coordinator])
            .await;
        let token = app.token(&coord).await;
        let http = reqwest::Client::new();
        let res = http
            .post(app.url("/api/v1/schedule/slots"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"kind": "follow-up", "location": k.location, "client": cl, "from": tomorrow(&app), "days": 1, "limit": 3}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let slots: Vec<serde_json::Value> = res.json().await.unwrap();
        assert_eq!(slots.len(), 3);
        let s = &slots[0];
        let body = serde_json::json!({
            "kind": "follow-up", "location": k.location, "client": cl,
            "start": s["start"], "clinicians": s["clinicians"], "room": s["room"],
        });
        let res = http
            .post(app.url("/api/v1/appointments"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let id = res.json::<serde_json::Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = http
            .post(app.url("/api/v1/appointments"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 409);
        let err: serde_json::Value = res.json().await.unwrap();
        assert_eq!(err["code"], "conflict");
        // Bad input names its field; another role is refused.
        let res = http
            .post(app.url("/api/v1/schedule/slots"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"kind": "massage", "location": k.location}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let err: serde_json::Value = res.json().await.unwrap();
        assert_eq!(err["field"], "kind");
        let (clin, _) = app.signed_in_as(&[Role::Clinician]).await;
        let clin_token = app.token(&clin).await;
        let res = http
            .post(app.url("/api/v1/appointments"))
            .bearer_auth(&clin_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        // Cancel through the API.
        let res = http
            .post(app.url(&format!("/api/v1/appointments/{id}/close")))
            .bearer_auth(&token)
            .json(&serde_json::json!({"status": "cancelled", "reason": "Rescheduling."}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(
            app.count("select count(*) from appointments where status = 'cancelled'")
                .await,
            1
        );
    }
);

app_test!(
    async fn my_day_lists_a_staff_members_appointments_and_what_is_missing(app: TestApp) {
        assert!(app.services.seed_demo().await.unwrap());
        let r = rows(
            &app,
            "select a.starts_at from appointments a where a.kind = 'medicine-session'",
            vec![],
        )
        .await;
        let starts: jiff::Timestamp = r[0].get(0).unwrap();
        let tz = jiff::tz::TimeZone::get("America/Los_Angeles").unwrap();
        let day = starts.to_zoned_datetime(tz).date().to_string();
        let c = app.demo_signed_in("clinician@demo.threshold.test").await;
        let (status, page) = c.get_text(&format!("/my-day?day={day}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Chris Park"), "{page}");
        assert!(page.contains("Medicine session"), "{page}");
        // The pre-session questionnaires are attached and not yet filled in.
        assert!(
            page.contains("questionnaire(s) due before the session"),
            "{page}"
        );
        assert_eq!(c.get("/my-day?day=not-a-date").await.status(), 400);
    }
);

app_test!(
    async fn a_client_asks_to_change_their_own_appointment_and_no_one_elses(app: TestApp) {
        assert!(app.services.seed_demo().await.unwrap());
        let appt: String = rows(&app, "select id from appointments", vec![]).await[0]
            .get(0)
            .unwrap();
        let hash = threshold_service::passwords::hash("chris chooses a long passphrase".into())
            .await
            .unwrap();
        let now = app.services.now();
        app.services
            .db
            .write(move |c| {
                let u =
                    threshold_store::users::find_by_email(c, "chris.park@example.org")?.unwrap();
                threshold_store::users::set_password(c, u.id, &hash, now)
            })
            .await
            .unwrap();
        let sign_in = |email: &'static str, pw: &'static str| {
            let c = app.client();
            async move {
                let res = c
                    .post_form("/signin", &[("email", email), ("password", pw)])
                    .await;
                assert_eq!(res.status(), 303, "signed in");
                c
            }
        };
        // Sam (another client) cannot touch Chris's appointment.
        let sam = sign_in(
            "client@demo.threshold.test",
            threshold_service::demo::PASSWORD,
        )
        .await;
        let path = format!("/portal/appointments/{appt}/change");
        let res = sam.post_form(&path, &[("note", "Move it please")]).await;
        assert_eq!(res.status(), 404);
        assert_eq!(
            app.count("select count(*) from appointment_change_requests")
                .await,
            0
        );
        // Chris can, with a note.
        let chris = sign_in("chris.park@example.org", "chris chooses a long passphrase").await;
        let (_, home) = chris.get_text("/portal").await;
        assert!(home.contains(&path), "{home}");
        let res = chris.post_form(&path, &[("note", "")]).await;
        assert_eq!(res.status(), 400, "an empty request is refused");
        let res = chris
            .post_form(&path, &[("note", "Thursdays are <b>better</b>.")])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            app.count("select count(*) from appointment_change_requests")
                .await,
            1
        );
        let mail = app
            .last_mail_to("coordinator@demo.threshold.test")
            .await
            .unwrap();
        assert_eq!(mail.kind, "change-request");
        assert!(!mail.body_text.contains("Chris") && !mail.body_text.contains("Thursdays"));
        // The coordinator sees it, escaped, and marks it handled.
        let c = app.demo_signed_in("coordinator@demo.threshold.test").await;
        let (_, page) = c.get_text("/schedule").await;
        assert!(
            page.contains("Thursdays are &#60;b&#62;better&#60;/b&#62;."),
            "{page}"
        );
        let id: String = rows(&app, "select id from appointment_change_requests", vec![]).await[0]
            .get(0)
            .unwrap();
        let res = c
            .post_form(&format!("/schedule/change-requests/{id}/handled"), &[])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            app.count("select count(*) from appointment_change_requests where handled_at is null")
                .await,
            0
        );
    }
);

app_test!(
    async fn administrators_set_each_types_length_and_video_and_the_finder_follows(app: TestApp) {
        let k = clinic(&app).await;
        let cl = client(&app, &k.coord, "Ada Lovelace", "ada@example.org").await;
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let (status, page) = admin.get_text("/admin/appointment-types").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Medicine session") && page.contains("value=\"180\""),
            "{page}"
        );
        for (minutes, video, field) in [
            ("7", "", "minutes"),
            ("600", "", "minutes"),
            ("90", "yes", ""),
        ] {
            let res = admin
                .post_form(
                    "/admin/appointment-types",
                    &[
                        ("kind", "preparation"),
                        ("minutes", minutes),
                        ("video", video),
                    ],
                )
                .await;
            if field.is_empty() {
                assert_eq!(res.status(), 303);
            } else {
                assert_eq!(res.status(), 422, "{minutes}");
                assert!(
                    res.text()
                        .await
                        .unwrap()
                        .contains(&format!("href=\"#{field}\""))
                );
            }
        }
        let res = admin
            .post_form(
                "/admin/appointment-types",
                &[
                    ("kind", "medicine-session"),
                    ("minutes", "180"),
                    ("video", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422, "a medicine session is never by video");
        assert_eq!(k.coord.get("/admin/appointment-types").await.status(), 403);
        assert_eq!(app.count("select count(*) from appointment_types").await, 1);
        // The finder now offers 90-minute preparation sessions.
        let (_, html) = find(
            &k.coord,
            &[
                ("kind", "preparation"),
                ("location", &k.location),
                ("client", &cl),
                ("from", &tomorrow(&app)),
                ("days", "1"),
            ],
        )
        .await;
        assert!(html.contains("08:00–09:30"), "{html}");
    }
);

app_test!(
    async fn a_consultation_is_booked_for_an_inquiry_before_the_person_is_a_client(app: TestApp) {
        let k = clinic(&app).await;
        let res = app
            .client()
            .post_form(
                "/consultation",
                &[
                    ("name", "Katherine Johnson"),
                    ("email", "katherine@example.org"),
                    ("preferred_contact", "email"),
                    ("reason", "Low mood."),
                    ("consent_to_contact", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let inquiry: String = rows(&app, "select id from inquiries", vec![]).await[0]
            .get(0)
            .unwrap();
        let (_, page) = k.coord.get_text(&format!("/inquiries/{inquiry}")).await;
        assert!(
            page.contains(&format!("/schedule?inquiry={inquiry}")),
            "{page}"
        );
        let (status, page) = k
            .coord
            .get_text(&format!(
                "/schedule?inquiry={inquiry}&location={}",
                k.location
            ))
            .await;
        assert_eq!(status, 200);
        assert!(
            page.contains(&format!("name=\"inquiry\" value=\"{inquiry}\"")),
            "{page}"
        );
        // Only consultations are booked for an inquiry.
        let (status, _) = find(
            &k.coord,
            &[
                ("kind", "preparation"),
                ("location", &k.location),
                ("inquiry", &inquiry),
                ("from", &tomorrow(&app)),
                ("days", "1"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        let (status, html) = find(
            &k.coord,
            &[
                ("kind", "consultation"),
                ("location", &k.location),
                ("inquiry", &inquiry),
                ("from", &tomorrow(&app)),
                ("days", "1"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{html}");
        let offer = first_offer(&html);
        let res = k.coord.post_form("/schedule/book", &pairs(&offer)).await;
        assert_eq!(
            res.status(),
            303,
            "{}",
            res.text().await.unwrap_or_default()
        );
        let a = rows(
            &app,
            "select inquiry_id, client_id from appointments",
            vec![],
        )
        .await;
        assert_eq!(a[0].get::<String>(0).unwrap(), inquiry);
        assert_eq!(a[0].get::<Option<String>>(1).unwrap(), None);
        let status: String = rows(&app, "select status from inquiries", vec![]).await[0]
            .get(0)
            .unwrap();
        assert_eq!(status, "consultation-booked");
        let mail = app.last_mail_to("katherine@example.org").await.unwrap();
        assert_eq!(mail.kind, "consultation-booked");
        assert!(mail.body_text.contains("08:00"), "{}", mail.body_text);
        let (_, dayview) = k
            .coord
            .get_text(&format!(
                "/schedule?location={}&day={}",
                k.location,
                tomorrow(&app)
            ))
            .await;
        assert!(
            dayview.contains("Katherine Johnson") && dayview.contains("(inquiry)"),
            "{dayview}"
        );
    }
);

app_test!(
    async fn availability_through_the_api_follows_the_same_rules(app: TestApp) {
        let k = clinic(&app).await;
        let (me, _) = app.signed_in_as(&[Role::Clinician]).await;
        let token = app.token(&me).await;
        let http = reqwest::Client::new();
        let mine = serde_json::json!({"owner_kind": "user", "owner_id": me.id.to_string(), "location": k.location, "weekday": "tuesday", "start": "09:00", "end": "12:00"});
        let res = http
            .post(app.url("/api/v1/availability"))
            .bearer_auth(&token)
            .json(&mine)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let mut theirs = mine.clone();
        theirs["owner_id"] = serde_json::json!(k.clinician);
        let res = http
            .post(app.url("/api/v1/availability"))
            .bearer_auth(&token)
            .json(&theirs)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let mut bad = mine.clone();
        bad["end"] = serde_json::json!("25:00");
        let res = http
            .post(app.url("/api/v1/availability"))
            .bearer_auth(&token)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        assert_eq!(
            res.json::<serde_json::Value>().await.unwrap()["field"],
            "end"
        );
        let res = http
            .get(app.url("/api/v1/availability"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let owners: Vec<serde_json::Value> = res.json().await.unwrap();
        assert_eq!(owners.len(), 1, "a clinician sees only their own hours");
        assert_eq!(owners[0]["rules"][0]["weekday"], "tuesday");
    }
);
