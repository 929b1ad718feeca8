//! ReviewCriteriaService over gRPC: every RPC, its error paths, tenancy.

mod common;

use common::plans::in_tenant;
use common::{TestServer, violated_fields};
use orchestrator::api::pb;
use tonic::{Code, Status};

fn criteria(id: &str) -> pb::ReviewCriteria {
    pb::ReviewCriteria {
        id: id.into(),
        display_name: "Strict".into(),
        required_sections: vec!["Summary".into(), "Risks".into()],
        policies: vec![pb::PolicyRule {
            id: "no-guarantees".into(),
            r#match: Some(pb::policy_rule::Match::Pattern("(?i)guaranteed".into())),
            effect: pb::PolicyEffect::Reject as i32,
            severity: pb::Severity::Critical as i32,
            remediation: "Do not promise outcomes.".into(),
            ..Default::default()
        }],
        reject_action: pb::RejectAction::Escalate as i32,
        ..Default::default()
    }
}

async fn create(
    server: &TestServer,
    tenant: &str,
    criteria: pb::ReviewCriteria,
) -> Result<pb::ReviewCriteria, Status> {
    let response = server
        .criteria()
        .create_review_criteria(in_tenant(
            tenant,
            pb::CreateReviewCriteriaRequest {
                criteria: Some(criteria),
            },
        ))
        .await?;
    Ok(response
        .into_inner()
        .criteria
        .expect("criteria in the response"))
}

async fn get(server: &TestServer, tenant: &str, id: &str) -> Result<pb::ReviewCriteria, Status> {
    Ok(server
        .criteria()
        .get_review_criteria(in_tenant(
            tenant,
            pb::GetReviewCriteriaRequest { id: id.into() },
        ))
        .await?
        .into_inner()
        .criteria
        .expect("criteria in the response"))
}

#[tokio::test]
async fn create_then_get_returns_what_was_stored_at_version_one() {
    let server = TestServer::start().await;
    let created = create(&server, "acme", criteria("strict")).await.unwrap();
    assert_eq!(created.id, "strict");
    assert_eq!(created.version, 1);
    assert!(created.create_time.is_some());
    assert_eq!(created.create_time, created.update_time);
    let fetched = get(&server, "acme", "strict").await.unwrap();
    assert_eq!(fetched, created);
    assert_eq!(fetched.policies[0].severity, pb::Severity::Critical as i32);
    // Redaction was not given: it is on, for every category.
    assert!(fetched.redaction.unwrap().enabled);
}

#[tokio::test]
async fn an_empty_id_is_generated() {
    let server = TestServer::start().await;
    let first = create(&server, "acme", criteria("")).await.unwrap();
    let second = create(&server, "acme", criteria("")).await.unwrap();
    assert!(first.id.starts_with("crit-"), "{}", first.id);
    assert!(first.id.len() <= 63);
    assert_ne!(first.id, second.id);
}

