//! The gRPC edge: tonic services, proto ⇄ domain conversion, and the one mapping of errors to
//! gRPC statuses (`error`). Generated code lives here (`pb`) and never leaks into the core.

pub mod auth;
pub mod convert;
pub mod criteria;
pub mod drain;
pub mod error;
pub mod metrics;
pub mod orchestrator;
pub mod paging;
pub mod rescue;
pub mod tenant;

/// Code generated from `proto/orchestrator/v1`.
#[allow(clippy::large_enum_variant)] // prost oneofs; boxing them would only hurt callers.
pub mod pb {
    tonic::include_proto!("orchestrator.v1");

    /// The encoded `FileDescriptorSet` of the public API, served through reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/orchestrator_descriptor.bin"));
}

pub use error::ApiError;
