//! Checks of `assert` blocks: the contextual words (`from`, `until`,
//! `least`, `authorizations none`), dates in order, a condition, and
//! expectations that name real jurisdictions, outcomes, review policies and
//! tiers. Whether the assertion holds is decided after the table is built
//! (`crate::prove`).

use std::collections::BTreeMap;

use super::Ctx;
use super::expr::Place;
use crate::diagnostics::Code;
use crate::syntax::ast::{
    AssertDecl, AssertExpect, AssertMember, AssertOption, Ident, OutcomeTest, Span,
};

impl Ctx<'_> {
    pub(super) fn assertion(&mut self, a: &AssertDecl) {
        let mut seen: BTreeMap<String, Span> = BTreeMap::new();
        let mut dates = [None, None];
        let mut expects = 0;
        for member in &a.members {
            let (keyword, span) = match member {
                AssertMember::Scope(word, date) => {
                    let slot = match word.name.as_str() {
                        "from" => 0,
                        "until" => 1,
                        _ => {
                            self.word(word, &["from", "until"], "a date scope");
                            continue;
                        }
                    };
                    dates[slot] = self.date(date).map(|d| (d, date.span));
                    (word.name.clone(), word.span)
                }
                AssertMember::When(e) => {
                    self.condition(e, Place::default());
                    ("when".to_string(), e.span)
                }
                AssertMember::Expect(e) => {
                    expects += 1;
                    self.assert_expectation(e);
                    continue;
                }
                AssertMember::Error(_) => continue,
            };
            if let Some(first) = seen.insert(keyword.clone(), span) {
                self.duplicate_clause(&keyword, span, first, "assertion");
            }
        }
        if let [Some((from, _)), Some((until, span))] = dates
            && until <= from
        {
            let d = self
                .diag(
                    Code::EmptyAssertionPeriod,
                    span,
                    format!("`until {until}` is not after `from {from}`"),
                )
                .label("no date is in this period")
                .note("`from` is the first day checked, `until` the first day not checked");
            self.report(d);
        }
        let broken = a
            .members
            .iter()
            .any(|m| matches!(m, AssertMember::Error(_)));
        if expects == 0 && !broken {
            let d = self
                .diag(
                    Code::MissingClause,
                    a.name.span,
                    format!("assertion \"{}\" expects nothing", a.name.text),
                )
                .label("needs `expect JURISDICTION: ...`")
                .note("an assertion states what every decision in its scope must be");
            self.report(d);
        }
    }

    /// A contextual word: `word` must be one of `allowed`.
    fn word(&mut self, word: &Ident, allowed: &[&str], what: &str) {
        if allowed.contains(&word.name.as_str()) {
            return;
        }
        let list: Vec<String> = allowed.iter().map(|w| format!("`{w}`")).collect();
        let d = self
            .diag(
                Code::UnexpectedToken,
                word.span,
                format!(
                    "expected {} in {what}, found `{}`",
                    list.join(" or "),
                    word.name
                ),
            )
            .label(format!("not {}", list.join(" or ")));
        let close = self.close_names(&word.name, allowed.iter().copied());
        let d = super::with_suggestions(d, word.span, &close);
        self.report(d);
    }

    fn assert_expectation(&mut self, e: &AssertExpect) {
        self.jurisdiction_name(&e.jurisdiction);
        match &e.outcome {
            OutcomeTest::AnyOf(outcomes) => {
                for o in outcomes {
                    self.outcome(o);
                }
            }
            OutcomeTest::Not(o) => self.outcome(o),
            OutcomeTest::AtLeast(word, o) => {
                self.word(word, &["least"], "`at least`");
                self.outcome(o);
            }
        }
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for option in &e.options {
            let (keyword, span) = match option {
                AssertOption::ReviewAtLeast(word, p) => {
                    self.word(word, &["least"], "`review at least`");
                    self.review(p);
                    ("review", p.span)
                }
                AssertOption::TierAtLeast(word, t) => {
                    self.word(word, &["least"], "`tier at least`");
                    self.tier_name(t);
                    ("tier", t.span)
                }
                AssertOption::AuthorizationsNone(a, n) => {
                    self.word(a, &["authorizations"], "an expectation");
                    self.word(n, &["none"], "`authorizations none`");
                    ("authorizations", a.span)
                }
            };
            if let Some(first) = seen.insert(keyword, span) {
                self.duplicate_clause(keyword, span, first, "expectation");
            }
        }
    }
}
