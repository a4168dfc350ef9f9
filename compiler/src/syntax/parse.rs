//! The one entry point of the syntax stage: text → ([`Module`], errors).
//!
//! Parsing never fails. Lexical errors are reported and skipped. Syntax
//! errors are recovered from here rather than in the grammar: the token
//! stream is cut into items at the keywords that only start items, each item
//! is parsed on its own, and an item that fails is cut again — a jurisdiction
//! into its members, a rule into its clauses, a test into its members — so
//! one mistake costs one error node and every other piece is still checked.
//! Input nested deeper than [`MAX_NESTING`] is refused with one error before
//! the parser sees it, which bounds the depth of every later tree walk.

use lalrpop_util::ParseError as LalrError;

use super::ast::{
    AssertDecl, AssertMember, Clause, ClauseKind, Ident, Item, JurisdictionDecl,
    JurisdictionMember, Module, RuleDecl, Span, TestDecl, TestMember,
};
use super::grammar::{
    AssertMemberParser, ClauseParser, HeaderParser, ItemParser, JurisdictionMemberParser,
    TestMemberParser,
};
use super::lexer::{Comment, LexError, Token, lex};

/// How deep brackets and `not`s may nest in one file.
pub const MAX_NESTING: usize = 128;

/// How many syntax errors one file reports before the rest are dropped.
const MAX_ERRORS: usize = 100;

/// A syntax error.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ParseError {
    /// Characters that start no token.
    UnexpectedChar(Span),
    /// A string without its closing quote.
    UnterminatedString(Span),
    /// A token where the grammar allows none of that kind.
    Unexpected {
        /// Where.
        span: Span,
        /// What was found, as a message shows it.
        found: String,
        /// What would have been accepted, as a message shows them.
        expected: Vec<String>,
    },
    /// A declaration ended before it was complete.
    UnexpectedEnd {
        /// Where it ended.
        span: Span,
        /// What would have been accepted.
        expected: Vec<String>,
    },
    /// Brackets or `not`s nested deeper than [`MAX_NESTING`].
    TooDeep(Span),
    /// More than the per-file limit of syntax errors.
    TooManyErrors(Span),
}

impl ParseError {
    /// The span the error points at.
    pub fn span(&self) -> Span {
        match self {
            ParseError::UnexpectedChar(s)
            | ParseError::UnterminatedString(s)
            | ParseError::TooDeep(s)
            | ParseError::TooManyErrors(s) => *s,
            ParseError::Unexpected { span, .. } | ParseError::UnexpectedEnd { span, .. } => *span,
        }
    }
}

/// What [`parse`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ParseOutput {
    /// The tree, with error nodes where the parser recovered.
    pub module: Module,
    /// Comments in source order (trivia side table).
    pub comments: Vec<Comment>,
    /// Syntax errors in source order.
    pub errors: Vec<ParseError>,
}

type Tok = (usize, Token, usize);

/// Parses one file's text.
pub fn parse(text: &str) -> ParseOutput {
    let lexed = lex(text);
    let mut errors: Vec<ParseError> = lexed
        .errors
        .iter()
        .map(|e| match e {
            LexError::UnexpectedChar(span) => ParseError::UnexpectedChar(*span),
            LexError::UnterminatedString(span) => ParseError::UnterminatedString(*span),
        })
        .collect();
    let mut module = Module::default();
    if let Some(span) = too_deep(&lexed.tokens) {
        errors.push(ParseError::TooDeep(span));
    } else {
        let mut parser = Parser {
            errors: &mut errors,
            parsers: Parsers::default(),
        };
        module = parser.module(&lexed.tokens);
    }
    errors.sort_by_key(|e| (e.span().start, e.span().end));
    errors.dedup();
    if errors.len() > MAX_ERRORS {
        let at = errors[MAX_ERRORS].span();
        errors.truncate(MAX_ERRORS);
        errors.push(ParseError::TooManyErrors(at));
    }
    ParseOutput {
        module,
        comments: lexed.comments,
        errors,
    }
}

fn too_deep(tokens: &[Tok]) -> Option<Span> {
    let mut depth = 0usize;
    let mut nots = 0usize;
    for (l, token, r) in tokens {
        match token {
            Token::LParen | Token::LBrace => depth += 1,
            Token::RParen | Token::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
        nots = if *token == Token::Not { nots + 1 } else { 0 };
        if depth > MAX_NESTING || nots > MAX_NESTING {
            return Some(Span::new(*l, *r));
        }
    }
    None
}

/// The generated parsers, built once per file.
#[derive(Default)]
struct Parsers {
    header: HeaderParser,
    item: ItemParser,
    member: JurisdictionMemberParser,
    clause: ClauseParser,
    test_member: TestMemberParser,
    assert_member: AssertMemberParser,
}

struct Parser<'e> {
    errors: &'e mut Vec<ParseError>,
    parsers: Parsers,
}

