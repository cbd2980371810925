"""0.6.4's event-stream names (``amazon_transcribe.eventstream``) and ``structures``.

The encoder against the byte vectors of PROTOCOL.md §9.7, the decoder fed
those bytes in every split, each 0.6.4 error class on the input that calls
for it, the event signer against the worked example of §10.6, the input and
output stream plumbing on fakes, and the non-blocking byte buffer.
"""

from __future__ import annotations

import asyncio
import datetime
import pickle
import struct
import uuid
import zlib
from typing import Any, AsyncIterator, Dict, List, Mapping, Optional, Tuple

import pytest
from botocore.eventstream import EventStreamBuffer as BotocoreBuffer
from hypothesis import given, settings
from hypothesis import strategies as st

from amazon_transcribe._signer import EventSigner as CoreEventSigner
from amazon_transcribe.auth import Credentials
from amazon_transcribe.eventstream import (
    BaseEvent,
    BaseStream,
    Byte,
    ChecksumError,
    ChecksumMismatch,
    DecodeError,
    DecodeUtils,
    DuplicateHeader,
    DuplicateHeaderError,
    EncodeError,
    EventSigner,
    EventStream,
    EventStreamBuffer,
    EventStreamDecoder,
    EventStreamHeaderParser,
    EventStreamMessage,
    EventStreamMessageSerializer,
    HeaderBytesExceedMaxLength,
    HeaderValue,
    HeaderValueBytesExceedMaxLength,
    Int8HeaderValue,
    Int16HeaderValue,
    Int32HeaderValue,
    Int64HeaderValue,
    InvalidHeadersLength,
    InvalidHeaderValue,
    InvalidPayloadLength,
    LengthError,
    Long,
    Message,
    MessagePrelude,
    ParserError,
    PayloadBytesExceedMaxLength,
    SerializationError,
    Short,
    UnknownHeaderTypeError,
    decode_message,
    encode_message,
)
from amazon_transcribe.exceptions import CredentialsException, SDKError, ValidationException
from amazon_transcribe.structures import BufferableByteStream

from ..strategies import messages as core_messages

UTC = datetime.timezone.utc
WAIT = 5.0  # seconds; every await in these tests is bounded by it

# -- PROTOCOL.md §9.7 and §10.6 ----------------------------------------------

AUDIO_HEADERS = {
    ":message-type": "event",
    ":event-type": "AudioEvent",
    ":content-type": "application/octet-stream",
}
AUDIO_PAYLOAD = bytes(range(16))
# Inner AudioEvent: 120 bytes, headers_length 88.
AUDIO_EVENT = bytes.fromhex(
    "00000078" "00000058" "c930ada1"  # total 120, headers 88, prelude CRC
    "0d" "3a6d6573736167652d74797065" "07" "0005" "6576656e74"  # :message-type = event
    "0b" "3a6576656e742d74797065" "07" "000a" "417564696f4576656e74"  # :event-type = AudioEvent
    "0d" "3a636f6e74656e742d74797065" "07" "0018"  # :content-type =
    "6170706c69636174696f6e2f6f637465742d73747265616d"  # application/octet-stream
    "000102030405060708090a0b0c0d0e0f"  # payload
    "5c3d915b"  # message CRC
)

TRANSCRIPT_HEADERS = {
    ":event-type": "TranscriptEvent",
    ":content-type": "application/json",
    ":message-type": "event",
}
TRANSCRIPT_PAYLOAD = b'{"Transcript":{"Results":[]}}'
# Response TranscriptEvent, 130 bytes (headers 0x55, CRCs b50599e0 / ac5a832a).
TRANSCRIPT_EVENT = bytes.fromhex(
    "0000008200000055b50599e00b3a6576656e742d7479706507000f5472616e7363726970744576"
    "656e740d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d"
    "6573736167652d747970650700056576656e747b225472616e736372697074223a7b2252657375"
    "6c7473223a5b5d7d7dac5a832a"
)

EXCEPTION_HEADERS = {
    ":exception-type": "BadRequestException",
    ":content-type": "application/json",
    ":message-type": "exception",
}
EXCEPTION_PAYLOAD = (
    b'{"Message":"Your request timed out because no new audio was received for 15 seconds."}'
)
# Response exception, 199 bytes (headers 0x61, CRCs 04a2ba6c / 3db9416f).
EXCEPTION_EVENT = bytes.fromhex(
    "000000c70000006104a2ba6c0f3a657863657074696f6e2d7479706507001342616452657175"
    "657374457863657074696f6e0d3a636f6e74656e742d747970650700106170706c6963617469"
    "6f6e2f6a736f6e0d3a6d6573736167652d74797065070009657863657074696f6e7b224d6573"
    "73616765223a22596f757220726571756573742074696d6564206f75742062656361757365206e"
    "6f206e657720617564696f2077617320726563656976656420666f72203135207365636f6e64"
    "732e227d3db9416f"
)

