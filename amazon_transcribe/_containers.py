"""Audio container headers, read from a file's first bytes: WAV, FLAC, Ogg Opus.

What :func:`~amazon_transcribe.sources.open_audio` needs to know before it
sends a file: its sample rate, channels, sample format, where the audio
starts and how long it lasts. Pure parsing of a seekable binary file: no
audio is decoded, nothing else is imported.
"""

from __future__ import annotations

import os
import struct
from typing import IO, Optional, Tuple

#: WAV ``fmt `` tags: integer PCM, and the extensible form that carries the
#: real tag in its sub-format GUID.
WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_EXTENSIBLE = 0xFFFE


class ContainerError(ValueError):
    """The file is not the container it looked like, or is truncated."""


class WavInfo:
    """What a WAV file's ``fmt `` and ``data`` chunks say."""

    def __init__(self, format_tag: int, channels: int, rate: int, bits: int,
                 data_offset: int, data_length: int) -> None:
        self.format_tag = format_tag
        self.channels = channels
        self.rate = rate
        self.bits = bits
        self.data_offset = data_offset
        self.data_length = data_length


def parse_wav(file: IO[bytes], size: int, name: str) -> WavInfo:
    header = file.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        raise ContainerError(f"{name}: not a RIFF/WAVE file")
    fmt: Optional[Tuple[int, int, int, int]] = None
    while True:
        chunk_header = file.read(8)
        if len(chunk_header) < 8:
            raise ContainerError(f"{name}: WAV file without a data chunk")
        chunk_id, chunk_size = chunk_header[:4], struct.unpack("<I", chunk_header[4:])[0]
        if chunk_id == b"fmt ":
            body = file.read(chunk_size + (chunk_size & 1))
            if len(body) < 16:
                raise ContainerError(f"{name}: truncated WAV fmt chunk")
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == WAVE_FORMAT_EXTENSIBLE and len(body) >= 26:
                # The real format is the first two bytes of the sub-format GUID.
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            if fmt is None:
                raise ContainerError(f"{name}: WAV data chunk before its fmt chunk")
            offset = file.tell()
            # Streamed WAV files leave the size at 0 or 0xFFFFFFFF: read to the end.
            if chunk_size in (0, 0xFFFFFFFF) or offset + chunk_size > size:
                chunk_size = size - offset
            return WavInfo(*fmt, data_offset=offset, data_length=chunk_size)
        else:
            file.seek(chunk_size + (chunk_size & 1), os.SEEK_CUR)


def skip_id3(file: IO[bytes]) -> int:
    """Skip an ID3v2 tag (some tools put one before FLAC); return where audio starts."""
    head = file.read(10)
    if len(head) == 10 and head[:3] == b"ID3":
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        return 10 + size + (10 if head[5] & 0x10 else 0)
    return 0


def parse_flac(file: IO[bytes], name: str) -> Tuple[int, int, int, Optional[int], int]:
    """Return (rate, channels, bits per sample, total samples, header bytes)."""
    start = skip_id3(file)
    file.seek(start)
    if file.read(4) != b"fLaC":
        raise ContainerError(f"{name}: not a FLAC file")
    streaminfo: Optional[bytes] = None
    while True:
        block = file.read(4)
        if len(block) < 4:
            raise ContainerError(f"{name}: truncated FLAC metadata")
        last, kind = block[0] & 0x80, block[0] & 0x7F
        length = int.from_bytes(block[1:4], "big")
        body = file.read(length)
        if kind == 0:
            streaminfo = body
        if last:
            break
    if streaminfo is None or len(streaminfo) < 18:
        raise ContainerError(f"{name}: FLAC file without STREAMINFO")
    # STREAMINFO bytes 10-17: 20 bits rate, 3 bits channels-1, 5 bits
    # bits-per-sample-1, 36 bits total samples (0 = unknown).
    packed = int.from_bytes(streaminfo[10:18], "big")
    rate = packed >> 44
    channels = ((packed >> 41) & 0x7) + 1
    bits = ((packed >> 36) & 0x1F) + 1
    total = packed & 0xFFFFFFFFF
    return rate, channels, bits, (total or None), file.tell()


def parse_ogg_opus(file: IO[bytes], size: int, name: str) -> Tuple[int, int, Optional[float]]:
    """Return (the input rate OpusHead declares, 0 if none; channels; duration) from
    OpusHead and the last page."""
    page = file.read(27)
    if len(page) < 27 or page[:4] != b"OggS":
        raise ContainerError(f"{name}: not an Ogg file")
    segments = page[26]
    lacing = file.read(segments)
    head = file.read(sum(lacing))
    if head[:8] != b"OpusHead" or len(head) < 19:
        raise ContainerError(
            f"{name}: an Ogg file that is not Opus (the service takes Ogg Opus only)"
        )
    channels = head[9]
    pre_skip = struct.unpack("<H", head[10:12])[0]
    input_rate = struct.unpack("<I", head[12:16])[0]
    duration: Optional[float] = None
    tail_start = max(0, size - 65536)
    file.seek(tail_start)
    tail = file.read()
    last = tail.rfind(b"OggS")
    if last >= 0 and last + 14 <= len(tail):
        granule = struct.unpack("<q", tail[last + 6 : last + 14])[0]
        if granule > pre_skip:
            duration = (granule - pre_skip) / 48000.0
    return input_rate, channels, duration
