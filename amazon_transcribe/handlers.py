"""Handlers: subclass one and override the method of each event type you want.

``TranscriptResultStreamHandler(stream).handle_events()`` reads the whole
output stream and calls :meth:`~TranscriptResultStreamHandler.handle_transcript_event`
for each transcript event, as in amazon-transcribe 0.6.4. Event types this SDK
does not know go to :meth:`~TranscriptResultStreamHandler.handle_unknown_event`
instead of being dropped. Service errors propagate out of ``handle_events``.

The other operations have their handlers in the same style:
:class:`MedicalTranscriptResultStreamHandler`,
:class:`CallAnalyticsTranscriptResultStreamHandler` (one method per event
type: utterances and categories) and :class:`MedicalScribeResultStreamHandler`.
Their event methods do nothing unless overridden, so a subclass overrides
only the event types it wants.
"""

from __future__ import annotations

import logging

from typing import Any, AsyncIterable, Union

from .call_analytics import CategoryEvent, UtteranceEvent
from .medical import MedicalTranscriptEvent
from .medical_scribe import MedicalScribeTranscriptEvent
from .resilience import ReplayOverflow, StreamResumed
from .shapes import TranscriptEvent, UnknownEvent
# 0.6.4's handlers module imported the stream class too; code imports it from here.
from .streams import TranscriptResultStream as TranscriptResultStream

__all__ = [
    "TranscriptResultStreamHandler",
    "ResultStreamHandler",
    "MedicalTranscriptResultStreamHandler",
    "CallAnalyticsTranscriptResultStreamHandler",
    "MedicalScribeResultStreamHandler",
]

logger = logging.getLogger("amazon_transcribe.handlers")


class TranscriptResultStreamHandler:
    """Consumes a :class:`~amazon_transcribe.model.TranscriptResultStream`.

    :param transcript_result_stream: the output stream of a started
        transcription (``stream.output_stream``).
    """

    def __init__(
        self, transcript_result_stream: AsyncIterable[Union[TranscriptEvent, UnknownEvent]]
    ) -> None:
        self._transcript_result_stream = transcript_result_stream

    async def handle_events(self) -> None:
        """Read every event and dispatch it to its handler method.

        Returns when the service ends the stream.

        :raises ServiceException: the service reported an error in the stream.
        :raises HTTPException: the connection failed or timed out.
        """
        async for event in self._transcript_result_stream:
            if isinstance(event, TranscriptEvent):
                await self.handle_transcript_event(event)
            elif isinstance(event, StreamResumed):
                await self.handle_stream_resumed(event)
            elif isinstance(event, ReplayOverflow):
                await self.handle_replay_overflow(event)
            else:
                await self.handle_unknown_event(event)

    async def handle_transcript_event(self, transcript_event: TranscriptEvent) -> None:
        """Handle one transcript event; override this.

        :param transcript_event: the event.
        :raises NotImplementedError: when not overridden (as in 0.6.4).
        """
        raise NotImplementedError("handle_transcript_event")

    async def handle_stream_resumed(self, event: StreamResumed) -> None:
        """A resilient stream replaced its underlying stream; override to hear of it.

        Only streams started with
        :meth:`~amazon_transcribe.client.TranscribeStreamingClient.start_resilient_stream_transcription`
        have these events. The default does nothing (the SDK logs resumes).

        :param event: why, how long it took, what was replayed or lost.
        """

    async def handle_replay_overflow(self, event: ReplayOverflow) -> None:
        """Audio no final result covered could not be replayed; override to hear of it.

        The default does nothing (the SDK logs a warning).

        :param event: how much audio was lost, and from where on the timeline.
        """

    async def handle_unknown_event(self, event: UnknownEvent) -> None:
        """Handle an event of a type this SDK does not know; override to use it.

        The default logs it at debug level and goes on.

        :param event: the event, with its type, headers and raw payload.
        """
        logger.debug("unknown event type %r (%d bytes) ignored", event.event_type, len(event.payload))


