//! A document's embedded answers (`mock.json`) as the engine reads them: each operation's
//! responses with their examples, and the validators of their schemas.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use serde_json::Value;

/// One documented response of an operation, as embedded.
#[derive(Debug)]
pub(super) struct ResponseSpec {
    /// `200`, `2XX` or `default`.
    pub status: String,
    /// `json`, `text`, `binary` or `empty`.
    pub kind: String,
    /// Its media type (empty without a body).
    pub media: String,
    /// Named examples of its media type (`example` is named `default`).
    pub examples: Vec<(String, Value)>,
    /// The headers it documents (their schemas at `/definitions/op{i}r{j}h{k}`).
    pub headers: Vec<HeaderSpec>,
    /// The XML media types it also offers (their schemas at `/definitions/op{i}r{j}a{k}`).
    pub alternatives: Vec<String>,
}

#[derive(Debug)]
pub(super) struct OperationSpec {
    pub id: String,
    /// Its method, upper case, and path template.
    pub method: String,
    pub path: String,
    pub responses: Vec<ResponseSpec>,
    /// The media types of its JSON request body, whose schema is at `/definitions/op{i}b`
    /// (none: it has no JSON body).
    pub body_media: Vec<String>,
    /// Parameters (location, name) any integer is valid for, which the router reads as 64-bit.
    pub wide: Vec<(String, String)>,
}

/// A documented response in short: its status, body kind and media type.
pub(super) type Documented = (String, String, String);

/// A body and, when it is not valid against its schema, why.
pub(super) type Answer = (Value, Option<String>);

/// A document's embedded answers, parsed once.
pub(super) struct Spec {
    pub root: Value,
    /// Whether the document is OpenAPI 3.0, whose `integer` excludes `5.0` (`"openapi": "3.0"`;
    /// embedded answers without it are 3.0).
    openapi_3_0: bool,
    pub operations: Vec<OperationSpec>,
    /// The paths of the document's servers (`/api/v3`), under which operations are served too.
    pub base_paths: Vec<String>,
    /// The answers as a schema registry, which validators resolve their references in (`None`
    /// when it could not be built).
    registry: OnceLock<Option<jsonschema::Registry<'static>>>,
    /// The validator of each schema pointer asked for, compiled on first use (`None`: it does
    /// not compile). Only what is validated is compiled: a large document's server asks for its
    /// error responses' schemas alone.
    validators: RwLock<HashMap<String, Option<Arc<jsonschema::Validator>>>>,
    /// Compiled `pattern` generators.
    pub patterns: Mutex<HashMap<String, Option<rand_regex::Regex>>>,
    /// The answer found for each static choice (operation, response): the same every time.
    pub settled: Mutex<HashMap<(usize, usize), Answer>>,
}

