"""SSO profiles in the default credential chain, against a fake portal and the emulator.

A config file with an SSO profile (``sso_session`` or the legacy
``sso_start_url`` form) and the token ``aws sso login`` leaves in
``~/.aws/sso/cache/<sha1>.json``; the portal (``AWS_ENDPOINT_URL_SSO``)
answers GetRoleCredentials with role credentials that the emulator, and only
it, accepts: a stream that completes was signed with them.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import json
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator

import pytest
import pytest_asyncio

from amazon_transcribe._sso import _SsoCredentialResolver
from amazon_transcribe._config import _load_client_config
from amazon_transcribe.auth import AwsCrtCredentialResolver
from amazon_transcribe._chain import _default_credential_resolver
from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.exceptions import CredentialsException
from amazon_transcribe.httpsession import Timeouts

from .aws_env import aws_home  # noqa: F401  (a fixture)
from .sso_portal import SsoPortal
from .support import collect, send_all, start

ROLE_KEY, ROLE_SECRET, ROLE_TOKEN = "ASIAROLECREDENTIALS1", "role-secret-from-portal", "role-token"
START_URL = "https://my-org.awsapps.com/start"
NOW = datetime.datetime.now(datetime.timezone.utc)

SESSION_CONFIG = f"""\
[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Transcriber
region = {{region}}

[sso-session corp]
sso_start_url = {START_URL}
sso_region = eu-central-1
sso_registration_scopes = sso:account:access
"""

LEGACY_CONFIG = f"""\
[profile old]
sso_start_url = {START_URL}
sso_region = eu-central-1
sso_account_id = 444455556666
sso_role_name = LegacyRole
region = {{region}}
"""


def iso(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_token(aws: Path, key: str, *, expires: datetime.timedelta, **extra: Any) -> Path:
    cache = aws / "sso" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / (hashlib.sha1(key.encode()).hexdigest() + ".json")
    token = {"startUrl": START_URL, "region": "eu-central-1", "accessToken": "cached-token",
             "expiresAt": iso(NOW + expires), **extra}
    path.write_text(json.dumps(token), encoding="utf-8")
    return path


@pytest_asyncio.fixture
async def emulator(transcribe_emulator_state_dir: Path) -> AsyncIterator[TranscribeEmulator]:
    """An emulator that accepts only the role credentials the portal gives."""
    async with TranscribeEmulator(state_dir=transcribe_emulator_state_dir,
                                  credentials={ROLE_KEY: ROLE_SECRET}) as emu:
        yield emu


@pytest.fixture
def portal(transcribe_emulator_state_dir: Path) -> Iterator[SsoPortal]:
    expiration = int((NOW + datetime.timedelta(hours=1)).timestamp() * 1000)
    with SsoPortal(transcribe_emulator_state_dir, {
        "accessKeyId": ROLE_KEY, "secretAccessKey": ROLE_SECRET, "sessionToken": ROLE_TOKEN,
        "expiration": expiration,
    }) as fake:
        yield fake


@pytest.fixture
def sso_env(aws_home: Path, monkeypatch: pytest.MonkeyPatch, emulator: TranscribeEmulator,
            portal: SsoPortal) -> Path:
    """The environment of a user of the emulator, with no keys: only SSO."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING", emulator.endpoint)
    monkeypatch.setenv("AWS_CA_BUNDLE", str(emulator.ca_file))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", portal.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", portal.url)
    return aws_home


async def one_stream(client: TranscribeStreamingClient) -> None:
    stream = await start(client)
    await asyncio.wait_for(asyncio.gather(send_all(stream, b"\x00\x00" * 3200), collect(stream)), 10)


def client() -> TranscribeStreamingClient:
    return TranscribeStreamingClient(timeouts=Timeouts(connect=5, response=5, read=5, write=5))


async def test_sso_session_profile_streams_with_the_portals_role_credentials(
    sso_env: Path, monkeypatch: pytest.MonkeyPatch, emulator: TranscribeEmulator,
    portal: SsoPortal,
) -> None:
    (sso_env / "config").write_text(SESSION_CONFIG.format(region=emulator.region))
    write_token(sso_env, "corp", expires=datetime.timedelta(hours=2))
    monkeypatch.setenv("AWS_PROFILE", "dev")
    async with client() as transcribe:
        await one_stream(transcribe)
        await one_stream(transcribe)
    records = emulator.records.all()
    assert [r.end_reason for r in records] == ["completed", "completed"]
    assert all(r.request_signature_valid and r.signatures_failed == 0 for r in records)
    assert all(dict(r.request_headers)["x-amz-security-token"] == ROLE_TOKEN for r in records)
    # One portal call for both streams: the credentials are kept until they expire.
    [(query, headers)] = portal.portal_calls()
    assert query == {"account_id": ["111122223333"], "role_name": ["Transcriber"]}
    assert headers["x-amz-sso_bearer_token"] == "cached-token"
    assert portal.token_calls() == []


async def test_legacy_sso_start_url_profile(
    sso_env: Path, monkeypatch: pytest.MonkeyPatch, emulator: TranscribeEmulator,
    portal: SsoPortal,
) -> None:
    (sso_env / "config").write_text(LEGACY_CONFIG.format(region=emulator.region))
    write_token(sso_env, START_URL, expires=datetime.timedelta(hours=2))  # keyed by the URL
    monkeypatch.setenv("AWS_PROFILE", "old")
    async with client() as transcribe:
        await one_stream(transcribe)
    assert emulator.records[-1].end_reason == "completed"
    [(query, _)] = portal.portal_calls()
    assert query == {"account_id": ["444455556666"], "role_name": ["LegacyRole"]}


