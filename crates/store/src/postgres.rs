//! PostgreSQL through the synchronous `postgres` client on blocking threads, so the
//! same closures that run on SQLite run here unchanged.
//!
//! Each pooled connection keeps its own prepared-statement cache: a query is parsed
//! by the server once per connection, then only bound and executed.

use std::collections::HashMap;
use std::error::Error as StdError;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};

use crate::conn::{Backend, Conn};
use crate::error::{Result, StoreError};
use crate::value::{Row, Value};

type BoxError = Box<dyn StdError + Sync + Send>;

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, BoxError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                #[allow(clippy::cast_precision_loss)]
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                _ => Err(format!("cannot send an integer as {ty}").into()),
            },
            Value::Real(f) => f.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Bool(b) => match *ty {
                Type::INT8 => i64::from(*b).to_sql(ty, out),
                _ => b.to_sql(ty, out),
            },
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn column_value(row: &postgres::Row, i: usize) -> Result<Value> {
    let ty = row.columns()[i].type_().clone();
    let decode = |e: postgres::Error| StoreError::Decode {
        column: i,
        reason: e.to_string(),
    };
    Ok(match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(i)
            .map_err(decode)?
            .map_or(Value::Null, Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map_err(decode)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map_err(decode)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(i)
            .map_err(decode)?
            .map_or(Value::Null, Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)
            .map_err(decode)?
            .map_or(Value::Null, |v| Value::Real(v.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map_err(decode)?
            .map_or(Value::Null, Value::Bool),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(i)
            .map_err(decode)?
            .map_or(Value::Null, Value::Blob),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => row
            .try_get::<_, Option<String>>(i)
            .map_err(decode)?
            .map_or(Value::Null, Value::Text),
        // Functions called for their effect (advisory locks) return void.
        Type::VOID => Value::Null,
        other => {
            return Err(StoreError::Decode {
                column: i,
                reason: format!("unsupported column type {other}; cast it in the query"),
            });
        }
    })
}

/// A pooled PostgreSQL connection with its statement cache.
pub struct PgConnection {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// Opens connections for the pool.
#[derive(Debug)]
pub struct PgManager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConnection;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<PgConnection, postgres::Error> {
        let client = self.config.connect(NoTls)?;
        Ok(PgConnection {
            client,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut PgConnection) -> std::result::Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgConnection) -> bool {
        conn.client.is_closed()
    }
}

/// A transaction on a pooled connection, seen through [`Conn`].
struct PgConn<'a, 'b> {
    tx: &'b mut postgres::Transaction<'a>,
    statements: &'b mut HashMap<String, Statement>,
}

impl PgConn<'_, '_> {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        // Bounded: our query texts are a fixed set, but ad-hoc ones must not grow this forever.
        if self.statements.len() > 512 {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Conn for PgConn<'_, '_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let stmt = self.statement(sql)?;
        Ok(self.tx.execute(&stmt, &refs(params))?)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let stmt = self.statement(sql)?;
        let rows = self.tx.query(&stmt, &refs(params))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| column_value(r, i))
                    .collect::<Result<Vec<_>>>()
                    .map(Row)
            })
            .collect()
    }

    fn backend(&self) -> Backend {
        Backend::Postgres
    }
}

/// The PostgreSQL backend.
pub struct PgDb {
    pool: Option<r2d2::Pool<PgManager>>,
}

impl Drop for PgDb {
    /// The synchronous client runs its own small runtime to close a connection,
    /// which must not happen on an async worker thread: the pool's connections are
    /// closed on a plain thread instead.
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl PgDb {
    pub fn open(url: &str, size: u32) -> Result<Self> {
        let config: postgres::Config = url.parse().map_err(|e| {
            StoreError::Config(format!(
                "THRESHOLD_DATABASE_URL is not a valid PostgreSQL URL: {e}"
            ))
        })?;
        let pool = r2d2::Pool::builder()
            .max_size(size.max(1))
            .min_idle(Some(1))
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(PgManager { config })?;
        Ok(Self { pool: Some(pool) })
    }

    fn pool(&self) -> Result<&r2d2::Pool<PgManager>> {
        self.pool.as_ref().ok_or(StoreError::Closed)
    }

    pub(crate) fn client(&self) -> Result<r2d2::PooledConnection<PgManager>> {
        Ok(self.pool()?.get()?)
    }

    pub(crate) fn read<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&mut dyn Conn) -> std::result::Result<T, E>,
    {
        let mut pooled = self.client()?;
        let PgConnection { client, statements } = &mut *pooled;
        let mut tx = client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(StoreError::from)?;
        let out = f(&mut PgConn {
            tx: &mut tx,
            statements,
        })?;
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    pub(crate) fn write<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&mut dyn Conn) -> std::result::Result<T, E>,
    {
        let mut pooled = self.client()?;
        let PgConnection { client, statements } = &mut *pooled;
        let mut tx = client.transaction().map_err(StoreError::from)?;
        let out = f(&mut PgConn {
            tx: &mut tx,
            statements,
        });
        match out {
            Ok(v) => {
                tx.commit().map_err(StoreError::from)?;
                Ok(v)
            }
            Err(e) => {
                // Dropping the transaction rolls it back.
                drop(tx);
                Err(e)
            }
        }
    }

    pub(crate) fn with_client<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let mut pooled = self.client()?;
        let out = f(&mut pooled.client);
        // Session-level state (advisory locks, prepared statements of ours that the
        // migration may have invalidated) must not leak into later borrowers.
        pooled.statements.clear();
        out
    }
}
