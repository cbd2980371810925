"""Offline recognition through the emulator's wire protocol, with the raw h2 client.

The engine-level tests (test_sphinx.py) check the recognizer; these check
what a client of the service sees: signed audio in 100 ms events over HTTP/2
+ TLS, ``TranscriptEvent`` JSON out, partial results then finals, channel ids.
"""

from __future__ import annotations

import asyncio
import uuid
import wave
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Tuple

import pytest
import pytest_asyncio

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.wer import aggregate_word_error_rate, word_error_rate

from .h2client import H2Client
from .streaming import run_stream
from .test_sphinx import reference

ASSETS = Path(__file__).resolve().parents[1] / "assets"
CLIPS = ["sense-0870.wav", "sense-0880.wav", "sense-0890.wav", "sense-0920.wav",
         "sense-0930.wav"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sphinx(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TranscribeEmulator]:
    state = tmp_path_factory.mktemp("recognition-state")
    async with TranscribeEmulator(engine="sphinx", state_dir=state, idle_timeout=30) as emulator:
        yield emulator


async def _transcribe(emulator: TranscribeEmulator, data: bytes, chunk: int,
                      **request: Any) -> List[Dict[str, Any]]:
    client = await H2Client.connect("127.0.0.1", emulator.port, ca_file=str(emulator.ca_file))
    try:
        pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
        result = await run_stream(client, f"127.0.0.1:{emulator.port}", pieces,
                                  session_id=str(uuid.uuid4()), timeout=60, **request)
    finally:
        await client.close()
    assert result.status == 200 and result.exception() is None
    return [r for event in result.events() for r in event["Transcript"]["Results"]]


def _pcm(name: str) -> Tuple[bytes, int, int]:
    with wave.open(str(ASSETS / name)) as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate(), wav.getnchannels()


def _final_text(results: List[Dict[str, Any]], channel: str = "") -> str:
    return " ".join(r["Alternatives"][0]["Transcript"] for r in results
                    if not r["IsPartial"] and (not channel or r.get("ChannelId") == channel))


@pytest.mark.asyncio(loop_scope="module")
async def test_sense_0870_partials_then_finals_and_wer_of_five_clips(
        sphinx: TranscribeEmulator) -> None:
    pairs = []
    for name in CLIPS:
        data, rate, _ = _pcm(name)
        results = await _transcribe(sphinx, data, rate // 10 * 2)  # 100 ms events
        if name == "sense-0870.wav":
            ids = [r["ResultId"] for r in results]
            first_final = next(i for i, r in enumerate(results) if not r["IsPartial"])
            # Partials come first and share the id of the final that closes them.
            assert first_final > 0 and all(r["IsPartial"] for r in results[:first_final])
            assert ids[0] == ids[first_final]
            last_end = 0.0
            for r in results:
                if not r["IsPartial"]:
                    for item in r["Alternatives"][0]["Items"]:
                        assert last_end - 1e-9 <= item["StartTime"] <= item["EndTime"] <= 7.11
                        assert item["Type"] == "pronunciation" and 0 <= item["Confidence"] <= 1
                        last_end = item["EndTime"]
        pairs.append((reference(name), _final_text(results)))
    wer = aggregate_word_error_rate(pairs)
    print(f"\naggregate WER over the five 16 kHz clips through the emulator: {wer:.3f}")
    assert wer <= 0.45


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    "name, encoding, rate, chunk",
    [("sense-0920-8k.wav", "pcm", 8000, 1600),
     ("sense-0870.flac", "flac", 16000, 4096),
     ("sense-0870.opus", "ogg-opus", 16000, 2048)],
    ids=["8k-pcm", "flac", "ogg-opus"],
)
async def test_other_formats_are_transcribed(sphinx: TranscribeEmulator, name: str,
                                             encoding: str, rate: int, chunk: int) -> None:
    if name.endswith(".wav"):
        data = _pcm(name)[0]
        ref = reference("sense-0920.wav")  # the 8 kHz file is sense-0920 resampled
    else:
        data = (ASSETS / name).read_bytes()
        ref = reference("sense-0870.wav")
    results = await _transcribe(sphinx, data, chunk, media_encoding=encoding,
                                sample_rate=str(rate))
    wer = word_error_rate(ref, _final_text(results))
    print(f"\n{name} through the emulator: WER {wer:.3f}")
    assert wer <= 0.45


@pytest.mark.asyncio(loop_scope="module")
async def test_stereo_channel_identification(sphinx: TranscribeEmulator) -> None:
    data, rate, channels = _pcm("two-speakers-stereo-16k.wav")
    assert channels == 2
    results = await _transcribe(
        sphinx, data, rate // 10 * 4,
        extra=[("x-amzn-transcribe-enable-channel-identification", "true"),
               ("x-amzn-transcribe-number-of-channels", "2")])
    assert {r.get("ChannelId") for r in results if not r["IsPartial"]} == {"ch_0", "ch_1"}
    assert word_error_rate(reference("sense-0880.wav"), _final_text(results, "ch_0")) <= 0.45
    assert word_error_rate(reference("sense-0930.wav"), _final_text(results, "ch_1")) <= 0.45
