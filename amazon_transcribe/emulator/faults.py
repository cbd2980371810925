"""Fault injection: make the emulator misbehave on purpose, so clients can be tested.

A fault is a small frozen description (:class:`ExceptionFault`,
:class:`HttpErrorFault`, :class:`ConnectionResetFault`,
:class:`RstStreamFault`, :class:`GoAwayFault`, :class:`StallFault`,
:class:`SlowReaderFault`). It is added to a :class:`Faults` registry as a
:class:`FaultRule`, either for every stream (global) or for the streams of
one session id, and optionally for a limited number of streams::

    emulator.faults.add(ExceptionFault("LimitExceededException", "Slow down", after_events=3))
    rule = emulator.faults.add(StallFault(), session_id=SESSION_ID)
    ...
    emulator.faults.remove(rule)          # the stalled stream resumes

Each new stream *claims* the rules that apply to it when it starts (a rule
with ``times=N`` is claimed by N streams at most). A stream then fires its
faults at their trigger point: before the response (HTTP error), right after
the response headers (``after_events=0``) or once it has received that many
audio events. A stall and a slow reader last as long as their rule stays in
the registry, so removing the rule (or :meth:`Faults.clear`) ends them.

On the command line the same faults are written as ``KIND[:NAME=VALUE,...]``
(see :func:`parse_fault_spec`), e.g.
``exception:type=LimitExceededException,after=3,message=Slow down`` or
``stall:session=<id>,read=yes,send=no``.

This module is pure (no I/O, no asyncio): the emulator's stream handler
interprets the faults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple, Union

from .errors import STATUS_BY_ERROR

__all__ = [
    "ExceptionFault",
    "HttpErrorFault",
    "ConnectionResetFault",
    "RstStreamFault",
    "GoAwayFault",
    "StallFault",
    "SlowReaderFault",
    "Fault",
    "FaultRule",
    "Faults",
    "FaultSpecError",
    "parse_fault_spec",
    "FAULT_KINDS",
    "MODELED_EXCEPTIONS",
    "H2_ERROR_CODES",
]

#: Exceptions the streaming operations model in their output unions (§5.1).
MODELED_EXCEPTIONS = (
    "BadRequestException",
    "ConflictException",
    "InternalFailureException",
    "LimitExceededException",
    "ServiceUnavailableException",
)

#: HTTP/2 error codes by name (RFC 9113 §7), for ``RST_STREAM`` and ``GOAWAY``.
H2_ERROR_CODES: Dict[str, int] = {
    "NO_ERROR": 0x0,
    "PROTOCOL_ERROR": 0x1,
    "INTERNAL_ERROR": 0x2,
    "FLOW_CONTROL_ERROR": 0x3,
    "SETTINGS_TIMEOUT": 0x4,
    "STREAM_CLOSED": 0x5,
    "FRAME_SIZE_ERROR": 0x6,
    "REFUSED_STREAM": 0x7,
    "CANCEL": 0x8,
    "COMPRESSION_ERROR": 0x9,
    "CONNECT_ERROR": 0xA,
    "ENHANCE_YOUR_CALM": 0xB,
    "INADEQUATE_SECURITY": 0xC,
    "HTTP_1_1_REQUIRED": 0xD,
}


def _check_after(after_events: int) -> None:
    if after_events < 0:
        raise ValueError(f"after_events must be >= 0, got {after_events}")


def _check_error_code(error_code: int) -> None:
    if not 0 <= error_code <= 0xFFFFFFFF:
        raise ValueError(f"an HTTP/2 error code is a 32-bit unsigned integer, got {error_code}")


@dataclass(frozen=True)
class ExceptionFault:
    """Send an exception message inside the stream, then end it.

    :param error_type: the exception name, e.g. ``"LimitExceededException"``.
    :param message: the exception's ``Message``.
    :param after_events: fire once the stream has received this many audio
        events (0: right after the response headers).
    """

    error_type: str = "InternalFailureException"
    message: str = "Fault injected by the emulator."
    after_events: int = 0

    kind = "exception"

    def __post_init__(self) -> None:
        _check_after(self.after_events)
        if not self.error_type:
            raise ValueError("error_type must not be empty")


@dataclass(frozen=True)
class HttpErrorFault:
    """Answer the request with an HTTP error instead of starting the stream.

    :param error_type: the ``x-amzn-errortype``, e.g. ``"ServiceUnavailableException"``.
    :param message: the JSON body's ``Message``.
    :param status: the HTTP status; by default the one the error type has
        (503 for ``ServiceUnavailableException``...; 400 if unknown).
    """

    error_type: str = "ServiceUnavailableException"
    message: str = "Fault injected by the emulator."
    status: Optional[int] = None

    kind = "http-error"

    def __post_init__(self) -> None:
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP error status (400-599), got {self.status}")
        if not self.error_type:
            raise ValueError("error_type must not be empty")

    @property
    def effective_status(self) -> int:
        """The status sent: :attr:`status`, or the error type's own."""
        if self.status is not None:
            return self.status
        return STATUS_BY_ERROR.get(self.error_type, 400)


