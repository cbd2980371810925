"""The HTTP/2 transport: one awscrt connection and one duplex stream per call.

This is the only module whose code runs on awscrt's native threads. Every
callback from the CRT (response headers, body chunks, write completions,
stream completion) is handed to the asyncio loop with
``loop.call_soon_threadsafe``; all state lives on the loop thread.

* The request body is written with awscrt's manual-write HTTP/2 API: an idle
  stream costs no CPU (nothing polls a body stream).
* Writes are accounted: :meth:`HTTP2Stream.wait_writable` waits while the bytes
  handed to the CRT and not yet written exceed a bounded window. A write
  on a stream with nothing in flight goes to the CRT at once; writes that
  follow while earlier ones are in flight reach it on a shared 5 ms grid of
  the loop's clock (``_FLUSH_GRID``), one CRT write per stream per slot.
* Every connection's socket gets ``TCP_NODELAY`` before the request is sent
  (see ``_nodelay``): small writes never wait for the peer's delayed ACK.
* Reads are flow-controlled: the stream's HTTP/2 window is only reopened as
  the consumer takes data, so a slow consumer makes the peer wait instead of
  growing memory. Received data sits in a deque until taken, so a read that is
  cancelled loses nothing.
* Timeouts: connect, response headers, and idle read.

Errors from awscrt become :class:`~amazon_transcribe.exceptions.HTTPException`
(or :class:`~amazon_transcribe.exceptions.TimeoutException`) here, once.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import io
import logging
import math
import ssl
import weakref
from typing import Any, Deque, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from awscrt.exceptions import AwsCrtError
from awscrt.http import (
    Http2ClientConnection,
    Http2ClientStream,
    HttpHeaders,
    HttpProxyAuthenticationType,
    HttpProxyConnectionType,
    HttpProxyOptions,
    HttpRequest,
    HttpVersion,
)
from awscrt.io import (
    ClientBootstrap,
    ClientTlsContext,
    InputStream,
    SocketOptions,
    TlsConnectionOptions,
    TlsContextOptions,
)

from ._config import _PathArg, _Proxy, _fspath
from ._nodelay import ConnectionTag
from .crt import _default_bootstrap, _keep_thread_state, speedups_enabled
from .transport import DEFAULT_READ_WINDOW, DEFAULT_WRITE_WINDOW
from .exceptions import HTTPException, TimeoutException, ValidationException

__all__ = [
    "Timeouts",
    "HTTP2Stream",
]

logger = logging.getLogger("amazon_transcribe.httpsession")

#: Seconds between the instants at which written data is handed to the CRT.
#: The grid is shared by every stream of the loop, so the writes of many
#: paced streams reach the CRT thread together: one wake-up of that thread
#: and one burst of GIL hand-overs per slot, instead of per write. Audio
#: waits at most this long; a full window or ``end_stream`` hands over at once.
_FLUSH_GRID = 0.005
#: Set TCP_NODELAY on each connection's socket (see ``_nodelay``); off only
#: to measure the old behaviour (``benchmarks/bench_latency.py``).
_TCP_NODELAY = True
#: Hand a write to the CRT at once when the stream has nothing in flight
#: (else it waits for the grid); off only to measure the old behaviour.
_IDLE_WRITES_AT_ONCE = True


class Timeouts:
    """Timeouts of one stream, in seconds (``None`` disables one).

    :param connect: to establish TCP + TLS + HTTP/2.
    :param response: from sending the request to its response headers.
    :param read: the longest a reader waits for the next data from the
        service once the stream is open (the service speaks at least every
        15 s while audio flows, and ends idle streams itself).
    :param write: the longest a writer waits for room in the write window.
    """

    def __init__(
        self,
        *,
        connect: Optional[float] = 10.0,
        response: Optional[float] = 30.0,
        read: Optional[float] = 60.0,
        write: Optional[float] = 60.0,
    ) -> None:
        self.connect = connect
        self.response = response
        self.read = read
        self.write = write

    def __repr__(self) -> str:
        return (
            f"Timeouts(connect={self.connect}, response={self.response}, "
            f"read={self.read}, write={self.write})"
        )


class _Endpoint:
    """Where to connect, parsed from an ``https://host[:port]`` URL.

    :param url: the endpoint URL.
    :raises ValidationException: not an ``https`` URL with a host.
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValidationException(
                f"endpoint {url!r} must be an https:// URL (the service speaks "
                "HTTP/2 over TLS only)"
            )
        #: The URL as given.
        self.url = url
        #: The host name (or IP literal, without brackets).
        self.host: str = parts.hostname
        #: The TCP port.
        self.port: int = parts.port or 443
        #: The value of the signed ``host`` header: the host, with the port
        #: when it is not the default.
        self.authority: str = (
            parts.netloc.rsplit("@", 1)[-1] if parts.port not in (None, 443) else self.host
        )


