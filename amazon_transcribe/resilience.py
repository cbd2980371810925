"""Streams that outlive the network: keep-alive, retried starts, resume, rotation.

:class:`ResiliencePolicy` says what to do; :class:`ResilientStream` does it.
A resilient stream presents the interface of a started
``StartStreamTranscription`` stream (``response``, ``input_stream``,
``output_stream``, ``aclose``, ``async with``) over a succession of
underlying streams:

* **keep-alive**: while the application sends no audio for
  :attr:`ResiliencePolicy.keepalive_after` seconds, a short silent audio
  event is sent (PCM only), so the service's 15-second idle timeout
  (:class:`~amazon_transcribe.exceptions.IdleTimeoutException`) never fires;
* **retried starts**: throttling, 5xx and connection failures are retried
  with capped exponential backoff and full jitter, within an attempt budget
  (``AWS_MAX_ATTEMPTS`` / ``AWS_RETRY_MODE`` when the policy does not say);
* **resume with replay**: audio is kept in a bounded replay buffer until a
  final result covers it; when a stream fails with a retryable error, is
  lost or stalls, a new one is opened and the audio no final result covered
  is sent again. Result times are shifted so the application sees one
  continuous timeline, and no final result is delivered twice;
* **rotation**: before :attr:`ResiliencePolicy.max_stream_duration` (the
  service's 4 hours) the stream is replaced at a pause (right after a final
  result), by the same replay rules.

The application learns of resumes and of audio the buffer could not keep
through two events in the output stream, :class:`StreamResumed` and
:class:`ReplayOverflow` (handlers get them as
``handle_stream_resumed`` / ``handle_replay_overflow``), and from
:attr:`ResilientStream.stats`.

This module uses the client only through ``start_stream_transcription``;
it imports neither the compatibility layer nor the CRT.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import os
import random as _random
import time
import uuid
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Deque,
    Dict,
    List,
    Mapping,
    Optional,
    Tuple,
    Union,
)

from .exceptions import (
    ConflictException,
    HTTPException,
    IdleTimeoutException,
    SDKError,
    ServiceException,
    StreamClosedError,
    ValidationException,
)
from .shapes import Result, Transcript, TranscriptEvent

if TYPE_CHECKING:  # pragma: no cover
    from .streams import StartStreamTranscriptionEventStream

__all__ = [
    "ResiliencePolicy",
    "ResilientStream",
    "ResilientAudioStream",
    "ResilientTranscriptStream",
    "ResilientStreamStats",
    "StreamResumed",
    "ReplayOverflow",
]

logger = logging.getLogger("amazon_transcribe.resilience")

#: Retry modes of the AWS SDKs, and their default attempt budgets.
_RETRY_MODES: Mapping[str, int] = {"legacy": 5, "standard": 3, "adaptive": 3}
#: Output events buffered for the application before the reader waits.
_OUTPUT_QUEUE = 16
#: Seconds to wait for an abandoned stream's connection to close.
_CLOSE_TIMEOUT = 5.0
# A final result whose end is this close to the last one's is the same one.
_EPSILON = 1e-6


def _real_sleep(seconds: float) -> Awaitable[None]:
    return asyncio.sleep(seconds)


@dataclass(frozen=True)
class ResiliencePolicy:
    """What a resilient stream does about idle time, failures and the duration limit.

    Every field has a default chosen for live audio; tests inject
    ``clock``, ``sleep`` and ``random``.
    """

    #: Seconds without application audio after which a silent audio event
    #: is sent (and again after as long); ``None`` turns keep-alive off.
    #: 5 s: a third of the service's 15-second idle timeout, so two
    #: keep-alives may be lost before the service gives up.
    keepalive_after: Optional[float] = 5.0
    #: Seconds of silence per keep-alive event (100 ms: a small, valid event).
    keepalive_chunk: float = 0.1
    #: Attempts to start a stream (the first included) before giving up;
    #: ``None``: ``AWS_MAX_ATTEMPTS``, else the retry mode's default
    #: (3 standard and adaptive, 5 legacy, as the AWS SDKs).
    max_attempts: Optional[int] = None
    #: ``standard``, ``adaptive`` (treated as standard: no client-side rate
    #: limiter) or ``legacy``; ``None``: ``AWS_RETRY_MODE``, else standard.
    retry_mode: Optional[str] = None
    #: Backoff before retry *n* is ``random() * min(max_backoff, backoff_base * 2**(n-1))``
    #: (full jitter; the AWS SDKs' standard mode uses 1 s and 20 s).
    backoff_base: float = 1.0
    #: The cap of one backoff, in seconds.
    max_backoff: float = 20.0
    #: Resume a stream that fails mid-way with a retryable error or a lost
    #: connection (replaying the audio no final result covered yet).
    resume: bool = True
    #: Seconds of audio the replay buffer keeps (30 s: longer than the
    #: service usually takes to finalise speech, 1 MB at 16 kHz).
    replay_seconds: Optional[float] = 30.0
    #: Bytes the replay buffer keeps (``None``: only ``replay_seconds`` counts).
    replay_bytes: Optional[int] = None
    #: The service's maximum stream duration (4 hours).
    max_stream_duration: float = 4 * 3600.0
    #: How long before ``max_stream_duration`` the stream is rotated, at the
    #: first final result in that window (5 minutes: speech pauses come far
    #: more often; if none comes the service's limit error is resumed from).
    rotation_window: float = 300.0
    #: Seconds a write may wait (the service stopped reading) before the
    #: stream is given up as stalled and resumed; ``None``: never.
    stall_timeout: Optional[float] = 15.0
    #: Where the result times of a stream resumed *with the same session id*
    #: (``session_resume_window`` set) start: ``"stream"`` (0) or
    #: ``"session"`` (where the session's last final result ended). The
    #: service does not document it; ``"stream"`` is what every new stream does.
    resumed_result_times: str = "stream"
    #: Monotonic seconds.
    clock: Callable[[], float] = time.monotonic
    #: Sleeps for the given seconds.
    sleep: Callable[[float], Awaitable[None]] = _real_sleep
    #: A number in [0, 1), for jitter.
    random: Callable[[], float] = _random.random

    def __post_init__(self) -> None:
        if self.keepalive_after is not None and not 0 < self.keepalive_after < 15:
            raise ValidationException(
                f"keepalive_after must be between 0 and 15 seconds, not {self.keepalive_after!r}"
            )
        if not 0 < self.keepalive_chunk <= 1:
            raise ValidationException("keepalive_chunk must be between 0 and 1 second")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValidationException(f"max_attempts must be >= 1, not {self.max_attempts}")
        if self.retry_mode is not None and self.retry_mode not in _RETRY_MODES:
            raise ValidationException(
                f"retry_mode must be one of {', '.join(_RETRY_MODES)}, not {self.retry_mode!r}"
            )
        if not (self.backoff_base > 0 and self.max_backoff >= 0):
            raise ValidationException("backoff_base must be positive and max_backoff >= 0")
        if self.replay_seconds is not None and not self.replay_seconds > 0:
            raise ValidationException("replay_seconds must be positive")
        if self.replay_bytes is not None and self.replay_bytes < 1:
            raise ValidationException("replay_bytes must be positive")
        if not 0 < self.rotation_window < self.max_stream_duration:
            raise ValidationException(
                "rotation_window must be positive and shorter than max_stream_duration"
            )
        if self.stall_timeout is not None and not self.stall_timeout > 0:
            raise ValidationException("stall_timeout must be positive")
        if self.resumed_result_times not in ("stream", "session"):
            raise ValidationException(
                "resumed_result_times must be 'stream' or 'session', "
                f"not {self.resumed_result_times!r}"
            )

    def attempts(self, environ: Optional[Mapping[str, str]] = None) -> int:
        """The attempt budget of one start.

        :param environ: the environment (``os.environ`` by default).
        :returns: :attr:`max_attempts`, else ``AWS_MAX_ATTEMPTS``, else the
            retry mode's default.
        :raises ValidationException: ``AWS_MAX_ATTEMPTS`` or
            ``AWS_RETRY_MODE`` is not valid.
        """
        if self.max_attempts is not None:
            return self.max_attempts
        env = os.environ if environ is None else environ
        raw = env.get("AWS_MAX_ATTEMPTS")
        if raw:
            try:
                value = int(raw)
            except ValueError:
                raise ValidationException(
                    f"AWS_MAX_ATTEMPTS must be an integer, not {raw!r}"
                ) from None
            if value < 1:
                raise ValidationException(f"AWS_MAX_ATTEMPTS must be >= 1, not {value}")
            return value
        return _RETRY_MODES[self.mode(env)]

    def mode(self, environ: Optional[Mapping[str, str]] = None) -> str:
        """The retry mode.

        :param environ: the environment (``os.environ`` by default).
        :returns: :attr:`retry_mode`, else ``AWS_RETRY_MODE``, else ``standard``.
        :raises ValidationException: ``AWS_RETRY_MODE`` is not a known mode.
        """
        if self.retry_mode is not None:
            return self.retry_mode
        env = os.environ if environ is None else environ
        mode = env.get("AWS_RETRY_MODE", "standard").strip().lower() or "standard"
        if mode not in _RETRY_MODES:
            raise ValidationException(
                f"AWS_RETRY_MODE must be one of {', '.join(_RETRY_MODES)}, not {mode!r}"
            )
        return mode

    def backoff(self, retry: int) -> float:
        """The delay before a retry.

        :param retry: the retry's number (1 for the first retry).
        :returns: seconds, in ``[0, min(max_backoff, backoff_base * 2**(retry-1)))``.
        """
        ceiling = min(self.max_backoff, self.backoff_base * 2 ** min(retry - 1, 62))
        return float(self.random() * ceiling)


def _is_retryable(error: BaseException) -> bool:
    """Whether a new stream may succeed where this error ended one.

    Throttling, 5xx and connection/TLS failures are; client errors (4xx:
    validation, authentication, conflicts, the idle timeout) are not.

    :param error: what ended the stream or its start.
    :returns: whether to retry.
    """
    if isinstance(error, (IdleTimeoutException, ConflictException)):
        return False
    if isinstance(error, ServiceException):
        return error.retryable
    if isinstance(error, HTTPException):
        return error.retryable
    return False


@dataclass(frozen=True)
class StreamResumed:
    """An output event: the stream was replaced by a new one and carries on.

    Times are on the application's (continuous) timeline.
    """

    #: Why: ``"rotation"``, ``"stall"``, ``"ended"`` (the stream ended
    #: without the application ending it), or the error code / class name
    #: that ended it (e.g. ``"InternalFailureException"``, ``"HTTPException"``).
    reason: str
    #: Seconds (policy clock) from losing the old stream to the new one starting.
    gap_seconds: float
    #: Seconds of audio sent again (not yet covered by a final result).
    replayed_seconds: float
    #: Seconds of audio that could not be replayed (the buffer overflowed).
    lost_seconds: float
    #: Where the new stream starts on the application's timeline, in seconds.
    resumed_at: float
    #: The new stream's session id.
    session_id: Optional[str]
    #: Start attempts the new stream took.
    attempts: int
    #: The error that ended the old stream, if one did.
    error: Optional[BaseException] = None


@dataclass(frozen=True)
class ReplayOverflow:
    """An output event: audio no final result covered could not be replayed.

    The replay buffer (:attr:`ResiliencePolicy.replay_seconds`) was full, so
    its oldest audio was dropped; a stream then failed and that audio was
    not sent again. Its results are missing from the timeline.
    """

    #: Seconds of audio lost at this resume.
    lost_seconds: float
    #: Where the lost audio starts on the application's timeline.
    lost_from: float
    #: Seconds lost over the whole stream.
    total_lost_seconds: float


@dataclass
class ResilientStreamStats:
    """Counters of a :class:`ResilientStream`."""

    #: Seconds of audio accepted for sending (keep-alive silence included).
    audio_seconds_sent: float = 0.0
    #: Streams replaced after a failure or for rotation.
    resumes: int = 0
    #: Of those, rotations before the maximum duration.
    rotations: int = 0
    #: Start attempts that failed and were retried.
    retries: int = 0
    #: Keep-alive events sent.
    keepalive_events: int = 0
    #: Seconds of audio sent again after resumes.
    replayed_seconds: float = 0.0
    #: Seconds of audio lost to replay-buffer overflow.
    lost_seconds: float = 0.0
    #: Seconds of audio dropped from the replay buffer before a final result
    #: covered it (lost only if a resume then needed it).
    overflow_seconds: float = 0.0
    #: Seconds (policy clock) from the start to the first result, once there is one.
    time_to_first_result: Optional[float] = None


class _ReplayBuffer:
    """Audio from the last finalised position on, as the application sent it."""

    def __init__(self, limit: Optional[int]) -> None:
        self.limit = limit
        self.chunks: Deque[Tuple[int, bytes]] = collections.deque()
        #: Stream offset (bytes) just past the last audio accepted.
        self.end = 0
        #: Offset up to which final results cover the audio.
        self.committed = 0

    @property
    def start(self) -> int:
        return self.chunks[0][0] if self.chunks else self.end

    @property
    def size(self) -> int:
        return self.end - self.start

    def append(self, data: bytes) -> None:
        self.chunks.append((self.end, data))
        self.end += len(data)

    def full(self) -> bool:
        return self.limit is not None and self.size > self.limit

    def drop_oldest(self) -> int:
        """Drop the oldest chunk; :returns: how much of it was not finalised."""
        offset, data = self.chunks.popleft()
        return max(0, offset + len(data) - max(offset, self.committed))

    def commit(self, offset: int) -> None:
        self.committed = max(self.committed, min(offset, self.end))
        while self.chunks and self.chunks[0][0] + len(self.chunks[0][1]) <= self.committed:
            self.chunks.popleft()

    def read(self, offset: int) -> bytes:
        """:returns: the audio from ``offset`` to the end of its chunk (b"" at the end)."""
        for start, data in self.chunks:
            if start <= offset < start + len(data):
                return data[offset - start:]
        return b""


_Outcome = Tuple[str, Optional[BaseException]]
_DONE: _Outcome = ("done", None)


class _Closed:
    """The output stream's end marker."""


