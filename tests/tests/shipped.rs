//! Every shipped `.edict` file checks clean and is formatted; the brief's
//! examples check clean; a copy with planted mistakes reports each one.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use edict_compiler::fmt::{FmtError, format, meaning};
use edict_compiler::syntax::parse;
use edict_tests::{check, edict, edict_files, expected_codes, repo, scratch, shipped_policies};

#[test]
fn stdlib_and_examples_check_clean() {
    // The stdlib is one project; each example folder is its own policy.
    // Examples keep regulatory history, so rules that have expired (W0301)
    // or are not yet in force (W0302) on the tests' "today" are expected;
    // nothing else may be reported.
    let examples = shipped_policies()
        .into_iter()
        .filter(|p| p.starts_with(repo().join("examples")));
    for dir in std::iter::once(repo().join("stdlib")).chain(examples) {
        let (diagnostics, rendered) = check(std::slice::from_ref(&dir));
        let unexpected = diagnostics
            .iter()
            .filter(|d| !matches!(d.code.as_str(), "W0301" | "W0302"))
            .count();
        assert_eq!(unexpected, 0, "{}:\n{rendered}", dir.display());
    }
}

#[test]
fn the_brief_example_is_clean_while_in_force_and_only_expired_later() {
    let path = repo().join("examples/ai_diffusion/policy.edict");
    let (diagnostics, rendered) = check(std::slice::from_ref(&path));
    assert!(diagnostics.is_empty(), "{rendered}");
    // After the framework's sunset its rules are reported as expired, and nothing else.
    let args: Vec<String> = ["check", "--format", "json", "--today", "2026-01-01"]
        .iter()
        .map(|s| s.to_string())
        .chain([path.display().to_string()])
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(edict_compiler::cli::run(&args, &mut out, &mut err), 0);
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
    let codes: Vec<&str> = json
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["W0301"; 3]);
}

#[test]
fn shipped_files_are_formatted_and_formatting_keeps_meaning() {
    let mut files = edict_files(&repo().join("stdlib"));
    files.extend(edict_files(&repo().join("examples")));
    files.extend(edict_files(&repo().join("tests/fixtures")));
    assert!(files.len() > 50);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let once = match format(&text) {
            Ok(once) => once,
            // Fixtures of syntax errors are left alone by design.
            Err(FmtError::SyntaxErrors(_)) if file.starts_with(repo().join("tests/fixtures")) => {
                continue;
            }
            Err(e) => panic!("{} was not formatted: {e:?}", file.display()),
        };
        let twice = format(&once);
        assert_eq!(
            twice.as_deref(),
            Ok(once.as_str()),
            "not idempotent: {}",
            file.display()
        );
        assert_eq!(
            meaning(&parse(&once).module),
            meaning(&parse(&text).module),
            "{}",
            file.display()
        );
        if !file.starts_with(repo().join("tests")) {
            assert_eq!(
                once,
                text,
                "{} is not formatted (run `edict fmt`)",
                file.display()
            );
        }
    }
}

