//! Transactions: parsing a JSON object against a table's columns.
//!
//! A transaction must give every column (`date` included) and nothing else;
//! each value must have its column's JSON type and lie in its domain. Every
//! problem is reported with its code and the field it concerns — never
//! guessed around.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::codes::Code;
use crate::date::{Date, DateError};
use crate::suggest::{did_you_mean, similar};
use crate::table::{ColumnSpec, ColumnType};

/// A transaction's value, compiled for evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A country or enum value, by its index in the column's domain.
    Symbol(u32),
    /// A string.
    Text(String),
    /// An ECCN.
    Eccn(String),
    /// A number.
    Number(f64),
    /// A date, as days since 1970-01-01.
    Day(f64),
    /// A boolean.
    Bool(bool),
}

/// A parsed transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// The date as given.
    pub date: std::sync::Arc<str>,
    /// One value per column, in the table's column order.
    pub values: Vec<Val>,
}

/// Why a transaction cannot be decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TxError {
    /// The code (`E0601`–`E0607`).
    pub code: String,
    /// The field concerned, if one is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl TxError {
    /// A new error.
    pub fn new(code: Code, field: Option<&str>, message: impl Into<String>) -> Self {
        TxError {
            code: code.info().code.to_string(),
            field: field.map(str::to_string),
            message: message.into(),
        }
    }
}

/// A table's columns, indexed: name → position, and for country and enum
/// columns, domain value → index. Building it refuses what a consumer could
/// read two ways: a column named twice, a domain value listed twice, or no
/// `date` column of type `date`.
#[derive(Debug, Clone, Default)]
pub struct ColumnIndex {
    names: HashMap<String, usize>,
    domains: Vec<HashMap<String, u32>>,
}

impl ColumnIndex {
    /// Indexes `columns`; the error says what is ambiguous.
    pub fn new(columns: &[ColumnSpec]) -> Result<ColumnIndex, String> {
        let mut names = HashMap::with_capacity(columns.len());
        let mut domains = Vec::with_capacity(columns.len());
        for (i, col) in columns.iter().enumerate() {
            if names.insert(col.name.clone(), i).is_some() {
                return Err(format!("column `{}` is listed twice", col.name));
            }
            let mut domain = HashMap::with_capacity(col.domain.len());
            for (j, v) in col.domain.iter().enumerate() {
                let j = u32::try_from(j).map_err(|_| "a domain of over 2^32 values".to_string())?;
                if domain.insert(v.clone(), j).is_some() {
                    return Err(format!(
                        "the domain of column `{}` lists `{v}` twice",
                        col.name
                    ));
                }
            }
            domains.push(domain);
        }
        match names.get("date").map(|&i| columns[i].ty) {
            Some(ColumnType::Date) => {}
            _ => return Err("the table has no column `date` of type `date`".into()),
        }
        Ok(ColumnIndex { names, domains })
    }

    /// The position of the column named `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.get(name).copied()
    }

    /// The index of `value` in the domain of column `col`.
    pub fn symbol(&self, col: usize, value: &str) -> Option<u32> {
        self.domains.get(col)?.get(value).copied()
    }
}

