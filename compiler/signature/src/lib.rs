//! Signed decision tables: keys, signing and verification.
//!
//! Stage: publication and consumption. A regulator signs a compiled table
//! (`edict sign`); every consumer verifies it against the keys it trusts
//! before deciding anything with it (`--trusted-key`). The envelope is a
//! JWS (RFC 7515) in compact serialization with a **detached payload**: the
//! payload is the table file's exact bytes, so the table stays the plain
//! JSON every engine reads, and the signature is a small `TABLE.sig` beside
//! it. The algorithm is EdDSA over Ed25519 (RFC 8037), verified with
//! `verify_strict`; the key id (`kid`) is the key's RFC 7638 thumbprint, so
//! anyone can compute it from the public key. The protected header states
//! the policy, the table digest, a version label and the time of signing.
//!
//! A Rust engine depends on this crate and `edict-engine` alone, never on
//! the compiler. The steps a consumer in another language follows are in
//! `compiler/docs/consumer-spec.md` ("Verifying a signed table").

mod jws;
mod keys;

pub use jws::{ALG, Claims, MAX_SIGNATURE, SignatureError, TYP, Verified, sign, verify};
pub use keys::{PrivateKey, PublicKey};
