"""The documented API of 0.6.4 where ours had drifted from it.

Exceptions take 0.6.4's positional arguments; the client has
``service_name``, ``region`` and a clear error when no region is found; the
client module still offers what 0.6.4's imported; ``AudioEvent`` has its
event attributes; and the stream classes take 0.6.4's constructor arguments,
composing the parts they are given exactly as 0.6.4 did. The parts are
fakes that record what they are asked, fed and return real event-stream
bytes; nothing here needs the network or a clock.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import hashlib
import inspect
import json
import pickle
import subprocess
import sys
from typing import Any, AsyncIterator, Dict, List, Mapping, Optional, Tuple, Type

import pytest

from amazon_transcribe import _signer, auth, client, crt, endpoints, model, shapes, streams
from amazon_transcribe._eventstream import (
    ChecksumError,
    EventStreamDecoder,
    Message,
    TruncatedStreamError,
    decode_message,
    encode_message,
)
from amazon_transcribe._serialize import _audio_event_message
from amazon_transcribe.call_analytics import (
    ChannelDefinition,
    ConfigurationEvent,
    ParticipantRole,
    StartCallAnalyticsStreamTranscriptionResponse,
)
from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.exceptions import (
    BadRequestException,
    ConflictException,
    CredentialsException,
    HTTPException,
    InternalFailureException,
    LimitExceededException,
    NoRegionError,
    ResourceNotFoundException,
    SDKError,
    SerializationException,
    SerializerException,
    ServiceException,
    ServiceUnavailableException,
    StreamClosedError,
    TimeoutException,
    UnknownServiceException,
    ValidationException,
)
from amazon_transcribe.medical import StartMedicalStreamTranscriptionResponse
from amazon_transcribe.medical_scribe import StartMedicalScribeStreamResponse
from amazon_transcribe.operations import (
    START_CALL_ANALYTICS_STREAM_TRANSCRIPTION,
    START_STREAM_TRANSCRIPTION,
    STREAMING_OPERATIONS,
)
from amazon_transcribe.streams import (
    AudioStream,
    CallAnalyticsAudioStream,
    CallAnalyticsTranscriptResultStream,
    EventStreamSession,
    MedicalScribeInputStream,
    MedicalScribeResultStream,
    MedicalTranscriptResultStream,
    OutputStream,
    StartCallAnalyticsStreamTranscriptionEventStream,
    StartMedicalScribeStreamEventStream,
    StartMedicalStreamTranscriptionEventStream,
    StartStreamTranscriptionEventStream,
    TranscriptResultStream,
)
from amazon_transcribe.transport import MemoryTransport

WAIT = 5.0  # bound on every wait for the session
AUDIO_HEADERS = {
    ":message-type": "event",
    ":event-type": "AudioEvent",
    ":content-type": "application/octet-stream",
}
SIGNED_AT = datetime.datetime(2026, 12, 6, 12, 0, 0, tzinfo=datetime.timezone.utc)
SEED = b"\x5e" * 32
CREDENTIALS = auth.Credentials("AKIDEXAMPLE", "secret-example")


# -- 1. exceptions ------------------------------------------------------------------

PLAIN_0_6_4 = [SDKError, HTTPException, ServiceException, SerializerException,
               ValidationException, CredentialsException]
MODELED = [
    (BadRequestException, 400), (ConflictException, 409), (InternalFailureException, 500),
    (LimitExceededException, 429), (ServiceUnavailableException, 503),
    (SerializationException, 400), (ResourceNotFoundException, 404),
]


@pytest.mark.parametrize("cls", PLAIN_0_6_4, ids=lambda c: c.__name__)
def test_plain_exceptions_take_any_positional_arguments(cls: Type[SDKError]) -> None:
    assert cls().args == () and cls().message == ""
    one = cls("credentials expired")
    assert one.args == ("credentials expired",) and one.message == "credentials expired"
    assert "credentials expired" in str(one)
    several = cls("bad value", 42, None)
    assert several.args == ("bad value", 42, None)
    assert "bad value" in several.message and "42" in several.message
    assert "bad value" in str(several)
    assert isinstance(several, SDKError) and isinstance(several, Exception)


def test_plain_exceptions_keep_a_non_text_argument_as_given() -> None:
    cause = OSError(104, "connection reset")
    exc = HTTPException(cause)
    assert exc.args[0] is cause and exc.message == str(cause)
    assert exc.retryable is True
    assert HTTPException("refused", retryable=False).retryable is False
    assert TimeoutException("read", "after 5 s").args == ("read", "after 5 s")


@pytest.mark.parametrize("cls, status", MODELED, ids=lambda v: getattr(v, "__name__", str(v)))
def test_modeled_service_exceptions_take_0_6_4_message(cls: Type[ServiceException],
                                                      status: int) -> None:
    exc = cls("Your request timed out because no new audio was received for 15 seconds.")
    assert exc.message.startswith("Your request timed out")
    assert exc.status_code == status and exc.error_code == cls.__name__
    assert exc.args == (exc.message,)
    assert str(exc) == f"{cls.__name__}: {exc.message}"
    assert cls(message="by keyword").message == "by keyword"  # 0.6.4's parameter name
    parameters = inspect.signature(cls).parameters
    assert list(parameters) == ["message", "status_code", "error_code", "request_id"]
    assert parameters["message"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert parameters["message"].default is inspect.Parameter.empty
    with pytest.raises(TypeError):
        cls()  # type: ignore[call-arg]  # as in 0.6.4, the message is required


def test_limit_exceeded_keeps_0_6_4_error_attribute() -> None:
    exc = LimitExceededException("too many concurrent streams")
    assert exc.error == 429 == exc.status_code


def test_unknown_service_exception_in_0_6_4_forms() -> None:
    positional = UnknownServiceException(403, "InvalidSignatureException", "Signature expired")
    keywords = UnknownServiceException(
        status_code=403, error_code="InvalidSignatureException", message="Signature expired")
    for exc in (positional, keywords):
        assert exc.args == (403, "InvalidSignatureException", "Signature expired")
        assert (exc.status_code, exc.error_code, exc.message) == (
            403, "InvalidSignatureException", "Signature expired")
        assert str(exc) == "InvalidSignatureException: Signature expired"
        assert exc.retryable is False
    assert UnknownServiceException(502, "BadGateway", "").retryable is True
    assert str(UnknownServiceException(502, "BadGateway", "")) == "BadGateway"


EXAMPLES = [
    SDKError("a", 1),
    HTTPException("reset", retryable=False),
    TimeoutException("read timed out after 5 s"),
    ValidationException("media_sample_rate_hz must be an int"),
    NoRegionError("a region is required"),
    ServiceException(),
    BadRequestException("no audio", request_id="rid-1"),
    LimitExceededException("slow down", status_code=429, error_code="LimitExceededException"),
    UnknownServiceException(418, "TeapotException", "short and stout", request_id="rid-2"),
]


@pytest.mark.parametrize("exc", EXAMPLES, ids=lambda e: type(e).__name__)
def test_exceptions_survive_pickle_and_copy(exc: SDKError) -> None:
    for again in (pickle.loads(pickle.dumps(exc)), copy.copy(exc)):
        assert type(again) is type(exc)
        assert again.args == exc.args and str(again) == str(exc)
        assert vars(again) == vars(exc)


def test_no_region_error_is_a_validation_error_and_a_type_error() -> None:
    assert issubclass(NoRegionError, ValidationException)
    assert issubclass(NoRegionError, TypeError)
    assert ValidationException.__bases__ == (SDKError,)  # the 0.6.4 tree is unchanged


# -- 2. the client ----------------------------------------------------------------------


@pytest.fixture
def no_region_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


@pytest.mark.parametrize("caught", [NoRegionError, ValidationException, TypeError, SDKError],
                         ids=lambda c: c.__name__)
def test_client_without_any_region(no_region_configured: None, caught: type) -> None:
    with pytest.raises(caught) as info:
        TranscribeStreamingClient()
    message = str(info.value)
    assert "region=" in message and "AWS_REGION" in message and "AWS_DEFAULT_REGION" in message


@pytest.mark.parametrize(
    "environment, given, expected",
    [
        ({"AWS_DEFAULT_REGION": "eu-west-1"}, None, "eu-west-1"),
        ({"AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "eu-west-1"}, None, "us-east-2"),
        ({"AWS_REGION": "us-east-2"}, "ap-south-1", "ap-south-1"),
    ],
    ids=["default-region", "region-wins", "argument-wins"],
)
def test_client_region(no_region_configured: None, monkeypatch: pytest.MonkeyPatch,
                       environment: Dict[str, str], given: Optional[str],
                       expected: str) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    made = TranscribeStreamingClient(region=given)
    assert made.region == expected
    assert made.service_name == "transcribe"


def test_client_takes_0_6_4_constructor(no_region_configured: None) -> None:
    parameters = list(inspect.signature(TranscribeStreamingClient).parameters.values())
    assert [p.name for p in parameters[:3]] == [
        "region", "endpoint_resolver", "credential_resolver"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)
    # Ours are all optional, so 0.6.4's calls bind unchanged.
    assert all(p.default is not inspect.Parameter.empty for p in parameters[1:])
    resolver = auth.StaticCredentialResolver("AKIDEXAMPLE", "secret-example")
    made = TranscribeStreamingClient(
        region="us-west-2",
        endpoint_resolver=endpoints.StaticEndpointResolver("https://127.0.0.1:1"),
        credential_resolver=resolver,
    )
    assert (made.service_name, made.region) == ("transcribe", "us-west-2")


# -- 3. the client module's re-exports ---------------------------------------------------


def test_client_module_offers_what_0_6_4_imported() -> None:
    assert client.AudioStream is streams.AudioStream
    assert client.AWSCRTEventLoop is crt.AWSCRTEventLoop
    assert client.AwsCrtCredentialResolver is auth.AwsCrtCredentialResolver
    assert client.CredentialResolver is auth.CredentialResolver
    assert client.BaseEndpointResolver is endpoints.BaseEndpointResolver
    assert client.StartStreamTranscriptionRequest is shapes.StartStreamTranscriptionRequest
    assert client.StartStreamTranscriptionEventStream is streams.StartStreamTranscriptionEventStream


def test_client_module_leaves_the_internals_to_the_legacy_layer() -> None:
    for name in ("EventStreamMessageSerializer", "AwsCrtHttpSessionManager",
                 "AudioEventSerializer", "TranscribeStreamingSerializer",
                 "TranscribeStreamingResponseParser", "SigV4RequestSigner"):
        assert not hasattr(client, name), name
    # The client signs with our core's event signer, and does not export it.
    assert "EventSigner" not in client.__all__
    assert client.EventSigner is _signer.EventSigner  # type: ignore[attr-defined]
    code = (
        "import sys, amazon_transcribe.client\n"
        "compat = ('eventstream', 'signer', 'serialize', 'deserialize', 'httpsession',\n"
        "          'request', 'response', 'structures', 'utils', '_legacy')\n"
        "print(sorted(m for m in sys.modules if m.startswith('amazon_transcribe.')\n"
        "             and m.split('.')[1] in compat))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"


# -- 4. AudioEvent ----------------------------------------------------------------------


def test_audio_event_has_0_6_4_event_attributes() -> None:
    event = model.AudioEvent(b"\x01\x00\x02\x00")
    assert model.AudioEvent is shapes.AudioEvent
    assert event.payload == event.audio_chunk == b"\x01\x00\x02\x00"
    assert event.event is True and event.event_payload is None


def test_audio_event_of_none_is_empty() -> None:
    event = model.AudioEvent(None)
    assert event.payload == b"" and event.audio_chunk == b""
    assert event == model.AudioEvent(b"") == model.AudioEvent()
    assert event != model.AudioEvent(b"\x00")


# -- 5a. AudioStream built from 0.6.4's parts ---------------------------------------------


class RecordingSigner:
    """Signs like 0.6.4's event signer: ``:date`` and a ``:chunk-signature`` chained to the prior."""

    def __init__(self) -> None:
        self.calls: List[Tuple[bytes, Any, Any]] = []

    def sign(self, payload: bytes, prior_signature: Any, credentials: Any) -> Dict[str, Any]:
        self.calls.append((payload, prior_signature, credentials))
        return {":date": SIGNED_AT,
                ":chunk-signature": hashlib.sha256(prior_signature + payload).digest()}


