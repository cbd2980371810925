"""The emulator's server, driven by a raw HTTP/2 + TLS client (not the SDK).

Every wait is bounded and event-driven (records, HTTP/2 events); nothing
sleeps. Idle timeouts are tiny where a test needs one to fire.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import ssl
import subprocess
import sys
import textwrap
import threading
import uuid
import wave
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional, Tuple

import pytest
import pytest_asyncio

from amazon_transcribe.emulator import (
    ConnectionResetFault,
    ExceptionFault,
    GoAwayFault,
    HttpErrorFault,
    RstStreamFault,
    SlowReaderFault,
    StallFault,
    TranscribeEmulator,
)
from amazon_transcribe.emulator.__main__ import build_parser
from amazon_transcribe.emulator.engine import EngineOutput, RecognitionSession, StreamSettings
from amazon_transcribe.emulator.errors import ServiceError
from amazon_transcribe.emulator.scripted import ScriptedEngine
from amazon_transcribe.emulator.wer import word_error_rate
from amazon_transcribe.eventstream import decode_message, encode_message

from .h2client import ConnectionClosedError, H2Client, StreamResetError
from .streaming import (
    CountingEngine,
    audio_event,
    chunks_of,
    payload,
    run_stream,
    send_audio,
    sha256_of,
    start_request,
)

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "tests" / "assets"
IDLE_TIMEOUT = 0.5
IDLE_MESSAGE = "Your request timed out because no new audio was received for 0.5 seconds."


# -- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One certificate set for the whole module (made once)."""
    return tmp_path_factory.mktemp("emulator-state")


@contextlib.asynccontextmanager
async def running(state_dir: Path, **options: Any) -> AsyncIterator[TranscribeEmulator]:
    options.setdefault("engine", CountingEngine())
    async with TranscribeEmulator(state_dir=state_dir, **options) as emulator:
        yield emulator


@contextlib.asynccontextmanager
async def connected(emulator: TranscribeEmulator, **options: Any) -> AsyncIterator[H2Client]:
    client = await H2Client.connect(
        "127.0.0.1", emulator.port, ca_file=str(emulator.ca_file), **options
    )
    try:
        yield client
    finally:
        await client.close()


@pytest_asyncio.fixture
async def emulator(state_dir: Path) -> AsyncIterator[TranscribeEmulator]:
    async with running(state_dir, idle_timeout=5.0) as emu:
        yield emu


def authority(emulator: TranscribeEmulator) -> str:
    return f"127.0.0.1:{emulator.port}"


async def assert_serves(emulator: TranscribeEmulator, client: Optional[H2Client] = None) -> None:
    """A fresh stream (on ``client`` if given, and on a new connection) completes."""
    chunks = chunks_of(99, 4, 640)
    clients: List[H2Client] = []
    if client is not None and not client.lost and client.goaway is None:
        clients.append(client)
    async with connected(emulator) as fresh:
        clients.append(fresh)
        for each in clients:
            session_id = str(uuid.uuid4())
            # Audio follows the request at once (no gap for an idle timeout).
            result = await run_stream(
                each, authority(emulator), chunks, session_id=session_id,
                wait_response_first=False,
            )
            assert result.status == 200
            assert result.exception() is None
            assert result.events()[-1]["Transcript"]["Results"][0]["IsPartial"] is False
            record = await emulator.records.wait_ended(session_id, timeout=10)
            assert record.end_reason == "completed"
            assert record.audio_sha256 == sha256_of(chunks)


# -- a valid stream --------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("blocking", [False, True], ids=["on-loop", "thread-pool"])
async def test_valid_stream(state_dir: Path, blocking: bool) -> None:
    engine = CountingEngine(blocking=blocking)
    async with running(state_dir, engine=engine) as emulator, connected(emulator) as client:
        session_id = str(uuid.uuid4())
        chunks = chunks_of(1, 6, 3200)
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        status, headers = await stream.response()
        assert status == 200
        assert headers["content-type"] == "application/vnd.amazon.eventstream"
        assert headers["x-amzn-transcribe-language-code"] == "en-US"
        assert headers["x-amzn-transcribe-sample-rate"] == "16000"
        assert headers["x-amzn-transcribe-media-encoding"] == "pcm"
        assert headers["x-amzn-transcribe-session-id"] == session_id
        uuid.UUID(headers["x-amzn-request-id"])
        assert await send_audio(stream, start, chunks)
        messages = await stream.messages()
        assert stream.ended and stream.reset_code is None

        for message in messages:
            assert message.headers == {
                ":event-type": "TranscriptEvent",
                ":content-type": "application/json",
                ":message-type": "event",
            }
        results = [payload(m)["Transcript"]["Results"][0] for m in messages]
        assert [r["IsPartial"] for r in results] == [True, True, True, False]
        assert {r["ResultId"] for r in results} == {"result-1"}
        final = results[-1]
        assert final["StartTime"] == 0.0 and final["EndTime"] == pytest.approx(0.6)
        alternative = final["Alternatives"][0]
        assert alternative["Transcript"] == "chunk1 chunk2 chunk3 chunk4 chunk5 chunk6"
        assert alternative["Items"][0] == {
            "StartTime": 0.0,
            "EndTime": 0.1,
            "Type": "pronunciation",
            "Content": "chunk1",
            "VocabularyFilterMatch": False,
            "Confidence": 0.9,
        }
        assert "ChannelId" not in final

        record = await emulator.records.wait_ended(session_id)
        assert record.end_reason == "completed"
        assert record.operation == "StartStreamTranscription"
        assert record.request_id == headers["x-amzn-request-id"]
        assert record.audio_sha256 == sha256_of(chunks)
        assert record.audio_bytes == 6 * 3200 and record.audio_events == 6
        assert record.request_signature_valid is True
        assert (record.signatures_passed, record.signatures_failed) == (7, 0)
        assert record.end_frame_received
        assert record.events_sent == 4
        assert engine.opened == 1 and engine.closed == 1
        if blocking:
            assert all(name.startswith("transcribe-emulator") for name in engine.threads)
        else:
            assert engine.threads == {threading.current_thread().name}


