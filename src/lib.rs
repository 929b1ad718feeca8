//! orchestrator: runs AI-agent tasks in parallel as a DAG and reviews the combined answer before
//! it is returned.
//!
//! This is the service crate: the adapters around the domain core (`orchestrator-core`, in
//! crates/core), re-exported here as `model`, `engine` and `review` so that one path names
//! each type. ARCHITECTURE.md draws the map: `api` is the gRPC edge and goes through
//! `service`, `server` is the composition root, `config` and `telemetry` the process plumbing.

pub mod admin;
pub mod agents;
pub mod api;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod console;
pub mod secrets;
pub mod server;
pub mod service;
pub mod store;
mod sync;
pub mod telemetry;
pub mod tls;
pub mod transport;

pub use orchestrator_core::{engine, model, review};
