//! The domain core of orchestrator: what an orchestration is (`model`), how it runs (`engine`),
//! how its answer is judged (`review`), and the port agents plug into (`agent`).
//!
//! This crate knows nothing of gRPC, storage or settings: the service crate converts to and
//! from its types at the edges. `tests/layering.rs` in the service crate keeps its
//! dependencies so; ARCHITECTURE.md draws the whole map.

pub mod agent;
pub mod engine;
pub mod model;
pub mod review;
