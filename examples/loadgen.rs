//! Load generator for the running service.
//!
//! `stream` mode drives `--tasks` zero-delay mock tasks per orchestration through Orchestrate
//! from `--concurrency` concurrent streams for `--duration`, and reports throughput and
//! latency percentiles. `inflight` mode submits `--count` orchestrations of `--tasks` mock
//! tasks sleeping `--delay-ms`, waits for them all, and reports the server's peak memory.
//!
//! Without `--addr` it starts the release binary (`target/release/orchestrator`) on a fresh
//! data directory and measures that process. `--security` picks how that server is reached:
//! `plain` (no TLS, no authentication), `tls-api-key` (TLS and an API key on every call) or
//! `tls-jwt` (TLS and a JWT); several, comma-separated, are measured one after the other,
//! `--rounds` times over, each on a fresh server, and compared at the end. Several
//! comma-separated `--binary` paths are compared the same way (two builds, say), and
//! `--traces off,on` (on: spans exported at sampling 1.0 to an OTLP receiver in this process).
//!
//! `flood` mode submits `--count` orchestrations spread evenly over `--duration`, whatever the
//! answers, counts what was accepted and what was refused with RESOURCE_EXHAUSTED, waits for
//! every accepted one to end and checks that it was approved, and reports the server's peak
//! memory; `--memory-cap` starts the server under that address-space limit (RLIMIT_AS).
//!
//! ```sh
//! cargo build --release && cargo run --release --example loadgen -- --mode stream
//! cargo run --release --example loadgen -- --security plain,tls-api-key,tls-jwt --rounds 3
//! cargo run --release --example loadgen -- --mode inflight --count 10000 --delay-ms 1000
//! cargo run --release --example loadgen -- --mode flood --count 20000 --duration 10s \
//!     --delay-ms 1000 --input-bytes 262144 --memory-cap 1073741824
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use orchestrator::api::convert::orchestration::json_to_struct;
use orchestrator::api::pb;
use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use orchestrator::tls::client::ClientTls;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    Stream,
    Inflight,
    Flood,
}

/// Whether the started server exports traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Traces {
    Off,
    /// Every span exported over OTLP to a receiver in this process.
    On,
}

/// How the started server is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Security {
    /// Plaintext, authentication off.
    Plain,
    /// TLS, and an API key on every call.
    TlsApiKey,
    /// TLS, and a JWT (ES256, from a JWKS file) on every call.
    TlsJwt,
}

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, value_enum, default_value = "stream")]
    mode: Mode,
    /// A running server; without it the release binary is started here.
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// The binary started (without `--addr`); several are measured in turn and compared.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "target/release/orchestrator"
    )]
    binary: Vec<PathBuf>,
    /// Log filter of the started server.
    #[arg(long, default_value = "info")]
    server_log_filter: String,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    duration: Duration,
    #[arg(long, default_value_t = 3)]
    tasks: usize,
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    #[arg(long, default_value_t = 10_000)]
    count: usize,
    /// HTTP/2 connections the clients share.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// How the started server is reached; several are measured in turn and compared.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "plain")]
    security: Vec<Security>,
    /// Times each `--security` setting is measured, interleaved (stream mode).
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Whether the started server exports traces; several are measured in turn and compared.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "off")]
    traces: Vec<Traces>,
    /// Bytes of orchestration input (of `x`); 0 sends a short word.
    #[arg(long, default_value_t = 0)]
    input_bytes: usize,
    /// Address-space limit of the started server, in bytes (RLIMIT_AS, as `ulimit -v`).
    #[arg(long)]
    memory_cap: Option<u64>,
}

/// What a client needs to reach a server set up for one `Security`.
#[derive(Clone, Default)]
struct Access {
    tls: Option<ClientTls>,
    authorization: Option<MetadataValue<Ascii>>,
}

type BoxError = Box<dyn std::error::Error>;

