//! Stored forms: how a record's parts are written, apart from the domain types they convert to
//! and from. A form reads what a newer build wrote: a field it does not know is ignored, never
//! an error, so during a rolling upgrade an older replica still reads every orchestration.
//!
//! The domain's `OrchestrationSpec` keeps its own serde shape, strict (`deny_unknown_fields`),
//! because that shape is the CLI's plan-file format, where an unknown field is a typo. The
//! stored spec has the same field names, so records written before these forms read as they
//! did. The other stored parts (criteria, decisions, events, checkpoints, results) have no
//! strict serde shape in the domain and are stored as they are; the rolling-upgrade tests in
//! `tests/store_conformance.rs` keep every one of them lenient.

mod spec;
#[cfg(test)]
mod tests;

pub(super) use spec::SpecForm;

/// The expiry stored with a lease of this build, which lapses with its owner's heartbeat
/// instead (9999-12-31, in epoch milliseconds, exact in a JSON double). Older builds read the
/// same field as the lease's own expiry: to them a lease of this build never expires, so
/// during a rolling upgrade they never take one over; this build takes theirs over once they
/// expire (their owners have no heartbeat).
pub const FOLLOWS_OWNER_MILLIS: i64 = 253_402_300_799_999;
