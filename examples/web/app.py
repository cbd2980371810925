"""Live captions in a browser: a FastAPI app with two ways to reach Amazon Transcribe.

* **relay**: the page sends 16 kHz PCM over a WebSocket to this app, which
  streams it with the SDK and sends partial and final results back as JSON;
* **direct**: the app presigns a WebSocket URL (:func:`presign_websocket_url`)
  and the page streams to the service itself, encoding and decoding the event
  stream in JavaScript (``static/eventstream.js``).

Run against AWS (credentials and region from the usual places)::

    pip install -r examples/web/requirements.txt
    python examples/web/app.py            # then open http://127.0.0.1:8000

or against an emulator started in the same process (offline recognition)::

    python examples/web/app.py --emulator

In emulator mode the browser must trust the emulator's CA for direct mode
(``wss://127.0.0.1:<port>``): the app prints the CA file and the Chromium
flag that trusts its certificate (see docs/web.rst).

Nothing here blocks the event loop: the SDK is asyncio, and a relay ends its
SDK stream as soon as the page's WebSocket goes away.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Optional

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse

from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.exceptions import SDKError
from amazon_transcribe.presign import presign_websocket_url
from amazon_transcribe.shapes import StartStreamTranscriptionRequest

STATIC = Path(__file__).resolve().parent / "static"
SAMPLE_RATE = 16000
#: The largest audio chunk a page may send (1 s of 16 kHz mono PCM).
MAX_CHUNK = SAMPLE_RATE * 2
_log = logging.getLogger("live-captions")


class RelayMonitor:
    """Counts the relays running, so that tests (and operators) can see them end."""

    def __init__(self) -> None:
        self._running = 0
        self._condition = threading.Condition()
        #: Relays that have ended, with how they ended.
        self.ended: list = []

    @contextlib.contextmanager
    def running(self) -> Any:
        with self._condition:
            self._running += 1
        outcome = "error"
        try:
            yield
            outcome = "completed"
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            with self._condition:
                self._running -= 1
                self.ended.append(outcome)
                self._condition.notify_all()

    @property
    def count(self) -> int:
        """Relays running now."""
        with self._condition:
            return self._running

    def wait_idle(self, timeout: float) -> bool:
        """Wait (from any thread) until no relay runs. :returns: whether none runs."""
        with self._condition:
            return self._condition.wait_for(lambda: self._running == 0, timeout)


def create_app(*, region: Optional[str] = None, language_code: str = "en-US") -> FastAPI:
    """The app. The region and endpoint come from the environment unless given.

    :param region: the AWS region (``AWS_REGION`` by default).
    :param language_code: the language transcribed.
    :returns: the FastAPI application; ``app.state.relays`` is its :class:`RelayMonitor`.
    """
    app = FastAPI(title="Live captions")
    monitor = RelayMonitor()
    app.state.relays = monitor

    def transcription_request() -> StartStreamTranscriptionRequest:
        return StartStreamTranscriptionRequest(
            language_code=language_code,
            media_sample_rate_hz=SAMPLE_RATE,
            media_encoding="pcm",
        )

    @app.get("/")
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/static/{name}")
    async def static(name: str) -> Any:
        path = (STATIC / name).resolve()
        if path.parent != STATIC or not path.is_file():
            return JSONResponse({"error": "not found"}, status_code=404)
        return FileResponse(path)

    @app.get("/presign")
    async def presign() -> JSONResponse:
        # Direct mode: the browser gets a URL valid for 5 minutes, never a key.
        try:
            url = await presign_websocket_url(transcription_request(), region=region)
        except SDKError as exc:
            return JSONResponse({"error": str(exc)}, status_code=500)
        return JSONResponse({"url": url, "sampleRate": SAMPLE_RATE})

    @app.websocket("/relay")
    async def relay(websocket: WebSocket) -> None:
        await websocket.accept()
        with monitor.running():
            await _relay(websocket, region, transcription_request())

    return app


async def _relay(
    websocket: WebSocket, region: Optional[str], request: StartStreamTranscriptionRequest
) -> None:
    """Stream what the page sends to Transcribe; send the results back.

    The page sends binary frames of PCM and the text ``end`` when it stops;
    it receives ``{"type": "partial"|"final"|"error"|"end", ...}``. When the
    page goes away (tab closed) the SDK stream is closed at once.
    """
    try:
        async with TranscribeStreamingClient(region=region) as client:
            stream = await client.start_stream_transcription(
                language_code=request.language_code,
                media_sample_rate_hz=request.media_sample_rate_hz,
                media_encoding=request.media_encoding,
            )
            async with stream:
                results = asyncio.ensure_future(_forward_results(websocket, stream))
                try:
                    await _forward_audio(websocket, stream)
                    # The page stopped: the last finals arrive, then the end.
                    await asyncio.wait_for(asyncio.shield(results), 30)
                    await websocket.send_text(json.dumps({"type": "end"}))
                except WebSocketDisconnect:
                    _log.info("the page went away; closing its stream")
                finally:
                    results.cancel()
                    with contextlib.suppress(BaseException):
                        await results
                    await stream.aclose()
    except SDKError as exc:
        with contextlib.suppress(Exception):
            await websocket.send_text(json.dumps({"type": "error", "message": str(exc)}))
    with contextlib.suppress(Exception):
        await websocket.close()


async def _forward_audio(websocket: WebSocket, stream: Any) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        if message.get("text") == "end":
            await stream.input_stream.end_stream()
            return
        chunk = message.get("bytes")
        if chunk:
            # Awaits while the SDK's send window is full: backpressure
            # reaches the page through its WebSocket.
            for start in range(0, len(chunk), MAX_CHUNK):
                await stream.input_stream.send_audio_event(audio_chunk=chunk[start : start + MAX_CHUNK])


async def _forward_results(websocket: WebSocket, stream: Any) -> None:
    try:
        async for event in stream.output_stream:
            transcript = getattr(event, "transcript", None)
            if transcript is None:
                continue
            for result in transcript.results:
                if not result.alternatives:
                    continue
                await websocket.send_text(
                    json.dumps(
                        {
                            "type": "partial" if result.is_partial else "final",
                            "text": result.alternatives[0].transcript,
                        }
                    )
                )
    except SDKError as exc:
        await websocket.send_text(json.dumps({"type": "error", "message": str(exc)}))


@contextlib.asynccontextmanager
async def embedded_emulator(state_dir: Optional[Path] = None) -> AsyncIterator[Dict[str, str]]:
    """Run an emulator (offline recognition) and point this process at it.

    :param state_dir: where its certificates are kept.
    :returns: its environment lines (yielded).
    """
    from amazon_transcribe.emulator import TranscribeEmulator

    async with TranscribeEmulator(engine="sphinx", state_dir=state_dir) as emulator:
        environment = emulator.environment()
        os.environ.update(environment)
        yield environment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--emulator", action="store_true", help="run against a local emulator")
    args = parser.parse_args()
    import uvicorn

    async def serve() -> None:
        async with contextlib.AsyncExitStack() as stack:
            if args.emulator:
                environment = await stack.enter_async_context(embedded_emulator())
                print(f"emulator: {environment['AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING_WEBSOCKET']}")
                print(f"trust its CA in the browser for direct mode: {environment['AWS_CA_BUNDLE']}")
            config = uvicorn.Config(create_app(), host=args.host, port=args.port)
            await uvicorn.Server(config).serve()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
