"""SigV4 signing of the HTTP request that opens a stream, through awscrt.

The request is signed with awscrt's signer (signing name ``transcribe``).
For the streaming operations the payload hash is the literal
``STREAMING-AWS4-HMAC-SHA256-EVENTS``, sent as ``x-amz-content-sha256`` as the
JavaScript, Java and Go SDKs send it; the signature of this request is the
seed of the event signature chain (:mod:`amazon_transcribe.signer`).

This module builds awscrt request objects but does no I/O; the transport
sends what it returns.
"""

from __future__ import annotations

import datetime
import enum
from typing import List, Optional, Sequence, Tuple

from awscrt.auth import (
    AwsCredentialsProvider,
    AwsSignatureType,
    AwsSignedBodyHeaderType,
    AwsSigningAlgorithm,
    AwsSigningConfig,
    aws_sign_request,
)
from awscrt.http import HttpHeaders, HttpRequest

from .auth import Credentials
from ._signer import _EMPTY_SHA256, _SERVICE_NAME, _seed_from_authorization

__all__: List[str] = []

#: The payload hash that announces a signed event stream.
_STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-EVENTS"


class _PayloadSigning(enum.Enum):
    """How the request's payload hash is stated."""

    #: ``x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-EVENTS`` (signed):
    #: the JS, Java, Go and new Python SDKs' style, used by this SDK.
    EVENTS = "events"
    #: No header; the hash of the empty body (amazon-transcribe 0.6.4's
    #: style, accepted by the service; also ``GetMedicalScribeStream``'s).
    EMPTY = "empty"


class _SignedRequest:
    """A signed request and the seed of its event chain.

    :param request: the awscrt request, with ``Authorization`` and
        ``x-amz-date`` (and the token and payload headers) added.
    :param seed_signature: the hex SigV4 signature.
    """

    def __init__(self, request: HttpRequest, seed_signature: str) -> None:
        #: The signed awscrt request.
        self.request = request
        #: Hex signature of the request; the event chain's seed.
        self.seed_signature = seed_signature


def _signed(
    request: HttpRequest,
    credentials: Credentials,
    *,
    region: str,
    service: str,
    date: Optional[datetime.datetime],
    body_value: str,
    header_type: AwsSignedBodyHeaderType,
    signature_type: AwsSignatureType,
    expires_in: Optional[int] = None,
) -> HttpRequest:
    """Sign ``request`` with SigV4 through awscrt (headers or query parameters).

    :returns: the signed request.
    """
    config = AwsSigningConfig(
        algorithm=AwsSigningAlgorithm.V4,
        signature_type=signature_type,
        credentials_provider=AwsCredentialsProvider.new_static(
            credentials.access_key_id,
            credentials.secret_access_key,
            credentials.session_token,
        ),
        region=region,
        service=service,
        date=date if date is not None else datetime.datetime.now(datetime.timezone.utc),
        signed_body_value=body_value,
        signed_body_header_type=header_type,
        expiration_in_seconds=expires_in,
    )
    # With static credentials the CRT signs synchronously; the bound on the
    # wait only guards against a CRT that would not.
    signed: HttpRequest = aws_sign_request(request, config).result(timeout=10)
    return signed


def _sign_request(
    method: str,
    path: str,
    headers: Sequence[Tuple[str, str]],
    *,
    host: str,
    credentials: Credentials,
    region: str,
    service: str = _SERVICE_NAME,
    date: Optional[datetime.datetime] = None,
    payload_signing: _PayloadSigning = _PayloadSigning.EVENTS,
) -> _SignedRequest:
    """Sign a request with SigV4.

    :param method: the HTTP method.
    :param path: the request path (no query string).
    :param headers: the request headers (``host`` is added).
    :param host: the value of the signed ``host`` header: the host name, plus
        ``:port`` when the endpoint names a non-default port.
    :param credentials: the credentials to sign with.
    :param region: the signing region.
    :param service: the signing service name.
    :param date: the signing instant (aware); now when omitted.
    :param payload_signing: how the payload hash is stated.
    :returns: the signed request and its seed signature.
    :raises ValueError: the signer produced no signature (awscrt failure).
    """
    all_headers = [("host", host)]
    all_headers.extend((name, value) for name, value in headers if name.lower() != "host")
    request = HttpRequest(method, path, HttpHeaders(all_headers))
    if payload_signing is _PayloadSigning.EVENTS:
        body_value, header_type = _STREAMING_PAYLOAD, AwsSignedBodyHeaderType.X_AMZ_CONTENT_SHA_256
    else:
        body_value, header_type = _EMPTY_SHA256, AwsSignedBodyHeaderType.NONE
    signed = _signed(
        request, credentials, region=region, service=service, date=date,
        body_value=body_value, header_type=header_type,
        signature_type=AwsSignatureType.HTTP_REQUEST_HEADERS,
    )
    authorization = signed.headers.get("Authorization")
    if not authorization:
        raise ValueError("awscrt returned a request without an Authorization header")
    return _SignedRequest(signed, _seed_from_authorization(authorization))
