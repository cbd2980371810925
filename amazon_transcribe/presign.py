"""Presigned WebSocket URLs: let a browser stream to Amazon Transcribe directly.

The service's WebSocket interface (PROTOCOL.md Appendix A) takes no
``Authorization`` header: the connection URL itself is signed with SigV4
query parameters (``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``,
``X-Amz-Expires`` at most 300 s, ``X-Amz-SignedHeaders=host``,
``X-Amz-Security-Token``, ``X-Amz-Signature``) and carries the operation's
options as query parameters named like its headers without the
``x-amzn-transcribe-`` prefix. A server calls :func:`presign_websocket_url`
and hands the URL to a browser, which then streams without ever seeing a
credential.

Where the URL points, in order:

1. the ``endpoint`` argument;
2. ``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING_WEBSOCKET`` (the emulator prints
   it, see :meth:`~amazon_transcribe.emulator.TranscribeEmulator.environment`);
3. the host of ``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING`` /
   ``AWS_ENDPOINT_URL`` on port 8443;
4. the service's own host for the region, port 8443.

Signing goes through awscrt (query-string SigV4); credentials come from the
SDK's resolvers (the default AWS chain unless one is given). This module
imports no asyncio transport and does no network I/O beyond what a
credential resolver does.
"""

from __future__ import annotations

import datetime
import os
from typing import Any, List, Mapping, Optional, Tuple, Union
from urllib.parse import quote, urlsplit

from awscrt.auth import AwsSignatureType, AwsSignedBodyHeaderType
from awscrt.http import HttpHeaders, HttpRequest

from ._signer import _EMPTY_SHA256, _SERVICE_NAME
from .auth import CredentialResolver, Credentials
from .call_analytics import StartCallAnalyticsStreamTranscriptionRequest
from ._chain import _default_credential_resolver
from ._config import _load_client_config
from .endpoints import _endpoint_for_region, _endpoint_from_environment, _signing_region
from .exceptions import CredentialsException, NoRegionError, ValidationException
from .medical import StartMedicalStreamTranscriptionRequest
from .operations import (
    START_CALL_ANALYTICS_STREAM_TRANSCRIPTION,
    START_MEDICAL_STREAM_TRANSCRIPTION,
    START_STREAM_TRANSCRIPTION,
    OperationSpec,
)
from .shapes import StartStreamTranscriptionRequest
from .sigv4 import _signed

__all__ = [
    "MAX_EXPIRES",
    "WEBSOCKET_ENDPOINT_VARIABLE",
    "WEBSOCKET_PORT",
    "WebSocketRequest",
    "presign_websocket_url",
    "websocket_path",
]

#: The longest validity the service accepts for a presigned URL, in seconds.
MAX_EXPIRES = 300
#: The port of the service's WebSocket endpoints.
WEBSOCKET_PORT = 8443
#: The environment variable naming a WebSocket endpoint (``wss://host:port``).
WEBSOCKET_ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING_WEBSOCKET"

#: A request of an operation that has a WebSocket endpoint.
WebSocketRequest = Union[
    StartStreamTranscriptionRequest,
    StartMedicalStreamTranscriptionRequest,
    StartCallAnalyticsStreamTranscriptionRequest,
]

# The operations with a WebSocket endpoint, by request shape. HealthScribe
# has none (PROTOCOL.md Appendix A lists these three).
_SPECS: Mapping[type, OperationSpec[Any]] = {
    StartStreamTranscriptionRequest: START_STREAM_TRANSCRIPTION,
    StartMedicalStreamTranscriptionRequest: START_MEDICAL_STREAM_TRANSCRIPTION,
    StartCallAnalyticsStreamTranscriptionRequest: START_CALL_ANALYTICS_STREAM_TRANSCRIPTION,
}


def websocket_path(spec: OperationSpec[Any]) -> str:
    """The WebSocket path of an operation: its HTTP/2 path plus ``-websocket``.

    :param spec: the operation.
    :returns: e.g. ``/stream-transcription-websocket``.
    """
    return spec.path + "-websocket"


def _websocket_endpoint(
    region: str, endpoint: Optional[str], *, use_fips: bool = False, use_dualstack: bool = False
) -> Tuple[str, str]:
    """:returns: the ``wss://host[:port]`` base URL and the signed ``host`` value."""
    if endpoint is None:
        endpoint = os.environ.get(WEBSOCKET_ENDPOINT_VARIABLE, "").strip() or None
    if endpoint is None:
        # A custom HTTP/2 endpoint (a VPC endpoint, say) serves WebSockets
        # on the same host, on the service's WebSocket port.
        base = _endpoint_from_environment() or _endpoint_for_region(
            region, use_fips=use_fips, use_dualstack=use_dualstack)
        parts = urlsplit(base)
        if not parts.hostname:
            raise ValidationException(f"endpoint {base!r} has no host name")
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        endpoint = f"wss://{host}:{WEBSOCKET_PORT}"
    parts = urlsplit(endpoint)
    if parts.scheme not in ("wss", "ws", "https", "http") or not parts.hostname:
        raise ValidationException(
            f"WebSocket endpoint {endpoint!r} is not a wss:// URL with a host name"
        )
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    # The browser sends Host with the port unless it is the scheme's default;
    # the signed value must be exactly that.
    default_port = 443 if scheme == "wss" else 80
    host = parts.netloc.rpartition("@")[2]
    if parts.port == default_port:
        host = host.rsplit(":", 1)[0]
    return f"{scheme}://{host}", host


