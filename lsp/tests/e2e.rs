//! End to end: the real `edict-lsp` binary driven over JSON-RPC on stdio.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use edict_lsp::client::Client;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

use serde_json::{Value, json};

/// A fresh project folder with one policy file.
fn project(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edict-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("policy.edict");
    std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
    file
}

const POLICY: &str = "policy t.p\n\nuse std.countries.*\nuse std.ear.groups.{D5}\n\n/// Chips we watch.\ngroup Watched: Country = {CN, MO} | D5\n\ninput {\n  item: Eccn\n  destination: Country\n}\n\njurisdiction US {\n  rule chips {\n    when item in {3A090} and destination in Watched\n    then require license\n    cite \"15 CFR 742.6\"\n    sunset 2030-01-01\n  }\n}\n";

/// The Markdown of the hover at a position (empty without one).
fn hover_text(c: &mut Client, u: &str, line: u32, col: u32) -> String {
    let h = c.at("textDocument/hover", u, line, col);
    h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// The labels of a document's inlay hints.
fn hint_labels(c: &mut Client, u: &str) -> Vec<String> {
    let r = c.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": u}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}}),
    );
    r["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["label"].as_str().map(str::to_string))
        .collect()
}

/// The titles of a document's code lenses, in order.
fn lens_titles(c: &mut Client, u: &str) -> Vec<String> {
    let r = c.request("textDocument/codeLens", json!({"textDocument": {"uri": u}}));
    r["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["command"]["title"].as_str().map(str::to_string))
        .collect()
}

/// Line and UTF-16 column of the first occurrence of `needle` in `text`.
fn pos(text: &str, needle: &str) -> (u32, u32) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    let line = text[..at].matches('\n').count() as u32;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line, text[start..at].encode_utf16().count() as u32)
}

#[test]
fn diagnostics_match_edict_check_and_follow_edits() {
    let file = project("diag", &POLICY.replace("{CN, MO}", "{CN, MOO}"));
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let u = c.open(&file, &text);
    let d = c.diagnostics(&u, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    let first = &d["diagnostics"][0];
    assert_eq!(first["code"], "E0101");
    assert_eq!(first["source"], "edict");
    assert!(
        first["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("unknown country `MOO`")),
        "{first}"
    );
    assert!(
        first["codeDescription"]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with("/E0101"))
    );
    let (line, col) = pos(&text, "MOO");
    assert_eq!(
        first["range"]["start"],
        json!({"line": line, "character": col})
    );
    assert_eq!(
        first["range"]["end"],
        json!({"line": line, "character": col + 3})
    );
    // The same codes and messages as `edict check --format json`, and the
    // label as related information.
    let args: Vec<String> = ["check", "--format", "json", &file.display().to_string()]
        .iter()
        .map(|a| a.to_string())
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    edict_compiler::cli::run_with_input(&args, &mut std::io::empty(), &mut out, &mut err);
    let check: Value = serde_json::from_slice(&out).unwrap_or(Value::Null);
    let theirs: Vec<(&Value, &Value)> = check
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| (&x["code"], &x["message"]))
        .collect();
    let ours: Vec<(&Value, &Value)> = d["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| (&x["code"], &x["message"]))
        .collect();
    assert!(!theirs.is_empty());
    assert_eq!(theirs, ours);
    assert!(
        first["relatedInformation"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| r["message"] == check[0]["label"]),
        "{first}"
    );
    // Fixing the code by an incremental edit clears it, for that version.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2},
               "contentChanges": [{"range": {"start": {"line": line, "character": col + 2}, "end": {"line": line, "character": col + 3}}, "text": ""}]}),
    );
    let d = c.diagnostics(&u, |p| p["version"] == 2);
    assert_eq!(d["diagnostics"], json!([]), "{d}");
    c.stop();
}