@pytest.mark.asyncio
async def test_valid_stream_scripted_engine(state_dir: Path) -> None:
    engine = ScriptedEngine.from_json(
        [
            {"after_events": 2, "segment": {
                "is_partial": True, "transcript": "hello", "start_time": 0.1, "end_time": 0.4,
                "words": [{"content": "hello", "start_time": 0.1, "end_time": 0.4}]}},
            {"after_events": 4, "segment": {
                "transcript": "hello world", "start_time": 0.1, "end_time": 0.9,
                "words": [{"content": "hello", "start_time": 0.1, "end_time": 0.4},
                          {"content": "world", "start_time": 0.5, "end_time": 0.9}]}},
        ]
    )
    async with running(state_dir, engine=engine) as emulator, connected(emulator) as client:
        session_id = str(uuid.uuid4())
        chunks = chunks_of(30, 5, 3200)
        result = await run_stream(client, authority(emulator), chunks, session_id=session_id)
        assert result.status == 200
        assert result.headers["x-amzn-transcribe-session-id"] == session_id
        results = [event["Transcript"]["Results"][0] for event in result.events()]
        assert [(r["IsPartial"], r["Alternatives"][0]["Transcript"]) for r in results] == [
            (True, "hello"), (False, "hello world")]
        assert results[0]["ResultId"] == results[1]["ResultId"]
        assert [item["Content"] for item in results[1]["Alternatives"][0]["Items"]] == [
            "hello", "world"]
        record = await emulator.records.wait_ended(session_id)
        assert record.end_reason == "completed"
        assert record.audio_sha256 == sha256_of(chunks)


@pytest.mark.asyncio
async def test_audio_sent_before_the_response_is_accepted(emulator: TranscribeEmulator) -> None:
    async with connected(emulator) as client:
        chunks = chunks_of(2, 5, 1000)
        session_id = str(uuid.uuid4())
        result = await run_stream(
            client, authority(emulator), chunks, session_id=session_id, wait_response_first=False
        )
        assert result.status == 200
        assert result.events()[-1]["Transcript"]["Results"][0]["IsPartial"] is False
        record = await emulator.records.wait_ended(session_id)
        assert record.end_reason == "completed"
        assert record.audio_sha256 == sha256_of(chunks)


@pytest.mark.asyncio
async def test_headers_with_end_stream_and_no_end_frame_complete(
    emulator: TranscribeEmulator,
) -> None:
    """END_STREAM without the signed end frame ends the input (leniently)."""
    async with connected(emulator) as client:
        session_id = str(uuid.uuid4())
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        chunks = chunks_of(3, 3, 500)
        assert await send_audio(stream, start, chunks, end=False)
        assert await stream.end()
        assert (await stream.response())[0] == 200
        messages = await stream.messages()
        assert payload(messages[-1])["Transcript"]["Results"][0]["IsPartial"] is False
        record = await emulator.records.wait_ended(session_id)
        assert record.end_reason == "completed" and not record.end_frame_received


@pytest.mark.asyncio
async def test_path_with_empty_query_and_unsigned_when_verification_is_off(
    state_dir: Path,
) -> None:
    async with running(state_dir, verify_signatures=False) as emulator:
        async with connected(emulator) as client:
            session_id = str(uuid.uuid4())
            result = await run_stream(
                client,
                authority(emulator),
                chunks_of(4, 2, 320),
                session_id=session_id,
                path="/stream-transcription?",
                secret_key="not-the-secret",
                access_key="AKIDUNKNOWN",
            )
            assert result.status == 200 and result.exception() is None
            record = await emulator.records.wait_ended(session_id)
            assert record.end_reason == "completed"
            assert record.request_signature_valid is None


