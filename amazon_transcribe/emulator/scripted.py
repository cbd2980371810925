"""A recognition engine that plays a script: deterministic results and faults.

:class:`ScriptedEngine` is what tests run against: no speech recognition,
just outputs (or errors) produced when a stream has received so much audio.
It never blocks (``blocking = False``), so a hundred concurrent streams cost
next to nothing.

A :class:`Script` is a list of :class:`Step` objects, played in order, plus an
optional :class:`Periodic` rule. A step fires at the first session call where
its trigger holds:

* ``after_bytes=N``: the stream has received at least N bytes of audio;
* ``after_events=N``: at least N audio events with a non-empty payload
  (the empty event that ends an input stream does not count);
* ``at_finish=True``: the input stream has ended;
* ``at_open=True``: when the session opens (errors only: the request is
  refused before the stream starts).

A step whose trigger does not hold yet holds back the steps after it. At the
end of the input stream, every remaining step whose trigger holds fires, the
``at_finish`` steps too, in order; steps that wait for audio that never came
are dropped. A firing step outputs a
:class:`~amazon_transcribe.emulator.engine.Segment` or
:class:`~amazon_transcribe.emulator.engine.RawEvent`, or ends the stream with
a :class:`~amazon_transcribe.emulator.errors.ServiceError`. When outputs and
an error fall due in the same call, the outputs are sent and the error is
raised by the session's next call (the next audio event or the end of
input); at the end of input, where no call follows, the error wins.

The periodic rule, applied after the steps, emits one final segment every
``every_events`` audio events, echoing a fixed transcript (with a partial
result of its first half halfway through when ``partials``), and a final for
a segment left open at the end of input. This is the default script:
:data:`DEFAULT_SCRIPT`.

Result ids are deterministic (uuid5 values): a scripted segment without a
``result_id`` continues the id of the preceding partial segment, or gets a
new one after a final; periodic segments get ids derived from the session
id and their number. Times of periodic segments follow the audio received:
bytes over the declared rate for PCM and G.711, 100 ms per audio event for
compressed audio.

Per-stream scripts: ``ScriptedEngine(script, sessions={session_id: script})``
plays the script of the stream's session id, else the default one.

JSON format (``--script file.json`` on the command line;
:meth:`ScriptedEngine.from_json`, :meth:`ScriptedEngine.from_file`). The
document is one script, or an object with ``"default"`` (a script) and
``"sessions"`` (session id -> script). A script is a list of steps, or an
object ``{"steps": [...], "periodic": {...} or null}`` (``periodic`` is
absent, i.e. off, unless given). Each step has one trigger and one action::

    {
      "default": {
        "steps": [
          {"after_events": 2, "segment": {"is_partial": true, "transcript": "hello",
            "start_time": 0.1, "end_time": 0.4,
            "words": [{"content": "hello", "start_time": 0.1, "end_time": 0.4}]}},
          {"after_events": 4, "segment": {"transcript": "hello world",
            "start_time": 0.1, "end_time": 0.9}},
          {"after_bytes": 64000, "event": {"event_type": "TranscriptEvent",
            "payload": {"Transcript": {"Results": []}}}},
          {"at_finish": true, "error": {"error_type": "BadRequestException",
            "message": "scripted failure"}}
        ],
        "periodic": {"every_events": 10, "transcript": "Hello again.", "partials": false}
      },
      "sessions": {
        "0b7ab5e8-0c77-4f3a-9e27-37d4a4b3a9a1": [
          {"at_open": true, "error": {"error_type": "LimitExceededException",
            "message": "too many streams"}}
        ]
      }
    }

Segment members (``Segment`` fields): ``result_id``, ``start_time``,
``end_time`` (default: the words' extent, else 0), ``is_partial`` (default
false), ``transcript`` (default: the words joined by spaces), ``words``,
``channel``, ``language_code``. Word members: ``content``, ``start_time``,
``end_time``, ``confidence``, ``item_type`` (default ``pronunciation``),
``speaker``, ``stable``. Error members: ``error_type``, ``message``,
``status`` (default: the type's usual status). Unknown members are errors.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .engine import (
    Engine,
    SessionSlots,
    EngineOutput,
    RawEvent,
    RecognitionSession,
    Segment,
    StreamSettings,
    Word,
)
from .errors import ServiceError

__all__ = [
    "DEFAULT_TRANSCRIPT",
    "Step",
    "Periodic",
    "Script",
    "DEFAULT_SCRIPT",
    "ScriptedSession",
    "ScriptedEngine",
    "PositionalEngine",
    "position_audio",
]

#: Transcript of the default script's segments.
DEFAULT_TRANSCRIPT = "Hello from the Amazon Transcribe emulator."

# Namespace of the deterministic result ids.
_ID_NAMESPACE = uuid.UUID("6f1c3f5e-2d52-4c4b-9a8e-5d2f0c6e8b71")

# Assumed audio per event when the encoding does not tell the duration.
_SECONDS_PER_COMPRESSED_EVENT = 0.1

_PUNCTUATION = ".,?!;:"


@dataclass(frozen=True)
class Step:
    """One scripted action and when it happens.

    :param output: the segment or raw event to send, or
    :param error: the error that ends the stream.
    :param after_bytes: fire once this many audio bytes were received, or
    :param after_events: once this many non-empty audio events were, or
    :param at_finish: at the end of the input stream, or
    :param at_open: when the session opens (``error`` only).
    :raises ValueError: not exactly one action and one trigger, a negative
        threshold, or an output at open.
    """

    output: Optional[EngineOutput] = None
    error: Optional[ServiceError] = None
    after_bytes: Optional[int] = None
    after_events: Optional[int] = None
    at_finish: bool = False
    at_open: bool = False

    def __post_init__(self) -> None:
        if (self.output is None) == (self.error is None):
            raise ValueError("a step needs exactly one of output and error")
        triggers = [
            self.after_bytes is not None,
            self.after_events is not None,
            self.at_finish,
            self.at_open,
        ]
        if sum(triggers) != 1:
            raise ValueError(
                "a step needs exactly one trigger: after_bytes, after_events, at_finish "
                "or at_open"
            )
        for name in ("after_bytes", "after_events"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or value < 0):
                raise ValueError(f"{name} must be a non-negative integer")
        if self.at_open and self.output is not None:
            raise ValueError("an at_open step can only raise an error")

    def due(self, received_bytes: int, received_events: int, finished: bool) -> bool:
        """Whether the trigger holds.

        :param received_bytes: audio bytes received so far.
        :param received_events: non-empty audio events received so far.
        :param finished: whether the input stream has ended.
        :returns: ``True`` when the step should fire.
        """
        if self.after_bytes is not None:
            return received_bytes >= self.after_bytes
        if self.after_events is not None:
            return received_events >= self.after_events
        if self.at_finish:
            return finished
        return False


@dataclass(frozen=True)
class Periodic:
    """A final segment every ``every_events`` audio events.

    :param every_events: audio events per segment (at least 1).
    :param transcript: what each segment says; a trailing punctuation mark
        becomes a punctuation item of the final result.
    :param partials: also send a partial result (the first half of the
        words) halfway through each segment (when ``every_events`` > 1).
    :raises ValueError: ``every_events`` < 1 or an empty transcript.
    """

    every_events: int = 10
    transcript: str = DEFAULT_TRANSCRIPT
    partials: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.every_events, bool) or self.every_events < 1:
            raise ValueError("every_events must be at least 1")
        if not self.transcript.strip():
            raise ValueError("the periodic transcript must not be empty")


@dataclass(frozen=True)
class Script:
    """What a scripted stream produces.

    :param steps: the steps, played in order.
    :param periodic: the periodic rule, if any.
    """

    steps: Tuple[Step, ...] = ()
    periodic: Optional[Periodic] = None

    @staticmethod
    def from_json(data: Any) -> Script:
        """Build a script from JSON data (see the module documentation).

        :param data: a list of steps, or an object with ``steps`` and
            ``periodic``.
        :returns: the script.
        :raises ValueError: the data does not describe a script (the
            message says where).
        """
        return _parse_script(data, "script")


#: The script of a :class:`ScriptedEngine` given none: a final segment
#: saying :data:`DEFAULT_TRANSCRIPT` every 10 audio events, with a partial.
DEFAULT_SCRIPT = Script(periodic=Periodic())


# ----------------------------------------------------------- JSON parsing


def _expect_keys(data: Mapping[str, Any], where: str, allowed: Sequence[str],
                 required: Sequence[str] = ()) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValueError(f"{where}: unknown member(s) {', '.join(unknown)}; "
                         f"expected some of {', '.join(allowed)}")
    missing = [name for name in required if name not in data]
    if missing:
        raise ValueError(f"{where}: missing member(s) {', '.join(missing)}")


def _object(data: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    return data


def _number(data: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}.{key}: expected a number")
    return float(value)


def _optional(data: Mapping[str, Any], key: str, where: str, kind: type) -> Any:
    value = data.get(key)
    if value is None:
        return None
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}.{key}: expected a number")
        return float(value)
    if kind is int and isinstance(value, bool):
        raise ValueError(f"{where}.{key}: expected an integer")
    if not isinstance(value, kind):
        raise ValueError(f"{where}.{key}: expected {kind.__name__}")
    return value


def _parse_word(data: Any, where: str) -> Word:
    word = _object(data, where)
    _expect_keys(word, where, ("content", "start_time", "end_time", "confidence", "item_type",
                               "speaker", "stable"), required=("content",))
    content = _optional(word, "content", where, str)
    item_type = word.get("item_type", "pronunciation")
    if item_type not in ("pronunciation", "punctuation"):
        raise ValueError(f"{where}.item_type: expected pronunciation or punctuation")
    return Word(
        content=content,
        start_time=_number(word, "start_time", where, 0.0),
        end_time=_number(word, "end_time", where, _number(word, "start_time", where, 0.0)),
        confidence=_optional(word, "confidence", where, float),
        item_type=item_type,
        speaker=_optional(word, "speaker", where, str),
        stable=_optional(word, "stable", where, bool),
    )


class _IdState:
    """Result ids of scripted segments without one (see the module doc)."""

    def __init__(self, scope: str) -> None:
        self._scope = scope
        self._count = 0
        self._open: Optional[str] = None

    def next(self, given: Optional[str], partial: bool) -> str:
        if given is not None:
            result_id = given
        elif self._open is not None:
            result_id = self._open
        else:
            result_id = str(uuid.uuid5(_ID_NAMESPACE, f"{self._scope}/{self._count}"))
            self._count += 1
        self._open = result_id if partial else None
        return result_id


def _parse_segment(data: Any, where: str, ids: _IdState) -> Segment:
    segment = _object(data, where)
    _expect_keys(segment, where, ("result_id", "start_time", "end_time", "is_partial",
                                  "transcript", "words", "channel", "language_code"))
    raw_words = segment.get("words", [])
    if not isinstance(raw_words, list):
        raise ValueError(f"{where}.words: expected a list")
    words = tuple(_parse_word(w, f"{where}.words[{i}]") for i, w in enumerate(raw_words))
    is_partial = segment.get("is_partial", False)
    if not isinstance(is_partial, bool):
        raise ValueError(f"{where}.is_partial: expected true or false")
    transcript = _optional(segment, "transcript", where, str)
    if transcript is None:
        transcript = _join(words)
    first = words[0].start_time if words else 0.0
    last = words[-1].end_time if words else 0.0
    channel = _optional(segment, "channel", where, int)
    if channel is not None and channel not in (0, 1):
        raise ValueError(f"{where}.channel: expected 0 or 1")
    return Segment(
        result_id=ids.next(_optional(segment, "result_id", where, str), is_partial),
        start_time=_number(segment, "start_time", where, first),
        end_time=_number(segment, "end_time", where, last),
        is_partial=is_partial,
        transcript=transcript,
        words=words,
        channel=channel,
        language_code=_optional(segment, "language_code", where, str),
    )


def _parse_error(data: Any, where: str) -> ServiceError:
    error = _object(data, where)
    _expect_keys(error, where, ("error_type", "message", "status"),
                 required=("error_type", "message"))
    return ServiceError(
        _optional(error, "error_type", where, str),
        _optional(error, "message", where, str),
        status=_optional(error, "status", where, int),
    )


def _parse_event(data: Any, where: str) -> RawEvent:
    event = _object(data, where)
    _expect_keys(event, where, ("event_type", "payload"), required=("event_type", "payload"))
    payload = _object(event["payload"], f"{where}.payload")
    return RawEvent(_optional(event, "event_type", where, str), payload)


def _parse_step(data: Any, where: str, ids: _IdState) -> Step:
    step = _object(data, where)
    _expect_keys(step, where, ("after_bytes", "after_events", "at_finish", "at_open",
                               "segment", "event", "error"))
    actions = [name for name in ("segment", "event", "error") if name in step]
    if len(actions) != 1:
        raise ValueError(f"{where}: expected exactly one of segment, event, error")
    output: Optional[EngineOutput] = None
    error: Optional[ServiceError] = None
    if "segment" in step:
        output = _parse_segment(step["segment"], f"{where}.segment", ids)
    elif "event" in step:
        output = _parse_event(step["event"], f"{where}.event")
    else:
        error = _parse_error(step["error"], f"{where}.error")
    for flag in ("at_finish", "at_open"):
        if flag in step and not isinstance(step[flag], bool):
            raise ValueError(f"{where}.{flag}: expected true or false")
    try:
        return Step(
            output=output,
            error=error,
            after_bytes=_optional(step, "after_bytes", where, int),
            after_events=_optional(step, "after_events", where, int),
            at_finish=bool(step.get("at_finish", False)),
            at_open=bool(step.get("at_open", False)),
        )
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _parse_periodic(data: Any, where: str) -> Optional[Periodic]:
    if data is None:
        return None
    periodic = _object(data, where)
    _expect_keys(periodic, where, ("every_events", "transcript", "partials"))
    defaults = Periodic()
    every = _optional(periodic, "every_events", where, int)
    transcript = _optional(periodic, "transcript", where, str)
    partials = _optional(periodic, "partials", where, bool)
    try:
        return Periodic(
            every_events=defaults.every_events if every is None else every,
            transcript=defaults.transcript if transcript is None else transcript,
            partials=defaults.partials if partials is None else partials,
        )
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _parse_script(data: Any, where: str) -> Script:
    ids = _IdState(where)
    if isinstance(data, list):
        steps_data: Any = data
        periodic = None
    else:
        script = _object(data, where)
        _expect_keys(script, where, ("steps", "periodic"))
        steps_data = script.get("steps", [])
        if not isinstance(steps_data, list):
            raise ValueError(f"{where}.steps: expected a list")
        periodic = _parse_periodic(script.get("periodic"), f"{where}.periodic")
    steps = tuple(_parse_step(s, f"{where}.steps[{i}]", ids) for i, s in enumerate(steps_data))
    return Script(steps=steps, periodic=periodic)


def _join(words: Sequence[Word]) -> str:
    """Join items as text: punctuation sticks to the word before it."""
    text = ""
    for word in words:
        if word.item_type == "punctuation" or not text:
            text += word.content
        else:
            text += " " + word.content
    return text


# -------------------------------------------------------------- sessions


class ScriptedSession(RecognitionSession):
    """Plays a script for one stream. Created by :meth:`ScriptedEngine.open_session`.

    :param script: the script to play.
    :param settings: the stream's settings.
    :param on_close: called once when the session closes.
    """

    def __init__(self, script: Script, settings: StreamSettings,
                 on_close: Optional[Callable[[], None]] = None) -> None:
        self.script = script
        self.settings = settings
        self._on_close = on_close
        self._next_step = 0
        #: Audio bytes received so far.
        self.received_bytes = 0
        #: Non-empty audio events received so far.
        self.received_events = 0
        self._pending_error: Optional[ServiceError] = None
        self._finished = False
        self._closed = False
        # Periodic rule state.
        self._periodic_count = 0
        self._periodic_open: Optional[str] = None
        self._periodic_start = 0.0
        self._bytes_per_second = _bytes_per_second(settings)
        self._language = _identified_language(settings)

    # ---- timing

    def _audio_time(self) -> float:
        if self._bytes_per_second:
            return self.received_bytes / self._bytes_per_second
        return self.received_events * _SECONDS_PER_COMPRESSED_EVENT

    # ---- steps

    def _play(self, outputs: List[EngineOutput]) -> None:
        steps = self.script.steps
        while self._next_step < len(steps):
            step = steps[self._next_step]
            if step.at_open:
                self._next_step += 1
                continue
            if not step.due(self.received_bytes, self.received_events, self._finished):
                if not self._finished:
                    return
                self._next_step += 1  # waits for audio that will not come
                continue
            self._next_step += 1
            if step.error is not None:
                self._pending_error = step.error
                return
            assert step.output is not None
            outputs.append(step.output)

    # ---- periodic rule

    def _periodic(self, outputs: List[EngineOutput]) -> None:
        rule = self.script.periodic
        if rule is None:
            return
        if self._finished:
            if self._periodic_open is not None:
                outputs.append(self._periodic_segment(rule, partial=False))
            return
        position = self.received_events % rule.every_events
        if position == 0 and self.received_events:
            outputs.append(self._periodic_segment(rule, partial=False))
        elif (rule.partials and rule.every_events > 1
              and position == rule.every_events // 2 and self._periodic_open is None):
            outputs.append(self._periodic_segment(rule, partial=True))

    def _periodic_segment(self, rule: Periodic, partial: bool) -> Segment:
        settings = self.settings
        if self._periodic_open is None:
            self._periodic_open = str(uuid.uuid5(
                _ID_NAMESPACE, f"{settings.session_id}/periodic/{self._periodic_count}"))
        result_id = self._periodic_open
        start = self._periodic_start
        end = max(start, self._audio_time())
        tokens = rule.transcript.split()
        if partial:
            tokens = [t.rstrip(_PUNCTUATION) for t in tokens[: max(1, len(tokens) // 2)]]
        words = _spread(tokens, start, end, final=not partial,
                        stabilization=settings.partial_results_stabilization,
                        speaker="0" if settings.show_speaker_label else None)
        channel = None
        if settings.channel_identification:
            channel = self._periodic_count % max(1, settings.channels)
        if not partial:
            self._periodic_open = None
            self._periodic_count += 1
            self._periodic_start = end
        return Segment(
            result_id=result_id,
            start_time=round(start, 3),
            end_time=round(end, 3),
            is_partial=partial,
            transcript=_join(words),
            words=tuple(words),
            channel=channel,
            language_code=self._language,
        )

    # ---- interface

    def _raise_pending(self) -> None:
        error = self._pending_error
        if error is not None:
            self._pending_error = None
            raise _fresh(error)

    def accept_audio(self, chunk: bytes) -> List[EngineOutput]:
        """Count the audio and play the steps that fall due.

        :param chunk: the audio event's payload.
        :returns: the outputs of the steps that fired.
        :raises ServiceError: a scripted error fell due.
        """
        self._raise_pending()
        if chunk:
            self.received_bytes += len(chunk)
            self.received_events += 1
        outputs: List[EngineOutput] = []
        self._play(outputs)
        if self._pending_error is not None and not outputs:
            self._raise_pending()
        if chunk:
            self._periodic(outputs)
        return outputs

    def finish(self) -> List[EngineOutput]:
        """Play the steps due at the end of the input stream.

        :returns: their outputs, then the final of an open periodic segment.
        :raises ServiceError: a scripted error fell due (now or before).
        """
        self._raise_pending()
        if self._finished:
            return []
        self._finished = True
        outputs: List[EngineOutput] = []
        self._play(outputs)
        if self._pending_error is not None:
            # No later call will come: the outputs of this call are lost.
            self._raise_pending()
        self._periodic(outputs)
        return outputs

    def configure(self, settings: StreamSettings) -> List[EngineOutput]:
        """Take the stream's configuration (before any audio).

        Periodic segments then alternate between the configured channels.

        :param settings: the settings with the configuration.
        :returns: nothing.
        """
        self.settings = settings
        self._bytes_per_second = _bytes_per_second(settings)
        return []

    def close(self) -> None:
        """Free the engine's session slot (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._on_close is not None:
            self._on_close()


