//! The reference implementation of the generated [`Api`] trait, with Svix's semantics.

use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::json;
use svix_auth_models::*;
use svix_auth_server::runtime::Bearer;
use svix_auth_server::*;

mod failure;

use failure::Failure;

use crate::secret::{self, TokenHash};
use crate::store::{App, Credential, Cutoff, NewToken, Store, TokenKind, TokenRecord};

/// 9999-12-31T23:59:59.999Z, the last instant RFC 3339 `date-time` can write.
const LATEST_MS: i64 = 253_402_300_799_999;

/// Default lifetime of an app portal session: 7 days.
pub const DEFAULT_PORTAL_TTL_SECS: u64 = 604_800;

/// Settings of the service.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Base of magic links (`<portal_url>/login#key=…`).
    pub portal_url: String,
    /// This server's public base URL, put into magic links as `serverUrl`.
    pub server_url: String,
    /// How long the one-time token of a magic link can be exchanged, in seconds.
    pub one_time_token_ttl_secs: u64,
}

/// The authentication service: the store (which also holds the admin credential's hash, read
/// on every request so that a rotation by any instance holds at once) and the settings.
pub struct AuthService {
    store: Store,
    config: ServiceConfig,
}

/// Who is calling.
enum Principal {
    /// The organization (admin) token.
    Admin,
    /// A token the API issued, scoped to one app.
    Issued {
        hash: TokenHash,
        record: TokenRecord,
    },
}

fn timestamp(ms: i64) -> Result<DateTime<Utc>, Failure> {
    DateTime::from_timestamp_millis(ms).ok_or(Failure::Internal)
}

fn secs_to_ms(secs: u64) -> Option<i64> {
    i64::try_from(secs).ok()?.checked_mul(1000)
}

impl AuthService {
    /// How long a magic link's one-time token can be exchanged, in milliseconds.
    pub fn one_time_token_ttl_ms(&self) -> i64 {
        i64::try_from(self.config.one_time_token_ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX)
    }

    /// The public base URL its magic links name as `serverUrl`.
    pub fn server_url(&self) -> String {
        self.config.server_url.clone()
    }

    /// A service over `store`.
    pub fn new(store: Store, config: ServiceConfig) -> Self {
        Self { store, config }
    }

    fn now_ms(&self) -> i64 {
        self.store.now_ms()
    }

    async fn authenticate(&self, bearer: &Bearer) -> Result<Principal, Failure> {
        let h = secret::hash(bearer.token());
        match self.store.authenticate(h, self.now_ms()).await? {
            Some(Credential::Admin) => Ok(Principal::Admin),
            Some(Credential::Token(record)) => Ok(Principal::Issued { hash: h, record }),
            None => Err(Failure::Unauthorized(
                "the token is unknown, expired or revoked".into(),
            )),
        }
    }

    /// Organization-level operations take only the admin token.
    async fn require_admin(&self, bearer: &Bearer) -> Result<(), Failure> {
        match self.authenticate(bearer).await? {
            Principal::Admin => Ok(()),
            Principal::Issued { record, .. } => Err(Failure::Forbidden(match record.kind {
                TokenKind::Message => {
                    "a message token cannot call authentication operations".into()
                }
                _ => {
                    "this operation needs the organization token; application tokens cannot call it"
                        .into()
                }
            })),
        }
    }

    /// The admin-only prologue of the organization-level operations on an existing app.
    async fn existing_app_for_admin(&self, auth: &Bearer, app_id: String) -> Result<App, Failure> {
        self.require_admin(auth).await?;
        self.find_app(app_id.clone())
            .await?
            .ok_or_else(|| Failure::NotFound(format!("application `{app_id}` does not exist")))
    }

    async fn find_app(&self, id_or_uid: String) -> Result<Option<App>, Failure> {
        Ok(self.store.find_app(id_or_uid).await?)
    }

