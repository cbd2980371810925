"""Latency of one stream against the emulator: start, first chunk, first result, close.

A script, not a test: it prints medians and checks nothing. The emulator
runs in a child process (this script with ``--serve``), with a scripted
engine that answers the first audio event with a final result at once, and
prints the instant (``time.monotonic()``, the system-wide monotonic clock
on Linux) at which each stream's first audio event reached its engine.
The client measures, for one stream at a time:

* **start**: ``await start_stream_transcription(...)`` (connect, TLS,
  HTTP/2, request, response headers);
* **first chunk at the server**: from calling ``send_audio_event`` with the
  first 100 ms chunk to its arrival at the emulator's engine;
* **first result**: from that call to the first transcript event read
  (the scripted engine's own time is a few microseconds);
* **close**: from calling ``end_stream()`` to the end of the output stream.

Modes, interleaved stream by stream so that all see the same machine state:

* ``old``: the transport as before issue 12 (no ``TCP_NODELAY``, every
  write waits for the 5 ms grid), selected through the transport's switches;
* ``new``: the transport as it is;
* ``warm``: the transport as it is, with ``warm_connection=True`` (each
  start takes the connection opened in the background after the previous one).

Credentials come from the default chain (environment variables), as in
most applications, or with ``--credentials static`` from a
``StaticCredentialResolver``.

    python benchmarks/bench_latency.py [--streams 30] [--modes old,new,warm]
                                       [--credentials chain|static]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

from _emulator import REPO, _parse_exports, environment_lines, make_client

CHUNK = b"\x01\x00" * 1600  # 100 ms of 16 kHz 16-bit audio
MODES = ("old", "new", "warm")
WAIT = 10.0  # seconds any single wait may take before the stream counts as failed


# ------------------------------------------------------------------ the server


def serve(state_dir: str) -> None:
    """Run the emulator here, printing its exports and each first audio arrival."""
    from amazon_transcribe.emulator.app import TranscribeEmulator
    from amazon_transcribe.emulator.engine import Engine, RecognitionSession, StreamSettings
    from amazon_transcribe.emulator.scripted import ScriptedEngine

    scripted = ScriptedEngine.from_json(
        [{"after_events": 1, "segment": {"transcript": "hello", "start_time": 0.0,
                                         "end_time": 0.1}}]
    )

    class TimedSession(RecognitionSession):
        def __init__(self, inner: RecognitionSession, session_id: str) -> None:
            self._inner, self._session_id, self._seen = inner, session_id, False

        def accept_audio(self, chunk: bytes) -> List[Any]:
            if chunk and not self._seen:
                self._seen = True
                print(f"first-audio {self._session_id} {time.monotonic():.9f}", flush=True)
            return self._inner.accept_audio(chunk)

        def finish(self) -> List[Any]:
            return self._inner.finish()

        def close(self) -> None:
            self._inner.close()

    class TimedEngine(Engine):
        blocking = False

        def open_session(self, settings: StreamSettings) -> RecognitionSession:
            return TimedSession(scripted.open_session(settings), settings.session_id)

    async def main() -> None:
        async with TranscribeEmulator(engine=TimedEngine(), state_dir=state_dir) as emulator:
            for name, value in emulator.environment().items():
                print(f"export {name}={value}", flush=True)
            await asyncio.Event().wait()  # until terminated

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


class Server:
    """The ``--serve`` child process, its exports and first-audio instants."""

    def __init__(self) -> None:
        self._tmp = tempfile.mkdtemp(prefix="bench-latency-")
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", os.path.join(self._tmp, "state")],
            stdout=subprocess.PIPE, cwd=str(REPO), text=True,
        )
        self.env: Dict[str, str] = {}
        self.first_audio: Dict[str, float] = {}
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        with self._changed:
            if not self._changed.wait_for(lambda: "AWS_REGION" in self.env, timeout=60):
                self.stop()
                raise RuntimeError("the emulator did not start")

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:  # drained to the end: the child never blocks
            with self._changed:
                if line.startswith("first-audio "):
                    _, session_id, instant = line.split()
                    self.first_audio[session_id] = float(instant)
                elif line.startswith("export "):
                    self.env.update(_parse_exports(line))
                self._changed.notify_all()

    def wait_first_audio(self, session_id: str, timeout: float) -> Optional[float]:
        with self._changed:
            self._changed.wait_for(lambda: session_id in self.first_audio, timeout=timeout)
            return self.first_audio.get(session_id)

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)


# ------------------------------------------------------------------ the client


def set_mode(mode: str) -> None:
    """Switch the transport between its old and new behaviour."""
    from amazon_transcribe import _httpsession

    new = mode != "old"
    _httpsession._TCP_NODELAY = new
    _httpsession._IDLE_WRITES_AT_ONCE = new


async def one_stream(client: Any, server: Server) -> Dict[str, float]:
    """Measure one stream; returns milliseconds by measure."""
    loop = asyncio.get_running_loop()
    session_id = str(uuid.uuid4())
    t0 = time.monotonic()
    stream = await client.start_stream_transcription(
        language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm",
        session_id=session_id,
    )
    started = time.monotonic()
    first_result: "asyncio.Future[float]" = loop.create_future()

    async def read() -> float:
        async for event in stream.output_stream:
            if not first_result.done() and event.transcript.results:
                first_result.set_result(time.monotonic())
        return time.monotonic()

    reader = loop.create_task(read())
    try:
        sent = time.monotonic()
        await stream.input_stream.send_audio_event(audio_chunk=CHUNK)
        arrived = await loop.run_in_executor(None, server.wait_first_audio, session_id, WAIT)
        result_at = await asyncio.wait_for(asyncio.shield(first_result), WAIT)
        ending = time.monotonic()
        await stream.input_stream.end_stream()
        ended = await asyncio.wait_for(reader, WAIT)
    finally:
        reader.cancel()
        # Not measured: the connection is shut down before the next stream
        # starts (as ``async with stream:`` does), so that no stream's start
        # shares the machine with the previous one's teardown.
        await asyncio.wait_for(stream.aclose(), WAIT)
    if arrived is None:
        raise RuntimeError("the emulator never reported the first audio event")
    return {
        "start": (started - t0) * 1e3,
        "first chunk at the server": (arrived - sent) * 1e3,
        "first result": (result_at - sent) * 1e3,
        "end of stream to end of output": (ended - ending) * 1e3,
    }


async def run(
    server: Server, modes: List[str], streams: int, credentials: str
) -> Dict[str, Dict[str, List[float]]]:
    from amazon_transcribe.client import TranscribeStreamingClient

    resolver = make_client(server.env)._credential_resolver
    if credentials == "chain":
        # As most applications get them: the default chain, from the
        # environment (which the emulator's exports fill in).
        os.environ.update(
            {name: server.env[name] for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
        )
        os.environ.pop("AWS_SESSION_TOKEN", None)
        resolver = None

    def client(warm_connection: bool) -> Any:
        return TranscribeStreamingClient(
            region=server.env["AWS_REGION"],
            endpoint=server.env["AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING"],
            ca_bundle=server.env["AWS_CA_BUNDLE"],
            credential_resolver=resolver,
            warm_connection=warm_connection,
        )

    plain, warm = client(False), client(True)
    results: Dict[str, Dict[str, List[float]]] = {m: {} for m in modes}
    try:
        # Not measured: first-use costs (TLS context, credential and CRT set-up).
        for mode in modes:
            set_mode(mode)
            await one_stream(warm if mode == "warm" else plain, server)
            if mode == "warm":
                await asyncio.wait_for(warm.warm_up(), WAIT)
        for _ in range(streams):
            for mode in modes:
                set_mode(mode)
                measured = await one_stream(warm if mode == "warm" else plain, server)
                if mode == "warm":
                    # Wait for the connection the stream's end opened in the
                    # background, as a voice agent's next turn finds it, and
                    # before another mode switches the transport back.
                    await asyncio.wait_for(warm.warm_up(), WAIT)
                for name, value in measured.items():
                    results[mode].setdefault(name, []).append(value)
    finally:
        set_mode("new")
        await asyncio.wait_for(plain.close(), WAIT)
        await asyncio.wait_for(warm.close(), WAIT)
    return results


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=30, help="streams per mode")
    parser.add_argument("--modes", default=",".join(MODES),
                        help="comma-separated, of: " + ", ".join(MODES))
    parser.add_argument("--credentials", choices=("chain", "static"), default="chain",
                        help="the default credential chain (from environment variables, as "
                        "most applications) or a StaticCredentialResolver")
    parser.add_argument("--serve", metavar="STATE_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")
    for line in environment_lines():
        print(line)
    server = Server()
    try:
        results = asyncio.run(run(server, modes, args.streams, args.credentials))
    finally:
        server.stop()
    targets = {"start": "<= 8 ms (warm: <= 2 ms)", "first chunk at the server": "<= 2 ms",
               "first result": "<= 2 ms + engine", "end of stream to end of output": "<= 2 ms"}
    print()
    print(f"medians of {args.streams} streams per mode, milliseconds (min / max in brackets)")
    print(f"{'measure':34}" + "".join(f"{m:>24}" for m in modes) + "   target")
    for name, target in targets.items():
        cells = []
        for mode in modes:
            values = results[mode].get(name, [])
            cells.append(
                f"{statistics.median(values):8.2f} ({min(values):.2f} / {max(values):.2f})"
                if values else "n/a"
            )
        print(f"{name:34}" + "".join(f"{c:>24}" for c in cells) + f"   {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