# -- the service's errors ----------------------------------------------------------------


def _tamper_signature(envelope: bytes) -> bytes:
    message = decode_message(envelope)
    signature = message.headers[":chunk-signature"]
    assert isinstance(signature, bytes)
    headers = dict(message.headers)
    headers[":chunk-signature"] = bytes([signature[0] ^ 1]) + signature[1:]
    return encode_message(headers, message.payload)


async def _in_stream_error(
    emulator: TranscribeEmulator, client: H2Client, case: str
) -> Tuple[str, str, str]:
    """Run a stream broken as ``case``; return the error type, message and session id."""
    session_id = str(uuid.uuid4())
    start = start_request(authority(emulator), session_id=session_id)
    stream = client.request(start.headers)
    assert (await stream.response())[0] == 200
    # Signed only when used: the signature chain follows the order of signing.
    def first_event() -> bytes:
        return start.signer.sign(audio_event(b"\x00\x01" * 160))

    if case == "tampered-signature":
        first = first_event()
        await stream.send(first)
        await stream.send(_tamper_signature(start.signer.sign(audio_event(b"\x02" * 320))))
    elif case == "bad-crc":
        first = first_event()
        await stream.send(first[:-1] + bytes([first[-1] ^ 0xFF]))
    elif case == "truncated-frame":
        first = first_event()
        await stream.send(first[: len(first) // 2], end_stream=True)
    elif case == "idle-timeout":
        await stream.send(first_event())
    elif case == "unknown-event-type":
        inner = encode_message({":message-type": "event", ":event-type": "VideoEvent"}, b"x")
        await stream.send(start.signer.sign(inner))
    elif case == "oversized-message":
        # A prelude announcing a 32 MiB message (valid prelude CRC).
        import zlib

        prelude = (32 * 1024 * 1024).to_bytes(4, "big") + (0).to_bytes(4, "big")
        await stream.send(prelude + zlib.crc32(prelude).to_bytes(4, "big"))
    elif case == "event-after-end-frame":
        # Anything after the end frame is a protocol error.
        first = first_event()
        await stream.send(first + start.signer.sign_end() + first)
    else:  # pragma: no cover
        raise AssertionError(case)
    messages = await stream.messages()
    assert stream.ended
    exceptions = [m for m in messages if m.headers.get(":message-type") == "exception"]
    assert len(exceptions) == 1 and exceptions[0] is messages[-1]
    exception = exceptions[0]
    assert exception.headers[":content-type"] == "application/json"
    error_type = exception.headers[":exception-type"]
    assert isinstance(error_type, str)
    return error_type, payload(exception)["Message"], session_id


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "case, expected",
    [
        ("tampered-signature", "signature does not match"),
        ("bad-crc", "CRC"),
        ("truncated-frame", "ended inside a message"),
        ("idle-timeout", IDLE_MESSAGE),
        ("unknown-event-type", "Unknown event type 'VideoEvent'"),
        ("oversized-message", "exceeds"),
        ("event-after-end-frame", "after the end of the input stream"),
    ],
    ids=["tampered-signature", "bad-crc", "truncated-frame", "idle-timeout",
         "unknown-event-type", "oversized-message", "event-after-end-frame"],
)
async def test_in_stream_errors(state_dir: Path, case: str, expected: str) -> None:
    idle_timeout = IDLE_TIMEOUT if case == "idle-timeout" else 5.0
    async with running(state_dir, idle_timeout=idle_timeout) as emulator, connected(
        emulator
    ) as client:
        error_type, message, session_id = await _in_stream_error(emulator, client, case)
        assert error_type == "BadRequestException"
        assert expected in message
        if case == "idle-timeout":
            assert message == IDLE_MESSAGE
        record = await emulator.records.wait_ended(session_id)
        assert record.end_reason == "error:BadRequestException"
        assert record.error == ("BadRequestException", message)
        if case == "tampered-signature":
            assert (record.signatures_passed, record.signatures_failed) == (1, 1)
        await assert_serves(emulator, client)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "request_options, status, error_type, expected",
    [
        ({"secret_key": "wrong-secret"}, 403, "InvalidSignatureException", "does not match"),
        ({"access_key": "AKIDUNKNOWN"}, 403, "UnrecognizedClientException", "invalid"),
        ({"language_code": "xx-XX"}, 400, "BadRequestException", "xx-XX"),
        ({"sample_rate": "7999"}, 400, "BadRequestException", "7999"),
        ({"path": "/no-such-operation"}, 404, "UnknownOperationException", "/no-such-operation"),
        ({"method": "GET"}, 405, "UnknownOperationException", "POST"),
    ],
    ids=["wrong-secret", "unknown-access-key", "invalid-language", "sample-rate-7999",
         "unknown-path", "wrong-method"],
)
async def test_errors_before_the_stream(
    emulator: TranscribeEmulator,
    request_options: Dict[str, str],
    status: int,
    error_type: str,
    expected: str,
) -> None:
    import json

    async with connected(emulator) as client:
        session_id = str(uuid.uuid4())
        start = start_request(authority(emulator), session_id=session_id, **request_options)
        stream = client.request(start.headers)
        # Audio may already be on its way: the error must still come first.
        await stream.send(start.signer.sign(audio_event(b"\x00" * 320)))
        got_status, headers = await stream.response()
        body = json.loads(await stream.read_body())
        assert got_status == status
        assert headers["x-amzn-errortype"] == error_type
        assert headers["content-type"] == "application/json"
        assert expected in body["Message"]
        record = emulator.records.all()[-1]
        await emulator.records.wait_until(lambda _: record if record.ended else None)
        assert record.end_reason == f"error:{error_type}"
        assert record.status == status
        await assert_serves(emulator, client)


