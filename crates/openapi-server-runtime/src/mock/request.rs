//! The request being answered, as the engine sees it from inside the router: its `Prefer`
//! header, and the notes of what was chosen for its log line (a task-local set by the layer).

use std::sync::Mutex;

use axum::http::HeaderMap;

/// What a request's `Prefer` header asks of the mock (Prism's conventions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Prefer {
    /// `code=404`: answer the response documented for that status.
    pub code: Option<u16>,
    /// `example=name`: answer that named example.
    pub example: Option<String>,
    /// `dynamic=true`: a value synthesized afresh (random) rather than the fixed one.
    pub dynamic: Option<bool>,
}

impl Prefer {
    /// Reads every `Prefer` header (preferences separated by `,` or `;`); unknown preferences
    /// and unreadable values are ignored, as RFC 7240 asks.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut prefer = Self::default();
        for value in headers.get_all("prefer") {
            let Ok(text) = value.to_str() else { continue };
            for item in text.split([',', ';']) {
                let Some((key, value)) = item.split_once('=') else {
                    continue;
                };
                let value = value.trim().trim_matches('"');
                match key.trim().to_ascii_lowercase().as_str() {
                    "code" => prefer.code = value.parse().ok().filter(|c| (100..600).contains(c)),
                    "example" if !value.is_empty() => prefer.example = Some(value.to_owned()),
                    "dynamic" => prefer.dynamic = value.parse().ok(),
                    _ => {}
                }
            }
        }
        prefer
    }
}

/// The request being answered: its preferences and what the engine chose.
pub(super) struct Current {
    pub prefer: Prefer,
    pub note: Mutex<Vec<String>>,
    /// The response chosen for it, whose documented headers the answer gets.
    pub chosen: Mutex<Option<Chosen>>,
}

/// A chosen response: operation and response numbers, the status answered, the seed and
/// whether its values are dynamic.
#[derive(Debug, Clone, Copy)]
pub(super) struct Chosen {
    pub operation: usize,
    pub response: usize,
    pub status: axum::http::StatusCode,
    pub seed: u64,
    pub dynamic: bool,
}

tokio::task_local! {
    pub(super) static CURRENT: Current;
}

/// The `Prefer` header of the request being answered (none outside [`layer`]).
pub(super) fn current_prefer() -> Prefer {
    CURRENT.try_with(|c| c.prefer.clone()).unwrap_or_default()
}

/// Records what the engine did for the request being answered (for its log line).
pub(super) fn note(text: String) {
    let _ = CURRENT.try_with(|c| {
        if let Ok(mut notes) = c.note.lock() {
            notes.push(text);
        }
    });
}

/// Records the response chosen for the request being answered.
pub(super) fn chose(chosen: Chosen) {
    let _ = CURRENT.try_with(|c| {
        if let Ok(mut slot) = c.chosen.lock() {
            *slot = Some(chosen);
        }
    });
}

/// The response chosen for the request being answered, if the engine chose one.
pub(super) fn chosen() -> Option<Chosen> {
    CURRENT
        .try_with(|c| c.chosen.lock().ok().and_then(|slot| *slot))
        .ok()
        .flatten()
}
