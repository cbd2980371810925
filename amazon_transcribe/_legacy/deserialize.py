"""0.6.4's parsers: the StartStreamTranscription response and its output events.

Both parsers are our core's decoding behind 0.6.4's names: service errors
become the typed exceptions of :mod:`amazon_transcribe.exceptions`, chosen
through the operation's registry
(:data:`amazon_transcribe.operations.START_STREAM_TRANSCRIPTION`), response
headers are read by the operation's header table, and transcript events are
decoded by :mod:`amazon_transcribe._deserialize`. An event of a type this
SDK does not know becomes an :class:`~amazon_transcribe.model.UnknownEvent`,
where 0.6.4 returned ``None``.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Union

from .._deserialize import _error_from_response
from .._eventstream import Message
from ..exceptions import ServiceException
from ..operations import START_STREAM_TRANSCRIPTION
from ..shapes import StartStreamTranscriptionResponse, TranscriptEvent, UnknownEvent
from ..streams import TranscriptResultStream
from .response import Response

__all__ = [
    "TranscribeStreamingResponseParser",
    "TranscribeStreamingEventParser",
]


def _by_lowercase_name(headers: Mapping[str, Any]) -> Dict[str, str]:
    # The core reads headers from a plain dict keyed by lowercase name; a
    # caller may hand over any mapping (0.6.4's Response holds a HeadersDict).
    return {str(name).lower(): str(value) for name, value in headers.items() if value is not None}


class TranscribeStreamingResponseParser:
    """Turns the HTTP response of a StartStreamTranscription call into results or errors."""

    def parse_exception(self, http_response: Response, body_bytes: bytes) -> ServiceException:
        """The exception for a response whose status is not 200.

        The error type comes from the ``x-amzn-errortype`` header (or the
        body's ``__type``/``code``); the message from the JSON body's
        ``Message`` or ``message``, or the body's text when it is not JSON.

        :param http_response: the response's status and headers.
        :param body_bytes: the response body.
        :returns: the modeled exception (``BadRequestException``,
            ``ConflictException``...), carrying the status and the request id;
            :class:`~amazon_transcribe.exceptions.UnknownServiceException` for
            an error type the operation does not model. It is returned, not
            raised.
        """
        return _error_from_response(
            http_response.status_code,
            _by_lowercase_name(http_response.headers),
            bytes(body_bytes),
            registry=START_STREAM_TRANSCRIPTION.exceptions,
        )

    def parse_start_stream_transcription_response(
        self, http_response: Response, body_stream: Any
    ) -> StartStreamTranscriptionResponse:
        """The response of a successful call, with its output event stream.

        :param http_response: the response's status and headers (the
            effective options are echoed as ``x-amzn-transcribe-*`` headers).
        :param body_stream: the response body, as 0.6.4's HTTP session gave
            it (an object whose ``chunks()`` yields the body's bytes).
        :returns: the response; its ``transcript_result_stream`` decodes
            ``body_stream`` with a :class:`TranscribeStreamingEventParser`.
        """
        fields = START_STREAM_TRANSCRIPTION.response_fields(_by_lowercase_name(http_response.headers))
        parser = TranscribeStreamingEventParser(request_id=fields["request_id"])
        return StartStreamTranscriptionResponse(
            transcript_result_stream=TranscriptResultStream(body_stream, parser),
            **fields,
        )


class TranscribeStreamingEventParser:
    """Turns one message of the output event stream into an event, or raises its error.

    :param request_id: the call's request id, carried by the exceptions
        this parser raises (an addition to 0.6.4, which had no parameters).
    """

    def __init__(self, *, request_id: Optional[str] = None) -> None:
        self._parse = START_STREAM_TRANSCRIPTION.parser(request_id)

    def parse(self, raw_event: Any) -> Union[TranscriptEvent, UnknownEvent]:
        """Decode one message.

        :param raw_event: a decoded message: anything with ``headers`` (a
            mapping) and ``payload`` (bytes), such as 0.6.4's
            ``EventStreamMessage`` or our :class:`~amazon_transcribe.eventstream.Message`.
        :returns: a :class:`~amazon_transcribe.model.TranscriptEvent`, or an
            :class:`~amazon_transcribe.model.UnknownEvent` for an event type
            this SDK does not know (0.6.4 returned ``None``).
        :raises ServiceException: the message is an exception (or error)
            message; the modeled class for its ``:exception-type``
            (``BadRequestException``...), else
            :class:`~amazon_transcribe.exceptions.UnknownServiceException`.
        :raises SerializerException: the message is not an event, or a
            transcript event's payload is not a JSON object.
        """
        message = (
            raw_event
            if isinstance(raw_event, Message)
            else Message(headers=dict(raw_event.headers), payload=bytes(raw_event.payload))
        )
        event: Union[TranscriptEvent, UnknownEvent] = self._parse(message)
        return event
