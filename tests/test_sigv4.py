"""SigV4 of the request that opens a stream: PROTOCOL.md §10.6 and botocore agree."""

from __future__ import annotations

import datetime
from typing import List, Tuple

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from hypothesis import given, settings
from hypothesis import strategies as st

from amazon_transcribe.auth import Credentials
from amazon_transcribe.sigv4 import _PayloadSigning, _sign_request

HOST = "transcribestreaming.us-east-1.amazonaws.com"
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
WHEN = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
HEADERS = [
    ("content-type", "application/vnd.amazon.eventstream"),
    ("x-amzn-transcribe-language-code", "en-US"),
    ("x-amzn-transcribe-media-encoding", "pcm"),
    ("x-amzn-transcribe-sample-rate", "16000"),
]


def test_worked_example_seed() -> None:
    signed = _sign_request("POST", "/stream-transcription", HEADERS, host=HOST,
                          credentials=CREDS, region="us-east-1", date=WHEN)
    assert signed.seed_signature == (
        "8aa48422974eac14cf76c725b4cc55337ba7ae01e80234b161fc801a6b2234dd"
    )
    headers = dict(signed.request.headers)
    assert headers["x-amz-content-sha256"] == "STREAMING-AWS4-HMAC-SHA256-EVENTS"
    assert headers["X-Amz-Date"] == "20240101T000000Z"
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/transcribe/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
        "x-amzn-transcribe-language-code;x-amzn-transcribe-media-encoding;"
        "x-amzn-transcribe-sample-rate, "
        "Signature=8aa48422974eac14cf76c725b4cc55337ba7ae01e80234b161fc801a6b2234dd"
    )


def test_worked_example_old_sdk_style() -> None:
    signed = _sign_request("POST", "/stream-transcription", HEADERS[1:], host=HOST,
                          credentials=CREDS, region="us-east-1", date=WHEN,
                          payload_signing=_PayloadSigning.EMPTY)
    assert signed.seed_signature == (
        "dc31057b0887921e8f31e4ac15f0165362ade3c6a166614ce83978ad3c41d1eb"
    )
    assert "x-amz-content-sha256" not in dict(signed.request.headers)


def botocore_signature(headers: List[Tuple[str, str]], host: str, creds: Credentials,
                       region: str, monkeypatch: pytest.MonkeyPatch) -> str:
    import botocore.auth

    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: WHEN.replace(tzinfo=None))
    request = AWSRequest(method="POST", url=f"https://{host}/stream-transcription",
                         headers=dict(headers))
    boto_creds = BotoCredentials(creds.access_key_id, creds.secret_access_key,
                                 creds.session_token)
    SigV4Auth(boto_creds, "transcribe", region).add_auth(request)
    authorization = request.headers["Authorization"]
    return authorization.rsplit("Signature=", 1)[1]


header_values = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30
)


@settings(max_examples=60, deadline=None)
@given(
    extra=st.dictionaries(
        st.sampled_from([
            "x-amzn-transcribe-vocabulary-name", "x-amzn-transcribe-session-id",
            "x-amzn-transcribe-show-speaker-label", "x-amzn-transcribe-language-options",
            "x-amzn-transcribe-pii-entity-types", "x-amz-user-agent",
        ]),
        header_values,
        max_size=4,
    ),
    region=st.sampled_from(["us-east-1", "eu-west-2", "cn-north-1", "us-gov-west-1"]),
    token=st.one_of(st.none(), header_values),
)
def test_botocore_signer_agrees(extra: dict, region: str, token: str | None) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
        host = f"transcribestreaming.{region}.amazonaws.com"
        headers = HEADERS + sorted(extra.items()) + [
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-EVENTS")
        ]
        ours = _sign_request("POST", "/stream-transcription", HEADERS + sorted(extra.items()),
                            host=host, credentials=creds, region=region, date=WHEN)
        theirs = botocore_signature(headers, host, creds, region, monkeypatch)
        assert ours.seed_signature == theirs
        if token:
            assert dict(ours.request.headers)["X-Amz-Security-Token"] == token


def test_host_with_port_is_signed_verbatim(monkeypatch: pytest.MonkeyPatch) -> None:
    ours = _sign_request("POST", "/stream-transcription", HEADERS, host="localhost:8443",
                        credentials=CREDS, region="us-east-1", date=WHEN)
    theirs = botocore_signature(
        HEADERS + [("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-EVENTS")],
        "localhost:8443", CREDS, "us-east-1", monkeypatch,
    )
    assert ours.seed_signature == theirs