impl Spec {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let operations = root
            .get("operations")
            .and_then(Value::as_array)
            .ok_or("no `operations` list")?
            .iter()
            .map(|op| {
                let text = |k: &str| op.get(k).and_then(Value::as_str).unwrap_or("");
                OperationSpec {
                    id: op
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_owned(),
                    method: text("method").to_ascii_uppercase(),
                    path: text("path").to_owned(),
                    responses: op
                        .get("responses")
                        .and_then(Value::as_array)
                        .map(|list| list.iter().map(ResponseSpec::parse).collect())
                        .unwrap_or_default(),
                    body_media: op
                        .pointer("/body/media")
                        .and_then(Value::as_array)
                        .map(|list| {
                            list.iter()
                                .filter_map(|m| Some(m.as_str()?.to_ascii_lowercase()))
                                .collect()
                        })
                        .unwrap_or_default(),
                    wide: op
                        .get("wide")
                        .and_then(Value::as_array)
                        .map(|list| {
                            list.iter()
                                .filter_map(|pair| {
                                    Some((
                                        pair.get(0)?.as_str()?.to_owned(),
                                        pair.get(1)?.as_str()?.to_owned(),
                                    ))
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect();
        let openapi_3_0 = root.get("openapi").and_then(Value::as_str) != Some("3.1");
        let base_paths = root
            .get("base_paths")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|p| Some(p.as_str()?.to_owned()))
                    .filter(|p| p.starts_with('/') && p.len() > 1)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            root,
            openapi_3_0,
            operations,
            base_paths,
            registry: OnceLock::new(),
            validators: RwLock::new(HashMap::new()),
            patterns: Mutex::new(HashMap::new()),
            settled: Mutex::new(HashMap::new()),
        })
    }

    /// Where in `value` (a JSON pointer) its first error against the schema at `pointer` is, if
    /// it is not valid.
    pub(super) fn first_error_path(&self, pointer: &str, value: &Value) -> Option<String> {
        let validator = self.validator(pointer)?;
        validator
            .iter_errors(value)
            .next()
            .map(|e| e.instance_path().to_string())
    }

    /// Why `value` is not valid against the schema at `pointer` (its first error), if it is not.
    pub(super) fn first_error(&self, pointer: &str, value: &Value) -> Option<String> {
        let validator = self.validator(pointer)?;
        validator.iter_errors(value).next().map(|e| {
            let at = e.instance_path().to_string();
            // The message starts with the value, which can be long; what it breaks is at the end.
            let text = e.to_string();
            let chars: Vec<char> = text.chars().collect();
            let shown: String = if chars.len() > 240 {
                format!("…{}", chars[chars.len() - 240..].iter().collect::<String>())
            } else {
                text
            };
            format!("at `{}`: {shown}", if at.is_empty() { "/" } else { &at })
        })
    }

    /// The validator of the schema at `pointer` (in the answers), compiled once.
    fn validator(&self, pointer: &str) -> Option<Arc<jsonschema::Validator>> {
        let known = match self.validators.read() {
            Ok(map) => map.get(pointer).cloned(),
            Err(poisoned) => poisoned.into_inner().get(pointer).cloned(),
        };
        if let Some(known) = known {
            return known;
        }
        let compiled = self.compile(pointer).map(Arc::new);
        let mut map = match self.validators.write() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(pointer.to_owned()).or_insert(compiled).clone()
    }

    fn compile(&self, pointer: &str) -> Option<jsonschema::Validator> {
        let registry = self
            .registry
            .get_or_init(|| {
                let resource = jsonschema::Draft::Draft201909.create_resource(self.root.clone());
                jsonschema::Registry::new()
                    .draft(jsonschema::Draft::Draft201909)
                    .add(ANSWERS_URI, resource)
                    .and_then(|builder| builder.prepare())
                    .map_err(|e| {
                        tracing::warn!(target: "mock", "answers are not validated: their schemas cannot be resolved: {e}");
                    })
                    .ok()
            })
            .as_ref()?;
        let mut options = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft201909)
            .should_validate_formats(true)
            .with_registry(registry);
        if self.openapi_3_0 {
            options = options.with_keyword("type", super::integers::draft_four_type);
        }
        options
            .build(&serde_json::json!({ "$ref": format!("{ANSWERS_URI}#{pointer}") }))
            .map_err(|e| {
                tracing::warn!(target: "mock", "answers at {pointer} are not validated: the schema does not compile: {e}");
            })
            .ok()
    }

    /// Whether `value` is valid against the schema at `pointer` (true when the schema could
    /// not be compiled: the answer is then only as good as the synthesizer).
    /// `path` without the server base path it starts with, when no operation's template fits
    /// it as it is but one fits what follows the base path (`/api/v3/pet/1` → `/pet/1`).
    pub(super) fn without_base_path(&self, path: &str) -> Option<String> {
        if self.base_paths.is_empty() {
            return None;
        }
        let fits = |p: &str| self.operations.iter().any(|op| path_fits(&op.path, p));
        if fits(path) {
            return None;
        }
        self.base_paths.iter().find_map(|base| {
            let rest = path.strip_prefix(base.as_str())?;
            let rest = if rest.is_empty() { "/" } else { rest };
            (rest.starts_with('/') && fits(rest)).then(|| rest.to_owned())
        })
    }

    /// Response `response` of operation `operation`.
    pub(super) fn response(&self, operation: usize, response: usize) -> Option<&ResponseSpec> {
        self.operations.get(operation)?.responses.get(response)
    }

    pub(super) fn valid(&self, pointer: &str, value: &Value) -> bool {
        match self.validator(pointer) {
            Some(validator) => validator.is_valid(value),
            None => true,
        }
    }
}

/// The base URI the answers are registered under (their references are `#/…` inside it).
const ANSWERS_URI: &str = "urn:openapi-codegen:mock-answers";

impl ResponseSpec {
    pub(super) fn parse(value: &Value) -> Self {
        let text = |k: &str| {
            value
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        Self {
            status: text("status"),
            kind: text("kind"),
            media: text("media"),
            examples: value
                .get("examples")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(|pair| {
                            Some((pair.get(0)?.as_str()?.to_owned(), pair.get(1)?.clone()))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            headers: value
                .get("headers")
                .and_then(Value::as_array)
                .map(|list| list.iter().filter_map(HeaderSpec::parse).collect())
                .unwrap_or_default(),
            alternatives: value
                .get("alternatives")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(|m| Some(m.as_str()?.to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Whether a path `segment` fits a template segment (`{id}`, `{api}.json`, `v{a}-{b}`).
fn segment_fits(template: &str, segment: &str) -> bool {
    if !template.contains('{') {
        return template == segment;
    }
    // Literal text outside the braces must appear in order; parameters take anything non-empty.
    let mut rest = segment;
    let mut template = template;
    while !template.is_empty() {
        match template.find('{') {
            Some(0) => {
                let Some(close) = template.find('}') else {
                    return false;
                };
                template = &template[close + 1..];
                let next = template.find('{').map_or(template, |i| &template[..i]);
                if next.is_empty() {
                    return !rest.is_empty() && template.is_empty();
                }
                let found = if template.len() == next.len() {
                    rest.rfind(next)
                } else {
                    rest.find(next)
                };
                match found {
                    Some(at) if at > 0 => rest = &rest[at..],
                    _ => return false,
                }
            }
            Some(open) => {
                let Some(after) = rest.strip_prefix(&template[..open]) else {
                    return false;
                };
                rest = after;
                template = &template[open..];
            }
            None => return rest == template,
        }
    }
    rest.is_empty()
}

/// Whether `path` fits the template `template`.
pub(super) fn path_fits(template: &str, path: &str) -> bool {
    let template = template.split('#').next().unwrap_or(template);
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| segment_fits(t, p))
}

/// How specific a path template is: its literal characters, outside `{…}` (and a `#fragment`).
pub(super) fn literal_length(template: &str) -> usize {
    let template = template.split('#').next().unwrap_or(template);
    let mut depth = 0usize;
    template
        .chars()
        .filter(|c| match c {
            '{' => {
                depth += 1;
                false
            }
            '}' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .count()
}

/// A documented response header, as embedded.
#[derive(Debug)]
pub(super) struct HeaderSpec {
    pub name: String,
    pub required: bool,
    pub examples: Vec<Value>,
}

impl HeaderSpec {
    pub(super) fn parse(value: &Value) -> Option<Self> {
        Some(Self {
            name: value.get("name")?.as_str()?.to_owned(),
            required: value
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            examples: value
                .get("examples")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        })
    }
}
