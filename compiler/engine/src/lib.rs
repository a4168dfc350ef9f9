//! Edict decision tables without the compiler: the table model and its
//! JSON form ([`table`]), the reference evaluator ([`eval`]), and what they
//! need (dates, ECCNs, the registry of coded errors).
//!
//! Stage: consumer. A downstream engine in Rust depends on this crate alone
//! (serde, serde_json, sha2, schemars) to read a compiled table and decide
//! transactions exactly as `edict eval` does; it never sees policy source.
//! The `edict-compiler` crate writes the tables and re-exports these
//! modules under the same names.

pub mod bitset;
pub mod codes;
pub mod date;
pub mod eccn;
pub mod eval;
pub mod suggest;
pub mod table;