@pytest.mark.asyncio
async def test_session_id_conflict_ends_the_older_stream(emulator: TranscribeEmulator) -> None:
    async with connected(emulator) as client:
        session_id = str(uuid.uuid4())
        older = start_request(authority(emulator), session_id=session_id)
        old_stream = client.request(older.headers)
        assert (await old_stream.response())[0] == 200
        await old_stream.send(older.signer.sign(audio_event(b"\x00" * 320)))
        await emulator.records.wait_started(session_id, audio_events=1)

        chunks = chunks_of(5, 3, 320)
        result = await run_stream(client, authority(emulator), chunks, session_id=session_id)
        assert result.status == 200 and result.exception() is None

        messages = await old_stream.messages()
        assert messages[-1].headers[":exception-type"] == "ConflictException"
        records = emulator.records.by_session(session_id)
        assert [r.end_reason for r in records] == ["error:ConflictException", "completed"]
        assert records[1].audio_sha256 == sha256_of(chunks)


@pytest.mark.asyncio
async def test_maximum_duration(state_dir: Path) -> None:
    async with running(state_dir, max_duration=0.3) as emulator, connected(emulator) as client:
        session_id = str(uuid.uuid4())
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        await stream.send(start.signer.sign(audio_event(b"\x00" * 320)))
        messages = await stream.messages()
        assert messages[-1].headers[":exception-type"] == "LimitExceededException"
        assert "maximum duration" in payload(messages[-1])["Message"]
        record = await emulator.records.wait_ended(session_id)
        assert record.end_reason == "error:LimitExceededException"


