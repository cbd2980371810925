"""Before and after in the same run: the client benchmarks on two revisions, interleaved.

Checks out ``--base`` (a commit, default: the parent of the first commit of
the current round of work, given explicitly) into a temporary git worktree
and runs the same benchmark scripts (this tree's) with ``PYTHONPATH``
pointing at each revision in turn, base then head, ``--rounds`` times, so
that both see the same machine state. The emulator is always this tree's,
in its own process: only the client code differs. Prints each measurement
per run and the medians side by side.

Measured: transcript parsing per 10-word event (``bench_transcript_parsing``),
one real-time stream's client CPU (``bench_client_idle``), 100 concurrent
real-time streams' client CPU (``bench_client_concurrent``) and unpaced
audio-seconds per client CPU-second (``bench_client_unpaced``).

    python benchmarks/compare_revisions.py --base e9cc82f [--rounds 2] [--quick]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

#: (label, script, arguments, quick arguments, pattern of the number printed)
MEASURES: Sequence[Tuple[str, str, List[str], List[str], str]] = (
    # The minimum of many timing rounds: on a shared VM the median of a
    # micro-benchmark moves by 20 % from run to run, the minimum by a few.
    ("parsing, us per 10-word event (min)", "bench_transcript_parsing.py", ["--rounds", "15"],
     ["--rounds", "5"], r"transcript parsing, 10-word event: .*; min ([\d.]+)\)"),
    ("1 stream, client CPU %", "bench_client_idle.py", [], ["--seconds", "10"],
     r"client CPU, process_time \(all threads\)\s+([\d.]+) %"),
    ("100 streams, client CPU %", "bench_client_concurrent.py", ["--seconds", "20"],
     ["--seconds", "8"], r"client CPU, process_time \(all threads\)\s+([\d.]+) %"),
    ("unpaced, audio-s per CPU-s", "bench_client_unpaced.py", ["--no-tracemalloc"],
     ["--no-tracemalloc", "--audio-seconds", "300"],
     r"audio-s per client CPU-s \(sending\)\s+([\d,]+)"),
)


def run(script: str, args: List[str], tree: Path, pattern: str) -> Optional[float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    completed = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        env=env, capture_output=True, text=True, timeout=600, cwd=str(REPO),
    )
    match = re.search(pattern, completed.stdout)
    if completed.returncode != 0 or match is None:
        print(f"  {script} on {tree}: failed (exit {completed.returncode})\n"
              f"{completed.stdout[-1500:]}{completed.stderr[-1500:]}", flush=True)
        return None
    return float(match.group(1).replace(",", ""))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the revision to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--only", action="append", default=[], help="run only this script")
    args = parser.parse_args(argv)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                          capture_output=True, text=True, check=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "amazon_transcribe"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.strip()
    workdir = Path(tempfile.mkdtemp(prefix="compare-base-"))
    base_tree = workdir / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(base_tree), args.base],
                   cwd=REPO, check=True)
    trees = {f"base {args.base}": base_tree,
             f"head {head}{' +uncommitted' if dirty else ''}": REPO}
    results: Dict[Tuple[str, str], List[float]] = {}
    try:
        for number in range(1, args.rounds + 1):
            for label, script, full, quick, pattern in MEASURES:
                if args.only and script not in args.only:
                    continue
                for name, tree in trees.items():
                    value = run(script, quick if args.quick else full, tree, pattern)
                    print(f"round {number}: {label:30} {name:24} {value}", flush=True)
                    if value is not None:
                        results.setdefault((label, name), []).append(value)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=REPO)
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    names = list(trees)
    print(f"{'median of ' + str(args.rounds) + ' runs':32}" + "".join(f"{n:>28}" for n in names))
    for label, *_ in MEASURES:
        cells = []
        for name in names:
            values = results.get((label, name))
            cells.append(f"{statistics.median(values):>28,.2f}" if values else f"{'n/a':>28}")
        print(f"{label:32}" + "".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
