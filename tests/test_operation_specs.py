"""Operation specs: one header table used both ways, and a header added as one row.

The test-only spec below adds a header the service does not have
(``x-amzn-transcribe-dialect``) to StartStreamTranscription the way a new
one would be added: a field on the request and response shapes, and one
``Header`` row. Everything else (writing it, reading the echo, building the
started stream's response) follows from the row.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Optional

import pytest

from amazon_transcribe.exceptions import ValidationException
from amazon_transcribe.operations import (
    START_STREAM_TRANSCRIPTION,
    STREAMING_OPERATIONS,
    Header,
)
from amazon_transcribe.shapes import (
    LanguageCode,
    StartStreamTranscriptionRequest,
    StartStreamTranscriptionResponse,
)
from amazon_transcribe.signer import EventSigner
from amazon_transcribe.streams import EventStreamSession, TranscriptResultStream
from amazon_transcribe.transport import MemoryTransport


@dataclass
class DialectRequest(StartStreamTranscriptionRequest):
    dialect: Optional[str] = None


@dataclass
class DialectResponse(StartStreamTranscriptionResponse):
    dialect: Optional[str] = None


DIALECT_SPEC = dataclasses.replace(
    START_STREAM_TRANSCRIPTION,
    request_type=DialectRequest,
    response_type=DialectResponse,
    headers=START_STREAM_TRANSCRIPTION.headers + (Header("dialect", "dialect"),),
)


def test_a_header_added_as_one_row_is_written_and_read_back() -> None:
    request = DIALECT_SPEC.make_request(
        dict(
            {f.name: None for f in dataclasses.fields(DialectRequest)},
            language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm",
            dialect="scouse",
        )
    )
    DIALECT_SPEC.check(request)
    assert DIALECT_SPEC.request_headers(request)[-1] == ("x-amzn-transcribe-dialect", "scouse")
    fields = DIALECT_SPEC.response_fields(
        {"x-amzn-transcribe-dialect": "scouse", "x-amzn-transcribe-language-code": "en-US"}
    )
    assert fields["dialect"] == "scouse" and fields["language_code"] is LanguageCode.EN_US


async def test_the_started_stream_carries_the_new_field() -> None:
    transport = MemoryTransport()
    signer = EventSigner("ab" * 32, secret_access_key="s", region="us-east-1")
    session = EventStreamSession(transport, signer, DIALECT_SPEC.parser("rid"))
    try:
        started = DIALECT_SPEC.started(
            session, {"x-amzn-transcribe-dialect": "scouse", "x-amzn-request-id": "rid"}
        )
        assert isinstance(started.response, DialectResponse)
        assert started.response.dialect == "scouse" and started.response.request_id == "rid"
        assert isinstance(started.output_stream, TranscriptResultStream)
        assert started.response.transcript_result_stream is started.output_stream
    finally:
        await session.aclose()
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


@pytest.mark.parametrize("spec", list(STREAMING_OPERATIONS.values()), ids=list(STREAMING_OPERATIONS))
def test_every_header_row_names_a_field_of_both_shapes(spec) -> None:  # type: ignore[no-untyped-def]
    request_fields = {f.name for f in dataclasses.fields(spec.request_type)}
    response_fields = {f.name for f in dataclasses.fields(spec.response_type)}
    attributes = [header.attribute for header in spec.headers]
    assert len(attributes) == len(set(attributes))
    assert set(attributes) == request_fields
    assert set(attributes) | {"request_id", spec.stream_field} == response_fields


@pytest.mark.parametrize(
    "options, message",
    [
        ({}, "media_sample_rate_hz is required"),
        ({"media_sample_rate_hz": "16000"}, "media_sample_rate_hz must be an int"),
        ({"media_sample_rate_hz": True}, "media_sample_rate_hz must be an int"),
        ({"media_sample_rate_hz": 16000}, "media_encoding is required"),
        ({"media_sample_rate_hz": 16000, "media_encoding": "pcm"},
         "language_code is required unless identify_language or identify_multiple_languages"),
    ],
)
def test_local_checks(options: dict, message: str) -> None:
    request = START_STREAM_TRANSCRIPTION.make_request(
        dict({f.name: None for f in dataclasses.fields(StartStreamTranscriptionRequest)}, **options)
    )
    with pytest.raises(ValidationException, match=message):
        START_STREAM_TRANSCRIPTION.check(request)
