//! The mock server's engine (feature `mock`): what a generated `Mock` answers for each operation.
//!
//! A generated server crate embeds its document's answers (`mock.json`: each operation's
//! responses with their schemas as JSON Schema and their examples) and implements its `Api`
//! trait over an [`Engine`]. For each request the engine picks a response as Prism does — the
//! lowest documented 2xx unless the request's `Prefer` header asks for `code=…`, `example=…` or
//! `dynamic=true` — and answers the document's example or a value synthesized from the schema,
//! checked with a JSON Schema validator first. The same seed gives the same answers.
//!
//! [`layer`] adds what a mock needs around the generated router (the `Prefer` header, CORS, a
//! log line per request); [`MockServer`] serves it on a local port in one line.

mod answers;
mod bodies;
mod formats;
mod headers;
mod integers;
mod keywords;
mod negotiate;
mod pruning;
mod refusals;
mod request;
mod rescue;
mod secrets;
mod serve;
mod shapes;
mod spec;
mod synth;
mod violations;
mod xml;

pub use answers::{Choice, Engine, Refusal, refused};
pub use request::Prefer;
pub use secrets::Secrets;
pub use serve::{MockServer, layer, run};

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
