//! `edict diff`: reads two versions — each a policy file or folder, a
//! compiled table, or a path at a git revision (through the `git`
//! command) — and writes the report as text, Markdown, JSON or HTML.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::option_value;
use super::sign::Trust;
use super::table::{PolicyArgs, compiled_from, table_options};
use super::write_atomically;
use crate::db::Settings;
use crate::diagnostics::Code;
use crate::diff::{Version, diff, html, render};
use crate::eval::Evaluator;
use crate::project::{FileSystem, MemoryFs, RealFs};

/// The formats of a report (`edict diff`, `edict compare`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Text,
    Markdown,
    Json,
    Html,
}

struct DiffArgs {
    settings: Settings,
    format: Format,
    color: Option<bool>,
    output: Option<PathBuf>,
    git: Option<String>,
    exit_code: bool,
    paths: Vec<PathBuf>,
    data: Vec<String>,
    id: Option<String>,
    trust: Trust,
}

/// The value of `--format`.
pub(super) fn report_format(value: &str) -> Result<Format, String> {
    Ok(match value {
        "text" => Format::Text,
        "markdown" | "md" => Format::Markdown,
        "json" => Format::Json,
        "html" => Format::Html,
        other => {
            return Err(format!(
                "`--format` takes `text`, `markdown`, `json` or `html`, not `{other}`"
            ));
        }
    })
}

/// Writes a report to `output` (atomically, its summary to `err`) or to
/// `out`; the exit code.
pub(super) fn emit(
    output: Option<&Path>,
    text: &str,
    summary: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let w = |e: std::io::Error| e.to_string();
    match output {
        Some(file) => {
            if let Err(e) = write_atomically(file, text) {
                writeln!(err, "error: cannot write `{}`: {e}", file.display()).map_err(w)?;
                return Ok(2);
            }
            writeln!(err, "{summary} → {}", file.display()).map_err(w)?;
        }
        None => write!(out, "{text}").map_err(w)?,
    }
    Ok(0)
}

fn parse(args: &[String]) -> Result<DiffArgs, String> {
    let (trust, settings, rest) = table_options(args)?;
    if trust.sig.is_some() {
        return Err(
            "`diff` reads each table's signature beside it (TABLE.sig); `--sig` names one file"
                .into(),
        );
    }
    let mut a = DiffArgs {
        settings,
        format: Format::Text,
        color: None,
        output: None,
        git: None,
        exit_code: false,
        paths: Vec::new(),
        data: Vec::new(),
        id: None,
        trust,
    };
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let mut value = |what: &str| option_value(&mut it, arg, what);
        match arg.as_str() {
            "--format" => a.format = report_format(&value("a format")?)?,
            "--color" => {
                a.color = match value("`always`, `never` or `auto`")?.as_str() {
                    "always" => Some(true),
                    "never" => Some(false),
                    "auto" => None,
                    other => {
                        return Err(format!(
                            "`--color` takes `always`, `never` or `auto`, not `{other}`"
                        ));
                    }
                }
            }
            "-o" | "--output" => a.output = Some(PathBuf::from(value("a file")?)),
            "--git" => a.git = Some(value("a revision")?),
            "--exit-code" => a.exit_code = true,
            "--data" => a.data.push(value("a .parquet, .csv or .jsonl file")?),
            "--id" => a.id = Some(value("a column name")?),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path => a.paths.push(PathBuf::from(path)),
        }
    }
    match (a.git.is_some(), a.paths.len()) {
        (false, 2) | (true, 1 | 2) => Ok(a),
        (false, _) => Err("`diff` takes OLD and NEW (or `--git REV PATH`)".to_string()),
        (true, _) => Err("`diff --git REV` takes PATH and at most one NEW".to_string()),
    }
}

/// `edict diff [--git REV] OLD [NEW]`.
pub fn diff_cmd(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, String> {
    let a = parse(args)?;
    if a.git.is_some() {
        // A revision is policy source, signed by nobody.
        if let Err(code) = a.trust.refuse_source(&a.paths[0], err) {
            return Ok(code);
        }
    }
    let (old, new) = match &a.git {
        Some(rev) => {
            let old = &a.paths[0];
            let new = a.paths.get(1).unwrap_or(old);
            let fs = match git_files(rev, old) {
                Ok(fs) => fs,
                Err(why) => {
                    let _ = writeln!(err, "error: {why}");
                    return Ok(2);
                }
            };
            let label = format!("{rev}:{}", old.display());
            (
                checked_version(&fs, old, label, &a.settings, &a.trust, err),
                checked_version(
                    &RealFs,
                    new,
                    new.display().to_string(),
                    &a.settings,
                    &a.trust,
                    err,
                ),
            )
        }
        None => (
            checked_version(
                &RealFs,
                &a.paths[0],
                a.paths[0].display().to_string(),
                &a.settings,
                &a.trust,
                err,
            ),
            checked_version(
                &RealFs,
                &a.paths[1],
                a.paths[1].display().to_string(),
                &a.settings,
                &a.trust,
                err,
            ),
        ),
    };
    let (old, new) = match (old, new) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(c), _) | (_, Err(c)) => return Ok(c),
    };
    let report = match diff(&old, &new) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(
                err,
                "error[{}]: cannot compare `{}` with `{}`: {}",
                Code::IncomparableVersions.as_str(),
                old.label,
                new.label,
                e.0
            );
            return Ok(1);
        }
    };
    let mut report = report;
    if !a.data.is_empty()
        && let Err(why) = data_impact(&mut report, &old, &new, &a)
    {
        let _ = writeln!(err, "error: {why}; no report was written");
        return Ok(2);
    }
    let color = a.color.unwrap_or_else(|| {
        a.output.is_none()
            && std::env::var_os("NO_COLOR").is_none()
            && std::io::stdout().is_terminal()
    });
    let text = match a.format {
        Format::Text => render::text(&report, color),
        Format::Markdown => render::markdown(&report),
        Format::Json => report.to_json(),
        Format::Html => html::page(&report),
    };
    let summary = render::summary_text(&report);
    let code = emit(a.output.as_deref(), &text, &summary, out, err)?;
    Ok(if code == 0 && a.exit_code && !report.equivalent {
        1
    } else {
        code
    })
}

