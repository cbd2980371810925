"""Running the real ``amazon-transcribe`` command as a subprocess, and parsing what it writes."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path
from typing import Dict, List, Mapping, NamedTuple, Optional, Tuple

ASSETS = Path(__file__).resolve().parent.parent / "assets"
HERE = Path(__file__).resolve().parent

# Every run is bounded: a hung command fails its test instead of the suite.
RUN_TIMEOUT = 60.0

#: Exit statuses as documented in docs/cli.rst.
EXIT = {"ok": 0, "usage": 2, "input": 3, "credentials": 4, "service": 5, "network": 6}


class Run(NamedTuple):
    status: int
    stdout: str
    stderr: str


def base_env(extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The environment of a run: no AWS settings from the host, only 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONPATH", None)
    if extra:
        env.update(extra)
    return env


def command(*args: str) -> List[str]:
    return [sys.executable, "-m", "amazon_transcribe", *args]


async def run_cli(*args: str, env: Optional[Mapping[str, str]] = None,
                  stdin: Optional[bytes] = None, timeout: float = RUN_TIMEOUT) -> Run:
    process = await asyncio.create_subprocess_exec(
        *command(*args),
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=base_env(env),
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


def one_line_error(run: Run) -> str:
    """The single stderr line of a failed run (asserts there is exactly one)."""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("amazon-transcribe: error: "), lines[0]
    assert "Traceback" not in run.stderr
    return lines[0]


# -- strict subtitle parsers ---------------------------------------------------

_SRT_TIME = r"(\d{2}):([0-5]\d):([0-5]\d),(\d{3})"
_VTT_TIME = r"(\d{2}):([0-5]\d):([0-5]\d)\.(\d{3})"


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_srt(text: str) -> List[Tuple[float, float, str]]:
    """SubRip: numbered blocks from 1, ``start --> end``, one or more text lines."""
    assert text.strip(), "empty SRT"
    cues = []
    blocks = text.strip("\n").split("\n\n")
    for n, block in enumerate(blocks, 1):
        lines = block.split("\n")
        assert lines[0] == str(n), f"cue number {lines[0]!r}, expected {n}"
        match = re.fullmatch(f"{_SRT_TIME} --> {_SRT_TIME}", lines[1])
        assert match, f"bad SRT timing line {lines[1]!r}"
        assert len(lines) >= 3 and all(line.strip() for line in lines[2:]), block
        g = match.groups()
        cues.append((_seconds(*g[:4]), _seconds(*g[4:]), "\n".join(lines[2:])))
    return cues


def parse_vtt(text: str) -> List[Tuple[float, float, str]]:
    """WebVTT: the ``WEBVTT`` signature, then blank-line separated cues."""
    assert text.startswith("WEBVTT\n"), "missing WEBVTT signature"
    cues = []
    for block in text.split("\n\n")[1:]:
        if not block.strip():
            continue
        lines = block.strip("\n").split("\n")
        if "-->" not in lines[0]:  # an optional cue identifier
            lines = lines[1:]
        match = re.fullmatch(f"{_VTT_TIME} --> {_VTT_TIME}", lines[0])
        assert match, f"bad VTT timing line {lines[0]!r}"
        assert len(lines) >= 2 and all(line.strip() for line in lines[1:]), block
        assert not any("-->" in line for line in lines[1:]), block
        g = match.groups()
        cues.append((_seconds(*g[:4]), _seconds(*g[4:]), "\n".join(lines[1:])))
    assert cues, "no cues"
    return cues


def check_cues(cues: List[Tuple[float, float, str]], duration: float) -> None:
    """Cue times are monotonic and inside the audio."""
    last = 0.0
    for start, end, _ in cues:
        assert 0 <= start <= end <= duration + 1e-3, (start, end, duration)
        assert start >= last, "cue starts go backwards"
        last = start


def json_schema_from_docs() -> Dict[str, object]:
    """The JSON schema of ``--format json`` as documented in docs/cli.rst."""
    import json

    text = (HERE.parent.parent / "docs" / "cli.rst").read_text()
    marker = ".. _json-schema:"
    assert marker in text
    after = text.split(marker, 1)[1]
    block = after.split(".. code-block:: json", 1)[1]
    body = []
    for line in block.split("\n")[1:]:
        if line.strip() and not line.startswith("   "):
            break
        body.append(line[3:])
    schema: Dict[str, object] = json.loads("\n".join(body))
    return schema
