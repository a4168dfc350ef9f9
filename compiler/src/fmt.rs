//! The formatter: one canonical layout for Edict source.
//!
//! Stage: consumes a parsed module and its comments (the trivia table);
//! produces text. Every comment is kept: comments between lines stay where
//! they were, comments at the end of a line stay there, and a comment inside
//! a one-line construct moves just above it. [`format`] refuses a file with
//! syntax errors and checks its own output — it must parse to the same tree
//! and keep every comment — so formatting can never lose a policy.

use serde_json::Value;

use crate::syntax::ast::*;
use crate::syntax::docs::DocIndex;
use crate::syntax::lexer::Comment;
use crate::syntax::parse;

/// Lines longer than this are broken where the layout allows.
pub const WIDTH: usize = 100;

/// Why a text was not formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FmtError {
    /// The text has syntax errors; it is left alone.
    SyntaxErrors(usize),
    /// The formatter's output would not mean the same (a bug; the text is
    /// left alone).
    Unsafe(&'static str),
}

/// Formats a file's text.
pub fn format(text: &str) -> Result<String, FmtError> {
    let parsed = parse(text);
    if !parsed.errors.is_empty() {
        return Err(FmtError::SyntaxErrors(parsed.errors.len()));
    }
    let out = Printer::new(text, &parsed.comments).module(&parsed.module);
    let again = parse(&out);
    if !again.errors.is_empty() {
        return Err(FmtError::Unsafe("the output does not parse"));
    }
    if meaning(&again.module) != meaning(&parsed.module) {
        return Err(FmtError::Unsafe("the output parses to a different policy"));
    }
    let texts = |cs: &[Comment]| {
        cs.iter()
            .map(|c| (c.doc, c.text.trim_end().to_string()))
            .collect::<Vec<_>>()
    };
    if texts(&again.comments) != texts(&parsed.comments) {
        return Err(FmtError::Unsafe("the output loses or reorders a comment"));
    }
    if doc_owners(text, &parsed) != doc_owners(&out, &again) {
        return Err(FmtError::Unsafe(
            "the output moves a doc comment to another declaration",
        ));
    }
    Ok(out)
}

/// For every node of the tree, in order, the doc comment it has (by the one
/// rule of [`DocIndex`]): equal lists mean every doc comment documents the
/// same declaration.
fn doc_owners(text: &str, parsed: &crate::syntax::ParseOutput) -> Vec<Option<String>> {
    let docs = DocIndex::new(text, &parsed.comments);
    let tree = serde_json::to_value(&parsed.module).unwrap_or(Value::Null);
    let mut owners = Vec::new();
    let mut stack = vec![&tree];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(start) = map
                    .get("span")
                    .and_then(|s| s.get("start"))
                    .and_then(Value::as_u64)
                {
                    owners.push(docs.before(start as u32));
                }
                // Children in reverse, so they are visited in order.
                stack.extend(map.values().rev());
            }
            Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    owners
}

/// A module's tree without spans, for comparing meaning.
pub fn meaning(module: &Module) -> Value {
    let mut v = serde_json::to_value(module).unwrap_or(Value::Null);
    let mut stack = vec![&mut v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                map.remove("span");
                stack.extend(map.values_mut());
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
    v
}

struct Printer<'a> {
    text: &'a str,
    comments: &'a [Comment],
    next: usize,
    out: String,
    indent: usize,
}

impl<'a> Printer<'a> {
    fn new(text: &'a str, comments: &'a [Comment]) -> Self {
        Printer {
            text,
            comments,
            next: 0,
            out: String::new(),
            indent: 0,
        }
    }

    fn pad(&self) -> String {
        "  ".repeat(self.indent)
    }

    /// Whether the line just above `pos` is empty in the source.
    fn blank_before(&self, pos: u32) -> bool {
        let before = self.text.get(..pos as usize).unwrap_or("");
        let mut lines = before.rsplit('\n');
        lines.next();
        lines.next().is_some_and(|line| line.trim().is_empty())
    }

