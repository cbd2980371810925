"""HPACK for the emulator's connections, without pure-Python Huffman coding on the hot path.

``h2`` compresses headers with ``hpack``, which Huffman-codes string
literals (RFC 7541 section 5.2) one 4-bit step at a time in Python and logs
every field it decodes. On a request that opens a stream (about 600 bytes
of headers, most of them Huffman-coded by every client) that made header
compression the dearest single step of starting a stream on a warm
connection: about 370 us to decode the request's headers, and 150 us more to
Huffman-code the response's. So:

* :class:`LiteralEncoder` writes every field as a plain literal, outside
  the dynamic table. Huffman coding and indexing are the encoder's choice
  and every decoder reads all forms; on loopback the few dozen bytes they
  save are worth nothing.
* :class:`FastDecoder` decodes header blocks itself (RFC 7541 section 6),
  Huffman-coded literals a byte per step, remembering the literals clients
  repeat on every request. It keeps ``hpack``'s header table, limits and
  errors, so ``h2`` sees no difference (the tests compare the two on
  generated blocks).

The Huffman code itself is ``hpack``'s table of RFC 7541 Appendix B.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

import h2.connection
import hpack
import hpack.table
from hpack.huffman_constants import REQUEST_CODES, REQUEST_CODES_LENGTH

__all__ = ["LiteralEncoder", "FastDecoder", "decode_huffman", "use_fast_hpack"]

_EOS = 256
#: Bytes an integer may take after its prefix (RFC 7541 section 5.1 sets no
#: bound; 2**35 is beyond any length or index a header block can hold).
_MAX_INTEGER_BYTES = 5


class LiteralEncoder(hpack.Encoder):
    """An HPACK encoder that writes every field as a plain literal, never indexed.

    Each field is a literal without indexing (RFC 7541 section 6.2.2), or
    never indexed for a :class:`hpack.NeverIndexedHeaderTuple`, its name
    taken from the static table when it is there. Nothing enters the
    dynamic table, so there is no table to search or keep, and no string is
    Huffman-coded. When ``h2`` passes on a new table size from the peer's
    SETTINGS, the next block starts with a size update to 0, which fits
    any limit.
    """

    def __init__(self) -> None:
        super().__init__()
        self._size = self.header_table.maxsize
        self._size_update_due = False

    @property
    def header_table_size(self) -> int:
        """The largest dynamic table the peer allows (this encoder uses none of it)."""
        return self._size

    @header_table_size.setter
    def header_table_size(self, value: int) -> None:
        if value != self._size:
            self._size = value
            self._size_update_due = True

    def encode(self, headers: Any, huffman: bool = True) -> bytes:
        """Encode ``headers`` into a header block.

        :param headers: ``(name, value)`` pairs (text or bytes), in order.
        :param huffman: ignored: strings are written as they are.
        :returns: the header block.
        """
        out = bytearray()
        if self._size_update_due:
            out.append(0x20)  # dynamic table size update: 0 (section 6.3)
            self._size_update_due = False
        for field in headers:
            name, value = field[0], field[1]
            if isinstance(name, str):
                name = name.encode("utf-8")
            if isinstance(value, str):
                value = value.encode("utf-8")
            flags = 0x10 if isinstance(field, hpack.NeverIndexedHeaderTuple) else 0x00
            index = _STATIC_NAMES.get(name, 0)
            if index:
                _write_integer(out, index, 4, flags)
            else:
                out.append(flags)
                _write_integer(out, len(name), 7, 0)
                out += name
            _write_integer(out, len(value), 7, 0)
            out += value
        return bytes(out)


#: The first static-table index of each name (RFC 7541 Appendix A).
_STATIC_NAMES: Dict[bytes, int] = {
    name: index
    for index, (name, _value) in reversed(
        list(enumerate(hpack.table.HeaderTable.STATIC_TABLE, start=1))
    )
}


def _write_integer(out: bytearray, value: int, prefix_bits: int, flags: int) -> None:
    """Write an integer with an N-bit prefix (RFC 7541 section 5.1)."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        out.append(flags | value)
        return
    out.append(flags | limit)
    value -= limit
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


