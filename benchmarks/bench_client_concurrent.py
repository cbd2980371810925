"""100 concurrent real-time streams from one client process.

Targets: client CPU <= 10% of one core, max lag behind real time <= 10 ms.
Peak memory is reported (no target).

Each stream sends 100 ms chunks of 16 kHz PCM at real-time pace, scheduled
against a fixed start, and reads its results. *Lag* is how late a send starts
relative to its scheduled instant (the event loop was busy elsewhere); the
maximum over every send of every stream in the measured window is reported.
Streams are spread evenly over one 100 ms period, as independent callers
would be; ``--aligned`` makes them all tick at once (the worst case).

CPU: ``time.process_time()`` (all threads, awscrt's included, on Linux) and
``getrusage(RUSAGE_SELF)`` over the measured window; the emulator runs in its
own process. Peak memory: the peak resident set size (VmHWM, reset just before
the streams are opened, so start-up does not count; falls back to ru_maxrss,
a lifetime peak) and, with ``--tracemalloc``, the Python-heap peak
(tracemalloc slows Python code, so CPU figures of that run are inflated).

Run: ``.venv/bin/python benchmarks/bench_client_concurrent.py [--streams 100] [--seconds 30]``.
Not a test: it prints what it measured and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import List, Optional, Sequence, Tuple

from _emulator import (
    EmulatorProcess,
    check_process_time_counts_threads,
    environment_lines,
    mib,
    percentile,
    positive_float,
    positive_int,
    print_table,
    run_paced,
    verdict,
)

TARGET_CPU_PERCENT = 10.0
TARGET_LAG_MS = 10.0


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Measure client CPU, lag behind real time and peak memory of many "
            "concurrent real-time streams against the emulator (separate process)."
        )
    )
    parser.add_argument(
        "--streams", type=positive_int, default=100,
        help="concurrent streams (default: %(default)s)",
    )
    parser.add_argument(
        "--seconds", type=positive_float, default=30.0,
        help="measured seconds of real-time sending (default: %(default)s)",
    )
    parser.add_argument(
        "--warmup", type=float, default=3.0,
        help="seconds sent before measuring, to exclude first-use costs (default: %(default)s)",
    )
    parser.add_argument(
        "--chunk-ms", type=positive_float, default=100.0,
        help="audio per event, in ms (default: %(default)s)",
    )
    parser.add_argument(
        "--aligned", action="store_true",
        help="all streams send at the same instants (worst case) instead of spread",
    )
    parser.add_argument(
        "--tracemalloc", action="store_true",
        help="also trace the Python heap's peak (inflates the CPU figures)",
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    for line in environment_lines():
        print(line)
    ok, detail = check_process_time_counts_threads()
    print(f"process_time() counts all threads: {'yes' if ok else 'NO'} ({detail})")

    # No session limit, and an idle timeout that opening 100 streams can not
    # reach before their audio starts.
    emulator_args = ["--max-sessions", str(args.streams + 10), "--idle-timeout", "60"]
    with EmulatorProcess(emulator_args) as emulator:
        print(f"emulator pid {emulator.pid} at {emulator.env['AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING']}")
        print(
            f"{args.streams} streams, {args.seconds:g} s measured after {args.warmup:g} s warm-up, "
            f"{'aligned' if args.aligned else 'spread over one chunk period'}..."
        )
        result = asyncio.run(
            run_paced(
                emulator.env,
                streams=args.streams,
                seconds=args.seconds,
                warmup=args.warmup,
                chunk_ms=args.chunk_ms,
                aligned=args.aligned,
                trace_memory=args.tracemalloc,
                emulator_pid=emulator.pid,
            )
        )

    cpu = result.cpu
    headline = cpu.percent(cpu.process)
    max_lag_ms = max(result.lags, default=float("nan")) * 1000
    expected = round(args.streams * args.seconds * 1000 / args.chunk_ms)
    growth = None if result.rss_before is None else result.peak_rss - result.rss_before
    peak_label = (
        f"peak RSS ({result.peak_rss_source}, during the run)"
        if result.peak_rss_reset
        else f"peak RSS ({result.peak_rss_source}, process lifetime)"
    )
    rows: List[Tuple[str, str, str, str]] = [
        ("streams open", f"{result.streams} / {args.streams}", "", ""),
        ("client CPU, process_time (all threads)", f"{headline:.2f} %", f"<= {TARGET_CPU_PERCENT:g} %",
         verdict(headline <= TARGET_CPU_PERCENT)),
        ("client CPU, getrusage(RUSAGE_SELF)", f"{cpu.percent(cpu.rusage):.2f} %", "", ""),
        ("  of which event-loop thread", f"{cpu.percent(cpu.main_thread):.2f} %", "", ""),
        ("  of which other (awscrt) threads", f"{cpu.percent(cpu.other_threads):.2f} %", "", ""),
        ("max lag behind real time (all sends)", f"{max_lag_ms:.2f} ms", f"<= {TARGET_LAG_MS:g} ms",
         verdict(max_lag_ms <= TARGET_LAG_MS)),
        ("  p99 / p50 lag", f"{percentile(result.lags, 0.99) * 1000:.2f} / "
         f"{percentile(result.lags, 0.5) * 1000:.2f} ms", "", ""),
        ("  max lag during warm-up (not counted)", f"{result.warmup_max_lag * 1000:.2f} ms", "", ""),
        ("max time inside send_audio_event", f"{max(result.send_durations, default=0) * 1000:.2f} ms", "", ""),
        ("audio events sent in the window", f"{len(result.lags)} / {expected}", "", ""),
        ("context switches per audio event", f"{cpu.switches / max(1, len(result.lags)):.1f}", "", ""),
        ("transcript events received", str(result.events), "", ""),
        ("RSS before opening the streams", mib(result.rss_before), "", ""),
        (peak_label, mib(result.peak_rss), "", ""),
        ("  peak RSS - RSS before", mib(growth), "", ""),
        ("RSS at the end of the window", mib(result.rss_end), "", ""),
    ]
    if result.traced_peak is not None:
        rows.append(("tracemalloc peak (Python heap)", mib(result.traced_peak), "", ""))
        rows.append(("  (tracemalloc on: CPU figures inflated)", "", "", ""))
    rows += [
        ("time to open all streams", f"{result.open_seconds:.2f} s", "", ""),
        ("measured window (wall)", f"{cpu.wall:.2f} s", "", ""),
        ("emulator CPU (other process, context)",
         "n/a" if result.emulator_cpu is None else f"{cpu.percent(result.emulator_cpu):.1f} %", "", ""),
    ]
    print_table(f"{args.streams} concurrent real-time streams", rows)
    for error in result.errors[:20]:
        print(f"error: {error}")
    if len(result.errors) > 20:
        print(f"... and {len(result.errors) - 20} more errors")


if __name__ == "__main__":
    main()