/// Cuts `tokens` before every token for which `starts` holds.
fn cut(tokens: &[Tok], starts: impl Fn(&[Tok], usize) -> bool) -> Vec<&[Tok]> {
    let mut pieces = Vec::new();
    let mut begin = 0;
    for i in 1..tokens.len() {
        if starts(tokens, i) {
            pieces.push(&tokens[begin..i]);
            begin = i;
        }
    }
    if begin < tokens.len() {
        pieces.push(&tokens[begin..]);
    }
    pieces
}

fn span_of(tokens: &[Tok]) -> Span {
    match (tokens.first(), tokens.last()) {
        (Some((l, _, _)), Some((_, _, r))) => Span::new(*l, *r),
        _ => Span::default(),
    }
}

fn is_item_start(token: &Token) -> bool {
    matches!(
        token,
        Token::Policy
            | Token::Use
            | Token::Enum
            | Token::Group
            | Token::Input
            | Token::Tiers
            | Token::Assess
            | Token::Authorization
            | Token::Jurisdiction
            | Token::Test
            | Token::Assert
    )
}

fn is_clause_start(tokens: &[Tok], i: usize) -> bool {
    match &tokens[i].1 {
        Token::Effective
        | Token::Sunset
        | Token::When
        | Token::Unless
        | Token::Then
        | Token::Reasons
        | Token::Review
        | Token::Cite
        | Token::Because
        | Token::Obligation => true,
        // `tier high` is a clause; `tier >= high` is part of a condition.
        Token::Tier => matches!(tokens.get(i + 1), Some((_, Token::Ident(_), _))),
        _ => false,
    }
}

