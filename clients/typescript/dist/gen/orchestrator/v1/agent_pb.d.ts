import type { GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { StructJson } from "@bufbuild/protobuf/wkt";
import type { TokenUsage, TokenUsageJson } from "./task_pb.js";
import type { JsonObject, Message } from "@bufbuild/protobuf";
/**
 * Describes the file orchestrator/v1/agent.proto.
 */
export declare const file_orchestrator_v1_agent: GenFile;
/**
 * @generated from message orchestrator.v1.InvokeRequest
 */
export type InvokeRequest = Message<"orchestrator.v1.InvokeRequest"> & {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId: string;
    /**
     * @generated from field: string task_id = 2;
     */
    taskId: string;
    /**
     * 1 for the first attempt, counting up on every retry.
     *
     * @generated from field: uint32 attempt = 3;
     */
    attempt: number;
    /**
     * `<orchestration_id>/<task_id>/<attempt>` (plus `/<run>` after a review RETRY): agents are called
     * at least once across crashes and may use this key to deduplicate side effects.
     *
     * @generated from field: string idempotency_key = 4;
     */
    idempotencyKey: string;
    /**
     * The task's input with its templates ({{input}}, {{tasks.<id>.output}}, {{review.feedback}}) rendered.
     *
     * @generated from field: string input = 5;
     */
    input: string;
    /**
     * The task's agent-specific parameters, as given in the TaskSpec.
     *
     * @generated from field: google.protobuf.Struct params = 6;
     */
    params?: JsonObject | undefined;
    /**
     * Outputs of the task's declared dependencies, by task id.
     *
     * @generated from field: map<string, string> dependency_outputs = 7;
     */
    dependencyOutputs: {
        [key: string]: string;
    };
    /**
     * After a review rejected an earlier run with reject action RETRY: what to change.
     *
     * @generated from field: string review_feedback = 8;
     */
    reviewFeedback: string;
    /**
     * 1 for the first run of the orchestration, counting up on every review RETRY.
     *
     * @generated from field: uint32 run = 9;
     */
    run: number;
    /**
     * The orchestration's input (what tasks see as {{input}}).
     *
     * @generated from field: string orchestration_input = 10;
     */
    orchestrationInput: string;
};
/**
 * @generated from message orchestrator.v1.InvokeRequest
 */
export type InvokeRequestJson = {
    /**
     * @generated from field: string orchestration_id = 1;
     */
    orchestrationId?: string;
    /**
     * @generated from field: string task_id = 2;
     */
    taskId?: string;
    /**
     * 1 for the first attempt, counting up on every retry.
     *
     * @generated from field: uint32 attempt = 3;
     */
    attempt?: number;
    /**
     * `<orchestration_id>/<task_id>/<attempt>` (plus `/<run>` after a review RETRY): agents are called
     * at least once across crashes and may use this key to deduplicate side effects.
     *
     * @generated from field: string idempotency_key = 4;
     */
    idempotencyKey?: string;
    /**
     * The task's input with its templates ({{input}}, {{tasks.<id>.output}}, {{review.feedback}}) rendered.
     *
     * @generated from field: string input = 5;
     */
    input?: string;
    /**
     * The task's agent-specific parameters, as given in the TaskSpec.
     *
     * @generated from field: google.protobuf.Struct params = 6;
     */
    params?: StructJson;
    /**
     * Outputs of the task's declared dependencies, by task id.
     *
     * @generated from field: map<string, string> dependency_outputs = 7;
     */
    dependencyOutputs?: {
        [key: string]: string;
    };
    /**
     * After a review rejected an earlier run with reject action RETRY: what to change.
     *
     * @generated from field: string review_feedback = 8;
     */
    reviewFeedback?: string;
    /**
     * 1 for the first run of the orchestration, counting up on every review RETRY.
     *
     * @generated from field: uint32 run = 9;
     */
    run?: number;
    /**
     * The orchestration's input (what tasks see as {{input}}).
     *
     * @generated from field: string orchestration_input = 10;
     */
    orchestrationInput?: string;
};
/**
 * Describes the message orchestrator.v1.InvokeRequest.
 * Use `create(InvokeRequestSchema)` to create a new message.
 */
export declare const InvokeRequestSchema: GenMessage<InvokeRequest, {
    jsonType: InvokeRequestJson;
}>;
/**
 * @generated from message orchestrator.v1.InvokeResponse
 */
export type InvokeResponse = Message<"orchestrator.v1.InvokeResponse"> & {
    /**
     * @generated from field: string output = 1;
     */
    output: string;
    /**
     * The agent's own confidence in its output, between 0 and 1.
     *
     * @generated from field: optional double confidence = 2;
     */
    confidence?: number | undefined;
    /**
     * Tokens spent, when the agent calls a model.
     *
     * @generated from field: orchestrator.v1.TokenUsage usage = 3;
     */
    usage?: TokenUsage | undefined;
};
/**
 * @generated from message orchestrator.v1.InvokeResponse
 */
export type InvokeResponseJson = {
    /**
     * @generated from field: string output = 1;
     */
    output?: string;
    /**
     * The agent's own confidence in its output, between 0 and 1.
     *
     * @generated from field: optional double confidence = 2;
     */
    confidence?: number | "NaN" | "Infinity" | "-Infinity";
    /**
     * Tokens spent, when the agent calls a model.
     *
     * @generated from field: orchestrator.v1.TokenUsage usage = 3;
     */
    usage?: TokenUsageJson;
};
/**
 * Describes the message orchestrator.v1.InvokeResponse.
 * Use `create(InvokeResponseSchema)` to create a new message.
 */
export declare const InvokeResponseSchema: GenMessage<InvokeResponse, {
    jsonType: InvokeResponseJson;
}>;
/**
 * The contract an external agent implements, in any language, to be called by tasks whose agent
 * is of kind `grpc`. The orchestrator is the client: it calls Invoke once per task attempt.
 *
 * Error semantics: the agent answers with a gRPC status. UNAVAILABLE, RESOURCE_EXHAUSTED,
 * ABORTED, DEADLINE_EXCEEDED and INTERNAL are retried with the task's retry policy; every other
 * code (INVALID_ARGUMENT, FAILED_PRECONDITION, PERMISSION_DENIED, ...) fails the task at once.
 * The attempt's deadline is sent as the standard `grpc-timeout` header.
 *
 * @generated from service orchestrator.v1.AgentService
 */
export declare const AgentService: GenService<{
    /**
     * Runs one attempt of one task and returns its output.
     *
     * @generated from rpc orchestrator.v1.AgentService.Invoke
     */
    invoke: {
        methodKind: "unary";
        input: typeof InvokeRequestSchema;
        output: typeof InvokeResponseSchema;
    };
}>;
