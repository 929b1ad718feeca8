//! A Cosmos DB peer for the storage tests: tests/cosmos-peer/peer.js, that is
//! @vercel/cosmosdb-server (in memory) behind a small proxy that fixes what the Rust SDK trips
//! over, run by Node on 127.0.0.1. Its npm packages are installed under target/ on first use,
//! once per checkout, so the test command needs nothing but `node` and `npm` on the PATH.
//!
//! Each `CosmosPeer::start()` is a fresh, empty account; the data lives as long as the peer.
//! `go_down` / `come_back` simulate an outage (connections refused and reset) that keeps the
//! data.

use std::fs::{self, File};
use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PACKAGE_JSON: &str = include_str!("../cosmos-peer/package.json");
const PACKAGE_LOCK: &str = include_str!("../cosmos-peer/package-lock.json");
const PEER_JS: &str = include_str!("../cosmos-peer/peer.js");

/// The Cosmos DB emulator's published account key. The peer checks no signature (any key is
/// accepted), but the SDK signs every request with the key, so it must be valid base64.
pub const EMULATOR_KEY: &str =
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

/// How long the peer may take to start, and to go down or come back.
const START_TIMEOUT: Duration = Duration::from_secs(30);
const SWITCH_TIMEOUT: Duration = Duration::from_secs(10);

pub struct CosmosPeer {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub endpoint: String,
    /// The account key to give the SDK: [`EMULATOR_KEY`].
    pub key: String,
    pub addr: SocketAddr,
    /// The peer's stderr (set COSMOS_PEER_TRACE=1 to log every request there too).
    pub log: PathBuf,
    child: Child,
    /// Held open: the peer exits when its stdin closes, so it cannot outlive the test process.
    _stdin: ChildStdin,
}

