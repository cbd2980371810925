"""Server-side SigV4 verification: the request that opens a stream, then its event chain.

The emulator checks what clients send the way the service does (PROTOCOL.md
§10.7): :class:`RequestVerifier` checks the ``Authorization`` header of the
HTTP/2 request and returns a :class:`VerifiedRequest`; an
:class:`EventVerifier` made from it checks every signed envelope of the input
event stream, chained from the request's signature (the *seed*), up to the
empty end frame.

This is an independent implementation of SigV4. It must not import the
client's signer (:mod:`amazon_transcribe.signer`, :mod:`amazon_transcribe.sigv4`)
nor awscrt: the tests check each implementation against the other, which
only means something if they share no code. It is pure (``hashlib``,
``hmac``, the event-stream codec): no asyncio, no I/O.

Failures are :class:`~amazon_transcribe.emulator.errors.ServiceError`:

* request authentication, with AWS's generic error types (HTTP 403):
  ``MissingAuthenticationTokenException`` (no ``Authorization``),
  ``IncompleteSignatureException`` (a part of it or ``x-amz-date`` is missing
  or malformed), ``UnrecognizedClientException`` (unknown access key) and
  ``InvalidSignatureException`` (wrong scope, clock skew, wrong signature);
* event signatures: ``BadRequestException`` (400) naming the message.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from .._eventstream import Message, encode_headers
from .errors import ServiceError, bad_request

__all__ = [
    "ALGORITHM",
    "EVENT_ALGORITHM",
    "SERVICE_NAME",
    "EMPTY_SHA256",
    "DEFAULT_MAX_SKEW",
    "MAX_PRESIGN_EXPIRES",
    "Clock",
    "SigningKey",
    "VerifiedRequest",
    "RequestVerifier",
    "EventVerifier",
]

#: The algorithm of a signed request.
ALGORITHM = "AWS4-HMAC-SHA256"
#: The first line of an event's string to sign.
EVENT_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD"
#: The signing name of Transcribe Streaming (not ``transcribestreaming``).
SERVICE_NAME = "transcribe"
#: Hex SHA-256 of no bytes: the payload hash of the old SDK and of the end frame.
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
#: The longest ``X-Amz-Expires`` of a presigned URL, in seconds (PROTOCOL.md §11.3).
MAX_PRESIGN_EXPIRES = 300
#: The payload hash a presigned URL may state instead of the empty body's.
_UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
#: How far a signing time may be from the server's clock, either way.
DEFAULT_MAX_SKEW = datetime.timedelta(minutes=5)

#: Returns the current instant as an aware datetime.
Clock = Callable[[], datetime.datetime]
#: Returns the signing key (``kSigning``) for a ``YYYYMMDD`` date stamp.
SigningKey = Callable[[str], bytes]

_TERMINATOR = "aws4_request"
_AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_AMZ_DATE_RE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_HEX_SIGNATURE_RE = re.compile(r"[0-9a-fA-F]{64}")
# Header values are trimmed and runs of blanks collapsed, as SigV4 requires.
_BLANK_RUN_RE = re.compile(r"[ \t]+")
_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you "
    "provided. Check your AWS Secret Access Key and signing method. Consult "
    "the service documentation for details."
)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_ONE_MS = datetime.timedelta(milliseconds=1)
_SIGNATURE_LENGTH = 32


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class _KeyDeriver:
    """Derives and remembers signing keys of one secret, region and service."""

    def __init__(self, secret: str, region: str, service: str) -> None:
        self._secret = secret
        self._region = region
        self._service = service
        self._keys: Dict[str, bytes] = {}

    def __call__(self, date_stamp: str) -> bytes:
        key = self._keys.get(date_stamp)
        if key is None:
            key = ("AWS4" + self._secret).encode("utf-8")
            for part in (date_stamp, self._region, self._service, _TERMINATOR):
                key = _hmac(key, part)
            # A stream spans a few dates at most; a client cycling through
            # dates must not grow this without bound.
            if len(self._keys) >= 4:
                self._keys.clear()
            self._keys[date_stamp] = key
        return key

    def __repr__(self) -> str:
        # Never show the secret.
        return f"{type(self).__name__}(region={self._region!r}, service={self._service!r})"


@dataclass(frozen=True)
class VerifiedRequest:
    """What a checked request established: who signed it, where, when, and the seed.

    Fields are ``None`` when the verifier ran with ``verify=False`` and could
    not parse them from the request.
    """

    #: The access key id of the credential scope.
    access_key_id: Optional[str]
    #: The region of the credential scope.
    region: Optional[str]
    #: The service of the credential scope (``transcribe``).
    service: Optional[str]
    #: The signing instant (``x-amz-date``), UTC.
    date: Optional[datetime.datetime]
    #: The request's signature (64 lowercase hex characters): the seed of the
    #: event chain.
    seed_signature: Optional[str]
    #: The ``x-amz-security-token`` value, when the request carried one.
    session_token: Optional[str] = None
    #: Whether the request signature matched: ``None`` when it could not be
    #: computed (unknown key or unparseable header, ``verify=False`` only).
    signature_valid: Optional[bool] = None
    #: Whether failures raise. When false (``verify=False``), events are still
    #: checked when possible and counted, but a failed check only counts.
    enforce: bool = True
    #: Derives the signing key for a date; ``None`` when the secret is unknown.
    signing_key: Optional[SigningKey] = field(default=None, repr=False, compare=False)

    @property
    def events_verifiable(self) -> bool:
        """Whether event signatures can be checked (seed and key are known)."""
        return self.seed_signature is not None and self.signing_key is not None


@dataclass(frozen=True)
class _Authorization:
    access_key_id: str
    date_stamp: str
    region: str
    service: str
    terminator: str
    signed_headers: Tuple[str, ...]
    signed_headers_text: str
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date_stamp}/{self.region}/{self.service}/{self.terminator}"


def _auth_error(error_type: str, message: str) -> ServiceError:
    return ServiceError(error_type, message)


def _incomplete(message: str) -> ServiceError:
    return _auth_error("IncompleteSignatureException", message)


def _invalid(message: str) -> ServiceError:
    return _auth_error("InvalidSignatureException", message)


def _parse_authorization(value: str) -> _Authorization:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(
            f"Unsupported AWS 'algorithm': {algorithm!r} (expected {ALGORITHM!r}). "
            f"Authorization={value}"
        )
    params: Dict[str, str] = {}
    for part in rest.split(","):
        name, eq, param = part.strip().partition("=")
        if not name:
            continue
        if not eq:
            raise _incomplete(
                f"Authorization header parameter {name!r} is not of the form "
                f"name=value. Authorization={value}"
            )
        if name in params:
            raise _incomplete(
                f"Authorization header has parameter {name!r} twice. Authorization={value}"
            )
        params[name] = param.strip()
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not params.get(name)
    ]
    if missing:
        raise _incomplete(" ".join(missing) + f" Authorization={value}")
    credential = params["Credential"]
    parts = credential.split("/")
    if len(parts) != 5 or not all(parts):
        raise _incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{credential}'"
        )
    signed_headers_text = params["SignedHeaders"]
    signed_headers = tuple(signed_headers_text.split(";"))
    if not all(signed_headers):
        raise _incomplete(
            f"SignedHeaders has an empty header name: '{signed_headers_text}'. "
            f"Authorization={value}"
        )
    access_key_id, date_stamp, region, service, terminator = parts
    return _Authorization(
        access_key_id=access_key_id,
        date_stamp=date_stamp,
        region=region,
        service=service,
        terminator=terminator,
        signed_headers=signed_headers,
        signed_headers_text=signed_headers_text,
        signature=params["Signature"],
    )


def _parse_amz_date(value: str) -> datetime.datetime:
    if not _AMZ_DATE_RE.fullmatch(value):
        raise _incomplete(
            f"Date must be in ISO-8601 'basic format' (YYYYMMDD'T'HHMMSS'Z'). Got '{value}'."
        )
    try:
        # The pattern fixed every digit's place; strptime would cost more
        # than the rest of the date handling of a request.
        parsed = datetime.datetime(
            int(value[0:4]), int(value[4:6]), int(value[6:8]),
            int(value[9:11]), int(value[11:13]), int(value[13:15]),
        )
    except ValueError:
        raise _incomplete(
            f"Date must be in ISO-8601 'basic format' (YYYYMMDD'T'HHMMSS'Z'). Got '{value}'."
        ) from None
    return parsed.replace(tzinfo=datetime.timezone.utc)


def _amz_date(instant: datetime.datetime) -> str:
    return instant.astimezone(datetime.timezone.utc).strftime(_AMZ_DATE_FORMAT)


def _check_skew(
    signed_at: datetime.datetime, now: datetime.datetime, max_skew: datetime.timedelta
) -> Optional[str]:
    """:returns: AWS's message when ``signed_at`` is outside the window, else ``None``."""
    if now - max_skew <= signed_at <= now + max_skew:
        return None
    minutes = max_skew.total_seconds() / 60
    span = f"{minutes:g} min."
    if signed_at < now - max_skew:
        return (
            f"Signature expired: {_amz_date(signed_at)} is now earlier than "
            f"{_amz_date(now - max_skew)} ({_amz_date(now)} - {span})"
        )
    if signed_at > now + max_skew:
        return (
            f"Signature not yet current: {_amz_date(signed_at)} is still later than "
            f"{_amz_date(now + max_skew)} ({_amz_date(now)} + {span})"
        )
    return None


