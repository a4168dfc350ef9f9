//! From a checked workspace to a [`Program`].
//!
//! Runs only on a workspace without errors (the caller checks first), so
//! every name resolves; were one not to, the lowering says so instead of
//! guessing. Names resolve as the checker resolves them: declarations and
//! imports of the module, then input fields, then tier names. Groups are
//! lowered through a work list, never by recursion, so a long chain of
//! groups cannot exhaust the stack.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::syntax::docs::DocIndex;

use super::{
    Assertion, AssessLine, Assurance, Authorization, COUNTRY_ENUM, Column, Cond, Elem, Expectation,
    Group, Jurisdiction, ModuleSource, Operand, Outcome, OutcomeTest, Program, Review, Rule,
    SetExpr, Source, Test, Value, Variant,
};
use crate::check::scope::{Binding, Scope};
use crate::check::summary::Export;
use crate::check::types::{COUNTRIES_MODULE, Ty};
use crate::date::Date;
use crate::db::{Db, Origin, SourceFile, Workspace, module_file, module_name, parse_file};
use crate::syntax::ast::{
    self as ast, AssertDecl, AssertMember, AssertOption, ClauseKind, ExpectOption, Expr, ExprKind,
    Ident, Item, JurisdictionMember, OutcomeKind, RuleDecl, Span, TestMember,
};

/// Lowers an error-free workspace. `Err` names what did not resolve, which
/// means the checker let an error through.
pub fn program(db: &dyn Db, ws: Workspace) -> Result<Program, String> {
    let mut l = Lowering {
        db,
        ws,
        scopes: BTreeMap::new(),
        group_ids: BTreeMap::new(),
        groups: Vec::new(),
        pending: VecDeque::new(),
        columns: Vec::new(),
        tiers: Vec::new(),
        used_authorizations: BTreeMap::new(),
        enums: BTreeMap::new(),
        line_starts: BTreeMap::new(),
        problems: Vec::new(),
    };
    let mut files: Vec<SourceFile> = ws
        .files(db)
        .iter()
        .copied()
        .filter(|f| f.origin(db) == Origin::Project)
        .collect();
    files.sort_by(|a, b| module_name(db, *a).cmp(module_name(db, *b)));
    l.columns_and_tiers(&files);
    let mut program = Program {
        modules: files
            .iter()
            .map(|f| ModuleSource {
                name: module_name(db, *f).clone(),
                path: f.rel_path(db).clone(),
                text: f.text(db).clone(),
            })
            .collect(),
        columns: l.columns.clone(),
        enums: BTreeMap::new(),
        tiers: l.tiers.clone(),
        assess: Vec::new(),
        groups: Vec::new(),
        group_order: Vec::new(),
        authorizations: BTreeMap::new(),
        jurisdictions: Vec::new(),
        tests: Vec::new(),
        assertions: Vec::new(),
    };
    let mut jurisdictions: BTreeMap<String, Vec<(Rule, Vec<String>)>> = BTreeMap::new();
    for file in &files {
        let parsed = parse_file(db, *file);
        let docs = DocIndex::new(file.text(db), &parsed.comments);
        for item in &parsed.module.items {
            match item {
                Item::Assess(a) => {
                    for line in &a.lines {
                        let tier = l.tier_rank(&line.tier.name);
                        let when = match &line.when {
                            Some(e) => l.cond(*file, e),
                            None => Cond::Const(true),
                        };
                        let source = l.source(*file, line.span);
                        program.assess.push(AssessLine { tier, when, source });
                    }
                }
                Item::Jurisdiction(j) => {
                    let mut block_from = None;
                    let mut block_to = None;
                    for m in &j.members {
                        match m {
                            JurisdictionMember::Effective(d) => block_from = date(&d.text),
                            JurisdictionMember::Sunset(d) => block_to = date(&d.text),
                            _ => {}
                        }
                    }
                    for m in &j.members {
                        if let JurisdictionMember::Rule(r) = m {
                            let rule = l.rule(*file, r, (block_from, block_to), &docs);
                            let names = r.overrides.iter().map(|o| o.name.clone()).collect();
                            jurisdictions
                                .entry(j.name.name.clone())
                                .or_default()
                                .push((rule, names));
                        }
                    }
                }
                Item::Test(t) => {
                    let test = l.test(*file, t);
                    program.tests.push(test);
                }
                Item::Assert(a) => {
                    let assertion = l.assertion(*file, a);
                    program.assertions.push(assertion);
                }
                _ => {}
            }
        }
    }
    program.jurisdictions = jurisdictions
        .into_iter()
        .map(|(name, rules)| link_overrides(name, rules))
        .collect();
    l.drain_groups();
    let used: Vec<(String, String)> = std::mem::take(&mut l.used_authorizations)
        .into_iter()
        .collect();
    for (name, module) in used {
        if let Some(auth) = l.authorization(&module, &name) {
            program.authorizations.insert(name, auth);
        }
    }
    program.group_order = group_order(&l.groups);
    program.groups = l.groups;
    program.enums = std::mem::take(&mut l.enums);
    if l.problems.is_empty() {
        Ok(program)
    } else {
        Err(l.problems.join("; "))
    }
}

