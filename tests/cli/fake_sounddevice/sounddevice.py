"""A fake ``sounddevice`` for the command line's ``--mic`` test (no sound card here).

Put this directory first on ``PYTHONPATH`` and ``import sounddevice`` finds
it. ``RawInputStream`` delivers ``FAKE_SOUNDDEVICE_BLOCKS`` blocks (default
30) of 16-bit samples from its own thread, as PortAudio would, then nothing:
block ``n`` holds the sample value ``n`` in every slot, so the bytes that
reach the emulator can be checked exactly. No clock is involved.
"""

from __future__ import annotations

import os
import struct
import threading
from typing import Any, Callable, Optional


def block(n: int, frames: int, channels: int) -> bytes:
    """The bytes of block ``n``."""
    return struct.pack("<h", n) * (frames * channels)


class RawInputStream:
    def __init__(self, *, samplerate: int, channels: int, dtype: str, blocksize: int,
                 device: Any = None, callback: Callable[..., None]) -> None:
        assert dtype == "int16"
        self.frames = blocksize
        self.channels = channels
        self.callback = callback
        self.thread: Optional[threading.Thread] = None
        self.closed = False

    def start(self) -> None:
        count = int(os.environ.get("FAKE_SOUNDDEVICE_BLOCKS", "30"))

        def run() -> None:
            for n in range(count):
                self.callback(block(n, self.frames, self.channels), self.frames, None, None)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.join(timeout=5)

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> "RawInputStream":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        self.close()
