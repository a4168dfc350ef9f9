//! Screening many transactions at once: `edict screen`.
//!
//! Stage: consumer, beside `edict eval`, on the `edict-engine` evaluator
//! only. [`screen`] reads record batches from Parquet, CSV or JSON Lines
//! files, decides every row of a batch on all cores, and writes one output
//! row per input row — a decision per jurisdiction, or the row's coded
//! rejection — to Parquet, CSV or JSON Lines. Memory is bounded by the batch
//! size whatever the input size, and the output is written to a temporary
//! file renamed into place only once every input was read: a failure leaves
//! nothing half-written.
//!
//! Columns are matched to the table's input columns by name; other columns
//! are ignored, so order numbers and customer names can stay in the file.
//! The output row's `id` is the value of the `--id` column, else the row's
//! number (1-based, counted over all inputs in order).

mod decide;
mod pairs;
mod read;
mod write;

use std::path::{Path, PathBuf};

use edict_engine::eval::{Evaluator, Output};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

pub use decide::Id;
pub use pairs::{Pair, pairs};

/// A file format, told by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet (`.parquet`).
    Parquet,
    /// Comma-separated values with a header line (`.csv`).
    Csv,
    /// JSON Lines (`.jsonl`, or `-` for standard input and output).
    Jsonl,
}

impl Format {
    /// The format of `path`, by extension; `-` is JSON Lines.
    pub fn of(path: &str) -> Option<Format> {
        if path == "-" {
            return Some(Format::Jsonl);
        }
        match Path::new(path).extension()?.to_str()? {
            "parquet" => Some(Format::Parquet),
            "csv" => Some(Format::Csv),
            "jsonl" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// What to screen, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Input files (`-`: JSON Lines on standard input), read in order.
    pub inputs: Vec<String>,
    /// The output file (`-`: JSON Lines on standard output).
    pub output: String,
    /// The column carried to the output as `id`; else the row number.
    pub id: Option<String>,
    /// Add each decision's explanation (the rows that matched and missed).
    pub explain: bool,
    /// Worker threads; `None`: one per core.
    pub jobs: Option<usize>,
    /// Draw a progress bar with rate and ETA on standard error.
    pub progress: bool,
    /// Rows per batch (memory is proportional to it).
    pub batch_rows: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            inputs: Vec::new(),
            output: String::new(),
            id: None,
            explain: false,
            jobs: None,
            progress: false,
            batch_rows: 16_384,
        }
    }
}

/// What a finished screening did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Rows read, and written.
    pub rows: u64,
    /// Rows rejected (written with their codes).
    pub rejected: u64,
}

/// One screened row: its id and its decision set or rejection.
#[derive(Debug, Clone)]
pub struct Screened {
    /// The `--id` value, or the row number.
    pub id: Id,
    /// What `edict eval` would print for the row.
    pub output: Output,
}

