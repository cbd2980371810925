"""The data shapes of call analytics streaming (StartCallAnalyticsStreamTranscription).

The output stream yields :class:`UtteranceEvent` (a transcribed utterance
of one participant, with sentiment and detected issues) and
:class:`CategoryEvent` (real-time categories that matched). The input
stream may start with a :class:`ConfigurationEvent` naming the
participants of the two channels and the post-call analytics settings.

Offsets of call analytics are integers in milliseconds (``*_offset_millis``),
not seconds as in standard transcription.

Pure data: this module imports nothing but the standard library and
:mod:`amazon_transcribe.shapes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import AsyncIterable, Dict, List, Optional, Union

from .shapes import (
    ContentIdentificationType,
    ContentRedactionType,
    ItemType,
    MediaEncoding,
    PartialResultsStability,
    UnknownEvent,
    VocabularyFilterMethod,
    _StrEnum,
)

__all__ = [
    "CallAnalyticsLanguageCode",
    "ParticipantRole",
    "Sentiment",
    "ContentRedactionOutput",
    "CallAnalyticsItem",
    "CallAnalyticsEntity",
    "CallAnalyticsLanguageWithScore",
    "CharacterOffsets",
    "IssueDetected",
    "UtteranceEvent",
    "TimestampRange",
    "PointsOfInterest",
    "CategoryEvent",
    "ChannelDefinition",
    "PostCallAnalyticsSettings",
    "ConfigurationEvent",
    "StartCallAnalyticsStreamTranscriptionRequest",
    "StartCallAnalyticsStreamTranscriptionResponse",
]


class CallAnalyticsLanguageCode(_StrEnum):
    """The languages call analytics supports."""

    EN_US = "en-US"
    EN_GB = "en-GB"
    ES_US = "es-US"
    FR_CA = "fr-CA"
    FR_FR = "fr-FR"
    EN_AU = "en-AU"
    IT_IT = "it-IT"
    DE_DE = "de-DE"
    PT_BR = "pt-BR"


class ParticipantRole(_StrEnum):
    """Who speaks on a channel of a call."""

    AGENT = "AGENT"
    CUSTOMER = "CUSTOMER"


class Sentiment(_StrEnum):
    """The sentiment of an utterance."""

    POSITIVE = "POSITIVE"
    NEGATIVE = "NEGATIVE"
    MIXED = "MIXED"
    NEUTRAL = "NEUTRAL"


class ContentRedactionOutput(_StrEnum):
    """Which transcripts post-call analytics writes when redacting."""

    REDACTED = "redacted"
    REDACTED_AND_UNREDACTED = "redacted_and_unredacted"


@dataclass
class CallAnalyticsItem:
    """A word or a punctuation mark of an utterance."""

    #: Start, in milliseconds from the start of the stream.
    begin_offset_millis: Optional[int] = None
    #: End, in milliseconds.
    end_offset_millis: Optional[int] = None
    #: :class:`~amazon_transcribe.shapes.ItemType` (or an unknown string).
    item_type: Union[ItemType, str, None] = None
    #: The word or mark.
    content: Optional[str] = None
    #: Confidence, 0 to 1.
    confidence: Optional[float] = None
    #: Whether the word matched a vocabulary filter.
    vocabulary_filter_match: Optional[bool] = None
    #: Whether the word will not change any more (stabilization on).
    stable: Optional[bool] = None


@dataclass
class CallAnalyticsEntity:
    """Personally identifiable information found in an utterance."""

    #: Start, in milliseconds.
    begin_offset_millis: Optional[int] = None
    #: End, in milliseconds.
    end_offset_millis: Optional[int] = None
    #: The category (``PII``).
    category: Optional[str] = None
    #: The PII type, e.g. ``NAME``.
    entity_type: Optional[str] = None
    #: The words identified (or the redaction placeholder).
    content: Optional[str] = None
    #: Confidence, 0 to 1.
    confidence: Optional[float] = None


@dataclass
class CallAnalyticsLanguageWithScore:
    """A candidate language of an utterance and how well it matches."""

    #: The language (a plain string if the service sent a new code).
    language_code: Union[CallAnalyticsLanguageCode, str, None] = None
    #: The score, 0 to 1.
    score: Optional[float] = None


@dataclass
class CharacterOffsets:
    """A span of an utterance's transcript, in characters."""

    #: The first character.
    begin: Optional[int] = None
    #: The character after the last.
    end: Optional[int] = None


@dataclass
class IssueDetected:
    """An issue the service found in an utterance."""

    #: Where in the utterance's transcript it is.
    character_offsets: Optional[CharacterOffsets] = None


@dataclass
class UtteranceEvent:
    """A transcribed utterance of one participant, partial or final."""

    #: Identifies the utterance; partials and the final share it.
    utterance_id: Optional[str] = None
    #: Whether more events for this utterance will follow.
    is_partial: Optional[bool] = None
    #: :class:`ParticipantRole` of the channel (or an unknown string).
    participant_role: Union[ParticipantRole, str, None] = None
    #: Start, in milliseconds from the start of the stream.
    begin_offset_millis: Optional[int] = None
    #: End, in milliseconds.
    end_offset_millis: Optional[int] = None
    #: The text.
    transcript: Optional[str] = None
    #: Its words and punctuation.
    items: Optional[List[CallAnalyticsItem]] = None
    #: PII entities, with content identification or redaction on.
    entities: Optional[List[CallAnalyticsEntity]] = None
    #: The utterance's :class:`Sentiment` (or an unknown string).
    sentiment: Union[Sentiment, str, None] = None
    #: Issues detected in the utterance.
    issues_detected: Optional[List[IssueDetected]] = None
    #: The language identified, with language identification.
    language_code: Union[CallAnalyticsLanguageCode, str, None] = None
    #: Candidate languages with scores, with language identification.
    language_identification: Optional[List[CallAnalyticsLanguageWithScore]] = None