class _Body(InputStream):
    """One write's bytes, read by the CRT straight into its frame buffer.

    awscrt reads an :class:`~awscrt.io.InputStream` by calling its
    ``_read_into_memoryview`` on a CRT thread; binding that name to the
    buffer's own ``readinto`` makes each read one C call, with no Python
    frame on the CRT thread. That name is awscrt's private detail, so this
    is done only where :func:`~amazon_transcribe.crt.speedups_enabled`
    says the awscrt version was verified; elsewhere awscrt reads the
    buffer its own documented way.
    """

    def __init__(self, data: bytes) -> None:
        buffer = io.BytesIO(data)
        super().__init__(buffer)  # type: ignore[no-untyped-call]
        if speedups_enabled():
            setattr(self, "_read_into_memoryview", buffer.readinto)


class _Signal:
    """A flag that tasks wait for with a timeout.

    Like ``asyncio.Event`` + ``asyncio.wait_for``, but a wait costs one future
    and one timer, not a task: this is on the path of every audio event.
    """

    def __init__(self) -> None:
        self._set = False
        self._waiters: List["asyncio.Future[bool]"] = []

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            _resolve(waiter, True)

    def clear(self) -> None:
        self._set = False

    async def wait(self, timeout: Optional[float], message: str) -> None:
        """Wait until set.

        :raises TimeoutException: ``message.format(timeout)`` after ``timeout`` s.
        """
        if self._set:
            return
        loop = asyncio.get_running_loop()
        waiter: "asyncio.Future[bool]" = loop.create_future()
        self._waiters.append(waiter)
        timer = None if timeout is None else loop.call_later(timeout, _resolve, waiter, False)
        try:
            arrived = await waiter
        finally:
            if timer is not None:
                timer.cancel()
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        if not arrived:
            raise TimeoutException(message.format(timeout))


class _Handovers:
    """When the streams of one event loop last handed data to the CRT (loop clock)."""

    __slots__ = ("last", "_by")

    def __init__(self) -> None:
        self.last = -math.inf
        self._by: Optional[object] = None

    def note(self, stream: object, now: float, *, ending: bool = False) -> None:
        """``stream`` handed data over at ``now`` (or ended, or closed).

        A stream that ends brings no more load: if it made the last
        hand-over, the next stream (a voice agent's next turn) starts idle.
        """
        if not ending:
            self.last, self._by = now, stream
        elif self._by is stream:
            self.last, self._by = -math.inf, None


_HANDOVERS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Handovers]" = (
    weakref.WeakKeyDictionary()
)


def _loop_handovers(loop: asyncio.AbstractEventLoop) -> _Handovers:
    handovers = _HANDOVERS.get(loop)
    if handovers is None:
        handovers = _HANDOVERS[loop] = _Handovers()
    return handovers


def _time_out(response: "asyncio.Future[Any]", timeout: float) -> None:
    if not response.done():
        response.set_exception(TimeoutException(f"no response headers within {timeout:g} s"))


def _resolve(waiter: "asyncio.Future[bool]", value: bool) -> None:
    if not waiter.done():
        waiter.set_result(value)


