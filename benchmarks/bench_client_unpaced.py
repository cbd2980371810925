"""600 s of audio sent unpaced in 16 KiB chunks on one stream.

Targets: >= 12,000 audio-seconds per client CPU-second, memory growth during
the send <= 1 MiB.

The audio (the test file looped to 600 s, 16 kHz mono PCM) is cut into
16 KiB chunks before measuring, so the benchmark's own slicing is not
counted; then every chunk is sent as fast as ``send_audio_event`` returns
(its bounded write window is what holds the sender back). A reader task
takes the results meanwhile, as an application would.

* CPU: ``time.process_time()`` (all threads, awscrt's included, on Linux)
  and ``getrusage(RUSAGE_SELF)``, from the first send to the last send
  returning, and (second figure) until ``end_stream()`` has returned, i.e.
  every byte has been written to the socket.
* Memory growth: resident set size (``/proc/self/statm``) just before the
  first send and just after the last, and its peak meanwhile (VmHWM, reset
  before the send). With tracemalloc (a separate stream, because tracing
  slows Python code and would distort the CPU figure), the Python heap's
  growth and peak over the same span.

A short warm-up stream first takes the one-time costs (lazy imports, caches,
allocator arenas) so they are not booked as growth.

Run: ``.venv/bin/python benchmarks/bench_client_unpaced.py [--audio-seconds 600]``.
Not a test: it prints what it measured and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
import tracemalloc
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from _emulator import (
    BYTES_PER_SECOND,
    SAMPLE_RATE,
    CpuDelta,
    CpuSample,
    EmulatorProcess,
    check_process_time_counts_threads,
    chunks,
    environment_lines,
    looped_pcm,
    make_client,
    mib,
    peak_rss_bytes,
    positive_float,
    positive_int,
    print_table,
    reset_peak_rss,
    rss_bytes,
    verdict,
)

TARGET_AUDIO_PER_CPU = 12_000.0
TARGET_GROWTH = 1024 * 1024


@dataclass
class StreamRun:
    audio_seconds: float
    chunks: int
    send_cpu: CpuDelta  # first send -> last send returned
    total_cpu: CpuDelta  # first send -> end_stream() returned
    rss_before: Optional[int]
    rss_after: Optional[int]
    peak_rss: Optional[int]
    traced_before: Optional[int]
    traced_after: Optional[int]
    traced_peak: Optional[int]
    events: int
    errors: List[str]
    emulator_cpu: Optional[float]


async def send_unpaced(
    env: Dict[str, str],
    pieces: Sequence[bytes],
    *,
    trace: bool = False,
    emulator: Optional[EmulatorProcess] = None,
) -> StreamRun:
    """Send ``pieces`` on one new stream as fast as the client takes them."""
    client = make_client(env)
    errors: List[str] = []
    events = 0
    try:
        stream = await client.start_stream_transcription(
            language_code="en-US", media_sample_rate_hz=SAMPLE_RATE, media_encoding="pcm"
        )

        async def read_all() -> None:
            nonlocal events
            try:
                async for _event in stream.output_stream:
                    events += 1
            except Exception as exc:  # reported, the benchmark goes on
                errors.append(f"reader: {type(exc).__name__}: {exc}")

        reader = asyncio.get_running_loop().create_task(read_all())
        send = stream.input_stream.send_audio_event
        # Collect now so a collection of earlier garbage does not land in
        # (or shrink) the measured span.
        gc.collect()
        traced_before = None
        if trace:
            tracemalloc.start()
            traced_before = tracemalloc.get_traced_memory()[0]
        rss_before = rss_bytes()
        peak_reset = reset_peak_rss()
        emu_before = emulator.cpu_seconds() if emulator else None
        start = CpuSample.now()
        try:
            for piece in pieces:
                await send(piece)
        except Exception as exc:
            errors.append(f"sender: {type(exc).__name__}: {exc}")
        sent = CpuSample.now()
        rss_after = rss_bytes()
        traced_after = traced_peak = None
        if trace:
            traced_after, traced_peak = tracemalloc.get_traced_memory()
        peak = peak_rss_bytes()[0] if peak_reset else None
        try:
            await asyncio.wait_for(stream.input_stream.end_stream(), 60)
        except Exception as exc:
            errors.append(f"end_stream: {type(exc).__name__}: {exc}")
        ended = CpuSample.now()
        emu_after = emulator.cpu_seconds() if emulator else None
        if trace:
            tracemalloc.stop()
        try:
            await asyncio.wait_for(reader, 60)
        except asyncio.TimeoutError:
            errors.append("reader: output stream did not end within 60 s")
    finally:
        await asyncio.wait_for(client.close(), 60)
    return StreamRun(
        audio_seconds=sum(len(p) for p in pieces) / BYTES_PER_SECOND,
        chunks=len(pieces),
        send_cpu=CpuDelta.between(start, sent),
        total_cpu=CpuDelta.between(start, ended),
        rss_before=rss_before,
        rss_after=rss_after,
        peak_rss=peak,
        traced_before=traced_before,
        traced_after=traced_after,
        traced_peak=traced_peak,
        events=events,
        errors=errors,
        emulator_cpu=(
            emu_after - emu_before if emu_before is not None and emu_after is not None else None
        ),
    )


async def run(
    env: Dict[str, str], args: argparse.Namespace, emulator: EmulatorProcess
) -> Tuple[Optional[StreamRun], StreamRun, Optional[StreamRun]]:
    pieces = chunks(looped_pcm(args.audio_seconds), args.chunk_bytes)
    warm = None
    if args.warmup_seconds > 0:
        warm_pieces = chunks(looped_pcm(args.warmup_seconds), args.chunk_bytes)
        warm = await send_unpaced(env, warm_pieces)
    measured = await send_unpaced(env, pieces, emulator=emulator)
    traced = None
    if args.tracemalloc:
        traced = await send_unpaced(env, pieces, trace=True)
    return warm, measured, traced


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Measure client CPU per audio-second and memory growth of one stream "
            "sent unpaced against the emulator (separate process)."
        )
    )
    parser.add_argument(
        "--audio-seconds", type=positive_float, default=600.0,
        help="seconds of 16 kHz audio to send (default: %(default)s)",
    )
    parser.add_argument(
        "--chunk-bytes", type=positive_int, default=16 * 1024,
        help="bytes of audio per event (default: %(default)s)",
    )
    parser.add_argument(
        "--warmup-seconds", type=float, default=20.0,
        help="audio sent first on a separate, unmeasured stream; 0 for none (default: %(default)s)",
    )
    parser.add_argument(
        "--no-tracemalloc", dest="tracemalloc", action="store_false",
        help="skip the extra stream that measures the Python heap with tracemalloc",
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    for line in environment_lines():
        print(line)
    ok, detail = check_process_time_counts_threads()
    print(f"process_time() counts all threads: {'yes' if ok else 'NO'} ({detail})")

    with EmulatorProcess() as emulator:
        print(f"emulator pid {emulator.pid} at {emulator.env['AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING']}")
        print(
            f"sending {args.audio_seconds:g} s of audio unpaced in {args.chunk_bytes}-byte chunks "
            f"(after a {args.warmup_seconds:g} s warm-up stream)..."
        )
        wall = time.perf_counter()
        warm, r, traced = asyncio.run(run(emulator.env, args, emulator))
        wall = time.perf_counter() - wall

    per_cpu = r.audio_seconds / r.send_cpu.process if r.send_cpu.process > 0 else float("inf")
    per_cpu_total = (
        r.audio_seconds / r.total_cpu.process if r.total_cpu.process > 0 else float("inf")
    )
    growth = (
        None if r.rss_before is None or r.rss_after is None else r.rss_after - r.rss_before
    )
    peak_growth = None if r.peak_rss is None or r.rss_before is None else r.peak_rss - r.rss_before
    rows: List[Tuple[str, str, str, str]] = [
        ("audio sent", f"{r.audio_seconds:.1f} s in {r.chunks} events", "", ""),
        ("audio-s per client CPU-s (sending)", f"{per_cpu:,.0f}", f">= {TARGET_AUDIO_PER_CPU:,.0f}",
         verdict(per_cpu >= TARGET_AUDIO_PER_CPU)),
        ("audio-s per client CPU-s (until end_stream)", f"{per_cpu_total:,.0f}", "", ""),
        ("client CPU while sending, process_time", f"{r.send_cpu.process * 1000:.1f} ms", "", ""),
        ("client CPU while sending, getrusage", f"{r.send_cpu.rusage * 1000:.1f} ms", "", ""),
        ("  of which event-loop thread", f"{r.send_cpu.main_thread * 1000:.1f} ms", "", ""),
        ("  of which other (awscrt) threads", f"{r.send_cpu.other_threads * 1000:.1f} ms", "", ""),
        ("CPU per event", f"{r.send_cpu.process / max(1, r.chunks) * 1e6:.1f} us", "", ""),
        ("context switches per event", f"{r.send_cpu.switches / max(1, r.chunks):.1f}", "", ""),
        ("wall time of the send", f"{r.send_cpu.wall:.2f} s "
         f"({r.audio_seconds / r.send_cpu.wall:,.0f}x real time)", "", ""),
        ("RSS growth during the send", mib(growth), f"<= {mib(TARGET_GROWTH)}",
         verdict(None if growth is None else growth <= TARGET_GROWTH)),
        ("  RSS before / after", f"{mib(r.rss_before)} / {mib(r.rss_after)}", "", ""),
        ("  peak RSS - RSS before (VmHWM)", mib(peak_growth), "", ""),
    ]
    if traced is not None and traced.traced_before is not None and traced.traced_after is not None:
        t_growth = traced.traced_after - traced.traced_before
        rows += [
            ("tracemalloc growth during the send", mib(t_growth), f"<= {mib(TARGET_GROWTH)}",
             verdict(t_growth <= TARGET_GROWTH)),
            ("  tracemalloc peak - before", mib((traced.traced_peak or 0) - traced.traced_before),
             "", ""),
        ]
    rows += [
        ("transcript events received", str(r.events), "", ""),
        ("emulator CPU while sending (context)",
         "n/a" if r.emulator_cpu is None else f"{r.emulator_cpu:.2f} s", "", ""),
        ("whole benchmark wall time", f"{wall:.1f} s", "", ""),
    ]
    print_table(f"{args.audio_seconds:g} s of audio, unpaced, one stream", rows)
    for run_ in (warm, r, traced):
        for error in (run_.errors if run_ else [])[:10]:
            print(f"error: {error}")


if __name__ == "__main__":
    main()
