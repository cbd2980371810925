"""Reads of a blocking byte stream (a pipe, a terminal, standard input) on a daemon thread.

The event loop never blocks on them: a thread reads a few chunks ahead and
hands each to the loop, and the loop's side is an async iterator.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import IO, AsyncIterator, Callable, Union

#: Chunks read ahead of the consumer, by default.
READ_AHEAD = 4


def read_on_thread(
    stream: IO[bytes], chunk_bytes: int, read_ahead: int = READ_AHEAD
) -> AsyncIterator[bytes]:
    """Blocking reads of a byte stream on a daemon thread, a few chunks ahead.

    A pipe or terminal can block forever; a daemon thread (not the default
    executor) does not keep the interpreter from exiting if the reader is
    abandoned. A semaphore bounds how far the thread reads ahead.

    :param stream: the binary stream (its file descriptor is read when it has one).
    :param chunk_bytes: bytes per read.
    :param read_ahead: chunks the thread may read before they are taken.
    :returns: the chunks, until the end of the stream; a read error is
        raised from the iteration.
    """
    loop = asyncio.get_running_loop()
    queue: "asyncio.Queue[Union[bytes, BaseException, None]]" = asyncio.Queue()
    credit = threading.Semaphore(read_ahead)
    stopped = threading.Event()

    def deliver(item: Union[bytes, BaseException, None]) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody is listening
            stopped.set()

    # Read the file descriptor when there is one: a daemon thread blocked in
    # a buffered object's read holds its lock, and the interpreter aborts
    # ("could not acquire lock ... at interpreter shutdown") if it exits then.
    read_some: Callable[[int], bytes]
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        read_some = stream.read
    else:
        read_some = lambda size: os.read(fd, size)  # noqa: E731

    def run() -> None:
        try:
            while not stopped.is_set():
                credit.acquire()
                if stopped.is_set():
                    return
                data = read_some(chunk_bytes)
                if not data:
                    deliver(None)
                    return
                deliver(data)
        except BaseException as exc:  # handed to the reader, re-raised there
            deliver(exc)

    thread = threading.Thread(target=run, name="amazon-transcribe-stdin", daemon=True)
    thread.start()

    async def read() -> AsyncIterator[bytes]:
        try:
            while True:
                item = await queue.get()
                credit.release()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stopped.set()
            credit.release()

    return read()
