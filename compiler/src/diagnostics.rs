//! Diagnostics: one renderer-agnostic [`Diagnostic`], the registry of codes,
//! and the renderers (ariadne for terminals, JSON for tools).
//!
//! Every stage reports through [`Diagnostic`]; the CLI renders with
//! [`render`], the language server converts the same values. Codes live in
//! [`codes`] and are never reused.

pub mod render;

use serde::Serialize;

use crate::syntax::ast::Span;

pub use edict_engine::codes::{self, Code, Severity};
pub use edict_engine::suggest::{did_you_mean, similar};

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