def _fresh(error: ServiceError) -> ServiceError:
    """Copy a scripted error (many streams may raise it; each needs its own).

    :param error: the scripted error.
    :returns: a new exception with the same type, message and status.
    """
    return ServiceError(error.error_type, error.message, status=error.status)


def _bytes_per_second(settings: StreamSettings) -> Optional[float]:
    """:returns: audio bytes per second when the encoding tells it."""
    channels = max(1, settings.channels)
    if settings.media_encoding == "pcm":
        return float(settings.sample_rate * 2 * channels)
    if settings.media_encoding in ("g711-alaw", "g711-ulaw"):
        return float(settings.sample_rate * channels)
    return None


def _identified_language(settings: StreamSettings) -> Optional[str]:
    """The language results carry with language identification.

    :param settings: the stream's settings.
    :returns: ``None`` with a language code, else the preferred language,
        else the first language option, else ``en-US``.
    """
    if settings.language_code:
        return None
    headers = {name.lower(): value for name, value in settings.headers.items()}
    options = [c.strip() for c in headers.get("x-amzn-transcribe-language-options", "").split(",")
               if c.strip()]
    preferred = headers.get("x-amzn-transcribe-preferred-language", "").strip()
    if preferred and preferred in options:
        return preferred
    return options[0] if options else "en-US"


