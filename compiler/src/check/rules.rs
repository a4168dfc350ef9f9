//! Checks of jurisdictions and rules: clauses, outcomes, dates against the
//! jurisdiction block, overrides, and the rule lints (expired, not yet
//! effective, missing sunset, missing citation).

use std::collections::{BTreeMap, BTreeSet};

use super::Ctx;
use super::expr::Place;
use super::scope::Binding;
use super::summary::Export;
use crate::date::Date;
use crate::diagnostics::Code;
use crate::hir::Review;
use crate::syntax::ast::{
    ClauseKind, Ident, JurisdictionDecl, JurisdictionMember, Outcome, OutcomeKind, RuleDecl, Span,
};

/// A jurisdiction block's own dates.
#[derive(Default, Clone, Copy)]
struct BlockDates {
    effective: Option<(Date, Span)>,
    sunset: Option<(Date, Span)>,
}

impl Ctx<'_> {
    pub(super) fn jurisdiction(&mut self, j: &JurisdictionDecl) {
        let mut block = BlockDates::default();
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for member in &j.members {
            let (keyword, span, lit) = match member {
                JurisdictionMember::Authority(l) => ("authority", l.span, None),
                JurisdictionMember::Effective(l) => ("effective", l.span, Some(l)),
                JurisdictionMember::Sunset(l) => ("sunset", l.span, Some(l)),
                _ => continue,
            };
            if let Some(first) = seen.insert(keyword, span) {
                self.duplicate_clause(keyword, span, first, "jurisdiction block");
                continue;
            }
            let date = lit.and_then(|l| self.date(l)).map(|d| (d, span));
            match keyword {
                "effective" => block.effective = date,
                "sunset" => block.sunset = date,
                _ => {}
            }
        }
        if let (Some((from, _)), Some((to, span))) = (block.effective, block.sunset)
            && to <= from
        {
            self.sunset_not_after(to, from, span);
        }
        let rules = self
            .env
            .jurisdictions
            .get(&j.name.name)
            .cloned()
            .unwrap_or_default();
        let index = JurisdictionIndex::new(&rules);
        let mut nth: BTreeMap<&str, usize> = BTreeMap::new();
        for member in &j.members {
            if let JurisdictionMember::Rule(rule) = member {
                let n = nth.entry(&rule.name.name).or_insert(0);
                self.rule(j, rule, *n, block, &index);
                *n += 1;
            }
        }
    }

    /// `keyword` (a clause, setting, option or field) given twice in one
    /// `within` (rule, jurisdiction block, test, expectation, transaction).
    pub(super) fn duplicate_clause(
        &mut self,
        keyword: &str,
        span: Span,
        first: Span,
        within: &str,
    ) {
        let d = self
            .diag(
                Code::DuplicateClause,
                span,
                format!("`{keyword}` given twice in one {within}"),
            )
            .label("given again here")
            .with_secondary(self.path, first, "first given here")
            .help("keep one");
        self.report(d);
    }

    fn sunset_not_after(&mut self, to: Date, from: Date, span: Span) {
        let d = self
            .diag(
                Code::SunsetNotAfterEffective,
                span,
                format!("sunset {to} is not after effective {from}"),
            )
            .label("must be later than the effective date")
            .note(
                "`effective` is inclusive and `sunset` exclusive, so this would never be in force",
            );
        self.report(d);
    }

    fn rule(
        &mut self,
        j: &JurisdictionDecl,
        rule: &RuleDecl,
        occurrence: usize,
        block: BlockDates,
        index: &JurisdictionIndex,
    ) {
        self.rule_identity(j, rule, occurrence, index);
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        let mut dates = BlockDates::default();
        let (mut has_cite, mut last_clause) = (false, None);
        for clause in &rule.clauses {
            let keyword = clause.kind.keyword();
            last_clause = Some(clause.span);
            let repeatable = matches!(
                clause.kind,
                ClauseKind::Cite(_) | ClauseKind::Obligation(_) | ClauseKind::Error
            );
            if !repeatable && let Some(first) = seen.insert(keyword, clause.span) {
                self.duplicate_clause(keyword, clause.span, first, "rule");
                continue;
            }
            match &clause.kind {
                ClauseKind::Effective(l) => dates.effective = self.date(l).map(|d| (d, l.span)),
                ClauseKind::Sunset(l) => dates.sunset = self.date(l).map(|d| (d, l.span)),
                ClauseKind::When(e) | ClauseKind::Unless(e) => self.condition(e, Place::default()),
                ClauseKind::Then(outcome) => self.outcome(outcome),
                ClauseKind::Tier(t) => self.tier_name(t),
                ClauseKind::Reasons(rs) => self.reasons(rs),
                ClauseKind::Review(p) => self.review(p),
                ClauseKind::Cite(_) => has_cite = true,
                ClauseKind::Because(_) | ClauseKind::Obligation(_) | ClauseKind::Error => {}
            }
        }
        for required in ["when", "then"] {
            if !seen.contains_key(required)
                && !rule
                    .clauses
                    .iter()
                    .any(|c| matches!(c.kind, ClauseKind::Error))
            {
                let d = self
                    .diag(
                        Code::MissingClause,
                        rule.name.span,
                        format!("rule `{}` has no `{required}` clause", rule.name.name),
                    )
                    .label(format!("needs `{required}`"))
                    .note("every rule needs `when CONDITION` and `then OUTCOME`");
                self.report(d);
            }
        }
        self.rule_dates(j, rule, dates, block);
        if !has_cite {
            let mut d = self
                .diag(
                    Code::MissingCite,
                    rule.name.span,
                    format!("rule `{}` cites no source", rule.name.name),
                )
                .label("no `cite`")
                .help("add `cite \"...\"` naming the regulation it implements");
            if let Some(at) = last_clause {
                let indent = self.indent_of(at);
                d = d.fix(
                    "add a `cite` clause",
                    Span {
                        start: at.end,
                        end: at.end,
                    },
                    format!("\n{indent}cite \"\""),
                );
            }
            self.report(d);
        }
        if dates.sunset.is_none() && block.sunset.is_none() {
            let until = Date {
                year: self.today.year.saturating_add(5),
                month: self.today.month,
                day: self.today.day.min(28),
            };
            let mut d = self
                .diag(Code::MissingSunset, rule.name.span, format!("rule `{}` has no sunset", rule.name.name))
                .label("in force indefinitely")
                .note("rules carry a sunset so that they are reviewed; add one to the rule or its jurisdiction block")
                .help(format!("add `sunset {until}` (five years from today) or the date the rule is due for review"));
            if let Some(at) = last_clause {
                let indent = self.indent_of(at);
                d = d.fix(
                    "add a `sunset` clause",
                    Span {
                        start: at.end,
                        end: at.end,
                    },
                    format!("\n{indent}sunset {until}"),
                );
            }
            self.report(d);
        }
    }

    fn indent_of(&self, span: Span) -> String {
        let before = self.text.get(..span.start as usize).unwrap_or("");
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        before[line_start..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect()
    }

    /// Duplicate rule names in the jurisdiction, and the overrides.
    fn rule_identity(
        &mut self,
        j: &JurisdictionDecl,
        rule: &RuleDecl,
        occurrence: usize,
        index: &JurisdictionIndex,
    ) {
        let same = index
            .by_name
            .get(rule.name.name.as_str())
            .cloned()
            .unwrap_or_default();
        let mine = same
            .iter()
            .position(|m| *m == self.module)
            .map(|p| p + occurrence);
        if mine.is_some_and(|p| p > 0) {
            let first = same[0].clone();
            let d = self
                .diag(Code::DuplicateName, rule.name.span, format!("rule `{}::{}` is defined twice", j.name.name, rule.name.name))
                .label("defined again here")
                .note(format!("module `{first}` defines it first; rules of one jurisdiction share one namespace across modules"));
            self.report(d);
        }
        let names = &index.names;
        for o in &rule.overrides {
            if names.contains(o.name.as_str()) {
                continue;
            }
            let elsewhere = self
                .env
                .jurisdictions
                .iter()
                .find(|(other, rs)| **other != j.name.name && rs.iter().any(|r| r.name == o.name))
                .map(|(other, _)| other.clone());
            let d = match elsewhere {
                Some(other) => self
                    .diag(Code::CrossJurisdictionOverride, o.span, format!("`{}` is a rule of `{other}`, not of `{}`", o.name, j.name.name))
                    .label("in another jurisdiction")
                    .note("each jurisdiction decides on its own; a rule can only override rules of its own jurisdiction"),
                None => {
                    let mut d = self
                        .diag(Code::UnknownRule, o.span, format!("no rule `{}` in jurisdiction `{}`", o.name, j.name.name))
                        .label("not a rule of this jurisdiction");
                    if let Some(help) = self.suggest(&o.name, names.iter().map(String::as_str)) {
                        d = d.help(help);
                    }
                    d
                }
            };
            self.report(d);
        }
        if let Some(cycle) = (!rule.overrides.is_empty())
            .then(|| override_cycle(&index.edges, &rule.name.name))
            .flatten()
        {
            let d = self
                .diag(
                    Code::OverrideCycle,
                    rule.name.span,
                    format!("rule `{}` overrides itself", rule.name.name),
                )
                .label("through a cycle of `overrides`")
                .note(format!("cycle: {}", cycle.join(" → ")))
                .help("remove one `overrides` of the cycle");
            self.report(d);
        }
    }

    fn rule_dates(
        &mut self,
        j: &JurisdictionDecl,
        rule: &RuleDecl,
        own: BlockDates,
        block: BlockDates,
    ) {
        if let (Some((from, _)), Some((to, span))) = (own.effective, own.sunset)
            && to <= from
        {
            self.sunset_not_after(to, from, span);
            return;
        }
        if let (Some((rule_from, span)), Some((block_from, block_span))) =
            (own.effective, block.effective)
            && rule_from < block_from
        {
            let d = self
                .diag(
                    Code::OutsideJurisdictionDates,
                    span,
                    format!(
                        "rule takes effect {rule_from}, before its jurisdiction ({block_from})"
                    ),
                )
                .label("earlier than the jurisdiction block")
                .with_secondary(
                    self.path,
                    block_span,
                    format!("`{}` takes effect here", j.name.name),
                )
                .note("a rule inherits its jurisdiction's dates and may only narrow them");
            self.report(d);
        }
        if let (Some((rule_to, span)), Some((block_to, block_span))) = (own.sunset, block.sunset)
            && rule_to > block_to
        {
            let d = self
                .diag(
                    Code::OutsideJurisdictionDates,
                    span,
                    format!("rule sunsets {rule_to}, after its jurisdiction ({block_to})"),
                )
                .label("later than the jurisdiction block")
                .with_secondary(
                    self.path,
                    block_span,
                    format!("`{}` sunsets here", j.name.name),
                )
                .note("a rule inherits its jurisdiction's dates and may only narrow them");
            self.report(d);
        }
        let from = own.effective.or(block.effective).map(|(d, _)| d);
        let (to, inherited) = match (own.sunset, block.sunset) {
            (Some((r, _)), Some((b, _))) => (Some(r.min(b)), b < r),
            (Some((r, _)), None) => (Some(r), false),
            (None, Some((b, _))) => (Some(b), true),
            (None, None) => (None, false),
        };
        if let Some(to) = to
            && to <= self.today
        {
            let mut d = self
                .diag(
                    Code::ExpiredRule,
                    rule.name.span,
                    format!("rule `{}` expired on {to}", rule.name.name),
                )
                .label("no longer in force")
                .note(format!("today is {}", self.today));
            if inherited {
                d = d.note(format!(
                    "the sunset comes from jurisdiction block `{}`",
                    j.name.name
                ));
            }
            self.report(d);
        } else if let Some(from) = from
            && from > self.today
        {
            let d = self
                .diag(
                    Code::NotYetEffective,
                    rule.name.span,
                    format!("rule `{}` takes effect on {from}", rule.name.name),
                )
                .label("not yet in force")
                .note(format!("today is {}", self.today));
            self.report(d);
        }
    }

    /// Checks an outcome's authorizations.
    pub(super) fn outcome(&mut self, outcome: &Outcome) {
        if let OutcomeKind::AllowUnder(auths) = &outcome.kind {
            for a in auths {
                self.expect_binding(a, "authorization", |e| matches!(e, Export::Authorization));
            }
        }
    }

    /// Checks `reasons` names: enum variants (`std.ear.reasons`).
    pub(super) fn reasons(&mut self, reasons: &[Ident]) {
        for r in reasons {
            self.expect_binding(
                r,
                "reason for control",
                |e| matches!(e, Export::Variant { enum_name, .. } if enum_name != "Country"),
            );
        }
    }

    fn expect_binding(&mut self, name: &Ident, what: &str, ok: impl Fn(&Export) -> bool) {
        match self.scope.get(&name.name) {
            Some(Binding::Decl { export, .. }) if ok(export) => {}
            Some(Binding::Decl { .. }) => {
                let d = self
                    .diag(
                        Code::WrongKind,
                        name.span,
                        format!("`{}` is not a {what}", name.name),
                    )
                    .label(format!("expected a {what}"));
                self.report(d);
            }
            Some(Binding::Ambiguous(_)) => {
                let d = self
                    .diag(
                        Code::AmbiguousName,
                        name.span,
                        format!("`{}` is ambiguous", name.name),
                    )
                    .label("imported by more than one `*`");
                self.report(d);
            }
            None => {
                let candidates = self.scope.names_where(ok);
                let mut d = self
                    .diag(
                        Code::UnknownName,
                        name.span,
                        format!("unknown {what} `{}`", name.name),
                    )
                    .label("not defined");
                if let Some(help) = self.suggest(&name.name, candidates.iter().map(String::as_str))
                {
                    d = d.help(help);
                } else if what == "authorization" {
                    d = d.help("license exceptions come from `use std.ear.exceptions.*`");
                } else {
                    d = d.help("reasons for control come from `use std.ear.reasons.*`");
                }
                self.report(d);
            }
        }
    }

    /// Checks a review policy name.
    pub(super) fn review(&mut self, name: &Ident) {
        if Review::from_name(&name.name).is_some() {
            return;
        }
        let names: Vec<&str> = Review::ALL.iter().map(|r| r.as_str()).collect();
        let d = self
            .diag(
                Code::UnknownReview,
                name.span,
                format!("unknown review policy `{}`", name.name),
            )
            .label("not a review policy")
            .note(format!("review policies: {}", names.join(", ")));
        let close = self.close_names(&name.name, names.iter().copied());
        let d = super::with_suggestions(d, name.span, &close);
        self.report(d);
    }
}

