//! Editing one rule re-runs the queries of its own file only.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::path::PathBuf;

use edict_compiler::db::{Database, Settings, workspace_diagnostics};
use std::sync::{Arc, Mutex};

use edict_compiler::project::{MemoryFs, load_into};
use salsa::Setter;

#[test]
fn editing_a_rule_rechecks_only_its_module() {
    let mut fs = MemoryFs::default();
    let groups = "policy p.groups\nuse std.countries.*\n\ngroup Watch: Country = {CN, MO}\n";
    let a = "policy p.a\nuse std.countries.*\nuse p.groups.*\n\ninput {\n  destination: Country\n}\n\njurisdiction US {\n  sunset 2030-01-01\n  rule a {\n    when destination in Watch\n    then deny\n    cite \"x\"\n  }\n}\n";
    let b = "policy p.b\nuse std.countries.*\nuse p.groups.*\n\njurisdiction US {\n  sunset 2030-01-01\n  rule b {\n    when destination in Watch\n    then allow\n    cite \"y\"\n  }\n}\n";
    for (name, text) in [
        ("p/groups.edict", groups),
        ("p/a.edict", a),
        ("p/b.edict", b),
    ] {
        fs.files
            .insert(PathBuf::from("root").join(name), text.as_bytes().to_vec());
    }
    let settings = Settings {
        today: Some(edict_tests::today()),
        ..Settings::default()
    };
    let (db, log) = Database::with_log();
    let project = match load_into(db, &fs, &[PathBuf::from("root")], settings) {
        Ok(p) => p,
        Err(e) => panic!("load failed: {e}"),
    };
    let (mut db, ws) = (project.db, project.ws);
    assert!(workspace_diagnostics(&db, ws).is_empty());
    let first_run = take(&log);
    assert!(count(&first_run, "check_file") >= 3, "{first_run:?}");

    let file_a = ws
        .files(&db)
        .iter()
        .copied()
        .find(|f| f.path(&db).ends_with("a.edict"));
    let Some(file_a) = file_a else {
        panic!("a.edict not loaded")
    };
    file_a
        .set_text(&mut db)
        .to(a.replace("then deny", "then require license"));
    let after_edit = workspace_diagnostics(&db, ws);
    assert!(after_edit.is_empty(), "{after_edit:?}");
    let rerun = take(&log);
    // Only a.edict is parsed and checked again; its summary is re-derived and
    // found equal, so nothing that depends on it re-runs.
    let mut names: Vec<String> = rerun
        .iter()
        .map(|e| e.split('(').next().unwrap_or("").to_string())
        .collect();
    names.sort();
    insta::assert_snapshot!(names.join("\n"));
    assert_eq!(count(&rerun, "parse_file"), 1, "{rerun:?}");
    assert_eq!(count(&rerun, "check_file"), 1, "{rerun:?}");
    assert_eq!(count(&rerun, "policy_env"), 0, "{rerun:?}");
}

fn take(log: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    log.lock()
        .map(|mut l| std::mem::take(&mut *l))
        .unwrap_or_default()
}

fn count(log: &[String], query: &str) -> usize {
    log.iter()
        .filter(|e| e.starts_with(&format!("{query}(")))
        .count()
}
