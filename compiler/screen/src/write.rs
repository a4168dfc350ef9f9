//! Writing screened rows: JSON Lines (each line `edict eval`'s output with
//! the row's `id` first), CSV (flat columns, lists as JSON arrays) and
//! Parquet (a struct column per jurisdiction, lists as lists of strings).
//! Files are written under a temporary name and renamed into place.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Builder, ListBuilder, StringBuilder, StructArray};
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use edict_engine::eval::{Decision, Evaluator, Output};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use serde_json::Value;

use crate::{Format, Id, Options, Screened};

/// Where output goes: standard output, or a temporary file next to the
/// output path until [`Target::commit`].
pub(crate) enum Target {
    Stdout,
    File { temporary: PathBuf, path: PathBuf },
}

impl Target {
    pub fn create(output: &str) -> Result<Target, String> {
        if output == "-" {
            return Ok(Target::Stdout);
        }
        let path = PathBuf::from(output);
        let temporary = crate::temporary(&path);
        File::create_new(&temporary)
            .map_err(|e| format!("cannot write next to `{output}`: {e}"))?;
        Ok(Target::File { temporary, path })
    }

    /// The stream to write to.
    pub fn file(&self) -> Result<Box<dyn Write + Send>, String> {
        match self {
            Target::Stdout => Ok(Box::new(std::io::stdout())),
            Target::File { temporary, .. } => File::options()
                .write(true)
                .truncate(true)
                .open(temporary)
                .map(|f| Box::new(f) as Box<dyn Write + Send>)
                .map_err(|e| format!("cannot write `{}`: {e}", temporary.display())),
        }
    }

    /// Moves the finished file into place.
    pub fn commit(&self) -> Result<(), String> {
        match self {
            Target::Stdout => Ok(()),
            Target::File { temporary, path } => std::fs::rename(temporary, path).map_err(|e| {
                let _ = std::fs::remove_file(temporary);
                format!("cannot write `{}`: {e}", path.display())
            }),
        }
    }

    /// Removes the unfinished file.
    pub fn abandon(&self) {
        if let Target::File { temporary, .. } = self {
            let _ = std::fs::remove_file(temporary);
        }
    }
}

/// A writer of screened rows.
pub(crate) trait Sink: Send {
    fn write(&mut self, rows: &[Screened]) -> Result<(), String>;
    fn finish(self: Box<Self>) -> Result<(), String>;
}

/// The sink for `format`.
pub(crate) fn sink(
    format: Format,
    out: Box<dyn Write + Send>,
    evaluator: &Evaluator,
    options: &Options,
) -> Result<Box<dyn Sink>, String> {
    let jurisdictions = evaluator.table().jurisdictions.clone();
    Ok(match format {
        Format::Jsonl => Box::new(Jsonl(BufWriter::new(out))),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let mut header = vec![
                "id".to_string(),
                "date".into(),
                "rejected".into(),
                "errors".into(),
            ];
            for j in &jurisdictions {
                header.extend(PARTS.iter().map(|p| format!("{j}.{p}")));
            }
            if options.explain {
                header.push("explanation".into());
            }
            w.write_record(&header).map_err(io)?;
            Box::new(Csv {
                w,
                jurisdictions,
                explain: options.explain,
            })
        }
        Format::Parquet => {
            let schema = parquet_schema(&jurisdictions, options);
            // The receipt: which table decided, and whose signature over
            // it was verified (JSON Lines rows carry both in each row).
            let mut receipt = vec![KeyValue::new(
                "edict.table".to_string(),
                evaluator.digest().to_string(),
            )];
            if let Some(kid) = evaluator.key() {
                receipt.push(KeyValue::new("edict.key".to_string(), kid.to_string()));
            }
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_key_value_metadata(Some(receipt))
                .build();
            let w = ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(io)?;
            Box::new(Parquet {
                w,
                schema,
                jurisdictions,
                options: options.clone(),
            })
        }
    })
}

fn io(e: impl std::fmt::Display) -> String {
    format!("cannot write the output: {e}")
}

/// The parts of a jurisdiction's decision, in output order.
const PARTS: [&str; 9] = [
    "outcome",
    "basis",
    "tier",
    "review",
    "authorizations",
    "obligations",
    "reasons",
    "rules",
    "citations",
];

