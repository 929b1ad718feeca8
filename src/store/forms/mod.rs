//! Stored forms: how a record's parts are written, apart from the domain types they convert to
//! and from. A form reads what a newer build wrote: a field it does not know is ignored, never
//! an error, so during a rolling upgrade an older replica still reads every orchestration.
//!
//! Every stored part has its form here: the spec, criteria, decisions, results, checkpoints
//! and events. A form has the field names and defaults its part has always been stored with
//! (`tests/data/stored/` records them), so what earlier builds wrote still reads. The domain
//! types carry no stored shape of their own: the spec's serde shape is the CLI's plan-file
//! format, strict (`deny_unknown_fields`), where an unknown field is a typo; the others have
//! none. Enums are stored by their names (`APPROVED`, `US_SSN`), the names the API uses too.
//! The backends wrap these forms in their own rows and documents, and `tests/store_upgrade.rs`
//! checks on both that a field of a newer build is read past at every level.

mod criteria;
mod decision;
mod event;
mod result;
mod spec;
#[cfg(test)]
mod tests;

pub(super) use criteria::CriteriaForm;
pub(super) use decision::DecisionForm;
pub(super) use event::EventForm;
pub(super) use result::{CheckpointForm, ResultForm};
pub(super) use spec::SpecForm;

/// How many bytes of JSON an event takes stored, for test doubles that refuse what a backend
/// would (Cosmos DB's 2 MB documents).
#[cfg(test)]
pub(crate) fn stored_len_of_event(event: &crate::model::event::Event) -> usize {
    serde_json::to_vec(&EventForm::from(event)).map_or(usize::MAX, |json| json.len())
}

/// How many bytes of JSON a result takes stored; see `stored_len_of_event`.
#[cfg(test)]
pub(crate) fn stored_len_of_result(
    result: &crate::model::orchestration::OrchestrationResult,
) -> usize {
    serde_json::to_vec(&ResultForm::from(result)).map_or(usize::MAX, |json| json.len())
}

/// The expiry stored with a lease of this build, which lapses with its owner's heartbeat
/// instead (9999-12-31, in epoch milliseconds, exact in a JSON double). Older builds read the
/// same field as the lease's own expiry: to them a lease of this build never expires, so
/// during a rolling upgrade they never take one over; this build takes theirs over once they
/// expire (their owners have no heartbeat).
pub const FOLLOWS_OWNER_MILLIS: i64 = 253_402_300_799_999;
