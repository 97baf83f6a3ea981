//! Private calendar feeds: a staff member's and a client's appointments as
//! iCalendar, read back with an independent parser (the `icalendar` crate), in
//! local time with a VTIMEZONE on both sides of the US fall-back change, without
//! clinical detail, and refused (404) for made-up, revoked or replaced tokens.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use icalendar::parser::{Component, read_calendar, unfold};
use threshold_domain::Role;
use threshold_service::locations::LocationForm;
use threshold_store::{Row, Value};
use threshold_testkit::{Client, TestApp, app_test, location};

const ZONE: &str = "America/Los_Angeles";

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
    coord: Client,
    clinician_id: String,
    clinician: Client,
}

/// Moves the clock to 2026-10-20 10:00 in Los Angeles (daylight time, twelve
/// days before the fall-back change) and sets up a location there with a room,
/// a clinician free every day 10:00–18:00 local, and a signed-in coordinator.
async fn clinic(app: &TestApp) -> Clinic {
    app.clock.set("2026-10-20T17:00:00Z".parse().unwrap());
    let location = app
        .services
        .create_location(
            threshold_service::Actor::System,
            &LocationForm {
                name: "Portland".into(),
                time_zone: ZONE.into(),
                address: "1 Main St\nSuite 4".into(),
                phone: String::new(),
                active: true,
            },
        )
        .await
        .unwrap();
    app.services
        .create_room(
            threshold_service::Actor::System,
            location,
            &threshold_service::locations::RoomForm {
                name: "Willow".into(),
                capacity: "1".into(),
                iv_capable: false,
                group_capable: false,
                active: true,
            },
        )
        .await
        .unwrap();
    let (clin, clinician) = app.signed_in_as(&[Role::Clinician]).await;
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
                    start: "10:00".into(),
                    end: "18:00".into(),
                },
            )
            .await
            .unwrap();
    }
    Clinic {
        location: location.to_string(),
        coord,
        clinician_id: clin.id.to_string(),
        clinician,
    }
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
                .unwrap_or("");
            (name, unescape(value))
        })
        .collect()
}

