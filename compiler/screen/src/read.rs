//! Reading inputs in batches of rows: Parquet through its Arrow reader,
//! CSV through the `csv` crate (a row at a time, so one broken row is one
//! rejection), JSON Lines through the engine's line reader.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, Float64Array, StringArray};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use edict_engine::codes::Code;
use edict_engine::eval::TxError;
use edict_engine::eval::lines::{Line, Lines};
use edict_engine::table::ColumnType;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use serde_json::{Map, Number, Value};

use crate::Format;
use crate::decide::{Columns, Raw, RawInput};

/// An open input.
pub(crate) enum Source {
    Parquet {
        reader: ParquetRecordBatchReader,
        columns: Columns,
        rows: usize,
    },
    Csv {
        reader: csv::Reader<Box<dyn Read + Send>>,
        /// `(field name, its index in a record, its column type)`.
        fields: Arc<CsvFields>,
        /// The number of fields of the header line.
        width: usize,
        batch: usize,
    },
    Jsonl {
        lines: Lines<Box<dyn std::io::BufRead + Send>>,
        batch: usize,
    },
}

/// Opens `path` (`-`: standard input) as `format`.
pub(crate) fn open(
    path: &str,
    format: Format,
    columns: &Columns,
    types: &[(String, ColumnType)],
    batch: usize,
) -> Result<Source, String> {
    let batch = batch.max(1);
    let file = || -> Result<File, String> {
        File::open(path).map_err(|e| format!("cannot read `{path}`: {e}"))
    };
    match format {
        Format::Parquet => {
            let builder = ParquetRecordBatchReaderBuilder::try_new(file()?)
                .map_err(|e| format!("`{path}` is not a readable Parquet file: {e}"))?;
            let reader = builder
                .with_batch_size(batch)
                .build()
                .map_err(|e| format!("`{path}` is not a readable Parquet file: {e}"))?;
            Ok(Source::Parquet {
                reader,
                columns: columns.clone(),
                rows: 0,
            })
        }
        Format::Csv => {
            let input: Box<dyn Read + Send> = if path == "-" {
                Box::new(LineCap::new(std::io::stdin()))
            } else {
                Box::new(LineCap::new(BufReader::new(file()?)))
            };
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
            let header = reader
                .byte_headers()
                .map_err(|e| format!("`{path}`: cannot read the header line: {e}"))?
                .clone();
            let mut fields = Vec::new();
            for (i, name) in header.iter().enumerate() {
                let name = String::from_utf8_lossy(name).trim().to_string();
                if columns.wants(&name) && !fields.iter().any(|(n, _, _)| *n == name) {
                    let ty = types.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
                    fields.push((name, i, ty));
                }
            }
            Ok(Source::Csv {
                reader,
                fields: Arc::new(fields),
                width: header.len(),
                batch,
            })
        }
        Format::Jsonl => {
            let input: Box<dyn std::io::BufRead + Send> = if path == "-" {
                Box::new(BufReader::new(std::io::stdin()))
            } else {
                Box::new(BufReader::new(file()?))
            };
            Ok(Source::Jsonl {
                lines: Lines::new(input),
                batch,
            })
        }
    }
}

/// The longest CSV line read: the `csv` crate holds a whole record in
/// memory, so a file with an endless line would otherwise take all of it.
pub const MAX_CSV_LINE: usize = 16 << 20;

/// A reader that fails once a line grows past [`MAX_CSV_LINE`] bytes.
struct LineCap<R> {
    inner: R,
    since_newline: usize,
}

impl<R> LineCap<R> {
    fn new(inner: R) -> Self {
        LineCap {
            inner,
            since_newline: 0,
        }
    }
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
            }
        }
        if self.since_newline > MAX_CSV_LINE {
            return Err(std::io::Error::other(format!(
                "a line is longer than {} MiB",
                MAX_CSV_LINE >> 20
            )));
        }
        Ok(n)
    }
}

/// The row count a Parquet file's footer gives, if it can be read.
pub(crate) fn parquet_rows(path: &Path) -> Option<u64> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).ok()?).ok()?;
    u64::try_from(builder.metadata().file_metadata().num_rows()).ok()
}

impl Source {
    /// The next batch of rows; `None` at the end.
    pub fn next_batch(&mut self) -> Result<Option<Vec<Raw>>, String> {
        match self {
            Source::Parquet {
                reader,
                columns,
                rows,
            } => match reader.next() {
                None => Ok(None),
                Some(Err(e)) => Err(format!("the Parquet input cannot be read: {e}")),
                Some(Ok(batch)) => {
                    let out = parquet_batch(&batch, columns, *rows)?;
                    *rows += batch.num_rows();
                    Ok(Some(out))
                }
            },
            Source::Csv {
                reader,
                fields,
                width,
                batch,
            } => {
                let mut out = Vec::with_capacity(*batch);
                let mut record = csv::ByteRecord::new();
                while out.len() < *batch {
                    match reader.read_byte_record(&mut record) {
                        Ok(false) => break,
                        Ok(true) => {
                            let line = record.position().map_or(0, |p| p.line() as usize);
                            let input = if record.len() == *width {
                                RawInput::Csv(Arc::clone(fields), record.clone())
                            } else {
                                // A row with more or fewer fields than the
                                // header may have its values shifted.
                                RawInput::Broken(TxError::new(
                                    Code::MalformedTransaction,
                                    None,
                                    format!(
                                        "the row has {} fields and the header {width}",
                                        record.len()
                                    ),
                                ))
                            };
                            out.push(Raw { line, input });
                        }
                        Err(e) => return Err(format!("the CSV input cannot be read: {e}")),
                    }
                }
                Ok((!out.is_empty()).then_some(out))
            }
            Source::Jsonl { lines, batch } => {
                let mut out = Vec::with_capacity(*batch);
                while out.len() < *batch {
                    match lines.next_line() {
                        Ok(None) => break,
                        Ok(Some((line, Line::Bytes(bytes)))) => out.push(Raw {
                            line,
                            input: RawInput::Json(bytes.to_vec()),
                        }),
                        Ok(Some((line, Line::TooLong(len)))) => out.push(Raw {
                            line,
                            input: RawInput::Broken(TxError::new(
                                Code::MalformedTransaction,
                                None,
                                format!(
                                    "the line has {len} bytes; a transaction may have at most {} bytes",
                                    edict_engine::eval::lines::MAX_LINE
                                ),
                            )),
                        }),
                        Err(e) => return Err(format!("the JSON Lines input cannot be read: {e}")),
                    }
                }
                Ok((!out.is_empty()).then_some(out))
            }
        }
    }
}