# The smallest message: no headers, no payload.
EMPTY_MESSAGE = bytes.fromhex("00000010" "00000000" "05c248eb" "7d98c8ff")

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CREDENTIALS = Credentials(ACCESS_KEY, SECRET_KEY)
SEED = bytes.fromhex("8aa48422974eac14cf76c725b4cc55337ba7ae01e80234b161fc801a6b2234dd")
T1 = datetime.datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC)  # ms 1704067201000
T2 = datetime.datetime(2024, 1, 1, 0, 0, 2, tzinfo=UTC)  # ms 1704067202000
SIGNATURE_1 = bytes.fromhex("222a58212ee4252f51e35eec3457ff0f9e887152cac0275b638c3b1177887a6b")
SIGNATURE_END = bytes.fromhex("2d341be3bf5818394166799fc8ef815367e2fb52faea13a3089852e3d4e46e6d")
# Envelope of event 1: 203 bytes = 12 + 67 + 120 + 4.
ENVELOPE_1 = (
    bytes.fromhex(
        "000000cb" "00000043" "14321689"  # total 203, headers 67, prelude CRC
        "05" "3a64617465" "08" "0000018cc251f7e8"  # :date = 1704067201000 ms
        "10" "3a6368756e6b2d7369676e6174757265" "06" "0020"  # :chunk-signature, 32 bytes
    )
    + SIGNATURE_1
    + AUDIO_EVENT  # the payload is the inner message
    + bytes.fromhex("27ec260f")  # message CRC
)
# End frame: 83 bytes, no payload.
END_FRAME = bytes.fromhex(
    "0000005300000043f5447a58053a64617465080000018cc251fbd0103a6368756e6b2d7369676e61"
    "747572650600202d341be3bf5818394166799fc8ef815367e2fb52faea13a3089852e3d4e46e6d12"
    "267bec"
)

# (wire, total_length, headers_length, prelude CRC, headers as 0.6.4 decodes
# them, payload, message CRC)
DECODED = [
    (AUDIO_EVENT, 120, 88, 0xC930ADA1, AUDIO_HEADERS, AUDIO_PAYLOAD, 0x5C3D915B),
    (TRANSCRIPT_EVENT, 130, 0x55, 0xB50599E0, TRANSCRIPT_HEADERS, TRANSCRIPT_PAYLOAD, 0xAC5A832A),
    (EXCEPTION_EVENT, 199, 0x61, 0x04A2BA6C, EXCEPTION_HEADERS, EXCEPTION_PAYLOAD, 0x3DB9416F),
    (
        ENVELOPE_1, 203, 67, 0x14321689,
        {":date": 1704067201000, ":chunk-signature": SIGNATURE_1}, AUDIO_EVENT, 0x27EC260F,
    ),
    (
        END_FRAME, 83, 67, 0xF5447A58,
        {":date": 1704067202000, ":chunk-signature": SIGNATURE_END}, b"", 0x12267BEC,
    ),
    (EMPTY_MESSAGE, 16, 0, 0x05C248EB, {}, b"", 0x7D98C8FF),
]
STREAM = b"".join(entry[0] for entry in DECODED)


def summary(message: EventStreamMessage) -> Tuple[Any, ...]:
    prelude = message.prelude
    return (
        prelude.total_length, prelude.headers_length, prelude.crc,
        message.headers, message.payload, message.crc,
    )


EXPECTED_SUMMARIES = [entry[1:] for entry in DECODED]


def frame(block: bytes, payload: bytes = b"") -> bytes:
    """A message with correct CRCs around any headers block, valid or not."""
    return encode_message(block, payload)


def prelude_only(total: int, headers_length: int) -> bytes:
    head = struct.pack(">II", total, headers_length)
    return head + struct.pack(">I", zlib.crc32(head))


def drain(buffer: EventStreamBuffer) -> List[EventStreamMessage]:
    return list(buffer)


# -- the serializer ----------------------------------------------------------


@pytest.mark.parametrize(
    "wire, headers, payload",
    [
        pytest.param(AUDIO_EVENT, AUDIO_HEADERS, AUDIO_PAYLOAD, id="audio-event"),
        pytest.param(TRANSCRIPT_EVENT, TRANSCRIPT_HEADERS, TRANSCRIPT_PAYLOAD, id="transcript"),
        pytest.param(EXCEPTION_EVENT, EXCEPTION_HEADERS, EXCEPTION_PAYLOAD, id="exception"),
        pytest.param(
            ENVELOPE_1, {":date": T1, ":chunk-signature": SIGNATURE_1}, AUDIO_EVENT,
            id="signed-envelope",
        ),
        pytest.param(
            END_FRAME, {":date": T2, ":chunk-signature": SIGNATURE_END}, b"", id="end-frame"
        ),
        pytest.param(EMPTY_MESSAGE, {}, b"", id="empty"),
    ],
)
def test_serializer_matches_the_vectors(wire: bytes, headers: Dict[str, Any], payload: bytes) -> None:
    assert EventStreamMessageSerializer().serialize(headers, payload) == wire


