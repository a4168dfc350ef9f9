//! Snapshots of the server's answers, each drawn under the code it is
//! about: the line, a caret at the position asked, then the answer. Read
//! them as a drafter would see them in the editor.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::path::Path;

use edict_lsp::client::Client;

fn fixture() -> (std::path::PathBuf, String) {
    // One folder per call: the tests run in parallel and each clears its own.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("edict-lsp-snap-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hover.edict");
    let text = std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("hover.edict");
    std::fs::write(&file, &text).unwrap_or_else(|e| panic!("{e}"));
    (file, text)
}

/// The `n`th occurrence (0-based) of `needle`: its line and UTF-16 column.
fn at(text: &str, needle: &str, n: usize) -> (usize, usize) {
    let mut from = 0;
    let mut found = 0;
    for _ in 0..=n {
        found = from
            + text[from..]
                .find(needle)
                .unwrap_or_else(|| panic!("{needle} #{n} missing"));
        from = found + needle.len();
    }
    let line = text[..found].matches('\n').count();
    let start = text[..found].rfind('\n').map_or(0, |i| i + 1);
    (line, text[start..found].encode_utf16().count())
}

/// "as of 2026-12-01" depends on the day the test runs.
fn undated(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("as of ") {
        out.push_str(&rest[..i + 6]);
        out.push_str("TODAY");
        rest = rest.get(i + 16..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

fn drawn(text: &str, line: usize, col: usize, answer: &str) -> String {
    let source = text.lines().nth(line).unwrap_or("");
    format!("{source}\n{}^\n{answer}\n", " ".repeat(col))
}

/// The first `limit` completions at a position, as `label — detail`.
fn completions(c: &mut Client, u: &str, line: usize, col: usize, limit: usize) -> Vec<String> {
    let r = c.at("textDocument/completion", u, line as u32, col as u32);
    r["result"]
        .as_array()
        .into_iter()
        .flatten()
        .take(limit)
        .map(|i| {
            let label = i["label"].as_str().unwrap_or("");
            format!("{label} — {}", i["detail"].as_str().unwrap_or(""))
        })
        .collect()
}

#[test]
fn hovers() {
    let (file, text) = fixture();
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let u = c.open(&file, &text);
    let mut out = String::new();
    for (needle, n) in [
        ("Watched", 1),
        ("CN", 0),
        ("D5", 1),
        ("chips", 1),
        ("military", 1),
        ("LPP", 1),
        ("destination in", 0),
        ("RS", 1),
    ] {
        let (line, col) = at(&text, needle, n);
        let h = c.at("textDocument/hover", &u, line as u32, col as u32);
        let answer = h["result"]["contents"]["value"]
            .as_str()
            .unwrap_or("(no hover)");
        out.push_str(&format!("── hover on `{needle}` ──\n"));
        out.push_str(&drawn(&text, line, col, &undated(answer)));
        out.push('\n');
    }
    insta::assert_snapshot!(out);
    c.stop();
}

#[test]
fn completions_and_definitions() {
    let (file, text) = fixture();
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let u = c.open(&file, &text);
    let mut out = String::new();
    // After `destination in `: groups first, then countries with names.
    let (line, col) = at(&text, "Watched and", 0);
    let items = completions(&mut c, &u, line, col, 6);
    out.push_str("── completion after `destination in ` ──\n");
    out.push_str(&drawn(&text, line, col, &items.join("\n")));
    // A field compared with `==`: the values of its enum only; an ECCN set:
    // groups of ECCNs and their members.
    for (needle, n, label) in [
        ("military", 1, "after `end_use == `"),
        ("3A090}", 0, "inside `item in {`"),
    ] {
        let (line, col) = at(&text, needle, n);
        let items = completions(&mut c, &u, line, col, usize::MAX);
        out.push_str(&format!("\n── completion {label} ──\n"));
        out.push_str(&drawn(&text, line, col, &items.join("\n")));
    }
    for (needle, n) in [("Watched", 1), ("chips", 2), ("EndUse", 1)] {
        let (line, col) = at(&text, needle, n);
        let d = c.at("textDocument/definition", &u, line as u32, col as u32);
        let target = &d["result"]["range"]["start"];
        let shown = match (target["line"].as_u64(), d["result"]["uri"].as_str()) {
            (Some(l), Some(uri)) if uri == u => format!(
                "line {}: {}",
                l + 1,
                text.lines().nth(l as usize).unwrap_or("").trim()
            ),
            (_, Some(uri)) => uri.to_string(),
            _ => "(none)".to_string(),
        };
        out.push_str(&format!("\n── definition of `{needle}` ──\n"));
        out.push_str(&drawn(&text, line, col, &shown));
    }
    insta::assert_snapshot!(out);
    c.stop();
}
