//! orchestrator: runs AI-agent tasks in parallel as a DAG and reviews the combined answer before
//! it is returned.
//!
//! Layout (see ARCHITECTURE.md): `api` is the gRPC edge, `server` the composition root,
//! `config` and `telemetry` the process plumbing.

pub mod admin;
pub mod agents;
pub mod api;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod console;
pub mod engine;
pub mod model;
pub mod review;
pub mod secrets;
pub mod server;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod transport;
