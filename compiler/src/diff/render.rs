//! A [`Report`] as terminal text (coloured on request) or Markdown, and
//! the words shared with the HTML page: regions, cells, decisions.

use std::fmt::Write as _;

use super::space::Space;
use super::{Change, DataImpact, Direction, EventKind, RegionRows, Report, Status};
use crate::date::Date;
use crate::eval::{Basis, Decision};
use crate::hir::{Elem, OutcomeKind};
use crate::table::sets::ColSet;
use crate::table::{Cell, Literal};

/// A region in words: its cells joined by `×`, items first, then
/// destinations, other fields, numbers, and the date last.
pub(super) fn describe(space: &Space, cells: &[(usize, Cell, ColSet)]) -> String {
    let mut parts: Vec<(u8, String)> = cells
        .iter()
        .map(|(c, cell, _)| {
            let col = &space.columns[*c];
            let rank = match col.elem {
                Elem::Eccn => 0,
                Elem::Country => 1,
                Elem::Enum(_) | Elem::Bool | Elem::Str => 2,
                Elem::Number | Elem::Tier => 3,
                Elem::Date => 4,
            };
            (rank, cell_text(&col.name, cell))
        })
        .collect();
    if parts.is_empty() {
        return "every transaction".into();
    }
    parts.sort_by_key(|(rank, _)| *rank);
    parts
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(" × ")
}

