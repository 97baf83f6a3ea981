//! The administration area and one's own account, through the HTTP interface:
//! staff accounts (create with an invitation, roles, deactivate and reactivate,
//! second-factor reset, resent invitations), locations and rooms, the mail outbox
//! and audit pages, and changing one's password. Each action is checked by what it
//! leaves behind: rows in the database, the page shown, the audit entry written.
//! Every form here also refuses a post without its CSRF token. (Refusals of the
//! wrong role and of anonymous callers are proved for every route in `access.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::SignedDuration;
use threshold_domain::Role;
use threshold_domain::inquiry::InquiryForm;
use threshold_service::{Actor, RequestMeta};
use threshold_store::{Row, StoreError, Value};
use threshold_testkit::app::PASSWORD;
use threshold_testkit::{Client, Staff, TestApp, app_test, link_in, location};

const NEW_PASSWORD: &str = "a fresh and rather long passphrase";

// Helpers.

/// Rows of a query with text parameters.
async fn rows(app: &TestApp, sql: &str, args: &[&str]) -> Vec<Row> {
    let sql = sql.to_owned();
    let args: Vec<Value> = args.iter().map(|a| Value::from(*a)).collect();
    app.services
        .db
        .read::<_, StoreError, _>(move |c| c.query(&sql, &args))
        .await
        .unwrap()
}

/// A count with text parameters.
async fn count(app: &TestApp, sql: &str, args: &[&str]) -> i64 {
    rows(app, sql, args).await[0].get::<i64>(0).unwrap()
}

/// The roles stored for a user, sorted by name.
async fn roles_of(app: &TestApp, id: &str) -> Vec<String> {
    rows(
        app,
        "select role from user_roles where user_id = $1 order by role",
        &[id],
    )
    .await
    .iter()
    .map(|r| r.get::<String>(0).unwrap())
    .collect()
}

async fn is_active(app: &TestApp, id: &str) -> bool {
    rows(app, "select active from users where id = $1", &[id]).await[0]
        .get::<bool>(0)
        .unwrap()
}

/// One audit entry as the tests look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Logged {
    actor: Option<String>,
    subjects: String,
    detail: Option<String>,
}

/// Every audit entry with this action, oldest first.
async fn audit(app: &TestApp, action: &str) -> Vec<Logged> {
    rows(
        app,
        "select actor_user_id, subject_ids, detail from audit_log where action = $1 order by seq",
        &[action],
    )
    .await
    .iter()
    .map(|r| Logged {
        actor: r.get(0).unwrap(),
        subjects: r.get(1).unwrap(),
        detail: r.get(2).unwrap(),
    })
    .collect()
}

/// The entries made by a signed-in person (not by the operator's command line,
/// which is how the tests' own accounts are made).
fn by_someone(entries: Vec<Logged>) -> Vec<Logged> {
    entries.into_iter().filter(|l| l.actor.is_some()).collect()
}

/// The fields named in a page's error summary (its links point at the fields).
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

/// Asserts a 422 page that names `field` in its error summary; returns the page.
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

/// The id a `see other` to `/prefix{id}?…` names.
fn id_from(res: &reqwest::Response, prefix: &str) -> String {
    let to = location(res);
    let rest = to
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("redirected to {to}, not under {prefix}"));
    rest.split(['?', '/']).next().unwrap().to_owned()
}

fn fresh_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The path of the newest invitation link mailed to `addr`.
async fn invitation_path(app: &TestApp, addr: &str) -> String {
    let mail = app.last_mail_to(addr).await.expect("an invitation mail");
    let link = link_in(&mail.body_text, &app.url("/invitation/")).expect("an invitation link");
    link.trim_start_matches(&app.addr).to_owned()
}

/// The table row of a page that mentions `needle`.
fn row_with<'a>(page: &'a str, needle: &str) -> &'a str {
    let at = page
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} is not on the page: {page}"));
    let start = page[..at].rfind("<tr>").expect("inside a table row");
    let end = at + page[at..].find("</tr>").unwrap();
    &page[start..end]
}

/// A converted client's user id (their inquiry converted by `admin`).
async fn client_user(app: &TestApp, admin: &Client, email: &str) -> String {
    let form = InquiryForm {
        name: "Cara Client".into(),
        email: email.into(),
        phone: String::new(),
        preferred_contact: "email".into(),
        reason: "I would like to know whether this could help me.".into(),
        heard_from: String::new(),
        consent_to_contact: true,
    };
    let meta = RequestMeta::default();
    let id = app
        .services
        .submit_inquiry(Actor::Anonymous(&meta), &form)
        .await
        .unwrap();
    let res = admin
        .post_form(
            &format!("/inquiries/{id}/convert"),
            &[(
                "consultation_outcome",
                "Consultation held by phone; a good fit for an intake.",
            )],
        )
        .await;
    assert_eq!(res.status(), 303);
    rows(
        app,
        "select user_id from clients where inquiry_id = $1",
        &[&id.to_string()],
    )
    .await[0]
        .get::<String>(0)
        .unwrap()
}

/// Creates a staff account through the administration page; returns its id.
async fn create_staff_via_page(admin: &Client, name: &str, email: &str, roles: &[&str]) -> String {
    let mut fields = vec![("name", name), ("email", email)];
    fields.extend(roles.iter().map(|r| ("role", *r)));
    let res = admin.post_form("/admin/users/new", &fields).await;
    assert_eq!(
        res.status(),
        303,
        "create {email}: {}",
        res.text().await.unwrap_or_default()
    );
    id_from(&res, "/admin/users/")
}

async fn password_hash(app: &TestApp, id: &str) -> String {
    rows(app, "select password_hash from users where id = $1", &[id]).await[0]
        .get::<String>(0)
        .unwrap()
}

async fn password_step(c: &Client, email: &str, password: &str) -> reqwest::Response {
    c.post_form("/signin", &[("email", email), ("password", password)])
        .await
}

// Staff accounts.

