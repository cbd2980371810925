"""The command's resilience: on by default for PCM input, off with
``--no-resilience``; faults injected into the ``--local`` emulator with the
hidden ``--local-fault`` option (the emulator's ``--fault`` syntax)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from amazon_transcribe.emulator.wer import word_error_rate

from .support import ASSETS, EXIT, one_line_error, run_cli

pytest.importorskip("pocketsphinx")

WAV = str(ASSETS / "sense-0870.wav")
REFERENCE = ("and mister john dashwood had then leisure to consider how much there might "
             "be prudently in his power to do for them")
# A connection reset 3 s into the speech, on the first stream only.
RESET = "reset:after=30,times=1"


async def test_local_file_with_a_fault_prints_an_uninterrupted_transcript(
        tmp_path: Path) -> None:
    from amazon_transcribe.emulator.certs import ensure_certificates

    ensure_certificates(tmp_path)  # once, before the concurrent runs
    env = {"AMAZON_TRANSCRIBE_EMULATOR_HOME": str(tmp_path)}
    unbroken, broken, without = await asyncio.gather(
        run_cli("--local", "--fast", WAV, env=env),
        run_cli("--local", "--fast", "--local-fault", RESET, WAV, env=env),
        run_cli("--local", "--fast", "--no-resilience", "--local-fault", RESET, WAV, env=env),
    )
    assert unbroken.status == EXIT["ok"], unbroken.stderr
    assert broken.status == EXIT["ok"], broken.stderr
    # The same transcript as without the fault, the resume told on stderr.
    assert broken.stdout == unbroken.stdout
    assert word_error_rate(REFERENCE, broken.stdout) < 0.5, broken.stdout
    assert broken.stderr.splitlines() == [
        "amazon-transcribe: stream resumed after HTTPException "
        "(0.0 s gap, 7.1 s of audio sent again)"]
    # Without resilience the same fault ends the command as a network error.
    assert without.status == EXIT["network"]
    assert "network error" in one_line_error(without)


async def test_json_document_of_a_resumed_stream_has_continuous_segments(
        tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    run = await run_cli("--local", "--fast", "-f", "json", "-o", str(out),
                        "--local-fault", "exception:type=ServiceUnavailableException,"
                        "after=20,times=1", str(ASSETS / "sense-0880.wav"),
                        env={"AMAZON_TRANSCRIBE_EMULATOR_HOME": str(tmp_path)})
    assert run.status == EXIT["ok"], run.stderr
    assert "stream resumed after ServiceUnavailableException" in run.stderr
    document = json.loads(out.read_text())
    starts = [segment["start_time"] for segment in document["segments"]]
    assert starts and starts == sorted(starts)
    assert all(s["end_time"] <= document["audio"]["duration"] + 0.01
               for s in document["segments"])
    assert word_error_rate("he was not an ill disposed young man", document["transcript"]) < 0.6


@pytest.mark.parametrize("args,message", [
    (["--local-fault", RESET, WAV], "--local-fault needs --local"),
    (["--local", "--local-fault", "explode", WAV], "unknown fault kind"),
], ids=["without-local", "bad-spec"])
async def test_local_fault_usage_errors(tmp_path: Path, args: list, message: str) -> None:
    run = await run_cli(*args, env={"AMAZON_TRANSCRIBE_EMULATOR_HOME": str(tmp_path)})
    assert run.status == EXIT["usage"]
    assert message in one_line_error(run)


def test_help_shows_no_resilience_not_the_test_hook() -> None:
    from amazon_transcribe.cli import build_parser

    help_text = build_parser().format_help()
    assert "--no-resilience" in help_text and "--local-fault" not in help_text


async def test_resilience_gives_up_on_a_stream_that_keeps_failing(tmp_path: Path) -> None:
    # Every stream fails before its first final result: once the resumed
    # streams have failed as many times in a row as the attempt budget (3),
    # the error ends the command, the resumes told before it.
    run = await run_cli("--local", "--local-engine", "scripted", "--fast", "--local-fault",
                        "exception:type=InternalFailureException,after=3,message=down",
                        str(ASSETS / "sense-0880.wav"),
                        env={"AMAZON_TRANSCRIBE_EMULATOR_HOME": str(tmp_path)})
    assert run.status == EXIT["service"]
    *notes, error = run.stderr.splitlines()
    assert len(notes) == 3 and all("stream resumed after InternalFailureException" in note
                                   for note in notes)
    assert error.startswith("amazon-transcribe: error: service error: "
                            "InternalFailureException: down")
