//! Integration tests of the Edict compiler: fixtures, formatting, bad
//! input, incrementality, the command line. Helpers shared by the test
//! files live here.
#![expect(clippy::panic, reason = "test helpers fail by panicking")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use edict_compiler::date::Date;
use edict_compiler::db::Settings;
use edict_compiler::diagnostics::Diagnostic;
use edict_compiler::diagnostics::render::render_text;
use edict_compiler::project::{Project, RealFs, load, sources};
use edict_compiler::table::generate::Rng;
use edict_compiler::table::{
    self, Cell, ColumnType, CompileError, Compiled, Literal, Table, policy_diagnostics,
};
use serde_json::{Value, json};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The fixed "today" of the tests, so that date lints are reproducible.
pub fn today() -> Date {
    Date {
        year: 2025,
        month: 3,
        day: 1,
    }
}

/// Loads files or folders with the tests' "today". A path that cannot be
/// read fails the test rather than passing as "clean".
fn load_project(paths: &[PathBuf]) -> Project {
    let settings = Settings {
        today: Some(today()),
        ..Settings::default()
    };
    match load(&RealFs, paths, settings) {
        Ok(p) => p,
        Err(e) => panic!("cannot load {paths:?}: {e}"),
    }
}

/// Checks files or folders (panics when one cannot be read); returns the diagnostics and their rendering
/// (no colour, paths relative to the repository).
pub fn check(paths: &[PathBuf]) -> (Vec<Diagnostic>, String) {
    let project = load_project(paths);
    let diagnostics = policy_diagnostics(&project.db, project.ws);
    let mut out = Vec::new();
    let _ = render_text(&mut out, &diagnostics, &sources(&project), false);
    let prefix = format!("{}/", repo().display());
    let text = String::from_utf8_lossy(&out).replace(&prefix, "");
    (diagnostics, text)
}

/// Compiles files or folders (panics when they do not compile).
pub fn compile(paths: &[PathBuf]) -> Compiled {
    let project = load_project(paths);
    match table::compile(&project.db, project.ws) {
        Ok(c) => c,
        Err(CompileError::Diagnostics(d)) => {
            let mut out = Vec::new();
            let _ = render_text(&mut out, &d, &sources(&project), false);
            panic!(
                "{paths:?} does not compile:\n{}",
                String::from_utf8_lossy(&out)
            )
        }
        Err(CompileError::Internal(e)) => panic!("{paths:?}: internal error: {e}"),
    }
}

/// The codes a fixture says it reports (`// expect: E0101 W0303`).
pub fn expected_codes(text: &str) -> Vec<String> {
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("// expect:"))
        .map(|codes| codes.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Every `.edict` file under a folder, sorted.
pub fn edict_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "edict") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every folder holding a shipped policy, sorted: the conformance cases,
/// and the examples — a folder with `.edict` files of its own, or, for a
/// folder of versions (`examples/version_pair/{proposed,final}`), each
/// sub-folder.
pub fn shipped_policies() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for parent in ["examples", "tests/conformance"] {
        for entry in std::fs::read_dir(repo().join(parent))
            .into_iter()
            .flatten()
            .flatten()
        {
            let p = entry.path();
            if !p.is_dir() || edict_files(&p).is_empty() {
                continue;
            }
            let own = std::fs::read_dir(&p)
                .into_iter()
                .flatten()
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "edict"));
            if own {
                out.push(p);
            } else {
                for sub in std::fs::read_dir(&p).into_iter().flatten().flatten() {
                    if sub.path().is_dir() && !edict_files(&sub.path()).is_empty() {
                        out.push(sub.path());
                    }
                }
            }
        }
    }
    out.sort();
    assert!(out.len() >= 10, "shipped policies missing: {out:?}");
    out
}

