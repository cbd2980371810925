"""Transcribe a WAV file with medical streaming transcription, printing transcripts as they come.

Run against AWS (credentials from the usual places)::

    python examples/medical.py [path/to/audio.wav]

Run against the local emulator: start ``python -m amazon_transcribe.emulator``
and paste the ``export`` lines it prints, then run the same command.

The file must be 16-bit PCM WAV (16 kHz or more for medical); audio is sent
at real-time pace, as the service expects.
"""

import asyncio
import os
import sys
import wave
from pathlib import Path

from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.handlers import MedicalTranscriptResultStreamHandler
from amazon_transcribe.model import MedicalTranscriptEvent, MedicalTranscriptionType, Specialty

DEFAULT_AUDIO = Path(__file__).resolve().parent.parent / "tests" / "assets" / "sense-0870.wav"
REGION = os.environ.get("AWS_REGION", "us-west-2")
CHUNK_SECONDS = 0.1


class Printer(MedicalTranscriptResultStreamHandler):
    async def handle_transcript_event(self, transcript_event: MedicalTranscriptEvent):
        for result in transcript_event.transcript.results:
            for alternative in result.alternatives:
                marker = "..." if result.is_partial else "   "
                print(f"{marker} {alternative.transcript}", flush=True)
                for entity in alternative.entities or []:
                    print(f"    PHI: {entity.content} ({entity.confidence})", flush=True)


async def send_wav(input_stream, path: Path):
    with wave.open(str(path)) as wav:
        rate, frame_bytes = wav.getframerate(), wav.getsampwidth() * wav.getnchannels()
        audio = wav.readframes(wav.getnframes())
    chunk = int(rate * CHUNK_SECONDS) * frame_bytes
    loop = asyncio.get_running_loop()
    start = loop.time()
    for offset in range(0, len(audio), chunk):
        await input_stream.send_audio_event(audio[offset : offset + chunk])
        # Real-time pace, kept against the start instant so that it does not drift.
        delay = start + (offset + chunk) / (rate * frame_bytes) - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
    await input_stream.end_stream()


async def main(path: Path):
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
    async with TranscribeStreamingClient(region=REGION) as client:
        stream = await client.start_medical_stream_transcription(
            language_code="en-US",
            media_sample_rate_hz=rate,
            media_encoding="pcm",
            specialty=Specialty.PRIMARYCARE,
            type=MedicalTranscriptionType.DICTATION,
            content_identification_type="PHI",
        )
        async with stream:
            await asyncio.gather(
                send_wav(stream.input_stream, path), Printer(stream.output_stream).handle_events()
            )


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_AUDIO))
