//! Runs a policy's `test` blocks against its compiled table.
//!
//! Each test becomes a transaction (its `given` fields and `at` date),
//! decided by the reference evaluator on the table's bytes — the same path
//! an engine takes — and every `expect` line is compared with the decision
//! of its jurisdiction: the outcome (with the exact set of authorizations
//! for `allow under`), and the tier, review and reasons when given.

use std::collections::BTreeSet;

use crate::eval::{Basis, Decision, DecisionSet, Evaluator};
use crate::hir::{Expectation, Outcome, Test};
use crate::table::Compiled;

/// The result of one test.
#[derive(Debug, Clone)]
pub struct TestResult<'a> {
    /// The test.
    pub test: &'a Test,
    /// Expectations that did not hold.
    pub failures: Vec<Failure<'a>>,
    /// Set when the test's transaction could not be decided.
    pub error: Option<String>,
    /// The decisions, with their explanation.
    pub decisions: Option<DecisionSet>,
}

impl TestResult<'_> {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.error.is_none()
    }
}

/// An expectation that did not hold.
#[derive(Debug, Clone)]
pub struct Failure<'a> {
    /// The `expect` line.
    pub expectation: &'a Expectation,
    /// What it asks for, in the language's words.
    pub expected: String,
    /// What the table decided, in the same words.
    pub actual: String,
}

/// Runs every test of the compiled program.
pub fn run(compiled: &Compiled) -> Result<Vec<TestResult<'_>>, String> {
    let evaluator = Evaluator::new(compiled.lowered.table.clone(), compiled.digest.clone())
        .map_err(|e| e.message)?;
    Ok(compiled
        .program
        .tests
        .iter()
        .map(|t| run_one(&evaluator, t))
        .collect())
}

fn run_one<'a>(evaluator: &Evaluator, test: &'a Test) -> TestResult<'a> {
    let mut object = serde_json::Map::new();
    object.insert("date".into(), test.at.to_string().into());
    for (name, value) in &test.given {
        object.insert(name.clone(), value.to_json());
    }
    let tx = match evaluator.transaction(&serde_json::Value::Object(object)) {
        Ok(tx) => tx,
        Err(errors) => {
            let messages: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}", e.code, e.message))
                .collect();
            return TestResult {
                test,
                failures: Vec::new(),
                error: Some(messages.join("; ")),
                decisions: None,
            };
        }
    };
    let set = evaluator.explain(&tx);
    let mut failures = Vec::new();
    for e in &test.expects {
        let Some(decision) = set
            .decisions
            .iter()
            .find(|d| *d.jurisdiction == *e.jurisdiction)
        else {
            failures.push(Failure {
                expectation: e,
                expected: describe_expectation(e),
                actual: format!(
                    "no decision: the table has no jurisdiction `{}`",
                    e.jurisdiction
                ),
            });
            continue;
        };
        if !meets(decision, e) {
            failures.push(Failure {
                expectation: e,
                expected: describe_expectation(e),
                actual: describe_decision(decision, e),
            });
        }
    }
    TestResult {
        test,
        failures,
        error: None,
        decisions: Some(set),
    }
}

fn sorted(items: &[String]) -> Vec<String> {
    let set: BTreeSet<&String> = items.iter().collect();
    set.into_iter().cloned().collect()
}

fn meets(d: &Decision, e: &Expectation) -> bool {
    let outcome_ok = d.outcome == e.outcome.kind()
        && match &e.outcome {
            Outcome::AllowUnder(auths) => sorted(auths) == d.authorizations,
            _ => true,
        };
    outcome_ok
        && e.tier
            .as_ref()
            .is_none_or(|t| d.tier.as_deref() == Some(t.as_str()))
        && e.review.is_none_or(|r| d.review == Some(r))
        && e.reasons.as_ref().is_none_or(|r| sorted(r) == d.reasons)
}

pub(crate) fn outcome_words(kind: crate::hir::OutcomeKind, auths: &[String]) -> String {
    match kind {
        crate::hir::OutcomeKind::Allow => "allow".into(),
        crate::hir::OutcomeKind::AllowUnder => format!("allow under {}", auths.join(", ")),
        crate::hir::OutcomeKind::RequireLicense => "require license".into(),
        crate::hir::OutcomeKind::Deny => "deny".into(),
    }
}

/// An expectation in the language's words.
pub fn describe_expectation(e: &Expectation) -> String {
    let auths = match &e.outcome {
        Outcome::AllowUnder(a) => sorted(a),
        _ => Vec::new(),
    };
    let mut s = format!(
        "{}: {}",
        e.jurisdiction,
        outcome_words(e.outcome.kind(), &auths)
    );
    if let Some(t) = &e.tier {
        s.push_str(&format!(" tier {t}"));
    }
    if let Some(r) = e.review {
        s.push_str(&format!(" review {}", r.as_str()));
    }
    if let Some(r) = &e.reasons {
        s.push_str(&format!(" reasons {}", sorted(r).join(", ")));
    }
    s
}

/// A decision in the words of an expectation (showing what it asks about).
pub fn describe_decision(d: &Decision, e: &Expectation) -> String {
    let mut s = format!(
        "{}: {}",
        d.jurisdiction,
        outcome_words(d.outcome, &d.authorizations)
    );
    if e.tier.is_some() {
        s.push_str(&format!(" tier {}", d.tier.as_deref().unwrap_or("(none)")));
    }
    if e.review.is_some() {
        s.push_str(&format!(
            " review {}",
            d.review.map_or("(none)", crate::hir::Review::as_str)
        ));
    }
    if e.reasons.is_some() {
        s.push_str(&format!(" reasons {}", d.reasons.join(", ")));
    }
    match d.basis {
        Basis::NoRule => s.push_str(" (no rule applies)"),
        Basis::Rule => s.push_str(&format!(" (by {})", d.rules.join(", "))),
    }
    s
}
