"""The duplex event stream of one call: audio in, events out.

:class:`AudioStream` signs each event when it is written (never when it is
queued), under a lock that keeps the signature chain and the write order one
and the same, and waits while the bytes in flight fill the write window.
:class:`TranscriptResultStream` yields typed events; a *pump* task reads the
transport only while the event queue has room, so a consumer that stops
reading makes the service wait (HTTP/2 flow control) instead of growing
memory. A service exception, a decoding error or a lost connection is stored
once and raised to every waiter: the reader, the sender and ``end_stream``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Generic,
    Mapping,
    Optional,
    Type,
    TypeVar,
    Union,
    cast,
)

from .call_analytics import (
    CategoryEvent,
    ConfigurationEvent,
    StartCallAnalyticsStreamTranscriptionResponse,
    UtteranceEvent,
)
from .exceptions import (
    HTTPException,
    SDKError,
    SerializerException,
    TimeoutException,
    ValidationException,
)
from .protocol import EventParser, InputState, OutputState, StreamProtocol
from .transport import DEFAULT_READ_WINDOW, Transport
from .medical import MedicalTranscriptEvent, StartMedicalStreamTranscriptionResponse
from .medical_scribe import (
    MedicalScribeConfigurationEvent,
    MedicalScribeSessionControlEvent,
    MedicalScribeTranscriptEvent,
    StartMedicalScribeStreamResponse,
)
from ._serialize import (
    _audio_event_message,
    _configuration_event_message,
    _json_event_message,
    _medical_scribe_configuration_event_payload,
    _medical_scribe_session_control_event_payload,
)
from .shapes import AudioEvent, StartStreamTranscriptionResponse, TranscriptEvent, UnknownEvent
from ._signer import EventSigner

__all__ = [
    "EventStreamSession",
    "AudioStream",
    "TranscriptResultStream",
    "OutputStream",
    "StartStreamTranscriptionEventStream",
    "CallAnalyticsAudioStream",
    "MedicalScribeInputStream",
    "MedicalTranscriptResultStream",
    "CallAnalyticsTranscriptResultStream",
    "MedicalScribeResultStream",
    "StartMedicalStreamTranscriptionEventStream",
    "StartCallAnalyticsStreamTranscriptionEventStream",
    "StartMedicalScribeStreamEventStream",
]

logger = logging.getLogger("amazon_transcribe.streams")

_Event = TypeVar("_Event")


class EventStreamSession:
    """Drives one call's :class:`~amazon_transcribe.protocol.StreamProtocol` on the event loop.

    The protocol decides (states, signing, decoding, credit); this class
    waits: for room in the write window, for response bytes (in a *pump*
    task, so a service exception reaches the sender even when nobody
    reads), for the reader to take events.

    :param transport: the exchange, response headers already received.
    :param signer: the event signer seeded with the request's signature.
    :param parse: turns each output message into an event.
    :param on_closed: called once when the session is closed.
    :param read_window: the transport's receive window (bounds what is
        buffered, decoded or not, until the reader takes it).
    """

    def __init__(
        self,
        transport: Transport,
        signer: EventSigner,
        parse: EventParser,
        *,
        on_closed: Optional[Callable[["EventStreamSession"], None]] = None,
        read_window: int = DEFAULT_READ_WINDOW,
    ) -> None:
        self._transport = transport
        self._protocol = StreamProtocol(signer, parse, read_window=read_window)
        self._on_closed = on_closed
        self._send_lock = asyncio.Lock()
        self._event_ready = asyncio.Event()
        self._output_done = asyncio.Event()
        self._closed = False
        self._pump = asyncio.get_running_loop().create_task(self._run_pump())

    # -- errors and lifecycle -------------------------------------------------

    @property
    def protocol(self) -> StreamProtocol:
        """The stream's state machine (read it; the session drives it)."""
        return self._protocol

    @property
    def transport(self) -> Transport:
        """The exchange the session writes to and reads from."""
        return self._transport

    @property
    def error(self) -> Optional[SDKError]:
        """The error that ended the stream, if one did."""
        return self._protocol.error

    def _fail(self, error: SDKError) -> None:
        self._protocol.fail(error)
        logger.debug("stream failed: %s", self._protocol.error)
        self._event_ready.set()
        self._release_if_finished()

    def _release_if_finished(self) -> None:
        # Both directions are over (or the stream failed): free the connection.
        if self._protocol.finished:
            self.close()

    def close(self) -> None:
        """Close the connection and stop the pump; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self._protocol.close()
        self._event_ready.set()
        if self._pump is not asyncio.current_task():
            self._pump.cancel()
        self._transport.close()
        if self._on_closed is not None:
            self._on_closed(self)

    async def aclose(self) -> None:
        """Close, and wait (bounded) until the pump and connection are gone."""
        self.close()
        if self._pump is not asyncio.current_task():
            await asyncio.wait({self._pump}, timeout=5)
        await self._transport.aclose()

    @property
    def closed(self) -> bool:
        """Whether the session has been closed."""
        return self._closed

    # -- output side ----------------------------------------------------------

    async def _run_pump(self) -> None:
        try:
            await self._pump_output()
        finally:
            self._output_done.set()

    async def _pump_output(self) -> None:
        # Everything that arrives is decoded at once, so an exception message
        # reaches the sender even when nobody reads. Memory stays bounded
        # because receive credit goes back only as the reader takes events.
        protocol = self._protocol
        try:
            while protocol.output_state is OutputState.OPEN:
                chunk = await self._transport.read()
                if not chunk:
                    protocol.receive_end()
                else:
                    credit = protocol.receive_data(chunk)
                    if credit:
                        self._transport.consumed(credit)
                self._event_ready.set()
        except (HTTPException, SerializerException) as exc:
            protocol.fail(exc)
        except Exception as exc:  # a bug must not leave readers waiting forever
            logger.exception("response pump failed")
            protocol.fail(SDKError(f"internal error reading the response stream: {exc!r}"))
        self._event_ready.set()
        self._release_if_finished()

    async def next_event(self) -> Any:
        """Take the next output event.

        :returns: the next event.
        :raises StopAsyncIteration: the output stream ended cleanly.
        :raises ServiceException: the service reported an error.
        :raises HTTPException: the connection failed or timed out.
        :raises SerializerException: the service sent something unreadable.
        """
        while True:
            try:
                taken = self._protocol.next_event()
            except SDKError:
                self._event_ready.set()
                self._release_if_finished()
                raise
            if taken is not None:
                if taken.credit:
                    self._transport.consumed(taken.credit)
                return taken.event
            self._event_ready.clear()
            await self._event_ready.wait()

    # -- input side -------------------------------------------------------------

    async def _why_ended(self, transport_error: HTTPException) -> SDKError:
        """The error to give a sender whose write found the stream over.

        The service usually said why (an exception message) just before it
        ended the stream, and that message may still be on its way through
        the pump: wait for the pump (briefly) and prefer the service's words.
        """
        if not isinstance(transport_error, TimeoutException):
            waiter = asyncio.ensure_future(self._output_done.wait())
            try:
                await asyncio.wait({waiter}, timeout=2.0)
            finally:
                waiter.cancel()
        self._fail(transport_error)
        return self._protocol.error or transport_error

    async def send_message(self, message: bytes) -> None:
        """Sign and send one encoded input event.

        Waits while the write window is full. The event is signed only once
        there is room, immediately before it is handed to the transport, and
        the lock keeps signing order and write order the same.

        :param message: the encoded inner message.
        :raises StreamClosedError: the input stream has ended.
        :raises SDKError: the stream failed (the stored error is raised).
        """
        async with self._send_lock:
            self._protocol.check_can_send()
            try:
                await self._transport.wait_writable()
            except HTTPException as exc:
                raise await self._why_ended(exc) from None
            # No await between signing and handing over: a cancellation can
            # not leave a signed event unsent and the chain broken.
            envelope = self._protocol.send_event(message)
            try:
                self._transport.write(envelope)
            except HTTPException as exc:
                raise await self._why_ended(exc) from None

    async def end_input(self) -> None:
        """Send the signed end frame, end the request body and wait until written.

        Calling it again after it succeeded does nothing.

        :raises SDKError: the stream failed before the end frame was written.
        """
        async with self._send_lock:
            end_frame = self._protocol.end_input()
            if end_frame is None:
                return
            try:
                self._transport.write(end_frame, end_stream=True)
            except HTTPException as exc:
                raise await self._why_ended(exc) from None
        try:
            await self._transport.drain()
        except HTTPException as exc:
            raise await self._why_ended(exc) from None
        self._release_if_finished()

    @property
    def input_ended(self) -> bool:
        """Whether the end frame has been sent."""
        return self._protocol.input_state is InputState.ENDED


class AudioStream:
    """The input side of a transcription stream: audio events in.

    Made by the client; you only call its methods.

    :param session: the stream session.
    """

    def __init__(self, session: EventStreamSession) -> None:
        self._session = session

    async def send_audio_event(self, audio_chunk: Optional[bytes]) -> None:
        """Send a chunk of audio.

        Waits while the service has not yet taken the bytes already sent
        (bounded window), so a fast producer is slowed down instead of
        queueing without limit.

        :param audio_chunk: audio bytes in the stream's encoding (50–200 ms
            of audio per chunk is what the service recommends).
        :raises StreamClosedError: :meth:`end_stream` was already called.
        :raises ValidationException: ``audio_chunk`` is not bytes.
        :raises ServiceException: the service has ended the stream with an error.
        :raises HTTPException: the connection failed or timed out.
        """
        if audio_chunk is not None and not isinstance(
            audio_chunk, (bytes, bytearray, memoryview)
        ):
            raise ValidationException(
                f"audio_chunk must be bytes, not {type(audio_chunk).__name__}"
            )
        await self._session.send_message(_audio_event_message(audio_chunk or b""))

    async def send_event(self, event: AudioEvent) -> None:
        """Send an :class:`~amazon_transcribe.model.AudioEvent`.

        :param event: the event.
        :raises ValidationException: ``event`` is not an ``AudioEvent``.
        :raises StreamClosedError: :meth:`end_stream` was already called.
        """
        if not isinstance(event, AudioEvent):
            raise ValidationException(f"expected an AudioEvent, got {type(event).__name__}")
        await self.send_audio_event(event.audio_chunk)

    async def end_stream(self) -> None:
        """End the audio: send the signed end frame and end the HTTP/2 request.

        Returns when it has been written. The service then sends its last
        results and ends the output stream. Calling it twice is harmless.

        :raises ServiceException: the service had already ended the stream
            with an error.
        :raises HTTPException: the connection failed.
        """
        await self._session.end_input()

    async def _send_json_event(self, event_type: str, payload: Mapping[str, Any]) -> None:
        await self._session.send_message(_json_event_message(event_type, payload))


class OutputStream(Generic[_Event]):
    """An async iterable of the events of an output stream.

    :param session: the stream session.
    """

    def __init__(self, session: EventStreamSession) -> None:
        self._session = session

    def __aiter__(self) -> AsyncIterator[_Event]:
        # An iterator object, not an async generator: cancelling a waiting
        # __anext__ (a timeout around it, say) leaves the iterator usable.
        return self

    async def __anext__(self) -> _Event:
        event: _Event = await self._session.next_event()
        return event


class TranscriptResultStream(OutputStream[Union[TranscriptEvent, UnknownEvent]]):
    """The events of a StartStreamTranscription call.

    ``async for event in stream`` yields :class:`~amazon_transcribe.model.TranscriptEvent`
    (and :class:`~amazon_transcribe.model.UnknownEvent` for event types this
    SDK does not know) and raises the service's exceptions.
    """


class CallAnalyticsAudioStream(AudioStream):
    """The input side of a call analytics stream: audio, and the configuration first.

    Made by the client; you only call its methods.
    """

    async def send_configuration_event(
        self,
        event: Optional[ConfigurationEvent] = None,
        **members: Any,
    ) -> None:
        """Send the ``ConfigurationEvent``; it must come before any audio.

        Either pass an event, or its members as keyword arguments
        (``channel_definitions=[...]``, ``post_call_analytics_settings=...``).

        :param event: the event.
        :param members: the event's members, when ``event`` is not given.
        :raises ValidationException: both or neither were given, or an
            unknown member.
        :raises StreamClosedError: :meth:`end_stream` was already called.
        :raises ServiceException: the service has ended the stream with an error.
        """
        await self._session.send_message(
            _configuration_event_message(_event_of(ConfigurationEvent, event, members))
        )


class MedicalScribeInputStream(AudioStream):
    """The input side of a HealthScribe stream.

    The configuration event goes first, then audio, then optionally the
    session control event that ends the session for good. Made by the
    client; you only call its methods.
    """

    async def send_configuration_event(
        self,
        event: Optional[MedicalScribeConfigurationEvent] = None,
        **members: Any,
    ) -> None:
        """Send the ``ConfigurationEvent`` (the first event of every stream).

        Either pass a :class:`~amazon_transcribe.medical_scribe.MedicalScribeConfigurationEvent`
        or its members as keyword arguments.

        :param event: the event.
        :param members: the event's members, when ``event`` is not given.
        :raises ValidationException: both or neither were given, or an
            unknown or missing member.
        :raises StreamClosedError: :meth:`end_stream` was already called.
        :raises ServiceException: the service has ended the stream with an error.
        """
        config = _event_of(MedicalScribeConfigurationEvent, event, members)
        await self._send_json_event(
            "ConfigurationEvent", _medical_scribe_configuration_event_payload(config)
        )

    async def send_session_control_event(
        self, event: Optional[MedicalScribeSessionControlEvent] = None, **members: Any
    ) -> None:
        """Send a ``SessionControlEvent``; ``END_OF_SESSION`` (the default) ends the session.

        :param event: the event (``END_OF_SESSION`` when omitted).
        :param members: the event's members (``type=...``), when ``event``
            is not given.
        :raises ValidationException: both were given, or an unknown member.
        :raises StreamClosedError: :meth:`end_stream` was already called.
        :raises ServiceException: the service has ended the stream with an error.
        """
        if event is None and not members:
            event = MedicalScribeSessionControlEvent()
        control = _event_of(MedicalScribeSessionControlEvent, event, members)
        await self._send_json_event(
            "SessionControlEvent", _medical_scribe_session_control_event_payload(control)
        )


_Shape = TypeVar("_Shape")


def _event_of(cls: Type[_Shape], event: Optional[_Shape], members: Mapping[str, Any]) -> _Shape:
    # One way in: an instance, or keyword arguments that build one.
    if event is not None:
        if members:
            raise ValidationException(f"pass either a {cls.__name__} or its members, not both")
        if not isinstance(event, cls):
            raise ValidationException(f"expected a {cls.__name__}, got {type(event).__name__}")
        return event
    try:
        return cls(**members)
    except TypeError as exc:
        raise ValidationException(f"{cls.__name__}: {exc}") from None


class MedicalTranscriptResultStream(OutputStream[Union[MedicalTranscriptEvent, UnknownEvent]]):
    """The events of a StartMedicalStreamTranscription call.

    ``async for event in stream`` yields
    :class:`~amazon_transcribe.medical.MedicalTranscriptEvent` (and
    :class:`~amazon_transcribe.model.UnknownEvent`) and raises the
    operation's exceptions.
    """


class CallAnalyticsTranscriptResultStream(
    OutputStream[Union[UtteranceEvent, CategoryEvent, UnknownEvent]]
):
    """The events of a StartCallAnalyticsStreamTranscription call.

    ``async for event in stream`` yields
    :class:`~amazon_transcribe.call_analytics.UtteranceEvent`,
    :class:`~amazon_transcribe.call_analytics.CategoryEvent` (and
    :class:`~amazon_transcribe.model.UnknownEvent`) and raises the
    operation's exceptions.
    """


class MedicalScribeResultStream(OutputStream[Union[MedicalScribeTranscriptEvent, UnknownEvent]]):
    """The events of a StartMedicalScribeStream call.

    ``async for event in stream`` yields
    :class:`~amazon_transcribe.medical_scribe.MedicalScribeTranscriptEvent`
    (and :class:`~amazon_transcribe.model.UnknownEvent`) and raises the
    operation's exceptions.
    """


_Response = TypeVar("_Response")
_Input = TypeVar("_Input", bound=AudioStream)
_Output = TypeVar("_Output", bound=OutputStream[Any])
_Self = TypeVar("_Self", bound="_StartedStream[Any, Any, Any]")


class _StartedStream(Generic[_Response, _Input, _Output]):
    """What every started duplex call offers: response, input, output, closing.

    Use one as an async context manager (or call :meth:`aclose`) to be sure
    the connection is released however your code exits.

    :param response: the response (effective settings, ids).
    :param session: the stream session.
    :param output_stream: the output stream (the one the response carries);
        a new one on ``session`` when omitted.
    """

    #: The class of the input side.
    input_class: Type[AudioStream] = AudioStream
    #: The class of the output side.
    output_class: Type[OutputStream[Any]] = OutputStream

    def __init__(
        self, response: _Response, session: EventStreamSession, output_stream: Optional[_Output] = None
    ) -> None:
        self._response = response
        self._session = session
        self._input = self.input_class(session)
        self._output = output_stream if output_stream is not None else self.output_class(session)

    @property
    def response(self) -> _Response:
        """The service's response (effective settings, request and session id)."""
        return self._response

    @property
    def input_stream(self) -> _Input:
        """Where input events go."""
        return cast(_Input, self._input)

    @property
    def output_stream(self) -> _Output:
        """Where output events come from."""
        return cast(_Output, self._output)

    async def aclose(self) -> None:
        """Close the stream and its connection now (no end frame is sent)."""
        await self._session.aclose()

    async def __aenter__(self: _Self) -> _Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class StartStreamTranscriptionEventStream(
    _StartedStream[StartStreamTranscriptionResponse, AudioStream, TranscriptResultStream]
):
    """A started transcription: the response, audio in, transcript events out."""

    output_class = TranscriptResultStream


class StartMedicalStreamTranscriptionEventStream(
    _StartedStream[
        StartMedicalStreamTranscriptionResponse, AudioStream, MedicalTranscriptResultStream
    ]
):
    """A started medical transcription: the response, audio in, medical transcript events out."""

    output_class = MedicalTranscriptResultStream


class StartCallAnalyticsStreamTranscriptionEventStream(
    _StartedStream[
        StartCallAnalyticsStreamTranscriptionResponse,
        CallAnalyticsAudioStream,
        CallAnalyticsTranscriptResultStream,
    ]
):
    """A started call analytics transcription: the response, configuration and
    audio in, utterance and category events out."""

    input_class = CallAnalyticsAudioStream
    output_class = CallAnalyticsTranscriptResultStream


class StartMedicalScribeStreamEventStream(
    _StartedStream[
        StartMedicalScribeStreamResponse, MedicalScribeInputStream, MedicalScribeResultStream
    ]
):
    """A started HealthScribe stream: the response, configuration, audio and
    session control in, HealthScribe transcript events out."""

    input_class = MedicalScribeInputStream
    output_class = MedicalScribeResultStream
