"""The duplex event stream of one call: audio in, events out.

:class:`AudioStream` signs each event when it is written (never when it is
queued), under a lock that keeps the signature chain and the write order one
and the same, and waits while the bytes in flight fill the write window.
:class:`TranscriptResultStream` yields typed events; a *pump* task reads the
transport only while the event queue has room, so a consumer that stops
reading makes the service wait (HTTP/2 flow control) instead of growing
memory. A service exception, a decoding error or a lost connection is stored
once and raised to every waiter: the reader, the sender and ``end_stream``.

The stream classes also take 0.6.4's constructor arguments: an input
stream built from an event serializer, an event-stream serializer, a signer
and a request body, an output stream from a response body and a parser, a
started stream from its input stream and response. They then compose those
parts as 0.6.4 did, on our codec; the streams the client returns always run
on an :class:`EventStreamSession`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import (
    Any,
    AsyncIterable,
    AsyncIterator,
    Callable,
    ClassVar,
    Deque,
    Dict,
    Generic,
    Mapping,
    Optional,
    Protocol,
    Tuple,
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
from ._eventstream import (
    DecodeError,
    EventStreamDecoder,
    HeaderValueType,
    Message,
    decode_headers,
    encode_message,
)
from .exceptions import (
    CredentialsException,
    HTTPException,
    SDKError,
    SerializerException,
    StreamClosedError,
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
    _AUDIO_EVENT_HEADERS,
    _audio_event_message,
    _configuration_event_message,
    _json_event_message,
    _medical_scribe_configuration_event_payload,
    _medical_scribe_session_control_event_payload,
)
from .shapes import AudioEvent, StartStreamTranscriptionResponse, TranscriptEvent, UnknownEvent
# Annotated as _signer.EventSigner: autodoc links a bare EventSigner to two classes.
import amazon_transcribe._signer as _signer

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

# The headers of an audio event's message, as a mapping for 0.6.4's serializers.
_AUDIO_EVENT_HEADER_VALUES: Mapping[str, HeaderValueType] = decode_headers(_AUDIO_EVENT_HEADERS)

#: The largest audio event payload sent (PROTOCOL.md §11.2: the older
#: documented limit, 32 KiB; the service refuses larger events with "Your
#: stream is too big").
_MAX_AUDIO_EVENT_BYTES = 32 * 1024


def _audio_event_limit(sample_rate: Optional[int], channels: Optional[int] = None) -> int:
    """The largest audio event payload for a stream: ≤ 32 KiB and ≤ 1 s of audio.

    One second is counted as 16-bit samples (PCM; compressed encodings are
    smaller), and the limit is a whole number of sample frames so that PCM
    is never cut inside a sample.

    :param sample_rate: the stream's sample rate in Hz (``None``: unknown).
    :param channels: the channels in the audio (``None``: one).
    :returns: the limit in bytes.
    """
    frame = 2 * max(1, channels or 1)
    limit = _MAX_AUDIO_EVENT_BYTES
    if sample_rate:
        limit = min(limit, sample_rate * frame)
    return max(frame, limit - limit % frame)


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
    :param audio_event_limit: the largest audio event payload; a longer
        chunk is sent as several events (see :meth:`AudioStream.send_audio_event`).
    """

    def __init__(
        self,
        transport: Transport,
        signer: _signer.EventSigner,
        parse: EventParser,
        *,
        on_closed: Optional[Callable[["EventStreamSession"], None]] = None,
        read_window: int = DEFAULT_READ_WINDOW,
        audio_event_limit: int = _MAX_AUDIO_EVENT_BYTES,
    ) -> None:
        if audio_event_limit < 1:
            raise ValidationException(f"audio_event_limit must be positive, not {audio_event_limit}")
        #: The largest audio event payload sent; longer chunks are split.
        self.audio_event_limit = audio_event_limit
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


# -- 0.6.4's way of composing a stream ------------------------------------------
#
# 0.6.4 let callers build its streams from parts: an event serializer, an
# event-stream serializer, a signer, a byte sink or source. The protocols
# below are those parts' shapes (duck-typed, as 0.6.4's were); the private
# classes after them are what the parts default to, built on our codec.


class _EventSerializer(Protocol):
    """Turns an input event into the headers and payload of its message."""

    def serialize(self, event: Any) -> Tuple[Any, bytes]: ...


class _EnvelopeSerializer(Protocol):
    """Encodes headers and a payload into one event-stream message."""

    def serialize(self, headers: Any, payload: bytes) -> bytes: ...


