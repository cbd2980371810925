"""Audio events larger than the service takes are refused as the service refuses them.

The service ends such a stream with ``BadRequestException`` "Your stream is
too big. Reduce the frame size and try your request again." (PROTOCOL.md
§11.2 for the documented limits: 32 KB, later one second of audio).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator._validation import STREAM_TOO_BIG, check_audio_event_size
from amazon_transcribe.emulator.engine import StreamSettings
from amazon_transcribe.emulator.errors import ServiceError

from .h2client import H2Client
from .streaming import CountingEngine, run_stream


def settings(rate: int, channels: int = 1, operation: str = "StartStreamTranscription") -> StreamSettings:
    return StreamSettings(operation=operation, session_id="s", media_encoding="pcm",
                          sample_rate=rate, channels=channels)


@pytest.mark.parametrize(
    "rate, channels, operation, accepted, refused",
    [
        # 16 kHz mono: one second is 32,000 B, under 32 KiB: 32 KiB is the limit.
        (16000, 1, "StartStreamTranscription", 32768, 32769),
        # 8 kHz mono: one second is 16,000 B; the older 32 KiB limit still holds.
        (8000, 1, "StartStreamTranscription", 32768, 32769),
        # 48 kHz stereo: one second is 192,000 B.
        (48000, 2, "StartStreamTranscription", 192000, 192001),
        # Call analytics may be stereo (its channels are in the configuration).
        (16000, 1, "StartCallAnalyticsStreamTranscription", 64000, 64001),
    ],
    ids=["16k-mono", "8k-mono", "48k-stereo", "call-analytics"],
)
def test_limit_is_the_larger_of_32_kib_and_one_second(
    rate: int, channels: int, operation: str, accepted: int, refused: int
) -> None:
    check_audio_event_size(settings(rate, channels, operation), accepted)
    with pytest.raises(ServiceError) as info:
        check_audio_event_size(settings(rate, channels, operation), refused)
    assert (info.value.error_type, info.value.message) == ("BadRequestException", STREAM_TOO_BIG)


async def test_ten_second_event_sent_raw_is_refused(tmp_path: Path) -> None:
    ten_seconds = b"\x01\x00" * 16000 * 10
    async with TranscribeEmulator(state_dir=tmp_path, engine=CountingEngine()) as emulator:
        client = await H2Client.connect("127.0.0.1", emulator.port, ca_file=str(emulator.ca_file))
        try:
            result = await run_stream(
                client, f"127.0.0.1:{emulator.port}", [b"\x00" * 3200, ten_seconds]
            )
        finally:
            await client.close()
        assert result.status == 200
        assert result.exception() == (
            "BadRequestException",
            "Your stream is too big. Reduce the frame size and try your request again.",
        )
        record = emulator.records[-1]
        # The first (small) event was taken; the oversized one was not.
        assert (record.audio_events, record.audio_bytes) == (1, 3200)
        assert record.error == ("BadRequestException", STREAM_TOO_BIG)
