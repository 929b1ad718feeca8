//! The layering the compiler cannot see from one crate: the domain core (crates/core) must not
//! reach gRPC, storage, settings or HTTP clients, directly or through another crate; and the
//! gRPC edge goes through `service`, never into the engine.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const CORE: &str = "orchestrator-core";

/// Crates the core may not depend on, by name or by name prefix (`azure_`).
fn forbidden(name: &str) -> bool {
    const NAMES: [&str; 6] = ["tonic", "prost", "rusqlite", "figment", "reqwest", "hyper"];
    const PREFIXES: [&str; 5] = ["tonic-", "prost-", "azure_", "libsqlite3", "opentelemetry"];
    NAMES.contains(&name) || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

fn metadata() -> Value {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

fn package_name(metadata: &Value, id: &str) -> String {
    metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["id"] == id))
        .and_then(|package| package["name"].as_str())
        .unwrap_or(id)
        .to_owned()
}

/// Every crate the core builds with (normal dependencies, transitively; not dev or build).
fn core_closure(metadata: &Value) -> BTreeSet<String> {
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("a resolved graph")
        .iter()
        .map(|node| (node["id"].as_str().unwrap_or_default(), node))
        .collect();
    let core_id = metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == CORE))
        .and_then(|package| package["id"].as_str())
        .expect("the core crate is a workspace member");
    let mut seen = BTreeSet::new();
    let mut stack = vec![core_id];
    while let Some(id) = stack.pop() {
        let Some(node) = nodes.get(id) else { continue };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|kind| kind["kind"].is_null());
            let dep_id = dep["pkg"].as_str().unwrap_or_default();
            if normal && seen.insert(dep_id.to_owned()) {
                stack.push(dep_id);
            }
        }
    }
    seen.iter().map(|id| package_name(metadata, id)).collect()
}

#[test]
fn the_core_crate_builds_without_grpc_storage_settings_or_http_clients() {
    let metadata = metadata();
    let closure = core_closure(&metadata);
    // The walk found something: an empty closure would pass for the wrong reason.
    assert!(closure.contains("serde"), "closure: {closure:?}");
    let bad: Vec<&String> = closure.iter().filter(|name| forbidden(name)).collect();
    assert!(bad.is_empty(), "the core crate depends on {bad:?}");
}

#[test]
fn the_service_crate_does_depend_on_what_the_core_may_not() {
    // The check above is only worth something if the names it looks for are real ones.
    let metadata = metadata();
    let service = metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == "orchestrator"))
        .expect("the service crate");
    let direct: BTreeSet<&str> = service["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|dep| dep["kind"].is_null())
        .filter_map(|dep| dep["name"].as_str())
        .collect();
    for name in [
        "tonic",
        "prost",
        "rusqlite",
        "azure_data_cosmos",
        "figment",
        "reqwest",
    ] {
        assert!(forbidden(name), "{name}");
        assert!(direct.contains(name), "{name} is not a service dependency");
    }
    assert!(direct.contains(CORE));
}

/// Rust files under `dir`, recursively.
fn sources(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("a source directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_grpc_edge_reaches_the_engine_only_through_the_service() {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let files = sources(&api);
    assert!(files.len() > 5, "found {files:?}");
    let offenders: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let names_engine =
                text.contains("crate::engine") || text.contains("orchestrator_core::engine");
            names_engine.then(|| path.display().to_string())
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "src/api names the engine: {offenders:?}"
    );
}
