"""The Amazon event-stream binary format (``application/vnd.amazon.eventstream``).

Sans-IO: this module encodes messages to ``bytes`` and decodes messages from
whatever bytes it is fed. It does no I/O and imports neither asyncio nor
awscrt; the only package module it uses is :mod:`amazon_transcribe.exceptions`.

A message is a 12-byte prelude (total length, headers length, CRC32 of the
first 8 bytes), a block of typed headers, a payload and a CRC32 of everything
before it. Header values decode to the type they were encoded from:

=========  ==========================  ==========================
type id    wire type                   Python value
=========  ==========================  ==========================
0 / 1      bool true / false           :class:`bool`
2          byte (int8)                 :class:`Byte`
3          short (int16)               :class:`Short`
4          integer (int32)             :class:`Integer` (or plain ``int``)
5          long (int64)                :class:`Long`
6          byte array                  :class:`bytes`
7          string                      :class:`str`
8          timestamp (ms since epoch)  aware :class:`datetime.datetime`
9          UUID                        :class:`uuid.UUID`
=========  ==========================  ==========================

Exceptions::

    EventStreamError (an SDKError)
    ├── EncodeError                  a message cannot be encoded (also ValueError)
    └── DecodeError                  the input is not a valid stream; has .offset
        ├── ChecksumError            .expected, .found
        │   ├── PreludeChecksumError
        │   └── MessageChecksumError
        ├── LengthError              a length is impossible or over a limit; .limit, .found
        ├── HeaderError              a header block cannot be parsed
        │   ├── DuplicateHeaderError
        │   └── UnknownHeaderTypeError
        └── TruncatedStreamError     the stream ended inside a message

A decoder that raised stays failed: the framing of what follows cannot be
trusted, so every later :meth:`EventStreamDecoder.feed` raises the same error.
"""

from __future__ import annotations

import datetime
import struct
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple, Type, TypeVar, Union
from zlib import crc32

from .exceptions import SDKError

__all__ = [
    "Byte",
    "Short",
    "Integer",
    "Long",
    "HeaderValueType",
    "Headers",
    "Message",
    "encode_headers",
    "encode_message",
    "decode_headers",
    "decode_message",
    "EventStreamDecoder",
    "EventStreamError",
    "EncodeError",
    "DecodeError",
    "ChecksumError",
    "PreludeChecksumError",
    "MessageChecksumError",
    "LengthError",
    "HeaderError",
    "DuplicateHeaderError",
    "UnknownHeaderTypeError",
    "TruncatedStreamError",
    "PRELUDE_LENGTH",
    "MESSAGE_OVERHEAD",
    "MAX_HEADERS_LENGTH",
    "MAX_PAYLOAD_LENGTH",
    "MAX_HEADER_NAME_LENGTH",
    "MAX_HEADER_VALUE_LENGTH",
]

#: Bytes before the headers: total length, headers length, prelude CRC.
PRELUDE_LENGTH = 12
#: Bytes of a message that are neither headers nor payload (prelude + CRC).
MESSAGE_OVERHEAD = 16
#: Largest headers block (128 KiB), as every implementation enforces.
MAX_HEADERS_LENGTH = 128 * 1024
#: Largest payload (24 MiB), the Smithy event-stream specification's limit.
MAX_PAYLOAD_LENGTH = 24 * 1024 * 1024
#: Largest header name in bytes (its length is one unsigned byte).
MAX_HEADER_NAME_LENGTH = 255
#: Largest string or byte-array header value in bytes (2**15 - 1).
MAX_HEADER_VALUE_LENGTH = 32767

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_ONE_MS = datetime.timedelta(milliseconds=1)

_PRELUDE = struct.Struct(">II")
_UINT32 = struct.Struct(">I")
_UINT16 = struct.Struct(">H")


# -- exceptions --------------------------------------------------------------


class EventStreamError(SDKError):
    """Base of the codec's exceptions."""


