"""Tests of the emulator's audio handling: decoding, chunking, resampling, bad input."""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path
from typing import Iterable, List, Tuple

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amazon_transcribe.emulator import audio
from amazon_transcribe.emulator.audio import (
    AudioPipeline,
    FlacDecoder,
    G711Decoder,
    OggOpusDecoder,
    PcmDecoder,
    Resampler,
    make_decoder,
)
from amazon_transcribe.emulator.errors import ServiceError

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def read_wav(name: str) -> Tuple[bytes, int, int]:
    """:returns: PCM data (no header), sample rate and channels of an asset."""
    with wave.open(str(ASSETS / name)) as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate(), wav.getnchannels()


def wav_samples(name: str) -> np.ndarray:
    data, _, channels = read_wav(name)
    return np.frombuffer(data, dtype="<i2").reshape(-1, channels).T.astype(np.int16)


def chunks(data: bytes, size: int) -> Iterable[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


def decode_all(decoder: audio.AudioDecoder, data: bytes, size: int) -> np.ndarray:
    parts = [decoder.feed(chunk) for chunk in chunks(data, size)]
    parts.append(decoder.finish())
    return np.concatenate(parts, axis=1)


def pipeline_all(pipeline: AudioPipeline, data: bytes, size: int) -> np.ndarray:
    parts = [pipeline.feed(chunk) for chunk in chunks(data, size)]
    parts.append(pipeline.finish())
    return np.concatenate(parts, axis=1)


def encode(codec: str, container: str, samples: np.ndarray, rate: int,
           sample_format: str = "s16") -> bytes:
    """Encode ``(channels, n)`` int16 samples with PyAV into a file in memory."""
    channels = samples.shape[0]
    layout = "mono" if channels == 1 else "stereo"
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate, layout=layout)
        if sample_format != "s16":
            stream.codec_context.format = sample_format
        step = 4000
        for offset in range(0, samples.shape[1], step):
            block = np.ascontiguousarray(samples[:, offset : offset + step].T).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(block, format="s16", layout=layout)
            frame.sample_rate = rate
            frame.pts = offset
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def tone(frequency: float, rate: int, seconds: float, amplitude: float = 8000.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.rint(amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.int16)


def dominant_frequency(signal: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(signal.astype(np.float64) * np.hanning(len(signal))))
    return float(np.argmax(spectrum) * rate / len(signal))


def ogg_page(body_packets: List[bytes], serial: int, sequence: int, header_type: int,
             granule: int) -> bytes:
    """One Ogg page holding whole packets (test helper)."""
    lacing = bytearray()
    for packet in body_packets:
        size = len(packet)
        lacing += b"\xff" * (size // 255) + bytes([size % 255])
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, header_type, granule, serial, sequence, 0,
                         len(lacing))
    page = bytearray(header + bytes(lacing) + b"".join(body_packets))
    struct.pack_into("<I", page, 22, audio._ogg_crc(bytes(page)))
    return bytes(page)


# ------------------------------------------------------------------- PCM


def test_pcm_mono_any_split_matches_whole() -> None:
    data, _, _ = read_wav("sense-0880.wav")
    expected = np.frombuffer(data, dtype="<i2")[None, :]
    for size in (1, 3, 3199, 3200):
        out = decode_all(PcmDecoder(1, 16000), data, size)
        assert np.array_equal(out, expected), size


def test_pcm_stereo_split_inside_sample_and_frame() -> None:
    data, rate, channels = read_wav("two-speakers-stereo-16k.wav")
    assert channels == 2
    expected = wav_samples("two-speakers-stereo-16k.wav")
    decoder = PcmDecoder(2, rate)
    # 5-byte chunks split samples (odd offsets) and frames (offsets % 4).
    out = decode_all(decoder, data, 5)
    assert out.shape == expected.shape
    assert np.array_equal(out, expected)
    assert out.dtype == np.int16


def test_pcm_keeps_the_remainder_for_the_next_chunk() -> None:
    decoder = PcmDecoder(2, 16000)
    frame = struct.pack("<hh", 1000, -2000)
    assert decoder.feed(frame[:3]).shape == (2, 0)
    out = decoder.feed(frame[3:] + frame)
    assert out.tolist() == [[1000, 1000], [-2000, -2000]]
    assert decoder.finish().shape == (2, 0)


@pytest.mark.parametrize("channels, tail", [(1, b"\x01"), (2, b"\x01\x02\x03")])
def test_pcm_trailing_partial_sample_is_a_bad_request(channels: int, tail: bytes) -> None:
    decoder = PcmDecoder(channels, 16000)
    decoder.feed(b"\x00" * 8 + tail)
    with pytest.raises(ServiceError) as caught:
        decoder.finish()
    assert caught.value.error_type == "BadRequestException"
    assert "whole sample frame" in caught.value.message


def test_pipeline_odd_byte_at_end_is_a_bad_request() -> None:
    pipeline = AudioPipeline("pcm", 16000, 1)
    pipeline.feed(b"\x00" * 3201)
    with pytest.raises(ServiceError) as caught:
        pipeline.finish()
    assert caught.value.error_type == "BadRequestException"
    assert "1 byte" in caught.value.message


# ----------------------------------------------------------------- G.711


def test_g711_reference_values() -> None:
    ulaw = G711Decoder("ulaw", 1, 8000).feed(bytes([0xFF, 0x7F, 0x00, 0x80]))
    assert ulaw.tolist() == [[0, 0, -32124, 32124]]
    alaw = G711Decoder("alaw", 1, 8000).feed(bytes([0xD5, 0x55, 0xAA, 0x2A]))
    assert alaw.tolist() == [[8, -8, 32256, -32256]]


def test_g711_stereo_split_frame_and_trailing_byte() -> None:
    decoder = G711Decoder("ulaw", 2, 8000)
    assert decoder.feed(b"\xff").shape == (2, 0)
    assert decoder.feed(b"\x80\x00").tolist() == [[0], [32124]]
    with pytest.raises(ServiceError):
        decoder.finish()


# ------------------------------------------------------------------ FLAC


def test_flac_asset_decodes_bit_exact_in_any_chunking() -> None:
    data = (ASSETS / "sense-0870.flac").read_bytes()
    expected = wav_samples("sense-0870.wav")
    for size in (7, 1000, 3200, len(data)):
        out = decode_all(FlacDecoder(1, 16000), data, size)
        assert np.array_equal(out, expected), size


def test_flac_is_decoded_incrementally_each_byte_once(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (ASSETS / "sense-0870.flac").read_bytes()
    total = wav_samples("sense-0870.wav").shape[1]
    decoded_bytes: List[int] = []
    original = FlacDecoder._decode

    def counting(self: FlacDecoder, packet: object) -> object:
        if isinstance(packet, bytes):
            decoded_bytes.append(len(packet))
        return original(self, packet)  # type: ignore[arg-type]

    monkeypatch.setattr(FlacDecoder, "_decode", counting)
    decoder = FlacDecoder(1, 16000)
    produced = 0
    progress = []
    for chunk in chunks(data, 3200):
        produced += decoder.feed(chunk).shape[1]
        progress.append(produced)
    produced += decoder.finish().shape[1]
    assert produced == total
    # Audio comes out while the stream flows, one FLAC block (4096 samples)
    # behind at most a frame's worth of bytes: by half the bytes, well over a
    # third of the samples are out.
    assert progress[len(progress) // 2] > total // 3
    assert progress[1] > 0
    # Each frame was handed to the decoder once (no re-decoding): the bytes
    # decoded add up to the file less its metadata.
    assert len(data) * 0.9 < sum(decoded_bytes) < len(data)


@pytest.mark.parametrize("rate, channels", [(48000, 2), (8000, 1), (44100, 2)])
def test_flac_generated_streams(rate: int, channels: int) -> None:
    left = tone(440, rate, 1.3)
    right = tone(1000, rate, 1.3)
    samples = np.stack([left, right])[:channels]
    data = encode("flac", "flac", samples, rate)
    out = decode_all(FlacDecoder(channels, rate), data, 999)
    assert np.array_equal(out, samples)


def test_flac_24_bit_is_reduced_to_16_bit() -> None:
    rate = 16000
    samples = tone(300, rate, 0.5)[None, :]
    data = encode("flac", "flac", samples, rate, sample_format="s32")
    out = decode_all(FlacDecoder(1, rate), data, 500)
    assert out.shape == samples.shape
    assert np.max(np.abs(out.astype(int) - samples.astype(int))) <= 1


def test_flac_sample_rate_must_match_the_declared_one() -> None:
    data = (ASSETS / "sense-0870.flac").read_bytes()
    with pytest.raises(ServiceError) as caught:
        FlacDecoder(1, 8000).feed(data[:200])
    assert caught.value.error_type == "BadRequestException"
    assert "16000 Hz" in caught.value.message and "8000 Hz" in caught.value.message


def _flac_error(data: bytes, size: int = 1000) -> ServiceError:
    pipeline = AudioPipeline("flac", 16000, 1)
    with pytest.raises(ServiceError) as caught:
        pipeline_all(pipeline, data, size)
    assert caught.value.error_type == "BadRequestException", caught.value
    return caught.value


def test_garbage_flac_is_a_bad_request() -> None:
    flac = (ASSETS / "sense-0870.flac").read_bytes()
    wav = (ASSETS / "sense-0880.wav").read_bytes()
    assert "fLaC" in _flac_error(b"garbage!" * 100).message
    assert "not a FLAC stream" in _flac_error(wav).message
    assert "Ogg" in _flac_error((ASSETS / "sense-0870.opus").read_bytes()).message
    # A valid header followed by noise: no frame passes its checks.
    _flac_error(flac[:200] + bytes(range(256)) * 40)
    # A stream cut inside a frame, and one cut before its first frame.
    _flac_error(flac[:5000])
    _flac_error(flac[:20])
    # A corrupted byte inside a frame fails the frame's CRC-16.
    corrupted = bytearray(flac)
    corrupted[60000] ^= 0x5A
    _flac_error(bytes(corrupted))


# -------------------------------------------------------------- Ogg Opus


def test_opus_asset_decodes_to_the_original_length_and_signal() -> None:
    data = (ASSETS / "sense-0870.opus").read_bytes()
    reference = wav_samples("sense-0870.wav")[0]
    pipeline = AudioPipeline("ogg-opus", 16000, 1)
    outputs = [pipeline.feed(chunk) for chunk in chunks(data, 400)]
    first_output = next(i for i, out in enumerate(outputs) if out.shape[1])
    out = np.concatenate(outputs + [pipeline.finish()], axis=1)[0]
    # Pre-skip and end trimming give back exactly the encoded duration.
    assert len(out) == len(reference)
    correlation = np.corrcoef(out.astype(float), reference.astype(float))[0, 1]
    assert correlation > 0.95
    # Packets are decoded before their page is complete: the headers end at
    # byte 841 and the first audio page (a second of audio) at byte 5229.
    assert (first_output + 1) * 400 <= 1600


def test_opus_stereo_keeps_its_channels_apart() -> None:
    rate = 48000
    samples = np.stack([tone(440, rate, 1.0), tone(1250, rate, 1.0)])
    data = encode("libopus", "ogg", samples, rate)
    out = decode_all(OggOpusDecoder(2), data, 700)
    assert out.shape[0] == 2
    assert abs(out.shape[1] - rate) < 960
    middle = slice(rate // 4, rate // 4 + 16384)
    assert abs(dominant_frequency(out[0, middle], rate) - 440) < 10
    assert abs(dominant_frequency(out[1, middle], rate) - 1250) < 10


def _opus_error(data: bytes, size: int = 500) -> ServiceError:
    pipeline = AudioPipeline("ogg-opus", 16000, 1)
    with pytest.raises(ServiceError) as caught:
        pipeline_all(pipeline, data, size)
    assert caught.value.error_type == "BadRequestException", caught.value
    return caught.value


def test_garbage_ogg_opus_is_a_bad_request() -> None:
    opus = (ASSETS / "sense-0870.opus").read_bytes()
    assert "OggS" in _opus_error(b"\x00\x01garbage" * 50).message
    assert "FLAC" in _opus_error((ASSETS / "sense-0870.flac").read_bytes()).message
    corrupted = bytearray(opus)
    corrupted[3000] ^= 0x01
    assert "checksum" in _opus_error(bytes(corrupted)).message
    assert "inside an Ogg page" in _opus_error(opus[:5000]).message
    vorbis_head = b"\x01vorbis" + b"\x00" * 23
    page = ogg_page([vorbis_head], serial=7, sequence=0, header_type=0x02, granule=0)
    assert "not contain Opus" in _opus_error(page).message
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 6, 312, 48000, 0, 1) + b"\x00" * 8
    page = ogg_page([head], serial=7, sequence=0, header_type=0x02, granule=0)
    assert "mono or stereo" in _opus_error(page).message


def test_opus_channel_count_must_fit_channel_identification() -> None:
    data = (ASSETS / "sense-0870.opus").read_bytes()
    pipeline = AudioPipeline("ogg-opus", 16000, 2, mixdown=False)
    with pytest.raises(ServiceError) as caught:
        pipeline_all(pipeline, data, 4000)
    assert "channel" in caught.value.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    encoding=st.sampled_from(["flac", "ogg-opus", "pcm", "g711-ulaw"]),
    prefix=st.sampled_from([b"", b"fLaC", b"OggS"]),
    body=st.binary(max_size=600),
    size=st.integers(min_value=1, max_value=300),
)
def test_arbitrary_bytes_never_raise_anything_but_service_errors(
    encoding: str, prefix: bytes, body: bytes, size: int
) -> None:
    pipeline = AudioPipeline(encoding, 16000, 1)
    try:
        pipeline_all(pipeline, prefix + body, size)
    except ServiceError as error:
        assert error.error_type == "BadRequestException", error


# ------------------------------------------------------------ resampling


def test_resampler_8k_to_16k_length_frequency_and_chunk_independence() -> None:
    signal = tone(500, 8000, 2.0)[None, :]
    whole = Resampler(8000, 16000, 1)
    reference = np.concatenate([whole.feed(signal), whole.finish()], axis=1)
    assert reference.shape == (1, 32000)
    assert abs(dominant_frequency(reference[0, 4000:20384], 16000) - 500) < 2
    pieces = Resampler(8000, 16000, 1)
    parts = [pieces.feed(signal[:, i : i + 777]) for i in range(0, signal.shape[1], 777)]
    chunked = np.concatenate(parts + [pieces.finish()], axis=1)
    assert chunked.shape == reference.shape
    assert np.max(np.abs(chunked.astype(int) - reference.astype(int))) <= 1


def test_resampling_is_deterministic() -> None:
    data, rate, _ = read_wav("sense-0920-8k.wav")
    first = pipeline_all(AudioPipeline("pcm", rate, 1), data, 1600)
    second = pipeline_all(AudioPipeline("pcm", rate, 1), data, 1600)
    assert np.array_equal(first, second)


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 32000, 44100, 48000])
def test_pipeline_any_rate_to_16k(rate: int) -> None:
    signal = tone(300, rate, 1.0)
    data = signal.astype("<i2").tobytes()
    pipeline = AudioPipeline("pcm", rate, 1)
    out = pipeline_all(pipeline, data, rate // 10 * 2)
    assert out.shape == (1, 16000)
    assert pipeline.samples_out == 16000
    assert pipeline.position == pytest.approx(1.0)
    assert abs(dominant_frequency(out[0], 16000) - 300) < 3


def test_pipeline_stereo_mixdown_and_per_channel() -> None:
    data, rate, _ = read_wav("two-speakers-stereo-16k.wav")
    expected = wav_samples("two-speakers-stereo-16k.wav")
    both = pipeline_all(AudioPipeline("pcm", rate, 2), data, 3200)
    assert np.array_equal(both, expected)
    mixed = pipeline_all(AudioPipeline("pcm", rate, 2, mixdown=True), data, 3200)
    assert mixed.shape == (1, expected.shape[1])
    mean = np.rint(expected.astype(np.int32).mean(axis=0)).astype(np.int16)
    assert np.array_equal(mixed[0], mean)


def test_unsupported_encoding_and_rates_are_bad_requests() -> None:
    for encoding, rate in (("g729", 8000), ("mp3", 16000), ("pcm", 4000), ("pcm", 96000)):
        with pytest.raises(ServiceError) as caught:
            make_decoder(encoding, rate, 1)
        assert caught.value.error_type == "BadRequestException"
    with pytest.raises(ServiceError) as caught:
        make_decoder("g729", 8000, 1)
    assert "pcm" in caught.value.message and "flac" in caught.value.message


def test_unexpected_failures_become_internal_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = AudioPipeline("pcm", 16000, 1)

    def broken(chunk: bytes) -> np.ndarray:
        raise KeyError("bug")

    monkeypatch.setattr(pipeline._decoder, "feed", broken)
    with pytest.raises(ServiceError) as caught:
        pipeline.feed(b"\x00\x00")
    assert caught.value.error_type == "InternalFailureException"
