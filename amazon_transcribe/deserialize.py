"""Responses and output events from wire form to typed objects.

Sans-IO: no asyncio, no awscrt. Errors the service reports become the typed
exceptions of :mod:`amazon_transcribe.exceptions`, chosen through its
registry; event types this SDK does not know become
:class:`~amazon_transcribe.shapes.UnknownEvent`; malformed payloads raise
:class:`~amazon_transcribe.exceptions.SerializerException`.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Type, Union

from .eventstream import Message
from .exceptions import (
    SERVICE_EXCEPTIONS,
    SerializerException,
    ServiceException,
    service_exception,
)
from .shapes import (
    Alternative,
    ContentIdentificationType,
    ContentRedactionType,
    Entity,
    Item,
    ItemType,
    LanguageCode,
    LanguageWithScore,
    MediaEncoding,
    PartialResultsStability,
    Result,
    Transcript,
    TranscriptEvent,
    TranscriptFormat,
    UnknownEvent,
    VocabularyFilterMethod,
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
    "start_stream_transcription_response_fields",
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


def _split(value: Optional[str]) -> Optional[List[str]]:
    return None if value is None else [v for v in (p.strip() for p in value.split(",")) if v]


def start_stream_transcription_response_fields(headers: Mapping[str, str]) -> Dict[str, Any]:
    """The fields of a StartStreamTranscription response, from its headers.

    :param headers: response headers by lowercase name (see :func:`header_map`).
    :returns: keyword arguments for ``StartStreamTranscriptionResponse``.
    """
    h = headers.get
    p = "x-amzn-transcribe-"
    return {
        "request_id": h("x-amzn-request-id"),
        "language_code": to_enum(LanguageCode, h(p + "language-code")),
        "media_sample_rate_hz": parse_int(h(p + "sample-rate")),
        "media_encoding": to_enum(MediaEncoding, h(p + "media-encoding")),
        "vocabulary_name": h(p + "vocabulary-name"),
        "vocabulary_names": _split(h(p + "vocabulary-names")),
        "session_id": h(p + "session-id"),
        "vocab_filter_name": h(p + "vocabulary-filter-name"),
        "vocab_filter_names": _split(h(p + "vocabulary-filter-names")),
        "vocab_filter_method": to_enum(VocabularyFilterMethod, h(p + "vocabulary-filter-method")),
        "show_speaker_label": parse_bool(h(p + "show-speaker-label")),
        "enable_channel_identification": parse_bool(h(p + "enable-channel-identification")),
        "number_of_channels": parse_int(h(p + "number-of-channels")),
        "enable_partial_results_stabilization": parse_bool(
            h(p + "enable-partial-results-stabilization")
        ),
        "partial_results_stability": to_enum(
            PartialResultsStability, h(p + "partial-results-stability")
        ),
        "language_model_name": h(p + "language-model-name"),
        "pii_entity_types": h(p + "pii-entity-types"),
        "content_redaction_type": to_enum(ContentRedactionType, h(p + "content-redaction-type")),
        "content_identification_type": to_enum(
            ContentIdentificationType, h(p + "content-identification-type")
        ),
        "identify_language": parse_bool(h(p + "identify-language")),
        "identify_multiple_languages": parse_bool(h(p + "identify-multiple-languages")),
        "language_options": _split(h(p + "language-options")),
        "preferred_language": to_enum(LanguageCode, h(p + "preferred-language")),
        "session_resume_window": parse_int(h(p + "session-resume-window")),
        "transcript_format": to_enum(TranscriptFormat, h(p + "transcript-format")),
    }


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
    kind = message.headers.get(":message-type")
    if kind in ("exception", "error"):
        raise exception_from_message(message, request_id=request_id, registry=registry)
    event_type = message.headers.get(":event-type")
    if kind != "event" or not isinstance(event_type, str):
        raise SerializerException(
            f"output message has :message-type {kind!r} and :event-type {event_type!r}"
        )
    if event_type == "TranscriptEvent":
        return transcript_event(message)
    return UnknownEvent(event_type=event_type, payload=message.payload, headers=dict(message.headers))
