"""Every setting of the client's table (docs/client.rst), in its order of precedence.

Option > environment > profile of the shared config file > default, as the
AWS SDKs' settings reference has it. Each test names the row it covers.
"""

from __future__ import annotations

import asyncio

from pathlib import Path
from typing import Dict

import pytest

from amazon_transcribe._config import _load_client_config, _no_proxy_matches, _Proxy
from amazon_transcribe.auth import StaticCredentialResolver
from amazon_transcribe.client import TranscribeStreamingClient
from amazon_transcribe.exceptions import NoRegionError, ValidationException

from .aws_env import aws_home  # noqa: F401  (a fixture)


def write_config(aws: Path, text: str) -> Path:
    path = aws / "config"
    path.write_text(text, encoding="utf-8")
    return path


CONFIG = """\
[default]
region = eu-west-1
use_fips_endpoint = true
sdk_ua_app_id = from-default

[profile work]
region = ap-southeast-2
use_dualstack_endpoint = TRUE
use_fips_endpoint = false
sdk_ua_app_id = from-work
ca_bundle = ~/work-ca.pem

[sso-session corp]
sso_region = us-east-1
"""


# -- AWS_PROFILE and AWS_CONFIG_FILE -------------------------------------------------


def test_default_profile_of_the_default_config_file(aws_home: Path) -> None:
    write_config(aws_home, CONFIG)
    config = _load_client_config()
    assert config.profile_name == "default"
    assert config.shared.path == str(aws_home / "config")
    assert (config.region, config.use_fips, config.app_id) == ("eu-west-1", True, "from-default")
    assert set(config.shared.sso_sessions) == {"corp"}