def _tls_context(ca_file: Optional[_PathArg] = None) -> ClientTlsContext:
    """Make a TLS client context (connections offer only ALPN ``h2``).

    :param ca_file: a PEM bundle (``str`` or ``os.PathLike``) to trust
        instead of the system store.
    :returns: the awscrt TLS context.
    :raises ValidationException: the CA file cannot be read, or is not a path.
    """
    ca_file = _fspath(ca_file, "ca_bundle")
    options = TlsContextOptions()
    # ALPN "h2" is set on each connection's options (see _open_stream).
    if ca_file:
        try:
            options.override_default_trust_store_from_path(None, ca_file)
        except Exception as exc:  # awscrt reports a bad file as its own error
            raise ValidationException(f"cannot use CA bundle {ca_file!r}: {exc}") from exc
    return ClientTlsContext(options)


def _crt_error(exc: BaseException, what: str) -> HTTPException:
    if isinstance(exc, AwsCrtError):
        return HTTPException(f"{what}: {exc.name}: {exc.message}")
    return HTTPException(f"{what}: {exc}")


async def _await_crt(
    future: "concurrent.futures.Future[Any]", timeout: Optional[float], what: str
) -> Any:
    wrapped = asyncio.wrap_future(future)
    try:
        # Shielded: cancelling the wrapper would cancel the CRT's future, and
        # the CRT completing a cancelled future raises on its own thread.
        return await asyncio.wait_for(asyncio.shield(wrapped), timeout)
    except asyncio.TimeoutError:
        wrapped.add_done_callback(_retrieve)
        raise TimeoutException(f"{what} timed out after {timeout:g} s") from None
    except (AwsCrtError, RuntimeError) as exc:
        raise _crt_error(exc, what) from exc
    except BaseException:
        # Cancelled: as on a timeout, the CRT's late failure is nobody's to
        # see, and must not be logged as "exception was never retrieved".
        wrapped.add_done_callback(_retrieve)
        raise


def _retrieve(future: "asyncio.Future[Any]") -> None:
    if not future.cancelled():
        future.exception()