class CountingResolver:
    def __init__(self) -> None:
        self.calls = 0

    async def get_credentials(self) -> auth.Credentials:
        self.calls += 1
        return CREDENTIALS


class RecordingBody:
    """A request body: what was written, in order, and whether it ended."""

    def __init__(self) -> None:
        self.writes: List[bytes] = []
        self.log: List[str] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self.log.append("write")

    def end_stream(self) -> None:
        self.log.append("end_stream")


class RecordingEnvelopes:
    """An event-stream serializer that records its calls and encodes with our codec."""

    def __init__(self) -> None:
        self.calls: List[Tuple[Dict[str, Any], bytes]] = []

    def serialize(self, headers: Mapping[str, Any], payload: bytes) -> bytes:
        self.calls.append((dict(headers), bytes(payload)))
        return encode_message(dict(headers), payload)


def parts_stream(body: Optional[RecordingBody] = None, **overrides: Any) -> AudioStream:
    parts: Dict[str, Any] = dict(
        event_signer=RecordingSigner(), initial_signature=SEED,
        credential_resolver=CountingResolver(),
    )
    parts.update(overrides)
    return AudioStream(body if body is not None else RecordingBody(), **parts)


def test_audio_stream_takes_0_6_4_base_stream_arguments() -> None:
    parameters = inspect.signature(AudioStream).parameters
    assert list(parameters) == ["input_stream", "event_serializer", "eventstream_serializer",
                                "event_signer", "initial_signature", "credential_resolver"]
    assert all(p.default is None for p in parameters.values())
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters.values())


