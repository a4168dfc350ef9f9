//! `edict sql` on the real engines: DuckDB (the `duckdb` Python package),
//! Apache Spark in local mode (`pyspark`, Java 17) and PostgreSQL (started
//! by `tests/sql/engines.py` on a private port and socket directory) decide
//! every conformance case, a table with hostile names, and random
//! transactions per shipped example exactly as the reference evaluator:
//! the same decisions as JSON values, or the same rejection codes. A line a
//! typed relation cannot hold (not JSON, a string in a number column…) is
//! skipped by the harness, and must be one the reference rejects too.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use edict_compiler::table::Table;
use edict_tests::{edict, random_transactions, read, repo, scratch, shipped_policies};
use serde_json::{Value, json};

/// One relation of transactions for an engine.
struct Job {
    name: String,
    table: PathBuf,
    transactions: PathBuf,
    /// Whether the relation has the `edict_line` id column.
    id: bool,
    /// `text` or `date`: the type of the `date` column.
    date_type: &'static str,
    /// Generated lines, each a JSON object of the right types: the harness
    /// may read them without checking.
    clean: bool,
}

#[test]
fn duckdb_decides_exactly_as_the_reference() {
    let dir = scratch("sql-duckdb");
    let mut jobs = fixed_jobs(&dir);
    jobs.extend(example_jobs(&dir, 100_000));
    // The row number as id, and a DATE column, on one case each.
    let cells = repo().join("tests/conformance/ranges_and_tiers");
    jobs.push(job("row_numbers", &cells, false, "text"));
    jobs.push(job("date_typed", &cells, true, "date"));
    run("duckdb", &dir, &jobs);
}

#[test]
fn spark_decides_exactly_as_the_reference() {
    let dir = scratch("sql-spark");
    let mut jobs = fixed_jobs(&dir);
    jobs.extend(example_jobs(&dir, 10_000));
    let cells = repo().join("tests/conformance/ranges_and_tiers");
    jobs.push(job("date_typed", &cells, true, "date"));
    run("spark", &dir, &jobs);
}

#[test]
fn postgres_decides_exactly_as_the_reference() {
    let dir = scratch("sql-postgres");
    let mut jobs = fixed_jobs(&dir);
    jobs.extend(example_jobs(&dir, 2_000));
    let cells = repo().join("tests/conformance/ranges_and_tiers");
    jobs.push(job("row_numbers", &cells, false, "text"));
    jobs.push(job("date_typed", &cells, true, "date"));
    run("postgres", &dir, &jobs);
}

#[test]
fn sql_refuses_what_sql_cannot_hold_and_bad_usage() {
    let dir = scratch("sql-refusals");
    let case = repo().join("tests/conformance/cells/table.json");
    let text = read(&case);
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path.to_string_lossy().into_owned()
    };
    let nul = write(
        "nul.json",
        text.replacen("Conformance", "Confor\\u0000mance", 1),
    );
    let broken = write(
        "newline.json",
        text.replace("\"destination\"", "\"desti\\nnation\""),
    );
    for (table, what) in [(&nul, "NUL"), (&broken, "control character")] {
        for dialect in ["duckdb", "spark", "postgres"] {
            let (code, out, err) = edict(&["sql", table, "--dialect", dialect], "");
            assert_eq!(code, 1, "{what} {dialect}: {err}");
            assert!(err.contains("error[E0504]") && err.contains(what), "{err}");
            assert!(out.is_empty(), "nothing written: {out}");
        }
    }
    let case = case.to_string_lossy();
    let (code, _, err) = edict(&["sql", &case, "--dialect", "oracle"], "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown dialect `oracle`"), "{err}");
    let (code, _, err) = edict(&["sql", &case], "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--dialect"), "{err}");
    let (code, _, err) = edict(&["sql", &case, "--dialect", "duckdb", "--id", "a\nb"], "");
    assert_eq!(code, 1, "{err}");
}

