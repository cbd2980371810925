"""The original 0.6.4 README's quick start, in its shape, against the emulator.

The same calls, in the same order, with the same arguments: a client made
with only a region (us-west-2, as there), the file read with aiofile in
8 KiB chunks (the WAV header included, as the quick start does), paced by
``apply_realtime_delay``, a handler subclass printing every alternative, and
``asyncio.gather`` of the writer and ``handle_events``. Only the environment
points it at the emulator.
"""

from __future__ import annotations

import asyncio
from typing import List

import aiofile
import pytest

from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.handlers import TranscriptResultStreamHandler
from amazon_transcribe.model import TranscriptEvent
from amazon_transcribe.utils import apply_realtime_delay

from .support import ASSETS

SAMPLE_RATE = 16000
BYTES_PER_SAMPLE = 2
CHANNEL_NUMS = 1
CHUNK_SIZE = 1024 * 8
REGION = "us-west-2"


async def test_quick_start(transcribe_emulator: TranscribeEmulator,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in transcribe_emulator.environment().items():
        if name != "AWS_REGION":
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    printed: List[str] = []

    class MyEventHandler(TranscriptResultStreamHandler):
        async def handle_transcript_event(self, transcript_event: TranscriptEvent) -> None:
            for result in transcript_event.transcript.results:
                for alt in result.alternatives:
                    printed.append(alt.transcript)

    async def basic_transcribe() -> None:
        client = TranscribeStreamingClient(region=REGION)
        stream = await client.start_stream_transcription(
            language_code="en-US",
            media_sample_rate_hz=SAMPLE_RATE,
            media_encoding="pcm",
        )

        async def write_chunks() -> None:
            async with aiofile.AIOFile(str(ASSETS / "sense-0880.wav"), "rb") as afp:
                reader = aiofile.Reader(afp, chunk_size=CHUNK_SIZE)
                await apply_realtime_delay(
                    stream, reader, BYTES_PER_SAMPLE, SAMPLE_RATE, CHANNEL_NUMS
                )
            await stream.input_stream.end_stream()

        handler = MyEventHandler(stream.output_stream)
        await asyncio.gather(write_chunks(), handler.handle_events())

    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(basic_transcribe(), 30)
    elapsed = loop.time() - started
    # 95,724 bytes of 16 kHz 16-bit mono: 2.99 s of audio, sent in real time.
    assert 2.9 <= elapsed < 10
    assert printed and printed[-1] == "Hello from the Amazon Transcribe emulator."
    record = transcribe_emulator.records[-1]
    assert record.end_reason == "completed" and record.audio_bytes == 95724
