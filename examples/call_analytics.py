"""Analyse a two-channel call: agent on the left channel, customer on the right.

Run against AWS (credentials from the usual places)::

    python examples/call_analytics.py [path/to/stereo.wav]

Run against the local emulator: start ``python -m amazon_transcribe.emulator``
and paste the ``export`` lines it prints, then run the same command.

The file must be 16-bit PCM WAV with two channels. The stream's first event
is the configuration naming the participant of each channel; utterances
come back with their participant and sentiment, and category matches as
category events. Audio is sent at real-time pace, as the service expects.
"""

import asyncio
import os
import sys
import wave
from pathlib import Path

from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.handlers import CallAnalyticsTranscriptResultStreamHandler
from amazon_transcribe.model import (
    CategoryEvent,
    ChannelDefinition,
    ParticipantRole,
    UtteranceEvent,
)

DEFAULT_AUDIO = (
    Path(__file__).resolve().parent.parent / "tests" / "assets" / "two-speakers-stereo-16k.wav"
)
REGION = os.environ.get("AWS_REGION", "us-west-2")
CHUNK_SECONDS = 0.1


class Printer(CallAnalyticsTranscriptResultStreamHandler):
    async def handle_utterance_event(self, utterance_event: UtteranceEvent):
        if utterance_event.is_partial:
            return
        print(
            f"{utterance_event.participant_role}: {utterance_event.transcript}"
            f" [{utterance_event.sentiment}]",
            flush=True,
        )
        for issue in utterance_event.issues_detected or []:
            offsets = issue.character_offsets
            print(f"    issue: {utterance_event.transcript[offsets.begin:offsets.end]}", flush=True)

    async def handle_category_event(self, category_event: CategoryEvent):
        print(f"categories: {', '.join(category_event.matched_categories or [])}", flush=True)


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
        rate, channels = wav.getframerate(), wav.getnchannels()
    if channels != 2:
        raise SystemExit(f"{path} has {channels} channel(s); call analytics wants 2")
    async with TranscribeStreamingClient(region=REGION) as client:
        stream = await client.start_call_analytics_stream_transcription(
            language_code="en-US", media_sample_rate_hz=rate, media_encoding="pcm"
        )
        async with stream:
            # The configuration must be the first event of the stream.
            await stream.input_stream.send_configuration_event(
                channel_definitions=[
                    ChannelDefinition(channel_id=0, participant_role=ParticipantRole.AGENT),
                    ChannelDefinition(channel_id=1, participant_role=ParticipantRole.CUSTOMER),
                ]
            )
            await asyncio.gather(
                send_wav(stream.input_stream, path), Printer(stream.output_stream).handle_events()
            )


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_AUDIO))
