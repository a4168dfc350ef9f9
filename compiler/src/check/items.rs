//! Checks of declarations other than jurisdictions and tests: duplicate
//! names, enums, groups (with cycles), inputs, tiers, assessments.

use std::collections::{BTreeMap, BTreeSet};

use super::Ctx;
use super::expr::Place;
use super::types::Ty;
use crate::diagnostics::Code;
use crate::syntax::ast::{
    AssessDecl, Expr, ExprKind, GroupDecl, Ident, InputDecl, Item, Module, Span, TiersDecl,
};

impl Ctx<'_> {
    /// Checks every item of the module.
    pub fn check_items(&mut self, module: &Module) {
        self.duplicate_names(module);
        self.group_cycles(module);
        let mut tiers_seen = 0;
        let mut assess_seen = 0;
        for item in &module.items {
            match item {
                Item::Group(g) => self.group(g),
                Item::Input(i) => self.input(i),
                Item::Tiers(t) => {
                    self.tiers(t, tiers_seen);
                    tiers_seen += 1;
                }
                Item::Assess(a) => {
                    self.assess(a, assess_seen);
                    assess_seen += 1;
                }
                Item::Jurisdiction(j) => self.jurisdiction(j),
                Item::Test(t) => self.test(t),
                Item::Assert(a) => self.assertion(a),
                Item::Use(_) | Item::Enum(_) | Item::Authorization(_) | Item::Error(_) => {}
            }
        }
    }

    /// Names declared twice in this module (enums, variants, groups,
    /// authorizations share one namespace).
    fn duplicate_names(&mut self, module: &Module) {
        let mut first: BTreeMap<&str, &Ident> = BTreeMap::new();
        let mut names: Vec<&Ident> = Vec::new();
        for item in &module.items {
            match item {
                Item::Enum(e) => {
                    names.push(&e.name);
                    names.extend(e.variants.iter().map(|v| &v.name));
                }
                Item::Group(g) => names.push(&g.name),
                Item::Authorization(a) => names.push(&a.name),
                _ => {}
            }
        }
        for name in names {
            match first.get(name.name.as_str()) {
                Some(original) => {
                    let d = self
                        .diag(Code::DuplicateName, name.span, format!("`{}` is defined twice", name.name))
                        .label("defined again here")
                        .with_secondary(self.path, original.span, "first defined here")
                        .note("enums, enum variants, groups and authorizations of a module share one namespace");
                    self.report(d);
                }
                None => {
                    first.insert(&name.name, name);
                }
            }
        }
    }

    fn group(&mut self, g: &GroupDecl) {
        let ty = self.resolve_type(&g.ty);
        self.set(&g.value, &ty, Place::default());
        if self.cites_required() {
            self.uncited_facts(g);
        }
    }

    /// `uncited-fact` is on for the standard library's modules (`std.…`)
    /// and, for other modules, when turned on with `--warn uncited-fact`.
    fn cites_required(&self) -> bool {
        let lint = Code::UncitedFact.lint().unwrap_or_default();
        self.module == "std"
            || self.module.starts_with("std.")
            || self.ws.settings(self.db).warned.contains(lint)
    }

    /// A group without `cite`, and each dated term without one.
    fn uncited_facts(&mut self, g: &GroupDecl) {
        let insert_at = |end: u32| Span { start: end, end };
        if g.provenance.cites.is_empty() {
            let d = self
                .diag(
                    Code::UncitedFact,
                    g.name.span,
                    format!("group `{}` cites no source", g.name.name),
                )
                .label("no `cite`")
                .help("name the instrument that defines it: `group NAME: TYPE cite \"...\" = ...`")
                .fix("add a `cite`", insert_at(g.ty.span.end), " cite \"\"");
            self.report(d);
        }
        for e in g.value.dated_terms() {
            let ExprKind::Dated {
                effective,
                sunset,
                provenance,
                ..
            } = &e.kind
            else {
                continue;
            };
            if (effective.is_some() || sunset.is_some()) && provenance.cites.is_empty() {
                let d = self
                    .diag(Code::UncitedFact, e.span, "dated membership cites no source")
                    .label("no `cite` for this change")
                    .help("name the rule that made the change: `{KH} effective 2021-12-09 cite \"86 FR 70015\"`")
                    .fix("add a `cite`", insert_at(e.span.end), " cite \"\"");
                self.report(d);
            }
        }
    }

    /// Groups of this module that (through other groups) contain themselves.
    fn group_cycles(&mut self, module: &Module) {
        let groups: BTreeMap<&str, &GroupDecl> = module
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Group(g) => Some((g.name.name.as_str(), g)),
                _ => None,
            })
            .collect();
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (name, g) in &groups {
            let mut refs = Vec::new();
            names_in(&g.value, &mut refs);
            edges.insert(
                name,
                refs.into_iter()
                    .filter(|r| groups.contains_key(r))
                    .collect(),
            );
        }
        let alive = on_cycles(&edges);
        for name in alive {
            let g = groups[name];
            let via: Vec<String> = edges[name].iter().map(|m| format!("`{m}`")).collect();
            let d = self
                .diag(
                    Code::GroupCycle,
                    g.name.span,
                    format!("group `{name}` contains itself"),
                )
                .label("defined in terms of itself")
                .note(format!("`{name}` refers to {}", via.join(", ")))
                .help("a group's members must be defined without referring back to it");
            self.report(d);
        }
    }

    fn input(&mut self, input: &InputDecl) {
        let mut seen: BTreeMap<&str, &Ident> = BTreeMap::new();
        for field in &input.fields {
            self.resolve_type(&field.ty);
            if field.name.name == "date" {
                let d = self
                    .diag(
                        Code::DuplicateName,
                        field.name.span,
                        "`date` is declared implicitly",
                    )
                    .label("every transaction carries `date`")
                    .help("remove this field");
                self.report(d);
            }
            if let Some(first) = seen.insert(&field.name.name, &field.name) {
                let d = self
                    .diag(
                        Code::DuplicateName,
                        field.name.span,
                        format!("field `{}` is declared twice", field.name.name),
                    )
                    .label("declared again here")
                    .with_secondary(self.path, first.span, "first declared here");
                self.report(d);
            }
            if let Some(decls) = self.env.field_conflicts.get(&field.name.name) {
                let list: Vec<String> = decls
                    .iter()
                    .map(|(m, t)| format!("`{t}` in `{m}`"))
                    .collect();
                let d = self
                    .diag(
                        Code::FieldTypeConflict,
                        field.ty.span,
                        format!(
                            "field `{}` is declared with different types",
                            field.name.name
                        ),
                    )
                    .label(format!("`{}` here", field.ty.name))
                    .note(format!("declarations: {}", list.join(", ")))
                    .note("the input blocks of all modules form one schema");
                self.report(d);
            }
        }
    }

    fn tiers(&mut self, t: &TiersDecl, index_in_file: usize) {
        let modules = self.env.tiers_modules.clone();
        self.second_declaration(
            t.span,
            &modules,
            index_in_file,
            "a policy has one tier scale",
            "the scale",
        );
        let mut seen = BTreeSet::new();
        for tier in &t.tiers {
            if !seen.insert(&tier.name) {
                let d = self
                    .diag(
                        Code::DuplicateName,
                        tier.span,
                        format!("tier `{}` is listed twice", tier.name),
                    )
                    .label("listed again");
                self.report(d);
            }
        }
    }

    fn assess(&mut self, a: &AssessDecl, index_in_file: usize) {
        let modules = self.env.assess_modules.clone();
        self.second_declaration(
            a.span,
            &modules,
            index_in_file,
            "a policy has at most one `assess tier`",
            "the first",
        );
        let mut otherwise_at = None;
        for line in &a.lines {
            self.tier_name(&line.tier);
            if let Some(at) = otherwise_at {
                let d = self
                    .diag(
                        Code::UnreachableAssessLine,
                        line.span,
                        "this line is never reached",
                    )
                    .label("after `otherwise`")
                    .with_secondary(self.path, at, "`otherwise` always matches");
                self.report(d);
            }
            match &line.when {
                Some(cond) => self.condition(cond, Place { in_assess: true }),
                None => otherwise_at = otherwise_at.or(Some(line.span)),
            }
        }
        if otherwise_at.is_none() {
            let d = self
                .diag(
                    Code::AssessWithoutOtherwise,
                    a.span,
                    "`assess tier` does not end with `otherwise`",
                )
                .label("some transactions would get no tier")
                .help("add a last line such as `low otherwise`");
            self.report(d);
        }
    }

    /// Reports a `tiers` or `assess tier` block that is not the policy's
    /// first: not the first in its file, or in a later module than `modules[0]`.
    fn second_declaration(
        &mut self,
        span: Span,
        modules: &[String],
        index_in_file: usize,
        message: &str,
        first: &str,
    ) {
        let first_module = modules.first();
        if index_in_file > 0 || first_module.is_some_and(|m| *m != self.module) {
            let d = self
                .diag(Code::SecondDeclaration, span, message)
                .label("declared again here")
                .note(format!(
                    "{first} is declared in `{}`",
                    first_module.map_or("", String::as_str)
                ));
            self.report(d);
        }
    }

    /// Checks a tier name (in `tier T`, assess lines and expectations).
    pub fn tier_name(&mut self, name: &Ident) {
        match &self.env.tiers {
            None => {
                let d = self
                    .diag(
                        Code::NoTiers,
                        name.span,
                        format!(
                            "tier `{}` used, but the policy has no tier scale",
                            name.name
                        ),
                    )
                    .label("no `tiers` declaration")
                    .help("declare the scale: `tiers { low, medium, high }`");
                self.report(d);
            }
            Some((_, tiers)) if !tiers.contains(&name.name) => {
                self.unknown_name(&name.name, name.span, Some(&Ty::Tier))
            }
            Some(_) => {}
        }
    }
}

