//! The client packages in clients/, as their users get them: `pip install ./clients/python`
//! into a virtualenv and `npm install --install-links ./clients/typescript` into a fresh
//! project, each running its own live tests against the real server; and the generated code
//! they carry is what `clients/generate` makes from the protos today.
//!
//! Needs python3 and Node.js 20+ with npm; the packages' dependencies come from PyPI and the npm
//! registry, installed under target/.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::TestServer;
use common::tools::{install, install_lock, target_tmp};

/// Installs and test runs take seconds; a hung one fails the test instead of the whole run.
const STEP_TIMEOUT: Duration = Duration::from_secs(600);

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn describe(command: &str, output: &Output) -> String {
    format!(
        "{command} exited with {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs a test command without blocking the runtime the in-process server runs on.
async fn run_async(mut command: tokio::process::Command) -> Output {
    command.kill_on_drop(true);
    let shown = format!("{command:?}");
    tokio::time::timeout(STEP_TIMEOUT, command.output())
        .await
        .unwrap_or_else(|_| panic!("{shown} did not finish within {STEP_TIMEOUT:?}"))
        .unwrap_or_else(|error| panic!("{shown} did not start: {error}"))
}

#[tokio::test]
async fn the_python_client_installs_and_passes_its_live_tests() {
    let _lock = install_lock("clients-python");
    let venv = target_tmp().join("clients-python-venv");
    let package = repository().join("clients/python");
    install(Command::new("python3").arg("-m").arg("venv").arg(&venv));
    // A directory is rebuilt and reinstalled on every `pip install`, so the venv never holds a
    // stale copy of the package.
    install(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(&package)
            .arg("pytest"),
    );

    let server = TestServer::start().await;
    let mut pytest = tokio::process::Command::new(venv.join("bin/python"));
    pytest
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(package.join("tests"))
        .env("ORCHESTRATOR_ADDR", server.addr.to_string())
        // Nothing written into the checkout.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(target_tmp());
    let output = run_async(pytest).await;
    let report = describe("pytest clients/python/tests", &output);
    assert!(output.status.success(), "{report}");
    // The run collected the tests rather than finding none.
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(" passed"),
        "{report}"
    );
}

#[tokio::test]
async fn the_typescript_client_installs_and_passes_its_live_tests() {
    let _lock = install_lock("clients-typescript");
    let package = repository().join("clients/typescript");
    // A fresh consumer project each time, so that `@orchestrator/client` resolves to the
    // package as installed now (npm copies it with --install-links; without the flag it only
    // links the folder and installs none of its dependencies).
    let consumer = target_tmp().join("clients-typescript-consumer");
    let _ = fs::remove_dir_all(&consumer);
    fs::create_dir_all(&consumer).expect("create the consumer project");
    install(
        Command::new("npm")
            .args(["init", "-y"])
            .current_dir(&consumer),
    );
    install(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--install-links"])
            .arg(&package)
            .current_dir(&consumer),
    );
    fs::copy(
        package.join("test/live.test.mjs"),
        consumer.join("live.test.mjs"),
    )
    .expect("copy the live test into the consumer project");

    let server = TestServer::start().await;
    let mut node = tokio::process::Command::new("node");
    node.args(["--test", "live.test.mjs"])
        .env("ORCHESTRATOR_ADDR", server.addr.to_string())
        .current_dir(&consumer);
    let output = run_async(node).await;
    let report = describe("node --test live.test.mjs", &output);
    assert!(output.status.success(), "{report}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("# fail 0"), "{report}");
    assert!(!stdout.contains("# pass 0"), "{report}");
}

/// `clients/generate --check` on a copy of what it reads: the protos, the script and the
/// clients' sources and generated code.
async fn generate_check(root: &Path) -> Output {
    let mut generate = tokio::process::Command::new(root.join("clients/generate"));
    generate.arg("--check").current_dir(root);
    run_async(generate).await
}

#[tokio::test]
async fn the_checked_in_client_code_is_what_the_protos_generate() {
    let output = generate_check(&repository()).await;
    assert!(
        output.status.success(),
        "the generated client code is stale; run clients/generate\n{}",
        describe("clients/generate --check", &output)
    );
}

/// The check above can fail: with a field added to a proto, both clients' generated code
/// differs, and the check says which.
#[tokio::test]
async fn a_proto_change_fails_the_generated_code_check() {
    let copy = tempfile::tempdir().expect("temporary directory");
    let root = copy.path();
    let repo = repository();
    for dir in [
        "proto",
        "clients/python/src",
        "clients/typescript/src",
        "clients/typescript/dist",
    ] {
        copy_dir(&repo.join(dir), &root.join(dir));
    }
    for file in [
        "clients/generate",
        "clients/typescript/package.json",
        "clients/typescript/package-lock.json",
        "clients/typescript/tsconfig.json",
    ] {
        fs::copy(repo.join(file), root.join(file)).expect("copy a client file");
    }
    let task = root.join("proto/orchestrator/v1/task.proto");
    let text = fs::read_to_string(&task).expect("read task.proto");
    let changed = text.replacen(
        "  string task_id = 1;",
        "  string task_id = 1;\n  string added = 99;",
        1,
    );
    assert_ne!(
        changed, text,
        "task.proto no longer has the line this test edits"
    );
    fs::write(&task, changed).expect("write task.proto");

    let output = generate_check(root).await;
    let report = describe("clients/generate --check", &output);
    assert!(!output.status.success(), "{report}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for stale in [
        "clients/python/src/orchestrator_client/v1",
        "clients/typescript/src/gen",
        "clients/typescript/dist",
    ] {
        assert!(stderr.contains(stale), "{stale} not named\n{report}");
    }
}

/// Copies a directory tree, leaving out what tools leave behind (node_modules, __pycache__).
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create a directory of the copy");
    for entry in fs::read_dir(from).expect("read a directory") {
        let entry = entry.expect("a directory entry");
        let name = entry.file_name();
        if name == "node_modules" || name == "__pycache__" {
            continue;
        }
        let path = entry.path();
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            fs::copy(&path, to.join(&name)).expect("copy a file");
        }
    }
}