/// Writes the settings, certificates and keys for `security` into `dir`; returns the settings
/// file (none for plain) and how clients get in.
fn secure(security: Security, dir: &Path) -> Result<(Option<PathBuf>, Access), BoxError> {
    if security == Security::Plain {
        return Ok((None, Access::default()));
    }
    let write = |name: &str, contents: &str| -> Result<PathBuf, BoxError> {
        let path = dir.join(name);
        std::fs::write(&path, contents)?;
        Ok(path)
    };
    // A CA and a server certificate for 127.0.0.1.
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = rcgen::KeyPair::generate()?;
    let ca_pem = ca_params.self_signed(&ca_key)?.pem();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate()?;
    let server_cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])?
        .signed_by(&server_key, &issuer)?;
    let ca_file = write("ca.pem", &ca_pem)?;
    let mut config = format!(
        "[server.tls]\ncert_file = {:?}\nkey_file = {:?}\n\n[auth]\nmode = \"required\"\n",
        write("server.pem", &server_cert.pem())?,
        write("server.key", &server_key.serialize_pem())?,
    );
    let token = match security {
        Security::TlsApiKey => {
            let (key, sha256) = orchestrator::auth::api_key::generate()?;
            config.push_str(&format!(
                "[[auth.api_keys]]\nname = \"loadgen\"\nsha256 = \"{sha256}\"\ntenant = \"load\"\nroles = [\"submitter\"]\n"
            ));
            key
        }
        _ => {
            let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
            let key = jsonwebtoken::EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes())?;
            let mut jwk =
                jsonwebtoken::jwk::Jwk::from_encoding_key(&key, jsonwebtoken::Algorithm::ES256)?;
            jwk.common.key_id = Some("loadgen".into());
            let jwks = write("jwks.json", &serde_json::json!({"keys": [jwk]}).to_string())?;
            config.push_str(&format!(
                "[auth.jwt]\njwks_file = {:?}\nissuer = \"https://idp.loadgen\"\naudience = \"orchestrator\"\n",
                jwks
            ));
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs();
            let claims = serde_json::json!({
                "iss": "https://idp.loadgen", "aud": "orchestrator", "sub": "loadgen",
                "tenant": "load", "roles": ["submitter"], "exp": now + 3600,
            });
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
            header.kid = Some("loadgen".into());
            jsonwebtoken::encode(&header, &claims, &key)?
        }
    };
    let access = Access {
        tls: Some(ClientTls::load(Some(&ca_file), None, None)?),
        authorization: Some(MetadataValue::try_from(format!("Bearer {token}"))?),
    };
    Ok((Some(write("orchestrator.toml", &config)?), access))
}

