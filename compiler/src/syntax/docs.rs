//! Which declaration a `///` doc comment documents.
//!
//! Stage: syntax, over a file's text and its comments (the trivia table).
//! One rule for the whole compiler — the table's `description`, hover and
//! the formatter's safety check all ask here: the doc of a declaration is
//! the run of `///` comments that ends just before it, with nothing but
//! white space between them and it. A `///` comment at the end of a line
//! (`rule b { … } /// Doc`) documents the declaration that follows.

use super::ast::Span;
use super::lexer::Comment;

/// The doc comments of one file, for looking up the doc of a declaration.
pub struct DocIndex<'t> {
    text: &'t str,
    docs: Vec<(Span, String)>,
}

impl<'t> DocIndex<'t> {
    /// Indexes the doc comments among `comments` (in source order).
    pub fn new(text: &'t str, comments: &[Comment]) -> Self {
        let docs = comments
            .iter()
            .filter(|c| c.doc)
            .map(|c| (c.span, c.text.trim().to_string()))
            .collect();
        DocIndex { text, docs }
    }

    /// The doc lines ending just before `start` (only white space between),
    /// joined by newlines.
    pub fn before(&self, start: u32) -> Option<String> {
        let mut lines = Vec::new();
        let mut at = start;
        let end = self.docs.partition_point(|(s, _)| s.end <= start);
        for (span, text) in self.docs[..end].iter().rev() {
            let gap = self.text.get(span.end as usize..at as usize).unwrap_or("x");
            if !gap.trim().is_empty() {
                break;
            }
            lines.push(text.clone());
            at = span.start;
        }
        if lines.is_empty() {
            return None;
        }
        lines.reverse();
        Some(lines.join("\n"))
    }
}
