//! Diagnostics: one renderer-agnostic [`Diagnostic`], the registry of codes,
//! and the renderers (ariadne for terminals, JSON for tools).
//!
//! Every stage reports through [`Diagnostic`]; the CLI renders with
//! [`render`], the language server converts the same values. Codes live in
//! [`codes`] and are never reused.

pub mod codes;
pub mod render;

use serde::Serialize;

use crate::syntax::ast::Span;

pub use codes::Code;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy cannot be compiled.
    Error,
    /// The policy compiles, but something is likely wrong.
    Warning,
}

/// A place in a file, with what to say about it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Label {
    /// The file's display path.
    pub file: String,
    /// Where.
    pub span: Span,
    /// What to say there (may be empty).
    pub message: String,
}

/// A machine-applicable edit that resolves a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Fix {
    /// What the edit does, as an editor shows it.
    pub title: String,
    /// The text to replace (in the primary label's file).
    pub span: Span,
    /// The new text.
    pub replacement: String,
}

/// One finding about a policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One lowercase line, names in backticks.
    pub message: String,
    /// The main place.
    pub primary: Label,
    /// Other places that explain it.
    pub secondary: Vec<Label>,
    /// Background facts.
    pub notes: Vec<String>,
    /// What to do.
    pub help: Option<String>,
    /// An edit that applies the help.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic with the code's severity and a primary label.
    pub fn new(code: Code, file: &str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            primary: Label {
                file: file.to_string(),
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
        }
    }

    /// Sets the primary label's text.
    pub fn label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, file: &str, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            file: file.to_string(),
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets a machine-applicable fix.
    pub fn fix(
        mut self,
        title: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        self.fix = Some(Fix {
            title: title.into(),
            span,
            replacement: replacement.into(),
        });
        self
    }

    /// The order diagnostics are reported in: file, span, code.
    pub fn sort_key(&self) -> (&str, u32, u32, &'static str) {
        (
            &self.primary.file,
            self.primary.span.start,
            self.primary.span.end,
            self.code.as_str(),
        )
    }
}

/// Sorts by (file, span, code) and removes exact duplicates.
pub fn sort_and_dedup(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.message.cmp(&b.message))
    });
    diagnostics.dedup();
}

/// The names most like `name` among `candidates` (edit distance at most a
/// third of the length, at least 1), best first, at most three.
pub fn similar<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let length = name.chars().count();
    let limit = (length / 3).max(1);
    let lower = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        // The distance is at least the difference in length: most
        // candidates are ruled out without computing it.
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .filter_map(|c| {
            let d = distance(&lower, &c.to_lowercase());
            (d <= limit).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Levenshtein distance over characters, bounded to short names.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// "did you mean `X`?" / "did you mean `X` or `Y`?", or nothing.
pub fn did_you_mean(suggestions: &[&str]) -> Option<String> {
    match suggestions {
        [] => None,
        [one] => Some(format!("did you mean `{one}`?")),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|s| format!("`{s}`")).collect();
            Some(format!("did you mean {} or `{last}`?", init.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_and_ordered() {
        assert_eq!(similar("CHN", ["CN", "CH", "DE", "CHN"]), vec!["CH", "CN"]);
        assert_eq!(
            similar("Tier4", ["Tier1", "Tier3", "Other"]),
            vec!["Tier1", "Tier3"]
        );
        assert!(similar("zzzzzz", ["Tier1"]).is_empty());
        assert_eq!(
            did_you_mean(&["a", "b", "c"]).as_deref(),
            Some("did you mean `a`, `b` or `c`?")
        );
    }
}
