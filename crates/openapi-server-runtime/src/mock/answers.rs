//! The engine: the embedded answers of a document, the choice of a response for a request, and
//! the body of that response (an example, or a synthesized value that a validator accepts).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::request;
use super::secrets::Secrets;
use super::spec::{Documented, OperationSpec, Spec};
use super::synth::Synth;

/// Candidates tried for one answer before the engine gives up on a schema.
const ATTEMPTS: u64 = 12;

/// Answers of one document's operations. Cheap to clone (shared).
#[derive(Clone)]
pub struct Engine {
    spec: Arc<Result<Spec, String>>,
    seed: u64,
    requests: Arc<AtomicU64>,
    /// The only credentials accepted (any, when `None`).
    accepted: Option<Arc<Vec<String>>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

/// The response picked for one request.
#[derive(Debug, Clone)]
pub struct Choice {
    pub(super) operation: usize,
    pub(super) response: usize,
    status: StatusCode,
    /// The example asked for by name (`Prefer: example=…`).
    example: Option<usize>,
    pub(super) dynamic: bool,
    pub(super) seed: u64,
}

impl Choice {
    /// Index of the chosen response among the operation's documented ones (document order).
    pub fn response(&self) -> usize {
        self.response
    }

    /// The status to answer with (a range or `default` response gets a concrete code).
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

/// Why the mock cannot answer as asked: an answer of its own, `{"code", "detail"}`.
#[derive(Debug, Clone)]
pub struct Refusal {
    status: StatusCode,
    code: &'static str,
    detail: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, detail: String) -> Self {
        request::note(format!("refused: {detail}"));
        Self {
            status,
            code,
            detail,
        }
    }

    /// Its status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Its body, `{"code", "detail"}`.
    pub fn into_body(self) -> Value {
        json!({ "code": self.code, "detail": self.detail })
    }
}

/// Turns the engine's refusal into a response enum's `Undocumented(status, body)` variant (the
/// generated mock's `refused`, used by each of its answers).
pub fn refused<R>(undocumented: fn(StatusCode, Value) -> R) -> impl Fn(Refusal) -> R + Copy {
    move |refusal| undocumented(refusal.status(), refusal.into_body())
}

impl Engine {
    /// An engine over `answers` (the generated `mock.json`) with `seed`. A malformed text gives
    /// an engine whose every answer is a 500 naming the problem.
    pub fn new(answers: &str, seed: u64) -> Self {
        Self {
            spec: Arc::new(Spec::parse(answers)),
            seed,
            requests: Arc::new(AtomicU64::new(0)),
            accepted: None,
        }
    }

    /// The same answers, accepting only these credential secrets (bearer tokens, API keys,
    /// Basic passwords): a request presenting another gets the operation's documented 401.
    pub fn with_credentials<I, S>(&self, secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            accepted: Some(Arc::new(secrets.into_iter().map(Into::into).collect())),
            ..self.clone()
        }
    }

