//! The types of the language and how type names resolve.

use std::fmt;

use super::Ctx;
use super::summary::Export;
use crate::db::{file_summary, module_file};
use crate::diagnostics::Code;
use crate::syntax::ast::Ident;

/// The module whose `Country` enum is the `Country` type.
pub const COUNTRIES_MODULE: &str = "std.countries";

/// A value type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    /// ISO 3166-1 alpha-2 country (the variants of `std.countries.Country`).
    Country,
    /// Export Control Classification Number.
    Eccn,
    /// A number.
    Number,
    /// A calendar date.
    Date,
    /// `true` / `false`.
    Bool,
    /// Text.
    Str,
    /// A tier of the policy's scale.
    Tier,
    /// An enum: (module, name).
    Enum(String, String),
    /// Already reported; compatible with everything.
    Unknown,
}

/// The built-in type names.
pub const BUILTIN_TYPES: &[&str] = &["Country", "Eccn", "Number", "Date", "Bool", "String"];

impl Ty {
    /// A built-in type by name.
    pub fn builtin(name: &str) -> Option<Ty> {
        Some(match name {
            "Country" => Ty::Country,
            "Eccn" => Ty::Eccn,
            "Number" => Ty::Number,
            "Date" => Ty::Date,
            "Bool" => Ty::Bool,
            "String" => Ty::Str,
            _ => return None,
        })
    }

    /// The type of a variant of `enum_name` declared in `module`.
    pub fn of_variant(module: &str, enum_name: &str) -> Ty {
        if module == COUNTRIES_MODULE && enum_name == "Country" {
            Ty::Country
        } else {
            Ty::Enum(module.to_string(), enum_name.to_string())
        }
    }

    /// Whether values of the two types can be compared.
    pub fn compatible(&self, other: &Ty) -> bool {
        self == other || *self == Ty::Unknown || *other == Ty::Unknown
    }

    /// Whether `<`, `<=`, `>`, `>=` apply.
    pub fn ordered(&self) -> bool {
        matches!(self, Ty::Number | Ty::Date | Ty::Tier | Ty::Unknown)
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Country => f.write_str("Country"),
            Ty::Eccn => f.write_str("Eccn"),
            Ty::Number => f.write_str("Number"),
            Ty::Date => f.write_str("Date"),
            Ty::Bool => f.write_str("Bool"),
            Ty::Str => f.write_str("String"),
            Ty::Tier => f.write_str("Tier"),
            Ty::Enum(_, name) => f.write_str(name),
            Ty::Unknown => f.write_str("unknown"),
        }
    }
}

impl Ctx<'_> {
    /// Resolves a type name written in this module, reporting unknown ones.
    pub fn resolve_type(&mut self, name: &Ident) -> Ty {
        if let Some(ty) = Ty::builtin(&name.name) {
            return ty;
        }
        match self.scope.get(&name.name) {
            Some(super::scope::Binding::Decl {
                module,
                export: Export::Enum,
            }) => {
                return Ty::of_variant(&module.clone(), &name.name);
            }
            Some(super::scope::Binding::Decl { .. }) => {
                let d = self
                    .diag(
                        Code::WrongKind,
                        name.span,
                        format!("`{}` is not a type", name.name),
                    )
                    .label("expected a type")
                    .note(format!("types are {} and enums", BUILTIN_TYPES.join(", ")));
                self.report(d);
                return Ty::Unknown;
            }
            _ => {}
        }
        let enums: Vec<String> = self.scope.names_where(|e| matches!(e, Export::Enum));
        let candidates: Vec<&str> = BUILTIN_TYPES
            .iter()
            .copied()
            .chain(enums.iter().map(String::as_str))
            .collect();
        let mut d = self
            .diag(
                Code::UnknownType,
                name.span,
                format!("unknown type `{}`", name.name),
            )
            .label("not a type");
        if let Some(help) = self.suggest(&name.name, candidates) {
            d = d.help(help);
        }
        self.report(d);
        Ty::Unknown
    }

    /// Resolves a type name as written in another module (a group's or an
    /// input field's declared type), without reporting: that module reports.
    pub fn type_in_module(&self, module: &str, name: &str) -> Ty {
        if let Some(ty) = Ty::builtin(name) {
            return ty;
        }
        let Some(file) = module_file(self.db, self.ws, module) else {
            return Ty::Unknown;
        };
        let summary = file_summary(self.db, file);
        if let Some(Export::Enum) = summary.exports.get(name) {
            return Ty::of_variant(module, name);
        }
        for import in &summary.imports {
            if let Some(f) = module_file(self.db, self.ws, import)
                && let Some(Export::Enum) = file_summary(self.db, f).exports.get(name)
            {
                return Ty::of_variant(import, name);
            }
        }
        Ty::Unknown
    }

    /// The variants of an enum type, with their labels.
    pub fn variants_of(&self, ty: &Ty) -> Vec<(String, Option<String>)> {
        let (module, enum_name) = match ty {
            Ty::Country => (COUNTRIES_MODULE, "Country"),
            Ty::Enum(m, n) => (m.as_str(), n.as_str()),
            _ => return Vec::new(),
        };
        let Some(file) = module_file(self.db, self.ws, module) else {
            return Vec::new();
        };
        file_summary(self.db, file)
            .exports
            .iter()
            .filter_map(|(name, e)| match e {
                Export::Variant {
                    enum_name: en,
                    label,
                } if en == enum_name => Some((name.clone(), label.clone())),
                _ => None,
            })
            .collect()
    }
}
