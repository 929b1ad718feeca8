import type { GenEnum, GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Duration, DurationJson, StructJson, Timestamp, TimestampJson } from "@bufbuild/protobuf/wkt";
import type { ReviewDecision, ReviewDecisionJson } from "./review_pb.js";
import type { TaskResult, TaskResultJson, TaskState, TaskStateJson } from "./task_pb.js";
import type { JsonObject, Message } from "@bufbuild/protobuf";
/**
 * Describes the file orchestrator/v1/orchestration.proto.
 */
export declare const file_orchestrator_v1_orchestration: GenFile;
/**
 * @generated from message orchestrator.v1.OrchestrationSpec
 */
export type OrchestrationSpec = Message<"orchestrator.v1.OrchestrationSpec"> & {
    /**
     * @generated from field: repeated orchestrator.v1.TaskSpec tasks = 1;
     */
    tasks: TaskSpec[];
    /**
     * What the whole orchestration works on (e.g. the user's question); tasks see it as {{input}}.
     *
     * @generated from field: string input = 2;
     */
    input: string;
    /**
     * Empty: the tenant's criteria with id `default`, else the built-in defaults (`builtin:default`).
     *
     * @generated from field: string review_criteria_id = 3;
     */
    reviewCriteriaId: string;
    /**
     * Bounds each attempt of a task that sets no timeout; unset: the server's default.
     *
     * @generated from field: google.protobuf.Duration default_task_timeout = 4;
     */
    defaultTaskTimeout?: Duration | undefined;
    /**
     * For tasks that set no retry policy; unset fields fall back to the server's defaults.
     *
     * @generated from field: orchestrator.v1.RetryPolicy default_retry_policy = 5;
     */
    defaultRetryPolicy?: RetryPolicy | undefined;
    /**
     * At most this many tasks run at once; 0 is the server's default.
     *
     * @generated from field: uint32 max_parallelism = 6;
     */
    maxParallelism: number;
    /**
     * Free-form labels, returned in results.
     *
     * @generated from field: map<string, string> labels = 7;
     */
    labels: {
        [key: string]: string;
    };
    /**
     * The output cap of tasks that set none: longer outputs are cut and flagged. Unset: what the
     * server's result budget leaves, shared equally among the tasks (at most the server's cap).
     *
     * @generated from field: optional uint32 max_output_bytes = 8;
     */
    maxOutputBytes?: number | undefined;
};
/**
 * @generated from message orchestrator.v1.OrchestrationSpec
 */
export type OrchestrationSpecJson = {
    /**
     * @generated from field: repeated orchestrator.v1.TaskSpec tasks = 1;
     */
    tasks?: TaskSpecJson[];
    /**
     * What the whole orchestration works on (e.g. the user's question); tasks see it as {{input}}.
     *
     * @generated from field: string input = 2;
     */
    input?: string;
    /**
     * Empty: the tenant's criteria with id `default`, else the built-in defaults (`builtin:default`).
     *
     * @generated from field: string review_criteria_id = 3;
     */
    reviewCriteriaId?: string;
    /**
     * Bounds each attempt of a task that sets no timeout; unset: the server's default.
     *
     * @generated from field: google.protobuf.Duration default_task_timeout = 4;
     */
    defaultTaskTimeout?: DurationJson;
    /**
     * For tasks that set no retry policy; unset fields fall back to the server's defaults.
     *
     * @generated from field: orchestrator.v1.RetryPolicy default_retry_policy = 5;
     */
    defaultRetryPolicy?: RetryPolicyJson;
    /**
     * At most this many tasks run at once; 0 is the server's default.
     *
     * @generated from field: uint32 max_parallelism = 6;
     */
    maxParallelism?: number;
    /**
     * Free-form labels, returned in results.
     *
     * @generated from field: map<string, string> labels = 7;
     */
    labels?: {
        [key: string]: string;
    };
    /**
     * The output cap of tasks that set none: longer outputs are cut and flagged. Unset: what the
     * server's result budget leaves, shared equally among the tasks (at most the server's cap).
     *
     * @generated from field: optional uint32 max_output_bytes = 8;
     */
    maxOutputBytes?: number;
};
/**
 * Describes the message orchestrator.v1.OrchestrationSpec.
 * Use `create(OrchestrationSpecSchema)` to create a new message.
 */
export declare const OrchestrationSpecSchema: GenMessage<OrchestrationSpec, {
    jsonType: OrchestrationSpecJson;
}>;
/**
 * @generated from message orchestrator.v1.TaskSpec
 */
export type TaskSpec = Message<"orchestrator.v1.TaskSpec"> & {
    /**
     * Unique within the orchestration: letters, digits, '-' and '_'.
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * A name from ListAgents.
     *
     * @generated from field: string agent = 2;
     */
    agent: string;
    /**
     * The task's own instruction; may reference {{input}}, {{tasks.<id>.output}} (declared
     * dependencies only) and {{review.feedback}}.
     *
     * @generated from field: string input = 3;
     */
    input: string;
    /**
     * Agent-specific parameters (for `mock`: delay_ms, fail_attempts, error, output, confidence).
     *
     * @generated from field: google.protobuf.Struct params = 4;
     */
    params?: JsonObject | undefined;
    /**
     * Ids of tasks that must succeed before this one starts.
     *
     * @generated from field: repeated string depends_on = 5;
     */
    dependsOn: string[];
    /**
     * Bounds each attempt; unset: the orchestration's default, else the server's.
     *
     * @generated from field: google.protobuf.Duration timeout = 6;
     */
    timeout?: Duration | undefined;
    /**
     * Unset fields fall back to the orchestration's default policy, then to the server's.
     *
     * @generated from field: orchestrator.v1.RetryPolicy retry_policy = 7;
     */
    retryPolicy?: RetryPolicy | undefined;
    /**
     * The section of the final output this task fills; default: the task id.
     *
     * @generated from field: string section = 8;
     */
    section: string;
    /**
     * This task's output cap; unset: the orchestration's, else a share of the result budget.
     *
     * @generated from field: optional uint32 max_output_bytes = 9;
     */
    maxOutputBytes?: number | undefined;
};
/**
 * @generated from message orchestrator.v1.TaskSpec
 */
