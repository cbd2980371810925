"""Load with hostile input beside it: many valid real-time streams, malformed connections.

Starts the emulator in its own process (scripted engine, short handshake and
preface timeouts, ``--records`` to a file) and, at the same time:

* ``--streams`` valid streams (200 by default), each on its own TLS
  connection, sending ``--seconds`` of audio in 100 ms events at real-time
  pace, then the end frame, and reading every result;
* ``--malformed`` connections (50 by default), cycling through every kind of
  bad input in :data:`MALFORMED_KINDS`: broken HTTP/2 (oversized frame
  header, garbage after the preface, PING and CONTINUATION floods, a GOAWAY
  with an error), broken TLS (none, garbage, no preface), HTTP/1.1, bad
  requests (signature, headers) and broken event streams (tampered
  signature, bad CRC, an oversized message).

It checks and prints:

* every valid stream ended ``completed`` and the emulator's SHA-256 of its
  audio equals the client's;
* every malformed connection got an error (HTTP status, exception message,
  ``GOAWAY``), a reset or a close within 5 s, and none of its streams
  completed;
* a new valid stream works afterwards;
* the emulator's RSS before, at its peak and after each round (from
  ``/proc``). The load runs ``--rounds`` times (2 by default): the first
  round raises the RSS to what that many connections need, and the
  allocator keeps some of it for reuse; a leak shows as growth in the later
  rounds, which is held to a bound. The peak, while every connection is
  open (asyncio's TLS protocol alone holds a 256 KiB buffer per
  connection), is held to a bound per connection.

Exit status 0 when every check holds, 1 otherwise. ``python
benchmarks/bench_emulator_hostile_load.py --streams 20 --malformed 15
--seconds 2`` is the quick form the test suite runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import ssl
import struct
import sys
import tempfile
import threading
import time
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _emulator import EmulatorProcess, mib, positive_float, positive_int  # noqa: E402

from tests.emulator.h2client import H2Client, bounded, raw_frame  # noqa: E402
from tests.emulator.streaming import (  # noqa: E402
    audio_event,
    chunks_of,
    sha256_of,
    start_request,
)

#: Every malformed connection must see its error or close within this.
ERROR_DEADLINE = 5.0
#: Bound on the emulator's RSS growth over each round after the first.
RSS_GROWTH_BOUND = 16 * 1024 * 1024
#: Bound on the peak RSS over the baseline, per connection open at once.
PEAK_PER_CONNECTION_BOUND = 1024 * 1024
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
CHUNK_BYTES = 3200  # 100 ms of 16 kHz 16-bit mono


# ----------------------------------------------------------------- emulator RSS


def rss_of(pid: int) -> Optional[int]:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class RssSampler(threading.Thread):
    """Samples a process's RSS every ``interval`` seconds until stopped."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            value = rss_of(self.pid)
            if value is not None:
                self.peak = max(self.peak, value)
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)


# ----------------------------------------------------------------- valid streams


@dataclass
class Target:
    host: str
    port: int
    ca_file: str

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class ValidOutcome:
    session_id: str
    sha256: str
    ok: bool = False
    problem: str = ""
    results: int = 0


async def valid_stream(target: Target, index: int, seconds: float, delay: float) -> ValidOutcome:
    await asyncio.sleep(delay)  # spread the starts over a second
    chunks = chunks_of(index, int(seconds * 10), CHUNK_BYTES)
    outcome = ValidOutcome(str(uuid.uuid4()), sha256_of(chunks))
    client = await H2Client.connect(target.host, target.port, ca_file=target.ca_file)
    try:
        start = start_request(target.authority, session_id=outcome.session_id)
        stream = client.request(start.headers)
        loop = asyncio.get_running_loop()
        began = loop.time()
        for number, chunk in enumerate(chunks):
            # An absolute schedule: real time, no drift.
            pause = began + number * 0.1 - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            if not await stream.send(start.signer.sign(audio_event(chunk))):
                outcome.problem = f"send failed at event {number}"
                return outcome
        if not await stream.send(start.signer.sign_end(), end_stream=True):
            outcome.problem = "the end frame could not be sent"
            return outcome
        status, _ = await stream.response()
        messages = await stream.messages(timeout=30)
        types = [m.headers.get(":message-type") for m in messages]
        if status != 200 or "exception" in types or not stream.ended:
            outcome.problem = f"status {status}, message types {set(types)}"
            return outcome
        outcome.results = len(messages)
        outcome.ok = True
        return outcome
    except Exception as exc:  # reported, not raised: one failure must not hide the rest
        outcome.problem = f"{type(exc).__name__}: {exc}"
        return outcome
    finally:
        await client.close()


