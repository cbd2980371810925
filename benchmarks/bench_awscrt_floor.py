"""The floor: audio streamed through awscrt's HTTP/2 binding alone, no SDK.

What part of the client's CPU belongs to awscrt's Python I/O path plus
asyncio pacing, and what part to the SDK? This benchmark measures the first
part: it streams the same audio to the emulator (separate process, scripted
engine) as ``bench_client_concurrent.py`` and ``bench_client_unpaced.py``,
but with raw awscrt calls and no SDK code on the hot path. The SDK's figures
minus these are what the SDK adds.

Setup (not measured): N connections are opened with
``awscrt.http.Http2ClientConnection.new`` (TLS trusting the emulator's CA,
ALPN ``h2``, manual window management, 256 KiB initial stream window), and
each starts a StartStreamTranscription request with ``manual_write=True``.
The request is built and signed with the SDK's sans-IO pieces
(``serialize``, ``sigv4``), and *every* audio event of the run is encoded and
signed (``EventSigner``) before measuring, so the measured phase does no
encoding and no signing. The emulator accepts event timestamps within
+-5 min of its clock, which bounds how long a run may be. Measuring starts
once every stream has its 200 response headers.

Hot path, both modes: ``stream.write_data(io.BytesIO(event))`` hands a
pre-signed event to awscrt; the response body goes to an ``on_body`` callback
(on a CRT thread) that only counts the bytes and reopens the stream's
receive window (``update_window``, thread-safe in the CRT). Nothing is
decoded.

* ``--mode concurrent``: ``--streams`` streams (100) each send one 100 ms
  event (3200 bytes of 16 kHz 16-bit mono audio, before the envelope) every
  100 ms, paced with ``asyncio.sleep`` against a fixed schedule, one
  ``write_data`` per event, for ``--seconds`` after a ``--warmup``. Ticks are
  spread evenly over one period, as in ``bench_client_concurrent.py``;
  ``--aligned`` makes every stream tick at once. Reported: client CPU (% of
  one core, all threads, split into the event-loop thread and the others),
  CPU and context switches per event, and lag behind the schedule.
* ``--mode unpaced``: one stream sends ``--audio-seconds`` of audio in
  ``--chunk-bytes`` events as fast as awscrt takes them, with at most 256 KiB
  handed to awscrt and not yet written. When the window is full, the sender
  awaits (``asyncio.wrap_future``) the write whose completion brings the
  bytes in flight down to half the window. Variant *per event*: one
  ``write_data`` per event. Variant *coalesced*: the events that fit after
  each wait are joined into writes of up to 128 KiB. A warm-up stream runs
  first (``--warmup-seconds``, not measured). Reported: audio-seconds per
  client CPU-second, CPU and context switches per event, loop thread vs
  other threads.

At the end each stream sends its signed end frame with ``end_stream=True``,
its completion is awaited, and the connection is closed. Every wait is
bounded; errors (refused requests, failed writes, a stream the emulator
ended early) are printed. With ``--mode both`` (the default) the concurrent
run comes first, then the unpaced one, each against a fresh emulator.

CPU is read as in the other client benchmarks (see ``_emulator.py``):
``time.process_time()`` counts every thread of the process on Linux,
awscrt's native threads included; ``time.thread_time()`` of the event-loop
thread gives the split.

Run: ``.venv/bin/python benchmarks/bench_awscrt_floor.py [--mode both] [--aligned] [--coalesce]``.
Not a test: it prints what it measured and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import concurrent.futures
import gc
import io
import math
import time
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Optional, Sequence, Tuple

try:
    from amazon_transcribe._httpsession import _FLUSH_GRID, _Body
except ImportError:  # revisions before the core moved to private modules
    from amazon_transcribe.httpsession import _FLUSH_GRID, _Body  # type: ignore

from _emulator import (
    BYTES_PER_SECOND,
    SAMPLE_RATE,
    CpuDelta,
    CpuSample,
    EmulatorProcess,
    check_process_time_counts_threads,
    chunks,
    environment_lines,
    looped_pcm,
    percentile,
    positive_float,
    positive_int,
    print_table,
    proc_cpu_seconds,
)

if TYPE_CHECKING:
    from awscrt.http import Http2ClientConnection, Http2ClientStream, HttpRequest
    from awscrt.io import ClientBootstrap, ClientTlsContext

    from amazon_transcribe.auth import Credentials
    from amazon_transcribe.signer import EventSigner

#: Bytes handed to awscrt and not yet written, at most (unpaced mode); the
#: SDK's default write window.
WRITE_WINDOW = 256 * 1024
#: Initial HTTP/2 receive window of each stream; the SDK's default.
READ_WINDOW = 256 * 1024
#: Bound of every setup and teardown wait, in seconds.
WAIT_TIMEOUT = 60.0
#: How long after signing the emulator still accepts an event (it allows
#: +-5 min); runs are refused beyond it, with a margin for setup.
PRESIGNED_LIFETIME = 270.0
#: With --tuned: the SDK's two transport measures that any awscrt client
#: could take (set by main before anything runs).
TUNED = False


def body(data: bytes) -> Any:
    """The stream awscrt reads one write from: a ``BytesIO``, or with
    --tuned an ``InputStream`` whose read is ``BytesIO.readinto`` itself (no
    Python frame per read on the CRT thread), as the SDK does."""
    if not TUNED:
        return io.BytesIO(data)
    return _Body(data)


def on_crt_thread() -> None:
    """With --tuned, keep this awscrt thread's Python thread state, as the SDK does."""
    if TUNED:
        from amazon_transcribe.crt import _keep_thread_state

        _keep_thread_state()


