"""Memory of a resilient stream through many faults (target: RSS growth < 5 MiB).

One resilient stream sends ``--minutes`` of audio unpaced (0.5 s chunks of
16 kHz PCM made block by block, never held whole) to an in-process emulator
(positional engine) that breaks each stream once it has received a minute
of audio, cycling through a connection reset, RST_STREAM, GOAWAY,
InternalFailureException and ServiceUnavailableException. Every stream is
resumed with replay. A warm-up stream (one fault) runs first so that
first-use allocations (TLS, the CRT's buffers, the thread pool) are not
counted; then the process's RSS (client and emulator together) is read from
``/proc/self/statm`` before the run, after every simulated minute and at the
end. The final results are checked too (one per second of audio, in order).

Run: ``.venv/bin/python benchmarks/bench_resilience_memory.py [--minutes 30]``.
Not a test: it prints what it measured and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, List, Optional, Sequence

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from amazon_transcribe.auth import StaticCredentialResolver  # noqa: E402
from amazon_transcribe.client import TranscribeStreamingClient  # noqa: E402
from amazon_transcribe.emulator import TranscribeEmulator  # noqa: E402
from amazon_transcribe.emulator.faults import (  # noqa: E402
    ConnectionResetFault,
    ExceptionFault,
    FaultRule,
    Faults,
    GoAwayFault,
    RstStreamFault,
)
from amazon_transcribe.emulator.scripted import PositionalEngine, position_audio  # noqa: E402
from amazon_transcribe.httpsession import Timeouts  # noqa: E402
from amazon_transcribe.resilience import ResiliencePolicy  # noqa: E402
from amazon_transcribe.shapes import TranscriptEvent  # noqa: E402

TARGET_MIB = 5.0
CHUNK_SECONDS = 0.5
EVENTS_PER_MINUTE = int(60 / CHUNK_SECONDS)
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def fault(n: int) -> Any:
    after = EVENTS_PER_MINUTE
    return [
        ConnectionResetFault(after_events=after),
        RstStreamFault(after_events=after),
        GoAwayFault(after_events=after),
        ExceptionFault("InternalFailureException", "bench", after_events=after),
        ExceptionFault("ServiceUnavailableException", "bench", after_events=after),
    ][n % 5]


class _OnePerStream(Faults):
    """Every new stream gets the next fault of the cycle (so each stream,
    resumed ones included, is broken after a minute of audio)."""

    def __init__(self) -> None:
        super().__init__()
        self.claimed = 0

    def claim(self, session_id: Optional[str]) -> List[FaultRule]:
        self.claimed += 1
        return [FaultRule(fault(self.claimed), session_id=None, times=None)]


async def one_stream(emulator: TranscribeEmulator, seconds: int,
                     samples: Optional[List[float]] = None) -> Any:
    creds = emulator.credentials
    client = TranscribeStreamingClient(
        region=emulator.region, endpoint=emulator.endpoint, ca_bundle=str(emulator.ca_file),
        credential_resolver=StaticCredentialResolver(creds.access_key_id,
                                                     creds.secret_access_key),
        timeouts=Timeouts(connect=5, response=5, read=10, write=10))
    policy = ResiliencePolicy(keepalive_after=None, backoff_base=0.01, max_backoff=0.05,
                              max_attempts=6, stall_timeout=5.0)
    finals: List[float] = []
    async with client:
        stream = await client.start_resilient_stream_transcription(
            resilience=policy, language_code="en-US", media_sample_rate_hz=16000,
            media_encoding="pcm")

        async def send() -> None:
            for second in range(seconds):
                block = position_audio(1, first_block=second)
                half = len(block) // 2
                await stream.input_stream.send_audio_event(block[:half])
                await stream.input_stream.send_audio_event(block[half:])
                if samples is not None and second % 60 == 59:
                    samples.append(rss_mib())
            await stream.input_stream.end_stream()

        async def read() -> None:
            async for event in stream.output_stream:
                if isinstance(event, TranscriptEvent):
                    finals.extend(r.end_time for r in event.transcript.results
                                  if not r.is_partial)

        async with stream:
            await asyncio.wait_for(asyncio.gather(send(), read()), seconds + 120)
    ok = finals == [float(n) for n in range(1, seconds + 1)]
    return stream.stats, ok


async def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=30,
                        help="minutes of audio in the measured stream (default: %(default)s)")
    parser.add_argument("--heap-big-buffers", action="store_true",
                        help="leave glibc's mmap threshold alone (see below)")
    args = parser.parse_args(argv)
    if not args.heap_big_buffers:
        # The in-process emulator's TLS connections (one per resumed stream
        # after a reset or GOAWAY) each allocate 256 KiB buffers; glibc
        # otherwise moves such blocks to the heap after the first is freed
        # and the heap then creeps. The emulator's command line sets the same
        # threshold; the client does not need it.
        from amazon_transcribe.emulator.__main__ import _return_big_buffers_to_the_system

        _return_big_buffers_to_the_system()
    with tempfile.TemporaryDirectory() as state:
        faults = _OnePerStream()
        async with TranscribeEmulator(engine=PositionalEngine(), state_dir=state,
                                      faults=faults) as emulator:
            await one_stream(emulator, 90)  # warm-up
            gc.collect()
            before = rss_mib()
            samples: List[float] = []
            started = time.monotonic()
            stats, ok = await one_stream(emulator, args.minutes * 60, samples)
            elapsed = time.monotonic() - started
            gc.collect()
            after = rss_mib()
            streams = len(emulator.records.all())
            fired = sum(len(record.faults) for record in emulator.records.all())
    growth = after - before
    print(f"audio: {args.minutes} min unpaced in {elapsed:.1f} s; streams opened: {streams} "
          f"(warm-up included), faults fired: {fired}; resumes: {stats.resumes}; replayed: "
          f"{stats.replayed_seconds:.0f} s; lost: {stats.lost_seconds:.1f} s")
    print(f"finals one per second, in order: {'yes' if ok else 'NO'}")
    print(f"RSS before: {before:.1f} MiB; peak during: {max(samples + [after]):.1f} MiB; "
          f"after: {after:.1f} MiB")
    print(f"RSS per minute (MiB): {' '.join(f'{s:.1f}' for s in samples)}")
    verdict = "under" if growth < TARGET_MIB else "OVER"
    print(f"RSS growth: {growth:+.2f} MiB ({verdict} the {TARGET_MIB:g} MiB target)")


if __name__ == "__main__":
    asyncio.run(main())