class _ChunkSigner(Protocol):
    """Signs one encoded event, chained to the signature before it."""

    def sign(self, payload: bytes, prior_signature: Any, credentials: Any) -> Mapping[str, Any]: ...


class _CredentialSource(Protocol):
    """Resolves the credentials an event is signed with."""

    async def get_credentials(self) -> Any: ...


class _ByteSink(Protocol):
    """Where signed envelopes are written: a request body."""

    def write(self, data: bytes) -> Any: ...

    def end_stream(self) -> Any: ...


class _ChunkSource(Protocol):
    """A response body read in chunks."""

    def chunks(self) -> AsyncIterable[bytes]: ...


class _MessageParser(Protocol):
    """Turns one decoded message into an event (or raises the exception it carries)."""

    def parse(self, message: Any) -> Any: ...


class _InputChannel(Protocol):
    """Where an input stream sends encoded events: a session, or 0.6.4's composition."""

    async def send_message(self, message: bytes) -> None: ...

    async def end_input(self) -> None: ...


class _AudioEventSerializer:
    """The event serializer an input stream uses when given none: audio events only."""

    def serialize(self, event: Any) -> Tuple[Dict[str, HeaderValueType], bytes]:
        """The headers and payload of an audio event's message.

        :param event: the event.
        :returns: the message's headers and payload.
        :raises SerializerException: ``event`` is not an :class:`AudioEvent`
            (what 0.6.4's audio event serializer raised).
        """
        if not isinstance(event, AudioEvent):
            raise SerializerException(f"cannot serialize a {type(event).__name__} as an audio event")
        return dict(_AUDIO_EVENT_HEADER_VALUES), event.payload


class _CodecEnvelopes:
    """The event-stream serializer an input stream uses when given none: our codec."""

    def serialize(self, headers: Mapping[str, HeaderValueType], payload: bytes) -> bytes:
        """Encode one message.

        :param headers: the message's headers.
        :param payload: the payload.
        :returns: the encoded message.
        :raises EncodeError: a header or the payload cannot be encoded.
        """
        return encode_message(dict(headers), payload)


class _MemorySink:
    """The request body an input stream writes to when given none: bytes kept in memory."""

    def __init__(self) -> None:
        self._chunks: Deque[bytes] = deque()
        self._ended = False

    def write(self, data: bytes) -> int:
        """Keep ``data``.

        :param data: the bytes.
        :returns: how many bytes were kept.
        :raises StreamClosedError: the body has ended.
        """
        if self._ended:
            raise StreamClosedError("the request body has ended; nothing more can be written")
        self._chunks.append(bytes(data))
        return len(data)

    def end_stream(self) -> None:
        """End the body."""
        self._ended = True

    @property
    def ended(self) -> bool:
        """Whether :meth:`end_stream` was called."""
        return self._ended

    def read(self) -> bytes:
        """Take everything written and not yet read.

        :returns: the bytes (``b""`` when there are none).
        """
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class _ComposedInput:
    """0.6.4's input path, made of the caller's parts: sign each event, write its envelope.

    Each encoded event is signed by ``signer`` with the credentials of
    ``credentials``, chained to the previous ``:chunk-signature``, wrapped
    in an envelope by ``envelopes`` and written to ``sink``; the end is the
    signed empty envelope followed by ``sink.end_stream()``. Nothing is
    awaited between signing and writing, so the order of the signature chain
    is the order of the writes.

    :param sink: the request body.
    :param envelopes: encodes the signed envelopes.
    :param signer: signs each event.
    :param initial_signature: the request's signature, which the first
        event's signature is chained to.
    :param credentials: resolves the signing credentials, once per event.
    """

    def __init__(
        self,
        sink: _ByteSink,
        envelopes: _EnvelopeSerializer,
        signer: Optional[_ChunkSigner],
        initial_signature: Any,
        credentials: Optional[_CredentialSource],
    ) -> None:
        self._sink = sink
        self._envelopes = envelopes
        self._signer = signer
        self._prior_signature = initial_signature
        self._credentials = credentials
        self._ended = False

    async def send_message(self, message: bytes) -> None:
        """Sign one encoded event and write its envelope.

        :param message: the encoded event.
        :raises StreamClosedError: the input has ended.
        :raises ValidationException: there is no signer or credential resolver.
        :raises CredentialsException: the resolver found no credentials.
        """
        if self._ended:
            raise StreamClosedError("end_stream() was called; no more events can be sent")
        await self._write_signed(message)

    async def end_input(self) -> None:
        """Write the signed empty envelope and end the sink (once; again does nothing)."""
        if self._ended:
            return
        await self._write_signed(b"")
        self._ended = True
        self._sink.end_stream()

    async def _write_signed(self, message: bytes) -> None:
        signer, source = self._signer, self._credentials
        if signer is None or source is None:
            raise ValidationException(
                "this input stream cannot sign events: it was made without an "
                "event_signer or a credential_resolver"
            )
        credentials = await source.get_credentials()
        if credentials is None:
            raise CredentialsException("the credential resolver found no AWS credentials to sign with")
        headers = signer.sign(message, self._prior_signature, credentials)
        self._prior_signature = headers.get(":chunk-signature")
        self._sink.write(self._envelopes.serialize(headers, message))


