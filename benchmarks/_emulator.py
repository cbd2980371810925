"""Shared helpers of the client benchmarks: the emulator process, audio, meters.

The emulator runs as a *separate process* (``python -m
amazon_transcribe.emulator``) so that the CPU time the benchmarks read from
their own process is the client's alone. Every wait on it is bounded, and it
is always terminated (SIGTERM, then SIGKILL) when the benchmark ends.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

if TYPE_CHECKING:
    from amazon_transcribe.client import TranscribeStreamingClient

REPO = Path(__file__).resolve().parent.parent
AUDIO_FILE = REPO / "tests" / "assets" / "sense-0870.wav"
SAMPLE_RATE = 16000
BYTES_PER_SECOND = SAMPLE_RATE * 2  # 16-bit mono PCM

# The variables the emulator prints; all are needed to point the client at it.
_REQUIRED = (
    "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING",
    "AWS_CA_BUNDLE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
)


# ------------------------------------------------------------------ emulator


class EmulatorProcess:
    """The emulator in a child process, started on a free port.

    :param extra_args: more command-line options (``--max-sessions 200``...).
    :param startup_timeout: seconds to wait for its ``export`` lines.
    """

    def __init__(self, extra_args: Sequence[str] = (), startup_timeout: float = 60.0) -> None:
        self._extra_args = list(extra_args)
        self._startup_timeout = startup_timeout
        self._tmp: Optional[str] = None
        self._proc: Optional["subprocess.Popen[bytes]"] = None
        #: The variables printed by the emulator (endpoint, CA, credentials, region).
        self.env: Dict[str, str] = {}

    def start(self) -> "EmulatorProcess":
        # A private state dir: concurrent runs elsewhere on the machine then
        # never race on generating the same CA files.
        self._tmp = tempfile.mkdtemp(prefix="bench-emulator-")
        out_path = os.path.join(self._tmp, "stdout")
        err_path = os.path.join(self._tmp, "stderr")
        cmd = [
            sys.executable,
            "-m",
            "amazon_transcribe.emulator",
            "--port",
            "0",
            "--engine",
            "scripted",
            "--state-dir",
            os.path.join(self._tmp, "state"),
            # INFO logs a line per stream; WARNING keeps the emulator's own
            # CPU (and disk) spent on serving, not on logging.
            "--log-level",
            "WARNING",
            *self._extra_args,
        ]
        # Output goes to files, not pipes: a pipe nobody drains could block
        # the emulator mid-benchmark.
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            self._proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=str(REPO))
        deadline = time.monotonic() + self._startup_timeout
        while True:
            self.env = _parse_exports(Path(out_path).read_text(errors="replace"))
            if all(name in self.env for name in _REQUIRED):
                return self
            if self._proc.poll() is not None or time.monotonic() > deadline:
                stderr = Path(err_path).read_text(errors="replace")[-4000:]
                self.stop()
                raise RuntimeError(
                    f"the emulator did not start (exit status {self._proc.returncode}):\n{stderr}"
                )
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def cpu_seconds(self) -> Optional[float]:
        """CPU time the emulator has used so far (Linux ``/proc``), for context."""
        return proc_cpu_seconds(self.pid)

    def stderr_tail(self, size: int = 4000) -> str:
        if self._tmp is None:
            return ""
        try:
            return Path(self._tmp, "stderr").read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the emulator (SIGTERM, then SIGKILL) and remove its files."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "EmulatorProcess":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _parse_exports(text: str) -> Dict[str, str]:
    env: Dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("export "):
            continue
        # The emulator shell-quotes values (paths may hold spaces).
        name, _, value = line[len("export ") :].partition("=")
        parts = shlex.split(value)
        env[name.strip()] = parts[0] if parts else ""
    return env


def make_client(env: Dict[str, str]) -> "TranscribeStreamingClient":
    """A client pointed at the emulator by its printed variables.

    Imported here, not at module top, so ``--help`` works without awscrt.
    """
    from amazon_transcribe.auth import StaticCredentialResolver
    from amazon_transcribe.client import TranscribeStreamingClient

    return TranscribeStreamingClient(
        region=env["AWS_REGION"],
        endpoint=env["AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING"],
        ca_bundle=env["AWS_CA_BUNDLE"],
        credential_resolver=StaticCredentialResolver(
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        ),
    )


# --------------------------------------------------------------------- audio


def load_pcm(path: Path = AUDIO_FILE) -> bytes:
    """The raw 16 kHz mono s16le samples of a WAV file."""
    with wave.open(str(path), "rb") as wav:
        if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) != (SAMPLE_RATE, 1, 2):
            raise ValueError(f"{path} is not 16 kHz mono 16-bit PCM")
        return wav.readframes(wav.getnframes())


def looped_pcm(seconds: float, path: Path = AUDIO_FILE) -> bytes:
    """``seconds`` of audio: the test file repeated (and cut) to that length."""
    pcm = load_pcm(path)
    size = int(seconds * BYTES_PER_SECOND) & ~1  # whole samples
    repeats = size // len(pcm) + 1
    return (pcm * repeats)[:size]


def chunks(data: bytes, size: int) -> List[bytes]:
    """Split into ``size``-byte chunks (the last may be shorter)."""
    return [data[i : i + size] for i in range(0, len(data), size)]


# -------------------------------------------------------------------- meters


@dataclass
class CpuSample:
    """CPU clocks of this process at one instant."""

    wall: float
    process: float  # time.process_time(): all threads of the process on Linux
    rusage: float  # getrusage(RUSAGE_SELF) user + system: all threads too
    main_thread: float  # time.thread_time() of the calling (event loop) thread
    switches: int  # context switches of all threads (voluntary + involuntary)

    @staticmethod
    def now() -> "CpuSample":
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return CpuSample(
            wall=time.perf_counter(),
            process=time.process_time(),
            rusage=usage.ru_utime + usage.ru_stime,
            main_thread=time.thread_time(),
            switches=usage.ru_nvcsw + usage.ru_nivcsw,
        )


@dataclass
class CpuDelta:
    wall: float
    process: float
    rusage: float
    main_thread: float
    switches: int

    @staticmethod
    def between(start: CpuSample, end: CpuSample) -> "CpuDelta":
        return CpuDelta(
            wall=end.wall - start.wall,
            process=end.process - start.process,
            rusage=end.rusage - start.rusage,
            main_thread=end.main_thread - start.main_thread,
            switches=end.switches - start.switches,
        )

    @property
    def other_threads(self) -> float:
        """CPU spent off the event-loop thread: awscrt's native threads."""
        return max(0.0, self.process - self.main_thread)

    def percent(self, seconds: float) -> float:
        """``seconds`` of CPU as % of one core over this interval."""
        return 100.0 * seconds / self.wall if self.wall > 0 else float("nan")


