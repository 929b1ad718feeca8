import type { GenEnum, GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Timestamp, TimestampJson } from "@bufbuild/protobuf/wkt";
import type { TaskResult, TaskResultJson } from "./task_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file orchestrator/v1/review.proto.
 */
export declare const file_orchestrator_v1_review: GenFile;
/**
 * Criteria with the id `default` are the tenant's default: they apply to orchestrations that name
 * no criteria. A tenant without them gets the built-in defaults (`builtin:default`: redact every
 * category of sensitive data, require nothing else).
 *
 * @generated from message orchestrator.v1.ReviewCriteria
 */
export type ReviewCriteria = Message<"orchestrator.v1.ReviewCriteria"> & {
    /**
     * Letters, digits, '-' and '_', at most 63 characters. Empty at create: generated.
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * Set by the server: 1 at create, bumped on every update.
     *
     * @generated from field: uint64 version = 2;
     */
    version: bigint;
    /**
     * @generated from field: string display_name = 3;
     */
    displayName: string;
    /**
     * Sections the output must contain as `## <name>` headings (case-insensitive), each non-empty.
     *
     * @generated from field: repeated string required_sections = 4;
     */
    requiredSections: string[];
    /**
     * @generated from field: orchestrator.v1.QualityThresholds thresholds = 5;
     */
    thresholds?: QualityThresholds | undefined;
    /**
     * At most 100 rules.
     *
     * @generated from field: repeated orchestrator.v1.PolicyRule policies = 6;
     */
    policies: PolicyRule[];
    /**
     * Unset: redaction on for every category, LABEL style. Set with `enabled: false` to turn it off.
     *
     * @generated from field: orchestrator.v1.RedactionSettings redaction = 7;
     */
    redaction?: RedactionSettings | undefined;
    /**
     * Flag contradicting values between task outputs that are JSON objects.
     *
     * @generated from field: bool check_consistency = 8;
     */
    checkConsistency: boolean;
    /**
     * Questions for the judge agent (e.g. "Are there contradictions?"); needs judge_agent.
     *
     * @generated from field: repeated string validation_prompts = 9;
     */
    validationPrompts: string[];
    /**
     * The agent (from ListAgents) that answers validation_prompts.
     *
     * @generated from field: string judge_agent = 10;
     */
    judgeAgent: string;
    /**
     * What follows a rejection; unspecified means ERROR.
     *
     * @generated from field: orchestrator.v1.RejectAction reject_action = 11;
     */
    rejectAction: RejectAction;
    /**
     * For RETRY: re-runs allowed before giving up as REJECTED; unset: 1.
     *
     * @generated from field: optional uint32 max_runs_after_reject = 12;
     */
    maxRunsAfterReject?: number | undefined;
    /**
     * @generated from field: google.protobuf.Timestamp create_time = 13;
     */
    createTime?: Timestamp | undefined;
    /**
     * @generated from field: google.protobuf.Timestamp update_time = 14;
     */
    updateTime?: Timestamp | undefined;
};
/**
 * Criteria with the id `default` are the tenant's default: they apply to orchestrations that name
 * no criteria. A tenant without them gets the built-in defaults (`builtin:default`: redact every
 * category of sensitive data, require nothing else).
 *
 * @generated from message orchestrator.v1.ReviewCriteria
 */
export type ReviewCriteriaJson = {
    /**
     * Letters, digits, '-' and '_', at most 63 characters. Empty at create: generated.
     *
     * @generated from field: string id = 1;
     */
    id?: string;
    /**
     * Set by the server: 1 at create, bumped on every update.
     *
     * @generated from field: uint64 version = 2;
     */
    version?: string;
    /**
     * @generated from field: string display_name = 3;
     */
    displayName?: string;
    /**
     * Sections the output must contain as `## <name>` headings (case-insensitive), each non-empty.
     *
     * @generated from field: repeated string required_sections = 4;
     */
    requiredSections?: string[];
    /**
     * @generated from field: orchestrator.v1.QualityThresholds thresholds = 5;
     */
    thresholds?: QualityThresholdsJson;
    /**
     * At most 100 rules.
     *
     * @generated from field: repeated orchestrator.v1.PolicyRule policies = 6;
     */
    policies?: PolicyRuleJson[];
    /**
     * Unset: redaction on for every category, LABEL style. Set with `enabled: false` to turn it off.
     *
     * @generated from field: orchestrator.v1.RedactionSettings redaction = 7;
     */
    redaction?: RedactionSettingsJson;
    /**
     * Flag contradicting values between task outputs that are JSON objects.
     *
     * @generated from field: bool check_consistency = 8;
     */
    checkConsistency?: boolean;
    /**
     * Questions for the judge agent (e.g. "Are there contradictions?"); needs judge_agent.
     *
     * @generated from field: repeated string validation_prompts = 9;
     */
    validationPrompts?: string[];
    /**
     * The agent (from ListAgents) that answers validation_prompts.
     *
     * @generated from field: string judge_agent = 10;
     */
    judgeAgent?: string;
    /**
     * What follows a rejection; unspecified means ERROR.
     *
     * @generated from field: orchestrator.v1.RejectAction reject_action = 11;
     */
    rejectAction?: RejectActionJson;
    /**
     * For RETRY: re-runs allowed before giving up as REJECTED; unset: 1.
     *
     * @generated from field: optional uint32 max_runs_after_reject = 12;
     */
    maxRunsAfterReject?: number;
    /**
     * @generated from field: google.protobuf.Timestamp create_time = 13;
     */
    createTime?: TimestampJson;
    /**
     * @generated from field: google.protobuf.Timestamp update_time = 14;
     */
    updateTime?: TimestampJson;
};
/**
 * Describes the message orchestrator.v1.ReviewCriteria.
 * Use `create(ReviewCriteriaSchema)` to create a new message.
 */
export declare const ReviewCriteriaSchema: GenMessage<ReviewCriteria, {
    jsonType: ReviewCriteriaJson;
}>;
/**
 * @generated from message orchestrator.v1.QualityThresholds
 */
export type QualityThresholds = Message<"orchestrator.v1.QualityThresholds"> & {
    /**
     * Lowest confidence any succeeded task may report, in [0, 1].
     *
     * @generated from field: optional double min_confidence = 1;
     */
    minConfidence?: number | undefined;
    /**
     * Succeeded tasks over all tasks, in [0, 1].
     *
     * @generated from field: optional double min_task_success_ratio = 2;
     */
    minTaskSuccessRatio?: number | undefined;
    /**
     * @generated from field: optional uint32 min_output_chars = 3;
     */
    minOutputChars?: number | undefined;
    /**
     * @generated from field: optional uint32 max_output_chars = 4;
     */
    maxOutputChars?: number | undefined;
};
/**
 * @generated from message orchestrator.v1.QualityThresholds
 */
