//! Test coverage: which rules, table rows and date boundaries the `test`
//! blocks of a policy exercise (`edict test --coverage`).
//!
//! Stage: after `testing`. [`coverage`] reads the compiled policy and the
//! results of its tests (each decided with its explanation):
//! - a **row** is reached when it holds on some test's transaction (it
//!   matched, whether it made the decision or was outranked);
//! - a **rule** is reached when one of its rows is;
//! - a rule's **boundary** — its effective or sunset date, as narrowed by
//!   its block — is tested on both sides when a test reaches the rule on
//!   its in-force side, and a test on the other side would reach it with
//!   the same transaction dated across the boundary (the day of an
//!   effective date, the day before a sunset): the pair "the day before
//!   the rule, no license; from its first day, a license".
//!
//! The report counts each per jurisdiction and in total, and lists what
//! is not covered; its JSON form is for CI gates.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::date::Date;
use crate::eval::{DecisionSet, Evaluator};
use crate::hir::{Rule, Test};
use crate::table::Compiled;
use crate::testing::TestResult;

/// The `format` of every coverage report.
pub const FORMAT: &str = "edict-coverage";

/// What the tests of a policy exercise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Always `edict-coverage`.
    pub format: String,
    /// The report version (this is version 1).
    pub version: u32,
    /// The policy name.
    pub policy: String,
    /// How many tests were run.
    pub tests: usize,
    /// The counts over every jurisdiction.
    pub total: Counts,
    /// Per jurisdiction, in name order.
    pub jurisdictions: Vec<JurisdictionCoverage>,
}

/// Reached against total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Rules.
    pub rules: usize,
    /// Rules some test reaches.
    pub rules_reached: usize,
    /// Table rows.
    pub rows: usize,
    /// Rows some test reaches.
    pub rows_reached: usize,
    /// Effective and sunset dates of rules.
    pub boundaries: usize,
    /// Those tested on both sides.
    pub boundaries_tested: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.rules += o.rules;
        self.rules_reached += o.rules_reached;
        self.rows += o.rows;
        self.rows_reached += o.rows_reached;
        self.boundaries += o.boundaries;
        self.boundaries_tested += o.boundaries_tested;
    }

    /// The share of rules reached, in percent (100 without rules).
    pub fn rule_share(&self) -> f64 {
        share(self.rules_reached, self.rules)
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        (part as f64 * 1000.0 / whole as f64).floor() / 10.0
    }
}

/// One jurisdiction's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JurisdictionCoverage {
    /// The jurisdiction.
    pub jurisdiction: String,
    /// Its counts.
    pub counts: Counts,
    /// Rules no test reaches.
    pub unreached_rules: Vec<Place>,
    /// Rows of reached rules that no test reaches, by row id.
    pub unreached_rows: Vec<UnreachedRow>,
    /// Boundaries not tested on both sides.
    pub untested_boundaries: Vec<Boundary>,
}

/// Where a rule is declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The rule.
    pub rule: String,
    /// Its file, relative to the project root.
    pub path: String,
    /// Its line.
    pub line: u32,
    /// The file as diagnostics name it.
    #[serde(skip)]
    pub file: String,
    /// Its name's span.
    #[serde(skip)]
    pub span: crate::table::Span,
}

/// A table row no test reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreachedRow {
    /// The row's `id`.
    pub row: usize,
    /// Its rule.
    pub rule: String,
}

/// A rule's date, and the side with no test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Boundary {
    /// The rule.
    pub rule: String,
    /// `effective` or `sunset`.
    pub event: &'static str,
    /// The date, `YYYY-MM-DD`.
    pub date: String,
    /// `before`, `after` or `both`: where no test reaches the rule's
    /// transactions.
    pub missing: &'static str,
}

/// The coverage of `results`, the tests of `compiled`.
pub fn coverage(compiled: &Compiled, results: &[TestResult<'_>]) -> Coverage {
    let table = &compiled.lowered.table;
    // INVARIANT: the compiled table is the compiler's own, always valid.
    let evaluator = Evaluator::new(table.clone(), compiled.digest.clone()).ok();
    let reached = |set: &DecisionSet, j: &str| -> BTreeSet<usize> {
        set.explanation
            .iter()
            .flatten()
            .filter(|e| e.jurisdiction == j)
            .flat_map(|e| e.matched.iter().chain(&e.set_aside).map(|n| n.row))
            .collect()
    };
    let mut out = Coverage {
        format: FORMAT.into(),
        version: 1,
        policy: table.policy.clone(),
        tests: results.len(),
        total: Counts::default(),
        jurisdictions: Vec::new(),
    };
    let mut moved = Moved {
        evaluator: evaluator.as_ref(),
        cache: BTreeMap::new(),
    };
    for j in &compiled.program.jurisdictions {
        let rows: Vec<&crate::table::Row> = table
            .decision_table
            .iter()
            .filter(|r| r.jurisdiction == j.name)
            .collect();
        let hit: BTreeSet<usize> = results
            .iter()
            .filter_map(|r| r.decisions.as_ref())
            .flat_map(|set| reached(set, &j.name))
            .collect();
        let rule_reached = |name: &str| rows.iter().any(|r| r.rule == name && hit.contains(&r.id));
        let mut c = JurisdictionCoverage {
            jurisdiction: j.name.clone(),
            counts: Counts {
                rules: j.rules.len(),
                rows: rows.len(),
                rows_reached: rows.iter().filter(|r| hit.contains(&r.id)).count(),
                ..Counts::default()
            },
            unreached_rules: Vec::new(),
            unreached_rows: Vec::new(),
            untested_boundaries: Vec::new(),
        };
        for rule in &j.rules {
            if rule_reached(&rule.name) {
                c.counts.rules_reached += 1;
            } else {
                c.unreached_rules.push(Place {
                    rule: rule.name.clone(),
                    path: rule.source.path.clone(),
                    line: rule.source.line,
                    file: rule.source.file.clone(),
                    span: rule.source.span,
                });
            }
            for b in boundaries(rule) {
                c.counts.boundaries += 1;
                match moved.missing(results, &j.name, rule, &b) {
                    None => c.counts.boundaries_tested += 1,
                    Some(missing) => c.untested_boundaries.push(Boundary {
                        rule: rule.name.clone(),
                        event: b.event,
                        date: b.date.to_string(),
                        missing,
                    }),
                }
            }
        }
        c.unreached_rows = rows
            .iter()
            .filter(|r| !hit.contains(&r.id) && rule_reached(&r.rule))
            .map(|r| UnreachedRow {
                row: r.id,
                rule: r.rule.clone(),
            })
            .collect();
        out.total.add(&c.counts);
        out.jurisdictions.push(c);
    }
    out
}

/// A rule's date where it starts or stops deciding.
struct Edge {
    event: &'static str,
    date: Date,
}

fn boundaries(rule: &Rule) -> Vec<Edge> {
    let mut out = Vec::new();
    if let Some(date) = rule.effective {
        out.push(Edge {
            event: "effective",
            date,
        });
    }
    if let Some(date) = rule.sunset {
        out.push(Edge {
            event: "sunset",
            date,
        });
    }
    out
}

/// Tests' transactions decided again on another date, cached.
struct Moved<'e> {
    evaluator: Option<&'e Evaluator>,
    cache: BTreeMap<(usize, Date), Option<DecisionSet>>,
}

