"""Resilient streams against the emulator through the real awscrt stack: keep-alive,
retried starts, resume with replay (chaos), rotation, replay overflow."""

from __future__ import annotations

import asyncio
import datetime
import logging
import random
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

import pytest

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.faults import (
    ConnectionResetFault,
    ExceptionFault,
    GoAwayFault,
    HttpErrorFault,
    RstStreamFault,
    StallFault,
)
from amazon_transcribe.emulator.records import StreamRecord
from amazon_transcribe.emulator.scripted import PositionalEngine, position_audio
from amazon_transcribe.exceptions import (
    BadRequestException,
    IdleTimeoutException,
    LimitExceededException,
    UnknownServiceException,
)
from amazon_transcribe.handlers import TranscriptResultStreamHandler
from amazon_transcribe.httpsession import Timeouts
from amazon_transcribe.resilience import (
    ReplayOverflow,
    ResiliencePolicy,
    StreamResumed,
)
from amazon_transcribe.shapes import TranscriptEvent

from amazon_transcribe.emulator.sphinx import SphinxEngine
from amazon_transcribe.emulator.wer import word_error_rate

from .support import ASSETS, make_client, pcm

OPTIONS = dict(language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm")
HALF_SECOND = 16000  # bytes of 16 kHz PCM
Final = Tuple[str, float, float]


def expected_finals(seconds: int) -> List[Final]:
    return [(f"block{n} words.", float(n - 1), float(n)) for n in range(1, seconds + 1)]


def finals_of(events: List[Any]) -> List[Final]:
    finals = []
    for event in events:
        if isinstance(event, TranscriptEvent):
            for result in event.transcript.results:
                if not result.is_partial:
                    finals.append((result.alternatives[0].transcript, result.start_time,
                                   result.end_time))
    return finals


async def run_stream(client: Any, audio: bytes, policy: ResiliencePolicy, *,
                     chunk: int = HALF_SECOND, on_chunk: Optional[Callable[[], None]] = None,
                     **options: Any) -> Tuple[List[Any], Any]:
    stream = await client.start_resilient_stream_transcription(
        resilience=policy, **{**OPTIONS, **options})

    async def send() -> None:
        for i in range(0, len(audio), chunk):
            await stream.input_stream.send_audio_event(audio[i:i + chunk])
            if on_chunk is not None:
                on_chunk()
        await stream.input_stream.end_stream()

    async def read() -> List[Any]:
        return [event async for event in stream.output_stream]

    async with stream:
        _, events = await asyncio.wait_for(asyncio.gather(send(), read()), 120)
    return events, stream


def fast_policy(**overrides: Any) -> ResiliencePolicy:
    options: dict = dict(keepalive_after=None, backoff_base=0.01, max_backoff=0.05,
                         max_attempts=6, stall_timeout=0.3, replay_seconds=30.0)
    options.update(overrides)
    return ResiliencePolicy(**options)


CHAOS_KINDS = ("reset", "rst-stream", "goaway", "stall", "InternalFailureException",
               "ServiceUnavailableException")


def chaos_fault(kind: str, after: int) -> Any:
    if kind == "reset":
        return ConnectionResetFault(after_events=after)
    if kind == "rst-stream":
        return RstStreamFault(after_events=after)
    if kind == "goaway":
        return GoAwayFault(after_events=after)
    if kind == "stall":
        return StallFault(after_events=after)
    return ExceptionFault(kind, "chaos", after_events=after)


async def chaos_run(tmp_path: Path, seed: int, seconds: int = 300) -> Tuple[List[Any], Any,
                                                                          List[str]]:
    rng = random.Random(seed)
    kinds = [rng.choice(CHAOS_KINDS) for _ in range(5)]
    fired: List[str] = []
    async with TranscribeEmulator(engine=PositionalEngine(), state_dir=tmp_path) as emulator:
        pending = list(kinds)

        def arm_next() -> None:
            if pending:
                kind = pending.pop(0)
                emulator.faults.add(chaos_fault(kind, rng.randint(2, 80)), times=1)

        limits: List[Any] = []

        def on_end(record: StreamRecord) -> None:
            # Faults are armed one at a time: a rule is claimed by the next
            # stream that starts, so the next one is armed when its
            # predecessor has fired (and, the first time, when both refused
            # reopen attempts have been made).
            fired.extend(record.faults)
            if record.status == 200 and record.faults:
                for rule in emulator.faults.rules:
                    if isinstance(rule.fault, StallFault):
                        emulator.faults.remove(rule)
                if not limits:
                    limits.append(emulator.faults.add(
                        HttpErrorFault("LimitExceededException"), times=2))
                    return
                arm_next()
            elif "http-error" in record.faults and limits[0].remaining == 0:
                arm_next()

        emulator.records.add_end_listener(on_end)
        arm_next()
        async with make_client(emulator, timeouts=Timeouts(connect=5, response=5, read=10,
                                                            write=10)) as client:
            events, stream = await run_stream(client, position_audio(seconds), fast_policy())
    return events, stream, fired


async def test_unbroken_run_gives_one_final_per_block(tmp_path: Path) -> None:
    async with TranscribeEmulator(engine=PositionalEngine(), state_dir=tmp_path) as emulator:
        async with make_client(emulator) as client:
            events, stream = await run_stream(client, position_audio(30), fast_policy())
    assert finals_of(events) == expected_finals(30)
    assert stream.stats.resumes == 0 and stream.stats.audio_seconds_sent == 30.0
    assert stream.stats.time_to_first_result is not None


@pytest.mark.parametrize("seed", range(20))
async def test_chaos_finals_equal_the_unbroken_run(tmp_path: Path, seed: int) -> None:
    events, stream, fired = await chaos_run(tmp_path, seed)
    finals = finals_of(events)
    assert finals == expected_finals(300)  # text and times; none duplicated or missing
    assert len(fired) >= 5 and fired.count("http-error") == 2
    assert stream.stats.resumes == 5 and stream.stats.retries == 2
    resumed = [e for e in events if isinstance(e, StreamResumed)]
    assert [e.lost_seconds for e in resumed] == [0.0] * 5
    assert not [e for e in events if isinstance(e, ReplayOverflow)]


async def test_resume_with_the_same_session_id_and_session_times(tmp_path: Path) -> None:
    # The emulator's other behaviour: a resumed session's times continue.
    async with TranscribeEmulator(engine=PositionalEngine(), state_dir=tmp_path,
                                  resumed_result_times="session") as emulator:
        emulator.faults.add(ExceptionFault("InternalFailureException", "x", after_events=21),
                            times=1)
        async with make_client(emulator) as client:
            events, stream = await run_stream(
                client, position_audio(40),
                fast_policy(resumed_result_times="session"), session_resume_window=5)
        records = emulator.records.all()
    assert finals_of(events) == expected_finals(40)
    assert len({r.session_id for r in records}) == 1
    assert [r.resumed for r in records] == [False, True]
    assert records[1].time_offset == 10.0


async def test_idle_stream_kept_alive_for_60_simulated_seconds(tmp_path: Path) -> None:
    now = [datetime.datetime.now(datetime.timezone.utc)]
    origin = now[0]
    reached = asyncio.Event()
    release = asyncio.Event()
    stream: Any = None

    def seconds() -> float:
        return (now[0] - origin).total_seconds()

    async def sleep(delay: float) -> None:
        # Time passes only once the emulator has every keep-alive sent so
        # far: the shared clock then never runs ahead of what it received
        # (the writer hands events to the transport and returns at once).
        await emulator.records.wait_until(
            lambda records: True if records.all() and records.all()[0].audio_events
            >= stream.stats.keepalive_events else None, timeout=10)
        if seconds() >= 60:
            reached.set()
            await release.wait()
        now[0] += datetime.timedelta(seconds=delay)

    policy = ResiliencePolicy(keepalive_after=2.0, clock=seconds, sleep=sleep,
                              stall_timeout=None)
    async with TranscribeEmulator(engine=PositionalEngine(), state_dir=tmp_path,
                                  clock=lambda: now[0]) as emulator:
        async with make_client(emulator, clock=lambda: now[0]) as client:
            stream = await client.start_resilient_stream_transcription(
                resilience=policy, **OPTIONS)
            reader = asyncio.ensure_future(asyncio.wait_for(_collect(stream), 30))
            await asyncio.wait_for(reached.wait(), 30)
            record = emulator.records.all()[0]
            assert record.ended_at is None  # alive after 60 simulated seconds
            release.set()
            await stream.input_stream.send_audio_event(position_audio(2, first_block=7))
            await stream.input_stream.end_stream()
            events = await reader
            await stream.aclose()
    finals = [text for text, _, _ in finals_of(events)]
    assert finals == ["block8 words.", "block9 words."]
    assert stream.stats.keepalive_events == 30 and stream.stats.resumes == 0
    assert record.end_reason == "completed" and len(emulator.records.all()) == 1
    assert record.audio_bytes == 30 * 3200 + 2 * 32000  # 30 x 100 ms of silence, then speech


async def _collect(stream: Any) -> List[Any]:
    return [event async for event in stream.output_stream]


async def test_without_keepalive_idle_timeout_is_typed_on_sender_and_reader(
        tmp_path: Path) -> None:
    now = [datetime.datetime.now(datetime.timezone.utc)]
    async with TranscribeEmulator(engine=PositionalEngine(), state_dir=tmp_path,
                                  clock=lambda: now[0]) as emulator:
        async with make_client(emulator, clock=lambda: now[0]) as client:
            stream = await client.start_stream_transcription(**OPTIONS)
            now[0] += datetime.timedelta(seconds=60)
            await stream.input_stream.send_audio_event(position_audio(1))
            with pytest.raises(IdleTimeoutException) as on_reader:
                await asyncio.wait_for(_collect(stream), 10)
            with pytest.raises(IdleTimeoutException) as on_sender:
                await asyncio.wait_for(stream.input_stream.send_audio_event(b"\0\0"), 10)
    assert isinstance(on_reader.value, BadRequestException)
    assert "no new audio was received for 15 seconds" in on_reader.value.message
    assert on_sender.value is on_reader.value or isinstance(on_sender.value, IdleTimeoutException)


async def test_rotation_before_the_maximum_duration(tmp_path: Path) -> None:
    now = [datetime.datetime.now(datetime.timezone.utc)]
    origin = now[0]
    finals: List[Final] = []
    events: List[Any] = []
    progress = asyncio.Event()
    policy = fast_policy(max_stream_duration=20.0, rotation_window=5.0,
                         clock=lambda: (now[0] - origin).total_seconds())

    async def send(stream: Any) -> None:
        audio = position_audio(120)
        for block in range(120):
            # One block in flight: the clock (advanced per final below)
            # then stays in step with the audio the emulator has received,
            # as if the audio were paced in real time.
            while len(finals) < block:
                progress.clear()
                await progress.wait()
            for i in range(2 * block, 2 * block + 2):
                await stream.input_stream.send_audio_event(
                    audio[i * HALF_SECOND:(i + 1) * HALF_SECOND])
        await stream.input_stream.end_stream()

    async def read(stream: Any) -> None:
        async for event in stream.output_stream:
            events.append(event)
            for final in finals_of([event]):
                finals.append(final)
                now[0] += datetime.timedelta(seconds=1)  # a block's worth of time
            progress.set()

    async with TranscribeEmulator(engine=PositionalEngine(), state_dir=tmp_path,
                                  max_duration=20.0, clock=lambda: now[0]) as emulator:
        async with make_client(emulator, clock=lambda: now[0]) as client:
            async with await client.start_resilient_stream_transcription(
                    resilience=policy, **OPTIONS) as stream:
                await asyncio.wait_for(asyncio.gather(send(stream), read(stream)), 60)
        records = emulator.records.all()
    assert finals == expected_finals(120)  # continuous times, none lost or repeated
    assert stream.stats.rotations >= 5 and stream.stats.resumes == stream.stats.rotations
    assert [r.error for r in records] == [None] * len(records)  # never hit the limit
    assert len(records) == stream.stats.rotations + 1
    assert [e.reason for e in events if isinstance(e, StreamResumed)] == (
        ["rotation"] * stream.stats.rotations)


async def test_retried_start_after_two_limit_exceeded(tmp_path: Path) -> None:
    delays: List[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)

    policy = ResiliencePolicy(sleep=sleep, random=lambda: 0.999, backoff_base=1.0,
                              max_backoff=20.0, max_attempts=3, keepalive_after=None,
                              stall_timeout=None)
    async with TranscribeEmulator(engine=PositionalEngine(), state_dir=tmp_path) as emulator:
        emulator.faults.add(HttpErrorFault("LimitExceededException"), times=2)
        async with make_client(emulator) as client:
            events, stream = await run_stream(client, position_audio(2), policy)
    assert finals_of(events) == expected_finals(2)
    assert stream.stats.retries == 2
    # Full jitter under a cap that doubles: [0, 1) then [0, 2).
    assert delays == [pytest.approx(0.999), pytest.approx(1.998)]


@pytest.mark.parametrize("fault,error", [
    (HttpErrorFault("AccessDeniedException", status=403), UnknownServiceException),
    (HttpErrorFault("BadRequestException"), BadRequestException),
], ids=["403", "validation"])
async def test_client_errors_are_not_retried(tmp_path: Path, fault: Any, error: type) -> None:
    async def sleep(delay: float) -> None:
        raise AssertionError("no retry expected")

    async with TranscribeEmulator(engine=PositionalEngine(), state_dir=tmp_path) as emulator:
        emulator.faults.add(fault)
        async with make_client(emulator) as client:
            with pytest.raises(error):
                await client.start_resilient_stream_transcription(
                    resilience=ResiliencePolicy(sleep=sleep), **OPTIONS)
        assert len(emulator.records.all()) == 1


@pytest.mark.parametrize("source", ["policy", "AWS_MAX_ATTEMPTS"])
async def test_attempt_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              source: str) -> None:
    async def sleep(delay: float) -> None:
        pass

    if source == "policy":
        policy = ResiliencePolicy(sleep=sleep, max_attempts=4)
    else:
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
        policy = ResiliencePolicy(sleep=sleep)
    async with TranscribeEmulator(engine=PositionalEngine(), state_dir=tmp_path) as emulator:
        emulator.faults.add(HttpErrorFault("ServiceUnavailableException"))
        async with make_client(emulator) as client:
            with pytest.raises(Exception) as raised:
                await client.start_resilient_stream_transcription(resilience=policy, **OPTIONS)
        assert len(emulator.records.all()) == 4
    assert type(raised.value).__name__ == "ServiceUnavailableException"


