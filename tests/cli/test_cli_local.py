"""The command with ``--local`` (the emulator in process, offline recognition).

Each run starts PocketSphinx, so the runs of this module are started all at
once by one fixture and the tests check their results: the suite waits for
the slowest run (the paced one, ~8 s), not for the sum.
"""

from __future__ import annotations

import concurrent.futures
import json
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

from amazon_transcribe.emulator.wer import word_error_rate

from .support import (
    ASSETS,
    RUN_TIMEOUT,
    Run,
    base_env,
    check_cues,
    command,
    json_schema_from_docs,
    parse_srt,
    parse_vtt,
)

pytest.importorskip("pocketsphinx")

REFERENCE = {
    "sense-0870": "and mister john dashwood had then leisure to consider how much there might "
                  "be prudently in his power to do for them",
    "sense-0920": "had he married a more amiable woman he might have been made still more "
                  "respectable than he was",
    "sense-0880": "he was not an ill disposed young man",
    "sense-0930": "he might even have been made amiable himself",
    "goforward": "go forward ten meters",
}
DURATION_0870 = 7.10


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Tuple[Run, Optional[Path]]]]:
    from amazon_transcribe.emulator.certs import ensure_certificates

    home = tmp_path_factory.mktemp("emulator-home")
    # Made once here: concurrent runs would otherwise race to create them.
    ensure_certificates(home)
    out = tmp_path_factory.mktemp("outputs")
    env = base_env({"AMAZON_TRANSCRIBE_EMULATOR_HOME": str(home)})
    wav = str(ASSETS / "sense-0870.wav")
    cases: Dict[str, Tuple[List[str], Optional[Path], Optional[bytes]]] = {
        # The acceptance command as a user types it: paced, text to stdout.
        "text": (["--local", wav], None, None),
        "srt": (["--local", "--fast", "-f", "srt", "-o", str(out / "a.srt"), wav],
                out / "a.srt", None),
        "vtt": (["--local", "--fast", "--format", "vtt", "--output", str(out / "a.vtt"), wav],
                out / "a.vtt", None),
        "json": (["--local", "--fast", "-f", "json", "-o", str(out / "a.json"), wav],
                 out / "a.json", None),
        "8k": (["--local", "--fast", str(ASSETS / "sense-0920-8k.wav")], None, None),
        "stereo": (["--local", "--fast", "--channel-identification",
                    str(ASSETS / "two-speakers-stereo-16k.wav")], None, None),
        "flac": (["--local", "--fast", str(ASSETS / "sense-0870.flac")], None, None),
        "opus": (["--local", "--fast", str(ASSETS / "sense-0870.opus")], None, None),
        "stdin": (["--local", "--fast", "--sample-rate", "16000", "-"], None,
                  (ASSETS / "goforward.raw").read_bytes()),
    }
    processes = {}
    for name, (args, _, stdin) in cases.items():
        processes[name] = subprocess.Popen(
            command(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
    def finish(name: str) -> Tuple[Run, Optional[Path]]:
        process = processes[name]
        stdout, stderr = process.communicate(cases[name][2], timeout=RUN_TIMEOUT)
        return Run(process.returncode, stdout.decode(), stderr.decode()), cases[name][1]

    try:
        # One thread per run: standard input is written as soon as each starts.
        with concurrent.futures.ThreadPoolExecutor(len(processes)) as pool:
            results = dict(zip(processes, pool.map(finish, processes)))
        yield results
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()


def ok(runs: Dict[str, Tuple[Run, Optional[Path]]], name: str) -> Tuple[Run, Optional[Path]]:
    run, path = runs[name]
    assert run.status == 0, run.stderr
    # Not a terminal: no progress line, no partial results, nothing on stderr.
    assert run.stderr == ""
    return run, path


def test_local_text_transcript_wer(runs: Dict[str, Tuple[Run, Optional[Path]]]) -> None:
    run, _ = ok(runs, "text")
    lines = run.stdout.splitlines()
    assert lines and "\r" not in run.stdout and "\x1b" not in run.stdout
    wer = word_error_rate(REFERENCE["sense-0870"], " ".join(lines))
    assert wer <= 0.45, (wer, run.stdout)


def test_local_srt(runs: Dict[str, Tuple[Run, Optional[Path]]]) -> None:
    run, path = ok(runs, "srt")
    assert path is not None and run.stdout == ""
    cues = parse_srt(path.read_text())
    check_cues(cues, DURATION_0870)
    assert word_error_rate(REFERENCE["sense-0870"], " ".join(c[2] for c in cues)) <= 0.45


def test_local_vtt(runs: Dict[str, Tuple[Run, Optional[Path]]]) -> None:
    run, path = ok(runs, "vtt")
    assert path is not None
    cues = parse_vtt(path.read_text())
    check_cues(cues, DURATION_0870)
    assert word_error_rate(REFERENCE["sense-0870"], " ".join(c[2] for c in cues)) <= 0.45


def test_local_json_matches_documented_schema(runs: Dict[str, Tuple[Run, Optional[Path]]]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    run, path = ok(runs, "json")
    assert path is not None
    document = json.loads(path.read_text())
    jsonschema.validate(document, json_schema_from_docs())
    assert document["audio"] == {"source": str(ASSETS / "sense-0870.wav"),
                                 "media_encoding": "pcm", "sample_rate": 16000,
                                 "channels": 1, "duration": 7.1}
    assert word_error_rate(REFERENCE["sense-0870"], document["transcript"]) <= 0.45
    starts = [s["start_time"] for s in document["segments"]]
    assert starts == sorted(starts)
    for segment in document["segments"]:
        assert 0 <= segment["start_time"] <= segment["end_time"] <= DURATION_0870


@pytest.mark.parametrize("name, reference", [
    ("8k", "sense-0920"), ("flac", "sense-0870"), ("opus", "sense-0870"),
    ("stdin", "goforward")])
def test_local_formats(runs: Dict[str, Tuple[Run, Optional[Path]]], name: str,
                       reference: str) -> None:
    run, _ = ok(runs, name)
    wer = word_error_rate(REFERENCE[reference], run.stdout)
    assert wer <= 0.5, (wer, run.stdout)


def test_local_stereo_channel_labels(runs: Dict[str, Tuple[Run, Optional[Path]]]) -> None:
    run, _ = ok(runs, "stereo")
    by_channel: Dict[str, List[str]] = {}
    for line in run.stdout.splitlines():
        label, _, text = line.partition(": ")
        by_channel.setdefault(label, []).append(text)
    assert set(by_channel) == {"ch_0", "ch_1"}, run.stdout
    assert word_error_rate(REFERENCE["sense-0880"], " ".join(by_channel["ch_0"])) <= 0.5
    assert word_error_rate(REFERENCE["sense-0930"], " ".join(by_channel["ch_1"])) <= 0.5
