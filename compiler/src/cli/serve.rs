//! `edict serve TABLE`: decisions over HTTP, through the `edict-serve`
//! crate. The table is loaded (and its signature verified) by the same
//! code as `edict eval`, at start and on every reload.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use super::option_value;
use super::table::{load_evaluator, table_options};

/// `edict serve`; runs until SIGTERM or SIGINT (exit 0), 1 when the table
/// cannot be loaded, 2 on usage problems or when it cannot listen.
pub(super) fn serve_cmd(
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let (trust, settings, rest) = table_options(args)?;
    let mut config = edict_serve::Config::default();
    let mut table = None;
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let mut value = |what: &str| option_value(&mut it, arg, what);
        let number = |text: String| {
            text.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("`{arg} {text}`: give a number, 1 or more"))
        };
        match arg.as_str() {
            "--listen" => {
                let text = value("an address such as 127.0.0.1:8080")?;
                config.listen = text.parse().map_err(|_| {
                    format!("`--listen {text}`: give IP:PORT, such as 127.0.0.1:8080")
                })?;
            }
            "--max-batch" => config.max_batch = number(value("a number")?)?,
            "--max-body" => config.max_body = number(value("a number of bytes")?)?,
            "--timeout" => {
                config.timeout =
                    std::time::Duration::from_secs(number(value("a number of seconds")?)? as u64)
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path if table.is_none() => table = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    let table: PathBuf = table.ok_or("no TABLE given")?;
    if table.is_file() {
        config.watch.push(table.clone());
        if trust.required() {
            config.watch.push(trust.sig_path(&table));
        }
    }
    let trust = Arc::new(trust);
    let path = table.clone();
    let loader: edict_serve::Loader = Arc::new(move || {
        let mut messages = Vec::new();
        load_evaluator(&path, settings.clone(), &trust, &mut messages)
            .map_err(|_| String::from_utf8_lossy(&messages).into_owned())
    });
    let result = edict_serve::run(config, loader, |addr, ev| {
        let _ = writeln!(
            out,
            "edict serve: `{}` ({}{}) on http://{addr}",
            ev.table().policy.escape_debug(),
            ev.digest(),
            ev.key()
                .map(|k| format!(", signed by key {k}"))
                .unwrap_or_default()
        );
        let _ = out.flush();
    });
    match result {
        Ok(()) => Ok(0),
        Err(message) => {
            write!(err, "{}", message.trim_end()).map_err(|e| e.to_string())?;
            writeln!(err).map_err(|e| e.to_string())?;
            Ok(if message.contains("cannot listen") {
                2
            } else {
                1
            })
        }
    }
}
