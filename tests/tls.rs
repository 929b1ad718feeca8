//! TLS on the server: certificates from PEM files, client certificates when a client CA is
//! set, and rotation of the files while clients stay connected.

mod common;

use std::time::Duration;

use common::TestServer;
use common::certs::{Ca, Files, client_tls};
use orchestrator::api::pb;
use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use orchestrator::config::Settings;
use tonic::transport::Channel;

fn with_tls(files: &Files, server_ca: &Ca, client_ca: Option<&Ca>) -> Settings {
    let mut settings = Settings::default();
    settings.server.tls = Some(files.server_settings(&server_ca.server("server"), client_ca));
    settings
}

/// Whether a call over `channel` gets an answer.
async fn answers(channel: Channel) -> Result<(), tonic::Status> {
    OrchestratorServiceClient::new(channel)
        .list_agents(pb::ListAgentsRequest {})
        .await
        .map(|_| ())
}

/// Whether a new connection with `tls` (or plaintext) gets an answer.
async fn new_connection_answers(
    server: &TestServer,
    tls: Option<&orchestrator::tls::client::ClientTls>,
) -> bool {
    match common::try_connect(server.addr, tls).await {
        Ok(channel) => answers(channel).await.is_ok(),
        Err(_) => false,
    }
}

#[tokio::test]
async fn tls_serves_calls_and_refuses_plaintext_and_untrusted_clients() {
    let files = Files::new();
    let ca = Ca::new("server CA");
    let server =
        TestServer::start_secured(with_tls(&files, &ca, None), client_tls(&files, &ca, None)).await;
    answers(server.channel.clone())
        .await
        .expect("a TLS client that trusts the CA is served");

    assert!(
        !new_connection_answers(&server, None).await,
        "plaintext is not served on a TLS listener"
    );
    let stranger = Ca::new("another CA");
    let distrustful = client_tls(&Files::new(), &stranger, None);
    assert!(
        !new_connection_answers(&server, Some(&distrustful)).await,
        "a client that does not trust the server's CA does not connect"
    );
}

#[tokio::test]
async fn client_certificates_are_required_and_verified_with_a_client_ca() {
    let files = Files::new();
    let (server_ca, client_ca) = (Ca::new("server CA"), Ca::new("client CA"));
    let good = client_ca.client("billing", &["billing.acme.internal"]);
    let server = TestServer::start_secured(
        with_tls(&files, &server_ca, Some(&client_ca)),
        client_tls(&files, &server_ca, Some(("good", &good))),
    )
    .await;
    answers(server.channel.clone())
        .await
        .expect("a client certificate the client CA signed is accepted");

    let without = client_tls(&Files::new(), &server_ca, None);
    assert!(
        !new_connection_answers(&server, Some(&without)).await,
        "no client certificate, no service"
    );
    let forged = Ca::new("client CA").client("billing", &["billing.acme.internal"]);
    let wrong_ca = client_tls(&Files::new(), &server_ca, Some(("forged", &forged)));
    assert!(
        !new_connection_answers(&server, Some(&wrong_ca)).await,
        "a certificate of another CA with the same names is refused"
    );
}

/// Polls `check` every 100 ms until it holds; false after 10 s.
async fn eventually(mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn rotated_files_serve_new_connections_and_spare_open_ones() {
    let files = Files::new();
    let (old_ca, new_ca) = (Ca::new("old CA"), Ca::new("new CA"));
    let trusts_old = client_tls(&Files::new(), &old_ca, None);
    let trusts_new = client_tls(&Files::new(), &new_ca, None);
    let server =
        TestServer::start_secured(with_tls(&files, &old_ca, None), trusts_old.clone()).await;
    // An established connection, with a stream open on it.
    let open = server.channel.clone();
    let mut watch = server
        .health()
        .watch(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health watch")
        .into_inner();
    watch
        .message()
        .await
        .expect("first status")
        .expect("a status");

    // Half a rotation: the new certificate beside the old key is refused and the old pair
    // keeps serving new connections.
    let next = new_ca.server("server");
    files.write("server.pem", &next.cert_pem);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(new_connection_answers(&server, Some(&trusts_old)).await);
    assert!(!new_connection_answers(&server, Some(&trusts_new)).await);

    // The key arrives: new connections get the new certificate.
    files.write("server.key", &next.key_pem);
    assert!(
        eventually(async || new_connection_answers(&server, Some(&trusts_new)).await).await,
        "new connections see the rotated certificate"
    );
    assert!(!new_connection_answers(&server, Some(&trusts_old)).await);

    // The connection made before the rotation was not dropped: a client that trusts only the
    // old CA could not have reconnected.
    answers(open)
        .await
        .expect("the open connection still serves");
    tokio::time::timeout(Duration::from_millis(300), watch.message())
        .await
        .expect_err("the open health watch is still waiting, not ended");
}

#[tokio::test]
async fn an_expired_certificate_is_never_swapped_in() {
    let files = Files::new();
    let ca = Ca::new("CA");
    let trusting = client_tls(&Files::new(), &ca, None);
    let server = TestServer::start_secured(with_tls(&files, &ca, None), trusting.clone()).await;
    let expired = ca.expired_server("server");
    files.write("server.key", &expired.key_pem);
    files.write("server.pem", &expired.cert_pem);
    // Several reload intervals: the expired pair agrees with itself, and is still refused.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        new_connection_answers(&server, Some(&trusting)).await,
        "the valid certificate keeps serving"
    );
}
