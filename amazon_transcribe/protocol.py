"""The life of one duplex event stream, sans I/O: states, transitions, bytes.

:class:`StreamProtocol` is to a Transcribe stream what ``h2``'s
``H2Connection`` is to an HTTP/2 connection: it is told what happened (the
application sends an event or ends the input, bytes or the end of the
response arrive, the transport fails, the stream is closed) and answers with
what to do (the signed bytes to write, the receive-window credit to give
back, the next event for the reader), checking each input against an
explicit transition table. It does no I/O and imports neither asyncio nor
awscrt; :mod:`amazon_transcribe.streams` drives it on an event loop and a
:class:`~amazon_transcribe.transport.Transport`.

Input side (what the application sends):

============  ==============================  ==========================
state         ``send`` / ``end``              ``fail`` / ``close``
============  ==============================  ==========================
``OPEN``      stays / → ``ENDED``             → ``FAILED`` / → ``CLOSED``
``ENDED``     refused / no-op                 stays / → ``CLOSED``
``FAILED``    the error                       stays / → ``CLOSED``
``CLOSED``    refused                         stays / stays
============  ==============================  ==========================

Output side (what the service sends):

============  ===========================================  =====================
state         ``data`` / ``exception`` / ``response end``  ``fail`` / ``close``
============  ===========================================  =====================
``OPEN``      stays / → ``FAILED`` / → ``ENDED``           → ``FAILED`` / ``CLOSED``
``ENDED``     ignored                                      stays / → ``CLOSED``
``FAILED``    ignored                                      stays / → ``CLOSED``
``CLOSED``    ignored                                      stays / stays
============  ===========================================  =====================

The first error (a service exception, an undecodable byte, a transport
failure) is kept and is *sticky*: every later send and ``end`` raises it,
and the reader gets it after the events that arrived before it. Nothing is
signed after the end frame, so the signature chain ends where the service
expects it to.

Receive credit: every byte received is credited back exactly once, when
the reader takes the message it completed (or at once, for a message larger
than half the window, which could otherwise never complete). While the
output is open, ``received == credited + held`` holds, where ``held`` is the
credit of the messages not yet taken plus the bytes of the message not yet
complete.
"""

from __future__ import annotations

import collections
import enum
from typing import Any, Callable, Deque, Dict, NamedTuple, Optional, Tuple

from ._eventstream import DecodeError, EventStreamDecoder, Message
from .exceptions import SDKError, SerializerException, StreamClosedError
# Annotated as _signer.EventSigner: autodoc links a bare EventSigner to two classes.
import amazon_transcribe._signer as _signer

__all__ = ["StreamProtocol", "InputState", "OutputState", "TakenEvent", "EventParser"]

#: Turns an output message into an event (raises the service's exception
#: for exception messages).
EventParser = Callable[[Message], Any]


class InputState(enum.Enum):
    """Where the input side (application → service) is."""

    #: Events may be sent.
    OPEN = "open"
    #: The signed end frame has been sent: nothing more will be.
    ENDED = "ended"
    #: The stream failed before the input ended: sends raise the error.
    FAILED = "failed"
    #: The stream was closed.
    CLOSED = "closed"


class OutputState(enum.Enum):
    """Where the output side (service → application) is."""

    #: Events may arrive.
    OPEN = "open"
    #: The response ended cleanly.
    ENDED = "ended"
    #: The stream failed; the reader gets the events before the error, then the error.
    FAILED = "failed"
    #: The stream was closed.
    CLOSED = "closed"


class _Input(enum.Enum):
    SEND = "send"
    END = "end"
    DATA = "data"
    EXCEPTION = "exception"
    RESPONSE_END = "response end"
    FAIL = "fail"
    CLOSE = "close"


_I, _O = InputState, OutputState

#: Input side: (state, input) → next state. A pair that is absent is refused.
_INPUT_TRANSITIONS: Dict[Tuple[InputState, _Input], InputState] = {
    (_I.OPEN, _Input.SEND): _I.OPEN,
    (_I.OPEN, _Input.END): _I.ENDED,
    (_I.ENDED, _Input.END): _I.ENDED,
    (_I.OPEN, _Input.FAIL): _I.FAILED,
    (_I.ENDED, _Input.FAIL): _I.ENDED,
    (_I.FAILED, _Input.FAIL): _I.FAILED,
    (_I.CLOSED, _Input.FAIL): _I.CLOSED,
    (_I.OPEN, _Input.CLOSE): _I.CLOSED,
    (_I.ENDED, _Input.CLOSE): _I.CLOSED,
    (_I.FAILED, _Input.CLOSE): _I.CLOSED,
    (_I.CLOSED, _Input.CLOSE): _I.CLOSED,
}

