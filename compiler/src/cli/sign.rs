//! `edict keygen`, `sign` and `verify`, and `--trusted-key` for every
//! command that reads a table: the command-line side of the
//! `edict-signature` crate. Key files are read here (regular files only,
//! small), and nothing read from a private key ever reaches the output.

use std::io::Write;
use std::path::{Path, PathBuf};

use edict_signature::{MAX_SIGNATURE, PrivateKey, PublicKey, SignatureError, Verified};

use super::write_atomically;
use crate::date::Date;
use crate::diagnostics::codes::Code;
use crate::project::{MAX_TABLE, read_regular};

/// The largest key file read.
const MAX_KEY: u64 = 64 << 10;

/// `--trusted-key` and `--sig`: which signatures a command accepts.
#[derive(Debug, Default)]
pub(super) struct Trust {
    /// The keys given; none means tables are read unsigned, as before.
    pub keys: Vec<PublicKey>,
    /// `--sig FILE`; else `TABLE.sig`.
    pub sig: Option<PathBuf>,
}

/// Takes `--trusted-key PUB` (repeatable) and `--sig FILE` out of `args`,
/// reading the keys; returns the rest.
pub(super) fn trust_options(args: &[String]) -> Result<(Trust, Vec<String>), String> {
    let mut trust = Trust::default();
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--trusted-key" => {
                let path = it.next().ok_or("`--trusted-key` takes a public key file")?;
                trust.keys.push(public_key(Path::new(path))?);
            }
            "--sig" => trust.sig = Some(PathBuf::from(it.next().ok_or("`--sig` takes a file")?)),
            _ => rest.push(arg.clone()),
        }
    }
    if trust.sig.is_some() && trust.keys.is_empty() {
        return Err(
            "`--sig` needs `--trusted-key PUB`: a signature proves nothing without a trusted key"
                .into(),
        );
    }
    Ok((trust, rest))
}

/// `TABLE.sig`: where a table's signature is written and looked for.
fn beside(table: &Path) -> PathBuf {
    let mut name = table.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// A key file's text; the error names the file, never its content.
fn key_text(path: &Path) -> Result<String, String> {
    let bytes = read_regular(path, MAX_KEY)
        .map_err(|e| format!("cannot read key `{}`: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| format!("`{}` is not a key file", path.display()))
}

fn public_key(path: &Path) -> Result<PublicKey, String> {
    PublicKey::parse(&key_text(path)?).map_err(|e| format!("`{}`: {e}", path.display()))
}

impl Trust {
    /// Whether tables must be signed.
    pub fn required(&self) -> bool {
        !self.keys.is_empty()
    }

    /// Checks the signature of the table at `path` whose bytes are `table`;
    /// `Ok(None)` when no key is trusted (nothing is checked). A refusal is
    /// reported to `err` and is the exit code (1).
    pub fn check(
        &self,
        path: &Path,
        table: &[u8],
        err: &mut dyn Write,
    ) -> Result<Option<Verified>, i32> {
        if !self.required() {
            return Ok(None);
        }
        self.verify(path, table).map(Some).map_err(|e| {
            let _ = writeln!(
                err,
                "error[{}]: `{}`: {}",
                e.code.as_str(),
                path.display(),
                e.message
            );
            1
        })
    }

    /// Where the signature of the table at `table` is read: `--sig FILE`,
    /// else `TABLE.sig`.
    pub fn sig_path(&self, table: &Path) -> PathBuf {
        self.sig.clone().unwrap_or_else(|| beside(table))
    }

    fn verify(&self, path: &Path, table: &[u8]) -> Result<Verified, SignatureError> {
        let sig_path = self.sig_path(path);
        let signature = match read_regular(&sig_path, MAX_SIGNATURE as u64) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(SignatureError {
                    code: Code::SignatureMissing,
                    message: format!(
                        "the table has no signature: `{}` does not exist (give `--sig FILE`)",
                        sig_path.display()
                    ),
                });
            }
            Err(e) => {
                return Err(SignatureError {
                    code: Code::MalformedSignature,
                    message: format!("cannot read the signature `{}`: {e}", sig_path.display()),
                });
            }
        };
        edict_signature::verify(table, &signature, &self.keys)
    }

    /// The refusal of a table given as policy source while keys are trusted.
    pub fn refuse_source(&self, path: &Path, err: &mut dyn Write) -> Result<(), i32> {
        if !self.required() {
            return Ok(());
        }
        let _ = writeln!(
            err,
            "error[{}]: `{}` is policy source, compiled here and signed by nobody; with `--trusted-key`, give a signed table (.json)",
            Code::SignatureMissing.as_str(),
            path.display()
        );
        Err(1)
    }
}

/// `edict keygen -o NAME`: a new Ed25519 key in `NAME` (PKCS#8 PEM, mode
/// 0600), `NAME.pub` (SPKI PEM) and `NAME.jwk`. Existing files are never
/// overwritten.
pub(super) fn keygen_cmd(args: &[String], out: &mut dyn Write) -> Result<i32, String> {
    let name = match args {
        [o, name] if o == "-o" || o == "--output" => PathBuf::from(name),
        _ => return Err("`keygen` takes `-o NAME`".into()),
    };
    let with = |ext: &str| {
        let mut n = name.as_os_str().to_owned();
        n.push(ext);
        PathBuf::from(n)
    };
    let files = [name.clone(), with(".pub"), with(".jwk")];
    if let Some(f) = files.iter().find(|f| f.symlink_metadata().is_ok()) {
        return Err(format!(
            "`{}` exists; a key file is never overwritten",
            f.display()
        ));
    }
    let key = PrivateKey::generate()?;
    let public = key.public();
    let texts = [
        key.to_pem()?,
        public.to_pem(),
        format!("{}\n", public.to_jwk()),
    ];
    for (i, (file, text)) in files.iter().zip(&texts).enumerate() {
        if let Err(e) = create_new(file, text, if i == 0 { 0o600 } else { 0o644 }) {
            for f in &files[..i] {
                let _ = std::fs::remove_file(f);
            }
            return Err(format!("cannot write `{}`: {e}", file.display()));
        }
    }
    writeln!(
        out,
        "key `{}`: private key in `{}` (keep it secret), public key in `{}` and `{}`",
        public.kid(),
        files[0].display(),
        files[1].display(),
        files[2].display()
    )
    .map_err(|e| e.to_string())?;
    Ok(0)
}

/// Writes a file that must not exist yet, with `mode` on Unix.
fn create_new(path: &Path, text: &str, mode: u32) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path)?.write_all(text.as_bytes())
}

