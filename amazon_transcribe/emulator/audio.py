"""From what a stream sends to 16-bit PCM per channel, at a recogniser's rate.

Audio events carry audio as the request declared it (``media-encoding``):
raw PCM, FLAC, Ogg Opus or G.711. A recogniser wants 16-bit mono PCM per
channel at one sample rate (16 kHz for the bundled PocketSphinx model). This
module turns one into the other **incrementally**, chunk by chunk, so results
can flow while audio does, and with a cost bounded by the new data (nothing is
re-decoded from the start of the stream):

* :class:`PcmDecoder` splits interleaved signed 16-bit little-endian PCM into
  channels, keeping a split sample or frame for the next chunk;
* :class:`G711Decoder` expands A-law / mu-law bytes (8-bit companded PCM);
* :class:`FlacDecoder` reads the native FLAC stream format: this module finds
  the metadata and the frame boundaries itself (the format is simple and its
  frame headers carry a CRC-8 and a frame/sample number that must follow on
  from the previous frame) and hands each complete frame to libavcodec's FLAC
  decoder through PyAV. A frame is decoded as soon as the header of the next
  one has arrived (the last one at the end of the stream), i.e. with a
  latency of one FLAC block (4096 samples by default, 256 ms at 16 kHz);
* :class:`OggOpusDecoder` reads Ogg pages (checking their CRC-32), assembles
  the Opus packets and decodes them with libavcodec's Opus decoder through
  PyAV, at 48 kHz, honouring the stream's pre-skip, output gain and end trim;
* :class:`Resampler` converts the sample rate with the SoX resampler
  (``soxr``), whose streaming interface keeps the filter state across chunks
  so chunk boundaries leave no artefacts;
* :class:`AudioPipeline` chains a decoder, an optional down-mix to mono and
  the resampler.

Why these libraries: PyAV (FFmpeg's decoders, wheels for every platform)
decodes both FLAC and Opus packet by packet. Its container demuxers, like
libsndfile (``soundfile``), want a file they can read ahead in: on a stream
that grows chunk by chunk libsndfile's FLAC reader fails ("flac decoder lost
sync") and FFmpeg's FLAC parser holds back about eight frames (two seconds
at 16 kHz) and does not return the last ones, hence the small framing code
here. ``soxr`` is a maintained binding of libsoxr, a high-quality resampler
with a streaming API, and handles any rate ratio (8000-48000 Hz); a numpy
implementation of a comparable filter would be slower and is not needed.
PyAV is imported only when a FLAC or Opus stream is opened.

Bad input never escapes as an arbitrary exception: malformed audio raises
:func:`~amazon_transcribe.emulator.errors.bad_request` with a message that
says what is wrong, and an unexpected internal failure raises
``InternalFailureException``.

Arrays are numpy ``int16`` arrays of shape ``(channels, samples)``.
"""

from __future__ import annotations

import abc
import struct
from typing import TYPE_CHECKING, Any, List, NoReturn, Optional, Sequence, Tuple, Type

import numpy as np
import numpy.typing as npt

from .errors import ServiceError, bad_request, internal_failure

if TYPE_CHECKING:  # pragma: no cover - typing only
    import av

__all__ = [
    "Samples",
    "TARGET_SAMPLE_RATE",
    "MIN_SAMPLE_RATE",
    "MAX_SAMPLE_RATE",
    "SUPPORTED_ENCODINGS",
    "AudioDecoder",
    "PcmDecoder",
    "G711Decoder",
    "FlacDecoder",
    "OggOpusDecoder",
    "Resampler",
    "AudioPipeline",
    "make_decoder",
    "empty_samples",
]

#: Audio as ``(channels, samples)`` signed 16-bit integers.
Samples = npt.NDArray[np.int16]

#: The rate the bundled recogniser works at.
TARGET_SAMPLE_RATE = 16000
#: Lowest sample rate a stream may declare (service model range).
MIN_SAMPLE_RATE = 8000
#: Highest sample rate a stream may declare (service model range).
MAX_SAMPLE_RATE = 48000

#: Media encodings this module decodes. ``g729`` (a patented narrow-band
#: codec with no decoder in the libraries used here) is not among them.
SUPPORTED_ENCODINGS = ("pcm", "flac", "ogg-opus", "g711-alaw", "g711-ulaw")

# A FLAC frame holds at most 65535 samples x 8 channels x 32 bits plus
# headers (about 2 MiB); more buffered bytes without a frame boundary means
# the data is not FLAC.
_MAX_FLAC_FRAME_BYTES = 4 * 1024 * 1024
# Opus packets carry at most 120 ms; an Opus packet spread over more bytes
# than this is corrupt (the format allows ~61 KiB per frame, 6 frames).
_MAX_OPUS_PACKET_BYTES = 6 * 61440
_OPUS_RATE = 48000


def empty_samples(channels: int) -> Samples:
    """:returns: an array of ``channels`` rows and no samples.

    :param channels: number of channels.
    """
    return np.zeros((channels, 0), dtype=np.int16)


