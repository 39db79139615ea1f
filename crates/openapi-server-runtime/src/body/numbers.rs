//! Which JSON numbers are integers, by the document's dialect. OpenAPI 3.1 (JSON Schema
//! 2020-12) counts every number with a zero fraction as one (`-168.0`, `1e3`); OpenAPI 3.0
//! (draft 4/5) only numbers written without a fraction or an exponent.

use serde_json::Value;

use crate::validate::{Dialect, Validator};

/// 2⁶³, exactly: the first float beyond `i64`.
const I64_END: f64 = 9_223_372_036_854_775_808.0;
/// 2⁶⁴, exactly: the first float beyond `u64`.
const U64_END: f64 = 18_446_744_073_709_551_616.0;

/// Prepares the numbers of `value`, parsed from `text`, for the integer checks.
///
/// In an OpenAPI 3.1 document every number with a zero fraction that fits in 64 bits is written
/// as the integer it is, so `type: integer` accepts it and the Rust integer types read it (a
/// `number` reads it unchanged). In a 3.0 one values stay as written; a number beyond 64 bits
/// written with a fraction or an exponent (`1e20`) is recorded in `val`, so that the integer
/// check tells it from an integer literal of the same value (which it parses to).
pub(crate) fn integral_numbers(value: &mut Value, text: &[u8], val: &mut Validator) {
    match val.dialect() {
        Dialect::OpenApi31 => zero_fractions_as_integers(value),
        Dialect::OpenApi30 => {
            for f in large_non_integer_literals(text) {
                val.written_with_fraction(f);
            }
        }
    }
}

/// Whether `f` is outside what `i64` and `u64` hold.
pub(crate) fn beyond_64_bits(f: f64) -> bool {
    !(-I64_END..U64_END).contains(&f)
}

fn zero_fractions_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0) else {
                return;
            };
            // In range and integral: each conversion is exact.
            if (-I64_END..I64_END).contains(&f) {
                *value = Value::from(f as i64);
            } else if (I64_END..U64_END).contains(&f) {
                *value = Value::from(f as u64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(zero_fractions_as_integers),
        Value::Object(map) => map.values_mut().for_each(zero_fractions_as_integers),
        _ => {}
    }
}

/// The values beyond 64 bits of the number tokens of JSON `text` written with a fraction or an
/// exponent. Text inside strings is skipped; `text` is valid JSON (it was parsed).
fn large_non_integer_literals(text: &[u8]) -> Vec<f64> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < text.len()
                    && matches!(text[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                let token = &text[start..i];
                if token.iter().any(|b| matches!(b, b'.' | b'e' | b'E'))
                    && let Some(f) = std::str::from_utf8(token)
                        .ok()
                        .and_then(|t| t.parse::<f64>().ok())
                    && beyond_64_bits(f)
                {
                    found.push(f);
                }
            }
            _ => i += 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str, dialect: Dialect) -> (Value, Validator) {
        let mut val = Validator::with_dialect(dialect);
        let mut value: Value = serde_json::from_str(text).unwrap_or_default();
        integral_numbers(&mut value, text.as_bytes(), &mut val);
        (value, val)
    }

    #[test]
    fn numbers_with_a_zero_fraction_are_integers_in_openapi_3_1_and_others_stay() {
        let text = r#"{"a": -168.0, "b": [1e3, 2.5], "c": 1e300, "d": 7, "e": 1.8e19}"#;
        let (value, _) = read(text, Dialect::OpenApi31);
        let e = 18_000_000_000_000_000_000_u64;
        assert_eq!(
            value,
            json!({"a": -168, "b": [1000, 2.5], "c": 1e300, "d": 7, "e": e})
        );
    }

    #[test]
    fn numbers_keep_the_form_they_were_written_in_in_openapi_3_0() {
        let (value, _) = read(r#"{"a": -168.0, "b": [1e3, 7]}"#, Dialect::OpenApi30);
        assert!(value["a"].is_f64() && value["b"][0].is_f64(), "{value}");
        assert!(value["b"][1].is_i64(), "{value}");
    }

    #[test]
    fn large_numbers_with_an_exponent_are_told_from_integer_literals_outside_strings() {
        let found = large_non_integer_literals(
            br#"{"a": 1e20, "b": 100000000000000000000, "c": "2e30 \" 3.5e40", "d": [-4.0e25, 1.5]}"#,
        );
        assert_eq!(found, vec![1e20, -4.0e25]);
    }
}
