"""A connection kept for a later stream is ready only once the server's SETTINGS have arrived.

White-box (``_httpsession._open_connection``), against a TLS HTTP/2 server
of the test's own that sends its SETTINGS only when told to. Also: a
connection given up while it is being opened (a warm client closed) leaves
no error behind for asyncio to log.
"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import AsyncIterator, List, Optional

import h2.config
import h2.connection
import pytest

from amazon_transcribe import _httpsession
from amazon_transcribe._httpsession import Timeouts, _Endpoint, _open_connection, _tls_context
from amazon_transcribe.emulator.certs import ensure_certificates, server_ssl_context
from amazon_transcribe.exceptions import HTTPException

WAIT = 10.0


class _LateSettingsServer(asyncio.Protocol):
    """Takes the client's preface and sends its own SETTINGS only on :meth:`send_settings`."""

    def __init__(self, order: List[str]) -> None:
        self.order = order
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        self.transport: Optional[asyncio.Transport] = None
        self.preface_seen = asyncio.Event()
        # Until SETTINGS are sent the client's bytes are held: the server's
        # SETTINGS must be its first frame, before any acknowledgement.
        self._held: Optional[bytes] = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self._held is not None:
            self._held += data
        else:
            self.h2.receive_data(data)
            self.transport.write(self.h2.data_to_send())  # type: ignore[union-attr]
        self.preface_seen.set()

    def send_settings(self) -> None:
        assert self.transport is not None
        self.order.append("server sent SETTINGS")
        self.h2.initiate_connection()
        self.h2.receive_data(self._held or b"")
        self._held = None
        self.transport.write(self.h2.data_to_send())


class _Server:
    def __init__(self, server: asyncio.AbstractServer, ca: Path) -> None:
        self.server = server
        self.ca = str(ca)
        self.protocols: List[_LateSettingsServer] = []
        self.order: List[str] = []
        self.connected = asyncio.Event()

    @property
    def endpoint(self) -> _Endpoint:
        port = self.server.sockets[0].getsockname()[1]
        return _Endpoint(f"https://localhost:{port}")


@pytest.fixture
async def late_server(tmp_path: Path) -> AsyncIterator[_Server]:
    paths = ensure_certificates(tmp_path)
    holder: List[_Server] = []

    def protocol() -> _LateSettingsServer:
        made = _LateSettingsServer(holder[0].order)
        holder[0].protocols.append(made)
        holder[0].connected.set()
        return made

    server = await asyncio.get_running_loop().create_server(
        protocol, "127.0.0.1", 0, ssl=server_ssl_context(paths)
    )
    holder.append(_Server(server, paths.ca_cert))
    try:
        yield holder[0]
    finally:
        for made in holder[0].protocols:
            if made.transport is not None:
                made.transport.abort()
        server.close()
        await server.wait_closed()


async def _open(server: _Server, *, settled: bool) -> object:
    return await _open_connection(
        server.endpoint,
        tls=_tls_context(server.ca),
        timeouts=Timeouts(connect=WAIT),
        ca_file=server.ca,
        settled=settled,
    )


async def _preface_taken(server: _Server) -> _LateSettingsServer:
    """The test server's first connection, once TLS is done and the client's preface is in."""
    await asyncio.wait_for(server.connected.wait(), WAIT)
    protocol = server.protocols[0]
    await asyncio.wait_for(protocol.preface_seen.wait(), WAIT)
    assert protocol.transport is not None
    return protocol


async def test_a_settled_connection_waits_for_the_servers_settings(late_server: _Server) -> None:
    opening = asyncio.ensure_future(_open(late_server, settled=True))
    try:
        server = await _preface_taken(late_server)
        # An unsettled connection would be returned by now.
        done, _ = await asyncio.wait({opening}, timeout=0.3)
        assert not done
        server.send_settings()
        connection = await asyncio.wait_for(opening, WAIT)
        late_server.order.append("connection returned")
    finally:
        opening.cancel()
    assert late_server.order == ["server sent SETTINGS", "connection returned"]
    assert connection.is_open()  # type: ignore[attr-defined]
    connection.close()  # type: ignore[attr-defined]


