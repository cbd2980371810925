"""Assemble the stream of partial and final results into stable transcript segments.

The service sends, for each segment of speech, a series of *partial* results
(each the whole current hypothesis of the segment, not a delta) and then one
*final* result (PROTOCOL.md §11.5). Printing every result as a line is the
most common confusion with the original SDK. :class:`TranscriptAssembler`
keeps, per channel, the current partial text (for a live display) and the
list of final segments (for the transcript), keyed on ``ResultId``::

    assembler = TranscriptAssembler()
    async for event in stream.output_stream:
        for segment in assembler.add_event(event):
            print(segment.text)                # a final segment, once
        show_live(assembler.partial_text())    # what is being said now

A final result whose id was never seen as a partial is accepted (one AWS
example shows different ids for the partials and the final); it then
replaces the open partial of its channel. A repeated final id is ignored.

This module does no I/O and imports only the data shapes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Set, Tuple

from .shapes import Item, Result, TranscriptEvent

__all__ = ["TranscriptWord", "TranscriptSegment", "TranscriptAssembler"]


@dataclass(frozen=True)
class TranscriptWord:
    """One item of a result: a word or a punctuation mark, with its timing."""

    #: The word or punctuation mark as transcribed (or masked / redacted).
    content: str
    #: Seconds from the start of the audio stream.
    start_time: float
    #: Seconds from the start of the audio stream.
    end_time: float
    #: ``pronunciation`` or ``punctuation``.
    item_type: str = "pronunciation"
    #: Confidence 0–1 (final results only), when given.
    confidence: Optional[float] = None
    #: The speaker label, with speaker labels on.
    speaker: Optional[str] = None
    #: Whether the word will not change (partial-results stabilization).
    stable: Optional[bool] = None
    #: Whether it matched a vocabulary filter.
    vocabulary_filter_match: Optional[bool] = None

    @property
    def is_punctuation(self) -> bool:
        """Whether this is a punctuation mark (joined to the previous word)."""
        return self.item_type == "punctuation"


@dataclass(frozen=True)
class TranscriptSegment:
    """A segment of the transcript: one result, partial or final."""

    #: The service's ``ResultId``.
    result_id: str
    #: The text of the best alternative.
    text: str
    #: Seconds from the start of the audio stream.
    start_time: float
    #: Seconds from the start of the audio stream.
    end_time: float
    #: Whether this is a partial (still changing) result.
    is_partial: bool = False
    #: ``ch_0`` / ``ch_1`` with channel identification, else ``None``.
    channel: Optional[str] = None
    #: The segment's speaker (the most frequent label of its words), with
    #: speaker labels on.
    speaker: Optional[str] = None
    #: The language of the segment, when the service says (language identification).
    language_code: Optional[str] = None
    #: The words and punctuation marks with their times.
    words: Tuple[TranscriptWord, ...] = ()

    @classmethod
    def from_result(cls, result: Result) -> "TranscriptSegment":
        """Make a segment from a service result (its first alternative).

        :param result: a result of a transcript event.
        :returns: the segment.
        """
        alternative = result.alternatives[0] if result.alternatives else None
        words = tuple(_word(item) for item in (alternative.items or [])) if alternative else ()
        text = alternative.transcript if alternative and alternative.transcript else None
        if text is None:
            text = _join(words)
        speakers = Counter(w.speaker for w in words if w.speaker is not None and not w.is_punctuation)
        return cls(
            result_id=result.result_id or "",
            text=text,
            start_time=float(result.start_time or 0.0),
            end_time=float(result.end_time or 0.0),
            is_partial=bool(result.is_partial),
            channel=result.channel_id,
            speaker=speakers.most_common(1)[0][0] if speakers else None,
            language_code=str(result.language_code) if result.language_code else None,
            words=words,
        )


def _word(item: Item) -> TranscriptWord:
    return TranscriptWord(
        content=item.content or "",
        start_time=float(item.start_time or 0.0),
        end_time=float(item.end_time or 0.0),
        item_type=str(item.item_type or "pronunciation"),
        confidence=item.confidence,
        speaker=item.speaker,
        stable=item.stable,
        vocabulary_filter_match=item.vocabulary_filter_match,
    )


def _join(words: Iterable[TranscriptWord]) -> str:
    text = ""
    for word in words:
        if word.is_punctuation or not text:
            text += word.content
        else:
            text += " " + word.content
    return text


class TranscriptAssembler:
    """Turns transcript events into final segments and the current partial text.

    Feed it every event (:meth:`add_event`) or result (:meth:`add_result`);
    read :attr:`segments` (the final segments, in the order they became
    final), :meth:`partial_text` for a live display and :meth:`transcript`
    for the text so far.
    """

    def __init__(self) -> None:
        #: Final segments, in the order they became final.
        self.segments: List[TranscriptSegment] = []
        self._final_ids: Set[str] = set()
        # Open partial segments by result id, in arrival order.
        self._partials: Dict[str, TranscriptSegment] = {}

    def add_event(self, event: object) -> List[TranscriptSegment]:
        """Take one event of the output stream.

        :param event: a :class:`~amazon_transcribe.model.TranscriptEvent`;
            other events (unknown ones) are ignored.
        :returns: the segments that became final with this event.
        """
        if not isinstance(event, TranscriptEvent) or event.transcript is None:
            return []
        finals = []
        for result in event.transcript.results or []:
            segment = self.add_result(result)
            if segment is not None:
                finals.append(segment)
        return finals

    def add_result(self, result: Result) -> Optional[TranscriptSegment]:
        """Take one result.

        :param result: a result of a transcript event.
        :returns: the final segment if this result is final (and new), else ``None``.
        """
        segment = TranscriptSegment.from_result(result)
        if segment.is_partial:
            if segment.result_id in self._final_ids:
                return None  # a late partial of a finished segment
            self._partials.pop(segment.result_id, None)
            self._partials[segment.result_id] = segment
            return None
        if segment.result_id and segment.result_id in self._final_ids:
            return None
        if segment.result_id in self._partials:
            del self._partials[segment.result_id]
        else:
            # A final under an id never seen: it ends the segment being
            # spoken on its channel, whatever id that one's partials had.
            for result_id in [
                rid for rid, p in self._partials.items() if p.channel == segment.channel
            ]:
                del self._partials[result_id]
        if segment.result_id:
            self._final_ids.add(segment.result_id)
        self.segments.append(segment)
        return segment

    @property
    def partials(self) -> Dict[Optional[str], TranscriptSegment]:
        """The latest open partial segment of each channel (``None``: no channel identification)."""
        latest: Dict[Optional[str], TranscriptSegment] = {}
        for segment in self._partials.values():
            latest[segment.channel] = segment
        return latest

    def partial_text(self, channel: Optional[str] = None) -> str:
        """The text being spoken now (partial results not yet final).

        :param channel: one channel's (``ch_0``); by default all channels'
            open partials, joined in arrival order.
        :returns: the text, ``""`` when nothing is in progress.
        """
        return " ".join(
            s.text for s in self._partials.values()
            if s.text and (channel is None or s.channel == channel)
        )

    def transcript(self, channel: Optional[str] = None) -> str:
        """The final text so far, segments in order of start time.

        :param channel: one channel's; by default all.
        :returns: the text.
        """
        return " ".join(
            s.text for s in self.sorted_segments()
            if s.text and (channel is None or s.channel == channel)
        )

    def sorted_segments(self) -> List[TranscriptSegment]:
        """The final segments in order of start time (channels interleaved).

        :returns: a new list.
        """
        return sorted(self.segments, key=lambda s: (s.start_time, s.end_time))

    def finish(self) -> List[TranscriptSegment]:
        """The stream ended: return (and forget) the partials that never became final.

        The service sends a final for every segment before it ends a stream
        normally; after an error, what was in progress is returned here.

        :returns: the open partial segments, oldest first.
        """
        left = list(self._partials.values())
        self._partials.clear()
        return left
