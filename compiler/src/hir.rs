//! The resolved program: what a checked policy means, with every name bound.
//!
//! Stage: after `check`, before `table`. [`lower::program`] turns an
//! error-free workspace into a [`Program`]: columns with their types and
//! domains, the tier scale and assessment, groups as resolved set
//! expressions (dated terms kept), and each jurisdiction's rules with their
//! dates narrowed by their block, their conditions resolved, and the
//! transitive set of rules that override them. Two consumers read it: the
//! table lowering (`crate::table`), which compiles conditions away into
//! cells, and the direct interpreter ([`interpret`]), which evaluates the
//! program by section 3 of the language reference with no table — the
//! oracle of the differential test.

pub mod interpret;
pub mod lower;

use std::collections::BTreeMap;

pub use edict_engine::table::{Authorization, OutcomeKind, Review, Source};

use crate::date::Date;
use crate::syntax::ast::{CmpOp, SetOp};

/// A checked policy, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The project modules compiled, by name.
    pub modules: Vec<ModuleSource>,
    /// The columns of a transaction, by name; `date` is one of them.
    pub columns: Vec<Column>,
    /// The variants of every enum a column or group uses, by `module.Name`
    /// (countries under [`COUNTRY_ENUM`]).
    pub enums: BTreeMap<String, Vec<Variant>>,
    /// The tier scale, lowest first (empty without a `tiers` declaration).
    pub tiers: Vec<String>,
    /// The `assess tier` lines in order (`otherwise` is `Cond::Const(true)`).
    pub assess: Vec<AssessLine>,
    /// Every group that a condition uses, directly or through other groups.
    pub groups: Vec<Group>,
    /// Group indices in an order where a group comes after those it uses.
    pub group_order: Vec<usize>,
    /// Authorizations used by `allow under`, by name.
    pub authorizations: BTreeMap<String, Authorization>,
    /// Jurisdictions by name.
    pub jurisdictions: Vec<Jurisdiction>,
    /// The `test` blocks of the project, in module then source order.
    pub tests: Vec<Test>,
    /// The `assert` blocks of the project, in module then source order.
    pub assertions: Vec<Assertion>,
}

/// One project module's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSource {
    /// The module name.
    pub name: String,
    /// Its path relative to the project root.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// A column of the transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The field name.
    pub name: String,
    /// Its type.
    pub elem: Elem,
}

/// The type of a column or of a group's members.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Elem {
    /// A calendar date.
    Date,
    /// A number.
    Number,
    /// `true` / `false`.
    Bool,
    /// Free text.
    Str,
    /// An ECCN, matched hierarchically.
    Eccn,
    /// A country code (the enum `std.countries.Country`).
    Country,
    /// An enum, by its key in [`Program::enums`] (`module.Name`).
    Enum(String),
    /// A tier rank (only the assessed tier has this type).
    Tier,
}

/// The key of the country enum in [`Program::enums`].
pub const COUNTRY_ENUM: &str = "std.countries.Country";

/// A value of an enum or country column, with its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The name (`CN`, `civil`).
    pub name: String,
    /// The display label, if declared.
    pub label: Option<String>,
}

/// A constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An enum variant, country code or string.
    Text(String),
    /// An ECCN (matched hierarchically by `in`).
    Eccn(String),
    /// A number.
    Number(f64),
    /// A date.
    Date(Date),
    /// A boolean.
    Bool(bool),
    /// A tier, by rank (0 = lowest).
    Tier(usize),
}

impl Value {
    /// The value as a transaction gives it in JSON (tiers as their rank).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(t) | Value::Eccn(t) => t.clone().into(),
            Value::Number(n) => serde_json::to_value(crate::table::Num(*n)).unwrap_or_default(),
            Value::Date(d) => d.to_string().into(),
            Value::Bool(b) => (*b).into(),
            Value::Tier(r) => (*r).into(),
        }
    }
}

/// What a comparison or membership test reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A column, by index into [`Program::columns`].
    Field(usize),
    /// The assessed tier.
    Tier,
    /// A constant.
    Const(Value),
}

