"""The emulator's WebSocket endpoint (PROTOCOL.md Appendix A), beside its HTTP/2 one.

The service serves its streaming operations over WebSockets too, on their
own port (8443): ``GET /stream-transcription-websocket?<options>&X-Amz-...``
(and the medical and call-analytics paths) with a presigned URL instead of an
``Authorization`` header, the options as query parameters named like their
headers without ``x-amzn-transcribe-``, one unsigned event-stream message
per binary frame, an audio event with an empty chunk as the end of input,
and errors as one ``:message-type: exception`` frame followed by a close.

A WebSocket connection carries exactly one stream, so
:class:`WebSocketChannel` is both the connection (``wsproto`` on an asyncio
transport) and the channel a
:class:`~amazon_transcribe.emulator._handler.StreamHandler` drives: the
same handler serves both endpoints, with :data:`WEBSOCKET_BINDING` for
what differs (routing, the presigned-URL check, options from the query,
unsigned framing). The channel maps the handler's HTTP-shaped calls onto
the WebSocket: the response headers become the handshake's answer, an
error response becomes an exception frame and a close, the end of the
response a close frame.

This module knows nothing of engines or configuration defaults;
:class:`~amazon_transcribe.emulator.TranscribeEmulator` wires it.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import ssl
from typing import Any, Deque, Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.utilities import ProtocolError

from .._eventstream import decode_message, encode_message
from ._channel import ChannelWaits, StreamGone
from ._handler import ServiceContext, StreamBinding, StreamHandler
from ._listener import Listener
from ._operations import Operation, route
from .certs import CertificatePaths
from .errors import ServiceError, bad_request
from .sigv4 import Clock, RequestVerifier, VerifiedRequest

__all__ = [
    "MAX_MESSAGE_SIZE",
    "WEBSOCKET_BINDING",
    "WebSocketChannel",
    "WebSocketServer",
    "websocket_ssl_context",
]

_log = logging.getLogger("amazon_transcribe.emulator")

#: The largest event-stream message one binary frame may carry (a second
#: of 48 kHz stereo PCM is 192,000 bytes; the headers add a few dozen).
MAX_MESSAGE_SIZE = 256 * 1024
#: Bytes of received messages the handler may have unread before the
#: socket stops being read (TCP then pushes back on the client).
_READ_BUFFER_LIMIT = 4 * MAX_MESSAGE_SIZE
#: Seconds a client has, once TCP and TLS are up, to send its handshake.
HANDSHAKE_TIMEOUT = 5.0
#: Seconds a close handshake may take before the transport is dropped.
CLOSE_TIMEOUT = 2.0
#: The operations with a WebSocket endpoint (HealthScribe has none).
_WEBSOCKET_OPERATIONS = frozenset(
    {
        "StartStreamTranscription",
        "StartMedicalStreamTranscription",
        "StartCallAnalyticsStreamTranscription",
    }
)
_SUFFIX = "-websocket"
_OPTION_PREFIX = "x-amzn-transcribe-"
#: The service's own message for a frame it does not expect (PROTOCOL.md §5.3).
_UNEXPECTED_FRAME = "Unexpected WebSocket frame received."
#: Close codes (RFC 6455 §7.4.1).
_NORMAL_CLOSURE, _GOING_AWAY = 1000, 1001
_JSON = "application/json"


def websocket_ssl_context(paths: CertificatePaths) -> ssl.SSLContext:
    """The TLS context of the WebSocket endpoint: the emulator's certificate, ALPN ``http/1.1``.

    :param paths: the emulator's certificate files.
    :returns: a server-side context.
    :raises ssl.SSLError: the certificate or key cannot be loaded.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile=str(paths.server_cert), keyfile=str(paths.server_key))
    # A WebSocket handshake is an HTTP/1.1 request (browsers offer only
    # http/1.1 for it).
    context.set_alpn_protocols(["http/1.1"])
    return context


