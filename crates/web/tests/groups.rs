//! Groups and the rest of scheduling, on the demo clinic: the roster of a group
//! medicine session (who may join, capacity, attendance), integration circle
//! series with enrolled and drop-in members, the waitlist offering a freed
//! place, rescheduling in one action, the week view, and the same through
//! `/api/v1`. Every refusal is checked to have changed nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use threshold_domain::{Role, RoleSet};
use threshold_service::Principal;
use threshold_service::principal::Via;
use threshold_testkit::{Client, TestApp, app_test};

const COORDINATOR: &str = "coordinator@demo.threshold.test";
const CLINICIAN: &str = "clinician@demo.threshold.test";
const PHYSICIAN: &str = "physician@demo.threshold.test";

async fn one(app: &TestApp, sql: &str, params: Vec<threshold_store::Value>) -> String {
    app.rows(sql, params).await[0].get::<String>(0).unwrap()
}

async fn client_id(app: &TestApp, name: &str) -> String {
    one(
        app,
        "select id from clients where name = $1",
        vec![name.into()],
    )
    .await
}

async fn group_session(app: &TestApp) -> String {
    one(
        app,
        "select id from appointments where kind = 'group-medicine-session'",
        vec![],
    )
    .await
}

async fn members(app: &TestApp, appointment: &str) -> Vec<String> {
    app.rows(
        "select cl.name from appointment_members m join clients cl on cl.id = m.client_id
         where m.appointment_id = $1 order by cl.name",
        vec![appointment.into()],
    )
    .await
    .iter()
    .map(|r| r.get::<String>(0).unwrap())
    .collect()
}

/// A demo client acting through the services (demo clients have no password).
async fn as_client(app: &TestApp, name: &str) -> Principal {
    let user: String = one(
        app,
        "select user_id from clients where name = $1",
        vec![name.into()],
    )
    .await;
    Principal {
        user_id: user.parse().unwrap(),
        email: String::new(),
        name: name.into(),
        roles: RoleSet::of(&[Role::Client]),
        via: Via::Token {
            id: threshold_domain::ids::TokenId::new(),
        },
        meta: Default::default(),
    }
}

/// The `n`th (from 0) hidden field `name`'s value on a page.
fn value_of(page: &str, name: &str, n: usize) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let mut rest = page;
    for _ in 0..n {
        let i = rest.find(&marker).expect("the field");
        rest = &rest[i + marker.len()..];
    }
    let i = rest.find(&marker).expect("the field") + marker.len();
    rest[i..i + rest[i..].find('"').unwrap()].to_owned()
}

async fn demo(app: &TestApp) -> Client {
    assert!(app.services.seed_demo().await.unwrap());
    app.demo_signed_in(COORDINATOR).await
}

