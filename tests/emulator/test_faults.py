"""Fault rules and their command-line syntax (no network: see test_server.py for that)."""

from __future__ import annotations

import pytest

from amazon_transcribe.emulator.faults import (
    ConnectionResetFault,
    ExceptionFault,
    Faults,
    FaultSpecError,
    GoAwayFault,
    HttpErrorFault,
    RstStreamFault,
    SlowReaderFault,
    StallFault,
    parse_fault_spec,
)


@pytest.mark.parametrize(
    "spec, fault, session_id, times",
    [
        ("exception", ExceptionFault(), None, None),
        (
            "exception:type=LimitExceededException,after=3,message=Slow down, please",
            ExceptionFault("LimitExceededException", "Slow down, please", 3),
            None,
            None,
        ),
        (
            "http-error:status=503,session=abc,times=2",
            HttpErrorFault("ServiceUnavailableException", HttpErrorFault.message, 503),
            "abc",
            2,
        ),
        ("reset:after=2", ConnectionResetFault(2), None, None),
        ("rst-stream:code=CANCEL,after=1", RstStreamFault(0x8, 1), None, None),
        ("rst-stream:code=0x2", RstStreamFault(0x2, 0), None, None),
        ("goaway:code=ENHANCE_YOUR_CALM", GoAwayFault(0xB, 0), None, None),
        ("stall:read=no,after=4", StallFault(False, True, 4), None, None),
        ("slow-reader:window=100,ack=10,interval=0.5", SlowReaderFault(100, 10, 0.5), None, None),
    ],
    ids=["exception-defaults", "exception-message-with-commas", "http-error", "reset",
         "rst-stream-named", "rst-stream-number", "goaway", "stall", "slow-reader"],
)
def test_parse_fault_spec(spec: str, fault: object, session_id: object, times: object) -> None:
    assert parse_fault_spec(spec) == (fault, session_id, times)


@pytest.mark.parametrize(
    "spec, problem",
    [
        ("explode", "unknown fault kind"),
        ("reset:code=1", "does not take code"),
        ("exception:type=NoSuchException", "modeled exception"),
        ("reset:after=-1", "after_events must be >= 0"),
        ("stall:read=no,send=no", "must stop reading, sending or both"),
        ("stall:read=maybe", "yes or no"),
        ("http-error:status=200", "400-599"),
        ("reset:after", "NAME=VALUE"),
        ("reset:times=0", "times must be >= 1"),
        ("reset:after=1,after=2", "given twice"),
    ],
    ids=["kind", "option", "exception-type", "negative-after", "stall-nothing", "bool",
         "status", "no-value", "times", "twice"],
)
def test_bad_fault_specs(spec: str, problem: str) -> None:
    with pytest.raises(FaultSpecError, match=problem):
        parse_fault_spec(spec)


def test_rules_are_claimed_by_session_and_counted() -> None:
    faults = Faults()
    changes = []
    faults.subscribe(lambda: changes.append(len(faults.rules)))
    everyone = faults.add(StallFault(), times=2)
    mine = faults.add(ExceptionFault(), session_id="mine")
    assert faults.claim("other") == [everyone]
    assert faults.claim("mine") == [everyone, mine]
    assert faults.claim("mine") == [mine]  # times=2 used up
    assert everyone.active  # still in force for the streams that claimed it
    faults.remove(everyone)
    assert not everyone.active and faults.rules == [mine]
    faults.clear()
    assert not mine.active and faults.rules == []
    assert changes == [1, 2, 1, 0]


def test_connection_window_comes_from_global_slow_readers_only() -> None:
    faults = Faults()
    faults.add(SlowReaderFault(window=10), session_id="someone")
    assert faults.connection_window() is None
    rule = faults.add(SlowReaderFault(window=20))
    assert faults.connection_window() == 20
    faults.remove(rule)
    assert faults.connection_window() is None