async def test_an_expired_token_is_refreshed_where_the_cache_allows(
    sso_env: Path, monkeypatch: pytest.MonkeyPatch, emulator: TranscribeEmulator,
    portal: SsoPortal,
) -> None:
    (sso_env / "config").write_text(SESSION_CONFIG.format(region=emulator.region))
    path = write_token(sso_env, "corp", expires=datetime.timedelta(minutes=-5),
                       refreshToken="refresh-1", clientId="client-id", clientSecret="client-secret",
                       registrationExpiresAt=iso(NOW + datetime.timedelta(days=30)))
    monkeypatch.setenv("AWS_PROFILE", "dev")
    async with client() as transcribe:
        await one_stream(transcribe)
    assert emulator.records[-1].end_reason == "completed"
    assert portal.token_calls() == [{"grantType": "refresh_token", "clientId": "client-id",
                                     "clientSecret": "client-secret", "refreshToken": "refresh-1"}]
    assert portal.portal_calls()[0][1]["x-amz-sso_bearer_token"] == "refreshed-token"
    cached = json.loads(path.read_text())
    assert (cached["accessToken"], cached["refreshToken"]) == ("refreshed-token", "refresh-2")
    assert cached["expiresAt"] > iso(NOW + datetime.timedelta(minutes=59))


async def failure(sso_env: Path, monkeypatch: pytest.MonkeyPatch, config: str,
                  profile: str) -> str:
    (sso_env / "config").write_text(config.format(region="us-east-1"))
    monkeypatch.setenv("AWS_PROFILE", profile)
    async with client() as transcribe:
        with pytest.raises(CredentialsException) as info:
            await asyncio.wait_for(start(transcribe), 10)
    return str(info.value)


@pytest.mark.parametrize(
    "form, profile, key", [("session", "dev", "corp"), ("legacy", "old", START_URL)])
async def test_expired_token_says_what_to_run(
    sso_env: Path, monkeypatch: pytest.MonkeyPatch, portal: SsoPortal,
    form: str, profile: str, key: str,
) -> None:
    # The legacy form is never refreshed; the session form here has no refresh token.
    write_token(sso_env, key, expires=datetime.timedelta(minutes=-1), refreshToken="r",
                clientId="c", clientSecret="s",
                registrationExpiresAt=iso(NOW + datetime.timedelta(days=1)) if form == "legacy"
                else iso(NOW - datetime.timedelta(days=1)))
    message = await failure(sso_env, monkeypatch,
                            SESSION_CONFIG if form == "session" else LEGACY_CONFIG, profile)
    assert "expired" in message and f"run `aws sso login --profile {profile}`" in message
    assert portal.requests == []


async def test_missing_token_cache_says_what_to_run(
    sso_env: Path, monkeypatch: pytest.MonkeyPatch, portal: SsoPortal,
) -> None:
    message = await failure(sso_env, monkeypatch, SESSION_CONFIG, "dev")
    assert "no SSO token" in message and "run `aws sso login --profile dev`" in message
    assert str(sso_env / "sso" / "cache" / hashlib.sha1(b"corp").hexdigest()) in message


@pytest.mark.parametrize("status, error", [(401, "UnauthorizedException"),
                                           (403, "ForbiddenException")])
async def test_portal_refusal_says_what_to_run(
    sso_env: Path, monkeypatch: pytest.MonkeyPatch, portal: SsoPortal,
    status: int, error: str,
) -> None:
    write_token(sso_env, "corp", expires=datetime.timedelta(hours=1))
    portal.portal_error = (status, {"message": "Session token not found or invalid"})
    message = await failure(sso_env, monkeypatch, SESSION_CONFIG, "dev")
    assert f"HTTP {status}" in message and "Session token not found or invalid" in message
    assert "run `aws sso login --profile dev`" in message


def test_incomplete_sso_profile_is_a_clear_error(aws_home: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (aws_home / "config").write_text("[profile half]\nsso_session = nowhere\n"
                                     "sso_account_id = 1\nsso_role_name = r\n")
    monkeypatch.setenv("AWS_PROFILE", "half")
    with pytest.raises(CredentialsException, match=r"no \[sso-session nowhere\] section"):
        _default_credential_resolver(_load_client_config(region="us-east-1"), ca_file=None,
                                     timeout=1)
    (aws_home / "config").write_text(f"[profile half]\nsso_start_url = {START_URL}\n")
    with pytest.raises(CredentialsException,
                       match="lacks sso_region, sso_account_id, sso_role_name"):
        _default_credential_resolver(_load_client_config(region="us-east-1"), ca_file=None,
                                     timeout=1)


@pytest.mark.parametrize(
    "env, profile_extra, sso",
    [({}, "", True),
     ({"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"}, "", False),
     ({"AWS_WEB_IDENTITY_TOKEN_FILE": "/t"}, "", False),
     ({}, "role_arn = arn:aws:iam::1:role/x\nsource_profile = default\n", False)],
    ids=["sso", "environment-keys-first", "web-identity-first", "assume-role-first"],
)
def test_sso_has_the_aws_clis_place_in_the_chain(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, env: Dict[str, str],
    profile_extra: str, sso: bool,
) -> None:
    (aws_home / "config").write_text(SESSION_CONFIG.format(region="us-east-1").replace(
        "[profile dev]\n", "[profile dev]\n" + profile_extra))
    monkeypatch.setenv("AWS_PROFILE", "dev")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    resolver = _default_credential_resolver(_load_client_config(), ca_file=None, timeout=1)
    assert isinstance(resolver, _SsoCredentialResolver if sso else AwsCrtCredentialResolver)
