//! `edict sql TABLE --dialect duckdb|spark|postgres [-o FILE]`: a table as a
//! SQL script for an existing engine, through the `edict-sql` crate.

use std::io::Write;
use std::path::PathBuf;

use edict_sql::{Dialect, Options};

use super::option_value;
use super::table::{load_evaluator, table_options};
use crate::diagnostics::codes::Code;

/// `edict sql`; exit 0 when the script was written, 1 when the table
/// cannot be written as SQL, 2 on usage or I/O problems.
pub(super) fn sql_cmd(
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let (trust, settings, rest) = table_options(args)?;
    let mut table = None;
    let mut dialect = None;
    let mut output = None;
    let mut input = None;
    let mut id = None;
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let mut value = |what: &str| option_value(&mut it, arg, what);
        match arg.as_str() {
            "--dialect" => {
                let name = value("duckdb, spark or postgres")?;
                dialect = Some(Dialect::from_name(&name).ok_or_else(|| {
                    format!("unknown dialect `{name}`: choose duckdb, spark or postgres")
                })?);
            }
            "-o" | "--output" => output = Some(PathBuf::from(value("a file")?)),
            "--input" => input = Some(value("a relation name")?),
            "--id" => id = Some(value("a column name")?),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path if table.is_none() => table = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    let table = table.ok_or("no TABLE given")?;
    let dialect = dialect.ok_or("`--dialect duckdb|spark|postgres` is required")?;
    let mut options = Options::new(dialect);
    options.id = id;
    if let Some(input) = input {
        options.input = input;
    }
    let evaluator = match load_evaluator(&table, settings, &trust, err) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let w = |e: std::io::Error| e.to_string();
    let script = match edict_sql::script(&evaluator, &options) {
        Ok(s) => s,
        Err(e) => {
            writeln!(
                err,
                "error[{}]: {}",
                Code::SqlUnsupported.info().code,
                e.message
            )
            .map_err(w)?;
            return Ok(1);
        }
    };
    match output {
        Some(file) => {
            if let Err(e) = super::write_atomically(&file, &script) {
                writeln!(err, "error: cannot write `{}`: {e}", file.display()).map_err(w)?;
                return Ok(2);
            }
        }
        None => write!(out, "{script}").map_err(w)?,
    }
    Ok(0)
}
