//! A query text with its parameters, for the few queries whose filters are chosen
//! at run time. Only fixed SQL fragments are ever appended; every value a person
//! supplied goes in as a numbered parameter.

use crate::value::Value;

#[derive(Debug, Default)]
pub struct Query {
    pub sql: String,
    pub args: Vec<Value>,
}

impl Query {
    pub fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            args: Vec::new(),
        }
    }

    /// Adds a parameter and returns its placeholder (`$3`).
    pub fn arg(&mut self, v: impl Into<Value>) -> String {
        self.args.push(v.into());
        format!("${}", self.args.len())
    }

    /// Appends a fixed fragment.
    pub fn push(&mut self, fragment: &str) {
        self.sql.push_str(fragment);
    }
}
