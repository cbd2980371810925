"""The data shapes of AWS HealthScribe streaming (StartMedicalScribeStream, GetMedicalScribeStream).

A HealthScribe stream starts with a :class:`MedicalScribeConfigurationEvent`,
carries audio, and may end the session for good with a
:class:`MedicalScribeSessionControlEvent` (``END_OF_SESSION``), which starts
clinical-note generation. Its output is a stream of
:class:`MedicalScribeTranscriptEvent`. :class:`MedicalScribeStreamDetails`
is what GetMedicalScribeStream reports about a session.

Pure data: this module imports nothing but the standard library and
:mod:`amazon_transcribe.shapes`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import AsyncIterable, Dict, List, Optional, Union

from .shapes import UnknownEvent, _StrEnum

__all__ = [
    "MedicalScribeLanguageCode",
    "MedicalScribeMediaEncoding",
    "MedicalScribeVocabularyFilterMethod",
    "MedicalScribeTranscriptItemType",
    "MedicalScribeParticipantRole",
    "MedicalScribeSessionControlEventType",
    "MedicalScribeStreamStatus",
    "ClinicalNoteGenerationStatus",
    "MedicalScribeNoteTemplate",
    "Pronouns",
    "MedicalScribeTranscriptItem",
    "MedicalScribeTranscriptSegment",
    "MedicalScribeTranscriptEvent",
    "MedicalScribeChannelDefinition",
    "MedicalScribeEncryptionSettings",
    "ClinicalNoteGenerationSettings",
    "MedicalScribePostStreamAnalyticsSettings",
    "MedicalScribePatientContext",
    "MedicalScribeContext",
    "MedicalScribeConfigurationEvent",
    "MedicalScribeSessionControlEvent",
    "ClinicalNoteGenerationResult",
    "MedicalScribePostStreamAnalyticsResult",
    "MedicalScribeStreamDetails",
    "StartMedicalScribeStreamRequest",
    "StartMedicalScribeStreamResponse",
]


class MedicalScribeLanguageCode(_StrEnum):
    """The languages HealthScribe supports."""

    EN_US = "en-US"


class MedicalScribeMediaEncoding(_StrEnum):
    """How HealthScribe audio is encoded."""

    PCM = "pcm"
    OGG_OPUS = "ogg-opus"
    FLAC = "flac"


class MedicalScribeVocabularyFilterMethod(_StrEnum):
    """What happens to words of a vocabulary filter."""

    REMOVE = "remove"
    MASK = "mask"
    TAG = "tag"


class MedicalScribeTranscriptItemType(_StrEnum):
    """Whether a transcript item is a word or punctuation."""

    PRONUNCIATION = "pronunciation"
    PUNCTUATION = "punctuation"


class MedicalScribeParticipantRole(_StrEnum):
    """Who speaks on a channel of a HealthScribe stream."""

    PATIENT = "PATIENT"
    CLINICIAN = "CLINICIAN"


class MedicalScribeSessionControlEventType(_StrEnum):
    """Session control actions."""

    END_OF_SESSION = "END_OF_SESSION"


class MedicalScribeStreamStatus(_StrEnum):
    """The state of a HealthScribe stream."""

    IN_PROGRESS = "IN_PROGRESS"
    PAUSED = "PAUSED"
    FAILED = "FAILED"
    COMPLETED = "COMPLETED"


class ClinicalNoteGenerationStatus(_StrEnum):
    """The state of clinical-note generation."""

    IN_PROGRESS = "IN_PROGRESS"
    FAILED = "FAILED"
    COMPLETED = "COMPLETED"


class MedicalScribeNoteTemplate(_StrEnum):
    """The template of the clinical note."""

    HISTORY_AND_PHYSICAL = "HISTORY_AND_PHYSICAL"
    GIRPP = "GIRPP"
    DAP = "DAP"
    SIRP = "SIRP"
    BIRP = "BIRP"
    BEHAVIORAL_SOAP = "BEHAVIORAL_SOAP"
    PHYSICAL_SOAP = "PHYSICAL_SOAP"


class Pronouns(_StrEnum):
    """The patient's pronouns (sensitive data)."""

    HE_HIM = "HE_HIM"
    SHE_HER = "SHE_HER"
    THEY_THEM = "THEY_THEM"


