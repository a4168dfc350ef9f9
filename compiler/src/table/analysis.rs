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

use super::lower::{Key, Lowered, RuleRegion};
use super::overlap::OverlapIndex;
use crate::date::Date;
use crate::diagnostics::{Code, Diagnostic};
use crate::hir::{Elem, Outcome, Program, Rule};

/// Past this many rules of one severity in a jurisdiction, the pairwise
/// overlap check is skipped (it is quadratic).
const OVERLAP_LIMIT: usize = 3_000;

/// The warnings of a compiled program; a lint in `allowed` (by name) is not
/// computed at all.
pub fn warnings(
    program: &Program,
    lowered: &Lowered,
    allowed: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    let wanted = |code: Code| code.lint().is_none_or(|l| !allowed.contains(l));
    let mut out = Vec::new();
    for (ji, j) in program.jurisdictions.iter().enumerate() {
        let regions: Vec<&RuleRegion> = lowered
            .regions
            .iter()
            .filter(|r| r.jurisdiction == ji)
            .collect();
        if wanted(Code::UnreachableRule) {
            for region in &regions {
                let rule = &j.rules[region.rule];
                if region.survives.is_empty() {
                    out.push(unreachable(rule, region, &j.rules));
                }
            }
        }
        if wanted(Code::ConflictingOverlap) {
            overlaps(&j.rules, &regions, &mut out);
        }
        if wanted(Code::SunsetWithoutSuccessor) {
            successors(program, &j.name, &j.rules, &regions, &mut out);
        }
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
        let index = OverlapIndex::new(same.iter().map(|r| &r.survives[..]).collect(), None);
        // Conflicting rules are grouped (connected through conflicts), so
        // n rules that all overlap give one warning, not n² / 2.
        let mut groups = UnionFind::new(same.len());
        let mut seen = Vec::new();
        for i in 0..same.len() {
            index.candidates(i, &mut seen, |k| {
                let (ra, rb) = (&rules[same[i].rule], &rules[same[k].rule]);
                if k > i
                    && groups.find(i) != groups.find(k)
                    && signatures[i] != signatures[k]
                    && !ra.overridden_by.contains(&same[k].rule)
                    && !rb.overridden_by.contains(&same[i].rule)
                    && index.overlap(i, k)
                {
                    groups.union(i, k);
                }
                true
            });
        }
        for members in groups.sets() {
            if members.len() > 1 {
                let group: Vec<&Rule> = members.iter().map(|&m| &rules[same[m].rule]).collect();
                out.push(conflict(&group));
            }
        }
    }
}

/// One `W0502` for a group of conflicting rules (in source order): at the
/// last, with the others as secondary labels.
fn conflict(group: &[&Rule]) -> Diagnostic {
    const SHOWN: usize = 8;
    let (last, others) = group.split_last().unwrap_or((&group[0], &[]));
    let message = match others {
        [one] => format!(
            "rules `{}` and `{}` overlap and their outcomes merge",
            one.name, last.name
        ),
        _ => {
            let names: Vec<String> = group
                .iter()
                .take(SHOWN)
                .map(|r| format!("`{}`", r.name))
                .collect();
            let more = group.len().saturating_sub(SHOWN);
            format!(
                "{} rules overlap and their outcomes merge: {}{}",
                group.len(),
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )
        }
    };
    let mut d = Diagnostic::new(
        Code::ConflictingOverlap,
        &last.source.file,
        last.source.span,
        message,
    )
    .label("overlaps an earlier rule of the same severity");
    for other in others.iter().rev().take(SHOWN).rev() {
        d = d.with_secondary(&other.source.file, other.source.span, "the other rule");
    }
    d = d.note("where both match, the decision lists every authorization, takes the higher tier and the stricter review");
    match others {
        [one] => d.help(format!(
            "if one should win, say so: `rule {} overrides {}`",
            last.name, one.name
        )),
        _ => d.help("where one should win, say so with `overrides`"),
    }
}

/// Disjoint sets of indices, for grouping.
struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind((0..n).collect())
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        self.0[ra.max(rb)] = ra.min(rb);
    }

    /// Every set, each ascending, ordered by its smallest member.
    fn sets(mut self) -> Vec<Vec<usize>> {
        let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for i in 0..self.0.len() {
            let root = self.find(i);
            by_root.entry(root).or_default().push(i);
        }
        by_root.into_values().collect()
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
    let index = OverlapIndex::new(
        regions.iter().map(|r| &r.matches[..]).collect(),
        Some(&coverage),
    );
    let position: std::collections::HashMap<usize, usize> = regions
        .iter()
        .enumerate()
        .map(|(i, r)| (r.rule, i))
        .collect();
    let in_force = InForce::new(rules);
    let mut seen = Vec::new();
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
        if !in_force.any(end) {
            continue;
        }
        let mut taken_over = false;
        index.candidates(position[&region.rule], &mut seen, |other| {
            let other_rule = &rules[regions[other].rule];
            taken_over = other_rule.active(end) && index.overlap(position[&region.rule], other);
            !taken_over
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

/// Whether some rule is in force on a day, in logarithmic time: the rules
/// sorted by effective date, with the latest sunset of each prefix.
struct InForce {
    effective: Vec<Option<Date>>,
    /// The latest sunset among the rules up to here (`None`: one never ends).
    latest_sunset: Vec<Option<Date>>,
}

impl InForce {
    fn new(rules: &[Rule]) -> Self {
        let mut by_start: Vec<(Option<Date>, Option<Date>)> =
            rules.iter().map(|r| (r.effective, r.sunset)).collect();
        by_start.sort();
        let mut latest: Option<Option<Date>> = None;
        let latest_sunset = by_start
            .iter()
            .map(|&(_, sunset)| {
                let next = match (latest, sunset) {
                    (Some(None), _) | (_, None) => None,
                    (Some(Some(a)), Some(b)) => Some(a.max(b)),
                    (None, Some(b)) => Some(b),
                };
                latest = Some(next);
                next
            })
            .collect();
        InForce {
            effective: by_start.into_iter().map(|(e, _)| e).collect(),
            latest_sunset,
        }
    }

    /// Whether a rule is in force on `day`: one that started by then and
    /// ends after it.
    fn any(&self, day: Date) -> bool {
        let started = self
            .effective
            .partition_point(|e| e.is_none_or(|e| e <= day));
        started > 0 && self.latest_sunset[started - 1].is_none_or(|s| day < s)
    }
}
