use serde_json::json;

use super::*;
use crate::engine::validate::{Defaults, Limits, Rules, validate};
use crate::model::plan::{OrchestrationSpec, TaskSpec};

/// Records every event with the (paused) time it was emitted at.
#[derive(Default)]
struct Recorder {
    started: Mutex<Option<Instant>>,
    events: Mutex<Vec<(Duration, TaskUpdate)>>,
    checkpoints: Mutex<Vec<TaskCheckpoint>>,
}

impl EventSink for Recorder {
    fn emit(&self, kind: EventKind) {
        let EventKind::Task(update) = kind else {
            return;
        };
        let origin = *self
            .started
            .lock()
            .unwrap()
            .get_or_insert_with(Instant::now);
        self.events.lock().unwrap().push((origin.elapsed(), update));
    }

    fn emit_success(&self, kind: EventKind, checkpoint: TaskCheckpoint) {
        self.checkpoints.lock().unwrap().push(checkpoint);
        self.emit(kind);
    }
}

impl Recorder {
    fn at(&self, task: &str, state: TaskState) -> Duration {
        self.events
            .lock()
            .unwrap()
            .iter()
            .find(|(_, u)| u.task_id == task && u.state == state)
            .map(|(at, _)| *at)
            .unwrap_or_else(|| panic!("no {state:?} event for {task}"))
    }

    fn states(&self, task: &str) -> Vec<TaskState> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, u)| u.task_id == task)
            .map(|(_, u)| u.state)
            .collect()
    }
}

fn mock(id: &str, depends_on: &[&str], params: serde_json::Value) -> TaskSpec {
    TaskSpec {
        id: id.into(),
        agent: "mock".into(),
        params: params.as_object().cloned().unwrap_or_default(),
        depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
        ..TaskSpec::default()
    }
}

fn plan_of(tasks: Vec<TaskSpec>, max_parallelism: u32) -> Plan {
    let spec = OrchestrationSpec {
        tasks,
        input: "the question".into(),
        max_parallelism,
        ..OrchestrationSpec::default()
    };
    validate(
        &spec,
        &Rules {
            limits: &Limits::default(),
            defaults: &Defaults::default(),
            agent_exists: &|name| matches!(name, "mock" | "echo"),
            agent_names: &Vec::new,
        },
    )
    .expect("a valid plan")
}

struct Harness {
    stacks: HashMap<String, AgentStack>,
    recorder: Arc<Recorder>,
    cancel: CancellationToken,
    done: HashMap<String, TaskOutcome>,
}

impl Harness {
    fn new() -> Self {
        Self {
            stacks: stack::builtin_stacks(),
            recorder: Arc::default(),
            cancel: CancellationToken::new(),
            done: HashMap::new(),
        }
    }

    async fn run(&self, plan: &Plan) -> Vec<TaskOutcome> {
        let events: Arc<dyn EventSink> = self.recorder.clone();
        *self.recorder.started.lock().unwrap() = Some(Instant::now());
        // Stands in for the criteria's redaction: hides the word "failure".
        let scrub: Scrub = Arc::new(|text: &str| text.replace("failure", "[REDACTED]"));
        run_tasks(RunTasks {
            orchestration_id: &Arc::from("o-1"),
            run: 1,
            plan,
            review_feedback: None,
            cancel: &self.cancel,
            stacks: &self.stacks,
            events: &events,
            scrub: &scrub,
            done: &self.done,
        })
        .await
    }
}

fn ms(value: u64) -> Duration {
    Duration::from_millis(value)
}

#[tokio::test(start_paused = true)]
async fn independent_tasks_run_in_parallel() {
    let harness = Harness::new();
    let plan = plan_of(
        vec![
            mock("a", &[], json!({"delay_ms": 200})),
            mock("b", &[], json!({"delay_ms": 100})),
            mock("c", &[], json!({"delay_ms": 300})),
        ],
        0,
    );
    let started = Instant::now();
    let runs = harness.run(&plan).await;
    assert_eq!(started.elapsed(), ms(300), "the longest task, not the sum");
    assert!(runs.iter().all(|r| r.state == TaskState::Succeeded));
    assert_eq!(harness.recorder.at("b", TaskState::Succeeded), ms(100));
    assert_eq!(runs[0].duration, Some(ms(200)));
}