@dataclass
class TimestampRange:
    """A stretch of the call, in milliseconds from its start."""

    #: Start, in milliseconds.
    begin_offset_millis: Optional[int] = None
    #: End, in milliseconds.
    end_offset_millis: Optional[int] = None


@dataclass
class PointsOfInterest:
    """Where in the call a category matched."""

    #: The matching stretches of the call.
    timestamp_ranges: Optional[List[TimestampRange]] = None


@dataclass
class CategoryEvent:
    """Real-time categories that matched."""

    #: Names of the matched categories.
    matched_categories: Optional[List[str]] = None
    #: Where each matched, by category name.
    matched_details: Optional[Dict[str, PointsOfInterest]] = None


@dataclass
class ChannelDefinition:
    """Who speaks on one channel of the call.

    :param channel_id: ``0`` or ``1``.
    :param participant_role: :class:`ParticipantRole` of its speaker.
    """

    channel_id: int = 0
    participant_role: Union[ParticipantRole, str] = ParticipantRole.AGENT


@dataclass
class PostCallAnalyticsSettings:
    """Where and how post-call analytics writes its results.

    :param output_location: an S3 URI, e.g. ``s3://bucket/prefix/``.
    :param data_access_role_arn: the IAM role allowed to write there.
    :param content_redaction_output: :class:`ContentRedactionOutput`
        (needs ``content_redaction_type`` on the request).
    :param output_encryption_kms_key_id: a KMS key id, alias or ARN.
    """

    output_location: str
    data_access_role_arn: str
    content_redaction_output: Union[ContentRedactionOutput, str, None] = None
    output_encryption_kms_key_id: Optional[str] = None


@dataclass
class ConfigurationEvent:
    """The first input event of a call analytics stream, when used.

    :param channel_definitions: exactly two, for channels 0 and 1.
    :param post_call_analytics_settings: enables post-call analytics.
    """

    channel_definitions: Optional[List[ChannelDefinition]] = None
    post_call_analytics_settings: Optional[PostCallAnalyticsSettings] = None


@dataclass
class StartCallAnalyticsStreamTranscriptionRequest:
    """The options of a StartCallAnalyticsStreamTranscription call (PROTOCOL.md §6.3)."""

    language_code: Union[CallAnalyticsLanguageCode, str, None] = None
    media_sample_rate_hz: Optional[int] = None
    media_encoding: Union[MediaEncoding, str, None] = None
    vocabulary_name: Optional[str] = None
    session_id: Optional[str] = None
    vocab_filter_name: Optional[str] = None
    vocab_filter_method: Union[VocabularyFilterMethod, str, None] = None
    language_model_name: Optional[str] = None
    identify_language: Optional[bool] = None
    language_options: Optional[List[str]] = None
    preferred_language: Union[CallAnalyticsLanguageCode, str, None] = None
    vocabulary_names: Optional[List[str]] = None
    vocab_filter_names: Optional[List[str]] = None
    enable_partial_results_stabilization: Optional[bool] = None
    partial_results_stability: Union[PartialResultsStability, str, None] = None
    content_identification_type: Union[ContentIdentificationType, str, None] = None
    content_redaction_type: Union[ContentRedactionType, str, None] = None
    pii_entity_types: Optional[str] = None


@dataclass
class StartCallAnalyticsStreamTranscriptionResponse:
    """What the service answered: the effective settings, and the event stream."""

    #: The output event stream (a
    #: :class:`~amazon_transcribe.streams.CallAnalyticsTranscriptResultStream`).
    call_analytics_transcript_result_stream: AsyncIterable[
        Union[UtteranceEvent, CategoryEvent, UnknownEvent]
    ]
    request_id: Optional[str] = None
    language_code: Union[CallAnalyticsLanguageCode, str, None] = None
    media_sample_rate_hz: Optional[int] = None
    media_encoding: Union[MediaEncoding, str, None] = None
    vocabulary_name: Optional[str] = None
    session_id: Optional[str] = None
    vocab_filter_name: Optional[str] = None
    vocab_filter_method: Union[VocabularyFilterMethod, str, None] = None
    language_model_name: Optional[str] = None
    identify_language: Optional[bool] = None
    language_options: Optional[List[str]] = None
    preferred_language: Union[CallAnalyticsLanguageCode, str, None] = None
    vocabulary_names: Optional[List[str]] = None
    vocab_filter_names: Optional[List[str]] = None
    enable_partial_results_stabilization: Optional[bool] = None
    partial_results_stability: Union[PartialResultsStability, str, None] = None
    content_identification_type: Union[ContentIdentificationType, str, None] = None
    content_redaction_type: Union[ContentRedactionType, str, None] = None
    pii_entity_types: Optional[str] = None
