"""Every fault the emulator injects reaches the client's sender and reader, typed, in time.

And afterwards nothing is left: no task, no connection (on the emulator's
side), no extra native thread.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional, Tuple, Type

import pytest

from amazon_transcribe.auth import StaticCredentialResolver
from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.faults import (
    ConnectionResetFault,
    ExceptionFault,
    GoAwayFault,
    HttpErrorFault,
    RstStreamFault,
    SlowReaderFault,
    StallFault,
)
from amazon_transcribe.exceptions import (
    BadRequestException,
    ConflictException,
    HTTPException,
    InternalFailureException,
    LimitExceededException,
    SDKError,
    ServiceException,
    ServiceUnavailableException,
    TimeoutException,
)
from amazon_transcribe.httpsession import Timeouts

from .support import (
    collect,
    make_client,
    native_threads,
    other_tasks,
    pcm,
    send_all,
    sha256,
    start,
)

CHUNK = b"\x01\x00" * 1600  # 100 ms of 16 kHz audio
TIMEOUTS = Timeouts(connect=3, response=3, read=1.5, write=1.5)


async def _drive(stream: Any, events: int = 200) -> Optional[BaseException]:
    """Send up to ``events`` chunks; return the error the sender got, if any."""
    try:
        for _ in range(events):
            await stream.input_stream.send_audio_event(CHUNK)
        await stream.input_stream.end_stream()
    except SDKError as exc:
        return exc
    return None


async def _read(stream: Any) -> Optional[BaseException]:
    try:
        await collect(stream)
    except SDKError as exc:
        return exc
    return None


async def _run(client: TranscribeStreamingClient) -> Tuple[Optional[BaseException], Optional[BaseException]]:
    stream = await start(client)
    sent, read = await asyncio.wait_for(
        asyncio.gather(_drive(stream), _read(stream)), timeout=10)
    await stream.aclose()
    return sent, read


async def _assert_clean(emulator: TranscribeEmulator, tasks_before: set, threads_before: int) -> None:
    assert other_tasks() - tasks_before == set()
    await emulator.wait_no_connections(timeout=5)
    # Native threads: the CRT's process-wide event-loop group may have been
    # created by this test, but no thread per stream or connection remains.
    assert native_threads() <= threads_before + 2


@pytest.mark.parametrize(
    "error_type, cls",
    [
        ("BadRequestException", BadRequestException),
        ("ConflictException", ConflictException),
        ("InternalFailureException", InternalFailureException),
        ("LimitExceededException", LimitExceededException),
        ("ServiceUnavailableException", ServiceUnavailableException),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_exception_mid_stream_reaches_sender_and_reader(
        transcribe_emulator: TranscribeEmulator, error_type: str, cls: Type[ServiceException]) -> None:
    transcribe_emulator.faults.add(ExceptionFault(error_type, "injected " + error_type,
                                                  after_events=3))
    tasks, threads = other_tasks(), native_threads()
    async with make_client(transcribe_emulator, timeouts=TIMEOUTS) as client:
        sent, read = await _run(client)
    for error in (sent, read):
        assert isinstance(error, cls), error
        assert error.message == "injected " + error_type and error.request_id
    assert sent.retryable is cls.default_retryable  # type: ignore[union-attr]
    await _assert_clean(transcribe_emulator, tasks, threads)


@pytest.mark.parametrize(
    "status, error_type, cls",
    [(400, "BadRequestException", BadRequestException),
     (429, "LimitExceededException", LimitExceededException),
     (500, "InternalFailureException", InternalFailureException),
     (503, "ServiceUnavailableException", ServiceUnavailableException)],
    ids=["400", "429", "500", "503"],
)
async def test_http_error_before_stream(transcribe_emulator: TranscribeEmulator, status: int,
                                        error_type: str, cls: Type[ServiceException]) -> None:
    transcribe_emulator.faults.add(HttpErrorFault(error_type, "nope", status=status))
    tasks, threads = other_tasks(), native_threads()
    async with make_client(transcribe_emulator, timeouts=TIMEOUTS) as client:
        with pytest.raises(cls) as info:
            await start(client)
    assert info.value.status_code == status and info.value.message == "nope"
    await _assert_clean(transcribe_emulator, tasks, threads)


@pytest.mark.parametrize(
    "fault",
    [ConnectionResetFault(after_events=3), RstStreamFault(after_events=3),
     GoAwayFault(after_events=3)],
    ids=["reset", "rst-stream", "goaway"],
)
async def test_transport_faults(transcribe_emulator: TranscribeEmulator, fault: Any) -> None:
    transcribe_emulator.faults.add(fault)
    tasks, threads = other_tasks(), native_threads()
    async with make_client(transcribe_emulator, timeouts=TIMEOUTS) as client:
        sent, read = await _run(client)
    assert isinstance(sent, HTTPException), sent
    assert isinstance(read, HTTPException), read
    assert str(read)
    await _assert_clean(transcribe_emulator, tasks, threads)


async def test_stall_times_out_for_sender_and_reader(
        transcribe_emulator: TranscribeEmulator) -> None:
    transcribe_emulator.faults.add(StallFault(reading=True, sending=True, after_events=1))
    tasks, threads = other_tasks(), native_threads()
    async with make_client(transcribe_emulator, timeouts=TIMEOUTS) as client:
        stream = await start(client)
        # The sender fills the flow-control window and the write window, then
        # waits; the reader hears nothing. Both time out, typed.
        sent, read = await asyncio.wait_for(
            asyncio.gather(_drive(stream, events=2000), _read(stream)), timeout=10)
        await stream.aclose()
    assert isinstance(read, TimeoutException) and "1.5 s" in str(read)
    assert isinstance(sent, (TimeoutException, HTTPException)), sent
    transcribe_emulator.faults.clear()
    await _assert_clean(transcribe_emulator, tasks, threads)


async def test_slow_reader_still_gets_every_byte(transcribe_emulator: TranscribeEmulator) -> None:
    transcribe_emulator.faults.add(SlowReaderFault(window=4096, ack_bytes=16384, interval=0.01))
    audio = pcm()[:96000]
    async with make_client(transcribe_emulator, timeouts=TIMEOUTS) as client:
        stream = await start(client)
        await asyncio.wait_for(asyncio.gather(send_all(stream, audio), collect(stream)), 20)
    record = await transcribe_emulator.records.wait_ended(stream.response.session_id, timeout=10)
    assert record.audio_sha256 == sha256(audio)


async def test_untrusted_certificate(transcribe_emulator: TranscribeEmulator,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # No CA bundle anywhere: the system trust store, which does not know the
    # emulator's CA.
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    creds = transcribe_emulator.credentials
    client = TranscribeStreamingClient(
        region="us-east-1", endpoint=transcribe_emulator.endpoint, ca_bundle=None,
        credential_resolver=StaticCredentialResolver(creds.access_key_id, creds.secret_access_key),
        timeouts=TIMEOUTS)
    tasks = other_tasks()
    with pytest.raises(HTTPException) as info:
        await start(client)
    assert "certificate is not trusted" in str(info.value) and "AWS_CA_BUNDLE" in str(info.value)
    assert other_tasks() - tasks == set()


async def test_unreachable_port(transcribe_emulator: TranscribeEmulator) -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(transcribe_emulator, timeouts=TIMEOUTS,
                         endpoint=f"https://127.0.0.1:{port}")
    tasks = other_tasks()
    with pytest.raises(HTTPException) as info:
        await asyncio.wait_for(start(client), 10)
    assert f"127.0.0.1:{port}" in str(info.value)
    assert other_tasks() - tasks == set()