# ----------------------------------------------------------------- raw stream


class RawStream:
    """One StartStreamTranscription on its own connection, driven by raw awscrt calls.

    The callbacks run on awscrt's threads. ``on_body`` only counts bytes and
    reopens the receive window; the response headers land in a
    ``concurrent.futures.Future`` that setup awaits.
    """

    def __init__(self, connection: "Http2ClientConnection", signer: "EventSigner") -> None:
        self.connection = connection
        #: The last body chunk (a reference, no copy: awscrt hands over a
        #: fresh ``bytes``). Only read after the end, to say why a stream the
        #: emulator ended early was refused.
        self.last_chunk = b""
        self.signer = signer
        self.response: "concurrent.futures.Future[Tuple[int, List[Tuple[str, str]]]]" = (
            concurrent.futures.Future()
        )
        self.stream: Optional["Http2ClientStream"] = None
        #: Response body bytes received (counted on a CRT thread, read after the end).
        self.body_bytes = 0
        #: The pre-signed events this stream will send, in order.
        self.events: List[bytes] = []
        #: Futures of the writes still to check at the end: the last one (a
        #: failed write completes the stream, so the writes after it fail
        #: too), or those still in flight. Not every write's: holding
        #: thousands of futures would make the garbage collector's passes,
        #: and so the lag, longer than the SDK's.
        self.writes: List["concurrent.futures.Future[None]"] = []

    def _on_response(
        self, http_stream: Any, status_code: int, headers: Any, **kwargs: Any
    ) -> None:
        on_crt_thread()
        if status_code >= 200 and not self.response.done():
            self.response.set_result((status_code, list(headers)))

    def _on_body(self, http_stream: Any, chunk: Any, **kwargs: Any) -> None:
        on_crt_thread()
        size = len(chunk)
        self.body_bytes += size
        self.last_chunk = chunk
        http_stream.update_window(size)

    def start(self, request: "HttpRequest") -> None:
        """Send the request headers; the body is written with ``write_data``."""
        stream = self.connection.request(
            request, on_response=self._on_response, on_body=self._on_body, manual_write=True
        )
        self.stream = stream
        stream.activate()

    @property
    def http_stream(self) -> "Http2ClientStream":
        assert self.stream is not None
        return self.stream


async def _await_crt(future: "concurrent.futures.Future[Any]", timeout: float, what: str) -> Any:
    """Await a CRT future, bounded; shielded so a timeout never cancels it."""
    try:
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout)
    except asyncio.TimeoutError:
        raise RuntimeError(f"{what}: no answer within {timeout:g} s") from None


def _close_late_connection(future: "concurrent.futures.Future[Any]") -> None:
    if not future.cancelled() and future.exception() is None:
        future.result().close()


class Setup:
    """What every connection shares: endpoint, TLS, bootstrap, credentials, request headers."""

    def __init__(self, env: Dict[str, str]) -> None:
        from awscrt.io import ClientBootstrap, ClientTlsContext

        from amazon_transcribe.auth import Credentials
        from amazon_transcribe.endpoints import _signing_region
        try:
            from amazon_transcribe._httpsession import _Endpoint, _tls_context
        except ImportError:  # revisions before the core moved to private modules
            from amazon_transcribe.httpsession import _Endpoint, _tls_context  # type: ignore
        from amazon_transcribe.operations import START_STREAM_TRANSCRIPTION
        from amazon_transcribe.shapes import StartStreamTranscriptionRequest

        endpoint = _Endpoint(env["AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING"])
        self.host: str = endpoint.host
        self.port: int = endpoint.port
        self.authority = endpoint.authority
        self.tls: "ClientTlsContext" = _tls_context(env["AWS_CA_BUNDLE"])
        self.bootstrap: "ClientBootstrap" = ClientBootstrap.get_or_create_static_default()
        self.credentials: "Credentials" = Credentials(
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        )
        self.region = _signing_region(env["AWS_REGION"])
        self.headers = START_STREAM_TRANSCRIPTION.request_headers(
            StartStreamTranscriptionRequest(
                language_code="en-US", media_sample_rate_hz=SAMPLE_RATE, media_encoding="pcm"
            )
        )


