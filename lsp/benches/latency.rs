//! Latency and memory of the language server on a generated workspace of
//! 10,000 rules (100 modules of 100 rules, `cargo bench -p edict-lsp
//! --bench latency`): the real binary over stdio, as an editor drives it.
//!
//! Measured: keystroke-to-diagnostics (a one-character edit inside a rule,
//! until the diagnostics of that version arrive), hover and completion
//! latency, and the server's resident memory. Percentiles are what an
//! editor user feels, so this is a timing harness of its own rather than
//! criterion (which reports means): it prints p50, p95 and the maximum of
//! each, in one run.
#![expect(clippy::panic, reason = "the benchmark stops on a broken server")]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use edict_compiler::table::generate::workspace_sources;
use edict_lsp::client::Client;
use serde_json::json;

const FILES: usize = 100;
const RULES_PER_FILE: usize = 100;
const KEYSTROKES: usize = 200;
const QUERIES: usize = 100;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<28} n={:<4} p50 {:>8.2} ms   p95 {:>8.2} ms   max {:>8.2} ms",
        samples.len(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.95)),
        ms(samples.last().copied().unwrap_or_default())
    );
}

/// `VmRSS` and `VmHWM` (peak) of a process, in MB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is expected.
    let dir: PathBuf =
        std::env::temp_dir().join(format!("edict-lsp-latency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in workspace_sources(FILES, RULES_PER_FILE, 3) {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    let file = dir.join("rules_7.edict");
    let mut text = std::fs::read_to_string(&file).unwrap_or_default();
    let mut c = Client::start(env!("CARGO_BIN_EXE_edict-lsp"));
    let started = Instant::now();
    let u = c.open(&file, &text);
    let first = c.diagnostics(&u, |p| p["version"] == 1);
    assert!(first["diagnostics"].as_array().is_some(), "{first}");
    println!(
        "workspace: {} rules in {} files; first diagnostics after {:.0} ms",
        FILES * RULES_PER_FILE,
        FILES + 1,
        started.elapsed().as_secs_f64() * 1000.0
    );
    // Each keystroke appends a character to one rule's citation.
    let mut keystrokes = Vec::new();
    for k in 0..KEYSTROKES {
        let rule = 700 + k % RULES_PER_FILE;
        let needle = format!("generated § {rule}");
        let at = text.find(&needle).unwrap_or(0) + needle.len();
        let line = text[..at].matches('\n').count() as u32;
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let col = text[line_start..at].encode_utf16().count() as u32;
        text.insert(at, 'x');
        let version = 2 + k as i64;
        let t = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": version},
                   "contentChanges": [{"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": "x"}]}),
        );
        c.diagnostics(&u, |p| p["version"] == version);
        keystrokes.push(t.elapsed());
    }
    // Let the slower second pass of the last edit finish before queries.
    std::thread::sleep(Duration::from_millis(300));
    let rule_line = |rule: usize, text: &str| {
        let at = text.find(&format!("rule r{rule}")).unwrap_or(0);
        text[..at].matches('\n').count() as u32
    };
    let mut hovers = Vec::new();
    let mut completions = Vec::new();
    for q in 0..QUERIES {
        let line = rule_line(700 + q, &text);
        let t = Instant::now();
        let h = c.at("textDocument/hover", &u, line, 8);
        hovers.push(t.elapsed());
        assert!(h.get("result").is_some(), "{h}");
        let t = Instant::now();
        let r = c.at("textDocument/completion", &u, line + 1, 40);
        completions.push(t.elapsed());
        assert!(r.get("result").is_some(), "{r}");
    }
    let (rss, peak) = memory(c.pid());
    report("keystroke → diagnostics", keystrokes);
    report("hover", hovers);
    report("completion", completions);
    println!("resident memory {rss:.0} MB (peak {peak:.0} MB)");
    c.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