/// One cell in words: `destination in CN, MO`, `tpp < 21,000`,
/// `from 2026-01-15 through 2029-01-14`.
pub fn cell_text(name: &str, cell: &Cell) -> String {
    let list = |values: &[Literal]| {
        values
            .iter()
            .map(literal_text)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match cell {
        Cell::In { values } if values.len() == 1 => format!("{name} = {}", list(values)),
        Cell::In { values } => format!("{name} in {}", list(values)),
        Cell::NotIn { values } if values.len() == 1 => format!("{name} ≠ {}", list(values)),
        Cell::NotIn { values } => format!("{name} not in {}", list(values)),
        Cell::EccnIn { prefixes, except } => {
            let mut t = format!("{name} in {}", prefixes.join(", "));
            if !except.is_empty() {
                let _ = write!(t, " except {}", except.join(", "));
            }
            t
        }
        Cell::EccnNotIn { prefixes } => format!("{name} not in {}", prefixes.join(", ")),
        Cell::Range {
            min,
            min_inclusive,
            max,
            max_inclusive,
        } => {
            let lo = min.as_ref().map(|m| (m, *min_inclusive != Some(false)));
            let hi = max.as_ref().map(|m| (m, *max_inclusive == Some(true)));
            if name == "date" {
                date_range(lo, hi)
            } else {
                number_range(name, lo, hi)
            }
        }
    }
}

fn literal_text(l: &Literal) -> String {
    match l {
        Literal::Bool(b) => b.to_string(),
        Literal::Number(n) => number(n.0),
        Literal::Text(t) => t.clone(),
    }
}

/// A number with thousands separated: `26,000,000`, `0.7`.
pub(super) fn number(v: f64) -> String {
    if v.fract() != 0.0 || v.abs() >= 1e15 {
        return v.to_string();
    }
    let digits = format!("{}", v.abs() as u64);
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// Days as people read them: both ends inclusive.
fn date_range(lo: Option<(&Literal, bool)>, hi: Option<(&Literal, bool)>) -> String {
    let day = |b: Option<(&Literal, bool)>, shift: i64| {
        b.and_then(|(l, inclusive)| match l {
            Literal::Text(t) => Date::parse(t).ok().map(|d| {
                let n = if inclusive { 0 } else { shift };
                Date::from_days_since_epoch(d.days_since_epoch() + n)
            }),
            _ => None,
        })
    };
    match (day(lo, 1), day(hi, -1)) {
        (Some(a), Some(b)) if a == b => format!("on {a}"),
        (Some(a), Some(b)) => format!("from {a} through {b}"),
        (Some(a), None) => format!("from {a}"),
        (None, Some(b)) => format!("through {b}"),
        (None, None) => "any date".into(),
    }
}

fn number_range(name: &str, lo: Option<(&Literal, bool)>, hi: Option<(&Literal, bool)>) -> String {
    let v = |l: &Literal| literal_text(l);
    match (lo, hi) {
        (Some((a, true)), Some((b, true))) if a == b => format!("{name} = {}", v(a)),
        (Some((a, ai)), Some((b, bi))) => format!(
            "{} {} {name} {} {}",
            v(a),
            if ai { "≤" } else { "<" },
            if bi { "≤" } else { "<" },
            v(b)
        ),
        (Some((a, ai)), None) => format!("{name} {} {}", if ai { "≥" } else { ">" }, v(a)),
        (None, Some((b, bi))) => format!("{name} {} {}", if bi { "≤" } else { "<" }, v(b)),
        (None, None) => format!("any {name}"),
    }
}

/// A decision in words: `require license (RS), tier high, review case by case`.
pub fn decision_text(d: &Decision) -> String {
    let mut t = match d.outcome {
        OutcomeKind::Allow if d.basis == Basis::NoRule => "allow (no rule applies)".to_string(),
        OutcomeKind::Allow => "allow".to_string(),
        OutcomeKind::AllowUnder => format!("allow under {}", d.authorizations.join(", ")),
        OutcomeKind::RequireLicense => "require license".to_string(),
        OutcomeKind::Deny => "deny".to_string(),
    };
    if !d.reasons.is_empty() {
        let _ = write!(t, " ({})", d.reasons.join(", "));
    }
    if let Some(tier) = &d.tier {
        let _ = write!(t, ", tier {tier}");
    }
    if let Some(r) = d.review {
        let _ = write!(t, ", review {}", r.as_str().replace('_', " "));
    }
    for o in &d.obligations {
        let _ = write!(t, ", obligation “{o}”");
    }
    t
}

/// The rules of a decision, or `—`.
pub fn rules_text(d: &Decision) -> String {
    if d.rules.is_empty() {
        "—".into()
    } else {
        d.rules.join(", ")
    }
}

/// The summary line.
pub fn summary_text(r: &Report) -> String {
    let s = &r.summary;
    let mut parts = Vec::new();
    for (n, what) in [
        (s.rules_added, "added"),
        (s.rules_removed, "removed"),
        (s.rules_edited, "edited"),
    ] {
        if n > 0 {
            parts.push(format!("{} {what}", plural(n, "rule")));
        }
    }
    if s.other_changes > 0 {
        parts.push(format!(
            "{} changed",
            plural(s.other_changes, "other declaration")
        ));
    }
    if parts.is_empty() {
        parts.push("no declaration changed".into());
    }
    let impact = if r.equivalent {
        "no decision changes: the versions are equivalent on every transaction".to_string()
    } else {
        format!(
            "{} of changed decisions ({} tightening, {} loosening, {} lateral)",
            plural(s.regions, "region"),
            s.tightening,
            s.loosening,
            s.lateral
        )
    };
    format!("{}; {impact}", parts.join(", "))
}

/// The data's impact in one sentence: "3,412 of 1,200,000 rows change
/// decision (…)". Not escaped: it holds file names.
pub fn data_text(d: &DataImpact) -> String {
    let mut t = format!(
        "{} of {} {} in {} change decision ({} tightening, {} loosening, {} lateral)",
        thousands(d.changed),
        thousands(d.rows),
        if d.rows == 1 { "row" } else { "rows" },
        d.inputs.join(", "),
        thousands(d.tightening),
        thousands(d.loosening),
        thousands(d.lateral)
    );
    if d.rejected > 0 {
        t.push_str(&format!(
            "; {} rejected by either version, not compared",
            thousands(d.rejected)
        ));
    }
    if d.outside_regions > 0 {
        t.push_str(&format!(
            "; {} changes outside every region",
            thousands(d.outside_regions)
        ));
    }
    t
}

/// A region's rows of data: "412 rows (e.g. 17, 52, 90)". Not escaped.
pub fn region_rows_text(r: &RegionRows) -> String {
    let ids: Vec<String> = r.sample.iter().map(|v| v.to_string()).collect();
    let more = if r.rows > r.sample.len() as u64 {
        ", …"
    } else {
        ""
    };
    if ids.is_empty() {
        format!("{} rows", thousands(r.rows))
    } else {
        format!(
            "{} {} (e.g. {}{more})",
            thousands(r.rows),
            if r.rows == 1 { "row" } else { "rows" },
            ids.join(", ")
        )
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `added`, `removed`, `edited`.
pub fn status_text(s: Status) -> &'static str {
    match s {
        Status::Added => "added",
        Status::Removed => "removed",
        Status::Edited => "edited",
    }
}

/// `takes effect` or `ends`.
pub fn event_text(e: EventKind) -> &'static str {
    match e {
        EventKind::TakesEffect => "takes effect",
        EventKind::Ends => "ends (sunset)",
    }
}

/// A clause's texts, each wrapped, one a line (`—` for none).
pub(super) fn clause_texts(texts: &[String], wrap: impl Fn(&str) -> String) -> String {
    if texts.is_empty() {
        return "—".to_string();
    }
    texts
        .iter()
        .map(|t| wrap(t))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// One line of a line diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// In both.
    Same(&'a str),
    /// Only in the old text.
    Old(&'a str),
    /// Only in the new text.
    New(&'a str),
}

/// The lines of two texts, aligned by their longest common subsequence.
pub fn line_diff<'a>(old: &'a str, new: &'a str) -> Vec<Line<'a>> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Declarations are short; past this size, old then new.
    if a.len() * b.len() > 1_000_000 {
        return a
            .into_iter()
            .map(Line::Old)
            .chain(b.into_iter().map(Line::New))
            .collect();
    }
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for k in (0..b.len()).rev() {
            lcs[i][k] = if a[i] == b[k] {
                lcs[i + 1][k + 1] + 1
            } else {
                lcs[i + 1][k].max(lcs[i][k + 1])
            };
        }
    }
    let (mut i, mut k) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() || k < b.len() {
        if i < a.len() && k < b.len() && a[i] == b[k] {
            out.push(Line::Same(a[i]));
            i += 1;
            k += 1;
        } else if i < a.len() && (k == b.len() || lcs[i + 1][k] >= lcs[i][k + 1]) {
            out.push(Line::Old(a[i]));
            i += 1;
        } else {
            out.push(Line::New(b[k]));
            k += 1;
        }
    }
    out
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn direction(&self, d: Direction) -> String {
        let code = match d {
            Direction::Tightening => "31",
            Direction::Loosening => "32",
            Direction::Lateral => "33",
        };
        self.paint(code, d.as_str())
    }
}

fn where_text(c: &Change) -> String {
    let at = |d: &Option<super::Declared>| {
        d.as_ref()
            .filter(|d| !d.path.is_empty())
            .map(|d| format!("{}:{}", d.path, d.line))
    };
    match (at(&c.old), at(&c.new)) {
        (Some(a), Some(b)) if a == b => a,
        (Some(a), Some(b)) => format!("{a} → {b}"),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => String::new(),
    }
}

/// The report as terminal text; `color` adds ANSI colours. Every text that
/// comes from a policy is escaped ([`crate::escape::terminal`]): only the
/// colours are control sequences.
pub fn text(r: &Report, color: bool) -> String {
    let st = Style { color };
    let e = |t: &str| crate::escape::terminal(t).into_owned();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {} → {}",
        st.paint("1", "edict diff"),
        e(&r.old.label),
        e(&r.new.label)
    );
    let _ = writeln!(o, "policy {}", e(&r.new.policy));
    let _ = writeln!(o, "{}\n", summary_text(r));
    if let Some(d) = &r.data {
        let _ = writeln!(o, "data: {}\n", e(&data_text(d)));
    }
    for n in &r.notes {
        let _ = writeln!(o, "note: {}", e(n));
    }
    if !r.notes.is_empty() {
        o.push('\n');
    }
    if !r.changes.is_empty() {
        let _ = writeln!(o, "{}", st.paint("1", "Declarations"));
        for c in &r.changes {
            let mark = match c.status {
                Status::Added => st.paint("32", "+"),
                Status::Removed => st.paint("31", "-"),
                Status::Edited => st.paint("33", "~"),
            };
            let _ = writeln!(
                o,
                "  {mark} {} {} {} ({})",
                c.kind.as_str(),
                e(&c.name),
                status_text(c.status),
                e(&where_text(c))
            );
            for clause in &c.clauses {
                let _ = writeln!(o, "      {}", e(&clause.clause));
                for t in &clause.old {
                    let _ = writeln!(o, "        {}", st.paint("31", &format!("- {}", e(t))));
                }
                for t in &clause.new {
                    let _ = writeln!(o, "        {}", st.paint("32", &format!("+ {}", e(t))));
                }
            }
        }
        o.push('\n');
    }
    if !r.impact.is_empty() {
        let _ = writeln!(o, "{}", st.paint("1", "Decisions that change"));
        for (i, g) in r.impact.iter().enumerate() {
            let _ = writeln!(
                o,
                "  {}. {} {}: {}",
                i + 1,
                st.direction(g.direction),
                e(&g.jurisdiction),
                e(&g.description)
            );
            let _ = writeln!(o, "       before: {}", e(&decision_text(&g.before)));
            let _ = writeln!(o, "       after:  {}", e(&decision_text(&g.after)));
            let _ = writeln!(
                o,
                "       rules:  {} → {}",
                e(&rules_text(&g.before)),
                e(&rules_text(&g.after))
            );
            let _ = writeln!(
                o,
                "       e.g.    {}",
                e(&serde_json::to_string(&g.witness).unwrap_or_default())
            );
            if let Some(rows) = r.data.as_ref().and_then(|d| d.regions.get(i)) {
                let _ = writeln!(o, "       data:   {}", e(&region_rows_text(rows)));
            }
        }
        o.push('\n');
    }
    if !r.timeline.is_empty() {
        let _ = writeln!(o, "{}", st.paint("1", "Timeline"));
        for ev in &r.timeline {
            let sides = match (ev.old, ev.new) {
                (true, true) => "old and new".to_string(),
                (true, false) => st.paint("31", "old only"),
                _ => st.paint("32", "new only"),
            };
            let _ = writeln!(
                o,
                "  {}  {} {}  [{sides}]",
                ev.date,
                e(&ev.rule),
                event_text(ev.event)
            );
        }
    }
    o
}

/// Text from a policy as literal Markdown (no markup, links, images or
/// HTML; safe in table cells).
fn md(text: &str) -> String {
    crate::escape::markdown(text)
}

/// Text from a policy as a Markdown code span.
fn code(text: &str) -> String {
    crate::escape::markdown_code(text)
}

/// A fence for a code block holding `text`: longer than any run of
/// backticks in it, so the text cannot close the block.
fn fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// The report as Markdown, for a comment docket.
pub fn markdown(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# What changes: {} → {}\n",
        code(&r.old.label),
        code(&r.new.label)
    );
    let _ = writeln!(o, "Policy {}. {}.\n", code(&r.new.policy), summary_text(r));
    let _ = writeln!(
        o,
        "Old table `{}`, new table `{}`.\n",
        r.old.table, r.new.table
    );
    if let Some(d) = &r.data {
        let _ = writeln!(o, "**Data:** {}.\n", md(&data_text(d)));
    }
    for n in &r.notes {
        let _ = writeln!(o, "> Note: {}\n", md(n));
    }
    let _ = writeln!(o, "## Decisions that change\n");
    if r.impact.is_empty() {
        let _ = writeln!(o, "None: every transaction gets the same decision.\n");
    } else {
        let _ = writeln!(
            o,
            "| # | Jurisdiction | Change | Transactions | Before | After | Rules (before → after) | Example |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|---|---|");
        for (i, g) in r.impact.iter().enumerate() {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} → {} | {} |",
                i + 1,
                md(&g.jurisdiction),
                g.direction.as_str(),
                md(&g.description),
                md(&decision_text(&g.before)),
                md(&decision_text(&g.after)),
                md(&rules_text(&g.before)),
                md(&rules_text(&g.after)),
                code(&serde_json::to_string(&g.witness).unwrap_or_default())
            );
        }
        o.push('\n');
        if let Some(d) = &r.data {
            let _ = writeln!(o, "Rows of the data per region:\n");
            for (i, rows) in d.regions.iter().enumerate() {
                let _ = writeln!(o, "- {}: {}", i + 1, md(&region_rows_text(rows)));
            }
            o.push('\n');
        }
    }
    let _ = writeln!(o, "## Declarations\n");
    if r.changes.is_empty() {
        let _ = writeln!(o, "No declaration changed.\n");
    }
    for c in &r.changes {
        let _ = writeln!(
            o,
            "### {} {} — {}\n",
            c.kind.as_str(),
            code(&c.name),
            status_text(c.status)
        );
        let w = where_text(c);
        if !w.is_empty() {
            let _ = writeln!(o, "At {}.\n", code(&w));
        }
        let _ = writeln!(o, "| Clause | Old | New |\n|---|---|---|");
        for clause in &c.clauses {
            let cell = |v: &[String]| clause_texts(v, code);
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                md(&clause.clause),
                cell(&clause.old),
                cell(&clause.new)
            );
        }
        o.push('\n');
        let old = c.old.as_ref().and_then(|d| d.text.as_deref());
        let new = c.new.as_ref().and_then(|d| d.text.as_deref());
        if old.is_some() || new.is_some() {
            let (old, new) = (old.unwrap_or(""), new.unwrap_or(""));
            let fence = fence(&format!("{old}\n{new}"));
            let _ = writeln!(o, "{fence}diff");
            for line in line_diff(old, new) {
                let (mark, t) = match line {
                    Line::Same(t) => (' ', t),
                    Line::Old(t) => ('-', t),
                    Line::New(t) => ('+', t),
                };
                let _ = writeln!(o, "{mark}{}", crate::escape::terminal(t));
            }
            let _ = writeln!(o, "{fence}\n");
        }
    }
    if !r.timeline.is_empty() {
        let _ = writeln!(o, "## Timeline\n");
        let _ = writeln!(
            o,
            "| Date | Rule | Event | Old | New |\n|---|---|---|---|---|"
        );
        for e in &r.timeline {
            let yes = |b: bool| if b { "yes" } else { "—" };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                e.date,
                code(&e.rule),
                event_text(e.event),
                yes(e.old),
                yes(e.new)
            );
        }
    }
    o
}
