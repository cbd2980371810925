"""The 0.6.4 public API of client, model, handlers and utils: names, parameters, order."""

from __future__ import annotations

import inspect
import json

import pytest

from amazon_transcribe import client, handlers, model, utils
from amazon_transcribe._deserialize import _error_from_response, _header_map, _output_event
from amazon_transcribe.eventstream import Message
from amazon_transcribe.exceptions import (
    BadRequestException,
    LimitExceededException,
    SerializerException,
    ServiceException,
    UnknownServiceException,
    ValidationException,
)
from amazon_transcribe.operations import START_STREAM_TRANSCRIPTION
from amazon_transcribe._serialize import _header_value

OPTIONS_0_6_4 = [
    "language_code", "media_sample_rate_hz", "media_encoding", "vocabulary_name",
    "vocabulary_names", "session_id", "vocab_filter_method", "vocab_filter_name",
    "vocab_filter_names", "show_speaker_label", "enable_channel_identification",
    "number_of_channels", "enable_partial_results_stabilization", "partial_results_stability",
    "language_model_name", "identify_language", "preferred_language",
    "identify_multiple_languages", "language_options", "pii_entity_types",
    "content_redaction_type", "content_identification_type",
]

RESPONSE_0_6_4 = [
    "transcript_result_stream", "request_id", "language_code", "media_sample_rate_hz",
    "media_encoding", "vocabulary_name", "vocabulary_names", "session_id", "vocab_filter_name",
    "vocab_filter_method", "show_speaker_label", "enable_channel_identification",
    "number_of_channels", "enable_partial_results_stabilization", "partial_results_stability",
    "language_model_name", "pii_entity_types", "content_redaction_type",
    "content_identification_type",
]


def params(obj: object) -> list:
    return [p for p in inspect.signature(obj).parameters if p != "self"]  # type: ignore[arg-type]


def test_client_constructor_and_operation_keywords() -> None:
    ctor = inspect.signature(client.TranscribeStreamingClient).parameters
    for name in ("region", "endpoint_resolver", "credential_resolver"):
        assert ctor[name].kind is inspect.Parameter.KEYWORD_ONLY
    op = inspect.signature(client.TranscribeStreamingClient.start_stream_transcription)
    names = [p for p in op.parameters if p != "self"]
    assert names[:22] == OPTIONS_0_6_4
    assert all(op.parameters[n].kind is inspect.Parameter.KEYWORD_ONLY for n in names)


def test_request_and_response_parameter_order() -> None:
    assert params(model.StartStreamTranscriptionRequest)[:22] == OPTIONS_0_6_4
    assert model.StartStreamTranscriptionRequest().identify_multiple_languages is False
    assert params(model.StartStreamTranscriptionResponse)[:19] == RESPONSE_0_6_4


@pytest.mark.parametrize(
    "cls, names",
    [
        (model.Result, ["result_id", "start_time", "end_time", "is_partial", "alternatives",
                        "channel_id", "language_code"]),
        (model.Alternative, ["transcript", "items", "entities"]),
        (model.Item, ["start_time", "end_time", "item_type", "content",
                      "vocabulary_filter_match", "speaker", "confidence", "stable"]),
        (model.Entity, ["start_time", "end_time", "category", "content", "confidence",
                        "entity_type"]),
        (model.Transcript, ["results"]),
        (model.TranscriptEvent, ["transcript"]),
        (model.AudioEvent, ["audio_chunk"]),
    ],
    ids=lambda v: getattr(v, "__name__", "names"),
)
def test_model_constructors_keep_0_6_4_positions(cls: type, names: list) -> None:
    assert params(cls)[: len(names)] == names


def test_model_names_and_streams() -> None:
    for name in ("StartStreamTranscriptionEventStream", "AudioStream", "TranscriptResultStream",
                 "LanguageWithScore", "UnknownEvent"):
        assert hasattr(model, name)
    for name in ("send_audio_event", "end_stream", "send_event"):
        assert inspect.iscoroutinefunction(getattr(model.AudioStream, name))
    assert model.AudioEvent(b"ab").audio_chunk == b"ab"


def test_handlers_and_utils() -> None:
    assert params(handlers.TranscriptResultStreamHandler) == ["transcript_result_stream"]
    assert params(utils.apply_realtime_delay) == [
        "stream", "reader", "bytes_per_sample", "sample_rate", "channel_nums"]


async def test_default_handler_method_raises_not_implemented() -> None:
    handler = handlers.TranscriptResultStreamHandler(None)  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError):
        await handler.handle_transcript_event(model.TranscriptEvent())


def test_enums_accept_plain_strings() -> None:
    assert model.MediaEncoding.PCM == "pcm"
    assert model.LanguageCode("en-US") is model.LanguageCode.EN_US
    assert str(model.ItemType.PUNCTUATION) == "punctuation"
    assert len(model.LanguageCode) == 99


def test_request_headers_render_as_the_service_expects() -> None:
    request = model.StartStreamTranscriptionRequest(
        language_code="en-US", media_sample_rate_hz=16000, media_encoding=model.MediaEncoding.PCM,
        show_speaker_label=True, enable_channel_identification=False,
        vocabulary_names=["a", "b"], language_options=["en-US", "de-DE"],
        identify_multiple_languages=None,
    )
    assert START_STREAM_TRANSCRIPTION.request_headers(request) == [
        ("content-type", "application/vnd.amazon.eventstream"),
        ("x-amzn-transcribe-language-code", "en-US"),
        ("x-amzn-transcribe-sample-rate", "16000"),
        ("x-amzn-transcribe-media-encoding", "pcm"),
        ("x-amzn-transcribe-vocabulary-names", "a,b"),
        ("x-amzn-transcribe-show-speaker-label", "true"),
        ("x-amzn-transcribe-enable-channel-identification", "false"),
        ("x-amzn-transcribe-language-options", "en-US,de-DE"),
    ]


