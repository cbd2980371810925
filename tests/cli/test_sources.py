"""Unit tests of the audio sources (no network): formats, chunk sizes, pacing, conversion."""

from __future__ import annotations

import asyncio
import io
import math
import struct
import sys
import wave
from pathlib import Path
from typing import List

import pytest

from amazon_transcribe import sources
from amazon_transcribe.sources import (
    AudioFormatError,
    open_audio,
    pcm_chunk_bytes,
    pcm_stream,
    raw_pcm_file,
)

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def wav_pcm(name: str) -> bytes:
    with wave.open(str(ASSETS / name)) as wav:
        return wav.readframes(wav.getnframes())


async def collect(source: sources.AudioSource, realtime: bool = False) -> List[bytes]:
    return [chunk async for chunk in source.chunks(realtime=realtime)]


def float_wav(path: Path, rate: int, channels: int, seconds: float) -> None:
    """A 32-bit float WAV (format tag 3): something the service does not take."""
    frames = int(rate * seconds)
    data = b"".join(
        struct.pack("<f", 0.3 * math.sin(2 * math.pi * 440 * i / rate)) * channels
        for i in range(frames)
    )
    fmt = struct.pack("<HHIIHH", 3, channels, rate, rate * 4 * channels, 4 * channels, 32)
    path.write_bytes(
        b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + b"data" + struct.pack("<I", len(data)) + data
    )


@pytest.mark.parametrize(
    "rate, channels, duration, expected",
    [(16000, 1, 0.1, 3200), (8000, 1, 0.1, 1600), (16000, 2, 0.1, 6400),
     (48000, 2, 0.2, 32768), (44100, 1, 0.05, 4410)],
    ids=["16k", "8k", "stereo", "capped-32KiB", "44.1k-50ms"],
)
def test_pcm_chunk_bytes(rate: int, channels: int, duration: float, expected: int) -> None:
    assert pcm_chunk_bytes(rate, channels, duration) == expected
    assert expected % (2 * channels) == 0


async def test_wav_sends_pcm_data_only_in_100ms_chunks() -> None:
    source = open_audio(ASSETS / "sense-0870.wav")
    assert (source.media_encoding, source.sample_rate, source.channels) == ("pcm", 16000, 1)
    assert source.duration == pytest.approx(7.1, abs=0.01)
    chunks = await collect(source)
    assert b"".join(chunks) == wav_pcm("sense-0870.wav")
    assert {len(c) for c in chunks[:-1]} == {3200}
    assert source.position == pytest.approx(source.duration)


async def test_wav_8k() -> None:
    source = open_audio(ASSETS / "sense-0920-8k.wav")
    assert source.sample_rate == 8000
    chunks = await collect(source)
    assert len(chunks[0]) == 1600 and b"".join(chunks) == wav_pcm("sense-0920-8k.wav")


async def test_stereo_kept_or_mixed_down() -> None:
    stereo = open_audio(ASSETS / "two-speakers-stereo-16k.wav")
    assert stereo.channels == 2
    assert stereo.stream_options() == {
        "media_encoding": "pcm", "media_sample_rate_hz": 16000,
        "number_of_channels": 2, "enable_channel_identification": True}
    assert b"".join(await collect(stereo)) == wav_pcm("two-speakers-stereo-16k.wav")
    mono = open_audio(ASSETS / "two-speakers-stereo-16k.wav", mono=True)
    data = b"".join(await collect(mono))
    assert mono.channels == 1 and len(data) * 2 == len(wav_pcm("two-speakers-stereo-16k.wav"))


async def test_flac_header_parsed_and_file_sent_whole() -> None:
    source = open_audio(ASSETS / "sense-0870.flac")
    assert (source.media_encoding, source.sample_rate, source.channels) == ("flac", 16000, 1)
    assert source.duration == pytest.approx(7.1, abs=0.01)
    chunks = await collect(source)
    assert b"".join(chunks) == (ASSETS / "sense-0870.flac").read_bytes()
    # About 100 ms of audio per chunk: ~71 chunks for 7.1 s.
    assert 60 <= len(chunks) <= 80


