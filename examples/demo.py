"""The demo: transcribe a recording with no AWS account and no network.

Starts the local emulator in this process with its offline speech engine
(PocketSphinx), points the SDK at it, streams ``sense-0870.wav`` at real-time
pace and prints partial results as they form and final results as lines.
Run it with ``make demo`` (which installs what it needs) or, in an
environment with the ``emulator`` extra, ``python examples/demo.py [file.wav]``.
"""

import asyncio
import sys
import tempfile
import wave
from pathlib import Path

from amazon_transcribe.auth import StaticCredentialResolver
from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.handlers import TranscriptResultStreamHandler
from amazon_transcribe.model import TranscriptEvent

AUDIO = Path(__file__).resolve().parent.parent / "tests" / "assets" / "sense-0870.wav"
CHUNK_SECONDS = 0.1


class PrintingHandler(TranscriptResultStreamHandler):
    """Partial results rewrite the current line; final results end it."""

    def __init__(self, stream, tty):
        super().__init__(stream)
        self.tty = tty

    async def handle_transcript_event(self, transcript_event: TranscriptEvent):
        for result in transcript_event.transcript.results:
            if not result.alternatives:
                continue
            text = result.alternatives[0].transcript
            if result.is_partial:
                if self.tty:
                    print(f"\r\033[K... {text}", end="", flush=True)
                else:
                    print(f"partial: {text}", flush=True)
            else:
                prefix = "\r\033[K" if self.tty else "final:   "
                print(f"{prefix}{text}  [{result.start_time:.2f}-{result.end_time:.2f} s]",
                      flush=True)


async def send_realtime(stream, pcm: bytes, rate: int, channels: int):
    loop = asyncio.get_running_loop()
    chunk = int(rate * CHUNK_SECONDS) * 2 * channels
    start = loop.time()
    for n, offset in enumerate(range(0, len(pcm), chunk)):
        # Keep to the wall clock, so delays do not add up.
        await asyncio.sleep(max(0.0, start + n * CHUNK_SECONDS - loop.time()))
        await stream.input_stream.send_audio_event(pcm[offset : offset + chunk])
    await stream.input_stream.end_stream()


async def main(path: Path):
    with wave.open(str(path)) as wav:
        rate, channels = wav.getframerate(), wav.getnchannels()
        pcm = wav.readframes(wav.getnframes())
    print(f"Starting the local emulator (offline engine); streaming {path.name} "
          f"({len(pcm) / (2 * channels * rate):.1f} s) at real-time pace...", flush=True)
    with tempfile.TemporaryDirectory() as state:
        async with TranscribeEmulator(engine="sphinx", state_dir=state) as emulator:
            key, secret = emulator.credentials
            client = TranscribeStreamingClient(
                region=emulator.region,
                endpoint=emulator.endpoint,
                ca_bundle=str(emulator.ca_file),
                credential_resolver=StaticCredentialResolver(key, secret),
            )
            async with client:
                stream = await client.start_stream_transcription(
                    language_code="en-US", media_sample_rate_hz=rate, media_encoding="pcm",
                    number_of_channels=channels if channels > 1 else None,
                    enable_channel_identification=True if channels > 1 else None,
                )
                handler = PrintingHandler(stream.output_stream, sys.stdout.isatty())
                await asyncio.gather(send_realtime(stream, pcm, rate, channels),
                                     handler.handle_events())


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else AUDIO))
