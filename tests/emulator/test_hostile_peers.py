"""Peers that break h2's connection state: the emulator's guards and timeouts.

Each test speaks raw HTTP/2 (or raw TLS, or raw TCP) to the emulator and
checks what comes back at the frame level: a ``GOAWAY`` with the right code,
a close, or a stream that completes in spite of the peer. Timeouts are set
short (fractions of a second) so the tests wait on the close itself, with a
bound a little above the timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import struct
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, List, Optional, Tuple

import pytest

from amazon_transcribe.emulator import TranscribeEmulator

from .h2client import H2Client, bounded, raw_frame
from .streaming import (
    CountingEngine,
    audio_event,
    chunks_of,
    run_stream,
    send_audio,
    sha256_of,
    start_request,
)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
GOAWAY, PING, SETTINGS = 0x7, 0x6, 0x4
NO_ERROR, PROTOCOL_ERROR, REFUSED_STREAM = 0x0, 0x1, 0x7
FRAME_SIZE_ERROR, ENHANCE_YOUR_CALM = 0x6, 0xB


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("emulator-state")


@contextlib.asynccontextmanager
async def running(state_dir: Path, **options: Any) -> AsyncIterator[TranscribeEmulator]:
    options.setdefault("engine", CountingEngine())
    options.setdefault("idle_timeout", 5.0)
    async with TranscribeEmulator(state_dir=state_dir, **options) as emulator:
        yield emulator


@contextlib.asynccontextmanager
async def connected(emulator: TranscribeEmulator) -> AsyncIterator[H2Client]:
    client = await H2Client.connect("127.0.0.1", emulator.port, ca_file=str(emulator.ca_file))
    try:
        yield client
    finally:
        await client.close()


def authority(emulator: TranscribeEmulator) -> str:
    return f"127.0.0.1:{emulator.port}"


def goaway_frame(error_code: int = NO_ERROR, last_stream_id: int = 0) -> bytes:
    return raw_frame(GOAWAY, struct.pack(">II", last_stream_id, error_code))


async def open_tls(emulator: TranscribeEmulator) -> Tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    context = ssl.create_default_context(cafile=str(emulator.ca_file))
    context.set_alpn_protocols(["h2"])
    return await bounded(
        asyncio.open_connection(
            "127.0.0.1", emulator.port, ssl=context, server_hostname="localhost"
        ),
        5.0,
    )


async def read_until_goaway(reader: asyncio.StreamReader, timeout: float) -> Optional[int]:
    """Read the server's frames until GOAWAY (its error code) or EOF (``None``)."""
    buffer = b""

    async def read() -> Optional[int]:
        nonlocal buffer
        while True:
            while len(buffer) >= 9:
                length = int.from_bytes(buffer[:3], "big")
                if len(buffer) < 9 + length:
                    break
                frame_type, payload = buffer[3], buffer[9 : 9 + length]
                buffer = buffer[9 + length :]
                if frame_type == GOAWAY:
                    return int.from_bytes(payload[4:8], "big")
            try:
                data = await reader.read(65536)
            except (ConnectionError, ssl.SSLError):
                return None
            if not data:
                return None
            buffer += data

    return await bounded(read(), timeout)


async def wait_eof(reader: asyncio.StreamReader, timeout: float) -> None:
    async def read() -> None:
        while True:
            try:
                if not await reader.read(65536):
                    return
            except (ConnectionError, ssl.SSLError):
                return

    await bounded(read(), timeout)


async def assert_serves(emulator: TranscribeEmulator, client: Optional[H2Client] = None) -> None:
    """A stream on ``client`` (if given) and on a new connection completes, audio intact."""
    chunks = chunks_of(7, 4, 640)
    async with contextlib.AsyncExitStack() as stack:
        clients: List[H2Client] = [] if client is None else [client]
        clients.append(await stack.enter_async_context(connected(emulator)))
        for each in clients:
            session_id = str(uuid.uuid4())
            result = await run_stream(
                each, authority(emulator), chunks, session_id=session_id, wait_response_first=False
            )
            assert result.status == 200 and result.exception() is None
            record = await emulator.records.wait_ended(session_id, timeout=10)
            assert record.end_reason == "completed"
            assert record.audio_sha256 == sha256_of(chunks)


# -- a client that says GOAWAY early (the AWS SDK for JavaScript) -----------------------


@pytest.mark.asyncio
async def test_goaway_after_response_headers_lets_the_stream_finish(state_dir: Path) -> None:
    chunks = chunks_of(11, 12, 3200)
    session_id = str(uuid.uuid4())
    async with running(state_dir) as emulator, connected(emulator) as client:
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        status, _ = await stream.response()
        assert status == 200
        client.send_raw(goaway_frame(NO_ERROR))
        assert await send_audio(stream, start, chunks)
        messages = await stream.messages()
        assert stream.ended and stream.reset_code is None
        assert [m.headers[":event-type"] for m in messages][-1] == "TranscriptEvent"
        record = await emulator.records.wait_ended(session_id, timeout=10)
        assert record.end_reason == "completed"
        assert record.audio_sha256 == sha256_of(chunks)
        assert record.end_frame_received
        # Its last stream done, the connection closes (with our GOAWAY first).
        await client.wait_lost()
        assert client.goaway is not None and client.goaway.error_code == NO_ERROR
        await emulator.wait_no_connections(timeout=5)