#[test]
fn the_brief_d5_snippet_checks_clean() {
    let dir = std::env::temp_dir().join(format!("edict-d5-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let text = "policy brief.d5\n\nuse std.countries.*\n\n/// Country Group D:5, U.S. arms embargoed countries (Supp. No. 1 to Part 740).\ngroup D5: Country = {AF, BY, CF, CD, CN, CU, ER, HT, IQ, IR, KP, LB, LY, MM, RU, SO, SS, SD, SY, VE, ZW}\n  | {KH} effective 2021-12-09\n  | {NI} effective 2024-03-15\n";
    let file = dir.join("d5.edict");
    let _ = std::fs::write(&file, text);
    let (diagnostics, rendered) = check(&[file]);
    assert!(diagnostics.is_empty(), "{rendered}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn planted_mistakes_are_each_reported() {
    let path = repo().join("tests/fixtures/planted/ai_diffusion_planted.edict");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let expected = expected_codes(&text);
    assert!(expected.len() >= 8);
    let (diagnostics, rendered) = check(&[path]);
    let mut found: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    for code in &expected {
        let at = found.iter().position(|c| c == code);
        assert!(at.is_some(), "planted {code} not reported:\n{rendered}");
        if let Some(at) = at {
            found.remove(at);
        }
    }
    insta::assert_snapshot!(rendered);
}

const UNCITED: &str = "policy user\n\nuse std.countries.*\n\ngroup Friends: Country = {CA, GB}\n  | {AU} effective 2024-04-19\n";

#[test]
fn uncited_facts_are_reported_in_user_policies_only_when_asked() {
    let dir = scratch("uncited");
    let file = dir.join("policy.edict");
    std::fs::write(&file, UNCITED).unwrap_or_else(|e| panic!("{e}"));
    let path = file.display().to_string();
    let (code, out, _) = edict(&["check", "--format", "json", &path], "");
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("W0305"), "off by default: {out}");
    let (code, out, _) = edict(
        &["check", "--format", "json", "--warn", "uncited-fact", &path],
        "",
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.matches("\"W0305\"").count(),
        2,
        "group and dated term: {out}"
    );
    let (code, _, err) = edict(&["check", "--warn", "no-such-lint", &path], "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a lint"), "{err}");
}

#[test]
fn a_cite_after_the_set_belongs_to_its_last_term_and_formatting_keeps_every_source() {
    use edict_compiler::syntax::ast::{ExprKind, Item};
    let text = "policy p\nuse std.countries.*\ngroup G: Country cite \"15 CFR Part 740, Supp. No. 1\" unverified \"a copy\" = {CN} | {KH} effective 2021-12-09 sunset 2026-02-03 cite \"86 FR 70015\" cite \"RIN 0694-AK41\"\nenum E { a \"A\" cite \"15 CFR 742.4\" unverified \"why\", b }\nauthorization X \"x\" cite \"15 CFR 740.8\" unverified \"note\"\n";
    let parsed = parse(text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let Some(Item::Group(g)) = parsed
        .module
        .items
        .iter()
        .find(|i| matches!(i, Item::Group(_)))
    else {
        panic!("no group");
    };
    let group_cites: Vec<&str> = g.provenance.cites.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(group_cites, ["15 CFR Part 740, Supp. No. 1"]);
    assert_eq!(
        g.provenance.unverified.as_ref().map(|u| u.text.as_str()),
        Some("a copy")
    );
    let ExprKind::SetOps { rest, .. } = &g.value.kind else {
        panic!("not a union: {:?}", g.value.kind);
    };
    let ExprKind::Dated { provenance, .. } = &rest[0].1.kind else {
        panic!("the last term carries no sources");
    };
    let term_cites: Vec<&str> = provenance.cites.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(term_cites, ["86 FR 70015", "RIN 0694-AK41"]);
    let once = format(text).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        format(&once).as_deref(),
        Ok(once.as_str()),
        "not idempotent"
    );
    assert_eq!(meaning(&parse(&once).module), meaning(&parsed.module));
    for source in [
        "86 FR 70015",
        "RIN 0694-AK41",
        "a copy",
        "15 CFR 742.4",
        "why",
        "note",
    ] {
        assert!(once.contains(source), "{source} lost:\n{once}");
    }
}

#[test]
fn a_changed_citation_of_a_group_is_a_change_in_the_diff() {
    let dir = scratch("diff");
    let (old, new) = (dir.join("old.edict"), dir.join("new.edict"));
    let base = "policy p\n\nuse std.countries.*\n\ngroup G: Country cite \"SOURCE\" = {CN}\n";
    std::fs::write(&old, base.replace("SOURCE", "85 FR 83765")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&new, base.replace("SOURCE", "89 FR 18780")).unwrap_or_else(|e| panic!("{e}"));
    let (old, new) = (old.display().to_string(), new.display().to_string());
    let (_, out, err) = edict(&["diff", "--format", "json", &old, &new], "");
    let json: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    let clause = &json["changes"][0]["clauses"][0];
    assert_eq!(json["changes"][0]["kind"], "group", "{json}");
    assert_eq!(clause["clause"], "cite", "{json}");
    assert_eq!(clause["old"][0], "85 FR 83765", "{json}");
    assert_eq!(clause["new"][0], "89 FR 18780", "{json}");
}

#[test]
fn every_example_states_at_least_two_principles_that_hold() {
    let examples = shipped_policies()
        .into_iter()
        .filter(|p| p.starts_with(repo().join("examples")));
    let mut n = 0;
    for dir in examples {
        let compiled = edict_tests::compile(std::slice::from_ref(&dir));
        let verdicts = edict_compiler::prove::check(&compiled.program, &compiled.lowered.table);
        assert!(
            verdicts.len() >= 2,
            "{}: {} assertions",
            dir.display(),
            verdicts.len()
        );
        for v in &verdicts {
            assert!(
                v.holds(),
                "{}: \"{}\" fails: {v:?}",
                dir.display(),
                v.assertion.name
            );
        }
        n += 1;
    }
    assert!(n >= 10, "only {n} examples");
}

/// An example with one rule edited to allow: its assertion catches it, and
/// the witness, evaluated on the edited table, gets the reported decision.
#[test]
fn a_rule_edited_to_allow_is_caught_by_an_assertion_with_a_true_witness() {
    use edict_compiler::db::Settings;
    use edict_compiler::eval::Evaluator;
    use edict_compiler::hir::OutcomeKind;
    use edict_compiler::project::{MemoryFs, load};
    use std::path::PathBuf;
    let text = edict_tests::read(&repo().join("examples/advanced_computing/policy.edict"));
    let rule = "rule embargoed_2023 overrides expanded_2023 {";
    let at = text
        .find(rule)
        .unwrap_or_else(|| panic!("{rule} not found"));
    let end = at + text[at..].find("then require license").unwrap_or(0);
    let planted = format!(
        "{}then allow{}",
        &text[..end],
        &text[end + "then require license".len()..]
    );
    let mut fs = MemoryFs::default();
    fs.files
        .insert(PathBuf::from("p/policy.edict"), planted.into_bytes());
    let project =
        load(&fs, &[PathBuf::from("p")], Settings::default()).unwrap_or_else(|e| panic!("{e}"));
    let diagnostics = edict_compiler::table::policy_diagnostics(&project.db, project.ws);
    let failing: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "E0901")
        .collect();
    assert_eq!(failing.len(), 1, "{diagnostics:#?}");
    assert!(
        failing[0].message.contains("need a license or NAC"),
        "{}",
        failing[0].message
    );
    let resolved =
        edict_compiler::table::resolve(&project.db, project.ws).unwrap_or_else(|e| panic!("{e:?}"));
    let table = edict_compiler::table::lower::table(&resolved.program)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .table;
    let verdicts = edict_compiler::prove::check(&resolved.program, &table);
    let broken = verdicts
        .iter()
        .find(|v| !v.holds())
        .unwrap_or_else(|| panic!("nothing caught"));
    let ev =
        Evaluator::new(table.clone(), "sha256:planted".into()).unwrap_or_else(|e| panic!("{e:?}"));
    for f in &broken.failures {
        let w = serde_json::Value::Object(f.witness.clone().into_iter().collect());
        let tx = ev.transaction(&w).unwrap_or_else(|e| panic!("{e:?}"));
        let decision = ev
            .decide(&tx)
            .decisions
            .into_iter()
            .find(|d| *d.jurisdiction == *"US")
            .unwrap_or_else(|| panic!("no US decision"));
        assert_eq!(decision, f.decision, "witness {w}");
        // The planted rule is what allows, in China or Hong Kong, from the
        // 2023 rewrite on.
        assert_eq!(decision.outcome, OutcomeKind::Allow, "{w}");
        assert_eq!(decision.rules, ["embargoed_2023"], "{w}");
        assert!(w["date"].as_str().is_some_and(|d| d >= "2023-11-17"), "{w}");
        assert!(
            matches!(w["destination"].as_str(), Some("CN" | "HK")),
            "{w}"
        );
    }
}