async def test_parts_are_composed_as_0_6_4_composed_them() -> None:
    body, signer, resolver = RecordingBody(), RecordingSigner(), CountingResolver()
    envelopes = RecordingEnvelopes()
    stream = AudioStream(body, None, envelopes, signer, SEED, resolver)
    chunks = [b"\x01\x00" * 800, b""]
    for chunk in chunks:
        await stream.send_audio_event(chunk)
    await stream.end_stream()

    # Each event: its message, then its signed envelope; the end: the envelope only.
    inner = [encode_message(AUDIO_HEADERS, chunk) for chunk in chunks]
    signatures = [SEED]
    for message in inner + [b""]:
        signatures.append(hashlib.sha256(signatures[-1] + message).digest())
    assert signer.calls == [(message, prior, CREDENTIALS)
                            for message, prior in zip(inner + [b""], signatures)]
    assert resolver.calls == 3
    signed = [{":date": SIGNED_AT, ":chunk-signature": s} for s in signatures[1:]]
    assert envelopes.calls == [
        (AUDIO_HEADERS, chunks[0]), (signed[0], inner[0]),
        (AUDIO_HEADERS, chunks[1]), (signed[1], inner[1]),
        (signed[2], b""),
    ]
    assert body.log == ["write", "write", "write", "end_stream"]
    assert body.writes == [encode_message(h, m) for h, m in zip(signed, inner + [b""])]
    # The events inside are the bytes the client's own streams send.
    assert inner == [_audio_event_message(chunk) for chunk in chunks]
    assert [decode_message(w).payload for w in body.writes] == inner + [b""]