class HTTP2Stream:
    """One request/response exchange on its own HTTP/2 connection.

    Made by :func:`_open_stream`; all methods must be called from the event
    loop that opened it.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        connection: Http2ClientConnection,
        timeouts: Timeouts,
        write_window: int,
        flow_control: bool,
        read_window: int = DEFAULT_READ_WINDOW,
    ) -> None:
        self._loop = loop
        self._connection = connection
        self._timeouts = timeouts
        self._write_window = write_window
        self._flow_control = flow_control
        self._stream: Optional[Http2ClientStream] = None
        self._response: "asyncio.Future[Tuple[int, List[Tuple[str, str]]]]" = (
            loop.create_future()
        )
        self._chunks: Deque[bytes] = collections.deque()
        self._data_ready = _Signal()
        # Writes handed to the CRT, oldest first, with their sizes. Their
        # completion is read lazily (Future.done() is thread-safe), so the
        # CRT thread wakes the loop only when a writer actually waits.
        self._writes: Deque[Tuple["concurrent.futures.Future[Any]", int]] = collections.deque()
        self._writable = _Signal()
        self._in_flight = 0  # handed to the CRT or waiting in the outbox
        # Bytes written before the next grid slot go to the CRT as one
        # write: each CRT write costs a read callback into Python on a CRT
        # thread, which is the dearest part of sending.
        self._outbox: List[bytes] = []
        self._outbox_size = 0
        self._flush_handle: Optional[asyncio.Handle] = None
        self._handovers = _loop_handovers(loop)
        self._unacked = 0  # bytes taken by the reader, window not yet reopened
        self._credit_batch = max(1, read_window // 4)
        self._ended = False  # the response body ended (END_STREAM or error)
        self._error: Optional[HTTPException] = None
        self._closed = False

    # -- CRT callbacks (native threads) -------------------------------------

    def _threadsafe(self, callback: Any, *args: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop is closed: nobody is left to tell
            pass

    def _on_response(self, http_stream: Any, status_code: int, headers: Any, **kwargs: Any) -> None:
        _keep_thread_state()
        self._threadsafe(self._set_response, status_code, list(headers))

    def _on_body(self, http_stream: Any, chunk: bytes, **kwargs: Any) -> None:
        _keep_thread_state()
        self._threadsafe(self._add_chunk, bytes(chunk))

    def _on_complete(self, future: "concurrent.futures.Future[Any]") -> None:
        _keep_thread_state()
        error = future.exception()
        self._threadsafe(self._finish, error)

    # -- loop-thread state changes ------------------------------------------

    def _set_response(self, status: int, headers: List[Tuple[str, str]]) -> None:
        if status < 200:  # informational headers: the real ones follow
            return
        if not self._response.done():
            self._response.set_result((status, headers))

    def _add_chunk(self, chunk: bytes) -> None:
        if chunk:
            self._chunks.append(chunk)
            self._data_ready.set()

    def _finish(self, error: Optional[BaseException]) -> None:
        if error is not None and self._error is None and not self._closed:
            self._error = _crt_error(error, "the HTTP/2 stream failed")
        if not self._response.done():
            self._response.set_exception(
                self._error or HTTPException("the stream ended before any response")
            )
        self._ended = True
        self._data_ready.set()
        self._writable.set()  # writers wake up to see the error

    def _write_completed(self, future: "concurrent.futures.Future[Any]") -> None:
        # Only registered on the write a waiting writer needs (CRT thread).
        _keep_thread_state()
        self._threadsafe(self._writable.set)

    def _reap_writes(self) -> None:
        """Account for the writes the CRT has completed, oldest first."""
        writes = self._writes
        while writes and writes[0][0].done():
            future, size = writes.popleft()
            self._in_flight -= size
            error = None if future.cancelled() else future.exception()
            if error is not None and self._error is None and not self._closed:
                self._error = _crt_error(error, "writing to the HTTP/2 stream failed")

    async def _wait_write(self, index: int) -> None:
        """Wait until the write at ``index`` in the queue has completed."""
        future = self._writes[index][0]
        self._writable.clear()
        future.add_done_callback(self._write_completed)
        if not future.done():
            await self._writable.wait(self._timeouts.write, "the service accepted no data for {:g} s")

    # -- public API ---------------------------------------------------------

    def start(self, request: HttpRequest) -> None:
        """Send the request headers; the body is written with :meth:`write`.

        :param request: the signed request.
        """
        stream = self._connection.request(
            request, on_response=self._on_response, on_body=self._on_body, manual_write=True
        )
        stream.completion_future.add_done_callback(self._on_complete)
        self._stream = stream
        stream.activate()

    @property
    def error(self) -> Optional[HTTPException]:
        """The transport error that ended the stream, if any."""
        return self._error

    @property
    def completion(self) -> "concurrent.futures.Future[Any]":
        """The CRT's future for the whole exchange (its result is the status code).

        Done once both directions are over, which a read returning ``b""``
        (the end of the response body) does not say.

        :raises HTTPException: the stream was never started.
        """
        if self._stream is None:
            raise HTTPException("the HTTP/2 stream was never started")
        future: "concurrent.futures.Future[Any]" = self._stream.completion_future
        return future

    async def response(self) -> Tuple[int, List[Tuple[str, str]]]:
        """Wait for the response status and headers.

        :returns: the status and the headers.
        :raises TimeoutException: the response timeout expired.
        :raises HTTPException: the connection failed first.
        """
        response = self._response
        timeout = self._timeouts.response
        if response.done() or timeout is None:
            return await response
        # Awaited directly, with a timer that fails it: wait_for and shield
        # would each add a turn of the loop to every stream start.
        timer = self._loop.call_later(timeout, _time_out, response, timeout)
        try:
            return await response
        finally:
            timer.cancel()

    async def read(self) -> bytes:
        """Take the next body data, waiting for it.

        Taking data does not reopen the receive window: call :meth:`consumed`
        once the data has been used, so memory stays bounded by the window.

        :returns: the data, or ``b""`` once the body has ended.
        :raises TimeoutException: no data for the read timeout.
        :raises HTTPException: the connection failed.
        """
        while not self._chunks:
            if self._ended:
                if self._error is not None:
                    raise self._error
                return b""
            self._data_ready.clear()
            await self._data_ready.wait(self._timeouts.read, "no data from the service for {:g} s")
        return self._chunks.popleft()

    def consumed(self, size: int) -> None:
        """Reopen the receive window by ``size`` bytes the consumer has taken.

        :param size: bytes taken.
        """
        if not self._flow_control or self._stream is None or self._ended:
            return
        self._unacked += size
        # Credit goes back in quarters of the window: each update is a task
        # handed to a CRT thread (a wake-up there), and a transcript event
        # is only a few KiB. The service keeps at least three quarters of
        # the window to send in.
        if self._unacked >= self._credit_batch:
            increment, self._unacked = self._unacked, 0
            try:
                self._stream.update_window(increment)
            except Exception:  # the stream may be completing on a CRT thread
                logger.debug("window update after stream end ignored", exc_info=True)

    async def wait_writable(self) -> None:
        """Wait until the write window has room.

        :raises TimeoutException: no room within the write timeout.
        :raises HTTPException: the stream has failed.
        """
        while True:
            if self._error is not None:
                raise self._error
            if self._ended or self._closed:
                raise HTTPException("the HTTP/2 stream has ended; nothing more can be written")
            if self._in_flight < self._write_window:
                return
            self._flush()
            self._reap_writes()
            if self._in_flight < self._write_window or not self._writes:
                continue
            # Wait for the write whose completion brings the bytes in flight
            # below half the window: one wake-up per half window, not per write.
            target = self._in_flight - self._write_window // 2
            index, freed = 0, 0
            for index, (_, size) in enumerate(self._writes):
                freed += size
                if freed >= target:
                    break
            await self._wait_write(index)
            self._reap_writes()

    def write(self, data: bytes, *, end_stream: bool = False) -> None:
        """Queue ``data`` to send, in call order (does not wait).

        Data goes out at once when nothing else is in flight; otherwise as
        one CRT write at the next ``_FLUSH_GRID`` slot (or as soon as the
        write window is full). ``end_stream`` sends everything at once.

        :param data: the bytes.
        :param end_stream: end the request body after them.
        :raises HTTPException: the stream has failed or ended.
        """
        if self._error is not None:
            raise self._error
        if self._stream is None or self._ended or self._closed:
            raise HTTPException("the HTTP/2 stream has ended; nothing more can be written")
        # A stream with nothing in flight hands its write over at once: the
        # grid saves CRT wake-ups when writes follow each other closely, but
        # an idle stream's chunk (live audio, the first event) must not wait.
        idle = False
        if _IDLE_WRITES_AT_ONCE and not self._outbox:
            self._reap_writes()
            # ... unless the loop's streams are under load (data handed to
            # the CRT within the last slot): joining the grid then keeps one
            # wake-up of the CRT's threads, and one write per stream, per
            # slot (a hand-over per write cost 100 real-time streams ~4
            # points of a core and 2.5 times the context switches).
            idle = (
                self._in_flight == 0
                and self._loop.time() - self._handovers.last >= _FLUSH_GRID
            )
        self._outbox.append(data)
        self._outbox_size += len(data)
        self._in_flight += len(data)
        if end_stream or idle:
            self._flush(end_stream=end_stream)
        elif self._flush_handle is None:
            slot = math.ceil(self._loop.time() / _FLUSH_GRID) * _FLUSH_GRID
            self._flush_handle = self._loop.call_at(slot, self._flush_soon)

    def _flush_soon(self) -> None:
        self._flush_handle = None
        try:
            self._flush()
        except HTTPException as exc:
            # Nobody to raise to here: the next write, wait or drain sees it.
            if self._error is None:
                self._error = exc
            self._writable.set()

    def _flush(self, *, end_stream: bool = False) -> None:
        """Hand the outbox to the CRT as one write.

        :raises HTTPException: the CRT refused (the stream had completed).
        """
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if not self._outbox and not end_stream:
            return
        data = b"".join(self._outbox)
        size = self._outbox_size
        self._outbox, self._outbox_size = [], 0
        if self._stream is None or self._closed:
            self._in_flight -= size
            return
        self._handovers.note(self, self._loop.time(), ending=end_stream)
        try:
            future = self._stream.write_data(_Body(data), end_stream)
        except (AwsCrtError, RuntimeError) as exc:
            # The stream completed on a CRT thread and the news has not
            # reached this thread yet: the service ended or reset it.
            self._in_flight -= size
            raise _crt_error(exc, "the service ended the HTTP/2 stream") from exc
        self._writes.append((future, size))
        # Let go of finished writes now, not only when the window fills: a
        # paced stream would otherwise hold a window's worth of futures,
        # which the garbage collector then walks again and again.
        self._reap_writes()

    async def drain(self) -> None:
        """Wait until everything handed to :meth:`write` has been written.

        :raises HTTPException: a write failed.
        """
        self._flush()
        self._reap_writes()
        while self._writes and self._error is None:
            await self._wait_write(len(self._writes) - 1)
            self._reap_writes()
        if self._error is not None:
            raise self._error

    @property
    def bytes_in_flight(self) -> int:
        """Bytes handed to the CRT and not yet written."""
        self._reap_writes()
        return self._in_flight

    @property
    def buffered(self) -> int:
        """Bytes received and not yet taken by the reader."""
        return sum(len(c) for c in self._chunks)

    def close(self) -> None:
        """Close the connection (and so the stream); safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._ended = True
        self._handovers.note(self, 0.0, ending=True)
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self._outbox, self._outbox_size = [], 0
        self._data_ready.set()
        self._writable.set()
        if not self._response.done():
            self._response.set_exception(HTTPException("the stream was closed"))
            self._response.exception()  # retrieved: nobody may be waiting
        self._connection.close()

    async def aclose(self) -> None:
        """Close the connection and wait (bounded) for its shutdown."""
        self.close()
        try:
            await asyncio.wait_for(
                asyncio.shield(asyncio.wrap_future(self._connection.shutdown_future)), 5
            )
        except (asyncio.TimeoutError, AwsCrtError, RuntimeError):
            logger.debug("connection shutdown did not complete cleanly", exc_info=True)


