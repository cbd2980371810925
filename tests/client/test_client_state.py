"""The client's own state: open, then closed for good."""

from __future__ import annotations

import pytest

from amazon_transcribe.auth import StaticCredentialResolver
from amazon_transcribe.client import ClientState, TranscribeStreamingClient
from amazon_transcribe.exceptions import SDKError


def client() -> TranscribeStreamingClient:
    # Never connects: every call below is refused before any network use.
    return TranscribeStreamingClient(
        region="us-east-1",
        endpoint="https://127.0.0.1:9",
        credential_resolver=StaticCredentialResolver("AKIDEXAMPLE", "secret"),
    )


async def test_a_closed_client_refuses_async_with_and_new_streams() -> None:
    made = client()
    async with made as entered:
        assert entered is made and made.state is ClientState.OPEN
    assert made.state is ClientState.CLOSED
    with pytest.raises(SDKError, match="closed"):
        async with made:
            pass  # pragma: no cover - refused on entry
    with pytest.raises(SDKError, match="the client is closed"):
        await made.start_stream_transcription(
            language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm"
        )


async def test_aclose_is_close_and_closing_twice_is_harmless() -> None:
    made = client()
    await made.aclose()
    assert made.state is ClientState.CLOSED
    await made.close()
    await made.aclose()
    assert made.state is ClientState.CLOSED
