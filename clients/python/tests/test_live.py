"""The installed package against a running server: ORCHESTRATOR_ADDR=host:port pytest tests/"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import grpc
import pytest

from orchestrator_client import AsyncClient, Client, Event, Spec, Task, decode_error

# Required: a run without a server must fail, not pass by skipping everything.
ADDR = os.environ.get("ORCHESTRATOR_ADDR") or pytest.exit(
    "set ORCHESTRATOR_ADDR=host:port of a running server", 2
)

# The second task's input is a template over the first task's output, which only the first
# task's params set: the chain's output proves that params and depends_on reached the server.
CHAIN = {
    "input": "Q3",
    "tasks": [
        {"id": "facts", "agent": "mock", "params": {"delay_ms": 20, "output": "Revenue grew."}},
        {
            "id": "summary",
            "agent": "echo",
            "input": "In short: {{tasks.facts.output}}",
            "depends_on": ["facts"],
        },
    ],
}


@pytest.fixture
def client() -> Iterator[Client]:
    # A tenant of its own per test run, so that request ids never meet earlier runs'.
    with Client(ADDR, tenant=f"py-{uuid.uuid4().hex[:8]}") as client:
        yield client


def test_submit_returns_an_id_and_a_repeated_request_id_returns_the_same(client: Client) -> None:
    request_id = f"req-{uuid.uuid4().hex}"
    first_id, created = client.submit(CHAIN, request_id=request_id)
    assert first_id
    assert created is True
    again_id, created_again = client.submit(CHAIN, request_id=request_id)
    assert again_id == first_id
    assert created_again is False
    # Without a request id every submit is new.
    other_id, other_created = client.submit(CHAIN)
    assert other_id != first_id and other_created is True


def check_chain_events(events: list[Event]) -> None:
    assert events[0].kind == "accepted"
    plan = {planned.task_id: list(planned.depends_on) for planned in events[0].raw.accepted.plan}
    assert plan == {"facts": [], "summary": ["facts"]}

    task_states = [(event.task_id, event.state) for event in events if event.kind == "task"]
    assert ("facts", "SUCCEEDED") in task_states, task_states
    assert ("summary", "SUCCEEDED") in task_states, task_states
    # Enum values come as names throughout.
    assert all(state.isupper() and not state.isdigit() for _, state in task_states), task_states
    assert task_states.index(("facts", "SUCCEEDED")) < task_states.index(("summary", "RUNNING"))

    last = events[-1]
    assert last.kind == "completed"
    assert last.state == "APPROVED"
    assert last.result is not None
    assert last.result.verdict == "APPROVED"
    outputs = {task.task_id: (task.state, task.output) for task in last.result.tasks}
    assert outputs == {
        "facts": ("SUCCEEDED", "Revenue grew."),
        "summary": ("SUCCEEDED", "In short: Revenue grew."),
    }
    assert "In short: Revenue grew." in last.result.output
    assert [event.sequence for event in events] == list(range(1, len(events) + 1))


def test_orchestrate_streams_task_updates_and_ends_approved(client: Client) -> None:
    events = list(client.orchestrate(CHAIN))
    check_chain_events(events)
    # The same result afterwards, by id.
    result = client.get(events[-1].orchestration_id)
    assert result.state == "APPROVED"


def test_dataclass_specs_keep_params_and_depends_on(client: Client) -> None:
    spec = Spec(
        input="Q3",
        tasks=[
            Task(id="facts", agent="mock", params={"delay_ms": 20, "output": "Revenue grew."}),
            Task(id="summary", agent="echo", input="In short: {{tasks.facts.output}}", depends_on=["facts"]),
        ],
    )
    check_chain_events(list(client.orchestrate(spec)))


def test_async_orchestrate_is_an_async_iterator_of_the_same_events() -> None:
    async def run() -> list[Event]:
        async with AsyncClient(ADDR, tenant="py-async") as client:
            orchestration_id, created = await client.submit(CHAIN)
            assert orchestration_id and created
            return [event async for event in client.orchestrate(CHAIN)]

    check_chain_events(asyncio.run(run()))


def test_invalid_specs_give_invalid_argument_with_field_violations(client: Client) -> None:
    unknown_dependency = {
        "tasks": [
            {"id": "a", "agent": "mock"},
            {"id": "b", "agent": "mock", "depends_on": ["nope"]},
        ]
    }
    with pytest.raises(grpc.RpcError) as raised:
        client.submit(unknown_dependency)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = decode_error(raised.value)
    assert [v.field for v in violations] == ["spec.tasks[1].depends_on[0]"], violations
    field, description = violations[0]  # A (field, description) tuple, too.
    assert field == "spec.tasks[1].depends_on[0]" and "nope" in description

    # Bad params are named too, and on the streaming call.
    with pytest.raises(grpc.RpcError) as raised:
        list(client.orchestrate({"tasks": [{"id": "a", "agent": "mock", "params": {"delay_ms": -1}}]}))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in decode_error(raised.value)] == ["spec.tasks[0].params.delay_ms"]

    with pytest.raises(grpc.RpcError) as raised:
        client.submit({"tasks": []})
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in decode_error(raised.value)] == ["spec.tasks"]


def test_async_errors_decode_the_same() -> None:
    async def run() -> None:
        async with AsyncClient(ADDR) as client:
            with pytest.raises(grpc.RpcError) as raised:
                await client.submit({"tasks": [{"id": "a", "agent": "no-such-agent"}]})
            assert [v.field for v in decode_error(raised.value)] == ["spec.tasks[0].agent"]

    asyncio.run(run())


def test_errors_without_details_decode_to_nothing(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        client.get("orch-does-not-exist")
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert decode_error(raised.value) == []
