//! EvaluateReview over gRPC: dry-run reviews with stored, inline, tenant-default and built-in
//! criteria; criteria changes take effect on this replica at once and on others within the TTL.

mod common;

use std::time::{Duration, Instant};

use common::plans::in_tenant;
use common::{TestServer, field_violations, violated_fields};
use orchestrator::api::pb;
use orchestrator::config::Settings;
use pb::evaluate_review_request::CriteriaSource;
use tonic::{Code, Status};

const REPORT: &str =
    "## Summary\nReturns are guaranteed. Contact ana@example.com.\n## Risks\nMarket risk.\n";

fn strict(id: &str) -> pb::ReviewCriteria {
    pb::ReviewCriteria {
        id: id.into(),
        required_sections: vec!["Summary".into(), "Risks".into(), "Sources".into()],
        policies: vec![pb::PolicyRule {
            id: "no-guarantees".into(),
            description: "Promises of returns".into(),
            r#match: Some(pb::policy_rule::Match::Pattern("(?i)guaranteed".into())),
            severity: pb::Severity::Critical as i32,
            remediation: "Do not promise returns.".into(),
            ..Default::default()
        }],
        reject_action: pb::RejectAction::Retry as i32,
        ..Default::default()
    }
}

async fn evaluate(
    server: &TestServer,
    tenant: &str,
    source: Option<CriteriaSource>,
    output: &str,
    tasks: Vec<pb::TaskResult>,
) -> Result<pb::EvaluateReviewResponse, Status> {
    Ok(server
        .criteria()
        .evaluate_review(in_tenant(
            tenant,
            pb::EvaluateReviewRequest {
                output: output.into(),
                criteria_source: source,
                tasks,
            },
        ))
        .await?
        .into_inner())
}

