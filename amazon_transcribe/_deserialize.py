"""Responses and output events from wire form to typed objects.

Sans-IO: no asyncio, no awscrt. Errors the service reports become the typed
exceptions of :mod:`amazon_transcribe.exceptions`, chosen through its
registry; event types this SDK does not know become
:class:`~amazon_transcribe.shapes.UnknownEvent`; malformed payloads raise
:class:`~amazon_transcribe.exceptions.SerializerException`.
"""

from __future__ import annotations

import datetime
import json
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Type, Union

from .call_analytics import (
    CallAnalyticsEntity,
    CallAnalyticsItem,
    CallAnalyticsLanguageCode,
    CallAnalyticsLanguageWithScore,
    CategoryEvent,
    CharacterOffsets,
    IssueDetected,
    ParticipantRole,
    PointsOfInterest,
    Sentiment,
    TimestampRange,
    UtteranceEvent,
)
from ._eventstream import Message
from .exceptions import (
    SERVICE_EXCEPTIONS,
    SerializerException,
    ServiceException,
    _service_exception,
)
from .medical import (
    MedicalAlternative,
    MedicalEntity,
    MedicalItem,
    MedicalResult,
    MedicalTranscript,
    MedicalTranscriptEvent,
)
from .medical_scribe import (
    ClinicalNoteGenerationResult,
    ClinicalNoteGenerationSettings,
    ClinicalNoteGenerationStatus,
    MedicalScribeChannelDefinition,
    MedicalScribeEncryptionSettings,
    MedicalScribeLanguageCode,
    MedicalScribeMediaEncoding,
    MedicalScribeNoteTemplate,
    MedicalScribeParticipantRole,
    MedicalScribePostStreamAnalyticsResult,
    MedicalScribePostStreamAnalyticsSettings,
    MedicalScribeStreamDetails,
    MedicalScribeStreamStatus,
    MedicalScribeTranscriptEvent,
    MedicalScribeTranscriptItem,
    MedicalScribeTranscriptItemType,
    MedicalScribeTranscriptSegment,
    MedicalScribeVocabularyFilterMethod,
)
from .shapes import (
    Alternative,
    Entity,
    Item,
    ItemType,
    LanguageCode,
    LanguageWithScore,
    Result,
    Transcript,
    TranscriptEvent,
    UnknownEvent,
    _to_enum,
)

__all__: List[str] = []

#: Largest error body read from a failed response.
_MAX_ERROR_BODY = 64 * 1024


def _header_map(headers: Sequence[Tuple[str, str]]) -> Dict[str, str]:
    """Index response headers by lowercase name (repeated names joined by ``,``).

    :param headers: the headers as received.
    :returns: name → value.
    """
    result: Dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        result[key] = f"{result[key]},{value}" if key in result else value
    return result


def _parse_bool(value: Optional[str]) -> Optional[bool]:
    """Parse a boolean header (case-insensitive, as the service may echo either).

    :param value: the header value or ``None``.
    :returns: the boolean, or ``None`` when absent or not a boolean.
    """
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None


def _parse_int(value: Optional[str]) -> Optional[int]:
    """Parse an integer header.

    :param value: the header value or ``None``.
    :returns: the integer, or ``None`` when absent or not an integer.
    """
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _message_of(body: bytes) -> str:
    try:
        document = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, ValueError):
        text = body[:200].decode("utf-8", "replace").strip()
        return text or "(no message)"
    if isinstance(document, dict):
        for key in ("Message", "message"):
            if isinstance(document.get(key), str):
                return str(document[key])
    return "(no message)"


def _error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    registry: Mapping[str, Type[ServiceException]] = SERVICE_EXCEPTIONS,
) -> ServiceException:
    """The exception for an HTTP error response that came before the stream.

    :param status: the HTTP status.
    :param headers: response headers by lowercase name.
    :param body: the (JSON) body.
    :param registry: the operation's modeled exceptions.
    :returns: the typed exception (not raised).
    """
    code = headers.get("x-amzn-errortype")
    if not code and body:
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            document = None
        if isinstance(document, dict):
            found = document.get("__type") or document.get("code")
            code = found if isinstance(found, str) else None
    return _service_exception(
        code,
        _message_of(body),
        status_code=status,
        request_id=headers.get("x-amzn-request-id"),
        registry=registry,
    )


