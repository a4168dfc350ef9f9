//! Counters for `GET /metrics`, in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use edict_engine::eval::Output;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 11] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
];

#[derive(Default)]
struct Counts {
    decisions: BTreeMap<(String, String), u64>,
    rejections: BTreeMap<String, u64>,
    latency: [u64; BUCKETS.len() + 1],
    latency_sum: f64,
    requests: u64,
    reloads: u64,
    failed_reloads: u64,
}

/// The service's counters.
#[derive(Default)]
pub struct Metrics(Mutex<Counts>);

impl Metrics {
    fn with(&self, f: impl FnOnce(&mut Counts)) {
        if let Ok(mut c) = self.0.lock() {
            f(&mut c);
        }
    }

    /// Counts the decisions or the rejection of one transaction.
    pub fn output(&self, output: &Output) {
        self.outputs(std::slice::from_ref(output));
    }

    /// Counts a batch.
    pub fn outputs(&self, outputs: &[Output]) {
        self.with(|c| {
            for output in outputs {
                match output {
                    Output::Decided(set) => {
                        for d in &set.decisions {
                            let key = (d.jurisdiction.to_string(), d.outcome.as_str().to_string());
                            *c.decisions.entry(key).or_default() += 1;
                        }
                    }
                    Output::Rejected(r) => {
                        for e in &r.errors {
                            *c.rejections.entry(e.code.as_str().to_string()).or_default() += 1;
                        }
                    }
                }
            }
        });
    }

    /// Counts a body rejected before it was a transaction.
    pub fn rejection(&self, code: &str) {
        self.with(|c| *c.rejections.entry(code.to_string()).or_default() += 1);
    }

    /// Records one request's time.
    pub fn latency(&self, elapsed: Duration) {
        let s = elapsed.as_secs_f64();
        self.with(|c| {
            let i = BUCKETS
                .iter()
                .position(|b| s <= *b)
                .unwrap_or(BUCKETS.len());
            c.latency[i] += 1;
            c.latency_sum += s;
            c.requests += 1;
        });
    }

    /// Counts a reload, or a refused one.
    pub fn reload(&self, ok: bool) {
        self.with(|c| {
            if ok {
                c.reloads += 1;
            } else {
                c.failed_reloads += 1;
            }
        });
    }

    /// The text of `GET /metrics`.
    pub fn render(&self, digest: &str, key: Option<&str>) -> String {
        let Ok(c) = self.0.lock() else {
            return String::new();
        };
        let mut out = String::new();
        let label = |s: &str| {
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        };
        let _ = writeln!(
            out,
            "# HELP edict_decisions_total Decisions given, by jurisdiction and outcome."
        );
        let _ = writeln!(out, "# TYPE edict_decisions_total counter");
        for ((j, o), n) in &c.decisions {
            let _ = writeln!(
                out,
                "edict_decisions_total{{jurisdiction=\"{}\",outcome=\"{o}\"}} {n}",
                label(j)
            );
        }
        let _ = writeln!(
            out,
            "# HELP edict_rejections_total Transactions rejected, by error code."
        );
        let _ = writeln!(out, "# TYPE edict_rejections_total counter");
        for (code, n) in &c.rejections {
            let _ = writeln!(out, "edict_rejections_total{{code=\"{code}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP edict_request_duration_seconds Time to answer a request."
        );
        let _ = writeln!(out, "# TYPE edict_request_duration_seconds histogram");
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += c.latency[i];
            let _ = writeln!(
                out,
                "edict_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "edict_request_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            c.requests
        );
        let _ = writeln!(out, "edict_request_duration_seconds_sum {}", c.latency_sum);
        let _ = writeln!(out, "edict_request_duration_seconds_count {}", c.requests);
        let _ = writeln!(out, "# HELP edict_table_info The table being served.");
        let _ = writeln!(out, "# TYPE edict_table_info gauge");
        let _ = writeln!(
            out,
            "edict_table_info{{digest=\"{digest}\",key=\"{}\"}} 1",
            label(key.unwrap_or(""))
        );
        let _ = writeln!(
            out,
            "# HELP edict_reloads_total Tables loaded after the first."
        );
        let _ = writeln!(out, "# TYPE edict_reloads_total counter");
        let _ = writeln!(out, "edict_reloads_total {}", c.reloads);
        let _ = writeln!(
            out,
            "# HELP edict_reload_failures_total New tables refused (the old one kept serving)."
        );
        let _ = writeln!(out, "# TYPE edict_reload_failures_total counter");
        let _ = writeln!(out, "edict_reload_failures_total {}", c.failed_reloads);
        out
    }
}
