//! Assertions and `edict compare` on generated policies
//! (`cargo bench -p edict-compiler --bench prove`): a policy of N rules
//! ([`policy_source`]) compiled once outside the measurement; each
//! iteration decides its assertions over the table, or compares its
//! jurisdiction with another version's. Two assertion shapes, since the
//! cost follows the scope: a narrow one (one ECCN) and one over every
//! transaction (which explores the whole space); and the comparison of two
//! versions' U.S. blocks that differ in 1% of their rules.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use edict_compiler::compare::compare;
use edict_compiler::db::Settings;
use edict_compiler::diff::Version;
use edict_compiler::project::{MemoryFs, load};
use edict_compiler::table::generate::{eccn, policy_source};
use edict_compiler::table::{Compiled, compile};

fn compiled(text: String) -> Option<Compiled> {
    let mut fs = MemoryFs::default();
    fs.files.insert(PathBuf::from("p.edict"), text.into_bytes());
    let project = load(&fs, &[PathBuf::from("p.edict")], Settings::default()).ok()?;
    compile(&project.db, project.ws).ok()
}

/// The assertion of each shape.
fn assertion(shape: &str) -> String {
    match shape {
        "narrow" => format!(
            "assert \"one item is never allowed without an authorization\" {{\n  when item in {{{}}}\n  expect US: not allow authorizations none\n}}\n",
            eccn(0)
        ),
        _ => "assert \"every decision is at least allow\" {\n  expect US: at least allow\n}\n"
            .to_string(),
    }
}

fn assertions(c: &mut Criterion) {
    for (shape, sizes) in [
        ("narrow", &[1_000, 10_000, 30_000][..]),
        ("everything", &[1_000, 3_000, 10_000][..]),
    ] {
        let mut g = c.benchmark_group(format!("assert_{shape}"));
        g.sample_size(10);
        for &rules in sizes {
            let text = policy_source(rules, 5, 0, 0) + &assertion(shape);
            let Some(p) = compiled(text) else {
                eprintln!("the generated policy of {rules} rules does not compile");
                return;
            };
            g.bench_function(format!("{rules}_rules"), |b| {
                b.iter(|| {
                    edict_compiler::prove::check(&p.program, &p.lowered.table)
                        .iter()
                        .map(|v| v.failures.len())
                        .sum::<usize>()
                })
            });
        }
        g.finish();
    }
    let mut g = c.benchmark_group("compare_by_rules");
    g.sample_size(10);
    for rules in [1_000, 3_000, 10_000, 30_000] {
        let (Some(a), Some(b)) = (
            compiled(policy_source(rules, 5, 10, 0)),
            compiled(policy_source(rules, 5, 10, 1)),
        ) else {
            eprintln!("the generated policy of {rules} rules does not compile");
            return;
        };
        let (a, b) = (
            Version::from_compiled("a", &a),
            Version::from_compiled("b", &b),
        );
        g.bench_function(format!("{rules}_rules_10_per_mille"), |bench| {
            bench.iter(|| compare(&a, "US", &b, "US").map(|c| c.regions.len()))
        });
    }
    g.finish();
}

criterion_group!(benches, assertions);
criterion_main!(benches);
