"""The command line: ``amazon-transcribe`` / ``python -m amazon_transcribe``.

Transcribe a file, standard input or the microphone, live, against AWS or
the embedded emulator (``--local``). Built on the public helpers
:mod:`amazon_transcribe.sources` (audio in chunks, paced) and
:mod:`amazon_transcribe.transcript` (partial and final results assembled
into segments); see ``docs/cli.rst`` for the options, the output formats,
the JSON schema and the exit statuses.

Imports stay light: the emulator (and with it h2, PocketSphinx, numpy) is
imported only with ``--local``; ``sounddevice`` only with ``--mic``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import traceback
from contextlib import AsyncExitStack
from typing import IO, Any, Dict, Optional, Sequence, TextIO

from ._cli_args import (
    _PROG,
    EXIT_CREDENTIALS,
    EXIT_FAILURE,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_SERVICE,
    EXIT_USAGE,
    FORMATS,
    _check_args,
    _CliError,
    _open_source,
    _stream_options,
    build_parser,
)
from ._cli_output import Display, Progress, render_srt, render_vtt, segment_json
from .exceptions import (
    CredentialsException,
    HTTPException,
    NoRegionError,
    ServiceException,
    ValidationException,
)
from .resilience import ReplayOverflow, StreamResumed
from .sources import AudioSource, AudioSourceError
from .transcript import TranscriptAssembler

__all__ = [
    "main",
    "build_parser",
    "EXIT_OK",
    "EXIT_FAILURE",
    "EXIT_USAGE",
    "EXIT_INPUT",
    "EXIT_CREDENTIALS",
    "EXIT_SERVICE",
    "EXIT_NETWORK",
    "EXIT_INTERRUPTED",
    "FORMATS",
]

# Error codes of AWS's authentication layer (all HTTP 403).
_AUTH_ERRORS = frozenset({
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
    "ExpiredTokenException",
    "InvalidClientTokenId",
})



async def _start_local(args: argparse.Namespace, stack: AsyncExitStack) -> Any:
    try:
        from .emulator import TranscribeEmulator
        from .emulator.app import make_engine

        engine = make_engine(args.local_engine)
    except ImportError as exc:
        raise _CliError(
            f"--local needs the emulator extra: pip install 'amazon-transcribe[emulator]' ({exc})",
            EXIT_USAGE,
        ) from exc
    from .emulator.faults import FaultSpecError, Faults, parse_fault_spec

    faults = Faults()
    for spec in args.local_fault:
        try:
            fault, session_id, times = parse_fault_spec(spec)
        except FaultSpecError as exc:
            raise _CliError(f"--local-fault {exc}", EXIT_USAGE) from None
        faults.add(fault, session_id=session_id, times=times)
    emulator = TranscribeEmulator(engine=engine, faults=faults)
    await stack.enter_async_context(emulator)
    return emulator


async def _start_stream(client: Any, args: argparse.Namespace, options: Dict[str, Any]) -> Any:
    """A resilient stream for PCM audio unless ``--no-resilience``, else a plain one.

    Compressed audio (FLAC, Ogg Opus) goes out as it is read: silence cannot
    be made for it, nor a replay started at an arbitrary byte.
    """
    if args.no_resilience or options.get("media_encoding") != "pcm":
        return await client.start_stream_transcription(**options)
    return await client.start_resilient_stream_transcription(**options)


def _note(message: str) -> None:
    sys.stderr.write(f"{_PROG}: {message}\n")
    sys.stderr.flush()


def _classify(exc: BaseException) -> Optional[_CliError]:
    """The exit status and message of an SDK error (None: unexpected)."""
    if isinstance(exc, _CliError):
        return exc
    if isinstance(exc, ValidationException):
        return _CliError(str(exc), EXIT_USAGE)
    if isinstance(exc, CredentialsException):
        return _CliError(str(exc), EXIT_CREDENTIALS)
    if isinstance(exc, ServiceException):
        if exc.status_code in (401, 403) or exc.error_code in _AUTH_ERRORS:
            return _CliError(f"the service refused the credentials: {exc}", EXIT_CREDENTIALS)
        return _CliError(f"service error: {exc}", EXIT_SERVICE)
    if isinstance(exc, HTTPException):
        return _CliError(f"network error: {exc}", EXIT_NETWORK)
    if isinstance(exc, AudioSourceError):
        return _CliError(exc.message, EXIT_INPUT)
    if isinstance(exc, OSError):
        return _CliError(f"input error: {exc}", EXIT_INPUT)
    return None


async def _run(args: argparse.Namespace) -> int:
    from .auth import CredentialResolver, StaticCredentialResolver
    from .client import TranscribeStreamingClient

    _check_args(args)
    source = _open_source(args)
    if args.channel_identification and source.channels != 2:
        raise _CliError("channel identification needs two-channel audio", EXIT_USAGE)

    out_file: Optional[IO[str]] = None
    stdout_tty = sys.stdout.isatty()
    stderr_tty = sys.stderr.isatty()
    live = args.format == "text" and args.output is None and stdout_tty
    async with AsyncExitStack() as stack:
        region = args.region
        endpoint = args.endpoint
        ca_bundle = args.ca_bundle
        resolver: Optional[CredentialResolver] = None
        if args.local:
            emulator = await _start_local(args, stack)
            region = region or emulator.region
            endpoint = emulator.endpoint
            ca_bundle = str(emulator.ca_file)
            resolver = StaticCredentialResolver(*emulator.credentials)
        elif args.profile:
            # As AWS_PROFILE: the profile selects the credentials (SSO
            # included), the region and the endpoint settings alike.
            os.environ["AWS_PROFILE"] = args.profile
        try:
            # The client reads the region from AWS_REGION or the profile too.
            client = TranscribeStreamingClient(region=region, endpoint=endpoint,
                                               ca_bundle=ca_bundle, credential_resolver=resolver)
        except NoRegionError:
            raise _CliError("no region: pass --region, set AWS_REGION, or set region in "
                            "the AWS profile", EXIT_USAGE) from None
        await stack.enter_async_context(client)
        options = _stream_options(args, source)
        stream = await _start_stream(client, args, options)
        if not args.no_resilience:
            # Closed before the client: its supervisor uses the client.
            stack.push_async_callback(stream.aclose)

        if args.output:
            try:
                out_file = open(args.output, "w", encoding="utf-8")
            except OSError as exc:
                raise _CliError(f"cannot write {args.output}: {exc.strerror or exc}",
                               EXIT_USAGE) from exc
            stack.callback(out_file.close)
        out: TextIO = out_file if out_file is not None else sys.stdout  # type: ignore[assignment]
        display = Display(args, out, live)
        # Progress goes to a terminal's stderr, unless the live transcript
        # already uses that terminal (two redrawn lines would fight).
        progress = Progress(source, sys.stderr, enabled=(
            stderr_tty and not live and not args.no_progress and not source.live))
        assembler = TranscriptAssembler()
        _install_stop(source)

        async def send() -> None:
            async for chunk in source.chunks(realtime=not args.fast):
                await stream.input_stream.send_audio_event(audio_chunk=chunk)
                progress.update()
                if args.duration is not None and source.position >= args.duration:
                    break
            await stream.input_stream.end_stream()

        async def receive() -> None:
            async for event in stream.output_stream:
                if isinstance(event, StreamResumed):
                    # The transcript carries on; say why there was a gap.
                    _note(f"stream resumed after {event.reason} "
                          f"({event.gap_seconds:.1f} s gap, "
                          f"{event.replayed_seconds:.1f} s of audio sent again)")
                    continue
                if isinstance(event, ReplayOverflow):
                    _note(f"{event.lost_seconds:.1f} s of audio from "
                          f"{event.lost_from:.1f} s could not be sent again and are "
                          "missing from the transcript")
                    continue
                for segment in assembler.add_event(event):
                    display.final(segment)
                display.partial(assembler)

        sender = asyncio.ensure_future(send())
        receiver = asyncio.ensure_future(receive())
        try:
            # Whichever fails first decides the error; the other is cancelled.
            done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            await asyncio.gather(sender, receiver)
        finally:
            for task in (sender, receiver):
                task.cancel()
            await asyncio.gather(sender, receiver, return_exceptions=True)
            display.close()
            progress.close()
        assembler.finish()
        _write_document(args, out, source, assembler, stream)
    return EXIT_OK


def _install_stop(source: AudioSource) -> None:
    """First Ctrl-C ends the audio (the stream still gets its final results)."""
    loop = asyncio.get_running_loop()

    def first_interrupt() -> None:
        source.stop()
        # The next Ctrl-C interrupts for good.
        loop.remove_signal_handler(signal.SIGINT)

    try:
        loop.add_signal_handler(signal.SIGINT, first_interrupt)
    except (NotImplementedError, RuntimeError, ValueError):
        pass  # not the main thread, or no signal support (Windows): Ctrl-C interrupts


def _write_document(args: argparse.Namespace, out: TextIO, source: AudioSource,
                    assembler: TranscriptAssembler, stream: Any) -> None:
    duration = source.duration if source.duration is not None else source.position
    segments = assembler.sorted_segments()
    if args.format == "json":
        response = stream.response
        document = {
            "audio": {
                "source": source.name,
                "media_encoding": source.media_encoding,
                "sample_rate": source.sample_rate,
                "channels": source.channels,
                "duration": round(duration, 3),
            },
            "session_id": response.session_id,
            "request_id": response.request_id,
            "language_code": str(response.language_code) if response.language_code else None,
            "transcript": assembler.transcript(),
            "segments": [segment_json(s) for s in segments],
        }
        out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    elif args.format == "srt":
        out.write(render_srt(segments, duration))
    elif args.format == "vtt":
        out.write(render_vtt(segments, duration))
    out.flush()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line.

    :param argv: the arguments (``sys.argv[1:]`` by default).
    :returns: the exit status (see the ``EXIT_*`` constants).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.debug:
        # Resumes are told as one line by the command itself (_note), not
        # by the resilience module's log lines.
        logging.getLogger("amazon_transcribe.resilience").addHandler(logging.NullHandler())
        logging.getLogger("amazon_transcribe.resilience").propagate = False
    if args.debug:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                            format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{_PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except BaseException as exc:  # every error ends as one line and a status
        if isinstance(exc, SystemExit):
            raise
        error = _classify(exc)
        if args.debug:
            traceback.print_exc()
        if error is None:
            sys.stderr.write(f"{_PROG}: unexpected error: {type(exc).__name__}: {exc} "
                             "(run with --debug for details)\n")
            return EXIT_FAILURE
        message = " ".join(error.message.split())  # one line, whatever the source said
        sys.stderr.write(f"{_PROG}: error: {message}\n")
        return error.status