def _to_int16(data: npt.NDArray[Any]) -> Samples:
    """Convert decoded samples of any sample format to ``int16``.

    :param data: integer samples (16- or 32-bit, left-justified as FFmpeg
        gives them) or floating-point samples in -1..1.
    :returns: the samples as ``int16``, same shape.
    """
    if data.dtype == np.int16:
        return data
    if data.dtype == np.int32:
        # FFmpeg left-justifies 24/32-bit samples in int32: keep the top 16.
        return (data >> 16).astype(np.int16)
    if data.dtype in (np.float32, np.float64):
        scaled = np.clip(np.rint(data * 32768.0), -32768, 32767)
        return scaled.astype(np.int16)
    if data.dtype == np.uint8:
        return ((data.astype(np.int16) - 128) << 8).astype(np.int16)
    raise internal_failure(f"unexpected decoded sample type {data.dtype}")


def _frame_samples(frame: av.AudioFrame, channels: int) -> Samples:
    """Turn a decoded PyAV audio frame into ``(channels, n)`` int16 samples.

    :param frame: the decoded frame.
    :param channels: its number of channels.
    :returns: the samples.
    """
    array = frame.to_ndarray()
    if not frame.format.is_planar:
        # Packed formats come as one row of interleaved samples.
        array = array.reshape(-1, channels).T
    return np.ascontiguousarray(_to_int16(array))


class AudioDecoder(abc.ABC):
    """Incremental decoder: bytes of one stream in, PCM samples out.

    :param channels: the number of channels the stream declared.
    """

    def __init__(self, channels: int) -> None:
        #: Channels in the decoded output (may be updated by the stream's
        #: own header for self-describing formats).
        self.channels = channels
        #: Sample rate of the decoded output; ``None`` until the stream's
        #: header says it.
        self.sample_rate: Optional[int] = None

    @abc.abstractmethod
    def feed(self, chunk: bytes) -> Samples:
        """Decode the next bytes of the stream.

        :param chunk: the bytes (any length, any split point).
        :returns: the samples they completed, ``(channels, n)``.
        :raises ServiceError: the data is not valid for the encoding.
        """

    @abc.abstractmethod
    def finish(self) -> Samples:
        """Decode whatever the end of the stream completes.

        :returns: the last samples.
        :raises ServiceError: the stream ends with incomplete data.
        """


