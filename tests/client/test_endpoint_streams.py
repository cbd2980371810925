"""Region, FIPS and dual-stack from the environment and the profile, shown by streams.

The client resolves the service host name from its configuration and
streams to it; a routing CONNECT proxy (``HTTPS_PROXY``) hands the tunnel to
an emulator whose certificate names the service hosts. The emulator's
record shows the ``:authority`` the stream was signed for and sent to, and
the proxy the host it was asked to reach.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Dict

import pytest

from amazon_transcribe.auth import StaticCredentialResolver
from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.httpsession import Timeouts

from .aws_env import aws_home  # noqa: F401  (a fixture)
from .routing_proxy import routing_proxy, service_certificates
from .support import collect, send_all, start

REGION = "ap-northeast-2"
HOSTS = {
    (False, False): f"transcribestreaming.{REGION}.amazonaws.com",
    (True, False): f"transcribestreaming-fips.{REGION}.amazonaws.com",
    (False, True): f"transcribestreaming.{REGION}.api.aws",
    (True, True): f"transcribestreaming-fips.{REGION}.api.aws",
}


@pytest.mark.parametrize(
    "env, profile, fips, dualstack",
    [
        ({}, "", False, False),
        ({"AWS_USE_FIPS_ENDPOINT": "true"}, "", True, False),
        ({}, "use_fips_endpoint = true\n", True, False),
        ({"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "", False, True),
        ({}, "use_dualstack_endpoint = true\n", False, True),
        ({"AWS_USE_FIPS_ENDPOINT": "true"}, "use_dualstack_endpoint = true\n", True, True),
        ({"AWS_USE_FIPS_ENDPOINT": "false"}, "use_fips_endpoint = true\n", False, False),
    ],
    ids=["profile-region", "fips-env", "fips-profile", "dualstack-env", "dualstack-profile",
         "both", "env-over-profile"],
)
async def test_a_stream_goes_to_the_configured_host(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    env: Dict[str, str], profile: str, fips: bool, dualstack: bool,
) -> None:
    state = tmp_path / "state"
    service_certificates(state, sorted(HOSTS.values()))
    (aws_home / "config").write_text(f"[profile transcribe]\nregion = {REGION}\n{profile}")
    monkeypatch.setenv("AWS_PROFILE", "transcribe")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    async with TranscribeEmulator(state_dir=state, region=REGION) as emulator:
        async with routing_proxy(emulator.port) as proxy:
            monkeypatch.setenv("HTTPS_PROXY", proxy.url())
            creds = emulator.credentials
            client = TranscribeStreamingClient(
                ca_bundle=emulator.ca_file,
                credential_resolver=StaticCredentialResolver(creds.access_key_id,
                                                             creds.secret_access_key),
                timeouts=Timeouts(connect=5, response=5, read=5, write=5))
            assert client.region == REGION  # from the profile
            async with client:
                stream = await start(client)
                await asyncio.wait_for(asyncio.gather(
                    send_all(stream, b"\x00\x00" * 3200), collect(stream)), 10)
        record = emulator.records[-1]
        host = HOSTS[fips, dualstack]
        assert proxy.targets == [f"{host}:443"]
        assert dict(record.request_headers)[":authority"] == host
        assert record.request_signature_valid and record.end_reason == "completed"