def test_unsendable_header_value() -> None:
    with pytest.raises(ValidationException, match="float"):
        _header_value("media_sample_rate_hz", 16000.0)


def _event(payload: dict, event_type: str = "TranscriptEvent") -> Message:
    return Message({":event-type": event_type, ":content-type": "application/json",
                    ":message-type": "event"}, json.dumps(payload).encode())


def test_transcript_event_every_field() -> None:
    payload = {"Transcript": {"Results": [{
        "ResultId": "r1", "StartTime": 0.5, "EndTime": 2, "IsPartial": False,
        "ChannelId": "ch_1", "LanguageCode": "de-DE",
        "LanguageIdentification": [{"LanguageCode": "de-DE", "Score": 0.9},
                                   {"LanguageCode": "xx-NEW", "Score": 0.1}],
        "Alternatives": [{
            "Transcript": "Hallo Welt.",
            "Items": [
                {"StartTime": 0.5, "EndTime": 1.0, "Type": "pronunciation", "Content": "Hallo",
                 "VocabularyFilterMatch": False, "Speaker": "0", "Confidence": 0.95,
                 "Stable": True},
                {"StartTime": 1.0, "EndTime": 1.0, "Type": "speaker-change"},
            ],
            "Entities": [{"StartTime": 0.5, "EndTime": 1.0, "Category": "PII", "Type": "NAME",
                          "Content": "Hallo", "Confidence": 0.5}],
        }],
    }]}}
    event = _output_event(_event(payload))
    assert isinstance(event, model.TranscriptEvent)
    result = event.transcript.results[0]
    assert result == model.Result(
        result_id="r1", start_time=0.5, end_time=2.0, is_partial=False,
        channel_id="ch_1", language_code=model.LanguageCode.DE_DE,
        language_identification=[
            model.LanguageWithScore(model.LanguageCode.DE_DE, 0.9),
            model.LanguageWithScore("xx-NEW", 0.1),  # unknown codes are kept
        ],
        alternatives=[model.Alternative(
            transcript="Hallo Welt.",
            items=[
                model.Item(0.5, 1.0, model.ItemType.PRONUNCIATION, "Hallo", False, "0", 0.95, True),
                model.Item(1.0, 1.0, "speaker-change"),
            ],
            entities=[model.Entity(0.5, 1.0, "PII", "Hallo", 0.5, "NAME")],
        )],
    )


def test_empty_results_and_unknown_events() -> None:
    event = _output_event(_event({"Transcript": {"Results": []}}))
    assert event == model.TranscriptEvent(model.Transcript(results=[]))
    unknown = _output_event(_event({"x": 1}, "ShinyNewEvent"))
    assert isinstance(unknown, model.UnknownEvent)
    assert unknown.event_type == "ShinyNewEvent" and json.loads(unknown.payload) == {"x": 1}


def test_in_stream_exceptions_are_typed() -> None:
    message = Message({":exception-type": "LimitExceededException",
                       ":content-type": "application/json", ":message-type": "exception"},
                      b'{"Message":"too many streams"}')
    with pytest.raises(LimitExceededException) as info:
        _output_event(message, request_id="rid")
    assert info.value.message == "too many streams" and info.value.request_id == "rid"
    assert info.value.retryable
    error = Message({":message-type": "error", ":error-code": "Throttled",
                     ":error-message": "slow down"})
    with pytest.raises(UnknownServiceException, match="Throttled: slow down"):
        _output_event(error)


def test_malformed_event_payload() -> None:
    bad = Message({":event-type": "TranscriptEvent", ":message-type": "event"}, b"{not json")
    with pytest.raises(SerializerException, match="not JSON"):
        _output_event(bad)


def test_http_error_responses() -> None:
    exc = _error_from_response(
        400, {"x-amzn-errortype": "BadRequestException:http://internal/", "x-amzn-request-id": "r"},
        b'{"Message":"bad sample rate"}')
    assert isinstance(exc, BadRequestException)
    assert (exc.status_code, exc.message, exc.request_id) == (400, "bad sample rate", "r")
    other = _error_from_response(403, {}, b'{"__type":"InvalidSignatureException","message":"no"}')
    assert isinstance(other, UnknownServiceException) and isinstance(other, ServiceException)
    assert (other.status_code, other.error_code, other.message) == (
        403, "InvalidSignatureException", "no")
    assert _error_from_response(502, {}, b"<html>gateway</html>").message == "<html>gateway</html>"


def test_response_fields_from_headers() -> None:
    fields = START_STREAM_TRANSCRIPTION.response_fields(_header_map([
        ("x-amzn-request-id", "rid"), ("x-amzn-transcribe-language-code", "en-US"),
        ("x-amzn-transcribe-sample-rate", "16000"), ("x-amzn-transcribe-media-encoding", "pcm"),
        ("x-amzn-transcribe-session-id", "sid"), ("x-amzn-transcribe-show-speaker-label", "True"),
        ("x-amzn-transcribe-language-options", "en-US,de-DE"),
    ]))
    assert fields["request_id"] == "rid" and fields["media_sample_rate_hz"] == 16000
    assert fields["language_code"] is model.LanguageCode.EN_US
    assert fields["show_speaker_label"] is True
    assert fields["language_options"] == ["en-US", "de-DE"]
    assert fields["identify_language"] is None
