"""The four operations beyond StartStreamTranscription, over the raw h2 client.

Medical, call analytics and HealthScribe streaming plus GetMedicalScribeStream
(PROTOCOL.md §6.2-§6.5, §8.2-§8.4): scripted output of every event shape,
header validation, input ordering rules, HealthScribe session state, the
modeled exceptions, and offline recognition dressed in each operation's shapes.
One scripted and one sphinx emulator serve the whole module.
"""

from __future__ import annotations

import json
import uuid
import wave
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional, Sequence, Tuple

import pytest
import pytest_asyncio

from amazon_transcribe.auth import Credentials
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.engine import RawEvent
from amazon_transcribe.emulator.faults import ExceptionFault, HttpErrorFault
from amazon_transcribe.emulator.scripted import Periodic, Script, ScriptedEngine, Step
from amazon_transcribe.emulator.wer import word_error_rate
from amazon_transcribe.eventstream import encode_message
from amazon_transcribe.sigv4 import _PayloadSigning, _sign_request

from .h2client import H2Client
from .streaming import ACCESS_KEY, REGION, SECRET_KEY, StreamResult, audio_event, start_request
from .test_sphinx import reference

ASSETS = Path(__file__).resolve().parents[1] / "assets"
TIMEOUT = 60.0

MEDICAL = "/medical-stream-transcription"
CALL_ANALYTICS = "/call-analytics-stream-transcription"
SCRIBE = "/medical-scribe-stream"
MEDICAL_HEADERS = [("x-amzn-transcribe-specialty", "PRIMARYCARE"),
                   ("x-amzn-transcribe-type", "CONVERSATION")]

CALL_CONFIGURATION = {
    "ChannelDefinitions": [{"ChannelId": 0, "ParticipantRole": "CUSTOMER"},
                           {"ChannelId": 1, "ParticipantRole": "AGENT"}],
    "PostCallAnalyticsSettings": {
        "OutputLocation": "s3://bucket/prefix/",
        "DataAccessRoleArn": "arn:aws:iam::111122223333:role/Example",
        "OutputEncryptionKMSKeyId": "alias/example",
    },
}
SCRIBE_CONFIGURATION = {
    "VocabularyName": "med-vocab",
    "VocabularyFilterName": "filter",
    "VocabularyFilterMethod": "mask",
    "ResourceAccessRoleArn": "arn:aws:iam::111122223333:role/Example",
    "ChannelDefinitions": [{"ChannelId": 0, "ParticipantRole": "CLINICIAN"},
                           {"ChannelId": 1, "ParticipantRole": "PATIENT"}],
    "EncryptionSettings": {"KmsEncryptionContext": {"team": "a"}, "KmsKeyId": "key-1"},
    "PostStreamAnalyticsSettings": {"ClinicalNoteGenerationSettings": {
        "OutputBucketName": "example-bucket", "NoteTemplate": "GIRPP"}},
    "MedicalScribeContext": {"PatientContext": {"Pronouns": "THEY_THEM"}},
}

# Every member of every output event shape (§8.2-§8.4).
MEDICAL_EVENT = {"Transcript": {"Results": [{
    "ResultId": "r-1", "StartTime": 0.5, "EndTime": 1.25, "IsPartial": False,
    "ChannelId": "ch_1",
    "Alternatives": [{
        "Transcript": "Aspirin 81 mg.",
        "Items": [{"StartTime": 0.5, "EndTime": 0.9, "Type": "pronunciation",
                   "Content": "Aspirin", "Confidence": 0.97, "Speaker": "0"},
                  {"StartTime": 1.25, "EndTime": 1.25, "Type": "punctuation",
                   "Content": ".", "Confidence": 0.0, "Speaker": "0"}],
        "Entities": [{"StartTime": 0.5, "EndTime": 0.9, "Category": "PHI",
                      "Content": "Aspirin", "Confidence": 0.9}]}]}]}}