#[test]
fn hover_definition_outline_folding_and_formatting() {
    // A label with non-ASCII text before the name on the same line.
    let text = POLICY
        .replace(
            "/// Chips we watch.",
            "/// Chips we watch (Türkiye excluded).",
        )
        .replace(
            "then require license",
            "then require license // Türkiye: see Watched",
        );
    let file = project("nav", &text);
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let u = c.open(&file, &text);
    // Hover on the use of `Watched` in the rule.
    let (line, col) = pos(&text, "Watched\n");
    let h = c.at("textDocument/hover", &u, line, col + 1);
    let value = h["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(
        value.contains("group Watched: Country = {CN, MO} | D5"),
        "{h}"
    );
    assert_eq!(
        h["result"]["range"]["start"],
        json!({"line": line, "character": col})
    );
    // Hover on a country: its name.
    let (line, col) = pos(&text, "CN,");
    let h = hover_text(&mut c, &u, line, col);
    assert!(h.contains("China"), "{h}");
    // Hover on the rule: its status.
    let (line, col) = pos(&text, "chips {");
    let h = hover_text(&mut c, &u, line, col);
    assert!(h.contains("in force until 2030-01-01"), "{h}");
    // Definition of `Watched` is its declaration; of `D5`, the stdlib.
    let (line, col) = pos(&text, "Watched\n");
    let d = c.at("textDocument/definition", &u, line, col);
    let (gl, gc) = pos(&text, "Watched:");
    assert_eq!(d["result"]["uri"], u.as_str());
    assert_eq!(
        d["result"]["range"]["start"],
        json!({"line": gl, "character": gc})
    );
    let (line, col) = pos(&text, "D5\n");
    let d = c.at("textDocument/definition", &u, line, col);
    assert!(
        d["result"]["uri"]
            .as_str()
            .is_some_and(|s| s.starts_with("edict-stdlib:///")),
        "{d}"
    );
    // Outline.
    let s = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    let names: Vec<&str> = s["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["name"].as_str())
        .collect();
    assert_eq!(names, ["Watched", "input", "US"]);
    assert_eq!(s["result"][2]["children"][0]["name"], "chips");
    // Folding: the input block and the jurisdiction and its rule.
    let f = c.request(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": u}}),
    );
    assert_eq!(f["result"].as_array().map(Vec::len), Some(3), "{f}");
    // Formatting is `edict fmt`.
    let f = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let expected = edict_compiler::fmt::format(&text).unwrap_or_default();
    assert_ne!(expected, text);
    assert_eq!(f["result"][0]["newText"], expected.as_str(), "{f}");
    // The stdlib module a definition points into can be read.
    let (line, col) = pos(&text, "D5\n");
    let d = c.at("textDocument/definition", &u, line, col);
    let s = c.request("edict/stdlib", json!({"uri": d["result"]["uri"]}));
    assert!(
        s["result"].as_str().is_some_and(|t| t.contains("group D5")),
        "{s}"
    );
    c.stop();
}

#[test]
fn a_burst_of_edits_ends_in_the_right_state() {
    let file = project("burst", POLICY);
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let u = c.open(&file, POLICY);
    // 10,000 one-character edits appending to the citation, interleaved
    // with hovers; the last edit's text must be what the server has.
    let (line, col) = pos(POLICY, "742.6\"");
    let mut ids = Vec::new();
    for i in 0..10_000u32 {
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": 2 + i},
                   "contentChanges": [{"range": {"start": {"line": line, "character": col + 5 + i}, "end": {"line": line, "character": col + 5 + i}}, "text": "x"}]}),
        );
        if i % 500 == 0 {
            ids.push(c.send(
                "textDocument/hover",
                json!({"textDocument": {"uri": u}, "position": {"line": line, "character": 4}}),
            ));
        }
    }
    // Every request gets an answer (a result or ContentModified), none is lost.
    for id in ids {
        let r = c.response(id);
        assert!(
            r.get("result").is_some() || r["error"]["code"] == -32801,
            "{r}"
        );
    }
    let f = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(f["result"], json!([]), "{f}");
    let s = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    assert_eq!(s["result"][2]["children"][0]["name"], "chips");
    // The diagnostics published last are for the last version.
    let d = c.diagnostics(&u, |p| p["version"] == 10_001);
    assert_eq!(d["diagnostics"], json!([]));
    // And the text is the one the 10,000 edits make: the rule's hover
    // shows its citation with every character appended.
    let (rl, rc) = pos(POLICY, "chips {");
    let h = hover_text(&mut c, &u, rl, rc);
    assert!(h.contains(&format!("742.6{}\"", "x".repeat(10_000))), "{h}");
    c.stop();
}