def _spread(tokens: Sequence[str], start: float, end: float, final: bool, stabilization: bool,
            speaker: Optional[str]) -> List[Word]:
    """Items for ``tokens`` spread evenly over ``start``..``end``."""
    items: List[Tuple[str, str]] = []
    for token in tokens:
        bare = token.rstrip(_PUNCTUATION)
        if bare:
            items.append((bare, "pronunciation"))
        if final and bare != token:
            items.append((token[len(bare):][:1], "punctuation"))
    spoken = sum(1 for _, kind in items if kind == "pronunciation") or 1
    step = (end - start) / spoken
    words: List[Word] = []
    cursor = start
    for content, kind in items:
        if kind == "punctuation":
            words.append(Word(content, round(cursor, 3), round(cursor, 3), item_type=kind,
                              stable=True if stabilization else None))
            continue
        word_end = cursor + step
        words.append(Word(
            content,
            round(cursor, 3),
            round(word_end, 3),
            confidence=1.0 if final else None,
            speaker=speaker if final else None,
            stable=(True if final else False) if stabilization else None,
        ))
        cursor = word_end
    return words


# ----------------------------------------------------------------- engine


class ScriptedEngine(Engine):
    """Plays scripts: a default one, or one chosen by the stream's session id.

    :param script: the script of streams without their own
        (:data:`DEFAULT_SCRIPT` when ``None``).
    :param sessions: scripts by session id.
    :param max_sessions: concurrent sessions allowed (no limit when
        ``None``); one more gets ``LimitExceededException``.
    """

    blocking = False

    def __init__(self, script: Optional[Script] = None, *,
                 sessions: Optional[Mapping[str, Script]] = None,
                 max_sessions: Optional[int] = None) -> None:
        #: The default script.
        self.script = DEFAULT_SCRIPT if script is None else script
        #: Scripts by session id.
        self.sessions: Dict[str, Script] = dict(sessions or {})
        self.max_sessions = max_sessions
        self._slots = SessionSlots(
            max_sessions, f"The emulator serves at most {max_sessions} concurrent streams."
        )

    @classmethod
    def from_json(cls, data: Any, *, max_sessions: Optional[int] = None) -> ScriptedEngine:
        """Build an engine from JSON data (see the module documentation).

        :param data: one script, or ``{"default": script, "sessions": {...}}``.
        :param max_sessions: see the class.
        :returns: the engine.
        :raises ValueError: the data is not a valid script document.
        """
        if isinstance(data, dict) and ("default" in data or "sessions" in data):
            _expect_keys(data, "document", ("default", "sessions"))
            default = (_parse_script(data["default"], "default") if "default" in data
                       else None)
            raw_sessions = _object(data.get("sessions", {}), "sessions")
            sessions = {
                str(session_id): _parse_script(script, f"sessions[{session_id!r}]")
                for session_id, script in raw_sessions.items()
            }
            return cls(default, sessions=sessions, max_sessions=max_sessions)
        return cls(_parse_script(data, "script"), max_sessions=max_sessions)

    @classmethod
    def from_file(cls, path: Union[str, Path], *,
                  max_sessions: Optional[int] = None) -> ScriptedEngine:
        """Build an engine from a JSON script file.

        :param path: the file.
        :param max_sessions: see the class.
        :returns: the engine.
        :raises ValueError: the file is not valid JSON or not a valid script
            (the message names the file).
        :raises OSError: the file cannot be read.
        """
        text = Path(path).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON: {exc}") from None
        try:
            return cls.from_json(data, max_sessions=max_sessions)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None

    def script_for(self, session_id: str) -> Script:
        """:returns: the script a stream with this session id plays.

        :param session_id: the stream's session id.
        """
        return self.sessions.get(session_id, self.script)

    @property
    def active_sessions(self) -> int:
        """:returns: the number of open sessions."""
        return self._slots.active

    def open_session(self, settings: StreamSettings) -> ScriptedSession:
        """Start playing the stream's script.

        :param settings: the stream's settings.
        :returns: the session.
        :raises ServiceError: the script's ``at_open`` error, or
            ``LimitExceededException`` beyond ``max_sessions``.
        """
        script = self.script_for(settings.session_id)
        for step in script.steps:
            if step.at_open and step.error is not None:
                raise _fresh(step.error)
        self._slots.acquire()
        return ScriptedSession(script, settings, on_close=self._slots.release)



