//! Agent adapters: the kinds that reach outside the process (http, openai, grpc), and the
//! registry that builds every configured agent from settings. The port they implement
//! (`Agent`, its request, response and error) lives in the core crate, with `echo` and `mock`.

pub mod grpc;
pub mod http;
pub mod openai;
pub mod registry;

pub use orchestrator_core::agent::{
    Agent, AgentError, AgentRequest, AgentResponse, AgentService, RegisteredAgent, TokenUsage,
    builtin,
};

pub use registry::{AgentRegistry, with_builtins};