#[tokio::test(start_paused = true)]
async fn a_task_starts_as_soon_as_its_own_dependencies_succeeded() {
    let harness = Harness::new();
    let plan = plan_of(
        vec![
            mock("a", &[], json!({"delay_ms": 100})),
            mock("b", &[], json!({"delay_ms": 300})),
            mock("c", &["a"], json!({"delay_ms": 50})),
        ],
        0,
    );
    harness.run(&plan).await;
    assert_eq!(
        harness.recorder.at("c", TaskState::Running),
        ms(100),
        "no wave barrier"
    );
    assert_eq!(harness.recorder.at("c", TaskState::Succeeded), ms(150));
    assert_eq!(plan.tasks[2].wave, 1);
}

#[tokio::test(start_paused = true)]
async fn max_parallelism_bounds_running_tasks() {
    let harness = Harness::new();
    let tasks = (0..5)
        .map(|i| mock(&format!("t{i}"), &[], json!({"delay_ms": 100})))
        .collect();
    let plan = plan_of(tasks, 2);
    let started = Instant::now();
    harness.run(&plan).await;
    assert_eq!(started.elapsed(), ms(300));
    assert_eq!(harness.recorder.at("t4", TaskState::Running), ms(200));
}

#[tokio::test(start_paused = true)]
async fn a_failure_is_isolated_and_its_dependents_are_skipped() {
    let harness = Harness::new();
    let plan = plan_of(
        vec![
            mock(
                "broken",
                &[],
                json!({"fail_attempts": 1, "error": "fatal", "delay_ms": 50}),
            ),
            mock("sibling", &[], json!({"delay_ms": 200})),
            mock("child", &["broken"], json!({})),
            mock("grandchild", &["child", "sibling"], json!({})),
        ],
        0,
    );
    let runs = harness.run(&plan).await;
    let states: Vec<TaskState> = runs.iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        [
            TaskState::Failed,
            TaskState::Succeeded,
            TaskState::Skipped,
            TaskState::Skipped
        ]
    );
    assert_eq!(runs[0].attempts, 1, "fatal: no retry");
    assert_eq!(runs[2].error.as_deref(), Some("dependency 'broken' failed"));
    assert_eq!(runs[3].error.as_deref(), Some("dependency 'child' skipped"));
    // Skipped at once, not after the sibling finished.
    assert_eq!(
        harness.recorder.at("grandchild", TaskState::Skipped),
        ms(50)
    );
    assert_eq!(
        harness.recorder.at("sibling", TaskState::Succeeded),
        ms(200)
    );
}

#[tokio::test(start_paused = true)]
async fn retries_are_reported_and_a_timed_out_task_ends_timed_out() {
    let harness = Harness::new();
    let mut flaky = mock("flaky", &[], json!({"fail_attempts": 2}));
    flaky.retry.disable_jitter = Some(true);
    flaky.retry.initial_backoff = Some(ms(10));
    let mut slow = mock("slow", &[], json!({"delay_ms": 1000}));
    slow.timeout = Some(ms(100));
    slow.retry.max_retries = Some(1);
    slow.retry.disable_jitter = Some(true);
    slow.retry.initial_backoff = Some(ms(10));
    let runs = harness.run(&plan_of(vec![flaky, slow], 0)).await;
    assert_eq!(runs[0].state, TaskState::Succeeded);
    assert_eq!(runs[0].attempts, 3);
    assert_eq!(
        harness.recorder.states("flaky"),
        [
            TaskState::Running,
            TaskState::Retrying,
            TaskState::Running,
            TaskState::Retrying,
            TaskState::Running,
            TaskState::Succeeded
        ]
    );
    assert_eq!(runs[1].state, TaskState::TimedOut);
    assert_eq!(runs[1].attempts, 2);
    assert!(
        runs[1]
            .error
            .as_deref()
            .unwrap()
            .contains("timed out after 100ms")
    );
}

#[tokio::test(start_paused = true)]
async fn cancellation_ends_running_and_waiting_tasks_at_once() {
    let harness = Harness::new();
    let plan = plan_of(
        vec![
            mock("long", &[], json!({"delay_ms": 60_000})),
            mock("after", &["long"], json!({})),
            mock("quick", &[], json!({"delay_ms": 10})),
        ],
        0,
    );
    let cancel = harness.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(ms(100)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let runs = harness.run(&plan).await;
    assert_eq!(started.elapsed(), ms(100));
    // Plan order: long, after, quick.
    let states: Vec<TaskState> = runs.iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        [
            TaskState::Cancelled,
            TaskState::Cancelled,
            TaskState::Succeeded
        ]
    );
    assert_eq!(
        runs[1].error.as_deref(),
        Some("cancelled before it started")
    );
}

