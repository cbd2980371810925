"""The stream session on the in-memory transport, from real event-stream bytes.

No network, no server, no clock: the test plays the service through
:class:`~amazon_transcribe.transport.MemoryTransport`, and "is it blocked?"
is a fact the transport reports (``writer_waiting``, ``reader_waiting``),
not a timeout that passed. What the session wrote is decoded and its
signature chain recomputed with an independent signer.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from typing import Any, AsyncIterator, List, Type

import pytest

from amazon_transcribe.eventstream import EventStreamDecoder, Message, decode_message
from amazon_transcribe.exceptions import (
    BadRequestException,
    ConflictException,
    HTTPException,
    InternalFailureException,
    LimitExceededException,
    SerializerException,
    ServiceException,
    ServiceUnavailableException,
    StreamClosedError,
)
from amazon_transcribe.model import TranscriptEvent, UnknownEvent
from amazon_transcribe.operations import START_STREAM_TRANSCRIPTION
from amazon_transcribe._serialize import _audio_event_message
from amazon_transcribe.signer import EventSigner
from amazon_transcribe.streams import (
    AudioStream,
    EventStreamSession,
    TranscriptResultStream,
)
from amazon_transcribe.transport import MemoryTransport

SEED = "ab" * 32
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
WAIT = 5.0  # bound on every wait for something the session does
CHUNK = b"\x01\x00" * 1600


def fixed_clock() -> datetime.datetime:
    return datetime.datetime(2026, 12, 6, 12, 0, 0, tzinfo=datetime.timezone.utc)


def signer() -> EventSigner:
    return EventSigner(SEED, secret_access_key=SECRET, region=REGION, clock=fixed_clock)


def transcript_payload(text: str, partial: bool = False) -> bytes:
    return json.dumps(
        {
            "Transcript": {
                "Results": [
                    {
                        "ResultId": "r1",
                        "StartTime": 0.0,
                        "EndTime": 1.0,
                        "IsPartial": partial,
                        "Alternatives": [{"Transcript": text, "Items": []}],
                    }
                ]
            }
        }
    ).encode()


class Call:
    """A session on a memory transport, with its two stream objects."""

    def __init__(self, transport: MemoryTransport, read_window: int = 256 * 1024) -> None:
        self.transport = transport
        self.session = EventStreamSession(
            transport, signer(), START_STREAM_TRANSCRIPTION.parser("request-1"), read_window=read_window
        )
        self.input = AudioStream(self.session)
        self.output = TranscriptResultStream(self.session)
        self.reader = self.output.__aiter__()

    async def next(self) -> Any:
        return await asyncio.wait_for(self.reader.__anext__(), WAIT)


@pytest.fixture
async def call() -> AsyncIterator[Call]:
    made = Call(MemoryTransport(write_window=8 * 1024))
    yield made
    await made.session.aclose()


def written_envelopes(transport: MemoryTransport) -> List[Message]:
    decoder = EventStreamDecoder()
    messages = decoder.feed(bytes(transport.written))
    assert decoder.buffered == 0
    return messages


def expected_envelopes(inner_messages: List[bytes], *, end: bool) -> List[bytes]:
    """What an independent signer makes of the same events in the same order."""
    reference = signer()
    out = [reference.sign(m) for m in inner_messages]
    if end:
        out.append(reference.sign_end())
    return out


async def waiting(flag: asyncio.Event) -> None:
    await asyncio.wait_for(flag.wait(), WAIT)


async def pumped(transport: MemoryTransport) -> None:
    """Wait until the session's pump has taken what was fed and waits again.

    Call it right after feeding, with no await in between: the flag is
    cleared here and set only when the pump next waits for bytes.
    """
    transport.reader_waiting.clear()
    await waiting(transport.reader_waiting)


async def bounded(awaitable: Any) -> Any:
    return await asyncio.wait_for(awaitable, WAIT)


# -- writing ---------------------------------------------------------------------


async def test_events_are_signed_in_order_and_the_end_frame_is_last(call: Call) -> None:
    call.transport.accept_all()
    chunks = [CHUNK, b"\x02" * 100, b""]
    for chunk in chunks:
        await bounded(call.input.send_audio_event(chunk))
    await bounded(call.input.end_stream())
    inner = [_audio_event_message(c) for c in chunks]
    assert bytes(call.transport.written) == b"".join(expected_envelopes(inner, end=True))
    envelopes = written_envelopes(call.transport)
    assert [decode_message(e.payload).payload for e in envelopes[:-1]] == chunks
    assert envelopes[-1].payload == b""
    assert call.transport.request_ended
    with pytest.raises(StreamClosedError):
        await bounded(call.input.send_audio_event(CHUNK))
    await bounded(call.input.end_stream())  # a second end is harmless and writes nothing
    assert len(call.transport.writes) == len(chunks) + 1


async def test_a_full_write_window_makes_the_sender_wait_unsigned(call: Call) -> None:
    await bounded(call.input.send_audio_event(CHUNK * 3))  # over the 8 KiB window
    assert call.session.protocol.events_signed == 1
    second = asyncio.ensure_future(call.input.send_audio_event(CHUNK))
    await waiting(call.transport.writer_waiting)
    # Waiting for room, and nothing signed or written for it yet.
    assert not second.done()
    assert call.session.protocol.events_signed == 1
    assert len(call.transport.writes) == 1
    assert call.transport.bytes_in_flight >= 8 * 1024
    call.transport.accept()
    await asyncio.wait_for(second, WAIT)
    assert call.session.protocol.events_signed == 2
    assert bytes(call.transport.written) == b"".join(
        expected_envelopes([_audio_event_message(CHUNK * 3), _audio_event_message(CHUNK)], end=False)
    )


async def test_cancelling_a_waiting_send_loses_nothing_and_keeps_the_chain(call: Call) -> None:
    await bounded(call.input.send_audio_event(CHUNK * 3))
    blocked = asyncio.ensure_future(call.input.send_audio_event(b"\x09" * 10))
    await waiting(call.transport.writer_waiting)
    blocked.cancel()
    with pytest.raises(asyncio.CancelledError):
        await blocked
    call.transport.accept_all()
    await bounded(call.input.send_audio_event(CHUNK))
    await bounded(call.input.end_stream())
    # The cancelled event was never signed: the chain goes on from the last sent one.
    assert bytes(call.transport.written) == b"".join(
        expected_envelopes([_audio_event_message(CHUNK * 3), _audio_event_message(CHUNK)], end=True)
    )


async def test_cancelling_end_stream_still_ends_the_stream(call: Call) -> None:
    await bounded(call.input.send_audio_event(CHUNK))
    ending = asyncio.ensure_future(call.input.end_stream())
    await waiting(call.transport.writer_waiting)  # the end frame is written, draining
    assert call.transport.request_ended
    ending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await ending
    assert call.session.input_ended
    with pytest.raises(StreamClosedError):
        await bounded(call.input.send_audio_event(CHUNK))
    assert bytes(call.transport.written) == b"".join(
        expected_envelopes([_audio_event_message(CHUNK)], end=True)
    )


async def test_senders_in_parallel_never_interleave_the_chain(call: Call) -> None:
    async def sender(byte: int) -> None:
        for _ in range(20):
            await call.input.send_audio_event(bytes([byte]) * 700)

    async def service() -> None:
        # Takes the bytes in flight whenever a sender waits for room.
        while True:
            await call.transport.writer_waiting.wait()
            call.transport.accept()
            # A yield (not a wait on time): the woken sender clears the flag.
            await asyncio.sleep(0)

    taker = asyncio.ensure_future(service())
    try:
        await bounded(asyncio.gather(*(sender(b) for b in range(1, 5))))
    finally:
        taker.cancel()
    envelopes = written_envelopes(call.transport)
    inner = [decode_message(e.payload) for e in envelopes]
    assert len(inner) == 80
    # Whatever order the senders got the lock in, the signatures are the
    # chain of exactly that order.
    assert bytes(call.transport.written) == b"".join(
        expected_envelopes([_audio_event_message(m.payload) for m in inner], end=False)
    )


# -- reading ----------------------------------------------------------------------


async def test_events_arrive_typed_and_credit_goes_back_as_they_are_taken(call: Call) -> None:
    call.transport.feed_event("TranscriptEvent", transcript_payload("hello"))
    call.transport.feed_event("SomethingNew", b'{"x":1}')
    event = await call.next()
    assert isinstance(event, TranscriptEvent)
    assert event.transcript.results[0].alternatives[0].transcript == "hello"
    unknown = await call.next()
    assert isinstance(unknown, UnknownEvent) and unknown.event_type == "SomethingNew"
    call.transport.end_response()
    with pytest.raises(StopAsyncIteration):
        await call.next()
    protocol = call.session.protocol
    assert protocol.received == protocol.credited == call.transport.credit > 0


async def test_events_split_at_every_byte_decode_the_same(call: Call) -> None:
    from amazon_transcribe.eventstream import encode_message

    wire = b"".join(
        encode_message(
            {":message-type": "event", ":event-type": "TranscriptEvent",
             ":content-type": "application/json"},
            transcript_payload(f"word {n}"),
        )
        for n in range(3)
    )
    for index in range(len(wire)):
        call.transport.feed(wire[index : index + 1])
    call.transport.end_response()
    texts = [e.transcript.results[0].alternatives[0].transcript async for e in call.output]
    assert texts == ["word 0", "word 1", "word 2"]
    assert call.transport.credit == len(wire)


async def test_a_message_over_half_the_window_is_credited_as_it_arrives() -> None:
    made = Call(MemoryTransport(), read_window=4096)
    try:
        payload = transcript_payload("x" * 3000)
        from amazon_transcribe.eventstream import encode_message

        wire = encode_message(
            {":message-type": "event", ":event-type": "TranscriptEvent",
             ":content-type": "application/json"},
            payload,
        )
        made.transport.feed(wire[:2100])  # incomplete, over half the window
        await pumped(made.transport)
        assert made.transport.credit == 2100  # granted, or it could never complete
        made.transport.feed(wire[2100:])
        event = await made.next()
        assert isinstance(event, TranscriptEvent)
        assert made.transport.credit == len(wire)
    finally:
        await made.session.aclose()


async def test_cancelling_a_waiting_read_loses_no_event(call: Call) -> None:
    waiting_read = asyncio.ensure_future(call.reader.__anext__())
    await waiting(call.transport.reader_waiting)
    waiting_read.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting_read
    call.transport.feed_event("TranscriptEvent", transcript_payload("kept"))
    event = await call.next()
    assert event.transcript.results[0].alternatives[0].transcript == "kept"


# -- errors reach both sides ------------------------------------------------------------


@pytest.mark.parametrize(
    "name, cls",
    [
        ("BadRequestException", BadRequestException),
        ("ConflictException", ConflictException),
        ("InternalFailureException", InternalFailureException),
        ("LimitExceededException", LimitExceededException),
        ("ServiceUnavailableException", ServiceUnavailableException),
    ],
)
async def test_a_service_exception_reaches_sender_reader_and_end(
    call: Call, name: str, cls: Type[ServiceException]
) -> None:
    call.transport.feed_event("TranscriptEvent", transcript_payload("before"))
    call.transport.feed_exception(name, f"{name} from the service")
    call.transport.end_response()
    # The reader gets the event that came first, then the error.
    before = await call.next()
    assert isinstance(before, TranscriptEvent)
    with pytest.raises(cls) as read_error:
        await call.next()
    with pytest.raises(cls) as send_error:
        await bounded(call.input.send_audio_event(CHUNK))
    with pytest.raises(cls) as end_error:
        await bounded(call.input.end_stream())
    assert read_error.value is send_error.value is end_error.value
    assert read_error.value.message == f"{name} from the service"
    assert read_error.value.request_id == "request-1"
    assert call.transport.writes == []  # nothing was signed after the error
    assert call.transport.closed  # the connection was released


async def test_a_service_exception_reaches_a_sender_nobody_reads_for(call: Call) -> None:
    await bounded(call.input.send_audio_event(CHUNK))
    call.transport.feed_exception("LimitExceededException", "slow down")
    # The pump took it and the session let the connection go; nobody read.
    await waiting(call.transport.closed_event)
    with pytest.raises(LimitExceededException):
        await bounded(call.input.send_audio_event(CHUNK))


async def test_a_transport_failure_reaches_a_waiting_sender_and_reader(call: Call) -> None:
    await bounded(call.input.send_audio_event(CHUNK * 3))
    blocked = asyncio.ensure_future(call.input.send_audio_event(CHUNK))
    await waiting(call.transport.writer_waiting)
    failure = HTTPException("the connection was reset")
    call.transport.fail(failure)
    with pytest.raises(HTTPException) as sent:
        await asyncio.wait_for(blocked, WAIT)
    with pytest.raises(HTTPException) as read:
        await call.next()
    assert sent.value is read.value is failure


async def test_garbage_from_the_service_is_a_serializer_error_for_both(call: Call) -> None:
    call.transport.feed(b"\x00\x00\x00\x05" + b"\xff" * 40)
    with pytest.raises(SerializerException) as read:
        await call.next()
    with pytest.raises(SerializerException) as sent:
        await bounded(call.input.send_audio_event(CHUNK))
    assert read.value is sent.value


async def test_a_response_ending_inside_a_message_is_an_error(call: Call) -> None:
    call.transport.feed(b"\x00\x00\x00\x40\x00\x00\x00\x10")
    call.transport.end_response()
    with pytest.raises(SerializerException, match="ended inside a message"):
        await call.next()


async def test_closing_stops_the_pump_and_refuses_sends(call: Call) -> None:
    call.transport.feed_event("TranscriptEvent", transcript_payload("queued"))
    await pumped(call.transport)
    await call.session.aclose()
    assert call.transport.closed
    event = await call.next()  # what had arrived is still delivered
    assert isinstance(event, TranscriptEvent)
    with pytest.raises(StopAsyncIteration):
        await call.next()
    with pytest.raises(StreamClosedError):
        await bounded(call.input.send_audio_event(CHUNK))
    tasks = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    assert tasks == set()
