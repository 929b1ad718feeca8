//! JWT bearer tokens: keys from a JWKS file and from an identity provider's HTTPS endpoint,
//! each accepted algorithm, every way a token can be wrong, and the key set's refresh on an
//! unknown key id (rate-limited) and on withdrawal.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestServer;
use common::certs::{Ca, Files};
use common::http_peer::HttpPeer;
use common::jwt::{self, AUDIENCE, ISSUER, Signer, claims};
use common::keys::{bearer, naming_tenant};
use common::plans::{mock, spec};
use orchestrator::api::pb;
use orchestrator::config::{AuthMode, JwtSettings, Settings};
use serde_json::json;
use tonic::{Code, Status};

fn jwt_settings() -> JwtSettings {
    JwtSettings {
        jwks_file: None,
        jwks_url: None,
        jwks_ca_file: None,
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        tenant_claim: "tenant".into(),
        roles_claim: "roles".into(),
        leeway: Duration::from_secs(5),
        refresh_interval: Duration::from_secs(600),
        min_refresh_interval: Duration::from_secs(1),
    }
}

fn with_jwt(jwt: JwtSettings) -> Settings {
    let mut settings = Settings::default();
    settings.auth.mode = AuthMode::Required;
    settings.auth.jwt = Some(jwt);
    settings
}

async fn list_agents(server: &TestServer, token: &str) -> Result<(), Status> {
    server
        .orchestrator()
        .list_agents(bearer(token, pb::ListAgentsRequest {}))
        .await
        .map(drop)
}