fn date(text: &str) -> Option<Date> {
    Date::parse(text).ok()
}

/// Resolves override names to indices and computes, for every rule, the
/// rules that override it directly or through a chain.
fn link_overrides(name: String, rules: Vec<(Rule, Vec<String>)>) -> Jurisdiction {
    let index: BTreeMap<String, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, (r, _))| (r.name.clone(), i))
        .collect();
    let direct: Vec<Vec<usize>> = rules
        .iter()
        .map(|(_, names)| names.iter().filter_map(|n| index.get(n).copied()).collect())
        .collect();
    // overriders[v] = rules u with an edge u → v.
    let mut overriders: Vec<Vec<usize>> = vec![Vec::new(); rules.len()];
    for (u, targets) in direct.iter().enumerate() {
        for &v in targets {
            overriders[v].push(u);
        }
    }
    let mut out = Vec::with_capacity(rules.len());
    for (i, (mut rule, _)) in rules.into_iter().enumerate() {
        let mut seen = BTreeSet::new();
        let mut stack = overriders[i].clone();
        while let Some(u) = stack.pop() {
            if u != i && seen.insert(u) {
                stack.extend(overriders[u].iter().copied());
            }
        }
        rule.overrides = direct[i].clone();
        rule.overridden_by = seen.into_iter().collect();
        out.push(rule);
    }
    Jurisdiction { name, rules: out }
}

/// Kahn's order over group references: a group after the groups it uses.
fn group_order(groups: &[Group]) -> Vec<usize> {
    let mut uses: Vec<BTreeSet<usize>> = Vec::with_capacity(groups.len());
    for g in groups {
        let mut found = BTreeSet::new();
        let mut stack = vec![&g.value];
        while let Some(e) = stack.pop() {
            match e {
                SetExpr::Lit(_) => {}
                SetExpr::Group(id) => {
                    found.insert(*id);
                }
                SetExpr::Chain { first, rest } => {
                    stack.push(first);
                    stack.extend(rest.iter().map(|(_, e)| e));
                }
                SetExpr::Dated { term, .. } => stack.push(term),
            }
        }
        uses.push(found);
    }
    let mut used_by: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    let mut missing: Vec<usize> = uses.iter().map(BTreeSet::len).collect();
    for (g, u) in uses.iter().enumerate() {
        for &dep in u {
            used_by[dep].push(g);
        }
    }
    let mut ready: VecDeque<usize> = (0..groups.len()).filter(|&g| missing[g] == 0).collect();
    let mut order = Vec::with_capacity(groups.len());
    while let Some(g) = ready.pop_front() {
        order.push(g);
        for &next in &used_by[g] {
            missing[next] -= 1;
            if missing[next] == 0 {
                ready.push_back(next);
            }
        }
    }
    order
}

struct Lowering<'db> {
    db: &'db dyn Db,
    ws: Workspace,
    scopes: BTreeMap<String, Scope>,
    group_ids: BTreeMap<(String, String), usize>,
    groups: Vec<Group>,
    pending: VecDeque<(usize, SourceFile, Expr)>,
    columns: Vec<Column>,
    tiers: Vec<String>,
    /// Authorization name → its declaring module, as rules' scopes bind it.
    used_authorizations: BTreeMap<String, String>,
    enums: BTreeMap<String, Vec<Variant>>,
    line_starts: BTreeMap<String, Vec<usize>>,
    problems: Vec<String>,
}

