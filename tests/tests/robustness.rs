//! Bad input of every kind gives diagnostics and an exit code, never a
//! panic, a hang or a stack overflow.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::path::PathBuf;

use edict_tests::check;

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edict-robust-{}-{name}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}.edict"));
    let _ = std::fs::write(&path, bytes);
    path
}

fn codes(bytes: &[u8], name: &str) -> Vec<String> {
    let (diagnostics, _) = check(&[temp_file(name, bytes)]);
    diagnostics
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect()
}

#[test]
fn invalid_utf8_is_reported_and_the_rest_checked() {
    let mut bytes = b"policy p\nuse std.countries.*\n// caf".to_vec();
    bytes.extend([0xE9, 0xFF]);
    bytes.extend(b"\ngroup G: Country = {CHN}\n");
    let found = codes(&bytes, "utf8");
    assert!(found.contains(&"E0006".to_string()), "{found:?}");
    assert!(found.contains(&"E0101".to_string()), "{found:?}");
}

#[test]
fn ten_thousand_nested_parentheses() {
    let text = format!(
        "group G: Country = {}{{CN}}{}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert_eq!(codes(text.as_bytes(), "nested"), vec!["E0005"]);
}

#[test]
fn ten_megabytes_of_rules() {
    let mut text = String::from(
        "policy big\nuse std.countries.*\ninput {\n  destination: Country\n}\njurisdiction US {\n  sunset 2030-01-01\n",
    );
    let mut i = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!("  rule r{i} {{\n    when destination in {{CN, MO, DE}}\n    then deny\n    cite \"x\"\n  }}\n"));
        i += 1;
    }
    text.push_str("}\n");
    assert_eq!(codes(text.as_bytes(), "big"), Vec::<String>::new());
}

#[test]
fn ten_megabytes_of_garbage_reports_a_bounded_number_of_errors() {
    let text: String = (0..10 * 1024 * 1024)
        .map(|i| ["$", "{", "rule", " ", "(", "\"", "\n"][i % 7])
        .collect();
    let found = codes(text.as_bytes(), "garbage");
    assert!(found.len() <= 101, "{}", found.len());
    assert_eq!(found.last().map(String::as_str), Some("E0011"));
}

#[test]
fn a_hundred_thousand_member_set() {
    let members: Vec<String> = (0..100_000)
        .map(|i| format!("{}{:03}", ["3A", "4A", "5A"][i % 3], i % 1000))
        .collect();
    let text = format!("policy p\ngroup G: Eccn = {{{}}}\n", members.join(", "));
    // 3,000 distinct members, each repeated: one warning for the set.
    assert_eq!(codes(text.as_bytes(), "wide"), ["W0101"]);
}

#[test]
fn a_long_chain_of_groups_and_conditions() {
    let mut text = String::from("policy p\nuse std.countries.*\n");
    for i in 0..20_000 {
        text.push_str(&format!("group G{i}: Country = G{} | {{CN}}\n", i + 1));
    }
    text.push_str("group G20000: Country = G0\n");
    let found = codes(text.as_bytes(), "chain");
    assert_eq!(found.len(), 20_001);
    assert!(found.iter().all(|c| c == "E0401"));
}

#[test]
fn impossible_dates_and_malformed_eccns() {
    let text = "policy p\ninput {\n  item: Eccn\n}\njurisdiction US {\n  effective 2025-02-30\n  sunset 2030-01-01\n  rule r {\n    when item in {3Z999}\n    then deny\n    cite \"x\"\n  }\n}\n";
    assert_eq!(codes(text.as_bytes(), "dates"), vec!["E0301", "E0007"]);
}

#[test]
fn too_many_syntax_errors() {
    let text = "group ;\n".repeat(500);
    let found = codes(text.as_bytes(), "many");
    assert_eq!(found.len(), 101);
    assert_eq!(found.last().map(String::as_str), Some("E0011"));
}

#[cfg(unix)]
#[test]
fn a_module_outside_the_root_is_refused() {
    let base = std::env::temp_dir().join(format!("edict-root-{}", std::process::id()));
    let (root, outside) = (base.join("project"), base.join("elsewhere"));
    let _ = std::fs::create_dir_all(root.join("lib"));
    let _ = std::fs::create_dir_all(&outside);
    let _ = std::fs::write(
        outside.join("groups.edict"),
        "policy lib.groups\n\nenum A { x }\n",
    );
    let _ = std::os::unix::fs::symlink(outside.join("groups.edict"), root.join("lib/shared.edict"));
    let _ = std::fs::write(root.join("main.edict"), "policy main\nuse lib.shared.*\n");
    let (diagnostics, rendered) = check(&[root.join("main.edict")]);
    assert!(
        diagnostics.iter().any(|d| d.code.as_str() == "E0103"),
        "{rendered}"
    );
    let _ = std::fs::remove_dir_all(&base);
}

