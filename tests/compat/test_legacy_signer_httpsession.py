"""0.6.4's ``signer`` and ``httpsession`` names, on our core.

The signers are checked against PROTOCOL.md §10.6's worked example and
against the emulator's independent SigV4 verifier. The session manager is
run against the emulator over real HTTP/2 + TLS on loopback: a signed stream
with audio written into a 0.6.4 request body, the service's error answers,
and connections that cannot be made. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import socket
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
from awscrt.auth import AwsSignatureType, AwsSigningAlgorithm

from amazon_transcribe.auth import Credentials
from amazon_transcribe.crt import AWSCRTEventLoop
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.errors import ServiceError
from amazon_transcribe.emulator.sigv4 import RequestVerifier
from amazon_transcribe.eventstream import EventStreamDecoder, Message
from amazon_transcribe.exceptions import (
    CredentialsException,
    HTTPException,
    ValidationException,
)
from amazon_transcribe.httpsession import (
    AwsCrtHttpResponse,
    AwsCrtHttpSessionManager,
    Response,
    Timeouts,
)
from amazon_transcribe.operations import START_STREAM_TRANSCRIPTION
from amazon_transcribe.request import HeadersDict, PreparedRequest, Request
from amazon_transcribe.shapes import StartStreamTranscriptionRequest
from amazon_transcribe.signer import EventSigner, RequestSigner, SigV4RequestSigner
from amazon_transcribe.structures import BufferableByteStream
from amazon_transcribe._serialize import _audio_event_message
from amazon_transcribe._signer import _seed_from_authorization

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
SIGNED_AT = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
SERVICE_HOST = "transcribestreaming.us-east-1.amazonaws.com"
TRANSCRIBE_HEADERS = {
    "x-amzn-transcribe-language-code": "en-US",
    "x-amzn-transcribe-media-encoding": "pcm",
    "x-amzn-transcribe-sample-rate": "16000",
}
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
WAIT = 10.0  # bound on every wait for the emulator or the network
CHUNK = b"\x01\x00" * 1600  # 100 ms of 16 kHz PCM


def fixed_clock() -> datetime.datetime:
    return SIGNED_AT


def prepared(
    headers: Optional[Dict[str, str]] = None,
    *,
    endpoint: str = f"https://{SERVICE_HOST}",
    path: str = "/stream-transcription",
    params: Optional[Dict[str, str]] = None,
    body: Any = None,
) -> PreparedRequest:
    if headers is None:
        headers = {"host": SERVICE_HOST, **TRANSCRIBE_HEADERS}
    return Request(
        endpoint, path=path, method="POST", headers=headers, body=body, params=params
    ).prepare()


def wire_headers(request: PreparedRequest) -> List[Tuple[str, str]]:
    return [(name.lower(), value) for name, value in request.headers.as_list()]


def verifier() -> RequestVerifier:
    return RequestVerifier({ACCESS_KEY: SECRET_KEY}, clock=fixed_clock)


def authorization_parts(request: PreparedRequest) -> Tuple[str, str, str]:
    value = request.headers["Authorization"]
    assert value is not None
    algorithm, _, rest = value.partition(" ")
    assert algorithm == "AWS4-HMAC-SHA256"
    params = dict(part.strip().split("=", 1) for part in rest.split(","))
    return params["Credential"], params["SignedHeaders"], params["Signature"]


# -- signer --------------------------------------------------------------------


def test_sigv4_signer_matches_the_0_6_4_worked_example() -> None:
    # PROTOCOL.md §10.6, "old-SDK style variant": host, x-amz-date and three
    # x-amzn-transcribe-* headers, the empty-body hash, no header for it.
    request = prepared()
    signer = SigV4RequestSigner("transcribe", REGION, utc_now=fixed_clock)
    signed = signer.sign(request, Credentials(ACCESS_KEY, SECRET_KEY))
    assert signed is request
    assert isinstance(signed.headers, HeadersDict)
    credential, signed_headers, signature = authorization_parts(signed)
    assert credential == "AKIDEXAMPLE/20240101/us-east-1/transcribe/aws4_request"
    assert signed_headers == (
        "host;x-amz-date;x-amzn-transcribe-language-code;"
        "x-amzn-transcribe-media-encoding;x-amzn-transcribe-sample-rate"
    )
    assert signature == "dc31057b0887921e8f31e4ac15f0165362ade3c6a166614ce83978ad3c41d1eb"
    assert signed.headers["x-amz-date"] == "20240101T000000Z"
    assert "x-amz-content-sha256" not in signed.headers
    # The request's own headers are kept, under their names.
    assert signed.headers["X-AMZN-TRANSCRIBE-LANGUAGE-CODE"] == "en-US"
    assert signed.headers["host"] == SERVICE_HOST


def test_streaming_payload_matches_the_worked_example_of_our_client() -> None:
    # PROTOCOL.md §10.6's main example: the payload stated as signed events.
    request = prepared(
        {"host": SERVICE_HOST, "content-type": "application/vnd.amazon.eventstream",
         **TRANSCRIBE_HEADERS}
    )
    signer = SigV4RequestSigner(
        "transcribe", REGION, utc_now=fixed_clock, streaming_payload=True
    )
    signer.sign(request, Credentials(ACCESS_KEY, SECRET_KEY))
    assert request.headers["x-amz-content-sha256"] == "STREAMING-AWS4-HMAC-SHA256-EVENTS"
    _, signed_headers, signature = authorization_parts(request)
    assert signed_headers.split(";") == [
        "content-type", "host", "x-amz-content-sha256", "x-amz-date",
        "x-amzn-transcribe-language-code", "x-amzn-transcribe-media-encoding",
        "x-amzn-transcribe-sample-rate",
    ]
    assert signature == "8aa48422974eac14cf76c725b4cc55337ba7ae01e80234b161fc801a6b2234dd"


@pytest.mark.parametrize("streaming_payload", [False, True], ids=["0.6.4-payload", "events"])
def test_the_emulator_verifier_accepts_the_signature(streaming_payload: bool) -> None:
    request = SigV4RequestSigner(
        "transcribe", REGION, utc_now=fixed_clock, streaming_payload=streaming_payload
    ).sign(prepared(), Credentials(ACCESS_KEY, SECRET_KEY))
    verified = verifier().verify_request("POST", "/stream-transcription", wire_headers(request))
    assert verified.signature_valid is True
    assert verified.seed_signature == authorization_parts(request)[2]
    assert (verified.access_key_id, verified.region, verified.service) == (
        ACCESS_KEY, REGION, "transcribe")
    assert verified.date == SIGNED_AT


def test_a_wrong_secret_is_refused_by_the_verifier() -> None:
    request = SigV4RequestSigner("transcribe", REGION, utc_now=fixed_clock).sign(
        prepared(), Credentials(ACCESS_KEY, "not-the-secret"))
    with pytest.raises(ServiceError) as caught:
        verifier().verify_request("POST", "/stream-transcription", wire_headers(request))
    assert caught.value.error_type == "InvalidSignatureException"


def test_a_session_token_is_sent_and_signed() -> None:
    request = SigV4RequestSigner("transcribe", REGION, utc_now=fixed_clock).sign(
        prepared(), Credentials(ACCESS_KEY, SECRET_KEY, "the-token"))
    assert request.headers["x-amz-security-token"] == "the-token"
    assert "x-amz-security-token" in authorization_parts(request)[1].split(";")
    verified = verifier().verify_request("POST", "/stream-transcription", wire_headers(request))
    assert verified.session_token == "the-token"


def test_the_query_string_is_signed_as_it_is_sent() -> None:
    request = SigV4RequestSigner("transcribe", REGION, utc_now=fixed_clock).sign(
        prepared(params={"b": "2", "a": "1"}), Credentials(ACCESS_KEY, SECRET_KEY))
    assert request.uri.endswith("/stream-transcription?b=2&a=1")
    verified = verifier().verify_request(
        "POST", "/stream-transcription?b=2&a=1", wire_headers(request))
    assert verified.signature_valid is True


def test_host_comes_from_the_endpoint_when_the_request_has_none() -> None:
    request = prepared(dict(TRANSCRIBE_HEADERS), endpoint="https://127.0.0.1:8443")
    SigV4RequestSigner("transcribe", REGION, utc_now=fixed_clock).sign(
        request, Credentials(ACCESS_KEY, SECRET_KEY))
    assert request.headers["host"] == "127.0.0.1:8443"
    verified = verifier().verify_request("POST", "/stream-transcription", wire_headers(request))
    assert verified.signature_valid is True


def test_no_credentials_raise_credentials_exception() -> None:
    request = prepared()
    before = dict(request.headers)
    with pytest.raises(CredentialsException, match="Failed to resolve credentials"):
        SigV4RequestSigner("transcribe", REGION).sign(request, None)
    assert dict(request.headers) == before


def test_request_signer_defaults_are_sigv4_headers() -> None:
    generic = RequestSigner("transcribe", REGION, utc_now=fixed_clock)
    sigv4 = SigV4RequestSigner("transcribe", REGION, utc_now=fixed_clock)
    assert (generic.algorithm, generic.signature_type) == (0, 0)
    assert sigv4.algorithm == AwsSigningAlgorithm.V4
    assert sigv4.signature_type == AwsSignatureType.HTTP_REQUEST_HEADERS
    assert (sigv4.service_name, sigv4.region) == ("transcribe", REGION)
    credentials = Credentials(ACCESS_KEY, SECRET_KEY)
    assert dict(generic.sign(prepared(), credentials).headers) == dict(
        sigv4.sign(prepared(), credentials).headers)


@pytest.mark.parametrize(
    "algorithm, signature_type",
    [(AwsSigningAlgorithm.V4_ASYMMETRIC, 0), (0, AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS)],
    ids=["sigv4a", "query-params"],
)
def test_other_algorithms_are_refused(algorithm: int, signature_type: int) -> None:
    signer = RequestSigner("transcribe", REGION, algorithm, signature_type)
    with pytest.raises(ValidationException):
        signer.sign(prepared(), Credentials(ACCESS_KEY, SECRET_KEY))


# -- session manager against the emulator --------------------------------------


class CountingBody(BufferableByteStream):
    """A 0.6.4 request body that counts the reads made of it."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def read(self, size: Optional[int] = -1) -> bytes:
        self.reads += 1
        return super().read(size)


