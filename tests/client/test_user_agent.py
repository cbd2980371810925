"""The User-Agent of every request, as the emulator records it.

The AWS SDK form (SDK name and version, ua/2.1, OS, language, awscrt), then
``app/<id>`` from the option, ``AWS_SDK_UA_APP_ID`` or the profile's
``sdk_ua_app_id``, then ``user_agent_extra``.
"""

from __future__ import annotations

import asyncio
import platform
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from amazon_transcribe import __version__
from amazon_transcribe._useragent import _user_agent
from amazon_transcribe.auth import StaticCredentialResolver
from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.httpsession import Timeouts

from .aws_env import aws_home  # noqa: F401  (a fixture)
from .support import collect, send_all, start

TIMEOUTS = Timeouts(connect=5, response=5, read=5, write=5)


async def record_of_one_stream(emulator: TranscribeEmulator, **options: Any) -> Any:
    creds = emulator.credentials
    client = TranscribeStreamingClient(
        region=emulator.region,
        endpoint=emulator.endpoint,
        ca_bundle=emulator.ca_file,  # a pathlib.Path
        credential_resolver=StaticCredentialResolver(creds.access_key_id,
                                                     creds.secret_access_key),
        timeouts=TIMEOUTS,
        **options,
    )
    async with client:
        stream = await start(client)
        await asyncio.wait_for(
            asyncio.gather(send_all(stream, b"\x00\x00" * 1600), collect(stream)), 10)
    return emulator.records[-1]


def test_the_aws_sdk_form() -> None:
    agent = _user_agent()
    tokens = agent.split(" ")
    assert tokens[0] == f"amazon-transcribe/{__version__}"
    assert tokens[1] == "ua/2.1"
    assert tokens[2].startswith(f"os/{platform.system().lower()}#")
    assert tokens[3] == f"lang/python#{platform.python_version()}"
    assert tokens[5].startswith("md/awscrt#") and tokens[5] != "md/awscrt#unknown"
    assert "app/" not in agent


def test_app_id_is_a_token_of_at_most_50_characters() -> None:
    assert _user_agent("my app/β").endswith(" app/my-app--")
    assert _user_agent("x" * 80).endswith(" app/" + "x" * 50)
    assert _user_agent(None, "framework/1.2\r\nx").endswith(" framework/1.2 x")


@pytest.mark.parametrize(
    "source, expected",
    [("option", "opt-app"), ("environment", "env-app"), ("profile", "profile-app"),
     (None, None)],
)
async def test_the_emulator_records_the_user_agent_and_app_id(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, transcribe_emulator: TranscribeEmulator,
    source: Optional[str], expected: Optional[str],
) -> None:
    options: Dict[str, Any] = {}
    (aws_home / "config").write_text("[default]\nsdk_ua_app_id = profile-app\n"
                                     if source == "profile" else "", encoding="utf-8")
    if source == "environment":
        monkeypatch.setenv("AWS_SDK_UA_APP_ID", "env-app")
    if source == "option":
        monkeypatch.setenv("AWS_SDK_UA_APP_ID", "env-app")  # the option wins
        options["user_agent_app_id"] = "opt-app"
    record = await record_of_one_stream(transcribe_emulator, **options)
    assert record.status == 200 and record.end_reason == "completed"
    assert record.user_agent == _user_agent(expected)
    assert record.user_agent.startswith(f"amazon-transcribe/{__version__} ua/2.1 ")
    if expected:
        assert record.user_agent.endswith(f" app/{expected}")
    else:
        assert " app/" not in record.user_agent


async def test_user_agent_extra_is_appended(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, transcribe_emulator: TranscribeEmulator
) -> None:
    monkeypatch.setenv("AWS_SDK_UA_APP_ID", "env-app")
    record = await record_of_one_stream(transcribe_emulator, user_agent_extra="myframework/2.0")
    assert record.user_agent == _user_agent("env-app") + " myframework/2.0"


def test_legacy_serializer_sends_the_same_user_agent() -> None:
    from amazon_transcribe.serialize import TranscribeStreamingSerializer
    from amazon_transcribe.shapes import StartStreamTranscriptionRequest

    request = TranscribeStreamingSerializer().serialize_start_stream_transcription_request(
        "https://transcribestreaming.us-west-2.amazonaws.com",
        StartStreamTranscriptionRequest(language_code="en-US", media_sample_rate_hz=16000,
                                        media_encoding="pcm"),
    )
    assert request.headers["user-agent"] == _user_agent()