#[test]
fn sql_scripts_are_deterministic_and_name_their_table() {
    let table = repo().join("tests/conformance/eccn_prefixes/table.json");
    let digest = edict_compiler::table::sha256(&edict_tests::read_bytes(&table));
    for dialect in ["duckdb", "spark", "postgres"] {
        let args = ["sql", &table.to_string_lossy(), "--dialect", dialect];
        let (code, first, err) = edict(&args, "");
        assert_eq!(code, 0, "{err}");
        assert_eq!(edict(&args, "").1, first, "{dialect}: the same bytes twice");
        assert!(
            first.lines().next().is_some_and(|l| l.contains(&digest)),
            "{first}"
        );
        assert!(first.contains("decisions"), "{dialect}");
        assert!(first.ends_with(";\n"), "{dialect}: ends with a statement");
    }
}

fn job(name: &str, case: &Path, id: bool, date_type: &'static str) -> Job {
    Job {
        name: name.to_string(),
        table: case.join("table.json"),
        transactions: case.join("transactions.jsonl"),
        id,
        date_type,
        clean: false,
    }
}

/// Every conformance case, and the hostile-names table.
fn fixed_jobs(dir: &Path) -> Vec<Job> {
    let mut jobs: Vec<Job> = std::fs::read_dir(repo().join("tests/conformance"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("table.json").is_file())
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            job(&name.unwrap_or_default(), &p, true, "text")
        })
        .collect();
    jobs.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(jobs.len() >= 10, "conformance cases missing");
    jobs.push(hostile(dir));
    jobs
}

/// The `cells` case with a column, a rule, a citation and a jurisdiction
/// named with quotes, backslashes and `; --` (the citation with a line break).
fn hostile(dir: &Path) -> Job {
    let case = repo().join("tests/conformance/cells");
    let nasty = "de\"st'in`a\\tion; --";
    let rename = |text: &str| {
        text.replace(
            "\"destination\"",
            &serde_json::to_string(nasty).unwrap_or_default(),
        )
    };
    let mut table: Value = serde_json::from_str(&rename(&read(&case.join("table.json"))))
        .unwrap_or_else(|e| panic!("{e}"));
    for row in table["decision_table"].as_array_mut().into_iter().flatten() {
        row["citations"] = json!(["it's \\ a\n; DROP TABLE x; --", "§ 2"]);
        row["rule"] = json!(format!("{}'\"", row["rule"].as_str().unwrap_or("")));
    }
    let out = dir.join("hostile");
    std::fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{e}"));
    let text = serde_json::to_string(&table).unwrap_or_default();
    std::fs::write(out.join("table.json"), text).unwrap_or_else(|e| panic!("{e}"));
    let txs = rename(&read(&case.join("transactions.jsonl")));
    assert!(txs.contains("in`a"), "the transactions name the column");
    std::fs::write(out.join("transactions.jsonl"), txs).unwrap_or_else(|e| panic!("{e}"));
    job("hostile", &out, true, "text")
}

/// Each shipped example compiled, with `n` random transactions.
fn example_jobs(dir: &Path, n: usize) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (i, policy) in shipped_policies()
        .into_iter()
        .filter(|p| p.starts_with(repo().join("examples")))
        .enumerate()
    {
        let name = policy
            .strip_prefix(repo().join("examples"))
            .map(|p| p.to_string_lossy().replace('/', "_"))
            .unwrap_or_default();
        let out = dir.join(&name);
        std::fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{e}"));
        let table = out.join("table.json");
        let (code, _, err) = edict(
            &[
                "compile",
                &policy.to_string_lossy(),
                "-o",
                &table.to_string_lossy(),
            ],
            "",
        );
        assert_eq!(code, 0, "{name}: {err}");
        let parsed: Table = serde_json::from_str(&read(&table)).unwrap_or_else(|e| panic!("{e}"));
        let txs = out.join("transactions.jsonl");
        let lines = random_transactions(&parsed, n, i as u64 + 1);
        std::fs::write(&txs, lines).unwrap_or_else(|e| panic!("{e}"));
        jobs.push(Job {
            name,
            table,
            transactions: txs,
            id: true,
            date_type: "text",
            clean: true,
        });
    }
    assert!(jobs.len() >= 8, "examples missing: {}", jobs.len());
    jobs
}