# -- the binding: what a WebSocket stream does differently ---------------------


def _route(
    method: str, path: str, operations: Tuple[Operation, ...]
) -> Tuple[Operation, Dict[str, str]]:
    bare = path.partition("?")[0]
    served = tuple(op for op in operations if op.name in _WEBSOCKET_OPERATIONS)
    known = bare.endswith(_SUFFIX) and any(
        op.match(bare[: -len(_SUFFIX)]) is not None for op in served
    )
    if method.upper() != "GET" or not known:
        raise ServiceError(
            "UnknownOperationException",
            f"No operation is served at {method} {bare}. The WebSocket endpoint serves: "
            + ", ".join(f"GET {op.path}{_SUFFIX} ({op.name})" for op in served)
            + ".",
        )
    # The streaming operations are POSTs on their HTTP/2 paths.
    return route("POST", bare[: -len(_SUFFIX)], served)


def _verify(
    verifier: RequestVerifier, method: str, path: str, headers: Sequence[Tuple[str, str]]
) -> VerifiedRequest:
    return verifier.verify_presigned(method, path, headers)


def _option_headers(path: str, headers: Sequence[Tuple[str, str]]) -> Dict[str, str]:
    # The query parameters are the option headers without their prefix; the
    # signing parameters are not options.
    options: Dict[str, str] = {}
    for part in path.partition("?")[2].split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name = unquote(name)
        if name.startswith("X-Amz-"):
            continue
        options[_OPTION_PREFIX + name.lower()] = unquote(value)
    return options


_END = object()


class _WebSocketMessages:
    """WebSocket input: one unsigned message per frame; an empty audio chunk ends it."""

    def __init__(self, verified: VerifiedRequest, clock: Optional[Clock]) -> None:
        # Nothing is signed after the handshake.
        del verified, clock

    @property
    def passed(self) -> int:
        return 0

    @property
    def failed(self) -> int:
        return 0

    def feed(self, data: bytes) -> Sequence[Any]:
        message = decode_message(data)  # exactly one message, CRCs checked
        if message.headers.get(":event-type") == "AudioEvent" and not message.payload:
            return [data, _END]
        return [data]

    def close(self) -> None:
        pass

    def open(self, unit: Any) -> Optional[bytes]:
        return None if unit is _END else unit


#: Streams over a WebSocket: a presigned URL, options in the query, unsigned frames.
WEBSOCKET_BINDING = StreamBinding(
    route=_route,
    verify=_verify,
    option_headers=_option_headers,
    input_framing=_WebSocketMessages,
)