    /// Issues a portal session token and a one-time token for `app`; returns `(url, token)`.
    async fn portal_access(
        &self,
        app: &App,
        expiry_secs: u64,
        feature_flags: Vec<String>,
        read_only: bool,
    ) -> Result<(String, String), Failure> {
        let now = self.now_ms();
        let ttl = secs_to_ms(expiry_secs).ok_or(Failure::Invalid(
            vec!["body", "expiry"],
            "expiry is out of range".into(),
        ))?;
        let session = secret::new_token("appsk_");
        let one_time = secret::new_token("ott_");
        let record = |kind, expires_at, session_ttl_ms| TokenRecord {
            id: secret::random_string("key_", 16),
            kind,
            app_id: app.id.clone(),
            created_at: now,
            expires_at: Some(expires_at),
            name: None,
            feature_flags: feature_flags.clone(),
            read_only,
            scopes: vec![],
            session_ttl_ms,
        };
        let ott_ttl = secs_to_ms(self.config.one_time_token_ttl_secs).unwrap_or(300_000);
        let tokens = [
            (session.clone(), record(TokenKind::Portal, now + ttl, None)),
            (
                one_time.clone(),
                record(TokenKind::OneTime, now + ott_ttl, Some(ttl)),
            ),
        ];
        self.store
            .insert_tokens(
                tokens
                    .into_iter()
                    .map(|(secret, record)| NewToken { secret, record })
                    .collect(),
            )
            .await?;
        // `readOnly` and `featureFlags` beside the three fields Svix's links carry, so the portal
        // page can show them.
        let key = json!({
            "appId": app.id,
            "oneTimeToken": one_time,
            "serverUrl": self.config.server_url,
            "readOnly": read_only,
            "featureFlags": feature_flags,
        });
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.to_string());
        let url = format!(
            "{}/login#key={key}",
            self.config.portal_url.trim_end_matches('/')
        );
        Ok((url, session))
    }

    async fn app_portal_access(
        &self,
        auth: Bearer,
        app_id: String,
        body: AppPortalAccessIn,
    ) -> Result<(String, String), Failure> {
        self.require_admin(&auth).await?;
        let app = match self.find_app(app_id.clone()).await? {
            Some(app) => app,
            None => {
                let Some(application) = body.application else {
                    return Err(Failure::NotFound(format!(
                        "application `{app_id}` does not exist"
                    )));
                };
                let uid = application.uid.as_ref().map(|u| u.to_string());
                if uid.as_deref() != Some(app_id.as_str()) {
                    return Err(Failure::Invalid(
                        vec!["body", "application", "uid"],
                        "to create the application, `uid` must equal the application ID in the path".into(),
                    ));
                }
                let app = App {
                    id: secret::random_string("app_", 16),
                    uid,
                    name: application.name.to_string(),
                };
                let metadata =
                    serde_json::to_string(&application.metadata).unwrap_or_else(|_| "{}".into());
                let rate_limit = application.rate_limit.map(|r| r.get());
                // Get or create, atomically: a concurrent caller that created it first wins,
                // and this one gets that app.
                let stored = self
                    .store
                    .get_or_create_app(app.clone(), rate_limit, metadata, self.now_ms())
                    .await?;
                if stored.id == app.id {
                    tracing::info!(app_id = %app.id, "application created");
                }
                stored
            }
        };
        let expiry = body.expiry.unwrap_or(DEFAULT_PORTAL_TTL_SECS);
        let flags = body
            .feature_flags
            .unwrap_or_default()
            .into_iter()
            .map(String::from)
            .collect();
        self.portal_access(&app, expiry, flags, body.read_only.unwrap_or(false))
            .await
    }

    async fn dashboard_access(
        &self,
        auth: Bearer,
        app_id: String,
    ) -> Result<(String, String), Failure> {
        let app = self.existing_app_for_admin(&auth, app_id).await?;
        self.portal_access(&app, DEFAULT_PORTAL_TTL_SECS, vec![], false)
            .await
    }

    async fn create_message_token(
        &self,
        auth: Bearer,
        app_id: String,
        body: CreateMessageTokenIn,
    ) -> Result<AuthTokenOut, Failure> {
        let app = self.existing_app_for_admin(&auth, app_id).await?;
        let now = self.now_ms();
        // Any uint64 is accepted; an expiry beyond the last RFC 3339 instant (year 9999) is
        // capped there, which is "never" in practice.
        let expires_at = body.expiry.map(|secs| {
            secs_to_ms(secs)
                .and_then(|ms| now.checked_add(ms))
                .unwrap_or(LATEST_MS)
                .min(LATEST_MS)
        });
        let token = secret::new_token("msgsk_");
        let record = TokenRecord {
            id: secret::random_string("key_", 16),
            kind: TokenKind::Message,
            app_id: app.id.clone(),
            created_at: now,
            expires_at,
            name: Some(body.name.clone()),
            feature_flags: vec![],
            read_only: false,
            scopes: vec![format!("application:{}:message:create", app.id)],
            session_ttl_ms: None,
        };
        self.store
            .insert_tokens(vec![NewToken {
                secret: token.clone(),
                record: record.clone(),
            }])
            .await?;
        let mut out =
            AuthTokenOut::new(timestamp(now)?, record.id, token).with_scopes(record.scopes);
        out.expires_at = expires_at.map(timestamp).transpose()?;
        out.name = record.name;
        Ok(out)
    }

    async fn expire_all(
        &self,
        auth: Bearer,
        app_id: String,
        body: ApplicationTokenExpireIn,
    ) -> Result<(), Failure> {
        let app = self.existing_app_for_admin(&auth, app_id).await?;
        let now = self.now_ms();
        let delay = body.expiry.unwrap_or(0).clamp(0, 259_200);
        let cutoff = if delay == 0 {
            Cutoff::Immediate
        } else {
            Cutoff::At(now + delay * 1000)
        };
        self.store.expire_all(app.id, now, cutoff).await?;
        Ok(())
    }

    async fn logout(&self, auth: Bearer) -> Result<(), Failure> {
        match self.authenticate(&auth).await? {
            Principal::Admin => Err(Failure::Forbidden(
                "the organization token cannot be logged out; only application portal tokens can"
                    .into(),
            )),
            Principal::Issued { hash, record } if record.kind == TokenKind::Portal => {
                if self.store.revoke(hash, self.now_ms()).await? {
                    Ok(())
                } else {
                    Err(Failure::Unauthorized(
                        "the token is unknown, expired or revoked".into(),
                    ))
                }
            }
            Principal::Issued { record, .. } => Err(Failure::Forbidden(match record.kind {
                TokenKind::Message => {
                    "a message token cannot call authentication operations".into()
                }
                _ => "only application portal tokens can be logged out".into(),
            })),
        }
    }

    async fn exchange(&self, auth: Bearer, body: OneTimeTokenIn) -> Result<String, Failure> {
        let presented = secret::hash(&body.one_time_token);
        match self.authenticate(&auth).await? {
            Principal::Admin => {}
            Principal::Issued { hash, record } if record.kind == TokenKind::OneTime => {
                if !secret::same(&hash, &presented) {
                    return Err(Failure::Forbidden(
                        "a one-time token can only exchange itself".into(),
                    ));
                }
            }
            Principal::Issued { record, .. } => {
                return Err(Failure::Forbidden(match record.kind {
                    TokenKind::Message => {
                        "a message token cannot call authentication operations".into()
                    }
                    _ => "only the organization token or the one-time token itself can exchange it"
                        .into(),
                }));
            }
        }
        let now = self.now_ms();
        let exchanged = self
            .store
            .exchange_one_time(presented, now, move |ott| {
                let ttl = ott
                    .session_ttl_ms
                    .unwrap_or(DEFAULT_PORTAL_TTL_SECS as i64 * 1000);
                let record = TokenRecord {
                    id: secret::random_string("key_", 16),
                    kind: TokenKind::Portal,
                    app_id: ott.app_id.clone(),
                    created_at: now,
                    expires_at: Some(now + ttl),
                    name: None,
                    feature_flags: ott.feature_flags.clone(),
                    read_only: ott.read_only,
                    scopes: vec![],
                    session_ttl_ms: None,
                };
                (secret::new_token("appsk_"), record)
            })
            .await?;
        exchanged.ok_or(Failure::Unauthorized(
            "the one-time token is unknown, expired or already used".into(),
        ))
    }
}