app_test!(
    async fn a_group_takes_only_eligible_members_up_to_its_capacity(app: TestApp) {
        let coord = demo(&app).await;
        let group = group_session(&app).await;
        let roster_url = format!("/schedule/appointments/{group}");
        let (status, page) = coord.get_text(&roster_url).await;
        assert_eq!(status, 200);
        for name in ["Noa Silva", "Kai Thompson", "Sky Morales", "Lee Moreau"] {
            assert!(page.contains(name), "{name} on the roster: {page}");
        }
        assert!(page.contains("Roster: 4 of 8 places"), "{page}");
        assert_eq!(page.matches(">Ready<").count(), 4, "{page}");
        // The view is in the audit trail, naming the members.
        assert!(
            app.count("select count(*) from audit_log where action = 'group.roster-viewed'")
                .await
                >= 1
        );

        // Chris Park's plan is individual and he signed no group agreement.
        let chris = client_id(&app, "Chris Park").await;
        let res = coord
            .post_form(&format!("{roster_url}/members"), &[("client", &chris)])
            .await;
        assert_eq!(res.status(), 409);
        let page = res.text().await.unwrap();
        assert!(
            page.contains("the plan is for individual sessions"),
            "{page}"
        );
        assert!(
            page.contains("the group confidentiality agreement is not signed"),
            "{page}"
        );
        // Eli Brooks was deferred: not ready at all.
        let eli = client_id(&app, "Eli Brooks").await;
        let res = coord
            .post_form(&format!("{roster_url}/members"), &[("client", &eli)])
            .await;
        assert_eq!(res.status(), 409);
        // Someone already on it; and ids that are not clients.
        let noa = client_id(&app, "Noa Silva").await;
        let res = coord
            .post_form(&format!("{roster_url}/members"), &[("client", &noa)])
            .await;
        assert_eq!(res.status(), 409);
        let res = coord
            .post_form(
                &format!("{roster_url}/members"),
                &[("client", "' or 1=1 --")],
            )
            .await;
        assert_eq!(res.status(), 422);
        let res = coord
            .post_form(
                &format!("{roster_url}/members"),
                &[("client", &uuid::Uuid::now_v7().to_string())],
            )
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(members(&app, &group).await.len(), 4, "nothing changed");
        // Each refusal read the client's record, so each is in the audit trail.
        assert!(
            app.count(
                "select count(*) from audit_log where action = 'group.roster-changed' and outcome = 'denied'"
            )
            .await
                >= 2
        );

        // A smaller room: three places. Take Lee off, and he cannot come back.
        app.services
            .db
            .write({
                let g = group.clone();
                move |c| {
                    c.execute(
                        "update appointments set capacity = 3 where id = $1",
                        &[g.as_str().into()],
                    )
                }
            })
            .await
            .unwrap();
        let lee = client_id(&app, "Lee Moreau").await;
        let res = coord
            .post_form(&format!("{roster_url}/members/{lee}/remove"), &[])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            app.count(
                "select count(*) from resource_cells where resource like 'client:%' and appointment_id in
                   (select id from appointments where kind = 'group-medicine-session')"
            )
            .await,
            3 * 42,
            "three members' 210 minutes in 5-minute cells"
        );
        let res = coord
            .post_form(&format!("{roster_url}/members"), &[("client", &lee)])
            .await;
        assert_eq!(res.status(), 409);
        assert!(res.text().await.unwrap().contains("The group is full"));

        // Lee waits for this group; when Sky leaves, Lee is offered the place.
        let res = coord
            .post_form(
                "/schedule/waitlist",
                &[("client", &lee), ("appointment", &group)],
            )
            .await;
        assert_eq!(res.status(), 303);
        let (_, page) = coord.get_text(&roster_url).await;
        assert!(page.contains("Waitlist for this group"), "{page}");
        let sky = client_id(&app, "Sky Morales").await;
        let res = coord
            .post_form(&format!("{roster_url}/members/{sky}/remove"), &[])
            .await;
        assert_eq!(res.status(), 303);
        let offer = one(
            &app,
            "select id from waitlist where client_id = $1 and status = 'offered'",
            vec![lee.as_str().into()],
        )
        .await;
        let mail = app
            .last_mail_to("lee.moreau@example.org")
            .await
            .expect("the offer is mailed");
        assert!(mail.subject.contains("a place has opened up"));
        assert!(!mail.body_text.contains("medicine"), "{}", mail.body_text);
        // Another client cannot take Lee's offer.
        let kai = as_client(&app, "Kai Thompson").await;
        assert!(matches!(
            app.services.accept_offer(&kai, &offer).await,
            Err(threshold_service::Error::NotFound)
        ));
        let lee_p = as_client(&app, "Lee Moreau").await;
        app.services.accept_offer(&lee_p, &offer).await.unwrap();
        assert_eq!(
            members(&app, &group).await,
            ["Kai Thompson", "Lee Moreau", "Noa Silva"]
        );
        assert_eq!(
            one(
                &app,
                "select status from waitlist where id = $1",
                vec![offer.as_str().into()]
            )
            .await,
            "accepted"
        );
    }
);

