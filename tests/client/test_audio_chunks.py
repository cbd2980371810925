"""A chunk longer than one audio event may carry is split by the SDK.

PROTOCOL.md §11.2: at most 32 KiB and at most one second of audio per event;
the service refuses larger events ("Your stream is too big"). The SDK sends a
longer chunk as several events of whole samples, the same bytes in order.
"""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.streams import _audio_event_limit

from .support import collect, make_client, start


@pytest.mark.parametrize(
    "rate, channels, limit",
    [(16000, None, 32000), (8000, 1, 16000), (48000, 2, 32768), (44100, 1, 32768),
     (11025, 2, 32768), (22050, 1, 32768), (None, None, 32768)],
)
def test_limit_is_32_kib_and_one_second_of_whole_frames(rate, channels, limit) -> None:  # type: ignore[no-untyped-def]
    assert _audio_event_limit(rate, channels) == limit
    assert limit % (2 * (channels or 1)) == 0


async def test_a_ten_second_chunk_goes_as_ten_one_second_events(
    transcribe_emulator: TranscribeEmulator,
) -> None:
    audio = bytes(range(256)) * 1250  # 320,000 bytes: 10 s of 16 kHz mono PCM
    async with make_client(transcribe_emulator) as client:
        stream = await start(client)

        async def send() -> None:
            await stream.input_stream.send_audio_event(audio)
            await stream.input_stream.end_stream()

        await asyncio.wait_for(asyncio.gather(send(), collect(stream)), 15)
    record = transcribe_emulator.records[-1]
    assert record.end_reason == "completed" and record.error is None
    assert (record.audio_events, record.audio_bytes) == (10, len(audio))
    assert record.audio_sha256 == hashlib.sha256(audio).hexdigest()


async def test_a_chunk_within_the_limit_is_one_event(
    transcribe_emulator: TranscribeEmulator,
) -> None:
    chunk = memoryview(b"\x01\x00" * 8000)  # exactly one second at 8 kHz
    async with make_client(transcribe_emulator) as client:
        stream = await start(client, media_sample_rate_hz=8000)

        async def send() -> None:
            await stream.input_stream.send_audio_event(chunk)
            await stream.input_stream.end_stream()

        await asyncio.wait_for(asyncio.gather(send(), collect(stream)), 15)
    record = transcribe_emulator.records[-1]
    assert (record.audio_events, record.audio_bytes) == (1, 16000)
