//! Arbitrary requests to `POST /v1/decisions`, through the service's
//! router in-process: the first byte picks the Content-Type and the
//! query, the rest is the body. Never a panic; always one of the
//! documented statuses with a JSON (or JSON Lines) body; a JSON Lines
//! answer has one line per non-blank line of the body.
#![no_main]
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::Request;
use edict_compiler::eval::Evaluator;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt as _;

const TABLE: &[u8] = include_bytes!("../../conformance/cells/table.json");

fn service() -> &'static (tokio::runtime::Runtime, axum::Router) {
    static SERVICE: OnceLock<(tokio::runtime::Runtime, axum::Router)> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let config = edict_serve::Config {
            max_batch: 50,
            max_body: 16 << 10,
            ..Default::default()
        };
        let loader: edict_serve::Loader =
            Arc::new(|| Evaluator::from_bytes(TABLE).map_err(|e| e.message));
        let Ok(shared) = edict_serve::start(config, loader) else {
            panic!("the conformance table does not load");
        };
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            panic!("no runtime");
        };
        (runtime, edict_serve::router(shared))
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let content_type = ["application/json", "application/x-ndjson", "", "text/plain"][(pick & 3) as usize];
    let query = ["", "?explain=true", "?explain=x", "?other=1"][((pick >> 2) & 3) as usize];
    let mut request = Request::post(format!("/v1/decisions{query}"));
    if !content_type.is_empty() {
        request = request.header("content-type", content_type);
    }
    let Ok(request) = request.body(Body::from(body.to_vec())) else {
        return;
    };
    let (runtime, router) = service();
    let Ok(response) = runtime.block_on(router.clone().oneshot(request));
    let status = response.status().as_u16();
    assert!([200, 400, 413, 415].contains(&status), "status {status}");
    let Ok(bytes) = runtime.block_on(axum::body::to_bytes(response.into_body(), usize::MAX)) else {
        panic!("no body");
    };
    let text = String::from_utf8_lossy(&bytes);
    if status == 200 && content_type == "application/x-ndjson" {
        for line in text.lines() {
            assert!(serde_json::from_str::<serde_json::Value>(line).is_ok(), "{line}");
        }
        let blank = |l: &[u8]| l.iter().all(|b| b" \t\r".contains(b));
        let lines = body.split(|b| *b == b'\n').filter(|l| !blank(l)).count();
        assert_eq!(text.lines().count(), lines);
    } else {
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{text}");
    }
});
