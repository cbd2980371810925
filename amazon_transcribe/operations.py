"""One frozen description per streaming operation: everything the client needs to know of it.

An :class:`OperationSpec` holds an operation's path, its header table (one
:class:`Header` row per option, used both to write the request's headers and
to read the options the service echoes in the response), the output event
types and their decoders, its exception registry, the stream classes of a
started call and the checks the client makes before sending. The client's
``start_*`` methods keep their explicit keyword signatures and hand the
request and its spec to one shared path.

Adding a header to an operation is one :class:`Header` row (plus the
attribute on the request and response shapes); adding an operation is its
shapes plus one spec.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, fields
from typing import Any, Callable, Dict, Generic, List, Mapping, Optional, Tuple, Type, TypeVar

from .call_analytics import (
    CallAnalyticsLanguageCode,
    StartCallAnalyticsStreamTranscriptionRequest,
    StartCallAnalyticsStreamTranscriptionResponse,
)
from ._deserialize import (
    _CALL_ANALYTICS_EVENTS,
    _MEDICAL_SCRIBE_EVENTS,
    _MEDICAL_TRANSCRIPT_EVENTS,
    _EventDecoder,
    _parse_bool,
    _parse_int,
    _parse_output_message,
    _transcript_event,
)
from ._eventstream import Message
from .exceptions import (
    SERVICE_EXCEPTIONS,
    STREAMING_EXCEPTIONS,
    ServiceException,
    ValidationException,
)
from .medical import (
    MedicalContentIdentificationType,
    MedicalTranscriptionType,
    Specialty,
    StartMedicalStreamTranscriptionRequest,
    StartMedicalStreamTranscriptionResponse,
)
from .medical_scribe import (
    MedicalScribeLanguageCode,
    MedicalScribeMediaEncoding,
    StartMedicalScribeStreamRequest,
    StartMedicalScribeStreamResponse,
)
from .protocol import EventParser
from ._serialize import _EVENTSTREAM_CONTENT_TYPE, _header_value
from .shapes import (
    ContentIdentificationType,
    ContentRedactionType,
    LanguageCode,
    MediaEncoding,
    PartialResultsStability,
    StartStreamTranscriptionRequest,
    StartStreamTranscriptionResponse,
    TranscriptFormat,
    VocabularyFilterMethod,
    _to_enum,
)
from .streams import (
    CallAnalyticsTranscriptResultStream,
    EventStreamSession,
    MedicalScribeResultStream,
    MedicalTranscriptResultStream,
    OutputStream,
    StartCallAnalyticsStreamTranscriptionEventStream,
    StartMedicalScribeStreamEventStream,
    StartMedicalStreamTranscriptionEventStream,
    StartStreamTranscriptionEventStream,
    TranscriptResultStream,
)

__all__ = [
    "Header",
    "OperationSpec",
    "START_STREAM_TRANSCRIPTION",
    "START_MEDICAL_STREAM_TRANSCRIPTION",
    "START_CALL_ANALYTICS_STREAM_TRANSCRIPTION",
    "START_MEDICAL_SCRIBE_STREAM",
    "STREAMING_OPERATIONS",
]

#: Every option header's prefix.
_PREFIX = "x-amzn-transcribe-"
#: The response header carrying the request id.
_REQUEST_ID_HEADER = "x-amzn-request-id"


def _text(value: str) -> str:
    return value


def _list(value: str) -> List[str]:
    return [item for item in (part.strip() for part in value.split(",")) if item]


_READERS: Dict[Any, Callable[[str], Any]] = {str: _text, int: _parse_int, bool: _parse_bool, list: _list}


@dataclass(frozen=True)
class Header:
    """One option of an operation and the header that carries it, both ways.

    :param attribute: the option's name on the request and response shapes.
    :param suffix: the header name after ``x-amzn-transcribe-``.
    :param kind: how the response's value is read: ``str``, ``int``,
        ``bool``, ``list`` (comma-separated) or an enumeration class
        (unknown values stay strings). Requests render every kind the same
        way (:func:`~amazon_transcribe.serialize._header_value`).
    """

    attribute: str
    suffix: str
    kind: Any = str

    @functools.cached_property
    def name(self) -> str:
        """The full header name."""
        return _PREFIX + self.suffix

    def write(self, value: Any) -> Optional[str]:
        """The header value of an option.

        :param value: the option's value.
        :returns: the value to send, or ``None`` when the option is unset.
        :raises ValidationException: the value has a type no header can carry.
        """
        return _header_value(self.attribute, value)

    def read(self, value: Optional[str]) -> Any:
        """The option's value from the response header.

        :param value: the header value, or ``None`` when absent.
        :returns: the typed value, or ``None``.
        """
        if value is None:
            return None
        if isinstance(self.kind, type) and issubclass(self.kind, enum.Enum):
            return _to_enum(self.kind, value)
        return _READERS[self.kind](value)


_Started = TypeVar("_Started")


@dataclass(frozen=True)
class OperationSpec(Generic[_Started]):
    """Everything the client needs to know of one streaming operation.

    :param name: the operation's name in the service model.
    :param path: the request path.
    :param headers: the option headers, in the order they are sent.
    :param request_type: the request shape (a dataclass).
    :param response_type: the response shape (a dataclass).
    :param stream_field: the response attribute that holds the output stream.
    :param events: the output union's event types and their decoders.
    :param exceptions: the operation's modeled exceptions by name.
    :param output_stream: the output stream class.
    :param started_stream: makes the started call from its session and its
        response (a started-stream class's ``_from_session``).
    :param required: options that must be set.
    :param language_unless: ``language_code`` is required unless one of
        these options is set (empty: ``language_code`` is not checked here).
    """

    name: str
    path: str
    headers: Tuple[Header, ...]
    request_type: type
    response_type: type
    stream_field: str
    events: Mapping[str, _EventDecoder]
    exceptions: Mapping[str, Type[ServiceException]]
    output_stream: Type[OutputStream[Any]]
    started_stream: Callable[[EventStreamSession, Any], _Started]
    required: Tuple[str, ...] = ()
    language_unless: Tuple[str, ...] = ()

    def make_request(self, options: Mapping[str, Any]) -> Any:
        """Build the request shape from the caller's options.

        :param options: at least every field of the request shape by name
            (a ``start_*`` method's ``locals()``: its keyword arguments).
        :returns: the request.
        """
        return self.request_type(**{name: options[name] for name in self._request_fields})

    @functools.cached_property
    def _request_fields(self) -> Tuple[str, ...]:
        return tuple(f.name for f in fields(self.request_type))

    def check(self, request: Any) -> None:
        """Refuse locally what can never work; the service validates the rest.

        :param request: the request shape.
        :raises ValidationException: a required option is missing, or the
            sample rate is not an int.
        """
        rate = request.media_sample_rate_hz
        if rate is None:
            raise ValidationException("media_sample_rate_hz is required")
        if isinstance(rate, bool) or not isinstance(rate, int):
            raise ValidationException("media_sample_rate_hz must be an int")
        if request.media_encoding is None:
            raise ValidationException("media_encoding is required (e.g. 'pcm')")
        if self.language_unless and request.language_code is None and not any(
            getattr(request, flag) for flag in self.language_unless
        ):
            raise ValidationException(
                f"language_code is required unless {' or '.join(self.language_unless)} is set"
            )
        for name in self.required:
            if getattr(request, name) is None:
                raise ValidationException(f"{name} is required")

    def request_headers(self, request: Any) -> List[Tuple[str, str]]:
        """The request's headers: the event-stream content type, then every option set.

        :param request: the request shape.
        :returns: ``(name, value)`` pairs.
        :raises ValidationException: an option has a type no header can carry.
        """
        headers = [("content-type", _EVENTSTREAM_CONTENT_TYPE)]
        for header in self.headers:
            value = header.write(getattr(request, header.attribute))
            if value is not None:
                headers.append((header.name, value))
        return headers

    def response_fields(self, headers: Mapping[str, str]) -> Dict[str, Any]:
        """The response's fields from its headers (the stream field excepted).

        :param headers: response headers by lowercase name.
        :returns: keyword arguments for the response shape.
        """
        # Every option starts unset; only the few headers the response
        # carries are read (a response echoes the options that were set).
        values = dict(self._unset_fields)
        by_name = self._headers_by_name
        for name, value in headers.items():
            header = by_name.get(name)
            if header is not None:
                values[header.attribute] = header.read(value)
        values["request_id"] = headers.get(_REQUEST_ID_HEADER)
        return values

    @functools.cached_property
    def _headers_by_name(self) -> Dict[str, Header]:
        return {header.name: header for header in self.headers}

    @functools.cached_property
    def _unset_fields(self) -> Dict[str, Any]:
        return {header.attribute: None for header in self.headers}

    def parser(self, request_id: Optional[str]) -> EventParser:
        """The output stream's parser, once the request id is known.

        :param request_id: the call's request id (exceptions carry it).
        :returns: message → event.
        """
        events, registry = self.events, self.exceptions

        def parse(message: Message) -> Any:
            return _parse_output_message(message, events, request_id=request_id, registry=registry)

        return parse

    def started(self, session: EventStreamSession, headers: Mapping[str, str]) -> _Started:
        """The started call: its response (with the output stream) and both streams.

        :param session: the stream session.
        :param headers: response headers by lowercase name.
        :returns: the started-stream object.
        """
        output = self.output_stream(session)
        response = self.response_type(**{self.stream_field: output}, **self.response_fields(headers))
        return self.started_stream(session, response)


def _h(attribute: str, suffix: str, kind: Any = str) -> Header:
    return Header(attribute, suffix, kind)


# The rows every streaming operation shares, by option.
_LANGUAGE = _h("language_code", "language-code", LanguageCode)
_RATE = _h("media_sample_rate_hz", "sample-rate", int)
_ENCODING = _h("media_encoding", "media-encoding", MediaEncoding)
_VOCABULARY = _h("vocabulary_name", "vocabulary-name")
_VOCABULARIES = _h("vocabulary_names", "vocabulary-names", list)
_SESSION = _h("session_id", "session-id")
_FILTER_METHOD = _h("vocab_filter_method", "vocabulary-filter-method", VocabularyFilterMethod)
_FILTER = _h("vocab_filter_name", "vocabulary-filter-name")
_FILTERS = _h("vocab_filter_names", "vocabulary-filter-names", list)
_SPEAKERS = _h("show_speaker_label", "show-speaker-label", bool)
_CHANNEL_ID = _h("enable_channel_identification", "enable-channel-identification", bool)
_CHANNELS = _h("number_of_channels", "number-of-channels", int)
_STABILIZE = _h(
    "enable_partial_results_stabilization", "enable-partial-results-stabilization", bool
)
_STABILITY = _h("partial_results_stability", "partial-results-stability", PartialResultsStability)
_LANGUAGE_MODEL = _h("language_model_name", "language-model-name")
_IDENTIFY = _h("identify_language", "identify-language", bool)
_IDENTIFY_MANY = _h("identify_multiple_languages", "identify-multiple-languages", bool)
_OPTIONS = _h("language_options", "language-options", list)
_PII_TYPES = _h("pii_entity_types", "pii-entity-types")
_REDACTION = _h("content_redaction_type", "content-redaction-type", ContentRedactionType)
_IDENTIFICATION = _h(
    "content_identification_type", "content-identification-type", ContentIdentificationType
)

#: StartStreamTranscription (PROTOCOL.md §6.1).
START_STREAM_TRANSCRIPTION: OperationSpec[StartStreamTranscriptionEventStream] = OperationSpec(
    name="StartStreamTranscription",
    path="/stream-transcription",
    headers=(
        _LANGUAGE,
        _RATE,
        _ENCODING,
        _VOCABULARY,
        _VOCABULARIES,
        _SESSION,
        _FILTER_METHOD,
        _FILTER,
        _FILTERS,
        _SPEAKERS,
        _CHANNEL_ID,
        _CHANNELS,
        _STABILIZE,
        _STABILITY,
        _LANGUAGE_MODEL,
        _IDENTIFY,
        _h("preferred_language", "preferred-language", LanguageCode),
        _IDENTIFY_MANY,
        _OPTIONS,
        _PII_TYPES,
        _REDACTION,
        _IDENTIFICATION,
        _h("session_resume_window", "session-resume-window", int),
        _h("transcript_format", "transcript-format", TranscriptFormat),
    ),
    request_type=StartStreamTranscriptionRequest,
    response_type=StartStreamTranscriptionResponse,
    stream_field="transcript_result_stream",
    events={"TranscriptEvent": _transcript_event},
    exceptions=SERVICE_EXCEPTIONS,
    output_stream=TranscriptResultStream,
    started_stream=StartStreamTranscriptionEventStream._from_session,
    language_unless=("identify_language", "identify_multiple_languages"),
)

#: StartMedicalStreamTranscription (PROTOCOL.md §6.2).
START_MEDICAL_STREAM_TRANSCRIPTION: OperationSpec[
    StartMedicalStreamTranscriptionEventStream
] = OperationSpec(
    name="StartMedicalStreamTranscription",
    path="/medical-stream-transcription",
    headers=(
        _LANGUAGE,
        _RATE,
        _ENCODING,
        _VOCABULARY,
        _h("specialty", "specialty", Specialty),
        _h("type", "type", MedicalTranscriptionType),
        _SPEAKERS,
        _SESSION,
        _CHANNEL_ID,
        _CHANNELS,
        _h(
            "content_identification_type",
            "content-identification-type",
            MedicalContentIdentificationType,
        ),
    ),
    request_type=StartMedicalStreamTranscriptionRequest,
    response_type=StartMedicalStreamTranscriptionResponse,
    stream_field="transcript_result_stream",
    events=_MEDICAL_TRANSCRIPT_EVENTS,
    exceptions=STREAMING_EXCEPTIONS,
    output_stream=MedicalTranscriptResultStream,
    started_stream=StartMedicalStreamTranscriptionEventStream._from_session,
    required=("language_code", "specialty", "type"),
)

#: StartCallAnalyticsStreamTranscription (PROTOCOL.md §6.3).
START_CALL_ANALYTICS_STREAM_TRANSCRIPTION: OperationSpec[
    StartCallAnalyticsStreamTranscriptionEventStream
] = OperationSpec(
    name="StartCallAnalyticsStreamTranscription",
    path="/call-analytics-stream-transcription",
    headers=(
        _h("language_code", "language-code", CallAnalyticsLanguageCode),
        _RATE,
        _ENCODING,
        _VOCABULARY,
        _SESSION,
        _FILTER,
        _FILTER_METHOD,
        _LANGUAGE_MODEL,
        _IDENTIFY,
        _OPTIONS,
        _h("preferred_language", "preferred-language", CallAnalyticsLanguageCode),
        _VOCABULARIES,
        _FILTERS,
        _STABILIZE,
        _STABILITY,
        _IDENTIFICATION,
        _REDACTION,
        _PII_TYPES,
    ),
    request_type=StartCallAnalyticsStreamTranscriptionRequest,
    response_type=StartCallAnalyticsStreamTranscriptionResponse,
    stream_field="call_analytics_transcript_result_stream",
    events=_CALL_ANALYTICS_EVENTS,
    exceptions=STREAMING_EXCEPTIONS,
    output_stream=CallAnalyticsTranscriptResultStream,
    started_stream=StartCallAnalyticsStreamTranscriptionEventStream._from_session,
    language_unless=("identify_language",),
)

#: StartMedicalScribeStream (PROTOCOL.md §6.4).
START_MEDICAL_SCRIBE_STREAM: OperationSpec[StartMedicalScribeStreamEventStream] = OperationSpec(
    name="StartMedicalScribeStream",
    path="/medical-scribe-stream",
    headers=(
        _SESSION,
        _h("language_code", "language-code", MedicalScribeLanguageCode),
        _RATE,
        _h("media_encoding", "media-encoding", MedicalScribeMediaEncoding),
    ),
    request_type=StartMedicalScribeStreamRequest,
    response_type=StartMedicalScribeStreamResponse,
    stream_field="result_stream",
    events=_MEDICAL_SCRIBE_EVENTS,
    exceptions=STREAMING_EXCEPTIONS,
    output_stream=MedicalScribeResultStream,
    started_stream=StartMedicalScribeStreamEventStream._from_session,
    required=("language_code",),
)

#: The streaming operations by name.
STREAMING_OPERATIONS: Mapping[str, OperationSpec[Any]] = {
    spec.name: spec
    for spec in (
        START_STREAM_TRANSCRIPTION,
        START_MEDICAL_STREAM_TRANSCRIPTION,
        START_CALL_ANALYTICS_STREAM_TRANSCRIPTION,
        START_MEDICAL_SCRIBE_STREAM,
    )
}
