//! Authentication with API keys, authorization by role for every RPC, and tenants taken from
//! credentials: what each role may call, what a missing or bad credential is told, and that two
//! tenants never see each other's data whatever headers they send.

mod common;

use common::TestServer;
use common::keys::{Keyring, bearer, naming_tenant};
use common::plans::{in_tenant, mock, spec};
use orchestrator::api::pb;
use orchestrator::auth::Role;
use orchestrator::config::{ReflectionAccess, Settings};
use serde_json::json;
use tonic::{Code, Request, Status};

const RPCS: [&str; 15] = [
    "Orchestrate",
    "SubmitOrchestration",
    "StreamStatus",
    "GetOrchestration",
    "ListOrchestrations",
    "CancelOrchestration",
    "ResolveEscalation",
    "ListAgents",
    "GetCaller",
    "CreateReviewCriteria",
    "GetReviewCriteria",
    "ListReviewCriteria",
    "UpdateReviewCriteria",
    "DeleteReviewCriteria",
    "EvaluateReview",
];

/// The table: what each role may call, written out rather than derived.
fn allowed(role: Role, rpc: &str) -> bool {
    let viewer = matches!(
        rpc,
        "StreamStatus"
            | "GetOrchestration"
            | "ListOrchestrations"
            | "ListAgents"
            | "GetCaller"
            | "GetReviewCriteria"
            | "ListReviewCriteria"
            | "EvaluateReview"
    );
    match role {
        Role::Viewer => viewer,
        Role::Submitter => {
            viewer
                || matches!(
                    rpc,
                    "Orchestrate" | "SubmitOrchestration" | "CancelOrchestration"
                )
        }
        Role::Reviewer => viewer || rpc == "ResolveEscalation",
        Role::CriteriaAdmin => {
            viewer
                || matches!(
                    rpc,
                    "CreateReviewCriteria" | "UpdateReviewCriteria" | "DeleteReviewCriteria"
                )
        }
        Role::Admin => true,
    }
}

fn one_task() -> pb::OrchestrationSpec {
    spec(vec![mock("t", &[], json!({"output": "ok"}))])
}

