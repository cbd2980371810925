"""Helpers shared by the client's end-to-end tests against the emulator."""

from __future__ import annotations

import asyncio
import hashlib
import os
import wave
from pathlib import Path
from typing import Any, List, Optional

from amazon_transcribe.auth import StaticCredentialResolver
from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.httpsession import Timeouts

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def pcm(name: str = "sense-0870.wav") -> bytes:
    """The PCM data of a test recording (the WAV header skipped)."""
    with wave.open(str(ASSETS / name)) as wav:
        return wav.readframes(wav.getnframes())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_client(emulator: TranscribeEmulator, *, secret: Optional[str] = None,
                timeouts: Optional[Timeouts] = None, **kwargs: Any) -> TranscribeStreamingClient:
    creds = emulator.credentials
    kwargs.setdefault("endpoint", emulator.endpoint)
    return TranscribeStreamingClient(
        region=emulator.region,
        ca_bundle=str(emulator.ca_file),
        credential_resolver=kwargs.pop("credential_resolver", None) or StaticCredentialResolver(
            creds.access_key_id, secret if secret is not None else creds.secret_access_key),
        timeouts=timeouts or Timeouts(connect=5, response=5, read=5, write=5),
        **kwargs,
    )


async def start(client: TranscribeStreamingClient, **kwargs: Any) -> Any:
    options = dict(language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm")
    options.update(kwargs)
    return await client.start_stream_transcription(**options)


async def send_all(stream: Any, audio: bytes, chunk: int = 3200, end: bool = True) -> None:
    for i in range(0, len(audio), chunk):
        await stream.input_stream.send_audio_event(audio[i : i + chunk])
    if end:
        await stream.input_stream.end_stream()


async def collect(stream: Any) -> List[Any]:
    return [event async for event in stream.output_stream]


def native_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def other_tasks() -> set:
    """The client's tasks besides the current one.

    The emulator's own tasks (its stream handlers, its TLS accepts) are left
    out: they end on the server's schedule, and the emulator's tests check
    them.
    """
    return {
        t for t in asyncio.all_tasks()
        if t is not asyncio.current_task()
        and "_accept_connection" not in t.get_coro().__qualname__  # type: ignore[union-attr]
        and "/emulator/" not in t.get_coro().cr_code.co_filename  # type: ignore[union-attr]
    }