class FastDecoder(hpack.Decoder):
    """An HPACK decoder that reads header blocks without hpack's per-field overhead.

    Same results, limits and exceptions as :class:`hpack.Decoder`, whose
    header table it uses.
    """

    def decode(self, data: Union[bytes, memoryview], raw: bool = False) -> Any:
        """Decode a header block.

        :param data: the header block.
        :param raw: return the names and values as bytes, not text.
        :returns: the fields, as :class:`hpack.HeaderTuple` (or
            :class:`hpack.NeverIndexedHeaderTuple`) objects, in order.
        :raises hpack.HPACKDecodingError: the block is malformed.
        :raises hpack.OversizedHeaderListError: the fields exceed
            ``max_header_list_size``.
        :raises hpack.InvalidTableSizeError: a size update exceeds
            ``max_allowed_table_size``.
        """
        data = bytes(data)
        table = self.header_table
        fields: List[hpack.HeaderTuple] = []
        inflated = 0
        pos = 0
        size = len(data)
        while pos < size:
            first = data[pos]
            if first & 0x80:  # indexed field (section 6.1)
                index, pos = _integer(data, pos, 7)
                name, value = table.get_by_index(index)
                field = hpack.HeaderTuple(name, value)
            elif first & 0x40:  # literal with incremental indexing (6.2.1)
                index, pos = _integer(data, pos, 6)
                name, value, pos = _literal(table, data, pos, index)
                table.add(name, value)
                field = hpack.HeaderTuple(name, value)
            elif first & 0x20:  # dynamic table size update (6.3)
                if fields:
                    raise hpack.HPACKDecodingError(
                        "Table size update not at the start of the block"
                    )
                new_size, pos = _integer(data, pos, 5)
                if new_size > self.max_allowed_table_size:
                    raise hpack.InvalidTableSizeError("Encoder exceeded max allowable table size")
                self.header_table_size = new_size
                continue
            else:  # literal without indexing (6.2.2) or never indexed (6.2.3)
                index, pos = _integer(data, pos, 4)
                name, value, pos = _literal(table, data, pos, index)
                if first & 0x10:
                    field = hpack.NeverIndexedHeaderTuple(name, value)
                else:
                    field = hpack.HeaderTuple(name, value)
            fields.append(field)
            inflated += len(name) + len(value) + 32  # RFC 7541 section 4.1
            if inflated > self.max_header_list_size:
                raise hpack.OversizedHeaderListError(
                    f"A header list larger than {self.max_header_list_size} has been received"
                )
        if self.header_table_size > self.max_allowed_table_size:
            raise hpack.InvalidTableSizeError("Encoder did not shrink table size to within the max")
        if raw:
            return fields
        try:
            return [
                type(field)(field[0].decode("utf-8"), field[1].decode("utf-8")) for field in fields
            ]
        except UnicodeDecodeError as exc:
            raise hpack.HPACKDecodingError("Unable to decode headers as UTF-8") from exc


def use_fast_hpack(connection: h2.connection.H2Connection) -> None:
    """Give a new ``h2`` connection a :class:`LiteralEncoder` and a :class:`FastDecoder`.

    :param connection: a connection that has not sent or received anything yet.
    """
    decoder = FastDecoder()
    # The limits h2 set on the decoder it made (its SETTINGS change them later).
    decoder.max_header_list_size = connection.decoder.max_header_list_size
    decoder.max_allowed_table_size = connection.decoder.max_allowed_table_size
    connection.encoder, connection.decoder = LiteralEncoder(), decoder


# ------------------------------------------------------------------ Huffman


class _Huffman(Dict[int, List[Optional[Tuple[int, bytes]]]]):
    """The decoding automaton: one state per inner node of the code tree.

    ``self[state][byte]`` is ``(next state, decoded bytes)``, or ``None``
    when the byte completes the end-of-string symbol (an error). A state's
    row of 256 entries is built when the state is first met, from the
    automaton's 4-bit steps: building every row up front would take about
    as long as decoding a few thousand requests.
    """

    def __init__(self) -> None:
        super().__init__()
        # children[node] = [child for bit 0, child for bit 1]; a child is an
        # inner node's number, or ~symbol for a leaf.
        children: List[List[int]] = [[0, 0]]
        for symbol, (code, length) in enumerate(zip(REQUEST_CODES, REQUEST_CODES_LENGTH)):
            node = 0
            for shift in range(length - 1, 0, -1):
                bit = (code >> shift) & 1
                if children[node][bit] == 0:
                    children.append([0, 0])
                    children[node][bit] = len(children) - 1
                node = children[node][bit]
            children[node][code & 1] = ~symbol
        self._children = children
        #: The states a string may end in: between codes, or within the
        #: first 1 to 7 bits of EOS, all ones (RFC 7541 section 5.2).
        self.final = {0}
        node = 0
        for _ in range(7):
            node = children[node][1]
            self.final.add(node)
        self._nibbles = [
            [self._walk(node, nibble) for nibble in range(16)] for node in range(len(children))
        ]

    def _walk(self, node: int, nibble: int) -> Optional[Tuple[int, bytes]]:
        out = bytearray()
        for shift in (3, 2, 1, 0):
            child = self._children[node][(nibble >> shift) & 1]
            if child >= 0:
                node = child
            elif ~child == _EOS:
                return None
            else:
                out.append(~child)
                node = 0
        return node, bytes(out)

    def __missing__(self, state: int) -> List[Optional[Tuple[int, bytes]]]:
        row: List[Optional[Tuple[int, bytes]]] = []
        nibbles = self._nibbles
        for byte in range(256):
            high = nibbles[state][byte >> 4]
            low = None if high is None else nibbles[high[0]][byte & 0xF]
            row.append(None if high is None or low is None else (low[0], high[1] + low[1]))
        self[state] = row
        return row


