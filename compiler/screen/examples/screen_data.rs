//! Writes ROWS random transactions for TABLE's columns to a Parquet file,
//! the input of the screening benchmark (`compiler/screen/bench.sh`):
//!
//!     cargo run --release -p edict-screen --example screen_data -- TABLE.json ROWS OUT.parquet [LISTED%]
//!
//! Values are drawn from what the table names — its countries and enum
//! domains, the ECCN prefixes of its cells (with a paragraph added),
//! dates from 2020 to 2029, numbers up to 30,000 — so that rows reach the
//! table's rules rather than all falling through. `LISTED%` (default 100)
//! is the share of rows whose ECCN is one the table names; the others are
//! EAR99 or an ECCN no cell names, like most lines of an order book.
//! Deterministic: the same arguments give the same file.

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, Float64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use edict_engine::table::{Cell, ColumnType, Table};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

/// xorshift64*: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (table, rows, out, listed) = match args.as_slice() {
        [_, table, rows, out] => (table, rows, out, 100),
        [_, table, rows, out, listed] => (table, rows, out, listed.parse()?),
        _ => return Err("usage: screen_data TABLE.json ROWS OUT.parquet [LISTED%]".into()),
    };
    let table: Table = serde_json::from_slice(&std::fs::read(table)?)?;
    let rows: usize = rows.parse()?;
    let mut eccns: Vec<String> = Vec::new();
    for row in &table.decision_table {
        for cell in row.cells.values() {
            if let Cell::EccnIn { prefixes, .. } = cell {
                eccns.extend(prefixes.iter().map(|p| format!("{p}.a")));
            }
        }
    }
    eccns.sort();
    eccns.dedup();
    let fields: Vec<Field> = table
        .columns
        .iter()
        .map(|c| {
            let ty = match c.ty {
                ColumnType::Number => DataType::Float64,
                ColumnType::Bool => DataType::Boolean,
                _ => DataType::Utf8,
            };
            Field::new(&c.name, ty, false)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(out)?, schema.clone(), Some(props))?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let batch = 65_536;
    let mut done = 0;
    while done < rows {
        let n = batch.min(rows - done);
        let mut columns: Vec<ArrayRef> = Vec::new();
        for c in &table.columns {
            columns.push(match c.ty {
                ColumnType::Number => {
                    let mut b = Float64Builder::with_capacity(n);
                    for _ in 0..n {
                        b.append_value(rng.below(30_000) as f64);
                    }
                    Arc::new(b.finish())
                }
                ColumnType::Bool => {
                    let mut b = BooleanBuilder::with_capacity(n);
                    for _ in 0..n {
                        b.append_value(rng.below(2) == 1);
                    }
                    Arc::new(b.finish())
                }
                ty => {
                    let mut b = StringBuilder::new();
                    for _ in 0..n {
                        let v = match ty {
                            ColumnType::Date => format!(
                                "{}-{:02}-{:02}",
                                2020 + rng.below(10),
                                1 + rng.below(12),
                                1 + rng.below(28)
                            ),
                            ColumnType::Eccn if rng.below(100) < listed && !eccns.is_empty() => {
                                eccns[rng.below(eccns.len())].clone()
                            }
                            ColumnType::Eccn => {
                                ["EAR99", "7A994.a", "5A991.b"][rng.below(3)].to_string()
                            }
                            ColumnType::Country | ColumnType::Enum => {
                                c.domain[rng.below(c.domain.len())].clone()
                            }
                            _ => "x".to_string(),
                        };
                        b.append_value(v);
                    }
                    Arc::new(b.finish())
                }
            });
        }
        writer.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
        done += n;
    }
    writer.close()?;
    Ok(())
}
