//! Lints on the characters of a file: what a reader cannot see.
//!
//! Stage: checking, per file, over the text, its string tokens and its
//! comments. Identifiers are ASCII by the grammar (any other character is
//! `E0001`), so names cannot be confused; strings and comments may hold any
//! character, and two kinds deceive a reviewer:
//!
//! - `W0001 hidden-text`: a bidirectional control or an invisible character
//!   in a string or a comment — it can make the source read differently
//!   from what it means (Trojan Source, CVE-2021-42574), or make two
//!   strings that look equal differ;
//! - `W0002 mixed-script-text`: a string that mixes Latin letters with
//!   Cyrillic or Greek ones, many of which look like Latin letters
//!   (`"Huаwei"` with a Cyrillic `а` matches no transaction that says
//!   `"Huawei"`).

use crate::diagnostics::{Code, Diagnostic};
use crate::escape::{is_bidi, is_invisible};
use crate::syntax::ast::Span;
use crate::syntax::lexer::{Comment, Token, lex};

/// The character lints of a file.
pub fn lints(path: &str, text: &str, comments: &[Comment]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (start, token, end) in lex(text).tokens {
        if let Token::Str(_) = token {
            let literal = text.get(start..end).unwrap_or("");
            hidden(path, literal, start, "a string", &mut out);
            mixed_scripts(path, literal, Span::new(start, end), &mut out);
        }
    }
    for c in comments {
        let (start, end) = (c.span.start as usize, c.span.end as usize);
        let comment = text.get(start..end).unwrap_or("");
        hidden(path, comment, start, "a comment", &mut out);
    }
    out
}

fn hidden(path: &str, part: &str, offset: usize, place: &str, out: &mut Vec<Diagnostic>) {
    for (i, c) in part.char_indices() {
        let what = if is_bidi(c) {
            "bidirectional control character"
        } else if is_invisible(c) {
            "invisible character"
        } else {
            continue;
        };
        let span = Span::new(offset + i, offset + i + c.len_utf8());
        out.push(
            Diagnostic::new(
                Code::HiddenText,
                path,
                span,
                format!("{what} U+{:04X} in {place}", c as u32),
            )
            .label("not shown, or shown out of order")
            .note("such characters make text read differently from what it is (CVE-2021-42574), or make equal-looking strings differ")
            .help("remove it")
            .fix("remove the character", span, String::new()),
        );
    }
}

fn mixed_scripts(path: &str, literal: &str, span: Span, out: &mut Vec<Diagnostic>) {
    let latin = literal.chars().any(|c| c.is_ascii_alphabetic());
    let other = literal.chars().find_map(|c| match c as u32 {
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Some((c, "Greek")),
        0x0400..=0x052F => Some((c, "Cyrillic")),
        _ => None,
    });
    if let (true, Some((c, script))) = (latin, other) {
        out.push(
            Diagnostic::new(
                Code::MixedScriptText,
                path,
                span,
                format!("this string mixes Latin and {script} letters"),
            )
            .label(format!("`{c}` (U+{:04X}) is {script}", c as u32))
            .note("many Cyrillic and Greek letters look like Latin ones, so the string may not be the one it seems")
            .help("write the string in one script"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&'static str> {
        let parsed = crate::syntax::parse(text);
        lints("f.edict", text, &parsed.comments)
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    }

    #[test]
    fn hidden_and_mixed_text_is_found_where_it_can_hide() {
        assert_eq!(
            codes("// a\u{202e}b\ngroup G: String = {\"x\u{200b}\"}\n"),
            ["W0001", "W0001"]
        );
        assert_eq!(
            codes("group G: String = {\"Hu\u{0430}wei\", \"Ελλάδα\", \"plain\"}\n"),
            ["W0002"]
        );
        assert!(codes("/// café, naïve — “quotes”\ngroup G: String = {\"Zürich\"}\n").is_empty());
    }
}
