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
from .errors import ServiceError
from .validation import validate_start_stream_transcription

__all__ = [
    "Operation",
    "Validator",
    "SegmentSerializer",
    "OPERATIONS",
    "START_STREAM_TRANSCRIPTION",
    "route",
    "transcript_event",
    "AUDIO_STREAM_EVENTS",
    "STREAMING_ERRORS",
]

#: Validates request headers (lowercase names): the stream settings and the
#: headers to echo in the 200 response.
Validator = Callable[[Mapping[str, str]], Tuple[StreamSettings, List[Tuple[str, str]]]]
#: Turns an engine segment into the operation's output event:
#: ``(event type, JSON payload)``.
SegmentSerializer = Callable[[Segment, StreamSettings], Tuple[str, Dict[str, Any]]]

#: Members of the ``AudioStream`` input union (§6.6.1).
AUDIO_STREAM_EVENTS: FrozenSet[str] = frozenset({"AudioEvent", "ConfigurationEvent"})
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


@dataclass(frozen=True)
class Operation:
    """What is particular to one streaming operation.

    :param name: the operation name, e.g. ``"StartStreamTranscription"``.
    :param method: the HTTP method.
    :param path: the path template; ``{Label}`` matches one path segment.
    :param validate: checks the request headers.
    :param serialize: makes the output event of an engine segment.
    :param input_union: the input union's name, for error messages.
    :param input_events: the ``:event-type`` values its input union accepts.
    :param audio_event: the event type whose payload is audio for the engine.
    :param errors: the exception names it models.
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

#: The operations served, in routing order.
OPERATIONS: Tuple[Operation, ...] = (START_STREAM_TRANSCRIPTION,)


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
