//! Review criteria as stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::criteria::{
    Checksum, CustomDetector, PolicyEffect, PolicyMatcher, PolicyRule, QualityThresholds,
    RedactionSettings, RejectAction, ReviewCriteria, Severity,
};
use crate::model::{PiiCategory, RedactionStyle};

#[derive(Debug, Serialize, Deserialize)]
pub struct CriteriaForm {
    id: String,
    version: u64,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    required_sections: Vec<String>,
    #[serde(default)]
    thresholds: ThresholdsForm,
    #[serde(default)]
    policies: Vec<PolicyForm>,
    #[serde(default)]
    redaction: RedactionForm,
    #[serde(default)]
    check_consistency: bool,
    #[serde(default)]
    validation_prompts: Vec<String>,
    #[serde(default)]
    judge_agent: Option<String>,
    #[serde(default)]
    reject_action: RejectAction,
    /// Written by every build since RETRY came; 1 was its meaning before.
    #[serde(default = "one")]
    max_runs_after_reject: u32,
    create_time: DateTime<Utc>,
    update_time: DateTime<Utc>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct ThresholdsForm {
    min_confidence: Option<f64>,
    min_task_success_ratio: Option<f64>,
    min_output_chars: Option<u32>,
    max_output_chars: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
struct PolicyForm {
    id: String,
    #[serde(default)]
    description: String,
    matcher: MatcherForm,
    effect: PolicyEffect,
    severity: Severity,
    #[serde(default)]
    remediation: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum MatcherForm {
    Pattern(String),
    Terms {
        terms: Vec<String>,
        case_sensitive: bool,
    },
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct RedactionForm {
    enabled: bool,
    categories: Vec<PiiCategory>,
    style: RedactionStyle,
    reject_on_detection: bool,
    custom_detectors: Vec<DetectorForm>,
}

#[derive(Debug, Serialize, Deserialize)]
struct DetectorForm {
    name: String,
    pattern: String,
    #[serde(default)]
    context_words: Vec<String>,
    #[serde(default)]
    checksum: Option<Checksum>,
    category: String,
}

impl From<&ReviewCriteria> for CriteriaForm {
    fn from(criteria: &ReviewCriteria) -> Self {
        Self {
            id: criteria.id.clone(),
            version: criteria.version,
            display_name: criteria.display_name.clone(),
            required_sections: criteria.required_sections.clone(),
            thresholds: ThresholdsForm::from(&criteria.thresholds),
            policies: criteria.policies.iter().map(PolicyForm::from).collect(),
            redaction: RedactionForm::from(&criteria.redaction),
            check_consistency: criteria.check_consistency,
            validation_prompts: criteria.validation_prompts.clone(),
            judge_agent: criteria.judge_agent.clone(),
            reject_action: criteria.reject_action,
            max_runs_after_reject: criteria.max_runs_after_reject,
            create_time: criteria.create_time,
            update_time: criteria.update_time,
        }
    }
}

impl From<CriteriaForm> for ReviewCriteria {
    fn from(form: CriteriaForm) -> Self {
        Self {
            id: form.id,
            version: form.version,
            display_name: form.display_name,
            required_sections: form.required_sections,
            thresholds: form.thresholds.into(),
            policies: form.policies.into_iter().map(PolicyRule::from).collect(),
            redaction: form.redaction.into(),
            check_consistency: form.check_consistency,
            validation_prompts: form.validation_prompts,
            judge_agent: form.judge_agent,
            reject_action: form.reject_action,
            max_runs_after_reject: form.max_runs_after_reject,
            create_time: form.create_time,
            update_time: form.update_time,
        }
    }
}

impl From<&QualityThresholds> for ThresholdsForm {
    fn from(thresholds: &QualityThresholds) -> Self {
        Self {
            min_confidence: thresholds.min_confidence,
            min_task_success_ratio: thresholds.min_task_success_ratio,
            min_output_chars: thresholds.min_output_chars,
            max_output_chars: thresholds.max_output_chars,
        }
    }
}

impl From<ThresholdsForm> for QualityThresholds {
    fn from(form: ThresholdsForm) -> Self {
        Self {
            min_confidence: form.min_confidence,
            min_task_success_ratio: form.min_task_success_ratio,
            min_output_chars: form.min_output_chars,
            max_output_chars: form.max_output_chars,
        }
    }
}

impl From<&PolicyRule> for PolicyForm {
    fn from(rule: &PolicyRule) -> Self {
        Self {
            id: rule.id.clone(),
            description: rule.description.clone(),
            matcher: match &rule.matcher {
                PolicyMatcher::Pattern(pattern) => MatcherForm::Pattern(pattern.clone()),
                PolicyMatcher::Terms {
                    terms,
                    case_sensitive,
                } => MatcherForm::Terms {
                    terms: terms.clone(),
                    case_sensitive: *case_sensitive,
                },
            },
            effect: rule.effect,
            severity: rule.severity,
            remediation: rule.remediation.clone(),
        }
    }
}

impl From<PolicyForm> for PolicyRule {
    fn from(form: PolicyForm) -> Self {
        Self {
            id: form.id,
            description: form.description,
            matcher: match form.matcher {
                MatcherForm::Pattern(pattern) => PolicyMatcher::Pattern(pattern),
                MatcherForm::Terms {
                    terms,
                    case_sensitive,
                } => PolicyMatcher::Terms {
                    terms,
                    case_sensitive,
                },
            },
            effect: form.effect,
            severity: form.severity,
            remediation: form.remediation,
        }
    }
}

impl From<&RedactionSettings> for RedactionForm {
    fn from(redaction: &RedactionSettings) -> Self {
        Self {
            enabled: redaction.enabled,
            categories: redaction.categories.clone(),
            style: redaction.style,
            reject_on_detection: redaction.reject_on_detection,
            custom_detectors: redaction
                .custom_detectors
                .iter()
                .map(DetectorForm::from)
                .collect(),
        }
    }
}

impl From<RedactionForm> for RedactionSettings {
    fn from(form: RedactionForm) -> Self {
        Self {
            enabled: form.enabled,
            categories: form.categories,
            style: form.style,
            reject_on_detection: form.reject_on_detection,
            custom_detectors: form
                .custom_detectors
                .into_iter()
                .map(CustomDetector::from)
                .collect(),
        }
    }
}

impl From<&CustomDetector> for DetectorForm {
    fn from(detector: &CustomDetector) -> Self {
        Self {
            name: detector.name.clone(),
            pattern: detector.pattern.clone(),
            context_words: detector.context_words.clone(),
            checksum: detector.checksum,
            category: detector.category.clone(),
        }
    }
}

impl From<DetectorForm> for CustomDetector {
    fn from(form: DetectorForm) -> Self {
        Self {
            name: form.name,
            pattern: form.pattern,
            context_words: form.context_words,
            checksum: form.checksum,
            category: form.category,
        }
    }
}
