"""The resilience chaos run over many seeds (the test runs 20; this runs 200).

Each seed streams 5 minutes of positional audio unpaced through a resilient
stream to an in-process emulator that breaks it at 5 random points (a mix of
connection reset, RST_STREAM, GOAWAY, stall, InternalFailureException and
ServiceUnavailableException) and refuses two reopen attempts with
``LimitExceededException`` (the run of ``tests/client/test_resilience.py``).
A seed passes when the final results equal those of the unbroken run, text
and times, with 5 resumes and 2 retries and no audio lost.

Run: ``.venv/bin/python benchmarks/chaos_resilience.py [--seeds 200] [--first 0]``.
Not a test: it prints a summary (and each failing seed) and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.client.test_resilience import (  # noqa: E402
    chaos_run,
    expected_finals,
    finals_of,
)
from amazon_transcribe.resilience import ReplayOverflow  # noqa: E402


async def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200, help="how many (default: %(default)s)")
    parser.add_argument("--first", type=int, default=0, help="first seed (default: 0)")
    args = parser.parse_args(argv)
    logging.getLogger("amazon_transcribe.resilience").addHandler(logging.NullHandler())
    logging.getLogger("amazon_transcribe.resilience").propagate = False
    expected = expected_finals(300)
    passed = 0
    kinds: Dict[str, int] = collections.Counter()
    durations: List[float] = []
    failures: List[str] = []
    for seed in range(args.first, args.first + args.seeds):
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as state:
            try:
                events, stream, fired = await asyncio.wait_for(
                    chaos_run(Path(state), seed), 180)
            except Exception as exc:  # a failed seed is reported, the run goes on
                failures.append(f"seed {seed}: {type(exc).__name__}: {exc}")
                continue
        durations.append(time.monotonic() - started)
        kinds.update(fired)
        finals = finals_of(events)
        problems = []
        if finals != expected:
            problems.append(f"{len(finals)} finals, first difference at "
                            f"{next((i for i, (a, b) in enumerate(zip(finals, expected)) if a != b), min(len(finals), len(expected)))}")
        if stream.stats.resumes != 5 or stream.stats.retries != 2:
            problems.append(f"resumes {stream.stats.resumes}, retries {stream.stats.retries}")
        if stream.stats.lost_seconds or any(isinstance(e, ReplayOverflow) for e in events):
            problems.append(f"lost {stream.stats.lost_seconds} s")
        if problems:
            failures.append(f"seed {seed}: " + "; ".join(problems))
        else:
            passed += 1
    print(f"seeds {args.first}..{args.first + args.seeds - 1}: {passed} of {args.seeds} passed "
          "(finals equal to the unbroken run, text and times; 5 resumes, 2 retries, nothing lost)")
    print("faults fired: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    if durations:
        print(f"seconds per seed: median {statistics.median(durations):.2f}, "
              f"max {max(durations):.2f}, total {sum(durations):.0f}")
    for failure in failures:
        print("FAILED " + failure)


if __name__ == "__main__":
    asyncio.run(main())
