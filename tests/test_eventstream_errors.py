"""Named hostile inputs: each gives its own codec error, saying what and where."""

from __future__ import annotations

import datetime
import struct
from zlib import crc32

import pytest

from amazon_transcribe.eventstream import (
    MAX_HEADERS_LENGTH,
    MAX_PAYLOAD_LENGTH,
    Byte,
    DecodeError,
    DuplicateHeaderError,
    EncodeError,
    EventStreamDecoder,
    HeaderError,
    LengthError,
    Long,
    MessageChecksumError,
    PreludeChecksumError,
    TruncatedStreamError,
    UnknownHeaderTypeError,
    decode_message,
    encode_headers,
    encode_message,
)
from amazon_transcribe.exceptions import SDKError

GOOD = encode_message({":event-type": "AudioEvent"}, b"abc")


def frame(block: bytes, payload: bytes = b"", *, total: int | None = None,
          headers_length: int | None = None) -> bytes:
    """A message around ``block``/``payload`` with valid CRCs for the given lengths."""
    total = len(block) + len(payload) + 16 if total is None else total
    headers_length = len(block) if headers_length is None else headers_length
    prelude = struct.pack(">II", total, headers_length)
    prelude += struct.pack(">I", crc32(prelude))
    body = prelude + block + payload
    return body + struct.pack(">I", crc32(body))


def test_prelude_crc_mismatch_names_both_values_and_offset() -> None:
    bad = bytearray(GOOD)
    bad[9] ^= 0xFF
    with pytest.raises(PreludeChecksumError) as info:
        EventStreamDecoder().feed(bytes(bad))
    err = info.value
    assert err.offset == 8
    assert err.found == struct.unpack(">I", bytes(bad[8:12]))[0]
    assert err.expected == crc32(GOOD[:8])
    assert "prelude CRC" in str(err) and f"0x{err.found:08x}" in str(err)


def test_message_crc_mismatch_offset_is_in_stream_coordinates() -> None:
    bad = bytearray(GOOD)
    bad[-6] ^= 0x01  # a payload byte
    decoder = EventStreamDecoder()
    assert len(decoder.feed(GOOD)) == 1
    with pytest.raises(MessageChecksumError) as info:
        decoder.feed(bytes(bad))
    assert info.value.offset == len(GOOD) + len(GOOD) - 4
    assert info.value.expected == crc32(bytes(bad[:-4]))


def test_decoder_stays_failed() -> None:
    decoder = EventStreamDecoder()
    bad = bytearray(GOOD)
    bad[0] ^= 0x80
    with pytest.raises(PreludeChecksumError) as first:
        decoder.feed(bytes(bad))
    with pytest.raises(PreludeChecksumError) as again:
        decoder.feed(GOOD)
    assert again.value is first.value
    with pytest.raises(PreludeChecksumError):
        decoder.close()


@pytest.mark.parametrize(
    "wire, error, text",
    [
        (frame(b"", total=15, headers_length=0)[:12], LengthError, "below the minimum 16"),
        (frame(b"", total=16, headers_length=1)[:12], LengthError, "does not fit"),
        (frame(b"", total=MAX_HEADERS_LENGTH + 100, headers_length=MAX_HEADERS_LENGTH + 1)[:12],
         LengthError, "headers length"),
        (frame(b"", total=MAX_PAYLOAD_LENGTH + 17, headers_length=0)[:12], LengthError,
         "payload length"),
    ],
    ids=["total-below-16", "headers-longer-than-message", "headers-over-128k", "payload-over-24m"],
)
def test_impossible_lengths_fail_on_the_prelude_alone(wire: bytes, error: type, text: str) -> None:
    # Only the 12 prelude bytes are fed: a hostile length is refused before
    # the decoder would wait for (or buffer) the bytes it announces.
    with pytest.raises(error, match=text):
        EventStreamDecoder().feed(wire)


def test_custom_payload_limit() -> None:
    decoder = EventStreamDecoder(max_payload_length=2)
    with pytest.raises(LengthError) as info:
        decoder.feed(GOOD)
    assert (info.value.found, info.value.limit) == (3, 2)


def _header(name: bytes, type_id: int, value: bytes) -> bytes:
    return bytes([len(name)]) + name + bytes([type_id]) + value