@pytest.mark.asyncio
async def test_http1_client_gets_a_readable_answer(emulator: TranscribeEmulator) -> None:
    context = ssl.create_default_context(cafile=str(emulator.ca_file))
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(
            "127.0.0.1", emulator.port, ssl=context, server_hostname="localhost"
        ),
        10,
    )
    try:
        writer.write(b"POST /stream-transcription HTTP/1.1\r\nhost: localhost\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 5)
    assert answer.startswith(b"HTTP/1.1 505 ")
    assert b"HTTP/2" in answer


class _FailingEngine(CountingEngine):
    """Refuses sessions whose id starts with b0000000 (LimitExceeded) and
    breaks on a chunk starting with 0xFF."""

    def open_session(self, settings: StreamSettings) -> RecognitionSession:
        if settings.session_id.startswith("b0000000"):
            raise ServiceError("LimitExceededException", "No decoder is free.")
        session = super().open_session(settings)
        accept = session.accept_audio

        def accept_audio(chunk: bytes) -> List[EngineOutput]:
            if chunk.startswith(b"\xff"):
                raise RuntimeError("decoder exploded")
            return accept(chunk)

        session.accept_audio = accept_audio  # type: ignore[method-assign]
        return session


@pytest.mark.asyncio
@pytest.mark.parametrize("blocking", [False, True], ids=["on-loop", "thread-pool"])
async def test_engine_failures_stay_in_their_stream(state_dir: Path, blocking: bool) -> None:
    engine = _FailingEngine(blocking=blocking)
    async with running(state_dir, engine=engine) as emulator, connected(emulator) as client:
        refused = await run_stream(
            client, authority(emulator), chunks_of(20, 2, 320), session_id="b0000000-0000-4000-8000-000000000000"
        )
        assert refused.status == 429
        assert refused.headers["x-amzn-errortype"] == "LimitExceededException"

        broken = await run_stream(client, authority(emulator), [b"\x00" * 320, b"\xff" * 320])
        assert broken.status == 200
        error = broken.exception()
        assert error is not None and error[0] == "InternalFailureException"
        assert "decoder exploded" in error[1]
        await assert_serves(emulator, client)
        assert engine.closed == engine.opened


@pytest.mark.asyncio
async def test_configuration_event_is_accepted_and_ignored(emulator: TranscribeEmulator) -> None:
    async with connected(emulator) as client:
        session_id = str(uuid.uuid4())
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        configuration = encode_message(
            {
                ":message-type": "event",
                ":event-type": "ConfigurationEvent",
                ":content-type": "application/json",
            },
            b'{"ChannelDefinitions":[]}',
        )
        await stream.send(start.signer.sign(configuration))
        chunks = chunks_of(21, 2, 320)
        assert await send_audio(stream, start, chunks)
        assert (await stream.response())[0] == 200
        messages = await stream.messages()
        assert payload(messages[-1])["Transcript"]["Results"][0]["IsPartial"] is False
        record = await emulator.records.wait_ended(session_id)
        assert record.end_reason == "completed"
        assert (record.input_events, record.audio_events) == (3, 2)
        assert record.audio_sha256 == sha256_of(chunks)


# -- load ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_100_concurrent_streams_while_one_is_stalled(state_dir: Path) -> None:
    # engine=None: the emulator's default, the scripted engine and its default
    # script (a partial after 5 events, a final at the end of input).
    async with running(state_dir, engine=None) as emulator:
        assert isinstance(emulator.engine, ScriptedEngine)
        clients = [await H2Client.connect(
            "127.0.0.1", emulator.port, ca_file=str(emulator.ca_file)) for _ in range(10)]
        try:
            # The stalled stream shares connection 0 with ten of the others:
            # it must hold only its own window, not the connection's.
            stalled_id = str(uuid.uuid4())
            emulator.faults.add(StallFault(after_events=1), session_id=stalled_id)
            stalled = start_request(authority(emulator), session_id=stalled_id)
            stalled_stream = clients[0].request(stalled.headers)
            assert (await stalled_stream.response())[0] == 200
            big = chunks_of(7, 12, 32 * 1024)  # 384 KiB: more than a stream window
            stalled_sender = asyncio.ensure_future(send_audio(stalled_stream, stalled, big))
            await emulator.records.wait_until(
                lambda records: True if records.by_session(stalled_id)
                and "stall" in records.by_session(stalled_id)[0].faults else None
            )

            async def one(index: int) -> Tuple[str, str]:
                chunks = chunks_of(1000 + index, 8, 1600)
                session_id = str(uuid.uuid4())
                result = await run_stream(
                    clients[index % 10], authority(emulator), chunks,
                    session_id=session_id, timeout=30,
                )
                assert result.status == 200 and result.exception() is None
                assert result.events()[-1]["Transcript"]["Results"][0]["IsPartial"] is False
                return session_id, sha256_of(chunks)

            expected = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(100))), 40)
            for session_id, digest in expected:
                record = await emulator.records.wait_ended(session_id)
                assert record.end_reason == "completed"
                assert record.audio_sha256 == digest
                assert record.audio_events == 8

            # The stalled stream is still hanging: its sender is blocked by
            # flow control and its record has not ended.
            (stalled_record,) = emulator.records.by_session(stalled_id)
            assert not stalled_record.ended
            assert not stalled_sender.done()
            assert stalled_record.audio_events == 1
            stalled_sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stalled_sender
        finally:
            for client in clients:
                await client.close()


# -- faults --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_fault_exception_event_after_n_events(emulator: TranscribeEmulator) -> None:
    session_id = str(uuid.uuid4())
    emulator.faults.add(
        ExceptionFault("LimitExceededException", "Too many, slow down", after_events=2),
        session_id=session_id,
    )
    async with connected(emulator) as client:
        result = await run_stream(
            client, authority(emulator), chunks_of(6, 5, 320), session_id=session_id
        )
        assert result.status == 200
        assert result.exception() == ("LimitExceededException", "Too many, slow down")
        # Chunk 2 produced a partial result before the exception.
        assert len(result.events()) == 1
        record = await emulator.records.wait_ended(session_id)
        assert record.end_reason == "error:LimitExceededException"
        assert record.audio_events == 2 and record.faults == ["exception"]
        # Other sessions are not affected.
        await assert_serves(emulator, client)


@pytest.mark.asyncio
async def test_fault_http_error_global_once(emulator: TranscribeEmulator) -> None:
    emulator.faults.add(
        HttpErrorFault("ServiceUnavailableException", "Try again later"), times=1
    )
    async with connected(emulator) as client:
        result = await run_stream(client, authority(emulator), chunks_of(8, 2, 320))
        assert result.status == 503
        assert result.headers["x-amzn-errortype"] == "ServiceUnavailableException"
        assert b"Try again later" in result.body
        await assert_serves(emulator, client)  # times=1: only the first stream


@pytest.mark.asyncio
async def test_fault_connection_reset(emulator: TranscribeEmulator) -> None:
    session_id = str(uuid.uuid4())
    emulator.faults.add(ConnectionResetFault(after_events=1), session_id=session_id)
    async with connected(emulator) as client:
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        assert (await stream.response())[0] == 200
        await send_audio(stream, start, chunks_of(9, 3, 320), end=False)
        await client.wait_lost()
        assert isinstance(client.lost_error, ConnectionResetError)
        assert client.goaway is None
        with pytest.raises(ConnectionClosedError):
            await stream.messages()
    record = await emulator.records.wait_ended(session_id)
    assert record.end_reason == "fault:reset"
    await assert_serves(emulator)


