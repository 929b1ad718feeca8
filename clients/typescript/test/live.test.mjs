// The installed package against a running server: ORCHESTRATOR_ADDR=host:port node --test
// Run from a project that installed the package, so that the import below resolves to it.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";

import { Code, ConnectError, OrchestratorClient, decodeError } from "@orchestrator/client";

const ADDR = process.env.ORCHESTRATOR_ADDR;
// Required: a run without a server must fail, not pass.
assert.ok(ADDR, "set ORCHESTRATOR_ADDR=host:port of a running server");

// The second task's input is a template over the first task's output, which only the first
// task's params set: the chain's output proves that params and depends_on reached the server.
// snake_case as in plan files and grpcurl; camelCase works too.
const CHAIN = {
  input: "Q3",
  tasks: [
    { id: "facts", agent: "mock", params: { delay_ms: 20, output: "Revenue grew." } },
    { id: "summary", agent: "echo", input: "In short: {{tasks.facts.output}}", depends_on: ["facts"] },
  ],
};

let client;
before(() => {
  // A tenant of its own per run, so that request ids never meet earlier runs'.
  client = new OrchestratorClient(ADDR, { tenant: `ts-${randomUUID().slice(0, 8)}` });
});
after(() => client.close());

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  assert.fail("the call succeeded");
}

function checkChainEvents(events) {
  assert.equal(events[0].kind, "accepted");
  const plan = Object.fromEntries(events[0].raw.kind.value.plan.map((t) => [t.taskId, t.dependsOn]));
  assert.deepEqual(plan, { facts: [], summary: ["facts"] });

  const taskStates = events.filter((e) => e.kind === "task").map((e) => `${e.taskId} ${e.state}`);
  assert.ok(taskStates.includes("facts SUCCEEDED"), String(taskStates));
  assert.ok(taskStates.includes("summary SUCCEEDED"), String(taskStates));
  assert.ok(taskStates.indexOf("facts SUCCEEDED") < taskStates.indexOf("summary RUNNING"), String(taskStates));

  const last = events.at(-1);
  assert.equal(last.kind, "completed");
  assert.equal(last.state, "APPROVED");
  assert.equal(last.result.verdict, "APPROVED");
  assert.deepEqual(
    last.result.tasks.map((t) => [t.taskId, t.state, t.output]),
    [
      ["facts", "SUCCEEDED", "Revenue grew."],
      ["summary", "SUCCEEDED", "In short: Revenue grew."],
    ],
  );
  assert.match(last.result.output, /In short: Revenue grew\./);
  assert.deepEqual(
    events.map((e) => e.sequence),
    events.map((_, i) => i + 1),
  );
}

test("submit returns an id, and the same request id again returns created false", async () => {
  const requestId = `req-${randomUUID()}`;
  const first = await client.submit(CHAIN, requestId);
  assert.ok(first.orchestrationId);
  assert.equal(first.created, true);
  const again = await client.submit(CHAIN, requestId);
  assert.deepEqual(again, { orchestrationId: first.orchestrationId, created: false });
  const other = await client.submit(CHAIN);
  assert.notEqual(other.orchestrationId, first.orchestrationId);
  assert.equal(other.created, true);
});

test("orchestrate streams task updates and ends with an approved completed event", async () => {
  const events = [];
  for await (const event of client.orchestrate(CHAIN)) events.push(event);
  checkChainEvents(events);
  const result = await client.get(events.at(-1).orchestrationId);
  assert.equal(result.state, "APPROVED");
});

test("camelCase specs keep params and dependsOn too", async () => {
  const spec = {
    input: "Q3",
    tasks: [
      // params are data: their keys stay as the agent spells them.
      { id: "facts", agent: "mock", params: { delay_ms: 20, output: "Revenue grew." } },
      { id: "summary", agent: "echo", input: "In short: {{tasks.facts.output}}", dependsOn: ["facts"] },
    ],
  };
  const events = [];
  for await (const event of client.orchestrate(spec)) events.push(event);
  checkChainEvents(events);
});

test("an unknown key in a spec is refused, not dropped", async () => {
  const spec = { tasks: [{ id: "a", agent: "mock", dependencies: ["b"] }] };
  await assert.rejects(client.submit(spec), /dependencies/);
});

test("invalid specs give INVALID_ARGUMENT and decodeError returns the field violations", async () => {
  const unknownDependency = {
    tasks: [
      { id: "a", agent: "mock" },
      { id: "b", agent: "mock", depends_on: ["nope"] },
    ],
  };
  let error = await rejection(client.submit(unknownDependency));
  assert.equal(error.code, Code.InvalidArgument);
  const violations = decodeError(error);
  assert.deepEqual(
    violations.map((v) => v.field),
    ["spec.tasks[1].depends_on[0]"],
  );
  assert.match(violations[0].description, /nope/);

  // Bad params are named too, and on the streaming call.
  const badParams = { tasks: [{ id: "a", agent: "mock", params: { delay_ms: -1 } }] };
  error = await rejection((async () => {
    for await (const _ of client.orchestrate(badParams));
  })());
  assert.equal(error.code, Code.InvalidArgument);
  assert.deepEqual(
    decodeError(error).map((v) => v.field),
    ["spec.tasks[0].params.delay_ms"],
  );

  error = await rejection(client.submit({ tasks: [] }));
  assert.equal(error.code, Code.InvalidArgument);
  assert.deepEqual(
    decodeError(error).map((v) => v.field),
    ["spec.tasks"],
  );
});

test("errors without details decode to nothing", async () => {
  const error = await rejection(client.get("orch-does-not-exist"));
  assert.equal(error.code, Code.NotFound);
  assert.deepEqual(decodeError(error), []);
});