/// Reads a file's bytes (panics when it cannot).
pub fn read_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A fresh, empty folder under the system's temporary folder, named after
/// the test process and `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edict-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// Reads a file (panics when it cannot).
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs the command line with the given bytes on stdin; returns (exit
/// code, stdout, stderr).
pub fn edict(args: &[&str], stdin: impl AsRef<[u8]>) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input = stdin.as_ref();
    let code = edict_compiler::cli::run_with_input(&args, &mut input, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// A validator for one of the checked-in schemas of `compiler/docs/`.
pub fn validator(file: &str) -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&read(&repo().join("compiler/docs").join(file)))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Writes a version pair whose new side carries hostile text in every
/// string a report shows — terminal escapes (colour, screen clearing, an
/// OSC 8 link, BEL), bidirectional overrides, Markdown links and images,
/// raw HTML and script-closing sequences — in a doc comment, `cite`,
/// `because`, `obligation` and an authorization's label; returns (old,
/// new). The rule it adds changes decisions, so every report section has
/// hostile text.
pub fn hostile_version_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let (old, new) = (dir.join("old.edict"), dir.join("new.edict"));
    let head = "policy hostile\nuse std.countries.*\ninput { destination: Country }\n\
        authorization A \"<b>label</b> \u{1b}[2J\" cite \"15 CFR 740.1\"\n";
    let base = "  rule base {\n    when destination in {RU}\n    then deny\n    sunset 2100-01-01\n    cite \"15 CFR 746.8\"\n  }\n";
    let hostile = "  /// Doc <!--<script>document.title='pwned'</script> \u{202e}evil\u{202c} [doc](http://evil.example)\n\
        \x20 rule added {\n    when destination in {CN}\n    then allow under A\n\
        \x20   obligation \"</script><script>document.title='pwned'</script>\"\n\
        \x20   because \"<img src=x onerror=\\\"document.title='pwned'\\\"> [click](http://evil.example) ![i](http://evil.example/i.png)\"\n\
        \x20   sunset 2100-01-01\n\
        \x20   cite \"\u{1b}[31mred\u{1b}[0m \u{1b}]8;;http://evil.example\u{7}link\u{1b}]8;;\u{7} www.evil.example\"\n  }\n";
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    write(&old, format!("{head}jurisdiction US {{\n{base}}}\n"));
    write(
        &new,
        format!("{head}jurisdiction US {{\n{base}{hostile}}}\n"),
    );
    (old, new)
}

/// `n` JSON Lines transactions drawn from the values the table's cells
/// name and their neighbours (a day either side of a date bound, a number
/// either side of a numeric one, an ECCN under each prefix), with a few
/// missing or invalid values.
pub fn random_transactions(table: &Table, n: usize, seed: u64) -> String {
    let candidates: Vec<Vec<Value>> = table
        .columns
        .iter()
        .map(|c| {
            let mut values = BTreeSet::new();
            let cells = table
                .decision_table
                .iter()
                .map(|r| &r.cells)
                .chain(table.tier_table.iter().map(|r| &r.cells))
                .filter_map(|cells| cells.get(&c.name));
            for cell in cells {
                neighbours(c.ty, cell, &mut values);
            }
            let mut values: Vec<Value> = values
                .into_iter()
                .map(|v| serde_json::from_str(&v).unwrap_or(Value::Null))
                .collect();
            match c.ty {
                ColumnType::Country | ColumnType::Enum => {
                    values.extend(c.domain.iter().step_by(7).map(|v| json!(v)));
                }
                ColumnType::Bool => values.extend([json!(true), json!(false)]),
                ColumnType::Date => values.push(json!("2024-06-30")),
                ColumnType::Number => values.push(json!(0)),
                ColumnType::Eccn => values.extend([json!("EAR99"), json!("0Y521")]),
                ColumnType::String => values.push(json!("other")),
            }
            values
        })
        .collect();
    let bad = |ty: ColumnType| match ty {
        ColumnType::Date => Some(json!("2025-02-29")),
        ColumnType::Country | ColumnType::Enum => Some(json!("ZZ")),
        ColumnType::Eccn => Some(json!("3A0901")),
        _ => None,
    };
    let mut rng = Rng::new(seed);
    let mut out = String::new();
    for _ in 0..n {
        let mut tx = serde_json::Map::new();
        for (c, values) in table.columns.iter().zip(&candidates) {
            match rng.below(200) {
                0 => continue,
                1 => {
                    if let Some(v) = bad(c.ty) {
                        tx.insert(c.name.clone(), v);
                        continue;
                    }
                }
                _ => {}
            }
            tx.insert(c.name.clone(), values[rng.below(values.len())].clone());
        }
        out.push_str(&Value::Object(tx).to_string());
        out.push('\n');
    }
    out
}

/// The values a cell names and their neighbours, as JSON texts.
fn neighbours(ty: ColumnType, cell: &Cell, out: &mut BTreeSet<String>) {
    let mut add = |v: Value| {
        out.insert(v.to_string());
    };
    match cell {
        Cell::In { values } | Cell::NotIn { values } => {
            for v in values {
                add(serde_json::to_value(v).unwrap_or(Value::Null));
            }
        }
        Cell::EccnIn { prefixes, except } => {
            for p in prefixes.iter().chain(except) {
                for v in [p.clone(), format!("{p}.a"), format!("{p}.z.9")] {
                    add(json!(v));
                }
            }
        }
        Cell::EccnNotIn { prefixes } => {
            for p in prefixes {
                add(json!(p));
                add(json!(format!("{p}.a")));
            }
        }
        Cell::Range { min, max, .. } => {
            for bound in [min, max].into_iter().flatten() {
                match (ty, bound) {
                    (ColumnType::Date, Literal::Text(t)) => {
                        if let Ok(day) = Date::parse(t) {
                            let d = day.days_since_epoch();
                            for delta in [-1, 0, 1] {
                                add(json!(Date::from_days_since_epoch(d + delta).to_string()));
                            }
                        }
                    }
                    (_, Literal::Number(x)) => {
                        for delta in [-1.0, -0.5, 0.0, 0.5, 1.0] {
                            add(json!(x.0 + delta));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}