#[test]
fn bad_input_gets_errors_not_crashes() {
    let file = project("bad", POLICY);
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let u = c.open(&file, POLICY);
    c.send_raw("{ not json");
    c.stdin
        .write_all(b"garbage without a header\r\n")
        .unwrap_or_default();
    c.send_raw(
        r#"{"jsonrpc": "2.0", "id": 900, "method": "textDocument/hover", "params": {"bogus": 1}}"#,
    );
    let r = c.response(900);
    assert!(r.get("error").is_some(), "{r}");
    let r = c.request("no/such/method", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    // A document that is not open.
    let r = c.at("textDocument/hover", "file:///nowhere/x.edict", 0, 0);
    assert!(r.get("error").is_some(), "{r}");
    // Edits with ranges past the end, and one older than the document.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 5},
               "contentChanges": [{"range": {"start": {"line": 999, "character": 3}, "end": {"line": 999, "character": 0}}, "text": "// tail\n"}]}),
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 3}, "contentChanges": [{"text": "garbage"}]}),
    );
    let s = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    assert_eq!(s["result"][0]["name"], "Watched", "{s}");
    // The file is deleted while open: the buffer still answers.
    let _ = std::fs::remove_file(&file);
    let h = c.at("textDocument/hover", &u, 14, 8);
    assert!(h.get("result").is_some(), "{h}");
    // A 10 MB buffer: diagnostics still arrive.
    let big = POLICY.to_string() + &"// filler line of a very large buffer\n".repeat(270_000);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 6}, "contentChanges": [{"text": big}]}),
    );
    let d = c.diagnostics(&u, |p| p["version"] == 6);
    assert_eq!(d["diagnostics"], json!([]));
    c.stop();
}

#[test]
fn the_diff_request_compares_a_document_with_a_baseline() {
    let root = repo();
    let final_file = root.join("examples/version_pair/final/policy.edict");
    let text = std::fs::read_to_string(&final_file).unwrap_or_default();
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let u = c.open(
        &std::fs::canonicalize(&final_file).unwrap_or(final_file.clone()),
        &text,
    );
    let baseline =
        std::fs::canonicalize(root.join("examples/version_pair/proposed")).unwrap_or_default();
    let r = c.request(
        "edict/diff",
        json!({"textDocument": {"uri": u}, "baseline": baseline.display().to_string()}),
    );
    assert_eq!(r["result"]["report"]["summary"]["regions"], 6, "{r}");
    assert!(
        r["result"]["markdown"]
            .as_str()
            .is_some_and(|m| m.contains("## Decisions that change"))
    );
    c.stop();
}

