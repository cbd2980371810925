"""The transport's bookkeeping of writes and receive credit, with a stand-in
for awscrt's stream (the real stack is exercised in tests/client)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
from typing import Any, List, Tuple

import pytest

from amazon_transcribe._httpsession import _FLUSH_GRID, HTTP2Stream, Timeouts
from amazon_transcribe.exceptions import HTTPException


class FakeCrtStream:
    """Completes each write at once, records window updates."""

    def __init__(self) -> None:
        self.completion_future: "concurrent.futures.Future[Any]" = concurrent.futures.Future()
        self.writes: List[Tuple[bytes, bool]] = []
        self.window_updates: List[int] = []
        self.written = asyncio.Event()
        self.written_at: List[float] = []

    def activate(self) -> None:
        pass

    def write_data(self, body: Any, end_stream: bool = False) -> "concurrent.futures.Future[None]":
        self.writes.append((body._stream.getvalue(), end_stream))
        self.written_at.append(asyncio.get_running_loop().time())
        self.written.set()
        future: "concurrent.futures.Future[None]" = concurrent.futures.Future()
        future.set_result(None)
        return future

    def update_window(self, increment: int) -> None:
        self.window_updates.append(increment)


class FakeConnection:
    def __init__(self) -> None:
        self.stream = FakeCrtStream()

    def request(self, request: Any, **kwargs: Any) -> FakeCrtStream:
        return self.stream

    def close(self) -> None:
        pass


def make_stream(read_window: int = 256 * 1024) -> Tuple[HTTP2Stream, FakeCrtStream]:
    connection = FakeConnection()
    stream = HTTP2Stream(
        asyncio.get_running_loop(), connection, Timeouts(),  # type: ignore[arg-type]
        write_window=64 * 1024, flow_control=True, read_window=read_window,
    )
    stream.start(object())  # type: ignore[arg-type]
    return stream, connection.stream


async def test_finished_writes_are_not_kept() -> None:
    # A paced stream writes far less than its window; the writes it has
    # finished must still be let go (each holds a future), not kept until
    # the window fills.
    stream, crt = make_stream()
    for n in range(50):
        crt.written.clear()
        stream.write(bytes([n]) * 100)
        await stream.wait_writable()
        await asyncio.wait_for(crt.written.wait(), 1)  # the next grid slot
    assert len(crt.writes) == 50
    assert [data for data, _ in crt.writes] == [bytes([n]) * 100 for n in range(50)]
    assert len(stream._writes) <= 1
    assert stream.bytes_in_flight == 0


async def test_writes_before_a_grid_slot_go_out_as_one() -> None:
    loop = asyncio.get_running_loop()
    stream, crt = make_stream()
    # Start just after a slot, so all five writes fall before the next one.
    slot = math.floor(loop.time() / _FLUSH_GRID) * _FLUSH_GRID + _FLUSH_GRID
    at_slot = loop.create_future()
    loop.call_at(slot, at_slot.set_result, None)
    await asyncio.wait_for(at_slot, 1)
    stream.write(b"idle")  # nothing in flight: handed over at once
    assert crt.writes == [(b"idle", False)]
    crt.written.clear()
    for n in range(5):
        stream.write(bytes([n]) * 10)
    assert len(crt.writes) == 1  # held until the slot (data went out within it)
    await asyncio.wait_for(crt.written.wait(), 1)
    assert crt.writes[1:] == [(b"".join(bytes([n]) * 10 for n in range(5)), False)]
    stream.write(b"end", end_stream=True)  # sent at once, not at the end of the turn
    assert crt.writes[-1] == (b"end", True)


async def test_receive_credit_is_returned_in_quarter_window_lumps() -> None:
    stream, crt = make_stream(read_window=64 * 1024)
    for _ in range(40):
        stream.consumed(1000)
    # 40,000 bytes taken: two lumps of >= 16 KiB went back, the rest waits.
    assert crt.window_updates == [17_000, 17_000]
    assert sum(crt.window_updates) + stream._unacked == 40_000


async def test_streams_of_one_loop_share_the_grid_slot() -> None:
    # Streams written at different moments within a slot go out together,
    # in one callback, so the CRT thread gets them in one burst.
    loop = asyncio.get_running_loop()
    pairs = [make_stream() for _ in range(3)]
    slot = math.floor(loop.time() / _FLUSH_GRID) * _FLUSH_GRID + _FLUSH_GRID
    at_slot = loop.create_future()
    loop.call_at(slot, at_slot.set_result, None)
    await asyncio.wait_for(at_slot, 1)
    for n, (stream, _) in enumerate(pairs):
        stream.write(bytes([n]) * 10)
        await asyncio.sleep(0)  # a later turn of the loop, same slot
    await asyncio.wait_for(asyncio.gather(*(crt.written.wait() for _, crt in pairs)), 1)
    # The first stream was idle and went at once; the others, written while
    # the loop's streams were busy, share the slot.
    times = [crt.written_at[0] for _, crt in pairs[1:]]
    # One callback: microseconds apart (another slot would be 5 ms later).
    assert max(times) - min(times) < _FLUSH_GRID / 5
    assert [crt.writes for _, crt in pairs] == [[(bytes([n]) * 10, False)] for n in range(3)]


async def test_completion_is_the_crt_streams_future_once_started() -> None:
    connection = FakeConnection()
    stream = HTTP2Stream(
        asyncio.get_running_loop(), connection, Timeouts(),  # type: ignore[arg-type]
        write_window=64 * 1024, flow_control=True,
    )
    with pytest.raises(HTTPException, match="never started"):
        stream.completion
    stream.start(object())  # type: ignore[arg-type]
    assert stream.completion is connection.stream.completion_future