UTTERANCE_EVENT = {
    "UtteranceId": "u-1", "IsPartial": False, "ParticipantRole": "CUSTOMER",
    "BeginOffsetMillis": 19010, "EndOffsetMillis": 22690,
    "Transcript": "I'm tired of the network issues.",
    "Items": [{"BeginOffsetMillis": 19010, "EndOffsetMillis": 19300, "Type": "pronunciation",
               "Content": "I'm", "Confidence": 0.99, "VocabularyFilterMatch": False,
               "Stable": True}],
    "Entities": [{"BeginOffsetMillis": 19010, "EndOffsetMillis": 19300, "Category": "PII",
                  "Type": "NAME", "Content": "I'm", "Confidence": 0.5}],
    "Sentiment": "NEGATIVE",
    "IssuesDetected": [{"CharacterOffsets": {"Begin": 13, "End": 31}}],
    "LanguageCode": "en-US",
    "LanguageIdentification": [{"LanguageCode": "en-US", "Score": 0.95}],
}
CATEGORY_EVENT = {
    "MatchedCategories": ["network-complaint"],
    "MatchedDetails": {"network-complaint": {"TimestampRanges": [
        {"BeginOffsetMillis": 19010, "EndOffsetMillis": 22690}]}},
}
SCRIBE_EVENT = {"TranscriptSegment": {
    "SegmentId": "s-1", "BeginAudioTime": 0.1, "EndAudioTime": 1.5, "Content": "Hello there",
    "Items": [{"BeginAudioTime": 0.1, "EndAudioTime": 0.6, "Type": "pronunciation",
               "Confidence": 0.9, "Content": "Hello", "VocabularyFilterMatch": False}],
    "IsPartial": False, "ChannelId": "ch_0"}}

STREAMING_ERRORS = ["BadRequestException", "ConflictException", "InternalFailureException",
                    "LimitExceededException", "ServiceUnavailableException"]


# -- fixtures and helpers ------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scripted(tmp_path_factory: pytest.TempPathFactory
                   ) -> AsyncIterator[TranscribeEmulator]:
    state = tmp_path_factory.mktemp("operations-state")
    async with TranscribeEmulator(engine=ScriptedEngine(Script()), state_dir=state) as emulator:
        yield emulator


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sphinx(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TranscribeEmulator]:
    state = tmp_path_factory.mktemp("operations-sphinx-state")
    async with TranscribeEmulator(engine="sphinx", state_dir=state, idle_timeout=30) as emulator:
        yield emulator


def json_event(event_type: str, data: Any) -> bytes:
    """An inner JSON input event (ConfigurationEvent, SessionControlEvent)."""
    return encode_message({":message-type": "event", ":event-type": event_type,
                           ":content-type": "application/json"},
                          json.dumps(data).encode("utf-8"))


def script(emulator: TranscribeEmulator, session_id: str, *steps: Step) -> None:
    engine = emulator.engine
    assert isinstance(engine, ScriptedEngine)
    engine.sessions[session_id] = Script(steps=tuple(steps))


async def connect(emulator: TranscribeEmulator) -> H2Client:
    return await H2Client.connect("127.0.0.1", emulator.port, ca_file=str(emulator.ca_file))


async def stream(emulator: TranscribeEmulator, path: str, events: Sequence[bytes], *,
                 session_id: Optional[str] = None, extra: Sequence[Tuple[str, str]] = (),
                 **request: Any) -> StreamResult:
    """One stream: signed request, the given inner events, end frame, whole response."""
    client = await connect(emulator)
    try:
        authority = f"127.0.0.1:{emulator.port}"
        start = start_request(authority, path=path, session_id=session_id or str(uuid.uuid4()),
                              extra=extra, **request)
        h2 = client.request(start.headers)
        status, headers = await h2.response(TIMEOUT)
        if status != 200:
            return StreamResult(status, headers, body=await h2.read_body(TIMEOUT))
        for event in events:
            if not await h2.send(start.signer.sign(event)):
                break
        else:
            await h2.send(start.signer.sign_end(), end_stream=True)
        return StreamResult(status, headers, await h2.messages(TIMEOUT))
    finally:
        await client.close()


