"""The command against an emulator this test runs (scripted engine): terminal
behaviour, errors and exit statuses, pacing, ``--fast``, ``--mic``."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import socket
import struct
import threading
import time
import wave
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.engine import (
    Engine,
    EngineOutput,
    RecognitionSession,
    StreamSettings,
)
from amazon_transcribe.emulator.scripted import DEFAULT_TRANSCRIPT, ScriptedEngine

from .support import ASSETS, EXIT, HERE, RUN_TIMEOUT, base_env, command, one_line_error, run_cli


def env_of(emulator: TranscribeEmulator, **extra: str) -> Dict[str, str]:
    env = dict(emulator.environment())
    env.update(extra)
    return env


# -- terminal ----------------------------------------------------------------


async def test_pty_partials_redrawn_finals_as_lines(
        transcribe_emulator: TranscribeEmulator) -> None:
    master, slave = os.openpty()
    process = await asyncio.create_subprocess_exec(
        *command("--fast", str(ASSETS / "sense-0870.wav")),
        stdin=asyncio.subprocess.DEVNULL, stdout=slave, stderr=asyncio.subprocess.PIPE,
        env=base_env(env_of(transcribe_emulator, COLUMNS="200")))
    os.close(slave)

    def read_all() -> bytes:
        data = b""
        while True:
            try:
                block = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return data
            if not block:
                return data
            data += block

    try:
        reader = asyncio.get_running_loop().run_in_executor(None, read_all)
        status = await asyncio.wait_for(process.wait(), RUN_TIMEOUT)
        output = (await asyncio.wait_for(reader, 10)).decode()
    finally:
        os.close(master)
    assert status == 0
    # The default script: per second of audio, a partial (first half of the
    # words) then the final. The partial is drawn after \r + erase-line and
    # not ended by a newline; the final overwrites it and ends the line.
    half = " ".join(DEFAULT_TRANSCRIPT.split()[:3])
    redraw = "\r\x1b[K"
    assert f"{redraw}{half}{redraw}{DEFAULT_TRANSCRIPT}\r\n" in output, repr(output[:300])
    finals = [line for line in output.split("\r\n") if line]
    # 71 events: one scripted segment per 10 events.
    assert len(finals) == 7
    assert all(line.endswith(DEFAULT_TRANSCRIPT) for line in finals)
    # Redrawing: nothing but the final remains on each line once the
    # erase-line escapes are applied.
    assert all(line.rsplit(redraw, 1)[-1] == DEFAULT_TRANSCRIPT for line in finals)


# -- errors ------------------------------------------------------------------


async def test_unsupported_file(tmp_path: Path, transcribe_emulator: TranscribeEmulator) -> None:
    path = tmp_path / "notes.mp3"
    path.write_bytes(b"this is not audio\n" * 50)
    run = await run_cli(str(path), env=env_of(transcribe_emulator))
    assert run.status == EXIT["input"]
    assert "notes.mp3" in one_line_error(run)
    assert transcribe_emulator.records.__len__() == 0  # nothing was sent


async def test_missing_file(transcribe_emulator: TranscribeEmulator) -> None:
    run = await run_cli(str(ASSETS / "no-such.wav"), env=env_of(transcribe_emulator))
    assert run.status == EXIT["input"]
    assert "No such file" in one_line_error(run)


@pytest.mark.parametrize("region", ["not a region", "us_west_2", "mars"])
async def test_bad_region(region: str) -> None:
    run = await run_cli("--region", region, str(ASSETS / "sense-0880.wav"))
    assert run.status == EXIT["usage"]
    assert "invalid region" in one_line_error(run)


async def test_usage_error_is_one_line() -> None:
    run = await run_cli("--format", "doc", str(ASSETS / "sense-0880.wav"))
    assert run.status == EXIT["usage"]
    one_line_error(run)


async def test_credentials_refused(transcribe_emulator: TranscribeEmulator) -> None:
    run = await run_cli("--fast", str(ASSETS / "sense-0880.wav"),
                        env=env_of(transcribe_emulator, AWS_SECRET_ACCESS_KEY="wrong-secret"))
    assert run.status == EXIT["credentials"]
    assert "InvalidSignatureException" in one_line_error(run)


async def test_unreachable_endpoint(transcribe_emulator: TranscribeEmulator) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = await run_cli("--fast", "--endpoint", f"https://127.0.0.1:{port}",
                        str(ASSETS / "sense-0880.wav"), env=env_of(transcribe_emulator))
    assert run.status == EXIT["network"]
    assert "network error" in one_line_error(run)


async def test_service_error_in_stream(transcribe_emulator: TranscribeEmulator) -> None:
    from amazon_transcribe.emulator import ExceptionFault

    transcribe_emulator.faults.add(ExceptionFault(
        "LimitExceededException", "scripted limit", after_events=3))
    # Without resilience (which would resume; see test_cli_resilience.py).
    run = await run_cli("--fast", "--no-resilience", str(ASSETS / "sense-0880.wav"),
                        env=env_of(transcribe_emulator))
    assert run.status == EXIT["service"]
    assert "LimitExceededException" in one_line_error(run)


async def test_local_without_emulator_extra(tmp_path: Path) -> None:
    # A stand-in "h2" that cannot be imported: the emulator extra is "missing".
    (tmp_path / "h2").mkdir()
    (tmp_path / "h2" / "__init__.py").write_text("raise ImportError('No module named h2')\n")
    run = await run_cli("--local", str(ASSETS / "sense-0880.wav"),
                        env={"PYTHONPATH": str(tmp_path)})
    assert run.status == EXIT["usage"]
    assert "pip install 'amazon-transcribe[emulator]'" in one_line_error(run)


# -- pacing --------------------------------------------------------------------


class _TimedSession(RecognitionSession):
    def __init__(self, inner: RecognitionSession, times: List[float]) -> None:
        self.inner = inner
        self.times = times

    def accept_audio(self, chunk: bytes) -> List[EngineOutput]:
        if chunk:
            self.times.append(time.monotonic())
        return self.inner.accept_audio(chunk)

    def finish(self) -> List[EngineOutput]:
        return self.inner.finish()

    def close(self) -> None:
        self.inner.close()


class TimingEngine(Engine):
    """The scripted engine, noting when each audio event arrives."""

    blocking = False

    def __init__(self) -> None:
        self.inner = ScriptedEngine()
        self.times: List[float] = []

    def open_session(self, settings: StreamSettings) -> RecognitionSession:
        return _TimedSession(self.inner.open_session(settings), self.times)


async def test_default_pacing_keeps_real_time_within_50ms(
        transcribe_emulator_state_dir: Path) -> None:
    engine = TimingEngine()
    async with TranscribeEmulator(engine=engine, state_dir=transcribe_emulator_state_dir) as emu:
        run = await run_cli(str(ASSETS / "sense-0880.wav"), env=env_of(emu))
        assert run.status == 0, run.stderr
    # 2.99 s in 100 ms events: event i leaves when its audio has played.
    times = engine.times
    assert len(times) == 30
    for i, arrived in enumerate(times):
        assert abs((arrived - times[0]) - i * 0.1) <= 0.05, (i, arrived - times[0])


async def test_fast_streams_ten_minutes_well_under_a_minute(
        tmp_path: Path, transcribe_emulator: TranscribeEmulator) -> None:
    path = tmp_path / "ten-minutes.wav"
    second = b"".join(struct.pack("<h", (i * 37) % 2000 - 1000) for i in range(16000))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(second * 600)
    started = time.monotonic()
    run = await run_cli("--fast", "-f", "jsonl", str(path), env=env_of(transcribe_emulator))
    elapsed = time.monotonic() - started
    assert run.status == 0, run.stderr
    assert elapsed < 30, elapsed
    record = transcribe_emulator.records[-1]
    assert record.end_reason == "completed"
    assert record.audio_bytes == 600 * 32000 and record.audio_events == 6000
    assert record.audio_sha256 == hashlib.sha256(second * 600).hexdigest()
    assert len(run.stdout.splitlines()) == 600  # one scripted segment per 10 events


# -- microphone --------------------------------------------------------------


async def test_mic_with_fake_device_chunks_reach_the_stream(
        transcribe_emulator: TranscribeEmulator) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "fake_sounddevice", HERE / "fake_sounddevice" / "sounddevice.py")
    assert spec is not None and spec.loader is not None
    fake: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fake)
    run = await run_cli("--mic", "--duration", "1", env=env_of(
        transcribe_emulator, PYTHONPATH=str(HERE / "fake_sounddevice"),
        FAKE_SOUNDDEVICE_BLOCKS="30"))
    assert run.status == 0, run.stderr
    expected = b"".join(fake.block(n, 1600, 1) for n in range(10))  # 1 s: ten 100 ms blocks
    record = transcribe_emulator.records[-1]
    assert record.end_reason == "completed"
    assert record.audio_events == 10 and record.audio_bytes == 32000
    assert record.audio_sha256 == hashlib.sha256(expected).hexdigest()
    assert run.stdout.strip() == DEFAULT_TRANSCRIPT


async def test_progress_line_on_a_terminal_stderr_only(
        transcribe_emulator: TranscribeEmulator, tmp_path: Path) -> None:
    # Transcript to a file, stderr on a terminal: the progress line is drawn
    # there (audio sent, elapsed, real-time factor) and ends with a newline.
    master, slave = os.openpty()
    out_file = tmp_path / "out.txt"
    process = await asyncio.create_subprocess_exec(
        *command("--fast", "-o", str(out_file), str(ASSETS / "sense-0880.wav")),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=slave,
        env=base_env(env_of(transcribe_emulator)))
    os.close(slave)

    def read_all() -> bytes:
        data = b""
        while True:
            try:
                block = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return data
            if not block:
                return data
            data += block

    try:
        reader = asyncio.get_running_loop().run_in_executor(None, read_all)
        status = await asyncio.wait_for(process.wait(), RUN_TIMEOUT)
        progress = (await asyncio.wait_for(reader, 10)).decode()
    finally:
        os.close(master)
    assert status == 0
    last = progress.rstrip("\r\n").rsplit("\x1b[K", 1)[-1]
    assert re.fullmatch(r"sent 3\.0 / 3\.0 s of audio, \d+\.\d s elapsed, \d+\.\d\dx real time",
                        last), repr(progress)
    assert progress.endswith("\r\n")
    assert out_file.read_text().strip()  # the transcript went to the file
    # Not on a terminal: no progress at all.
    quiet = await run_cli("--fast", str(ASSETS / "sense-0880.wav"),
                          env=env_of(transcribe_emulator))
    assert quiet.status == 0 and quiet.stderr == ""