impl Moved<'_> {
    /// The side of `edge` where no test reaches `rule` (`None`: both
    /// sides are tested).
    fn missing(
        &mut self,
        results: &[TestResult<'_>],
        j: &str,
        rule: &Rule,
        edge: &Edge,
    ) -> Option<&'static str> {
        // The in-force side: on or after an effective date, before a sunset.
        let in_force_after = edge.event == "effective";
        let across = if in_force_after {
            edge.date
        } else {
            Date::from_days_since_epoch(edge.date.days_since_epoch() - 1)
        };
        let (mut inside, mut outside) = (false, false);
        for (i, r) in results.iter().enumerate() {
            let after = r.test.at >= edge.date;
            if after == in_force_after {
                inside |= r
                    .decisions
                    .as_ref()
                    .is_some_and(|set| reaches(set, j, &rule.name));
            } else if !outside {
                outside |= self
                    .decide(i, r.test, across)
                    .is_some_and(|set| reaches(set, j, &rule.name));
            }
            if inside && outside {
                return None;
            }
        }
        let (before, after) = if in_force_after {
            (outside, inside)
        } else {
            (inside, outside)
        };
        Some(match (before, after) {
            (false, false) => "both",
            (false, true) => "before",
            _ => "after",
        })
    }

    fn decide(&mut self, i: usize, test: &Test, date: Date) -> Option<&DecisionSet> {
        let evaluator = self.evaluator;
        self.cache
            .entry((i, date))
            .or_insert_with(|| {
                let ev = evaluator?;
                let mut object = serde_json::Map::new();
                object.insert("date".into(), date.to_string().into());
                for (name, value) in &test.given {
                    object.insert(name.clone(), value.to_json());
                }
                let tx = ev.transaction(&serde_json::Value::Object(object)).ok()?;
                Some(ev.explain(&tx))
            })
            .as_ref()
    }
}

/// Whether a rule of `j` holds on a decided transaction.
fn reaches(set: &DecisionSet, j: &str, rule: &str) -> bool {
    set.explanation
        .iter()
        .flatten()
        .filter(|e| e.jurisdiction == j)
        .any(|e| e.matched.iter().chain(&e.set_aside).any(|n| n.rule == rule))
}

impl Coverage {
    /// The JSON form: pretty, with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The report as text (names escaped for a terminal).
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let e = |t: &str| crate::escape::terminal(t).into_owned();
        let line = |c: &Counts| {
            format!(
                "{} of {} rules reached ({}%), {} of {} rows ({}%), {} of {} date boundaries tested on both sides ({}%)",
                c.rules_reached,
                c.rules,
                c.rule_share(),
                c.rows_reached,
                c.rows,
                share(c.rows_reached, c.rows),
                c.boundaries_tested,
                c.boundaries,
                share(c.boundaries_tested, c.boundaries)
            )
        };
        let mut o = String::new();
        let _ = writeln!(
            o,
            "coverage of {} by {} tests: {}",
            e(&self.policy),
            self.tests,
            line(&self.total)
        );
        for j in &self.jurisdictions {
            let _ = writeln!(o, "  {}: {}", e(&j.jurisdiction), line(&j.counts));
            for p in &j.unreached_rules {
                let _ = writeln!(
                    o,
                    "    rule {} ({}:{}): no test reaches it",
                    e(&p.rule),
                    e(&p.path),
                    p.line
                );
            }
            for r in &j.unreached_rows {
                let _ = writeln!(
                    o,
                    "    row {} of rule {}: no test reaches it",
                    r.row,
                    e(&r.rule)
                );
            }
            for b in &j.untested_boundaries {
                let side = match b.missing {
                    "both" => "on either side",
                    "before" => "before it",
                    _ => "after it",
                };
                let _ = writeln!(
                    o,
                    "    rule {} {} {}: no test {side}",
                    e(&b.rule),
                    b.event,
                    b.date
                );
            }
        }
        o
    }
}
