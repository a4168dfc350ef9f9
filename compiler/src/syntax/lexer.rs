//! Lexer: source text → tokens, with comments split off into a trivia table.
//!
//! Stage: first step of `syntax`. Consumes the text of one file; produces the
//! token stream the LALRPOP grammar reads (external lexer), the comments
//! (`//` and `///`) as [`Trivia`] for the formatter and hover, and a lexical
//! error for every character that starts no token. Lexing never fails: bad
//! characters are reported and skipped, so the parser still sees the rest.

use logos::Logos;
use serde::Serialize;

use super::ast::Span;

/// One token of Edict source. Keywords are lowercase; names that differ only
/// by case (`IN`, the country code, and `in`, the keyword) are distinct.
#[expect(
    missing_docs,
    reason = "keyword and punctuation variants are named after their text"
)]
#[derive(Logos, Debug, Clone, PartialEq, Eq, Hash)]
#[logos(skip r"[ \t\r\n\f]+")]
pub enum Token {
    /// `/// text` (the text after the slashes is kept).
    #[regex(r"///[^\n]*", |lex| lex.slice()[3..].to_string(), allow_greedy = true)]
    DocComment(String),
    /// `// text`.
    #[regex(r"//[^\n]*", |lex| lex.slice()[2..].to_string(), allow_greedy = true)]
    LineComment(String),

    #[token("policy")]
    Policy,
    #[token("use")]
    Use,
    #[token("enum")]
    Enum,
    #[token("group")]
    Group,
    #[token("input")]
    Input,
    #[token("tiers")]
    Tiers,
    #[token("assess")]
    Assess,
    #[token("tier")]
    Tier,
    #[token("when")]
    When,
    #[token("otherwise")]
    Otherwise,
    #[token("authorization")]
    Authorization,
    #[token("cite")]
    Cite,
    #[token("unverified")]
    Unverified,
    #[token("jurisdiction")]
    Jurisdiction,
    #[token("authority")]
    Authority,
    #[token("effective")]
    Effective,
    #[token("sunset")]
    Sunset,
    #[token("rule")]
    Rule,
    #[token("overrides")]
    Overrides,
    #[token("unless")]
    Unless,
    #[token("then")]
    Then,
    #[token("allow")]
    Allow,
    #[token("under")]
    Under,
    #[token("require")]
    Require,
    #[token("license")]
    License,
    #[token("deny")]
    Deny,
    #[token("reasons")]
    Reasons,
    #[token("review")]
    Review,
    #[token("because")]
    Because,
    #[token("obligation")]
    Obligation,
    #[token("test")]
    Test,
    #[token("at")]
    At,
    #[token("given")]
    Given,
    #[token("expect")]
    Expect,
    #[token("assert")]
    Assert,
    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("not")]
    Not,
    #[token("in")]
    In,
    #[token("true")]
    True,
    #[token("false")]
    False,

    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(".")]
    Dot,
    #[token("*")]
    Star,
    #[token("|")]
    Pipe,
    #[token("&")]
    Amp,
    #[token("-")]
    Minus,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("=")]
    Assign,

    /// A date as written (`2025-01-13`); validated by the checker.
    #[regex(r"[0-9]+-[0-9]+-[0-9]+", |lex| lex.slice().to_string())]
    Date(String),
    /// An ECCN-shaped literal (`3A090`, `3A090.a.1`, `EAR99`); its shape is
    /// validated by the checker so that `3Z999` gets a precise message.
    #[regex(r"[0-9][A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*", |lex| lex.slice().to_string())]
    #[token("EAR99", |lex| lex.slice().to_string())]
    Eccn(String),
    /// A number as written, `_` separators included (`26_000_000`, `0.7`).
    #[regex(r"[0-9][0-9_]*(\.[0-9][0-9_]*)?", |lex| lex.slice().to_string())]
    Number(String),
    /// A string literal, escapes resolved.
    #[regex(r#""([^"\\\n]|\\.)*""#, |lex| unescape(lex.slice()))]
    Str(String),
    /// A string that reaches the end of its line without a closing quote.
    #[regex(r#""([^"\\\n]|\\.)*"#, priority = 1)]
    UnterminatedStr,
    /// A name.
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*", |lex| lex.slice().to_string())]
    Ident(String),
}

