"""Audio sources: audio in correctly sized chunks, from a file, a byte stream or the microphone.

An :class:`AudioSource` says what the service must be told about the audio
(``media_encoding``, ``sample_rate``, ``channels``) and yields the audio in
chunks of about ``chunk_duration`` seconds (100 ms by default; PROTOCOL.md
§11.2 recommends 50–200 ms and at most 32 KiB per event), optionally paced at
real time::

    source = open_audio("talk.wav")
    stream = await client.start_stream_transcription(
        language_code="en-US", **source.stream_options())
    async for chunk in source.chunks(realtime=True):
        await stream.input_stream.send_audio_event(audio_chunk=chunk)
    await stream.input_stream.end_stream()

What each factory reads:

* :func:`open_audio`: a file, by its content (not its name): a WAV file (its
  PCM data only, never the RIFF header), FLAC and Ogg Opus files (sent as
  ``flac`` / ``ogg-opus``, their sample rate read from STREAMINFO / OpusHead),
  and anything else PyAV can decode (MP3, 24-bit or float WAV, more than two
  channels...), converted to 16-bit PCM. Without PyAV (``pip install av``)
  such files are refused with an :class:`AudioFormatError` that says what to
  do. The core SDK never needs PyAV.
* :func:`raw_pcm_file` and :func:`pcm_stream`: signed 16-bit little-endian PCM
  with no header, from a file or a binary stream such as standard input.
* :func:`microphone`: the default (or a chosen) input device, through
  ``sounddevice`` (the ``mic`` extra), imported only when called.

Pacing (``realtime=True``) releases each chunk when the audio in it would
have finished playing, measured from the instant the first chunk was asked
for: every delay is computed against that start instant, so delays never
add up, and nothing spins (the loop sleeps until the next due time).

This module imports nothing from the client: it produces bytes.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from array import array
from pathlib import Path
from typing import (
    IO,
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Optional,
    Tuple,
    TypeVar,
    Union,
)

from ._conversion import (
    ConversionError,
    ConversionUnavailable,
    conversion_advice,
    decode_to_pcm,
    probe_audio,
)
from ._blocking_reads import read_on_thread
from ._microphone import device_blocks
from ._containers import WAVE_FORMAT_PCM, ContainerError, parse_flac, parse_ogg_opus, parse_wav
from .exceptions import SDKError

__all__ = [
    "AudioSource",
    "AudioSourceError",
    "AudioFormatError",
    "MicrophoneError",
    "DEFAULT_CHUNK_DURATION",
    "MAX_CHUNK_BYTES",
    "MIN_SAMPLE_RATE",
    "MAX_SAMPLE_RATE",
    "open_audio",
    "raw_pcm_file",
    "pcm_stream",
    "microphone",
    "pcm_chunk_bytes",
]

#: Seconds of audio per chunk unless told otherwise (PROTOCOL.md §11.2: 50–200 ms).
DEFAULT_CHUNK_DURATION = 0.1
#: The most bytes put in one chunk (the older service limit of 32 KiB per event).
MAX_CHUNK_BYTES = 32 * 1024
#: The lowest sample rate the service takes.
MIN_SAMPLE_RATE = 8000
#: The highest sample rate the service takes.
MAX_SAMPLE_RATE = 48000

# Assumed compression ratio of FLAC / Opus files whose duration is unknown,
# to size their chunks (only the chunk size depends on it).
_FLAC_RATIO = 0.6
_OPUS_BYTES_PER_SECOND = 4000.0


# A reader yields (chunk, audio seconds up to the end of this chunk).
_Reader = Callable[[], AsyncIterator[Tuple[bytes, float]]]

_PathLike = Union[str, "os.PathLike[str]"]


class AudioSourceError(SDKError):
    """Audio could not be read or cannot be sent as it is."""


class AudioFormatError(AudioSourceError):
    """The audio is in a format that cannot be sent, and cannot be converted here.

    The message says what the format is and what to do (convert it, or
    install PyAV).
    """


class MicrophoneError(AudioSourceError):
    """The microphone cannot be used (``sounddevice`` or PortAudio missing, no device)."""


def pcm_chunk_bytes(sample_rate: int, channels: int, chunk_duration: float) -> int:
    """The size of a chunk of 16-bit PCM: whole frames, at most :data:`MAX_CHUNK_BYTES`.

    :param sample_rate: samples per second per channel.
    :param channels: interleaved channels.
    :param chunk_duration: seconds per chunk.
    :returns: bytes per chunk (a multiple of ``2 * channels``).
    """
    frame = 2 * channels
    frames = max(1, round(sample_rate * chunk_duration))
    return min(frames * frame, (MAX_CHUNK_BYTES // frame) * frame)


def _check_chunk_duration(chunk_duration: float) -> None:
    if not 0 < chunk_duration <= 1.0:
        raise ValueError(
            f"chunk_duration must be in (0, 1] seconds (50-200 ms is best), not {chunk_duration!r}"
        )


class AudioSource:
    """Audio ready to stream: what to declare to the service, and its chunks.

    Make one with :func:`open_audio`, :func:`raw_pcm_file`,
    :func:`pcm_stream` or :func:`microphone`, or directly from any reader.

    :param media_encoding: ``pcm``, ``flac`` or ``ogg-opus``.
    :param sample_rate: the sample rate to declare, in Hz.
    :param channels: channels in the audio.
    :param reader: called once by :meth:`chunks`; returns an async iterator of
        ``(chunk, end)`` pairs, ``end`` being the audio time, in seconds, at
        the end of that chunk.
    :param duration: seconds of audio, when known.
    :param chunk_duration: seconds of audio per chunk.
    :param name: what the audio is (a path, ``<stdin>``, ``<microphone>``).
    :param live: whether the audio arrives in real time by itself (the
        microphone): pacing then adds no delay.
    :param closer: called once when iteration ends, to release the input.
    """

    def __init__(
        self,
        *,
        media_encoding: str,
        sample_rate: int,
        channels: int,
        reader: _Reader,
        duration: Optional[float] = None,
        chunk_duration: float = DEFAULT_CHUNK_DURATION,
        name: str = "<audio>",
        live: bool = False,
        closer: Optional[Callable[[], None]] = None,
    ) -> None:
        _check_chunk_duration(chunk_duration)
        #: The ``media_encoding`` to declare: ``pcm``, ``flac`` or ``ogg-opus``.
        self.media_encoding = media_encoding
        #: The ``media_sample_rate_hz`` to declare.
        self.sample_rate = sample_rate
        #: Channels in the audio (declare ``number_of_channels`` when 2).
        self.channels = channels
        #: Seconds of audio, when known (a file), else ``None``.
        self.duration = duration
        #: Seconds of audio per chunk (approximate for compressed audio).
        self.chunk_duration = chunk_duration
        #: What the audio is, for messages.
        self.name = name
        #: Whether the audio arrives in real time by itself.
        self.live = live
        #: Seconds of audio yielded so far by :meth:`chunks`.
        self.position = 0.0
        #: Bytes yielded so far by :meth:`chunks`.
        self.bytes_read = 0
        #: Chunks a live source dropped because the consumer was late.
        self.dropped_chunks = 0
        self._reader = reader
        self._stopped = False
        self._stop_future: Optional["asyncio.Future[None]"] = None
        self._closer = closer
        self._started = False

    def __repr__(self) -> str:
        duration = f", duration={self.duration:.2f}" if self.duration is not None else ""
        return (
            f"AudioSource({self.name!r}, media_encoding={self.media_encoding!r}, "
            f"sample_rate={self.sample_rate}, channels={self.channels}{duration})"
        )

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stopped

    def stop(self) -> None:
        """End the iteration early: no chunk is yielded after this call.

        Call it from the event loop's thread (a signal handler installed with
        ``loop.add_signal_handler`` is); a pacing delay or a wait for the
        microphone is cut short.
        """
        self._stopped = True
        if self._stop_future is not None and not self._stop_future.done():
            self._stop_future.set_result(None)

    def _stop_signal(self) -> "asyncio.Future[None]":
        """A future done once :meth:`stop` is called (made in the running loop)."""
        if self._stop_future is None:
            self._stop_future = asyncio.get_running_loop().create_future()
            if self._stopped:
                self._stop_future.set_result(None)
        return self._stop_future

    def stream_options(self) -> Dict[str, Any]:
        """The keyword arguments of ``start_stream_transcription`` that describe this audio.

        :returns: ``media_encoding``, ``media_sample_rate_hz`` and, for
            two channels, ``number_of_channels`` with
            ``enable_channel_identification`` (the service only takes two
            channels with channel identification).
        """
        options: Dict[str, Any] = {
            "media_encoding": self.media_encoding,
            "media_sample_rate_hz": self.sample_rate,
        }
        if self.channels > 1:
            options["number_of_channels"] = self.channels
            options["enable_channel_identification"] = True
        return options

    async def chunks(self, *, realtime: bool = False) -> AsyncIterator[bytes]:
        """Yield the audio in chunks; a source can be iterated once.

        :param realtime: release each chunk when its audio would have
            finished playing, counted from the first chunk (no drift: each
            delay is measured against that start instant).
        :returns: an async iterator of non-empty chunks.
        :raises RuntimeError: the source was already iterated.
        :raises AudioSourceError: the audio cannot be read or decoded.
        :raises OSError: reading failed.
        """
        if self._started:
            raise RuntimeError(f"{self.name} was already read: make a new source")
        self._started = True
        loop = asyncio.get_running_loop()
        start: Optional[float] = None
        try:
            async for chunk, end in self._reader():
                if self._stopped:
                    break
                if not chunk:
                    continue
                if start is None:
                    start = loop.time()
                if realtime and not self.live:
                    delay = start + end - loop.time()
                    if delay > 0:
                        # Sleep until the due time, or until stop() is called.
                        await asyncio.wait({self._stop_signal()}, timeout=delay)
                        if self.stopped:
                            break
                self.position = end
                self.bytes_read += len(chunk)
                yield chunk
        finally:
            closer, self._closer = self._closer, None
            if closer is not None:
                closer()

    def __aiter__(self) -> AsyncIterator[bytes]:
        """Iterate the chunks as fast as they can be read (no pacing).

        :returns: :meth:`chunks` without pacing.
        """
        return self.chunks()


# -- PCM helpers ----------------------------------------------------------------


def _downmix_s16(data: bytes, channels: int) -> bytes:
    """Average interleaved 16-bit little-endian channels into one."""
    samples = array("h")
    samples.frombytes(data[: len(data) - len(data) % (2 * channels)])
    if sys.byteorder == "big":
        samples.byteswap()
    columns = [samples[i::channels] for i in range(channels)]
    mono = array("h", (sum(frame) // channels for frame in zip(*columns)))
    if sys.byteorder == "big":
        mono.byteswap()
    return mono.tobytes()


def _pcm_reader(
    file: IO[bytes],
    *,
    offset: int,
    length: Optional[int],
    chunk_bytes: int,
    bytes_per_second: float,
    downmix: int = 1,
) -> _Reader:
    """Chunks of a PCM region of a seekable file (``length`` None: to the end)."""

    async def read() -> AsyncIterator[Tuple[bytes, float]]:
        # Local file reads of a few KiB do not block for long: reading them
        # inline costs less than a thread hop per chunk.
        file.seek(offset)
        remaining = length
        done = 0
        while remaining is None or remaining > 0:
            size = chunk_bytes if remaining is None else min(chunk_bytes, remaining)
            data = file.read(size)
            if not data:
                break
            if remaining is not None:
                remaining -= len(data)
            done += len(data)
            if downmix > 1:
                data = _downmix_s16(data, downmix)
            yield data, done / bytes_per_second
            # Give the loop a turn between chunks, like a real read would.
            await asyncio.sleep(0)

    return read


def _compressed_reader(
    file: IO[bytes], *, chunk_bytes: int, header_bytes: int, bytes_per_second: float
) -> _Reader:
    """Byte slices of a compressed file, timed by their share of the file.

    The service decodes FLAC and Ogg Opus from any split of the file, so
    chunks are cut by size; the header is sent at time 0 and the rest is
    timed at the file's average byte rate.
    """

    async def read() -> AsyncIterator[Tuple[bytes, float]]:
        file.seek(0)
        done = 0
        while True:
            data = file.read(chunk_bytes)
            if not data:
                break
            done += len(data)
            yield data, max(0.0, done - header_bytes) / bytes_per_second
            await asyncio.sleep(0)

    return read


# -- conversion (PyAV) -----------------------------------------------------------


def _converted(path: Path, name: str, why: str, *, mono: bool,
               chunk_duration: float) -> AudioSource:
    """Decode a file with PyAV to 16-bit PCM the service takes."""
    try:
        probe = probe_audio(path)
    except ConversionUnavailable:
        raise AudioFormatError(f"{name}: {why}; {conversion_advice(name)}") from None
    except ConversionError as exc:
        raise AudioFormatError(f"{name}: {exc}") from exc
    channels = 2 if (probe.channels == 2 and not mono) else 1
    target = min(MAX_SAMPLE_RATE, max(MIN_SAMPLE_RATE, probe.rate))
    chunk_bytes = pcm_chunk_bytes(target, channels, chunk_duration)
    bytes_per_second = float(target * channels * 2)

    async def read() -> AsyncIterator[Tuple[bytes, float]]:
        try:
            # Decoding a whole file takes a while: keep it off the event loop.
            pcm = await asyncio.get_running_loop().run_in_executor(
                None, decode_to_pcm, path, target, channels
            )
        except Exception as exc:
            raise AudioFormatError(f"{name}: cannot decode the audio: {exc}") from exc
        for offset in range(0, len(pcm), chunk_bytes):
            data = pcm[offset : offset + chunk_bytes]
            yield data, (offset + len(data)) / bytes_per_second
            await asyncio.sleep(0)

    return AudioSource(
        media_encoding="pcm",
        sample_rate=target,
        channels=channels,
        reader=read,
        duration=probe.duration,
        chunk_duration=chunk_duration,
        name=name,
    )


# -- factories -------------------------------------------------------------------


def open_audio(
    path: _PathLike,
    *,
    chunk_duration: float = DEFAULT_CHUNK_DURATION,
    mono: bool = False,
    convert: bool = True,
) -> AudioSource:
    """Open an audio file, recognised by its content, as the service will want it.

    * WAV, 16-bit PCM, 1 or 2 channels, 8–48 kHz: its PCM data, as ``pcm``;
    * FLAC (1 or 2 channels, 8–48 kHz): the file as is, as ``flac``;
    * Ogg Opus (1 or 2 channels): the file as is, as ``ogg-opus``;
    * anything else (MP3, 24-bit, 32-bit or float WAV, other rates, more
      channels): decoded with PyAV to 16-bit PCM, when it is installed.

    :param path: the file.
    :param chunk_duration: seconds of audio per chunk.
    :param mono: mix two channels down to one (use it unless the stream
        asks for channel identification, which is what two channels are for).
    :param convert: allow decoding with PyAV; when false such files raise
        :class:`AudioFormatError`.
    :returns: the source.
    :raises FileNotFoundError: no such file.
    :raises OSError: the file cannot be read.
    :raises AudioFormatError: the format cannot be sent and cannot be
        converted here (the message says what to do).
    :raises ValueError: a chunk duration outside (0, 1] seconds.
    """
    _check_chunk_duration(chunk_duration)
    file_path = Path(path)
    name = str(path)
    size = file_path.stat().st_size
    if file_path.is_dir():
        raise IsADirectoryError(f"{name} is a directory")
    file = open(file_path, "rb")
    try:
        source = _open_file(file, file_path, name, size, chunk_duration=chunk_duration,
                            mono=mono, convert=convert)
    except BaseException:
        file.close()
        raise
    if source._closer is None:
        file.close()
    return source


def _refuse_or_convert(file_path: Path, name: str, why: str, *, mono: bool,
                       convert: bool, chunk_duration: float) -> AudioSource:
    if not convert:
        raise AudioFormatError(f"{name}: {why}; convert it to 16-bit PCM WAV, FLAC or Ogg Opus")
    return _converted(file_path, name, why, mono=mono, chunk_duration=chunk_duration)


_Parsed = TypeVar("_Parsed")


def _container(parse: Callable[..., _Parsed], *args: Any) -> _Parsed:
    # The parsers know containers, not this module's errors.
    try:
        return parse(*args)
    except ContainerError as exc:
        raise AudioFormatError(str(exc)) from None


def _open_file(file: IO[bytes], file_path: Path, name: str, size: int, *,
               chunk_duration: float, mono: bool, convert: bool) -> AudioSource:
    magic = file.read(12)
    file.seek(0)
    kwargs = dict(mono=mono, convert=convert, chunk_duration=chunk_duration)
    if magic[:4] == b"RIFF" and magic[8:12] == b"WAVE":
        info = _container(parse_wav, file, size, name)
        problem = None
        if info.format_tag != WAVE_FORMAT_PCM or info.bits != 16:
            kind = "float" if info.format_tag == 3 else f"{info.bits}-bit"
            problem = f"{kind} WAV (the service takes 16-bit PCM)"
        elif not 1 <= info.channels <= 2:
            problem = f"{info.channels}-channel WAV (the service takes 1 or 2 channels)"
        elif not MIN_SAMPLE_RATE <= info.rate <= MAX_SAMPLE_RATE:
            problem = f"WAV at {info.rate} Hz (the service takes {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz)"
        if problem is not None:
            return _refuse_or_convert(file_path, name, problem, **kwargs)  # type: ignore[arg-type]
        downmix = info.channels if (mono and info.channels > 1) else 1
        channels = 1 if downmix > 1 else info.channels
        frame = 2 * info.channels
        length = info.data_length - info.data_length % frame
        bytes_per_second = float(info.rate * frame)
        return AudioSource(
            media_encoding="pcm",
            sample_rate=info.rate,
            channels=channels,
            reader=_pcm_reader(
                file,
                offset=info.data_offset,
                length=length,
                chunk_bytes=pcm_chunk_bytes(info.rate, info.channels, chunk_duration),
                bytes_per_second=bytes_per_second,
                downmix=downmix,
            ),
            duration=length / bytes_per_second,
            chunk_duration=chunk_duration,
            name=name,
            closer=file.close,
        )
    if magic[:4] == b"fLaC" or magic[:3] == b"ID3":
        try:
            rate, channels, bits, total, header = _container(parse_flac, file, name)
        except AudioFormatError:
            if magic[:3] == b"ID3":  # an MP3 with a tag, most likely
                return _refuse_or_convert(file_path, name, "not a format the service takes",
                                          **kwargs)  # type: ignore[arg-type]
            raise
        problem = None
        if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
            problem = f"FLAC at {rate} Hz (the service takes {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz)"
        elif channels > 2 or (mono and channels == 2):
            problem = f"{channels}-channel FLAC"
        if problem is not None:
            return _refuse_or_convert(file_path, name, problem, **kwargs)  # type: ignore[arg-type]
        duration = total / rate if total else None
        if duration:
            bytes_per_second = max(1.0, (size - header) / duration)
        else:
            bytes_per_second = rate * channels * bits / 8 * _FLAC_RATIO
        return _compressed_source(file, name, "flac", rate, channels, duration,
                                  header, bytes_per_second, chunk_duration)
    if magic[:4] == b"OggS":
        input_rate, channels, duration = _container(parse_ogg_opus, file, size, name)
        # Opus always decodes at 48 kHz; the input rate is what the encoder saw
        # and what the service is told (48 kHz when the file does not say).
        rate = (
            input_rate if MIN_SAMPLE_RATE <= input_rate <= MAX_SAMPLE_RATE else MAX_SAMPLE_RATE
        )
        if channels > 2 or (mono and channels == 2):
            return _refuse_or_convert(file_path, name, f"{channels}-channel Ogg Opus",
                                      **kwargs)  # type: ignore[arg-type]
        bytes_per_second = size / duration if duration else _OPUS_BYTES_PER_SECOND
        return _compressed_source(file, name, "ogg-opus", rate, channels, duration,
                                  0, max(1.0, bytes_per_second), chunk_duration)
    return _refuse_or_convert(file_path, name,
                              "not WAV, FLAC or Ogg Opus (the formats the service takes)",
                              **kwargs)  # type: ignore[arg-type]


def _compressed_source(file: IO[bytes], name: str, encoding: str, rate: int, channels: int,
                       duration: Optional[float], header: int, bytes_per_second: float,
                       chunk_duration: float) -> AudioSource:
    chunk_bytes = max(64, min(MAX_CHUNK_BYTES, int(bytes_per_second * chunk_duration)))
    return AudioSource(
        media_encoding=encoding,
        sample_rate=rate,
        channels=channels,
        reader=_compressed_reader(file, chunk_bytes=chunk_bytes, header_bytes=header,
                                  bytes_per_second=bytes_per_second),
        duration=duration,
        chunk_duration=chunk_duration,
        name=name,
        closer=file.close,
    )


def _check_pcm_format(sample_rate: int, channels: int) -> None:
    if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        raise ValueError(
            f"sample rate {sample_rate} Hz: the service takes {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz"
        )
    if channels not in (1, 2):
        raise ValueError(f"{channels} channels: the service takes 1 or 2")


def raw_pcm_file(
    path: _PathLike,
    *,
    sample_rate: int,
    channels: int = 1,
    chunk_duration: float = DEFAULT_CHUNK_DURATION,
) -> AudioSource:
    """A file of raw signed 16-bit little-endian PCM (no header).

    :param path: the file.
    :param sample_rate: its sample rate in Hz.
    :param channels: its interleaved channels (1 or 2).
    :param chunk_duration: seconds of audio per chunk.
    :returns: the source.
    :raises FileNotFoundError: no such file.
    :raises ValueError: a rate or channel count the service does not take.
    """
    _check_pcm_format(sample_rate, channels)
    _check_chunk_duration(chunk_duration)
    file = open(path, "rb")
    size = os.fstat(file.fileno()).st_size
    bytes_per_second = float(sample_rate * channels * 2)
    length = size - size % (2 * channels)
    return AudioSource(
        media_encoding="pcm",
        sample_rate=sample_rate,
        channels=channels,
        reader=_pcm_reader(file, offset=0, length=length,
                           chunk_bytes=pcm_chunk_bytes(sample_rate, channels, chunk_duration),
                           bytes_per_second=bytes_per_second),
        duration=length / bytes_per_second,
        chunk_duration=chunk_duration,
        name=str(path),
        closer=file.close,
    )


def pcm_stream(
    stream: IO[bytes],
    *,
    sample_rate: int,
    channels: int = 1,
    chunk_duration: float = DEFAULT_CHUNK_DURATION,
    name: str = "<stream>",
) -> AudioSource:
    """Raw signed 16-bit little-endian PCM from a binary stream (e.g. ``sys.stdin.buffer``).

    Reads happen on a daemon thread, a few chunks ahead, so a stream that
    blocks (a pipe, a terminal) never blocks the event loop. A partial
    trailing frame is dropped.

    :param stream: a binary file object open for reading.
    :param sample_rate: the sample rate in Hz.
    :param channels: interleaved channels (1 or 2).
    :param chunk_duration: seconds of audio per chunk.
    :param name: what the stream is, for messages.
    :returns: the source (duration unknown).
    :raises ValueError: a rate or channel count the service does not take.
    """
    _check_pcm_format(sample_rate, channels)
    _check_chunk_duration(chunk_duration)
    chunk_bytes = pcm_chunk_bytes(sample_rate, channels, chunk_duration)
    frame = 2 * channels
    bytes_per_second = float(sample_rate * frame)

    async def read() -> AsyncIterator[Tuple[bytes, float]]:
        done = 0
        pending = b""
        async for data in read_on_thread(stream, chunk_bytes):
            # A pipe may return short reads: regroup into whole chunks.
            pending += data
            while len(pending) >= chunk_bytes:
                chunk, pending = pending[:chunk_bytes], pending[chunk_bytes:]
                done += len(chunk)
                yield chunk, done / bytes_per_second
        tail = pending[: len(pending) - len(pending) % frame]
        if tail:
            done += len(tail)
            yield tail, done / bytes_per_second

    return AudioSource(
        media_encoding="pcm",
        sample_rate=sample_rate,
        channels=channels,
        reader=read,
        chunk_duration=chunk_duration,
        name=name,
    )


def _import_sounddevice() -> Any:
    try:
        return importlib.import_module("sounddevice")
    except ImportError:
        raise MicrophoneError(
            "the microphone needs sounddevice: pip install 'amazon-transcribe[mic]'"
        ) from None
    except OSError as exc:  # sounddevice raises OSError when PortAudio is missing
        raise MicrophoneError(
            f"the microphone needs the PortAudio library ({exc}): install it "
            "(e.g. apt-get install libportaudio2, brew install portaudio)"
        ) from exc


def microphone(
    *,
    sample_rate: int = 16000,
    channels: int = 1,
    device: Union[int, str, None] = None,
    chunk_duration: float = DEFAULT_CHUNK_DURATION,
    max_duration: Optional[float] = None,
    max_buffered: float = 10.0,
) -> AudioSource:
    """The microphone, as 16-bit PCM, through ``sounddevice`` (the ``mic`` extra).

    The device delivers one chunk per ``chunk_duration`` on its own thread;
    chunks are handed to the event loop as they come. If the consumer falls
    more than ``max_buffered`` seconds behind, the oldest audio is dropped
    (live audio cannot wait) and counted in ``source.dropped_chunks``.
    Iteration ends after ``max_duration`` seconds of audio, or when
    ``source.stop()`` is called (for example from a SIGINT handler).

    :param sample_rate: the rate to record at, in Hz.
    :param channels: 1, or 2 for channel identification.
    :param device: the input device (number or name); the default one if None.
    :param chunk_duration: seconds of audio per chunk.
    :param max_duration: stop after this many seconds of audio.
    :param max_buffered: seconds of audio kept while the consumer is late.
    :returns: the source; the device opens when iteration starts.
    :raises MicrophoneError: ``sounddevice`` or PortAudio is missing (the
        message says what to install). A device that cannot be opened raises
        :class:`MicrophoneError` from the iteration.
    :raises ValueError: a rate or channel count the service does not take.
    """
    _check_pcm_format(sample_rate, channels)
    _check_chunk_duration(chunk_duration)
    sounddevice = _import_sounddevice()
    frames = max(1, round(sample_rate * chunk_duration))
    bytes_per_second = float(sample_rate * channels * 2)
    limit = max(1, int(max_buffered / chunk_duration))

    def dropped() -> None:
        source.dropped_chunks += 1

    def open_failed(exc: Exception) -> Exception:
        return MicrophoneError(f"cannot open the microphone: {exc}")

    async def read() -> AsyncIterator[Tuple[bytes, float]]:
        if max_duration is not None and max_duration <= 0:
            return
        done = 0
        blocks = device_blocks(
            sounddevice, sample_rate=sample_rate, channels=channels, device=device,
            frames=frames, limit=limit, stopped=source._stop_signal(),
            on_drop=dropped, open_failed=open_failed,
        )
        try:
            async for data in blocks:
                if max_duration is not None:
                    room = int(max_duration * bytes_per_second) - done
                    room -= room % (2 * channels)
                    data = data[:room]
                done += len(data)
                yield data, done / bytes_per_second
                if max_duration is not None and done / bytes_per_second >= max_duration:
                    return
        finally:
            await blocks.aclose()

    source = AudioSource(
        media_encoding="pcm",
        sample_rate=sample_rate,
        channels=channels,
        reader=read,
        duration=None,
        chunk_duration=chunk_duration,
        name="<microphone>",
        live=True,
    )
    return source
