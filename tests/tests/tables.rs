//! Decision tables: the schema, compiling every shipped policy, determinism,
//! the conformance vectors (Rust and Python evaluators), the index, and the
//! `compile`, `eval` and `test` commands.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::path::{Path, PathBuf};
use std::process::Command;

use edict_compiler::eval::{Evaluator, Output};
use edict_compiler::table::generate::{Rng, table as generated, transaction};
use edict_compiler::table::{Compiled, Table};
use edict_tests::{compile, edict, read, read_bytes, repo, shipped_policies, validator};

fn conformance_cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/conformance"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("transactions.jsonl").is_file())
        .collect();
    cases.sort();
    cases
}

#[test]
fn checked_in_schemas_match_the_types() {
    let docs = repo().join("compiler/docs");
    for (file, schema) in [
        ("table.schema.json", Table::schema()),
        ("decision.schema.json", Output::schema()),
        ("diff.schema.json", edict_compiler::diff::Report::schema()),
        (
            "compare.schema.json",
            edict_compiler::compare::Comparison::schema(),
        ),
    ] {
        assert!(
            read(&docs.join(file)) == schema,
            "compiler/docs/{file} is out of date; regenerate it with \
             `cargo run -q --bin edict -- schema {} > compiler/docs/{file}`",
            file.split('.').next().unwrap_or("")
        );
    }
}

#[test]
fn every_shipped_policy_compiles_validates_and_passes_its_tests() {
    let tables = validator("table.schema.json");
    let decisions = validator("decision.schema.json");
    let mut tests_run = 0;
    for dir in shipped_policies() {
        let compiled: Compiled = compile(std::slice::from_ref(&dir));
        let json: serde_json::Value =
            serde_json::from_str(&compiled.json).unwrap_or_else(|e| panic!("{e}"));
        let problems: Vec<String> = tables.iter_errors(&json).map(|e| e.to_string()).collect();
        assert!(problems.is_empty(), "{}: {problems:?}", dir.display());
        let results = edict_compiler::testing::run(&compiled).unwrap_or_else(|e| panic!("{e}"));
        for r in &results {
            assert!(
                r.passed(),
                "{}: test \"{}\" failed: {r:?}",
                dir.display(),
                r.test.name
            );
            let set = r
                .decisions
                .as_ref()
                .unwrap_or_else(|| panic!("no decision"));
            let value = serde_json::to_value(set).unwrap_or_default();
            let problems: Vec<String> = decisions
                .iter_errors(&value)
                .map(|e| e.to_string())
                .collect();
            assert!(problems.is_empty(), "{problems:?}");
        }
        tests_run += results.len();
    }
    assert!(tests_run >= 4, "only {tests_run} test blocks ran");
}

#[test]
fn compiling_is_deterministic_whatever_the_file_order() {
    let dir = repo().join("tests/fixtures/tables/two_modules");
    let a = dir.join("controls.edict");
    let b = dir.join("relief.edict");
    let forward = compile(&[a.clone(), b.clone()]).json;
    let backward = compile(&[b, a]).json;
    let folder = compile(&[dir]).json;
    assert_eq!(forward, backward);
    assert_eq!(forward, folder);
    // Blocks of one jurisdiction in two modules form one jurisdiction, each
    // with its own dates; paths are relative to the project root.
    let table: Table = serde_json::from_str(&forward).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(table.jurisdictions, ["US"]);
    assert_eq!(table.policy, "project");
    let paths: Vec<&str> = table
        .sources
        .modules
        .iter()
        .map(|m| m.path.as_str())
        .collect();
    assert_eq!(paths, ["controls.edict", "relief.edict"]);
    let relief = table
        .decision_table
        .iter()
        .find(|r| r.rule == "watched_relief")
        .unwrap_or_else(|| panic!("no relief row"));
    let date = serde_json::to_string(&relief.cells["date"]).unwrap_or_default();
    assert!(
        date.contains("2025-01-01") && date.contains("2026-01-01"),
        "{date}"
    );
    // The folder and a single file compile the same module identically.
    let ai = repo().join("examples/ai_diffusion");
    assert_eq!(
        compile(std::slice::from_ref(&ai)).json,
        compile(&[ai.join("policy.edict")]).json
    );
}