async def test_ogg_opus_header_parsed() -> None:
    source = open_audio(ASSETS / "sense-0870.opus")
    assert (source.media_encoding, source.sample_rate, source.channels) == ("ogg-opus", 16000, 1)
    assert source.duration == pytest.approx(7.1, abs=0.05)
    assert b"".join(await collect(source)) == (ASSETS / "sense-0870.opus").read_bytes()


async def test_raw_pcm_file() -> None:
    source = raw_pcm_file(ASSETS / "goforward.raw", sample_rate=16000)
    assert source.duration == pytest.approx(2.79, abs=0.01)
    assert b"".join(await collect(source)) == (ASSETS / "goforward.raw").read_bytes()


async def test_pcm_stream_regroups_short_reads() -> None:
    data = (ASSETS / "goforward.raw").read_bytes()

    class Trickle(io.RawIOBase):
        """A pipe that returns at most 1000 bytes per read."""

        def __init__(self) -> None:
            self.offset = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            out = data[self.offset : self.offset + min(size, 1000)]
            self.offset += len(out)
            return out

    chunks = await collect(pcm_stream(Trickle(), sample_rate=16000))  # type: ignore[arg-type]
    assert b"".join(chunks) == data
    assert {len(c) for c in chunks[:-1]} == {3200}


async def test_float_wav_is_converted_with_pyav(tmp_path: Path) -> None:
    pytest.importorskip("av")
    path = tmp_path / "float.wav"
    float_wav(path, 44100, 2, 0.5)
    source = open_audio(path, mono=True)
    assert (source.media_encoding, source.sample_rate, source.channels) == ("pcm", 44100, 1)
    data = b"".join(await collect(source))
    assert abs(len(data) - 44100) <= 2048  # 0.5 s of 16-bit mono, give or take a frame


async def test_unconvertible_refused_with_advice(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "float.wav"
    float_wav(path, 16000, 1, 0.1)
    monkeypatch.setitem(sys.modules, "av", None)  # PyAV not installed
    with pytest.raises(AudioFormatError, match=r"float WAV.*pip install av.*ffmpeg"):
        open_audio(path)
    with pytest.raises(AudioFormatError, match="float WAV"):
        open_audio(path, convert=False)


async def test_not_audio_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not audio at all\n" * 10)
    with pytest.raises(AudioFormatError, match="notes.txt"):
        open_audio(path)


def test_missing_file() -> None:
    with pytest.raises(FileNotFoundError):
        open_audio(ASSETS / "no-such-file.wav")


async def test_realtime_pacing_has_no_drift() -> None:
    loop = asyncio.get_running_loop()
    source = raw_pcm_file(ASSETS / "goforward.raw", sample_rate=16000, chunk_duration=0.05)
    start = loop.time()
    times = []
    async for _ in source.chunks(realtime=True):
        times.append(loop.time() - start)
    # Chunk i is released when its audio has played: at (i + 1) * 50 ms.
    for i, t in enumerate(times[:-1]):
        assert abs(t - (i + 1) * 0.05) < 0.03, (i, t)
    assert times[-1] == pytest.approx(source.duration, abs=0.03)


async def test_stop_cuts_pacing_short() -> None:
    source = raw_pcm_file(ASSETS / "goforward.raw", sample_rate=16000)
    got = []
    async for chunk in source.chunks(realtime=True):
        got.append(chunk)
        if len(got) == 3:
            source.stop()
    assert len(got) == 3


def test_microphone_without_sounddevice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(sources.MicrophoneError, match=r"amazon-transcribe\[mic\]"):
        sources.microphone()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        raw_pcm_file(ASSETS / "goforward.raw", sample_rate=4000)
    with pytest.raises(ValueError):
        open_audio(ASSETS / "sense-0870.wav", chunk_duration=2)