@dataclass
class MedicalScribeTranscriptItem:
    """A word or a punctuation mark of a transcript segment."""

    #: Start of the item in the audio (the model documents milliseconds).
    begin_audio_time: Optional[float] = None
    #: End of the item in the audio.
    end_audio_time: Optional[float] = None
    #: :class:`MedicalScribeTranscriptItemType` (or an unknown string).
    item_type: Union[MedicalScribeTranscriptItemType, str, None] = None
    #: Confidence, 0 to 1.
    confidence: Optional[float] = None
    #: The word or mark.
    content: Optional[str] = None
    #: Whether the word matched a vocabulary filter.
    vocabulary_filter_match: Optional[bool] = None


@dataclass
class MedicalScribeTranscriptSegment:
    """A transcribed segment of a HealthScribe stream, partial or final."""

    #: Identifies the segment; partials and the final share it.
    segment_id: Optional[str] = None
    #: Start of the segment in the audio.
    begin_audio_time: Optional[float] = None
    #: End of the segment in the audio.
    end_audio_time: Optional[float] = None
    #: The text.
    content: Optional[str] = None
    #: Its words and punctuation.
    items: Optional[List[MedicalScribeTranscriptItem]] = None
    #: Whether more events for this segment will follow.
    is_partial: Optional[bool] = None
    #: The channel, when channel definitions were configured.
    channel_id: Optional[str] = None


@dataclass
class MedicalScribeTranscriptEvent:
    """An event of the HealthScribe output stream carrying a transcript segment."""

    #: The segment.
    transcript_segment: Optional[MedicalScribeTranscriptSegment] = None


@dataclass
class MedicalScribeChannelDefinition:
    """Who speaks on one channel of a HealthScribe stream.

    :param channel_id: ``0`` or ``1``.
    :param participant_role: :class:`MedicalScribeParticipantRole` of its speaker.
    """

    channel_id: int = 0
    participant_role: Union[MedicalScribeParticipantRole, str] = (
        MedicalScribeParticipantRole.CLINICIAN
    )


@dataclass
class MedicalScribeEncryptionSettings:
    """How HealthScribe encrypts what it stores.

    :param kms_key_id: a KMS key id, alias or ARN.
    :param kms_encryption_context: 1 to 10 key/value pairs.
    """

    kms_key_id: str
    kms_encryption_context: Optional[Dict[str, str]] = None


@dataclass
class ClinicalNoteGenerationSettings:
    """Where and how the clinical note is generated.

    :param output_bucket_name: an S3 bucket name (no ``s3://``).
    :param note_template: :class:`MedicalScribeNoteTemplate`; the service
        uses ``HISTORY_AND_PHYSICAL`` when absent.
    """

    output_bucket_name: str
    note_template: Union[MedicalScribeNoteTemplate, str, None] = None


@dataclass
class MedicalScribePostStreamAnalyticsSettings:
    """What HealthScribe does once the session ends.

    :param clinical_note_generation_settings: the clinical note's settings.
    """

    clinical_note_generation_settings: ClinicalNoteGenerationSettings


@dataclass
class MedicalScribePatientContext:
    """What is known about the patient.

    :param pronouns: :class:`Pronouns` (sensitive: never logged by the SDK).
    """

    pronouns: Union[Pronouns, str, None] = None

    def __repr__(self) -> str:
        # The model marks pronouns sensitive: keep them out of logs and tracebacks.
        return "MedicalScribePatientContext(pronouns=<redacted>)"


@dataclass
class MedicalScribeContext:
    """Context that improves the clinical note.

    :param patient_context: about the patient.
    """

    patient_context: Optional[MedicalScribePatientContext] = None


