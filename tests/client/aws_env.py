"""A clean AWS environment for the configuration tests: no AWS_* variable, no
proxy variable, HOME and the shared files in a temporary directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                   "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture
def aws_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """HOME is a fresh directory with ``.aws/``; no AWS or proxy variable is set.

    :returns: the ``.aws`` directory (``config`` there is AWS_CONFIG_FILE's default).
    """
    for name in list(os.environ):
        if name.startswith("AWS_") or name in PROXY_VARIABLES:
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home / ".aws"
