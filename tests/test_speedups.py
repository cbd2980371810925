"""The internals-dependent speed-ups: kept thread states, one-call body reads, and their switch.

These tests look inside on purpose (awscrt's callbacks, the set of kept
threads): the speed-ups are internals, verified for the versions
:data:`~amazon_transcribe.crt.VERIFIED_PYTHON` and
:data:`~amazon_transcribe.crt.VERIFIED_AWSCRT`.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from amazon_transcribe import crt
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.httpsession import HTTP2Stream

from .client.support import collect, make_client, pcm, send_all, start


async def test_crt_threads_keep_their_thread_state(
    transcribe_emulator: TranscribeEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # threading.local lives in the thread state: a value set in one callback
    # is still there in the next only if the thread state was kept.
    local = threading.local()
    seen: List[Tuple[int, Optional[str]]] = []
    original = HTTP2Stream._on_body

    def spy(self: HTTP2Stream, *args: Any, **kwargs: Any) -> None:
        seen.append((threading.get_ident(), getattr(local, "mark", None)))
        local.mark = "kept"
        original(self, *args, **kwargs)

    monkeypatch.setattr(HTTP2Stream, "_on_body", spy)
    async with make_client(transcribe_emulator) as client:
        stream = await start(client)
        await send_all(stream, pcm()[: 3200 * 40])
        events = await collect(stream)
    assert len(events) >= 3
    loop_thread = threading.get_ident()
    first: Dict[int, Optional[str]] = {}
    later: List[Optional[str]] = []
    for ident, mark in seen:
        assert ident != loop_thread  # body callbacks come on CRT threads
        if ident in first:
            later.append(mark)
        else:
            first[ident] = mark
    assert len(later) >= 2
    assert later == ["kept"] * len(later)
    assert set(first) <= crt._KEPT
    assert crt.speedups_enabled()  # what this test relies on


def test_keep_thread_state_is_idempotent_on_a_python_thread() -> None:
    # On a thread that already has a thread state it only raises a count; a
    # second call on the same thread does nothing at all.
    done: List[bool] = []

    def run() -> None:
        crt._keep_thread_state()
        crt._keep_thread_state()
        done.append(threading.get_ident() in crt._KEPT)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert done == [True]


def test_the_switch_is_on_for_verified_versions_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    monkeypatch.delenv(crt.DISABLE_VARIABLE, raising=False)
    low, high = crt.VERIFIED_PYTHON
    assert crt._decide() is (low <= sys.version_info[:2] <= high)
    monkeypatch.setenv(crt.DISABLE_VARIABLE, "1")
    assert crt._decide() is False
    monkeypatch.delenv(crt.DISABLE_VARIABLE)
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.99.0")
    assert crt._decide() is False
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.31.9")
    assert crt._decide() is False
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.38.1")
    assert crt._decide() is (low <= sys.version_info[:2] <= high)
    assert crt._version("0.32.0") == (0, 32) and crt._version("1.0rc1") == (1, 0)


PLAIN_PATH = textwrap.dedent(
    """
    import asyncio, hashlib, sys
    from amazon_transcribe import crt
    from amazon_transcribe.auth import StaticCredentialResolver
    from amazon_transcribe.client import TranscribeStreamingClient
    from amazon_transcribe.emulator import TranscribeEmulator

    async def main():
        assert not crt.speedups_enabled()
        audio = bytes(range(256)) * 250
        async with TranscribeEmulator(state_dir=sys.argv[1]) as emulator:
            creds = emulator.credentials
            async with TranscribeStreamingClient(
                region="us-east-1", endpoint=emulator.endpoint, ca_bundle=str(emulator.ca_file),
                credential_resolver=StaticCredentialResolver(*creds),
            ) as client:
                stream = await client.start_stream_transcription(
                    language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm")
                for i in range(0, len(audio), 3200):
                    await stream.input_stream.send_audio_event(audio[i:i + 3200])
                await stream.input_stream.end_stream()
                events = [e async for e in stream.output_stream]
            record = await emulator.records.wait_ended(stream.response.session_id, timeout=20)
        print(len(events), record.end_reason, record.audio_sha256 == hashlib.sha256(audio).hexdigest())

    asyncio.run(main())
    """
)


def test_the_plain_paths_work_with_the_speedups_off(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PLAIN_PATH, str(tmp_path)],
        capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, crt.DISABLE_VARIABLE: "1"},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    events, reason, intact = completed.stdout.split()
    assert int(events) >= 1 and reason == "completed" and intact == "True"
