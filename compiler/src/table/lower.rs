//! Compiles a [`Program`] into a [`Table`].
//!
//! For each rule the lowering builds the condition under which it survives
//! to the merge step: in force (its dates, narrowed by its block), `when`
//! holds, `unless` does not, and no rule overriding it (directly or through
//! a chain) matches. That condition is brought to disjunctive normal form
//! over per-column sets ([`super::sets`]): a conjunction is one [`ColSet`]
//! per column, intersected as it is built, and dropped the moment a column
//! becomes empty — so unsatisfiable rows never appear. Dated group
//! membership becomes a disjunction over the stretches of days where the
//! group is constant. Conjunctions are then simplified (subsumed ones
//! dropped, ones differing in a single column merged) and written as rows
//! of plain cells. The same is done for each `assess` line, kept in order.

use std::collections::BTreeMap;

pub use super::domains::Domains;
use super::sets::{ColSet, Cut, Dated, IntervalSet};
use super::{
    Cell, ColumnSpec, ColumnType, FORMAT, ModuleDigest, Row, Sources, TIER_COLUMN, Table, TierRow,
    VERSION, sha256,
};
use crate::date::Date;
use crate::diagnostics::{Code, Diagnostic};
use crate::hir::{Assertion, Cond, Elem, Operand, Outcome, Program, Rule, SetExpr, Value};
use crate::syntax::ast::{CmpOp, SetOp};

/// The most rows one rule or `assess` line may expand to.
pub const MAX_ROWS_PER_RULE: usize = 20_000;

/// A column key in a conjunction: a column index, or [`TIER_KEY`].
pub type Key = usize;
/// The key of the assessed tier.
pub const TIER_KEY: Key = usize::MAX;
/// A conjunction: the values each constrained column may take.
pub type Conj = BTreeMap<Key, ColSet>;

/// The region where one rule decides, for the table-level analysis.
#[derive(Debug, Clone)]
pub struct RuleRegion {
    /// Index into the program's jurisdictions.
    pub jurisdiction: usize,
    /// Index into that jurisdiction's rules.
    pub rule: usize,
    /// Where the rule matches (before overrides are applied).
    pub matches: Vec<Conj>,
    /// Where it survives overrides: its rows.
    pub survives: Vec<Conj>,
}

/// A compiled table with the regions the analysis reads.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// The table.
    pub table: Table,
    /// One region per rule, in row order.
    pub regions: Vec<RuleRegion>,
}

