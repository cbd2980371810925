"""Test helper: a raw WebSocket client (wsproto over an asyncio TLS connection).

It speaks the WebSocket protocol and nothing else, so the tests see exactly
which frames the emulator sends: binary messages, close codes, or a refused
handshake. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple, Union
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    RejectConnection,
    Request,
    TextMessage,
)

from amazon_transcribe.eventstream import Message, decode_message, encode_message

TIMEOUT = 10.0


def audio_event(chunk: bytes) -> bytes:
    """One AudioEvent message, as a browser sends it in a binary frame."""
    return encode_message(
        {
            ":message-type": "event",
            ":event-type": "AudioEvent",
            ":content-type": "application/octet-stream",
        },
        chunk,
    )


@dataclass
class Received:
    """What came back: the handshake's answer, messages, the close."""

    accepted: bool = False
    accept_headers: List[Tuple[str, str]] = field(default_factory=list)
    reject_status: Optional[int] = None
    messages: List[Message] = field(default_factory=list)
    close_code: Optional[int] = None


class WsClient:
    """One WebSocket connection to a ``wss://`` URL."""

    def __init__(self, url: str, ca_file: Union[str, Path]) -> None:
        self.url = url
        self._ca_file = str(ca_file)
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._reader: Optional[asyncio.StreamReader] = None
        self._writer: Optional[asyncio.StreamWriter] = None
        self._partial = bytearray()
        self._cursor = 0  # messages handed out by next_message
        self.received = Received()

    async def connect(self) -> Received:
        parts = urlsplit(self.url)
        context = ssl.create_default_context(cafile=self._ca_file)
        context.set_alpn_protocols(["http/1.1"])
        self._reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname, parts.port, ssl=context), TIMEOUT
        )
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        self._writer.write(self._ws.send(Request(host=parts.netloc, target=target)))
        # Read until the handshake is answered.
        while not self.received.accepted and self.received.reject_status is None:
            if not await self._pump():
                break
        return self.received

    async def send_bytes(self, data: bytes) -> None:
        assert self._writer is not None
        if self._ws.state is not ConnectionState.OPEN:
            return  # the server has closed: what a browser would drop too
        self._writer.write(self._ws.send(BytesMessage(data=data)))
        await self._writer.drain()

    async def send_text(self, text: str) -> None:
        assert self._writer is not None
        self._writer.write(self._ws.send(TextMessage(data=text)))
        await self._writer.drain()

    async def send_raw(self, data: bytes) -> None:
        assert self._writer is not None
        self._writer.write(data)
        await self._writer.drain()

    async def next_message(self) -> Optional[Message]:
        """The next binary message, or ``None`` once the server closed."""
        while len(self.received.messages) == self._cursor:
            if self.received.close_code is not None or not await self._pump():
                return None
        self._cursor += 1
        return self.received.messages[self._cursor - 1]

    async def until_closed(self) -> Received:
        while self.received.close_code is not None or await self._pump():
            if self.received.close_code is not None:
                break
        return self.received

    async def _pump(self) -> bool:
        assert self._reader is not None
        data = await asyncio.wait_for(self._reader.read(65536), TIMEOUT)
        if not data:
            self._ws.receive_data(None)
            return False
        self._ws.receive_data(data)
        for event in self._ws.events():
            if isinstance(event, AcceptConnection):
                self.received.accepted = True
                self.received.accept_headers = [
                    (bytes(n).decode(), bytes(v).decode()) for n, v in event.extra_headers
                ]
            elif isinstance(event, RejectConnection):
                self.received.reject_status = event.status_code
            elif isinstance(event, BytesMessage):
                self._partial += event.data
                if event.message_finished:
                    self.received.messages.append(decode_message(bytes(self._partial)))
                    self._partial = bytearray()
            elif isinstance(event, CloseConnection):
                self.received.close_code = event.code
                assert self._writer is not None
                self._writer.write(self._ws.send(event.response()))
        return True

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await asyncio.wait_for(self._writer.wait_closed(), TIMEOUT)
            except (OSError, ssl.SSLError, asyncio.TimeoutError):
                pass
