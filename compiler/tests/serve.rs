//! `edict serve` over real HTTP on 127.0.0.1, with curl as the client:
//! every endpoint, every error status, reloads of good and bad tables, and
//! a SIGTERM that lets the request in flight finish.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn vectors() -> PathBuf {
    repo().join("tests/conformance/signatures")
}

/// A scratch folder holding the signed table of the signature vectors as
/// `table.json` with its `table.json.sig`.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    put(&dir, "signed.json", "table.json");
    put(&dir, "valid.sig", "table.json.sig");
    dir
}

/// Replaces `dir/to` with a vector file, by a rename (as a publisher would).
fn put(dir: &Path, from: &str, to: &str) {
    let tmp = dir.join(format!(".{to}.tmp"));
    std::fs::copy(vectors().join(from), &tmp).unwrap_or_else(|e| panic!("{e}"));
    std::fs::rename(&tmp, dir.join(to)).unwrap_or_else(|e| panic!("{e}"));
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_edict"))
        .arg("serve")
        .arg(dir.join("table.json"))
        .args(["--listen", "127.0.0.1:0", "--trusted-key"])
        .arg(vectors().join("trusted.pub"))
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start edict serve: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("{e}"));
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Server { child, base }
}

struct Answer {
    status: u16,
    headers: String,
    body: String,
}