async def open_raw_stream(setup: Setup) -> RawStream:
    """Connect, start a signed StartStreamTranscription and wait for its 200.

    :raises RuntimeError: connecting failed or timed out, HTTP/2 was not
        negotiated, or the emulator answered something else than 200.
    """
    from awscrt.http import Http2ClientConnection, HttpHeaders, HttpRequest, HttpVersion
    from awscrt.io import SocketOptions

    from amazon_transcribe.operations import START_STREAM_TRANSCRIPTION
    from amazon_transcribe.signer import EventSigner
    from amazon_transcribe.sigv4 import _sign_request

    socket_options = SocketOptions()
    socket_options.connect_timeout_ms = int(WAIT_TIMEOUT * 1000)
    tls_options = setup.tls.new_connection_options()
    tls_options.set_server_name(setup.host)
    tls_options.set_alpn_list(["h2"])
    future = Http2ClientConnection.new(
        setup.host,
        setup.port,
        bootstrap=setup.bootstrap,
        socket_options=socket_options,
        tls_connection_options=tls_options,
        manual_window_management=True,
        initial_window_size=READ_WINDOW,
    )
    try:
        connection: Http2ClientConnection = await _await_crt(future, WAIT_TIMEOUT, "connecting")
    except BaseException:
        future.add_done_callback(_close_late_connection)
        raise
    if connection.version is not HttpVersion.Http2:
        connection.close()
        raise RuntimeError("HTTP/2 was not negotiated")
    signed = _sign_request(
        "POST",
        START_STREAM_TRANSCRIPTION.path,
        setup.headers,
        host=setup.authority,
        credentials=setup.credentials,
        region=setup.region,
    )
    # HTTP/2 forbids uppercase header names; the CRT signer adds "Authorization"...
    headers: List[Tuple[str, str]] = list(signed.request.headers)
    request = HttpRequest(
        "POST",
        START_STREAM_TRANSCRIPTION.path,
        HttpHeaders([(name.lower(), value) for name, value in headers]),
    )
    raw = RawStream(
        connection,
        EventSigner(
            signed.seed_signature,
            secret_access_key=setup.credentials.secret_access_key,
            region=setup.region,
        ),
    )
    try:
        raw.start(request)
        status, response_headers = await _await_crt(
            raw.response, WAIT_TIMEOUT, "waiting for the response headers"
        )
        if status != 200:
            error_type = dict(response_headers).get("x-amzn-errortype", "?")
            raise RuntimeError(f"the emulator answered {status} ({error_type})")
    except BaseException:
        connection.close()
        raise
    return raw