_automaton: Optional[_Huffman] = None


def _run(state: int, data: bytes) -> Tuple[int, bytes]:
    """Feed ``data`` to the automaton from ``state``: the state it ends in and what it decoded.

    :raises hpack.HPACKDecodingError: the data holds the end-of-string symbol.
    """
    global _automaton
    rows = _automaton
    if rows is None:
        rows = _automaton = _Huffman()
    out = bytearray()
    try:
        for byte in data:
            state, decoded = rows[state][byte]  # type: ignore[misc]
            out += decoded
    except TypeError:  # the step was None
        raise hpack.HPACKDecodingError("Huffman-coded string holds the EOS symbol") from None
    return state, bytes(out)


def _finish(state: int) -> None:
    assert _automaton is not None
    if state not in _automaton.final:
        raise hpack.HPACKDecodingError("invalid padding of a Huffman-coded string")


def decode_huffman(data: bytes) -> bytes:
    """Decode a Huffman-coded string literal (RFC 7541 section 5.2).

    :param data: the coded bytes.
    :returns: the decoded bytes.
    :raises hpack.HPACKDecodingError: the data holds the end-of-string
        symbol, or its padding is longer than 7 bits or not all ones.
    """
    state, text = _run(0, data)
    _finish(state)
    return text


class _Remembered:
    """Decodes Huffman-coded literals, remembering what clients send again and again.

    A client sends the same names and most of the same values (content
    type, user agent, options) on every request: those are remembered
    whole. A signed ``Authorization`` differs on every request, but only in
    its last bytes (the signature): its head is remembered as the state it
    leaves the automaton in, and only the tail is decoded.
    """

    #: Strings up to this many coded bytes are remembered whole.
    WHOLE = 128
    #: The last bytes of a longer string that are decoded every time: the
    #: 64 hex digits of a signature take 40 to 48 coded bytes.
    TAIL = 64
    #: Entries of each table; a full table is emptied (clients cycling
    #: through values cost a decode each, never memory).
    LIMIT = 1024

    def __init__(self) -> None:
        self._whole: Dict[bytes, bytes] = {}
        self._heads: Dict[bytes, Tuple[int, bytes]] = {}

    def decode(self, coded: bytes) -> bytes:
        """Decode ``coded`` as :func:`decode_huffman` does.

        :param coded: the coded bytes.
        :returns: the decoded bytes.
        :raises hpack.HPACKDecodingError: as :func:`decode_huffman`.
        """
        text = self._whole.get(coded)
        if text is not None:
            return text
        if len(coded) <= self.WHOLE:
            text = decode_huffman(coded)
            self._remember(self._whole, coded, text)
            return text
        head = coded[: -self.TAIL]
        start = self._heads.get(head)
        if start is None:
            start = _run(0, head)
            self._remember(self._heads, head, start)
        state, tail = _run(start[0], coded[-self.TAIL :])
        _finish(state)
        return start[1] + tail

    def _remember(self, table: Dict[bytes, Any], key: bytes, value: Any) -> None:
        if len(table) >= self.LIMIT:
            table.clear()
        table[key] = value


_remembered = _Remembered()


# ------------------------------------------------------------------ the block


def _integer(data: bytes, pos: int, prefix_bits: int) -> Tuple[int, int]:
    """Read an integer (RFC 7541 section 5.1); returns it and the position after it."""
    limit = (1 << prefix_bits) - 1
    value = data[pos] & limit
    pos += 1
    if value < limit:
        return value, pos
    shift = 0
    for _ in range(_MAX_INTEGER_BYTES):
        if pos >= len(data):
            raise hpack.HPACKDecodingError("truncated integer in header block")
        byte = data[pos]
        pos += 1
        value += (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise hpack.HPACKDecodingError("integer in header block is too long")


def _string(data: bytes, pos: int) -> Tuple[bytes, int]:
    """Read a string literal (section 5.2), Huffman-decoded, and the position after it."""
    if pos >= len(data):
        raise hpack.HPACKDecodingError("truncated field in header block")
    huffman = data[pos] & 0x80
    length, start = _integer(data, pos, 7)
    end = start + length
    if end > len(data):
        raise hpack.HPACKDecodingError("Truncated header block")
    if huffman:
        return _remembered.decode(data[start:end]), end
    return data[start:end], end


def _literal(
    table: Any, data: bytes, pos: int, index: int
) -> Tuple[bytes, bytes, int]:
    """Read a literal field's name (``index`` in the table, or a literal) and value."""
    if index:
        name = table.get_by_index(index)[0]
    else:
        name, pos = _string(data, pos)
    value, pos = _string(data, pos)
    return name, value, pos
