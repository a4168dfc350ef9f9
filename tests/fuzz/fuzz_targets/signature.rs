//! Arbitrary bytes as a table signature (and as a public key file): a
//! coded refusal, never a panic; and a signature accepted only when it is,
//! but for white space at its ends, the one valid signature of the corpus
//! (so no other encoding of it verifies: strict base64url, strict JSON,
//! strict Ed25519).
#![no_main]
use edict_signature::{PublicKey, verify};
use libfuzzer_sys::fuzz_target;

const TABLE: &[u8] = include_bytes!("../../conformance/signatures/signed.json");
const TRUSTED: &str = include_str!("../../conformance/signatures/trusted.pub");
const VALID: &str = include_str!("../../conformance/signatures/valid.sig");

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PublicKey::parse(text);
    }
    let Ok(key) = PublicKey::parse(TRUSTED) else {
        panic!("the trusted key of the vectors does not load");
    };
    match verify(TABLE, data, &[key]) {
        Ok(v) => {
            assert_eq!(data.trim_ascii(), VALID.trim().as_bytes());
            assert_eq!(v.claims.label, "conformance");
        }
        Err(e) => assert!(e.code.as_str().starts_with("E080"), "{e:?}"),
    }
});
