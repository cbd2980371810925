"""Credentials of an IAM Identity Center (SSO) profile, as the AWS CLI gets them.

A profile of the shared config file is an SSO profile in one of two forms:

* ``sso_session = NAME`` pointing at an ``[sso-session NAME]`` section with
  ``sso_start_url`` and ``sso_region`` (the token may be refreshed);
* the legacy form, ``sso_start_url`` and ``sso_region`` in the profile itself
  (the token cannot be refreshed; ``aws sso login`` makes a new one).

Both also name ``sso_account_id`` and ``sso_role_name``. ``aws sso login``
leaves the access token in ``~/.aws/sso/cache/<sha1>.json``, the SHA-1 (hex)
of the session name, or of the start URL for the legacy form. With that
token the SSO portal's ``GetRoleCredentials``
(``GET /federation/credentials?account_id=..&role_name=..``, header
``x-amz-sso_bearer_token``) gives temporary role credentials, which are
kept until shortly before they expire. A token near its expiry is refreshed
with the SSO OIDC ``CreateToken`` call (``grantType`` ``refresh_token``)
when the cache holds a refresh token and a client registration that has not
expired; the refreshed token is written back to the cache, as the CLI does.

``AWS_ENDPOINT_URL_SSO`` and ``AWS_ENDPOINT_URL_SSO_OIDC`` replace the two
endpoints (private endpoints, tests).

The two calls are small HTTPS request/response exchanges made at most once
per credential lifetime, so they use the standard library's ``urllib`` in a
worker thread (bounded by a timeout) rather than awscrt's HTTP client: that
keeps CRT callbacks out of this module, and ``urllib`` already speaks
HTTP/1.1 with Python's TLS, proxies and CA files.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import json
import logging
import os
import ssl
import tempfile
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Mapping, Optional, Tuple
from urllib.parse import quote, urlencode, urlsplit

from ._config import _ClientConfig
from .auth import CredentialResolver, Credentials
from .exceptions import CredentialsException

logger = logging.getLogger("amazon_transcribe.auth")

#: Refresh a token that expires within this long, as the AWS CLI does.
_TOKEN_REFRESH_WINDOW = datetime.timedelta(minutes=15)
#: Fetch role credentials again when they expire within this long.
_CREDENTIALS_MARGIN = datetime.timedelta(minutes=5)
#: The largest response body read from the portal or OIDC (a few hundred bytes).
_MAX_BODY = 64 * 1024

_Clock = Callable[[], datetime.datetime]


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _is_sso_profile(profile: Mapping[str, str]) -> bool:
    """Whether a profile asks for SSO credentials (either form)."""
    return bool(profile.get("sso_session") or profile.get("sso_start_url"))


def _parse_time(value: Any, what: str) -> datetime.datetime:
    """Read the cache's times: ``2024-05-01T12:00:00Z`` (or ``...UTC``, older CLIs)."""
    if not isinstance(value, str):
        raise ValueError(f"{what} is missing")
    text = value.strip()
    if text.endswith("UTC"):
        text = text[:-3] + "+00:00"
    elif text.endswith("Z"):
        text = text[:-1] + "+00:00"
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