@pytest.mark.asyncio
async def test_no_new_stream_after_the_clients_goaway(state_dir: Path) -> None:
    chunks = chunks_of(12, 3, 640)
    async with running(state_dir) as emulator, connected(emulator) as client:
        first = start_request(authority(emulator))
        stream = client.request(first.headers)
        assert (await stream.response())[0] == 200
        client.send_raw(goaway_frame(NO_ERROR))
        late = client.request(start_request(authority(emulator)).headers)
        with pytest.raises(Exception) as refused:
            await late.response()
        assert late.reset_code == REFUSED_STREAM, refused.value
        # The stream that was open before the GOAWAY is unaffected.
        assert await send_audio(stream, first, chunks)
        await stream.messages()
        assert stream.ended and stream.reset_code is None
        await client.wait_lost()
    assert len(emulator.records.all()) == 1


@pytest.mark.asyncio
async def test_goaway_before_any_stream_closes_at_once(state_dir: Path) -> None:
    async with running(state_dir) as emulator, connected(emulator) as client:
        await client.wait_settings()
        client.send_raw(goaway_frame(NO_ERROR))
        await client.wait_lost(timeout=2.0)
        await emulator.wait_no_connections(timeout=2.0)


@pytest.mark.asyncio
async def test_goaway_with_an_error_ends_the_open_streams(state_dir: Path) -> None:
    session_id = str(uuid.uuid4())
    async with running(state_dir) as emulator, connected(emulator) as client:
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        assert (await stream.response())[0] == 200
        client.send_raw(goaway_frame(PROTOCOL_ERROR))
        await client.wait_lost(timeout=2.0)
        record = await emulator.records.wait_ended(session_id, timeout=5)
        assert record.end_reason == "client-closed"


# -- guards in front of h2 ------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("where", ["first-frame", "mid-connection"])
async def test_oversized_frame_header_gets_goaway_at_once(state_dir: Path, where: str) -> None:
    async with running(state_dir) as emulator:
        reader, writer = await open_tls(emulator)
        try:
            opening = PREFACE if where == "first-frame" else PREFACE + raw_frame(SETTINGS, b"")
            # 16 MiB - 1 declared (the 24-bit maximum), then random bytes:
            # nowhere near enough to complete the frame.
            writer.write(opening + b"\xff\xff\xff\x00\x00\x00\x00\x00\x01" + os.urandom(4096))
            code = await read_until_goaway(reader, timeout=1.0)
            assert code == FRAME_SIZE_ERROR
            await wait_eof(reader, timeout=2.0)
        finally:
            writer.close()
        await assert_serves(emulator)


@pytest.mark.asyncio
async def test_frame_header_split_across_reads_passes(state_dir: Path) -> None:
    # A well-formed connection whose bytes arrive one at a time: the preface
    # and every frame header in pieces. The stream must still complete.
    chunks = chunks_of(13, 2, 640)
    async with running(state_dir) as emulator:
        reader, writer = await open_tls(emulator)
        try:
            import h2.config
            import h2.connection

            conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
            conn.initiate_connection()
            session_id = str(uuid.uuid4())
            start = start_request(authority(emulator), session_id=session_id)
            conn.send_headers(1, start.headers)
            for chunk in chunks:
                conn.send_data(1, start.signer.sign(audio_event(chunk)))
            conn.send_data(1, start.signer.sign_end(), end_stream=True)
            wire = conn.data_to_send()
            for index in range(0, len(wire), 7):
                writer.write(wire[index : index + 7])
                await writer.drain()
            record = await emulator.records.wait_ended(session_id, timeout=10)
            assert record.end_reason == "completed"
            assert record.audio_sha256 == sha256_of(chunks)
        finally:
            writer.close()


@pytest.mark.asyncio
async def test_ping_flood_gets_enhance_your_calm(state_dir: Path) -> None:
    async with running(state_dir) as emulator:
        reader, writer = await open_tls(emulator)
        try:
            pings = b"".join(raw_frame(PING, index.to_bytes(8, "big")) for index in range(2000))
            writer.write(PREFACE + raw_frame(SETTINGS, b"") + pings)
            assert await read_until_goaway(reader, timeout=2.0) == ENHANCE_YOUR_CALM
            await wait_eof(reader, timeout=2.0)
        finally:
            writer.close()
        await assert_serves(emulator)


