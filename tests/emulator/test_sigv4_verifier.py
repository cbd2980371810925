"""The emulator's SigV4 verifier: the worked example of PROTOCOL.md §10.6,
every kind of failure, and a cross-check against the client's signer (two
independent implementations: each must accept what the other produces)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import string
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

import pytest
from awscrt.auth import (
    AwsCredentialsProvider,
    AwsSignatureType,
    AwsSignedBodyHeaderType,
    AwsSigningAlgorithm,
    AwsSigningConfig,
    aws_sign_request,
)
from awscrt.http import HttpHeaders, HttpRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amazon_transcribe.auth import Credentials
from amazon_transcribe.emulator.errors import ServiceError
from amazon_transcribe.emulator.sigv4 import (
    EMPTY_SHA256,
    EventVerifier,
    RequestVerifier,
    VerifiedRequest,
)
from amazon_transcribe.eventstream import (
    EventStreamDecoder,
    Long,
    Message,
    decode_message,
    encode_message,
)
from amazon_transcribe.signer import EventSigner
from amazon_transcribe.sigv4 import _PayloadSigning, _sign_request

UTC = datetime.timezone.utc
Headers = List[Tuple[str, str]]

# -- the worked example of PROTOCOL.md §10.6 ---------------------------------

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
HOST = "transcribestreaming.us-east-1.amazonaws.com"
PATH = "/stream-transcription"
T0 = datetime.datetime(2024, 1, 1, tzinfo=UTC)
SEED = "8aa48422974eac14cf76c725b4cc55337ba7ae01e80234b161fc801a6b2234dd"
OLD_STYLE_SEED = "dc31057b0887921e8f31e4ac15f0165362ade3c6a166614ce83978ad3c41d1eb"
SIGNED = (
    "content-type;host;x-amz-content-sha256;x-amz-date;"
    "x-amzn-transcribe-language-code;x-amzn-transcribe-media-encoding;"
    "x-amzn-transcribe-sample-rate"
)
OLD_STYLE_SIGNED = (
    "host;x-amz-date;x-amzn-transcribe-language-code;"
    "x-amzn-transcribe-media-encoding;x-amzn-transcribe-sample-rate"
)
SCOPE = "AKIDEXAMPLE/20240101/us-east-1/transcribe/aws4_request"

# The inner AudioEvent of §9.7 (120 bytes), field by field.
INNER = bytes.fromhex(
    "00000078" "00000058" "c930ada1"  # total 120, headers 88, prelude CRC
    "0d" "3a6d6573736167652d74797065" "07" "0005" "6576656e74"  # :message-type event
    "0b" "3a6576656e742d74797065" "07" "000a" "417564696f4576656e74"  # :event-type AudioEvent
    "0d" "3a636f6e74656e742d74797065" "07" "0018"  # :content-type
    "6170706c69636174696f6e2f6f637465742d73747265616d"  # application/octet-stream
    "000102030405060708090a0b0c0d0e0f"  # payload
    "5c3d915b"  # message CRC
)
EVENT_1 = bytes.fromhex(
    "000000cb" "00000043" "14321689"  # total 203, headers 67, prelude CRC
    "05" "3a64617465" "08" "0000018cc251f7e8"  # :date = 2024-01-01T00:00:01.000Z
    "10" "3a6368756e6b2d7369676e6174757265" "06" "0020"  # :chunk-signature, 32 bytes
    "222a58212ee4252f51e35eec3457ff0f9e887152cac0275b638c3b1177887a6b"
) + INNER + bytes.fromhex("27ec260f")
END_FRAME = bytes.fromhex(
    "00000053" "00000043" "f5447a58"  # total 83, headers 67
    "05" "3a64617465" "08" "0000018cc251fbd0"  # :date = 2024-01-01T00:00:02.000Z
    "10" "3a6368756e6b2d7369676e6174757265" "06" "0020"
    "2d341be3bf5818394166799fc8ef815367e2fb52faea13a3089852e3d4e46e6d"
    "12267bec"  # message CRC (no payload)
)


def fixed(instant: datetime.datetime) -> Callable[[], datetime.datetime]:
    return lambda: instant


def example_headers(signature: str = SEED) -> Headers:
    """The §10.6 request as an HTTP/2 server receives it from the new SDK."""
    return [
        (":method", "POST"),
        (":scheme", "https"),
        (":path", PATH),
        (":authority", HOST),
        ("content-type", "application/vnd.amazon.eventstream"),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-EVENTS"),
        ("x-amz-date", "20240101T000000Z"),
        ("x-amzn-transcribe-language-code", "en-US"),
        ("x-amzn-transcribe-media-encoding", "pcm"),
        ("x-amzn-transcribe-sample-rate", "16000"),
        (
            "authorization",
            f"AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders={SIGNED}, "
            f"Signature={signature}",
        ),
    ]


def old_style_headers() -> Headers:
    """The old SDK's variant: literal host, no payload-hash header."""
    return [
        (":method", "POST"),
        (":scheme", "https"),
        (":path", PATH),
        (":authority", HOST),
        ("host", HOST),
        ("x-amz-date", "20240101T000000Z"),
        ("x-amzn-transcribe-language-code", "en-US"),
        ("x-amzn-transcribe-media-encoding", "pcm"),
        ("x-amzn-transcribe-sample-rate", "16000"),
        (
            "authorization",
            f"AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders={OLD_STYLE_SIGNED}, "
            f"Signature={OLD_STYLE_SEED}",
        ),
    ]


