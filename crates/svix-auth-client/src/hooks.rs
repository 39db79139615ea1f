//! progenitor `ClientHooks` for the generated client: the facade's per-call context (credential,
//! User-Agent, attempt number) travels in a task-local, and the status of each answer is noted
//! so undecodable bodies can still be reported with it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use progenitor_client::{ClientHooks, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue, USER_AGENT};

tokio::task_local! {
    pub(crate) static CALL: CallContext;
}

/// What the facade knows about the attempt in flight.
pub(crate) struct CallContext {
    pub authorization: HeaderValue,
    pub user_agent: HeaderValue,
    pub attempt: u32,
    /// Status of the last answer (0: none yet).
    pub last_status: Arc<AtomicU16>,
}

impl ClientHooks<()> for crate::generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        // Outside a facade call (the generated client used on its own) there is nothing to add.
        let _ = CALL.try_with(|call| {
            let headers = request.headers_mut();
            headers.insert(AUTHORIZATION, call.authorization.clone());
            headers.insert(USER_AGENT, call.user_agent.clone());
            if call.attempt > 0 {
                headers.insert("svix-retry-count", HeaderValue::from(call.attempt));
            }
        });
        Ok(())
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        if let Ok(response) = result {
            let _ = CALL.try_with(|call| {
                call.last_status
                    .store(response.status().as_u16(), Ordering::Relaxed)
            });
        }
        Ok(())
    }
}