#: Output side: (state, input) → next state. In a state without an entry
#: for ``DATA``, ``EXCEPTION`` or ``RESPONSE_END``, that input is ignored
#: (bytes still in flight when the stream failed or was closed).
_OUTPUT_TRANSITIONS: Dict[Tuple[OutputState, _Input], OutputState] = {
    (_O.OPEN, _Input.DATA): _O.OPEN,
    (_O.OPEN, _Input.EXCEPTION): _O.FAILED,
    (_O.OPEN, _Input.RESPONSE_END): _O.ENDED,
    (_O.OPEN, _Input.FAIL): _O.FAILED,
    (_O.ENDED, _Input.FAIL): _O.ENDED,
    (_O.FAILED, _Input.FAIL): _O.FAILED,
    (_O.CLOSED, _Input.FAIL): _O.CLOSED,
    (_O.OPEN, _Input.CLOSE): _O.CLOSED,
    (_O.ENDED, _Input.CLOSE): _O.CLOSED,
    (_O.FAILED, _Input.CLOSE): _O.CLOSED,
    (_O.CLOSED, _Input.CLOSE): _O.CLOSED,
}

_ERROR_TYPES = ("exception", "error")


class TakenEvent(NamedTuple):
    """An event handed to the reader, with the receive credit it frees."""

    #: The event (whatever the parser made of the message).
    event: Any
    #: Bytes of receive window to give back to the service now.
    credit: int