def _format_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _SsoCredentialResolver(CredentialResolver):
    """Role credentials of an SSO profile (see the module documentation).

    :param config: the client's configuration; its selected profile is the
        SSO profile.
    :param ca_file: a CA bundle to trust for the SSO endpoints, else the
        system store.
    :param timeout: seconds each HTTPS call may take.
    :param clock: the current instant (aware UTC); the system clock by default.
    :raises CredentialsException: the profile's SSO settings are incomplete.
    """

    def __init__(
        self,
        config: _ClientConfig,
        *,
        ca_file: Optional[str] = None,
        timeout: float = 10.0,
        clock: Optional[_Clock] = None,
    ) -> None:
        self._config = config
        self._profile_name = config.profile_name
        profile = config.profile
        session_name = profile.get("sso_session")
        where = f"profile {self._profile_name!r} in {config.shared.path}"
        if session_name:
            session = config.shared.sso_sessions.get(session_name)
            if session is None:
                raise CredentialsException(
                    f"{where} names sso_session {session_name!r}, but there is no "
                    f"[sso-session {session_name}] section"
                )
            settings, source = session, f"[sso-session {session_name}]"
            self._cache_key = session_name
        else:
            settings, source = profile, where
            self._cache_key = profile.get("sso_start_url", "")
        self._refreshable = bool(session_name)
        missing = [key for key in ("sso_start_url", "sso_region") if not settings.get(key)]
        missing += [key for key in ("sso_account_id", "sso_role_name") if not profile.get(key)]
        if missing:
            raise CredentialsException(
                f"{where} is an SSO profile but lacks {', '.join(missing)} (in {source}"
                " or the profile); run `aws configure sso "
                f"--profile {self._profile_name}` to set it up"
            )
        self._start_url = settings["sso_start_url"]
        self._sso_region = settings["sso_region"]
        self._account_id = profile["sso_account_id"]
        self._role_name = profile["sso_role_name"]
        self._ca_file = ca_file
        self._timeout = timeout
        self._clock = clock or _utc_now
        self._cached: Optional[Tuple[Credentials, datetime.datetime]] = None
        # Made on first use: a lock binds to the loop it is first used in.
        self._lock: Optional[asyncio.Lock] = None

    # -- what the user is told ------------------------------------------------

    def _login_hint(self) -> str:
        return f"run `aws sso login --profile {self._profile_name}`"

    # -- the cache of `aws sso login` -------------------------------------------

    def _cache_path(self) -> str:
        name = hashlib.sha1(self._cache_key.encode("utf-8")).hexdigest() + ".json"
        return os.path.join(os.path.expanduser("~/.aws/sso/cache"), name)

    def _read_token(self) -> Dict[str, Any]:
        path = self._cache_path()
        try:
            with open(path, encoding="utf-8") as handle:
                token = json.load(handle)
        except FileNotFoundError:
            raise CredentialsException(
                f"no SSO token for profile {self._profile_name!r} (no {path}): "
                f"{self._login_hint()}"
            ) from None
        except (OSError, ValueError) as exc:
            raise CredentialsException(
                f"the SSO token cache {path} cannot be read ({exc}): {self._login_hint()}"
            ) from None
        if not isinstance(token, dict) or not isinstance(token.get("accessToken"), str):
            raise CredentialsException(
                f"the SSO token cache {path} has no accessToken: {self._login_hint()}"
            )
        return token

    def _write_token(self, token: Mapping[str, Any]) -> None:
        path = self._cache_path()
        directory = os.path.dirname(path)
        try:
            handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(token, out)
            os.replace(temporary, path)
        except OSError as exc:
            # The refreshed token still serves this process; the next
            # process refreshes again.
            logger.warning("could not write the refreshed SSO token to %s: %s", path, exc)

    # -- HTTPS ------------------------------------------------------------------

    def _endpoint(self, variable: str, default: str) -> str:
        value = self._config.environ.get(variable, "").strip()
        return (value or default).rstrip("/")

    def _call(
        self, method: str, url: str, headers: Mapping[str, str], body: Optional[bytes]
    ) -> Tuple[int, bytes]:
        """One HTTPS exchange (in a worker thread): ``(status, body)``."""
        context = ssl.create_default_context(cafile=self._ca_file)
        proxy = self._config.proxy_for(urlsplit(url).hostname or "")
        proxies: Dict[str, str] = {}
        if proxy is not None:
            auth = ""
            if proxy.username is not None:
                auth = quote(proxy.username, safe="")
                if proxy.password is not None:
                    auth += ":" + quote(proxy.password, safe="")
                auth += "@"
            proxies["https"] = f"http://{auth}{proxy.host}:{proxy.port}"
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler(proxies), urllib.request.HTTPSHandler(context=context)
        )
        request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
        try:
            with opener.open(request, timeout=self._timeout) as response:
                return response.status, response.read(_MAX_BODY)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read(_MAX_BODY)

    async def _https(
        self, method: str, url: str, headers: Mapping[str, str], body: Optional[bytes] = None
    ) -> Tuple[int, bytes]:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(None, self._call, method, url, headers, body),
                self._timeout + 1,
            )
        except asyncio.TimeoutError:
            raise CredentialsException(
                f"{url} did not answer within {self._timeout:g} s"
            ) from None
        except (OSError, ValueError) as exc:  # URLError is an OSError
            raise CredentialsException(f"cannot reach {url}: {exc}") from exc

    # -- the token --------------------------------------------------------------

    async def _access_token(self) -> str:
        token = self._read_token()
        now = self._clock()
        try:
            expires = _parse_time(token.get("expiresAt"), "expiresAt")
        except ValueError as exc:
            raise CredentialsException(
                f"the SSO token cache {self._cache_path()} has an unreadable expiresAt "
                f"({exc}): {self._login_hint()}"
            ) from None
        if expires - now > _TOKEN_REFRESH_WINDOW:
            return str(token["accessToken"])
        refreshed = await self._refresh(token, now)
        if refreshed is not None:
            return refreshed
        if expires > now:
            return str(token["accessToken"])  # still valid; refresh next time
        raise CredentialsException(
            f"the SSO token of profile {self._profile_name!r} expired at "
            f"{_format_time(expires)}: {self._login_hint()}"
        )

    async def _refresh(self, token: Dict[str, Any], now: datetime.datetime) -> Optional[str]:
        """Refresh the token through SSO OIDC, if the cache allows: the new access token."""
        if not self._refreshable:
            return None
        needed = ("refreshToken", "clientId", "clientSecret", "registrationExpiresAt")
        if not all(isinstance(token.get(key), str) for key in needed):
            return None
        try:
            if _parse_time(token["registrationExpiresAt"], "registrationExpiresAt") <= now:
                return None
        except ValueError:
            return None
        url = self._endpoint(
            "AWS_ENDPOINT_URL_SSO_OIDC", f"https://oidc.{self._sso_region}.amazonaws.com"
        ) + "/token"
        body = json.dumps(
            {
                "grantType": "refresh_token",
                "clientId": token["clientId"],
                "clientSecret": token["clientSecret"],
                "refreshToken": token["refreshToken"],
            }
        ).encode("utf-8")
        try:
            status, answer = await self._https(
                "POST", url, {"content-type": "application/json"}, body
            )
            data = json.loads(answer) if status == 200 else None
            if not isinstance(data, dict) or not isinstance(data.get("accessToken"), str):
                logger.info("SSO token refresh refused (HTTP %d)", status)
                return None
            expires_in = int(data["expiresIn"])
        except (CredentialsException, ValueError, KeyError, TypeError) as exc:
            logger.info("SSO token refresh failed: %s", exc)
            return None
        token = dict(token)
        token["accessToken"] = data["accessToken"]
        token["expiresAt"] = _format_time(now + datetime.timedelta(seconds=expires_in))
        if isinstance(data.get("refreshToken"), str):
            token["refreshToken"] = data["refreshToken"]
        self._write_token(token)
        return str(data["accessToken"])

    # -- the role credentials ----------------------------------------------------

    async def get_credentials(self) -> Credentials:
        """Return the role credentials, fetched again only near their expiry.

        :returns: the credentials the SSO portal gave for the profile's role.
        :raises CredentialsException: no usable token (missing, expired and
            not refreshable) or the portal refused it; the message says
            which ``aws sso login`` to run.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            now = self._clock()
            if self._cached is not None and self._cached[1] - now > _CREDENTIALS_MARGIN:
                return self._cached[0]
            credentials, expiration = await self._role_credentials()
            self._cached = (credentials, expiration)
            return credentials

    async def _role_credentials(self) -> Tuple[Credentials, datetime.datetime]:
        access_token = await self._access_token()
        portal = self._endpoint(
            "AWS_ENDPOINT_URL_SSO", f"https://portal.sso.{self._sso_region}.amazonaws.com"
        )
        query = urlencode({"account_id": self._account_id, "role_name": self._role_name})
        url = f"{portal}/federation/credentials?{query}"
        status, body = await self._https("GET", url, {"x-amz-sso_bearer_token": access_token})
        if status in (401, 403):
            raise CredentialsException(
                f"the SSO portal refused the token of profile {self._profile_name!r} "
                f"(HTTP {status}{_error_text(body)}): {self._login_hint()}"
            )
        if status != 200:
            raise CredentialsException(
                f"the SSO portal answered HTTP {status}{_error_text(body)} for role "
                f"{self._role_name!r} of account {self._account_id}"
            )
        try:
            role = json.loads(body)["roleCredentials"]
            credentials = Credentials(
                str(role["accessKeyId"]), str(role["secretAccessKey"]), role.get("sessionToken")
            )
            expiration = datetime.datetime.fromtimestamp(
                int(role["expiration"]) / 1000, datetime.timezone.utc
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise CredentialsException(
                f"the SSO portal's answer has no usable roleCredentials: {exc!r}"
            ) from None
        return credentials, expiration


def _error_text(body: bytes) -> str:
    """``: message`` from an AWS JSON error body, if it has one."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    message = data.get("message") or data.get("Message") if isinstance(data, dict) else None
    return f": {message}" if isinstance(message, str) else ""
