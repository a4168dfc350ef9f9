//! Edict compiler library: the language's front end, checker and formatter,
//! on a salsa database shared with the language server.
//!
//! Pipeline: [`syntax`] (lexer, grammar, tree) → [`check`] (names, types,
//! dates, lints) with [`db`] holding the queries; [`fmt`] prints the
//! canonical layout; [`project`] loads files through a [`project::FileSystem`]
//! (the only I/O); [`stdlib`] embeds the standard library.

pub mod check;
pub mod cli;
pub mod compare;
pub mod coverage;
pub use edict_engine::date;
pub mod db;
pub mod diagnostics;
pub mod diff;
pub mod escape;
pub use edict_engine::eval;
pub mod fmt;
pub mod hir;
pub mod ide;
pub mod project;
pub mod prove;
pub mod stdlib;
pub mod syntax;
pub mod table;
pub mod testing;
