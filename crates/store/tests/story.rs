//! The storage story: the same behaviour, checked on SQLite and on PostgreSQL by
//! the same tests (the PostgreSQL half runs when THRESHOLD_TEST_POSTGRES_URL is set,
//! and must run under CI=true).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::{SignedDuration, Timestamp};
use threshold_domain::Role;
use threshold_domain::audit::{AuditAction, AuditRecord, ChainVerifier, Outcome};
use threshold_domain::ids::{InquiryId, MailId, UserId};
use threshold_domain::inquiry::{ContactMethod, InquirySource, InquiryStatus};
use threshold_store::inquiries::{NewInquiryRow, QueueFilter, Sort};
use threshold_store::outbox::NewMail;
use threshold_store::users::NewUser;
use threshold_store::{Conn, Db, StoreError, params};
use threshold_testkit::{TestDb, both_backends};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

async fn add_user(db: &Db, email: &str, roles: &'static [Role]) -> UserId {
    let id = UserId::new();
    let email = email.to_owned();
    db.write(move |c| {
        threshold_store::users::insert(
            c,
            &NewUser {
                id,
                email: &email,
                name: "Test Person",
                roles,
                password_hash: Some("x"),
                now: t("2026-11-25T10:00:00Z"),
            },
        )
    })
    .await
    .unwrap();
    id
}

fn audit(action: AuditAction, subject: &str) -> AuditRecord {
    AuditRecord {
        seq: 0,
        at_ms: t("2026-11-25T10:00:00Z").as_millisecond(),
        actor_user_id: None,
        actor_roles: String::new(),
        action: action.as_str().into(),
        outcome: Outcome::Ok.as_str().into(),
        subject_type: Some("inquiry".into()),
        subject_ids: subject.into(),
        client_id: None,
        request_id: None,
        source_ip: None,
        detail: None,
    }
}

async fn add_inquiry(db: &Db, name: &str, at: Timestamp) -> InquiryId {
    let id = InquiryId::new();
    let name = name.to_owned();
    db.write(move |c| {
        threshold_store::inquiries::insert(
            c,
            &NewInquiryRow {
                id,
                now: at,
                name: &name,
                search_name: &name.to_lowercase(),
                email: "someone@example.org",
                phone: None,
                preferred_contact: ContactMethod::Email,
                reason_enc: "sealed",
                heard_from: None,
                source: InquirySource::Web,
                entered_by: None,
            },
        )
    })
    .await
    .unwrap();
    id
}

both_backends!(
    async fn migrations_are_recorded_and_running_them_again_changes_nothing(db: TestDb) {
        assert_eq!(db.db.migrate().await.unwrap(), Vec::<i64>::new());
        let versions = db
            .db
            .read(|c| c.query_i64("select count(*) from schema_migrations", params![]))
            .await
            .unwrap();
        assert_eq!(versions, 11, "one row per migration");
    }
);