/// Decides the `--data` rows under both versions into the report.
#[cfg(feature = "screen")]
fn data_impact(
    report: &mut crate::diff::Report,
    old: &Version,
    new: &Version,
    a: &DiffArgs,
) -> Result<(), String> {
    crate::diff::data::attach(report, old, new, &a.data, a.id.as_deref())
}

#[cfg(not(feature = "screen"))]
fn data_impact(
    _: &mut crate::diff::Report,
    _: &Version,
    _: &Version,
    _: &DiffArgs,
) -> Result<(), String> {
    Err("this build of edict has no `--data` (built without the `screen` feature)".into())
}

/// A version from a path: a `.json` table, else a policy compiled.
/// Warnings are not shown (`edict check` shows them); errors are, to
/// `err`; the error is the exit code.
pub fn version(
    fs: &dyn FileSystem,
    path: &Path,
    label: String,
    settings: &Settings,
    err: &mut dyn Write,
) -> Result<Version, i32> {
    checked_version(fs, path, label, settings, &Trust::default(), err)
}

/// [`version`], and with `--trusted-key`, it must be a table signed by a trusted key,
/// checked on the very bytes then read (a policy source is signed by
/// nobody).
pub(super) fn checked_version(
    fs: &dyn FileSystem,
    path: &Path,
    label: String,
    settings: &Settings,
    trust: &Trust,
    err: &mut dyn Write,
) -> Result<Version, i32> {
    if path.extension().is_some_and(|e| e == "json") {
        let bytes = fs.read_table(path).map_err(|e| {
            let _ = writeln!(err, "error: cannot read `{label}`: {e}");
            2
        })?;
        trust.check(path, &bytes, err)?;
        let evaluator = Evaluator::from_bytes(&bytes).map_err(|e| {
            let _ = writeln!(err, "error[{}]: `{label}`: {}", e.code.as_str(), e.message);
            1
        })?;
        let digest = evaluator.digest().to_string();
        return Ok(Version::from_table(
            label,
            evaluator.table().clone(),
            digest,
        ));
    }
    trust.refuse_source(path, err)?;
    let args = PolicyArgs {
        settings: settings.clone(),
        paths: vec![path.to_path_buf()],
    };
    let compiled = compiled_from(fs, args, false, err)?;
    Ok(Version::from_compiled(label, &compiled))
}

/// The files of `path` (a file or a folder) at revision `rev`, read with
/// `git` in the folder of `path`, at the paths they have in the working
/// tree.
pub fn git_files(rev: &str, path: &Path) -> Result<MemoryFs, String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a revision"));
    }
    let is_dir = path.is_dir() || path.extension().is_none_or(|e| e != "edict" && e != "json");
    let (dir, only) = if is_dir {
        (path.to_path_buf(), None)
    } else {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        (
            parent.unwrap_or(Path::new(".")).to_path_buf(),
            path.file_name(),
        )
    };
    let run = |args: &[&str]| -> Result<Vec<u8>, String> {
        let output = Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run `git`: {e}"))?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(format!(
                "`git {}` in `{}` failed: {}",
                args.join(" "),
                dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    };
    // Paths are listed relative to `dir`, the folder's own files only.
    let listing = run(&["ls-tree", "-r", "--name-only", rev])?;
    let listing = String::from_utf8_lossy(&listing).into_owned();
    let mut fs = MemoryFs::default();
    for file in listing.lines() {
        let wanted = match only {
            Some(name) => Path::new(file).as_os_str() == name,
            None => file.ends_with(".edict"),
        };
        if wanted {
            let bytes = run(&["show", &format!("{rev}:./{file}")])?;
            fs.files.insert(dir.join(file), bytes);
        }
    }
    if fs.files.is_empty() {
        return Err(format!(
            "`{}` has no policy files at revision `{rev}`",
            path.display()
        ));
    }
    Ok(fs)
}
