"""The emulator's registry of resumable sessions (SessionResumeWindow), white-box."""

from __future__ import annotations

import datetime

from amazon_transcribe.emulator._handler import SessionRegistry

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
