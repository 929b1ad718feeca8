use std::time::Duration;

use super::*;
use crate::model::plan::TaskSpec;

fn task(id: &str, depends_on: &[&str]) -> TaskSpec {
    TaskSpec {
        id: id.into(),
        agent: "mock".into(),
        depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
        ..TaskSpec::default()
    }
}

fn spec(tasks: Vec<TaskSpec>) -> OrchestrationSpec {
    OrchestrationSpec {
        tasks,
        ..OrchestrationSpec::default()
    }
}

fn check(spec: &OrchestrationSpec) -> Result<Plan, Vec<FieldViolation>> {
    let limits = Limits::default();
    let defaults = Defaults::default();
    validate(
        spec,
        &Rules {
            limits: &limits,
            defaults: &defaults,
            agent_exists: &|name| matches!(name, "mock" | "echo"),
            agent_names: &|| vec!["echo".into(), "mock".into()],
        },
    )
}

fn fields(spec: &OrchestrationSpec) -> Vec<String> {
    check(spec)
        .unwrap_err()
        .into_iter()
        .map(|v| v.field)
        .collect()
}

#[test]
fn plan_order_is_topological_and_keeps_the_callers_order() {
    let plan = check(&spec(vec![
        task("report", &["research", "pricing"]),
        task("research", &[]),
        task("pricing", &[]),
        task("appendix", &[]),
    ]))
    .unwrap();
    let ids: Vec<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
    // `report` comes as early as its dependencies allow, as the caller listed it first.
    assert_eq!(ids, ["research", "pricing", "report", "appendix"]);
    let waves: Vec<u32> = plan.tasks.iter().map(|t| t.wave).collect();
    assert_eq!(waves, [0, 0, 1, 0]);
    assert_eq!(plan.wave_count, 2);
    assert_eq!(plan.tasks[2].depends_on, [0, 1]);
    assert_eq!(plan.tasks[0].dependents, [2]);
}

#[test]
fn the_wave_is_the_longest_path_from_a_root() {
    // a → b → c, and a → c directly: c is in wave 2, not 1.
    let plan = check(&spec(vec![
        task("a", &[]),
        task("b", &["a"]),
        task("c", &["a", "b"]),
    ]))
    .unwrap();
    assert_eq!(
        plan.tasks.iter().map(|t| t.wave).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert_eq!(plan.wave_count, 3);
}

#[test]
fn defaults_resolve_task_then_orchestration_then_server() {
    let mut fast = task("fast", &[]);
    fast.timeout = Some(Duration::from_millis(50));
    fast.retry.max_retries = Some(0);
    let mut plain = task("plain", &[]);
    plain.section = Some("  The Plain Part ".into());
    let mut orchestration = spec(vec![fast, plain]);
    orchestration.default_task_timeout = Some(Duration::from_secs(5));
    orchestration.default_retry.multiplier = Some(3.0);
    let plan = check(&orchestration).unwrap();
    assert_eq!(plan.tasks[0].timeout, Duration::from_millis(50));
    assert_eq!(plan.tasks[0].retry.max_retries, 0);
    assert_eq!(plan.tasks[0].retry.multiplier, 3.0);
    assert_eq!(plan.tasks[1].timeout, Duration::from_secs(5));
    assert_eq!(plan.tasks[1].retry.max_retries, 3);
    assert_eq!(plan.tasks[1].section, "The Plain Part");
    assert_eq!(plan.tasks[0].section, "fast");
    assert_eq!(plan.max_parallelism, Defaults::default().max_parallelism);
}

#[test]
fn templates_resolve_to_plan_positions() {
    let mut summary = task("summary", &["facts"]);
    summary.input = "Summarize {{ tasks.facts.output }} for {{input}}. {{review.feedback}}".into();
    let plan = check(&spec(vec![summary, task("facts", &[])])).unwrap();
    let rendered = plan.tasks[1].input.render(
        "the board",
        |index| (index == 0).then(|| "FACTS".to_owned()),
        "be brief",
    );
    assert_eq!(rendered, "Summarize FACTS for the board. be brief");
    let mut literal = task("x", &[]);
    literal.input = "braces {{ unclosed".into();
    let plan = check(&spec(vec![literal])).unwrap();
    assert_eq!(
        plan.tasks[0].input.render("", |_| None, ""),
        "braces {{ unclosed"
    );
}

#[test]
fn no_tasks_is_invalid() {
    assert_eq!(fields(&spec(vec![])), ["tasks"]);
}

#[test]
fn ids_must_be_present_valid_and_unique() {
    assert_eq!(
        fields(&spec(vec![
            task("", &[]),
            task("a b", &[]),
            task("a", &[]),
            task("a", &[])
        ])),
        ["tasks[0].id", "tasks[1].id", "tasks[3].id"]
    );
}

#[test]
fn agents_must_exist() {
    let mut unknown = task("a", &[]);
    unknown.agent = "gpt-17".into();
    let mut missing = task("b", &[]);
    missing.agent = String::new();
    let violations = check(&spec(vec![unknown, missing])).unwrap_err();
    assert_eq!(violations[0].field, "tasks[0].agent");
    assert!(violations[0].description.contains("available: echo, mock"));
    assert_eq!(violations[1].field, "tasks[1].agent");
}

#[test]
fn dependencies_must_exist_differ_from_the_task_and_not_repeat() {
    assert_eq!(
        fields(&spec(vec![
            task("a", &["ghost", "a"]),
            task("b", &["a", "a"])
        ])),
        [
            "tasks[0].depends_on[0]",
            "tasks[0].depends_on[1]",
            "tasks[1].depends_on[1]"
        ]
    );
}

#[test]
fn cycles_are_named() {
    let violations = check(&spec(vec![
        task("root", &[]),
        task("a", &["c"]),
        task("b", &["a"]),
        task("c", &["b", "root"]),
    ]))
    .unwrap_err();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].field, "tasks[1].depends_on");
    assert_eq!(violations[0].description, "dependency cycle: a → b → c → a");
}

