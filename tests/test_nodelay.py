"""TCP_NODELAY on the SDK's connections, and on nothing else (see ``amazon_transcribe._nodelay``).

The emulator runs in this process, so the test reads the client's sockets
itself: the sockets whose *peer* is the emulator's port are client-side
ones (the emulator's accepted sockets have that port as their own).

White-box on purpose (it reads ``_nodelay``'s tag registry and wraps
``_httpsession``'s connect), so it lives here beside the transport's other
white-box tests; ``tests/client`` uses the public API only.
"""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any, Dict, Iterator, List

import pytest

from amazon_transcribe import _httpsession, _nodelay
from amazon_transcribe.emulator import TranscribeEmulator

from tests.client.support import make_client, sha256, start

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self/fd"), reason="reads the process's sockets from /proc"
)

CHUNK = b"\x01\x00" * 1600


def _sockets_to(port: int) -> Iterator[socket.socket]:
    """Duplicates of this process's TCP sockets connected to ``port`` (close them)."""
    for name in os.listdir("/proc/self/fd"):
        try:
            duplicate = os.dup(int(name))
        except OSError:
            continue
        try:
            sock = socket.socket(fileno=duplicate)
        except OSError:
            os.close(duplicate)
            continue
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.getpeername()[1] == port:
                yield sock
                continue
        except OSError:
            pass
        sock.close()


def _options(port: int) -> List[Dict[str, Any]]:
    found = []
    for sock in _sockets_to(port):
        with sock:
            found.append({
                "local": sock.getsockname()[:2],
                "nodelay": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
                "keepalive": sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
            })
    return found


async def test_every_connection_has_nodelay_and_keepalive_stays_off(
    transcribe_emulator: TranscribeEmulator,
) -> None:
    async with make_client(transcribe_emulator) as client:
        streams = [await start(client), await start(client)]
        options = _options(transcribe_emulator.port)
        assert len(options) == 2
        assert [o["nodelay"] for o in options] == [1, 1]
        # The tag that found the socket is inert: keep-alive itself is off.
        assert [o["keepalive"] for o in options] == [0, 0]
        for stream in streams:
            await stream.input_stream.end_stream()
            assert [e async for e in stream.output_stream] == []
    assert _nodelay._tags_in_use == set()


async def test_sockets_the_sdk_did_not_open_are_untouched(
    transcribe_emulator: TranscribeEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = ("127.0.0.1", transcribe_emulator.port)
    before = socket.create_connection(address, timeout=5)  # open before the stream
    during: List[socket.socket] = []
    connect = _httpsession._connect

    async def connect_with_a_neighbour(*args: Any, **kwargs: Any) -> Any:
        # A non-blocking socket to the same server, opened while the SDK
        # connects: new since its snapshot, like the SDK's own socket.
        neighbour = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        neighbour.setblocking(False)
        neighbour.connect_ex(address)
        during.append(neighbour)
        return await connect(*args, **kwargs)

    monkeypatch.setattr(_httpsession, "_connect", connect_with_a_neighbour)
    try:
        async with make_client(transcribe_emulator) as client:
            stream = await start(client)
            foreign = {before.getsockname()[:2], during[0].getsockname()[:2]}
            options = {tuple(o["local"]): o["nodelay"] for o in _options(transcribe_emulator.port)}
            assert set(options) > foreign and len(options) == 3
            assert {options[local] for local in foreign} == {0}
            (own,) = set(options) - foreign
            assert options[own] == 1
            await stream.input_stream.end_stream()
            assert [e async for e in stream.output_stream] == []
    finally:
        before.close()
        for sock in during:
            sock.close()


async def test_without_a_descriptor_listing_streams_work_without_nodelay(
    transcribe_emulator: TranscribeEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A platform without /proc (or /dev/fd): the lookup fails, quietly.
    monkeypatch.setattr(_nodelay, "_FD_DIRS", ("/nonexistent/fd",))
    async with make_client(transcribe_emulator) as client:
        stream = await start(client)
        (own,) = _options(transcribe_emulator.port)
        assert own["nodelay"] == 0
        with next(_sockets_to(transcribe_emulator.port)) as sock:
            # No tag either: the keep-alive probe count is the kernel's default.
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) != _nodelay._TAG_PROBES
        await stream.input_stream.send_audio_event(CHUNK)
        await stream.input_stream.end_stream()
        assert [e async for e in stream.output_stream] == []
    # The stream worked: the emulator got the audio whole.
    assert transcribe_emulator.records[-1].audio_sha256 == sha256(CHUNK)


def test_tags_are_unique_among_connections_opening_at_once() -> None:
    tags = [_nodelay.ConnectionTag() for _ in range(3)]
    try:
        seconds = [t.keep_alive_seconds for t in tags]
        assert all(t.active for t in tags)
        assert len(set(seconds)) == 3
        assert all(_nodelay._TAG_FIRST <= s <= _nodelay._TAG_LAST for s in seconds)
        assert {t.keep_alive_probes for t in tags} == {_nodelay._TAG_PROBES}
    finally:
        for tag in tags:
            tag.release()
            tag.release()  # twice is harmless
    assert not set(seconds) & _nodelay._tags_in_use


def test_a_tag_finds_nothing_when_no_new_socket_carries_it() -> None:
    tag = _nodelay.ConnectionTag()
    unrelated = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    unrelated.setblocking(False)
    try:
        assert tag.set_nodelay() is False
        assert unrelated.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    finally:
        unrelated.close()
        tag.release()


async def test_the_old_behaviour_switch_leaves_the_socket_as_awscrt_made_it(
    transcribe_emulator: TranscribeEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_httpsession, "_TCP_NODELAY", False)
    async with make_client(transcribe_emulator) as client:
        stream = await start(client)
        assert [o["nodelay"] for o in _options(transcribe_emulator.port)] == [0]
        await asyncio.wait_for(stream.input_stream.end_stream(), 5)
        assert [e async for e in stream.output_stream] == []
