//! The composition root: builds the tower stack and the gRPC services from the settings, serves
//! them, and shuts down gracefully.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tonic::server::NamedService;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;
use tower_http::classify::{GrpcCode, GrpcErrorsAsFailures, SharedClassifier};
use tower_http::trace::TraceLayer;

use crate::admin::{self, Admin};
use crate::agents::AgentRegistry;
use crate::agents::registry::AgentConfigError;
use crate::api::auth::EdgeAuth;
use crate::api::criteria::ReviewCriteriaApi;
use crate::api::drain::{Drain, DrainOutcome};
use crate::api::metrics::MetricsLayer;
use crate::api::orchestrator::OrchestratorApi;
use crate::api::pb;
use crate::api::pb::orchestrator_service_server::OrchestratorServiceServer;
use crate::api::pb::review_criteria_service_server::ReviewCriteriaServiceServer;
use crate::api::rescue::{self, RequestTypes, RescueLayer};
use crate::auth::AuthSetupError;
use crate::catalog::{CatalogError, CriteriaCatalog};
use crate::config::{
    AuthMode, CosmosCredential, ReflectionAccess, RunningAtShutdown, Settings, StorageBackend,
};
use crate::console::{Console, ConsoleLayer};
use crate::engine::orchestration::Runner;
use crate::engine::stack::{self, CallMeter};
use crate::secrets::redact_url;
use crate::service::admission::{Admission, AdmissionLimits};
use crate::service::availability::StoreAvailability;
use crate::service::log::EventLog;
use crate::service::{LeaseSettings, Orchestrations, PlanRules, ServiceParts};
use crate::store::connecting::Connecting;
use crate::store::cosmos::{CosmosAuth, CosmosConfig, CosmosStore};
use crate::store::metered::Metered;
use crate::store::sqlite::SqliteStore;
use crate::store::{OpenError, Store, StoreError};
use crate::telemetry;
use crate::telemetry::metrics::Metrics;
use crate::tls::TlsError;
use crate::tls::server::ServerTls;
use crate::transport::{self, ActivityLayer, ListenerLimits};

