// A small typed layer over the generated OrchestratorService client: specs from plain objects,
// events and results with enum values as names, and the field violations of an error.
// Everything generated is under `@orchestrator/client/gen/...` for the calls not wrapped here.
import { fromJson, isMessage } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { BadRequestSchema } from "./gen/google/rpc/error_details_pb.js";
import { OrchestrationSpecSchema, OrchestrationStateSchema, OrchestratorService, ReviewStateSchema, } from "./gen/orchestrator/v1/orchestration_pb.js";
import { ReviewVerdictSchema } from "./gen/orchestrator/v1/review_pb.js";
import { TaskStateSchema } from "./gen/orchestrator/v1/task_pb.js";
export { Code, ConnectError, OrchestratorService };
/** `TASK_STATE_SUCCEEDED` -> `SUCCEEDED`; a number a newer server added stays a number. */
export function enumName(schema, value) {
    return schema.value[value]?.localName ?? String(value);
}
/** The google.rpc.BadRequest field violations an INVALID_ARGUMENT error carries; [] for others. */
export function decodeError(error) {
    return ConnectError.from(error)
        .findDetails(BadRequestSchema)
        .flatMap((badRequest) => badRequest.fieldViolations.map(({ field, description }) => ({ field, description })));
}
function toSpec(spec) {
    if (isMessage(spec, OrchestrationSpecSchema)) {
        return spec;
    }
    // fromJson, not create(): it fills google.protobuf.Struct from plain objects, takes both
    // spellings of field names and refuses unknown ones.
    return fromJson(OrchestrationSpecSchema, spec);
}
export function toResult(result) {
    return {
        orchestrationId: result.orchestrationId,
        state: enumName(OrchestrationStateSchema, result.state),
        output: result.output,
        tasks: result.tasks.map((task) => ({
            taskId: task.taskId,
            agent: task.agent,
            state: enumName(TaskStateSchema, task.state),
            output: task.output,
            error: task.error,
            attempts: task.attempts,
        })),
        verdict: enumName(ReviewVerdictSchema, result.review?.verdict ?? 0),
        feedback: result.review?.feedback ?? "",
        error: result.error,
        raw: result,
    };
}
export function toEvent(event) {
    const base = {
        orchestrationId: event.orchestrationId,
        // Sequences are uint64 on the wire; no orchestration gets near 2^53 events.
        sequence: Number(event.sequence),
        taskId: "",
        state: "",
        attempt: 0,
        error: "",
        raw: event,
    };
    const kind = event.kind;
    switch (kind.case) {
        case "accepted":
            return { ...base, kind: "accepted" };
        case "task":
            return {
                ...base,
                kind: "task",
                taskId: kind.value.taskId,
                state: enumName(TaskStateSchema, kind.value.state),
                attempt: kind.value.attempt,
                error: kind.value.error,
            };
        case "review":
            return { ...base, kind: "review", state: enumName(ReviewStateSchema, kind.value.state) };
        case "stateChanged":
            return {
                ...base,
                kind: "stateChanged",
                state: enumName(OrchestrationStateSchema, kind.value.state),
                error: kind.value.reason,
            };
        case "completed": {
            const result = kind.value.result ? toResult(kind.value.result) : undefined;
            return { ...base, kind: "completed", state: result?.state ?? "", error: result?.error ?? "", result };
        }
        default:
            return { ...base, kind: "unknown" };
    }
}
/** The orchestrator's OrchestratorService over gRPC (HTTP/2). `address` is `host:port` or a URL. */
export class OrchestratorClient {
    /** The generated service's client, for the calls this layer does not wrap. */
    raw;
    sessions;
    constructor(address, options = {}) {
        const baseUrl = address.includes("://") ? address : `${options.secure ? "https" : "http"}://${address}`;
        const headers = [];
        if (options.tenant !== undefined)
            headers.push(["x-tenant-id", options.tenant]);
        if (options.token !== undefined)
            headers.push(["authorization", `Bearer ${options.token}`]);
        const metadata = (next) => (request) => {
            for (const [name, value] of headers)
                request.header.set(name, value);
            return next(request);
        };
        // Our own session manager, so that close() can end the HTTP/2 connection.
        this.sessions = new Http2SessionManager(baseUrl, undefined, options.nodeOptions);
        const transport = createGrpcTransport({ baseUrl, sessionManager: this.sessions, interceptors: [metadata] });
        this.raw = createClient(OrchestratorService, transport);
    }
    /** Starts an orchestration; `created` is false when `requestId` matched an existing one. */
    async submit(spec, requestId = "") {
        const response = await this.raw.submitOrchestration({ requestId, spec: toSpec(spec) });
        return { orchestrationId: response.orchestrationId, created: response.created };
    }
    /** Starts an orchestration and yields its events, `accepted` first, `completed` last. */
    async *orchestrate(spec, requestId = "", signal) {
        for await (const response of this.raw.orchestrate({ requestId, spec: toSpec(spec) }, { signal })) {
            if (response.event)
                yield toEvent(response.event);
        }
    }
    /** Replays an orchestration's events after `afterSequence`, then follows it live. */
    async *watch(orchestrationId, afterSequence = 0, signal) {
        const request = { orchestrationId, afterSequence: BigInt(afterSequence) };
        for await (const response of this.raw.streamStatus(request, { signal })) {
            if (response.event)
                yield toEvent(response.event);
        }
    }
    async get(orchestrationId) {
        const response = await this.raw.getOrchestration({ orchestrationId });
        if (!response.orchestration)
            throw new ConnectError("no orchestration in the response", Code.Internal);
        return toResult(response.orchestration);
    }
    /** Cancels a running orchestration; returns its state afterwards. */
    async cancel(orchestrationId, reason = "") {
        const response = await this.raw.cancelOrchestration({ orchestrationId, reason });
        return enumName(OrchestrationStateSchema, response.state);
    }
    /** Closes the connection; calls in progress fail. */
    close() {
        this.sessions.abort();
    }
}
