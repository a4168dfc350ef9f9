//! Signed tables: the conformance vectors of `tests/conformance/signatures`
//! (current, and given their verdict by `edict verify` and `edict eval`;
//! the Python consumer runs them in `tables.rs`), the key files `edict keygen` writes, and every
//! consumer's refusal of a tampered table.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::Signer as _;
use edict_signature::{PrivateKey, PublicKey};
use edict_tests::{edict, read, read_bytes, repo, scratch};
use sha2::Digest as _;

/// The Ed25519 test key of RFC 8037, appendix A.1 (`d`): published, so
/// never a real key; anyone can re-derive the vectors from it.
const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
/// The signing time of every vector: 2026-01-01T00:00:00Z.
const IAT: u64 = 1_767_225_600;

fn vectors_dir() -> PathBuf {
    repo().join("tests/conformance/signatures")
}

fn seed(text: &str) -> [u8; 32] {
    let bytes = B64.decode(text).unwrap_or_else(|e| panic!("{e}"));
    bytes.try_into().unwrap_or_else(|_| panic!("not 32 bytes"))
}

/// The seed of a second key, never trusted by the vectors.
fn untrusted_seed() -> [u8; 32] {
    sha2::Sha256::digest(b"edict conformance: an untrusted key").into()
}

fn key(seed: &[u8; 32]) -> PrivateKey {
    PrivateKey::from_seed(seed).unwrap_or_else(|e| panic!("{e}"))
}

fn trusted_key() -> PrivateKey {
    key(&seed(RFC8037_D))
}

fn untrusted_key() -> PrivateKey {
    key(&untrusted_seed())
}

