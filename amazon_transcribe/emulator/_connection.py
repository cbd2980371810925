"""HTTP/2 server connections of the emulator: the ``h2`` state machine on an asyncio transport.

One :class:`H2ServerConnection` (an :class:`asyncio.Protocol`) per TLS
connection feeds received bytes to ``h2`` and writes what ``h2`` wants sent.
Every request stream gets a :class:`StreamChannel`, the only interface the
stream's handler sees: ``read()`` the request body, ``send_headers()`` /
``send_data()`` the response, ``reset()``.

Flow control in both directions:

* inbound, a channel acknowledges received DATA (hands it back to the
  client's window) only when its handler reads it, so a stalled handler
  holds at most one stream window (:data:`STREAM_WINDOW`) of buffered
  input. The connection window is sized so that every stream may hold a full
  window at once: a stalled stream never blocks the other streams of its
  connection. A slow-reader fault paces the acknowledgements with a timer.
* outbound, ``send_data`` sends what the peer's stream and connection
  windows allow and otherwise waits for its ``WINDOW_UPDATE`` (and for the
  transport to drain when the socket is slow); it never spins.

Where a real peer can break ``h2``'s connection state machine, the
connection reads the client's frame headers itself before ``h2`` sees the
bytes (:class:`_FrameGuard`):

* a client ``GOAWAY`` with ``NO_ERROR`` (the AWS SDK for JavaScript sends
  one right after the response headers and keeps streaming) is taken here,
  not by ``h2``, which would close the whole connection: the open streams
  go on to their end (RFC 9113 section 6.8), new ones are refused and the
  connection closes after its last stream;
* a frame longer than the ``SETTINGS_MAX_FRAME_SIZE`` we advertised gets
  ``GOAWAY(FRAME_SIZE_ERROR)`` as soon as its 9-byte header arrives, where
  ``h2`` would first buffer the whole declared length;
* floods of frames that cost us work or output (``PING``, ``SETTINGS``,
  ``RST_STREAM``, ``PRIORITY``, empty ``DATA``) get
  ``GOAWAY(ENHANCE_YOUR_CALM)``.

Timers bound how long a connection may wait for the client's preface and
how long it may sit with no stream open.

This module knows HTTP/2, not Transcribe: it must not import the handler,
the operations or the engines.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import socket
import struct
import time
from typing import Callable, Deque, Dict, List, Optional, Sequence, Tuple

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings

from ._channel import ChannelWaits, StreamGone
from ._hpack import use_fast_hpack

__all__ = [
    "H2ServerConnection",
    "StreamChannel",
    "RequestCallback",
    "STREAM_WINDOW",
    "MAX_CONCURRENT_STREAMS",
    "CONNECTION_WINDOW",
]

_log = logging.getLogger("amazon_transcribe.emulator")

#: Initial flow-control window of each request stream (bytes of input a
#: stream may have unread).
STREAM_WINDOW = 256 * 1024
#: Streams a client may open at once on one connection.
MAX_CONCURRENT_STREAMS = 128
#: Connection flow-control window: every stream may hold a full window.
CONNECTION_WINDOW = STREAM_WINDOW * MAX_CONCURRENT_STREAMS
#: How long a graceful close may wait before the transport is aborted.
CLOSE_TIMEOUT = 2.0
#: Seconds a connection may take to send the HTTP/2 preface once TLS is up.
PREFACE_TIMEOUT = 5.0
#: Seconds a connection may stay open with no stream before it is closed
#: (``GOAWAY(NO_ERROR)``), like a load balancer's idle timeout.
IDLE_CONNECTION_TIMEOUT = 60.0
#: Control frames (PING, SETTINGS, RST_STREAM, PRIORITY, empty DATA) a
#: client may send in a burst, and per second after it; more is a flood.
CONTROL_FRAME_BURST = 200
CONTROL_FRAME_RATE = 100.0

# HTTP/2 frame types and error codes (RFC 9113) the guard needs.
_DATA, _PRIORITY, _RST_STREAM, _SETTINGS, _PING, _GOAWAY = 0x0, 0x2, 0x3, 0x4, 0x6, 0x7
_CONTROL_TYPES = frozenset({_PRIORITY, _RST_STREAM, _SETTINGS, _PING})
_FRAME_HEADER = 9
NO_ERROR, PROTOCOL_ERROR, REFUSED_STREAM = 0x0, 0x1, 0x7
FRAME_SIZE_ERROR, ENHANCE_YOUR_CALM = 0x6, 0xB

_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_DEFAULT_WINDOW = 65535

#: Called for every new request stream with its channel and headers.
RequestCallback = Callable[["StreamChannel", List[Tuple[str, str]]], None]


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)


class _FrameGuard:
    """Reads the client's frame headers ahead of ``h2`` (see the module docstring).

    It sees every byte after the connection preface, keeps a frame header
    that arrives in pieces until it is whole, lets every frame but
    ``GOAWAY`` through untouched, and collects ``GOAWAY`` frames for the
    connection instead. It costs a few operations per frame, not per byte.

    :param max_frame_size: the ``SETTINGS_MAX_FRAME_SIZE`` we advertised.
    :param clock: monotonic seconds, for the control-frame budget.
    """

    #: Compressed bytes one header block (HEADERS and its CONTINUATIONs) may
    #: take: twice the header list size we advertise, which compression
    #: never exceeds for a real request.
    MAX_HEADER_BLOCK = 128 * 1024

    def __init__(self, max_frame_size: int, clock: Callable[[], float]) -> None:
        self._max_frame_size = max_frame_size
        self._clock = clock
        self._preface_left = len(_PREFACE)
        self._partial = b""
        self._payload_left = 0
        self._goaway: Optional[bytearray] = None
        self._header_block = -1  # bytes of an unfinished header block; -1 when none
        self._tokens = float(CONTROL_FRAME_BURST)
        self._refilled = clock()
        self._last_stream_id = 0
        #: The error code of the client's first ``GOAWAY`` (a later one with an
        #: error replaces ``NO_ERROR``), or ``None``.
        self.peer_goaway: Optional[int] = None
        #: The highest stream the client had opened when its ``GOAWAY`` came.
        self.last_stream_at_goaway = 0
        #: ``(error code, reason)`` once the client broke a rule; nothing more
        #: is let through after that.
        self.violation: Optional[Tuple[int, str]] = None

    def feed(self, data: bytes) -> bytes:
        """Take received bytes.

        :param data: bytes from the peer, preface included.
        :returns: the bytes ``h2`` should see (possibly none).
        """
        if self.violation is not None:
            return b""
        if self._partial:
            data = self._partial + data
            self._partial = b""
        size = len(data)
        pos = 0
        keep = 0  # start of the bytes not yet taken into ``pieces``
        pieces: List[bytes] = []
        if self._preface_left:
            pos = min(self._preface_left, size)
            self._preface_left -= pos
        elif self._payload_left:
            pos = min(self._payload_left, size)
            self._payload_left -= pos
            if self._goaway is not None:
                self._goaway += data[:pos]
                keep = pos
                if not self._payload_left:
                    self._goaway_received()
        while pos < size:
            if size - pos < _FRAME_HEADER:
                pieces.append(data[keep:pos])
                self._partial = data[pos:]
                keep = size
                break
            length = int.from_bytes(data[pos : pos + 3], "big")
            frame_type = data[pos + 3]
            flags = data[pos + 4]
            if length > self._max_frame_size:
                self.violation = (
                    FRAME_SIZE_ERROR,
                    f"a frame of type {frame_type} declares {length} bytes, over the "
                    f"{self._max_frame_size} advertised",
                )
                return b""
            if frame_type in _CONTROL_TYPES or (
                frame_type == _DATA and length == 0 and not flags & 0x1
            ):
                if not self._spend():
                    return b""
            elif frame_type == 0x1 or frame_type == 0x9:  # HEADERS, CONTINUATION
                if not self._header_frame(frame_type, length, flags, data, pos):
                    return b""
            end = pos + _FRAME_HEADER + length
            if frame_type == _GOAWAY:
                pieces.append(data[keep:pos])
                keep = min(end, size)
                self._goaway = bytearray(data[pos:keep])
                self._payload_left = end - keep
                if not self._payload_left:
                    self._goaway_received()
            else:
                self._payload_left = max(0, end - size)
            pos = end
        if not pieces and keep == 0:
            return data
        if keep < size:
            pieces.append(data[keep:])
        return b"".join(pieces)

    def _spend(self) -> bool:
        now = self._clock()
        self._tokens = min(
            float(CONTROL_FRAME_BURST), self._tokens + (now - self._refilled) * CONTROL_FRAME_RATE
        )
        self._refilled = now
        self._tokens -= 1.0
        if self._tokens < 0:
            self.violation = (ENHANCE_YOUR_CALM, "a flood of control frames")
            return False
        return True

    def _header_frame(self, frame_type: int, length: int, flags: int, data: bytes, pos: int) -> bool:
        if frame_type == 0x1:
            stream_id = int.from_bytes(data[pos + 5 : pos + 9], "big") & 0x7FFFFFFF
            if self.peer_goaway is None:
                self._last_stream_id = max(self._last_stream_id, stream_id)
            self._header_block = length
        elif self._header_block >= 0:
            self._header_block += length
        if self._header_block > self.MAX_HEADER_BLOCK:
            self.violation = (ENHANCE_YOUR_CALM, "a header block without end")
            return False
        if flags & 0x4:  # END_HEADERS
            self._header_block = -1
        return True

    def _goaway_received(self) -> None:
        frame = bytes(self._goaway or b"")
        self._goaway = None
        payload = frame[_FRAME_HEADER:]
        if int.from_bytes(frame[5:9], "big") & 0x7FFFFFFF:
            self.violation = (PROTOCOL_ERROR, "GOAWAY on a stream")
            return
        if len(payload) < 8:
            self.violation = (FRAME_SIZE_ERROR, "GOAWAY shorter than 8 bytes")
            return
        code = int.from_bytes(payload[4:8], "big")
        if self.peer_goaway is None:
            self.last_stream_at_goaway = self._last_stream_id
        if self.peer_goaway is None or (self.peer_goaway == NO_ERROR and code != NO_ERROR):
            self.peer_goaway = code


class StreamChannel(ChannelWaits):
    """One request stream of a connection, as its handler sees it.

    Waiting, interrupts and the stream's end are
    :class:`~amazon_transcribe.emulator._channel.ChannelWaits`'s.

    :param connection: the connection the stream belongs to.
    :param stream_id: the HTTP/2 stream id.
    """

    def __init__(self, connection: H2ServerConnection, stream_id: int) -> None:
        #: The connection.
        self.connection = connection
        #: The HTTP/2 stream id.
        self.stream_id = stream_id
        super().__init__()
        self._chunks: Deque[Tuple[bytes, int]] = collections.deque()
        self._remote_ended = False
        self._local_ended = False
        self._partial = False
        # Slow-reader pacing: bytes read but not yet acknowledged.
        self._pace: Optional[Tuple[int, float]] = None
        self._ack_debt = 0
        self._ack_timer: Optional[asyncio.TimerHandle] = None

    # -- state --------------------------------------------------------------

    @property
    def remote_open(self) -> bool:
        """Whether the client may still send on this stream."""
        return not self._remote_ended and self._gone is None

    @property
    def can_send_message(self) -> bool:
        """Whether a whole new message can still be sent: the stream is
        usable, the response is not ended and no message is half sent."""
        return self._gone is None and not self._local_ended and not self._partial

    # -- events from the connection -----------------------------------------

    def _on_data(self, data: bytes, flow_length: int) -> None:
        if self._released:
            self.connection._acknowledge(self.stream_id, flow_length)
            return
        self._chunks.append((data, flow_length))
        self._buffered += len(data)
        self.wake()

    def _on_end(self) -> None:
        self._remote_ended = True
        self.wake()

    def _on_gone(self, reason: str) -> None:
        if self._gone is None:
            self._gone = reason
        self.wake()

    # -- reading ------------------------------------------------------------

    def set_pacing(self, ack_bytes: int, interval: float) -> None:
        """Acknowledge input slowly: at most ``ack_bytes`` every ``interval`` seconds.

        :param ack_bytes: bytes handed back to the client's window per tick.
        :param interval: seconds between ticks.
        """
        self._pace = (ack_bytes, interval)

    def clear_pacing(self) -> None:
        """Acknowledge input as it is read again (pending debt is paid now)."""
        self._pace = None
        self._cancel_ack_timer()
        self._pay_ack_debt(self._ack_debt)

    def _consumed(self, flow_length: int) -> None:
        if self._pace is None:
            self.connection._acknowledge(self.stream_id, flow_length)
            return
        self._ack_debt += flow_length
        if self._ack_timer is None:
            self._ack_timer = self._loop.call_later(self._pace[1], self._ack_tick)

    def _ack_tick(self) -> None:
        self._ack_timer = None
        if self._pace is None:
            self._pay_ack_debt(self._ack_debt)
            return
        self._pay_ack_debt(min(self._pace[0], self._ack_debt))
        if self._ack_debt and not self._released:
            self._ack_timer = self._loop.call_later(self._pace[1], self._ack_tick)

    def _pay_ack_debt(self, amount: int) -> None:
        if amount > 0:
            self._ack_debt -= amount
            self.connection._acknowledge(self.stream_id, amount)

    def _cancel_ack_timer(self) -> None:
        if self._ack_timer is not None:
            self._ack_timer.cancel()
            self._ack_timer = None

    async def read(self, deadline: Optional[float] = None) -> Optional[bytes]:
        """Take the next chunk of the request body.

        The chunk's bytes are acknowledged to the client as it is taken
        (paced when :meth:`set_pacing` is in effect).

        :param deadline: :meth:`asyncio.AbstractEventLoop.time` by which
            data must arrive; no limit when ``None``.
        :returns: the chunk, or ``None`` once the client has ended its side
            (END_STREAM) and everything has been read.
        :raises StreamGone: the stream was reset or the connection lost.
        :raises asyncio.TimeoutError: the deadline passed with nothing to read.
        :raises BaseException: whatever :meth:`interrupt` was given.
        """
        while True:
            self._check_gone()
            self._take_interrupt()
            if self._chunks:
                data, flow_length = self._chunks.popleft()
                self._buffered -= len(data)
                self._consumed(flow_length)
                return data
            if self._remote_ended:
                return None
            if deadline is not None and deadline <= self._loop.time():
                raise asyncio.TimeoutError()
            if not await self._wait(deadline):
                raise asyncio.TimeoutError()

    # -- writing ------------------------------------------------------------

    async def send_headers(
        self, headers: Sequence[Tuple[str, str]], *, end_stream: bool = False
    ) -> None:
        """Send the response headers.

        :param headers: ``:status`` first, then the response headers.
        :param end_stream: whether the response ends with them.
        :raises StreamGone: the stream cannot be used.
        """
        self._check_gone()
        await self._wait_writable()
        self._h2_call(lambda h2c: h2c.send_headers(self.stream_id, list(headers), end_stream))
        if end_stream:
            self._local_ended = True
        self.connection.flush()

    async def send_data(self, data: bytes, *, end_stream: bool = False) -> None:
        """Send response body bytes, within the peer's flow-control windows.

        :param data: the bytes (empty with ``end_stream`` only ends the response).
        :param end_stream: whether the response ends with them.
        :raises StreamGone: the stream cannot be used.
        :raises BaseException: whatever :meth:`interrupt` was given.
        """
        view = memoryview(data)
        while True:
            self._check_gone()
            self._take_interrupt()
            if not self.connection.writable:
                await self._wait_writable()
                continue
            if not view:
                if end_stream:
                    self._h2_call(lambda h2c: h2c.end_stream(self.stream_id))
                    self._local_ended = True
                    self.connection.flush()
                return
            window = self._h2_call(lambda h2c: h2c.local_flow_control_window(self.stream_id))
            if window <= 0:
                # Woken by WINDOW_UPDATE (stream or connection), new SETTINGS,
                # a reset or an interrupt.
                await self._wait()
                continue
            size = min(window, self.connection.max_outbound_frame_size, len(view))
            last = size == len(view)
            chunk = bytes(view[:size])
            self._h2_call(
                lambda h2c: h2c.send_data(self.stream_id, chunk, end_stream=end_stream and last)
            )
            self._partial = not last
            if last and end_stream:
                self._local_ended = True
            self.connection.flush()
            view = view[size:]
            if last:
                return

    async def _wait_writable(self) -> None:
        while not self.connection.writable:
            self._check_gone()
            await self._wait()

    def _h2_call(self, action: Callable[[h2.connection.H2Connection], object]) -> int:
        try:
            result = action(self.connection.h2)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError) as exc:
            # The peer closed the stream (or the connection) under us: the
            # matching event has been or will be processed; the stream is gone.
            self._on_gone(self._gone or "client-closed")
            _log.debug("stream %d: h2 refused an operation: %s", self.stream_id, exc)
            raise StreamGone(self._gone or "client-closed") from None
        return result if isinstance(result, int) else 0

    def reset(self, error_code: int = 0) -> None:
        """Reset the stream (``RST_STREAM``); harmless if it is already closed.

        :param error_code: the HTTP/2 error code (0 = ``NO_ERROR``).
        """
        if self._gone is not None:
            return
        try:
            self.connection.h2.reset_stream(self.stream_id, error_code)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            pass
        self._local_ended = True
        self.connection.flush()

    def release(self) -> None:
        """The handler is done: acknowledge what is buffered and discard
        whatever else arrives (so no window leaks)."""
        if self._released:
            return
        self._released = True
        self._interrupt = None
        self._cancel_ack_timer()
        debt = self._ack_debt + sum(flow for _, flow in self._chunks)
        self._ack_debt = 0
        self._chunks.clear()
        self._buffered = 0
        if debt:
            self.connection._acknowledge(self.stream_id, debt)
        self.connection._forget(self.stream_id)


class H2ServerConnection(asyncio.Protocol):
    """The server side of one HTTP/2 connection.

    :param connection_id: the emulator's number for this connection.
    :param on_request: called with the channel and headers of each new
        request stream; it must start the stream's handler and return.
    :param on_closed: called once when the connection is gone.
    :param initial_window: the ``SETTINGS_INITIAL_WINDOW_SIZE`` to announce.
    :param preface_timeout: seconds the client has, once the connection is
        made (TLS up), to send the HTTP/2 connection preface.
    :param idle_timeout: seconds the connection may stay open with no
        stream; then it gets ``GOAWAY(NO_ERROR)`` and is closed.
    :param on_made: called once when the transport is up (TLS done); a
        connection whose handshake fails is never made, so it is only
        counted from here on.
    """

    def __init__(
        self,
        *,
        connection_id: int,
        on_request: RequestCallback,
        on_closed: Callable[["H2ServerConnection"], None],
        initial_window: int = STREAM_WINDOW,
        preface_timeout: float = PREFACE_TIMEOUT,
        idle_timeout: float = IDLE_CONNECTION_TIMEOUT,
        on_made: Optional[Callable[["H2ServerConnection"], None]] = None,
    ) -> None:
        #: The emulator's number for this connection.
        self.connection_id = connection_id
        self._on_request = on_request
        self._on_closed = on_closed
        self._initial_window = initial_window
        config = h2.config.H2Configuration(
            client_side=False,
            # Names and values stay bytes: _new_request decodes them once
            # (h2 would decode each through a chain of generators first).
            header_encoding=None,
            # Clients of the real service may add headers HTTP/2 forbids
            # (transfer-encoding); the service ignores them, so must we.
            validate_inbound_headers=False,
            # Inbound normalizing only joins cookie headers, which no
            # operation reads.
            normalize_inbound_headers=False,
        )
        #: The ``h2`` state machine.
        self.h2 = h2.connection.H2Connection(config=config)
        use_fast_hpack(self.h2)
        self._transport: Optional[asyncio.Transport] = None
        self._channels: Dict[int, StreamChannel] = {}
        self._writable = True
        self._closed = False
        self._close_reason = "client-closed"
        self._preface_checked = False
        self._preface_seen = b""
        self._h2_started = False
        self._lost: Optional["asyncio.Future[None]"] = None
        self._on_made = on_made
        self._preface_timeout = preface_timeout
        self._idle_timeout = idle_timeout
        self._preface_timer: Optional[asyncio.TimerHandle] = None
        self._idle_timer: Optional[asyncio.TimerHandle] = None
        self._guard = _FrameGuard(self.h2.local_settings.max_frame_size, time.monotonic)
        # The client sent GOAWAY(NO_ERROR): finish its open streams, then close.
        self._draining = False

    # -- asyncio.Protocol ---------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start HTTP/2 at once when ALPN chose ``h2``; otherwise on the client's preface.

        :param transport: the TLS transport.
        """
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        loop = asyncio.get_running_loop()
        self._lost = loop.create_future()
        self._preface_timer = loop.call_later(self._preface_timeout, self._preface_expired)
        if self._on_made is not None:
            self._on_made(self)
        _log.debug(
            "connection %d from %s", self.connection_id, transport.get_extra_info("peername")
        )
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2":
            self._start_h2()
        # Without ALPN the client may still speak HTTP/2 (prior knowledge);
        # our SETTINGS wait for its preface, so that an HTTP/1.1 client gets
        # a readable HTTP/1.1 answer instead of binary frames.

    def _start_h2(self) -> None:
        """Send our SETTINGS and open the connection window."""
        self._h2_started = True
        self.h2.local_settings = h2.settings.Settings(
            client=False,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: 64 * 1024,
            },
        )
        self.h2.initiate_connection()
        if self._initial_window != _DEFAULT_WINDOW:
            # Announced as a change (effective when the client acknowledges
            # it), so data the client sends before it sees our SETTINGS is
            # still within the window it assumed.
            self.h2.update_settings(
                {h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: self._initial_window}
            )
        self.h2.increment_flow_control_window(CONNECTION_WINDOW - _DEFAULT_WINDOW)
        self.flush()

    def data_received(self, data: bytes) -> None:
        """Feed received bytes to ``h2`` and act on its events.

        :param data: bytes from the peer.
        """
        if self._closed:
            return
        if not self._preface_checked:
            if not self._check_preface(data):
                return
            if not self._h2_started:
                self._start_h2()
        data = self._guard.feed(data)
        if data:
            try:
                events = self.h2.receive_data(data)
            except h2.exceptions.ProtocolError as exc:
                _log.warning("connection %d: HTTP/2 protocol error: %s", self.connection_id, exc)
                self.flush()  # h2 has queued a GOAWAY naming the error
                self._shutdown("client-closed", abort=False)
                return
            for event in events:
                self._dispatch(event)
        violation = self._guard.violation
        if violation is not None:
            _log.warning("connection %d: %s; GOAWAY", self.connection_id, violation[1])
            self.goaway(violation[0], "client-closed")
            return
        if self._guard.peer_goaway is not None and not self._draining:
            self._peer_goaway(self._guard.peer_goaway)
        self.flush()

    def _peer_goaway(self, error_code: int) -> None:
        if error_code != NO_ERROR:
            # A GOAWAY with an error ends the connection (RFC 9113 section 5.4.1).
            _log.debug("connection %d: client GOAWAY, error %d", self.connection_id, error_code)
            self._shutdown("client-closed", abort=False)
            return
        _log.debug(
            "connection %d: client GOAWAY; finishing %d open streams",
            self.connection_id,
            len(self._channels),
        )
        self._draining = True
        if not self._channels:
            self.goaway(NO_ERROR, "client-closed")

    def _preface_received(self) -> None:
        if self._preface_timer is not None:
            self._preface_timer.cancel()
            self._preface_timer = None
        self._arm_idle_timer()

    def _preface_expired(self) -> None:
        self._preface_timer = None
        if self._closed or self._preface_checked:
            return
        _log.info(
            "connection %d: no HTTP/2 preface within %.3g s; closed",
            self.connection_id,
            self._preface_timeout,
        )
        self._shutdown("client-closed", abort=False)

    def _arm_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = asyncio.get_running_loop().call_later(
            self._idle_timeout, self._idle_expired
        )

    def _idle_expired(self) -> None:
        self._idle_timer = None
        if self._closed or self._channels:
            return
        _log.debug(
            "connection %d: no stream for %.3g s; GOAWAY", self.connection_id, self._idle_timeout
        )
        self.goaway(NO_ERROR, "client-closed")

    def _cancel_timers(self) -> None:
        for timer in (self._preface_timer, self._idle_timer):
            if timer is not None:
                timer.cancel()
        self._preface_timer = self._idle_timer = None

    def eof_received(self) -> Optional[bool]:
        """The peer closed its side: close ours too.

        :returns: ``False`` so that the transport closes itself.
        """
        return False

    def connection_lost(self, exc: Optional[Exception]) -> None:
        """The connection is gone: every stream on it is gone.

        :param exc: the error, or ``None`` on a clean close.
        """
        if exc is not None:
            _log.debug("connection %d lost: %s", self.connection_id, exc)
        self._closed = True
        self._writable = True
        self._cancel_timers()
        for channel in list(self._channels.values()):
            channel._on_gone(self._close_reason)
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)
        self._on_closed(self)

    def pause_writing(self) -> None:
        """The transport's buffer is full: senders wait."""
        self._writable = False

    def resume_writing(self) -> None:
        """The transport's buffer drained: senders continue."""
        self._writable = True
        for channel in list(self._channels.values()):
            channel.wake()

    # -- used by channels and the server ------------------------------------

    @property
    def writable(self) -> bool:
        """Whether the transport accepts more bytes now."""
        return self._writable

    @property
    def closed(self) -> bool:
        """Whether the connection is closed or closing."""
        return self._closed

    @property
    def max_outbound_frame_size(self) -> int:
        """The largest DATA frame the peer accepts."""
        return int(self.h2.max_outbound_frame_size)

    def flush(self) -> None:
        """Write whatever ``h2`` has queued."""
        data = self.h2.data_to_send()
        if data and self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def _acknowledge(self, stream_id: int, flow_length: int) -> None:
        if self._closed or flow_length <= 0:
            return
        try:
            self.h2.acknowledge_received_data(flow_length, stream_id)
        except (h2.exceptions.ProtocolError, ValueError):
            return
        self.flush()

    def _forget(self, stream_id: int) -> None:
        self._channels.pop(stream_id, None)
        if self._channels or self._closed:
            return
        if self._draining:
            # The client said GOAWAY and its last stream is done.
            self.goaway(NO_ERROR, "client-closed")
        else:
            self._arm_idle_timer()

    def goaway(self, error_code: int, reason: str) -> None:
        """Send ``GOAWAY`` and close the connection (after sending it).

        :param error_code: the HTTP/2 error code.
        :param reason: what the streams of this connection end with.
        """
        if self._closed:
            return
        try:
            self.h2.close_connection(error_code=error_code)
        except h2.exceptions.ProtocolError:
            pass
        self.flush()
        self._shutdown(reason, abort=False)

    def abort(self, reason: str) -> None:
        """Drop the connection at once with a TCP reset (no TLS close, no GOAWAY).

        :param reason: what the streams of this connection end with.
        """
        if self._closed or self._transport is None:
            return
        sock = self._transport.get_extra_info("socket")
        if sock is not None:
            try:
                # Linger 0: close() sends RST instead of FIN.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self._shutdown(reason, abort=True)

    async def close(self, reason: str = "server-closed") -> None:
        """Close gracefully (GOAWAY, TLS close), aborting if that takes too long.

        :param reason: what the streams of this connection end with.
        """
        if not self._closed:
            self.goaway(0, reason)
        if self._lost is None or self._lost.done():
            return
        # asyncio.wait() neither cancels nor swallows a cancellation.
        await asyncio.wait({self._lost}, timeout=CLOSE_TIMEOUT)
        if not self._lost.done():
            if self._transport is not None:
                self._transport.abort()
            await asyncio.wait({self._lost}, timeout=CLOSE_TIMEOUT)

    def _shutdown(self, reason: str, *, abort: bool) -> None:
        self._close_reason = reason
        self._closed = True
        self._cancel_timers()
        for channel in list(self._channels.values()):
            channel._on_gone(reason)
        if self._transport is not None:
            if abort:
                self._transport.abort()
            else:
                self._transport.close()

    # -- internals ----------------------------------------------------------

    def _check_preface(self, data: bytes) -> bool:
        # An HTTP/1.1 client (no ALPN, or curl without --http2) gets a
        # readable answer instead of a bare GOAWAY.
        # The preface may arrive in pieces: compare what has come so far.
        seen = self._preface_seen + data[: len(_PREFACE) - len(self._preface_seen)]
        if _PREFACE.startswith(seen):
            self._preface_seen = seen
            if len(seen) == len(_PREFACE):
                self._preface_checked = True
                self._preface_received()
            return True
        body = (
            b'{"Message":"This endpoint speaks HTTP/2 only (TLS ALPN h2), as Amazon '
            b'Transcribe Streaming does."}'
        )
        response = (
            b"HTTP/1.1 505 HTTP Version Not Supported\r\n"
            b"content-type: application/json\r\n"
            b"connection: close\r\n"
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n\r\n" + body
        )
        _log.warning("connection %d: not HTTP/2; answered 505", self.connection_id)
        if self._transport is not None:
            self._transport.write(response)
        self._shutdown("client-closed", abort=False)
        return False

    def _dispatch(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.RequestReceived):
            self._new_request(event)
        elif isinstance(event, h2.events.DataReceived):
            stream_id = event.stream_id or 0
            data = event.data or b""
            flow = event.flow_controlled_length or 0
            channel = self._channels.get(stream_id)
            if channel is None:
                self._acknowledge(stream_id, flow)
            else:
                channel._on_data(data, flow)
        elif isinstance(event, h2.events.StreamEnded):
            channel = self._channels.get(event.stream_id or 0)
            if channel is not None:
                channel._on_end()
        elif isinstance(event, h2.events.StreamReset):
            channel = self._channels.get(event.stream_id or 0)
            if channel is not None:
                channel._on_gone("reset")
        elif isinstance(event, h2.events.WindowUpdated):
            if not event.stream_id:
                for channel in list(self._channels.values()):
                    channel.wake()
            else:
                channel = self._channels.get(event.stream_id)
                if channel is not None:
                    channel.wake()
        elif isinstance(event, h2.events.RemoteSettingsChanged):
            for channel in list(self._channels.values()):
                channel.wake()
        elif isinstance(event, h2.events.ConnectionTerminated):
            # The guard takes every GOAWAY before h2 sees it; kept for safety.
            self.flush()
            self._shutdown("client-closed", abort=False)

    def _new_request(self, event: h2.events.RequestReceived) -> None:
        stream_id = event.stream_id or 0
        if self._guard.peer_goaway is not None and stream_id > self._guard.last_stream_at_goaway:
            # Opened after the client's own GOAWAY: refused, safe to retry.
            try:
                self.h2.reset_stream(stream_id, REFUSED_STREAM)
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                pass
            return
        headers = [(_text(name), _text(value)) for name, value in (event.headers or [])]
        channel = StreamChannel(self, stream_id)
        self._channels[stream_id] = channel
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        try:
            self._on_request(channel, headers)
        except Exception:
            _log.exception("connection %d: could not start stream %d", self.connection_id, stream_id)
            channel.reset(2)
            channel.release()