impl CosmosPeer {
    /// Installs the peer on first use, starts it on a free port, and waits until it listens.
    pub fn start() -> CosmosPeer {
        let dir = install();
        let log = log_path(&dir);
        let log_file = File::create(&log)
            .unwrap_or_else(|e| panic!("create the peer's log {}: {e}", log.display()));
        let mut child = Command::new("node")
            .arg(dir.join("peer.js"))
            .args(["--port", "0"])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("spawn `node peer.js` (Node.js 20 or later must be on the PATH)");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");

        // Read the first line on a thread, so that a peer that says nothing cannot hang us.
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let read = BufReader::new(stdout).read_line(&mut line).map(|_| line);
            let _ = sender.send(read);
        });
        let line = match receiver.recv_timeout(START_TIMEOUT) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => fail_start(&mut child, &log, &format!("reading its stdout: {e}")),
            Err(_) => fail_start(&mut child, &log, "no `listening` line within 30 s"),
        };
        let Some(endpoint) = line.trim().strip_prefix("listening ") else {
            fail_start(&mut child, &log, &format!("unexpected first line {line:?}"))
        };
        let addr: SocketAddr = endpoint
            .strip_prefix("http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("the peer announced an odd endpoint {endpoint:?}"));
        CosmosPeer {
            endpoint: endpoint.to_owned(),
            key: EMULATOR_KEY.to_owned(),
            addr,
            log,
            child,
            _stdin: stdin,
        }
    }

    /// An outage: the peer stops listening and resets every open connection; returns once new
    /// connections are refused. The data is kept.
    pub fn go_down(&self) {
        self.signal("USR1");
        self.wait_for(false);
    }

    /// Ends an outage: returns once the same port accepts connections again.
    pub fn come_back(&self) {
        self.signal("USR2");
        self.wait_for(true);
    }

    /// What the peer wrote to stderr so far.
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Environment for a server child process that talks to this peer. The SDK reads all three
    /// itself: no IMDS probe (it would go to a cloud metadata address), HTTP/1.1 only, JSON only
    /// (the peer decodes neither HTTP/2 nor Cosmos binary JSON). In-process code can set the
    /// last two in code instead (ConnectionPoolOptions::with_is_http2_allowed(false),
    /// BinaryEncodingOptions::with_enabled(false)); COSMOS_DISABLE_IMDS has no code equivalent.
    pub fn env() -> [(&'static str, &'static str); 3] {
        [
            ("COSMOS_DISABLE_IMDS", "1"),
            ("AZURE_COSMOS_CONNECTION_POOL_IS_HTTP2_ALLOWED", "false"),
            ("AZURE_COSMOS_BINARY_ENCODING_ENABLED", "false"),
        ]
    }

    /// Environment for an `orchestrator serve` process on a fresh database of this peer: the
    /// backend settings, the key, and the SDK switches above.
    pub fn server_env(&self, database: &str) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = [
            ("ORCHESTRATOR_STORAGE__BACKEND", "cosmos"),
            (
                "ORCHESTRATOR_STORAGE__COSMOS__ENDPOINT",
                self.endpoint.as_str(),
            ),
            ("ORCHESTRATOR_STORAGE__COSMOS__DATABASE", database),
            ("ORCHESTRATOR_STORAGE__COSMOS__HTTP2", "false"),
            ("ORCHESTRATOR_STORAGE__COSMOS__BINARY_ENCODING", "false"),
            ("AZURE_COSMOS_KEY", self.key.as_str()),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        env.extend(
            Self::env()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        env
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id();
        let status = Command::new("kill")
            .args([format!("-{signal}"), pid.to_string()])
            .status()
            .expect("run kill");
        assert!(
            status.success(),
            "kill -{signal} {pid} (the Cosmos peer) failed"
        );
    }

    fn wait_for(&self, accepting: bool) {
        let deadline = Instant::now() + SWITCH_TIMEOUT;
        loop {
            let connected = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
            if connected.is_ok() == accepting {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the Cosmos peer at {} is still {} after {SWITCH_TIMEOUT:?}; its log:\n{}",
                self.endpoint,
                if accepting { "down" } else { "up" },
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for CosmosPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = self.log_text();
            let tail: Vec<&str> = log.lines().rev().take(100).collect();
            eprintln!(
                "--- the Cosmos peer's log ({}), last {} lines:",
                self.log.display(),
                tail.len()
            );
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

fn fail_start(child: &mut Child, log: &Path, why: &str) -> ! {
    let _ = child.kill();
    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
    panic!(
        "the Cosmos peer did not start: {why} (exit: {status}); its log {}:\n{}",
        log.display(),
        fs::read_to_string(log).unwrap_or_default()
    );
}

/// A log file name no other peer of this checkout uses.
fn log_path(dir: &Path) -> PathBuf {
    static STARTED: AtomicUsize = AtomicUsize::new(0);
    let logs = dir.join("logs");
    fs::create_dir_all(&logs).expect("create the peer's log directory");
    let n = STARTED.fetch_add(1, Ordering::Relaxed);
    logs.join(format!("peer-{}-{n}.log", std::process::id()))
}

/// Copies the peer into target/ and runs `npm ci` there when its packages changed; returns
/// the directory.
fn install() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.join("cosmos-peer");
    fs::create_dir_all(&dir).expect("create the Cosmos peer's directory under target/");
    // Test binaries run as parallel processes (nextest, or cargo test's several binaries);
    // one installs, the others wait here.
    let lock = File::create(tmp.join("cosmos-peer.lock")).expect("create the peer's lock file");
    lock.lock().expect("lock the Cosmos peer's directory");

    write_if_changed(&dir.join("package.json"), PACKAGE_JSON);
    write_if_changed(&dir.join("package-lock.json"), PACKAGE_LOCK);
    write_if_changed(&dir.join("peer.js"), PEER_JS);

    // In node_modules, which `npm ci` removes first: a failed install leaves no stamp.
    let stamp = dir.join("node_modules").join(".orchestrator-installed");
    let wanted = format!("{PACKAGE_JSON}\n{PACKAGE_LOCK}");
    if fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        check_node();
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .output()
            .expect("run `npm ci` (npm must be on the PATH)");
        assert!(
            output.status.success(),
            "`npm ci` for the Cosmos peer failed in {}: {}\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        fs::write(&stamp, wanted).expect("write the peer's install stamp");
    }
    dir
}

/// The peer needs Node.js 20 or later; say so plainly rather than fail somewhere in npm.
fn check_node() {
    let output = Command::new("node")
        .arg("--version")
        .output()
        .expect("run `node --version` (Node.js 20 or later must be on the PATH)");
    let version = String::from_utf8_lossy(&output.stdout);
    let major = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    assert!(
        major.is_some_and(|m| m >= 20),
        "the Cosmos peer needs Node.js 20 or later; `node --version` says {version:?}"
    );
}

/// Writes through a temporary file and a rename, so that a peer starting meanwhile never
/// reads half a file.
fn write_if_changed(path: &Path, contents: &str) {
    if fs::read_to_string(path).ok().as_deref() == Some(contents) {
        return;
    }
    let partial = path.with_extension("partial");
    fs::write(&partial, contents).unwrap_or_else(|e| panic!("write {}: {e}", partial.display()));
    fs::rename(&partial, path).unwrap_or_else(|e| panic!("rename to {}: {e}", path.display()));
}
