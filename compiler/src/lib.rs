//! Edict compiler library.
pub mod syntax;
