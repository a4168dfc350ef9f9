//! Escaping text for where it is shown.
//!
//! Stage: the output edge of every report. Names, strings and doc comments
//! come from policies that anyone may write; printed as they are, control
//! characters repaint a reviewer's terminal (ANSI escape sequences),
//! bidirectional overrides reorder what a reader sees (Trojan Source,
//! CVE-2021-42574) and Markdown or HTML injects links, images and scripts
//! into a comment docket. One function per context:
//!
//! - [`terminal`]: visible `\u{…}` escapes for control, bidirectional and
//!   invisible characters (messages, labels, text reports);
//! - [`terminal_same_len`]: the same characters replaced by placeholders of
//!   the same UTF-8 length (source snippets, whose byte offsets must stay);
//! - [`markdown`]: text that stays text in CommonMark (and GitHub's flavour),
//!   inline or in a table cell;
//! - [`html`]: text for an HTML element or attribute;
//! - [`json_in_html`]: JSON inside `<script type="application/json">`.

use std::borrow::Cow;

/// A bidirectional formatting character (the characters of CVE-2021-42574).
pub fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A character that displays as nothing (zero-width characters, the byte
/// order mark, the soft hyphen, tag characters), so two different names
/// or strings can look the same.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{180E}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Whether `c` must not reach a terminal as it is (tab and newline may).
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi(c) || is_invisible(c)
}

/// `text` with every unsafe character written as a visible `\u{…}` escape.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` with every unsafe character replaced by a placeholder of the same
/// UTF-8 length (`?`, `¿`, `�`, `????`), so byte offsets into it still hold.
/// A `\r` before a `\n` is kept.
pub fn terminal_same_len(text: &str) -> Cow<'_, str> {
    let unsafe_at =
        |i: usize, c: char| is_unsafe(c) && !(c == '\r' && text[i + 1..].starts_with('\n'));
    if !text.char_indices().any(|(i, c)| unsafe_at(i, c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if !unsafe_at(i, c) {
            out.push(c);
            continue;
        }
        match c.len_utf8() {
            1 => out.push('?'),
            2 => out.push('¿'),
            3 => out.push('\u{FFFD}'),
            _ => out.push_str("????"),
        }
    }
    Cow::Owned(out)
}

/// `text` as literal Markdown text, for the middle of a line or a table
/// cell (CommonMark and GitHub's flavour): the characters that open inline
/// markup are backslash-escaped (emphasis, code, links and images, tables,
/// strikethrough), `:` and `@` too and the `.` of `www.` (so no autolink
/// forms), `<`, `>` and `&` become entities (no raw HTML), line breaks
/// become spaces, and unsafe characters are escaped as for [`terminal`].
pub fn markdown(text: &str) -> String {
    let text = terminal(text);
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' | ':' | '@' => {
                out.push('\\');
                out.push(c);
            }
            '.' if text[..i].to_ascii_lowercase().ends_with("www") => out.push_str("\\."),
            c => out.push(c),
        }
    }
    out
}

/// `text` as a Markdown code span, safe in a table cell: the fence is
/// longer than any run of backticks in the text (so the text cannot close
/// it), `|` is escaped for tables, line breaks become spaces and unsafe
/// characters are escaped as for [`terminal`]. Nothing in a code span is
/// markup: links, images, HTML and entities stay literal.
pub fn markdown_code(text: &str) -> String {
    let body = terminal(text)
        .replace(['\n', '\r'], " ")
        .replace('|', "\\|");
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A space on each side (stripped when rendered) only where the text
    // itself starts or ends with a backtick.
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// `text` for HTML element content or a quoted attribute value; bidirectional
/// and invisible characters become visible escapes.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_unsafe(c) && c != '\r' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// JSON text for a `<script type="application/json">` element: `<`, `>`
/// and `&` are written as `\u003c`, `\u003e`, `\u0026` (valid JSON string
/// escapes; outside strings JSON has none of them), so no `</script>`,
/// `<!--` or `<script` can end or change the element. U+2028, U+2029 and
/// the unsafe characters of [`is_unsafe`] are escaped too (outside strings
/// JSON has none of them).
pub fn json_in_html(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c if c == '\u{2028}' || c == '\u{2029}' || is_unsafe(c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_what_repaints_or_reorders() {
        assert_eq!(terminal("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(terminal("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(
            terminal("a\u{202e}b\u{200b}c\u{9b}"),
            "a\\u{202e}b\\u{200b}c\\u{9b}"
        );
    }

    #[test]
    fn same_length_placeholders_keep_offsets() {
        for text in ["x\u{1b}[0m\u{202e}\u{85}\u{E0041}y\r\n", "ok\r\n", "a\rb"] {
            let safe = terminal_same_len(text);
            assert_eq!(safe.len(), text.len(), "{text:?}");
            assert!(!safe.chars().any(|c| is_unsafe(c) && c != '\r'), "{safe:?}");
        }
        assert_eq!(terminal_same_len("a\r\nb"), "a\r\nb");
        assert_eq!(terminal_same_len("a\rb"), "a?b");
    }

    #[test]
    fn markdown_stays_text() {
        let hostile = "[click](http://x) ![img](y) <b>x</b> *e* `c` | www.x.org a@b.c\n- item";
        let md = markdown(hostile);
        // What is left once every backslash-escaped character is removed.
        let mut bare = String::new();
        let mut chars = md.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                chars.next();
            } else {
                bare.push(c);
            }
        }
        for bad in [
            "[", "]", "!", "<", "\n", "http:", "www.", "@", "*", "`", "|",
        ] {
            assert!(!bare.contains(bad), "{bad} in {md}");
        }
        assert!(md.contains("\\|"), "{md}");
        assert_eq!(
            markdown("3A090.a, 15 CFR 742.6(a)"),
            "3A090.a, 15 CFR 742.6(a)"
        );
    }

    #[test]
    fn a_code_span_cannot_be_closed_from_inside() {
        assert_eq!(markdown_code("a.b"), "`a.b`");
        assert_eq!(markdown_code("x ``y`` | z"), "```x ``y`` \\| z```");
        assert_eq!(markdown_code("`tick"), "`` `tick ``");
    }

    #[test]
    fn html_and_embedded_json_cannot_leave_their_element() {
        assert_eq!(
            html("<!--<script>\"'&"),
            "&lt;!--&lt;script&gt;&quot;&#39;&amp;"
        );
        let doc = "<!--<script></script>& \u{202e}\u{E0041}\u{2028}";
        let json = json_in_html(&serde_json::json!({ "doc": doc }).to_string());
        assert!(
            !json.contains(['<', '>', '&', '\u{202e}', '\u{E0041}', '\u{2028}']),
            "{json}"
        );
        let back: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back["doc"], doc);
    }
}