def start_request(
    emulator: TranscribeEmulator,
    body: Any,
    *,
    path: str = "/stream-transcription",
    secret: Optional[str] = None,
) -> PreparedRequest:
    """A signed StartStreamTranscription request, 0.6.4-style (host without port)."""
    options = StartStreamTranscriptionRequest(
        language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm")
    headers = dict(START_STREAM_TRANSCRIPTION.request_headers(options))
    request = Request(emulator.endpoint, path=path, method="POST", headers=headers,
                      body=body).prepare()
    access_key, secret_key = emulator.credentials
    return SigV4RequestSigner("transcribe", emulator.region).sign(
        request, Credentials(access_key, secret if secret is not None else secret_key))


def event_signer(emulator: TranscribeEmulator, request: PreparedRequest) -> EventSigner:
    authorization = request.headers["Authorization"]
    assert authorization is not None
    return EventSigner(
        _seed_from_authorization(authorization),
        secret_access_key=emulator.credentials.secret_access_key,
        region=emulator.region,
    )


def manager(emulator: TranscribeEmulator, **kwargs: Any) -> AwsCrtHttpSessionManager:
    kwargs.setdefault("ca_bundle", str(emulator.ca_file))
    kwargs.setdefault("timeouts", Timeouts(connect=WAIT, response=WAIT, read=WAIT, write=WAIT))
    return AwsCrtHttpSessionManager(AWSCRTEventLoop().bootstrap, **kwargs)


async def send(request: PreparedRequest, sessions: AwsCrtHttpSessionManager) -> AwsCrtHttpResponse:
    return await asyncio.wait_for(
        sessions.make_request(
            request.uri,
            method=request.method,
            headers=request.headers.as_list(),
            body=request.body,
        ),
        WAIT,
    )


def decode(body: bytes) -> List[Message]:
    decoder = EventStreamDecoder()
    messages = list(decoder.feed(body))
    decoder.close()
    return messages


async def read_messages(response: AwsCrtHttpResponse) -> List[Message]:
    async def take() -> bytes:
        return b"".join([chunk async for chunk in response.chunks()])

    return decode(await asyncio.wait_for(take(), WAIT))


def transcripts(messages: Sequence[Message]) -> List[str]:
    out = []
    for message in messages:
        assert message.headers[":message-type"] == "event", message
        assert message.headers[":event-type"] == "TranscriptEvent"
        for result in json.loads(message.payload)["Transcript"]["Results"]:
            out.append(result["Alternatives"][0]["Transcript"])
    return out


async def test_a_signed_stream_gets_results(transcribe_emulator: TranscribeEmulator,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # The CA bundle the AWS way: from the environment the emulator prints.
    monkeypatch.setenv("AWS_CA_BUNDLE", transcribe_emulator.environment()["AWS_CA_BUNDLE"])
    body = CountingBody()
    request = start_request(transcribe_emulator, body)
    sessions = AwsCrtHttpSessionManager(AWSCRTEventLoop().bootstrap)
    response = await send(request, sessions)

    resolved = await asyncio.wait_for(response.resolve_response(), WAIT)
    assert isinstance(resolved, Response)
    assert resolved.status_code == 200
    assert resolved.headers["Content-Type"] == "application/vnd.amazon.eventstream"
    assert await asyncio.wait_for(response.status_code, WAIT) == 200
    assert ("x-amzn-transcribe-language-code", "en-US") in await asyncio.wait_for(
        response.headers, WAIT)

    # Nothing written yet: the body is not polled while the loop turns (a
    # busy poller would read it once a turn).
    reads = body.reads
    for _ in range(200):
        await asyncio.sleep(0)
    assert body.reads - reads <= 2

    signer = event_signer(transcribe_emulator, request)
    for _ in range(20):
        body.write(signer.sign(_audio_event_message(CHUNK)))
    body.write(signer.sign_end())
    body.end_stream()

    messages = await read_messages(response)
    assert transcripts(messages) and all(transcripts(messages))
    assert await asyncio.wait_for(response.done, WAIT) == 200
    assert await asyncio.wait_for(response.get_chunk(), WAIT) == b""

    record = (await asyncio.wait_for(transcribe_emulator.records.wait_count(1), WAIT))[0]
    assert record.request_signature_valid is True
    assert record.audio_events == 20 and record.audio_bytes == 20 * len(CHUNK)
    assert record.signatures_passed == 21 and record.signatures_failed == 0
    assert record.end_frame_received
    assert record.events_sent == len(messages)
    # The body was watched (not polled) while the stream ran, and is left
    # as it was found.
    assert not {"write", "end_stream", "close"} & set(vars(body))


async def test_a_bytes_body_is_sent_whole(transcribe_emulator: TranscribeEmulator) -> None:
    request = start_request(transcribe_emulator, None)
    signer = event_signer(transcribe_emulator, request)
    audio = b"".join(signer.sign(_audio_event_message(CHUNK)) for _ in range(10))
    response = await asyncio.wait_for(
        manager(transcribe_emulator).make_request(
            request.uri, method="POST", headers=request.headers.as_list(),
            body=audio + signer.sign_end()),
        WAIT,
    )
    assert await asyncio.wait_for(response.status_code, WAIT) == 200
    assert transcripts(await read_messages(response))
    record = (await asyncio.wait_for(transcribe_emulator.records.wait_count(1), WAIT))[0]
    assert (record.audio_events, record.signatures_passed) == (10, 11)


async def test_a_cancelled_read_loses_no_data(transcribe_emulator: TranscribeEmulator) -> None:
    body = BufferableByteStream()
    request = start_request(transcribe_emulator, body)
    response = await send(request, manager(transcribe_emulator))
    assert await asyncio.wait_for(response.status_code, WAIT) == 200
    signer = event_signer(transcribe_emulator, request)

    waiting = asyncio.ensure_future(response.get_chunk())
    for _ in range(10):
        await asyncio.sleep(0)  # the read is now waiting for data
    assert not waiting.done()
    for _ in range(10):
        body.write(signer.sign(_audio_event_message(CHUNK)))
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting

    def write_the_rest() -> None:  # from another thread: it must wake the sender
        for _ in range(10):
            body.write(signer.sign(_audio_event_message(CHUNK)))
        body.write(signer.sign_end())
        body.end_stream()

    await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, write_the_rest),
                           WAIT)

    messages = await read_messages(response)
    record = (await asyncio.wait_for(transcribe_emulator.records.wait_count(1), WAIT))[0]
    assert record.audio_events == 20
    assert len(messages) == record.events_sent > 0