def test_retry_mode_and_attempts_from_the_environment() -> None:
    assert ResiliencePolicy().attempts({}) == 3
    assert ResiliencePolicy().attempts({"AWS_RETRY_MODE": "legacy"}) == 5
    assert ResiliencePolicy().attempts({"AWS_RETRY_MODE": "adaptive"}) == 3
    assert ResiliencePolicy().attempts({"AWS_MAX_ATTEMPTS": "7"}) == 7
    assert ResiliencePolicy(max_attempts=2).attempts({"AWS_MAX_ATTEMPTS": "7"}) == 2
    from amazon_transcribe.exceptions import ValidationException
    with pytest.raises(ValidationException):
        ResiliencePolicy().attempts({"AWS_RETRY_MODE": "eager"})
    with pytest.raises(ValidationException):
        ResiliencePolicy().attempts({"AWS_MAX_ATTEMPTS": "zero"})
    policy = ResiliencePolicy(random=lambda: 0.5, backoff_base=1.0, max_backoff=20.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 6, 7)] == [0.5, 1.0, 2.0, 10.0, 10.0]


class _Recorder(TranscriptResultStreamHandler):
    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.finals: List[Final] = []
        self.resumes: List[StreamResumed] = []
        self.overflows: List[ReplayOverflow] = []

    async def handle_transcript_event(self, transcript_event: TranscriptEvent) -> None:
        self.finals.extend(finals_of([transcript_event]))

    async def handle_stream_resumed(self, event: StreamResumed) -> None:
        self.resumes.append(event)

    async def handle_replay_overflow(self, event: ReplayOverflow) -> None:
        self.overflows.append(event)


