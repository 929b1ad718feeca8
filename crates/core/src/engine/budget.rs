//! The result budget: what one orchestration may hold, decided before it runs.
//!
//! A plan's worst case is every task's output at its cap, counted twice (a result carries each
//! output and the aggregate of them), plus every task's rendered input at its largest (its
//! literal text, `{{input}}` at the orchestration input's length, `{{tasks.<id>.output}}` at that
//! task's cap, `{{review.feedback}}` at [`FEEDBACK_CAP`]), plus a reserve for the rest of the
//! result. It must fit the budget.
//!
//! Tasks without a cap of their own share what the budget leaves equally, up to the server's
//! per-task cap: a plan never fails merely for having many tasks, its tasks only get smaller
//! caps. Explicit caps that cannot fit are refused, with the cap that would.

use crate::model::FieldViolation;
use crate::model::plan::{OrchestrationSpec, Template, TemplatePart};

/// Longest review feedback substituted for `{{review.feedback}}`.
pub const FEEDBACK_CAP: usize = 16 * 1024;
/// What a result holds besides outputs: the decision, its issues and feedback, task states.
pub const RESULT_RESERVE: usize = 64 * 1024;
/// A shared cap below this is no use to anyone: the plan is refused instead. The settings make
/// sure that the largest plan allowed (`engine.max_tasks`) always gets at least this much.
pub const MIN_OUTPUT_CAP: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// `limits.max_result_bytes`.
    pub max_result_bytes: usize,
    /// `engine.max_output_bytes`: no task's cap is above it.
    pub max_output_bytes: usize,
}

/// The caps of a plan's tasks, in the spec's order, and its worst case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sized {
    pub output_caps: Vec<usize>,
    pub worst_case: usize,
}

/// The worst case as `fixed + per_cap × c`, where `c` is the cap of the tasks without one.
#[derive(Debug, Default)]
struct Linear {
    fixed: usize,
    per_cap: usize,
}

impl Linear {
    fn at(&self, cap: usize) -> usize {
        self.fixed.saturating_add(self.per_cap.saturating_mul(cap))
    }
}

/// Caps for `spec`'s tasks within `budget`, or the violation that says why none fit.
/// `templates` are the tasks' parsed inputs, in the spec's order.
pub fn size(
    spec: &OrchestrationSpec,
    templates: &[Template],
    budget: Budget,
) -> Result<Sized, FieldViolation> {
    let explicit: Vec<Option<usize>> = spec
        .tasks
        .iter()
        .map(|task| {
            task.max_output_bytes
                .or(spec.max_output_bytes)
                .map(|cap| cap as usize)
        })
        .collect();
    let worst = linear(spec, templates, &explicit);
    let room = budget.max_result_bytes.saturating_sub(worst.fixed);
    let shared = match worst.per_cap {
        0 => budget.max_output_bytes,
        per_cap => (room / per_cap).min(budget.max_output_bytes),
    };
    // A small cap the server sets for every task is its choice; one the budget forces is not
    // allowed below the useful minimum.
    let least = MIN_OUTPUT_CAP.min(budget.max_output_bytes);
    let fits = worst.fixed <= budget.max_result_bytes && (worst.per_cap == 0 || shared >= least);
    if !fits {
        return Err(refusal(spec, templates, &explicit, &worst, budget));
    }
    let output_caps = explicit.iter().map(|cap| cap.unwrap_or(shared)).collect();
    Ok(Sized {
        output_caps,
        worst_case: worst.at(shared),
    })
}

/// The plan's worst case in terms of the shared cap.
fn linear(spec: &OrchestrationSpec, templates: &[Template], explicit: &[Option<usize>]) -> Linear {
    let mut worst = Linear {
        fixed: RESULT_RESERVE,
        per_cap: 0,
    };
    let add_output = |worst: &mut Linear, task: usize, times: usize| match explicit[task] {
        Some(cap) => worst.fixed = worst.fixed.saturating_add(cap.saturating_mul(times)),
        None => worst.per_cap = worst.per_cap.saturating_add(times),
    };
    for (task, template) in templates.iter().enumerate() {
        add_output(&mut worst, task, 2);
        for part in &template.parts {
            match part {
                TemplatePart::Text(text) => worst.fixed = worst.fixed.saturating_add(text.len()),
                TemplatePart::Input => worst.fixed = worst.fixed.saturating_add(spec.input.len()),
                TemplatePart::ReviewFeedback => {
                    worst.fixed = worst.fixed.saturating_add(FEEDBACK_CAP)
                }
                TemplatePart::TaskOutput(dependency) => add_output(&mut worst, *dependency, 1),
            }
        }
    }
    worst
}