class PcmDecoder(AudioDecoder):
    """Signed 16-bit little-endian interleaved PCM.

    :param channels: the number of interleaved channels.
    :param sample_rate: the declared sample rate.
    """

    def __init__(self, channels: int, sample_rate: int) -> None:
        super().__init__(channels)
        self.sample_rate = sample_rate
        self._frame_bytes = 2 * channels
        # Bytes of an incomplete sample frame left by the previous chunk.
        self._remainder = b""

    def feed(self, chunk: bytes) -> Samples:
        """Split the chunk into channels.

        :param chunk: PCM bytes; a trailing partial sample or frame is kept
            for the next chunk.
        :returns: the complete sample frames, ``(channels, n)``.
        """
        data = self._remainder + chunk if self._remainder else chunk
        usable = len(data) - len(data) % self._frame_bytes
        self._remainder = data[usable:]
        if not usable:
            return empty_samples(self.channels)
        interleaved = np.frombuffer(data, dtype="<i2", count=usable // 2)
        return np.ascontiguousarray(
            interleaved.reshape(-1, self.channels).T.astype(np.int16)
        )

    def finish(self) -> Samples:
        """Check that the stream ended on a whole frame.

        :returns: no samples.
        :raises ServiceError: ``BadRequestException`` when bytes of an
            incomplete sample (an odd byte) or frame are left over.
        """
        if self._remainder:
            left = len(self._remainder)
            what = "1 byte that does" if left == 1 else f"{left} bytes that do"
            raise bad_request(
                f"The PCM audio ended with {what} not form a whole sample frame "
                f"({self._frame_bytes} bytes: 16-bit little-endian samples x "
                f"{self.channels} channel{'s' if self.channels != 1 else ''})."
            )
        return empty_samples(self.channels)


def _ulaw_table() -> Samples:
    """:returns: the 16-bit linear value of each of the 256 mu-law codes."""
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(codes & 0x80, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> Samples:
    """:returns: the 16-bit linear value of each of the 256 A-law codes."""
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(
        exponent == 0,
        (mantissa << 4) + 8,
        ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0),
    )
    # In A-law a set sign bit means a positive sample.
    return np.where(codes & 0x80, magnitude, -magnitude).astype(np.int16)


class G711Decoder(AudioDecoder):
    """G.711 A-law or mu-law: one byte per sample, channels interleaved.

    :param law: ``"alaw"`` or ``"ulaw"``.
    :param channels: the number of interleaved channels.
    :param sample_rate: the declared sample rate (8000 Hz in telephony).
    :raises ValueError: ``law`` is neither.
    """

    def __init__(self, law: str, channels: int, sample_rate: int) -> None:
        super().__init__(channels)
        if law not in ("alaw", "ulaw"):
            raise ValueError(f"unknown G.711 law {law!r}")
        self.sample_rate = sample_rate
        self._table = _alaw_table() if law == "alaw" else _ulaw_table()
        self._remainder = b""

    def feed(self, chunk: bytes) -> Samples:
        """Expand the chunk to 16-bit samples.

        :param chunk: G.711 bytes.
        :returns: the complete sample frames, ``(channels, n)``.
        """
        data = self._remainder + chunk if self._remainder else chunk
        usable = len(data) - len(data) % self.channels
        self._remainder = data[usable:]
        codes = np.frombuffer(data, dtype=np.uint8, count=usable)
        linear = self._table[codes]
        return np.ascontiguousarray(linear.reshape(-1, self.channels).T)

    def finish(self) -> Samples:
        """Check that the stream ended on a whole frame.

        :returns: no samples.
        :raises ServiceError: ``BadRequestException`` on a partial frame.
        """
        if self._remainder:
            raise bad_request(
                f"The G.711 audio ended with {len(self._remainder)} byte(s) that do not "
                f"form a whole frame of {self.channels} channels."
            )
        return empty_samples(self.channels)


# --------------------------------------------------------------------- FLAC

# CRC-8 of FLAC frame headers: polynomial x^8 + x^2 + x + 1, initial value 0.
def _make_crc8_table() -> Tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table.append(crc)
    return tuple(table)


_CRC8 = _make_crc8_table()


def _crc8(data: Sequence[int]) -> int:
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


class _Incomplete(Exception):
    """More bytes are needed to parse a header."""


class _FlacFrameHeader:
    """The fields of a FLAC frame header that delimit frames."""

    __slots__ = ("variable", "number", "block_size", "channels", "length")

    def __init__(self, variable: bool, number: int, block_size: int, channels: int,
                 length: int) -> None:
        self.variable = variable
        self.number = number
        self.block_size = block_size
        self.channels = channels
        self.length = length


def _parse_flac_frame_header(buf: bytearray, pos: int) -> Optional[_FlacFrameHeader]:
    """Parse the frame header at ``buf[pos:]`` (FLAC format, RFC 9639 s. 9.1).

    :param buf: the buffered stream bytes.
    :param pos: where a frame might start.
    :returns: the header, or ``None`` when these bytes are not a valid one.
    :raises _Incomplete: the buffer ends inside the header.
    """
    end = len(buf)
    if pos + 4 > end:
        raise _Incomplete
    if buf[pos] != 0xFF or buf[pos + 1] not in (0xF8, 0xF9):
        return None
    variable = buf[pos + 1] == 0xF9
    block_code = buf[pos + 2] >> 4
    rate_code = buf[pos + 2] & 0x0F
    channel_code = buf[pos + 3] >> 4
    size_code = (buf[pos + 3] >> 1) & 0x07
    if block_code == 0 or rate_code == 0x0F or channel_code > 10:
        return None
    if size_code == 3 or buf[pos + 3] & 0x01:
        return None
    # The frame or sample number is coded like UTF-8 (up to 7 bytes).
    i = pos + 4
    if i >= end:
        raise _Incomplete
    first = buf[i]
    if first < 0x80:
        extra, number = 0, first
    elif first & 0xE0 == 0xC0:
        extra, number = 1, first & 0x1F
    elif first & 0xF0 == 0xE0:
        extra, number = 2, first & 0x0F
    elif first & 0xF8 == 0xF0:
        extra, number = 3, first & 0x07
    elif first & 0xFC == 0xF8:
        extra, number = 4, first & 0x03
    elif first & 0xFE == 0xFC:
        extra, number = 5, first & 0x01
    elif first == 0xFE and variable:
        extra, number = 6, 0
    else:
        return None
    i += 1
    if i + extra > end:
        raise _Incomplete
    for k in range(extra):
        byte = buf[i + k]
        if byte & 0xC0 != 0x80:
            return None
        number = (number << 6) | (byte & 0x3F)
    i += extra
    if block_code == 1:
        block_size = 192
    elif 2 <= block_code <= 5:
        block_size = 576 << (block_code - 2)
    elif block_code == 6:
        if i + 1 > end:
            raise _Incomplete
        block_size = buf[i] + 1
        i += 1
    elif block_code == 7:
        if i + 2 > end:
            raise _Incomplete
        block_size = ((buf[i] << 8) | buf[i + 1]) + 1
        i += 2
    else:
        block_size = 256 << (block_code - 8)
    if rate_code == 12:
        i += 1
    elif rate_code in (13, 14):
        i += 2
    if i + 1 > end:
        raise _Incomplete
    if _crc8(buf[pos:i]) != buf[i]:
        return None
    channels = channel_code + 1 if channel_code < 8 else 2
    return _FlacFrameHeader(variable, number, block_size, channels, i + 1 - pos)


def _av_decoder_error(encoding: str, exc: BaseException) -> ServiceError:
    """:returns: the ``BadRequestException`` for data a decoder rejected.

    :param encoding: the declared media encoding.
    :param exc: what the decoder raised.
    """
    return bad_request(f"The audio is not valid {encoding} data: the decoder failed ({exc}).")


def _av_errors() -> Tuple[Type[BaseException], ...]:
    """:returns: the exception types PyAV raises for bad data."""
    import av

    # FFmpegError derives from ValueError or OSError depending on the code;
    # list the bases too so nothing from a bad packet escapes.
    return (av.FFmpegError, ValueError, OSError, EOFError)


class FlacDecoder(AudioDecoder):
    """Native FLAC stream (``fLaC`` marker, metadata blocks, frames).

    :param channels: the number of channels the stream declared.
    :param sample_rate: the declared sample rate; the stream's STREAMINFO
        must agree.
    """

    def __init__(self, channels: int, sample_rate: int) -> None:
        super().__init__(channels)
        import av

        self._declared_rate = sample_rate
        self._codec = av.CodecContext.create("flac", "r")
        # Have libavcodec check each frame's CRC-16 and fail on a mismatch,
        # so garbage after a valid header is reported, not decoded as noise.
        self._codec.options = {"err_detect": "crccheck+explode"}
        self._errors = _av_errors()
        self._buf = bytearray()
        # "marker" -> "metadata" -> "frames"
        self._state = "marker"
        self._skip = 0  # bytes of a skipped metadata block still to come
        self._last_metadata = False
        self._header: Optional[_FlacFrameHeader] = None  # of the frame at buf[0]
        self._scan = 0  # where to look for the next frame's sync code
        self._received = 0

    # ---- helpers

    def _parse_streaminfo(self, block: bytes) -> None:
        if len(block) < 34:
            raise bad_request("The FLAC STREAMINFO metadata block is too short.")
        rate = (block[10] << 12) | (block[11] << 4) | (block[12] >> 4)
        channels = ((block[12] >> 1) & 0x07) + 1
        if rate == 0:
            raise bad_request("The FLAC STREAMINFO block gives a sample rate of 0.")
        if rate != self._declared_rate:
            raise bad_request(
                f"The FLAC stream's sample rate ({rate} Hz) does not match the declared "
                f"media sample rate ({self._declared_rate} Hz)."
            )
        self.sample_rate = rate
        self.channels = channels
        self._codec.extradata = bytes(block[:34])

    def _read_metadata(self) -> None:
        buf = self._buf
        while self._state != "frames":
            if self._skip:
                dropped = min(self._skip, len(buf))
                del buf[:dropped]
                self._skip -= dropped
                if self._skip:
                    return
                if self._last_metadata:
                    self._state = "frames"
                    break
            if self._state == "marker":
                if len(buf) < 4:
                    head = bytes(buf)
                    if not (b"fLaC".startswith(head) or b"ID3".startswith(head[:3])):
                        self._not_flac()
                    return
                if buf[:3] == b"ID3":
                    # An ID3v2 tag before the marker: skip it (its size is a
                    # 28-bit "syncsafe" integer after a 6-byte preamble).
                    if len(buf) < 10:
                        return
                    size = 0
                    for byte in buf[6:10]:
                        size = (size << 7) | (byte & 0x7F)
                    self._skip = 10 + size
                    continue
                if buf[:4] != b"fLaC":
                    self._not_flac()
                del buf[:4]
                self._state = "metadata"
                continue
            # One metadata block: 1 bit "last", 7 bits type, 24 bits length.
            if len(buf) < 4:
                return
            block_type = buf[0] & 0x7F
            length = int.from_bytes(buf[1:4], "big")
            last = bool(buf[0] & 0x80)
            if self.sample_rate is None and block_type != 0:
                raise bad_request("The FLAC stream does not start with a STREAMINFO block.")
            if block_type == 0:
                if len(buf) < 4 + length:
                    return
                self._parse_streaminfo(bytes(buf[4 : 4 + length]))
                del buf[: 4 + length]
                if last:
                    self._state = "frames"
                continue
            if block_type == 127:
                raise bad_request("The FLAC stream has an invalid metadata block type.")
            del buf[:4]
            self._skip = length
            self._last_metadata = last
            if not length and last:
                self._state = "frames"

    def _not_flac(self) -> NoReturn:
        hint = " (this looks like an Ogg stream)" if bytes(self._buf[:4]) == b"OggS" else ""
        raise bad_request(
            f"The audio is not a FLAC stream{hint}: it does not start with the 'fLaC' marker."
        )

    def _decode(self, packet_bytes: Optional[bytes]) -> List[Samples]:
        import av

        out = []
        try:
            packet = None if packet_bytes is None else av.Packet(packet_bytes)
            for frame in self._codec.decode(packet):
                out.append(_frame_samples(frame, self.channels))
        except self._errors as exc:
            raise _av_decoder_error("FLAC", exc) from None
        return out

    def _follows(self, header: _FlacFrameHeader) -> bool:
        """Whether ``header`` can be the header of the frame after the current one."""
        current = self._header
        assert current is not None
        if header.variable != current.variable or header.channels != self.channels:
            return False
        if current.variable:
            return header.number == current.number + current.block_size
        return header.number == current.number + 1

    def _split_frames(self) -> List[Samples]:
        buf = self._buf
        out: List[Samples] = []
        while True:
            if self._header is None:
                try:
                    header = _parse_flac_frame_header(buf, 0)
                except _Incomplete:
                    return out
                if header is None or header.channels != self.channels:
                    raise bad_request("The FLAC data has an invalid frame header.")
                self._header = header
                self._scan = header.length
            # Look for the sync code of the next frame.
            end: Optional[int] = None
            while True:
                pos = buf.find(b"\xff", self._scan)
                if pos < 0:
                    self._scan = len(buf)
                    break
                try:
                    candidate = _parse_flac_frame_header(buf, pos)
                except _Incomplete:
                    self._scan = pos
                    break
                if candidate is not None and self._follows(candidate):
                    end = pos
                    break
                self._scan = pos + 1
            if end is None:
                if len(buf) > _MAX_FLAC_FRAME_BYTES:
                    raise bad_request(
                        "The FLAC data has no frame boundary in "
                        f"{_MAX_FLAC_FRAME_BYTES} bytes: it is not valid FLAC."
                    )
                return out
            frame = bytes(buf[:end])
            del buf[:end]
            self._header = None
            out.extend(self._decode(frame))

    # ---- interface

    def feed(self, chunk: bytes) -> Samples:
        """Decode the frames this chunk completes.

        :param chunk: the next bytes of the FLAC stream.
        :returns: the decoded samples, ``(channels, n)``.
        :raises ServiceError: ``BadRequestException`` when the bytes are not
            FLAC, or its rate does not match the declared one.
        """
        self._received += len(chunk)
        self._buf += chunk
        if self._state != "frames":
            self._read_metadata()
            if self._state != "frames":
                return empty_samples(self.channels)
        return _concat(self._split_frames(), self.channels)

    def finish(self) -> Samples:
        """Decode the last frame.

        :returns: its samples.
        :raises ServiceError: ``BadRequestException`` when the stream ended
            before its first frame or inside a frame.
        """
        if self._received == 0:
            return empty_samples(self.channels)
        if self._state != "frames":
            raise bad_request("The FLAC stream ended before its first audio frame.")
        out = self._split_frames()
        if self._buf:
            if self._header is None:
                raise bad_request("The FLAC stream ends with an incomplete frame header.")
            try:
                out.extend(self._decode(bytes(self._buf)))
            except ServiceError:
                raise bad_request(
                    "The FLAC stream ends with an incomplete or invalid frame."
                ) from None
            self._buf.clear()
        out.extend(self._decode(None))
        return _concat(out, self.channels)


def _concat(parts: List[Samples], channels: int) -> Samples:
    """:returns: the parts joined along time.

    :param parts: ``(channels, n)`` arrays.
    :param channels: rows of the result when there are no parts.
    """
    if not parts:
        return empty_samples(channels)
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts, axis=1)


