"""The emulator's HPACK coding: literal strings out, Huffman decoded a byte per step in.

hpack's own coder is the reference: every test compares with it.
"""

from __future__ import annotations

from typing import List, Tuple

import h2.config
import h2.connection
import h2.events
import hpack
import pytest
from hpack.huffman import HuffmanEncoder
from hpack.huffman_constants import REQUEST_CODES, REQUEST_CODES_LENGTH
from hpack.huffman_table import decode_huffman as reference_decode
from hypothesis import given, settings
from hypothesis import strategies as st

from amazon_transcribe.emulator import _hpack
from amazon_transcribe.emulator._hpack import (
    LiteralEncoder,
    FastDecoder,
    decode_huffman,
    use_fast_hpack,
)

_huffman = HuffmanEncoder(REQUEST_CODES, REQUEST_CODES_LENGTH)

_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/transcribe/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
    "x-amzn-transcribe-language-code;x-amzn-transcribe-media-encoding;"
    "x-amzn-transcribe-sample-rate, Signature="
)

_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=40)
_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300
)


def _outcome(function, data: bytes):  # type: ignore[no-untyped-def]
    try:
        return ("ok", bytes(function(data)))
    except hpack.HPACKDecodingError:
        return ("error", None)


@given(st.binary(max_size=400))
def test_a_coded_string_decodes_to_what_was_coded(text: bytes) -> None:
    assert decode_huffman(_huffman.encode(text)) == text


@given(st.binary(max_size=64))
@settings(max_examples=500)
def test_any_bytes_decode_or_fail_exactly_as_hpack_decides(data: bytes) -> None:
    # Random bytes hit EOS, over-long padding and padding that is not all
    # ones; the two decoders must agree on every input, errors included.
    assert _outcome(decode_huffman, data) == _outcome(reference_decode, data)


@pytest.mark.parametrize(
    "data, why",
    [
        (b"\xff\xff\xff\xff", "the end-of-string symbol (30 ones) inside the string"),
        (_huffman.encode(b"a") + b"\xff", "8 bits of padding"),
        (bytes([0b00011000]), "'a' (00011) then padding 000, not all ones"),
    ],
)
def test_malformed_strings_are_decoding_errors(data: bytes, why: str) -> None:
    with pytest.raises(hpack.HPACKDecodingError):
        decode_huffman(data)
    with pytest.raises(hpack.HPACKDecodingError):
        reference_decode(data)


def test_a_long_value_that_changes_only_at_its_end_decodes_right_every_time() -> None:
    # The Authorization case: the head is remembered, the tail decoded.
    remembered = _hpack._Remembered()
    for signature in ("0" * 64, "f" * 64, "0123456789abcdef" * 4, "x"):
        value = (_AUTHORIZATION + signature).encode()
        assert remembered.decode(_huffman.encode(value)) == value
    short = b"en-US"
    assert remembered.decode(_huffman.encode(short)) == short
    assert remembered.decode(_huffman.encode(short)) == short


def test_a_remembered_head_still_rejects_a_bad_tail() -> None:
    remembered = _hpack._Remembered()
    good = _huffman.encode((_AUTHORIZATION + "0" * 64).encode())
    remembered.decode(good)
    with pytest.raises(hpack.HPACKDecodingError):
        remembered.decode(good[:-1] + b"\x00")  # padding that is not all ones


def test_the_remembered_tables_stay_bounded() -> None:
    remembered = _hpack._Remembered()
    for number in range(3 * remembered.LIMIT):
        text = f"value-{number}".encode()
        assert remembered.decode(_huffman.encode(text)) == text
    assert len(remembered._whole) <= remembered.LIMIT


def _blocks(headers_lists: List[List[Tuple[str, str]]], *, huffman: bool) -> List[bytes]:
    encoder = hpack.Encoder()
    return [encoder.encode(headers, huffman=huffman) for headers in headers_lists]


@given(
    st.lists(
        st.lists(st.tuples(_names, _values), min_size=1, max_size=12), min_size=1, max_size=4
    )
)
@settings(max_examples=150, deadline=None)
def test_header_blocks_decode_as_hpack_decodes_them(
    headers_lists: List[List[Tuple[str, str]]],
) -> None:
    # Several blocks through one decoder: the dynamic table carries over.
    blocks = _blocks(headers_lists, huffman=True)
    ours, theirs = FastDecoder(), hpack.Decoder()
    for block in blocks:
        assert ours.decode(block) == theirs.decode(block)


def test_never_indexed_fields_and_table_size_updates_survive() -> None:
    encoder = hpack.Encoder()
    first = encoder.encode(
        [hpack.NeverIndexedHeaderTuple("authorization", _AUTHORIZATION + "0" * 64), ("a", "b")]
    )
    encoder.header_table_size = 256  # the next block starts with a size update
    second = encoder.encode([("c", "d" * 100), ("a", "b")])
    ours, theirs = FastDecoder(), hpack.Decoder()
    for block in (first, second):
        decoded = ours.decode(block, raw=True)
        assert decoded == theirs.decode(block, raw=True)
    assert [type(h) for h in FastDecoder().decode(first)] == [
        type(h) for h in hpack.Decoder().decode(first)
    ]


def _block_outcome(block: bytes, *, ours: bool, raw: bool):  # type: ignore[no-untyped-def]
    decoder = FastDecoder() if ours else hpack.Decoder()
    try:
        return ("ok", decoder.decode(block, raw=raw), decoder.header_table_size)
    except hpack.HPACKError as exc:  # the family h2 turns into a protocol error
        return ("error", type(exc).__name__, None)


