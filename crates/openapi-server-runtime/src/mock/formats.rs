//! Scalars for the synthesizer: strings of each `format`, strings matching a `pattern` (with
//! `rand_regex`), and numeric bounds.

use rand::RngExt;
use rand::rngs::StdRng;
use regex_syntax::hir::{Hir, HirKind};
use serde_json::{Map, Value, json};

/// The range a number must fall in, from its bounds and format (exclusive bounds made inclusive).
pub(crate) struct Bounds {
    pub low: f64,
    pub high: f64,
}

/// Integers beyond this are not exactly representable as `f64`; synthesized ones stay inside.
const SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

impl Bounds {
    pub(crate) fn of(obj: &Map<String, Value>, integer: bool) -> Self {
        let number = |k: &str| obj.get(k).and_then(Value::as_f64);
        let (mut low, mut high) = match obj.get("format").and_then(Value::as_str) {
            Some("int8") => (i8::MIN as f64, i8::MAX as f64),
            Some("uint8") => (0.0, u8::MAX as f64),
            Some("int16") => (i16::MIN as f64, i16::MAX as f64),
            Some("uint16") => (0.0, u16::MAX as f64),
            Some("int32") => (i32::MIN as f64, i32::MAX as f64),
            Some("uint32") => (0.0, u32::MAX as f64),
            Some("uint64" | "uint") => (0.0, SAFE_INTEGER),
            Some("float") => (-f32::MAX as f64, f32::MAX as f64),
            _ => (-SAFE_INTEGER, SAFE_INTEGER),
        };
        // The smallest step that keeps an exclusive bound exclusive.
        let step = |v: f64| {
            if integer {
                1.0
            } else {
                (v.abs() * 1e-9).max(1e-6)
            }
        };
        if let Some(v) = number("minimum") {
            low = low.max(v);
        }
        if let Some(v) = number("exclusiveMinimum") {
            low = low.max(if integer {
                v.floor() + 1.0
            } else {
                v + step(v)
            });
        }
        if let Some(v) = number("maximum") {
            high = high.min(v);
        }
        if let Some(v) = number("exclusiveMaximum") {
            high = high.min(if integer { v.ceil() - 1.0 } else { v - step(v) });
        }
        if integer {
            low = low.ceil();
            high = high.floor();
        }
        Self { low, high }
    }
}

/// `value` as a JSON integer or number.
pub(crate) fn number_value(value: f64, integer: bool) -> Value {
    if !value.is_finite() {
        return json!(0);
    }
    if integer {
        let v = value.round();
        if v >= 0.0 && v > i64::MAX as f64 {
            json!(v as u64)
        } else {
            json!(v as i64)
        }
    } else {
        json!(value)
    }
}

/// A string of `format`, or `None` for a format this does not know (the caller falls back to
/// plain text).
pub(crate) fn string_of_format(format: &str, rng: &mut StdRng, dynamic: bool) -> Option<String> {
    let fixed = |s: &str| Some(s.to_owned());
    match format {
        "date-time" => Some(if dynamic {
            let secs = rng.random_range(946_684_800i64..1_893_456_000);
            chrono::DateTime::from_timestamp(secs, 0)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_else(|| "2024-01-01T00:00:00Z".to_owned())
        } else {
            "2024-01-01T00:00:00Z".to_owned()
        }),
        "date" => Some(if dynamic {
            format!(
                "{}-{:02}-{:02}",
                rng.random_range(2000..2030),
                rng.random_range(1..=12),
                rng.random_range(1..=28)
            )
        } else {
            "2024-01-01".to_owned()
        }),
        "time" => fixed("12:00:00Z"),
        "duration" => fixed("P1D"),
        "uuid" | "guid" => Some(if dynamic {
            let bits: u128 = rng.random();
            let v = (bits & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
            let h = format!("{v:032x}");
            format!(
                "{}-{}-{}-{}-{}",
                &h[0..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..32]
            )
        } else {
            "3fa85f64-5717-4562-b3fc-2c963f66afa6".to_owned()
        }),
        "email" | "idn-email" => Some(if dynamic {
            format!("user{}@example.com", rng.random_range(1..10_000))
        } else {
            "user@example.com".to_owned()
        }),
        "hostname" | "idn-hostname" => fixed("example.com"),
        "ipv4" => Some(if dynamic {
            format!("192.0.2.{}", rng.random_range(1..255))
        } else {
            "192.0.2.1".to_owned()
        }),
        "ipv6" => fixed("2001:db8::1"),
        "uri" | "url" | "iri" => Some(if dynamic {
            format!("https://example.com/{}", rng.random_range(1..10_000))
        } else {
            "https://example.com/".to_owned()
        }),
        "uri-reference" | "iri-reference" => fixed("/example"),
        "uri-template" => fixed("https://example.com/{id}"),
        "json-pointer" => fixed("/example"),
        "relative-json-pointer" => fixed("0"),
        "regex" => fixed("^[a-z]+$"),
        "byte" => fixed("bW9jaw=="),
        "password" => fixed("password"),
        "int32" | "int64" | "integer" | "decimal" | "number" | "double" | "float" => fixed("1"),
        _ => None,
    }
}

/// A generator of strings matching an ECMA-262 `pattern`: anchors dropped (a generated string
/// is the whole match), `\d`, `\w` and `\s` read as ASCII as ECMA does; `None` when the
/// pattern cannot be generated from (back-references, look-arounds).
pub(crate) fn pattern_generator(pattern: &str) -> Option<rand_regex::Regex> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(&ascii_classes(&without_lookarounds(pattern)))
        .ok()?;
    rand_regex::Regex::with_hir(without_looks(hir), 8).ok()
}

