"""The sans-IO stream protocol, driven by Hypothesis through random sequences of every input.

A rule-based state machine applies every input (send, end, data in any
split, a service exception, the end of the response, a transport failure,
close, the reader taking an event) in every state, and after each step
checks the invariants the transition table promises:

* a state changes only along an edge of the table;
* nothing is signed after the end frame (nor after a failure or close), and
  the end frame is signed once;
* the first error is kept, and every refused send raises it while the
  input has not ended;
* receive credit is never negative and never lost: every received byte is
  either credited back or still held, exactly once;
* the reader gets the events in the order they were received, then the
  error or the end.
"""

from __future__ import annotations

import datetime
from typing import Any, List, Optional

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from amazon_transcribe.eventstream import Message, encode_message
from amazon_transcribe.exceptions import (
    HTTPException,
    SDKError,
    SerializerException,
    ServiceException,
    StreamClosedError,
)
from amazon_transcribe.protocol import (
    _INPUT_TRANSITIONS,
    _OUTPUT_TRANSITIONS,
    InputState,
    OutputState,
    StreamProtocol,
)
from amazon_transcribe.signer import EventSigner

READ_WINDOW = 4096


def clock() -> datetime.datetime:
    return datetime.datetime(2026, 12, 6, tzinfo=datetime.timezone.utc)


def parse(message: Message) -> Any:
    kind = message.headers.get(":message-type")
    if kind == "exception":
        raise ServiceException(
            message.payload.decode(), error_code=str(message.headers.get(":exception-type"))
        )
    return ("event", message.headers.get(":event-type"), message.payload)


def event_bytes(index: int, size: int) -> bytes:
    return encode_message(
        {":message-type": "event", ":event-type": f"E{index}", ":content-type": "text/plain"},
        bytes([index % 251]) * size,
    )


class ProtocolMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.signer = EventSigner("cd" * 32, secret_access_key="secret", region="us-east-1", clock=clock)
        self.protocol = StreamProtocol(self.signer, parse, read_window=READ_WINDOW)
        self.pending_wire = b""  # bytes of events not yet handed to the protocol
        self.fed_events = 0
        self.expected: List[str] = []  # event types the reader must get, in order
        self.taken: List[str] = []
        self.first_error: Optional[SDKError] = None
        self.end_frames = 0
        self.signed_after_end = 0
        self.input_before = self.protocol.input_state
        self.output_before = self.protocol.output_state
        self.credit_given = 0
        self.reader_done = False

    # -- inputs ------------------------------------------------------------------

    def _remember(self) -> None:
        self.input_before = self.protocol.input_state
        self.output_before = self.protocol.output_state

    @rule(payload=st.binary(min_size=1, max_size=64))
    def send(self, payload: bytes) -> None:
        self._remember()
        ended = self.protocol.input_state is not InputState.OPEN
        try:
            envelope = self.protocol.send_event(payload)
        except StreamClosedError:
            assert ended
            return
        except SDKError as exc:
            assert exc is self.protocol.error
            return
        assert not ended
        if self.end_frames:
            self.signed_after_end += 1
        assert envelope

    @rule()
    def end(self) -> None:
        self._remember()
        try:
            frame = self.protocol.end_input()
        except StreamClosedError:
            assert self.protocol.input_state is InputState.CLOSED
            return
        except SDKError as exc:
            assert exc is self.protocol.error
            return
        if frame is not None:
            self.end_frames += 1

    @rule(size=st.integers(0, 3000), cut=st.integers(0, 4000))
    def data(self, size: int, cut: int) -> None:
        """Bytes of a new event arrive, maybe with only part of it."""
        self._remember()
        wire = event_bytes(self.fed_events, size)
        self.fed_events += 1
        self.pending_wire += wire
        if self.protocol.output_state is OutputState.OPEN:
            self.expected.append(f"E{self.fed_events - 1}")
        self._deliver(min(cut, len(self.pending_wire)))

    @rule()
    def rest_of_data(self) -> None:
        self._remember()
        self._deliver(len(self.pending_wire))

    def _deliver(self, count: int) -> None:
        chunk, self.pending_wire = self.pending_wire[:count], self.pending_wire[count:]
        if chunk:
            credit = self.protocol.receive_data(chunk)
            assert credit >= 0
            self.credit_given += credit

    @rule()
    def service_exception(self) -> None:
        self._remember()
        self._deliver(len(self.pending_wire))
        was_open = self.protocol.output_state is OutputState.OPEN
        wire = encode_message(
            {":message-type": "exception", ":exception-type": "LimitExceededException",
             ":content-type": "text/plain"},
            b"slow down",
        )
        self.protocol.receive_data(wire)
        if was_open:
            assert self.protocol.error is not None
            self._note_error()

    @rule()
    def response_end(self) -> None:
        self._remember()
        self.protocol.receive_end()
        if self.pending_wire and self.output_before is OutputState.OPEN:
            # Part of a message was never delivered... unless nothing of it was.
            pass
        self._note_error()

    @rule()
    def transport_fails(self) -> None:
        self._remember()
        self.protocol.fail(HTTPException("reset"))
        self._note_error()

    @rule()
    def close(self) -> None:
        self._remember()
        self.protocol.close()

    @precondition(lambda self: not self.reader_done)
    @rule()
    def take(self) -> None:
        self._remember()
        try:
            taken = self.protocol.next_event()
        except StopAsyncIteration:
            self.reader_done = True
            assert self.protocol.error is None
            return
        except SDKError as exc:
            self._note_error()
            assert exc is self.protocol.error
            return
        if taken is None:
            assert self.protocol.output_state is OutputState.OPEN
            return
        assert taken.credit >= 0
        self.credit_given += taken.credit
        self.taken.append(taken.event[1])

    def _note_error(self) -> None:
        if self.first_error is None:
            self.first_error = self.protocol.error

    # -- invariants --------------------------------------------------------------

    @invariant()
    def states_follow_the_table(self) -> None:
        now_in, now_out = self.protocol.input_state, self.protocol.output_state
        if now_in is not self.input_before:
            assert any(
                before is self.input_before and after is now_in
                for (before, _), after in _INPUT_TRANSITIONS.items()
            ), (self.input_before, now_in)
        if now_out is not self.output_before:
            assert any(
                before is self.output_before and after is now_out
                for (before, _), after in _OUTPUT_TRANSITIONS.items()
            ), (self.output_before, now_out)

    @invariant()
    def nothing_signed_after_the_end(self) -> None:
        assert self.signed_after_end == 0
        assert self.end_frames <= 1

    @invariant()
    def the_first_error_sticks(self) -> None:
        if self.first_error is not None:
            assert self.protocol.error is self.first_error
        if self.protocol.error is not None and self.protocol.input_state is InputState.OPEN:
            raise AssertionError("an error left the input open")

    @invariant()
    def credit_is_never_lost(self) -> None:
        protocol = self.protocol
        assert protocol.credited == self.credit_given
        assert protocol.held_credit >= 0
        assert protocol.received == protocol.credited + protocol.held_credit

    @invariant()
    def events_come_in_order(self) -> None:
        assert self.taken == self.expected[: len(self.taken)]

    @invariant()
    def finished_means_nothing_more(self) -> None:
        if self.protocol.finished:
            assert self.protocol.output_state is not OutputState.OPEN


ProtocolMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestStreamProtocol = ProtocolMachine.TestCase


def test_a_decoding_error_is_sticky_for_both_sides() -> None:
    protocol = StreamProtocol(
        EventSigner("cd" * 32, secret_access_key="s", region="us-east-1", clock=clock),
        parse,
        read_window=READ_WINDOW,
    )
    protocol.receive_data(b"\x00\x00\x00\x05" + b"\x00" * 20)
    error = protocol.error
    assert isinstance(error, SerializerException)
    for attempt in (lambda: protocol.send_event(b"x"), protocol.end_input, protocol.next_event):
        try:
            attempt()
        except SDKError as exc:
            assert exc is error
        else:
            raise AssertionError("not refused")