def verifier(
    now: datetime.datetime = T0, *, secret: str = SECRET, verify: bool = True
) -> RequestVerifier:
    return RequestVerifier({AKID: secret}, clock=fixed(now), verify=verify)


def replace(headers: Headers, name: str, value: str) -> Headers:
    return [(n, value if n == name else v) for n, v in headers]


def remove(headers: Headers, name: str) -> Headers:
    return [(n, v) for n, v in headers if n != name]


def flip_last_bit(text: str) -> str:
    """Flip the lowest bit of the last character (one-bit change)."""
    return text[:-1] + chr(ord(text[-1]) ^ 1)


def error_of(call: Callable[[], object]) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        call()
    return info.value


# -- requests ----------------------------------------------------------------


def test_worked_example_request_verifies() -> None:
    verified = verifier().verify_request("POST", PATH, example_headers())
    assert verified == VerifiedRequest(
        access_key_id=AKID,
        region="us-east-1",
        service="transcribe",
        date=T0,
        seed_signature=SEED,
        session_token=None,
        signature_valid=True,
        enforce=True,
    )
    assert verified.events_verifiable
    # The key derivation is the one of §10.6 (kSigning).
    assert verified.signing_key is not None
    assert verified.signing_key("20240101").hex() == (
        "1cb6a94bdfa8e79f3c0c9d8ca9b936b4edcf21f85d9ef9fd8cb9bc03616215de"
    )
    assert SECRET not in repr(verified)


def test_worked_example_old_style_request_verifies() -> None:
    verified = verifier().verify_request("POST", PATH, old_style_headers())
    assert verified.seed_signature == OLD_STYLE_SEED
    assert verified.signature_valid is True


def test_old_style_host_may_arrive_as_authority_only() -> None:
    # The CRT turns the signed host header into :authority.
    headers = remove(old_style_headers(), "host")
    assert verifier().verify_request("POST", PATH, headers).seed_signature == OLD_STYLE_SEED


def test_literal_host_wins_over_authority() -> None:
    headers = replace(old_style_headers(), ":authority", "localhost:8443")
    assert verifier().verify_request("POST", PATH, headers).signature_valid is True


def test_uppercase_signature_hex_is_accepted_and_seed_lowercased() -> None:
    headers = example_headers(SEED.upper())
    assert verifier().verify_request("POST", PATH, headers).seed_signature == SEED


def test_path_with_empty_query_verifies() -> None:
    # The new SDK's CRT transport sends ":path /stream-transcription?".
    headers = replace(example_headers(), ":path", PATH + "?")
    assert verifier().verify_request("POST", PATH + "?", headers).seed_signature == SEED


@pytest.mark.parametrize(
    "name",
    [
        ":authority",
        "content-type",
        "x-amz-content-sha256",
        "x-amzn-transcribe-language-code",
        "x-amzn-transcribe-media-encoding",
        "x-amzn-transcribe-sample-rate",
    ],
)
def test_one_bit_change_to_a_signed_header_fails(name: str) -> None:
    headers = example_headers()
    value = dict(headers)[name]
    error = error_of(
        lambda: verifier().verify_request("POST", PATH, replace(headers, name, flip_last_bit(value)))
    )
    assert error.error_type == "InvalidSignatureException"
    assert error.status == 403
    assert error.message.startswith(
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service "
        "documentation for details."
    )


def test_one_bit_change_to_x_amz_date_fails() -> None:
    # 20240101T000000Z -> 20240101T000001Z: same day, still inside the window.
    headers = example_headers()
    headers = replace(headers, "x-amz-date", "20240101T000001Z")
    error = error_of(lambda: verifier().verify_request("POST", PATH, headers))
    assert error.error_type == "InvalidSignatureException"


