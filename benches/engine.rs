//! The engine alone (no gRPC, no store), zero-delay `mock` agents through the full agent stack:
//! a 1,000-way fan-out plus a join (target under 5 ms) and a 10,000-task random DAG (target
//! under 50 ms). Events go to a sink that only counts them.

use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use orchestrator::agents::AgentRegistry;
use orchestrator::engine::schedule::{EventSink, RunTasks, Scrub, run_tasks};
use orchestrator::engine::stack::{self, AgentStack};
use orchestrator::engine::validate::{Defaults, Limits, Rules, validate};
use orchestrator::model::event::EventKind;
use orchestrator::model::plan::{OrchestrationSpec, Plan, TaskSpec};
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct Counter(AtomicUsize);

impl EventSink for Counter {
    fn emit(&self, _kind: EventKind) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn task(id: String, depends_on: Vec<String>) -> TaskSpec {
    TaskSpec {
        id,
        agent: "mock".into(),
        depends_on,
        ..TaskSpec::default()
    }
}

fn plan(tasks: Vec<TaskSpec>) -> Plan {
    let count = tasks.len();
    let spec = OrchestrationSpec {
        tasks,
        input: "bench".into(),
        max_parallelism: count as u32,
        ..OrchestrationSpec::default()
    };
    let limits = Limits {
        max_tasks: 20_000,
        max_parallelism: 20_000,
        // Room for every task of the largest plan to keep a useful output.
        max_result_bytes: 64 * 1024 * 1024,
        ..Limits::default()
    };
    validate(
        &spec,
        &Rules {
            limits: &limits,
            defaults: &Defaults::default(),
            agent_exists: &|name| name == "mock",
            agent_names: &Vec::new,
        },
    )
    .expect("a valid plan")
}

fn fan_out(width: usize) -> Vec<TaskSpec> {
    let mut tasks = vec![task("source".into(), vec![])];
    tasks.extend((0..width).map(|i| task(format!("worker-{i}"), vec!["source".into()])));
    tasks.push(task(
        "join".into(),
        (0..width).map(|i| format!("worker-{i}")).collect(),
    ));
    tasks
}

/// Each task depends on up to 3 random earlier ones (a fixed seed, so every run is the same).
fn random_dag(count: usize) -> Vec<TaskSpec> {
    let mut rng = fastrand::Rng::with_seed(7);
    (0..count)
        .map(|i| {
            let mut deps: Vec<String> = (0..rng.usize(0..=3.min(i)))
                .map(|_| format!("t{}", rng.usize(0..i)))
                .collect();
            deps.sort();
            deps.dedup();
            task(format!("t{i}"), deps)
        })
        .collect()
}

fn stacks() -> HashMap<String, AgentStack> {
    let registry = AgentRegistry::from_settings(&BTreeMap::new()).expect("builtin agents");
    registry
        .iter()
        .map(|agent| {
            (
                agent.name.to_string(),
                stack::build(agent, &stack::no_meter()),
            )
        })
        .collect()
}

async fn run(plan: &Plan, stacks: &HashMap<String, AgentStack>) -> usize {
    let counter = Arc::new(Counter::default());
    let events: Arc<dyn EventSink> = counter.clone();
    let scrub: Scrub = Arc::new(|text: &str| text.to_owned());
    let runs = run_tasks(RunTasks {
        orchestration_id: &Arc::from("bench"),
        run: 1,
        plan,
        review_feedback: None,
        cancel: &CancellationToken::new(),
        stacks,
        events: &events,
        scrub: &scrub,
        done: &HashMap::new(),
    })
    .await;
    assert!(
        runs.iter()
            .all(|r| r.state == orchestrator::model::TaskState::Succeeded)
    );
    counter.0.load(Ordering::Relaxed)
}

fn bench_engine(c: &mut Criterion) {
    // The service runs on a multi-threaded runtime; so does the bench.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let stacks = stacks();
    let fan = plan(fan_out(1000));
    let dag = plan(random_dag(10_000));
    let mut group = c.benchmark_group("engine");
    group.bench_function("fan_out_1000_plus_join", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(run(&fan, &stacks).await) })
    });
    group.bench_function("random_dag_10000", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(run(&dag, &stacks).await) })
    });
    group.bench_function("validate_random_dag_10000", |b| {
        let tasks = random_dag(10_000);
        b.iter(|| black_box(plan(tasks.clone())))
    });
    group.finish();
}

criterion_group!(benches, bench_engine);
criterion_main!(benches);