def check_process_time_counts_threads() -> Tuple[bool, str]:
    """Check that ``time.process_time()`` includes the CPU of other threads.

    On Linux it reads CLOCK_PROCESS_CPUTIME_ID, which sums every thread
    (awscrt's native threads included); the check makes that visible instead
    of assumed: a helper thread burns ~0.2 s and the process clock must see it.
    """
    import hashlib

    def burn() -> None:
        end = time.thread_time() + 0.2
        block = b"\0" * 65536
        while time.thread_time() < end:
            hashlib.sha256(block).digest()

    before_p, before_t = time.process_time(), time.thread_time()
    thread = threading.Thread(target=burn)
    thread.start()
    thread.join()
    seen = time.process_time() - before_p
    own = time.thread_time() - before_t
    ok = seen - own >= 0.15
    return ok, f"helper thread burned ~0.20 s; process_time saw {seen:.3f} s (main thread {own:.3f} s)"


def wake_cost_us(count: int = 500) -> float:
    """CPU microseconds one thread sleep/wake-up costs on this machine.

    Each block/wake cycle (an event loop waiting for a timer, a CRT thread
    woken for a write, a GIL hand-off) costs kernel time that is charged to
    the process; on virtual machines it is far from free. Measured here so
    the benchmark figures can be read against it.
    """
    start = time.process_time()
    for _ in range(count):
        time.sleep(0.0001)
    return (time.process_time() - start) / count * 1e6


def rss_bytes() -> Optional[int]:
    """Current resident set size (Linux ``/proc/self/statm``)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of this process, if allowed.

    Writing 5 to ``/proc/self/clear_refs`` does it (Linux >= 4.0), so the peak
    read afterwards belongs to the measured phase, not to start-up.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> Tuple[int, str]:
    """Peak RSS: VmHWM from ``/proc/self/status`` (resettable), else ru_maxrss.

    The kernel updates VmHWM lazily, so it can trail the current RSS by a
    little; the larger of the two is returned.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return max(int(line.split()[1]) * 1024, rss_bytes() or 0), "VmHWM"
    except (OSError, ValueError):
        pass
    # ru_maxrss is in KiB on Linux (bytes on macOS); this is a lifetime peak.
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (maxrss if sys.platform == "darwin" else maxrss * 1024), "ru_maxrss"


