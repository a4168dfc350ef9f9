//! The table commands: `compile`, `eval` and `test`.

use std::collections::BTreeSet;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use super::sign::{Trust, trust_options};
use super::{color_wanted, describe_paths, plural, write_atomically};
use crate::date::Date;
use crate::db::Settings;
use crate::diagnostics::codes::{ALL, Code};
use crate::diagnostics::render::render_text;
use crate::eval::lines::{Line, Lines};
use crate::eval::{Evaluator, Output};
use crate::project::{FileSystem, RealFs, load, sources};
use crate::table::{CompileError, Compiled, compile};

/// Options shared by the commands that compile a policy.
pub(super) struct PolicyArgs {
    pub settings: Settings,
    pub paths: Vec<PathBuf>,
}

/// Takes `--today`, `--allow` and `--warn` out of `args`; returns the rest.
pub(super) fn policy_options(args: &[String]) -> Result<(Settings, Vec<String>), String> {
    let mut settings = Settings::default();
    let mut allowed = BTreeSet::new();
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--today" => {
                let text = it.next().ok_or("`--today` takes a date")?;
                settings.today = Some(
                    Date::parse(text)
                        .map_err(|_| format!("`{text}` is not a date (YYYY-MM-DD)"))?,
                );
            }
            flag @ ("--allow" | "--warn") => {
                let lint = it
                    .next()
                    .ok_or_else(|| format!("`{flag}` takes a lint name"))?;
                match Code::lookup(lint).and_then(Code::lint) {
                    Some(name) if flag == "--allow" => {
                        allowed.insert(name.to_string());
                    }
                    Some(name) => {
                        settings.warned.insert(name.to_string());
                    }
                    None => {
                        let lints: Vec<&str> = ALL.iter().filter_map(|c| c.lint).collect();
                        return Err(format!(
                            "`{lint}` is not a lint; lints are {}",
                            lints.join(", ")
                        ));
                    }
                }
            }
            _ => rest.push(arg.clone()),
        }
    }
    settings.allowed = allowed;
    Ok((settings, rest))
}

/// The options of a command that reads a table: `--trusted-key` and
/// `--sig`, then the policy options; returns the rest.
pub(super) fn table_options(args: &[String]) -> Result<(Trust, Settings, Vec<String>), String> {
    let (trust, args) = trust_options(args)?;
    let (settings, rest) = policy_options(&args)?;
    Ok((trust, settings, rest))
}

/// A compiled policy, and whether each of its assertions holds (empty when
/// they were not decided).
type Proved = (Compiled, Vec<bool>);

/// Loads and compiles; reports diagnostics to `err` (warnings only when
/// `warnings`). `Ok(None)` when the policy has errors (already reported).
/// With `prove`, also decides the assertions, reports those that do not
/// hold, and says for each whether it holds.
fn compile_paths(
    fs: &dyn FileSystem,
    args: &PolicyArgs,
    warnings: bool,
    prove: bool,
    err: &mut dyn Write,
) -> Result<Option<Proved>, (i32, String)> {
    let project = load(fs, &args.paths, args.settings.clone()).map_err(|e| {
        (
            2,
            format!("cannot read {}: {e}", describe_paths(&args.paths)),
        )
    })?;
    let srcs = sources(&project);
    let report = |err: &mut dyn Write, diags: &[crate::diagnostics::Diagnostic]| {
        render_text(err, diags, &srcs, color_wanted()).map_err(|e| (2, e.to_string()))
    };
    match compile(&project.db, project.ws) {
        Ok(compiled) => {
            if warnings {
                report(err, &compiled.warnings)?;
            }
            let mut holds = Vec::new();
            if prove {
                let verdicts = crate::prove::check(&compiled.program, &compiled.lowered.table);
                let failing: Vec<_> = verdicts
                    .iter()
                    .filter(|v| !v.holds())
                    .map(crate::prove::diagnostic)
                    .collect();
                report(err, &failing)?;
                holds = verdicts.iter().map(crate::prove::Verdict::holds).collect();
            }
            Ok(Some((compiled, holds)))
        }
        Err(CompileError::Diagnostics(diags)) => {
            report(err, &diags)?;
            let errors = diags
                .iter()
                .filter(|d| d.severity == crate::diagnostics::Severity::Error)
                .count();
            let _ = writeln!(err, "not compiled: {}", plural(errors, "error"));
            Ok(None)
        }
        Err(CompileError::Internal(why)) => Err((2, format!("internal compiler error: {why}"))),
    }
}

