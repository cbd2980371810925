"""0.6.4's request, response, serializer and parser names, rebuilt on our core.

What code written against 0.6.4's internals relies on: the request objects
(``request.HeadersDict``, ``Request``, ``PreparedRequest``) and
``response.Response`` behave as they did; the StartStreamTranscription
request carries the headers our own client sends; audio events get 0.6.4's
headers and the bytes our core encodes; the parsers turn responses and
messages into our typed shapes and exceptions.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from io import BufferedIOBase, BytesIO, BufferedReader
from typing import Any, AsyncIterator, Dict, List, Optional, Type

import pytest

from amazon_transcribe._useragent import _user_agent
from amazon_transcribe._useragent import _user_agent
from amazon_transcribe._serialize import _audio_event_message
from amazon_transcribe.deserialize import (
    TranscribeStreamingEventParser,
    TranscribeStreamingResponseParser,
)
from amazon_transcribe.eventstream import Message, encode_message
from amazon_transcribe.exceptions import (
    BadRequestException,
    ConflictException,
    InternalFailureException,
    LimitExceededException,
    SerializationException,
    SerializerException,
    ServiceException,
    ServiceUnavailableException,
    UnknownServiceException,
    ValidationException,
)
from amazon_transcribe.model import (
    Alternative,
    AudioEvent,
    Entity,
    Item,
    Result,
    StartStreamTranscriptionRequest,
    StartStreamTranscriptionResponse,
    Transcript,
    TranscriptEvent,
    TranscriptResultStream,
    UnknownEvent,
)
from amazon_transcribe.request import HeadersDict, PreparedRequest, Request
from amazon_transcribe.response import Response
from amazon_transcribe.serialize import (
    AudioEventSerializer,
    BufferableByteStream,
    EventSerializer,
    TranscribeStreamingSerializer,
)
from amazon_transcribe.utils import ensure_boolean

ENDPOINT = "https://transcribestreaming.us-west-2.amazonaws.com"
WAIT = 5.0

MODELED = [
    (BadRequestException, 400),
    (ConflictException, 409),
    (InternalFailureException, 500),
    (LimitExceededException, 429),
    (ServiceUnavailableException, 503),
    (SerializationException, 400),
]


def parameters(call: Any) -> List[tuple]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(call).parameters.values()]


P, EMPTY = inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty


@pytest.mark.parametrize(
    "call, expected",
    [
        (
            Request,
            [("endpoint", P, EMPTY), ("path", P, "/"), ("method", P, "GET"),
             ("headers", P, None), ("body", P, None), ("params", P, None)],
        ),
        (
            PreparedRequest,
            [("endpoint", P, EMPTY), ("path", P, EMPTY), ("method", P, EMPTY),
             ("headers", P, EMPTY), ("body", P, EMPTY), ("query_str", P, EMPTY)],
        ),
        (Response, [("status_code", P, 500), ("headers", P, None)]),
        (ensure_boolean, [("val", P, EMPTY)]),
        (
            TranscribeStreamingSerializer().serialize_start_stream_transcription_request,
            [("endpoint", P, EMPTY), ("request_shape", P, EMPTY)],
        ),
        (AudioEventSerializer().serialize, [("event", P, EMPTY)]),
        (
            TranscribeStreamingResponseParser().parse_exception,
            [("http_response", P, EMPTY), ("body_bytes", P, EMPTY)],
        ),
        (
            TranscribeStreamingResponseParser().parse_start_stream_transcription_response,
            [("http_response", P, EMPTY), ("body_stream", P, EMPTY)],
        ),
        (TranscribeStreamingEventParser().parse, [("raw_event", P, EMPTY)]),
    ],
    ids=lambda value: getattr(value, "__qualname__", "") if callable(value) else "",
)
def test_signatures_are_0_6_4s(call: Any, expected: List[tuple]) -> None:
    assert parameters(call) == expected


# -- HeadersDict ----------------------------------------------------------------


def test_headers_dict_keys_compare_case_insensitively() -> None:
    headers = HeadersDict({"Content-Type": "text/plain"})
    assert headers["content-type"] == headers["CONTENT-TYPE"] == "text/plain"
    assert "cOnTeNt-TyPe" in headers
    headers["CONTENT-TYPE"] = "application/json"
    # One entry, under the name as first set.
    assert list(headers) == ["Content-Type"]
    assert len(headers) == 1
    assert headers["content-type"] == "application/json"
    del headers["content-TYPE"]
    assert len(headers) == 0
    assert "Content-Type" not in headers


@pytest.mark.parametrize(
    "name, value, stored_name, stored_value",
    [
        ("X-Plain", "value", "X-Plain", "value"),
        (" X-Spaced ", "  value  ", "X-Spaced", "value"),
        ("X-Injected\r\n", "a\r\nEvil: yes", "X-Injected", "aEvil: yes"),
        ("X-Lone", "a\rb\nc", "X-Lone", "abc"),
        ("X-Tabs", "\tv\t", "X-Tabs", "\tv\t"),  # only spaces are stripped
        ("X-List", ["a", " b ", None, "c\n"], "X-List", "a;b;c"),
        ("X-Tuple", ("one",), "X-Tuple", "one"),
        ("X-Int", 16000, "X-Int", "16000"),
        ("X-None", None, "X-None", None),
    ],
    ids=["plain", "spaces", "crlf", "cr-and-lf", "tabs-kept", "list", "tuple", "int", "none"],
)
def test_headers_dict_cleans_names_and_values(
    name: str, value: Any, stored_name: str, stored_value: Optional[str]
) -> None:
    headers = HeadersDict()
    headers[name] = value
    assert list(headers) == [stored_name]
    assert headers[stored_name] == stored_value


def test_headers_dict_as_list_leaves_out_none_values_and_keeps_order() -> None:
    headers = HeadersDict([("B", "2"), ("a", None), ("C", "3")])
    assert headers.as_list() == [("B", "2"), ("C", "3")]
    assert dict(headers.items()) == {"B": "2", "a": None, "C": "3"}


@pytest.mark.parametrize(
    "build",
    [
        lambda: HeadersDict({None: "x"}),
        lambda: HeadersDict().__setitem__(None, "x"),
        lambda: HeadersDict().update({"ok": "1", None: "x"}),
        lambda: Request(ENDPOINT, headers={None: "x"}).prepare(),
    ],
    ids=["constructor", "setitem", "update", "prepared-request"],
)
def test_a_none_header_name_is_refused(build: Any) -> None:
    with pytest.raises(ValidationException):
        build()


def test_headers_dict_copy_is_independent() -> None:
    original = HeadersDict({"A": "1"}, b="2")
    copy = original.copy()
    assert isinstance(copy, HeadersDict)
    assert copy == original == {"A": "1", "b": "2"}
    copy["a"] = "changed"
    assert original["A"] == "1"


def test_headers_dict_repr_shows_the_headers() -> None:
    assert repr(HeadersDict({"Host": "example.com"})) == "{'Host': 'example.com'}"


# -- Request and PreparedRequest ------------------------------------------------


def test_request_defaults_and_kept_arguments() -> None:
    request = Request(ENDPOINT)
    assert (request.endpoint, request.path, request.method) == (ENDPOINT, "/", "GET")
    assert (request.headers, request.params, request.body) == ({}, {}, None)
    headers: Dict[str, Any] = {"a": "1"}
    params: Dict[str, Any] = {"p": "1"}
    assert Request(ENDPOINT, headers=headers, params=params).headers is headers
    assert Request(ENDPOINT, headers=headers, params=params).params is params


def test_prepare_builds_a_prepared_request() -> None:
    request = Request(
        ENDPOINT + "/",
        path="/stream-transcription",
        method="post",
        headers={"Content-Type": " text/plain ", "X-Empty": None},
        body="héllo",
        params={"a": "1", "flag": None, "b": "x y"},
    )
    prepared = request.prepare()
    assert isinstance(prepared, PreparedRequest)
    assert prepared.method == "POST"
    assert prepared.path == "/stream-transcription"
    assert prepared.endpoint == ENDPOINT + "/"
    # Not percent-encoded, as in 0.6.4.
    assert prepared.query == "a=1&flag&b=x y"
    assert isinstance(prepared.headers, HeadersDict)
    assert prepared.headers.as_list() == [("Content-Type", "text/plain")]
    assert prepared.body.read() == "héllo".encode("utf-8")
    assert prepared.uri == ENDPOINT + "/stream-transcription?a=1&flag&b=x y"
    # Preparing does not touch the request.
    assert request.method == "post"
    assert request.headers["Content-Type"] == " text/plain "


@pytest.mark.parametrize(
    "body, expected",
    [(None, b""), ("text", b"text"), (b"\x00\x01", b"\x00\x01")],
    ids=["none", "str", "bytes"],
)
def test_prepare_body_wraps_plain_bodies_in_bytesio(body: Any, expected: bytes) -> None:
    prepared = Request(ENDPOINT, body=body).prepare_body()
    assert isinstance(prepared, BytesIO)
    assert prepared.read() == expected


@pytest.mark.parametrize(
    "body",
    [BytesIO(b"data"), BufferedReader(BytesIO(b"data")), BufferableByteStream()],
    ids=["bytesio", "buffered-reader", "bufferable-byte-stream"],
)
def test_prepare_body_keeps_a_binary_file_object(body: BufferedIOBase) -> None:
    assert Request(ENDPOINT, body=body).prepare_body() is body


@pytest.mark.parametrize(
    "body",
    [bytearray(b"data"), memoryview(b"data"), 42, ["data"], object()],
    ids=["bytearray", "memoryview", "int", "list", "object"],
)
def test_prepare_body_refuses_other_types(body: Any) -> None:
    with pytest.raises(ValidationException, match=type(body).__name__):
        Request(ENDPOINT, body=body).prepare()


@pytest.mark.parametrize(
    "endpoint, path, query, uri",
    [
        ("https://h", "/p", "", "https://h/p"),
        ("https://h/", "/p", "", "https://h/p"),
        ("https://h///", "//p", "", "https://h/p"),
        ("https://h", "p", "a=1", "https://h/p?a=1"),
        ("https://h", "/", "", "https://h/"),
        ("https://h:8443", "/a/b", "x&y=2", "https://h:8443/a/b?x&y=2"),
    ],
)
def test_prepared_request_uri(endpoint: str, path: str, query: str, uri: str) -> None:
    prepared = PreparedRequest(endpoint, path, "GET", HeadersDict(), BytesIO(), query)
    assert prepared.uri == uri


# -- Response and ensure_boolean ---------------------------------------------------


def test_response_defaults_to_a_500_without_headers() -> None:
    response = Response()
    assert response.status_code == 500
    assert isinstance(response.headers, HeadersDict)
    assert len(response.headers) == 0


def test_response_headers_are_a_headers_dict() -> None:
    response = Response(200, {"X-Amzn-Request-Id": "r-1 "})
    assert response.status_code == 200
    assert isinstance(response.headers, HeadersDict)
    assert response.headers["x-amzn-request-id"] == "r-1"
    assert Response(404, [("A", "1")]).headers["a"] == "1"
    with pytest.raises(ValidationException):
        Response(200, {None: "x"})


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, True), (False, False), ("true", True), ("TRUE", True), ("True", True),
        ("false", False), ("False", False), ("yes", False), ("1", False), ("", False),
        (" true", False),
    ],
)
def test_ensure_boolean(value: Any, expected: bool) -> None:
    assert ensure_boolean(value) is expected


def test_ensure_boolean_refuses_what_is_neither_bool_nor_str() -> None:
    with pytest.raises(AttributeError):
        ensure_boolean(1)  # type: ignore[arg-type]


# -- TranscribeStreamingSerializer ------------------------------------------------


def serialize(shape: StartStreamTranscriptionRequest, endpoint: str = ENDPOINT) -> Request:
    return TranscribeStreamingSerializer().serialize_start_stream_transcription_request(
        endpoint, shape
    )


def test_the_request_is_a_post_to_stream_transcription_with_a_streaming_body() -> None:
    request = serialize(
        StartStreamTranscriptionRequest(
            language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm"
        )
    )
    assert isinstance(request, Request)
    assert (request.endpoint, request.path, request.method) == (
        ENDPOINT, "/stream-transcription", "POST",
    )
    assert isinstance(request.body, BufferableByteStream)
    with pytest.raises(BlockingIOError):  # empty and open: audio goes there later
        request.body.read()
    assert request.headers == {
        "content-type": "application/vnd.amazon.eventstream",
        "x-amzn-transcribe-language-code": "en-US",
        "x-amzn-transcribe-sample-rate": "16000",
        "x-amzn-transcribe-media-encoding": "pcm",
        # The shape's default (False), as our core writes it.
        "x-amzn-transcribe-identify-multiple-languages": "false",
        "user-agent": _user_agent(),
        "host": "transcribestreaming.us-west-2.amazonaws.com",
    }
    prepared = request.prepare()
    assert prepared.uri == ENDPOINT + "/stream-transcription"
    assert prepared.body is request.body


def test_every_option_has_its_header() -> None:
    shape = StartStreamTranscriptionRequest(
        language_code="en-GB",
        media_sample_rate_hz=8000,
        media_encoding="ogg-opus",
        vocabulary_name="vocab",
        vocabulary_names=["v1", "v2"],
        session_id="c9b6a2f2-6bb4-4b5e-9a51-7d3c2a3f1e10",
        vocab_filter_method="mask",
        vocab_filter_name="filter",
        vocab_filter_names=["f1", "f2", "f3"],
        show_speaker_label=True,
        enable_channel_identification=False,
        number_of_channels=2,
        enable_partial_results_stabilization=True,
        partial_results_stability="high",
        language_model_name="model",
        identify_language=False,
        preferred_language="en-US",
        identify_multiple_languages=True,
        language_options=["en-US", "de-DE"],
        pii_entity_types="NAME,ADDRESS",
        content_redaction_type="PII",
        content_identification_type="PII",
    )
    prefix = "x-amzn-transcribe-"
    assert serialize(shape).headers == {
        "content-type": "application/vnd.amazon.eventstream",
        prefix + "language-code": "en-GB",
        prefix + "sample-rate": "8000",
        prefix + "media-encoding": "ogg-opus",
        prefix + "vocabulary-name": "vocab",
        prefix + "vocabulary-names": "v1,v2",
        prefix + "session-id": "c9b6a2f2-6bb4-4b5e-9a51-7d3c2a3f1e10",
        prefix + "vocabulary-filter-method": "mask",
        prefix + "vocabulary-filter-name": "filter",
        prefix + "vocabulary-filter-names": "f1,f2,f3",
        prefix + "show-speaker-label": "true",
        prefix + "enable-channel-identification": "false",
        prefix + "number-of-channels": "2",
        prefix + "enable-partial-results-stabilization": "true",
        prefix + "partial-results-stability": "high",
        prefix + "language-model-name": "model",
        prefix + "identify-language": "false",
        prefix + "preferred-language": "en-US",
        prefix + "identify-multiple-languages": "true",
        prefix + "language-options": "en-US,de-DE",
        prefix + "pii-entity-types": "NAME,ADDRESS",
        prefix + "content-redaction-type": "PII",
        prefix + "content-identification-type": "PII",
        "user-agent": _user_agent(),
        "host": "transcribestreaming.us-west-2.amazonaws.com",
    }


def test_unset_and_empty_options_send_no_header() -> None:
    headers = serialize(
        StartStreamTranscriptionRequest(
            language_code="en-US",
            media_sample_rate_hz=16000,
            media_encoding="pcm",
            vocabulary_names=[],
            language_options=[],
            identify_multiple_languages=None,
        )
    ).headers
    assert sorted(headers) == [
        "content-type", "host", "user-agent", "x-amzn-transcribe-language-code",
        "x-amzn-transcribe-media-encoding", "x-amzn-transcribe-sample-rate",
    ]


@pytest.mark.parametrize(
    "endpoint, host",
    [
        ("https://transcribestreaming.us-east-1.amazonaws.com", "transcribestreaming.us-east-1.amazonaws.com"),
        ("https://Example.COM/", "example.com"),
        ("https://localhost:443", "localhost"),
        ("https://localhost:8443", "localhost:8443"),
        ("http://localhost:80", "localhost"),
        ("http://localhost:443", "localhost:443"),
        ("https://user:secret@localhost:8443", "localhost:8443"),
        ("https://[::1]:8443", "[::1]:8443"),
        ("https://[::1]", "[::1]"),
    ],
)
def test_the_host_header_is_the_endpoints_authority(endpoint: str, host: str) -> None:
    shape = StartStreamTranscriptionRequest(
        language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm"
    )
    assert serialize(shape, endpoint).headers["host"] == host


@pytest.mark.parametrize(
    "endpoint",
    ["", "not a url", "https://", "/stream-transcription", "https://host:notaport"],
    ids=["empty", "words", "no-host", "path-only", "bad-port"],
)
def test_an_endpoint_without_a_host_is_refused(endpoint: str) -> None:
    shape = StartStreamTranscriptionRequest(
        language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm"
    )
    with pytest.raises(ValidationException):
        serialize(shape, endpoint)


def test_an_option_no_header_can_carry_is_refused() -> None:
    shape = StartStreamTranscriptionRequest(
        language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm",
        vocabulary_name={"not": "a string"},  # type: ignore[arg-type]
    )
    with pytest.raises(ValidationException, match="vocabulary_name"):
        serialize(shape)


# -- AudioEventSerializer -----------------------------------------------------------

AUDIO_HEADERS = {
    ":message-type": "event",
    ":event-type": "AudioEvent",
    ":content-type": "application/octet-stream",
}


@pytest.mark.parametrize(
    "chunk, payload",
    [(b"\x01\x02" * 100, b"\x01\x02" * 100), (b"", b""), (None, b"")],
    ids=["audio", "empty", "none"],
)
def test_an_audio_event_serializes_to_0_6_4s_headers_and_its_bytes(
    chunk: Optional[bytes], payload: bytes
) -> None:
    headers, serialized = AudioEventSerializer().serialize(AudioEvent(chunk))
    assert headers == AUDIO_HEADERS
    assert list(headers) == list(AUDIO_HEADERS)
    assert serialized == payload
    assert isinstance(serialized, bytes)
    # Framed, it is the very message our own audio stream sends.
    assert encode_message(headers, serialized) == _audio_event_message(payload)


def test_each_serialization_returns_its_own_headers() -> None:
    serializer = AudioEventSerializer()
    headers, _ = serializer.serialize(AudioEvent(b"a"))
    headers[":event-type"] = "Tampered"
    assert serializer.serialize(AudioEvent(b"b"))[0] == AUDIO_HEADERS


@pytest.mark.parametrize(
    "event",
    [b"raw audio", None, TranscriptEvent(), Message(headers=AUDIO_HEADERS, payload=b"x")],
    ids=["bytes", "none", "transcript-event", "message"],
)
def test_anything_but_an_audio_event_is_refused(event: Any) -> None:
    with pytest.raises(SerializerException, match=type(event).__name__):
        AudioEventSerializer().serialize(event)


def test_the_base_event_serializer_is_abstract() -> None:
    assert isinstance(AudioEventSerializer(), EventSerializer)
    with pytest.raises(NotImplementedError):
        EventSerializer().serialize(AudioEvent(b"x"))


# -- TranscribeStreamingResponseParser.parse_exception -----------------------------


def error_response(status: int, code: Optional[str], request_id: str = "req-7") -> Response:
    headers = {"x-amzn-RequestId": "ignored", "X-Amzn-Request-Id": request_id}
    if code is not None:
        headers["X-Amzn-ErrorType"] = code
    return Response(status, headers)


@pytest.mark.parametrize("key", ["Message", "message"])
@pytest.mark.parametrize("cls, status", MODELED, ids=[cls.__name__ for cls, _ in MODELED])
def test_parse_exception_returns_each_modeled_exception(
    cls: Type[ServiceException], status: int, key: str
) -> None:
    body = json.dumps({key: f"{cls.__name__} happened"}).encode()
    error = TranscribeStreamingResponseParser().parse_exception(
        error_response(status, cls.__name__), body
    )
    assert type(error) is cls
    assert error.message == f"{cls.__name__} happened"
    assert error.status_code == status
    assert error.error_code == cls.__name__
    assert error.request_id == "req-7"


def test_parse_exception_reads_the_error_type_before_any_suffix() -> None:
    error = TranscribeStreamingResponseParser().parse_exception(
        error_response(400, "BadRequestException:http://internal.amazon.com/coral/"),
        b'{"Message": "bad"}',
    )
    assert type(error) is BadRequestException
    assert error.error_code == "BadRequestException"


def test_parse_exception_makes_an_unknown_code_an_unknown_service_exception() -> None:
    error = TranscribeStreamingResponseParser().parse_exception(
        error_response(418, "TeapotException"), b'{"message": "short and stout"}'
    )
    assert type(error) is UnknownServiceException
    assert (error.status_code, error.error_code, error.message) == (
        418, "TeapotException", "short and stout",
    )
    assert error.request_id == "req-7"


def test_parse_exception_without_an_error_type_is_unknown() -> None:
    error = TranscribeStreamingResponseParser().parse_exception(
        error_response(502, None), b'{"Message": "gateway"}'
    )
    assert type(error) is UnknownServiceException
    assert (error.status_code, error.error_code, error.message) == (502, "Unknown", "gateway")


@pytest.mark.parametrize("cls, status", MODELED, ids=[cls.__name__ for cls, _ in MODELED])
def test_parse_exception_with_a_body_that_is_not_json(
    cls: Type[ServiceException], status: int
) -> None:
    error = TranscribeStreamingResponseParser().parse_exception(
        error_response(status, cls.__name__), b"<html>Service Unavailable</html>"
    )
    assert type(error) is cls
    assert error.status_code == status
    # Our core keeps the body's text as the message (0.6.4 had a fixed text).
    assert error.message == "<html>Service Unavailable</html>"


def test_parse_exception_with_an_empty_body_still_has_a_message() -> None:
    error = TranscribeStreamingResponseParser().parse_exception(
        error_response(400, "BadRequestException"), b""
    )
    assert type(error) is BadRequestException
    assert error.message


def test_parse_exception_returns_and_does_not_raise() -> None:
    error = TranscribeStreamingResponseParser().parse_exception(
        error_response(409, "ConflictException"), b"{}"
    )
    assert isinstance(error, ConflictException)


# -- TranscribeStreamingEventParser -------------------------------------------------


class RawEvent:
    """The shape of 0.6.4's ``EventStreamMessage``, as far as its parser looked."""

    def __init__(self, headers: Dict[str, Any], payload: bytes) -> None:
        self.headers = headers
        self.payload = payload