/// Makes the call `rpc` as `request` builds it; only its status matters.
async fn call(
    server: &TestServer,
    rpc: &str,
    request: impl Fn(&str) -> Request<()>,
) -> Result<(), Status> {
    // Each request carries the metadata of `request`, with its own message.
    fn with<T>(template: Request<()>, message: T) -> Request<T> {
        let (metadata, extensions, ()) = template.into_parts();
        Request::from_parts(metadata, extensions, message)
    }
    let r = request(rpc);
    let mut orchestrator = server.orchestrator();
    let mut criteria = server.criteria();
    let missing = "orch-0000000000000000000000000000";
    match rpc {
        "Orchestrate" => orchestrator
            .orchestrate(with(
                r,
                pb::OrchestrateRequest {
                    request_id: String::new(),
                    spec: Some(one_task()),
                },
            ))
            .await
            .map(drop),
        "SubmitOrchestration" => orchestrator
            .submit_orchestration(with(
                r,
                pb::SubmitOrchestrationRequest {
                    request_id: String::new(),
                    spec: Some(one_task()),
                },
            ))
            .await
            .map(drop),
        "StreamStatus" => orchestrator
            .stream_status(with(
                r,
                pb::StreamStatusRequest {
                    orchestration_id: missing.into(),
                    after_sequence: 0,
                },
            ))
            .await
            .map(drop),
        "GetOrchestration" => orchestrator
            .get_orchestration(with(
                r,
                pb::GetOrchestrationRequest {
                    orchestration_id: missing.into(),
                    view: 0,
                },
            ))
            .await
            .map(drop),
        "ListOrchestrations" => orchestrator
            .list_orchestrations(with(r, pb::ListOrchestrationsRequest::default()))
            .await
            .map(drop),
        "CancelOrchestration" => orchestrator
            .cancel_orchestration(with(
                r,
                pb::CancelOrchestrationRequest {
                    orchestration_id: missing.into(),
                    reason: String::new(),
                },
            ))
            .await
            .map(drop),
        "ResolveEscalation" => orchestrator
            .resolve_escalation(with(
                r,
                pb::ResolveEscalationRequest {
                    orchestration_id: missing.into(),
                    approve: true,
                    reviewer: "someone".into(),
                    comment: String::new(),
                },
            ))
            .await
            .map(drop),
        "ListAgents" => orchestrator
            .list_agents(with(r, pb::ListAgentsRequest {}))
            .await
            .map(drop),
        "GetCaller" => orchestrator
            .get_caller(with(r, pb::GetCallerRequest {}))
            .await
            .map(drop),
        "CreateReviewCriteria" => criteria
            .create_review_criteria(with(
                r,
                pb::CreateReviewCriteriaRequest {
                    criteria: Some(pb::ReviewCriteria::default()),
                },
            ))
            .await
            .map(drop),
        "GetReviewCriteria" => criteria
            .get_review_criteria(with(
                r,
                pb::GetReviewCriteriaRequest {
                    id: "builtin:default".into(),
                },
            ))
            .await
            .map(drop),
        "ListReviewCriteria" => criteria
            .list_review_criteria(with(r, pb::ListReviewCriteriaRequest::default()))
            .await
            .map(drop),
        "UpdateReviewCriteria" => criteria
            .update_review_criteria(with(
                r,
                pb::UpdateReviewCriteriaRequest {
                    criteria: Some(pb::ReviewCriteria {
                        id: "absent".into(),
                        ..Default::default()
                    }),
                },
            ))
            .await
            .map(drop),
        "DeleteReviewCriteria" => criteria
            .delete_review_criteria(with(
                r,
                pb::DeleteReviewCriteriaRequest {
                    id: "absent".into(),
                    ..Default::default()
                },
            ))
            .await
            .map(drop),
        "EvaluateReview" => criteria
            .evaluate_review(with(
                r,
                pb::EvaluateReviewRequest {
                    output: "## Summary\nFine.".into(),
                    ..Default::default()
                },
            ))
            .await
            .map(drop),
        other => panic!("no call for {other}"),
    }
}

#[tokio::test]
async fn every_role_may_call_exactly_what_the_table_says() {
    let mut settings = Settings::default();
    let mut keys = Keyring::default();
    for role in Role::ALL {
        keys.add(&mut settings, role.as_str(), "acme", &[role]);
    }
    let server = TestServer::start_with(settings).await;
    for role in Role::ALL {
        for rpc in RPCS {
            let outcome = call(&server, rpc, |_| keys.request(role.as_str(), ())).await;
            let code = outcome.as_ref().err().map(Status::code);
            if allowed(role, rpc) {
                assert!(
                    !matches!(code, Some(Code::PermissionDenied | Code::Unauthenticated)),
                    "{role} may call {rpc}: {outcome:?}"
                );
            } else {
                let status = outcome.expect_err(rpc);
                assert_eq!(
                    status.code(),
                    Code::PermissionDenied,
                    "{role} {rpc}: {status:?}"
                );
                assert!(
                    status.message().contains(&format!("{rpc} needs the role"))
                        && status.message().contains(&format!("{role} has {role}")),
                    "{status:?}"
                );
            }
        }
    }
}

