//! Abstract syntax tree of one Edict module.
//!
//! Stage: produced by the grammar (`grammar.lalrpop`) through the
//! constructors here; consumed by the checker, the formatter and the IDE
//! queries. Every node carries a byte [`Span`]; error nodes stand where the
//! parser recovered, so later stages check the rest of the file. Operator
//! chains are kept flat (`Or(Vec)`, `SetOps`) so that a long chain never makes
//! a deep tree.

use serde::Serialize;

pub use edict_engine::table::Span;

/// A name as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A literal whose text is kept as written (dates, numbers, ECCNs, strings).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Lit {
    /// The text (for strings: the unescaped contents).
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Default)]
pub struct Module {
    /// The `policy a.b.c` header, when present.
    pub header: Option<Path>,
    /// Top-level declarations in source order.
    pub items: Vec<Item>,
}

/// A dotted module path `a.b.c`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Path {
    /// The segments.
    pub segments: Vec<Ident>,
    /// The whole path.
    pub span: Span,
}

impl Path {
    /// A one-segment path.
    pub fn single(segment: Ident) -> Path {
        let span = segment.span;
        Path {
            segments: vec![segment],
            span,
        }
    }

    /// The path with one more segment.
    pub fn push(mut self, segment: Ident) -> Path {
        self.span = self.span.to(segment.span);
        self.segments.push(segment);
        self
    }

    /// `a.b.c` as one string.
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Item {
    /// `use a.b.{X, Y}`, `use a.b.*`, or a bare `use a.b` (an error).
    Use(Use),
    /// `enum Name { a, b "label" }`.
    Enum(EnumDecl),
    /// `group Name: Type = SET`.
    Group(GroupDecl),
    /// `input { field: Type }`.
    Input(InputDecl),
    /// `tiers { low, ..., critical }`.
    Tiers(TiersDecl),
    /// `assess tier { ... }`.
    Assess(AssessDecl),
    /// `authorization NAME "label" cite "..."`.
    Authorization(AuthorizationDecl),
    /// `jurisdiction NAME { ... }`.
    Jurisdiction(JurisdictionDecl),
    /// `test "name" { ... }`.
    Test(TestDecl),
    /// `assert "name" { ... }`.
    Assert(AssertDecl),
    /// Where the parser skipped tokens to recover.
    Error(Span),
}

impl Item {
    /// The span of the whole declaration.
    pub fn span(&self) -> Span {
        match self {
            Item::Use(x) => x.span,
            Item::Enum(x) => x.span,
            Item::Group(x) => x.span,
            Item::Input(x) => x.span,
            Item::Tiers(x) => x.span,
            Item::Assess(x) => x.span,
            Item::Authorization(x) => x.span,
            Item::Jurisdiction(x) => x.span,
            Item::Test(x) => x.span,
            Item::Assert(x) => x.span,
            Item::Error(span) => *span,
        }
    }
}

/// What a `use` imports.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum UseKind {
    /// `use a.b` with nothing imported.
    Bare,
    /// `use a.b.*`.
    Glob,
    /// `use a.b.{X, Y}`.
    Names(Vec<Ident>),
}

/// An import.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Use {
    /// The module imported from.
    pub path: Path,
    /// What it imports.
    pub kind: UseKind,
    /// The whole declaration.
    pub span: Span,
}

/// Where a fact comes from: `cite "..."` (repeatable), then optionally
/// `unverified "why"` for a fact whose primary source was not confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Default)]
pub struct Provenance {
    /// The citations, in source order.
    pub cites: Vec<Lit>,
    /// Why the fact is not confirmed against its primary source.
    pub unverified: Option<Lit>,
}

impl Provenance {
    /// Nothing said.
    pub fn is_empty(&self) -> bool {
        self.cites.is_empty() && self.unverified.is_none()
    }
}

/// A variant of an enum, with an optional display label and provenance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Variant {
    /// The variant's name.
    pub name: Ident,
    /// Its display label.
    pub label: Option<Lit>,
    /// Its sources, for a value that is a legal category.
    pub provenance: Provenance,
}

/// An enum declaration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct EnumDecl {
    /// The enum's name.
    pub name: Ident,
    /// Its variants in order.
    pub variants: Vec<Variant>,
    /// The whole declaration.
    pub span: Span,
}

