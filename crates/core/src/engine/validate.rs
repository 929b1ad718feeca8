//! Turns an `OrchestrationSpec` into a `Plan`, or into every field violation found, named by
//! its path in the request (`tasks[2].depends_on[0]`). Nothing runs before this passes.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::time::Duration;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::budget::{self, Budget, Sized};
use crate::model::FieldViolation;
use crate::model::plan::{
    OrchestrationSpec, Plan, PlannedTask, RetryOverrides, RetryPolicy, Template, TemplatePart,
};
use crate::model::validation::is_valid_id;

const MAX_ID_LEN: usize = 63;
const MAX_SECTION_LEN: usize = 200;
const MAX_LABELS: usize = 64;
const MAX_LABEL_KEY_LEN: usize = 63;
const MAX_LABEL_VALUE_LEN: usize = 256;
const MAX_MULTIPLIER: f64 = 10.0;

/// Bounds on what one orchestration may ask for.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub max_tasks: usize,
    /// Of the orchestration input and of each task input.
    pub max_input_bytes: usize,
    /// Of each task's params, encoded as JSON.
    pub max_params_bytes: usize,
    pub max_task_timeout: Duration,
    pub max_retries: u32,
    pub max_backoff: Duration,
    pub max_parallelism: usize,
    /// What one orchestration may hold: see [`budget`](super::budget).
    pub max_result_bytes: usize,
    /// No task's output cap is above it.
    pub max_output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_tasks: 256,
            max_input_bytes: 1024 * 1024,
            max_params_bytes: 64 * 1024,
            max_task_timeout: Duration::from_secs(3600),
            max_retries: 10,
            max_backoff: Duration::from_secs(300),
            max_parallelism: 1024,
            max_result_bytes: 3 * 1024 * 1024,
            max_output_bytes: 256 * 1024,
        }
    }
}

/// What applies where the spec says nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Defaults {
    pub task_timeout: Duration,
    pub retry: RetryPolicy,
    pub max_parallelism: usize,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            task_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            max_parallelism: 64,
        }
    }
}

/// Everything `validate` needs besides the spec.
pub struct Rules<'a> {
    pub limits: &'a Limits,
    pub defaults: &'a Defaults,
    /// Whether an agent of this name exists.
    pub agent_exists: &'a dyn Fn(&str) -> bool,
    /// Agent names, for the message when one does not exist.
    pub agent_names: &'a dyn Fn() -> Vec<String>,
}

