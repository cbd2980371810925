"""Cost of encoding and signing one 16 KiB audio event, against its floor.

The floor is the unavoidable hashing work for one event: SHA-256 of the
payload, one HMAC-SHA256 and CRC32 twice over the payload (inner message and
envelope). Everything else (framing, headers, the string to sign, copies) is
overhead. Run: ``python benchmarks/bench_event_signing.py`` (``make bench``).
Not run in CI: it prints what it measured and asserts nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import timeit
import zlib
from typing import Callable

from amazon_transcribe.eventstream import encode_headers, encode_message
from amazon_transcribe.signer import EventSigner

PAYLOAD = os.urandom(16 * 1024)
KEY = os.urandom(32)
AUDIO_HEADERS = encode_headers(
    {
        ":message-type": "event",
        ":event-type": "AudioEvent",
        ":content-type": "application/octet-stream",
    }
)
STRING_TO_SIGN = ("x" * 200).encode()


def floor() -> bytes:
    hashlib.sha256(PAYLOAD).digest()
    zlib.crc32(PAYLOAD)
    zlib.crc32(PAYLOAD)
    return hmac.digest(KEY, STRING_TO_SIGN, "sha256")


signer = EventSigner("0" * 64, secret_access_key="secret", region="us-east-1")


def encode_and_sign() -> bytes:
    return signer.sign(encode_message(AUDIO_HEADERS, PAYLOAD))


def encode_and_sign_with_mapping() -> bytes:
    # The same, encoding the three headers from a mapping each time.
    return signer.sign(
        encode_message(
            {
                ":message-type": "event",
                ":event-type": "AudioEvent",
                ":content-type": "application/octet-stream",
            },
            PAYLOAD,
        )
    )


def best_per_call(func: Callable[[], object], number: int = 2000, repeat: int = 15) -> float:
    return min(timeit.repeat(func, number=number, repeat=repeat)) / number


def main() -> None:
    # Interleave the measurements so that machine noise hits all alike.
    base = best_per_call(floor)
    ours = best_per_call(encode_and_sign)
    mapped = best_per_call(encode_and_sign_with_mapping)
    base = min(base, best_per_call(floor))
    print(f"floor (SHA-256 + HMAC + 2x CRC32 over 16 KiB): {base * 1e6:8.2f} us")
    print(f"encode + sign, pre-encoded headers:            {ours * 1e6:8.2f} us"
          f"  ratio {ours / base:.3f}")
    print(f"encode + sign, headers from a mapping:         {mapped * 1e6:8.2f} us"
          f"  ratio {mapped / base:.3f}")


if __name__ == "__main__":
    main()
