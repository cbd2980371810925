"""One request stream, served as Amazon Transcribe Streaming serves it.

A :class:`StreamHandler` takes one HTTP/2 request stream from arrival to
end, the same way for every operation (the operation only supplies what is
particular to it, see :mod:`~amazon_transcribe.emulator._operations`):

1. route the request; check its SigV4 signature; validate its headers;
   claim the fault rules for its session id; open an engine session.
   Any failure is answered before the stream starts: HTTP status,
   ``x-amzn-errortype`` and a JSON ``{"Message": ...}`` body.
2. answer ``:status 200`` with the echoed headers, the request id and the
   session id at once, without waiting for audio (data that arrived
   earlier is simply buffered by the channel);
3. decode the body's envelopes incrementally, verify each event signature,
   decode the inner event, check that its type is in the operation's input
   union, hand audio to the engine and send what it returns;
4. on the end frame (or END_STREAM without one, leniently) flush the
   engine's last results and end the response.

Unary operations (GetMedicalScribeStream) stop after step 1: the request
is routed, verified (SigV4 with the empty-body payload hash) and answered
with a JSON body, or with an error response.

Input ordering rules come from the operation: a ``ConfigurationEvent`` is
accepted once and only before any audio (and must come first for
HealthScribe); a ``SessionControlEvent`` ``END_OF_SESSION`` admits no more
audio. HealthScribe streams keep their session's state in
:class:`~amazon_transcribe.emulator._scribe.ScribeSessions`.

Any error after the 200 is sent as one exception message
(``:message-type exception``), after which the response ends and the rest
of the request is refused with ``RST_STREAM(NO_ERROR)``. No audio for
``idle_timeout`` seconds gives the service's ``BadRequestException``; a
stream older than ``max_duration`` gets ``LimitExceededException``; a new
stream with the same session id ends this one with ``ConflictException``.

Engine calls run in the emulator's thread pool when the engine may block,
one at a time per session. Whatever happens to one stream is contained
here: it never disturbs other streams or connections.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import datetime
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Sequence, Tuple, TypeVar

from .._eventstream import DecodeError, EventStreamDecoder, Message, decode_message, encode_message
from ._channel import StreamGone
from ._connection import StreamChannel
from .engine import Engine, EngineOutput, RawEvent, RecognitionSession, Segment, StreamSettings
from .errors import ServiceError, bad_request, conflict, internal_failure, limit_exceeded
from ._validation import check_audio_event_size
from ._input_events import parse_medical_scribe_session_control
from .faults import (
    ConnectionResetFault,
    ExceptionFault,
    FaultRule,
    Faults,
    GoAwayFault,
    HttpErrorFault,
    RstStreamFault,
    SlowReaderFault,
    StallFault,
)
from ._operations import OPERATIONS, Operation, route
from .records import StreamRecord, StreamRecords
from ._scribe import ScribeSessions
from .sigv4 import Clock, EventVerifier, RequestVerifier, VerifiedRequest

__all__ = [
    "ResumableSession",
    "ServiceContext",
    "SessionRegistry",
    "StreamBinding",
    "InputFraming",
    "HTTP2_BINDING",
    "StreamHandler",
    "idle_timeout_message",
    "RESUMED_RESULT_TIMES",
]

#: What result times a resumed stream starts from: ``stream`` (0, like any
#: stream) or ``session`` (where the session's last final result ended).
RESUMED_RESULT_TIMES = ("stream", "session")

_log = logging.getLogger("amazon_transcribe.emulator")
_T = TypeVar("_T")

#: HTTP/2 error codes used here.
_NO_ERROR = 0x0
_INTERNAL_ERROR = 0x2
_CANCEL = 0x8
#: How long sending a final exception message may take before the stream is reset.
ERROR_SEND_TIMEOUT = 5.0
_JSON = "application/json"
_EVENT_STREAM = "application/vnd.amazon.eventstream"


def idle_timeout_message(seconds: float) -> str:
    """The service's message for a stream that received no audio for a while.

    :param seconds: the idle timeout.
    :returns: the message (the service's own text for 15 seconds).
    """
    return (
        f"Your request timed out because no new audio was received for {seconds:g} seconds."
    )


def _duration_text(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{seconds:g} seconds"


@dataclass
class ResumableSession:
    """A session that asked for a ``SessionResumeWindow``.

    :param started_at: when its first stream started (the window counts from it).
    :param window: the window, in seconds.
    :param finalised: the session time (seconds) at the end of its last final result.
    """

    started_at: datetime.datetime
    window: float
    finalised: float = 0.0


class SessionRegistry:
    """The streams currently running, by session id (for ``ConflictException``),
    and the sessions that may be resumed (``SessionResumeWindow``)."""

    def __init__(self) -> None:
        self._streams: Dict[str, StreamHandler] = {}
        self._resumable: Dict[str, ResumableSession] = {}

    def resume_or_start(
        self, session_id: str, window_minutes: int, now: datetime.datetime
    ) -> Tuple[ResumableSession, bool]:
        """Look a session up for a stream that set ``SessionResumeWindow``.

        Inside the window of an earlier stream with the same session id the
        session is resumed; outside it (or the first time) a new session
        starts, with a new window counted from now.

        :param session_id: the stream's session id.
        :param window_minutes: the stream's window, in minutes.
        :param now: the current time.
        :returns: the session and whether it was resumed.
        """
        known = self._resumable.get(session_id)
        if known is not None and (now - known.started_at).total_seconds() < known.window:
            return known, True
        # Sessions whose window has passed are forgotten, so the table stays
        # as small as the sessions that may still come back.
        for stale in [sid for sid, entry in self._resumable.items()
                      if (now - entry.started_at).total_seconds() >= entry.window]:
            del self._resumable[stale]
        fresh = ResumableSession(started_at=now, window=window_minutes * 60.0)
        self._resumable[session_id] = fresh
        return fresh, False

    def register(self, session_id: str, handler: StreamHandler) -> Optional[StreamHandler]:
        """Record that ``handler`` streams ``session_id``.

        :param session_id: the session id.
        :param handler: the new stream.
        :returns: the stream that had this session id until now, if any.
        """
        previous = self._streams.get(session_id)
        self._streams[session_id] = handler
        return previous if previous is not handler else None

    def unregister(self, session_id: str, handler: StreamHandler) -> None:
        """Forget ``handler`` (if it still owns the session id).

        :param session_id: the session id.
        :param handler: the ending stream.
        """
        if self._streams.get(session_id) is handler:
            del self._streams[session_id]

    def __len__(self) -> int:
        return len(self._streams)


@dataclass
class ServiceContext:
    """What every stream handler of one emulator shares.

    :param engine: the recognition engine.
    :param records: where stream records go.
    :param faults: the fault rules.
    :param verifier: checks request signatures (it accepts everything when
        verification is off).
    :param executor: runs blocking engine calls; ``None`` runs them on the
        event loop (only for engines that do not block).
    :param idle_timeout: seconds without audio before the stream fails.
    :param max_duration: seconds a stream may last.
    :param operations: the operations served.
    :param sessions: the running streams by session id.
    :param clock: the clock signatures are checked against (the system
        clock when ``None``; tests inject one).
    :param scribe: the HealthScribe sessions seen (GetMedicalScribeStream).
    :param resumed_result_times: where the result times of a stream that
        resumes a session (``SessionResumeWindow``) start: ``"stream"`` (at
        0) or ``"session"`` (at the end of the session's last final result).
    """

    engine: Engine
    records: StreamRecords
    faults: Faults
    verifier: RequestVerifier
    executor: Optional[concurrent.futures.Executor] = None
    idle_timeout: float = 15.0
    max_duration: float = 4 * 3600.0
    operations: Tuple[Operation, ...] = OPERATIONS
    sessions: SessionRegistry = field(default_factory=SessionRegistry)
    clock: Optional[Clock] = None
    scribe: ScribeSessions = field(default_factory=ScribeSessions)
    resumed_result_times: str = "stream"

    def now(self) -> datetime.datetime:
        """:returns: the current time (the injected clock's, if any)."""
        if self.clock is not None:
            return self.clock()
        return datetime.datetime.now(datetime.timezone.utc)


def _exception_message(error: ServiceError) -> bytes:
    return encode_message(
        {
            ":exception-type": error.error_type,
            ":content-type": _JSON,
            ":message-type": "exception",
        },
        json.dumps({"Message": error.message}).encode("utf-8"),
    )


def _event_message(event_type: str, payload: Mapping[str, Any]) -> bytes:
    return encode_message(
        {":event-type": event_type, ":content-type": _JSON, ":message-type": "event"},
        json.dumps(payload, separators=(",", ":")).encode("utf-8"),
    )


class InputFraming(Protocol):
    """How a stream's input bytes become inner event messages.

    Over HTTP/2 the body is a sequence of signed envelopes
    (:class:`_SignedEnvelopes`); over a WebSocket each binary frame is one
    unsigned message. The handler feeds what the channel reads, then opens
    each unit in order (a stall may pause it between units).
    """

    @property
    def passed(self) -> int:
        """Event signatures that passed so far."""

    @property
    def failed(self) -> int:
        """Event signatures that failed so far."""

    def feed(self, data: bytes) -> Sequence[Any]:
        """Take input bytes. :returns: the complete units in them.
        :raises DecodeError: the bytes are not valid framing."""

    def close(self) -> None:
        """The input ended. :raises DecodeError: inside a unit."""

    def open(self, unit: Any) -> Optional[bytes]:
        """:returns: the unit's inner message, or ``None`` for the end of input.
        :raises ServiceError: the unit is refused (a bad event signature)."""


class _SignedEnvelopes:
    """HTTP/2 input: signed envelopes, each verified on the event chain."""

    def __init__(self, verified: VerifiedRequest, clock: Optional[Clock]) -> None:
        self._decoder = EventStreamDecoder()
        self._events = EventVerifier(verified, clock=clock)

    @property
    def passed(self) -> int:
        return self._events.passed

    @property
    def failed(self) -> int:
        return self._events.failed

    def feed(self, data: bytes) -> Sequence[Any]:
        return self._decoder.feed(data)

    def close(self) -> None:
        self._decoder.close()

    def open(self, unit: Any) -> Optional[bytes]:
        return self._events.verify(unit)


@dataclass(frozen=True)
class StreamBinding:
    """What differs between the ways a stream reaches the emulator (HTTP/2, WebSocket).

    :param route: finds the operation of a request (method, path, the
        operations served).
    :param verify: checks the request's signature with the emulator's verifier.
    :param option_headers: the option headers by lowercase name, from the
        request's path and headers.
    :param input_framing: makes the input framing of a verified request.
    """

    route: Callable[[str, str, Tuple[Operation, ...]], Tuple[Operation, Dict[str, str]]]
    verify: Callable[[RequestVerifier, str, str, Sequence[Tuple[str, str]]], VerifiedRequest]
    option_headers: Callable[[str, Sequence[Tuple[str, str]]], Dict[str, str]]
    input_framing: Callable[[VerifiedRequest, Optional[Clock]], InputFraming]


def _h2_option_headers(path: str, headers: Sequence[Tuple[str, str]]) -> Dict[str, str]:
    return {name.lower(): value for name, value in headers if not name.startswith(":")}


def _h2_verify(
    verifier: RequestVerifier, method: str, path: str, headers: Sequence[Tuple[str, str]]
) -> VerifiedRequest:
    return verifier.verify_request(method, path, headers)


#: Streams over HTTP/2: headers, an ``Authorization`` header, signed envelopes.
HTTP2_BINDING = StreamBinding(
    route=route,
    verify=_h2_verify,
    option_headers=_h2_option_headers,
    input_framing=_SignedEnvelopes,
)


class _Finished(Exception):
    """The stream ended on purpose (a fault); the record says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StreamHandler:
    """Serves one HTTP/2 request stream.

    :param context: what the emulator's handlers share.
    :param channel: the stream.
    :param headers: the request headers as received, pseudo-headers included.
    :param binding: how the stream reaches the emulator (HTTP/2 by default).
    """

    def __init__(
        self,
        context: ServiceContext,
        channel: StreamChannel,
        headers: Sequence[Tuple[str, str]],
        *,
        binding: StreamBinding = HTTP2_BINDING,
    ) -> None:
        self._ctx = context
        self._binding = binding
        self._channel = channel
        self._headers = list(headers)
        self._loop = asyncio.get_running_loop()
        #: The stream's record.
        self.record = context.records.add(
            StreamRecord(
                connection_id=channel.connection.connection_id,
                stream_id=channel.stream_id,
                request_headers=self._headers,
                request_id=str(uuid.uuid4()),
            )
        )
        self._session: Optional[RecognitionSession] = None
        self._inflight: Optional["concurrent.futures.Future[Any]"] = None
        self._rules: List[FaultRule] = []
        self._stalls: List[FaultRule] = []
        self._subscribed = False
        self._registered_session: Optional[str] = None
        self._duration_timer: Optional[asyncio.TimerHandle] = None
        # Input ordering state (configuration before audio, END_OF_SESSION last).
        self._settings: Optional[StreamSettings] = None
        self._audio_seen = False
        self._configured = False
        self._end_of_session = False
        # Whether this stream owns a HealthScribe session's state.
        self._scribe_owner = False
        # SessionResumeWindow: the session this stream belongs to, and where
        # its result times start.
        self._resumable: Optional[ResumableSession] = None
        self._time_offset = 0.0
        # With an injected clock, idle time and duration are measured on it
        # too (checked as input arrives), so tests can simulate hours.
        self._started_on_clock: Optional[datetime.datetime] = None
        self._audio_on_clock: Optional[datetime.datetime] = None

    # -- entry point ----------------------------------------------------------

    async def run(self) -> None:
        """Serve the stream to its end; never raises (except cancellation)."""
        try:
            await self._serve()
        except StreamGone as gone:
            self.record.finish(gone.reason)
        except _Finished as finished:
            self.record.finish(finished.reason)
        except asyncio.CancelledError:
            self.record.finish("server-closed")
            self._channel.reset(_CANCEL)
            raise
        except Exception:
            _log.exception("stream %s: internal error", self._label())
            try:
                await self._fail(internal_failure("The emulator failed to process the stream."))
            except Exception:
                _log.exception("stream %s: could not report the internal error", self._label())
                self._channel.reset(_INTERNAL_ERROR)
        finally:
            self._cleanup()

    def interrupt(self, error: ServiceError) -> None:
        """End the stream with ``error`` at its next read or send.

        :param error: the error to send (e.g. ``ConflictException``).
        """
        self._channel.interrupt(error)

    # -- phases ---------------------------------------------------------------

    async def _serve(self) -> None:
        pseudo = {name: value for name, value in self._headers if name.startswith(":")}
        method = pseudo.get(":method", "")
        path = pseudo.get(":path", "")
        try:
            operation, labels = self._binding.route(method, path, self._ctx.operations)
            self.record.operation = operation.name
            verified = self._binding.verify(self._ctx.verifier, method, path, self._headers)
            self.record.request_signature_valid = verified.signature_valid
            if operation.kind == "unary":
                await self._unary(operation, labels)
                return
            headers = self._binding.option_headers(path, self._headers)
            settings, echo = operation.validate(headers)
            self.record.session_id = settings.session_id
            if operation.scribe_sessions:
                # A completed or failed HealthScribe session is not resumed.
                self._ctx.scribe.check_resumable(settings.session_id)
            self._rules = self._ctx.faults.claim(settings.session_id)
            self._check_http_faults()
            self._session = await self._engine_call(self._ctx.engine.open_session, settings)
        except ServiceError as error:
            await self._respond_error(error)
            return
        try:
            await self._stream(operation, settings, echo, verified)
        except ServiceError as error:
            await self._fail(error)

    def _check_http_faults(self) -> None:
        for rule in self._rules:
            if isinstance(rule.fault, HttpErrorFault):
                self.record.add_fault(rule.fault.kind)
                fault = rule.fault
                raise ServiceError(fault.error_type, fault.message, status=fault.effective_status)

    async def _unary(self, operation: Operation, labels: Mapping[str, str]) -> None:
        """Answer a request/response operation (GetMedicalScribeStream) with JSON.

        :raises ServiceError: the operation's error, answered by the caller.
        """
        session_id = labels.get("SessionId")
        self.record.session_id = session_id
        # Only HTTP error faults mean something without a stream.
        self._rules = self._ctx.faults.claim(session_id)
        self._check_http_faults()
        assert operation.answer is not None
        body = json.dumps(operation.answer(labels, self._ctx.scribe)).encode("utf-8")
        await self._channel.send_headers(
            [
                (":status", "200"),
                ("content-type", _JSON),
                ("content-length", str(len(body))),
                ("x-amzn-request-id", self.record.request_id),
            ]
        )
        self.record.status = 200
        self.record.responded_at = datetime.datetime.now(datetime.timezone.utc)
        await self._channel.send_data(body, end_stream=True)
        self._refuse_rest()
        self.record.finish("completed")

    async def _respond_error(self, error: ServiceError) -> None:
        body = json.dumps({"Message": error.message}).encode("utf-8")
        self.record.status = error.status
        self.record.error = (error.error_type, error.message)
        _log.info(
            "stream %s: %d %s: %s", self._label(), error.status, error.error_type, error.message
        )
        await self._channel.send_headers(
            [
                (":status", str(error.status)),
                ("content-type", _JSON),
                ("content-length", str(len(body))),
                ("x-amzn-errortype", error.error_type),
                ("x-amzn-request-id", self.record.request_id),
            ]
        )
        await self._channel.send_data(body, end_stream=True)
        self._refuse_rest()
        self.record.finish(f"error:{error.error_type}", (error.error_type, error.message))

    async def _stream(
        self,
        operation: Operation,
        settings: StreamSettings,
        echo: List[Tuple[str, str]],
        verified: VerifiedRequest,
    ) -> None:
        self._settings = settings
        previous = self._ctx.sessions.register(settings.session_id, self)
        self._registered_session = settings.session_id
        if previous is not None:
            previous.interrupt(
                conflict(
                    f"A new stream was started with session id {settings.session_id}; "
                    "this stream has been terminated."
                )
            )
        self._join_resumable_session(operation, settings)
        if self._ctx.clock is not None:
            self._started_on_clock = self._audio_on_clock = self._ctx.clock()
        await self._channel.send_headers(
            [
                (":status", "200"),
                ("content-type", _EVENT_STREAM),
                ("x-amzn-request-id", self.record.request_id),
                *echo,
            ]
        )
        self.record.status = 200
        self.record.responded_at = datetime.datetime.now(datetime.timezone.utc)
        self.record.changed()
        self._duration_timer = self._loop.call_later(
            self._ctx.max_duration,
            self._channel.interrupt,
            limit_exceeded(
                "Your stream has exceeded the maximum duration of "
                f"{_duration_text(self._ctx.max_duration)}."
            ),
        )
        for rule in self._rules:
            if isinstance(rule.fault, SlowReaderFault):
                self.record.add_fault(rule.fault.kind)
                self._channel.set_pacing(rule.fault.ack_bytes, rule.fault.interval)
                self._subscribe()
        events = self._binding.input_framing(verified, self._ctx.clock)
        await self._fire_faults(0)
        idle_deadline = self._loop.time() + self._ctx.idle_timeout
        ended = False
        try:
            while not ended:
                if await self._stall_gate(reading=True):
                    idle_deadline = self._loop.time() + self._ctx.idle_timeout
                try:
                    data = await self._channel.read(idle_deadline)
                except asyncio.TimeoutError:
                    raise bad_request(idle_timeout_message(self._ctx.idle_timeout)) from None
                if data is None:
                    # END_STREAM without an end frame: accepted as the end of
                    # input, unless it cut a message short.
                    try:
                        events.close()
                    except DecodeError as exc:
                        raise bad_request(
                            f"The input event stream ended inside a message: {exc}"
                        ) from None
                    break
                try:
                    envelopes = events.feed(data)
                except DecodeError as exc:
                    raise bad_request(f"Invalid input event stream: {exc}") from None
                for index, envelope in enumerate(envelopes):
                    if index and await self._stall_gate(reading=True):
                        # A stall stops reading between the events of one
                        # chunk of input too.
                        idle_deadline = self._loop.time() + self._ctx.idle_timeout
                    inner = self._verify(events, envelope)
                    if inner is None:
                        ended = True
                        self.record.end_frame_received = True
                        continue
                    if await self._on_event(operation, settings, inner):
                        idle_deadline = self._loop.time() + self._ctx.idle_timeout
        finally:
            self.record.signatures_passed = events.passed
            self.record.signatures_failed = events.failed
        session = self._session
        assert session is not None
        outputs = await self._engine_call(session.finish)
        await self._send_outputs(operation, self._settings, outputs)
        await self._stall_gate(reading=False)
        self._release_scribe(None)
        await self._channel.send_data(b"", end_stream=True)
        self.record.finish("completed")
        _log.info(
            "stream %s: completed (%d audio events, %d bytes)",
            self._label(),
            self.record.audio_events,
            self.record.audio_bytes,
        )

    def _join_resumable_session(self, operation: Operation, settings: StreamSettings) -> None:
        """Resume the stream's session inside its ``SessionResumeWindow``."""
        window = settings.headers.get("x-amzn-transcribe-session-resume-window")
        if operation.name != "StartStreamTranscription" or not window:
            return
        session, resumed = self._ctx.sessions.resume_or_start(
            settings.session_id, int(window), self._ctx.now()
        )
        self._resumable = session
        self.record.resumed = resumed
        if resumed and self._ctx.resumed_result_times == "session":
            self._time_offset = session.finalised
            self.record.time_offset = session.finalised

    def _check_clock_timeouts(self) -> None:
        """With an injected clock: the idle timeout and maximum duration, on it."""
        if self._ctx.clock is None or self._started_on_clock is None:
            return
        now = self._ctx.clock()
        last_audio = self._audio_on_clock or self._started_on_clock
        if (now - last_audio).total_seconds() > self._ctx.idle_timeout:
            raise bad_request(idle_timeout_message(self._ctx.idle_timeout))
        if (now - self._started_on_clock).total_seconds() > self._ctx.max_duration:
            raise limit_exceeded(
                "Your stream has exceeded the maximum duration of "
                f"{_duration_text(self._ctx.max_duration)}."
            )
        self._audio_on_clock = now

    def _verify(self, events: InputFraming, envelope: Any) -> Optional[bytes]:
        try:
            return events.open(envelope)
        finally:
            self.record.signatures_passed = events.passed
            self.record.signatures_failed = events.failed

    async def _on_event(
        self, operation: Operation, settings: StreamSettings, inner: bytes
    ) -> bool:
        """Handle one inner event. :returns: whether it carried new audio.

        ``settings`` are the stream's settings at its start; a configuration
        event replaces them (``self._settings``) for what follows.
        """
        try:
            message = decode_message(inner)
        except DecodeError as exc:
            raise bad_request(f"The event inside a signed envelope is not valid: {exc}") from None
        message_type = message.headers.get(":message-type")
        if message_type != "event":
            raise bad_request(
                f"Input messages must have :message-type 'event', got {message_type!r}."
            )
        event_type = message.headers.get(":event-type")
        if not isinstance(event_type, str) or event_type not in operation.input_events:
            accepted = ", ".join(sorted(operation.input_events))
            raise bad_request(
                f"Unknown event type {event_type!r}: the {operation.input_union} input "
                f"stream of {operation.name} accepts {accepted}."
            )
        if event_type == "ConfigurationEvent" and operation.configuration is not None:
            await self._on_configuration(operation, message.payload)
            return False
        if operation.configuration_first and not self._configured:
            raise bad_request(
                f"The first event of the {operation.input_union} input stream of "
                f"{operation.name} must be a ConfigurationEvent, not {event_type}."
            )
        if event_type == "SessionControlEvent" and operation.session_control:
            self._on_session_control(message.payload)
            return False
        if event_type != operation.audio_event:
            # A ConfigurationEvent means nothing to this operation; the union
            # allows it, so it is accepted and ignored.
            self.record.input_events += 1
            self.record.changed()
            return False
        if self._end_of_session:
            raise bad_request(
                "Audio arrived after the SessionControlEvent END_OF_SESSION; the session "
                "has ended."
            )
        self._audio_seen = True
        self._check_clock_timeouts()
        session = self._session
        assert session is not None and self._settings is not None
        check_audio_event_size(self._settings, len(message.payload))
        self.record.add_audio(message.payload)
        outputs = await self._engine_call(session.accept_audio, message.payload)
        await self._send_outputs(operation, self._settings, outputs)
        await self._fire_faults(self.record.audio_events)
        return bool(message.payload)

    async def _on_configuration(self, operation: Operation, payload: bytes) -> None:
        """Accept the stream's ConfigurationEvent: once, before any audio."""
        assert operation.configuration is not None and self._settings is not None
        if self._audio_seen:
            raise bad_request(
                f"A ConfigurationEvent was received after audio. The {operation.name} input "
                "stream accepts a ConfigurationEvent only as its first event."
            )
        if self._configured:
            raise bad_request(
                f"A second ConfigurationEvent was received; {operation.name} accepts one."
            )
        if self._end_of_session:
            raise bad_request("A ConfigurationEvent arrived after END_OF_SESSION.")
        configuration = operation.configuration(payload, self._settings.headers)
        settings = dataclasses.replace(self._settings, configuration=configuration)
        if configuration.get("ChannelDefinitions"):
            # Two channel definitions: stereo audio, one participant per channel.
            settings = dataclasses.replace(settings, channels=2, channel_identification=True)
        if operation.scribe_sessions:
            self._ctx.scribe.configured(settings, self)
            self._scribe_owner = True
        self._configured = True
        self._settings = settings
        self.record.input_events += 1
        self.record.changed()
        session = self._session
        assert session is not None
        outputs = await self._engine_call(session.configure, settings)
        await self._send_outputs(operation, settings, outputs)

    def _on_session_control(self, payload: bytes) -> None:
        assert self._settings is not None
        if self._end_of_session:
            raise bad_request("END_OF_SESSION was already received for this stream.")
        parse_medical_scribe_session_control(payload)
        self._end_of_session = True
        self._ctx.scribe.end_of_session(self._settings.session_id, self)
        self.record.input_events += 1
        self.record.changed()

    async def _send_outputs(
        self, operation: Operation, settings: StreamSettings, outputs: Sequence[EngineOutput]
    ) -> None:
        for output in outputs:
            if isinstance(output, Segment):
                output = self._session_timed(output)
                event_type, payload = operation.serialize(output, settings)
            elif isinstance(output, RawEvent):
                event_type, payload = output.event_type, dict(output.payload)
            else:
                raise TypeError(f"the engine returned {type(output).__name__}, not an output")
            message = _event_message(event_type, payload)
            await self._stall_gate(reading=False)
            await self._channel.send_data(message)
            self.record.events_sent += 1

    def _session_timed(self, segment: Segment) -> Segment:
        """Shift a resumed stream's result times; remember the last final's end."""
        offset = self._time_offset
        if offset:
            segment = dataclasses.replace(
                segment,
                start_time=round(segment.start_time + offset, 3),
                end_time=round(segment.end_time + offset, 3),
                words=tuple(
                    dataclasses.replace(
                        word,
                        start_time=round(word.start_time + offset, 3),
                        end_time=round(word.end_time + offset, 3),
                    )
                    for word in segment.words
                ),
            )
        if self._resumable is not None and not segment.is_partial:
            self._resumable.finalised = max(self._resumable.finalised, segment.end_time)
        return segment

    # -- errors ---------------------------------------------------------------

    async def _fail(self, error: ServiceError) -> None:
        """End the stream with an exception message (or a reset if it cannot be sent)."""
        self.record.error = (error.error_type, error.message)
        self._release_scribe(error)
        reason = f"error:{error.error_type}"
        _log.info("stream %s: %s: %s", self._label(), error.error_type, error.message)
        if self.record.status is None:
            # Failed before the response started (an internal error).
            try:
                await self._respond_error(error)
            except StreamGone as gone:
                self.record.finish(gone.reason)
            return
        try:
            if self._channel.can_send_message:
                # Bounded: a client that stopped reading must not hold the
                # stream (asyncio.wait, unlike wait_for on Python <= 3.11,
                # never swallows a cancellation of this task).
                sending = asyncio.ensure_future(self._send_exception(error))
                try:
                    await asyncio.wait({sending}, timeout=ERROR_SEND_TIMEOUT)
                finally:
                    if not sending.done():
                        sending.cancel()
                        self._channel.reset(_INTERNAL_ERROR)
                if sending.done() and not sending.cancelled():
                    sending.result()
                    self._refuse_rest()
            else:
                self._channel.reset(_INTERNAL_ERROR)
        except StreamGone as gone:
            reason = gone.reason
        except ServiceError:
            # A second interrupt while sending the first error: give up cleanly.
            self._channel.reset(_INTERNAL_ERROR)
        self.record.finish(reason, (error.error_type, error.message))

    async def _send_exception(self, error: ServiceError) -> None:
        await self._stall_gate(reading=False)
        await self._channel.send_data(_exception_message(error), end_stream=True)

    def _refuse_rest(self) -> None:
        # RFC 9113 §8.1: after a complete response the server may ask the
        # client to stop sending with RST_STREAM(NO_ERROR).
        if self._channel.remote_open:
            self._channel.reset(_NO_ERROR)

    # -- faults ---------------------------------------------------------------

    async def _fire_faults(self, audio_events: int) -> None:
        for rule in self._rules:
            fault = rule.fault
            if isinstance(fault, (HttpErrorFault, SlowReaderFault)):
                continue
            if fault.after_events != audio_events:
                continue
            self.record.add_fault(fault.kind)
            _log.info("stream %s: injecting %r", self._label(), fault)
            if isinstance(fault, ExceptionFault):
                raise ServiceError(fault.error_type, fault.message)
            if isinstance(fault, ConnectionResetFault):
                self._channel.connection.abort("fault:reset")
                raise _Finished("fault:reset")
            if isinstance(fault, RstStreamFault):
                self._channel.reset(fault.error_code)
                raise _Finished("fault:rst-stream")
            if isinstance(fault, GoAwayFault):
                self._channel.connection.goaway(fault.error_code, "fault:goaway")
                raise _Finished("fault:goaway")
            if isinstance(fault, StallFault):
                self._stalls.append(rule)
                self._subscribe()

    def _subscribe(self) -> None:
        if not self._subscribed:
            self._ctx.faults.subscribe(self._on_faults_changed)
            self._subscribed = True

    def _on_faults_changed(self) -> None:
        for rule in self._rules:
            if isinstance(rule.fault, SlowReaderFault) and not rule.active:
                self._channel.clear_pacing()
        self._channel.wake()

    def _stalled(self, reading: bool) -> bool:
        for rule in self._stalls:
            if not rule.active:
                continue
            assert isinstance(rule.fault, StallFault)
            if rule.fault.reading if reading else rule.fault.sending:
                return True
        return False

    async def _stall_gate(self, *, reading: bool) -> bool:
        """Wait while a stall fault holds this direction.

        :returns: whether it waited (timers restart after a stall).
        :raises StreamGone: the client gave up meanwhile.
        """
        waited = False
        while self._stalled(reading):
            waited = True
            await self._channel.wait_changed()
        return waited

    # -- engine ---------------------------------------------------------------

    async def _engine_call(self, function: Callable[..., _T], *args: Any) -> _T:
        """Call the engine, in the pool when it may block; errors become ServiceErrors."""
        try:
            executor = self._ctx.executor
            if executor is None or not self._ctx.engine.blocking:
                return function(*args)
            future = executor.submit(function, *args)
            self._inflight = future
            return await asyncio.wrap_future(future)
        except ServiceError:
            raise
        except Exception as exc:
            _log.exception("stream %s: the engine failed", self._label())
            raise internal_failure(f"The recognition engine failed: {exc}") from exc

    def _close_session(self) -> None:
        session = self._session
        if session is None:
            return
        self._session = None

        def close(_: object = None) -> None:
            try:
                session.close()
            except Exception:
                _log.exception("stream %s: closing the engine session failed", self._label())

        inflight = self._inflight
        if inflight is not None and not inflight.done():
            # A blocking call still runs in the pool (the stream was
            # cancelled under it): close after it, never concurrently.
            inflight.add_done_callback(close)
        else:
            close()

    # -- cleanup ----------------------------------------------------------------

    def _cleanup(self) -> None:
        if self._duration_timer is not None:
            self._duration_timer.cancel()
        if self._subscribed:
            self._ctx.faults.unsubscribe(self._on_faults_changed)
        if self._registered_session is not None:
            self._ctx.sessions.unregister(self._registered_session, self)
        error = self.record.error
        self._release_scribe(ServiceError(error[0], error[1]) if error is not None else None)
        self._close_session()
        self._channel.release()
        if not self.record.ended:
            self.record.finish("server-closed")

    def _release_scribe(self, error: Optional[ServiceError]) -> None:
        # Called before the response ends (so a client that reads the end
        # and then asks GetMedicalScribeStream sees the new state) and again
        # at cleanup for streams that ended otherwise; only the first counts.
        if self._scribe_owner and self._settings is not None:
            self._scribe_owner = False
            self._ctx.scribe.ended(self._settings.session_id, self, error)

    def _label(self) -> str:
        session = self.record.session_id or "-"
        return f"{self.record.connection_id}/{self._channel.stream_id} (session {session})"