/// A group declaration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct GroupDecl {
    /// The group's name.
    pub name: Ident,
    /// The element type as written.
    pub ty: Ident,
    /// The group's sources (`cite` before `=`).
    pub provenance: Provenance,
    /// The set expression; its terms may carry dates and sources.
    pub value: Expr,
    /// The whole declaration.
    pub span: Span,
}

/// One field of an `input` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Field {
    /// The field's name.
    pub name: Ident,
    /// Its type as written.
    pub ty: Ident,
}

/// An `input` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct InputDecl {
    /// The fields in order.
    pub fields: Vec<Field>,
    /// The whole block.
    pub span: Span,
}

/// A `tiers` declaration, lowest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TiersDecl {
    /// The tier names, lowest first.
    pub tiers: Vec<Ident>,
    /// The whole declaration.
    pub span: Span,
}

/// One line of `assess tier`: `T when COND` or `T otherwise`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AssessLine {
    /// The tier the line gives.
    pub tier: Ident,
    /// The condition; `None` for `otherwise`.
    pub when: Option<Expr>,
    /// The whole line.
    pub span: Span,
}

/// An `assess tier { ... }` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AssessDecl {
    /// The lines, first match wins.
    pub lines: Vec<AssessLine>,
    /// The whole block.
    pub span: Span,
}

/// An authorization (license exception, general authorisation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AuthorizationDecl {
    /// Its name, used in `allow under NAME`.
    pub name: Ident,
    /// Its display label.
    pub label: Option<Lit>,
    /// Its citations.
    pub provenance: Provenance,
    /// The whole declaration.
    pub span: Span,
}

/// A member of a jurisdiction block.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum JurisdictionMember {
    /// `authority "..."`.
    Authority(Lit),
    /// `effective DATE`.
    Effective(Lit),
    /// `sunset DATE`.
    Sunset(Lit),
    /// A rule.
    Rule(RuleDecl),
    /// Where the parser skipped tokens to recover.
    Error(Span),
}

/// A jurisdiction block.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct JurisdictionDecl {
    /// The jurisdiction's name.
    pub name: Ident,
    /// Its settings and rules in order.
    pub members: Vec<JurisdictionMember>,
    /// The whole block.
    pub span: Span,
}

/// A rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct RuleDecl {
    /// The rule's name.
    pub name: Ident,
    /// The rules it overrides.
    pub overrides: Vec<Ident>,
    /// Its clauses in source order.
    pub clauses: Vec<Clause>,
    /// The whole rule.
    pub span: Span,
}

/// A rule clause and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Clause {
    /// What the clause says.
    pub kind: ClauseKind,
    /// The whole clause.
    pub span: Span,
}

/// What a rule clause says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum ClauseKind {
    /// `effective DATE`.
    Effective(Lit),
    /// `sunset DATE`.
    Sunset(Lit),
    /// `when COND`.
    When(Expr),
    /// `unless COND`.
    Unless(Expr),
    /// `then OUTCOME`.
    Then(Outcome),
    /// `tier T`.
    Tier(Ident),
    /// `reasons R, ...`.
    Reasons(Vec<Ident>),
    /// `review P`.
    Review(Ident),
    /// `cite "..."`.
    Cite(Lit),
    /// `because "..."`.
    Because(Lit),
    /// `obligation "..."`.
    Obligation(Lit),
    /// Where the parser skipped tokens to recover.
    Error,
}

impl ClauseKind {
    /// The clause's keyword.
    pub fn keyword(&self) -> &'static str {
        match self {
            ClauseKind::Effective(_) => "effective",
            ClauseKind::Sunset(_) => "sunset",
            ClauseKind::When(_) => "when",
            ClauseKind::Unless(_) => "unless",
            ClauseKind::Then(_) => "then",
            ClauseKind::Tier(_) => "tier",
            ClauseKind::Reasons(_) => "reasons",
            ClauseKind::Review(_) => "review",
            ClauseKind::Cite(_) => "cite",
            ClauseKind::Because(_) => "because",
            ClauseKind::Obligation(_) => "obligation",
            ClauseKind::Error => "",
        }
    }
}

