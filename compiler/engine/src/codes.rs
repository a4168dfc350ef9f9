//! The registry of diagnostic codes. A code is never reused: retired codes
//! stay listed with `retired: true`.
//!
//! Families: `00` syntax, `01` names and modules, `02` types, `03` dates and
//! jurisdictions, `04` cycles, overrides and policy structure, `05` decision
//! tables (compiling, reading, table-level analysis), `06` transactions, `07` comparing versions
//! (`edict diff`), `08` signatures. Warnings
//! (lints) also have a kebab-case name used to silence them
//! (`edict check --allow missing-sunset`).

use serde::{Serialize, Serializer};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy cannot be compiled.
    Error,
    /// The policy compiles, but something is likely wrong.
    Warning,
}

/// One registered code.
#[derive(Debug)]
pub struct CodeInfo {
    /// `E0101`, `W0303`, ...
    pub code: &'static str,
    /// The lint name, for warnings.
    pub lint: Option<&'static str>,
    /// A short title for listings.
    pub title: &'static str,
    /// The explanation page (Markdown).
    pub page: &'static str,
}

macro_rules! registry {
    ($($name:ident = $code:literal, $lint:expr, $title:literal;)*) => {
        /// A diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(
                #[doc = $title]
                $name,
            )*
        }

        /// Every code, in registry order.
        pub const ALL: &[CodeInfo] = &[
            $(CodeInfo {
                code: $code,
                lint: $lint,
                title: $title,
                page: include_str!(concat!("../../docs/errors/", $code, ".md")),
            },)*
        ];

        impl Code {
            /// Every code, in registry order.
            pub const VARIANTS: &[Code] = &[$(Code::$name,)*];

            /// The code's registry entry.
            pub fn info(self) -> &'static CodeInfo {
                &ALL[self as usize]
            }
        }
    };
}