async def test_the_event_serializer_gets_every_event_as_is() -> None:
    class Serializer:
        def __init__(self) -> None:
            self.events: List[Any] = []

        def serialize(self, event: Any) -> Tuple[Dict[str, Any], bytes]:
            self.events.append(event)
            return {":event-type": "Custom", ":message-type": "event"}, b"custom"

    serializer, body = Serializer(), RecordingBody()
    stream = parts_stream(body, event_serializer=serializer)
    custom = object()
    await stream.send_event(custom)  # type: ignore[arg-type]
    await stream.send_audio_event(b"\x07\x00")
    assert serializer.events[0] is custom
    assert serializer.events[1] == model.AudioEvent(b"\x07\x00")
    inner = decode_message(decode_message(body.writes[0]).payload)
    assert inner == Message({":event-type": "Custom", ":message-type": "event"}, b"custom")


async def test_the_default_event_serializer_takes_audio_events_only() -> None:
    body = RecordingBody()
    stream = parts_stream(body)
    with pytest.raises(SerializerException, match="object"):
        await stream.send_event(object())  # type: ignore[arg-type]
    assert body.writes == []
    await stream.send_event(model.AudioEvent(b"\x01\x02"))
    assert decode_message(decode_message(body.writes[0]).payload) == Message(
        AUDIO_HEADERS, b"\x01\x02")