@pytest.mark.parametrize(
    "block, error, text",
    [
        (_header(b"a", 10, b""), UnknownHeaderTypeError, "unknown value type 10"),
        (b"\x00", HeaderError, "name length is 0"),
        (b"\x05ab", HeaderError, "ends inside a header name"),
        (_header(b"a", 3, b"\x00"), HeaderError, "ends inside the value"),
        (_header(b"a", 7, b"\x00\x05ab"), HeaderError, "ends inside the value"),
        (_header(b"a", 7, b"\x00"), HeaderError, "ends inside the length"),
        (_header(b"a", 7, b"\x00\x02\xff\xfe"), HeaderError, "not valid UTF-8"),
        (_header(b"\xff", 0, b""), HeaderError, "name is not valid UTF-8"),
        (_header(b"a", 6, b"\x80\x00" + b"x" * 32768), HeaderError, "exceeds 32767"),
        (_header(b"a", 0, b"") + _header(b"a", 1, b""), DuplicateHeaderError, "duplicate"),
        (_header(b"t", 8, struct.pack(">q", 2**62)), HeaderError, "outside the range"),
    ],
    ids=[
        "unknown-type", "empty-name", "truncated-name", "truncated-short", "truncated-string",
        "truncated-length", "bad-utf8-value", "bad-utf8-name", "string-over-limit",
        "duplicate-name", "timestamp-out-of-range",
    ],
)
def test_malformed_headers(block: bytes, error: type, text: str) -> None:
    with pytest.raises(error, match=text) as info:
        decode_message(frame(block, b"p"))
    assert info.value.offset >= 12  # inside the headers block


def test_truncated_stream_reports_progress() -> None:
    decoder = EventStreamDecoder()
    decoder.feed(GOOD + GOOD[:20])
    with pytest.raises(TruncatedStreamError, match=f"20 of {len(GOOD)} bytes") as info:
        decoder.close()
    assert info.value.offset == len(GOOD)


def test_decode_message_refuses_trailing_message() -> None:
    with pytest.raises(LengthError, match="exactly one message"):
        decode_message(GOOD + GOOD)


def test_errors_belong_to_one_tree() -> None:
    for cls in (PreludeChecksumError, MessageChecksumError, LengthError, HeaderError,
                DuplicateHeaderError, UnknownHeaderTypeError, TruncatedStreamError):
        assert issubclass(cls, DecodeError) and issubclass(cls, SDKError)
    assert issubclass(EncodeError, ValueError) and issubclass(EncodeError, SDKError)


@pytest.mark.parametrize(
    "headers, text",
    [
        ({"": True}, "must be 1..255"),
        ({"x" * 256: True}, "must be 1..255"),
        ({"n": 2**31}, "does not fit an integer"),
        ({"n": 1.5}, "cannot encode a value of type float"),
        ({"n": None}, "cannot encode a value of type NoneType"),
        ({"n": "x" * 32768}, "exceeds 32767"),
        ({"n": b"x" * 32768}, "exceeds 32767"),
        ({"n": datetime.datetime(2024, 1, 1)}, "timezone-aware"),
    ],
    ids=["empty-name", "long-name", "int-overflow", "float", "none", "long-string",
         "long-bytes", "naive-datetime"],
)
def test_encode_refuses_what_cannot_be_sent(headers: dict, text: str) -> None:
    with pytest.raises(EncodeError, match=text):
        encode_headers(headers)


@pytest.mark.parametrize("cls, value", [(Byte, 128), (Byte, -129), (Long, 2**63)],
                         ids=["byte-high", "byte-low", "long-high"])
def test_sized_integer_ranges(cls: type, value: int) -> None:
    with pytest.raises(EncodeError, match="must be in"):
        cls(value)


def test_encode_refuses_oversized_payload_and_headers() -> None:
    with pytest.raises(EncodeError, match="payload of"):
        encode_message({}, bytes(MAX_PAYLOAD_LENGTH + 1))
    many = {f"h{i:05d}": "x" * 1000 for i in range(140)}
    with pytest.raises(EncodeError, match="headers block of"):
        encode_headers(many)


def test_timestamps_keep_whole_milliseconds() -> None:
    instant = datetime.datetime(2024, 1, 1, 0, 0, 1, 999999, tzinfo=datetime.timezone.utc)
    decoded = decode_message(encode_message({":date": instant})).headers[":date"]
    assert decoded == instant.replace(microsecond=999000)
    other_zone = instant.astimezone(datetime.timezone(datetime.timedelta(hours=5)))
    assert encode_headers({":date": other_zone}) == encode_headers({":date": instant})