/// A decision part as text (`outcome`, `basis`, `tier`, `review`) or a
/// list; `None` when absent.
enum Part<'a> {
    Text(Option<String>),
    List(&'a [String]),
}

fn part(d: &Decision, i: usize) -> Part<'_> {
    match i {
        0 => Part::Text(name(&d.outcome)),
        1 => Part::Text(name(&d.basis)),
        2 => Part::Text(d.tier.as_deref().map(str::to_string)),
        3 => Part::Text(d.review.as_ref().and_then(name)),
        4 => Part::List(&d.authorizations),
        5 => Part::List(&d.obligations),
        6 => Part::List(&d.reasons),
        7 => Part::List(&d.rules),
        _ => Part::List(&d.citations),
    }
}

/// The JSON name of an enum value (`require_license`, `no_rule`).
fn name(v: &impl serde::Serialize) -> Option<String> {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The rejection codes and messages of a row (empty when decided).
fn rejection(output: &Output) -> (Vec<String>, Vec<String>) {
    match output {
        Output::Decided(_) => (Vec::new(), Vec::new()),
        Output::Rejected(r) => r
            .errors
            .iter()
            .map(|e| {
                let at = e
                    .field
                    .as_deref()
                    .map(|f| format!("{f}: "))
                    .unwrap_or_default();
                (e.code.clone(), format!("{at}{}", e.message))
            })
            .unzip(),
    }
}

fn id_json(id: &Id) -> Value {
    match id {
        Id::Row(n) => Value::from(*n),
        Id::Value(v) => v.clone().unwrap_or(Value::Null),
    }
}

fn id_text(id: &Id) -> Option<String> {
    match id {
        Id::Row(n) => Some(n.to_string()),
        Id::Value(None | Some(Value::Null)) => None,
        Id::Value(Some(Value::String(s))) => Some(s.clone()),
        Id::Value(Some(v)) => Some(v.to_string()),
    }
}

struct Jsonl(BufWriter<Box<dyn Write + Send>>);

impl Sink for Jsonl {
    fn write(&mut self, rows: &[Screened]) -> Result<(), String> {
        for row in rows {
            let body = serde_json::to_string(&row.output).map_err(io)?;
            let id = id_json(&row.id);
            // `{"id":…,` then the output object's members.
            writeln!(self.0, "{{\"id\":{id},{}", &body[1..]).map_err(io)?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), String> {
        self.0.flush().map_err(io)
    }
}

struct Csv {
    w: csv::Writer<Box<dyn Write + Send>>,
    jurisdictions: Vec<String>,
    explain: bool,
}

/// A text cell that a spreadsheet would run as a formula (`=`, `+`, `-`,
/// `@`, tab, carriage return) gets a leading `'`.
fn cell(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

fn list_cell(items: &[String]) -> String {
    cell(serde_json::to_string(items).unwrap_or_default())
}

impl Sink for Csv {
    fn write(&mut self, rows: &[Screened]) -> Result<(), String> {
        for row in rows {
            let (codes, messages) = rejection(&row.output);
            let mut record = vec![
                cell(id_text(&row.id).unwrap_or_default()),
                match &row.output {
                    Output::Decided(set) => set.date.to_string(),
                    Output::Rejected(_) => String::new(),
                },
                list_cell(&codes),
                list_cell(&messages),
            ];
            for j in &self.jurisdictions {
                let decision = decision(&row.output, j);
                for i in 0..PARTS.len() {
                    record.push(match decision.map(|d| part(d, i)) {
                        None => String::new(),
                        Some(Part::Text(t)) => cell(t.unwrap_or_default()),
                        Some(Part::List(items)) => list_cell(items),
                    });
                }
            }
            if self.explain {
                record.push(match &row.output {
                    Output::Decided(set) => {
                        cell(serde_json::to_string(&set.explanation).map_err(io)?)
                    }
                    Output::Rejected(_) => String::new(),
                });
            }
            self.w.write_record(&record).map_err(io)?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), String> {
        self.w.flush().map_err(io)
    }
}

/// The decision of jurisdiction `j` in a decided row.
fn decision<'a>(output: &'a Output, j: &str) -> Option<&'a Decision> {
    match output {
        Output::Decided(set) => set.decisions.iter().find(|d| &*d.jurisdiction == j),
        Output::Rejected(_) => None,
    }
}

fn list_type() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

fn decision_fields() -> Fields {
    PARTS
        .iter()
        .enumerate()
        .map(|(i, p)| match i {
            0..=3 => Field::new(*p, DataType::Utf8, i >= 2),
            _ => Field::new(*p, list_type(), false),
        })
        .collect()
}

fn parquet_schema(jurisdictions: &[String], options: &Options) -> SchemaRef {
    let id_type = if options.id.is_some() {
        DataType::Utf8
    } else {
        DataType::Int64
    };
    let mut fields = vec![
        Field::new("id", id_type, options.id.is_some()),
        Field::new("date", DataType::Utf8, true),
        Field::new("rejected", list_type(), false),
        Field::new("errors", list_type(), false),
    ];
    for j in jurisdictions {
        fields.push(Field::new(j, DataType::Struct(decision_fields()), true));
    }
    if options.explain {
        fields.push(Field::new("explanation", DataType::Utf8, true));
    }
    Arc::new(Schema::new(fields))
}

struct Parquet {
    w: ArrowWriter<Box<dyn Write + Send>>,
    schema: SchemaRef,
    jurisdictions: Vec<String>,
    options: Options,
}

fn strings(values: impl Iterator<Item = Option<String>>) -> ArrayRef {
    let mut b = StringBuilder::new();
    for v in values {
        b.append_option(v);
    }
    Arc::new(b.finish())
}

fn lists<'a>(values: impl Iterator<Item = &'a [String]>) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for items in values {
        for item in items {
            b.values().append_value(item);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

impl Sink for Parquet {
    fn write(&mut self, rows: &[Screened]) -> Result<(), String> {
        let mut columns: Vec<ArrayRef> = Vec::new();
        if self.options.id.is_some() {
            columns.push(strings(rows.iter().map(|r| id_text(&r.id))));
        } else {
            let mut b = Int64Builder::new();
            for r in rows {
                if let Id::Row(n) = r.id {
                    b.append_value(n as i64);
                } else {
                    b.append_null();
                }
            }
            columns.push(Arc::new(b.finish()));
        }
        columns.push(strings(rows.iter().map(|r| match &r.output {
            Output::Decided(set) => Some(set.date.to_string()),
            Output::Rejected(_) => None,
        })));
        let rejections: Vec<_> = rows.iter().map(|r| rejection(&r.output)).collect();
        columns.push(lists(rejections.iter().map(|(c, _)| c.as_slice())));
        columns.push(lists(rejections.iter().map(|(_, m)| m.as_slice())));
        for j in &self.jurisdictions {
            let decisions: Vec<Option<&Decision>> =
                rows.iter().map(|r| decision(&r.output, j)).collect();
            let mut parts: Vec<ArrayRef> = Vec::new();
            for i in 0..PARTS.len() {
                if i < 4 {
                    parts.push(strings(decisions.iter().map(
                        |d| match d.map(|d| part(d, i)) {
                            Some(Part::Text(t)) => t,
                            _ => None,
                        },
                    )));
                } else {
                    parts.push(lists(decisions.iter().map(
                        |d| match d.map(|d| part(d, i)) {
                            Some(Part::List(items)) => items,
                            _ => &[],
                        },
                    )));
                }
            }
            let valid = arrow::buffer::NullBuffer::from(
                decisions.iter().map(Option::is_some).collect::<Vec<bool>>(),
            );
            let array = StructArray::try_new(decision_fields(), parts, Some(valid)).map_err(io)?;
            columns.push(Arc::new(array));
        }
        if self.options.explain {
            columns.push(strings(rows.iter().map(|r| match &r.output {
                Output::Decided(set) => serde_json::to_string(&set.explanation).ok(),
                Output::Rejected(_) => None,
            })));
        }
        let batch = RecordBatch::try_new(self.schema.clone(), columns).map_err(io)?;
        self.w.write(&batch).map_err(io)
    }

    fn finish(self: Box<Self>) -> Result<(), String> {
        self.w.close().map(|_| ()).map_err(io)
    }
}
