#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! What administrators manage for the care journey, through the pages and the
//! JSON API: the clinic settings (each save a new, audited version; a bad value
//! refused on its field), partner organisations, consent documents (each
//! publication a new version), and prescribers' licence details. Each action is
//! checked by what it leaves behind: rows, audit entries and the page shown.
//! (Every route's refusal of other roles is also proved in `access.rs`.)

use serde_json::{Value, json};
use threshold_domain::Role;
use threshold_store::{Row, StoreError};
use threshold_testkit::{Client, TestApp, app_test, location};

// Helpers.

async fn rows(app: &TestApp, sql: &str, args: &[&str]) -> Vec<Row> {
    let sql = sql.to_owned();
    let args: Vec<threshold_store::Value> = args
        .iter()
        .map(|a| threshold_store::Value::from(*a))
        .collect();
    app.services
        .db
        .read::<_, StoreError, _>(move |c| c.query(&sql, &args))
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str, args: &[&str]) -> i64 {
    rows(app, sql, args).await[0].get::<i64>(0).unwrap()
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    count(
        app,
        "select count(*) from audit_log where action = $1",
        &[action],
    )
    .await
}

/// The fields named in a page's error summary.
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

/// Asserts a 422 page naming `field` in its summary and beside its input.
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

/// The settings form as the page fills it, with some values changed.
async fn settings_form(admin: &Client, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let (status, page) = admin.get_text("/admin/settings").await;
    assert_eq!(status, 200);
    let mut fields: Vec<(String, String)> = page
        .split("<input id=\"")
        .skip(1)
        .map(|s| {
            let name = &s[s.find("name=\"").unwrap() + 6..];
            let name = &name[..name.find('"').unwrap()];
            let value = &s[s.find("value=\"").unwrap() + 7..];
            let value = &value[..value.find('"').unwrap()];
            (name.to_owned(), value.to_owned())
        })
        .collect();
    assert_eq!(fields.len(), 16, "every setting is on the form");
    for (k, v) in changes {
        let slot = fields
            .iter_mut()
            .find(|(n, _)| n == k)
            .unwrap_or_else(|| panic!("no input {k}"));
        slot.1 = (*v).to_owned();
    }
    fields
}

async fn post_settings(admin: &Client, changes: &[(&str, &str)]) -> reqwest::Response {
    let fields = settings_form(admin, changes).await;
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    admin.post_form("/admin/settings", &pairs).await
}

fn id_from(res: &reqwest::Response, prefix: &str) -> String {
    let to = location(res);
    let rest = to
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("redirected to {to}, not under {prefix}"));
    rest.split(['?', '/']).next().unwrap().to_owned()
}

async fn admin_token(app: &TestApp) -> String {
    let email = format!("{}@staff.test", uuid::Uuid::new_v4().simple());
    let s = app.staff(&email, &[Role::Administrator]).await;
    app.token(&s).await
}

/// A bearer-token call: `(status, body)`.
async fn api(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method.parse().unwrap(), app.url(path))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{method} {path} {status}: not JSON: {text:?}"));
    (status, v)
}

/// Fields named in a JSON error body.
fn json_fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect()
}

// A small check of a body against the served OpenAPI document: `$ref`, `type`
// (one or several), `properties` with no undocumented keys, `required`, `items`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(
            doc,
            &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        ),
        None => schema,
    }
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

