//! Proving what a policy guarantees: `assert` blocks, checked exactly.
//!
//! Stage: after `table`. [`check`] decides each assertion of a resolved
//! program over its compiled table: the assertion's scope (`when` and its
//! dates) is lowered to conjunctions of cells as a rule's condition is
//! ([`crate::table::lower::scope`]), and the exploration under `edict diff`
//! ([`crate::diff::explore`]) cuts that scope into boxes on which the
//! jurisdiction's decision is constant, deciding each box once. A box whose
//! decision an `expect` line refuses is a counter-example; boxes refused
//! alike are merged back into regions written in words, each with a
//! witness transaction. Nothing is sampled: an assertion that holds, holds
//! for every transaction on every date of its scope.
//!
//! [`diagnostics`] turns failures into `E0901` (with the region, the
//! witness, its decision and the rules behind it) and an exploration past
//! [`MAX_BOXES`] into `E0902`.

use std::collections::BTreeMap;

use crate::diagnostics::{Code, Diagnostic};
use crate::diff::explore::{Explorer, Versioned, tier_rows};
use crate::diff::impact::{described, grouped};
use crate::diff::space::Space;
use crate::eval::{Basis, Decision};
use crate::hir::{Assertion, Assurance, Outcome, OutcomeKind, OutcomeTest, Program};
use crate::table::{Cell, Table};
use crate::testing::outcome_words;

/// The most boxes one assertion may explore per jurisdiction.
pub const MAX_BOXES: usize = 1_000_000;

/// How many failing regions a diagnostic lists.
const SHOWN_REGIONS: usize = 3;

/// What checking one assertion found.
#[derive(Debug, Clone)]
pub struct Verdict<'p> {
    /// The assertion.
    pub assertion: &'p Assertion,
    /// Where it fails; empty when it holds (or could not be checked).
    pub failures: Vec<Counterexample>,
    /// Set when it could not be checked: why.
    pub unchecked: Option<String>,
}

impl Verdict<'_> {
    /// Whether the assertion holds for every transaction of its scope.
    pub fn holds(&self) -> bool {
        self.failures.is_empty() && self.unchecked.is_none()
    }
}

/// A region of transactions on which a jurisdiction's decision breaks an
/// assertion.
#[derive(Debug, Clone, PartialEq)]
pub struct Counterexample {
    /// The jurisdiction.
    pub jurisdiction: String,
    /// The region as cells, by column.
    pub cells: BTreeMap<String, Cell>,
    /// The region in words.
    pub description: String,
    /// One transaction inside it.
    pub witness: BTreeMap<String, serde_json::Value>,
    /// The decision every transaction of the region gets.
    pub decision: Decision,
    /// Indices into the assertion's `expects` of the lines it breaks.
    pub broken: Vec<usize>,
}

/// Checks every assertion of `program` over its compiled `table`.
pub fn check<'p>(program: &'p Program, table: &Table) -> Vec<Verdict<'p>> {
    check_within(program, table, MAX_BOXES)
}

/// [`check`], exploring at most `budget` boxes per assertion and
/// jurisdiction.
pub fn check_within<'p>(program: &'p Program, table: &Table, budget: usize) -> Vec<Verdict<'p>> {
    program
        .assertions
        .iter()
        .map(|a| verdict(program, table, a, budget))
        .collect()
}

fn verdict<'p>(program: &Program, table: &Table, a: &'p Assertion, budget: usize) -> Verdict<'p> {
    let mut out = Verdict {
        assertion: a,
        failures: Vec::new(),
        unchecked: None,
    };
    let rows = match crate::table::lower::scope(program, a) {
        Ok(rows) => rows,
        Err(limit) => {
            out.unchecked = Some(format!(
                "its scope expands to more than {limit} conjunctions"
            ));
            return out;
        }
    };
    // INVARIANT: a table and itself always share a space.
    let Ok((space, _)) = Space::with_cells(table, table, &rows) else {
        return out;
    };
    let scope: Vec<_> = rows.iter().map(|r| space.conj(r)).collect();
    let tiers = tier_rows(&space, table);
    let mut jurisdictions: Vec<&str> = a.expects.iter().map(|e| e.jurisdiction.as_str()).collect();
    jurisdictions.sort_unstable();
    jurisdictions.dedup();
    for j in jurisdictions {
        let expects: Vec<(usize, &Assurance)> = a
            .expects
            .iter()
            .enumerate()
            .filter(|(_, e)| e.jurisdiction == j)
            .collect();
        let mut side = Versioned::new(&space, table, j, tiers.clone());
        side.all_common();
        side.build_index(&space);
        let sides = [side];
        let explorer = Explorer {
            space: &space,
            sides: &sides,
            tiers_equal: true,
            scope: Some(&scope),
            budget: Some(budget),
        };
        let refused = &mut |d: &[Decision]| expects.iter().any(|(_, e)| !accepts(e, &d[0], table));
        let Ok(leaves) = explorer.run(refused) else {
            out.unchecked = Some(format!(
                "checking `{j}` explores more than {budget} regions"
            ));
            out.failures.clear();
            return out;
        };
        let decided = leaves.into_iter().filter_map(|mut leaf| {
            let decision = leaf.decisions.pop()?;
            Some((leaf.region, decision))
        });
        for (decision, boxes) in grouped(decided) {
            let broken: Vec<usize> = expects
                .iter()
                .filter(|(_, e)| !accepts(e, &decision, table))
                .map(|(i, _)| *i)
                .collect();
            for (cells, description, witness) in described(&space, boxes) {
                out.failures.push(Counterexample {
                    jurisdiction: j.to_string(),
                    cells,
                    description,
                    witness,
                    decision: decision.clone(),
                    broken: broken.clone(),
                });
            }
        }
    }
    out.failures
        .sort_by(|x, y| (&x.jurisdiction, &x.description).cmp(&(&y.jurisdiction, &y.description)));
    out
}

