"""Audio the service cannot take, decoded with PyAV to 16-bit PCM it can.

PyAV (FFmpeg) is optional: it is imported only when a file needs it, and
:class:`ConversionUnavailable` says so when it is missing. The core SDK
never needs it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, NamedTuple, Optional


class ConversionError(ValueError):
    """PyAV cannot read the file as audio."""


class ConversionUnavailable(ConversionError):
    """PyAV is not installed."""


class Probe(NamedTuple):
    """What a file holds, as PyAV reads it."""

    #: Sample rate of the first audio stream.
    rate: int
    #: Its channels.
    channels: int
    #: Its duration in seconds, when the file says.
    duration: Optional[float]


def _import_av() -> Any:
    try:
        return importlib.import_module("av")
    except ImportError:
        return None


def conversion_advice(path: str) -> str:
    """What to do about a file that needs converting, when PyAV is missing.

    :param path: the file, as the user named it.
    :returns: the advice.
    """
    return (
        "install PyAV to convert it automatically (pip install av), or convert it "
        f"to 16-bit PCM WAV yourself, e.g. ffmpeg -i {path} -ac 1 -ar 16000 "
        "-sample_fmt s16 out.wav"
    )


def probe_audio(path: Path) -> Probe:
    """Read the first audio stream's format.

    :param path: the file.
    :returns: its rate, channels and duration.
    :raises ConversionUnavailable: PyAV is not installed.
    :raises ConversionError: no audio stream, or not a format PyAV reads.
    """
    av = _import_av()
    if av is None:
        raise ConversionUnavailable("PyAV is not installed")
    try:
        with av.open(str(path)) as container:
            streams = [s for s in container.streams if s.type == "audio"]
            if not streams:
                raise ConversionError("no audio stream in the file")
            stream = streams[0]
            rate = int(stream.codec_context.sample_rate or stream.rate or 16000)
            channels = int(stream.codec_context.channels or 1)
            duration: Optional[float] = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
    except ConversionError:
        raise
    except Exception as exc:  # PyAV raises its own error types per FFmpeg error
        raise ConversionError(
            f"not an audio format that can be read ({exc}); the service takes "
            "16-bit PCM, FLAC or Ogg Opus"
        ) from exc
    return Probe(rate, channels, duration)


def decode_to_pcm(path: Path, rate: int, channels: int) -> bytes:
    """Decode the first audio stream to 16-bit little-endian PCM (blocking).

    :param path: the file.
    :param rate: the sample rate to resample to.
    :param channels: 1 or 2.
    :returns: the interleaved samples.
    """
    av = _import_av()
    out = bytearray()
    resampler = av.AudioResampler(
        format="s16", layout="stereo" if channels == 2 else "mono", rate=rate
    )
    with av.open(str(path)) as container:
        stream = next(s for s in container.streams if s.type == "audio")
        frames = list(container.decode(stream))
    for frame in frames + [None]:
        for converted in resampler.resample(frame):
            # Planes can be padded past the samples: keep the samples only.
            size = converted.samples * channels * 2
            out += bytes(converted.planes[0])[:size]
    return bytes(out)
