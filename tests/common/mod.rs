//! Shared start-up for the integration tests: the real server, in-process, on 127.0.0.1:0, and
//! clients from the generated stubs.
#![allow(dead_code)] // Each test binary uses a different part of this helper.

pub mod certs;
pub mod cosmos_peer;
pub mod http_peer;
pub mod jwt;
pub mod keys;
pub mod plans;
pub mod process;
pub mod tools;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use orchestrator::api::pb::review_criteria_service_client::ReviewCriteriaServiceClient;
use orchestrator::config::Settings;
use orchestrator::server::{self, ServerError};
use orchestrator::tls::client::ClientTls;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::health_client::HealthClient;

pub struct TestServer {
    pub addr: SocketAddr,
    pub channel: Channel,
    /// The data directory; removed when the server is dropped.
    pub data_dir: Arc<tempfile::TempDir>,
    /// How clients reach a server with `[server.tls]`.
    pub client_tls: Option<ClientTls>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServerError>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(Settings::default()).await
    }

    pub async fn start_with(settings: Settings) -> Self {
        let data_dir = Arc::new(tempfile::tempdir().expect("temporary data directory"));
        Self::start_in(settings, data_dir).await
    }

    /// Starts with `[server.tls]` in `settings`; its own clients connect with `client_tls`.
    pub async fn start_secured(settings: Settings, client_tls: ClientTls) -> Self {
        let data_dir = Arc::new(tempfile::tempdir().expect("temporary data directory"));
        Self::start_as(settings, data_dir, Some(client_tls)).await
    }

    /// Starts on an existing data directory (a restart keeps its data).
    pub async fn start_in(settings: Settings, data_dir: Arc<tempfile::TempDir>) -> Self {
        Self::start_as(settings, data_dir, None).await
    }

    async fn start_as(
        mut settings: Settings,
        data_dir: Arc<tempfile::TempDir>,
        client_tls: Option<ClientTls>,
    ) -> Self {
        settings.server.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        // Tests run side by side: no fixed admin port (tests/metrics.rs runs the binary).
        settings.server.admin_listen = String::new();
        settings.storage.data_dir = data_dir.path().to_owned();
        let listener = server::bind(&settings).await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let (shutdown, shutdown_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server::serve(&settings, listener, async {
                let _ = shutdown_rx.await;
            })
            .await
        });
        let channel = connect_with(addr, client_tls.as_ref()).await;
        // The port is bound before the server starts, so a connection proves nothing: wait for
        // an answer, and report the server's own error if it stopped instead.
        let mut health = HealthClient::new(channel.clone());
        let ready = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let check = tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                };
                if health.check(check).await.is_ok() || task.is_finished() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        if task.is_finished() {
            let outcome = task.await;
            panic!("the test server stopped at start-up: {outcome:?}");
        }
        ready.expect("the test server answers within 20 s");
        Self {
            addr,
            channel,
            data_dir,
            client_tls,
            shutdown: Some(shutdown),
            task,
        }
    }

    /// A second, independent connection (a new client arriving).
    pub async fn new_channel(&self) -> Channel {
        connect_with(self.addr, self.client_tls.as_ref()).await
    }

    pub fn health(&self) -> HealthClient<Channel> {
        HealthClient::new(self.channel.clone())
    }

    pub fn orchestrator(&self) -> OrchestratorServiceClient<Channel> {
        OrchestratorServiceClient::new(self.channel.clone())
    }

    pub fn criteria(&self) -> ReviewCriteriaServiceClient<Channel> {
        ReviewCriteriaServiceClient::new(self.channel.clone())
    }

    /// Orchestrate to the end, returning every event.
    pub async fn orchestrate(
        &self,
        spec: orchestrator::api::pb::OrchestrationSpec,
    ) -> Vec<orchestrator::api::pb::OrchestrationEvent> {
        let stream = self
            .orchestrator()
            .orchestrate(orchestrator::api::pb::OrchestrateRequest {
                request_id: String::new(),
                spec: Some(spec),
            })
            .await
            .expect("Orchestrate accepts the request")
            .into_inner();
        plans::collect(stream, |m| m.event).await
    }

    /// Submits in a tenant.
    pub async fn submit_in(
        &self,
        tenant: &str,
        request_id: &str,
        spec: orchestrator::api::pb::OrchestrationSpec,
    ) -> orchestrator::api::pb::SubmitOrchestrationResponse {
        self.orchestrator()
            .submit_orchestration(plans::in_tenant(
                tenant,
                orchestrator::api::pb::SubmitOrchestrationRequest {
                    request_id: request_id.into(),
                    spec: Some(spec),
                },
            ))
            .await
            .expect("the submission is accepted")
            .into_inner()
    }

    /// Submits in the default tenant; returns the orchestration id.
    pub async fn submit(&self, spec: orchestrator::api::pb::OrchestrationSpec) -> String {
        self.submit_in("default", "", spec).await.orchestration_id
    }

    pub async fn get_in(
        &self,
        tenant: &str,
        id: &str,
    ) -> Result<orchestrator::api::pb::OrchestrationResult, tonic::Status> {
        Ok(self
            .orchestrator()
            .get_orchestration(plans::in_tenant(
                tenant,
                orchestrator::api::pb::GetOrchestrationRequest {
                    orchestration_id: id.into(),
                    view: 0,
                },
            ))
            .await?
            .into_inner()
            .orchestration
            .expect("an orchestration in the response"))
    }

    /// In the default tenant.
    pub async fn get(&self, id: &str) -> orchestrator::api::pb::OrchestrationResult {
        self.get_in("default", id)
            .await
            .expect("the orchestration exists")
    }

    /// Polls until the orchestration satisfies `done`; panics after 20 s.
    pub async fn wait_until(
        &self,
        tenant: &str,
        id: &str,
        done: impl Fn(&orchestrator::api::pb::OrchestrationResult) -> bool,
    ) -> orchestrator::api::pb::OrchestrationResult {
        poll_until(
            || async {
                self.get_in(tenant, id)
                    .await
                    .expect("the orchestration exists")
            },
            done,
        )
        .await
    }

    /// Delivers the shutdown signal (what SIGTERM does to the binary).
    pub fn begin_shutdown(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }

    /// Waits for the server to stop after `begin_shutdown`; panics past `bound`.
    pub async fn stopped_within(self, bound: Duration) -> Result<(), ServerError> {
        tokio::time::timeout(bound, self.task)
            .await
            .expect("server did not stop in time")
            .expect("server task panicked")
    }

    /// Shuts down cleanly (within 20 s) and starts again on the same data directory, with the
    /// default settings.
    pub async fn restart(mut self) -> Self {
        let data_dir = self.data_dir.clone();
        self.begin_shutdown();
        self.stopped_within(Duration::from_secs(20))
            .await
            .expect("a clean shutdown");
        Self::start_in(Settings::default(), data_dir).await
    }
}

