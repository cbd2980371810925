"""The client against the emulator, through the real awscrt HTTP/2 + TLS stack."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, AsyncIterator, List

import pytest

from amazon_transcribe.auth import StaticCredentialResolver
from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.scripted import Script, ScriptedEngine
from amazon_transcribe.exceptions import (
    BadRequestException,
    StreamClosedError,
    UnknownServiceException,
    ValidationException,
)
from amazon_transcribe.handlers import TranscriptResultStreamHandler
from amazon_transcribe.model import (
    Alternative,
    Item,
    ItemType,
    Result,
    Transcript,
    TranscriptEvent,
    UnknownEvent,
)

from .support import collect, make_client, other_tasks, pcm, send_all, sha256, start

SCRIPT = {
    "steps": [
        {"after_events": 2, "segment": {
            "result_id": "seg-1", "is_partial": True, "start_time": 0.0, "end_time": 0.4,
            "words": [{"content": "hello", "start_time": 0.1, "end_time": 0.4,
                       "confidence": 0.5, "stable": False}]}},
        {"after_events": 4, "segment": {
            "result_id": "seg-1", "is_partial": False, "transcript": "hello world",
            "start_time": 0.0, "end_time": 0.9,
            "words": [
                {"content": "hello", "start_time": 0.1, "end_time": 0.4, "confidence": 0.9},
                {"content": "world", "start_time": 0.5, "end_time": 0.9, "confidence": 0.8,
                 "speaker": "1"}]}},
        {"after_events": 5, "event": {"event_type": "FutureEvent", "payload": {"n": 1}}},
        {"at_finish": True, "event": {"event_type": "TranscriptEvent",
                                      "payload": {"Transcript": {"Results": []}}}},
    ],
}

EXPECTED: List[Any] = [
    TranscriptEvent(Transcript([Result(
        result_id="seg-1", start_time=0.0, end_time=0.4, is_partial=True,
        alternatives=[Alternative("hello", [Item(0.1, 0.4, ItemType.PRONUNCIATION, "hello",
                                                 False, None, 0.5, False)], [])])])),
    TranscriptEvent(Transcript([Result(
        result_id="seg-1", start_time=0.0, end_time=0.9, is_partial=False,
        alternatives=[Alternative("hello world", [
            Item(0.1, 0.4, ItemType.PRONUNCIATION, "hello", False, None, 0.9),
            Item(0.5, 0.9, ItemType.PRONUNCIATION, "world", False, "1", 0.8)], [])])])),
    ("unknown", "FutureEvent", {"n": 1}),
    TranscriptEvent(Transcript([])),
]


@pytest.fixture
async def scripted(tmp_path: Path) -> AsyncIterator[TranscribeEmulator]:
    engine = ScriptedEngine(Script.from_json(SCRIPT))
    async with TranscribeEmulator(engine=engine, state_dir=tmp_path) as emulator:
        yield emulator


def _normalise(events: List[Any]) -> List[Any]:
    out = []
    for event in events:
        if isinstance(event, UnknownEvent):
            out.append(("unknown", event.event_type, json.loads(event.payload)))
        else:
            out.append(event)
    return out


async def test_scripted_events_arrive_in_order_through_async_for(
        scripted: TranscribeEmulator) -> None:
    audio = pcm()[:32000]
    async with make_client(scripted) as client:
        stream = await start(client)
        assert stream.response.request_id and stream.response.session_id
        assert stream.response.media_sample_rate_hz == 16000
        sender = asyncio.ensure_future(send_all(stream, audio))
        events = await asyncio.wait_for(collect(stream), 10)
        await asyncio.wait_for(sender, 10)
    assert _normalise(events) == EXPECTED
    record = await scripted.records.wait_ended(stream.response.session_id, timeout=10)
    assert record.audio_sha256 == sha256(audio) and record.end_reason == "completed"
    assert record.signatures_failed == 0 and record.signatures_passed == record.audio_events + 1


async def test_scripted_events_arrive_through_the_handler(scripted: TranscribeEmulator) -> None:
    seen: List[Any] = []

    class Handler(TranscriptResultStreamHandler):
        async def handle_transcript_event(self, transcript_event: TranscriptEvent) -> None:
            seen.append(transcript_event)

        async def handle_unknown_event(self, event: UnknownEvent) -> None:
            seen.append(event)

    async with make_client(scripted) as client:
        stream = await start(client)
        await asyncio.wait_for(asyncio.gather(
            send_all(stream, pcm()[:32000]), Handler(stream.output_stream).handle_events()), 10)
    assert _normalise(seen) == EXPECTED


async def test_audio_integrity_for_100_concurrent_streams(
        transcribe_emulator: TranscribeEmulator) -> None:
    audio = pcm()
    async with make_client(transcribe_emulator) as client:
        async def one(n: int) -> str:
            # Each stream sends a different slice so that mix-ups would show.
            data = audio[n * 640 : n * 640 + 64000]
            stream = await start(client)
            await asyncio.gather(send_all(stream, data, chunk=4000), collect(stream))
            record = await transcribe_emulator.records.wait_ended(
                stream.response.session_id, timeout=30)
            assert record.end_reason == "completed"
            return record.audio_sha256 == sha256(data)

        results = await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(100))), 120)
    assert all(results) and len(results) == 100


async def test_sending_after_end_stream_is_refused(transcribe_emulator: TranscribeEmulator) -> None:
    async with make_client(transcribe_emulator) as client:
        stream = await start(client)
        await stream.input_stream.send_audio_event(b"\x00\x00" * 1600)
        await stream.input_stream.end_stream()
        await stream.input_stream.end_stream()  # harmless
        with pytest.raises(StreamClosedError, match="end_stream"):
            await stream.input_stream.send_audio_event(b"\x00\x00")
        await asyncio.wait_for(collect(stream), 10)


async def test_http_error_before_the_stream_is_typed(
        transcribe_emulator: TranscribeEmulator) -> None:
    async with make_client(transcribe_emulator) as client:
        with pytest.raises(BadRequestException) as info:
            await start(client, media_sample_rate_hz=7999)
    assert info.value.status_code == 400 and info.value.request_id
    assert "mediaSampleRateHertz" in info.value.message or "7999" in info.value.message


async def test_bad_secret_is_refused_with_the_services_error(
        transcribe_emulator: TranscribeEmulator) -> None:
    async with make_client(transcribe_emulator, secret="not-the-secret") as client:
        with pytest.raises(UnknownServiceException) as info:
            await start(client)
    assert info.value.status_code == 403
    assert info.value.error_code == "InvalidSignatureException"
    assert "signature" in info.value.message.lower()


async def test_local_validation(transcribe_emulator: TranscribeEmulator) -> None:
    async with make_client(transcribe_emulator) as client:
        with pytest.raises(ValidationException, match="media_sample_rate_hz"):
            await client.start_stream_transcription(language_code="en-US", media_encoding="pcm")
        with pytest.raises(ValidationException, match="language_code"):
            await client.start_stream_transcription(media_sample_rate_hz=16000,
                                                    media_encoding="pcm")
        stream = await start(client)
        with pytest.raises(ValidationException, match="bytes"):
            await stream.input_stream.send_audio_event("not bytes")  # type: ignore[arg-type]
        await stream.aclose()


async def test_environment_configuration_and_default_chain(
        transcribe_emulator: TranscribeEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in transcribe_emulator.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    async with TranscribeStreamingClient() as client:  # region, endpoint, CA, creds from env
        stream = await start(client)
        await asyncio.gather(send_all(stream, pcm()[:16000]), collect(stream))
    record = await transcribe_emulator.records.wait_ended(stream.response.session_id, timeout=10)
    assert record.end_reason == "completed"


async def test_nothing_left_behind_after_close(transcribe_emulator: TranscribeEmulator) -> None:
    before = other_tasks()
    client = make_client(transcribe_emulator)
    streams = [await start(client) for _ in range(3)]
    await streams[0].input_stream.send_audio_event(b"\x00" * 3200)
    await client.close()
    for stream in streams:
        with pytest.raises(StreamClosedError):
            await stream.input_stream.send_audio_event(b"\x00" * 3200)
    assert other_tasks() - before == set()
    ended = await transcribe_emulator.records.wait_count(3, timeout=10)
    # The server saw each connection go away without an end frame.
    assert {r.end_reason for r in ended} <= {"client-closed", "reset"}


async def test_secret_never_logged(transcribe_emulator: TranscribeEmulator,
                                   caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    canary = "CANARYsecretCANARY0123456789abcdefghij"
    caplog.set_level(logging.DEBUG)
    async with TranscribeEmulator(credentials={"AKIDCANARY": canary},
                                  state_dir=tmp_path) as emulator:
        resolver = StaticCredentialResolver("AKIDCANARY", canary)
        client = make_client(emulator, credential_resolver=resolver)
        async with client:
            stream = await start(client)
            await asyncio.gather(send_all(stream, pcm()[:16000]), collect(stream))
            texts = [repr(client), repr(stream), repr(stream.response), repr(resolver)]
        # A wrong secret's error message must not echo it either.
        async with make_client(emulator, secret=canary + "x") as bad:
            with pytest.raises(Exception) as info:
                await start(bad)
            texts.append(str(info.value))
    texts.extend(record.getMessage() for record in caplog.records)
    assert caplog.records, "DEBUG logging produced nothing: the check would be vacuous"
    assert not [t for t in texts if canary in t]
