"""The optional warm connection (``warm_connection=True``), against the emulator."""

from __future__ import annotations

import asyncio

import pytest

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.exceptions import SDKError

from .support import make_client, sha256, start

CHUNK = b"\x01\x00" * 1600


async def _one_stream(client: object) -> None:
    stream = await start(client)  # type: ignore[arg-type]
    await stream.input_stream.send_audio_event(CHUNK)
    await stream.input_stream.end_stream()
    async for _ in stream.output_stream:
        pass


async def test_a_stream_starts_on_the_warm_connection_and_the_next_one_is_opened(
    transcribe_emulator: TranscribeEmulator,
) -> None:
    client = make_client(transcribe_emulator, warm_connection=True)
    async with client:
        await client.warm_up()
        assert transcribe_emulator.open_connections == 1
        stream = await start(client)
        # The stream took the warm connection: no second one was opened.
        assert transcribe_emulator.open_connections == 1
        await stream.input_stream.send_audio_event(CHUNK)
        await stream.input_stream.end_stream()
        async for _ in stream.output_stream:
            pass
        # Its end opened the next one in the background; warm_up waits for it.
        await asyncio.wait_for(client.warm_up(), 5)
        assert client.warm_connection_ready
        await _one_stream(client)
    await transcribe_emulator.wait_no_connections(5)  # closing the client closed it
    assert [r.audio_sha256 for r in transcribe_emulator.records] == [sha256(CHUNK)] * 2


async def test_a_warm_connection_the_server_closed_is_not_used(
    transcribe_emulator_state_dir: object,
) -> None:
    async with TranscribeEmulator(
        state_dir=transcribe_emulator_state_dir, idle_connection_timeout=0.2  # type: ignore[arg-type]
    ) as emulator:
        async with make_client(emulator, warm_connection=True) as client:
            await client.warm_up()
            await emulator.wait_no_connections(5)  # the server closed the idle connection
            await _one_stream(client)  # on a new connection
        assert [r.audio_sha256 for r in emulator.records] == [sha256(CHUNK)]


async def test_warm_up_needs_the_option_and_an_open_client(
    transcribe_emulator: TranscribeEmulator,
) -> None:
    client = make_client(transcribe_emulator)
    with pytest.raises(SDKError, match="warm_connection=True"):
        await client.warm_up()
    await client.close()
    warm = make_client(transcribe_emulator, warm_connection=True)
    await warm.close()
    with pytest.raises(SDKError, match="closed"):
        await warm.warm_up()
    assert transcribe_emulator.open_connections == 0