class ResultStreamHandler:
    """The base of the handlers of the medical, call analytics and HealthScribe streams.

    Reads an output stream and dispatches each event to the method of its
    type; subclasses define the methods (``TranscriptResultStreamHandler``
    keeps its 0.6.4 shape and does not derive from it).

    :param stream: the output stream.
    """

    def __init__(self, stream: AsyncIterable[Any]) -> None:
        self._stream = stream

    async def handle_events(self) -> None:
        """Read every event and dispatch it to its handler method.

        Returns when the service ends the stream.

        :raises ServiceException: the service reported an error in the stream.
        :raises HTTPException: the connection failed or timed out.
        """
        async for event in self._stream:
            await self._dispatch(event)

    async def _dispatch(self, event: Any) -> None:
        await self.handle_unknown_event(event)

    async def handle_unknown_event(self, event: UnknownEvent) -> None:
        """Handle an event of a type this SDK does not know; override to use it.

        The default logs it at debug level and goes on.

        :param event: the event, with its type, headers and raw payload.
        """
        logger.debug("unknown event type %r (%d bytes) ignored", event.event_type, len(event.payload))


class MedicalTranscriptResultStreamHandler(ResultStreamHandler):
    """Consumes a :class:`~amazon_transcribe.streams.MedicalTranscriptResultStream`.

    :param transcript_result_stream: the output stream of a started medical
        transcription (``stream.output_stream``).
    """

    def __init__(
        self, transcript_result_stream: AsyncIterable[Union[MedicalTranscriptEvent, UnknownEvent]]
    ) -> None:
        super().__init__(transcript_result_stream)

    async def _dispatch(self, event: Any) -> None:
        if isinstance(event, MedicalTranscriptEvent):
            await self.handle_transcript_event(event)
        else:
            await self.handle_unknown_event(event)

    async def handle_transcript_event(self, transcript_event: MedicalTranscriptEvent) -> None:
        """Handle one medical transcript event; override this.

        :param transcript_event: the event.
        """


class CallAnalyticsTranscriptResultStreamHandler(ResultStreamHandler):
    """Consumes a :class:`~amazon_transcribe.streams.CallAnalyticsTranscriptResultStream`.

    :param call_analytics_transcript_result_stream: the output stream of a
        started call analytics transcription (``stream.output_stream``).
    """

    def __init__(
        self,
        call_analytics_transcript_result_stream: AsyncIterable[
            Union[UtteranceEvent, CategoryEvent, UnknownEvent]
        ],
    ) -> None:
        super().__init__(call_analytics_transcript_result_stream)

    async def _dispatch(self, event: Any) -> None:
        if isinstance(event, UtteranceEvent):
            await self.handle_utterance_event(event)
        elif isinstance(event, CategoryEvent):
            await self.handle_category_event(event)
        else:
            await self.handle_unknown_event(event)

    async def handle_utterance_event(self, utterance_event: UtteranceEvent) -> None:
        """Handle one utterance event; override this.

        :param utterance_event: the event.
        """

    async def handle_category_event(self, category_event: CategoryEvent) -> None:
        """Handle one category event; override this.

        :param category_event: the event.
        """


class MedicalScribeResultStreamHandler(ResultStreamHandler):
    """Consumes a :class:`~amazon_transcribe.streams.MedicalScribeResultStream`.

    :param result_stream: the output stream of a started HealthScribe stream
        (``stream.output_stream``).
    """

    def __init__(
        self, result_stream: AsyncIterable[Union[MedicalScribeTranscriptEvent, UnknownEvent]]
    ) -> None:
        super().__init__(result_stream)

    async def _dispatch(self, event: Any) -> None:
        if isinstance(event, MedicalScribeTranscriptEvent):
            await self.handle_transcript_event(event)
        else:
            await self.handle_unknown_event(event)

    async def handle_transcript_event(self, transcript_event: MedicalScribeTranscriptEvent) -> None:
        """Handle one HealthScribe transcript event; override this.

        :param transcript_event: the event.
        """
