"""What the emulator saw of every stream, for tests to check that nothing was lost.

Each HTTP/2 stream the emulator serves gets one :class:`StreamRecord`: the
request (operation, headers, session and request ids), what arrived (audio
bytes, a SHA-256 of the concatenated audio payloads, events, signature
checks), what was sent back, and how the stream ended. A test compares the
record's :attr:`StreamRecord.audio_sha256` with the SHA-256 of the audio it
sent to prove that the audio arrived whole and in order.

:class:`StreamRecords` holds the records of one emulator and lets a test
*wait* for a condition (a stream has ended, N streams have ended, any
predicate over the records) without polling: every change of a record
re-evaluates the pending waits, and every wait has a timeout.

End reasons (:attr:`StreamRecord.end_reason`):

``completed``
    the input ended (end frame or END_STREAM) and every result was sent;
``error:<Type>``
    the stream ended with that error, before the stream (HTTP status) or
    inside it (exception message);
``reset``
    the client reset the HTTP/2 stream (``RST_STREAM``);
``client-closed``
    the client's connection closed, or the client sent ``GOAWAY`` with an
    error code (after a ``GOAWAY(NO_ERROR)`` open streams go on to their end);
``fault:<kind>``
    an injected fault ended it (``fault:reset``, ``fault:rst-stream``,
    ``fault:goaway``);
``server-closed``
    the emulator shut down.

This module does no I/O; it imports only asyncio and the standard library.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import hashlib
from typing import (
    Any,
    Callable,
    Deque,
    Dict,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
)

__all__ = ["StreamRecord", "StreamRecords", "DEFAULT_WAIT_TIMEOUT"]

#: Timeout, in seconds, of the ``wait_*`` methods unless told otherwise.
DEFAULT_WAIT_TIMEOUT = 10.0

_T = TypeVar("_T")


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _expire(future: "asyncio.Future[None]", timeout: float) -> None:
    if not future.done():
        future.set_exception(
            asyncio.TimeoutError(f"the stream records did not match within {timeout:g} s")
        )


class StreamRecord:
    """What the emulator saw of one HTTP/2 stream.

    Records are created and updated by the emulator; tests only read them.

    :param connection_id: the emulator's number for the connection.
    :param stream_id: the HTTP/2 stream id.
    :param request_headers: every request header as received, pseudo-headers
        included, in order.
    :param request_id: the ``x-amzn-request-id`` the emulator answered with.
    """

    def __init__(
        self,
        *,
        connection_id: int,
        stream_id: int,
        request_headers: Sequence[Tuple[str, str]],
        request_id: str,
    ) -> None:
        #: The emulator's number for the connection the stream came on.
        self.connection_id = connection_id
        #: The HTTP/2 stream id.
        self.stream_id = stream_id
        #: Every request header as received (pseudo-headers included).
        self.request_headers: List[Tuple[str, str]] = list(request_headers)
        #: The request id of the response (``x-amzn-request-id``).
        self.request_id = request_id
        #: The client's ``user-agent`` header (``None`` when it sent none).
        self.user_agent: Optional[str] = next(
            (value for name, value in self.request_headers if name.lower() == "user-agent"),
            None,
        )
        #: The operation name, once routed (``None`` for unknown routes).
        self.operation: Optional[str] = None
        #: The session id (the client's or a generated one), once validated.
        self.session_id: Optional[str] = None
        #: The HTTP status the emulator answered with (``None`` before that).
        self.status: Optional[int] = None
        #: Whether the request's SigV4 signature matched (``None``: not checked).
        self.request_signature_valid: Optional[bool] = None
        #: Event signatures (envelopes, the end frame included) that matched.
        self.signatures_passed = 0
        #: Event signatures that did not match (with verification on, the
        #: first one ends the stream).
        self.signatures_failed = 0
        #: Audio events received (empty ones included).
        self.audio_events = 0
        #: Audio bytes received (the sum of the audio events' payloads).
        self.audio_bytes = 0
        #: Input events received, audio and others (not the end frame).
        self.input_events = 0
        #: Whether the signed end frame (an empty envelope) arrived.
        self.end_frame_received = False
        #: Output events sent (transcript events and the like; not exceptions).
        self.events_sent = 0
        #: Injected faults that fired on this stream, by kind (e.g. ``stall``).
        self.faults: List[str] = []
        #: Whether the stream resumed a session inside its ``SessionResumeWindow``.
        self.resumed = False
        #: Seconds added to the result times of this stream (a resumed
        #: stream with ``resumed_result_times="session"``), else 0.
        self.time_offset = 0.0
        #: The error the stream ended with, as ``(type, message)``.
        self.error: Optional[Tuple[str, str]] = None
        #: How the stream ended (see the module documentation); ``None`` while
        #: it runs.
        self.end_reason: Optional[str] = None
        #: When the request arrived (UTC).
        self.started_at = _utc_now()
        #: When the response headers were sent (UTC).
        self.responded_at: Optional[datetime.datetime] = None
        #: When the stream ended (UTC).
        self.ended_at: Optional[datetime.datetime] = None
        self._audio_hash = hashlib.sha256()
        self._owner: Optional[StreamRecords] = None

    @property
    def audio_sha256(self) -> str:
        """Hex SHA-256 of the audio payloads received so far, concatenated in order."""
        return self._audio_hash.hexdigest()

    @property
    def ended(self) -> bool:
        """Whether the stream has ended."""
        return self.end_reason is not None

    def to_dict(self) -> Dict[str, Any]:
        """The record as JSON-ready values (what ``--records`` writes).

        :returns: every public field, times as ISO 8601 strings, the audio's
            SHA-256 as hex; request headers are left out (they carry the
            request's signature).
        """

        def iso(moment: Optional[datetime.datetime]) -> Optional[str]:
            return moment.isoformat() if moment is not None else None

        return {
            "connection_id": self.connection_id,
            "stream_id": self.stream_id,
            "operation": self.operation,
            "session_id": self.session_id,
            "request_id": self.request_id,
            "status": self.status,
            "request_signature_valid": self.request_signature_valid,
            "signatures_passed": self.signatures_passed,
            "signatures_failed": self.signatures_failed,
            "audio_events": self.audio_events,
            "audio_bytes": self.audio_bytes,
            "audio_sha256": self.audio_sha256,
            "input_events": self.input_events,
            "end_frame_received": self.end_frame_received,
            "events_sent": self.events_sent,
            "faults": list(self.faults),
            "error": list(self.error) if self.error is not None else None,
            "end_reason": self.end_reason,
            "started_at": iso(self.started_at),
            "responded_at": iso(self.responded_at),
            "ended_at": iso(self.ended_at),
        }

    def __repr__(self) -> str:
        return (
            f"StreamRecord(connection_id={self.connection_id}, stream_id={self.stream_id}, "
            f"operation={self.operation!r}, session_id={self.session_id!r}, "
            f"status={self.status}, audio_events={self.audio_events}, "
            f"audio_bytes={self.audio_bytes}, end_reason={self.end_reason!r})"
        )

    # -- updates (by the emulator) ------------------------------------------

    def add_audio(self, payload: bytes) -> None:
        """Count one audio event and hash its payload.

        :param payload: the audio event's payload.
        """
        self.audio_events += 1
        self.input_events += 1
        self.audio_bytes += len(payload)
        self._audio_hash.update(payload)
        self.changed()

    def add_fault(self, kind: str) -> None:
        """Note that an injected fault fired.

        :param kind: the fault's kind, e.g. ``"stall"``.
        """
        self.faults.append(kind)
        self.changed()

    def finish(self, reason: str, error: Optional[Tuple[str, str]] = None) -> None:
        """End the record; only the first call counts.

        :param reason: the end reason (see the module documentation).
        :param error: the error ``(type, message)`` the stream ended with.
        """
        if self.end_reason is not None:
            return
        if error is not None:
            self.error = error
        self.end_reason = reason
        self.ended_at = _utc_now()
        self.changed()
        if self._owner is not None:
            self._owner._record_ended(self)

    def changed(self) -> None:
        """Tell waiting tests that this record changed."""
        if self._owner is not None:
            self._owner.notify()


class StreamRecords:
    """The records of one emulator, oldest first, with event-driven waits.

    :param max_records: how many records to keep; the oldest are dropped
        beyond it, so a long-running emulator does not grow without bound.
    """

    def __init__(self, *, max_records: int = 10_000) -> None:
        self._records: Deque[StreamRecord] = collections.deque(maxlen=max_records)
        self._waiters: List[Tuple[Callable[[], bool], "asyncio.Future[None]"]] = []
        self._end_listeners: List[Callable[[StreamRecord], None]] = []

    def add_end_listener(self, listener: Callable[[StreamRecord], None]) -> None:
        """Call ``listener`` with each record as its stream ends.

        :param listener: called on the event loop; it must not block.
        """
        self._end_listeners.append(listener)

    def _record_ended(self, record: StreamRecord) -> None:
        for listener in list(self._end_listeners):
            listener(record)

    def add(self, record: StreamRecord) -> StreamRecord:
        """Keep a new record (by the emulator).

        :param record: the record of a new stream.
        :returns: ``record``.
        """
        record._owner = self
        self._records.append(record)
        self.notify()
        return record

    def __iter__(self) -> Iterator[StreamRecord]:
        return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index: int) -> StreamRecord:
        return self._records[index]

    def all(self) -> List[StreamRecord]:
        """:returns: every record kept, oldest first."""
        return list(self._records)

    def by_session(self, session_id: str) -> List[StreamRecord]:
        """:returns: the records of streams with this session id, oldest first.

        :param session_id: the session id.
        """
        return [record for record in self._records if record.session_id == session_id]

    def ended(self) -> List[StreamRecord]:
        """:returns: the records of streams that have ended, oldest first."""
        return [record for record in self._records if record.ended]

    def notify(self) -> None:
        """Re-evaluate pending waits (called whenever a record changes)."""
        if not self._waiters:
            return
        pending = []
        for predicate, future in self._waiters:
            if future.done():
                continue
            try:
                satisfied = predicate()
            except Exception as exc:  # a broken predicate fails its own wait only
                future.set_exception(exc)
                continue
            if satisfied:
                future.set_result(None)
            else:
                pending.append((predicate, future))
        self._waiters = pending

    async def wait_until(
        self,
        condition: Callable[["StreamRecords"], Optional[_T]],
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
    ) -> _T:
        """Wait until ``condition(self)`` returns something other than ``None``.

        The condition is evaluated now and again after every change of any
        record; nothing polls.

        :param condition: returns the awaited value, or ``None`` to keep waiting.
        :param timeout: seconds to wait at most.
        :returns: the condition's value.
        :raises asyncio.TimeoutError: the condition did not hold in time.
        """
        found: List[_T] = []

        def check() -> bool:
            value = condition(self)
            if value is None:
                return False
            found.append(value)
            return True

        if check():
            return found[0]
        loop = asyncio.get_running_loop()
        future: "asyncio.Future[None]" = loop.create_future()
        self._waiters.append((check, future))
        # A timer rather than asyncio.wait_for, whose Python 3.9-3.11
        # versions can swallow a cancellation racing with the result.
        timer = loop.call_later(timeout, _expire, future, timeout)
        try:
            await future
        finally:
            timer.cancel()
            self._waiters = [(p, f) for p, f in self._waiters if f is not future]
        return found[0]

    async def wait_ended(
        self,
        session_id: Optional[str] = None,
        *,
        request_id: Optional[str] = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
    ) -> StreamRecord:
        """Wait until a stream with this session id (or request id) has ended.

        With several streams of one session id, the newest one counts.

        :param session_id: the stream's session id.
        :param request_id: the stream's request id (instead of a session id).
        :param timeout: seconds to wait at most.
        :returns: the ended stream's record.
        :raises ValueError: neither ``session_id`` nor ``request_id`` is given.
        :raises asyncio.TimeoutError: no such stream ended in time.
        """
        if session_id is None and request_id is None:
            raise ValueError("give a session_id or a request_id")

        def newest_ended(records: StreamRecords) -> Optional[StreamRecord]:
            for record in reversed(records._records):
                if (session_id is None or record.session_id == session_id) and (
                    request_id is None or record.request_id == request_id
                ):
                    return record if record.ended else None
            return None

        return await self.wait_until(newest_ended, timeout=timeout)

    async def wait_started(
        self, session_id: str, *, audio_events: int = 0, timeout: float = DEFAULT_WAIT_TIMEOUT
    ) -> StreamRecord:
        """Wait until a stream with this session id has received some audio events.

        :param session_id: the stream's session id.
        :param audio_events: how many audio events it must have received.
        :param timeout: seconds to wait at most.
        :returns: the stream's record (which may have ended meanwhile).
        :raises asyncio.TimeoutError: no such stream got that far in time.
        """

        def started(records: StreamRecords) -> Optional[StreamRecord]:
            for record in reversed(records._records):
                if record.session_id == session_id and record.audio_events >= audio_events:
                    return record
            return None

        return await self.wait_until(started, timeout=timeout)

    async def wait_count(
        self, count: int, *, timeout: float = DEFAULT_WAIT_TIMEOUT
    ) -> List[StreamRecord]:
        """Wait until at least ``count`` streams have ended.

        :param count: how many ended streams to wait for.
        :param timeout: seconds to wait at most.
        :returns: the records of the ended streams, oldest first.
        :raises asyncio.TimeoutError: fewer had ended in time.
        """

        def enough(records: StreamRecords) -> Optional[List[StreamRecord]]:
            ended = records.ended()
            return ended if len(ended) >= count else None

        return await self.wait_until(enough, timeout=timeout)

    def summary(self) -> Dict[str, int]:
        """:returns: how many streams ended for each end reason (``running`` for the rest)."""
        counts: Dict[str, int] = {}
        for record in self._records:
            key = record.end_reason or "running"
            counts[key] = counts.get(key, 0) + 1
        return counts