TRANSCRIPT_PAYLOAD = {
    "Transcript": {
        "Results": [
            {
                "ResultId": "r-1",
                "StartTime": 0.5,
                "EndTime": 1.25,
                "IsPartial": False,
                "ChannelId": "ch_0",
                "LanguageCode": "en-US",
                "Alternatives": [
                    {
                        "Transcript": "Hello John.",
                        "Items": [
                            {
                                "StartTime": 0.5, "EndTime": 0.9, "Type": "pronunciation",
                                "Content": "Hello", "VocabularyFilterMatch": False,
                                "Speaker": "0", "Confidence": 0.98, "Stable": True,
                            },
                            {
                                "StartTime": 0.9, "EndTime": 1.25, "Type": "pronunciation",
                                "Content": "John", "Confidence": 0.5,
                            },
                            {"StartTime": 1.25, "EndTime": 1.25, "Type": "punctuation", "Content": "."},
                        ],
                        "Entities": [
                            {
                                "StartTime": 0.9, "EndTime": 1.25, "Category": "PII",
                                "Type": "NAME", "Content": "John", "Confidence": 0.9,
                            }
                        ],
                    }
                ],
            }
        ]
    }
}

EXPECTED_TRANSCRIPT_EVENT = TranscriptEvent(
    transcript=Transcript(
        results=[
            Result(
                result_id="r-1",
                start_time=0.5,
                end_time=1.25,
                is_partial=False,
                channel_id="ch_0",
                language_code="en-US",
                alternatives=[
                    Alternative(
                        transcript="Hello John.",
                        items=[
                            Item(
                                start_time=0.5, end_time=0.9, item_type="pronunciation",
                                content="Hello", vocabulary_filter_match=False, speaker="0",
                                confidence=0.98, stable=True,
                            ),
                            Item(
                                start_time=0.9, end_time=1.25, item_type="pronunciation",
                                content="John", confidence=0.5,
                            ),
                            Item(start_time=1.25, end_time=1.25, item_type="punctuation", content="."),
                        ],
                        entities=[
                            Entity(
                                start_time=0.9, end_time=1.25, category="PII", content="John",
                                confidence=0.9, entity_type="NAME",
                            )
                        ],
                    )
                ],
            )
        ]
    )
)