app_test!(
    async fn facilitators_see_their_group_and_take_attendance_once_it_starts(app: TestApp) {
        let _ = demo(&app).await;
        let group = group_session(&app).await;
        let facilitators: Vec<String> = app
            .rows(
                "select u.email from appointment_people p join users u on u.id = p.user_id
                 where p.appointment_id = $1 order by u.email",
                vec![group.as_str().into()],
            )
            .await
            .iter()
            .map(|r| r.get::<String>(0).unwrap())
            .collect();
        assert_eq!(
            facilitators,
            [CLINICIAN, "facilitator@demo.threshold.test"],
            "two facilitators"
        );
        let clin = app.demo_signed_in(CLINICIAN).await;
        let url = format!("/schedule/appointments/{group}");
        let (status, page) = clin.get_text(&url).await;
        assert_eq!(status, 200);
        assert!(page.contains("Noa Silva"));
        assert!(
            !page.contains("Add a member"),
            "facilitators do not manage the roster"
        );
        assert!(!page.contains("Waitlist"), "nor see who waits: {page}");
        let noa = client_id(&app, "Noa Silva").await;
        let res = clin
            .post_form(&format!("{url}/members/{noa}/remove"), &[])
            .await;
        assert_eq!(res.status(), 403);
        // Not yet started: no attendance.
        let res = clin
            .post_form(
                &format!("{url}/attendance"),
                &[("client", &noa), ("attendance", "attended")],
            )
            .await;
        assert_eq!(res.status(), 409);
        // A physician who is not facilitating does not see it at all.
        let phys = app.demo_signed_in(PHYSICIAN).await;
        assert_eq!(phys.get(&url).await.status(), 404);

        let starts: jiff::Timestamp = app
            .rows(
                "select starts_at from appointments where id = $1",
                vec![group.as_str().into()],
            )
            .await[0]
            .get(0)
            .unwrap();
        app.advance(starts - app.services.now() + jiff::SignedDuration::from_mins(5));
        let clin = app.demo_signed_in(CLINICIAN).await;
        let res = clin
            .post_form(
                &format!("{url}/attendance"),
                &[("client", &noa), ("attendance", "<script>")],
            )
            .await;
        assert_eq!(res.status(), 422);
        let res = clin
            .post_form(
                &format!("{url}/attendance"),
                &[("client", &noa), ("attendance", "attended")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let kai = client_id(&app, "Kai Thompson").await;
        let res = clin
            .post_form(
                &format!("{url}/attendance"),
                &[("client", &kai), ("attendance", "absent")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let got: Vec<(String, Option<String>)> = app
            .rows(
                "select cl.name, m.attendance from appointment_members m join clients cl on cl.id = m.client_id
                 where m.appointment_id = $1 order by cl.name",
                vec![group.as_str().into()],
            )
            .await
            .iter()
            .map(|r| (r.get(0).unwrap(), r.get(1).unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("Kai Thompson".to_owned(), Some("absent".to_owned())),
                ("Lee Moreau".to_owned(), None),
                ("Noa Silva".to_owned(), Some("attended".to_owned())),
                ("Sky Morales".to_owned(), None),
            ]
        );
        // Once started, the roster is closed to changes, both ways.
        let coord = app.demo_signed_in(COORDINATOR).await;
        let res = coord
            .post_form(
                &format!("{url}/members"),
                &[("client", &client_id(&app, "Chris Park").await)],
            )
            .await;
        assert_eq!(res.status(), 409);
        let res = coord
            .post_form(&format!("{url}/members/{noa}/remove"), &[])
            .await;
        assert_eq!(res.status(), 409);
        assert_eq!(members(&app, &group).await.len(), 4);
    }
);

app_test!(
    async fn a_circle_is_a_weekly_series_with_enrolled_and_drop_in_members(app: TestApp) {
        let coord = demo(&app).await;
        let meetings: Vec<String> = app
            .rows(
                "select id from appointments where kind = 'integration-circle' order by starts_at",
                vec![],
            )
            .await
            .iter()
            .map(|r| r.get::<String>(0).unwrap())
            .collect();
        assert_eq!(meetings.len(), 6, "six weekly meetings");
        let series = one(
            &app,
            "select series_id from appointments where id = $1",
            vec![meetings[0].as_str().into()],
        )
        .await;
        // The same local time each week.
        let tz = jiff::tz::TimeZone::get("America/Los_Angeles").unwrap();
        let times: Vec<String> = app
            .rows(
                "select starts_at from appointments where series_id = $1 order by starts_at",
                vec![series.as_str().into()],
            )
            .await
            .iter()
            .map(|r| {
                r.get::<jiff::Timestamp>(0)
                    .unwrap()
                    .to_zoned_datetime(tz.clone())
                    .strftime("%A %H:%M")
                    .to_string()
            })
            .collect();
        assert!(times.windows(2).all(|w| w[0] == w[1]), "{times:?}");
        // Chris is enrolled in every meeting.
        for m in &meetings {
            assert_eq!(members(&app, m).await, ["Chris Park"]);
        }
        // Alex drops in to the second meeting only.
        let noa = client_id(&app, "Noa Silva").await;
        let res = coord
            .post_form(
                &format!("/schedule/appointments/{}/members", meetings[1]),
                &[("client", &noa)],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            one(
                &app,
                "select mode from appointment_members where appointment_id = $1 and client_id = $2",
                vec![meetings[1].as_str().into(), noa.as_str().into()]
            )
            .await,
            "drop-in"
        );
        assert_eq!(members(&app, &meetings[2]).await, ["Chris Park"]);
        // Someone referred out is not in care and cannot join.
        let dana = client_id(&app, "Dana Whitfield").await;
        let res = coord
            .post_form(
                &format!("/schedule/series/{series}/enrol"),
                &[("client", &dana), ("appointment", &meetings[0])],
            )
            .await;
        assert_eq!(res.status(), 409);
        assert!(res.text().await.unwrap().contains("cannot join the circle"));
        // Chris leaves: gone from every meeting still to come.
        let chris = client_id(&app, "Chris Park").await;
        let res = coord
            .post_form(
                &format!("/schedule/series/{series}/leave"),
                &[("client", &chris), ("appointment", &meetings[0])],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            app.count("select count(*) from appointment_members m join clients c on c.id = m.client_id where c.name = 'Chris Park'")
                .await,
            0
        );
        // Enrolling Alex keeps the drop-in place and adds the others.
        let res = coord
            .post_form(
                &format!("/schedule/series/{series}/enrol"),
                &[("client", &noa), ("appointment", &meetings[0])],
            )
            .await;
        assert_eq!(res.status(), 303);
        for m in &meetings {
            assert_eq!(members(&app, m).await, ["Noa Silva"]);
        }
        let (_, page) = coord
            .get_text(&format!("/schedule/appointments/{}", meetings[0]))
            .await;
        assert!(page.contains("Weekly integration circle"), "{page}");
        assert!(page.contains("Enrolled in the circle"), "{page}");
    }
);

app_test!(
    async fn booking_a_circle_series_checks_every_week_and_its_fields(app: TestApp) {
        let coord = demo(&app).await;
        let location = one(&app, "select id from locations", vec![]).await;
        let from = app
            .services
            .now()
            .to_zoned_datetime(jiff::tz::TimeZone::get("America/Los_Angeles").unwrap())
            .date()
            .saturating_add(jiff::Span::new().days(30))
            .to_string();
        let res = coord
            .post_form(
                "/schedule/find",
                &[
                    ("kind", "integration-circle"),
                    ("location", &location),
                    ("from", &from),
                    ("days", "7"),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(page.contains("Circle name"), "{page}");
        let (start, clinicians, room) = (
            value_of(&page, "start", 0),
            value_of(&page, "clinicians", 0),
            value_of(&page, "room", 0),
        );
        let before = app.count("select count(*) from appointments").await;
        let book = |name: &'static str, weeks: &'static str| {
            let (start, clinicians, room, location) = (
                start.clone(),
                clinicians.clone(),
                room.clone(),
                location.clone(),
            );
            let coord = coord.clone();
            async move {
                coord
                    .post_form(
                        "/schedule/book",
                        &[
                            ("kind", "integration-circle"),
                            ("location", &location),
                            ("start", &start),
                            ("clinicians", &clinicians),
                            ("room", &room),
                            ("name", name),
                            ("weeks", weeks),
                        ],
                    )
                    .await
            }
        };
        let res = book("Evening circle", "99").await;
        assert_eq!(res.status(), 422);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("between 1 and 26 weekly meetings")
        );
        let res = book("", "3").await;
        assert_eq!(res.status(), 422);
        assert_eq!(app.count("select count(*) from appointments").await, before);
        let res = book("<script>alert(1)</script>", "3").await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            app.count("select count(*) from appointments").await,
            before + 3
        );
        let first = one(
            &app,
            "select a.id from appointments a join circle_series s on s.id = a.series_id
             where s.name = '<script>alert(1)</script>' order by a.starts_at",
            vec![],
        )
        .await;
        let (_, page) = coord
            .get_text(&format!("/schedule/appointments/{first}"))
            .await;
        assert!(!page.contains("<script>alert(1)</script>"));
        assert!(page.contains("&#60;script&#62;alert(1)"), "{page}");
        // The same people and room are now taken: the same series again is refused whole.
        let res = book("Second circle", "3").await;
        assert_eq!(res.status(), 409);
        assert_eq!(
            app.count("select count(*) from appointments").await,
            before + 3
        );
    }
);

app_test!(
    async fn an_iv_group_needs_an_iv_capable_room_and_a_partner(app: TestApp) {
        let coord = demo(&app).await;
        let location = one(&app, "select id from locations", vec![]).await;
        let oak = one(
            &app,
            "select id from rooms where name = 'Oak group room'",
            vec![],
        )
        .await;
        let partner = one(&app, "select id from partner_organisations", vec![]).await;
        let people: Vec<String> = app
            .rows(
                "select p.user_id from appointment_people p join appointments a on a.id = p.appointment_id
                 where a.kind = 'group-medicine-session'",
                vec![],
            )
            .await
            .iter()
            .map(|r| r.get::<String>(0).unwrap())
            .collect();
        let start = (app.services.now() + jiff::SignedDuration::from_hours(24 * 20)).to_string();
        let before = app.count("select count(*) from appointments").await;
        let res = coord
            .post_form(
                "/schedule/find",
                &[
                    ("kind", "group-medicine-session"),
                    ("location", &location),
                    ("route", "iv"),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
        assert!(
            res.text().await.unwrap().contains("No time in this window"),
            "no IV-capable group room at the demo clinic"
        );
        let res = coord
            .post_form(
                "/schedule/book",
                &[
                    ("kind", "group-medicine-session"),
                    ("location", &location),
                    ("route", "iv"),
                    ("start", &start),
                    ("clinicians", &people.join(",")),
                    ("room", &oak),
                    ("partner", &partner),
                ],
            )
            .await;
        assert_eq!(res.status(), 409);
        let res = coord
            .post_form(
                "/schedule/book",
                &[
                    ("kind", "group-medicine-session"),
                    ("location", &location),
                    ("route", "intramuscular"),
                    ("start", &start),
                    ("clinicians", &people.join(",")),
                    ("room", &oak),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        // A group is booked without a client.
        let chris = client_id(&app, "Chris Park").await;
        let res = coord
            .post_form(
                "/schedule/find",
                &[
                    ("kind", "group-medicine-session"),
                    ("location", &location),
                    ("client", &chris),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert_eq!(app.count("select count(*) from appointments").await, before);
    }
);

app_test!(
    async fn rescheduling_moves_an_appointment_in_one_action(app: TestApp) {
        let coord = demo(&app).await;
        let session = one(
            &app,
            "select id from appointments where kind = 'medicine-session'",
            vec![],
        )
        .await;
        let old_start: jiff::Timestamp = app
            .rows(
                "select starts_at from appointments where id = $1",
                vec![session.as_str().into()],
            )
            .await[0]
            .get(0)
            .unwrap();
        let day = old_start
            .to_zoned_datetime(jiff::tz::TimeZone::get("America/Los_Angeles").unwrap())
            .date()
            .to_string();
        let url = format!("/schedule/appointments/{session}/reschedule");
        let (status, page) = coord.get_text(&format!("{url}?from={day}&days=3")).await;
        assert_eq!(status, 200);
        // Its own time is offered again: the finder ignores the appointment it moves.
        assert!(
            page.contains(&format!("name=\"start\" value=\"{old_start}\"")),
            "{page}"
        );
        // A window that is not a date: the page again, naming the field, no times.
        let (status, bad) = coord
            .get_text(&format!("{url}?from=yesterday&days=3"))
            .await;
        assert_eq!(status, 200);
        assert!(bad.contains("Enter the first day to search"), "{bad}");
        assert!(!bad.contains("Move here"), "{bad}");
        // The second offer: a quarter of an hour later, overlapping the old time.
        let new_start = &value_of(&page, "start", 1);
        let clinicians = &value_of(&page, "clinicians", 1);
        let room = &value_of(&page, "room", 1);
        // No reason: refused, nothing moved.
        let res = coord
            .post_form(
                &url,
                &[
                    ("start", new_start),
                    ("clinicians", clinicians),
                    ("room", room),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert_eq!(
            app.count("select count(*) from appointments where status = 'booked' and kind = 'medicine-session'").await,
            1
        );
        let res = coord
            .post_form(
                &url,
                &[
                    ("start", new_start),
                    ("clinicians", clinicians),
                    ("room", room),
                    ("reason", "The client's ride is only free later."),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let old = app
            .rows(
                "select status, replaced_by from appointments where id = $1",
                vec![session.as_str().into()],
            )
            .await;
        assert_eq!(old[0].get::<String>(0).unwrap(), "rescheduled");
        let new_id: String = old[0].get(1).unwrap();
        let new = app
            .rows(
                "select status, starts_at, client_id from appointments where id = $1",
                vec![new_id.as_str().into()],
            )
            .await;
        assert_eq!(new[0].get::<String>(0).unwrap(), "booked");
        assert_eq!(
            &new[0].get::<jiff::Timestamp>(1).unwrap().to_string(),
            new_start
        );
        assert_eq!(
            new[0].get::<String>(2).unwrap(),
            client_id(&app, "Chris Park").await
        );
        assert_eq!(
            app.count("select count(*) from resource_cells where appointment_id in (select id from appointments where status = 'rescheduled')").await,
            0,
            "the old time is free"
        );
        // The reason is stored encrypted, not as typed.
        assert_eq!(
            app.count("select count(*) from appointments where status_reason_enc like '%ride%'")
                .await,
            0
        );
        // Chris is told the new time, and nothing about his treatment.
        let mail = app.last_mail_to("chris.park@example.org").await.unwrap();
        assert!(mail.subject.contains("has moved to"), "{}", mail.subject);
        assert!(
            !mail.body_text.to_lowercase().contains("medicine"),
            "{}",
            mail.body_text
        );
        // Moving it again, or a group, is refused.
        let res = coord
            .post_form(&url, &[("start", new_start), ("reason", "Again.")])
            .await;
        assert_eq!(res.status(), 409);
        let group = group_session(&app).await;
        let res = coord
            .get(&format!("/schedule/appointments/{group}/reschedule"))
            .await;
        assert_eq!(res.status(), 409);
    }
);

app_test!(
    async fn a_cancelled_time_is_offered_to_the_next_person_waiting(app: TestApp) {
        let coord = demo(&app).await;
        let location = one(&app, "select id from locations", vec![]).await;
        let (ada, ada_id) = app
            .portal_client(&coord, "Ada Lovelace", "ada@example.org")
            .await;
        let (grace, grace_id) = app
            .portal_client(&coord, "Grace Hopper", "grace@example.org")
            .await;
        let jordan = client_id(&app, "Jordan Lee").await;
        // Jordan has a preparation appointment; Ada and then Grace wait for one.
        let offers = app
            .services
            .find_times(
                &as_coordinator(&app).await,
                &threshold_service::schedule::SlotSearch {
                    kind: "preparation".into(),
                    location: location.clone(),
                    client: jordan.clone(),
                    limit: "1".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let s = &offers[0].slot;
        let appt = app
            .services
            .book(
                &as_coordinator(&app).await,
                &threshold_service::schedule::BookingForm {
                    kind: "preparation".into(),
                    location: location.clone(),
                    client: jordan.clone(),
                    start: s.start.to_string(),
                    clinicians: s.clinicians.clone(),
                    room: s.room.clone().unwrap_or_default(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        for who in [&ada_id, &grace_id] {
            let res = coord
                .post_form(
                    "/schedule/waitlist",
                    &[
                        ("client", who),
                        ("kind", "preparation"),
                        ("location", &location),
                    ],
                )
                .await;
            assert_eq!(res.status(), 303);
        }
        // Twice for the same thing is refused.
        let res = coord
            .post_form(
                "/schedule/waitlist",
                &[
                    ("client", &ada_id),
                    ("kind", "preparation"),
                    ("location", &location),
                ],
            )
            .await;
        assert_eq!(res.status(), 409);
        let (_, page) = coord.get_text("/schedule/waitlist").await;
        assert!(
            page.contains("Ada Lovelace") && page.contains("Grace Hopper"),
            "{page}"
        );
        // Jordan cancels: Ada, the longest waiting, is offered the time.
        let res = coord
            .post_form(
                &format!("/appointments/{appt}/close"),
                &[("status", "cancelled"), ("reason", "Unwell.")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let told = app.last_mail_to("jordan.lee@example.org").await.unwrap();
        assert!(told.subject.contains("is cancelled"), "{}", told.subject);
        let mail = app.last_mail_to("ada@example.org").await.unwrap();
        assert!(
            mail.subject.contains("a place has opened up"),
            "{}",
            mail.subject
        );
        assert_eq!(
            app.count("select count(*) from waitlist where status = 'offered'")
                .await,
            1,
            "only the first person waiting is offered it"
        );
        let (_, portal) = ada.get_text("/portal").await;
        assert!(portal.contains("A place has opened up for you"), "{portal}");
        let offer = one(
            &app,
            "select id from waitlist where client_id = $1",
            vec![ada_id.as_str().into()],
        )
        .await;
        // Grace cannot answer Ada's offer.
        let res = grace
            .post_form(&format!("/portal/offers/{offer}/accept"), &[])
            .await;
        assert_eq!(res.status(), 404);
        // Ada declines; Grace is offered it and accepts.
        let res = ada
            .post_form(&format!("/portal/offers/{offer}/decline"), &[])
            .await;
        assert_eq!(res.status(), 303);
        let grace_offer = one(
            &app,
            "select id from waitlist where client_id = $1 and status = 'offered'",
            vec![grace_id.as_str().into()],
        )
        .await;
        let res = grace
            .post_form(&format!("/portal/offers/{grace_offer}/accept"), &[])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            threshold_testkit::location(&res),
            "/portal?done=offer-accepted"
        );
        let booked = app
            .rows(
                "select starts_at from appointments where client_id = $1 and status = 'booked'",
                vec![grace_id.as_str().into()],
            )
            .await;
        assert_eq!(booked.len(), 1);
        assert_eq!(booked[0].get::<jiff::Timestamp>(0).unwrap(), s.start);
        let (_, portal) = grace.get_text("/portal").await;
        assert!(portal.contains("Your appointments"), "{portal}");
        assert!(
            !portal.contains("A place has opened up for you"),
            "{portal}"
        );
        // Accepting twice books nothing more.
        let res = grace
            .post_form(&format!("/portal/offers/{grace_offer}/accept"), &[])
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(
            app.rows(
                "select id from appointments where client_id = $1 and status = 'booked'",
                vec![grace_id.as_str().into()],
            )
            .await
            .len(),
            1
        );

        // An offer left unanswered lapses after a day.
        let res = coord
            .post_form(
                "/schedule/waitlist",
                &[
                    ("client", &ada_id),
                    ("kind", "preparation"),
                    ("location", &location),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let res = coord
            .post_form(
                &format!("/appointments/{}/close", booked_id(&app, &grace_id).await),
                &[("status", "cancelled"), ("reason", "Travelling.")],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            app.count("select count(*) from waitlist where status = 'offered'")
                .await,
            1
        );
        assert_eq!(app.services.lapse_offers().await.unwrap(), 0, "not yet");
        app.advance(jiff::SignedDuration::from_hours(25));
        assert_eq!(app.services.lapse_offers().await.unwrap(), 1);
        assert_eq!(
            app.count("select count(*) from waitlist where status = 'lapsed'")
                .await,
            1
        );
        // An acceptance whose request died after claiming the offer is settled:
        // Grace's booking from it was cancelled, so she is back to waiting.
        let stuck = one(
            &app,
            "select id from waitlist where client_id = $1 and status = 'accepted'",
            vec![grace_id.as_str().into()],
        )
        .await;
        let long_ago = app.services.now() - jiff::SignedDuration::from_hours(1);
        app.services
            .db
            .write({
                let stuck = stuck.clone();
                move |c| {
                    c.execute(
                        "update waitlist set status = 'accepting', updated_at = $2 where id = $1",
                        &[stuck.as_str().into(), long_ago.into()],
                    )
                }
            })
            .await
            .unwrap();
        app.services.lapse_offers().await.unwrap();
        assert_eq!(
            one(
                &app,
                "select status from waitlist where id = $1",
                vec![stuck.as_str().into()]
            )
            .await,
            "waiting"
        );
    }
);

async fn booked_id(app: &TestApp, client: &str) -> String {
    one(
        app,
        "select id from appointments where client_id = $1 and status = 'booked'",
        vec![client.into()],
    )
    .await
}

async fn as_coordinator(app: &TestApp) -> Principal {
    let user: String = one(
        app,
        "select id from users where email = $1",
        vec![COORDINATOR.into()],
    )
    .await;
    Principal {
        user_id: user.parse().unwrap(),
        email: COORDINATOR.into(),
        name: "Casey Coordinator".into(),
        roles: RoleSet::of(&[Role::Coordinator]),
        via: Via::Token {
            id: threshold_domain::ids::TokenId::new(),
        },
        meta: Default::default(),
    }
}

app_test!(
    async fn the_week_and_groups_through_the_api(app: TestApp) {
        let coord_browser = demo(&app).await;
        let location = one(&app, "select id from locations", vec![]).await;
        let staff = threshold_testkit::Staff {
            id: one(
                &app,
                "select id from users where email = $1",
                vec![COORDINATOR.into()],
            )
            .await
            .parse()
            .unwrap(),
            email: COORDINATOR.into(),
            totp_secret: String::new(),
        };
        let token = app.token(&staff).await;
        let http = reqwest::Client::new();
        let group = group_session(&app).await;
        let starts: jiff::Timestamp = app
            .rows(
                "select starts_at from appointments where id = $1",
                vec![group.as_str().into()],
            )
            .await[0]
            .get(0)
            .unwrap();
        let day = starts
            .to_zoned_datetime(jiff::tz::TimeZone::get("America/Los_Angeles").unwrap())
            .date()
            .to_string();
        let res = http
            .get(app.url(&format!(
                "/api/v1/schedule/week?location={location}&day={day}"
            )))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let week: serde_json::Value = res.json().await.unwrap();
        assert_eq!(week.as_array().unwrap().len(), 7);
        assert_eq!(week[0]["day"], day);
        let first_day = week[0]["appointments"].as_array().unwrap();
        let g = first_day
            .iter()
            .find(|a| a["id"] == group.as_str())
            .expect("the group on its day");
        assert_eq!(g["members"], 4);
        assert_eq!(g["capacity"], 8);
        // The page shows the same week.
        let (status, page) = coord_browser
            .get_text(&format!("/schedule/week?location={location}&day={day}"))
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("Group medicine session"), "{page}");
        assert!(page.contains("4 of 8 members"), "{page}");
        let res = http
            .get(app.url("/api/v1/schedule/week?location=x&day=2026-01-01"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);

        let res = http
            .get(app.url(&format!("/api/v1/appointments/{group}/roster")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let roster: serde_json::Value = res.json().await.unwrap();
        assert_eq!(roster["members"].as_array().unwrap().len(), 4);
        assert!(
            roster["members"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["missing"].as_array().unwrap().is_empty())
        );
        let chris = client_id(&app, "Chris Park").await;
        let res = http
            .post(app.url(&format!("/api/v1/appointments/{group}/members")))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "client": chris }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 409);
        let err: serde_json::Value = res.json().await.unwrap();
        assert!(
            err.to_string().contains("group confidentiality agreement"),
            "{err}"
        );
        let res = http
            .post(app.url("/api/v1/waitlist"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "client": chris, "kind": "integration", "location": location }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let res = http
            .get(app.url("/api/v1/waitlist"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let list: serde_json::Value = res.json().await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["client"], chris.as_str());
        assert_eq!(list[0]["status"], "waiting");
        let id = list[0]["id"].as_str().unwrap();
        let res = http
            .post(app.url(&format!("/api/v1/waitlist/{id}/remove")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(
            app.count("select count(*) from waitlist where status = 'removed'")
                .await,
            1
        );
        // Leave through the API, and a feed.
        let clinician = one(
            &app,
            "select id from users where email = $1",
            vec![CLINICIAN.into()],
        )
        .await;
        let res = http
            .post(app.url("/api/v1/availability/exceptions"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "owner_kind": "user", "owner_id": clinician, "location": location,
                "kind": "leave", "from": "2027-01-04T09:00", "to": "2027-01-08T17:00"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let res = http
            .post(app.url("/api/v1/availability/exceptions"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "owner_kind": "user", "owner_id": clinician, "location": location,
                "kind": "holiday", "from": "soon", "to": "later"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        assert_eq!(
            app.count("select count(*) from availability_exceptions")
                .await,
            1
        );
        let res = http
            .post(app.url("/api/v1/account/calendar-feed"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let url = res.json::<serde_json::Value>().await.unwrap()["url"]
            .as_str()
            .unwrap()
            .to_owned();
        let ics = http.get(&url).send().await.unwrap();
        assert_eq!(ics.status(), 200);
        let res = http
            .post(app.url("/api/v1/account/calendar-feed/revoke"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let openapi: serde_json::Value = http
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for path in [
            "/api/v1/schedule/week",
            "/api/v1/appointments/{id}/roster",
            "/api/v1/appointments/{id}/reschedule",
            "/api/v1/waitlist",
            "/api/v1/series/{id}/enrolments",
        ] {
            assert!(openapi["paths"].get(path).is_some(), "{path} documented");
        }
    }
);

app_test!(
    async fn a_partners_people_keep_its_hours_and_see_its_iv_sessions(app: TestApp) {
        let coord = demo(&app).await;
        let cascade = one(&app, "select id from partner_organisations", vec![]).await;
        let partner_user = one(
            &app,
            "select id from users where email = 'partner@demo.threshold.test'",
            vec![],
        )
        .await;
        assert_eq!(
            one(
                &app,
                "select partner_id from partner_people where user_id = $1",
                vec![partner_user.as_str().into()]
            )
            .await,
            cascade,
            "the demo's medical partner is one of Cascade's people"
        );
        // Administrators see the organisation's people and set them; only a
        // medical-partner account can be one.
        let admin = app.demo_signed_in("admin@demo.threshold.test").await;
        let (_, page) = admin.get_text(&format!("/admin/partners/{cascade}")).await;
        assert!(page.contains("Jordan Partner"), "{page}");
        let clinician = one(
            &app,
            "select id from users where email = $1",
            vec![CLINICIAN.into()],
        )
        .await;
        let res = admin
            .post_form(
                &format!("/admin/users/{clinician}/partner"),
                &[("partner", &cascade)],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert_eq!(app.count("select count(*) from partner_people").await, 1);

        // The partner keeps Cascade's hours, and no one else's.
        let partner = app.demo_signed_in("partner@demo.threshold.test").await;
        let (status, page) = partner.get_text("/schedule/availability").await;
        assert_eq!(status, 200);
        assert!(page.contains("Cascade Infusion Partners"), "{page}");
        let location = one(&app, "select id from locations", vec![]).await;
        let before = app
            .count("select count(*) from availability_rules where owner_kind = 'partner'")
            .await;
        let res = partner
            .post_form(
                "/schedule/availability",
                &[
                    ("owner", &format!("partner:{cascade}")),
                    ("location", &location),
                    ("weekday", "wednesday"),
                    ("start", "08:00"),
                    ("end", "12:00"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let res = partner
            .post_form(
                "/schedule/availability",
                &[
                    ("owner", &format!("user:{clinician}")),
                    ("location", &location),
                    ("weekday", "wednesday"),
                    ("start", "08:00"),
                    ("end", "12:00"),
                ],
            )
            .await;
        assert_eq!(res.status(), 403);
        assert_eq!(
            app.count("select count(*) from availability_rules where owner_kind = 'partner'")
                .await,
            before + 1
        );

        // An IV group in a new IV-capable group room: the partner sees it on their day.
        let loc: threshold_domain::ids::LocationId = location.parse().unwrap();
        app.services
            .create_room(
                threshold_service::Actor::System,
                loc,
                &threshold_service::locations::RoomForm {
                    name: "Birch IV group room".into(),
                    capacity: "6".into(),
                    iv_capable: true,
                    group_capable: true,
                    active: true,
                },
            )
            .await
            .unwrap();
        let from = app
            .services
            .now()
            .to_zoned_datetime(jiff::tz::TimeZone::get("America/Los_Angeles").unwrap())
            .date()
            .saturating_add(jiff::Span::new().days(21))
            .to_string();
        let res = coord
            .post_form(
                "/schedule/find",
                &[
                    ("kind", "group-medicine-session"),
                    ("location", &location),
                    ("route", "iv"),
                    ("from", &from),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(page.contains("Birch IV group room"), "{page}");
        assert!(page.contains("Cascade Infusion Partners"), "{page}");
        let res = coord
            .post_form(
                "/schedule/book",
                &[
                    ("kind", "group-medicine-session"),
                    ("location", &location),
                    ("route", "iv"),
                    ("start", &value_of(&page, "start", 0)),
                    ("clinicians", &value_of(&page, "clinicians", 0)),
                    ("room", &value_of(&page, "room", 0)),
                    ("partner", &value_of(&page, "partner", 0)),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let starts: jiff::Timestamp = app
            .rows(
                "select starts_at from appointments where partner_id is not null",
                vec![],
            )
            .await[0]
            .get(0)
            .unwrap();
        let day = starts
            .to_zoned_datetime(jiff::tz::TimeZone::get("America/Los_Angeles").unwrap())
            .date();
        let (status, page) = partner.get_text(&format!("/my-day?day={day}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Group medicine session"), "{page}");
        // The same through the API, with the partner's own token.
        let staff = threshold_testkit::Staff {
            id: partner_user.parse().unwrap(),
            email: "partner@demo.threshold.test".into(),
            totp_secret: String::new(),
        };
        let token = app.token(&staff).await;
        let res = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/my-day?day={day}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["day"], day.to_string());
        assert_eq!(
            body["items"][0]["appointment"]["kind"],
            "group-medicine-session"
        );
        // A lozenge-plan member cannot join an IV group.
        let iv_group = one(
            &app,
            "select id from appointments where partner_id is not null",
            vec![],
        )
        .await;
        let noa = client_id(&app, "Noa Silva").await;
        let res = coord
            .post_form(
                &format!("/schedule/appointments/{iv_group}/members"),
                &[("client", &noa)],
            )
            .await;
        assert_eq!(res.status(), 409);
        assert!(res.text().await.unwrap().contains("is not this group"));
    }
);
