"""0.6.4's HTTP session names, on our HTTP/2 transport.

:class:`AwsCrtHttpSessionManager` sends a request with
:meth:`~AwsCrtHttpSessionManager.make_request` and returns an
:class:`AwsCrtHttpResponse` to await the status and headers and read the body
from. Both keep 0.6.4's signatures, but the connection, the callbacks from
awscrt's threads, flow control and timeouts are our transport's,
:class:`amazon_transcribe._httpsession.HTTP2Stream`. The one callback here
that a CRT thread runs (the end of the exchange) only hands it to the event
loop; all state lives on the loop's thread.

Where this differs from 0.6.4, on purpose:

* The request body is not handed to awscrt to poll. 0.6.4 gave the CRT its
  :class:`~amazon_transcribe._legacy.structures.BufferableByteStream`, which
  raises :class:`BlockingIOError` when empty, and the CRT polled it again at
  once: a CPU core busy per open stream. Here a task on the event loop reads
  the body and writes what it gets with the HTTP/2 manual-write API; when the
  body has nothing, the task sleeps until the body is written to, ended or
  closed (see :class:`_RequestBody`).
* Each request gets a connection of its own (the service serves one stream
  per connection), closed once its response has been read to the end or
  :meth:`AwsCrtHttpResponse.close` is called.
* The response body is flow-controlled (the service waits while nobody
  reads), and a failed stream raises :class:`~amazon_transcribe.exceptions.HTTPException`
  from the reads instead of ending them quietly.

Our client uses :class:`~amazon_transcribe.client.TranscribeStreamingClient`
and :class:`amazon_transcribe.httpsession.HTTP2Stream` directly, never these
classes.

Imports the core only (never :mod:`amazon_transcribe.httpsession`, the
façade that re-exports this module).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from typing import (
    Any,
    AsyncGenerator,
    Awaitable,
    Callable,
    Iterable,
    List,
    Mapping,
    Optional,
    Tuple,
    Union,
)
from urllib.parse import urlsplit

from awscrt.http import HttpHeaders, HttpRequest
from awscrt.io import ClientBootstrap

from .._httpsession import HTTP2Stream, Timeouts, _crt_error, _Endpoint, _open_stream, _tls_context
from .._config import _PathArg, _fspath
from ..crt import AWSCRTEventLoop, _default_bootstrap
from ..exceptions import HTTPException, ValidationException
from .response import Response
from .structures import BufferableByteStream

__all__ = [
    "HeadersList",
    "AwsCrtHttpResponse",
    "AwsCrtHttpSessionManager",
]

logger = logging.getLogger(__name__)

#: Response headers as ``(name, value)`` pairs, in the order received.
HeadersList = List[Tuple[str, str]]
#: What :meth:`AwsCrtHttpSessionManager.make_request` takes as headers.
_RequestHeaders = Union[
    Iterable[Tuple[str, str]], Mapping[str, Optional[str]], HttpHeaders, None
]

#: The most read from the request body at once (one write to the stream).
_READ_SIZE = 64 * 1024
#: For a body other than a BufferableByteStream (which tells when it
#: changes), the first and the longest sleep between reads while it has
#: nothing (doubling in between): short after data, so that the next event
#: goes out soon; never a busy loop.
_FIRST_POLL = 0.001
_LONGEST_POLL = 0.05


class _RequestBody:
    """Feeds a 0.6.4 request body (something with ``read``) to the stream.

    A task reads the body and writes what it reads with
    :meth:`HTTP2Stream.write`, waiting for room in the write window; at
    ``b""`` it ends the request. When a read has nothing yet
    (:class:`BlockingIOError` or ``None``, the non-blocking conventions) the
    task sleeps: a :class:`BufferableByteStream` body (what 0.6.4's
    serializer makes) wakes it on its next write, end or close; any other
    body is read again after a sleep that doubles from 1 ms to 50 ms while it
    stays empty.

    :param source: the body.
    :param transport: the stream to write to.
    :param loop: the event loop of the stream.
    """

    def __init__(
        self, source: Any, transport: HTTP2Stream, loop: asyncio.AbstractEventLoop
    ) -> None:
        self._source = source
        self._transport = transport
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._ready = asyncio.Event()
        self._watched = isinstance(source, BufferableByteStream)
        self._task: Optional["asyncio.Task[None]"] = None
        #: Why reading the body failed, if it did.
        self.error: Optional[BaseException] = None

    def start(self) -> None:
        """Start the task that feeds the stream."""
        if self._watched:
            self._source._add_listener(self._wake)
        self._task = self._loop.create_task(self._run())

    def stop(self) -> None:
        """Stop feeding the stream (the exchange is over); safe to call twice."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._unwatch()

    def _wake(self) -> None:
        # Writers may be on any thread; the event belongs to the loop's.
        if threading.get_ident() == self._loop_thread:
            self._ready.set()
            return
        try:
            self._loop.call_soon_threadsafe(self._ready.set)
        except RuntimeError:  # the loop is closed: nobody is left to wake
            pass

    def _unwatch(self) -> None:
        if self._watched:
            self._source._remove_listener(self._wake)

    async def _sleep(self, delay: float) -> None:
        try:
            await asyncio.wait_for(self._ready.wait(), delay)
        except asyncio.TimeoutError:
            pass

    # -- the task -------------------------------------------------------------

    async def _run(self) -> None:
        transport = self._transport
        poll = _FIRST_POLL
        try:
            while True:
                # Cleared before the read, so a write between the read and
                # the sleep still wakes the sleep.
                self._ready.clear()
                try:
                    data = self._source.read(_READ_SIZE)
                except BlockingIOError:
                    data = None
                if data is None:
                    if self._watched:
                        await self._ready.wait()  # the body's next change
                    else:
                        await self._sleep(poll)
                        poll = min(poll * 2, _LONGEST_POLL)
                    continue
                poll = _FIRST_POLL
                if not data:
                    transport.write(b"", end_stream=True)
                    await transport.drain()
                    return
                await transport.wait_writable()
                transport.write(bytes(data))
        except HTTPException as exc:
            # The stream ended under the body (an error status, a reset):
            # whoever reads the response learns why from the transport.
            logger.debug("request body no longer sent: %s", exc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the body's own read failed
            self.error = exc
            logger.debug("reading the request body failed", exc_info=True)
            transport.close()
        finally:
            self._unwatch()


class AwsCrtHttpResponse:
    """The response to a request sent by :class:`AwsCrtHttpSessionManager`.

    Made by :meth:`AwsCrtHttpSessionManager.make_request` (a response made
    directly has no request: its methods raise
    :class:`~amazon_transcribe.exceptions.HTTPException`). All of it must be
    used from the event loop that sent the request.

    The body is read with :meth:`get_chunk`, :meth:`chunks` or
    :meth:`consume_body`; what is read is only then acknowledged to the
    service, so a reader that stops makes the service wait rather than
    memory grow. Once the body has been read to its end the connection is
    closed; :meth:`close` closes it earlier.

    Our client reads responses through
    :class:`amazon_transcribe.httpsession.HTTP2Stream` instead.
    """

    def __init__(self) -> None:
        self._transport: Optional[HTTP2Stream] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._head: Optional["asyncio.Task[Tuple[int, HeadersList]]"] = None
        self._done: Optional["asyncio.Future[int]"] = None
        self._body: Optional[_RequestBody] = None

    def _attach(self, transport: HTTP2Stream, body: Any) -> None:
        """Take over a started stream and start writing ``body`` to it.

        :param transport: the stream the request was sent on.
        :param body: ``None``, ``bytes``, or something with ``read``.
        :raises HTTPException: a stream is already attached.
        """
        if self._transport is not None:
            raise HTTPException("Stream already set on AwsCrtHttpResponse object")
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._transport = transport
        self._done = loop.create_future()
        self._head = loop.create_task(transport.response())
        # A failed head is reported to whoever awaits it, and to nobody else.
        self._head.add_done_callback(_retrieve)
        transport.completion.add_done_callback(self._on_crt_complete)
        if body is None:
            transport.write(b"", end_stream=True)
        elif isinstance(body, (bytes, bytearray, memoryview)):
            transport.write(bytes(body), end_stream=True)
        else:
            self._body = _RequestBody(body, transport, loop)
            self._body.start()

    # -- completion (the CRT's thread, then the loop's) ----------------------

    def _on_crt_complete(self, future: "concurrent.futures.Future[Any]") -> None:
        loop = self._loop
        assert loop is not None
        try:
            loop.call_soon_threadsafe(self._completed, future)
        except RuntimeError:  # the loop is closed: nobody is left to tell
            pass

    def _completed(self, future: "concurrent.futures.Future[Any]") -> None:
        if self._body is not None:
            self._body.stop()
        done = self._done
        if done is None or done.done():
            return
        if future.cancelled():
            done.set_exception(HTTPException("the HTTP/2 stream was cancelled"))
        elif future.exception() is not None:
            error = future.exception()
            assert error is not None
            done.set_exception(_crt_error(error, "the HTTP/2 stream failed"))
        else:
            done.set_result(future.result())
            return
        # Marked as retrieved: the reads report the failure; nobody needs to
        # await ``done`` to avoid a warning.
        done.exception()

    # -- the 0.6.4 API --------------------------------------------------------

    def _require(self) -> Tuple[HTTP2Stream, asyncio.AbstractEventLoop]:
        if self._transport is None or self._loop is None:
            raise HTTPException("no request has been sent for this response")
        return self._transport, self._loop

    def _head_part(self, index: int) -> "asyncio.Future[Any]":
        """A future of one part (0: status, 1: headers) of the response head.

        Cancelling it (a caller's timeout) leaves the head for others.
        """
        _, loop = self._require()
        head = self._head
        assert head is not None
        part: "asyncio.Future[Any]" = loop.create_future()

        def copy(task: "asyncio.Task[Tuple[int, HeadersList]]") -> None:
            if part.done():
                return
            error = None if task.cancelled() else task.exception()
            if task.cancelled():
                part.cancel()
            elif error is not None:
                part.set_exception(error)
            else:
                part.set_result(task.result()[index])

        head.add_done_callback(copy)
        return part

    async def resolve_response(self) -> Response:
        """Wait for the response's status and headers.

        :returns: them, as a :class:`~amazon_transcribe._legacy.response.Response`
            (a repeated header keeps its last value).
        :raises HTTPException: the stream failed first, or no request was sent.
        :raises TimeoutException: no response within the response timeout.
        """
        status = await self.status_code
        headers = await self.headers
        return Response(status_code=status, headers=dict(headers))

    async def consume_body(self) -> bytes:
        """Read the rest of the body.

        :returns: everything until the end of the body.
        :raises HTTPException: the stream failed, or no request was sent.
        :raises TimeoutException: the service sent nothing for the read timeout.
        """
        parts = []
        async for chunk in self.chunks():
            parts.append(chunk)
        return b"".join(parts)

    @property
    def status_code(self) -> Awaitable[int]:
        """Awaits the response status.

        :raises HTTPException: (when awaited) the stream failed first.
        :raises TimeoutException: (when awaited) no response within the
            response timeout.
        """
        part: "asyncio.Future[int]" = self._head_part(0)
        return part

    @property
    def headers(self) -> Awaitable[HeadersList]:
        """Awaits the response headers, as ``(name, value)`` pairs.

        :raises HTTPException: (when awaited) the stream failed first.
        :raises TimeoutException: (when awaited) no response within the
            response timeout.
        """
        part: "asyncio.Future[HeadersList]" = self._head_part(1)
        return part

    @property
    def done(self) -> Awaitable[int]:
        """Awaits the end of the whole exchange (request and response sent).

        It resolves to the response status, as 0.6.4's did at run time
        (0.6.4 annotated it ``bool``).

        :raises HTTPException: (when awaited) the stream failed.
        """
        self._require()
        done = self._done
        assert done is not None
        return asyncio.shield(done)

    def get_chunk(self) -> Awaitable[bytes]:
        """Take the next piece of the body.

        Returns a task, so that it can be awaited, gathered or waited for
        with a timeout; cancelling it loses no data.

        :returns: awaits the next chunk; ``b""`` once the body has ended.
        :raises HTTPException: (when awaited) the stream failed, or (at
            once) no request was sent.
        :raises TimeoutException: (when awaited) nothing arrived for the read
            timeout.
        """
        _, loop = self._require()
        return loop.create_task(self._next_chunk())

    async def _next_chunk(self) -> bytes:
        transport, _ = self._require()
        try:
            chunk = await transport.read()
        except HTTPException:
            self.close()
            raise
        if chunk:
            transport.consumed(len(chunk))
            return chunk
        body_error = self._body.error if self._body is not None else None
        self.close()
        if body_error is not None:
            raise HTTPException(f"reading the request body failed: {body_error!r}") from body_error
        return b""

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """Iterate over the body, chunk by chunk, until its end.

        :returns: an async iterator of non-empty chunks.
        :raises HTTPException: the stream failed, or no request was sent.
        :raises TimeoutException: nothing arrived for the read timeout.
        """
        while True:
            chunk = await self.get_chunk()
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        """Close the connection and stop sending the body (not in 0.6.4).

        Body data already received can still be read. Safe to call twice.
        """
        if self._body is not None:
            self._body.stop()
        if self._transport is not None:
            self._transport.close()


def _retrieve(task: "asyncio.Future[Any]") -> None:
    if not task.cancelled():
        task.exception()


def _request_headers(
    headers: _RequestHeaders,
    authority: str,
) -> List[Tuple[str, str]]:
    """The request's header pairs, with ``host`` added when missing.

    HTTP/2 needs an ``:authority``; awscrt makes it from ``host``.
    """
    if headers is None:
        pairs: List[Tuple[str, str]] = []
    elif isinstance(headers, Mapping):
        # A HeadersDict may hold None values, which 0.6.4 never sent.
        pairs = [(str(name), str(value)) for name, value in headers.items() if value is not None]
    else:
        pairs = [(str(name), str(value)) for name, value in headers]
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.insert(0, ("host", authority))
    return pairs


def _check_body(body: Any) -> None:
    """Refuse a body that is neither bytes nor readable, before connecting.

    :raises TypeError: as awscrt's ``InputStream`` did in 0.6.4.
    """
    if body is None or isinstance(body, (bytes, bytearray, memoryview)):
        return
    if not callable(getattr(body, "read", None)):
        raise TypeError("I/O stream type expected")


class AwsCrtHttpSessionManager:
    """Sends HTTP/2 requests over TLS with awscrt.

    Each request gets a new connection (offering only ALPN ``h2``; a server
    that does not agree is refused). Connections trust the system store,
    or the PEM bundle ``ca_bundle`` names, or else the one the
    ``AWS_CA_BUNDLE`` environment variable names (for a local emulator, whose
    CA is its own).

    New code does not send requests itself:
    :class:`~amazon_transcribe.client.TranscribeStreamingClient` does.

    :param eventloop: the awscrt :class:`~awscrt.io.ClientBootstrap` to
        connect with (0.6.4's client passed
        ``AWSCRTEventLoop().bootstrap``); an
        :class:`~amazon_transcribe.crt.AWSCRTEventLoop` or ``None`` (the
        process-wide bootstrap) are accepted too.
    :param ca_bundle: a PEM file (``str`` or :class:`os.PathLike`) of
        certificate authorities to trust instead of the system store;
        ``AWS_CA_BUNDLE`` by default.
    :param timeouts: connect, response and read timeouts; our client's
        defaults (:class:`~amazon_transcribe.httpsession.Timeouts`) by default.
    :raises ValidationException: the CA bundle cannot be used.
    """

    def __init__(
        self,
        eventloop: Union[ClientBootstrap, AWSCRTEventLoop, None],
        *,
        ca_bundle: Optional[_PathArg] = None,
        timeouts: Optional[Timeouts] = None,
    ) -> None:
        ca_bundle = _fspath(ca_bundle, "ca_bundle")
        if isinstance(eventloop, AWSCRTEventLoop):
            eventloop = eventloop.bootstrap
        self._client_bootstrap: ClientBootstrap = eventloop or _default_bootstrap()
        self._ca_bundle = ca_bundle if ca_bundle is not None else os.environ.get("AWS_CA_BUNDLE")
        self._tls = _tls_context(self._ca_bundle)
        self._timeouts = timeouts if timeouts is not None else Timeouts()

    async def make_request(
        self,
        url: str,
        method: str = "GET",
        headers: _RequestHeaders = None,
        body: Any = None,
    ) -> AwsCrtHttpResponse:
        """Connect, send the request headers and start sending the body.

        Returns once the request headers are on their way; await the
        response's :attr:`~AwsCrtHttpResponse.status_code` or
        :meth:`~AwsCrtHttpResponse.resolve_response` for the answer.

        :param url: ``https://host[:port]/path[?query]``.
        :param method: the HTTP method.
        :param headers: the request headers, as ``(name, value)`` pairs (or
            a mapping); ``host`` is added from ``url`` when missing.
        :param body: ``None`` (no body), ``bytes``, or a readable stream. A
            non-blocking one (such as a
            :class:`~amazon_transcribe._legacy.structures.BufferableByteStream`)
            is read as data is written to it, until it reads ``b""``.
        :returns: the response, to await.
        :raises TypeError: ``body`` is neither bytes nor readable.
        :raises HTTPException: the URL has no host or is not ``https``, the
            connection failed, or HTTP/2 was not negotiated.
        :raises TimeoutException: connecting took longer than the connect
            timeout.
        """
        _check_body(body)
        parts = urlsplit(url)
        if not parts.hostname:
            raise HTTPException(f"Invalid host name: {parts.hostname}")
        try:
            endpoint = _Endpoint(url)
        except ValidationException as exc:
            raise HTTPException(f"HTTP/2 could not be negotiated: {exc}", retryable=False) from exc
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        request = HttpRequest(
            method, path, HttpHeaders(_request_headers(headers, endpoint.authority))
        )
        transport = await _open_stream(
            endpoint,
            request,
            tls=self._tls,
            timeouts=self._timeouts,
            ca_file=self._ca_bundle,
            bootstrap=self._client_bootstrap,
        )
        response = AwsCrtHttpResponse()
        try:
            response._attach(transport, body)
        except BaseException:
            transport.close()
            raise
        return response