/// Garbage transactions and damaged tables get coded errors, never a panic.
#[test]
fn eval_survives_garbage_lines_and_damaged_tables() {
    use edict_compiler::eval::Evaluator;
    use edict_compiler::table::generate::Rng;
    let table = edict_tests::compile(&[edict_tests::repo().join("examples/ai_diffusion")]).json;
    let ev = match Evaluator::from_bytes(table.as_bytes()) {
        Ok(ev) => ev,
        Err(e) => panic!("the compiled example table does not load: {e:?}"),
    };
    let mut rng = Rng::new(99);
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        "\"date\"",
        "\"item\"",
        ":",
        ",",
        "\"2025-03-01\"",
        "\"3A090.a\"",
        "\"CN\"",
        "1e400",
        "-0",
        "null",
        "true",
        "\"\\u0000\"",
        "\"tpp\"",
        "\"end_use\"",
        "\"wmd\"",
        "12345678901234567890",
        "\"destination\"",
        "\"\u{1F600}\"",
    ];
    for _ in 0..5_000 {
        let line: String = (0..rng.below(20))
            .map(|_| pieces[rng.below(pieces.len())])
            .collect();
        // Whatever the line, parsing gives a value or a JSON error, and a
        // value gives a decision or coded errors.
        if let Ok(json) = serde_json::from_str::<serde_json::Value>(&line) {
            match ev.transaction(&json) {
                Ok(tx) => {
                    let _ = ev.explain(&tx);
                }
                Err(errors) => assert!(
                    errors.iter().all(|e| e.code.starts_with("E06")),
                    "{errors:?}"
                ),
            }
        }
    }
    // Objects with the right keys (and some wrong ones) and values of every
    // JSON type: each is decided or rejected with transaction codes.
    let keys = ["date", "item", "destination", "end_use", "tpp", "extra"];
    let valid = [
        serde_json::json!("2025-03-01"),
        serde_json::json!("3A090.a"),
        serde_json::json!("CN"),
        serde_json::json!("civil"),
        serde_json::json!(1_000_000),
        serde_json::json!(0),
    ];
    let values = [
        serde_json::json!("2025-03-01"),
        serde_json::json!("2025-02-30"),
        serde_json::json!("3A090.a"),
        serde_json::json!("3Z999"),
        serde_json::json!("CN"),
        serde_json::json!("XX"),
        serde_json::json!("wmd"),
        serde_json::json!(4_800),
        serde_json::json!(-1.5e300),
        serde_json::json!(null),
        serde_json::json!([1, 2]),
        serde_json::json!({"a": 1}),
        serde_json::json!(true),
    ];
    let (mut decided, mut rejected) = (0, 0);
    for _ in 0..5_000 {
        let mut object = serde_json::Map::new();
        for (key, good) in keys.iter().zip(&valid) {
            if rng.below(6) != 0 && (*key != "extra" || rng.below(4) == 0) {
                let value = if rng.below(3) != 0 {
                    good.clone()
                } else {
                    values[rng.below(values.len())].clone()
                };
                object.insert((*key).into(), value);
            }
        }
        match ev.transaction(&serde_json::Value::Object(object)) {
            Ok(tx) => {
                let _ = ev.explain(&tx);
                decided += 1;
            }
            Err(errors) => {
                assert!(
                    errors.iter().all(|e| e.code.starts_with("E06")),
                    "{errors:?}"
                );
                rejected += 1;
            }
        }
    }
    assert!(
        decided > 0 && rejected > 0,
        "{decided} decided, {rejected} rejected"
    );
    // Damaged tables: every byte change is either still a table or a coded
    // error (E0502/E0503).
    let bytes = table.as_bytes();
    let mut refused = 0;
    for _ in 0..300 {
        let mut damaged = bytes.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(damaged.len());
            let replacements = b"{}[]\",:0aZ \x00";
            damaged[at] = replacements[rng.below(replacements.len())];
        }
        if let Err(e) = Evaluator::from_bytes(&damaged) {
            let code = e.code.info().code;
            assert!(code == "E0502" || code == "E0503", "{code}: {}", e.message);
            refused += 1;
        }
    }
    assert!(
        refused > 100,
        "only {refused} of 300 damaged tables were refused"
    );
}
