"""The microphone's chunks: PortAudio's callback thread handed over to the event loop.

``sounddevice`` calls back on a thread of its own with a buffer it reuses;
each block is copied there and handed to the loop with
``call_soon_threadsafe``. Live audio cannot wait, so when the consumer is
more than ``limit`` blocks behind, the oldest block is dropped and counted.
:func:`amazon_transcribe.sources.microphone` wraps this in an
:class:`~amazon_transcribe.sources.AudioSource`; this module knows nothing of
sources, only of the device.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncGenerator, Callable, Set, Union

__all__ = ["device_blocks"]


async def device_blocks(
    sounddevice: Any,
    *,
    sample_rate: int,
    channels: int,
    device: Union[int, str, None],
    frames: int,
    limit: int,
    stopped: "asyncio.Future[None]",
    on_drop: Callable[[], None],
    open_failed: Callable[[Exception], Exception],
) -> AsyncGenerator[bytes, None]:
    """Yield the device's 16-bit PCM blocks until ``stopped`` is done.

    :param sounddevice: the imported ``sounddevice`` module.
    :param sample_rate: the rate to record at, in Hz.
    :param channels: channels to record.
    :param device: the input device (number or name); the default one if None.
    :param frames: frames per block.
    :param limit: blocks kept while the consumer is late.
    :param stopped: done when recording must end.
    :param on_drop: called on the loop for each block dropped.
    :param open_failed: turns the error of opening the device into the one raised.
    :returns: an async iterator of blocks; the device closes when it ends.
    """
    loop = asyncio.get_running_loop()
    queue: "asyncio.Queue[bytes]" = asyncio.Queue()

    def put(data: bytes) -> None:
        if queue.qsize() >= limit:
            queue.get_nowait()
            on_drop()
        queue.put_nowait(data)

    def callback(indata: Any, frame_count: int, time_info: Any, status: Any) -> None:
        # On PortAudio's thread: copy now (the buffer is reused), hand over.
        data = bytes(indata)
        try:
            loop.call_soon_threadsafe(put, data)
        except RuntimeError:
            pass  # the loop closed while the device was still running

    try:
        device_stream = sounddevice.RawInputStream(
            samplerate=sample_rate, channels=channels, dtype="int16",
            blocksize=frames, device=device, callback=callback,
        )
        device_stream.start()
    except Exception as exc:  # PortAudioError and friends
        raise open_failed(exc) from exc
    try:
        while True:
            get = asyncio.ensure_future(queue.get())
            waits: "Set[asyncio.Future[Any]]" = {get, stopped}
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if not get.done():
                get.cancel()
                return
            yield get.result()
    finally:
        device_stream.stop()
        device_stream.close()
