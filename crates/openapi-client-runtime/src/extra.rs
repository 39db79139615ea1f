//! Parameters the facade sends itself: those the generated client cannot take (two parameters
//! whose Rust names are the same, such as `MaxResults` and `maxResults`), added to each attempt's
//! query string or headers by the hooks.

use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use crate::error::Error;

/// Query parameters and headers added to every attempt of a call.
#[derive(Debug, Clone, Default)]
pub struct ExtraParams {
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// `name=value` pairs for the `Cookie` header.
    pub(crate) cookies: Vec<String>,
}

impl ExtraParams {
    /// None.
    pub fn new() -> Self {
        Self::default()
    }

    /// Query parameter `name` with `value` (absent: not sent); a list is repeated when
    /// `explode` (`a=1&a=2`), else comma-separated.
    pub fn query<T: serde::Serialize>(
        self,
        name: &str,
        value: Option<&T>,
        explode: bool,
    ) -> Result<Self, Error> {
        self.delimited(name, value, ',', explode)
    }

    /// Header `name` with `value` (absent: not sent; a list comma-separated).
    pub fn header<T: serde::Serialize>(
        mut self,
        name: &str,
        value: Option<&T>,
    ) -> Result<Self, Error> {
        let Some(value) = value else { return Ok(self) };
        let Some(value) = simple(name, value)? else {
            return Ok(self);
        };
        let invalid = || Error::InvalidRequest(format!("header `{name}` cannot carry its value"));
        let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
        let header_value = HeaderValue::from_str(&value).map_err(|_| invalid())?;
        self.headers.push((header_name, header_value));
        Ok(self)
    }
}

impl ExtraParams {
    /// `deepObject` query parameter `name`: `name[key]=value` for every leaf of the object
    /// (lists as `name[key][0]`); absent: not sent.
    pub fn deep_object<T: serde::Serialize>(
        mut self,
        name: &str,
        value: Option<&T>,
    ) -> Result<Self, Error> {
        let Some(value) = value else { return Ok(self) };
        fn leaves(prefix: String, value: &Value, out: &mut Vec<(String, String)>) {
            match value {
                Value::Null => {}
                Value::Object(map) => {
                    for (k, v) in map {
                        leaves(format!("{prefix}[{k}]"), v, out);
                    }
                }
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        leaves(format!("{prefix}[{i}]"), v, out);
                    }
                }
                scalar => out.push((prefix, text(scalar))),
            }
        }
        leaves(name.to_owned(), &json(name, value)?, &mut self.query);
        Ok(self)
    }

    /// `spaceDelimited` (`separator` `' '`) or `pipeDelimited` (`'|'`) query parameter `name`:
    /// a list in one value (repeated when `explode`); absent: not sent.
    pub fn delimited<T: serde::Serialize>(
        mut self,
        name: &str,
        value: Option<&T>,
        separator: char,
        explode: bool,
    ) -> Result<Self, Error> {
        let Some(value) = value else { return Ok(self) };
        match json(name, value)? {
            Value::Null => {}
            Value::Array(items) if explode => {
                for item in &items {
                    self.query.push((name.to_owned(), text(item)));
                }
            }
            Value::Array(items) => {
                let joined: Vec<String> = items.iter().map(text).collect();
                self.query
                    .push((name.to_owned(), joined.join(&separator.to_string())));
            }
            other => self.query.push((name.to_owned(), text(&other))),
        }
        Ok(self)
    }

    /// Cookie `name` with `value` (absent: not sent; a list comma-separated, as the `form`
    /// style writes it unexploded). A value a cookie cannot carry is an error.
    pub fn cookie<T: serde::Serialize>(
        mut self,
        name: &str,
        value: Option<&T>,
    ) -> Result<Self, Error> {
        let Some(value) = value else { return Ok(self) };
        let Some(value) = simple(name, value)? else {
            return Ok(self);
        };
        let fits = |s: &str| {
            !s.is_empty()
                && s.bytes().all(|b| {
                    b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'=' | b'"' | b'\\')
                })
        };
        if !fits(name)
            || !value
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b'"' | b'\\'))
        {
            return Err(Error::InvalidRequest(format!(
                "cookie `{name}` cannot carry its value"
            )));
        }
        self.cookies.push(format!("{name}={value}"));
        Ok(self)
    }
}

/// A header's or cookie's text: a scalar as itself, a list comma-separated (`None`: null).
fn simple<T: serde::Serialize>(name: &str, value: &T) -> Result<Option<String>, Error> {
    Ok(match json(name, value)? {
        Value::Null => None,
        Value::Array(items) => Some(items.iter().map(text).collect::<Vec<_>>().join(",")),
        other => Some(text(&other)),
    })
}

fn json<T: serde::Serialize>(name: &str, value: &T) -> Result<Value, Error> {
    serde_json::to_value(value)
        .map_err(|e| Error::InvalidRequest(format!("parameter `{name}` could not be written: {e}")))
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_repeated_or_joined_and_absent_values_are_left_out() {
        let p = ExtraParams::new()
            .query("MaxResults", Some(&5), true)
            .unwrap()
            .query("Ids", Some(&vec![1, 2]), true)
            .unwrap()
            .query("Tags", Some(&vec!["a", "b"]), false)
            .unwrap()
            .query::<String>("Gone", None, true)
            .unwrap()
            .header("X-Trace", Some(&"t1"))
            .unwrap();
        assert_eq!(
            p.query,
            [
                ("MaxResults".to_owned(), "5".to_owned()),
                ("Ids".to_owned(), "1".to_owned()),
                ("Ids".to_owned(), "2".to_owned()),
                ("Tags".to_owned(), "a,b".to_owned())
            ]
        );
        assert_eq!(p.headers[0].1, "t1");
        assert!(ExtraParams::new().header("X-Bad", Some(&"a\nb")).is_err());
    }
}
