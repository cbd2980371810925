"""The transport seam: what a stream session needs of its HTTP/2 stream.

:class:`Transport` names the few methods :mod:`amazon_transcribe.streams`
calls. :class:`~amazon_transcribe.httpsession.HTTP2Stream` (awscrt, over
TLS) is the real one. :class:`MemoryTransport` is an in-memory one for
tests, ours and yours: the test plays the service, feeding real
event-stream bytes in and reading the signed bytes that come out, with
explicit control over the write window, so backpressure, cancellation and
errors can be tested without a network, a server or a clock.

This module imports asyncio but no awscrt.
"""

from __future__ import annotations

import asyncio
import collections
import json
from typing import Deque, List, Optional

from typing import Protocol

from ._eventstream import encode_message
from .exceptions import HTTPException

__all__ = ["Transport", "MemoryTransport", "DEFAULT_READ_WINDOW", "DEFAULT_WRITE_WINDOW"]

#: Bytes of written-but-unsent request body allowed before writers wait.
DEFAULT_WRITE_WINDOW = 256 * 1024
#: Initial receive window of a stream; reopened as the reader takes data.
DEFAULT_READ_WINDOW = 256 * 1024


class Transport(Protocol):
    """One request/response exchange whose body goes both ways at once.

    The session writes the request body (signed events) and reads the
    response body (event-stream bytes); everything else (connecting, the
    request headers, the response status) happens before the session exists.
    """

    async def read(self) -> bytes:
        """Take the next response body bytes, waiting for them.

        :returns: the bytes, or ``b""`` once the body has ended.
        :raises HTTPException: the connection failed or timed out.
        """
        ...

    def consumed(self, size: int) -> None:
        """Give ``size`` bytes of receive window back (the reader used them).

        :param size: bytes.
        """
        ...

    async def wait_writable(self) -> None:
        """Wait until the write window has room.

        :raises HTTPException: the stream failed or ended, or no room came in time.
        """
        ...

    def write(self, data: bytes, *, end_stream: bool = False) -> None:
        """Queue ``data`` (in call order) without waiting.

        :param data: the bytes.
        :param end_stream: end the request body after them.
        :raises HTTPException: the stream failed or ended.
        """
        ...

    async def drain(self) -> None:
        """Wait until everything queued has been written.

        :raises HTTPException: a write failed.
        """
        ...

    @property
    def bytes_in_flight(self) -> int:
        """Bytes queued or being written, not yet taken by the peer."""
        ...

    def close(self) -> None:
        """Drop the exchange now; safe to call twice."""
        ...

    async def aclose(self) -> None:
        """Close, and wait (bounded) until the connection is gone."""
        ...


