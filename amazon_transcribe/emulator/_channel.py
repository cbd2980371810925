"""What every stream channel of the emulator shares, whatever carries the stream.

A channel is the only interface a stream's handler sees
(:class:`~amazon_transcribe.emulator._connection.StreamChannel` over
HTTP/2, :class:`~amazon_transcribe.emulator._websocket.WebSocketChannel`
over a WebSocket). Only the handler's task waits on it, so one future
signals every change (data, end of input, reset, window, interrupt) and the
waiting code re-checks its condition. Deadlines are timer callbacks on that
future rather than :func:`asyncio.wait_for`, whose Python 3.9-3.11
versions can swallow a cancellation that races with the wake-up.
"""

from __future__ import annotations

import asyncio
from typing import Optional

__all__ = ["StreamGone", "ChannelWaits"]


class StreamGone(Exception):
    """The stream cannot be used any more.

    :param reason: why, in the terms of
        :mod:`~amazon_transcribe.emulator.records` (``reset``,
        ``client-closed``, ``fault:goaway``...).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        #: Why the stream is gone.
        self.reason = reason


def _expire(waiter: "asyncio.Future[bool]") -> None:
    if not waiter.done():
        waiter.set_result(False)


class ChannelWaits:
    """Waiting for a change, interrupts, and the stream's end, for a channel.

    Made on the event loop that serves the stream.
    """

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._waiter: Optional["asyncio.Future[bool]"] = None
        self._buffered = 0
        self._gone: Optional[str] = None
        self._interrupt: Optional[BaseException] = None
        self._released = False

    @property
    def gone(self) -> Optional[str]:
        """Why the stream is unusable, or ``None`` while it is usable."""
        return self._gone

    @property
    def buffered(self) -> int:
        """Bytes received and not yet read."""
        return self._buffered

    def wake(self) -> None:
        """Make the handler re-check whatever it waits for."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(True)

    async def _wait(self, deadline: Optional[float] = None) -> bool:
        """Wait for the next :meth:`wake` (the caller has checked its
        condition just before, with no await in between, so no wake-up
        can be missed).

        :returns: ``False`` if the deadline passed first.
        """
        waiter: "asyncio.Future[bool]" = self._loop.create_future()
        self._waiter = waiter
        timer = self._loop.call_at(deadline, _expire, waiter) if deadline is not None else None
        try:
            return await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    def interrupt(self, exc: BaseException) -> None:
        """Make the handler's next wait (read or send) raise ``exc``.

        A send that is half way through a message raises it too; the handler
        then knows (``can_send_message``) that it cannot send another message
        and resets the stream instead.

        :param exc: what to raise (only the latest interrupt is kept).
        """
        if self._gone is None and not self._released:
            self._interrupt = exc
            self.wake()

    def _take_interrupt(self) -> None:
        exc, self._interrupt = self._interrupt, None
        if exc is not None:
            raise exc

    def _check_gone(self) -> None:
        if self._gone is not None:
            raise StreamGone(self._gone)

    async def wait_changed(self) -> None:
        """Wait for any change of the channel (or a :meth:`wake`).

        Interrupts are left pending for the next read or send.

        :raises StreamGone: the stream is gone.
        """
        self._check_gone()
        await self._wait()
        self._check_gone()