def event_headers(event_type: str) -> Dict[str, Any]:
    return {
        ":message-type": "event",
        ":event-type": event_type,
        ":content-type": "application/json",
    }


def exception_headers(exception_type: str) -> Dict[str, Any]:
    return {
        ":message-type": "exception",
        ":exception-type": exception_type,
        ":content-type": "application/json",
    }


@pytest.mark.parametrize("wrap", [RawEvent, Message], ids=["0.6.4-message", "our-message"])
def test_a_transcript_event_becomes_our_transcript_event(wrap: Any) -> None:
    raw = wrap(headers=event_headers("TranscriptEvent"), payload=json.dumps(TRANSCRIPT_PAYLOAD).encode())
    event = TranscribeStreamingEventParser().parse(raw)
    assert type(event) is TranscriptEvent
    assert event == EXPECTED_TRANSCRIPT_EVENT


def test_an_empty_transcript_event_has_no_results() -> None:
    raw = RawEvent(event_headers("TranscriptEvent"), b'{"Transcript": {"Results": []}}')
    assert TranscribeStreamingEventParser().parse(raw) == TranscriptEvent(Transcript(results=[]))


@pytest.mark.parametrize("cls, status", MODELED, ids=[cls.__name__ for cls, _ in MODELED])
def test_an_exception_message_raises_the_modeled_exception(
    cls: Type[ServiceException], status: int
) -> None:
    raw = RawEvent(exception_headers(cls.__name__), json.dumps({"Message": "it broke"}).encode())
    with pytest.raises(cls) as raised:
        TranscribeStreamingEventParser(request_id="req-9").parse(raw)
    assert type(raised.value) is cls
    assert raised.value.message == "it broke"
    assert raised.value.error_code == cls.__name__
    assert raised.value.status_code == status
    assert raised.value.request_id == "req-9"


