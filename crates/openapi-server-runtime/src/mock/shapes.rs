//! The documented error shapes of a document's operations, worked out once when a server is
//! generated (the generated `errors.json`, read at run time by [`crate::ErrorShapes`]): for each
//! operation's documented 4xx, `4XX` and `default` responses, a body template valid against its
//! schema, where the router's explanation goes in it, and which of the router's own bodies the
//! schema takes as they are.

use serde_json::{Map, Value, json};

use super::answers::Engine;
use super::refusals::message_paths;

/// The longest explanation put in a message field (longer ones are cut).
const LONGEST: usize = 1024;

/// Text like the router's explanations (words, punctuation, backticks, quotes).
const PROBE: &str = "credentials required: `api_key` (API key in the header `X-Key`); body.name: \
                     field required; query.limit: \"ensure this value is less than 10\" ";

/// The router's two body shapes, as they are tested against an error schema.
fn router_bodies() -> [(&'static str, Value); 2] {
    [
        (
            "error",
            json!({ "code": "bad_request", "detail": "the request body is required" }),
        ),
        (
            "validation",
            json!({ "detail": [
                { "loc": ["body", "name"], "msg": "field required", "type": "value_error.missing" }
            ] }),
        ),
    ]
}

/// The index of `value` in `values`, added at the end when it is not there yet.
fn index_of(values: &mut Vec<Value>, value: Value) -> usize {
    match values.iter().position(|v| *v == value) {
        Some(i) => i,
        None => {
            values.push(value);
            values.len() - 1
        }
    }
}

/// Whether `status` (`401`, `4XX`, `default`) is one a refusal may answer.
fn answers_refusals(status: &str) -> bool {
    status == "default" || status.starts_with('4')
}

impl Engine {
    /// The error shapes of every operation, as the generated `errors.json` holds them:
    /// `{"templates": [...], "lists": [[{"status", "kind", "media", "template", "message", "max",
    /// "takes"}, ...], ...], "operations": [list, ...]}` (operation `i`'s documented errors are
    /// list `operations[i]`; equal templates and lists are written once).
    pub fn error_shapes(&self) -> Value {
        let shape = self.shape();
        let mut templates: Vec<Value> = Vec::new();
        let mut lists: Vec<Value> = Vec::new();
        let mut operations = Vec::with_capacity(shape.len());
        for (op, (_, statuses)) in shape.iter().enumerate() {
            let mut errors = Vec::new();
            for (r, status) in statuses.iter().enumerate() {
                if !answers_refusals(status) {
                    continue;
                }
                let Some((kind, media)) = self.kind_of(op, r) else {
                    continue;
                };
                let mut entry = Map::new();
                entry.insert("status".into(), json!(status));
                entry.insert("kind".into(), json!(kind));
                if kind == "json" {
                    entry.insert("media".into(), json!(media));
                    self.json_error(op, r, &mut templates, &mut entry);
                }
                errors.push(Value::Object(entry));
            }
            let errors = Value::Array(errors);
            operations.push(index_of(&mut lists, errors));
        }
        json!({ "templates": templates, "lists": lists, "operations": operations })
    }

    /// Fills `entry` for the JSON response `r` of operation `op`: its template (a value valid
    /// against its schema, when one was found), message path and length, and the router bodies
    /// it takes as they are.
    fn json_error(
        &self,
        op: usize,
        r: usize,
        templates: &mut Vec<Value>,
        entry: &mut Map<String, Value>,
    ) {
        let Ok(choice) = self.choice(op, r, false, 0) else {
            return;
        };
        let template = match self.checked(&choice) {
            Ok((template, None)) => Some(template),
            _ => None,
        };
        let place = template
            .as_ref()
            .and_then(|t| self.message_place(&choice, t));
        // The router's body as it is where the schema takes it — unless the schema has a message
        // field of its own the router's body does not use (`{"message"}` takes `{"code",
        // "detail"}` only because it names no required field): then the template speaks the
        // document's words.
        let speaks = |body: &Value| match (&place, template.as_ref().and_then(Value::as_object)) {
            (Some(_), Some(fields)) => body
                .as_object()
                .is_some_and(|b| b.keys().all(|k| fields.contains_key(k))),
            _ => true,
        };
        let takes: Vec<&str> = router_bodies()
            .iter()
            .filter(|(_, body)| speaks(body) && self.is_valid(&choice, body))
            .map(|(name, _)| *name)
            .collect();
        entry.insert("takes".into(), json!(takes));
        let Some(template) = template else {
            return;
        };
        if let Some((path, max)) = place {
            entry.insert("message".into(), json!(path));
            entry.insert("max".into(), json!(max));
        }
        entry.insert("template".into(), json!(index_of(templates, template)));
    }

    /// Where in `template` an explanation can go and keep it valid: a message-like string field
    /// at the top or one level down (`{"Error": {"Message"}}`), with the longest probe length
    /// the schema takes.
    fn message_place(
        &self,
        choice: &super::answers::Choice,
        template: &Value,
    ) -> Option<(Vec<String>, usize)> {
        let candidates = message_paths(template);
        for path in candidates {
            let takes = |len: usize| {
                let mut body = template.clone();
                let Some(at) = path
                    .iter()
                    .try_fold(&mut body, |at, key| at.get_mut(key.as_str()))
                else {
                    return false;
                };
                *at = Value::String(PROBE.chars().cycle().take(len).collect());
                self.is_valid(choice, &body)
            };
            if takes(LONGEST) {
                return Some((path, LONGEST));
            }
            if !takes(1) {
                continue;
            }
            // The longest length taken (a `maxLength`): `low` is taken, `high` is not.
            let (mut low, mut high) = (1, LONGEST);
            while high - low > 1 {
                let mid = low + (high - low) / 2;
                if takes(mid) {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            return Some((path, low));
        }
        None
    }
}