const HEALTH_SERVICE: &str = "grpc.health.v1.Health";
/// How long cancelled orchestrations get to stop, and the event log to flush, at shutdown.
/// With the 1 s for the last streams and 2 s for connections, shutdown takes at most the drain
/// period plus about 9 s.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// Longest pause between attempts to open a store that could not be reached at start-up.
const MAX_CONNECT_PAUSE: Duration = Duration::from_secs(30);
/// How often the store is pinged for health.
const STORE_PROBE_INTERVAL: Duration = Duration::from_secs(1);
const REFLECTION_SERVICES: &[&str] = &[
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

/// The services this server answers, each with its own health status.
const SERVED: &[&str] = &[
    <OrchestratorServiceServer<OrchestratorApi> as NamedService>::NAME,
    <ReviewCriteriaServiceServer<ReviewCriteriaApi> as NamedService>::NAME,
];

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Settings(String),
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    OpenStore(#[from] OpenError),
    #[error("invalid agent settings: {0}")]
    Agents(#[from] AgentConfigError),
    #[error("cannot load the review criteria: {0}")]
    Catalog(#[from] CatalogError),
    #[error("server.tls: {0}")]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Auth(#[from] AuthSetupError),
    #[error("review.pseudonym_key_file: {0}")]
    PseudonymKey(#[from] crate::secrets::KeyFileError),
    #[error("the web console cannot describe the API: {0}")]
    Console(#[from] prost::DecodeError),
    #[error("reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("the server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Binds the configured address.
pub async fn bind(settings: &Settings) -> Result<TcpListener, ServerError> {
    let addr = settings.server.listen;
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })
}

/// Serves on `listener` until `shutdown` completes, then drains: health turns NOT_SERVING at
/// once, new calls are refused, running calls get `server.drain_timeout` to finish.
pub async fn serve(
    settings: &Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServerError> {
    let availability = StoreAvailability::default();
    let background = CancellationToken::new();
    let metrics = Arc::new(Metrics::new(settings.metrics.tenant_label));
    let Guards {
        tls,
        edge_auth,
        pseudonym_secret,
    } = guards(settings, &background).await?;
    let store = open_store(settings, &availability, &background).await?;
    // Every failed store call counts, whoever made it.
    let failed = metrics.clone();
    let store: Arc<dyn Store> = Arc::new(Metered::new(
        store,
        Arc::new(move |op, kind| failed.store_failed(op, kind)),
    ));
    let catalog = Arc::new(CriteriaCatalog::new(
        store.clone(),
        settings.review.criteria_cache_ttl,
    )?);
    let orchestrations = Arc::new(orchestrations(
        settings,
        store.clone(),
        catalog.clone(),
        availability.clone(),
        pseudonym_secret,
        metrics.clone(),
    )?);
    // Bound once everything that may refuse the settings has: a refusal names its reason, not
    // a port in use.
    let admin_address = settings.server.admin_address();
    let admin_listener = admin::bind(admin_address)
        .await
        .map_err(|source| ServerError::Bind {
            addr: admin_address.unwrap_or(settings.server.listen),
            source,
        })?;
    let lease_keeper = tokio::spawn(orchestrations.clone().keep_leases(background.clone()));
    tokio::spawn(
        availability
            .clone()
            .probe(store, STORE_PROBE_INTERVAL, background.clone()),
    );

    let (reporter, health_service) = tonic_health::server::health_reporter();
    let health = Health {
        reporter,
        ready: Arc::new(watch::Sender::new(false)),
    };
    let serving = if availability.is_up() {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    };
    health.set(serving).await;
    // Health follows the store until shutdown begins.
    let health_follows_store = CancellationToken::new();
    tokio::spawn(follow_store(
        health.clone(),
        availability.subscribe(),
        health_follows_store.clone(),
    ));
    let admin_stop = CancellationToken::new();
    if let Some(listener) = admin_listener {
        let address = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let admin = Admin {
            metrics: metrics.clone(),
            ready: health.ready.subscribe(),
        };
        tokio::spawn(admin::serve(listener, admin, admin_stop.clone()));
        tracing::info!(%address, "serving admin HTTP (/metrics, /healthz, /readyz)");
    }
    let methods = Arc::new(RequestTypes::from_descriptor_sets(&[
        pb::FILE_DESCRIPTOR_SET,
        tonic_health::pb::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
    ]));

    let reflection = settings.server.reflection != ReflectionAccess::Off;
    let reflection_v1 = reflection
        .then(|| reflection_builder().build_v1())
        .transpose()?;
    let reflection_v1alpha = reflection
        .then(|| reflection_builder().build_v1alpha())
        .transpose()?;

    let drain = Drain::new();
    let stop_accepting = CancellationToken::new();
    let server_settings = &settings.server;
    let console = server_settings
        .console
        .then(|| Console::new(&[pb::FILE_DESCRIPTOR_SET]))
        .transpose()
        .map_err(ServerError::Console)?;
    let grpc_web = console.is_some().then(tonic_web::GrpcWebLayer::new);
    let router = tonic::transport::Server::builder()
        // The console's browsers speak HTTP/1.1 when there is no TLS to negotiate HTTP/2.
        .accept_http1(console.is_some())
        // Room to answer oversized metadata with a status rather than a reset stream.
        .http2_max_header_list_size(rescue::TRANSPORT_HEADER_LIMIT)
        .max_concurrent_streams(Some(server_settings.max_concurrent_streams))
        .http2_keepalive_interval(Some(server_settings.keepalive_interval))
        .http2_keepalive_timeout(Some(server_settings.keepalive_timeout))
        .timeout(server_settings.request_timeout)
        // Outermost: a call keeps its connection from counting as idle until its response ends.
        .layer(ActivityLayer)
        // The console's own files need no credentials and are no calls: answered before the
        // rest. Also refuses gRPC-Web calls from other sites' pages.
        .layer(ConsoleLayer::new(console))
        // gRPC-Web becomes gRPC (and its answer gRPC-Web again) before anything looks at a
        // call, so that every layer below sees one protocol.
        .layer(tower::util::option_layer(grpc_web))
        // The layers above take tonic's body type; the trace's wraps it.
        .layer(tower::util::MapResponseLayer::new(
            |response: http::Response<TracedBody>| response.map(tonic::body::Body::new),
        ))
        // So that every call gets a span, refused ones included.
        .layer(trace_layer())
        // Outside the rescue and authentication, so that refused calls count with the status
        // they really got.
        .layer(MetricsLayer::new(metrics.clone(), methods.clone()))
        // Inside the trace, so that it sees the status a malformed call really gets.
        .layer(RescueLayer::new(methods))
        // Before anything spends work on a call: who calls, may they, for which tenant.
        .layer(edge_auth.layer())
        // Innermost: counts the calls that were let in, so that shutdown waits for them.
        .layer(drain.layer())
        .add_service(health_service)
        .add_optional_service(reflection_v1)
        .add_optional_service(reflection_v1alpha)
        .add_service(
            OrchestratorServiceServer::new(OrchestratorApi::new(orchestrations.clone()))
                .max_decoding_message_size(server_settings.max_message_bytes),
        )
        .add_service(
            ReviewCriteriaServiceServer::new(ReviewCriteriaApi::new(
                catalog,
                orchestrations.agents().names(),
            ))
            .max_decoding_message_size(server_settings.max_message_bytes),
        );

    let address = listener
        .local_addr()
        .map(|address| address.to_string())
        .unwrap_or_default();
    let stopped = stop_accepting.clone().cancelled_owned();
    let limits = ListenerLimits {
        max_connections: server_settings.max_connections,
        header_read_timeout: server_settings.header_read_timeout,
        idle_timeout: server_settings.idle_timeout,
    };
    let incoming = transport::incoming(listener, tls.clone(), limits);
    let mut server = tokio::spawn(router.serve_with_incoming_shutdown(incoming, stopped));
    tracing::info!(
        %address,
        tls = tls.is_some(),
        client_certificates = tls.as_ref().is_some_and(|tls| tls.requires_client_certificates()),
        auth = ?settings.auth.mode,
        "serving gRPC"
    );

    tokio::select! {
        () = shutdown => {}
        // The transport ended on its own: a fatal error, reported below.
        result = &mut server => return Ok(result??),
    }

    health_follows_store.cancel();
    health.set(ServingStatus::NotServing).await;
    let period = settings.server.drain_timeout;
    tracing::info!(
        in_flight = drain.in_flight(),
        ?period,
        "shutting down: draining calls"
    );
    drain.begin();
    // The lease keeper beats through the drain, and stops before orchestrations do: it must
    // not resume here what is being handed over.
    let mut lease_keeper = Some(lease_keeper);
    let mut stop_background = async || {
        background.cancel();
        if let Some(mut keeper) = lease_keeper.take()
            && tokio::time::timeout(Duration::from_secs(2), &mut keeper)
                .await
                .is_err()
        {
            // Mid-adoption of a large log: what it did not finish, the lease hands on.
            keeper.abort();
        }
    };
    let hand_over = settings.server.running_at_shutdown == RunningAtShutdown::HandOver;
    match drain.wait_idle_for(period).await {
        DrainOutcome::Idle => {
            tracing::info!("all calls finished");
            drain.stop();
            stop_background().await;
            orchestrations.shutdown(SHUTDOWN_GRACE, hand_over).await;
        }
        DrainOutcome::TimedOut { cut } => {
            tracing::warn!(
                cut,
                "drain period ran out; cancelling orchestrations and ending calls"
            );
            // Cancelled orchestrations send their final events to the streams still open.
            stop_background().await;
            orchestrations.shutdown(SHUTDOWN_GRACE, hand_over).await;
            drain.wait_idle_for(Duration::from_secs(1)).await;
            drain.stop();
        }
    }
    stop_accepting.cancel();
    stop_background().await;
    // Every call has ended by now, so connections close at once; the bound only guards against
    // a peer that never acknowledges.
    match tokio::time::timeout(Duration::from_secs(2), &mut server).await {
        Ok(result) => result??,
        Err(_) => {
            server.abort();
            tracing::warn!("connections did not close in time; dropped them");
        }
    }
    admin_stop.cancel();
    tracing::info!("stopped");
    Ok(())
}

/// Opens the configured store. A remote store that cannot be reached yet does not stop the
/// server: it starts as during an outage (NOT_SERVING, new work refused) and opens the store in
/// the background. Settings that cannot work do stop it.
async fn open_store(
    settings: &Settings,
    availability: &StoreAvailability,
    stop: &CancellationToken,
) -> Result<Arc<dyn Store>, ServerError> {
    match settings.storage.backend {
        StorageBackend::Sqlite => {
            let store = SqliteStore::open(&settings.storage.data_dir).await?;
            tracing::info!(path = %store.path().display(), "embedded store open");
            Ok(Arc::new(store))
        }
        StorageBackend::Cosmos => {
            let config = cosmos_config(settings)?;
            match CosmosStore::connect(&config).await {
                Ok(store) => {
                    tracing::info!(endpoint = %redact_url(&config.endpoint), database = store.database(), "cosmos store open");
                    Ok(Arc::new(store))
                }
                Err(OpenError::Unreachable(error)) => {
                    availability.report(false, &error);
                    tracing::warn!("serving NOT_SERVING until the store can be opened");
                    let connecting = Arc::new(Connecting::new(error));
                    tokio::spawn(keep_connecting(connecting.clone(), config, stop.clone()));
                    Ok(connecting)
                }
                Err(error) => Err(error.into()),
            }
        }
    }
}

fn cosmos_config(settings: &Settings) -> Result<CosmosConfig, ServerError> {
    let cosmos = &settings.storage.cosmos;
    let auth = match cosmos.credential {
        CosmosCredential::Key => CosmosAuth::Key(std::env::var(&cosmos.key_env).map_err(|_| {
            ServerError::Settings(format!(
                "storage.cosmos.credential is key but the environment variable {} (storage.cosmos.key_env) holding the account key is not set",
                cosmos.key_env
            ))
        })?),
        CosmosCredential::ManagedIdentity => CosmosAuth::ManagedIdentity {
            client_id: Some(cosmos.managed_identity_client_id.clone()).filter(|id| !id.is_empty()),
        },
    };
    Ok(CosmosConfig {
        endpoint: cosmos.endpoint.clone(),
        auth,
        database: cosmos.database.clone(),
        create_containers: cosmos.create_containers,
        http2: cosmos.http2,
        binary_encoding: cosmos.binary_encoding,
    })
}

/// Tries to open the Cosmos store, backing off up to `MAX_CONNECT_PAUSE`, until it opens or
/// `stop`.
async fn keep_connecting(
    connecting: Arc<Connecting>,
    config: CosmosConfig,
    stop: CancellationToken,
) {
    let mut pause = Duration::from_secs(1);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(pause) => {}
        }
        match CosmosStore::connect(&config).await {
            Ok(store) => {
                tracing::info!(endpoint = %redact_url(&config.endpoint), database = store.database(), "cosmos store open");
                connecting.open(Arc::new(store));
                return;
            }
            Err(error) => {
                tracing::warn!(%error, retry_in = ?pause, "cannot open the store yet");
                connecting.failed(error.to_string());
                pause = (pause * 2).min(MAX_CONNECT_PAUSE);
            }
        }
    }
}

/// Turns health NOT_SERVING while the store is unreachable, SERVING again once it is back.
async fn follow_store(
    health: Health,
    mut store_up: tokio::sync::watch::Receiver<bool>,
    stop: CancellationToken,
) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            changed = store_up.changed() => if changed.is_err() { return },
        }
        let up = *store_up.borrow_and_update();
        // Shutdown may have begun while this waited; it owns health from then on.
        if stop.is_cancelled() {
            return;
        }
        let status = if up {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        health.set(status).await;
    }
}

/// gRPC health, and its mirror for the admin listener's `/readyz`.
#[derive(Clone)]
struct Health {
    reporter: HealthReporter,
    ready: Arc<watch::Sender<bool>>,
}

impl Health {
    async fn set(&self, status: ServingStatus) {
        self.reporter.set_service_status("", status).await;
        for service in SERVED {
            self.reporter.set_service_status(*service, status).await;
        }
        self.ready.send_replace(status == ServingStatus::Serving);
    }
}

fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    let mut builder = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .with_service_name(HEALTH_SERVICE);
    // List only what this server answers: AgentService is in the descriptors (clients may
    // describe it) but is implemented by external agents, not here.
    for service in SERVED.iter().chain(REFLECTION_SERVICES) {
        builder = builder.with_service_name(*service);
    }
    builder
}