def test_an_unknown_exception_type_raises_an_unknown_service_exception() -> None:
    raw = RawEvent(exception_headers("BrandNewException"), b'{"Message": "new"}')
    with pytest.raises(UnknownServiceException) as raised:
        TranscribeStreamingEventParser().parse(raw)
    assert (raised.value.error_code, raised.value.message) == ("BrandNewException", "new")


def test_an_unknown_event_type_becomes_an_unknown_event_not_none() -> None:
    headers = event_headers("FutureEvent")
    raw = RawEvent(headers, b'{"Anything": 1}')
    event = TranscribeStreamingEventParser().parse(raw)
    assert event == UnknownEvent(event_type="FutureEvent", payload=b'{"Anything": 1}', headers=headers)


@pytest.mark.parametrize(
    "headers, payload",
    [
        (event_headers("TranscriptEvent"), b"not json"),
        (event_headers("TranscriptEvent"), b"[1, 2]"),
        ({":message-type": "mystery"}, b"{}"),
        ({}, b"{}"),
    ],
    ids=["transcript-not-json", "transcript-not-object", "unknown-message-type", "no-headers"],
)
def test_a_malformed_message_raises_a_serializer_exception(
    headers: Dict[str, Any], payload: bytes
) -> None:
    with pytest.raises(SerializerException):
        TranscribeStreamingEventParser().parse(RawEvent(headers, payload))


