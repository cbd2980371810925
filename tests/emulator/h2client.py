"""A small raw HTTP/2 client over TLS (``h2`` + asyncio) for the emulator's tests.

Deliberately not the SDK: the emulator is checked by something other than
the client it is meant to test. It exposes what the tests need to observe
at the HTTP/2 level: response headers, body bytes, decoded event-stream
messages, RST_STREAM codes, GOAWAY, connection loss, flow-control windows
and WINDOW_UPDATEs. Every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Awaitable, Dict, List, Optional, Sequence, Tuple, TypeVar

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings

from amazon_transcribe.eventstream import EventStreamDecoder, Message

TIMEOUT = 10.0
T = TypeVar("T")


def _expire(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_exception(asyncio.TimeoutError())


async def wait_event(event: asyncio.Event, deadline: float) -> None:
    """Clear ``event`` and wait for it to be set again, until ``deadline``.

    Not asyncio.wait_for: on Python <= 3.11 it can swallow a cancellation
    that races with the event being set.
    """
    loop = asyncio.get_running_loop()
    if deadline <= loop.time():
        raise asyncio.TimeoutError()
    event.clear()
    waiter: "asyncio.Future[None]" = loop.create_future()

    def wake(_: "asyncio.Task[bool]") -> None:
        if not waiter.done():
            waiter.set_result(None)

    watcher = loop.create_task(event.wait())
    watcher.add_done_callback(wake)
    timer = loop.call_at(deadline, _expire, waiter)
    try:
        await waiter
    finally:
        timer.cancel()
        watcher.remove_done_callback(wake)
        watcher.cancel()


async def bounded(awaitable: Awaitable[T], timeout: float) -> T:
    """Await with a timeout, like asyncio.wait_for, but never swallowing a
    cancellation of the caller (which wait_for can do on Python <= 3.11)."""
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    except BaseException:
        task.cancel()
        raise
    if not done:
        task.cancel()
        raise asyncio.TimeoutError()
    return task.result()


def raw_frame(frame_type: int, payload: bytes, *, flags: int = 0, stream_id: int = 0) -> bytes:
    """One HTTP/2 frame as bytes (24-bit length, type, flags, stream id, payload),
    for frames a well-behaved client would never send."""
    return (
        len(payload).to_bytes(3, "big")
        + bytes([frame_type, flags])
        + stream_id.to_bytes(4, "big")
        + payload
    )


class StreamResetError(Exception):
    """The server reset the stream."""

    def __init__(self, error_code: int) -> None:
        super().__init__(f"stream reset with error code {error_code}")
        self.error_code = error_code


class ConnectionClosedError(Exception):
    """The connection closed before the stream ended."""


class H2Stream:
    """One request stream of an :class:`H2Client`."""

    def __init__(self, client: H2Client, stream_id: int) -> None:
        self.client = client
        self.stream_id = stream_id
        self.status: Optional[int] = None
        self.headers: Dict[str, str] = {}
        self.body = bytearray()
        self.ended = False
        self.reset_code: Optional[int] = None
        #: WINDOW_UPDATE frames received for this stream.
        self.window_updates = 0
        #: The largest send window seen for this stream.
        self.max_window_seen = 0
        #: Set while :meth:`send` waits for flow-control window.
        self.blocked = asyncio.Event()
        self._changed = asyncio.Event()
        self._decoder = EventStreamDecoder()
        self._messages: List[Message] = []
        self._taken = 0

    def _wake(self) -> None:
        self._changed.set()

    async def _wait(self, deadline: float) -> None:
        await wait_event(self._changed, deadline)

    def _deadline(self, timeout: float) -> float:
        return asyncio.get_running_loop().time() + timeout

    @property
    def closed(self) -> bool:
        """Whether the stream can no longer carry anything."""
        return self.ended or self.reset_code is not None or self.client.lost

    async def response(self, timeout: float = TIMEOUT) -> Tuple[int, Dict[str, str]]:
        """Wait for the response headers.

        :returns: the status and headers.
        """
        deadline = self._deadline(timeout)
        while self.status is None:
            if self.reset_code is not None:
                raise StreamResetError(self.reset_code)
            if self.client.lost:
                raise ConnectionClosedError(repr(self.client.lost_error))
            await self._wait(deadline)
        return self.status, self.headers

    async def send(self, data: bytes, *, end_stream: bool = False, timeout: float = TIMEOUT) -> bool:
        """Send request body bytes within the server's flow-control windows.

        :returns: ``False`` if the stream was reset or closed before all was
            sent (the rest is dropped), else ``True``.
        """
        deadline = self._deadline(timeout)
        view = memoryview(data)
        conn = self.client.h2
        while True:
            if self.reset_code is not None or self.client.lost:
                return False
            if not view:
                if end_stream:
                    try:
                        conn.end_stream(self.stream_id)
                    except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                        return False
                    self.client.flush()
                return True
            try:
                window = conn.local_flow_control_window(self.stream_id)
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                return False
            self.max_window_seen = max(self.max_window_seen, window)
            if window <= 0:
                self.blocked.set()
                try:
                    await self._wait(deadline)
                finally:
                    self.blocked.clear()
                continue
            size = min(window, conn.max_outbound_frame_size, len(view))
            last = size == len(view)
            try:
                conn.send_data(self.stream_id, bytes(view[:size]), end_stream=end_stream and last)
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                return False
            self.client.flush()
            await self.client.drain()
            view = view[size:]
            if last:
                return True

    async def end(self, timeout: float = TIMEOUT) -> bool:
        """End the request side (END_STREAM)."""
        return await self.send(b"", end_stream=True, timeout=timeout)

    def reset(self, error_code: int = 0x8) -> None:
        """Reset the stream (CANCEL by default)."""
        try:
            self.client.h2.reset_stream(self.stream_id, error_code)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            return
        self.client.flush()

    def _on_data(self, data: bytes) -> None:
        self.body += data
        # Error responses carry JSON, not an event stream.
        if self.headers.get("content-type") == "application/vnd.amazon.eventstream":
            self._messages.extend(self._decoder.feed(data))

    async def next_message(self, timeout: float = TIMEOUT) -> Optional[Message]:
        """Wait for the next event-stream message of the response body.

        :returns: the message, or ``None`` at the end of the response.
        :raises StreamResetError: the stream was reset first.
        :raises ConnectionClosedError: the connection closed first.
        """
        deadline = self._deadline(timeout)
        while True:
            if self._taken < len(self._messages):
                self._taken += 1
                return self._messages[self._taken - 1]
            if self.ended:
                self._decoder.close()
                return None
            if self.reset_code is not None:
                raise StreamResetError(self.reset_code)
            if self.client.lost:
                raise ConnectionClosedError(repr(self.client.lost_error))
            await self._wait(deadline)

    async def messages(self, timeout: float = TIMEOUT) -> List[Message]:
        """Wait for the end of the response and return every message not yet taken."""
        deadline = self._deadline(timeout)
        taken: List[Message] = []
        while True:
            remaining = max(0.001, deadline - asyncio.get_running_loop().time())
            message = await self.next_message(remaining)
            if message is None:
                return taken
            taken.append(message)

    async def read_body(self, timeout: float = TIMEOUT) -> bytes:
        """Wait for the end of the response and return the whole body."""
        deadline = self._deadline(timeout)
        while not self.ended:
            if self.reset_code is not None:
                # A complete response may be followed by RST_STREAM(NO_ERROR).
                break
            if self.client.lost:
                raise ConnectionClosedError(repr(self.client.lost_error))
            await self._wait(deadline)
        return bytes(self.body)

    async def wait_closed(self, timeout: float = TIMEOUT) -> None:
        """Wait until the stream ended, was reset or lost its connection."""
        deadline = self._deadline(timeout)
        while not self.closed:
            await self._wait(deadline)


class H2Client:
    """One HTTP/2 connection over TLS to a server, driven by a reader task."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        auto_ack: bool = True,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.h2 = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        )
        self.auto_ack = auto_ack
        self.streams: Dict[int, H2Stream] = {}
        #: The GOAWAY received, if any.
        self.goaway: Optional[h2.events.ConnectionTerminated] = None
        #: Whether the connection is gone.
        self.lost = False
        #: The error the connection ended with (``None``: clean EOF).
        self.lost_error: Optional[BaseException] = None
        #: Whether the server's SETTINGS arrived.
        self.settings_received = asyncio.Event()
        self._lost_event = asyncio.Event()
        self._task: Optional["asyncio.Task[None]"] = None

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        *,
        ca_file: str,
        server_hostname: str = "localhost",
        auto_ack: bool = True,
        timeout: float = TIMEOUT,
    ) -> H2Client:
        """Open a TLS connection (ALPN h2) and start HTTP/2."""
        context = ssl.create_default_context(cafile=ca_file)
        context.set_alpn_protocols(["h2"])
        reader, writer = await bounded(
            asyncio.open_connection(host, port, ssl=context, server_hostname=server_hostname),
            timeout,
        )
        ssl_object = writer.get_extra_info("ssl_object")
        assert ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2"
        client = cls(reader, writer, auto_ack=auto_ack)
        client.h2.initiate_connection()
        client.flush()
        client._task = asyncio.get_running_loop().create_task(client._read_loop())
        return client

    def flush(self) -> None:
        data = self.h2.data_to_send()
        if data and not self.writer.is_closing():
            self.writer.write(data)

    def send_raw(self, frame: bytes) -> None:
        """Write bytes behind ``h2``'s back (after what it has queued): for
        frames a well-behaved ``h2`` client would refuse to send."""
        self.flush()
        self.writer.write(frame)

    async def drain(self) -> None:
        if not self.lost and not self.writer.is_closing():
            try:
                await bounded(self.writer.drain(), TIMEOUT)
            except (ConnectionError, OSError):
                pass

    async def wait_settings(self, timeout: float = TIMEOUT) -> None:
        await bounded(self.settings_received.wait(), timeout)

    async def wait_lost(self, timeout: float = TIMEOUT) -> None:
        await bounded(self._lost_event.wait(), timeout)

    def request(
        self, headers: Sequence[Tuple[str, str]], *, end_stream: bool = False
    ) -> H2Stream:
        """Send request headers on a new stream."""
        stream_id = self.h2.get_next_available_stream_id()
        stream = H2Stream(self, stream_id)
        self.streams[stream_id] = stream
        self.h2.send_headers(stream_id, list(headers), end_stream=end_stream)
        self.flush()
        return stream

    async def _read_loop(self) -> None:
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                try:
                    events = self.h2.receive_data(data)
                except h2.exceptions.ProtocolError as exc:
                    self.lost_error = exc
                    break
                for event in events:
                    self._dispatch(event)
                self.flush()
        except (ConnectionError, OSError, ssl.SSLError) as exc:
            self.lost_error = exc
        finally:
            self.lost = True
            self._lost_event.set()
            for stream in self.streams.values():
                stream._wake()

    def _dispatch(self, event: h2.events.Event) -> None:
        stream = self.streams.get(getattr(event, "stream_id", 0) or 0)
        if isinstance(event, h2.events.ResponseReceived) and stream is not None:
            for name, value in event.headers or []:
                name_s = name.decode() if isinstance(name, bytes) else name
                value_s = value.decode() if isinstance(value, bytes) else value
                if name_s == ":status":
                    stream.status = int(value_s)
                else:
                    stream.headers[name_s] = value_s
            stream._wake()
        elif isinstance(event, h2.events.DataReceived):
            if self.auto_ack and event.flow_controlled_length:
                try:
                    self.h2.acknowledge_received_data(
                        event.flow_controlled_length, event.stream_id or 0
                    )
                except h2.exceptions.ProtocolError:
                    pass
            if stream is not None:
                stream._on_data(event.data or b"")
                stream._wake()
        elif isinstance(event, h2.events.StreamEnded) and stream is not None:
            stream.ended = True
            stream._wake()
        elif isinstance(event, h2.events.StreamReset) and stream is not None:
            stream.reset_code = int(event.error_code or 0)
            stream._wake()
        elif isinstance(event, h2.events.WindowUpdated):
            if stream is not None:
                stream.window_updates += 1
                stream._wake()
            else:
                for each in self.streams.values():
                    each._wake()
        elif isinstance(event, h2.events.RemoteSettingsChanged):
            self.settings_received.set()
            for each in self.streams.values():
                each._wake()
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = event
            for each in self.streams.values():
                each._wake()

    @property
    def remote_initial_window(self) -> int:
        return int(self.h2.remote_settings.initial_window_size)

    async def close(self) -> None:
        """Close the connection and stop the reader task."""
        if not self.lost and not self.writer.is_closing():
            try:
                self.h2.close_connection()
                self.flush()
            except h2.exceptions.ProtocolError:
                pass
        self.writer.close()
        try:
            await bounded(self.writer.wait_closed(), 5)
        except (asyncio.TimeoutError, ConnectionError, OSError, ssl.SSLError):
            self.writer.transport.abort()
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)
