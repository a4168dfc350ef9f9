//! The standard library, embedded from the `stdlib/` folder.
//!
//! Module `std.a.b` lives in `stdlib/a/b.edict` and declares `policy std.a.b`.
//! The files are compiled into the binary; the language server shows them
//! as read-only documents.

/// One embedded module.
#[derive(Debug)]
pub struct StdModule {
    /// `std.ear.groups`.
    pub name: &'static str,
    /// Path under `stdlib/`.
    pub file: &'static str,
    /// The source.
    pub text: &'static str,
}

impl StdModule {
    /// The path shown in diagnostics: `<stdlib>/ear/groups.edict`.
    pub fn display_path(&self) -> String {
        format!("<stdlib>/{}", self.file)
    }
}

macro_rules! modules {
    ($($name:literal => $file:literal,)*) => {
        /// Every embedded module.
        pub const MODULES: &[StdModule] = &[
            $(StdModule { name: $name, file: $file, text: include_str!(concat!("../../stdlib/", $file)) },)*
        ];
    };
}

modules! {
    "std.countries" => "countries.edict",
    "std.ear.groups" => "ear/groups.edict",
    "std.ear.reasons" => "ear/reasons.edict",
    "std.ear.exceptions" => "ear/exceptions.edict",
    "std.ear.ccl" => "ear/ccl.edict",
    "std.ear.chart" => "ear/chart.edict",
    "std.ear.embargoes" => "ear/embargoes.edict",
    "std.eu" => "eu.edict",
    "std.japan" => "japan.edict",
    "std.regimes" => "regimes.edict",
    "std.uk" => "uk.edict",
}