async fn create(
    server: &TestServer,
    tenant: &str,
    criteria: pb::ReviewCriteria,
) -> pb::ReviewCriteria {
    server
        .criteria()
        .create_review_criteria(in_tenant(
            tenant,
            pb::CreateReviewCriteriaRequest {
                criteria: Some(criteria),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .criteria
        .unwrap()
}

#[tokio::test]
async fn stored_criteria_reject_with_issues_feedback_and_redaction() {
    let server = TestServer::start().await;
    create(&server, "acme", strict("strict")).await;
    let response = evaluate(
        &server,
        "acme",
        Some(CriteriaSource::ReviewCriteriaId("strict".into())),
        REPORT,
        vec![pb::TaskResult {
            task_id: "sources".into(),
            section: "Sources".into(),
            state: pb::TaskState::TimedOut as i32,
            error: "attempt 4 timed out after 30s".into(),
            ..Default::default()
        }],
    )
    .await
    .unwrap();
    let decision = response.decision.unwrap();
    assert_eq!(decision.verdict, pb::ReviewVerdict::Rejected as i32);
    assert_eq!(decision.action, pb::RejectAction::Retry as i32);
    assert_eq!(decision.review_criteria_id, "strict");
    assert_eq!(decision.review_criteria_version, 1);
    assert_eq!(decision.reviewer, "rules");
    assert!(decision.decision_id.starts_with("dec-"));

    let kinds: Vec<i32> = decision.issues.iter().map(|i| i.kind).collect();
    assert!(kinds.contains(&(pb::IssueKind::MissingSection as i32)));
    assert!(kinds.contains(&(pb::IssueKind::TaskFailed as i32)));
    assert!(kinds.contains(&(pb::IssueKind::PolicyViolation as i32)));
    let missing = decision
        .issues
        .iter()
        .find(|i| i.kind == pb::IssueKind::MissingSection as i32)
        .unwrap();
    assert_eq!(missing.section, "Sources");
    assert_eq!(missing.task_id, "sources");
    let policy = decision
        .issues
        .iter()
        .find(|i| i.kind == pb::IssueKind::PolicyViolation as i32)
        .unwrap();
    assert_eq!(policy.rule_id, "no-guarantees");
    assert_eq!(policy.section, "Summary");
    assert_eq!(policy.severity, pb::Severity::Critical as i32);
    assert!(policy.excerpt.contains("guaranteed"), "{}", policy.excerpt);
    assert!(
        !policy.excerpt.contains("ana@example.com"),
        "excerpts are redacted: {}",
        policy.excerpt
    );

    assert!(
        decision.feedback.starts_with("Rejected because of"),
        "{}",
        decision.feedback
    );
    assert!(
        decision
            .feedback
            .contains("Add a non-empty '## Sources' section")
    );
    assert!(decision.feedback.contains("Do not promise returns"));
    assert!(!response.redacted_output.contains("ana@example.com"));
    assert!(response.redacted_output.contains("[EMAIL]"));
}

#[tokio::test]
async fn without_criteria_the_builtin_defaults_redact_everything() {
    let server = TestServer::start().await;
    let response = evaluate(&server, "acme", None, REPORT, vec![])
        .await
        .unwrap();
    let decision = response.decision.unwrap();
    assert_eq!(decision.verdict, pb::ReviewVerdict::Approved as i32);
    assert_eq!(decision.review_criteria_id, "builtin:default");
    assert_eq!(decision.review_criteria_version, 0);
    assert_eq!(
        decision.redactions,
        [pb::RedactionCount {
            category: "EMAIL".into(),
            count: 1
        }]
    );
    assert!(response.redacted_output.contains("Contact [EMAIL]."));
}

#[tokio::test]
async fn a_tenant_default_replaces_the_builtin_defaults_for_that_tenant_only() {
    let server = TestServer::start().await;
    create(&server, "acme", strict("default")).await;
    let acme = evaluate(&server, "acme", None, REPORT, vec![])
        .await
        .unwrap();
    assert_eq!(acme.decision.unwrap().review_criteria_id, "default");
    let other = evaluate(&server, "globex", None, REPORT, vec![])
        .await
        .unwrap();
    assert_eq!(
        other.decision.unwrap().review_criteria_id,
        "builtin:default"
    );
}

#[tokio::test]
async fn inline_criteria_are_validated_and_not_stored() {
    let server = TestServer::start().await;
    let mut inline = strict("ignored");
    inline.redaction = Some(pb::RedactionSettings {
        enabled: true,
        style: pb::RedactionStyle::Hash as i32,
        ..Default::default()
    });
    let response = evaluate(
        &server,
        "acme",
        Some(CriteriaSource::InlineCriteria(inline)),
        REPORT,
        vec![],
    )
    .await
    .unwrap();
    let decision = response.decision.unwrap();
    assert_eq!(decision.review_criteria_id, "inline");
    assert!(
        response.redacted_output.contains("[EMAIL:"),
        "{}",
        response.redacted_output
    );

    let mut broken = strict("x");
    broken.policies[0].r#match = Some(pb::policy_rule::Match::Pattern("[".into()));
    let status = evaluate(
        &server,
        "acme",
        Some(CriteriaSource::InlineCriteria(broken)),
        REPORT,
        vec![],
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let fields = violated_fields(&status);
    assert_eq!(fields, ["inline_criteria.policies[0].pattern"]);
}

#[tokio::test]
async fn bad_requests_name_their_fields() {
    let server = TestServer::start().await;
    let status = evaluate(
        &server,
        "acme",
        Some(CriteriaSource::ReviewCriteriaId("no such!".into())),
        "x",
        vec![
            pb::TaskResult::default(),
            pb::TaskResult {
                task_id: "t".into(),
                state: 77,
                ..Default::default()
            },
        ],
    )
    .await
    .unwrap_err();
    let fields = violated_fields(&status);
    assert_eq!(
        fields,
        ["tasks[0].task_id", "tasks[1].state", "review_criteria_id"]
    );

    let missing = evaluate(
        &server,
        "acme",
        Some(CriteriaSource::ReviewCriteriaId("absent".into())),
        "x",
        vec![],
    )
    .await
    .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

#[tokio::test]
async fn criteria_with_a_judge_cannot_be_approved_without_one() {
    let server = TestServer::start().await;
    let judged = |agent: &str| {
        let mut judged = strict("judged");
        judged.judge_agent = agent.into();
        judged.validation_prompts = vec!["Are there contradictions?".into()];
        Some(CriteriaSource::InlineCriteria(judged))
    };
    // A judge that is no agent of this server is a bad request...
    let status = evaluate(&server, "acme", judged("reviewer-llm"), REPORT, vec![])
        .await
        .unwrap_err();
    let violations = field_violations(&status);
    assert_eq!(violations[0].0, "inline_criteria.judge_agent");
    assert!(violations[0].1.contains("reviewer-llm"), "{violations:?}");
    // ...and a real one is not called by a dry run, which therefore cannot approve.
    let status = evaluate(&server, "acme", judged("echo"), REPORT, vec![])
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(
        status.message().contains("dry run does not call judges"),
        "{status:?}"
    );
}

async fn criteria_version_seen(server: &TestServer) -> u64 {
    evaluate(
        server,
        "acme",
        Some(CriteriaSource::ReviewCriteriaId("live".into())),
        REPORT,
        vec![],
    )
    .await
    .unwrap()
    .decision
    .unwrap()
    .review_criteria_version
}

#[tokio::test]
async fn updates_apply_here_at_once_and_on_other_replicas_within_the_ttl() {
    let mut settings = Settings::default();
    settings.review.criteria_cache_ttl = Duration::from_secs(2);
    let here = TestServer::start_with(settings.clone()).await;
    // A second replica on the same store.
    let there = TestServer::start_in(settings, here.data_dir.clone()).await;

    let created = create(&here, "acme", strict("live")).await;
    assert_eq!(criteria_version_seen(&here).await, 1);
    assert_eq!(criteria_version_seen(&there).await, 1);

    let mut change = created;
    change.required_sections = vec!["Summary".into()];
    let updated_at = Instant::now();
    here.criteria()
        .update_review_criteria(in_tenant(
            "acme",
            pb::UpdateReviewCriteriaRequest {
                criteria: Some(change),
            },
        ))
        .await
        .unwrap();
    assert_eq!(
        criteria_version_seen(&here).await,
        2,
        "the replica that wrote sees it at once"
    );

    // The other replica may serve version 1 until its cached copy expires, never longer.
    loop {
        let seen = criteria_version_seen(&there).await;
        if seen == 2 {
            break;
        }
        assert_eq!(seen, 1);
        assert!(
            updated_at.elapsed() < Duration::from_secs(10),
            "the other replica still serves version 1 long after the TTL"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn employee_detector() -> pb::CustomDetector {
    pb::CustomDetector {
        name: "employee".into(),
        pattern: r"\bE\d{6}\b".into(),
        context_words: vec!["employee id".into(), "Personalnummer".into()],
        checksum: pb::Checksum::Luhn as i32,
        category: "EMPLOYEE_ID".into(),
    }
}

#[tokio::test]
async fn custom_detectors_are_stored_counted_and_every_finding_is_located() {
    let server = TestServer::start().await;
    let mut criteria = pb::ReviewCriteria {
        id: "hr".into(),
        policies: vec![pb::PolicyRule {
            id: "codename".into(),
            description: "Project code names".into(),
            r#match: Some(pb::policy_rule::Match::Pattern("Bluebird".into())),
            effect: pb::PolicyEffect::Redact as i32,
            ..Default::default()
        }],
        ..Default::default()
    };
    criteria.redaction = Some(pb::RedactionSettings {
        enabled: true,
        custom_detectors: vec![employee_detector()],
        ..Default::default()
    });
    let stored = create(&server, "acme", criteria).await;
    let detectors = stored.redaction.unwrap().custom_detectors;
    assert_eq!(detectors, [employee_detector()], "stored as given");

    // E000018 passes Luhn, E000019 does not; the order id is no employee id.
    let output = "## Staff\nname,employee_id,SIN\nAna,E000018,130692544\n\
                  Write to ana@example.com about Bluebird. Order E000026; Personalnummer E000019.\n";
    let response = evaluate(
        &server,
        "acme",
        Some(CriteriaSource::ReviewCriteriaId("hr".into())),
        output,
        vec![],
    )
    .await
    .unwrap();
    let located: Vec<(&str, &str, &str)> = response
        .findings
        .iter()
        .map(|f| {
            let value = output.get(f.start as usize..f.end as usize).unwrap();
            (f.category.as_str(), f.detector.as_str(), value)
        })
        .collect();
    assert_eq!(
        located,
        [
            ("EMPLOYEE_ID", "custom:employee", "E000018"),
            ("CA_SIN", "ca_sin_labelled", "130692544"),
            ("EMAIL", "email", "ana@example.com"),
            ("policy:codename", "policy:codename", "Bluebird"),
        ]
    );
    let redacted = &response.redacted_output;
    assert!(
        redacted.contains("Ana,[EMPLOYEE_ID],[CA_SIN]") && redacted.contains("E000019"),
        "{redacted}"
    );
    let decision = response.decision.unwrap();
    let counted: Vec<(&str, u32)> = decision
        .redactions
        .iter()
        .map(|r| (r.category.as_str(), r.count))
        .collect();
    assert_eq!(
        counted,
        [
            ("CA_SIN", 1),
            ("EMAIL", 1),
            ("EMPLOYEE_ID", 1),
            ("policy:codename", 1)
        ]
    );
    assert!(
        decision
            .issues
            .iter()
            .any(|i| i.description == "Redacted 1 EMPLOYEE_ID value(s) in section(s) 'Staff'."),
        "{:?}",
        decision.issues
    );
}

#[tokio::test]
async fn invalid_custom_detectors_name_their_fields() {
    let server = TestServer::start().await;
    let bad = |change: fn(&mut pb::CustomDetector)| {
        let mut detector = employee_detector();
        change(&mut detector);
        detector
    };
    let mut criteria = strict("bad");
    criteria.redaction = Some(pb::RedactionSettings {
        enabled: true,
        custom_detectors: vec![
            bad(|d| d.pattern = "(".into()),
            bad(|d| {
                d.name = "second".into();
                d.pattern = "x*".into();
                d.category = "lower case".into();
                d.checksum = 9;
            }),
            bad(|d| {
                d.name = "employee".into();
                d.context_words = vec!["--".into()];
                d.pattern = r"\w{1000}{1000}".into();
            }),
        ],
        ..Default::default()
    });
    let status = evaluate(
        &server,
        "acme",
        Some(CriteriaSource::InlineCriteria(criteria)),
        "x",
        vec![],
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "inline_criteria.redaction.custom_detectors[0].pattern",
            "inline_criteria.redaction.custom_detectors[1].category",
            "inline_criteria.redaction.custom_detectors[1].checksum",
            "inline_criteria.redaction.custom_detectors[1].pattern",
            "inline_criteria.redaction.custom_detectors[2].context_words[0]",
            "inline_criteria.redaction.custom_detectors[2].name",
            "inline_criteria.redaction.custom_detectors[2].pattern",
        ]
    );
}