/// Screens `options.inputs` into `options.output` with `evaluator`.
/// `Err` says why nothing was written (an unreadable or truncated input,
/// an unknown format, a failed write).
pub fn screen(evaluator: &Evaluator, options: &Options) -> Result<Summary, String> {
    let formats = options
        .inputs
        .iter()
        .map(|i| {
            Format::of(i).ok_or_else(|| {
                format!("`{i}`: the input must end in .parquet, .csv or .jsonl (or be -)")
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if options.inputs.is_empty() {
        return Err("no INPUT given".into());
    }
    formats_out(options)?;
    let pool = match options.jobs {
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
                .map_err(|e| format!("cannot start {n} threads: {e}"))?,
        ),
        None => None,
    };
    let target = write::Target::create(&options.output)?;
    let result = pipeline(evaluator, options, &formats, pool.as_ref(), target.file());
    match result {
        Ok(summary) => {
            target.commit()?;
            Ok(summary)
        }
        Err(e) => {
            target.abandon();
            Err(e)
        }
    }
}

/// Batches flow from a reader thread through the deciding pool (this
/// thread hands each batch to rayon) to a writer thread, with at most two
/// batches waiting between stages: reading, deciding and writing overlap,
/// and memory stays bounded.
fn pipeline(
    evaluator: &Evaluator,
    options: &Options,
    formats: &[Format],
    pool: Option<&rayon::ThreadPool>,
    out: Result<Box<dyn std::io::Write + Send>, String>,
) -> Result<Summary, String> {
    let sink = write::sink(formats_out(options)?, out?, evaluator, options)?;
    let columns = decide::Columns::of(evaluator, options.id.as_deref());
    let types: Vec<_> = evaluator
        .table()
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.ty))
        .collect();
    let bar = progress(options, &options.inputs, formats);
    std::thread::scope(|scope| {
        let (to_decide, batches) =
            std::sync::mpsc::sync_channel::<Result<Vec<decide::Raw>, String>>(2);
        let (to_write, decided) = std::sync::mpsc::sync_channel::<Vec<Screened>>(2);
        let columns_r = columns.clone();
        scope.spawn(move || {
            for (input, format) in options.inputs.iter().zip(formats) {
                let source = read::open(input, *format, &columns_r, &types, options.batch_rows);
                let mut source = match source {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = to_decide.send(Err(e));
                        return;
                    }
                };
                loop {
                    match source.next_batch() {
                        Ok(Some(batch)) => {
                            if to_decide.send(Ok(batch)).is_err() {
                                return;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            let _ = to_decide.send(Err(e));
                            return;
                        }
                    }
                }
            }
        });
        let writer = scope.spawn(move || {
            let mut sink = sink;
            for batch in decided {
                sink.write(&batch)?;
            }
            sink.finish()
        });
        let mut summary = Summary::default();
        let mut failure = None;
        for batch in batches {
            let batch = match batch {
                Ok(batch) => batch,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            let first = summary.rows;
            let work = || {
                batch
                    .into_par_iter()
                    .enumerate()
                    .map(|(i, raw)| {
                        decide::row(
                            evaluator,
                            &columns,
                            options.explain,
                            first + i as u64 + 1,
                            raw,
                        )
                    })
                    .collect::<Vec<Screened>>()
            };
            let screened = match pool {
                Some(pool) => pool.install(work),
                None => work(),
            };
            summary.rows += screened.len() as u64;
            summary.rejected += screened
                .iter()
                .filter(|s| matches!(s.output, Output::Rejected(_)))
                .count() as u64;
            bar.set_position(summary.rows);
            if to_write.send(screened).is_err() {
                // The writer stopped: its error says why.
                break;
            }
        }
        drop(to_write);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err("the writer failed".to_string()));
        bar.finish_and_clear();
        match failure {
            Some(e) => Err(e),
            None => written.map(|()| summary),
        }
    })
}

/// The output's format.
fn formats_out(options: &Options) -> Result<Format, String> {
    Format::of(&options.output).ok_or_else(|| {
        format!(
            "`{}`: the output must end in .parquet, .csv or .jsonl (or be -)",
            options.output
        )
    })
}

/// A progress bar on standard error, or a hidden one.
fn progress(options: &Options, inputs: &[String], formats: &[Format]) -> ProgressBar {
    if !options.progress {
        return ProgressBar::hidden();
    }
    // The total is known when every input is Parquet (its footer says).
    let total: Option<u64> = inputs
        .iter()
        .zip(formats)
        .map(|(i, f)| match f {
            Format::Parquet => read::parquet_rows(Path::new(i)),
            _ => None,
        })
        .sum();
    let (bar, template) = match total {
        Some(n) => (
            ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
            "{bar:30} {human_pos}/{human_len} rows  {per_sec}  ETA {eta}",
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            "{spinner} {human_pos} rows  {per_sec}  {elapsed}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// The temporary name next to `path` that output is written under.
fn temporary(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.edict-{}.tmp", std::process::id()))
}
