//! `POST /v1/decisions`: one transaction, a JSON array of them, or a JSON
//! Lines (`application/x-ndjson`) body, decided with the table current
//! when the request arrived.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use edict_engine::eval::json::parse_strict;
use edict_engine::eval::lines::{Line, Lines};
use edict_engine::eval::{Evaluator, Output};
use serde_json::{Value, json};

use crate::Shared;
use crate::problem::Problem;

/// The query: `explain=true|false` only.
type Params = std::collections::BTreeMap<String, String>;

fn explain(params: &Params) -> Result<bool, Problem> {
    let bad = |m: String| Problem::new(StatusCode::BAD_REQUEST, "Bad Request", m);
    if let Some(other) = params.keys().find(|k| *k != "explain") {
        return Err(bad(format!(
            "unknown query parameter `{}`; only `explain` is known",
            other.escape_debug()
        )));
    }
    match params.get("explain").map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(v) => Err(bad(format!(
            "`explain` is `true` or `false`, not `{}`",
            v.escape_debug()
        ))),
    }
}

/// How the body is read, from its `Content-Type`.
enum Kind {
    Json,
    Lines,
}

fn kind(headers: &HeaderMap) -> Result<Kind, Problem> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(Kind::Json);
    };
    let media = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" => Ok(Kind::Json),
        "application/x-ndjson" | "application/jsonl" | "application/json-lines" => Ok(Kind::Lines),
        _ => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            format!(
                "send `Content-Type: application/json` (one transaction or an array) or `application/x-ndjson`, not `{}`",
                media.escape_debug()
            ),
        )),
    }
}

pub async fn decide(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match answer(&shared, query, &headers, body).await {
        Ok(r) => r,
        Err(p) => p.into_response(),
    }
}

async fn answer(
    shared: &Shared,
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let Query(params) =
        query.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "Bad Request", e.body_text()))?;
    let explain = explain(&params)?;
    let kind = kind(headers)?;
    let evaluator = shared.current();
    let bytes = read_body(shared, body).await?;
    let max = shared.config.max_batch;
    let (status, text, content_type) = match kind {
        Kind::Lines => {
            let outputs = lines(&evaluator, &bytes, explain, max)?;
            shared.metrics.outputs(&outputs);
            let mut text = String::new();
            for o in &outputs {
                text.push_str(&serde_json::to_string(o).unwrap_or_default());
                text.push('\n');
            }
            (StatusCode::OK, text, "application/x-ndjson")
        }
        Kind::Json => match parse_strict(&bytes) {
            Ok(Value::Array(items)) => {
                if items.len() > max {
                    return Err(too_many(items.len().to_string(), max));
                }
                let outputs: Vec<Output> = items
                    .iter()
                    .enumerate()
                    .map(|(i, tx)| evaluator.decide_value(Some(i + 1), tx, explain))
                    .collect();
                shared.metrics.outputs(&outputs);
                let text = serde_json::to_string(&outputs).unwrap_or_default();
                (StatusCode::OK, text, "application/json")
            }
            Ok(tx) => {
                let output = evaluator.decide_value(None, &tx, explain);
                shared.metrics.output(&output);
                if let Output::Rejected(r) = &output {
                    return Err(Problem::new(
                        StatusCode::BAD_REQUEST,
                        "Transaction Rejected",
                        "the transaction cannot be decided; `errors` lists why, with codes",
                    )
                    .with("errors", json!(r.errors))
                    .with("table", json!(evaluator.digest())));
                }
                (
                    StatusCode::OK,
                    serde_json::to_string(&output).unwrap_or_default(),
                    "application/json",
                )
            }
            Err(e) => {
                let code = edict_engine::codes::Code::MalformedTransaction.as_str();
                shared.metrics.rejection(code);
                return Err(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "Transaction Rejected",
                    format!("the body is not valid JSON: {e}"),
                )
                .with(
                    "errors",
                    json!([{ "code": code, "message": format!("not valid JSON: {e}") }]),
                ));
            }
        },
    };
    let mut response = (status, text).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    receipt(h, &evaluator);
    Ok(response)
}

/// The `Edict-Table` and `Edict-Key` headers.
pub fn receipt(h: &mut HeaderMap, evaluator: &Evaluator) {
    if let Ok(v) = HeaderValue::from_str(evaluator.digest()) {
        h.insert("edict-table", v);
    }
    if let Some(v) = evaluator.key().and_then(|k| HeaderValue::from_str(k).ok()) {
        h.insert("edict-key", v);
    }
}

fn too_many(n: String, max: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Batch Too Large",
        format!(
            "the batch has {n} transactions; at most {max} are decided in one request (`--max-batch`)"
        ),
    )
}

/// Each non-blank line decided, numbered; more than `max` is refused.
fn lines(
    evaluator: &Evaluator,
    bytes: &[u8],
    explain: bool,
    max: usize,
) -> Result<Vec<Output>, Problem> {
    let mut reader = Lines::new(bytes);
    let mut outputs = Vec::new();
    while let Ok(Some((n, line))) = reader.next_line() {
        if outputs.len() == max {
            return Err(too_many(format!("more than {max}"), max));
        }
        let line: &Line<'_> = &line;
        outputs.push(evaluator.decide_input(Some(n), line, explain));
    }
    Ok(outputs)
}

/// The body, at most `--max-body` bytes, within the request timeout.
async fn read_body(shared: &Shared, body: Body) -> Result<Bytes, Problem> {
    let limit = shared.config.max_body;
    match tokio::time::timeout(shared.config.timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Content Too Large",
            format!("the body is larger than {limit} bytes (`--max-body`), or was cut off"),
        )),
        Err(_) => Err(Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "Request Timeout",
            format!(
                "the body did not arrive within {} s",
                shared.config.timeout.as_secs()
            ),
        )),
    }
}
