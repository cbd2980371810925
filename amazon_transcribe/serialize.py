"""Requests and input events to wire form (headers, event-stream messages).

Sans-IO: no asyncio, no awscrt. Booleans travel as ``true``/``false``, lists
as one comma-joined header value, enumerations as their wire values; an
option left at ``None`` is not sent.
"""

from __future__ import annotations

import enum
import json
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union

from .eventstream import encode_headers, encode_message
from .exceptions import ValidationException
from .shapes import StartStreamTranscriptionRequest

__all__ = [
    "EVENTSTREAM_CONTENT_TYPE",
    "STREAM_TRANSCRIPTION_PATH",
    "START_STREAM_TRANSCRIPTION_HEADERS",
    "header_value",
    "request_headers",
    "start_stream_transcription_headers",
    "audio_event_message",
    "json_event_message",
]

#: The content type of an event-stream request body.
EVENTSTREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"
#: The path of StartStreamTranscription.
STREAM_TRANSCRIPTION_PATH = "/stream-transcription"

#: Request attribute → header name, for StartStreamTranscription.
START_STREAM_TRANSCRIPTION_HEADERS: Tuple[Tuple[str, str], ...] = (
    ("language_code", "x-amzn-transcribe-language-code"),
    ("media_sample_rate_hz", "x-amzn-transcribe-sample-rate"),
    ("media_encoding", "x-amzn-transcribe-media-encoding"),
    ("vocabulary_name", "x-amzn-transcribe-vocabulary-name"),
    ("vocabulary_names", "x-amzn-transcribe-vocabulary-names"),
    ("session_id", "x-amzn-transcribe-session-id"),
    ("vocab_filter_method", "x-amzn-transcribe-vocabulary-filter-method"),
    ("vocab_filter_name", "x-amzn-transcribe-vocabulary-filter-name"),
    ("vocab_filter_names", "x-amzn-transcribe-vocabulary-filter-names"),
    ("show_speaker_label", "x-amzn-transcribe-show-speaker-label"),
    ("enable_channel_identification", "x-amzn-transcribe-enable-channel-identification"),
    ("number_of_channels", "x-amzn-transcribe-number-of-channels"),
    (
        "enable_partial_results_stabilization",
        "x-amzn-transcribe-enable-partial-results-stabilization",
    ),
    ("partial_results_stability", "x-amzn-transcribe-partial-results-stability"),
    ("language_model_name", "x-amzn-transcribe-language-model-name"),
    ("identify_language", "x-amzn-transcribe-identify-language"),
    ("preferred_language", "x-amzn-transcribe-preferred-language"),
    ("identify_multiple_languages", "x-amzn-transcribe-identify-multiple-languages"),
    ("language_options", "x-amzn-transcribe-language-options"),
    ("pii_entity_types", "x-amzn-transcribe-pii-entity-types"),
    ("content_redaction_type", "x-amzn-transcribe-content-redaction-type"),
    ("content_identification_type", "x-amzn-transcribe-content-identification-type"),
    ("session_resume_window", "x-amzn-transcribe-session-resume-window"),
    ("transcript_format", "x-amzn-transcribe-transcript-format"),
)

_AUDIO_EVENT_HEADERS = encode_headers(
    {
        ":message-type": "event",
        ":event-type": "AudioEvent",
        ":content-type": "application/octet-stream",
    }
)


def header_value(name: str, value: Any) -> Optional[str]:
    """Render one option as a header value.

    :param name: the option's name, for error messages.
    :param value: the option's value.
    :returns: the header value, or ``None`` when the option is unset.
    :raises ValidationException: the value has a type no header can carry.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, (list, tuple)):
        items = [header_value(name, item) for item in value]
        if any(item is None for item in items):
            raise ValidationException(f"{name}: list items must not be None")
        return ",".join(item for item in items if item is not None)
    raise ValidationException(
        f"{name}: cannot send a value of type {type(value).__name__} as a header"
    )


def request_headers(
    request: object, table: Sequence[Tuple[str, str]]
) -> List[Tuple[str, str]]:
    """Render the set options of ``request`` as headers.

    :param request: the request shape.
    :param table: attribute name → header name pairs.
    :returns: ``(name, value)`` pairs for the options that are set.
    :raises ValidationException: an option has a type no header can carry.
    """
    headers: List[Tuple[str, str]] = []
    for attribute, header in table:
        value = header_value(attribute, getattr(request, attribute))
        if value is not None:
            headers.append((header, value))
    return headers


def start_stream_transcription_headers(
    request: StartStreamTranscriptionRequest,
) -> List[Tuple[str, str]]:
    """The headers of a StartStreamTranscription request.

    :param request: the request.
    :returns: the content type and every option that is set.
    :raises ValidationException: an option has a type no header can carry.
    """
    return [("content-type", EVENTSTREAM_CONTENT_TYPE)] + request_headers(
        request, START_STREAM_TRANSCRIPTION_HEADERS
    )


def audio_event_message(audio_chunk: Union[bytes, bytearray, memoryview]) -> bytes:
    """Encode an ``AudioEvent`` as an (unsigned) inner message.

    :param audio_chunk: the audio bytes.
    :returns: the encoded message.
    """
    return encode_message(_AUDIO_EVENT_HEADERS, audio_chunk)


def json_event_message(event_type: str, payload: Mapping[str, Any]) -> bytes:
    """Encode an input event whose payload is a JSON structure.

    :param event_type: the ``:event-type``, e.g. ``ConfigurationEvent``.
    :param payload: the structure, with the model's member names.
    :returns: the encoded message.
    """
    return encode_message(
        {
            ":message-type": "event",
            ":event-type": event_type,
            ":content-type": "application/json",
        },
        json.dumps(payload, separators=(",", ":")).encode("utf-8"),
    )