/// The nodes that lie on a cycle or between cycles: Kahn's algorithm peels
/// off nodes that reach no cycle, then nodes that no cycle reaches.
fn on_cycles<'n>(edges: &BTreeMap<&'n str, BTreeSet<&'n str>>) -> BTreeSet<&'n str> {
    let mut alive: BTreeSet<&str> = edges.keys().copied().collect();
    let mut preds: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, tos) in edges {
        for to in tos {
            preds.entry(to).or_default().push(from);
        }
    }
    let mut out_deg: BTreeMap<&str, usize> = edges.iter().map(|(n, tos)| (*n, tos.len())).collect();
    let mut queue: Vec<&str> = out_deg
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(n, _)| *n)
        .collect();
    while let Some(n) = queue.pop() {
        alive.remove(n);
        for p in preds.get(n).into_iter().flatten() {
            if let Some(d) = out_deg.get_mut(p) {
                *d -= 1;
                if *d == 0 {
                    queue.push(p);
                }
            }
        }
    }
    let mut in_deg: BTreeMap<&str, usize> = alive.iter().map(|n| (*n, 0)).collect();
    for n in &alive {
        for to in &edges[n] {
            if let Some(d) = in_deg.get_mut(to) {
                *d += 1;
            }
        }
    }
    let mut queue: Vec<&str> = in_deg
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(n, _)| *n)
        .collect();
    while let Some(n) = queue.pop() {
        alive.remove(n);
        for to in &edges[n] {
            if let Some(d) = in_deg.get_mut(to) {
                *d -= 1;
                if *d == 0 {
                    queue.push(to);
                }
            }
        }
    }
    alive
}

/// Every name an expression mentions (iteratively: chains can be long).
fn names_in<'e>(e: &'e Expr, out: &mut Vec<&'e str>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Name(n) => out.push(n),
            ExprKind::SetLit(items) | ExprKind::Or(items) | ExprKind::And(items) => {
                stack.extend(items)
            }
            ExprKind::Paren(x) | ExprKind::Not(x) => stack.push(x),
            ExprKind::Dated { term, .. } => stack.push(term),
            ExprKind::In { lhs, set, .. } => stack.extend([&**lhs, &**set]),
            ExprKind::Cmp { lhs, rhs, .. } => stack.extend([&**lhs, &**rhs]),
            ExprKind::SetOps { first, rest } => {
                stack.push(first);
                stack.extend(rest.iter().map(|(_, x)| x));
            }
            _ => {}
        }
    }
}
