"""A pytest plugin: the ``transcribe_emulator`` fixture, to test apps against the emulator.

Registered as a ``pytest11`` entry point, so installing the package with its
``emulator`` extra makes the fixture available to every test suite::

    async def test_my_app(transcribe_emulator):
        monkeypatch.setenv(...)  # or: os.environ.update(transcribe_emulator.environment())
        ...

The fixture starts a :class:`~amazon_transcribe.emulator.TranscribeEmulator`
with the scripted engine on a free port of 127.0.0.1, its certificates in a
temporary directory shared by the test session, and closes it after the
test. It needs ``pytest-asyncio`` and works in its strict and auto modes.

Importing this module imports neither the emulator nor ``h2``: pytest loads
every installed plugin, also where the ``emulator`` extra is not installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, AsyncIterator

import pytest

if TYPE_CHECKING:
    from amazon_transcribe.emulator.app import TranscribeEmulator

__all__ = ["transcribe_emulator", "transcribe_emulator_state_dir"]

try:
    import pytest_asyncio

    _HAVE_PYTEST_ASYNCIO = True
except ImportError:  # pragma: no cover - without pytest-asyncio there is no fixture
    _HAVE_PYTEST_ASYNCIO = False


@pytest.fixture(scope="session")
def transcribe_emulator_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary state directory for the session's emulators (certificates
    are made once per test session).

    :param tmp_path_factory: pytest's temporary directory factory.
    :returns: the directory.
    """
    return tmp_path_factory.mktemp("transcribe-emulator")


if _HAVE_PYTEST_ASYNCIO:

    @pytest_asyncio.fixture
    async def transcribe_emulator(
        transcribe_emulator_state_dir: Path,
    ) -> AsyncIterator["TranscribeEmulator"]:
        """A running emulator (scripted engine, free port), closed after the test.

        :param transcribe_emulator_state_dir: where its certificates are kept.
        :returns: the emulator (yielded).
        """
        from amazon_transcribe.emulator.app import TranscribeEmulator

        async with TranscribeEmulator(state_dir=transcribe_emulator_state_dir) as emulator:
            yield emulator
