import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from orchestrator_client.v1 import review_pb2 as _review_pb2
from orchestrator_client.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReviewState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_STATE_UNSPECIFIED: _ClassVar[ReviewState]
    REVIEW_STATE_STARTED: _ClassVar[ReviewState]
    REVIEW_STATE_DECIDED: _ClassVar[ReviewState]

class OrchestrationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORCHESTRATION_STATE_UNSPECIFIED: _ClassVar[OrchestrationState]
    ORCHESTRATION_STATE_PENDING: _ClassVar[OrchestrationState]
    ORCHESTRATION_STATE_RUNNING: _ClassVar[OrchestrationState]
    ORCHESTRATION_STATE_REVIEWING: _ClassVar[OrchestrationState]
    ORCHESTRATION_STATE_AWAITING_HUMAN: _ClassVar[OrchestrationState]
    ORCHESTRATION_STATE_APPROVED: _ClassVar[OrchestrationState]
    ORCHESTRATION_STATE_REJECTED: _ClassVar[OrchestrationState]
    ORCHESTRATION_STATE_FAILED: _ClassVar[OrchestrationState]
    ORCHESTRATION_STATE_CANCELLED: _ClassVar[OrchestrationState]

class OrchestrationView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORCHESTRATION_VIEW_UNSPECIFIED: _ClassVar[OrchestrationView]
    ORCHESTRATION_VIEW_BASIC: _ClassVar[OrchestrationView]
    ORCHESTRATION_VIEW_ESCALATION: _ClassVar[OrchestrationView]
REVIEW_STATE_UNSPECIFIED: ReviewState
REVIEW_STATE_STARTED: ReviewState
REVIEW_STATE_DECIDED: ReviewState
ORCHESTRATION_STATE_UNSPECIFIED: OrchestrationState
ORCHESTRATION_STATE_PENDING: OrchestrationState
ORCHESTRATION_STATE_RUNNING: OrchestrationState
ORCHESTRATION_STATE_REVIEWING: OrchestrationState
ORCHESTRATION_STATE_AWAITING_HUMAN: OrchestrationState
ORCHESTRATION_STATE_APPROVED: OrchestrationState
ORCHESTRATION_STATE_REJECTED: OrchestrationState
ORCHESTRATION_STATE_FAILED: OrchestrationState
ORCHESTRATION_STATE_CANCELLED: OrchestrationState
ORCHESTRATION_VIEW_UNSPECIFIED: OrchestrationView
ORCHESTRATION_VIEW_BASIC: OrchestrationView
ORCHESTRATION_VIEW_ESCALATION: OrchestrationView

class OrchestrationSpec(_message.Message):
    __slots__ = ("tasks", "input", "review_criteria_id", "default_task_timeout", "default_retry_policy", "max_parallelism", "labels", "max_output_bytes")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TASKS_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    REVIEW_CRITERIA_ID_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_TASK_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_RETRY_POLICY_FIELD_NUMBER: _ClassVar[int]
    MAX_PARALLELISM_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[TaskSpec]
    input: str
    review_criteria_id: str
    default_task_timeout: _duration_pb2.Duration
    default_retry_policy: RetryPolicy
    max_parallelism: int
    labels: _containers.ScalarMap[str, str]
    max_output_bytes: int
    def __init__(self, tasks: _Optional[_Iterable[_Union[TaskSpec, _Mapping]]] = ..., input: _Optional[str] = ..., review_criteria_id: _Optional[str] = ..., default_task_timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., default_retry_policy: _Optional[_Union[RetryPolicy, _Mapping]] = ..., max_parallelism: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., max_output_bytes: _Optional[int] = ...) -> None: ...

class TaskSpec(_message.Message):
    __slots__ = ("id", "agent", "input", "params", "depends_on", "timeout", "retry_policy", "section", "max_output_bytes")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    RETRY_POLICY_FIELD_NUMBER: _ClassVar[int]
    SECTION_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent: str
    input: str
    params: _struct_pb2.Struct
    depends_on: _containers.RepeatedScalarFieldContainer[str]
    timeout: _duration_pb2.Duration
    retry_policy: RetryPolicy
    section: str
    max_output_bytes: int
    def __init__(self, id: _Optional[str] = ..., agent: _Optional[str] = ..., input: _Optional[str] = ..., params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., depends_on: _Optional[_Iterable[str]] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., retry_policy: _Optional[_Union[RetryPolicy, _Mapping]] = ..., section: _Optional[str] = ..., max_output_bytes: _Optional[int] = ...) -> None: ...

class RetryPolicy(_message.Message):
    __slots__ = ("max_retries", "initial_backoff", "max_backoff", "multiplier", "disable_jitter")
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    INITIAL_BACKOFF_FIELD_NUMBER: _ClassVar[int]
    MAX_BACKOFF_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    DISABLE_JITTER_FIELD_NUMBER: _ClassVar[int]
    max_retries: int
    initial_backoff: _duration_pb2.Duration
    max_backoff: _duration_pb2.Duration
    multiplier: float
    disable_jitter: bool
    def __init__(self, max_retries: _Optional[int] = ..., initial_backoff: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_backoff: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., multiplier: _Optional[float] = ..., disable_jitter: _Optional[bool] = ...) -> None: ...

