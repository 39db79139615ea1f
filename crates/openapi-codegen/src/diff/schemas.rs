//! Direction-aware schema comparison. A request schema that accepts less breaks clients; a
//! response schema that may contain more breaks clients. Each finding names who it breaks.

use std::collections::HashSet;

use serde_json::Value;

use super::change::{ChangeKind, Party};
use super::differ::{Differ, Site};
use crate::error::escape_pointer;
use crate::ir::{Additional, Api, Kind, Schema};

/// Which way data flows through the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Direction {
    /// Sent by clients, read by servers.
    Request,
    /// Sent by servers, read by clients.
    Response,
}

impl Direction {
    /// Who a narrowing (fewer values allowed) breaks.
    pub(super) fn narrowed(self) -> Vec<Party> {
        match self {
            Self::Request => vec![Party::Client],
            Self::Response => vec![Party::Server],
        }
    }

    /// Who a widening (more values allowed) breaks.
    pub(super) fn widened(self) -> Vec<Party> {
        match self {
            Self::Request => vec![Party::Server],
            Self::Response => vec![Party::Client],
        }
    }

    pub(super) fn word(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
        }
    }
}

/// Formats whose change changes the generated Rust type.
const RUST_TYPED_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "uuid",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float",
    "double",
];

/// A schema seen through references and single-member `allOf` wrappers.
struct View<'a> {
    schema: &'a Schema,
    nullable: bool,
    pointer: String,
    component: Option<&'a str>,
}

fn view<'a>(api: &'a Api, schema: &'a Schema, pointer: &str) -> View<'a> {
    let mut v = View {
        schema,
        nullable: schema.nullable,
        pointer: pointer.to_owned(),
        component: None,
    };
    for _ in 0..32 {
        let s = v.schema;
        if let Some(name) = &s.reference {
            match api.schemas.get_full(name) {
                Some((_, key, target)) => {
                    v.schema = target;
                    v.nullable |= target.nullable;
                    v.component = Some(key.as_str());
                    if let Some(p) = api.schema_pointers.get(name) {
                        v.pointer = p.clone();
                    }
                    continue;
                }
                None => return v,
            }
        }
        let wrapper = s.kind.is_none()
            && s.properties.is_empty()
            && s.enumeration.is_none()
            && s.any_of.is_none()
            && s.one_of.is_none()
            && s.not.is_none();
        match &s.all_of {
            Some(members) if wrapper && members.len() == 1 => {
                v.schema = &members[0];
                v.nullable |= members[0].nullable;
            }
            _ => return v,
        }
    }
    v
}

/// Where a schema sits in both documents.
#[derive(Clone)]
pub(super) struct Pointers {
    pub old: String,
    pub new: String,
}

impl Pointers {
    fn join(&self, old_suffix: &str, new_suffix: &str) -> Self {
        Self {
            old: format!("{}{old_suffix}", self.old),
            new: format!("{}{new_suffix}", self.new),
        }
    }
}

/// Compares schemas; `visited` stops recursion through components already compared.
pub(super) struct SchemaDiff<'d, 'a> {
    pub differ: &'d mut Differ<'a>,
    pub site: Site,
    pub direction: Direction,
    pub visited: HashSet<(String, String)>,
}

impl SchemaDiff<'_, '_> {
    pub(super) fn push(
        &mut self,
        kind: ChangeKind,
        at: &Pointers,
        in_old: bool,
        breaks: Vec<Party>,
        message: String,
    ) {
        let pointer = if in_old {
            at.old.clone()
        } else {
            at.new.clone()
        };
        self.differ
            .push(kind, &self.site, pointer, in_old, breaks, message);
    }