# ---------------------------------------------------------------- Ogg Opus

def _make_ogg_crc_table() -> Tuple[int, ...]:
    # CRC-32 of Ogg pages: polynomial 0x04C11DB7, not reflected, init 0.
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
        table.append(crc)
    return tuple(table)


_OGG_CRC = _make_ogg_crc_table()


def _ogg_crc(data: bytes) -> int:
    crc = 0
    table = _OGG_CRC
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ table[(crc >> 24) ^ byte]
    return crc


class OggOpusDecoder(AudioDecoder):
    """Opus audio in an Ogg container (RFC 7845), mono or stereo.

    Output is at 48 kHz, Opus's decoding rate. Pages of other logical
    streams are ignored; a chained stream (a new Opus stream after the end
    of the previous one) continues the same timeline.

    :param channels: the number of channels the stream declared.
    """

    def __init__(self, channels: int) -> None:
        super().__init__(channels)
        import av  # noqa: F401  (fail early if PyAV is missing)

        self.sample_rate = _OPUS_RATE
        self._errors = _av_errors()
        self._buf = bytearray()
        self._serial: Optional[int] = None
        self._packet = bytearray()  # packet continued on the next page
        self._packets_seen = 0  # of the current logical stream
        self._ended = False  # the current logical stream's EOS page was seen
        self._codec: Any = None
        self._pre_skip = 0
        self._to_skip = 0
        self._gain = 1.0
        self._emitted = 0  # samples output for the current logical stream
        self._received = 0
        # The page being read: its lacing values (None between pages), type,
        # granule position, next segment and where that segment's bytes start.
        self._lacing: Optional[bytes] = None
        self._header_type = 0
        self._granule = -1
        self._next_segment = 0
        self._body_offset = 0
        self._page_ours = False

    def _parse_head(self, packet: bytes) -> None:
        import av

        if not packet.startswith(b"OpusHead"):
            kind = ""
            if packet.startswith(b"\x01vorbis"):
                kind = " (it holds Vorbis)"
            elif packet.startswith(b"\x7fFLAC"):
                kind = " (it holds FLAC)"
            raise bad_request(f"The Ogg stream does not contain Opus audio{kind}.")
        if len(packet) < 19:
            raise bad_request("The Opus identification header is too short.")
        version, channels, pre_skip, _rate, gain, family = struct.unpack(
            "<BBHIhB", packet[8:19]
        )
        if version >> 4:
            raise bad_request(f"Unsupported Opus header version {version}.")
        if family != 0 or channels not in (1, 2):
            raise bad_request(
                "Only mono or stereo Opus streams (channel mapping family 0) are "
                f"supported; this one has {channels} channels, mapping family {family}."
            )
        self.channels = channels
        self._pre_skip = self._to_skip = pre_skip
        # Output gain is Q7.8 dB (RFC 7845 s. 5.1); we apply it ourselves
        # since the decoder gets no header.
        self._gain = 10.0 ** (gain / (20.0 * 256.0))
        codec = av.CodecContext.create("opus", "r")
        codec.sample_rate = _OPUS_RATE
        # No extradata: pre-skip and gain are applied here so that the
        # output length never depends on the FFmpeg version.
        codec.layout = "mono" if channels == 1 else "stereo"
        self._codec = codec
        self._emitted = 0

    def _decode_packet(self, packet: Optional[bytes]) -> List[Samples]:
        import av

        out: List[Samples] = []
        try:
            avpacket = None if packet is None else av.Packet(packet)
            for frame in self._codec.decode(avpacket):
                out.append(self._post(frame))
        except self._errors as exc:
            raise _av_decoder_error("Ogg Opus", exc) from None
        return out

    def _post(self, frame: av.AudioFrame) -> Samples:
        array = frame.to_ndarray()
        if not frame.format.is_planar:
            array = array.reshape(-1, self.channels).T
        if self._gain != 1.0 and array.dtype.kind == "f":
            array = array * self._gain
        samples = np.ascontiguousarray(_to_int16(array))
        if self._to_skip:
            cut = min(self._to_skip, samples.shape[1])
            samples = samples[:, cut:]
            self._to_skip -= cut
        self._emitted += samples.shape[1]
        return samples

    def _begin_page(self, header_type: int, serial: int) -> None:
        """Start a page: decide whether it belongs to the decoded stream."""
        if header_type & 0x02:  # beginning of a logical stream
            if self._serial is None or self._ended:
                # The first stream, or the next one of a chain (the previous
                # decoder was flushed at its end-of-stream page).
                self._serial = serial
                self._packet.clear()
                self._packets_seen = 0
                self._ended = False
                self._codec = None
        self._page_ours = serial == self._serial
        if not self._page_ours:
            return  # another logical stream multiplexed in: not ours
        if self._ended:
            raise bad_request("The Ogg stream has pages after its end-of-stream page.")
        if not header_type & 0x01:  # not continuing the previous packet
            self._packet.clear()

    def _segment(self, data: bytes, last: bool) -> List[Samples]:
        """One lacing segment of a page: ``last`` when it ends a packet."""
        if not self._page_ours:
            return []
        self._packet += data
        if len(self._packet) > _MAX_OPUS_PACKET_BYTES:
            raise bad_request("The Ogg stream holds an oversized packet: it is not Opus.")
        if not last:
            return []
        packet = bytes(self._packet)
        self._packet.clear()
        return self._packet_done(packet)

    def _end_page(self, header_type: int, granule: int, out: List[Samples]) -> None:
        """Finish a page; at the end of the stream trim to its granule position."""
        if not (self._page_ours and header_type & 0x04):
            return
        self._ended = True
        if self._codec is not None:
            out.extend(self._decode_packet(None))
        if granule < 0:
            return
        excess = self._emitted - max(0, granule - self._pre_skip)
        # The granule position counts the samples the stream really has
        # (RFC 7845 s. 4.5): drop the padding of the last packet.
        while excess > 0 and out:
            last = out[-1]
            cut = min(excess, last.shape[1])
            out[-1] = last[:, : last.shape[1] - cut]
            excess -= cut
            self._emitted -= cut
            if out[-1].shape[1] == 0:
                out.pop()

    def _packet_done(self, packet: bytes) -> List[Samples]:
        index = self._packets_seen
        self._packets_seen += 1
        if index == 0:
            self._parse_head(packet)
            return []
        if index == 1:
            if not packet.startswith(b"OpusTags"):
                raise bad_request("The Opus stream lacks its comment header (OpusTags).")
            return []
        if not packet:
            return []
        return self._decode_packet(packet)

    def feed(self, chunk: bytes) -> Samples:
        """Decode the packets this chunk completes.

        Packets are decoded as soon as all their bytes are in, before the
        end of their page (encoders often put a second of audio in a page);
        the page's checksum is checked when the page is complete.

        :param chunk: the next bytes of the Ogg stream.
        :returns: the decoded samples at 48 kHz, ``(channels, n)``.
        :raises ServiceError: ``BadRequestException`` when the bytes are not
            Ogg Opus.
        """
        self._received += len(chunk)
        buf = self._buf
        buf += chunk
        out: List[Samples] = []
        while True:
            if self._lacing is None:
                # Parse the header of the page that starts at buf[0].
                if not (buf[:4] == b"OggS" or b"OggS".startswith(bytes(buf))):
                    self._not_ogg()
                if len(buf) < 27:
                    break
                if buf[4] != 0:
                    raise bad_request(f"Unsupported Ogg page version {buf[4]}.")
                if len(buf) < 27 + buf[26]:
                    break
                self._lacing = bytes(buf[27 : 27 + buf[26]])
                self._header_type = buf[5]
                self._granule, serial = struct.unpack_from("<qI", buf, 6)
                self._next_segment = 0
                self._body_offset = 27 + len(self._lacing)
                self._begin_page(self._header_type, serial)
            lacing = self._lacing
            while self._next_segment < len(lacing):
                size = lacing[self._next_segment]
                if self._body_offset + size > len(buf):
                    break
                data = bytes(buf[self._body_offset : self._body_offset + size])
                self._body_offset += size
                self._next_segment += 1
                out.extend(self._segment(data, size < 255))
            if self._next_segment < len(lacing):
                break
            page = bytes(buf[: self._body_offset])
            del buf[: self._body_offset]
            self._lacing = None
            expected = struct.unpack_from("<I", page, 22)[0]
            if _ogg_crc(page[:22] + b"\0\0\0\0" + page[26:]) != expected:
                raise bad_request("An Ogg page of the audio stream has a wrong checksum.")
            self._end_page(self._header_type, self._granule, out)
        return _concat(out, self.channels)

    def _not_ogg(self) -> NoReturn:
        hint = " (this looks like FLAC)" if bytes(self._buf[:4]) == b"fLaC" else ""
        raise bad_request(
            f"The audio is not an Ogg Opus stream{hint}: an Ogg page does not start "
            "with 'OggS'."
        )

    def finish(self) -> Samples:
        """Decode what is left at the end of the stream.

        :returns: the last samples.
        :raises ServiceError: ``BadRequestException`` when the stream ended
            inside a page or before any Opus audio header.
        """
        if self._received == 0:
            return empty_samples(self.channels)
        if self._buf or self._lacing is not None:
            raise bad_request("The Ogg Opus stream ended inside an Ogg page.")
        if self._codec is None:
            raise bad_request("The Ogg stream ended before its Opus headers.")
        if self._ended:
            return empty_samples(self.channels)
        return _concat(self._decode_packet(None), self.channels)


