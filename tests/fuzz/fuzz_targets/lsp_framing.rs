//! The language server's input framing on arbitrary bytes, fed in chunks:
//! never a panic, and everything passed on is a JSON-RPC message.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let chunk = data.first().map_or(1, |&b| usize::from(b) + 1);
    for body in edict_lsp::framing::sanitized_bodies(data, chunk) {
        let message: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(edict_lsp::framing::problem(&message), None, "{message}");
    }
});
