"""The emulator's ``SessionResumeWindow``: a stream with the same session id
resumes the session inside the window, and starts a new one outside it."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, List

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator._handler import SessionRegistry
from amazon_transcribe.emulator.scripted import PositionalEngine, position_audio
from amazon_transcribe.shapes import TranscriptEvent

from .support import collect, make_client, send_all, start

SESSION = "0f0e0d0c-0b0a-4908-8706-050403020100"
T0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)


def test_registry_resumes_inside_the_window_only() -> None:
    registry = SessionRegistry()
    first, resumed = registry.resume_or_start("s", 2, T0)
    assert not resumed and first.window == 120.0
    first.finalised = 7.5
    inside, resumed = registry.resume_or_start("s", 2, T0 + datetime.timedelta(seconds=119))
    assert resumed and inside is first and inside.finalised == 7.5
    # The window counts from the session's first stream, not the latest one.
    outside, resumed = registry.resume_or_start("s", 2, T0 + datetime.timedelta(seconds=120))
    assert not resumed and outside is not first and outside.finalised == 0.0
    assert outside.started_at == T0 + datetime.timedelta(seconds=120)


def test_registry_forgets_sessions_whose_window_passed() -> None:
    registry = SessionRegistry()
    registry.resume_or_start("old", 1, T0)
    registry.resume_or_start("new", 1, T0 + datetime.timedelta(minutes=5))
    assert set(registry._resumable) == {"new"}


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