# -------------------------------------------------------------- resampling

class Resampler:
    """Streaming sample-rate conversion (libsoxr).

    Output sample ``k`` stands for time ``k / out_rate`` of the input: the
    filter delay is compensated, and after :meth:`finish` the output has
    ``round(inputs * out_rate / in_rate)`` samples.

    The conversion runs in 32-bit floating point and the result is rounded
    to 16 bits here: libsoxr's own 16-bit output adds random dither, which
    would make the same audio give (slightly) different samples, and so
    different recognition results, from one stream to the next.

    :param in_rate: input sample rate in Hz.
    :param out_rate: output sample rate in Hz.
    :param channels: number of channels.
    :param quality: libsoxr quality: ``"VHQ"`` (default), ``"HQ"``,
        ``"MQ"``, ``"LQ"``, ``"QQ"``. Very high quality costs little more
        than high quality (about 0.5 ms per second of 48 kHz stereo) and
        recognised 8 kHz speech slightly better in our measurements.
    """

    def __init__(self, in_rate: int, out_rate: int, channels: int,
                 quality: str = "VHQ") -> None:
        import soxr

        self.in_rate = in_rate
        self.out_rate = out_rate
        self.channels = channels
        self._stream = soxr.ResampleStream(in_rate, out_rate, channels, dtype="float32",
                                           quality=quality)

    def _run(self, frames: npt.NDArray[np.float32], last: bool) -> Samples:
        out = np.asarray(self._stream.resample_chunk(frames, last=last), dtype=np.float32)
        scaled = np.clip(np.rint(out.reshape(-1, self.channels) * 32768.0), -32768, 32767)
        return np.ascontiguousarray(scaled.astype(np.int16).T)

    def feed(self, samples: Samples) -> Samples:
        """Resample the next samples.

        :param samples: ``(channels, n)`` at ``in_rate``.
        :returns: ``(channels, m)`` at ``out_rate`` (the filter holds back a
            few milliseconds until more input or :meth:`finish`).
        """
        frames = np.ascontiguousarray(samples.T, dtype=np.float32) / np.float32(32768.0)
        return self._run(frames, last=False)

    def finish(self) -> Samples:
        """Flush the filter.

        :returns: the held-back samples.
        """
        return self._run(np.zeros((0, self.channels), dtype=np.float32), last=True)