fn unescape(quoted: &str) -> String {
    let inner = &quoted[1..quoted.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Token {
    /// How the token reads in a message: `` `when` ``, `a name`, `a date`.
    pub fn describe(&self) -> String {
        match self {
            Token::Ident(s) => format!("`{s}`"),
            Token::Date(s) | Token::Eccn(s) | Token::Number(s) => format!("`{s}`"),
            Token::Str(_) | Token::UnterminatedStr => "a string".to_string(),
            Token::DocComment(_) | Token::LineComment(_) => "a comment".to_string(),
            other => format!("`{}`", other.text()),
        }
    }

    /// The fixed text of a keyword or punctuation token ("" for the others).
    pub fn text(&self) -> &'static str {
        use Token::*;
        match self {
            Policy => "policy",
            Use => "use",
            Enum => "enum",
            Group => "group",
            Input => "input",
            Tiers => "tiers",
            Assess => "assess",
            Tier => "tier",
            When => "when",
            Otherwise => "otherwise",
            Authorization => "authorization",
            Cite => "cite",
            Unverified => "unverified",
            Jurisdiction => "jurisdiction",
            Authority => "authority",
            Effective => "effective",
            Sunset => "sunset",
            Rule => "rule",
            Overrides => "overrides",
            Unless => "unless",
            Then => "then",
            Allow => "allow",
            Under => "under",
            Require => "require",
            License => "license",
            Deny => "deny",
            Reasons => "reasons",
            Review => "review",
            Because => "because",
            Obligation => "obligation",
            Test => "test",
            At => "at",
            Given => "given",
            Expect => "expect",
            Assert => "assert",
            And => "and",
            Or => "or",
            Not => "not",
            In => "in",
            True => "true",
            False => "false",
            LBrace => "{",
            RBrace => "}",
            LParen => "(",
            RParen => ")",
            Comma => ",",
            Colon => ":",
            Dot => ".",
            Star => "*",
            Pipe => "|",
            Amp => "&",
            Minus => "-",
            EqEq => "==",
            NotEq => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Assign => "=",
            _ => "",
        }
    }
}

/// A comment kept beside the tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Comment {
    /// Where the comment stands, slashes included.
    pub span: Span,
    /// `true` for `///` doc comments.
    pub doc: bool,
    /// The text after the slashes.
    pub text: String,
}

/// A character sequence that starts no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexError {
    /// A character that no token starts with.
    UnexpectedChar(Span),
    /// A string without its closing quote.
    UnterminatedString(Span),
}

/// The lexer's output for one file.
#[derive(Debug, Default)]
pub struct Lexed {
    /// Tokens for the parser, comments removed.
    pub tokens: Vec<(usize, Token, usize)>,
    /// Comments in source order.
    pub comments: Vec<Comment>,
    /// Lexical errors in source order.
    pub errors: Vec<LexError>,
}

/// Splits `text` into tokens, comments and lexical errors.
pub fn lex(text: &str) -> Lexed {
    let mut out = Lexed::default();
    let mut lexer = Token::lexer(text);
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let span = Span::new(range.start, range.end);
        match result {
            Ok(Token::DocComment(text)) => out.comments.push(Comment {
                span,
                doc: true,
                text,
            }),
            Ok(Token::LineComment(text)) => out.comments.push(Comment {
                span,
                doc: false,
                text,
            }),
            Ok(Token::UnterminatedStr) => out.errors.push(LexError::UnterminatedString(span)),
            Ok(token) => out.tokens.push((range.start, token, range.end)),
            Err(()) => match out.errors.last_mut() {
                // Merge a run of bad characters into one error.
                Some(LexError::UnexpectedChar(prev)) if prev.end as usize == range.start => {
                    prev.end = range.end as u32;
                }
                _ => out.errors.push(LexError::UnexpectedChar(span)),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Token> {
        lex(text).tokens.into_iter().map(|(_, t, _)| t).collect()
    }

    #[test]
    fn literals_are_told_apart() {
        assert_eq!(
            kinds("3A090.a.1 2025-01-13 26_000_000 0.7 EAR99 EAR98 IN in"),
            vec![
                Token::Eccn("3A090.a.1".into()),
                Token::Date("2025-01-13".into()),
                Token::Number("26_000_000".into()),
                Token::Number("0.7".into()),
                Token::Eccn("EAR99".into()),
                Token::Ident("EAR98".into()),
                Token::Ident("IN".into()),
                Token::In,
            ]
        );
    }

    #[test]
    fn comments_go_to_trivia() {
        let lexed = lex("/// doc\ngroup // tail\n");
        assert_eq!(kinds("/// doc\ngroup // tail\n"), vec![Token::Group]);
        assert_eq!(lexed.comments.len(), 2);
        assert!(lexed.comments[0].doc);
        assert_eq!(lexed.comments[1].text, " tail");
    }

    #[test]
    fn bad_characters_are_reported_once_per_run() {
        let lexed = lex("group $$$ x \"open");
        assert_eq!(lexed.errors.len(), 2);
        assert_eq!(lexed.errors[0], LexError::UnexpectedChar(Span::new(6, 9)));
        assert!(matches!(lexed.errors[1], LexError::UnterminatedString(_)));
    }

    #[test]
    fn escapes_are_resolved() {
        assert_eq!(
            kinds(r#""a \"b\" \\ c""#),
            vec![Token::Str(r#"a "b" \ c"#.into())]
        );
    }
}
