"""What each module exports, pinned (httpx's ``tests/test_exported_members.py`` is the model).

Each public module's ``__all__`` is exactly the list below: the 0.6.4 names
and our documented additions. Everything else a module defines at its top
level has a leading underscore (private by default), so a new public name is
a deliberate change to this file. A module's ``__all__`` holds the names
whose home it is; names 0.6.4's module merely imported from elsewhere in the
package (``client.AudioStream``, ``deserialize.TranscriptEvent``...) stay
importable as explicit re-exports (``import X as X``) but are listed, and
documented, at their home (``tests/compat/test_surface_064.py`` checks that
they import). ``sigv4`` exports nothing. Every module with exports has an API
page, and no other module has one.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "amazon_transcribe"

EXPORTED: Dict[str, List[str]] = {
    "amazon_transcribe": [
        "__version__", "AWSCRTEventLoop",
    ],
    "amazon_transcribe.auth": [
        "AwsCrtCredentialResolver", "CredentialResolver", "Credentials",
        "StaticCredentialResolver",
    ],
    "amazon_transcribe.call_analytics": [
        "CallAnalyticsEntity", "CallAnalyticsItem", "CallAnalyticsLanguageCode",
        "CallAnalyticsLanguageWithScore", "CategoryEvent", "ChannelDefinition",
        "CharacterOffsets", "ConfigurationEvent", "ContentRedactionOutput", "IssueDetected",
        "ParticipantRole", "PointsOfInterest", "PostCallAnalyticsSettings", "Sentiment",
        "StartCallAnalyticsStreamTranscriptionRequest",
        "StartCallAnalyticsStreamTranscriptionResponse", "TimestampRange", "UtteranceEvent",
    ],
    "amazon_transcribe.cli": [
        "build_parser", "EXIT_CREDENTIALS", "EXIT_FAILURE", "EXIT_INPUT",
        "EXIT_INTERRUPTED", "EXIT_NETWORK", "EXIT_OK", "EXIT_SERVICE", "EXIT_USAGE",
        "FORMATS", "main",
    ],
    "amazon_transcribe.client": [
        "ClientState", "TranscribeStreamingClient",
    ],
    "amazon_transcribe.crt": [
        "AWSCRTEventLoop", "DISABLE_VARIABLE", "speedups_enabled", "VERIFIED_AWSCRT",
        "VERIFIED_PYTHON",
    ],
    "amazon_transcribe.deserialize": [
        "TranscribeStreamingEventParser", "TranscribeStreamingResponseParser",
    ],
    "amazon_transcribe.endpoints": [
        "BaseEndpointResolver", "RegionEndpointResolver", "StaticEndpointResolver",
    ],
    "amazon_transcribe.eventstream": [
        "BaseEvent", "BaseStream", "Byte", "ChecksumError", "ChecksumMismatch",
        "decode_headers", "decode_message", "DecodeError", "DecodeUtils", "DuplicateHeader",
        "DuplicateHeaderError", "encode_headers", "encode_message", "EncodeError",
        "EventSigner", "EventStream", "EventStreamBuffer", "EventStreamDecoder",
        "EventStreamError", "EventStreamHeaderParser", "EventStreamMessage",
        "EventStreamMessageSerializer", "HEADER_SERIALIZATION_VALUE", "HEADER_VALUE",
        "HeaderBytesExceedMaxLength", "HeaderError", "Headers",
        "HEADERS_SERIALIZATION_DICT", "HeaderValue", "HeaderValueBytesExceedMaxLength",
        "HeaderValueType", "Int16HeaderValue", "Int32HeaderValue", "Int64HeaderValue",
        "Int8HeaderValue", "Integer", "InvalidHeadersLength", "InvalidHeaderValue",
        "InvalidPayloadLength", "LengthError", "Long", "MAX_HEADER_NAME_LENGTH",
        "MAX_HEADER_VALUE_LENGTH", "MAX_HEADERS_LENGTH", "MAX_PAYLOAD_LENGTH", "Message",
        "MESSAGE_OVERHEAD", "MessageChecksumError", "MessagePrelude", "ParserError",
        "PayloadBytesExceedMaxLength", "PRELUDE_LENGTH", "PreludeChecksumError",
        "SerializationError", "Short", "TruncatedStreamError", "UnknownHeaderTypeError",
    ],
    "amazon_transcribe.exceptions": [
        "BadRequestException", "ConflictException", "CredentialsException",
        "GET_MEDICAL_SCRIBE_STREAM_EXCEPTIONS", "HTTPException", "IdleTimeoutException",
        "InternalFailureException",
        "LimitExceededException", "NoRegionError", "ResourceNotFoundException", "SDKError",
        "SerializationException", "SerializerException", "SERVICE_EXCEPTIONS",
        "ServiceException", "ServiceUnavailableException", "StreamClosedError",
        "STREAMING_EXCEPTIONS", "TimeoutException", "UnknownServiceException",
        "ValidationException",
    ],
    "amazon_transcribe.handlers": [
        "CallAnalyticsTranscriptResultStreamHandler", "MedicalScribeResultStreamHandler",
        "MedicalTranscriptResultStreamHandler", "ResultStreamHandler",
        "TranscriptResultStreamHandler",
    ],
    "amazon_transcribe.httpsession": [
        "AwsCrtHttpResponse", "AwsCrtHttpSessionManager", "HeadersList", "HTTP2Stream",
        "Timeouts",
    ],
    "amazon_transcribe.medical": [
        "MedicalAlternative", "MedicalContentIdentificationType", "MedicalEntity",
        "MedicalItem", "MedicalResult", "MedicalTranscript", "MedicalTranscriptEvent",
        "MedicalTranscriptionType", "Specialty", "StartMedicalStreamTranscriptionRequest",
        "StartMedicalStreamTranscriptionResponse",
    ],
    "amazon_transcribe.medical_scribe": [
        "ClinicalNoteGenerationResult", "ClinicalNoteGenerationSettings",
        "ClinicalNoteGenerationStatus", "MedicalScribeChannelDefinition",
        "MedicalScribeConfigurationEvent", "MedicalScribeContext",
        "MedicalScribeEncryptionSettings", "MedicalScribeLanguageCode",
        "MedicalScribeMediaEncoding", "MedicalScribeNoteTemplate",
        "MedicalScribeParticipantRole", "MedicalScribePatientContext",
        "MedicalScribePostStreamAnalyticsResult",
        "MedicalScribePostStreamAnalyticsSettings", "MedicalScribeSessionControlEvent",
        "MedicalScribeSessionControlEventType", "MedicalScribeStreamDetails",
        "MedicalScribeStreamStatus", "MedicalScribeTranscriptEvent",
        "MedicalScribeTranscriptItem", "MedicalScribeTranscriptItemType",
        "MedicalScribeTranscriptSegment", "MedicalScribeVocabularyFilterMethod", "Pronouns",
        "StartMedicalScribeStreamRequest", "StartMedicalScribeStreamResponse",
    ],
    "amazon_transcribe.model": [
        "Alternative", "AudioEvent", "AudioStream", "CallAnalyticsAudioStream",
        "CallAnalyticsEntity", "CallAnalyticsItem", "CallAnalyticsLanguageCode",
        "CallAnalyticsLanguageWithScore", "CallAnalyticsTranscriptResultStream",
        "CategoryEvent", "ChannelDefinition", "CharacterOffsets",
        "ClinicalNoteGenerationResult", "ClinicalNoteGenerationSettings",
        "ClinicalNoteGenerationStatus", "ConfigurationEvent", "ContentIdentificationType",
        "ContentRedactionOutput", "ContentRedactionType", "Entity", "IssueDetected", "Item",
        "ItemType", "LanguageCode", "LanguageWithScore", "MediaEncoding",
        "MedicalAlternative", "MedicalContentIdentificationType", "MedicalEntity",
        "MedicalItem", "MedicalResult", "MedicalScribeChannelDefinition",
        "MedicalScribeConfigurationEvent", "MedicalScribeContext",
        "MedicalScribeEncryptionSettings", "MedicalScribeInputStream",
        "MedicalScribeLanguageCode", "MedicalScribeMediaEncoding",
        "MedicalScribeNoteTemplate", "MedicalScribeParticipantRole",
        "MedicalScribePatientContext", "MedicalScribePostStreamAnalyticsResult",
        "MedicalScribePostStreamAnalyticsSettings", "MedicalScribeResultStream",
        "MedicalScribeSessionControlEvent", "MedicalScribeSessionControlEventType",
        "MedicalScribeStreamDetails", "MedicalScribeStreamStatus",
        "MedicalScribeTranscriptEvent", "MedicalScribeTranscriptItem",
        "MedicalScribeTranscriptItemType", "MedicalScribeTranscriptSegment",
        "MedicalScribeVocabularyFilterMethod", "MedicalTranscript",
        "MedicalTranscriptEvent", "MedicalTranscriptionType",
        "MedicalTranscriptResultStream", "PartialResultsStability", "ParticipantRole",
        "PointsOfInterest", "PostCallAnalyticsSettings", "Pronouns", "Result", "Sentiment",
        "Specialty", "StartCallAnalyticsStreamTranscriptionEventStream",
        "StartCallAnalyticsStreamTranscriptionRequest",
        "StartCallAnalyticsStreamTranscriptionResponse",
        "StartMedicalScribeStreamEventStream", "StartMedicalScribeStreamRequest",
        "StartMedicalScribeStreamResponse", "StartMedicalStreamTranscriptionEventStream",
        "StartMedicalStreamTranscriptionRequest", "StartMedicalStreamTranscriptionResponse",
        "StartStreamTranscriptionEventStream", "StartStreamTranscriptionRequest",
        "StartStreamTranscriptionResponse", "TimestampRange", "Transcript",
        "TranscriptEvent", "TranscriptFormat", "TranscriptResultStream", "UnknownEvent",
        "UtteranceEvent", "VocabularyFilterMethod",
    ],
    "amazon_transcribe.operations": [
        "Header", "OperationSpec", "START_CALL_ANALYTICS_STREAM_TRANSCRIPTION",
        "START_MEDICAL_SCRIBE_STREAM", "START_MEDICAL_STREAM_TRANSCRIPTION",
        "START_STREAM_TRANSCRIPTION", "STREAMING_OPERATIONS",
    ],
    "amazon_transcribe.presign": [
        "MAX_EXPIRES", "presign_websocket_url", "WEBSOCKET_ENDPOINT_VARIABLE", "websocket_path",
        "WEBSOCKET_PORT", "WebSocketRequest",
    ],
    "amazon_transcribe.protocol": [
        "EventParser", "InputState", "OutputState", "StreamProtocol", "TakenEvent",
    ],
    "amazon_transcribe.request": [
        "BODY_TYPE", "HEADER_VALUE_TYPE", "HeadersDict", "LIST_TYPE", "PreparedRequest",
        "Request",
    ],
    "amazon_transcribe.response": [
        "Response",
    ],
    "amazon_transcribe.serialize": [
        "AudioEventSerializer", "EventSerializer", "SERIALIZED_EVENT",
        "TranscribeStreamingSerializer",
    ],
    "amazon_transcribe.resilience": [
        "ReplayOverflow", "ResiliencePolicy", "ResilientAudioStream", "ResilientStream",
        "ResilientStreamStats", "ResilientTranscriptStream", "StreamResumed",
    ],
    "amazon_transcribe.shapes": [
        "Alternative", "AudioEvent", "ContentIdentificationType", "ContentRedactionType",
        "Entity", "Item", "ItemType", "LanguageCode", "LanguageWithScore", "MediaEncoding",
        "PartialResultsStability", "Result", "StartStreamTranscriptionRequest",
        "StartStreamTranscriptionResponse", "Transcript", "TranscriptEvent",
        "TranscriptFormat", "UnknownEvent", "VocabularyFilterMethod",
    ],
    "amazon_transcribe.signer": [
        "Clock", "EventSigner", "RequestSigner", "SigV4RequestSigner",
    ],
    "amazon_transcribe.sigv4": [],
    "amazon_transcribe.sources": [
        "AudioFormatError", "AudioSource", "AudioSourceError", "DEFAULT_CHUNK_DURATION",
        "MAX_CHUNK_BYTES", "MAX_SAMPLE_RATE", "microphone", "MicrophoneError",
        "MIN_SAMPLE_RATE", "open_audio", "pcm_chunk_bytes", "pcm_stream", "raw_pcm_file",
    ],
    "amazon_transcribe.streams": [
        "AudioStream", "CallAnalyticsAudioStream", "CallAnalyticsTranscriptResultStream",
        "EventStreamSession", "MedicalScribeInputStream", "MedicalScribeResultStream",
        "MedicalTranscriptResultStream", "OutputStream",
        "StartCallAnalyticsStreamTranscriptionEventStream",
        "StartMedicalScribeStreamEventStream", "StartMedicalStreamTranscriptionEventStream",
        "StartStreamTranscriptionEventStream", "TranscriptResultStream",
    ],
    "amazon_transcribe.structures": [
        "BufferableByteStream",
    ],
    "amazon_transcribe.transcript": [
        "TranscriptAssembler", "TranscriptSegment", "TranscriptWord",
    ],
    "amazon_transcribe.transport": [
        "DEFAULT_READ_WINDOW", "DEFAULT_WRITE_WINDOW", "MemoryTransport", "Transport",
    ],
    "amazon_transcribe.utils": [
        "apply_realtime_delay", "ensure_boolean",
    ],
    "amazon_transcribe.emulator": [
        "ConnectionResetFault", "DEFAULT_CREDENTIALS", "EmulatorCredentials", "Engine",
        "ExceptionFault", "FaultRule", "Faults", "GoAwayFault", "HttpErrorFault",
        "parse_fault_spec", "RawEvent", "RecognitionSession", "RstStreamFault", "Segment",
        "ServiceError", "SlowReaderFault", "StallFault", "StreamRecord", "StreamRecords",
        "StreamSettings", "TranscribeEmulator", "Word",
    ],
    "amazon_transcribe.emulator.__main__": [
        "build_parser", "main",
    ],
    "amazon_transcribe.emulator.app": [
        "DEFAULT_CREDENTIALS", "DEFAULT_REGION", "EmulatorCredentials", "make_engine",
        "TranscribeEmulator",
    ],
    "amazon_transcribe.emulator.audio": [
        "AudioDecoder", "AudioPipeline", "empty_samples", "FlacDecoder", "G711Decoder",
        "make_decoder", "MAX_SAMPLE_RATE", "MIN_SAMPLE_RATE", "OggOpusDecoder",
        "PcmDecoder", "Resampler", "Samples", "SUPPORTED_ENCODINGS", "TARGET_SAMPLE_RATE",
    ],
    "amazon_transcribe.emulator.certs": [
        "CA_CERT_FILE", "CertificatePaths", "default_state_dir", "ensure_certificates",
        "SERVER_CERT_FILE", "SERVER_KEY_FILE", "server_ssl_context", "VALIDITY",
    ],
    "amazon_transcribe.emulator.engine": [
        "Engine", "EngineOutput", "RawEvent", "RecognitionSession", "Segment",
        "SessionSlots", "StreamSettings", "Word",
    ],
    "amazon_transcribe.emulator.errors": [
        "bad_request", "conflict", "internal_failure", "limit_exceeded", "not_found",
        "service_unavailable", "ServiceError", "STATUS_BY_ERROR",
    ],
    "amazon_transcribe.emulator.faults": [
        "ConnectionResetFault", "ExceptionFault", "Fault", "FAULT_KINDS", "FaultRule",
        "Faults", "FaultSpecError", "GoAwayFault", "H2_ERROR_CODES", "HttpErrorFault",
        "MODELED_EXCEPTIONS", "parse_fault_spec", "RstStreamFault", "SlowReaderFault",
        "StallFault",
    ],
    "amazon_transcribe.emulator.pytest_plugin": [
        "transcribe_emulator", "transcribe_emulator_state_dir",
    ],
    "amazon_transcribe.emulator.records": [
        "DEFAULT_WAIT_TIMEOUT", "StreamRecord", "StreamRecords",
    ],
    "amazon_transcribe.emulator.scripted": [
        "DEFAULT_SCRIPT", "DEFAULT_TRANSCRIPT", "Periodic", "position_audio",
        "PositionalEngine", "Script", "ScriptedEngine", "ScriptedSession", "Step",
    ],
    "amazon_transcribe.emulator.sigv4": [
        "ALGORITHM", "Clock", "DEFAULT_MAX_SKEW", "EMPTY_SHA256", "EVENT_ALGORITHM",
        "EventVerifier", "MAX_PRESIGN_EXPIRES", "RequestVerifier", "SERVICE_NAME", "SigningKey", "VerifiedRequest",
    ],
    "amazon_transcribe.emulator.sphinx": [
        "choose_language", "DecoderPool", "ENGLISH_LANGUAGE_CODES", "SphinxEngine",
        "SphinxSession",
    ],
    "amazon_transcribe.emulator.wer": [
        "aggregate_word_error_rate", "compare", "normalize_words", "WerResult",
        "word_error_rate",
    ],
}

# Conventional module-level names that are not API.
NOT_API = {"logger"}


def source_of(module: str) -> Path:
    if module == "amazon_transcribe":
        return PACKAGE / "__init__.py"
    relative = module.split(".")[1:]
    candidate = PACKAGE.joinpath(*relative).with_suffix(".py")
    return candidate if candidate.exists() else PACKAGE.joinpath(*relative, "__init__.py")


def defined_names(module: str) -> List[str]:
    """The names a module's source binds at its top level (defs, classes, assignments)."""
    names = []
    for node in ast.parse(source_of(module).read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.extend(t.id for t in targets if isinstance(t, ast.Name))
    return names


@pytest.mark.parametrize("module", sorted(EXPORTED))
def test_all_is_pinned(module: str) -> None:
    loaded = importlib.import_module(module)
    assert sorted(loaded.__all__, key=str.casefold) == EXPORTED[module]
    assert len(set(loaded.__all__)) == len(loaded.__all__)
    for name in loaded.__all__:
        assert hasattr(loaded, name), name


@pytest.mark.parametrize("module", sorted(EXPORTED))
def test_whatever_a_module_defines_is_exported_or_private(module: str) -> None:
    loaded = importlib.import_module(module)
    public = {n for n in defined_names(module) if not n.startswith("_")} - NOT_API
    assert public - set(loaded.__all__) == set()


def test_every_module_is_pinned() -> None:
    modules = {
        "amazon_transcribe." + path.stem
        for path in PACKAGE.glob("*.py")
        if not path.stem.startswith("_")  # private modules export nothing
    }
    # The emulator's plumbing (connection, handler, server, operations,
    # validation, input events, scribe sessions) is in private modules too.
    modules |= {
        "amazon_transcribe.emulator." + path.stem
        for path in (PACKAGE / "emulator").glob("*.py")
        if not path.stem.startswith("_") or path.stem == "__main__"
    }
    assert modules | {"amazon_transcribe", "amazon_transcribe.emulator"} == set(EXPORTED)


def test_api_pages_cover_exactly_the_modules_with_exports() -> None:
    pages = {path.stem for path in (ROOT / "docs" / "api").glob("*.rst")} - {"index"}
    with_exports = {
        module.rpartition(".")[2]
        for module, names in EXPORTED.items()
        if names and module.count(".") == 1
        and module not in ("amazon_transcribe.cli", "amazon_transcribe.sources",
                           "amazon_transcribe.transcript", "amazon_transcribe.emulator")
    }
    # cli, sources and transcript are documented on the command-line page,
    # the emulator on its own page.
    assert pages == with_exports