# --------------------------------------------------------------- pipeline

def make_decoder(media_encoding: str, sample_rate: int, channels: int) -> AudioDecoder:
    """Create the decoder of a media encoding.

    :param media_encoding: ``pcm``, ``flac``, ``ogg-opus``, ``g711-alaw`` or
        ``g711-ulaw``.
    :param sample_rate: the declared sample rate in Hz.
    :param channels: the declared number of channels (1 or 2).
    :returns: the decoder.
    :raises ServiceError: ``BadRequestException`` for an encoding this
        module does not decode or a sample rate outside 8000-48000 Hz.
    """
    if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        raise bad_request(
            f"The media sample rate {sample_rate} Hz is outside the supported range "
            f"{MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz."
        )
    if channels < 1:
        raise bad_request(f"Invalid number of channels: {channels}.")
    if media_encoding == "pcm":
        return PcmDecoder(channels, sample_rate)
    if media_encoding == "flac":
        return FlacDecoder(channels, sample_rate)
    if media_encoding == "ogg-opus":
        return OggOpusDecoder(channels)
    if media_encoding in ("g711-alaw", "g711-ulaw"):
        return G711Decoder(media_encoding[5:], channels, sample_rate)
    raise bad_request(
        f"The media encoding {media_encoding!r} is not supported by the emulator's offline "
        f"recognition engine; use one of: {', '.join(SUPPORTED_ENCODINGS)}."
    )