fn spec(args: &Args) -> pb::OrchestrationSpec {
    let (tasks, delay_ms) = (args.tasks, args.delay_ms);
    pb::OrchestrationSpec {
        input: match args.input_bytes {
            0 => "load".into(),
            bytes => "x".repeat(bytes),
        },
        tasks: (0..tasks)
            .map(|i| pb::TaskSpec {
                id: format!("t{i}"),
                agent: "mock".into(),
                params: serde_json::json!({"delay_ms": delay_ms, "output": "ok"})
                    .as_object()
                    .map(json_to_struct),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

struct Spawned {
    child: std::process::Child,
    _data: tempfile::TempDir,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(
    args: &Args,
    binary: &Path,
    security: Security,
    collector: Option<SocketAddr>,
) -> Result<(SocketAddr, Spawned, Access), BoxError> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let data = tempfile::tempdir()?;
    let (config, access) = secure(security, data.path())?;
    let mut command = match args.memory_cap {
        // The shell sets the limit and then becomes the server.
        Some(bytes) => {
            let mut shell = std::process::Command::new("sh");
            shell
                .arg("-c")
                .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", bytes / 1024))
                .arg(binary);
            shell
        }
        None => std::process::Command::new(binary),
    };
    command.args([
        "serve",
        "--listen",
        &addr.to_string(),
        "--log-filter",
        &args.server_log_filter,
    ]);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    if let Some(collector) = collector {
        command
            .env(
                "ORCHESTRATOR_TELEMETRY__OTLP__ENDPOINT",
                format!("http://{collector}"),
            )
            .env("ORCHESTRATOR_TELEMETRY__OTLP__SAMPLING_RATIO", "1.0");
    }
    // Rounds follow one another; the admin port must not be held by the one before.
    command.env("ORCHESTRATOR_SERVER__ADMIN_LISTEN", "127.0.0.1:0");
    let child = command
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start {}: {e} (run `cargo build --release` first)",
                binary.display()
            )
        })?;
    Ok((addr, Spawned { child, _data: data }, access))
}

/// Resident memory of a process, in MiB: (now, peak).
fn memory_mib(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

async fn channels(
    addr: SocketAddr,
    count: usize,
    access: &Access,
) -> Result<Vec<Channel>, BoxError> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut channels = Vec::new();
    let url = match access.tls {
        Some(_) => format!("https://{addr}"),
        None => format!("http://{addr}"),
    };
    while channels.len() < count {
        match orchestrator::tls::client::endpoint(&url, access.tls.as_ref())?
            .connect()
            .await
        {
            Ok(channel) => channels.push(channel),
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(channels)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

/// What one stream-mode measurement gave.
struct Measured {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    /// The server's CPU time (user and system, all its threads) per orchestration, when this
    /// process started the server: steadier than throughput on a shared machine, and blind to
    /// what the load generator itself spends.
    server_cpu: Option<Duration>,
}

/// CPU time a process has used so far (user and system), from `/proc/<pid>/stat`.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf reads a constant of the system; it has no preconditions.
    let per_second = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok()?;
    Some(Duration::from_secs_f64(
        ticks as f64 / per_second.max(1) as f64,
    ))
}

async fn stream_mode(
    args: &Args,
    channels: Vec<Channel>,
    pid: Option<u32>,
    access: &Access,
) -> Result<Measured, BoxError> {
    let spec = spec(args);
    // A short warm-up, not measured.
    let mut client = OrchestratorServiceClient::new(channels[0].clone());
    for _ in 0..50 {
        run_one(&mut client, &spec, access)
            .await
            .map_err(|e| e.to_string())?;
    }
    let cpu_before = pid.and_then(cpu_time);
    let started = Instant::now();
    let stop = started + args.duration;
    let errors = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let mut client =
                OrchestratorServiceClient::new(channels[worker % channels.len()].clone());
            let spec = spec.clone();
            let errors = errors.clone();
            let access = access.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < stop {
                    let began = Instant::now();
                    match run_one(&mut client, &spec, &access).await {
                        Ok(()) => latencies.push(began.elapsed()),
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await?);
    }
    let elapsed = started.elapsed();
    let server_cpu = match (cpu_before, pid.and_then(cpu_time)) {
        (Some(before), Some(after)) if !latencies.is_empty() => {
            Some((after.saturating_sub(before)).div_f64(latencies.len() as f64))
        }
        _ => None,
    };
    latencies.sort();
    println!(
        "stream: {} orchestrations ({} tasks each) in {:.1} s from {} streams: {:.0} orchestrations/s; {} errors",
        latencies.len(),
        args.tasks,
        elapsed.as_secs_f64(),
        args.concurrency,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        errors.load(Ordering::Relaxed)
    );
    println!(
        "latency: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.90).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    if let Some(cpu) = server_cpu {
        println!(
            "server CPU: {:.0} µs per orchestration",
            cpu.as_secs_f64() * 1e6
        );
    }
    Ok(Measured {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        server_cpu,
    })
}

/// `message` with the access's credentials.
fn request<T>(message: T, access: &Access) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(authorization) = &access.authorization {
        request
            .metadata_mut()
            .insert("authorization", authorization.clone());
    }
    request
}

async fn run_one(
    client: &mut OrchestratorServiceClient<Channel>,
    spec: &pb::OrchestrationSpec,
    access: &Access,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut stream = client
        .orchestrate(request(
            pb::OrchestrateRequest {
                request_id: String::new(),
                spec: Some(spec.clone()),
            },
            access,
        ))
        .await?
        .into_inner();
    while let Some(message) = stream.message().await? {
        if let Some(pb::orchestration_event::Kind::Completed(done)) =
            message.event.and_then(|e| e.kind)
        {
            let state = done.result.map(|r| r.state()).unwrap_or_default();
            if state != pb::OrchestrationState::Approved {
                return Err(format!("ended {state:?}").into());
            }
            return Ok(());
        }
    }
    Err("the stream ended without a completed event".into())
}

async fn inflight_mode(
    args: &Args,
    channels: Vec<Channel>,
    pid: Option<u32>,
    access: &Access,
) -> Result<(), BoxError> {
    let spec = spec(args);
    let before = pid.and_then(memory_mib);
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let submitters: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let mut client =
                OrchestratorServiceClient::new(channels[worker % channels.len()].clone());
            let spec = spec.clone();
            let next = next.clone();
            let count = args.count;
            let access = access.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let response = client
                        .submit_orchestration(request(
                            pb::SubmitOrchestrationRequest {
                                request_id: String::new(),
                                spec: Some(spec.clone()),
                            },
                            &access,
                        ))
                        .await;
                    if let Ok(response) = response {
                        ids.push(response.into_inner().orchestration_id);
                    }
                }
                ids
            })
        })
        .collect();
    let mut ids = Vec::new();
    for submitter in submitters {
        ids.extend(submitter.await?);
    }
    let submitted = started.elapsed();
    let at_submit_end = pid.and_then(memory_mib);
    println!(
        "inflight: submitted {} orchestrations ({} tasks × {} ms) in {:.2} s",
        ids.len(),
        args.tasks,
        args.delay_ms,
        submitted.as_secs_f64()
    );
    // Wait until nothing is left unfinished, sampling memory meanwhile.
    let mut client = OrchestratorServiceClient::new(channels[0].clone());
    let mut peak = at_submit_end.map(|(_, peak)| peak).unwrap_or_default();
    loop {
        let unfinished = client
            .list_orchestrations(request(
                pb::ListOrchestrationsRequest {
                    page_size: 1,
                    states: vec![
                        pb::OrchestrationState::Pending as i32,
                        pb::OrchestrationState::Running as i32,
                        pb::OrchestrationState::Reviewing as i32,
                    ],
                    ..Default::default()
                },
                access,
            ))
            .await?
            .into_inner()
            .orchestrations;
        if let Some((_, hwm)) = pid.and_then(memory_mib) {
            peak = peak.max(hwm);
        }
        if unfinished.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let done = started.elapsed();
    if let Some((_, hwm)) = pid.and_then(memory_mib) {
        peak = peak.max(hwm);
    }
    println!("inflight: all done after {:.2} s", done.as_secs_f64());
    match (before, pid) {
        (Some((rss, _)), Some(_)) => println!(
            "server memory: {rss:.0} MiB before, peak {peak:.0} MiB (VmHWM) with up to {} orchestrations in flight",
            ids.len()
        ),
        _ => println!("server memory: not measured (the server is not a child of this process)"),
    }
    Ok(())
}

