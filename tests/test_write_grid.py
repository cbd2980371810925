"""When writes reach the CRT: at once on an idle stream, on the 5 ms grid under load.

:class:`~amazon_transcribe._httpsession.HTTP2Stream` runs here on a fake
awscrt connection that records each ``write_data`` call as it happens (the
CRT's side is not what is tested); write completions are futures the test
completes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any, List, Tuple

from amazon_transcribe import _httpsession
from amazon_transcribe._httpsession import HTTP2Stream, Timeouts


class _FakeCrtStream:
    def __init__(self) -> None:
        self.completion_future: "concurrent.futures.Future[Any]" = concurrent.futures.Future()
        #: (body bytes, end_stream, the write's completion) per write_data call.
        self.writes: List[Tuple[bytes, bool, "concurrent.futures.Future[Any]"]] = []
        self.written = asyncio.Event()

    def activate(self) -> None:
        pass

    def write_data(self, body: Any, end_stream: bool) -> "concurrent.futures.Future[Any]":
        done: "concurrent.futures.Future[Any]" = concurrent.futures.Future()
        self.writes.append((_read_as_the_crt_does(body), end_stream, done))
        self.written.set()
        return done


def _read_as_the_crt_does(body: Any) -> bytes:
    buffer = bytearray(1 << 16)
    size = body._read_into_memoryview(memoryview(buffer))
    return bytes(buffer[: size or 0])


class _FakeConnection:
    def __init__(self) -> None:
        self.stream = _FakeCrtStream()

    def request(self, request: Any, **kwargs: Any) -> _FakeCrtStream:
        return self.stream

    def close(self) -> None:
        pass


def _open() -> Tuple[HTTP2Stream, _FakeCrtStream]:
    connection = _FakeConnection()
    stream = HTTP2Stream(
        asyncio.get_running_loop(), connection, Timeouts(), 1 << 20, flow_control=False  # type: ignore[arg-type]
    )
    stream.start(object())  # type: ignore[arg-type]
    return stream, connection.stream


async def test_an_idle_streams_write_goes_to_the_crt_at_once() -> None:
    stream, crt = _open()
    stream.write(b"first chunk")
    # Handed over inside write(): no timer, no loop iteration in between.
    assert [w[0] for w in crt.writes] == [b"first chunk"]
    stream.close()


async def test_writes_behind_one_in_flight_wait_for_the_grid_and_go_as_one() -> None:
    stream, crt = _open()
    stream.write(b"a")
    assert len(crt.writes) == 1  # in flight: not completed by the CRT yet
    stream.write(b"b")
    stream.write(b"c")
    assert len(crt.writes) == 1  # held for the next grid slot
    crt.written.clear()
    await asyncio.wait_for(crt.written.wait(), 1)
    assert [w[0] for w in crt.writes] == [b"a", b"bc"]
    stream.close()


async def test_under_load_an_idle_stream_joins_the_grid() -> None:
    loaded = [_open() for _ in range(2)]
    (first, first_crt), (second, second_crt) = loaded
    first.write(b"1")
    # Data handed over within this slot: the loop's streams are under load,
    # so even an idle stream's write waits for the shared slot.
    second.write(b"2")
    assert (len(first_crt.writes), len(second_crt.writes)) == (1, 0)
    await asyncio.wait_for(second_crt.written.wait(), 1)
    assert [w[0] for w in second_crt.writes] == [b"2"]
    for stream, _ in loaded:
        stream.close()


async def test_the_end_of_a_stream_goes_at_once_and_does_not_count_as_load() -> None:
    ending, ending_crt = _open()
    ending.write(b"last", end_stream=True)
    assert [(w[0], w[1]) for w in ending_crt.writes] == [(b"last", True)]
    # The next stream (a voice agent's next turn) is not held back by it.
    other, other_crt = _open()
    other.write(b"y")
    assert [w[0] for w in other_crt.writes] == [b"y"]
    for stream in (ending, other):
        stream.close()


async def test_the_old_behaviour_switch_puts_every_write_on_the_grid(monkeypatch: Any) -> None:
    monkeypatch.setattr(_httpsession, "_IDLE_WRITES_AT_ONCE", False)
    stream, crt = _open()
    stream.write(b"held")
    assert crt.writes == []
    await asyncio.wait_for(crt.written.wait(), 1)
    assert [w[0] for w in crt.writes] == [b"held"]
    stream.close()