def _canonical_value(values: Sequence[str]) -> str:
    if len(values) == 1:  # the rule; most values have no run of blanks to fold
        value = values[0].strip(" \t")
        return _BLANK_RUN_RE.sub(" ", value) if "  " in value or "\t" in value else value
    return ",".join(_BLANK_RUN_RE.sub(" ", value.strip(" \t")) for value in values)


def _uri_encode(text: str, *, keep_slash: bool) -> str:
    return urllib.parse.quote(text, safe="/-_.~" if keep_slash else "-_.~")


def _canonical_uri(path: str) -> str:
    # The :path as received is already percent-encoded; SigV4 (for every
    # service but S3) normalizes it (no empty or dot segments, a trailing
    # slash kept) and then encodes it once more.
    segments: List[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    normalized = "/" + "/".join(segments)
    if path.endswith("/") and segments:
        normalized += "/"
    return _uri_encode(normalized, keep_slash=True)


def _canonical_query(query: str) -> str:
    pairs: List[Tuple[str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append(
            (
                _uri_encode(urllib.parse.unquote(name), keep_slash=False),
                _uri_encode(urllib.parse.unquote(value), keep_slash=False),
            )
        )
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _group(headers: Sequence[Tuple[str, str]]) -> Dict[str, List[str]]:
    grouped: Dict[str, List[str]] = {}
    for name, value in headers:
        grouped.setdefault(name.lower(), []).append(value)
    return grouped


def _single(grouped: Mapping[str, List[str]], name: str) -> Optional[str]:
    values = grouped.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise _incomplete(f"The request has {len(values)} '{name}' headers; it must have one.")
    return values[0]


class RequestVerifier:
    """Checks the SigV4 ``Authorization`` of requests that open streams.

    :param credentials: the secret access key of each access key id the
        emulator accepts.
    :param clock: returns the current instant (aware); the system clock in
        UTC by default. Tests inject a fixed one.
    :param max_skew: how far ``x-amz-date`` may be from the clock.
    :param verify: when false, every request is accepted: what can be parsed
        is still parsed and checked (see
        :attr:`VerifiedRequest.signature_valid`), but nothing raises.
    """

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        clock: Optional[Clock] = None,
        max_skew: datetime.timedelta = DEFAULT_MAX_SKEW,
        verify: bool = True,
    ) -> None:
        self._credentials = dict(credentials)
        self._clock: Clock = clock or _utc_now
        self._max_skew = max_skew
        self._verify = verify
        # One key deriver per (secret, region, service), so a day's signing
        # key is derived once, not for every request.
        self._derivers: Dict[Tuple[str, str, str], _KeyDeriver] = {}

    def _deriver(self, secret: str, region: str, service: str) -> _KeyDeriver:
        which = (secret, region, service)
        deriver = self._derivers.get(which)
        if deriver is None:
            if len(self._derivers) >= 64:  # clients cycling regions stay bounded
                self._derivers.clear()
            deriver = self._derivers[which] = _KeyDeriver(secret, region, service)
        return deriver

    def verify_request(
        self, method: str, path: str, headers: Sequence[Tuple[str, str]]
    ) -> VerifiedRequest:
        """Check one request's signature.

        :param method: the HTTP method (``:method``).
        :param path: the request path as received (``:path``), query included.
        :param headers: every header as received over HTTP/2, pseudo-headers
            included, in order; names may repeat.
        :returns: the verified request, the seed of its event chain.
        :raises ServiceError: (only with ``verify=True``) the request is not
            authentic: ``MissingAuthenticationTokenException``,
            ``IncompleteSignatureException``, ``UnrecognizedClientException``
            or ``InvalidSignatureException``, all HTTP 403.
        """
        try:
            return self._verify_request(method, path, headers)
        except ServiceError:
            if self._verify:
                raise
        return self._lenient(method, path, headers)

    def verify_presigned(
        self, method: str, path: str, headers: Sequence[Tuple[str, str]]
    ) -> VerifiedRequest:
        """Check a presigned request (SigV4 in the query string): a WebSocket handshake.

        The query carries ``X-Amz-Algorithm``, ``X-Amz-Credential``,
        ``X-Amz-Date``, ``X-Amz-Expires`` (1 to :data:`MAX_PRESIGN_EXPIRES`
        seconds), ``X-Amz-SignedHeaders``, ``X-Amz-Signature`` and, for
        temporary credentials, ``X-Amz-Security-Token``; every parameter but
        the signature is part of the canonical query. The payload hash is the
        empty body's (``UNSIGNED-PAYLOAD`` is accepted too).

        :param method: the HTTP method of the handshake (``GET``).
        :param path: the request target as received, query included.
        :param headers: the handshake's headers (``host`` among them).
        :returns: the verified request (no event chain follows it).
        :raises ServiceError: (only with ``verify=True``) the URL is not
            authentic: ``MissingAuthenticationTokenException`` (no signing
            parameters), ``IncompleteSignatureException`` (a parameter is
            missing or malformed), ``InvalidSignatureException`` (wrong
            scope), ``UnrecognizedClientException`` (unknown access key, a
            signature that does not match, an expired or not yet valid URL:
            the service reports a bad WebSocket signature so), all HTTP 403.
        """
        try:
            return self._verify_presigned(method, path, headers)
        except ServiceError:
            if self._verify:
                raise
        # verify=False: accept, and report that the check failed.
        return VerifiedRequest(
            access_key_id=None,
            region=None,
            service=None,
            date=None,
            seed_signature=None,
            signature_valid=False,
            enforce=False,
        )

    def _verify_presigned(
        self, method: str, path: str, headers: Sequence[Tuple[str, str]]
    ) -> VerifiedRequest:
        uri, _, query = path.partition("?")
        params: Dict[str, List[str]] = {}
        unsigned_parts: List[str] = []
        for part in query.split("&"):
            if not part:
                continue
            name = urllib.parse.unquote(part.partition("=")[0])
            params.setdefault(name, []).append(urllib.parse.unquote(part.partition("=")[2]))
            if name != "X-Amz-Signature":
                unsigned_parts.append(part)
        if not any(name.startswith("X-Amz-") for name in params):
            raise _auth_error("MissingAuthenticationTokenException", "Missing Authentication Token")
        for name, values in params.items():
            if name.startswith("X-Amz-") and len(values) > 1:
                raise _incomplete(f"The query has {len(values)} '{name}' parameters; it must have one.")
        missing = [
            name
            for name in (
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Date",
                "X-Amz-Expires",
                "X-Amz-SignedHeaders",
                "X-Amz-Signature",
            )
            if not params.get(name, [""])[0]
        ]
        if missing:
            raise _incomplete(
                "A presigned URL requires the query parameters "
                + ", ".join(f"'{name}'" for name in missing)
                + "."
            )
        value = {name: values[0] for name, values in params.items()}
        algorithm = value["X-Amz-Algorithm"]
        if algorithm != ALGORITHM:
            raise _incomplete(
                f"Unsupported AWS 'algorithm': {algorithm!r} (expected {ALGORITHM!r})."
            )
        auth = _parse_authorization(
            f"{ALGORITHM} Credential={value['X-Amz-Credential']}, "
            f"SignedHeaders={value['X-Amz-SignedHeaders']}, Signature={value['X-Amz-Signature']}"
        )
        amz_date = value["X-Amz-Date"]
        signed_at = _parse_amz_date(amz_date)
        expires_text = value["X-Amz-Expires"]
        if not expires_text.isdigit() or not 1 <= int(expires_text) <= MAX_PRESIGN_EXPIRES:
            raise _incomplete(
                f"X-Amz-Expires must be a whole number of seconds from 1 to "
                f"{MAX_PRESIGN_EXPIRES}, not '{expires_text}'."
            )
        self._check_scope(auth, amz_date)
        secret = self._credentials.get(auth.access_key_id)
        if secret is None:
            raise _auth_error(
                "UnrecognizedClientException", "The security token included in the request is invalid."
            )
        grouped = _group(headers)
        self._check_signed_set(auth, grouped)
        now = self._clock()
        expires_at = signed_at + datetime.timedelta(seconds=int(expires_text))
        if now > expires_at:
            raise _auth_error(
                "UnrecognizedClientException",
                f"Signature expired: {_amz_date(expires_at)} is now earlier than {_amz_date(now)} "
                f"(X-Amz-Date {amz_date} + X-Amz-Expires {expires_text} s).",
            )
        if signed_at > now + self._max_skew:
            raise _auth_error(
                "UnrecognizedClientException",
                f"Signature not yet current: {amz_date} is still later than "
                f"{_amz_date(now + self._max_skew)}.",
            )
        key = self._deriver(secret, auth.region, auth.service)
        signed_path = uri + "?" + "&".join(unsigned_parts)
        expected = b""
        canonical = ""
        for payload_hash in (EMPTY_SHA256, _UNSIGNED_PAYLOAD):
            expected, canonical, _, _ = self._signature(
                auth, method, signed_path, grouped, amz_date, key, payload_hash=payload_hash
            )
            if hmac.compare_digest(expected, auth.signature.lower().encode("ascii", "replace")):
                break
        else:
            raise _auth_error(
                "UnrecognizedClientException",
                f"{_SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have "
                f"been\n'{canonical}'\n",
            )
        return VerifiedRequest(
            access_key_id=auth.access_key_id,
            region=auth.region,
            service=auth.service,
            date=signed_at,
            seed_signature=auth.signature.lower(),
            session_token=value.get("X-Amz-Security-Token"),
            signature_valid=True,
            enforce=self._verify,
            signing_key=key,
        )

    def _verify_request(
        self, method: str, path: str, headers: Sequence[Tuple[str, str]]
    ) -> VerifiedRequest:
        grouped = _group(headers)
        authorization = _single(grouped, "authorization")
        if authorization is None:
            raise _auth_error("MissingAuthenticationTokenException", "Missing Authentication Token")
        auth = _parse_authorization(authorization)
        amz_date = _single(grouped, "x-amz-date")
        if amz_date is None:
            raise _incomplete(
                f"Authorization header requires existence of an 'X-Amz-Date' header. "
                f"Authorization={authorization}"
            )
        signed_at = _parse_amz_date(amz_date)
        self._check_scope(auth, amz_date)
        secret = self._credentials.get(auth.access_key_id)
        if secret is None:
            raise _auth_error(
                "UnrecognizedClientException", "The security token included in the request is invalid."
            )
        self._check_signed_set(auth, grouped)
        problem = _check_skew(signed_at, self._clock(), self._max_skew)
        if problem is not None:
            raise _invalid(problem)
        key = self._deriver(secret, auth.region, auth.service)
        expected, canonical, string_to_sign, missing = self._signature(
            auth, method, path, grouped, amz_date, key
        )
        if not hmac.compare_digest(expected, auth.signature.lower().encode("ascii", "replace")):
            detail = (
                f"\n\nThe request lacks signed header(s): {', '.join(missing)}."
                if missing
                else ""
            )
            raise _invalid(
                f"{_SIGNATURE_MISMATCH}{detail}\n\nThe Canonical String for this request "
                f"should have been\n'{canonical}'\n\nThe String-to-Sign should have "
                f"been\n'{string_to_sign}'\n"
            )
        return VerifiedRequest(
            access_key_id=auth.access_key_id,
            region=auth.region,
            service=auth.service,
            date=signed_at,
            seed_signature=auth.signature.lower(),
            session_token=_single(grouped, "x-amz-security-token"),
            signature_valid=True,
            enforce=self._verify,
            signing_key=key,
        )

    def _lenient(
        self, method: str, path: str, headers: Sequence[Tuple[str, str]]
    ) -> VerifiedRequest:
        # verify=False: report what could be learnt, accept the request.
        grouped = _group(headers)
        values = grouped.get("authorization") or []
        auth: Optional[_Authorization] = None
        if len(values) == 1:
            try:
                auth = _parse_authorization(values[0])
            except ServiceError:
                auth = None
        dates = grouped.get("x-amz-date") or []
        signed_at: Optional[datetime.datetime] = None
        if len(dates) == 1:
            try:
                signed_at = _parse_amz_date(dates[0])
            except ServiceError:
                signed_at = None
        tokens = grouped.get("x-amz-security-token") or []
        token = tokens[0] if tokens else None
        if auth is None:
            return VerifiedRequest(
                access_key_id=None,
                region=None,
                service=None,
                date=signed_at,
                seed_signature=None,
                session_token=token,
                signature_valid=None,
                enforce=False,
            )
        seed = auth.signature.lower() if _HEX_SIGNATURE_RE.fullmatch(auth.signature) else None
        secret = self._credentials.get(auth.access_key_id)
        key: Optional[_KeyDeriver] = None
        valid: Optional[bool] = None
        if secret is not None:
            key = self._deriver(secret, auth.region, auth.service)
            if len(dates) == 1:
                expected = self._signature(auth, method, path, grouped, dates[0], key)[0]
                valid = hmac.compare_digest(
                    expected, auth.signature.lower().encode("ascii", "replace")
                )
        return VerifiedRequest(
            access_key_id=auth.access_key_id,
            region=auth.region,
            service=auth.service,
            date=signed_at,
            seed_signature=seed,
            session_token=token,
            signature_valid=valid,
            enforce=False,
            signing_key=key if seed is not None else None,
        )

    @staticmethod
    def _check_scope(auth: _Authorization, amz_date: str) -> None:
        if auth.date_stamp != amz_date[:8]:
            raise _invalid(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                f"of date from HTTP: '{auth.date_stamp}' != '{amz_date[:8]}', from '{amz_date}'."
            )
        if auth.service != SERVICE_NAME:
            raise _invalid(
                f"Credential should be scoped to correct service: '{SERVICE_NAME}', "
                f"not '{auth.service}'."
            )
        if auth.terminator != _TERMINATOR:
            raise _invalid(
                f"Credential should be scoped with a valid terminator: '{_TERMINATOR}', "
                f"not '{auth.terminator}'."
            )

    @staticmethod
    def _check_signed_set(auth: _Authorization, grouped: Mapping[str, List[str]]) -> None:
        signed = {name.lower() for name in auth.signed_headers}
        if "host" not in signed and ":authority" not in signed:
            raise _incomplete(
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
            )
        # An unsigned token could be swapped for another one in transit.
        if "x-amz-security-token" in grouped and "x-amz-security-token" not in signed:
            raise _incomplete(
                "'X-Amz-Security-Token' is present but is not a 'SignedHeader' in the "
                "AWS Authorization."
            )

    @staticmethod
    def _signature(
        auth: _Authorization,
        method: str,
        path: str,
        grouped: Mapping[str, List[str]],
        amz_date: str,
        key: SigningKey,
        *,
        payload_hash: Optional[str] = None,
    ) -> Tuple[bytes, str, str, List[str]]:
        """:returns: expected hex signature (ASCII bytes), canonical request,
        string to sign, and the signed names the request lacks."""
        lines: List[str] = []
        missing: List[str] = []
        for listed in auth.signed_headers:
            name = listed.lower()
            values = grouped.get(name)
            if name == "host" and not values:
                # HTTP/2 clients send the signed host as :authority.
                values = grouped.get(":authority")
            if not values:
                missing.append(listed)
                values = []
            lines.append(f"{name}:{_canonical_value(values)}\n")
        uri, _, query = path.partition("?")
        if payload_hash is None:
            payload_hash = _single(grouped, "x-amz-content-sha256") or EMPTY_SHA256
        canonical = "\n".join(
            (
                method.upper(),
                _canonical_uri(uri),
                _canonical_query(query),
                "".join(lines),
                auth.signed_headers_text,
                payload_hash,
            )
        )
        string_to_sign = "\n".join(
            (
                ALGORITHM,
                amz_date,
                auth.scope,
                hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
            )
        )
        expected = _hmac(key(auth.date_stamp), string_to_sign).hex().encode("ascii")
        return expected, canonical, string_to_sign, missing


class EventVerifier:
    """Checks the signed envelopes of one input event stream, in order.

    Every envelope must carry exactly ``:date`` (timestamp) and
    ``:chunk-signature`` (32 bytes), signed over the previous signature; the
    one with an empty payload ends the stream, and nothing may follow it.
    Messages are numbered from 1 in error messages, the end frame included.

    :param verified: the request that opened the stream.
    :param clock: returns the current instant (aware); the system clock in
        UTC by default.
    :param max_skew: how far an envelope's ``:date`` may be from the clock.
    """

    def __init__(
        self,
        verified: VerifiedRequest,
        *,
        clock: Optional[Clock] = None,
        max_skew: datetime.timedelta = DEFAULT_MAX_SKEW,
    ) -> None:
        self._verified = verified
        self._clock: Clock = clock or _utc_now
        self._max_skew = max_skew
        self._prior = verified.seed_signature or ""
        self._key = verified.signing_key
        self._scope_tail = f"/{verified.region}/{verified.service}/{_TERMINATOR}"
        self._key_date = ""
        self._key_bytes = b""
        self._end_index = 0
        #: Signatures that matched.
        self.passed = 0
        #: Checks that failed (with ``enforce`` the first one raises).
        self.failed = 0
        #: Messages received, the end frame included.
        self.received = 0
        #: Whether the end frame has arrived.
        self.ended = False

    @property
    def checking(self) -> bool:
        """Whether signatures are checked (false: envelopes are only unwrapped)."""
        return self._key is not None and bool(self._prior)

    def verify(self, envelope: Message) -> Optional[bytes]:
        """Check one envelope and unwrap it.

        :param envelope: the next message of the request body.
        :returns: the envelope's payload (an encoded inner message), or
            ``None`` for the end frame.
        :raises ServiceError: ``BadRequestException`` when the envelope is
            malformed, out of the clock window or wrongly signed (only when
            the request's verification is enforced), or when it follows the
            end frame (always).
        """
        self.received += 1
        index = self.received
        if self.ended:
            raise bad_request(
                f"Event-stream message {index} arrived after the end of the input "
                f"stream (the empty signed frame, message {self._end_index}); "
                "nothing may follow it."
            )
        if self.checking:
            problem = self._check(envelope)
            if problem is None:
                self.passed += 1
            else:
                self.failed += 1
                if self._verified.enforce:
                    raise bad_request(f"Event-stream message {index}: {problem}")
            signature = envelope.headers.get(":chunk-signature")
            if isinstance(signature, bytes) and len(signature) == _SIGNATURE_LENGTH:
                # The chain follows what the client sent, so one bad message
                # does not fail every later one in lenient mode.
                self._prior = signature.hex()
        if not envelope.payload:
            self.ended = True
            self._end_index = index
            return None
        return envelope.payload

    def _check(self, envelope: Message) -> Optional[str]:
        """:returns: what is wrong with ``envelope``, or ``None``."""
        names = set(envelope.headers)
        expected_names = {":date", ":chunk-signature"}
        if names != expected_names:
            missing = sorted(expected_names - names)
            extra = sorted(names - expected_names)
            parts = []
            if missing:
                parts.append(f"lacks header(s) {', '.join(missing)}")
            if extra:
                parts.append(f"has unexpected header(s) {', '.join(extra)}")
            return (
                "the signed envelope must have exactly the headers :date and "
                f":chunk-signature, but it {' and '.join(parts)}."
            )
        date = envelope.headers[":date"]
        signature = envelope.headers[":chunk-signature"]
        if not isinstance(date, datetime.datetime):
            return f"header :date must be a timestamp (type 8), got {type(date).__name__}."
        if not isinstance(signature, bytes) or len(signature) != _SIGNATURE_LENGTH:
            found = (
                f"{len(signature)} bytes"
                if isinstance(signature, bytes)
                else type(signature).__name__
            )
            return (
                f"header :chunk-signature must be a byte array (type 6) of "
                f"{_SIGNATURE_LENGTH} bytes, got {found}."
            )
        skew = _check_skew(date, self._clock(), self._max_skew)
        if skew is not None:
            return skew
        # The signature covers the :date header alone, in its canonical
        # encoding, not the received block (which holds the signature too).
        millis = (date - _EPOCH) // _ONE_MS
        canonical_date = _EPOCH + millis * _ONE_MS
        date_block = encode_headers({":date": canonical_date})
        amz_date = _amz_date(canonical_date)
        date_stamp = amz_date[:8]
        string_to_sign = "\n".join(
            (
                EVENT_ALGORITHM,
                amz_date,
                date_stamp + self._scope_tail,
                self._prior,
                hashlib.sha256(date_block).hexdigest(),
                hashlib.sha256(envelope.payload).hexdigest(),
            )
        )
        expected = hmac.new(
            self._signing_key(date_stamp), string_to_sign.encode("utf-8"), hashlib.sha256
        ).digest()
        if not hmac.compare_digest(expected, signature):
            kind = "end frame" if not envelope.payload else "event"
            return (
                f"the {kind} signature does not match: calculated {expected.hex()}, "
                f"received {signature.hex()} (string to sign: {string_to_sign!r})."
            )
        return None

    def _signing_key(self, date_stamp: str) -> bytes:
        if date_stamp != self._key_date:
            assert self._key is not None  # checked by ``checking``
            self._key_bytes = self._key(date_stamp)
            self._key_date = date_stamp
        return self._key_bytes
