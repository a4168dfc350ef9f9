//! The `edict` command line: argument parsing and the `check`, `fmt` and
//! `explain` commands here, `compile`, `eval` and `test` in [`table`],
//! `screen` in [`screen`], `sql` in [`sql`], `diff` in [`diff`],
//! `compare` in [`compare`],
//! `keygen`, `sign` and `verify` (and `--trusted-key`) in [`sign`],
//! `serve` in [`serve`].
//! [`run_with_input`] takes the arguments and the standard streams, so
//! tests drive it without spawning a process.
//!
//! Exit codes: 0 success (warnings allowed), 1 errors in the policy (or
//! `fmt --check` found files to reformat), 2 usage or I/O problems.

mod compare;
pub mod diff;
#[cfg(feature = "screen")]
mod screen;
mod serve;
mod sign;
mod sql;
mod table;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use crate::db::Settings;
use crate::diagnostics::Severity;
use crate::diagnostics::codes::Code;
use crate::diagnostics::render::{render_json, render_text};
use crate::fmt::{FmtError, format};
use crate::project::{FileSystem, RealFs, decode, load, sources};

const USAGE: &str = "\
edict — a policy language for export controls

usage:
  edict check [--format text|json] [--today YYYY-MM-DD] [--allow LINT]... [--warn LINT]... PATH...
  edict compile [--today YYYY-MM-DD] [--allow LINT]... [--warn LINT]... PATH... [-o TABLE.json]
  edict eval TABLE --input FILE|- [--explain] [TRUST]
  edict screen TABLE INPUT... -o OUTPUT [--id COLUMN] [--explain] [--jobs N] [--no-progress] [TRUST]
  edict sql TABLE --dialect duckdb|spark|postgres [--input RELATION] [--id COLUMN] [-o FILE] [TRUST]
  edict test [--coverage [--format text|json]] [--today YYYY-MM-DD] [--allow LINT]... [--warn LINT]... PATH...
  edict diff [--format text|markdown|json|html] [-o FILE] [--color WHEN] [--exit-code]
             [--data FILE]... [--id COLUMN] [--trusted-key PUB]... OLD NEW
  edict diff --git REV PATH [NEW]
  edict compare [--format text|markdown|json|html] [-o FILE] [--exit-code] [--trusted-key PUB]...
                PATH [PATH_B] --jurisdictions A B
  edict serve TABLE [--listen IP:PORT] [--max-batch N] [--max-body BYTES] [--timeout S] [TRUST]
  edict keygen -o NAME
  edict sign TABLE --key NAME [--label LABEL] [-o SIG]
  edict verify TABLE [--sig SIG] --trusted-key PUB...
  edict fmt [--check] PATH...
  edict schema table|decision|diff|compare|openapi
  edict explain CODE
  edict --version

PATH is an .edict file or a folder (every .edict file under it forms one policy).
TABLE is a compiled table (.json) or a policy PATH, compiled first.
OLD and NEW are each a policy PATH or a compiled table; `--git REV PATH`
compares PATH at revision REV with PATH (or NEW) in the working tree.
`--input -` reads JSON Lines from stdin: one transaction per line, one
decision (or error) per line out.
`screen` decides every row of INPUT files (.parquet, .csv, .jsonl; - for
JSON Lines on stdin) into OUTPUT (.parquet, .csv, .jsonl; - for stdout),
one output row per input row, matching columns to the table's by name.
`compare` finds the transactions that jurisdictions A and B (of PATH, or A
of PATH and B of PATH_B) decide differently, exactly, with witnesses.
`diff --data` decides every row of FILE (.parquet, .csv, .jsonl) under both
versions and counts the rows whose decision changes, per region.
`keygen` writes an Ed25519 key: NAME (private, mode 0600), NAME.pub and
NAME.jwk; `sign` writes TABLE.sig, a JWS over the table's exact bytes.
TRUST is `--trusted-key PUB` (repeatable) [`--sig SIG`]: the table must
then be signed by one of those keys (its signature is TABLE.sig unless
`--sig` names it), and every decision names the signing key.
`serve` answers POST /v1/decisions over HTTP (compiler/docs/serve.md) on
127.0.0.1:8080 by default, reloading the table when its file changes.
`sql` writes a script that creates the view `decisions` over the relation
`transactions` in DuckDB, Spark or PostgreSQL (compiler/docs/sql.md).
";

/// Runs the command line with the process's stdin; returns the exit code.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    run_with_input(args, &mut lock, out, err)
}

