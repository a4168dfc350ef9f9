//! `edict screen TABLE INPUT... -o OUTPUT`: deciding whole files of
//! transactions (Parquet, CSV, JSON Lines) on all cores, through the
//! `edict-screen` crate.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use super::table::{load_evaluator, table_options};

/// `edict screen`; exit 0 when every row was decided, 1 when some were
/// rejected (each still has its output row), 2 when nothing was written.
pub(super) fn screen_cmd(
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let (trust, settings, rest) = table_options(args)?;
    let mut options = edict_screen::Options {
        progress: std::io::stderr().is_terminal(),
        ..Default::default()
    };
    let mut table = None;
    let mut output = None;
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-o" | "--output" => output = Some(it.next().ok_or("`-o` takes a file")?.clone()),
            "--id" => options.id = Some(it.next().ok_or("`--id` takes a column name")?.clone()),
            "--explain" => options.explain = true,
            "--no-progress" => options.progress = false,
            "--jobs" | "-j" => {
                let n = it.next().ok_or("`--jobs` takes a number")?;
                options.jobs =
                    Some(n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("`--jobs {n}`: give a number of threads, 1 or more")
                    })?);
            }
            "-" => options.inputs.push("-".into()),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path if table.is_none() => table = Some(PathBuf::from(path)),
            path => options.inputs.push(path.to_string()),
        }
    }
    let table = table.ok_or("no TABLE given")?;
    if options.inputs.is_empty() {
        return Err(
            "no INPUT given (a .parquet, .csv or .jsonl file, or - for JSON Lines on stdin)".into(),
        );
    }
    options.output = output.ok_or("`-o OUTPUT` (.parquet, .csv or .jsonl) is required")?;
    let evaluator = match load_evaluator(&table, settings, &trust, err) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    match edict_screen::screen(&evaluator, &options) {
        Ok(summary) => {
            if options.output != "-" {
                let signed = evaluator
                    .key()
                    .map(|k| format!(", signed by key `{k}`"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{} rows screened into {}: {} decided, {} rejected (table {}{signed})",
                    summary.rows,
                    options.output,
                    summary.rows - summary.rejected,
                    summary.rejected,
                    evaluator.digest()
                )
                .map_err(|e| e.to_string())?;
            }
            Ok(if summary.rejected > 0 { 1 } else { 0 })
        }
        Err(message) => {
            writeln!(err, "error: {message}; nothing was written").map_err(|e| e.to_string())?;
            Ok(2)
        }
    }
}
