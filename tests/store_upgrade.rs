//! A rolling upgrade: a newer build writes fields this build does not know, in every stored
//! form (criteria, decisions, orchestrations with their spec and result, events of every kind,
//! checkpoints, leases), at every level of nesting. This build must read all of it, without an
//! error and without losing what it knows. Run on both backends.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use azure_data_cosmos::feed::{FeedScope, Query};
use azure_data_cosmos::options::{BinaryEncodingOptions, ConnectionPoolOptions};
use azure_data_cosmos::{
    AccountEndpoint, AccountReference, CosmosClient, CosmosRuntime, RoutingStrategy,
};
use chrono::Utc;
use futures_util::TryStreamExt as _;
use orchestrator::model::event::Event;
use orchestrator::model::orchestration::{OrchestrationState, TaskCheckpoint};
use orchestrator::model::plan::{OrchestrationSpec, RetryOverrides, TaskSpec};
use orchestrator::model::{ReviewCriteria, ReviewDecision, TenantId};
use orchestrator::store::cosmos::{CosmosAuth, CosmosConfig, CosmosStore};
use orchestrator::store::sqlite::{DATABASE_FILE, SqliteStore};
use orchestrator::store::{LeaseClaim, LogBatch, OrchestrationRecord, StateUpdate, Store};
use serde_json::{Value, json};

#[allow(dead_code)] // each test binary uses part of it
#[path = "common/cosmos_peer.rs"]
mod cosmos_peer;
#[path = "common/stored_parts.rs"]
mod stored_parts;

const ORCHESTRATION: &str = "o1";
const UNKNOWN: &str = "field_of_a_newer_build";

/// Fields whose values are maps from the caller, not structs: a key added there is data.
const MAPS: [&str; 3] = ["labels", "params", "dependency_outputs"];
/// Fields whose value is an object with one key, the name of an enum's variant: a newer
/// build's field goes inside the variant, not beside its name.
const VARIANTS: [&str; 1] = ["matcher"];

/// Adds a field this build does not know to `value` and to every object nested in it, except
/// the account's own fields (`_etag`) and maps of the caller's keys.
fn as_written_by_a_newer_build(value: &mut Value) {
    if let Value::Object(object) = value {
        for (name, nested) in object.iter_mut() {
            if VARIANTS.contains(&name.as_str()) {
                nested
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|variant| variant.values_mut())
                    .for_each(as_written_by_a_newer_build);
            } else if !MAPS.contains(&name.as_str()) && !name.starts_with('_') {
                as_written_by_a_newer_build(nested);
            }
        }
        object.insert(UNKNOWN.into(), json!({"nested": [1, 2], "flag": true}));
    } else if let Value::Array(items) = value {
        items.iter_mut().for_each(as_written_by_a_newer_build);
    }
}

fn tenant() -> TenantId {
    TenantId::new("t").unwrap()
}

fn spec() -> OrchestrationSpec {
    let task = |id: &str, depends_on: &[&str]| TaskSpec {
        id: id.into(),
        agent: "mock".into(),
        input: "{{input}}".into(),
        params: json!({"delay_ms": 5}).as_object().cloned().unwrap(),
        depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
        timeout: Some(Duration::from_secs(2)),
        retry: RetryOverrides {
            max_retries: Some(1),
            ..RetryOverrides::default()
        },
        section: Some(id.to_uppercase()),
        max_output_bytes: Some(1000),
    };
    OrchestrationSpec {
        tasks: vec![task("a", &[]), task("b", &["a"])],
        input: "the question".into(),
        default_task_timeout: Some(Duration::from_secs(30)),
        labels: BTreeMap::from([("team".into(), "blue".into())]),
        ..OrchestrationSpec::default()
    }
}

/// Everything this build wrote, as the store handed it back before the upgrade.
#[derive(Debug, PartialEq)]
struct Stored {
    criteria: Option<ReviewCriteria>,
    decision: Option<ReviewDecision>,
    orchestration: Option<OrchestrationRecord>,
    events: Vec<Event>,
    checkpoints: Vec<TaskCheckpoint>,
    leases: Vec<(String, String)>,
}

async fn write_every_form(store: &dyn Store) {
    store
        .create_criteria(&tenant(), stored_parts::criteria())
        .await
        .unwrap();
    let record = OrchestrationRecord::new(
        tenant(),
        ORCHESTRATION,
        Some("r1".into()),
        spec(),
        Utc::now(),
    );
    // Its heartbeat lapsed at once: the lease reads back among the orphaned ones.
    let claim = LeaseClaim {
        owner: "server-a".into(),
        heartbeat_until: Utc::now() - chrono::Duration::seconds(1),
    };
    store.create_orchestration(record, &claim).await.unwrap();
    store
        .write_log(&LogBatch {
            owner: "server-a".into(),
            events: stored_parts::events()
                .into_iter()
                .map(|event| (tenant(), Arc::new(event)))
                .collect(),
            states: vec![StateUpdate {
                tenant: tenant(),
                orchestration_id: ORCHESTRATION.into(),
                state: OrchestrationState::Rejected,
                last_sequence: 5,
                result: Some(Box::new(stored_parts::result())),
                escalated_output: Some(None),
            }],
            decisions: vec![(tenant(), ORCHESTRATION.into(), stored_parts::decision())],
            checkpoints: vec![(tenant(), ORCHESTRATION.into(), stored_parts::checkpoint())],
            released_leases: Vec::new(),
        })
        .await
        .unwrap();
}

