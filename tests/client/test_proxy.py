"""Streams through a real HTTP CONNECT proxy (tinyproxy) on loopback.

The TLS session to the service runs inside the tunnel: the proxy logs the
CONNECT and nothing of the request. ``NO_PROXY`` bypasses it; Basic auth
works, and a wrong password is a clear, non-retryable error.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.exceptions import HTTPException

from .aws_env import aws_home  # noqa: F401  (a fixture)
from .support import collect, make_client, send_all, start
from .tinyproxy import tinyproxy

AUTH = ("alice", "s3cret")


async def one_stream(emulator: TranscribeEmulator, **options: object) -> None:
    async with make_client(emulator, **options) as client:
        stream = await start(client)
        await asyncio.wait_for(
            asyncio.gather(send_all(stream, b"\x00\x00" * 3200), collect(stream)), 10)
    assert emulator.records[-1].end_reason == "completed"


async def test_https_proxy_carries_the_stream_and_no_proxy_bypasses_it(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    transcribe_emulator: TranscribeEmulator,
) -> None:
    emulator = transcribe_emulator
    async with tinyproxy(tmp_path, connect_port=emulator.port) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url())
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.0/8")
        await one_stream(emulator)  # bypassed: NO_PROXY's CIDR holds 127.0.0.1
        monkeypatch.setenv("NO_PROXY", "example.org")
        await one_stream(emulator)  # through the proxy
        await proxy.wait_for("): CONNECT ")
        # Exactly one tunnel, to the emulator: the first stream went direct.
        assert proxy.connects() == [f"CONNECT 127.0.0.1:{emulator.port} HTTP/1.1"]
        # Inside the tunnel, TLS: the proxy saw no request path or header.
        assert not any("/stream-transcription" in line for line in proxy.lines)
        assert [r.end_reason for r in emulator.records] == ["completed", "completed"]


async def test_lowercase_https_proxy_and_the_option(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    transcribe_emulator: TranscribeEmulator,
) -> None:
    emulator = transcribe_emulator
    async with tinyproxy(tmp_path, connect_port=emulator.port) as proxy:
        monkeypatch.setenv("https_proxy", proxy.url())
        await one_stream(emulator)
        await proxy.wait_for("): CONNECT ", 1)
        # proxy="" connects directly whatever the environment says.
        await one_stream(emulator, proxy="")
        monkeypatch.delenv("https_proxy")
        await one_stream(emulator, proxy=proxy.url())
        await proxy.wait_for("): CONNECT ", 2)
        assert len(proxy.connects()) == 2


async def test_basic_auth(
    aws_home: Path, tmp_path: Path, transcribe_emulator: TranscribeEmulator,
) -> None:
    emulator = transcribe_emulator
    async with tinyproxy(tmp_path, connect_port=emulator.port, basic_auth=AUTH) as proxy:
        await one_stream(emulator, proxy=proxy.url(AUTH))
        await proxy.wait_for("): CONNECT ")
        assert proxy.connects() == [f"CONNECT 127.0.0.1:{emulator.port} HTTP/1.1"]
        for credentials in [("alice", "wrong"), None]:
            async with make_client(emulator, proxy=proxy.url(credentials)) as client:
                with pytest.raises(HTTPException) as info:
                    await asyncio.wait_for(start(client), 10)
            message = str(info.value)
            assert f"the proxy 127.0.0.1:{proxy.port} refused to open a tunnel" in message
            assert ("check the user name and password" if credentials
                    else "does it need a user name and password") in message
            assert "wrong" not in message  # no secret in an error text
            assert info.value.retryable is False
        assert len(emulator.records) == 1  # the refused tunnels never reached it