    /// Comments that start before `pos`, each on its own line.
    fn leading(&mut self, pos: u32) {
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start >= pos {
                break;
            }
            if self.blank_before(c.span.start)
                && !self.out.ends_with("{\n")
                && !self.out.ends_with("\n\n")
                && !self.out.is_empty()
            {
                self.out.push('\n');
            }
            let slashes = if c.doc { "///" } else { "//" };
            self.out
                .push_str(&format!("{}{}{}\n", self.pad(), slashes, c.text.trim_end()));
            self.next += 1;
        }
    }

    /// One line of output for a node ending at `end`, with the comment that
    /// follows it directly (only spaces, or the separating comma the line
    /// is printed with, between) on the same source line. A comment after
    /// more code on that line (`rule b { … } /// Doc of c`) is not this
    /// node's: it stays in front of what follows it.
    fn line(&mut self, start: u32, end: u32, content: &str) {
        self.leading(end.max(start));
        self.out.push_str(&self.pad());
        self.out.push_str(content);
        if let Some(c) = self.comments.get(self.next)
            && self
                .text
                .get(end as usize..c.span.start as usize)
                .is_some_and(|gap| gap.chars().all(|ch| matches!(ch, ' ' | '\t' | ',')))
        {
            let slashes = if c.doc { "///" } else { "//" };
            self.out
                .push_str(&format!("  {}{}", slashes, c.text.trim_end()));
            self.next += 1;
        }
        self.out.push('\n');
    }

    fn open(&mut self, start: u32, head: &str) {
        self.leading(start);
        self.out.push_str(&format!("{}{} {{", self.pad(), head));
        self.out.push('\n');
        self.indent += 1;
    }

    fn close(&mut self, end: u32) {
        self.leading(end.saturating_sub(1));
        self.indent -= 1;
        self.out.push_str(&format!("{}}}\n", self.pad()));
    }

    fn separate(&mut self, start: u32) {
        if self.blank_before(
            self.comments
                .get(self.next)
                .filter(|c| c.span.start < start)
                .map_or(start, |c| c.span.start),
        ) && !self.out.ends_with("{\n")
            && !self.out.ends_with("\n\n")
        {
            self.out.push('\n');
        }
    }

    fn module(mut self, m: &Module) -> String {
        if let Some(h) = &m.header {
            self.line(h.span.start, h.span.end, &format!("policy {}", h.dotted()));
        }
        let mut previous: Option<&Item> = None;
        for item in &m.items {
            let both_uses = matches!((previous, item), (Some(Item::Use(_)), Item::Use(_)));
            let both_auths = matches!(
                (previous, item),
                (Some(Item::Authorization(_)), Item::Authorization(_))
            );
            let both_groups = matches!((previous, item), (Some(Item::Group(_)), Item::Group(_)));
            if !self.out.is_empty()
                && (!(both_uses || both_auths || both_groups)
                    || self.blank_before(self.first_pos(item.span().start)))
            {
                self.out.push('\n');
            }
            self.item(item);
            previous = Some(item);
        }
        self.leading(u32::MAX);
        self.out
    }

    fn first_pos(&self, start: u32) -> u32 {
        self.comments
            .get(self.next)
            .filter(|c| c.span.start < start)
            .map_or(start, |c| c.span.start)
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Use(u) => {
                let what = match &u.kind {
                    UseKind::Bare => String::new(),
                    UseKind::Glob => ".*".to_string(),
                    UseKind::Names(ns) => format!(".{{{}}}", names(ns)),
                };
                let mut text = format!("use {}{what}", u.path.dotted());
                if let (UseKind::Names(ns), true) = (&u.kind, text.len() > WIDTH) {
                    // A long list of names is filled over lines.
                    let pieces = ns.iter().map(|n| n.name.clone()).collect();
                    text = fill_braced(&format!("use {}.", u.path.dotted()), pieces, "");
                }
                self.line(u.span.start, u.span.end, &text);
            }
            Item::Enum(e) => self.enum_decl(e),
            Item::Group(g) => self.group(g),
            Item::Input(i) => {
                self.open(i.span.start, "input");
                for f in &i.fields {
                    self.line(
                        f.name.span.start,
                        f.ty.span.end,
                        &format!("{}: {}", f.name.name, f.ty.name),
                    );
                }
                self.close(i.span.end);
            }
            Item::Tiers(t) => self.line(
                t.span.start,
                t.span.end,
                &format!("tiers {{ {} }}", names(&t.tiers)),
            ),
            Item::Assess(a) => {
                self.open(a.span.start, "assess tier");
                let width = a.lines.iter().map(|l| l.tier.name.len()).max().unwrap_or(0);
                for l in &a.lines {
                    let tail = match &l.when {
                        Some(c) => format!("when {}", expr(c)),
                        None => "otherwise".to_string(),
                    };
                    self.line(
                        l.span.start,
                        l.span.end,
                        &format!("{:width$} {tail}", l.tier.name),
                    );
                }
                self.close(a.span.end);
            }
            Item::Authorization(a) => {
                let mut s = format!("authorization {}", a.name.name);
                if let Some(l) = &a.label {
                    s.push_str(&format!(" {}", string(&l.text)));
                }
                s.push_str(&provenance(&a.provenance));
                self.line(a.span.start, a.span.end, &s);
            }
            Item::Jurisdiction(j) => self.jurisdiction(j),
            Item::Test(t) => self.test(t),
            Item::Assert(a) => self.assertion(a),
            Item::Error(span) => {
                let raw = self.text.get(span.range()).unwrap_or("").to_string();
                self.line(span.start, span.end, &raw);
            }
        }
    }

    fn enum_decl(&mut self, e: &EnumDecl) {
        let inner_comment = self.comments[self.next..]
            .iter()
            .any(|c| c.span.start > e.span.start && c.span.start < e.span.end);
        let one_line = format!(
            "enum {} {{ {} }}",
            e.name.name,
            e.variants
                .iter()
                .map(variant)
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !inner_comment
            && e.variants
                .iter()
                .all(|v| v.label.is_none() && v.provenance.is_empty())
            && one_line.len() + self.indent * 2 <= WIDTH
        {
            self.line(e.span.start, e.span.end, &one_line);
            return;
        }
        self.open(e.span.start, &format!("enum {}", e.name.name));
        for v in &e.variants {
            let end = (v.provenance.cites.iter())
                .chain(&v.provenance.unverified)
                .chain(&v.label)
                .map(|l| l.span.end)
                .max()
                .unwrap_or(v.name.span.end);
            self.line(v.name.span.start, end, &format!("{},", variant(v)));
        }
        self.close(e.span.end);
    }

    fn group(&mut self, g: &GroupDecl) {
        let sources = provenance(&g.provenance);
        let mut head = format!("group {}: {}{sources} = ", g.name.name, g.ty.name);
        let flat = format!("{head}{}", expr(&g.value));
        let (first, rest) = match &g.value.kind {
            ExprKind::SetOps { first, rest }
                if rest.iter().all(|(op, _)| *op != SetOp::Intersect) =>
            {
                (&**first, rest.as_slice())
            }
            _ => (&g.value, &[][..]),
        };
        let dated = rest
            .iter()
            .any(|(_, e)| matches!(e.kind, ExprKind::Dated { .. }));
        if !dated && flat.len() + self.indent * 2 <= WIDTH {
            self.line(g.span.start, g.span.end, &flat);
            return;
        }
        self.leading(g.span.end);
        // Sources too long for the first line go one per line before `=`.
        let mut lines = Vec::new();
        if head.len() + self.indent * 2 + 2 > WIDTH {
            lines.push(format!("group {}: {}", g.name.name, g.ty.name));
            lines.extend(provenance_lines(&g.provenance, "  "));
            head = "= ".to_string();
        }
        lines.push(wrap_term(&head, first));
        lines.extend(
            rest.iter()
                .map(|(op, e)| wrap_term(&format!("  {} ", op.text()), e)),
        );
        let body = lines.join("\n");
        let last_line_start = body.rfind('\n').map_or(0, |i| i + 1);
        let (init, last) = body.split_at(last_line_start);
        self.out.push_str(init);
        self.line(g.span.start, g.span.end, last);
    }

    fn jurisdiction(&mut self, j: &JurisdictionDecl) {
        self.open(j.span.start, &format!("jurisdiction {}", j.name.name));
        let mut first = true;
        for m in &j.members {
            match m {
                JurisdictionMember::Authority(l) => self.line(
                    l.span.start,
                    l.span.end,
                    &format!("authority {}", string(&l.text)),
                ),
                JurisdictionMember::Effective(l) => {
                    self.line(l.span.start, l.span.end, &format!("effective {}", l.text))
                }
                JurisdictionMember::Sunset(l) => {
                    self.line(l.span.start, l.span.end, &format!("sunset {}", l.text))
                }
                JurisdictionMember::Rule(r) => {
                    if !first && !self.out.ends_with("\n\n") {
                        self.out.push('\n');
                    }
                    self.rule(r);
                }
                JurisdictionMember::Error(span) => {
                    let raw = self.text.get(span.range()).unwrap_or("").to_string();
                    self.line(span.start, span.end, &raw);
                }
            }
            first = false;
        }
        self.close(j.span.end);
    }

    fn rule(&mut self, r: &RuleDecl) {
        let mut head = format!("rule {}", r.name.name);
        if !r.overrides.is_empty() {
            head.push_str(&format!(" overrides {}", names(&r.overrides)));
        }
        self.open(r.span.start, &head);
        for c in &r.clauses {
            self.separate(c.span.start);
            let s = match &c.kind {
                ClauseKind::Effective(l) => format!("effective {}", l.text),
                ClauseKind::Sunset(l) => format!("sunset {}", l.text),
                ClauseKind::When(e) => format!("when {}", expr(e)),
                ClauseKind::Unless(e) => format!("unless {}", expr(e)),
                ClauseKind::Then(o) => format!("then {}", outcome(o)),
                ClauseKind::Tier(t) => format!("tier {}", t.name),
                ClauseKind::Reasons(rs) => format!("reasons {}", names(rs)),
                ClauseKind::Review(p) => format!("review {}", p.name),
                ClauseKind::Cite(l) => format!("cite {}", string(&l.text)),
                ClauseKind::Because(l) => format!("because {}", string(&l.text)),
                ClauseKind::Obligation(l) => format!("obligation {}", string(&l.text)),
                ClauseKind::Error => self.text.get(c.span.range()).unwrap_or("").to_string(),
            };
            self.line(c.span.start, c.span.end, &s);
        }
        self.close(r.span.end);
    }

    fn test(&mut self, t: &TestDecl) {
        self.open(t.span.start, &format!("test {}", string(&t.name.text)));
        for m in &t.members {
            match m {
                TestMember::At(l) => self.line(l.span.start, l.span.end, &format!("at {}", l.text)),
                TestMember::Given { fields, span } => {
                    let fs: Vec<String> = fields
                        .iter()
                        .map(|(n, v)| format!("{}: {}", n.name, expr(v)))
                        .collect();
                    self.line(
                        span.start,
                        span.end,
                        &format!("given {{ {} }}", fs.join(", ")),
                    );
                }
                TestMember::Expect(e) => {
                    let mut s = format!("expect {}: {}", e.jurisdiction.name, outcome(&e.outcome));
                    for o in &e.options {
                        match o {
                            ExpectOption::Tier(t) => s.push_str(&format!(" tier {}", t.name)),
                            ExpectOption::Review(p) => s.push_str(&format!(" review {}", p.name)),
                            ExpectOption::Reasons(rs) => {
                                s.push_str(&format!(" reasons {}", names(rs)))
                            }
                        }
                    }
                    self.line(e.span.start, e.span.end, &s);
                }
                TestMember::Error(span) => {
                    let raw = self.text.get(span.range()).unwrap_or("").to_string();
                    self.line(span.start, span.end, &raw);
                }
            }
        }
        self.close(t.span.end);
    }
}