/// What the flood's submissions got back.
#[derive(Default)]
struct FloodAnswers {
    accepted: Vec<String>,
    exhausted: usize,
    other: Vec<String>,
}

async fn flood_mode(
    args: &Args,
    channels: Vec<Channel>,
    pid: Option<u32>,
    access: &Access,
) -> Result<(), BoxError> {
    let spec = spec(args);
    let gap = args.duration.div_f64(args.count.max(1) as f64);
    let started = tokio::time::Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let sampler = pid.map(|pid| tokio::spawn(peak_while_running(pid)));
    let submitters: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let mut client =
                OrchestratorServiceClient::new(channels[worker % channels.len()].clone());
            let (spec, next, access, count) =
                (spec.clone(), next.clone(), access.clone(), args.count);
            tokio::spawn(async move {
                let mut answers = FloodAnswers::default();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= count {
                        return answers;
                    }
                    // Each submission at its time on the schedule, answered or not.
                    tokio::time::sleep_until(started + gap.mul_f64(index as f64)).await;
                    let submit = pb::SubmitOrchestrationRequest {
                        request_id: String::new(),
                        spec: Some(spec.clone()),
                    };
                    match client.submit_orchestration(request(submit, &access)).await {
                        Ok(answer) => answers.accepted.push(answer.into_inner().orchestration_id),
                        Err(status) if status.code() == tonic::Code::ResourceExhausted => {
                            answers.exhausted += 1
                        }
                        Err(status) => answers.other.push(status.to_string()),
                    }
                }
            })
        })
        .collect();
    let mut answers = FloodAnswers::default();
    for submitter in submitters {
        let one = submitter.await?;
        answers.accepted.extend(one.accepted);
        answers.exhausted += one.exhausted;
        answers.other.extend(one.other);
    }
    println!(
        "flood: {} submissions in {:.2} s: {} accepted, {} RESOURCE_EXHAUSTED, {} other{}",
        args.count,
        started.elapsed().as_secs_f64(),
        answers.accepted.len(),
        answers.exhausted,
        answers.other.len(),
        answers
            .other
            .first()
            .map(|first| format!(" (first: {first})"))
            .unwrap_or_default()
    );
    let mut client = OrchestratorServiceClient::new(channels[0].clone());
    let mut states = std::collections::BTreeMap::<String, usize>::new();
    for id in &answers.accepted {
        let state = wait_until_ended(&mut client, id, access).await?;
        *states.entry(format!("{state:?}")).or_default() += 1;
    }
    println!(
        "flood: every accepted orchestration ended after {:.2} s: {states:?}",
        started.elapsed().as_secs_f64()
    );
    if let Some(sampler) = sampler {
        sampler.abort();
    }
    match pid.and_then(memory_mib) {
        Some((_, peak)) => println!("flood: the server is alive; peak RSS {peak:.0} MiB (VmHWM)"),
        None if pid.is_some() => println!("flood: the server is gone"),
        None => {}
    }
    Ok(())
}