@dataclass(frozen=True)
class ConnectionResetFault:
    """Close the stream's TCP connection abruptly (a TCP reset, no TLS close).

    :param after_events: fire once the stream has received this many audio
        events (0: right after the response headers).
    """

    after_events: int = 0

    kind = "reset"

    def __post_init__(self) -> None:
        _check_after(self.after_events)


@dataclass(frozen=True)
class RstStreamFault:
    """Reset the HTTP/2 stream (``RST_STREAM``) with an error code.

    :param error_code: the HTTP/2 error code (2 = ``INTERNAL_ERROR``).
    :param after_events: fire once the stream has received this many audio
        events (0: right after the response headers).
    """

    error_code: int = H2_ERROR_CODES["INTERNAL_ERROR"]
    after_events: int = 0

    kind = "rst-stream"

    def __post_init__(self) -> None:
        _check_after(self.after_events)
        _check_error_code(self.error_code)


@dataclass(frozen=True)
class GoAwayFault:
    """Send ``GOAWAY`` on the stream's connection, then close the connection.

    :param error_code: the HTTP/2 error code (0 = ``NO_ERROR``).
    :param after_events: fire once the stream has received this many audio
        events (0: right after the response headers).
    """

    error_code: int = H2_ERROR_CODES["NO_ERROR"]
    after_events: int = 0

    kind = "goaway"

    def __post_init__(self) -> None:
        _check_after(self.after_events)
        _check_error_code(self.error_code)


@dataclass(frozen=True)
class StallFault:
    """Hang the stream: stop reading its input and/or stop sending its output.

    While stalled, nothing times out: the stream waits until the client
    gives up (resets it or closes the connection) or the rule is removed.
    Not reading means not acknowledging, so the client's flow-control
    window runs dry and its writes block.

    :param reading: stop reading input.
    :param sending: stop sending output.
    :param after_events: stall once the stream has received this many audio
        events (0: right after the response headers).
    """

    reading: bool = True
    sending: bool = True
    after_events: int = 0

    kind = "stall"

    def __post_init__(self) -> None:
        _check_after(self.after_events)
        if not (self.reading or self.sending):
            raise ValueError("a stall must stop reading, sending or both")


@dataclass(frozen=True)
class SlowReaderFault:
    """A slow reader: a tiny flow-control window, acknowledged slowly.

    The stream's input is acknowledged (handed back to the client's
    flow-control window) at most ``ack_bytes`` every ``interval`` seconds. A
    *global* rule present when a connection opens also sets that
    connection's ``SETTINGS_INITIAL_WINDOW_SIZE`` to ``window``; a
    per-session rule can only slow the acknowledgements, since HTTP/2 has no
    per-stream initial window.

    :param window: the initial stream window, in bytes (global rules).
    :param ack_bytes: bytes acknowledged per interval.
    :param interval: seconds between acknowledgements.
    """

    window: int = 1024
    ack_bytes: int = 256
    interval: float = 0.05

    kind = "slow-reader"

    def __post_init__(self) -> None:
        if not 1 <= self.window <= 2**31 - 1:
            raise ValueError(f"window must be between 1 and 2**31-1, got {self.window}")
        if self.ack_bytes < 1:
            raise ValueError(f"ack_bytes must be >= 1, got {self.ack_bytes}")
        if not self.interval > 0:
            raise ValueError(f"interval must be > 0, got {self.interval}")


#: Any fault.
Fault = Union[
    ExceptionFault,
    HttpErrorFault,
    ConnectionResetFault,
    RstStreamFault,
    GoAwayFault,
    StallFault,
    SlowReaderFault,
]


