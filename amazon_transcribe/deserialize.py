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
from .eventstream import Message
from .exceptions import (
    SERVICE_EXCEPTIONS,
    SerializerException,
    ServiceException,
    service_exception,
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
    to_enum,
)

__all__ = [
    "header_map",
    "parse_bool",
    "parse_int",
    "error_from_response",
    "exception_from_message",
    "transcript_event",
    "output_event",
    "EventDecoder",
    "parse_output_message",
    "medical_transcript_event",
    "utterance_event",
    "category_event",
    "medical_scribe_transcript_event",
    "MEDICAL_TRANSCRIPT_EVENTS",
    "CALL_ANALYTICS_EVENTS",
    "MEDICAL_SCRIBE_EVENTS",
    "medical_scribe_stream_details",
    "get_medical_scribe_stream_output",
]

#: Largest error body read from a failed response.
MAX_ERROR_BODY = 64 * 1024


def header_map(headers: Sequence[Tuple[str, str]]) -> Dict[str, str]:
    """Index response headers by lowercase name (repeated names joined by ``,``).

    :param headers: the headers as received.
    :returns: name → value.
    """
    result: Dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        result[key] = f"{result[key]},{value}" if key in result else value
    return result


def parse_bool(value: Optional[str]) -> Optional[bool]:
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


def parse_int(value: Optional[str]) -> Optional[int]:
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


