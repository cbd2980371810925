"""What the emulator's two servers (HTTP/2 and WebSocket) share.

A TLS listening socket, the connections it accepted, one task per stream
(running a :class:`~amazon_transcribe.emulator._handler.StreamHandler`),
and closing it all so that nothing outlives the server: stop listening,
cancel and await every stream task, close every connection. What a
connection is, and how it is closed, is each server's own.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Generic, Optional, Set, Tuple, TypeVar

from ._handler import StreamHandler

__all__ = ["Listener", "TASK_CANCEL_TIMEOUT", "HANDSHAKE_TIMEOUT"]

_log = logging.getLogger("amazon_transcribe.emulator")

#: Seconds :meth:`Listener.close` waits for stream tasks to finish after
#: cancelling them (and for the listening socket to close).
TASK_CANCEL_TIMEOUT = 5.0
#: Seconds a client has to complete the TLS handshake.
HANDSHAKE_TIMEOUT = 5.0

_Connection = TypeVar("_Connection", bound=asyncio.Protocol)


class Listener(Generic[_Connection]):
    """A listening socket, its connections and their stream tasks.

    A server says how it makes a connection (:meth:`_new_connection`) and
    closes them (:meth:`_close_connections`).

    :param ssl_context: the TLS context.
    :param host: the address to listen on.
    :param port: the port (0 picks a free one).
    :param handshake_timeout: seconds a client has to complete TLS.
    :param name: what the server is called in messages.
    """

    def __init__(
        self,
        ssl_context: ssl.SSLContext,
        *,
        host: str,
        port: int,
        handshake_timeout: float,
        name: str,
    ) -> None:
        self._ssl_context = ssl_context
        self._host = host
        self._port = port
        self._handshake_timeout = handshake_timeout
        self._name = name
        self._server: Optional[asyncio.Server] = None
        self._connections: Set[_Connection] = set()
        self._tasks: Set["asyncio.Task[None]"] = set()
        self._next_connection_id = 1
        self._closing = False

    async def start(self) -> None:
        """Start listening.

        :raises OSError: the address cannot be bound.
        """
        self._server = await asyncio.get_running_loop().create_server(
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
            raise RuntimeError(f"the {self._name} is not started")
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

    def _new_connection(self) -> _Connection:
        """Make the protocol of a connection being accepted."""
        raise NotImplementedError

    def _take_connection_id(self) -> int:
        connection_id = self._next_connection_id
        self._next_connection_id += 1
        return connection_id

    def _run(self, handler: StreamHandler) -> None:
        """Serve a stream in a task the server owns."""
        task = asyncio.get_running_loop().create_task(handler.run())
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: "asyncio.Task[None]") -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # StreamHandler.run() contains its errors; this is a bug.
            _log.error("%s: a stream task failed", self._name, exc_info=task.exception())

    async def _close_connections(self) -> None:
        """Close every open connection (their streams' tasks are over)."""
        raise NotImplementedError

    async def close(self) -> None:
        """Stop listening, cancel and await every stream task, close every connection."""
        if self._closing:
            return
        self._closing = True
        if self._server is not None:
            self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=TASK_CANCEL_TIMEOUT)
            if pending:
                _log.warning("%s: %d stream tasks did not end on cancellation",
                             self._name, len(pending))
        await self._close_connections()
        if self._server is not None:
            closing = asyncio.ensure_future(self._server.wait_closed())
            try:
                await asyncio.wait({closing}, timeout=TASK_CANCEL_TIMEOUT)
            finally:
                if not closing.done():
                    closing.cancel()
                    _log.warning("%s: the listening socket did not close in time", self._name)