#[tokio::test]
async fn tokens_of_each_algorithm_carry_their_tenant_and_roles() {
    let files = Files::new();
    let signers = [
        Signer::rs256("rsa-1"),
        Signer::es256("ec-1"),
        Signer::ed25519("ed-1"),
    ];
    let mut jwt = jwt_settings();
    jwt.jwks_file = Some(files.write("jwks.json", &jwt::jwks(&signers.iter().collect::<Vec<_>>())));
    let server = TestServer::start_with(with_jwt(jwt)).await;

    for signer in &signers {
        let token = signer.sign(&claims("svc@acme", "acme", &["viewer"]));
        list_agents(&server, &token)
            .await
            .unwrap_or_else(|status| panic!("{:?} token refused: {status:?}", signer.alg));
    }

    // Roles come from the claim: a viewer may not submit, a submitter may, in its tenant.
    let viewer = signers[0].sign(&claims("reader", "acme", &["viewer"]));
    let submitter = signers[1].sign(&claims("writer", "acme", &["submitter", "other-app:admin"]));
    let submit = |token: String| {
        let mut client = server.orchestrator();
        async move {
            client
                .submit_orchestration(bearer(
                    &token,
                    pb::SubmitOrchestrationRequest {
                        request_id: String::new(),
                        spec: Some(spec(vec![mock("t", &[], json!({"output": "ok"}))])),
                    },
                ))
                .await
        }
    };
    let denied = submit(viewer.clone()).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    assert!(denied.message().contains("reader has viewer"), "{denied:?}");
    let id = submit(submitter.clone())
        .await
        .unwrap()
        .into_inner()
        .orchestration_id;
    let listed = server
        .orchestrator()
        .list_orchestrations(bearer(&viewer, pb::ListOrchestrationsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed
            .orchestrations
            .iter()
            .any(|o| o.orchestration_id == id)
    );
    let globex = signers[2].sign(&claims("other", "globex", &["viewer"]));
    let hidden = server
        .orchestrator()
        .get_orchestration(bearer(
            &globex,
            pb::GetOrchestrationRequest {
                orchestration_id: id.clone(),
                view: 0,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
    let crossing = server
        .orchestrator()
        .get_orchestration(naming_tenant(
            bearer(
                &globex,
                pb::GetOrchestrationRequest {
                    orchestration_id: id,
                    view: 0,
                },
            ),
            "acme",
        ))
        .await
        .unwrap_err();
    assert_eq!(crossing.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn bad_tokens_are_unauthenticated_and_told_why() {
    let files = Files::new();
    let (rsa, ec) = (Signer::rs256("rsa-1"), Signer::es256("ec-1"));
    let mut jwt = jwt_settings();
    jwt.jwks_file = Some(files.write("jwks.json", &jwt::jwks(&[&rsa, &ec])));
    let server = TestServer::start_with(with_jwt(jwt)).await;
    let valid = claims("svc", "acme", &["viewer"]);
    let changed = |change: serde_json::Value| {
        let mut claims = valid.clone();
        for (key, value) in change.as_object().unwrap() {
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(key);
            } else {
                claims[key] = value.clone();
            }
        }
        claims
    };
    let now = jwt::now();
    let tampered = {
        let token = rsa.sign(&valid);
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let payload = changed(json!({"tenant": "globex"}));
        parts[1] = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            payload.to_string(),
        );
        parts.join(".")
    };
    let cases = [
        (
            "expired",
            rsa.sign(&changed(json!({"exp": now - 60}))),
            "JWT: expired at",
        ),
        (
            "not yet valid",
            ec.sign(&changed(json!({"nbf": now + 300}))),
            "JWT: not valid before",
        ),
        (
            "wrong issuer",
            rsa.sign(&changed(json!({"iss": "https://evil.test"}))),
            "JWT: wrong issuer",
        ),
        (
            "wrong audience",
            rsa.sign(&changed(json!({"aud": "someone-else"}))),
            "JWT: wrong audience",
        ),
        (
            "no expiry",
            rsa.sign(&changed(json!({"exp": null}))),
            "\"exp\" is missing",
        ),
        (
            "no tenant",
            rsa.sign(&changed(json!({"tenant": null}))),
            "\"tenant\" is missing",
        ),
        (
            "bad tenant",
            rsa.sign(&changed(json!({"tenant": "a/b"}))),
            "invalid tenant id",
        ),
        (
            "unknown kid",
            rsa.sign_as("rsa-2", &valid),
            "JWT: unknown key id (kid) \"rsa-2\"",
        ),
        (
            "key of another type",
            rsa.sign_as("ec-1", &valid),
            "does not sign with RS256",
        ),
        (
            "alg none",
            jwt::unsigned("rsa-1", &valid),
            "alg \"none\" is refused",
        ),
        (
            "HS256 with the public key",
            jwt::hs256_with_public_key(&rsa, &valid),
            "alg HS256 is refused",
        ),
        (
            "tampered payload",
            tampered,
            "JWT: the signature does not verify",
        ),
        ("not a JWT at all", "a.b.c".to_owned(), "JWT: not a JWT"),
    ];
    for (case, token, expected) in cases {
        let status = list_agents(&server, &token).await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "{case}: {status:?}");
        assert!(status.message().contains(expected), "{case}: {status:?}");
        assert!(
            !status.message().contains(&token),
            "{case}: the token is echoed"
        );
    }
    list_agents(&server, &rsa.sign(&valid))
        .await
        .expect("the valid token passes");
}

#[tokio::test]
async fn a_cached_token_still_expires() {
    let files = Files::new();
    let signer = Signer::es256("ec-1");
    let mut jwt = jwt_settings();
    jwt.leeway = Duration::ZERO;
    jwt.jwks_file = Some(files.write("jwks.json", &jwt::jwks(&[&signer])));
    let server = TestServer::start_with(with_jwt(jwt)).await;
    let mut short = claims("svc", "acme", &["viewer"]);
    short["exp"] = json!(jwt::now() + 2);
    let token = signer.sign(&short);
    list_agents(&server, &token).await.expect("valid now");
    list_agents(&server, &token)
        .await
        .expect("valid still (cached)");
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let status = list_agents(&server, &token).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(status.message().contains("expired"), "{status:?}");
}

#[tokio::test]
async fn the_jwks_url_is_read_over_https_again_on_unknown_key_ids_at_a_bounded_rate() {
    let ca = Ca::new("idp CA");
    let files = Files::new();
    let (first, second) = (Signer::rs256("k1"), Signer::ed25519("k2"));
    let published = Arc::new(Mutex::new(jwt::jwks(&[&first])));
    let document = published.clone();
    let idp = HttpPeer::start_tls(
        move |_, _| (200, document.lock().unwrap().clone()),
        &ca.server("idp"),
    )
    .await;
    let fetches = || idp.calls().len();
    let mut jwt = jwt_settings();
    jwt.jwks_url = Some(idp.url("/.well-known/jwks.json"));
    jwt.jwks_ca_file = Some(files.write("idp-ca.pem", &ca.cert_pem));
    jwt.min_refresh_interval = Duration::from_secs(1);
    let server = TestServer::start_with(with_jwt(jwt)).await;
    assert_eq!(fetches(), 1, "read once at start-up");

    let old_token = first.sign(&claims("svc", "acme", &["viewer"]));
    list_agents(&server, &old_token).await.expect("k1 is known");

    // The provider adds a key; a token signed with it makes the server read the set again.
    *published.lock().unwrap() = jwt::jwks(&[&first, &second]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let new_token = second.sign(&claims("svc", "acme", &["viewer"]));
    let refreshed = std::time::Instant::now();
    list_agents(&server, &new_token)
        .await
        .expect("k2 is found on a refresh");
    assert_eq!(fetches(), 2);

    // A burst of unknown key ids within the minimum interval costs no read at all; one that
    // outlasts it (a slow machine), one read.
    let burst = (0..20).map(|i| {
        let token = first.sign_as(&format!("random-{i}"), &claims("x", "acme", &["viewer"]));
        let server = &server;
        async move { list_agents(server, &token).await }
    });
    for outcome in futures_util::future::join_all(burst).await {
        let status = outcome.unwrap_err();
        assert!(status.message().contains("unknown key id"), "{status:?}");
    }
    let allowed = if refreshed.elapsed() < Duration::from_secs(1) {
        2
    } else {
        3
    };
    assert!(
        fetches() <= allowed,
        "{} reads for 20 unknown key ids",
        fetches()
    );
    list_agents(&server, &old_token)
        .await
        .expect("cached and still published");

    // The provider withdraws k1: once the set is read again, k1's tokens stop at once, even
    // the one verified (and cached) before.
    *published.lock().unwrap() = jwt::jwks(&[&second]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let unknown = first.sign_as("random-after", &claims("x", "acme", &["viewer"]));
    assert!(list_agents(&server, &unknown).await.is_err());
    let status = list_agents(&server, &old_token).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(
        status.message().contains("unknown key id (kid) \"k1\""),
        "{status:?}"
    );
    list_agents(&server, &new_token)
        .await
        .expect("k2 still works");
}

#[tokio::test]
async fn an_unreachable_jwks_url_answers_unavailable_not_unauthenticated() {
    let ca = Ca::new("idp CA");
    let files = Files::new();
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut jwt = jwt_settings();
    jwt.jwks_url = Some(format!(
        "https://127.0.0.1:{port}/jwks.json?client_secret=hush"
    ));
    jwt.jwks_ca_file = Some(files.write("idp-ca.pem", &ca.cert_pem));
    let server = TestServer::start_with(with_jwt(jwt)).await;
    let token = Signer::es256("k").sign(&claims("svc", "acme", &["viewer"]));
    let status = list_agents(&server, &token).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status.message().contains("signing keys cannot be read"),
        "{status:?}"
    );
    assert!(!status.message().contains("hush"), "{status:?}");
    assert!(status.message().contains("client_secret=***"), "{status:?}");
}