#[tokio::test(start_paused = true)]
async fn dependents_see_outputs_through_templates() {
    let harness = Harness::new();
    let facts = mock("facts", &[], json!({"output": "water boils at 100 °C"}));
    let mut summary = mock("summary", &["facts"], json!({}));
    summary.agent = "echo".into();
    summary.input = "Q: {{input}} / F: {{tasks.facts.output}}".into();
    let runs = harness.run(&plan_of(vec![facts, summary], 0)).await;
    assert_eq!(
        runs[1].output.as_deref(),
        Some("Q: the question / F: water boils at 100 °C")
    );
}

#[tokio::test(start_paused = true)]
async fn outputs_are_cut_at_the_limit_on_a_character_boundary() {
    let harness = Harness::new();
    let mut task = mock("t", &[], json!({"output": "1234567°C"}));
    task.max_output_bytes = Some(8);
    let runs = harness.run(&plan_of(vec![task], 0)).await;
    assert_eq!(
        runs[0].output.as_deref(),
        Some("1234567"),
        "'°' is two bytes and would not fit"
    );
    assert!(runs[0].output_truncated);
}

#[tokio::test(start_paused = true)]
async fn errors_are_redacted_in_results_and_in_events() {
    let harness = Harness::new();
    let mut flaky = mock("t", &[], json!({"fail_attempts": 2, "error": "retryable"}));
    flaky.retry.max_retries = Some(1);
    flaky.retry.initial_backoff = Some(ms(10));
    let runs = harness.run(&plan_of(vec![flaky], 0)).await;
    let error = runs[0].error.as_deref().unwrap();
    assert!(error.starts_with("mock [REDACTED] on attempt 2"), "{error}");
    let events = harness.recorder.events.lock().unwrap();
    let errors: Vec<&str> = events
        .iter()
        .filter_map(|(_, u)| u.error.as_deref())
        .collect();
    assert_eq!(errors.len(), 2, "the RETRYING and the FAILED update");
    assert!(
        errors
            .iter()
            .all(|e| e.contains("[REDACTED]") && !e.contains("failure")),
        "{errors:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn succeeded_tasks_leave_checkpoints_with_their_raw_output() {
    let harness = Harness::new();
    let runs = harness
        .run(&plan_of(
            vec![
                mock("a", &[], json!({"output": "alpha"})),
                mock("b", &[], json!({"fail_attempts": 9, "error": "fatal"})),
            ],
            0,
        ))
        .await;
    assert_eq!(runs[0].state, TaskState::Succeeded);
    let checkpoints = harness.recorder.checkpoints.lock().unwrap().clone();
    assert_eq!(
        checkpoints.len(),
        1,
        "failed tasks leave none: {checkpoints:?}"
    );
    assert_eq!(checkpoints[0].task_id, "a");
    assert_eq!(checkpoints[0].output, "alpha");
    assert_eq!(checkpoints[0].run, 1);
}

#[tokio::test(start_paused = true)]
async fn a_resumed_run_skips_what_succeeded_and_feeds_its_output_to_dependents() {
    let mut harness = Harness::new();
    let facts = mock("facts", &[], json!({"output": "fresh facts"}));
    let other = mock("other", &[], json!({"output": "other"}));
    let mut summary = mock("summary", &["facts", "other"], json!({}));
    summary.agent = "echo".into();
    summary.input = "F: {{tasks.facts.output}} / O: {{tasks.other.output}}".into();
    harness.done.insert(
        "facts".into(),
        TaskOutcome::from_checkpoint(TaskCheckpoint {
            run: 1,
            task_id: "facts".into(),
            output: "kept facts".into(),
            output_truncated: false,
            attempts: 2,
            confidence: None,
            usage: None,
            start_time: None,
            end_time: None,
            duration: None,
        }),
    );
    let runs = harness.run(&plan_of(vec![facts, other, summary], 0)).await;
    assert!(harness.recorder.states("facts").is_empty(), "not run again");
    assert_eq!(runs[0].attempts, 2);
    assert_eq!(
        runs[2].output.as_deref(),
        Some("F: kept facts / O: other"),
        "the kept output feeds the dependent"
    );
    assert_eq!(
        harness.recorder.states("summary"),
        [TaskState::Running, TaskState::Succeeded]
    );
}
