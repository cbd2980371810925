"""The emulator's WebSocket endpoint, driven by a raw WebSocket client.

URLs are presigned by the SDK (:mod:`amazon_transcribe.presign`, awscrt's
signer) and checked by the emulator's own SigV4 verifier: two independent
implementations. Frames are read as they come (``wsclient``), so the tests
see the exception frames and the close codes themselves.
"""

from __future__ import annotations

import datetime
import json
import uuid
import wave
from pathlib import Path
from typing import AsyncIterator, List, Optional
from urllib.parse import urlsplit, urlunsplit

import pytest

from amazon_transcribe.auth import StaticCredentialResolver
from amazon_transcribe.emulator import ExceptionFault, HttpErrorFault, TranscribeEmulator
from amazon_transcribe.emulator.wer import word_error_rate
from amazon_transcribe.eventstream import Message, encode_message
from amazon_transcribe.presign import presign_websocket_url
from amazon_transcribe.shapes import StartStreamTranscriptionRequest

from .wsclient import WsClient, audio_event

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SESSION_ENV, SESSION_SENSE, SESSION_GONE = (str(uuid.uuid4()) for _ in range(3))
REFERENCE_0870 = (
    "and mister john dashwood had then leisure to consider how much there might be "
    "prudently in his power to do for them"
)
CHUNK = 3200  # 100 ms of 16 kHz mono PCM


def pcm(name: str) -> bytes:
    with wave.open(str(ASSETS / name), "rb") as wav:
        return wav.readframes(wav.getnframes())


def request(**options: object) -> StartStreamTranscriptionRequest:
    values = {"language_code": "en-US", "media_sample_rate_hz": 16000, "media_encoding": "pcm"}
    values.update(options)
    return StartStreamTranscriptionRequest(**values)  # type: ignore[arg-type]


