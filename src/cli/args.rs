//! The client commands' arguments. The client's variables have a prefix of their own
//! (`ORCHESTRATOR_CLIENT_*`), which the server skips: one shell can hold both.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};

use crate::api::pb;
use crate::config::{CLIENT_ENV_PREFIX, CONFIG_FILE_ENV};

/// Where the client connects without `--server`.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:50051";

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Submit a plan file (YAML or JSON, shaped like OrchestrationSpec) and, with --follow,
    /// show its progress and decision.
    Run(RunArgs),
    /// Follow an existing orchestration to its end.
    Watch(WatchArgs),
    /// List the tenant's orchestrations, newest first, a page at a time.
    List(ListArgs),
    /// Show one orchestration: state, tasks, decision and output.
    Get(GetArgs),
    /// Cancel an orchestration that has not ended.
    Cancel(CancelArgs),
    /// Decide an orchestration whose review escalated to a human (AWAITING_HUMAN).
    Resolve(ResolveArgs),
    /// Review criteria: create, read, change and delete them, or try them on an output.
    #[command(subcommand)]
    Criteria(CriteriaCommand),
}

impl ClientCommand {
    /// Where the command connects, and as whom.
    pub fn client(&self) -> &ClientArgs {
        match self {
            Self::Run(args) => &args.client,
            Self::Watch(args) => &args.client,
            Self::List(args) => &args.client,
            Self::Get(args) => &args.client,
            Self::Cancel(args) => &args.client,
            Self::Resolve(args) => &args.client,
            Self::Criteria(command) => match command {
                CriteriaCommand::Create(args) | CriteriaCommand::Update(args) => &args.client,
                CriteriaCommand::Get(args) => &args.client,
                CriteriaCommand::List(args) => &args.client,
                CriteriaCommand::Delete(args) => &args.client,
                CriteriaCommand::Evaluate(args) => &args.client,
            },
        }
    }
}

/// Where the client connects, and as whom.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// The service's address: `host:port`, `http://host:port`, or `https://host:port` (TLS).
    /// Without a scheme, TLS when a CA or client certificate is given or the port is 443
    /// [default: http://127.0.0.1:50051].
    #[arg(long, env = "ORCHESTRATOR_CLIENT_SERVER", value_name = "ADDRESS")]
    pub server: Option<String>,
    /// Tenant (sent as x-tenant-id): needed only without authentication, or to act for another
    /// tenant as an admin.
    #[arg(long, env = "ORCHESTRATOR_CLIENT_TENANT")]
    pub tenant: Option<String>,
    /// An API key or a JWT, sent as `authorization: Bearer`.
    #[arg(long, env = "ORCHESTRATOR_CLIENT_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// PEM file of the CA that signed the server's certificate (instead of the system's).
    #[arg(long, env = "ORCHESTRATOR_CLIENT_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// PEM file of a client certificate, for servers that require one (mTLS).
    #[arg(
        long,
        env = "ORCHESTRATOR_CLIENT_CERT",
        value_name = "FILE",
        requires = "client_key"
    )]
    pub client_cert: Option<PathBuf>,
    /// PEM file of the client certificate's private key.
    #[arg(
        long,
        env = "ORCHESTRATOR_CLIENT_KEY",
        value_name = "FILE",
        requires = "client_cert"
    )]
    pub client_key: Option<PathBuf>,
    /// How long connecting (TCP, TLS and HTTP/2) may take.
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub connect_timeout: std::time::Duration,
}

impl ClientArgs {
    /// The flags, else the variables, else the variables' names before they had the
    /// `ORCHESTRATOR_CLIENT_` prefix (with a warning).
    pub fn with_legacy_variables(mut self) -> Self {
        let legacy = |old: &str, new: &str| {
            let value = std::env::var_os(old)?;
            eprintln!(
                "orchestrator: warning: {old} is read for now; rename it {CLIENT_ENV_PREFIX}{new}"
            );
            Some(value)
        };
        if self.server.is_none() {
            self.server = legacy("ORCHESTRATOR_SERVER_URL", "SERVER")
                .map(|value| value.to_string_lossy().into_owned());
        }
        if self.tenant.is_none() {
            self.tenant = legacy("ORCHESTRATOR_TENANT", "TENANT")
                .map(|value| value.to_string_lossy().into_owned());
        }
        if self.token.is_none() {
            self.token = legacy("ORCHESTRATOR_TOKEN", "TOKEN")
                .map(|value| value.to_string_lossy().into_owned());
        }
        if self.ca_cert.is_none() {
            self.ca_cert = legacy("ORCHESTRATOR_CA_CERT", "CA_CERT").map(PathBuf::from);
        }
        self
    }
}

/// How a command prints what it read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns and labelled lines, for people.
    #[default]
    Table,
    /// The API's JSON form (proto field names), for programs.
    Json,
    /// The same as YAML; criteria read back this way can be edited and updated.
    Yaml,
}

/// How a command that prints one document (criteria) prints it: no table, since a nested
/// document reads best as itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum DocumentFormat {
    /// The API's JSON form as YAML: what `criteria update` takes back.
    #[default]
    Yaml,
    /// The API's JSON form (proto field names).
    Json,
}