class _ChunkedMessages:
    """0.6.4's output path: decode a body's chunks into messages, parse each one.

    A decoding error stays: every later call raises it again, since the
    framing of what follows cannot be trusted. An error the parser raises
    (a service exception the stream carried) ends only that call.

    :param raw_stream: the response body (``chunks()``).
    :param parser: turns each message into an event.
    """

    def __init__(self, raw_stream: _ChunkSource, parser: _MessageParser) -> None:
        self._raw_stream = raw_stream
        self._parser = parser
        self._chunks: Optional[AsyncIterator[bytes]] = None
        self._decoder = EventStreamDecoder()
        self._messages: Deque[Message] = deque()
        self._done = False
        self._error: Optional[DecodeError] = None

    async def next_event(self) -> Any:
        """Parse the next message, reading chunks until one is complete.

        :returns: what the parser made of the message.
        :raises StopAsyncIteration: the body ended after a whole message.
        :raises DecodeError: the body is not a valid event stream, or it
            ended inside a message (:class:`TruncatedStreamError`).
        """
        while not self._messages:
            if self._error is not None:
                raise self._error
            if self._done:
                raise StopAsyncIteration
            if self._chunks is None:
                # Only on the first read: 0.6.4 did not touch the body earlier.
                self._chunks = self._raw_stream.chunks().__aiter__()
            try:
                try:
                    chunk = await self._chunks.__anext__()
                except StopAsyncIteration:
                    self._decoder.close()
                    self._done = True
                    continue
                self._messages.extend(self._decoder.feed(chunk))
            except DecodeError as exc:
                self._error = exc
                raise
        return self._parser.parse(self._messages.popleft())


# -- input streams ----------------------------------------------------------------