def error_from_response(
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
    return service_exception(
        code,
        _message_of(body),
        status_code=status,
        request_id=headers.get("x-amzn-request-id"),
        registry=registry,
    )


def exception_from_message(
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
        return service_exception(
            code if isinstance(code, str) else "UnknownError",
            text if isinstance(text, str) else "(no message)",
            request_id=request_id,
            registry={},  # unmodeled by definition
        )
    code = headers.get(":exception-type")
    return service_exception(
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


def _float(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _opt_bool(value: Any) -> Optional[bool]:
    return value if isinstance(value, bool) else None


def _opt_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _list(value: Any) -> List[Any]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _item(data: Mapping[str, Any]) -> Item:
    return Item(
        start_time=_float(data.get("StartTime")),
        end_time=_float(data.get("EndTime")),
        item_type=to_enum(ItemType, _opt_str(data.get("Type"))),
        content=_opt_str(data.get("Content")),
        vocabulary_filter_match=_opt_bool(data.get("VocabularyFilterMatch")),
        speaker=_opt_str(data.get("Speaker")),
        confidence=_float(data.get("Confidence")),
        stable=_opt_bool(data.get("Stable")),
    )


def _entity(data: Mapping[str, Any]) -> Entity:
    return Entity(
        start_time=_float(data.get("StartTime")),
        end_time=_float(data.get("EndTime")),
        category=_opt_str(data.get("Category")),
        content=_opt_str(data.get("Content")),
        confidence=_float(data.get("Confidence")),
        entity_type=_opt_str(data.get("Type")),
    )


def _alternative(data: Mapping[str, Any]) -> Alternative:
    return Alternative(
        transcript=_opt_str(data.get("Transcript")),
        items=[_item(i) for i in _list(data.get("Items"))],
        entities=[_entity(e) for e in _list(data.get("Entities"))],
    )


def _result(data: Mapping[str, Any]) -> Result:
    identification = data.get("LanguageIdentification")
    return Result(
        result_id=_opt_str(data.get("ResultId")),
        start_time=_float(data.get("StartTime")),
        end_time=_float(data.get("EndTime")),
        is_partial=_opt_bool(data.get("IsPartial")),
        alternatives=[_alternative(a) for a in _list(data.get("Alternatives"))],
        channel_id=_opt_str(data.get("ChannelId")),
        language_code=to_enum(LanguageCode, _opt_str(data.get("LanguageCode"))),
        language_identification=None
        if identification is None
        else [
            LanguageWithScore(
                language_code=to_enum(LanguageCode, _opt_str(s.get("LanguageCode"))),
                score=_float(s.get("Score")),
            )
            for s in _list(identification)
        ],
    )


def transcript_event(message: Message) -> TranscriptEvent:
    """Parse a ``TranscriptEvent`` message.

    :param message: the message.
    :returns: the event.
    :raises SerializerException: the payload is not a JSON object.
    """
    document = _json(message)
    transcript = document.get("Transcript")
    results = _list(transcript.get("Results")) if isinstance(transcript, dict) else []
    return TranscriptEvent(transcript=Transcript(results=[_result(r) for r in results]))


#: Parses the payload of one output event type.
EventDecoder = Callable[[Message], Any]


def parse_output_message(
    message: Message,
    events: Mapping[str, EventDecoder],
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
        raise exception_from_message(message, request_id=request_id, registry=registry)
    event_type = message.headers.get(":event-type")
    if kind != "event" or not isinstance(event_type, str):
        raise SerializerException(
            f"output message has :message-type {kind!r} and :event-type {event_type!r}"
        )
    decode = events.get(event_type)
    if decode is not None:
        return decode(message)
    return UnknownEvent(event_type=event_type, payload=message.payload, headers=dict(message.headers))


def output_event(
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
    event: Union[TranscriptEvent, UnknownEvent] = parse_output_message(
        message, {"TranscriptEvent": transcript_event}, request_id=request_id, registry=registry
    )
    return event


# -- medical -------------------------------------------------------------------


def _medical_item(data: Mapping[str, Any]) -> MedicalItem:
    return MedicalItem(
        start_time=_float(data.get("StartTime")),
        end_time=_float(data.get("EndTime")),
        item_type=to_enum(ItemType, _opt_str(data.get("Type"))),
        content=_opt_str(data.get("Content")),
        confidence=_float(data.get("Confidence")),
        speaker=_opt_str(data.get("Speaker")),
    )


def _medical_entity(data: Mapping[str, Any]) -> MedicalEntity:
    return MedicalEntity(
        start_time=_float(data.get("StartTime")),
        end_time=_float(data.get("EndTime")),
        category=_opt_str(data.get("Category")),
        content=_opt_str(data.get("Content")),
        confidence=_float(data.get("Confidence")),
    )


def _medical_result(data: Mapping[str, Any]) -> MedicalResult:
    return MedicalResult(
        result_id=_opt_str(data.get("ResultId")),
        start_time=_float(data.get("StartTime")),
        end_time=_float(data.get("EndTime")),
        is_partial=_opt_bool(data.get("IsPartial")),
        alternatives=[
            MedicalAlternative(
                transcript=_opt_str(a.get("Transcript")),
                items=[_medical_item(i) for i in _list(a.get("Items"))],
                entities=[_medical_entity(e) for e in _list(a.get("Entities"))],
            )
            for a in _list(data.get("Alternatives"))
        ],
        channel_id=_opt_str(data.get("ChannelId")),
    )


def medical_transcript_event(message: Message) -> MedicalTranscriptEvent:
    """Parse a medical ``TranscriptEvent`` message.

    :param message: the message.
    :returns: the event.
    :raises SerializerException: the payload is not a JSON object.
    """
    document = _json(message)
    transcript = document.get("Transcript")
    results = _list(transcript.get("Results")) if isinstance(transcript, dict) else []
    return MedicalTranscriptEvent(
        transcript=MedicalTranscript(results=[_medical_result(r) for r in results])
    )


# -- call analytics --------------------------------------------------------------


def _int(value: Any) -> Optional[int]:
    # JSON longs may arrive as 19010 or 19010.0; booleans are not numbers here.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _optional_list(value: Any, make: Callable[[Mapping[str, Any]], Any]) -> Optional[List[Any]]:
    # Absent stays None (the service did not send it); present maps item by item.
    return None if value is None else [make(v) for v in _list(value)]


def _call_analytics_item(data: Mapping[str, Any]) -> CallAnalyticsItem:
    return CallAnalyticsItem(
        begin_offset_millis=_int(data.get("BeginOffsetMillis")),
        end_offset_millis=_int(data.get("EndOffsetMillis")),
        item_type=to_enum(ItemType, _opt_str(data.get("Type"))),
        content=_opt_str(data.get("Content")),
        confidence=_float(data.get("Confidence")),
        vocabulary_filter_match=_opt_bool(data.get("VocabularyFilterMatch")),
        stable=_opt_bool(data.get("Stable")),
    )


def _call_analytics_entity(data: Mapping[str, Any]) -> CallAnalyticsEntity:
    return CallAnalyticsEntity(
        begin_offset_millis=_int(data.get("BeginOffsetMillis")),
        end_offset_millis=_int(data.get("EndOffsetMillis")),
        category=_opt_str(data.get("Category")),
        entity_type=_opt_str(data.get("Type")),
        content=_opt_str(data.get("Content")),
        confidence=_float(data.get("Confidence")),
    )


def _issue(data: Mapping[str, Any]) -> IssueDetected:
    offsets = data.get("CharacterOffsets")
    return IssueDetected(
        character_offsets=CharacterOffsets(
            begin=_int(offsets.get("Begin")), end=_int(offsets.get("End"))
        )
        if isinstance(offsets, dict)
        else None
    )


def utterance_event(message: Message) -> UtteranceEvent:
    """Parse an ``UtteranceEvent`` message (the payload is the utterance itself).

    :param message: the message.
    :returns: the event.
    :raises SerializerException: the payload is not a JSON object.
    """
    data = _json(message)
    return UtteranceEvent(
        utterance_id=_opt_str(data.get("UtteranceId")),
        is_partial=_opt_bool(data.get("IsPartial")),
        participant_role=to_enum(ParticipantRole, _opt_str(data.get("ParticipantRole"))),
        begin_offset_millis=_int(data.get("BeginOffsetMillis")),
        end_offset_millis=_int(data.get("EndOffsetMillis")),
        transcript=_opt_str(data.get("Transcript")),
        items=_optional_list(data.get("Items"), _call_analytics_item),
        entities=_optional_list(data.get("Entities"), _call_analytics_entity),
        sentiment=to_enum(Sentiment, _opt_str(data.get("Sentiment"))),
        issues_detected=_optional_list(data.get("IssuesDetected"), _issue),
        language_code=to_enum(CallAnalyticsLanguageCode, _opt_str(data.get("LanguageCode"))),
        language_identification=_optional_list(
            data.get("LanguageIdentification"),
            lambda s: CallAnalyticsLanguageWithScore(
                language_code=to_enum(CallAnalyticsLanguageCode, _opt_str(s.get("LanguageCode"))),
                score=_float(s.get("Score")),
            ),
        ),
    )


def category_event(message: Message) -> CategoryEvent:
    """Parse a ``CategoryEvent`` message.

    :param message: the message.
    :returns: the event.
    :raises SerializerException: the payload is not a JSON object.
    """
    data = _json(message)
    categories = data.get("MatchedCategories")
    details = data.get("MatchedDetails")
    return CategoryEvent(
        matched_categories=[c for c in categories if isinstance(c, str)]
        if isinstance(categories, list)
        else None,
        matched_details={
            name: PointsOfInterest(
                timestamp_ranges=_optional_list(
                    points.get("TimestampRanges"),
                    lambda r: TimestampRange(
                        begin_offset_millis=_int(r.get("BeginOffsetMillis")),
                        end_offset_millis=_int(r.get("EndOffsetMillis")),
                    ),
                )
            )
            for name, points in details.items()
            if isinstance(points, dict)
        }
        if isinstance(details, dict)
        else None,
    )


# -- HealthScribe ------------------------------------------------------------------


def _scribe_item(data: Mapping[str, Any]) -> MedicalScribeTranscriptItem:
    return MedicalScribeTranscriptItem(
        begin_audio_time=_float(data.get("BeginAudioTime")),
        end_audio_time=_float(data.get("EndAudioTime")),
        item_type=to_enum(MedicalScribeTranscriptItemType, _opt_str(data.get("Type"))),
        confidence=_float(data.get("Confidence")),
        content=_opt_str(data.get("Content")),
        vocabulary_filter_match=_opt_bool(data.get("VocabularyFilterMatch")),
    )


def medical_scribe_transcript_event(message: Message) -> MedicalScribeTranscriptEvent:
    """Parse a HealthScribe ``TranscriptEvent`` message.

    :param message: the message.
    :returns: the event.
    :raises SerializerException: the payload is not a JSON object.
    """
    segment = _json(message).get("TranscriptSegment")
    if not isinstance(segment, dict):
        return MedicalScribeTranscriptEvent(transcript_segment=None)
    return MedicalScribeTranscriptEvent(
        transcript_segment=MedicalScribeTranscriptSegment(
            segment_id=_opt_str(segment.get("SegmentId")),
            begin_audio_time=_float(segment.get("BeginAudioTime")),
            end_audio_time=_float(segment.get("EndAudioTime")),
            content=_opt_str(segment.get("Content")),
            items=_optional_list(segment.get("Items"), _scribe_item),
            is_partial=_opt_bool(segment.get("IsPartial")),
            channel_id=_opt_str(segment.get("ChannelId")),
        )
    )


#: The event types of MedicalTranscriptResultStream.
MEDICAL_TRANSCRIPT_EVENTS: Mapping[str, EventDecoder] = {
    "TranscriptEvent": medical_transcript_event
}
#: The event types of CallAnalyticsTranscriptResultStream.
CALL_ANALYTICS_EVENTS: Mapping[str, EventDecoder] = {
    "UtteranceEvent": utterance_event,
    "CategoryEvent": category_event,
}
#: The event types of MedicalScribeResultStream.
MEDICAL_SCRIBE_EVENTS: Mapping[str, EventDecoder] = {
    "TranscriptEvent": medical_scribe_transcript_event
}


# -- GetMedicalScribeStream -----------------------------------------------------------


def _timestamp(value: Any) -> Optional[datetime.datetime]:
    # restJson1 body timestamps are epoch seconds (possibly fractional).
    seconds = _float(value)
    if seconds is None:
        return None
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)


def _scribe_channel(data: Mapping[str, Any]) -> MedicalScribeChannelDefinition:
    role = to_enum(MedicalScribeParticipantRole, _opt_str(data.get("ParticipantRole")))
    return MedicalScribeChannelDefinition(
        channel_id=_int(data.get("ChannelId")) or 0,
        participant_role=role if role is not None else "",
    )


def _str_map(value: Any) -> Optional[Dict[str, str]]:
    if not isinstance(value, dict):
        return None
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def medical_scribe_stream_details(data: Mapping[str, Any]) -> MedicalScribeStreamDetails:
    """Build :class:`MedicalScribeStreamDetails` from its JSON structure.

    :param data: the ``MedicalScribeStreamDetails`` object.
    :returns: the details.
    """
    encryption = data.get("EncryptionSettings")
    settings = data.get("PostStreamAnalyticsSettings")
    note_settings = settings.get("ClinicalNoteGenerationSettings") if isinstance(settings, dict) else None
    result = data.get("PostStreamAnalyticsResult")
    note_result = result.get("ClinicalNoteGenerationResult") if isinstance(result, dict) else None
    return MedicalScribeStreamDetails(
        session_id=_opt_str(data.get("SessionId")),
        stream_created_at=_timestamp(data.get("StreamCreatedAt")),
        stream_ended_at=_timestamp(data.get("StreamEndedAt")),
        language_code=to_enum(MedicalScribeLanguageCode, _opt_str(data.get("LanguageCode"))),
        media_sample_rate_hz=_int(data.get("MediaSampleRateHertz")),
        media_encoding=to_enum(MedicalScribeMediaEncoding, _opt_str(data.get("MediaEncoding"))),
        vocabulary_name=_opt_str(data.get("VocabularyName")),
        vocabulary_filter_name=_opt_str(data.get("VocabularyFilterName")),
        vocabulary_filter_method=to_enum(
            MedicalScribeVocabularyFilterMethod, _opt_str(data.get("VocabularyFilterMethod"))
        ),
        resource_access_role_arn=_opt_str(data.get("ResourceAccessRoleArn")),
        channel_definitions=_optional_list(data.get("ChannelDefinitions"), _scribe_channel),
        encryption_settings=MedicalScribeEncryptionSettings(
            kms_key_id=_opt_str(encryption.get("KmsKeyId")) or "",
            kms_encryption_context=_str_map(encryption.get("KmsEncryptionContext")),
        )
        if isinstance(encryption, dict)
        else None,
        stream_status=to_enum(MedicalScribeStreamStatus, _opt_str(data.get("StreamStatus"))),
        post_stream_analytics_settings=MedicalScribePostStreamAnalyticsSettings(
            clinical_note_generation_settings=ClinicalNoteGenerationSettings(
                output_bucket_name=_opt_str(note_settings.get("OutputBucketName")) or "",
                note_template=to_enum(
                    MedicalScribeNoteTemplate, _opt_str(note_settings.get("NoteTemplate"))
                ),
            )
        )
        if isinstance(note_settings, dict)
        else None,
        post_stream_analytics_result=MedicalScribePostStreamAnalyticsResult(
            clinical_note_generation_result=ClinicalNoteGenerationResult(
                clinical_note_output_location=_opt_str(note_result.get("ClinicalNoteOutputLocation")),
                transcript_output_location=_opt_str(note_result.get("TranscriptOutputLocation")),
                status=to_enum(ClinicalNoteGenerationStatus, _opt_str(note_result.get("Status"))),
                failure_reason=_opt_str(note_result.get("FailureReason")),
            )
            if isinstance(note_result, dict)
            else None
        )
        if isinstance(result, dict)
        else None,
        medical_scribe_context_provided=_opt_bool(data.get("MedicalScribeContextProvided")),
    )


def get_medical_scribe_stream_output(body: bytes) -> MedicalScribeStreamDetails:
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
    return medical_scribe_stream_details(details)
