//! The orchestration engine: validates a spec into a plan and runs it.

pub mod budget;
pub mod orchestration;
pub mod schedule;
pub mod stack;
pub mod validate;