app_test!(
    async fn the_staff_list_shows_names_roles_and_second_factor_status(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let both = app
            .staff("both@staff.test", &[Role::Coordinator, Role::Clinician])
            .await;
        let invited =
            create_staff_via_page(&admin, "Ines Invited", "ines@staff.test", &["physician"]).await;
        let client = client_user(&app, &admin, "cara@example.org").await;

        let res = admin.get("/admin/users").await;
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(page.contains("Staff accounts"), "{page}");

        let row = row_with(&page, "both@staff.test");
        assert!(row.contains(&format!("/admin/users/{}", both.id)), "{row}");
        assert!(row.contains("Test Care coordinator"), "{row}");
        assert!(
            row.contains("<td data-label=\"Roles\">Care coordinator, Clinician</td>"),
            "{row}"
        );
        assert!(
            row.contains("<td data-label=\"Second factor\">on</td>"),
            "{row}"
        );
        assert!(
            row.contains("<td data-label=\"Status\">active</td>"),
            "{row}"
        );

        let row = row_with(&page, "ines@staff.test");
        assert!(row.contains("Ines Invited"), "{row}");
        assert!(
            row.contains("<td data-label=\"Roles\">Physician</td>"),
            "{row}"
        );
        assert!(
            row.contains("<td data-label=\"Second factor\">not set up</td>"),
            "{row}"
        );
        assert!(
            row.contains("<td data-label=\"Status\">invited</td>"),
            "{row}"
        );

        row_with(&page, &admin_staff.email);
        // Clients are not staff and are not managed here.
        assert!(!page.contains("cara@example.org"), "{page}");

        // The read is recorded, naming the accounts shown (and not the client).
        let listed = audit(&app, "user.listed").await;
        let last = listed.last().expect("a user.listed entry");
        assert_eq!(last.actor, Some(admin_staff.id.to_string()));
        for id in [&both.id.to_string(), &invited, &admin_staff.id.to_string()] {
            assert!(last.subjects.contains(id.as_str()), "{last:?}");
        }
        assert!(!last.subjects.contains(&client), "{last:?}");
    }
);

