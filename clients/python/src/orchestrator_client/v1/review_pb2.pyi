import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from orchestrator_client.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PolicyEffect(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POLICY_EFFECT_UNSPECIFIED: _ClassVar[PolicyEffect]
    POLICY_EFFECT_REJECT: _ClassVar[PolicyEffect]
    POLICY_EFFECT_REDACT: _ClassVar[PolicyEffect]
    POLICY_EFFECT_WARN: _ClassVar[PolicyEffect]

class Checksum(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHECKSUM_UNSPECIFIED: _ClassVar[Checksum]
    CHECKSUM_LUHN: _ClassVar[Checksum]
    CHECKSUM_MOD97: _ClassVar[Checksum]
    CHECKSUM_MOD11: _ClassVar[Checksum]

class RedactionStyle(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REDACTION_STYLE_UNSPECIFIED: _ClassVar[RedactionStyle]
    REDACTION_STYLE_LABEL: _ClassVar[RedactionStyle]
    REDACTION_STYLE_MASK: _ClassVar[RedactionStyle]
    REDACTION_STYLE_HASH: _ClassVar[RedactionStyle]

class RejectAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REJECT_ACTION_UNSPECIFIED: _ClassVar[RejectAction]
    REJECT_ACTION_RETRY: _ClassVar[RejectAction]
    REJECT_ACTION_ESCALATE: _ClassVar[RejectAction]
    REJECT_ACTION_ERROR: _ClassVar[RejectAction]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_MINOR: _ClassVar[Severity]
    SEVERITY_MAJOR: _ClassVar[Severity]
    SEVERITY_CRITICAL: _ClassVar[Severity]

class ReviewVerdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_VERDICT_UNSPECIFIED: _ClassVar[ReviewVerdict]
    REVIEW_VERDICT_APPROVED: _ClassVar[ReviewVerdict]
    REVIEW_VERDICT_REJECTED: _ClassVar[ReviewVerdict]

class IssueKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ISSUE_KIND_UNSPECIFIED: _ClassVar[IssueKind]
    ISSUE_KIND_MISSING_SECTION: _ClassVar[IssueKind]
    ISSUE_KIND_INCONSISTENCY: _ClassVar[IssueKind]
    ISSUE_KIND_POLICY_VIOLATION: _ClassVar[IssueKind]
    ISSUE_KIND_QUALITY_THRESHOLD: _ClassVar[IssueKind]
    ISSUE_KIND_TASK_FAILED: _ClassVar[IssueKind]
    ISSUE_KIND_SENSITIVE_DATA: _ClassVar[IssueKind]
    ISSUE_KIND_JUDGE: _ClassVar[IssueKind]
POLICY_EFFECT_UNSPECIFIED: PolicyEffect
POLICY_EFFECT_REJECT: PolicyEffect
POLICY_EFFECT_REDACT: PolicyEffect
POLICY_EFFECT_WARN: PolicyEffect
CHECKSUM_UNSPECIFIED: Checksum
CHECKSUM_LUHN: Checksum
CHECKSUM_MOD97: Checksum
CHECKSUM_MOD11: Checksum
REDACTION_STYLE_UNSPECIFIED: RedactionStyle
REDACTION_STYLE_LABEL: RedactionStyle
REDACTION_STYLE_MASK: RedactionStyle
REDACTION_STYLE_HASH: RedactionStyle
REJECT_ACTION_UNSPECIFIED: RejectAction
REJECT_ACTION_RETRY: RejectAction
REJECT_ACTION_ESCALATE: RejectAction
REJECT_ACTION_ERROR: RejectAction
SEVERITY_UNSPECIFIED: Severity
SEVERITY_MINOR: Severity
SEVERITY_MAJOR: Severity
SEVERITY_CRITICAL: Severity
REVIEW_VERDICT_UNSPECIFIED: ReviewVerdict
REVIEW_VERDICT_APPROVED: ReviewVerdict
REVIEW_VERDICT_REJECTED: ReviewVerdict
ISSUE_KIND_UNSPECIFIED: IssueKind
ISSUE_KIND_MISSING_SECTION: IssueKind
ISSUE_KIND_INCONSISTENCY: IssueKind
ISSUE_KIND_POLICY_VIOLATION: IssueKind
ISSUE_KIND_QUALITY_THRESHOLD: IssueKind
ISSUE_KIND_TASK_FAILED: IssueKind
ISSUE_KIND_SENSITIVE_DATA: IssueKind
ISSUE_KIND_JUDGE: IssueKind

class ReviewCriteria(_message.Message):
    __slots__ = ("id", "version", "display_name", "required_sections", "thresholds", "policies", "redaction", "check_consistency", "validation_prompts", "judge_agent", "reject_action", "max_runs_after_reject", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_SECTIONS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    REDACTION_FIELD_NUMBER: _ClassVar[int]
    CHECK_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_PROMPTS_FIELD_NUMBER: _ClassVar[int]
    JUDGE_AGENT_FIELD_NUMBER: _ClassVar[int]
    REJECT_ACTION_FIELD_NUMBER: _ClassVar[int]
    MAX_RUNS_AFTER_REJECT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    display_name: str
    required_sections: _containers.RepeatedScalarFieldContainer[str]
    thresholds: QualityThresholds
    policies: _containers.RepeatedCompositeFieldContainer[PolicyRule]
    redaction: RedactionSettings
    check_consistency: bool
    validation_prompts: _containers.RepeatedScalarFieldContainer[str]
    judge_agent: str
    reject_action: RejectAction
    max_runs_after_reject: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ..., display_name: _Optional[str] = ..., required_sections: _Optional[_Iterable[str]] = ..., thresholds: _Optional[_Union[QualityThresholds, _Mapping]] = ..., policies: _Optional[_Iterable[_Union[PolicyRule, _Mapping]]] = ..., redaction: _Optional[_Union[RedactionSettings, _Mapping]] = ..., check_consistency: _Optional[bool] = ..., validation_prompts: _Optional[_Iterable[str]] = ..., judge_agent: _Optional[str] = ..., reject_action: _Optional[_Union[RejectAction, str]] = ..., max_runs_after_reject: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class QualityThresholds(_message.Message):
    __slots__ = ("min_confidence", "min_task_success_ratio", "min_output_chars", "max_output_chars")
    MIN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    MIN_TASK_SUCCESS_RATIO_FIELD_NUMBER: _ClassVar[int]
    MIN_OUTPUT_CHARS_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_CHARS_FIELD_NUMBER: _ClassVar[int]
    min_confidence: float
    min_task_success_ratio: float
    min_output_chars: int
    max_output_chars: int
    def __init__(self, min_confidence: _Optional[float] = ..., min_task_success_ratio: _Optional[float] = ..., min_output_chars: _Optional[int] = ..., max_output_chars: _Optional[int] = ...) -> None: ...

class PolicyRule(_message.Message):
    __slots__ = ("id", "description", "pattern", "terms", "effect", "severity", "remediation")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    REMEDIATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    description: str
    pattern: str
    terms: TermList
    effect: PolicyEffect
    severity: Severity
    remediation: str
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ..., pattern: _Optional[str] = ..., terms: _Optional[_Union[TermList, _Mapping]] = ..., effect: _Optional[_Union[PolicyEffect, str]] = ..., severity: _Optional[_Union[Severity, str]] = ..., remediation: _Optional[str] = ...) -> None: ...

class TermList(_message.Message):
    __slots__ = ("terms", "case_sensitive")
    TERMS_FIELD_NUMBER: _ClassVar[int]
    CASE_SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    terms: _containers.RepeatedScalarFieldContainer[str]
    case_sensitive: bool
    def __init__(self, terms: _Optional[_Iterable[str]] = ..., case_sensitive: _Optional[bool] = ...) -> None: ...

class RedactionSettings(_message.Message):
    __slots__ = ("enabled", "categories", "style", "reject_on_detection", "custom_detectors")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    STYLE_FIELD_NUMBER: _ClassVar[int]
    REJECT_ON_DETECTION_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_DETECTORS_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    categories: _containers.RepeatedScalarFieldContainer[str]
    style: RedactionStyle
    reject_on_detection: bool
    custom_detectors: _containers.RepeatedCompositeFieldContainer[CustomDetector]
    def __init__(self, enabled: _Optional[bool] = ..., categories: _Optional[_Iterable[str]] = ..., style: _Optional[_Union[RedactionStyle, str]] = ..., reject_on_detection: _Optional[bool] = ..., custom_detectors: _Optional[_Iterable[_Union[CustomDetector, _Mapping]]] = ...) -> None: ...

class CustomDetector(_message.Message):
    __slots__ = ("name", "pattern", "context_words", "checksum", "category")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_WORDS_FIELD_NUMBER: _ClassVar[int]
    CHECKSUM_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    name: str
    pattern: str
    context_words: _containers.RepeatedScalarFieldContainer[str]
    checksum: Checksum
    category: str
    def __init__(self, name: _Optional[str] = ..., pattern: _Optional[str] = ..., context_words: _Optional[_Iterable[str]] = ..., checksum: _Optional[_Union[Checksum, str]] = ..., category: _Optional[str] = ...) -> None: ...

class ReviewDecision(_message.Message):
    __slots__ = ("decision_id", "verdict", "confidence", "issues", "feedback", "redactions", "action", "review_criteria_id", "review_criteria_version", "reviewer", "create_time", "run")
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    ISSUES_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    REDACTIONS_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REVIEW_CRITERIA_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_CRITERIA_VERSION_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    verdict: ReviewVerdict
    confidence: float
    issues: _containers.RepeatedCompositeFieldContainer[ReviewIssue]
    feedback: str
    redactions: _containers.RepeatedCompositeFieldContainer[RedactionCount]
    action: RejectAction
    review_criteria_id: str
    review_criteria_version: int
    reviewer: str
    create_time: _timestamp_pb2.Timestamp
    run: int
    def __init__(self, decision_id: _Optional[str] = ..., verdict: _Optional[_Union[ReviewVerdict, str]] = ..., confidence: _Optional[float] = ..., issues: _Optional[_Iterable[_Union[ReviewIssue, _Mapping]]] = ..., feedback: _Optional[str] = ..., redactions: _Optional[_Iterable[_Union[RedactionCount, _Mapping]]] = ..., action: _Optional[_Union[RejectAction, str]] = ..., review_criteria_id: _Optional[str] = ..., review_criteria_version: _Optional[int] = ..., reviewer: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., run: _Optional[int] = ...) -> None: ...

class ReviewIssue(_message.Message):
    __slots__ = ("kind", "severity", "description", "section", "task_id", "remediation", "rule_id", "excerpt")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SECTION_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    REMEDIATION_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    EXCERPT_FIELD_NUMBER: _ClassVar[int]
    kind: IssueKind
    severity: Severity
    description: str
    section: str
    task_id: str
    remediation: str
    rule_id: str
    excerpt: str
    def __init__(self, kind: _Optional[_Union[IssueKind, str]] = ..., severity: _Optional[_Union[Severity, str]] = ..., description: _Optional[str] = ..., section: _Optional[str] = ..., task_id: _Optional[str] = ..., remediation: _Optional[str] = ..., rule_id: _Optional[str] = ..., excerpt: _Optional[str] = ...) -> None: ...

class RedactionCount(_message.Message):
    __slots__ = ("category", "count")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    category: str
    count: int
    def __init__(self, category: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class CreateReviewCriteriaRequest(_message.Message):
    __slots__ = ("criteria",)
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    criteria: ReviewCriteria
    def __init__(self, criteria: _Optional[_Union[ReviewCriteria, _Mapping]] = ...) -> None: ...

class CreateReviewCriteriaResponse(_message.Message):
    __slots__ = ("criteria",)
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    criteria: ReviewCriteria
    def __init__(self, criteria: _Optional[_Union[ReviewCriteria, _Mapping]] = ...) -> None: ...

class GetReviewCriteriaRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetReviewCriteriaResponse(_message.Message):
    __slots__ = ("criteria",)
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    criteria: ReviewCriteria
    def __init__(self, criteria: _Optional[_Union[ReviewCriteria, _Mapping]] = ...) -> None: ...

class ListReviewCriteriaRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListReviewCriteriaResponse(_message.Message):
    __slots__ = ("criteria", "next_page_token")
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    criteria: _containers.RepeatedCompositeFieldContainer[ReviewCriteria]
    next_page_token: str
    def __init__(self, criteria: _Optional[_Iterable[_Union[ReviewCriteria, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateReviewCriteriaRequest(_message.Message):
    __slots__ = ("criteria",)
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    criteria: ReviewCriteria
    def __init__(self, criteria: _Optional[_Union[ReviewCriteria, _Mapping]] = ...) -> None: ...

class UpdateReviewCriteriaResponse(_message.Message):
    __slots__ = ("criteria",)
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    criteria: ReviewCriteria
    def __init__(self, criteria: _Optional[_Union[ReviewCriteria, _Mapping]] = ...) -> None: ...

class DeleteReviewCriteriaRequest(_message.Message):
    __slots__ = ("id", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class DeleteReviewCriteriaResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EvaluateReviewRequest(_message.Message):
    __slots__ = ("output", "review_criteria_id", "inline_criteria", "tasks")
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    REVIEW_CRITERIA_ID_FIELD_NUMBER: _ClassVar[int]
    INLINE_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    output: str
    review_criteria_id: str
    inline_criteria: ReviewCriteria
    tasks: _containers.RepeatedCompositeFieldContainer[_task_pb2.TaskResult]
    def __init__(self, output: _Optional[str] = ..., review_criteria_id: _Optional[str] = ..., inline_criteria: _Optional[_Union[ReviewCriteria, _Mapping]] = ..., tasks: _Optional[_Iterable[_Union[_task_pb2.TaskResult, _Mapping]]] = ...) -> None: ...

class EvaluateReviewResponse(_message.Message):
    __slots__ = ("decision", "redacted_output", "findings")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REDACTED_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    decision: ReviewDecision
    redacted_output: str
    findings: _containers.RepeatedCompositeFieldContainer[SensitiveFinding]
    def __init__(self, decision: _Optional[_Union[ReviewDecision, _Mapping]] = ..., redacted_output: _Optional[str] = ..., findings: _Optional[_Iterable[_Union[SensitiveFinding, _Mapping]]] = ...) -> None: ...

class SensitiveFinding(_message.Message):
    __slots__ = ("category", "start", "end", "detector")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    DETECTOR_FIELD_NUMBER: _ClassVar[int]
    category: str
    start: int
    end: int
    detector: str
    def __init__(self, category: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., detector: _Optional[str] = ...) -> None: ...