impl Printer<'_> {
    /// An `assert` block; the contextual words are written as they were
    /// (a misspelt one is the checker's to report, not ours to fix).
    fn assertion(&mut self, a: &AssertDecl) {
        self.open(a.span.start, &format!("assert {}", string(&a.name.text)));
        for m in &a.members {
            let (span, s) = match m {
                AssertMember::Scope(word, date) => (
                    word.span.to(date.span),
                    format!("{} {}", word.name, date.text),
                ),
                AssertMember::When(e) => (e.span, format!("when {}", expr(e))),
                AssertMember::Expect(e) => {
                    let tested = match &e.outcome {
                        OutcomeTest::AnyOf(os) => {
                            os.iter().map(outcome).collect::<Vec<_>>().join(" or ")
                        }
                        OutcomeTest::Not(o) => format!("not {}", outcome(o)),
                        OutcomeTest::AtLeast(w, o) => format!("at {} {}", w.name, outcome(o)),
                    };
                    let mut s = format!("expect {}: {tested}", e.jurisdiction.name);
                    for o in &e.options {
                        s.push_str(&match o {
                            AssertOption::ReviewAtLeast(w, p) => {
                                format!(" review at {} {}", w.name, p.name)
                            }
                            AssertOption::TierAtLeast(w, t) => {
                                format!(" tier at {} {}", w.name, t.name)
                            }
                            AssertOption::AuthorizationsNone(a, n) => {
                                format!(" {} {}", a.name, n.name)
                            }
                        });
                    }
                    (e.span, s)
                }
                AssertMember::Error(span) => {
                    (*span, self.text.get(span.range()).unwrap_or("").to_string())
                }
            };
            self.line(span.start, span.end, &s);
        }
        self.close(a.span.end);
    }
}