# Every header type, in 0.6.4's spelling, and its bytes.
TYPED_HEADERS: Dict[str, Any] = {
    "t": True,
    "f": False,
    "b": Int8HeaderValue(-2),
    "s": Int16HeaderValue(-3),
    "i": 7,  # a plain int is an int32
    "I": Int32HeaderValue(-4),
    "l": Int64HeaderValue(2**40),
    "a": b"\x00\xff",
    "x": "\u00e9",
    "d": T1,
    "u": uuid.UUID("00112233-4455-6677-8899-aabbccddeeff"),
}
TYPED_BLOCK = bytes.fromhex(
    "01" "74" "00"  # t: true
    "01" "66" "01"  # f: false
    "01" "62" "02" "fe"  # b: byte -2
    "01" "73" "03" "fffd"  # s: short -3
    "01" "69" "04" "00000007"  # i: integer 7
    "01" "49" "04" "fffffffc"  # I: integer -4
    "01" "6c" "05" "0000010000000000"  # l: long 2**40
    "01" "61" "06" "0002" "00ff"  # a: byte array of 2
    "01" "78" "07" "0002" "c3a9"  # x: string "é", 2 UTF-8 bytes
    "01" "64" "08" "0000018cc251f7e8"  # d: timestamp, ms
    "01" "75" "09" "00112233445566778899aabbccddeeff"  # u: uuid
)
# What 0.6.4's decoder gives back for TYPED_BLOCK.
TYPED_DECODED: Dict[str, Any] = {
    "t": True, "f": False, "b": -2, "s": -3, "i": 7, "I": -4, "l": 2**40,
    "a": b"\x00\xff", "x": "\u00e9", "d": 1704067201000,
    "u": bytes.fromhex("00112233445566778899aabbccddeeff"),
}


def test_encode_headers_gives_each_type_its_bytes() -> None:
    assert EventStreamMessageSerializer().encode_headers(TYPED_HEADERS) == TYPED_BLOCK


def test_serialize_frames_the_block() -> None:
    wire = EventStreamMessageSerializer().serialize(TYPED_HEADERS, b"p")
    assert wire[:8] == struct.pack(">II", 12 + len(TYPED_BLOCK) + 1 + 4, len(TYPED_BLOCK))
    assert wire[12:-5] == TYPED_BLOCK and wire[-5:-4] == b"p"
    assert struct.unpack(">I", wire[8:12])[0] == zlib.crc32(wire[:8])
    assert struct.unpack(">I", wire[-4:])[0] == zlib.crc32(wire[:-4])


def test_default_int_type_can_be_changed_by_a_subclass() -> None:
    class LongInts(EventStreamMessageSerializer):
        DEFAULT_INT_TYPE = Int64HeaderValue

    assert LongInts().encode_headers({"n": 1}) == bytes.fromhex("016e05" "0000000000000001")


def test_our_marker_ints_keep_their_type() -> None:
    block = EventStreamMessageSerializer().encode_headers({"b": Byte(1), "s": Short(2), "l": Long(3)})
    assert block == bytes.fromhex("016202" "01" "017303" "0002" "016c05" "0000000000000003")


def test_a_naive_datetime_is_local_time_as_in_0_6_4() -> None:
    naive = datetime.datetime(2024, 1, 1, 0, 0, 1)
    millis = int(naive.timestamp() * 1000)  # how 0.6.4 read a naive value
    block = EventStreamMessageSerializer().encode_headers({"d": naive})
    assert block == bytes.fromhex("016408") + struct.pack(">q", millis)


@pytest.mark.parametrize(
    "value",
    [1.5, None, [1], bytearray(b"x"), object()],
    ids=["float", "none", "list", "bytearray", "object"],
)
def test_a_value_with_no_header_type_is_an_invalid_header_value(value: Any) -> None:
    with pytest.raises(InvalidHeaderValue) as info:
        EventStreamMessageSerializer().serialize({"h": value}, b"")
    assert info.value.value is value
    assert isinstance(info.value, SerializationError)
    assert isinstance(info.value, EncodeError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "value",
    [
        Int8HeaderValue(128), Int16HeaderValue(-(2**15) - 1), Int32HeaderValue(2**31),
        Int64HeaderValue(2**63), Int8HeaderValue("1"),  # type: ignore[arg-type]
    ],
    ids=["int8", "int16", "int32", "int64", "not-an-int"],
)
def test_a_wrapper_whose_value_does_not_fit_is_an_invalid_header_value(value: HeaderValue) -> None:
    with pytest.raises(InvalidHeaderValue) as info:
        EventStreamMessageSerializer().encode_headers({"h": value})
    assert info.value.value is value


def test_a_plain_int_beyond_int32_is_an_invalid_header_value() -> None:
    with pytest.raises(InvalidHeaderValue, match="2147483648"):
        EventStreamMessageSerializer().encode_headers({"h": 2**31})


def test_header_value_itself_cannot_be_made() -> None:
    with pytest.raises(NotImplementedError):
        HeaderValue(1)


@pytest.mark.parametrize(
    "value, length",
    [(b"x" * 32768, 32768), ("x" * 32768, 32768), ("\u00e9" * 16384, 32768)],
    ids=["bytes", "string", "string-counted-in-utf8-bytes"],
)
def test_an_over_long_header_value(value: Any, length: int) -> None:
    with pytest.raises(HeaderValueBytesExceedMaxLength) as info:
        EventStreamMessageSerializer().serialize({"h": value}, b"")
    assert info.value.length == length


def test_the_longest_header_values_are_accepted() -> None:
    block = EventStreamMessageSerializer().encode_headers({"h": b"x" * 32767, "s": "y" * 32767})
    assert len(block) == 2 * (2 + 1 + 2 + 32767)