/// The `google.rpc.BadRequest` violations of an INVALID_ARGUMENT status, as (field,
/// description); panics on any other status.
pub fn field_violations(status: &tonic::Status) -> Vec<(String, String)> {
    use tonic_types::StatusExt as _;
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    status
        .get_error_details()
        .bad_request()
        .expect("google.rpc.BadRequest details")
        .field_violations
        .iter()
        .map(|v| (v.field.clone(), v.description.clone()))
        .collect()
}

/// Only the fields of `field_violations`.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    field_violations(status)
        .into_iter()
        .map(|(field, _)| field)
        .collect()
}

/// Polls until every orchestration in `ids` is APPROVED; panics at `deadline` naming the one
/// still waiting and its state.
pub async fn await_approved(
    client: &mut OrchestratorServiceClient<Channel>,
    ids: &[String],
    deadline: tokio::time::Instant,
) {
    use orchestrator::api::pb;
    for id in ids {
        loop {
            let state = client
                .get_orchestration(pb::GetOrchestrationRequest {
                    orchestration_id: id.clone(),
                    view: 0,
                })
                .await
                .expect("the server answers")
                .into_inner()
                .orchestration
                .expect("the orchestration exists")
                .state();
            if state == pb::OrchestrationState::Approved {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{id} still {state:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub async fn connect(addr: SocketAddr) -> Channel {
    connect_with(addr, None).await
}

/// A channel to `addr`: TLS with `tls`, plaintext without.
pub async fn connect_with(addr: SocketAddr, tls: Option<&ClientTls>) -> Channel {
    try_connect(addr, tls)
        .await
        .expect("connect to the test server")
}

pub async fn try_connect(
    addr: SocketAddr,
    tls: Option<&ClientTls>,
) -> Result<Channel, tonic::transport::Error> {
    let endpoint = match tls {
        Some(tls) => orchestrator::tls::client::endpoint(&format!("https://{addr}"), Some(tls))
            .expect("TLS endpoint"),
        None => Endpoint::from_shared(format!("http://{addr}")).expect("endpoint"),
    };
    endpoint
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
}

/// Reads an orchestration with `get` every 20 ms until it satisfies `done`; panics after 20 s.
pub async fn poll_until<F, Fut>(
    get: F,
    done: impl Fn(&orchestrator::api::pb::OrchestrationResult) -> bool,
) -> orchestrator::api::pb::OrchestrationResult
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = orchestrator::api::pb::OrchestrationResult>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let result = get().await;
        if done(&result) {
            return result;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {:?}",
            result.state()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
