//! `errors.json`, beside a generated server: each operation's documented error responses (4xx,
//! `4XX`, `default`) as the router answers its refusals in them — a body template valid against
//! the response's schema, where the router's explanation goes in it, and which of the router's
//! own bodies the schema takes as they are. The runtime's mock engine works them out from the
//! mock's answers (`mock.json`) once, here, so a generated server carries no synthesizer; the
//! runtime's `in_document_shape` reads them.

use openapi_server_runtime::mock::Engine;
use serde_json::Value;

/// The `errors.json` text for a server whose mock answers are `answers`; `command` is named in
/// its header. One template and one list of documented errors per line (reviewable diffs).
pub(super) fn error_shapes(answers: &str, command: &str) -> String {
    let shapes = Engine::new(answers, 0).error_shapes();
    let lines = |key: &str| -> String {
        let items: Vec<String> = shapes
            .get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().map(Value::to_string).collect())
            .unwrap_or_default();
        if items.is_empty() {
            "[]".to_owned()
        } else {
            format!("[\n  {}\n]", items.join(",\n  "))
        }
    };
    let header = Value::String(format!(
        "by `{command}`. Do not edit by hand: change the OpenAPI document or the generator and run it again."
    ));
    let operations = shapes
        .get("operations")
        .map(Value::to_string)
        .unwrap_or_default();
    format!(
        "{{\"@generated\": {header},\n\"templates\": {},\n\"lists\": {},\n\"operations\": {operations}}}\n",
        lines("templates"),
        lines("lists"),
    )
}