def _query(spec: OperationSpec[Any], request: Any) -> List[Tuple[str, str]]:
    # The header table is the single list of an operation's options: the
    # query parameter is the header name without its prefix.
    params = []
    for header in spec.headers:
        value = header.write(getattr(request, header.attribute))
        if value is not None:
            params.append((header.suffix, value))
    return params


async def presign_websocket_url(
    request: WebSocketRequest,
    *,
    region: Optional[str] = None,
    credential_resolver: Optional[CredentialResolver] = None,
    endpoint: Optional[str] = None,
    expires_in: int = MAX_EXPIRES,
    date: Optional[datetime.datetime] = None,
) -> str:
    """Return a presigned ``wss://`` URL that starts the request's stream.

    The URL can be used once, within ``expires_in`` seconds of ``date``: a
    WebSocket client (a browser) connects to it and sends one event-stream
    message per binary frame, unsigned (PROTOCOL.md Appendix A).

    :param request: the operation's options, e.g.
        ``StartStreamTranscriptionRequest(language_code="en-US",
        media_sample_rate_hz=16000, media_encoding="pcm")``; its type selects
        the operation (standard, medical or call analytics).
    :param region: the AWS region; by default ``AWS_REGION``,
        ``AWS_DEFAULT_REGION`` or the profile's ``region``, as for the client
        (FIPS and dual-stack settings are read the same way).
    :param credential_resolver: where the signing credentials come from; by
        default the standard AWS chain.
    :param endpoint: a ``wss://host[:port]`` endpoint; by default from the
        environment or the region (see the module's documentation).
    :param expires_in: seconds the URL stays valid, 1 to :data:`MAX_EXPIRES`.
    :param date: the signing instant (aware); now by default.
    :returns: the presigned URL.
    :raises ValidationException: the request is not of a WebSocket operation,
        misses a required option, an option cannot be sent, ``expires_in`` is
        out of range or the endpoint is not a WebSocket URL.
    :raises NoRegionError: no region is given or configured.
    :raises CredentialsException: no credentials could be resolved.
    """
    spec = _SPECS.get(type(request))
    if spec is None:
        raise ValidationException(
            f"{type(request).__name__} has no WebSocket endpoint; give a "
            + ", ".join(sorted(cls.__name__ for cls in _SPECS))
        )
    if isinstance(expires_in, bool) or not isinstance(expires_in, int):
        raise ValidationException("expires_in must be an int (seconds)")
    if not 1 <= expires_in <= MAX_EXPIRES:
        raise ValidationException(
            f"expires_in must be between 1 and {MAX_EXPIRES} seconds, not {expires_in}"
        )
    if date is not None and date.tzinfo is None:
        raise ValidationException("date must be timezone-aware")
    spec.check(request)
    # The same settings as a client's: option > environment > profile.
    config = _load_client_config(region=region or None)
    region = config.region
    if not region:
        raise NoRegionError(
            "a region is required: pass region=..., set AWS_REGION or AWS_DEFAULT_REGION, "
            "or set region in the AWS profile"
        )
    base, host = _websocket_endpoint(
        region, endpoint, use_fips=config.use_fips, use_dualstack=config.use_dualstack)
    resolver = credential_resolver or _default_credential_resolver(
        config, ca_file=config.ca_bundle, timeout=10.0)
    credentials = await resolver.get_credentials()
    if credentials is None:
        raise CredentialsException("the credential resolver returned no credentials")
    query = "&".join(
        f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~')}"
        for name, value in _query(spec, request)
    )
    path = websocket_path(spec) + (f"?{query}" if query else "")
    return base + _sign_query(path, host, credentials, _signing_region(region), expires_in, date)


def _sign_query(
    path: str,
    host: str,
    credentials: Credentials,
    region: str,
    expires_in: int,
    date: Optional[datetime.datetime],
) -> str:
    """Sign ``GET path`` with SigV4 query parameters.

    :returns: the path with its query, the ``X-Amz-*`` parameters added.
    :raises ValueError: the signer produced no signature (awscrt failure).
    """
    request = HttpRequest("GET", path, HttpHeaders([("host", host)]))
    # A WebSocket handshake has no body: the empty body's hash, as the
    # service's documented WebSocket signing example uses.
    signed = _signed(
        request, credentials, region=region, service=_SERVICE_NAME, date=date,
        body_value=_EMPTY_SHA256, header_type=AwsSignedBodyHeaderType.NONE,
        signature_type=AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS, expires_in=expires_in,
    )
    signed_path = str(signed.path)
    if "X-Amz-Signature=" not in signed_path:
        raise ValueError("awscrt returned a request without an X-Amz-Signature parameter")
    return signed_path