class AudioStream:
    """The input side of a transcription stream: audio events in.

    The client makes it on the call's :class:`EventStreamSession`, which
    encodes, signs and sends each event; you only call its methods.

    It can also be built from parts, as 0.6.4's stream base class was
    (``AudioStream(input_stream, event_serializer, eventstream_serializer,
    event_signer, initial_signature, credential_resolver)``). Then each event
    goes through ``event_serializer.serialize(event)`` (headers and payload),
    ``eventstream_serializer.serialize(headers, payload)`` (its message),
    ``event_signer.sign(message, prior_signature, credentials)`` (the signed
    headers, whose ``:chunk-signature`` the next event is chained to), and
    the signed envelope ``eventstream_serializer.serialize(signed_headers,
    message)`` is written with ``input_stream.write(...)``;
    :meth:`end_stream` writes the signed empty envelope and calls
    ``input_stream.end_stream()``. Parts left out are, respectively, a body
    kept in memory, a serializer of audio events, and our event-stream
    codec; without a signer and a credential resolver nothing can be sent.
    Such a stream has none of the session's flow control: for new code, use
    the streams the client returns.

    :param input_stream: the call's :class:`EventStreamSession`; or the
        request body to write envelopes to (``write(bytes)``,
        ``end_stream()``).
    :param event_serializer: turns an event into headers and payload.
    :param eventstream_serializer: turns headers and payload into a message.
    :param event_signer: signs each message, chained to the previous one.
    :param initial_signature: the request's signature, which the first
        event's signature is chained to.
    :param credential_resolver: gives the signing credentials
        (``await get_credentials()``), asked once per event.
    :raises ValidationException: parts were given along with a session (the
        session encodes and signs by itself).
    """

    def __init__(
        self,
        input_stream: Union[EventStreamSession, _ByteSink, None] = None,
        event_serializer: Optional[_EventSerializer] = None,
        eventstream_serializer: Optional[_EnvelopeSerializer] = None,
        event_signer: Optional[_ChunkSigner] = None,
        initial_signature: Any = None,
        credential_resolver: Optional[_CredentialSource] = None,
    ) -> None:
        parts = (
            event_serializer,
            eventstream_serializer,
            event_signer,
            initial_signature,
            credential_resolver,
        )
        self._session: Optional[EventStreamSession] = None
        self._channel: _InputChannel
        if isinstance(input_stream, EventStreamSession):
            if any(part is not None for part in parts):
                raise ValidationException(
                    "an input stream on an EventStreamSession takes no other argument: "
                    "the session encodes and signs the events itself"
                )
            self._session = self._channel = input_stream
            return
        self._event_serializer: _EventSerializer = event_serializer or _AudioEventSerializer()
        self._eventstream_serializer: _EnvelopeSerializer = (
            eventstream_serializer or _CodecEnvelopes()
        )
        # 0.6.4's attribute name: code that peeked at the body keeps finding it.
        self._input_stream: _ByteSink = input_stream if input_stream is not None else _MemorySink()
        self._channel = _ComposedInput(
            self._input_stream,
            self._eventstream_serializer,
            event_signer,
            initial_signature,
            credential_resolver,
        )

    async def send_audio_event(self, audio_chunk: Optional[bytes]) -> None:
        """Send a chunk of audio.

        On a session, waits while the service has not yet taken the bytes
        already sent (bounded window), so a fast producer is slowed down
        instead of queueing without limit.

        A chunk longer than the service takes in one event (more than 32 KiB
        or more than one second of audio: PROTOCOL.md §11.2) is sent as
        several events, in order, each within that limit and a whole number
        of samples: the service receives the same bytes, and code that reads
        a file in large blocks keeps working instead of failing with the
        service's "Your stream is too big". If the call is cancelled between
        those events, the events already sent stay sent.

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
        if self._session is None:
            await self.send_event(AudioEvent(audio_chunk))
            return
        chunk = audio_chunk or b""
        limit = self._session.audio_event_limit
        view = memoryview(chunk).cast("B")  # lengths in bytes, whatever the format
        if len(view) <= limit:
            await self._session.send_message(_audio_event_message(chunk))
            return
        for start in range(0, len(view), limit):
            await self._session.send_message(
                _audio_event_message(bytes(view[start : start + limit]))
            )

    async def send_event(self, event: AudioEvent) -> None:
        """Send an :class:`~amazon_transcribe.model.AudioEvent`.

        A stream built from parts hands any event to its event serializer,
        as 0.6.4 did.

        :param event: the event.
        :raises ValidationException: on a session, ``event`` is not an ``AudioEvent``.
        :raises SerializerException: the event serializer refused the event.
        :raises StreamClosedError: :meth:`end_stream` was already called.
        """
        if self._session is not None:
            if not isinstance(event, AudioEvent):
                raise ValidationException(f"expected an AudioEvent, got {type(event).__name__}")
            await self.send_audio_event(event.audio_chunk)
            return
        headers, payload = self._event_serializer.serialize(event)
        await self._channel.send_message(self._eventstream_serializer.serialize(headers, payload))

    async def end_stream(self) -> None:
        """End the audio: send the signed end frame and end the request body.

        Returns when it has been written. The service then sends its last
        results and ends the output stream. Calling it twice is harmless.

        :raises ServiceException: the service had already ended the stream
            with an error.
        :raises HTTPException: the connection failed.
        """
        await self._channel.end_input()

    async def _send_json_event(self, event_type: str, payload: Mapping[str, Any]) -> None:
        await self._channel.send_message(_json_event_message(event_type, payload))


class OutputStream(Generic[_Event]):
    """An async iterable of the events of an output stream.

    The client makes it on the call's :class:`EventStreamSession`. It can
    also be built as 0.6.4's ``EventStream(raw_stream, parser)`` was: it then
    reads ``raw_stream.chunks()`` (an async iterable of bytes), decodes the
    messages with our codec, and yields ``parser.parse(message)`` for each
    (``message.headers``, ``message.payload``).

    :param raw_stream: the call's session; or a response body with
        ``chunks()``.
    :param parser: turns each message into an event; only (and always)
        with a response body.
    :raises ValidationException: a parser with a session, or a response body
        without a parser.
    """

    def __init__(
        self,
        raw_stream: Union[EventStreamSession, _ChunkSource],
        parser: Optional[_MessageParser] = None,
    ) -> None:
        self._session: Optional[EventStreamSession] = None
        self._messages: Optional[_ChunkedMessages] = None
        if isinstance(raw_stream, EventStreamSession):
            if parser is not None:
                raise ValidationException(
                    "an output stream on an EventStreamSession takes no parser: "
                    "the session decodes the events itself"
                )
            self._session = raw_stream
        elif parser is None:
            raise ValidationException("an output stream read from chunks() needs a parser")
        else:
            self._messages = _ChunkedMessages(raw_stream, parser)

    def __aiter__(self) -> AsyncIterator[_Event]:
        # An iterator object, not an async generator: cancelling a waiting
        # __anext__ (a timeout around it, say) leaves the iterator usable.
        return self

    async def __anext__(self) -> _Event:
        event: _Event
        if self._session is not None:
            event = await self._session.next_event()
        else:
            assert self._messages is not None
            event = await self._messages.next_event()
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
        await self._channel.send_message(
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

    Built as 0.6.4 built its started stream, from the input stream and the
    response; the output stream is the one the response carries. Use one
    the client returned as an async context manager (or call
    :meth:`aclose`) to be sure the connection is released however your code
    exits.

    :param input_stream: where input events go.
    :param response: the response (effective settings, ids, the output stream).
    """

    #: The class of the input side.
    input_class: ClassVar[Type[AudioStream]] = AudioStream
    #: The response attribute that holds the output stream.
    output_field: ClassVar[str] = "transcript_result_stream"

    def __init__(self, input_stream: _Input, response: _Response) -> None:
        self._input = input_stream
        self._response = response
        # The session to close, when the input runs on one (a stream the client made).
        self._session: Optional[EventStreamSession] = (
            input_stream._session if isinstance(input_stream, AudioStream) else None
        )

    @classmethod
    def _from_session(cls: Type[_Self], session: EventStreamSession, response: Any) -> _Self:
        """The started stream of a call the client opened.

        :param session: the call's session.
        :param response: the response, carrying the output stream.
        :returns: the started stream, with a new input stream on ``session``.
        """
        return cls(cls.input_class(session), response)

    @property
    def response(self) -> _Response:
        """The service's response (effective settings, request and session id)."""
        return self._response

    @property
    def input_stream(self) -> _Input:
        """Where input events go."""
        return self._input

    @property
    def output_stream(self) -> _Output:
        """Where output events come from: the stream the response carries."""
        return cast(_Output, getattr(self._response, self.output_field))

    async def aclose(self) -> None:
        """Close the stream and its connection now (no end frame is sent).

        A stream built from your own parts has no connection of its own
        here: closing it does nothing.
        """
        if self._session is not None:
            await self._session.aclose()

    async def __aenter__(self: _Self) -> _Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class StartStreamTranscriptionEventStream(
    _StartedStream[StartStreamTranscriptionResponse, AudioStream, TranscriptResultStream]
):
    """A started transcription: the response, audio in, transcript events out.

    :param audio_stream: where audio goes.
    :param response: the response; its ``transcript_result_stream`` is
        :attr:`output_stream`.
    """

    def __init__(
        self, audio_stream: AudioStream, response: StartStreamTranscriptionResponse
    ) -> None:
        super().__init__(audio_stream, response)