# -------------------------------------------------------------- malformed input


@dataclass
class MalformedOutcome:
    kind: str
    session_id: Optional[str] = None
    answer: str = ""  # what came back: "GOAWAY 6", "close", "403 ...", "exception ..."
    seconds: float = float("inf")
    ok: bool = False


async def tls(target: Target, alpn: str = "h2") -> Tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    context = ssl.create_default_context(cafile=target.ca_file)
    context.set_alpn_protocols([alpn])
    return await asyncio.open_connection(
        target.host, target.port, ssl=context, server_hostname="localhost"
    )


async def read_answer(reader: asyncio.StreamReader) -> str:
    """Read until GOAWAY, an HTTP/1.1 status line or the close; say which."""
    buffer = b""
    while True:
        if buffer.startswith(b"HTTP/1.1 "):
            return buffer.split(b"\r\n", 1)[0].decode(errors="replace")
        while len(buffer) >= 9 and not buffer.startswith(b"HTTP/"):
            length = int.from_bytes(buffer[:3], "big")
            if len(buffer) < 9 + length:
                break
            if buffer[3] == 0x7:
                code = int.from_bytes(buffer[9 + 4 : 9 + 8], "big")
                return f"GOAWAY {code}"
            buffer = buffer[9 + length :]
        try:
            data = await reader.read(65536)
        except (ConnectionError, ssl.SSLError, OSError) as exc:
            return f"close ({type(exc).__name__})"
        if not data:
            return "close"
        buffer += data


async def raw_kind(target: Target, payload: bytes, *, use_tls: bool = True) -> str:
    if use_tls:
        reader, writer = await tls(target)
    else:
        reader, writer = await asyncio.open_connection(target.host, target.port)
    try:
        if payload:
            writer.write(payload)
        return await read_answer(reader)
    finally:
        writer.close()


async def http1(target: Target) -> str:
    reader, writer = await tls(target, alpn="http/1.1")
    try:
        writer.write(b"POST /stream-transcription HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n")
        return await read_answer(reader)
    finally:
        writer.close()


async def h2_request(
    target: Target, outcome: MalformedOutcome, body: Callable[..., Awaitable[None]], **request: object
) -> str:
    """A stream whose request or body is broken; returns its error."""
    client = await H2Client.connect(target.host, target.port, ca_file=target.ca_file)
    try:
        outcome.session_id = str(uuid.uuid4())
        start = start_request(target.authority, session_id=outcome.session_id, **request)  # type: ignore[arg-type]
        stream = client.request(start.headers)
        await body(client, stream, start)
        status, headers = await stream.response()
        if status != 200:
            return f"{status} {headers.get('x-amzn-errortype', '')}"
        messages = await stream.messages(timeout=ERROR_DEADLINE)
        for message in messages:
            if message.headers.get(":message-type") == "exception":
                return f"exception {message.headers.get(':exception-type')}"
        if stream.reset_code is not None:
            return f"reset {stream.reset_code}"
        if client.lost:
            return "close"
        return "accepted"  # the failure this script looks for
    finally:
        await client.close()


async def no_body(client: H2Client, stream: object, start: object) -> None:
    return None


async def tampered_event(client: H2Client, stream: "object", start: "object") -> None:
    from amazon_transcribe.eventstream import decode_message, encode_message

    first = start.signer.sign(audio_event(b"\x00" * 640))  # type: ignore[attr-defined]
    second = decode_message(start.signer.sign(audio_event(b"\x01" * 640)))  # type: ignore[attr-defined]
    headers = dict(second.headers)
    signature = headers[":chunk-signature"]
    assert isinstance(signature, bytes)
    headers[":chunk-signature"] = bytes([signature[0] ^ 1]) + signature[1:]
    await stream.send(first + encode_message(headers, second.payload))  # type: ignore[attr-defined]


async def bad_crc(client: H2Client, stream: "object", start: "object") -> None:
    event = start.signer.sign(audio_event(b"\x00" * 640))  # type: ignore[attr-defined]
    await stream.send(event[:-1] + bytes([event[-1] ^ 0xFF]))  # type: ignore[attr-defined]


async def oversized_message(client: H2Client, stream: "object", start: "object") -> None:
    prelude = (32 * 1024 * 1024).to_bytes(4, "big") + (0).to_bytes(4, "big")
    await stream.send(prelude + zlib.crc32(prelude).to_bytes(4, "big"))  # type: ignore[attr-defined]


async def goaway_with_error(client: H2Client, stream: "object", start: "object") -> None:
    await stream.send(start.signer.sign(audio_event(b"\x00" * 640)))  # type: ignore[attr-defined]
    client.send_raw(raw_frame(0x7, struct.pack(">II", 0, 0x1)))