async def get_scribe(emulator: TranscribeEmulator, session_id: str
                     ) -> Tuple[int, Dict[str, str], Dict[str, Any]]:
    """GetMedicalScribeStream, signed with the empty-body payload hash."""
    client = await connect(emulator)
    try:
        authority = f"127.0.0.1:{emulator.port}"
        path = f"/medical-scribe-stream/{session_id}"
        signed = _sign_request("GET", path, [], host=authority,
                              credentials=Credentials(ACCESS_KEY, SECRET_KEY), region=REGION,
                              payload_signing=_PayloadSigning.EMPTY)
        headers = [(":method", "GET"), (":scheme", "https"), (":path", path),
                   (":authority", authority)]
        headers += [(n.lower(), v) for n, v in signed.request.headers if n.lower() != "host"]
        h2 = client.request(headers, end_stream=True)
        status, response = await h2.response(TIMEOUT)
        body = json.loads(await h2.read_body(TIMEOUT))
        return status, response, body
    finally:
        await client.close()


def _pcm(name: str) -> Tuple[bytes, int]:
    with wave.open(str(ASSETS / name)) as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate()


def _audio(data: bytes, size: int) -> List[bytes]:
    return [audio_event(data[i:i + size]) for i in range(0, len(data), size)]


def _raw_steps(*events: Tuple[str, Dict[str, Any]]) -> List[Step]:
    return [Step(output=RawEvent(name, payload), after_events=1) for name, payload in events]


# -- every event shape, scripted -------------------------------------------------------


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    "path, extra, first, events",
    [
        (MEDICAL, MEDICAL_HEADERS, [], [("TranscriptEvent", MEDICAL_EVENT)]),
        (CALL_ANALYTICS, [], [json_event("ConfigurationEvent", CALL_CONFIGURATION)],
         [("UtteranceEvent", UTTERANCE_EVENT), ("CategoryEvent", CATEGORY_EVENT)]),
        (SCRIBE, [], [json_event("ConfigurationEvent", SCRIBE_CONFIGURATION)],
         [("TranscriptEvent", SCRIBE_EVENT)]),
    ],
    ids=["medical", "call-analytics", "scribe"],
)
async def test_scripted_events_arrive_verbatim(
        scripted: TranscribeEmulator, path: str, extra: List[Tuple[str, str]],
        first: List[bytes], events: List[Tuple[str, Dict[str, Any]]]) -> None:
    session_id = str(uuid.uuid4())
    script(scripted, session_id, *_raw_steps(*events))
    result = await stream(scripted, path, first + [audio_event(b"\0" * 320)],
                          session_id=session_id, extra=extra)
    assert result.status == 200 and result.exception() is None
    assert result.headers["x-amzn-transcribe-session-id"] == session_id
    received = [(m.headers[":event-type"], json.loads(m.payload)) for m in result.messages]
    assert received == events
    assert all(m.headers[":content-type"] == "application/json" for m in result.messages)


