//! Checks of `test` blocks: a date, a value of the right type for every
//! input field, and expectations that name real jurisdictions, outcomes,
//! tiers, review policies and reasons.

use std::collections::BTreeMap;

use super::Ctx;
use super::expr::{Kind, Place};
use crate::diagnostics::Code;
use crate::syntax::ast::{Expect, ExpectOption, Expr, Ident, Span, TestDecl, TestMember};

impl Ctx<'_> {
    pub(super) fn test(&mut self, t: &TestDecl) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for member in &t.members {
            let (keyword, span) = match member {
                TestMember::At(l) => ("at", l.span),
                TestMember::Given { span, .. } => ("given", *span),
                _ => continue,
            };
            if let Some(first) = seen.insert(keyword, span) {
                self.duplicate_clause(keyword, span, first, "test");
            }
        }
        for member in &t.members {
            match member {
                TestMember::At(lit) => {
                    self.date(lit);
                }
                TestMember::Given { fields, span } => self.given(fields, *span),
                TestMember::Expect(e) => self.expectation(e),
                TestMember::Error(_) => {}
            }
        }
        if !seen.contains_key("at") && !t.members.iter().any(|m| matches!(m, TestMember::Error(_)))
        {
            let d = self
                .diag(
                    Code::TestWithoutDate,
                    t.name.span,
                    format!("test \"{}\" has no date", t.name.text),
                )
                .label("needs `at DATE`")
                .note("rules and group memberships depend on the date, so every test names one");
            self.report(d);
        }
    }

    fn given(&mut self, fields: &[(Ident, Expr)], span: Span) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for (name, value) in fields {
            if let Some(first) = seen.insert(&name.name, name.span) {
                self.duplicate_clause(&name.name, name.span, first, "transaction");
                continue;
            }
            let Some((module, ty)) = self.env.fields.get(&name.name).cloned() else {
                let fields: Vec<String> = self.env.fields.keys().cloned().collect();
                let mut d = self
                    .diag(
                        Code::UnknownField,
                        name.span,
                        format!("unknown input field `{}`", name.name),
                    )
                    .label("not declared in any `input` block");
                if let Some(help) = self.suggest(&name.name, fields.iter().map(String::as_str)) {
                    d = d.help(help);
                } else if name.name == "date" {
                    d = d.help("a test's date is given with `at DATE`");
                }
                self.report(d);
                continue;
            };
            let ty = self.type_in_module(&module, &ty);
            match self.expr(value, Some(&ty), Place::default()) {
                Kind::Value(found) if !found.compatible(&ty) => {
                    let d = self
                        .diag(
                            Code::TypeMismatch,
                            value.span,
                            format!("field `{}` is a `{ty}`, found a `{found}`", name.name),
                        )
                        .label(format!("a `{found}`"));
                    self.report(d);
                }
                Kind::Value(_) | Kind::Error => {}
                other => {
                    let d = self
                        .diag(
                            Code::TypeMismatch,
                            value.span,
                            format!(
                                "field `{}` takes one `{ty}` value, found {}",
                                name.name,
                                describe(&other)
                            ),
                        )
                        .label("not a single value");
                    self.report(d);
                }
            }
        }
        let missing: Vec<String> = self
            .env
            .fields
            .keys()
            .filter(|f| !seen.contains_key(f.as_str()))
            .map(|f| format!("`{f}`"))
            .collect();
        if !missing.is_empty() {
            let d = self
                .diag(
                    Code::MissingField,
                    span,
                    format!("the transaction leaves out {}", missing.join(", ")),
                )
                .label("incomplete transaction")
                .note("a transaction gives a value for every input field");
            self.report(d);
        }
    }

    /// Checks the jurisdiction an expectation names.
    pub(super) fn jurisdiction_name(&mut self, name: &Ident) {
        if self.env.jurisdictions.contains_key(&name.name) {
            return;
        }
        let names: Vec<String> = self.env.jurisdictions.keys().cloned().collect();
        let mut d = self
            .diag(
                Code::UnknownJurisdiction,
                name.span,
                format!("unknown jurisdiction `{}`", name.name),
            )
            .label("no jurisdiction block of this name");
        if let Some(help) = self.suggest(&name.name, names.iter().map(String::as_str)) {
            d = d.help(help);
        }
        self.report(d);
    }

    fn expectation(&mut self, e: &Expect) {
        self.jurisdiction_name(&e.jurisdiction);
        self.outcome(&e.outcome);
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for option in &e.options {
            let (keyword, span) = match option {
                ExpectOption::Tier(t) => ("tier", t.span),
                ExpectOption::Review(p) => ("review", p.span),
                ExpectOption::Reasons(rs) => ("reasons", rs.first().map_or(e.span, |r| r.span)),
            };
            if let Some(first) = seen.insert(keyword, span) {
                self.duplicate_clause(keyword, span, first, "expectation");
            }
            match option {
                ExpectOption::Tier(t) => self.tier_name(t),
                ExpectOption::Review(p) => self.review(p),
                ExpectOption::Reasons(rs) => self.reasons(rs),
            }
        }
    }
}

fn describe(kind: &Kind) -> &'static str {
    match kind {
        Kind::Set(_) => "a set",
        Kind::Cond => "a condition",
        _ => "an invalid expression",
    }
}
