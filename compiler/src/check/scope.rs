//! The names a module sees: its own declarations, then explicit imports,
//! then glob imports. Also reports problems with `use` and the header.

use std::collections::BTreeMap;

use super::Ctx;
use super::summary::Export;
use crate::db::{LoadProblem, file_summary, import_components, module_file, module_index};
use crate::diagnostics::Code;
use crate::syntax::ast::{Item, Module, Use, UseKind};

/// What a name in scope stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// A declaration of `module`.
    Decl {
        /// The declaring module.
        module: String,
        /// What it declares.
        export: Export,
    },
    /// Several glob imports bring different things under this name.
    Ambiguous(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Local,
    Explicit,
    Glob,
}

/// A module's names.
#[derive(Debug, Default)]
pub struct Scope {
    names: BTreeMap<String, (Binding, Source)>,
}

impl Scope {
    /// The binding of a name.
    pub fn get(&self, name: &str) -> Option<&Binding> {
        self.names.get(name).map(|(b, _)| b)
    }

    /// Every name in scope.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.keys().map(String::as_str)
    }

    /// Names whose declaration satisfies `keep`.
    pub fn names_where(&self, keep: impl Fn(&Export) -> bool) -> Vec<String> {
        self.names
            .iter()
            .filter(|(_, (b, _))| matches!(b, Binding::Decl { export, .. } if keep(export)))
            .map(|(n, _)| n.clone())
            .collect()
    }
}

