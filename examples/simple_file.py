"""Transcribe a WAV file, streamed at real-time pace, printing transcripts as they come.

Run against AWS (credentials from the usual places)::

    python examples/simple_file.py [path/to/audio.wav]

Run against the local emulator: start ``python -m amazon_transcribe.emulator``
and paste the ``export`` lines it prints (they set
``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING``, ``AWS_CA_BUNDLE`` and credentials),
then run the same command.

The file must be 16-bit PCM WAV; its sample rate and channel count are read
from its header, and only the PCM data is sent.
"""

import asyncio
import os
import struct
import sys
from pathlib import Path

import aiofile

from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.handlers import TranscriptResultStreamHandler
from amazon_transcribe.model import TranscriptEvent
from amazon_transcribe.utils import apply_realtime_delay

DEFAULT_AUDIO = Path(__file__).resolve().parent.parent / "tests" / "assets" / "sense-0870.wav"
CHUNK_SIZE = 16 * 1024
REGION = os.environ.get("AWS_REGION", "us-west-2")


def wav_layout(path: Path):
    """Return (sample rate, channels, bytes per sample, offset of the PCM data)."""
    with open(path, "rb") as f:
        riff, _, wave_id = struct.unpack("<4sI4s", f.read(12))
        if riff != b"RIFF" or wave_id != b"WAVE":
            raise SystemExit(f"{path} is not a WAV file")
        rate = channels = width = None
        while True:
            header = f.read(8)
            if len(header) < 8:
                raise SystemExit(f"{path} has no data chunk")
            chunk_id, size = struct.unpack("<4sI", header)
            if chunk_id == b"fmt ":
                fmt = f.read(size + (size & 1))
                audio_format, channels, rate = struct.unpack("<HHI", fmt[:8])
                width = struct.unpack("<H", fmt[14:16])[0] // 8
                if audio_format != 1 or width != 2:
                    raise SystemExit(f"{path} is not 16-bit PCM")
            elif chunk_id == b"data":
                return rate, channels, width, f.tell()
            else:
                f.seek(size + (size & 1), 1)


class MyEventHandler(TranscriptResultStreamHandler):
    async def handle_transcript_event(self, transcript_event: TranscriptEvent):
        for result in transcript_event.transcript.results:
            for alternative in result.alternatives:
                marker = "..." if result.is_partial else "   "
                print(f"{marker} {alternative.transcript}", flush=True)


async def basic_transcribe(path: Path):
    rate, channels, width, offset = wav_layout(path)
    client = TranscribeStreamingClient(region=REGION)
    stream = await client.start_stream_transcription(
        language_code="en-US",
        media_sample_rate_hz=rate,
        media_encoding="pcm",
    )

    async def write_chunks():
        async with aiofile.AIOFile(str(path), "rb") as afp:
            reader = aiofile.Reader(afp, offset=offset, chunk_size=CHUNK_SIZE)
            await apply_realtime_delay(stream, reader, width, rate, channels)
        await stream.input_stream.end_stream()

    handler = MyEventHandler(stream.output_stream)
    await asyncio.gather(write_chunks(), handler.handle_events())


if __name__ == "__main__":
    asyncio.run(basic_transcribe(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_AUDIO))
