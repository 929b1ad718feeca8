use chrono::Utc;

use super::documents::{OrchestrationDoc, request_marker_id};
use super::log::chunks;
use crate::model::TenantId;
use crate::model::orchestration::OrchestrationState;
use crate::model::plan::OrchestrationSpec;
use crate::store::OrchestrationRecord;

#[test]
fn an_orchestration_keeps_the_fields_of_newer_builds_but_not_the_accounts() {
    let record = OrchestrationRecord {
        state: OrchestrationState::Running,
        last_sequence: 3,
        ..OrchestrationRecord::new(
            TenantId::default_tenant(),
            "o",
            None,
            OrchestrationSpec::default(),
            Utc::now(),
        )
    };
    let mut stored = serde_json::to_value(OrchestrationDoc::from_record(&record)).unwrap();
    stored["priority"] = serde_json::json!("high");
    stored["_etag"] = serde_json::json!("\"0001\"");
    stored["_ts"] = serde_json::json!(1_700_000_000);
    let read: OrchestrationDoc = serde_json::from_value(stored).unwrap();
    let written = serde_json::to_value(&read).unwrap();
    assert_eq!(written["priority"], "high");
    assert_eq!(written["last_sequence"], 3);
    assert!(written.get("_etag").is_none() && written.get("_ts").is_none());
    assert_eq!(read.into_record().unwrap(), record);
}

#[test]
fn batches_hold_at_most_a_hundred_documents() {
    let documents = documents_of(&[10; 250]);
    let sizes: Vec<usize> = chunks(&documents).iter().map(|c| c.len()).collect();
    assert_eq!(sizes, [100, 100, 50]);
}

#[test]
fn batches_stay_under_the_size_limit_and_a_huge_document_goes_alone() {
    let documents = documents_of(&[700_000; 5]);
    let sizes: Vec<usize> = chunks(&documents).iter().map(|c| c.len()).collect();
    assert_eq!(
        sizes,
        [2, 2, 1],
        "two of 700 kB fit under 1.8 MB, three do not"
    );
    let huge = documents_of(&[10, 3_000_000, 10]);
    let sizes: Vec<usize> = chunks(&huge).iter().map(|c| c.len()).collect();
    assert_eq!(sizes, [1, 1, 1]);
    assert!(chunks(&[]).is_empty());
}

fn documents_of(bytes: &[usize]) -> Vec<(String, serde_json::Value)> {
    bytes
        .iter()
        .enumerate()
        .map(|(n, &b)| (format!("d{n}"), serde_json::json!({ "pad": "x".repeat(b) })))
        .collect()
}

#[test]
fn request_markers_are_valid_document_ids_whatever_the_request_id() {
    let id = request_marker_id("a/b?c#d\\e");
    assert!(id.starts_with("request-"));
    assert!(!id.contains(['/', '\\', '?', '#']));
    assert_eq!(id, request_marker_id("a/b?c#d\\e"));
    assert_ne!(id, request_marker_id("a/b?c#d\\f"));
}