impl Lowering<'_> {
    fn columns_and_tiers(&mut self, files: &[SourceFile]) {
        let env = crate::db::policy_env(self.db, self.ws);
        self.tiers = env
            .tiers
            .as_ref()
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        let mut columns = vec![Column {
            name: "date".into(),
            elem: Elem::Date,
        }];
        for (name, (module, ty_name)) in &env.fields {
            let Some(file) = files
                .iter()
                .copied()
                .find(|f| module_name(self.db, *f) == module)
            else {
                continue;
            };
            let Some(elem) = self.elem(file, module, ty_name) else {
                self.problems
                    .push(format!("field `{name}` has no usable type"));
                continue;
            };
            columns.push(Column {
                name: name.clone(),
                elem,
            });
        }
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        self.columns = columns;
    }

    /// The type named `ty_name` in `module`, registering enum variants.
    fn elem(&mut self, file: SourceFile, module: &str, ty_name: &str) -> Option<Elem> {
        let ty = crate::check::with_ctx(self.db, self.ws, file, |ctx| {
            ctx.type_in_module(module, ty_name)
        });
        Some(match ty {
            Ty::Country => {
                if !self.enums.contains_key(COUNTRY_ENUM) {
                    let variants = self.variants(COUNTRIES_MODULE, "Country");
                    self.enums.insert(COUNTRY_ENUM.to_string(), variants);
                }
                Elem::Country
            }
            Ty::Eccn => Elem::Eccn,
            Ty::Number => Elem::Number,
            Ty::Date => Elem::Date,
            Ty::Bool => Elem::Bool,
            Ty::Str => Elem::Str,
            Ty::Enum(m, n) => {
                let key = format!("{m}.{n}");
                if !self.enums.contains_key(&key) {
                    let variants = self.variants(&m, &n);
                    self.enums.insert(key.clone(), variants);
                }
                Elem::Enum(key)
            }
            Ty::Tier | Ty::Unknown => return None,
        })
    }

    /// An enum's variants in declaration order.
    fn variants(&self, module: &str, enum_name: &str) -> Vec<Variant> {
        let Some(file) = module_file(self.db, self.ws, module) else {
            return Vec::new();
        };
        for item in &parse_file(self.db, file).module.items {
            if let Item::Enum(e) = item
                && e.name.name == enum_name
            {
                return e
                    .variants
                    .iter()
                    .map(|v| Variant {
                        name: v.name.name.clone(),
                        label: v.label.as_ref().map(|l| l.text.clone()),
                    })
                    .collect();
            }
        }
        Vec::new()
    }

    fn tier_rank(&mut self, name: &str) -> usize {
        match self.tiers.iter().position(|t| t == name) {
            Some(rank) => rank,
            None => {
                self.problems.push(format!("unknown tier `{name}`"));
                0
            }
        }
    }

    fn source(&mut self, file: SourceFile, span: Span) -> Source {
        let text = file.text(self.db);
        let starts = self
            .line_starts
            .entry(file.path(self.db).clone())
            .or_insert_with(|| line_starts(text));
        let (line, column) = line_column(text, starts, span.start as usize);
        Source {
            module: module_name(self.db, file).clone(),
            path: file.rel_path(self.db).clone(),
            file: file.path(self.db).clone(),
            line,
            column,
            span,
        }
    }

    fn binding(&mut self, file: SourceFile, name: &str) -> Option<Binding> {
        let module = module_name(self.db, file).clone();
        if !self.scopes.contains_key(&module) {
            let scope = crate::check::with_ctx(self.db, self.ws, file, |ctx| {
                let parsed = parse_file(ctx.db, file);
                ctx.build_scope(&parsed.module);
                std::mem::take(&mut ctx.scope)
            });
            self.scopes.insert(module.clone(), scope);
        }
        self.scopes.get(&module).and_then(|s| s.get(name)).cloned()
    }

    /// A name used as a value or a set.
    fn name(&mut self, file: SourceFile, name: &str) -> Resolved {
        match self.binding(file, name) {
            Some(Binding::Decl {
                export: Export::Variant { .. },
                ..
            }) => return Resolved::Value(Operand::Const(Value::Text(name.to_string()))),
            Some(Binding::Decl {
                module,
                export: Export::Group { .. },
            }) => return Resolved::Set(SetExpr::Group(self.group(&module, name))),
            Some(_) => {}
            None => {
                if let Some(i) = self.columns.iter().position(|c| c.name == name) {
                    return Resolved::Value(Operand::Field(i));
                }
                if let Some(rank) = self.tiers.iter().position(|t| t == name) {
                    return Resolved::Value(Operand::Const(Value::Tier(rank)));
                }
            }
        }
        self.problems.push(format!("`{name}` does not resolve"));
        Resolved::Value(Operand::Const(Value::Bool(false)))
    }

    /// The id of a group, queueing its lowering the first time.
    fn group(&mut self, module: &str, name: &str) -> usize {
        let key = (module.to_string(), name.to_string());
        if let Some(&id) = self.group_ids.get(&key) {
            return id;
        }
        let id = self.groups.len();
        self.group_ids.insert(key, id);
        let decl = module_file(self.db, self.ws, module).and_then(|f| {
            parse_file(self.db, f)
                .module
                .items
                .iter()
                .find_map(|i| match i {
                    Item::Group(g) if g.name.name == name => {
                        Some((f, g.ty.name.clone(), g.value.clone()))
                    }
                    _ => None,
                })
        });
        let elem = match &decl {
            Some((f, ty, _)) => self.elem(*f, module, ty),
            None => None,
        };
        self.groups.push(Group {
            name: name.to_string(),
            module: module.to_string(),
            elem: elem.unwrap_or(Elem::Bool),
            value: SetExpr::Lit(Vec::new()),
        });
        match decl {
            Some((f, _, value)) => self.pending.push_back((id, f, value)),
            None => self.problems.push(format!("group `{name}` not found")),
        }
        id
    }

    fn drain_groups(&mut self) {
        while let Some((id, file, value)) = self.pending.pop_front() {
            let set = self.set(file, &value);
            self.groups[id].value = set;
        }
    }

    fn set(&mut self, file: SourceFile, e: &Expr) -> SetExpr {
        match &e.kind {
            ExprKind::SetLit(items) => {
                let values = items
                    .iter()
                    .map(|i| match self.value(file, i) {
                        Operand::Const(v) => v,
                        _ => {
                            self.problems.push("a set member is not a constant".into());
                            Value::Bool(false)
                        }
                    })
                    .collect();
                SetExpr::Lit(values)
            }
            ExprKind::Name(n) => match self.name(file, n) {
                Resolved::Set(s) => s,
                Resolved::Value(_) => {
                    self.problems.push(format!("`{n}` is not a set"));
                    SetExpr::Lit(Vec::new())
                }
            },
            ExprKind::Paren(inner) => self.set(file, inner),
            ExprKind::SetOps { first, rest } => SetExpr::Chain {
                first: Box::new(self.set(file, first)),
                rest: rest
                    .iter()
                    .map(|(op, e)| (*op, self.set(file, e)))
                    .collect(),
            },
            ExprKind::Dated {
                term,
                effective,
                sunset,
                ..
            } => SetExpr::Dated {
                term: Box::new(self.set(file, term)),
                from: effective.as_ref().and_then(|d| date(&d.text)),
                to: sunset.as_ref().and_then(|d| date(&d.text)),
            },
            _ => {
                self.problems.push("expected a set".into());
                SetExpr::Lit(Vec::new())
            }
        }
    }

    fn value(&mut self, file: SourceFile, e: &Expr) -> Operand {
        match &e.kind {
            ExprKind::Name(n) => match self.name(file, n) {
                Resolved::Value(v) => v,
                Resolved::Set(_) => {
                    self.problems.push(format!("`{n}` is a set, not a value"));
                    Operand::Const(Value::Bool(false))
                }
            },
            ExprKind::AssessedTier => Operand::Tier,
            ExprKind::Number(text) => {
                let clean: String = text.chars().filter(|c| *c != '_').collect();
                Operand::Const(Value::Number(clean.parse().unwrap_or(0.0)))
            }
            ExprKind::Str(s) => Operand::Const(Value::Text(s.clone())),
            ExprKind::Date(d) => match date(d) {
                Some(d) => Operand::Const(Value::Date(d)),
                None => {
                    self.problems.push(format!("`{d}` is not a date"));
                    Operand::Const(Value::Bool(false))
                }
            },
            ExprKind::Eccn(t) => Operand::Const(Value::Eccn(t.clone())),
            ExprKind::Bool(b) => Operand::Const(Value::Bool(*b)),
            ExprKind::Paren(inner) => self.value(file, inner),
            _ => {
                self.problems.push("expected a value".into());
                Operand::Const(Value::Bool(false))
            }
        }
    }

    fn cond(&mut self, file: SourceFile, e: &Expr) -> Cond {
        match &e.kind {
            ExprKind::Or(items) => Cond::Or(items.iter().map(|i| self.cond(file, i)).collect()),
            ExprKind::And(items) => Cond::And(items.iter().map(|i| self.cond(file, i)).collect()),
            ExprKind::Not(inner) => Cond::Not(Box::new(self.cond(file, inner))),
            ExprKind::Paren(inner) => self.cond(file, inner),
            ExprKind::In { lhs, negated, set } => Cond::In {
                lhs: self.value(file, lhs),
                set: self.set(file, set),
                negated: *negated,
            },
            ExprKind::Cmp { lhs, op, rhs } => Cond::Cmp {
                lhs: self.value(file, lhs),
                op: *op,
                rhs: self.value(file, rhs),
            },
            ExprKind::Bool(b) => Cond::Const(*b),
            _ => match self.value(file, e) {
                Operand::Const(Value::Bool(b)) => Cond::Const(b),
                lhs => Cond::Cmp {
                    lhs,
                    op: crate::syntax::ast::CmpOp::Eq,
                    rhs: Operand::Const(Value::Bool(true)),
                },
            },
        }
    }

    fn rule(
        &mut self,
        file: SourceFile,
        r: &RuleDecl,
        block: (Option<Date>, Option<Date>),
        docs: &DocIndex<'_>,
    ) -> Rule {
        let mut rule = Rule {
            name: r.name.name.clone(),
            source: self.source(file, r.name.span),
            effective: block.0,
            sunset: block.1,
            own_sunset: false,
            when: Cond::Const(false),
            unless: None,
            overrides: Vec::new(),
            overridden_by: Vec::new(),
            outcome: Outcome::Allow,
            tier: None,
            reasons: Vec::new(),
            review: None,
            citations: Vec::new(),
            rationale: None,
            obligations: Vec::new(),
            description: docs.before(r.span.start),
        };
        for clause in &r.clauses {
            match &clause.kind {
                ClauseKind::Effective(d) => {
                    rule.effective = rule.effective.max(date(&d.text));
                }
                ClauseKind::Sunset(d) => {
                    let own = date(&d.text);
                    // The rule's own sunset counts only when it ends the
                    // rule before (or with) its block.
                    rule.own_sunset = own.is_some() && (block.1.is_none() || own <= block.1);
                    rule.sunset = match (block.1, own) {
                        (Some(b), Some(o)) => Some(b.min(o)),
                        (b, o) => o.or(b),
                    };
                }
                ClauseKind::When(e) => rule.when = self.cond(file, e),
                ClauseKind::Unless(e) => rule.unless = Some(self.cond(file, e)),
                ClauseKind::Then(o) => {
                    rule.outcome = outcome(&o.kind);
                    if let Outcome::AllowUnder(names) = &rule.outcome {
                        for name in names {
                            match self.binding(file, name) {
                                Some(Binding::Decl {
                                    module,
                                    export: Export::Authorization,
                                }) => {
                                    self.used_authorizations.insert(name.clone(), module);
                                }
                                _ => self
                                    .problems
                                    .push(format!("authorization `{name}` does not resolve")),
                            }
                        }
                    }
                }
                ClauseKind::Tier(t) => rule.tier = Some(self.tier_rank(&t.name)),
                ClauseKind::Reasons(rs) => {
                    rule.reasons = rs.iter().map(|r| r.name.clone()).collect();
                }
                ClauseKind::Review(p) => rule.review = self.review(p),
                ClauseKind::Cite(c) => rule.citations.push(c.text.clone()),
                ClauseKind::Because(b) => rule.rationale = Some(b.text.clone()),
                ClauseKind::Obligation(o) => rule.obligations.push(o.text.clone()),
                ClauseKind::Error => self.problems.push("a rule clause did not parse".into()),
            }
        }
        rule
    }

    fn review(&mut self, name: &Ident) -> Option<Review> {
        let review = Review::from_name(&name.name);
        if review.is_none() {
            self.problems
                .push(format!("unknown review policy `{}`", name.name));
        }
        review
    }

    /// An authorization's label and citations, from its declaring module.
    fn authorization(&mut self, module: &str, name: &str) -> Option<Authorization> {
        if let Some(file) = module_file(self.db, self.ws, module) {
            for item in &parse_file(self.db, file).module.items {
                if let Item::Authorization(a) = item
                    && a.name.name == name
                {
                    return Some(Authorization {
                        label: a.label.as_ref().map(|l| l.text.clone()),
                        citations: a.provenance.cites.iter().map(|c| c.text.clone()).collect(),
                    });
                }
            }
        }
        self.problems
            .push(format!("authorization `{name}` not found"));
        None
    }

    fn test(&mut self, file: SourceFile, t: &crate::syntax::ast::TestDecl) -> Test {
        let mut test = Test {
            name: t.name.text.clone(),
            source: self.source(file, t.name.span),
            at: Date {
                year: 1970,
                month: 1,
                day: 1,
            },
            given: BTreeMap::new(),
            expects: Vec::new(),
        };
        for m in &t.members {
            match m {
                TestMember::At(d) => {
                    if let Some(d) = date(&d.text) {
                        test.at = d;
                    }
                }
                TestMember::Given { fields, .. } => {
                    for (name, e) in fields {
                        let value = match self.value(file, e) {
                            Operand::Const(v) => v,
                            _ => {
                                self.problems.push(format!(
                                    "test value of `{}` is not a constant",
                                    name.name
                                ));
                                Value::Bool(false)
                            }
                        };
                        test.given.insert(name.name.clone(), value);
                    }
                }
                TestMember::Expect(x) => {
                    let mut e = Expectation {
                        jurisdiction: x.jurisdiction.name.clone(),
                        outcome: outcome(&x.outcome.kind),
                        tier: None,
                        review: None,
                        reasons: None,
                        source: self.source(file, x.span),
                    };
                    for option in &x.options {
                        match option {
                            ExpectOption::Tier(t) => e.tier = Some(t.name.clone()),
                            ExpectOption::Review(p) => e.review = self.review(p),
                            ExpectOption::Reasons(rs) => {
                                e.reasons = Some(rs.iter().map(|r| r.name.clone()).collect());
                            }
                        }
                    }
                    test.expects.push(e);
                }
                TestMember::Error(_) => {}
            }
        }
        test
    }
}