#[test]
fn every_example_reaches_every_rule_with_its_tests() {
    let examples = shipped_policies()
        .into_iter()
        .filter(|p| p.starts_with(repo().join("examples")));
    for dir in examples {
        let d = dir.display().to_string();
        let (code, out, err) = edict(&["test", "--coverage", "--format", "json", &d], "");
        assert_eq!(code, 0, "{d}: {err}");
        let report: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{d}: {e}\n{out}"));
        let total = &report["total"];
        assert!(
            total["rules"].as_u64().is_some_and(|n| n > 0),
            "{d}: {report}"
        );
        assert_eq!(total["rules_reached"], total["rules"], "{d}: {report:#}");
        // The test lines went to stderr, the report alone to stdout.
        assert!(err.contains("passed"), "{d}: {err}");
    }
}

#[test]
fn coverage_names_the_rule_no_test_reaches_and_the_untested_side_of_each_date() {
    let dir = scratch("coverage");
    let policy = dir.join("policy.edict");
    std::fs::write(
        &policy,
        "policy cov\nuse std.countries.*\ninput { destination: Country }\n\
         jurisdiction US {\n  rule r {\n    when destination in {CN}\n    then require license\n    effective 2025-01-01\n    sunset 2030-01-01\n    cite \"c\"\n  }\n\
         \x20 rule s {\n    when destination in {RU}\n    then deny\n    sunset 2030-01-01\n    cite \"c\"\n  }\n}\n\
         test \"the day before r\" {\n  at 2024-12-31\n  given { destination: CN }\n  expect US: allow\n}\n\
         test \"from r's first day\" {\n  at 2025-01-01\n  given { destination: CN }\n  expect US: require license\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let p = policy.display().to_string();
    let (code, out, err) = edict(&["test", "--coverage", "--format", "json", &p], "");
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    let us = &report["jurisdictions"][0];
    assert_eq!(us["counts"]["rules"], 2);
    assert_eq!(us["counts"]["rules_reached"], 1);
    assert_eq!(us["unreached_rules"][0]["rule"], "s");
    assert_eq!(us["unreached_rules"][0]["line"], 12);
    // r's effective date is tested on both sides; its sunset only before;
    // s's on neither side.
    assert_eq!(us["counts"]["boundaries"], 3);
    assert_eq!(us["counts"]["boundaries_tested"], 1);
    let untested: Vec<(String, String)> = us["untested_boundaries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            (
                format!("{} {} {}", b["rule"], b["event"], b["date"]).replace('"', ""),
                b["missing"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        untested,
        [
            ("r sunset 2030-01-01".to_string(), "after".to_string()),
            ("s sunset 2030-01-01".to_string(), "both".to_string())
        ]
    );
    let (_, text, _) = edict(&["test", "--coverage", &p], "");
    assert!(text.contains("1 of 2 rules reached (50%)"), "{text}");
    assert!(
        text.contains("rule s (policy.edict:12): no test reaches it"),
        "{text}"
    );
    assert!(
        text.contains("rule r sunset 2030-01-01: no test after it"),
        "{text}"
    );
    // `--format json` alone is a usage error.
    let (code, _, _) = edict(&["test", "--format", "json", &p], "");
    assert_eq!(code, 2);
    let _ = std::fs::remove_dir_all(&dir);
}