@pytest.mark.asyncio
async def test_fault_rst_stream(emulator: TranscribeEmulator) -> None:
    session_id = str(uuid.uuid4())
    emulator.faults.add(RstStreamFault(error_code=0x2, after_events=1), session_id=session_id)
    async with connected(emulator) as client:
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        assert (await stream.response())[0] == 200
        await send_audio(stream, start, chunks_of(10, 3, 320), end=False)
        with pytest.raises(StreamResetError) as caught:
            await stream.messages()
        assert caught.value.error_code == 0x2
        record = await emulator.records.wait_ended(session_id)
        assert record.end_reason == "fault:rst-stream"
        await assert_serves(emulator, client)  # the connection is still usable


@pytest.mark.asyncio
async def test_fault_goaway(emulator: TranscribeEmulator) -> None:
    session_id = str(uuid.uuid4())
    emulator.faults.add(GoAwayFault(error_code=0xB, after_events=1), session_id=session_id)
    async with connected(emulator) as client:
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        assert (await stream.response())[0] == 200
        await send_audio(stream, start, chunks_of(11, 3, 320), end=False)
        await client.wait_lost()
        assert client.goaway is not None
        assert client.goaway.error_code == 0xB
        assert client.goaway.last_stream_id == stream.stream_id
    record = await emulator.records.wait_ended(session_id)
    assert record.end_reason == "fault:goaway"
    await assert_serves(emulator)


@pytest.mark.asyncio
async def test_fault_stall_then_cleared(emulator: TranscribeEmulator) -> None:
    """A stalled stream reads and sends nothing (and never times out) until
    the rule is removed; then it completes with all its audio."""
    session_id = str(uuid.uuid4())
    rule = emulator.faults.add(StallFault(after_events=1), session_id=session_id)
    async with connected(emulator) as client:
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        assert (await stream.response())[0] == 200
        chunks = chunks_of(12, 10, 32 * 1024)  # 320 KiB > the 256 KiB stream window
        sender = asyncio.ensure_future(send_audio(stream, start, chunks))
        record = await emulator.records.wait_started(session_id, audio_events=1)
        # The client's window runs dry: its sender blocks on flow control.
        await asyncio.wait_for(stream.blocked.wait(), 10)
        assert client.h2.local_flow_control_window(stream.stream_id) == 0
        assert not sender.done()
        assert record.faults == ["stall"]
        assert record.audio_events == 1 and not record.ended
        assert record.events_sent == 0
        # Nothing polls: the stalled stream only wakes on a fault change.
        emulator.faults.remove(rule)
        assert await asyncio.wait_for(sender, 10)
        messages = await stream.messages()
        assert payload(messages[-1])["Transcript"]["Results"][0]["IsPartial"] is False
        ended = await emulator.records.wait_ended(session_id)
        assert ended.end_reason == "completed"
        assert ended.audio_sha256 == sha256_of(chunks)


@pytest.mark.asyncio
async def test_fault_stall_sending_only(emulator: TranscribeEmulator) -> None:
    session_id = str(uuid.uuid4())
    rule = emulator.faults.add(
        StallFault(reading=False, sending=True, after_events=0), session_id=session_id
    )
    async with connected(emulator) as client:
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        assert (await stream.response())[0] == 200
        chunks = chunks_of(13, 4, 320)
        assert await send_audio(stream, start, chunks, end=False)
        # Input is read until there is output to send (chunk 2 makes a
        # partial result); that output is held back, and with it the stream.
        record = await emulator.records.wait_started(session_id, audio_events=2)
        assert record.events_sent == 0 and len(stream.body) == 0
        emulator.faults.remove(rule)
        assert await stream.send(start.signer.sign_end(), end_stream=True)
        messages = await stream.messages()
        assert len(messages) == 3  # partials after chunks 2 and 4, then the final
        assert (await emulator.records.wait_ended(session_id)).end_reason == "completed"


@pytest.mark.asyncio
async def test_fault_tiny_window_slow_reader(state_dir: Path) -> None:
    async with running(state_dir) as emulator:
        emulator.faults.add(SlowReaderFault(window=1024, ack_bytes=512, interval=0.01))
        async with connected(emulator) as client:
            await client.wait_settings()
            assert client.remote_initial_window == 1024
            session_id = str(uuid.uuid4())
            chunks = chunks_of(14, 8, 1000)
            start = start_request(authority(emulator), session_id=session_id)
            stream = client.request(start.headers)
            assert (await stream.response())[0] == 200
            assert await send_audio(stream, start, chunks)
            messages = await stream.messages()
            assert payload(messages[-1])["Transcript"]["Results"][0]["IsPartial"] is False
            # ~8.7 KB through a 1 KiB window: many small WINDOW_UPDATEs.
            assert stream.max_window_seen <= 1024
            assert stream.window_updates >= 6
            record = await emulator.records.wait_ended(session_id)
            assert record.end_reason == "completed" and record.faults == ["slow-reader"]
            assert record.audio_sha256 == sha256_of(chunks)