impl Ctx<'_> {
    /// Builds the scope and reports header and import problems.
    pub fn build_scope(&mut self, module: &Module) {
        self.check_header(module);
        let own = file_summary(self.db, self.file);
        for (name, export) in &own.exports {
            let binding = Binding::Decl {
                module: self.module.clone(),
                export: export.clone(),
            };
            self.scope
                .names
                .insert(name.clone(), (binding, Source::Local));
        }
        for item in &module.items {
            if let Item::Use(u) = item {
                self.import(u);
            }
        }
    }

    fn check_header(&mut self, module: &Module) {
        let Some(header) = &module.header else { return };
        let files = module_index(self.db, self.ws)
            .get(&self.module)
            .cloned()
            .unwrap_or_default();
        if files.len() > 1 && files[0] != self.file {
            let first = files[0].path(self.db).clone();
            let d = self
                .diag(
                    Code::DuplicateModule,
                    header.span,
                    format!("module `{}` is declared twice", self.module),
                )
                .label("declared again here")
                .note(format!("`{first}` declares it first"))
                .help("give each file its own module name");
            self.report(d);
        }
    }

    fn import(&mut self, u: &Use) {
        let target = u.path.dotted();
        if matches!(u.kind, UseKind::Bare) {
            let d = self
                .diag(
                    Code::BareImport,
                    u.span,
                    format!("`use {target}` imports nothing"),
                )
                .label("names no items")
                .help(format!(
                    "import names with `use {target}.{{Name}}` or all of them with `use {target}.*`"
                ))
                .fix("import every name", u.span, format!("use {target}.*"));
            self.report(d);
            return;
        }
        let Some(file) = module_file(self.db, self.ws, &target) else {
            self.unknown_module(u, &target);
            return;
        };
        if let Some(cycle) = self.import_cycle(&target) {
            let d = self
                .diag(
                    Code::ImportCycle,
                    u.path.span,
                    format!("import cycle through `{target}`"),
                )
                .label("this import leads back here")
                .note(format!("cycle: {}", cycle.join(" → ")))
                .help("move what both modules need into a third module");
            self.report(d);
        }
        let exports = &file_summary(self.db, file).exports;
        match &u.kind {
            UseKind::Names(names) => {
                for name in names {
                    match exports.get(&name.name) {
                        Some(export) => {
                            let binding = Binding::Decl {
                                module: target.clone(),
                                export: export.clone(),
                            };
                            match self.scope.names.get(&name.name) {
                                Some((existing, Source::Local | Source::Explicit))
                                    if *existing != binding =>
                                {
                                    let d = self
                                        .diag(Code::DuplicateName, name.span, format!("`{}` is defined twice", name.name))
                                        .label("imported here")
                                        .note("a module's declarations and explicit imports share one namespace")
                                        .help("remove the import or rename the declaration");
                                    self.report(d);
                                }
                                _ => {
                                    self.scope
                                        .names
                                        .insert(name.name.clone(), (binding, Source::Explicit));
                                }
                            }
                        }
                        None => {
                            let mut d = self
                                .diag(
                                    Code::NotExported,
                                    name.span,
                                    format!("module `{target}` has no `{}`", name.name),
                                )
                                .label("not declared there");
                            if let Some(help) =
                                self.suggest(&name.name, exports.keys().map(String::as_str))
                            {
                                d = d.help(help);
                            }
                            self.report(d);
                        }
                    }
                }
            }
            UseKind::Glob => {
                for (name, export) in exports {
                    let binding = Binding::Decl {
                        module: target.clone(),
                        export: export.clone(),
                    };
                    match self.scope.names.get_mut(name) {
                        None => {
                            self.scope
                                .names
                                .insert(name.clone(), (binding, Source::Glob));
                        }
                        Some((existing, Source::Glob)) if *existing != binding => {
                            let mut modules = match existing {
                                Binding::Decl { module, .. } => vec![module.clone()],
                                Binding::Ambiguous(ms) => ms.clone(),
                            };
                            modules.push(target.clone());
                            *existing = Binding::Ambiguous(modules);
                        }
                        Some(_) => {}
                    }
                }
            }
            UseKind::Bare => {}
        }
    }

    fn unknown_module(&mut self, u: &Use, target: &str) {
        let problem = self.ws.load_problems(self.db).get(target).cloned();
        let d = match problem {
            Some(LoadProblem::OutsideRoot(file)) => self
                .diag(
                    Code::ModuleOutsideRoot,
                    u.path.span,
                    format!("module `{target}` lies outside the project root"),
                )
                .label("resolves outside the root")
                .note(format!("its file resolves to `{file}`"))
                .help("modules must live under the project root; move the file inside it"),
            Some(LoadProblem::HeaderMismatch { file, declared }) => self
                .diag(
                    Code::UnknownModule,
                    u.path.span,
                    format!("unknown module `{target}`"),
                )
                .label("no module of this name")
                .note(format!("`{file}` declares `policy {declared}` instead"))
                .help(format!(
                    "import `{declared}`, or change the file's header to `policy {target}`"
                )),
            Some(LoadProblem::Unreadable { file, reason }) => self
                .diag(
                    Code::SourceRefused,
                    u.path.span,
                    format!("module `{target}` cannot be read"),
                )
                .label("its file was not read")
                .note(format!(
                    "`{file}`: {}",
                    reason.trim_start_matches("[E0115] ")
                ))
                .help("a module is a regular file of at most 64 MiB under the project root"),
            None => {
                let names: Vec<String> = module_index(self.db, self.ws).keys().cloned().collect();
                let mut d = self
                    .diag(Code::UnknownModule, u.path.span, format!("unknown module `{target}`"))
                    .label("no such module")
                    .note(format!(
                        "`{target}` is looked up among the loaded modules, then as `{}.edict` under the project root",
                        target.replace('.', "/")
                    ));
                if let Some(help) = self.suggest(target, names.iter().map(String::as_str)) {
                    d = d.help(help);
                }
                d
            }
        };
        self.report(d);
    }

    /// A chain of imports from `start` back to this module, if any.
    /// The cycle a `use start` in this module closes, from this module
    /// back to it, if it closes one.
    fn import_cycle(&self, start: &str) -> Option<Vec<String>> {
        let components = import_components(self.db, self.ws);
        let here = components.get(&self.module)?;
        if components.get(start) != Some(here) {
            return None;
        }
        // A shortest way back, within the component (breadth first).
        let mut parent: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.to_string()]);
        parent.insert(start.to_string(), self.module.clone());
        while let Some(current) = queue.pop_front() {
            let Some(file) = module_file(self.db, self.ws, &current) else {
                continue;
            };
            for next in &file_summary(self.db, file).imports {
                if *next == self.module {
                    let mut chain = vec![next.clone(), current.clone()];
                    let mut at = current.clone();
                    while let Some(p) = parent.get(&at) {
                        chain.push(p.clone());
                        if *p == self.module {
                            break;
                        }
                        at = p.clone();
                    }
                    chain.reverse();
                    return Some(chain);
                }
                if components.get(next) == Some(here) && !parent.contains_key(next) {
                    parent.insert(next.clone(), current.clone());
                    queue.push_back(next.clone());
                }
            }
        }
        None
    }
}
