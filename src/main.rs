//! The `orchestrator` command line: `serve` runs the gRPC service; the other commands are its
//! client (see `orchestrator::cli`).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory as _, Parser, Subcommand};

use orchestrator::auth::Role;
use orchestrator::cli::{ClientCommand, PlanCommand};
use orchestrator::config::{CONFIG_FILE_ENV, FlagOverrides, LogFormat, Settings};
use orchestrator::model::TenantId;
use orchestrator::{server, telemetry};

/// glibc's allocator spent about a fifth of the server's CPU time under load (arena locks,
/// consolidation); jemalloc's thread caches do the same work for less, and it gives freed
/// memory back to the system.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Debug, Parser)]
#[command(name = "orchestrator", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gRPC service.
    Serve(ServeArgs),
    #[command(flatten)]
    Client(ClientCommand),
    /// Plan files, without a server.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// API keys for the settings file.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print a shell's completion script: `source <(orchestrator completions bash)`.
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
struct CompletionsArgs {
    shell: clap_complete::Shell,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Print a fresh API key, and the settings lines that accept it (its SHA-256, never the
    /// key itself).
    New(NewKeyArgs),
}

#[derive(Debug, Args)]
struct NewKeyArgs {
    /// The tenant the key acts for.
    #[arg(long, value_parser = parse_tenant)]
    tenant: TenantId,
    /// Roles: viewer, submitter, reviewer, criteria_admin, admin (repeat or separate with
    /// commas).
    #[arg(long = "role", required = true, value_delimiter = ',', value_parser = parse_role)]
    roles: Vec<Role>,
    /// Who the key stands for in logs and decisions [default: <tenant>-<first digits of its
    /// SHA-256>].
    #[arg(long)]
    name: Option<String>,
}

fn parse_tenant(text: &str) -> Result<TenantId, String> {
    TenantId::new(text).map_err(|error| error.to_string())
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|role| role.as_str()).collect();
        format!("unknown role {text:?}; use one of {}", names.join(", "))
    })
}

/// Settings come from defaults, then the TOML file, then ORCHESTRATOR_* environment variables
/// (ORCHESTRATOR_SERVER__LISTEN, ORCHESTRATOR_LOG__FORMAT, ...), then these flags.
#[derive(Debug, Args)]
struct ServeArgs {
    /// TOML settings file.
    #[arg(long, short = 'c', env = CONFIG_FILE_ENV, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:50051].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// How long running calls may take to finish after SIGINT/SIGTERM [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    drain_timeout: Option<Duration>,
    /// Log line format [default: text].
    #[arg(long, value_enum)]
    log_format: Option<LogFormat>,
    /// Log filter, e.g. `info` or `info,orchestrator=debug` [default: info].
    #[arg(long, value_name = "FILTER")]
    log_filter: Option<String>,
    /// Directory of the embedded store [default: ./data].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Allow listening beyond loopback with authentication off (sets server.insecure).
    #[arg(long)]
    insecure: bool,
    /// Print the effective settings as TOML and exit (secrets shown as ***).
    #[arg(long)]
    print_config: bool,
    /// Check the settings and exit: 0 when they are valid, 2 with the reason when not.
    #[arg(long, conflicts_with = "print_config")]
    check_config: bool,
}

/// Threads for blocking work (the embedded store, file reads).
const BLOCKING_THREADS: usize = 64;

fn main() -> ExitCode {
    orchestrator::tls::install_default_provider();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Client(command) => orchestrator::cli::execute(command),
        Command::Plan(command) => {
            orchestrator::cli::exit_code(orchestrator::cli::plan::execute(command))
        }
        Command::Keys(KeysCommand::New(args)) => new_key(args),
        Command::Completions(args) => completions(args.shell),
    }
}

/// A completion script on standard output; rendered first, since clap_complete panics on a
/// write error (a closed pipe).
fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "orchestrator", &mut script);
    let mut stdout = std::io::stdout();
    match stdout.write_all(&script).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("orchestrator: {error}");
            ExitCode::from(2)
        }
    }
}

/// `keys new`: the key on the first line (for scripts), then the settings lines.
fn new_key(args: NewKeyArgs) -> ExitCode {
    let (key, sha256) = match orchestrator::auth::api_key::generate() {
        Ok(generated) => generated,
        Err(error) => {
            eprintln!("orchestrator: no randomness for a key: {error}");
            return ExitCode::FAILURE;
        }
    };
    let name = args
        .name
        .unwrap_or_else(|| format!("{}-{}", args.tenant, &sha256[..8]));
    let roles: Vec<String> = args
        .roles
        .iter()
        .map(|r| format!("{:?}", r.as_str()))
        .collect();
    println!("{key}");
    println!();
    println!("# The key above is shown once: keep it in a secret store. The settings hold only");
    println!("# its SHA-256:");
    println!("[[auth.api_keys]]");
    println!("name = {name:?}");
    println!("sha256 = \"{sha256}\"");
    println!("tenant = \"{}\"", args.tenant);
    println!("roles = [{}]", roles.join(", "));
    ExitCode::SUCCESS
}

/// glibc gives each thread that calls malloc (SQLite's, on the blocking pool; Rust code uses
/// jemalloc) an arena that reserves 64 MiB of address space: under a memory cap (RLIMIT_AS, a
/// container limit) a few dozen of them exhaust it with little real use. Two are plenty for
/// SQLite's share of the work.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread of ours
    // starts, and an unsupported value is ignored (it returns 0).
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    limit_malloc_arenas();
    let flags = FlagOverrides {
        listen: args.listen,
        drain_timeout: args.drain_timeout,
        log_format: args.log_format,
        log_filter: args.log_filter,
        data_dir: args.data_dir,
        insecure: args.insecure,
    };
    let settings = match Settings::load(args.config.as_deref(), &flags) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("orchestrator: {error}");
            return ExitCode::from(2);
        }
    };
    if args.check_config {
        println!("orchestrator: the settings are valid");
        return ExitCode::SUCCESS;
    }
    if args.print_config {
        // As the server would run: the built-in agents too, unless the settings name them.
        let mut effective = settings.clone();
        effective.agents = orchestrator::agents::with_builtins(&settings.agents);
        return match effective.to_toml_redacted() {
            Ok(rendered) => {
                print!("{rendered}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("orchestrator: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Store calls queue on a few SQLite connections anyway; more threads would only cost
        // stacks (2 MiB each of address space, which a memory-capped process runs out of).
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("orchestrator: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The span exporter's channel lives on the runtime.
    let traces =
        match runtime.block_on(async { telemetry::trace::provider(&settings.telemetry.otlp) }) {
            Ok(traces) => traces,
            Err(error) => {
                eprintln!("orchestrator: {error}");
                return ExitCode::from(2);
            }
        };
    let tracer = traces.as_ref().map(telemetry::trace::tracer);
    if let Err(error) = telemetry::init(&settings.log, tracer) {
        eprintln!("orchestrator: {error}");
        return ExitCode::from(2);
    }
    let result = runtime.block_on(async {
        let listener = server::bind(&settings).await?;
        server::serve(&settings, listener, shutdown_signal()).await
    });
    if let Some(traces) = traces {
        // Sends what is still buffered; a collector that is gone costs the export timeout.
        let flushed = runtime
            .block_on(async { tokio::task::spawn_blocking(move || traces.shutdown()).await });
        if let Ok(Err(error)) = flushed {
            tracing::warn!(%error, "the last spans could not be exported");
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server failed");
            ExitCode::FAILURE
        }
    }
}

/// Completes on the first SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("received SIGINT"),
        () = terminate => tracing::info!("received SIGTERM"),
    }
}
