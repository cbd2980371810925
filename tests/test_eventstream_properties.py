"""Property tests of the codec: round trips, arbitrary splits, botocore agreement, fuzzing."""

from __future__ import annotations

import datetime
import struct
import uuid
from typing import Any, Dict, List

import pytest
from botocore.eventstream import EventStreamBuffer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amazon_transcribe.eventstream import (
    Byte,
    DecodeError,
    EventStreamDecoder,
    Integer,
    Long,
    Message,
    Short,
    TruncatedStreamError,
    decode_message,
)

from .strategies import messages

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def decode_all(data: bytes, cuts: List[int]) -> List[Message]:
    decoder = EventStreamDecoder()
    out: List[Message] = []
    previous = 0
    for cut in sorted(set(cuts)) + [len(data)]:
        out.extend(decoder.feed(data[previous:cut]))
        previous = cut
    decoder.close()
    return out


@given(messages)
def test_round_trip(message: Message) -> None:
    decoded = decode_message(message.encode())
    assert decoded == message
    # Types survive, not just values: Byte stays Byte, timestamps stay datetimes.
    for name, value in message.headers.items():
        got = decoded.headers[name]
        if isinstance(value, bool) or not isinstance(value, int):
            assert type(got) is type(value)
        elif type(value) is int:
            assert type(got) is Integer
        else:
            assert type(got) is type(value)


@given(st.lists(messages, max_size=5), st.data())
def test_any_split_gives_the_same_messages(batch: List[Message], data: st.DataObject) -> None:
    stream = b"".join(m.encode() for m in batch)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=30))
    assert decode_all(stream, cuts) == batch


def test_one_byte_at_a_time_is_linear() -> None:
    # 200 messages of 4 KiB fed one byte at a time: each byte is handled in
    # O(1), so this finishes quickly; a quadratic decoder would not.
    batch = [Message({":event-type": "AudioEvent"}, bytes([i % 256]) * 4096) for i in range(200)]
    stream = b"".join(m.encode() for m in batch)
    decoder = EventStreamDecoder()
    out: List[Message] = []
    for i in range(len(stream)):
        out.extend(decoder.feed(stream[i : i + 1]))
    assert out == batch


def _botocore_view(value: Any) -> Any:
    """What botocore's parser returns for a header value we encoded."""
    if isinstance(value, datetime.datetime):
        return (value - _EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(value, uuid.UUID):
        return value.bytes
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return value


@given(st.lists(messages, min_size=1, max_size=4))
def test_botocore_decodes_what_we_encode(batch: List[Message]) -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(b"".join(m.encode() for m in batch))
    parsed = list(buffer)
    assert len(parsed) == len(batch)
    for ours, theirs in zip(batch, parsed):
        expected: Dict[str, Any] = {k: _botocore_view(v) for k, v in ours.headers.items()}
        assert theirs.headers == expected
        assert theirs.payload == ours.payload


# -- hostile input -------------------------------------------------------------

ALLOWED = (DecodeError,)


def _decode_hostile(data: bytes, cuts: List[int]) -> None:
    try:
        decode_all(data, cuts)
    except ALLOWED:
        pass


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096), st.lists(st.integers(0, 4096), max_size=5))
def test_random_bytes_raise_only_codec_errors(data: bytes, cuts: List[int]) -> None:
    _decode_hostile(data, [c for c in cuts if c <= len(data)])


@given(messages, st.data())
def test_flipped_bits_raise_only_codec_errors(message: Message, data: st.DataObject) -> None:
    wire = bytearray(message.encode())
    bits = data.draw(st.sets(st.integers(0, len(wire) * 8 - 1), min_size=1, max_size=3))
    for bit in bits:
        wire[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(ALLOWED):
        # CRC32 detects every error of up to 3 bits at these lengths, so one
        # to three distinct flipped bits must fail with a codec error.
        decode_all(bytes(wire), [])


@given(messages, st.data())
def test_truncation_is_reported(message: Message, data: st.DataObject) -> None:
    wire = message.encode()
    keep = data.draw(st.integers(1, len(wire) - 1))
    with pytest.raises(TruncatedStreamError):
        decode_all(wire[:keep], [])


def _reframe(headers_block: bytes, payload: bytes, total: int, headers_length: int) -> bytes:
    """A message with chosen length fields and CRCs that are valid for them."""
    from zlib import crc32

    prelude = struct.pack(">II", total, headers_length)
    prelude += struct.pack(">I", crc32(prelude))
    body = prelude + headers_block + payload
    return body + struct.pack(">I", crc32(body))


@given(
    messages,
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
)
def test_bad_lengths_with_valid_crcs_raise_only_codec_errors(
    message: Message, total: int, headers_length: int
) -> None:
    wire = message.encode()
    block_length = struct.unpack(">I", wire[4:8])[0]
    block = wire[12 : 12 + block_length]
    hostile = _reframe(block, message.payload, total, headers_length)
    _decode_hostile(hostile, [])


@given(st.binary(max_size=512))
def test_random_header_blocks_raise_only_codec_errors(block: bytes) -> None:
    # Valid framing and CRCs around a random headers block: exercises the
    # header parser itself (unknown types, short values, bad UTF-8...).
    hostile = _reframe(block, b"payload", len(block) + 16 + 7, len(block))
    _decode_hostile(hostile, [])


@pytest.mark.parametrize(
    "value",
    [Byte(-128), Byte(127), Short(-32768), Short(32767), Integer(-(2**31)), Long(2**63 - 1)],
    ids=["byte-min", "byte-max", "short-min", "short-max", "int-min", "long-max"],
)
def test_integer_bounds_round_trip(value: int) -> None:
    message = Message({"x": value})
    got = decode_message(message.encode()).headers["x"]
    assert got == value and type(got) is type(value)
