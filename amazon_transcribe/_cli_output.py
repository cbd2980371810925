"""How the command line shows results: live text, JSON lines, SRT and WebVTT cues, progress.

Renders :class:`~amazon_transcribe.transcript.TranscriptSegment` objects for
people and programs; knows nothing of streams or the service.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from typing import Any, Dict, List, Optional, Sequence, TextIO

from .sources import AudioSource
from .transcript import TranscriptAssembler, TranscriptSegment, TranscriptWord

#: A cue lasts at most this long, and holds at most this many characters.
CUE_SECONDS = 6.0
CUE_CHARS = 84
#: Seconds between redraws of the progress line.
PROGRESS_INTERVAL = 0.25


def _label(channel: Optional[str], speaker: Optional[str]) -> str:
    parts = []
    if channel is not None:
        parts.append(channel)
    if speaker is not None:
        parts.append(f"spk_{speaker}")
    return " ".join(parts)


def speaker_turns(segment: TranscriptSegment) -> List[TranscriptSegment]:
    """Split a final segment where the speaker changes (speaker labels on)."""
    if not any(w.speaker for w in segment.words):
        return [segment]
    turns: List[List[TranscriptWord]] = []
    for word in segment.words:
        speaker = word.speaker if not word.is_punctuation else None
        if turns and (speaker is None or speaker == turn_speaker(turns[-1])):
            turns[-1].append(word)
        else:
            turns.append([word])
    if len(turns) == 1:
        return [segment]
    return [sub_segment(segment, words) for words in turns]


def turn_speaker(words: List[TranscriptWord]) -> Optional[str]:
    return next((w.speaker for w in words if w.speaker and not w.is_punctuation), None)


def sub_segment(segment: TranscriptSegment, words: List[TranscriptWord]) -> TranscriptSegment:
    text = ""
    for word in words:
        text += word.content if (word.is_punctuation or not text) else " " + word.content
    return TranscriptSegment(
        result_id=segment.result_id, text=text,
        start_time=words[0].start_time, end_time=words[-1].end_time,
        channel=segment.channel, speaker=turn_speaker(words),
        language_code=segment.language_code, words=tuple(words))


def segment_json(segment: TranscriptSegment) -> Dict[str, Any]:
    """The JSON object of a final segment (``--format json`` / ``jsonl``).

    :param segment: a final segment.
    :returns: a JSON-ready dict (see the schema in the command-line docs).
    """
    return {
        "result_id": segment.result_id,
        "start_time": round(segment.start_time, 3),
        "end_time": round(segment.end_time, 3),
        "text": segment.text,
        "channel": segment.channel,
        "speaker": segment.speaker,
        "language_code": segment.language_code,
        "words": [
            {
                "content": w.content,
                "start_time": round(w.start_time, 3),
                "end_time": round(w.end_time, 3),
                "type": w.item_type,
                "confidence": w.confidence,
                "speaker": w.speaker,
                "stable": w.stable,
            }
            for w in segment.words
        ],
    }


def cue_time(seconds: float, separator: str) -> str:
    millis = max(0, int(round(seconds * 1000)))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def cues(segments: Sequence[TranscriptSegment],
          duration: Optional[float]) -> List[tuple[float, float, str, str]]:
    """Subtitle cues (start, end, label, text) from final segments, by start time.

    Long segments are cut at word boundaries (at most ~6 s and 84
    characters per cue), using the items' times; every cue lies inside the
    audio and starts no earlier than the previous one.
    """
    pieces: List[tuple[float, float, str, str]] = []
    for segment in sorted(segments, key=lambda s: (s.start_time, s.end_time)):
        for turn in speaker_turns(segment):
            label = _label(turn.channel, turn.speaker)
            words = list(turn.words)
            if not words:
                if turn.text:
                    pieces.append((turn.start_time, turn.end_time, label, turn.text))
                continue
            group: List[TranscriptWord] = []
            for word in words:
                candidate = group + [word]
                text = sub_segment(turn, candidate).text
                too_long = (word.end_time - candidate[0].start_time > CUE_SECONDS
                            or len(text) > CUE_CHARS)
                if group and too_long and not word.is_punctuation:
                    piece = sub_segment(turn, group)
                    pieces.append((piece.start_time, piece.end_time, label, piece.text))
                    group = [word]
                else:
                    group = candidate
            if group:
                piece = sub_segment(turn, group)
                pieces.append((piece.start_time, piece.end_time, label, piece.text))
    pieces.sort(key=lambda p: (p[0], p[1]))
    cues: List[tuple[float, float, str, str]] = []
    last_start = 0.0
    for start, end, label, text in pieces:
        start = max(start, last_start)
        if duration is not None:
            start, end = min(start, duration), min(end, duration)
        end = max(end, start)
        cues.append((start, end, label, text))
        last_start = start
    return cues


def render_srt(segments: Sequence[TranscriptSegment], duration: Optional[float]) -> str:
    """SubRip subtitles from final segments.

    :param segments: final segments.
    :param duration: the audio's duration, to keep cues inside it.
    :returns: the SRT document.
    """
    blocks = []
    for n, (start, end, label, text) in enumerate(cues(segments, duration), 1):
        line = f"[{label}] {text}" if label else text
        blocks.append(f"{n}\n{cue_time(start, ',')} --> {cue_time(end, ',')}\n{line}\n")
    return "\n".join(blocks)


def render_vtt(segments: Sequence[TranscriptSegment], duration: Optional[float]) -> str:
    """WebVTT subtitles from final segments (labels as voice spans).

    :param segments: final segments.
    :param duration: the audio's duration, to keep cues inside it.
    :returns: the WebVTT document.
    """
    blocks = ["WEBVTT\n"]
    for start, end, label, text in cues(segments, duration):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        line = f"<v {label}>{text}" if label else text
        blocks.append(f"{cue_time(start, '.')} --> {cue_time(end, '.')}\n{line}\n")
    return "\n".join(blocks)


class Display:
    """Writes results as they come: live text, JSON lines, or nothing until the end."""

    def __init__(self, args: argparse.Namespace, out: TextIO, live: bool) -> None:
        self.format = args.format
        self.out = out
        self.live = live
        self.shown_partial = False
        self.drawn = ""

    def partial(self, assembler: TranscriptAssembler) -> None:
        if not self.live:
            return
        parts = []
        for channel, segment in assembler.partials.items():
            label = _label(channel, None)
            parts.append(f"{label}: {segment.text}" if label else segment.text)
        line = " | ".join(parts)
        # A line longer than the terminal wraps, and \r cannot go back up:
        # show its end, where the words change.
        width = max(20, shutil.get_terminal_size().columns - 1)
        if len(line) > width:
            line = "…" + line[-(width - 1):]
        if line == self.drawn:
            return  # unchanged (or still nothing): no redraw
        self.out.write(f"\r\033[K{line}")
        self.out.flush()
        self.drawn = line
        self.shown_partial = bool(line)

    def final(self, segment: TranscriptSegment) -> None:
        if self.format == "text":
            prefix = "\r\033[K" if self.live else ""
            for turn in speaker_turns(segment):
                label = _label(turn.channel, turn.speaker)
                self.out.write(f"{prefix}{label + ': ' if label else ''}{turn.text}\n")
                prefix = ""
            self.shown_partial = False
            self.drawn = ""
            self.out.flush()
        elif self.format == "jsonl":
            self.out.write(json.dumps(segment_json(segment), ensure_ascii=False) + "\n")
            self.out.flush()

    def close(self) -> None:
        if self.live and self.shown_partial:
            self.out.write("\r\033[K")
            self.out.flush()


class Progress:
    """``sent 3.2 / 7.1 s, 3.3 s elapsed, 0.97x real time`` on stderr, redrawn in place."""

    def __init__(self, source: AudioSource, err: TextIO, enabled: bool) -> None:
        self.source = source
        self.err = err
        self.enabled = enabled
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_INTERVAL:
            return
        self.last = now
        elapsed = now - self.started
        sent = self.source.position
        total = f" / {self.source.duration:.1f}" if self.source.duration else ""
        speed = f", {sent / elapsed:.2f}x real time" if elapsed > 0 else ""
        self.err.write(f"\r\033[Ksent {sent:.1f}{total} s of audio, "
                       f"{elapsed:.1f} s elapsed{speed}")
        self.err.flush()

    def close(self) -> None:
        if self.enabled:
            self.update(force=True)
            self.err.write("\n")
            self.err.flush()
