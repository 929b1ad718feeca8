//! Load generator for the running service.
//!
//! `stream` mode drives `--tasks` zero-delay mock tasks per orchestration through Orchestrate
//! from `--concurrency` concurrent streams for `--duration`, and reports throughput and
//! latency percentiles. `inflight` mode submits `--count` orchestrations of `--tasks` mock
//! tasks sleeping `--delay-ms`, waits for them all, and reports the server's peak memory.
//!
//! Without `--addr` it starts the release binary (`target/release/orchestrator`) on a fresh
//! data directory and measures that process.
//!
//! ```sh
//! cargo build --release && cargo run --release --example loadgen -- --mode stream
//! cargo run --release --example loadgen -- --mode inflight --count 10000 --delay-ms 1000
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use orchestrator::api::convert::orchestration::json_to_struct;
use orchestrator::api::pb;
use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use tonic::transport::{Channel, Endpoint};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    Stream,
    Inflight,
}

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, value_enum, default_value = "stream")]
    mode: Mode,
    /// A running server; without it the release binary is started here.
    #[arg(long)]
    addr: Option<SocketAddr>,
    #[arg(long, default_value = "target/release/orchestrator")]
    binary: PathBuf,
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
}

fn spec(tasks: usize, delay_ms: u64) -> pb::OrchestrationSpec {
    pb::OrchestrationSpec {
        input: "load".into(),
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

fn spawn(args: &Args) -> Result<(SocketAddr, Spawned), Box<dyn std::error::Error>> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let data = tempfile::tempdir()?;
    let child = std::process::Command::new(&args.binary)
        .args([
            "serve",
            "--listen",
            &addr.to_string(),
            "--log-filter",
            &args.server_log_filter,
        ])
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start {}: {e} (run `cargo build --release` first)",
                args.binary.display()
            )
        })?;
    Ok((addr, Spawned { child, _data: data }))
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
) -> Result<Vec<Channel>, Box<dyn std::error::Error>> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut channels = Vec::new();
    while channels.len() < count {
        match Endpoint::from_shared(format!("http://{addr}"))?
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

async fn stream_mode(
    args: &Args,
    channels: Vec<Channel>,
) -> Result<(), Box<dyn std::error::Error>> {
    let spec = spec(args.tasks, args.delay_ms);
    // A short warm-up, not measured.
    let mut client = OrchestratorServiceClient::new(channels[0].clone());
    for _ in 0..50 {
        run_one(&mut client, &spec)
            .await
            .map_err(|e| e.to_string())?;
    }
    let started = Instant::now();
    let stop = started + args.duration;
    let errors = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let mut client =
                OrchestratorServiceClient::new(channels[worker % channels.len()].clone());
            let spec = spec.clone();
            let errors = errors.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < stop {
                    let began = Instant::now();
                    match run_one(&mut client, &spec).await {
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
    Ok(())
}

async fn run_one(
    client: &mut OrchestratorServiceClient<Channel>,
    spec: &pb::OrchestrationSpec,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut stream = client
        .orchestrate(pb::OrchestrateRequest {
            request_id: String::new(),
            spec: Some(spec.clone()),
        })
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
) -> Result<(), Box<dyn std::error::Error>> {
    let spec = spec(args.tasks, args.delay_ms);
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
            tokio::spawn(async move {
                let mut ids = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let response = client
                        .submit_orchestration(pb::SubmitOrchestrationRequest {
                            request_id: String::new(),
                            spec: Some(spec.clone()),
                        })
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
            .list_orchestrations(pb::ListOrchestrationsRequest {
                page_size: 1,
                page_token: String::new(),
                states: vec![
                    pb::OrchestrationState::Pending as i32,
                    pb::OrchestrationState::Running as i32,
                    pb::OrchestrationState::Reviewing as i32,
                ],
            })
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let (addr, spawned) = match args.addr {
        Some(addr) => (addr, None),
        None => {
            let (addr, spawned) = spawn(&args)?;
            (addr, Some(spawned))
        }
    };
    let pid = spawned.as_ref().map(|s| s.child.id());
    let channels = channels(addr, args.connections.max(1)).await?;
    match args.mode {
        Mode::Stream => stream_mode(&args, channels).await?,
        Mode::Inflight => inflight_mode(&args, channels, pid).await?,
    }
    if let Some((rss, hwm)) = pid.and_then(memory_mib) {
        println!("server memory at the end: {rss:.0} MiB resident, {hwm:.0} MiB peak");
    }
    Ok(())
}