class AudioPipeline:
    """Stream bytes in, ``int16`` samples per channel at the target rate out.

    :param media_encoding: the declared media encoding.
    :param sample_rate: the declared sample rate in Hz.
    :param channels: the declared number of channels.
    :param target_rate: the rate the output must have.
    :param mixdown: average all channels into one (for recognition without
        channel identification); otherwise the stream must have exactly
        ``channels`` channels.
    :raises ServiceError: see :func:`make_decoder`.
    """

    def __init__(self, media_encoding: str, sample_rate: int, channels: int = 1,
                 target_rate: int = TARGET_SAMPLE_RATE, mixdown: bool = False) -> None:
        self.media_encoding = media_encoding
        self.target_rate = target_rate
        self._declared_channels = channels
        #: Channels of the output.
        self.channels = 1 if mixdown else channels
        self._decoder = make_decoder(media_encoding, sample_rate, channels)
        self._resampler: Optional[Resampler] = None
        #: Samples output so far (per channel), at ``target_rate``.
        self.samples_out = 0
        self._finished = False

    @property
    def source_rate(self) -> Optional[int]:
        """The sample rate of the decoded audio, before resampling.

        :returns: the rate in Hz, or ``None`` until a self-describing
            stream's header has arrived.
        """
        return self._decoder.sample_rate

    @property
    def position(self) -> float:
        """:returns: seconds of audio output so far."""
        return self.samples_out / self.target_rate

    def _convert(self, samples: Samples) -> Samples:
        decoded_channels = samples.shape[0]
        if decoded_channels != self.channels:
            if self.channels != 1:
                raise bad_request(
                    f"The audio has {decoded_channels} channel(s) but "
                    f"{self._declared_channels} were declared for channel identification."
                )
            # Average in a wider type: the sum of two int16 overflows.
            samples = np.rint(samples.astype(np.int32).mean(axis=0, keepdims=True)).astype(
                np.int16
            )
        rate = self._decoder.sample_rate
        if rate is None or rate == self.target_rate:
            return samples
        if self._resampler is None:
            self._resampler = Resampler(rate, self.target_rate, self.channels)
        return self._resampler.feed(samples)

    def _guard(self, data: Optional[bytes]) -> Samples:
        """Run the decoder, turning unexpected failures into service errors."""
        try:
            if data is None:
                decoded = self._decoder.finish()
            else:
                decoded = self._decoder.feed(data)
            out = self._convert(decoded)
            if data is None and self._resampler is not None:
                tail = self._resampler.finish()
                out = np.concatenate([out, tail], axis=1) if out.shape[1] else tail
        except ServiceError:
            raise
        except (ValueError, IndexError, struct.error, EOFError) as exc:
            raise bad_request(
                f"The {self.media_encoding} audio could not be decoded: {exc}"
            ) from None
        except Exception as exc:  # noqa: BLE001 - a bug must still end the stream cleanly
            raise internal_failure(f"Audio decoding failed: {type(exc).__name__}: {exc}") from exc
        self.samples_out += out.shape[1]
        return out

    def feed(self, chunk: bytes) -> Samples:
        """Decode the next bytes of the stream.

        :param chunk: an audio event's payload.
        :returns: the new samples, ``(channels, n)`` at ``target_rate``.
        :raises ServiceError: ``BadRequestException`` for invalid audio.
        """
        if self._finished:
            raise internal_failure("audio was fed after the end of the stream")
        return self._guard(chunk)

    def finish(self) -> Samples:
        """End of input: flush the decoder and the resampler.

        :returns: the last samples.
        :raises ServiceError: ``BadRequestException`` for a truncated stream.
        """
        if self._finished:
            return empty_samples(self.channels)
        self._finished = True
        return self._guard(None)
