"""A program written against 0.6.4's internals, run against the emulator.

It composes 0.6.4's internal pieces the way 0.6.4's own
``TranscribeStreamingClient.start_stream_transcription`` did, by hand: the
request from ``serialize.TranscribeStreamingSerializer`` (a
``request.Request``, prepared), signed by ``signer.SigV4RequestSigner``, sent
by ``httpsession.AwsCrtHttpSessionManager``; the audio through
``model.AudioStream`` with ``serialize.AudioEventSerializer``,
``eventstream.EventStreamMessageSerializer`` and ``eventstream.EventSigner``,
seeded with the request's signature; the results through
``deserialize.TranscribeStreamingResponseParser`` and
``TranscribeStreamingEventParser`` into a ``handlers.TranscriptResultStreamHandler``.
Only the environment (the emulator's CA bundle) is ours. The emulator runs
its offline recogniser, so the program gets a real transcript.
"""

from __future__ import annotations

import asyncio
import re
import wave
from binascii import unhexlify
from pathlib import Path
from typing import List

import pytest

from amazon_transcribe import AWSCRTEventLoop
from amazon_transcribe.auth import StaticCredentialResolver
from amazon_transcribe.deserialize import TranscribeStreamingResponseParser
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.wer import word_error_rate
from amazon_transcribe.eventstream import EventSigner, EventStreamMessageSerializer
from amazon_transcribe.handlers import TranscriptResultStreamHandler
from amazon_transcribe.httpsession import AwsCrtHttpSessionManager
from amazon_transcribe.model import (
    AudioStream,
    StartStreamTranscriptionEventStream,
    StartStreamTranscriptionRequest,
    TranscriptEvent,
)
from amazon_transcribe.serialize import AudioEventSerializer, TranscribeStreamingSerializer
from amazon_transcribe.signer import SigV4RequestSigner

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SENSE_0870 = ("and mister john dashwood had then leisure to consider how much there might "
              "be prudently in his power to do for them")


def pcm(name: str) -> bytes:
    with wave.open(str(ASSETS / name)) as wav:
        return wav.readframes(wav.getnframes())


async def transcribe_the_0_6_4_way(emulator: TranscribeEmulator, audio: bytes) -> List[str]:
    region = emulator.region
    access_key, secret_key = emulator.credentials
    credential_resolver = StaticCredentialResolver(access_key, secret_key)
    bootstrap = AWSCRTEventLoop().bootstrap

    request = TranscribeStreamingSerializer().serialize_start_stream_transcription_request(
        endpoint=emulator.endpoint,
        request_shape=StartStreamTranscriptionRequest(
            language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm"),
    ).prepare()
    credentials = await credential_resolver.get_credentials()
    signed_request = SigV4RequestSigner("transcribe", region).sign(request, credentials)

    session_manager = AwsCrtHttpSessionManager(bootstrap)
    response = await session_manager.make_request(
        signed_request.uri,
        method=signed_request.method,
        headers=signed_request.headers.as_list(),
        body=signed_request.body,
    )
    resolved = await asyncio.wait_for(response.resolve_response(), 10)
    response_parser = TranscribeStreamingResponseParser()
    if resolved.status_code >= 400:
        signed_request.body.close()
        raise response_parser.parse_exception(resolved, await response.consume_body())
    parsed = response_parser.parse_start_stream_transcription_response(resolved, response)

    authorization = signed_request.headers.get("Authorization", "")
    audio_stream = AudioStream(
        input_stream=signed_request.body,
        event_serializer=AudioEventSerializer(),
        eventstream_serializer=EventStreamMessageSerializer(),
        event_signer=EventSigner("transcribe", region),
        initial_signature=unhexlify(re.split("Signature=", authorization)[-1]),
        credential_resolver=credential_resolver,
    )
    stream = StartStreamTranscriptionEventStream(audio_stream, parsed)
    finals: List[str] = []

    class Finals(TranscriptResultStreamHandler):
        async def handle_transcript_event(self, transcript_event: TranscriptEvent) -> None:
            for result in transcript_event.transcript.results:
                if not result.is_partial:
                    finals.append(result.alternatives[0].transcript)

    async def write_chunks() -> None:
        for start in range(0, len(audio), 3200):
            await stream.input_stream.send_audio_event(audio_chunk=audio[start:start + 3200])
        await stream.input_stream.end_stream()

    await asyncio.wait_for(
        asyncio.gather(write_chunks(), Finals(stream.output_stream).handle_events()), 60)
    return finals


async def test_a_0_6_4_internals_program_gets_a_transcript(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with TranscribeEmulator(engine="sphinx", state_dir=tmp_path) as emulator:
        # The emulator's certificate authority, the AWS way.
        monkeypatch.setenv("AWS_CA_BUNDLE", str(emulator.ca_file))
        finals = await transcribe_the_0_6_4_way(emulator, pcm("sense-0870.wav"))
        records = await emulator.records.wait_count(1, timeout=10)
    text = " ".join(finals)
    wer = word_error_rate(SENSE_0870, text)
    print(f"0.6.4 internals against the emulator: WER {wer:.3f}: {text!r}")
    assert wer <= 0.45
    record = records[0]
    assert record.end_reason == "completed"
    assert record.signatures_failed == 0 and record.signatures_passed > 70
    assert record.audio_bytes == len(pcm("sense-0870.wav"))
