"""0.6.4's serializers: the StartStreamTranscription request and audio events.

:class:`TranscribeStreamingSerializer` builds 0.6.4's :class:`Request` for a
StartStreamTranscription call; its headers are the ones our own client sends,
written by the operation's table
(:data:`amazon_transcribe.operations.START_STREAM_TRANSCRIPTION`), so
booleans travel as ``true``/``false`` and lists comma-joined.
:class:`AudioEventSerializer` gives the headers and payload of an audio
event, the headers being those our core encodes for every audio event.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple
from urllib.parse import urlsplit

from .._eventstream import decode_headers
from .._serialize import _AUDIO_EVENT_HEADERS
from .._useragent import _user_agent
from ..exceptions import SerializerException, ValidationException
from ..operations import START_STREAM_TRANSCRIPTION
from ..shapes import AudioEvent, StartStreamTranscriptionRequest
from .request import Request
from .structures import BufferableByteStream

__all__ = [
    "TranscribeStreamingSerializer",
    "SERIALIZED_EVENT",
    "EventSerializer",
    "AudioEventSerializer",
]

#: An event as 0.6.4's event-stream serializer takes it: headers, payload.
SERIALIZED_EVENT = Tuple[Dict[str, Any], bytes]

# The same User-Agent as our client's (0.6.4 sent "transcribe-streaming-sdk-
# <version>", a form AWS does not parse), without a client's app id: this
# serializer has no client configuration to read one from.
_USER_AGENT = _user_agent()
_DEFAULT_PORTS = {"https": 443, "http": 80}
# The headers our core encodes for every audio event, read back once.
_AUDIO_EVENT_HEADER_VALUES = decode_headers(_AUDIO_EVENT_HEADERS)


def _host(endpoint: str) -> str:
    """The ``host`` header for an endpoint URL.

    Unlike 0.6.4 (the bare host name), a port that is not the scheme's
    default is kept and an IPv6 literal keeps its brackets: the header is
    signed, and must match the authority the request goes to.

    :param endpoint: the endpoint URL.
    :returns: the host, with ``:port`` when it is not the default.
    :raises ValidationException: the URL has no host, or a bad port.
    """
    parts = urlsplit(endpoint)
    try:
        port = parts.port
    except ValueError:
        raise ValidationException(f"endpoint {endpoint!r} has an invalid port") from None
    if not parts.hostname:
        raise ValidationException(f"endpoint {endpoint!r} has no host name")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{port}"
    return host


class TranscribeStreamingSerializer:
    """Builds 0.6.4's :class:`Request` for StartStreamTranscription.

    The request's body is a :class:`BufferableByteStream`, which 0.6.4's
    HTTP session polled in a busy loop for audio: it is kept so that code
    written against 0.6.4 can still write to it. Our client does not use
    this class; to stream audio, use
    :meth:`amazon_transcribe.client.TranscribeStreamingClient.start_stream_transcription`,
    which sends with flow control instead of polling.
    """

    def serialize_start_stream_transcription_request(
        self, endpoint: str, request_shape: StartStreamTranscriptionRequest
    ) -> Request:
        """Build the request of a StartStreamTranscription call.

        The headers are the event-stream ``content-type``, one
        ``x-amzn-transcribe-*`` header per option set (an empty value,
        such as an empty list, counts as unset, as in 0.6.4), then
        ``user-agent`` and ``host``.

        :param endpoint: the endpoint URL, e.g.
            ``https://transcribestreaming.us-east-1.amazonaws.com``.
        :param request_shape: the call's options.
        :returns: a ``POST`` request to ``/stream-transcription`` whose body
            is an empty :class:`BufferableByteStream`.
        :raises ValidationException: the endpoint has no host, or an option
            has a type no header can carry.
        """
        headers: Dict[str, str] = {
            name: value
            for name, value in START_STREAM_TRANSCRIPTION.request_headers(request_shape)
            if value
        }
        headers["user-agent"] = _USER_AGENT
        headers["host"] = _host(endpoint)
        return Request(
            endpoint=endpoint,
            path=START_STREAM_TRANSCRIPTION.path,
            method="POST",
            headers=headers,
            body=BufferableByteStream(),
        )


class EventSerializer:
    """Base of 0.6.4's input event serializers: an event to headers and payload."""

    def serialize(self, audio_event: Any) -> SERIALIZED_EVENT:
        """Serialize an event; subclasses implement it.

        :param audio_event: the event.
        :returns: the event's headers and payload.
        :raises NotImplementedError: always, on this base class.
        """
        raise NotImplementedError("serialize")


class AudioEventSerializer(EventSerializer):
    """Serializes :class:`~amazon_transcribe.model.AudioEvent` objects.

    Our audio stream encodes audio events itself
    (:meth:`amazon_transcribe.model.AudioStream.send_audio_event`); this
    class is for code that frames events with 0.6.4's event-stream names.
    """

    def serialize(self, event: Any) -> SERIALIZED_EVENT:
        """The headers and payload of an audio event.

        :param event: an :class:`~amazon_transcribe.model.AudioEvent`.
        :returns: the headers (``:message-type: event``,
            ``:event-type: AudioEvent``,
            ``:content-type: application/octet-stream``; a new dict on each
            call) and the audio bytes (empty for an event without audio).
        :raises SerializerException: ``event`` is not an audio event.
        """
        if not isinstance(event, AudioEvent):
            raise SerializerException(
                f"cannot serialize {type(event).__name__} as an input event; "
                "only AudioEvent is supported"
            )
        return dict(_AUDIO_EVENT_HEADER_VALUES), bytes(event.audio_chunk or b"")
