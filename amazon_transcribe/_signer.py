"""The event signature chain that authenticates every message a client sends.

Each input message travels inside an *envelope* message whose headers are
``:date`` (the signing instant) and ``:chunk-signature`` (32 raw bytes of
HMAC-SHA256) and whose payload is the encoded inner message. Each signature
covers the previous one, starting from the *seed*: the hex ``Signature`` of
the SigV4-signed request that opened the stream. The stream ends with one
envelope whose payload is empty; nothing can be signed after it.

Sans-IO and pure Python (``hashlib``/``hmac``/``zlib``): no asyncio, no
awscrt. The request itself is signed by :mod:`amazon_transcribe.sigv4`.

The signing key is derived once per date (the credentials are fixed for a
signer), not once per event. Signing is guarded by a lock, so envelopes are
chained in the order :meth:`EventSigner.sign` calls return even when threads
race. A caller that writes envelopes asynchronously must keep the order in
which they were signed (hold one lock across sign and write).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import struct
import threading
import time
from typing import Callable, Optional, Tuple, Union
from zlib import crc32

from .exceptions import StreamClosedError

__all__ = [
    "EventSigner",
    "Clock",
]

#: The algorithm line of an event's string to sign.
_EVENT_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD"
#: The SigV4 service name of Transcribe Streaming (not ``transcribestreaming``).
_SERVICE_NAME = "transcribe"
#: Hex SHA-256 of no bytes; the last line of the end frame's string to sign.
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

#: A function returning the current instant as an aware UTC datetime.
Clock = Callable[[], datetime.datetime]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_ONE_MS = datetime.timedelta(milliseconds=1)
_INT64 = struct.Struct(">q")
_UINT32 = struct.Struct(">I")
# The envelope's two headers: ":date" (type 8, timestamp) then
# ":chunk-signature" (type 6, byte array of 32).
_DATE_HEADER_PREFIX = b"\x05:date\x08"
_SIGNATURE_HEADER_PREFIX = b"\x10:chunk-signature\x06\x00\x20"
_ENVELOPE_HEADERS_LENGTH = 67
_ENVELOPE_OVERHEAD = 12 + _ENVELOPE_HEADERS_LENGTH + 4
_SIGNATURE_RE = re.compile(r"Signature=([0-9a-fA-F]{64})(?:\s*,|\s*$)")


def _derive_signing_key(
    secret_access_key: str, date_stamp: str, region: str, service: str = _SERVICE_NAME
) -> bytes:
    """Derive the SigV4 signing key (``kSigning``).

    :param secret_access_key: the AWS secret access key.
    :param date_stamp: ``YYYYMMDD`` (UTC).
    :param region: the signing region, e.g. ``us-east-1``.
    :param service: the signing service name.
    :returns: the 32-byte key.
    """
    key = ("AWS4" + secret_access_key).encode("utf-8")
    for part in (date_stamp, region, service, "aws4_request"):
        key = hmac.digest(key, part.encode("utf-8"), "sha256")
    return key


def _credential_scope(date_stamp: str, region: str, service: str = _SERVICE_NAME) -> str:
    """Return the credential scope ``YYYYMMDD/region/service/aws4_request``.

    :param date_stamp: ``YYYYMMDD`` (UTC).
    :param region: the signing region.
    :param service: the signing service name.
    :returns: the scope string.
    """
    return f"{date_stamp}/{region}/{service}/aws4_request"


def _seed_from_authorization(authorization: str) -> str:
    """Extract the seed signature from a SigV4 ``Authorization`` header value.

    :param authorization: e.g. ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=<hex>``.
    :returns: the 64 lowercase hex characters of the signature.
    :raises ValueError: the value carries no SigV4 signature.
    """
    match = _SIGNATURE_RE.search(authorization)
    if match is None:
        raise ValueError("Authorization header carries no SigV4 Signature=<64 hex>")
    return match.group(1).lower()


class EventSigner:
    """Wraps encoded messages in signed envelopes, chained from a seed.

    :param seed_signature: hex signature of the request that opened the
        stream (see :func:`_seed_from_authorization`).
    :param secret_access_key: the secret of the credentials that signed that
        request.
    :param region: the signing region.
    :param service: the signing service name.
    :param clock: returns the signing instant as an aware datetime; defaults
        to the system clock in UTC. Tests inject a fixed or stepping clock.
    :raises ValueError: the seed is not 64 hex characters.
    """

    def __init__(
        self,
        seed_signature: str,
        *,
        secret_access_key: str,
        region: str,
        service: str = _SERVICE_NAME,
        clock: Optional[Clock] = None,
    ) -> None:
        if len(seed_signature) != 64:
            raise ValueError("seed signature must be 64 hex characters")
        try:
            bytes.fromhex(seed_signature)
        except ValueError:
            raise ValueError("seed signature must be 64 hex characters") from None
        self._prior = seed_signature.lower()
        self._secret = secret_access_key
        self._region = region
        self._service = service
        self._clock: Optional[Clock] = clock
        self._lock = threading.Lock()
        self._ended = False
        self._count = 0
        # Per-second cache: the string-to-sign prefix (algorithm, timestamp,
        # scope) and, per day, the signing key.
        self._second: Optional[int] = None
        self._sts_prefix = ""
        self._date_stamp = ""
        self._key = b""

    @property
    def prior_signature(self) -> str:
        """The hex signature the next envelope will chain on."""
        return self._prior

    @property
    def ended(self) -> bool:
        """Whether the end frame has been signed."""
        return self._ended

    @property
    def signed_count(self) -> int:
        """Envelopes signed so far, the end frame included."""
        return self._count

    def sign(self, message: Union[bytes, bytearray, memoryview]) -> bytes:
        """Wrap one encoded message in a signed envelope.

        :param message: an encoded event-stream message (not empty).
        :returns: the envelope's bytes, ready to send.
        :raises ValueError: ``message`` is empty (use :meth:`sign_end`).
        :raises StreamClosedError: the end frame was already signed.
        """
        if not message:
            raise ValueError("an empty payload is the end frame; call sign_end()")
        return self._sign(message)

    def sign_end(self) -> bytes:
        """Sign the end frame (an envelope with an empty payload).

        After this, :meth:`sign` and :meth:`sign_end` raise
        :class:`~amazon_transcribe.exceptions.StreamClosedError`.

        :returns: the end frame's bytes.
        :raises StreamClosedError: the end frame was already signed.
        """
        return self._sign(b"")

    def _scope_for(self, second: int) -> Tuple[str, bytes]:
        # Only recomputed when the second changes; the key only when the day does.
        if second != self._second:
            instant = _EPOCH + datetime.timedelta(seconds=second)
            amz_date = instant.strftime("%Y%m%dT%H%M%SZ")
            date_stamp = amz_date[:8]
            if date_stamp != self._date_stamp:
                self._key = _derive_signing_key(
                    self._secret, date_stamp, self._region, self._service
                )
                self._date_stamp = date_stamp
            scope = _credential_scope(date_stamp, self._region, self._service)
            self._sts_prefix = f"{_EVENT_ALGORITHM}\n{amz_date}\n{scope}\n"
            self._second = second
        return self._sts_prefix, self._key

    def _sign(self, message: Union[bytes, bytearray, memoryview]) -> bytes:
        with self._lock:
            if self._ended:
                raise StreamClosedError(
                    "the event stream has ended (its end frame was signed); "
                    "nothing more can be sent on it"
                )
            if self._clock is None:
                # The system clock, without building a datetime per event.
                millis = time.time_ns() // 1_000_000
            else:
                millis = (self._clock() - _EPOCH) // _ONE_MS
            date_header = _DATE_HEADER_PREFIX + _INT64.pack(millis)
            prefix, key = self._scope_for(millis // 1000)
            string_to_sign = "".join(
                (
                    prefix,
                    self._prior,
                    "\n",
                    hashlib.sha256(date_header).hexdigest(),
                    "\n",
                    hashlib.sha256(message).hexdigest() if message else _EMPTY_SHA256,
                )
            )
            signature = hmac.digest(key, string_to_sign.encode("ascii"), "sha256")
            self._prior = signature.hex()
            self._count += 1
            if not message:
                self._ended = True
        headers = date_header + _SIGNATURE_HEADER_PREFIX + signature
        prelude = _UINT32.pack(_ENVELOPE_OVERHEAD + len(message)) + b"\x00\x00\x00\x43"
        prelude += _UINT32.pack(crc32(prelude))
        checksum = crc32(message, crc32(headers, crc32(prelude)))
        return b"".join((prelude, headers, message, _UINT32.pack(checksum)))


# Its public home: amazon_transcribe.signer (documented there; pickles by that path).
EventSigner.__module__ = "amazon_transcribe.signer"
