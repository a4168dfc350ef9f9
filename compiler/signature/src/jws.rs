//! The signature envelope: a JWS (RFC 7515) in compact serialization with a
//! detached payload (Appendix F), `alg` EdDSA (RFC 8037), over the exact
//! bytes of the table. The protected header carries the claims.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer as _};
use edict_engine::codes::Code;
use edict_engine::eval::json::parse_strict;
use edict_engine::table::sha256;
use serde::{Deserialize, Serialize};

use crate::keys::{PrivateKey, PublicKey};

/// The header's `typ`.
pub const TYP: &str = "edict-table-signature+jws";
/// The only algorithm accepted.
pub const ALG: &str = "EdDSA";
/// The largest signature file read: a real one is a few hundred bytes.
pub const MAX_SIGNATURE: usize = 64 << 10;

/// The protected header, members in the order they are written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
    iat: u64,
    edict: Claims,
}

/// What the signer states about the table, inside the signed header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// The table's `policy`.
    pub policy: String,
    /// `sha256:` of the table's bytes, as in every decision's `table`.
    pub digest: String,
    /// The version label the signer gave (`--label`).
    pub label: String,
}

/// A verified signature: who signed what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The signing key's id (its RFC 7638 thumbprint).
    pub kid: String,
    /// The signed claims, checked against the table.
    pub claims: Claims,
    /// Seconds since 1970-01-01T00:00:00Z when it was signed (`iat`).
    pub issued_at: u64,
}

/// Why a table is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureError {
    /// E0801–E0804.
    pub code: Code,
    /// What is wrong; never quotes key material.
    pub message: String,
}

fn refuse(code: Code, message: impl Into<String>) -> SignatureError {
    SignatureError {
        code,
        message: message.into(),
    }
}

/// The table's `policy` member (the table must be strict JSON).
fn policy_of(table: &[u8]) -> Result<String, String> {
    let value = parse_strict(table).map_err(|e| format!("the table is not JSON: {e}"))?;
    value
        .get("policy")
        .and_then(|p| p.as_str())
        .map(str::to_string)
        .ok_or_else(|| "the table has no `policy`".to_string())
}

/// Signs the exact bytes `table`; returns the signature file's text (the
/// compact JWS and a line break).
pub fn sign(
    table: &[u8],
    key: &PrivateKey,
    label: Option<&str>,
    issued_at: u64,
) -> Result<String, String> {
    let policy = policy_of(table)?;
    let digest = sha256(table);
    let header = Header {
        alg: ALG.into(),
        typ: TYP.into(),
        kid: key.public().kid().into(),
        iat: issued_at,
        edict: Claims {
            label: label.map_or_else(|| digest.clone(), str::to_string),
            policy,
            digest,
        },
    };
    let header = serde_json::to_vec(&header).map_err(|e| e.to_string())?;
    let protected = URL_SAFE_NO_PAD.encode(header);
    let signature = key.key.sign(&signing_input(&protected, table));
    Ok(format!(
        "{protected}..{}\n",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}

/// `BASE64URL(header) || '.' || BASE64URL(payload)` (RFC 7515, 5.1).
fn signing_input(protected: &str, table: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(protected.len() + 1 + table.len() * 4 / 3 + 4);
    input.extend_from_slice(protected.as_bytes());
    input.push(b'.');
    input.extend_from_slice(URL_SAFE_NO_PAD.encode(table).as_bytes());
    input
}

/// Verifies `signature` (a signature file's bytes) over the exact bytes
/// `table` with one of the `trusted` keys, in the order the consumer spec
/// gives: envelope, header, key, signature, then the claims.
pub fn verify(
    table: &[u8],
    signature: &[u8],
    trusted: &[PublicKey],
) -> Result<Verified, SignatureError> {
    let malformed = |m: String| refuse(Code::MalformedSignature, m);
    if signature.len() > MAX_SIGNATURE {
        return Err(malformed(format!(
            "the signature file has {} bytes; a signature has a few hundred",
            signature.len()
        )));
    }
    let text = std::str::from_utf8(signature)
        .ok()
        .filter(|t| t.is_ascii())
        .ok_or_else(|| malformed("the signature file is not ASCII text".into()))?
        .trim_ascii();
    let parts: Vec<&str> = text.split('.').collect();
    let [protected, payload, sig] = parts[..] else {
        return Err(malformed(format!(
            "a JWS in compact form has 3 parts separated by `.`; this has {}",
            parts.len()
        )));
    };
    if !payload.is_empty() {
        return Err(malformed(
            "the JWS carries a payload; an Edict signature is detached (its payload is the table file)"
                .into(),
        ));
    }
    let header = URL_SAFE_NO_PAD
        .decode(protected)
        .map_err(|_| malformed("the header is not base64url without padding".into()))?;
    let value = parse_strict(&header).map_err(|e| {
        malformed(format!(
            "the header is not JSON, or names a member twice: {e}"
        ))
    })?;
    match value.get("alg") {
        Some(serde_json::Value::String(alg)) if alg == ALG => {}
        Some(serde_json::Value::String(alg)) => {
            return Err(malformed(format!(
                "the algorithm `{}` is not accepted; only `{ALG}` (Ed25519) is",
                alg.escape_debug()
            )));
        }
        _ => return Err(malformed("the header has no `alg` string".into())),
    }
    let header: Header = serde_json::from_value(value)
        .map_err(|e| malformed(format!("the header is not an Edict signature header: {e}")))?;
    if header.typ != TYP {
        return Err(malformed(format!(
            "the header's `typ` is `{}`, not `{TYP}`",
            header.typ.escape_debug()
        )));
    }
    let sig: [u8; 64] = URL_SAFE_NO_PAD
        .decode(sig)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| malformed("the signature is not 64 bytes of base64url".into()))?;
    let Some(key) = trusted.iter().find(|k| k.kid() == header.kid) else {
        let known: Vec<&str> = trusted.iter().map(PublicKey::kid).collect();
        return Err(refuse(
            Code::UntrustedKey,
            format!(
                "the table is signed by key `{}`, which is not trusted (trusted: {})",
                header.kid.escape_debug(),
                known.join(", ")
            ),
        ));
    };
    let bad = |m: String| refuse(Code::BadSignature, m);
    key.key
        .verify_strict(
            &signing_input(protected, table),
            &Signature::from_bytes(&sig),
        )
        .map_err(|_| {
            bad(format!(
                "the signature by key `{}` does not match the table's bytes: the table or the signature was changed",
                key.kid()
            ))
        })?;
    let digest = sha256(table);
    if header.edict.digest != digest {
        return Err(bad(format!(
            "the signature states the digest `{}`, but the table's is `{digest}`",
            header.edict.digest.escape_debug()
        )));
    }
    let policy = policy_of(table).map_err(bad)?;
    if header.edict.policy != policy {
        return Err(bad(format!(
            "the signature names the policy `{}`, but the table is `{}`",
            header.edict.policy.escape_debug(),
            policy.escape_debug()
        )));
    }
    Ok(Verified {
        kid: header.kid,
        claims: header.edict,
        issued_at: header.iat,
    })
}
