//! Deciding one input row: from its fields (CSV, Parquet) or its JSON line
//! to the evaluator's output, with the row's id.

use std::collections::HashSet;
use std::sync::Arc;

use edict_engine::codes::Code;
use edict_engine::eval::{Evaluator, Output, Rejected, TxError};
use serde_json::Value;

use crate::Screened;
use crate::read::{CsvFields, ParquetCols, csv_row, parquet_row};

/// An output row's id.
#[derive(Debug, Clone, PartialEq)]
pub enum Id {
    /// The row's number over all inputs, from 1.
    Row(u64),
    /// The `--id` column's value (`None`: missing or null).
    Value(Option<Value>),
}

/// A row as read, before deciding.
#[derive(Debug)]
pub(crate) struct Raw {
    /// Its line (CSV, JSON Lines) or row (Parquet) number in its file.
    pub line: usize,
    /// What was read.
    pub input: RawInput,
}

/// What a reader found in a row.
#[derive(Debug)]
pub(crate) enum RawInput {
    /// A JSON Lines line, parsed when decided.
    Json(Vec<u8>),
    /// A CSV record, typed when decided.
    Csv(Arc<CsvFields>, csv::ByteRecord),
    /// Row of a Parquet batch, read when decided.
    Parquet(Arc<ParquetCols>, usize),
    /// A row that cannot be read, with why.
    Broken(TxError),
}

/// The names a screening reads: the table's input columns, and the id.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    /// The table's input columns.
    pub table: HashSet<String>,
    /// The `--id` column.
    pub id: Option<String>,
}

impl Columns {
    pub fn of(evaluator: &Evaluator, id: Option<&str>) -> Columns {
        Columns {
            table: evaluator
                .table()
                .columns
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            id: id.map(str::to_string),
        }
    }

    /// Whether a reader should keep the field `name`.
    pub fn wants(&self, name: &str) -> bool {
        self.table.contains(name) || self.id.as_deref() == Some(name)
    }
}

/// Decides one row; `number` is its row number over all inputs.
pub(crate) fn row(
    evaluator: &Evaluator,
    columns: &Columns,
    explain: bool,
    number: u64,
    raw: Raw,
) -> Screened {
    let line = raw.line;
    let (id, fields) = fields(columns, number, raw);
    let output = decide(evaluator, explain, line, fields);
    Screened { id, output }
}

/// A row's id and its fields (the ones `columns` wants, less the id when
/// the table does not read it), or why they cannot be read.
pub(crate) fn fields(
    columns: &Columns,
    number: u64,
    raw: Raw,
) -> (Id, Result<Fields, Vec<TxError>>) {
    let fields = match raw.input {
        RawInput::Csv(fields, record) => csv_row(&record, &fields).map_err(|e| vec![e]),
        RawInput::Parquet(cols, r) => Ok(parquet_row(&cols, r)),
        RawInput::Broken(e) => Err(vec![e]),
        RawInput::Json(bytes) => edict_engine::eval::json::parse_strict(&bytes)
            .map_err(|e| {
                vec![TxError::new(
                    Code::MalformedTransaction,
                    None,
                    format!("not valid JSON: {e}"),
                )]
            })
            .and_then(|v| match v {
                Value::Object(map) => {
                    Ok(map.into_iter().filter(|(k, _)| columns.wants(k)).collect())
                }
                other => Err(vec![TxError::new(
                    Code::MalformedTransaction,
                    None,
                    format!("a transaction is a JSON object, not {}", kind(&other)),
                )]),
            }),
    };
    match fields {
        Ok(mut fields) => {
            let id = match &columns.id {
                Some(name) if columns.table.contains(name) => Id::Value(fields.get(name).cloned()),
                Some(name) => Id::Value(fields.remove(name)),
                None => Id::Row(number),
            };
            (id, Ok(fields))
        }
        Err(e) => (
            match columns.id {
                Some(_) => Id::Value(None),
                None => Id::Row(number),
            },
            Err(e),
        ),
    }
}

/// A row's fields by name.
pub(crate) type Fields = serde_json::Map<String, Value>;

/// What `edict eval` would print for a row read from `line`.
pub(crate) fn decide(
    evaluator: &Evaluator,
    explain: bool,
    line: usize,
    fields: Result<Fields, Vec<TxError>>,
) -> Output {
    match fields.and_then(|f| evaluator.transaction(&Value::Object(f))) {
        Ok(tx) if explain => Output::Decided(evaluator.explain(&tx)),
        Ok(tx) => Output::Decided(evaluator.decide(&tx)),
        Err(errors) => Output::Rejected(Rejected {
            line: Some(line),
            errors,
        }),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
