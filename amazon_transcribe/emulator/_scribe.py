"""HealthScribe session state, for ``GetMedicalScribeStream`` (PROTOCOL.md §6.5, §12 item 9).

A HealthScribe session outlives its streams: a stream that ends without
``END_OF_SESSION`` pauses the session, and a new stream with the same session
id (and the same configuration) resumes it. :class:`ScribeSessions` keeps
one :class:`ScribeSession` per session id the emulator has seen:

* ``IN_PROGRESS`` from the moment a stream's ``ConfigurationEvent`` is
  accepted (only then does the service know the stream's configuration);
* ``PAUSED`` when a stream ends (or its client goes away) without
  ``END_OF_SESSION``;
* ``COMPLETED`` when a stream that sent ``END_OF_SESSION`` ends normally;
  clinical-note generation is then reported ``COMPLETED`` at once, with
  output locations under the configured bucket (the emulator writes no
  notes, so there is nothing to wait for);
* ``FAILED`` when a stream ends with an error (except the
  ``ConflictException`` of a stream replaced by a newer one, which pauses).

A completed or failed session cannot be resumed.

Pure state, used on the event loop only: no locking.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional

from .engine import StreamSettings
from .errors import ServiceError, bad_request, not_found

__all__ = ["ScribeSession", "ScribeSessions"]

IN_PROGRESS = "IN_PROGRESS"
PAUSED = "PAUSED"
COMPLETED = "COMPLETED"
FAILED = "FAILED"


@dataclass
class ScribeSession:
    """What the emulator knows of one HealthScribe session.

    :param settings: the settings of its first configured stream.
    :param created_at: when that stream started (epoch seconds).
    """

    settings: StreamSettings
    created_at: float
    status: str = IN_PROGRESS
    ended_at: Optional[float] = None
    end_of_session: bool = False
    #: The stream currently owning the session (an opaque token).
    owner: object = field(default=None, repr=False)

    @property
    def configuration(self) -> Mapping[str, Any]:
        """:returns: the session's ``MedicalScribeConfigurationEvent``."""
        return self.settings.configuration or {}

    def details(self) -> Dict[str, Any]:
        """The ``MedicalScribeStreamDetails`` of the session (§8.4).

        :returns: the JSON object.
        """
        settings = self.settings
        config = self.configuration
        details: Dict[str, Any] = {
            "SessionId": settings.session_id,
            "StreamCreatedAt": self.created_at,
        }
        if self.ended_at is not None:
            details["StreamEndedAt"] = self.ended_at
        details["LanguageCode"] = settings.language_code
        details["MediaSampleRateHertz"] = settings.sample_rate
        details["MediaEncoding"] = settings.media_encoding
        for name in (
            "VocabularyName",
            "VocabularyFilterName",
            "VocabularyFilterMethod",
            "ResourceAccessRoleArn",
            "ChannelDefinitions",
            "EncryptionSettings",
        ):
            if config.get(name) is not None:
                details[name] = config[name]
        details["StreamStatus"] = self.status
        analytics = config.get("PostStreamAnalyticsSettings")
        if analytics is not None:
            details["PostStreamAnalyticsSettings"] = analytics
        if self.status == COMPLETED and isinstance(analytics, dict):
            bucket = analytics["ClinicalNoteGenerationSettings"]["OutputBucketName"]
            prefix = (
                f"s3://{bucket}/healthscribe-streaming/{settings.session_id}/"
                "post-stream-analytics"
            )
            details["PostStreamAnalyticsResult"] = {
                "ClinicalNoteGenerationResult": {
                    "ClinicalNoteOutputLocation": f"{prefix}/clinical-notes/summary.json",
                    "TranscriptOutputLocation": f"{prefix}/transcript/transcript.json",
                    "Status": COMPLETED,
                }
            }
        details["MedicalScribeContextProvided"] = config.get("MedicalScribeContext") is not None
        return details


class ScribeSessions:
    """The HealthScribe sessions seen, by session id.

    :param clock: epoch seconds now (``time.time`` by default; tests inject one).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._sessions: Dict[str, ScribeSession] = {}

    def get(self, session_id: str) -> Optional[ScribeSession]:
        """:returns: the session with this id, if the emulator has seen it."""
        return self._sessions.get(session_id)

    def check_resumable(self, session_id: str) -> None:
        """Refuse a new stream for a session that has ended for good.

        :param session_id: the new stream's session id.
        :raises ServiceError: ``BadRequestException`` for a completed or failed session.
        """
        session = self._sessions.get(session_id)
        if session is not None and session.status in (COMPLETED, FAILED):
            raise bad_request(
                f"The HealthScribe session {session_id} is {session.status} and cannot "
                "be resumed; start a new session with another session id."
            )

    def configured(self, settings: StreamSettings, owner: object) -> ScribeSession:
        """A stream's configuration was accepted: the session is in progress.

        :param settings: the stream's settings, with its configuration.
        :param owner: a token of the stream, for :meth:`ended`.
        :returns: the session.
        :raises ServiceError: ``BadRequestException`` when a resumed stream's
            configuration differs from the session's, or the session ended.
        """
        self.check_resumable(settings.session_id)
        session = self._sessions.get(settings.session_id)
        if session is None:
            session = ScribeSession(settings, created_at=self._clock())
            self._sessions[settings.session_id] = session
        else:
            same = (
                dict(session.configuration) == dict(settings.configuration or {})
                and session.settings.sample_rate == settings.sample_rate
                and session.settings.media_encoding == settings.media_encoding
                and session.settings.language_code == settings.language_code
            )
            if not same:
                raise bad_request(
                    f"A resumed HealthScribe stream must have the configuration of session "
                    f"{settings.session_id}; this stream's configuration differs."
                )
        session.status = IN_PROGRESS
        session.ended_at = None
        session.owner = owner
        return session

    def end_of_session(self, session_id: str, owner: object) -> None:
        """The stream sent ``END_OF_SESSION``.

        :param session_id: the session id.
        :param owner: the stream's token.
        """
        session = self._sessions.get(session_id)
        if session is not None and session.owner is owner:
            session.end_of_session = True

    def ended(self, session_id: str, owner: object, error: Optional[ServiceError]) -> None:
        """A stream of the session ended.

        :param session_id: the session id.
        :param owner: the stream's token; a stream that no longer owns the
            session (a newer one replaced it) changes nothing.
        :param error: the error it ended with, if any.
        """
        session = self._sessions.get(session_id)
        if session is None or session.owner is not owner:
            return
        session.owner = None
        session.ended_at = self._clock()
        if error is not None and error.error_type != "ConflictException":
            session.status = FAILED
        elif session.end_of_session and error is None:
            session.status = COMPLETED
        else:
            session.status = PAUSED

    def describe(self, session_id: str) -> Dict[str, Any]:
        """Answer ``GetMedicalScribeStream``.

        :param session_id: the path's session id.
        :returns: ``{"MedicalScribeStreamDetails": {...}}``.
        :raises ServiceError: 404 ``ResourceNotFoundException`` for an unknown id.
        """
        session = self._sessions.get(session_id)
        if session is None:
            raise not_found(
                f"The HealthScribe session {session_id} does not exist. Check the session "
                "id and try again."
            )
        return {"MedicalScribeStreamDetails": session.details()}