/// Reads every form back; any error fails the test.
async fn read_every_form(store: &dyn Store) -> Stored {
    let events = store
        .read_events(&tenant(), ORCHESTRATION, 0, 100)
        .await
        .expect("events read");
    let leases = store
        .orphaned_leases(Utc::now(), 10)
        .await
        .expect("leases read");
    Stored {
        criteria: store
            .get_criteria(&tenant(), "strict")
            .await
            .expect("criteria read"),
        decision: store
            .get_decision(&tenant(), "d1")
            .await
            .expect("decision read"),
        orchestration: store
            .get_orchestration(&tenant(), ORCHESTRATION)
            .await
            .expect("orchestration read"),
        events,
        checkpoints: store
            .read_checkpoints(&tenant(), ORCHESTRATION, stored_parts::checkpoint().run)
            .await
            .expect("checkpoints read"),
        leases: leases
            .into_iter()
            .map(|lease| (lease.orchestration_id, lease.owner))
            .collect(),
    }
}

/// Reads before and after `upgrade` rewrites the stored documents; they must agree, and hold
/// everything that was written.
async fn survives(store: &dyn Store, upgrade: impl AsyncFnOnce() -> usize) {
    write_every_form(store).await;
    let before = read_every_form(store).await;
    assert!(before.criteria.is_some() && before.decision.is_some());
    assert!(
        before
            .orchestration
            .as_ref()
            .is_some_and(|o| o.spec == spec())
    );
    assert_eq!(before.events.len(), 5);
    assert_eq!(before.checkpoints.len(), 1);
    assert_eq!(
        before.leases,
        [(ORCHESTRATION.to_owned(), "server-a".to_owned())]
    );
    let rewritten = upgrade().await;
    // criteria, decision, orchestration (spec and result), 5 events, checkpoint, at least.
    assert!(
        rewritten >= 9,
        "only {rewritten} stored forms were rewritten"
    );
    assert_eq!(read_every_form(store).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reads_every_stored_form_of_a_newer_build() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let path = dir.path().join(DATABASE_FILE);
    survives(&store, async || {
        let connection = rusqlite::Connection::open(&path).unwrap();
        let columns = [
            ("criteria", "body"),
            ("decisions", "body"),
            ("orchestrations", "spec"),
            ("orchestrations", "result"),
            ("events", "body"),
            ("checkpoints", "body"),
        ];
        let mut rewritten = 0;
        for (table, column) in columns {
            let mut select = connection
                .prepare(&format!(
                    "SELECT {column} FROM {table} WHERE {column} IS NOT NULL"
                ))
                .unwrap();
            let bodies: Vec<String> = select
                .query_map([], |row| row.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for body in bodies {
                let mut value: Value = serde_json::from_str(&body).unwrap();
                as_written_by_a_newer_build(&mut value);
                rewritten += connection
                    .execute(
                        &format!("UPDATE {table} SET {column} = ?1 WHERE {column} = ?2"),
                        [value.to_string(), body],
                    )
                    .unwrap();
            }
        }
        rewritten
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cosmos_reads_every_stored_form_of_a_newer_build() {
    let peer = cosmos_peer::CosmosPeer::start();
    let database = format!("upgrade-{}", uuid::Uuid::now_v7().simple());
    let store = CosmosStore::connect(&CosmosConfig {
        endpoint: peer.endpoint.clone(),
        auth: CosmosAuth::Key(peer.key.clone()),
        database: database.clone(),
        create_containers: true,
        http2: false,
        binary_encoding: false,
    })
    .await
    .expect("connect to the cosmos peer");
    survives(&store, async || rewrite_cosmos(&peer, &database).await).await;
}

/// Rewrites every document of the database through the account's own API, as a newer build
/// would have written it; returns how many.
async fn rewrite_cosmos(peer: &cosmos_peer::CosmosPeer, database: &str) -> usize {
    let pool = ConnectionPoolOptions::builder()
        .with_is_http2_allowed(false)
        .build()
        .unwrap();
    let runtime = CosmosRuntime::builder()
        .with_connection_pool(pool)
        .build()
        .await
        .unwrap();
    let endpoint: AccountEndpoint = peer.endpoint.parse().unwrap();
    let account = AccountReference::with_authentication_key(endpoint, peer.key.clone());
    let client = CosmosClient::builder()
        .with_runtime(runtime)
        .with_binary_encoding_options(BinaryEncodingOptions::new().with_enabled(false))
        .build(account, RoutingStrategy::PreferredRegions(Vec::new()))
        .await
        .unwrap();
    let database = client.database_client(database);
    let mut rewritten = 0;
    for (name, partition_key) in [
        ("criteria", "tenant"),
        ("decisions", "tenant"),
        ("orchestrations", "tenant"),
        ("events", "orchestration_id"),
        ("leases", "tenant"),
    ] {
        let container = database.container_client(name, None).await.unwrap();
        let documents: Vec<Value> = container
            .query_items::<Value>(
                Query::from("SELECT * FROM c"),
                FeedScope::full_container(),
                None,
            )
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        for mut document in documents {
            let id = document["id"].as_str().unwrap().to_owned();
            let partition = document[partition_key].as_str().unwrap().to_owned();
            if let Value::Object(fields) = &mut document {
                fields.retain(|name, _| !name.starts_with('_'));
            }
            as_written_by_a_newer_build(&mut document);
            container
                .replace_item(partition, &id, &document, None)
                .await
                .unwrap();
            rewritten += 1;
        }
    }
    rewritten
}
