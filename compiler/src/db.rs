//! The query database shared by the command line and the language server.
//!
//! Inputs are [`SourceFile`]s (path, text, origin) and one [`Workspace`]
//! (the files compiled together, with settings). Everything else is a salsa
//! query: [`parse_file`] → [`file_summary`] (the span-free facts other
//! modules depend on) → [`module_index`] and [`policy_env`] (the policy-wide
//! facts) → [`check_file`] → [`workspace_diagnostics`].
//!
//! Diagnostics are returned values, not an accumulator: each file's list is
//! one memoized value, so an unchanged file's list is reused as a whole and
//! the LSP can publish per file. Summaries carry no spans, so an edit inside
//! one rule changes only its own file's parse and check; every other
//! module's check is reused (see the incrementality test).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::check;
use crate::date::Date;
use crate::diagnostics::{self, Diagnostic};
use crate::syntax::{self, ParseOutput};

pub use crate::check::summary::{Export, FileSummary, RuleSig, file_summary};

/// Where a source file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// The embedded standard library (read-only).
    Stdlib,
    /// The project being compiled.
    Project,
}

/// Settings that change what checking reports.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Settings {
    /// The date lints compare against (`expired-rule`); `None` = system date.
    pub today: Option<Date>,
    /// Lints silenced by name.
    pub allowed: BTreeSet<String>,
    /// Lints that are off by default for user policies, turned on by name
    /// (`uncited-fact`).
    pub warned: BTreeSet<String>,
}

/// A problem the loader met while finding a module's file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LoadProblem {
    /// The file for the module lies outside the project root.
    OutsideRoot(String),
    /// The file exists but declares another module.
    HeaderMismatch {
        /// The file.
        file: String,
        /// What its header says.
        declared: String,
    },
    /// The file exists but could not be read, or was refused (`E0115`).
    Unreadable {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
}

mod inputs {
    //! The salsa inputs (their generated accessors carry the docs of the fields).
    #![allow(missing_docs)]
    use super::{BTreeMap, LoadProblem, Origin, Settings};

    /// One source file.
    #[salsa::input(debug)]
    pub struct SourceFile {
        /// The path shown to people (`examples/x/policy.edict`, `<stdlib>/ear/groups.edict`).
        #[returns(ref)]
        pub path: String,
        /// The path relative to the project root, with `/` separators
        /// (what compiled tables record, so they do not depend on where
        /// the compiler ran).
        #[returns(ref)]
        pub rel_path: String,
        /// The module name a file without a `policy` header gets (from its path).
        #[returns(ref)]
        pub default_module: String,
        /// The text (invalid UTF-8 already replaced and reported by the loader).
        #[returns(ref)]
        pub text: String,
        /// Stdlib or project.
        #[returns(copy)]
        pub origin: Origin,
        /// The byte offset of the first invalid UTF-8 sequence, if any.
        #[returns(copy)]
        pub invalid_utf8_at: Option<u32>,
    }

    /// The files compiled together.
    #[salsa::input(debug)]
    pub struct Workspace {
        /// Every loaded file: project files, modules they import, the stdlib.
        #[returns(ref)]
        pub files: Vec<SourceFile>,
        /// Problems met while loading modules, by module name.
        #[returns(ref)]
        pub load_problems: BTreeMap<String, LoadProblem>,
        /// Settings.
        #[returns(ref)]
        pub settings: Settings,
    }
}

pub use inputs::{SourceFile, Workspace};

/// The database trait the queries take.
#[salsa::db]
pub trait Db: salsa::Database {}

/// The one concrete database.
#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for Database {}

#[salsa::db]
impl Db for Database {}

impl Database {
    /// A database that records the name and key of every query it runs.
    pub fn with_log() -> (Database, Arc<Mutex<Vec<String>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Ok(mut log) = sink.lock()
            {
                log.push(format!("{database_key:?}"));
            }
        })));
        (Database { storage }, log)
    }
}

/// Parses one file (never fails).
#[salsa::tracked(returns(ref))]
pub fn parse_file(db: &dyn Db, file: SourceFile) -> ParseOutput {
    syntax::parse(file.text(db))
}

/// The module a file defines: its `policy` header, or its path-derived name.
#[salsa::tracked(returns(ref))]
pub fn module_name(db: &dyn Db, file: SourceFile) -> String {
    match &parse_file(db, file).module.header {
        Some(path) => path.dotted(),
        None => file.default_module(db).clone(),
    }
}

/// Module name → the files that declare it (more than one is an error).
#[salsa::tracked(returns(ref))]
pub fn module_index(db: &dyn Db, ws: Workspace) -> BTreeMap<String, Vec<SourceFile>> {
    let mut index: BTreeMap<String, Vec<SourceFile>> = BTreeMap::new();
    for file in ws.files(db) {
        index
            .entry(module_name(db, *file).clone())
            .or_default()
            .push(*file);
    }
    index
}