/// A resolved condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// Always true or always false.
    Const(bool),
    /// Negation.
    Not(Box<Cond>),
    /// All hold.
    And(Vec<Cond>),
    /// One holds.
    Or(Vec<Cond>),
    /// `lhs in set` (or `not in` when `negated`).
    In {
        /// The tested value.
        lhs: Operand,
        /// The set.
        set: SetExpr,
        /// `not in`.
        negated: bool,
    },
    /// `lhs op rhs`.
    Cmp {
        /// Left.
        lhs: Operand,
        /// Operator.
        op: CmpOp,
        /// Right.
        rhs: Operand,
    },
}

/// A resolved set expression.
#[derive(Debug, Clone, PartialEq)]
pub enum SetExpr {
    /// `{a, b}`.
    Lit(Vec<Value>),
    /// A group, by index into [`Program::groups`].
    Group(usize),
    /// `first op x op y ...`, left to right.
    Chain {
        /// The first operand.
        first: Box<SetExpr>,
        /// The rest.
        rest: Vec<(SetOp, SetExpr)>,
    },
    /// A term in force only in `[from, to)`.
    Dated {
        /// The term.
        term: Box<SetExpr>,
        /// Inclusive start.
        from: Option<Date>,
        /// Exclusive end.
        to: Option<Date>,
    },
}

/// A named set.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Its name.
    pub name: String,
    /// Its module.
    pub module: String,
    /// The type of its members.
    pub elem: Elem,
    /// Its value.
    pub value: SetExpr,
}

/// One line of the tier assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessLine {
    /// The tier it gives, by rank.
    pub tier: usize,
    /// Its condition.
    pub when: Cond,
    /// Where it stands.
    pub source: Source,
}

/// The outcome of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No license required.
    Allow,
    /// Eligible for these authorizations.
    AllowUnder(Vec<String>),
    /// A license is required.
    RequireLicense,
    /// Prohibited.
    Deny,
}

impl Outcome {
    /// 0 (`allow`) to 3 (`deny`).
    pub fn severity(&self) -> u8 {
        self.kind().severity()
    }

    /// The outcome without its authorizations.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Allow => OutcomeKind::Allow,
            Outcome::AllowUnder(_) => OutcomeKind::AllowUnder,
            Outcome::RequireLicense => OutcomeKind::RequireLicense,
            Outcome::Deny => OutcomeKind::Deny,
        }
    }
}

/// A jurisdiction: the rules of every block of that name.
#[derive(Debug, Clone, PartialEq)]
pub struct Jurisdiction {
    /// Its name.
    pub name: String,
    /// Its rules, by module then source order.
    pub rules: Vec<Rule>,
}

/// A rule with its block's dates applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Its name.
    pub name: String,
    /// Where it is declared.
    pub source: Source,
    /// Inclusive start, narrowed by the block.
    pub effective: Option<Date>,
    /// Exclusive end, narrowed by the block.
    pub sunset: Option<Date>,
    /// Whether the rule's own `sunset` clause gives `sunset` (not its block).
    pub own_sunset: bool,
    /// `when`.
    pub when: Cond,
    /// `unless`.
    pub unless: Option<Cond>,
    /// The rules it names in `overrides`, by index into the jurisdiction's rules.
    pub overrides: Vec<usize>,
    /// Every rule that overrides it, directly or through a chain.
    pub overridden_by: Vec<usize>,
    /// `then`.
    pub outcome: Outcome,
    /// `tier`, by rank.
    pub tier: Option<usize>,
    /// `reasons`.
    pub reasons: Vec<String>,
    /// `review`.
    pub review: Option<Review>,
    /// `cite`s.
    pub citations: Vec<String>,
    /// `because`.
    pub rationale: Option<String>,
    /// `obligation`s.
    pub obligations: Vec<String>,
    /// Its `///` doc comment.
    pub description: Option<String>,
}

impl Rule {
    /// Whether the rule is in force on `date`.
    pub fn active(&self, date: Date) -> bool {
        self.effective.is_none_or(|from| from <= date) && self.sunset.is_none_or(|to| date < to)
    }
}

/// A `test` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// Its name.
    pub name: String,
    /// Where it stands.
    pub source: Source,
    /// `at`.
    pub at: Date,
    /// `given`, by column name.
    pub given: BTreeMap<String, Value>,
    /// `expect` lines.
    pub expects: Vec<Expectation>,
}

/// One `expect` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// The jurisdiction.
    pub jurisdiction: String,
    /// The outcome.
    pub outcome: Outcome,
    /// `tier T`.
    pub tier: Option<String>,
    /// `review P`.
    pub review: Option<Review>,
    /// `reasons R, ...`.
    pub reasons: Option<Vec<String>>,
    /// Where it stands.
    pub source: Source,
}

