//! The soak run of `edict serve` (bounded: 30 s on loopback): two clients
//! post single transactions and batches while the table is swapped between
//! two signed versions every 100 ms. No request may fail, every answer's
//! digest must be one of the two tables, and every decision must be what
//! the reference evaluator gives with that table.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use edict_compiler::eval::Evaluator;
use edict_signature::PrivateKey;

const SOAK: Duration = Duration::from_secs(30);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compiles a version of `examples/version_pair` and signs it with the
/// RFC 8037 test key; returns the table's and the signature's bytes.
fn version(dir: &Path, name: &str, key: &PrivateKey) -> (Vec<u8>, String) {
    let out = dir.join(format!("{name}.json"));
    let status = Command::new(env!("CARGO_BIN_EXE_edict"))
        .args(["compile", "--today", "2026-01-01"])
        .arg(repo().join("examples/version_pair").join(name))
        .arg("-o")
        .arg(&out)
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
    let bytes = std::fs::read(&out).unwrap_or_else(|e| panic!("{e}"));
    let sig = edict_signature::sign(&bytes, key, Some(name), 0).unwrap_or_else(|e| panic!("{e}"));
    (bytes, sig)
}

/// Puts a version in place: the signature, then the table, each by rename.
fn publish(dir: &Path, version: &(Vec<u8>, String)) {
    let write = |name: &str, bytes: &[u8]| {
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, bytes).unwrap_or_else(|e| panic!("{e}"));
        std::fs::rename(&tmp, dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
    };
    write("table.json.sig", version.1.as_bytes());
    write("table.json", &version.0);
}

#[test]
fn decisions_stay_exact_while_the_table_is_swapped_every_100_ms() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve-soak");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let seed: [u8; 32] = [
        0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c,
        0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae,
        0x7f, 0x60,
    ];
    let key = PrivateKey::from_seed(&seed).unwrap_or_else(|e| panic!("{e}"));
    let kid = key.public().kid().to_string();
    std::fs::write(dir.join("trusted.pub"), key.public().to_pem())
        .unwrap_or_else(|e| panic!("{e}"));
    let versions = [
        version(&dir, "proposed", &key),
        version(&dir, "final", &key),
    ];
    // The reference: each table's evaluator, by digest.
    let reference: BTreeMap<String, Evaluator> = versions
        .iter()
        .map(|(bytes, _)| {
            let ev = Evaluator::from_bytes(bytes).unwrap_or_else(|e| panic!("{e:?}"));
            (ev.digest().to_string(), ev.with_key(&kid))
        })
        .collect();
    assert_eq!(reference.len(), 2, "the two versions differ");
    publish(&dir, &versions[0]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_edict"))
        .arg("serve")
        .arg(dir.join("table.json"))
        .args(["--listen", "127.0.0.1:0", "--trusted-key"])
        .arg(dir.join("trusted.pub"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let transactions: Vec<String> = ["proposed", "final"]
        .iter()
        .flat_map(|v| {
            std::fs::read_to_string(
                repo()
                    .join("examples/version_pair")
                    .join(v)
                    .join("transactions.jsonl"),
            )
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
        })
        .collect();
    assert!(transactions.len() >= 10);
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (stop, dir) = (Arc::clone(&stop), dir.clone());
        std::thread::spawn(move || {
            let mut swaps = 0;
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                swaps += 1;
                publish(&dir, &versions[swaps % 2]);
            }
            swaps
        })
    };
    let reference = Arc::new(reference);
    let clients: Vec<_> = (0..2)
        .map(|c| {
            let (base, txs, reference) =
                (base.clone(), transactions.clone(), Arc::clone(&reference));
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                let (mut requests, mut seen) = (0usize, BTreeMap::<String, usize>::new());
                let start = Instant::now();
                let mut i = c;
                while start.elapsed() < SOAK {
                    i += 1;
                    // Single transactions, and every fifth request a batch.
                    let batch = i % 5 == 0;
                    let body = if batch {
                        format!("[{}]", txs.join(","))
                    } else {
                        txs[i % txs.len()].clone()
                    };
                    let response = client
                        .post(format!("{base}/v1/decisions"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .unwrap_or_else(|e| panic!("request {requests} failed: {e}"));
                    assert_eq!(response.status().as_u16(), 200, "request {requests}");
                    let got: serde_json::Value =
                        serde_json::from_str(&response.text().unwrap_or_default())
                            .unwrap_or_else(|e| panic!("{e}"));
                    let (outputs, inputs): (Vec<serde_json::Value>, Vec<&str>) = if batch {
                        (
                            got.as_array().cloned().unwrap_or_default(),
                            txs.iter().map(String::as_str).collect(),
                        )
                    } else {
                        (vec![got], vec![body.as_str()])
                    };
                    assert_eq!(outputs.len(), inputs.len());
                    let digest = outputs[0]["table"].as_str().unwrap_or("").to_string();
                    let ev = reference
                        .get(&digest)
                        .unwrap_or_else(|| panic!("decided with an unknown table {digest}"));
                    for (n, (output, input)) in outputs.iter().zip(&inputs).enumerate() {
                        assert_eq!(output["table"], digest.as_str(), "one request, one table");
                        let tx: serde_json::Value = serde_json::from_str(input).unwrap_or_default();
                        let line = batch.then_some(n + 1);
                        let expected = serde_json::to_value(ev.decide_value(line, &tx, false))
                            .unwrap_or_default();
                        assert_eq!(output, &expected, "{input}");
                    }
                    *seen.entry(digest).or_default() += 1;
                    requests += 1;
                }
                (requests, seen)
            })
        })
        .collect();
    let mut total = 0;
    let mut tables = BTreeMap::new();
    for c in clients {
        let (n, seen) = c.join().unwrap_or_else(|_| panic!("a client failed"));
        total += n;
        for (d, k) in seen {
            *tables.entry(d).or_insert(0) += k;
        }
    }
    stop.store(true, Ordering::SeqCst);
    let swaps = swapper.join().unwrap_or(0);
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
    println!("soak: {total} requests, 0 failed, {swaps} swaps, answers per table: {tables:?}");
    assert!(swaps >= 100, "{swaps} swaps");
    assert_eq!(tables.len(), 2, "both tables served: {tables:?}");
    assert!(total > 1000, "{total} requests");
}