class StreamProtocol:
    """The state of one duplex event stream, driven by its caller.

    :param signer: the event signer, seeded with the request's signature.
    :param parse: turns each output message into an event.
    :param read_window: the receive window the transport was opened with
        (a message larger than half of it is credited as it arrives).
    """

    def __init__(self, signer: _signer.EventSigner, parse: EventParser, *, read_window: int) -> None:
        self._signer = signer
        self._parse = parse
        self._half_window = read_window // 2
        self._decoder = EventStreamDecoder()
        self._queue: Deque[Tuple[Message, int]] = collections.deque()
        self._uncredited = 0
        self._input = InputState.OPEN
        self._output = OutputState.OPEN
        self._error: Optional[SDKError] = None
        #: Bytes received so far.
        self.received = 0
        #: Bytes credited back so far.
        self.credited = 0
        #: Events signed so far (the end frame not counted).
        self.events_signed = 0

    # -- state ---------------------------------------------------------------

    @property
    def input_state(self) -> InputState:
        """The input side's state."""
        return self._input

    @property
    def output_state(self) -> OutputState:
        """The output side's state."""
        return self._output

    @property
    def error(self) -> Optional[SDKError]:
        """The error that ended the stream, once one did (it never changes after)."""
        return self._error

    @property
    def held_credit(self) -> int:
        """Received bytes not yet credited back (queued messages and a partial one)."""
        return sum(credit for _, credit in self._queue) + self._uncredited

    @property
    def finished(self) -> bool:
        """Whether nothing more can happen: the transport may be closed.

        True once the output is over and the input is over too (ended,
        failed or closed); an output that failed also finishes the input.
        """
        if self._output is OutputState.OPEN:
            return False
        return self._input is not InputState.OPEN or self._error is not None

    def _move_input(self, what: _Input) -> None:
        self._input = _INPUT_TRANSITIONS[(self._input, what)]

    def _move_output(self, what: _Input) -> bool:
        """Apply ``what`` to the output side; ``False`` when ignored in this state."""
        following = _OUTPUT_TRANSITIONS.get((self._output, what))
        if following is None:
            return False
        self._output = following
        return True

    # -- input side ----------------------------------------------------------

    def check_can_send(self) -> None:
        """Raise what :meth:`send_event` would raise now, without signing.

        :raises StreamClosedError: the input has ended or the stream is closed.
        :raises SDKError: the stream failed (the stored error).
        """
        self._refuse_input()

    def _refuse_input(self) -> None:
        if self._input is InputState.OPEN:
            return
        if self._input is InputState.ENDED:
            raise StreamClosedError(
                "the input stream has ended (end_stream() was called); nothing more can be sent"
            )
        if self._error is not None:  # failed (and maybe closed since): the cause
            raise self._error
        raise StreamClosedError("the stream is closed; nothing more can be sent")

    def send_event(self, message: bytes) -> bytes:
        """Sign one encoded input event.

        :param message: the encoded inner message.
        :returns: the signed envelope, to write now (signing is the send:
            the chain has moved on).
        :raises StreamClosedError: the input has ended or the stream is closed.
        :raises SDKError: the stream failed (the stored error).
        :raises ValueError: ``message`` is empty (the end frame is :meth:`end_input`).
        """
        if not message:
            raise ValueError("an input event is an encoded message, never empty")
        self._refuse_input()
        self._move_input(_Input.SEND)
        envelope = self._signer.sign(message)
        self.events_signed += 1
        return envelope

    def end_input(self) -> Optional[bytes]:
        """End the input.

        :returns: the signed end frame to write (with END_STREAM), or
            ``None`` if the input had already ended.
        :raises StreamClosedError: the stream is closed.
        :raises SDKError: the stream failed before the input ended.
        """
        if self._input is InputState.ENDED:
            return None
        self._refuse_input()
        self._move_input(_Input.END)
        return self._signer.sign_end()

    # -- output side ---------------------------------------------------------

    def receive_data(self, data: bytes) -> int:
        """Take bytes of the response body.

        :param data: the bytes, as they arrived.
        :returns: receive credit to give back now (usually 0: credit goes
            back as the reader takes messages).
        """
        if self._output is not OutputState.OPEN:
            return 0  # the stream is over; nothing reads these
        self.received += len(data)
        self._uncredited += len(data)
        try:
            messages = self._decoder.feed(data)
        except DecodeError as exc:
            self.fail(SerializerException(f"cannot decode the response stream: {exc}"))
            return 0
        for index, message in enumerate(messages):
            # The last message completed by this data carries the credit of
            # every byte up to its end.
            credit = 0
            if index == len(messages) - 1:
                credit = self._uncredited - self._decoder.buffered
                self._uncredited = self._decoder.buffered
            self._queue.append((message, credit))
            if message.headers.get(":message-type") in _ERROR_TYPES:
                self._service_error(message)
                break  # the service says nothing after an exception
        if self._output is OutputState.OPEN and self._decoder.buffered > self._half_window:
            # A message over half the window would never complete without
            # credit: grant it (the decoder's own limits still bound it).
            return self._credit(self._take_uncredited())
        return 0

    def _take_uncredited(self) -> int:
        amount, self._uncredited = self._uncredited, 0
        return amount

    def _credit(self, amount: int) -> int:
        self.credited += amount
        return amount

    def _service_error(self, message: Message) -> None:
        # Made visible to the sender now, not only when the reader gets there.
        try:
            self._parse(message)
        except SDKError as exc:
            self._set_error(exc)
        else:  # a parser that does not raise for an exception message
            self._set_error(SerializerException("the service sent an unreadable exception"))
        self._move_output(_Input.EXCEPTION)
        self._fail_input()

    def receive_end(self) -> None:
        """The response body ended (END_STREAM)."""
        if self._output is not OutputState.OPEN:
            return
        try:
            self._decoder.close()
        except DecodeError as exc:
            self.fail(SerializerException(f"cannot decode the response stream: {exc}"))
            return
        self._move_output(_Input.RESPONSE_END)

    def fail(self, error: SDKError) -> None:
        """The stream failed (transport error, timeout...); the first error is kept.

        :param error: what failed.
        """
        self._set_error(error)
        self._move_output(_Input.FAIL)
        self._fail_input()

    def _set_error(self, error: SDKError) -> None:
        if self._error is None:
            self._error = error

    def _fail_input(self) -> None:
        self._move_input(_Input.FAIL)

    def close(self) -> None:
        """The stream is closed: nothing more is sent or received.

        Events already received stay for the reader, then it stops.
        """
        self._move_input(_Input.CLOSE)
        self._move_output(_Input.CLOSE)

    # -- the reader ------------------------------------------------------------

    def next_event(self) -> Optional[TakenEvent]:
        """Take the next event for the reader.

        :returns: the event and the credit it frees, or ``None`` when none is
            ready yet (wait for more data and ask again).
        :raises StopAsyncIteration: the output ended cleanly (or was closed)
            and every event has been taken.
        :raises SDKError: the stream failed and every event before the
            failure has been taken; or this message is the service's
            exception, or cannot be read (asking again raises it again).
        """
        if not self._queue:
            if self._output is OutputState.OPEN:
                return None
            if self._error is not None:  # failed (and maybe closed since)
                raise self._error
            raise StopAsyncIteration
        message, credit = self._queue[0]
        if self._error is not None and message.headers.get(":message-type") in _ERROR_TYPES:
            # The sender was given this very error: the reader gets it too.
            # The message stays (and so does its credit: the stream is over).
            raise self._error
        try:
            event = self._parse(message)
        except SDKError as exc:
            self.fail(exc)
            raise self._error or exc from None
        self._queue.popleft()
        return TakenEvent(event, self._credit(credit))
