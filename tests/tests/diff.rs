//! `edict diff` from the command line: the four formats on the shipped
//! version pair (text and Markdown snapshots, JSON against its schema and
//! the figures a reader checks, HTML with every region), tables and git
//! revisions as sides, equivalent versions, and bad input.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::path::{Path, PathBuf};
use std::process::Command;

use edict_tests::{edict, read, repo, validator};
use serde_json::Value;

fn pair() -> (String, String) {
    let root = repo();
    let p = |s: &str| root.join(s).display().to_string();
    (
        p("examples/version_pair/proposed"),
        p("examples/version_pair/final"),
    )
}

/// Output with the repository's location removed.
fn relative(text: &str) -> String {
    let root = std::fs::canonicalize(repo()).unwrap_or_else(|_| repo());
    text.replace(&format!("{}/", repo().display()), "")
        .replace(&format!("{}/", root.display()), "")
}

fn diff_json(args: &[&str]) -> Value {
    let mut all = vec!["diff", "--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = edict(&all, "");
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn the_version_pair_as_text_and_markdown() {
    let (old, new) = pair();
    let (code, text, err) = edict(&["diff", "--color", "never", &old, &new], "");
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("version_pair_text", relative(&text));
    let (code, md, _) = edict(&["diff", "--format", "markdown", &old, &new], "");
    assert_eq!(code, 0);
    insta::assert_snapshot!("version_pair_markdown", relative(&md));
    // Colour only when asked for (or on a terminal).
    let (_, coloured, _) = edict(&["diff", "--color", "always", &old, &new], "");
    assert!(coloured.contains("\x1b[31mtightening\x1b[0m"));
    assert!(!text.contains('\x1b'));
}

#[test]
fn the_version_pair_as_json_matches_its_schema_and_the_rule_change() {
    let (old, new) = pair();
    let report = diff_json(&[&old, &new]);
    let schema = validator("diff.schema.json");
    let problems: Vec<String> = schema.iter_errors(&report).map(|e| e.to_string()).collect();
    assert!(problems.is_empty(), "{problems:?}");
    let s = &report["summary"];
    assert_eq!(s["rules_edited"], 2);
    assert_eq!(
        (
            s["regions"].as_u64(),
            s["tightening"].as_u64(),
            s["loosening"].as_u64()
        ),
        (Some(6), Some(4), Some(2))
    );
    assert_eq!(report["equivalent"], false);
    let regions = report["impact"].as_array().cloned().unwrap_or_default();
    // Macau below both final thresholds: from no rule to case-by-case review.
    let macau = regions
        .iter()
        .find(|r| {
            r["cells"]["destination"]["values"] == serde_json::json!(["MO"])
                && r["after"]["review"] == "case_by_case"
        })
        .unwrap_or_else(|| panic!("no Macau region: {regions:#?}"));
    assert_eq!(macau["direction"], "tightening");
    assert_eq!(macau["before"]["basis"], "no_rule");
    assert_eq!(macau["after"]["rules"], serde_json::json!(["h200_class"]));
    assert_eq!(macau["witness"]["destination"], "MO");
    // Chips between the two TPP thresholds to China: denial → case by case.
    let between = regions
        .iter()
        .find(|r| {
            r["description"]
                .as_str()
                .is_some_and(|d| d.contains("20,000 ≤ tpp < 21,000"))
        })
        .unwrap_or_else(|| panic!("no threshold region: {regions:#?}"));
    assert_eq!(between["direction"], "loosening");
    assert_eq!(between["before"]["review"], "presumption_of_denial");
    assert_eq!(between["after"]["review"], "case_by_case");
    let changes = report["changes"].as_array().cloned().unwrap_or_default();
    let h200 = changes
        .iter()
        .find(|c| c["name"] == "US::h200_class")
        .unwrap_or_else(|| panic!("{changes:#?}"));
    let clauses: Vec<&str> = h200["clauses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["clause"].as_str())
        .collect();
    assert_eq!(clauses, ["when", "review", "obligation", "cite"]);
    assert!(
        h200["old"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("rule h200_class overrides license_requirement {"))
    );
    // The same report twice is the same bytes.
    assert_eq!(report, diff_json(&[&old, &new]));
}

#[test]
fn the_html_report_is_self_contained_and_lists_every_region() {
    let (old, new) = pair();
    let report = diff_json(&[&old, &new]);
    let (code, page, err) = edict(&["diff", "--format", "html", &old, &new], "");
    assert_eq!(code, 0, "{err}");
    assert!(page.starts_with("<!DOCTYPE html>"));
    for banned in ["<link", "src=\"http", "href=\"http", "@import"] {
        assert!(!page.contains(banned), "external resource: {banned}");
    }
    let rows = page.matches("<tr data-direction=").count();
    assert_eq!(Some(rows as u64), report["summary"]["regions"].as_u64());
    for r in report["impact"].as_array().into_iter().flatten() {
        let d = r["description"]
            .as_str()
            .unwrap_or("")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace(" × ", " ×<br>");
        assert!(page.contains(&d), "{d} missing");
    }
    // Side by side: the old and the new `when` line of `license_requirement`.
    assert!(page.contains(
        "class=\"del\"><pre>  when item in AdvancedComputing and destination in {CN, HK}</pre>"
    ));
    assert!(page.contains(
        "class=\"ins\"><pre>  when item in AdvancedComputing and destination in {CN, HK, MO}</pre>"
    ));
}

#[test]
fn tables_and_sources_give_the_same_decision_changes() {
    let (old, new) = pair();
    let dir = std::env::temp_dir().join(format!("edict-diff-tables-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let (a, b) = (dir.join("old.json"), dir.join("new.json"));
    for (src, out) in [(&old, &a), (&new, &b)] {
        let (code, _, err) = edict(&["compile", src, "-o", &out.display().to_string()], "");
        assert_eq!(code, 0, "{err}");
    }
    let from_tables = diff_json(&[&a.display().to_string(), &b.display().to_string()]);
    let from_sources = diff_json(&[&old, &new]);
    assert_eq!(from_tables["impact"], from_sources["impact"]);
    assert_eq!(from_tables["old"]["from_source"], false);
    // Rules are then compared by payload and rows.
    let changes = from_tables["changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let lr = changes
        .iter()
        .find(|c| c["name"] == "US::license_requirement")
        .unwrap_or_else(|| panic!("{changes:#?}"));
    assert_eq!(lr["clauses"][0]["clause"], "rows");
    // A table against a policy works too.
    let mixed = diff_json(&[&a.display().to_string(), &new]);
    assert_eq!(mixed["impact"], from_sources["impact"]);
    let _ = std::fs::remove_dir_all(&dir);
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

const POLICY: &str = "policy t.p\nuse std.countries.*\ninput {\n  item: Eccn\n  destination: Country\n}\n\
    jurisdiction US {\n  rule chips {\n    when item in {3A090} and destination in {CN}\n    then require license\n    cite \"c\"\n  }\n}\n";

#[test]
fn equivalent_versions_say_so() {
    let dir = std::env::temp_dir().join(format!("edict-diff-eq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let (a, b) = (dir.join("a.edict"), dir.join("b.edict"));
    write(&a, POLICY);
    // The same decisions written with a group and another layout.
    write(
        &b,
        &POLICY
            .replace(
                "jurisdiction US {",
                "group China: Country = {CN}\n\njurisdiction US {",
            )
            .replace("destination in {CN}", "destination in China"),
    );
    let r = diff_json(&[&a.display().to_string(), &b.display().to_string()]);
    assert_eq!(r["equivalent"], true);
    assert_eq!(r["impact"], serde_json::json!([]));
    let names: Vec<&str> = r["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["US::chips", "t.p.China"]);
    let (code, text, _) = edict(
        &[
            "diff",
            "--color",
            "never",
            "--exit-code",
            &a.display().to_string(),
            &b.display().to_string(),
        ],
        "",
    );
    assert_eq!(code, 0);
    assert!(
        text.contains("no decision changes: the versions are equivalent on every transaction"),
        "{text}"
    );
    // With `--exit-code`, a change of decisions exits 1.
    write(&b, &POLICY.replace("{CN}", "{CN, MO}"));
    let (code, _, _) = edict(
        &[
            "diff",
            "--exit-code",
            &a.display().to_string(),
            &b.display().to_string(),
        ],
        "",
    );
    assert_eq!(code, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Edict",
            "-c",
            "user.email=edict@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "git {args:?} failed");
}

#[test]
fn a_git_revision_is_a_side() {
    let dir: PathBuf = std::env::temp_dir().join(format!("edict-diff-git-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let policy = dir.join("policy");
    std::fs::create_dir_all(&policy).unwrap_or_else(|e| panic!("{e}"));
    git(&dir, &["init", "-q"]);
    write(&policy.join("p.edict"), POLICY);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "first"]);
    write(&policy.join("p.edict"), &POLICY.replace("{CN}", "{CN, MO}"));
    for path in [policy.clone(), policy.join("p.edict")] {
        let r = diff_json(&["--git", "HEAD", &path.display().to_string()]);
        assert_eq!(r["summary"]["regions"], 1, "{r:#}");
        assert_eq!(
            r["impact"][0]["cells"]["destination"]["values"],
            serde_json::json!(["MO"])
        );
        assert!(
            r["old"]["label"]
                .as_str()
                .is_some_and(|l| l.starts_with("HEAD:"))
        );
    }
    let (code, _, err) = edict(
        &[
            "diff",
            "--git",
            "no-such-rev",
            &policy.display().to_string(),
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("no-such-rev"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("edict-diff-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let (a, b, c, t) = (
        dir.join("a.edict"),
        dir.join("b.edict"),
        dir.join("c.edict"),
        dir.join("t.json"),
    );
    write(&a, POLICY);
    write(
        &b,
        &POLICY.replace("item: Eccn", "item: Eccn\n  tpp: Number"),
    );
    write(
        &c,
        &POLICY.replace("item: Eccn", "item: Eccn\n  tpp: String"),
    );
    let s = |p: &PathBuf| p.display().to_string();
    let (code, _, err) = edict(&["diff", &s(&b), &s(&c)], "");
    assert_eq!(code, 1);
    assert!(
        err.contains("error[E0701]") && err.contains("field `tpp`"),
        "{err}"
    );
    // A field that only one version has is noted, not an error.
    let r = diff_json(&[&s(&a), &s(&b)]);
    assert!(
        r["notes"][0]
            .as_str()
            .is_some_and(|n| n.contains("`tpp` is new")),
        "{r:#}"
    );
    assert_eq!(r["equivalent"], true);
    // A side that does not compile: its diagnostics, exit 1.
    write(&c, &POLICY.replace("{CN}", "{CNN}"));
    let (code, _, err) = edict(&["diff", &s(&a), &s(&c)], "");
    assert_eq!(code, 1);
    assert!(err.contains("E0101"), "{err}");
    write(&t, "{\"format\": \"edict-decision-table\", \"version\": 1}");
    let (code, _, err) = edict(&["diff", &s(&t), &s(&a)], "");
    assert_eq!(code, 1);
    assert!(err.contains("E0503"), "{err}");
    let (code, _, err) = edict(&["diff", &s(&dir.join("missing.edict")), &s(&a)], "");
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = edict(&["diff", &s(&a)], "");
    assert_eq!(code, 2);
    assert!(err.contains("OLD and NEW"), "{err}");
    let (code, _, err) = edict(&["diff", "--format", "pdf", &s(&a), &s(&b)], "");
    assert_eq!(code, 2);
    assert!(err.contains("`pdf`"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_schema_command_prints_the_checked_in_schema() {
    let (code, out, _) = edict(&["schema", "diff"], "");
    assert_eq!(code, 0);
    assert_eq!(out, read(&repo().join("compiler/docs/diff.schema.json")));
}

#[test]
fn compare_reports_where_the_us_and_the_eu_differ_in_every_format() {
    let dir = repo().join("examples/reexport_from_germany");
    let d = dir.display().to_string();
    let args = |format: &str| {
        vec![
            "compare".to_string(),
            d.clone(),
            "--jurisdictions".into(),
            "US".into(),
            "EU".into(),
            "--format".into(),
            format.into(),
        ]
    };
    let run = |format: &str| {
        let a = args(format);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let (code, out, err) = edict(&refs, "");
        assert_eq!(code, 0, "{err}");
        out
    };
    insta::assert_snapshot!("compare_germany_text", relative(&run("text")));
    insta::assert_snapshot!("compare_germany_markdown", relative(&run("markdown")));
    let json: serde_json::Value =
        serde_json::from_str(&run("json")).unwrap_or_else(|e| panic!("{e}"));
    let schema = validator("compare.schema.json");
    let problems: Vec<String> = schema.iter_errors(&json).map(|e| e.to_string()).collect();
    assert!(problems.is_empty(), "{problems:?}");
    let s = &json["summary"];
    assert_eq!(
        s["regions"].as_u64(),
        json["regions"].as_array().map(|r| r.len() as u64)
    );
    let findings: Vec<&str> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["sentence"].as_str())
        .collect();
    assert!(
        findings.contains(&"US allows (no rule applies) where EU allows under EU001: 1 region"),
        "{findings:?}"
    );
    let html = run("html");
    assert!(
        html.starts_with("<!DOCTYPE html>") && !html.contains("http"),
        "external resource"
    );
    let rows = html.matches("<tr><td>").count() as u64;
    assert_eq!(Some(rows), s["regions"].as_u64());
    // The same jurisdiction against itself: equivalent; `--exit-code` says
    // whether they differ.
    let (code, out, _) = edict(
        &["compare", &d, "--jurisdictions", "US", "US", "--exit-code"],
        "",
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("decide every transaction alike"), "{out}");
    let (code, _, _) = edict(
        &["compare", &d, "--jurisdictions", "US", "EU", "--exit-code"],
        "",
    );
    assert_eq!(code, 1);
    // Unknown jurisdictions and missing arguments are clear errors.
    let (code, _, err) = edict(&["compare", &d, "--jurisdictions", "US", "UK"], "");
    assert_eq!(code, 1);
    assert!(
        err.contains("no jurisdiction `UK`") && err.contains("E0701"),
        "{err}"
    );
    let (code, _, err) = edict(&["compare", &d], "");
    assert_eq!(code, 2);
    assert!(err.contains("--jurisdictions A B"), "{err}");
}