def malformed_kinds() -> Dict[str, Callable[[Target, MalformedOutcome], Awaitable[str]]]:
    huge = b"\xff\xff\xff\x00\x00\x00\x00\x00\x01"
    pings = b"".join(raw_frame(0x6, i.to_bytes(8, "big")) for i in range(2000))
    continuation = raw_frame(0x1, b"\x82", stream_id=1) + raw_frame(0x9, b"\x00" * 16384, stream_id=1) * 12
    settings = raw_frame(0x4, b"")
    return {
        "oversized-frame": lambda t, o: raw_kind(t, PREFACE + huge + os.urandom(4096)),
        "garbage-after-preface": lambda t, o: raw_kind(t, PREFACE + os.urandom(2048)),
        "ping-flood": lambda t, o: raw_kind(t, PREFACE + settings + pings),
        "continuation-flood": lambda t, o: raw_kind(t, PREFACE + settings + continuation),
        "no-preface": lambda t, o: raw_kind(t, b""),
        "no-tls": lambda t, o: raw_kind(t, b"", use_tls=False),
        "garbage-instead-of-tls": lambda t, o: raw_kind(t, os.urandom(512), use_tls=False),
        "http1": lambda t, o: http1(t),
        "wrong-secret": lambda t, o: h2_request(t, o, no_body, secret_key="wrong-secret"),
        "bad-sample-rate": lambda t, o: h2_request(t, o, no_body, sample_rate="7999"),
        "tampered-signature": lambda t, o: h2_request(t, o, tampered_event),
        "bad-crc": lambda t, o: h2_request(t, o, bad_crc),
        "oversized-message": lambda t, o: h2_request(t, o, oversized_message),
        "goaway-with-error": lambda t, o: h2_request(t, o, goaway_with_error),
    }


async def malformed_connection(target: Target, kind: str, delay: float) -> MalformedOutcome:
    await asyncio.sleep(delay)
    outcome = MalformedOutcome(kind)
    run = malformed_kinds()[kind]
    loop = asyncio.get_running_loop()
    began = loop.time()
    try:
        outcome.answer = await bounded(run(target, outcome), ERROR_DEADLINE + 5)
    except asyncio.TimeoutError:
        outcome.answer = "nothing (timed out)"
    except Exception as exc:
        outcome.answer = f"close ({type(exc).__name__})"
    outcome.seconds = loop.time() - began
    outcome.ok = outcome.answer not in ("accepted",) and not outcome.answer.startswith(
        "nothing"
    ) and outcome.seconds <= ERROR_DEADLINE
    return outcome


# ------------------------------------------------------------------------- run


