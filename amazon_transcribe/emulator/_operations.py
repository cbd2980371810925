"""The operations the emulator serves, each a small description over shared machinery.

An :class:`Operation` says what is particular to one streaming operation:
its route (method and path), how its request headers are validated, which
events its input union accepts, how an engine
:class:`~amazon_transcribe.emulator.engine.Segment` becomes its output event,
and which exceptions it models. The stream handler does everything else
(authentication, framing, engine, errors, faults) the same way for all.

:func:`route` finds the operation of a request; an unknown path is a 404
``UnknownOperationException`` and a known path with the wrong method a 405,
both answered before any stream starts.

Pure: no I/O. It must not import the client side of the package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple

from .engine import Segment, StreamSettings, Word
from .errors import ServiceError, bad_request
from ._scribe import ScribeSessions
from ._input_events import parse_call_analytics_configuration, parse_medical_scribe_configuration
from ._validation import (
    SESSION_ID_PATTERN,
    validate_start_call_analytics_stream_transcription,
    validate_start_medical_scribe_stream,
    validate_start_medical_stream_transcription,
    validate_start_stream_transcription,
)

__all__ = [
    "Operation",
    "Validator",
    "SegmentSerializer",
    "OPERATIONS",
    "ConfigurationParser",
    "UnaryAnswer",
    "START_STREAM_TRANSCRIPTION",
    "START_MEDICAL_STREAM_TRANSCRIPTION",
    "START_CALL_ANALYTICS_STREAM_TRANSCRIPTION",
    "START_MEDICAL_SCRIBE_STREAM",
    "GET_MEDICAL_SCRIBE_STREAM",
    "route",
    "transcript_event",
    "medical_transcript_event",
    "utterance_event",
    "medical_scribe_transcript_event",
    "participant_roles",
    "AUDIO_STREAM_EVENTS",
    "MEDICAL_SCRIBE_INPUT_EVENTS",
    "STREAMING_ERRORS",
    "GET_MEDICAL_SCRIBE_STREAM_ERRORS",
]

#: Validates request headers (lowercase names): the stream settings and the
#: headers to echo in the 200 response.
Validator = Callable[[Mapping[str, str]], Tuple[StreamSettings, List[Tuple[str, str]]]]
#: Turns an engine segment into the operation's output event:
#: ``(event type, JSON payload)``.
SegmentSerializer = Callable[[Segment, StreamSettings], Tuple[str, Dict[str, Any]]]

#: Checks the JSON payload of an input ``ConfigurationEvent`` given the
#: request headers, and returns the configuration object.
ConfigurationParser = Callable[[bytes, Mapping[str, str]], Dict[str, Any]]
#: Answers a unary (request/response) operation from its path labels and the
#: HealthScribe sessions: the JSON body of the 200 response.
UnaryAnswer = Callable[[Mapping[str, str], ScribeSessions], Dict[str, Any]]

#: Members of the ``AudioStream`` input union (§6.6.1).
AUDIO_STREAM_EVENTS: FrozenSet[str] = frozenset({"AudioEvent", "ConfigurationEvent"})
#: Members of the ``MedicalScribeInputStream`` input union (§6.6.2).
MEDICAL_SCRIBE_INPUT_EVENTS: FrozenSet[str] = frozenset(
    {"AudioEvent", "SessionControlEvent", "ConfigurationEvent"}
)
#: Exceptions modeled by the streaming operations (§5.1).
STREAMING_ERRORS: FrozenSet[str] = frozenset(
    {
        "BadRequestException",
        "ConflictException",
        "InternalFailureException",
        "LimitExceededException",
        "ServiceUnavailableException",
    }
)
#: Exceptions modeled by GetMedicalScribeStream (§5.1).
GET_MEDICAL_SCRIBE_STREAM_ERRORS: FrozenSet[str] = frozenset(
    {
        "BadRequestException",
        "InternalFailureException",
        "LimitExceededException",
        "ResourceNotFoundException",
    }
)


def _no_segments(segment: Segment, settings: StreamSettings) -> Tuple[str, Dict[str, Any]]:
    raise TypeError(f"{settings.operation} has no output stream")


@dataclass(frozen=True)
class Operation:
    """What is particular to one operation.

    Streaming operations (``kind="stream"``) have an input and an output
    event stream; unary ones (``kind="unary"``, GetMedicalScribeStream)
    answer a JSON body at once with :attr:`answer`.

    :param name: the operation name, e.g. ``"StartStreamTranscription"``.
    :param method: the HTTP method.
    :param path: the path template; ``{Label}`` matches one path segment.
    :param validate: checks the request headers.
    :param serialize: makes the output event of an engine segment.
    :param input_union: the input union's name, for error messages.
    :param input_events: the ``:event-type`` values its input union accepts.
    :param audio_event: the event type whose payload is audio for the engine.
    :param errors: the exception names it models.
    :param kind: ``"stream"`` or ``"unary"``.
    :param configuration: checks the input ``ConfigurationEvent``; ``None``
        when the operation gives it no meaning (it is then accepted and
        ignored, as the shared union allows it). A configuration is only
        accepted before any audio, once.
    :param configuration_first: the ``ConfigurationEvent`` must be the first
        input event (HealthScribe).
    :param session_control: the input union has ``SessionControlEvent``.
    :param scribe_sessions: streams of this operation are HealthScribe
        sessions (state for GetMedicalScribeStream).
    :param answer: a unary operation's response body.
    """

    name: str
    method: str
    path: str
    validate: Validator
    serialize: SegmentSerializer
    input_union: str = "AudioStream"
    input_events: FrozenSet[str] = AUDIO_STREAM_EVENTS
    audio_event: str = "AudioEvent"
    errors: FrozenSet[str] = STREAMING_ERRORS
    kind: str = "stream"
    configuration: Optional[ConfigurationParser] = None
    configuration_first: bool = False
    session_control: bool = False
    scribe_sessions: bool = False
    answer: Optional[UnaryAnswer] = None
    _pattern: "re.Pattern[str]" = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = []
        for segment in self.path.split("/"):
            if segment.startswith("{") and segment.endswith("}"):
                parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
            else:
                parts.append(re.escape(segment))
        object.__setattr__(self, "_pattern", re.compile("/".join(parts)))

    def match(self, path: str) -> Optional[Dict[str, str]]:
        """Match a request path (without its query) against this operation's route.

        :param path: the path, e.g. ``/stream-transcription``.
        :returns: the path labels (empty for a fixed path), or ``None``.
        """
        found = self._pattern.fullmatch(path)
        return None if found is None else found.groupdict()


def _seconds(value: float) -> float:
    # The service reports times with millisecond precision.
    return round(value, 3)


def _item(word: Word) -> Dict[str, Any]:
    item: Dict[str, Any] = {
        "StartTime": _seconds(word.start_time),
        "EndTime": _seconds(word.end_time),
        "Type": word.item_type,
        "Content": word.content,
        "VocabularyFilterMatch": False,
    }
    if word.confidence is not None:
        item["Confidence"] = word.confidence
    if word.speaker is not None:
        item["Speaker"] = word.speaker
    if word.stable is not None:
        item["Stable"] = word.stable
    return item


def transcript_event(segment: Segment, settings: StreamSettings) -> Tuple[str, Dict[str, Any]]:
    """Make the ``TranscriptEvent`` of StartStreamTranscription (§8.1) for a segment.

    :param segment: the engine's result.
    :param settings: the stream's settings.
    :returns: ``("TranscriptEvent", payload)``.
    """
    result: Dict[str, Any] = {
        "ResultId": segment.result_id,
        "StartTime": _seconds(segment.start_time),
        "EndTime": _seconds(segment.end_time),
        "IsPartial": segment.is_partial,
        "Alternatives": [
            {
                "Transcript": segment.transcript,
                "Items": [_item(word) for word in segment.words],
            }
        ],
    }
    if segment.channel is not None:
        result["ChannelId"] = f"ch_{segment.channel}"
    language = segment.language_code
    if language is not None and settings.language_code is None:
        # Only identified languages are reported (language identification).
        result["LanguageCode"] = language
    return "TranscriptEvent", {"Transcript": {"Results": [result]}}


#: ``POST /stream-transcription`` (§6.1).
START_STREAM_TRANSCRIPTION = Operation(
    name="StartStreamTranscription",
    method="POST",
    path="/stream-transcription",
    validate=validate_start_stream_transcription,
    serialize=transcript_event,
)



def medical_transcript_event(
    segment: Segment, settings: StreamSettings
) -> Tuple[str, Dict[str, Any]]:
    """Make the ``TranscriptEvent`` of StartMedicalStreamTranscription (§8.2).

    ``MedicalItem`` has neither ``VocabularyFilterMatch`` nor ``Stable``, and
    results carry no language; ``Entities`` is empty (engines find no PHI).

    :param segment: the engine's result.
    :param settings: the stream's settings.
    :returns: ``("TranscriptEvent", payload)``.
    """
    items = []
    for word in segment.words:
        item: Dict[str, Any] = {
            "StartTime": _seconds(word.start_time),
            "EndTime": _seconds(word.end_time),
            "Type": word.item_type,
            "Content": word.content,
        }
        if word.confidence is not None:
            item["Confidence"] = word.confidence
        if word.speaker is not None:
            item["Speaker"] = word.speaker
        items.append(item)
    result: Dict[str, Any] = {
        "ResultId": segment.result_id,
        "StartTime": _seconds(segment.start_time),
        "EndTime": _seconds(segment.end_time),
        "IsPartial": segment.is_partial,
        "Alternatives": [{"Transcript": segment.transcript, "Items": items, "Entities": []}],
    }
    if segment.channel is not None:
        result["ChannelId"] = f"ch_{segment.channel}"
    return "TranscriptEvent", {"Transcript": {"Results": [result]}}


def participant_roles(settings: StreamSettings) -> Dict[int, str]:
    """The participant of each channel, from the stream's configuration.

    :param settings: the stream's settings.
    :returns: channel number -> ``ParticipantRole``; empty without
        channel definitions.
    """
    config = settings.configuration or {}
    roles: Dict[int, str] = {}
    for definition in config.get("ChannelDefinitions") or ():
        roles[int(definition.get("ChannelId", 0))] = str(definition["ParticipantRole"])
    return roles


def _millis(seconds: float) -> int:
    return int(round(seconds * 1000))


def utterance_event(segment: Segment, settings: StreamSettings) -> Tuple[str, Dict[str, Any]]:
    """Make the ``UtteranceEvent`` of StartCallAnalyticsStreamTranscription (§8.3).

    The segment's channel gives the ``ParticipantRole`` configured for it by
    the stream's ``ConfigurationEvent`` (omitted when the stream defined no
    channels). Offsets are integer milliseconds. Final utterances carry
    ``Sentiment`` ``NEUTRAL`` (no sentiment analysis offline); partial ones
    none, as the service analyses complete utterances. ``Entities`` and
    ``IssuesDetected`` are empty.

    :param segment: the engine's result.
    :param settings: the stream's settings.
    :returns: ``("UtteranceEvent", payload)``.
    """
    items = []
    for word in segment.words:
        item: Dict[str, Any] = {
            "BeginOffsetMillis": _millis(word.start_time),
            "EndOffsetMillis": _millis(word.end_time),
            "Type": word.item_type,
            "Content": word.content,
            "VocabularyFilterMatch": False,
        }
        if word.confidence is not None:
            item["Confidence"] = word.confidence
        if word.stable is not None:
            item["Stable"] = word.stable
        items.append(item)
    event: Dict[str, Any] = {
        "UtteranceId": segment.result_id,
        "IsPartial": segment.is_partial,
    }
    role = participant_roles(settings).get(segment.channel if segment.channel is not None else -1)
    if role is not None:
        event["ParticipantRole"] = role
    event.update(
        {
            "BeginOffsetMillis": _millis(segment.start_time),
            "EndOffsetMillis": _millis(segment.end_time),
            "Transcript": segment.transcript,
            "Items": items,
            "Entities": [],
        }
    )
    if not segment.is_partial:
        event["Sentiment"] = "NEUTRAL"
    event["IssuesDetected"] = []
    if segment.language_code is not None and settings.language_code is None:
        event["LanguageCode"] = segment.language_code
    return "UtteranceEvent", event


def medical_scribe_transcript_event(
    segment: Segment, settings: StreamSettings
) -> Tuple[str, Dict[str, Any]]:
    """Make the ``TranscriptEvent`` of StartMedicalScribeStream (§8.4).

    Audio times are seconds, like every other time of the service (the
    model's documentation says milliseconds; see PROTOCOL.md §13 item 10).
    ``ChannelId`` is given only when the configuration defined channels.

    :param segment: the engine's result.
    :param settings: the stream's settings.
    :returns: ``("TranscriptEvent", payload)``.
    """
    items = []
    for word in segment.words:
        item: Dict[str, Any] = {
            "BeginAudioTime": _seconds(word.start_time),
            "EndAudioTime": _seconds(word.end_time),
            "Type": word.item_type,
        }
        if word.confidence is not None:
            item["Confidence"] = word.confidence
        item["Content"] = word.content
        item["VocabularyFilterMatch"] = False
        items.append(item)
    transcript: Dict[str, Any] = {
        "SegmentId": segment.result_id,
        "BeginAudioTime": _seconds(segment.start_time),
        "EndAudioTime": _seconds(segment.end_time),
        "Content": segment.transcript,
        "Items": items,
        "IsPartial": segment.is_partial,
    }
    if segment.channel is not None:
        transcript["ChannelId"] = f"ch_{segment.channel}"
    return "TranscriptEvent", {"TranscriptSegment": transcript}


#: ``POST /medical-stream-transcription`` (§6.2).
START_MEDICAL_STREAM_TRANSCRIPTION = Operation(
    name="StartMedicalStreamTranscription",
    method="POST",
    path="/medical-stream-transcription",
    validate=validate_start_medical_stream_transcription,
    serialize=medical_transcript_event,
)

#: ``POST /call-analytics-stream-transcription`` (§6.3).
START_CALL_ANALYTICS_STREAM_TRANSCRIPTION = Operation(
    name="StartCallAnalyticsStreamTranscription",
    method="POST",
    path="/call-analytics-stream-transcription",
    validate=validate_start_call_analytics_stream_transcription,
    serialize=utterance_event,
    configuration=parse_call_analytics_configuration,
)


def _scribe_configuration(payload: bytes, headers: Mapping[str, str]) -> Dict[str, Any]:
    return parse_medical_scribe_configuration(payload)


#: ``POST /medical-scribe-stream`` (§6.4).
START_MEDICAL_SCRIBE_STREAM = Operation(
    name="StartMedicalScribeStream",
    method="POST",
    path="/medical-scribe-stream",
    validate=validate_start_medical_scribe_stream,
    serialize=medical_scribe_transcript_event,
    input_union="MedicalScribeInputStream",
    input_events=MEDICAL_SCRIBE_INPUT_EVENTS,
    configuration=_scribe_configuration,
    configuration_first=True,
    session_control=True,
    scribe_sessions=True,
)


def _get_medical_scribe_stream(
    labels: Mapping[str, str], sessions: ScribeSessions
) -> Dict[str, Any]:
    session_id = labels["SessionId"]
    if len(session_id) != 36 or not re.fullmatch(SESSION_ID_PATTERN, session_id):
        raise bad_request(
            f"1 validation error detected: Value '{session_id}' at 'sessionId' failed to "
            f"satisfy constraint: Member must satisfy regular expression pattern: "
            f"{SESSION_ID_PATTERN}"
        )
    return sessions.describe(session_id)


def _no_headers(headers: Mapping[str, str]) -> Tuple[StreamSettings, List[Tuple[str, str]]]:
    raise TypeError("GetMedicalScribeStream has no request headers to validate")


#: ``GET /medical-scribe-stream/{SessionId}`` (§6.5).
GET_MEDICAL_SCRIBE_STREAM = Operation(
    name="GetMedicalScribeStream",
    method="GET",
    path="/medical-scribe-stream/{SessionId}",
    validate=_no_headers,
    serialize=_no_segments,
    input_union="",
    input_events=frozenset(),
    errors=GET_MEDICAL_SCRIBE_STREAM_ERRORS,
    kind="unary",
    answer=_get_medical_scribe_stream,
)

#: The operations served, in routing order.
OPERATIONS: Tuple[Operation, ...] = (
    START_STREAM_TRANSCRIPTION,
    START_MEDICAL_STREAM_TRANSCRIPTION,
    START_CALL_ANALYTICS_STREAM_TRANSCRIPTION,
    START_MEDICAL_SCRIBE_STREAM,
    GET_MEDICAL_SCRIBE_STREAM,
)


def route(
    method: str, path: str, operations: Tuple[Operation, ...] = OPERATIONS
) -> Tuple[Operation, Dict[str, str]]:
    """Find the operation of a request.

    :param method: the ``:method``.
    :param path: the ``:path``; any ``?...`` is ignored (the new Python SDK
        sends ``/stream-transcription?``).
    :param operations: the operations to consider.
    :returns: the operation and its path labels.
    :raises ServiceError: 404 ``UnknownOperationException`` for an unknown
        path, 405 for a known path with another method.
    """
    bare = path.partition("?")[0]
    allowed = []
    for operation in operations:
        labels = operation.match(bare)
        if labels is None:
            continue
        if operation.method == method.upper():
            return operation, labels
        allowed.append(operation.method)
    if allowed:
        raise ServiceError(
            "UnknownOperationException",
            f"{bare} does not accept {method}; use {' or '.join(sorted(set(allowed)))}.",
            status=405,
        )
    raise ServiceError(
        "UnknownOperationException",
        f"No operation is served at {method} {bare}. The emulator serves: "
        + ", ".join(f"{op.method} {op.path} ({op.name})" for op in operations)
        + ".",
    )
