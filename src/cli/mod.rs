//! The client side of the command line: commands that call the service (`run`, `watch`,
//! `list`, `get`, `cancel`, `resolve`, `criteria …`) and those that need none (`plan validate`,
//! `plan schema`).
//! On a terminal `run --follow` and `watch` show a live line per task; otherwise one plain line
//! per event. Exit codes: 0 done (for `run --follow`, `watch` and `criteria evaluate`: approved),
//! 1 not approved, 2 the command could not be carried out.

pub mod args;
pub mod connection;
pub mod criteria;
mod orchestrations;
pub mod output;
pub mod plan;
pub mod progress;

use std::process::ExitCode;

use criteria::Write;

pub use args::{ClientCommand, CriteriaCommand, PlanCommand};
pub use connection::{ConnectFailure, Connection, Target};

/// What the process exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done: submitted, listed, changed; when followed or evaluated, approved.
    Done,
    /// Followed or evaluated to a rejection, a failure or a cancellation.
    NotApproved,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Plan(#[from] plan::PlanError),
    #[error(transparent)]
    File(#[from] criteria::FileError),
    #[error("cannot reach {server}: {failure}")]
    Connect {
        server: String,
        failure: ConnectFailure,
    },
    /// The connection went away under a call that had reached the server.
    #[error("lost the connection to {server} (did the server stop or restart?)")]
    Lost { server: String },
    #[error("{}", describe_status(.0))]
    Rpc(#[from] tonic::Status),
    #[error("invalid {what}: {value:?}")]
    Invalid { what: &'static str, value: String },
    /// The server address or the TLS files (the message names which).
    #[error("{0}")]
    Tls(#[from] crate::tls::TlsError),
    /// A fault of this build, not of the input.
    #[error("internal error: {0}")]
    Internal(String),
}

/// A status and its field violations, each once: the message repeats the first violation, so
/// with a list only its subject is kept.
fn describe_status(status: &tonic::Status) -> String {
    use tonic_types::StatusExt as _;
    let violations = status
        .get_error_details()
        .bad_request()
        .map(|bad_request| bad_request.field_violations.clone())
        .unwrap_or_default();
    let message = status.message();
    let Some(first) = violations.first() else {
        return format!("{:?}: {message}", status.code());
    };
    let subject = message
        .split_once(&format!(": {}: ", first.field))
        .map_or(message, |(subject, _)| subject);
    let lines = violation_lines(
        violations
            .iter()
            .map(|violation| (violation.field.as_str(), violation.description.as_str())),
    );
    format!("{:?}: {subject}{lines}", status.code())
}

/// Field violations, one an indented line each, as the CLI prints them wherever they come from
/// (the server's answer, `plan validate`).
fn violation_lines<'a>(violations: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    violations
        .into_iter()
        .map(|(field, description)| format!("\n  {field}: {description}"))
        .collect()
}

/// Where the next page starts, beside a table (JSON and YAML carry the token themselves); on
/// standard error, so that the table's lines are the rows alone.
fn next_page_hint(token: &str) {
    if !token.is_empty() {
        eprintln!("(more: --page-token {token})");
    }
}

/// Runs one command against the service and maps its outcome to the exit code.
pub fn execute(command: ClientCommand) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("orchestrator: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    exit_code(runtime.block_on(dispatch(command)))
}

pub fn exit_code(result: Result<Outcome, CliError>) -> ExitCode {
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::NotApproved) => ExitCode::from(1),
        Err(error) => {
            eprintln!("orchestrator: {error}");
            ExitCode::from(2)
        }
    }
}

async fn dispatch(command: ClientCommand) -> Result<Outcome, CliError> {
    use ClientCommand as C;
    use CriteriaCommand as K;
    let mut connection = Connection::open(&Target::from_args(command.client().clone())?).await?;
    let connection = &mut connection;
    match command {
        C::Run(args) => {
            let request_id = args.request_id.as_deref();
            connection.run(&args.plan, request_id, args.follow).await
        }
        C::Watch(args) => connection.watch(&args.orchestration_id, args.after).await,
        C::List(args) => connection.list(&args).await,
        C::Get(args) => connection.get(&args).await,
        C::Cancel(args) => connection.cancel(&args).await,
        C::Resolve(args) => connection.resolve(args).await,
        C::Criteria(K::Create(args)) => connection.write_criteria(Write::Create, &args).await,
        C::Criteria(K::Update(args)) => connection.write_criteria(Write::Update, &args).await,
        C::Criteria(K::Get(args)) => connection.get_criteria(&args).await,
        C::Criteria(K::List(args)) => connection.list_criteria(&args).await,
        C::Criteria(K::Delete(args)) => connection.delete_criteria(&args).await,
        C::Criteria(K::Evaluate(args)) => connection.evaluate(&args).await,
    }
}
