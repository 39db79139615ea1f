//! The string `format`s the router checks, as JSON Schema's format assertions define them (the
//! ones validators such as Prism's and schemathesis's check); any other format is an annotation.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Why `s` is not of `format`: its message and error type, or none when it is, or when `format`
/// is not one checked (`date-time`, `date`, `uuid`, `email`, `uri`, `uri-reference`, `ipv4`,
/// `ipv6`, `hostname`).
pub(crate) fn violation(format: &str, s: &str) -> Option<(&'static str, &'static str)> {
    let ok = match format {
        "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        "date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10,
        "uuid" => is_uuid(s),
        "email" => email_address::EmailAddress::is_valid(s),
        "uri" => fluent_uri::Uri::parse(s).is_ok(),
        "uri-reference" => fluent_uri::UriRef::parse(s).is_ok(),
        // Rust's parsers take only the dotted-quad form without leading zeros, and RFC 4291 text.
        "ipv4" => s.parse::<Ipv4Addr>().is_ok(),
        "ipv6" => s.parse::<Ipv6Addr>().is_ok(),
        "hostname" => is_hostname(s),
        _ => true,
    };
    if ok {
        return None;
    }
    Some(match format {
        "date-time" => ("invalid datetime format", "value_error.datetime"),
        "date" => ("invalid date format", "value_error.date"),
        "uuid" => ("value is not a valid uuid", "type_error.uuid"),
        "email" => ("value is not a valid email address", "value_error.email"),
        "uri" => ("value is not a valid URI", "value_error.uri"),
        "uri-reference" => (
            "value is not a valid URI reference",
            "value_error.uri_reference",
        ),
        "ipv4" => (
            "value is not a valid IPv4 address",
            "value_error.ipv4address",
        ),
        "ipv6" => (
            "value is not a valid IPv6 address",
            "value_error.ipv6address",
        ),
        _ => ("value is not a valid hostname", "value_error.hostname"),
    })
}

/// RFC 4122's hyphenated form: `8-4-4-4-12` hexadecimal digits.
fn is_uuid(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// RFC 1123 host name: dot-separated labels of 1–63 letters, digits and inner hyphens, at most
/// 253 characters (a trailing dot allowed).
fn is_hostname(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::violation;

    #[test]
    fn each_checked_format_accepts_its_values_and_refuses_others() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                "date-time",
                &["2024-01-01T12:00:00Z", "2017-04-05T10:43:07+00:00"],
                &["2024-01-01T12:99:00Z", "2024-01-01"],
            ),
            (
                "date",
                &["2024-02-29"],
                &["2023-02-29", "2024-1-1", "null,null"],
            ),
            (
                "uuid",
                &["eb1167b3-67a9-1378-bc65-c1e582e2e662"],
                &["null,null", "eb1167b367a91378bc65c1e582e2e662", ""],
            ),
            ("email", &["a@example.com"], &["a", "@example.com", ""]),
            (
                "uri",
                &["https://example.com/a?b#c", "urn:isbn:1"],
                &["/relative", "", "ht tp://x"],
            ),
            (
                "uri-reference",
                &["/relative", "https://example.com", ""],
                &["a b", "%zz"],
            ),
            ("ipv4", &["127.0.0.1"], &["256.0.0.1", "1.2.3", "01.2.3.4"]),
            (
                "ipv6",
                &["::1", "2001:db8::8a2e:370:7334"],
                &["::g", "1.2.3.4"],
            ),
            (
                "hostname",
                &["example.com", "localhost", "a-b.c."],
                &["-a.com", "a..b", "", "a_b.com"],
            ),
        ];
        for (format, valid, invalid) in cases {
            for v in *valid {
                assert_eq!(violation(format, v), None, "{format}: {v:?} is valid");
            }
            for v in *invalid {
                assert!(
                    violation(format, v).is_some(),
                    "{format}: {v:?} is not valid"
                );
            }
        }
        assert_eq!(violation("password", "anything"), None, "an annotation");
    }
}