app_test!(
    async fn an_administrator_adds_a_staff_member_who_sets_a_password_then_enrols(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let (status, form) = admin.get_text("/admin/users/new").await;
        assert_eq!(status, 200);
        assert!(form.contains("Add a staff member"));
        for role in Role::STAFF {
            assert!(
                form.contains(&format!("name=\"role\" value=\"{}\"", role.as_str())),
                "a box for {role}"
            );
        }
        assert!(!form.contains("value=\"client\""));
        let users_before = count(&app, "select count(*) from users", &[]).await;

        let res = admin
            .post_form(
                "/admin/users/new",
                &[
                    ("name", "Noor Haddad"),
                    ("email", "Noor.Haddad@Staff.test"),
                    ("role", "coordinator"),
                    ("role", "clinician"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let to = location(&res);
        let id = id_from(&res, "/admin/users/");
        assert!(
            to == format!("/admin/users/{id}") || to.starts_with(&format!("/admin/users/{id}?")),
            "{to}"
        );

        assert_eq!(
            count(&app, "select count(*) from users", &[]).await,
            users_before + 1
        );
        let row = &rows(
            &app,
            "select email, name, is_staff, active, password_hash, totp_enabled from users where id = $1",
            &[&id],
        )
        .await[0];
        assert_eq!(row.get::<String>(0).unwrap(), "noor.haddad@staff.test");
        assert_eq!(row.get::<String>(1).unwrap(), "Noor Haddad");
        assert!(row.get::<bool>(2).unwrap(), "a staff account");
        assert!(row.get::<bool>(3).unwrap(), "active");
        assert_eq!(
            row.get::<Option<String>>(4).unwrap(),
            None,
            "no password yet"
        );
        assert!(!row.get::<bool>(5).unwrap(), "no second factor yet");
        assert_eq!(roles_of(&app, &id).await, ["clinician", "coordinator"]);
        // (Accounts made for the test by the operator are recorded without a user.)
        assert_eq!(
            by_someone(audit(&app, "user.created").await),
            vec![Logged {
                actor: Some(admin_staff.id.to_string()),
                subjects: id.clone(),
                detail: Some("coordinator,clinician".into()),
            }]
        );

        let (status, page) = admin.get_text(&to).await;
        assert_eq!(status, 200);
        assert!(page.contains("Noor Haddad"));
        assert!(page.contains("invited, no password yet"), "{page}");

        // The invitation goes to the new address; its link sets the password.
        let mail = app
            .last_mail_to("noor.haddad@staff.test")
            .await
            .expect("an invitation mail");
        assert!(mail.subject.contains("set up your account"), "{mail:?}");
        let path = invitation_path(&app, "noor.haddad@staff.test").await;
        let newcomer = app.client();
        let (status, welcome) = newcomer.get_text(&path).await;
        assert_eq!(status, 200);
        assert!(welcome.contains("Noor Haddad"), "{welcome}");
        let res = newcomer
            .post_form(
                &path,
                &[
                    ("password", NEW_PASSWORD),
                    ("password_confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            location(&res),
            "/signin/setup",
            "staff enrol a second factor"
        );
        let (status, setup) = newcomer.get_text("/signin/setup").await;
        assert_eq!(status, 200, "{setup}");
        // Nothing else until the second factor is set up.
        let res = newcomer.get("/inquiries").await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin/setup");
        assert_eq!(
            count(
                &app,
                "select count(*) from users where id = $1 and password_hash is not null",
                &[&id]
            )
            .await,
            1
        );
        // The link worked once.
        assert_eq!(app.client().get_text(&path).await.0, 410);
    }
);

app_test!(
    async fn an_invalid_new_staff_member_is_refused_naming_the_field_and_nothing_is_stored(
        app: TestApp,
    ) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let taken = admin_staff.email.to_uppercase();
        let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
            (
                "name",
                vec![
                    ("name", ""),
                    ("email", "new@staff.test"),
                    ("role", "coordinator"),
                ],
            ),
            (
                "email",
                vec![
                    ("name", "Nia New"),
                    ("email", "not-an-email"),
                    ("role", "coordinator"),
                ],
            ),
            (
                "roles",
                vec![("name", "Nia New"), ("email", "new@staff.test")],
            ),
            (
                "roles",
                vec![
                    ("name", "Nia New"),
                    ("email", "new@staff.test"),
                    ("role", "root"),
                ],
            ),
            (
                "roles",
                vec![
                    ("name", "Nia New"),
                    ("email", "new@staff.test"),
                    ("role", "coordinator"),
                    ("role", "client"),
                ],
            ),
            (
                "email",
                vec![
                    ("name", "Nia New"),
                    ("email", taken.as_str()),
                    ("role", "coordinator"),
                ],
            ),
        ];
        let users = count(&app, "select count(*) from users", &[]).await;
        let roles = count(&app, "select count(*) from user_roles", &[]).await;
        let mail = count(&app, "select count(*) from outbox", &[]).await;
        let invitations = count(&app, "select count(*) from invitations", &[]).await;
        for (field, fields) in cases {
            let what = format!("{fields:?}");
            let res = admin.post_form("/admin/users/new", &fields).await;
            let page = assert_refused(res, field, &what).await;
            assert!(page.contains("Add a staff member"), "{what}: {page}");
            if field != "name" {
                assert!(
                    page.contains("value=\"Nia New\""),
                    "{what}: what was typed is kept"
                );
            }
        }
        assert_eq!(count(&app, "select count(*) from users", &[]).await, users);
        assert_eq!(
            count(&app, "select count(*) from user_roles", &[]).await,
            roles
        );
        assert_eq!(count(&app, "select count(*) from outbox", &[]).await, mail);
        assert_eq!(
            count(&app, "select count(*) from invitations", &[]).await,
            invitations
        );
        assert!(by_someone(audit(&app, "user.created").await).is_empty());
        assert!(app.last_mail_to("new@staff.test").await.is_none());
    }
);

app_test!(
    async fn an_administrator_changes_roles_but_not_their_own_administrator_role(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let (coordinator, session) = app.signed_in_as(&[Role::Coordinator]).await;
        let cid = coordinator.id.to_string();
        assert_eq!(session.get("/inquiries").await.status(), 200);

        let res = admin
            .post_form(
                &format!("/admin/users/{cid}/roles"),
                &[("role", "clinician"), ("role", "physician")],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert!(
            location(&res).starts_with(&format!("/admin/users/{cid}")),
            "{}",
            location(&res)
        );
        assert_eq!(roles_of(&app, &cid).await, ["clinician", "physician"]);
        assert_eq!(
            audit(&app, "user.roles-changed").await,
            vec![Logged {
                actor: Some(admin_staff.id.to_string()),
                subjects: cid.clone(),
                detail: Some("clinician,physician".into()),
            }]
        );
        let (_, page) = admin.get_text(&format!("/admin/users/{cid}")).await;
        assert!(
            page.contains("id=\"role-clinician\" name=\"role\" value=\"clinician\" checked"),
            "{page}"
        );
        assert!(
            !page.contains("value=\"coordinator\" checked"),
            "the old role is gone: {page}"
        );
        // The change holds at once: the former coordinator no longer sees inquiries.
        assert_eq!(session.get("/inquiries").await.status(), 403);

        // Invalid role lists change nothing.
        for fields in [vec![], vec![("role", "root")], vec![("role", "client")]] {
            let res = admin
                .post_form(&format!("/admin/users/{cid}/roles"), &fields)
                .await;
            assert_refused(res, "roles", &format!("{fields:?}")).await;
            assert_eq!(roles_of(&app, &cid).await, ["clinician", "physician"]);
        }

        // An administrator cannot remove their own administrator role.
        let aid = admin_staff.id.to_string();
        let res = admin
            .post_form(
                &format!("/admin/users/{aid}/roles"),
                &[("role", "coordinator")],
            )
            .await;
        let page = assert_refused(res, "roles", "dropping one's own administrator role").await;
        assert!(
            page.contains("You cannot remove your own administrator role"),
            "{page}"
        );
        assert_eq!(roles_of(&app, &aid).await, ["administrator"]);
        // Adding a role to oneself while keeping administrator is fine.
        let res = admin
            .post_form(
                &format!("/admin/users/{aid}/roles"),
                &[("role", "administrator"), ("role", "coordinator")],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(roles_of(&app, &aid).await, ["administrator", "coordinator"]);
        assert_eq!(audit(&app, "user.roles-changed").await.len(), 2);

        // Unknown, malformed and client ids are not found.
        let client = client_user(&app, &admin, "cara@example.org").await;
        for id in [fresh_id(), "not-a-user".to_owned(), client.clone()] {
            let res = admin
                .post_form(
                    &format!("/admin/users/{id}/roles"),
                    &[("role", "coordinator")],
                )
                .await;
            assert_eq!(res.status(), 404, "{id}");
            assert_eq!(admin.get(&format!("/admin/users/{id}")).await.status(), 404);
        }
        assert_eq!(roles_of(&app, &client).await, ["client"]);
        assert_eq!(audit(&app, "user.roles-changed").await.len(), 2);
    }
);

app_test!(
    async fn deactivating_and_reactivating_an_account_is_recorded_but_not_on_oneself(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let coordinator = app.staff("cora@staff.test", &[Role::Coordinator]).await;
        let cid = coordinator.id.to_string();
        let aid = admin_staff.id.to_string();

        let res = admin
            .post_form(&format!("/admin/users/{cid}/deactivate"), &[])
            .await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with(&format!("/admin/users/{cid}")));
        assert!(!is_active(&app, &cid).await);
        let (_, page) = admin.get_text(&format!("/admin/users/{cid}")).await;
        assert!(page.contains("<dd>deactivated</dd>"), "{page}");
        assert!(page.contains(&format!("/admin/users/{cid}/reactivate")));
        let (_, list) = admin.get_text("/admin/users").await;
        assert!(
            row_with(&list, "cora@staff.test").contains("deactivated"),
            "{list}"
        );
        assert_eq!(
            password_step(&app.client(), "cora@staff.test", PASSWORD)
                .await
                .status(),
            401,
            "a deactivated account cannot sign in"
        );

        let res = admin
            .post_form(&format!("/admin/users/{cid}/reactivate"), &[])
            .await;
        assert_eq!(res.status(), 303);
        assert!(is_active(&app, &cid).await);
        let back = app.signed_in(&coordinator).await;
        assert_eq!(back.get("/inquiries").await.status(), 200);

        let expected = vec![Logged {
            actor: Some(aid.clone()),
            subjects: cid.clone(),
            detail: None,
        }];
        assert_eq!(audit(&app, "user.deactivated").await, expected);
        assert_eq!(audit(&app, "user.reactivated").await, expected);

        // Not oneself.
        let res = admin
            .post_form(&format!("/admin/users/{aid}/deactivate"), &[])
            .await;
        assert_eq!(res.status(), 409);
        let page = res.text().await.unwrap();
        assert!(
            page.contains("You cannot deactivate your own account."),
            "{page}"
        );
        assert!(is_active(&app, &aid).await);
        assert_eq!(
            admin.get("/admin/users").await.status(),
            200,
            "still signed in"
        );
        assert_eq!(audit(&app, "user.deactivated").await.len(), 1);

        // Unknown ids.
        for action in ["deactivate", "reactivate"] {
            for id in [fresh_id(), "nope".to_owned()] {
                let res = admin
                    .post_form(&format!("/admin/users/{id}/{action}"), &[])
                    .await;
                assert_eq!(res.status(), 404, "{action} {id}");
            }
        }
        assert_eq!(audit(&app, "user.deactivated").await.len(), 1);
        assert_eq!(audit(&app, "user.reactivated").await.len(), 1);
    }
);

app_test!(
    async fn a_clients_account_is_not_managed_from_the_staff_administration(app: TestApp) {
        // The staff pages answer 404 for a client's id, and so must every action
        // under them: clients are not managed here.
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let client = client_user(&app, &admin, "cara@example.org").await;
        assert_eq!(
            admin.get(&format!("/admin/users/{client}")).await.status(),
            404
        );
        for action in ["deactivate", "reactivate", "reset-second-factor"] {
            let res = admin
                .post_form(&format!("/admin/users/{client}/{action}"), &[])
                .await;
            assert_eq!(res.status(), 404, "{action} a client's account");
        }
        assert!(is_active(&app, &client).await);
        for action in [
            "user.deactivated",
            "user.reactivated",
            "user.second-factor-reset",
        ] {
            assert!(audit(&app, action).await.is_empty(), "{action}");
        }
    }
);

app_test!(
    async fn resetting_a_second_factor_clears_it_and_the_recovery_codes(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let coordinator = app.staff("cora@staff.test", &[Role::Coordinator]).await;
        let cid = coordinator.id.to_string();
        let (_, page) = admin.get_text(&format!("/admin/users/{cid}")).await;
        assert!(page.contains("<dd>on</dd>"), "{page}");
        app.services
            .db
            .write::<_, StoreError, _>({
                let cid = cid.clone();
                move |c| {
                    c.execute(
                        "insert into recovery_codes (user_id, code_hash) values ($1, 'h1'), ($1, 'h2')",
                        &[Value::from(cid)],
                    )
                }
            })
            .await
            .unwrap();

        let res = admin
            .post_form(&format!("/admin/users/{cid}/reset-second-factor"), &[])
            .await;
        assert_eq!(res.status(), 303);
        let row = &rows(
            &app,
            "select totp_enabled, totp_secret from users where id = $1",
            &[&cid],
        )
        .await[0];
        assert!(!row.get::<bool>(0).unwrap());
        assert_eq!(row.get::<Option<String>>(1).unwrap(), None);
        assert_eq!(
            count(
                &app,
                "select count(*) from recovery_codes where user_id = $1",
                &[&cid]
            )
            .await,
            0
        );
        let (_, page) = admin.get_text(&format!("/admin/users/{cid}")).await;
        assert!(page.contains("<dd>not set up</dd>"), "{page}");
        assert_eq!(
            audit(&app, "user.second-factor-reset").await,
            vec![Logged {
                actor: Some(admin_staff.id.to_string()),
                subjects: cid.clone(),
                detail: None,
            }]
        );

        let res = admin
            .post_form(
                &format!("/admin/users/{}/reset-second-factor", fresh_id()),
                &[],
            )
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(audit(&app, "user.second-factor-reset").await.len(), 1);
    }
);

app_test!(
    async fn an_invitation_is_resent_only_to_someone_without_a_password(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let id =
            create_staff_via_page(&admin, "Ines Invited", "ines@staff.test", &["clinician"]).await;
        let first = invitation_path(&app, "ines@staff.test").await;
        let visitor = app.client();
        assert_eq!(visitor.get_text(&first).await.0, 200);

        app.advance(SignedDuration::from_secs(1));
        let res = admin
            .post_form(&format!("/admin/users/{id}/invitation"), &[])
            .await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with(&format!("/admin/users/{id}")));
        assert_eq!(
            count(
                &app,
                "select count(*) from outbox where to_addr = $1 and kind = 'invitation'",
                &["ines@staff.test"]
            )
            .await,
            2,
            "a second invitation mail"
        );
        let second = invitation_path(&app, "ines@staff.test").await;
        assert_ne!(second, first);
        assert_eq!(
            visitor.get_text(&first).await.0,
            410,
            "the old link is dead"
        );
        assert_eq!(visitor.get_text(&second).await.0, 200);
        assert_eq!(
            audit(&app, "invitation.sent").await,
            vec![Logged {
                actor: Some(admin_staff.id.to_string()),
                subjects: id.clone(),
                detail: None,
            }]
        );

        // Someone who has a password resets it themselves.
        let coordinator = app.staff("cora@staff.test", &[Role::Coordinator]).await;
        let res = admin
            .post_form(&format!("/admin/users/{}/invitation", coordinator.id), &[])
            .await;
        assert_eq!(res.status(), 409);
        let page = res.text().await.unwrap();
        assert!(page.contains("already set a password"), "{page}");
        assert!(app.last_mail_to("cora@staff.test").await.is_none());
        assert_eq!(
            count(
                &app,
                "select count(*) from invitations where user_id = $1",
                &[&coordinator.id.to_string()]
            )
            .await,
            0
        );

        // Unknown ids and clients are not found.
        let client = client_user(&app, &admin, "cara@example.org").await;
        let client_mail = count(
            &app,
            "select count(*) from outbox where to_addr = $1",
            &["cara@example.org"],
        )
        .await;
        for id in [fresh_id(), client] {
            let res = admin
                .post_form(&format!("/admin/users/{id}/invitation"), &[])
                .await;
            assert_eq!(res.status(), 404, "{id}");
        }
        assert_eq!(
            count(
                &app,
                "select count(*) from outbox where to_addr = $1",
                &["cara@example.org"]
            )
            .await,
            client_mail
        );
        assert_eq!(
            audit(&app, "invitation.sent").await.len(),
            2,
            "one for the client's conversion"
        );
    }
);

// Locations and rooms.

/// Creates a location through the page; returns its id.
async fn create_location(admin: &Client, name: &str) -> String {
    let res = admin
        .post_form(
            "/admin/locations",
            &[
                ("name", name),
                ("time_zone", "America/New_York"),
                ("address", "12 Harbor Street\nPortland, ME"),
                ("phone", "+1 207 555 0100"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    id_from(&res, "/admin/locations/")
}

/// Adds a room through the page; returns its id.
async fn add_room(app: &TestApp, admin: &Client, location: &str, name: &str) -> String {
    let res = admin
        .post_form(
            &format!("/admin/locations/{location}/rooms"),
            &[("name", name), ("capacity", "2")],
        )
        .await;
    assert_eq!(res.status(), 303);
    rows(
        app,
        "select id from rooms where location_id = $1 and name = $2",
        &[location, name],
    )
    .await[0]
        .get::<String>(0)
        .unwrap()
}

app_test!(
    async fn an_administrator_creates_lists_and_updates_a_location(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let (status, page) = admin.get_text("/admin/locations").await;
        assert_eq!(status, 200);
        assert!(page.contains("There are no locations yet."), "{page}");

        let res = admin
            .post_form(
                "/admin/locations",
                &[
                    ("name", "Harbor Clinic"),
                    ("time_zone", "America/New_York"),
                    ("address", "12 Harbor Street\nPortland, ME"),
                    ("phone", "+1 207 555 0100"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let id = id_from(&res, "/admin/locations/");
        assert!(
            location(&res).starts_with(&format!("/admin/locations/{id}")),
            "{}",
            location(&res)
        );
        let row = &rows(
            &app,
            "select name, time_zone, address, phone, active from locations where id = $1",
            &[&id],
        )
        .await[0];
        assert_eq!(row.get::<String>(0).unwrap(), "Harbor Clinic");
        assert_eq!(row.get::<String>(1).unwrap(), "America/New_York");
        assert_eq!(
            row.get::<String>(2).unwrap(),
            "12 Harbor Street\nPortland, ME"
        );
        assert_eq!(
            row.get::<Option<String>>(3).unwrap().as_deref(),
            Some("+1 207 555 0100")
        );
        assert!(row.get::<bool>(4).unwrap());
        assert_eq!(
            audit(&app, "location.created").await,
            vec![Logged {
                actor: Some(admin_staff.id.to_string()),
                subjects: id.clone(),
                detail: None,
            }]
        );

        let (status, page) = admin.get_text("/admin/locations").await;
        assert_eq!(status, 200);
        assert!(
            page.contains(&format!(
                "<a href=\"/admin/locations/{id}\">Harbor Clinic</a>"
            )),
            "{page}"
        );
        assert!(page.contains("Time zone America/New_York"), "{page}");
        let (status, page) = admin.get_text(&format!("/admin/locations/{id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("<h1>Harbor Clinic</h1>"), "{page}");
        assert!(page.contains("No rooms yet."));

        // Updating; the "in use" box left unticked takes the location out of use.
        let res = admin
            .post_form(
                &format!("/admin/locations/{id}"),
                &[
                    ("name", "Harbor Clinic East"),
                    ("time_zone", "Europe/London"),
                    ("address", "1 Quay Road"),
                    ("phone", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with(&format!("/admin/locations/{id}")));
        let row = &rows(
            &app,
            "select name, time_zone, address, phone, active from locations where id = $1",
            &[&id],
        )
        .await[0];
        assert_eq!(row.get::<String>(0).unwrap(), "Harbor Clinic East");
        assert_eq!(row.get::<String>(1).unwrap(), "Europe/London");
        assert_eq!(row.get::<String>(2).unwrap(), "1 Quay Road");
        assert_eq!(row.get::<Option<String>>(3).unwrap(), None);
        assert!(!row.get::<bool>(4).unwrap(), "no longer in use");
        let (_, page) = admin.get_text("/admin/locations").await;
        assert!(page.contains("inactive"), "{page}");

        // Ticking it again puts it back in use.
        let res = admin
            .post_form(
                &format!("/admin/locations/{id}"),
                &[
                    ("name", "Harbor Clinic East"),
                    ("time_zone", "Europe/London"),
                    ("address", "1 Quay Road"),
                    ("phone", ""),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            count(
                &app,
                "select count(*) from locations where id = $1 and active",
                &[&id]
            )
            .await,
            1
        );
        assert_eq!(audit(&app, "location.changed").await.len(), 2);
        assert_eq!(
            audit(&app, "location.changed").await[0].subjects,
            id,
            "the entry names the location"
        );
    }
);

app_test!(
    async fn an_invalid_location_is_refused_naming_the_field(app: TestApp) {
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let id = create_location(&admin, "Harbor Clinic").await;

        let res = admin
            .post_form(
                "/admin/locations",
                &[
                    ("name", "Mountain Clinic"),
                    ("time_zone", "Mars/Olympus"),
                    ("address", "1 Crater Way"),
                    ("phone", ""),
                ],
            )
            .await;
        let page = assert_refused(res, "time_zone", "an unknown time zone").await;
        assert!(
            page.contains("value=\"Mountain Clinic\""),
            "what was typed is kept"
        );
        let res = admin
            .post_form(
                "/admin/locations",
                &[
                    ("name", "Mountain Clinic"),
                    ("time_zone", ""),
                    ("address", "1 Crater Way"),
                ],
            )
            .await;
        assert_refused(res, "time_zone", "no time zone").await;
        let res = admin
            .post_form(
                "/admin/locations",
                &[
                    ("name", "Harbor Clinic"),
                    ("time_zone", "America/New_York"),
                    ("address", "Elsewhere"),
                ],
            )
            .await;
        assert_refused(res, "name", "a name in use").await;
        let res = admin
            .post_form(
                "/admin/locations",
                &[
                    ("name", ""),
                    ("time_zone", "America/New_York"),
                    ("address", ""),
                    ("phone", "call me"),
                ],
            )
            .await;
        let page = assert_refused(res, "name", "no name").await;
        let fields = error_fields(&page);
        assert!(fields.contains(&"address".to_owned()), "{fields:?}");
        assert!(fields.contains(&"phone".to_owned()), "{fields:?}");
        assert_eq!(count(&app, "select count(*) from locations", &[]).await, 1);
        assert_eq!(audit(&app, "location.created").await.len(), 1);

        // Updating with an invalid zone, or another location's name, changes nothing.
        create_location(&admin, "Mountain Clinic").await;
        let res = admin
            .post_form(
                &format!("/admin/locations/{id}"),
                &[
                    ("name", "Harbor Clinic"),
                    ("time_zone", "Mars/Olympus"),
                    ("address", "12 Harbor Street"),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_refused(res, "time_zone", "an update to an unknown zone").await;
        let res = admin
            .post_form(
                &format!("/admin/locations/{id}"),
                &[
                    ("name", "Mountain Clinic"),
                    ("time_zone", "America/New_York"),
                    ("address", "12 Harbor Street"),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_refused(res, "name", "renaming to a name in use").await;
        let row = &rows(
            &app,
            "select name, time_zone, active from locations where id = $1",
            &[&id],
        )
        .await[0];
        assert_eq!(row.get::<String>(0).unwrap(), "Harbor Clinic");
        assert_eq!(row.get::<String>(1).unwrap(), "America/New_York");
        assert!(row.get::<bool>(2).unwrap());
        assert!(audit(&app, "location.changed").await.is_empty());
    }
);

app_test!(
    async fn rooms_are_added_and_updated_with_their_capacity_and_equipment(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let id = create_location(&admin, "Harbor Clinic").await;

        let res = admin
            .post_form(
                &format!("/admin/locations/{id}/rooms"),
                &[
                    ("name", "Willow Room"),
                    ("capacity", "6"),
                    ("iv_capable", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with(&format!("/admin/locations/{id}")));
        let found = rows(
            &app,
            "select id, name, capacity, iv_capable, group_capable, active from rooms where location_id = $1",
            &[&id],
        )
        .await;
        assert_eq!(found.len(), 1);
        let room = found[0].get::<String>(0).unwrap();
        assert_eq!(found[0].get::<String>(1).unwrap(), "Willow Room");
        assert_eq!(found[0].get::<i64>(2).unwrap(), 6);
        assert!(found[0].get::<bool>(3).unwrap(), "IV capable");
        assert!(!found[0].get::<bool>(4).unwrap(), "not for groups");
        assert!(found[0].get::<bool>(5).unwrap(), "in use");
        assert_eq!(
            audit(&app, "room.created").await,
            vec![Logged {
                actor: Some(admin_staff.id.to_string()),
                subjects: room.clone(),
                detail: None,
            }]
        );
        let (_, page) = admin.get_text(&format!("/admin/locations/{id}")).await;
        assert!(page.contains("value=\"Willow Room\""), "{page}");
        assert!(
            page.contains(&format!("action=\"/admin/locations/{id}/rooms/{room}\"")),
            "{page}"
        );

        // Capacity is a whole number from 1 to 50; a name is needed.
        for capacity in ["0", "abc", "51", "", "-3", "2.5"] {
            let res = admin
                .post_form(
                    &format!("/admin/locations/{id}/rooms"),
                    &[("name", "Oak Room"), ("capacity", capacity)],
                )
                .await;
            let page = assert_refused(res, "capacity", &format!("capacity {capacity:?}")).await;
            assert!(
                page.contains("value=\"Oak Room\""),
                "what was typed is kept"
            );
        }
        let res = admin
            .post_form(
                &format!("/admin/locations/{id}/rooms"),
                &[("name", ""), ("capacity", "2")],
            )
            .await;
        assert_refused(res, "name", "a room without a name").await;
        let res = admin
            .post_form(
                &format!("/admin/locations/{id}/rooms"),
                &[("name", "Willow Room"), ("capacity", "2")],
            )
            .await;
        assert_refused(res, "name", "a second room of the same name").await;
        assert_eq!(count(&app, "select count(*) from rooms", &[]).await, 1);

        // Updating: flags follow the boxes ticked.
        let res = admin
            .post_form(
                &format!("/admin/locations/{id}/rooms/{room}"),
                &[
                    ("name", "Willow Group Room"),
                    ("capacity", "12"),
                    ("group_capable", "yes"),
                    ("active", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let row = &rows(
            &app,
            "select name, capacity, iv_capable, group_capable, active from rooms where id = $1",
            &[&room],
        )
        .await[0];
        assert_eq!(row.get::<String>(0).unwrap(), "Willow Group Room");
        assert_eq!(row.get::<i64>(1).unwrap(), 12);
        assert!(!row.get::<bool>(2).unwrap());
        assert!(row.get::<bool>(3).unwrap());
        assert!(row.get::<bool>(4).unwrap());
        assert_eq!(
            audit(&app, "room.changed").await,
            vec![Logged {
                actor: Some(admin_staff.id.to_string()),
                subjects: room.clone(),
                detail: None,
            }]
        );
        // An invalid update changes nothing.
        let res = admin
            .post_form(
                &format!("/admin/locations/{id}/rooms/{room}"),
                &[("name", "Willow"), ("capacity", "51"), ("active", "yes")],
            )
            .await;
        assert_refused(res, "capacity", "an update to capacity 51").await;
        let row = &rows(
            &app,
            "select name, capacity from rooms where id = $1",
            &[&room],
        )
        .await[0];
        assert_eq!(row.get::<String>(0).unwrap(), "Willow Group Room");
        assert_eq!(row.get::<i64>(1).unwrap(), 12);
        // Leaving "in use" unticked takes the room out of use.
        let res = admin
            .post_form(
                &format!("/admin/locations/{id}/rooms/{room}"),
                &[("name", "Willow Group Room"), ("capacity", "12")],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            count(
                &app,
                "select count(*) from rooms where id = $1 and active",
                &[&room]
            )
            .await,
            0
        );
    }
);

app_test!(
    async fn unknown_locations_and_rooms_of_another_location_are_not_found(app: TestApp) {
        let (_, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let harbor = create_location(&admin, "Harbor Clinic").await;
        let mountain = create_location(&admin, "Mountain Clinic").await;
        let willow = add_room(&app, &admin, &harbor, "Willow Room").await;
        let valid_room = [("name", "Renamed"), ("capacity", "3"), ("active", "yes")];
        let valid_location = [
            ("name", "Renamed Clinic"),
            ("time_zone", "America/New_York"),
            ("address", "Somewhere"),
            ("active", "yes"),
        ];

        // A room addressed under the wrong location.
        let res = admin
            .post_form(
                &format!("/admin/locations/{mountain}/rooms/{willow}"),
                &valid_room,
            )
            .await;
        assert_eq!(res.status(), 404);
        let row = &rows(
            &app,
            "select name, capacity, location_id from rooms where id = $1",
            &[&willow],
        )
        .await[0];
        assert_eq!(row.get::<String>(0).unwrap(), "Willow Room");
        assert_eq!(row.get::<i64>(1).unwrap(), 2);
        assert_eq!(row.get::<String>(2).unwrap(), harbor);

        // Unknown and malformed ids.
        for missing in [fresh_id(), "not-a-location".to_owned()] {
            assert_eq!(
                admin
                    .get(&format!("/admin/locations/{missing}"))
                    .await
                    .status(),
                404,
                "{missing}"
            );
            let res = admin
                .post_form(&format!("/admin/locations/{missing}"), &valid_location)
                .await;
            assert_eq!(res.status(), 404, "update {missing}");
            let res = admin
                .post_form(&format!("/admin/locations/{missing}/rooms"), &valid_room)
                .await;
            assert_eq!(res.status(), 404, "add a room to {missing}");
            let res = admin
                .post_form(
                    &format!("/admin/locations/{missing}/rooms/{willow}"),
                    &valid_room,
                )
                .await;
            assert_eq!(res.status(), 404, "a room under {missing}");
            let res = admin
                .post_form(
                    &format!("/admin/locations/{harbor}/rooms/{missing}"),
                    &valid_room,
                )
                .await;
            assert_eq!(res.status(), 404, "room {missing}");
        }
        assert_eq!(count(&app, "select count(*) from locations", &[]).await, 2);
        assert_eq!(count(&app, "select count(*) from rooms", &[]).await, 1);
        assert_eq!(
            count(
                &app,
                "select count(*) from locations where name = 'Renamed Clinic'",
                &[]
            )
            .await,
            0
        );
        assert_eq!(
            count(
                &app,
                "select count(*) from rooms where name = 'Renamed'",
                &[]
            )
            .await,
            0
        );
        assert!(audit(&app, "room.changed").await.is_empty());
        assert!(audit(&app, "location.changed").await.is_empty());
    }
);

// Mail outbox and audit pages.

app_test!(
    async fn an_administrator_opens_the_mail_outbox_and_the_audit_trail(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        create_staff_via_page(&admin, "Ines Invited", "ines@staff.test", &["clinician"]).await;

        let (status, page) = admin.get_text("/admin/mail").await;
        assert_eq!(status, 200);
        assert!(page.contains("Mail outbox"), "{page}");
        assert!(page.contains("ines@staff.test"), "{page}");
        assert!(page.contains("set up your account"), "{page}");
        let (status, page) = admin.get_text("/admin/mail?status=queued").await;
        assert_eq!(status, 200);
        assert!(page.contains("ines@staff.test"), "{page}");
        let (status, page) = admin.get_text("/admin/mail?status=sent").await;
        assert_eq!(status, 200);
        assert!(!page.contains("ines@staff.test"), "{page}");
        assert_eq!(admin.get("/admin/mail?status=bogus").await.status(), 400);
        assert!(!audit(&app, "mail.viewed").await.is_empty());

        let (status, page) = admin.get_text("/admin/audit").await;
        assert_eq!(status, 200);
        assert!(page.contains("user.created"), "{page}");
        assert!(page.contains("auth.sign-in"), "{page}");
        let viewed = audit(&app, "audit.viewed").await;
        assert_eq!(viewed.len(), 1);
        assert_eq!(viewed[0].actor, Some(admin_staff.id.to_string()));
    }
);

// One's own account.

app_test!(
    async fn changing_ones_password_checks_the_fields_and_ends_the_other_sessions(app: TestApp) {
        let staff: Staff = app.staff("cora@staff.test", &[Role::Coordinator]).await;
        let other = app.signed_in(&staff).await;
        let here = app.signed_in(&staff).await;
        let (status, page) = here.get_text("/account").await;
        assert_eq!(status, 200);
        assert!(page.contains("cora@staff.test"), "{page}");
        assert!(page.contains("Care coordinator"), "{page}");

        let uid = staff.id.to_string();
        let before = password_hash(&app, &uid).await;
        let cases: [(&str, [(&str, &str); 3]); 4] = [
            (
                "current_password",
                [
                    ("current_password", "not my password at all"),
                    ("new_password", NEW_PASSWORD),
                    ("new_password_confirm", NEW_PASSWORD),
                ],
            ),
            (
                "new_password_confirm",
                [
                    ("current_password", PASSWORD),
                    ("new_password", NEW_PASSWORD),
                    ("new_password_confirm", "a different long passphrase"),
                ],
            ),
            (
                "new_password",
                [
                    ("current_password", PASSWORD),
                    ("new_password", "short"),
                    ("new_password_confirm", "short"),
                ],
            ),
            (
                "new_password",
                [
                    ("current_password", PASSWORD),
                    ("new_password", ""),
                    ("new_password_confirm", ""),
                ],
            ),
        ];
        for (field, fields) in cases {
            let res = here.post_form("/account/password", &fields).await;
            let page = assert_refused(res, field, &format!("{fields:?}")).await;
            assert!(page.contains("Change your password"), "{page}");
            assert!(
                !page.contains(NEW_PASSWORD),
                "a password is never shown back"
            );
        }
        assert_eq!(password_hash(&app, &uid).await, before, "nothing changed");
        assert!(audit(&app, "auth.password-changed").await.is_empty());
        assert_eq!(other.get("/inquiries").await.status(), 200);

        let res = here
            .post_form(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", NEW_PASSWORD),
                    ("new_password_confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/account"), "{}", location(&res));
        assert_ne!(password_hash(&app, &uid).await, before);
        assert_eq!(
            audit(&app, "auth.password-changed").await,
            vec![Logged {
                actor: Some(staff.id.to_string()),
                subjects: staff.id.to_string(),
                detail: None,
            }]
        );

        // This session goes on; the other one has ended.
        assert_eq!(here.get("/inquiries").await.status(), 200);
        let res = other.get("/inquiries").await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/signin"), "{}", location(&res));

        // The new password signs in; the old one does not.
        let c = app.client();
        assert_eq!(
            password_step(&c, "cora@staff.test", PASSWORD)
                .await
                .status(),
            401
        );
        let res = password_step(&c, "cora@staff.test", NEW_PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/signin/code");
        app.advance(SignedDuration::from_secs(31));
        let res = c
            .post_form("/signin/code", &[("code", &app.totp(&staff.totp_secret))])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(c.get("/inquiries").await.status(), 200);
    }
);

// CSRF.

/// Row counts that any administration action would change.
async fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for sql in [
        "select count(*) from users",
        "select count(*) from user_roles",
        "select count(*) from outbox",
        "select count(*) from invitations",
        "select count(*) from locations",
        "select count(*) from rooms",
        "select count(*) from sessions",
        "select count(*) from users where active and totp_enabled",
        "select count(*) from rooms where name = 'Willow Room' and capacity = 2",
        "select count(*) from locations where name = 'Harbor Clinic' and active",
    ] {
        v.push(count(app, sql, &[]).await);
    }
    v
}

app_test!(
    async fn every_administration_form_refuses_a_post_without_its_csrf_token(app: TestApp) {
        let (admin_staff, admin) = app.signed_in_as(&[Role::Administrator]).await;
        let aid = admin_staff.id.to_string();
        let coordinator = app.staff("cora@staff.test", &[Role::Coordinator]).await;
        let cid = coordinator.id.to_string();
        let invited =
            create_staff_via_page(&admin, "Ines Invited", "ines@staff.test", &["clinician"]).await;
        let harbor = create_location(&admin, "Harbor Clinic").await;
        let willow = add_room(&app, &admin, &harbor, "Willow Room").await;
        let hash = password_hash(&app, &aid).await;
        let before = snapshot(&app).await;
        let seq = count(&app, "select max(seq) from audit_log", &[]).await;

        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                "/admin/users/new".into(),
                vec![
                    ("name", "Nia New"),
                    ("email", "nia@staff.test"),
                    ("role", "coordinator"),
                ],
            ),
            (
                format!("/admin/users/{cid}/roles"),
                vec![("role", "clinician")],
            ),
            (format!("/admin/users/{cid}/deactivate"), vec![]),
            (format!("/admin/users/{cid}/reset-second-factor"), vec![]),
            (format!("/admin/users/{invited}/invitation"), vec![]),
            (
                "/admin/locations".into(),
                vec![
                    ("name", "Mountain Clinic"),
                    ("time_zone", "America/Denver"),
                    ("address", "1 Peak Road"),
                ],
            ),
            (
                format!("/admin/locations/{harbor}"),
                vec![
                    ("name", "Renamed"),
                    ("time_zone", "America/Denver"),
                    ("address", "1 Peak Road"),
                ],
            ),
            (
                format!("/admin/locations/{harbor}/rooms"),
                vec![("name", "Oak Room"), ("capacity", "3")],
            ),
            (
                format!("/admin/locations/{harbor}/rooms/{willow}"),
                vec![("name", "Renamed"), ("capacity", "9")],
            ),
            (
                "/account/password".into(),
                vec![
                    ("current_password", PASSWORD),
                    ("new_password", NEW_PASSWORD),
                    ("new_password_confirm", NEW_PASSWORD),
                ],
            ),
        ];
        for (path, fields) in &posts {
            let res = admin.post_raw(path, fields).await;
            assert_eq!(res.status(), 403, "{path} without a token");
            let mut forged = fields.clone();
            forged.push(("csrf", "0000"));
            let res = admin.post_raw(path, &forged).await;
            assert_eq!(res.status(), 403, "{path} with a forged token");
        }
        assert_eq!(snapshot(&app).await, before, "nothing changed");
        assert!(is_active(&app, &cid).await);
        assert_eq!(roles_of(&app, &cid).await, ["coordinator"]);
        assert_eq!(password_hash(&app, &aid).await, hash);
        let changes = count(
            &app,
            &format!(
                "select count(*) from audit_log where seq > {seq} and action in
                 ('user.created', 'user.roles-changed', 'user.deactivated',
                  'user.second-factor-reset', 'invitation.sent', 'location.created',
                  'location.changed', 'room.created', 'room.changed', 'auth.password-changed')"
            ),
            &[],
        )
        .await;
        assert_eq!(changes, 0);

        // With the token, the same request goes through (the refusals were about it).
        let (path, fields) = &posts[1];
        assert_eq!(admin.post_form(path, fields).await.status(), 303);
        assert_eq!(roles_of(&app, &cid).await, ["clinician"]);
    }
);