@pytest.mark.asyncio(loop_scope="module")
async def test_segments_in_each_operation_shape(scripted: TranscribeEmulator) -> None:
    """The default periodic script, serialized per operation from engine segments."""
    engine = scripted.engine
    assert isinstance(engine, ScriptedEngine)
    chunk = audio_event(b"\0" * 3200)
    engine.script = Script(periodic=Periodic(every_events=5))
    try:
        med = await stream(scripted, MEDICAL, [chunk] * 10, extra=MEDICAL_HEADERS + [
            ("x-amzn-transcribe-enable-channel-identification", "true"),
            ("x-amzn-transcribe-number-of-channels", "2")])
        call = await stream(scripted, CALL_ANALYTICS,
                            [json_event("ConfigurationEvent", CALL_CONFIGURATION)] + [chunk] * 10)
        scribe = await stream(scripted, SCRIBE,
                              [json_event("ConfigurationEvent", SCRIBE_CONFIGURATION)]
                              + [chunk] * 5)
    finally:
        engine.script = Script()
    result = med.events()[-1]["Transcript"]["Results"][0]
    assert result["ChannelId"] in ("ch_0", "ch_1") and result["Alternatives"][0]["Entities"] == []
    item = result["Alternatives"][0]["Items"][0]
    assert "VocabularyFilterMatch" not in item and "Stable" not in item
    utterances = call.events("UtteranceEvent")
    finals = [u for u in utterances if not u["IsPartial"]]
    assert {u["ParticipantRole"] for u in finals} == {"AGENT", "CUSTOMER"}
    for u in finals:
        assert u["Sentiment"] == "NEUTRAL" and u["IssuesDetected"] == [] and u["Entities"] == []
        assert isinstance(u["BeginOffsetMillis"], int) and isinstance(u["EndOffsetMillis"], int)
        assert all(isinstance(i["BeginOffsetMillis"], int) for i in u["Items"])
    segment = scribe.events()[-1]["TranscriptSegment"]
    assert set(segment) == {"SegmentId", "BeginAudioTime", "EndAudioTime", "Content", "Items",
                            "IsPartial", "ChannelId"}


# -- header validation ---------------------------------------------------------------------

_V = "x-amzn-transcribe-"
HEADER_CASES = [
    # (path, language, rate, encoding, extra, expected status)
    (MEDICAL, "en-US", "16000", "pcm", MEDICAL_HEADERS, 200),
    (MEDICAL, "en-US", "48000", "flac", MEDICAL_HEADERS + [(_V + "content-identification-type",
                                                            "PHI")], 200),
    (MEDICAL, "en-GB", "16000", "pcm", MEDICAL_HEADERS, 400),
    (MEDICAL, "en-US", "8000", "pcm", MEDICAL_HEADERS, 400),
    (MEDICAL, "en-US", "16000", "g711-ulaw", MEDICAL_HEADERS, 400),
    (MEDICAL, "en-US", "16000", "pcm", [(_V + "type", "DICTATION")], 400),
    (MEDICAL, "en-US", "16000", "pcm", [(_V + "specialty", "DENTISTRY"),
                                        (_V + "type", "DICTATION")], 400),
    (MEDICAL, "en-US", "16000", "pcm", MEDICAL_HEADERS + [(_V + "content-identification-type",
                                                           "PII")], 400),
    (MEDICAL, "en-US", "16000", "pcm", MEDICAL_HEADERS + [(_V + "number-of-channels", "2")], 400),
    (CALL_ANALYTICS, "en-GB", "8000", "pcm", [], 200),
    (CALL_ANALYTICS, None, "16000", "pcm", [(_V + "identify-language", "true"),
                                            (_V + "language-options", "en-US,de-DE")], 200),
    (CALL_ANALYTICS, "ja-JP", "16000", "pcm", [], 400),
    (CALL_ANALYTICS, None, "16000", "pcm", [], 400),
    (CALL_ANALYTICS, "en-US", "16000", "pcm", [(_V + "pii-entity-types", "NAME")], 400),
    (CALL_ANALYTICS, "en-US", "16000", "pcm", [(_V + "content-redaction-type", "PII"),
                                               (_V + "pii-entity-types", "AGE")], 400),
    (CALL_ANALYTICS, "en-US", "16000", "pcm", [(_V + "partial-results-stability", "high")], 400),
    (SCRIBE, "en-US", "16000", "ogg-opus", [], 200),
    (SCRIBE, "en-US", "8000", "pcm", [], 400),
    (SCRIBE, "en-US", "16000", "g729", [], 400),
    (SCRIBE, "de-DE", "16000", "pcm", [], 400),
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    "path, language, rate, encoding, extra, expected", HEADER_CASES,
    ids=["medical-ok", "medical-flac-48k-phi", "medical-en-GB", "medical-8k", "medical-ulaw",
         "medical-no-specialty", "medical-bad-specialty", "medical-pii", "medical-channels-alone",
         "ca-en-GB-8k", "ca-identify", "ca-ja-JP", "ca-no-language", "ca-pii-alone",
         "ca-pii-type-not-ca", "ca-stability-alone", "scribe-opus", "scribe-8k", "scribe-g729",
         "scribe-de-DE"],
)
async def test_header_validation(scripted: TranscribeEmulator, path: str,
                                 language: Optional[str], rate: str, encoding: str,
                                 extra: List[Tuple[str, str]], expected: int) -> None:
    result = await stream(scripted, path, [], language_code=language, sample_rate=rate,
                          media_encoding=encoding, extra=extra)
    assert result.status == expected, result.body
    if expected == 400:
        assert result.headers["x-amzn-errortype"] == "BadRequestException"
        assert json.loads(result.body)["Message"]
    else:
        # Every header sent is echoed (§6), the session id always.
        for name, value in extra:
            assert result.headers[name] == value
        assert result.headers[_V + "sample-rate"] == rate
        assert result.headers[_V + "media-encoding"] == encoding
        assert _V + "session-id" in result.headers