class FaultRule:
    """A fault in a registry: which streams it applies to and how many more.

    Made by :meth:`Faults.add`; pass it to :meth:`Faults.remove` to lift it.

    :param fault: the fault.
    :param session_id: the session id of the streams it applies to
        (``None``: every stream).
    :param times: how many streams may claim it (``None``: no limit).
    """

    def __init__(self, fault: Fault, *, session_id: Optional[str], times: Optional[int]) -> None:
        if times is not None and times < 1:
            raise ValueError(f"times must be >= 1, got {times}")
        #: The fault.
        self.fault = fault
        #: The session id it is limited to, or ``None`` for every stream.
        self.session_id = session_id
        #: Streams that may still claim it (``None``: no limit).
        self.remaining = times
        #: Whether it is still in its registry (a stall lasts while it is).
        self.active = True

    def __repr__(self) -> str:
        return (
            f"FaultRule({self.fault!r}, session_id={self.session_id!r}, "
            f"remaining={self.remaining}, active={self.active})"
        )

    def applies_to(self, session_id: Optional[str]) -> bool:
        """:returns: whether a new stream with ``session_id`` may claim this rule.

        :param session_id: the new stream's session id.
        """
        if not self.active or self.remaining == 0:
            return False
        return self.session_id is None or self.session_id == session_id