fn portal_out(url: String, token: String) -> Result<AppPortalAccessOut, Failure> {
    let url: AppPortalAccessOutUrl = url.parse().map_err(|_| Failure::Internal)?;
    Ok(AppPortalAccessOut::new(token, url))
}

impl Api for AuthService {
    async fn v1_authentication_app_portal_access(
        &self,
        auth: Bearer,
        params: V1AuthenticationAppPortalAccessParams,
        body: AppPortalAccessIn,
    ) -> V1AuthenticationAppPortalAccessResponse {
        match self
            .app_portal_access(auth, params.app_id, body)
            .await
            .and_then(|(url, token)| portal_out(url, token))
        {
            Ok(out) => V1AuthenticationAppPortalAccessResponse::Ok(out),
            Err(f) => f.into(),
        }
    }

    async fn v1_authentication_create_message_token(
        &self,
        auth: Bearer,
        params: V1AuthenticationCreateMessageTokenParams,
        body: CreateMessageTokenIn,
    ) -> V1AuthenticationCreateMessageTokenResponse {
        match self.create_message_token(auth, params.app_id, body).await {
            Ok(out) => V1AuthenticationCreateMessageTokenResponse::Ok(out),
            Err(f) => f.into(),
        }
    }

    async fn v1_authentication_expire_all(
        &self,
        auth: Bearer,
        params: V1AuthenticationExpireAllParams,
        body: ApplicationTokenExpireIn,
    ) -> V1AuthenticationExpireAllResponse {
        match self.expire_all(auth, params.app_id, body).await {
            Ok(()) => V1AuthenticationExpireAllResponse::NoContent,
            Err(f) => f.into(),
        }
    }

