//! Cosmos DB with an Entra ID credential instead of the account key: a managed identity, whose
//! token endpoint here is a real HTTP server on 127.0.0.1 speaking the App Service managed
//! identity protocol (what the platform's `IDENTITY_ENDPOINT` offers). The test peer accepts
//! any token; what this shows is that the server gets its token from the identity endpoint and
//! needs no key.

mod common;

use common::cosmos_peer::CosmosPeer;
use common::http_peer::HttpPeer;
use common::plans::{collect, completed, mock, spec};
use common::process::ServerProcess;
use orchestrator::api::pb;
use pb::orchestrator_service_client::OrchestratorServiceClient;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managed_identity_replaces_the_account_key() {
    let identity = HttpPeer::start(|_, _| {
        let expires_on = chrono::Utc::now().timestamp() + 3600;
        (
            200,
            json!({
                "access_token": "entra-token-for-tests",
                // The protocol sends it as a string of epoch seconds.
                "expires_on": expires_on.to_string(),
                "token_type": "Bearer",
                "resource": "https://cosmos.azure.com",
            })
            .to_string(),
        )
    })
    .await;
    let peer = CosmosPeer::start();
    let mut env: Vec<(String, String)> = peer
        .server_env(&format!("identity-{}", uuid::Uuid::now_v7().simple()))
        .into_iter()
        .filter(|(name, _)| name != "AZURE_COSMOS_KEY")
        .collect();
    env.extend([
        (
            "ORCHESTRATOR_STORAGE__COSMOS__CREDENTIAL".to_owned(),
            "managed_identity".to_owned(),
        ),
        ("IDENTITY_ENDPOINT".to_owned(), identity.url("/msi/token")),
        ("IDENTITY_HEADER".to_owned(), "platform-secret".to_owned()),
    ]);
    let server = ServerProcess::start_with_env(&[], &env).await;

    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);
    let stream = client
        .orchestrate(pb::OrchestrateRequest {
            request_id: String::new(),
            spec: Some(spec(vec![mock("t", &[], json!({"output": "done"}))])),
        })
        .await
        .expect("orchestrate")
        .into_inner();
    let events = collect(stream, |m: pb::OrchestrateResponse| m.event).await;
    assert_eq!(completed(&events).state(), pb::OrchestrationState::Approved);

    let calls = identity.calls();
    assert!(
        !calls.is_empty(),
        "the server asked the identity endpoint for a token"
    );
    let call = &calls[0];
    assert!(call.path_and_query.starts_with("/msi/token?"), "{call:?}");
    assert!(
        call.path_and_query.contains("api-version=2019-08-01"),
        "{call:?}"
    );
    assert!(call.path_and_query.contains("resource="), "{call:?}");
    assert_eq!(
        call.headers
            .get("x-identity-header")
            .and_then(|v| v.to_str().ok()),
        Some("platform-secret")
    );
    // Tokens are cached: not one request per store call.
    assert!(calls.len() < 5, "{} token requests", calls.len());
}
