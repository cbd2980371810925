"""0.6.4's request signers, on our SigV4 signer.

:class:`RequestSigner` and :class:`SigV4RequestSigner` sign a 0.6.4
:class:`~amazon_transcribe._legacy.request.PreparedRequest` in place with
SigV4, through :func:`amazon_transcribe.sigv4._sign_request` (awscrt's signer,
the one our client uses). They state the payload the way 0.6.4 did: no
``x-amz-content-sha256`` header, the hash of the empty body in the canonical
request (PROTOCOL.md §10, "Old Python SDK"); the service and the emulator
accept it. ``streaming_payload=True`` states it as our client and the other
AWS SDKs do instead.

Our client does not use these classes: it signs inside
:class:`~amazon_transcribe.client.TranscribeStreamingClient`, and chains the
event signatures with :class:`amazon_transcribe._signer.EventSigner`.

Imports the core only (never :mod:`amazon_transcribe.signer`, the façade that
re-exports this module).
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, List, Optional, Protocol, Tuple, TypeVar
from urllib.parse import urlsplit

from awscrt.auth import AwsSignatureType, AwsSigningAlgorithm

from ..auth import Credentials
from ..exceptions import CredentialsException, ValidationException
from ..sigv4 import _PayloadSigning, _sign_request
from .request import HeadersDict

__all__ = [
    "RequestSigner",
    "SigV4RequestSigner",
]

#: Returns the signing instant as an aware datetime.
_UtcNow = Callable[[], datetime.datetime]


class _SignableRequest(Protocol):
    """What signing reads from (and writes to) a 0.6.4 prepared request."""

    @property
    def endpoint(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def method(self) -> str: ...

    @property
    def query(self) -> Optional[str]: ...

    # Replaced with the signed headers; any mapping is read.
    headers: Any


_Request = TypeVar("_Request", bound=_SignableRequest)


def _header_pairs(headers: Any) -> List[Tuple[str, str]]:
    """The request's headers as ``(name, value)`` strings, as 0.6.4 would send them.

    :param headers: a :class:`HeadersDict` or any mapping.
    :returns: the pairs; ``None`` values are left out, sequences joined with ``;``.
    """
    if hasattr(headers, "as_list"):
        return [(str(name), str(value)) for name, value in headers.as_list()]
    pairs: List[Tuple[str, str]] = []
    for name, value in dict(headers or {}).items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = ";".join(str(v) for v in value if v is not None)
        pairs.append((str(name), str(value)))
    return pairs


def _authority(endpoint: str) -> str:
    """The ``host`` to sign when the request carries none: the endpoint's host[:port].

    :param endpoint: e.g. ``https://transcribestreaming.us-east-1.amazonaws.com``.
    :returns: the host, with the port when the URL names one.
    :raises ValidationException: the endpoint has no host.
    """
    parts = urlsplit(endpoint)
    if not parts.hostname:
        raise ValidationException(f"Unexpected endpoint ({endpoint}) provided to signer")
    return parts.netloc.rsplit("@", 1)[-1]


class RequestSigner:
    """Signs 0.6.4 prepared requests with SigV4 (HTTP request headers).

    0.6.4 let the signing algorithm and signature type be chosen by their
    awscrt enum values; only the defaults (``AwsSigningAlgorithm.V4`` and
    ``AwsSignatureType.HTTP_REQUEST_HEADERS``, both ``0``) ever worked with
    the service, and they are the only ones accepted here.

    New code does not sign requests itself:
    :class:`~amazon_transcribe.client.TranscribeStreamingClient` does.

    :param service_name: the signing name (``"transcribe"``).
    :param region: the signing region, e.g. ``"us-east-1"``.
    :param algorithm: the awscrt signing algorithm (``0``: SigV4).
    :param signature_type: the awscrt signature type (``0``: headers).
    :param utc_now: returns the signing instant (an aware datetime); the
        system clock by default. Tests pass a fixed one.
    :param streaming_payload: state the payload hash as
        ``STREAMING-AWS4-HMAC-SHA256-EVENTS`` in a signed
        ``x-amz-content-sha256`` header (what our client sends) instead of
        0.6.4's empty-body hash without a header.
    """

    def __init__(
        self,
        service_name: str,
        region: str,
        algorithm: int = 0,
        signature_type: int = 0,
        *,
        utc_now: Optional[_UtcNow] = None,
        streaming_payload: bool = False,
    ) -> None:
        #: The signing name.
        self.service_name: str = service_name
        #: The signing region.
        self.region: str = region
        #: The awscrt signing algorithm value.
        self.algorithm: int = algorithm
        #: The awscrt signature type value.
        self.signature_type: int = signature_type
        self._utc_now = utc_now
        self._payload_signing = (
            _PayloadSigning.EVENTS if streaming_payload else _PayloadSigning.EMPTY
        )

    def sign(self, request: _Request, credentials: Optional[Credentials]) -> _Request:
        """Sign ``request`` in place and return it.

        Its headers are replaced by a
        :class:`~amazon_transcribe._legacy.request.HeadersDict` of the signed
        headers: the request's own, ``host`` (from the endpoint when the
        request has none), ``X-Amz-Date``, ``X-Amz-Security-Token`` for
        temporary credentials, and ``Authorization``. The path and query
        string are signed as the request will send them.

        :param request: a prepared request (``endpoint``, ``path``,
            ``method``, ``query`` and ``headers`` are read).
        :param credentials: the credentials to sign with.
        :returns: ``request``, signed.
        :raises CredentialsException: ``credentials`` is ``None``.
        :raises ValidationException: an algorithm or signature type other
            than SigV4 headers was chosen, or the request has no host.
        """
        if credentials is None:
            raise CredentialsException("Failed to resolve credentials")
        if int(self.algorithm) != AwsSigningAlgorithm.V4:
            raise ValidationException(
                f"signing algorithm {self.algorithm!r} is not supported; "
                "the service takes SigV4 (0)"
            )
        if int(self.signature_type) != AwsSignatureType.HTTP_REQUEST_HEADERS:
            raise ValidationException(
                f"signature type {self.signature_type!r} is not supported; "
                "the service takes signed headers (0)"
            )
        headers = _header_pairs(request.headers)
        host = next((value for name, value in headers if name.lower() == "host"), None)
        if host is None:
            host = _authority(request.endpoint)
        path = request.path or "/"
        if request.query:
            # 0.6.4 signed the path alone and sent the query too, which the
            # service rejects; the signed path is the one sent.
            path = f"{path}?{request.query}"
        date = self._utc_now() if self._utc_now is not None else None
        signed = _sign_request(
            request.method,
            path,
            headers,
            host=host,
            credentials=credentials,
            region=self.region,
            service=self.service_name,
            date=date,
            payload_signing=self._payload_signing,
        )
        request.headers = HeadersDict(dict(signed.request.headers))
        return request


class SigV4RequestSigner(RequestSigner):
    """Signs 0.6.4 prepared requests with SigV4 (HTTP request headers).

    :class:`RequestSigner` with the algorithm and signature type fixed, as in
    0.6.4. New code does not sign requests itself:
    :class:`~amazon_transcribe.client.TranscribeStreamingClient` does.

    :param service_name: the signing name (``"transcribe"``).
    :param region: the signing region, e.g. ``"us-east-1"``.
    :param utc_now: returns the signing instant (an aware datetime); the
        system clock by default.
    :param streaming_payload: sign and send
        ``x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-EVENTS`` (our
        client's style) instead of 0.6.4's empty-body hash.
    """

    def __init__(
        self,
        service_name: str,
        region: str,
        *,
        utc_now: Optional[_UtcNow] = None,
        streaming_payload: bool = False,
    ) -> None:
        super().__init__(
            service_name,
            region,
            AwsSigningAlgorithm.V4,
            AwsSignatureType.HTTP_REQUEST_HEADERS,
            utc_now=utc_now,
            streaming_payload=streaming_payload,
        )