    /// [`Self::choose`] for a request that presented `auth`: when the engine accepts only some
    /// credentials and `auth` is none of them, the operation's documented 401 (a `4XX` or
    /// `default` response, else the engine's own 401).
    pub fn choose_for(&self, operation: usize, auth: &impl Secrets) -> Result<Choice, Refusal> {
        let presented = auth.secrets();
        let refused = match &self.accepted {
            Some(accepted) if !presented.is_empty() => {
                !presented.iter().any(|s| accepted.iter().any(|a| a == s))
            }
            _ => false,
        };
        if !refused {
            return self.choose(operation);
        }
        let spec = self.spec()?;
        let op = spec
            .operations
            .get(operation)
            .ok_or_else(|| no_responses("?"))?;
        match pick_code(op, 401) {
            Some((response, status)) => {
                request::note("refused: the credential is not one the mock accepts".to_owned());
                Ok(chosen(Choice {
                    operation,
                    response,
                    status,
                    example: None,
                    dynamic: false,
                    seed: self.seed,
                }))
            }
            None => Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "authentication_failed",
                "the credential presented is not one the mock accepts".to_owned(),
            )),
        }
    }

    /// The same answers with another seed.
    pub fn with_seed(&self, seed: u64) -> Self {
        Self {
            spec: self.spec.clone(),
            seed,
            requests: Arc::new(AtomicU64::new(0)),
            accepted: self.accepted.clone(),
        }
    }

    /// The answers, if they could be read.
    pub(super) fn spec_ok(&self) -> Option<&Spec> {
        self.spec.as_ref().as_ref().ok()
    }

    fn spec(&self) -> Result<&Spec, Refusal> {
        self.spec.as_ref().as_ref().map_err(|e| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "mock_unavailable",
                format!("the mock's embedded answers are unreadable: {e}"),
            )
        })
    }

    /// Picks the response operation number `operation` answers this request with: the one the
    /// request's `Prefer` header names (`code=`, `example=`), else the lowest 2xx (a `2XX` range,
    /// then `default`, then the first documented).
    pub fn choose(&self, operation: usize) -> Result<Choice, Refusal> {
        let spec = self.spec()?;
        let Some(op) = spec.operations.get(operation) else {
            return Err(Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "mock_unavailable",
                format!("the mock has no operation number {operation}"),
            ));
        };
        let prefer = request::current_prefer();
        let (response, status) = match prefer.code {
            Some(code) => pick_code(op, code).ok_or_else(|| {
                Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "mock_no_such_response",
                    format!(
                        "`Prefer: code={code}` asks for a response the document does not define for `{}` (it defines {})",
                        op.id,
                        list(op.responses.iter().map(|r| r.status.as_str()))
                    ),
                )
            })?,
            None => match &prefer.example {
                // An example asked for by name without a code: the response that has it.
                Some(name) => op
                    .responses
                    .iter()
                    .position(|r| r.examples.iter().any(|(n, _)| n == name))
                    .map(|i| (i, concrete_status(&op.responses[i].status, None)))
                    .or_else(|| pick_default(op))
                    .ok_or_else(|| no_responses(&op.id))?,
                None => pick_default(op).ok_or_else(|| no_responses(&op.id))?,
            },
        };
        let example = match &prefer.example {
            Some(name) => {
                let examples = &op.responses[response].examples;
                let Some(i) = examples.iter().position(|(n, _)| n == name) else {
                    return Err(Refusal::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "mock_no_such_example",
                        format!(
                            "`Prefer: example={name}`: the {} answer of `{}` has no example of that name (it has {})",
                            op.responses[response].status,
                            op.id,
                            list(examples.iter().map(|(n, _)| n.as_str()))
                        ),
                    ));
                };
                Some(i)
            }
            None => None,
        };
        request::note(format!("documented {}", op.responses[response].status));
        let dynamic = prefer.dynamic.unwrap_or(false);
        let seed = if dynamic {
            self.seed
                ^ self
                    .requests
                    .fetch_add(1, Ordering::Relaxed)
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        } else {
            self.seed
        };
        Ok(chosen(Choice {
            operation,
            response,
            status,
            example,
            dynamic,
            seed,
        }))
    }

    /// A choice made without a request (for tests and tools): response number `response` of
    /// operation number `operation`, its fixed answer or (`dynamic`) the one of `seed`.
    pub fn choice(
        &self,
        operation: usize,
        response: usize,
        dynamic: bool,
        seed: u64,
    ) -> Result<Choice, Refusal> {
        let spec = self.spec()?;
        let status = spec
            .operations
            .get(operation)
            .and_then(|op| op.responses.get(response))
            .map(|r| concrete_status(&r.status, None))
            .ok_or_else(|| {
                Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "mock_no_such_response",
                    format!("the mock has no response {response} of operation {operation}"),
                )
            })?;
        Ok(Choice {
            operation,
            response,
            status,
            example: None,
            dynamic,
            seed: if dynamic { seed } else { self.seed },
        })
    }

    /// How many operations the answers hold, and how many responses each.
    pub fn shape(&self) -> Vec<(String, Vec<String>)> {
        match self.spec.as_ref() {
            Ok(spec) => spec
                .operations
                .iter()
                .map(|op| {
                    (
                        op.id.clone(),
                        op.responses.iter().map(|r| r.status.clone()).collect(),
                    )
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The operation answering `method` `path` (by its template), with each response's status
    /// body kind and media type.
    pub(super) fn operation_at(
        &self,
        method: &str,
        path: &str,
    ) -> Option<(usize, Vec<Documented>)> {
        let spec = self.spec.as_ref().as_ref().ok()?;
        // The path belongs to the most specific template it fits, of any method (`/items/count`
        // before `/items/{id}`, as the router matches it): an operation of another template
        // does not answer for it.
        let fitting = || {
            spec.operations
                .iter()
                .enumerate()
                .filter(|(_, op)| super::spec::path_fits(&op.path, path))
        };
        let best = fitting()
            .map(|(_, op)| super::spec::literal_length(&op.path))
            .max()?;
        let i = fitting()
            .find(|(_, op)| op.method == method && super::spec::literal_length(&op.path) == best)?
            .0;
        let responses = spec.operations[i]
            .responses
            .iter()
            .map(|r| (r.status.clone(), r.kind.clone(), r.media.clone()))
            .collect();
        Some((i, responses))
    }

    /// The body kind (`json`, `text`, `binary`, `empty`) and media type of response `response`
    /// of operation `operation`.
    pub(super) fn kind_of(&self, operation: usize, response: usize) -> Option<(String, String)> {
        let spec = self.spec.as_ref().as_ref().ok()?;
        let r = spec.operations.get(operation)?.responses.get(response)?;
        Some((r.kind.clone(), r.media.clone()))
    }

    /// Whether `value` is valid for the response of `choice`.
    pub(super) fn is_valid(&self, choice: &Choice, value: &Value) -> bool {
        let pointer = format!("/definitions/op{}r{}", choice.operation, choice.response);
        self.spec
            .as_ref()
            .as_ref()
            .is_ok_and(|spec| spec.valid(&pointer, value))
    }

    /// The JSON body of `choice`, as the response's type `T`.
    pub fn json<T: DeserializeOwned>(&self, choice: &Choice) -> Result<T, Refusal> {
        let (value, _) = self.body(choice, |v| serde_json::from_value::<T>(v.clone()).is_ok())?;
        serde_json::from_value(value).map_err(|e| self.unfit(choice, &e.to_string()))
    }

    /// The JSON body of `choice` and, when no value valid against its schema was found (a
    /// schema no value satisfies, an example that breaks it), why the one given is not.
    pub fn checked(&self, choice: &Choice) -> Result<(Value, Option<String>), Refusal> {
        self.body(choice, |_| true)
    }

    /// A body for `choice` that its schema's validator accepts and `fits` (the Rust type takes);
    /// failing that, the last candidate that fits, with the violation (noted in the log line).
    pub(super) fn body(
        &self,
        choice: &Choice,
        fits: impl Fn(&Value) -> bool,
    ) -> Result<(Value, Option<String>), Refusal> {
        let spec = self.spec()?;
        let key = (choice.operation, choice.response);
        let response = &spec.operations[choice.operation].responses[choice.response];
        let pointer = format!("/definitions/op{}r{}", choice.operation, choice.response);
        if let Some(i) = choice.example {
            let (name, value) = &response.examples[i];
            let violation = spec.first_error(&pointer, value);
            match &violation {
                Some(error) => request::note(format!(
                    "violation: example `{name}` does not match its schema ({error})"
                )),
                None => request::note(format!("example `{name}`")),
            }
            return Ok((value.clone(), violation));
        }
        if !choice.dynamic
            && let Some((value, violation)) =
                spec.settled.lock().ok().and_then(|s| s.get(&key).cloned())
        {
            request::note(match &violation {
                Some(error) => format!("violation: no valid value was found ({error})"),
                None => "synthesized".to_owned(),
            });
            return Ok((value, violation));
        }
        let schema = spec.root.pointer(&pointer).cloned().unwrap_or(json!({}));
        let mut fallback = None;
        let mut answer = None;
        for attempt in 0..ATTEMPTS {
            let (candidate, how) = if attempt == 0
                && !choice.dynamic
                && let Some((name, value)) = response.examples.first()
            {
                (value.clone(), format!("example `{name}`"))
            } else {
                let dynamic = choice.dynamic || attempt > 1;
                let seed = choice.seed.wrapping_add(attempt);
                let examples = attempt == 0 || (choice.dynamic && attempt == 1);
                let mut patterns = match spec.patterns.lock() {
                    Ok(p) => p,
                    Err(poisoned) => poisoned.into_inner(),
                };
                let value =
                    Synth::new(&spec.root, seed, dynamic, examples, &mut patterns).value(&schema);
                (value, format!("synthesized (seed {seed})"))
            };
            if !fits(&candidate) {
                continue;
            }
            if spec.valid(&pointer, &candidate) {
                request::note(how);
                answer = Some((candidate, None));
                break;
            }
            fallback = Some(candidate);
        }
        // No candidate was valid: the last one without the parts no value satisfies, if that
        // leaves a valid answer.
        let answer = answer.or_else(|| {
            let pruned = super::pruning::pruned(spec, &pointer, fallback.clone()?)?;
            fits(&pruned).then(|| {
                request::note(
                    "synthesized, leaving out what its schema lets no value be".to_owned(),
                );
                (pruned, None)
            })
        });
        let answer = match (answer, fallback) {
            (Some(answer), _) => answer,
            (None, Some(candidate)) => {
                let error = spec
                    .first_error(&pointer, &candidate)
                    .unwrap_or_else(|| "no candidate was valid".to_owned());
                request::note(format!("violation: no valid value was found ({error})"));
                (candidate, Some(error))
            }
            (None, None) => {
                return Err(self.unfit(choice, "no candidate fits the answer's Rust type"));
            }
        };
        if !choice.dynamic
            && let Ok(mut settled) = spec.settled.lock()
        {
            settled.insert(key, answer.clone());
        }
        Ok(answer)
    }

    pub(super) fn unfit(&self, choice: &Choice, why: &str) -> Refusal {
        let id = self
            .spec
            .as_ref()
            .as_ref()
            .ok()
            .and_then(|s| s.operations.get(choice.operation))
            .map_or("?", |o| o.id.as_str())
            .to_owned();
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "mock_no_valid_answer",
            format!(
                "the mock found no valid {} answer for `{id}`: {why}",
                choice.status.as_u16()
            ),
        )
    }
}

/// `choice`, recorded as the request's answer (whose documented headers it gets).
fn chosen(choice: Choice) -> Choice {
    request::chose(request::Chosen {
        operation: choice.operation,
        response: choice.response,
        status: choice.status,
        seed: choice.seed,
        dynamic: choice.dynamic,
    });
    choice
}

/// The response for status `code`: the exact code, else its range, else `default`.
fn pick_code(op: &OperationSpec, code: u16) -> Option<(usize, StatusCode)> {
    let status = StatusCode::from_u16(code).ok()?;
    let exact = op
        .responses
        .iter()
        .position(|r| r.status == code.to_string());
    let range = format!("{}XX", code / 100);
    let ranged = || {
        op.responses
            .iter()
            .position(|r| r.status.eq_ignore_ascii_case(&range))
    };
    let default = || op.responses.iter().position(|r| r.status == "default");
    exact.or_else(ranged).or_else(default).map(|i| (i, status))
}

/// The lowest documented 2xx, else a `2XX` range, else `default`, else the lowest documented
/// status that does not call the request malformed (a valid request to an operation that
/// documents only errors, `400` and `403`, gets the 403: the router accepted it), else the
/// first response.
fn pick_default(op: &OperationSpec) -> Option<(usize, StatusCode)> {
    let codes = op.responses.iter().enumerate().filter_map(|(i, r)| {
        let code: u16 = r.status.parse().ok()?;
        Some((i, code))
    });
    if let Some((i, code)) = codes
        .clone()
        .filter(|(_, c)| (200..300).contains(c))
        .min_by_key(|(_, c)| *c)
    {
        return Some((i, StatusCode::from_u16(code).ok()?));
    }
    if let Some(i) = op
        .responses
        .iter()
        .position(|r| r.status.eq_ignore_ascii_case("2XX"))
    {
        return Some((i, StatusCode::OK));
    }
    if let Some(i) = op.responses.iter().position(|r| r.status == "default") {
        return Some((i, StatusCode::OK));
    }
    if let Some((i, code)) = codes.min_by_key(|(_, c)| (matches!(c, 100..=199 | 400 | 422), *c)) {
        return Some((i, StatusCode::from_u16(code).ok()?));
    }
    let first = op.responses.first()?;
    Some((0, concrete_status(&first.status, None)))
}

/// A concrete status for a documented one (`4XX` → 400, `default` → 200).
pub(super) fn concrete_status(status: &str, asked: Option<u16>) -> StatusCode {
    if let Some(code) = asked.and_then(|c| StatusCode::from_u16(c).ok()) {
        return code;
    }
    if let Ok(code) = status.parse::<u16>()
        && let Ok(code) = StatusCode::from_u16(code)
    {
        return code;
    }
    match status.as_bytes().first() {
        Some(d @ b'1'..=b'5') if status.len() == 3 => {
            StatusCode::from_u16(u16::from(d - b'0') * 100).unwrap_or(StatusCode::OK)
        }
        _ => StatusCode::OK,
    }
}

fn no_responses(id: &str) -> Refusal {
    Refusal::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "mock_no_such_response",
        format!("the document defines no response for `{id}`"),
    )
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(|i| format!("`{i}`")).collect();
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}
