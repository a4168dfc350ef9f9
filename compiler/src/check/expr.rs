//! Typing of expressions: conditions, operands and sets.

use super::Ctx;
use super::scope::Binding;
use super::summary::Export;
use super::types::Ty;
use crate::date::{Date, DateError};
use crate::diagnostics::Code;
use crate::syntax::ast::{CmpOp, Expr, ExprKind, Lit, Span};

/// What an expression denotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// One value.
    Value(Ty),
    /// A set of values.
    Set(Ty),
    /// A condition.
    Cond,
    /// Already reported.
    Error,
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::Value(ty) => format!("a `{ty}` value"),
            Kind::Set(ty) => format!("a set of `{ty}`"),
            Kind::Cond => "a condition".to_string(),
            Kind::Error => "an invalid expression".to_string(),
        }
    }
}

/// Where an expression stands.
#[derive(Debug, Clone, Copy, Default)]
pub struct Place {
    /// In an `assess tier` line: `tier` would be circular.
    pub in_assess: bool,
}

pub use edict_engine::eccn::eccn_problem;

impl Ctx<'_> {
    /// Checks a date literal; `None` when it is not a real date (reported).
    pub fn date(&mut self, lit: &Lit) -> Option<Date> {
        self.date_text(&lit.text, lit.span)
    }

    fn date_text(&mut self, text: &str, span: Span) -> Option<Date> {
        match Date::parse(text) {
            Ok(d) => Some(d),
            Err(e) => {
                let why = match e {
                    DateError::Shape => "dates are written `YYYY-MM-DD`".to_string(),
                    DateError::Month(m) => format!("there is no month {m}"),
                    DateError::Day { day, days_in_month } => {
                        format!("that month has {days_in_month} days, not {day}")
                    }
                };
                let d = self
                    .diag(
                        Code::ImpossibleDate,
                        span,
                        format!("`{text}` is not a calendar date"),
                    )
                    .label(why);
                self.report(d);
                None
            }
        }
    }

    /// Checks that `e` is a condition.
    pub fn condition(&mut self, e: &Expr, place: Place) {
        let kind = self.expr(e, None, place);
        self.expect_cond(e, &kind);
    }

    fn expect_cond(&mut self, e: &Expr, kind: &Kind) {
        match kind {
            Kind::Cond | Kind::Error | Kind::Value(Ty::Bool | Ty::Unknown) => {}
            other => {
                let mut d = self
                    .diag(
                        Code::NotACondition,
                        e.span,
                        format!("expected a condition, found {}", other.describe()),
                    )
                    .label("not true or false");
                if matches!(other, Kind::Value(_)) {
                    d = d.help("test the value with `in`, `==` or a comparison");
                }
                self.report(d);
            }
        }
    }

    /// Types a set expression against an element type.
    pub fn set(&mut self, e: &Expr, elem: &Ty, place: Place) {
        let kind = self.expr(e, Some(elem), place);
        self.expect_set(e, &kind, elem);
    }

    fn expect_set(&mut self, e: &Expr, kind: &Kind, elem: &Ty) -> Ty {
        match kind {
            Kind::Set(ty) => {
                if !ty.compatible(elem) {
                    let d = self
                        .diag(
                            Code::TypeMismatch,
                            e.span,
                            format!("expected a set of `{elem}`, found a set of `{ty}`"),
                        )
                        .label(format!("a set of `{ty}`"));
                    self.report(d);
                }
                ty.clone()
            }
            Kind::Error => Ty::Unknown,
            Kind::Value(ty) => {
                let text = e.span.range();
                let written = self.text.get(text).unwrap_or("").to_string();
                let d = self
                    .diag(
                        Code::NotASet,
                        e.span,
                        format!("expected a set, found {}", kind.describe()),
                    )
                    .label("a single value")
                    .help(format!("write a one-member set: `{{{written}}}`"))
                    .fix("make it a set", e.span, format!("{{{written}}}"));
                self.report(d);
                ty.clone()
            }
            Kind::Cond => {
                let d = self
                    .diag(Code::NotASet, e.span, "expected a set, found a condition")
                    .label("not a set");
                self.report(d);
                Ty::Unknown
            }
        }
    }

    /// `W0101`: members written twice in one set literal (by their text:
    /// the same name, ECCN, string, number, date or boolean). One warning
    /// per set, at its first repetition, counting the others.
    fn repeated_members(&mut self, items: &[Expr]) {
        let mut first: std::collections::HashMap<String, Span> =
            std::collections::HashMap::with_capacity(items.len());
        let mut repeats: Vec<(Span, Span)> = Vec::new();
        for item in items {
            let key = match &item.kind {
                ExprKind::Name(n) => format!("n{n}"),
                ExprKind::Eccn(t) => format!("e{t}"),
                ExprKind::Str(t) => format!("s{t}"),
                ExprKind::Number(t) => format!("#{}", t.replace('_', "")),
                ExprKind::Date(t) => format!("d{t}"),
                ExprKind::Bool(b) => format!("b{b}"),
                _ => continue,
            };
            match first.get(&key) {
                Some(&at) => repeats.push((item.span, at)),
                None => {
                    first.insert(key, item.span);
                }
            }
        }
        let Some(&(span, at)) = repeats.first() else {
            return;
        };
        let written = |s: Span| self.text.get(s.range()).unwrap_or("").to_string();
        let mut d = self
            .diag(
                Code::RepeatedMember,
                span,
                format!("`{}` is already a member of this set", written(span)),
            )
            .label("repeated")
            .with_secondary(self.path, at, "first listed here")
            .help("remove the repeated member");
        if repeats.len() > 1 {
            let more: Vec<String> = repeats[1..]
                .iter()
                .take(5)
                .map(|(s, _)| format!("`{}`", written(*s)))
                .collect();
            d = d.note(format!(
                "{} more members of this set are repeats: {}{}",
                repeats.len() - 1,
                more.join(", "),
                if repeats.len() > 6 { ", …" } else { "" }
            ));
        }
        self.report(d);
    }

    /// Types any expression. `expected` is the element or value type the
    /// context wants, used for messages and suggestions.
    pub fn expr(&mut self, e: &Expr, expected: Option<&Ty>, place: Place) -> Kind {
        match &e.kind {
            ExprKind::Name(name) => self.name(name, e.span, expected),
            ExprKind::AssessedTier => {
                if place.in_assess {
                    let d = self
                        .diag(
                            Code::NoTiers,
                            e.span,
                            "`tier` cannot be used while assessing the tier",
                        )
                        .label("the assessed tier is not known yet");
                    self.report(d);
                    Kind::Error
                } else if self.env.tiers.is_none() {
                    let d = self
                        .diag(Code::NoTiers, e.span, "`tier` needs a tier scale")
                        .label("no `tiers` declaration in this policy")
                        .help("declare the scale: `tiers { low, medium, high }`");
                    self.report(d);
                    Kind::Error
                } else {
                    Kind::Value(Ty::Tier)
                }
            }
            ExprKind::Number(text) => {
                let clean: String = text.chars().filter(|c| *c != '_').collect();
                match clean.parse::<f64>() {
                    Ok(v) if v.is_finite() => Kind::Value(Ty::Number),
                    _ => {
                        let d = self
                            .diag(
                                Code::MalformedNumber,
                                e.span,
                                format!("`{text}` is not a usable number"),
                            )
                            .label("too large");
                        self.report(d);
                        Kind::Error
                    }
                }
            }
            ExprKind::Str(_) => Kind::Value(Ty::Str),
            ExprKind::Bool(_) => Kind::Value(Ty::Bool),
            ExprKind::Date(text) => match self.date_text(text, e.span) {
                Some(_) => Kind::Value(Ty::Date),
                None => Kind::Error,
            },
            ExprKind::Eccn(text) => match eccn_problem(text) {
                None => Kind::Value(Ty::Eccn),
                Some(why) => {
                    let d = self
                        .diag(Code::MalformedEccn, e.span, format!("`{text}` is not a valid ECCN"))
                        .label(why)
                        .note("an ECCN is a category digit, a product group A–E and three digits, then optional paragraphs: `3A090.a.1`; or `EAR99`");
                    self.report(d);
                    Kind::Error
                }
            },
            ExprKind::SetLit(items) => {
                let mut elem: Option<Ty> = expected.cloned();
                self.repeated_members(items);
                for item in items {
                    match self.expr(item, elem.as_ref(), place) {
                        Kind::Value(ty) => match &elem {
                            Some(want) if !ty.compatible(want) => {
                                let d = self
                                    .diag(
                                        Code::TypeMismatch,
                                        item.span,
                                        format!("expected a `{want}`, found a `{ty}`"),
                                    )
                                    .label(format!("a `{ty}`"))
                                    .note("all members of a set have one type");
                                self.report(d);
                            }
                            Some(Ty::Unknown) | None => elem = Some(ty),
                            Some(_) => {}
                        },
                        Kind::Error => {}
                        other => {
                            let d = self
                                .diag(
                                    Code::TypeMismatch,
                                    item.span,
                                    format!("expected a set member, found {}", other.describe()),
                                )
                                .label("not a single value")
                                .help("combine sets with `|`, `&` and `-` instead of nesting them");
                            self.report(d);
                        }
                    }
                }
                Kind::Set(elem.unwrap_or(Ty::Unknown))
            }
            ExprKind::Paren(inner) => self.expr(inner, expected, place),
            ExprKind::Or(items) | ExprKind::And(items) => {
                for item in items {
                    let k = self.expr(item, None, place);
                    self.expect_cond(item, &k);
                }
                Kind::Cond
            }
            ExprKind::Not(inner) => {
                let k = self.expr(inner, None, place);
                self.expect_cond(inner, &k);
                Kind::Cond
            }
            ExprKind::In { lhs, set, .. } => {
                let value = match self.expr(lhs, None, place) {
                    Kind::Value(ty) => ty,
                    Kind::Error => Ty::Unknown,
                    other => {
                        let d = self
                            .diag(
                                Code::TypeMismatch,
                                lhs.span,
                                format!(
                                    "the left of `in` must be a value, found {}",
                                    other.describe()
                                ),
                            )
                            .label("not a single value");
                        self.report(d);
                        Ty::Unknown
                    }
                };
                let kind = self.expr(set, Some(&value), place);
                self.expect_set(set, &kind, &value);
                Kind::Cond
            }
            ExprKind::Cmp { lhs, op, rhs } => self.comparison(lhs, *op, rhs, place),
            ExprKind::SetOps { first, rest } => {
                let k = self.expr(first, expected, place);
                let elem = self.expect_set(first, &k, expected.unwrap_or(&Ty::Unknown));
                let elem = if elem == Ty::Unknown {
                    expected.cloned().unwrap_or(Ty::Unknown)
                } else {
                    elem
                };
                for (_, operand) in rest {
                    let k = self.expr(operand, Some(&elem), place);
                    self.expect_set(operand, &k, &elem);
                }
                Kind::Set(elem)
            }
            ExprKind::Dated {
                term,
                effective,
                sunset,
                ..
            } => {
                let from = effective.as_ref().and_then(|d| self.date(d));
                let to = sunset.as_ref().and_then(|d| self.date(d));
                if let (Some(from), Some(to), Some(lit)) = (from, to, sunset.as_ref())
                    && to <= from
                {
                    let d = self
                        .diag(Code::SunsetNotAfterEffective, lit.span, format!("sunset {to} is not after effective {from}"))
                        .label("must be later than the effective date")
                        .note("`effective` is inclusive and `sunset` exclusive, so this term never holds");
                    self.report(d);
                }
                self.expr(term, expected, place)
            }
            ExprKind::Error => Kind::Error,
        }
    }

    fn comparison(&mut self, lhs: &Expr, op: CmpOp, rhs: &Expr, place: Place) -> Kind {
        let left = self.expr(lhs, None, place);
        let want = match &left {
            Kind::Value(ty) => Some(ty.clone()),
            _ => None,
        };
        let right = self.expr(rhs, want.as_ref(), place);
        let (Kind::Value(a), Kind::Value(b)) = (&left, &right) else {
            for (side, kind) in [(lhs, &left), (rhs, &right)] {
                if !matches!(kind, Kind::Value(_) | Kind::Error) {
                    let d = self
                        .diag(
                            Code::TypeMismatch,
                            side.span,
                            format!("`{}` compares values, found {}", op.text(), kind.describe()),
                        )
                        .label("not a single value");
                    self.report(d);
                }
            }
            return Kind::Cond;
        };
        if !a.compatible(b) {
            let d = self
                .diag(
                    Code::TypeMismatch,
                    rhs.span,
                    format!("cannot compare a `{a}` with a `{b}`"),
                )
                .label(format!("a `{b}`"))
                .with_secondary(self.path, lhs.span, format!("a `{a}`"));
            self.report(d);
        } else if self.is_field(lhs) && self.is_field(rhs) {
            let d = self
                .diag(
                    Code::FieldComparison,
                    lhs.span.to(rhs.span),
                    "a condition cannot compare two fields",
                )
                .label("both sides read the transaction")
                .note("a decision table tests each field against constants, so one side must be a constant")
                .help("compare each field with the constants it may take");
            self.report(d);
        } else if *a == Ty::Eccn && matches!(op, CmpOp::Eq | CmpOp::Ne) {
            let (field, constant) = if self.is_field(lhs) {
                (lhs, rhs)
            } else {
                (rhs, lhs)
            };
            let written = |e: &Expr| self.text.get(e.span.range()).unwrap_or("").to_string();
            let negated = if op == CmpOp::Ne { " not" } else { "" };
            let replacement = format!("{}{negated} in {{{}}}", written(field), written(constant));
            let d = self
                .diag(
                    Code::EccnEquality,
                    lhs.span.to(rhs.span),
                    format!("`{}` on ECCNs", op.text()),
                )
                .label("exact comparison of ECCNs")
                .note("ECCNs are matched by prefix: `3A090.a` belongs to `3A090`, which `==` would miss")
                .help(format!("test membership instead: `{replacement}`"))
                .fix("use `in`", lhs.span.to(rhs.span), replacement);
            self.report(d);
        } else if !matches!(op, CmpOp::Eq | CmpOp::Ne) && !a.ordered() {
            let d = self
                .diag(
                    Code::BadOperator,
                    lhs.span.to(rhs.span),
                    format!("`{}` does not apply to `{a}`", op.text()),
                )
                .label("no order")
                .note("`<`, `<=`, `>`, `>=` compare numbers, dates and tiers")
                .help("test membership with `in` instead");
            self.report(d);
        }
        Kind::Cond
    }

    /// Whether `e` names an input field (through parentheses).
    fn is_field(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Paren(inner) => self.is_field(inner),
            ExprKind::Name(n) => self.scope.get(n).is_none() && self.env.fields.contains_key(n),
            _ => false,
        }
    }

    fn name(&mut self, name: &str, span: Span, expected: Option<&Ty>) -> Kind {
        match self.scope.get(name).cloned() {
            Some(Binding::Decl { module, export }) => match export {
                Export::Variant { enum_name, .. } => {
                    Kind::Value(Ty::of_variant(&module, &enum_name))
                }
                Export::Group { ty } => Kind::Set(self.type_in_module(&module, &ty)),
                Export::Enum => {
                    let d = self
                        .diag(
                            Code::WrongKind,
                            span,
                            format!("`{name}` is an enum, not a value"),
                        )
                        .label("a type")
                        .help(format!(
                            "name one of its variants, or a field of type `{name}`"
                        ));
                    self.report(d);
                    Kind::Error
                }
                Export::Authorization => {
                    let d = self
                        .diag(
                            Code::WrongKind,
                            span,
                            format!("`{name}` is an authorization, not a value"),
                        )
                        .label("an authorization")
                        .help(format!(
                            "authorizations are used as `then allow under {name}`"
                        ));
                    self.report(d);
                    Kind::Error
                }
            },
            Some(Binding::Ambiguous(modules)) => {
                let list: Vec<String> = modules.iter().map(|m| format!("`{m}`")).collect();
                let d = self
                    .diag(Code::AmbiguousName, span, format!("`{name}` is ambiguous"))
                    .label("imported by more than one `*`")
                    .note(format!("{} each declare `{name}`", list.join(" and ")))
                    .help(format!(
                        "import it by name: `use {}.{{{name}}}`",
                        modules[0]
                    ));
                self.report(d);
                Kind::Error
            }
            None => {
                if let Some((module, ty)) = self.env.fields.get(name).cloned() {
                    return Kind::Value(self.type_in_module(&module, &ty));
                }
                if self
                    .env
                    .tiers
                    .as_ref()
                    .is_some_and(|(_, t)| t.iter().any(|t| t == name))
                {
                    return Kind::Value(Ty::Tier);
                }
                self.unknown_name(name, span, expected);
                Kind::Error
            }
        }
    }

    /// Reports an unknown name, tailored to the type the context expects.
    pub fn unknown_name(&mut self, name: &str, span: Span, expected: Option<&Ty>) {
        // Past the file's budget of suggestion searches, the candidates are
        // not even listed (each list is the whole scope).
        let searching = self.suggestion_budget > 0;
        let (what, candidates): (String, Vec<(String, Option<String>)>) = match expected {
            Some(Ty::Country) if !searching => ("country".into(), Vec::new()),
            Some(Ty::Enum(_, enum_name)) if !searching => {
                (format!("`{enum_name}` variant"), Vec::new())
            }
            _ if !searching => ("name".into(), Vec::new()),
            Some(ty @ Ty::Country) => ("country".into(), self.variants_of(ty)),
            Some(ty @ Ty::Enum(_, enum_name)) => {
                (format!("`{enum_name}` variant"), self.variants_of(ty))
            }
            Some(Ty::Tier) => (
                "tier".into(),
                self.env
                    .tiers
                    .iter()
                    .flat_map(|(_, t)| t.iter().map(|t| (t.clone(), None)))
                    .collect(),
            ),
            _ => {
                let mut all: Vec<(String, Option<String>)> =
                    self.scope.names().map(|n| (n.to_string(), None)).collect();
                all.extend(self.env.fields.keys().map(|f| (f.clone(), None)));
                all.extend(
                    self.env
                        .tiers
                        .iter()
                        .flat_map(|(_, t)| t.iter().map(|t| (t.clone(), None))),
                );
                ("name".into(), all)
            }
        };
        let mut d = self
            .diag(Code::UnknownName, span, format!("unknown {what} `{name}`"))
            .label("not defined");
        // A label written out in full ("Germany") names its code.
        let by_label = candidates
            .iter()
            .find(|(_, label)| {
                label
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case(name))
            })
            .map(|(code, _)| code.clone());
        let close = match by_label {
            Some(code) => vec![code],
            None => self.close_labelled(name, &candidates),
        };
        if !close.is_empty() {
            d = super::with_suggestions(d, span, &close);
        } else if searching && (expected == Some(&Ty::Country) || self.is_country_code(name)) {
            d = d.help("country codes come from `use std.countries.*`");
        }
        if self.is_country_code(name) && self.scope.get(name).is_none() {
            d = d.note(format!(
                "`{name}` is a country code, but `std.countries` is not imported here"
            ));
        }
        self.report(d);
    }

    /// Close names, preferring those whose label starts like `name` (so an
    /// alpha-3 code such as `CHN` suggests `CN` "China" before `CH`).
    fn close_labelled(
        &mut self,
        name: &str,
        candidates: &[(String, Option<String>)],
    ) -> Vec<String> {
        let mut close = self.close_names(name, candidates.iter().map(|(c, _)| c.as_str()));
        let head: String = name.chars().take(2).collect::<String>().to_lowercase();
        let label_starts = |code: &str| {
            candidates.iter().any(|(c, l)| {
                c == code
                    && l.as_deref()
                        .is_some_and(|l| l.to_lowercase().starts_with(&head))
            })
        };
        close.sort_by_key(|c| !label_starts(c));
        close
    }

    fn is_country_code(&self, name: &str) -> bool {
        // One look-up in the countries module's exports (no list is built).
        crate::db::module_file(self.db, self.ws, super::types::COUNTRIES_MODULE).is_some_and(|f| {
            matches!(
                crate::db::file_summary(self.db, f).exports.get(name),
                Some(Export::Variant { enum_name, .. }) if enum_name == "Country"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::eccn_problem;

    #[test]
    fn eccn_shapes() {
        for good in ["3A090", "3A090.a.1", "5A992.z", "EAR99", "0Y521"] {
            assert_eq!(eccn_problem(good), None, "{good}");
        }
        assert_eq!(eccn_problem("3A090.a.1"), None);
        assert_eq!(eccn_problem("EAR99"), None);
        assert!(eccn_problem("3Z999").is_some_and(|m| m.contains("product group `Z`")));
        assert!(eccn_problem("3A09").is_some());
        assert!(eccn_problem("3A0X0").is_some());
        assert!(eccn_problem("3A090.A").is_some());
    }
}