#[test]
fn completion_references_rename_tokens_hints_and_fixes() {
    let text = POLICY.replace(
        "destination in Watched",
        "destination in Watched and destination not in Watched",
    );
    let file = project("edit", &text);
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let u = c.open(&file, &text);
    // Completion after `in ` offers groups first, with countries named.
    let (line, col) = pos(&text, "Watched and");
    let r = c.at("textDocument/completion", &u, line, col + 1);
    let items = r["result"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        items.first().map(|i| i["label"].clone()),
        Some(json!("Watched")),
        "{r}"
    );
    let (line, _) = pos(&text, "{CN, MO}");
    let r = c.at("textDocument/completion", &u, line, 0);
    let cn = r["result"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["label"] == "CN")
        .cloned();
    assert!(
        cn.is_some_and(|i| i["detail"].as_str().is_some_and(|d| d.contains("China"))),
        "{r}"
    );
    // References of the group: its declaration and its two uses.
    let (gl, gc) = pos(&text, "Watched:");
    let r = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": u}, "position": {"line": gl, "character": gc}, "context": {"includeDeclaration": true}}),
    );
    assert_eq!(r["result"].as_array().map(Vec::len), Some(3), "{r}");
    // Rename edits all three; a stdlib name cannot be renamed.
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": u}, "position": {"line": gl, "character": gc}, "newName": "Watchlist"}),
    );
    assert_eq!(
        r["result"]["changes"][u.as_str()].as_array().map(Vec::len),
        Some(3),
        "{r}"
    );
    let (dl, dc) = pos(&text, "D5\n");
    let r = c.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": u}, "position": {"line": dl, "character": dc}}),
    );
    assert_eq!(r["result"], Value::Null, "{r}");
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": u}, "position": {"line": gl, "character": gc}, "newName": "when"}),
    );
    assert!(r.get("error").is_some(), "{r}");
    // Semantic tokens: `policy` is the first token, a keyword.
    let r = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": u}}),
    );
    let data = r["result"]["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        &data[..5],
        &[json!(0), json!(0), json!(6), json!(0), json!(0)],
        "{r}"
    );
    // Inlay hint after the rule's name: its status.
    let labels = hint_labels(&mut c, &u);
    assert!(
        labels
            .iter()
            .any(|l| l.contains("in force until 2030-01-01")),
        "{labels:?}"
    );
    // Workspace symbols find the rule by part of its name.
    let r = c.request("workspace/symbol", json!({"query": "chi"}));
    assert_eq!(r["result"][0]["name"], "chips", "{r}");
    assert_eq!(r["result"][0]["containerName"], "US", "{r}");
    // A diagnostic's fix becomes a quick fix.
    let broken = text.replace("{CN, MO}", "{CN, MOO}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": broken}]}),
    );
    let d = c.diagnostics(&u, |p| {
        p["version"] == 2 && p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    let with_fix: Vec<Value> = d["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|x| x.get("data").is_some())
        .cloned()
        .collect();
    assert!(!with_fix.is_empty(), "{d}");
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": with_fix[0]["range"], "context": {"diagnostics": with_fix}}),
    );
    let action = &r["result"][0];
    assert_eq!(action["kind"], "quickfix", "{r}");
    assert_eq!(
        action["edit"]["changes"][u.as_str()][0]["newText"],
        "MO",
        "{r}"
    );
    // A rule without `sunset` or `cite`: both clauses can be inserted.
    let bare = text.replace("    cite \"15 CFR 742.6\"\n    sunset 2030-01-01\n", "");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 3}, "contentChanges": [{"text": bare}]}),
    );
    let d = c.diagnostics(&u, |p| {
        p["version"] == 3 && p["diagnostics"].as_array().is_some_and(|a| a.len() >= 2)
    });
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": d["diagnostics"][0]["range"], "context": {"diagnostics": d["diagnostics"]}}),
    );
    let titles: Vec<&str> = r["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"add a `sunset` clause") && titles.contains(&"add a `cite` clause"),
        "{r}"
    );
    let inserted: Vec<&str> = r["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["edit"]["changes"][u.as_str()][0]["newText"].as_str())
        .collect();
    assert!(
        inserted.iter().any(|t| t.starts_with("\n    sunset "))
            && inserted.contains(&"\n    cite \"\""),
        "{inserted:?}"
    );
    // Inlay hints give group sizes too.
    let labels = hint_labels(&mut c, &u);
    assert!(
        labels.iter().any(|l| l.contains("24 members")),
        "{labels:?}"
    );
    c.stop();
}

