//! The review gate: decides whether an orchestration's combined output may reach a user, says
//! precisely how to fix it when not, and redacts what must not leak. Pure domain code: no gRPC,
//! no storage.

pub mod pii;