@pytest.mark.parametrize(
    "method, path",
    [("POST", flip_last_bit(PATH)), ("PUT", PATH), ("POST", PATH + "/")],
    ids=["path-bit", "method", "trailing-slash"],
)
def test_changed_method_or_path_fails(method: str, path: str) -> None:
    error = error_of(lambda: verifier().verify_request(method, path, example_headers()))
    assert error.error_type == "InvalidSignatureException"


def test_one_bit_change_to_the_signature_fails() -> None:
    headers = example_headers(flip_last_bit(SEED))
    error = error_of(lambda: verifier().verify_request("POST", PATH, headers))
    assert error.error_type == "InvalidSignatureException"


def test_one_bit_change_to_the_secret_fails() -> None:
    error = error_of(
        lambda: verifier(secret=flip_last_bit(SECRET)).verify_request(
            "POST", PATH, example_headers()
        )
    )
    assert error.error_type == "InvalidSignatureException"


def test_mismatch_message_shows_the_canonical_request() -> None:
    headers = replace(example_headers(), "x-amzn-transcribe-sample-rate", "8000")
    error = error_of(lambda: verifier().verify_request("POST", PATH, headers))
    assert "x-amzn-transcribe-sample-rate:8000\n" in error.message
    assert "AWS4-HMAC-SHA256\n20240101T000000Z\n20240101/us-east-1/transcribe/aws4_request\n" in (
        error.message
    )


def test_missing_signed_header_is_named() -> None:
    headers = remove(example_headers(), "content-type")
    error = error_of(lambda: verifier().verify_request("POST", PATH, headers))
    assert error.error_type == "InvalidSignatureException"
    assert "The request lacks signed header(s): content-type." in error.message


def test_unsigned_extra_headers_are_ignored() -> None:
    headers = example_headers() + [("user-agent", "test"), ("x-amz-target", "x")]
    assert verifier().verify_request("POST", PATH, headers).signature_valid is True


def test_unknown_access_key() -> None:
    error = error_of(
        lambda: RequestVerifier({"OTHER": SECRET}, clock=fixed(T0)).verify_request(
            "POST", PATH, example_headers()
        )
    )
    assert (error.error_type, error.status, error.message) == (
        "UnrecognizedClientException",
        403,
        "The security token included in the request is invalid.",
    )


@pytest.mark.parametrize(
    "now, message",
    [
        (
            T0 + datetime.timedelta(minutes=5, seconds=1),
            "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z "
            "(20240101T000501Z - 5 min.)",
        ),
        (
            T0 - datetime.timedelta(minutes=5, seconds=1),
            "Signature not yet current: 20240101T000000Z is still later than "
            "20231231T235959Z (20231231T235459Z + 5 min.)",
        ),
    ],
    ids=["expired", "future"],
)
def test_clock_skew_is_rejected(now: datetime.datetime, message: str) -> None:
    error = error_of(lambda: verifier(now).verify_request("POST", PATH, example_headers()))
    assert (error.error_type, error.status, error.message) == (
        "InvalidSignatureException",
        403,
        message,
    )


@pytest.mark.parametrize(
    "offset",
    [datetime.timedelta(minutes=5), -datetime.timedelta(minutes=5), datetime.timedelta(0)],
    ids=["plus-5min", "minus-5min", "exact"],
)
def test_clock_skew_edges_are_accepted(offset: datetime.timedelta) -> None:
    assert verifier(T0 + offset).verify_request("POST", PATH, example_headers()).date == T0


def test_max_skew_is_configurable() -> None:
    strict = RequestVerifier(
        {AKID: SECRET}, clock=fixed(T0 + datetime.timedelta(seconds=2)),
        max_skew=datetime.timedelta(seconds=1),
    )
    error = error_of(lambda: strict.verify_request("POST", PATH, example_headers()))
    assert error.message.startswith("Signature expired:")


def authorization(value: str) -> Headers:
    return replace(example_headers(), "authorization", value)


