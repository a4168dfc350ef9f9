//! Compiling a policy into its portable decision table.
//!
//! Stage: after `hir`. [`lower::table`] compiles a [`crate::hir::Program`]
//! into a [`Table`]; [`Table::to_json`] gives its canonical bytes. The
//! table's model (the format itself) lives in the `edict-engine` crate,
//! which consumers use without the compiler, and is re-exported here.

pub mod analysis;
pub mod domains;
pub mod generate;
pub mod lower;
pub mod overlap;
pub mod sets;

pub use edict_engine::table::*;

use crate::db::{Db, Workspace, workspace_diagnostics};
use crate::diagnostics::{Diagnostic, Severity};

/// A compiled policy, with what the compiler found along the way.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The resolved program (tests and the direct interpreter read it).
    pub program: crate::hir::Program,
    /// The table and rule regions.
    pub lowered: lower::Lowered,
    /// The table's bytes, as `edict compile` writes them.
    pub json: String,
    /// `sha256:` of `json`.
    pub digest: String,
    /// Warnings of the checker and of the table analysis, sorted.
    pub warnings: Vec<Diagnostic>,
}

/// Why a workspace did not compile.
#[derive(Debug, Clone)]
pub enum CompileError {
    /// Errors (and warnings) of the checker or the lowering, sorted.
    Diagnostics(Vec<Diagnostic>),
    /// The checker passed something the lowering cannot resolve (a bug).
    Internal(String),
}

/// Checks, lowers and compiles the workspace. Assertions are not decided
/// here ([`crate::prove`] does, for `edict check`, `compile` and `test`):
/// a policy whose assertion fails still decides, so that its witness can
/// be evaluated and its tests run.
pub fn compile(db: &dyn Db, ws: Workspace) -> Result<Compiled, CompileError> {
    compile_resolved(resolve(db, ws)?)
}

/// A checked workspace without errors, resolved: all that compiling it
/// further needs, with no reference to the database (so a reader can let
/// go of its database before the longer table lowering).
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The resolved program.
    pub program: crate::hir::Program,
    /// The checker's warnings.
    pub warnings: Vec<Diagnostic>,
    /// The lints allowed by the settings.
    pub allowed: std::collections::BTreeSet<String>,
}

/// Checks the workspace and resolves it; `Err` with the diagnostics when
/// it has errors.
pub fn resolve(db: &dyn Db, ws: Workspace) -> Result<Resolved, CompileError> {
    let diagnostics = workspace_diagnostics(db, ws);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(CompileError::Diagnostics(diagnostics));
    }
    let program = crate::hir::lower::program(db, ws).map_err(CompileError::Internal)?;
    Ok(Resolved {
        program,
        warnings: diagnostics,
        allowed: ws.settings(db).allowed.clone(),
    })
}

/// Lowers and compiles a resolved workspace.
pub fn compile_resolved(resolved: Resolved) -> Result<Compiled, CompileError> {
    let (program, lowered, warnings) = lower_resolved(resolved)?;
    let json = lowered.table.to_json();
    let digest = sha256(json.as_bytes());
    Ok(Compiled {
        program,
        lowered,
        json,
        digest,
        warnings,
    })
}

/// Everything `edict check` reports: the checker's diagnostics, and when
/// there are no errors, those of lowering the table (rows past the limit,
/// the table-level warnings) and the assertions that do not hold. The
/// table is not serialized.
pub fn policy_diagnostics(db: &dyn Db, ws: Workspace) -> Vec<Diagnostic> {
    match resolve(db, ws).and_then(lower_resolved) {
        Ok((program, lowered, mut diagnostics)) => {
            diagnostics.extend(crate::prove::diagnostics(&program, &lowered.table));
            crate::diagnostics::sort_and_dedup(&mut diagnostics);
            diagnostics
        }
        Err(CompileError::Diagnostics(d)) => d,
        Err(CompileError::Internal(_)) => workspace_diagnostics(db, ws),
    }
}

/// Lowers; returns the program, the table model and every warning
/// (checker and analysis, sorted, allowed lints removed).
fn lower_resolved(
    r: Resolved,
) -> Result<(crate::hir::Program, lower::Lowered, Vec<Diagnostic>), CompileError> {
    let Resolved {
        program,
        warnings: mut diagnostics,
        allowed,
    } = r;
    let lowered = match lower::table(&program) {
        Ok(l) => l,
        Err(errors) => {
            diagnostics.extend(errors);
            crate::diagnostics::sort_and_dedup(&mut diagnostics);
            return Err(CompileError::Diagnostics(diagnostics));
        }
    };
    diagnostics.extend(
        analysis::warnings(&program, &lowered, &allowed)
            .into_iter()
            .filter(|d| d.code.lint().is_none_or(|l| !allowed.contains(l))),
    );
    crate::diagnostics::sort_and_dedup(&mut diagnostics);
    Ok((program, lowered, diagnostics))
}