    async fn v1_authentication_dashboard_access(
        &self,
        auth: Bearer,
        params: V1AuthenticationDashboardAccessParams,
    ) -> V1AuthenticationDashboardAccessResponse {
        let result = self
            .dashboard_access(auth, params.app_id)
            .await
            .and_then(|(url, token)| {
                let url: DashboardAccessOutUrl = url.parse().map_err(|_| Failure::Internal)?;
                Ok(DashboardAccessOut::new(token, url))
            });
        match result {
            Ok(out) => V1AuthenticationDashboardAccessResponse::Ok(out),
            Err(f) => f.into(),
        }
    }

    async fn v1_authentication_logout(
        &self,
        auth: Bearer,
        _params: V1AuthenticationLogoutParams,
    ) -> V1AuthenticationLogoutResponse {
        match self.logout(auth).await {
            Ok(()) => V1AuthenticationLogoutResponse::NoContent,
            Err(f) => f.into(),
        }
    }

    async fn v1_authentication_exchange_one_time_token(
        &self,
        auth: Bearer,
        _params: V1AuthenticationExchangeOneTimeTokenParams,
        body: OneTimeTokenIn,
    ) -> V1AuthenticationExchangeOneTimeTokenResponse {
        match self.exchange(auth, body).await {
            Ok(token) => {
                V1AuthenticationExchangeOneTimeTokenResponse::Ok(OneTimeTokenOut::new(token))
            }
            Err(f) => f.into(),
        }
    }
}

/// Shared handle type.
pub type Service = Arc<AuthService>;

impl crate::credentials::Credentials for AuthService {
    fn is_live(
        &self,
        token: String,
        path: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + '_>> {
        Box::pin(async move {
            let h = secret::hash(&token);
            let now = self.now_ms();
            if matches!(self.store.authenticate(h, now).await, Ok(Some(_))) {
                return true;
            }
            path == crate::idempotency::EXCHANGE_PATH
                && matches!(self.store.exchanged_one_time_token(h, now).await, Ok(true))
        })
    }
}