@pytest.mark.parametrize(
    "headers, error_type, fragment",
    [
        (remove(example_headers(), "authorization"), "MissingAuthenticationTokenException",
         "Missing Authentication Token"),
        (authorization("garbage"), "IncompleteSignatureException",
         "Unsupported AWS 'algorithm': 'garbage'"),
        (authorization(f"AWS4-HMAC-SHA256 Credential={SCOPE}, Signature={SEED}"),
         "IncompleteSignatureException",
         "Authorization header requires 'SignedHeaders' parameter."),
        (authorization(f"AWS4-HMAC-SHA256 SignedHeaders={SIGNED}"),
         "IncompleteSignatureException",
         "Authorization header requires 'Credential' parameter. Authorization header "
         "requires 'Signature' parameter."),
        (authorization(f"AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders, Signature={SEED}"),
         "IncompleteSignatureException", "not of the form name=value"),
        (authorization(f"AWS4-HMAC-SHA256 Credential={SCOPE}, Credential={SCOPE}, "
                       f"SignedHeaders={SIGNED}, Signature={SEED}"),
         "IncompleteSignatureException", "parameter 'Credential' twice"),
        (authorization(f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1, "
                       f"SignedHeaders={SIGNED}, Signature={SEED}"),
         "IncompleteSignatureException",
         "Credential must have exactly 5 slash-delimited elements"),
        (authorization(f"AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders=host;;x-amz-date, "
                       f"Signature={SEED}"),
         "IncompleteSignatureException", "SignedHeaders has an empty header name"),
        (remove(example_headers(), "x-amz-date"), "IncompleteSignatureException",
         "requires existence of an 'X-Amz-Date' header"),
        (replace(example_headers(), "x-amz-date", "2024-01-01T00:00:00Z"),
         "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'"),
        (replace(example_headers(), "x-amz-date", "20241301T000000Z"),
         "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'"),
        (example_headers() + [("x-amz-date", "20240101T000000Z")],
         "IncompleteSignatureException", "The request has 2 'x-amz-date' headers"),
        (authorization(f"AWS4-HMAC-SHA256 Credential={SCOPE.replace('20240101', '20240102')}, "
                       f"SignedHeaders={SIGNED}, Signature={SEED}"),
         "InvalidSignatureException",
         "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
         "from HTTP: '20240102' != '20240101', from '20240101T000000Z'."),
        (authorization(f"AWS4-HMAC-SHA256 Credential={SCOPE.replace('/transcribe/', '/s3/')}, "
                       f"SignedHeaders={SIGNED}, Signature={SEED}"),
         "InvalidSignatureException",
         "Credential should be scoped to correct service: 'transcribe', not 's3'."),
        (authorization(f"AWS4-HMAC-SHA256 Credential={SCOPE.replace('aws4_request', 'aws4')}, "
                       f"SignedHeaders={SIGNED}, Signature={SEED}"),
         "InvalidSignatureException",
         "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'."),
        (authorization(f"AWS4-HMAC-SHA256 Credential={SCOPE}, "
                       f"SignedHeaders={SIGNED.replace('host;', '')}, Signature={SEED}"),
         "IncompleteSignatureException",
         "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),
        (example_headers() + [("x-amz-security-token", "token")], "IncompleteSignatureException",
         "'X-Amz-Security-Token' is present but is not a 'SignedHeader'"),
    ],
    ids=[
        "no-authorization", "bad-algorithm", "no-signed-headers", "no-credential-no-signature",
        "param-without-value", "duplicate-param", "short-credential", "empty-signed-name",
        "no-x-amz-date", "x-amz-date-extended-format", "x-amz-date-month-13",
        "two-x-amz-date", "scope-date", "scope-service", "scope-terminator", "host-not-signed",
        "token-not-signed",
    ],
)
def test_malformed_requests_are_rejected(headers: Headers, error_type: str, fragment: str) -> None:
    error = error_of(lambda: verifier().verify_request("POST", PATH, headers))
    assert error.error_type == error_type
    assert error.status == 403
    assert fragment in error.message


# -- verify=False ------------------------------------------------------------


def test_lenient_mode_accepts_a_request_without_authorization() -> None:
    headers = remove(example_headers(), "authorization")
    verified = verifier(verify=False).verify_request("POST", PATH, headers)
    assert verified == VerifiedRequest(
        access_key_id=None, region=None, service=None, date=T0, seed_signature=None,
        session_token=None, signature_valid=None, enforce=False,
    )
    assert not verified.events_verifiable
    events = EventVerifier(verified, clock=fixed(T0))
    assert not events.checking
    # Envelopes are unwrapped without any check, whatever their headers.
    assert events.verify(Message({}, INNER)) == INNER
    assert events.verify(Message({}, b"")) is None
    assert (events.passed, events.failed, events.ended) == (0, 0, True)


def test_lenient_mode_accepts_garbage_and_skew() -> None:
    headers = replace(authorization("garbage"), "x-amz-date", "yesterday")
    verified = verifier(T0 + datetime.timedelta(days=9), verify=False).verify_request(
        "POST", PATH, headers
    )
    assert (verified.access_key_id, verified.date, verified.events_verifiable) == (
        None, None, False
    )


def test_lenient_mode_reports_a_wrong_signature_and_counts_event_failures() -> None:
    verified = verifier(secret="wrong", verify=False).verify_request(
        "POST", PATH, example_headers()
    )
    assert (verified.signature_valid, verified.seed_signature, verified.enforce) == (
        False, SEED, False
    )
    events = EventVerifier(verified, clock=fixed(T0))
    assert events.verify(decode_message(EVENT_1)) == INNER
    assert events.verify(decode_message(END_FRAME)) is None
    assert (events.passed, events.failed) == (0, 2)


def test_lenient_mode_with_unknown_key_does_not_check_events() -> None:
    verified = RequestVerifier({}, clock=fixed(T0), verify=False).verify_request(
        "POST", PATH, example_headers()
    )
    assert (verified.access_key_id, verified.signature_valid, verified.events_verifiable) == (
        AKID, None, False
    )


def test_lenient_mode_with_right_signature_checks_events() -> None:
    verified = verifier(verify=False).verify_request("POST", PATH, example_headers())
    assert verified.signature_valid is True
    events = EventVerifier(verified, clock=fixed(T0))
    events.verify(decode_message(EVENT_1))
    events.verify(decode_message(END_FRAME))
    assert (events.passed, events.failed) == (2, 0)


# -- events ------------------------------------------------------------------


def example_events(now: datetime.datetime = T0) -> EventVerifier:
    verified = verifier().verify_request("POST", PATH, example_headers())
    return EventVerifier(verified, clock=fixed(now))


def test_worked_example_events_verify() -> None:
    events = example_events()
    assert events.checking
    assert events.verify(decode_message(EVENT_1)) == INNER
    assert events.verify(decode_message(END_FRAME)) is None
    assert (events.passed, events.failed, events.received, events.ended) == (2, 0, 2, True)


def test_nothing_may_follow_the_end_frame() -> None:
    events = example_events()
    events.verify(decode_message(EVENT_1))
    events.verify(decode_message(END_FRAME))
    error = error_of(lambda: events.verify(decode_message(EVENT_1)))
    assert (error.error_type, error.status) == ("BadRequestException", 400)
    assert error.message == (
        "Event-stream message 3 arrived after the end of the input stream (the empty "
        "signed frame, message 2); nothing may follow it."
    )


def test_end_frame_out_of_order_fails() -> None:
    # The end frame chains on event 1's signature, not on the seed.
    error = error_of(lambda: example_events().verify(decode_message(END_FRAME)))
    assert error.error_type == "BadRequestException"
    assert error.message.startswith(
        "Event-stream message 1: the end frame signature does not match: calculated "
    )


def with_header(message: Message, name: str, value: object) -> Message:
    headers = dict(message.headers)
    headers[name] = value  # type: ignore[assignment]
    return Message(headers, message.payload)


def flip_bit(data: bytes, index: int) -> bytes:
    return data[:index] + bytes((data[index] ^ 1,)) + data[index + 1 :]


EVENT_1_MESSAGE = decode_message(EVENT_1)
EVENT_1_DATE = EVENT_1_MESSAGE.headers[":date"]
assert isinstance(EVENT_1_DATE, datetime.datetime)


@pytest.mark.parametrize(
    "envelope, fragment",
    [
        (Message(EVENT_1_MESSAGE.headers, flip_bit(INNER, 100)),
         "Event-stream message 1: the event signature does not match"),
        (Message(EVENT_1_MESSAGE.headers, INNER[:-1]),
         "Event-stream message 1: the event signature does not match"),
        (with_header(EVENT_1_MESSAGE, ":date", EVENT_1_DATE + datetime.timedelta(milliseconds=1)),
         "Event-stream message 1: the event signature does not match"),
        (with_header(EVENT_1_MESSAGE, ":chunk-signature",
                     flip_bit(bytes(EVENT_1_MESSAGE.headers[":chunk-signature"]), 31)),  # type: ignore[arg-type]
         "Event-stream message 1: the event signature does not match"),
        (Message({":date": EVENT_1_DATE}, INNER),
         "Event-stream message 1: the signed envelope must have exactly the headers :date and "
         ":chunk-signature, but it lacks header(s) :chunk-signature."),
        (with_header(EVENT_1_MESSAGE, ":message-type", "event"),
         "but it has unexpected header(s) :message-type."),
        (Message({":chunk-signature": b"\x00" * 32, ":content-type": "x"}, INNER),
         "but it lacks header(s) :date and has unexpected header(s) :content-type."),
        (with_header(EVENT_1_MESSAGE, ":date", Long(1704067201000)),
         "header :date must be a timestamp (type 8), got Long."),
        (with_header(EVENT_1_MESSAGE, ":chunk-signature", b"\x00" * 31),
         "header :chunk-signature must be a byte array (type 6) of 32 bytes, got 31 bytes."),
        (with_header(EVENT_1_MESSAGE, ":chunk-signature", SEED[:32]),
         "header :chunk-signature must be a byte array (type 6) of 32 bytes, got str."),
    ],
    ids=[
        "payload-bit", "payload-truncated", "date-plus-1ms", "signature-bit", "no-signature",
        "extra-header", "no-date", "date-as-long", "short-signature", "signature-as-string",
    ],
)
def test_bad_event_fails(envelope: Message, fragment: str) -> None:
    events = example_events()
    error = error_of(lambda: events.verify(envelope))
    assert (error.error_type, error.status) == ("BadRequestException", 400)
    assert fragment in error.message
    assert (events.passed, events.failed) == (0, 1)


def test_event_clock_skew_is_rejected() -> None:
    events = example_events(T0 + datetime.timedelta(minutes=6, seconds=1))
    error = error_of(lambda: events.verify(decode_message(EVENT_1)))
    assert error.message == (
        "Event-stream message 1: Signature expired: 20240101T000001Z is now earlier than "
        "20240101T000101Z (20240101T000601Z - 5 min.)"
    )


def test_event_in_the_future_is_rejected() -> None:
    events = EventVerifier(
        verifier().verify_request("POST", PATH, example_headers()),
        clock=fixed(T0 - datetime.timedelta(minutes=5)),
    )
    error = error_of(lambda: events.verify(decode_message(EVENT_1)))
    assert error.message.startswith(
        "Event-stream message 1: Signature not yet current: 20240101T000001Z is still later than"
    )


def test_event_numbers_in_messages_count_from_one() -> None:
    events = example_events()
    events.verify(decode_message(EVENT_1))
    error = error_of(lambda: events.verify(decode_message(EVENT_1)))
    assert error.message.startswith("Event-stream message 2: the event signature does not match")


# -- JS SDK style, repeated headers, session tokens (signed by awscrt) -------


def crt_sign(
    headers: Sequence[Tuple[str, str]],
    *,
    path: str = PATH,
    date: datetime.datetime = T0,
    session_token: Optional[str] = None,
) -> Headers:
    """Sign with awscrt directly (no host added), as the JS SDK signs :authority."""
    request = HttpRequest("POST", path, HttpHeaders(list(headers)))
    config = AwsSigningConfig(
        algorithm=AwsSigningAlgorithm.V4,
        signature_type=AwsSignatureType.HTTP_REQUEST_HEADERS,
        credentials_provider=AwsCredentialsProvider.new_static(AKID, SECRET, session_token),
        region="us-east-1",
        service="transcribe",
        date=date,
        signed_body_value="STREAMING-AWS4-HMAC-SHA256-EVENTS",
        signed_body_header_type=AwsSignedBodyHeaderType.X_AMZ_CONTENT_SHA_256,
    )
    signed = aws_sign_request(request, config).result(timeout=10)
    return [(name.lower(), value) for name, value in signed.headers]


def test_js_style_signed_authority_verifies() -> None:
    headers = crt_sign(
        [
            (":authority", "localhost:8443"),
            ("amz-sdk-invocation-id", "8f3e6d9a-2d47-4a4b-9a86-0c3c2f5f1e11"),
            ("amz-sdk-request", "attempt=1; max=1"),
            ("content-type", "application/vnd.amazon.eventstream"),
            ("x-amz-user-agent", "aws-sdk-js/3.1141.0"),
            ("x-amzn-transcribe-language-code", "en-US"),
        ]
    )
    authorization_value = dict(headers)["authorization"]
    assert "SignedHeaders=:authority;amz-sdk-invocation-id;" in authorization_value
    assert "host" not in authorization_value
    received = [(":method", "POST"), (":scheme", "https"), (":path", PATH)] + headers
    assert verifier().verify_request("POST", PATH, received).signature_valid is True
    # :authority is taken from what was received: another port fails.
    tampered = replace(received, ":authority", "localhost:8444")
    assert error_of(
        lambda: verifier().verify_request("POST", PATH, tampered)
    ).error_type == "InvalidSignatureException"


def test_repeated_headers_are_joined_with_commas() -> None:
    headers = crt_sign(
        [(":authority", HOST), ("x-test", "one"), ("x-test", "  two   words "), ("x-test", "3")]
    )
    assert verifier().verify_request("POST", PATH, headers).signature_valid is True
    swapped = [(n, {"one": "3", "3": "one"}.get(v, v) if n == "x-test" else v) for n, v in headers]
    assert error_of(
        lambda: verifier().verify_request("POST", PATH, swapped)
    ).error_type == "InvalidSignatureException"


def test_whitespace_is_trimmed_and_collapsed() -> None:
    headers = crt_sign([(":authority", HOST), ("x-test", "a   b \t c")])
    # Same canonical value, different raw spacing.
    respaced = replace(headers, "x-test", "  a b\t\tc  ")
    assert verifier().verify_request("POST", PATH, respaced).signature_valid is True


def test_session_token_is_signed_and_returned() -> None:
    headers = crt_sign([(":authority", HOST)], session_token="FQoGZXIvYXdzEXAMPLE")
    verified = verifier().verify_request("POST", PATH, headers)
    assert verified.session_token == "FQoGZXIvYXdzEXAMPLE"
    swapped = replace(headers, "x-amz-security-token", "FQoGZXIvYXdzEXAMPLF")
    assert error_of(
        lambda: verifier().verify_request("POST", PATH, swapped)
    ).error_type == "InvalidSignatureException"


def test_request_with_query_verifies() -> None:
    path = "/stream-transcription?b=2&a=x%20y"
    headers = crt_sign([(":authority", HOST)], path=path)
    assert verifier().verify_request("POST", path, headers).signature_valid is True
    assert error_of(
        lambda: verifier().verify_request("POST", "/stream-transcription?b=3&a=x%20y", headers)
    ).error_type == "InvalidSignatureException"


def test_event_chain_across_midnight_uses_each_days_key() -> None:
    start = datetime.datetime(2024, 1, 1, 23, 59, 59, 500000, tzinfo=UTC)
    signed = _sign_request(
        "POST", PATH, [], host=HOST, credentials=Credentials(AKID, SECRET),
        region="us-east-1", date=start,
    )
    received = [(n.lower(), v) for n, v in signed.request.headers]
    verified = RequestVerifier({AKID: SECRET}, clock=fixed(start)).verify_request(
        "POST", PATH, received
    )
    instants = iter([start, start + datetime.timedelta(seconds=1)])
    signer = EventSigner(
        signed.seed_signature, secret_access_key=SECRET, region="us-east-1",
        clock=lambda: next(instants),
    )
    events = EventVerifier(verified, clock=fixed(start))
    assert events.verify(decode_message(signer.sign(INNER))) == INNER
    assert events.verify(decode_message(signer.sign_end())) is None
    assert events.passed == 2


# -- cross-check against the client's signer ---------------------------------

_TOKEN_CHARS = string.ascii_letters + string.digits + "+/="
_VALUE_CHARS = string.ascii_letters + string.digits + " \t-_.,;:=/+*()"
# No ':' or '@': awscrt's URI parser rejects a first segment like '/:/'.
_PATH_CHARS = string.ascii_letters + string.digits + "-_.~/%!$'()*+,;="

header_names = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12).map(
    lambda suffix: "x-test-" + suffix
)
header_values = st.text(_VALUE_CHARS, min_size=1, max_size=40).filter(
    lambda value: value.strip(" \t") != ""
)
paths = st.text(_PATH_CHARS, max_size=30).map(lambda text: "/" + text)
instants = st.integers(
    min_value=int(datetime.datetime(2000, 1, 1, tzinfo=UTC).timestamp() * 1000),
    max_value=int(datetime.datetime(2090, 1, 1, tzinfo=UTC).timestamp() * 1000),
).map(lambda ms: datetime.datetime.fromtimestamp(ms / 1000, tz=UTC))