impl Parser<'_> {
    fn report<T>(&mut self, error: LalrError<usize, Token, ()>, piece: &[Tok]) -> Option<T> {
        let end = span_of(piece).end as usize;
        self.errors.push(match error {
            LalrError::UnrecognizedToken {
                token: (l, token, r),
                expected,
            } => ParseError::Unexpected {
                span: Span::new(l, r),
                found: token.describe(),
                expected: nice(expected),
            },
            LalrError::ExtraToken {
                token: (l, token, r),
            } => ParseError::Unexpected {
                span: Span::new(l, r),
                found: token.describe(),
                expected: Vec::new(),
            },
            LalrError::UnrecognizedEof { expected, .. } => ParseError::UnexpectedEnd {
                span: Span::new(end, end),
                expected: nice(expected),
            },
            // The lexer hands over tokens only, so these cannot arise; a
            // message still beats a panic.
            LalrError::InvalidToken { location } => {
                ParseError::UnexpectedChar(Span::new(location, location + 1))
            }
            LalrError::User { .. } => ParseError::UnexpectedEnd {
                span: Span::new(end, end),
                expected: Vec::new(),
            },
        });
        None
    }

    fn module(&mut self, tokens: &[Tok]) -> Module {
        let mut module = Module::default();
        // A keyword after `.` is a path segment (`use std.ear.reasons.*`).
        let starts = |t: &[Tok], i: usize| is_item_start(&t[i].1) && t[i - 1].1 != Token::Dot;
        for piece in cut(tokens, starts) {
            if piece[0].1 == Token::Policy && module.header.is_none() && module.items.is_empty() {
                match self.parsers.header.parse(piece.iter().cloned()) {
                    Ok(path) => module.header = Some(path),
                    Err(e) => self.report(e, piece).unwrap_or(()),
                }
                continue;
            }
            if piece[0].1 == Token::Assert {
                let item = self.assertion(piece).map(Item::Assert);
                module.items.push(item.unwrap_or_else(|| {
                    self.errors.push(assert_head_error(piece));
                    Item::Error(span_of(piece))
                }));
                continue;
            }
            let item = match self.parsers.item.parse(piece.iter().cloned()) {
                Ok(item) => item,
                Err(e) => self.recover_item(piece, e),
            };
            module.items.push(item);
        }
        module
    }

    /// An item failed to parse as a whole: parse its pieces instead.
    fn recover_item(&mut self, piece: &[Tok], error: LalrError<usize, Token, ()>) -> Item {
        let recovered = match piece[0].1 {
            Token::Jurisdiction => self.jurisdiction(piece).map(Item::Jurisdiction),
            Token::Test => self.test(piece).map(Item::Test),
            _ => None,
        };
        recovered.unwrap_or_else(|| {
            self.report::<()>(error, piece);
            Item::Error(span_of(piece))
        })
    }

    /// `{` after the head, the body, and the closing `}` if present.
    fn block<'t>(&mut self, piece: &'t [Tok]) -> Option<(usize, &'t [Tok])> {
        let open = piece.iter().position(|t| t.1 == Token::LBrace)?;
        let body = &piece[open + 1..];
        match body.last() {
            Some((_, Token::RBrace, _)) => Some((open, &body[..body.len() - 1])),
            _ => {
                let end = span_of(piece).end as usize;
                self.errors.push(ParseError::UnexpectedEnd {
                    span: Span::new(end, end),
                    expected: vec!["`}`".into()],
                });
                Some((open, body))
            }
        }
    }

    fn head_ident(&mut self, piece: &[Tok], at: usize) -> Option<Ident> {
        match piece.get(at) {
            Some((l, Token::Ident(name), r)) => Some(Ident {
                name: name.clone(),
                span: Span::new(*l, *r),
            }),
            _ => None,
        }
    }

    fn jurisdiction(&mut self, piece: &[Tok]) -> Option<JurisdictionDecl> {
        let name = self.head_ident(piece, 1)?;
        let (open, body) = self.block(piece)?;
        if open != 2 {
            return None;
        }
        let mut depth = 0i32;
        let mut pieces = Vec::new();
        let mut begin = 0;
        for (i, (_, token, _)) in body.iter().enumerate() {
            let starts = match token {
                Token::Rule | Token::Authority => true,
                Token::Effective | Token::Sunset => depth == 0,
                _ => false,
            };
            if starts && i > begin {
                pieces.push(&body[begin..i]);
                begin = i;
            }
            match token {
                Token::LBrace => depth += 1,
                Token::RBrace => depth -= 1,
                _ => {}
            }
        }
        if begin < body.len() {
            pieces.push(&body[begin..]);
        }
        let members = pieces
            .into_iter()
            .map(
                |member| match self.parsers.member.parse(member.iter().cloned()) {
                    Ok(m) => m,
                    Err(e) if member[0].1 == Token::Rule => match self.rule(member) {
                        Some(rule) => JurisdictionMember::Rule(rule),
                        None => {
                            self.report::<()>(e, member);
                            JurisdictionMember::Error(span_of(member))
                        }
                    },
                    Err(e) => {
                        self.report::<()>(e, member);
                        JurisdictionMember::Error(span_of(member))
                    }
                },
            )
            .collect();
        Some(JurisdictionDecl {
            name,
            members,
            span: span_of(piece),
        })
    }

    /// A rule cut into clauses: `rule NAME (overrides A, B)? { CLAUSE* }`.
    fn rule(&mut self, piece: &[Tok]) -> Option<RuleDecl> {
        let name = self.head_ident(piece, 1)?;
        let (open, body) = self.block(piece)?;
        let mut overrides = Vec::new();
        if open > 2 {
            if piece[2].1 != Token::Overrides {
                return None;
            }
            for (i, tok) in piece[3..open].iter().enumerate() {
                match (i % 2, &tok.1) {
                    (0, Token::Ident(_)) => overrides.extend(self.head_ident(piece, 3 + i)),
                    (1, Token::Comma) => {}
                    _ => return None,
                }
            }
        }
        let clauses = cut(body, is_clause_start)
            .into_iter()
            .map(
                |clause| match self.parsers.clause.parse(clause.iter().cloned()) {
                    Ok(c) => c,
                    Err(e) => {
                        self.report::<()>(e, clause);
                        Clause {
                            kind: ClauseKind::Error,
                            span: span_of(clause),
                        }
                    }
                },
            )
            .collect();
        Some(RuleDecl {
            name,
            overrides,
            clauses,
            span: span_of(piece),
        })
    }

    /// The name and body of `test "NAME" { ... }` or `assert "NAME" { ... }`.
    fn named_block<'t>(&mut self, piece: &'t [Tok]) -> Option<(super::ast::Lit, &'t [Tok])> {
        let name = match piece.get(1) {
            Some((l, Token::Str(text), r)) => super::ast::Lit {
                text: text.clone(),
                span: Span::new(*l, *r),
            },
            _ => return None,
        };
        let (open, body) = self.block(piece)?;
        (open == 2).then_some((name, body))
    }

    /// An assertion cut into members: at `when` and `expect`, and at a
    /// name followed by a date (`from DATE`, `until DATE`).
    fn assertion(&mut self, piece: &[Tok]) -> Option<AssertDecl> {
        let (name, body) = self.named_block(piece)?;
        let members = cut(body, |t, i| match &t[i].1 {
            Token::When | Token::Expect => true,
            Token::Ident(_) => matches!(t.get(i + 1), Some((_, Token::Date(_), _))),
            _ => false,
        })
        .into_iter()
        .map(
            |member| match self.parsers.assert_member.parse(member.iter().cloned()) {
                Ok(m) => m,
                Err(e) => {
                    self.report::<()>(e, member);
                    AssertMember::Error(span_of(member))
                }
            },
        )
        .collect();
        Some(AssertDecl {
            name,
            members,
            span: span_of(piece),
        })
    }

    fn test(&mut self, piece: &[Tok]) -> Option<TestDecl> {
        let (name, body) = self.named_block(piece)?;
        let members = cut(body, |t, i| {
            matches!(t[i].1, Token::At | Token::Given | Token::Expect)
        })
        .into_iter()
        .map(
            |member| match self.parsers.test_member.parse(member.iter().cloned()) {
                Ok(m) => m,
                Err(e) => {
                    self.report::<()>(e, member);
                    TestMember::Error(span_of(member))
                }
            },
        )
        .collect();
        Some(TestDecl {
            name,
            members,
            span: span_of(piece),
        })
    }
}