# -- input ordering ---------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    "path, events, expected",
    [
        (CALL_ANALYTICS, [json_event("ConfigurationEvent", CALL_CONFIGURATION),
                          audio_event(b"\0" * 320)], None),
        (CALL_ANALYTICS, [audio_event(b"\0" * 320),
                          json_event("ConfigurationEvent", CALL_CONFIGURATION)],
         "BadRequestException"),
        (CALL_ANALYTICS, [json_event("ConfigurationEvent", {"ChannelDefinitions": [
            {"ChannelId": 0, "ParticipantRole": "AGENT"}]})], "BadRequestException"),
        (CALL_ANALYTICS, [json_event("ConfigurationEvent", {"ChannelDefinitions": [
            {"ChannelId": 0, "ParticipantRole": "AGENT"},
            {"ChannelId": 0, "ParticipantRole": "CUSTOMER"}]})], "BadRequestException"),
        (CALL_ANALYTICS, [json_event("ConfigurationEvent", {"PostCallAnalyticsSettings": {
            "OutputLocation": "s3://bucket"}})], "BadRequestException"),
        (SCRIBE, [json_event("ConfigurationEvent", SCRIBE_CONFIGURATION),
                  audio_event(b"\0" * 320),
                  json_event("SessionControlEvent", {"Type": "END_OF_SESSION"})], None),
        (SCRIBE, [audio_event(b"\0" * 320)], "BadRequestException"),
        (SCRIBE, [json_event("ConfigurationEvent", {"ResourceAccessRoleArn": "x"})],
         "BadRequestException"),
        (SCRIBE, [json_event("ConfigurationEvent", SCRIBE_CONFIGURATION),
                  json_event("SessionControlEvent", {"Type": "END_OF_SESSION"}),
                  audio_event(b"\0" * 320)], "BadRequestException"),
    ],
    ids=["ca-config-first", "ca-config-after-audio", "ca-one-channel", "ca-channel-twice",
         "ca-settings-missing-role", "scribe-ok", "scribe-audio-first", "scribe-bad-config",
         "scribe-audio-after-end"],
)
async def test_input_ordering(scripted: TranscribeEmulator, path: str, events: List[bytes],
                              expected: Optional[str]) -> None:
    result = await stream(scripted, path, events)
    assert result.status == 200
    exception = result.exception()
    assert (exception[0] if exception else None) == expected, exception


# -- HealthScribe sessions and GetMedicalScribeStream -----------------------------------------


