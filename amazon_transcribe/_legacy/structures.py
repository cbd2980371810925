"""0.6.4's ``structures`` module: the non-blocking byte buffer of its request body.

0.6.4 handed awscrt a :class:`BufferableByteStream` as the body of the
streaming request: the input stream wrote signed events into it, and the CRT
read from it, getting :class:`BlockingIOError` whenever it was empty. That
makes the reader poll, and it kept a CPU core busy for every open stream.
Our client writes through the HTTP/2 stream's manual-write API instead (see
:mod:`amazon_transcribe.transport`); the class is kept, with its semantics,
for code that builds on it.

Imports only the standard library.
"""

from __future__ import annotations

import collections
import enum
from io import BufferedIOBase
from typing import TYPE_CHECKING, Callable, Deque, List, Union

if TYPE_CHECKING:
    # The buffer protocols are only spelled in typeshed.
    from _typeshed import ReadableBuffer, WriteableBuffer

__all__ = ["BufferableByteStream"]


class _State(enum.Enum):
    # Open takes writes; ended drains what was written, then reads b"";
    # closed reads b"" at once. No way back from either.
    OPEN = "open"
    ENDED = "ended"
    CLOSED = "closed"


class BufferableByteStream(BufferedIOBase):
    """A byte buffer, always non-blocking, that one side writes and the other reads.

    Writes append whole ``bytes`` chunks. A read takes from the oldest chunk
    only (``read()`` returns that chunk, ``read(n)`` at most ``n`` bytes of
    it); when nothing is buffered it raises :class:`BlockingIOError` until
    :meth:`end_stream` (or :meth:`close`) is called, after which an empty
    buffer reads ``b""``.

    Our client never uses this class: a reader of it can only poll, retrying
    on :class:`BlockingIOError`, which is how 0.6.4 kept a CPU core busy per
    open stream. To feed bytes to a stream in tests, use
    :class:`amazon_transcribe.transport.MemoryTransport`; to send audio, the
    client's ``input_stream`` (:class:`amazon_transcribe.streams.AudioStream`),
    whose sends wait for room instead of queueing without limit.
    """

    def __init__(self) -> None:
        super().__init__()
        self._chunks: Deque[bytes] = collections.deque()
        self._state = _State.OPEN
        # Called after every change a read could see, so that a reader (the
        # legacy session manager) can wait for one instead of polling.
        self._listeners: List[Callable[[], None]] = []

    def _add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each write, end or close (from the writer's thread)."""
        self._listeners.append(listener)

    def _remove_listener(self, listener: Callable[[], None]) -> None:
        """Stop calling ``listener``; removing one that is not there is harmless."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def read(self, size: Union[int, None] = -1) -> bytes:
        """Read from the oldest buffered chunk.

        :param size: ``-1`` (or ``None``) for the whole oldest chunk, a
            positive number for at most that many bytes of it; ``0`` (or any
            other negative number) reads nothing.
        :returns: the bytes read; ``b""`` once the stream has ended and is
            drained, or has been closed.
        :raises BlockingIOError: nothing is buffered and the stream has not
            ended.
        """
        if self._state is _State.CLOSED:
            return b""
        if not self._chunks:
            if self._state is _State.OPEN:
                raise BlockingIOError("read")
            return b""
        chunk = self._chunks.popleft()
        if size is None or size == -1:
            return chunk
        taken = chunk[:size] if size > 0 else b""
        rest = chunk[len(taken) :]
        if rest:
            self._chunks.appendleft(rest)
        return taken

    def read1(self, size: int = -1) -> bytes:
        """Read as :meth:`read` does (one chunk is never split across calls).

        :param size: as for :meth:`read`.
        :returns: the bytes read.
        :raises BlockingIOError: nothing is buffered and the stream has not
            ended.
        """
        return self.read(size)

    def readinto(self, b: WriteableBuffer, read1: bool = False) -> int:
        """Read into a writable buffer.

        :param b: where to put the bytes; at most ``len(b)`` bytes (of a
            byte view of it) are read.
        :param read1: read with :meth:`read1` instead of :meth:`read`.
        :returns: how many bytes were written into ``b`` (``0`` at the end).
        :raises BlockingIOError: nothing is buffered and the stream has not
            ended.
        """
        view = b if isinstance(b, memoryview) else memoryview(b).cast("B")
        data = self.read1(len(view)) if read1 else self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def write(self, b: ReadableBuffer) -> int:
        """Append a chunk.

        :param b: the bytes to append (only :class:`bytes`; empty bytes are
            accepted and add nothing).
        :returns: ``len(b)``.
        :raises ValueError: ``b`` is not :class:`bytes`.
        :raises OSError: the stream has ended or is closed (0.6.4 raised
            ``IOError``, the same class).
        """
        if not isinstance(b, bytes):
            raise ValueError(
                "BufferableByteStream only takes bytes, "
                f"got {type(b).__name__}"
            )
        if self._state is not _State.OPEN:
            raise IOError("the stream has ended; it takes no more writes")
        if b:
            self._chunks.append(b)
            self._changed()
        return len(b)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._state is _State.CLOSED

    def close(self) -> None:
        """Close the stream: reads return ``b""`` and writes raise from now on.

        Unlike :meth:`end_stream`, bytes still buffered are never read.
        """
        self._state = _State.CLOSED
        self._chunks.clear()
        self._changed()

    def end_stream(self) -> None:
        """Declare that nothing more will be written.

        Buffered bytes can still be read; after them, reads return ``b""``.
        Ending a closed stream leaves it closed.
        """
        if self._state is _State.OPEN:
            self._state = _State.ENDED
            self._changed()
