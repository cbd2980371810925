"""The public model of amazon-transcribe 0.6.4, at its old import path.

A thin re-export: the data shapes live in :mod:`amazon_transcribe.shapes`
(standard), :mod:`amazon_transcribe.medical`,
:mod:`amazon_transcribe.call_analytics` and
:mod:`amazon_transcribe.medical_scribe`; the stream objects in
:mod:`amazon_transcribe.streams`. 0.6.4's model also imported ``BaseEvent``,
``BaseStream`` and ``EventStream`` from its event-stream module; they come
from the compatibility layer (:mod:`amazon_transcribe._legacy.eventstream`),
which makes this module part of it: nothing in the SDK imports ``model``.
"""

from __future__ import annotations

from . import call_analytics as _call_analytics
from . import medical as _medical
from . import medical_scribe as _medical_scribe
from .call_analytics import *  # noqa: F401,F403  (re-exported, listed in __all__)
from .medical import *  # noqa: F401,F403
from .medical_scribe import *  # noqa: F401,F403

# 0.6.4's model imported these; code imports them from here.
from ._legacy.eventstream import (
    BaseEvent as BaseEvent,
    BaseStream as BaseStream,
    EventStream as EventStream,
)
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
from .streams import (
    AudioStream,
    CallAnalyticsAudioStream,
    CallAnalyticsTranscriptResultStream,
    MedicalScribeInputStream,
    MedicalScribeResultStream,
    MedicalTranscriptResultStream,
    StartCallAnalyticsStreamTranscriptionEventStream,
    StartMedicalScribeStreamEventStream,
    StartMedicalStreamTranscriptionEventStream,
    StartStreamTranscriptionEventStream,
    TranscriptResultStream,
)

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
    "CallAnalyticsAudioStream",
    "CallAnalyticsTranscriptResultStream",
    "MedicalScribeInputStream",
    "MedicalScribeResultStream",
    "MedicalTranscriptResultStream",
    "StartCallAnalyticsStreamTranscriptionEventStream",
    "StartMedicalScribeStreamEventStream",
    "StartMedicalStreamTranscriptionEventStream",
]
__all__ += _medical.__all__ + _call_analytics.__all__ + _medical_scribe.__all__

