"""Tests of the scripted engine: steps, the periodic default, JSON scripts, limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from amazon_transcribe.emulator.engine import RawEvent, Segment, StreamSettings, Word
from amazon_transcribe.emulator.errors import ServiceError, bad_request
from amazon_transcribe.emulator.scripted import (
    DEFAULT_SCRIPT,
    DEFAULT_TRANSCRIPT,
    Periodic,
    Script,
    ScriptedEngine,
    Step,
)

SESSION = "0b7ab5e8-0c77-4f3a-9e27-37d4a4b3a9a1"
CHUNK = b"\x00" * 3200  # 100 ms of 16 kHz mono PCM


def settings_for(session_id: str = SESSION, **overrides: Any) -> StreamSettings:
    values: Dict[str, Any] = dict(
        operation="StartStreamTranscription",
        session_id=session_id,
        media_encoding="pcm",
        sample_rate=16000,
        language_code="en-US",
    )
    values.update(overrides)
    return StreamSettings(**values)


def segment(text: str, partial: bool = False, result_id: str = "r1") -> Segment:
    return Segment(result_id, 0.0, 1.0, partial, text, (Word(text, 0.0, 1.0),))


def test_engine_does_not_block() -> None:
    assert ScriptedEngine.blocking is False


# --------------------------------------------------------- default script


def test_default_script_one_final_per_ten_events_with_a_partial() -> None:
    engine = ScriptedEngine()
    assert engine.script is DEFAULT_SCRIPT
    session = engine.open_session(settings_for())
    produced: List[List[Segment]] = []
    for _ in range(25):
        produced.append([o for o in session.accept_audio(CHUNK) if isinstance(o, Segment)])
    tail = session.finish()
    session.close()
    events_with_output = [i + 1 for i, out in enumerate(produced) if out]
    assert events_with_output == [5, 10, 15, 20, 25]
    first_partial, first_final = produced[4][0], produced[9][0]
    assert first_partial.is_partial and not first_final.is_partial
    assert first_partial.result_id == first_final.result_id
    assert first_final.transcript == DEFAULT_TRANSCRIPT
    assert (first_final.start_time, first_final.end_time) == (0.0, 1.0)
    assert first_final.words[-1].item_type == "punctuation"
    assert all(w.confidence == 1.0 for w in first_final.words if w.item_type == "pronunciation")
    second_final = produced[19][0]
    assert (second_final.start_time, second_final.end_time) == (1.0, 2.0)
    assert second_final.result_id != first_final.result_id
    # The segment open at the end of input gets its final.
    assert len(tail) == 1 and isinstance(tail[0], Segment) and not tail[0].is_partial
    assert tail[0].result_id == produced[24][0].result_id
    assert engine.active_sessions == 0


def test_empty_audio_events_do_not_count() -> None:
    session = ScriptedEngine(Script(periodic=Periodic(every_events=2, partials=False))) \
        .open_session(settings_for())
    assert session.accept_audio(b"") == []
    assert session.accept_audio(CHUNK) == []
    assert session.accept_audio(b"") == []
    assert len(session.accept_audio(CHUNK)) == 1


def test_hundred_concurrent_streams() -> None:
    engine = ScriptedEngine(Script(periodic=Periodic(every_events=3)))
    sessions = [engine.open_session(settings_for(session_id=f"{i:08d}-0000-4000-8000-000000000000"))
                for i in range(100)]
    assert engine.active_sessions == 100
    outputs: Dict[int, List[Any]] = {i: [] for i in range(100)}
    for _ in range(6):  # interleave: one event per stream per round
        for i, session in enumerate(sessions):
            outputs[i].extend(session.accept_audio(CHUNK))
    for i, session in enumerate(sessions):
        outputs[i].extend(session.finish())
        session.close()
    assert engine.active_sessions == 0
    all_ids = set()
    for i in range(100):
        finals = [o for o in outputs[i] if not o.is_partial]
        assert len(finals) == 2
        ids = {o.result_id for o in finals}
        assert not ids & all_ids, "result ids are unique per stream"
        all_ids |= ids
    # Deterministic: the same session id gives the same ids again.
    again = engine.open_session(settings_for(session_id="00000000-0000-4000-8000-000000000000"))
    replay = [o for _ in range(3) for o in again.accept_audio(CHUNK)]
    assert replay[-1].result_id == outputs[0][1].result_id


def test_periodic_segments_follow_channels_language_and_options() -> None:
    script = Script(periodic=Periodic(every_events=1, transcript="One two three!",
                                      partials=False))
    settings = settings_for(channels=2, channel_identification=True, language_code=None,
                            show_speaker_label=True, partial_results_stabilization=True,
                            headers={"x-amzn-transcribe-language-options": "fr-FR,en-GB",
                                     "x-amzn-transcribe-preferred-language": "en-GB"})
    session = ScriptedEngine(script).open_session(settings)
    first = session.accept_audio(b"\x00" * 6400)[0]
    second = session.accept_audio(b"\x00" * 6400)[0]
    assert isinstance(first, Segment) and isinstance(second, Segment)
    assert (first.channel, second.channel) == (0, 1)
    assert first.language_code == "en-GB"
    assert first.transcript == "One two three!"
    # 6400 bytes of 16 kHz stereo PCM are 0.1 s.
    assert (first.start_time, first.end_time) == (0.0, 0.1)
    assert (second.start_time, second.end_time) == (0.1, 0.2)
    spoken = [w for w in first.words if w.item_type == "pronunciation"]
    assert [w.content for w in spoken] == ["One", "two", "three"]
    assert all(w.stable is True and w.speaker == "0" for w in spoken)


def test_compressed_audio_time_is_estimated_per_event() -> None:
    script = Script(periodic=Periodic(every_events=4, partials=False))
    session = ScriptedEngine(script).open_session(settings_for(media_encoding="flac"))
    out = [o for _ in range(4) for o in session.accept_audio(b"fLaC....")]
    assert isinstance(out[0], Segment) and out[0].end_time == pytest.approx(0.4)


# ----------------------------------------------------------------- steps


def test_steps_fire_in_order_on_their_triggers() -> None:
    raw = RawEvent("TranscriptEvent", {"Transcript": {"Results": []}})
    script = Script(steps=(
        Step(output=segment("one", partial=True), after_events=2),
        Step(output=raw, after_bytes=9600),
        Step(output=segment("one two"), after_events=4),
        Step(output=segment("end", result_id="r2"), at_finish=True),
    ))
    session = ScriptedEngine(script).open_session(settings_for())
    assert session.accept_audio(CHUNK) == []
    assert session.accept_audio(CHUNK) == [script.steps[0].output]
    assert session.accept_audio(CHUNK) == [raw]
    assert session.accept_audio(CHUNK) == [script.steps[2].output]
    assert session.accept_audio(CHUNK) == []
    assert session.finish() == [script.steps[3].output]
    assert session.finish() == []


def test_a_step_waiting_holds_back_later_steps_until_finish() -> None:
    script = Script(steps=(
        Step(output=segment("late"), after_events=100),
        Step(output=segment("early"), after_events=1),
        Step(output=segment("at end"), at_finish=True),
    ))
    session = ScriptedEngine(script).open_session(settings_for())
    assert session.accept_audio(CHUNK) == []
    # At the end: steps waiting for audio that never came are dropped.
    assert session.finish() == [script.steps[1].output, script.steps[2].output]


def test_error_steps_end_the_stream() -> None:
    script = Script(steps=(Step(error=bad_request("scripted"), after_events=2),))
    session = ScriptedEngine(script).open_session(settings_for())
    session.accept_audio(CHUNK)
    with pytest.raises(ServiceError) as caught:
        session.accept_audio(CHUNK)
    assert (caught.value.error_type, caught.value.message) == ("BadRequestException", "scripted")


def test_outputs_due_with_an_error_go_first() -> None:
    script = Script(steps=(
        Step(output=segment("before"), after_events=1),
        Step(error=ServiceError("InternalFailureException", "boom"), after_events=1),
    ))
    session = ScriptedEngine(script).open_session(settings_for())
    assert session.accept_audio(CHUNK) == [script.steps[0].output]
    with pytest.raises(ServiceError) as caught:
        session.finish()
    assert caught.value.error_type == "InternalFailureException"


def test_at_finish_error() -> None:
    script = Script(steps=(Step(error=ServiceError("LimitExceededException", "too long"),
                                at_finish=True),))
    session = ScriptedEngine(script).open_session(settings_for())
    session.accept_audio(CHUNK)
    with pytest.raises(ServiceError) as caught:
        session.finish()
    assert caught.value.status == 429


def test_at_open_error_refuses_the_stream_each_time() -> None:
    error = ServiceError("ServiceUnavailableException", "busy")
    engine = ScriptedEngine(Script(steps=(Step(error=error, at_open=True),)))
    for _ in range(2):
        with pytest.raises(ServiceError) as caught:
            engine.open_session(settings_for())
        assert caught.value.error_type == "ServiceUnavailableException"
        assert caught.value is not error
    assert engine.active_sessions == 0


@pytest.mark.parametrize("kwargs", [
    {},
    {"output": segment("x"), "error": bad_request("y"), "at_finish": True},
    {"output": segment("x")},
    {"output": segment("x"), "after_events": 1, "at_finish": True},
    {"output": segment("x"), "after_bytes": -1},
    {"output": segment("x"), "at_open": True},
])
def test_invalid_steps(kwargs: Dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Step(**kwargs)


def test_per_session_scripts_with_a_default() -> None:
    special = Script(steps=(Step(output=segment("special"), after_events=1),))
    engine = ScriptedEngine(Script(), sessions={SESSION: special})
    own = engine.open_session(settings_for())
    other = engine.open_session(settings_for(session_id="11111111-2222-4333-8444-555555555555"))
    assert own.accept_audio(CHUNK) == [special.steps[0].output]
    assert other.accept_audio(CHUNK) == []
    assert engine.script_for(SESSION) is special


def test_session_limit() -> None:
    engine = ScriptedEngine(max_sessions=1)
    first = engine.open_session(settings_for())
    with pytest.raises(ServiceError) as caught:
        engine.open_session(settings_for())
    assert caught.value.error_type == "LimitExceededException"
    first.close()
    first.close()
    engine.open_session(settings_for()).close()
    assert engine.active_sessions == 0


# ------------------------------------------------------------------ JSON

DOC_EXAMPLE: Dict[str, Any] = {
    "default": {
        "steps": [
            {"after_events": 2, "segment": {
                "is_partial": True, "transcript": "hello", "start_time": 0.1, "end_time": 0.4,
                "words": [{"content": "hello", "start_time": 0.1, "end_time": 0.4}]}},
            {"after_events": 4, "segment": {"transcript": "hello world",
                                            "start_time": 0.1, "end_time": 0.9}},
            {"after_bytes": 64000, "event": {"event_type": "TranscriptEvent",
                                             "payload": {"Transcript": {"Results": []}}}},
            {"at_finish": True, "error": {"error_type": "BadRequestException",
                                          "message": "scripted failure"}},
        ],
        "periodic": {"every_events": 10, "transcript": "Hello again.", "partials": False},
    },
    "sessions": {
        SESSION: [{"at_open": True, "error": {"error_type": "LimitExceededException",
                                              "message": "too many streams"}}],
    },
}


def test_json_document_of_the_module_docstring(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text(json.dumps(DOC_EXAMPLE), encoding="utf-8")
    engine = ScriptedEngine.from_file(path)
    with pytest.raises(ServiceError) as caught:
        engine.open_session(settings_for())
    assert caught.value.error_type == "LimitExceededException"
    session = engine.open_session(settings_for(session_id="22222222-2222-4222-8222-222222222222"))
    outputs: List[Any] = []
    for _ in range(20):
        outputs.extend(session.accept_audio(CHUNK))
    # Events 2 and 4: the scripted segments; 10: the periodic one; 20 (64000
    # bytes): the raw event; 20: the next periodic one.
    partial, final, periodic, raw = outputs[:4]
    assert partial.is_partial and partial.words[0].content == "hello"
    # A segment without an id continues the id of the partial before it.
    assert final.result_id == partial.result_id and not final.is_partial
    assert final.end_time == 0.9 and final.transcript == "hello world"
    assert isinstance(raw, RawEvent) and raw.payload == {"Transcript": {"Results": []}}
    assert periodic.transcript == "Hello again."
    with pytest.raises(ServiceError) as failure:
        session.finish()
    assert failure.value.message == "scripted failure"


def test_json_list_is_one_script() -> None:
    engine = ScriptedEngine.from_json([
        {"after_events": 1, "segment": {"words": [
            {"content": "Hi", "start_time": 0.0, "end_time": 0.3},
            {"content": ",", "item_type": "punctuation", "start_time": 0.3, "end_time": 0.3},
            {"content": "there", "start_time": 0.3, "end_time": 0.6, "confidence": 0.9}]}},
        {"after_events": 1, "segment": {"transcript": "next"}},
    ])
    assert engine.script.periodic is None
    first, second = engine.open_session(settings_for()).accept_audio(CHUNK)
    assert first.transcript == "Hi, there"
    assert (first.start_time, first.end_time) == (0.0, 0.6)
    # After a final, a segment without an id gets a new one.
    assert second.result_id != first.result_id
    assert Script.from_json({"steps": [], "periodic": None}) == Script()


@pytest.mark.parametrize("document, message", [
    ({"steps": [{"after_events": 1}]}, "script.steps[0]: expected exactly one of"),
    ({"steps": [{"segment": {}}]}, "script.steps[0]: a step needs exactly one trigger"),
    ({"steps": [{"after_events": 1, "segment": {"words": [{}]}}]},
     "script.steps[0].segment.words[0]: missing member(s) content"),
    ({"steps": [{"after_events": 1, "segment": {"colour": "red"}}]},
     "unknown member(s) colour"),
    ({"steps": [{"after_events": "1", "segment": {}}]}, "after_events: expected int"),
    ({"steps": [{"at_finish": 1, "segment": {}}]}, "at_finish: expected true or false"),
    ({"steps": [{"at_finish": True, "error": {"message": "x"}}]},
     "missing member(s) error_type"),
    ({"periodic": {"every_events": 0}}, "every_events must be at least 1"),
    ({"sessions": []}, "sessions: expected an object"),
    ("nonsense", "script: expected an object"),
])
def test_json_errors_say_where(document: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        ScriptedEngine.from_json(document)
    assert message in str(caught.value)


def test_from_file_reports_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        ScriptedEngine.from_file(path)
    assert str(path) in str(caught.value)
