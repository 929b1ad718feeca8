//! A full rules review of a 64 KiB output with 20 policy rules, sections, thresholds,
//! consistency and redaction of every category. Target: under 1 ms.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use orchestrator::model::{
    PolicyEffect, PolicyMatcher, PolicyRule, QualityThresholds, RedactionSettings, ReviewCriteria,
    Severity, TaskState,
};
use orchestrator::review::{CompiledCriteria, Pseudonyms, ReviewInput, ReviewedTask};

const OUTPUT_BYTES: usize = 64 * 1024;

fn policies() -> Vec<PolicyRule> {
    let patterns = [
        r"(?i)guaranteed returns?",
        r"(?i)risk[- ]free",
        r"(?i)\bget rich\b",
        r"\b(?:TODO|FIXME|XXX)\b",
        r"(?i)as an ai(?: language)? model",
        r"(?i)\bconfidential\b",
        r"(?i)internal use only",
        r"\$\d{1,3}(?:,\d{3})*(?:\.\d{2})? million",
        r"(?i)\bno side effects\b",
        r"(?i)\b(?:always|never) fails?\b",
    ];
    let term_lists: [&[&str]; 10] = [
        &["damn", "hell"],
        &["Project Falcon", "Project Osprey"],
        &["lorem ipsum"],
        &["click here"],
        &["100% accurate", "zero risk"],
        &["insider", "tip-off"],
        &["password", "passwd"],
        &["placeholder"],
        &["N/A", "TBD"],
        &["unverified", "rumour", "rumor"],
    ];
    let mut rules: Vec<PolicyRule> = patterns
        .iter()
        .enumerate()
        .map(|(i, pattern)| PolicyRule {
            id: format!("pattern-{i}"),
            description: String::new(),
            matcher: PolicyMatcher::Pattern((*pattern).to_owned()),
            effect: PolicyEffect::Reject,
            severity: Severity::Major,
            remediation: String::new(),
        })
        .collect();
    rules.extend(term_lists.iter().enumerate().map(|(i, terms)| PolicyRule {
        id: format!("terms-{i}"),
        description: String::new(),
        matcher: PolicyMatcher::Terms {
            terms: terms.iter().map(|t| (*t).to_owned()).collect(),
            case_sensitive: false,
        },
        effect: if i % 2 == 0 {
            PolicyEffect::Warn
        } else {
            PolicyEffect::Redact
        },
        severity: Severity::Major,
        remediation: String::new(),
    }));
    rules
}

/// Markdown prose in sections, with a policy hit and some sensitive data here and there.
fn output() -> String {
    let paragraphs = [
        "The quarterly review covers revenue, churn and the pipeline for the next two quarters. ",
        "Customer interviews pointed at onboarding friction; the team plans a guided setup flow. ",
        "Costs grew in line with headcount, while infrastructure spend fell after the migration. ",
        "Contact the account team at finance-team@example.com for the detailed breakdown. ",
        "The forecast assumes a stable market; a downturn would delay two enterprise deals. ",
        "Several figures remain unverified and are marked for a second look next week. ",
    ];
    let mut text = String::with_capacity(OUTPUT_BYTES + 512);
    let mut section = 0;
    while text.len() < OUTPUT_BYTES {
        text.push_str(&format!("## Section {section}\n"));
        for i in 0..12 {
            text.push_str(paragraphs[(section + i) % paragraphs.len()]);
        }
        text.push_str("\n\n");
        section += 1;
    }
    text
}

fn criteria() -> ReviewCriteria {
    ReviewCriteria {
        required_sections: (0..5).map(|i| format!("Section {i}")).collect(),
        thresholds: QualityThresholds {
            min_confidence: Some(0.5),
            min_task_success_ratio: Some(0.5),
            min_output_chars: Some(100),
            max_output_chars: Some(1_000_000),
        },
        policies: policies(),
        redaction: RedactionSettings {
            enabled: true,
            ..RedactionSettings::default()
        },
        check_consistency: true,
        ..ReviewCriteria::empty("bench")
    }
}

fn tasks() -> Vec<ReviewedTask> {
    (0..8)
        .map(|i| ReviewedTask {
            task_id: format!("task-{i}"),
            section: format!("Section {i}"),
            state: if i == 7 {
                TaskState::Failed
            } else {
                TaskState::Succeeded
            },
            output: format!(
                r#"{{"region": "emea", "quarter": "Q{}", "count": {i}}}"#,
                1 + i % 2
            ),
            confidence: Some(0.9),
            error: (i == 7).then(|| "upstream returned 503".to_owned()),
        })
        .collect()
}

fn bench_review(c: &mut Criterion) {
    let compiled = CompiledCriteria::compile(Arc::new(criteria())).expect("valid criteria");
    let output = output();
    let tasks = tasks();
    let pseudonyms = Pseudonyms::new(b"bench secret", "bench");
    let mut group = c.benchmark_group("review");
    group.throughput(Throughput::Bytes(output.len() as u64));
    group.bench_function("64KiB_20_rules", |b| {
        b.iter(|| {
            let staged = compiled.review_rules(ReviewInput {
                output: black_box(&output),
                tasks: &tasks,
                run: 1,
                pseudonyms: &pseudonyms,
            });
            black_box(staged.finish(compiled.criteria(), 1))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_review);
criterion_main!(benches);