fn curl(server: &Server, path: &str, args: &[&str]) -> Answer {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20", "-D", "-", "-w", "\n%{http_code}"])
        .args(args)
        .arg(format!("{}{path}", server.base))
        .output()
        .unwrap_or_else(|e| panic!("curl is needed for this test: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (rest, status) = text.rsplit_once('\n').unwrap_or_else(|| panic!("{text}"));
    let (headers, body) = rest.split_once("\r\n\r\n").unwrap_or((rest, ""));
    Answer {
        status: status.trim().parse().unwrap_or_else(|_| panic!("{text}")),
        headers: headers.to_ascii_lowercase(),
        body: body.to_string(),
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn post_json(server: &Server, path: &str, body: &str) -> Answer {
    curl(
        server,
        path,
        &[
            "-H",
            "content-type: application/json",
            "--data-binary",
            body,
        ],
    )
}

/// What `edict eval` prints for `input` with the table in `dir`.
fn eval(dir: &Path, input: &str, explain: bool) -> Vec<serde_json::Value> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_edict"));
    cmd.arg("eval")
        .arg(dir.join("table.json"))
        .args(["--input", "-", "--trusted-key"]);
    cmd.arg(vectors().join("trusted.pub"));
    if explain {
        cmd.arg("--explain");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        std::io::Write::write_all(&mut stdin, input.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(json)
        .collect()
}

const BAD: &str = r#"{"date": "2025-01-01", "destination": "XX", "end_use": "civil", "licensed": false, "consignee": "A"}"#;

#[test]
fn every_endpoint_answers_as_edict_eval_would() {
    let dir = scratch("endpoints");
    let server = start(&dir, &[]);
    let tx = std::fs::read_to_string(vectors().join("transaction.json")).unwrap_or_default();
    let tx = tx.trim();
    let kid = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
    let one = post_json(&server, "/v1/decisions", tx);
    assert_eq!(one.status, 200, "{}", one.body);
    assert!(
        one.headers
            .contains(&format!("edict-key: {}", kid.to_ascii_lowercase())),
        "{}",
        one.headers
    );
    assert!(
        one.headers.contains("edict-table: sha256:"),
        "{}",
        one.headers
    );
    let expected = eval(&dir, &format!("{tx}\n{BAD}\n"), false);
    assert_eq!(json(&one.body), expected[0]);
    assert_eq!(json(&one.body)["key"], kid);
    // An array: one output per item, rejections numbered by position.
    let batch = post_json(&server, "/v1/decisions", &format!("[{tx}, {BAD}]"));
    assert_eq!(batch.status, 200);
    assert_eq!(
        json(&batch.body),
        serde_json::Value::Array(expected.clone())
    );
    // JSON Lines: one output line per non-blank line, a bad line in place.
    let lines = curl(
        &server,
        "/v1/decisions",
        &[
            "-H",
            "content-type: application/x-ndjson",
            "--data-binary",
            &format!("{tx}\n\n{BAD}\nnot json\n"),
        ],
    );
    assert_eq!(lines.status, 200);
    let got: Vec<serde_json::Value> = lines.body.lines().map(json).collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], expected[0]);
    assert_eq!(got[1]["line"], 3);
    assert_eq!(got[2]["errors"][0]["code"], "E0601");
    // HTTP/2 (cleartext, prior knowledge) answers the same.
    let h2 = curl(
        &server,
        "/v1/decisions",
        &[
            "--http2-prior-knowledge",
            "-H",
            "content-type: application/json",
            "--data-binary",
            tx,
        ],
    );
    assert_eq!(h2.status, 200);
    assert!(h2.headers.starts_with("http/2 200"), "{}", h2.headers);
    assert_eq!(json(&h2.body), expected[0]);
    let explained = post_json(&server, "/v1/decisions?explain=true", tx);
    assert_eq!(json(&explained.body), eval(&dir, tx, true)[0]);
    // The table, the schemas, health and metrics.
    let table = json(&curl(&server, "/v1/table", &[]).body);
    assert_eq!(table["policy"], "conformance.cells");
    assert_eq!(table["key"], kid);
    assert!(
        table["columns"].as_array().is_some_and(|c| c.len() > 3),
        "{table}"
    );
    let schema = curl(&server, "/v1/schema/decision", &[]).body;
    let checked_in =
        |f: &str| std::fs::read_to_string(repo().join("compiler/docs").join(f)).unwrap_or_default();
    assert_eq!(schema, checked_in("decision.schema.json"));
    assert!(
        curl(&server, "/openapi.json", &[]).body == checked_in("openapi.json"),
        "compiler/docs/openapi.json is out of date: `cargo run -q --bin edict -- schema openapi > compiler/docs/openapi.json`"
    );
    assert_eq!(curl(&server, "/healthz", &[]).body, "ok\n");
    assert!(
        curl(&server, "/readyz", &[])
            .body
            .starts_with("ready sha256:")
    );
    let metrics = curl(&server, "/metrics", &[]).body;
    for line in [
        "edict_decisions_total{jurisdiction=\"X\",outcome=",
        "edict_rejections_total{code=\"E0605\"} 2",
        "edict_rejections_total{code=\"E0601\"} 1",
        "edict_request_duration_seconds_count",
        &format!(
            "edict_table_info{{digest=\"{}\",key=\"{kid}\"}} 1",
            table["table"].as_str().unwrap_or("")
        ),
        "edict_reloads_total 0",
    ] {
        assert!(metrics.contains(line), "{line} missing in\n{metrics}");
    }
    // Every path in the OpenAPI document answers a GET or a POST.
    let doc = json(&checked_in("openapi.json"));
    for path in doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(p, _)| p)
    {
        let status = if path == "/v1/decisions" {
            post_json(&server, path, tx).status
        } else {
            curl(&server, path, &[]).status
        };
        assert_eq!(status, 200, "{path}");
    }
}

#[test]
fn every_refusal_is_a_problem_with_its_status() {
    let dir = scratch("errors");
    let server = start(
        &dir,
        &["--max-batch", "2", "--max-body", "2000", "--timeout", "1"],
    );
    let tx = std::fs::read_to_string(vectors().join("transaction.json")).unwrap_or_default();
    let big = format!("[{}]", vec![tx.trim(); 40].join(","));
    let cases: Vec<(Answer, u16, &str)> = vec![
        (post_json(&server, "/v1/decisions", BAD), 400, "E0605"),
        (
            post_json(
                &server,
                "/v1/decisions",
                "{\"date\": \"2025-01-01\", \"date\": \"2025-01-02\"}",
            ),
            400,
            "E0601",
        ),
        (
            post_json(&server, "/v1/decisions", &"[".repeat(10_00)),
            400,
            "E0601",
        ),
        (
            post_json(&server, "/v1/decisions?explain=maybe", tx.trim()),
            400,
            "explain",
        ),
        (
            post_json(
                &server,
                "/v1/decisions",
                &format!("[{t},{t},{t}]", t = tx.trim()),
            ),
            413,
            "at most 2",
        ),
        (post_json(&server, "/v1/decisions", &big), 413, "2000 bytes"),
        (
            curl(
                &server,
                "/v1/decisions",
                &["-H", "content-type: text/csv", "--data-binary", "a,b"],
            ),
            415,
            "application/json",
        ),
        (curl(&server, "/v1/decisions", &[]), 405, "GET"),
        (curl(&server, "/v1/table", &["-X", "DELETE"]), 405, "DELETE"),
        (curl(&server, "/v2/%3Cscript%3E", &[]), 404, "no resource"),
        (
            curl(
                &server,
                "/v1/decisions",
                &[
                    "--limit-rate",
                    "200",
                    "-H",
                    "content-type: application/json",
                    "--data-binary",
                    &format!("[{}]", vec![tx.trim(); 13].join(",")),
                ],
            ),
            408,
            "within 1 s",
        ),
    ];
    for (answer, status, needle) in cases {
        assert_eq!(answer.status, status, "{}", answer.body);
        assert!(
            answer
                .headers
                .contains("content-type: application/problem+json"),
            "{}",
            answer.headers
        );
        let body = json(&answer.body);
        assert_eq!(body["status"], status);
        assert!(
            answer.body.contains(needle),
            "{needle} not in {}",
            answer.body
        );
        assert!(
            !answer.body.contains("<script>"),
            "a path is not echoed raw"
        );
    }
    // The service still answers after all that.
    assert_eq!(post_json(&server, "/v1/decisions", tx.trim()).status, 200);
}

/// Polls until `f` holds (the watcher looks at the files every 200 ms).
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(20), "never: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_changed_table_is_verified_then_swapped_and_a_bad_one_is_refused() {
    let dir = scratch("reload");
    let server = start(&dir, &[]);
    let digest = |s: &Server| {
        json(&curl(s, "/v1/table", &[]).body)["table"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let metric = |s: &Server, name: &str| {
        curl(s, "/metrics", &[])
            .body
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")).map(str::to_string))
            .unwrap_or_default()
    };
    let first = digest(&server);
    // One byte changed: the signature no longer matches; the old table
    // keeps serving and the failure is counted.
    put(&dir, "tampered.json", "table.json");
    eventually("a refused reload", || {
        metric(&server, "edict_reload_failures_total") == "1"
    });
    assert_eq!(digest(&server), first);
    // Another table with its own valid signature: swapped in.
    put(&dir, "other-table.sig", "table.json.sig");
    put(&dir, "other.json", "table.json");
    eventually("the new table", || digest(&server) != first);
    assert_eq!(
        json(&curl(&server, "/v1/table", &[]).body)["policy"],
        "conformance.outcomes"
    );
    assert!(
        metric(&server, "edict_reloads_total")
            .parse::<u32>()
            .is_ok_and(|n| n >= 1)
    );
    // SIGHUP reloads an unchanged table: nothing changes.
    let pid = server.child.id().to_string();
    let _ = Command::new("kill").args(["-HUP", &pid]).status();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        json(&curl(&server, "/v1/table", &[]).body)["policy"],
        "conformance.outcomes"
    );
    assert_eq!(curl(&server, "/healthz", &[]).status, 200);
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let dir = scratch("drain");
    let mut server = start(&dir, &[]);
    let tx = std::fs::read_to_string(vectors().join("transaction.json")).unwrap_or_default();
    // A batch sent slowly: about 6 s at 1 KiB/s, so it is surely in
    // flight when the signal comes.
    let body = format!("[{}]", vec![tx.trim(); 56].join(","));
    let url = format!("{}/v1/decisions", server.base);
    let slow = std::thread::spawn(move || {
        Command::new("curl")
            .args([
                "-sS",
                "--max-time",
                "30",
                "--limit-rate",
                "1K",
                "-H",
                "content-type: application/json",
                "-w",
                "\n%{http_code}",
                "--data-binary",
                &body,
                &url,
            ])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    });
    std::thread::sleep(Duration::from_millis(1500));
    let pid = server.child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let answer = slow.join().unwrap_or_default();
    assert!(
        answer.ends_with("\n200"),
        "the request in flight was answered: {answer}"
    );
    assert_eq!(
        json(answer.rsplit_once('\n').map_or("", |p| p.0))
            .as_array()
            .map(Vec::len),
        Some(56)
    );
    let status = server.child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "{status}");
}