/// `pattern` without its look-around groups (`(?!…)`, `(?=…)`, `(?<!…)`, `(?<=…)`), which
/// the generator cannot read: what it generates then may break one, and the engine's validator
/// sends it back for another try.
fn without_lookarounds(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            out.push(c);
            if let Some(next) = chars.get(i + 1) {
                out.push(*next);
            }
            i += 2;
            continue;
        }
        if in_class {
            in_class = c != ']';
            out.push(c);
            i += 1;
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
        let look = ["(?!", "(?=", "(?<!", "(?<="]
            .iter()
            .any(|p| rest.starts_with(p));
        if look {
            // Skip to the matching close parenthesis.
            let mut depth = 0usize;
            let mut j = i;
            let mut class = false;
            while j < chars.len() {
                match chars[j] {
                    '\\' => j += 1,
                    '[' if !class => class = true,
                    ']' if class => class = false,
                    '(' if !class => depth += 1,
                    ')' if !class => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            i = j + 1;
            continue;
        }
        in_class = c == '[';
        out.push(c);
        i += 1;
    }
    out
}

/// `pattern` with `\d`, `\w`, `\s` (and their negations) as ASCII classes.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let class = match next {
                    'd' => Some("0-9"),
                    'w' => Some("A-Za-z0-9_"),
                    's' => Some(" \\t\\n\\r\\f\\v"),
                    'D' if !in_class => Some("^0-9"),
                    'W' if !in_class => Some("^A-Za-z0-9_"),
                    'S' if !in_class => Some("^ \\t\\n\\r\\f\\v"),
                    _ => None,
                };
                match class {
                    Some(c) if in_class => out.push_str(c),
                    Some(c) => {
                        out.push('[');
                        out.push_str(c);
                        out.push(']');
                    }
                    None => {
                        out.push('\\');
                        out.push(next);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `hir` with every assertion (`^`, `$`, `\b`) replaced by the empty match, and repetitions
/// capped at four beyond their minimum.
fn without_looks(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Repetition(mut r) => {
            r.sub = Box::new(without_looks(*r.sub));
            // A few repeats beyond the least: `{0,62}` stays short enough for a `maxLength`.
            r.max = Some(r.max.map_or(r.min + 4, |max| max.min(r.min + 4)));
            Hir::repetition(r)
        }
        HirKind::Capture(mut c) => {
            c.sub = Box::new(without_looks(*c.sub));
            Hir::capture(c)
        }
        HirKind::Concat(list) => Hir::concat(list.into_iter().map(without_looks).collect()),
        HirKind::Alternation(list) => {
            Hir::alternation(list.into_iter().map(without_looks).collect())
        }
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Class(c) => Hir::class(c),
    }
}
