"""AwsCrtCredentialResolver takes credentials awscrt has at hand without a turn of the loop.

White-box: a fake stands in for the awscrt provider where its timing matters.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from pathlib import Path
from typing import Any, Optional

import pytest

from amazon_transcribe.auth import AwsCrtCredentialResolver
from amazon_transcribe.exceptions import CredentialsException


class _Crt:
    access_key_id = "AKIDLATER"
    secret_access_key = "later-secret"
    session_token: Optional[str] = None


class _Provider:
    def __init__(self, future: "concurrent.futures.Future[Any]") -> None:
        self.future = future

    def get_credentials(self) -> "concurrent.futures.Future[Any]":
        return self.future


def _resolver(
    future: "concurrent.futures.Future[Any]", timeout: float = 10.0
) -> AwsCrtCredentialResolver:
    resolver = AwsCrtCredentialResolver(timeout=timeout)
    resolver._provider = _Provider(future)  # type: ignore[assignment]
    return resolver


def test_environment_credentials_resolve_without_a_turn_of_the_loop(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "environment-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    resolver = AwsCrtCredentialResolver()
    coroutine = resolver.get_credentials()
    # One step runs it to its end: it never waited on the loop.
    with pytest.raises(StopIteration) as finished:
        coroutine.send(None)
    credentials = finished.value.value
    assert (credentials.access_key_id, credentials.secret_access_key) == (
        "AKIDENVIRONMENT",
        "environment-secret",
    )


async def test_credentials_that_arrive_later_from_a_crt_thread_are_awaited() -> None:
    future: "concurrent.futures.Future[Any]" = concurrent.futures.Future()
    resolver = _resolver(future)
    pending = asyncio.ensure_future(resolver.get_credentials())
    await asyncio.sleep(0)  # the resolution is now waiting
    assert not pending.done()
    threading.Thread(target=future.set_result, args=(_Crt(),)).start()
    credentials = await asyncio.wait_for(pending, 10)
    assert credentials is not None and credentials.access_key_id == "AKIDLATER"


async def test_a_resolution_that_never_ends_is_bounded() -> None:
    resolver = _resolver(concurrent.futures.Future(), timeout=0.05)
    with pytest.raises(CredentialsException, match="within 0.05 s"):
        await asyncio.wait_for(resolver.get_credentials(), 10)


@pytest.mark.parametrize("at_once", [True, False])
async def test_a_failed_resolution_is_a_credentials_exception(at_once: bool) -> None:
    future: "concurrent.futures.Future[Any]" = concurrent.futures.Future()
    if at_once:
        future.set_exception(RuntimeError("AWS_ERROR_AUTH_CREDENTIALS_PROVIDER_CHAIN_FAILURE"))
    resolver = _resolver(future)
    pending = asyncio.ensure_future(resolver.get_credentials())
    if not at_once:
        await asyncio.sleep(0)
        threading.Thread(target=future.set_exception, args=(RuntimeError("failed"),)).start()
    with pytest.raises(CredentialsException, match="no AWS credentials found"):
        await asyncio.wait_for(pending, 10)
