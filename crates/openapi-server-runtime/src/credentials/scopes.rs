//! An operation's requirement as data (`security::…` in a generated server): what a credential
//! must grant, checked by the implementation (the router checks only that credentials are
//! presented; what a token grants is known to whoever issued it).

/// An operation's requirement: any one alternative (document order), each a list of schemes with
/// the scopes (OAuth2, OpenID Connect) or roles each must grant.
pub type Security = &'static [&'static [(&'static str, &'static [&'static str])]];

/// Whether `security` is met by what the presented credentials grant: some alternative whose
/// every scheme grants each scope it lists, by `grants(scheme, scope)`.
///
/// ```
/// let security: openapi_server_runtime::Security = &[&[("oauth", &["read", "write"])], &[("key", &[])]];
/// let token = ["read", "write"];
/// assert!(openapi_server_runtime::granted(security, |scheme, scope| {
///     scheme == "oauth" && token.contains(&scope)
/// }));
/// // The first alternative needs both scopes; the second (an API key) lists none.
/// let oauth_only: openapi_server_runtime::Security = &[&[("oauth", &["read", "write"])]];
/// assert!(!openapi_server_runtime::granted(oauth_only, |_, scope| scope == "read"));
/// ```
///
/// An alternative whose schemes list no scope is met by this check alone (the router has
/// already required its credentials).
pub fn granted(security: Security, grants: impl Fn(&str, &str) -> bool) -> bool {
    security.iter().any(|alternative| {
        alternative
            .iter()
            .all(|(scheme, scopes)| scopes.iter().all(|scope| grants(scheme, scope)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECURITY: Security = &[
        &[("oauth", &["read"]), ("key", &[])],
        &[("admin", &["all"])],
    ];

    #[test]
    fn an_alternative_is_met_when_each_of_its_schemes_grants_every_scope_it_lists() {
        assert!(granted(SECURITY, |s, x| s == "oauth" && x == "read"));
        assert!(granted(SECURITY, |s, x| s == "admin" && x == "all"));
        assert!(!granted(SECURITY, |s, x| s == "oauth" && x == "write"));
        assert!(
            !granted(&[], |_, _| true),
            "no alternative, nothing granted"
        );
    }
}