impl Lowering<'_> {
    fn assertion(&mut self, file: SourceFile, a: &AssertDecl) -> Assertion {
        let mut out = Assertion {
            name: a.name.text.clone(),
            source: self.source(file, a.name.span),
            from: None,
            until: None,
            when: Cond::Const(true),
            expects: Vec::new(),
        };
        for m in &a.members {
            match m {
                AssertMember::Scope(word, d) if word.name == "from" => out.from = date(&d.text),
                AssertMember::Scope(_, d) => out.until = date(&d.text),
                AssertMember::When(e) => out.when = self.cond(file, e),
                AssertMember::Expect(x) => {
                    let mut e = Assurance {
                        jurisdiction: x.jurisdiction.name.clone(),
                        outcome: match &x.outcome {
                            ast::OutcomeTest::AnyOf(os) => {
                                OutcomeTest::AnyOf(os.iter().map(|o| outcome(&o.kind)).collect())
                            }
                            ast::OutcomeTest::Not(o) => OutcomeTest::Not(outcome(&o.kind)),
                            ast::OutcomeTest::AtLeast(_, o) => {
                                OutcomeTest::AtLeast(outcome(&o.kind).kind())
                            }
                        },
                        review_at_least: None,
                        tier_at_least: None,
                        no_authorizations: false,
                        source: self.source(file, x.span),
                    };
                    for option in &x.options {
                        match option {
                            AssertOption::ReviewAtLeast(_, p) => e.review_at_least = self.review(p),
                            AssertOption::TierAtLeast(_, t) => {
                                e.tier_at_least = Some(self.tier_rank(&t.name));
                            }
                            AssertOption::AuthorizationsNone(..) => e.no_authorizations = true,
                        }
                    }
                    out.expects.push(e);
                }
                AssertMember::Error(_) => {}
            }
        }
        out
    }
}

fn outcome(kind: &OutcomeKind) -> Outcome {
    match kind {
        OutcomeKind::Allow => Outcome::Allow,
        OutcomeKind::AllowUnder(auths) => {
            Outcome::AllowUnder(auths.iter().map(|a| a.name.clone()).collect())
        }
        OutcomeKind::RequireLicense => Outcome::RequireLicense,
        OutcomeKind::Deny => Outcome::Deny,
    }
}

enum Resolved {
    Value(Operand),
    Set(SetExpr),
}

/// The byte offset where each line starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, starts: &[usize], offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let line = starts.partition_point(|s| *s <= offset).max(1);
    let start = starts[line - 1];
    let column = text.get(start..offset).unwrap_or("").chars().count() + 1;
    (line as u32, column as u32)
}
