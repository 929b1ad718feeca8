import { type DescEnum } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type * as http2 from "node:http2";
import { OrchestratorService, type OrchestrationEvent, type OrchestrationResult, type OrchestrationSpec, type OrchestrationSpecJson } from "./gen/orchestrator/v1/orchestration_pb.js";
export { Code, ConnectError, OrchestratorService };
export type { OrchestrationEvent, OrchestrationResult, OrchestrationSpec, OrchestrationSpecJson };
/**
 * A spec as the proto's JSON form has it: `params` as plain objects, `depends_on` or `dependsOn`,
 * durations as "30s"; or the generated message itself. An unknown key is an error, never dropped.
 */
export type SpecInput = OrchestrationSpecJson | OrchestrationSpec;
export interface ClientOptions {
    /** Sent as `x-tenant-id`: the tenant while the server runs without authentication. */
    tenant?: string;
    /** Sent as `authorization: Bearer <token>`: an API key or a JWT. */
    token?: string;
    /** TLS with the system's roots (or `nodeOptions.ca`); otherwise plaintext HTTP/2. */
    secure?: boolean;
    /** For TLS: `ca`, `cert`, `key`, `servername`, ... */
    nodeOptions?: http2.SecureClientSessionOptions;
}
export interface FieldViolation {
    /** The field path, e.g. `spec.tasks[1].depends_on[0]`. */
    field: string;
    description: string;
}
export interface TaskResult {
    taskId: string;
    agent: string;
    state: string;
    output: string;
    error: string;
    attempts: number;
}
export interface Result {
    orchestrationId: string;
    /** An OrchestrationState name: "APPROVED", "REJECTED", "FAILED", ... */
    state: string;
    output: string;
    tasks: TaskResult[];
    /** The review's verdict ("APPROVED", "REJECTED") and what to change, when it ran. */
    verdict: string;
    feedback: string;
    /** Why the orchestration FAILED or was CANCELLED. */
    error: string;
    raw: OrchestrationResult;
}
export interface Event {
    orchestrationId: string;
    sequence: number;
    kind: "accepted" | "task" | "review" | "stateChanged" | "completed" | "unknown";
    /** For "task": which task. */
    taskId: string;
    /** A TaskState name for "task", ReviewState for "review", OrchestrationState for "stateChanged" and "completed". */
    state: string;
    attempt: number;
    /** For "task": the task's error; for "stateChanged": the reason; for "completed": result.error. */
    error: string;
    /** For "completed". */
    result?: Result;
    /** The event as received, for everything the fields above leave out. */
    raw: OrchestrationEvent;
}
/** `TASK_STATE_SUCCEEDED` -> `SUCCEEDED`; a number a newer server added stays a number. */
export declare function enumName(schema: DescEnum, value: number): string;
/** The google.rpc.BadRequest field violations an INVALID_ARGUMENT error carries; [] for others. */
export declare function decodeError(error: unknown): FieldViolation[];
export declare function toResult(result: OrchestrationResult): Result;
export declare function toEvent(event: OrchestrationEvent): Event;
/** The orchestrator's OrchestratorService over gRPC (HTTP/2). `address` is `host:port` or a URL. */
export declare class OrchestratorClient {
    /** The generated service's client, for the calls this layer does not wrap. */
    readonly raw: Client<typeof OrchestratorService>;
    private readonly sessions;
    constructor(address: string, options?: ClientOptions);
    /** Starts an orchestration; `created` is false when `requestId` matched an existing one. */
    submit(spec: SpecInput, requestId?: string): Promise<{
        orchestrationId: string;
        created: boolean;
    }>;
    /** Starts an orchestration and yields its events, `accepted` first, `completed` last. */
    orchestrate(spec: SpecInput, requestId?: string, signal?: AbortSignal): AsyncGenerator<Event>;
    /** Replays an orchestration's events after `afterSequence`, then follows it live. */
    watch(orchestrationId: string, afterSequence?: number, signal?: AbortSignal): AsyncGenerator<Event>;
    get(orchestrationId: string): Promise<Result>;
    /** Cancels a running orchestration; returns its state afterwards. */
    cancel(orchestrationId: string, reason?: string): Promise<string>;
    /** Closes the connection; calls in progress fail. */
    close(): void;
}
