"""Stream a clinical conversation to AWS HealthScribe, then ask how the session stands.

Run against AWS (credentials from the usual places)::

    HEALTHSCRIBE_ROLE_ARN=arn:aws:iam::111122223333:role/MyRole \\
    HEALTHSCRIBE_BUCKET=my-bucket python examples/medical_scribe.py [audio.wav]

The role must be allowed to write to the bucket, where the clinical note is
written once the session ends. Run against the local emulator: start
``python -m amazon_transcribe.emulator`` and paste the ``export`` lines it
prints, then run the same command (the placeholders below are fine there).

The stream sends the configuration first, then the audio at real-time pace,
then ``END_OF_SESSION``, which ends the session for good and starts the
clinical note; GetMedicalScribeStream then reports the session.
"""

import asyncio
import os
import sys
import wave
from pathlib import Path

from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.handlers import MedicalScribeResultStreamHandler
from amazon_transcribe.model import (
    ClinicalNoteGenerationSettings,
    MedicalScribeConfigurationEvent,
    MedicalScribeNoteTemplate,
    MedicalScribePostStreamAnalyticsSettings,
    MedicalScribeTranscriptEvent,
)

DEFAULT_AUDIO = Path(__file__).resolve().parent.parent / "tests" / "assets" / "sense-0870.wav"
REGION = os.environ.get("AWS_REGION", "us-east-1")
ROLE_ARN = os.environ.get("HEALTHSCRIBE_ROLE_ARN", "arn:aws:iam::111122223333:role/Example")
BUCKET = os.environ.get("HEALTHSCRIBE_BUCKET", "example-bucket")
CHUNK_SECONDS = 0.1


class Printer(MedicalScribeResultStreamHandler):
    async def handle_transcript_event(self, transcript_event: MedicalScribeTranscriptEvent):
        segment = transcript_event.transcript_segment
        if segment is not None and not segment.is_partial:
            print(f"    {segment.content}", flush=True)


async def send(input_stream, path: Path):
    with wave.open(str(path)) as wav:
        rate, frame_bytes = wav.getframerate(), wav.getsampwidth() * wav.getnchannels()
        audio = wav.readframes(wav.getnframes())
    # Every HealthScribe stream starts with its configuration.
    await input_stream.send_configuration_event(
        MedicalScribeConfigurationEvent(
            resource_access_role_arn=ROLE_ARN,
            post_stream_analytics_settings=MedicalScribePostStreamAnalyticsSettings(
                ClinicalNoteGenerationSettings(
                    output_bucket_name=BUCKET,
                    note_template=MedicalScribeNoteTemplate.HISTORY_AND_PHYSICAL,
                )
            ),
        )
    )
    chunk = int(rate * CHUNK_SECONDS) * frame_bytes
    loop = asyncio.get_running_loop()
    start = loop.time()
    for offset in range(0, len(audio), chunk):
        await input_stream.send_audio_event(audio[offset : offset + chunk])
        # Real-time pace, kept against the start instant so that it does not drift.
        delay = start + (offset + chunk) / (rate * frame_bytes) - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
    # Without this the session would only pause, and could be resumed.
    await input_stream.send_session_control_event()
    await input_stream.end_stream()


async def main(path: Path):
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
    async with TranscribeStreamingClient(region=REGION) as client:
        stream = await client.start_medical_scribe_stream(
            language_code="en-US", media_sample_rate_hz=rate, media_encoding="pcm"
        )
        async with stream:
            session_id = stream.response.session_id
            print(f"session {session_id}", flush=True)
            await asyncio.gather(
                send(stream.input_stream, path), Printer(stream.output_stream).handle_events()
            )
        details = await client.get_medical_scribe_stream(session_id)
        note = details.post_stream_analytics_result
        note_status = note.clinical_note_generation_result.status if note else None
        print(f"stream {details.stream_status}, clinical note {note_status}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_AUDIO))