export type QualityThresholdsJson = {
    /**
     * Lowest confidence any succeeded task may report, in [0, 1].
     *
     * @generated from field: optional double min_confidence = 1;
     */
    minConfidence?: number | "NaN" | "Infinity" | "-Infinity";
    /**
     * Succeeded tasks over all tasks, in [0, 1].
     *
     * @generated from field: optional double min_task_success_ratio = 2;
     */
    minTaskSuccessRatio?: number | "NaN" | "Infinity" | "-Infinity";
    /**
     * @generated from field: optional uint32 min_output_chars = 3;
     */
    minOutputChars?: number;
    /**
     * @generated from field: optional uint32 max_output_chars = 4;
     */
    maxOutputChars?: number;
};
/**
 * Describes the message orchestrator.v1.QualityThresholds.
 * Use `create(QualityThresholdsSchema)` to create a new message.
 */
export declare const QualityThresholdsSchema: GenMessage<QualityThresholds, {
    jsonType: QualityThresholdsJson;
}>;
/**
 * @generated from message orchestrator.v1.PolicyRule
 */
export type PolicyRule = Message<"orchestrator.v1.PolicyRule"> & {
    /**
     * Unique within the criteria (letters, digits, '-' and '_'); cited by the issues the rule raises.
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * @generated from field: string description = 2;
     */
    description: string;
    /**
     * @generated from oneof orchestrator.v1.PolicyRule.match
     */
    match: {
        /**
         * A regular expression (linear-time engine, RE2 syntax; rejected at write time when invalid
         * or when it matches empty text).
         *
         * @generated from field: string pattern = 3;
         */
        value: string;
        case: "pattern";
    } | {
        /**
         * @generated from field: orchestrator.v1.TermList terms = 4;
         */
        value: TermList;
        case: "terms";
    } | {
        case: undefined;
        value?: undefined;
    };
    /**
     * Unspecified means REJECT.
     *
     * @generated from field: orchestrator.v1.PolicyEffect effect = 5;
     */
    effect: PolicyEffect;
    /**
     * Of the issue a REJECT rule raises; unspecified means MAJOR. WARN rules always raise MINOR.
     *
     * @generated from field: orchestrator.v1.Severity severity = 6;
     */
    severity: Severity;
    /**
     * What to change so that the rule no longer matches.
     *
     * @generated from field: string remediation = 7;
     */
    remediation: string;
};
/**
 * @generated from message orchestrator.v1.PolicyRule
 */
export type PolicyRuleJson = {
    /**
     * Unique within the criteria (letters, digits, '-' and '_'); cited by the issues the rule raises.
     *
     * @generated from field: string id = 1;
     */
    id?: string;
    /**
     * @generated from field: string description = 2;
     */
    description?: string;
    /**
     * A regular expression (linear-time engine, RE2 syntax; rejected at write time when invalid
     * or when it matches empty text).
     *
     * @generated from field: string pattern = 3;
     */
    pattern?: string;
    /**
     * @generated from field: orchestrator.v1.TermList terms = 4;
     */
    terms?: TermListJson;
    /**
     * Unspecified means REJECT.
     *
     * @generated from field: orchestrator.v1.PolicyEffect effect = 5;
     */
    effect?: PolicyEffectJson;
    /**
     * Of the issue a REJECT rule raises; unspecified means MAJOR. WARN rules always raise MINOR.
     *
     * @generated from field: orchestrator.v1.Severity severity = 6;
     */
    severity?: SeverityJson;
    /**
     * What to change so that the rule no longer matches.
     *
     * @generated from field: string remediation = 7;
     */
    remediation?: string;
};
/**
 * Describes the message orchestrator.v1.PolicyRule.
 * Use `create(PolicyRuleSchema)` to create a new message.
 */
export declare const PolicyRuleSchema: GenMessage<PolicyRule, {
    jsonType: PolicyRuleJson;
}>;
/**
 * Terms match as whole words (a term edge that is a letter or digit must meet a non-word
 * character); case-insensitive matching folds Unicode case.
 *
 * @generated from message orchestrator.v1.TermList
 */
export type TermList = Message<"orchestrator.v1.TermList"> & {
    /**
     * @generated from field: repeated string terms = 1;
     */
    terms: string[];
    /**
     * @generated from field: bool case_sensitive = 2;
     */
    caseSensitive: boolean;
};
/**
 * Terms match as whole words (a term edge that is a letter or digit must meet a non-word
 * character); case-insensitive matching folds Unicode case.
 *
 * @generated from message orchestrator.v1.TermList
 */
export type TermListJson = {
    /**
     * @generated from field: repeated string terms = 1;
     */
    terms?: string[];
    /**
     * @generated from field: bool case_sensitive = 2;
     */
    caseSensitive?: boolean;
};
/**
 * Describes the message orchestrator.v1.TermList.
 * Use `create(TermListSchema)` to create a new message.
 */
export declare const TermListSchema: GenMessage<TermList, {
    jsonType: TermListJson;
}>;
/**
 * @generated from message orchestrator.v1.RedactionSettings
 */
export type RedactionSettings = Message<"orchestrator.v1.RedactionSettings"> & {
    /**
     * @generated from field: bool enabled = 1;
     */
    enabled: boolean;
    /**
     * Empty: all. EMAIL, PHONE, US_SSN, CA_SIN, CREDIT_CARD, IBAN, IP_ADDRESS, SECRET.
     *
     * @generated from field: repeated string categories = 2;
     */
    categories: string[];
    /**
     * @generated from field: orchestrator.v1.RedactionStyle style = 3;
     */
    style: RedactionStyle;
    /**
     * Reject instead of only redacting when sensitive data is found.
     *
     * @generated from field: bool reject_on_detection = 4;
     */
    rejectOnDetection: boolean;
    /**
     * This tenant's own kinds of sensitive value, found beside the built-in categories (which
     * `categories` does not limit) and counted and redacted under their own category. At most 20.
     *
     * @generated from field: repeated orchestrator.v1.CustomDetector custom_detectors = 5;
     */
    customDetectors: CustomDetector[];
};
/**
 * @generated from message orchestrator.v1.RedactionSettings
 */
