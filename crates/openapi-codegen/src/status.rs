//! HTTP status codes as the document states them (`200`, `4XX`, `default`), and every way the
//! backends spell them.

use heck::ToUpperCamelCase;

/// Which status codes a response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Status {
    /// One code.
    Code(u16),
    /// A range such as `4XX` (the digit).
    Range(u8),
    /// `default`.
    Default,
}

impl Status {
    /// Reads a `responses` key; `None` when it is not a status code, a range or `default`.
    pub fn parse(key: &str) -> Option<Self> {
        match key {
            "default" => Some(Self::Default),
            s if s.len() == 3 && s.is_ascii() && s[1..].eq_ignore_ascii_case("xx") => {
                match s[..1].parse::<u8>() {
                    Ok(d @ 1..=5) => Some(Self::Range(d)),
                    _ => None,
                }
            }
            s => match s.parse::<u16>() {
                Ok(c @ 100..=599) => Some(Self::Code(c)),
                _ => None,
            },
        }
    }

    /// Whether the response is a success (2xx).
    pub fn is_success(self) -> bool {
        match self {
            Self::Code(c) => (200..300).contains(&c),
            Self::Range(r) => r == 2,
            Self::Default => false,
        }
    }

    /// The `responses` key: `200`, `4XX`, `default`.
    pub fn key(self) -> String {
        match self {
            Self::Code(c) => c.to_string(),
            Self::Range(d) => format!("{d}XX"),
            Self::Default => "default".into(),
        }
    }

    /// The label in documentation: `200`, `4XX`, `Any other status`.
    pub fn label(self) -> String {
        match self {
            Self::Default => "Any other status".into(),
            other => other.key(),
        }
    }

    /// A word usable in type names: `Ok`, `NotFound`, `Status418`, `Status4xx`, `Default`.
    pub fn word(self) -> String {
        match self {
            Self::Default => "Default".into(),
            Self::Range(d) => format!("Status{d}xx"),
            Self::Code(c) => match reason(c) {
                Some(r) => r.to_upper_camel_case(),
                None => format!("Status{c}"),
            },
        }
    }

    /// The codes it covers, as an inclusive range.
    pub fn codes(self) -> (u16, u16) {
        match self {
            Self::Code(c) => (c, c),
            Self::Range(d) => (u16::from(d) * 100, u16::from(d) * 100 + 99),
            Self::Default => (100, 599),
        }
    }
}

/// The reason phrase of the codes that have a well-known one.
fn reason(code: u16) -> Option<&'static str> {
    Some(match code {
        200 => "ok",
        201 => "created",
        202 => "accepted",
        204 => "no content",
        301 => "moved permanently",
        302 => "found",
        303 => "see other",
        304 => "not modified",
        307 => "temporary redirect",
        308 => "permanent redirect",
        400 => "bad request",
        401 => "unauthorized",
        402 => "payment required",
        403 => "forbidden",
        404 => "not found",
        405 => "method not allowed",
        406 => "not acceptable",
        408 => "request timeout",
        409 => "conflict",
        410 => "gone",
        412 => "precondition failed",
        413 => "payload too large",
        415 => "unsupported media type",
        422 => "unprocessable entity",
        429 => "too many requests",
        500 => "internal server error",
        501 => "not implemented",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::Status;

    #[test]
    fn keys_words_and_labels_round_trip() {
        for (key, word, label) in [
            ("200", "Ok", "200"),
            ("418", "Status418", "418"),
            ("4XX", "Status4xx", "4XX"),
            ("default", "Default", "Any other status"),
        ] {
            let s = Status::parse(key).expect(key);
            assert_eq!(
                (s.key().as_str(), s.word().as_str(), s.label().as_str()),
                (key, word, label)
            );
        }
        assert_eq!(Status::parse("4xx"), Some(Status::Range(4)));
        for bad in ["600", "99", "6XX", "2X", "ok", "", "é1", "1é"] {
            assert_eq!(Status::parse(bad), None, "{bad}");
        }
    }
}