@pytest.mark.asyncio
async def test_server_respects_the_clients_window(state_dir: Path) -> None:
    """The server waits for WINDOW_UPDATE instead of overrunning a client that
    does not read (and does not spin meanwhile)."""
    engine = CountingEngine(partial_every=1)
    async with running(state_dir, engine=engine) as emulator:
        async with connected(emulator, auto_ack=False) as client:
            session_id = str(uuid.uuid4())
            start = start_request(authority(emulator), session_id=session_id)
            stream = client.request(start.headers)
            assert (await stream.response())[0] == 200
            # Each chunk yields a partial result with one more item: far more
            # than the 65535-byte default window after a few hundred chunks.
            chunks = chunks_of(15, 150, 32)
            sender = asyncio.ensure_future(send_audio(stream, start, chunks))
            while len(stream.body) < 60000:
                await stream._wait(asyncio.get_running_loop().time() + 10)
            assert len(stream.body) <= 65535
            assert not stream.ended
            # Reading resumes: acknowledge everything received so far and on.
            client.auto_ack = True
            client.h2.acknowledge_received_data(len(stream.body), stream.stream_id)
            client.h2.increment_flow_control_window(10 * 1024 * 1024)
            client.h2.increment_flow_control_window(10 * 1024 * 1024, stream.stream_id)
            client.flush()
            assert await asyncio.wait_for(sender, 10)
            await stream.messages(timeout=20)
            record = await emulator.records.wait_ended(session_id, timeout=20)
            assert record.end_reason == "completed"
            assert record.events_sent == 151


# -- lifecycle -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_close_leaves_no_task_or_thread(state_dir: Path) -> None:
    threads_before = set(threading.enumerate())
    tasks_before = asyncio.all_tasks()
    engine = CountingEngine(blocking=True)
    emulator = TranscribeEmulator(state_dir=state_dir, engine=engine)
    await emulator.start()
    client = await H2Client.connect("127.0.0.1", emulator.port, ca_file=str(emulator.ca_file))
    try:
        await assert_serves(emulator, client)
        # One stream left open and one stalled mid-way when the emulator closes.
        open_id, stalled_id = str(uuid.uuid4()), str(uuid.uuid4())
        emulator.faults.add(StallFault(after_events=1), session_id=stalled_id)
        streams = []
        for session_id in (open_id, stalled_id):
            start = start_request(authority(emulator), session_id=session_id)
            stream = client.request(start.headers)
            assert (await stream.response())[0] == 200
            await stream.send(start.signer.sign(audio_event(b"\x00" * 320)))
            await emulator.records.wait_started(session_id, audio_events=1)
            streams.append(stream)
        await emulator.close()
        for stream in streams:
            await stream.wait_closed()
        await client.wait_lost()
        assert client.goaway is not None
        for session_id in (open_id, stalled_id):
            assert emulator.records.by_session(session_id)[0].end_reason == "server-closed"
        assert engine.closed == engine.opened == 4
    finally:
        await client.close()
        await emulator.close()
    assert asyncio.all_tasks() <= tasks_before | {asyncio.current_task()}
    leftover = [t for t in set(threading.enumerate()) - threads_before if t.is_alive()]
    assert leftover == []


# -- command line and pytest plugin -------------------------------------------------------


def test_help_documents_every_option() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "amazon_transcribe.emulator", "--help"],
        capture_output=True, text=True, timeout=30, cwd=ROOT,
    )
    assert completed.returncode == 0
    options = [
        "--host", "--port", "--engine", "--script", "--no-verify", "--access-key-id",
        "--secret-access-key", "--region", "--state-dir", "--idle-timeout",
        "--max-duration", "--max-sessions", "--fault", "--log-level",
    ]
    for option in options:
        assert option in completed.stdout
    # And every option of the parser has help text.
    for action in build_parser()._actions:
        assert action.help, action.option_strings


async def _read_ready_lines(process: asyncio.subprocess.Process) -> Dict[str, str]:
    assert process.stdout is not None
    environment: Dict[str, str] = {}
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert line, "the emulator exited before printing its environment"
        if line.startswith("export "):
            name, _, value = line[len("export "):].strip().partition("=")
            environment[name] = shlex.split(value)[0]
        if line.startswith("# CA certificate"):
            return environment


FAULTY_SESSION = "f0000000-0000-4000-8000-000000000000"