/// Undoes askama's HTML escaping of an attribute value.
fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').map(|j| i + j).unwrap();
        let entity = &rest[i + 1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            e if e.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&e[2..], 16).unwrap()).unwrap()
            }
            e if e.starts_with('#') => char::from_u32(e[1..].parse().unwrap()).unwrap(),
            e => panic!("entity {e}"),
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Books the first slot the finder offers on `day` (local) for the client: a
/// preparation session with the clinician, at 10:00 local.
async fn book_first(k: &Clinic, client: &str, day: &str) {
    let res = k
        .coord
        .post_form(
            "/schedule/find",
            &[
                ("kind", "preparation"),
                ("location", &k.location),
                ("client", client),
                ("from", day),
                ("days", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let offer = first_offer(&res.text().await.unwrap());
    let fields: Vec<(&str, &str)> = offer
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = k.coord.post_form("/schedule/book", &fields).await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

/// Creates the browser's person's feed on the account page; the feed's path.
async fn create_feed(c: &Client, app: &TestApp) -> String {
    let res = c.post_form("/account/calendar-feed", &[]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let marker = "readonly value=\"";
    let i = html
        .find(marker)
        .unwrap_or_else(|| panic!("no feed address shown: {html}"));
    let rest = &html[i + marker.len()..];
    let url = unescape(&rest[..rest.find('"').unwrap()]);
    assert!(html.contains("keep it private"), "{html}");
    assert!(url.starts_with(&app.url("/calendar/")) && url.ends_with(".ics"));
    url.trim_start_matches(&app.addr).to_owned()
}

/// Fetches a feed anonymously (as a calendar program would): its status and body.
async fn fetch(app: &TestApp, path: &str) -> (u16, String) {
    app.client().get_text(path).await
}

fn prop<'a>(c: &'a Component<'a>, name: &str) -> &'a icalendar::parser::Property<'a> {
    c.find_prop(name)
        .unwrap_or_else(|| panic!("{} has no {name}", c.name.as_str()))
}

fn param<'a>(p: &'a icalendar::parser::Property<'a>, key: &str) -> Option<&'a str> {
    p.params
        .iter()
        .find(|x| x.key.as_str() == key)
        .and_then(|x| x.val.as_ref().map(|v| v.as_str()))
}

/// The UTC offset (seconds) a VTIMEZONE gives a local time: that of the
/// observance with the latest onset at or before it.
fn offset_at(tz: &Component<'_>, local: &str) -> i64 {
    let onset = |c: &Component<'_>| prop(c, "DTSTART").val.as_str().to_owned();
    let obs = tz
        .components
        .iter()
        .filter(|c| onset(c).as_str() <= local)
        .max_by_key(|c| onset(c))
        .expect("an observance in force");
    let to = prop(obs, "TZOFFSETTO").val.as_str();
    let sign = if to.starts_with('-') { -1 } else { 1 };
    sign * (to[1..3].parse::<i64>().unwrap() * 3600 + to[3..5].parse::<i64>().unwrap() * 60)
}

/// Parses a feed with the `icalendar` crate and checks what every feed must
/// hold. Returns its events as (local DTSTART, local DTEND, UTC start seconds
/// by the feed's own VTIMEZONE, SUMMARY).
fn parse_feed(body: &str) -> Vec<(String, String, i64, String)> {
    assert!(
        body.split('\n').all(|l| l.is_empty() || l.ends_with('\r')),
        "every line ends with CRLF"
    );
    assert!(
        body.split("\r\n").all(|l| l.len() <= 75),
        "lines are folded at 75 octets"
    );
    let unfolded = unfold(body);
    let cal = read_calendar(&unfolded).unwrap_or_else(|e| panic!("{e}\n{body}"));
    assert_eq!(
        cal.properties
            .iter()
            .find(|p| p.name.as_str() == "VERSION")
            .map(|p| p.val.as_str()),
        Some("2.0")
    );
    let tz = cal
        .components
        .iter()
        .find(|c| c.name.as_str() == "VTIMEZONE")
        .expect("a VTIMEZONE");
    assert_eq!(prop(tz, "TZID").val.as_str(), ZONE);
    let standard = tz
        .components
        .iter()
        .find(|c| c.name.as_str() == "STANDARD")
        .expect("a STANDARD part");
    let daylight = tz
        .components
        .iter()
        .find(|c| c.name.as_str() == "DAYLIGHT")
        .expect("a DAYLIGHT part");
    assert_eq!(prop(standard, "TZOFFSETTO").val.as_str(), "-0800");
    assert_eq!(prop(standard, "TZOFFSETFROM").val.as_str(), "-0700");
    assert_eq!(prop(daylight, "TZOFFSETTO").val.as_str(), "-0700");
    assert_eq!(prop(daylight, "TZOFFSETFROM").val.as_str(), "-0800");
    cal.components
        .iter()
        .filter(|c| c.name.as_str() == "VEVENT")
        .map(|e| {
            assert!(prop(e, "UID").val.as_str().ends_with("@threshold"));
            assert!(prop(e, "DTSTAMP").val.as_str().ends_with('Z'));
            let start = prop(e, "DTSTART");
            let end = prop(e, "DTEND");
            assert_eq!(param(start, "TZID"), Some(ZONE));
            assert_eq!(param(end, "TZID"), Some(ZONE));
            let local = start.val.as_str().to_owned();
            let civil: jiff::civil::DateTime = jiff::fmt::strtime::parse("%Y%m%dT%H%M%S", &local)
                .unwrap()
                .to_datetime()
                .unwrap();
            let utc = civil
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp()
                .as_second()
                - offset_at(tz, &local);
            (
                local,
                end.val.as_str().to_owned(),
                utc,
                prop(e, "SUMMARY").val.as_str().to_owned(),
            )
        })
        .collect()
}

/// The booked appointments' starts, seconds since the epoch, soonest first.
async fn booked_starts(app: &TestApp) -> Vec<i64> {
    rows(
        app,
        "select starts_at from appointments where status = 'booked' order by starts_at",
        vec![],
    )
    .await
    .iter()
    .map(|r| r.get::<jiff::Timestamp>(0).unwrap().as_second())
    .collect()
}

app_test!(
    async fn a_staff_feed_shows_both_sides_of_the_fall_back_change_at_10_local_without_clinical_detail(
        app: TestApp,
    ) {
        let k = clinic(&app).await;
        let (_, cl) = app
            .portal_client(&k.coord, "Ada Lovelace", "ada@example.org")
            .await;
        book_first(&k, &cl, "2026-10-21").await;
        book_first(&k, &cl, "2026-11-03").await;
        let path = create_feed(&k.clinician, &app).await;
        let res = app.client().get(&path).await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["content-type"],
            "text/calendar; charset=utf-8"
        );
        assert_eq!(res.headers()["cache-control"], "no-store");
        let body = res.text().await.unwrap();
        let events = parse_feed(&body);
        assert_eq!(events.len(), 2, "{body}");
        // 10:00 local on both sides of 2026-11-01, and the feed's own VTIMEZONE
        // turns each into the instant that was booked (17:00Z, then 18:00Z).
        assert_eq!(events[0].0, "20261021T100000");
        assert_eq!(events[0].1, "20261021T110000");
        assert_eq!(events[1].0, "20261103T100000");
        assert_eq!(events[1].1, "20261103T110000");
        assert_eq!(
            events.iter().map(|e| e.2).collect::<Vec<_>>(),
            booked_starts(&app).await
        );
        for e in &events {
            assert_eq!(e.3, "Appointment · Threshold Test Clinic");
        }
        let lower = unfold(&body).to_lowercase();
        for word in ["preparation", "lovelace", "willow", "depression"] {
            assert!(!lower.contains(word), "{word} in the staff feed: {body}");
        }
        assert!(unfold(&body).contains("LOCATION:Portland\\, 1 Main St\\, Suite 4"));
        // The read is audited with the owner as subject and without the token.
        let token = path
            .trim_start_matches("/calendar/")
            .trim_end_matches(".ics")
            .to_owned();
        let audited = rows(
            &app,
            "select subject_type, subject_ids, coalesce(detail, '') from audit_log
             where action = 'schedule.calendar-viewed' and detail = 'calendar feed'",
            vec![],
        )
        .await;
        assert_eq!(audited.len(), 1);
        assert_eq!(audited[0].get::<String>(0).unwrap(), "user");
        assert_eq!(audited[0].get::<String>(1).unwrap(), k.clinician_id);
        let leaked = rows(
            &app,
            "select count(*) from audit_log where subject_ids like $1 or detail like $1",
            vec![format!("%{token}%").into()],
        )
        .await[0]
            .get::<i64>(0)
            .unwrap();
        assert_eq!(leaked, 0, "the token is never in the audit trail");
    }
);

app_test!(
    async fn a_clients_feed_lists_their_booked_appointment_in_local_time(app: TestApp) {
        let k = clinic(&app).await;
        let (ada, cl) = app
            .portal_client(&k.coord, "Ada Lovelace", "ada@example.org")
            .await;
        let (_, other) = app
            .portal_client(&k.coord, "Grace Hopper", "grace@example.org")
            .await;
        book_first(&k, &cl, "2026-11-03").await;
        book_first(&k, &other, "2026-11-04").await;
        let (_, portal) = ada.get_text("/portal").await;
        assert!(portal.contains("Calendar feed"), "{portal}");
        let path = create_feed(&ada, &app).await;
        let (status, body) = fetch(&app, &path).await;
        assert_eq!(status, 200);
        let events = parse_feed(&body);
        assert_eq!(events.len(), 1, "only Ada's own appointment: {body}");
        assert_eq!(events[0].0, "20261103T100000");
        assert_eq!(events[0].3, "Appointment · Threshold Test Clinic");
        assert!(!body.to_lowercase().contains("preparation"), "{body}");
        assert!(!body.contains("Grace"), "{body}");
        let (_, portal) = ada.get_text("/portal").await;
        assert!(portal.contains("Your calendar feed is on"), "{portal}");
    }
);

app_test!(
    async fn made_up_revoked_and_replaced_feed_tokens_answer_404_and_nobody_elses_feed_changes(
        app: TestApp,
    ) {
        let k = clinic(&app).await;
        let (ada, cl) = app
            .portal_client(&k.coord, "Ada Lovelace", "ada@example.org")
            .await;
        book_first(&k, &cl, "2026-10-22").await;
        let staff_feed = create_feed(&k.clinician, &app).await;
        let client_feed = create_feed(&ada, &app).await;
        assert_ne!(staff_feed, client_feed);
        for made_up in [
            "/calendar/notatoken.ics".to_owned(),
            format!("/calendar/{}.ics", "A".repeat(43)),
            staff_feed.trim_end_matches(".ics").to_owned(),
            format!("{staff_feed}x"),
        ] {
            let (status, body) = fetch(&app, &made_up).await;
            assert_eq!(status, 404, "{made_up}");
            assert!(!body.contains("BEGIN:VCALENDAR") && !body.contains("revoked"));
        }
        // A new feed replaces the old: the old address stops working.
        let renewed = create_feed(&k.clinician, &app).await;
        assert_ne!(renewed, staff_feed);
        assert_eq!(fetch(&app, &staff_feed).await.0, 404);
        assert_eq!(fetch(&app, &renewed).await.0, 200);
        assert_eq!(
            app.count("select count(*) from calendar_feeds where revoked_at is null")
                .await,
            2,
            "one active feed per person"
        );
        // Revoking is one's own: the staff member's revocation leaves Ada's feed.
        let res = k
            .clinician
            .post_form("/account/calendar-feed/revoke", &[])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/account?done=feed-revoked");
        assert_eq!(fetch(&app, &renewed).await.0, 404);
        let (status, body) = fetch(&app, &client_feed).await;
        assert_eq!(status, 200);
        assert_eq!(parse_feed(&body).len(), 1);
        let (_, page) = k.clinician.get_text("/account").await;
        assert!(page.contains("You have no calendar feed"), "{page}");
        // Only hashes are stored.
        let token = client_feed
            .trim_start_matches("/calendar/")
            .trim_end_matches(".ics")
            .to_owned();
        assert_eq!(
            rows(
                &app,
                "select count(*) from calendar_feeds where token_hash = $1",
                vec![token.into()],
            )
            .await[0]
                .get::<i64>(0)
                .unwrap(),
            0
        );
        // A revocation without a session is refused and changes nothing.
        let res = app
            .client()
            .post_form("/account/calendar-feed/revoke", &[])
            .await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/signin"));
        assert_eq!(fetch(&app, &client_feed).await.0, 200);
    }
);
