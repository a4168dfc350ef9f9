//! Span-free facts about one module that other modules depend on.
//!
//! Because a summary holds no spans, editing inside a rule leaves the
//! summary equal, salsa backdates it, and no other module is re-checked.

use std::collections::BTreeMap;

use crate::db::{Db, SourceFile, parse_file};
use crate::syntax::ast::{Item, JurisdictionMember, UseKind};

/// What a module's top-level name stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Export {
    /// An enum (a type).
    Enum,
    /// A variant of the named enum of this module.
    Variant {
        /// The enum's name.
        enum_name: String,
        /// Its display label.
        label: Option<String>,
    },
    /// A group with the given element type name.
    Group {
        /// The element type as written.
        ty: String,
    },
    /// An authorization.
    Authorization,
}

/// A rule as other modules see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleSig {
    /// The rule's name.
    pub name: String,
    /// The module it is written in.
    pub module: String,
    /// The rules it overrides.
    pub overrides: Vec<String>,
}

/// The span-free facts of one module.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FileSummary {
    /// Declared names (first declaration of a name wins).
    pub exports: BTreeMap<String, Export>,
    /// Modules imported, in order.
    pub imports: Vec<String>,
    /// Input fields and their type names.
    pub fields: Vec<(String, String)>,
    /// The tier scale, when the module declares one.
    pub tiers: Option<Vec<String>>,
    /// How many `assess tier` blocks the module has.
    pub assess_blocks: usize,
    /// Rules by jurisdiction.
    pub jurisdictions: BTreeMap<String, Vec<RuleSig>>,
}

/// Summarises one module.
#[salsa::tracked(returns(ref))]
pub fn file_summary(db: &dyn Db, file: SourceFile) -> FileSummary {
    let parsed = parse_file(db, file);
    let module = crate::db::module_name(db, file).clone();
    let mut s = FileSummary::default();
    for item in &parsed.module.items {
        match item {
            Item::Use(u) => {
                if !matches!(u.kind, UseKind::Bare) {
                    s.imports.push(u.path.dotted());
                }
            }
            Item::Enum(e) => {
                s.exports.entry(e.name.name.clone()).or_insert(Export::Enum);
                for v in &e.variants {
                    s.exports
                        .entry(v.name.name.clone())
                        .or_insert_with(|| Export::Variant {
                            enum_name: e.name.name.clone(),
                            label: v.label.as_ref().map(|l| l.text.clone()),
                        });
                }
            }
            Item::Group(g) => {
                s.exports
                    .entry(g.name.name.clone())
                    .or_insert(Export::Group {
                        ty: g.ty.name.clone(),
                    });
            }
            Item::Authorization(a) => {
                s.exports
                    .entry(a.name.name.clone())
                    .or_insert(Export::Authorization);
            }
            Item::Input(i) => s.fields.extend(
                i.fields
                    .iter()
                    .map(|f| (f.name.name.clone(), f.ty.name.clone())),
            ),
            Item::Tiers(t) => {
                if s.tiers.is_none() {
                    s.tiers = Some(t.tiers.iter().map(|t| t.name.clone()).collect());
                }
            }
            Item::Assess(_) => s.assess_blocks += 1,
            Item::Jurisdiction(j) => {
                let rules = s.jurisdictions.entry(j.name.name.clone()).or_default();
                for m in &j.members {
                    if let JurisdictionMember::Rule(r) = m {
                        rules.push(RuleSig {
                            name: r.name.name.clone(),
                            module: module.clone(),
                            overrides: r.overrides.iter().map(|o| o.name.clone()).collect(),
                        });
                    }
                }
            }
            Item::Test(_) | Item::Assert(_) | Item::Error(_) => {}
        }
    }
    s
}