async def test_without_a_body_the_envelopes_are_kept_in_memory() -> None:
    stream = AudioStream(event_signer=RecordingSigner(), initial_signature=SEED,
                         credential_resolver=CountingResolver())
    await stream.send_audio_event(b"\x03\x00")
    await stream.end_stream()
    # 0.6.4's attribute: code written for it read the body from there.
    kept = stream._input_stream.read()  # type: ignore[attr-defined]
    decoder = EventStreamDecoder()
    envelopes = decoder.feed(kept)
    assert decoder.buffered == 0
    assert [decode_message(e.payload) if e.payload else None for e in envelopes] == [
        Message(AUDIO_HEADERS, b"\x03\x00"), None]


@pytest.mark.parametrize("missing", ["event_signer", "credential_resolver"])
async def test_nothing_is_sent_without_a_signer_or_credentials(missing: str) -> None:
    body = RecordingBody()
    stream = parts_stream(body, **{missing: None})
    with pytest.raises(ValidationException, match="event_signer or a credential_resolver"):
        await stream.send_audio_event(b"\x00\x00")
    with pytest.raises(ValidationException):
        await stream.end_stream()
    assert body.log == []


async def test_after_the_end_nothing_more_is_signed_or_written() -> None:
    body, signer = RecordingBody(), RecordingSigner()
    stream = parts_stream(body, event_signer=signer)
    await stream.end_stream()
    await stream.end_stream()  # harmless, as on a session
    with pytest.raises(StreamClosedError):
        await stream.send_audio_event(b"\x00\x00")
    assert body.log == ["write", "end_stream"] and len(signer.calls) == 1


async def test_audio_must_be_bytes_whatever_the_stream_is_made_of() -> None:
    body = RecordingBody()
    with pytest.raises(ValidationException, match="str"):
        await parts_stream(body).send_audio_event("not audio")  # type: ignore[arg-type]
    assert body.log == []


async def test_call_analytics_configuration_goes_through_the_given_signer() -> None:
    body, signer = RecordingBody(), RecordingSigner()
    stream = CallAnalyticsAudioStream(body, event_signer=signer, initial_signature=SEED,
                                      credential_resolver=CountingResolver())
    await stream.send_configuration_event(channel_definitions=[
        ChannelDefinition(0, ParticipantRole.AGENT), ChannelDefinition(1, "CUSTOMER")])
    inner = decode_message(decode_message(body.writes[0]).payload)
    assert inner.headers[":event-type"] == "ConfigurationEvent"
    assert json.loads(inner.payload) == {"ChannelDefinitions": [
        {"ChannelId": 0, "ParticipantRole": "AGENT"},
        {"ChannelId": 1, "ParticipantRole": "CUSTOMER"}]}
    assert signer.calls[0][1] == SEED


# -- 5a'. the same classes on a session (the client's way) ----------------------------------


def session_on(transport: MemoryTransport, spec: Any = START_STREAM_TRANSCRIPTION
               ) -> EventStreamSession:
    signer = _signer.EventSigner("ab" * 32, secret_access_key="s", region="us-east-1")
    return EventStreamSession(transport, signer, spec.parser("rid"))


async def test_a_session_takes_no_parts() -> None:
    session = session_on(MemoryTransport())
    try:
        with pytest.raises(ValidationException, match="no other argument"):
            AudioStream(session, initial_signature=SEED)
        with pytest.raises(ValidationException, match="no parser"):
            TranscriptResultStream(session, parser=object())  # type: ignore[arg-type]
    finally:
        await session.aclose()


@pytest.mark.parametrize("input_class", [AudioStream, CallAnalyticsAudioStream,
                                         MedicalScribeInputStream], ids=lambda c: c.__name__)