/// A CSV record's wanted fields, typed by the table's columns: an empty
/// cell is a missing field; a number that does not parse (or is not
/// finite) and a boolean other than `true`/`false` stay strings, which the
/// evaluator rejects with the field's expected type.
pub(crate) fn csv_row(
    record: &csv::ByteRecord,
    fields: &CsvFields,
) -> Result<Map<String, Value>, TxError> {
    let mut map = Map::new();
    for (name, index, ty) in fields {
        let Some(bytes) = record.get(*index) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Err(TxError::new(
                Code::MalformedTransaction,
                Some(name),
                "the field is not valid UTF-8",
            ));
        };
        if text.is_empty() {
            continue;
        }
        let value = match ty {
            Some(ColumnType::Number) => text
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map_or_else(|| Value::String(text.to_string()), Value::Number),
            Some(ColumnType::Bool) => match text.trim() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(text.to_string()),
            },
            _ => Value::String(text.to_string()),
        };
        map.insert(name.clone(), value);
    }
    Ok(map)
}

/// The wanted fields of a CSV file: `(name, index in a record, type)`.
pub(crate) type CsvFields = Vec<(String, usize, Option<ColumnType>)>;

/// The wanted columns of a Parquet batch, by name.
pub(crate) type ParquetCols = Vec<(String, Col)>;

/// One column of a Parquet batch, as the values JSON gives them.
#[derive(Debug)]
pub(crate) enum Col {
    Number(Float64Array),
    Bool(BooleanArray),
    Text(StringArray),
}

/// A Parquet batch's rows: numeric columns (integers, floats, decimals) as
/// JSON numbers, booleans as booleans, everything else (strings,
/// dictionaries, dates as `YYYY-MM-DD`) cast to text. A null is a missing
/// field.
fn parquet_batch(
    batch: &RecordBatch,
    columns: &Columns,
    before: usize,
) -> Result<Vec<Raw>, String> {
    let schema = batch.schema();
    let mut cols = Vec::new();
    for (i, field) in schema.fields().iter().enumerate() {
        if !columns.wants(field.name()) || cols.iter().any(|(n, _)| n == field.name()) {
            continue;
        }
        let array: &ArrayRef = batch.column(i);
        let cast = |to: &DataType| {
            arrow::compute::cast(array, to).map_err(|e| {
                format!(
                    "the Parquet column `{}` ({}) cannot be read: {e}",
                    field.name(),
                    field.data_type()
                )
            })
        };
        // An id column that is not an input is carried as text, so an
        // integer order number stays `12345`, not `12345.0`.
        let id_only = columns.id.as_deref() == Some(field.name().as_str())
            && !columns.table.contains(field.name());
        let col = match field.data_type() {
            _ if id_only => Col::Text(downcast(cast(&DataType::Utf8)?)?),
            t if t.is_numeric() => Col::Number(downcast(cast(&DataType::Float64)?)?),
            DataType::Boolean => Col::Bool(downcast(cast(&DataType::Boolean)?)?),
            _ => Col::Text(downcast(cast(&DataType::Utf8)?)?),
        };
        cols.push((field.name().clone(), col));
    }
    let cols = Arc::new(cols);
    Ok((0..batch.num_rows())
        .map(|r| Raw {
            line: before + r + 1,
            input: RawInput::Parquet(Arc::clone(&cols), r),
        })
        .collect())
}

/// Row `r` of a Parquet batch's wanted columns; a null is a missing field.
pub(crate) fn parquet_row(cols: &ParquetCols, r: usize) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, col) in cols {
        let value = match col {
            Col::Number(a) if a.is_valid(r) => {
                let x = a.value(r);
                Number::from_f64(x).map_or_else(|| Value::String(x.to_string()), Value::Number)
            }
            Col::Bool(a) if a.is_valid(r) => Value::Bool(a.value(r)),
            Col::Text(a) if a.is_valid(r) => Value::String(a.value(r).to_string()),
            _ => continue,
        };
        map.insert(name.clone(), value);
    }
    map
}

fn downcast<T: Array + Clone + 'static>(array: ArrayRef) -> Result<T, String> {
    array
        .as_any()
        .downcast_ref::<T>()
        .cloned()
        .ok_or_else(|| "a Parquet column has an unexpected layout".to_string())
}