pub fn validate(spec: &OrchestrationSpec, rules: &Rules<'_>) -> Result<Plan, Vec<FieldViolation>> {
    let limits = rules.limits;
    let mut violations = Vec::new();
    let mut push = |field: String, description: String| {
        violations.push(FieldViolation::new(field, description))
    };

    if spec.tasks.is_empty() {
        push("tasks".into(), "give at least one task".into());
    }
    if spec.tasks.len() > limits.max_tasks {
        push(
            "tasks".into(),
            format!(
                "has {} tasks; at most {} allowed",
                spec.tasks.len(),
                limits.max_tasks
            ),
        );
    }
    if spec.input.len() > limits.max_input_bytes {
        push(
            "input".into(),
            format!(
                "is {} bytes; at most {} allowed",
                spec.input.len(),
                limits.max_input_bytes
            ),
        );
    }
    check_timeout(
        &mut push,
        "default_task_timeout",
        spec.default_task_timeout,
        limits,
    );
    check_retry(
        &mut push,
        "default_retry_policy",
        &spec.default_retry,
        limits,
    );
    if spec.max_parallelism as usize > limits.max_parallelism {
        push(
            "max_parallelism".into(),
            format!(
                "is {}; at most {} allowed",
                spec.max_parallelism, limits.max_parallelism
            ),
        );
    }
    if spec.labels.len() > MAX_LABELS {
        push("labels".into(), format!("at most {MAX_LABELS} labels"));
    }
    for (key, value) in &spec.labels {
        if key.is_empty() || key.len() > MAX_LABEL_KEY_LEN {
            push(
                format!("labels[{key:?}]"),
                format!("keys have 1 to {MAX_LABEL_KEY_LEN} bytes"),
            );
        }
        if value.len() > MAX_LABEL_VALUE_LEN {
            push(
                format!("labels[{key:?}]"),
                format!("values have at most {MAX_LABEL_VALUE_LEN} bytes"),
            );
        }
    }

    // Ids first: every other check refers to tasks by id.
    let mut index_of: HashMap<&str, usize> = HashMap::new();
    let mut id_ok = vec![false; spec.tasks.len()];
    for (index, task) in spec.tasks.iter().enumerate() {
        let field = format!("tasks[{index}].id");
        if task.id.is_empty() {
            push(field, "is required".into());
        } else if !is_valid_id(&task.id, MAX_ID_LEN) {
            push(
                field,
                format!(
                    "{:?}: use 1 to {MAX_ID_LEN} letters, digits, '-' or '_'",
                    task.id
                ),
            );
        } else if let Some(first) = index_of.get(task.id.as_str()) {
            push(field, format!("repeats tasks[{first}].id {:?}", task.id));
        } else {
            index_of.insert(&task.id, index);
            id_ok[index] = true;
        }
    }

    let mut sections: HashMap<String, usize> = HashMap::new();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut templates = Vec::with_capacity(spec.tasks.len());
    for (index, task) in spec.tasks.iter().enumerate() {
        let field = |name: &str| format!("tasks[{index}].{name}");
        if task.agent.is_empty() {
            push(
                field("agent"),
                "is required: name an agent from ListAgents".into(),
            );
        } else if !(rules.agent_exists)(&task.agent) {
            push(
                field("agent"),
                format!(
                    "unknown agent {:?}; available: {}",
                    task.agent,
                    (rules.agent_names)().join(", ")
                ),
            );
        }
        if task.input.len() > limits.max_input_bytes {
            push(
                field("input"),
                format!(
                    "is {} bytes; at most {} allowed",
                    task.input.len(),
                    limits.max_input_bytes
                ),
            );
        }
        let params_size = serde_json::to_string(&task.params).map_or(usize::MAX, |s| s.len());
        if params_size > limits.max_params_bytes {
            push(
                field("params"),
                format!(
                    "are {params_size} bytes as JSON; at most {} allowed",
                    limits.max_params_bytes
                ),
            );
        }
        check_timeout(&mut push, &field("timeout"), task.timeout, limits);
        check_retry(&mut push, &field("retry_policy"), &task.retry, limits);

        let explicit = task
            .section
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let section = explicit.unwrap_or(&task.id);
        if explicit.is_none() && !id_ok[index] {
            // The id is already reported; its section would only repeat the complaint.
        } else if section.chars().count() > MAX_SECTION_LEN {
            push(
                field("section"),
                format!("is longer than {MAX_SECTION_LEN} characters"),
            );
        } else if !section.is_empty()
            && let Some(first) = sections.insert(section.to_lowercase(), index)
        {
            push(
                field("section"),
                format!(
                    "{section:?} is already filled by tasks[{first}]; each section has one task"
                ),
            );
        }

        let mut declared = BTreeSet::new();
        for (position, dependency) in task.depends_on.iter().enumerate() {
            let field = format!("tasks[{index}].depends_on[{position}]");
            match index_of.get(dependency.as_str()) {
                None => push(field, format!("no task has the id {dependency:?}")),
                Some(&target) if target == index => {
                    push(field, "a task cannot depend on itself".into())
                }
                Some(&target) => {
                    if declared.insert(target) {
                        edges.push((target, index));
                    } else {
                        push(field, format!("repeats {dependency:?}"));
                    }
                }
            }
        }
        match parse_template(&task.input, &index_of, &declared) {
            Ok(template) => templates.push(template),
            Err(problem) => {
                push(field("input"), problem);
                templates.push(Template { parts: Vec::new() });
            }
        }
    }

    // Cycles, each named once, in the caller's terms.
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(spec.tasks.len(), edges.len());
    let nodes: Vec<NodeIndex> = (0..spec.tasks.len()).map(|i| graph.add_node(i)).collect();
    for &(from, to) in &edges {
        graph.add_edge(nodes[from], nodes[to], ());
    }
    let mut cyclic = false;
    for component in tarjan_scc(&graph) {
        if component.len() < 2 {
            continue;
        }
        cyclic = true;
        let members: BTreeSet<usize> = component.iter().map(|n| graph[*n]).collect();
        let cycle = describe_cycle(&members, &edges, spec);
        let first = members.iter().next().copied().unwrap_or_default();
        push(
            format!("tasks[{first}].depends_on"),
            format!("dependency cycle: {cycle}"),
        );
    }

    check_output_caps(&mut push, spec, limits);

    if !violations.is_empty() || cyclic {
        return Err(violations);
    }
    let budget = Budget {
        max_result_bytes: limits.max_result_bytes,
        max_output_bytes: limits.max_output_bytes,
    };
    let sized = budget::size(spec, &templates, budget).map_err(|violation| vec![violation])?;
    Ok(build_plan(spec, rules.defaults, edges, templates, sized))
}