    /// Compares `old` (in the old document) with `new` (in the new one).
    pub fn compare(&mut self, old: &Schema, new: &Schema, at: &Pointers) {
        let (old_api, new_api) = (self.differ.old, self.differ.new);
        let o = view(old_api, old, &at.old);
        let n = view(new_api, new, &at.new);
        let at = Pointers {
            old: o.pointer.clone(),
            new: n.pointer.clone(),
        };
        let dir = self.direction;
        let word = dir.word();
        if let (Some(a), Some(b)) = (o.component, n.component) {
            if old.reference.is_some() && new.reference.is_some() && a != b {
                self.push(
                    ChangeKind::SchemaReferenceChanged,
                    &at,
                    false,
                    vec![Party::Rust],
                    format!(
                        "{word} schema now refers to `{b}` instead of `{a}` (the Rust type changes)"
                    ),
                );
            }
            if !self.visited.insert((a.to_owned(), b.to_owned())) {
                return;
            }
        }
        let (os, ns) = (o.schema, n.schema);

        if o.nullable != n.nullable {
            let (mut breaks, what) = if n.nullable {
                (dir.widened(), "may now be null")
            } else {
                (dir.narrowed(), "may no longer be null")
            };
            breaks.push(Party::Rust);
            self.push(
                ChangeKind::NullableChanged,
                &at,
                false,
                breaks,
                format!("{word} value {what}"),
            );
        }

        match (&os.kind, &ns.kind) {
            (Some(a), Some(b)) if a != b => {
                let widening = *a == Kind::Integer && *b == Kind::Number;
                let narrowing = *a == Kind::Number && *b == Kind::Integer;
                let mut breaks = if widening {
                    dir.widened()
                } else if narrowing {
                    dir.narrowed()
                } else {
                    vec![Party::Client, Party::Server]
                };
                breaks.push(Party::Rust);
                self.push(
                    ChangeKind::TypeChanged,
                    &at,
                    false,
                    breaks,
                    format!(
                        "{word} type changed from `{}` to `{}`",
                        kind_word(a),
                        kind_word(b)
                    ),
                );
                return;
            }
            (None, Some(b)) => {
                let mut breaks = dir.narrowed();
                breaks.push(Party::Rust);
                self.push(
                    ChangeKind::TypeChanged,
                    &at,
                    false,
                    breaks,
                    format!("{word} type narrowed from any value to `{}`", kind_word(b)),
                );
                return;
            }
            (Some(a), None)
                if ns.all_of.is_none() && ns.any_of.is_none() && ns.one_of.is_none() =>
            {
                let mut breaks = dir.widened();
                breaks.push(Party::Rust);
                self.push(
                    ChangeKind::TypeChanged,
                    &at,
                    false,
                    breaks,
                    format!("{word} type widened from `{}` to any value", kind_word(a)),
                );
                return;
            }
            _ => {}
        }

        if os.format != ns.format {
            let rust = [&os.format, &ns.format].iter().any(|f| {
                f.as_deref()
                    .is_some_and(|f| RUST_TYPED_FORMATS.contains(&f))
            });
            let (mut breaks, message) = match (&os.format, &ns.format) {
                (None, Some(b)) => (dir.narrowed(), format!("{word} format `{b}` added")),
                (Some(a), None) => (dir.widened(), format!("{word} format `{a}` removed")),
                (Some(a), Some(b)) => (
                    vec![Party::Client, Party::Server],
                    format!("{word} format changed from `{a}` to `{b}`"),
                ),
                (None, None) => (Vec::new(), String::new()),
            };
            if rust {
                breaks.push(Party::Rust);
            }
            self.push(ChangeKind::FormatChanged, &at, false, breaks, message);
        }

        self.enumeration(os, ns, &at);
        self.constraints(os, ns, &at);
        self.object(os, ns, &at);

        if let (Some(a), Some(b)) = (&os.items, &ns.items) {
            let at = at.join("/items", "/items");
            self.compare(a, b, &at);
        }
        for (key, a, b) in [
            ("anyOf", &os.any_of, &ns.any_of),
            ("oneOf", &os.one_of, &ns.one_of),
            ("allOf", &os.all_of, &ns.all_of),
        ] {
            self.composition(key, a.as_deref(), b.as_deref(), &at);
        }
    }

    fn enumeration(&mut self, os: &Schema, ns: &Schema, at: &Pointers) {
        let word = self.direction.word();
        let dir = self.direction;
        match (&os.enumeration, &ns.enumeration) {
            (Some(a), Some(b)) => {
                for v in b.iter().filter(|v| !a.contains(v)) {
                    self.push(
                        ChangeKind::EnumValueAdded,
                        at,
                        false,
                        dir.widened(),
                        format!("{word} enum value {} added", value_text(v)),
                    );
                }
                for v in a.iter().filter(|v| !b.contains(v)) {
                    let mut breaks = dir.narrowed();
                    breaks.push(Party::Rust);
                    self.push(
                        ChangeKind::EnumValueRemoved,
                        at,
                        true,
                        breaks,
                        format!("{word} enum value {} removed", value_text(v)),
                    );
                }
            }
            (None, Some(b)) => {
                let mut breaks = dir.narrowed();
                breaks.push(Party::Rust);
                self.push(
                    ChangeKind::EnumValueRemoved,
                    at,
                    false,
                    breaks,
                    format!("{word} value is now limited to the enum {}", values_text(b)),
                );
            }
            (Some(a), None) => {
                let mut breaks = dir.widened();
                breaks.push(Party::Rust);
                self.push(
                    ChangeKind::EnumValueAdded,
                    at,
                    false,
                    breaks,
                    format!(
                        "{word} value is no longer limited to the enum {}",
                        values_text(a)
                    ),
                );
            }
            (None, None) => {}
        }
    }