fn check(doc: &Value, schema: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    assert!(!schema.is_null(), "{at}: the schema does not resolve");
    match schema.get("type") {
        Some(Value::String(t)) if !type_ok(t, v) => out.push(format!("{at}: {v} is not {t}")),
        Some(Value::Array(ts)) if !ts.iter().filter_map(Value::as_str).any(|t| type_ok(t, v)) => {
            out.push(format!("{at}: {v} is none of {ts:?}"))
        }
        _ => {}
    }
    if let (Some(props), Some(obj)) = (
        schema.get("properties").and_then(Value::as_object),
        v.as_object(),
    ) {
        for (k, x) in obj {
            match props.get(k) {
                Some(s) => check(doc, s, x, &format!("{at}.{k}"), out),
                None => out.push(format!("{at}: {k:?} is not documented")),
            }
        }
        for r in schema["required"].as_array().into_iter().flatten() {
            if !obj.contains_key(r.as_str().unwrap()) {
                out.push(format!("{at}: required {r} missing"));
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            check(doc, items, x, &format!("{at}[{i}]"), out);
        }
    }
}

/// Asserts `body` is what the document says `method path` answers with `status`.
async fn assert_documented(app: &TestApp, method: &str, path: &str, status: u16, body: &Value) {
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schema = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(
        !schema.is_null(),
        "{method} {path} {status} is not documented"
    );
    let mut problems = Vec::new();
    check(&doc, schema, body, "body", &mut problems);
    assert!(
        problems.is_empty(),
        "{method} {path} {status}: {problems:?}"
    );
}

// ---------------------------------------------------------------------------
// Clinic settings
// ---------------------------------------------------------------------------

app_test!(
    async fn saving_the_settings_stores_a_new_version_and_audits_it(app: TestApp) {
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let (status, page) = admin.get_text("/admin/settings").await;
        assert_eq!(status, 200);
        assert!(page.contains("The defaults are in force"), "{page}");
        for (name, unit) in [
            ("minimum_age_years", "years"),
            ("hypertension_systolic_above", "mmHg"),
            ("benzodiazepine_lorazepam_mg_per_day_max", "lorazepam"),
            ("high_dose_opioid_mme_per_day", "MME"),
            ("iv_dose_min", "mg/kg"),
            ("lozenge_dose_max", "mg a session"),
            ("min_hours_between_sessions", "hours"),
        ] {
            let at = page
                .find(&format!("<label for=\"{name}\">"))
                .unwrap_or_else(|| panic!("{name} has a label"));
            assert!(page[at..at + 300].contains(unit), "{name} shows its unit");
        }

        let res = post_settings(
            &admin,
            &[
                ("iv_dose_max", "0.6"),
                ("hypertension_systolic_above", "150"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        assert_eq!(location(&res), "/admin/settings?done=saved");
        assert_eq!(app.count("select count(*) from clinic_settings").await, 1);
        assert_eq!(audited(&app, "settings.changed").await, 1);
        let json: String = rows(&app, "select settings_json from clinic_settings", &[]).await[0]
            .get(0)
            .unwrap();
        let stored: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(stored["iv_dose_mg_per_kg"]["max"], 0.6);
        assert_eq!(stored["thresholds"]["hypertension_systolic_above"], 150);

        let (_, page) = admin.get_text("/admin/settings").await;
        assert!(page.contains("Version 1 is in force"), "{page}");
        assert!(
            page.contains("IV dose: highest: 0.75 → 0.6 mg/kg"),
            "{page}"
        );
        assert!(page.contains("value=\"0.6\""));

        // A second save is a second version; the first is kept.
        let res = post_settings(&admin, &[("group_size_max", "6")]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(app.count("select count(*) from clinic_settings").await, 2);
        assert_eq!(audited(&app, "settings.changed").await, 2);
        let (_, page) = admin.get_text("/admin/settings").await;
        assert!(page.contains("Version 2 is in force"));
        assert!(page.contains("Largest group: 8 → 6 members"));

        // Without the form's CSRF token nothing is saved.
        let res = admin
            .post_raw("/admin/settings", &[("group_size_max", "5")])
            .await;
        assert_eq!(res.status(), 403);
        assert_eq!(app.count("select count(*) from clinic_settings").await, 2);
    }
);

app_test!(
    async fn a_bad_setting_is_refused_on_its_field_and_nothing_is_stored(app: TestApp) {
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let res = post_settings(
            &admin,
            &[
                ("hypertension_systolic_above", "300"),
                ("iv_dose_min", "half"),
                ("group_size_min", ""),
                ("lozenge_dose_max", "50"),
            ],
        )
        .await;
        let page = assert_refused(res, "hypertension_systolic_above", "out of range").await;
        let fields = error_fields(&page);
        for f in ["iv_dose_min", "group_size_min", "lozenge_dose_max"] {
            assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
            assert!(
                page.contains(&format!("id=\"{f}-error\"")),
                "the message for {f} is beside its input"
            );
        }
        assert!(
            page.contains("“IV dose: lowest” must be a number (mg/kg)"),
            "an unreadable number is named: {page}"
        );
        assert!(page.contains("The systolic limit must be between 120 and 220 mmHg."));
        // What was typed is shown again.
        assert!(page.contains("value=\"half\""));
        assert!(page.contains("value=\"300\""));

        // A whole number given as a fraction, and one beyond its type.
        let res = post_settings(&admin, &[("default_series_sessions", "6.5")]).await;
        let page = assert_refused(res, "default_series_sessions", "fraction").await;
        assert!(page.contains("whole number of sessions"));
        let res = post_settings(&admin, &[("minimum_age_years", "99999999999")]).await;
        assert_refused(res, "minimum_age_years", "huge").await;

        assert_eq!(app.count("select count(*) from clinic_settings").await, 0);
        assert_eq!(audited(&app, "settings.changed").await, 0);
    }
);

// ---------------------------------------------------------------------------
// Partner organisations
// ---------------------------------------------------------------------------

app_test!(
    async fn a_partner_is_created_edited_and_deactivated(app: TestApp) {
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let (status, page) = admin.get_text("/admin/partners").await;
        assert_eq!(status, 200);
        assert!(page.contains("There are no partner organisations yet."));

        let res = admin
            .post_form(
                "/admin/partners",
                &[
                    ("name", "Bayside Infusion Center"),
                    ("phone", "+1 555 010 0100"),
                    ("email", "Referrals@Bayside.example"),
                    ("notes", "Ask for the infusion nurse."),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let id = id_from(&res, "/admin/partners/");
        assert_eq!(
            count(
                &app,
                "select count(*) from partner_organisations where id = $1 and email = 'referrals@bayside.example'",
                &[&id]
            )
            .await,
            1
        );
        assert_eq!(audited(&app, "partner.created").await, 1);
        let (_, list) = admin.get_text("/admin/partners").await;
        assert!(list.contains("Bayside Infusion Center"));
        assert!(list.contains(&format!("/admin/partners/{id}")));

        // Edit: a new phone, and the active box left clear deactivates it.
        let res = admin
            .post_form(
                &format!("/admin/partners/{id}"),
                &[
                    ("name", "Bayside Infusion Center"),
                    ("phone", "+1 555 010 0111"),
                    ("email", ""),
                    ("notes", "Ask for the infusion nurse."),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let row = &rows(
            &app,
            "select phone, email, active from partner_organisations where id = $1",
            &[&id],
        )
        .await[0];
        assert_eq!(row.get::<String>(0).unwrap(), "+1 555 010 0111");
        assert_eq!(row.get::<Option<String>>(1).unwrap(), None);
        assert!(!row.get::<bool>(2).unwrap());
        assert_eq!(
            count(
                &app,
                "select count(*) from audit_log where action = 'partner.changed' and detail = $1",
                &["inactive"]
            )
            .await,
            1
        );
        let (status, page) = admin.get_text(&format!("/admin/partners/{id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("inactive"));
        assert!(!page.contains("id=\"active\" name=\"active\" value=\"yes\" checked"));

        // Reactivating sets it back.
        let res = admin
            .post_form(
                &format!("/admin/partners/{id}"),
                &[("name", "Bayside Infusion Center"), ("active", "yes")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let active: bool = rows(
            &app,
            "select active from partner_organisations where id = $1",
            &[&id],
        )
        .await[0]
            .get(0)
            .unwrap();
        assert!(active);
        assert_eq!(
            count(
                &app,
                "select count(*) from audit_log where action = 'partner.changed' and detail = $1",
                &["active"]
            )
            .await,
            1
        );
    }
);

app_test!(
    async fn a_duplicate_or_bad_partner_is_refused_and_an_unknown_one_is_not_found(app: TestApp) {
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let res = admin
            .post_form(
                "/admin/partners",
                &[("name", "Bayside Infusion Center"), ("active", "yes")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let first = id_from(&res, "/admin/partners/");
        let res = admin
            .post_form(
                "/admin/partners",
                &[("name", "  bayside   INFUSION center "), ("active", "yes")],
            )
            .await;
        let page = assert_refused(res, "name", "duplicate name").await;
        assert!(page.contains("Another partner organisation already has this name."));
        assert!(
            page.contains("bayside   INFUSION center"),
            "what was typed is kept"
        );

        let res = admin
            .post_form(
                "/admin/partners",
                &[
                    ("name", ""),
                    ("email", "not an address"),
                    ("phone", "call us"),
                ],
            )
            .await;
        let page = assert_refused(res, "name", "empty name").await;
        let fields = error_fields(&page);
        assert!(fields.contains(&"email".to_owned()), "{fields:?}");
        assert!(fields.contains(&"phone".to_owned()), "{fields:?}");
        assert_eq!(
            app.count("select count(*) from partner_organisations")
                .await,
            1
        );

        // Renaming another partner to the first one's name is refused too.
        let res = admin
            .post_form("/admin/partners", &[("name", "Harbour Medical")])
            .await;
        let second = id_from(&res, "/admin/partners/");
        let res = admin
            .post_form(
                &format!("/admin/partners/{second}"),
                &[("name", "Bayside Infusion Center")],
            )
            .await;
        assert_refused(res, "name", "rename to a taken name").await;
        assert_eq!(
            count(
                &app,
                "select count(*) from partner_organisations where name = 'Harbour Medical' and id = $1",
                &[&second]
            )
            .await,
            1
        );
        assert_ne!(first, second);

        let unknown = uuid::Uuid::now_v7().to_string();
        let (status, _) = admin.get_text(&format!("/admin/partners/{unknown}")).await;
        assert_eq!(status, 404);
        let res = admin
            .post_form(
                &format!("/admin/partners/{unknown}"),
                &[("name", "Ghost Clinic")],
            )
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(
            app.count("select count(*) from partner_organisations")
                .await,
            2
        );
    }
);

// ---------------------------------------------------------------------------
// Consent documents
// ---------------------------------------------------------------------------

app_test!(
    async fn publishing_a_consent_document_adds_a_version(app: TestApp) {
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let (status, page) = admin.get_text("/admin/consents").await;
        assert_eq!(status, 200);
        assert_eq!(page.matches("not published yet").count(), 4, "{page}");
        for kind in [
            "kap-informed-consent",
            "in-home",
            "group-confidentiality",
            "iv-partner-release",
        ] {
            assert!(page.contains(&format!("/admin/consents/{kind}")));
        }

        // An unpublished document's form starts from the starter text.
        let (status, page) = admin.get_text("/admin/consents/kap-informed-consent").await;
        assert_eq!(status, 200);
        assert!(page.contains("Informed consent to ketamine-assisted psychotherapy"));
        assert!(page.contains("Publish version 1"));

        let path = "/admin/consents/kap-informed-consent";
        let res = admin
            .post_form(
                path,
                &[
                    ("title", "Informed consent"),
                    ("body", "First paragraph.\n\nSecond paragraph."),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let res = admin
            .post_form(
                path,
                &[
                    ("title", "Informed consent (revised)"),
                    ("body", "Revised text.\nWith a second line."),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            app.count(
                "select max(version) from consent_documents where kind = 'kap-informed-consent'"
            )
            .await,
            2
        );
        assert_eq!(audited(&app, "consent.published").await, 2);

        let (_, page) = admin.get_text(path).await;
        let v2 = page
            .find("Version 2: Informed consent (revised)")
            .expect("v2");
        let v1 = page.find("Version 1: Informed consent").expect("v1");
        assert!(v2 < v1, "newest first");
        assert!(
            page.contains("Revised text.\nWith a second line."),
            "line breaks kept"
        );
        assert!(page.contains("class=\"pre\""));
        assert!(page.contains("will be asked to sign again"));
        assert!(page.contains("Publish version 3"));
        let (_, list) = admin.get_text("/admin/consents").await;
        assert!(list.contains("version 2: Informed consent (revised)"));
        assert_eq!(list.matches("not published yet").count(), 3);

        // Refusals: an empty title, an unknown kind.
        let res = admin
            .post_form(path, &[("title", ""), ("body", "Text.")])
            .await;
        assert_refused(res, "title", "empty title").await;
        for bad in ["/admin/consents/not-a-kind", "/admin/consents/KAP"] {
            let (status, _) = admin.get_text(bad).await;
            assert_eq!(status, 404, "{bad}");
            let res = admin.post_form(bad, &[("title", "T"), ("body", "B")]).await;
            assert_eq!(res.status(), 404, "{bad}");
        }
        assert_eq!(app.count("select count(*) from consent_documents").await, 2);
    }
);

// ---------------------------------------------------------------------------
// Who may
// ---------------------------------------------------------------------------

app_test!(
    async fn other_roles_are_refused_the_clinic_pages_and_api(app: TestApp) {
        for role in [Role::Coordinator, Role::Clinician, Role::Physician] {
            let (staff, c) = app.signed_in_as(&[role]).await;
            for path in [
                "/admin/settings",
                "/admin/partners",
                "/admin/consents",
                "/admin/consents/in-home",
            ] {
                let (status, _) = c.get_text(path).await;
                assert_eq!(status, 403, "{role} GET {path}");
            }
            let res = c
                .post_form("/admin/partners", &[("name", "Sneaky Clinic")])
                .await;
            assert_eq!(res.status(), 403, "{role}");
            let res = c
                .post_form("/admin/consents/in-home", &[("title", "T"), ("body", "B")])
                .await;
            assert_eq!(res.status(), 403, "{role}");
            let res = c
                .post_form("/admin/settings", &[("group_size_max", "5")])
                .await;
            assert_eq!(res.status(), 403, "{role}");
            let (_, staff_home) = c.get_text("/staff").await;
            assert!(
                !staff_home.contains("/admin/settings"),
                "{role} sees no link"
            );

            let token = app.token(&staff).await;
            for (method, path, body) in [
                ("GET", "/api/v1/settings", None),
                ("PUT", "/api/v1/settings", Some(json!({}))),
                ("GET", "/api/v1/partners", None),
                ("POST", "/api/v1/partners", Some(json!({"name": "Sneaky"}))),
                ("GET", "/api/v1/consent-documents", None),
                (
                    "POST",
                    "/api/v1/consent-documents/in-home",
                    Some(json!({"title": "T", "body": "B"})),
                ),
            ] {
                let (status, v) = api(&app, &token, method, path, body).await;
                assert_eq!(status, 403, "{role} {method} {path}");
                assert_eq!(v["code"], "forbidden");
            }
        }
        assert_eq!(
            app.count("select count(*) from partner_organisations")
                .await,
            0
        );
        assert_eq!(app.count("select count(*) from consent_documents").await, 0);
        assert_eq!(app.count("select count(*) from clinic_settings").await, 0);
    }
);

// ---------------------------------------------------------------------------
// Prescriber details
// ---------------------------------------------------------------------------

app_test!(
    async fn prescriber_details_are_saved_on_the_user_and_audited(app: TestApp) {
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let physician = app.staff("dr.patel@staff.test", &[Role::Physician]).await;
        let coordinator = app.staff("coord@staff.test", &[Role::Coordinator]).await;
        let page_path = format!("/admin/users/{}", physician.id);
        let (status, page) = admin.get_text(&page_path).await;
        assert_eq!(status, 200);
        assert!(page.contains("Prescriber details (printed on prescriptions)"));
        let (_, page) = admin
            .get_text(&format!("/admin/users/{}", coordinator.id))
            .await;
        assert!(
            !page.contains("Prescriber details"),
            "not for a coordinator"
        );

        let res = admin
            .post_form(
                &format!("{page_path}/prescriber"),
                &[
                    ("licence_number", " MD-0012345 "),
                    ("registration_number", "BP1234563"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        assert_eq!(location(&res), format!("{page_path}?done=saved"));
        let row = &rows(
            &app,
            "select licence_number, registration_number from users where id = $1",
            &[&physician.id.to_string()],
        )
        .await[0];
        assert_eq!(row.get::<String>(0).unwrap(), "MD-0012345");
        assert_eq!(row.get::<String>(1).unwrap(), "BP1234563");
        assert_eq!(
            count(
                &app,
                "select count(*) from audit_log where action = 'user.profile-changed' and detail = 'prescriber details' and subject_ids like $1",
                &[&format!("%{}%", physician.id)]
            )
            .await,
            1
        );
        let (_, page) = admin.get_text(&page_path).await;
        assert!(page.contains("value=\"MD-0012345\""), "pre-filled");

        // Too long, or on two lines: refused on its field, nothing changed.
        let res = admin
            .post_form(
                &format!("{page_path}/prescriber"),
                &[
                    ("licence_number", &"9".repeat(65)),
                    ("registration_number", "BP1234563"),
                ],
            )
            .await;
        assert_refused(res, "licence_number", "too long").await;
        let res = admin
            .post_form(
                &format!("{page_path}/prescriber"),
                &[
                    ("licence_number", "MD-1"),
                    ("registration_number", "BP\n123"),
                ],
            )
            .await;
        assert_refused(res, "registration_number", "two lines").await;
        assert_eq!(
            count(
                &app,
                "select count(*) from users where licence_number = 'MD-0012345' and id = $1",
                &[&physician.id.to_string()]
            )
            .await,
            1
        );

        // Only administrators may set them.
        let (_, clinician) = app.signed_in_as(&[Role::Physician]).await;
        let res = clinician
            .post_form(
                &format!("{page_path}/prescriber"),
                &[("licence_number", "FAKE"), ("registration_number", "")],
            )
            .await;
        assert_eq!(res.status(), 403);
    }
);

// ---------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------

fn settings_body() -> Value {
    json!({
        "minimum_age_years": 21,
        "hypertension_systolic_above": 150,
        "hypertension_diastolic_above": 95,
        "hypertension_readings_required": 2,
        "benzodiazepine_lorazepam_mg_per_day_max": 2.5,
        "high_dose_opioid_mme_per_day": 90,
        "iv_dose_min": 0.2,
        "iv_dose_max": 0.75,
        "lozenge_dose_min": 100,
        "lozenge_dose_max": 300,
        "group_size_min": 4,
        "group_size_max": 8,
        "min_hours_between_sessions": 72,
        "default_series_sessions": 6,
        "reminder_lead_hours": 24,
        "morning_reminder_hour": 7
    })
}

app_test!(
    async fn the_settings_api_round_trips_and_names_a_bad_field(app: TestApp) {
        let token = admin_token(&app).await;
        let (status, v) = api(&app, &token, "GET", "/api/v1/settings", None).await;
        assert_eq!(status, 200, "{v}");
        assert_documented(&app, "get", "/api/v1/settings", 200, &v).await;
        assert_eq!(v["version"], 0);
        assert_eq!(v["settings"]["iv_dose_max"], 0.75);
        assert_eq!(v["settings"]["hypertension_systolic_above"], 160);

        let (status, v) = api(
            &app,
            &token,
            "PUT",
            "/api/v1/settings",
            Some(settings_body()),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_documented(&app, "put", "/api/v1/settings", 200, &v).await;
        assert_eq!(v["version"], 1);
        let (_, v) = api(&app, &token, "GET", "/api/v1/settings", None).await;
        assert_eq!(v["version"], 1);
        assert_eq!(v["settings"]["minimum_age_years"], 21);
        assert_eq!(v["settings"]["lozenge_dose_max"], 300.0);
        assert_eq!(v["settings"]["min_hours_between_sessions"], 72);
        assert_eq!(audited(&app, "settings.changed").await, 1);

        // Out of range: 422 naming the key; nothing stored.
        let mut bad = settings_body();
        bad["iv_dose_max"] = json!(5);
        bad["hypertension_diastolic_above"] = json!(200);
        let (status, v) = api(&app, &token, "PUT", "/api/v1/settings", Some(bad)).await;
        assert_eq!(status, 422, "{v}");
        assert_documented(&app, "put", "/api/v1/settings", 422, &v).await;
        assert_eq!(v["code"], "validation_failed");
        assert_eq!(v["field"], "hypertension_diastolic_above");
        assert_eq!(
            json_fields(&v),
            ["hypertension_diastolic_above", "iv_dose_max"]
        );
        // A missing key, and one of the wrong type.
        let mut bad = settings_body();
        bad.as_object_mut().unwrap().remove("group_size_max");
        let (status, v) = api(&app, &token, "PUT", "/api/v1/settings", Some(bad)).await;
        assert_eq!(status, 422, "{v}");
        assert_eq!(v["field"], "group_size_max");
        let mut bad = settings_body();
        bad["iv_dose_min"] = json!("a little");
        let (status, v) = api(&app, &token, "PUT", "/api/v1/settings", Some(bad)).await;
        assert_eq!(status, 422, "{v}");
        assert_eq!(v["field"], "iv_dose_min");
        let mut bad = settings_body();
        bad["group_size_min"] = json!(100_000);
        let (status, v) = api(&app, &token, "PUT", "/api/v1/settings", Some(bad)).await;
        assert_eq!(status, 422, "{v}");
        assert_eq!(v["field"], "group_size_min");
        assert_eq!(app.count("select count(*) from clinic_settings").await, 1);

        // A browser session's write needs the CSRF header.
        let (_, browser) = app.signed_in_as(&[Role::Administrator]).await;
        let res = browser
            .http
            .put(app.url("/api/v1/settings"))
            .json(&settings_body())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let res = browser
            .http
            .put(app.url("/api/v1/settings"))
            .header("x-csrf-token", browser.csrf().await)
            .json(&settings_body())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(app.count("select count(*) from clinic_settings").await, 2);
    }
);

app_test!(
    async fn the_partner_and_consent_apis_round_trip(app: TestApp) {
        let token = admin_token(&app).await;
        let (status, v) = api(&app, &token, "GET", "/api/v1/partners", None).await;
        assert_eq!(status, 200);
        assert_eq!(v["items"], json!([]));

        let (status, v) = api(
            &app,
            &token,
            "POST",
            "/api/v1/partners",
            Some(json!({"name": "Bayside Infusion Center", "phone": "+1 555 010 0100"})),
        )
        .await;
        assert_eq!(status, 201, "{v}");
        assert_documented(&app, "post", "/api/v1/partners", 201, &v).await;
        let id = v["id"].as_str().unwrap().to_owned();
        let (_, v) = api(&app, &token, "GET", "/api/v1/partners", None).await;
        assert_documented(&app, "get", "/api/v1/partners", 200, &v).await;
        assert_eq!(v["items"][0]["id"], id.as_str());
        assert_eq!(v["items"][0]["active"], true);
        assert_eq!(v["items"][0]["email"], Value::Null);

        let path = format!("/api/v1/partners/{id}");
        let (status, v) = api(
            &app,
            &token,
            "PUT",
            &path,
            Some(json!({"name": "Bayside Infusion Centre", "active": false, "notes": "Closed for now."})),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_documented(&app, "put", "/api/v1/partners/{id}", 200, &v).await;
        assert_eq!(v["active"], false);
        assert_eq!(v["name"], "Bayside Infusion Centre");
        assert_eq!(v["phone"], Value::Null, "PUT replaces the whole record");
        assert_eq!(audited(&app, "partner.changed").await, 1);

        let (status, v) = api(
            &app,
            &token,
            "POST",
            "/api/v1/partners",
            Some(json!({"name": "BAYSIDE infusion centre"})),
        )
        .await;
        assert_eq!(status, 422, "{v}");
        assert_documented(&app, "post", "/api/v1/partners", 422, &v).await;
        assert_eq!(v["field"], "name");
        let (status, v) = api(
            &app,
            &token,
            "PUT",
            &format!("/api/v1/partners/{}", uuid::Uuid::now_v7()),
            Some(json!({"name": "Ghost"})),
        )
        .await;
        assert_eq!(status, 404, "{v}");
        assert_eq!(
            app.count("select count(*) from partner_organisations")
                .await,
            1
        );

        // Consent documents.
        let (status, v) = api(&app, &token, "GET", "/api/v1/consent-documents", None).await;
        assert_eq!(status, 200);
        assert_documented(&app, "get", "/api/v1/consent-documents", 200, &v).await;
        assert_eq!(v["items"], json!([]));
        assert_eq!(v["unpublished"].as_array().unwrap().len(), 4);

        let docs = "/api/v1/consent-documents/in-home";
        for n in 1..=2 {
            let (status, v) = api(
                &app,
                &token,
                "POST",
                docs,
                Some(json!({"title": format!("In-home consent v{n}"), "body": "Your monitor stays with you.\nAlways."})),
            )
            .await;
            assert_eq!(status, 201, "{v}");
            assert_documented(&app, "post", "/api/v1/consent-documents/{kind}", 201, &v).await;
            assert_eq!(v, json!({"kind": "in-home", "version": n}));
        }
        let (status, v) = api(&app, &token, "GET", docs, None).await;
        assert_eq!(status, 200);
        assert_documented(&app, "get", "/api/v1/consent-documents/{kind}", 200, &v).await;
        let versions: Vec<i64> = v["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["version"].as_i64().unwrap())
            .collect();
        assert_eq!(versions, [2, 1]);
        assert_eq!(
            v["versions"][0]["body"],
            "Your monitor stays with you.\nAlways."
        );
        let (_, v) = api(&app, &token, "GET", "/api/v1/consent-documents", None).await;
        assert_eq!(v["items"][0]["kind"], "in-home");
        assert_eq!(v["items"][0]["version"], 2);
        assert_eq!(v["unpublished"].as_array().unwrap().len(), 3);

        let (status, v) = api(
            &app,
            &token,
            "POST",
            docs,
            Some(json!({"title": "T", "body": "  "})),
        )
        .await;
        assert_eq!(status, 422, "{v}");
        assert_eq!(v["field"], "body");
        for bad in [
            "/api/v1/consent-documents/nope",
            "/api/v1/consent-documents/IN-HOME",
        ] {
            let (status, _) = api(&app, &token, "GET", bad, None).await;
            assert_eq!(status, 404, "{bad}");
            let (status, _) = api(
                &app,
                &token,
                "POST",
                bad,
                Some(json!({"title": "T", "body": "B"})),
            )
            .await;
            assert_eq!(status, 404, "{bad}");
        }
        assert_eq!(app.count("select count(*) from consent_documents").await, 2);
    }
);

// ---------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------

const SCRIPT: &str = "<script>alert(1)</script>";

fn assert_escaped(page: &str, what: &str) {
    assert!(
        !page.contains("<script"),
        "{what}: raw <script> in the page"
    );
    assert!(
        !page.contains("<img src=x"),
        "{what}: raw <img> in the page"
    );
    assert!(
        page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"),
        "{what}: the text is shown, escaped"
    );
}

app_test!(
    async fn markup_in_partner_notes_and_consent_text_is_shown_escaped(app: TestApp) {
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let notes = format!("{SCRIPT}\n<img src=x onerror=alert(2)>");
        let res = admin
            .post_form(
                "/admin/partners",
                &[
                    ("name", "Evil \"><script>alert(3)</script> Clinic"),
                    ("notes", &notes),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let id = id_from(&res, "/admin/partners/");
        let (_, page) = admin.get_text(&format!("/admin/partners/{id}")).await;
        assert_escaped(&page, "partner page");
        let (_, page) = admin.get_text("/admin/partners").await;
        assert_escaped(&page, "partner list");

        // Refused input is shown again escaped too.
        let res = admin
            .post_form(
                "/admin/partners",
                &[("name", ""), ("notes", SCRIPT), ("email", SCRIPT)],
            )
            .await;
        let page = assert_refused(res, "name", "hostile refused").await;
        assert_escaped(&page, "refused partner form");

        let body = format!("Read this.\n{SCRIPT}\n<img src=x onerror=alert(4)>");
        let res = admin
            .post_form(
                "/admin/consents/group-confidentiality",
                &[
                    ("title", "Agreement <script>alert(5)</script>"),
                    ("body", &body),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let (_, page) = admin
            .get_text("/admin/consents/group-confidentiality")
            .await;
        assert_escaped(&page, "consent page");
        let (_, page) = admin.get_text("/admin/consents").await;
        assert_escaped(&page, "consent list");

        // A number field that is markup is refused, and shown escaped.
        let res = post_settings(&admin, &[("iv_dose_max", SCRIPT)]).await;
        let page = assert_refused(res, "iv_dose_max", "markup as a number").await;
        assert_escaped(&page, "settings form");
        assert_eq!(app.count("select count(*) from clinic_settings").await, 0);
    }
);
