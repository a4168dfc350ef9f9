//! Decides a transaction straight from the [`Program`], by section 3 of the
//! language reference, with no table.
//!
//! This is the oracle of the differential test: it shares nothing with the
//! table lowering but the resolved program and the merge of equal-severity
//! matches ([`crate::eval::Merge`]). It evaluates set expressions by
//! following groups recursively, so it is meant for real policies, not for
//! adversarial ones with thousands of nested groups.

use std::cmp::Ordering;
use std::sync::Arc;

use super::{Cond, Operand, Program, SetExpr, Value};
use crate::date::Date;
use crate::eval::{Contribution, Decision, Merge};
use crate::syntax::ast::{CmpOp, SetOp};

/// A transaction: one value per column of the program, in column order.
pub type Transaction = [Value];

/// The decision of every jurisdiction, in name order.
pub fn decide(program: &Program, tx: &Transaction) -> Vec<Decision> {
    let Some(cx) = Cx::new(program, tx) else {
        return Vec::new();
    };
    let tier = cx.tier;
    let tiers: Vec<Arc<str>> = program
        .tiers
        .iter()
        .map(|t| Arc::from(t.as_str()))
        .collect();
    program
        .jurisdictions
        .iter()
        .map(|j| {
            let matching: Vec<bool> = j
                .rules
                .iter()
                .map(|r| {
                    r.active(cx.date)
                        && cx.holds(&r.when)
                        && !r.unless.as_ref().is_some_and(|u| cx.holds(u))
                })
                .collect();
            let mut merge = Merge::default();
            for (i, rule) in j.rules.iter().enumerate() {
                if !matching[i] || rule.overridden_by.iter().any(|&o| matching[o]) {
                    continue;
                }
                let authorizations = match &rule.outcome {
                    super::Outcome::AllowUnder(a) => a.as_slice(),
                    _ => &[],
                };
                merge.add(Contribution {
                    rule: &rule.name,
                    outcome: rule.outcome.kind(),
                    authorizations,
                    tier: rule.tier.or(tier),
                    reasons: &rule.reasons,
                    review: rule.review,
                    obligations: &rule.obligations,
                    citations: &rule.citations,
                });
            }
            merge.finish(&Arc::from(j.name.as_str()), &tiers, tier)
        })
        .collect()
}

/// Whether `cond` holds of a transaction, the tier as assessed (the
/// oracle of an assertion's scope).
pub fn holds(program: &Program, tx: &Transaction, cond: &Cond) -> bool {
    Cx::new(program, tx).is_some_and(|cx| cx.holds(cond))
}

struct Cx<'a> {
    program: &'a Program,
    tx: &'a Transaction,
    date: Date,
    tier: Option<usize>,
}

impl<'a> Cx<'a> {
    /// The transaction's date and assessed tier; `None` without a date.
    fn new(program: &'a Program, tx: &'a Transaction) -> Option<Self> {
        let Some(Value::Date(date)) = program.column("date").and_then(|i| tx.get(i)) else {
            return None;
        };
        let cx = Cx {
            program,
            tx,
            date: *date,
            tier: None,
        };
        let tier = program
            .assess
            .iter()
            .find(|line| cx.holds(&line.when))
            .map(|line| line.tier);
        Some(Cx { tier, ..cx })
    }
}

impl Cx<'_> {
    fn holds(&self, c: &Cond) -> bool {
        match c {
            Cond::Const(b) => *b,
            Cond::Not(inner) => !self.holds(inner),
            Cond::And(items) => items.iter().all(|i| self.holds(i)),
            Cond::Or(items) => items.iter().any(|i| self.holds(i)),
            Cond::In { lhs, set, negated } => match self.operand(lhs) {
                Some(v) => self.member(&v, set) != *negated,
                // No assessed tier: a test of the tier is false.
                None => false,
            },
            Cond::Cmp { lhs, op, rhs } => match (self.operand(lhs), self.operand(rhs)) {
                (Some(a), Some(b)) => compare(&a, *op, &b),
                _ => false,
            },
        }
    }

    fn operand(&self, o: &Operand) -> Option<Value> {
        match o {
            Operand::Field(i) => self.tx.get(*i).cloned(),
            Operand::Tier => self.tier.map(Value::Tier),
            Operand::Const(v) => Some(v.clone()),
        }
    }

    fn member(&self, v: &Value, set: &SetExpr) -> bool {
        match set {
            SetExpr::Lit(items) => items.iter().any(|item| match (v, item) {
                (Value::Eccn(x), Value::Eccn(p)) => under(x, p),
                _ => compare(v, CmpOp::Eq, item),
            }),
            SetExpr::Group(id) => self
                .program
                .groups
                .get(*id)
                .is_some_and(|g| self.member(v, &g.value)),
            SetExpr::Chain { first, rest } => {
                let mut acc = self.member(v, first);
                for (op, e) in rest {
                    let m = self.member(v, e);
                    acc = match op {
                        SetOp::Union => acc || m,
                        SetOp::Intersect => acc && m,
                        SetOp::Minus => acc && !m,
                    };
                }
                acc
            }
            SetExpr::Dated { term, from, to } => {
                from.is_none_or(|f| f <= self.date)
                    && to.is_none_or(|t| self.date < t)
                    && self.member(v, term)
            }
        }
    }
}

pub use edict_engine::eccn::under;

/// `a op b` on constants; `false` when they do not compare.
pub fn compare(a: &Value, op: CmpOp, b: &Value) -> bool {
    let ord = match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Tier(x), Value::Tier(y)) => Some(x.cmp(y)),
        (Value::Text(x), Value::Text(y)) | (Value::Eccn(x), Value::Eccn(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    };
    let Some(ord) = ord else { return false };
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}