async def test_stall_longer_than_the_replay_buffer_reports_overflow(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # The emulator stops reading and sending after 4 s of audio; the client
    # writes on until its window is full (8 s more), keeping only 2 s.
    async with TranscribeEmulator(engine=PositionalEngine(), state_dir=tmp_path) as emulator:
        rule = emulator.faults.add(StallFault(after_events=8), times=1)
        emulator.records.add_end_listener(lambda record: emulator.faults.remove(rule))
        async with make_client(emulator) as client:
            stream = await client.start_resilient_stream_transcription(
                resilience=fast_policy(replay_seconds=2.0), **OPTIONS)
            handler = _Recorder(stream.output_stream)
            audio = position_audio(20)

            async def send() -> None:
                for i in range(0, len(audio), HALF_SECOND):
                    await stream.input_stream.send_audio_event(audio[i:i + HALF_SECOND])
                await stream.input_stream.end_stream()

            with caplog.at_level(logging.WARNING, logger="amazon_transcribe.resilience"):
                await asyncio.wait_for(asyncio.gather(send(), handler.handle_events()), 60)
            await stream.aclose()
    assert [r.reason for r in handler.resumes] == ["stall"]
    assert len(handler.overflows) == 1
    lost = handler.overflows[0].lost_seconds
    assert lost > 0 and stream.stats.lost_seconds == lost
    assert handler.resumes[0].lost_seconds == lost
    assert any("replay buffer overflow" in r.message for r in caplog.records)
    # What was kept came through once, in order, on the continuous timeline.
    ends = [end for _, _, end in handler.finals]
    assert ends == sorted(set(ends)) and ends[-1] == 20.0
    # Blocks wholly or partly lost have no final; the others all do.
    assert 20 - int(lost) - 1 <= len(handler.finals) <= 20 - int(lost)


SENSE_CLIPS = ("sense-0870.wav", "sense-0880.wav", "sense-0890.wav", "sense-0920.wav",
               "sense-0930.wav")


async def speech_run(tmp_path: Path, faults: List[Any]) -> Tuple[str, Any, List[str]]:
    """The five clips as one stream (a second of silence after each) through the
    offline engine; ``faults`` are armed one at a time, each for the next stream."""
    pause = bytes(32000)
    audio = b"".join(pcm(name) + pause for name in SENSE_CLIPS)
    fired: List[str] = []
    # One decoding pass (no rescoring) halves the engine's CPU time; the
    # comparison is between two runs of the same engine.
    engine = SphinxEngine(rescore=False)
    async with TranscribeEmulator(engine=engine, state_dir=tmp_path) as emulator:
        pending = list(faults)

        def arm_next() -> None:
            if pending:
                emulator.faults.add(pending.pop(0), times=1)

        def on_end(record: StreamRecord) -> None:
            fired.extend(record.faults)
            if record.faults:
                arm_next()

        emulator.records.add_end_listener(on_end)
        arm_next()
        # Unpaced, the engine lags behind the audio by seconds: a read timeout
        # that allows for it, so that only the injected faults break streams.
        timeouts = Timeouts(connect=5, response=10, read=30, write=30)
        async with make_client(emulator, timeouts=timeouts) as client:
            events, stream = await run_stream(client, audio, fast_policy(stall_timeout=20.0),
                                              chunk=3200)
    text = " ".join(text for text, _, _ in finals_of(events))
    return text, stream, fired


async def test_real_speech_broken_at_three_points_keeps_the_unbroken_text(
        tmp_path: Path) -> None:
    reference = " ".join(
        line.split("|")[4].strip() for line in (ASSETS / "README.md").read_text().splitlines()
        if any(f"`{name}`" in line.split("|")[1] for name in SENSE_CLIPS if "|" in line))
    unbroken, _, _ = await speech_run(tmp_path / "unbroken", [])
    # Mid-speech points (100 ms events counted per stream, each stream
    # starting at the last final result): in clip 2, clip 3 and clip 4.
    broken, stream, fired = await speech_run(tmp_path / "broken", [
        ConnectionResetFault(after_events=95),
        ExceptionFault("InternalFailureException", "chaos", after_events=80),
        GoAwayFault(after_events=90),
    ])
    assert fired == ["reset", "exception", "goaway"]
    assert stream.stats.resumes == 3 and stream.stats.replayed_seconds > 0
    unbroken_wer = word_error_rate(reference, unbroken)
    broken_wer = word_error_rate(reference, broken)
    assert unbroken_wer < 0.5  # the engine did recognise the speech
    assert abs(broken_wer - unbroken_wer) <= 0.03, (unbroken, broken)
