"""Test helpers: signed requests and envelopes, a deterministic engine, stream runs.

Signing uses the client's own signers (``amazon_transcribe.sigv4`` for the
request, ``amazon_transcribe.signer.EventSigner`` for events), so the
emulator's independent verifier is checked against them.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from amazon_transcribe.auth import Credentials
from amazon_transcribe.emulator.engine import (
    Engine,
    EngineOutput,
    RecognitionSession,
    Segment,
    StreamSettings,
    Word,
)
from amazon_transcribe.eventstream import Message, encode_message
from amazon_transcribe.signer import EventSigner
from amazon_transcribe.sigv4 import _sign_request

from .h2client import H2Client, H2Stream

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
PATH = "/stream-transcription"


@dataclass
class SignedStart:
    """A signed request that opens a stream, and its event signer."""

    headers: List[Tuple[str, str]]
    seed: str
    signer: EventSigner
    session_id: Optional[str]


def start_request(
    authority: str,
    *,
    session_id: Optional[str] = None,
    language_code: Optional[str] = "en-US",
    sample_rate: str = "16000",
    media_encoding: str = "pcm",
    extra: Sequence[Tuple[str, str]] = (),
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    region: str = REGION,
    path: str = PATH,
    method: str = "POST",
) -> SignedStart:
    """Sign a StartStreamTranscription request as a client would."""
    headers: List[Tuple[str, str]] = [("content-type", "application/vnd.amazon.eventstream")]
    if language_code is not None:
        headers.append(("x-amzn-transcribe-language-code", language_code))
    headers.append(("x-amzn-transcribe-media-encoding", media_encoding))
    headers.append(("x-amzn-transcribe-sample-rate", sample_rate))
    if session_id is not None:
        headers.append(("x-amzn-transcribe-session-id", session_id))
    headers.extend(extra)
    signed = _sign_request(
        method,
        path.partition("?")[0],
        headers,
        host=authority,
        credentials=Credentials(access_key, secret_key),
        region=region,
    )
    wire: List[Tuple[str, str]] = [
        (":method", method),
        (":scheme", "https"),
        (":path", path),
        (":authority", authority),
    ]
    for name, value in signed.request.headers:
        if name.lower() != "host":
            wire.append((name.lower(), value))
    signer = EventSigner(signed.seed_signature, secret_access_key=secret_key, region=region)
    return SignedStart(wire, signed.seed_signature, signer, session_id)


def audio_event(chunk: bytes) -> bytes:
    """Encode an AudioEvent inner message."""
    return encode_message(
        {
            ":message-type": "event",
            ":event-type": "AudioEvent",
            ":content-type": "application/octet-stream",
        },
        chunk,
    )


def chunks_of(seed: int, count: int, size: int) -> List[bytes]:
    """Deterministic pseudo-random audio chunks."""
    out = []
    for index in range(count):
        block = hashlib.sha256(f"{seed}/{index}".encode()).digest()
        out.append((block * (size // len(block) + 1))[:size])
    return out


def sha256_of(chunks: Sequence[bytes]) -> str:
    return hashlib.sha256(b"".join(chunks)).hexdigest()


def payload(message: Message) -> Dict[str, Any]:
    decoded = json.loads(message.payload.decode("utf-8"))
    assert isinstance(decoded, dict)
    return decoded


# -- a deterministic engine ------------------------------------------------------


class CountingSession(RecognitionSession):
    """Names the chunks it gets: partial results every ``partial_every``
    chunks, one final result at the end."""

    def __init__(self, engine: CountingEngine, settings: StreamSettings) -> None:
        self.engine = engine
        self.settings = settings
        self.chunks = 0
        self.seconds = 0.0
        self.words: List[Word] = []
        self.closed = False

    def _segment(self, partial: bool) -> Segment:
        return Segment(
            result_id="result-1",
            start_time=0.0,
            end_time=self.seconds,
            is_partial=partial,
            transcript=" ".join(word.content for word in self.words),
            words=tuple(self.words),
        )

    def accept_audio(self, chunk: bytes) -> List[EngineOutput]:
        self.engine.check_thread()
        if not chunk:
            return []
        start = self.seconds
        self.seconds += len(chunk) / (2 * self.settings.sample_rate)
        self.chunks += 1
        self.words.append(
            Word(f"chunk{self.chunks}", round(start, 3), round(self.seconds, 3), confidence=0.9)
        )
        if self.chunks % self.engine.partial_every == 0:
            return [self._segment(True)]
        return []

    def finish(self) -> List[EngineOutput]:
        self.engine.check_thread()
        if not self.words:
            return []
        return [self._segment(False)]

    def close(self) -> None:
        self.closed = True
        self.engine.closed += 1


class CountingEngine(Engine):
    """A tiny deterministic engine (see :class:`CountingSession`)."""

    def __init__(self, *, blocking: bool = False, partial_every: int = 2) -> None:
        self.blocking = blocking
        self.partial_every = partial_every
        self.opened = 0
        self.closed = 0
        self.threads: set = set()

    def check_thread(self) -> None:
        self.threads.add(threading.current_thread().name)

    def open_session(self, settings: StreamSettings) -> RecognitionSession:
        self.opened += 1
        return CountingSession(self, settings)


# -- running streams ---------------------------------------------------------------


@dataclass
class StreamResult:
    status: int
    headers: Dict[str, str]
    messages: List[Message] = field(default_factory=list)
    body: bytes = b""

    def events(self, event_type: str = "TranscriptEvent") -> List[Dict[str, Any]]:
        return [
            payload(m)
            for m in self.messages
            if m.headers.get(":message-type") == "event" and m.headers.get(":event-type") == event_type
        ]

    def exception(self) -> Optional[Tuple[str, str]]:
        for m in self.messages:
            if m.headers.get(":message-type") == "exception":
                return str(m.headers.get(":exception-type")), payload(m)["Message"]
        return None


async def send_audio(
    stream: H2Stream, start: SignedStart, chunks: Sequence[bytes], *, end: bool = True
) -> bool:
    """Send signed audio events, then (optionally) the end frame and END_STREAM."""
    for chunk in chunks:
        if not await stream.send(start.signer.sign(audio_event(chunk))):
            return False
    if end:
        return await stream.send(start.signer.sign_end(), end_stream=True)
    return True


async def run_stream(
    client: H2Client,
    authority: str,
    chunks: Sequence[bytes],
    *,
    session_id: Optional[str] = None,
    wait_response_first: bool = True,
    timeout: float = 10.0,
    **request: Any,
) -> StreamResult:
    """Open a stream, send the chunks and the end frame, read the whole response."""
    start = start_request(authority, session_id=session_id or str(uuid.uuid4()), **request)
    stream = client.request(start.headers)
    if wait_response_first:
        status, headers = await stream.response(timeout)
        if status != 200:
            body = await stream.read_body(timeout)
            return StreamResult(status, headers, body=body)
        await send_audio(stream, start, chunks)
    else:
        await send_audio(stream, start, chunks)
        status, headers = await stream.response(timeout)
    messages = await stream.messages(timeout)
    return StreamResult(status, headers, messages, bytes(stream.body))