async def test_a_streams_own_connection_does_not_wait_for_settings(late_server: _Server) -> None:
    # The server never sends SETTINGS: the connection is still returned.
    connection = await asyncio.wait_for(_open(late_server, settled=False), WAIT)
    assert late_server.order == []
    connection.close()  # type: ignore[attr-defined]


async def test_a_server_that_never_sends_settings_costs_the_bound_then_the_connection_is_used(
    late_server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_httpsession, "_SETTLE_TIMEOUT", 0.05)
    connection = await asyncio.wait_for(_open(late_server, settled=True), WAIT)
    assert late_server.order == []
    assert connection.is_open()  # type: ignore[attr-defined]
    connection.close()  # type: ignore[attr-defined]


async def test_an_empty_settings_frame_counts_as_the_servers_settings(
    late_server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # RFC 9113 section 3.4: the server preface may hold no setting at all.
    monkeypatch.setattr(_httpsession, "_SETTLE_TIMEOUT", 3600.0)
    opening = asyncio.ensure_future(_open(late_server, settled=True))
    try:
        server = await _preface_taken(late_server)
        assert server.transport is not None
        server.transport.write(b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")  # SETTINGS, empty
        connection = await asyncio.wait_for(opening, WAIT)
    finally:
        opening.cancel()
    assert connection.is_open()  # type: ignore[attr-defined]
    connection.close()  # type: ignore[attr-defined]


async def test_a_server_that_closes_before_its_settings_fails_the_open_at_once(
    late_server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_httpsession, "_SETTLE_TIMEOUT", 3600.0)
    opening = asyncio.ensure_future(_open(late_server, settled=True))
    try:
        server = await _preface_taken(late_server)
        assert server.transport is not None
        server.transport.close()
        with pytest.raises(HTTPException, match="closed the connection before its SETTINGS"):
            await asyncio.wait_for(opening, WAIT)
    finally:
        opening.cancel()


async def test_a_connection_given_up_while_connecting_leaves_no_unretrieved_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Closing a warm client cancels a connection still being opened; the
    # CRT's later failure must not be logged as "exception was never retrieved".
    loop = asyncio.get_running_loop()
    accepted = asyncio.Event()
    transports: List[asyncio.BaseTransport] = []

    class Silent(asyncio.Protocol):  # accepts, never answers the TLS handshake
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            transports.append(transport)
            accepted.set()

    server = await loop.create_server(Silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    wrapped: List["asyncio.Future[object]"] = []
    real_wrap = asyncio.wrap_future

    def wrap(future: object, **kwargs: object) -> "asyncio.Future[object]":
        wrapped.append(real_wrap(future, **kwargs))  # type: ignore[arg-type]
        return wrapped[-1]

    monkeypatch.setattr(asyncio, "wrap_future", wrap)
    logged: List[str] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: logged.append(context["message"]))
    paths = ensure_certificates(tmp_path)
    try:
        opening = asyncio.ensure_future(
            _open_connection(
                _Endpoint(f"https://localhost:{port}"),
                tls=_tls_context(str(paths.ca_cert)),
                timeouts=Timeouts(connect=WAIT),
                settled=True,
            )
        )
        await asyncio.wait_for(accepted.wait(), WAIT)
        opening.cancel()
        with pytest.raises(asyncio.CancelledError):
            await opening
        transports[0].close()  # the CRT's handshake now fails
        given_up = wrapped.pop()
        await asyncio.wait_for(asyncio.wait({given_up}), WAIT)
        await asyncio.sleep(0)  # its done callbacks run
        del given_up
        gc.collect()
        assert not [message for message in logged if "never retrieved" in message]
    finally:
        loop.set_exception_handler(previous)
        server.close()
        await server.wait_closed()
