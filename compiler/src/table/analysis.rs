//! Table-level warnings: what only the compiled regions of rules reveal.
//!
//! - `W0501 unreachable-rule`: a rule with no row — its conditions
//!   contradict each other, or rules that override it cover everything it
//!   matches.
//! - `W0502 conflicting-overlap`: two rules of one jurisdiction, neither
//!   overriding the other, with the same severity but a different outcome
//!   (authorizations, tier or review), that can match one transaction: the
//!   decision then merges them into something neither says alone.
//! - `W0503 sunset-without-successor`: a rule ends by its own `sunset`
//!   while its jurisdiction goes on (another of its rules is in force that
//!   day), and no rule in force that day covers any of the same items and
//!   destinations (the ECCN and country columns). When nothing of the
//!   jurisdiction is in force any more — a rescission, a common review
//!   date — the end is deliberate and not reported.
//!
//! Regions are compared column by column, exactly; the assessed tier is
//! compared as a column of its own (two rules for different tiers never
//! overlap), but how the tier follows from the other columns is not taken
//! into account, so a warning may name an overlap that the assessment rules
//! out.

use std::collections::BTreeSet;

use super::lower::{Conj, Key, Lowered, RuleRegion};
use crate::diagnostics::{Code, Diagnostic};
use crate::hir::{Elem, Outcome, Program, Rule};

/// Past this many rules of one severity in a jurisdiction, the pairwise
/// overlap check is skipped (it is quadratic).
const OVERLAP_LIMIT: usize = 3_000;

/// The warnings of a compiled program.
pub fn warnings(program: &Program, lowered: &Lowered) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (ji, j) in program.jurisdictions.iter().enumerate() {
        let regions: Vec<&RuleRegion> = lowered
            .regions
            .iter()
            .filter(|r| r.jurisdiction == ji)
            .collect();
        for region in &regions {
            let rule = &j.rules[region.rule];
            if region.survives.is_empty() {
                out.push(unreachable(rule, region, &j.rules));
            }
        }
        overlaps(&j.rules, &regions, &mut out);
        successors(program, &j.name, &j.rules, &regions, &mut out);
    }
    out
}

fn unreachable(rule: &Rule, region: &RuleRegion, rules: &[Rule]) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnreachableRule,
        &rule.source.file,
        rule.source.span,
        format!("rule `{}` never decides anything", rule.name),
    );
    if region.matches.is_empty() {
        d.label("its conditions can never all hold")
            .note("no transaction is in force, satisfies `when` and escapes `unless` at once")
    } else {
        let names: Vec<String> = rule
            .overridden_by
            .iter()
            .filter_map(|&o| rules.get(o))
            .map(|r| format!("`{}`", r.name))
            .collect();
        d.label("always overridden")
            .note(format!(
                "wherever it matches, {} matches too and overrides it",
                names.join(" or ")
            ))
            .help("narrow the overriding rules, or remove this one")
    }
}

/// What merging two rules of equal severity would blend.
fn signature(rule: &Rule) -> (Vec<String>, Option<usize>, Option<crate::hir::Review>) {
    let auths = match &rule.outcome {
        Outcome::AllowUnder(a) => {
            let set: BTreeSet<&String> = a.iter().collect();
            set.into_iter().cloned().collect()
        }
        _ => Vec::new(),
    };
    (auths, rule.tier, rule.review)
}

fn overlaps(rules: &[Rule], regions: &[&RuleRegion], out: &mut Vec<Diagnostic>) {
    for severity in 0..4u8 {
        let same: Vec<&&RuleRegion> = regions
            .iter()
            .filter(|r| rules[r.rule].outcome.severity() == severity && !r.survives.is_empty())
            .collect();
        if same.len() > OVERLAP_LIMIT {
            continue;
        }
        let signatures: Vec<_> = same.iter().map(|r| signature(&rules[r.rule])).collect();
        for (i, a) in same.iter().enumerate() {
            for (k, b) in same.iter().enumerate().skip(i + 1) {
                let (ra, rb) = (&rules[a.rule], &rules[b.rule]);
                if signatures[i] == signatures[k]
                    || ra.overridden_by.contains(&b.rule)
                    || rb.overridden_by.contains(&a.rule)
                    || !any_overlap(&a.survives, &b.survives, None)
                {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        Code::ConflictingOverlap,
                        &rb.source.file,
                        rb.source.span,
                        format!(
                            "rules `{}` and `{}` overlap and their outcomes merge",
                            ra.name, rb.name
                        ),
                    )
                    .label("overlaps an earlier rule of the same severity")
                    .with_secondary(&ra.source.file, ra.source.span, "the other rule")
                    .note("where both match, the decision lists every authorization, takes the higher tier and the stricter review")
                    .help(format!(
                        "if one should win, say so: `rule {} overrides {}`",
                        rb.name, ra.name
                    )),
                );
            }
        }
    }
}

fn successors(
    program: &Program,
    jurisdiction: &str,
    rules: &[Rule],
    regions: &[&RuleRegion],
    out: &mut Vec<Diagnostic>,
) {
    let coverage: BTreeSet<Key> = program
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.elem, Elem::Eccn | Elem::Country))
        .map(|(i, _)| i)
        .collect();
    for region in regions {
        let rule = &rules[region.rule];
        let Some(end) = rule.sunset.filter(|_| rule.own_sunset) else {
            continue;
        };
        if region.matches.is_empty() {
            continue;
        }
        // Only where the jurisdiction goes on: when no rule of it is in
        // force on that day, the regime ends as a whole (a rescission, or a
        // common review date), which is no gap.
        let continues = rules
            .iter()
            .enumerate()
            .any(|(i, r)| i != region.rule && r.active(end));
        if !continues {
            continue;
        }
        let taken_over = regions.iter().any(|other| {
            other.rule != region.rule
                && rules[other.rule].active(end)
                && any_overlap(&region.matches, &other.matches, Some(&coverage))
        });
        if !taken_over {
            out.push(
                Diagnostic::new(
                    Code::SunsetWithoutSuccessor,
                    &rule.source.file,
                    rule.source.span,
                    format!("rule `{}` sunsets on {end} and no rule takes over", rule.name),
                )
                .label("nothing follows this rule")
                .note(format!(
                    "no rule of `{jurisdiction}` in force on {end} covers any of the same items and destinations"
                ))
                .help("add the rule that follows it, or allow `sunset-without-successor` if the control simply ends"),
            );
        }
    }
}

/// Whether some conjunction of `a` meets one of `b`, looking only at the
/// columns in `only` (all of them, the tier included, when `None`).
fn any_overlap(a: &[Conj], b: &[Conj], only: Option<&BTreeSet<Key>>) -> bool {
    let considered = |k: &Key| only.is_none_or(|keys| keys.contains(k));
    a.iter().any(|x| {
        b.iter().any(|y| {
            x.iter().all(|(k, sx)| {
                !considered(k) || y.get(k).is_none_or(|sy| !sx.intersect(sy).is_empty())
            })
        })
    })
}