/// A jurisdiction's rules from every module, indexed once per block.
struct JurisdictionIndex {
    /// Rule name → the modules defining it, in order.
    by_name: BTreeMap<String, Vec<String>>,
    /// Every rule name.
    names: BTreeSet<String>,
    /// Rule name → the rules it overrides.
    edges: BTreeMap<String, Vec<String>>,
}

impl JurisdictionIndex {
    fn new(rules: &[crate::db::RuleSig]) -> Self {
        let mut index = JurisdictionIndex {
            by_name: BTreeMap::new(),
            names: BTreeSet::new(),
            edges: BTreeMap::new(),
        };
        for r in rules {
            index
                .by_name
                .entry(r.name.clone())
                .or_default()
                .push(r.module.clone());
            index.names.insert(r.name.clone());
            index
                .edges
                .entry(r.name.clone())
                .or_default()
                .extend(r.overrides.iter().cloned());
        }
        index
    }
}

/// A cycle of `overrides` through `start`, if there is one.
fn override_cycle(edges: &BTreeMap<String, Vec<String>>, start: &str) -> Option<Vec<String>> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut stack = vec![start];
    while let Some(at) = stack.pop() {
        for next in edges.get(at).into_iter().flatten().map(String::as_str) {
            if next == start {
                let mut chain = vec![start.to_string(), at.to_string()];
                let mut cur = at;
                while let Some(p) = parent.get(cur) {
                    chain.push(p.to_string());
                    cur = p;
                }
                chain.reverse();
                return Some(chain);
            }
            if !parent.contains_key(next) && next != start {
                parent.insert(next, at);
                stack.push(next);
            }
        }
    }
    None
}