# ------------------------------------------------------- positional engine


def position_audio(seconds: int, *, sample_rate: int = 16000, block_seconds: float = 1.0,
                   first_block: int = 0) -> bytes:
    """PCM audio that :class:`PositionalEngine` transcribes by position.

    Block ``n`` (of ``block_seconds``) holds the 16-bit sample value ``n + 1``
    throughout, so the engine can tell which block of the original audio it
    hears even when a stream starts in the middle (a resumed stream).

    :param seconds: whole seconds of audio.
    :param sample_rate: samples per second.
    :param block_seconds: seconds per block (the engine's segment length).
    :param first_block: the number of the first block.
    :returns: mono signed 16-bit little-endian PCM.
    """
    samples = int(round(sample_rate * block_seconds))
    blocks = int(round(seconds / block_seconds))
    return b"".join(
        (first_block + n + 1).to_bytes(2, "little", signed=True) * samples
        for n in range(blocks)
    )


class _PositionalSession(RecognitionSession):
    """One stream of a :class:`PositionalEngine`."""

    def __init__(self, settings: StreamSettings, block_bytes: int,
                 on_close: Callable[[], None]) -> None:
        self._settings = settings
        self._block_bytes = block_bytes
        self._bytes_per_second = settings.sample_rate * 2.0
        self._pending = bytearray()
        self._block_start = 0  # bytes of this stream before the open block
        self._partial_sent = False
        self._on_close: Optional[Callable[[], None]] = on_close

    def _segment(self, block: bytes, partial: bool) -> Optional[Segment]:
        # The block's first sample says which block of the original it is;
        # silence (keep-alive audio) is not transcribed.
        value = int.from_bytes(block[:2], "little", signed=True)
        if value == 0:
            return None
        start = self._block_start / self._bytes_per_second
        end = (self._block_start + len(block)) / self._bytes_per_second
        tokens = [f"block{value}", "words."] if not partial else [f"block{value}"]
        result_id = str(uuid.uuid5(
            _ID_NAMESPACE, f"{self._settings.session_id}/position/{self._block_start}"))
        words = _spread(tokens, start, end, final=not partial, stabilization=False,
                        speaker=None)
        return Segment(result_id=result_id, start_time=round(start, 3), end_time=round(end, 3),
                       is_partial=partial, transcript=_join(words), words=tuple(words))

    def accept_audio(self, chunk: bytes) -> List[EngineOutput]:
        """Take audio; one final per complete block, a partial halfway.

        :param chunk: PCM audio.
        :returns: the results the chunk completed.
        """
        self._pending += chunk
        outputs: List[EngineOutput] = []
        while len(self._pending) >= self._block_bytes:
            block = bytes(self._pending[: self._block_bytes])
            del self._pending[: self._block_bytes]
            segment = self._segment(block, partial=False)
            if segment is not None:
                outputs.append(segment)
            self._block_start += len(block)
            self._partial_sent = False
        if not self._partial_sent and len(self._pending) >= self._block_bytes // 2 > 0:
            self._partial_sent = True
            segment = self._segment(bytes(self._pending[:2]) or b"\0\0", partial=True)
            if segment is not None:
                outputs.append(dataclasses.replace(
                    segment, end_time=round(
                        (self._block_start + len(self._pending)) / self._bytes_per_second, 3)))
        return outputs

    def finish(self) -> List[EngineOutput]:
        """The input ended: a final for the open block, if it holds audio.

        :returns: that final, or nothing.
        """
        if len(self._pending) < 2:
            return []
        block, self._pending = bytes(self._pending), bytearray()
        segment = self._segment(block, partial=False)
        return [segment] if segment is not None else []

    def close(self) -> None:
        """Free the engine's session slot (idempotent)."""
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()


