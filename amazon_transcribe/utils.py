"""Helpers kept from amazon-transcribe 0.6.4.

Besides its helpers, 0.6.4's module held names it imported from the
package (``version``, ``ValidationException``,
``StartStreamTranscriptionEventStream``); code may import them from here,
so they are re-exported.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterable, Union

from . import __version__ as version
from .exceptions import ValidationException as ValidationException
from .streams import StartStreamTranscriptionEventStream as StartStreamTranscriptionEventStream

__all__ = [
    "apply_realtime_delay",
    "ensure_boolean",
]


def ensure_boolean(val: Union[bool, str]) -> bool:
    """Read a boolean that may have come as text (a header value, say).

    :param val: a :class:`bool`, returned as it is, or a string, which is
        true when it is ``"true"`` in any letter case (anything else is false).
    :returns: the boolean.
    :raises AttributeError: ``val`` is neither a bool nor a string (as in 0.6.4).
    """
    if isinstance(val, bool):
        return val
    return val.lower() == "true"


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