@pytest.mark.parametrize("open_body", [True, False], ids=["open-stream-body", "no-body"])
async def test_an_unknown_path_gets_the_error_and_its_json(
    transcribe_emulator: TranscribeEmulator, open_body: bool
) -> None:
    # An open body is left open: reading the error must not hang on it.
    body = BufferableByteStream() if open_body else None
    request = start_request(transcribe_emulator, body, path="/no-such-operation")
    response = await asyncio.wait_for(
        manager(transcribe_emulator).make_request(
            request.uri, method="POST", headers=request.headers, body=body),
        WAIT,
    )
    resolved = await asyncio.wait_for(response.resolve_response(), WAIT)
    assert resolved.status_code == 404
    assert resolved.headers["x-amzn-errortype"] == "UnknownOperationException"
    error = json.loads(await asyncio.wait_for(response.consume_body(), WAIT))
    assert set(error) == {"Message"} and error["Message"]


async def test_a_bad_signature_gets_403_and_its_json(
    transcribe_emulator: TranscribeEmulator,
) -> None:
    body = BufferableByteStream()
    request = start_request(transcribe_emulator, body, secret="not-the-secret")
    response = await send(request, manager(transcribe_emulator))
    assert await asyncio.wait_for(response.status_code, WAIT) == 403
    headers = dict(await asyncio.wait_for(response.headers, WAIT))
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"
    body.close()  # what 0.6.4's client did before reading the error
    error = json.loads(await asyncio.wait_for(response.consume_body(), WAIT))
    assert "signature we calculated does not match" in error["Message"]
    assert await asyncio.wait_for(response.done, WAIT) == 403