export type RedactionSettingsJson = {
    /**
     * @generated from field: bool enabled = 1;
     */
    enabled?: boolean;
    /**
     * Empty: all. EMAIL, PHONE, US_SSN, CA_SIN, CREDIT_CARD, IBAN, IP_ADDRESS, SECRET.
     *
     * @generated from field: repeated string categories = 2;
     */
    categories?: string[];
    /**
     * @generated from field: orchestrator.v1.RedactionStyle style = 3;
     */
    style?: RedactionStyleJson;
    /**
     * Reject instead of only redacting when sensitive data is found.
     *
     * @generated from field: bool reject_on_detection = 4;
     */
    rejectOnDetection?: boolean;
    /**
     * This tenant's own kinds of sensitive value, found beside the built-in categories (which
     * `categories` does not limit) and counted and redacted under their own category. At most 20.
     *
     * @generated from field: repeated orchestrator.v1.CustomDetector custom_detectors = 5;
     */
    customDetectors?: CustomDetectorJson[];
};
/**
 * Describes the message orchestrator.v1.RedactionSettings.
 * Use `create(RedactionSettingsSchema)` to create a new message.
 */
export declare const RedactionSettingsSchema: GenMessage<RedactionSettings, {
    jsonType: RedactionSettingsJson;
}>;
/**
 * A kind of sensitive value the built-in categories do not know (an employee number, a policy
 * number, a national id), found by a pattern.
 *
 * @generated from message orchestrator.v1.CustomDetector
 */
export type CustomDetector = Message<"orchestrator.v1.CustomDetector"> & {
    /**
     * Unique within the criteria (letters, digits, '-' and '_', at most 63); findings name it as
     * `custom:<name>`.
     *
     * @generated from field: string name = 1;
     */
    name: string;
    /**
     * A regular expression (linear-time engine, RE2 syntax, at most 4096 bytes; rejected at write
     * time when invalid, too big, or when it matches empty text). Every match is a candidate.
     *
     * @generated from field: string pattern = 2;
     */
    pattern: string;
    /**
     * When given, a candidate counts only when one of these words labels it: its key
     * (`"employee_id": ...`), its table column's header, or the prose just before it (up to 48
     * bytes, within the paragraph). Words match as whole words after the same normalisation as the
     * built-in labels (case, `_`, `-`, `.`, camelCase). At most 32, each at most 64 bytes.
     *
     * @generated from field: repeated string context_words = 3;
     */
    contextWords: string[];
    /**
     * When set, a candidate counts only when its check digits are right.
     *
     * @generated from field: orchestrator.v1.Checksum checksum = 4;
     */
    checksum: Checksum;
    /**
     * The category matches are counted and redacted under (`[EMPLOYEE_ID]`): 1 to 32 uppercase
     * letters, digits or '_', starting with a letter. A built-in category's name is allowed and
     * adds to its count.
     *
     * @generated from field: string category = 5;
     */
    category: string;
};
/**
 * A kind of sensitive value the built-in categories do not know (an employee number, a policy
 * number, a national id), found by a pattern.
 *
 * @generated from message orchestrator.v1.CustomDetector
 */
export type CustomDetectorJson = {
    /**
     * Unique within the criteria (letters, digits, '-' and '_', at most 63); findings name it as
     * `custom:<name>`.
     *
     * @generated from field: string name = 1;
     */
    name?: string;
    /**
     * A regular expression (linear-time engine, RE2 syntax, at most 4096 bytes; rejected at write
     * time when invalid, too big, or when it matches empty text). Every match is a candidate.
     *
     * @generated from field: string pattern = 2;
     */
    pattern?: string;
    /**
     * When given, a candidate counts only when one of these words labels it: its key
     * (`"employee_id": ...`), its table column's header, or the prose just before it (up to 48
     * bytes, within the paragraph). Words match as whole words after the same normalisation as the
     * built-in labels (case, `_`, `-`, `.`, camelCase). At most 32, each at most 64 bytes.
     *
     * @generated from field: repeated string context_words = 3;
     */
    contextWords?: string[];
    /**
     * When set, a candidate counts only when its check digits are right.
     *
     * @generated from field: orchestrator.v1.Checksum checksum = 4;
     */
    checksum?: ChecksumJson;
    /**
     * The category matches are counted and redacted under (`[EMPLOYEE_ID]`): 1 to 32 uppercase
     * letters, digits or '_', starting with a letter. A built-in category's name is allowed and
     * adds to its count.
     *
     * @generated from field: string category = 5;
     */
    category?: string;
};
/**
 * Describes the message orchestrator.v1.CustomDetector.
 * Use `create(CustomDetectorSchema)` to create a new message.
 */
export declare const CustomDetectorSchema: GenMessage<CustomDetector, {
    jsonType: CustomDetectorJson;
}>;
/**
 * @generated from message orchestrator.v1.ReviewDecision
 */
export type ReviewDecision = Message<"orchestrator.v1.ReviewDecision"> & {
    /**
     * @generated from field: string decision_id = 1;
     */
    decisionId: string;
    /**
     * @generated from field: orchestrator.v1.ReviewVerdict verdict = 2;
     */
    verdict: ReviewVerdict;
    /**
     * How sure the review is of its verdict, in [0, 1].
     *
     * @generated from field: double confidence = 3;
     */
    confidence: number;
    /**
     * @generated from field: repeated orchestrator.v1.ReviewIssue issues = 4;
     */
    issues: ReviewIssue[];
    /**
     * Actionable guidance built from the issues; empty only when approved without issues.
     *
     * @generated from field: string feedback = 5;
     */
    feedback: string;
    /**
     * @generated from field: repeated orchestrator.v1.RedactionCount redactions = 6;
     */
    redactions: RedactionCount[];
    /**
     * What followed a rejection.
     *
     * @generated from field: orchestrator.v1.RejectAction action = 7;
     */
    action: RejectAction;
    /**
     * @generated from field: string review_criteria_id = 8;
     */
    reviewCriteriaId: string;
    /**
     * @generated from field: uint64 review_criteria_version = 9;
     */
    reviewCriteriaVersion: bigint;
    /**
     * "rules", or "rules+<judge agent>", or "human:<reviewer>".
     *
     * @generated from field: string reviewer = 10;
     */
    reviewer: string;
    /**
     * @generated from field: google.protobuf.Timestamp create_time = 11;
     */
    createTime?: Timestamp | undefined;
    /**
     * The orchestration run this decision reviewed (1 for the first).
     *
     * @generated from field: uint32 run = 12;
     */
    run: number;
};
/**
 * @generated from message orchestrator.v1.ReviewDecision
 */