/// Keeps the peak resident memory sampled (the kernel's VmHWM does it; this only reads it so
/// that a crash still leaves the last value printed).
async fn peak_while_running(pid: u32) {
    let mut peak = 0.0_f64;
    while let Some((_, hwm)) = memory_mib(pid) {
        if hwm > peak + 64.0 {
            peak = hwm;
            println!("flood: peak RSS so far {peak:.0} MiB");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Polls an orchestration until it is in an end state; returns that state.
async fn wait_until_ended(
    client: &mut OrchestratorServiceClient<Channel>,
    id: &str,
    access: &Access,
) -> Result<pb::OrchestrationState, BoxError> {
    use pb::OrchestrationState as State;
    loop {
        let get = pb::GetOrchestrationRequest {
            orchestration_id: id.to_owned(),
            view: 0,
        };
        let state = client
            .get_orchestration(request(get, access))
            .await?
            .into_inner()
            .orchestration
            .map(|orchestration| orchestration.state())
            .unwrap_or_default();
        if !matches!(
            state,
            State::Unspecified | State::Pending | State::Running | State::Reviewing
        ) {
            return Ok(state);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Counts the spans exported to it, without decoding them: the receiver shares the two cores
/// with the server measured, and decoding 15,000 spans a second would take CPU from the server
/// that a collector on another machine would not.
#[derive(Clone, Default)]
struct Collector {
    spans: Arc<AtomicUsize>,
}

/// OTLP's `ExportTraceServiceRequest` read only as deep as the spans, each left as bytes
/// (a length-delimited field reads the same as an embedded message). Other fields are skipped.
mod shallow {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ExportRequest {
        #[prost(message, repeated, tag = "1")]
        pub resource_spans: Vec<ResourceSpans>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ResourceSpans {
        #[prost(message, repeated, tag = "2")]
        pub scope_spans: Vec<ScopeSpans>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ScopeSpans {
        #[prost(bytes = "bytes", repeated, tag = "2")]
        pub spans: Vec<bytes::Bytes>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ExportResponse {}
}

impl tonic::server::UnaryService<shallow::ExportRequest> for Collector {
    type Response = shallow::ExportResponse;
    type Future = std::future::Ready<Result<tonic::Response<Self::Response>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<shallow::ExportRequest>) -> Self::Future {
        let spans: usize = request
            .get_ref()
            .resource_spans
            .iter()
            .flat_map(|resource| &resource.scope_spans)
            .map(|scope| scope.spans.len())
            .sum();
        self.spans.fetch_add(spans, Ordering::Relaxed);
        std::future::ready(Ok(tonic::Response::new(shallow::ExportResponse {})))
    }
}

impl tower::Service<http::Request<tonic::body::Body>> for Collector {
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    /// Every call is taken for `Export`, the service's one method.
    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let collector = self.clone();
        Box::pin(async move {
            let codec =
                tonic_prost::ProstCodec::<shallow::ExportResponse, shallow::ExportRequest>::new();
            Ok(tonic::server::Grpc::new(codec)
                .unary(collector, request)
                .await)
        })
    }
}

impl tonic::server::NamedService for Collector {
    const NAME: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
}

/// Starts the OTLP receiver on 127.0.0.1.
async fn start_collector() -> Result<(SocketAddr, Collector), BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let collector = Collector::default();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(collector.clone())
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    Ok((addr, collector))
}

/// One measurement of `binary` set up for `security`, exporting traces to `collector` if given:
/// a fresh server unless `--addr` names one.
async fn measure(
    args: &Args,
    binary: &Path,
    security: Security,
    collector: Option<SocketAddr>,
) -> Result<Option<Measured>, BoxError> {
    let (addr, spawned, access) = match args.addr {
        Some(addr) => (addr, None, Access::default()),
        None => {
            let (addr, spawned, access) = spawn(args, binary, security, collector)?;
            (addr, Some(spawned), access)
        }
    };
    let pid = spawned.as_ref().map(|s| s.child.id());
    let channels = channels(addr, args.connections.max(1), &access).await?;
    let measured = match args.mode {
        Mode::Stream => Some(stream_mode(args, channels, pid, &access).await?),
        Mode::Inflight => {
            inflight_mode(args, channels, pid, &access).await?;
            None
        }
        Mode::Flood => {
            flood_mode(args, channels, pid, &access).await?;
            None
        }
    };
    if let Some((rss, hwm)) = pid.and_then(memory_mib) {
        println!("server memory at the end: {rss:.0} MiB resident, {hwm:.0} MiB peak");
    }
    Ok(measured)
}

/// The medians of one variant's rounds.
struct Medians<'a> {
    name: &'a str,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Microseconds of server CPU per orchestration, when it was measured every round.
    cpu_us: Option<f64>,
}

impl<'a> Medians<'a> {
    fn of(name: &'a str, measured: &[Measured]) -> Self {
        let values = |of: &dyn Fn(&Measured) -> f64| {
            median(&mut measured.iter().map(of).collect::<Vec<f64>>())
        };
        let cpu: Option<Vec<f64>> = measured
            .iter()
            .map(|m| m.server_cpu.map(|cpu| cpu.as_secs_f64() * 1e6))
            .collect();
        Self {
            name,
            rate: values(&|m| m.per_second),
            p50_ms: values(&|m| m.p50.as_secs_f64() * 1e3),
            p99_ms: values(&|m| m.p99.as_secs_f64() * 1e3),
            cpu_us: cpu.map(|mut cpu| median(&mut cpu)),
        }
    }

    /// One line, throughput and CPU compared with `base`.
    fn print(&self, base: &Medians) {
        let change = |value: f64, against: f64| (value / against - 1.0) * 100.0;
        let mut line = format!(
            "{}: {:.0} orchestrations/s ({:+.1}% against {}), p50 {:.1} ms, p99 {:.1} ms",
            self.name,
            self.rate,
            change(self.rate, base.rate),
            base.name,
            self.p50_ms,
            self.p99_ms
        );
        if let (Some(cpu), Some(base_cpu)) = (self.cpu_us, base.cpu_us) {
            line.push_str(&format!(
                ", server CPU {cpu:.0} µs per orchestration ({:+.1}%)",
                change(cpu, base_cpu)
            ));
        }
        println!("{line}");
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or_default()
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let collector = match args.traces.contains(&Traces::On) {
        true => Some(start_collector().await?),
        false => None,
    };
    // Every binary with every security and traces setting, each a variant measured once a
    // round.
    let mut results: Vec<(String, &Path, Security, Traces, Vec<Measured>)> = Vec::new();
    for binary in &args.binary {
        for security in &args.security {
            for traces in &args.traces {
                let mut name = format!("{security:?}");
                if args.binary.len() > 1 {
                    name = format!("{} {name}", binary.display());
                }
                if args.traces.len() > 1 {
                    name = format!("{name} traces {traces:?}");
                }
                results.push((name, binary, *security, *traces, Vec::new()));
            }
        }
    }
    for round in 1..=args.rounds.max(1) {
        for (name, binary, security, traces, measured) in &mut results {
            println!("== round {round}, {name}");
            let exporting = match traces {
                Traces::On => collector.as_ref().map(|(addr, _)| *addr),
                Traces::Off => None,
            };
            if let Some(one) = measure(&args, binary, *security, exporting).await? {
                measured.push(one);
            }
        }
    }
    if let Some((_, collector)) = &collector {
        println!(
            "the OTLP receiver got {} spans",
            collector.spans.load(Ordering::Relaxed)
        );
    }
    let medians: Vec<Medians> = results
        .iter()
        .filter(|(.., measured)| !measured.is_empty())
        .map(|(name, _, _, _, measured)| Medians::of(name, measured))
        .collect();
    if let [base, ..] = medians.as_slice()
        && medians.len() > 1
    {
        println!("== medians over {} round(s)", args.rounds.max(1));
        for one in &medians {
            one.print(base);
        }
    }
    Ok(())
}
