//! Decisions per second of the reference evaluator on generated tables of
//! 1k, 10k and 100k rows (`cargo bench -p edict-compiler --bench eval`).
//! Each iteration decides one batch of pre-parsed transactions; criterion
//! reports elements (transactions decided, each for both jurisdictions)
//! per second. `decide` uses tables where 1 row in 100 is country-wide (no
//! ECCN, like an embargo); `decide_country_wide_10pct` has ten times as
//! many, which every transaction to those destinations must check.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use edict_compiler::eval::Evaluator;
use edict_compiler::table::generate::{Rng, table, transaction};

const BATCH: usize = 10_000;

fn decisions(c: &mut Criterion) {
    run(c, "decide", 10);
    run(c, "decide_country_wide_10pct", 100);
}

fn run(c: &mut Criterion, name: &str, country_wide: usize) {
    let mut group = c.benchmark_group(name);
    for rows in [1_000, 10_000, 100_000] {
        let t = table(rows, 7, country_wide);
        let bytes = t.to_json();
        let Ok(ev) = Evaluator::from_bytes(bytes.as_bytes()) else {
            return;
        };
        let mut rng = Rng::new(11);
        let txs: Vec<_> = (0..BATCH)
            .filter_map(|_| ev.transaction(&transaction(&mut rng)).ok())
            .collect();
        group.throughput(Throughput::Elements(txs.len() as u64));
        group.bench_function(format!("{rows}_rows"), |b| {
            b.iter(|| {
                let mut allowed = 0usize;
                for tx in &txs {
                    let set = ev.decide(tx);
                    allowed += set.decisions.len();
                }
                allowed
            });
        });
    }
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