/// Parses one transaction; every problem is reported.
pub fn parse(
    columns: &[ColumnSpec],
    index: &ColumnIndex,
    json: &serde_json::Value,
) -> Result<Transaction, Vec<TxError>> {
    let Some(object) = json.as_object() else {
        return Err(vec![TxError::new(
            Code::MalformedTransaction,
            None,
            format!("a transaction is a JSON object, not {}", kind_of(json)),
        )]);
    };
    let mut errors = Vec::new();
    for key in object.keys() {
        if index.column(key).is_none() {
            let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
            let close = similar(key, names.iter().copied());
            let mut message = format!("unknown field `{key}`");
            if let Some(help) = did_you_mean(&close) {
                message.push_str(&format!("; {help}"));
            }
            errors.push(TxError::new(Code::TxUnknownField, Some(key), message));
        }
    }
    let mut values = Vec::with_capacity(columns.len());
    let mut date = String::new();
    for (i, col) in columns.iter().enumerate() {
        let Some(v) = object.get(&col.name) else {
            errors.push(TxError::new(
                Code::TxMissingField,
                Some(&col.name),
                format!("missing field `{}` ({})", col.name, type_name(col.ty)),
            ));
            continue;
        };
        match value(col, |text| index.symbol(i, text), v) {
            Ok(val) => {
                if col.name == "date"
                    && let Some(text) = v.as_str()
                {
                    date = text.to_string();
                }
                values.push(val);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(Transaction {
            date: date.into(),
            values,
        })
    } else {
        Err(errors)
    }
}

fn value(
    col: &ColumnSpec,
    symbol: impl Fn(&str) -> Option<u32>,
    v: &serde_json::Value,
) -> Result<Val, TxError> {
    let field = Some(col.name.as_str());
    let wrong = || {
        TxError::new(
            Code::WrongFieldType,
            field,
            format!(
                "field `{}` must be {}, found {}",
                col.name,
                type_name(col.ty),
                kind_of(v)
            ),
        )
    };
    match col.ty {
        ColumnType::Number => v.as_f64().map(Val::Number).ok_or_else(wrong),
        ColumnType::Bool => v.as_bool().map(Val::Bool).ok_or_else(wrong),
        ColumnType::String => v
            .as_str()
            .map(|s| Val::Text(s.to_string()))
            .ok_or_else(wrong),
        ColumnType::Date => {
            let text = v.as_str().ok_or_else(wrong)?;
            match Date::parse(text) {
                Ok(d) => Ok(Val::Day(d.days_since_epoch() as f64)),
                Err(e) => Err(TxError::new(
                    Code::InvalidDate,
                    field,
                    format!(
                        "field `{}`: `{text}` is not a date ({})",
                        col.name,
                        date_problem(&e)
                    ),
                )),
            }
        }
        ColumnType::Eccn => {
            let text = v.as_str().ok_or_else(wrong)?;
            match crate::eccn::eccn_problem(text) {
                None => Ok(Val::Eccn(text.to_string())),
                Some(why) => Err(TxError::new(
                    Code::InvalidEccn,
                    field,
                    format!("field `{}`: `{text}` is not an ECCN ({why})", col.name),
                )),
            }
        }
        ColumnType::Country | ColumnType::Enum => {
            let text = v.as_str().ok_or_else(wrong)?;
            match symbol(text) {
                Some(i) => Ok(Val::Symbol(i)),
                None => {
                    let what = if col.ty == ColumnType::Country {
                        "a known ISO 3166-1 alpha-2 country code".to_string()
                    } else {
                        format!(
                            "one of the values of `{}`",
                            col.enum_name.as_deref().unwrap_or(&col.name)
                        )
                    };
                    let close = similar(text, col.domain.iter().map(String::as_str));
                    let mut message = format!("field `{}`: `{text}` is not {what}", col.name);
                    if let Some(help) = did_you_mean(&close) {
                        message.push_str(&format!("; {help}"));
                    }
                    Err(TxError::new(Code::UnknownValue, field, message))
                }
            }
        }
    }
}

fn date_problem(e: &DateError) -> String {
    match e {
        DateError::Shape => "expected YYYY-MM-DD".into(),
        DateError::Month(m) => format!("there is no month {m}"),
        DateError::Day { day, days_in_month } => {
            format!("that month has {days_in_month} days, not {day}")
        }
    }
}

fn type_name(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Date => "a date string (YYYY-MM-DD)",
        ColumnType::Number => "a number",
        ColumnType::Bool => "true or false",
        ColumnType::String => "a string",
        ColumnType::Eccn => "an ECCN string",
        ColumnType::Country => "a country code string",
        ColumnType::Enum => "an enum value string",
    }
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
