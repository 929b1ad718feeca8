use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::*;
use crate::agent::Agent;

/// Answers attempt N with `script[N - 1]` (the last entry repeats), after `delay`.
struct Scripted {
    script: Vec<Result<&'static str, AgentError>>,
    delay: Duration,
    calls: Mutex<Vec<Instant>>,
}

#[async_trait]
impl Agent for Scripted {
    fn kind(&self) -> &'static str {
        "scripted"
    }

    async fn invoke(&self, request: AgentRequest) -> Result<AgentResponse, AgentError> {
        self.calls.lock().unwrap().push(Instant::now());
        tokio::time::sleep(self.delay).await;
        let index = (request.attempt as usize - 1).min(self.script.len() - 1);
        self.script[index].clone().map(AgentResponse::text)
    }
}

#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<String>>,
}

impl AttemptObserver for Recorder {
    fn attempt_started(&self, attempt: u32) {
        self.seen.lock().unwrap().push(format!("start {attempt}"));
    }

    fn attempt_failed(&self, attempt: u32, error: &AgentError, retry_in: Option<Duration>) {
        let next = retry_in.map_or("give up".to_owned(), |d| {
            format!("retry in {}ms", d.as_millis())
        });
        self.seen
            .lock()
            .unwrap()
            .push(format!("fail {attempt} ({error}): {next}"));
    }
}

fn registered(agent: Arc<Scripted>, max_concurrency: u32) -> RegisteredAgent {
    RegisteredAgent {
        name: "scripted".into(),
        kind: "scripted",
        description: String::new(),
        max_concurrency,
        agent,
        limit: (max_concurrency > 0)
            .then(|| Arc::new(tokio::sync::Semaphore::new(max_concurrency as usize))),
    }
}

fn scripted(script: Vec<Result<&'static str, AgentError>>, delay_ms: u64) -> Arc<Scripted> {
    Arc::new(Scripted {
        script,
        delay: Duration::from_millis(delay_ms),
        calls: Mutex::new(Vec::new()),
    })
}

fn agent_call(
    retry: RetryPolicy,
    timeout_ms: u64,
    observer: Arc<Recorder>,
    cancel: CancellationToken,
) -> AgentCall {
    AgentCall {
        request: AgentRequest {
            orchestration_id: "o".into(),
            task_id: "t".into(),
            attempt: 0,
            run: 1,
            input: "in".into(),
            params: Arc::new(serde_json::Map::new()),
            dependency_outputs: Arc::new(BTreeMap::new()),
            review_feedback: None,
            orchestration_input: "".into(),
            timeout: None,
        },
        agent: "scripted".into(),
        retry,
        timeout: Duration::from_millis(timeout_ms),
        cancel,
        observer,
        scrub: Arc::new(|text: &str| text.to_owned()),
    }
}

fn no_jitter(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        jitter: false,
        ..RetryPolicy::default()
    }
}

fn retryable() -> Result<&'static str, AgentError> {
    Err(AgentError::Retryable("503 from upstream".into()))
}