/// An `assert` block: a property every decision in its scope must have.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    /// Its name: the property in words.
    pub name: String,
    /// Where its name stands.
    pub source: Source,
    /// `from DATE`: the first day checked.
    pub from: Option<Date>,
    /// `until DATE`: the first day no longer checked.
    pub until: Option<Date>,
    /// `when COND` (`Cond::Const(true)` without one).
    pub when: Cond,
    /// `expect` lines.
    pub expects: Vec<Assurance>,
}

/// One `expect` line of an assertion.
#[derive(Debug, Clone, PartialEq)]
pub struct Assurance {
    /// The jurisdiction.
    pub jurisdiction: String,
    /// The outcomes accepted.
    pub outcome: OutcomeTest,
    /// `review at least P`.
    pub review_at_least: Option<Review>,
    /// `tier at least T`, by rank.
    pub tier_at_least: Option<usize>,
    /// `authorizations none`.
    pub no_authorizations: bool,
    /// Where it stands.
    pub source: Source,
}

/// The outcomes an assertion's expectation accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum OutcomeTest {
    /// Any of these (`allow` takes any allow; `allow under A, B` an allow
    /// naming A and B among its authorizations).
    AnyOf(Vec<Outcome>),
    /// Anything but this one.
    Not(Outcome),
    /// Anything at least as severe.
    AtLeast(OutcomeKind),
}

/// What a program mentions: the constants of its conditions and groups,
/// and the dates of its rules (as narrowed by their blocks) and dated terms.
#[derive(Debug, Clone, Default)]
pub struct Mentions {
    /// Constants, in no particular order, possibly repeated.
    pub values: Vec<Value>,
    /// Dates, ascending.
    pub dates: std::collections::BTreeSet<Date>,
}

impl Program {
    /// Every constant and date the conditions, groups and rules mention
    /// (not the tests' nor the assertions'). Walks with explicit stacks,
    /// never recursion.
    pub fn mentions(&self) -> Mentions {
        self.mentions_with(&[])
    }

    /// [`Program::mentions`], and those of `extra` conditions.
    pub fn mentions_with(&self, extra: &[&Cond]) -> Mentions {
        let mut m = Mentions::default();
        let mut conds: Vec<&Cond> = self.assess.iter().map(|l| &l.when).collect();
        conds.extend(extra);
        let mut sets: Vec<&SetExpr> = self.groups.iter().map(|g| &g.value).collect();
        for r in self.jurisdictions.iter().flat_map(|j| &j.rules) {
            conds.push(&r.when);
            conds.extend(r.unless.as_ref());
            m.dates.extend(r.effective);
            m.dates.extend(r.sunset);
        }
        while let Some(c) = conds.pop() {
            match c {
                Cond::Const(_) => {}
                Cond::Not(inner) => conds.push(inner),
                Cond::And(items) | Cond::Or(items) => conds.extend(items),
                Cond::In { lhs, set, .. } => {
                    if let Operand::Const(v) = lhs {
                        m.values.push(v.clone());
                    }
                    sets.push(set);
                }
                Cond::Cmp { lhs, rhs, .. } => {
                    for o in [lhs, rhs] {
                        if let Operand::Const(v) = o {
                            m.values.push(v.clone());
                        }
                    }
                }
            }
        }
        while let Some(s) = sets.pop() {
            match s {
                SetExpr::Lit(items) => m.values.extend(items.iter().cloned()),
                SetExpr::Group(_) => {}
                SetExpr::Chain { first, rest } => {
                    sets.push(first);
                    sets.extend(rest.iter().map(|(_, e)| e));
                }
                SetExpr::Dated { term, from, to } => {
                    sets.push(term);
                    m.dates.extend(*from);
                    m.dates.extend(*to);
                }
            }
        }
        m
    }

    /// The variants of an enum or country type (empty for other types).
    pub fn variants(&self, elem: &Elem) -> &[Variant] {
        let key = match elem {
            Elem::Country => COUNTRY_ENUM,
            Elem::Enum(key) => key.as_str(),
            _ => return &[],
        };
        self.enums.get(key).map_or(&[], Vec::as_slice)
    }

    /// The index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}