#[tokio::test]
async fn an_existing_id_is_already_exists() {
    let server = TestServer::start().await;
    create(&server, "acme", criteria("strict")).await.unwrap();
    let status = create(&server, "acme", criteria("strict"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);
    assert!(status.message().contains("\"strict\""), "{status:?}");
}

#[tokio::test]
async fn invalid_criteria_name_every_bad_field() {
    let server = TestServer::start().await;
    let mut bad = criteria("not a valid id!");
    bad.thresholds = Some(pb::QualityThresholds {
        min_confidence: Some(1.2),
        ..Default::default()
    });
    bad.policies.push(pb::PolicyRule {
        id: "broken".into(),
        r#match: Some(pb::policy_rule::Match::Pattern("(unclosed".into())),
        ..Default::default()
    });
    bad.policies.push(pb::PolicyRule {
        id: "no-guarantees".into(),
        r#match: Some(pb::policy_rule::Match::Terms(pb::TermList::default())),
        ..Default::default()
    });
    bad.policies.push(pb::PolicyRule {
        id: String::new(),
        r#match: Some(pb::policy_rule::Match::Pattern("x".into())),
        ..Default::default()
    });
    bad.policies.push(pb::PolicyRule {
        id: "no-matcher".into(),
        ..Default::default()
    });
    bad.redaction = Some(pb::RedactionSettings {
        enabled: true,
        categories: vec!["EMAIL".into(), "PASSPORT".into()],
        ..Default::default()
    });
    let status = create(&server, "acme", bad).await.unwrap_err();
    assert_eq!(
        violated_fields(&status),
        [
            "criteria.id",
            "criteria.policies[4]",
            "criteria.redaction.categories[1]",
            "criteria.thresholds.min_confidence",
            "criteria.policies[2].id",
            "criteria.policies[3].id",
            "criteria.policies[1].pattern",
            "criteria.policies[2].terms.terms",
        ]
    );
    // The details say what is wrong with each; the message names the first and counts the rest.
    let described = common::field_violations(&status);
    let description = |field: &str| {
        described
            .iter()
            .find(|(named, _)| named == field)
            .map(|(_, description)| description.clone())
            .unwrap_or_default()
    };
    assert!(description("criteria.policies[1].pattern").starts_with("invalid regular expression"));
    assert!(description("criteria.policies[2].id").contains("repeats policies[0].id"));
    assert!(
        status
            .message()
            .starts_with("invalid review criteria: criteria.id: ")
            && status
                .message()
                .contains("(and 7 more; 8 of 8 in the google.rpc.BadRequest details)"),
        "{}",
        status.message()
    );

    let missing = server
        .criteria()
        .create_review_criteria(pb::CreateReviewCriteriaRequest { criteria: None })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&missing), ["criteria"]);
    // Nothing was stored by the failed calls.
    let listed = server
        .criteria()
        .list_review_criteria(in_tenant("acme", pb::ListReviewCriteriaRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.criteria.is_empty());
}

