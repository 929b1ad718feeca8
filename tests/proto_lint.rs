//! The public contract stays clean under `buf lint` (STANDARD rules, see buf.yaml).

mod common;

use common::tools::python_tool;

#[test]
fn buf_lint_is_clean() {
    let buf = python_tool("buf");
    let output = std::process::Command::new(buf)
        .arg("lint")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run buf");
    assert!(
        output.status.success(),
        "buf lint found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
