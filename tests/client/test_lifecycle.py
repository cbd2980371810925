"""Cancellation at start, send-time signing, offline recognition, examples, against the emulator."""

from __future__ import annotations

import asyncio
import datetime
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import List

import pytest

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.engine import (
    Engine,
    RecognitionSession,
    StreamSettings,
)
from amazon_transcribe.emulator.scripted import ScriptedEngine
from amazon_transcribe.emulator.wer import word_error_rate
from amazon_transcribe.httpsession import Timeouts

from .support import ASSETS, collect, make_client, other_tasks, pcm, send_all, sha256, start

CHUNK = b"\x01\x00" * 1600
SENSE_0870 = ("and mister john dashwood had then leisure to consider how much there might "
              "be prudently in his power to do for them")


# Backpressure and cancellation at send, end and read are tested on the
# in-memory transport (tests/client/test_session.py), where "the sender is
# waiting" is a fact the transport reports rather than a timeout that passed.


class _HeldEngine(Engine):
    """Holds every new session until released: the response is not sent meanwhile."""

    blocking = True

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self._inner = ScriptedEngine()

    def open_session(self, settings: StreamSettings) -> RecognitionSession:
        self.entered.set()
        self.release.wait(timeout=10)
        return self._inner.open_session(settings)


async def test_cancelling_start_while_waiting_for_the_response(tmp_path: Path) -> None:
    engine = _HeldEngine()
    async with TranscribeEmulator(engine=engine, state_dir=tmp_path) as emulator:
        tasks = other_tasks()
        client = make_client(emulator)
        starting = asyncio.ensure_future(start(client))
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, engine.entered.wait, 10)
        starting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await starting
        engine.release.set()
        await emulator.wait_no_connections(timeout=10)
        assert other_tasks() - tasks == set()
        await client.close()


async def test_cancelling_start_while_connecting() -> None:
    # A server that accepts TCP but never speaks TLS: the start hangs in connect.
    accepted = asyncio.Event()
    writers: List[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        accepted.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    from amazon_transcribe.auth import StaticCredentialResolver
    from amazon_transcribe.client import TranscribeStreamingClient

    client = TranscribeStreamingClient(
        region="us-east-1", endpoint=f"https://127.0.0.1:{port}",
        credential_resolver=StaticCredentialResolver("AKID", "SECRET"),
        timeouts=Timeouts(connect=30))
    tasks = other_tasks()
    starting = asyncio.ensure_future(start(client))
    await asyncio.wait_for(accepted.wait(), 10)
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    assert other_tasks() - tasks == set()
    for writer in writers:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_simulated_30_minutes_unpaced_are_signed_at_send_time(tmp_path: Path) -> None:
    # One clock for both sides; it advances one second per second of audio
    # sent. The emulator checks every event's :date against it (±5 min), so
    # a client that signed ahead of sending would fail after 5 minutes.
    now = [datetime.datetime.now(datetime.timezone.utc)]

    def clock() -> datetime.datetime:
        return now[0]

    second = b"\x02\x00" * 16000  # 1 s of 16 kHz audio
    async with TranscribeEmulator(state_dir=tmp_path, clock=clock) as emulator:
        async with make_client(emulator, clock=clock,
                               timeouts=Timeouts(read=30, write=30)) as client:
            stream = await start(client)
            reader = asyncio.ensure_future(collect(stream))
            for _ in range(30 * 60):
                await stream.input_stream.send_audio_event(second)
                now[0] += datetime.timedelta(seconds=1)
            await stream.input_stream.end_stream()
            await asyncio.wait_for(reader, 60)
        record = await emulator.records.wait_ended(stream.response.session_id, timeout=30)
    assert record.end_reason == "completed"
    assert record.signatures_failed == 0 and record.signatures_passed == 1801
    assert record.audio_bytes == 30 * 60 * len(second)


async def test_offline_engine_through_the_sdk(tmp_path: Path) -> None:
    async with TranscribeEmulator(engine="sphinx", state_dir=tmp_path) as emulator:
        async with make_client(emulator, timeouts=Timeouts(read=30)) as client:
            stream = await start(client)
            events, _ = await asyncio.wait_for(
                asyncio.gather(collect(stream), send_all(stream, pcm("sense-0870.wav"))), 60)
    results = [r for e in events for r in e.transcript.results]
    assert any(r.is_partial for r in results)
    final_text = " ".join(r.alternatives[0].transcript for r in results if not r.is_partial)
    wer = word_error_rate(SENSE_0870, final_text)
    print(f"offline engine through the SDK: WER {wer:.3f} on sense-0870: {final_text!r}")
    assert wer <= 0.45


def test_file_example_runs_against_the_emulator(tmp_path: Path) -> None:
    # The bundled example, unchanged, pointed at the emulator by the standard
    # environment variables only.
    code = """
import asyncio, json, sys
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.scripted import Script, ScriptedEngine
script = Script.from_json([{"at_finish": True, "segment": {"transcript": "scripted words"}}])
async def main():
    async with TranscribeEmulator(engine=ScriptedEngine(script), state_dir=sys.argv[1]) as emulator:
        print(json.dumps(emulator.environment()), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
asyncio.run(main())
"""
    emulator = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert emulator.stdout is not None and emulator.stdin is not None
        import json

        env = dict(os.environ, **json.loads(emulator.stdout.readline()))
        example = Path(__file__).resolve().parents[2] / "examples" / "simple_file.py"
        out = subprocess.run([sys.executable, str(example), str(ASSETS / "upstream-test.wav")],
                             env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines() == ["    scripted words"]
        emulator.stdin.write("\n")
        emulator.stdin.flush()
        assert emulator.wait(timeout=20) == 0
    finally:
        if emulator.poll() is None:
            emulator.kill()
            emulator.wait(timeout=10)


async def test_mic_example_with_a_fake_device(transcribe_emulator: TranscribeEmulator) -> None:
    # No sound card here: a fake sounddevice (tests/cli/fake_sounddevice)
    # delivers 30 blocks of 100 ms; the example sends them and ends the stream.
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, **transcribe_emulator.environment(),
               PYTHONPATH=str(root / "tests" / "cli" / "fake_sounddevice"),
               FAKE_SOUNDDEVICE_BLOCKS="30")
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(root / "examples" / "simple_mic.py"), "3",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert out.decode().splitlines() == ["Hello from the Amazon Transcribe emulator."] * 3
    record = transcribe_emulator.records[-1]
    expected = b"".join(int.to_bytes(n, 2, "little", signed=True) * 1600 for n in range(30))
    assert record.end_reason == "completed" and record.audio_sha256 == sha256(expected)


async def test_demo_runs(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(root / "examples" / "demo.py"), str(ASSETS / "sense-0930.wav"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ, AMAZON_TRANSCRIBE_EMULATOR_HOME=str(tmp_path)))
    out, err = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode == 0, err.decode()
    finals = [line for line in out.decode().splitlines() if line.startswith("final:")]
    assert finals and word_error_rate(
        "he might even have been made amiable himself",
        " ".join(f.split("[")[0][len("final:"):] for f in finals)) <= 0.45
