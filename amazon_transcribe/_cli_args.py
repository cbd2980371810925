"""What the user typed: the command line's parser, exit statuses and option checks.

The parser and the mapping from flags to an :class:`~amazon_transcribe.sources.AudioSource`
and to ``start_stream_transcription`` keyword arguments. Running the stream
(the loop, signals, errors to exit statuses) is :mod:`amazon_transcribe.cli`'s.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, Dict, List, NoReturn, Optional

from . import __version__
from .sources import (
    AudioFormatError,
    AudioSource,
    MicrophoneError,
    microphone,
    open_audio,
    pcm_stream,
    raw_pcm_file,
)

_PROG = "amazon-transcribe"

#: Success.
EXIT_OK = 0
#: An unexpected error (a bug: run again with ``--debug`` and report it).
EXIT_FAILURE = 1
#: Wrong options, or a missing optional component (``--local``, ``--mic``).
EXIT_USAGE = 2
#: The input cannot be read or is in a format that cannot be sent.
EXIT_INPUT = 3
#: No credentials, or the service refused them (HTTP 401/403).
EXIT_CREDENTIALS = 4
#: The service refused the request or ended the stream with an error.
EXIT_SERVICE = 5
#: The endpoint cannot be reached, or the connection failed or timed out.
EXIT_NETWORK = 6
#: Interrupted (a second Ctrl-C).
EXIT_INTERRUPTED = 130

#: The output formats.
FORMATS = ("text", "json", "jsonl", "srt", "vtt")

# us-east-1, us-gov-west-1, cn-north-1, eu-isoe-west-1, fips-us-east-1...
_REGION = re.compile(r"^(fips-)?[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_RAW_SUFFIXES = (".raw", ".pcm")



class _CliError(Exception):
    """An error reported as one line, with its exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: the one-line error rule.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _csv(text: str) -> List[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Build the parser of the command line.

    :returns: the parser.
    """
    parser = _Parser(
        prog=_PROG,
        description=(
            "Transcribe a file, standard input or the microphone with Amazon Transcribe "
            "Streaming, live, or with --local against the embedded emulator (no AWS "
            "account needed). Files are sent at real-time pace unless --fast."
        ),
        epilog=(
            "exit statuses: 0 ok, 1 unexpected error, 2 usage, 3 input, "
            "4 credentials/permissions, 5 service error, 6 network, 130 interrupted"
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    src = parser.add_argument_group("input")
    src.add_argument("input", nargs="?", metavar="FILE",
                     help="WAV, FLAC, Ogg Opus (or, with PyAV, MP3 and more); raw PCM "
                          "for .raw/.pcm or --raw; '-' reads raw PCM from standard input")
    src.add_argument("--mic", action="store_true", help="record from the microphone "
                     "(the 'mic' extra); Ctrl-C ends the stream")
    src.add_argument("--device", help="microphone device (number or name)")
    src.add_argument("--raw", action="store_true", help="FILE is raw 16-bit little-endian PCM")
    src.add_argument("--sample-rate", type=int, metavar="HZ",
                     help="sample rate of raw PCM or the microphone (default 16000)")
    src.add_argument("--channels", type=int, choices=(1, 2),
                     help="channels of raw PCM or the microphone (default 1)")
    src.add_argument("--duration", type=_positive, metavar="SECONDS",
                     help="stop after this much audio (microphone, standard input, files)")
    src.add_argument("--chunk-ms", type=int, default=100, metavar="MS",
                     help="audio per event, 50-200 recommended (default 100)")
    src.add_argument("--fast", action="store_true",
                     help="send files as fast as the connection takes them, not in real time")

    opts = parser.add_argument_group("transcription (options of start_stream_transcription)")
    opts.add_argument("-l", "--language", metavar="CODE",
                      help="language of the audio (default en-US unless identifying)")
    opts.add_argument("--identify-language", action="store_true",
                      help="identify the language among --language-options")
    opts.add_argument("--identify-multiple-languages", action="store_true",
                      help="identify several languages among --language-options")
    opts.add_argument("--language-options", type=_csv, metavar="CODES",
                      help="candidate languages, comma-separated")
    opts.add_argument("--preferred-language", metavar="CODE")
    opts.add_argument("--vocabulary", metavar="NAME", help="custom vocabulary")
    opts.add_argument("--vocabularies", type=_csv, metavar="NAMES",
                      help="custom vocabularies (language identification), comma-separated")
    opts.add_argument("--vocabulary-filter", metavar="NAME")
    opts.add_argument("--vocabulary-filters", type=_csv, metavar="NAMES")
    opts.add_argument("--vocabulary-filter-method", choices=("remove", "mask", "tag"))
    opts.add_argument("--speaker-labels", action="store_true", help="label speakers")
    opts.add_argument("--channel-identification", action="store_true",
                      help="transcribe the two channels of stereo audio apart")
    opts.add_argument("--stabilization", choices=("low", "medium", "high"),
                      help="partial-results stabilization at this stability level")
    opts.add_argument("--pii-identification", action="store_true",
                      help="identify personally identifiable information")
    opts.add_argument("--pii-redaction", action="store_true", help="redact it")
    opts.add_argument("--pii-entity-types", metavar="TYPES", help="e.g. NAME,SSN (default ALL)")
    opts.add_argument("--language-model", metavar="NAME", help="custom language model")
    opts.add_argument("--session-id", metavar="UUID")
    opts.add_argument("--session-resume-window", type=int, metavar="MINUTES")
    opts.add_argument("--transcript-format", choices=("written", "spoken"))

    conn = parser.add_argument_group("service")
    conn.add_argument("--region", help="AWS region (default AWS_REGION)")
    conn.add_argument("--endpoint", metavar="URL",
                      help="endpoint URL (default AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING or "
                           "the region's)")
    conn.add_argument("--ca-bundle", metavar="PEM", help="CA certificates to trust")
    conn.add_argument("--profile", help="AWS profile (as AWS_PROFILE: credentials, SSO "
                      "included, region, endpoint settings)")
    conn.add_argument("--local", action="store_true",
                      help="start the emulator in this process and use it (the "
                           "'emulator' extra; offline recognition, no AWS account)")
    conn.add_argument("--local-engine", choices=("sphinx", "scripted"), default="sphinx",
                      help="recognition engine of --local (default sphinx)")
    # Not in --help: a test hook (docs/cli.rst) that makes the --local
    # emulator misbehave, to show what resilience does.
    conn.add_argument("--local-fault", action="append", default=[], metavar="SPEC",
                      help=argparse.SUPPRESS)
    conn.add_argument("--no-resilience", action="store_true",
                      help="no keep-alive, retried start or resume after a dropped or "
                           "failed stream (on by default for PCM audio: the microphone, "
                           "WAV and raw files, standard input)")

    out = parser.add_argument_group("output")
    out.add_argument("-f", "--format", choices=FORMATS, default="text")
    out.add_argument("-o", "--output", metavar="FILE", help="write results here, not stdout")
    out.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    out.add_argument("--debug", action="store_true",
                     help="log to stderr and show tracebacks")
    return parser


# -- options ----------------------------------------------------------------


def _check_args(args: argparse.Namespace) -> None:
    if args.mic and args.input:
        raise _CliError("give FILE or --mic, not both", EXIT_USAGE)
    if not args.mic and not args.input:
        raise _CliError("give a FILE, '-' for standard input, or --mic", EXIT_USAGE)
    if args.region is not None and not _REGION.match(args.region):
        raise _CliError(f"invalid region {args.region!r} (expected a name like us-west-2)",
                       EXIT_USAGE)
    if args.local and args.endpoint:
        raise _CliError("--local and --endpoint exclude each other", EXIT_USAGE)
    if args.local_fault and not args.local:
        raise _CliError("--local-fault needs --local", EXIT_USAGE)
    if not 10 <= args.chunk_ms <= 1000:
        raise _CliError("--chunk-ms must be 10-1000 (50-200 recommended)", EXIT_USAGE)
    identify = args.identify_language or args.identify_multiple_languages
    if identify and not args.language_options:
        raise _CliError("language identification needs --language-options", EXIT_USAGE)
    if identify and args.language:
        raise _CliError("--language and language identification exclude each other",
                       EXIT_USAGE)


def _stream_options(args: argparse.Namespace, source: AudioSource) -> Dict[str, Any]:
    """Map the flags to ``start_stream_transcription`` keyword arguments."""
    options: Dict[str, Any] = {
        "media_encoding": source.media_encoding,
        "media_sample_rate_hz": source.sample_rate,
    }
    if args.identify_language or args.identify_multiple_languages:
        options["identify_language"] = args.identify_language or None
        options["identify_multiple_languages"] = args.identify_multiple_languages or None
        options["language_options"] = args.language_options
        options["preferred_language"] = args.preferred_language
    else:
        options["language_code"] = args.language or "en-US"
    if source.channels == 2:
        options["enable_channel_identification"] = True
        options["number_of_channels"] = 2
    pii_types = args.pii_entity_types
    more = {
        "vocabulary_name": args.vocabulary,
        "vocabulary_names": args.vocabularies,
        "vocab_filter_name": args.vocabulary_filter,
        "vocab_filter_names": args.vocabulary_filters,
        "vocab_filter_method": args.vocabulary_filter_method,
        "show_speaker_label": True if args.speaker_labels else None,
        "enable_partial_results_stabilization": True if args.stabilization else None,
        "partial_results_stability": args.stabilization,
        "content_identification_type": "PII" if args.pii_identification else None,
        "content_redaction_type": "PII" if args.pii_redaction else None,
        "pii_entity_types": pii_types,
        "language_model_name": args.language_model,
        "session_id": args.session_id,
        "session_resume_window": args.session_resume_window,
        "transcript_format": args.transcript_format,
    }
    options.update({key: value for key, value in more.items() if value is not None})
    return options


def _open_source(args: argparse.Namespace) -> AudioSource:
    chunk = args.chunk_ms / 1000
    mono = not args.channel_identification
    rate = args.sample_rate or 16000
    channels = args.channels or 1
    try:
        if args.mic:
            try:
                return microphone(sample_rate=rate, channels=channels, device=_device(args.device),
                                  chunk_duration=chunk, max_duration=args.duration)
            except MicrophoneError as exc:
                raise _CliError(exc.message, EXIT_USAGE) from exc
        if args.input == "-":
            return pcm_stream(sys.stdin.buffer, sample_rate=rate, channels=channels,
                              chunk_duration=chunk, name="<stdin>")
        if args.raw or args.input.lower().endswith(_RAW_SUFFIXES):
            return raw_pcm_file(args.input, sample_rate=rate, channels=channels,
                                chunk_duration=chunk)
        if args.sample_rate or args.channels:
            raise _CliError("--sample-rate and --channels are for raw PCM (--raw, '-') and "
                           "--mic; files say their own", EXIT_USAGE)
        return open_audio(args.input, chunk_duration=chunk, mono=mono)
    except AudioFormatError as exc:
        raise _CliError(exc.message, EXIT_INPUT) from exc
    except ValueError as exc:
        raise _CliError(str(exc), EXIT_USAGE) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _CliError(f"cannot read {args.input}: {reason}", EXIT_INPUT) from exc


def _device(text: Optional[str]) -> Any:
    if text is None:
        return None
    return int(text) if text.isdigit() else text