class SlottedBody:
    """A non-blocking body of its own kind (not a BufferableByteStream): polled."""

    __slots__ = ("chunks", "ended")

    def __init__(self) -> None:
        self.chunks: List[bytes] = []
        self.ended = False

    def read(self, size: int = -1) -> bytes:
        if self.chunks:
            return self.chunks.pop(0)
        if self.ended:
            return b""
        raise BlockingIOError("read")


async def test_a_body_that_cannot_be_watched_is_still_sent(
    transcribe_emulator: TranscribeEmulator,
) -> None:
    body = SlottedBody()
    request = start_request(transcribe_emulator, None)
    response = await asyncio.wait_for(
        manager(transcribe_emulator).make_request(
            request.uri, method="POST", headers=request.headers.as_list(), body=body),
        WAIT,
    )
    assert await asyncio.wait_for(response.status_code, WAIT) == 200
    signer = event_signer(transcribe_emulator, request)
    body.chunks.extend(signer.sign(_audio_event_message(CHUNK)) for _ in range(10))
    body.chunks.append(signer.sign_end())
    body.ended = True
    assert transcripts(await read_messages(response))
    record = (await asyncio.wait_for(transcribe_emulator.records.wait_count(1), WAIT))[0]
    assert (record.audio_events, record.end_frame_received) == (10, True)