async def open_raw_streams(
    setup: Setup, count: int, errors: List[str], concurrency: int = 20
) -> List[RawStream]:
    """Open ``count`` streams, at most ``concurrency`` handshakes at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> RawStream:
        async with gate:
            return await open_raw_stream(setup)

    opened = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    live: List[RawStream] = []
    for result in opened:
        if isinstance(result, BaseException):
            errors.append(f"open: {type(result).__name__}: {result}")
        else:
            live.append(result)
    return live


def presign(raw: RawStream, messages: Sequence[bytes]) -> None:
    """Sign every event of ``raw`` now, chained from its seed, in sending order."""
    sign = raw.signer.sign
    raw.events = [sign(message) for message in messages]


def audio_messages(pieces: Sequence[bytes]) -> List[bytes]:
    """The (unsigned) AudioEvent messages of ``pieces``."""
    try:
        from amazon_transcribe._serialize import _audio_event_message
    except ImportError:  # revisions before the core moved to private modules
        from amazon_transcribe.serialize import _audio_event_message  # type: ignore

    return [_audio_event_message(piece) for piece in pieces]


def describe_tail(chunk: bytes) -> str:
    """What the last body chunk says: the exception that ended a stream, if any."""
    from amazon_transcribe.eventstream import EventStreamDecoder

    try:
        messages = EventStreamDecoder().feed(chunk)
    except Exception:
        messages = []
    for message in reversed(messages):
        if message.headers.get(":message-type") == "exception":
            kind = message.headers.get(":exception-type")
            text = message.payload.decode("utf-8", "replace")
            return f"{kind if isinstance(kind, str) else repr(kind)}: {text}"
    return f"no exception message in the last body chunk ({chunk[:120]!r})"


async def finish(streams: Sequence[RawStream], errors: List[str]) -> None:
    """End each stream (signed end frame), wait for its completion, close it.

    Also reports what went wrong on the way: failed writes, a response the
    emulator ended before the end frame (it ends a stream that way when it
    refuses an event), a completion with an error.
    """
    completions: List["asyncio.Future[Any]"] = []
    for k, raw in enumerate(streams):
        stream = raw.http_stream
        if stream.remote_end_stream_future.done():
            errors.append(
                f"stream {k}: the emulator ended the response before the end frame "
                f"(after {raw.body_bytes} body bytes): {describe_tail(raw.last_chunk)}"
            )
        try:
            stream.write_data(body(raw.signer.sign_end()), True)
        except Exception as exc:
            errors.append(f"stream {k}: end frame: {type(exc).__name__}: {exc}")
        completions.append(asyncio.wrap_future(stream.completion_future))
    if completions:
        done, pending = await asyncio.wait(completions, timeout=WAIT_TIMEOUT)
        for k, completion in enumerate(completions):
            if completion in pending:
                errors.append(f"stream {k}: did not complete within {WAIT_TIMEOUT:g} s")
            elif completion.exception() is not None:
                failure = completion.exception()
                errors.append(f"stream {k}: completed with {type(failure).__name__}: {failure}")
            elif completion.result() != 200:
                errors.append(f"stream {k}: completed with status {completion.result()}")
    for k, raw in enumerate(streams):
        failed = [f for f in raw.writes if f.done() and not f.cancelled() and f.exception()]
        if failed:
            errors.append(f"stream {k}: {len(failed)} writes failed, first: {failed[0].exception()}")
    shutdowns = [asyncio.wrap_future(raw.connection.close()) for raw in streams]
    if shutdowns:
        done, pending = await asyncio.wait(shutdowns, timeout=WAIT_TIMEOUT)
        if pending:
            errors.append(f"{len(pending)} connections did not shut down within {WAIT_TIMEOUT:g} s")
        for shutdown in done:
            if shutdown.exception() is not None:
                errors.append(f"connection shutdown: {shutdown.exception()}")


# ----------------------------------------------------------------- concurrent


class PacedFloor:
    """What the concurrent (paced) run measured."""

    def __init__(self) -> None:
        self.streams = 0
        self.open_seconds = 0.0
        self.sign_seconds = 0.0
        self.lags: List[float] = []
        self.warm_lags: List[float] = [0.0]
        self.write_durations: List[float] = []
        self.cpu: Optional[CpuDelta] = None
        self.emulator_cpu: Optional[float] = None
        self.body_bytes = 0
        self.errors: List[str] = []


async def run_concurrent(
    env: Dict[str, str], args: argparse.Namespace, emulator_pid: int
) -> PacedFloor:
    loop = asyncio.get_running_loop()
    result = PacedFloor()
    interval = args.chunk_ms / 1000.0
    chunk_bytes = int(BYTES_PER_SECOND * interval) & ~1
    n_warm = round(args.warmup / interval)
    n_meas = round(args.seconds / interval)
    pieces = chunks(looped_pcm((n_warm + n_meas) * interval), chunk_bytes)
    messages = audio_messages(pieces)

    setup = Setup(env)
    t0 = time.perf_counter()
    streams = await open_raw_streams(setup, args.streams, result.errors)
    result.open_seconds = time.perf_counter() - t0
    result.streams = len(streams)
    t0 = time.perf_counter()
    for raw in streams:
        presign(raw, messages)
    result.sign_seconds = time.perf_counter() - t0

    cpu_at: Dict[str, CpuSample] = {}
    emulator_at: Dict[str, Optional[float]] = {}
    window_ended: "asyncio.Future[None]" = loop.create_future()

    def sample(name: str) -> None:
        cpu_at[name] = CpuSample.now()
        emulator_at[name] = proc_cpu_seconds(emulator_pid)
        if name == "end" and not window_ended.done():
            window_ended.set_result(None)

    lags, warm_lags, durations = result.lags, result.warm_lags, result.write_durations
    # --tuned: events wait for the next slot of a shared grid, then each
    # stream's waiting events go to awscrt as one write, as in the SDK.
    waiting: Dict[RawStream, List[bytes]] = {}
    grid: List[Optional[asyncio.TimerHandle]] = [None]

    def flush_grid() -> None:
        grid[0] = None
        for each, parts in waiting.items():
            try:
                each.writes[-1:] = [each.http_stream.write_data(body(b"".join(parts)))]
            except Exception as exc:  # reported, the other streams go on
                result.errors.append(f"write: {type(exc).__name__}: {exc}")
        waiting.clear()

    def hand_over(raw: RawStream, event: bytes) -> None:
        waiting.setdefault(raw, []).append(event)
        if grid[0] is None:
            slot = math.ceil(loop.time() / _FLUSH_GRID) * _FLUSH_GRID
            grid[0] = loop.call_at(slot, flush_grid)

    async def send_all(k: int, raw: RawStream, begin: float) -> None:
        base = begin + (0.0 if args.aligned else k * interval / len(streams))
        write = raw.http_stream.write_data
        sleep, now = asyncio.sleep, loop.time
        last: Optional["concurrent.futures.Future[None]"] = None
        try:
            for i, event in enumerate(raw.events):
                when = base + i * interval
                delay = when - now()
                if delay > 0:
                    await sleep(delay)
                woke = now()
                if TUNED:
                    hand_over(raw, event)
                else:
                    last = write(body(event))
                if i >= n_warm:
                    lags.append(woke - when)
                    durations.append(now() - woke)
                else:
                    warm_lags.append(woke - when)
        except Exception as exc:  # reported, the other streams go on
            result.errors.append(f"sender {k}: {type(exc).__name__}: {exc}")
        finally:
            if last is not None:
                raw.writes.append(last)

    try:
        gc.collect()
        begin = loop.time() + 0.2
        measure_from = begin + n_warm * interval
        measure_to = measure_from + n_meas * interval
        # Timer callbacks sample exactly at the window's edges.
        loop.call_at(measure_from, sample, "start")
        loop.call_at(measure_to, sample, "end")
        senders = [loop.create_task(send_all(k, s, begin)) for k, s in enumerate(streams)]
        bound = measure_to - loop.time() + WAIT_TIMEOUT
        done, pending = await asyncio.wait(senders, timeout=bound)
        for task in pending:
            task.cancel()
            result.errors.append("a sender did not finish in time")
        await asyncio.wait_for(window_ended, max(0.0, measure_to - loop.time()) + WAIT_TIMEOUT)
    finally:
        if grid[0] is not None:
            grid[0].cancel()
            flush_grid()
        await finish(streams, result.errors)
    result.body_bytes = sum(raw.body_bytes for raw in streams)
    result.cpu = CpuDelta.between(cpu_at["start"], cpu_at["end"])
    emu_start, emu_end = emulator_at.get("start"), emulator_at.get("end")
    if emu_start is not None and emu_end is not None:
        result.emulator_cpu = emu_end - emu_start
    return result


def report_concurrent(args: argparse.Namespace, r: PacedFloor) -> None:
    cpu = r.cpu
    assert cpu is not None
    events = len(r.lags)
    expected = round(args.streams * args.seconds * 1000 / args.chunk_ms)
    max_lag_ms = max(r.lags, default=float("nan")) * 1000
    rows: List[Tuple[str, str, str, str]] = [
        ("streams open", f"{r.streams} / {args.streams}", "", ""),
        ("client CPU, process_time (all threads)", f"{cpu.percent(cpu.process):.2f} %", "", ""),
        ("client CPU, getrusage(RUSAGE_SELF)", f"{cpu.percent(cpu.rusage):.2f} %", "", ""),
        ("  of which event-loop thread", f"{cpu.percent(cpu.main_thread):.2f} %", "", ""),
        ("  of which other (awscrt) threads", f"{cpu.percent(cpu.other_threads):.2f} %", "", ""),
        ("CPU per audio event (all threads)", f"{cpu.process / max(1, events) * 1e6:.1f} us", "", ""),
        ("  event-loop thread / other threads",
         f"{cpu.main_thread / max(1, events) * 1e6:.1f} / "
         f"{cpu.other_threads / max(1, events) * 1e6:.1f} us", "", ""),
        ("max lag behind the schedule (all sends)", f"{max_lag_ms:.2f} ms", "", ""),
        ("  p99 / p50 lag", f"{percentile(r.lags, 0.99) * 1000:.2f} / "
         f"{percentile(r.lags, 0.5) * 1000:.2f} ms", "", ""),
        ("  max lag during warm-up (not counted)", f"{max(r.warm_lags) * 1000:.2f} ms", "", ""),
        ("max time inside write_data", f"{max(r.write_durations, default=0) * 1000:.2f} ms", "", ""),
        ("audio events sent in the window", f"{events} / {expected}", "", ""),
        ("context switches per audio event", f"{cpu.switches / max(1, events):.1f}", "", ""),
        ("response body received (counted, not decoded)", f"{r.body_bytes:,} bytes", "", ""),
        ("time to open all streams (setup)", f"{r.open_seconds:.2f} s", "", ""),
        ("time to pre-sign every event (setup)", f"{r.sign_seconds:.2f} s", "", ""),
        ("measured window (wall)", f"{cpu.wall:.2f} s", "", ""),
        ("emulator CPU (other process, context)",
         "n/a" if r.emulator_cpu is None else f"{cpu.percent(r.emulator_cpu):.1f} %", "", ""),
    ]
    print_table(
        f"floor: {args.streams} concurrent real-time streams, raw awscrt, no SDK "
        f"({'aligned' if args.aligned else 'spread'}{', tuned' if TUNED else ''})"
        f"{' - ERRORS, see below' if r.errors else ''}",
        rows,
    )


# ------------------------------------------------------------------- unpaced


class UnpacedFloor:
    """What one unpaced run measured."""

    def __init__(self, coalesce: bool) -> None:
        self.coalesce = coalesce
        self.audio_seconds = 0.0
        self.events = 0
        self.write_calls = 0
        self.waits = 0
        self.send_cpu: Optional[CpuDelta] = None  # first write -> last write handed over
        self.total_cpu: Optional[CpuDelta] = None  # first write -> every write completed
        self.emulator_cpu: Optional[float] = None
        self.body_bytes = 0
        self.errors: List[str] = []


async def _wait_write(future: "concurrent.futures.Future[None]") -> None:
    try:
        await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), WAIT_TIMEOUT)
    except asyncio.TimeoutError:
        raise RuntimeError(f"a write did not complete within {WAIT_TIMEOUT:g} s") from None


async def send_unpaced(raw: RawStream, coalesce: bool, result: UnpacedFloor) -> None:
    """Write ``raw.events`` as fast as awscrt takes them, at most WRITE_WINDOW in flight.

    When the window has no room for the next event, await the oldest write
    whose completion brings the bytes in flight to half the window or less;
    then hand over what fits: one ``write_data`` per event, or (``coalesce``)
    the events joined into writes of up to half the window.
    """
    events = raw.events
    n = len(events)
    write = raw.http_stream.write_data
    writes: Deque[Tuple["concurrent.futures.Future[None]", int]] = collections.deque()
    half = WRITE_WINDOW // 2
    in_flight = 0
    i = 0
    try:
        while i < n:
            # Completed writes leave the window (Future.done() is thread-safe).
            while writes and writes[0][0].done():
                future, size = writes.popleft()
                in_flight -= size
                error = None if future.cancelled() else future.exception()
                if error is not None:
                    raise RuntimeError(f"a write failed: {error}")
            room = WRITE_WINDOW - in_flight
            if room < len(events[i]) and writes:
                freed = 0
                for future, size in writes:
                    freed += size
                    if in_flight - freed <= half:
                        break
                result.waits += 1
                await _wait_write(future)
                continue
            if coalesce:
                limit = max(len(events[i]), min(room, half))
                j, size = i, 0
                while j < n and size + len(events[j]) <= limit:
                    size += len(events[j])
                    j += 1
                data = events[i] if j == i + 1 else b"".join(events[i:j])
                writes.append((write(body(data)), size))
                in_flight += size
                i = j
            else:
                event = events[i]
                writes.append((write(body(event)), len(event)))
                in_flight += len(event)
                i += 1
            result.write_calls += 1
    finally:
        # What is still in flight, for drain() and finish().
        raw.writes = [future for future, _ in writes]


async def drain(raw: RawStream) -> None:
    """Wait until every write handed to awscrt has completed."""
    if raw.writes:
        await _wait_write(raw.writes[-1])


async def run_unpaced_one(
    setup: Setup,
    messages: Sequence[bytes],
    coalesce: bool,
    audio_seconds: float,
    emulator_pid: Optional[int],
) -> UnpacedFloor:
    result = UnpacedFloor(coalesce)
    result.audio_seconds = audio_seconds
    result.events = len(messages)
    streams = await open_raw_streams(setup, 1, result.errors)
    if not streams:
        return result
    raw = streams[0]
    try:
        presign(raw, messages)
        gc.collect()
        emu_before = proc_cpu_seconds(emulator_pid) if emulator_pid else None
        start = CpuSample.now()
        try:
            await send_unpaced(raw, coalesce, result)
        except Exception as exc:
            result.errors.append(f"sender: {type(exc).__name__}: {exc}")
        sent = CpuSample.now()
        try:
            await drain(raw)
        except Exception as exc:
            result.errors.append(f"drain: {type(exc).__name__}: {exc}")
        drained = CpuSample.now()
        emu_after = proc_cpu_seconds(emulator_pid) if emulator_pid else None
        result.send_cpu = CpuDelta.between(start, sent)
        result.total_cpu = CpuDelta.between(start, drained)
        if emu_before is not None and emu_after is not None:
            result.emulator_cpu = emu_after - emu_before
    finally:
        await finish(streams, result.errors)
    result.body_bytes = raw.body_bytes
    return result


async def run_unpaced(
    env: Dict[str, str], args: argparse.Namespace, emulator_pid: int
) -> List[Tuple[UnpacedFloor, UnpacedFloor]]:
    """Per variant: (warm-up run, measured run)."""
    setup = Setup(env)
    pieces = chunks(looped_pcm(args.audio_seconds), args.chunk_bytes)
    messages = audio_messages(pieces)
    audio_seconds = sum(len(p) for p in pieces) / BYTES_PER_SECOND
    warm_pieces = chunks(looped_pcm(args.warmup_seconds), args.chunk_bytes) if args.warmup_seconds > 0 else []
    warm_messages = audio_messages(warm_pieces)
    variants = {"both": (False, True), "only": (True,), "never": (False,)}[args.coalesce]
    runs: List[Tuple[UnpacedFloor, UnpacedFloor]] = []
    for coalesce in variants:
        warm = UnpacedFloor(coalesce)
        if warm_messages:
            warm = await run_unpaced_one(setup, warm_messages, coalesce, args.warmup_seconds, None)
        measured = await run_unpaced_one(setup, messages, coalesce, audio_seconds, emulator_pid)
        runs.append((warm, measured))
    return runs


def report_unpaced(args: argparse.Namespace, r: UnpacedFloor) -> None:
    send, total = r.send_cpu, r.total_cpu
    if send is None or total is None:
        print(f"\nunpaced ({'coalesced' if r.coalesce else 'per event'}): nothing measured")
        return
    per_cpu = r.audio_seconds / send.process if send.process > 0 else float("inf")
    per_cpu_total = r.audio_seconds / total.process if total.process > 0 else float("inf")
    events = max(1, r.events)
    rows: List[Tuple[str, str, str, str]] = [
        ("audio sent", f"{r.audio_seconds:.1f} s in {r.events} events", "", ""),
        ("write_data calls / waits for the window", f"{r.write_calls} / {r.waits}", "", ""),
        ("audio-s per client CPU-s (sending)", f"{per_cpu:,.0f}", "", ""),
        ("audio-s per client CPU-s (until all written)", f"{per_cpu_total:,.0f}", "", ""),
        ("client CPU while sending, process_time", f"{send.process * 1000:.1f} ms", "", ""),
        ("client CPU while sending, getrusage", f"{send.rusage * 1000:.1f} ms", "", ""),
        ("  of which event-loop thread", f"{send.main_thread * 1000:.1f} ms", "", ""),
        ("  of which other (awscrt) threads", f"{send.other_threads * 1000:.1f} ms", "", ""),
        ("CPU per event (sending)", f"{send.process / events * 1e6:.1f} us", "", ""),
        ("  event-loop thread / other threads",
         f"{send.main_thread / events * 1e6:.1f} / {send.other_threads / events * 1e6:.1f} us",
         "", ""),
        ("CPU per event (until all written)", f"{total.process / events * 1e6:.1f} us", "", ""),
        ("context switches per event", f"{send.switches / events:.1f}", "", ""),
        ("wall time of the send", f"{send.wall:.2f} s "
         f"({r.audio_seconds / send.wall:,.0f}x real time)" if send.wall > 0 else "n/a", "", ""),
        ("response body received (counted, not decoded)", f"{r.body_bytes:,} bytes", "", ""),
        ("emulator CPU while sending (context)",
         "n/a" if r.emulator_cpu is None else f"{r.emulator_cpu:.2f} s", "", ""),
    ]
    variant = (
        f"coalesced (writes of up to {WRITE_WINDOW // 2 // 1024} KiB)"
        if r.coalesce
        else "one write_data per event"
    )
    print_table(
        f"floor: {args.audio_seconds:g} s of audio unpaced, one stream, raw awscrt, no SDK, "
        f"{variant}{', tuned' if TUNED else ''}{' - ERRORS, see below' if r.errors else ''}",
        rows,
    )


# ----------------------------------------------------------------------- main


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Measure the floor cost of streaming audio to the emulator (separate "
            "process) through awscrt's HTTP/2 binding alone, with no SDK code on "
            "the hot path."
        )
    )
    parser.add_argument(
        "--mode", choices=("concurrent", "unpaced", "both"), default="both",
        help="which run(s); both: concurrent, then unpaced (default: %(default)s)",
    )
    parser.add_argument(
        "--tuned", action="store_true",
        help="also take the SDK's transport measures any awscrt client could take: "
        "keep the awscrt threads' Python thread states, read bodies with "
        "BytesIO.readinto, and (concurrent mode) hand writes over on a shared 5 ms grid",
    )
    group = parser.add_argument_group("concurrent mode")
    group.add_argument(
        "--streams", type=positive_int, default=100,
        help="concurrent streams (default: %(default)s)",
    )
    group.add_argument(
        "--seconds", type=positive_float, default=20.0,
        help="measured seconds of real-time sending (default: %(default)s)",
    )
    group.add_argument(
        "--warmup", type=float, default=3.0,
        help="seconds sent before measuring, to exclude first-use costs (default: %(default)s)",
    )
    group.add_argument(
        "--chunk-ms", type=positive_float, default=100.0,
        help="audio per event, in ms (default: %(default)s)",
    )
    group.add_argument(
        "--aligned", action="store_true",
        help="all streams send at the same instants (worst case) instead of spread",
    )
    group = parser.add_argument_group("unpaced mode")
    group.add_argument(
        "--audio-seconds", type=positive_float, default=600.0,
        help="seconds of 16 kHz audio to send (default: %(default)s)",
    )
    group.add_argument(
        "--chunk-bytes", type=positive_int, default=16 * 1024,
        help="bytes of audio per event (default: %(default)s)",
    )
    group.add_argument(
        "--warmup-seconds", type=float, default=20.0,
        help="audio sent first on a separate, unmeasured stream; 0 for none (default: %(default)s)",
    )
    coalesce = group.add_mutually_exclusive_group()
    coalesce.add_argument(
        "--coalesce", dest="coalesce", action="store_const", const="only", default="both",
        help="run only the variant that joins the events fitting after each wait into "
        "writes of up to 128 KiB (default: both variants, per event first)",
    )
    coalesce.add_argument(
        "--no-coalesce", dest="coalesce", action="store_const", const="never",
        help="run only the variant with one write_data per event",
    )
    args = parser.parse_args(argv)
    if args.mode != "unpaced" and args.warmup + args.seconds > PRESIGNED_LIFETIME:
        parser.error(
            f"--warmup + --seconds must stay under {PRESIGNED_LIFETIME:g} s: events are "
            "signed before sending and the emulator accepts them for 5 minutes"
        )
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    global TUNED
    args = parse_args(argv)
    TUNED = args.tuned
    for line in environment_lines():
        print(line)
    ok, detail = check_process_time_counts_threads()
    print(f"process_time() counts all threads: {'yes' if ok else 'NO'} ({detail})")

    if args.mode in ("concurrent", "both"):
        emulator_args = ["--max-sessions", str(args.streams + 10), "--idle-timeout", "60"]
        with EmulatorProcess(emulator_args) as emulator:
            print(
                f"emulator pid {emulator.pid} at "
                f"{emulator.env['AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING']}"
            )
            print(
                f"floor, concurrent: {args.streams} streams, {args.seconds:g} s measured after "
                f"{args.warmup:g} s warm-up, "
                f"{'aligned' if args.aligned else 'spread over one chunk period'}..."
            )
            paced = asyncio.run(run_concurrent(emulator.env, args, emulator.pid))
            stderr = emulator.stderr_tail()
        report_concurrent(args, paced)
        for error in paced.errors[:20]:
            print(f"error: {error}")
        if len(paced.errors) > 20:
            print(f"... and {len(paced.errors) - 20} more errors")
        if stderr.strip():
            print(f"emulator stderr (tail):\n{stderr}")

    if args.mode in ("unpaced", "both"):
        with EmulatorProcess(["--idle-timeout", "60"]) as emulator:
            print(
                f"emulator pid {emulator.pid} at "
                f"{emulator.env['AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING']}"
            )
            print(
                f"floor, unpaced: {args.audio_seconds:g} s of audio in {args.chunk_bytes}-byte "
                f"events (after a {args.warmup_seconds:g} s warm-up stream per variant)..."
            )
            runs = asyncio.run(run_unpaced(emulator.env, args, emulator.pid))
            stderr = emulator.stderr_tail()
        for warm, measured in runs:
            report_unpaced(args, measured)
            for error in (warm.errors + measured.errors)[:10]:
                print(f"error: {error}")
        if stderr.strip():
            print(f"emulator stderr (tail):\n{stderr}")


if __name__ == "__main__":
    main()
