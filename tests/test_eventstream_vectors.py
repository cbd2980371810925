"""The byte vectors of PROTOCOL.md §9.7, encoded and decoded byte for byte."""

from __future__ import annotations

import pytest

from amazon_transcribe.eventstream import EventStreamDecoder, Message, decode_message, encode_message

# Inner AudioEvent, payload 000102..0f: 120 bytes, headers_length 88.
AUDIO_EVENT = bytes.fromhex(
    "00000078" "00000058" "c930ada1"  # total 120, headers 88, prelude CRC
    "0d" "3a6d6573736167652d74797065" "07" "0005" "6576656e74"  # :message-type = event
    "0b" "3a6576656e742d74797065" "07" "000a" "417564696f4576656e74"  # :event-type = AudioEvent
    "0d" "3a636f6e74656e742d74797065" "07" "0018"  # :content-type =
    "6170706c69636174696f6e2f6f637465742d73747265616d"  # application/octet-stream
    "000102030405060708090a0b0c0d0e0f"  # payload
    "5c3d915b"  # message CRC
)

# Response TranscriptEvent, headers :event-type, :content-type, :message-type.
TRANSCRIPT_EVENT = bytes.fromhex(
    "0000008200000055b50599e00b3a6576656e742d7479706507000f5472616e7363726970744576"
    "656e740d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d"
    "6573736167652d747970650700056576656e747b225472616e736372697074223a7b2252657375"
    "6c7473223a5b5d7d7dac5a832a"
)

# Response exception, BadRequestException with the 15-second timeout message.
EXCEPTION_EVENT = bytes.fromhex(
    "000000c70000006104a2ba6c0f3a657863657074696f6e2d7479706507001342616452657175"
    "657374457863657074696f6e0d3a636f6e74656e742d747970650700106170706c6963617469"
    "6f6e2f6a736f6e0d3a6d6573736167652d74797065070009657863657074696f6e7b224d6573"
    "73616765223a22596f757220726571756573742074696d6564206f75742062656361757365206e"
    "6f206e657720617564696f2077617320726563656976656420666f72203135207365636f6e64"
    "732e227d3db9416f"
)

VECTORS = [
    pytest.param(
        AUDIO_EVENT,
        {
            ":message-type": "event",
            ":event-type": "AudioEvent",
            ":content-type": "application/octet-stream",
        },
        bytes(range(16)),
        id="audio-event",
    ),
    pytest.param(
        TRANSCRIPT_EVENT,
        {
            ":event-type": "TranscriptEvent",
            ":content-type": "application/json",
            ":message-type": "event",
        },
        b'{"Transcript":{"Results":[]}}',
        id="transcript-event",
    ),
    pytest.param(
        EXCEPTION_EVENT,
        {
            ":exception-type": "BadRequestException",
            ":content-type": "application/json",
            ":message-type": "exception",
        },
        b'{"Message":"Your request timed out because no new audio was received for 15 seconds."}',
        id="bad-request-exception",
    ),
]


@pytest.mark.parametrize("wire, headers, payload", VECTORS)
def test_encode_matches_vector(wire: bytes, headers: dict, payload: bytes) -> None:
    assert encode_message(headers, payload) == wire
    assert Message(headers, payload).encode() == wire


@pytest.mark.parametrize("wire, headers, payload", VECTORS)
def test_decode_matches_vector(wire: bytes, headers: dict, payload: bytes) -> None:
    message = decode_message(wire)
    assert message.headers == headers
    assert list(message.headers) == list(headers)  # wire order kept
    assert message.payload == payload


def test_vectors_as_one_stream_fed_byte_by_byte() -> None:
    stream = AUDIO_EVENT + TRANSCRIPT_EVENT + EXCEPTION_EVENT
    decoder = EventStreamDecoder()
    messages = []
    for i in range(len(stream)):
        messages.extend(decoder.feed(stream[i : i + 1]))
        # A message appears exactly when its last byte arrives.
        ends = {len(AUDIO_EVENT), len(AUDIO_EVENT) + len(TRANSCRIPT_EVENT), len(stream)}
        assert (len(messages) == sum(1 for e in ends if e <= i + 1))
    decoder.close()
    assert [m.payload for m in messages] == [p.values[2] for p in VECTORS]
    assert decoder.offset == len(stream)


def test_smallest_message() -> None:
    wire = bytes.fromhex("00000010000000000" "5c248eb7d98c8ff")
    assert encode_message({}, b"") == wire
    assert decode_message(wire) == Message({}, b"")