impl From<DocumentFormat> for OutputFormat {
    fn from(format: DocumentFormat) -> Self {
        match format {
            DocumentFormat::Yaml => Self::Yaml,
            DocumentFormat::Json => Self::Json,
        }
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The plan file.
    pub plan: String,
    /// Show live progress and the decision; exit 0 only when approved.
    #[arg(long)]
    pub follow: bool,
    /// Idempotency key: running the same plan again with it returns the same orchestration.
    #[arg(long)]
    pub request_id: Option<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    pub orchestration_id: String,
    /// Show only events after this sequence number.
    #[arg(long, default_value_t = 0)]
    pub after: u64,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// An orchestration state, as `list --state` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StateName {
    Pending,
    Running,
    Reviewing,
    #[value(name = "awaiting_human", alias = "awaiting-human")]
    AwaitingHuman,
    Approved,
    Rejected,
    Failed,
    Cancelled,
}

impl StateName {
    pub fn to_proto(self) -> pb::OrchestrationState {
        use pb::OrchestrationState as State;
        match self {
            Self::Pending => State::Pending,
            Self::Running => State::Running,
            Self::Reviewing => State::Reviewing,
            Self::AwaitingHuman => State::AwaitingHuman,
            Self::Approved => State::Approved,
            Self::Rejected => State::Rejected,
            Self::Failed => State::Failed,
            Self::Cancelled => State::Cancelled,
        }
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only orchestrations in these states (repeat, or separate with commas).
    #[arg(long = "state", value_enum, value_delimiter = ',')]
    pub states: Vec<StateName>,
    /// Orchestrations per page (the server allows up to 1000).
    #[arg(long, default_value_t = 20)]
    pub page_size: u32,
    /// The page after the one that printed this token.
    #[arg(long)]
    pub page_token: Option<String>,
    /// Only the orchestration submitted with this request id.
    #[arg(long)]
    pub request_id: Option<String>,
    #[arg(long, short, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    pub orchestration_id: String,
    /// Also the redacted output awaiting a decision (AWAITING_HUMAN; needs the reviewer role).
    #[arg(long)]
    pub escalated: bool,
    #[arg(long, short, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
pub struct CancelArgs {
    pub orchestration_id: String,
    /// Why, recorded with the cancellation.
    #[arg(long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("decision").required(true).args(["approve", "reject"])))]
pub struct ResolveArgs {
    pub orchestration_id: String,
    /// Release the escalated output.
    #[arg(long)]
    pub approve: bool,
    /// Refuse it: the orchestration ends REJECTED.
    #[arg(long)]
    pub reject: bool,
    /// Why, recorded in the decision.
    #[arg(long)]
    pub comment: Option<String>,
    /// Who decides, when the server runs without authentication (with it, the credentials
    /// name the reviewer) [default: $USER].
    #[arg(long, env = "ORCHESTRATOR_CLIENT_REVIEWER")]
    pub reviewer: Option<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Subcommand)]
pub enum CriteriaCommand {
    /// Create criteria from a YAML or JSON file in the API's ReviewCriteria shape (without an
    /// `id`, the server makes one up).
    Create(CriteriaFileArgs),
    /// Print stored criteria (`builtin:default` prints the built-in defaults).
    Get(CriteriaGetArgs),
    /// List the tenant's criteria.
    List(CriteriaListArgs),
    /// Replace criteria from a file. Its `version` must be the stored one, as `criteria get`
    /// prints it, so that nobody's change is overwritten unseen.
    Update(CriteriaFileArgs),
    /// Delete criteria.
    Delete(CriteriaDeleteArgs),
    /// Review an output file against criteria without running or storing anything; exit 0
    /// when approved, 1 otherwise.
    Evaluate(EvaluateArgs),
}

#[derive(Debug, Args)]
pub struct CriteriaFileArgs {
    /// The criteria file (YAML or JSON; `-` reads standard input).
    pub file: String,
    #[arg(long, short, value_enum, default_value_t)]
    pub output: DocumentFormat,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
pub struct CriteriaGetArgs {
    pub id: String,
    #[arg(long, short, value_enum, default_value_t)]
    pub output: DocumentFormat,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
pub struct CriteriaListArgs {
    /// Criteria per page.
    #[arg(long, default_value_t = 50)]
    pub page_size: u32,
    /// The page after the one that printed this token.
    #[arg(long)]
    pub page_token: Option<String>,
    #[arg(long, short, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
pub struct CriteriaDeleteArgs {
    pub id: String,
    /// Delete only while this is the stored version.
    #[arg(long)]
    pub version: Option<u64>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("criteria").args(["id", "file"])))]
pub struct EvaluateArgs {
    /// The output to review, as text (markdown); `-` reads standard input.
    pub output_file: String,
    /// Stored criteria to review with [default: the tenant's `default`, else the built-in
    /// defaults].
    #[arg(long)]
    pub id: Option<String>,
    /// Criteria from a file instead, not stored.
    #[arg(long)]
    pub file: Option<String>,
    #[arg(long, short, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Check a plan file as the server would, without a server: every violation with its path;
    /// exit 2 when there is one.
    Validate(PlanValidateArgs),
    /// Print the JSON Schema of plan files (checked in as schemas/plan.schema.json).
    Schema,
}

#[derive(Debug, Args)]
pub struct PlanValidateArgs {
    /// The plan file.
    pub plan: String,
    /// The server's settings file: its agents and limits [default: the built-in agents and
    /// default limits, with ORCHESTRATOR_* variables applied as for `serve`].
    #[arg(long, short = 'c', env = CONFIG_FILE_ENV, value_name = "FILE")]
    pub config: Option<PathBuf>,
}