def test_an_over_long_headers_block_fails_in_serialize_only() -> None:
    headers = {f"h{i}": b"x" * 32767 for i in range(5)}  # 5 * 32773 bytes > 128 KiB
    serializer = EventStreamMessageSerializer()
    assert len(serializer.encode_headers(headers)) == 5 * 32773
    with pytest.raises(HeaderBytesExceedMaxLength) as info:
        serializer.serialize(headers, b"")
    assert info.value.length == 5 * 32773


def test_an_over_long_payload() -> None:
    serializer = EventStreamMessageSerializer()
    limit = 16 * 1024 * 1024
    with pytest.raises(PayloadBytesExceedMaxLength) as info:
        serializer.serialize({}, bytes(limit + 1))
    assert info.value.length == limit + 1
    assert len(serializer.serialize({}, bytes(limit))) == limit + 16


@pytest.mark.parametrize("name", ["", "n" * 256], ids=["empty", "256-bytes"])
def test_a_header_name_that_cannot_be_encoded(name: str) -> None:
    with pytest.raises(SerializationError, match="1..255"):
        EventStreamMessageSerializer().encode_headers({name: True})


# -- the decoder -------------------------------------------------------------


def test_buffer_gives_the_vectors_messages() -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(STREAM)
    got = drain(buffer)
    assert [summary(m) for m in got] == EXPECTED_SUMMARIES
    assert all(isinstance(m.prelude, MessagePrelude) for m in got)
    with pytest.raises(StopIteration):
        buffer.next()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, len(STREAM)), max_size=40))
def test_buffer_gives_the_same_messages_in_any_split(cuts: List[int]) -> None:
    buffer = EventStreamBuffer()
    got: List[EventStreamMessage] = []
    previous = 0
    for cut in sorted(set(cuts)) + [len(STREAM)]:
        buffer.add_data(STREAM[previous:cut])
        got.extend(buffer)
        previous = cut
    assert [summary(m) for m in got] == EXPECTED_SUMMARIES


@settings(max_examples=100, deadline=None)
@given(st.lists(core_messages, min_size=1, max_size=4), st.data())
def test_buffer_agrees_with_botocore(batch: List[Message], data: st.DataObject) -> None:
    # botocore's parser is where 0.6.4's came from: the same value shapes.
    stream = b"".join(m.encode() for m in batch)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=10))
    ours, theirs = EventStreamBuffer(), BotocoreBuffer()
    got: List[EventStreamMessage] = []
    previous = 0
    for cut in sorted(set(cuts)) + [len(stream)]:
        ours.add_data(stream[previous:cut])
        got.extend(ours)
        previous = cut
    theirs.add_data(stream)
    expected = list(theirs)
    assert len(got) == len(expected) == len(batch)
    for mine, boto in zip(got, expected):
        assert (mine.prelude.total_length, mine.prelude.headers_length, mine.prelude.crc) == (
            boto.prelude.total_length, boto.prelude.headers_length, boto.prelude.crc,
        )
        assert mine.headers == boto.headers
        assert [type(v) for v in mine.headers.values()] == [type(v) for v in boto.headers.values()]
        assert (mine.payload, mine.crc) == (boto.payload, boto.crc)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=20),
        st.one_of(
            st.booleans(), st.integers(-(2**31), 2**31 - 1), st.binary(max_size=50),
            st.text(max_size=50), st.uuids(),
        ),
        max_size=6,
    ),
    st.binary(max_size=200),
)
def test_serialize_then_buffer_round_trip(headers: Dict[str, Any], payload: bytes) -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(EventStreamMessageSerializer().serialize(headers, payload))
    (message,) = drain(buffer)
    expected = {k: v.bytes if isinstance(v, uuid.UUID) else v for k, v in headers.items()}
    assert message.headers == expected and message.payload == payload


