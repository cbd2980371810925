"""0.6.4's parsers, at their import path.

Our own response and event decoding is the sans-IO core's private
:mod:`amazon_transcribe._deserialize`. This module holds 0.6.4's names
(``TranscribeStreamingResponseParser``, ``TranscribeStreamingEventParser``)
from the compatibility layer, :mod:`amazon_transcribe._legacy.deserialize`,
which builds on that core. The other names 0.6.4's module imported from its
package (the model classes, the service exceptions, ``Response``,
``BaseEvent``, ``ensure_boolean``) are re-exported too, since code may have
imported them from here.
"""

from __future__ import annotations

from ._legacy.deserialize import TranscribeStreamingEventParser, TranscribeStreamingResponseParser
from ._legacy.eventstream import BaseEvent as BaseEvent
from ._legacy.response import Response as Response
from .exceptions import (
    BadRequestException as BadRequestException,
    ConflictException as ConflictException,
    InternalFailureException as InternalFailureException,
    LimitExceededException as LimitExceededException,
    SerializationException as SerializationException,
    ServiceException as ServiceException,
    ServiceUnavailableException as ServiceUnavailableException,
    UnknownServiceException as UnknownServiceException,
)
from .model import (
    Alternative as Alternative,
    Entity as Entity,
    Item as Item,
    Result as Result,
    StartStreamTranscriptionResponse as StartStreamTranscriptionResponse,
    Transcript as Transcript,
    TranscriptEvent as TranscriptEvent,
    TranscriptResultStream as TranscriptResultStream,
)
from .utils import ensure_boolean as ensure_boolean

__all__ = [
    "TranscribeStreamingResponseParser",
    "TranscribeStreamingEventParser",
]