async def test_our_input_streams_still_run_on_a_session(input_class: Type[AudioStream]) -> None:
    transport = MemoryTransport(accept_writes=True)
    session = session_on(transport)
    try:
        stream = input_class(session)
        await asyncio.wait_for(stream.send_audio_event(b"\x01\x00"), WAIT)
        await asyncio.wait_for(stream.send_event(model.AudioEvent(None)), WAIT)
        await asyncio.wait_for(stream.end_stream(), WAIT)
    finally:
        await session.aclose()
    envelopes = EventStreamDecoder().feed(bytes(transport.written))
    assert [decode_message(e.payload) for e in envelopes[:2]] == [
        Message(AUDIO_HEADERS, b"\x01\x00"), Message(AUDIO_HEADERS, b"")]
    assert envelopes[-1].payload == b"" and len(envelopes) == 3 and transport.request_ended


# -- 5b. output streams read from 0.6.4's EventStream(raw_stream, parser) ----------------------


def event_bytes(event_type: str, payload: bytes) -> bytes:
    return encode_message({":message-type": "event", ":event-type": event_type,
                           ":content-type": "application/json"}, payload)


class ChunkedBody:
    """A response body with 0.6.4's ``chunks()``: the given bytes, in the given pieces."""

    def __init__(self, pieces: List[bytes]) -> None:
        self.pieces = pieces
        self.opened = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        self.opened += 1
        for piece in self.pieces:
            yield piece


class RecordingParser:
    def __init__(self) -> None:
        self.messages: List[Any] = []

    def parse(self, message: Any) -> Tuple[str, bytes]:
        self.messages.append(message)
        return message.headers[":event-type"], message.payload