class Faults:
    """The fault rules of one emulator, settable at any time from Python.

    Changes take effect for streams that start afterwards, except that
    removing a rule immediately ends the stalls and slow readers it caused.
    Listeners (the emulator's stalled streams) are told of every change.
    """

    def __init__(self) -> None:
        self._rules: List[FaultRule] = []
        self._listeners: List[Callable[[], None]] = []

    def add(
        self, fault: Fault, *, session_id: Optional[str] = None, times: Optional[int] = None
    ) -> FaultRule:
        """Add a fault.

        :param fault: what to do.
        :param session_id: only for streams with this session id (the
            ``x-amzn-transcribe-session-id`` the client sends); every stream
            when ``None``.
        :param times: at most this many streams get it (``None``: no limit).
        :returns: the rule, for :meth:`remove`.
        :raises ValueError: ``times`` is below 1.
        """
        rule = FaultRule(fault, session_id=session_id, times=times)
        self._rules.append(rule)
        self._changed()
        return rule

    def remove(self, rule: FaultRule) -> None:
        """Lift a rule; a stall or slow reader it caused ends now.

        :param rule: a rule returned by :meth:`add` (removing it twice is harmless).
        """
        rule.active = False
        self._rules = [kept for kept in self._rules if kept is not rule]
        self._changed()

    def clear(self) -> None:
        """Lift every rule."""
        for rule in self._rules:
            rule.active = False
        self._rules = []
        self._changed()

    @property
    def rules(self) -> List[FaultRule]:
        """The rules in force, oldest first."""
        return list(self._rules)

    def claim(self, session_id: Optional[str]) -> List[FaultRule]:
        """Take the rules that apply to a new stream (by the emulator).

        :param session_id: the new stream's session id.
        :returns: the rules, oldest first; rules limited by ``times`` are
            counted down.
        """
        claimed = []
        for rule in self._rules:
            if rule.applies_to(session_id):
                if rule.remaining is not None:
                    rule.remaining -= 1
                claimed.append(rule)
        return claimed

    def connection_window(self) -> Optional[int]:
        """The initial stream window a new connection should announce.

        :returns: the window of the newest global :class:`SlowReaderFault`,
            or ``None`` when there is none.
        """
        for rule in reversed(self._rules):
            if isinstance(rule.fault, SlowReaderFault) and rule.session_id is None:
                if rule.remaining is None or rule.remaining > 0:
                    return rule.fault.window
        return None

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every change of the rules.

        :param listener: a function that must not raise.
        """
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        """Stop calling ``listener`` (harmless if it was not subscribed).

        :param listener: a function given to :meth:`subscribe`.
        """
        self._listeners = [kept for kept in self._listeners if kept is not listener]

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()


# -- the command-line syntax -------------------------------------------------

#: Fault kinds as written on the command line.
FAULT_KINDS = (
    "exception",
    "http-error",
    "reset",
    "rst-stream",
    "goaway",
    "stall",
    "slow-reader",
)

_COMMON_OPTIONS = ("session", "times")
_OPTIONS: Dict[str, Tuple[str, ...]] = {
    "exception": ("type", "message", "after"),
    "http-error": ("status", "type", "message"),
    "reset": ("after",),
    "rst-stream": ("code", "after"),
    "goaway": ("code", "after"),
    "stall": ("read", "send", "after"),
    "slow-reader": ("window", "ack", "interval"),
}
_TRUE = ("yes", "true", "1", "on")
_FALSE = ("no", "false", "0", "off")


class FaultSpecError(ValueError):
    """A command-line fault specification cannot be parsed."""


def _int(spec: str, name: str, value: str) -> int:
    try:
        return int(value, 0)
    except ValueError:
        raise FaultSpecError(f"{spec!r}: {name} must be an integer, got {value!r}") from None


def _float(spec: str, name: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise FaultSpecError(f"{spec!r}: {name} must be a number, got {value!r}") from None


def _bool(spec: str, name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise FaultSpecError(f"{spec!r}: {name} must be yes or no, got {value!r}")


def _error_code(spec: str, value: str) -> int:
    named = H2_ERROR_CODES.get(value.upper())
    if named is not None:
        return named
    return _int(spec, "code", value)


def _split_options(spec: str, text: str) -> Dict[str, str]:
    options: Dict[str, str] = {}
    rest = text
    while rest:
        name, eq, tail = rest.partition("=")
        name = name.strip()
        if not eq or not name:
            raise FaultSpecError(f"{spec!r}: expected NAME=VALUE, got {rest!r}")
        if name == "message":
            # A message may contain commas: it runs to the end of the spec.
            value, rest = tail, ""
        else:
            value, _, rest = tail.partition(",")
        if name in options:
            raise FaultSpecError(f"{spec!r}: option {name!r} given twice")
        options[name] = value
    return options


def parse_fault_spec(spec: str) -> Tuple[Fault, Optional[str], Optional[int]]:
    """Parse a command-line fault specification.

    Syntax: ``KIND[:NAME=VALUE[,NAME=VALUE...]]``; ``message`` may contain
    commas and must then come last. Every kind takes ``session=ID`` (only
    streams with that session id) and ``times=N`` (at most N streams).

    ===============  =======================================================
    kind             options (defaults)
    ===============  =======================================================
    ``exception``    ``type`` (InternalFailureException), ``message``,
                     ``after`` audio events (0)
    ``http-error``   ``status`` (the type's), ``type``
                     (ServiceUnavailableException), ``message``
    ``reset``        ``after`` (0): TCP reset of the connection
    ``rst-stream``   ``code`` (INTERNAL_ERROR; a name or a number), ``after`` (0)
    ``goaway``       ``code`` (NO_ERROR), ``after`` (0)
    ``stall``        ``read`` (yes), ``send`` (yes), ``after`` (0)
    ``slow-reader``  ``window`` (1024), ``ack`` bytes per interval (256),
                     ``interval`` seconds (0.05)
    ===============  =======================================================

    :param spec: e.g. ``exception:type=BadRequestException,after=2,message=No``.
    :returns: the fault, its session id (or ``None``) and its ``times`` (or ``None``).
    :raises FaultSpecError: the specification is not valid.
    """
    kind, _, text = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in _OPTIONS:
        raise FaultSpecError(
            f"{spec!r}: unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}"
        )
    options = _split_options(spec, text)
    allowed = _OPTIONS[kind] + _COMMON_OPTIONS
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise FaultSpecError(
            f"{spec!r}: {kind} does not take {', '.join(unknown)}; "
            f"it takes {', '.join(allowed)}"
        )
    session_id = options.get("session") or None
    times = _int(spec, "times", options["times"]) if "times" in options else None
    if times is not None and times < 1:
        raise FaultSpecError(f"{spec!r}: times must be >= 1")
    after = _int(spec, "after", options.get("after", "0"))
    fault: Fault
    try:
        if kind == "exception":
            error_type = options.get("type", "InternalFailureException")
            if error_type not in MODELED_EXCEPTIONS:
                raise FaultSpecError(
                    f"{spec!r}: type must be a modeled exception: {', '.join(MODELED_EXCEPTIONS)}"
                )
            fault = ExceptionFault(
                error_type, options.get("message", ExceptionFault.message), after
            )
        elif kind == "http-error":
            status = _int(spec, "status", options["status"]) if "status" in options else None
            fault = HttpErrorFault(
                options.get("type", HttpErrorFault.error_type),
                options.get("message", HttpErrorFault.message),
                status,
            )
        elif kind == "reset":
            fault = ConnectionResetFault(after)
        elif kind == "rst-stream":
            code = _error_code(spec, options.get("code", "INTERNAL_ERROR"))
            fault = RstStreamFault(code, after)
        elif kind == "goaway":
            fault = GoAwayFault(_error_code(spec, options.get("code", "NO_ERROR")), after)
        elif kind == "stall":
            fault = StallFault(
                _bool(spec, "read", options.get("read", "yes")),
                _bool(spec, "send", options.get("send", "yes")),
                after,
            )
        else:
            fault = SlowReaderFault(
                _int(spec, "window", options.get("window", str(SlowReaderFault.window))),
                _int(spec, "ack", options.get("ack", str(SlowReaderFault.ack_bytes))),
                _float(spec, "interval", options.get("interval", str(SlowReaderFault.interval))),
            )
    except FaultSpecError:
        raise
    except ValueError as exc:
        raise FaultSpecError(f"{spec!r}: {exc}") from None
    return fault, session_id, times
