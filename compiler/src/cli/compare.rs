//! `edict compare`: reads one policy (or two) — each a policy file or
//! folder or a compiled table — and writes where two of its jurisdictions
//! decide differently, as text, Markdown, JSON or HTML.

use std::io::Write;
use std::path::PathBuf;

use super::diff::{Format, checked_version, emit, report_format};
use super::option_value;
use super::table::table_options;
use crate::compare::{compare, render};
use crate::diagnostics::Code;
use crate::project::RealFs;

/// `edict compare PATH [PATH2] --jurisdictions A B`.
pub fn compare_cmd(
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let (trust, settings, rest) = table_options(args)?;
    if trust.sig.is_some() {
        return Err("`compare` reads each table's signature beside it (TABLE.sig)".into());
    }
    let mut format = Format::Text;
    let mut output = None;
    let mut exit_code = false;
    let mut jurisdictions = Vec::new();
    let mut paths = Vec::new();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let mut value = |what: &str| option_value(&mut it, arg, what);
        match arg.as_str() {
            "--jurisdictions" | "-j" => {
                jurisdictions.push(value("two jurisdictions")?);
                jurisdictions.push(value("two jurisdictions")?);
            }
            "--format" => format = report_format(&value("a format")?)?,
            "-o" | "--output" => output = Some(PathBuf::from(value("a file")?)),
            "--exit-code" => exit_code = true,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path => paths.push(PathBuf::from(path)),
        }
    }
    let [ja, jb] = jurisdictions.as_slice() else {
        return Err("`compare` takes `--jurisdictions A B` once".into());
    };
    let (pa, pb) = match paths.as_slice() {
        [one] => (one, one),
        [a, b] => (a, b),
        _ => return Err("`compare` takes PATH, or PATH_A and PATH_B".into()),
    };
    let version = |p: &PathBuf, err: &mut dyn Write| {
        checked_version(&RealFs, p, p.display().to_string(), &settings, &trust, err)
    };
    let a = match version(pa, err) {
        Ok(v) => v,
        Err(code) => return Ok(code),
    };
    let b = if pb == pa {
        a.clone()
    } else {
        match version(pb, err) {
            Ok(v) => v,
            Err(code) => return Ok(code),
        }
    };
    let comparison = match compare(&a, ja, &b, jb) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(
                err,
                "error[{}]: cannot compare `{ja}` with `{jb}`: {}",
                Code::IncomparableVersions.as_str(),
                e.0
            );
            return Ok(1);
        }
    };
    let text = match format {
        Format::Text => render::text(&comparison),
        Format::Markdown => render::markdown(&comparison),
        Format::Json => comparison.to_json(),
        Format::Html => render::page(&comparison),
    };
    let code = emit(
        output.as_deref(),
        &text,
        &render::summary_text(&comparison),
        out,
        err,
    )?;
    Ok(if code == 0 && exit_code && !comparison.equivalent {
        1
    } else {
        code
    })
}