#[test]
fn conformance_tables_are_current_and_the_reference_evaluator_matches() {
    let cases = conformance_cases();
    assert!(cases.len() >= 9, "{cases:?}");
    for case in cases {
        let name = case.display().to_string();
        let compiled = compile(&[case.join("policy.edict")]);
        let checked_in = read(&case.join("table.json"));
        assert!(
            compiled.json == checked_in,
            "{name}/table.json is stale: run `edict compile {name} -o {name}/table.json`"
        );
        let ev = Evaluator::from_bytes(checked_in.as_bytes()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(ev.digest(), compiled.digest);
        let (_, out, _) = edict(
            &[
                "eval",
                &case.join("table.json").display().to_string(),
                "--input",
                "-",
            ],
            read_bytes(&case.join("transactions.jsonl")),
        );
        let expected = read(&case.join("expected.jsonl"));
        assert_eq!(
            out, expected,
            "{name}: decisions differ from expected.jsonl"
        );
    }
}

#[test]
fn the_python_evaluator_passes_every_conformance_vector() {
    let output = Command::new("python3")
        .arg(repo().join("examples/consumers/python/run_conformance.py"))
        .arg(repo().join("tests/conformance"))
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed for this test: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("10 of 10 cases passed"), "{stdout}");
    // And every signature vector gets its verdict (tests/tests/signatures.rs
    // checks the same vectors with `edict verify` and `edict eval`).
    assert!(
        stdout.contains("15 of 15 signature vectors passed"),
        "{stdout}"
    );
    // Its refusals: unknown versions, malformed cells, bad transactions.
    let output = Command::new("python3")
        .args(["-m", "unittest", "discover", "-s"])
        .arg(repo().join("examples/consumers/python"))
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed for this test: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.contains("Ran 8 tests"),
        "{stderr}"
    );
}

#[test]
fn a_stream_with_bad_lines_decides_the_good_ones() {
    let case = repo().join("tests/conformance/bad_transactions");
    let table = case.join("table.json").display().to_string();
    let input = read(&case.join("transactions.jsonl"));
    let (code, out, err) = edict(&["eval", &table, "--input", "-"], &input);
    assert_eq!(code, 1, "rejections make the exit code 1");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    // One output per non-blank input line, in order.
    assert_eq!(
        lines.len(),
        input.lines().filter(|l| !l.trim().is_empty()).count()
    );
    let codes: Vec<String> = lines
        .iter()
        .map(|l| match l.get("errors") {
            Some(errors) => errors[0]["code"].as_str().unwrap_or("").to_string(),
            None => "decided".to_string(),
        })
        .collect();
    assert_eq!(
        codes,
        [
            "decided", "E0602", "E0603", "E0604", "E0605", "E0606", "E0601", "E0607", "E0601",
            "decided", "E0607", "E0602", "decided"
        ]
    );
    assert!(err.contains("line 7: error[E0601]"), "{err}");
    assert!(
        err.contains("line 5: error[E0605]: field `destination`: `XX`"),
        "{err}"
    );
}