async def presign(emulator: TranscribeEmulator, **kwargs: object) -> str:
    credentials = emulator.credentials
    return await presign_websocket_url(
        kwargs.pop("request", None) or request(),  # type: ignore[arg-type]
        region=emulator.region,
        endpoint=emulator.websocket_endpoint,
        credential_resolver=StaticCredentialResolver(
            credentials.access_key_id, credentials.secret_access_key
        ),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
async def emulator(transcribe_emulator_state_dir: Path) -> AsyncIterator[TranscribeEmulator]:
    async with TranscribeEmulator(state_dir=transcribe_emulator_state_dir) as running:
        yield running


async def open_stream(emulator: TranscribeEmulator, url: str) -> WsClient:
    client = WsClient(url, emulator.ca_file)
    received = await client.connect()
    assert received.accepted, received
    return client


def exception_of(message: Optional[Message]) -> tuple:
    assert message is not None
    assert message.headers[":message-type"] == "exception"
    assert message.headers[":content-type"] == "application/json"
    return message.headers[":exception-type"], json.loads(message.payload)["Message"]


async def test_environment_lines_lead_the_presigner_to_the_websocket_endpoint(
    emulator: TranscribeEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = emulator.environment()
    assert environment["AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING_WEBSOCKET"] == (
        f"wss://127.0.0.1:{emulator.websocket_port}"
    )
    assert emulator.websocket_port != emulator.port
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # No argument but the request: region, endpoint and credentials all
    # come from the printed environment (the credential chain reads the keys).
    url = await presign_websocket_url(request(session_id=SESSION_ENV))
    assert url.startswith(f"wss://127.0.0.1:{emulator.websocket_port}/stream-transcription-websocket?")
    client = await open_stream(emulator, url)
    await client.send_bytes(audio_event(b"\0" * CHUNK))
    await client.send_bytes(audio_event(b""))
    received = await client.until_closed()
    await client.close()
    assert received.close_code == 1000
    assert all(m.headers[":message-type"] == "event" for m in received.messages)
    record = await emulator.records.wait_ended(SESSION_ENV)
    assert record.end_reason == "completed"
    assert record.request_signature_valid is True
    assert record.end_frame_received is True
    assert record.operation == "StartStreamTranscription"


async def test_sense_0870_gives_partials_then_finals(transcribe_emulator_state_dir: Path) -> None:
    async with TranscribeEmulator(state_dir=transcribe_emulator_state_dir, engine="sphinx") as emu:
        client = await open_stream(emu, await presign(emu, request=request(session_id=SESSION_SENSE)))
        accept = dict(client.received.accept_headers)
        assert accept["x-amzn-transcribe-session-id"] == SESSION_SENSE
        assert accept["x-amzn-request-id"]
        audio = pcm("sense-0870.wav")
        for start in range(0, len(audio), CHUNK):
            await client.send_bytes(audio_event(audio[start : start + CHUNK]))
        await client.send_bytes(audio_event(b""))
        received = await client.until_closed()
        await client.close()
    assert received.close_code == 1000
    kinds: List[bool] = []
    finals: List[str] = []
    for message in received.messages:
        assert message.headers[":event-type"] == "TranscriptEvent"
        for result in json.loads(message.payload)["Transcript"]["Results"]:
            kinds.append(result["IsPartial"])
            if not result["IsPartial"]:
                finals.append(result["Alternatives"][0]["Transcript"])
    assert True in kinds and False in kinds
    assert kinds.index(True) < kinds.index(False), "a partial result comes before the first final"
    assert word_error_rate(REFERENCE_0870, " ".join(finals)) <= 0.35


async def test_expired_url_is_refused_as_unrecognized_client(emulator: TranscribeEmulator) -> None:
    signed_at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=400)
    client = await open_stream(emulator, await presign(emulator, date=signed_at, expires_in=300))
    error_type, message = exception_of(await client.next_message())
    received = await client.until_closed()
    await client.close()
    assert error_type == "UnrecognizedClientException"
    assert message.startswith("Signature expired:")
    assert received.close_code == 1000
    record = emulator.records.all()[-1]
    assert record.status == 403 and record.error is not None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda query: query.replace("language-code=en-US", "language-code=en-GB"),
        lambda query: query + "&show-speaker-label=true",
        lambda query: query[:-4] + ("0000" if not query.endswith("0000") else "1111"),
    ],
    ids=["changed-option", "added-option", "changed-signature"],
)
async def test_tampered_url_is_refused_as_unrecognized_client(
    emulator: TranscribeEmulator, tamper: object
) -> None:
    parts = urlsplit(await presign(emulator))
    url = urlunsplit(parts._replace(query=tamper(parts.query)))  # type: ignore[operator]
    client = await open_stream(emulator, url)
    error_type, message = exception_of(await client.next_message())
    received = await client.until_closed()
    await client.close()
    assert (error_type, received.close_code) == ("UnrecognizedClientException", 1000)
    assert "signature we calculated does not match" in message


async def test_unknown_access_key_is_refused(emulator: TranscribeEmulator) -> None:
    url = await presign_websocket_url(
        request(),
        region=emulator.region,
        endpoint=emulator.websocket_endpoint,
        credential_resolver=StaticCredentialResolver("AKIDUNKNOWN", "secret"),
    )
    client = await open_stream(emulator, url)
    error_type, _ = exception_of(await client.next_message())
    await client.close()
    assert error_type == "UnrecognizedClientException"


@pytest.mark.parametrize(
    "error_type",
    [
        "BadRequestException",
        "ConflictException",
        "InternalFailureException",
        "LimitExceededException",
        "ServiceUnavailableException",
    ],
)
async def test_each_modeled_exception_is_a_frame_then_a_close(
    emulator: TranscribeEmulator, error_type: str
) -> None:
    emulator.faults.add(ExceptionFault(error_type, f"injected {error_type}", 1))
    client = await open_stream(emulator, await presign(emulator))
    await client.send_bytes(audio_event(b"\0" * CHUNK))
    received = await client.until_closed()
    await client.close()
    assert received.messages, "the exception frame"
    assert exception_of(received.messages[-1]) == (error_type, f"injected {error_type}")
    assert received.close_code == 1000


