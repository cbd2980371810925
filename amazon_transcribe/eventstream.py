"""The event-stream format: our codec, and 0.6.4's event-stream names.

Our codec (messages encoded to ``bytes``, an incremental decoder, typed
header values and a typed error tree) is the sans-IO core's
:mod:`amazon_transcribe._eventstream`, re-exported here. 0.6.4's names of
this module (``EventStreamMessageSerializer``, ``EventStreamBuffer``,
``EventSigner``, ``BaseEvent``...) come from the compatibility layer,
:mod:`amazon_transcribe._legacy.eventstream`, which is built on that codec.
"""

from __future__ import annotations

from ._eventstream import (
    MAX_HEADER_NAME_LENGTH,
    MAX_HEADER_VALUE_LENGTH,
    MAX_HEADERS_LENGTH,
    MAX_PAYLOAD_LENGTH,
    MESSAGE_OVERHEAD,
    PRELUDE_LENGTH,
    Byte,
    ChecksumError,
    DecodeError,
    DuplicateHeaderError,
    EncodeError,
    EventStreamDecoder,
    EventStreamError,
    HeaderError,
    Headers,
    HeaderValueType,
    Integer,
    LengthError,
    Long,
    Message,
    MessageChecksumError,
    PreludeChecksumError,
    Short,
    TruncatedStreamError,
    UnknownHeaderTypeError,
    decode_headers,
    decode_message,
    encode_headers,
    encode_message,
)

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