export type ReviewDecisionJson = {
    /**
     * @generated from field: string decision_id = 1;
     */
    decisionId?: string;
    /**
     * @generated from field: orchestrator.v1.ReviewVerdict verdict = 2;
     */
    verdict?: ReviewVerdictJson;
    /**
     * How sure the review is of its verdict, in [0, 1].
     *
     * @generated from field: double confidence = 3;
     */
    confidence?: number | "NaN" | "Infinity" | "-Infinity";
    /**
     * @generated from field: repeated orchestrator.v1.ReviewIssue issues = 4;
     */
    issues?: ReviewIssueJson[];
    /**
     * Actionable guidance built from the issues; empty only when approved without issues.
     *
     * @generated from field: string feedback = 5;
     */
    feedback?: string;
    /**
     * @generated from field: repeated orchestrator.v1.RedactionCount redactions = 6;
     */
    redactions?: RedactionCountJson[];
    /**
     * What followed a rejection.
     *
     * @generated from field: orchestrator.v1.RejectAction action = 7;
     */
    action?: RejectActionJson;
    /**
     * @generated from field: string review_criteria_id = 8;
     */
    reviewCriteriaId?: string;
    /**
     * @generated from field: uint64 review_criteria_version = 9;
     */
    reviewCriteriaVersion?: string;
    /**
     * "rules", or "rules+<judge agent>", or "human:<reviewer>".
     *
     * @generated from field: string reviewer = 10;
     */
    reviewer?: string;
    /**
     * @generated from field: google.protobuf.Timestamp create_time = 11;
     */
    createTime?: TimestampJson;
    /**
     * The orchestration run this decision reviewed (1 for the first).
     *
     * @generated from field: uint32 run = 12;
     */
    run?: number;
};
/**
 * Describes the message orchestrator.v1.ReviewDecision.
 * Use `create(ReviewDecisionSchema)` to create a new message.
 */
export declare const ReviewDecisionSchema: GenMessage<ReviewDecision, {
    jsonType: ReviewDecisionJson;
}>;
/**
 * @generated from message orchestrator.v1.ReviewIssue
 */
export type ReviewIssue = Message<"orchestrator.v1.ReviewIssue"> & {
    /**
     * @generated from field: orchestrator.v1.IssueKind kind = 1;
     */
    kind: IssueKind;
    /**
     * @generated from field: orchestrator.v1.Severity severity = 2;
     */
    severity: Severity;
    /**
     * @generated from field: string description = 3;
     */
    description: string;
    /**
     * @generated from field: string section = 4;
     */
    section: string;
    /**
     * @generated from field: string task_id = 5;
     */
    taskId: string;
    /**
     * What to change so that this issue goes away.
     *
     * @generated from field: string remediation = 6;
     */
    remediation: string;
    /**
     * For POLICY_VIOLATION: the rule that matched.
     *
     * @generated from field: string rule_id = 7;
     */
    ruleId: string;
    /**
     * For POLICY_VIOLATION and SENSITIVE_DATA: the matching text in context, itself redacted.
     *
     * @generated from field: string excerpt = 8;
     */
    excerpt: string;
};
/**
 * @generated from message orchestrator.v1.ReviewIssue
 */
export type ReviewIssueJson = {
    /**
     * @generated from field: orchestrator.v1.IssueKind kind = 1;
     */
    kind?: IssueKindJson;
    /**
     * @generated from field: orchestrator.v1.Severity severity = 2;
     */
    severity?: SeverityJson;
    /**
     * @generated from field: string description = 3;
     */
    description?: string;
    /**
     * @generated from field: string section = 4;
     */
    section?: string;
    /**
     * @generated from field: string task_id = 5;
     */
    taskId?: string;
    /**
     * What to change so that this issue goes away.
     *
     * @generated from field: string remediation = 6;
     */
    remediation?: string;
    /**
     * For POLICY_VIOLATION: the rule that matched.
     *
     * @generated from field: string rule_id = 7;
     */
    ruleId?: string;
    /**
     * For POLICY_VIOLATION and SENSITIVE_DATA: the matching text in context, itself redacted.
     *
     * @generated from field: string excerpt = 8;
     */
    excerpt?: string;
};
/**
 * Describes the message orchestrator.v1.ReviewIssue.
 * Use `create(ReviewIssueSchema)` to create a new message.
 */
export declare const ReviewIssueSchema: GenMessage<ReviewIssue, {
    jsonType: ReviewIssueJson;
}>;
/**
 * @generated from message orchestrator.v1.RedactionCount
 */
export type RedactionCount = Message<"orchestrator.v1.RedactionCount"> & {
    /**
     * @generated from field: string category = 1;
     */
    category: string;
    /**
     * @generated from field: uint32 count = 2;
     */
    count: number;
};
/**
 * @generated from message orchestrator.v1.RedactionCount
 */
export type RedactionCountJson = {
    /**
     * @generated from field: string category = 1;
     */
    category?: string;
    /**
     * @generated from field: uint32 count = 2;
     */
    count?: number;
};
/**
 * Describes the message orchestrator.v1.RedactionCount.
 * Use `create(RedactionCountSchema)` to create a new message.
 */
export declare const RedactionCountSchema: GenMessage<RedactionCount, {
    jsonType: RedactionCountJson;
}>;
/**
 * @generated from message orchestrator.v1.CreateReviewCriteriaRequest
 */
