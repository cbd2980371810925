"""A local Amazon Transcribe Streaming emulator (install the ``emulator`` extra).

HTTP/2 over TLS with a generated local CA, SigV4 verification, event-stream
framing, the service's errors and pluggable recognition engines. Run it
from the command line (``python -m amazon_transcribe.emulator``), in
process (:class:`TranscribeEmulator`), or from pytest (the
``transcribe_emulator`` fixture of
:mod:`amazon_transcribe.emulator.pytest_plugin`).

The names below are imported on first use, so importing this package (as
the pytest plugin does) needs neither ``h2`` nor ``cryptography``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Dict

if TYPE_CHECKING:
    from .app import DEFAULT_CREDENTIALS, EmulatorCredentials, TranscribeEmulator
    from .engine import Engine, RawEvent, RecognitionSession, Segment, StreamSettings, Word
    from .errors import ServiceError
    from .faults import (
        ConnectionResetFault,
        ExceptionFault,
        FaultRule,
        Faults,
        GoAwayFault,
        HttpErrorFault,
        RstStreamFault,
        SlowReaderFault,
        StallFault,
        parse_fault_spec,
    )
    from .records import StreamRecord, StreamRecords

__all__ = [
    "TranscribeEmulator",
    "EmulatorCredentials",
    "DEFAULT_CREDENTIALS",
    "StreamRecord",
    "StreamRecords",
    "Faults",
    "FaultRule",
    "ExceptionFault",
    "HttpErrorFault",
    "ConnectionResetFault",
    "RstStreamFault",
    "GoAwayFault",
    "StallFault",
    "SlowReaderFault",
    "parse_fault_spec",
    "ServiceError",
    "Engine",
    "RecognitionSession",
    "StreamSettings",
    "Segment",
    "Word",
    "RawEvent",
]

_HOMES: Dict[str, str] = {
    "TranscribeEmulator": "app",
    "EmulatorCredentials": "app",
    "DEFAULT_CREDENTIALS": "app",
    "StreamRecord": "records",
    "StreamRecords": "records",
    "Faults": "faults",
    "FaultRule": "faults",
    "ExceptionFault": "faults",
    "HttpErrorFault": "faults",
    "ConnectionResetFault": "faults",
    "RstStreamFault": "faults",
    "GoAwayFault": "faults",
    "StallFault": "faults",
    "SlowReaderFault": "faults",
    "parse_fault_spec": "faults",
    "ServiceError": "errors",
    "Engine": "engine",
    "RecognitionSession": "engine",
    "StreamSettings": "engine",
    "Segment": "engine",
    "Word": "engine",
    "RawEvent": "engine",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> Any:
    return sorted(set(globals()) | set(__all__))
