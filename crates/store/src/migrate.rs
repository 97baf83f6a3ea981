//! Schema migrations, one folder per backend (their column types differ), applied in
//! version order inside one transaction each.
//!
//! Written here rather than taken from a migration crate because the whole runner
//! is the lock plus a loop: SQLite serialises concurrent starters with
//! `begin immediate`, PostgreSQL with an advisory lock, and both record what ran in
//! `schema_migrations`.

use std::path::Path;

use postgres::Client;

use crate::error::{Result, StoreError};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/sqlite/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "journeys",
        sql: include_str!("../migrations/sqlite/0002_journeys.sql"),
    },
    Migration {
        version: 3,
        name: "questionnaires",
        sql: include_str!("../migrations/sqlite/0003_questionnaires.sql"),
    },
    Migration {
        version: 4,
        name: "intakes",
        sql: include_str!("../migrations/sqlite/0004_intakes.sql"),
    },
    Migration {
        version: 5,
        name: "care plan",
        sql: include_str!("../migrations/sqlite/0005_care_plan.sql"),
    },
    Migration {
        version: 6,
        name: "scheduling",
        sql: include_str!("../migrations/sqlite/0006_scheduling.sql"),
    },
    Migration {
        version: 7,
        name: "calendar feeds",
        sql: include_str!("../migrations/sqlite/0007_calendar_feeds.sql"),
    },
    Migration {
        version: 8,
        name: "change requests",
        sql: include_str!("../migrations/sqlite/0008_change_requests.sql"),
    },
    Migration {
        version: 9,
        name: "consultation bookings",
        sql: include_str!("../migrations/sqlite/0009_consultation_bookings.sql"),
    },
    Migration {
        version: 10,
        name: "groups",
        sql: include_str!("../migrations/sqlite/0010_groups.sql"),
    },
    Migration {
        version: 11,
        name: "partner people",
        sql: include_str!("../migrations/sqlite/0011_partner_people.sql"),
    },
];

const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "journeys",
        sql: include_str!("../migrations/postgres/0002_journeys.sql"),
    },
    Migration {
        version: 3,
        name: "questionnaires",
        sql: include_str!("../migrations/postgres/0003_questionnaires.sql"),
    },
    Migration {
        version: 4,
        name: "intakes",
        sql: include_str!("../migrations/postgres/0004_intakes.sql"),
    },
    Migration {
        version: 5,
        name: "care plan",
        sql: include_str!("../migrations/postgres/0005_care_plan.sql"),
    },
    Migration {
        version: 6,
        name: "scheduling",
        sql: include_str!("../migrations/postgres/0006_scheduling.sql"),
    },
    Migration {
        version: 7,
        name: "calendar feeds",
        sql: include_str!("../migrations/postgres/0007_calendar_feeds.sql"),
    },
    Migration {
        version: 8,
        name: "change requests",
        sql: include_str!("../migrations/postgres/0008_change_requests.sql"),
    },
    Migration {
        version: 9,
        name: "consultation bookings",
        sql: include_str!("../migrations/postgres/0009_consultation_bookings.sql"),
    },
    Migration {
        version: 10,
        name: "groups",
        sql: include_str!("../migrations/postgres/0010_groups.sql"),
    },
    Migration {
        version: 11,
        name: "partner people",
        sql: include_str!("../migrations/postgres/0011_partner_people.sql"),
    },
];

/// The key PostgreSQL's advisory lock is taken on while migrating.
const PG_LOCK: i64 = 0x7468_7265_7368; // "thresh"

const CREATE_TABLE: &str = "create table if not exists schema_migrations (
    version bigint primary key,
    name text not null,
    applied_at text not null
)";

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

pub(crate) fn sqlite(path: &Path) -> Result<Vec<i64>> {
    let mut c = crate::sqlite::open_rw(path)?;
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(CREATE_TABLE)?;
    let mut applied = Vec::new();
    for m in SQLITE {
        let done: i64 = tx.query_row(
            "select count(*) from schema_migrations where version = ?1",
            [m.version],
            |r| r.get(0),
        )?;
        if done > 0 {
            continue;
        }
        tx.execute_batch(m.sql).map_err(|e| {
            StoreError::Database(format!("migration {} ({}) failed: {e}", m.version, m.name))
        })?;
        tx.execute(
            "insert into schema_migrations (version, name, applied_at) values (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, now()],
        )?;
        applied.push(m.version);
    }
    tx.commit()?;
    Ok(applied)
}

pub(crate) fn postgres(client: &mut Client) -> Result<Vec<i64>> {
    client.execute("select pg_advisory_lock($1)", &[&PG_LOCK])?;
    let result = (|| -> Result<Vec<i64>> {
        let mut tx = client.transaction()?;
        tx.batch_execute(CREATE_TABLE)?;
        let mut applied = Vec::new();
        for m in POSTGRES {
            let done: i64 = tx
                .query_one(
                    "select count(*) from schema_migrations where version = $1",
                    &[&m.version],
                )?
                .get(0);
            if done > 0 {
                continue;
            }
            tx.batch_execute(m.sql).map_err(|e| {
                StoreError::Database(format!("migration {} ({}) failed: {e}", m.version, m.name))
            })?;
            tx.execute(
                "insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)",
                &[&m.version, &m.name, &now()],
            )?;
            applied.push(m.version);
        }
        tx.commit()?;
        Ok(applied)
    })();
    client.execute("select pg_advisory_unlock($1)", &[&PG_LOCK])?;
    result
}