async def _open_stream(
    endpoint: _Endpoint,
    request: HttpRequest,
    *,
    tls: ClientTlsContext,
    timeouts: Timeouts,
    ca_file: Optional[str] = None,
    bootstrap: Optional[ClientBootstrap] = None,
    write_window: int = DEFAULT_WRITE_WINDOW,
    read_window: int = DEFAULT_READ_WINDOW,
    proxy: Optional[_Proxy] = None,
    connection: Optional[Http2ClientConnection] = None,
) -> HTTP2Stream:
    """Connect and start a request on a new HTTP/2 connection.

    The request headers are sent; the caller then waits for
    :meth:`HTTP2Stream.response` and writes the body.

    :param endpoint: where to connect.
    :param request: the signed request (header names are sent lowercase).
    :param tls: the TLS context (ALPN ``h2``).
    :param timeouts: the stream's timeouts.
    :param ca_file: the CA bundle ``tls`` trusts (for error diagnosis only).
    :param bootstrap: the awscrt bootstrap; the process-wide one by default.
    :param write_window: bytes allowed in flight before writers wait.
    :param read_window: the HTTP/2 receive window of the stream.
    :param proxy: an HTTP proxy to tunnel through (``CONNECT``); the TLS
        session runs inside the tunnel, so the proxy sees only ciphertext.
    :param connection: an open connection (from :func:`_open_connection`)
        to start the request on instead of connecting; the stream owns it.
    :returns: the stream.
    :raises TimeoutException: connecting took longer than the connect timeout.
    :raises HTTPException: connecting failed (the proxy refused the tunnel,
        too), or HTTP/2 was not negotiated.
    """
    if connection is None:
        connection = await _open_connection(
            endpoint,
            tls=tls,
            timeouts=timeouts,
            ca_file=ca_file,
            bootstrap=bootstrap,
            read_window=read_window,
            proxy=proxy,
        )
    stream = HTTP2Stream(
        asyncio.get_running_loop(),
        connection,
        timeouts,
        write_window,
        flow_control=True,
        read_window=read_window,
    )
    try:
        stream.start(_lowercase(request))
    except BaseException:
        stream.close()
        raise
    return stream