async def load(
    target: Target, streams: int, malformed: int, seconds: float
) -> Tuple[List[ValidOutcome], List[MalformedOutcome]]:
    kinds = list(malformed_kinds())
    valid_tasks = [
        asyncio.ensure_future(valid_stream(target, index, seconds, index / streams))
        for index in range(streams)
    ]
    # The malformed connections arrive while the valid streams run.
    bad_tasks = [
        asyncio.ensure_future(
            malformed_connection(target, kinds[index % len(kinds)], 1.0 + random.random() * seconds / 2)
        )
        for index in range(malformed)
    ]
    valid = await bounded(asyncio.gather(*valid_tasks), seconds + 120)
    bad = await bounded(asyncio.gather(*bad_tasks), seconds + 120)
    return list(valid), list(bad)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=positive_int, default=200, help="valid streams (200)")
    parser.add_argument(
        "--malformed", type=positive_int, default=50, help="malformed connections (50)"
    )
    parser.add_argument(
        "--seconds", type=positive_float, default=10.0, help="audio per valid stream (10)"
    )
    parser.add_argument(
        "--rounds", type=positive_int, default=2, help="times the whole load is run (2)"
    )
    args = parser.parse_args(argv)
    random.seed(7)
    records_file = Path(tempfile.mkdtemp(prefix="hostile-load-")) / "records.jsonl"
    failures: List[str] = []
    emulator_args = [
        "--handshake-timeout", "2", "--preface-timeout", "2",
        "--records", str(records_file),
    ]
    with EmulatorProcess(emulator_args) as emulator:
        env = emulator.env
        host_port = env["AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING"].split("//", 1)[1]
        host, port = host_port.rsplit(":", 1)
        target = Target(host, int(port), env["AWS_CA_BUNDLE"])
        # Warm up (first TLS handshake, imports) before the baseline.
        warm = asyncio.run(valid_stream(target, 10_000, 0.5, 0))
        if not warm.ok:
            failures.append(f"warm-up stream failed: {warm.problem}")
        before = rss_of(emulator.pid) or 0
        sampler = RssSampler(emulator.pid)
        sampler.start()
        valid: List[ValidOutcome] = []
        bad: List[MalformedOutcome] = []
        rss_after: List[int] = []
        elapsed: List[float] = []
        for _ in range(args.rounds):
            began = time.monotonic()
            round_valid, round_bad = asyncio.run(
                load(target, args.streams, args.malformed, args.seconds)
            )
            elapsed.append(time.monotonic() - began)
            valid += round_valid
            bad += round_bad
            rss_after.append(rss_of(emulator.pid) or 0)
        after_load = asyncio.run(valid_stream(target, 20_000, 0.5, 0))
        sampler.stop()
        after = rss_of(emulator.pid) or 0
        emulator_cpu = emulator.cpu_seconds()
    records = [json.loads(line) for line in records_file.read_text().splitlines()]
    by_session: Dict[str, List[dict]] = {}
    for record in records:
        by_session.setdefault(record.get("session_id") or "", []).append(record)

    # Valid streams: completed, audio intact.
    intact = 0
    for outcome in valid:
        kept = by_session.get(outcome.session_id, [])
        if not outcome.ok:
            failures.append(f"valid stream {outcome.session_id}: {outcome.problem}")
        elif len(kept) != 1 or kept[0]["end_reason"] != "completed":
            failures.append(f"valid stream {outcome.session_id}: records {kept}")
        elif kept[0]["audio_sha256"] != outcome.sha256:
            failures.append(f"valid stream {outcome.session_id}: audio SHA-256 differs")
        else:
            intact += 1
    # Malformed: an answer in time, nothing accepted.
    for outcome in bad:
        if not outcome.ok:
            failures.append(
                f"malformed {outcome.kind}: {outcome.answer!r} after {outcome.seconds:.2f} s"
            )
        for record in by_session.get(outcome.session_id or "-", []):
            if record["end_reason"] == "completed":
                failures.append(f"malformed {outcome.kind}: the emulator completed its stream")
    if not after_load.ok:
        failures.append(f"the stream after the load failed: {after_load.problem}")
    peak_bound = PEAK_PER_CONNECTION_BOUND * (args.streams + args.malformed)
    if sampler.peak - before > peak_bound:
        failures.append(
            f"emulator peak RSS {mib(sampler.peak - before)} over the baseline "
            f"(bound {mib(peak_bound)})"
        )
    later_growth = [b - a for a, b in zip(rss_after, rss_after[1:])]
    for number, growth in enumerate(later_growth, start=2):
        if growth > RSS_GROWTH_BOUND:
            failures.append(
                f"emulator RSS grew by {mib(growth)} in round {number} "
                f"(bound {mib(RSS_GROWTH_BOUND)})"
            )

    print(f"valid streams: {intact}/{len(valid)} completed with intact audio "
          f"({args.seconds:g} s each, real time; {args.streams} at once, {args.rounds} rounds; "
          f"load phases {', '.join(f'{e:.1f}' for e in elapsed)} s)")
    answers: Dict[str, List[Tuple[str, float]]] = {}
    for outcome in bad:
        answers.setdefault(outcome.kind, []).append((outcome.answer, outcome.seconds))
    print(f"malformed connections: {sum(o.ok for o in bad)}/{len(bad)} answered within "
          f"{ERROR_DEADLINE:g} s, none accepted:")
    for kind, seen in sorted(answers.items()):
        worst = max(seconds for _, seconds in seen)
        print(f"  {kind:24} x{len(seen):<3} {sorted({a for a, _ in seen})}  worst {worst:.2f} s")
    print(f"stream after the load: {'completed' if after_load.ok else 'FAILED'}")
    print(f"emulator RSS: before {mib(before)}; after each round "
          f"{', '.join(mib(r) for r in rss_after)}; peak {mib(sampler.peak)} "
          f"(+{mib(sampler.peak - before)}, bound +{mib(peak_bound)}); at the end {mib(after)}")
    print(f"emulator RSS growth: round 1 {mib(rss_after[0] - before)} (connections' buffers "
          f"and allocator reserve); later rounds "
          f"{', '.join(mib(g) for g in later_growth) or 'n/a'} (bound {mib(RSS_GROWTH_BOUND)} each)")
    print(f"emulator CPU {emulator_cpu if emulator_cpu is None else round(emulator_cpu, 1)} s")
    for failure in failures[:40]:
        print("FAILED:", failure)
    print("result:", "all checks hold" if not failures else f"{len(failures)} checks failed")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
