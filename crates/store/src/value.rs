//! The values that cross between our queries and either database.
//!
//! Both backends speak this small vocabulary (integers, reals, text, booleans,
//! bytes, null), so one query text and one row decoder serve SQLite and PostgreSQL
//! alike. Instants are stored as integer milliseconds since the Unix epoch (UTC) and
//! ids as their canonical text.

use jiff::Timestamp;

use crate::error::{Result, StoreError};

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v.into())
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Blob(v.to_vec())
    }
}
impl From<Timestamp> for Value {
    fn from(v: Timestamp) -> Self {
        Value::Int(v.as_millisecond())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

macro_rules! id_values {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Text(v.to_string())
            }
        }
        impl From<&$t> for Value {
            fn from(v: &$t) -> Self {
                Value::Text(v.to_string())
            }
        }
        impl FromValue for $t {
            fn from_value(v: &Value, column: usize) -> Result<Self> {
                let s = String::from_value(v, column)?;
                s.parse().map_err(|_| StoreError::Decode { column, reason: format!("bad id {s:?}") })
            }
        }
    )*};
}

use threshold_domain::ids::*;
id_values!(
    UserId,
    ClientId,
    InquiryId,
    LocationId,
    RoomId,
    TokenId,
    MailId,
    InvitationId,
    InquiryEventId,
    JourneyId
);

/// Builds a parameter list: `params![id, name, now]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::Value] };
    ($($v:expr),+ $(,)?) => { &[$($crate::Value::from($v)),+] as &[$crate::Value] };
}

/// Decodes one column value into a Rust type.
pub trait FromValue: Sized {
    fn from_value(v: &Value, column: usize) -> Result<Self>;

    /// Decodes from an owned value; text moves instead of being copied.
    fn from_owned(v: Value, column: usize) -> Result<Self> {
        Self::from_value(&v, column)
    }
}

fn wrong(column: usize, want: &str, v: &Value) -> StoreError {
    StoreError::Decode {
        column,
        reason: format!("expected {want}, found {v:?}"),
    }
}

impl FromValue for i64 {
    fn from_value(v: &Value, column: usize) -> Result<Self> {
        match v {
            Value::Int(i) => Ok(*i),
            _ => Err(wrong(column, "integer", v)),
        }
    }
}
impl FromValue for i32 {
    fn from_value(v: &Value, column: usize) -> Result<Self> {
        let i = i64::from_value(v, column)?;
        i32::try_from(i).map_err(|_| wrong(column, "32-bit integer", v))
    }
}
impl FromValue for u32 {
    fn from_value(v: &Value, column: usize) -> Result<Self> {
        let i = i64::from_value(v, column)?;
        u32::try_from(i).map_err(|_| wrong(column, "unsigned 32-bit integer", v))
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value, column: usize) -> Result<Self> {
        match v {
            Value::Real(f) => Ok(*f),
            #[allow(clippy::cast_precision_loss)]
            Value::Int(i) => Ok(*i as f64),
            _ => Err(wrong(column, "real", v)),
        }
    }
}
impl FromValue for bool {
    fn from_value(v: &Value, column: usize) -> Result<Self> {
        match v {
            Value::Bool(b) => Ok(*b),
            // SQLite has no boolean type: 0 and 1.
            Value::Int(i) => Ok(*i != 0),
            _ => Err(wrong(column, "boolean", v)),
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value, column: usize) -> Result<Self> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            _ => Err(wrong(column, "text", v)),
        }
    }
    fn from_owned(v: Value, column: usize) -> Result<Self> {
        match v {
            Value::Text(s) => Ok(s),
            other => Err(wrong(column, "text", &other)),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value, column: usize) -> Result<Self> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            _ => Err(wrong(column, "bytes", v)),
        }
    }
}
impl FromValue for Timestamp {
    fn from_value(v: &Value, column: usize) -> Result<Self> {
        let ms = i64::from_value(v, column)?;
        Timestamp::from_millisecond(ms).map_err(|e| StoreError::Decode {
            column,
            reason: e.to_string(),
        })
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value, column: usize) -> Result<Self> {
        match v {
            Value::Null => Ok(None),
            other => T::from_value(other, column).map(Some),
        }
    }
    fn from_owned(v: Value, column: usize) -> Result<Self> {
        match v {
            Value::Null => Ok(None),
            other => T::from_owned(other, column).map(Some),
        }
    }
}

/// One row of a result.
#[derive(Debug, Clone)]
pub struct Row(pub(crate) Vec<Value>);

impl Row {
    /// The value of column `i` (0-based, in select order).
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = self.0.get(i).ok_or(StoreError::Decode {
            column: i,
            reason: "no such column".into(),
        })?;
        T::from_value(v, i)
    }

    /// Like [`Row::get`], moving the value out (text is not copied). Each column
    /// can be taken once; later reads of it see null.
    pub fn take<T: FromValue>(&mut self, i: usize) -> Result<T> {
        let v = self.0.get_mut(i).ok_or(StoreError::Decode {
            column: i,
            reason: "no such column".into(),
        })?;
        T::from_owned(std::mem::replace(v, Value::Null), i)
    }

    /// Decodes a column holding a closed set of names (`status`, `kind`) through
    /// the domain's parser.
    pub fn parse<T, F>(&self, i: usize, parse: F) -> Result<T>
    where
        F: FnOnce(&str) -> Option<T>,
    {
        let s: String = self.get(i)?;
        parse(&s).ok_or_else(|| StoreError::Decode {
            column: i,
            reason: format!("unknown value {s:?}"),
        })
    }
}
