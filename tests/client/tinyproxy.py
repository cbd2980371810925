"""A real HTTP CONNECT proxy on loopback: Debian's tinyproxy, run in the foreground.

``make test`` installs it (``apt-get install tinyproxy``) when it is missing;
elsewhere the tests fail saying what to install. Its log (stdout in the
foreground) is read as it comes, so tests can wait for a line.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from pathlib import Path
from typing import AsyncIterator, List, Optional, Tuple

START_TIMEOUT = 10.0


class TinyProxy:
    """A running tinyproxy: its port and its log lines so far."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.lines: List[str] = []
        self._changed = asyncio.Event()

    def url(self, credentials: Optional[Tuple[str, str]] = None) -> str:
        auth = f"{credentials[0]}:{credentials[1]}@" if credentials else ""
        return f"http://{auth}127.0.0.1:{self.port}"

    def connects(self) -> List[str]:
        """The CONNECT requests it logged (``CONNECT host:port HTTP/1.1``)."""
        return [line.split("): ", 1)[1] for line in self.lines if "): CONNECT " in line]

    async def wait_for(self, text: str, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` log lines contain ``text``."""
        async def waiting() -> None:
            while sum(text in line for line in self.lines) < count:
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(waiting(), timeout)

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while True:
            line = await stream.readline()
            if not line:
                self._changed.set()
                return
            self.lines.append(line.decode(errors="replace").rstrip())
            self._changed.set()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def tinyproxy(directory: Path, *, connect_port: int,
                    basic_auth: Optional[Tuple[str, str]] = None) -> AsyncIterator[TinyProxy]:
    """Run tinyproxy on a free loopback port, allowing CONNECT to ``connect_port``."""
    executable = shutil.which("tinyproxy") or next(
        (p for p in ("/usr/bin/tinyproxy", "/usr/sbin/tinyproxy") if Path(p).exists()), None)
    if executable is None:
        raise RuntimeError(
            "the proxy tests need tinyproxy: install it (Debian/Ubuntu: apt-get install "
            "tinyproxy; make test does this when run as root)")
    proxy = TinyProxy(_free_port())
    config = directory / f"tinyproxy-{proxy.port}.conf"
    lines = [
        f"Port {proxy.port}", "Listen 127.0.0.1", "Timeout 30", "LogLevel Info",
        "MaxClients 50", "Allow 127.0.0.1", f"ConnectPort {connect_port}",
        f'PidFile "{directory}/tinyproxy-{proxy.port}.pid"',
    ]
    if basic_auth:
        lines.append(f"BasicAuth {basic_auth[0]} {basic_auth[1]}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        executable, "-d", "-c", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert process.stdout is not None
    reader = asyncio.create_task(proxy._read(process.stdout))
    try:
        await proxy.wait_for("Accepting connections", timeout=START_TIMEOUT)
        yield proxy
    except asyncio.TimeoutError:
        raise RuntimeError("tinyproxy did not start:\n" + "\n".join(proxy.lines)) from None
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
        await asyncio.wait_for(reader, 5)
