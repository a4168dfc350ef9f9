//! `edict diff` on generated versions of one policy
//! (`cargo bench -p edict-compiler --bench diff`): two versions of a policy
//! of N rules that differ in a share of their rules
//! ([`policy_source`]), compiled once outside the measurement; each
//! iteration compares them (declarations clause by clause from the
//! sources, the exact decision-level regions, the timeline). Reported: how
//! the time grows with the rules at 1% changed, and with the share
//! changed at 10,000 rules.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use edict_compiler::db::Settings;
use edict_compiler::diff::{Version, diff};
use edict_compiler::project::{MemoryFs, load};
use edict_compiler::table::compile;
use edict_compiler::table::generate::policy_source;

fn version(text: String) -> Option<Version> {
    let mut fs = MemoryFs::default();
    fs.files.insert(PathBuf::from("p.edict"), text.into_bytes());
    let project = load(&fs, &[PathBuf::from("p.edict")], Settings::default()).ok()?;
    let compiled = compile(&project.db, project.ws).ok()?;
    Some(Version::from_compiled("generated", &compiled))
}

fn bench(c: &mut Criterion, group: &str, cases: &[(usize, usize)]) {
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    for &(rules, per_mille) in cases {
        let (Some(old), Some(new)) = (
            version(policy_source(rules, 5, per_mille, 0)),
            version(policy_source(rules, 5, per_mille, 1)),
        ) else {
            eprintln!("the generated policy of {rules} rules does not compile");
            return;
        };
        let name = format!("{rules}_rules_{}_per_mille", per_mille);
        g.bench_function(name, |b| {
            b.iter(|| diff(&old, &new).map(|r| r.impact.len()))
        });
    }
    g.finish();
}

fn diffs(c: &mut Criterion) {
    bench(
        c,
        "diff_by_rules",
        &[(1_000, 10), (3_000, 10), (10_000, 10), (30_000, 10)],
    );
    bench(
        c,
        "diff_by_share",
        &[(10_000, 1), (10_000, 10), (10_000, 50), (10_000, 100)],
    );
}

criterion_group!(benches, diffs);
criterion_main!(benches);