/// Why the plan does not fit, in numbers: its worst case at the smallest useful cap, the
/// budget, and the one cap for every task that would fit.
fn refusal(
    spec: &OrchestrationSpec,
    templates: &[Template],
    explicit: &[Option<usize>],
    worst: &Linear,
    budget: Budget,
) -> FieldViolation {
    let uniform = linear(spec, templates, &vec![None; explicit.len()]);
    let would_fit = match uniform.per_cap {
        0 => 0,
        per_cap => budget.max_result_bytes.saturating_sub(uniform.fixed) / per_cap,
    }
    .min(budget.max_output_bytes);
    let field = spec
        .tasks
        .iter()
        .position(|task| task.max_output_bytes.is_some())
        .map(|index| format!("tasks[{index}].max_output_bytes"))
        .or_else(|| spec.max_output_bytes.map(|_| "max_output_bytes".to_owned()))
        .unwrap_or_else(|| "tasks".to_owned());
    let advice = if would_fit >= MIN_OUTPUT_CAP.min(budget.max_output_bytes) {
        format!("an output cap of at most {would_fit} bytes per task would fit")
    } else {
        format!(
            "the rendered inputs alone take {} bytes: shorten the task inputs or reference {{{{input}}}} in fewer of them",
            uniform.fixed.saturating_sub(RESULT_RESERVE)
        )
    };
    FieldViolation::new(
        field,
        format!(
            "the plan's worst case is {} bytes (each output at its cap, twice, plus every rendered input at its largest) and the result budget (limits.max_result_bytes) is {} bytes; {advice}",
            worst.at(MIN_OUTPUT_CAP),
            budget.max_result_bytes
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plan::TaskSpec;

    const BUDGET: Budget = Budget {
        max_result_bytes: 3 * 1024 * 1024,
        max_output_bytes: 256 * 1024,
    };

    fn task(id: &str, cap: Option<u32>) -> TaskSpec {
        TaskSpec {
            id: id.into(),
            agent: "echo".into(),
            max_output_bytes: cap,
            ..Default::default()
        }
    }

    fn text(text: &str) -> Template {
        Template {
            parts: vec![TemplatePart::Text(text.into())],
        }
    }

    #[test]
    fn a_few_tasks_get_the_server_cap_and_many_share_the_budget() {
        let few = OrchestrationSpec {
            tasks: vec![task("a", None), task("b", None)],
            ..Default::default()
        };
        let sized = size(&few, &[text("x"), text("y")], BUDGET).unwrap();
        assert_eq!(sized.output_caps, [256 * 1024, 256 * 1024]);
        assert!(sized.worst_case <= BUDGET.max_result_bytes);

        let many = OrchestrationSpec {
            tasks: (0..256).map(|i| task(&format!("t{i}"), None)).collect(),
            ..Default::default()
        };
        let templates = vec![text("x"); 256];
        let sized = size(&many, &templates, BUDGET).unwrap();
        let cap = sized.output_caps[0];
        assert!((MIN_OUTPUT_CAP..256 * 1024).contains(&cap), "{cap}");
        assert!(sized.worst_case <= BUDGET.max_result_bytes);
    }

    #[test]
    fn templates_cannot_amplify_past_the_budget() {
        // 256 tasks each rendering a 1 MiB input: refused, whatever their caps.
        let spec = OrchestrationSpec {
            input: "x".repeat(1024 * 1024),
            tasks: (0..256).map(|i| task(&format!("t{i}"), None)).collect(),
            ..Default::default()
        };
        let templates = vec![
            Template {
                parts: vec![TemplatePart::Input],
            };
            256
        ];
        let refused = size(&spec, &templates, BUDGET).unwrap_err();
        assert_eq!(refused.field, "tasks");
        assert!(
            refused
                .description
                .contains("the rendered inputs alone take"),
            "{}",
            refused.description
        );
    }

    #[test]
    fn explicit_caps_that_cannot_fit_are_refused_with_one_that_would() {
        let spec = OrchestrationSpec {
            tasks: (0..20)
                .map(|i| task(&format!("t{i}"), Some(200 * 1024)))
                .collect(),
            ..Default::default()
        };
        let refused = size(&spec, &vec![text("x"); 20], BUDGET).unwrap_err();
        assert_eq!(refused.field, "tasks[0].max_output_bytes");
        let would_fit = (BUDGET.max_result_bytes - RESULT_RESERVE - 20) / 40;
        assert!(
            refused.description.contains(&format!(
                "an output cap of at most {would_fit} bytes per task would fit"
            )),
            "{}",
            refused.description
        );
        // The cap it names does fit.
        let fitting = OrchestrationSpec {
            max_output_bytes: Some(would_fit as u32),
            tasks: (0..20).map(|i| task(&format!("t{i}"), None)).collect(),
            ..Default::default()
        };
        let sized = size(&fitting, &vec![text("x"); 20], BUDGET).unwrap();
        assert!(sized.worst_case <= BUDGET.max_result_bytes);
    }

    #[test]
    fn references_to_outputs_count_at_their_caps() {
        // A join reading three outputs: each output counts three times.
        let spec = OrchestrationSpec {
            tasks: vec![
                task("a", Some(1000)),
                task("b", Some(1000)),
                task("c", Some(1000)),
                task("join", Some(10)),
            ],
            ..Default::default()
        };
        let join = Template {
            parts: vec![
                TemplatePart::TaskOutput(0),
                TemplatePart::TaskOutput(1),
                TemplatePart::TaskOutput(2),
            ],
        };
        let sized = size(&spec, &[text(""), text(""), text(""), join], BUDGET).unwrap();
        assert_eq!(sized.worst_case, RESULT_RESERVE + 3 * 1000 * 3 + 2 * 10);
    }
}