#[tokio::test]
async fn update_bumps_the_version_and_refuses_stale_ones() {
    let server = TestServer::start().await;
    let created = create(&server, "acme", criteria("strict")).await.unwrap();

    let mut change = created.clone();
    change.required_sections = vec!["Summary".into()];
    let updated = server
        .criteria()
        .update_review_criteria(in_tenant(
            "acme",
            pb::UpdateReviewCriteriaRequest {
                criteria: Some(change.clone()),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .criteria
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.required_sections, ["Summary"]);
    assert_eq!(updated.create_time, created.create_time);
    assert_ne!(updated.update_time, created.update_time);
    assert_eq!(get(&server, "acme", "strict").await.unwrap(), updated);

    // The same change again is based on version 1, which is gone.
    let stale = server
        .criteria()
        .update_review_criteria(in_tenant(
            "acme",
            pb::UpdateReviewCriteriaRequest {
                criteria: Some(change),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    assert!(stale.message().contains("version 2"), "{stale:?}");
    assert!(stale.message().contains("version 1"), "{stale:?}");

    let mut unversioned = updated.clone();
    unversioned.version = 0;
    let status = server
        .criteria()
        .update_review_criteria(in_tenant(
            "acme",
            pb::UpdateReviewCriteriaRequest {
                criteria: Some(unversioned),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["criteria.version"]);

    let mut missing = updated;
    missing.id = "nope".into();
    let status = server
        .criteria()
        .update_review_criteria(in_tenant(
            "acme",
            pb::UpdateReviewCriteriaRequest {
                criteria: Some(missing),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

#[tokio::test]
async fn concurrent_updates_of_one_version_have_one_winner() {
    let server = TestServer::start().await;
    let created = create(&server, "acme", criteria("strict")).await.unwrap();
    let attempts = (0..8).map(|i| {
        let mut client = server.criteria();
        let mut change = created.clone();
        change.display_name = format!("writer {i}");
        async move {
            client
                .update_review_criteria(in_tenant(
                    "acme",
                    pb::UpdateReviewCriteriaRequest {
                        criteria: Some(change),
                    },
                ))
                .await
        }
    });
    let results = futures_join_all(attempts).await;
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|s| s.code() == Code::Aborted)
    );
    assert_eq!(get(&server, "acme", "strict").await.unwrap().version, 2);
}

async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.expect("task"));
    }
    outputs
}

#[tokio::test]
async fn list_pages_through_everything_in_id_order() {
    let server = TestServer::start().await;
    for i in 0..7 {
        create(&server, "acme", criteria(&format!("c{i}")))
            .await
            .unwrap();
    }
    create(&server, "other", criteria("c9")).await.unwrap();
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = server
            .criteria()
            .list_review_criteria(in_tenant(
                "acme",
                pb::ListReviewCriteriaRequest {
                    page_size: 3,
                    page_token: token,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        pages += 1;
        assert!(page.criteria.len() <= 3);
        seen.extend(page.criteria.into_iter().map(|c| c.id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["c0", "c1", "c2", "c3", "c4", "c5", "c6"]);

    let status = server
        .criteria()
        .list_review_criteria(pb::ListReviewCriteriaRequest {
            page_size: 0,
            page_token: "garbage".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["page_token"]);
}

#[tokio::test]
async fn delete_removes_and_checks_the_version_when_given() {
    let server = TestServer::start().await;
    create(&server, "acme", criteria("strict")).await.unwrap();
    let stale = server
        .criteria()
        .delete_review_criteria(in_tenant(
            "acme",
            pb::DeleteReviewCriteriaRequest {
                id: "strict".into(),
                version: Some(5),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    server
        .criteria()
        .delete_review_criteria(in_tenant(
            "acme",
            pb::DeleteReviewCriteriaRequest {
                id: "strict".into(),
                version: Some(1),
            },
        ))
        .await
        .unwrap();
    assert_eq!(
        get(&server, "acme", "strict").await.unwrap_err().code(),
        Code::NotFound
    );
    let again = server
        .criteria()
        .delete_review_criteria(in_tenant(
            "acme",
            pb::DeleteReviewCriteriaRequest {
                id: "strict".into(),
                version: None,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::NotFound);
    // The id is free again.
    assert_eq!(
        create(&server, "acme", criteria("strict"))
            .await
            .unwrap()
            .version,
        1
    );
}

#[tokio::test]
async fn no_read_or_write_crosses_tenants() {
    let server = TestServer::start().await;
    create(&server, "acme", criteria("shared-name"))
        .await
        .unwrap();
    assert_eq!(
        get(&server, "globex", "shared-name")
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    // The same id in another tenant is a different record.
    let theirs = create(&server, "globex", criteria("shared-name"))
        .await
        .unwrap();
    assert_eq!(theirs.version, 1);
    let status = server
        .criteria()
        .delete_review_criteria(in_tenant(
            "initech",
            pb::DeleteReviewCriteriaRequest {
                id: "shared-name".into(),
                version: None,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    // No metadata means the "default" tenant.
    assert_eq!(
        get(&server, "default", "shared-name")
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    create(&server, "default", criteria("mine")).await.unwrap();
    let plain = server
        .criteria()
        .get_review_criteria(pb::GetReviewCriteriaRequest { id: "mine".into() })
        .await
        .unwrap();
    assert_eq!(plain.into_inner().criteria.unwrap().id, "mine");
}

#[tokio::test]
async fn a_bad_tenant_or_id_is_invalid_argument() {
    let server = TestServer::start().await;
    let status = get(&server, "no spaces allowed", "x").await.unwrap_err();
    assert_eq!(violated_fields(&status), ["x-tenant-id"]);
    let status = get(&server, "acme", "").await.unwrap_err();
    assert_eq!(violated_fields(&status), ["id"]);
    let status = get(&server, "acme", &"x".repeat(64)).await.unwrap_err();
    assert_eq!(violated_fields(&status), ["id"]);
}

#[tokio::test]
async fn the_builtin_defaults_can_be_read() {
    let server = TestServer::start().await;
    let builtin = get(&server, "acme", "builtin:default").await.unwrap();
    assert_eq!(builtin.version, 0);
    let redaction = builtin.redaction.unwrap();
    assert!(redaction.enabled);
    assert!(
        redaction.categories.is_empty(),
        "empty means every category"
    );
}

#[tokio::test]
async fn criteria_survive_a_restart() {
    let server = TestServer::start().await;
    let created = create(&server, "acme", criteria("durable")).await.unwrap();
    let restarted = server.restart().await;
    assert_eq!(get(&restarted, "acme", "durable").await.unwrap(), created);
}
