"""Command line: ``python -m amazon_transcribe.emulator [options]``.

Starts a :class:`~amazon_transcribe.emulator.TranscribeEmulator`, prints
ready-to-paste ``export`` lines that point AWS clients at it (endpoint, CA
bundle, credentials, region), then serves until SIGINT or SIGTERM and shuts
down cleanly (exit status 0).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
import logging
import shlex
import signal
import sys
from pathlib import Path
from typing import IO, List, Optional, Sequence

from .app import DEFAULT_CREDENTIALS, DEFAULT_REGION, TranscribeEmulator, make_engine
from ._connection import IDLE_CONNECTION_TIMEOUT, PREFACE_TIMEOUT
from ._listener import HANDSHAKE_TIMEOUT
from .faults import FAULT_KINDS, FaultSpecError, Faults, parse_fault_spec
from .records import StreamRecord

__all__ = ["build_parser", "main"]

_log = logging.getLogger("amazon_transcribe.emulator")
_DEFAULT_KEY, _DEFAULT_SECRET = next(iter(DEFAULT_CREDENTIALS.items()))

_FAULT_HELP = f"""\
inject a fault (repeatable). SPEC is KIND[:NAME=VALUE,...] with KIND one of
{', '.join(FAULT_KINDS)}; every kind takes session=ID (only streams with
that session id) and times=N (at most N streams). Kinds and options:
exception (type, message, after), http-error (status, type, message),
reset (after), rst-stream (code, after), goaway (code, after),
stall (read=yes|no, send=yes|no, after), slow-reader (window, ack,
interval). 'after' counts audio events; 'message' must come last and may
contain commas. Example: exception:type=LimitExceededException,after=3,message=Slow down"""


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser.

    :returns: the parser.
    """
    parser = argparse.ArgumentParser(
        prog="python -m amazon_transcribe.emulator",
        description=(
            "Run a local Amazon Transcribe Streaming emulator: HTTP/2 over TLS with a "
            "local CA, SigV4 verification, the service's framing and errors. Prints "
            "the environment variables that point AWS clients at it, then serves "
            "until interrupted (Ctrl-C or SIGTERM)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=8443,
        help="port to listen on; 0 picks a free port (default: %(default)s)",
    )
    parser.add_argument(
        "--websocket-port",
        type=_port,
        default=None,
        help="port of the WebSocket endpoint (presigned URLs); 0 picks a free port "
        "(default: the HTTP/2 port plus one, or a free port when --port is 0)",
    )
    parser.add_argument(
        "--engine",
        choices=("scripted", "sphinx"),
        default=None,
        help=(
            "recognition engine: 'sphinx' transcribes the speech it is sent (offline "
            "English recognition with PocketSphinx, installed with the emulator extra); "
            "'scripted' answers with deterministic results from --script (or a fixed "
            "greeting), for tests that need exact output "
            "(default: 'sphinx', so that speech gets a transcript; 'scripted' when "
            "--script is given. The Python API TranscribeEmulator and the pytest fixture "
            "default to 'scripted', whose output tests can predict)"
        ),
    )
    parser.add_argument(
        "--script",
        type=Path,
        metavar="FILE.json",
        help="JSON script for the scripted engine (results and faults to produce)",
    )
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="accept any credentials: do not check SigV4 request and event signatures",
    )
    parser.add_argument(
        "--access-key-id",
        default=_DEFAULT_KEY,
        help="access key id the emulator accepts (default: %(default)s)",
    )
    parser.add_argument(
        "--secret-access-key",
        default=_DEFAULT_SECRET,
        help="secret access key of --access-key-id (default: AWS's documentation example)",
    )
    parser.add_argument(
        "--region",
        default=DEFAULT_REGION,
        help="region printed for clients to sign with (default: %(default)s)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        help=(
            "directory for the generated CA and server certificate, reused across "
            "restarts (default: $AMAZON_TRANSCRIBE_EMULATOR_HOME, else "
            "$XDG_CACHE_HOME/amazon-transcribe-emulator or ~/.cache/amazon-transcribe-emulator)"
        ),
    )
    parser.add_argument(
        "--idle-timeout",
        type=_positive_float,
        default=15.0,
        metavar="S",
        help="seconds without audio before a stream fails, as the service does (default: 15)",
    )
    parser.add_argument(
        "--max-duration",
        type=_positive_float,
        default=4 * 3600.0,
        metavar="S",
        help="seconds a stream may last before LimitExceededException (default: 14400)",
    )
    parser.add_argument(
        "--resumed-result-times",
        choices=("stream", "session"),
        default="stream",
        help=(
            "where the result times of a stream that resumes a session inside its "
            "SessionResumeWindow start (undocumented by the service): 'stream' at 0, "
            "like any stream, or 'session' where the session's last final result "
            "ended (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--max-sessions",
        type=_positive_int,
        metavar="N",
        help=(
            "concurrent streams the engine serves (sphinx: decoders); one more gets "
            "LimitExceededException, as at the service's quota (default: sphinx 4, "
            "scripted no limit)"
        ),
    )
    parser.add_argument(
        "--handshake-timeout",
        type=_positive_float,
        default=HANDSHAKE_TIMEOUT,
        metavar="S",
        help="seconds a client has to complete the TLS handshake (default: %(default)s)",
    )
    parser.add_argument(
        "--preface-timeout",
        type=_positive_float,
        default=PREFACE_TIMEOUT,
        metavar="S",
        help="seconds a client has, after TLS, to send the HTTP/2 preface (default: %(default)s)",
    )
    parser.add_argument(
        "--idle-connection-timeout",
        type=_positive_float,
        default=IDLE_CONNECTION_TIMEOUT,
        metavar="S",
        help=(
            "seconds a connection may stay open with no stream before it gets GOAWAY "
            "(default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help=_FAULT_HELP,
    )
    parser.add_argument(
        "--records",
        type=Path,
        metavar="FILE.jsonl",
        help=(
            "append one JSON line per stream to FILE as the stream ends: operation, "
            "session id, status, audio bytes and their SHA-256, signatures, faults, "
            "error and end reason (what the emulator saw, for scripts and load tests)"
        ),
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        type=str.upper,
        help="logging level on stderr (default: %(default)s)",
    )
    return parser


def _export_lines(emulator: TranscribeEmulator) -> List[str]:
    lines = [f"# Amazon Transcribe Streaming emulator listening on {emulator.endpoint}"]
    for name, value in emulator.environment().items():
        lines.append(f"export {name}={shlex.quote(value)}")
    lines.append(f"# CA certificate (trust it to connect): {emulator.ca_file}")
    return lines


def _write_records_to(emulator: TranscribeEmulator, sink: "IO[str]") -> None:
    def write(record: "StreamRecord") -> None:
        sink.write(json.dumps(record.to_dict()) + "\n")
        sink.flush()

    emulator.records.add_end_listener(write)


async def _serve(emulator: TranscribeEmulator) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
        except (NotImplementedError, RuntimeError):
            # Windows: Ctrl-C arrives as KeyboardInterrupt instead.
            pass
    try:
        async with emulator:
            print("\n".join(_export_lines(emulator)), flush=True)
            _log.info("serving on %s; press Ctrl-C to stop", emulator.endpoint)
            await stop.wait()
            _log.info("shutting down")
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def _return_big_buffers_to_the_system() -> None:
    """Serve big buffers from ``mmap`` so that freeing them gives the memory back.

    asyncio's TLS protocol allocates a 256 KiB buffer per connection. glibc
    serves blocks that size from ``mmap`` at first, but raises its threshold
    after the first one is freed, and from then on serves them from the heap,
    where the gaps they leave between longer-lived objects cannot be handed
    back: under waves of hundreds of connections the server's RSS crept up
    by 10-15 MiB a wave. A fixed threshold (which turns the raising off)
    keeps it flat. Only the command line does this, since it owns the process.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    m_mmap_threshold = -3
    mallopt(m_mmap_threshold, 128 * 1024)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the emulator until interrupted.

    :param argv: the arguments (``sys.argv[1:]`` by default).
    :returns: the exit status: 0 after a clean shutdown, 2 for bad options.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    faults = Faults()
    for spec in args.fault:
        try:
            fault, session_id, times = parse_fault_spec(spec)
        except FaultSpecError as exc:
            parser.error(f"--fault {exc}")
        faults.add(fault, session_id=session_id, times=times)
    try:
        engine_name = args.engine or ("scripted" if args.script is not None else "sphinx")
        engine = make_engine(engine_name, script=args.script, max_sessions=args.max_sessions)
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        parser.error(str(exc))
    emulator = TranscribeEmulator(
        host=args.host,
        port=args.port,
        websocket_port=(
            args.websocket_port
            if args.websocket_port is not None
            else (args.port + 1 if args.port else 0)
        ),
        engine=engine,
        credentials={args.access_key_id: args.secret_access_key},
        verify_signatures=not args.no_verify,
        state_dir=args.state_dir,
        idle_timeout=args.idle_timeout,
        max_duration=args.max_duration,
        faults=faults,
        region=args.region,
        handshake_timeout=args.handshake_timeout,
        preface_timeout=args.preface_timeout,
        idle_connection_timeout=args.idle_connection_timeout,
        resumed_result_times=args.resumed_result_times,
    )
    _return_big_buffers_to_the_system()
    sink: Optional["IO[str]"] = None
    if args.records is not None:
        try:
            sink = open(args.records, "a", encoding="utf-8")
        except OSError as exc:
            parser.error(f"--records: {exc}")
        _write_records_to(emulator, sink)
    try:
        asyncio.run(_serve(emulator))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    finally:
        if sink is not None:
            sink.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