/// A rule's or an expectation's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Outcome {
    /// Which outcome.
    pub kind: OutcomeKind,
    /// Where it is written.
    pub span: Span,
}

/// The four outcomes, least severe first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum OutcomeKind {
    /// `allow`.
    Allow,
    /// `allow under A, B`.
    AllowUnder(Vec<Ident>),
    /// `require license`.
    RequireLicense,
    /// `deny`.
    Deny,
}

/// A member of a test block.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum TestMember {
    /// `at DATE`.
    At(Lit),
    /// `given { field: value, ... }`.
    Given {
        /// The fields and their values.
        fields: Vec<(Ident, Expr)>,
        /// The whole member.
        span: Span,
    },
    /// `expect J: OUTCOME ...`.
    Expect(Expect),
    /// Where the parser skipped tokens to recover.
    Error(Span),
}

/// One expectation of a test.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Expect {
    /// The jurisdiction it is about.
    pub jurisdiction: Ident,
    /// The expected outcome.
    pub outcome: Outcome,
    /// `tier T`, `review P`, `reasons R, ...` in source order.
    pub options: Vec<ExpectOption>,
    /// The whole expectation.
    pub span: Span,
}

/// An option of an expectation after its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum ExpectOption {
    /// `tier T`.
    Tier(Ident),
    /// `review P`.
    Review(Ident),
    /// `reasons R, ...`.
    Reasons(Vec<Ident>),
}

/// A test block.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TestDecl {
    /// The test's name.
    pub name: Lit,
    /// Its members in order.
    pub members: Vec<TestMember>,
    /// The whole block.
    pub span: Span,
}

/// An `assert` block: a property of the policy over every transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AssertDecl {
    /// The assertion's name: the property in words.
    pub name: Lit,
    /// Its members in order.
    pub members: Vec<AssertMember>,
    /// The whole block.
    pub span: Span,
}

/// A member of an `assert` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum AssertMember {
    /// `from DATE` or `until DATE`: the first word as written (a
    /// contextual keyword, checked by the checker) and the date.
    Scope(Ident, Lit),
    /// `when COND`.
    When(Expr),
    /// `expect J: ...`.
    Expect(AssertExpect),
    /// Where the parser skipped tokens to recover.
    Error(Span),
}

/// One expectation of an assertion.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AssertExpect {
    /// The jurisdiction it is about.
    pub jurisdiction: Ident,
    /// Which outcomes are acceptable.
    pub outcome: OutcomeTest,
    /// `review at least P`, `tier at least T`, `authorizations none`.
    pub options: Vec<AssertOption>,
    /// The whole expectation.
    pub span: Span,
}

/// The outcomes an assertion accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum OutcomeTest {
    /// `A or B or ...`.
    AnyOf(Vec<Outcome>),
    /// `not A`.
    Not(Outcome),
    /// `at least A`: the word after `at` as written (`least`, checked by
    /// the checker), and the outcome.
    AtLeast(Ident, Outcome),
}

/// An option of an assertion's expectation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum AssertOption {
    /// `review at least P`: the word after `at`, and the policy.
    ReviewAtLeast(Ident, Ident),
    /// `tier at least T`: the word after `at`, and the tier.
    TierAtLeast(Ident, Ident),
    /// `authorizations none`: both words as written.
    AuthorizationsNone(Ident, Ident),
}

/// An expression: a condition, an operand or a set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn text(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// Set operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SetOp {
    /// `|`
    Union,
    /// `-`
    Minus,
    /// `&`
    Intersect,
}

impl SetOp {
    /// The operator as written.
    pub fn text(self) -> &'static str {
        match self {
            SetOp::Union => "|",
            SetOp::Minus => "-",
            SetOp::Intersect => "&",
        }
    }
}

