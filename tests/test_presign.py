"""Presigned WebSocket URLs (amazon_transcribe.presign), checked by the emulator's verifier.

The URL is signed by awscrt and verified by the emulator's independent SigV4
implementation (amazon_transcribe.emulator.sigv4), with an injected clock.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import pytest

from amazon_transcribe.auth import StaticCredentialResolver
from amazon_transcribe.call_analytics import StartCallAnalyticsStreamTranscriptionRequest
from amazon_transcribe.emulator.errors import ServiceError
from amazon_transcribe.emulator.sigv4 import RequestVerifier
from amazon_transcribe.exceptions import NoRegionError, ValidationException
from amazon_transcribe.medical import StartMedicalStreamTranscriptionRequest
from amazon_transcribe.medical_scribe import StartMedicalScribeStreamRequest
from amazon_transcribe.presign import presign_websocket_url
from amazon_transcribe.shapes import StartStreamTranscriptionRequest

KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SIGNED_AT = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
ENDPOINT = "wss://127.0.0.1:8444"


def standard(**options: Any) -> StartStreamTranscriptionRequest:
    values: Dict[str, Any] = {
        "language_code": "en-US",
        "media_sample_rate_hz": 16000,
        "media_encoding": "pcm",
    }
    values.update(options)
    return StartStreamTranscriptionRequest(**values)


async def presign(request: Any = None, token: Any = None, **kwargs: Any) -> str:
    kwargs.setdefault("region", "us-east-1")
    kwargs.setdefault("endpoint", ENDPOINT)
    kwargs.setdefault("date", SIGNED_AT)
    return await presign_websocket_url(
        request or standard(),
        credential_resolver=StaticCredentialResolver(KEY, SECRET, token),
        **kwargs,
    )


def verify(url: str, seconds_later: float = 10.0) -> Any:
    verifier = RequestVerifier(
        {KEY: SECRET}, clock=lambda: SIGNED_AT + datetime.timedelta(seconds=seconds_later)
    )
    parts = urlsplit(url)
    return verifier.verify_presigned("GET", f"{parts.path}?{parts.query}", [("host", parts.netloc)])


async def test_url_carries_the_options_as_header_named_query_parameters() -> None:
    url = await presign(standard(vocabulary_names=["a b", "c"], show_speaker_label=True))
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "wss", "127.0.0.1:8444", "/stream-transcription-websocket"
    )
    query = dict(parse_qsl(parts.query))
    assert query["language-code"] == "en-US"
    assert query["sample-rate"] == "16000"
    assert query["media-encoding"] == "pcm"
    assert query["vocabulary-names"] == "a b,c"
    assert query["show-speaker-label"] == "true"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Credential"] == f"{KEY}/20240101/us-east-1/transcribe/aws4_request"
    assert query["X-Amz-Date"] == "20240101T000000Z"
    assert query["X-Amz-Expires"] == "300"
    assert query["X-Amz-SignedHeaders"] == "host"
    assert len(query["X-Amz-Signature"]) == 64
    verified = verify(url)
    assert verified.signature_valid is True
    assert verified.seed_signature == query["X-Amz-Signature"]


@pytest.mark.parametrize(
    "request_, path",
    [
        (
            StartMedicalStreamTranscriptionRequest(
                language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm",
                specialty="PRIMARYCARE", type="DICTATION",
            ),
            "/medical-stream-transcription-websocket",
        ),
        (
            StartCallAnalyticsStreamTranscriptionRequest(
                language_code="en-US", media_sample_rate_hz=8000, media_encoding="pcm"
            ),
            "/call-analytics-stream-transcription-websocket",
        ),
    ],
    ids=["medical", "call-analytics"],
)
async def test_medical_and_call_analytics_paths(request_: Any, path: str) -> None:
    url = await presign(request_)
    assert urlsplit(url).path == path
    assert verify(url).signature_valid is True


async def test_session_token_is_signed() -> None:
    url = await presign(token="TOKEN/with+chars=")
    assert verify(url).session_token == "TOKEN/with+chars="
    tampered = url.replace("TOKEN%2Fwith", "TOKEN%2Fwithout")
    with pytest.raises(ServiceError) as raised:
        verify(tampered)
    assert raised.value.error_type == "UnrecognizedClientException"


@pytest.mark.parametrize(
    "seconds_later, expires_in, message",
    [(301, 300, "Signature expired"), (61, 60, "Signature expired"), (-600, 300, "not yet current")],
    ids=["past-300", "past-60", "future"],
)
async def test_expiry_is_enforced(seconds_later: float, expires_in: int, message: str) -> None:
    url = await presign(expires_in=expires_in)
    verify(url, seconds_later=expires_in - 1 if seconds_later > 0 else 0)  # valid before
    with pytest.raises(ServiceError) as raised:
        verify(url, seconds_later=seconds_later)
    assert (raised.value.error_type, raised.value.status) == ("UnrecognizedClientException", 403)
    assert message in raised.value.message


@pytest.mark.parametrize(
    "edit, error_type",
    [
        (lambda q: q.replace("sample-rate=16000", "sample-rate=8000"), "UnrecognizedClientException"),
        (lambda q: q.replace("X-Amz-Expires=300", "X-Amz-Expires=301"), "IncompleteSignatureException"),
        (lambda q: q.replace("X-Amz-SignedHeaders=host&", ""), "IncompleteSignatureException"),
        (lambda q: "language-code=en-US", "MissingAuthenticationTokenException"),
        (lambda q: q.replace("%2Ftranscribe%2F", "%2Fs3%2F"), "InvalidSignatureException"),
    ],
    ids=["changed-option", "expires-over-300", "missing-parameter", "unsigned", "wrong-service"],
)
async def test_tampered_urls_are_refused(edit: Any, error_type: str) -> None:
    parts = urlsplit(await presign())
    with pytest.raises(ServiceError) as raised:
        verify(urlunsplit(parts._replace(query=edit(parts.query))))
    assert raised.value.error_type == error_type


async def test_verification_can_be_turned_off() -> None:
    parts = urlsplit(await presign())
    verifier = RequestVerifier({KEY: SECRET}, verify=False)
    bad = f"{parts.path}?{parts.query.replace('en-US', 'en-GB')}"
    assert verifier.verify_presigned("GET", bad, [("host", parts.netloc)]).signature_valid is False


async def test_endpoint_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING_WEBSOCKET",
                 "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    assert (await presign(endpoint=None, region="eu-west-1")).startswith(
        "wss://transcribestreaming.eu-west-1.amazonaws.com:8443/stream-transcription-websocket?"
    )
    assert (await presign(endpoint=None, region="cn-north-1")).startswith(
        "wss://transcribestreaming.cn-north-1.amazonaws.com.cn:8443/"
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING", "https://vpce.example:443")
    assert (await presign(endpoint=None)).startswith("wss://vpce.example:8443/")
    monkeypatch.setenv("AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING_WEBSOCKET", "wss://127.0.0.1:9999")
    url = await presign(endpoint=None)
    assert url.startswith("wss://127.0.0.1:9999/")
    assert verify(url).signature_valid is True
    # The default port is left out of the signed host, as a browser sends it.
    url = await presign(endpoint="wss://example.test:443")
    assert urlsplit(url).netloc == "example.test"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"expires_in": 0}, "between 1 and 300"),
        ({"expires_in": 301}, "between 1 and 300"),
        ({"expires_in": True}, "must be an int"),
        ({"date": datetime.datetime(2024, 1, 1)}, "timezone-aware"),
        ({"endpoint": "ftp://host"}, "not a wss:// URL"),
        ({"request": standard(media_encoding=None)}, "media_encoding is required"),
        (
            {"request": StartMedicalScribeStreamRequest(language_code="en-US",
                                                        media_sample_rate_hz=16000,
                                                        media_encoding="pcm")},
            "has no WebSocket endpoint",
        ),
    ],
    ids=["zero", "over-300", "bool", "naive-date", "bad-endpoint", "missing-option", "scribe"],
)
async def test_bad_arguments_are_validation_errors(kwargs: Dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationException, match=message):
        await presign(**kwargs)


async def test_no_region(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-such-config"))
    with pytest.raises(NoRegionError):
        await presign(region=None)


async def test_region_and_fips_from_the_profile(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Any) -> None:
    # The settings a client reads, read the same way: here from the profile.
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_USE_FIPS_ENDPOINT",
                 "AWS_USE_DUALSTACK_ENDPOINT", "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING_WEBSOCKET",
                 "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    config.write_text("[profile captions]\nregion = ca-central-1\nuse_fips_endpoint = true\n",
                      encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "captions")
    url = await presign(region=None, endpoint=None)
    assert url.startswith(
        "wss://transcribestreaming-fips.ca-central-1.amazonaws.com:8443/stream-transcription-websocket?")
    assert "%2Fca-central-1%2Ftranscribe%2Faws4_request" in url