class OrchestrateRequest(_message.Message):
    __slots__ = ("request_id", "spec")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    spec: OrchestrationSpec
    def __init__(self, request_id: _Optional[str] = ..., spec: _Optional[_Union[OrchestrationSpec, _Mapping]] = ...) -> None: ...

class OrchestrateResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: OrchestrationEvent
    def __init__(self, event: _Optional[_Union[OrchestrationEvent, _Mapping]] = ...) -> None: ...

class SubmitOrchestrationRequest(_message.Message):
    __slots__ = ("request_id", "spec")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    spec: OrchestrationSpec
    def __init__(self, request_id: _Optional[str] = ..., spec: _Optional[_Union[OrchestrationSpec, _Mapping]] = ...) -> None: ...

class SubmitOrchestrationResponse(_message.Message):
    __slots__ = ("orchestration_id", "created")
    ORCHESTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    orchestration_id: str
    created: bool
    def __init__(self, orchestration_id: _Optional[str] = ..., created: _Optional[bool] = ...) -> None: ...

class StreamStatusRequest(_message.Message):
    __slots__ = ("orchestration_id", "after_sequence")
    ORCHESTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    orchestration_id: str
    after_sequence: int
    def __init__(self, orchestration_id: _Optional[str] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class StreamStatusResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: OrchestrationEvent
    def __init__(self, event: _Optional[_Union[OrchestrationEvent, _Mapping]] = ...) -> None: ...

class OrchestrationEvent(_message.Message):
    __slots__ = ("orchestration_id", "sequence", "time", "accepted", "task", "review", "completed", "state_changed")
    ORCHESTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    STATE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    orchestration_id: str
    sequence: int
    time: _timestamp_pb2.Timestamp
    accepted: OrchestrationAccepted
    task: TaskUpdate
    review: ReviewUpdate
    completed: OrchestrationCompleted
    state_changed: OrchestrationStateChanged
    def __init__(self, orchestration_id: _Optional[str] = ..., sequence: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accepted: _Optional[_Union[OrchestrationAccepted, _Mapping]] = ..., task: _Optional[_Union[TaskUpdate, _Mapping]] = ..., review: _Optional[_Union[ReviewUpdate, _Mapping]] = ..., completed: _Optional[_Union[OrchestrationCompleted, _Mapping]] = ..., state_changed: _Optional[_Union[OrchestrationStateChanged, _Mapping]] = ...) -> None: ...

class OrchestrationAccepted(_message.Message):
    __slots__ = ("plan", "wave_count", "review_criteria_id", "review_criteria_version", "run", "request_id")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    WAVE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVIEW_CRITERIA_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_CRITERIA_VERSION_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    plan: _containers.RepeatedCompositeFieldContainer[PlannedTask]
    wave_count: int
    review_criteria_id: str
    review_criteria_version: int
    run: int
    request_id: str
    def __init__(self, plan: _Optional[_Iterable[_Union[PlannedTask, _Mapping]]] = ..., wave_count: _Optional[int] = ..., review_criteria_id: _Optional[str] = ..., review_criteria_version: _Optional[int] = ..., run: _Optional[int] = ..., request_id: _Optional[str] = ...) -> None: ...

class PlannedTask(_message.Message):
    __slots__ = ("task_id", "agent", "wave", "depends_on", "section")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    WAVE_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    SECTION_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    agent: str
    wave: int
    depends_on: _containers.RepeatedScalarFieldContainer[str]
    section: str
    def __init__(self, task_id: _Optional[str] = ..., agent: _Optional[str] = ..., wave: _Optional[int] = ..., depends_on: _Optional[_Iterable[str]] = ..., section: _Optional[str] = ...) -> None: ...

class TaskUpdate(_message.Message):
    __slots__ = ("task_id", "state", "attempt", "wave", "error", "retry_in", "elapsed", "run")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    WAVE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RETRY_IN_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    state: _task_pb2.TaskState
    attempt: int
    wave: int
    error: str
    retry_in: _duration_pb2.Duration
    elapsed: _duration_pb2.Duration
    run: int
    def __init__(self, task_id: _Optional[str] = ..., state: _Optional[_Union[_task_pb2.TaskState, str]] = ..., attempt: _Optional[int] = ..., wave: _Optional[int] = ..., error: _Optional[str] = ..., retry_in: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., elapsed: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., run: _Optional[int] = ...) -> None: ...

class ReviewUpdate(_message.Message):
    __slots__ = ("state", "decision", "run")
    STATE_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    state: ReviewState
    decision: _review_pb2.ReviewDecision
    run: int
    def __init__(self, state: _Optional[_Union[ReviewState, str]] = ..., decision: _Optional[_Union[_review_pb2.ReviewDecision, _Mapping]] = ..., run: _Optional[int] = ...) -> None: ...

class OrchestrationStateChanged(_message.Message):
    __slots__ = ("state", "reason")
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    state: OrchestrationState
    reason: str
    def __init__(self, state: _Optional[_Union[OrchestrationState, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class OrchestrationCompleted(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: OrchestrationResult
    def __init__(self, result: _Optional[_Union[OrchestrationResult, _Mapping]] = ...) -> None: ...

class OrchestrationResult(_message.Message):
    __slots__ = ("orchestration_id", "request_id", "state", "tasks", "output", "review", "review_criteria_id", "review_criteria_version", "decision_id", "create_time", "end_time", "total_duration", "runs", "error", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ORCHESTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    REVIEW_CRITERIA_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_CRITERIA_VERSION_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DURATION_FIELD_NUMBER: _ClassVar[int]
    RUNS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    orchestration_id: str
    request_id: str
    state: OrchestrationState
    tasks: _containers.RepeatedCompositeFieldContainer[_task_pb2.TaskResult]
    output: str
    review: _review_pb2.ReviewDecision
    review_criteria_id: str
    review_criteria_version: int
    decision_id: str
    create_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    total_duration: _duration_pb2.Duration
    runs: int
    error: str
    labels: _containers.ScalarMap[str, str]
    def __init__(self, orchestration_id: _Optional[str] = ..., request_id: _Optional[str] = ..., state: _Optional[_Union[OrchestrationState, str]] = ..., tasks: _Optional[_Iterable[_Union[_task_pb2.TaskResult, _Mapping]]] = ..., output: _Optional[str] = ..., review: _Optional[_Union[_review_pb2.ReviewDecision, _Mapping]] = ..., review_criteria_id: _Optional[str] = ..., review_criteria_version: _Optional[int] = ..., decision_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., total_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., runs: _Optional[int] = ..., error: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetOrchestrationRequest(_message.Message):
    __slots__ = ("orchestration_id", "view")
    ORCHESTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    orchestration_id: str
    view: OrchestrationView
    def __init__(self, orchestration_id: _Optional[str] = ..., view: _Optional[_Union[OrchestrationView, str]] = ...) -> None: ...

class GetOrchestrationResponse(_message.Message):
    __slots__ = ("orchestration", "escalated_output")
    ORCHESTRATION_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    orchestration: OrchestrationResult
    escalated_output: str
    def __init__(self, orchestration: _Optional[_Union[OrchestrationResult, _Mapping]] = ..., escalated_output: _Optional[str] = ...) -> None: ...

class ListOrchestrationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "states", "request_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    states: _containers.RepeatedScalarFieldContainer[OrchestrationState]
    request_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., states: _Optional[_Iterable[_Union[OrchestrationState, str]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListOrchestrationsResponse(_message.Message):
    __slots__ = ("orchestrations", "next_page_token")
    ORCHESTRATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    orchestrations: _containers.RepeatedCompositeFieldContainer[OrchestrationResult]
    next_page_token: str
    def __init__(self, orchestrations: _Optional[_Iterable[_Union[OrchestrationResult, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelOrchestrationRequest(_message.Message):
    __slots__ = ("orchestration_id", "reason")
    ORCHESTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    orchestration_id: str
    reason: str
    def __init__(self, orchestration_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelOrchestrationResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: OrchestrationState
    def __init__(self, state: _Optional[_Union[OrchestrationState, str]] = ...) -> None: ...

class ResolveEscalationRequest(_message.Message):
    __slots__ = ("orchestration_id", "approve", "reviewer", "comment")
    ORCHESTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    orchestration_id: str
    approve: bool
    reviewer: str
    comment: str
    def __init__(self, orchestration_id: _Optional[str] = ..., approve: _Optional[bool] = ..., reviewer: _Optional[str] = ..., comment: _Optional[str] = ...) -> None: ...

class ResolveEscalationResponse(_message.Message):
    __slots__ = ("orchestration",)
    ORCHESTRATION_FIELD_NUMBER: _ClassVar[int]
    orchestration: OrchestrationResult
    def __init__(self, orchestration: _Optional[_Union[OrchestrationResult, _Mapping]] = ...) -> None: ...

class ListAgentsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAgentsResponse(_message.Message):
    __slots__ = ("agents",)
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[AgentInfo]
    def __init__(self, agents: _Optional[_Iterable[_Union[AgentInfo, _Mapping]]] = ...) -> None: ...

class GetCallerRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCallerResponse(_message.Message):
    __slots__ = ("principal", "tenant", "roles", "permissions", "authenticated")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATED_FIELD_NUMBER: _ClassVar[int]
    principal: str
    tenant: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    permissions: _containers.RepeatedScalarFieldContainer[str]
    authenticated: bool
    def __init__(self, principal: _Optional[str] = ..., tenant: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., permissions: _Optional[_Iterable[str]] = ..., authenticated: _Optional[bool] = ...) -> None: ...

class AgentInfo(_message.Message):
    __slots__ = ("name", "kind", "description", "max_concurrency")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: str
    description: str
    max_concurrency: int
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[str] = ..., description: _Optional[str] = ..., max_concurrency: _Optional[int] = ...) -> None: ...
