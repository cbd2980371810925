"""The AWS configuration a client reads: options, environment, shared config file.

Every setting the SDK takes from outside its arguments is read here, once
per client, in the order the AWS SDKs document ("settings reference"): an
explicit option wins over the environment, the environment over the
selected profile of the shared config file, and that over the default.
``docs/client.rst`` has the table of every setting; keep it in step.

The shared config file is ``AWS_CONFIG_FILE`` (default ``~/.aws/config``);
its sections are ``[default]``, ``[profile NAME]`` and ``[sso-session NAME]``.
The profile is ``AWS_PROFILE`` (default ``default``). A missing file is an
empty one; a file that cannot be parsed is a typed error naming it.

Pure: reads files and the environment handed to it; no network, no awscrt.
"""

from __future__ import annotations

import configparser
import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple, Union
from urllib.parse import unquote, urlsplit

from .exceptions import ValidationException

#: A file path as the SDK accepts one.
_PathArg = Union[str, "os.PathLike[str]"]

_DEFAULT_PROFILE = "default"


def _fspath(path: Optional[_PathArg], what: str) -> Optional[str]:
    """Return ``path`` as a string (``str`` and ``os.PathLike`` are accepted).

    :raises ValidationException: ``path`` is neither.
    """
    if path is None:
        return None
    try:
        value = os.fspath(path)
    except TypeError:
        raise ValidationException(
            f"{what} must be a str or os.PathLike file path, not {type(path).__name__}"
        ) from None
    if not isinstance(value, str):
        raise ValidationException(f"{what} must be a text path, not bytes: {value!r}")
    return value


def _bool_setting(value: Optional[str], name: str) -> Optional[bool]:
    """Read ``true``/``false`` (any case) as the AWS SDKs do; ``None`` if unset.

    :raises ValidationException: any other value.
    """
    if value is None or not value.strip():
        return None
    text = value.strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise ValidationException(f"{name} must be true or false, not {value!r}")


def _read_ini(path: str, what: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        pass  # no file is an empty file, as for every AWS SDK
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise ValidationException(f"cannot read the AWS {what} {path}: {exc}") from exc
    return parser


@dataclass(frozen=True)
class _SharedConfig:
    """The shared config file, parsed: profiles and SSO sessions by name."""

    #: The file it was read from.
    path: str
    #: ``[default]`` / ``[profile NAME]`` sections by profile name.
    profiles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: ``[sso-session NAME]`` sections by session name.
    sso_sessions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str) -> "_SharedConfig":
        parser = _read_ini(path, "config file")
        profiles: Dict[str, Dict[str, str]] = {}
        sessions: Dict[str, Dict[str, str]] = {}
        for section in parser.sections():
            values = {key.lower(): value.strip() for key, value in parser.items(section)}
            words = section.split(None, 1)
            if section == _DEFAULT_PROFILE:
                # "[profile default]" wins over "[default]" when both exist.
                profiles.setdefault(_DEFAULT_PROFILE, values)
            elif len(words) == 2 and words[0] == "profile":
                profiles[words[1].strip()] = values
            elif len(words) == 2 and words[0] == "sso-session":
                sessions[words[1].strip()] = values
            # Other sections ("[services X]"...) hold nothing this SDK reads.
        return cls(path=path, profiles=profiles, sso_sessions=sessions)


@dataclass(frozen=True)
class _Proxy:
    """An HTTP proxy that tunnels (``CONNECT``) to the service.

    :param host: the proxy's host name or IP address.
    :param port: its port.
    :param username: the Basic-auth user, if any.
    :param password: the Basic-auth password, if any.
    """

    host: str
    port: int
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str, source: str) -> "_Proxy":
        """Read ``[http://][user[:password]@]host[:port]`` (port 80 by default, as curl).

        :raises ValidationException: not such a URL.
        """
        text = url.strip()
        if "://" not in text:
            text = "http://" + text  # curl's reading of a bare host:port
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise ValidationException(f"{source}: invalid proxy URL {url!r}: {exc}") from None
        if parts.scheme != "http" or not parts.hostname:
            raise ValidationException(
                f"{source}: the proxy must be an http:// URL with a host (the SDK "
                f"opens a CONNECT tunnel through it), not {url!r}"
            )
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(parts.hostname, port or 80, username, password)


def _no_proxy_matches(rules: str, host: str) -> bool:
    """Whether ``NO_PROXY`` rules exclude ``host``, read as curl reads them.

    Comma-separated entries: ``*`` matches every host; a name matches itself
    and its subdomains (a leading dot is ignored); an IP address matches
    itself and a CIDR block (``10.0.0.0/8``) its addresses. Case is ignored.
    """
    name = host.strip("[]").lower().rstrip(".")
    try:
        address: Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]] = (
            ipaddress.ip_address(name)
        )
    except ValueError:
        address = None
    for entry in rules.split(","):
        rule = entry.strip().lower()
        if not rule:
            continue
        if rule == "*":
            return True
        if address is not None:
            try:
                if address in ipaddress.ip_network(rule.strip("[]"), strict=False):
                    return True
            except ValueError:
                pass
            continue
        rule = rule.lstrip(".").rstrip(".")
        if name == rule or name.endswith("." + rule):
            return True
    return False


