"""The emulator's network server: a TLS listener, its HTTP/2 connections and stream tasks.

:class:`EmulatorServer` listens (TLS with ALPN ``h2``), makes one
:class:`~amazon_transcribe.emulator._connection.H2ServerConnection` per
accepted connection and one task running a
:class:`~amazon_transcribe.emulator._handler.StreamHandler` per request
stream, and owns them all: :meth:`EmulatorServer.close` closes every
connection and cancels and awaits every task, so nothing outlives it.

It knows nothing of certificates, engines or configuration defaults;
:class:`~amazon_transcribe.emulator.TranscribeEmulator` wires those.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import List, Optional, Set, Tuple

from ._connection import (
    IDLE_CONNECTION_TIMEOUT,
    PREFACE_TIMEOUT,
    STREAM_WINDOW,
    H2ServerConnection,
    StreamChannel,
)
from ._handler import ServiceContext, StreamHandler

__all__ = ["EmulatorServer"]

_log = logging.getLogger("amazon_transcribe.emulator")

#: Seconds :meth:`EmulatorServer.close` waits for stream tasks to finish
#: after cancelling them.
TASK_CANCEL_TIMEOUT = 5.0
#: Seconds a client has to complete the TLS handshake.
HANDSHAKE_TIMEOUT = 5.0


class EmulatorServer:
    """Serves the emulator's operations on one listening socket.

    :param context: what the stream handlers share (engine, records...).
    :param ssl_context: the server TLS context (ALPN ``h2``).
    :param host: the address to listen on.
    :param port: the port (0 picks a free one).
    :param handshake_timeout: seconds a client has to complete TLS.
    :param preface_timeout: seconds a client has, after TLS, to send the
        HTTP/2 preface.
    :param idle_connection_timeout: seconds a connection may stay open with
        no stream.
    """

    def __init__(
        self,
        context: ServiceContext,
        ssl_context: ssl.SSLContext,
        *,
        host: str,
        port: int,
        handshake_timeout: float = HANDSHAKE_TIMEOUT,
        preface_timeout: float = PREFACE_TIMEOUT,
        idle_connection_timeout: float = IDLE_CONNECTION_TIMEOUT,
    ) -> None:
        self._handshake_timeout = handshake_timeout
        self._preface_timeout = preface_timeout
        self._idle_connection_timeout = idle_connection_timeout
        self._context = context
        self._ssl_context = ssl_context
        self._host = host
        self._port = port
        self._server: Optional[asyncio.Server] = None
        self._connections: Set[H2ServerConnection] = set()
        self._tasks: Set["asyncio.Task[None]"] = set()
        self._next_connection_id = 1
        self._closing = False
        self._idle_waiters: List["asyncio.Future[None]"] = []

    async def start(self) -> None:
        """Start listening.

        :raises OSError: the address cannot be bound.
        """
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._new_connection,
            host=self._host,
            port=self._port,
            ssl=self._ssl_context,
            ssl_handshake_timeout=self._handshake_timeout,
            # Hundreds of clients may connect at once (load tests); the
            # default backlog of 100 would make the rest retry SYNs.
            backlog=1024,
        )

    @property
    def address(self) -> Tuple[str, int]:
        """The bound ``(host, port)`` of the first listening socket.

        :raises RuntimeError: the server is not started.
        """
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the server is not started")
        name = self._server.sockets[0].getsockname()
        return str(name[0]), int(name[1])

    @property
    def connections(self) -> int:
        """Connections currently open."""
        return len(self._connections)

    @property
    def running_streams(self) -> int:
        """Stream tasks currently running."""
        return len(self._tasks)

    def _new_connection(self) -> H2ServerConnection:
        connection_id = self._next_connection_id
        self._next_connection_id += 1
        window = self._context.faults.connection_window()
        connection = H2ServerConnection(
            connection_id=connection_id,
            on_request=self._on_request,
            on_closed=self._connection_closed,
            initial_window=STREAM_WINDOW if window is None else window,
            preface_timeout=self._preface_timeout,
            idle_timeout=self._idle_connection_timeout,
            on_made=self._connections.add,
        )
        # Counted once TLS is up: a failed handshake never makes the
        # connection (and never reports it lost).
        return connection

    def _connection_closed(self, connection: H2ServerConnection) -> None:
        self._connections.discard(connection)
        if not self._connections:
            waiters, self._idle_waiters = self._idle_waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def wait_no_connections(self, timeout: float) -> None:
        """Wait until no client connection is open.

        :param timeout: seconds to wait at most.
        :raises asyncio.TimeoutError: connections were still open.
        """
        if not self._connections:
            return
        waiter: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()
        self._idle_waiters.append(waiter)
        # asyncio.wait (not wait_for): a timeout here must not eat a cancellation.
        done, _ = await asyncio.wait({waiter}, timeout=timeout)
        if not done:
            waiter.cancel()
            raise asyncio.TimeoutError(f"{len(self._connections)} connections still open")

    def _on_request(self, channel: StreamChannel, headers: List[Tuple[str, str]]) -> None:
        if self._closing:
            channel.reset(0x7)  # REFUSED_STREAM: safe for the client to retry
            channel.release()
            return
        handler = StreamHandler(self._context, channel, headers)
        task = asyncio.get_running_loop().create_task(handler.run())
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: "asyncio.Task[None]") -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # StreamHandler.run() contains its errors; this is a bug.
            _log.error("stream task failed", exc_info=task.exception())

    async def close(self) -> None:
        """Stop listening, close every connection, cancel and await every stream task."""
        if self._closing:
            return
        self._closing = True
        if self._server is not None:
            self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=TASK_CANCEL_TIMEOUT)
            if pending:
                _log.warning("%d stream tasks did not end on cancellation", len(pending))
        connections = list(self._connections)
        if connections:
            await asyncio.gather(
                *(connection.close("server-closed") for connection in connections),
                return_exceptions=True,
            )
        if self._server is not None:
            closing = asyncio.ensure_future(self._server.wait_closed())
            try:
                await asyncio.wait({closing}, timeout=TASK_CANCEL_TIMEOUT)
            finally:
                if not closing.done():
                    closing.cancel()
                    _log.warning("the listening socket did not close in time")