#[tokio::test(start_paused = true)]
async fn retries_with_exponential_backoff_until_success() {
    let agent = scripted(vec![retryable(), retryable(), retryable(), Ok("done")], 0);
    let stack = build(&registered(agent.clone(), 0), &no_meter());
    let observer = Arc::new(Recorder::default());
    let started = Instant::now();
    let result = call(
        &stack,
        agent_call(
            no_jitter(3),
            1000,
            observer.clone(),
            CancellationToken::new(),
        ),
    )
    .await;
    assert_eq!(result.unwrap().attempts, 4);
    let offsets: Vec<u128> = agent
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(|t| (*t - started).as_millis())
        .collect();
    assert_eq!(offsets, [0, 500, 1500, 3500], "500 ms, then ×2 each time");
    assert_eq!(
        observer.seen.lock().unwrap().as_slice(),
        [
            "start 1",
            "fail 1 (503 from upstream): retry in 500ms",
            "start 2",
            "fail 2 (503 from upstream): retry in 1000ms",
            "start 3",
            "fail 3 (503 from upstream): retry in 2000ms",
            "start 4"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn gives_up_after_max_retries_with_the_last_error() {
    let agent = scripted(vec![retryable()], 0);
    let stack = build(&registered(agent.clone(), 0), &no_meter());
    let observer = Arc::new(Recorder::default());
    let failure = call(
        &stack,
        agent_call(
            no_jitter(2),
            1000,
            observer.clone(),
            CancellationToken::new(),
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(failure.attempts, 3);
    assert!(matches!(failure.error, AgentError::Retryable(_)));
    assert_eq!(
        observer.seen.lock().unwrap().last().unwrap(),
        "fail 3 (503 from upstream): give up"
    );
}

#[tokio::test(start_paused = true)]
async fn zero_retries_means_one_attempt() {
    let agent = scripted(vec![retryable()], 0);
    let stack = build(&registered(agent.clone(), 0), &no_meter());
    let failure = call(
        &stack,
        agent_call(no_jitter(0), 1000, Arc::default(), CancellationToken::new()),
    )
    .await
    .unwrap_err();
    assert_eq!(failure.attempts, 1);
}

#[tokio::test(start_paused = true)]
async fn fatal_errors_are_never_retried() {
    let agent = scripted(
        vec![
            Err(AgentError::Fatal("400 bad request".into())),
            Ok("never"),
        ],
        0,
    );
    let stack = build(&registered(agent.clone(), 0), &no_meter());
    let failure = call(
        &stack,
        agent_call(no_jitter(5), 1000, Arc::default(), CancellationToken::new()),
    )
    .await
    .unwrap_err();
    assert_eq!(failure.attempts, 1);
    assert_eq!(failure.error, AgentError::Fatal("400 bad request".into()));
    assert_eq!(agent.calls.lock().unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn timed_out_attempts_are_retried_and_the_last_one_is_reported() {
    let agent = scripted(vec![Ok("too late")], 5_000);
    let stack = build(&registered(agent.clone(), 0), &no_meter());
    let failure = call(
        &stack,
        agent_call(no_jitter(1), 100, Arc::default(), CancellationToken::new()),
    )
    .await
    .unwrap_err();
    assert_eq!(failure.attempts, 2);
    assert_eq!(
        failure.error,
        AgentError::TimedOut(Duration::from_millis(100))
    );
}

#[tokio::test(start_paused = true)]
async fn full_jitter_stays_below_the_backoff_ceiling() {
    let agent = scripted(vec![retryable(), retryable(), retryable(), Ok("done")], 0);
    let stack = build(&registered(agent.clone(), 0), &no_meter());
    let policy = RetryPolicy {
        max_retries: 3,
        ..RetryPolicy::default()
    };
    call(
        &stack,
        agent_call(
            policy.clone(),
            1000,
            Arc::default(),
            CancellationToken::new(),
        ),
    )
    .await
    .unwrap();
    let calls = agent.calls.lock().unwrap();
    for (retry, pair) in calls.windows(2).enumerate() {
        let waited = pair[1] - pair[0];
        assert!(
            waited <= policy.backoff(retry as u32 + 1),
            "retry {retry}: waited {waited:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn cancellation_interrupts_a_backoff_sleep_at_once() {
    let agent = scripted(vec![retryable()], 0);
    let stack = build(&registered(agent.clone(), 0), &no_meter());
    let cancel = CancellationToken::new();
    let started = Instant::now();
    let canceller = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        canceller.cancel();
    });
    let long_backoff = RetryPolicy {
        initial_backoff: Duration::from_secs(60),
        max_backoff: Duration::from_secs(60),
        ..no_jitter(3)
    };
    let failure = call(
        &stack,
        agent_call(long_backoff, 1000, Arc::default(), cancel),
    )
    .await
    .unwrap_err();
    assert_eq!(failure.error, AgentError::Cancelled);
    assert_eq!(started.elapsed(), Duration::from_millis(100));
}

#[tokio::test(start_paused = true)]
async fn cancellation_reaches_a_running_agent_at_once() {
    let agent = scripted(vec![Ok("slow")], 60_000);
    let stack = build(&registered(agent.clone(), 0), &no_meter());
    let cancel = CancellationToken::new();
    let canceller = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        canceller.cancel();
    });
    let started = Instant::now();
    let failure = call(
        &stack,
        agent_call(no_jitter(3), 120_000, Arc::default(), cancel),
    )
    .await
    .unwrap_err();
    assert_eq!(failure.error, AgentError::Cancelled);
    assert_eq!(started.elapsed(), Duration::from_millis(50));
}

#[tokio::test(start_paused = true)]
async fn the_agent_limit_holds_across_callers() {
    let agent = scripted(vec![Ok("ok")], 100);
    let stack = build(&registered(agent.clone(), 2), &no_meter());
    let started = Instant::now();
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let stack = stack.clone();
            tokio::spawn(async move {
                call(
                    &stack,
                    agent_call(no_jitter(0), 1000, Arc::default(), CancellationToken::new()),
                )
                .await
            })
        })
        .collect();
    for handle in calls {
        handle.await.unwrap().unwrap();
    }
    // Five calls of 100 ms, two at a time: three rounds.
    assert_eq!(started.elapsed(), Duration::from_millis(300));
    let mut starts: Vec<u128> = agent
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(|t| (*t - started).as_millis())
        .collect();
    starts.sort();
    assert_eq!(starts, [0, 0, 100, 100, 200]);
}