@pytest.mark.asyncio
async def test_command_line_prints_usable_environment(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "amazon_transcribe.emulator", "--port", "0",
        "--state-dir", str(tmp_path / "state"), "--idle-timeout", "5", "--engine", "scripted",
        "--fault", f"exception:type=BadRequestException,session={FAULTY_SESSION},message=No, thanks",
        "--log-level", "WARNING",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
    )
    try:
        environment = await _read_ready_lines(process)
        assert set(environment) == {
            "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING", "AWS_CA_BUNDLE", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
            "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING_WEBSOCKET",
        }
        endpoint = environment["AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING"]
        assert endpoint.startswith("https://127.0.0.1:")
        port = int(endpoint.rsplit(":", 1)[1])
        client = await H2Client.connect(
            "127.0.0.1", port, ca_file=environment["AWS_CA_BUNDLE"]
        )
        try:
            options = dict(
                access_key=environment["AWS_ACCESS_KEY_ID"],
                secret_key=environment["AWS_SECRET_ACCESS_KEY"],
                region=environment["AWS_REGION"],
            )
            result = await run_stream(
                client, f"127.0.0.1:{port}", chunks_of(16, 5, 3200), **options
            )
            assert result.status == 200 and result.exception() is None
            assert result.messages and result.body
            # The --fault given on the command line is in force.
            faulty = await run_stream(
                client, f"127.0.0.1:{port}", chunks_of(17, 2, 320), session_id=FAULTY_SESSION,
                **options,
            )
            assert faulty.exception() == ("BadRequestException", "No, thanks")
        finally:
            await client.close()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.wait_for(process.wait(), 30)


@pytest.mark.asyncio
async def test_command_line_transcribes_speech_by_default(tmp_path: Path) -> None:
    # Only where to listen and keep certificates is given: the engine is
    # the default one, which must transcribe.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "amazon_transcribe.emulator", "--port", "0",
        "--state-dir", str(tmp_path / "state"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
    )
    try:
        environment = await _read_ready_lines(process)
        port = int(environment["AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING"].rsplit(":", 1)[1])
        with wave.open(str(ASSETS / "sense-0880.wav")) as wav:
            pcm = wav.readframes(wav.getnframes())
        chunks = [pcm[i : i + 3200] for i in range(0, len(pcm), 3200)]
        client = await H2Client.connect("127.0.0.1", port, ca_file=environment["AWS_CA_BUNDLE"])
        try:
            result = await run_stream(client, f"127.0.0.1:{port}", chunks, timeout=30.0)
        finally:
            await client.close()
        assert result.status == 200 and result.exception() is None
        finals = [
            r["Alternatives"][0]["Transcript"]
            for event in result.events()
            for r in event["Transcript"]["Results"]
            if not r["IsPartial"]
        ]
        text = " ".join(finals)
        assert word_error_rate("he was not an ill disposed young man", text) <= 0.5, text
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.wait_for(process.wait(), 30)


def test_command_line_defaults_are_documented() -> None:
    help_text = " ".join(build_parser().format_help().split())
    assert "(default: 'sphinx', so that speech gets a transcript; 'scripted' when --script" in help_text
    args = build_parser().parse_args([])
    assert args.engine is None and args.script is None  # resolved to sphinx in main()
    assert (args.handshake_timeout, args.preface_timeout, args.idle_connection_timeout) == (
        5.0, 5.0, 60.0,
    )


def test_command_line_rejects_a_bad_fault() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "amazon_transcribe.emulator", "--fault", "explode"],
        capture_output=True, text=True, timeout=30, cwd=ROOT,
    )
    assert completed.returncode == 2
    assert "unknown fault kind" in completed.stderr


PLUGIN_TEST = textwrap.dedent(
    """
    import ssl
    import pytest

    @pytest.mark.asyncio
    async def test_fixture(transcribe_emulator):
        env = transcribe_emulator.environment()
        assert env["AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING"] == transcribe_emulator.endpoint
        assert transcribe_emulator.endpoint.startswith("https://127.0.0.1:")
        import asyncio
        context = ssl.create_default_context(cafile=env["AWS_CA_BUNDLE"])
        context.set_alpn_protocols(["h2"])
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", transcribe_emulator.port, ssl=context, server_hostname="localhost")
        assert writer.get_extra_info("ssl_object").selected_alpn_protocol() == "h2"
        writer.close()
        assert len(transcribe_emulator.records) == 0
    """
)


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_pytest_plugin_fixture(tmp_path: Path, mode: str) -> None:
    (tmp_path / "test_uses_fixture.py").write_text(PLUGIN_TEST)
    environment = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    completed = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "pytest_asyncio.plugin",
            "-p", "amazon_transcribe.emulator.pytest_plugin", f"--asyncio-mode={mode}",
            "-o", "asyncio_default_fixture_loop_scope=function", "--rootdir", str(tmp_path),
            "-c", os.devnull, str(tmp_path / "test_uses_fixture.py"),
        ],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env=environment,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "1 passed" in completed.stdout
