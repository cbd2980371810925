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
import collections
import logging
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Deque,
    Generic,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from .deserialize import output_event
from .eventstream import DecodeError, EventStreamDecoder, Message
from .exceptions import (
    SERVICE_EXCEPTIONS,
    HTTPException,
    SDKError,
    SerializerException,
    ServiceException,
    StreamClosedError,
    TimeoutException,
    ValidationException,
)
from .httpsession import DEFAULT_READ_WINDOW, HTTP2Stream
from .serialize import audio_event_message, json_event_message
from .shapes import AudioEvent, StartStreamTranscriptionResponse, TranscriptEvent, UnknownEvent
from .signer import EventSigner

__all__ = [
    "EventStreamSession",
    "AudioStream",
    "TranscriptResultStream",
    "OutputStream",
    "StartStreamTranscriptionEventStream",
    "transcript_parser",
]

logger = logging.getLogger("amazon_transcribe.streams")

_Event = TypeVar("_Event")

#: Turns an output message into an event (raises for exception messages).
EventParser = Callable[[Message], Any]


class EventStreamSession:
    """The state shared by the input and output side of one call.

    :param transport: the HTTP/2 stream, response headers already received.
    :param signer: the event signer seeded with the request's signature.
    :param parse: turns each output message into an event.
    :param on_closed: called once when the session is closed.
    :param read_window: the transport's receive window (bounds what is
        buffered, decoded or not, until the reader takes it).
    """

    def __init__(
        self,
        transport: HTTP2Stream,
        signer: EventSigner,
        parse: EventParser,
        *,
        on_closed: Optional[Callable[["EventStreamSession"], None]] = None,
        read_window: int = DEFAULT_READ_WINDOW,
    ) -> None:
        self._transport = transport
        self._signer = signer
        self._parse = parse
        self._on_closed = on_closed
        self._queue_bytes = read_window
        self._send_lock = asyncio.Lock()
        # Decoded messages with the receive-window credit each releases.
        self._events: Deque[Tuple[Message, int]] = collections.deque()
        self._event_ready = asyncio.Event()
        self._output_done = asyncio.Event()
        self._output_ended = False
        self._input_ended = False
        self._error: Optional[SDKError] = None
        self._closed = False
        self._pump = asyncio.get_running_loop().create_task(self._run_pump())

    # -- errors and lifecycle -------------------------------------------------

    @property
    def error(self) -> Optional[SDKError]:
        """The error that ended the stream, if one did."""
        return self._error

    def _fail(self, error: SDKError) -> None:
        if self._error is None:
            self._error = error
            logger.debug("stream failed: %s", error)
        self._output_ended = True
        self._event_ready.set()
        self._maybe_close()

    def _maybe_close(self) -> None:
        # Both directions are over (or the stream failed): free the connection.
        if self._output_ended and (self._input_ended or self._error is not None):
            self.close()

    def close(self) -> None:
        """Close the connection and stop the pump; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self._output_ended = True
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
            await self._decode_output()
        finally:
            self._output_done.set()

    async def _decode_output(self) -> None:
        # The pump decodes everything that arrives, at once, so an exception
        # message reaches the sender even when nobody reads. Memory stays
        # bounded because the HTTP/2 receive window is only reopened when the
        # reader takes a message (see next_event), never here.
        decoder = EventStreamDecoder()
        uncredited = 0
        try:
            while True:
                chunk = await self._transport.read()
                if not chunk:
                    decoder.close()
                    break
                uncredited += len(chunk)
                messages = decoder.feed(chunk)
                for index, message in enumerate(messages):
                    # The last message completed by this chunk carries the
                    # credit of every byte up to its end.
                    credit = 0
                    if index == len(messages) - 1:
                        credit, uncredited = uncredited - decoder.buffered, decoder.buffered
                    self._events.append((message, credit))
                    self._event_ready.set()
                    if message.headers.get(":message-type") in ("exception", "error"):
                        # The stream is over: make the error visible to the
                        # sender now, not only when the reader reaches it.
                        self._record_service_error(message)
                if decoder.buffered > self._queue_bytes // 2:
                    # A message larger than half the window would never
                    # complete without credit: grant it (the decoder's own
                    # limits still bound it).
                    self._transport.consumed(uncredited)
                    uncredited = 0
        except DecodeError as exc:
            self._fail(SerializerException(f"cannot decode the response stream: {exc}"))
            return
        except (HTTPException, SerializerException) as exc:
            self._fail(exc)
            return
        except Exception as exc:  # a bug must not leave readers waiting forever
            logger.exception("response pump failed")
            self._fail(SDKError(f"internal error reading the response stream: {exc!r}"))
            return
        self._output_ended = True
        self._event_ready.set()
        self._maybe_close()

    def _record_service_error(self, message: Message) -> None:
        try:
            self._parse(message)
        except SDKError as exc:
            if self._error is None:
                self._error = exc

    async def next_event(self) -> Any:
        """Take the next output event.

        :returns: the next event.
        :raises StopAsyncIteration: the output stream ended cleanly.
        :raises ServiceException: the service reported an error.
        :raises HTTPException: the connection failed or timed out.
        :raises SerializerException: the service sent something unreadable.
        """
        while not self._events:
            if self._output_ended:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            self._event_ready.clear()
            await self._event_ready.wait()
        message, credit = self._events.popleft()
        if credit:
            self._transport.consumed(credit)
        try:
            return self._parse(message)
        except SDKError as exc:
            self._fail(exc)
            raise

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
        self._fail(self._error or transport_error)
        return self._error or transport_error

    def _check_can_send(self) -> None:
        if self._input_ended:
            raise StreamClosedError(
                "the input stream has ended (end_stream() was called); nothing more can be sent"
            )
        if self._error is not None:
            raise self._error
        if self._closed:
            raise StreamClosedError("the stream is closed; nothing more can be sent")

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
            self._check_can_send()
            try:
                await self._transport.wait_writable()
            except HTTPException as exc:
                raise await self._why_ended(exc) from None
            self._check_can_send()
            # No await between signing and handing over: a cancellation can
            # not leave a signed event unsent and the chain broken.
            try:
                self._transport.write(self._signer.sign(message))
            except HTTPException as exc:
                raise await self._why_ended(exc) from None

    async def end_input(self) -> None:
        """Send the signed end frame, end the request body and wait until written.

        Calling it again after it succeeded does nothing.

        :raises SDKError: the stream failed before the end frame was written.
        """
        async with self._send_lock:
            if self._input_ended:
                return
            if self._error is not None:
                raise self._error
            if self._closed:
                raise StreamClosedError("the stream is closed")
            self._input_ended = True
            try:
                self._transport.write(self._signer.sign_end(), end_stream=True)
            except HTTPException as exc:
                raise await self._why_ended(exc) from None
        try:
            await self._transport.drain()
        except HTTPException as exc:
            raise await self._why_ended(exc) from None
        self._maybe_close()

    @property
    def input_ended(self) -> bool:
        """Whether the end frame has been sent."""
        return self._input_ended


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
        await self._session.send_message(audio_event_message(audio_chunk or b""))

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
        await self._session.send_message(json_event_message(event_type, payload))


class OutputStream(Generic[_Event]):
    """An async iterable of the events of an output stream.

    :param session: the stream session.
    """

    def __init__(self, session: EventStreamSession) -> None:
        self._session = session

    def __aiter__(self) -> AsyncIterator[_Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[_Event]:
        while True:
            try:
                event = await self._session.next_event()
            except StopAsyncIteration:
                return
            yield event


class TranscriptResultStream(OutputStream[Union[TranscriptEvent, UnknownEvent]]):
    """The events of a StartStreamTranscription call.

    ``async for event in stream`` yields :class:`~amazon_transcribe.model.TranscriptEvent`
    (and :class:`~amazon_transcribe.model.UnknownEvent` for event types this
    SDK does not know) and raises the service's exceptions.
    """


def transcript_parser(
    request_id: Optional[str],
    registry: Mapping[str, Type[ServiceException]] = SERVICE_EXCEPTIONS,
) -> EventParser:
    """The parser of StartStreamTranscription's output messages.

    :param request_id: the call's request id (carried by exceptions).
    :param registry: the modeled exceptions.
    :returns: a function from message to event.
    """

    def parse(message: Message) -> Union[TranscriptEvent, UnknownEvent]:
        return output_event(message, request_id=request_id, registry=registry)

    return parse


class StartStreamTranscriptionEventStream:
    """A started transcription: the service's response and the two streams.

    Use it as an async context manager (or call :meth:`aclose`) to be sure the
    connection is released however your code exits.

    :param response: the response (carries the output stream).
    :param session: the stream session.
    """

    def __init__(self, response: "StartStreamTranscriptionResponse", session: EventStreamSession) -> None:
        self._response = response
        self._session = session
        self._input = AudioStream(session)

    @property
    def response(self) -> "StartStreamTranscriptionResponse":
        """The service's response (effective settings, request and session id)."""
        return self._response

    @property
    def input_stream(self) -> AudioStream:
        """Where audio goes."""
        return self._input

    @property
    def output_stream(self) -> TranscriptResultStream:
        """Where transcript events come from."""
        return self._response.transcript_result_stream

    async def aclose(self) -> None:
        """Close the stream and its connection now (no end frame is sent)."""
        await self._session.aclose()

    async def __aenter__(self) -> "StartStreamTranscriptionEventStream":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