/// The file of a module, if exactly one declares it (the first otherwise).
pub fn module_file(db: &dyn Db, ws: Workspace, name: &str) -> Option<SourceFile> {
    module_index(db, ws)
        .get(name)
        .and_then(|files| files.first().copied())
}

/// The modules that lie on an import cycle, each with the id of its
/// strongly connected component of the import graph: a `use` of `B` in `A`
/// closes a cycle exactly when both are in the same component. Computed
/// once per workspace (Tarjan's algorithm, iteratively), so checking every
/// `use` is linear in the size of the import graph.
#[salsa::tracked(returns(ref))]
pub fn import_components(db: &dyn Db, ws: Workspace) -> BTreeMap<String, usize> {
    let names: Vec<&String> = module_index(db, ws).keys().collect();
    let id: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            module_file(db, ws, n)
                .map(|f| {
                    file_summary(db, f)
                        .imports
                        .iter()
                        .filter_map(|i| id.get(i.as_str()).copied())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let components = strongly_connected(&edges);
    let mut size = vec![0usize; names.len()];
    for &c in &components {
        size[c] += 1;
    }
    names
        .iter()
        .enumerate()
        .filter(|&(i, _)| size[components[i]] > 1 || edges[i].contains(&i))
        .map(|(i, n)| ((*n).clone(), components[i]))
        .collect()
}

/// The strongly connected component of each node (Tarjan, with an explicit
/// stack so that a long chain cannot exhaust the call stack).
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let n = edges.len();
    let (mut index, mut low, mut comp) = (vec![NONE; n], vec![0; n], vec![NONE; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut next_index, mut next_comp) = (Vec::new(), 0, 0);
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        // (node, next edge to look at)
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut e)) = work.last_mut() {
            if *e == 0 && index[v] == NONE {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*e) {
                *e += 1;
                if index[w] == NONE {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    comp
}

/// Facts that hold across the whole compiled policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PolicyEnv {
    /// Input fields: name → (declaring module, type name as written).
    pub fields: BTreeMap<String, (String, String)>,
    /// Fields declared with more than one type: field → (module, type).
    pub field_conflicts: BTreeMap<String, Vec<(String, String)>>,
    /// The tier scale, lowest first, and the module declaring it.
    pub tiers: Option<(String, Vec<String>)>,
    /// Modules declaring a `tiers` block.
    pub tiers_modules: Vec<String>,
    /// Modules declaring an `assess tier` block.
    pub assess_modules: Vec<String>,
    /// Jurisdiction → its rules from every module.
    pub jurisdictions: BTreeMap<String, Vec<RuleSig>>,
}

/// Merges the summaries of the project's modules into the policy-wide facts.
#[salsa::tracked(returns(ref))]
pub fn policy_env(db: &dyn Db, ws: Workspace) -> PolicyEnv {
    let mut env = PolicyEnv::default();
    let mut field_decls: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for file in ws.files(db) {
        if file.origin(db) != Origin::Project {
            continue;
        }
        let module = module_name(db, *file).clone();
        let summary = file_summary(db, *file);
        for (name, ty) in &summary.fields {
            field_decls
                .entry(name.clone())
                .or_default()
                .push((module.clone(), ty.clone()));
        }
        if let Some(tiers) = &summary.tiers {
            if env.tiers.is_none() {
                env.tiers = Some((module.clone(), tiers.clone()));
            }
            env.tiers_modules.push(module.clone());
        }
        for _ in 0..summary.assess_blocks {
            env.assess_modules.push(module.clone());
        }
        for (jurisdiction, rules) in &summary.jurisdictions {
            env.jurisdictions
                .entry(jurisdiction.clone())
                .or_default()
                .extend(rules.iter().cloned());
        }
    }
    for (name, decls) in field_decls {
        let types: BTreeSet<&String> = decls.iter().map(|(_, t)| t).collect();
        if types.len() > 1 {
            env.field_conflicts.insert(name.clone(), decls.clone());
        }
        env.fields.insert(name, decls[0].clone());
    }
    env
}

/// Every diagnostic of one file: syntax, names, types, dates, lints.
#[salsa::tracked(returns(ref))]
pub fn check_file(db: &dyn Db, ws: Workspace, file: SourceFile) -> Vec<Diagnostic> {
    let mut out = check::check_file(db, ws, file);
    let allowed = &ws.settings(db).allowed;
    out.retain(|d| d.code.lint().is_none_or(|lint| !allowed.contains(lint)));
    diagnostics::sort_and_dedup(&mut out);
    out
}

/// The diagnostics of every project file, sorted by (file, span, code).
pub fn workspace_diagnostics(db: &dyn Db, ws: Workspace) -> Vec<Diagnostic> {
    let mut all = Vec::new();
    for file in ws.files(db) {
        if file.origin(db) == Origin::Project {
            all.extend(check_file(db, ws, *file).iter().cloned());
        }
    }
    diagnostics::sort_and_dedup(&mut all);
    all
}
