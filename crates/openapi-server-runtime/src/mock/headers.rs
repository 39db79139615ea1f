//! The headers a mock answer carries: each one its response documents, with a value valid
//! against the header's schema — an example, else a synthesized one — written in OpenAPI's
//! `simple` style (`a,b,c` for an array, `k,v,k,v` for an object).

use axum::http::{HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::answers::{Choice, Engine, Refusal};
use super::request;
use super::synth::Synth;
use crate::response_headers::simple_style;

/// Candidates tried for one header's value.
const ATTEMPTS: u64 = 16;

impl Engine {
    /// The headers of response `response` of operation `operation`, for `seed`: every documented
    /// one for which a valid value that a header can carry was found. A required header with
    /// none is noted as a violation (and left out).
    pub(super) fn headers(
        &self,
        operation: usize,
        response: usize,
        seed: u64,
        dynamic: bool,
    ) -> Vec<(HeaderName, HeaderValue)> {
        let Some(spec) = self.spec_ok() else {
            return Vec::new();
        };
        let Some(documented) = spec
            .operations
            .get(operation)
            .and_then(|op| op.responses.get(response))
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, header) in documented.headers.iter().enumerate() {
            let Ok(name) = HeaderName::from_bytes(header.name.as_bytes()) else {
                continue;
            };
            let value = self
                .header_value(operation, response, k, seed, dynamic, |_| true)
                .and_then(|v| simple_style(&v).ok());
            match value {
                Some(text) => out.push((name, text)),
                None if header.required => request::note(format!(
                    "violation: no valid value for the required header `{}` was found",
                    header.name
                )),
                None => {}
            }
        }
        out
    }

    /// The value of header `k` of the chosen response, as the generated `…Headers` struct's field
    /// of type `T` holds it; a required header without one is a refusal naming it.
    pub fn header<T: DeserializeOwned>(&self, choice: &Choice, k: usize) -> Result<T, Refusal> {
        self.optional_header(choice, k).ok_or_else(|| {
            let name = self
                .spec_ok()
                .and_then(|s| s.operations.get(choice.operation))
                .and_then(|o| o.responses.get(choice.response))
                .and_then(|r| r.headers.get(k))
                .map_or("?", |h| h.name.as_str())
                .to_owned();
            self.unfit(
                choice,
                &format!("no valid value for the required header `{name}`"),
            )
        })
    }

    /// The value of optional header `k` of the chosen response, or none when no valid one that
    /// a header can carry (and `T` can hold) was found.
    pub fn optional_header<T: DeserializeOwned>(&self, choice: &Choice, k: usize) -> Option<T> {
        let fits = |v: &Value| serde_json::from_value::<T>(v.clone()).is_ok();
        let value = self.header_value(
            choice.operation,
            choice.response,
            k,
            choice.seed,
            choice.dynamic,
            fits,
        )?;
        serde_json::from_value(value).ok()
    }

    /// A value for header `k` of response `response` of operation `operation`: its first
    /// example, else a synthesized one, that its schema accepts, the `simple` style can carry
    /// and `fits` takes.
    fn header_value(
        &self,
        operation: usize,
        response: usize,
        k: usize,
        seed: u64,
        dynamic: bool,
        fits: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let spec = self.spec_ok()?;
        let header = spec
            .operations
            .get(operation)?
            .responses
            .get(response)?
            .headers
            .get(k)?;
        let pointer = format!("/definitions/op{operation}r{response}h{k}");
        let schema = spec.root.pointer(&pointer).cloned().unwrap_or(json!({}));
        let examples = if dynamic {
            &[][..]
        } else {
            &header.examples[..]
        };
        let mut candidates = examples.iter().cloned().chain((0..ATTEMPTS).map(|attempt| {
            let mut patterns = match spec.patterns.lock() {
                Ok(p) => p,
                Err(poisoned) => poisoned.into_inner(),
            };
            let seed = seed.wrapping_add(attempt).wrapping_add(k as u64);
            Synth::new(
                &spec.root,
                seed,
                dynamic || attempt > 0,
                attempt == 0,
                &mut patterns,
            )
            .value(&schema)
        }));
        candidates.find(|v| simple_style(v).is_ok() && fits(v) && spec.valid(&pointer, v))
    }
}