# -- TranscribeStreamingResponseParser.parse_start_stream_transcription_response ----


class Body:
    """A response body as 0.6.4's HTTP session gave it: ``chunks()`` of bytes."""

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = chunks

    async def chunks(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


def ok_response() -> Response:
    prefix = "x-amzn-transcribe-"
    return Response(
        200,
        {
            "x-amzn-request-id": "req-42",
            prefix + "language-code": "en-US",
            prefix + "sample-rate": "16000",
            prefix + "media-encoding": "pcm",
            prefix + "vocabulary-name": "vocab",
            prefix + "session-id": "c9b6a2f2-6bb4-4b5e-9a51-7d3c2a3f1e10",
            prefix + "vocabulary-filter-name": "filter",
            prefix + "vocabulary-filter-method": "tag",
            prefix + "show-speaker-label": "True",
            prefix + "enable-channel-identification": "false",
            prefix + "number-of-channels": "2",
            prefix + "enable-partial-results-stabilization": "true",
            prefix + "partial-results-stability": "low",
            prefix + "language-model-name": "model",
            prefix + "pii-entity-types": "NAME,ADDRESS",
            prefix + "content-redaction-type": "PII",
            prefix + "content-identification-type": "PII",
        },
    )


def test_the_response_carries_the_echoed_options() -> None:
    response = TranscribeStreamingResponseParser().parse_start_stream_transcription_response(
        ok_response(), Body()
    )
    assert isinstance(response, StartStreamTranscriptionResponse)
    assert isinstance(response.transcript_result_stream, TranscriptResultStream)
    assert response.request_id == "req-42"
    assert response.language_code == "en-US"
    assert response.media_sample_rate_hz == 16000
    assert response.media_encoding == "pcm"
    assert response.vocabulary_name == "vocab"
    assert response.session_id == "c9b6a2f2-6bb4-4b5e-9a51-7d3c2a3f1e10"
    assert response.vocab_filter_name == "filter"
    assert response.vocab_filter_method == "tag"
    assert response.show_speaker_label is True
    assert response.enable_channel_identification is False
    assert response.number_of_channels == 2
    assert response.enable_partial_results_stabilization is True
    assert response.partial_results_stability == "low"
    assert response.language_model_name == "model"
    assert response.pii_entity_types == "NAME,ADDRESS"
    assert response.content_redaction_type == "PII"
    assert response.content_identification_type == "PII"
    assert response.vocabulary_names is None


def test_a_response_without_options_leaves_them_none() -> None:
    response = TranscribeStreamingResponseParser().parse_start_stream_transcription_response(
        Response(200), Body()
    )
    assert response.request_id is None
    assert response.show_speaker_label is None
    assert response.media_sample_rate_hz is None


async def next_event(stream: Any) -> Any:
    return await asyncio.wait_for(stream.__anext__(), WAIT)


async def test_the_result_stream_decodes_the_body_with_the_event_parser() -> None:
    transcript = encode_message(
        event_headers("TranscriptEvent"), json.dumps(TRANSCRIPT_PAYLOAD).encode()
    )
    failure = encode_message(
        exception_headers("LimitExceededException"), b'{"Message": "too long"}'
    )
    # Split so that a message spans two chunks.
    body = Body(transcript[:7], transcript[7:] + failure[:20], failure[20:])
    response = TranscribeStreamingResponseParser().parse_start_stream_transcription_response(
        ok_response(), body
    )
    stream = response.transcript_result_stream.__aiter__()
    assert await next_event(stream) == EXPECTED_TRANSCRIPT_EVENT
    with pytest.raises(LimitExceededException) as raised:
        await next_event(stream)
    assert raised.value.message == "too long"
    assert raised.value.request_id == "req-42"


async def test_the_result_stream_ends_with_the_body() -> None:
    transcript = encode_message(
        event_headers("TranscriptEvent"), b'{"Transcript": {"Results": []}}'
    )
    response = TranscribeStreamingResponseParser().parse_start_stream_transcription_response(
        ok_response(), Body(transcript)
    )
    events = []
    async for event in response.transcript_result_stream:
        events.append(event)
    assert events == [TranscriptEvent(Transcript(results=[]))]


# -- the 0.6.4 import paths ---------------------------------------------------------


def test_names_0_6_4s_modules_imported_are_importable_from_them() -> None:
    from amazon_transcribe import deserialize, eventstream, exceptions, model, serialize, utils

    assert deserialize.TranscriptEvent is model.TranscriptEvent
    assert deserialize.TranscriptResultStream is model.TranscriptResultStream
    assert deserialize.BadRequestException is exceptions.BadRequestException
    assert deserialize.ensure_boolean is utils.ensure_boolean
    assert deserialize.Response is Response
    assert serialize.Request is Request
    assert serialize.AudioEvent is model.AudioEvent
    assert serialize.StartStreamTranscriptionRequest is model.StartStreamTranscriptionRequest
    assert serialize.SerializerException is exceptions.SerializerException
    assert serialize.BaseEvent is deserialize.BaseEvent is eventstream.BaseEvent
    assert utils.ValidationException is exceptions.ValidationException