/// The error of an `assert` whose head is not `assert "NAME" {`.
fn assert_head_error(piece: &[Tok]) -> ParseError {
    let (expected, at) = match piece.get(1) {
        Some((_, Token::Str(_), _)) => ("`{`", piece.get(2)),
        _ => ("a string", piece.get(1)),
    };
    match at {
        Some((l, token, r)) => ParseError::Unexpected {
            span: Span::new(*l, *r),
            found: token.describe(),
            expected: vec![expected.into()],
        },
        None => {
            let end = span_of(piece).end as usize;
            ParseError::UnexpectedEnd {
                span: Span::new(end, end),
                expected: vec![expected.into()],
            }
        }
    }
}

/// Turns LALRPOP's terminal names into the words a message uses, in a
/// stable order without duplicates.
fn nice(expected: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = expected
        .into_iter()
        .map(|t| match t.as_str() {
            "\"ident\"" => "a name".to_string(),
            "\"date\"" => "a date".to_string(),
            "\"eccn\"" => "an ECCN".to_string(),
            "\"number\"" => "a number".to_string(),
            "\"string\"" => "a string".to_string(),
            other => format!("`{}`", other.trim_matches('"')),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
#[expect(clippy::panic, reason = "tests fail by panicking")]
mod tests {
    use super::*;

    #[test]
    fn parses_the_smallest_module() {
        let out = parse("policy a.b\ngroup G: Country = {CN, MO}\n");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(
            out.module.header.map(|p| p.dotted()),
            Some("a.b".to_string())
        );
        assert_eq!(out.module.items.len(), 1);
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let text = format!(
            "group G: Country = {}{{CN}}{}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        let out = parse(&text);
        assert!(matches!(out.errors.as_slice(), [ParseError::TooDeep(_)]));
    }

    #[test]
    fn a_term_date_cannot_be_given_twice() {
        // Were the second date accepted, the tree would keep one of them and
        // formatting would silently drop the other.
        let out =
            parse("group G: Country = {CN} | {KH} effective 2021-12-09 effective 2022-01-01\n");
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        assert!(
            parse("group G: Country = {KH} effective 2021-12-09 sunset 2023-01-01 | {MO}\n")
                .errors
                .is_empty()
        );
    }

    #[test]
    fn long_chains_stay_flat() {
        let text = format!(
            "jurisdiction US {{ rule r {{ when {} then deny }} }}",
            vec!["a"; 50_000].join(" or ")
        );
        let out = parse(&text);
        assert!(out.errors.is_empty());
    }

    #[test]
    fn one_error_per_broken_clause() {
        let text = "jurisdiction US {\n rule a { when x in then deny }\n rule b { when y in {CN} then allow under }\n rule c { when z then deny cite }\n}\ngroup G: Country = {CN,, MO}\ngroup H: Country = {CN}\n";
        let out = parse(text);
        assert_eq!(out.errors.len(), 4, "{:#?}", out.errors);
        let Item::Jurisdiction(j) = &out.module.items[0] else {
            panic!("{:?}", out.module.items[0])
        };
        assert_eq!(j.members.len(), 3);
        assert!(matches!(out.module.items[2], Item::Group(_)));
    }
}
