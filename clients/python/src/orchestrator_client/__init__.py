"""Client for the orchestrator gRPC service (orchestrator.v1).

The generated messages and stubs are in `orchestrator_client.v1` (`orchestration_pb2`,
`orchestration_pb2_grpc`, `review_pb2`, ...); this package adds a small typed layer over them.
"""

from orchestrator_client._client import AsyncClient, Client, decode_error
from orchestrator_client._model import (
    Event,
    FieldViolation,
    Result,
    Spec,
    SpecLike,
    Task,
    TaskResult,
    enum_name,
)

__all__ = [
    "AsyncClient",
    "Client",
    "Event",
    "FieldViolation",
    "Result",
    "Spec",
    "SpecLike",
    "Task",
    "TaskResult",
    "decode_error",
    "enum_name",
]