/// The response body of a traced call.
type TracedBody = tower_http::trace::ResponseBody<
    tonic::body::Body,
    tower_http::classify::GrpcEosErrorsAsFailures,
>;

/// One span per call. Statuses that report a caller's mistake are not logged as server
/// failures; the rest (INTERNAL, UNKNOWN, UNAVAILABLE, DEADLINE_EXCEEDED, DATA_LOSS) are.
fn trace_layer() -> TraceLayer<SharedClassifier<GrpcErrorsAsFailures>, CallSpan> {
    let classifier = GrpcErrorsAsFailures::new()
        .with_success(GrpcCode::Cancelled)
        .with_success(GrpcCode::InvalidArgument)
        .with_success(GrpcCode::NotFound)
        .with_success(GrpcCode::AlreadyExists)
        .with_success(GrpcCode::PermissionDenied)
        .with_success(GrpcCode::ResourceExhausted)
        .with_success(GrpcCode::FailedPrecondition)
        .with_success(GrpcCode::Aborted)
        .with_success(GrpcCode::OutOfRange)
        .with_success(GrpcCode::Unimplemented)
        .with_success(GrpcCode::Unauthenticated);
    TraceLayer::new(SharedClassifier::new(classifier)).make_span_with(CallSpan)
}

/// One span per call, at info (so that traces have it under the default log filter), the
/// child of the caller's trace context when it sent one.
#[derive(Clone, Copy)]
struct CallSpan;

