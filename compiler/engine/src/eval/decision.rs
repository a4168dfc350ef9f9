//! A decision and how matched rules merge into one (section 3, steps 5–7).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::table::{OutcomeKind, Review};

/// Whether a decision comes from rules or from no rule applying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// At least one rule matched.
    Rule,
    /// No rule matched: the outcome is `allow`.
    NoRule,
}

/// One jurisdiction's decision on a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The jurisdiction.
    pub jurisdiction: Arc<str>,
    /// The outcome.
    pub outcome: OutcomeKind,
    /// Rule or no rule.
    pub basis: Basis,
    /// The decision's tier: the highest of the winning rules' tiers (a
    /// rule's own, else the assessed tier); with no rule, the assessed tier.
    pub tier: Option<Arc<str>>,
    /// Reasons for control (sorted, distinct).
    pub reasons: Vec<String>,
    /// The most restrictive review policy of the winning rules.
    pub review: Option<Review>,
    /// For `allow_under`: every authorization available (sorted, distinct).
    pub authorizations: Vec<String>,
    /// Obligations (sorted, distinct).
    pub obligations: Vec<String>,
    /// Citations (sorted, distinct).
    pub citations: Vec<String>,
    /// The winning rules (sorted, distinct).
    pub rules: Vec<String>,
}

impl Decision {
    /// The decision when no rule matches: `allow`, basis `no_rule`, with
    /// the assessed tier.
    pub fn no_rule(jurisdiction: Arc<str>, tier: Option<Arc<str>>) -> Decision {
        Decision {
            jurisdiction,
            outcome: OutcomeKind::Allow,
            basis: Basis::NoRule,
            tier,
            reasons: Vec::new(),
            review: None,
            authorizations: Vec::new(),
            obligations: Vec::new(),
            citations: Vec::new(),
            rules: Vec::new(),
        }
    }
}

/// What one matched rule (or table row) contributes to a decision.
#[derive(Debug, Clone, Copy)]
pub struct Contribution<'a> {
    /// The rule's name.
    pub rule: &'a str,
    /// Its outcome.
    pub outcome: OutcomeKind,
    /// Its authorizations.
    pub authorizations: &'a [String],
    /// Its tier rank: its own, else the assessed one.
    pub tier: Option<usize>,
    /// Its reasons.
    pub reasons: &'a [String],
    /// Its review policy.
    pub review: Option<Review>,
    /// Its obligations.
    pub obligations: &'a [String],
    /// Its citations.
    pub citations: &'a [String],
}

/// Keeps the most severe contributions and merges those of equal severity.
#[derive(Debug, Default)]
pub struct Merge<'a> {
    best: Vec<Contribution<'a>>,
}

impl<'a> Merge<'a> {
    /// Adds a matched rule.
    pub fn add(&mut self, c: Contribution<'a>) {
        match self.best.first() {
            Some(b) if b.outcome > c.outcome => {}
            Some(b) if b.outcome < c.outcome => {
                self.best.clear();
                self.best.push(c);
            }
            _ => self.best.push(c),
        }
    }

    /// The decision; `assessed` is the transaction's tier rank, if any.
    pub fn finish(
        self,
        jurisdiction: &Arc<str>,
        tiers: &[Arc<str>],
        assessed: Option<usize>,
    ) -> Decision {
        let name = |rank: Option<usize>| rank.and_then(|r| tiers.get(r).cloned());
        let Some(first) = self.best.first() else {
            return Decision::no_rule(Arc::clone(jurisdiction), name(assessed));
        };
        let outcome = first.outcome;
        let union = |f: &dyn Fn(&Contribution<'a>) -> &'a [String]| -> Vec<String> {
            let mut all: Vec<&String> = self.best.iter().flat_map(|c| f(c).iter()).collect();
            all.sort_unstable();
            all.dedup();
            all.into_iter().cloned().collect()
        };
        Decision {
            jurisdiction: Arc::clone(jurisdiction),
            outcome,
            basis: Basis::Rule,
            tier: name(self.best.iter().filter_map(|c| c.tier).max()),
            reasons: union(&|c| c.reasons),
            review: self.best.iter().filter_map(|c| c.review).max(),
            authorizations: union(&|c| c.authorizations),
            obligations: union(&|c| c.obligations),
            citations: union(&|c| c.citations),
            rules: {
                let mut all: Vec<&str> = self.best.iter().map(|c| c.rule).collect();
                all.sort_unstable();
                all.dedup();
                all.into_iter().map(str::to_string).collect()
            },
        }
    }
}