export type TaskSpecJson = {
    /**
     * Unique within the orchestration: letters, digits, '-' and '_'.
     *
     * @generated from field: string id = 1;
     */
    id?: string;
    /**
     * A name from ListAgents.
     *
     * @generated from field: string agent = 2;
     */
    agent?: string;
    /**
     * The task's own instruction; may reference {{input}}, {{tasks.<id>.output}} (declared
     * dependencies only) and {{review.feedback}}.
     *
     * @generated from field: string input = 3;
     */
    input?: string;
    /**
     * Agent-specific parameters (for `mock`: delay_ms, fail_attempts, error, output, confidence).
     *
     * @generated from field: google.protobuf.Struct params = 4;
     */
    params?: StructJson;
    /**
     * Ids of tasks that must succeed before this one starts.
     *
     * @generated from field: repeated string depends_on = 5;
     */
    dependsOn?: string[];
    /**
     * Bounds each attempt; unset: the orchestration's default, else the server's.
     *
     * @generated from field: google.protobuf.Duration timeout = 6;
     */
    timeout?: DurationJson;
    /**
     * Unset fields fall back to the orchestration's default policy, then to the server's.
     *
     * @generated from field: orchestrator.v1.RetryPolicy retry_policy = 7;
     */
    retryPolicy?: RetryPolicyJson;
    /**
     * The section of the final output this task fills; default: the task id.
     *
     * @generated from field: string section = 8;
     */
    section?: string;
    /**
     * This task's output cap; unset: the orchestration's, else a share of the result budget.
     *
     * @generated from field: optional uint32 max_output_bytes = 9;
     */
    maxOutputBytes?: number;
};
/**
 * Describes the message orchestrator.v1.TaskSpec.
 * Use `create(TaskSpecSchema)` to create a new message.
 */
export declare const TaskSpecSchema: GenMessage<TaskSpec, {
    jsonType: TaskSpecJson;
}>;
/**
 * @generated from message orchestrator.v1.RetryPolicy
 */
export type RetryPolicy = Message<"orchestrator.v1.RetryPolicy"> & {
    /**
     * Retries after the first attempt; 0 means no retries; unset: 3.
     *
     * @generated from field: optional uint32 max_retries = 1;
     */
    maxRetries?: number | undefined;
    /**
     * Unset: 500ms.
     *
     * @generated from field: google.protobuf.Duration initial_backoff = 2;
     */
    initialBackoff?: Duration | undefined;
    /**
     * Unset: 8s.
     *
     * @generated from field: google.protobuf.Duration max_backoff = 3;
     */
    maxBackoff?: Duration | undefined;
    /**
     * Unset: 2.0.
     *
     * @generated from field: optional double multiplier = 4;
     */
    multiplier?: number | undefined;
    /**
     * Sleep exactly the computed backoff instead of a uniform random time below it (full jitter).
     *
     * @generated from field: bool disable_jitter = 5;
     */
    disableJitter: boolean;
};
/**
 * @generated from message orchestrator.v1.RetryPolicy
 */
export type RetryPolicyJson = {
    /**
     * Retries after the first attempt; 0 means no retries; unset: 3.
     *
     * @generated from field: optional uint32 max_retries = 1;
     */
    maxRetries?: number;
    /**
     * Unset: 500ms.
     *
     * @generated from field: google.protobuf.Duration initial_backoff = 2;
     */
    initialBackoff?: DurationJson;
    /**
     * Unset: 8s.
     *
     * @generated from field: google.protobuf.Duration max_backoff = 3;
     */
    maxBackoff?: DurationJson;
    /**
     * Unset: 2.0.
     *
     * @generated from field: optional double multiplier = 4;
     */
    multiplier?: number | "NaN" | "Infinity" | "-Infinity";
    /**
     * Sleep exactly the computed backoff instead of a uniform random time below it (full jitter).
     *
     * @generated from field: bool disable_jitter = 5;
     */
    disableJitter?: boolean;
};
/**
 * Describes the message orchestrator.v1.RetryPolicy.
 * Use `create(RetryPolicySchema)` to create a new message.
 */
export declare const RetryPolicySchema: GenMessage<RetryPolicy, {
    jsonType: RetryPolicyJson;
}>;
/**
 * @generated from message orchestrator.v1.OrchestrateRequest
 */
export type OrchestrateRequest = Message<"orchestrator.v1.OrchestrateRequest"> & {
    /**
     * Idempotency key: a repeated key with the same spec within a tenant returns the existing
     * orchestration; with another spec, ALREADY_EXISTS naming it (google.rpc.ResourceInfo).
     *
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: orchestrator.v1.OrchestrationSpec spec = 2;
     */
    spec?: OrchestrationSpec | undefined;
};
/**
 * @generated from message orchestrator.v1.OrchestrateRequest
 */
export type OrchestrateRequestJson = {
    /**
     * Idempotency key: a repeated key with the same spec within a tenant returns the existing
     * orchestration; with another spec, ALREADY_EXISTS naming it (google.rpc.ResourceInfo).
     *
     * @generated from field: string request_id = 1;
     */
    requestId?: string;
    /**
     * @generated from field: orchestrator.v1.OrchestrationSpec spec = 2;
     */
    spec?: OrchestrationSpecJson;
};
/**
 * Describes the message orchestrator.v1.OrchestrateRequest.
 * Use `create(OrchestrateRequestSchema)` to create a new message.
 */