def _exception_from_message(
    message: Message,
    *,
    request_id: Optional[str] = None,
    registry: Mapping[str, Type[ServiceException]] = SERVICE_EXCEPTIONS,
) -> ServiceException:
    """The exception carried by an ``exception`` or ``error`` message.

    :param message: a message whose ``:message-type`` is ``exception`` or ``error``.
    :param request_id: the stream's request id.
    :param registry: the output stream's modeled exceptions.
    :returns: the typed exception (not raised).
    """
    headers = message.headers
    if headers.get(":message-type") == "error":
        code = headers.get(":error-code")
        text = headers.get(":error-message")
        return _service_exception(
            code if isinstance(code, str) else "UnknownError",
            text if isinstance(text, str) else "(no message)",
            request_id=request_id,
            registry={},  # unmodeled by definition
        )
    code = headers.get(":exception-type")
    return _service_exception(
        code if isinstance(code, str) else None,
        _message_of(message.payload),
        request_id=request_id,
        registry=registry,
    )


def _json(message: Message) -> Dict[str, Any]:
    try:
        document = json.loads(message.payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SerializerException(
            f"{message.headers.get(':event-type')!r} payload is not JSON: {exc}"
        ) from None
    if not isinstance(document, dict):
        raise SerializerException(
            f"{message.headers.get(':event-type')!r} payload is not a JSON object"
        )
    return document


# -- declarative payload decoding -------------------------------------------------
#
# Each structure is one table of (attribute, JSON member, converter) rows,
# compiled once into a function ``decode(dict) -> shape`` whose body is the
# same straight-line code a person would write: one converter call per
# member, no per-field loop or keyword dictionary at run time. Converters
# are total: a member that is absent or of the wrong JSON type becomes
# ``None`` (or the empty value the model's shape requires), never an error.

_Converter = Callable[[Any], Any]


def _float(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _opt_bool(value: Any) -> Optional[bool]:
    return value if isinstance(value, bool) else None


def _opt_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _int(value: Any) -> Optional[int]:
    # JSON longs may arrive as 19010 or 19010.0; booleans are not numbers here.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _timestamp(value: Any) -> Optional[datetime.datetime]:
    # restJson1 body timestamps are epoch seconds (possibly fractional).
    seconds = _float(value)
    if seconds is None:
        return None
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)


def _str_map(value: Any) -> Optional[Dict[str, str]]:
    if not isinstance(value, dict):
        return None
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _strings(value: Any) -> Optional[List[str]]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else None


def _required_str(value: Any) -> str:
    # A member the model requires: its shape has no None for it.
    return value if isinstance(value, str) else ""


def _required_int(value: Any) -> int:
    number = _int(value)
    return 0 if number is None else number


def _enum(cls: Any, *, required: bool = False) -> _Converter:
    empty = "" if required else None

    def convert(value: Any) -> Any:
        return _to_enum(cls, value) if isinstance(value, str) else empty

    return convert


def _one(decode: _Converter) -> _Converter:
    """A nested structure; ``None`` when absent."""

    def convert(value: Any) -> Any:
        return decode(value) if isinstance(value, dict) else None

    return convert


def _always(decode: _Converter) -> _Converter:
    """A nested structure that is always built (empty when absent)."""

    def convert(value: Any) -> Any:
        return decode(value if isinstance(value, dict) else {})

    return convert


def _many(decode: _Converter) -> _Converter:
    """A list of structures; empty when absent."""

    def convert(value: Any) -> List[Any]:
        return [decode(v) for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    return convert


def _many_or_none(decode: _Converter) -> _Converter:
    """A list of structures; ``None`` when absent (the service did not send it)."""
    many = _many(decode)

    def convert(value: Any) -> Optional[List[Any]]:
        return None if value is None else many(value)

    return convert


def _map_of(decode: _Converter) -> _Converter:
    """A map of structures by name; ``None`` when absent."""

    def convert(value: Any) -> Optional[Dict[str, Any]]:
        if not isinstance(value, dict):
            return None
        return {name: decode(v) for name, v in value.items() if isinstance(v, dict)}

    return convert


def _structure(cls: type, *rows: Tuple[str, str, _Converter]) -> Callable[[Mapping[str, Any]], Any]:
    """Compile a field table into a decoder of ``cls`` from its JSON object.

    :param cls: the shape.
    :param rows: ``(attribute, JSON member, converter)``, one per field.
    :returns: ``decode(dict) -> cls``.
    """
    namespace: Dict[str, Any] = {"_cls": cls}
    arguments = []
    for index, (attribute, member, convert) in enumerate(rows):
        namespace[f"_c{index}"] = convert
        arguments.append(f"{attribute}=_c{index}(get({member!r}))")
    source = (
        f"def decode_{cls.__name__}(data):\n"
        "    get = data.get\n"
        f"    return _cls({', '.join(arguments)})\n"
    )
    exec(compile(source, f"<decoder of {cls.__name__}>", "exec"), namespace)  # noqa: S102
    decoder: Callable[[Mapping[str, Any]], Any] = namespace[f"decode_{cls.__name__}"]
    return decoder


def _event(decode: Callable[[Mapping[str, Any]], Any]) -> Callable[[Message], Any]:
    def decode_message(message: Message) -> Any:
        return decode(_json(message))

    return decode_message


_F, _B, _S, _I = _float, _opt_bool, _opt_str, _int

# -- StartStreamTranscription (PROTOCOL.md §8.1) --

_item = _structure(
    Item,
    ("start_time", "StartTime", _F),
    ("end_time", "EndTime", _F),
    ("item_type", "Type", _enum(ItemType)),
    ("content", "Content", _S),
    ("vocabulary_filter_match", "VocabularyFilterMatch", _B),
    ("speaker", "Speaker", _S),
    ("confidence", "Confidence", _F),
    ("stable", "Stable", _B),
)
_entity = _structure(
    Entity,
    ("start_time", "StartTime", _F),
    ("end_time", "EndTime", _F),
    ("category", "Category", _S),
    ("content", "Content", _S),
    ("confidence", "Confidence", _F),
    ("entity_type", "Type", _S),
)
_alternative = _structure(
    Alternative,
    ("transcript", "Transcript", _S),
    ("items", "Items", _many(_item)),
    ("entities", "Entities", _many(_entity)),
)
_language_with_score = _structure(
    LanguageWithScore,
    ("language_code", "LanguageCode", _enum(LanguageCode)),
    ("score", "Score", _F),
)
_result = _structure(
    Result,
    ("result_id", "ResultId", _S),
    ("start_time", "StartTime", _F),
    ("end_time", "EndTime", _F),
    ("is_partial", "IsPartial", _B),
    ("alternatives", "Alternatives", _many(_alternative)),
    ("channel_id", "ChannelId", _S),
    ("language_code", "LanguageCode", _enum(LanguageCode)),
    ("language_identification", "LanguageIdentification", _many_or_none(_language_with_score)),
)
_transcript_event_payload = _structure(
    TranscriptEvent,
    ("transcript", "Transcript", _always(_structure(Transcript, ("results", "Results", _many(_result))))),
)

#: Parse a ``TranscriptEvent`` message (raises :class:`SerializerException`
#: when the payload is not a JSON object).
_transcript_event: Callable[[Message], TranscriptEvent] = _event(_transcript_event_payload)


#: Parses the payload of one output event type.
_EventDecoder = Callable[[Message], Any]


def _parse_output_message(
    message: Message,
    events: Mapping[str, _EventDecoder],
    *,
    request_id: Optional[str] = None,
    registry: Mapping[str, Type[ServiceException]] = SERVICE_EXCEPTIONS,
) -> Any:
    """Turn one output message of any operation into an event.

    :param message: the decoded message.
    :param events: the output union's event types and their decoders.
    :param request_id: the stream's request id, for exceptions.
    :param registry: the operation's modeled exceptions.
    :returns: the decoded event, or an :class:`UnknownEvent` for event types
        not in ``events``.
    :raises ServiceException: the message is an exception or error message.
    :raises SerializerException: the message is malformed.
    """
    kind = message.headers.get(":message-type")
    if kind in ("exception", "error"):
        raise _exception_from_message(message, request_id=request_id, registry=registry)
    event_type = message.headers.get(":event-type")
    if kind != "event" or not isinstance(event_type, str):
        raise SerializerException(
            f"output message has :message-type {kind!r} and :event-type {event_type!r}"
        )
    decode = events.get(event_type)
    if decode is not None:
        return decode(message)
    return UnknownEvent(event_type=event_type, payload=message.payload, headers=dict(message.headers))


def _output_event(
    message: Message,
    *,
    request_id: Optional[str] = None,
    registry: Mapping[str, Type[ServiceException]] = SERVICE_EXCEPTIONS,
) -> Union[TranscriptEvent, UnknownEvent]:
    """Turn one output message of StartStreamTranscription into an event.

    :param message: the decoded message.
    :param request_id: the stream's request id, for exceptions.
    :param registry: the modeled exceptions.
    :returns: a :class:`TranscriptEvent`, or an :class:`UnknownEvent` for
        event types this SDK does not know.
    :raises ServiceException: the message is an exception or error message.
    :raises SerializerException: the message is malformed.
    """
    event: Union[TranscriptEvent, UnknownEvent] = _parse_output_message(
        message, {"TranscriptEvent": _transcript_event}, request_id=request_id, registry=registry
    )
    return event


# -- StartMedicalStreamTranscription (PROTOCOL.md §8.2) --

_medical_item = _structure(
    MedicalItem,
    ("start_time", "StartTime", _F),
    ("end_time", "EndTime", _F),
    ("item_type", "Type", _enum(ItemType)),
    ("content", "Content", _S),
    ("confidence", "Confidence", _F),
    ("speaker", "Speaker", _S),
)
_medical_entity = _structure(
    MedicalEntity,
    ("start_time", "StartTime", _F),
    ("end_time", "EndTime", _F),
    ("category", "Category", _S),
    ("content", "Content", _S),
    ("confidence", "Confidence", _F),
)
_medical_alternative = _structure(
    MedicalAlternative,
    ("transcript", "Transcript", _S),
    ("items", "Items", _many(_medical_item)),
    ("entities", "Entities", _many(_medical_entity)),
)
_medical_result = _structure(
    MedicalResult,
    ("result_id", "ResultId", _S),
    ("start_time", "StartTime", _F),
    ("end_time", "EndTime", _F),
    ("is_partial", "IsPartial", _B),
    ("alternatives", "Alternatives", _many(_medical_alternative)),
    ("channel_id", "ChannelId", _S),
)
_medical_transcript_event_payload = _structure(
    MedicalTranscriptEvent,
    (
        "transcript",
        "Transcript",
        _always(_structure(MedicalTranscript, ("results", "Results", _many(_medical_result)))),
    ),
)

#: Parse a medical ``TranscriptEvent`` message.
_medical_transcript_event: Callable[[Message], MedicalTranscriptEvent] = _event(
    _medical_transcript_event_payload
)

# -- StartCallAnalyticsStreamTranscription (PROTOCOL.md §8.3) --

_call_analytics_item = _structure(
    CallAnalyticsItem,
    ("begin_offset_millis", "BeginOffsetMillis", _I),
    ("end_offset_millis", "EndOffsetMillis", _I),
    ("item_type", "Type", _enum(ItemType)),
    ("content", "Content", _S),
    ("confidence", "Confidence", _F),
    ("vocabulary_filter_match", "VocabularyFilterMatch", _B),
    ("stable", "Stable", _B),
)
_call_analytics_entity = _structure(
    CallAnalyticsEntity,
    ("begin_offset_millis", "BeginOffsetMillis", _I),
    ("end_offset_millis", "EndOffsetMillis", _I),
    ("category", "Category", _S),
    ("entity_type", "Type", _S),
    ("content", "Content", _S),
    ("confidence", "Confidence", _F),
)
_issue = _structure(
    IssueDetected,
    (
        "character_offsets",
        "CharacterOffsets",
        _one(_structure(CharacterOffsets, ("begin", "Begin", _I), ("end", "End", _I))),
    ),
)
_utterance_event_payload = _structure(
    UtteranceEvent,
    ("utterance_id", "UtteranceId", _S),
    ("is_partial", "IsPartial", _B),
    ("participant_role", "ParticipantRole", _enum(ParticipantRole)),
    ("begin_offset_millis", "BeginOffsetMillis", _I),
    ("end_offset_millis", "EndOffsetMillis", _I),
    ("transcript", "Transcript", _S),
    ("items", "Items", _many_or_none(_call_analytics_item)),
    ("entities", "Entities", _many_or_none(_call_analytics_entity)),
    ("sentiment", "Sentiment", _enum(Sentiment)),
    ("issues_detected", "IssuesDetected", _many_or_none(_issue)),
    ("language_code", "LanguageCode", _enum(CallAnalyticsLanguageCode)),
    (
        "language_identification",
        "LanguageIdentification",
        _many_or_none(
            _structure(
                CallAnalyticsLanguageWithScore,
                ("language_code", "LanguageCode", _enum(CallAnalyticsLanguageCode)),
                ("score", "Score", _F),
            )
        ),
    ),
)
_timestamp_range = _structure(
    TimestampRange,
    ("begin_offset_millis", "BeginOffsetMillis", _I),
    ("end_offset_millis", "EndOffsetMillis", _I),
)
_category_event_payload = _structure(
    CategoryEvent,
    ("matched_categories", "MatchedCategories", _strings),
    (
        "matched_details",
        "MatchedDetails",
        _map_of(
            _structure(
                PointsOfInterest,
                ("timestamp_ranges", "TimestampRanges", _many_or_none(_timestamp_range)),
            )
        ),
    ),
)

#: Parse an ``UtteranceEvent`` message (the payload is the utterance itself).
_utterance_event: Callable[[Message], UtteranceEvent] = _event(_utterance_event_payload)
#: Parse a ``CategoryEvent`` message.
_category_event: Callable[[Message], CategoryEvent] = _event(_category_event_payload)

# -- StartMedicalScribeStream (PROTOCOL.md §8.4) --

_scribe_item = _structure(
    MedicalScribeTranscriptItem,
    ("begin_audio_time", "BeginAudioTime", _F),
    ("end_audio_time", "EndAudioTime", _F),
    ("item_type", "Type", _enum(MedicalScribeTranscriptItemType)),
    ("confidence", "Confidence", _F),
    ("content", "Content", _S),
    ("vocabulary_filter_match", "VocabularyFilterMatch", _B),
)
_scribe_segment = _structure(
    MedicalScribeTranscriptSegment,
    ("segment_id", "SegmentId", _S),
    ("begin_audio_time", "BeginAudioTime", _F),
    ("end_audio_time", "EndAudioTime", _F),
    ("content", "Content", _S),
    ("items", "Items", _many_or_none(_scribe_item)),
    ("is_partial", "IsPartial", _B),
    ("channel_id", "ChannelId", _S),
)
_medical_scribe_transcript_event_payload = _structure(
    MedicalScribeTranscriptEvent, ("transcript_segment", "TranscriptSegment", _one(_scribe_segment))
)

#: Parse a HealthScribe ``TranscriptEvent`` message.
_medical_scribe_transcript_event: Callable[[Message], MedicalScribeTranscriptEvent] = _event(
    _medical_scribe_transcript_event_payload
)

#: The event types of MedicalTranscriptResultStream.
_MEDICAL_TRANSCRIPT_EVENTS: Mapping[str, _EventDecoder] = {
    "TranscriptEvent": _medical_transcript_event
}
#: The event types of CallAnalyticsTranscriptResultStream.
_CALL_ANALYTICS_EVENTS: Mapping[str, _EventDecoder] = {
    "UtteranceEvent": _utterance_event,
    "CategoryEvent": _category_event,
}
#: The event types of MedicalScribeResultStream.
_MEDICAL_SCRIBE_EVENTS: Mapping[str, _EventDecoder] = {
    "TranscriptEvent": _medical_scribe_transcript_event
}


# -- GetMedicalScribeStream (PROTOCOL.md §8.4) --

_scribe_channel = _structure(
    MedicalScribeChannelDefinition,
    ("channel_id", "ChannelId", _required_int),
    ("participant_role", "ParticipantRole", _enum(MedicalScribeParticipantRole, required=True)),
)

#: Build :class:`MedicalScribeStreamDetails` from its JSON structure.
_medical_scribe_stream_details: Callable[[Mapping[str, Any]], MedicalScribeStreamDetails] = (
    _structure(
        MedicalScribeStreamDetails,
        ("session_id", "SessionId", _S),
        ("stream_created_at", "StreamCreatedAt", _timestamp),
        ("stream_ended_at", "StreamEndedAt", _timestamp),
        ("language_code", "LanguageCode", _enum(MedicalScribeLanguageCode)),
        ("media_sample_rate_hz", "MediaSampleRateHertz", _I),
        ("media_encoding", "MediaEncoding", _enum(MedicalScribeMediaEncoding)),
        ("vocabulary_name", "VocabularyName", _S),
        ("vocabulary_filter_name", "VocabularyFilterName", _S),
        (
            "vocabulary_filter_method",
            "VocabularyFilterMethod",
            _enum(MedicalScribeVocabularyFilterMethod),
        ),
        ("resource_access_role_arn", "ResourceAccessRoleArn", _S),
        ("channel_definitions", "ChannelDefinitions", _many_or_none(_scribe_channel)),
        (
            "encryption_settings",
            "EncryptionSettings",
            _one(
                _structure(
                    MedicalScribeEncryptionSettings,
                    ("kms_key_id", "KmsKeyId", _required_str),
                    ("kms_encryption_context", "KmsEncryptionContext", _str_map),
                )
            ),
        ),
        ("stream_status", "StreamStatus", _enum(MedicalScribeStreamStatus)),
        (
            "post_stream_analytics_settings",
            "PostStreamAnalyticsSettings",
            _one(
                _structure(
                    MedicalScribePostStreamAnalyticsSettings,
                    (
                        "clinical_note_generation_settings",
                        "ClinicalNoteGenerationSettings",
                        _one(
                            _structure(
                                ClinicalNoteGenerationSettings,
                                ("output_bucket_name", "OutputBucketName", _required_str),
                                ("note_template", "NoteTemplate", _enum(MedicalScribeNoteTemplate)),
                            )
                        ),
                    ),
                )
            ),
        ),
        (
            "post_stream_analytics_result",
            "PostStreamAnalyticsResult",
            _one(
                _structure(
                    MedicalScribePostStreamAnalyticsResult,
                    (
                        "clinical_note_generation_result",
                        "ClinicalNoteGenerationResult",
                        _one(
                            _structure(
                                ClinicalNoteGenerationResult,
                                (
                                    "clinical_note_output_location",
                                    "ClinicalNoteOutputLocation",
                                    _S,
                                ),
                                ("transcript_output_location", "TranscriptOutputLocation", _S),
                                ("status", "Status", _enum(ClinicalNoteGenerationStatus)),
                                ("failure_reason", "FailureReason", _S),
                            )
                        ),
                    ),
                )
            ),
        ),
        ("medical_scribe_context_provided", "MedicalScribeContextProvided", _B),
    )
)


def _get_medical_scribe_stream_output(body: bytes) -> MedicalScribeStreamDetails:
    """Parse the body of a GetMedicalScribeStream response.

    :param body: the JSON body.
    :returns: the stream's details.
    :raises SerializerException: the body is not a JSON object with a
        ``MedicalScribeStreamDetails`` object.
    """
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SerializerException(f"GetMedicalScribeStream body is not JSON: {exc}") from None
    details = document.get("MedicalScribeStreamDetails") if isinstance(document, dict) else None
    if not isinstance(details, dict):
        raise SerializerException("GetMedicalScribeStream body has no MedicalScribeStreamDetails")
    return _medical_scribe_stream_details(details)