class BrokenBody(BufferableByteStream):
    """A body whose read fails."""

    def read(self, size: Optional[int] = -1) -> bytes:
        raise ValueError("the disk is on fire")


async def test_a_body_that_fails_to_read_fails_the_response(
    transcribe_emulator: TranscribeEmulator,
) -> None:
    request = start_request(transcribe_emulator, BrokenBody())
    response = await send(request, manager(transcribe_emulator))
    with pytest.raises(HTTPException, match="reading the request body failed"):
        await asyncio.wait_for(response.consume_body(), WAIT)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there any more


async def test_a_closed_port_raises_http_exception() -> None:
    sessions = AwsCrtHttpSessionManager(
        None, timeouts=Timeouts(connect=WAIT, response=WAIT, read=WAIT, write=WAIT))
    with pytest.raises(HTTPException):
        await asyncio.wait_for(
            sessions.make_request(f"https://127.0.0.1:{closed_port()}/stream-transcription",
                                  method="POST"),
            WAIT + 5,
        )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1/stream-transcription", "https:///no-host"],
    ids=["plain-http", "no-host"],
)
async def test_urls_that_cannot_carry_http2_raise_http_exception(url: str) -> None:
    with pytest.raises(HTTPException):
        await asyncio.wait_for(AwsCrtHttpSessionManager(None).make_request(url), WAIT)


async def test_a_body_that_cannot_be_read_is_refused_before_connecting() -> None:
    with pytest.raises(TypeError):
        await asyncio.wait_for(
            AwsCrtHttpSessionManager(None).make_request(
                "https://127.0.0.1:1/", body="text is not a body"),
            WAIT,
        )


async def test_an_untrusted_certificate_is_refused(transcribe_emulator: TranscribeEmulator,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the emulator's CA the connection must fail: the other tests
    # pass only because the bundle is trusted.
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    sessions = AwsCrtHttpSessionManager(
        None, timeouts=Timeouts(connect=2.0, response=WAIT, read=WAIT, write=WAIT))
    with pytest.raises(HTTPException):
        await asyncio.wait_for(
            sessions.make_request(f"{transcribe_emulator.endpoint}/stream-transcription",
                                  method="POST"),
            WAIT + 5,
        )


async def test_an_unsent_response_says_so() -> None:
    response = AwsCrtHttpResponse()
    with pytest.raises(HTTPException):
        response.get_chunk()
    with pytest.raises(HTTPException):
        await response.resolve_response()