async def _open_connection(
    endpoint: _Endpoint,
    *,
    tls: ClientTlsContext,
    timeouts: Timeouts,
    ca_file: Optional[str] = None,
    bootstrap: Optional[ClientBootstrap] = None,
    read_window: int = DEFAULT_READ_WINDOW,
    proxy: Optional[_Proxy] = None,
    settled: bool = False,
) -> Http2ClientConnection:
    """Open an HTTP/2 connection (TCP, TLS with ALPN ``h2``, SETTINGS).

    Its socket has ``TCP_NODELAY`` where the platform lets the SDK find it
    (see ``_nodelay``). The other parameters are :func:`_open_stream`'s.

    :param settled: return only once the server's SETTINGS have arrived
        (bounded by :data:`_SETTLE_TIMEOUT`), for a connection kept for a
        later stream: by then the server has taken the connection in, so
        that stream's request does not queue behind the server's handshake
        work. A stream's own connection does not wait (its request goes out
        at once, as every client's does).
    :returns: the connection.
    :raises TimeoutException: connecting took longer than the connect timeout.
    :raises HTTPException: connecting failed, or HTTP/2 was not negotiated.
    """
    socket_options = SocketOptions()
    if timeouts.connect is not None:
        socket_options.connect_timeout_ms = max(1, int(timeouts.connect * 1000))
    # awscrt has no TCP_NODELAY option: the socket is tagged so that it can
    # be found once connected (see _nodelay), before the request goes out.
    tag = ConnectionTag() if _TCP_NODELAY else None
    try:
        if tag is not None and tag.active:
            socket_options.keep_alive_interval_secs = tag.keep_alive_seconds
            socket_options.keep_alive_timeout_secs = tag.keep_alive_seconds
            socket_options.keep_alive_max_probes = tag.keep_alive_probes
        connection_options: TlsConnectionOptions = tls.new_connection_options()
        connection_options.set_server_name(endpoint.host)
        connection_options.set_alpn_list(["h2"])
        settings = _RemoteSettings(asyncio.get_running_loop()) if settled else None
        future = Http2ClientConnection.new(
            endpoint.host,
            endpoint.port,
            bootstrap=bootstrap or _default_bootstrap(),
            socket_options=socket_options,
            tls_connection_options=connection_options,
            proxy_options=_proxy_options(proxy),
            on_remote_settings_changed=settings.on_changed if settings is not None else None,
            manual_window_management=True,
            initial_window_size=read_window,
        )
        connection: Http2ClientConnection = await _connect(
            future, timeouts.connect, endpoint, ca_file, proxy
        )
        if tag is not None:
            tag.set_nodelay()
    finally:
        if tag is not None:
            tag.release()
    if connection.version is not HttpVersion.Http2:
        connection.close()
        raise HTTPException(f"HTTP/2 could not be negotiated with {endpoint.url}")
    if settings is not None:
        # A connection the server closes first ends the wait too.
        connection.shutdown_future.add_done_callback(settings.on_shutdown)
        try:
            await settings.wait(_SETTLE_TIMEOUT)
        except BaseException:
            connection.close()
            raise
        if not connection.is_open():
            raise HTTPException(f"{endpoint.url} closed the connection before its SETTINGS")
    return connection


