"""Transcribe the microphone live (needs the ``mic`` extra: ``pip install amazon-transcribe[mic]``).

Run against AWS, or against the local emulator after pasting the ``export``
lines ``python -m amazon_transcribe.emulator`` prints::

    python examples/simple_mic.py [SECONDS]

Stops after SECONDS of audio if given, else with Ctrl-C.
"""

import asyncio
import os
import sys

import sounddevice

from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.handlers import TranscriptResultStreamHandler
from amazon_transcribe.model import TranscriptEvent

SAMPLE_RATE = 16000
BLOCK_FRAMES = 1600  # 100 ms per audio event, as the service recommends
REGION = os.environ.get("AWS_REGION", "us-west-2")


class MyEventHandler(TranscriptResultStreamHandler):
    async def handle_transcript_event(self, transcript_event: TranscriptEvent):
        for result in transcript_event.transcript.results:
            if not result.is_partial:
                for alternative in result.alternatives:
                    print(alternative.transcript, flush=True)


def offer(queue, block):
    # Live audio: if the sender falls 5 s behind, drop the oldest block
    # rather than grow the queue or fall further behind.
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(block)


async def mic_stream(seconds=None):
    # sounddevice calls back on its own thread: hand blocks to the loop safely.
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue(maxsize=50)

    def callback(indata, frame_count, time_info, status):
        loop.call_soon_threadsafe(offer, queue, bytes(indata))

    blocks = None if seconds is None else round(seconds * SAMPLE_RATE / BLOCK_FRAMES)
    with sounddevice.RawInputStream(
        channels=1, samplerate=SAMPLE_RATE, dtype="int16",
        blocksize=BLOCK_FRAMES, callback=callback,
    ):
        while blocks is None or blocks > 0:
            yield await queue.get()
            if blocks is not None:
                blocks -= 1


async def write_chunks(stream, seconds):
    async for chunk in mic_stream(seconds):
        await stream.input_stream.send_audio_event(audio_chunk=chunk)
    await stream.input_stream.end_stream()


async def basic_transcribe(seconds=None):
    client = TranscribeStreamingClient(region=REGION)
    stream = await client.start_stream_transcription(
        language_code="en-US",
        media_sample_rate_hz=SAMPLE_RATE,
        media_encoding="pcm",
    )
    handler = MyEventHandler(stream.output_stream)
    await asyncio.gather(write_chunks(stream, seconds), handler.handle_events())


if __name__ == "__main__":
    try:
        asyncio.run(basic_transcribe(float(sys.argv[1]) if len(sys.argv) > 1 else None))
    except KeyboardInterrupt:
        pass