#[test]
fn unusable_tables_get_coded_errors() {
    let compiled = compile(&[repo().join("examples/ai_diffusion")]);
    let dir = std::env::temp_dir().join(format!("edict-tables-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        (
            "future.json",
            compiled.json.replace("\"version\": 1", "\"version\": 2"),
            "E0502",
            "version 2",
        ),
        (
            "other.json",
            compiled
                .json
                .replace("edict-decision-table", "something-else"),
            "E0502",
            "something-else",
        ),
        (
            "truncated.json",
            compiled.json[..200].to_string(),
            "E0503",
            "not JSON",
        ),
        (
            "unknown_column.json",
            compiled.json.replacen("\"item\": {", "\"weight\": {", 1),
            "E0503",
            "weight",
        ),
    ];
    for (file, text, code, needle) in cases {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let (status, out, err) = edict(
            &["eval", &path.display().to_string(), "--input", "-"],
            "{\"date\": \"2025-03-01\"}\n",
        );
        assert_eq!(status, 1, "{file}: {err}");
        assert!(out.is_empty(), "{file}: {out}");
        assert!(
            err.contains(&format!("error[{code}]")) && err.contains(needle),
            "{file}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_index_decides_like_a_full_scan() {
    for (rows, country_wide) in [(200, 500), (3_000, 10), (3_000, 300)] {
        let table = generated(rows, 3, country_wide);
        let ev =
            Evaluator::from_bytes(table.to_json().as_bytes()).unwrap_or_else(|e| panic!("{e:?}"));
        let mut rng = Rng::new(5);
        let mut decided = 0;
        for _ in 0..3_000 {
            let tx = ev
                .transaction(&transaction(&mut rng))
                .unwrap_or_else(|e| panic!("{e:?}"));
            let fast = ev.decide(&tx);
            assert_eq!(fast, ev.decide_scanning(&tx));
            decided += fast
                .decisions
                .iter()
                .filter(|d| !d.rules.is_empty())
                .count();
        }
        // The generated transactions do hit rows, so the comparison is not vacuous.
        assert!(decided > 50, "{rows} rows: only {decided} rule decisions");
    }
}

/// The shipped policies file hundreds of rows under one ECCN (one per
/// destination group and date), so their buckets are refined by country:
/// on random transactions near every bound the index still decides as a
/// scan of every row does.
#[test]
fn the_refined_index_decides_like_a_full_scan_on_every_shipped_policy() {
    for policy in shipped_policies() {
        let compiled = compile(std::slice::from_ref(&policy));
        let ev =
            Evaluator::from_bytes(compiled.json.as_bytes()).unwrap_or_else(|e| panic!("{e:?}"));
        let lines = edict_tests::random_transactions(&compiled.lowered.table, 2_000, 11);
        let mut decided = 0;
        for line in lines.lines() {
            let json: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
            let Ok(tx) = ev.transaction(&json) else {
                continue;
            };
            let fast = ev.decide(&tx);
            assert_eq!(
                fast,
                ev.decide_scanning(&tx),
                "{}: {line}",
                policy.display()
            );
            decided += 1;
        }
        assert!(
            decided > 1_000,
            "{}: only {decided} transactions decided",
            policy.display()
        );
    }
}

#[test]
fn compile_writes_the_table_and_eval_explains() {
    let dir = std::env::temp_dir().join(format!("edict-compile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let out_file = dir.join("table.json");
    let policy = repo().join("examples/ai_diffusion").display().to_string();
    let (code, _, err) = edict(
        &[
            "compile",
            "--today",
            "2025-03-01",
            &policy,
            "-o",
            &out_file.display().to_string(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("compiled `us.ear.ai_diffusion`: 3 rows, 1 jurisdiction"),
        "{err}"
    );
    let tx = dir.join("tx.json");
    std::fs::write(&tx, r#"{"date": "2025-03-01", "item": "3A090.a", "destination": "CN", "end_use": "civil", "tpp": 1000000}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, out, err) = edict(
        &[
            "eval",
            &out_file.display().to_string(),
            "--input",
            &tx.display().to_string(),
            "--explain",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let d = &v["decisions"][0];
    assert_eq!(d["outcome"], "require_license");
    assert_eq!(d["tier"], "critical");
    assert_eq!(d["rules"], serde_json::json!(["arms_embargoed"]));
    assert_eq!(d["reasons"], serde_json::json!(["NS", "RS"]));
    let explanation = &v["explanation"][0];
    assert_eq!(explanation["assessed_tier"], "high");
    assert_eq!(explanation["matched"][0]["rule"], "arms_embargoed");
    // advanced_chips is compiled to "outside Tier1 and Tier3": CN fails on
    // one cell, so it shows as a near miss naming that cell.
    let near: Vec<&str> = explanation["near_misses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["rule"].as_str())
        .collect();
    assert!(
        near.contains(&"low_processing_performance"),
        "{explanation}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn edict_test_shows_expected_actual_and_why() {
    let dir = repo()
        .join("tests/fixtures/tables/failing_test")
        .display()
        .to_string();
    let (code, out, _) = edict(&["test", "--today", "2025-03-01", &dir], "");
    assert_eq!(code, 1);
    let prefix = format!("{}/", repo().display());
    insta::assert_snapshot!("edict_test_failure", out.replace(&prefix, ""));
    let ok = repo()
        .join("tests/fixtures/tables/two_modules")
        .display()
        .to_string();
    let (code, out, _) = edict(&["test", "--today", "2025-03-01", &ok], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok: 2 passed, 0 failed"), "{out}");
}

#[test]
fn every_example_is_documented_tested_and_decides_its_transactions() {
    let mut examples = 0;
    for dir in shipped_policies() {
        if !dir.starts_with(repo().join("examples")) {
            continue;
        }
        examples += 1;
        let name = dir.display().to_string();
        // A folder of versions has one README for them all.
        let readme_dir = if dir.join("README.md").exists() {
            dir.clone()
        } else {
            dir.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let readme = read(&readme_dir.join("README.md"));
        assert!(
            readme.contains("## Run it") && readme.len() > 500,
            "{name}: README too thin"
        );
        let compiled = compile(std::slice::from_ref(&dir));
        let tests = compiled.program.tests.len();
        assert!(
            tests >= 12,
            "{name}: {tests} test blocks, at least 12 wanted"
        );
        let (code, out, err) = edict(
            &[
                "eval",
                &name,
                "--input",
                &dir.join("transactions.jsonl").display().to_string(),
            ],
            "",
        );
        assert_eq!(code, 0, "{name}: {err}");
        let expected = read(&dir.join("expected.jsonl"));
        assert!(
            expected.lines().count() >= 8,
            "{name}: too few transactions"
        );
        assert!(
            out == expected,
            "{name}: decisions differ from expected.jsonl; regenerate with \
             `edict eval {name} --input {name}/transactions.jsonl > {name}/expected.jsonl` and read the diff"
        );
    }
    assert!(examples >= 2, "{examples} examples");
}

#[test]
fn the_stdlib_dated_memberships_hold() {
    let dir = repo()
        .join("tests/fixtures/tables/stdlib_dates")
        .display()
        .to_string();
    let (code, out, _) = edict(&["test", &dir], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok: 49 passed, 0 failed"), "{out}");
}
