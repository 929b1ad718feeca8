//! The built `orchestrator` binary as a child process, for what only a real process shows:
//! signals, exit codes, settings from the environment, third-party clients.

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

pub const BINARY: &str = env!("CARGO_BIN_EXE_orchestrator");
const ADMIN_LISTEN: &str = "ORCHESTRATOR_SERVER__ADMIN_LISTEN";

/// The CLI as a child process, with none of the `ORCHESTRATOR_*` variables of whoever runs
/// the tests (an exported `ORCHESTRATOR_CLIENT_SERVER` would change what a test checks), in
/// the repository's root, where the example files are.
pub fn cli_command() -> std::process::Command {
    let mut command = std::process::Command::new(BINARY);
    without_our_variables(&mut command).current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// What a finished child process wrote: its standard output, then its standard error.
pub fn printed(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `command` without the `ORCHESTRATOR_*` variables of this process's environment.
pub fn without_our_variables(command: &mut std::process::Command) -> &mut std::process::Command {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ORCHESTRATOR_") {
            command.env_remove(name);
        }
    }
    command
}

pub struct ServerProcess {
    pub addr: SocketAddr,
    pub data_dir: tempfile::TempDir,
    child: Child,
    /// The child's stderr lines, read as they come so that it never blocks on a full pipe.
    logs: mpsc::UnboundedReceiver<String>,
    /// Every log line read so far, for failure messages.
    pub seen: Vec<String>,
    _group: GroupKill,
}

/// Kills the child's whole process group when dropped: a wrapper's children (a server started
/// by a shell) do not outlive a test that failed.
struct GroupKill(u32);

impl Drop for GroupKill {
    fn drop(&mut self) {
        // Not `kill -KILL -<pgid>`: procps-ng's kill reads a negative pid's first digit as an
        // option and may signal pid -1, every process there is.
        let Ok(group) = libc::pid_t::try_from(self.0) else {
            return;
        };
        // SAFETY: killpg takes plain integers; an exited group only yields ESRCH.
        unsafe {
            libc::killpg(group, libc::SIGKILL);
        }
    }
}

impl ServerProcess {
    /// Starts `orchestrator serve` on 127.0.0.1:0 with JSON logs and waits for the line that
    /// reports the bound address.
    pub async fn start(extra_args: &[&str]) -> Self {
        Self::start_with_env::<&str>(extra_args, &[]).await
    }

    /// As `start`, with extra environment variables for the server.
    pub async fn start_with_env<S: AsRef<OsStr>>(extra_args: &[&str], env: &[(S, S)]) -> Self {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        Self::start_in(data_dir, extra_args, env).await
    }

    /// As `start_with_env`, on an existing data directory (a restart).
    pub async fn start_in<S: AsRef<OsStr>>(
        data_dir: tempfile::TempDir,
        extra_args: &[&str],
        env: &[(S, S)],
    ) -> Self {
        let mut command = Command::new(BINARY);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .arg("--data-dir")
            .arg(data_dir.path())
            .args(extra_args)
            .envs(env.iter().map(|(name, value)| (name, value)));
        Self::spawn(command, data_dir).await
    }

    /// Runs `command`, which must start `orchestrator serve` with JSON logs on stderr (itself,
    /// or through a wrapper), and waits for the line that reports the bound address.
    pub async fn spawn(mut command: Command, data_dir: tempfile::TempDir) -> Self {
        // Tests run side by side: an ephemeral admin port unless the test names one.
        let admin = OsStr::new(ADMIN_LISTEN);
        if !command.as_std().get_envs().any(|(name, _)| name == admin) {
            command.env(ADMIN_LISTEN, "127.0.0.1:0");
        }
        let mut child = command
            .env("COSMOS_DISABLE_IMDS", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0)
            .spawn()
            .expect("spawn the orchestrator binary");
        let group = GroupKill(child.id().expect("a running child"));
        let stderr = child.stderr.take().expect("piped stderr");
        let (sender, logs) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        let mut process = Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            child,
            logs,
            seen: Vec::new(),
            _group: group,
        };
        let line = process
            .wait_for_log(|entry| entry["message"] == "serving gRPC")
            .await;
        process.addr = line["address"]
            .as_str()
            .and_then(|address| address.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line}"));
        process
    }

    /// Reads JSON log lines until one matches; panics after 20 s or at end of output.
    pub async fn wait_for_log(
        &mut self,
        matches: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let line = tokio::time::timeout_at(deadline, self.logs.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!("timed out waiting for a log line; saw {:#?}", self.seen)
                });
            let Some(line) = line else {
                panic!("the server's output ended; saw {:#?}", self.seen);
            };
            self.seen.push(line.clone());
            if let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line)
                && matches(&entry)
            {
                return entry;
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("the child is running")
    }

    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("the child is running");
        let status = std::process::Command::new("kill")
            .args([format!("-{signal}"), pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {pid} failed");
    }

    /// Kills the process with SIGKILL (no chance to clean up), reaps it, and hands back its
    /// data directory.
    pub async fn kill(mut self) -> tempfile::TempDir {
        self.signal("KILL");
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("a killed process exits");
        self.data_dir
    }

    /// Waits for the process to exit; panics past `bound`.
    pub async fn exit_within(mut self, bound: Duration) -> (ExitStatus, Vec<String>) {
        let mut rest = self.seen;
        let collect = async {
            while let Some(line) = self.logs.recv().await {
                rest.push(line);
            }
            rest
        };
        let (status, rest) = tokio::time::timeout(bound, async {
            let rest = collect.await;
            (self.child.wait().await, rest)
        })
        .await
        .expect("the server did not exit in time");
        (status.expect("wait for the child"), rest)
    }
}