def _first_env(environ: Mapping[str, str], *names: str) -> Tuple[Optional[str], Optional[str]]:
    for name in names:
        value = environ.get(name)
        if value is not None and value.strip():
            return name, value.strip()
    return None, None


@dataclass(frozen=True)
class _ClientConfig:
    """What one client resolved from its options, the environment and the profile."""

    #: The selected profile's name.
    profile_name: str
    #: The selected profile's keys (empty when the profile does not exist).
    profile: Mapping[str, str]
    #: The whole shared config file.
    shared: _SharedConfig
    #: The environment it was read from.
    environ: Mapping[str, str]
    region: Optional[str]
    use_fips: bool
    use_dualstack: bool
    app_id: Optional[str]
    endpoint: Optional[str]
    ca_bundle: Optional[str]
    #: The proxy (``None``: connect directly) and the NO_PROXY rules.
    proxy: Optional[_Proxy]
    no_proxy: str

    def proxy_for(self, host: str) -> Optional[_Proxy]:
        """The proxy to reach ``host`` through, or ``None`` when NO_PROXY excludes it."""
        if self.proxy is None or _no_proxy_matches(self.no_proxy, host):
            return None
        return self.proxy


def _load_client_config(
    *,
    region: Optional[str] = None,
    use_fips: Optional[bool] = None,
    use_dualstack: Optional[bool] = None,
    app_id: Optional[str] = None,
    endpoint: Optional[str] = None,
    ca_bundle: Optional[_PathArg] = None,
    proxy: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> _ClientConfig:
    """Resolve every setting: option > environment > profile > default.

    :param region: the ``region=`` option.
    :param use_fips: the ``use_fips_endpoint=`` option.
    :param use_dualstack: the ``use_dualstack_endpoint=`` option.
    :param app_id: the ``user_agent_app_id=`` option.
    :param endpoint: the ``endpoint=`` option.
    :param ca_bundle: the ``ca_bundle=`` option.
    :param proxy: the ``proxy=`` option; ``""`` means no proxy, whatever
        the environment says.
    :param environ: the environment; ``os.environ`` by default.
    :returns: the resolved configuration.
    :raises ValidationException: a setting has an invalid value, the config
        file cannot be parsed.
    """
    env: Mapping[str, str] = dict(os.environ if environ is None else environ)
    config_path = env.get("AWS_CONFIG_FILE") or str(Path("~/.aws/config"))
    shared = _SharedConfig.load(os.path.expanduser(config_path))
    explicit_profile = (env.get("AWS_PROFILE") or "").strip()
    profile_name = explicit_profile or _DEFAULT_PROFILE
    # A profile that is not in the config file reads as empty: it may be in
    # the credentials file, and the credential chain says so if it is not.
    profile = shared.profiles.get(profile_name, {})

    if region is None:
        _, region = _first_env(env, "AWS_REGION", "AWS_DEFAULT_REGION")
    if region is None:
        region = profile.get("region") or None

    def flag(option: Optional[bool], variable: str, key: str) -> bool:
        if option is not None:
            return bool(option)
        value = _bool_setting(env.get(variable), variable)
        if value is None:
            value = _bool_setting(profile.get(key), f"{key} in profile {profile_name!r}")
        return bool(value)

    fips = flag(use_fips, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")
    dualstack = flag(use_dualstack, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")

    if app_id is None:
        _, app_id = _first_env(env, "AWS_SDK_UA_APP_ID")
    if app_id is None:
        app_id = profile.get("sdk_ua_app_id") or None

    if endpoint is None:
        _, endpoint = _first_env(
            env, "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING", "AWS_ENDPOINT_URL"
        )

    bundle = _fspath(ca_bundle, "ca_bundle")
    if bundle is None:
        _, bundle = _first_env(env, "AWS_CA_BUNDLE")
    if bundle is None:
        bundle = profile.get("ca_bundle") or None
    if bundle is not None:
        bundle = os.path.expanduser(bundle)

    if proxy is not None:
        resolved_proxy = _Proxy.parse(proxy, "proxy=") if proxy.strip() else None
    else:
        variable, value = _first_env(env, "HTTPS_PROXY", "https_proxy")
        resolved_proxy = _Proxy.parse(value, variable) if value and variable else None
    _, no_proxy = _first_env(env, "NO_PROXY", "no_proxy")

    return _ClientConfig(
        profile_name=profile_name,
        profile=profile,
        shared=shared,
        environ=env,
        region=region,
        use_fips=fips,
        use_dualstack=dualstack,
        app_id=app_id,
        endpoint=endpoint,
        ca_bundle=bundle,
        proxy=resolved_proxy,
        no_proxy=no_proxy or "",
    )
