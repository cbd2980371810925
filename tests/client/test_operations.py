"""The medical, call analytics and HealthScribe operations, and the request headers of all.

Unit tests decode the payloads of PROTOCOL.md §8 field by field and encode
the input events and request headers; end-to-end tests stream audio through
the SDK to the emulator, whose scripted engine sends events that use every
field of every event shape, and check the typed events that come back.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Tuple

import pytest

from amazon_transcribe import model
from amazon_transcribe.call_analytics import (
    CallAnalyticsEntity,
    CallAnalyticsItem,
    CallAnalyticsLanguageCode,
    CallAnalyticsLanguageWithScore,
    CategoryEvent,
    ChannelDefinition,
    CharacterOffsets,
    ConfigurationEvent,
    ContentRedactionOutput,
    IssueDetected,
    ParticipantRole,
    PointsOfInterest,
    PostCallAnalyticsSettings,
    Sentiment,
    TimestampRange,
    UtteranceEvent,
)
from amazon_transcribe._deserialize import (
    _CALL_ANALYTICS_EVENTS,
    _MEDICAL_SCRIBE_EVENTS,
    _MEDICAL_TRANSCRIPT_EVENTS,
    _get_medical_scribe_stream_output,
    _parse_output_message,
)
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.scripted import ScriptedEngine
from amazon_transcribe.eventstream import Message
from amazon_transcribe.exceptions import (
    GET_MEDICAL_SCRIBE_STREAM_EXCEPTIONS,
    STREAMING_EXCEPTIONS,
    BadRequestException,
    ConflictException,
    LimitExceededException,
    ResourceNotFoundException,
    SerializerException,
    ServiceException,
    UnknownServiceException,
    ValidationException,
)
from amazon_transcribe.handlers import (
    CallAnalyticsTranscriptResultStreamHandler,
    MedicalScribeResultStreamHandler,
    MedicalTranscriptResultStreamHandler,
)
from amazon_transcribe.medical import (
    MedicalAlternative,
    MedicalContentIdentificationType,
    MedicalEntity,
    MedicalItem,
    MedicalResult,
    MedicalTranscript,
    MedicalTranscriptEvent,
    MedicalTranscriptionType,
    Specialty,
)
from amazon_transcribe.medical_scribe import (
    ClinicalNoteGenerationResult,
    ClinicalNoteGenerationSettings,
    ClinicalNoteGenerationStatus,
    MedicalScribeChannelDefinition,
    MedicalScribeConfigurationEvent,
    MedicalScribeContext,
    MedicalScribeEncryptionSettings,
    MedicalScribeLanguageCode,
    MedicalScribeMediaEncoding,
    MedicalScribeNoteTemplate,
    MedicalScribeParticipantRole,
    MedicalScribePatientContext,
    MedicalScribePostStreamAnalyticsResult,
    MedicalScribePostStreamAnalyticsSettings,
    MedicalScribeSessionControlEvent,
    MedicalScribeStreamDetails,
    MedicalScribeStreamStatus,
    MedicalScribeTranscriptEvent,
    MedicalScribeTranscriptItem,
    MedicalScribeTranscriptItemType,
    MedicalScribeTranscriptSegment,
    MedicalScribeVocabularyFilterMethod,
    Pronouns,
)
from amazon_transcribe.operations import (
    START_CALL_ANALYTICS_STREAM_TRANSCRIPTION,
    START_MEDICAL_SCRIBE_STREAM,
    START_MEDICAL_STREAM_TRANSCRIPTION,
    START_STREAM_TRANSCRIPTION,
)
from amazon_transcribe._serialize import (
    _configuration_event_payload,
    _medical_scribe_configuration_event_payload,
    _medical_scribe_session_control_event_payload,
    _medical_scribe_stream_path,
)
from amazon_transcribe.shapes import (
    ContentIdentificationType,
    ContentRedactionType,
    ItemType,
    LanguageCode,
    MediaEncoding,
    PartialResultsStability,
    TranscriptFormat,
    UnknownEvent,
    VocabularyFilterMethod,
)

from .support import make_client, pcm

SESSION = "c7b1c3a4-2f0e-4a53-9a43-0d8f5e8c1a11"
ROLE_ARN = "arn:aws:iam::111122223333:role/Example"

# -- payloads using every member of every output shape (PROTOCOL.md §8) ------------

MEDICAL_PAYLOAD: Dict[str, Any] = {"Transcript": {"Results": [{
    "ResultId": "r-1", "StartTime": 0.5, "EndTime": 1.25, "IsPartial": False, "ChannelId": "ch_0",
    "Alternatives": [{
        "Transcript": "Take aspirin.",
        "Items": [
            {"StartTime": 0.5, "EndTime": 0.9, "Type": "pronunciation", "Content": "Take",
             "Confidence": 0.97, "Speaker": "0"},
            {"StartTime": 0.9, "EndTime": 0.9, "Type": "speaker-change"},
        ],
        "Entities": [{"StartTime": 0.9, "EndTime": 1.2, "Category": "PHI",
                      "Content": "aspirin", "Confidence": 0.88}],
    }],
}]}}

MEDICAL_EXPECTED = MedicalTranscriptEvent(MedicalTranscript([MedicalResult(
    result_id="r-1", start_time=0.5, end_time=1.25, is_partial=False, channel_id="ch_0",
    alternatives=[MedicalAlternative(
        transcript="Take aspirin.",
        items=[
            MedicalItem(0.5, 0.9, ItemType.PRONUNCIATION, "Take", 0.97, "0"),
            MedicalItem(0.9, 0.9, "speaker-change", None, None, None),
        ],
        entities=[MedicalEntity(0.9, 1.2, "PHI", "aspirin", 0.88)],
    )],
)]))

# The §8.3 example, completed with the members it leaves out.
UTTERANCE_PAYLOAD: Dict[str, Any] = {
    "UtteranceId": "58c27f92-7277-11ec-90d6-0242ac120003", "IsPartial": False,
    "ParticipantRole": "CUSTOMER", "BeginOffsetMillis": 19010, "EndOffsetMillis": 22690,
    "Transcript": "I'm tired of the network issues.", "Sentiment": "NEGATIVE",
    "Items": [{"BeginOffsetMillis": 19010, "EndOffsetMillis": 19300, "Type": "pronunciation",
               "Content": "I'm", "Confidence": 0.99, "VocabularyFilterMatch": False,
               "Stable": True}],
    "Entities": [{"BeginOffsetMillis": 20000, "EndOffsetMillis": 20500, "Category": "PII",
                  "Type": "NAME", "Content": "Jane", "Confidence": 0.75}],
    "IssuesDetected": [{"CharacterOffsets": {"Begin": 13, "End": 31}}],
    "LanguageCode": "en-US",
    "LanguageIdentification": [{"LanguageCode": "en-US", "Score": 0.9},
                               {"LanguageCode": "xx-XX", "Score": 0.1}],
}

UTTERANCE_EXPECTED = UtteranceEvent(
    utterance_id="58c27f92-7277-11ec-90d6-0242ac120003", is_partial=False,
    participant_role=ParticipantRole.CUSTOMER, begin_offset_millis=19010,
    end_offset_millis=22690, transcript="I'm tired of the network issues.",
    items=[CallAnalyticsItem(19010, 19300, ItemType.PRONUNCIATION, "I'm", 0.99, False, True)],
    entities=[CallAnalyticsEntity(20000, 20500, "PII", "NAME", "Jane", 0.75)],
    sentiment=Sentiment.NEGATIVE,
    issues_detected=[IssueDetected(CharacterOffsets(13, 31))],
    language_code=CallAnalyticsLanguageCode.EN_US,
    language_identification=[CallAnalyticsLanguageWithScore(CallAnalyticsLanguageCode.EN_US, 0.9),
                             CallAnalyticsLanguageWithScore("xx-XX", 0.1)],
)

CATEGORY_PAYLOAD: Dict[str, Any] = {
    "MatchedCategories": ["network-issues"],
    "MatchedDetails": {"network-issues": {"TimestampRanges": [
        {"BeginOffsetMillis": 19010, "EndOffsetMillis": 22690}]}},
}

CATEGORY_EXPECTED = CategoryEvent(
    matched_categories=["network-issues"],
    matched_details={"network-issues": PointsOfInterest([TimestampRange(19010, 22690)])},
)

SCRIBE_PAYLOAD: Dict[str, Any] = {"TranscriptSegment": {
    "SegmentId": "seg-1", "BeginAudioTime": 0.25, "EndAudioTime": 1.5,
    "Content": "Any allergies?", "IsPartial": True, "ChannelId": "ch_1",
    "Items": [
        {"BeginAudioTime": 0.25, "EndAudioTime": 0.7, "Type": "pronunciation",
         "Confidence": 0.93, "Content": "Any", "VocabularyFilterMatch": False},
        {"BeginAudioTime": 1.5, "EndAudioTime": 1.5, "Type": "punctuation",
         "Confidence": 0.0, "Content": "?", "VocabularyFilterMatch": True},
    ],
}}

SCRIBE_EXPECTED = MedicalScribeTranscriptEvent(MedicalScribeTranscriptSegment(
    segment_id="seg-1", begin_audio_time=0.25, end_audio_time=1.5, content="Any allergies?",
    is_partial=True, channel_id="ch_1",
    items=[
        MedicalScribeTranscriptItem(0.25, 0.7, MedicalScribeTranscriptItemType.PRONUNCIATION,
                                    0.93, "Any", False),
        MedicalScribeTranscriptItem(1.5, 1.5, MedicalScribeTranscriptItemType.PUNCTUATION,
                                    0.0, "?", True),
    ],
))

# The §8.4 example, completed with the members it leaves out.
DETAILS_BODY: Dict[str, Any] = {"MedicalScribeStreamDetails": {
    "SessionId": SESSION, "StreamCreatedAt": 1704067200.0, "StreamEndedAt": 1704067800.5,
    "LanguageCode": "en-US", "MediaSampleRateHertz": 16000, "MediaEncoding": "pcm",
    "VocabularyName": "vocab", "VocabularyFilterName": "filter",
    "VocabularyFilterMethod": "mask", "ResourceAccessRoleArn": ROLE_ARN,
    "ChannelDefinitions": [{"ChannelId": 0, "ParticipantRole": "CLINICIAN"},
                           {"ChannelId": 1, "ParticipantRole": "PATIENT"}],
    "EncryptionSettings": {"KmsKeyId": "alias/key", "KmsEncryptionContext": {"k": "v"}},
    "StreamStatus": "COMPLETED",
    "PostStreamAnalyticsSettings": {"ClinicalNoteGenerationSettings": {
        "OutputBucketName": "example-bucket", "NoteTemplate": "HISTORY_AND_PHYSICAL"}},
    "PostStreamAnalyticsResult": {"ClinicalNoteGenerationResult": {
        "ClinicalNoteOutputLocation": "s3://example-bucket/note.json",
        "TranscriptOutputLocation": "s3://example-bucket/transcript.json",
        "Status": "FAILED", "FailureReason": "no audio"}},
    "MedicalScribeContextProvided": False,
}}

DETAILS_EXPECTED = MedicalScribeStreamDetails(
    session_id=SESSION,
    stream_created_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    stream_ended_at=datetime.datetime(2024, 1, 1, 0, 10, 0, 500000,
                                      tzinfo=datetime.timezone.utc),
    language_code=MedicalScribeLanguageCode.EN_US, media_sample_rate_hz=16000,
    media_encoding=MedicalScribeMediaEncoding.PCM, vocabulary_name="vocab",
    vocabulary_filter_name="filter",
    vocabulary_filter_method=MedicalScribeVocabularyFilterMethod.MASK,
    resource_access_role_arn=ROLE_ARN,
    channel_definitions=[
        MedicalScribeChannelDefinition(0, MedicalScribeParticipantRole.CLINICIAN),
        MedicalScribeChannelDefinition(1, MedicalScribeParticipantRole.PATIENT)],
    encryption_settings=MedicalScribeEncryptionSettings("alias/key", {"k": "v"}),
    stream_status=MedicalScribeStreamStatus.COMPLETED,
    post_stream_analytics_settings=MedicalScribePostStreamAnalyticsSettings(
        ClinicalNoteGenerationSettings("example-bucket",
                                       MedicalScribeNoteTemplate.HISTORY_AND_PHYSICAL)),
    post_stream_analytics_result=MedicalScribePostStreamAnalyticsResult(
        ClinicalNoteGenerationResult("s3://example-bucket/note.json",
                                     "s3://example-bucket/transcript.json",
                                     ClinicalNoteGenerationStatus.FAILED, "no audio")),
    medical_scribe_context_provided=False,
)


def _message(event_type: str, payload: Dict[str, Any]) -> Message:
    return Message(
        headers={":message-type": "event", ":event-type": event_type,
                 ":content-type": "application/json"},
        payload=json.dumps(payload).encode(),
    )


# -- decoding ---------------------------------------------------------------------


def test_medical_transcript_event_field_by_field() -> None:
    event = _parse_output_message(_message("TranscriptEvent", MEDICAL_PAYLOAD),
                                 _MEDICAL_TRANSCRIPT_EVENTS)
    assert event == MEDICAL_EXPECTED
    item = event.transcript.results[0].alternatives[0].items[1]
    assert item.item_type == "speaker-change" and not isinstance(item.item_type, ItemType)


def test_utterance_and_category_events_field_by_field() -> None:
    assert _parse_output_message(_message("UtteranceEvent", UTTERANCE_PAYLOAD),
                                _CALL_ANALYTICS_EVENTS) == UTTERANCE_EXPECTED
    assert _parse_output_message(_message("CategoryEvent", CATEGORY_PAYLOAD),
                                _CALL_ANALYTICS_EVENTS) == CATEGORY_EXPECTED
    # Absent members stay None; an empty event is still an event.
    assert _parse_output_message(_message("UtteranceEvent", {}),
                                _CALL_ANALYTICS_EVENTS) == UtteranceEvent()
    assert _parse_output_message(_message("CategoryEvent", {}),
                                _CALL_ANALYTICS_EVENTS) == CategoryEvent()


def test_medical_scribe_transcript_event_field_by_field() -> None:
    assert _parse_output_message(_message("TranscriptEvent", SCRIBE_PAYLOAD),
                                _MEDICAL_SCRIBE_EVENTS) == SCRIBE_EXPECTED


def test_stream_details_field_by_field() -> None:
    details = _get_medical_scribe_stream_output(json.dumps(DETAILS_BODY).encode())
    assert details == DETAILS_EXPECTED
    with pytest.raises(SerializerException):
        _get_medical_scribe_stream_output(b"{}")
    with pytest.raises(SerializerException):
        _get_medical_scribe_stream_output(b"not json")


def test_unknown_events_and_unknown_members_are_kept_or_ignored() -> None:
    for events in (_MEDICAL_TRANSCRIPT_EVENTS, _CALL_ANALYTICS_EVENTS, _MEDICAL_SCRIBE_EVENTS):
        event = _parse_output_message(_message("FutureEvent", {"A": 1}), events)
        assert isinstance(event, UnknownEvent) and event.event_type == "FutureEvent"
    payload = dict(UTTERANCE_PAYLOAD, NewMember={"x": 1})
    assert _parse_output_message(_message("UtteranceEvent", payload),
                                _CALL_ANALYTICS_EVENTS) == UTTERANCE_EXPECTED


@pytest.mark.parametrize("name", sorted(STREAMING_EXCEPTIONS))
def test_in_stream_exceptions_use_the_operations_registry(name: str) -> None:
    message = Message(headers={":message-type": "exception", ":exception-type": name,
                               ":content-type": "application/json"},
                      payload=b'{"Message":"boom"}')
    for events in (_MEDICAL_TRANSCRIPT_EVENTS, _CALL_ANALYTICS_EVENTS, _MEDICAL_SCRIBE_EVENTS):
        with pytest.raises(STREAMING_EXCEPTIONS[name], match="boom"):
            _parse_output_message(message, events, registry=STREAMING_EXCEPTIONS)
    # Not modeled by the streams (only by GetMedicalScribeStream): generic.
    message.headers[":exception-type"] = "ResourceNotFoundException"
    with pytest.raises(UnknownServiceException):
        _parse_output_message(message, _MEDICAL_SCRIBE_EVENTS, registry=STREAMING_EXCEPTIONS)
    assert set(GET_MEDICAL_SCRIBE_STREAM_EXCEPTIONS) == {
        "BadRequestException", "InternalFailureException", "LimitExceededException",
        "ResourceNotFoundException"}


# -- encoding -----------------------------------------------------------------------


def test_call_analytics_configuration_event_payload() -> None:
    event = ConfigurationEvent(
        channel_definitions=[ChannelDefinition(0, ParticipantRole.AGENT),
                             ChannelDefinition(1, "CUSTOMER")],
        post_call_analytics_settings=PostCallAnalyticsSettings(
            output_location="s3://bucket/prefix/", data_access_role_arn=ROLE_ARN,
            content_redaction_output=ContentRedactionOutput.REDACTED_AND_UNREDACTED,
            output_encryption_kms_key_id="alias/key"),
    )
    assert _configuration_event_payload(event) == {
        "ChannelDefinitions": [{"ChannelId": 0, "ParticipantRole": "AGENT"},
                               {"ChannelId": 1, "ParticipantRole": "CUSTOMER"}],
        "PostCallAnalyticsSettings": {
            "OutputLocation": "s3://bucket/prefix/", "DataAccessRoleArn": ROLE_ARN,
            "ContentRedactionOutput": "redacted_and_unredacted",
            "OutputEncryptionKMSKeyId": "alias/key"},
    }
    assert _configuration_event_payload(ConfigurationEvent()) == {}


def scribe_configuration() -> MedicalScribeConfigurationEvent:
    return MedicalScribeConfigurationEvent(
        resource_access_role_arn=ROLE_ARN,
        post_stream_analytics_settings=MedicalScribePostStreamAnalyticsSettings(
            ClinicalNoteGenerationSettings("example-bucket", MedicalScribeNoteTemplate.SIRP)),
        vocabulary_name="vocab", vocabulary_filter_name="filter",
        vocabulary_filter_method=MedicalScribeVocabularyFilterMethod.TAG,
        channel_definitions=[
            MedicalScribeChannelDefinition(0, MedicalScribeParticipantRole.CLINICIAN),
            MedicalScribeChannelDefinition(1, MedicalScribeParticipantRole.PATIENT)],
        encryption_settings=MedicalScribeEncryptionSettings("alias/key", {"team": "care"}),
        medical_scribe_context=MedicalScribeContext(MedicalScribePatientContext(Pronouns.SHE_HER)),
    )


def test_medical_scribe_input_event_payloads() -> None:
    assert _medical_scribe_configuration_event_payload(scribe_configuration()) == {
        "VocabularyName": "vocab", "VocabularyFilterName": "filter",
        "VocabularyFilterMethod": "tag", "ResourceAccessRoleArn": ROLE_ARN,
        "ChannelDefinitions": [{"ChannelId": 0, "ParticipantRole": "CLINICIAN"},
                               {"ChannelId": 1, "ParticipantRole": "PATIENT"}],
        "EncryptionSettings": {"KmsEncryptionContext": {"team": "care"},
                               "KmsKeyId": "alias/key"},
        "PostStreamAnalyticsSettings": {"ClinicalNoteGenerationSettings": {
            "OutputBucketName": "example-bucket", "NoteTemplate": "SIRP"}},
        "MedicalScribeContext": {"PatientContext": {"Pronouns": "SHE_HER"}},
    }
    assert _medical_scribe_session_control_event_payload(
        MedicalScribeSessionControlEvent()) == {"Type": "END_OF_SESSION"}
    # Sensitive: the pronouns never show in a repr (logs, tracebacks).
    assert "SHE_HER" not in repr(scribe_configuration())


def test_get_path_checks_the_session_id() -> None:
    assert _medical_scribe_stream_path(SESSION) == f"/medical-scribe-stream/{SESSION}"
    for bad in ("../x", SESSION + "/", "", SESSION[:-1]):
        with pytest.raises(ValidationException):
            _medical_scribe_stream_path(bad)


# -- request headers: every option of each operation (PROTOCOL.md §6) ----------------

#: (keyword argument, value given, header, value on the wire), per operation,
#: transcribed from the header tables of PROTOCOL.md §6.1–§6.4.
STANDARD_TABLE: List[Tuple[str, Any, str, str]] = [
    ("language_code", LanguageCode.EN_US, "x-amzn-transcribe-language-code", "en-US"),
    ("media_sample_rate_hz", 16000, "x-amzn-transcribe-sample-rate", "16000"),
    ("media_encoding", MediaEncoding.PCM, "x-amzn-transcribe-media-encoding", "pcm"),
    ("vocabulary_name", "vocab", "x-amzn-transcribe-vocabulary-name", "vocab"),
    ("session_id", SESSION, "x-amzn-transcribe-session-id", SESSION),
    ("vocab_filter_name", "filter", "x-amzn-transcribe-vocabulary-filter-name", "filter"),
    ("vocab_filter_method", VocabularyFilterMethod.MASK,
     "x-amzn-transcribe-vocabulary-filter-method", "mask"),
    ("show_speaker_label", True, "x-amzn-transcribe-show-speaker-label", "true"),
    ("enable_channel_identification", True,
     "x-amzn-transcribe-enable-channel-identification", "true"),
    ("number_of_channels", 2, "x-amzn-transcribe-number-of-channels", "2"),
    ("enable_partial_results_stabilization", True,
     "x-amzn-transcribe-enable-partial-results-stabilization", "true"),
    ("partial_results_stability", PartialResultsStability.LOW,
     "x-amzn-transcribe-partial-results-stability", "low"),
    ("content_identification_type", ContentIdentificationType.PII,
     "x-amzn-transcribe-content-identification-type", "PII"),
    ("content_redaction_type", ContentRedactionType.PII,
     "x-amzn-transcribe-content-redaction-type", "PII"),
    ("pii_entity_types", "NAME,SSN", "x-amzn-transcribe-pii-entity-types", "NAME,SSN"),
    ("language_model_name", "model", "x-amzn-transcribe-language-model-name", "model"),
    ("identify_language", True, "x-amzn-transcribe-identify-language", "true"),
    ("language_options", ["en-US", "de-DE"], "x-amzn-transcribe-language-options",
     "en-US,de-DE"),
    ("preferred_language", "de-DE", "x-amzn-transcribe-preferred-language", "de-DE"),
    ("identify_multiple_languages", True,
     "x-amzn-transcribe-identify-multiple-languages", "true"),
    ("vocabulary_names", ["a", "b"], "x-amzn-transcribe-vocabulary-names", "a,b"),
    ("vocab_filter_names", ["c", "d"], "x-amzn-transcribe-vocabulary-filter-names", "c,d"),
    ("session_resume_window", 30, "x-amzn-transcribe-session-resume-window", "30"),
    ("transcript_format", TranscriptFormat.SPOKEN, "x-amzn-transcribe-transcript-format",
     "spoken"),
]

MEDICAL_TABLE: List[Tuple[str, Any, str, str]] = [
    ("language_code", "en-US", "x-amzn-transcribe-language-code", "en-US"),
    ("media_sample_rate_hz", 16000, "x-amzn-transcribe-sample-rate", "16000"),
    ("media_encoding", "pcm", "x-amzn-transcribe-media-encoding", "pcm"),
    ("vocabulary_name", "vocab", "x-amzn-transcribe-vocabulary-name", "vocab"),
    ("specialty", Specialty.CARDIOLOGY, "x-amzn-transcribe-specialty", "CARDIOLOGY"),
    ("type", MedicalTranscriptionType.DICTATION, "x-amzn-transcribe-type", "DICTATION"),
    ("show_speaker_label", False, "x-amzn-transcribe-show-speaker-label", "false"),
    ("session_id", SESSION, "x-amzn-transcribe-session-id", SESSION),
    ("enable_channel_identification", True,
     "x-amzn-transcribe-enable-channel-identification", "true"),
    ("number_of_channels", 2, "x-amzn-transcribe-number-of-channels", "2"),
    ("content_identification_type", MedicalContentIdentificationType.PHI,
     "x-amzn-transcribe-content-identification-type", "PHI"),
]

CALL_ANALYTICS_TABLE: List[Tuple[str, Any, str, str]] = [
    ("language_code", CallAnalyticsLanguageCode.EN_GB, "x-amzn-transcribe-language-code",
     "en-GB"),
    ("media_sample_rate_hz", 8000, "x-amzn-transcribe-sample-rate", "8000"),
    ("media_encoding", "pcm", "x-amzn-transcribe-media-encoding", "pcm"),
    ("vocabulary_name", "vocab", "x-amzn-transcribe-vocabulary-name", "vocab"),
    ("session_id", SESSION, "x-amzn-transcribe-session-id", SESSION),
    ("vocab_filter_name", "filter", "x-amzn-transcribe-vocabulary-filter-name", "filter"),
    ("vocab_filter_method", "tag", "x-amzn-transcribe-vocabulary-filter-method", "tag"),
    ("language_model_name", "model", "x-amzn-transcribe-language-model-name", "model"),
    ("identify_language", True, "x-amzn-transcribe-identify-language", "true"),
    ("language_options", ["en-US", "de-DE"], "x-amzn-transcribe-language-options",
     "en-US,de-DE"),
    ("preferred_language", CallAnalyticsLanguageCode.DE_DE,
     "x-amzn-transcribe-preferred-language", "de-DE"),
    ("vocabulary_names", ["a", "b"], "x-amzn-transcribe-vocabulary-names", "a,b"),
    ("vocab_filter_names", ["c"], "x-amzn-transcribe-vocabulary-filter-names", "c"),
    ("enable_partial_results_stabilization", True,
     "x-amzn-transcribe-enable-partial-results-stabilization", "true"),
    ("partial_results_stability", "medium", "x-amzn-transcribe-partial-results-stability",
     "medium"),
    ("content_identification_type", "PII", "x-amzn-transcribe-content-identification-type",
     "PII"),
    ("content_redaction_type", ContentRedactionType.PII,
     "x-amzn-transcribe-content-redaction-type", "PII"),
    ("pii_entity_types", "ALL", "x-amzn-transcribe-pii-entity-types", "ALL"),
]

SCRIBE_TABLE: List[Tuple[str, Any, str, str]] = [
    ("session_id", SESSION, "x-amzn-transcribe-session-id", SESSION),
    ("language_code", MedicalScribeLanguageCode.EN_US, "x-amzn-transcribe-language-code",
     "en-US"),
    ("media_sample_rate_hz", 16000, "x-amzn-transcribe-sample-rate", "16000"),
    ("media_encoding", MedicalScribeMediaEncoding.FLAC, "x-amzn-transcribe-media-encoding",
     "flac"),
]

#: operation method → (the protocol's table, the SDK's operation spec)
OPERATIONS: Dict[str, Tuple[Any, ...]] = {
    "start_stream_transcription": (STANDARD_TABLE, START_STREAM_TRANSCRIPTION),
    "start_medical_stream_transcription": (MEDICAL_TABLE, START_MEDICAL_STREAM_TRANSCRIPTION),
    "start_call_analytics_stream_transcription": (
        CALL_ANALYTICS_TABLE, START_CALL_ANALYTICS_STREAM_TRANSCRIPTION),
    "start_medical_scribe_stream": (SCRIBE_TABLE, START_MEDICAL_SCRIBE_STREAM),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_every_option_of_the_protocol_is_a_keyword_with_its_header(operation: str) -> None:
    import inspect

    from amazon_transcribe.client import TranscribeStreamingClient

    table, spec = OPERATIONS[operation]
    parameters = inspect.signature(getattr(TranscribeStreamingClient, operation)).parameters
    assert {row[0] for row in table} == {p for p in parameters if p != "self"}
    assert {(row[0], row[2]) for row in table} == {(h.attribute, h.name) for h in spec.headers}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_request_headers_serialize_every_option(operation: str) -> None:
    table, spec = OPERATIONS[operation]
    headers = spec.request_headers(spec.request_type(**{row[0]: row[1] for row in table}))
    assert headers[0] == ("content-type", "application/vnd.amazon.eventstream")
    assert sorted(headers[1:]) == sorted((row[2], row[3]) for row in table)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_response_headers_read_back_every_option(operation: str) -> None:
    table, spec = OPERATIONS[operation]
    fields = spec.response_fields(
        dict({row[2]: row[3] for row in table}, **{"x-amzn-request-id": "req"}))
    assert fields.pop("request_id") == "req"
    # Read back equal to what was sent: enumerations as members, lists as lists.
    assert fields == {row[0]: row[1] for row in table}


def test_response_headers_become_typed_fields() -> None:
    echo = {row[2]: row[3] for row in MEDICAL_TABLE}
    fields = START_MEDICAL_STREAM_TRANSCRIPTION.response_fields(
        dict(echo, **{"x-amzn-request-id": "req"}))
    assert fields["request_id"] == "req" and fields["specialty"] is Specialty.CARDIOLOGY
    assert fields["type"] is MedicalTranscriptionType.DICTATION
    assert fields["show_speaker_label"] is False and fields["number_of_channels"] == 2
    assert fields["content_identification_type"] is MedicalContentIdentificationType.PHI
    fields = START_CALL_ANALYTICS_STREAM_TRANSCRIPTION.response_fields(
        {row[2]: row[3] for row in CALL_ANALYTICS_TABLE})
    assert fields["language_options"] == ["en-US", "de-DE"]
    assert fields["vocabulary_names"] == ["a", "b"] and fields["identify_language"] is True
    assert fields["preferred_language"] is CallAnalyticsLanguageCode.DE_DE
    assert fields["vocab_filter_method"] is VocabularyFilterMethod.TAG
    fields = START_MEDICAL_SCRIBE_STREAM.response_fields({row[2]: row[3] for row in SCRIBE_TABLE})
    assert fields["media_encoding"] is MedicalScribeMediaEncoding.FLAC
    assert fields["session_id"] == SESSION and fields["media_sample_rate_hz"] == 16000


def test_model_reexports_every_new_public_name() -> None:
    from amazon_transcribe import call_analytics, medical, medical_scribe

    for module in (medical, call_analytics, medical_scribe):
        for name in module.__all__:
            assert getattr(model, name) is getattr(module, name)
            assert name in model.__all__


# -- end to end, against the emulator ---------------------------------------------------

MED_SESSION = "11111111-1111-4111-8111-111111111111"
CA_SESSION = "22222222-2222-4222-8222-222222222222"
SCRIBE_SESSION = "33333333-3333-4333-8333-333333333333"
CONFLICT_SESSION = "44444444-4444-4444-8444-444444444444"
LIMIT_SESSION = "55555555-5555-4555-8555-555555555555"


def _raw(after_events: int, event_type: str, payload: Dict[str, Any]) -> Dict[str, Any]:
    return {"after_events": after_events,
            "event": {"event_type": event_type, "payload": payload}}


SCRIPTS: Dict[str, Any] = {
    MED_SESSION: [_raw(1, "TranscriptEvent", MEDICAL_PAYLOAD),
                  _raw(2, "FutureEvent", {"n": 1})],
    CA_SESSION: [_raw(1, "UtteranceEvent", UTTERANCE_PAYLOAD),
                 _raw(2, "CategoryEvent", CATEGORY_PAYLOAD),
                 _raw(3, "FutureEvent", {"n": 2})],
    SCRIBE_SESSION: [_raw(1, "TranscriptEvent", SCRIBE_PAYLOAD)],
    CONFLICT_SESSION: [{"after_events": 1, "error": {
        "error_type": "ConflictException", "message": "a newer stream took the session"}}],
    LIMIT_SESSION: [{"at_open": True, "error": {
        "error_type": "LimitExceededException", "message": "too many streams"}}],
}


@pytest.fixture
async def scripted(tmp_path: Path) -> AsyncIterator[TranscribeEmulator]:
    engine = ScriptedEngine.from_json({"default": [], "sessions": SCRIPTS})
    async with TranscribeEmulator(engine=engine, state_dir=tmp_path) as emulator:
        yield emulator


async def _send_audio(input_stream: Any, audio: bytes, chunk: int = 3200) -> None:
    for i in range(0, len(audio), chunk):
        await input_stream.send_audio_event(audio[i : i + chunk])
    await input_stream.end_stream()


async def _collect(stream: Any) -> List[Any]:
    return [event async for event in stream.output_stream]


def _normalise(events: List[Any]) -> List[Any]:
    return [("unknown", e.event_type, json.loads(e.payload)) if isinstance(e, UnknownEvent)
            else e for e in events]


async def test_medical_stream_end_to_end(scripted: TranscribeEmulator) -> None:
    seen: List[Any] = []

    class Handler(MedicalTranscriptResultStreamHandler):
        async def handle_transcript_event(self, transcript_event: MedicalTranscriptEvent) -> None:
            seen.append(transcript_event)

        async def handle_unknown_event(self, event: UnknownEvent) -> None:
            seen.append(event)

    async with make_client(scripted) as client:
        stream = await client.start_medical_stream_transcription(
            language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm",
            specialty=Specialty.PRIMARYCARE, type="CONVERSATION", session_id=MED_SESSION)
        async with stream:
            assert stream.response.session_id == MED_SESSION
            assert stream.response.specialty is Specialty.PRIMARYCARE
            assert stream.response.type is MedicalTranscriptionType.CONVERSATION
            assert stream.response.request_id
            await asyncio.wait_for(asyncio.gather(
                _send_audio(stream.input_stream, pcm()[:32000]),
                Handler(stream.output_stream).handle_events()), 10)
    assert _normalise(seen) == [MEDICAL_EXPECTED, ("unknown", "FutureEvent", {"n": 1})]
    record = await scripted.records.wait_ended(MED_SESSION, timeout=10)
    assert record.operation == "StartMedicalStreamTranscription"
    assert record.end_reason == "completed" and record.signatures_failed == 0


async def test_call_analytics_stream_end_to_end(scripted: TranscribeEmulator) -> None:
    utterances: List[UtteranceEvent] = []
    categories: List[CategoryEvent] = []
    unknown: List[UnknownEvent] = []

    class Handler(CallAnalyticsTranscriptResultStreamHandler):
        async def handle_utterance_event(self, utterance_event: UtteranceEvent) -> None:
            utterances.append(utterance_event)

        async def handle_category_event(self, category_event: CategoryEvent) -> None:
            categories.append(category_event)

        async def handle_unknown_event(self, event: UnknownEvent) -> None:
            unknown.append(event)

    async with make_client(scripted) as client:
        stream = await client.start_call_analytics_stream_transcription(
            language_code=CallAnalyticsLanguageCode.EN_US, media_sample_rate_hz=16000,
            media_encoding="pcm", session_id=CA_SESSION)
        async with stream:
            await stream.input_stream.send_configuration_event(
                channel_definitions=[ChannelDefinition(0, ParticipantRole.AGENT),
                                     ChannelDefinition(1, ParticipantRole.CUSTOMER)],
                post_call_analytics_settings=PostCallAnalyticsSettings(
                    "s3://bucket/prefix/", ROLE_ARN))
            await asyncio.wait_for(asyncio.gather(
                _send_audio(stream.input_stream, pcm()[:32000]),
                Handler(stream.output_stream).handle_events()), 10)
    assert utterances == [UTTERANCE_EXPECTED] and categories == [CATEGORY_EXPECTED]
    assert [e.event_type for e in unknown] == ["FutureEvent"]
    record = await scripted.records.wait_ended(CA_SESSION, timeout=10)
    assert record.operation == "StartCallAnalyticsStreamTranscription"
    assert record.end_reason == "completed" and record.signatures_failed == 0


async def test_call_analytics_configuration_after_audio_is_refused(
        scripted: TranscribeEmulator) -> None:
    async with make_client(scripted) as client:
        stream = await client.start_call_analytics_stream_transcription(
            language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm")
        async with stream:
            await stream.input_stream.send_audio_event(pcm()[:3200])
            with pytest.raises(BadRequestException):
                # The refusal may reach the sender or only the reader first.
                await stream.input_stream.send_configuration_event(ConfigurationEvent(
                    channel_definitions=[ChannelDefinition(0, "AGENT"),
                                         ChannelDefinition(1, "CUSTOMER")]))
                await stream.input_stream.end_stream()
                await asyncio.wait_for(_collect(stream), 10)


async def test_medical_scribe_stream_and_get_end_to_end(scripted: TranscribeEmulator) -> None:
    seen: List[Any] = []

    class Handler(MedicalScribeResultStreamHandler):
        async def handle_transcript_event(
                self, transcript_event: MedicalScribeTranscriptEvent) -> None:
            seen.append(transcript_event)

    async with make_client(scripted) as client:
        stream = await client.start_medical_scribe_stream(
            language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm",
            session_id=SCRIBE_SESSION)
        async with stream:
            assert stream.response.session_id == SCRIBE_SESSION
            assert stream.response.language_code is MedicalScribeLanguageCode.EN_US
            assert stream.response.media_encoding is MedicalScribeMediaEncoding.PCM

            async def send() -> None:
                await stream.input_stream.send_configuration_event(scribe_configuration())
                for i in range(0, 32000, 3200):
                    await stream.input_stream.send_audio_event(pcm()[i : i + 3200])
                await stream.input_stream.send_session_control_event()
                await stream.input_stream.end_stream()

            await asyncio.wait_for(asyncio.gather(
                send(), Handler(stream.output_stream).handle_events()), 10)
        assert seen == [SCRIBE_EXPECTED]
        await scripted.records.wait_ended(SCRIBE_SESSION, timeout=10)
        details = await client.get_medical_scribe_stream(SCRIBE_SESSION)
        assert details.session_id == SCRIBE_SESSION
        assert details.language_code is MedicalScribeLanguageCode.EN_US
        assert details.media_sample_rate_hz == 16000
        assert details.media_encoding is MedicalScribeMediaEncoding.PCM
        assert details.resource_access_role_arn == ROLE_ARN
        assert details.vocabulary_filter_method is MedicalScribeVocabularyFilterMethod.TAG
        assert details.channel_definitions == scribe_configuration().channel_definitions
        assert details.encryption_settings == scribe_configuration().encryption_settings
        assert details.post_stream_analytics_settings == (
            scribe_configuration().post_stream_analytics_settings)
        assert details.stream_status is MedicalScribeStreamStatus.COMPLETED
        assert details.medical_scribe_context_provided is True
        assert isinstance(details.stream_created_at, datetime.datetime)
        with pytest.raises(ResourceNotFoundException) as info:
            await client.get_medical_scribe_stream("66666666-6666-4666-8666-666666666666")
        assert info.value.status_code == 404 and info.value.request_id
        with pytest.raises(ValidationException):
            await client.get_medical_scribe_stream("not-a-uuid")


async def test_each_operation_raises_its_typed_exceptions(scripted: TranscribeEmulator) -> None:
    async with make_client(scripted) as client:
        starts = [
            lambda **kw: client.start_medical_stream_transcription(
                language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm",
                specialty="PRIMARYCARE", type="DICTATION", **kw),
            lambda **kw: client.start_call_analytics_stream_transcription(
                language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm", **kw),
            lambda **kw: client.start_medical_scribe_stream(
                language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm", **kw),
        ]
        for start in starts:
            # Before the stream: an HTTP error response.
            with pytest.raises(LimitExceededException) as refused:
                await start(session_id=LIMIT_SESSION)
            assert refused.value.status_code == 429
            # Inside the stream: an exception message.
            stream = await start(session_id=CONFLICT_SESSION)
            async with stream:
                if hasattr(stream.input_stream, "send_configuration_event") and isinstance(
                        stream.response, model.StartMedicalScribeStreamResponse):
                    await stream.input_stream.send_configuration_event(scribe_configuration())
                with pytest.raises(ConflictException, match="newer stream"):
                    await asyncio.wait_for(asyncio.gather(
                        _send_audio(stream.input_stream, pcm()[:16000]), _collect(stream)), 10)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
async def test_every_request_header_is_sent(scripted: TranscribeEmulator, operation: str) -> None:
    table = OPERATIONS[operation][0]
    options = {row[0]: row[1] for row in table}
    async with make_client(scripted) as client:
        try:
            stream = await getattr(client, operation)(**options)
        except ServiceException:
            pass  # every option at once breaks cross-field rules: the headers still went
        else:
            await stream.aclose()
    record = scripted.records.all()[-1]
    # Routed by the emulator to the operation the method names.
    assert record.operation == "".join(part.title() for part in operation.split("_"))
    sent = dict(record.request_headers)
    for _, _, header, wire in table:
        assert sent.get(header) == wire, header
    assert ("content-type", "application/vnd.amazon.eventstream") in record.request_headers


async def test_call_analytics_stereo_channels_are_the_configured_participants(
        tmp_path: Path) -> None:
    import wave

    from .support import ASSETS

    with wave.open(str(ASSETS / "two-speakers-stereo-16k.wav")) as wav:
        assert wav.getnchannels() == 2
        audio = wav.readframes(wav.getnframes())
    async with TranscribeEmulator(engine="sphinx", state_dir=tmp_path) as emulator:
        async with make_client(emulator) as client:
            stream = await client.start_call_analytics_stream_transcription(
                language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm")
            async with stream:
                await stream.input_stream.send_configuration_event(ConfigurationEvent(
                    channel_definitions=[ChannelDefinition(0, ParticipantRole.AGENT),
                                         ChannelDefinition(1, ParticipantRole.CUSTOMER)]))
                events = (await asyncio.wait_for(asyncio.gather(
                    _send_audio(stream.input_stream, audio, chunk=6400), _collect(stream)),
                    60))[1]
    finals = [e for e in events if isinstance(e, UtteranceEvent) and not e.is_partial]
    by_role = {e.participant_role: (e.transcript or "").lower() for e in finals}
    assert set(by_role) == {ParticipantRole.AGENT, ParticipantRole.CUSTOMER}
    # Channel 0 says sense-0880, channel 1 sense-0930 (tests/assets/README.md).
    assert "young man" in by_role[ParticipantRole.AGENT]
    assert "amiable" in by_role[ParticipantRole.CUSTOMER]
    for event in finals:
        assert event.utterance_id and event.sentiment is not None
        assert event.begin_offset_millis is not None and event.end_offset_millis is not None
        assert event.items and all(isinstance(i, CallAnalyticsItem) for i in event.items)


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("example, expected", [
    ("medical.py", "   "),
    ("call_analytics.py", "AGENT: "),
    ("medical_scribe.py", "stream COMPLETED"),
])
async def test_examples_run_against_the_emulator(
        tmp_path: Path, example: str, expected: str) -> None:
    import os
    import sys

    from .support import ASSETS

    # A short file keeps the real-time pacing of the examples short.
    audio = ASSETS / ("two-speakers-stereo-16k.wav" if example == "call_analytics.py"
                      else "upstream-test.wav")
    async with TranscribeEmulator(engine="sphinx", state_dir=tmp_path) as emulator:
        env = dict(os.environ, **emulator.environment())
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(EXAMPLES / example), str(audio), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(process.communicate(), 60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, err.decode()
    assert any(line.startswith(expected) for line in out.decode().splitlines()), out.decode()


#: Every enumeration of PROTOCOL.md §7, with its wire values.
ENUMS: List[Tuple[Any, str]] = [
    (MediaEncoding, "pcm ogg-opus flac g711-alaw g711-ulaw g729"),
    (MedicalScribeMediaEncoding, "pcm ogg-opus flac"),
    (VocabularyFilterMethod, "remove mask tag"),
    (MedicalScribeVocabularyFilterMethod, "remove mask tag"),
    (PartialResultsStability, "high medium low"),
    (ContentIdentificationType, "PII"),
    (ContentRedactionType, "PII"),
    (MedicalContentIdentificationType, "PHI"),
    (ContentRedactionOutput, "redacted redacted_and_unredacted"),
    (Specialty, "PRIMARYCARE CARDIOLOGY NEUROLOGY ONCOLOGY RADIOLOGY UROLOGY"),
    (MedicalTranscriptionType, "CONVERSATION DICTATION"),
    (TranscriptFormat, "spoken written"),
    (ItemType, "pronunciation punctuation"),
    (MedicalScribeTranscriptItemType, "pronunciation punctuation"),
    (ParticipantRole, "AGENT CUSTOMER"),
    (MedicalScribeParticipantRole, "PATIENT CLINICIAN"),
    (Sentiment, "POSITIVE NEGATIVE MIXED NEUTRAL"),
    (model.MedicalScribeSessionControlEventType, "END_OF_SESSION"),
    (MedicalScribeStreamStatus, "IN_PROGRESS PAUSED FAILED COMPLETED"),
    (ClinicalNoteGenerationStatus, "IN_PROGRESS FAILED COMPLETED"),
    (MedicalScribeNoteTemplate,
     "HISTORY_AND_PHYSICAL GIRPP DAP SIRP BIRP BEHAVIORAL_SOAP PHYSICAL_SOAP"),
    (Pronouns, "HE_HIM SHE_HER THEY_THEM"),
    (CallAnalyticsLanguageCode, "en-US en-GB es-US fr-CA fr-FR en-AU it-IT de-DE pt-BR"),
    (MedicalScribeLanguageCode, "en-US"),
]


@pytest.mark.parametrize("enum_class, values", ENUMS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_enumeration_has_the_protocols_values(enum_class: Any, values: str) -> None:
    assert [member.value for member in enum_class] == values.split()
    assert all(isinstance(member, str) for member in enum_class)


def test_language_code_has_the_99_values_of_the_model() -> None:
    assert len(LanguageCode) == 99
    assert LanguageCode("uz-UZ") is LanguageCode.UZ_UZ and LanguageCode("en-US") == "en-US"


#: What a valid request needs beside one option (the cross-field rules of
#: PROTOCOL.md §6): extra options to add, and base options to drop.
_COMPANIONS: Dict[str, Tuple[Dict[str, Any], Tuple[str, ...]]] = {
    "enable_channel_identification": ({"number_of_channels": 2}, ()),
    "number_of_channels": ({"enable_channel_identification": True}, ()),
    "partial_results_stability": ({"enable_partial_results_stabilization": True}, ()),
    "pii_entity_types": ({"content_identification_type": "PII"}, ()),
    "identify_language": ({"language_options": ["en-US", "de-DE"]}, ("language_code",)),
    "identify_multiple_languages": ({"language_options": ["en-US", "de-DE"]},
                                    ("language_code",)),
    "language_options": ({"identify_language": True}, ("language_code",)),
    "preferred_language": ({"identify_language": True, "language_options": ["en-US", "de-DE"]},
                           ("language_code",)),
    "vocabulary_names": ({"identify_language": True, "language_options": ["en-US", "de-DE"]},
                         ("language_code",)),
    "vocab_filter_names": ({"identify_language": True, "language_options": ["en-US", "de-DE"]},
                           ("language_code",)),
}

_BASES: Dict[str, Dict[str, Any]] = {
    "start_stream_transcription": dict(language_code="en-US", media_sample_rate_hz=16000,
                                       media_encoding="pcm"),
    "start_medical_stream_transcription": dict(language_code="en-US",
                                               media_sample_rate_hz=16000,
                                               media_encoding="pcm",
                                               specialty="PRIMARYCARE", type="DICTATION"),
    "start_call_analytics_stream_transcription": dict(language_code="en-US",
                                                      media_sample_rate_hz=16000,
                                                      media_encoding="pcm"),
    "start_medical_scribe_stream": dict(language_code="en-US", media_sample_rate_hz=16000,
                                        media_encoding="pcm"),
}


def _cases() -> List[Any]:
    cases = []
    for operation, (table, *_) in sorted(OPERATIONS.items()):
        for row in table:
            if row[0] == "session_id":
                continue  # checked by every other case: the echo is the id sent or made
            cases.append(pytest.param(operation, row, id=f"{operation}-{row[0]}"))
    return cases


@pytest.mark.parametrize("operation, row", _cases())
async def test_every_request_header_is_parsed_by_the_emulator(
        scripted: TranscribeEmulator, operation: str, row: Tuple[str, Any, str, str]) -> None:
    # One valid request per option: the emulator accepts it (it parsed and
    # validated the header) and echoes the option back, which the client
    # turns into the same typed value on the response.
    name, value = row[0], row[1]
    extra, drop = _COMPANIONS.get(name, ({}, ()))
    options = {k: v for k, v in _BASES[operation].items() if k not in drop}
    options.update(extra)
    options[name] = value
    if operation == "start_call_analytics_stream_transcription" and name == "language_options":
        options["identify_language"] = True
    async with make_client(scripted) as client:
        stream = await getattr(client, operation)(**options)
        async with stream:
            echoed = getattr(stream.response, name)
    assert echoed == value, (name, echoed)
    assert stream.response.session_id and stream.response.request_id


_STREAMING_EXCEPTIONS = ["BadRequestException", "ConflictException", "InternalFailureException",
                         "LimitExceededException", "ServiceUnavailableException"]


@pytest.mark.parametrize("error_type", _STREAMING_EXCEPTIONS)
@pytest.mark.parametrize("operation", sorted(set(_BASES) - {"start_stream_transcription"}))
async def test_modeled_exceptions_reach_sender_and_reader(
        scripted: TranscribeEmulator, operation: str, error_type: str) -> None:
    from amazon_transcribe import exceptions as exc_module
    from amazon_transcribe.emulator.faults import ExceptionFault

    cls = getattr(exc_module, error_type)
    scripted.faults.add(ExceptionFault(error_type, f"injected {error_type}", after_events=2))
    async with make_client(scripted) as client:
        stream = await getattr(client, operation)(**_BASES[operation])
        async with stream:
            if operation == "start_medical_scribe_stream":
                await stream.input_stream.send_configuration_event(scribe_configuration())

            async def send() -> BaseException:
                try:
                    for _ in range(200):
                        await stream.input_stream.send_audio_event(b"\x00\x01" * 1600)
                    await stream.input_stream.end_stream()
                except Exception as error:  # the typed error is what is asserted
                    return error
                raise AssertionError("the sender never saw the stream's error")

            async def read() -> BaseException:
                try:
                    await _collect(stream)
                except Exception as error:
                    return error
                raise AssertionError("the reader never saw the stream's error")

            sent, got = await asyncio.wait_for(asyncio.gather(send(), read()), 10)
    for error in (sent, got):
        assert type(error) is cls, error
        assert error.message == f"injected {error_type}" and error.request_id


@pytest.mark.parametrize("status, error_type", [
    (400, "BadRequestException"), (500, "InternalFailureException"),
    (429, "LimitExceededException"), (404, "ResourceNotFoundException")])
async def test_get_medical_scribe_stream_exceptions(
        scripted: TranscribeEmulator, status: int, error_type: str) -> None:
    from amazon_transcribe import exceptions as exc_module
    from amazon_transcribe.emulator.faults import HttpErrorFault

    scripted.faults.add(HttpErrorFault(error_type, "injected", status=status))
    async with make_client(scripted) as client:
        with pytest.raises(getattr(exc_module, error_type)) as info:
            await client.get_medical_scribe_stream(SESSION)
    assert info.value.status_code == status and info.value.message == "injected"