def corrupt(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.mark.parametrize(
    "data, offset, carried, computed",
    [
        pytest.param(
            corrupt(AUDIO_EVENT, 8), 8, 0xC930ADA1 ^ 0x01000000, 0xC930ADA1, id="prelude-crc"
        ),
        pytest.param(
            corrupt(AUDIO_EVENT, 119), 116, 0x5C3D915B ^ 0x01, 0x5C3D915B, id="message-crc"
        ),
        pytest.param(
            corrupt(AUDIO_EVENT, 100), 116, 0x5C3D915B,
            zlib.crc32(corrupt(AUDIO_EVENT, 100)[:116]), id="payload-byte",
        ),
    ],
)
def test_a_bad_crc_is_a_checksum_mismatch(
    data: bytes, offset: int, carried: int, computed: int
) -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    with pytest.raises(ChecksumMismatch) as info:
        buffer.next()
    error = info.value
    assert isinstance(error, ParserError) and isinstance(error, ChecksumError)
    assert (error.offset, error.found, error.expected) == (offset, carried, computed)
    assert f"0x{carried:08x}" in str(error) and f"0x{computed:08x}" in str(error)


def test_a_headers_length_over_128_kib_fails_before_its_bytes_arrive() -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(prelude_only(16 + 131073, 131073))
    with pytest.raises(InvalidHeadersLength) as info:
        buffer.next()
    assert isinstance(info.value, LengthError)
    assert (info.value.found, info.value.limit) == (131073, 131072)


def test_a_payload_length_over_16_mib_fails_before_its_bytes_arrive() -> None:
    limit = 16 * 1024 * 1024
    buffer = EventStreamBuffer()
    buffer.add_data(prelude_only(16 + limit + 1, 0))
    with pytest.raises(InvalidPayloadLength) as info:
        buffer.next()
    assert isinstance(info.value, LengthError)
    assert (info.value.found, info.value.limit) == (limit + 1, limit)
    # 16 MiB itself is allowed: the buffer waits for the bytes.
    waiting = EventStreamBuffer()
    waiting.add_data(prelude_only(16 + limit, 0))
    assert drain(waiting) == []


def test_a_duplicate_header() -> None:
    good = AUDIO_EVENT
    bad = frame(bytes.fromhex("016100" "016101"))  # "a": true, then "a": false
    buffer = EventStreamBuffer()
    buffer.add_data(good + bad)
    assert summary(buffer.next())[3] == AUDIO_HEADERS  # the message before it still comes
    with pytest.raises(DuplicateHeader) as info:
        buffer.next()
    assert isinstance(info.value, DuplicateHeaderError)
    assert info.value.header == "a"
    assert info.value.offset == len(good) + 12 + 3  # where the second "a" starts


@pytest.mark.parametrize(
    "data, cause",
    [
        pytest.param(frame(bytes.fromhex("01610a")), UnknownHeaderTypeError, id="unknown-type"),
        pytest.param(frame(bytes.fromhex("016107" "0005" "6162")), DecodeError, id="truncated"),
        pytest.param(prelude_only(12, 0), LengthError, id="total-below-16"),
        pytest.param(prelude_only(20, 8), LengthError, id="headers-longer-than-message"),
    ],
)
def test_other_invalid_messages_are_parser_errors(data: bytes, cause: type) -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    with pytest.raises(ParserError) as info:
        buffer.next()
    assert type(info.value) is ParserError
    assert isinstance(info.value.__cause__, cause)
    assert info.value.offset == info.value.__cause__.offset  # type: ignore[attr-defined]


def test_a_failed_buffer_stays_failed() -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(AUDIO_EVENT + corrupt(TRANSCRIPT_EVENT, 8))
    assert buffer.next().payload == AUDIO_PAYLOAD
    with pytest.raises(ChecksumMismatch) as first:
        buffer.next()
    assert first.value.offset == len(AUDIO_EVENT) + 8  # a stream offset
    buffer.add_data(EXCEPTION_EVENT)
    with pytest.raises(ChecksumMismatch) as again:
        list(buffer)
    assert again.value is first.value


def test_add_data_never_raises() -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(b"\xff" * 64)  # nonsense, but nothing is parsed yet
    with pytest.raises(ChecksumMismatch):
        buffer.next()


def test_message_prelude_offsets() -> None:
    prelude = MessagePrelude(120, 88, 0xC930ADA1)
    assert (prelude.payload_length, prelude.headers_end, prelude.payload_end) == (16, 100, 116)


@pytest.mark.parametrize(
    "message_type, status",
    [("event", 200), ("exception", 400), ("error", 400), (None, 200)],
)
def test_to_response_dict(message_type: Optional[str], status: int) -> None:
    headers = {} if message_type is None else {":message-type": message_type}
    message = EventStreamMessage(MessagePrelude(16, 0, 0), headers, b"body", 0)
    assert message.to_response_dict() == {"status_code": status, "headers": headers, "body": b"body"}
    assert message.to_response_dict(204)["status_code"] == (204 if status == 200 else 400)


# -- DecodeUtils and EventStreamHeaderParser ---------------------------------


@pytest.mark.parametrize(
    "method, data, expected",
    [
        pytest.param(method, data, expected, id=method.__name__)
        for method, data, expected in [
            (DecodeUtils.unpack_true, b"rest", (True, 0)),
            (DecodeUtils.unpack_false, b"", (False, 0)),
            (DecodeUtils.unpack_uint8, b"\xff\x00", (255, 1)),
            (DecodeUtils.unpack_int8, b"\xff\x00", (-1, 1)),
            (DecodeUtils.unpack_int16, b"\xff\xfe\x00", (-2, 2)),
            (DecodeUtils.unpack_uint32, b"\xff\xff\xff\xfe", (0xFFFFFFFE, 4)),
            (DecodeUtils.unpack_int32, b"\xff\xff\xff\xfe", (-2, 4)),
            (DecodeUtils.unpack_int64, bytes.fromhex("0000018cc251f7e8ff"), (1704067201000, 8)),
            (DecodeUtils.unpack_byte_array, b"\x00\x03abcX", (b"abc", 5)),
            (DecodeUtils.unpack_utf8_string, b"\x00\x02\xc3\xa9X", ("\u00e9", 4)),
            (DecodeUtils.unpack_uuid, bytes(range(20)), (bytes(range(16)), 16)),
            (DecodeUtils.unpack_prelude, AUDIO_EVENT[:12], ((120, 88, 0xC930ADA1), 12)),
        ]
    ],
)
def test_decode_utils(method: Any, data: bytes, expected: Tuple[Any, int]) -> None:
    assert method(data) == expected


def test_decode_utils_length_field_sizes() -> None:
    assert DecodeUtils.unpack_byte_array(b"\x02abc", 1) == (b"ab", 3)
    assert DecodeUtils.unpack_utf8_string(b"\x00\x00\x00\x01zz", 4) == ("z", 5)
    with pytest.raises(struct.error):
        DecodeUtils.unpack_uint32(b"\x00")


def test_header_parser_gives_0_6_4_value_types() -> None:
    headers = EventStreamHeaderParser().parse(TYPED_BLOCK)
    assert headers == TYPED_DECODED
    assert list(headers) == list(TYPED_DECODED)  # wire order
    assert all(type(headers[k]) is int for k in ("b", "s", "i", "I", "l", "d"))
    assert EventStreamHeaderParser().parse(b"") == {}


def test_header_parser_errors() -> None:
    parser = EventStreamHeaderParser()
    with pytest.raises(DuplicateHeader) as info:
        parser.parse(bytes.fromhex("016100" "016101"))
    assert (info.value.header, info.value.offset) == ("a", 3)
    with pytest.raises(ParserError) as unknown:
        parser.parse(bytes.fromhex("01610a"))
    assert isinstance(unknown.value.__cause__, UnknownHeaderTypeError)
    # The parser is reusable after an error.
    assert parser.parse(bytes.fromhex("016100")) == {"a": True}


# -- the exception classes ---------------------------------------------------


@pytest.mark.parametrize(
    "error, core",
    [
        (DuplicateHeader("x"), DuplicateHeaderError),
        (InvalidHeadersLength(5), LengthError),
        (InvalidPayloadLength(5), LengthError),
        (ChecksumMismatch(1, 2), ChecksumError),
        (ParserError("bad"), DecodeError),
        (InvalidHeaderValue(1.5), EncodeError),
        (HeaderBytesExceedMaxLength(5), EncodeError),
        (HeaderValueBytesExceedMaxLength(5), EncodeError),
        (PayloadBytesExceedMaxLength(5), EncodeError),
        (SerializationError("bad"), EncodeError),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else v.__name__,
)
def test_exceptions_take_0_6_4_arguments_and_are_in_our_tree(error: Exception, core: type) -> None:
    assert isinstance(error, core) and isinstance(error, SDKError)
    family = ParserError if isinstance(error, DecodeError) else SerializationError
    assert isinstance(error, family)
    assert str(error)  # never empty
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (copy.args, str(copy), vars(copy)) == (error.args, str(error), vars(error))


def test_exception_attributes() -> None:
    mismatch = ChecksumMismatch(0xAA, 0xBB, offset=8)
    # 0.6.4's (expected=carried, calculated=computed); our codec's attributes.
    assert (mismatch.found, mismatch.expected, mismatch.offset) == (0xAA, 0xBB, 8)
    assert mismatch.args == (0xAA, 0xBB)
    assert "0x000000aa" in str(mismatch) and "stream offset 8" in str(mismatch)
    assert DuplicateHeader("x").offset == 0
    assert ParserError().message and SerializationError().message


# -- the event signer --------------------------------------------------------


def test_event_signer_reproduces_the_worked_example() -> None:
    instants = iter([T1, T2])
    signer = EventSigner("transcribe", "us-east-1", utc_now=lambda: next(instants))
    headers = signer.sign(AUDIO_EVENT, SEED, CREDENTIALS)
    assert headers == {":date": T1, ":chunk-signature": SIGNATURE_1}
    assert list(headers) == [":date", ":chunk-signature"]
    assert EventStreamMessageSerializer().serialize(headers, AUDIO_EVENT) == ENVELOPE_1
    end = signer.sign(b"", headers[":chunk-signature"], CREDENTIALS)  # type: ignore[arg-type]
    assert end == {":date": T2, ":chunk-signature": SIGNATURE_END}
    assert EventStreamMessageSerializer().serialize(end, b"") == END_FRAME


@pytest.mark.parametrize(
    "instant",
    [
        datetime.datetime(2024, 1, 1, 0, 0, 1),  # naive: taken as UTC
        datetime.datetime(2024, 1, 1, 2, 0, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    ],
    ids=["naive", "another-zone"],
)
def test_event_signer_signs_the_utc_instant(instant: datetime.datetime) -> None:
    signer = EventSigner("transcribe", "us-east-1", utc_now=lambda: instant)
    headers = signer.sign(AUDIO_EVENT, SEED, CREDENTIALS)
    assert headers[":chunk-signature"] == SIGNATURE_1
    assert headers[":date"] == T1 and headers[":date"].tzinfo is UTC  # type: ignore[union-attr]


def test_event_signer_defaults_to_the_clock() -> None:
    before = datetime.datetime.now(UTC)
    headers = EventSigner("transcribe", "us-east-1").sign(b"m", SEED, CREDENTIALS)
    after = datetime.datetime.now(UTC)
    assert before <= headers[":date"] <= after  # type: ignore[operator]
    assert len(headers[":chunk-signature"]) == 32  # type: ignore[arg-type]


def test_event_signer_attributes_and_bad_prior_signature() -> None:
    signer = EventSigner("transcribe", "eu-west-1")
    assert (signer.signing_name, signer.region) == ("transcribe", "eu-west-1")
    assert isinstance(signer.serializer, EventStreamMessageSerializer)
    with pytest.raises(TypeError):
        signer.sign(b"m", None, CREDENTIALS)  # type: ignore[arg-type]


# -- BaseStream and EventStream ----------------------------------------------


class AudioSerializer:
    """Frames an event's payload as an AudioEvent, as 0.6.4's serializer did."""

    def serialize(self, event: BaseEvent) -> Tuple[Mapping[str, Any], bytes]:
        return AUDIO_HEADERS, event.payload


class Resolver:
    """Gives the example credentials, once ``ready`` is set."""

    def __init__(self, credentials: Optional[Credentials] = CREDENTIALS) -> None:
        self.ready = asyncio.Event()
        self.ready.set()
        self.credentials = credentials
        self.calls = 0

    async def get_credentials(self) -> Optional[Credentials]:
        self.calls += 1
        await self.ready.wait()
        return self.credentials


def written(sink: BufferableByteStream) -> List[bytes]:
    chunks = []
    while True:
        chunk = sink.read()
        if not chunk:
            return chunks
        chunks.append(chunk)


async def test_base_stream_writes_the_worked_example() -> None:
    instants = iter([T1, T2])
    resolver = Resolver()
    stream = BaseStream(
        event_serializer=AudioSerializer(),
        event_signer=EventSigner("transcribe", "us-east-1", utc_now=lambda: next(instants)),
        initial_signature=SEED,
        credential_resolver=resolver,
    )
    sink = stream._input_stream  # 0.6.4's default sink, a BufferableByteStream
    assert isinstance(sink, BufferableByteStream)
    await asyncio.wait_for(stream.send_event(BaseEvent(AUDIO_PAYLOAD)), WAIT)
    assert sink.read() == ENVELOPE_1
    with pytest.raises(BlockingIOError):
        sink.read()  # the stream has not ended
    await asyncio.wait_for(stream.end_stream(), WAIT)
    assert written(sink) == [END_FRAME]
    assert resolver.calls == 2  # credentials resolved per event, as in 0.6.4
    with pytest.raises(OSError):
        sink.write(b"more")  # end_stream ended the sink


async def test_base_stream_envelope_bytes() -> None:
    instants = iter([T1, T2])
    sink = BufferableByteStream()
    stream = BaseStream(
        input_stream=sink,
        event_serializer=AudioSerializer(),
        event_signer=EventSigner("transcribe", "us-east-1", utc_now=lambda: next(instants)),
        initial_signature=SEED,
        credential_resolver=Resolver(),
    )
    await asyncio.wait_for(stream.send_event(BaseEvent(AUDIO_PAYLOAD)), WAIT)
    await asyncio.wait_for(stream.end_stream(), WAIT)
    assert written(sink) == [ENVELOPE_1, END_FRAME]


async def test_concurrent_sends_keep_one_chain() -> None:
    # Both sends wait for credentials together; the chain must still be the
    # one our own signer builds for the envelopes in the order written.
    sink = BufferableByteStream()
    resolver = Resolver()
    resolver.ready.clear()
    stream = BaseStream(
        input_stream=sink,
        event_serializer=AudioSerializer(),
        event_signer=EventSigner("transcribe", "us-east-1", utc_now=lambda: T1),
        initial_signature=SEED,
        credential_resolver=resolver,
    )
    sends = [
        asyncio.ensure_future(stream.send_event(BaseEvent(payload)))
        for payload in (b"first", b"second", b"third")
    ]

    async def all_waiting() -> None:
        while resolver.calls < len(sends):
            await asyncio.sleep(0)  # a yield to the loop, not a wait

    await asyncio.wait_for(all_waiting(), WAIT)
    resolver.ready.set()
    await asyncio.wait_for(asyncio.gather(*sends), WAIT)
    await asyncio.wait_for(stream.end_stream(), WAIT)
    envelopes = written(sink)
    decoder = EventStreamDecoder()
    inner = [m.payload for e in envelopes for m in decoder.feed(e)]
    core = CoreEventSigner(SEED.hex(), secret_access_key=SECRET_KEY, region="us-east-1", clock=lambda: T1)
    expected = [core.sign(m) for m in inner[:-1]] + [core.sign_end()]
    assert len(envelopes) == 4 and envelopes == expected
    sent = [decode_message(m).payload for m in inner[:-1]]
    assert sorted(sent) == [b"first", b"second", b"third"] and inner[-1] == b""


async def test_base_stream_needs_credentials() -> None:
    stream = BaseStream(
        event_serializer=AudioSerializer(),
        event_signer=EventSigner("transcribe", "us-east-1"),
        initial_signature=SEED,
        credential_resolver=Resolver(credentials=None),
    )
    with pytest.raises(CredentialsException):
        await asyncio.wait_for(stream.send_event(BaseEvent(b"x")), WAIT)


async def test_base_stream_without_collaborators() -> None:
    # 0.6.4 failed with an AttributeError on None; a typed error says which part is missing.
    with pytest.raises(ValidationException, match="event_serializer"):
        await asyncio.wait_for(BaseStream().send_event(BaseEvent(b"x")), WAIT)
    with pytest.raises(ValidationException, match="credential_resolver"):
        await asyncio.wait_for(BaseStream().end_stream(), WAIT)


def test_base_event() -> None:
    event = BaseEvent(b"chunk")
    assert (event.payload, event.event_payload, event.event) == (b"chunk", None, True)
    assert BaseEvent(b"", True).event_payload is True


class Body:
    """A response body as 0.6.4's HTTP layer gave it: ``chunks()``."""

    def __init__(self, data: bytes, cuts: List[int]) -> None:
        bounds = [0] + sorted(set(cuts)) + [len(data)]
        self.parts = [data[a:b] for a, b in zip(bounds, bounds[1:])]

    async def chunks(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            yield part


class Parser:
    """Records the messages and names each by its event or exception type."""

    def __init__(self) -> None:
        self.messages: List[EventStreamMessage] = []

    def parse(self, message: EventStreamMessage) -> Tuple[Any, bytes]:
        self.messages.append(message)
        headers = message.headers
        return headers.get(":event-type", headers.get(":exception-type")), message.payload


async def collect(stream: EventStream, limit: int = 100) -> List[Any]:
    async def run() -> List[Any]:
        events = []
        async for event in stream:
            events.append(event)
            if len(events) == limit:
                break
        return events

    return await asyncio.wait_for(run(), WAIT)


async def test_event_stream_parses_every_message() -> None:
    data = TRANSCRIPT_EVENT + TRANSCRIPT_EVENT + EXCEPTION_EVENT
    parser = Parser()
    stream = EventStream(Body(data, [1, 12, 131, 300]), parser)
    assert await collect(stream) == [
        ("TranscriptEvent", TRANSCRIPT_PAYLOAD),
        ("TranscriptEvent", TRANSCRIPT_PAYLOAD),
        ("BadRequestException", EXCEPTION_PAYLOAD),
    ]
    assert [m.crc for m in parser.messages] == [0xAC5A832A, 0xAC5A832A, 0x3DB9416F]


async def test_event_stream_resumes_where_it_stopped() -> None:
    stream = EventStream(Body(TRANSCRIPT_EVENT * 3, []), Parser())
    assert len(await collect(stream, limit=1)) == 1
    assert len(await collect(stream)) == 2


async def test_event_stream_raises_on_a_bad_message() -> None:
    parser = Parser()
    stream = EventStream(Body(TRANSCRIPT_EVENT + corrupt(TRANSCRIPT_EVENT, 50), [140]), parser)
    events: List[Any] = []

    async def run() -> None:
        async for event in stream:
            events.append(event)

    with pytest.raises(ChecksumMismatch):
        await asyncio.wait_for(run(), WAIT)
    assert events == [("TranscriptEvent", TRANSCRIPT_PAYLOAD)]


async def test_event_stream_ignores_a_truncated_tail() -> None:
    stream = EventStream(Body(TRANSCRIPT_EVENT + TRANSCRIPT_EVENT[:40], []), Parser())
    assert await collect(stream) == [("TranscriptEvent", TRANSCRIPT_PAYLOAD)]


# -- BufferableByteStream ----------------------------------------------------


def test_byte_stream_reads_chunk_by_chunk() -> None:
    stream = BufferableByteStream()
    with pytest.raises(BlockingIOError):
        stream.read()
    assert stream.write(b"abc") == 3 and stream.write(b"de") == 2
    assert stream.read() == b"abc"  # one chunk, not everything
    assert stream.read(0) == b""  # reads nothing, keeps the chunk
    assert stream.read(1) == b"d"
    assert stream.read(5) == b"e"  # never more than the oldest chunk
    with pytest.raises(BlockingIOError):
        stream.read(5)


def test_byte_stream_empty_writes_add_nothing() -> None:
    stream = BufferableByteStream()
    assert stream.write(b"") == 0
    with pytest.raises(BlockingIOError):
        stream.read()


@pytest.mark.parametrize("value", [bytearray(b"x"), memoryview(b"x"), "x", None])
def test_byte_stream_takes_only_bytes(value: Any) -> None:
    stream = BufferableByteStream()
    with pytest.raises(ValueError):
        stream.write(value)
    stream.close()
    with pytest.raises(ValueError):  # the type is checked first
        stream.write(value)


def test_byte_stream_end_drains_then_reads_empty() -> None:
    stream = BufferableByteStream()
    stream.write(b"abc")
    stream.end_stream()
    assert not stream.closed
    with pytest.raises(IOError):
        stream.write(b"x")
    assert stream.read(2) == b"ab"
    assert stream.read1() == b"c"
    assert stream.read() == b"" and stream.read() == b""


def test_byte_stream_close() -> None:
    stream = BufferableByteStream()
    stream.write(b"abc")
    stream.close()
    assert stream.closed
    assert stream.read() == b""  # what was buffered is dropped
    with pytest.raises(OSError):
        stream.write(b"x")
    stream.end_stream()
    assert stream.closed


def test_byte_stream_readinto() -> None:
    stream = BufferableByteStream()
    stream.write(b"abcd")
    target = bytearray(3)
    assert stream.readinto(target) == 3 and target == bytearray(b"abc")
    assert stream.readinto(memoryview(target), read1=True) == 1 and target == bytearray(b"dbc")
    with pytest.raises(BlockingIOError):
        stream.readinto(target)
    stream.end_stream()
    assert stream.readinto(target) == 0


def test_byte_stream_is_a_buffered_io_base() -> None:
    import io

    assert isinstance(BufferableByteStream(), io.BufferedIOBase)
