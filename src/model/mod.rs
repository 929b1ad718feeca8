//! Domain types shared by the engine, the review gate and the stores. No gRPC, no storage
//! backend: the API converts from and to these at the edge.

pub mod sensitive;

pub use sensitive::{PiiCategory, RedactionStyle};
