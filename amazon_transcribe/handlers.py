"""Handlers: subclass one and override the method of each event type you want.

``TranscriptResultStreamHandler(stream).handle_events()`` reads the whole
output stream and calls :meth:`~TranscriptResultStreamHandler.handle_transcript_event`
for each transcript event, as in amazon-transcribe 0.6.4. Event types this SDK
does not know go to :meth:`~TranscriptResultStreamHandler.handle_unknown_event`
instead of being dropped. Service errors propagate out of ``handle_events``.
"""

from __future__ import annotations

import logging

from .shapes import TranscriptEvent, UnknownEvent
from .streams import TranscriptResultStream

__all__ = ["TranscriptResultStreamHandler"]

logger = logging.getLogger("amazon_transcribe.handlers")


class TranscriptResultStreamHandler:
    """Consumes a :class:`~amazon_transcribe.model.TranscriptResultStream`.

    :param transcript_result_stream: the output stream of a started
        transcription (``stream.output_stream``).
    """

    def __init__(self, transcript_result_stream: TranscriptResultStream) -> None:
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
            else:
                await self.handle_unknown_event(event)

    async def handle_transcript_event(self, transcript_event: TranscriptEvent) -> None:
        """Handle one transcript event; override this.

        :param transcript_event: the event.
        :raises NotImplementedError: when not overridden (as in 0.6.4).
        """
        raise NotImplementedError("handle_transcript_event")

    async def handle_unknown_event(self, event: UnknownEvent) -> None:
        """Handle an event of a type this SDK does not know; override to use it.

        The default logs it at debug level and goes on.

        :param event: the event, with its type, headers and raw payload.
        """
        logger.debug("unknown event type %r (%d bytes) ignored", event.event_type, len(event.payload))
