//! Checking: names, types, dates, structure and lints of one module.
//!
//! Stage: after `syntax`. Consumes the module's tree, the span-free
//! summaries of the modules it imports and the policy-wide environment
//! ([`crate::db::PolicyEnv`]); produces diagnostics. Nothing here recurses
//! deeper than the parser's nesting limit, and nothing scans more than the
//! module's own tree and the summaries.

mod asserts;
mod expr;
mod items;
mod rules;
pub(crate) mod scope;
pub mod summary;
mod tests_decl;
mod text;
pub(crate) mod types;

use crate::date::Date;
use crate::db::{Db, PolicyEnv, SourceFile, Workspace, module_name, parse_file, policy_env};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ParseError;
use crate::syntax::ast::Span;

pub use expr::eccn_problem;
pub use types::Ty;

/// How many "did you mean" searches one file may run; past it, unknown
/// names are still reported, without suggestions (bounds the cost of a
/// huge file full of typos).
const SUGGESTION_BUDGET: usize = 500;

/// State of the check of one file.
pub(crate) struct Ctx<'a> {
    pub db: &'a dyn Db,
    pub ws: Workspace,
    pub file: SourceFile,
    pub path: &'a str,
    pub text: &'a str,
    pub module: String,
    pub env: &'a PolicyEnv,
    pub scope: scope::Scope,
    pub today: Date,
    pub out: Vec<Diagnostic>,
    pub(crate) suggestion_budget: usize,
}

impl Ctx<'_> {
    /// Records a diagnostic.
    pub fn report(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    /// A diagnostic in this file.
    pub fn diag(&self, code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, self.path, span, message)
    }

    /// The names among `candidates` close to `name`, best first, within the
    /// file's budget of suggestion searches.
    pub fn close_names<'c>(
        &mut self,
        name: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) -> Vec<String> {
        if self.suggestion_budget == 0 {
            return Vec::new();
        }
        self.suggestion_budget -= 1;
        crate::diagnostics::similar(name, candidates)
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// "did you mean" among candidates, within the file's budget.
    pub fn suggest<'c>(
        &mut self,
        name: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) -> Option<String> {
        let close = self.close_names(name, candidates);
        let close: Vec<&str> = close.iter().map(String::as_str).collect();
        crate::diagnostics::did_you_mean(&close)
    }
}

/// Adds "did you mean" help for `close` (best first) and a fix that puts
/// the best one in place of `span`.
pub(crate) fn with_suggestions(d: Diagnostic, span: Span, close: &[String]) -> Diagnostic {
    let names: Vec<&str> = close.iter().map(String::as_str).collect();
    let (Some(help), Some(best)) = (crate::diagnostics::did_you_mean(&names), close.first()) else {
        return d;
    };
    d.help(help)
        .fix(format!("replace with `{best}`"), span, best.clone())
}

/// Checks one file; the caller sorts and filters.
pub fn check_file(db: &dyn Db, ws: Workspace, file: SourceFile) -> Vec<Diagnostic> {
    let parsed = parse_file(db, file);
    let path = file.path(db);
    let mut out: Vec<Diagnostic> = parsed
        .errors
        .iter()
        .map(|e| syntax_diagnostic(path, e))
        .collect();
    if let Some(at) = file.invalid_utf8_at(db) {
        let span = Span {
            start: at,
            end: at + '\u{FFFD}'.len_utf8() as u32,
        };
        out.push(
            Diagnostic::new(Code::InvalidUtf8, path, span, "file is not valid UTF-8")
                .label("invalid byte sequence")
                .note("invalid sequences were read as U+FFFD; the rest of the file was checked")
                .help("save the file as UTF-8"),
        );
    }
    out.extend(text::lints(path, file.text(db), &parsed.comments));
    let env = policy_env(db, ws);
    let today = ws.settings(db).today.unwrap_or_else(Date::today);
    let mut ctx = Ctx {
        db,
        ws,
        file,
        path,
        text: file.text(db),
        module: module_name(db, file).clone(),
        env,
        scope: scope::Scope::default(),
        today,
        out,
        suggestion_budget: SUGGESTION_BUDGET,
    };
    ctx.build_scope(&parsed.module);
    ctx.check_items(&parsed.module);
    ctx.out
}

/// Runs `f` with a fresh checking context of `file` (its scope not yet
/// built), for later stages that resolve names the way the checker does.
pub(crate) fn with_ctx<R>(
    db: &dyn Db,
    ws: Workspace,
    file: SourceFile,
    f: impl FnOnce(&mut Ctx<'_>) -> R,
) -> R {
    let env = policy_env(db, ws);
    let mut ctx = Ctx {
        db,
        ws,
        file,
        path: file.path(db),
        text: file.text(db),
        module: module_name(db, file).clone(),
        env,
        scope: scope::Scope::default(),
        today: ws.settings(db).today.unwrap_or_else(Date::today),
        out: Vec::new(),
        suggestion_budget: 0,
    };
    f(&mut ctx)
}

fn syntax_diagnostic(path: &str, error: &ParseError) -> Diagnostic {
    let list = |expected: &[String]| -> Option<String> {
        match expected.len() {
            0 => None,
            1..=6 => Some(format!("expected {}", expected.join(", "))),
            n => Some(format!(
                "expected one of {} and {} more",
                expected[..5].join(", "),
                n - 5
            )),
        }
    };
    match error {
        ParseError::UnexpectedChar(span) => {
            Diagnostic::new(Code::UnexpectedChar, path, *span, "unexpected character")
                .label("no token starts here")
                .help("remove it; comments start with `//`")
        }
        ParseError::UnterminatedString(span) => Diagnostic::new(
            Code::UnterminatedString,
            path,
            *span,
            "string has no closing quote",
        )
        .label("the string starts here")
        .help("add `\"` before the end of the line"),
        ParseError::Unexpected {
            span,
            found,
            expected,
        } => {
            let d = Diagnostic::new(
                Code::UnexpectedToken,
                path,
                *span,
                format!("unexpected {found}"),
            )
            .label("not expected here");
            match list(expected) {
                Some(e) => d.note(e),
                None => d,
            }
        }
        ParseError::UnexpectedEnd { span, expected } => {
            let d = Diagnostic::new(
                Code::UnexpectedEnd,
                path,
                *span,
                "declaration ends too early",
            )
            .label("ends here");
            match list(expected) {
                Some(e) => d.note(e),
                None => d,
            }
        }
        ParseError::TooDeep(span) => Diagnostic::new(
            Code::TooDeep,
            path,
            *span,
            format!(
                "brackets or `not`s nest deeper than {}",
                crate::syntax::MAX_NESTING
            ),
        )
        .label("too deep here")
        .note("the file was not parsed further")
        .help("name inner parts with `group` declarations"),
        ParseError::TooManyErrors(span) => Diagnostic::new(
            Code::TooManyErrors,
            path,
            *span,
            "too many syntax errors; the rest are not reported",
        )
        .label("the first one not reported"),
    }
}