async def test_an_error_before_the_stream_is_a_frame_too(emulator: TranscribeEmulator) -> None:
    emulator.faults.add(HttpErrorFault("ServiceUnavailableException", "busy", 503))
    client = await open_stream(emulator, await presign(emulator))
    assert exception_of(await client.next_message()) == ("ServiceUnavailableException", "busy")
    assert (await client.until_closed()).close_code == 1000
    await client.close()


async def test_invalid_option_is_a_bad_request(emulator: TranscribeEmulator) -> None:
    client = await open_stream(emulator, await presign(emulator, request=request(language_code="xx-XX")))
    error_type, message = exception_of(await client.next_message())
    await client.close()
    assert error_type == "BadRequestException"
    assert "xx-XX" in message


async def test_idle_timeout(transcribe_emulator_state_dir: Path) -> None:
    async with TranscribeEmulator(
        state_dir=transcribe_emulator_state_dir, idle_timeout=0.2
    ) as emulator:
        client = await open_stream(emulator, await presign(emulator))
        error = exception_of(await client.next_message())
        received = await client.until_closed()
        await client.close()
    assert error == (
        "BadRequestException",
        "Your request timed out because no new audio was received for 0.2 seconds.",
    )
    assert received.close_code == 1000


async def test_text_frame_is_refused_as_the_service_does(emulator: TranscribeEmulator) -> None:
    client = await open_stream(emulator, await presign(emulator))
    await client.send_text("hello")
    assert exception_of(await client.next_message()) == (
        "BadRequestException",
        "Unexpected WebSocket frame received.",
    )
    assert (await client.until_closed()).close_code == 1000
    await client.close()


@pytest.mark.parametrize(
    "frame, expected",
    [
        (b"\x00\x00\x00\x10garbage!", "Invalid input event stream"),
        (audio_event(b"\0" * 64)[:-1] + b"\x00", "Invalid input event stream"),
        (
            encode_message({":message-type": "event", ":event-type": "Nope"}, b""),
            "Unknown event type 'Nope'",
        ),
    ],
    ids=["not-a-message", "bad-crc", "unknown-event"],
)
async def test_bad_binary_frame_is_a_bad_request(
    emulator: TranscribeEmulator, frame: bytes, expected: str
) -> None:
    client = await open_stream(emulator, await presign(emulator))
    await client.send_bytes(audio_event(b"\0" * CHUNK))
    await client.send_bytes(frame)
    received = await client.until_closed()
    await client.close()
    error_type, message = exception_of(received.messages[-1])
    assert error_type == "BadRequestException"
    assert expected in message
    assert received.close_code == 1000


async def test_unknown_path_is_an_unknown_operation(emulator: TranscribeEmulator) -> None:
    url = (await presign(emulator)).replace("/stream-transcription-websocket", "/nope-websocket")
    client = await open_stream(emulator, url)
    error_type, message = exception_of(await client.next_message())
    await client.close()
    assert error_type == "UnknownOperationException"
    assert "/stream-transcription-websocket" in message


async def test_client_leaving_mid_stream_ends_the_stream(emulator: TranscribeEmulator) -> None:
    client = await open_stream(emulator, await presign(emulator, request=request(session_id=SESSION_GONE)))
    await client.send_bytes(audio_event(b"\0" * CHUNK))
    await emulator.records.wait_until(
        lambda records: next((r for r in records if r.audio_events >= 1), None), timeout=10
    )
    await client.close()
    record = await emulator.records.wait_ended(SESSION_GONE, timeout=10)
    assert record.end_reason in ("client-closed", "connection-lost")
