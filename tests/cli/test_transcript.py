"""Unit tests of the transcript assembler (partials replaced by result id, finals kept once)."""

from __future__ import annotations

from typing import Optional

from amazon_transcribe.model import Alternative, Item, Result, Transcript, TranscriptEvent
from amazon_transcribe.transcript import TranscriptAssembler, TranscriptSegment


def result(rid: str, text: str, partial: bool, start: float = 0.0, end: float = 1.0,
           channel: Optional[str] = None, speaker: Optional[str] = None) -> Result:
    items = [Item(content=w, start_time=start, end_time=end, item_type="pronunciation",
                  speaker=speaker) for w in text.split()]
    return Result(result_id=rid, start_time=start, end_time=end, is_partial=partial,
                  channel_id=channel, alternatives=[Alternative(transcript=text, items=items)])


def event(*results: Result) -> TranscriptEvent:
    return TranscriptEvent(transcript=Transcript(results=list(results)))


def test_partials_replaced_then_final_once() -> None:
    a = TranscriptAssembler()
    assert a.add_event(event(result("r1", "hello", True))) == []
    assert a.partial_text() == "hello"
    assert a.add_event(event(result("r1", "hello wor", True))) == []
    assert a.partial_text() == "hello wor"
    finals = a.add_event(event(result("r1", "hello world", False, 0.2, 1.1, speaker="0")))
    assert [s.text for s in finals] == ["hello world"]
    assert finals[0].speaker == "0" and finals[0].start_time == 0.2
    assert a.partial_text() == ""
    # A repeated final and a late partial of the same id change nothing.
    assert a.add_event(event(result("r1", "hello world", False))) == []
    assert a.add_event(event(result("r1", "hello", True))) == []
    assert a.partial_text() == "" and a.transcript() == "hello world"


def test_final_with_unseen_id_replaces_its_channels_partial() -> None:
    a = TranscriptAssembler()
    a.add_event(event(result("p1", "good mor", True, channel="ch_0"),
                      result("q1", "hi", True, channel="ch_1")))
    finals = a.add_event(event(result("f1", "good morning", False, channel="ch_0")))
    assert [s.result_id for s in finals] == ["f1"]
    assert a.partial_text("ch_0") == "" and a.partial_text("ch_1") == "hi"
    assert set(a.partials) == {"ch_1"}


def test_empty_events_and_unknown_events_tolerated() -> None:
    a = TranscriptAssembler()
    assert a.add_event(event()) == []
    assert a.add_event(TranscriptEvent(transcript=None)) == []
    assert a.add_event(object()) == []


def test_transcript_sorted_by_time_and_finish_returns_leftovers() -> None:
    a = TranscriptAssembler()
    a.add_result(result("b", "second", False, 2.0, 3.0))
    a.add_result(result("a", "first", False, 0.0, 1.0))
    a.add_result(result("c", "third in progress", True, 3.5, 4.0))
    assert a.transcript() == "first second"
    left = a.finish()
    assert [s.text for s in left] == ["third in progress"] and a.partial_text() == ""


def test_segment_text_from_items_when_transcript_missing() -> None:
    r = Result(result_id="x", is_partial=False, alternatives=[Alternative(items=[
        Item(content="Hi", item_type="pronunciation"),
        Item(content=",", item_type="punctuation"),
        Item(content="there", item_type="pronunciation")])])
    assert TranscriptSegment.from_result(r).text == "Hi, there"
