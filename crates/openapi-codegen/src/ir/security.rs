//! Security in the IR: the schemes a document declares and what each operation requires of
//! them — alternatives (any one will do) of combinations (every scheme in it), with scopes.

/// Where an `apiKey` scheme carries its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApiKeyLocation {
    Header,
    Query,
    Cookie,
}

impl ApiKeyLocation {
    /// As the document writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Query => "query",
            Self::Cookie => "cookie",
        }
    }
}

/// How a scheme presents its credential on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SchemeKind {
    /// `apiKey`: a key in a header, a query parameter or a cookie named `name`.
    ApiKey {
        location: ApiKeyLocation,
        name: String,
    },
    /// `http` `basic`: `Authorization: Basic base64(user ":" password)`.
    Basic,
    /// `http` `bearer`: `Authorization: Bearer <token>` (`bearerFormat` is documentation).
    Bearer { format: Option<String> },
    /// Any other `http` scheme: `Authorization: <scheme> <credentials>`.
    Http { scheme: String },
    /// `oauth2` (any flow): an access token, sent as `Authorization: Bearer <token>`; the scopes
    /// its flows offer.
    OAuth2 { scopes: Vec<String> },
    /// `openIdConnect`: an access token, sent as `Authorization: Bearer <token>`.
    OpenIdConnect { url: String },
    /// `mutualTLS` (3.1): a client certificate presented in the TLS handshake, which neither the
    /// generated client's requests nor the generated router see.
    MutualTls,
}

impl SchemeKind {
    /// Whether the credential travels in `Authorization` as a bearer token.
    pub fn is_bearer_token(&self) -> bool {
        matches!(
            self,
            Self::Bearer { .. } | Self::OAuth2 { .. } | Self::OpenIdConnect { .. }
        )
    }

    /// The `Authorization` scheme word, for schemes sent there.
    pub fn authorization_scheme(&self) -> Option<&str> {
        match self {
            Self::Basic => Some("Basic"),
            Self::Bearer { .. } | Self::OAuth2 { .. } | Self::OpenIdConnect { .. } => {
                Some("Bearer")
            }
            Self::Http { scheme } => Some(scheme),
            Self::ApiKey { .. } | Self::MutualTls => None,
        }
    }
}

/// One entry of `components.securitySchemes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecurityScheme {
    /// Its key in `components.securitySchemes`.
    pub name: String,
    /// How it presents its credential.
    pub kind: SchemeKind,
    /// `description`.
    pub description: Option<String>,
    /// Pointer to it in the input document.
    pub pointer: String,
}

/// One scheme of a requirement, with the scopes the operation asks of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SchemeUse {
    /// The scheme's name (a key of `components.securitySchemes`).
    pub scheme: String,
    /// The scopes (OAuth2, OpenID Connect) or roles listed for it.
    pub scopes: Vec<String>,
}

/// What an operation requires: any one of `alternatives`, each met when every scheme in it is
/// presented. No alternatives: the operation is public. An empty alternative: anonymous calls
/// are allowed beside the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Requirement {
    /// In document order.
    pub alternatives: Vec<Vec<SchemeUse>>,
}

impl Requirement {
    /// Whether calls without any credential are served.
    pub fn allows_anonymous(&self) -> bool {
        self.alternatives.is_empty() || self.alternatives.iter().any(Vec::is_empty)
    }

    /// The alternatives that name at least one scheme.
    pub fn credentialed(&self) -> impl Iterator<Item = &Vec<SchemeUse>> {
        self.alternatives.iter().filter(|a| !a.is_empty())
    }

    /// The alternatives as generated code checks them — scheme names, duplicates removed, with
    /// mutualTLS (met at the TLS layer) left out — and whether anonymous calls are served (an
    /// empty alternative, or one of mutualTLS alone).
    pub fn checked<'r>(&'r self, api: &super::Api) -> (Vec<Vec<&'r str>>, bool) {
        let requests: Vec<&SecurityScheme> = api.request_schemes().collect();
        let mut anonymous = false;
        let mut alternatives: Vec<Vec<&str>> = Vec::new();
        for alternative in &self.alternatives {
            let names: Vec<&str> = alternative
                .iter()
                .filter(|u| requests.iter().any(|s| s.name == u.scheme))
                .map(|u| u.scheme.as_str())
                .collect();
            if names.is_empty() {
                anonymous = true;
            } else if !alternatives.contains(&names) {
                alternatives.push(names);
            }
        }
        (alternatives, anonymous)
    }
}