class WebSocketChannel(ChannelWaits, asyncio.Protocol):
    """One WebSocket connection and the one stream it carries.

    It offers the interface of
    :class:`~amazon_transcribe.emulator._connection.StreamChannel` (and is
    its own ``connection``), so that the stream handler serves it unchanged.

    :param connection_id: the emulator's number for this connection.
    :param on_request: called with the channel and the handshake's headers
        (pseudo-headers first) when the handshake arrives.
    :param on_closed: called once when the connection is gone.
    :param handshake_timeout: seconds the client has to send its handshake.
    """

    def __init__(
        self,
        *,
        connection_id: int,
        on_request: Any,
        on_closed: Any,
        handshake_timeout: float = HANDSHAKE_TIMEOUT,
    ) -> None:
        #: The emulator's number for this connection.
        self.connection_id = connection_id
        #: The stream's id on its connection (always 1: one stream each).
        self.stream_id = 1
        #: The connection (the channel itself, as the handler expects).
        self.connection = self
        self._on_request = on_request
        self._on_closed = on_closed
        self._handshake_timeout = handshake_timeout
        super().__init__()
        self._ws = WSConnection(ConnectionType.SERVER)
        self._transport: Optional[asyncio.Transport] = None
        self._timer: Optional[asyncio.TimerHandle] = None
        self._messages: Deque[bytes] = collections.deque()
        self._partial = bytearray()
        self._input_error: Optional[ServiceError] = None
        self._accepted = False
        self._error_type: Optional[str] = None
        self._local_ended = False
        self._writable = True
        self._reading_paused = False
        self._pace: Optional[Tuple[int, float]] = None
        self._pace_ready = 0.0

    # -- asyncio.Protocol --------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._timer = self._loop.call_later(self._handshake_timeout, self._handshake_expired)

    def _handshake_expired(self) -> None:
        self._timer = None
        if not self._accepted:
            self.abort("handshake-timeout")

    def data_received(self, data: bytes) -> None:
        try:
            self._ws.receive_data(data)
            for event in self._ws.events():
                self._dispatch(event)
        except ProtocolError as exc:
            # A malformed handshake or frame: wsproto has queued its answer
            # (400 or close 1002) when it could; the stream cannot go on.
            _log.info("websocket %d: protocol error: %s", self.connection_id, exc)
            if not self._accepted and self._transport is not None:
                self._write(RejectConnection(status_code=400))
            self._on_gone("protocol-error")
            self._close_transport()
        self._flush_pending()

    def _dispatch(self, event: Any) -> None:
        if isinstance(event, Request):
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            headers = [
                (":method", "GET"),
                (":path", event.target),
                (":authority", event.host),
                (":scheme", "https"),
                ("host", event.host),
            ]
            headers.extend(
                (bytes(name).decode("latin-1").lower(), bytes(value).decode("latin-1"))
                for name, value in event.extra_headers
            )
            self._on_request(self, headers)
        elif isinstance(event, BytesMessage):
            self._partial += event.data
            if len(self._partial) > MAX_MESSAGE_SIZE:
                self._fail_input(
                    bad_request(
                        f"A WebSocket message is larger than {MAX_MESSAGE_SIZE} bytes."
                    )
                )
            elif event.message_finished:
                message, self._partial = bytes(self._partial), bytearray()
                if self._input_error is None and not self._released:
                    self._messages.append(message)
                    self._buffered += len(message)
                    if self._buffered > _READ_BUFFER_LIMIT and self._transport is not None:
                        self._transport.pause_reading()
                        self._reading_paused = True
                    self.wake()
        elif isinstance(event, TextMessage):
            self._fail_input(bad_request(_UNEXPECTED_FRAME))
        elif isinstance(event, Ping):
            self._write(event.response())
        elif isinstance(event, CloseConnection):
            if self._ws.state is ConnectionState.REMOTE_CLOSING:
                self._write(event.response())
            self._on_gone("client-closed")
            self._close_transport()

    def _fail_input(self, error: ServiceError) -> None:
        self._partial = bytearray()
        if self._input_error is None:
            self._input_error = error
        self.wake()

    def eof_received(self) -> Optional[bool]:
        self._on_gone("client-closed")
        return None

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._transport = None
        self._on_gone("client-closed" if exc is None else "connection-lost")
        callback, self._on_closed = self._on_closed, None
        if callback is not None:
            callback(self)

    def pause_writing(self) -> None:
        self._writable = False

    def resume_writing(self) -> None:
        self._writable = True
        self.wake()

    # -- the connection's side of the handler's interface -------------------------

    @property
    def closed(self) -> bool:
        """Whether the transport is gone."""
        return self._transport is None

    def abort(self, reason: str) -> None:
        """Drop the TCP connection at once (a connection-reset fault).

        :param reason: why, for the record.
        """
        self._on_gone(reason)
        if self._transport is not None:
            self._transport.abort()

    def goaway(self, error_code: int, reason: str) -> None:
        """Close with ``1001 going away`` (the WebSocket form of ``GOAWAY``).

        :param error_code: the HTTP/2 code asked for (not carried by WebSockets).
        :param reason: why, for the record.
        """
        del error_code
        self._send_close(_GOING_AWAY)
        self._on_gone(reason)

    async def close(self, reason: str = "server-closed") -> None:
        """Close the connection (the emulator is closing).

        :param reason: why, for the record.
        """
        self._send_close(_GOING_AWAY)
        self._on_gone(reason)
        self._close_transport()

    # -- the channel's state --------------------------------------------------------

    @property
    def remote_open(self) -> bool:
        """Whether the client may still send on this stream."""
        return self._gone is None and not self._local_ended

    @property
    def can_send_message(self) -> bool:
        """Whether a whole new message can still be sent."""
        return self._gone is None and not self._local_ended

    def _on_gone(self, reason: str) -> None:
        if self._gone is None:
            self._gone = reason
        self.wake()

    # -- reading ------------------------------------------------------------------

    def set_pacing(self, ack_bytes: int, interval: float) -> None:
        """Read slowly: at most ``ack_bytes`` every ``interval`` seconds.

        :param ack_bytes: bytes per tick.
        :param interval: seconds between ticks.
        """
        self._pace = (max(1, ack_bytes), interval)

    def clear_pacing(self) -> None:
        """Read at full speed again."""
        self._pace = None
        self.wake()

    async def read(self, deadline: Optional[float] = None) -> Optional[bytes]:
        """Take the next message of the client.

        :param deadline: loop time by which a message must arrive.
        :returns: one whole message (never ``None``: a WebSocket input ends
            with an empty audio event, and a close is the client leaving).
        :raises StreamGone: the client closed or the connection was lost.
        :raises ServiceError: the client sent a text frame or an oversized message.
        :raises asyncio.TimeoutError: the deadline passed with nothing to read.
        """
        while True:
            self._check_gone()
            self._take_interrupt()
            if self._messages:
                if self._pace is not None and self._loop.time() < self._pace_ready:
                    await self._wait(self._pace_ready)
                    continue
                message = self._messages.popleft()
                self._buffered -= len(message)
                if self._pace is not None:
                    ack_bytes, interval = self._pace
                    start = max(self._loop.time(), self._pace_ready)
                    self._pace_ready = start + interval * len(message) / ack_bytes
                if self._reading_paused and self._buffered <= _READ_BUFFER_LIMIT // 2:
                    self._reading_paused = False
                    if self._transport is not None:
                        self._transport.resume_reading()
                return message
            if self._input_error is not None:
                raise self._input_error
            if deadline is not None and deadline <= self._loop.time():
                raise asyncio.TimeoutError()
            if not await self._wait(deadline):
                raise asyncio.TimeoutError()

    # -- writing ------------------------------------------------------------------

    async def send_headers(
        self, headers: Sequence[Tuple[str, str]], *, end_stream: bool = False
    ) -> None:
        """Answer the handshake; an error status makes the body an exception frame.

        :param headers: ``:status`` first, then the response headers
            (``x-amzn-request-id`` and the echoed options go into the answer).
        :param end_stream: whether the response ends with them (closes).
        :raises StreamGone: the connection is gone.
        """
        self._check_gone()
        values = dict(headers)
        if values.get(":status") != "200":
            self._error_type = values.get("x-amzn-errortype", "BadRequestException")
        if not self._accepted:
            extra = [
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in headers
                if not name.startswith(":") and name not in ("content-type", "content-length")
            ]
            self._accepted = True
            self._write(AcceptConnection(extra_headers=extra))
        if end_stream:
            self._end()

    async def send_data(self, data: bytes, *, end_stream: bool = False) -> None:
        """Send one event-stream message as one binary frame.

        :param data: one whole message (or, after an error status, the error's
            JSON body, sent as an exception message); empty with
            ``end_stream`` only closes.
        :param end_stream: whether the stream ends with it (a close frame).
        :raises StreamGone: the connection is gone.
        :raises BaseException: whatever :meth:`interrupt` was given.
        """
        while True:
            self._check_gone()
            self._take_interrupt()
            if self._local_ended:
                raise StreamGone("server-ended")
            if self._writable:
                break
            await self._wait()
        if data and self._error_type is not None:
            data = _exception_from_body(self._error_type, data)
        if data:
            self._write(BytesMessage(data=data))
        if end_stream:
            self._end()

    def _end(self) -> None:
        self._send_close(_NORMAL_CLOSURE)

    def _send_close(self, code: int) -> None:
        if self._local_ended:
            return
        self._local_ended = True
        if self._ws.state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
            self._write(CloseConnection(code=code))
        if self._transport is not None:
            # The client answers the close and then closes TCP; a client
            # that does neither is dropped.
            self._loop.call_later(CLOSE_TIMEOUT, self._close_transport)

    def _write(self, event: Any) -> None:
        if self._transport is None:
            return
        try:
            data = self._ws.send(event)
        except ProtocolError as exc:
            _log.debug("websocket %d: cannot send %r: %s", self.connection_id, event, exc)
            return
        self._transport.write(data)

    def _flush_pending(self) -> None:
        if self._ws.state is ConnectionState.CLOSED:
            self._close_transport()

    def _close_transport(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def reset(self, error_code: int = 0) -> None:
        """End the stream abruptly (the WebSocket has no stream reset: the connection drops).

        :param error_code: the HTTP/2 code asked for (0 after a complete
            response: then only a close is sent).
        """
        if self._gone is not None:
            return
        if error_code == 0:
            self._send_close(_NORMAL_CLOSURE)
            return
        self.abort("reset")

    def release(self) -> None:
        """The handler is done: drop unread input and close the connection."""
        if self._released:
            return
        self._released = True
        self._interrupt = None
        self._messages.clear()
        self._buffered = 0
        if self._gone is None:
            self._send_close(_NORMAL_CLOSURE)


def _exception_from_body(error_type: str, body: bytes) -> bytes:
    try:
        message = json.loads(body.decode("utf-8")).get("Message", "")
    except (ValueError, AttributeError):
        message = body.decode("utf-8", "replace")
    return encode_message(
        {":exception-type": error_type, ":content-type": _JSON, ":message-type": "exception"},
        json.dumps({"Message": message}).encode("utf-8"),
    )


class WebSocketServer(Listener[WebSocketChannel]):
    """Serves the WebSocket endpoint on one listening socket.

    :param context: what the stream handlers share (the HTTP/2 server's).
    :param ssl_context: the TLS context (:func:`websocket_ssl_context`).
    :param host: the address to listen on.
    :param port: the port (0 picks a free one).
    :param handshake_timeout: seconds a client has for TLS and for its handshake.
    """

    def __init__(
        self,
        context: ServiceContext,
        ssl_context: ssl.SSLContext,
        *,
        host: str,
        port: int,
        handshake_timeout: float = HANDSHAKE_TIMEOUT,
    ) -> None:
        super().__init__(
            ssl_context, host=host, port=port, handshake_timeout=handshake_timeout,
            name="WebSocket server",
        )
        self._context = context

    def _new_connection(self) -> WebSocketChannel:
        channel = WebSocketChannel(
            connection_id=self._take_connection_id(),
            on_request=self._on_request,
            on_closed=self._connections.discard,
            handshake_timeout=self._handshake_timeout,
        )
        self._connections.add(channel)
        return channel

    def _on_request(self, channel: WebSocketChannel, headers: List[Tuple[str, str]]) -> None:
        if self._closing:
            channel.abort("server-closed")
            return
        # The handler sees the channel through StreamChannel's interface.
        self._run(
            StreamHandler(
                self._context, channel, headers, binding=WEBSOCKET_BINDING  # type: ignore[arg-type]
            )
        )

    async def _close_connections(self) -> None:
        for channel in list(self._connections):
            await channel.close("server-closed")