class ResilientTranscriptStream:
    """The application's output stream: transcript events on one timeline.

    Yields :class:`~amazon_transcribe.shapes.TranscriptEvent` (times
    shifted onto the continuous timeline), :class:`StreamResumed`,
    :class:`ReplayOverflow` and unknown events.
    """

    def __init__(self, owner: "ResilientStream") -> None:
        self._owner = owner

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        return await self._owner._next_output()


class ResilientAudioStream:
    """The application's input stream: audio goes through the replay buffer."""

    def __init__(self, owner: "ResilientStream") -> None:
        self._owner = owner

    async def send_audio_event(self, audio_chunk: Optional[bytes]) -> None:
        """Send audio (PCM, whole frames).

        Returns at once while the replay buffer has room; waits while it is
        full of audio not yet sent (a reconnect is under way).

        :param audio_chunk: the audio; empty or ``None`` sends nothing.
        :raises StreamClosedError: :meth:`end_stream` was called.
        :raises SDKError: the stream failed for good (the error that ended it).
        """
        await self._owner._accept_audio(bytes(audio_chunk or b""))

    async def end_stream(self) -> None:
        """End the input; returns once every byte and the end frame were written.

        :raises SDKError: the stream failed for good before that.
        """
        await self._owner._end_input()


class ResilientStream:
    """A ``StartStreamTranscription`` stream that survives failures; see the module.

    Made by :meth:`amazon_transcribe.client.TranscribeStreamingClient.start_resilient_stream_transcription`.

    :param client: the client that starts the underlying streams.
    :param policy: what to do.
    :param options: the ``start_stream_transcription`` options.
    :raises ValidationException: the options do not allow it (not PCM).
    """

    def __init__(
        self,
        client: Any,
        policy: ResiliencePolicy,
        options: Mapping[str, Any],
    ) -> None:
        encoding = str(getattr(options.get("media_encoding"), "value",
                               options.get("media_encoding")) or "")
        if encoding != "pcm":
            raise ValidationException(
                "keep-alive and resume need PCM audio (media_encoding='pcm'): silence and "
                "replay positions cannot be produced for compressed audio; use "
                "start_stream_transcription for FLAC or Ogg Opus"
            )
        rate = options.get("media_sample_rate_hz")
        if not isinstance(rate, int) or rate <= 0:
            raise ValidationException("media_sample_rate_hz is required")
        channels = 1
        if options.get("enable_channel_identification"):
            channels = int(options.get("number_of_channels") or 2)
        self._client = client
        self._policy = policy
        self._options: Dict[str, Any] = dict(options)
        self._frame = 2 * channels
        self._bytes_per_second = float(rate * self._frame)
        limits = []
        if policy.replay_seconds is not None:
            limits.append(self._align(policy.replay_seconds * self._bytes_per_second))
        if policy.replay_bytes is not None:
            limits.append(self._align(policy.replay_bytes))
        self._buffer = _ReplayBuffer(min(limits) if limits else None)
        self._resume_window = options.get("session_resume_window")
        if self._resume_window and not self._options.get("session_id"):
            # Resuming with the same session id needs one known in advance.
            self._options["session_id"] = str(uuid.uuid4())
        #: The counters.
        self.stats = ResilientStreamStats()
        #: The input stream.
        self.input_stream = ResilientAudioStream(self)
        #: The output stream.
        self.output_stream = ResilientTranscriptStream(self)
        self._current: Optional["StartStreamTranscriptionEventStream"] = None
        self._opened_at = 0.0
        self._started_at = policy.clock()
        self._base = 0  # stream offset (bytes) where the current stream's audio starts
        self._raw_origin = 0.0  # the current stream's result time at _base
        self._session_raw_final = 0.0  # raw end time of the session's last final
        self._sent = 0  # offset up to which the current stream was sent audio
        self._last_final_end = 0.0  # timeline seconds
        self._last_app_audio = policy.clock()
        self._send_started: Optional[float] = None
        self._progress_since_resume = True
        self._unproductive = 0
        self._input_ended = False
        self._end_written = asyncio.Event()  # the end frame reached some stream
        # Whether the current stream got the end frame: a stream resumed after
        # the end was written to its predecessor must be sent it again.
        self._end_on_current = False
        self._audio_ready = asyncio.Event()  # wakes the writer
        self._space = asyncio.Event()  # wakes a sender waiting for the buffer
        self._failed = asyncio.Event()
        self._outputs: Deque[Any] = collections.deque()
        self._output_ready = asyncio.Event()
        self._output_space = asyncio.Event()
        self._terminal: Optional[Union[BaseException, _Closed]] = None
        self._supervisor: Optional["asyncio.Task[None]"] = None

    # -- the application's side ---------------------------------------------

    @property
    def response(self) -> Any:
        """The current underlying stream's response (its session id and settings)."""
        assert self._current is not None
        return self._current.response

    async def _accept_audio(self, chunk: bytes) -> None:
        self._raise_if_failed()
        if self._input_ended:
            raise StreamClosedError("the input stream has ended")
        if not chunk:
            return
        if len(chunk) % self._frame:
            raise ValidationException(
                f"audio chunks must hold whole frames ({self._frame} bytes), got {len(chunk)}"
            )
        self._last_app_audio = self._policy.clock()
        await self._append(chunk)

    async def _append(self, chunk: bytes) -> None:
        buffer = self._buffer
        buffer.append(chunk)
        self.stats.audio_seconds_sent = buffer.end / self._bytes_per_second
        self._audio_ready.set()
        while buffer.full():
            if self._sent >= buffer.end:
                # Everything was sent and the service has not finalised the
                # oldest audio yet (no speech, or it stopped reading):
                # dropping it only matters if a resume then needs it, which
                # is then reported.
                self.stats.overflow_seconds += buffer.drop_oldest() / self._bytes_per_second
                continue
            # The writer is behind (a reconnect, or a full window): wait for it.
            self._raise_if_failed()
            self._space.clear()
            await _first(self._space.wait(), self._failed.wait())
            self._raise_if_failed()

    async def _end_input(self) -> None:
        self._raise_if_failed()
        self._input_ended = True
        self._audio_ready.set()
        # Bounded by the underlying streams' write timeouts and the attempt
        # budget: either the end frame is written or the stream fails.
        while not self._end_written.is_set():
            self._raise_if_failed()
            await _first(self._end_written.wait(), self._failed.wait())
        self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if isinstance(self._terminal, BaseException):
            raise self._terminal

    async def _next_output(self) -> Any:
        while True:
            if self._outputs:
                item = self._outputs.popleft()
                self._output_space.set()
                return item
            if isinstance(self._terminal, BaseException):
                raise self._terminal
            if self._terminal is not None:
                raise StopAsyncIteration
            self._output_ready.clear()
            await self._output_ready.wait()

    async def _emit(self, item: Any) -> None:
        while len(self._outputs) >= _OUTPUT_QUEUE:
            self._output_space.clear()
            await self._output_space.wait()
        self._outputs.append(item)
        self._output_ready.set()

    def _finish(self, terminal: Union[BaseException, _Closed]) -> None:
        if self._terminal is None:
            self._terminal = terminal
        if isinstance(self._terminal, BaseException):
            self._failed.set()
        self._output_ready.set()
        self._audio_ready.set()

    async def aclose(self) -> None:
        """Stop: close the current stream and the supervisor (idempotent)."""
        self._finish(_Closed())
        supervisor = self._supervisor
        if supervisor is not None and not supervisor.done():
            supervisor.cancel()
            await asyncio.wait({supervisor}, timeout=_CLOSE_TIMEOUT)
        await self._close_current()

    async def __aenter__(self) -> "ResilientStream":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- starting -----------------------------------------------------------

    async def start(self) -> None:
        """Start the first stream (with retries) and the supervisor.

        :raises SDKError: the start failed for good.
        """
        self._current, _ = await self._start_with_retries(resuming=False)
        self._opened_at = self._policy.clock()
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise())

    async def _start_with_retries(
        self, *, resuming: bool
    ) -> Tuple["StartStreamTranscriptionEventStream", int]:
        budget = self._policy.attempts()
        attempt = 0
        while True:
            attempt += 1
            try:
                stream = await self._client.start_stream_transcription(**self._options)
                return stream, attempt
            except SDKError as error:
                if not _is_retryable(error) or attempt >= budget:
                    raise
                delay = self._policy.backoff(attempt)
                self.stats.retries += 1
                logger.info(
                    "start attempt %d of %d failed (%s); retrying in %.2f s",
                    attempt, budget, error, delay,
                )
                await self._policy.sleep(delay)

    # -- the supervisor -------------------------------------------------------

    async def _supervise(self) -> None:
        try:
            while True:
                outcome, error = await self._serve_current()
                if outcome == "done":
                    self._finish(_Closed())
                    return
                await self._resume(outcome, error)
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # the stream is over: the application hears why
            logger.debug("resilient stream failed: %r", error)
            self._finish(error)
        finally:
            await self._close_current()

    async def _close_current(self) -> None:
        current = self._current
        if current is not None:
            try:
                await asyncio.wait_for(current.aclose(), _CLOSE_TIMEOUT)
            except (asyncio.TimeoutError, SDKError):
                pass

    async def _serve_current(self) -> _Outcome:
        assert self._current is not None
        stream = self._current
        self._end_on_current = False
        tasks = [
            asyncio.ensure_future(self._write(stream)),
            asyncio.ensure_future(self._read(stream)),
            asyncio.ensure_future(self._watch()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=_CLOSE_TIMEOUT)
        for task in tasks:
            if task in done:
                return task.result()
        raise AssertionError("a task finished")  # pragma: no cover

    def _classify(self, error: BaseException) -> _Outcome:
        if not self._policy.resume or not _is_retryable(error):
            raise error
        name = getattr(error, "error_code", None) or type(error).__name__
        return (str(name), error)

    async def _write(self, stream: "StartStreamTranscriptionEventStream") -> _Outcome:
        policy = self._policy
        while True:
            if isinstance(self._terminal, BaseException):
                return _DONE
            chunk = self._buffer.read(self._sent)
            if chunk:
                self._send_started = policy.clock()
                try:
                    await stream.input_stream.send_audio_event(chunk)
                except SDKError as error:
                    return self._classify(error)
                finally:
                    self._send_started = None
                self._sent += len(chunk)
                self._space.set()
                continue
            if self._input_ended:
                if not self._end_on_current:
                    self._send_started = policy.clock()
                    try:
                        await stream.input_stream.end_stream()
                    except SDKError as error:
                        return self._classify(error)
                    finally:
                        self._send_started = None
                    self._end_on_current = True
                    self._end_written.set()
                await asyncio.Event().wait()  # the reader decides what comes next
            self._audio_ready.clear()
            if policy.keepalive_after is None:
                await self._audio_ready.wait()
                continue
            due = self._last_app_audio + policy.keepalive_after - policy.clock()
            if due <= 0:
                self._last_app_audio = policy.clock()
                self.stats.keepalive_events += 1
                await self._append(bytes(self._align(policy.keepalive_chunk
                                                     * self._bytes_per_second)))
                continue
            await _first(self._audio_ready.wait(), policy.sleep(due))

    async def _read(self, stream: "StartStreamTranscriptionEventStream") -> _Outcome:
        try:
            async for event in stream.output_stream:
                rotate = False
                delivered: Any = event
                if isinstance(event, TranscriptEvent):
                    delivered, rotate = self._on_transcript(event)
                if delivered is not None:
                    await self._emit(delivered)
                if rotate:
                    return ("rotation", None)
        except SDKError as error:
            return self._classify(error)
        if self._end_on_current:
            return _DONE
        # The output ended though the input did not: the stream was cut.
        return ("ended", None)

    async def _watch(self) -> _Outcome:
        timeout = self._policy.stall_timeout
        if timeout is None:
            await asyncio.Event().wait()
            raise AssertionError("unreachable")  # pragma: no cover
        while True:
            await self._policy.sleep(timeout / 4)
            started = self._send_started
            if started is not None and self._policy.clock() - started > timeout:
                return ("stall", None)

    # -- results ----------------------------------------------------------------

    def _timeline(self, raw: Optional[float]) -> Optional[float]:
        if raw is None:
            return None
        return round(self._base / self._bytes_per_second + raw - self._raw_origin, 3)

    def _on_transcript(self, event: TranscriptEvent) -> Tuple[Optional[TranscriptEvent], bool]:
        results = (event.transcript.results if event.transcript else None) or []
        kept: List[Result] = []
        rotate = False
        for result in results:
            end = self._timeline(result.end_time)
            if end is not None and end <= self._last_final_end + _EPSILON:
                # Covered by a final already delivered (replayed audio).
                continue
            if not result.is_partial and result.end_time is not None:
                self._session_raw_final = max(self._session_raw_final, result.end_time)
                assert end is not None
                self._last_final_end = end
                self._buffer.commit(self._align(end * self._bytes_per_second))
                self._progress_since_resume = True
                self._unproductive = 0
                age = self._policy.clock() - self._opened_at
                policy = self._policy
                if age >= policy.max_stream_duration - policy.rotation_window:
                    rotate = True
            kept.append(self._shifted(result))
        if results and self.stats.time_to_first_result is None:
            self.stats.time_to_first_result = self._policy.clock() - self._started_at
        if results and not kept:
            return None, rotate
        return TranscriptEvent(transcript=Transcript(results=kept)), rotate

    def _shifted(self, result: Result) -> Result:
        alternatives = [
            dataclasses.replace(
                alternative,
                items=[
                    dataclasses.replace(
                        item,
                        start_time=self._timeline(item.start_time),
                        end_time=self._timeline(item.end_time),
                    )
                    for item in alternative.items
                ] if alternative.items is not None else None,
            )
            for alternative in (result.alternatives or [])
        ]
        return dataclasses.replace(
            result,
            start_time=self._timeline(result.start_time),
            end_time=self._timeline(result.end_time),
            alternatives=alternatives if result.alternatives is not None else None,
        )

    # -- resuming -----------------------------------------------------------------

    async def _resume(self, reason: str, error: Optional[BaseException]) -> None:
        policy = self._policy
        lost_at = policy.clock()
        if not self._progress_since_resume and reason != "rotation":
            self._unproductive += 1
            if self._unproductive >= policy.attempts():
                # Streams keep failing before any final result: give up.
                raise error if error is not None else SDKError(
                    f"the stream failed {self._unproductive} times in a row ({reason}) "
                    "without a final result"
                )
        self._progress_since_resume = False
        if reason == "rotation":
            logger.info("rotating the stream before the maximum duration")
        else:
            logger.warning("stream lost (%s: %s); resuming", reason, error)
        await self._close_current()
        self._current = None
        buffer = self._buffer
        base = max(buffer.committed, buffer.start)
        lost = base - buffer.committed
        same_session = bool(self._resume_window)
        if not same_session:
            self._options["session_id"] = None
        stream, attempts = await self._start_with_retries(resuming=True)
        self._current = stream
        self._opened_at = policy.clock()
        raw_origin = 0.0
        if same_session and policy.resumed_result_times == "session":
            raw_origin = self._session_raw_final
        if not same_session:
            self._session_raw_final = 0.0
        replayed = buffer.end - base
        self._base, self._raw_origin, self._sent = base, raw_origin, base
        self.stats.resumes += 1
        if reason == "rotation":
            self.stats.rotations += 1
        self.stats.replayed_seconds += replayed / self._bytes_per_second
        resumed = StreamResumed(
            reason=reason,
            gap_seconds=policy.clock() - lost_at,
            replayed_seconds=replayed / self._bytes_per_second,
            lost_seconds=lost / self._bytes_per_second,
            resumed_at=base / self._bytes_per_second,
            session_id=stream.response.session_id,
            attempts=attempts,
            error=error,
        )
        if lost:
            self.stats.lost_seconds += lost / self._bytes_per_second
            # A final result cannot come for audio that was not replayed:
            # the timeline continues after it.
            self._last_final_end = max(self._last_final_end,
                                       buffer.committed / self._bytes_per_second)
            buffer.commit(base)
            logger.warning(
                "replay buffer overflow: %.3f s of audio from %.3f s were not replayed",
                lost / self._bytes_per_second, (base - lost) / self._bytes_per_second,
            )
            await self._emit(ReplayOverflow(
                lost_seconds=lost / self._bytes_per_second,
                lost_from=(base - lost) / self._bytes_per_second,
                total_lost_seconds=self.stats.lost_seconds,
            ))
        await self._emit(resumed)

    def _align(self, value: float) -> int:
        return int(value) // self._frame * self._frame


async def _first(*waits: Awaitable[Any]) -> None:
    """Wait until the first of ``waits`` is done; cancel the others."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


async def _start_resilient_stream(
    client: Any,
    policy: Optional[ResiliencePolicy],
    options: Mapping[str, Any],
) -> ResilientStream:
    """Start a :class:`ResilientStream` (what the client's method calls).

    :param client: the client.
    :param policy: the policy (the defaults when ``None``).
    :param options: ``start_stream_transcription`` options.
    :returns: the started stream.
    :raises ValidationException: the options do not allow it.
    :raises SDKError: the start failed for good.
    """
    stream = ResilientStream(client, policy or ResiliencePolicy(), options)
    await stream.start()
    return stream