/// GetCaller names the principal, its tenant, roles and what they allow; without
/// authentication, an anonymous caller who may do everything.
#[tokio::test]
async fn get_caller_says_who_calls_and_what_they_may_do() {
    let mut settings = Settings::default();
    let mut keys = Keyring::default();
    keys.add(&mut settings, "ana", "acme", &[Role::Reviewer]);
    let server = TestServer::start_with(settings).await;
    let caller = server
        .orchestrator()
        .get_caller(keys.request("ana", pb::GetCallerRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        caller,
        pb::GetCallerResponse {
            principal: "ana".into(),
            tenant: "acme".into(),
            roles: vec!["reviewer".into()],
            permissions: vec!["view".into(), "review".into()],
            authenticated: true,
        }
    );

    let open = TestServer::start().await;
    let anonymous = open
        .orchestrator()
        .get_caller(in_tenant("globex", pb::GetCallerRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(anonymous.principal, "anonymous");
    assert_eq!(anonymous.tenant, "globex");
    assert_eq!(
        anonymous.permissions,
        ["view", "submit", "review", "manage_criteria"]
    );
    assert!(!anonymous.authenticated);
}

#[tokio::test]
async fn missing_and_bad_credentials_are_unauthenticated_and_say_why() {
    let mut settings = Settings::default();
    let mut keys = Keyring::default();
    keys.add(&mut settings, "ci", "acme", &[Role::Viewer]);
    let server = TestServer::start_with(settings).await;
    let list = |request: Request<()>| {
        let mut client = server.orchestrator();
        async move {
            let (metadata, extensions, ()) = request.into_parts();
            client
                .list_agents(Request::from_parts(
                    metadata,
                    extensions,
                    pb::ListAgentsRequest {},
                ))
                .await
        }
    };

    let missing = list(Request::new(())).await.unwrap_err();
    assert_eq!(missing.code(), Code::Unauthenticated);
    assert!(
        missing.message().contains("no credentials") && missing.message().contains("API key"),
        "{missing:?}"
    );
    let unknown = list(bearer("orch_not-a-key", ())).await.unwrap_err();
    assert_eq!(unknown.code(), Code::Unauthenticated);
    assert_eq!(unknown.message(), "API key: unknown API key");

    let mut basic = Request::new(());
    basic
        .metadata_mut()
        .insert("authorization", "Basic Y2k6c2VjcmV0".parse().unwrap());
    let status = list(basic).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(
        status.message().contains("only the Bearer scheme"),
        "{status:?}"
    );

    let mut twice = keys.request("ci", ());
    twice
        .metadata_mut()
        .append("authorization", "Bearer orch_other".parse().unwrap());
    let status = list(twice).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(
        status.message().contains("send one authorization header"),
        "{status:?}"
    );

    list(keys.request("ci", ()))
        .await
        .expect("the right key is served");
    // Health stays open without credentials.
    server
        .health()
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("health is open");
}

#[tokio::test]
async fn tenants_come_from_credentials_and_never_see_each_other() {
    let mut settings = Settings::default();
    let mut keys = Keyring::default();
    keys.add(
        &mut settings,
        "acme-bot",
        "acme",
        &[Role::Submitter, Role::CriteriaAdmin],
    );
    keys.add(
        &mut settings,
        "globex-bot",
        "globex",
        &[Role::Submitter, Role::CriteriaAdmin],
    );
    keys.add(&mut settings, "acme-admin", "acme", &[Role::Admin]);
    let server = TestServer::start_with(settings).await;
    let mut orchestrator = server.orchestrator();

    // acme's work, submitted without naming a tenant: it lands in acme.
    let acme_id = orchestrator
        .submit_orchestration(keys.request(
            "acme-bot",
            pb::SubmitOrchestrationRequest {
                request_id: "weekly".into(),
                spec: Some(one_task()),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .orchestration_id;
    server
        .criteria()
        .create_review_criteria(keys.request(
            "acme-bot",
            pb::CreateReviewCriteriaRequest {
                criteria: Some(pb::ReviewCriteria {
                    id: "acme-only".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap();

    let get = |request: Request<()>| {
        let mut orchestrator = server.orchestrator();
        let id = acme_id.clone();
        async move {
            let (metadata, extensions, ()) = request.into_parts();
            orchestrator
                .get_orchestration(Request::from_parts(
                    metadata,
                    extensions,
                    pb::GetOrchestrationRequest {
                        orchestration_id: id,
                        view: 0,
                    },
                ))
                .await
        }
    };
    get(keys.request("acme-bot", ()))
        .await
        .expect("acme sees its own");
    get(naming_tenant(keys.request("acme-bot", ()), "acme"))
        .await
        .expect("naming one's own tenant is fine");

    // globex: not found by itself, refused when it names acme, refused when it names acme
    // twice or after its own.
    let status = get(keys.request("globex-bot", ())).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let status = get(naming_tenant(keys.request("globex-bot", ()), "acme"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(
        status.message().contains("needs the role admin"),
        "{status:?}"
    );
    for headers in [["acme", "acme"], ["globex", "acme"], ["acme", "globex"]] {
        let mut request = keys.request("globex-bot", ());
        for tenant in headers {
            request = naming_tenant(request, tenant);
        }
        let status = get(request).await.unwrap_err();
        assert_eq!(
            status.code(),
            Code::InvalidArgument,
            "{headers:?}: {status:?}"
        );
        assert_eq!(common::violated_fields(&status), ["x-tenant-id"]);
    }
    // The same request id in globex is a new orchestration, not acme's.
    let globex = orchestrator
        .submit_orchestration(keys.request(
            "globex-bot",
            pb::SubmitOrchestrationRequest {
                request_id: "weekly".into(),
                spec: Some(one_task()),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(globex.created && globex.orchestration_id != acme_id);
    let listed = orchestrator
        .list_orchestrations(keys.request("globex-bot", pb::ListOrchestrationsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed
            .orchestrations
            .iter()
            .all(|o| o.orchestration_id != acme_id),
        "{listed:?}"
    );
    let status = orchestrator
        .cancel_orchestration(keys.request(
            "globex-bot",
            pb::CancelOrchestrationRequest {
                orchestration_id: acme_id.clone(),
                reason: "mine now".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let criteria = server
        .criteria()
        .get_review_criteria(keys.request(
            "globex-bot",
            pb::GetReviewCriteriaRequest {
                id: "acme-only".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(criteria.code(), Code::NotFound);

    // An admin acts for another tenant only when it names it.
    let status = get(keys.request("acme-admin", ())).await;
    assert!(status.is_ok(), "acme's admin sees acme's work by default");
    let as_globex = get(naming_tenant(keys.request("acme-admin", ()), "globex"))
        .await
        .unwrap_err();
    assert_eq!(
        as_globex.code(),
        Code::NotFound,
        "in globex, acme's id is unknown"
    );
    let globex_seen = orchestrator
        .list_orchestrations(naming_tenant(
            keys.request("acme-admin", pb::ListOrchestrationsRequest::default()),
            "globex",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(globex_seen.orchestrations.len(), 1);
    assert_eq!(
        globex_seen.orchestrations[0].orchestration_id,
        globex.orchestration_id
    );
}

#[tokio::test]
async fn without_authentication_a_repeated_tenant_header_is_still_refused() {
    let server = TestServer::start().await;
    let request = naming_tenant(
        naming_tenant(Request::new(pb::ListAgentsRequest {}), "a"),
        "b",
    );
    let status = server
        .orchestrator()
        .list_agents(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(common::violated_fields(&status), ["x-tenant-id"]);
}

#[tokio::test]
async fn an_escalation_is_resolved_in_the_name_of_the_authenticated_reviewer() {
    let mut settings = Settings::default();
    let mut keys = Keyring::default();
    keys.add(
        &mut settings,
        "author",
        "acme",
        &[Role::Submitter, Role::CriteriaAdmin],
    );
    keys.add(&mut settings, "dana", "acme", &[Role::Reviewer]);
    let server = TestServer::start_with(settings).await;
    let criteria = pb::ReviewCriteria {
        id: "human".into(),
        required_sections: vec!["Risks".into()],
        reject_action: pb::RejectAction::Escalate as i32,
        ..Default::default()
    };
    keys.create_criteria(&server, "author", criteria).await;
    let escalating = pb::OrchestrationSpec {
        review_criteria_id: "human".into(),
        ..one_task()
    };
    let id = keys.submit(&server, "author", escalating).await;
    keys.wait_until(&server, "dana", &id, |r| {
        r.state() == pb::OrchestrationState::AwaitingHuman
    })
    .await;
    let resolved = server
        .orchestrator()
        .resolve_escalation(keys.request(
            "dana",
            pb::ResolveEscalationRequest {
                orchestration_id: id,
                approve: true,
                // Claims to be someone else: the authenticated name is recorded instead.
                reviewer: "the-ceo".into(),
                comment: "Risks are covered elsewhere.".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .orchestration
        .unwrap();
    assert_eq!(resolved.state(), pb::OrchestrationState::Approved);
    assert_eq!(resolved.review.unwrap().reviewer, "human:dana");
}

#[tokio::test]
async fn reflection_follows_its_setting() {
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;

    let list = |server: &TestServer, key: Option<String>| {
        let channel = server.channel.clone();
        async move {
            let message = ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::ListServices(String::new())),
            };
            let outbound = tokio_stream::iter([message]);
            let request = match key {
                Some(key) => bearer(&key, outbound),
                None => Request::new(outbound),
            };
            let mut stream = ServerReflectionClient::new(channel)
                .server_reflection_info(request)
                .await?
                .into_inner();
            stream.message().await.map(|_| ())
        }
    };
    for (access, anonymous, authenticated) in [
        (ReflectionAccess::Open, true, true),
        (ReflectionAccess::Authenticated, false, true),
        (ReflectionAccess::Off, false, false),
    ] {
        let mut settings = Settings::default();
        settings.server.reflection = access;
        let mut keys = Keyring::default();
        keys.add(&mut settings, "v", "acme", &[Role::Viewer]);
        let server = TestServer::start_with(settings).await;
        let as_anonymous = list(&server, None).await;
        let as_viewer = list(&server, Some(keys.key("v").to_owned())).await;
        assert_eq!(
            as_anonymous.is_ok(),
            anonymous,
            "{access:?}: {as_anonymous:?}"
        );
        assert_eq!(
            as_viewer.is_ok(),
            authenticated,
            "{access:?}: {as_viewer:?}"
        );
        if access == ReflectionAccess::Off {
            assert_eq!(as_viewer.unwrap_err().code(), Code::Unimplemented);
        }
        if access == ReflectionAccess::Authenticated {
            assert_eq!(as_anonymous.unwrap_err().code(), Code::Unauthenticated);
        }
    }
}

#[tokio::test]
async fn keys_new_prints_a_key_and_the_settings_that_accept_it() {
    let output = std::process::Command::new(common::process::BINARY)
        .args([
            "keys",
            "new",
            "--tenant",
            "acme",
            "--role",
            "submitter,viewer",
        ])
        .output()
        .expect("run keys new");
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8(output.stdout).unwrap();
    let key = printed.lines().next().unwrap().to_owned();
    assert!(key.starts_with("orch_"), "{printed}");
    let lines = printed.split_once("\n\n").unwrap().1;
    assert!(
        !lines.contains(&key),
        "the settings lines hold the key: {lines}"
    );
    let parsed: toml::Table = lines.parse().expect("the settings lines are TOML");
    let entry = &parsed["auth"]["api_keys"][0];
    assert_eq!(entry["tenant"].as_str(), Some("acme"));
    assert!(entry["name"].as_str().unwrap().starts_with("acme-"));

    let mut settings: Settings = toml::from_str(&format!("[auth]\nmode = \"required\"\n{lines}"))
        .expect("the lines load as settings");
    settings.auth.mode = orchestrator::config::AuthMode::Required;
    let server = TestServer::start_with(settings).await;
    server
        .orchestrator()
        .submit_orchestration(bearer(
            &key,
            pb::SubmitOrchestrationRequest {
                request_id: String::new(),
                spec: Some(one_task()),
            },
        ))
        .await
        .expect("the printed key submits");

    let bad_role = std::process::Command::new(common::process::BINARY)
        .args(["keys", "new", "--tenant", "acme", "--role", "root"])
        .output()
        .unwrap();
    assert_eq!(bad_role.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role \"root\""));
}