/// A set term after `prefix`; a long set literal is filled over lines.
fn wrap_term(prefix: &str, e: &Expr) -> String {
    let flat = format!("{prefix}{}", expr(e));
    if flat.len() <= WIDTH {
        return flat;
    }
    let base = " ".repeat(prefix.len() - prefix.trim_start().len());
    let (set, dates, sources) = match &e.kind {
        ExprKind::Dated {
            term,
            effective,
            sunset,
            provenance: p,
        } => (
            &**term,
            dated_suffix(effective, sunset),
            // Sources that do not fit go one per line under the term.
            provenance_lines(p, &format!("\n{base}    ")).concat(),
        ),
        _ => (e, String::new(), String::new()),
    };
    let head = format!("{prefix}{}{dates}", expr(set));
    let ExprKind::SetLit(items) = &set.kind else {
        return format!("{head}{sources}");
    };
    if head.len() <= WIDTH {
        return format!("{head}{sources}");
    }
    let pieces = items.iter().map(expr).collect();
    format!("{}{dates}{sources}", fill_braced(prefix, pieces, &base))
}

/// `{prefix}{`, the comma-separated `pieces` filled over lines of at most
/// [`WIDTH`] indented under `base`, and `}`.
fn fill_braced(prefix: &str, pieces: Vec<String>, base: &str) -> String {
    let mut out = format!("{prefix}{{\n");
    let mut line = format!("{base}  ");
    let count = pieces.len();
    for (i, piece) in pieces.into_iter().enumerate() {
        let piece = format!("{piece}{}", if i + 1 < count { "," } else { "" });
        if !line.trim().is_empty() && line.len() + piece.len() + 1 > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = format!("{base}  ");
        }
        line.push_str(&piece);
        line.push(' ');
    }
    out.push_str(line.trim_end());
    out.push_str(&format!("\n{base}}}"));
    out
}