#[test]
fn tests_in_the_editor_and_changes_against_head() {
    let tests = "\ntest \"China needs a license\" {\n  at 2026-01-01\n  given { item: 3A090, destination: CN }\n  expect US: require license\n}\n\ntest \"wrongly expected\" {\n  at 2026-01-01\n  given { item: 3A090, destination: FR }\n  expect US: deny\n}\n";
    let text = format!("{POLICY}{tests}");
    let file = project("lens", &text);
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(&dir)
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
            .is_ok_and(|o| o.status.success())
    };
    assert!(git(&["init", "-q"]) && git(&["add", "."]) && git(&["commit", "-q", "-m", "v1"]));
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let u = c.open(&file, &text);
    // The failing test is a diagnostic on its `expect` line.
    let d = c.diagnostics(&u, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    let (line, _) = pos(&text, "expect US: deny");
    assert_eq!(d["diagnostics"].as_array().map(Vec::len), Some(1), "{d}");
    assert_eq!(d["diagnostics"][0]["range"]["start"]["line"], line, "{d}");
    assert!(
        d["diagnostics"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("wrongly expected")),
        "{d}"
    );
    // Lenses: each test's result, and how many tests decide the rule.
    let titles = lens_titles(&mut c, &u);
    assert_eq!(
        titles,
        [
            "1 test covers this rule",
            "✓ test passes",
            "✗ test fails (1 of 1)"
        ],
        "{titles:?}"
    );
    // Edit the buffer (not the file): the rule now changes decisions vs HEAD.
    let edited = text.replace("{CN, MO}", "{CN, MO, FR}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    let titles = lens_titles(&mut c, &u);
    assert!(
        titles
            .iter()
            .any(|t| t == "changes decisions in 1 region vs HEAD"),
        "{titles:?}"
    );
    // The `edict/diff` request against HEAD says the same.
    let r = c.request("edict/diff", json!({"textDocument": {"uri": u}}));
    assert_eq!(r["result"]["report"]["summary"]["regions"], 1, "{r}");
    c.stop();
}

#[test]
fn assertions_in_the_editor_fail_with_a_witness_or_hold_for_all_transactions() {
    let asserts = "\nassert \"3A090 to China needs at least a license\" {\n  until 2030-01-01\n  when item in {3A090} and destination in {CN}\n  expect US: at least require license\n}\n\nassert \"nothing reaches a watched destination license-free\" {\n  when destination in Watched\n  expect US: not allow\n}\n";
    let text = format!("{POLICY}{asserts}");
    let file = project("assert", &text);
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let u = c.open(&file, &text);
    // The failing assertion is an E0901 on its name, with a witness.
    let d = c.diagnostics(&u, |p| {
        p["diagnostics"]
            .as_array()
            .is_some_and(|a| a.iter().any(|d| d["code"] == "E0901"))
    });
    let failing: Vec<&Value> = d["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "E0901")
        .collect();
    assert_eq!(failing.len(), 1, "{d}");
    let (line, _) = pos(&text, "\"nothing reaches");
    assert_eq!(failing[0]["range"]["start"]["line"], line, "{d}");
    let message = failing[0]["message"].as_str().unwrap_or("");
    assert!(message.contains("does not hold"), "{message}");
    let shown = failing[0].to_string();
    assert!(
        shown.contains("for example") && shown.contains("(no rule applies)"),
        "{shown}"
    );
    // Lenses: one holds, one does not.
    let titles = lens_titles(&mut c, &u);
    assert!(
        titles.iter().any(|t| t == "✓ holds for all transactions"),
        "{titles:?}"
    );
    assert!(titles.iter().any(|t| t == "✗ does not hold"), "{titles:?}");
    // A name inside an assertion hovers like anywhere else.
    let (line, col) = pos(&text, "Watched\n  expect");
    assert!(hover_text(&mut c, &u, line, col + 1).contains("Chips we watch"));
    // Widen the rule to every item, and the assertion to the rule's
    // dates: both hold.
    let fixed = text
        .replace(
            "when item in {3A090} and destination in Watched",
            "when destination in Watched",
        )
        .replace(
            "  when destination in Watched\n  expect",
            "  until 2030-01-01\n  when destination in Watched\n  expect",
        );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    c.diagnostics(&u, |p| {
        p["version"] == 2
            && p["diagnostics"]
                .as_array()
                .is_some_and(|a| !a.iter().any(|d| d["code"] == "E0901"))
    });
    c.stop();
}

#[test]
fn a_rule_no_test_reaches_is_a_hint_on_its_name() {
    let extra = "\njurisdiction US {\n  rule iran {\n    when destination in {IR}\n    then deny\n    cite \"15 CFR 746.7\"\n    sunset 2030-01-01\n  }\n}\n\ntest \"China needs a license\" {\n  at 2026-01-01\n  given { item: 3A090, destination: CN }\n  expect US: require license\n}\n";
    let text = format!("{POLICY}{extra}");
    let file = project("coverage", &text);
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let u = c.open(&file, &text);
    let d = c.diagnostics(&u, |p| {
        p["diagnostics"]
            .as_array()
            .is_some_and(|a| a.iter().any(|d| d["code"] == "coverage"))
    });
    let hints: Vec<&Value> = d["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "coverage")
        .collect();
    assert_eq!(hints.len(), 1, "{d}");
    assert_eq!(hints[0]["severity"], 4, "a hint: {d}");
    let (line, col) = pos(&text, "iran {");
    assert_eq!(hints[0]["range"]["start"]["line"], line, "{d}");
    assert_eq!(hints[0]["range"]["start"]["character"], col, "{d}");
    assert!(
        hints[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no test reaches rule `iran`")),
        "{d}"
    );
    c.stop();
}

#[test]
fn editing_a_group_updates_the_modules_that_import_it() {
    let dir = std::env::temp_dir().join(format!("edict-lsp-cross-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let groups = "policy t.groups\n\nuse std.countries.*\n\ngroup Watched: Country = {CN, MO}\n";
    let rules = POLICY.replace("policy t.p", "policy t.rules").replace(
        "/// Chips we watch.\ngroup Watched: Country = {CN, MO} | D5\n",
        "use t.groups.{Watched}\n",
    );
    let (g, r) = (dir.join("groups.edict"), dir.join("rules.edict"));
    std::fs::write(&g, groups).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&r, &rules).unwrap_or_else(|e| panic!("{e}"));
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let ug = c.open(&g, groups);
    let ur = c.open(&r, &rules);
    let d = c.diagnostics(&ur, |p| p["version"] == 1);
    assert_eq!(d["diagnostics"], json!([]), "{d}");
    // Renaming the group in its module breaks the import in the other one.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": ug, "version": 2}, "contentChanges": [{"text": groups.replace("Watched", "Watchlist")}]}),
    );
    let d = c.diagnostics(&ur, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert!(
        d["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|x| x["message"].as_str().is_some_and(|m| m.contains("Watched"))),
        "{d}"
    );
    // And the definition of the import follows into the other module.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": ug, "version": 3}, "contentChanges": [{"text": groups}]}),
    );
    let d = c.diagnostics(&ur, |p| p["diagnostics"] == json!([]));
    assert_eq!(d["diagnostics"], json!([]));
    let (line, col) = pos(&rules, "Watched\n    then");
    let def = c.at("textDocument/definition", &ur, line, col);
    assert_eq!(def["result"]["uri"], ug.as_str(), "{def}");
    c.stop();
}

#[test]
fn json_that_is_not_json_rpc_root_documents_junk_and_conflicting_renames() {
    let file = project("hostile", POLICY);
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let u = c.open(&file, POLICY);
    // Valid JSON that is no JSON-RPC message: logged, never the end.
    for body in [
        "null",
        "42",
        "[]",
        r#"[{"jsonrpc": "2.0", "id": 1, "method": "shutdown"}]"#,
        r#"{"jsonrpc": "2.0", "id": true, "method": "textDocument/hover"}"#,
        r#"{"jsonrpc": "2.0", "id": 1.5, "method": "textDocument/hover"}"#,
        r#"{"jsonrpc": "1.0", "id": 3, "method": "shutdown"}"#,
        r#"{"id": 4}"#,
    ] {
        c.send_raw(body);
    }
    // A malformed request whose id can be read gets "invalid request".
    c.send_raw(r#"{"jsonrpc": "2.0", "id": 901, "method": "textDocument/hover", "params": 7}"#);
    let r = c.response(901);
    assert_eq!(r["error"]["code"], -32600, "{r}");
    // 8 MB of junk without a header, then a request: still answered.
    let junk = vec![b'x'; 8 << 20];
    c.stdin.write_all(&junk).unwrap_or_default();
    let (line, col) = pos(POLICY, "Watched:");
    assert!(hover_text(&mut c, &u, line, col).contains("China"));
    // A document at the file-system root and one that is no file: each is
    // a project of its own buffer (no walk of the disk), and is answered.
    for root_doc in ["file:///root-level.edict", "untitled:Untitled-1"] {
        c.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": root_doc, "languageId": "edict", "version": 1, "text": POLICY}}),
        );
        assert!(
            hover_text(&mut c, root_doc, line, col).contains("China"),
            "{root_doc}"
        );
    }
    // Renaming a group to a name already in use is refused; to a free one, not.
    let taken = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": u}, "position": {"line": line, "character": col}, "newName": "D5"}),
    );
    let message = taken["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("`D5` is already a name"), "{taken}");
    let taken = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": u}, "position": {"line": line, "character": col}, "newName": "destination"}),
    );
    assert!(
        taken["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("input field"),
        "{taken}"
    );
    let free = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": u}, "position": {"line": line, "character": col}, "newName": "Watchlist"}),
    );
    assert!(free.get("error").is_none(), "{free}");
    c.stop();
}
