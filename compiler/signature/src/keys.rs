//! Ed25519 keys in their standard files: the private key as PKCS#8 PEM, the
//! public key as SPKI PEM or as a JWK (RFC 8037), and the key id, the JWK
//! thumbprint of RFC 7638.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::Digest;

/// A public key that may verify signatures, with its key id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub(crate) key: VerifyingKey,
    kid: String,
}

impl PublicKey {
    /// The key from its 32 bytes, refusing a point that is not on the curve
    /// or has small order (a weak key verifies forged signatures).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, String> {
        let key = VerifyingKey::from_bytes(bytes)
            .map_err(|_| "the bytes are not an Ed25519 public key".to_string())?;
        if key.is_weak() {
            return Err("the key is a weak (small-order) Ed25519 key".into());
        }
        Ok(PublicKey {
            kid: thumbprint(&key),
            key,
        })
    }

    /// Reads a public key file: SPKI PEM (`-----BEGIN PUBLIC KEY-----`, as
    /// `edict keygen` writes `NAME.pub`) or a JWK (`NAME.jwk`). A JWK's own
    /// `kid`, if it has one, must be its thumbprint.
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        let trimmed = text.trim_start();
        let bytes = if trimmed.starts_with('{') {
            jwk_bytes(trimmed)?
        } else if trimmed.starts_with("-----BEGIN PUBLIC KEY-----") {
            VerifyingKey::from_public_key_pem(trimmed.trim_end())
                .map_err(|_| "not an Ed25519 public key in SPKI PEM".to_string())?
                .to_bytes()
        } else if trimmed.starts_with("-----BEGIN") {
            return Err(
                "not a public key: give the `.pub` (SPKI PEM) or `.jwk` file, never the private key"
                    .into(),
            );
        } else {
            return Err("not a public key file (SPKI PEM or JWK)".into());
        };
        PublicKey::from_bytes(&bytes)
    }

    /// The key id: the RFC 7638 JWK thumbprint (SHA-256, base64url).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The SPKI PEM text.
    pub fn to_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// The public JWK, with its `kid`, `alg` and `use`: one line of JSON.
    pub fn to_jwk(&self) -> String {
        let x = URL_SAFE_NO_PAD.encode(self.key.as_bytes());
        format!(
            r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"{}","alg":"EdDSA","use":"sig"}}"#,
            self.kid
        )
    }
}

/// The 32 public bytes of an Ed25519 JWK.
fn jwk_bytes(text: &str) -> Result<[u8; 32], String> {
    let value = edict_engine::eval::json::parse_strict(text.as_bytes())
        .map_err(|_| "the JWK is not JSON (or names a member twice)".to_string())?;
    let member = |name: &str| value.get(name).and_then(|v| v.as_str());
    if member("kty") != Some("OKP") || member("crv") != Some("Ed25519") {
        return Err("the JWK is not an Ed25519 key (`kty` OKP, `crv` Ed25519)".into());
    }
    if value.get("d").is_some() {
        return Err("the JWK holds a private key (`d`): give the public key only".into());
    }
    if let Some(alg) = value.get("alg")
        && alg.as_str() != Some("EdDSA")
    {
        return Err("the JWK's `alg` is not EdDSA".into());
    }
    let x = member("x").ok_or("the JWK has no `x`")?;
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(x)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the JWK's `x` is not 32 bytes of base64url")?;
    if let Some(kid) = value.get("kid") {
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| "the JWK's `x` is not an Ed25519 public key".to_string())?;
        if kid.as_str() != Some(thumbprint(&key).as_str()) {
            return Err("the JWK's `kid` is not its RFC 7638 thumbprint".into());
        }
    }
    Ok(bytes)
}

/// RFC 7638: SHA-256 of the required members in lexicographic order, no
/// white space, base64url without padding.
fn thumbprint(key: &VerifyingKey) -> String {
    let x = URL_SAFE_NO_PAD.encode(key.as_bytes());
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()))
}

/// A private key, able to sign. Its bytes are wiped when it is dropped and
/// never appear in `Debug` output or in an error message.
pub struct PrivateKey {
    pub(crate) key: SigningKey,
    public: PublicKey,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({})", self.public.kid)
    }
}

impl PrivateKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Result<PrivateKey, String> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| format!("the system's random source failed: {e}"))?;
        let key = PrivateKey::from_seed(&seed);
        seed.fill(0);
        key
    }

    /// The key whose 32-byte seed (RFC 8032's private key) is `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> Result<PrivateKey, String> {
        PrivateKey::new(SigningKey::from_bytes(seed))
    }

    fn new(key: SigningKey) -> Result<PrivateKey, String> {
        let public = PublicKey::from_bytes(key.verifying_key().as_bytes())?;
        Ok(PrivateKey { key, public })
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`). The
    /// error never quotes the text.
    pub fn parse(text: &str) -> Result<PrivateKey, String> {
        let key = SigningKey::from_pkcs8_pem(text.trim())
            .map_err(|_| "not an Ed25519 private key in PKCS#8 PEM".to_string())?;
        PrivateKey::new(key)
    }

    /// The PKCS#8 PEM text (to be written to a file of mode 0600 only).
    pub fn to_pem(&self) -> Result<String, String> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|_| "the key could not be encoded".to_string())
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }
}