def test_aws_profile_selects_a_profile(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(aws_home, CONFIG)
    monkeypatch.setenv("AWS_PROFILE", "work")
    config = _load_client_config()
    assert (config.profile_name, config.region) == ("work", "ap-southeast-2")
    assert (config.use_fips, config.use_dualstack) == (False, True)


def test_aws_config_file_names_the_file(aws_home: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(aws_home, CONFIG)
    other = tmp_path / "elsewhere.ini"
    other.write_text("[default]\nregion = sa-east-1\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(other))
    assert _load_client_config().region == "sa-east-1"


def test_missing_config_file_is_empty(aws_home: Path) -> None:
    config = _load_client_config()
    assert (config.region, config.use_fips, config.use_dualstack, config.app_id) == (
        None, False, False, None)


def test_unparsable_config_file_is_a_typed_error(aws_home: Path) -> None:
    path = write_config(aws_home, "region = no section header\n")
    with pytest.raises(ValidationException, match=str(path)):
        _load_client_config()


# -- region ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, env, expected",
    [
        ("us-east-2", {"AWS_REGION": "ca-central-1", "AWS_DEFAULT_REGION": "eu-north-1"}, "us-east-2"),
        (None, {"AWS_REGION": "ca-central-1", "AWS_DEFAULT_REGION": "eu-north-1"}, "ca-central-1"),
        (None, {"AWS_DEFAULT_REGION": "eu-north-1"}, "eu-north-1"),
        (None, {}, "eu-west-1"),
    ],
    ids=["option", "AWS_REGION", "AWS_DEFAULT_REGION", "profile"],
)
def test_region_precedence(aws_home: Path, monkeypatch: pytest.MonkeyPatch,
                           option: str, env: Dict[str, str], expected: str) -> None:
    write_config(aws_home, CONFIG)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert TranscribeStreamingClient(region=option).region == expected


def test_no_region_anywhere_names_every_source(aws_home: Path) -> None:
    with pytest.raises(NoRegionError) as info:
        TranscribeStreamingClient()
    message = str(info.value)
    for source in ("region=", "AWS_REGION", "AWS_DEFAULT_REGION", "profile 'default'",
                   str(aws_home / "config")):
        assert source in message


# -- FIPS and dual-stack: the endpoint the client resolves -------------------------------


async def resolved(client: TranscribeStreamingClient) -> str:
    return await client.endpoint_resolver.resolve(client.region)


@pytest.mark.parametrize(
    "option, env, profile, expected",
    [
        (True, "false", "false", True),
        (False, "true", "true", False),
        (None, "true", "false", True),
        (None, "false", "true", False),
        (None, None, "true", True),
        (None, None, None, False),
    ],
    ids=["option-true", "option-false", "env-true", "env-false", "profile", "default"],
)
@pytest.mark.parametrize("setting", ["fips", "dualstack"])
async def test_fips_and_dualstack_precedence(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, setting: str,
    option: object, env: object, profile: object, expected: bool,
) -> None:
    key = {"fips": "use_fips_endpoint", "dualstack": "use_dualstack_endpoint"}[setting]
    variable = {"fips": "AWS_USE_FIPS_ENDPOINT", "dualstack": "AWS_USE_DUALSTACK_ENDPOINT"}[setting]
    write_config(aws_home, "[default]\nregion = us-west-2\n"
                 + (f"{key} = {profile}\n" if profile is not None else ""))
    if env is not None:
        monkeypatch.setenv(variable, str(env))
    client = TranscribeStreamingClient(**{key: option})
    host = {
        ("fips", True): "https://transcribestreaming-fips.us-west-2.amazonaws.com",
        ("fips", False): "https://transcribestreaming.us-west-2.amazonaws.com",
        ("dualstack", True): "https://transcribestreaming.us-west-2.api.aws",
        ("dualstack", False): "https://transcribestreaming.us-west-2.amazonaws.com",
    }[setting, expected]
    assert await resolved(client) == host


async def test_fips_and_dualstack_together_from_the_profile(aws_home: Path) -> None:
    write_config(aws_home, "[default]\nregion = cn-north-1\nuse_fips_endpoint = true\n"
                 "use_dualstack_endpoint = true\n")
    client = TranscribeStreamingClient()
    assert await resolved(client) == (
        "https://transcribestreaming-fips.cn-north-1.api.amazonwebservices.com.cn")


@pytest.mark.parametrize("where", ["env", "profile"])
def test_a_flag_that_is_not_true_or_false_is_refused(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "env":
        monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "yes")
    else:
        write_config(aws_home, "[default]\nuse_dualstack_endpoint = 1\n")
    with pytest.raises(ValidationException, match="must be true or false"):
        _load_client_config(region="us-east-1")


async def test_an_endpoint_url_wins_over_fips(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://generic.example:8443")
    client = TranscribeStreamingClient(region="us-east-1")
    assert await resolved(client) == "https://generic.example:8443"
    monkeypatch.setenv("AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING", "https://specific.example")
    assert await resolved(TranscribeStreamingClient(region="us-east-1")) == "https://specific.example"
    client = TranscribeStreamingClient(region="us-east-1", endpoint="https://option.example")
    assert await resolved(client) == "https://option.example"


# -- user agent app id ------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, env, expected",
    [("from-option", "from-env", "from-option"), (None, "from-env", "from-env"),
     (None, None, "from-default")],
    ids=["option", "AWS_SDK_UA_APP_ID", "profile"],
)
def test_app_id_precedence(aws_home: Path, monkeypatch: pytest.MonkeyPatch,
                           option: object, env: object, expected: str) -> None:
    write_config(aws_home, CONFIG)
    if env is not None:
        monkeypatch.setenv("AWS_SDK_UA_APP_ID", str(env))
    client = TranscribeStreamingClient(user_agent_app_id=option)  # type: ignore[arg-type]
    assert client.user_agent.endswith(f" app/{expected}")


# -- CA bundle ---------------------------------------------------------------------------


def test_ca_bundle_precedence(aws_home: Path, monkeypatch: pytest.MonkeyPatch,
                              tmp_path: Path) -> None:
    write_config(aws_home, CONFIG)
    monkeypatch.setenv("AWS_PROFILE", "work")
    home = str(aws_home.parent)
    assert _load_client_config().ca_bundle == f"{home}/work-ca.pem"
    monkeypatch.setenv("AWS_CA_BUNDLE", "/env/ca.pem")
    assert _load_client_config().ca_bundle == "/env/ca.pem"
    assert _load_client_config(ca_bundle=tmp_path / "option.pem").ca_bundle == str(
        tmp_path / "option.pem")


def test_ca_bundle_of_the_wrong_type_is_a_clear_error(aws_home: Path) -> None:
    with pytest.raises(ValidationException, match="ca_bundle must be a str or os.PathLike"):
        TranscribeStreamingClient(region="us-east-1", ca_bundle=42)  # type: ignore[arg-type]


async def test_ca_bundle_path_that_cannot_be_read_names_it(aws_home: Path,
                                                             tmp_path: Path) -> None:
    client = TranscribeStreamingClient(
        region="us-east-1", ca_bundle=tmp_path / "absent.pem", endpoint="https://127.0.0.1:1",
        credential_resolver=StaticCredentialResolver("AKIDEXAMPLE", "secret"))
    with pytest.raises(ValidationException, match="absent.pem"):
        await asyncio.wait_for(client.start_stream_transcription(
            language_code="en-US", media_sample_rate_hz=16000, media_encoding="pcm"), 10)


# -- proxy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, env, expected",
    [
        ("http://u:p%40ss@opt.example:3128", {"HTTPS_PROXY": "http://env.example:1"},
         _Proxy("opt.example", 3128, "u", "p@ss")),
        ("", {"HTTPS_PROXY": "http://env.example:1"}, None),
        (None, {"HTTPS_PROXY": "http://upper.example:2", "https_proxy": "http://lower.example:3"},
         _Proxy("upper.example", 2)),
        (None, {"https_proxy": "lower.example:3"}, _Proxy("lower.example", 3)),
        (None, {"https_proxy": "http://lower.example"}, _Proxy("lower.example", 80)),
        (None, {"HTTP_PROXY": "http://plain.example:4"}, None),
        (None, {}, None),
    ],
    ids=["option", "option-empty-disables", "HTTPS_PROXY", "https_proxy", "default-port-80",
         "HTTP_PROXY-not-read", "none"],
)
def test_proxy_precedence(aws_home: Path, monkeypatch: pytest.MonkeyPatch,
                          option: object, env: Dict[str, str], expected: object) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = _load_client_config(region="us-east-1", proxy=option)  # type: ignore[arg-type]
    assert config.proxy == expected


@pytest.mark.parametrize("url", ["https://proxy.example:443", "socks5://p.example:1080", "http://"])
def test_proxy_that_is_not_an_http_url_is_refused(aws_home: Path, url: str) -> None:
    with pytest.raises(ValidationException, match="proxy"):
        TranscribeStreamingClient(region="us-east-1", proxy=url)


@pytest.mark.parametrize(
    "rules, host, bypass",
    [
        ("*", "anything.example", True),
        ("amazonaws.com", "transcribestreaming.us-east-1.amazonaws.com", True),
        (".amazonaws.com", "transcribestreaming.us-east-1.amazonaws.com", True),
        ("amazonaws.com", "amazonaws.com", True),
        ("amazonaws.com", "notamazonaws.com", False),
        ("example.org, localhost", "LOCALHOST", True),
        ("10.0.0.0/8", "10.1.2.3", True),
        ("10.0.0.0/8", "11.1.2.3", False),
        ("127.0.0.1", "127.0.0.1", True),
        ("::1", "[::1]", True),
        ("fd00::/8", "fd12::1", True),
        ("10.0.0.0/8", "ten.example", False),
        ("", "anything.example", False),
    ],
)
def test_no_proxy_as_curl_reads_it(rules: str, host: str, bypass: bool) -> None:
    assert _no_proxy_matches(rules, host) is bypass


def test_no_proxy_variables(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("no_proxy", "internal.example")
    config = _load_client_config(region="us-east-1")
    assert config.proxy_for("svc.internal.example") is None
    assert config.proxy_for("transcribestreaming.us-east-1.amazonaws.com") == config.proxy
    monkeypatch.setenv("NO_PROXY", "amazonaws.com")
    config = _load_client_config(region="us-east-1")
    assert config.proxy_for("transcribestreaming.us-east-1.amazonaws.com") is None
    assert config.proxy_for("svc.internal.example") == config.proxy


def test_every_ca_bundle_parameter_takes_a_path(aws_home: Path, tmp_path: Path,
                                                transcribe_emulator_state_dir: Path) -> None:
    from amazon_transcribe._httpsession import _tls_context
    from amazon_transcribe.emulator.certs import ensure_certificates
    from amazon_transcribe.httpsession import AwsCrtHttpSessionManager

    ca = ensure_certificates(transcribe_emulator_state_dir).ca_cert  # a pathlib.Path
    _tls_context(ca)
    AwsCrtHttpSessionManager(None, ca_bundle=ca)
    with pytest.raises(ValidationException, match="absent.pem"):
        AwsCrtHttpSessionManager(None, ca_bundle=tmp_path / "absent.pem")