/// Compiles for a command, reporting warnings; `Err` is the exit code, the
/// problem reported.
fn compiled_or_exit(args: PolicyArgs, err: &mut dyn Write) -> Result<Compiled, i32> {
    compiled_from(&RealFs, args, true, err)
}

/// [`compiled_or_exit`] from any file system, warnings optional.
pub(super) fn compiled_from(
    fs: &dyn FileSystem,
    args: PolicyArgs,
    warnings: bool,
    err: &mut dyn Write,
) -> Result<Compiled, i32> {
    proved_from(fs, args, warnings, false, err).map(|(c, _)| c)
}

/// Compiles and decides the assertions (failures reported to `err`);
/// with whether each holds.
fn proved_from(
    fs: &dyn FileSystem,
    args: PolicyArgs,
    warnings: bool,
    prove: bool,
    err: &mut dyn Write,
) -> Result<Proved, i32> {
    match compile_paths(fs, &args, warnings, prove, err) {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(1),
        Err((code, message)) => {
            let _ = writeln!(err, "error: {message}");
            Err(code)
        }
    }
}

/// `edict compile PATH... [-o FILE]`.
pub fn compile_cmd(
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let (settings, rest) = policy_options(args)?;
    let mut output = None;
    let mut paths = Vec::new();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-o" | "--output" => {
                output = Some(PathBuf::from(it.next().ok_or("`-o` takes a file")?))
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path => paths.push(PathBuf::from(path)),
        }
    }
    if paths.is_empty() {
        return Err("no PATH given".to_string());
    }
    let args = PolicyArgs { settings, paths };
    let compiled = match proved_from(&RealFs, args, true, true, err) {
        Ok((_, holds)) if holds.contains(&false) => {
            let failed = holds.iter().filter(|h| !**h).count();
            let _ = writeln!(
                err,
                "not compiled: {} does not hold (a table is written only when every \
                 assertion holds)",
                plural(failed, "assertion")
            );
            return Ok(1);
        }
        Ok((c, _)) => c,
        Err(code) => return Ok(code),
    };
    let w = |e: std::io::Error| e.to_string();
    match output {
        Some(file) => {
            if let Err(e) = write_atomically(&file, &compiled.json) {
                writeln!(err, "error: cannot write `{}`: {e}", file.display()).map_err(w)?;
                return Ok(2);
            }
            let t = &compiled.lowered.table;
            writeln!(
                err,
                "compiled `{}`: {}, {} ({}) → {}",
                t.policy,
                plural(t.decision_table.len(), "row"),
                plural(t.jurisdictions.len(), "jurisdiction"),
                compiled.digest,
                file.display()
            )
            .map_err(w)?;
        }
        None => write!(out, "{}", compiled.json).map_err(w)?,
    }
    Ok(0)
}

