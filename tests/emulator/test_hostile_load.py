"""The hostile-load script, run small: valid streams beside every kind of malformed input.

``benchmarks/bench_emulator_hostile_load.py`` is the full run (200 streams of
10 s, 50 malformed connections, two rounds); here it runs small enough for
the suite, with the same checks: every valid stream completes with its
audio intact, every malformed connection is answered within 5 s and none is
accepted, a stream after the load works, and the emulator's RSS stays
within its bounds. Its output is printed (``pytest -s``) and its exit status
asserted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_hostile_load_script_small() -> None:
    completed = subprocess.run(
        [
            sys.executable, str(ROOT / "benchmarks" / "bench_emulator_hostile_load.py"),
            "--streams", "30", "--malformed", "28", "--seconds", "2", "--rounds", "2",
        ],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    print(completed.stdout, completed.stderr)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    assert "valid streams: 60/60 completed with intact audio" in completed.stdout
    assert "malformed connections: 56/56 answered within 5 s, none accepted" in completed.stdout
    # Every kind ran (28 connections cycle through the 14 kinds twice a round).
    for kind in ("oversized-frame", "no-preface", "no-tls", "ping-flood", "wrong-secret",
                 "tampered-signature", "http1", "goaway-with-error"):
        assert f"  {kind} " in completed.stdout