def split(data: bytes, size: int) -> List[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


OUTPUT_CLASSES = [TranscriptResultStream, MedicalTranscriptResultStream,
                  CallAnalyticsTranscriptResultStream, MedicalScribeResultStream, OutputStream]


@pytest.mark.parametrize("output_class", OUTPUT_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("piece", [1, 7, 1000], ids=["bytewise", "odd-pieces", "whole"])
async def test_output_streams_parse_each_message_of_the_chunks(output_class: type,
                                                               piece: int) -> None:
    wire = event_bytes("First", b'{"n": 1}') + event_bytes("Second", b"") + event_bytes(
        "Third", b'{"n": 3}')
    body, parser = ChunkedBody(split(wire, piece)), RecordingParser()
    stream = output_class(body, parser)
    assert body.opened == 0  # nothing is read before iteration starts
    received = [event async for event in stream]
    assert received == [("First", b'{"n": 1}'), ("Second", b""), ("Third", b'{"n": 3}')]
    assert all(isinstance(m, Message) for m in parser.messages) and body.opened == 1
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()


async def test_our_own_parser_over_chunks_yields_typed_events() -> None:
    class Parser:
        parse = staticmethod(START_STREAM_TRANSCRIPTION.parser("rid"))

    transcript = {"Transcript": {"Results": [{"ResultId": "r1", "IsPartial": False,
                                              "Alternatives": [{"Transcript": "hello"}]}]}}
    body = ChunkedBody([event_bytes("TranscriptEvent", json.dumps(transcript).encode())])
    events = [event async for event in TranscriptResultStream(body, Parser())]
    assert len(events) == 1 and isinstance(events[0], model.TranscriptEvent)
    assert events[0].transcript.results[0].alternatives[0].transcript == "hello"


async def test_an_exception_the_parser_raises_reaches_the_reader() -> None:
    class Parser:
        parse = staticmethod(START_STREAM_TRANSCRIPTION.parser("rid"))

    exception = encode_message({":message-type": "exception",
                                ":exception-type": "BadRequestException",
                                ":content-type": "application/json"},
                               b'{"Message": "no audio for 15 seconds"}')
    stream = TranscriptResultStream(ChunkedBody([exception]), Parser())
    with pytest.raises(BadRequestException, match="no audio for 15 seconds") as info:
        await stream.__anext__()
    assert info.value.request_id == "rid"


async def test_a_truncated_body_is_an_error_that_stays() -> None:
    whole = event_bytes("First", b"{}")
    stream = TranscriptResultStream(ChunkedBody([whole, whole[:-3]]), RecordingParser())
    assert await stream.__anext__() == ("First", b"{}")
    for _ in range(2):
        with pytest.raises(TruncatedStreamError):
            await stream.__anext__()


async def test_a_corrupt_body_is_an_error_that_stays() -> None:
    corrupt = bytearray(event_bytes("First", b"{}"))
    corrupt[-1] ^= 0xFF
    body = ChunkedBody([bytes(corrupt), event_bytes("Second", b"{}")])
    stream = TranscriptResultStream(body, RecordingParser())
    for _ in range(2):
        with pytest.raises(ChecksumError):
            await stream.__anext__()


def test_a_body_needs_a_parser() -> None:
    with pytest.raises(ValidationException, match="needs a parser"):
        TranscriptResultStream(ChunkedBody([]))


def test_output_streams_take_0_6_4_event_stream_arguments() -> None:
    assert list(inspect.signature(TranscriptResultStream).parameters) == ["raw_stream", "parser"]


# -- 5c. started streams: 0.6.4's (input, response) ------------------------------------------


STARTED = [
    (StartStreamTranscriptionEventStream, AudioStream, model.StartStreamTranscriptionResponse,
     "transcript_result_stream", "audio_stream"),
    (StartMedicalStreamTranscriptionEventStream, AudioStream,
     StartMedicalStreamTranscriptionResponse, "transcript_result_stream", "input_stream"),
    (StartCallAnalyticsStreamTranscriptionEventStream, CallAnalyticsAudioStream,
     StartCallAnalyticsStreamTranscriptionResponse, "call_analytics_transcript_result_stream",
     "input_stream"),
    (StartMedicalScribeStreamEventStream, MedicalScribeInputStream,
     StartMedicalScribeStreamResponse, "result_stream", "input_stream"),
]


@pytest.mark.parametrize("started_class, input_class, response_class, field, first", STARTED,
                         ids=lambda v: getattr(v, "__name__", str(v)))
async def test_started_streams_are_made_of_an_input_and_a_response(
    started_class: type, input_class: type, response_class: type, field: str, first: str
) -> None:
    assert list(inspect.signature(started_class).parameters) == [first, "response"]
    output = TranscriptResultStream(ChunkedBody([]), RecordingParser())
    response = response_class(**{field: output}, request_id="rid")
    audio = input_class(RecordingBody(), event_signer=RecordingSigner(),
                        initial_signature=SEED, credential_resolver=CountingResolver())
    started = started_class(audio, response)
    assert started.response is response
    assert started.input_stream is audio
    assert started.output_stream is output
    async with started as entered:  # nothing of its own to release
        assert entered is started
    await started.aclose()


@pytest.mark.parametrize("name", sorted(STREAMING_OPERATIONS))
async def test_started_streams_the_client_makes_close_their_session(name: str) -> None:
    spec = STREAMING_OPERATIONS[name]
    transport = MemoryTransport()
    session = session_on(transport, spec)
    started = spec.started(session, {"x-amzn-request-id": "rid"})
    assert type(started.input_stream) is type(started).input_class
    assert started.output_stream is getattr(started.response, spec.stream_field)
    async with started:
        assert not session.closed
    assert session.closed and transport.closed


async def test_a_started_stream_the_client_made_sends_on_its_session() -> None:
    transport = MemoryTransport(accept_writes=True)
    spec = START_CALL_ANALYTICS_STREAM_TRANSCRIPTION
    session = session_on(transport, spec)
    started = spec.started(session, {})
    try:
        await asyncio.wait_for(started.input_stream.send_configuration_event(
            ConfigurationEvent(channel_definitions=[ChannelDefinition(0),
                                                    ChannelDefinition(1, "CUSTOMER")])), WAIT)
        transport.feed(event_bytes("UtteranceEvent", b'{"UtteranceId": "u1"}'))
        event = await asyncio.wait_for(started.output_stream.__anext__(), WAIT)
        assert event.utterance_id == "u1"
    finally:
        await started.aclose()
    inner = decode_message(EventStreamDecoder().feed(bytes(transport.written))[0].payload)
    assert inner.headers[":event-type"] == "ConfigurationEvent"