@st.composite
def signed_streams(draw: st.DrawFn) -> Tuple[
    Headers, str, str, datetime.datetime, List[bytes], List[datetime.datetime], str
]:
    """A request signed by the client, the HTTP/2 headers a server would see,
    and an event chain signed by the client's EventSigner."""
    secret = draw(st.text(_TOKEN_CHARS, min_size=1, max_size=40))
    token = draw(st.none() | st.text(_TOKEN_CHARS, min_size=1, max_size=60))
    region = draw(st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2", "local"]))
    host = draw(st.sampled_from([HOST, "localhost", "localhost:8443", "127.0.0.1:50051"]))
    path = draw(paths)
    query = draw(st.sampled_from(["", "?", "?a=1", "?z=%2F&a=b"]))
    start = draw(instants)
    extra = draw(st.lists(st.tuples(header_names, header_values), max_size=6))
    style = draw(st.sampled_from(list(_PayloadSigning)))
    signed = _sign_request(
        "POST", path + query, extra, host=host, credentials=Credentials(AKID, secret, token),
        region=region, date=start, payload_signing=style,
    )
    literal_host = draw(st.booleans())
    received: Headers = [(":method", "POST"), (":scheme", "https"), (":path", path + query),
                         (":authority", host)]
    for name, value in signed.request.headers:
        if name.lower() == "host" and not literal_host:
            continue  # the CRT sends it as :authority
        received.append((name.lower(), value))
    # Events at non-decreasing instants within the skew window.
    steps = draw(st.lists(st.integers(0, 20_000), max_size=6))
    payloads = [
        encode_message({":message-type": "event", ":event-type": "AudioEvent"}, chunk)
        for chunk in draw(st.lists(st.binary(max_size=64), min_size=len(steps), max_size=len(steps)))
    ]
    times = [start]
    for step in steps:
        times.append(times[-1] + datetime.timedelta(milliseconds=step))
    clock = iter(times[1:] + [times[-1]])
    signer = EventSigner(
        signed.seed_signature, secret_access_key=secret, region=region, clock=lambda: next(clock)
    )
    stream = b"".join(signer.sign(payload) for payload in payloads) + signer.sign_end()
    return received, path + query, secret, start, payloads, times, stream.hex()


def verify_stream(
    received: Headers, path: str, secret: str, now: datetime.datetime, stream: bytes
) -> Iterator[Optional[bytes]]:
    verified = RequestVerifier({AKID: secret}, clock=fixed(now)).verify_request(
        "POST", path, received
    )
    events = EventVerifier(verified, clock=fixed(now))
    decoder = EventStreamDecoder()
    for message in decoder.feed(stream):
        yield events.verify(message)
    decoder.close()
    assert events.ended


# Derandomized so every run checks the same examples (a one-off randomized
# run of 4000 examples each passed too).
@settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(signed_streams())
def test_client_signed_streams_verify(
    sample: Tuple[Headers, str, str, datetime.datetime, List[bytes], List[datetime.datetime], str],
) -> None:
    received, path, secret, start, payloads, _, stream = sample
    unwrapped = list(verify_stream(received, path, secret, start, bytes.fromhex(stream)))
    assert unwrapped == [*payloads, None]


@settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(signed_streams(), st.data())
def test_mutated_client_streams_fail(
    sample: Tuple[Headers, str, str, datetime.datetime, List[bytes], List[datetime.datetime], str],
    data: st.DataObject,
) -> None:
    received, path, secret, start, payloads, times, stream_hex = sample
    stream = bytes.fromhex(stream_hex)
    target = data.draw(st.sampled_from(["header", "envelope"]))
    if target == "header":
        signed_names = dict(received)["authorization"].split("SignedHeaders=")[1].split(",")[0]
        signed_set = set(signed_names.split(";"))
        if "host" in signed_set and "host" not in dict(received):
            signed_set.add(":authority")  # the signed host arrived as :authority
        candidates = [
            i for i, (name, value) in enumerate(received)
            if name in signed_set and value.strip(" \t")
        ]
        index = data.draw(st.sampled_from(candidates))
        name, value = received[index]
        # Change one character that is not blank, so the canonical value changes.
        positions = [i for i, char in enumerate(value) if char not in " \t"]
        position = data.draw(st.sampled_from(positions))
        changed = value[:position] + ("A" if value[position] != "A" else "B") + value[position + 1:]
        mutated = list(received)
        mutated[index] = (name, changed)
        with pytest.raises(ServiceError) as info:
            list(verify_stream(mutated, path, secret, start, stream))
        assert info.value.error_type in {
            "InvalidSignatureException", "IncompleteSignatureException"
        }
        return
    # Re-encode one envelope with one bit of its payload or :date changed.
    messages = EventStreamDecoder().feed(stream)
    index = data.draw(st.integers(0, len(messages) - 1))
    message = messages[index]
    if message.payload and data.draw(st.booleans()):
        bit = data.draw(st.integers(0, len(message.payload) * 8 - 1))
        payload = bytearray(message.payload)
        payload[bit // 8] ^= 1 << (bit % 8)
        message = Message(message.headers, bytes(payload))
    else:
        date = message.headers[":date"]
        assert isinstance(date, datetime.datetime)
        message = with_header(message, ":date", date + datetime.timedelta(milliseconds=1))
    tampered = b"".join(
        message.encode() if i == index else original.encode()
        for i, original in enumerate(messages)
    )
    with pytest.raises(ServiceError) as info:
        list(verify_stream(received, path, secret, start, tampered))
    assert info.value.error_type == "BadRequestException"
    assert info.value.message.startswith(f"Event-stream message {index + 1}: ")


def test_empty_sha256_constant() -> None:
    assert EMPTY_SHA256 == hashlib.sha256(b"").hexdigest()
    assert hmac.compare_digest(EMPTY_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