class PositionalEngine(Engine):
    """Transcribes PCM audio by its position in the original recording.

    Meant for resume tests: audio made by :func:`position_audio` carries its
    block number in every sample, so the engine emits, for each complete
    block of ``block_seconds`` that a stream receives, one final result
    ``"block<N> words."`` timed over that block (and a partial result
    halfway through it). A stream that resumes at a block boundary and
    replays the audio after it therefore yields the same finals, text and
    (shifted) times, as an unbroken run. Silence is never transcribed.

    :param block_seconds: seconds of audio per result.
    :param max_sessions: concurrent sessions allowed (no limit when ``None``).
    :raises ValueError: ``block_seconds`` is not positive.
    """

    blocking = False

    def __init__(self, *, block_seconds: float = 1.0,
                 max_sessions: Optional[int] = None) -> None:
        if not block_seconds > 0:
            raise ValueError(f"block_seconds must be positive, not {block_seconds!r}")
        #: Seconds of audio per result.
        self.block_seconds = block_seconds
        self._slots = SessionSlots(
            max_sessions, f"The emulator serves at most {max_sessions} concurrent streams."
        )

    def open_session(self, settings: StreamSettings) -> RecognitionSession:
        """Open a session for a PCM stream.

        :param settings: the stream's settings.
        :returns: the session.
        :raises ServiceError: ``BadRequestException`` for audio other than
            PCM, ``LimitExceededException`` beyond ``max_sessions``.
        """
        if settings.media_encoding != "pcm":
            raise ServiceError("BadRequestException",
                               "The positional engine transcribes PCM audio only.")
        block_bytes = int(round(settings.sample_rate * self.block_seconds)) * 2
        self._slots.acquire()
        return _PositionalSession(settings, block_bytes, self._slots.release)
