"""The ``User-Agent`` the SDK sends, in the form the AWS SDKs share.

``amazon-transcribe/0.7.0 ua/2.1 os/linux#6.1.0 lang/python#3.11.2
md/pyimpl#CPython md/awscrt#0.38.1 app/my-app extra``: SDK name and version,
the user-agent format version, OS, language, the HTTP/TLS runtime, then the
app id (``user_agent_app_id=``, ``AWS_SDK_UA_APP_ID`` or the profile's
``sdk_ua_app_id``) and whatever the caller appends (``user_agent_extra=``).

Pure: reads only the interpreter's and awscrt's own version facts.
"""

from __future__ import annotations

import platform
import re
import sys
from functools import lru_cache
from typing import Optional

from . import __version__

#: The SDK's name in the user agent.
_SDK_NAME = "amazon-transcribe"
#: The longest app id the AWS SDKs send (their settings reference's limit).
_MAX_APP_ID = 50

# Characters a user-agent token may hold (RFC 9110 "tchar"); the AWS SDKs
# replace any other character with "-", and so does this module.
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9!$%&'*+\-.^_`|~]")


def _token(value: str) -> str:
    return _NOT_TOKEN.sub("-", value)


@lru_cache(maxsize=1)
def _base_user_agent() -> str:
    """The part of the user agent that depends on nothing the caller sets."""
    try:
        from importlib.metadata import version

        awscrt_version = version("awscrt")
    except Exception:  # not installed as a distribution (vendored): say so
        awscrt_version = "unknown"
    system = platform.system().lower() or "other"
    parts = [
        f"{_SDK_NAME}/{_token(__version__)}",
        "ua/2.1",
        f"os/{_token(system)}#{_token(platform.release() or 'unknown')}",
        f"lang/python#{_token(platform.python_version())}",
        f"md/pyimpl#{_token(sys.implementation.name)}",
        f"md/awscrt#{_token(awscrt_version)}",
    ]
    return " ".join(parts)


def _user_agent(app_id: Optional[str] = None, extra: Optional[str] = None) -> str:
    """The ``User-Agent`` header value.

    :param app_id: the application id; characters outside a header token
        become ``-`` and it is cut to 50 characters, as the AWS SDKs do.
    :param extra: appended as given, after a space (the caller's own tokens).
    :returns: the header value.
    """
    value = _base_user_agent()
    if app_id:
        value += f" app/{_token(app_id.strip())[:_MAX_APP_ID]}"
    if extra and extra.strip():
        # Header values cannot carry line breaks; nothing else is changed.
        value += " " + " ".join(extra.split())
    return value
