from google.protobuf import struct_pb2 as _struct_pb2
from orchestrator_client.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InvokeRequest(_message.Message):
    __slots__ = ("orchestration_id", "task_id", "attempt", "idempotency_key", "input", "params", "dependency_outputs", "review_feedback", "run", "orchestration_input")
    class DependencyOutputsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ORCHESTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCY_OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    ORCHESTRATION_INPUT_FIELD_NUMBER: _ClassVar[int]
    orchestration_id: str
    task_id: str
    attempt: int
    idempotency_key: str
    input: str
    params: _struct_pb2.Struct
    dependency_outputs: _containers.ScalarMap[str, str]
    review_feedback: str
    run: int
    orchestration_input: str
    def __init__(self, orchestration_id: _Optional[str] = ..., task_id: _Optional[str] = ..., attempt: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., input: _Optional[str] = ..., params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., dependency_outputs: _Optional[_Mapping[str, str]] = ..., review_feedback: _Optional[str] = ..., run: _Optional[int] = ..., orchestration_input: _Optional[str] = ...) -> None: ...

class InvokeResponse(_message.Message):
    __slots__ = ("output", "confidence", "usage")
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    output: str
    confidence: float
    usage: _task_pb2.TokenUsage
    def __init__(self, output: _Optional[str] = ..., confidence: _Optional[float] = ..., usage: _Optional[_Union[_task_pb2.TokenUsage, _Mapping]] = ...) -> None: ...