/// Reads a private key, warning when others may read its file.
fn private_key(path: &Path, err: &mut dyn Write) -> Result<PrivateKey, String> {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let _ = writeln!(
                err,
                "warning: the private key `{}` can be read by others (mode {mode:04o}); run `chmod 600 {}`",
                path.display(),
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = &err;
    PrivateKey::parse(&key_text(path)?).map_err(|e| format!("`{}`: {e}", path.display()))
}

/// `edict sign TABLE --key NAME [-o SIG] [--label LABEL]`.
pub(super) fn sign_cmd(
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let (mut table, mut key, mut output, mut label) = (None, None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--key" => key = Some(PathBuf::from(it.next().ok_or("`--key` takes a file")?)),
            "-o" | "--output" => {
                output = Some(PathBuf::from(it.next().ok_or("`-o` takes a file")?))
            }
            "--label" => label = Some(it.next().ok_or("`--label` takes a text")?.clone()),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path if table.is_none() => table = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    let table = table.ok_or("no TABLE given")?;
    let key = private_key(
        &key.ok_or("`--key NAME` (a private key file) is required")?,
        err,
    )?;
    let bytes = read_regular(&table, MAX_TABLE)
        .map_err(|e| format!("cannot read `{}`: {e}", table.display()))?;
    // Only a table an engine can read is worth signing.
    if let Err(e) = crate::eval::Evaluator::from_bytes(&bytes) {
        writeln!(
            err,
            "error[{}]: `{}`: {}; not signed",
            e.code.as_str(),
            table.display(),
            e.message
        )
        .map_err(|e| e.to_string())?;
        return Ok(1);
    }
    let text = edict_signature::sign(&bytes, &key, label.as_deref(), issued_at()?)?;
    let output = output.unwrap_or_else(|| beside(&table));
    write_atomically(&output, &text)
        .map_err(|e| format!("cannot write `{}`: {e}", output.display()))?;
    writeln!(
        out,
        "signed `{}` ({}) with key `{}` → {}",
        table.display(),
        crate::table::sha256(&bytes),
        key.public().kid(),
        output.display()
    )
    .map_err(|e| e.to_string())?;
    Ok(0)
}

/// The signing time: `SOURCE_DATE_EPOCH` when set (reproducible builds),
/// else now.
fn issued_at() -> Result<u64, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("SOURCE_DATE_EPOCH=`{text}` is not a number of seconds")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .map_err(|_| "the system clock is before 1970".to_string()),
    }
}

/// `1970-01-01T00:00:00Z` form of seconds since the epoch.
fn timestamp(seconds: u64) -> String {
    let days = (seconds / 86_400).min(i64::MAX as u64) as i64;
    let s = seconds % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        Date::from_days_since_epoch(days),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `edict verify TABLE [--sig SIG] --trusted-key PUB...`.
pub(super) fn verify_cmd(
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let (trust, rest) = trust_options(args)?;
    let table = match &rest[..] {
        [t] if !t.starts_with('-') => PathBuf::from(t),
        [flag, ..] if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
        _ => return Err("`verify` takes one TABLE".into()),
    };
    if !trust.required() {
        return Err("`--trusted-key PUB` is required: verify against which key?".into());
    }
    let bytes = read_regular(&table, MAX_TABLE)
        .map_err(|e| format!("cannot read `{}`: {e}", table.display()))?;
    let v = match trust.check(&table, &bytes, err) {
        Ok(Some(v)) => v,
        Ok(None) => return Ok(1),
        Err(code) => return Ok(code),
    };
    writeln!(
        out,
        "verified `{}`: policy `{}`, {}, label `{}`, signed by key `{}` at {}",
        table.display(),
        v.claims.policy.escape_debug(),
        v.claims.digest,
        v.claims.label.escape_debug(),
        v.kid,
        timestamp(v.issued_at)
    )
    .map_err(|e| e.to_string())?;
    Ok(0)
}
