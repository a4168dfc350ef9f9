//! The HTML diff report in a real browser: headless Chromium (Debian's
//! package, which `.ci/run` installs) loads the page of the shipped
//! version pair, runs its script, and the rendered counts must equal the
//! JSON report's; a screenshot is written to the target folder
//! (`diff-report.png`). The same for `edict compare`'s page
//! (`compare-report.png`).
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::path::{Path, PathBuf};
use std::process::Command;

use edict_tests::{edict, repo};

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        if let Some(path) = found.filter(|p| !p.is_empty()) {
            return PathBuf::from(path);
        }
    }
    panic!("this test needs Chromium: `apt-get install chromium` (`.ci/run` installs it)");
}

/// Runs headless Chromium on a page with extra arguments; returns stdout.
fn browse(page: &Path, profile: &Path, extra: &[&str]) -> String {
    let output = Command::new("timeout")
        .arg("120")
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run Chromium: {e}"));
    assert!(
        output.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes a screenshot of `page` to `shot` and checks it is a real image.
fn screenshot(page: &Path, profile: &Path, shot: &Path) {
    let _ = std::fs::remove_file(shot);
    browse(
        page,
        profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2200",
        ],
    );
    let png = std::fs::read(shot).unwrap_or_else(|e| panic!("no screenshot: {e}"));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot of {} bytes",
        png.len()
    );
}

/// The text of the element with this id in a dumped DOM.
fn text_of(dom: &str, id: &str) -> String {
    let open = format!("id=\"{id}\">");
    let start = dom
        .find(&open)
        .unwrap_or_else(|| panic!("no #{id} in the page"))
        + open.len();
    dom[start..].split('<').next().unwrap_or("").to_string()
}

/// Writes the HTML diff report of `old` → `new` to `page`.
fn html_report(page: &Path, old: &str, new: &str) {
    let page = page.display().to_string();
    let (code, _, err) = edict(&["diff", "--format", "html", "-o", &page, old, new], "");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn the_html_report_renders_in_chromium_with_the_json_figures() {
    let root = repo();
    let (old, new) = (
        root.join("examples/version_pair/proposed")
            .display()
            .to_string(),
        root.join("examples/version_pair/final")
            .display()
            .to_string(),
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let page = dir.join("diff-report.html");
    html_report(&page, &old, &new);
    let (code, json, _) = edict(&["diff", "--format", "json", &old, &new], "");
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    let profile = dir.join("chromium-profile");
    let dom = browse(&page, &profile, &["--dump-dom"]);
    // The script ran: it filled the counts and found one row per region.
    assert!(
        dom.contains("data-rendered=\"ok\""),
        "the page's script did not run or found a mismatch"
    );
    let s = &report["summary"];
    for (id, value) in [
        ("count-regions", s["regions"].as_u64()),
        ("count-tightening", s["tightening"].as_u64()),
        ("count-loosening", s["loosening"].as_u64()),
        ("count-lateral", s["lateral"].as_u64()),
        (
            "count-rules",
            Some(
                ["rules_added", "rules_removed", "rules_edited"]
                    .iter()
                    .filter_map(|k| s[k].as_u64())
                    .sum(),
            ),
        ),
    ] {
        assert_eq!(
            text_of(&dom, id),
            value.map(|v| v.to_string()).unwrap_or_default(),
            "#{id}"
        );
    }
    assert_eq!(
        dom.matches("<tr data-direction=\"tightening\"").count() as u64,
        s["tightening"].as_u64().unwrap_or(0)
    );
    screenshot(&page, &profile, &dir.join("diff-report.png"));
}

#[test]
fn hostile_text_in_the_html_report_stays_text_in_chromium() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile-html");
    let _ = std::fs::create_dir_all(&dir);
    let (old, new) = edict_tests::hostile_version_pair(&dir);
    let page = dir.join("hostile.html");
    html_report(
        &page,
        &old.display().to_string(),
        &new.display().to_string(),
    );
    let html = edict_tests::read(&page);
    for bad in [
        "<img",
        "<script>document",
        "<!--<",
        "<b>label",
        "\u{1b}",
        "\u{202e}",
    ] {
        assert!(!html.contains(bad), "{bad:?} reached the page");
    }
    let dom = browse(&page, &dir.join("profile"), &["--dump-dom"]);
    // The page's own script still ran over the embedded JSON, no injected
    // script did, and the hostile texts are shown as text.
    assert!(
        dom.contains("data-rendered=\"ok\""),
        "the page's script did not run"
    );
    assert!(!dom.contains("<title>pwned"), "an injected script ran");
    assert!(
        dom.contains("&lt;/script&gt;&lt;script&gt;document.title"),
        "the obligation is not shown as text"
    );
    assert!(
        dom.contains("[click](http://evil.example)"),
        "the rationale is not shown as text"
    );
}

#[test]
fn the_compare_page_renders_in_chromium_and_keeps_hostile_text_as_text() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compare-html");
    let _ = std::fs::create_dir_all(&dir);
    let example = repo()
        .join("examples/reexport_from_germany")
        .display()
        .to_string();
    let page = dir.join("compare.html");
    let p = page.display().to_string();
    let (code, _, err) = edict(
        &[
            "compare",
            &example,
            "--jurisdictions",
            "US",
            "EU",
            "--format",
            "html",
            "-o",
            &p,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let profile = dir.join("profile");
    let dom = browse(&page, &profile, &["--dump-dom"]);
    assert!(
        dom.contains("data-rendered=\"ok\""),
        "the page's script did not run or found a mismatch"
    );
    assert!(dom.contains("US allows (no rule applies) where EU allows under EU001: 1 region"));
    screenshot(&page, &profile, &dir.join("compare-report.png"));
    // Two policies with hostile text: shown as text, no injected script runs.
    let (old, new) = edict_tests::hostile_version_pair(&dir);
    let hostile = dir.join("hostile.html");
    let (code, _, err) = edict(
        &[
            "compare",
            &old.display().to_string(),
            &new.display().to_string(),
            "--jurisdictions",
            "US",
            "US",
            "--format",
            "html",
            "-o",
            &hostile.display().to_string(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let dom = browse(&hostile, &profile, &["--dump-dom"]);
    assert!(
        dom.contains("data-rendered=\"ok\""),
        "the page's script did not run"
    );
    assert!(!dom.contains("<title>pwned"), "an injected script ran");
    assert!(
        dom.contains("&lt;/script&gt;&lt;script&gt;document.title"),
        "the obligation is not text"
    );
}
