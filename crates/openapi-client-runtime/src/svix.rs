//! Svix's conventions, one named part of the policy: only documents whose servers are Svix's
//! regional hosts get them (`Facade::SVIX_CONVENTIONS`). A token ending in `.<region>` picks
//! the regional host, and every request carries `svix-req-id` (one per call, the same on its
//! retries) and, on retries, `svix-retry-count` — as Svix's official SDKs send them.

use reqwest::header::HeaderName;

/// The request id header (one random id per call).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("svix-req-id");
/// The retry count header (on retries only).
pub const RETRY_COUNT: HeaderName = HeaderName::from_static("svix-retry-count");

/// The base URL for a token: a token ending in `.<region>` (Svix's `.us`, `.eu`, …) goes to the
/// server whose host names that region (`https://api.eu.svix.com`); any other token to the first
/// server whose host names no region, else to the first server.
pub fn server_url_for_token<'s>(token: &str, servers: &[&'s str]) -> Option<&'s str> {
    let region = token
        .rsplit_once('.')
        .map(|(_, r)| r)
        .filter(|r| (2..=3).contains(&r.len()) && r.chars().all(|c| c.is_ascii_lowercase()));
    let host = |url: &str| {
        url.split("://")
            .nth(1)
            .unwrap_or(url)
            .split(['/', ':'])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let labels = |url: &str| host(url).split('.').map(str::to_owned).collect::<Vec<_>>();
    if let Some(region) = region
        && let Some(server) = servers
            .iter()
            .find(|s| labels(s).iter().any(|l| l == region))
    {
        return Some(server);
    }
    // A server named `<x>.<region>.<domain>` beside a regionless `<x>.<domain>`: prefer the latter.
    servers
        .iter()
        .find(|s| labels(s).len() <= 3)
        .or_else(|| servers.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::server_url_for_token;

    const SVIX: &[&str] = &[
        "https://api.svix.com",
        "https://api.eu.svix.com",
        "https://api.us.svix.com",
        "https://api.ca.svix.com",
        "https://api.au.svix.com",
        "https://api.in.svix.com",
    ];

    #[test]
    fn region_comes_from_the_token_suffix_among_the_documents_servers() {
        for (token, url) in [
            ("testsk_abc.us", "https://api.us.svix.com"),
            ("testsk_abc.eu", "https://api.eu.svix.com"),
            ("testsk_abc.ca", "https://api.ca.svix.com"),
            ("testsk_abc.au", "https://api.au.svix.com"),
            ("testsk_abc.in", "https://api.in.svix.com"),
            ("testsk_abc", "https://api.svix.com"),
            ("testsk_abc.zz", "https://api.svix.com"),
            ("testsk.abc.defghijk", "https://api.svix.com"),
        ] {
            assert_eq!(server_url_for_token(token, SVIX), Some(url), "{token}");
        }
        assert_eq!(
            server_url_for_token("t.eu", &["https://x.example.com/v1"]),
            Some("https://x.example.com/v1")
        );
        assert_eq!(server_url_for_token("t", &[]), None);
    }
}
