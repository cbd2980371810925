"""The official AWS SDK for JavaScript v3 against the emulator.

``tests/js/drive.mjs`` runs ``@aws-sdk/client-transcribe-streaming`` (pinned
in ``tests/js/package-lock.json``, installed by ``make test`` with
``npm ci``) against an emulator started here, and prints what the JS SDK
saw as JSON lines. The JS SDK behaves unlike ours on the wire: it opens one
HTTP/2 session per request and sends ``GOAWAY`` right after the response
headers while it goes on streaming audio, and it signs its own header set.

A missing Node or a missing ``npm ci`` fails these tests with what to
install; they are never skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import uuid
import wave
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional

import pytest

from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.emulator.faults import ExceptionFault, HttpErrorFault
from amazon_transcribe.emulator.wer import word_error_rate

from .h2client import bounded

JS_DIR = Path(__file__).resolve().parents[1] / "js"
ASSETS = Path(__file__).resolve().parents[1] / "assets"
RUN_TIMEOUT = 90.0

SENSE_0870 = (
    "and mister john dashwood had then leisure to consider how much there might be "
    "prudently in his power to do for them"
)
SENSE_0880 = "he was not an ill disposed young man"
SENSE_0930 = "he might even have been made amiable himself"

MODELED_EXCEPTIONS = [
    "BadRequestException",
    "LimitExceededException",
    "InternalFailureException",
    "ConflictException",
    "ServiceUnavailableException",
]


def node_executable() -> str:
    """Node, with the pinned JS SDK installed, or a failure saying what to install."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "Node.js is not installed, and the JavaScript interoperability tests need it: "
            "install Node 18 or newer with npm (Debian: apt-get install nodejs npm), "
            "then run `make test` (it runs `npm ci` in tests/js)."
        )
    if not (JS_DIR / "node_modules" / "@aws-sdk" / "client-transcribe-streaming").is_dir():
        pytest.fail(
            "the AWS SDK for JavaScript is not installed in tests/js: run `npm ci` there "
            "(`make test` does; it needs npm and the npm registry)."
        )
    return node


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("emulator-state")