/// Runs the command line; returns the exit code.
pub fn run_with_input(
    args: &[String],
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let result = match args.first().map(String::as_str) {
        Some("check") => check(&args[1..], out, err),
        Some("compile") => table::compile_cmd(&args[1..], out, err),
        Some("eval") => table::eval_cmd(&args[1..], stdin, out, err),
        #[cfg(feature = "screen")]
        Some("screen") => screen::screen_cmd(&args[1..], out, err),
        #[cfg(not(feature = "screen"))]
        Some("screen") => {
            Err("this build of edict has no `screen` (built without the `screen` feature)".into())
        }
        Some("sql") => sql::sql_cmd(&args[1..], out, err),
        Some("test") => table::test_cmd(&args[1..], out, err),
        Some("serve") => serve::serve_cmd(&args[1..], out, err),
        Some("keygen") => sign::keygen_cmd(&args[1..], out),
        Some("sign") => sign::sign_cmd(&args[1..], out, err),
        Some("verify") => sign::verify_cmd(&args[1..], out, err),
        Some("schema") => table::schema_cmd(&args[1..], out),
        Some("diff") => diff::diff_cmd(&args[1..], out, err),
        Some("compare") => compare::compare_cmd(&args[1..], out, err),
        Some("fmt") => fmt(&args[1..], out, err),
        Some("explain") => explain(&args[1..], out),
        Some("--version" | "-V") => writeln!(out, "edict {}", env!("CARGO_PKG_VERSION"))
            .map(|_| 0)
            .map_err(|e| e.to_string()),
        Some("--help" | "-h" | "help") => {
            write!(out, "{USAGE}").map(|_| 0).map_err(|e| e.to_string())
        }
        Some(other) => Err(format!("unknown command `{other}`")),
        None => Err("no command given".to_string()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            let _ = write!(err, "error: {message}\n\n{USAGE}");
            2
        }
    }
}

struct CheckArgs {
    json: bool,
    settings: Settings,
    paths: Vec<PathBuf>,
}

fn parse_check(args: &[String]) -> Result<CheckArgs, String> {
    let (settings, rest) = table::policy_options(args)?;
    let mut parsed = CheckArgs {
        json: false,
        settings,
        paths: Vec::new(),
    };
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--format" => match it.next().map(String::as_str) {
                Some("json") => parsed.json = true,
                Some("text") => parsed.json = false,
                other => {
                    return Err(format!(
                        "`--format` takes `text` or `json`, not `{}`",
                        other.unwrap_or("")
                    ));
                }
            },
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path => parsed.paths.push(PathBuf::from(path)),
        }
    }
    if parsed.paths.is_empty() {
        return Err("no PATH given".to_string());
    }
    Ok(parsed)
}

fn color_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

fn check(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, String> {
    let args = parse_check(args)?;
    let project = match load(&RealFs, &args.paths, args.settings) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(
                err,
                "error: cannot read {}: {e}",
                describe_paths(&args.paths)
            );
            return Ok(2);
        }
    };
    let diagnostics = crate::table::policy_diagnostics(&project.db, project.ws);
    let sources = sources(&project);
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    let io = if args.json {
        writeln!(out, "{}", render_json(&diagnostics, &sources))
    } else {
        render_text(err, &diagnostics, &sources, color_wanted())
            .and_then(|()| writeln!(err, "{}", summary(errors, warnings)))
    };
    io.map_err(|e| e.to_string())?;
    Ok(if errors > 0 { 1 } else { 0 })
}

fn describe_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn summary(errors: usize, warnings: usize) -> String {
    match (errors, warnings) {
        (0, 0) => "no problems found".to_string(),
        _ => format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    }
}

