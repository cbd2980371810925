"""The public model of amazon-transcribe 0.6.4, at its old import path.

A thin re-export: the data shapes live in :mod:`amazon_transcribe.shapes`,
the stream objects in :mod:`amazon_transcribe.streams`.
"""

from __future__ import annotations

from .shapes import (
    Alternative,
    AudioEvent,
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
    StartStreamTranscriptionRequest,
    StartStreamTranscriptionResponse,
    Transcript,
    TranscriptEvent,
    TranscriptFormat,
    UnknownEvent,
    VocabularyFilterMethod,
)
from .streams import AudioStream, StartStreamTranscriptionEventStream, TranscriptResultStream

__all__ = [
    "Alternative",
    "AudioEvent",
    "AudioStream",
    "ContentIdentificationType",
    "ContentRedactionType",
    "Entity",
    "Item",
    "ItemType",
    "LanguageCode",
    "LanguageWithScore",
    "MediaEncoding",
    "PartialResultsStability",
    "Result",
    "StartStreamTranscriptionEventStream",
    "StartStreamTranscriptionRequest",
    "StartStreamTranscriptionResponse",
    "Transcript",
    "TranscriptEvent",
    "TranscriptFormat",
    "TranscriptResultStream",
    "UnknownEvent",
    "VocabularyFilterMethod",
]