export declare const OrchestrateRequestSchema: GenMessage<OrchestrateRequest, {
    jsonType: OrchestrateRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.OrchestrateResponse
 */
export type OrchestrateResponse = Message<"orchestrator.v1.OrchestrateResponse"> & {
    /**
     * @generated from field: orchestrator.v1.OrchestrationEvent event = 1;
     */
    event?: OrchestrationEvent | undefined;
};
/**
 * @generated from message orchestrator.v1.OrchestrateResponse
 */
export type OrchestrateResponseJson = {
    /**
     * @generated from field: orchestrator.v1.OrchestrationEvent event = 1;
     */
    event?: OrchestrationEventJson;
};
/**
 * Describes the message orchestrator.v1.OrchestrateResponse.
 * Use `create(OrchestrateResponseSchema)` to create a new message.
 */
export declare const OrchestrateResponseSchema: GenMessage<OrchestrateResponse, {
    jsonType: OrchestrateResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.SubmitOrchestrationRequest
 */
export type SubmitOrchestrationRequest = Message<"orchestrator.v1.SubmitOrchestrationRequest"> & {
    /**
     * Idempotency key: a repeated key with the same spec within a tenant returns the existing
     * orchestration; with another spec, ALREADY_EXISTS naming it (google.rpc.ResourceInfo).
     *
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: orchestrator.v1.OrchestrationSpec spec = 2;
     */
    spec?: OrchestrationSpec | undefined;
};
/**
 * @generated from message orchestrator.v1.SubmitOrchestrationRequest
 */
export type SubmitOrchestrationRequestJson = {
    /**
     * Idempotency key: a repeated key with the same spec within a tenant returns the existing
     * orchestration; with another spec, ALREADY_EXISTS naming it (google.rpc.ResourceInfo).
     *
     * @generated from field: string request_id = 1;
     */
    requestId?: string;
    /**
     * @generated from field: orchestrator.v1.OrchestrationSpec spec = 2;
     */
    spec?: OrchestrationSpecJson;
};
/**
 * Describes the message orchestrator.v1.SubmitOrchestrationRequest.
 * Use `create(SubmitOrchestrationRequestSchema)` to create a new message.
 */
export declare const SubmitOrchestrationRequestSchema: GenMessage<SubmitOrchestrationRequest, {
    jsonType: SubmitOrchestrationRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.SubmitOrchestrationResponse
 */
export type SubmitOrchestrationResponse = Message<"orchestrator.v1.SubmitOrchestrationResponse"> & {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId: string;
    /**
     * False when request_id matched an existing orchestration.
     *
     * @generated from field: bool created = 2;
     */
    created: boolean;
};
/**
 * @generated from message orchestrator.v1.SubmitOrchestrationResponse
 */
export type SubmitOrchestrationResponseJson = {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId?: string;
    /**
     * False when request_id matched an existing orchestration.
     *
     * @generated from field: bool created = 2;
     */
    created?: boolean;
};
/**
 * Describes the message orchestrator.v1.SubmitOrchestrationResponse.
 * Use `create(SubmitOrchestrationResponseSchema)` to create a new message.
 */
export declare const SubmitOrchestrationResponseSchema: GenMessage<SubmitOrchestrationResponse, {
    jsonType: SubmitOrchestrationResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.StreamStatusRequest
 */
export type StreamStatusRequest = Message<"orchestrator.v1.StreamStatusRequest"> & {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId: string;
    /**
     * Events with a greater sequence are sent; 0 replays everything.
     *
     * @generated from field: uint64 after_sequence = 2;
     */
    afterSequence: bigint;
};
/**
 * @generated from message orchestrator.v1.StreamStatusRequest
 */
export type StreamStatusRequestJson = {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId?: string;
    /**
     * Events with a greater sequence are sent; 0 replays everything.
     *
     * @generated from field: uint64 after_sequence = 2;
     */
    afterSequence?: string;
};
/**
 * Describes the message orchestrator.v1.StreamStatusRequest.
 * Use `create(StreamStatusRequestSchema)` to create a new message.
 */
export declare const StreamStatusRequestSchema: GenMessage<StreamStatusRequest, {
    jsonType: StreamStatusRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.StreamStatusResponse
 */
export type StreamStatusResponse = Message<"orchestrator.v1.StreamStatusResponse"> & {
    /**
     * @generated from field: orchestrator.v1.OrchestrationEvent event = 1;
     */
    event?: OrchestrationEvent | undefined;
};
/**
 * @generated from message orchestrator.v1.StreamStatusResponse
 */
export type StreamStatusResponseJson = {
    /**
     * @generated from field: orchestrator.v1.OrchestrationEvent event = 1;
     */
    event?: OrchestrationEventJson;
};
/**
 * Describes the message orchestrator.v1.StreamStatusResponse.
 * Use `create(StreamStatusResponseSchema)` to create a new message.
 */
export declare const StreamStatusResponseSchema: GenMessage<StreamStatusResponse, {
    jsonType: StreamStatusResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.OrchestrationEvent
 */
export type OrchestrationEvent = Message<"orchestrator.v1.OrchestrationEvent"> & {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId: string;
    /**
     * 1, 2, 3, ... per orchestration, without gaps.
     *
     * @generated from field: uint64 sequence = 2;
     */
    sequence: bigint;
    /**
     * @generated from field: google.protobuf.Timestamp time = 3;
     */
    time?: Timestamp | undefined;
    /**
     * @generated from oneof orchestrator.v1.OrchestrationEvent.kind
     */
    kind: {
        /**
         * @generated from field: orchestrator.v1.OrchestrationAccepted accepted = 10;
         */
        value: OrchestrationAccepted;
        case: "accepted";
    } | {
        /**
         * @generated from field: orchestrator.v1.TaskUpdate task = 11;
         */
        value: TaskUpdate;
        case: "task";
    } | {
        /**
         * @generated from field: orchestrator.v1.ReviewUpdate review = 12;
         */
        value: ReviewUpdate;
        case: "review";
    } | {
        /**
         * @generated from field: orchestrator.v1.OrchestrationCompleted completed = 13;
         */
        value: OrchestrationCompleted;
        case: "completed";
    } | {
        /**
         * @generated from field: orchestrator.v1.OrchestrationStateChanged state_changed = 14;
         */
        value: OrchestrationStateChanged;
        case: "stateChanged";
    } | {
        case: undefined;
        value?: undefined;
    };
};
/**
 * @generated from message orchestrator.v1.OrchestrationEvent
 */
export type OrchestrationEventJson = {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId?: string;
    /**
     * 1, 2, 3, ... per orchestration, without gaps.
     *
     * @generated from field: uint64 sequence = 2;
     */
    sequence?: string;
    /**
     * @generated from field: google.protobuf.Timestamp time = 3;
     */
    time?: TimestampJson;
    /**
     * @generated from field: orchestrator.v1.OrchestrationAccepted accepted = 10;
     */
    accepted?: OrchestrationAcceptedJson;
    /**
     * @generated from field: orchestrator.v1.TaskUpdate task = 11;
     */
    task?: TaskUpdateJson;
    /**
     * @generated from field: orchestrator.v1.ReviewUpdate review = 12;
     */
    review?: ReviewUpdateJson;
    /**
     * @generated from field: orchestrator.v1.OrchestrationCompleted completed = 13;
     */
    completed?: OrchestrationCompletedJson;
    /**
     * @generated from field: orchestrator.v1.OrchestrationStateChanged state_changed = 14;
     */
    stateChanged?: OrchestrationStateChangedJson;
};
/**
 * Describes the message orchestrator.v1.OrchestrationEvent.
 * Use `create(OrchestrationEventSchema)` to create a new message.
 */
export declare const OrchestrationEventSchema: GenMessage<OrchestrationEvent, {
    jsonType: OrchestrationEventJson;
}>;
/**
 * Sent when an orchestration starts, and again at the start of every re-run after a review RETRY.
 *
 * @generated from message orchestrator.v1.OrchestrationAccepted
 */
export type OrchestrationAccepted = Message<"orchestrator.v1.OrchestrationAccepted"> & {
    /**
     * @generated from field: repeated orchestrator.v1.PlannedTask plan = 1;
     */
    plan: PlannedTask[];
    /**
     * @generated from field: uint32 wave_count = 2;
     */
    waveCount: number;
    /**
     * @generated from field: string review_criteria_id = 3;
     */
    reviewCriteriaId: string;
    /**
     * @generated from field: uint64 review_criteria_version = 4;
     */
    reviewCriteriaVersion: bigint;
    /**
     * 1 for the first run, counting up on every re-run after a review asked for RETRY.
     *
     * @generated from field: uint32 run = 5;
     */
    run: number;
    /**
     * @generated from field: string request_id = 6;
     */
    requestId: string;
};
/**
 * Sent when an orchestration starts, and again at the start of every re-run after a review RETRY.
 *
 * @generated from message orchestrator.v1.OrchestrationAccepted
 */
export type OrchestrationAcceptedJson = {
    /**
     * @generated from field: repeated orchestrator.v1.PlannedTask plan = 1;
     */
    plan?: PlannedTaskJson[];
    /**
     * @generated from field: uint32 wave_count = 2;
     */
    waveCount?: number;
    /**
     * @generated from field: string review_criteria_id = 3;
     */
    reviewCriteriaId?: string;
    /**
     * @generated from field: uint64 review_criteria_version = 4;
     */
    reviewCriteriaVersion?: string;
    /**
     * 1 for the first run, counting up on every re-run after a review asked for RETRY.
     *
     * @generated from field: uint32 run = 5;
     */
    run?: number;
    /**
     * @generated from field: string request_id = 6;
     */
    requestId?: string;
};
/**
 * Describes the message orchestrator.v1.OrchestrationAccepted.
 * Use `create(OrchestrationAcceptedSchema)` to create a new message.
 */
export declare const OrchestrationAcceptedSchema: GenMessage<OrchestrationAccepted, {
    jsonType: OrchestrationAcceptedJson;
}>;
/**
 * @generated from message orchestrator.v1.PlannedTask
 */
export type PlannedTask = Message<"orchestrator.v1.PlannedTask"> & {
    /**
     * @generated from field: string task_id = 1;
     */
    taskId: string;
    /**
     * @generated from field: string agent = 2;
     */
    agent: string;
    /**
     * Longest dependency path from a root; roots are wave 0.
     *
     * @generated from field: uint32 wave = 3;
     */
    wave: number;
    /**
     * @generated from field: repeated string depends_on = 4;
     */
    dependsOn: string[];
    /**
     * @generated from field: string section = 5;
     */
    section: string;
};
/**
 * @generated from message orchestrator.v1.PlannedTask
 */
export type PlannedTaskJson = {
    /**
     * @generated from field: string task_id = 1;
     */
    taskId?: string;
    /**
     * @generated from field: string agent = 2;
     */
    agent?: string;
    /**
     * Longest dependency path from a root; roots are wave 0.
     *
     * @generated from field: uint32 wave = 3;
     */
    wave?: number;
    /**
     * @generated from field: repeated string depends_on = 4;
     */
    dependsOn?: string[];
    /**
     * @generated from field: string section = 5;
     */
    section?: string;
};
/**
 * Describes the message orchestrator.v1.PlannedTask.
 * Use `create(PlannedTaskSchema)` to create a new message.
 */
export declare const PlannedTaskSchema: GenMessage<PlannedTask, {
    jsonType: PlannedTaskJson;
}>;
/**
 * @generated from message orchestrator.v1.TaskUpdate
 */
export type TaskUpdate = Message<"orchestrator.v1.TaskUpdate"> & {
    /**
     * @generated from field: string task_id = 1;
     */
    taskId: string;
    /**
     * @generated from field: orchestrator.v1.TaskState state = 2;
     */
    state: TaskState;
    /**
     * @generated from field: uint32 attempt = 3;
     */
    attempt: number;
    /**
     * @generated from field: uint32 wave = 4;
     */
    wave: number;
    /**
     * For FAILED, TIMED_OUT, SKIPPED, CANCELLED, and RETRYING (the error being retried).
     *
     * @generated from field: string error = 5;
     */
    error: string;
    /**
     * For RETRYING: the backoff before the next attempt.
     *
     * @generated from field: google.protobuf.Duration retry_in = 6;
     */
    retryIn?: Duration | undefined;
    /**
     * For terminal states: time from the first attempt's start.
     *
     * @generated from field: google.protobuf.Duration elapsed = 7;
     */
    elapsed?: Duration | undefined;
    /**
     * The orchestration run this update belongs to.
     *
     * @generated from field: uint32 run = 8;
     */
    run: number;
};
/**
 * @generated from message orchestrator.v1.TaskUpdate
 */
export type TaskUpdateJson = {
    /**
     * @generated from field: string task_id = 1;
     */
    taskId?: string;
    /**
     * @generated from field: orchestrator.v1.TaskState state = 2;
     */
    state?: TaskStateJson;
    /**
     * @generated from field: uint32 attempt = 3;
     */
    attempt?: number;
    /**
     * @generated from field: uint32 wave = 4;
     */
    wave?: number;
    /**
     * For FAILED, TIMED_OUT, SKIPPED, CANCELLED, and RETRYING (the error being retried).
     *
     * @generated from field: string error = 5;
     */
    error?: string;
    /**
     * For RETRYING: the backoff before the next attempt.
     *
     * @generated from field: google.protobuf.Duration retry_in = 6;
     */
    retryIn?: DurationJson;
    /**
     * For terminal states: time from the first attempt's start.
     *
     * @generated from field: google.protobuf.Duration elapsed = 7;
     */
    elapsed?: DurationJson;
    /**
     * The orchestration run this update belongs to.
     *
     * @generated from field: uint32 run = 8;
     */
    run?: number;
};
/**
 * Describes the message orchestrator.v1.TaskUpdate.
 * Use `create(TaskUpdateSchema)` to create a new message.
 */
export declare const TaskUpdateSchema: GenMessage<TaskUpdate, {
    jsonType: TaskUpdateJson;
}>;
/**
 * @generated from message orchestrator.v1.ReviewUpdate
 */
export type ReviewUpdate = Message<"orchestrator.v1.ReviewUpdate"> & {
    /**
     * @generated from field: orchestrator.v1.ReviewState state = 1;
     */
    state: ReviewState;
    /**
     * Set when state is DECIDED.
     *
     * @generated from field: orchestrator.v1.ReviewDecision decision = 2;
     */
    decision?: ReviewDecision | undefined;
    /**
     * @generated from field: uint32 run = 3;
     */
    run: number;
};
/**
 * @generated from message orchestrator.v1.ReviewUpdate
 */
export type ReviewUpdateJson = {
    /**
     * @generated from field: orchestrator.v1.ReviewState state = 1;
     */
    state?: ReviewStateJson;
    /**
     * Set when state is DECIDED.
     *
     * @generated from field: orchestrator.v1.ReviewDecision decision = 2;
     */
    decision?: ReviewDecisionJson;
    /**
     * @generated from field: uint32 run = 3;
     */
    run?: number;
};
/**
 * Describes the message orchestrator.v1.ReviewUpdate.
 * Use `create(ReviewUpdateSchema)` to create a new message.
 */
export declare const ReviewUpdateSchema: GenMessage<ReviewUpdate, {
    jsonType: ReviewUpdateJson;
}>;
/**
 * A change of the orchestration's state that no other event reports, such as AWAITING_HUMAN.
 *
 * @generated from message orchestrator.v1.OrchestrationStateChanged
 */
export type OrchestrationStateChanged = Message<"orchestrator.v1.OrchestrationStateChanged"> & {
    /**
     * @generated from field: orchestrator.v1.OrchestrationState state = 1;
     */
    state: OrchestrationState;
    /**
     * @generated from field: string reason = 2;
     */
    reason: string;
};
/**
 * A change of the orchestration's state that no other event reports, such as AWAITING_HUMAN.
 *
 * @generated from message orchestrator.v1.OrchestrationStateChanged
 */
export type OrchestrationStateChangedJson = {
    /**
     * @generated from field: orchestrator.v1.OrchestrationState state = 1;
     */
    state?: OrchestrationStateJson;
    /**
     * @generated from field: string reason = 2;
     */
    reason?: string;
};
/**
 * Describes the message orchestrator.v1.OrchestrationStateChanged.
 * Use `create(OrchestrationStateChangedSchema)` to create a new message.
 */
export declare const OrchestrationStateChangedSchema: GenMessage<OrchestrationStateChanged, {
    jsonType: OrchestrationStateChangedJson;
}>;
/**
 * @generated from message orchestrator.v1.OrchestrationCompleted
 */
export type OrchestrationCompleted = Message<"orchestrator.v1.OrchestrationCompleted"> & {
    /**
     * @generated from field: orchestrator.v1.OrchestrationResult result = 1;
     */
    result?: OrchestrationResult | undefined;
};
/**
 * @generated from message orchestrator.v1.OrchestrationCompleted
 */
export type OrchestrationCompletedJson = {
    /**
     * @generated from field: orchestrator.v1.OrchestrationResult result = 1;
     */
    result?: OrchestrationResultJson;
};
/**
 * Describes the message orchestrator.v1.OrchestrationCompleted.
 * Use `create(OrchestrationCompletedSchema)` to create a new message.
 */
export declare const OrchestrationCompletedSchema: GenMessage<OrchestrationCompleted, {
    jsonType: OrchestrationCompletedJson;
}>;
/**
 * @generated from message orchestrator.v1.OrchestrationResult
 */
export type OrchestrationResult = Message<"orchestrator.v1.OrchestrationResult"> & {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId: string;
    /**
     * @generated from field: string request_id = 2;
     */
    requestId: string;
    /**
     * @generated from field: orchestrator.v1.OrchestrationState state = 3;
     */
    state: OrchestrationState;
    /**
     * @generated from field: repeated orchestrator.v1.TaskResult tasks = 4;
     */
    tasks: TaskResult[];
    /**
     * The aggregated output after review and redaction. Empty unless APPROVED.
     *
     * @generated from field: string output = 5;
     */
    output: string;
    /**
     * @generated from field: orchestrator.v1.ReviewDecision review = 6;
     */
    review?: ReviewDecision | undefined;
    /**
     * @generated from field: string review_criteria_id = 7;
     */
    reviewCriteriaId: string;
    /**
     * @generated from field: uint64 review_criteria_version = 8;
     */
    reviewCriteriaVersion: bigint;
    /**
     * @generated from field: string decision_id = 9;
     */
    decisionId: string;
    /**
     * @generated from field: google.protobuf.Timestamp create_time = 10;
     */
    createTime?: Timestamp | undefined;
    /**
     * @generated from field: google.protobuf.Timestamp end_time = 11;
     */
    endTime?: Timestamp | undefined;
    /**
     * @generated from field: google.protobuf.Duration total_duration = 12;
     */
    totalDuration?: Duration | undefined;
    /**
     * @generated from field: uint32 runs = 13;
     */
    runs: number;
    /**
     * Why the orchestration FAILED or was CANCELLED.
     *
     * @generated from field: string error = 14;
     */
    error: string;
    /**
     * @generated from field: map<string, string> labels = 15;
     */
    labels: {
        [key: string]: string;
    };
};
/**
 * @generated from message orchestrator.v1.OrchestrationResult
 */
export type OrchestrationResultJson = {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId?: string;
    /**
     * @generated from field: string request_id = 2;
     */
    requestId?: string;
    /**
     * @generated from field: orchestrator.v1.OrchestrationState state = 3;
     */
    state?: OrchestrationStateJson;
    /**
     * @generated from field: repeated orchestrator.v1.TaskResult tasks = 4;
     */
    tasks?: TaskResultJson[];
    /**
     * The aggregated output after review and redaction. Empty unless APPROVED.
     *
     * @generated from field: string output = 5;
     */
    output?: string;
    /**
     * @generated from field: orchestrator.v1.ReviewDecision review = 6;
     */
    review?: ReviewDecisionJson;
    /**
     * @generated from field: string review_criteria_id = 7;
     */
    reviewCriteriaId?: string;
    /**
     * @generated from field: uint64 review_criteria_version = 8;
     */
    reviewCriteriaVersion?: string;
    /**
     * @generated from field: string decision_id = 9;
     */
    decisionId?: string;
    /**
     * @generated from field: google.protobuf.Timestamp create_time = 10;
     */
    createTime?: TimestampJson;
    /**
     * @generated from field: google.protobuf.Timestamp end_time = 11;
     */
    endTime?: TimestampJson;
    /**
     * @generated from field: google.protobuf.Duration total_duration = 12;
     */
    totalDuration?: DurationJson;
    /**
     * @generated from field: uint32 runs = 13;
     */
    runs?: number;
    /**
     * Why the orchestration FAILED or was CANCELLED.
     *
     * @generated from field: string error = 14;
     */
    error?: string;
    /**
     * @generated from field: map<string, string> labels = 15;
     */
    labels?: {
        [key: string]: string;
    };
};
/**
 * Describes the message orchestrator.v1.OrchestrationResult.
 * Use `create(OrchestrationResultSchema)` to create a new message.
 */
export declare const OrchestrationResultSchema: GenMessage<OrchestrationResult, {
    jsonType: OrchestrationResultJson;
}>;
/**
 * @generated from message orchestrator.v1.GetOrchestrationRequest
 */
export type GetOrchestrationRequest = Message<"orchestrator.v1.GetOrchestrationRequest"> & {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId: string;
    /**
     * @generated from field: orchestrator.v1.OrchestrationView view = 2;
     */
    view: OrchestrationView;
};
/**
 * @generated from message orchestrator.v1.GetOrchestrationRequest
 */
export type GetOrchestrationRequestJson = {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId?: string;
    /**
     * @generated from field: orchestrator.v1.OrchestrationView view = 2;
     */
    view?: OrchestrationViewJson;
};
/**
 * Describes the message orchestrator.v1.GetOrchestrationRequest.
 * Use `create(GetOrchestrationRequestSchema)` to create a new message.
 */
export declare const GetOrchestrationRequestSchema: GenMessage<GetOrchestrationRequest, {
    jsonType: GetOrchestrationRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.GetOrchestrationResponse
 */
export type GetOrchestrationResponse = Message<"orchestrator.v1.GetOrchestrationResponse"> & {
    /**
     * @generated from field: orchestrator.v1.OrchestrationResult orchestration = 1;
     */
    orchestration?: OrchestrationResult | undefined;
    /**
     * With view ESCALATION while AWAITING_HUMAN: the redacted aggregated output the review escalated.
     *
     * @generated from field: string escalated_output = 2;
     */
    escalatedOutput: string;
};
/**
 * @generated from message orchestrator.v1.GetOrchestrationResponse
 */
export type GetOrchestrationResponseJson = {
    /**
     * @generated from field: orchestrator.v1.OrchestrationResult orchestration = 1;
     */
    orchestration?: OrchestrationResultJson;
    /**
     * With view ESCALATION while AWAITING_HUMAN: the redacted aggregated output the review escalated.
     *
     * @generated from field: string escalated_output = 2;
     */
    escalatedOutput?: string;
};
/**
 * Describes the message orchestrator.v1.GetOrchestrationResponse.
 * Use `create(GetOrchestrationResponseSchema)` to create a new message.
 */
export declare const GetOrchestrationResponseSchema: GenMessage<GetOrchestrationResponse, {
    jsonType: GetOrchestrationResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.ListOrchestrationsRequest
 */
export type ListOrchestrationsRequest = Message<"orchestrator.v1.ListOrchestrationsRequest"> & {
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
    /**
     * Empty: all states.
     *
     * @generated from field: repeated orchestrator.v1.OrchestrationState states = 3;
     */
    states: OrchestrationState[];
    /**
     * Only the orchestration submitted with this request id, if there is one (a page of at most
     * one; states still filter it).
     *
     * @generated from field: string request_id = 4;
     */
    requestId: string;
};
/**
 * @generated from message orchestrator.v1.ListOrchestrationsRequest
 */
export type ListOrchestrationsRequestJson = {
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
    /**
     * Empty: all states.
     *
     * @generated from field: repeated orchestrator.v1.OrchestrationState states = 3;
     */
    states?: OrchestrationStateJson[];
    /**
     * Only the orchestration submitted with this request id, if there is one (a page of at most
     * one; states still filter it).
     *
     * @generated from field: string request_id = 4;
     */
    requestId?: string;
};
/**
 * Describes the message orchestrator.v1.ListOrchestrationsRequest.
 * Use `create(ListOrchestrationsRequestSchema)` to create a new message.
 */
export declare const ListOrchestrationsRequestSchema: GenMessage<ListOrchestrationsRequest, {
    jsonType: ListOrchestrationsRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.ListOrchestrationsResponse
 */
export type ListOrchestrationsResponse = Message<"orchestrator.v1.ListOrchestrationsResponse"> & {
    /**
     * Newest first. Outputs (each task's and the aggregate) are left out; GetOrchestration
     * returns them.
     *
     * @generated from field: repeated orchestrator.v1.OrchestrationResult orchestrations = 1;
     */
    orchestrations: OrchestrationResult[];
    /**
     * Empty on the last page.
     *
     * @generated from field: string next_page_token = 2;
     */
    nextPageToken: string;
};
/**
 * @generated from message orchestrator.v1.ListOrchestrationsResponse
 */
export type ListOrchestrationsResponseJson = {
    /**
     * Newest first. Outputs (each task's and the aggregate) are left out; GetOrchestration
     * returns them.
     *
     * @generated from field: repeated orchestrator.v1.OrchestrationResult orchestrations = 1;
     */
    orchestrations?: OrchestrationResultJson[];
    /**
     * Empty on the last page.
     *
     * @generated from field: string next_page_token = 2;
     */
    nextPageToken?: string;
};
/**
 * Describes the message orchestrator.v1.ListOrchestrationsResponse.
 * Use `create(ListOrchestrationsResponseSchema)` to create a new message.
 */
export declare const ListOrchestrationsResponseSchema: GenMessage<ListOrchestrationsResponse, {
    jsonType: ListOrchestrationsResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.CancelOrchestrationRequest
 */
export type CancelOrchestrationRequest = Message<"orchestrator.v1.CancelOrchestrationRequest"> & {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId: string;
    /**
     * @generated from field: string reason = 2;
     */
    reason: string;
};
/**
 * @generated from message orchestrator.v1.CancelOrchestrationRequest
 */
export type CancelOrchestrationRequestJson = {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId?: string;
    /**
     * @generated from field: string reason = 2;
     */
    reason?: string;
};
/**
 * Describes the message orchestrator.v1.CancelOrchestrationRequest.
 * Use `create(CancelOrchestrationRequestSchema)` to create a new message.
 */
export declare const CancelOrchestrationRequestSchema: GenMessage<CancelOrchestrationRequest, {
    jsonType: CancelOrchestrationRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.CancelOrchestrationResponse
 */
export type CancelOrchestrationResponse = Message<"orchestrator.v1.CancelOrchestrationResponse"> & {
    /**
     * @generated from field: orchestrator.v1.OrchestrationState state = 1;
     */
    state: OrchestrationState;
};
/**
 * @generated from message orchestrator.v1.CancelOrchestrationResponse
 */
export type CancelOrchestrationResponseJson = {
    /**
     * @generated from field: orchestrator.v1.OrchestrationState state = 1;
     */
    state?: OrchestrationStateJson;
};
/**
 * Describes the message orchestrator.v1.CancelOrchestrationResponse.
 * Use `create(CancelOrchestrationResponseSchema)` to create a new message.
 */
export declare const CancelOrchestrationResponseSchema: GenMessage<CancelOrchestrationResponse, {
    jsonType: CancelOrchestrationResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.ResolveEscalationRequest
 */
export type ResolveEscalationRequest = Message<"orchestrator.v1.ResolveEscalationRequest"> & {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId: string;
    /**
     * @generated from field: bool approve = 2;
     */
    approve: boolean;
    /**
     * Who decided; recorded in the decision as `human:<reviewer>`. Required while the server
     * runs without authentication; with it, the authenticated caller's name is recorded instead
     * and this field is ignored.
     *
     * @generated from field: string reviewer = 3;
     */
    reviewer: string;
    /**
     * @generated from field: string comment = 4;
     */
    comment: string;
};
/**
 * @generated from message orchestrator.v1.ResolveEscalationRequest
 */
export type ResolveEscalationRequestJson = {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId?: string;
    /**
     * @generated from field: bool approve = 2;
     */
    approve?: boolean;
    /**
     * Who decided; recorded in the decision as `human:<reviewer>`. Required while the server
     * runs without authentication; with it, the authenticated caller's name is recorded instead
     * and this field is ignored.
     *
     * @generated from field: string reviewer = 3;
     */
    reviewer?: string;
    /**
     * @generated from field: string comment = 4;
     */
    comment?: string;
};
/**
 * Describes the message orchestrator.v1.ResolveEscalationRequest.
 * Use `create(ResolveEscalationRequestSchema)` to create a new message.
 */
export declare const ResolveEscalationRequestSchema: GenMessage<ResolveEscalationRequest, {
    jsonType: ResolveEscalationRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.ResolveEscalationResponse
 */
export type ResolveEscalationResponse = Message<"orchestrator.v1.ResolveEscalationResponse"> & {
    /**
     * @generated from field: orchestrator.v1.OrchestrationResult orchestration = 1;
     */
    orchestration?: OrchestrationResult | undefined;
};
/**
 * @generated from message orchestrator.v1.ResolveEscalationResponse
 */
export type ResolveEscalationResponseJson = {
    /**
     * @generated from field: orchestrator.v1.OrchestrationResult orchestration = 1;
     */
    orchestration?: OrchestrationResultJson;
};
/**
 * Describes the message orchestrator.v1.ResolveEscalationResponse.
 * Use `create(ResolveEscalationResponseSchema)` to create a new message.
 */
export declare const ResolveEscalationResponseSchema: GenMessage<ResolveEscalationResponse, {
    jsonType: ResolveEscalationResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.ListAgentsRequest
 */
export type ListAgentsRequest = Message<"orchestrator.v1.ListAgentsRequest"> & {};
/**
 * @generated from message orchestrator.v1.ListAgentsRequest
 */
export type ListAgentsRequestJson = {};
/**
 * Describes the message orchestrator.v1.ListAgentsRequest.
 * Use `create(ListAgentsRequestSchema)` to create a new message.
 */
export declare const ListAgentsRequestSchema: GenMessage<ListAgentsRequest, {
    jsonType: ListAgentsRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.ListAgentsResponse
 */
export type ListAgentsResponse = Message<"orchestrator.v1.ListAgentsResponse"> & {
    /**
     * @generated from field: repeated orchestrator.v1.AgentInfo agents = 1;
     */
    agents: AgentInfo[];
};
/**
 * @generated from message orchestrator.v1.ListAgentsResponse
 */
export type ListAgentsResponseJson = {
    /**
     * @generated from field: repeated orchestrator.v1.AgentInfo agents = 1;
     */
    agents?: AgentInfoJson[];
};
/**
 * Describes the message orchestrator.v1.ListAgentsResponse.
 * Use `create(ListAgentsResponseSchema)` to create a new message.
 */
export declare const ListAgentsResponseSchema: GenMessage<ListAgentsResponse, {
    jsonType: ListAgentsResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.GetCallerRequest
 */
export type GetCallerRequest = Message<"orchestrator.v1.GetCallerRequest"> & {};
/**
 * @generated from message orchestrator.v1.GetCallerRequest
 */
export type GetCallerRequestJson = {};
/**
 * Describes the message orchestrator.v1.GetCallerRequest.
 * Use `create(GetCallerRequestSchema)` to create a new message.
 */
export declare const GetCallerRequestSchema: GenMessage<GetCallerRequest, {
    jsonType: GetCallerRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.GetCallerResponse
 */
export type GetCallerResponse = Message<"orchestrator.v1.GetCallerResponse"> & {
    /**
     * The API key's name, the token's subject or the certificate's mapped name; `anonymous`
     * while the server runs without authentication.
     *
     * @generated from field: string principal = 1;
     */
    principal: string;
    /**
     * The tenant the call acted for.
     *
     * @generated from field: string tenant = 2;
     */
    tenant: string;
    /**
     * viewer, submitter, reviewer, criteria_admin, admin.
     *
     * @generated from field: repeated string roles = 3;
     */
    roles: string[];
    /**
     * What the roles allow: view, submit (and cancel), review (resolve escalations),
     * manage_criteria.
     *
     * @generated from field: repeated string permissions = 4;
     */
    permissions: string[];
    /**
     * False while the server runs without authentication (`auth.mode = "off"`): then the
     * reviewer of an escalation must name themselves in ResolveEscalation.
     *
     * @generated from field: bool authenticated = 5;
     */
    authenticated: boolean;
};
/**
 * @generated from message orchestrator.v1.GetCallerResponse
 */
export type GetCallerResponseJson = {
    /**
     * The API key's name, the token's subject or the certificate's mapped name; `anonymous`
     * while the server runs without authentication.
     *
     * @generated from field: string principal = 1;
     */
    principal?: string;
    /**
     * The tenant the call acted for.
     *
     * @generated from field: string tenant = 2;
     */
    tenant?: string;
    /**
     * viewer, submitter, reviewer, criteria_admin, admin.
     *
     * @generated from field: repeated string roles = 3;
     */
    roles?: string[];
    /**
     * What the roles allow: view, submit (and cancel), review (resolve escalations),
     * manage_criteria.
     *
     * @generated from field: repeated string permissions = 4;
     */
    permissions?: string[];
    /**
     * False while the server runs without authentication (`auth.mode = "off"`): then the
     * reviewer of an escalation must name themselves in ResolveEscalation.
     *
     * @generated from field: bool authenticated = 5;
     */
    authenticated?: boolean;
};
/**
 * Describes the message orchestrator.v1.GetCallerResponse.
 * Use `create(GetCallerResponseSchema)` to create a new message.
 */
export declare const GetCallerResponseSchema: GenMessage<GetCallerResponse, {
    jsonType: GetCallerResponseJson;
}>;
/**
 * @generated from message orchestrator.v1.AgentInfo
 */
export type AgentInfo = Message<"orchestrator.v1.AgentInfo"> & {
    /**
     * @generated from field: string name = 1;
     */
    name: string;
    /**
     * echo, mock, http, openai, grpc
     *
     * @generated from field: string kind = 2;
     */
    kind: string;
    /**
     * @generated from field: string description = 3;
     */
    description: string;
    /**
     * Calls to this agent running at once, across all orchestrations; 0: unlimited.
     *
     * @generated from field: uint32 max_concurrency = 4;
     */
    maxConcurrency: number;
};
/**
 * @generated from message orchestrator.v1.AgentInfo
 */
export type AgentInfoJson = {
    /**
     * @generated from field: string name = 1;
     */
    name?: string;
    /**
     * echo, mock, http, openai, grpc
     *
     * @generated from field: string kind = 2;
     */
    kind?: string;
    /**
     * @generated from field: string description = 3;
     */
    description?: string;
    /**
     * Calls to this agent running at once, across all orchestrations; 0: unlimited.
     *
     * @generated from field: uint32 max_concurrency = 4;
     */
    maxConcurrency?: number;
};
/**
 * Describes the message orchestrator.v1.AgentInfo.
 * Use `create(AgentInfoSchema)` to create a new message.
 */
export declare const AgentInfoSchema: GenMessage<AgentInfo, {
    jsonType: AgentInfoJson;
}>;
/**
 * @generated from enum orchestrator.v1.ReviewState
 */
export declare enum ReviewState {
    /**
     * @generated from enum value: REVIEW_STATE_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * @generated from enum value: REVIEW_STATE_STARTED = 1;
     */
    STARTED = 1,
    /**
     * @generated from enum value: REVIEW_STATE_DECIDED = 2;
     */
    DECIDED = 2
}
/**
 * @generated from enum orchestrator.v1.ReviewState
 */
export type ReviewStateJson = "REVIEW_STATE_UNSPECIFIED" | "REVIEW_STATE_STARTED" | "REVIEW_STATE_DECIDED";
/**
 * Describes the enum orchestrator.v1.ReviewState.
 */
export declare const ReviewStateSchema: GenEnum<ReviewState, ReviewStateJson>;
/**
 * @generated from enum orchestrator.v1.OrchestrationState
 */
export declare enum OrchestrationState {
    /**
     * @generated from enum value: ORCHESTRATION_STATE_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Accepted, not started yet.
     *
     * @generated from enum value: ORCHESTRATION_STATE_PENDING = 1;
     */
    PENDING = 1,
    /**
     * @generated from enum value: ORCHESTRATION_STATE_RUNNING = 2;
     */
    RUNNING = 2,
    /**
     * @generated from enum value: ORCHESTRATION_STATE_REVIEWING = 3;
     */
    REVIEWING = 3,
    /**
     * The review escalated; ResolveEscalation decides.
     *
     * @generated from enum value: ORCHESTRATION_STATE_AWAITING_HUMAN = 4;
     */
    AWAITING_HUMAN = 4,
    /**
     * Review approved (some tasks may still have failed: see tasks).
     *
     * @generated from enum value: ORCHESTRATION_STATE_APPROVED = 5;
     */
    APPROVED = 5,
    /**
     * Review rejected and the reject action was ERROR (or retries ran out, or a human rejected).
     *
     * @generated from enum value: ORCHESTRATION_STATE_REJECTED = 6;
     */
    REJECTED = 6,
    /**
     * The service could not finish it (e.g. the review itself failed); see error.
     *
     * @generated from enum value: ORCHESTRATION_STATE_FAILED = 7;
     */
    FAILED = 7,
    /**
     * @generated from enum value: ORCHESTRATION_STATE_CANCELLED = 8;
     */
    CANCELLED = 8
}
/**
 * @generated from enum orchestrator.v1.OrchestrationState
 */
export type OrchestrationStateJson = "ORCHESTRATION_STATE_UNSPECIFIED" | "ORCHESTRATION_STATE_PENDING" | "ORCHESTRATION_STATE_RUNNING" | "ORCHESTRATION_STATE_REVIEWING" | "ORCHESTRATION_STATE_AWAITING_HUMAN" | "ORCHESTRATION_STATE_APPROVED" | "ORCHESTRATION_STATE_REJECTED" | "ORCHESTRATION_STATE_FAILED" | "ORCHESTRATION_STATE_CANCELLED";
/**
 * Describes the enum orchestrator.v1.OrchestrationState.
 */
export declare const OrchestrationStateSchema: GenEnum<OrchestrationState, OrchestrationStateJson>;
/**
 * @generated from enum orchestrator.v1.OrchestrationView
 */
export declare enum OrchestrationView {
    /**
     * BASIC.
     *
     * @generated from enum value: ORCHESTRATION_VIEW_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * The result as any caller may see it: outputs only when APPROVED.
     *
     * @generated from enum value: ORCHESTRATION_VIEW_BASIC = 1;
     */
    BASIC = 1,
    /**
     * For the human deciding an escalation: also the redacted output awaiting a decision.
     *
     * @generated from enum value: ORCHESTRATION_VIEW_ESCALATION = 2;
     */
    ESCALATION = 2
}
/**
 * @generated from enum orchestrator.v1.OrchestrationView
 */
export type OrchestrationViewJson = "ORCHESTRATION_VIEW_UNSPECIFIED" | "ORCHESTRATION_VIEW_BASIC" | "ORCHESTRATION_VIEW_ESCALATION";
/**
 * Describes the enum orchestrator.v1.OrchestrationView.
 */
export declare const OrchestrationViewSchema: GenEnum<OrchestrationView, OrchestrationViewJson>;
/**
 * Runs orchestrations: DAGs of agent tasks run in parallel and reviewed before the result returns.
 * Every orchestration belongs to the caller's tenant: the one its credentials are bound to (an
 * `admin` may name another in the request metadata `x-tenant-id`), or, while the server runs
 * without authentication, the one `x-tenant-id` names.
 *
 * @generated from service orchestrator.v1.OrchestratorService
 */
export declare const OrchestratorService: GenService<{
    /**
     * Starts an orchestration and streams its events. The first event is `accepted`, the last `completed`.
     *
     * @generated from rpc orchestrator.v1.OrchestratorService.Orchestrate
     */
    orchestrate: {
        methodKind: "server_streaming";
        input: typeof OrchestrateRequestSchema;
        output: typeof OrchestrateResponseSchema;
    };
    /**
     * Starts an orchestration and returns at once; follow it with StreamStatus.
     *
     * @generated from rpc orchestrator.v1.OrchestratorService.SubmitOrchestration
     */
    submitOrchestration: {
        methodKind: "unary";
        input: typeof SubmitOrchestrationRequestSchema;
        output: typeof SubmitOrchestrationResponseSchema;
    };
    /**
     * Streams an orchestration's events after a sequence number: replay, then follow live until `completed`.
     *
     * @generated from rpc orchestrator.v1.OrchestratorService.StreamStatus
     */
    streamStatus: {
        methodKind: "server_streaming";
        input: typeof StreamStatusRequestSchema;
        output: typeof StreamStatusResponseSchema;
    };
    /**
     * The orchestration's current state, folded from its events.
     *
     * @generated from rpc orchestrator.v1.OrchestratorService.GetOrchestration
     */
    getOrchestration: {
        methodKind: "unary";
        input: typeof GetOrchestrationRequestSchema;
        output: typeof GetOrchestrationResponseSchema;
    };
    /**
     * @generated from rpc orchestrator.v1.OrchestratorService.ListOrchestrations
     */
    listOrchestrations: {
        methodKind: "unary";
        input: typeof ListOrchestrationsRequestSchema;
        output: typeof ListOrchestrationsResponseSchema;
    };
    /**
     * Stops a running orchestration: running agents and backoff sleeps are interrupted, unfinished
     * tasks end CANCELLED and the orchestration ends CANCELLED without a review.
     *
     * @generated from rpc orchestrator.v1.OrchestratorService.CancelOrchestration
     */
    cancelOrchestration: {
        methodKind: "unary";
        input: typeof CancelOrchestrationRequestSchema;
        output: typeof CancelOrchestrationResponseSchema;
    };
    /**
     * Approves or rejects an orchestration whose review escalated to a human.
     * FAILED_PRECONDITION when the orchestration is not AWAITING_HUMAN.
     *
     * @generated from rpc orchestrator.v1.OrchestratorService.ResolveEscalation
     */
    resolveEscalation: {
        methodKind: "unary";
        input: typeof ResolveEscalationRequestSchema;
        output: typeof ResolveEscalationResponseSchema;
    };
    /**
     * The agents a task may name, with their kinds.
     *
     * @generated from rpc orchestrator.v1.OrchestratorService.ListAgents
     */
    listAgents: {
        methodKind: "unary";
        input: typeof ListAgentsRequestSchema;
        output: typeof ListAgentsResponseSchema;
    };
    /**
     * Who the call's credentials name, for which tenant, and what they may do: so that a client
     * (the web console) offers only what the caller is allowed.
     *
     * @generated from rpc orchestrator.v1.OrchestratorService.GetCaller
     */
    getCaller: {
        methodKind: "unary";
        input: typeof GetCallerRequestSchema;
        output: typeof GetCallerResponseSchema;
    };
}>;