class EncodeError(EventStreamError, ValueError):
    """The given headers or payload cannot be encoded as a message."""


class DecodeError(EventStreamError):
    """The bytes are not a valid event stream.

    :param message: what was wrong.
    :param offset: the stream offset (bytes from the first byte ever fed to
        the decoder) where the problem was found.
    """

    def __init__(self, message: str, *, offset: int) -> None:
        super().__init__(f"{message} (at stream offset {offset})")
        #: Stream offset of the problem.
        self.offset = offset


class ChecksumError(DecodeError):
    """A CRC32 does not match.

    :param message: which checksum.
    :param offset: where the checksum is in the stream.
    :param expected: the CRC computed over the received bytes.
    :param found: the CRC the message carries.
    """

    def __init__(self, message: str, *, offset: int, expected: int, found: int) -> None:
        super().__init__(
            f"{message}: computed 0x{expected:08x}, message says 0x{found:08x}",
            offset=offset,
        )
        #: The CRC computed over the bytes received.
        self.expected = expected
        #: The CRC the message carries.
        self.found = found


class PreludeChecksumError(ChecksumError):
    """The prelude's CRC32 does not match its first 8 bytes."""


class MessageChecksumError(ChecksumError):
    """The message's trailing CRC32 does not match its contents."""


class LengthError(DecodeError):
    """A length field is impossible or exceeds a limit.

    :param message: which length.
    :param offset: where the length field is in the stream.
    :param limit: the largest (or smallest) allowed value, when one applies.
    :param found: the value found.
    """

    def __init__(
        self, message: str, *, offset: int, found: int, limit: Optional[int] = None
    ) -> None:
        super().__init__(message, offset=offset)
        #: The limit that was broken, if any.
        self.limit = limit
        #: The value found.
        self.found = found


class HeaderError(DecodeError):
    """The headers block cannot be parsed."""


class DuplicateHeaderError(HeaderError):
    """A header name appears twice in one message."""


class UnknownHeaderTypeError(HeaderError):
    """A header has a value type id outside 0..9."""


class TruncatedStreamError(DecodeError):
    """The stream ended in the middle of a message."""


# -- header value types ------------------------------------------------------

_SizedT = TypeVar("_SizedT", bound="_SizedInt")


