//! Columns and bodies as stored: JSON bodies in their forms, state names, RFC 3339 times, epoch milliseconds.

use chrono::Utc;

use crate::model::orchestration::OrchestrationState;
use crate::store::StoreError;

/// A body: `value` in its stored form `F`.
pub(super) fn to_json<'a, F, T>(value: &'a T) -> Result<String, StoreError>
where
    F: From<&'a T> + serde::Serialize,
{
    serde_json::to_string(&F::from(value))
        .map_err(|e| StoreError::Corrupt(format!("cannot encode: {e}")))
}

/// A body read through its stored form `F`.
pub(super) fn from_json<F, T>(kind: &str, id: &str, body: &str) -> Result<T, StoreError>
where
    F: serde::de::DeserializeOwned + Into<T>,
{
    serde_json::from_str::<F>(body)
        .map(Into::into)
        .map_err(|e| StoreError::Corrupt(format!("{kind} {id:?}: {e}")))
}

pub(super) fn state_name(state: OrchestrationState) -> &'static str {
    state.as_str()
}

pub(super) fn parse_state(name: &str) -> Result<OrchestrationState, StoreError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("unknown orchestration state {name:?}")))
}

pub(super) fn parse_time(text: &str) -> Result<chrono::DateTime<Utc>, StoreError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("bad timestamp {text:?}: {e}")))
}

pub(super) fn millis(time: chrono::DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}