def proc_cpu_seconds(pid: int) -> Optional[float]:
    """utime + stime of another process from ``/proc/PID/stat`` (Linux)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        # Fields after the command: state is [0]; utime, stime are [11], [12].
        return (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, ValueError, IndexError):
        return None


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# -------------------------------------------------------------------- report


def mib(size: Optional[float]) -> str:
    return "n/a" if size is None else f"{size / (1024 * 1024):.2f} MiB"


def print_table(title: str, rows: Sequence[Tuple[str, str, str, str]]) -> None:
    """Print ``(measure, value, target, verdict)`` rows as an aligned table."""
    header = ("measure", "value", "target", "")
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    print()
    print(title)
    print(line)
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    print(line)
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
    print(line)


def verdict(ok: Optional[bool]) -> str:
    """'met' / 'MISSED' / '' (no target); reported, never asserted."""
    if ok is None:
        return ""
    return "met" if ok else "MISSED"


def positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def environment_lines() -> List[str]:
    """A few facts about the run that the numbers depend on."""
    import platform

    try:
        import awscrt  # noqa: F401

        from importlib.metadata import version

        crt = version("awscrt")
    except Exception:
        crt = "?"
    return [
        f"python {platform.python_version()}, awscrt {crt}, {os.cpu_count()} CPUs, "
        f"load average {load_average()}",
        f"one thread sleep/wake-up costs {wake_cost_us():.1f} us of CPU on this machine",
    ]


# ------------------------------------------------------ paced (real-time) run


@dataclass
class PacedResult:
    """What :func:`run_paced` measured."""

    streams: int
    seconds: float
    open_seconds: float  # wall time to open every stream
    lags: List[float]  # lateness of each send in the measured window, seconds
    warmup_max_lag: float
    send_durations: List[float]  # time inside send_audio_event, measured window
    cpu: CpuDelta  # the client process over the measured window
    emulator_cpu: Optional[float]  # the emulator process over the same window
    events: int  # output events the readers received (whole run)
    errors: List[str]
    rss_before: Optional[int]  # before the first stream was opened
    rss_end: Optional[int]  # at the end of the measured window
    peak_rss: int  # peak since just before the first stream was opened
    peak_rss_source: str
    peak_rss_reset: bool  # False: the peak is the process lifetime's
    traced_peak: Optional[int]  # tracemalloc peak, when enabled
    traced_before: Optional[int]


async def run_paced(
    env: Dict[str, str],
    *,
    streams: int,
    seconds: float,
    warmup: float,
    chunk_ms: float,
    aligned: bool = False,
    trace_memory: bool = False,
    open_concurrency: int = 20,
    emulator_pid: Optional[int] = None,
) -> PacedResult:
    """Open ``streams`` streams and send each 16 kHz audio at real-time pace.

    Every stream sends one ``chunk_ms`` chunk per ``chunk_ms``, scheduled
    against a fixed start (no drift), first for ``warmup`` seconds (not
    measured: first-use costs), then for ``seconds`` (measured). Streams are
    spread evenly over one chunk period unless ``aligned``: independent
    callers do not tick in lockstep, and ``aligned`` is the worst case where
    every stream wants the loop at the same instant.
    """
    import asyncio
    import gc
    import tracemalloc

    loop = asyncio.get_running_loop()
    interval = chunk_ms / 1000.0
    chunk_bytes = int(BYTES_PER_SECOND * interval) & ~1
    n_warm = round(warmup / interval)
    n_meas = round(seconds / interval)
    pieces = chunks(looped_pcm((n_warm + n_meas) * interval), chunk_bytes)

    gc.collect()
    rss_before = rss_bytes()
    peak_reset = reset_peak_rss()
    traced_before = None
    if trace_memory:
        tracemalloc.start()
        traced_before = tracemalloc.get_traced_memory()[0]

    client = make_client(env)
    errors: List[str] = []
    events = 0
    lags: List[float] = []
    warm_lags: List[float] = [0.0]
    durations: List[float] = []
    # Filled by timer callbacks at the edges of the measured window.
    cpu_at: Dict[str, CpuSample] = {}
    emulator_cpu_at: Dict[str, Optional[float]] = {}
    rss_at_end: List[Optional[int]] = [None]

    # Opening is bounded in concurrency: a burst of 100 TLS handshakes is a
    # start-up cost, not what this benchmark measures.
    gate = asyncio.Semaphore(open_concurrency)

    async def open_one() -> Any:
        async with gate:
            return await client.start_stream_transcription(
                language_code="en-US", media_sample_rate_hz=SAMPLE_RATE, media_encoding="pcm"
            )

    async def read_all(stream: Any) -> None:
        nonlocal events
        try:
            async for _event in stream.output_stream:
                events += 1
        except Exception as exc:  # reported, the benchmark goes on
            errors.append(f"reader: {type(exc).__name__}: {exc}")

    async def send_all(k: int, stream: Any, begin: float) -> None:
        base = begin + (0.0 if aligned else k * interval / streams)
        send = stream.input_stream.send_audio_event
        try:
            for i, piece in enumerate(pieces):
                when = base + i * interval
                delay = when - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                woke = loop.time()
                await send(piece)
                if i >= n_warm:
                    lags.append(woke - when)
                    durations.append(loop.time() - woke)
                else:
                    warm_lags.append(woke - when)
        except Exception as exc:
            errors.append(f"sender {k}: {type(exc).__name__}: {exc}")

    def sample(name: str) -> None:
        cpu_at[name] = CpuSample.now()
        emulator_cpu_at[name] = proc_cpu_seconds(emulator_pid) if emulator_pid else None
        if name == "end":
            rss_at_end[0] = rss_bytes()

    try:
        t0 = time.perf_counter()
        opened = await asyncio.gather(*(open_one() for _ in range(streams)), return_exceptions=True)
        open_seconds = time.perf_counter() - t0
        live = [s for s in opened if not isinstance(s, BaseException)]
        for failure in opened:
            if isinstance(failure, BaseException):
                errors.append(f"open: {type(failure).__name__}: {failure}")
        readers = [loop.create_task(read_all(s)) for s in live]
        begin = loop.time() + 0.2
        measure_from = begin + n_warm * interval
        measure_to = measure_from + n_meas * interval
        # Timer callbacks take the samples exactly at the window's edges,
        # whatever the senders are doing then.
        loop.call_at(measure_from, sample, "start")
        loop.call_at(measure_to, sample, "end")
        senders = [loop.create_task(send_all(k, s, begin)) for k, s in enumerate(live)]
        await asyncio.gather(*senders)
        remaining = measure_to - loop.time()
        if remaining > 0:
            await asyncio.sleep(remaining)
        await asyncio.sleep(0.01)  # let the "end" callback run if it is due now

        async def end_one(stream: Any) -> None:
            try:
                await stream.input_stream.end_stream()
            except Exception as exc:
                errors.append(f"end_stream: {type(exc).__name__}: {exc}")

        await asyncio.wait_for(asyncio.gather(*(end_one(s) for s in live)), 60)
        done, pending = await asyncio.wait(readers, timeout=60)
        for task in pending:
            errors.append("reader: output stream did not end within 60 s")
            task.cancel()
    finally:
        await asyncio.wait_for(client.close(), 60)

    traced_peak = None
    if trace_memory:
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    peak, source = peak_rss_bytes()
    if rss_at_end[0] is not None:
        peak = max(peak, rss_at_end[0])
    emu_start, emu_end = emulator_cpu_at.get("start"), emulator_cpu_at.get("end")
    emulator_cpu = emu_end - emu_start if emu_start is not None and emu_end is not None else None
    return PacedResult(
        streams=len(live),
        seconds=n_meas * interval,
        open_seconds=open_seconds,
        lags=lags,
        warmup_max_lag=max(warm_lags),
        send_durations=durations,
        cpu=CpuDelta.between(cpu_at["start"], cpu_at["end"]),
        emulator_cpu=emulator_cpu,
        events=events,
        errors=errors,
        rss_before=rss_before,
        rss_end=rss_at_end[0],
        peak_rss=peak,
        peak_rss_source=source,
        peak_rss_reset=peak_reset and source == "VmHWM",
        traced_peak=traced_peak,
        traced_before=traced_before,
    )


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[index]
