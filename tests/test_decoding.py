"""The declarative payload decoders: total on any JSON, exact on well-formed payloads."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amazon_transcribe import _deserialize as deserialize
from amazon_transcribe.call_analytics import UtteranceEvent
from amazon_transcribe.eventstream import Message
from amazon_transcribe.shapes import ItemType, TranscriptEvent

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)

# Objects whose keys are the members the decoders look for, with any values.
MEMBERS = ["Transcript", "Results", "Alternatives", "Items", "Entities", "StartTime", "Type",
           "Content", "IsPartial", "LanguageIdentification", "TranscriptSegment",
           "UtteranceId", "IssuesDetected", "CharacterOffsets", "MatchedCategories",
           "MatchedDetails", "TimestampRanges", "ChannelDefinitions", "EncryptionSettings",
           "PostStreamAnalyticsSettings", "ClinicalNoteGenerationSettings", "KmsKeyId"]
payloads = st.recursive(
    st.dictionaries(st.sampled_from(MEMBERS), json_values, max_size=6),
    lambda children: st.dictionaries(
        st.sampled_from(MEMBERS), children | st.lists(children, max_size=3), max_size=6
    ),
    max_leaves=30,
)

DECODERS: Dict[str, Callable[[Message], Any]] = {
    "transcript": deserialize._transcript_event,
    "medical": deserialize._medical_transcript_event,
    "utterance": deserialize._utterance_event,
    "category": deserialize._category_event,
    "scribe": deserialize._medical_scribe_transcript_event,
}


def message(payload: Any) -> Message:
    return Message({":message-type": "event", ":event-type": "X"}, json.dumps(payload).encode())


@pytest.mark.parametrize("name", sorted(DECODERS))
@settings(max_examples=50, deadline=None)
@given(payload=payloads)
def test_decoders_are_total_on_any_json_object(name: str, payload: Dict[str, Any]) -> None:
    DECODERS[name](message(payload))  # never raises for a JSON object
    deserialize._medical_scribe_stream_details(payload)


def test_well_formed_payloads_decode_exactly() -> None:
    event = deserialize._transcript_event(message({"Transcript": {"Results": [{
        "ResultId": "r", "StartTime": 1, "EndTime": 2.5, "IsPartial": False, "ChannelId": "ch_0",
        "LanguageIdentification": [{"LanguageCode": "de-DE", "Score": 0.5}],
        "Alternatives": [{"Transcript": "hi", "Items": [
            {"StartTime": 1, "EndTime": 2, "Type": "pronunciation", "Content": "hi",
             "Confidence": 0.9, "Stable": True, "Speaker": "0"}],
            "Entities": [{"Type": "NAME", "Category": "PII", "Content": "hi"}]}]}]}}))
    assert isinstance(event, TranscriptEvent)
    result = event.transcript.results[0]
    assert (result.result_id, result.start_time, result.end_time, result.is_partial) == (
        "r", 1.0, 2.5, False)
    assert result.language_identification[0].score == 0.5  # type: ignore[index]
    item = result.alternatives[0].items[0]
    assert item.item_type is ItemType.PRONUNCIATION and item.stable is True
    assert result.alternatives[0].entities[0].entity_type == "NAME"
    # Absent lists: [] where the 0.6.4 shapes had lists, None where the model's are optional.
    bare = deserialize._transcript_event(message({"Transcript": {"Results": [{}]}}))
    assert bare.transcript.results[0].alternatives == []
    assert bare.transcript.results[0].language_identification is None
    utterance = deserialize._utterance_event(message({"UtteranceId": "u", "BeginOffsetMillis": 5.0}))
    assert isinstance(utterance, UtteranceEvent)
    assert utterance.begin_offset_millis == 5 and utterance.items is None
    # Wrong JSON types become None, not errors.
    odd = deserialize._transcript_event(message({"Transcript": {"Results": [
        {"StartTime": "1", "IsPartial": "no", "Alternatives": "x"}]}}))
    assert odd.transcript.results[0].start_time is None
    assert odd.transcript.results[0].is_partial is None
    assert odd.transcript.results[0].alternatives == []