fn dated_suffix(effective: &Option<Lit>, sunset: &Option<Lit>) -> String {
    let mut s = String::new();
    if let Some(d) = effective {
        s.push_str(&format!(" effective {}", d.text));
    }
    if let Some(d) = sunset {
        s.push_str(&format!(" sunset {}", d.text));
    }
    s
}

fn names(ns: &[Ident]) -> String {
    ns.iter()
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A variant as written: name, label, sources.
pub(crate) fn variant(v: &Variant) -> String {
    let mut s = v.name.name.clone();
    if let Some(l) = &v.label {
        s.push_str(&format!(" {}", string(&l.text)));
    }
    s.push_str(&provenance(&v.provenance));
    s
}

/// ` cite "..." unverified "..."`, or nothing.
fn provenance(p: &Provenance) -> String {
    provenance_lines(p, " ").concat()
}

/// Each `cite` and the `unverified` note after `lead`.
fn provenance_lines(p: &Provenance, lead: &str) -> Vec<String> {
    let cites = p
        .cites
        .iter()
        .map(|c| format!("{lead}cite {}", string(&c.text)));
    let note = p
        .unverified
        .iter()
        .map(|u| format!("{lead}unverified {}", string(&u.text)));
    cites.chain(note).collect()
}

fn string(text: &str) -> String {
    let mut s = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn outcome(o: &Outcome) -> String {
    match &o.kind {
        OutcomeKind::Allow => "allow".into(),
        OutcomeKind::AllowUnder(auths) => format!("allow under {}", names(auths)),
        OutcomeKind::RequireLicense => "require license".into(),
        OutcomeKind::Deny => "deny".into(),
    }
}

/// An expression on one line, with the parentheses it was written with.
pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Name(n) => n.clone(),
        ExprKind::AssessedTier => "tier".into(),
        ExprKind::Number(t) | ExprKind::Date(t) | ExprKind::Eccn(t) => t.clone(),
        ExprKind::Str(t) => string(t),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::SetLit(items) => format!(
            "{{{}}}",
            items.iter().map(expr).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Paren(inner) => format!("({})", expr(inner)),
        ExprKind::Or(items) => items.iter().map(expr).collect::<Vec<_>>().join(" or "),
        ExprKind::And(items) => items.iter().map(expr).collect::<Vec<_>>().join(" and "),
        ExprKind::Not(inner) => format!("not {}", expr(inner)),
        ExprKind::In { lhs, negated, set } => {
            format!(
                "{} {}in {}",
                expr(lhs),
                if *negated { "not " } else { "" },
                expr(set)
            )
        }
        ExprKind::Cmp { lhs, op, rhs } => format!("{} {} {}", expr(lhs), op.text(), expr(rhs)),
        ExprKind::SetOps { first, rest } => {
            let mut s = expr(first);
            for (op, e) in rest {
                s.push_str(&format!(" {} {}", op.text(), expr(e)));
            }
            s
        }
        ExprKind::Dated {
            term,
            effective,
            sunset,
            provenance: p,
        } => format!(
            "{}{}{}",
            expr(term),
            dated_suffix(effective, sunset),
            provenance(p)
        ),
        ExprKind::Error => String::new(),
    }
}