@pytest.mark.asyncio
async def test_endless_header_block_gets_enhance_your_calm(state_dir: Path) -> None:
    async with running(state_dir) as emulator:
        reader, writer = await open_tls(emulator)
        try:
            headers = raw_frame(0x1, b"\x82", stream_id=1)  # HEADERS without END_HEADERS
            continuation = raw_frame(0x9, b"\x00" * 16384, stream_id=1)
            writer.write(PREFACE + raw_frame(SETTINGS, b"") + headers + continuation * 12)
            assert await read_until_goaway(reader, timeout=2.0) == ENHANCE_YOUR_CALM
        finally:
            writer.close()


# -- timeouts -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_tls_connection_without_preface_is_closed(state_dir: Path) -> None:
    async with running(state_dir, preface_timeout=0.3) as emulator:
        reader, writer = await open_tls(emulator)
        try:
            await wait_eof(reader, timeout=2.0)
        finally:
            writer.close()
        await emulator.wait_no_connections(timeout=2.0)


@pytest.mark.asyncio
async def test_tcp_connection_without_tls_is_closed(state_dir: Path) -> None:
    async with running(state_dir, handshake_timeout=0.3) as emulator:
        reader, writer = await asyncio.open_connection("127.0.0.1", emulator.port)
        try:
            await wait_eof(reader, timeout=2.0)
        finally:
            writer.close()
        # A connection that never finished TLS was never counted.
        assert emulator.open_connections == 0
        await assert_serves(emulator)


@pytest.mark.asyncio
async def test_connection_with_no_stream_gets_goaway_after_the_idle_bound(state_dir: Path) -> None:
    async with running(state_dir, idle_connection_timeout=0.3) as emulator:
        async with connected(emulator) as client:
            await client.wait_lost(timeout=2.0)
            assert client.goaway is not None and client.goaway.error_code == NO_ERROR
        # A connection whose stream ended is idle again: the bound restarts.
        async with connected(emulator) as client:
            result = await run_stream(client, authority(emulator), chunks_of(3, 2, 640))
            assert result.status == 200
            await client.wait_lost(timeout=2.0)
            assert client.goaway is not None and client.goaway.error_code == NO_ERROR


# -- other state a real peer can change under us ----------------------------------------


@pytest.mark.asyncio
async def test_settings_changed_mid_stream(state_dir: Path) -> None:
    import h2.settings

    chunks = chunks_of(14, 8, 3200)
    session_id = str(uuid.uuid4())
    async with running(state_dir) as emulator, connected(emulator) as client:
        start = start_request(authority(emulator), session_id=session_id)
        stream = client.request(start.headers)
        assert (await stream.response())[0] == 200
        assert await send_audio(stream, start, chunks[:4], end=False)
        client.h2.update_settings(
            {
                # Smaller than the 65,535 the server assumed so far: its
                # windows of the open stream shrink (RFC 9113 section 6.9.2).
                # Kept above what it has sent, since h2's client-side window
                # manager would not reopen a window left negative.
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 16384,
                h2.settings.SettingCodes.MAX_FRAME_SIZE: 32768,
            }
        )
        client.flush()
        assert await send_audio(stream, start, chunks[4:])
        messages = await stream.messages()
        assert messages and stream.ended and stream.reset_code is None
        record = await emulator.records.wait_ended(session_id, timeout=10)
        assert record.end_reason == "completed"
        assert record.audio_sha256 == sha256_of(chunks)
        await assert_serves(emulator, client)


@pytest.mark.asyncio
async def test_window_update_on_a_closed_stream_is_harmless(state_dir: Path) -> None:
    async with running(state_dir) as emulator, connected(emulator) as client:
        result = await run_stream(client, authority(emulator), chunks_of(15, 2, 640))
        assert result.status == 200
        client.send_raw(raw_frame(0x8, (65536).to_bytes(4, "big"), stream_id=1))
        client.send_raw(raw_frame(0x8, (65536).to_bytes(4, "big"), stream_id=1))
        await assert_serves(emulator, client)
        assert client.goaway is None


@pytest.mark.asyncio
async def test_rst_stream_racing_the_response(state_dir: Path) -> None:
    async with running(state_dir) as emulator, connected(emulator) as client:
        for index in range(20):
            start = start_request(authority(emulator))
            stream = client.request(start.headers)
            await stream.send(start.signer.sign(audio_event(b"\x00" * 640)))
            if index % 2:
                await stream.response()
            stream.reset()
        await assert_serves(emulator, client)
        assert client.goaway is None


# -- header values that are not UTF-8 ---------------------------------------------


@pytest.mark.asyncio
async def test_a_header_value_that_is_not_utf8_is_answered_and_the_connection_serves_on(
    state_dir: Path,
) -> None:
    async with running(state_dir) as emulator, connected(emulator) as client:
        start = start_request(authority(emulator))
        headers = [
            (name, b"\xff\xfe" if name == "x-amzn-transcribe-language-code" else value)
            for name, value in start.headers
        ]
        stream = client.request(headers)  # type: ignore[arg-type]
        status, response_headers = await stream.response()
        # Read as U+FFFD, the value no longer matches its signature.
        assert status == 403
        assert response_headers["x-amzn-errortype"].startswith("InvalidSignatureException")
        await assert_serves(emulator, client)