#: How long a kept connection waits for the server's SETTINGS before it is
#: used as it is (a server must send them first thing: RFC 9113 section 3.4).
_SETTLE_TIMEOUT = 2.0


class _RemoteSettings:
    """Tells the loop when the server's first SETTINGS have arrived (or the connection ended)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._arrived: "asyncio.Future[bool]" = loop.create_future()

    def on_changed(self, settings: Any) -> None:
        # A CRT thread, once per SETTINGS frame the server sends.
        _keep_thread_state()
        self.on_shutdown(None)

    def on_shutdown(self, future: Any) -> None:
        # The connection shut down (a CRT thread, or this one if it already had).
        if not self._arrived.done():
            try:
                self._loop.call_soon_threadsafe(_resolve, self._arrived, True)
            except RuntimeError:  # the loop is closed
                pass

    async def wait(self, timeout: float) -> None:
        """Wait for the SETTINGS, at most ``timeout`` seconds (then go on quietly)."""
        timer = self._loop.call_later(timeout, _resolve, self._arrived, False)
        try:
            if not await self._arrived:
                logger.debug("no SETTINGS from the server in %g s: connection used as is", timeout)
        finally:
            timer.cancel()


def _proxy_options(proxy: Optional[_Proxy]) -> Optional[HttpProxyOptions]:
    """awscrt's options for a CONNECT tunnel through ``proxy`` (plain HTTP to it)."""
    if proxy is None:
        return None
    basic = proxy.username is not None
    return HttpProxyOptions(
        proxy.host,
        proxy.port,
        auth_type=(
            HttpProxyAuthenticationType.Basic if basic else HttpProxyAuthenticationType.Nothing
        ),
        auth_username=proxy.username if basic else None,
        auth_password=(proxy.password or "") if basic else None,
        connection_type=HttpProxyConnectionType.Tunneling,
    )


