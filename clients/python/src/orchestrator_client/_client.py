"""Client (blocking) and AsyncClient (grpc.aio) over the generated OrchestratorService stub."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import grpc
import grpc.aio
from google.rpc import error_details_pb2, status_pb2

from orchestrator_client._model import (
    Event,
    FieldViolation,
    Result,
    SpecLike,
    enum_name,
    to_event,
    to_result,
    to_spec,
)
from orchestrator_client.v1 import orchestration_pb2 as pb
from orchestrator_client.v1 import orchestration_pb2_grpc as pb_grpc

Metadata = Sequence[tuple[str, str]]


def decode_error(error: grpc.RpcError) -> list[FieldViolation]:
    """The google.rpc.BadRequest field violations an INVALID_ARGUMENT error carries, in order.

    They travel in the `grpc-status-details-bin` trailer as a google.rpc.Status; an error
    without them gives an empty list.
    """
    trailers = getattr(error, "trailing_metadata", lambda: None)() or ()
    violations: list[FieldViolation] = []
    for key, value in trailers:
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            bad_request = error_details_pb2.BadRequest()
            if detail.Unpack(bad_request):
                violations.extend(
                    FieldViolation(v.field, v.description) for v in bad_request.field_violations
                )
    return violations


def _metadata(tenant: str | None, token: str | None) -> Metadata:
    metadata = []
    if tenant is not None:
        # Without authentication this names the tenant (else `default`); with it, only an admin
        # may name another tenant than its credentials'.
        metadata.append(("x-tenant-id", tenant))
    if token is not None:
        metadata.append(("authorization", f"Bearer {token}"))
    return tuple(metadata)


def _credentials(secure: bool, credentials: grpc.ChannelCredentials | None) -> grpc.ChannelCredentials | None:
    if credentials is not None:
        return credentials
    # The system's trusted roots; pass `credentials=grpc.ssl_channel_credentials(...)` for a
    # private CA or a client certificate.
    return grpc.ssl_channel_credentials() if secure else None


class Client:
    """A blocking client. `target` is `host:port`; plaintext unless `secure` or `credentials`."""

    def __init__(
        self,
        target: str,
        *,
        tenant: str | None = None,
        token: str | None = None,
        secure: bool = False,
        credentials: grpc.ChannelCredentials | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        creds = _credentials(secure, credentials)
        self.channel: grpc.Channel = (
            grpc.secure_channel(target, creds, options=options)
            if creds is not None
            else grpc.insecure_channel(target, options=options)
        )
        # The generated stub, for the calls this layer does not wrap.
        self.stub = pb_grpc.OrchestratorServiceStub(self.channel)
        self.metadata = _metadata(tenant, token)

    def submit(self, spec: SpecLike, request_id: str | None = None) -> tuple[str, bool]:
        """Starts an orchestration; returns its id and whether it was created (False when
        `request_id` matched an existing one)."""
        request = pb.SubmitOrchestrationRequest(request_id=request_id or "", spec=to_spec(spec))
        response: pb.SubmitOrchestrationResponse = self.stub.SubmitOrchestration(
            request, metadata=self.metadata
        )
        return response.orchestration_id, response.created

    def orchestrate(self, spec: SpecLike, request_id: str | None = None) -> Iterator[Event]:
        """Starts an orchestration and yields its events, `accepted` first, `completed` last."""
        request = pb.OrchestrateRequest(request_id=request_id or "", spec=to_spec(spec))
        for response in self.stub.Orchestrate(request, metadata=self.metadata):
            yield to_event(response.event)

    def watch(self, orchestration_id: str, after_sequence: int = 0) -> Iterator[Event]:
        """Replays an orchestration's events after `after_sequence`, then follows it live."""
        request = pb.StreamStatusRequest(orchestration_id=orchestration_id, after_sequence=after_sequence)
        for response in self.stub.StreamStatus(request, metadata=self.metadata):
            yield to_event(response.event)

    def get(self, orchestration_id: str) -> Result:
        request = pb.GetOrchestrationRequest(orchestration_id=orchestration_id)
        response: pb.GetOrchestrationResponse = self.stub.GetOrchestration(request, metadata=self.metadata)
        return to_result(response.orchestration)

    def cancel(self, orchestration_id: str, reason: str = "") -> str:
        """Cancels a running orchestration; returns its state afterwards."""
        request = pb.CancelOrchestrationRequest(orchestration_id=orchestration_id, reason=reason)
        response: pb.CancelOrchestrationResponse = self.stub.CancelOrchestration(
            request, metadata=self.metadata
        )
        return enum_name(pb.OrchestrationState.DESCRIPTOR, response.state)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient:
    """The same calls on grpc.aio: coroutines, and async iterators of events."""

    def __init__(
        self,
        target: str,
        *,
        tenant: str | None = None,
        token: str | None = None,
        secure: bool = False,
        credentials: grpc.ChannelCredentials | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        creds = _credentials(secure, credentials)
        self.channel: grpc.aio.Channel = (
            grpc.aio.secure_channel(target, creds, options=options)
            if creds is not None
            else grpc.aio.insecure_channel(target, options=options)
        )
        self.stub = pb_grpc.OrchestratorServiceStub(self.channel)
        self.metadata = _metadata(tenant, token)

    async def submit(self, spec: SpecLike, request_id: str | None = None) -> tuple[str, bool]:
        request = pb.SubmitOrchestrationRequest(request_id=request_id or "", spec=to_spec(spec))
        response: pb.SubmitOrchestrationResponse = await self.stub.SubmitOrchestration(
            request, metadata=self.metadata
        )
        return response.orchestration_id, response.created

    async def orchestrate(self, spec: SpecLike, request_id: str | None = None) -> AsyncIterator[Event]:
        request = pb.OrchestrateRequest(request_id=request_id or "", spec=to_spec(spec))
        async for response in self.stub.Orchestrate(request, metadata=self.metadata):
            yield to_event(response.event)

    async def watch(self, orchestration_id: str, after_sequence: int = 0) -> AsyncIterator[Event]:
        request = pb.StreamStatusRequest(orchestration_id=orchestration_id, after_sequence=after_sequence)
        async for response in self.stub.StreamStatus(request, metadata=self.metadata):
            yield to_event(response.event)

    async def get(self, orchestration_id: str) -> Result:
        request = pb.GetOrchestrationRequest(orchestration_id=orchestration_id)
        response: pb.GetOrchestrationResponse = await self.stub.GetOrchestration(
            request, metadata=self.metadata
        )
        return to_result(response.orchestration)

    async def cancel(self, orchestration_id: str, reason: str = "") -> str:
        request = pb.CancelOrchestrationRequest(orchestration_id=orchestration_id, reason=reason)
        response: pb.CancelOrchestrationResponse = await self.stub.CancelOrchestration(
            request, metadata=self.metadata
        )
        return enum_name(pb.OrchestrationState.DESCRIPTOR, response.state)

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