impl<B> tower_http::trace::MakeSpan<B> for CallSpan {
    fn make_span(&mut self, request: &http::Request<B>) -> tracing::Span {
        let span = tracing::info_span!(
            "grpc_call",
            otel.name = %request.uri().path().trim_start_matches('/'),
            otel.kind = "server",
        );
        telemetry::trace::continue_from(&span, request.headers());
        span
    }
}

/// What guards the listener and the data: TLS, the edge's authentication, the pseudonym
/// secret.
struct Guards {
    tls: Option<Arc<ServerTls>>,
    edge_auth: Arc<EdgeAuth>,
    pseudonym_secret: Arc<[u8]>,
}

/// Builds the guards, and starts what keeps them fresh (certificate files, JWT keys) until
/// `background` ends. Settings that cannot work stop the server here, before it touches the
/// store or accepts anything.
async fn guards(
    settings: &Settings,
    background: &CancellationToken,
) -> Result<Guards, ServerError> {
    crate::tls::install_default_provider();
    let tls = settings
        .server
        .tls
        .as_ref()
        .map(ServerTls::load)
        .transpose()?;
    let edge_auth = Arc::new(EdgeAuth::new(
        settings.auth.mode,
        crate::auth::from_settings(&settings.auth).await?,
        settings.server.reflection,
    ));
    let pseudonym_secret = pseudonym_secret(settings)?;
    warn_about_exposure(settings, tls.is_some());
    if let Some(jwt) = &edge_auth.authenticator().jwt {
        tokio::spawn(jwt.clone().keep_fresh(background.clone()));
    }
    if let Some(tls) = &tls {
        tokio::spawn(tls.clone().watch(background.clone()));
    }
    Ok(Guards {
        tls,
        edge_auth,
        pseudonym_secret,
    })
}

