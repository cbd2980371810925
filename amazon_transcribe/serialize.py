"""0.6.4's serializers, at their import path.

Our own request and event serialization is the sans-IO core's private
:mod:`amazon_transcribe._serialize`, driven by each operation's table in
:mod:`amazon_transcribe.operations`. This module holds 0.6.4's names
(``TranscribeStreamingSerializer``, ``AudioEventSerializer``...) from the
compatibility layer, :mod:`amazon_transcribe._legacy.serialize`, which
builds on that core. The other names 0.6.4's module imported from its
package (the request and model classes, ``BaseEvent``,
``BufferableByteStream``, ``SerializerException``) are re-exported too, since
code may have imported them from here.
"""

from __future__ import annotations

from ._legacy.eventstream import BaseEvent as BaseEvent
from ._legacy.request import Request as Request
from ._legacy.serialize import (
    SERIALIZED_EVENT,
    AudioEventSerializer,
    EventSerializer,
    TranscribeStreamingSerializer,
)
from ._legacy.structures import BufferableByteStream as BufferableByteStream
from .exceptions import SerializerException as SerializerException
from .model import (
    AudioEvent as AudioEvent,
    StartStreamTranscriptionRequest as StartStreamTranscriptionRequest,
)

__all__ = [
    "TranscribeStreamingSerializer",
    "SERIALIZED_EVENT",
    "EventSerializer",
    "AudioEventSerializer",
]