@pytest.mark.asyncio(loop_scope="module")
async def test_scribe_session_states(scripted: TranscribeEmulator) -> None:
    session_id = str(uuid.uuid4())
    script(scripted, session_id, Step(output=RawEvent("TranscriptEvent", SCRIBE_EVENT),
                                      after_events=1))
    client = await connect(scripted)
    try:
        authority = f"127.0.0.1:{scripted.port}"
        start = start_request(authority, path=SCRIBE, session_id=session_id)
        h2 = client.request(start.headers)
        assert (await h2.response(TIMEOUT))[0] == 200
        await h2.send(start.signer.sign(json_event("ConfigurationEvent", SCRIBE_CONFIGURATION)))
        await h2.send(start.signer.sign(audio_event(b"\0" * 320)))
        # The scripted event proves the configuration and audio were processed.
        assert await h2.next_message(TIMEOUT) is not None
        status, _, body = await get_scribe(scripted, session_id)
        details = body["MedicalScribeStreamDetails"]
        assert status == 200 and details["StreamStatus"] == "IN_PROGRESS"
        assert "StreamEndedAt" not in details
        await h2.send(start.signer.sign_end(), end_stream=True)
        assert await h2.messages(TIMEOUT) == []
    finally:
        await client.close()
    status, headers, body = await get_scribe(scripted, session_id)
    details = body["MedicalScribeStreamDetails"]
    assert status == 200 and headers["content-type"] == "application/json"
    assert details["StreamStatus"] == "PAUSED"
    assert details["StreamEndedAt"] >= details["StreamCreatedAt"]
    for name in ("VocabularyName", "VocabularyFilterName", "VocabularyFilterMethod",
                 "ResourceAccessRoleArn", "ChannelDefinitions", "EncryptionSettings",
                 "PostStreamAnalyticsSettings"):
        assert details[name] == SCRIBE_CONFIGURATION[name]
    assert (details["SessionId"], details["LanguageCode"], details["MediaSampleRateHertz"],
            details["MediaEncoding"]) == (session_id, "en-US", 16000, "pcm")
    assert details["MedicalScribeContextProvided"] is True
    assert "PostStreamAnalyticsResult" not in details

    # A resumed stream must repeat the configuration.
    changed = dict(SCRIBE_CONFIGURATION, VocabularyName="other")
    result = await stream(scripted, SCRIBE, [json_event("ConfigurationEvent", changed)],
                          session_id=session_id)
    refused = result.exception()
    assert refused is not None and refused[0] == "BadRequestException"
    # Resume, then end the session for good.
    result = await stream(scripted, SCRIBE, [
        json_event("ConfigurationEvent", SCRIBE_CONFIGURATION), audio_event(b"\0" * 320),
        json_event("SessionControlEvent", {"Type": "END_OF_SESSION"})], session_id=session_id)
    assert result.status == 200 and result.exception() is None
    details = (await get_scribe(scripted, session_id))[2]["MedicalScribeStreamDetails"]
    assert details["StreamStatus"] == "COMPLETED"
    note = details["PostStreamAnalyticsResult"]["ClinicalNoteGenerationResult"]
    assert note["Status"] == "COMPLETED"
    assert note["ClinicalNoteOutputLocation"].startswith(
        f"s3://example-bucket/healthscribe-streaming/{session_id}/")
    # A completed session cannot be resumed.
    result = await stream(scripted, SCRIBE, [], session_id=session_id)
    assert result.status == 400 and result.headers["x-amzn-errortype"] == "BadRequestException"