/// Expression forms.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum ExprKind {
    /// A name: a field, group, enum variant, tier, ...
    Name(String),
    /// `tier`: the assessed tier.
    AssessedTier,
    /// A number as written.
    Number(String),
    /// A string.
    Str(String),
    /// A date as written.
    Date(String),
    /// An ECCN as written.
    Eccn(String),
    /// `true` / `false`.
    Bool(bool),
    /// `{a, b, c}`.
    SetLit(Vec<Expr>),
    /// `( e )`.
    Paren(Box<Expr>),
    /// `a or b or c`.
    Or(Vec<Expr>),
    /// `a and b and c`.
    And(Vec<Expr>),
    /// `not a`.
    Not(Box<Expr>),
    /// `x in S` / `x not in S`.
    In {
        /// The tested value.
        lhs: Box<Expr>,
        /// `true` for `not in`.
        negated: bool,
        /// The set.
        set: Box<Expr>,
    },
    /// `a < b` and friends.
    Cmp {
        /// Left operand.
        lhs: Box<Expr>,
        /// The operator.
        op: CmpOp,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `a | b - c`, or `a & b`: a left-associative chain at one precedence.
    SetOps {
        /// The first operand.
        first: Box<Expr>,
        /// The operators and operands that follow.
        rest: Vec<(SetOp, Expr)>,
    },
    /// A set term with its own dates or sources (group definitions only).
    Dated {
        /// The term.
        term: Box<Expr>,
        /// `effective DATE`.
        effective: Option<Lit>,
        /// `sunset DATE`.
        sunset: Option<Lit>,
        /// `cite "..."` and `unverified "..."` after the dates.
        provenance: Provenance,
    },
    /// Where the parser skipped tokens to recover.
    Error,
}

// Constructors used by the grammar's actions, so that the actions stay
// one-liners and chains stay flat.

impl Expr {
    /// A new expression node.
    pub fn new(kind: ExprKind, l: usize, r: usize) -> Expr {
        Expr {
            kind,
            span: Span::new(l, r),
        }
    }

    /// `self or rhs`, flattening.
    pub fn or(self, rhs: Expr) -> Expr {
        self.flat(rhs, true)
    }

    /// `self and rhs`, flattening.
    pub fn and(self, rhs: Expr) -> Expr {
        self.flat(rhs, false)
    }

    /// Appends `rhs` to an `or` (`is_or`) or `and` chain.
    fn flat(self, rhs: Expr, is_or: bool) -> Expr {
        let span = self.span.to(rhs.span);
        let mut items = match self.kind {
            ExprKind::Or(items) if is_or => items,
            ExprKind::And(items) if !is_or => items,
            kind => vec![Expr {
                kind,
                span: self.span,
            }],
        };
        items.push(rhs);
        let kind = if is_or {
            ExprKind::Or(items)
        } else {
            ExprKind::And(items)
        };
        Expr { kind, span }
    }

    /// `self OP rhs` for set operators, flattening chains of one precedence.
    pub fn set_op(self, op: SetOp, rhs: Expr) -> Expr {
        let span = self.span.to(rhs.span);
        let same_level = |o: SetOp| (o == SetOp::Intersect) == (op == SetOp::Intersect);
        match self.kind {
            ExprKind::SetOps { first, mut rest }
                if rest.first().is_some_and(|(o, _)| same_level(*o)) =>
            {
                rest.push((op, rhs));
                Expr {
                    kind: ExprKind::SetOps { first, rest },
                    span,
                }
            }
            kind => Expr {
                kind: ExprKind::SetOps {
                    first: Box::new(Expr {
                        kind,
                        span: self.span,
                    }),
                    rest: vec![(op, rhs)],
                },
                span,
            },
        }
    }

    /// The terms of a group's set that carry dates or sources, in source
    /// order, nested ones (inside a parenthesised term) after their parent.
    pub fn dated_terms(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match &e.kind {
                ExprKind::SetOps { first, rest } => {
                    stack.extend(rest.iter().rev().map(|(_, e)| e));
                    stack.push(first);
                }
                ExprKind::Paren(inner) => stack.push(inner),
                ExprKind::Dated { term, .. } => {
                    out.push(e);
                    stack.push(term);
                }
                _ => {}
            }
        }
        out
    }

    /// A set term with its own dates, or the term itself without any.
    pub fn dated(
        self,
        effective: Option<Lit>,
        sunset: Option<Lit>,
        provenance: Provenance,
        r: usize,
    ) -> Expr {
        if effective.is_none() && sunset.is_none() && provenance.is_empty() {
            return self;
        }
        let start = self.span.start as usize;
        Expr::new(
            ExprKind::Dated {
                term: Box::new(self),
                effective,
                sunset,
                provenance,
            },
            start,
            r,
        )
    }
}