fn fmt(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, String> {
    let check_only = args.iter().any(|a| a == "--check");
    if let Some(flag) = args.iter().find(|a| a.starts_with('-') && *a != "--check") {
        return Err(format!("unknown option `{flag}`"));
    }
    let paths: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .collect();
    if paths.is_empty() {
        return Err("no PATH given".to_string());
    }
    let fs = RealFs;
    let mut files = Vec::new();
    for p in &paths {
        if fs.is_dir(p) {
            files.extend(
                fs.edict_files(p)
                    .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?,
            );
        } else {
            files.push(p.clone());
        }
    }
    let mut status = 0;
    let w = |e: std::io::Error| e.to_string();
    // First every file's formatted text (nothing is written yet) ...
    let mut changed: Vec<(PathBuf, String)> = Vec::new();
    for file in files {
        let bytes = match fs.read(&file) {
            Ok(b) => b,
            Err(e) => {
                writeln!(err, "error: cannot read `{}`: {e}", file.display()).map_err(w)?;
                status = 2;
                continue;
            }
        };
        let (text, bad) = decode(&bytes);
        if bad.is_some() {
            writeln!(
                err,
                "error[E0006]: `{}` is not valid UTF-8; left unchanged",
                file.display()
            )
            .map_err(w)?;
            status = status.max(1);
            continue;
        }
        match format(&text) {
            Ok(formatted) if formatted == text => {}
            Ok(formatted) => changed.push((file, formatted)),
            Err(FmtError::SyntaxErrors(n)) => {
                writeln!(
                    err,
                    "error: `{}` has {}; left unchanged (see `edict check`)",
                    file.display(),
                    plural(n, "syntax error")
                )
                .map_err(w)?;
                status = status.max(1);
            }
            Err(FmtError::Unsafe(why)) => {
                writeln!(
                    err,
                    "error: `{}` left unchanged: {why}; please report this",
                    file.display()
                )
                .map_err(w)?;
                status = status.max(1);
            }
        }
    }
    // ... then each named policy, compiled as it is and as it would be: a
    // file whose formatting changes the compiled table (a decision, a
    // description, a citation) is left unchanged.
    for path in &paths {
        if let Some(why) = table_changes(path, &changed) {
            changed.retain(|(file, _)| {
                let mine = file.starts_with(path) || file == path;
                if mine {
                    let _ = writeln!(
                        err,
                        "error: `{}` left unchanged: {why}; please report this",
                        file.display()
                    );
                }
                !mine
            });
            status = status.max(1);
        }
    }
    for (file, formatted) in changed {
        if check_only {
            writeln!(out, "{}", file.display()).map_err(w)?;
            status = status.max(1);
        } else if let Err(e) = write_atomically(&file, &formatted) {
            writeln!(err, "error: cannot write `{}`: {e}", file.display()).map_err(w)?;
            status = 2;
        }
    }
    Ok(status)
}

/// Why formatting the files of `changed` under `path` would change the
/// policy's compiled table, or `None` when it would not (or when the
/// policy does not compile as it is: then the per-file checks of
/// [`format`] stand alone).
fn table_changes(path: &std::path::Path, changed: &[(PathBuf, String)]) -> Option<String> {
    let texts: std::collections::BTreeMap<PathBuf, String> = changed
        .iter()
        .filter(|(file, _)| file.starts_with(path) || file == path)
        .filter_map(|(file, text)| Some((std::fs::canonicalize(file).ok()?, text.clone())))
        .collect();
    if texts.is_empty() {
        return None;
    }
    let compiled = |fs: &dyn FileSystem| {
        let project = load(fs, &[path.to_path_buf()], Settings::default()).ok()?;
        crate::table::compile(&project.db, project.ws).ok()
    };
    let before = compiled(&RealFs)?;
    let after = compiled(&crate::project::Overlay { texts });
    match after {
        Some(after)
            if crate::table::meaning(&after.lowered.table)
                == crate::table::meaning(&before.lowered.table) =>
        {
            None
        }
        Some(_) => Some("the formatted policy compiles to a different table".to_string()),
        None => Some("the formatted policy no longer compiles".to_string()),
    }
}

/// Writes through a temporary file beside the file and a rename, so a
/// failure leaves the original intact. A symbolic link is written through
/// (the link stays a link), and the file keeps its permissions. A target
/// that is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is
/// written to directly, never replaced.
/// The value after option `arg`, or what the option takes.
fn option_value(
    it: &mut std::slice::Iter<'_, String>,
    arg: &str,
    what: &str,
) -> Result<String, String> {
    it.next()
        .cloned()
        .ok_or_else(|| format!("`{arg}` takes {what}"))
}

pub(super) fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if std::fs::metadata(&target).is_ok_and(|m| !m.is_file()) {
        return std::fs::write(&target, text);
    }
    let mut name = std::ffi::OsString::from(".");
    name.push(target.file_name().unwrap_or_default());
    name.push(format!(".{}.edict-tmp", std::process::id()));
    let tmp = target.with_file_name(name);
    let written = std::fs::write(&tmp, text).and_then(|()| {
        if let Ok(meta) = std::fs::metadata(&target) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, &target)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

fn explain(args: &[String], out: &mut dyn Write) -> Result<i32, String> {
    let [code] = args else {
        return Err("`explain` takes one CODE, such as E0101".to_string());
    };
    match Code::lookup(code) {
        Some(c) => {
            write!(out, "{}", c.info().page).map_err(|e| e.to_string())?;
            Ok(0)
        }
        None => Err(format!("no diagnostic code `{code}`")),
    }
}