/// `edict eval TABLE --input FILE|- [--explain]`.
pub fn eval_cmd(
    args: &[String],
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let (trust, settings, rest) = table_options(args)?;
    let mut input = None;
    let mut explain = false;
    let mut table_path = None;
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--input" | "-i" => {
                input = Some(it.next().ok_or("`--input` takes a file or `-`")?.clone())
            }
            "--explain" => explain = true,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path if table_path.is_none() => table_path = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    let table_path = table_path.ok_or("no TABLE given")?;
    let input =
        input.ok_or("`--input FILE` (or `--input -` for JSON Lines on stdin) is required")?;
    let evaluator = match load_evaluator(&table_path, settings, &trust, err) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let w = |e: std::io::Error| e.to_string();
    let mut failed = 0usize;
    let mut emit = |output: Output, out: &mut dyn Write, err: &mut dyn Write| {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&output).unwrap_or_default()
        )
        .map_err(w)?;
        if let Output::Rejected(rejected) = &output {
            failed += 1;
            for e in &rejected.errors {
                let at = rejected
                    .line
                    .map(|n| format!("line {n}: "))
                    .unwrap_or_default();
                writeln!(err, "{at}error[{}]: {}", e.code, e.message).map_err(w)?;
            }
        }
        Ok::<(), String>(())
    };
    if input == "-" || input.ends_with(".jsonl") {
        let mut file_reader;
        let reader: &mut dyn BufRead = if input == "-" {
            stdin
        } else {
            let file =
                std::fs::File::open(&input).map_err(|e| format!("cannot read `{input}`: {e}"))?;
            file_reader = std::io::BufReader::new(file);
            &mut file_reader
        };
        let mut lines = Lines::new(reader);
        while let Some((line_no, line)) = lines.next_line().map_err(w)? {
            emit(
                evaluator.decide_input(Some(line_no), &line, explain),
                out,
                err,
            )?;
        }
    } else {
        // One transaction: read at most one byte past the limit (the file
        // may be a pipe, or endless).
        let mut bytes = Vec::new();
        std::fs::File::open(&input)
            .and_then(|f| {
                f.take(crate::eval::lines::MAX_LINE as u64 + 1)
                    .read_to_end(&mut bytes)
            })
            .map_err(|e| format!("cannot read `{input}`: {e}"))?;
        let line = if bytes.len() > crate::eval::lines::MAX_LINE {
            Line::TooLong(bytes.len() as u64)
        } else {
            Line::Bytes(&bytes)
        };
        emit(evaluator.decide_input(None, &line, explain), out, err)?;
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// A table file (`.json`) is read as is; anything else is compiled first.
/// With trusted keys, the table's signature is verified before the table
/// is read, and the evaluator names the signing key in every decision.
pub(super) fn load_evaluator(
    path: &Path,
    settings: Settings,
    trust: &Trust,
    err: &mut dyn Write,
) -> Result<Evaluator, i32> {
    if path.extension().is_some_and(|e| e == "json") {
        let bytes = RealFs.read_table(path).map_err(|e| {
            let _ = writeln!(err, "error: cannot read `{}`: {e}", path.display());
            2
        })?;
        let verified = trust.check(path, &bytes, err)?;
        let evaluator = Evaluator::from_bytes(&bytes).map_err(|e| {
            let _ = writeln!(
                err,
                "error[{}]: `{}`: {}",
                e.code.info().code,
                path.display(),
                e.message
            );
            1
        })?;
        return Ok(match verified {
            Some(v) => evaluator.with_key(&v.kid),
            None => evaluator,
        });
    }
    trust.refuse_source(path, err)?;
    let args = PolicyArgs {
        settings,
        paths: vec![path.to_path_buf()],
    };
    let c = compiled_or_exit(args, err)?;
    Evaluator::new(c.lowered.table, c.digest).map_err(|e| {
        let _ = writeln!(err, "error[{}]: {}", e.code.info().code, e.message);
        1
    })
}

/// `edict schema table|decision|diff|openapi`: the JSON Schemas of the
/// formats, and the OpenAPI document of `edict serve`.
pub fn schema_cmd(args: &[String], out: &mut dyn Write) -> Result<i32, String> {
    let text = match args {
        [w] if w == "table" => crate::table::Table::schema(),
        [w] if w == "decision" => crate::eval::Output::schema(),
        [w] if w == "diff" => crate::diff::Report::schema(),
        [w] if w == "compare" => crate::compare::Comparison::schema(),
        [w] if w == "openapi" => edict_serve::openapi::document(),
        _ => {
            return Err(
                "`schema` takes `table`, `decision`, `diff`, `compare` or `openapi`".to_string(),
            );
        }
    };
    write!(out, "{text}").map_err(|e| e.to_string())?;
    Ok(0)
}

/// `edict test [--coverage [--format text|json]] PATH...`.
pub fn test_cmd(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, String> {
    let (settings, rest) = policy_options(args)?;
    let (mut coverage, mut json) = (false, false);
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--coverage" => coverage = true,
            "--format" => {
                json = match super::option_value(&mut it, arg, "a format")?.as_str() {
                    "json" => true,
                    "text" => false,
                    other => {
                        return Err(format!("`--format` takes `text` or `json`, not `{other}`"));
                    }
                }
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path => paths.push(PathBuf::from(path)),
        }
    }
    if json && !coverage {
        return Err("`--format json` is for `--coverage`".to_string());
    }
    if paths.is_empty() {
        return Err("no PATH given".to_string());
    }
    let (compiled, holds) =
        match proved_from(&RealFs, PolicyArgs { settings, paths }, true, true, err) {
            Ok(c) => c,
            Err(code) => return Ok(code),
        };
    let results = crate::testing::run(&compiled)
        .map_err(|e| format!("the compiled table is unusable: {e}"))?;
    let w = |e: std::io::Error| e.to_string();
    // With `--format json` the report alone goes to stdout; the tests'
    // lines go to stderr.
    let report = coverage.then(|| crate::coverage::coverage(&compiled, &results));
    let stdout = out;
    let mut lines: Vec<u8> = Vec::new();
    let out: &mut dyn Write = &mut lines;
    let mut failed = 0;
    for r in &results {
        let s = &r.test.source;
        let status = if r.passed() { "ok" } else { "FAILED" };
        writeln!(
            out,
            "test {}:{} \"{}\" ... {status}",
            s.file, s.line, r.test.name
        )
        .map_err(w)?;
        if r.passed() {
            continue;
        }
        failed += 1;
        if let Some(e) = &r.error {
            writeln!(out, "    the test's transaction was rejected: {e}").map_err(w)?;
        }
        for f in &r.failures {
            writeln!(
                out,
                "    at {}:{}",
                f.expectation.source.file, f.expectation.source.line
            )
            .map_err(w)?;
            writeln!(out, "      expected {}", f.expected).map_err(w)?;
            writeln!(out, "      actual   {}", f.actual).map_err(w)?;
            if let Some(set) = &r.decisions {
                write_explanation(out, set, &f.expectation.jurisdiction).map_err(w)?;
            }
        }
    }
    // Assertions: those that fail are reported above, as `edict check` does.
    for (a, holds) in compiled.program.assertions.iter().zip(&holds) {
        let status = if *holds { "holds" } else { "FAILED" };
        writeln!(
            out,
            "assert {}:{} \"{}\" ... {status}",
            a.source.file, a.source.line, a.name
        )
        .map_err(w)?;
    }
    let refuted = holds.iter().filter(|h| !**h).count();
    let assertions = if holds.is_empty() {
        String::new()
    } else {
        let held = holds.len() - refuted;
        let verb = if held == 1 { "holds" } else { "hold" };
        format!("; {} {verb}, {refuted} fail", plural(held, "assertion"))
    };
    writeln!(
        out,
        "\n{}: {} passed, {} failed{assertions}",
        if failed + refuted == 0 {
            "ok"
        } else {
            "FAILED"
        },
        results.len() - failed,
        failed
    )
    .map_err(w)?;
    // Names and values come from the policy: nothing unsafe reaches the
    // terminal as it is.
    let lines_to: &mut dyn Write = if json { err } else { &mut *stdout };
    let lines = String::from_utf8_lossy(&lines);
    lines_to
        .write_all(crate::escape::terminal(&lines).as_bytes())
        .map_err(w)?;
    match report {
        Some(report) if json => write!(stdout, "{}", report.to_json()).map_err(w)?,
        Some(report) => write!(stdout, "\n{}", report.text()).map_err(w)?,
        None => {}
    }
    Ok(if failed + refuted > 0 { 1 } else { 0 })
}

fn write_explanation(
    out: &mut dyn Write,
    set: &crate::eval::DecisionSet,
    jurisdiction: &str,
) -> std::io::Result<()> {
    let Some(e) = set
        .explanation
        .iter()
        .flatten()
        .find(|e| e.jurisdiction == jurisdiction)
    else {
        return Ok(());
    };
    if let Some(t) = &e.assessed_tier {
        writeln!(out, "      assessed tier: {t}")?;
    }
    for m in &e.matched {
        writeln!(
            out,
            "      matched: row {} of `{}` ({})",
            m.row,
            m.rule,
            m.outcome.as_str()
        )?;
    }
    for m in &e.set_aside {
        let why = m.why.as_deref().unwrap_or("");
        writeln!(
            out,
            "      set aside: row {} of `{}` ({}): {why}",
            m.row,
            m.rule,
            m.outcome.as_str()
        )?;
    }
    for m in &e.near_misses {
        let cell = serde_json::to_string(&m.cell).unwrap_or_default();
        writeln!(
            out,
            "      near miss: `{}` ({}) failed only on `{}`: {cell}, value {}",
            m.rule,
            m.outcome.as_str(),
            m.column,
            m.value
        )?;
    }
    Ok(())
}
