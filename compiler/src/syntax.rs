//! Syntax: lexer, grammar, tree and the one `parse` entry point.

pub mod ast;
pub mod docs;
pub mod lexer;
mod parse;

pub use parse::{MAX_NESTING, ParseError, ParseOutput, parse};

lalrpop_util::lalrpop_mod!(
    #[allow(
        clippy::all,
        clippy::pedantic,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        missing_docs,
        unused
    )]
    grammar,
    "/syntax/grammar.rs"
);
