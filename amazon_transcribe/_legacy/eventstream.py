"""0.6.4's ``eventstream`` module, rebuilt on our codec and event signer.

0.6.4 kept its whole event-stream story in one module: the message encoder
(:class:`EventStreamMessageSerializer` and the ``Int*HeaderValue`` wrappers
that choose an integer's wire type), the incremental decoder
(:class:`EventStreamBuffer`, :class:`EventStreamHeaderParser`,
:class:`DecodeUtils`), the plumbing that sends and receives events
(:class:`BaseStream`, :class:`EventStream`) and the event signer
(:class:`~amazon_transcribe.eventstream.EventSigner`). Here they keep 0.6.4's signatures,
return shapes and exception classes, while the work is done by our core:

* encoding and decoding by :mod:`amazon_transcribe._eventstream` (the
  serializer converts 0.6.4's header values to our typed ones; the buffer
  drives an :class:`~amazon_transcribe._eventstream.EventStreamDecoder`);
* the event signature's key derivation and scope by
  :mod:`amazon_transcribe._signer`;
* every exception is also one of our tree's, so either spelling catches
  it: 0.6.4's :class:`ParserError` classes derive from
  :class:`~amazon_transcribe.eventstream.DecodeError` (a
  :class:`ChecksumMismatch` is a
  :class:`~amazon_transcribe.eventstream.ChecksumError`...), its
  :class:`SerializationError` classes from
  :class:`~amazon_transcribe.eventstream.EncodeError`.

0.6.4's limits are kept: payloads of at most 16 MiB, encoded and decoded
(our codec alone allows 24 MiB), headers blocks of at most 128 KiB and
string or byte-array header values of at most 32767 bytes.

Our client uses none of this (it streams through
:mod:`amazon_transcribe.protocol` and :mod:`amazon_transcribe.streams`).
This module imports the core, never the public façades (such as
:mod:`amazon_transcribe.eventstream`, which re-exports it).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import struct
import uuid
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Callable,
    ClassVar,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Protocol,
    Tuple,
    Type,
    Union,
)

from .._eventstream import (
    MAX_HEADER_VALUE_LENGTH,
    MAX_HEADERS_LENGTH,
    MESSAGE_OVERHEAD,
    PRELUDE_LENGTH,
    Byte,
    ChecksumError,
    DecodeError,
    DuplicateHeaderError,
    EncodeError,
    EventStreamDecoder,
    EventStreamError,
    HeaderValueType,
    Integer,
    LengthError,
    Long,
    Message,
    Short,
    decode_headers,
    encode_headers,
    encode_message,
)
from .._signer import _EVENT_ALGORITHM, _credential_scope, _derive_signing_key
from ..exceptions import CredentialsException, ValidationException
from ..streams import _ComposedInput
from .structures import BufferableByteStream

if TYPE_CHECKING:
    from ..auth import Credentials

__all__ = [
    "HEADER_VALUE",
    "ParserError",
    "DuplicateHeader",
    "InvalidHeadersLength",
    "InvalidPayloadLength",
    "ChecksumMismatch",
    "SerializationError",
    "InvalidHeaderValue",
    "HeaderBytesExceedMaxLength",
    "HeaderValueBytesExceedMaxLength",
    "PayloadBytesExceedMaxLength",
    "HeaderValue",
    "Int8HeaderValue",
    "Int16HeaderValue",
    "Int32HeaderValue",
    "Int64HeaderValue",
    "HEADER_SERIALIZATION_VALUE",
    "HEADERS_SERIALIZATION_DICT",
    "EventStreamMessageSerializer",
    "BaseEvent",
    "BaseStream",
    "DecodeUtils",
    "MessagePrelude",
    "EventStreamMessage",
    "EventStreamHeaderParser",
    "EventStreamBuffer",
    "EventStream",
    "EventSigner",
]

# 0.6.4's payload limit, both ways. The Smithy specification allows 24 MiB,
# but code written against 0.6.4 never sent, nor accepted, more than this.
_MAX_PAYLOAD_LENGTH = 16 * 1024 * 1024

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_ONE_MS = datetime.timedelta(milliseconds=1)

#: A header value as 0.6.4 decodes it: timestamps are milliseconds since the
#: epoch (``int``) and UUIDs their 16 bytes.
HEADER_VALUE = Union[bool, bytes, int, str]


# -- exceptions --------------------------------------------------------------


class ParserError(DecodeError):
    """The bytes are not a valid event stream (0.6.4's base of decoding errors).

    Also a :class:`~amazon_transcribe.eventstream.DecodeError`. The
    decoding errors 0.6.4 had no class for (an unknown header type, a
    truncated or badly encoded header, an impossible length) are raised as
    this class, with our codec's error as ``__cause__``.

    :param message: what was wrong.
    :param offset: the stream offset of the problem, when known (it is
        added to the message, and is :attr:`offset`; ``0`` when not given).
    """

    def __init__(self, message: str = "", *, offset: Optional[int] = None) -> None:
        self._set_message(message or "the event stream cannot be parsed", offset)

    def _set_message(self, text: str, offset: Optional[int]) -> None:
        # DecodeError's constructor requires an offset and words the message
        # its own way: set what it sets, with this class's wording.
        if offset is not None:
            text = f"{text} (at stream offset {offset})"
        EventStreamError.__init__(self, text)
        self.offset = 0 if offset is None else offset

    def __str__(self) -> str:
        return self.message


class DuplicateHeader(ParserError, DuplicateHeaderError):
    """A header name appears twice in one message.

    Also a :class:`~amazon_transcribe.eventstream.DuplicateHeaderError`.

    :param header: the repeated name.
    :param offset: the stream offset of the second header, when known.
    """

    def __init__(self, header: str, *, offset: Optional[int] = None) -> None:
        self._set_message(f"header {header!r} appears twice in one message", offset)
        self.args = (header,)
        #: The repeated header name.
        self.header = header


class InvalidHeadersLength(ParserError, LengthError):
    """A prelude announces a headers block longer than 128 KiB.

    Also a :class:`~amazon_transcribe.eventstream.LengthError`, with
    :attr:`found` the announced length and :attr:`limit` 131072.

    :param length: the announced headers length.
    :param offset: the stream offset of the length field, when known.
    """

    def __init__(self, length: int, *, offset: Optional[int] = None) -> None:
        self._set_message(
            f"a headers block of {length} bytes is over the limit of "
            f"{MAX_HEADERS_LENGTH}",
            offset,
        )
        self.args = (length,)
        self.found = length
        self.limit = MAX_HEADERS_LENGTH


class InvalidPayloadLength(ParserError, LengthError):
    """A prelude announces a payload longer than 16 MiB.

    Also a :class:`~amazon_transcribe.eventstream.LengthError`, with
    :attr:`found` the announced length and :attr:`limit` 16 MiB.

    :param length: the announced payload length.
    :param offset: the stream offset of the message, when known.
    """

    def __init__(self, length: int, *, offset: Optional[int] = None) -> None:
        self._set_message(
            f"a payload of {length} bytes is over the limit of {_MAX_PAYLOAD_LENGTH}",
            offset,
        )
        self.args = (length,)
        self.found = length
        self.limit = _MAX_PAYLOAD_LENGTH


class ChecksumMismatch(ParserError, ChecksumError):
    """A CRC32 (of the prelude or of the whole message) does not match.

    Also a :class:`~amazon_transcribe.eventstream.ChecksumError`. Mind the
    names: 0.6.4's constructor calls the CRC the message carries
    ``expected`` and the one computed from its bytes ``calculated``; the
    attributes are our codec's, where :attr:`found` is the CRC the message
    carries and :attr:`expected` the computed one.

    :param expected: the CRC the message carries.
    :param calculated: the CRC computed over the bytes received.
    :param offset: the stream offset of the CRC, when known.
    """

    def __init__(
        self, expected: int, calculated: int, *, offset: Optional[int] = None
    ) -> None:
        self._set_message(
            f"CRC32 mismatch: the message carries 0x{expected:08x}, "
            f"its bytes give 0x{calculated:08x}",
            offset,
        )
        self.args = (expected, calculated)
        self.expected = calculated
        self.found = expected


class SerializationError(EncodeError):
    """Headers or a payload cannot be encoded (0.6.4's base of encoding errors).

    Also a :class:`~amazon_transcribe.eventstream.EncodeError` (and so a
    :class:`ValueError`). Encoding errors 0.6.4 had no class for (a header
    name that is empty or over 255 bytes) are raised as this class.

    :param message: what cannot be encoded.
    """

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "the headers or payload cannot be encoded")

    def __str__(self) -> str:
        return self.message


class InvalidHeaderValue(SerializationError):
    """A header value has no header type, or does not fit the type chosen.

    :param value: the value.
    :param reason: why it cannot be encoded, when it is not its type.
    """

    def __init__(self, value: Any, *, reason: Optional[str] = None) -> None:
        super().__init__(reason or f"a header value of {type(value)} cannot be encoded")
        self.args = (value,)
        #: The value that cannot be encoded.
        self.value = value


class HeaderBytesExceedMaxLength(SerializationError):
    """The encoded headers block is longer than 128 KiB.

    :param length: the encoded block's length.
    """

    def __init__(self, length: int) -> None:
        super().__init__(
            f"the encoded headers are {length} bytes, over the limit of "
            f"{MAX_HEADERS_LENGTH} (128 KiB)"
        )
        self.args = (length,)
        #: The encoded block's length.
        self.length = length


class HeaderValueBytesExceedMaxLength(SerializationError):
    """A string (as UTF-8) or byte-array header value is longer than 32767 bytes.

    :param length: the value's length in bytes.
    """

    def __init__(self, length: int) -> None:
        super().__init__(
            f"a header value of {length} bytes is over the limit of "
            f"{MAX_HEADER_VALUE_LENGTH} (32 KiB - 1)"
        )
        self.args = (length,)
        #: The value's length in bytes.
        self.length = length


class PayloadBytesExceedMaxLength(SerializationError):
    """A payload is longer than 16 MiB.

    :param length: the payload's length.
    """

    def __init__(self, length: int) -> None:
        super().__init__(
            f"a payload of {length} bytes is over the limit of "
            f"{_MAX_PAYLOAD_LENGTH} (16 MiB)"
        )
        self.args = (length,)
        #: The payload's length.
        self.length = length


def _parser_error(
    exc: DecodeError,
    *,
    block: bytes = b"",
    block_offset: int = 0,
    prelude: Optional[MessagePrelude] = None,
) -> ParserError:
    """Translate one of our codec's decoding errors to 0.6.4's class for it.

    :param exc: the codec's error.
    :param block: the headers block being decoded, if any (names the
        duplicate of a :class:`DuplicateHeaderError`).
    :param block_offset: the stream offset of ``block[0]``.
    :param prelude: the prelude of the message being decoded, if read
        (tells which length a :class:`LengthError` is about).
    :returns: the 0.6.4 exception to raise from ``exc``.
    """
    if isinstance(exc, ChecksumError):
        return ChecksumMismatch(exc.found, exc.expected, offset=exc.offset)
    if isinstance(exc, LengthError) and prelude is not None:
        if prelude.headers_length > MAX_HEADERS_LENGTH:
            return InvalidHeadersLength(prelude.headers_length, offset=exc.offset)
        if prelude.payload_length > _MAX_PAYLOAD_LENGTH:
            return InvalidPayloadLength(prelude.payload_length, offset=exc.offset)
    if isinstance(exc, DuplicateHeaderError):
        name = _header_name_at(block, exc.offset - block_offset)
        if name is not None:
            return DuplicateHeader(name, offset=exc.offset)
    error = ParserError(exc.message)  # already says where
    error.offset = exc.offset
    return error


def _header_name_at(block: bytes, position: int) -> Optional[str]:
    # Our codec reports a duplicate at the start of the repeated header: its
    # name's length byte, then the name.
    if not 0 <= position < len(block):
        return None
    start = position + 1
    raw = block[start : start + block[position]]
    if len(raw) != block[position]:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


# -- encoding ----------------------------------------------------------------


class HeaderValue:
    """Base of the wrappers that send an integer header as a chosen wire type.

    Not instantiable itself; use :class:`Int8HeaderValue`,
    :class:`Int16HeaderValue`, :class:`Int32HeaderValue` or
    :class:`Int64HeaderValue`. (Our codec's own spelling is the marker types
    :class:`~amazon_transcribe.eventstream.Byte`, ``Short``, ``Integer`` and
    ``Long``, ints themselves; the serializer takes those too.)

    :param args: ignored.
    :param kwargs: ignored.
    :raises NotImplementedError: always.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "HeaderValue only names the wrappers; use Int8HeaderValue, "
            "Int16HeaderValue, Int32HeaderValue or Int64HeaderValue"
        )


class _SizedHeaderValue(HeaderValue):
    """An integer with the wire type its class names (checked when encoded)."""

    #: Our codec's marker type for this wire type.
    _wire_type: ClassVar[Type[int]]

    def __init__(self, value: int) -> None:
        #: The integer to send.
        self.value = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


class Int8HeaderValue(_SizedHeaderValue):
    """An integer header value sent as a signed 8-bit byte (type 2).

    :param value: the integer, in [-128, 127] (checked when encoded).
    """

    _wire_type = Byte


class Int16HeaderValue(_SizedHeaderValue):
    """An integer header value sent as a signed 16-bit short (type 3).

    :param value: the integer, in [-32768, 32767] (checked when encoded).
    """

    _wire_type = Short


class Int32HeaderValue(_SizedHeaderValue):
    """An integer header value sent as a signed 32-bit integer (type 4).

    Plain ``int`` header values are sent as this type unless
    :attr:`EventStreamMessageSerializer.DEFAULT_INT_TYPE` says otherwise.

    :param value: the integer, in [-2**31, 2**31 - 1] (checked when encoded).
    """

    _wire_type = Integer


class Int64HeaderValue(_SizedHeaderValue):
    """An integer header value sent as a signed 64-bit long (type 5).

    :param value: the integer, in [-2**63, 2**63 - 1] (checked when encoded).
    """

    _wire_type = Long


#: A header value the serializer takes (richer than what decoding gives, see
#: :data:`HEADER_VALUE`): naive datetimes are local time, as in 0.6.4.
HEADER_SERIALIZATION_VALUE = Union[
    bool, bytes, int, str, uuid.UUID, datetime.datetime, HeaderValue
]
#: Headers to serialize, by name.
HEADERS_SERIALIZATION_DICT = Dict[str, HEADER_SERIALIZATION_VALUE]

# Ints that already say their wire type (our codec's markers).
_MARKED_INTS = (Byte, Short, Integer, Long)


def _core_value(value: object, default_int_type: Type[HeaderValue]) -> HeaderValueType:
    """Convert a header value as 0.6.4 takes it to our codec's typed value.

    :param value: the value.
    :param default_int_type: the wrapper for plain ints.
    :returns: the value our codec encodes the way 0.6.4 did.
    :raises InvalidHeaderValue: the value has no header type, or does not
        fit the integer type chosen.
    :raises HeaderValueBytesExceedMaxLength: a string or byte array is too long.
    """
    if isinstance(value, bool):  # before int: bool is an int
        return value
    if isinstance(value, int):
        if isinstance(value, _MARKED_INTS):
            return value
        value = default_int_type(value)
    if isinstance(value, _SizedHeaderValue):
        try:
            return value._wire_type(value.value)
        except EncodeError as exc:
            raise InvalidHeaderValue(value, reason=f"{value!r}: {exc.message}") from None
    if isinstance(value, bytes):
        if len(value) > MAX_HEADER_VALUE_LENGTH:
            raise HeaderValueBytesExceedMaxLength(len(value))
        return value
    if isinstance(value, str):
        length = len(value.encode("utf-8"))
        if length > MAX_HEADER_VALUE_LENGTH:
            raise HeaderValueBytesExceedMaxLength(length)
        return value
    if isinstance(value, datetime.datetime):
        # 0.6.4 took datetime.timestamp(), which reads a naive value as local
        # time; our codec wants that said explicitly.
        return value if value.utcoffset() is not None else value.astimezone()
    if isinstance(value, uuid.UUID):
        return value
    raise InvalidHeaderValue(value)


class EventStreamMessageSerializer:
    """Encodes messages as 0.6.4 did, with our codec.

    Header values are 0.6.4's: ``bool``, ``int`` (sent as
    :attr:`DEFAULT_INT_TYPE`), the ``Int*HeaderValue`` wrappers, ``bytes``,
    ``str``, ``datetime`` (sent as milliseconds since the epoch; a naive one
    is local time) and ``uuid.UUID``; our codec's ``Byte``/``Short``/
    ``Integer``/``Long`` markers are sent as what they name.

    Our own encoder is :func:`amazon_transcribe.eventstream.encode_message`,
    which returns the same bytes for the same typed headers.
    """

    #: The wrapper plain ``int`` header values are sent as.
    DEFAULT_INT_TYPE: Type[HeaderValue] = Int32HeaderValue

    def serialize(
        self, headers: Mapping[str, HEADER_SERIALIZATION_VALUE], payload: bytes
    ) -> bytes:
        """Encode one message.

        :param headers: the headers, encoded in iteration order.
        :param payload: the payload.
        :returns: the message's bytes, prelude to trailing CRC.
        :raises PayloadBytesExceedMaxLength: the payload is over 16 MiB.
        :raises HeaderBytesExceedMaxLength: the encoded headers are over 128 KiB.
        :raises InvalidHeaderValue: a header value cannot be encoded.
        :raises HeaderValueBytesExceedMaxLength: a string or byte-array value
            is over 32767 bytes.
        :raises SerializationError: a header name is empty or over 255 bytes.
        """
        if len(payload) > _MAX_PAYLOAD_LENGTH:
            raise PayloadBytesExceedMaxLength(len(payload))
        block = self.encode_headers(headers)
        if len(block) > MAX_HEADERS_LENGTH:
            raise HeaderBytesExceedMaxLength(len(block))
        try:
            return encode_message(block, payload)
        except EncodeError as exc:  # the limits were checked: not expected
            raise SerializationError(exc.message) from exc

    def encode_headers(self, headers: Mapping[str, HEADER_SERIALIZATION_VALUE]) -> bytes:
        """Encode a headers block (of any length: :meth:`serialize` checks it).

        :param headers: the headers, encoded in iteration order.
        :returns: the encoded block.
        :raises InvalidHeaderValue: a header value cannot be encoded.
        :raises HeaderValueBytesExceedMaxLength: a string or byte-array value
            is over 32767 bytes.
        :raises SerializationError: a header name is empty or over 255 bytes.
        """
        parts: List[bytes] = []
        for name, value in headers.items():
            typed = _core_value(value, self.DEFAULT_INT_TYPE)
            try:
                # One header at a time: our encode_headers caps a whole block
                # at 128 KiB, and 0.6.4 checked that in serialize() only.
                parts.append(encode_headers({name: typed}))
            except EncodeError as exc:
                raise SerializationError(exc.message) from exc
        return b"".join(parts)


# -- events and the input stream ---------------------------------------------


class BaseEvent:
    """Base of 0.6.4's events sent to the service.

    :param payload: the event's payload bytes.
    :param event_payload: whether the event has a payload member.
    """

    def __init__(self, payload: bytes, event_payload: Optional[bool] = None) -> None:
        #: The payload bytes.
        self.payload = payload
        #: Whether the event has a payload member.
        self.event_payload = event_payload
        #: Always true: this is an event.
        self.event = True


class _InputSink(Protocol):
    """Where a :class:`BaseStream` writes envelopes (0.6.4: a BufferableByteStream)."""

    def write(self, data: bytes, /) -> Any: ...

    def end_stream(self) -> Any: ...


class _EventSerializer(Protocol):
    """Turns an event into the headers and payload of its message."""

    def serialize(self, event: Any, /) -> Tuple[Mapping[str, Any], bytes]: ...


class _EnvelopeSigner(Protocol):
    """Signs one message, chained on the previous signature (see :class:`~amazon_transcribe.eventstream.EventSigner`)."""

    def sign(
        self, payload: bytes, prior_signature: Any, credentials: Credentials, /
    ) -> Mapping[str, Any]: ...


class _CredentialSource(Protocol):
    """Resolves the credentials to sign with (an ``auth.CredentialResolver``)."""

    async def get_credentials(self) -> Optional[Credentials]: ...


class BaseStream:
    """0.6.4's input event stream: serialize, frame, sign, wrap, write.

    For each event, ``event_serializer.serialize(event)`` gives headers and
    payload, ``eventstream_serializer`` frames them as a message, which
    ``event_signer`` signs (chained on the previous signature, starting from
    ``initial_signature``) with credentials from ``credential_resolver``; the
    envelope (``:date`` and ``:chunk-signature`` headers around the message)
    is written to ``input_stream``.

    As in 0.6.4, credentials are resolved again for every event and
    ``input_stream`` buffers without bound. Our client's input streams
    (:class:`amazon_transcribe.streams.AudioStream`) resolve credentials
    once per stream and make a sender wait while too much is in flight; use
    them to send audio.

    :param input_stream: where envelopes are written; a new
        :class:`~amazon_transcribe.structures.BufferableByteStream`
        by default.
    :param event_serializer: turns an event into ``(headers, payload)``.
    :param eventstream_serializer: frames messages; an
        :class:`EventStreamMessageSerializer` by default.
    :param event_signer: signs messages (an :class:`~amazon_transcribe.eventstream.EventSigner`).
    :param initial_signature: the signature (32 raw bytes) of the request
        that opened the stream, the first link of the chain.
    :param credential_resolver: gives the credentials to sign with.
    """

    def __init__(
        self,
        input_stream: Optional[_InputSink] = None,
        event_serializer: Optional[_EventSerializer] = None,
        eventstream_serializer: Optional[EventStreamMessageSerializer] = None,
        event_signer: Optional[_EnvelopeSigner] = None,
        initial_signature: Optional[bytes] = None,
        credential_resolver: Optional[_CredentialSource] = None,
    ) -> None:
        self._input_stream: _InputSink = (
            BufferableByteStream() if input_stream is None else input_stream
        )
        self._event_serializer = event_serializer
        self._eventstream_serializer = (
            EventStreamMessageSerializer()
            if eventstream_serializer is None
            else eventstream_serializer
        )
        # The signing and writing is the same composition our own
        # streams.AudioStream uses when built from 0.6.4's parts.
        self._composed = _ComposedInput(
            self._input_stream, self._eventstream_serializer, event_signer,
            initial_signature, credential_resolver,
        )

    async def send_event(self, event: Any) -> None:
        """Sign and write one event.

        :param event: the event (a :class:`BaseEvent`, or whatever the event
            serializer takes).
        :raises ValidationException: the stream was built without an event
            serializer, signer or credential resolver.
        :raises CredentialsException: the resolver found no credentials.
        :raises SerializationError: the event's message cannot be encoded.
        """
        if self._event_serializer is None:
            raise ValidationException(
                "this stream was made without an event_serializer: it cannot send events"
            )
        headers, payload = self._event_serializer.serialize(event)
        await self._composed.send_message(self._eventstream_serializer.serialize(headers, payload))

    async def end_stream(self) -> None:
        """Write the signed end frame (an envelope around no message) and end the input.

        :raises ValidationException: the stream was built without a signer or
            credential resolver.
        :raises CredentialsException: the resolver found no credentials.
        """
        await self._composed.end_input()


# -- decoding ----------------------------------------------------------------


class DecodeUtils:
    """0.6.4's unpacking helpers: each reads a value from the start of ``data``.

    Every method returns ``(value, bytes consumed)``. Too few bytes raise
    :class:`struct.error`, as in 0.6.4.
    """

    UINT8_BYTE_FORMAT = "!B"
    UINT16_BYTE_FORMAT = "!H"
    UINT32_BYTE_FORMAT = "!I"
    INT8_BYTE_FORMAT = "!b"
    INT16_BYTE_FORMAT = "!h"
    INT32_BYTE_FORMAT = "!i"
    INT64_BYTE_FORMAT = "!q"
    PRELUDE_BYTE_FORMAT = "!III"

    #: The format of an unsigned length field, by its size in bytes.
    UINT_BYTE_FORMAT = {
        1: UINT8_BYTE_FORMAT,
        2: UINT16_BYTE_FORMAT,
        4: UINT32_BYTE_FORMAT,
    }

    @staticmethod
    def _unpack(fmt: str, data: bytes) -> Tuple[int, int]:
        size = struct.calcsize(fmt)
        value: int = struct.unpack(fmt, data[:size])[0]
        return value, size

    @staticmethod
    def unpack_true(data: bytes) -> Tuple[bool, int]:
        """Read a boolean true header value (it has no bytes).

        :param data: ignored.
        :returns: ``(True, 0)``.
        """
        return True, 0

    @staticmethod
    def unpack_false(data: bytes) -> Tuple[bool, int]:
        """Read a boolean false header value (it has no bytes).

        :param data: ignored.
        :returns: ``(False, 0)``.
        """
        return False, 0

    @staticmethod
    def unpack_uint8(data: bytes) -> Tuple[int, int]:
        """Read an unsigned 8-bit integer.

        :param data: at least 1 byte.
        :returns: ``(value, 1)``.
        :raises struct.error: ``data`` is empty.
        """
        return DecodeUtils._unpack(DecodeUtils.UINT8_BYTE_FORMAT, data)

    @staticmethod
    def unpack_uint32(data: bytes) -> Tuple[int, int]:
        """Read a big-endian unsigned 32-bit integer.

        :param data: at least 4 bytes.
        :returns: ``(value, 4)``.
        :raises struct.error: fewer than 4 bytes.
        """
        return DecodeUtils._unpack(DecodeUtils.UINT32_BYTE_FORMAT, data)

    @staticmethod
    def unpack_int8(data: bytes) -> Tuple[int, int]:
        """Read a signed 8-bit integer.

        :param data: at least 1 byte.
        :returns: ``(value, 1)``.
        :raises struct.error: ``data`` is empty.
        """
        return DecodeUtils._unpack(DecodeUtils.INT8_BYTE_FORMAT, data)

    @staticmethod
    def unpack_int16(data: bytes) -> Tuple[int, int]:
        """Read a big-endian signed 16-bit integer.

        :param data: at least 2 bytes.
        :returns: ``(value, 2)``.
        :raises struct.error: fewer than 2 bytes.
        """
        return DecodeUtils._unpack(DecodeUtils.INT16_BYTE_FORMAT, data)

    @staticmethod
    def unpack_int32(data: bytes) -> Tuple[int, int]:
        """Read a big-endian signed 32-bit integer.

        :param data: at least 4 bytes.
        :returns: ``(value, 4)``.
        :raises struct.error: fewer than 4 bytes.
        """
        return DecodeUtils._unpack(DecodeUtils.INT32_BYTE_FORMAT, data)

    @staticmethod
    def unpack_int64(data: bytes) -> Tuple[int, int]:
        """Read a big-endian signed 64-bit integer (also a timestamp's milliseconds).

        :param data: at least 8 bytes.
        :returns: ``(value, 8)``.
        :raises struct.error: fewer than 8 bytes.
        """
        return DecodeUtils._unpack(DecodeUtils.INT64_BYTE_FORMAT, data)

    @staticmethod
    def unpack_byte_array(data: bytes, length_byte_size: int = 2) -> Tuple[bytes, int]:
        """Read a byte array preceded by its unsigned big-endian length.

        :param data: the length field, then the bytes.
        :param length_byte_size: the size of the length field: 1, 2 or 4.
        :returns: ``(the bytes, length field size + length)``; the bytes are
            shorter than announced when ``data`` is.
        :raises struct.error: ``data`` is shorter than the length field.
        :raises KeyError: ``length_byte_size`` is not 1, 2 or 4.
        """
        fmt = DecodeUtils.UINT_BYTE_FORMAT[length_byte_size]
        length, _ = DecodeUtils._unpack(fmt, data)
        end = length_byte_size + length
        return data[length_byte_size:end], end

    @staticmethod
    def unpack_utf8_string(data: bytes, length_byte_size: int = 2) -> Tuple[str, int]:
        """Read a UTF-8 string preceded by its unsigned big-endian length in bytes.

        :param data: the length field, then the string's bytes.
        :param length_byte_size: the size of the length field: 1, 2 or 4.
        :returns: ``(the string, length field size + length)``.
        :raises struct.error: ``data`` is shorter than the length field.
        :raises UnicodeDecodeError: the bytes are not UTF-8.
        """
        raw, consumed = DecodeUtils.unpack_byte_array(data, length_byte_size)
        return raw.decode("utf-8"), consumed

    @staticmethod
    def unpack_uuid(data: bytes) -> Tuple[bytes, int]:
        """Read a UUID's 16 bytes (as bytes, not a :class:`uuid.UUID`).

        :param data: at least 16 bytes.
        :returns: ``(the first 16 bytes, 16)``.
        """
        return data[:16], 16

    @staticmethod
    def unpack_prelude(data: bytes) -> Tuple[Tuple[Any, ...], int]:
        """Read a message's prelude: total length, headers length, prelude CRC.

        :param data: exactly the 12 prelude bytes.
        :returns: ``((total_length, headers_length, crc), 12)``.
        :raises struct.error: ``data`` is not 12 bytes long.
        """
        return struct.unpack(DecodeUtils.PRELUDE_BYTE_FORMAT, data), PRELUDE_LENGTH


class MessagePrelude:
    """A message's prelude, and the offsets it implies.

    :param total_length: the whole message's length, both CRCs included.
    :param headers_length: the headers block's length.
    :param crc: the prelude's CRC32.
    """

    def __init__(self, total_length: int, headers_length: int, crc: int) -> None:
        #: The whole message's length.
        self.total_length = total_length
        #: The headers block's length.
        self.headers_length = headers_length
        #: The prelude's CRC32.
        self.crc = crc

    @property
    def payload_length(self) -> int:
        """The payload's length: what remains without prelude, headers and message CRC."""
        return self.total_length - self.headers_length - MESSAGE_OVERHEAD

    @property
    def payload_end(self) -> int:
        """Offset, from the message's start, of the end of the payload (where the CRC is)."""
        return self.total_length - 4

    @property
    def headers_end(self) -> int:
        """Offset, from the message's start, of the end of the headers block."""
        return PRELUDE_LENGTH + self.headers_length

    def __repr__(self) -> str:
        return (
            f"MessagePrelude(total_length={self.total_length}, "
            f"headers_length={self.headers_length}, crc=0x{self.crc:08x})"
        )


class EventStreamMessage:
    """One decoded message, as 0.6.4's decoder gives it.

    :param prelude: the message's prelude.
    :param headers: the headers, with 0.6.4's value types (see
        :data:`HEADER_VALUE`).
    :param payload: the payload bytes.
    :param crc: the message's CRC32.
    """

    def __init__(
        self,
        prelude: MessagePrelude,
        headers: Dict[str, HEADER_VALUE],
        payload: bytes,
        crc: int,
    ) -> None:
        #: The prelude.
        self.prelude = prelude
        #: The headers by name.
        self.headers = headers
        #: The payload bytes.
        self.payload = payload
        #: The message's CRC32.
        self.crc = crc

    def to_response_dict(self, status_code: int = 200) -> Dict[str, Any]:
        """The message as 0.6.4's parsers took it.

        :param status_code: the status to report for an event; an
            ``exception`` or ``error`` message reports 400 instead.
        :returns: ``{"status_code": ..., "headers": ..., "body": payload}``.
        """
        if self.headers.get(":message-type") in ("error", "exception"):
            status_code = 400
        return {"status_code": status_code, "headers": self.headers, "body": self.payload}

    def __repr__(self) -> str:
        return (
            f"EventStreamMessage(prelude={self.prelude!r}, headers={self.headers!r}, "
            f"payload={self.payload!r}, crc=0x{self.crc:08x})"
        )


def _legacy_value(value: HeaderValueType) -> HEADER_VALUE:
    """Our codec's decoded header value, as 0.6.4 decoded it.

    :param value: the typed value.
    :returns: ints as plain ``int``, timestamps as milliseconds since the
        epoch, UUIDs as their 16 bytes; the rest unchanged.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, datetime.datetime):
        return (value - _EPOCH) // _ONE_MS
    if isinstance(value, uuid.UUID):
        return value.bytes
    return value


def _legacy_headers(headers: Mapping[str, HeaderValueType]) -> Dict[str, HEADER_VALUE]:
    return {name: _legacy_value(value) for name, value in headers.items()}


class EventStreamHeaderParser:
    """Decodes a headers block, with our codec, to 0.6.4's value types.

    Reusable: each :meth:`parse` is independent.
    """

    def __init__(self) -> None:
        # 0.6.4's constructor took no argument; keep that signature explicit.
        pass

    def parse(self, data: bytes) -> Dict[str, HEADER_VALUE]:
        """Decode a headers block.

        :param data: exactly the headers block.
        :returns: the headers by name, in wire order: booleans, ints (all
            integer types, and timestamps as milliseconds since the epoch),
            ``bytes`` (byte arrays, and UUIDs as their 16 bytes) and strings.
        :raises DuplicateHeader: a name appears twice.
        :raises ParserError: the block is malformed (an unknown type id, a
            truncated header, invalid UTF-8, an empty name).
        """
        block = bytes(data)
        try:
            headers = decode_headers(block)
        except DecodeError as exc:
            raise _parser_error(exc, block=block) from exc
        return _legacy_headers(headers)


class EventStreamBuffer:
    """An incremental decoder with 0.6.4's interface: add bytes, iterate messages.

    :meth:`add_data` takes bytes in any split; iterating (or :meth:`next`)
    gives each complete message as an :class:`EventStreamMessage`, and stops
    (:class:`StopIteration`) when the next message is not complete yet. The
    checks are our codec's (:class:`~amazon_transcribe.eventstream.EventStreamDecoder`),
    with 0.6.4's limits; an invalid message raises when iteration reaches it
    (the messages before it are still given), and every later call raises
    the same error: what follows cannot be framed.

    Our own decoder is :class:`~amazon_transcribe.eventstream.EventStreamDecoder`,
    whose ``feed`` returns the completed messages as a list.
    """

    def __init__(self) -> None:
        self._data = bytearray()  # added and not yet returned as messages
        self._decoder = EventStreamDecoder(max_payload_length=_MAX_PAYLOAD_LENGTH)
        self._prelude: Optional[MessagePrelude] = None  # of the message at _data[0]
        self._error: Optional[ParserError] = None

    def add_data(self, data: bytes) -> None:
        """Add the next bytes of the stream (never raises: errors come from iteration).

        :param data: the bytes, in any split.
        """
        self._data += data

    def next(self) -> EventStreamMessage:
        """Give the next complete message.

        :returns: the message.
        :raises StopIteration: the next message is not complete yet.
        :raises ChecksumMismatch: a prelude or message CRC does not match.
        :raises InvalidHeadersLength: a headers block is over 128 KiB.
        :raises InvalidPayloadLength: a payload is over 16 MiB.
        :raises DuplicateHeader: a header name appears twice in a message.
        :raises ParserError: the message is otherwise invalid.
        """
        if self._error is not None:
            raise self._error
        prelude = self._prelude
        if prelude is None:
            if len(self._data) < PRELUDE_LENGTH:
                raise StopIteration()
            head = bytes(self._data[:PRELUDE_LENGTH])
            prelude = MessagePrelude(*DecodeUtils.unpack_prelude(head)[0])
            # The decoder checks the prelude (CRC, lengths) as soon as it has
            # it, so a hostile length fails before its bytes are awaited.
            self._feed(head, prelude)
            self._prelude = prelude
        total = prelude.total_length
        if len(self._data) < total:
            raise StopIteration()
        raw = bytes(self._data[:total])
        (message,) = self._feed(raw[PRELUDE_LENGTH:], prelude)
        del self._data[:total]
        self._prelude = None
        crc = DecodeUtils.unpack_uint32(raw[prelude.payload_end :])[0]
        return EventStreamMessage(prelude, _legacy_headers(message.headers), message.payload, crc)

    def _feed(self, data: bytes, prelude: MessagePrelude) -> List[Message]:
        # The decoder is fed one message at a time (prelude, then the rest),
        # so a bad message never takes the good ones before it down with it.
        start = self._decoder.offset
        try:
            return self._decoder.feed(data)
        except DecodeError as exc:
            block_start = start + PRELUDE_LENGTH
            self._error = _parser_error(
                exc,
                block=data[: prelude.headers_length],
                block_offset=block_start,
                prelude=prelude,
            )
            raise self._error from exc

    def __next__(self) -> EventStreamMessage:
        """Give the next complete message (see :meth:`next`).

        :returns: the message.
        :raises StopIteration: the next message is not complete yet.
        """
        return self.next()

    def __iter__(self) -> Iterator[EventStreamMessage]:
        """Iterate over the complete messages buffered so far.

        :returns: this buffer.
        """
        return self


class _RawStream(Protocol):
    """A response body as 0.6.4 read it: ``async for chunk in body.chunks()``."""

    def chunks(self) -> AsyncIterator[bytes]: ...


class _MessageParser(Protocol):
    """Turns a decoded message into an event (0.6.4's event parsers)."""

    def parse(self, message: EventStreamMessage, /) -> Any: ...


class EventStream:
    """0.6.4's output event stream: raw chunks in, parsed events out.

    Iterating it (``async for event in stream``) reads ``raw_stream.chunks()``,
    decodes them with an :class:`EventStreamBuffer` and yields
    ``parser.parse(message)`` for each message. The stream can be iterated
    once: a second iteration continues where the first stopped. Bytes left
    over when the chunks end (a truncated message) are ignored, as in 0.6.4.

    Our client's output streams (:class:`amazon_transcribe.streams.OutputStream`
    and its subclasses) also surface unknown events, service exceptions and a
    truncated stream, and give receive credit back as events are taken.

    :param raw_stream: the response body; has an async ``chunks()`` iterator.
    :param parser: turns an :class:`EventStreamMessage` into an event; what
        it raises (a service exception) ends the iteration.
    """

    def __init__(self, raw_stream: _RawStream, parser: _MessageParser) -> None:
        self._raw_stream = raw_stream
        self._parser = parser
        self._event_generator = self._messages()

    async def __aiter__(self) -> AsyncIterator[Any]:
        """Yield each event parsed from the body.

        :returns: an async iterator of the parsed events.
        :raises ParserError: the body is not a valid event stream.
        """
        async for message in self._event_generator:
            yield self._parser.parse(message)

    async def _messages(self) -> AsyncIterator[EventStreamMessage]:
        buffer = EventStreamBuffer()
        async for chunk in self._raw_stream.chunks():
            buffer.add_data(chunk)
            for message in buffer:
                yield message


# -- signing -----------------------------------------------------------------


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _as_utc(instant: datetime.datetime) -> datetime.datetime:
    # A clock named utc_now that returns a naive value means UTC; an aware
    # one in another zone still signs its UTC time (the string to sign and
    # the :date header must name the same instant).
    if instant.utcoffset() is None:
        return instant.replace(tzinfo=datetime.timezone.utc)
    return instant.astimezone(datetime.timezone.utc)


class EventSigner:
    """0.6.4's event signer: gives the envelope headers of one signed message.

    :meth:`sign` returns the ``:date`` and ``:chunk-signature`` headers; the
    caller keeps the chain (passes each signature back as the next
    ``prior_signature``) and frames the envelope. The signature is the
    chained SigV4 event signature of PROTOCOL.md §10.4, computed with our
    signer's key derivation and scope.

    Our client signs with :class:`amazon_transcribe.signer.EventSigner`,
    which keeps the chain itself, under a lock, returns the whole envelope,
    refuses to sign after the end frame, and derives the signing key once
    per day.

    :param signing_name: the SigV4 service name (``transcribe``).
    :param region: the signing region.
    :param utc_now: returns the signing instant; the current UTC time by
        default. A naive value is taken as UTC.
    """

    def __init__(
        self,
        signing_name: str,
        region: str,
        utc_now: Optional[Callable[[], datetime.datetime]] = None,
    ) -> None:
        #: The SigV4 service name.
        self.signing_name = signing_name
        #: The signing region.
        self.region = region
        #: Encodes the ``:date`` header whose bytes are signed.
        self.serializer = EventStreamMessageSerializer()
        self._utc_now = _utc_now if utc_now is None else utc_now

    def sign(
        self, payload: bytes, prior_signature: bytes, credentials: Credentials
    ) -> HEADERS_SERIALIZATION_DICT:
        """Sign one message (or, with an empty payload, the end frame).

        :param payload: the encoded message the envelope carries (``b""`` for
            the end frame).
        :param prior_signature: the previous signature, 32 raw bytes (the
            request's signature for the first message).
        :param credentials: the credentials whose secret signs.
        :returns: ``{":date": the signing instant (aware, UTC),
            ":chunk-signature": the signature, 32 raw bytes}``.
        :raises TypeError: ``prior_signature`` is not bytes-like.
        """
        now = _as_utc(self._utc_now())
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        date_stamp = amz_date[:8]
        date_header = self.serializer.encode_headers({":date": now})
        string_to_sign = "\n".join(
            (
                _EVENT_ALGORITHM,
                amz_date,
                _credential_scope(date_stamp, self.region, self.signing_name),
                memoryview(prior_signature).hex(),
                hashlib.sha256(date_header).hexdigest(),
                hashlib.sha256(payload).hexdigest(),
            )
        )
        key = _derive_signing_key(
            credentials.secret_access_key, date_stamp, self.region, self.signing_name
        )
        signature = hmac.digest(key, string_to_sign.encode("utf-8"), "sha256")
        return {":date": now, ":chunk-signature": signature}
