"""The data shapes of medical streaming transcription (StartMedicalStreamTranscription).

The output mirrors standard transcription with medical names: a
:class:`MedicalTranscriptEvent` carries a :class:`MedicalTranscript` of
:class:`MedicalResult` objects. The model gives medical results no language
fields, medical items no ``VocabularyFilterMatch``/``Stable``, and medical
entities no ``Type`` (their category is ``PHI``).

Enumerations are :class:`str` enums as in :mod:`amazon_transcribe.shapes`:
values the SDK does not know (e.g. the ``speaker-change`` item type AWS
documents for medical speaker partitioning) are kept as plain strings.

Pure data: this module imports nothing but the standard library and
:mod:`amazon_transcribe.shapes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import AsyncIterable, List, Optional, Union

from .shapes import ItemType, LanguageCode, MediaEncoding, UnknownEvent, _StrEnum

__all__ = [
    "Specialty",
    "MedicalTranscriptionType",
    "MedicalContentIdentificationType",
    "MedicalItem",
    "MedicalEntity",
    "MedicalAlternative",
    "MedicalResult",
    "MedicalTranscript",
    "MedicalTranscriptEvent",
    "StartMedicalStreamTranscriptionRequest",
    "StartMedicalStreamTranscriptionResponse",
]


class Specialty(_StrEnum):
    """The medical specialty of the audio."""

    PRIMARYCARE = "PRIMARYCARE"
    CARDIOLOGY = "CARDIOLOGY"
    NEUROLOGY = "NEUROLOGY"
    ONCOLOGY = "ONCOLOGY"
    RADIOLOGY = "RADIOLOGY"
    UROLOGY = "UROLOGY"


class MedicalTranscriptionType(_StrEnum):
    """Whether the audio is a conversation or a dictation.

    The service model names this enumeration ``Type``; it is renamed here so
    that it cannot shadow :class:`typing.Type` in a star import.
    """

    CONVERSATION = "CONVERSATION"
    DICTATION = "DICTATION"


class MedicalContentIdentificationType(_StrEnum):
    """Kinds of content to identify in medical audio."""

    PHI = "PHI"


@dataclass
class MedicalItem:
    """A word or a punctuation mark of a medical alternative."""

    #: Start, in seconds from the start of the stream.
    start_time: Optional[float] = None
    #: End, in seconds.
    end_time: Optional[float] = None
    #: :class:`~amazon_transcribe.shapes.ItemType` (a plain string for
    #: values such as ``speaker-change``).
    item_type: Union[ItemType, str, None] = None
    #: The word or mark.
    content: Optional[str] = None
    #: Confidence, 0 to 1.
    confidence: Optional[float] = None
    #: Speaker label, with speaker labels on.
    speaker: Optional[str] = None


@dataclass
class MedicalEntity:
    """Protected health information found in a medical transcript."""

    #: Start, in seconds from the start of the stream.
    start_time: Optional[float] = None
    #: End, in seconds.
    end_time: Optional[float] = None
    #: The category (``PHI``).
    category: Optional[str] = None
    #: The words identified.
    content: Optional[str] = None
    #: Confidence, 0 to 1.
    confidence: Optional[float] = None


@dataclass
class MedicalAlternative:
    """One possible transcription of a medical result."""

    #: The text.
    transcript: Optional[str] = None
    #: Its words and punctuation.
    items: Optional[List[MedicalItem]] = None
    #: PHI entities, with content identification on.
    entities: Optional[List[MedicalEntity]] = None


@dataclass
class MedicalResult:
    """The transcription of one segment of medical audio, partial or final."""

    #: Identifies the segment; partials and the final share it.
    result_id: Optional[str] = None
    #: Start, in seconds from the start of the stream.
    start_time: Optional[float] = None
    #: End, in seconds.
    end_time: Optional[float] = None
    #: Whether more results for this segment will follow.
    is_partial: Optional[bool] = None
    #: Possible transcriptions, best first.
    alternatives: Optional[List[MedicalAlternative]] = None
    #: ``ch_0`` or ``ch_1`` with channel identification.
    channel_id: Optional[str] = None


@dataclass
class MedicalTranscript:
    """The results of a medical transcript event (the list may be empty)."""

    #: The results.
    results: Optional[List[MedicalResult]] = None


@dataclass
class MedicalTranscriptEvent:
    """An event of the medical output stream carrying a transcript."""

    #: The transcript.
    transcript: Optional[MedicalTranscript] = None


@dataclass
class StartMedicalStreamTranscriptionRequest:
    """The options of a StartMedicalStreamTranscription call (PROTOCOL.md §6.2)."""

    language_code: Union[LanguageCode, str, None] = None
    media_sample_rate_hz: Optional[int] = None
    media_encoding: Union[MediaEncoding, str, None] = None
    vocabulary_name: Optional[str] = None
    specialty: Union[Specialty, str, None] = None
    type: Union[MedicalTranscriptionType, str, None] = None
    show_speaker_label: Optional[bool] = None
    session_id: Optional[str] = None
    enable_channel_identification: Optional[bool] = None
    number_of_channels: Optional[int] = None
    content_identification_type: Union[MedicalContentIdentificationType, str, None] = None


@dataclass
class StartMedicalStreamTranscriptionResponse:
    """What the service answered: the effective settings, and the event stream."""

    #: The output event stream (a
    #: :class:`~amazon_transcribe.streams.MedicalTranscriptResultStream`).
    transcript_result_stream: AsyncIterable[Union[MedicalTranscriptEvent, UnknownEvent]]
    request_id: Optional[str] = None
    language_code: Union[LanguageCode, str, None] = None
    media_sample_rate_hz: Optional[int] = None
    media_encoding: Union[MediaEncoding, str, None] = None
    vocabulary_name: Optional[str] = None
    specialty: Union[Specialty, str, None] = None
    type: Union[MedicalTranscriptionType, str, None] = None
    show_speaker_label: Optional[bool] = None
    session_id: Optional[str] = None
    enable_channel_identification: Optional[bool] = None
    number_of_channels: Optional[int] = None
    content_identification_type: Union[MedicalContentIdentificationType, str, None] = None
