//! The secrets a presented credential carries, so a mock told which credentials are valid
//! (`Mock::with_credentials`) can refuse the others as the real API would.

use crate::{ApiKey, Basic, Bearer, Credential, HttpCredentials, Presented};

/// A credential value handed to a trait method: the secrets it presents.
pub trait Secrets {
    /// Each secret presented: a bearer token, an API key, `user:password` for Basic, the
    /// credentials of another HTTP scheme. Empty when nothing was presented.
    fn secrets(&self) -> Vec<&str>;
}

impl Secrets for Bearer {
    fn secrets(&self) -> Vec<&str> {
        vec![self.token()]
    }
}

impl Secrets for ApiKey {
    fn secrets(&self) -> Vec<&str> {
        vec![self.key()]
    }
}

impl Secrets for Basic {
    fn secrets(&self) -> Vec<&str> {
        vec![self.password(), self.username()]
    }
}

impl Secrets for HttpCredentials {
    fn secrets(&self) -> Vec<&str> {
        vec![self.credentials()]
    }
}

impl Secrets for Credential {
    fn secrets(&self) -> Vec<&str> {
        match self {
            Credential::ApiKey(c) => c.secrets(),
            Credential::Basic(c) => c.secrets(),
            Credential::Bearer(c) => c.secrets(),
            Credential::Http(c) => c.secrets(),
        }
    }
}

impl Secrets for Presented {
    fn secrets(&self) -> Vec<&str> {
        self.credentials
            .iter()
            .flat_map(|(_, c)| c.secrets())
            .collect()
    }
}

impl<T: Secrets> Secrets for Option<T> {
    fn secrets(&self) -> Vec<&str> {
        self.as_ref().map(Secrets::secrets).unwrap_or_default()
    }
}