#[test]
fn template_references_must_be_known_and_declared() {
    let mut undeclared = task("a", &[]);
    undeclared.input = "{{tasks.b.output}}".into();
    let mut unknown = task("b", &[]);
    unknown.input = "{{secrets.key}}".into();
    let mut missing = task("c", &[]);
    missing.input = "{{tasks.zz.output}}".into();
    let violations = check(&spec(vec![undeclared, unknown, missing])).unwrap_err();
    let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(
        fields,
        ["tasks[0].input", "tasks[1].input", "tasks[2].input"]
    );
    assert!(violations[0].description.contains("add it to depends_on"));
    assert!(
        violations[1]
            .description
            .contains("unknown template reference {{secrets.key}}")
    );
}

#[test]
fn sizes_timeouts_and_retry_settings_are_bounded() {
    let limits = Limits::default();
    let mut big = task("big", &[]);
    big.input = "x".repeat(limits.max_input_bytes + 1);
    big.timeout = Some(Duration::ZERO);
    big.retry.max_retries = Some(11);
    big.retry.multiplier = Some(0.5);
    big.retry.initial_backoff = Some(Duration::from_secs(10));
    big.retry.max_backoff = Some(Duration::from_secs(1));
    big.params.insert(
        "blob".into(),
        serde_json::Value::String("y".repeat(limits.max_params_bytes)),
    );
    let mut orchestration = spec(vec![big]);
    orchestration.default_task_timeout = Some(Duration::from_secs(7200));
    orchestration.max_parallelism = 100_000;
    assert_eq!(
        fields(&orchestration),
        [
            "default_task_timeout",
            "max_parallelism",
            "tasks[0].input",
            "tasks[0].params",
            "tasks[0].timeout",
            "tasks[0].retry_policy.max_retries",
            "tasks[0].retry_policy.initial_backoff",
            "tasks[0].retry_policy.multiplier",
        ]
    );
}

#[test]
fn too_many_tasks_is_invalid() {
    let tasks = (0..257).map(|i| task(&format!("t{i}"), &[])).collect();
    assert_eq!(fields(&spec(tasks)), ["tasks"]);
}

#[test]
fn two_tasks_cannot_fill_one_section() {
    let mut first = task("a", &[]);
    first.section = Some("Summary".into());
    let mut second = task("b", &[]);
    second.section = Some("summary".into());
    assert_eq!(fields(&spec(vec![first, second])), ["tasks[1].section"]);
}
