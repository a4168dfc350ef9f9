//! Lexer and parser on arbitrary text: never a panic, a hang or a stack
//! overflow; every error has a span inside the text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = edict_compiler::syntax::parse(&text);
    for c in &parsed.comments {
        assert!(c.span.end as usize <= text.len());
    }
});
