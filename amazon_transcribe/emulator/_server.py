"""The emulator's network server: a TLS listener, its HTTP/2 connections and stream tasks.

:class:`EmulatorServer` listens (TLS with ALPN ``h2``), makes one
:class:`~amazon_transcribe.emulator._connection.H2ServerConnection` per
accepted connection and one task running a
:class:`~amazon_transcribe.emulator._handler.StreamHandler` per request
stream, and owns them all: :meth:`EmulatorServer.close` cancels and awaits
every task and closes every connection, so nothing outlives it. The
listening, the task bookkeeping and the closing are shared with the
WebSocket server (:class:`~amazon_transcribe.emulator._listener.Listener`).

It knows nothing of certificates, engines or configuration defaults;
:class:`~amazon_transcribe.emulator.TranscribeEmulator` wires those.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import List, Tuple

from ._connection import (
    IDLE_CONNECTION_TIMEOUT,
    PREFACE_TIMEOUT,
    STREAM_WINDOW,
    H2ServerConnection,
    StreamChannel,
)
from ._handler import ServiceContext, StreamHandler
from ._listener import HANDSHAKE_TIMEOUT, Listener

__all__ = ["EmulatorServer"]

class EmulatorServer(Listener[H2ServerConnection]):
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
        super().__init__(
            ssl_context, host=host, port=port, handshake_timeout=handshake_timeout,
            name="HTTP/2 server",
        )
        self._preface_timeout = preface_timeout
        self._idle_connection_timeout = idle_connection_timeout
        self._context = context
        self._idle_waiters: List["asyncio.Future[None]"] = []

    def _new_connection(self) -> H2ServerConnection:
        window = self._context.faults.connection_window()
        # Counted once TLS is up: a failed handshake never makes the
        # connection (and never reports it lost).
        return H2ServerConnection(
            connection_id=self._take_connection_id(),
            on_request=self._on_request,
            on_closed=self._connection_closed,
            initial_window=STREAM_WINDOW if window is None else window,
            preface_timeout=self._preface_timeout,
            idle_timeout=self._idle_connection_timeout,
            on_made=self._connections.add,
        )

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
        self._run(StreamHandler(self._context, channel, headers))

    async def _close_connections(self) -> None:
        connections = list(self._connections)
        if connections:
            await asyncio.gather(
                *(connection.close("server-closed") for connection in connections),
                return_exceptions=True,
            )