/// The server secret that keys HASH pseudonyms. Each replica making its own would give one
/// value different pseudonyms on different replicas, hence the warning.
fn pseudonym_secret(settings: &Settings) -> Result<Arc<[u8]>, ServerError> {
    let configured = settings.review.pseudonym_key_file.as_deref();
    if configured.is_none() && settings.storage.backend == StorageBackend::Cosmos {
        tracing::warn!(
            "review.pseudonym_key_file is unset: this replica keys HASH pseudonyms with a secret of its own data directory, so other replicas write different ones; give every replica the same key file"
        );
    }
    let key = crate::secrets::pseudonym_key(configured, &settings.storage.data_dir)?;
    Ok(Arc::from(key))
}

/// Says at start-up what the settings leave open.
fn warn_about_exposure(settings: &Settings, tls: bool) {
    let server = &settings.server;
    let beyond_loopback = !server.listen.ip().is_loopback();
    if settings.auth.mode == AuthMode::Off && beyond_loopback {
        tracing::warn!(
            listen = %server.listen,
            "authentication is off on an address beyond loopback (server.insecure = true): every caller may act for every tenant"
        );
    }
    let auth = &settings.auth;
    let configured =
        auth.api_keys.len() + auth.client_certs.len() + usize::from(auth.jwt.is_some());
    if auth.mode == AuthMode::Off && configured > 0 {
        tracing::warn!(
            configured,
            "auth.mode is \"off\": the credentials configured under [auth] are not checked, and every caller may act for every tenant"
        );
    }
    if settings.auth.mode == AuthMode::Required && !tls && beyond_loopback {
        tracing::warn!(
            listen = %server.listen,
            "credentials and task data cross the network in clear: set [server.tls] unless a mesh encrypts the traffic"
        );
    }
}

