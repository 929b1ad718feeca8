"""Plain Python values in and out: specs from dicts or dataclasses, events and results with enum
values as names ("SUCCEEDED", "APPROVED") instead of the ints of three generated modules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from google.protobuf import json_format
from google.protobuf.descriptor import EnumDescriptor

from orchestrator_client.v1 import orchestration_pb2 as pb
from orchestrator_client.v1 import review_pb2, task_pb2


@dataclass
class Task:
    """One task of a spec. For fields not listed here, pass the spec as a dict instead."""

    id: str
    agent: str
    input: str = ""
    # Plain JSON-like values; they become the task's google.protobuf.Struct.
    params: Mapping[str, Any] = field(default_factory=dict)
    depends_on: Sequence[str] = ()
    section: str = ""
    # A duration as protobuf JSON writes it: "30s", "1.5s".
    timeout: str | None = None


@dataclass
class Spec:
    tasks: Sequence[Task]
    input: str = ""
    review_criteria_id: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)


# What submit and orchestrate accept: a Spec, a dict shaped like the proto's JSON (snake_case or
# camelCase keys, durations as "30s"), or the generated message itself.
SpecLike = Spec | Mapping[str, Any] | pb.OrchestrationSpec


def to_spec(spec: SpecLike) -> pb.OrchestrationSpec:
    if isinstance(spec, pb.OrchestrationSpec):
        return spec
    if isinstance(spec, Spec):
        spec = {
            "input": spec.input,
            "review_criteria_id": spec.review_criteria_id,
            "labels": dict(spec.labels),
            "tasks": [_task_dict(task) for task in spec.tasks],
        }
    # ParseDict fills Struct from plain dicts and keeps every field it knows; an unknown key is an
    # error rather than silently dropped.
    return json_format.ParseDict(dict(spec), pb.OrchestrationSpec())


def _task_dict(task: Task) -> dict[str, Any]:
    # ParseDict wants lists and dicts, not any sequence or mapping, and no None.
    fields: dict[str, Any] = {
        "id": task.id,
        "agent": task.agent,
        "input": task.input,
        "params": dict(task.params),
        "depends_on": list(task.depends_on),
        "section": task.section,
    }
    if task.timeout is not None:
        fields["timeout"] = task.timeout
    return fields


def enum_name(enum: EnumDescriptor, number: int) -> str:
    """`TASK_STATE_SUCCEEDED` -> `SUCCEEDED`: the value's name without its type's prefix."""
    value = enum.values_by_number.get(number)
    if value is None:  # A value added by a newer server.
        return str(number)
    prefix = enum.values_by_number[0].name.removesuffix("UNSPECIFIED") if 0 in enum.values_by_number else ""
    return value.name.removeprefix(prefix)


class FieldViolation(NamedTuple):
    """One problem with a request: the field path (`spec.tasks[1].depends_on[0]`) and what is wrong."""

    field: str
    description: str


@dataclass(frozen=True)
class TaskResult:
    task_id: str
    agent: str
    state: str
    output: str
    error: str
    attempts: int


@dataclass(frozen=True)
class Result:
    orchestration_id: str
    state: str
    output: str
    tasks: tuple[TaskResult, ...]
    # The review's verdict ("APPROVED", "REJECTED") and what to change, when it ran.
    verdict: str
    feedback: str
    # Why the orchestration FAILED or was CANCELLED.
    error: str
    raw: pb.OrchestrationResult = field(repr=False, compare=False)


@dataclass(frozen=True)
class Event:
    orchestration_id: str
    sequence: int
    # "accepted", "task", "review", "state_changed" or "completed".
    kind: str
    # For "task": which task.
    task_id: str = ""
    # A TaskState for "task", a ReviewState for "review", an OrchestrationState for
    # "state_changed" and "completed".
    state: str = ""
    attempt: int = 0
    # For "task": the task's error; for "state_changed": the reason; for "completed": result.error.
    error: str = ""
    result: Result | None = None
    # The event as received, for everything the fields above leave out.
    raw: pb.OrchestrationEvent = field(default_factory=pb.OrchestrationEvent, repr=False, compare=False)


_TASK_STATE = task_pb2.TaskState.DESCRIPTOR
_ORCHESTRATION_STATE = pb.OrchestrationState.DESCRIPTOR
_REVIEW_STATE = pb.ReviewState.DESCRIPTOR
_VERDICT = review_pb2.ReviewVerdict.DESCRIPTOR


def to_result(result: pb.OrchestrationResult) -> Result:
    tasks = tuple(
        TaskResult(
            task_id=task.task_id,
            agent=task.agent,
            state=enum_name(_TASK_STATE, task.state),
            output=task.output,
            error=task.error,
            attempts=task.attempts,
        )
        for task in result.tasks
    )
    return Result(
        orchestration_id=result.orchestration_id,
        state=enum_name(_ORCHESTRATION_STATE, result.state),
        output=result.output,
        tasks=tasks,
        verdict=enum_name(_VERDICT, result.review.verdict),
        feedback=result.review.feedback,
        error=result.error,
        raw=result,
    )


def to_event(event: pb.OrchestrationEvent) -> Event:
    kind = event.WhichOneof("kind") or ""
    common: dict[str, Any] = {
        "orchestration_id": event.orchestration_id,
        "sequence": event.sequence,
        "kind": kind,
        "raw": event,
    }
    if kind == "task":
        task = event.task
        return Event(
            **common,
            task_id=task.task_id,
            state=enum_name(_TASK_STATE, task.state),
            attempt=task.attempt,
            error=task.error,
        )
    if kind == "review":
        return Event(**common, state=enum_name(_REVIEW_STATE, event.review.state))
    if kind == "state_changed":
        changed = event.state_changed
        return Event(**common, state=enum_name(_ORCHESTRATION_STATE, changed.state), error=changed.reason)
    if kind == "completed":
        result = to_result(event.completed.result)
        return Event(**common, state=result.state, error=result.error, result=result)
    return Event(**common)