class _SizedInt(int):
    """An int that remembers which integer header type carries it."""

    __slots__ = ()
    _bits: int = 0

    def __new__(cls: Type[_SizedT], value: int = 0) -> _SizedT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise EncodeError(f"{cls.__name__} needs an int, got {type(value).__name__}")
        low = -(1 << (cls._bits - 1))
        high = (1 << (cls._bits - 1)) - 1
        if not low <= value <= high:
            raise EncodeError(
                f"{cls.__name__} must be in [{low}, {high}] ({cls._bits}-bit signed), got {value}"
            )
        return super().__new__(cls, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({int(self)})"


class Byte(_SizedInt):
    """A header value sent as a signed 8-bit integer (type 2)."""

    __slots__ = ()
    _bits = 8


class Short(_SizedInt):
    """A header value sent as a signed 16-bit integer (type 3)."""

    __slots__ = ()
    _bits = 16


class Integer(_SizedInt):
    """A header value sent as a signed 32-bit integer (type 4).

    A plain ``int`` is sent as this type too; decoding gives :class:`Integer`.
    """

    __slots__ = ()
    _bits = 32


class Long(_SizedInt):
    """A header value sent as a signed 64-bit integer (type 5)."""

    __slots__ = ()
    _bits = 64


#: A value a header can carry.
HeaderValueType = Union[bool, int, bytes, str, datetime.datetime, uuid.UUID]
#: A message's headers, by name; order is kept but carries no meaning.
Headers = Mapping[str, HeaderValueType]

_TYPE_TRUE = 0
_TYPE_FALSE = 1
_TYPE_BYTE = 2
_TYPE_SHORT = 3
_TYPE_INTEGER = 4
_TYPE_LONG = 5
_TYPE_BYTES = 6
_TYPE_STRING = 7
_TYPE_TIMESTAMP = 8
_TYPE_UUID = 9

_INT_TYPES: Dict[type, Tuple[int, struct.Struct]] = {
    Byte: (_TYPE_BYTE, struct.Struct(">b")),
    Short: (_TYPE_SHORT, struct.Struct(">h")),
    Integer: (_TYPE_INTEGER, struct.Struct(">i")),
    Long: (_TYPE_LONG, struct.Struct(">q")),
}
_INT_DECODERS: Dict[int, Tuple[Type[_SizedInt], struct.Struct]] = {
    type_id: (cls, packer) for cls, (type_id, packer) in _INT_TYPES.items()
}
_INT64 = _INT_TYPES[Long][1]


# -- encoding ----------------------------------------------------------------


def _encode_value(name: str, value: HeaderValueType) -> bytes:
    # bool first: it is an int subclass.
    if value is True:
        return b"\x00"
    if value is False:
        return b"\x01"
    if isinstance(value, int):
        sized = _INT_TYPES.get(type(value))
        if sized is None:
            if isinstance(value, _SizedInt):  # a user subclass of a marker type
                sized = _INT_TYPES[next(c for c in _INT_TYPES if isinstance(value, c))]
            else:
                if not -(1 << 31) <= value < (1 << 31):
                    raise EncodeError(
                        f"header {name!r}: {value} does not fit an integer (int32); "
                        "wrap it in Long() to send a 64-bit value"
                    )
                sized = _INT_TYPES[Integer]
        type_id, packer = sized
        return bytes((type_id,)) + packer.pack(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        if len(data) > MAX_HEADER_VALUE_LENGTH:
            raise EncodeError(
                f"header {name!r}: byte array of {len(data)} bytes exceeds "
                f"{MAX_HEADER_VALUE_LENGTH}"
            )
        return bytes((_TYPE_BYTES,)) + _UINT16.pack(len(data)) + data
    if isinstance(value, str):
        data = value.encode("utf-8")
        if len(data) > MAX_HEADER_VALUE_LENGTH:
            raise EncodeError(
                f"header {name!r}: string of {len(data)} UTF-8 bytes exceeds "
                f"{MAX_HEADER_VALUE_LENGTH}"
            )
        return bytes((_TYPE_STRING,)) + _UINT16.pack(len(data)) + data
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise EncodeError(
                f"header {name!r}: timestamp must be timezone-aware "
                "(e.g. datetime.now(timezone.utc))"
            )
        # Floor division keeps whole milliseconds (sub-millisecond parts drop).
        millis = (value - _EPOCH) // _ONE_MS
        return bytes((_TYPE_TIMESTAMP,)) + _INT64.pack(millis)
    if isinstance(value, uuid.UUID):
        return bytes((_TYPE_UUID,)) + value.bytes
    raise EncodeError(
        f"header {name!r}: cannot encode a value of type {type(value).__name__}"
    )


def encode_headers(headers: Headers) -> bytes:
    """Encode a headers block.

    :param headers: header names and values, encoded in iteration order.
    :returns: the encoded block.
    :raises EncodeError: a name is empty or longer than 255 UTF-8 bytes, a
        value has no header type, is out of its type's range, or the block
        exceeds :data:`MAX_HEADERS_LENGTH`.
    """
    parts: List[bytes] = []
    for name, value in headers.items():
        if not isinstance(name, str):
            raise EncodeError(f"header name must be str, got {type(name).__name__}")
        raw_name = name.encode("utf-8")
        if not 0 < len(raw_name) <= MAX_HEADER_NAME_LENGTH:
            raise EncodeError(
                f"header name {name!r} is {len(raw_name)} UTF-8 bytes; "
                f"it must be 1..{MAX_HEADER_NAME_LENGTH}"
            )
        parts.append(bytes((len(raw_name),)))
        parts.append(raw_name)
        parts.append(_encode_value(name, value))
    block = b"".join(parts)
    if len(block) > MAX_HEADERS_LENGTH:
        raise EncodeError(
            f"headers block of {len(block)} bytes exceeds {MAX_HEADERS_LENGTH}"
        )
    return block


def encode_message(
    headers: Union[Headers, bytes], payload: Union[bytes, bytearray, memoryview] = b""
) -> bytes:
    """Encode one message.

    :param headers: the headers, or a block already encoded by
        :func:`encode_headers` (lets a caller that sends the same headers
        many times encode them once).
    :param payload: the payload bytes.
    :returns: the whole message, prelude to trailing CRC.
    :raises EncodeError: the headers cannot be encoded, or the payload
        exceeds :data:`MAX_PAYLOAD_LENGTH`.
    """
    block = headers if isinstance(headers, bytes) else encode_headers(headers)
    if len(block) > MAX_HEADERS_LENGTH:
        raise EncodeError(f"headers block of {len(block)} bytes exceeds {MAX_HEADERS_LENGTH}")
    if len(payload) > MAX_PAYLOAD_LENGTH:
        raise EncodeError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_LENGTH}")
    prelude = _PRELUDE.pack(len(block) + len(payload) + MESSAGE_OVERHEAD, len(block))
    prelude += _UINT32.pack(crc32(prelude))
    checksum = crc32(payload, crc32(block, crc32(prelude)))
    return b"".join((prelude, block, payload, _UINT32.pack(checksum)))


# -- messages ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Message:
    """One event-stream message.

    Equality compares header names, values *and* header types (``Byte(1)``
    and ``Integer(1)`` differ on the wire, so they differ here), and the
    payload; header order does not matter.
    """

    #: Headers by name.
    headers: Dict[str, HeaderValueType] = field(default_factory=dict)
    #: The payload bytes.
    payload: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", dict(self.headers))
        object.__setattr__(self, "payload", bytes(self.payload))

    def encode(self) -> bytes:
        """Encode this message.

        :returns: the message's bytes.
        :raises EncodeError: see :func:`encode_message`.
        """
        return encode_message(self.headers, self.payload)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return self.payload == other.payload and _typed(self.headers) == _typed(
            other.headers
        )

    __hash__ = None  # type: ignore[assignment]  # the headers dict is mutable


def _typed(headers: Mapping[str, HeaderValueType]) -> Dict[str, Tuple[type, HeaderValueType]]:
    def kind(value: HeaderValueType) -> type:
        if isinstance(value, bool):
            return bool
        if isinstance(value, int):
            for cls in _INT_TYPES:
                if isinstance(value, cls):
                    return cls
            return Integer  # a plain int travels as Integer
        return type(value)

    return {name: (kind(value), value) for name, value in headers.items()}


# -- decoding ----------------------------------------------------------------


def decode_headers(block: bytes, *, offset: int = 0) -> Dict[str, HeaderValueType]:
    """Decode a headers block.

    :param block: exactly the headers block.
    :param offset: stream offset of ``block[0]``, used in error messages.
    :returns: the headers, in wire order.
    :raises HeaderError: the block is malformed (truncated value, empty name,
        invalid UTF-8, duplicate name, unknown type id, value too long).
    """
    headers: Dict[str, HeaderValueType] = {}
    view = memoryview(block)
    end = len(view)
    pos = 0

    def need(count: int, what: str) -> None:
        if pos + count > end:
            raise HeaderError(
                f"header block ends inside {what}: need {count} bytes, "
                f"{end - pos} left",
                offset=offset + pos,
            )

    while pos < end:
        start = pos
        name_length = view[pos]
        if name_length == 0:
            raise HeaderError("header name length is 0", offset=offset + pos)
        pos += 1
        need(name_length + 1, "a header name and its type")
        try:
            name = str(view[pos : pos + name_length], "utf-8")
        except UnicodeDecodeError as exc:
            raise HeaderError(
                f"header name is not valid UTF-8 ({exc.reason})", offset=offset + pos
            ) from None
        pos += name_length
        if name in headers:
            raise DuplicateHeaderError(f"duplicate header {name!r}", offset=offset + start)
        type_id = view[pos]
        pos += 1
        value: HeaderValueType
        if type_id == _TYPE_TRUE:
            value = True
        elif type_id == _TYPE_FALSE:
            value = False
        elif type_id in _INT_DECODERS:
            cls, packer = _INT_DECODERS[type_id]
            need(packer.size, f"the value of header {name!r}")
            value = cls(packer.unpack_from(view, pos)[0])
            pos += packer.size
        elif type_id == _TYPE_BYTES or type_id == _TYPE_STRING:
            need(2, f"the length of header {name!r}")
            length = _UINT16.unpack_from(view, pos)[0]
            if length > MAX_HEADER_VALUE_LENGTH:
                raise HeaderError(
                    f"header {name!r}: value length {length} exceeds "
                    f"{MAX_HEADER_VALUE_LENGTH}",
                    offset=offset + pos,
                )
            pos += 2
            need(length, f"the value of header {name!r}")
            raw = bytes(view[pos : pos + length])
            if type_id == _TYPE_BYTES:
                value = raw
            else:
                try:
                    value = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise HeaderError(
                        f"header {name!r}: string value is not valid UTF-8 "
                        f"({exc.reason} at byte {exc.start})",
                        offset=offset + pos,
                    ) from None
            pos += length
        elif type_id == _TYPE_TIMESTAMP:
            need(8, f"the value of header {name!r}")
            millis = _INT64.unpack_from(view, pos)[0]
            try:
                value = _EPOCH + datetime.timedelta(milliseconds=millis)
            except OverflowError:
                raise HeaderError(
                    f"header {name!r}: timestamp {millis} ms is outside the "
                    "range of datetime",
                    offset=offset + pos,
                ) from None
            pos += 8
        elif type_id == _TYPE_UUID:
            need(16, f"the value of header {name!r}")
            value = uuid.UUID(bytes=bytes(view[pos : pos + 16]))
            pos += 16
        else:
            raise UnknownHeaderTypeError(
                f"header {name!r} has unknown value type {type_id} (expected 0..9)",
                offset=offset + pos - 1,
            )
        headers[name] = value
    return headers


class EventStreamDecoder:
    """Incremental decoder: feed it bytes, in any split, and get messages.

    Work is linear in the bytes fed, whatever the split (one byte at a time
    included): each byte is copied into the buffer once and each message is
    checked once when it is complete. Lengths are checked against the limits
    as soon as the prelude is in, so a hostile length never makes the
    decoder wait for, or buffer, more than the limits allow.

    :param max_payload_length: largest payload accepted.
    :param max_headers_length: largest headers block accepted.
    """

    def __init__(
        self,
        *,
        max_payload_length: int = MAX_PAYLOAD_LENGTH,
        max_headers_length: int = MAX_HEADERS_LENGTH,
    ) -> None:
        self._max_payload = max_payload_length
        self._max_headers = max_headers_length
        self._buffer = bytearray()
        self._consumed = 0  # stream offset of self._buffer[0]
        self._total: Optional[int] = None  # length of the message in progress
        self._headers_length = 0
        self._error: Optional[DecodeError] = None

    @property
    def offset(self) -> int:
        """Stream offset of the first byte not yet part of a decoded message."""
        return self._consumed

    @property
    def buffered(self) -> int:
        """Bytes held that belong to a message not yet complete."""
        return len(self._buffer)

    def feed(self, data: Union[bytes, bytearray, memoryview]) -> List[Message]:
        """Add bytes and return the messages they complete.

        :param data: the next bytes of the stream (may be empty).
        :returns: the messages completed by this call, in order.
        :raises DecodeError: the stream is invalid; the decoder stays failed.
        """
        if self._error is not None:
            raise self._error
        self._buffer += data
        messages: List[Message] = []
        try:
            while True:
                message = self._next()
                if message is None:
                    return messages
                messages.append(message)
        except DecodeError as exc:
            self._error = exc
            self._buffer = bytearray()
            raise

    def close(self) -> None:
        """Declare the end of the stream.

        :raises TruncatedStreamError: bytes of an incomplete message remain.
        :raises DecodeError: the decoder had already failed.
        """
        if self._error is not None:
            raise self._error
        if self._buffer:
            needed = self._total if self._total is not None else PRELUDE_LENGTH
            self._error = TruncatedStreamError(
                f"stream ended inside a message: {len(self._buffer)} of "
                f"{needed} bytes received",
                offset=self._consumed,
            )
            raise self._error

    def _next(self) -> Optional[Message]:
        buffer = self._buffer
        if self._total is None:
            if len(buffer) < PRELUDE_LENGTH:
                return None
            self._total, self._headers_length = self._check_prelude(
                bytes(buffer[:PRELUDE_LENGTH])
            )
        total = self._total
        if len(buffer) < total:
            return None
        raw = bytes(buffer[:total])
        del buffer[:total]
        start = self._consumed
        self._consumed += total
        self._total = None
        expected = crc32(memoryview(raw)[: total - 4])
        found = _UINT32.unpack_from(raw, total - 4)[0]
        if expected != found:
            raise MessageChecksumError(
                "message CRC mismatch", offset=start + total - 4, expected=expected, found=found
            )
        headers_end = PRELUDE_LENGTH + self._headers_length
        headers = decode_headers(raw[PRELUDE_LENGTH:headers_end], offset=start + PRELUDE_LENGTH)
        return Message(headers, raw[headers_end : total - 4])

    def _check_prelude(self, prelude: bytes) -> Tuple[int, int]:
        start = self._consumed
        total, headers_length = _PRELUDE.unpack_from(prelude)
        expected = crc32(prelude[:8])
        found = _UINT32.unpack_from(prelude, 8)[0]
        if expected != found:
            raise PreludeChecksumError(
                "prelude CRC mismatch", offset=start + 8, expected=expected, found=found
            )
        if total < MESSAGE_OVERHEAD:
            raise LengthError(
                f"total length {total} is below the minimum {MESSAGE_OVERHEAD}",
                offset=start,
                found=total,
                limit=MESSAGE_OVERHEAD,
            )
        if headers_length > self._max_headers:
            raise LengthError(
                f"headers length {headers_length} exceeds {self._max_headers}",
                offset=start + 4,
                found=headers_length,
                limit=self._max_headers,
            )
        payload_length = total - headers_length - MESSAGE_OVERHEAD
        if payload_length < 0:
            raise LengthError(
                f"headers length {headers_length} does not fit in total length "
                f"{total} (payload would be {payload_length} bytes)",
                offset=start + 4,
                found=headers_length,
                limit=total - MESSAGE_OVERHEAD,
            )
        if payload_length > self._max_payload:
            raise LengthError(
                f"payload length {payload_length} exceeds {self._max_payload}",
                offset=start,
                found=payload_length,
                limit=self._max_payload,
            )
        return total, headers_length


def decode_message(data: Union[bytes, bytearray, memoryview]) -> Message:
    """Decode bytes that hold exactly one message.

    :param data: one whole message.
    :returns: the message.
    :raises DecodeError: the bytes are not exactly one valid message
        (:class:`TruncatedStreamError` when they stop short, :class:`LengthError`
        when bytes follow it).
    """
    decoder = EventStreamDecoder()
    messages = decoder.feed(data)
    decoder.close()
    if len(messages) != 1:
        # Only reachable with two or more: zero messages fail in close().
        raise LengthError(
            f"expected exactly one message, found {len(messages)}",
            offset=_UINT32.unpack_from(bytes(data[:4]))[0],
            found=len(messages),
            limit=1,
        )
    return messages[0]
