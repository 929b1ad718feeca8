//! A server that loses the lease of an orchestration it runs (here: the lease is taken from
//! under it in the database) stops writing that orchestration's log at once; whoever takes the
//! lease next resumes it, and a follower of the first server goes on from the store, gapless.

mod common;

use std::time::Duration;

use common::TestServer;
use common::plans::{assert_gapless, collect, completed, mock, spec, task_updates};
use orchestrator::api::pb;
use orchestrator::config::Settings;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_loses_its_lease_stops_writing_and_the_next_owner_finishes() {
    let mut settings = Settings::default();
    settings.storage.lease_duration = Duration::from_secs(1);
    let server = TestServer::start_with(settings).await;
    let id = server
        .submit(spec(vec![
            mock("quick", &[], json!({"output": "kept"})),
            mock("slow", &[], json!({"delay_ms": 2000})),
        ]))
        .await;
    let stream = common::plans::stream_status(&mut server.orchestrator(), &id, 0).await;
    let following = tokio::spawn(collect(stream, |m: pb::StreamStatusResponse| m.event));
    server
        .wait_until("default", &id, |r| {
            r.tasks
                .iter()
                .any(|t| t.task_id == "quick" && t.state() == pb::TaskState::Succeeded)
        })
        .await;

    // Another owner takes the lease, and lets it lapse at once: the server's next renewal
    // finds it gone, so it stops the run; the lapsed lease is then taken over (by this server:
    // it is the only one) and the run resumed from the log.
    let database = server
        .data_dir
        .path()
        .join(orchestrator::store::sqlite::DATABASE_FILE);
    let connection = rusqlite::Connection::open(database).unwrap();
    connection.busy_timeout(Duration::from_secs(5)).unwrap();
    let stolen = connection
        .execute(
            "UPDATE leases SET owner = 'thief', version = version + 1000, expire_millis = ?1 WHERE orchestration_id = ?2",
            rusqlite::params![chrono::Utc::now().timestamp_millis() - 1, id],
        )
        .unwrap();
    assert_eq!(stolen, 1);
    drop(connection);

    let events = tokio::time::timeout(Duration::from_secs(30), following)
        .await
        .expect("the follower's stream ends")
        .unwrap();
    assert_gapless(&events, 1);
    assert_eq!(completed(&events).state(), pb::OrchestrationState::Approved);
    assert!(
        common::plans::was_resumed(&events),
        "resumed after the lease changed hands"
    );
    let quick_runs = task_updates(&events)
        .into_iter()
        .filter(|(t, s, _)| t == "quick" && *s == pb::TaskState::Running)
        .count();
    assert_eq!(quick_runs, 1, "what had succeeded is not run again");
}