export type CreateReviewCriteriaRequest = Message<"orchestrator.v1.CreateReviewCriteriaRequest"> & {
    /**
     * @generated from field: orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria?: ReviewCriteria | undefined;
};
/**
 * @generated from message orchestrator.v1.CreateReviewCriteriaRequest
 */
export type CreateReviewCriteriaRequestJson = {
    /**
     * @generated from field: orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria?: ReviewCriteriaJson;
};
/**
 * Describes the message orchestrator.v1.CreateReviewCriteriaRequest.
 * Use `create(CreateReviewCriteriaRequestSchema)` to create a new message.
 */
export declare const CreateReviewCriteriaRequestSchema: GenMessage<CreateReviewCriteriaRequest, {
    jsonType: CreateReviewCriteriaRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.CreateReviewCriteriaResponse
 */
export type CreateReviewCriteriaResponse = Message<"orchestrator.v1.CreateReviewCriteriaResponse"> & {
    /**
     * @generated from field: orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria?: ReviewCriteria | undefined;
};
/**
 * @generated from message orchestrator.v1.CreateReviewCriteriaResponse
 */
export type CreateReviewCriteriaResponseJson = {
    /**
     * @generated from field: orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria?: ReviewCriteriaJson;
};
/**
 * Describes the message orchestrator.v1.CreateReviewCriteriaResponse.
 * Use `create(CreateReviewCriteriaResponseSchema)` to create a new message.
 */
export declare const CreateReviewCriteriaResponseSchema: GenMessage<CreateReviewCriteriaResponse, {
    jsonType: CreateReviewCriteriaResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.GetReviewCriteriaRequest
 */
export type GetReviewCriteriaRequest = Message<"orchestrator.v1.GetReviewCriteriaRequest"> & {
    /**
     * @generated from field: string id = 1;
     */
    id: string;
};
/**
 * @generated from message orchestrator.v1.GetReviewCriteriaRequest
 */
export type GetReviewCriteriaRequestJson = {
    /**
     * @generated from field: string id = 1;
     */
    id?: string;
};
/**
 * Describes the message orchestrator.v1.GetReviewCriteriaRequest.
 * Use `create(GetReviewCriteriaRequestSchema)` to create a new message.
 */
export declare const GetReviewCriteriaRequestSchema: GenMessage<GetReviewCriteriaRequest, {
    jsonType: GetReviewCriteriaRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.GetReviewCriteriaResponse
 */
export type GetReviewCriteriaResponse = Message<"orchestrator.v1.GetReviewCriteriaResponse"> & {
    /**
     * @generated from field: orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria?: ReviewCriteria | undefined;
};
/**
 * @generated from message orchestrator.v1.GetReviewCriteriaResponse
 */
export type GetReviewCriteriaResponseJson = {
    /**
     * @generated from field: orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria?: ReviewCriteriaJson;
};
/**
 * Describes the message orchestrator.v1.GetReviewCriteriaResponse.
 * Use `create(GetReviewCriteriaResponseSchema)` to create a new message.
 */
export declare const GetReviewCriteriaResponseSchema: GenMessage<GetReviewCriteriaResponse, {
    jsonType: GetReviewCriteriaResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.ListReviewCriteriaRequest
 */
export type ListReviewCriteriaRequest = Message<"orchestrator.v1.ListReviewCriteriaRequest"> & {
    /**
     * At most this many per page; 0 is the server's default (50), above 1000 is clamped to 1000.
     *
     * @generated from field: uint32 page_size = 1;
     */
    pageSize: number;
    /**
     * From a previous response's next_page_token; empty for the first page.
     *
     * @generated from field: string page_token = 2;
     */
    pageToken: string;
};
/**
 * @generated from message orchestrator.v1.ListReviewCriteriaRequest
 */
export type ListReviewCriteriaRequestJson = {
    /**
     * At most this many per page; 0 is the server's default (50), above 1000 is clamped to 1000.
     *
     * @generated from field: uint32 page_size = 1;
     */
    pageSize?: number;
    /**
     * From a previous response's next_page_token; empty for the first page.
     *
     * @generated from field: string page_token = 2;
     */
    pageToken?: string;
};
/**
 * Describes the message orchestrator.v1.ListReviewCriteriaRequest.
 * Use `create(ListReviewCriteriaRequestSchema)` to create a new message.
 */
export declare const ListReviewCriteriaRequestSchema: GenMessage<ListReviewCriteriaRequest, {
    jsonType: ListReviewCriteriaRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.ListReviewCriteriaResponse
 */
export type ListReviewCriteriaResponse = Message<"orchestrator.v1.ListReviewCriteriaResponse"> & {
    /**
     * @generated from field: repeated orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria: ReviewCriteria[];
    /**
     * Empty on the last page.
     *
     * @generated from field: string next_page_token = 2;
     */
    nextPageToken: string;
};
/**
 * @generated from message orchestrator.v1.ListReviewCriteriaResponse
 */
export type ListReviewCriteriaResponseJson = {
    /**
     * @generated from field: repeated orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria?: ReviewCriteriaJson[];
    /**
     * Empty on the last page.
     *
     * @generated from field: string next_page_token = 2;
     */
    nextPageToken?: string;
};
/**
 * Describes the message orchestrator.v1.ListReviewCriteriaResponse.
 * Use `create(ListReviewCriteriaResponseSchema)` to create a new message.
 */
export declare const ListReviewCriteriaResponseSchema: GenMessage<ListReviewCriteriaResponse, {
    jsonType: ListReviewCriteriaResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.UpdateReviewCriteriaRequest
 */
export type UpdateReviewCriteriaRequest = Message<"orchestrator.v1.UpdateReviewCriteriaRequest"> & {
    /**
     * The whole new criteria; `id` names the stored record, `version` must be the stored version.
     *
     * @generated from field: orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria?: ReviewCriteria | undefined;
};
/**
 * @generated from message orchestrator.v1.UpdateReviewCriteriaRequest
 */
export type UpdateReviewCriteriaRequestJson = {
    /**
     * The whole new criteria; `id` names the stored record, `version` must be the stored version.
     *
     * @generated from field: orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria?: ReviewCriteriaJson;
};
/**
 * Describes the message orchestrator.v1.UpdateReviewCriteriaRequest.
 * Use `create(UpdateReviewCriteriaRequestSchema)` to create a new message.
 */
export declare const UpdateReviewCriteriaRequestSchema: GenMessage<UpdateReviewCriteriaRequest, {
    jsonType: UpdateReviewCriteriaRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.UpdateReviewCriteriaResponse
 */
export type UpdateReviewCriteriaResponse = Message<"orchestrator.v1.UpdateReviewCriteriaResponse"> & {
    /**
     * @generated from field: orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria?: ReviewCriteria | undefined;
};
/**
 * @generated from message orchestrator.v1.UpdateReviewCriteriaResponse
 */
export type UpdateReviewCriteriaResponseJson = {
    /**
     * @generated from field: orchestrator.v1.ReviewCriteria criteria = 1;
     */
    criteria?: ReviewCriteriaJson;
};
/**
 * Describes the message orchestrator.v1.UpdateReviewCriteriaResponse.
 * Use `create(UpdateReviewCriteriaResponseSchema)` to create a new message.
 */
export declare const UpdateReviewCriteriaResponseSchema: GenMessage<UpdateReviewCriteriaResponse, {
    jsonType: UpdateReviewCriteriaResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.DeleteReviewCriteriaRequest
 */
export type DeleteReviewCriteriaRequest = Message<"orchestrator.v1.DeleteReviewCriteriaRequest"> & {
    /**
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * When set, the delete fails with ABORTED unless this is the stored version.
     *
     * @generated from field: optional uint64 version = 2;
     */
    version?: bigint | undefined;
};
/**
 * @generated from message orchestrator.v1.DeleteReviewCriteriaRequest
 */
export type DeleteReviewCriteriaRequestJson = {
    /**
     * @generated from field: string id = 1;
     */
    id?: string;
    /**
     * When set, the delete fails with ABORTED unless this is the stored version.
     *
     * @generated from field: optional uint64 version = 2;
     */
    version?: string;
};
/**
 * Describes the message orchestrator.v1.DeleteReviewCriteriaRequest.
 * Use `create(DeleteReviewCriteriaRequestSchema)` to create a new message.
 */
export declare const DeleteReviewCriteriaRequestSchema: GenMessage<DeleteReviewCriteriaRequest, {
    jsonType: DeleteReviewCriteriaRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.DeleteReviewCriteriaResponse
 */
export type DeleteReviewCriteriaResponse = Message<"orchestrator.v1.DeleteReviewCriteriaResponse"> & {};
/**
 * @generated from message orchestrator.v1.DeleteReviewCriteriaResponse
 */
export type DeleteReviewCriteriaResponseJson = {};
/**
 * Describes the message orchestrator.v1.DeleteReviewCriteriaResponse.
 * Use `create(DeleteReviewCriteriaResponseSchema)` to create a new message.
 */
export declare const DeleteReviewCriteriaResponseSchema: GenMessage<DeleteReviewCriteriaResponse, {
    jsonType: DeleteReviewCriteriaResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.EvaluateReviewRequest
 */
export type EvaluateReviewRequest = Message<"orchestrator.v1.EvaluateReviewRequest"> & {
    /**
     * The output to review, as the aggregated markdown would look.
     *
     * @generated from field: string output = 1;
     */
    output: string;
    /**
     * Unset: the tenant's `default` criteria, else the built-in defaults.
     *
     * @generated from oneof orchestrator.v1.EvaluateReviewRequest.criteria_source
     */
    criteriaSource: {
        /**
         * Stored criteria of the caller's tenant.
         *
         * @generated from field: string review_criteria_id = 2;
         */
        value: string;
        case: "reviewCriteriaId";
    } | {
        /**
         * Criteria given in full, validated like at create; not stored.
         *
         * @generated from field: orchestrator.v1.ReviewCriteria inline_criteria = 3;
         */
        value: ReviewCriteria;
        case: "inlineCriteria";
    } | {
        case: undefined;
        value?: undefined;
    };
    /**
     * Optional task results, for the thresholds and checks that look at tasks (state, section,
     * output, confidence, error). An unspecified state means SUCCEEDED; an empty section, the task id.
     *
     * @generated from field: repeated orchestrator.v1.TaskResult tasks = 4;
     */
    tasks: TaskResult[];
};
/**
 * @generated from message orchestrator.v1.EvaluateReviewRequest
 */
export type EvaluateReviewRequestJson = {
    /**
     * The output to review, as the aggregated markdown would look.
     *
     * @generated from field: string output = 1;
     */
    output?: string;
    /**
     * Stored criteria of the caller's tenant.
     *
     * @generated from field: string review_criteria_id = 2;
     */
    reviewCriteriaId?: string;
    /**
     * Criteria given in full, validated like at create; not stored.
     *
     * @generated from field: orchestrator.v1.ReviewCriteria inline_criteria = 3;
     */
    inlineCriteria?: ReviewCriteriaJson;
    /**
     * Optional task results, for the thresholds and checks that look at tasks (state, section,
     * output, confidence, error). An unspecified state means SUCCEEDED; an empty section, the task id.
     *
     * @generated from field: repeated orchestrator.v1.TaskResult tasks = 4;
     */
    tasks?: TaskResultJson[];
};
/**
 * Describes the message orchestrator.v1.EvaluateReviewRequest.
 * Use `create(EvaluateReviewRequestSchema)` to create a new message.
 */
export declare const EvaluateReviewRequestSchema: GenMessage<EvaluateReviewRequest, {
    jsonType: EvaluateReviewRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.EvaluateReviewResponse
 */
export type EvaluateReviewResponse = Message<"orchestrator.v1.EvaluateReviewResponse"> & {
    /**
     * @generated from field: orchestrator.v1.ReviewDecision decision = 1;
     */
    decision?: ReviewDecision | undefined;
    /**
     * @generated from field: string redacted_output = 2;
     */
    redactedOutput: string;
    /**
     * Every value the review redacted, in order of position; never the value itself.
     *
     * @generated from field: repeated orchestrator.v1.SensitiveFinding findings = 3;
     */
    findings: SensitiveFinding[];
};
/**
 * @generated from message orchestrator.v1.EvaluateReviewResponse
 */
export type EvaluateReviewResponseJson = {
    /**
     * @generated from field: orchestrator.v1.ReviewDecision decision = 1;
     */
    decision?: ReviewDecisionJson;
    /**
     * @generated from field: string redacted_output = 2;
     */
    redactedOutput?: string;
    /**
     * Every value the review redacted, in order of position; never the value itself.
     *
     * @generated from field: repeated orchestrator.v1.SensitiveFinding findings = 3;
     */
    findings?: SensitiveFindingJson[];
};
/**
 * Describes the message orchestrator.v1.EvaluateReviewResponse.
 * Use `create(EvaluateReviewResponseSchema)` to create a new message.
 */
export declare const EvaluateReviewResponseSchema: GenMessage<EvaluateReviewResponse, {
    jsonType: EvaluateReviewResponseJson;
}>;
/**
 * One redacted value of the reviewed output: what it is, where it was and what recognised it.
 *
 * @generated from message orchestrator.v1.SensitiveFinding
 */
export type SensitiveFinding = Message<"orchestrator.v1.SensitiveFinding"> & {
    /**
     * EMAIL, PHONE, ... , a custom detector's category, or `policy:<rule id>` for a REDACT rule.
     *
     * @generated from field: string category = 1;
     */
    category: string;
    /**
     * Byte offsets into the request's `output` (UTF-8): start inclusive, end exclusive.
     *
     * @generated from field: uint32 start = 2;
     */
    start: number;
    /**
     * @generated from field: uint32 end = 3;
     */
    end: number;
    /**
     * The built-in detector (`email`, `phone_nanp`, `phone_e164`, `phone_labelled`, `us_ssn`,
     * `us_ssn_labelled`, `ca_sin`, `ca_sin_labelled`, `credit_card`, `iban`, `ipv4`, `ipv6`,
     * `aws_access_key_id`, `aws_secret_access_key`, `github_token`, `orchestrator_api_key`, `jwt`,
     * `pem_private_key`), `custom:<name>`, or `policy:<rule id>`.
     *
     * @generated from field: string detector = 4;
     */
    detector: string;
};
/**
 * One redacted value of the reviewed output: what it is, where it was and what recognised it.
 *
 * @generated from message orchestrator.v1.SensitiveFinding
 */
export type SensitiveFindingJson = {
    /**
     * EMAIL, PHONE, ... , a custom detector's category, or `policy:<rule id>` for a REDACT rule.
     *
     * @generated from field: string category = 1;
     */
    category?: string;
    /**
     * Byte offsets into the request's `output` (UTF-8): start inclusive, end exclusive.
     *
     * @generated from field: uint32 start = 2;
     */
    start?: number;
    /**
     * @generated from field: uint32 end = 3;
     */
    end?: number;
    /**
     * The built-in detector (`email`, `phone_nanp`, `phone_e164`, `phone_labelled`, `us_ssn`,
     * `us_ssn_labelled`, `ca_sin`, `ca_sin_labelled`, `credit_card`, `iban`, `ipv4`, `ipv6`,
     * `aws_access_key_id`, `aws_secret_access_key`, `github_token`, `orchestrator_api_key`, `jwt`,
     * `pem_private_key`), `custom:<name>`, or `policy:<rule id>`.
     *
     * @generated from field: string detector = 4;
     */
    detector?: string;
};
/**
 * Describes the message orchestrator.v1.SensitiveFinding.
 * Use `create(SensitiveFindingSchema)` to create a new message.
 */
export declare const SensitiveFindingSchema: GenMessage<SensitiveFinding, {
    jsonType: SensitiveFindingJson;
}>;
/**
 * @generated from enum orchestrator.v1.PolicyEffect
 */
export declare enum PolicyEffect {
    /**
     * @generated from enum value: POLICY_EFFECT_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * A match rejects the output.
     *
     * @generated from enum value: POLICY_EFFECT_REJECT = 1;
     */
    REJECT = 1,
    /**
     * Matches are replaced by `[REDACTED:<rule id>]`.
     *
     * @generated from enum value: POLICY_EFFECT_REDACT = 2;
     */
    REDACT = 2,
    /**
     * A match is reported as an issue but does not reject.
     *
     * @generated from enum value: POLICY_EFFECT_WARN = 3;
     */
    WARN = 3
}
/**
 * @generated from enum orchestrator.v1.PolicyEffect
 */
export type PolicyEffectJson = "POLICY_EFFECT_UNSPECIFIED" | "POLICY_EFFECT_REJECT" | "POLICY_EFFECT_REDACT" | "POLICY_EFFECT_WARN";
/**
 * Describes the enum orchestrator.v1.PolicyEffect.
 */
export declare const PolicyEffectSchema: GenEnum<PolicyEffect, PolicyEffectJson>;
/**
 * @generated from enum orchestrator.v1.Checksum
 */
export declare enum Checksum {
    /**
     * No check.
     *
     * @generated from enum value: CHECKSUM_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Luhn over the candidate's digits (cards, Canadian SINs, IMEIs).
     *
     * @generated from enum value: CHECKSUM_LUHN = 1;
     */
    LUHN = 1,
    /**
     * ISO 7064 MOD 97-10 over the candidate's letters (A=10 ... Z=35) and digits, read as one
     * number: valid when it leaves 1 (IBANs once their first four characters are moved to the end,
     * creditor ids, LEIs).
     *
     * @generated from enum value: CHECKSUM_MOD97 = 2;
     */
    MOD97 = 2,
    /**
     * The candidate's digits (the last may be X for 10), weighted 1, 2, 3, ... from the right:
     * valid when the sum is a multiple of 11 (ISBN-10 and the like).
     *
     * @generated from enum value: CHECKSUM_MOD11 = 3;
     */
    MOD11 = 3
}
/**
 * @generated from enum orchestrator.v1.Checksum
 */
export type ChecksumJson = "CHECKSUM_UNSPECIFIED" | "CHECKSUM_LUHN" | "CHECKSUM_MOD97" | "CHECKSUM_MOD11";
/**
 * Describes the enum orchestrator.v1.Checksum.
 */
export declare const ChecksumSchema: GenEnum<Checksum, ChecksumJson>;
/**
 * @generated from enum orchestrator.v1.RedactionStyle
 */
export declare enum RedactionStyle {
    /**
     * LABEL.
     *
     * @generated from enum value: REDACTION_STYLE_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * [EMAIL]
     *
     * @generated from enum value: REDACTION_STYLE_LABEL = 1;
     */
    LABEL = 1,
    /**
     * ****-****-****-1111
     *
     * @generated from enum value: REDACTION_STYLE_MASK = 2;
     */
    MASK = 2,
    /**
     * [EMAIL:3f2a9c0b7d1e5a44]: HMAC-SHA-256 keyed by a server secret, stable per value within a
     * tenant for as long as the secret stays the same
     *
     * @generated from enum value: REDACTION_STYLE_HASH = 3;
     */
    HASH = 3
}
/**
 * @generated from enum orchestrator.v1.RedactionStyle
 */
export type RedactionStyleJson = "REDACTION_STYLE_UNSPECIFIED" | "REDACTION_STYLE_LABEL" | "REDACTION_STYLE_MASK" | "REDACTION_STYLE_HASH";
/**
 * Describes the enum orchestrator.v1.RedactionStyle.
 */
export declare const RedactionStyleSchema: GenEnum<RedactionStyle, RedactionStyleJson>;
/**
 * @generated from enum orchestrator.v1.RejectAction
 */
export declare enum RejectAction {
    /**
     * ERROR.
     *
     * @generated from enum value: REJECT_ACTION_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Re-run the orchestration with the review's feedback, up to max_runs_after_reject times.
     *
     * @generated from enum value: REJECT_ACTION_RETRY = 1;
     */
    RETRY = 1,
    /**
     * Park the orchestration in AWAITING_HUMAN until ResolveEscalation decides.
     *
     * @generated from enum value: REJECT_ACTION_ESCALATE = 2;
     */
    ESCALATE = 2,
    /**
     * End the orchestration as REJECTED.
     *
     * @generated from enum value: REJECT_ACTION_ERROR = 3;
     */
    ERROR = 3
}
/**
 * @generated from enum orchestrator.v1.RejectAction
 */
export type RejectActionJson = "REJECT_ACTION_UNSPECIFIED" | "REJECT_ACTION_RETRY" | "REJECT_ACTION_ESCALATE" | "REJECT_ACTION_ERROR";
/**
 * Describes the enum orchestrator.v1.RejectAction.
 */
export declare const RejectActionSchema: GenEnum<RejectAction, RejectActionJson>;
/**
 * @generated from enum orchestrator.v1.Severity
 */
export declare enum Severity {
    /**
     * @generated from enum value: SEVERITY_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Reported; never rejects on its own.
     *
     * @generated from enum value: SEVERITY_MINOR = 1;
     */
    MINOR = 1,
    /**
     * Rejects.
     *
     * @generated from enum value: SEVERITY_MAJOR = 2;
     */
    MAJOR = 2,
    /**
     * Rejects.
     *
     * @generated from enum value: SEVERITY_CRITICAL = 3;
     */
    CRITICAL = 3
}
/**
 * @generated from enum orchestrator.v1.Severity
 */
export type SeverityJson = "SEVERITY_UNSPECIFIED" | "SEVERITY_MINOR" | "SEVERITY_MAJOR" | "SEVERITY_CRITICAL";
/**
 * Describes the enum orchestrator.v1.Severity.
 */
export declare const SeveritySchema: GenEnum<Severity, SeverityJson>;
/**
 * @generated from enum orchestrator.v1.ReviewVerdict
 */
export declare enum ReviewVerdict {
    /**
     * @generated from enum value: REVIEW_VERDICT_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * @generated from enum value: REVIEW_VERDICT_APPROVED = 1;
     */
    APPROVED = 1,
    /**
     * @generated from enum value: REVIEW_VERDICT_REJECTED = 2;
     */
    REJECTED = 2
}
/**
 * @generated from enum orchestrator.v1.ReviewVerdict
 */
export type ReviewVerdictJson = "REVIEW_VERDICT_UNSPECIFIED" | "REVIEW_VERDICT_APPROVED" | "REVIEW_VERDICT_REJECTED";
/**
 * Describes the enum orchestrator.v1.ReviewVerdict.
 */
export declare const ReviewVerdictSchema: GenEnum<ReviewVerdict, ReviewVerdictJson>;
/**
 * @generated from enum orchestrator.v1.IssueKind
 */
export declare enum IssueKind {
    /**
     * @generated from enum value: ISSUE_KIND_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * @generated from enum value: ISSUE_KIND_MISSING_SECTION = 1;
     */
    MISSING_SECTION = 1,
    /**
     * @generated from enum value: ISSUE_KIND_INCONSISTENCY = 2;
     */
    INCONSISTENCY = 2,
    /**
     * @generated from enum value: ISSUE_KIND_POLICY_VIOLATION = 3;
     */
    POLICY_VIOLATION = 3,
    /**
     * @generated from enum value: ISSUE_KIND_QUALITY_THRESHOLD = 4;
     */
    QUALITY_THRESHOLD = 4,
    /**
     * @generated from enum value: ISSUE_KIND_TASK_FAILED = 5;
     */
    TASK_FAILED = 5,
    /**
     * @generated from enum value: ISSUE_KIND_SENSITIVE_DATA = 6;
     */
    SENSITIVE_DATA = 6,
    /**
     * @generated from enum value: ISSUE_KIND_JUDGE = 7;
     */
    JUDGE = 7
}
/**
 * @generated from enum orchestrator.v1.IssueKind
 */
export type IssueKindJson = "ISSUE_KIND_UNSPECIFIED" | "ISSUE_KIND_MISSING_SECTION" | "ISSUE_KIND_INCONSISTENCY" | "ISSUE_KIND_POLICY_VIOLATION" | "ISSUE_KIND_QUALITY_THRESHOLD" | "ISSUE_KIND_TASK_FAILED" | "ISSUE_KIND_SENSITIVE_DATA" | "ISSUE_KIND_JUDGE";
/**
 * Describes the enum orchestrator.v1.IssueKind.
 */
export declare const IssueKindSchema: GenEnum<IssueKind, IssueKindJson>;
/**
 * Review criteria: what a valid orchestration output is. Criteria are stored per tenant (the
 * caller's, as for orchestrations) and take effect without a redeploy.
 *
 * @generated from service orchestrator.v1.ReviewCriteriaService
 */
export declare const ReviewCriteriaService: GenService<{
    /**
     * Creates criteria. An empty `criteria.id` lets the server generate one; an existing id fails
     * with ALREADY_EXISTS.
     *
     * @generated from rpc orchestrator.v1.ReviewCriteriaService.CreateReviewCriteria
     */
    createReviewCriteria: {
        methodKind: "unary";
        input: typeof CreateReviewCriteriaRequestSchema;
        output: typeof CreateReviewCriteriaResponseSchema;
    };
    /**
     * Reads stored criteria; the id `builtin:default` reads the built-in defaults.
     *
     * @generated from rpc orchestrator.v1.ReviewCriteriaService.GetReviewCriteria
     */
    getReviewCriteria: {
        methodKind: "unary";
        input: typeof GetReviewCriteriaRequestSchema;
        output: typeof GetReviewCriteriaResponseSchema;
    };
    /**
     * Lists the tenant's criteria in id order.
     *
     * @generated from rpc orchestrator.v1.ReviewCriteriaService.ListReviewCriteria
     */
    listReviewCriteria: {
        methodKind: "unary";
        input: typeof ListReviewCriteriaRequestSchema;
        output: typeof ListReviewCriteriaResponseSchema;
    };
    /**
     * Replaces criteria. Fails with ABORTED when `criteria.version` is not the stored version
     * (optimistic concurrency); on success the version goes up by one.
     *
     * @generated from rpc orchestrator.v1.ReviewCriteriaService.UpdateReviewCriteria
     */
    updateReviewCriteria: {
        methodKind: "unary";
        input: typeof UpdateReviewCriteriaRequestSchema;
        output: typeof UpdateReviewCriteriaResponseSchema;
    };
    /**
     * @generated from rpc orchestrator.v1.ReviewCriteriaService.DeleteReviewCriteria
     */
    deleteReviewCriteria: {
        methodKind: "unary";
        input: typeof DeleteReviewCriteriaRequestSchema;
        output: typeof DeleteReviewCriteriaResponseSchema;
    };
    /**
     * Reviews a given output against stored or inline criteria without running anything. A dry
     * run: nothing is stored, the decision included. HASH pseudonyms are keyed for this call
     * alone, so they match each other but not those of real outputs.
     *
     * @generated from rpc orchestrator.v1.ReviewCriteriaService.EvaluateReview
     */
    evaluateReview: {
        methodKind: "unary";
        input: typeof EvaluateReviewRequestSchema;
        output: typeof EvaluateReviewResponseSchema;
    };
}>;