#[test]
fn the_rfc_8037_test_key_has_its_published_public_key_and_thumbprint() {
    let key = trusted_key();
    let jwk: serde_json::Value =
        serde_json::from_str(&key.public().to_jwk()).unwrap_or_else(|e| panic!("{e}"));
    // RFC 8037, appendix A.1 and A.3.
    assert_eq!(jwk["x"], "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    assert_eq!(
        key.public().kid(),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
    assert_eq!(jwk["kid"], key.public().kid());
    // The PEM and JWK forms read back as the same key.
    let pem = PublicKey::parse(&key.public().to_pem()).unwrap_or_else(|e| panic!("{e}"));
    let from_jwk = PublicKey::parse(&key.public().to_jwk()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&pem, key.public());
    assert_eq!(&from_jwk, key.public());
    // A JWK whose kid is not its thumbprint, or that holds `d`, is refused.
    let lying = key.public().to_jwk().replace("kPrK", "kPrL");
    assert!(PublicKey::parse(&lying).is_err());
    let private = key
        .public()
        .to_jwk()
        .replace(r#""use":"sig""#, r#""d":"AAAA""#);
    assert!(PublicKey::parse(&private).is_err());
}

/// A JWS signed by `key` over a hand-made header (the vectors that a lax
/// verifier would accept need real signatures).
fn jws(header: &str, payload: &[u8], key: &[u8; 32]) -> String {
    let protected = B64.encode(header);
    let input = format!("{protected}.{}", B64.encode(payload));
    let key = ed25519_dalek::SigningKey::from_bytes(key);
    format!(
        "{protected}..{}\n",
        B64.encode(key.sign(input.as_bytes()).to_bytes())
    )
}

/// HMAC-SHA256 (RFC 2104), for the `HS256` vector.
fn hmac_sha256(secret: &[u8], message: &[u8]) -> [u8; 32] {
    let mut key = [0u8; 64];
    key[..secret.len().min(64)].copy_from_slice(&secret[..secret.len().min(64)]);
    if secret.len() > 64 {
        key[..32].copy_from_slice(&sha2::Sha256::digest(secret));
        key[32..].fill(0);
    }
    let pad = |b: u8| key.iter().map(|k| k ^ b).collect::<Vec<u8>>();
    let inner = sha2::Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    sha2::Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn header(kid: &str, digest: &str, policy: &str) -> String {
    format!(
        r#"{{"alg":"EdDSA","typ":"edict-table-signature+jws","kid":"{kid}","iat":{IAT},"edict":{{"policy":"{policy}","digest":"{digest}","label":"conformance"}}}}"#
    )
}

/// One vector: (name, table, signature file or none, expected code or none
/// for valid, what it checks).
type Vector = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);

const VECTORS: &[Vector] = &[
    (
        "valid",
        "signed.json",
        Some("valid.sig"),
        None,
        "a signature by the trusted key over the exact bytes",
    ),
    (
        "valid_jwk_key",
        "signed.json",
        Some("valid.sig"),
        None,
        "the same, the trusted key given as a JWK",
    ),
    (
        "missing",
        "signed.json",
        None,
        Some("E0801"),
        "no signature file",
    ),
    (
        "tampered_byte",
        "tampered.json",
        Some("valid.sig"),
        Some("E0804"),
        "one byte of the table changed after signing",
    ),
    (
        "wrong_key",
        "signed.json",
        Some("wrong-key.sig"),
        Some("E0804"),
        "signed by another key that names the trusted key's kid",
    ),
    (
        "unknown_kid",
        "signed.json",
        Some("unknown-kid.sig"),
        Some("E0803"),
        "signed by a key that is not trusted",
    ),
    (
        "alg_none",
        "signed.json",
        Some("alg-none.sig"),
        Some("E0802"),
        "`alg: none` and no signature",
    ),
    (
        "alg_hs256",
        "signed.json",
        Some("alg-hs256.sig"),
        Some("E0802"),
        "`alg: HS256`, HMAC keyed with the trusted public key's PEM",
    ),
    (
        "truncated",
        "signed.json",
        Some("truncated.sig"),
        Some("E0802"),
        "the signature file cut short",
    ),
    (
        "other_table",
        "signed.json",
        Some("other-table.sig"),
        Some("E0804"),
        "a valid signature by the trusted key over a different table",
    ),
    (
        "duplicate_header_keys",
        "signed.json",
        Some("duplicate-kid.sig"),
        Some("E0802"),
        "`kid` twice in a header signed by the trusted key",
    ),
    (
        "attached_payload",
        "signed.json",
        Some("attached.sig"),
        Some("E0802"),
        "the payload inside the JWS instead of detached",
    ),
    (
        "padded_base64",
        "signed.json",
        Some("padded.sig"),
        Some("E0802"),
        "base64url with `=` padding",
    ),
    (
        "crit_header",
        "signed.json",
        Some("crit.sig"),
        Some("E0802"),
        "a `crit` extension the verifier does not know, signed by the trusted key",
    ),
    (
        "wrong_digest_claim",
        "signed.json",
        Some("wrong-digest.sig"),
        Some("E0804"),
        "signed by the trusted key over the table, but stating another digest",
    ),
];

/// Every file of the vectors folder that is derived (all but the two
/// tables and the transaction), from the keys and the tables.
fn derived_files() -> Vec<(String, Vec<u8>)> {
    let dir = vectors_dir();
    let signed = read_bytes(&dir.join("signed.json"));
    let other = read_bytes(&dir.join("other.json"));
    let (t_seed, u_seed) = (seed(RFC8037_D), untrusted_seed());
    let (trusted, untrusted) = (key(&t_seed), key(&u_seed));
    let kid = trusted.public().kid().to_string();
    let sign = |table: &[u8], key: &PrivateKey| {
        edict_signature::sign(table, key, Some("conformance"), IAT)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let valid = sign(&signed, &trusted);
    let digest = edict_compiler::table::sha256(&signed);
    let policy = "conformance.cells";
    let ok_header = header(&kid, &digest, policy);
    let hs_header = ok_header.replace(r#""alg":"EdDSA""#, r#""alg":"HS256""#);
    let hs_protected = B64.encode(&hs_header);
    let hs_input = format!("{hs_protected}.{}", B64.encode(&signed));
    let pem = trusted.public().to_pem();
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("trusted.pub".into(), pem.clone().into_bytes()),
        (
            "trusted.jwk".into(),
            format!("{}\n", trusted.public().to_jwk()).into_bytes(),
        ),
        ("tampered.json".into(), {
            let text = String::from_utf8_lossy(&signed).replacen("edict 0.1.0", "edict 0.1.1", 1);
            text.into_bytes()
        }),
        ("valid.sig".into(), valid.clone().into_bytes()),
        (
            "wrong-key.sig".into(),
            jws(&ok_header, &signed, &u_seed).into_bytes(),
        ),
        (
            "unknown-kid.sig".into(),
            sign(&signed, &untrusted).into_bytes(),
        ),
        (
            "alg-none.sig".into(),
            format!(
                "{}..\n",
                B64.encode(ok_header.replace(r#""alg":"EdDSA""#, r#""alg":"none""#))
            )
            .into_bytes(),
        ),
        (
            "alg-hs256.sig".into(),
            format!(
                "{hs_protected}..{}\n",
                B64.encode(hmac_sha256(pem.as_bytes(), hs_input.as_bytes()))
            )
            .into_bytes(),
        ),
        (
            "truncated.sig".into(),
            valid.as_bytes()[..valid.len() - 30].to_vec(),
        ),
        (
            "other-table.sig".into(),
            sign(&other, &trusted).into_bytes(),
        ),
        (
            "duplicate-kid.sig".into(),
            jws(
                &ok_header.replace(
                    r#""kid":"#,
                    &format!(r#""kid":"{}","kid":"#, untrusted.public().kid()),
                ),
                &signed,
                &t_seed,
            )
            .into_bytes(),
        ),
        ("attached.sig".into(), {
            let (h, s) = valid
                .trim_end()
                .split_once("..")
                .unwrap_or_else(|| panic!("{valid}"));
            format!("{h}.{}.{s}\n", B64.encode(&signed)).into_bytes()
        }),
        (
            "padded.sig".into(),
            format!("{}==\n", valid.trim_end()).into_bytes(),
        ),
        (
            "crit.sig".into(),
            jws(
                &ok_header.replace(r#","edict":"#, r#","crit":["exp"],"exp":1,"edict":"#),
                &signed,
                &t_seed,
            )
            .into_bytes(),
        ),
        (
            "wrong-digest.sig".into(),
            jws(
                &header(&kid, &edict_compiler::table::sha256(&other), policy),
                &signed,
                &t_seed,
            )
            .into_bytes(),
        ),
    ];
    let vectors: Vec<serde_json::Value> = VECTORS
        .iter()
        .map(|(name, table, sig, code, what)| {
            let key = if *name == "valid_jwk_key" {
                "trusted.jwk"
            } else {
                "trusted.pub"
            };
            serde_json::json!({
                "name": name,
                "table": table,
                "signature": sig,
                "trusted_keys": [key],
                "verdict": if code.is_some() { "refused" } else { "valid" },
                "code": code,
                "key": if code.is_none() { Some(kid.as_str()) } else { None },
                "checks": what,
            })
        })
        .collect();
    let manifest = serde_json::to_string_pretty(&serde_json::json!({ "vectors": vectors }))
        .unwrap_or_else(|e| panic!("{e}"));
    files.push(("vectors.json".into(), format!("{manifest}\n").into_bytes()));
    files
}

#[test]
fn the_signature_vectors_are_current() {
    let dir = vectors_dir();
    let bless = std::env::var_os("EDICT_BLESS").is_some();
    for (name, bytes) in derived_files() {
        let path = dir.join(&name);
        if bless {
            std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(
            std::fs::read(&path).is_ok_and(|b| b == bytes),
            "tests/conformance/signatures/{name} is stale: run `EDICT_BLESS=1 cargo test -p edict-tests --test signatures` and read the diff"
        );
    }
}

struct Case {
    name: String,
    table: PathBuf,
    sig: Option<PathBuf>,
    keys: Vec<PathBuf>,
    code: Option<String>,
    key: Option<String>,
}

fn cases() -> Vec<Case> {
    let dir = vectors_dir();
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("vectors.json"))).unwrap_or_else(|e| panic!("{e}"));
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let cases: Vec<Case> = manifest["vectors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| Case {
            name: text(&v["name"]).unwrap_or_default(),
            table: dir.join(text(&v["table"]).unwrap_or_default()),
            sig: text(&v["signature"]).map(|s| dir.join(s)),
            keys: v["trusted_keys"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(text)
                .map(|k| dir.join(k))
                .collect(),
            code: text(&v["code"]),
            key: text(&v["key"]),
        })
        .collect();
    assert_eq!(cases.len(), VECTORS.len());
    cases
}

fn arg(p: &Path) -> String {
    p.display().to_string()
}

/// `--sig` for a vector; the missing one names a file that is not there.
fn sig_args(case: &Case) -> Vec<String> {
    let sig = case
        .sig
        .clone()
        .unwrap_or_else(|| vectors_dir().join("no-such.sig"));
    let mut args = vec!["--sig".to_string(), arg(&sig)];
    for k in &case.keys {
        args.extend(["--trusted-key".to_string(), arg(k)]);
    }
    args
}

#[test]
fn edict_verify_and_eval_give_every_vector_its_verdict() {
    let tx = read(&vectors_dir().join("transaction.json"));
    for case in cases() {
        let mut verify = vec!["verify".to_string(), arg(&case.table)];
        verify.extend(sig_args(&case));
        let verify: Vec<&str> = verify.iter().map(String::as_str).collect();
        let (code, out, err) = edict(&verify, "");
        let mut eval = vec![
            "eval".to_string(),
            arg(&case.table),
            "--input".into(),
            "-".into(),
        ];
        eval.extend(sig_args(&case));
        let eval: Vec<&str> = eval.iter().map(String::as_str).collect();
        let (eval_code, decided, eval_err) = edict(&eval, &tx);
        match (&case.code, &case.key) {
            (None, Some(kid)) => {
                assert_eq!(code, 0, "{}: {err}", case.name);
                assert!(
                    out.contains(&format!("signed by key `{kid}`")),
                    "{}: {out}",
                    case.name
                );
                assert!(
                    out.contains("label `conformance`") && out.contains("2026-01-01T00:00:00Z"),
                    "{out}"
                );
                assert_eq!(eval_code, 0, "{}: {eval_err}", case.name);
                let d: serde_json::Value = serde_json::from_str(decided.trim())
                    .unwrap_or_else(|e| panic!("{e}: {decided}"));
                assert_eq!(d["key"], kid.as_str(), "the receipt names the key");
                assert_eq!(
                    d["table"],
                    edict_compiler::table::sha256(&read_bytes(&case.table))
                );
            }
            (Some(expected), _) => {
                assert_eq!(code, 1, "{}: {out}{err}", case.name);
                assert!(
                    err.contains(&format!("error[{expected}]")),
                    "{}: {err}",
                    case.name
                );
                assert_eq!(eval_code, 1, "{}", case.name);
                assert!(
                    decided.is_empty(),
                    "{}: nothing is decided: {decided}",
                    case.name
                );
                assert!(
                    eval_err.contains(&format!("error[{expected}]")),
                    "{}: {eval_err}",
                    case.name
                );
            }
            (None, None) => panic!("{}: a valid vector names its key", case.name),
        }
    }
}

/// Every window of 12 characters of the private key file's base64 body:
/// none may appear in anything `edict` prints.
fn key_material(pem: &str) -> Vec<String> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let chars: Vec<char> = body.chars().collect();
    chars.windows(12).map(|w| w.iter().collect()).collect()
}

#[test]
fn keygen_sign_and_verify_keep_the_private_key_in_its_file() {
    let dir = scratch("keygen");
    let name = dir.join("regulator");
    let (code, out, err) = edict(&["keygen", "-o", &arg(&name)], "");
    assert_eq!(code, 0, "{err}");
    let pem = read(&name);
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8 PEM");
    let key = PrivateKey::parse(&pem).unwrap_or_else(|e| panic!("{e}"));
    let public =
        PublicKey::parse(&read(&dir.join("regulator.pub"))).unwrap_or_else(|e| panic!("{e}"));
    let jwk = PublicKey::parse(&read(&dir.join("regulator.jwk"))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(key.public(), &public);
    assert_eq!(public, jwk);
    assert!(out.contains(public.kid()), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&name).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(
            mode.ok(),
            Some(0o600),
            "the private key is readable by its owner only"
        );
    }
    let mut printed = vec![out, err];
    // A second keygen never overwrites a key.
    let (code, out, err) = edict(&["keygen", "-o", &arg(&name)], "");
    assert_eq!(code, 2);
    assert!(
        err.contains("exists") && err.contains("never overwritten"),
        "{err}"
    );
    assert_eq!(read(&name), pem);
    printed.extend([out, err]);

    let table = dir.join("table.json");
    std::fs::copy(vectors_dir().join("signed.json"), &table).unwrap_or_else(|e| panic!("{e}"));
    let run = |args: &[&str], printed: &mut Vec<String>| {
        let (code, out, err) = edict(args, "");
        printed.extend([out.clone(), err.clone()]);
        (code, out, err)
    };
    let (code, out, _) = run(
        &["sign", &arg(&table), "--key", &arg(&name), "--label", "v1"],
        &mut printed,
    );
    assert_eq!(code, 0);
    assert!(out.contains("table.json.sig"), "{out}");
    let pub_key = arg(&dir.join("regulator.pub"));
    let (code, out, _) = run(
        &["verify", &arg(&table), "--trusted-key", &pub_key],
        &mut printed,
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("label `v1`") && out.contains(public.kid()),
        "{out}"
    );
    // Rotation: the old key and a new one trusted together.
    let other = dir.join("other.jwk");
    std::fs::write(&other, untrusted_key().public().to_jwk()).unwrap_or_else(|e| panic!("{e}"));
    let (code, _, err) = run(
        &[
            "verify",
            &arg(&table),
            "--trusted-key",
            &arg(&other),
            "--trusted-key",
            &pub_key,
        ],
        &mut printed,
    );
    assert_eq!(code, 0, "{err}");
    // Mistakes with key files: the private key as a trusted key, a public
    // key to sign with, a key file readable by others.
    let (code, _, err) = run(
        &["verify", &arg(&table), "--trusted-key", &arg(&name)],
        &mut printed,
    );
    assert_eq!(code, 2);
    assert!(err.contains("never the private key"), "{err}");
    let (code, _, err) = run(&["sign", &arg(&table), "--key", &pub_key], &mut printed);
    assert_eq!(code, 2);
    assert!(err.contains("not an Ed25519 private key"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&name, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        let (code, _, err) = run(&["sign", &arg(&table), "--key", &arg(&name)], &mut printed);
        assert_eq!(code, 0);
        assert!(err.contains("can be read by others (mode 0644)"), "{err}");
    }
    let all = printed.concat();
    for window in key_material(&pem) {
        assert!(
            !all.contains(&window),
            "private key material in the output: {window}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every tampered variant of the vectors, as (table, signature, code).
fn tampered() -> Vec<(PathBuf, PathBuf, String)> {
    cases()
        .into_iter()
        .filter_map(|c| Some((c.table, c.sig?, c.code?)))
        .collect()
}

#[test]
fn screen_sql_and_diff_refuse_every_tampered_table_and_write_nothing() {
    let dir = scratch("consumers");
    let trusted = arg(&vectors_dir().join("trusted.pub"));
    let input = dir.join("orders.jsonl");
    std::fs::copy(vectors_dir().join("transaction.json"), &input).unwrap_or_else(|e| panic!("{e}"));
    for (table, sig, code) in tampered() {
        let (table, sig) = (arg(&table), arg(&sig));
        let trust = ["--trusted-key", trusted.as_str(), "--sig", sig.as_str()];
        let out = dir.join("decisions.parquet");
        let script = dir.join("decisions.sql");
        let mut screen = vec!["screen", &table, "--no-progress"];
        let (input, out_arg) = (arg(&input), arg(&out));
        screen.extend([input.as_str(), "-o", out_arg.as_str()]);
        screen.extend(trust);
        let script_arg = arg(&script);
        let mut sql = vec!["sql", &table, "--dialect", "duckdb", "-o", &script_arg];
        sql.extend(trust);
        for args in [screen, sql] {
            let (status, _, err) = edict(&args, "");
            assert_eq!(status, 1, "{args:?}: {err}");
            assert!(err.contains(&format!("error[{code}]")), "{args:?}: {err}");
        }
        assert!(
            !out.exists() && !script.exists(),
            "nothing is written for {sig}"
        );
    }
    // diff: both versions signed (each signature beside its table), and
    // one byte changed in the new one.
    let (old, new) = (dir.join("old.json"), dir.join("new.json"));
    for (t, s) in [(&old, "old.json.sig"), (&new, "new.json.sig")] {
        std::fs::copy(vectors_dir().join("signed.json"), t).unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(vectors_dir().join("valid.sig"), dir.join(s))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let diff = |extra: &[&str]| {
        let mut args = vec!["diff", "--trusted-key", trusted.as_str()];
        args.extend(extra);
        let (o, n) = (arg(&old), arg(&new));
        args.extend([o.as_str(), n.as_str()]);
        edict(&args, "")
    };
    let (status, out, err) = diff(&[]);
    assert_eq!(status, 0, "{out}{err}");
    std::fs::copy(vectors_dir().join("tampered.json"), &new).unwrap_or_else(|e| panic!("{e}"));
    let (status, out, err) = diff(&[]);
    assert_eq!(status, 1, "{out}");
    assert!(
        err.contains("error[E0804]") && err.contains("new.json"),
        "{err}"
    );
    // A policy given as source is signed by nobody: not diffed, nor a
    // revision.
    let source = arg(&repo().join("tests/conformance/cells"));
    let (o, t) = (arg(&old), trusted.as_str());
    for args in [
        vec!["diff", "--trusted-key", t, o.as_str(), source.as_str()],
        vec!["diff", "--trusted-key", t, "--git", "HEAD", source.as_str()],
    ] {
        let (status, out, err) = edict(&args, "");
        assert_eq!(status, 1, "{args:?}: {out}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.contains("error[E0801]") && err.contains("policy source"),
            "{err}"
        );
    }
    let (status, _, err) = edict(
        &["eval", &source, "--input", "-", "--trusted-key", &trusted],
        "",
    );
    assert_eq!(status, 1);
    assert!(
        err.contains("error[E0801]") && err.contains("policy source"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_screened_parquet_file_carries_the_receipt() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let dir = scratch("receipt");
    let (table, out) = (dir.join("table.json"), dir.join("out.parquet"));
    std::fs::copy(vectors_dir().join("signed.json"), &table).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(vectors_dir().join("valid.sig"), dir.join("table.json.sig"))
        .unwrap_or_else(|e| panic!("{e}"));
    let input = vectors_dir().join("transaction.json");
    let input_arg = dir.join("in.jsonl");
    std::fs::copy(&input, &input_arg).unwrap_or_else(|e| panic!("{e}"));
    let trusted = arg(&vectors_dir().join("trusted.pub"));
    let (status, stdout, err) = edict(
        &[
            "screen",
            &arg(&table),
            &arg(&input_arg),
            "-o",
            &arg(&out),
            "--no-progress",
            "--trusted-key",
            &trusted,
        ],
        "",
    );
    assert_eq!(status, 0, "{err}");
    let kid = trusted_key().public().kid().to_string();
    assert!(stdout.contains(&kid), "{stdout}");
    let file = std::fs::File::open(&out).unwrap_or_else(|e| panic!("{e}"));
    let reader = SerializedFileReader::new(file).unwrap_or_else(|e| panic!("{e}"));
    let kv: Vec<(String, Option<String>)> = reader
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .into_iter()
        .flatten()
        .map(|kv| (kv.key.clone(), kv.value.clone()))
        .collect();
    let digest = edict_compiler::table::sha256(&read_bytes(&table));
    assert!(kv.contains(&("edict.table".into(), Some(digest))), "{kv:?}");
    assert!(kv.contains(&("edict.key".into(), Some(kid))), "{kv:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_python_consumer_verifies_before_deciding_and_names_the_key() {
    let dir = vectors_dir();
    let run = |table: &str| {
        std::process::Command::new("python3")
            .arg(repo().join("examples/consumers/python/edict_eval.py"))
            .arg(dir.join(table))
            .arg("--trusted-key")
            .arg(dir.join("trusted.jwk"))
            .arg("--sig")
            .arg(dir.join("valid.sig"))
            .arg("--input")
            .arg(dir.join("transaction.json"))
            .output()
            .unwrap_or_else(|e| panic!("python3 is needed for this test: {e}"))
    };
    let ok = run("signed.json");
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let decided = serde_json::from_str::<serde_json::Value>(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(decided["key"], trusted_key().public().kid());
    // The same receipt and decision as `edict eval --trusted-key`.
    let (code, rust, err) = edict(
        &[
            "eval",
            &arg(&dir.join("signed.json")),
            "--trusted-key",
            &arg(&dir.join("trusted.pub")),
            "--sig",
            &arg(&dir.join("valid.sig")),
            "--input",
            &arg(&dir.join("transaction.json")),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let rust: serde_json::Value =
        serde_json::from_str(rust.trim()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decided, rust);
    let refused = run("tampered.json");
    assert_eq!(refused.status.code(), Some(1));
    assert!(refused.stdout.is_empty(), "nothing decided");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("error[E0804]"));
}