both_backends!(
    async fn two_copies_starting_at_once_migrate_once(db: TestDb) {
        let fresh = TestDb::empty(db.backend).await;
        let other = Db::open(&fresh.url, Default::default()).await.unwrap();
        let (a, b) = tokio::join!(fresh.db.migrate(), other.migrate());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(
            (a.is_empty() && b == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
                || (b.is_empty() && a == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
            "exactly one copy applied the migrations: {a:?} {b:?}"
        );
        other.close().await;
    }
);

both_backends!(
    async fn one_email_is_one_account(db: TestDb) {
        add_user(&db.db, "ada@example.org", &[Role::Coordinator]).await;
        let err = db
            .db
            .write(|c| {
                threshold_store::users::insert(
                    c,
                    &NewUser {
                        id: UserId::new(),
                        email: "ada@example.org",
                        name: "Someone Else",
                        roles: &[Role::Clinician],
                        password_hash: None,
                        now: t("2026-11-25T10:00:00Z"),
                    },
                )
            })
            .await
            .unwrap_err();
        assert!(err.is_unique(), "{err:?}");
        let n = db
            .db
            .read(|c| threshold_store::users::count(c))
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
);

both_backends!(
    async fn users_come_back_with_their_roles(db: TestDb) {
        let id = add_user(
            &db.db,
            "grace@example.org",
            &[Role::Clinician, Role::Physician],
        )
        .await;
        let u = db
            .db
            .read(|c| threshold_store::users::find_by_email(c, "grace@example.org"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.id, id);
        assert!(u.is_staff && u.active && !u.totp_enabled);
        assert!(u.roles.contains(Role::Physician) && u.roles.contains(Role::Clinician));
        assert!(!u.roles.contains(Role::Administrator));
    }
);

both_backends!(
    async fn a_failed_write_leaves_nothing_behind(db: TestDb) {
        let result: Result<(), StoreError> = db
            .db
            .write(|c| {
                threshold_store::users::insert(
                    c,
                    &NewUser {
                        id: UserId::new(),
                        email: "half@example.org",
                        name: "Half Done",
                        roles: &[Role::Coordinator],
                        password_hash: None,
                        now: t("2026-11-25T10:00:00Z"),
                    },
                )?;
                Err(StoreError::Config("refused after the insert".into()))
            })
            .await;
        assert!(result.is_err());
        let found = db
            .db
            .read(|c| threshold_store::users::find_by_email(c, "half@example.org"))
            .await
            .unwrap();
        assert!(found.is_none());
    }
);

both_backends!(
    async fn many_concurrent_writes_all_land(db: TestDb) {
        let mut handles = Vec::new();
        for i in 0..100 {
            let d = db.db.clone();
            handles.push(tokio::spawn(async move {
                d.write(move |c| {
                    threshold_store::audit::append(
                        c,
                        audit(AuditAction::InquiryViewed, &format!("i{i}")),
                    )
                })
                .await
            }));
        }
        let mut seqs = Vec::new();
        for h in handles {
            seqs.push(h.await.unwrap().unwrap());
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=100).collect::<Vec<i64>>(), "one unbroken chain");
        let entries = db
            .db
            .read(|c| threshold_store::audit::page_after(c, 0, 1000))
            .await
            .unwrap();
        let head = db
            .db
            .read(|c| threshold_store::audit::head(c))
            .await
            .unwrap();
        let mut v = ChainVerifier::default();
        for e in &entries {
            v.check(e).unwrap();
        }
        assert_eq!(v.finish(head), Ok(100));
    }
);

both_backends!(
    async fn the_audit_log_refuses_edits_and_deletions(db: TestDb) {
        db.db
            .write(|c| threshold_store::audit::append(c, audit(AuditAction::SignIn, "")))
            .await
            .unwrap();
        let edit = db
            .db
            .write(|c| {
                c.execute(
                    "update audit_log set action = 'nothing' where seq = 1",
                    params![],
                )
            })
            .await;
        assert!(edit.is_err(), "an edit went through");
        let delete = db
            .db
            .write(|c| c.execute("delete from audit_log", params![]))
            .await;
        assert!(delete.is_err(), "a deletion went through");
        let n = db
            .db
            .read(|c| threshold_store::audit::count(c))
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
);

both_backends!(
    async fn the_queue_filters_searches_and_sorts(db: TestDb) {
        let base = t("2026-11-01T09:00:00Z");
        let ada = add_inquiry(&db.db, "Ada Lovelace", base).await;
        let _grace =
            add_inquiry(&db.db, "Grace Hopper", base + SignedDuration::from_hours(1)).await;
        let zoe = add_inquiry(&db.db, "Zoë Ångström", base + SignedDuration::from_hours(2)).await;
        db.db
            .write(move |c| {
                threshold_store::inquiries::set_status(c, ada, InquiryStatus::Contacted, None, base)
            })
            .await
            .unwrap();

        let q = |f: QueueFilter| {
            let d = db.db.clone();
            async move {
                d.read(move |c| threshold_store::inquiries::queue(c, &f, 50, 0))
                    .await
                    .unwrap()
            }
        };
        let (all, total) = q(QueueFilter::default()).await;
        assert_eq!(total, 3);
        assert_eq!(all[0].id, zoe, "newest first by default");

        let (oldest, _) = q(QueueFilter {
            sort: Sort::Oldest,
            ..Default::default()
        })
        .await;
        assert_eq!(oldest[0].id, ada);

        let (contacted, n) = q(QueueFilter {
            status: Some(InquiryStatus::Contacted),
            ..Default::default()
        })
        .await;
        assert_eq!((n, contacted[0].id), (1, ada));

        // Case-insensitive beyond ASCII, identically on both databases.
        let (found, n) = q(QueueFilter {
            name_contains: Some("ÅNGSTR".into()),
            ..Default::default()
        })
        .await;
        assert_eq!((n, found[0].id), (1, zoe));

        // SQL in a search is only ever a string to look for.
        let (none, n) = q(QueueFilter {
            name_contains: Some("' or 1=1 --".into()),
            ..Default::default()
        })
        .await;
        assert_eq!((none.len(), n), (0, 0));
        let (none, _) = q(QueueFilter {
            name_contains: Some("%".into()),
            ..Default::default()
        })
        .await;
        assert!(none.is_empty(), "a % is a character, not a wildcard");
    }
);

both_backends!(
    async fn two_senders_never_claim_the_same_mail(db: TestDb) {
        let now = t("2026-11-25T10:00:00Z");
        for i in 0..10 {
            db.db
                .write(move |c| {
                    threshold_store::outbox::enqueue(
                        c,
                        &NewMail {
                            id: MailId::new(),
                            kind: "test",
                            to_addr: &format!("p{i}@example.org"),
                            subject: "Hello",
                            body_text: "Body",
                            now,
                        },
                    )
                })
                .await
                .unwrap();
        }
        let lease = now + SignedDuration::from_mins(5);
        let claim = |w: &'static str| {
            let d = db.db.clone();
            async move {
                d.write(move |c| threshold_store::outbox::claim_due(c, w, now, lease, 10))
                    .await
                    .unwrap()
            }
        };
        let (a, b) = tokio::join!(claim("a"), claim("b"));
        assert_eq!(a.len() + b.len(), 10);
        let mut ids: Vec<_> = a.iter().chain(b.iter()).map(|m| m.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 10, "no message was claimed twice");

        // A claim that lapsed (its sender died) is due again.
        let later = lease + SignedDuration::from_secs(1);
        let again = db
            .db
            .write(move |c| {
                threshold_store::outbox::claim_due(
                    c,
                    "c",
                    later,
                    later + SignedDuration::from_mins(5),
                    100,
                )
            })
            .await
            .unwrap();
        assert_eq!(again.len(), 10);
    }
);

both_backends!(
    async fn expired_sessions_are_swept(db: TestDb) {
        let user = add_user(&db.db, "s@example.org", &[Role::Coordinator]).await;
        let now = t("2026-11-25T10:00:00Z");
        db.db
            .write(move |c| {
                threshold_store::sessions::insert(
                    c,
                    &threshold_store::sessions::NewSession {
                        id_hash: "h1",
                        user_id: user,
                        stage: threshold_store::sessions::Stage::Full,
                        now,
                        expires_at: now + SignedDuration::from_hours(12),
                        idle_ms: 30 * 60 * 1000,
                        source_ip: Some("127.0.0.1"),
                        user_agent: None,
                    },
                )
            })
            .await
            .unwrap();
        let s = db
            .db
            .read(|c| threshold_store::sessions::get(c, "h1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.user_id, user);
        assert!(s.roles.contains(Role::Coordinator));
        let still = now + SignedDuration::from_mins(29);
        let n = db
            .db
            .write(move |c| threshold_store::sessions::delete_expired(c, still))
            .await
            .unwrap();
        assert_eq!(n, 0);
        let idle = now + SignedDuration::from_mins(30);
        let n = db
            .db
            .write(move |c| threshold_store::sessions::delete_expired(c, idle))
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
);

#[allow(dead_code)]
fn assert_conn_is_object_safe(_: &mut dyn Conn) {}

both_backends!(
    async fn the_kept_status_totals_match_a_count_of_the_table(db: TestDb) {
        let base = t("2026-11-01T09:00:00Z");
        let mut ids = Vec::new();
        for i in 0..6 {
            ids.push(
                add_inquiry(
                    &db.db,
                    &format!("Person {i}"),
                    base + SignedDuration::from_mins(i),
                )
                .await,
            );
        }
        let moves = [
            (ids[0], InquiryStatus::Contacted),
            (ids[1], InquiryStatus::Closed),
            (ids[1], InquiryStatus::Closed), // no change: counted once
            (ids[2], InquiryStatus::ConsultationBooked),
            (ids[2], InquiryStatus::Converted),
        ];
        for (id, to) in moves {
            db.db
                .write(move |c| threshold_store::inquiries::set_status(c, id, to, None, base))
                .await
                .unwrap();
        }
        let counted = db
            .db
            .read(|c| {
                let mut out = Vec::new();
                for s in InquiryStatus::ALL {
                    out.push((
                        s,
                        c.query_i64(
                            "select count(*) from inquiries where status = $1",
                            params![s.as_str()],
                        )?,
                    ));
                }
                Ok::<_, StoreError>(out)
            })
            .await
            .unwrap();
        let kept = db
            .db
            .read(|c| threshold_store::inquiries::status_totals(c))
            .await
            .unwrap();
        for (s, n) in counted {
            let k = kept.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n);
            assert_eq!(k, n, "{s}");
        }
        // And the queue's total agrees for the open view.
        let (_, total) = db
            .db
            .read(|c| {
                threshold_store::inquiries::queue(
                    c,
                    &QueueFilter {
                        open_only: true,
                        ..Default::default()
                    },
                    50,
                    0,
                )
            })
            .await
            .unwrap();
        assert_eq!(total, 4, "six, less one closed and one converted");
    }
);
