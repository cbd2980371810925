"""The warm connection: one HTTP/2 connection kept open for the next stream.

The service serves one stream per connection, so every stream start pays
for TCP, TLS and the HTTP/2 SETTINGS exchange before its request can go
out. A client made with ``warm_connection=True`` keeps one connection ready
instead: opened in the background when a stream ends (or when asked to),
taken by the next stream start, which then costs one round trip.

A warm connection carries no credentials and no signature: the request is
signed when a stream takes it, exactly as on a fresh connection. It is
closed after :data:`WARM_IDLE_TIMEOUT` seconds without a stream start, and
replaced when the server closes it before then (at most once per
:data:`MIN_WARM_LIFETIME`, so a server that refuses idle connections costs
one attempt per stream start, not a loop).

Everything here runs on the event loop that made the object; the only
callback from a CRT thread (the connection's shutdown) is handed over with
``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional

from awscrt.http import Http2ClientConnection

__all__ = ["WarmConnection", "WARM_IDLE_TIMEOUT", "MIN_WARM_LIFETIME"]

logger = logging.getLogger("amazon_transcribe.httpsession")

#: Seconds a warm connection waits for a stream before it is closed.
WARM_IDLE_TIMEOUT = 30.0
#: A warm connection the server closed sooner than this is not replaced
#: until the next stream start.
MIN_WARM_LIFETIME = 1.0

#: Opens a connection to the endpoint the key names.
Opener = Callable[[], Awaitable[Http2ClientConnection]]


class WarmConnection:
    """Keeps at most one open, unused connection for one endpoint.

    :param idle_timeout: seconds an unused connection is kept.
    :param clock: the loop's clock by default (tests inject one).
    """

    def __init__(
        self,
        *,
        idle_timeout: float = WARM_IDLE_TIMEOUT,
        clock: Optional[Callable[[], float]] = None,
    ) -> None:
        self._idle_timeout = idle_timeout
        self._clock = clock
        self._key: Optional[str] = None
        self._connection: Optional[Http2ClientConnection] = None
        self._opened_at = 0.0
        self._opening: Optional["asyncio.Task[None]"] = None
        self._expiry: Optional[asyncio.TimerHandle] = None
        self._opener: Optional[Opener] = None
        self._last_error: Optional[Exception] = None
        self._closed = False

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    @property
    def ready(self) -> bool:
        """Whether an open connection is waiting for a stream."""
        return self._connection is not None and self._connection.is_open()

    def take(self, key: str) -> Optional[Http2ClientConnection]:
        """Take the warm connection for ``key`` (an endpoint URL), if one is open.

        :param key: the endpoint the stream goes to; a warm connection to
            another endpoint is closed.
        :returns: the connection (the caller owns it now), or ``None``.
        """
        connection, self._connection = self._connection, None
        self._cancel_expiry()
        if connection is None:
            return None
        if key != self._key or not connection.is_open():
            connection.close()
            return None
        return connection

    def prepare(self, key: str, opener: Opener) -> None:
        """Open a connection for ``key`` in the background, unless one is ready or opening.

        Failures are quiet (logged at debug level): the next stream then
        connects as usual.

        :param key: the endpoint the connection goes to.
        :param opener: opens it.
        """
        if self._closed:
            return
        if key != self._key:
            stale, self._connection = self._connection, None
            if stale is not None:
                stale.close()
            if self._opening is not None:
                self._opening.cancel()
                self._opening = None
        self._key, self._opener = key, opener
        if self._opening is not None or self.ready:
            self._arm_expiry()
            return
        self._opening = asyncio.get_running_loop().create_task(self._open(key, opener))

    async def open_now(self, key: str, opener: Opener) -> None:
        """Open the warm connection now (or wait for the one opening) and return when it is ready.

        :param key: the endpoint the connection goes to.
        :param opener: opens it.
        :raises HTTPException: connecting failed.
        """
        self.prepare(key, opener)
        task = self._opening
        if task is not None:
            # Shielded: a cancelled caller leaves the connection opening.
            await asyncio.shield(task)
            if self._connection is None and self._last_error is not None:
                raise self._last_error

    async def _open(self, key: str, opener: Opener) -> None:
        self._last_error = None
        try:
            connection = await opener()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.debug("the warm connection could not be opened", exc_info=True)
            self._last_error = exc
            return
        finally:
            if self._opening is asyncio.current_task():
                self._opening = None
        if self._closed or key != self._key or self._connection is not None:
            connection.close()
            return
        self._connection = connection
        self._opened_at = self._now()
        loop = asyncio.get_running_loop()
        connection.shutdown_future.add_done_callback(
            lambda _future: _call_soon(loop, self._lost, connection)
        )
        self._arm_expiry()

    def _arm_expiry(self) -> None:
        self._cancel_expiry()
        if self._connection is not None:
            self._expiry = asyncio.get_running_loop().call_later(self._idle_timeout, self._expire)

    def _cancel_expiry(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None

    def _expire(self) -> None:
        self._expiry = None
        connection, self._connection = self._connection, None
        if connection is not None:
            logger.debug("the warm connection was idle for %g s: closed", self._idle_timeout)
            connection.close()

    def _lost(self, connection: Http2ClientConnection) -> None:
        """The server (or the network) closed a connection; replace it if it was the warm one."""
        if connection is not self._connection:
            return  # taken by a stream, expired or replaced: not ours to mind
        self._connection = None
        self._cancel_expiry()
        lived = self._now() - self._opened_at
        if self._closed or self._key is None or self._opener is None:
            return
        if lived < MIN_WARM_LIFETIME:
            logger.debug("the server closed the warm connection after %.3f s: not replaced", lived)
            return
        logger.debug("the server closed the warm connection: replacing it")
        self.prepare(self._key, self._opener)

    async def aclose(self) -> None:
        """Close the warm connection and stop opening one; safe to call twice."""
        self._closed = True
        self._cancel_expiry()
        task, self._opening = self._opening, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[..., Any], *args: Any) -> None:
    # Runs on a CRT thread when the connection shuts down.
    try:
        loop.call_soon_threadsafe(callback, *args)
    except RuntimeError:  # the loop is closed: nobody is left to tell
        pass