@dataclass
class MedicalScribeConfigurationEvent:
    """The first input event of every HealthScribe stream (new or resumed).

    :param resource_access_role_arn: the IAM role with access to the output
        bucket and the KMS key.
    :param post_stream_analytics_settings: what to do when the session ends.
    :param vocabulary_name: a custom vocabulary.
    :param vocabulary_filter_name: a vocabulary filter (needs
        ``vocabulary_filter_method``).
    :param vocabulary_filter_method: :class:`MedicalScribeVocabularyFilterMethod`.
    :param channel_definitions: exactly two, for channels 0 and 1; without
        them the service tells speakers apart itself.
    :param encryption_settings: customer-managed encryption.
    :param medical_scribe_context: patient context.
    """

    resource_access_role_arn: str
    post_stream_analytics_settings: MedicalScribePostStreamAnalyticsSettings
    vocabulary_name: Optional[str] = None
    vocabulary_filter_name: Optional[str] = None
    vocabulary_filter_method: Union[MedicalScribeVocabularyFilterMethod, str, None] = None
    channel_definitions: Optional[List[MedicalScribeChannelDefinition]] = None
    encryption_settings: Optional[MedicalScribeEncryptionSettings] = None
    medical_scribe_context: Optional[MedicalScribeContext] = None


@dataclass
class MedicalScribeSessionControlEvent:
    """Controls the session; ``END_OF_SESSION`` ends it for good.

    :param type: :class:`MedicalScribeSessionControlEventType`.
    """

    type: Union[MedicalScribeSessionControlEventType, str] = (
        MedicalScribeSessionControlEventType.END_OF_SESSION
    )


@dataclass
class ClinicalNoteGenerationResult:
    """Where clinical-note generation stands."""

    #: Where the clinical note is written.
    clinical_note_output_location: Optional[str] = None
    #: Where the transcript is written.
    transcript_output_location: Optional[str] = None
    #: :class:`ClinicalNoteGenerationStatus` (or an unknown string).
    status: Union[ClinicalNoteGenerationStatus, str, None] = None
    #: Why it failed, when it did.
    failure_reason: Optional[str] = None


@dataclass
class MedicalScribePostStreamAnalyticsResult:
    """The results of post-stream analytics."""

    #: The clinical note's generation.
    clinical_note_generation_result: Optional[ClinicalNoteGenerationResult] = None


@dataclass
class MedicalScribeStreamDetails:
    """What GetMedicalScribeStream reports about a HealthScribe session."""

    session_id: Optional[str] = None
    #: When the stream was created (aware UTC).
    stream_created_at: Optional[datetime.datetime] = None
    #: When the stream ended (aware UTC).
    stream_ended_at: Optional[datetime.datetime] = None
    language_code: Union[MedicalScribeLanguageCode, str, None] = None
    media_sample_rate_hz: Optional[int] = None
    media_encoding: Union[MedicalScribeMediaEncoding, str, None] = None
    vocabulary_name: Optional[str] = None
    vocabulary_filter_name: Optional[str] = None
    vocabulary_filter_method: Union[MedicalScribeVocabularyFilterMethod, str, None] = None
    resource_access_role_arn: Optional[str] = None
    channel_definitions: Optional[List[MedicalScribeChannelDefinition]] = None
    encryption_settings: Optional[MedicalScribeEncryptionSettings] = None
    stream_status: Union[MedicalScribeStreamStatus, str, None] = None
    post_stream_analytics_settings: Optional[MedicalScribePostStreamAnalyticsSettings] = None
    post_stream_analytics_result: Optional[MedicalScribePostStreamAnalyticsResult] = None
    medical_scribe_context_provided: Optional[bool] = None


@dataclass
class StartMedicalScribeStreamRequest:
    """The options of a StartMedicalScribeStream call (PROTOCOL.md §6.4)."""

    session_id: Optional[str] = None
    language_code: Union[MedicalScribeLanguageCode, str, None] = None
    media_sample_rate_hz: Optional[int] = None
    media_encoding: Union[MedicalScribeMediaEncoding, str, None] = None


@dataclass
class StartMedicalScribeStreamResponse:
    """What the service answered: the effective settings, and the event stream."""

    #: The output event stream (a
    #: :class:`~amazon_transcribe.streams.MedicalScribeResultStream`).
    result_stream: AsyncIterable[Union[MedicalScribeTranscriptEvent, UnknownEvent]]
    request_id: Optional[str] = None
    session_id: Optional[str] = None
    language_code: Union[MedicalScribeLanguageCode, str, None] = None
    media_sample_rate_hz: Optional[int] = None
    media_encoding: Union[MedicalScribeMediaEncoding, str, None] = None
