//! [`OperationSummary`]: each operation as a tool or a test outside the generator sees it —
//! method, path, whether a call needs inputs, and where its credentials go (the alternatives the
//! generated client and router apply, with the client builder's setter of each scheme).

use crate::document::Document;
use crate::ir::{ApiKeyLocation, SchemeKind};

/// Where one credential of a requirement travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialPlace {
    /// A request header of this name (an API key).
    Header(String),
    /// A query parameter of this name (an API key).
    Query(String),
    /// A cookie of this name (an API key).
    Cookie(String),
    /// `Authorization: Basic base64(user:password)`.
    Basic,
    /// `Authorization: <scheme word> <credential>` (`Bearer` for bearer, OAuth2, OpenID Connect).
    Authorization(String),
}

/// One scheme of a requirement's alternative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialUse {
    /// The scheme's name in `components.securitySchemes`.
    pub scheme: String,
    /// Where its credential goes.
    pub place: CredentialPlace,
    /// The generated client builder's setter for it.
    pub setter: String,
}

/// One operation of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationSummary {
    /// operationId (after renaming).
    pub id: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Whether a call needs a required parameter or a required body.
    pub needs_inputs: bool,
    /// Alternatives of its requirement as the generated code checks them (each: all of it).
    pub alternatives: Vec<Vec<CredentialUse>>,
    /// Whether calls without credentials are served.
    pub anonymous: bool,
}

impl Document {
    /// Every operation, summarized, in document order.
    pub fn operation_summaries(&self) -> Vec<OperationSummary> {
        let api = &self.api;
        let setters = crate::client::setter_names(api);
        let setter_of = |name: &str| {
            api.request_schemes()
                .position(|s| s.name == name)
                .and_then(|i| setters.get(i).cloned())
                .unwrap_or_default()
        };
        api.operations
            .iter()
            .map(|op| {
                let (named, anonymous) = op.requirement.checked(api);
                let alternatives = named
                    .iter()
                    .map(|alternative| {
                        alternative
                            .iter()
                            .filter_map(|name| {
                                let scheme =
                                    api.security_schemes.iter().find(|s| s.name == *name)?;
                                let place = match &scheme.kind {
                                    SchemeKind::ApiKey { location, name } => match location {
                                        ApiKeyLocation::Header => {
                                            CredentialPlace::Header(name.clone())
                                        }
                                        ApiKeyLocation::Query => {
                                            CredentialPlace::Query(name.clone())
                                        }
                                        ApiKeyLocation::Cookie => {
                                            CredentialPlace::Cookie(name.clone())
                                        }
                                    },
                                    SchemeKind::Basic => CredentialPlace::Basic,
                                    other => CredentialPlace::Authorization(
                                        other.authorization_scheme().unwrap_or("Bearer").to_owned(),
                                    ),
                                };
                                Some(CredentialUse {
                                    scheme: scheme.name.clone(),
                                    place,
                                    setter: setter_of(name),
                                })
                            })
                            .collect()
                    })
                    .collect();
                OperationSummary {
                    id: op.id.clone(),
                    method: op.method.to_ascii_uppercase(),
                    path: op.path.clone(),
                    needs_inputs: op.params.iter().any(|p| p.required)
                        || op.body.as_ref().is_some_and(|b| b.required),
                    alternatives,
                    anonymous,
                }
            })
            .collect()
    }
}
