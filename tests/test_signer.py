"""The event signature chain: PROTOCOL.md §10.6 reproduced, the end frame, concurrency."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import hmac
import threading
from typing import Callable, Iterator, List

import pytest

from amazon_transcribe.eventstream import Long, decode_message, encode_message
from amazon_transcribe.exceptions import StreamClosedError
from amazon_transcribe._signer import (
    EventSigner,
    _derive_signing_key,
    _seed_from_authorization,
)

from .test_eventstream_vectors import AUDIO_EVENT

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SEED = "8aa48422974eac14cf76c725b4cc55337ba7ae01e80234b161fc801a6b2234dd"
UTC = datetime.timezone.utc


def stepping_clock(*instants: datetime.datetime) -> Callable[[], datetime.datetime]:
    it: Iterator[datetime.datetime] = iter(instants)
    return lambda: next(it)


def test_signing_key_of_the_worked_example() -> None:
    key = _derive_signing_key(SECRET, "20240101", "us-east-1")
    assert key.hex() == "1cb6a94bdfa8e79f3c0c9d8ca9b936b4edcf21f85d9ef9fd8cb9bc03616215de"


def test_worked_example_event_and_end_frame_byte_for_byte() -> None:
    signer = EventSigner(
        SEED,
        secret_access_key=SECRET,
        region="us-east-1",
        clock=stepping_clock(
            datetime.datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC),
            datetime.datetime(2024, 1, 1, 0, 0, 2, tzinfo=UTC),
        ),
    )
    envelope = signer.sign(AUDIO_EVENT)
    assert envelope == bytes.fromhex(
        "000000cb" "00000043" "14321689"
        "05" "3a64617465" "08" "0000018cc251f7e8"
        "10" "3a6368756e6b2d7369676e6174757265" "06" "0020"
        "222a58212ee4252f51e35eec3457ff0f9e887152cac0275b638c3b1177887a6b"
    ) + AUDIO_EVENT + bytes.fromhex("27ec260f")
    assert signer.prior_signature == (
        "222a58212ee4252f51e35eec3457ff0f9e887152cac0275b638c3b1177887a6b"
    )
    end = signer.sign_end()
    assert end == bytes.fromhex(
        "0000005300000043f5447a58053a64617465080000018cc251fbd0103a6368756e6b2d7369676e6174"
        "7572650600202d341be3bf5818394166799fc8ef815367e2fb52faea13a3089852e3d4e46e6d12267bec"
    )
    assert signer.ended and signer.signed_count == 2


def test_nothing_is_signed_after_the_end_frame() -> None:
    signer = EventSigner(SEED, secret_access_key=SECRET, region="us-east-1")
    signer.sign_end()
    with pytest.raises(StreamClosedError, match="ended"):
        signer.sign(AUDIO_EVENT)
    with pytest.raises(StreamClosedError):
        signer.sign_end()
    assert signer.signed_count == 1


def test_empty_message_is_not_silently_an_end_frame() -> None:
    signer = EventSigner(SEED, secret_access_key=SECRET, region="us-east-1")
    with pytest.raises(ValueError, match="sign_end"):
        signer.sign(b"")
    assert not signer.ended


@pytest.mark.parametrize("seed", ["", "zz" * 32, SEED[:-1]], ids=["empty", "not-hex", "short"])
def test_bad_seed(seed: str) -> None:
    with pytest.raises(ValueError, match="64 hex"):
        EventSigner(seed, secret_access_key=SECRET, region="us-east-1")


def test_seed_from_authorization() -> None:
    header = (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/transcribe/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={SEED.upper()}"
    )
    assert _seed_from_authorization(header) == SEED
    with pytest.raises(ValueError):
        _seed_from_authorization("AWS4-HMAC-SHA256 Credential=x, Signature=abc")


def test_key_is_derived_once_per_day(monkeypatch: pytest.MonkeyPatch) -> None:
    import amazon_transcribe._signer as signer_module

    calls: List[str] = []
    real = signer_module._derive_signing_key

    def counting(secret: str, date_stamp: str, region: str, service: str = "transcribe") -> bytes:
        calls.append(date_stamp)
        return real(secret, date_stamp, region, service)

    monkeypatch.setattr(signer_module, "_derive_signing_key", counting)
    start = datetime.datetime(2024, 1, 1, 23, 59, 58, tzinfo=UTC)
    instants = [start + datetime.timedelta(milliseconds=250 * i) for i in range(16)]
    signer = EventSigner(SEED, secret_access_key=SECRET, region="us-east-1",
                         clock=stepping_clock(*instants))
    for _ in instants:
        signer.sign(AUDIO_EVENT)
    assert calls == ["20240101", "20240102"]


# -- an independent re-computation of a chain ------------------------------------


def verify_chain(envelopes: List[bytes], seed: str, region: str = "us-east-1") -> List[bytes]:
    """Check every envelope against its predecessor; return the inner messages.

    Written from PROTOCOL.md §10.4 without the signer's code: hmac.new
    instead of hmac.digest, the :date header encoded by the codec.
    """
    prior = seed
    inner: List[bytes] = []
    for envelope in envelopes:
        message = decode_message(envelope)
        assert list(message.headers) == [":date", ":chunk-signature"]
        date = message.headers[":date"]
        assert isinstance(date, datetime.datetime)
        millis = (date - datetime.datetime(1970, 1, 1, tzinfo=UTC)) // datetime.timedelta(
            milliseconds=1
        )
        date_block = encode_message({":date": Long(millis)})[12:-4]
        date_block = date_block[:6] + b"\x08" + date_block[7:]  # type 8, not 5
        day = date.strftime("%Y%m%d")
        key = ("AWS4" + SECRET).encode()
        for part in (day, region, "transcribe", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        string_to_sign = "\n".join([
            "AWS4-HMAC-SHA256-PAYLOAD",
            date.strftime("%Y%m%dT%H%M%SZ"),
            f"{day}/{region}/transcribe/aws4_request",
            prior,
            hashlib.sha256(date_block).hexdigest(),
            hashlib.sha256(message.payload).hexdigest(),
        ])
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).digest()
        assert message.headers[":chunk-signature"] == expected
        prior = expected.hex()
        inner.append(message.payload)
    return inner


def test_independent_verifier_accepts_the_worked_example() -> None:
    clock = stepping_clock(
        datetime.datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC),
        datetime.datetime(2024, 1, 1, 0, 0, 2, tzinfo=UTC),
    )
    signer = EventSigner(SEED, secret_access_key=SECRET, region="us-east-1", clock=clock)
    assert verify_chain([signer.sign(AUDIO_EVENT), signer.sign_end()], SEED) == [AUDIO_EVENT, b""]


def _numbered_event(i: int) -> bytes:
    return encode_message(
        {":message-type": "event", ":event-type": "AudioEvent"}, i.to_bytes(4, "big") * 64
    )


def test_concurrent_threads_produce_one_valid_chain() -> None:
    signer = EventSigner(SEED, secret_access_key=SECRET, region="us-east-1")
    sent: List[bytes] = []
    sent_lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(base: int) -> None:
        barrier.wait(timeout=10)
        for i in range(50):
            # Record envelopes in signing order: the lock makes sign+append
            # atomic here the way the client's send lock does for sign+write.
            with sent_lock:
                sent.append(signer.sign(_numbered_event(base * 1000 + i)))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive()
    sent.append(signer.sign_end())
    inner = verify_chain(sent, SEED)
    assert len(inner) == 401 and inner[-1] == b""
    assert sorted(inner[:-1]) == sorted(_numbered_event(n * 1000 + i) for n in range(8) for i in range(50))


def test_signing_races_without_an_outer_lock_still_chain() -> None:
    # Even with no lock of the caller's, each sign() call is atomic: ordering
    # the envelopes by their position in the chain gives a valid chain.
    signer = EventSigner(SEED, secret_access_key=SECRET, region="us-east-1")
    results: List[bytes] = []

    def worker(base: int) -> None:
        for i in range(25):
            results.append(signer.sign(_numbered_event(base * 1000 + i)))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # Rebuild the order from the chain itself: exactly one envelope chains
    # on each signature.
    prior = SEED
    signatures = {}
    for env in results:
        signatures[env] = decode_message(env).headers[":chunk-signature"]
    remaining = set(results)
    ordered: List[bytes] = []
    while remaining:
        nxt = [e for e in remaining if _chains_on(e, prior)]
        assert len(nxt) == 1
        ordered.append(nxt[0])
        remaining.discard(nxt[0])
        prior = signatures[nxt[0]].hex()
    assert len(verify_chain(ordered, SEED)) == 100
    assert signer.signed_count == 100


def _chains_on(envelope: bytes, prior: str) -> bool:
    try:
        verify_chain([envelope], prior)
    except AssertionError:
        return False
    return True


async def test_concurrent_tasks_produce_one_valid_chain() -> None:
    signer = EventSigner(SEED, secret_access_key=SECRET, region="us-east-1")
    wire: List[bytes] = []
    write_lock = asyncio.Lock()

    async def sender(base: int) -> None:
        for i in range(25):
            async with write_lock:  # sign and "write" under one lock, as the client does
                envelope = signer.sign(_numbered_event(base * 1000 + i))
                await asyncio.sleep(0)  # a write that yields to other tasks
                wire.append(envelope)

    await asyncio.wait_for(asyncio.gather(*(sender(n) for n in range(10))), timeout=30)
    wire.append(signer.sign_end())
    assert len(verify_chain(wire, SEED)) == 251
