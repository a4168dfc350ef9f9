//! Every shipped `.edict` file checks clean and is formatted; the brief's
//! examples check clean; a copy with planted mistakes reports each one.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use edict_compiler::fmt::{FmtError, format, meaning};
use edict_compiler::syntax::parse;
use edict_tests::{check, edict_files, expected_codes, repo, shipped_policies};

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