registry! {
    UnexpectedChar = "E0001", None, "unexpected character";
    UnterminatedString = "E0002", None, "unterminated string";
    UnexpectedToken = "E0003", None, "unexpected token";
    UnexpectedEnd = "E0004", None, "declaration ends too early";
    TooDeep = "E0005", None, "nesting too deep";
    InvalidUtf8 = "E0006", None, "file is not valid UTF-8";
    MalformedEccn = "E0007", None, "malformed ECCN";
    MalformedNumber = "E0008", None, "malformed number";
    DuplicateClause = "E0009", None, "clause given twice";
    MissingClause = "E0010", None, "required clause missing";
    TooManyErrors = "E0011", None, "too many syntax errors";
    HiddenText = "W0001", Some("hidden-text"), "bidirectional or invisible character";
    MixedScriptText = "W0002", Some("mixed-script-text"), "string mixing Latin with look-alike scripts";
    UnknownName = "E0101", None, "unknown name";
    UnknownModule = "E0102", None, "unknown module";
    ModuleOutsideRoot = "E0103", None, "module outside the project root";
    ImportCycle = "E0104", None, "import cycle";
    DuplicateName = "E0105", None, "name defined twice";
    NotExported = "E0106", None, "name not found in module";
    AmbiguousName = "E0107", None, "ambiguous name";
    DuplicateModule = "E0108", None, "module declared twice";
    BareImport = "E0109", None, "import names nothing";
    WrongKind = "E0110", None, "name of the wrong kind";
    UnknownReview = "E0111", None, "unknown review policy";
    UnknownField = "E0112", None, "unknown input field";
    MissingField = "E0113", None, "test leaves out an input field";
    UnknownJurisdiction = "E0114", None, "unknown jurisdiction";
    SourceRefused = "E0115", None, "source file refused";
    RepeatedMember = "W0101", Some("repeated-member"), "member listed twice in a set";
    TypeMismatch = "E0201", None, "type mismatch";
    UnknownType = "E0202", None, "unknown type";
    BadOperator = "E0203", None, "operator does not apply to this type";
    NotACondition = "E0204", None, "expected a condition";
    NotASet = "E0205", None, "expected a set";
    NoTiers = "E0206", None, "tier used without a tier scale";
    FieldTypeConflict = "E0207", None, "input field declared with two types";
    EccnEquality = "E0208", None, "`==` or `!=` on ECCNs";
    FieldComparison = "E0209", None, "comparison of two fields";
    ImpossibleDate = "E0301", None, "impossible date";
    SunsetNotAfterEffective = "E0302", None, "sunset not after effective";
    OutsideJurisdictionDates = "E0303", None, "rule dates outside its jurisdiction's";
    TestWithoutDate = "E0304", None, "test without a date";
    EmptyAssertionPeriod = "E0305", None, "assertion period with no day";
    ExpiredRule = "W0301", Some("expired-rule"), "rule no longer in force";
    NotYetEffective = "W0302", Some("not-yet-effective"), "rule not yet in force";
    MissingSunset = "W0303", Some("missing-sunset"), "rule without sunset";
    MissingCite = "W0304", Some("missing-cite"), "rule without citation";
    UncitedFact = "W0305", Some("uncited-fact"), "group or dated set term without citation";
    GroupCycle = "E0401", None, "cyclic group";
    OverrideCycle = "E0402", None, "cyclic overrides";
    CrossJurisdictionOverride = "E0403", None, "override across jurisdictions";
    UnknownRule = "E0404", None, "override of an unknown rule";
    AssessWithoutOtherwise = "E0405", None, "assess without otherwise";
    SecondDeclaration = "E0406", None, "declared more than once in a policy";
    UnreachableAssessLine = "E0407", None, "assess line after otherwise";
    TableTooLarge = "E0501", None, "rule expands to too many table rows";
    UnsupportedTable = "E0502", None, "unsupported table format or version";
    MalformedTable = "E0503", None, "malformed decision table";
    SqlUnsupported = "E0504", None, "table that SQL cannot hold";
    UnreachableRule = "W0501", Some("unreachable-rule"), "rule never decides";
    ConflictingOverlap = "W0502", Some("conflicting-overlap"), "overlapping rules merge different outcomes";
    SunsetWithoutSuccessor = "W0503", Some("sunset-without-successor"), "sunset with no successor rule";
    MalformedTransaction = "E0601", None, "malformed transaction";
    TxUnknownField = "E0602", None, "unknown transaction field";
    TxMissingField = "E0603", None, "missing transaction field";
    WrongFieldType = "E0604", None, "transaction field of the wrong type";
    UnknownValue = "E0605", None, "value outside the column's domain";
    InvalidDate = "E0606", None, "invalid date in a transaction";
    InvalidEccn = "E0607", None, "invalid ECCN in a transaction";
    IncomparableVersions = "E0701", None, "versions that cannot be compared";
    SignatureMissing = "E0801", None, "table without a signature";
    MalformedSignature = "E0802", None, "malformed or unaccepted signature";
    UntrustedKey = "E0803", None, "table signed by a key that is not trusted";
    BadSignature = "E0804", None, "signature that does not match the table";
    AssertionFails = "E0901", None, "assertion that does not hold";
    AssertionTooLarge = "E0902", None, "assertion too large to check";
}

impl Code {
    /// `E0101`.
    pub fn as_str(self) -> &'static str {
        self.info().code
    }

    /// Errors start with `E`, warnings with `W`.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    /// The lint name of a warning.
    pub fn lint(self) -> Option<&'static str> {
        self.info().lint
    }

    /// Looks a code up by its text (`E0101`) or, for lints, by name.
    pub fn lookup(text: &str) -> Option<Code> {
        let upper = text.to_ascii_uppercase();
        Code::VARIANTS
            .iter()
            .copied()
            .find(|c| c.as_str() == upper || c.lint() == Some(text))
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_well_formed_and_documented() {
        let mut seen = std::collections::BTreeSet::new();
        for (i, info) in ALL.iter().enumerate() {
            assert_eq!(Code::VARIANTS[i].info().code, info.code);
            assert!(seen.insert(info.code), "{} twice", info.code);
            assert_eq!(info.code.len(), 5);
            assert_eq!(
                info.code.starts_with('W'),
                info.lint.is_some(),
                "{}",
                info.code
            );
            assert!(
                info.page.starts_with(&format!("# {}", info.code)),
                "page of {} has no title",
                info.code
            );
            assert!(
                info.page.contains("```edict"),
                "page of {} has no example",
                info.code
            );
        }
    }
}
