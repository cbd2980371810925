"""The emulator's ``SessionResumeWindow``: a stream with the same session id
resumes the session inside the window, and starts a new one outside it."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, List

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.scripted import PositionalEngine, position_audio
from amazon_transcribe.shapes import TranscriptEvent

from .support import collect, make_client, send_all, start

SESSION = "0f0e0d0c-0b0a-4908-8706-050403020100"
T0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)


def _final_times(events: List[Any]) -> List[float]:
    return [result.start_time for event in events if isinstance(event, TranscriptEvent)
            for result in event.transcript.results if not result.is_partial]


async def test_same_session_id_inside_and_outside_the_window(tmp_path: Path) -> None:
    now = [datetime.datetime.now(datetime.timezone.utc)]
    async with TranscribeEmulator(engine=PositionalEngine(), state_dir=tmp_path,
                                  resumed_result_times="session",
                                  clock=lambda: now[0]) as emulator:
        async with make_client(emulator, clock=lambda: now[0]) as client:
            times = []
            for advance in (0, 30, 120):  # seconds after the previous stream
                now[0] += datetime.timedelta(seconds=advance)
                stream = await start(client, session_id=SESSION, session_resume_window=1)
                await send_all(stream, position_audio(2), chunk=16000)
                times.append(_final_times(await collect(stream)))
        records = emulator.records.all()
    assert [r.resumed for r in records] == [False, True, False]
    assert [r.time_offset for r in records] == [0.0, 2.0, 0.0]
    # Inside the window the times continue the session's; outside they restart.
    assert times == [[0.0, 1.0], [2.0, 3.0], [0.0, 1.0]]


def test_command_line_passes_resumed_result_times(monkeypatch: Any) -> None:
    import amazon_transcribe.emulator.__main__ as cli

    made: List[dict] = []

    class Fake:
        def __init__(self, **kwargs: Any) -> None:
            made.append(kwargs)

    async def serve(emulator: Any) -> None:
        return None

    monkeypatch.setattr(cli, "TranscribeEmulator", Fake)
    monkeypatch.setattr(cli, "_serve", serve)
    monkeypatch.setattr(cli, "_return_big_buffers_to_the_system", lambda: None)
    assert cli.main(["--engine", "scripted", "--resumed-result-times", "session"]) == 0
    assert cli.main(["--engine", "scripted"]) == 0
    assert [m["resumed_result_times"] for m in made] == ["session", "stream"]
    assert "--resumed-result-times" in cli.build_parser().format_help()