@pytest.mark.asyncio(loop_scope="module")
async def test_scribe_stream_failing_is_failed(scripted: TranscribeEmulator) -> None:
    session_id = str(uuid.uuid4())
    scripted.faults.add(ExceptionFault("InternalFailureException", "boom", after_events=1),
                        session_id=session_id)
    result = await stream(scripted, SCRIBE, [
        json_event("ConfigurationEvent", SCRIBE_CONFIGURATION), audio_event(b"\0" * 320)],
        session_id=session_id)
    assert result.exception() == ("InternalFailureException", "boom")
    details = (await get_scribe(scripted, session_id))[2]["MedicalScribeStreamDetails"]
    assert details["StreamStatus"] == "FAILED"


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("session_id, status, error", [
    (str(uuid.UUID(int=7)), 404, "ResourceNotFoundException"),
    ("not-a-session-id", 400, "BadRequestException"),
], ids=["unknown", "malformed"])
async def test_get_unknown_or_malformed_session(scripted: TranscribeEmulator, session_id: str,
                                                status: int, error: str) -> None:
    got, headers, body = await get_scribe(scripted, session_id)
    assert (got, headers["x-amzn-errortype"]) == (status, error) and body["Message"]


# -- modeled exceptions ------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("path", [MEDICAL, CALL_ANALYTICS, SCRIBE],
                         ids=["medical", "call-analytics", "scribe"])
@pytest.mark.parametrize("error", STREAMING_ERRORS)
async def test_streaming_exceptions_injectable(scripted: TranscribeEmulator, path: str,
                                               error: str) -> None:
    session_id = str(uuid.uuid4())
    scripted.faults.add(ExceptionFault(error, "injected"), session_id=session_id)
    result = await stream(scripted, path, [], session_id=session_id,
                          extra=MEDICAL_HEADERS if path == MEDICAL else ())
    assert result.status == 200
    assert result.exception() == (error, "injected")


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("error, status", [("BadRequestException", 400),
                                           ("InternalFailureException", 500),
                                           ("LimitExceededException", 429),
                                           ("ResourceNotFoundException", 404)])
async def test_get_exceptions_injectable(scripted: TranscribeEmulator, error: str,
                                         status: int) -> None:
    session_id = str(uuid.uuid4())
    scripted.faults.add(HttpErrorFault(error, "injected"), session_id=session_id)
    got, headers, body = await get_scribe(scripted, session_id)
    assert (got, headers["x-amzn-errortype"], body["Message"]) == (status, error, "injected")


# -- offline recognition in each shape ----------------------------------------------------------


@pytest.mark.asyncio(loop_scope="module")
async def test_sphinx_medical_transcript(sphinx: TranscribeEmulator) -> None:
    data, rate = _pcm("sense-0870.wav")
    result = await stream(sphinx, MEDICAL, _audio(data, rate // 10 * 2), extra=MEDICAL_HEADERS)
    assert result.status == 200 and result.exception() is None
    results = [r for e in result.events() for r in e["Transcript"]["Results"]]
    text = " ".join(r["Alternatives"][0]["Transcript"] for r in results if not r["IsPartial"])
    assert all(set(i) <= {"StartTime", "EndTime", "Type", "Content", "Confidence", "Speaker"}
               for r in results for i in r["Alternatives"][0]["Items"])
    assert word_error_rate(reference("sense-0870.wav"), text) <= 0.45


@pytest.mark.asyncio(loop_scope="module")
async def test_sphinx_call_analytics_stereo_participants(sphinx: TranscribeEmulator) -> None:
    data, rate = _pcm("two-speakers-stereo-16k.wav")
    events = [json_event("ConfigurationEvent", CALL_CONFIGURATION)] + _audio(data, rate // 10 * 4)
    result = await stream(sphinx, CALL_ANALYTICS, events)
    assert result.status == 200 and result.exception() is None
    finals = [u for u in result.events("UtteranceEvent") if not u["IsPartial"]]
    by_role: Dict[str, str] = {}
    for u in finals:
        by_role[u["ParticipantRole"]] = (by_role.get(u["ParticipantRole"], "") + " "
                                         + u["Transcript"]).strip()
    # Channel 0 is the CUSTOMER, channel 1 the AGENT in this configuration.
    assert set(by_role) == {"AGENT", "CUSTOMER"}
    assert word_error_rate(reference("sense-0880.wav"), by_role["CUSTOMER"]) <= 0.45
    assert word_error_rate(reference("sense-0930.wav"), by_role["AGENT"]) <= 0.45
