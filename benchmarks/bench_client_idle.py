"""Client CPU of ONE open real-time stream (target: <= 1% of one core).

One stream sends 100 ms chunks of 16 kHz PCM at real-time pace, as a
microphone would, and reads its results. The client's CPU time is read over
the paced part only (after a short warm-up) from ``time.process_time()``,
which on Linux counts every thread of the process, awscrt's native I/O
threads included (checked at start-up), and from ``getrusage(RUSAGE_SELF)``
as a cross-check. The emulator runs in its own process, so none of its work
is counted.

Run: ``.venv/bin/python benchmarks/bench_client_idle.py [--seconds 30]``.
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
    positive_float,
    print_table,
    run_paced,
    verdict,
)

TARGET_CPU_PERCENT = 1.0


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Measure the client CPU of one open stream sending audio at real-time "
            "pace against the emulator (scripted engine, separate process)."
        )
    )
    parser.add_argument(
        "--seconds", type=positive_float, default=30.0,
        help="measured seconds of real-time sending (default: %(default)s)",
    )
    parser.add_argument(
        "--warmup", type=float, default=2.0,
        help="seconds sent before measuring, to exclude first-use costs (default: %(default)s)",
    )
    parser.add_argument(
        "--chunk-ms", type=positive_float, default=100.0,
        help="audio per event, in ms (default: %(default)s)",
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
        print(f"sending {args.seconds:g} s at real-time pace after {args.warmup:g} s warm-up...")
        result = asyncio.run(
            run_paced(
                emulator.env,
                streams=1,
                seconds=args.seconds,
                warmup=args.warmup,
                chunk_ms=args.chunk_ms,
                emulator_pid=emulator.pid,
            )
        )

    cpu = result.cpu
    # process_time includes every thread on Linux; it is the headline figure.
    headline = cpu.percent(cpu.process)
    rows: List[Tuple[str, str, str, str]] = [
        ("client CPU, process_time (all threads)", f"{headline:.3f} %", f"<= {TARGET_CPU_PERCENT:g} %",
         verdict(headline <= TARGET_CPU_PERCENT)),
        ("client CPU, getrusage(RUSAGE_SELF)", f"{cpu.percent(cpu.rusage):.3f} %", "", ""),
        ("  of which event-loop thread", f"{cpu.percent(cpu.main_thread):.3f} %", "", ""),
        ("  of which other (awscrt) threads", f"{cpu.percent(cpu.other_threads):.3f} %", "", ""),
        ("client CPU time over the window", f"{cpu.process * 1000:.1f} ms", "", ""),
        ("measured window (wall)", f"{cpu.wall:.2f} s", "", ""),
        ("audio events sent in the window", str(len(result.lags)), "", ""),
        ("context switches per audio event", f"{cpu.switches / max(1, len(result.lags)):.1f}", "", ""),
        ("max send lag behind schedule", f"{max(result.lags, default=float('nan')) * 1000:.2f} ms", "", ""),
        ("transcript events received", str(result.events), "", ""),
        ("emulator CPU (other process, context)",
         "n/a" if result.emulator_cpu is None else f"{cpu.percent(result.emulator_cpu):.2f} %", "", ""),
    ]
    print_table("One real-time stream: client CPU", rows)
    for error in result.errors:
        print(f"error: {error}")


if __name__ == "__main__":
    main()