@pytest.fixture(scope="module")
def pcm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The WAV assets as raw PCM files (what an audio event carries)."""
    folder = tmp_path_factory.mktemp("pcm")
    for name in ("sense-0870", "sense-0880", "two-speakers-stereo-16k"):
        with wave.open(str(ASSETS / f"{name}.wav")) as wav:
            (folder / f"{name}.pcm").write_bytes(wav.readframes(wav.getnframes()))
    return folder


@contextlib.asynccontextmanager
async def running(state_dir: Path, engine: str = "sphinx") -> AsyncIterator[TranscribeEmulator]:
    async with TranscribeEmulator(state_dir=state_dir, engine=engine) as emulator:
        yield emulator


async def run_js(
    emulator: TranscribeEmulator,
    operation: str,
    audio: Path,
    *,
    pace_ms: int = 0,
    chunk_bytes: int = 3200,
    secret: Optional[str] = None,
    session_id: Optional[str] = None,
) -> List[Dict[str, Any]]:
    """Run one streaming call through the JS SDK; returns its report lines."""
    node = node_executable()
    credentials = emulator.credentials
    job = {
        "operation": operation,
        "endpoint": emulator.endpoint,
        "region": emulator.region,
        "accessKeyId": credentials.access_key_id,
        "secretAccessKey": secret if secret is not None else credentials.secret_access_key,
        "audio": str(audio),
        "chunkBytes": chunk_bytes,
        "paceMs": pace_ms,
        "sessionId": session_id,
    }
    env = dict(os.environ, NODE_EXTRA_CA_CERTS=str(emulator.ca_file))
    for name in list(env):
        # Nothing of the machine's AWS configuration may reach the JS SDK.
        if name.startswith("AWS_"):
            del env[name]
    process = await asyncio.create_subprocess_exec(
        node,
        "--no-warnings",
        str(JS_DIR / "drive.mjs"),
        json.dumps(job),
        cwd=str(JS_DIR),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await bounded(process.communicate(), RUN_TIMEOUT)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, stderr.decode(errors="replace")
    lines = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
    assert lines, f"the JS driver printed nothing; stderr: {stderr.decode(errors='replace')}"
    return lines


def outcome(lines: List[Dict[str, Any]]) -> Dict[str, Any]:
    last = lines[-1]
    assert last["kind"] in ("end", "error"), last
    return last


def final_transcripts(lines: List[Dict[str, Any]], operation: str) -> List[str]:
    """The final (non-partial) transcripts of every output event, in order."""
    texts: List[str] = []
    for line in lines:
        if line["kind"] != "event":
            continue
        value = line["value"]
        if operation in ("standard", "medical"):
            assert line["type"] == "TranscriptEvent", line
            for result in value["Transcript"]["Results"]:
                if not result["IsPartial"]:
                    texts.append(result["Alternatives"][0]["Transcript"])
        elif operation == "call-analytics":
            if line["type"] == "UtteranceEvent" and not value["IsPartial"]:
                texts.append(f'{value["ParticipantRole"]}: {value["Transcript"]}')
        else:
            if line["type"] == "TranscriptEvent":
                segment = value["TranscriptSegment"]
                if not segment["IsPartial"]:
                    texts.append(segment["Content"])
    return texts


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the four streaming operations -------------------------------------------------


@pytest.mark.asyncio
async def test_standard_transcribes_speech_through_js(state_dir: Path, pcm_dir: Path) -> None:
    audio = pcm_dir / "sense-0870.pcm"
    session_id = str(uuid.uuid4())
    async with running(state_dir) as emulator:
        lines = await run_js(emulator, "standard", audio, session_id=session_id)
        assert outcome(lines) == {"kind": "end", "sentBytes": audio.stat().st_size}
        headers = lines[0]
        assert headers["kind"] == "headers"
        assert headers["value"]["SessionId"] == session_id
        assert headers["value"]["MediaSampleRateHertz"] == 16000
        text = " ".join(final_transcripts(lines, "standard"))
        wer = word_error_rate(SENSE_0870, text)
        print(f"JS SDK, sense-0870, WER {wer:.3f}: {text!r}")
        assert wer <= 0.30, text
        record = await emulator.records.wait_ended(session_id, timeout=10)
        assert record.end_reason == "completed"
        assert record.audio_sha256 == sha256_file(audio)
        # The JS SDK said GOAWAY after the response headers: the connection
        # closes once its only stream is done.
        await emulator.wait_no_connections(timeout=10)


@pytest.mark.asyncio
@pytest.mark.parametrize("pace_ms", [0, 100], ids=["unpaced", "paced"])
@pytest.mark.parametrize("operation", ["standard", "medical", "call-analytics", "scribe"])
async def test_each_streaming_operation_through_js(
    state_dir: Path, pcm_dir: Path, operation: str, pace_ms: int
) -> None:
    if operation == "call-analytics":
        # Agent on channel 0, customer on channel 1, as the JS driver declares.
        audio = pcm_dir / "two-speakers-stereo-16k.pcm"
        chunk = 6400  # 100 ms of 16 kHz stereo
    else:
        audio = pcm_dir / "sense-0880.pcm"
        chunk = 3200
    session_id = str(uuid.uuid4())
    async with running(state_dir) as emulator:
        lines = await run_js(
            emulator, operation, audio, pace_ms=pace_ms, chunk_bytes=chunk, session_id=session_id
        )
        assert outcome(lines) == {"kind": "end", "sentBytes": audio.stat().st_size}
        texts = final_transcripts(lines, operation)
        assert texts, lines
        record = await emulator.records.wait_ended(session_id, timeout=10)
        assert record.end_reason == "completed"
        assert record.audio_sha256 == sha256_file(audio)
        if operation == "call-analytics":
            agent = " ".join(t[len("AGENT: "):] for t in texts if t.startswith("AGENT: "))
            customer = " ".join(
                t[len("CUSTOMER: "):] for t in texts if t.startswith("CUSTOMER: ")
            )
            assert word_error_rate(SENSE_0880, agent) <= 0.5, texts
            assert word_error_rate(SENSE_0930, customer) <= 0.5, texts
        else:
            assert word_error_rate(SENSE_0880, " ".join(texts)) <= 0.5, texts
        await emulator.wait_no_connections(timeout=10)


# -- errors as the JS SDK sees them --------------------------------------------------


@pytest.mark.asyncio
async def test_wrong_secret_is_a_signature_error_in_js(state_dir: Path, pcm_dir: Path) -> None:
    async with running(state_dir, engine="scripted") as emulator:
        lines = await run_js(
            emulator, "standard", pcm_dir / "sense-0880.pcm", secret="not-the-secret"
        )
    error = outcome(lines)
    assert error["kind"] == "error"
    assert error["name"] == "InvalidSignatureException"
    assert error["status"] == 403
    assert "signature we calculated does not match" in error["message"]


@pytest.mark.asyncio
@pytest.mark.parametrize("error_type", MODELED_EXCEPTIONS)
async def test_exception_mid_stream_reaches_js(
    state_dir: Path, pcm_dir: Path, error_type: str
) -> None:
    message = f"{error_type} injected after five audio events."
    session_id = str(uuid.uuid4())
    async with running(state_dir, engine="scripted") as emulator:
        emulator.faults.add(
            ExceptionFault(error_type=error_type, message=message, after_events=5),
            session_id=session_id,
        )
        lines = await run_js(
            emulator, "standard", pcm_dir / "sense-0880.pcm", pace_ms=20, session_id=session_id
        )
        error = outcome(lines)
        assert error["kind"] == "error"
        assert error["name"] == error_type
        assert error["message"] == message
        # The response had started: headers first, then the exception.
        assert lines[0]["kind"] == "headers"
        record = await emulator.records.wait_ended(session_id, timeout=10)
        assert record.end_reason == f"error:{error_type}"
        assert record.error == (error_type, message)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "error_type, status",
    [("BadRequestException", 400), ("LimitExceededException", 429)],
)
async def test_http_error_before_the_stream_reaches_js(
    state_dir: Path, pcm_dir: Path, error_type: str, status: int
) -> None:
    message = f"{error_type} before the stream."
    async with running(state_dir, engine="scripted") as emulator:
        emulator.faults.add(HttpErrorFault(error_type=error_type, message=message, status=status))
        lines = await run_js(emulator, "standard", pcm_dir / "sense-0880.pcm")
    assert [line["kind"] for line in lines] == ["error"]
    error = lines[0]
    assert (error["name"], error["status"], error["message"]) == (error_type, status, message)