/// Explicit output caps: positive, and not above the server's.
fn check_output_caps(
    push: &mut impl FnMut(String, String),
    spec: &OrchestrationSpec,
    limits: &Limits,
) {
    let caps = std::iter::once(("max_output_bytes".to_owned(), spec.max_output_bytes)).chain(
        spec.tasks.iter().enumerate().map(|(index, task)| {
            (
                format!("tasks[{index}].max_output_bytes"),
                task.max_output_bytes,
            )
        }),
    );
    for (field, cap) in caps {
        match cap {
            Some(0) => push(field, "must be positive".into()),
            Some(cap) if cap as usize > limits.max_output_bytes => push(
                field,
                format!(
                    "is {cap}; at most {} allowed (engine.max_output_bytes)",
                    limits.max_output_bytes
                ),
            ),
            _ => {}
        }
    }
}

fn check_timeout(
    push: &mut impl FnMut(String, String),
    field: &str,
    timeout: Option<Duration>,
    limits: &Limits,
) {
    if let Some(timeout) = timeout {
        if timeout.is_zero() {
            push(field.into(), "must be positive".into());
        } else if timeout > limits.max_task_timeout {
            push(
                field.into(),
                format!(
                    "is {}; at most {} allowed",
                    humantime::format_duration(timeout),
                    humantime::format_duration(limits.max_task_timeout)
                ),
            );
        }
    }
}

fn check_retry(
    push: &mut impl FnMut(String, String),
    field: &str,
    retry: &RetryOverrides,
    limits: &Limits,
) {
    if let Some(retries) = retry.max_retries
        && retries > limits.max_retries
    {
        push(
            format!("{field}.max_retries"),
            format!("is {retries}; at most {} allowed", limits.max_retries),
        );
    }
    for (name, value) in [
        ("initial_backoff", retry.initial_backoff),
        ("max_backoff", retry.max_backoff),
    ] {
        if let Some(value) = value
            && value > limits.max_backoff
        {
            push(
                format!("{field}.{name}"),
                format!(
                    "is {}; at most {} allowed",
                    humantime::format_duration(value),
                    humantime::format_duration(limits.max_backoff)
                ),
            );
        }
    }
    if let (Some(initial), Some(max)) = (retry.initial_backoff, retry.max_backoff)
        && initial > max
    {
        push(
            format!("{field}.initial_backoff"),
            "is above max_backoff".into(),
        );
    }
    if let Some(multiplier) = retry.multiplier
        && !(1.0..=MAX_MULTIPLIER).contains(&multiplier)
    {
        push(
            format!("{field}.multiplier"),
            format!("is {multiplier}; must be between 1 and {MAX_MULTIPLIER}"),
        );
    }
}

/// `{{input}}`, `{{tasks.<id>.output}}` (declared dependencies only) and `{{review.feedback}}`.
/// A `{{` without a closing `}}` is plain text.
fn parse_template(
    text: &str,
    index_of: &HashMap<&str, usize>,
    declared: &BTreeSet<usize>,
) -> Result<Template, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    let mut literal = String::new();
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        literal.push_str(&rest[..open]);
        let reference = rest[open + 2..open + 2 + close].trim();
        let part = match reference {
            "input" => TemplatePart::Input,
            "review.feedback" => TemplatePart::ReviewFeedback,
            other => match other
                .strip_prefix("tasks.")
                .and_then(|r| r.strip_suffix(".output"))
            {
                Some(id) => match index_of.get(id) {
                    Some(index) if declared.contains(index) => TemplatePart::TaskOutput(*index),
                    Some(_) => {
                        return Err(format!(
                            "references {{{{tasks.{id}.output}}}} but does not depend on {id:?}; add it to depends_on"
                        ));
                    }
                    None => {
                        return Err(format!(
                            "references {{{{tasks.{id}.output}}}} but no task has the id {id:?}"
                        ));
                    }
                },
                None => {
                    return Err(format!(
                        "unknown template reference {{{{{other}}}}}; use {{{{input}}}}, {{{{tasks.<id>.output}}}} or {{{{review.feedback}}}}"
                    ));
                }
            },
        };
        if !literal.is_empty() {
            parts.push(TemplatePart::Text(std::mem::take(&mut literal)));
        }
        parts.push(part);
        rest = &rest[open + 2 + close + 2..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(TemplatePart::Text(literal));
    }
    Ok(Template { parts })
}

