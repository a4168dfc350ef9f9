//! A load client for `edict serve` (the harness of `compiler/serve/bench.sh`).
//!
//!     cargo run --release -p edict-serve --example load -- URL TRANSACTIONS.jsonl \
//!         [--connections N] [--seconds S] [--batch B]
//!
//! N connections (default 32) post for S seconds (default 10): with
//! `--batch 1` (the default) one transaction per request, else JSON arrays
//! of B transactions. Prints requests/s, decisions/s and the p50/p99/max
//! latency of a request. Every answer must be 200, else the run fails.

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut connections, mut seconds, mut batch) = (32usize, 10u64, 1usize);
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = || -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("`{a}` takes a number"))
        };
        match a.as_str() {
            "--connections" => connections = num()? as usize,
            "--seconds" => seconds = num()?,
            "--batch" => batch = num()? as usize,
            _ => positional.push(a.clone()),
        }
    }
    let [url, file] = &positional[..] else {
        return Err(
            "usage: load URL TRANSACTIONS.jsonl [--connections N] [--seconds S] [--batch B]".into(),
        );
    };
    let lines: Vec<String> = std::fs::read_to_string(file)
        .map_err(|e| format!("{file}: {e}"))?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    if lines.is_empty() {
        return Err(format!("{file} has no transactions"));
    }
    let bodies: Vec<String> = if batch <= 1 {
        lines.clone()
    } else {
        (0..lines.len())
            .map(|start| {
                let items: Vec<&str> = (0..batch)
                    .map(|i| lines[(start + i) % lines.len()].as_str())
                    .collect();
                format!("[{}]", items.join(","))
            })
            .collect()
    };
    let url = format!("{}/v1/decisions", url.trim_end_matches('/'));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (url, bodies) = (url.clone(), bodies.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .map_err(|e| e.to_string())?;
            let mut latencies = Vec::new();
            let mut i = c;
            while Instant::now() < deadline {
                i += 1;
                let start = Instant::now();
                let response = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(bodies[i % bodies.len()].clone())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status();
                let _ = response.bytes().await.map_err(|e| e.to_string())?;
                if status != 200 {
                    return Err(format!("status {status}"));
                }
                latencies.push(start.elapsed());
            }
            Ok::<Vec<Duration>, String>(latencies)
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)));
    let ms = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    println!(
        "{} requests in {elapsed:.1} s, {connections} connections, batch {batch}: {:.0} requests/s, {:.0} decisions/s, latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len(),
        all.len() as f64 / elapsed,
        (all.len() * batch.max(1)) as f64 / elapsed,
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(all.last()),
    );
    Ok(())
}