/// Compiles a program; errors name the rule that expands too far.
pub fn table(program: &Program) -> Result<Lowered, Vec<Diagnostic>> {
    let domains = Domains::new(program);
    let mut lw = Lowerer {
        program,
        domains: &domains,
        groups: BTreeMap::new(),
    };
    lw.evaluate_groups();
    let mut errors = Vec::new();
    let mut tier_table = Vec::new();
    for line in &program.assess {
        let cond = lw.prepare(&line.when);
        match lw.dnf(&cond, true) {
            Ok(conjs) => {
                for cells in lw.rows_of(simplify(conjs)) {
                    tier_table.push(TierRow {
                        cells,
                        tier: program.tiers.get(line.tier).cloned().unwrap_or_default(),
                        source: line.source.clone(),
                    });
                }
            }
            Err(TooMany) => errors.push(too_many(&line.source, "this `assess` line")),
        }
    }
    let mut rows = Vec::new();
    let mut regions = Vec::new();
    // INVARIANT: the program always has the implicit `date` column.
    let date = program.column("date").unwrap_or_default();
    for (ji, j) in program.jurisdictions.iter().enumerate() {
        for (ri, rule) in j.rules.iter().enumerate() {
            let matches = lw.dnf(&lw.prepare(&matching(rule, date)), true);
            let survives = lw.dnf(&lw.prepare(&surviving(rule, &j.rules, date)), true);
            let (Ok(matches), Ok(survives)) = (matches, survives) else {
                errors.push(too_many(&rule.source, &format!("rule `{}`", rule.name)));
                continue;
            };
            let survives = simplify(survives);
            for cells in lw.rows_of(survives.clone()) {
                rows.push(row(rows.len(), &j.name, rule, cells, &program.tiers));
            }
            regions.push(RuleRegion {
                jurisdiction: ji,
                rule: ri,
                matches,
                survives,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let table = Table {
        format: FORMAT.into(),
        version: VERSION,
        policy: policy_name(program),
        compiler: format!("edict {}", env!("CARGO_PKG_VERSION")),
        sources: sources(program),
        tiers: program.tiers.clone(),
        columns: columns(program),
        jurisdictions: program
            .jurisdictions
            .iter()
            .map(|j| j.name.clone())
            .collect(),
        authorizations: program.authorizations.clone(),
        tier_table,
        decision_table: rows,
    };
    Ok(Lowered { table, regions })
}

/// Where an assertion applies, as rows of cells (a disjunction): its
/// `when` on the days from `from` until `until`, lowered as a rule's
/// condition is — with classes of its own, so that constants only the
/// assertion names are told apart. `Err` past [`MAX_ROWS_PER_RULE`] rows.
pub fn scope(program: &Program, a: &Assertion) -> Result<Vec<BTreeMap<String, Cell>>, usize> {
    let domains = Domains::with(program, &[&a.when]);
    let mut lw = Lowerer {
        program,
        domains: &domains,
        groups: BTreeMap::new(),
    };
    lw.evaluate_groups();
    // INVARIANT: the program always has the implicit `date` column.
    let date = program.column("date").unwrap_or_default();
    let on = |op: CmpOp, d: Date| Cond::Cmp {
        lhs: Operand::Field(date),
        op,
        rhs: Operand::Const(Value::Date(d)),
    };
    let mut parts: Vec<Cond> = Vec::new();
    parts.extend(a.from.map(|d| on(CmpOp::Ge, d)));
    parts.extend(a.until.map(|d| on(CmpOp::Lt, d)));
    parts.push(a.when.clone());
    let conjs = lw
        .dnf(&lw.prepare(&Cond::And(parts)), true)
        .map_err(|TooMany| MAX_ROWS_PER_RULE)?;
    Ok(lw.rows_of(simplify(conjs)))
}

struct TooMany;

fn too_many(source: &crate::hir::Source, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::TableTooLarge,
        &source.file,
        source.span,
        format!("{what} expands to more than {MAX_ROWS_PER_RULE} table rows"),
    )
    .label("too many combinations")
    .note("each `or`, each `not` of an `and`, and each overriding rule multiplies the rows")
    .help("name the repeated parts as groups, or split the rule")
}

fn row(
    id: usize,
    jurisdiction: &str,
    rule: &Rule,
    cells: BTreeMap<String, Cell>,
    tiers: &[String],
) -> Row {
    let authorizations = match &rule.outcome {
        Outcome::AllowUnder(a) => a.clone(),
        _ => Vec::new(),
    };
    Row {
        id,
        jurisdiction: jurisdiction.to_string(),
        rule: rule.name.clone(),
        cells,
        outcome: rule.outcome.kind(),
        severity: rule.outcome.severity(),
        authorizations,
        tier: rule.tier.and_then(|t| tiers.get(t).cloned()),
        reasons: rule.reasons.clone(),
        review: rule.review,
        obligations: rule.obligations.clone(),
        citations: rule.citations.clone(),
        rationale: rule.rationale.clone(),
        description: rule.description.clone(),
        source: rule.source.clone(),
    }
}

/// The rule's own match: in force, `when`, not `unless`. `date` is the
/// index of the `date` column.
fn matching(rule: &Rule, date: usize) -> Cond {
    let on = |op: CmpOp, d: Date| Cond::Cmp {
        lhs: Operand::Field(date),
        op,
        rhs: Operand::Const(Value::Date(d)),
    };
    let mut parts = Vec::new();
    if let Some(from) = rule.effective {
        parts.push(on(CmpOp::Ge, from));
    }
    if let Some(to) = rule.sunset {
        parts.push(on(CmpOp::Lt, to));
    }
    parts.push(rule.when.clone());
    if let Some(unless) = &rule.unless {
        parts.push(Cond::Not(Box::new(unless.clone())));
    }
    Cond::And(parts)
}

/// The rule matches and no rule overriding it does.
fn surviving(rule: &Rule, rules: &[Rule], date: usize) -> Cond {
    let mut parts = vec![matching(rule, date)];
    for &o in &rule.overridden_by {
        if let Some(other) = rules.get(o) {
            parts.push(Cond::Not(Box::new(matching(other, date))));
        }
    }
    Cond::And(parts)
}

fn policy_name(program: &Program) -> String {
    let names: Vec<&str> = program.modules.iter().map(|m| m.name.as_str()).collect();
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut common: Vec<&str> = first.split('.').collect();
    for name in &names[1..] {
        let segs: Vec<&str> = name.split('.').collect();
        let n = common.iter().zip(&segs).take_while(|(a, b)| a == b).count();
        common.truncate(n);
    }
    common.join(".")
}

fn sources(program: &Program) -> Sources {
    let modules: Vec<ModuleDigest> = program
        .modules
        .iter()
        .map(|m| ModuleDigest {
            module: m.name.clone(),
            path: m.path.clone(),
            sha256: sha256(m.text.as_bytes()),
        })
        .collect();
    let mut listing = String::new();
    for m in &modules {
        listing.push_str(&format!("{} {}\n", m.sha256, m.module));
    }
    Sources {
        digest: sha256(listing.as_bytes()),
        modules,
    }
}

fn columns(program: &Program) -> Vec<ColumnSpec> {
    program
        .columns
        .iter()
        .map(|c| {
            let (ty, enum_name) = match &c.elem {
                Elem::Date => (ColumnType::Date, None),
                Elem::Number | Elem::Tier => (ColumnType::Number, None),
                Elem::Bool => (ColumnType::Bool, None),
                Elem::Str => (ColumnType::String, None),
                Elem::Eccn => (ColumnType::Eccn, None),
                Elem::Country => (ColumnType::Country, None),
                Elem::Enum(key) => (
                    ColumnType::Enum,
                    Some(key.rsplit('.').next().unwrap_or(key).to_string()),
                ),
            };
            let variants = program.variants(&c.elem);
            ColumnSpec {
                name: c.name.clone(),
                ty,
                enum_name,
                domain: variants.iter().map(|v| v.name.clone()).collect(),
                labels: variants
                    .iter()
                    .filter_map(|v| v.label.clone().map(|l| (v.name.clone(), l)))
                    .collect(),
            }
        })
        .collect()
}

/// Drops duplicate and subsumed conjunctions and merges pairs that differ
/// in one column, until nothing changes (bounded for large lists).
fn simplify(mut conjs: Vec<Conj>) -> Vec<Conj> {
    // Each pass is quadratic and a change restarts it: keep lists small.
    const QUADRATIC_LIMIT: usize = 256;
    if conjs.len() > QUADRATIC_LIMIT {
        return conjs;
    }
    loop {
        let mut changed = false;
        'outer: for i in 0..conjs.len() {
            for j in 0..conjs.len() {
                if i == j {
                    continue;
                }
                if subsumes(&conjs[j], &conjs[i]) {
                    conjs.remove(i);
                    changed = true;
                    break 'outer;
                }
                if let Some(merged) = merge_one(&conjs[i], &conjs[j]) {
                    let (a, b) = (i.min(j), i.max(j));
                    conjs.remove(b);
                    conjs[a] = merged;
                    changed = true;
                    break 'outer;
                }
            }
        }
        if !changed {
            return conjs;
        }
    }
}

/// Whether every transaction of `small` is in `big`.
fn subsumes(big: &Conj, small: &Conj) -> bool {
    big.iter()
        .all(|(k, b)| small.get(k).is_some_and(|s| s.subset_of(b)))
}

/// The union of two conjunctions equal in all columns but one.
fn merge_one(a: &Conj, b: &Conj) -> Option<Conj> {
    if a.len() != b.len() || !a.keys().eq(b.keys()) {
        return None;
    }
    let differing: Vec<&Key> = a.keys().filter(|k| a.get(*k) != b.get(*k)).collect();
    let [k] = differing.as_slice() else {
        return None;
    };
    let mut out = a.clone();
    let merged = a.get(*k)?.union(b.get(*k)?);
    if merged.is_full() {
        out.remove(*k);
    } else {
        out.insert(**k, merged);
    }
    Some(out)
}

struct Lowerer<'p> {
    program: &'p Program,
    domains: &'p Domains,
    /// Each group's members, stretch by stretch.
    groups: BTreeMap<usize, Dated<ColSet>>,
}

impl Lowerer<'_> {
    /// Evaluates every group once, each after the groups it uses.
    fn evaluate_groups(&mut self) {
        for &g in &self.program.group_order {
            let group = &self.program.groups[g];
            let value = self.set(&group.elem, &group.value);
            self.groups.insert(g, value);
        }
    }

    fn set(&self, elem: &Elem, e: &SetExpr) -> Dated<ColSet> {
        let empty = || self.domains.full(elem).complement();
        match e {
            SetExpr::Lit(items) => {
                let mut acc = empty();
                for v in items {
                    acc = acc.union(&self.domains.of_value(elem, v));
                }
                Dated::constant(acc)
            }
            SetExpr::Group(id) => self
                .groups
                .get(id)
                .cloned()
                .unwrap_or_else(|| Dated::constant(empty())),
            SetExpr::Chain { first, rest } => {
                let mut acc = self.set(elem, first);
                for (op, operand) in rest {
                    let rhs = self.set(elem, operand);
                    acc = acc.zip(&rhs, |a, b| match op {
                        SetOp::Union => a.union(b),
                        SetOp::Intersect => a.intersect(b),
                        SetOp::Minus => a.minus(b),
                    });
                }
                acc
            }
            SetExpr::Dated { term, from, to } => self.set(elem, term).window(
                from.map(Date::days_since_epoch),
                to.map(Date::days_since_epoch),
                empty(),
            ),
        }
    }

    /// Replaces what the table cannot test by constants: tests of the tier
    /// when no tier is assessed.
    fn prepare(&self, c: &Cond) -> Cond {
        if !self.program.assess.is_empty() {
            return c.clone();
        }
        match c {
            Cond::Not(inner) => Cond::Not(Box::new(self.prepare(inner))),
            Cond::And(items) => Cond::And(items.iter().map(|i| self.prepare(i)).collect()),
            Cond::Or(items) => Cond::Or(items.iter().map(|i| self.prepare(i)).collect()),
            Cond::In {
                lhs: Operand::Tier, ..
            } => Cond::Const(false),
            Cond::Cmp { lhs, rhs, .. } if *lhs == Operand::Tier || *rhs == Operand::Tier => {
                Cond::Const(false)
            }
            other => other.clone(),
        }
    }

    /// The conjunctions of `c` (of `not c` when `!positive`).
    fn dnf(&self, c: &Cond, positive: bool) -> Result<Vec<Conj>, TooMany> {
        match c {
            Cond::Const(b) => Ok(if *b == positive {
                vec![Conj::new()]
            } else {
                Vec::new()
            }),
            Cond::Not(inner) => self.dnf(inner, !positive),
            Cond::And(items) | Cond::Or(items) => {
                let all = matches!(c, Cond::And(_)) == positive;
                if all {
                    let mut acc = vec![Conj::new()];
                    for item in items {
                        let next = self.dnf(item, positive)?;
                        acc = product(&acc, &next)?;
                        if acc.is_empty() {
                            break;
                        }
                    }
                    Ok(acc)
                } else {
                    let mut acc = Vec::new();
                    for item in items {
                        acc.extend(self.dnf(item, positive)?);
                        if acc.len() > MAX_ROWS_PER_RULE {
                            return Err(TooMany);
                        }
                    }
                    Ok(acc)
                }
            }
            Cond::In { lhs, set, negated } => Ok(self.membership(lhs, set, positive != *negated)),
            Cond::Cmp { lhs, op, rhs } => Ok(self.comparison(lhs, *op, rhs, positive)),
        }
    }

    /// The element type of a set tested for a constant `v`.
    fn set_elem(&self, set: &SetExpr, v: &Value) -> Elem {
        let mut stack = vec![set];
        while let Some(s) = stack.pop() {
            match s {
                SetExpr::Group(id) => {
                    if let Some(g) = self.program.groups.get(*id) {
                        return g.elem.clone();
                    }
                }
                SetExpr::Chain { first, rest } => {
                    stack.push(first);
                    stack.extend(rest.iter().map(|(_, e)| e));
                }
                SetExpr::Dated { term, .. } => stack.push(term),
                SetExpr::Lit(_) => {}
            }
        }
        match v {
            Value::Eccn(_) => Elem::Eccn,
            Value::Number(_) => Elem::Number,
            Value::Tier(_) => Elem::Tier,
            Value::Date(_) => Elem::Date,
            Value::Bool(_) => Elem::Bool,
            Value::Text(t) => self
                .program
                .enums
                .iter()
                .find(|(_, vs)| vs.iter().any(|x| x.name == *t))
                .map_or(Elem::Str, |(key, _)| {
                    if key == crate::hir::COUNTRY_ENUM {
                        Elem::Country
                    } else {
                        Elem::Enum(key.clone())
                    }
                }),
        }
    }

    /// The key and element type of an operand that reads the transaction.
    fn key_of(&self, o: &Operand) -> Option<(Key, Elem)> {
        match o {
            Operand::Field(i) => Some((*i, self.program.columns.get(*i)?.elem.clone())),
            Operand::Tier => Some((TIER_KEY, Elem::Tier)),
            Operand::Const(_) => None,
        }
    }

    fn membership(&self, lhs: &Operand, set: &SetExpr, positive: bool) -> Vec<Conj> {
        let date = self.program.column("date").unwrap_or(0);
        // The tested value: a column (`Ok`), or a constant (`Err`), whose
        // membership depends only on the date.
        let (tested, elem) = match (self.key_of(lhs), lhs) {
            (Some((key, elem)), _) => (Ok(key), elem),
            (None, Operand::Const(v)) => (Err(v), self.set_elem(set, v)),
            (None, _) => return Vec::new(),
        };
        let value = self.set(&elem, set);
        let mut out = Vec::new();
        for (from, to, members) in value.stretches() {
            let members = if positive {
                members.clone()
            } else {
                members.complement()
            };
            let mut conj = Conj::new();
            match tested {
                Err(v) => {
                    if members
                        .intersect(&self.domains.of_value(&elem, v))
                        .is_empty()
                    {
                        continue;
                    }
                }
                Ok(key) => {
                    if members.is_empty() {
                        continue;
                    }
                    if !members.is_full() {
                        conj.insert(key, members);
                    }
                }
            }
            if from.is_some() || to.is_some() {
                let lo = from.map_or(Cut::Bottom, |d| Cut::Before(d as f64));
                let hi = to.map_or(Cut::Top, |d| Cut::Before(d as f64));
                let days = ColSet::Ranges(IntervalSet::between(lo, hi, true));
                let merged = match conj.get(&date) {
                    Some(existing) => existing.intersect(&days),
                    None => days,
                };
                if merged.is_empty() {
                    continue;
                }
                conj.insert(date, merged);
            }
            out.push(conj);
        }
        out
    }

    fn comparison(&self, lhs: &Operand, op: CmpOp, rhs: &Operand, positive: bool) -> Vec<Conj> {
        let (key, elem, op, constant) = match (self.key_of(lhs), self.key_of(rhs), lhs, rhs) {
            (Some((k, e)), None, _, Operand::Const(v)) => (k, e, op, v),
            (None, Some((k, e)), Operand::Const(v), _) => (k, e, flip(op), v),
            (None, None, Operand::Const(a), Operand::Const(b)) => {
                let truth = const_compare(a, op, b);
                return if truth == positive {
                    vec![Conj::new()]
                } else {
                    Vec::new()
                };
            }
            // Two columns compared: the checker rejects it before lowering.
            _ => return Vec::new(),
        };
        let set = match (&elem, constant) {
            (Elem::Number | Elem::Date | Elem::Tier, _) => {
                let discrete = elem != Elem::Number;
                let v = match constant {
                    Value::Number(n) => *n,
                    Value::Date(d) => d.days_since_epoch() as f64,
                    Value::Tier(r) => *r as f64,
                    _ => return Vec::new(),
                };
                let (lo, hi) = match op {
                    CmpOp::Lt => (Cut::Bottom, Cut::Before(v)),
                    CmpOp::Le => (Cut::Bottom, Cut::After(v)),
                    CmpOp::Gt => (Cut::After(v), Cut::Top),
                    CmpOp::Ge => (Cut::Before(v), Cut::Top),
                    CmpOp::Eq | CmpOp::Ne => (Cut::Before(v), Cut::After(v)),
                };
                let s = ColSet::Ranges(IntervalSet::between(lo, hi, discrete));
                if op == CmpOp::Ne { s.complement() } else { s }
            }
            _ => {
                let s = self.domains.of_value(&elem, constant);
                match op {
                    CmpOp::Eq => s,
                    CmpOp::Ne => s.complement(),
                    // No order on these types: the checker rejects it.
                    _ => return Vec::new(),
                }
            }
        };
        let set = if positive { set } else { set.complement() };
        if set.is_empty() {
            return Vec::new();
        }
        let mut conj = Conj::new();
        if !set.is_full() {
            conj.insert(key, set);
        }
        vec![conj]
    }

    /// The rows of simplified conjunctions: each column's set becomes one
    /// cell, or several alternatives that each make a row.
    fn rows_of(&self, conjs: Vec<Conj>) -> Vec<BTreeMap<String, Cell>> {
        let mut rows = Vec::new();
        for conj in conjs {
            let mut partial: Vec<BTreeMap<String, Cell>> = vec![BTreeMap::new()];
            for (key, set) in &conj {
                let (name, elem) = if *key == TIER_KEY {
                    (TIER_COLUMN.to_string(), Elem::Tier)
                } else {
                    let c = &self.program.columns[*key];
                    (c.name.clone(), c.elem.clone())
                };
                let cells = self.domains.cells(&elem, set);
                if cells.is_empty() {
                    continue;
                }
                let mut next = Vec::with_capacity(partial.len() * cells.len());
                for p in &partial {
                    for cell in &cells {
                        let mut row = p.clone();
                        row.insert(name.clone(), cell.clone());
                        next.push(row);
                    }
                }
                partial = next;
            }
            rows.extend(partial);
        }
        rows
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

fn const_compare(a: &Value, op: CmpOp, b: &Value) -> bool {
    crate::hir::interpret::compare(a, op, b)
}

/// Pairwise conjunction of two disjunctions.
fn product(a: &[Conj], b: &[Conj]) -> Result<Vec<Conj>, TooMany> {
    let mut out = Vec::new();
    for x in a {
        'pairs: for y in b {
            let mut c = x.clone();
            for (k, s) in y {
                let merged = match c.get(k) {
                    Some(existing) => existing.intersect(s),
                    None => s.clone(),
                };
                if merged.is_empty() {
                    continue 'pairs;
                }
                c.insert(*k, merged);
            }
            out.push(c);
            if out.len() > MAX_ROWS_PER_RULE {
                return Err(TooMany);
            }
        }
    }
    Ok(out)
}
