//! Compiles the public API in proto/ with protox (pure Rust, no system protoc) and embeds the
//! encoded descriptor set so that the server can answer reflection requests.

use std::path::PathBuf;

use prost::Message as _;

const PROTO_ROOT: &str = "proto";
const PROTO_FILES: &[&str] = &[
    "orchestrator/v1/task.proto",
    "orchestrator/v1/review.proto",
    "orchestrator/v1/orchestration.proto",
    "orchestrator/v1/agent.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={PROTO_ROOT}");

    let files: Vec<PathBuf> = PROTO_FILES
        .iter()
        .map(|file| PathBuf::from(PROTO_ROOT).join(file))
        .collect();
    let descriptors = protox::compile(&files, [PROTO_ROOT])?;

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("orchestrator_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