/// Whether a decision meets an assertion's `expect` line.
pub fn accepts(e: &Assurance, d: &Decision, table: &Table) -> bool {
    let is = |o: &Outcome| match o {
        // `allow` names the family: with or without an authorization.
        Outcome::Allow => matches!(d.outcome, OutcomeKind::Allow | OutcomeKind::AllowUnder),
        Outcome::AllowUnder(auths) => {
            d.outcome == OutcomeKind::AllowUnder
                && auths.iter().all(|a| d.authorizations.contains(a))
        }
        other => d.outcome == other.kind(),
    };
    let outcome = match &e.outcome {
        OutcomeTest::AnyOf(os) => os.iter().any(is),
        OutcomeTest::Not(o) => !is(o),
        OutcomeTest::AtLeast(kind) => d.outcome.severity() >= kind.severity(),
    };
    let rank = |t: &str| table.tiers.iter().position(|x| x == t);
    outcome
        && e.review_at_least
            .is_none_or(|r| d.review.is_some_and(|got| got >= r))
        && e.tier_at_least
            .is_none_or(|t| d.tier.as_deref().and_then(rank).is_some_and(|got| got >= t))
        && (!e.no_authorizations || d.authorizations.is_empty())
}

/// The diagnostics of every assertion that fails or cannot be checked.
pub fn diagnostics(program: &Program, table: &Table) -> Vec<Diagnostic> {
    check(program, table)
        .iter()
        .filter(|v| !v.holds())
        .map(diagnostic)
        .collect()
}

/// The diagnostic of an assertion that fails (`E0901`) or could not be
/// checked (`E0902`).
pub fn diagnostic(v: &Verdict<'_>) -> Diagnostic {
    let a = v.assertion;
    if let Some(why) = &v.unchecked {
        return Diagnostic::new(
            Code::AssertionTooLarge,
            &a.source.file,
            a.source.span,
            format!("assertion \"{}\" could not be checked: {why}", a.name),
        )
        .label("not checked")
        .help("narrow its scope with `when` or `from`/`until`, or split it");
    }
    let n = v.failures.len();
    let regions = if n == 1 {
        "a region of transactions breaks it".to_string()
    } else {
        format!("{n} regions of transactions break it")
    };
    let mut d = Diagnostic::new(
        Code::AssertionFails,
        &a.source.file,
        a.source.span,
        format!("assertion \"{}\" does not hold: {regions}", a.name),
    )
    .label("does not hold");
    let mut broken: Vec<usize> = v.failures.iter().flat_map(|f| f.broken.clone()).collect();
    broken.sort_unstable();
    broken.dedup();
    for i in broken {
        if let Some(e) = a.expects.get(i) {
            d = d.with_secondary(&e.source.file, e.source.span, "refused here");
        }
    }
    for f in v.failures.iter().take(SHOWN_REGIONS) {
        let witness = serde_json::to_string(&f.witness).unwrap_or_default();
        d = d.note(format!(
            "where {}: {} decides {}; for example {witness}",
            f.description,
            f.jurisdiction,
            decision_words(&f.decision)
        ));
    }
    if n > SHOWN_REGIONS {
        let more = n - SHOWN_REGIONS;
        d = d.note(format!(
            "and {more} more region{}",
            if more == 1 { "" } else { "s" }
        ));
    }
    d
}

/// A decision in the language's words, with what gives it.
pub fn decision_words(d: &Decision) -> String {
    let mut s = outcome_words(d.outcome, &d.authorizations);
    if let Some(t) = &d.tier {
        s.push_str(&format!(" tier {t}"));
    }
    if let Some(r) = d.review {
        s.push_str(&format!(" review {}", r.as_str()));
    }
    match d.basis {
        Basis::NoRule => s.push_str(" (no rule applies)"),
        Basis::Rule => s.push_str(&format!(" (by {})", d.rules.join(", "))),
    }
    s
}