class MemoryTransport:
    """An in-memory :class:`Transport`: the test plays the service.

    What the session writes is kept in :attr:`written`; it counts as in
    flight until the test calls :meth:`accept` (the service took it), so a
    full write window makes senders wait exactly as on a network. What the
    session reads comes from :meth:`feed` (raw bytes) or :meth:`feed_event`
    (an encoded message), ended by :meth:`end_response` or broken by
    :meth:`fail`. Nothing here waits on a clock.

    Make it inside the event loop that will use it (Python 3.9's asyncio
    events bind to the loop current when they are made).

    :param write_window: bytes in flight before :meth:`wait_writable` waits.
    :param accept_writes: take every write at once (no backpressure).
    """

    def __init__(
        self, *, write_window: int = DEFAULT_WRITE_WINDOW, accept_writes: bool = False
    ) -> None:
        self._write_window = write_window
        self._accept_writes = accept_writes
        self._chunks: Deque[bytes] = collections.deque()
        self._changed = asyncio.Event()
        self._response_ended = False
        self._error: Optional[HTTPException] = None
        self._in_flight = 0
        self._closed = False
        #: Every byte the session wrote, in order.
        self.written = bytearray()
        #: The session's writes, one item per :meth:`write` call.
        self.writes: List[bytes] = []
        #: Whether the session ended the request body.
        self.request_ended = False
        #: Receive window given back by the session (:meth:`consumed`), in total.
        self.credit = 0
        #: Set while a sender waits for room in the write window.
        self.writer_waiting = asyncio.Event()
        #: Set while the session waits for response bytes.
        self.reader_waiting = asyncio.Event()
        #: Set once the session has closed the transport.
        self.closed_event = asyncio.Event()

    # -- the service's side (the test) -------------------------------------------

    def feed(self, data: bytes) -> None:
        """Deliver response body bytes to the session.

        :param data: the bytes (any split of the event stream).
        """
        if data:
            self._chunks.append(bytes(data))
            self._changed.set()

    def feed_event(self, event_type: str, payload: bytes, *, content_type: str = "application/json") -> None:
        """Deliver one output event as an encoded event-stream message.

        :param event_type: the ``:event-type``, e.g. ``TranscriptEvent``.
        :param payload: the event's payload bytes.
        :param content_type: the ``:content-type`` header.
        """
        self.feed(
            encode_message(
                {
                    ":message-type": "event",
                    ":event-type": event_type,
                    ":content-type": content_type,
                },
                payload,
            )
        )

    def feed_exception(self, exception_type: str, message: str) -> None:
        """Deliver a service exception message (the service then ends the stream).

        :param exception_type: e.g. ``BadRequestException``.
        :param message: the exception's ``Message``.
        """
        body = json.dumps({"Message": message}).encode("utf-8")
        self.feed(
            encode_message(
                {
                    ":message-type": "exception",
                    ":exception-type": exception_type,
                    ":content-type": "application/json",
                },
                body,
            )
        )

    def end_response(self) -> None:
        """End the response body (END_STREAM)."""
        self._response_ended = True
        self._changed.set()

    def fail(self, error: HTTPException) -> None:
        """Break the connection: reads, writes and waits raise ``error``.

        :param error: the transport error.
        """
        if self._error is None:
            self._error = error
        self._changed.set()

    def accept(self, size: Optional[int] = None) -> None:
        """The service takes ``size`` written bytes (all by default): room for more.

        :param size: bytes taken.
        """
        taken = self._in_flight if size is None else min(size, self._in_flight)
        self._in_flight -= taken
        self._changed.set()

    def accept_all(self) -> None:
        """The service takes every byte written so far and from now on (no more backpressure)."""
        self._accept_writes = True
        self.accept()

    @property
    def closed(self) -> bool:
        """Whether the session closed the transport."""
        return self._closed

    @property
    def buffered(self) -> int:
        """Response bytes fed and not yet read by the session."""
        return sum(len(chunk) for chunk in self._chunks)

    # -- the Transport protocol -----------------------------------------------------

    async def _wait_change(self, flag: asyncio.Event) -> None:
        self._changed.clear()
        flag.set()
        try:
            await self._changed.wait()
        finally:
            flag.clear()

    async def read(self) -> bytes:
        """Take the next fed bytes, waiting for them.

        :returns: the bytes, or ``b""`` once the response ended.
        :raises HTTPException: :meth:`fail` was called.
        """
        while True:
            if self._chunks:
                return self._chunks.popleft()
            if self._error is not None:
                raise self._error
            if self._response_ended or self._closed:
                return b""
            await self._wait_change(self.reader_waiting)

    def consumed(self, size: int) -> None:
        """Record receive credit given back.

        :param size: bytes.
        """
        if size < 0:
            raise ValueError(f"negative credit: {size}")
        self.credit += size

    async def wait_writable(self) -> None:
        """Wait until fewer than ``write_window`` bytes are in flight.

        :raises HTTPException: the transport failed, was closed or the request ended.
        """
        while True:
            self._check_writable()
            if self._in_flight < self._write_window:
                return
            await self._wait_change(self.writer_waiting)

    def _check_writable(self) -> None:
        if self._error is not None:
            raise self._error
        if self._closed or self.request_ended:
            raise HTTPException("the stream has ended; nothing more can be written")

    def write(self, data: bytes, *, end_stream: bool = False) -> None:
        """Keep ``data`` in :attr:`written` (in flight until accepted).

        :param data: the bytes.
        :param end_stream: end the request body after them.
        :raises HTTPException: the transport failed or was closed, or the
            request had ended.
        """
        self._check_writable()
        self.written += data
        self.writes.append(bytes(data))
        if not self._accept_writes:
            self._in_flight += len(data)
        if end_stream:
            self.request_ended = True
        self._changed.set()

    async def drain(self) -> None:
        """Wait until the service has accepted every written byte.

        :raises HTTPException: the transport failed.
        """
        while self._in_flight:
            if self._error is not None:
                raise self._error
            if self._closed:
                return
            await self._wait_change(self.writer_waiting)
        if self._error is not None:
            raise self._error

    @property
    def bytes_in_flight(self) -> int:
        """Written bytes the service has not accepted yet."""
        return self._in_flight

    def close(self) -> None:
        """Close: reads end, writes are refused."""
        self._closed = True
        self.closed_event.set()
        self._changed.set()

    async def aclose(self) -> None:
        """Close (nothing to wait for in memory)."""
        self.close()
