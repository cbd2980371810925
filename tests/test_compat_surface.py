"""The 0.6.4 names of auth, endpoints and exceptions, and the package's import hygiene."""

from __future__ import annotations

import inspect
import json
import pathlib
import subprocess
import sys

import pytest

from amazon_transcribe import auth, endpoints, exceptions
from amazon_transcribe.exceptions import (
    BadRequestException,
    ConflictException,
    InternalFailureException,
    LimitExceededException,
    SDKError,
    SerializationException,
    ServiceException,
    ServiceUnavailableException,
    UnknownServiceException,
    _service_exception,
)


def test_exception_tree_of_0_6_4() -> None:
    for name in ("CredentialsException", "HTTPException", "SerializerException",
                 "ValidationException", "ServiceException"):
        assert getattr(exceptions, name).__bases__ == (SDKError,)
    for cls in (BadRequestException, ConflictException, InternalFailureException,
                LimitExceededException, ServiceUnavailableException, SerializationException,
                UnknownServiceException):
        assert issubclass(cls, ServiceException)


@pytest.mark.parametrize(
    "cls, status, retryable",
    [
        (BadRequestException, 400, False),
        (ConflictException, 409, False),
        (LimitExceededException, 429, True),
        (InternalFailureException, 500, True),
        (ServiceUnavailableException, 503, True),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_service_exceptions_keep_the_positional_message(cls: type, status: int,
                                                        retryable: bool) -> None:
    exc = cls("stream timed out")
    assert exc.message == "stream timed out"
    assert exc.status_code == status and exc.retryable is retryable
    assert str(exc) == f"{cls.__name__}: stream timed out"


def test_unknown_service_exception_0_6_4_order() -> None:
    exc = UnknownServiceException(418, "TeapotException", "short and stout")
    assert (exc.status_code, exc.error_code, exc.message) == (418, "TeapotException",
                                                              "short and stout")
    assert "TeapotException: short and stout" in str(exc)


@pytest.mark.parametrize(
    "raw, cls",
    [
        ("BadRequestException", BadRequestException),
        ("BadRequestException:http://internal.amazon.com/coral/", BadRequestException),
        ("com.amazonaws.transcribestreaming#LimitExceededException", LimitExceededException),
        ("__class__", UnknownServiceException),  # never looked up as an attribute
        ("SDKError", UnknownServiceException),
        (None, UnknownServiceException),
    ],
    ids=["bare", "colon-suffix", "namespaced", "dunder", "non-service-class", "missing"],
)
def test_registry_lookup(raw: str | None, cls: type) -> None:
    exc = _service_exception(raw, "msg", status_code=400, request_id="rid-1")
    assert type(exc) is cls
    assert exc.request_id == "rid-1" and "rid-1" in str(exc)


def test_auth_names_and_signatures() -> None:
    creds = auth.Credentials("AKID", "SECRET", "TOKEN")
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token) == (
        "AKID", "SECRET", "TOKEN")
    assert "SECRET" not in repr(creds) and "TOKEN" not in repr(creds)
    static = auth.StaticCredentialResolver("AKID", "SECRET")
    assert isinstance(static, auth.Credentials) and isinstance(static, auth.CredentialResolver)
    params = inspect.signature(auth.AwsCrtCredentialResolver).parameters
    assert list(params)[0] == "eventloop"


async def test_static_resolver_resolves_to_itself() -> None:
    static = auth.StaticCredentialResolver("AKID", "SECRET")
    assert await static.get_credentials() is static


async def test_crt_chain_reads_the_environment(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: object) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SECRETENV")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    resolver = auth.AwsCrtCredentialResolver(None)
    creds = await resolver.get_credentials()
    assert creds is not None
    assert (creds.access_key_id, creds.secret_access_key) == ("AKIDENV", "SECRETENV")


async def test_crt_profile_without_credentials_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: "pathlib.Path"
) -> None:
    config = tmp_path / "config"
    config.write_text("[profile other]\nregion = us-east-1\n")
    credentials = tmp_path / "credentials"
    credentials.write_text("[other]\naws_access_key_id = A\naws_secret_access_key = B\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    # awscrt checks the profile when the provider is made, so the error comes then.
    with pytest.raises(exceptions.CredentialsException, match="profile 'missing'"):
        auth.AwsCrtCredentialResolver(profile_name="missing", timeout=5)
    found = await auth.AwsCrtCredentialResolver(profile_name="other", timeout=5).get_credentials()
    assert found is not None and (found.access_key_id, found.secret_access_key) == ("A", "B")


def test_unreadable_profile_files_fail_clearly(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: "pathlib.Path") -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent-credentials"))
    with pytest.raises(exceptions.CredentialsException, match="profile 'x'"):
        auth.AwsCrtCredentialResolver(profile_name="x")


@pytest.mark.parametrize(
    "region, kwargs, url",
    [
        ("us-east-1", {}, "https://transcribestreaming.us-east-1.amazonaws.com"),
        ("cn-north-1", {}, "https://transcribestreaming.cn-north-1.amazonaws.com.cn"),
        ("us-gov-west-1", {"use_fips": True},
         "https://transcribestreaming-fips.us-gov-west-1.amazonaws.com"),
        ("fips-us-east-1", {}, "https://transcribestreaming-fips.us-east-1.amazonaws.com"),
        ("eu-west-1", {"use_dualstack": True}, "https://transcribestreaming.eu-west-1.api.aws"),
        ("us-isob-east-1", {}, "https://transcribestreaming.us-isob-east-1.sc2s.sgov.gov"),
    ],
    ids=["aws", "china", "govcloud-fips", "fips-pseudo-region", "dualstack", "iso-b"],
)
async def test_region_endpoints(region: str, kwargs: dict, url: str) -> None:
    assert endpoints._endpoint_for_region(region, **kwargs) == url
    assert await endpoints.RegionEndpointResolver(**kwargs).resolve(region) == url


async def test_0_6_4_resolvers() -> None:
    assert await endpoints._TranscribeRegionEndpointResolver().resolve("cn-northwest-1") == (
        "https://transcribestreaming.cn-northwest-1.amazonaws.com.cn")
    static = endpoints.StaticEndpointResolver("https://127.0.0.1:8443")
    assert await static.resolve("us-west-2") == "https://127.0.0.1:8443"
    assert endpoints._signing_region("fips-us-east-1") == "us-east-1"


@pytest.mark.parametrize("bad", ["", "us east 1", "us-east-1/../x"], ids=["empty", "space", "path"])
def test_bad_regions(bad: str) -> None:
    with pytest.raises(exceptions.ValidationException):
        endpoints._endpoint_for_region(bad)


def test_static_endpoint_must_be_a_url() -> None:
    with pytest.raises(exceptions.ValidationException, match="not an http"):
        endpoints.StaticEndpointResolver("localhost:8443")


def test_endpoint_from_environment() -> None:
    env = {"AWS_ENDPOINT_URL": "https://a", "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING": "https://b"}
    assert endpoints._endpoint_from_environment(env) == "https://b"
    assert endpoints._endpoint_from_environment({"AWS_ENDPOINT_URL": "https://a"}) == "https://a"
    assert endpoints._endpoint_from_environment({}) is None


def test_import_has_no_side_effects() -> None:
    # In a fresh interpreter: importing every module starts no thread (Python
    # or native) and creates no event loop.
    code = """
import asyncio, json, os, sys, threading
before = len(os.listdir('/proc/self/task'))
import amazon_transcribe, amazon_transcribe.auth, amazon_transcribe.endpoints
import amazon_transcribe.exceptions, amazon_transcribe.eventstream, amazon_transcribe.signer
import amazon_transcribe.sigv4, amazon_transcribe.crt
after = len(os.listdir('/proc/self/task'))
policy = asyncio.get_event_loop_policy()
print(json.dumps({"before": before, "after": after, "threads": threading.active_count(),
                  "loop": getattr(policy, "_local", None) is not None
                          and getattr(policy._local, "_loop", None) is not None}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    result = json.loads(out.stdout)
    assert result == {"before": 1, "after": 1, "threads": 1, "loop": False}


def test_version_and_crt_event_loop() -> None:
    import amazon_transcribe

    assert amazon_transcribe.__version__.count(".") == 2
    loop = amazon_transcribe.AWSCRTEventLoop()
    from awscrt.io import ClientBootstrap

    assert isinstance(loop.bootstrap, ClientBootstrap)
    assert amazon_transcribe.AWSCRTEventLoop().bootstrap is loop.bootstrap  # one group


def test_sans_io_core_imports_neither_asyncio_nor_awscrt_http() -> None:
    # The codec, the event chain, the shapes and their (de)serializers (the
    # core's private modules; the 0.6.4 paths add the compatibility layer).
    code = """
import sys
import amazon_transcribe._eventstream, amazon_transcribe._signer, amazon_transcribe._serialize
import amazon_transcribe._deserialize, amazon_transcribe.shapes, amazon_transcribe.medical
import amazon_transcribe.call_analytics, amazon_transcribe.medical_scribe
bad = sorted(m for m in sys.modules if m == 'asyncio' or m.startswith('awscrt'))
print(','.join(bad))
"""
    # amazon_transcribe/__init__ imports awscrt.io for AWSCRTEventLoop; the
    # core modules themselves must add neither asyncio nor awscrt.http.
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    loaded = set(filter(None, out.stdout.strip().split(",")))
    assert "asyncio" not in loaded and "awscrt.http" not in loaded
