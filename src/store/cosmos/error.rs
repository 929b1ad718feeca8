//! The account's errors, classified as the store's (throttling and transient faults retried,
//! then `Unavailable`; a write refused for good `Rejected`), and what an open failure means.

use std::time::Duration;

use azure_data_cosmos::CosmosError;

use crate::store::{OpenError, StoreError};

/// Attempts for a call that fails with throttling or a transient error.
pub(super) const ATTEMPTS: u32 = 4;

fn status_text(error: &CosmosError) -> String {
    let status = error.status();
    let code = u16::from(status.status_code());
    match status.sub_status() {
        Some(sub) => format!("cosmos {code}/{}: {error}", sub.value()),
        None => format!("cosmos {code}: {error}"),
    }
}

/// A failure to open the store: refused for good when the account says the settings cannot
/// work (a wrong key or identity, a firewall, a database or container that does not exist and
/// may not be created), otherwise an outage, worth waiting out.
pub(super) fn open_error(what: &str, error: &CosmosError) -> OpenError {
    let message = format!("cosmos: cannot {what}: {}", status_text(error));
    let status = error.status();
    let sub_status = status.sub_status().map(|sub| sub.value());
    match (u16::from(status.status_code()), sub_status) {
        // Passing: writes forbidden during a regional failover; a session not readable yet.
        (403, Some(3)) | (404, Some(1002)) => OpenError::Unreachable(message),
        (401 | 403 | 404, _) => OpenError::Refused(message),
        _ => OpenError::Unreachable(message),
    }
}

/// Everything not handled where it happens is the store being unable to serve now.
pub(super) fn unavailable(error: &CosmosError) -> StoreError {
    StoreError::Unavailable(status_text(error))
}

pub(super) fn encode_error(error: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("cannot encode: {error}"))
}

/// Whether another attempt may succeed: throttled, timed out, unreachable, briefly gone.
fn is_retryable(error: &CosmosError) -> bool {
    let status = error.status();
    status.is_throttled() || status.is_transient() || status.is_timeout() || status.is_gone()
}

/// Runs a call, retrying throttling and transient failures with backoff (honouring nothing
/// longer than a couple of seconds: callers above retry further when they can).
pub(super) async fn retrying<T, F, Fut>(mut call: F) -> Result<T, CosmosError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CosmosError>>,
{
    let mut backoff = Duration::from_millis(50);
    let mut attempt = 1;
    loop {
        match call().await {
            Err(error) if attempt < ATTEMPTS && is_retryable(&error) => {
                let jitter = Duration::from_millis(fastrand::u64(0..=backoff.as_millis() as u64));
                tokio::time::sleep(backoff / 2 + jitter / 2).await;
                backoff = (backoff * 3).min(Duration::from_secs(2));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// A failed write: refused for good (malformed, too large) or worth retrying.
pub(super) fn write_error(error: &CosmosError) -> StoreError {
    let code = u16::from(error.status().status_code());
    if code == 400 || code == 413 {
        StoreError::Rejected(status_text(error))
    } else {
        unavailable(error)
    }
}