@given(st.binary(max_size=80), st.booleans())
@settings(max_examples=1000)
def test_any_block_decodes_or_fails_exactly_as_hpack_decides(block: bytes, raw: bool) -> None:
    # Random blocks: bad indexes, truncated integers and strings, size
    # updates in the wrong place or too large, bad Huffman, bad UTF-8.
    assert _block_outcome(block, ours=True, raw=raw) == _block_outcome(block, ours=False, raw=raw)


@given(st.lists(st.tuples(_names, _values), min_size=1, max_size=6), st.data())
@settings(max_examples=300, deadline=None)
def test_damaged_real_blocks_fail_exactly_as_hpack_decides(
    headers: List[Tuple[str, str]], data: st.DataObject
) -> None:
    block = bytearray(hpack.Encoder().encode(headers, huffman=data.draw(st.booleans())))
    for _ in range(data.draw(st.integers(1, 3))):
        block[data.draw(st.integers(0, len(block) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(block)))
    damaged = bytes(block[:cut])
    ours = _block_outcome(damaged, ours=True, raw=True)
    assert ours == _block_outcome(damaged, ours=False, raw=True)


def test_the_header_list_limit_is_hpacks_to_the_byte() -> None:
    block = hpack.Encoder().encode([("a", "b" * 100)] * 3)
    exact = 3 * (1 + 100 + 32)  # RFC 7541 section 4.1: name + value + 32 per field
    for kind in (FastDecoder, hpack.Decoder):
        assert len(kind(max_header_list_size=exact).decode(block)) == 3
        with pytest.raises(hpack.OversizedHeaderListError):
            kind(max_header_list_size=exact - 1).decode(block)


def test_a_table_size_update_over_the_allowed_size_is_refused() -> None:
    encoder = hpack.Encoder()
    encoder.header_table_size = 8192
    block = encoder.encode([("a", "b")])
    with pytest.raises(hpack.InvalidTableSizeError):
        FastDecoder().decode(block)


@pytest.mark.parametrize("cut", [1, 2, 5, 20, 60])
def test_truncated_blocks_are_decoding_errors(cut: int) -> None:
    headers = [("x-amz-date", "20261206T111027Z"), ("authorization", "a" * 200)]
    block = hpack.Encoder().encode(headers)
    with pytest.raises(hpack.HPACKDecodingError):
        FastDecoder().decode(block[:-cut])


def test_the_literal_encoder_writes_plain_literals_outside_the_dynamic_table() -> None:
    headers = [
        (":status", "200"),
        ("content-type", "application/vnd.amazon.eventstream"),
        ("x-amzn-request-id", "5d1b7f0e-9c3a-4a8e-bb1e-1f4c2b9d7e61"),
    ]
    encoder, decoder = LiteralEncoder(), hpack.Decoder()
    for _ in range(2):  # nothing indexed: the second block is as long as the first
        block = encoder.encode(headers)
        assert block == (
            b"\x08\x03200"  # name: static index 8 (:status), value "200"
            + b"\x0f\x10\x22application/vnd.amazon.eventstream"  # index 15 + 16 = 31
            + b"\x00\x11x-amzn-request-id\x24" + headers[2][1].encode()  # literal name
        )
        assert decoder.decode(block) == headers
    assert decoder.header_table_size == 4096 and len(decoder.header_table.dynamic_entries) == 0


@given(st.lists(st.tuples(_names | st.sampled_from([":path", "user-agent", "cookie"]), _values),
                max_size=12), st.booleans())
@settings(max_examples=200, deadline=None)
def test_what_the_literal_encoder_writes_hpack_reads_back(
    headers: List[Tuple[str, str]], sensitive: bool
) -> None:
    fields = [
        hpack.NeverIndexedHeaderTuple(n, v) if sensitive else hpack.HeaderTuple(n, v)
        for n, v in headers
    ]
    decoded = hpack.Decoder().decode(LiteralEncoder().encode(fields))
    assert decoded == headers
    assert [type(field) for field in decoded] == [type(field) for field in fields]


def test_a_new_table_size_from_the_peer_is_answered_with_a_size_update() -> None:
    encoder = LiteralEncoder()
    decoder = hpack.Decoder()
    decoder.max_allowed_table_size = 0  # the peer's SETTINGS_HEADER_TABLE_SIZE: 0
    decoder.header_table_size = 0
    encoder.header_table_size = 0  # h2 passes the peer's setting on
    block = encoder.encode([("a", "b")])
    assert block[0] == 0x20  # size update to 0 first
    assert decoder.decode(block) == [("a", "b")]
    assert encoder.encode([("a", "b")])[0] != 0x20  # once


def test_an_h2_connection_keeps_its_limits_and_reads_a_huffman_coded_request() -> None:
    server = h2.connection.H2Connection(
        h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
    )
    limit = server.decoder.max_header_list_size
    use_fast_hpack(server)
    assert isinstance(server.decoder, FastDecoder)
    assert isinstance(server.encoder, LiteralEncoder)
    assert server.decoder.max_header_list_size == limit
    client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    client.initiate_connection()
    server.initiate_connection()
    request = [
        (":method", "POST"),
        (":path", "/stream-transcription"),
        (":scheme", "https"),
        (":authority", "127.0.0.1:8443"),
        ("authorization", _AUTHORIZATION + "ab" * 32),
        ("x-amzn-transcribe-language-code", "en-US"),
    ]
    client.send_headers(1, request)
    events = server.receive_data(client.data_to_send())
    received = [e for e in events if isinstance(e, h2.events.RequestReceived)]
    assert [(n, v) for n, v in received[0].headers] == request
    server.send_headers(1, [(":status", "200")])
    replies = client.receive_data(server.data_to_send())
    assert any(isinstance(e, h2.events.ResponseReceived) for e in replies)