/// Writes each job's script, runs the engine on them all, and compares.
fn run(engine: &str, dir: &Path, jobs: &[Job]) {
    let mut manifest = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let script = dir.join(format!("{i}.sql"));
        let mut args = vec![
            "sql".to_string(),
            job.table.to_string_lossy().into_owned(),
            "--dialect".into(),
            engine.into(),
            "-o".into(),
            script.to_string_lossy().into_owned(),
        ];
        if job.id {
            args.extend(["--id".into(), "edict_line".into()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, _, err) = edict(&args, "");
        assert_eq!(code, 0, "{}: {err}", job.name);
        manifest.push(json!({
            "table": job.table, "script": script, "transactions": job.transactions,
            "out": dir.join(format!("{i}.out.jsonl")), "id": job.id, "date_type": job.date_type, "clean": job.clean,
        }));
    }
    let manifest_path = dir.join("manifest.json");
    std::fs::write(&manifest_path, Value::Array(manifest.clone()).to_string())
        .unwrap_or_else(|e| panic!("{e}"));
    let status = std::process::Command::new("python3")
        .arg(repo().join("tests/sql/engines.py"))
        .arg(engine)
        .arg(&manifest_path)
        .status()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(status.success(), "{engine}: the harness failed");
    let mut compared = 0;
    for (job, m) in jobs.iter().zip(&manifest) {
        let out = PathBuf::from(m["out"].as_str().unwrap_or_default());
        compared += compare(engine, job, &out);
    }
    eprintln!("{engine}: {compared} transactions compared");
}

/// Compares the engine's answers with `edict eval`; returns how many lines
/// were compared.
fn compare(engine: &str, job: &Job, out: &Path) -> usize {
    let (_, reference, err) = edict(
        &[
            "eval",
            &job.table.to_string_lossy(),
            "--input",
            &job.transactions.to_string_lossy(),
        ],
        "",
    );
    let input = edict_tests::read_bytes(&job.transactions);
    let lines: Vec<usize> = input
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| l.iter().any(|b| !matches!(b, b' ' | b'\t' | b'\r')))
        .map(|(i, _)| i + 1)
        .collect();
    let reference: Vec<Value> = reference
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(reference.len(), lines.len(), "{}: {err}", job.name);
    let answers: std::collections::HashMap<usize, Value> = read(out)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            (v["line"].as_u64().unwrap_or(0) as usize, v)
        })
        .collect();
    let mut compared = 0;
    for (line, want) in lines.iter().zip(&reference) {
        let got = answers
            .get(line)
            .unwrap_or_else(|| panic!("{engine} {}: no answer for line {line}", job.name));
        let at = format!("{engine} {} line {line}", job.name);
        if got.get("skipped").is_some() {
            assert!(want.get("errors").is_some(), "{at}: skipped a decided line");
            continue;
        }
        compared += 1;
        match want.get("errors") {
            Some(errors) => {
                let codes: BTreeSet<String> = errors
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| {
                        format!(
                            "{}:{}",
                            e["code"].as_str().unwrap_or(""),
                            e["field"].as_str().unwrap_or("")
                        )
                    })
                    .collect();
                let got: BTreeSet<String> = got["rejected"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{at}: decided, the reference rejects {codes:?}"))
                    .iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect();
                assert_eq!(got, codes, "{at}");
            }
            None => {
                assert_eq!(got["rejected"], Value::Null, "{at}: rejected");
                assert_eq!(got["decisions"], want["decisions"], "{at}");
            }
        }
    }
    assert!(compared > 0, "{engine} {}: nothing compared", job.name);
    compared
}
