//! Security: the schemes of `components.securitySchemes`, and what each operation requires of
//! them (its own `security`, or the document's default; `security: []` makes it public).

use serde_json::Value;

use super::Normalizer;
use crate::error::{Diagnostic, escape_pointer};
use crate::ir::{ApiKeyLocation, Requirement, SchemeKind, SchemeUse, Security, SecurityScheme};

impl<'a> Normalizer<'a> {
    /// Every scheme of `components.securitySchemes`; one that cannot be read is an error naming
    /// its pointer.
    pub(super) fn security_schemes(&mut self) -> Vec<SecurityScheme> {
        let Some(schemes) = self
            .root
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, scheme) in schemes {
            let pointer = format!("/components/securitySchemes/{}", escape_pointer(name));
            let scheme = match scheme.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                    Some(target) => target,
                    None => {
                        self.diags.push(Diagnostic::error(
                            format!("{pointer}/$ref"),
                            format!(
                                "security scheme `{name}` refers to `{r}`, which does not exist"
                            ),
                        ));
                        continue;
                    }
                },
                None => scheme,
            };
            if let Some(kind) = self.scheme_kind(name, scheme, &pointer) {
                out.push(SecurityScheme {
                    name: name.clone(),
                    kind,
                    description: scheme
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    pointer,
                });
            }
        }
        out
    }

    fn scheme_kind(&mut self, name: &str, scheme: &Value, pointer: &str) -> Option<SchemeKind> {
        let text = |key: &str| scheme.get(key).and_then(Value::as_str);
        let mut error = |at: &str, message: String| {
            self.diags
                .push(Diagnostic::error(format!("{pointer}{at}"), message));
            None
        };
        match text("type") {
            Some("apiKey") => {
                let location = match text("in") {
                    Some("header") => ApiKeyLocation::Header,
                    Some("query") => ApiKeyLocation::Query,
                    Some("cookie") => ApiKeyLocation::Cookie,
                    Some(other) => {
                        return error(
                            "/in",
                            format!(
                                "apiKey scheme `{name}` is `in: {other}`; it must be header, query or cookie"
                            ),
                        );
                    }
                    None => {
                        return error(
                            "",
                            format!("apiKey scheme `{name}` has no `in` (header, query or cookie)"),
                        );
                    }
                };
                match text("name").filter(|n| !n.is_empty()) {
                    Some(key) => Some(SchemeKind::ApiKey {
                        location,
                        name: key.to_owned(),
                    }),
                    None => error(
                        "",
                        format!(
                            "apiKey scheme `{name}` has no `name` for its {} key",
                            location.as_str()
                        ),
                    ),
                }
            }
            Some("http") => match text("scheme").map(str::trim) {
                Some(s) if s.eq_ignore_ascii_case("basic") => Some(SchemeKind::Basic),
                Some(s) if s.eq_ignore_ascii_case("bearer") => Some(SchemeKind::Bearer {
                    format: text("bearerFormat").map(str::to_owned),
                }),
                Some(s) if is_token(s) => Some(SchemeKind::Http {
                    scheme: s.to_owned(),
                }),
                Some(s) => error(
                    "/scheme",
                    format!(
                        "http scheme `{name}` names `{s}`, which is not an HTTP authentication scheme name"
                    ),
                ),
                None => error(
                    "",
                    format!("http scheme `{name}` has no `scheme` (basic, bearer, …)"),
                ),
            },
            Some("oauth2") => {
                let mut scopes: Vec<String> = scheme
                    .get("flows")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|flows| flows.values())
                    .filter_map(|flow| flow.get("scopes").and_then(Value::as_object))
                    .flat_map(|s| s.keys().cloned())
                    .collect();
                scopes.sort();
                scopes.dedup();
                Some(SchemeKind::OAuth2 { scopes })
            }
            Some("openIdConnect") => Some(SchemeKind::OpenIdConnect {
                url: text("openIdConnectUrl").unwrap_or_default().to_owned(),
            }),
            Some("mutualTLS") => {
                self.diags.push(Diagnostic::warning(
                    pointer,
                    format!("security scheme `{name}` is mutualTLS: the client certificate is presented in the TLS handshake: the client presents the identity given to its builder's setter named after the scheme; put TLS termination with client-certificate verification in front of the generated server"),
                ));
                Some(SchemeKind::MutualTls)
            }
            Some(other) => error(
                "/type",
                format!(
                    "security scheme `{name}` has type `{other}`; OpenAPI knows apiKey, http, oauth2, openIdConnect and mutualTLS"
                ),
            ),
            None => error("", format!("security scheme `{name}` has no `type`")),
        }
    }

    /// What an operation requires: its own `security` (or the document's), alternatives of
    /// combinations with scopes. A requirement naming an undefined scheme is an error.
    pub(super) fn requirement(
        &mut self,
        requirements: Option<&Value>,
        pointer: &str,
        opid: Option<&str>,
        schemes: &[SecurityScheme],
    ) -> (Security, Requirement) {
        let Some(reqs) = requirements else {
            return (Security::Public, Requirement::default());
        };
        let Some(reqs) = reqs.as_array() else {
            self.diags.push(
                Diagnostic::error(
                    format!("{pointer}/security"),
                    "`security` must be a list of requirement objects",
                )
                .in_operation(opid),
            );
            return (Security::Public, Requirement::default());
        };
        let mut alternatives = Vec::new();
        for (i, req) in reqs.iter().enumerate() {
            let Some(req) = req.as_object() else {
                self.diags.push(
                    Diagnostic::error(
                        format!("{pointer}/security/{i}"),
                        "a security requirement must be an object of scheme names",
                    )
                    .in_operation(opid),
                );
                continue;
            };
            let mut alternative = Vec::new();
            for (name, scopes) in req {
                let declared = self
                    .root
                    .pointer("/components/securitySchemes")
                    .and_then(Value::as_object)
                    .is_some_and(|s| s.contains_key(name));
                if !declared {
                    self.diags.push(
                        Diagnostic::error(
                            format!("{pointer}/security/{i}/{}", escape_pointer(name)),
                            format!("security scheme `{name}` is not defined in `components.securitySchemes`"),
                        )
                        .in_operation(opid),
                    );
                    continue;
                }
                if !schemes.iter().any(|s| &s.name == name) {
                    // Declared but unreadable: its own error says why.
                    continue;
                }
                let scopes = scopes
                    .as_array()
                    .map(|s| {
                        s.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                alternative.push(SchemeUse {
                    scheme: name.clone(),
                    scopes,
                });
            }
            if !alternatives.contains(&alternative) {
                alternatives.push(alternative);
            }
        }
        let requirement = Requirement { alternatives };
        let security = if requirement.credentialed().next().is_none() {
            Security::Public
        } else if requirement.allows_anonymous() {
            Security::Optional
        } else {
            Security::Required
        };
        (security, requirement)
    }
}

/// Whether `s` can be an `Authorization` scheme word (an RFC 9110 token).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}
