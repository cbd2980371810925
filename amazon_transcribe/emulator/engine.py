"""The interface between the emulator's protocol layer and recognition engines.

An :class:`Engine` opens one :class:`RecognitionSession` per stream. The
protocol layer feeds the session the audio of each audio event, in order,
and sends what the session returns, in order:

* :class:`Segment`: a recognition result (partial or final) that the
  operation turns into its own event shape (``TranscriptEvent`` for standard
  streaming, and so on);
* :class:`RawEvent`: an output event given verbatim (event type and JSON
  payload), which is how the scripted engine produces any event of any
  operation;
* :class:`~amazon_transcribe.emulator.errors.ServiceError` *raised* by the
  session: the stream ends with that exception message.

Session methods may block (speech recognition is CPU work): the protocol
layer calls them off the event loop, one call at a time per session, unless
:attr:`Engine.blocking` is false. They never see encoded media: audio is given
as the request declared it (PCM bytes, or FLAC / Ogg Opus bytes) and the
engine decodes what it needs.
"""

from __future__ import annotations

import abc
import threading
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional, Sequence, Union

from .errors import limit_exceeded

__all__ = [
    "StreamSettings",
    "Word",
    "Segment",
    "RawEvent",
    "EngineOutput",
    "RecognitionSession",
    "Engine",
    "SessionSlots",
]


@dataclass(frozen=True)
class StreamSettings:
    """What a stream asked for, after validation.

    :param operation: the operation name, e.g. ``"StartStreamTranscription"``.
    :param session_id: the stream's session id.
    :param media_encoding: ``pcm``, ``flac``, ``ogg-opus``...
    :param sample_rate: the declared sample rate in Hz.
    :param language_code: the language code, when one was given.
    :param channels: channels in the audio (2 with channel identification).
    :param channel_identification: whether results carry a channel id.
    :param show_speaker_label: whether items carry speaker labels.
    :param partial_results_stabilization: whether items carry ``Stable``.
    :param headers: every request header as received, for engine options
        this interface does not name.
    :param configuration: the JSON object of the stream's input
        ``ConfigurationEvent`` once one has been received (call analytics:
        ``ChannelDefinitions``, ``PostCallAnalyticsSettings``; HealthScribe:
        the ``MedicalScribeConfigurationEvent``), else ``None``. Sessions
        learn of it through :meth:`RecognitionSession.configure`.
    """

    operation: str
    session_id: str
    media_encoding: str
    sample_rate: int
    language_code: Optional[str] = None
    channels: int = 1
    channel_identification: bool = False
    show_speaker_label: bool = False
    partial_results_stabilization: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    configuration: Optional[Mapping[str, Any]] = None


@dataclass(frozen=True)
class Word:
    """One recognised word (or punctuation mark).

    Times are seconds from the start of the stream's audio.
    """

    content: str
    start_time: float
    end_time: float
    confidence: Optional[float] = None
    #: ``pronunciation`` or ``punctuation``.
    item_type: str = "pronunciation"
    speaker: Optional[str] = None
    stable: Optional[bool] = None


@dataclass(frozen=True)
class Segment:
    """A recognition result for one segment of speech.

    Partial results of a segment share its ``result_id``; the final one
    (``is_partial=False``) closes the segment.
    """

    result_id: str
    start_time: float
    end_time: float
    is_partial: bool
    transcript: str
    words: Sequence[Word] = ()
    #: 0-based channel number when the stream has channel identification.
    channel: Optional[int] = None
    language_code: Optional[str] = None


@dataclass(frozen=True)
class RawEvent:
    """An output event sent as given.

    :param event_type: the ``:event-type``, e.g. ``"TranscriptEvent"``.
    :param payload: the JSON payload (a dict serialised with ``json``).
    """

    event_type: str
    payload: Mapping[str, Any]


#: What a session can produce.
EngineOutput = Union[Segment, RawEvent]


class RecognitionSession(abc.ABC):
    """Recognition state for one stream."""

    @abc.abstractmethod
    def accept_audio(self, chunk: bytes) -> List[EngineOutput]:
        """Take the audio of one audio event.

        :param chunk: the event's payload (may be empty).
        :returns: the outputs this audio produced, in order.
        :raises ServiceError: the stream must end with this error.
        """

    @abc.abstractmethod
    def finish(self) -> List[EngineOutput]:
        """Input has ended: return the last results (finals of open segments).

        :returns: the remaining outputs, in order.
        :raises ServiceError: the stream must end with this error.
        """

    def configure(self, settings: StreamSettings) -> List[EngineOutput]:
        """The stream's ``ConfigurationEvent`` arrived, before any audio.

        Called at most once per stream, only by operations whose input
        stream carries a configuration (call analytics, HealthScribe).
        ``settings`` are the stream's settings with
        :attr:`StreamSettings.configuration` set; when the configuration
        defines two channels they also say ``channels=2`` and
        ``channel_identification=True`` (each channel is one participant).
        The default ignores it, so engines written before it still work.

        :param settings: the updated settings.
        :returns: outputs to send at once (usually none).
        :raises ServiceError: the stream must end with this error.
        """
        return []

    def close(self) -> None:
        """Release resources; called once, however the stream ended."""


class Engine(abc.ABC):
    """A factory of recognition sessions."""

    #: Whether session methods may block (then they run off the event loop).
    blocking: bool = True

    @abc.abstractmethod
    def open_session(self, settings: StreamSettings) -> RecognitionSession:
        """Start recognition for a new stream.

        :param settings: the validated stream settings.
        :returns: the session.
        :raises ServiceError: the stream cannot be served (unsupported
            language, too many concurrent sessions...).
        """


class SessionSlots:
    """Counts an engine's open sessions and refuses one beyond the limit.

    Thread-safe: sessions are opened on the event loop and closed from
    worker threads.

    :param limit: the most sessions open at once (``None``: no limit).
    :param message: the ``LimitExceededException`` message beyond it.
    """

    def __init__(self, limit: Optional[int], message: str) -> None:
        self.limit = limit
        self._message = message
        self._lock = threading.Lock()
        self._active = 0

    @property
    def active(self) -> int:
        """:returns: the number of open sessions."""
        with self._lock:
            return self._active

    def acquire(self) -> None:
        """Take a slot.

        :raises ServiceError: ``LimitExceededException`` when all are taken.
        """
        with self._lock:
            if self.limit is not None and self._active >= self.limit:
                raise limit_exceeded(self._message)
            self._active += 1

    def release(self) -> None:
        """Give a slot back (once per :meth:`acquire`)."""
        with self._lock:
            self._active -= 1