    fn object(&mut self, os: &Schema, ns: &Schema, at: &Pointers) {
        let dir = self.direction;
        let word = dir.word();
        for (name, prop) in &ns.properties {
            let escaped = escape_pointer(name);
            let here = at.join(
                &format!("/properties/{escaped}"),
                &format!("/properties/{escaped}"),
            );
            let was_required = os.required.contains(name);
            let is_required = ns.required.contains(name);
            match os.properties.iter().find(|(n, _)| n == name) {
                Some((_, old_prop)) => {
                    if was_required != is_required {
                        let (mut breaks, what) = match (dir, is_required) {
                            (Direction::Request, true) => (vec![Party::Client], "is now required"),
                            (Direction::Request, false) => (vec![Party::Server], "is now optional"),
                            (Direction::Response, true) => {
                                (vec![Party::Server], "is now always sent")
                            }
                            (Direction::Response, false) => {
                                (vec![Party::Client], "may now be absent")
                            }
                        };
                        breaks.push(Party::Rust);
                        self.push(
                            ChangeKind::PropertyRequiredChanged,
                            &here,
                            false,
                            breaks,
                            format!("{word} property `{name}` {what}"),
                        );
                    }
                    self.compare(old_prop, prop, &here);
                }
                None => {
                    // A required field is an argument of the model's `new`: Rust code that builds
                    // the model gets one more to pass.
                    let breaks = match (dir, is_required) {
                        (Direction::Request, true) => vec![Party::Client, Party::Rust],
                        (Direction::Response, true) => vec![Party::Server, Party::Rust],
                        (_, false) => Vec::new(),
                    };
                    let what = if is_required { "required" } else { "optional" };
                    self.push(
                        ChangeKind::PropertyAdded,
                        &here,
                        false,
                        breaks,
                        format!("{what} {word} property `{name}` added"),
                    );
                }
            }
        }
        for (name, _) in &os.properties {
            if ns.properties.iter().any(|(n, _)| n == name) {
                continue;
            }
            let escaped = escape_pointer(name);
            let here = at.join(&format!("/properties/{escaped}"), "");
            self.push(
                ChangeKind::PropertyRemoved,
                &here,
                true,
                vec![Party::Client, Party::Rust],
                format!("{word} property `{name}` removed"),
            );
        }
        // `required` names without a property (allowed by JSON Schema): compare them as names.
        for name in ns.required.iter().filter(|r| !os.required.contains(r)) {
            if ns.properties.iter().any(|(n, _)| n == name) {
                continue;
            }
            self.push(
                ChangeKind::PropertyRequiredChanged,
                at,
                false,
                dir.narrowed(),
                format!("{word} property `{name}` is now required"),
            );
        }
        let forbids = |a: &Additional| matches!(a, Additional::Forbidden);
        match (forbids(&os.additional), forbids(&ns.additional)) {
            (false, true) => self.push(
                ChangeKind::AdditionalPropertiesChanged,
                at,
                false,
                dir.narrowed(),
                format!("{word} object no longer allows other properties"),
            ),
            (true, false) => self.push(
                ChangeKind::AdditionalPropertiesChanged,
                at,
                false,
                dir.widened(),
                format!("{word} object now allows other properties"),
            ),
            _ => {}
        }
        if let (Additional::Schema(a), Additional::Schema(b)) = (&os.additional, &ns.additional) {
            let here = at.join("/additionalProperties", "/additionalProperties");
            self.compare(a, b, &here);
        }
    }

    fn composition(
        &mut self,
        key: &str,
        old: Option<&[Schema]>,
        new: Option<&[Schema]>,
        at: &Pointers,
    ) {
        let dir = self.direction;
        let word = dir.word();
        let (old, new) = (old.unwrap_or_default(), new.unwrap_or_default());
        for i in 0..old.len().min(new.len()) {
            let here = at.join(&format!("/{key}/{i}"), &format!("/{key}/{i}"));
            self.compare(&old[i], &new[i], &here);
        }
        let all_of = key == "allOf";
        if new.len() > old.len() {
            // More alternatives widen; more `allOf` members narrow.
            let mut breaks = if all_of {
                dir.narrowed()
            } else {
                dir.widened()
            };
            breaks.push(Party::Rust);
            let here = at.join("", &format!("/{key}/{}", old.len()));
            self.push(
                ChangeKind::CompositionChanged,
                &here,
                false,
                breaks,
                format!("{word} `{key}` gained {} member(s)", new.len() - old.len()),
            );
        } else if old.len() > new.len() {
            let mut breaks = if all_of {
                dir.widened()
            } else {
                dir.narrowed()
            };
            breaks.push(Party::Rust);
            let here = at.join(&format!("/{key}/{}", new.len()), "");
            self.push(
                ChangeKind::CompositionChanged,
                &here,
                true,
                breaks,
                format!("{word} `{key}` lost {} member(s)", old.len() - new.len()),
            );
        }
    }
}

fn kind_word(kind: &Kind) -> &str {
    match kind {
        Kind::String => "string",
        Kind::Integer => "integer",
        Kind::Number => "number",
        Kind::Boolean => "boolean",
        Kind::Array => "array",
        Kind::Object => "object",
        Kind::Unknown(other) => other,
    }
}

fn value_text(v: &Value) -> String {
    v.to_string()
}

fn values_text(values: &[Value]) -> String {
    let texts: Vec<String> = values.iter().map(Value::to_string).collect();
    format!("[{}]", texts.join(", "))
}