class StartMedicalStreamTranscriptionEventStream(
    _StartedStream[
        StartMedicalStreamTranscriptionResponse, AudioStream, MedicalTranscriptResultStream
    ]
):
    """A started medical transcription: the response, audio in, medical transcript events out.

    :param input_stream: where audio goes.
    :param response: the response; its ``transcript_result_stream`` is
        :attr:`output_stream`.
    """


class StartCallAnalyticsStreamTranscriptionEventStream(
    _StartedStream[
        StartCallAnalyticsStreamTranscriptionResponse,
        CallAnalyticsAudioStream,
        CallAnalyticsTranscriptResultStream,
    ]
):
    """A started call analytics transcription: the response, configuration and
    audio in, utterance and category events out.

    :param input_stream: where the configuration and audio go.
    :param response: the response; its
        ``call_analytics_transcript_result_stream`` is :attr:`output_stream`.
    """

    input_class = CallAnalyticsAudioStream
    output_field = "call_analytics_transcript_result_stream"


class StartMedicalScribeStreamEventStream(
    _StartedStream[
        StartMedicalScribeStreamResponse, MedicalScribeInputStream, MedicalScribeResultStream
    ]
):
    """A started HealthScribe stream: the response, configuration, audio and
    session control in, HealthScribe transcript events out.

    :param input_stream: where the configuration, audio and session control go.
    :param response: the response; its ``result_stream`` is :attr:`output_stream`.
    """

    input_class = MedicalScribeInputStream
    output_field = "result_stream"