/// One cycle through `members`, as `a → b → c → a`.
fn describe_cycle(
    members: &BTreeSet<usize>,
    edges: &[(usize, usize)],
    spec: &OrchestrationSpec,
) -> String {
    let Some(&start) = members.iter().next() else {
        return String::new();
    };
    // Walk edges inside the component until a task repeats; every member has a successor in it.
    let mut path = vec![start];
    let mut current = start;
    while let Some(&(_, next)) = edges
        .iter()
        .find(|(from, to)| *from == current && members.contains(to))
    {
        if let Some(position) = path.iter().position(|&seen| seen == next) {
            path.drain(..position);
            path.push(next);
            break;
        }
        path.push(next);
        current = next;
    }
    path.iter()
        .map(|&i| spec.tasks[i].id.as_str())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Plan order is a topological order that keeps the caller's order wherever the dependencies
/// allow (Kahn's algorithm, smallest index first).
fn build_plan(
    spec: &OrchestrationSpec,
    defaults: &Defaults,
    edges: Vec<(usize, usize)>,
    templates: Vec<Template>,
    sized: Sized,
) -> Plan {
    let count = spec.tasks.len();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut depends_on: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (from, to) in edges {
        dependents[from].push(to);
        depends_on[to].push(from);
    }
    let mut waiting: Vec<usize> = depends_on.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<Reverse<usize>> = (0..count)
        .filter(|&i| waiting[i] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(count);
    let mut wave = vec![0u32; count];
    while let Some(Reverse(task)) = ready.pop() {
        order.push(task);
        for &next in &dependents[task] {
            wave[next] = wave[next].max(wave[task] + 1);
            waiting[next] -= 1;
            if waiting[next] == 0 {
                ready.push(Reverse(next));
            }
        }
    }
    // Indexes in the plan are positions in plan order.
    let mut position = vec![0usize; count];
    for (planned, &original) in order.iter().enumerate() {
        position[original] = planned;
    }
    let orchestration_retry = &spec.default_retry;
    let mut templates: Vec<Option<Template>> = templates.into_iter().map(Some).collect();
    let tasks = order
        .iter()
        .map(|&original| {
            let task = &spec.tasks[original];
            let mut template = templates[original]
                .take()
                .unwrap_or(Template { parts: Vec::new() });
            for part in &mut template.parts {
                if let TemplatePart::TaskOutput(index) = part {
                    *index = position[*index];
                }
            }
            PlannedTask {
                id: task.id.clone(),
                agent: task.agent.clone(),
                input: template,
                params: task.params.clone(),
                depends_on: depends_on[original].iter().map(|&d| position[d]).collect(),
                dependents: dependents[original].iter().map(|&d| position[d]).collect(),
                wave: wave[original],
                timeout: task
                    .timeout
                    .or(spec.default_task_timeout)
                    .unwrap_or(defaults.task_timeout),
                retry: task.retry.or(orchestration_retry).resolve(&defaults.retry),
                section: task
                    .section
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .unwrap_or(&task.id)
                    .to_owned(),
                max_output_bytes: sized.output_caps[original],
            }
        })
        .collect::<Vec<_>>();
    let wave_count = tasks.iter().map(|t| t.wave + 1).max().unwrap_or(0);
    let max_parallelism = match spec.max_parallelism {
        0 => defaults.max_parallelism,
        n => n as usize,
    };
    Plan {
        tasks,
        wave_count,
        input: spec.input.clone(),
        max_parallelism,
        worst_case_bytes: sized.worst_case,
    }
}

#[cfg(test)]
mod tests;