/// The orchestration service from the settings: agents, their stacks, the engine, the log.
fn orchestrations(
    settings: &Settings,
    store: Arc<dyn Store>,
    catalog: Arc<CriteriaCatalog>,
    availability: StoreAvailability,
    pseudonym_secret: Arc<[u8]>,
    metrics: Arc<Metrics>,
) -> Result<Orchestrations, ServerError> {
    let engine = &settings.engine;
    let (limits, defaults) = settings.plan_limits();
    let rules = PlanRules {
        agents: AgentRegistry::from_settings(&settings.agents)?,
        limits,
        defaults,
    };
    let meter: Arc<dyn CallMeter> = metrics.clone();
    let runner = Runner {
        stacks: rules
            .agents
            .iter()
            .map(|agent| (agent.name.to_string(), stack::build(agent, &meter)))
            .collect(),
        judge_timeout: engine.default_task_timeout,
        judge_retry: engine.retry.clone(),
        pseudonym_secret,
    };
    let leases = server_identity(settings.storage.lease_duration);
    let (log, _writer) = EventLog::start(
        store.clone(),
        leases.owner.clone(),
        availability.clone(),
        metrics.clone(),
    );
    let admitted = &settings.limits;
    let admission = Admission::new(AdmissionLimits {
        max_in_flight: admitted.max_in_flight,
        max_in_flight_per_tenant: admitted.max_in_flight_per_tenant,
        submissions_per_second_per_tenant: admitted.submissions_per_second_per_tenant,
        memory_budget: admitted.memory_budget,
        memory_budget_per_tenant: admitted.memory_budget_per_tenant,
    });
    Ok(Orchestrations::new(ServiceParts {
        store,
        catalog,
        rules,
        runner,
        log,
        leases,
        availability,
        admission,
        metrics,
    }))
}

/// How this process names itself in leases: the host (the pod, under Kubernetes) for people
/// reading them, and a fresh id so that a restarted process is a new owner. A host named by
/// the environment (`HOSTNAME`: Kubernetes and container runtimes set it to the pod's or the
/// container's own name) runs one process at a time, so a server starting there knows its
/// predecessor gone.
fn server_identity(duration: std::time::Duration) -> LeaseSettings {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty());
    let owner = format!(
        "{}/{}",
        host.as_deref().unwrap_or("orchestrator"),
        uuid::Uuid::now_v7().simple()
    );
    LeaseSettings {
        owner,
        host,
        duration,
    }
}