async def _connect(
    future: "concurrent.futures.Future[Any]",
    timeout: Optional[float],
    endpoint: _Endpoint,
    ca_file: Optional[str],
    proxy: Optional[_Proxy] = None,
) -> Http2ClientConnection:
    via = f" through the proxy {proxy.host}:{proxy.port}" if proxy is not None else ""
    try:
        connection: Http2ClientConnection = await _await_crt(
            future, timeout, f"connecting to {endpoint.url}{via}"
        )
    except HTTPException as exc:
        if isinstance(exc, TimeoutException):
            future.add_done_callback(_close_late_connection)
            # The CRT's TLS library delays reporting a failed handshake by 10 s
            # or more (a side-channel defence), so an untrusted certificate
            # looks like a timeout. Ask Python's TLS quickly what it thinks
            # (directly: through a proxy, its answer would say nothing).
            reason = None if proxy is not None else await _tls_diagnosis(endpoint, ca_file)
            if reason:
                raise HTTPException(
                    f"TLS handshake with {endpoint.url} failed: {reason}. If this endpoint "
                    "uses a private CA (a local emulator), pass ca_bundle=... or set "
                    "AWS_CA_BUNDLE to its CA file.",
                    retryable=False,
                ) from exc
            raise
        future.add_done_callback(_close_late_connection)
        cause = exc.__cause__
        if proxy is not None and isinstance(cause, AwsCrtError) and "PROXY" in cause.name:
            # awscrt reports any non-200 answer to CONNECT the same way: a
            # refused login (407) or a host the proxy cannot or may not reach.
            auth = (
                "check the user name and password in the proxy URL."
                if proxy.username is not None
                else "does it need a user name and password (http://user:password@host:port)?"
            )
            raise HTTPException(
                f"the proxy {proxy.host}:{proxy.port} refused to open a tunnel to "
                f"{endpoint.host}:{endpoint.port} ({exc}); {auth} Otherwise the proxy "
                "cannot reach that host, or does not allow it.",
                retryable=False,
            ) from exc
        raise
    except BaseException:
        # A connection that completes after we gave up must not leak.
        future.add_done_callback(_close_late_connection)
        raise
    return connection


async def _tls_diagnosis(endpoint: _Endpoint, ca_file: Optional[str]) -> Optional[str]:
    """Why a TLS handshake with ``endpoint`` fails, if it is a certificate problem."""
    context = ssl.create_default_context(cafile=ca_file)
    context.set_alpn_protocols(["h2"])
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(
                endpoint.host, endpoint.port, ssl=context, server_hostname=endpoint.host
            ),
            2.0,
        )
    except ssl.SSLCertVerificationError as exc:
        return f"the server's certificate is not trusted ({exc.verify_message})"
    except (OSError, asyncio.TimeoutError, ssl.SSLError):
        return None
    writer.close()
    return None


def _close_late_connection(future: "concurrent.futures.Future[Any]") -> None:
    if not future.cancelled() and future.exception() is None:
        future.result().close()


def _lowercase(request: HttpRequest) -> HttpRequest:
    # HTTP/2 forbids uppercase header names; the CRT signer adds
    # "Authorization", "X-Amz-Date"... (signatures use lowercase names anyway).
    headers: Sequence[Tuple[str, str]] = list(request.headers)
    return HttpRequest(
        request.method,
        request.path,
        HttpHeaders([(name.lower(), value) for name, value in headers]),
    )
