"""Helpers kept from amazon-transcribe 0.6.4."""

from __future__ import annotations

import asyncio
from typing import AsyncIterable, Union

from .streams import StartStreamTranscriptionEventStream

__all__ = ["apply_realtime_delay"]


async def apply_realtime_delay(
    stream: StartStreamTranscriptionEventStream,
    reader: AsyncIterable[Union[bytes, bytearray]],
    bytes_per_sample: int,
    sample_rate: float,
    channel_nums: int,
) -> None:
    """Send each chunk from ``reader`` as an audio event, no faster than real time.

    The pace is kept against a fixed start instant, so time spent sending
    does not accumulate as drift.

    :param stream: the started transcription.
    :param reader: an async iterable of PCM chunks.
    :param bytes_per_sample: bytes per sample of one channel (2 for 16-bit PCM).
    :param sample_rate: samples per second.
    :param channel_nums: number of channels.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    bytes_per_second = bytes_per_sample * sample_rate * channel_nums
    sent = 0
    async for chunk in reader:
        await stream.input_stream.send_audio_event(audio_chunk=bytes(chunk))
        sent += len(chunk)
        delay = start + sent / bytes_per_second - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
