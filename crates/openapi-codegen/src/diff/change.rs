//! What a change is: its kind, who it breaks, where it is and what it means.

use std::fmt;

use serde::Serialize;

/// Who a change can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    /// A client written against the old document (it can fail or misread an answer).
    Client,
    /// A server implementing the old document (it must now accept or produce something else).
    Server,
    /// Rust code written against the old generated crates (it may no longer compile).
    Rust,
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Client => "client",
            Self::Server => "server",
            Self::Rust => "rust",
        })
    }
}

/// Whether a client written against the old document can fail or misread under the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeSeverity {
    /// It can: the change breaks existing clients.
    Breaking,
    /// It cannot (other parties may still be listed in [`Change::breaks`]).
    NonBreaking,
}

impl fmt::Display for ChangeSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Breaking => "breaking",
            Self::NonBreaking => "non-breaking",
        })
    }
}

/// The kinds of change the diff recognizes (the `kind` field of the JSON report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// An operation appeared.
    OperationAdded,
    /// An operation disappeared.
    OperationRemoved,
    /// An operation (same operationId) moved to another path.
    OperationPathChanged,
    /// An operation (same operationId) changed its HTTP method.
    OperationMethodChanged,
    /// The operation at a method and path got another operationId.
    OperationIdChanged,
    /// An operation became (or stopped being) deprecated.
    OperationDeprecationChanged,
    /// A parameter appeared.
    ParameterAdded,
    /// A parameter disappeared.
    ParameterRemoved,
    /// A parameter became required or optional.
    ParameterRequiredChanged,
    /// A parameter moved (path, query, header).
    ParameterLocationChanged,
    /// A parameter's `style` or `explode` changed.
    ParameterStyleChanged,
    /// A parameter became (or stopped being) deprecated.
    ParameterDeprecationChanged,
    /// A request body appeared.
    RequestBodyAdded,
    /// A request body disappeared.
    RequestBodyRemoved,
    /// A request body became required or optional.
    RequestBodyRequiredChanged,
    /// A request or response media type appeared or disappeared.
    MediaTypeChanged,
    /// A response status appeared.
    ResponseStatusAdded,
    /// A response status disappeared.
    ResponseStatusRemoved,
    /// A response got a body.
    ResponseBodyAdded,
    /// A response lost its body.
    ResponseBodyRemoved,
    /// An object property appeared.
    PropertyAdded,
    /// An object property disappeared.
    PropertyRemoved,
    /// A property became required or optional.
    PropertyRequiredChanged,
    /// A schema's `type` changed.
    TypeChanged,
    /// A schema's `format` changed.
    FormatChanged,
    /// A schema became (or stopped being) nullable.
    NullableChanged,
    /// An enum gained a value.
    EnumValueAdded,
    /// An enum lost a value.
    EnumValueRemoved,
    /// A bound, length, count, pattern or uniqueness rule changed.
    ConstraintChanged,
    /// `additionalProperties` changed.
    AdditionalPropertiesChanged,
    /// A member of `anyOf`/`oneOf` appeared or disappeared.
    CompositionChanged,
    /// A schema now refers to another component (its Rust type changes).
    SchemaReferenceChanged,
    /// The credentials an operation accepts changed.
    SecurityChanged,
}

/// One difference between two documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Whether it breaks clients written against the old document.
    pub severity: ChangeSeverity,
    /// JSON pointer: into the new document, or into the old one for what was removed.
    pub pointer: String,
    /// The operationId it concerns (the new one), if any.
    pub operation: Option<String>,
    /// What changed, in a sentence.
    pub message: String,
    /// Its kind.
    pub kind: ChangeKind,
    /// Who it breaks: existing clients, server implementors, Rust code using the generated crates.
    pub breaks: Vec<Party>,
    /// Whether the pointer is into the old document (`true` for removals).
    pub in_old: bool,
}

impl Change {
    /// Whether it breaks existing clients.
    pub fn is_breaking(&self) -> bool {
        self.severity == ChangeSeverity::Breaking
    }
}
