//! The storage layer's one error type. Handlers never see driver errors: the
//! service layer maps these to "not found", "already exists" or an internal error.

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; `detail` names the constraint or
    /// column as the database reported it.
    #[error("unique constraint violated: {detail}")]
    Unique { detail: String },
    /// A foreign key refused the write.
    #[error("foreign key violated: {detail}")]
    ForeignKey { detail: String },
    /// A row did not decode into the expected type (a bug, or a damaged row).
    #[error("could not decode column {column}: {reason}")]
    Decode { column: usize, reason: String },
    /// Expected exactly one row and found none.
    #[error("no row returned")]
    NoRow,
    /// The database refused or failed the operation.
    #[error("database error: {0}")]
    Database(String),
    /// No connection could be had.
    #[error("connection pool: {0}")]
    Pool(String),
    /// The database was closed (shutting down).
    #[error("the database is closed")]
    Closed,
    /// The configured URL is not one we understand.
    #[error("{0}")]
    Config(String),
}

impl StoreError {
    pub fn is_unique(&self) -> bool {
        matches!(self, StoreError::Unique { .. })
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        if let rusqlite::Error::SqliteFailure(err, msg) = &e {
            let detail = msg.clone().unwrap_or_default();
            match err.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    return StoreError::Unique { detail };
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::ForeignKey { detail },
                _ => {}
            }
        }
        if let rusqlite::Error::QueryReturnedNoRows = e {
            return StoreError::NoRow;
        }
        StoreError::Database(e.to_string())
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        if let Some(db) = e.as_db_error() {
            let detail = db.constraint().unwrap_or(db.message()).to_owned();
            if *db.code() == SqlState::UNIQUE_VIOLATION {
                return StoreError::Unique { detail };
            }
            if *db.code() == SqlState::FOREIGN_KEY_VIOLATION {
                return StoreError::ForeignKey { detail };
            }
            return StoreError::Database(format!("{}: {}", db.code().code(), db.message()));
        }
        if e.is_closed() {
            return StoreError::Closed;
        }
        StoreError::Database(e.to_string())
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Pool(e.to_string())
    }
}
