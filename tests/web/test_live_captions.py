"""The live-caption example (examples/web) in a real headless Chromium.

Chromium's fake media device plays ``sense-0870.wav`` as the microphone; the
page streams it through the example app (relay mode) or straight to the
emulator's WebSocket endpoint with a presigned URL (direct mode), and the
emulator transcribes it offline (PocketSphinx). The page records its own
caption text on every change (a MutationObserver), so the test sees the
partials that came before the finals.

Chromium trusts the emulator's certificate through
``--ignore-certificate-errors-spki-list`` with the SHA-256 of the server
certificate's public key: nothing is installed in any trust store.

Chromium and its driver come from Debian (``chromium``,
``chromium-driver``); ``make test`` installs them when missing. Selenium is
pointed at that driver, so nothing is downloaded.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib.util
import shutil
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List, Tuple

import pytest

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.certs import ensure_certificates
from amazon_transcribe.emulator.wer import word_error_rate

ROOT = Path(__file__).resolve().parent.parent.parent
AUDIO = ROOT / "tests" / "assets" / "sense-0870.wav"
SCREENSHOT = ROOT / "docs" / "images" / "live-captions.png"
REFERENCE = (
    "and mister john dashwood had then leisure to consider how much there might be "
    "prudently in his power to do for them"
)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
#: Seconds of audio the page sends before the test stops it (the clip is 7.1 s).
AUDIO_SECONDS = 7.6
PAGE_TIMEOUT = 30.0

sys.path.insert(0, str(ROOT / "examples" / "web"))
import app as web_app  # noqa: E402  (the example, imported from its folder)

# Records the caption's text on every change, with the page's clock.
RECORDER = """
window.__captions = [];
const record = () => window.__captions.push({
  t: performance.now(),
  finals: document.getElementById('finals').textContent,
  partial: document.getElementById('partial').textContent,
});
new MutationObserver(record).observe(document.getElementById('captions'),
  {subtree: true, childList: true, characterData: true});
"""


def _spki_sha256(certificate: Path) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(certificate.read_bytes())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


@pytest.fixture(scope="module")
def browser(transcribe_emulator_state_dir: Path) -> Iterator[Any]:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]
    if missing or importlib.util.find_spec("selenium") is None:
        pytest.fail(
            "the browser tests need Debian's chromium and chromium-driver and the selenium "
            "package: apt-get install chromium chromium-driver; pip install -e '.[dev]' "
            "(make test installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    paths = ensure_certificates(transcribe_emulator_state_dir)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--window-size=900,520",
        "--use-fake-ui-for-media-stream",  # grant the microphone
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={AUDIO}%noloop",
        "--autoplay-policy=no-user-gesture-required",
        f"--ignore-certificate-errors-spki-list={_spki_sha256(paths.server_cert)}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT)
    driver.set_script_timeout(PAGE_TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()


class AppServer:
    """The example app under uvicorn, in a thread with its own event loop."""

    def __init__(self) -> None:
        import uvicorn

        self.app = web_app.create_app()
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> "AppServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "uvicorn did not stop"
        self._socket.close()


@pytest.fixture
async def emulator(
    transcribe_emulator_state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TranscribeEmulator]:
    async with TranscribeEmulator(state_dir=transcribe_emulator_state_dir, engine="sphinx") as emu:
        # The app reads the emulator's printed environment, as a user would.
        for name, value in emu.environment().items():
            monkeypatch.setenv(name, value)
        yield emu


def _caption_run(driver: Any, url: str, mode: str, screenshot: bool = False) -> Dict[str, Any]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    driver.execute_script(RECORDER)
    driver.find_element(By.CSS_SELECTOR, f"input[name=mode][value={mode}]").click()
    driver.find_element(By.ID, "start").click()
    wait = WebDriverWait(driver, PAGE_TIMEOUT, poll_frequency=0.1)
    wait.until(
        lambda d: float(d.find_element(By.ID, "sent").text or 0) >= AUDIO_SECONDS
        or d.find_element(By.ID, "error").text
    )
    assert driver.find_element(By.ID, "error").text == ""
    driver.find_element(By.ID, "stop").click()
    wait.until(lambda d: d.find_element(By.ID, "status").text == "ended")
    if screenshot:
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOT))
    return {
        "finals": driver.find_element(By.ID, "finals").text,
        "partial": driver.find_element(By.ID, "partial").text,
        "error": driver.find_element(By.ID, "error").text,
        "history": driver.execute_script("return window.__captions"),
    }


def _check_captions(run: Dict[str, Any]) -> None:
    assert run["error"] == ""
    assert run["partial"] == ""
    history: List[Dict[str, Any]] = run["history"]
    first_partial = next(i for i, h in enumerate(history) if h["partial"])
    first_final = next(i for i, h in enumerate(history) if h["finals"])
    assert first_partial < first_final, "a partial result appeared before the first final"
    assert word_error_rate(REFERENCE, run["finals"]) <= 0.35, run["finals"]


async def test_relay_mode_captions_the_microphone(
    browser: Any, emulator: TranscribeEmulator
) -> None:
    with AppServer() as server:
        run = await asyncio.to_thread(_caption_run, browser, server.url, "relay", True)
        assert await asyncio.to_thread(server.app.state.relays.wait_idle, 10.0)
    _check_captions(run)
    records = [r for r in emulator.records.all() if r.ended]
    assert [r.end_reason for r in records] == ["completed"]
    assert records[0].request_headers[0] == (":method", "POST")  # the SDK, over HTTP/2


async def test_direct_mode_captions_the_microphone(
    browser: Any, emulator: TranscribeEmulator
) -> None:
    with AppServer() as server:
        run = await asyncio.to_thread(_caption_run, browser, server.url, "direct")
    _check_captions(run)
    [record] = emulator.records.all()
    assert record.end_reason == "completed"
    assert record.request_signature_valid is True  # the presigned URL
    assert dict(record.request_headers)[":path"].startswith("/stream-transcription-websocket?")
    assert record.end_frame_received is True  # the page's empty audio event


async def test_closing_the_tab_ends_the_relay_stream(
    browser: Any, emulator: TranscribeEmulator
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with AppServer() as server:
        monitor = server.app.state.relays

        def open_and_close() -> float:
            home = browser.current_window_handle
            browser.switch_to.new_window("tab")
            browser.get(server.url)
            browser.find_element(By.ID, "start").click()
            WebDriverWait(browser, PAGE_TIMEOUT, poll_frequency=0.1).until(
                lambda d: float(d.find_element(By.ID, "sent").text or 0) >= 1.0
            )
            assert monitor.count == 1
            browser.close()  # the tab, mid-stream
            closed_at = time.monotonic()
            browser.switch_to.window(home)
            return closed_at

        closed_at = await asyncio.to_thread(open_and_close)
        assert await asyncio.to_thread(monitor.wait_idle, 2.0), "the relay still runs 2 s later"
        ended_within = time.monotonic() - closed_at
        record = await emulator.records.wait_until(
            lambda records: next((r for r in records if r.ended), None), timeout=2.0
        )
    assert ended_within <= 2.0
    assert monitor.ended == ["cancelled"] or monitor.ended == ["completed"]
    assert record.end_reason in ("client-closed", "connection-lost")
    assert record.end_frame_received is False
    assert emulator.open_connections == 0 or await _no_connections(emulator)


async def _no_connections(emulator: TranscribeEmulator) -> bool:
    await emulator.wait_no_connections(timeout=2.0)
    return True
