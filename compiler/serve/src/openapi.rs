//! The OpenAPI 3.1 description of the service, generated from the same
//! types the service writes (checked in as `compiler/docs/openapi.json`).

use edict_engine::eval::Output;
use serde_json::{Value, json};

/// The document, as pretty JSON with a final line break.
pub fn document() -> String {
    let decision: Value = serde_json::from_str(&Output::schema()).unwrap_or(Value::Null);
    let problem = json!({"$ref": "#/components/schemas/Problem"});
    let problems = |codes: &[(&str, &str)]| {
        codes
            .iter()
            .map(|(code, why)| {
                (
                    code.to_string(),
                    json!({"description": why, "content": {"application/problem+json": {"schema": problem}}}),
                )
            })
            .collect::<serde_json::Map<String, Value>>()
    };
    let receipt = json!({
        "Edict-Table": {"description": "`sha256:` of the table that decided", "schema": {"type": "string"}},
        "Edict-Key": {"description": "the id of the key whose signature over the table was verified (with `--trusted-key`)", "schema": {"type": "string"}}
    });
    let mut decide_responses = problems(&[
        (
            "400",
            "a single transaction rejected (`errors` with E06xx codes), a body that is not JSON, or a bad query",
        ),
        ("408", "the body did not arrive in time"),
        ("413", "the body or the batch is too large"),
        ("415", "a Content-Type other than JSON or JSON Lines"),
    ]);
    decide_responses.insert(
        "200".into(),
        json!({
            "description": "the decision set of one transaction; an array of outputs (decisions or rejections) for an array; one output per line for JSON Lines",
            "headers": receipt,
            "content": {
                "application/json": {"schema": {"oneOf": [
                    {"$ref": "#/components/schemas/Output"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/Output"}}
                ]}},
                "application/x-ndjson": {"schema": {"$ref": "#/components/schemas/Output"}}
            }
        }),
    );
    let text = |d: &str| json!({"200": {"description": d, "content": {"text/plain": {"schema": {"type": "string"}}}}});
    let doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Edict decision service",
            "version": "1",
            "description": "Decisions on export transactions from a compiled (optionally signed) Edict decision table, exactly as `edict eval` gives them. Errors are RFC 9457 problem details."
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "paths": {
            "/v1/decisions": {"post": {
                "summary": "Decide one transaction, a JSON array of them, or a JSON Lines body",
                "parameters": [{"name": "explain", "in": "query", "required": false, "schema": {"type": "boolean"}, "description": "add why each jurisdiction decided as it did"}],
                "requestBody": {"required": true, "content": {
                    "application/json": {"schema": {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]}},
                    "application/x-ndjson": {"schema": {"type": "string"}}
                }},
                "responses": decide_responses
            }},
            "/v1/table": {"get": {
                "summary": "The table being served: policy, digest, key, jurisdictions, tiers, columns and their domains",
                "responses": {"200": {"description": "the table's description", "headers": receipt, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TableInfo"}}}}}
            }},
            "/v1/schema/decision": {"get": {
                "summary": "The JSON Schema of a decision output",
                "responses": {"200": {"description": "JSON Schema", "content": {"application/json": {"schema": {"type": "object"}}}}}
            }},
            "/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}
            }},
            "/healthz": {"get": {"summary": "The process answers", "responses": text("`ok`")}},
            "/readyz": {"get": {"summary": "A table is loaded and the service is not stopping", "responses": {
                "200": {"description": "`ready` and the table digest", "content": {"text/plain": {"schema": {"type": "string"}}}},
                "503": {"description": "stopping: requests in flight are being finished", "content": {"text/plain": {"schema": {"type": "string"}}}}
            }}},
            "/metrics": {"get": {"summary": "Prometheus text format: decisions by jurisdiction and outcome, rejections by code, request latency, the table, reloads", "responses": text("metrics")}}
        },
        "components": {"schemas": {
            "Output": decision,
            "TableInfo": {"type": "object", "required": ["policy", "table", "key", "jurisdictions", "tiers", "columns"], "properties": {
                "policy": {"type": "string"},
                "table": {"type": "string", "description": "`sha256:` of the table"},
                "key": {"type": ["string", "null"], "description": "the verified signing key's id"},
                "jurisdictions": {"type": "array", "items": {"type": "string"}},
                "tiers": {"type": "array", "items": {"type": "string"}},
                "columns": {"type": "array", "items": {"type": "object", "required": ["name", "type"], "properties": {
                    "name": {"type": "string"}, "type": {"type": "string"}, "domain": {"type": "array", "items": {"type": "string"}}
                }}}
            }},
            "Problem": {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
                "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object"}, "description": "for a rejected transaction: the E06xx errors"},
                "table": {"type": "string"}
            }}
        }}
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}
