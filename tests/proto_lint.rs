//! The public contract: clean under `buf lint` (STANDARD rules, see buf.yaml), and no change
//! that breaks a caller (`buf breaking`, FILE rules: wire, JSON and generated code) against the
//! v1 API as released, recorded in `tests/data/api-v1.binpb`.
//!
//! The record is a `buf build` image. It changes only on purpose: a new major version of the
//! API gets a new package and a new record.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::process::printed;
use common::tools::python_tool;

const BASELINE: &str = "tests/data/api-v1.binpb";

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn buf(args: &[&str], dir: &Path) -> Output {
    Command::new(python_tool("buf"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run buf")
}

#[test]
fn buf_lint_is_clean() {
    let output = buf(&["lint"], &repository());
    assert!(
        output.status.success(),
        "buf lint found problems:\n{}",
        printed(&output)
    );
}

#[test]
fn the_api_keeps_every_promise_of_the_recorded_v1() {
    let baseline = repository().join(BASELINE);
    let output = buf(
        &[
            "breaking",
            "--against",
            baseline.to_str().expect("utf-8 path"),
        ],
        &repository(),
    );
    assert!(
        output.status.success(),
        "the protos break callers of the recorded API:\n{}",
        printed(&output)
    );
}

/// The check above can fail: a copy of the protos with one field renumbered and one option
/// changed is refused, naming both.
#[test]
fn a_breaking_change_fails_the_check() {
    let copy = tempfile::tempdir().expect("temporary directory");
    let protos = copy.path().join("proto/orchestrator/v1");
    std::fs::create_dir_all(&protos).expect("create the copy");
    for entry in std::fs::read_dir(repository().join("proto/orchestrator/v1")).expect("protos") {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read_to_string(&path).expect("read a proto");
        let name = path.file_name().expect("a file name");
        std::fs::write(protos.join(name), text).expect("copy a proto");
    }
    std::fs::copy(repository().join("buf.yaml"), copy.path().join("buf.yaml")).expect("buf.yaml");
    let task = protos.join("task.proto");
    let text = std::fs::read_to_string(&task).expect("read task.proto");
    let broken = text
        .replacen("string task_id = 1;", "string task_id = 99;", 1)
        .replacen("\"Orchestrator.V1\"", "\"Orchestrator.Api\"", 1);
    assert_ne!(
        broken, text,
        "task.proto no longer has the lines this test edits"
    );
    std::fs::write(&task, broken).expect("write the broken copy");

    let baseline = repository().join(BASELINE);
    let output = buf(
        &[
            "breaking",
            "--against",
            baseline.to_str().expect("utf-8 path"),
        ],
        copy.path(),
    );
    let report = printed(&output);
    assert!(!output.status.success(), "buf breaking accepted:\n{report}");
    assert!(report.contains("task_id"), "{report}");
    assert!(report.contains("csharp_namespace"), "{report}");
}
