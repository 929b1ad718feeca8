import type { GenEnum, GenFile, GenMessage } from "@bufbuild/protobuf/codegenv2";
import type { Duration, DurationJson, Timestamp, TimestampJson } from "@bufbuild/protobuf/wkt";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file orchestrator/v1/task.proto.
 */
export declare const file_orchestrator_v1_task: GenFile;
/**
 * One task's outcome.
 *
 * @generated from message orchestrator.v1.TaskResult
 */
export type TaskResult = Message<"orchestrator.v1.TaskResult"> & {
    /**
     * @generated from field: string task_id = 1;
     */
    taskId: string;
    /**
     * @generated from field: string agent = 2;
     */
    agent: string;
    /**
     * @generated from field: orchestrator.v1.TaskState state = 3;
     */
    state: TaskState;
    /**
     * Empty in the results of a REJECTED orchestration: a rejected output never leaves the service.
     *
     * @generated from field: string output = 4;
     */
    output: string;
    /**
     * The output was cut at the server's size limit.
     *
     * @generated from field: bool output_truncated = 5;
     */
    outputTruncated: boolean;
    /**
     * @generated from field: string error = 6;
     */
    error: string;
    /**
     * @generated from field: uint32 attempts = 7;
     */
    attempts: number;
    /**
     * @generated from field: uint32 wave = 8;
     */
    wave: number;
    /**
     * @generated from field: google.protobuf.Timestamp start_time = 9;
     */
    startTime?: Timestamp | undefined;
    /**
     * @generated from field: google.protobuf.Timestamp end_time = 10;
     */
    endTime?: Timestamp | undefined;
    /**
     * @generated from field: google.protobuf.Duration duration = 11;
     */
    duration?: Duration | undefined;
    /**
     * The agent's own confidence in its output, between 0 and 1.
     *
     * @generated from field: optional double confidence = 12;
     */
    confidence?: number | undefined;
    /**
     * The section of the aggregated output this task fills.
     *
     * @generated from field: string section = 13;
     */
    section: string;
    /**
     * Tokens spent over all attempts, when the agent calls a model.
     *
     * @generated from field: orchestrator.v1.TokenUsage usage = 14;
     */
    usage?: TokenUsage | undefined;
};
/**
 * One task's outcome.
 *
 * @generated from message orchestrator.v1.TaskResult
 */
export type TaskResultJson = {
    /**
     * @generated from field: string task_id = 1;
     */
    taskId?: string;
    /**
     * @generated from field: string agent = 2;
     */
    agent?: string;
    /**
     * @generated from field: orchestrator.v1.TaskState state = 3;
     */
    state?: TaskStateJson;
    /**
     * Empty in the results of a REJECTED orchestration: a rejected output never leaves the service.
     *
     * @generated from field: string output = 4;
     */
    output?: string;
    /**
     * The output was cut at the server's size limit.
     *
     * @generated from field: bool output_truncated = 5;
     */
    outputTruncated?: boolean;
    /**
     * @generated from field: string error = 6;
     */
    error?: string;
    /**
     * @generated from field: uint32 attempts = 7;
     */
    attempts?: number;
    /**
     * @generated from field: uint32 wave = 8;
     */
    wave?: number;
    /**
     * @generated from field: google.protobuf.Timestamp start_time = 9;
     */
    startTime?: TimestampJson;
    /**
     * @generated from field: google.protobuf.Timestamp end_time = 10;
     */
    endTime?: TimestampJson;
    /**
     * @generated from field: google.protobuf.Duration duration = 11;
     */
    duration?: DurationJson;
    /**
     * The agent's own confidence in its output, between 0 and 1.
     *
     * @generated from field: optional double confidence = 12;
     */
    confidence?: number | "NaN" | "Infinity" | "-Infinity";
    /**
     * The section of the aggregated output this task fills.
     *
     * @generated from field: string section = 13;
     */
    section?: string;
    /**
     * Tokens spent over all attempts, when the agent calls a model.
     *
     * @generated from field: orchestrator.v1.TokenUsage usage = 14;
     */
    usage?: TokenUsageJson;
};
/**
 * Describes the message orchestrator.v1.TaskResult.
 * Use `create(TaskResultSchema)` to create a new message.
 */
export declare const TaskResultSchema: GenMessage<TaskResult, {
    jsonType: TaskResultJson;
}>;
/**
 * @generated from message orchestrator.v1.TokenUsage
 */
export type TokenUsage = Message<"orchestrator.v1.TokenUsage"> & {
    /**
     * @generated from field: uint64 prompt_tokens = 1;
     */
    promptTokens: bigint;
    /**
     * @generated from field: uint64 completion_tokens = 2;
     */
    completionTokens: bigint;
};
/**
 * @generated from message orchestrator.v1.TokenUsage
 */
export type TokenUsageJson = {
    /**
     * @generated from field: uint64 prompt_tokens = 1;
     */
    promptTokens?: string;
    /**
     * @generated from field: uint64 completion_tokens = 2;
     */
    completionTokens?: string;
};
/**
 * Describes the message orchestrator.v1.TokenUsage.
 * Use `create(TokenUsageSchema)` to create a new message.
 */
export declare const TokenUsageSchema: GenMessage<TokenUsage, {
    jsonType: TokenUsageJson;
}>;
/**
 * @generated from enum orchestrator.v1.TaskState
 */
export declare enum TaskState {
    /**
     * @generated from enum value: TASK_STATE_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Waiting for its dependencies or for a free slot.
     *
     * @generated from enum value: TASK_STATE_PENDING = 1;
     */
    PENDING = 1,
    /**
     * @generated from enum value: TASK_STATE_RUNNING = 2;
     */
    RUNNING = 2,
    /**
     * An attempt failed with a retryable error; the next attempt starts after `retry_in`.
     *
     * @generated from enum value: TASK_STATE_RETRYING = 3;
     */
    RETRYING = 3,
    /**
     * @generated from enum value: TASK_STATE_SUCCEEDED = 4;
     */
    SUCCEEDED = 4,
    /**
     * @generated from enum value: TASK_STATE_FAILED = 5;
     */
    FAILED = 5,
    /**
     * The last attempt ran out of time.
     *
     * @generated from enum value: TASK_STATE_TIMED_OUT = 6;
     */
    TIMED_OUT = 6,
    /**
     * Not run because a dependency did not succeed.
     *
     * @generated from enum value: TASK_STATE_SKIPPED = 7;
     */
    SKIPPED = 7,
    /**
     * @generated from enum value: TASK_STATE_CANCELLED = 8;
     */
    CANCELLED = 8
}
/**
 * @generated from enum orchestrator.v1.TaskState
 */
export type TaskStateJson = "TASK_STATE_UNSPECIFIED" | "TASK_STATE_PENDING" | "TASK_STATE_RUNNING" | "TASK_STATE_RETRYING" | "TASK_STATE_SUCCEEDED" | "TASK_STATE_FAILED" | "TASK_STATE_TIMED_OUT" | "TASK_STATE_SKIPPED" | "TASK_STATE_CANCELLED";
/**
 * Describes the enum orchestrator.v1.TaskState.
 */
export declare const TaskStateSchema: GenEnum<TaskState, TaskStateJson>;
