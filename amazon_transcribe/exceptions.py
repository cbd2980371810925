"""The SDK's exceptions: one tree, rooted at :class:`SDKError`.

The names and constructors of amazon-transcribe 0.6.4 are kept: the
classes that were plain exceptions take any positional arguments, as
:class:`Exception` does, and the service exceptions take 0.6.4's positional
``message`` (``UnknownServiceException`` its ``status_code, error_code,
message``). Every exception the SDK raises also carries a readable message
and structured attributes: ``message`` on all of them; the HTTP status, the
service's error code, the request id and whether a retry may succeed on
service exceptions. ``exc.args`` are the positional arguments given, so the
exceptions of this module survive :mod:`pickle` (and crossing a process
boundary) whole.

::

    SDKError
    ├── CredentialsException          no credentials could be resolved
    ├── HTTPException                 the connection or HTTP exchange failed
    │   └── TimeoutException          a connect / response / read timeout hit
    ├── SerializerException           a request or event could not be built
    ├── ValidationException           an argument is invalid (raised locally)
    │   └── NoRegionError             no region given or configured (also TypeError)
    ├── StreamClosedError             sending on an input stream that has ended
    ├── eventstream.EventStreamError  the event-stream codec (see that module)
    └── ServiceException              the service said no
        ├── BadRequestException           400
        │   └── IdleTimeoutException      no audio for 15 seconds
        ├── ConflictException             409
        ├── InternalFailureException      500, retryable
        ├── LimitExceededException        429, retryable
        ├── ServiceUnavailableException   503, retryable
        ├── ResourceNotFoundException     404 (GetMedicalScribeStream)
        ├── SerializationException        the service could not parse a request
        └── UnknownServiceException       an error code not in the model

Service exception classes are found through :data:`SERVICE_EXCEPTIONS`, an
explicit registry, never by looking a name from the network up as an
attribute. :func:`_service_exception` builds the right one from what the wire
said.

This module imports nothing from the rest of the package.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping, Optional, Tuple, Type

__all__ = [
    "SDKError",
    "CredentialsException",
    "HTTPException",
    "TimeoutException",
    "SerializerException",
    "ValidationException",
    "NoRegionError",
    "StreamClosedError",
    "ServiceException",
    "BadRequestException",
    "IdleTimeoutException",
    "ConflictException",
    "InternalFailureException",
    "LimitExceededException",
    "ServiceUnavailableException",
    "ResourceNotFoundException",
    "SerializationException",
    "UnknownServiceException",
    "SERVICE_EXCEPTIONS",
    "STREAMING_EXCEPTIONS",
    "GET_MEDICAL_SCRIBE_STREAM_EXCEPTIONS",
]


class SDKError(Exception):
    """Base of every exception this SDK raises on purpose.

    Takes any positional arguments, as :class:`Exception` (and 0.6.4's
    ``SDKError``) does; the SDK itself always passes one message.

    :param args: the exception's arguments; the first, usually the only one,
        is the message.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        #: The human-readable message: the single argument as text, or all
        #: of them when several were given (``""`` when none were).
        self.message: str = _message_of(args)


def _message_of(args: Tuple[Any, ...]) -> str:
    # Not str(exc): subclasses build __str__ from .message, which is being set.
    if not args:
        return ""
    if len(args) == 1:
        return str(args[0])
    return str(args)


class CredentialsException(SDKError):
    """No usable AWS credentials could be resolved."""


class HTTPException(SDKError):
    """The connection or the HTTP/2 exchange with the endpoint failed.

    :param args: the message (0.6.4 allowed any arguments, so does this).
    :param retryable: whether trying again (a new stream) may succeed.
    """

    def __init__(self, *args: Any, retryable: bool = True) -> None:
        super().__init__(*args)
        #: Whether a new attempt may succeed (network errors usually may).
        self.retryable = retryable


class TimeoutException(HTTPException):
    """A connect, response-headers or idle-read timeout expired.

    :param args: which timeout expired, and after how long.
    :param retryable: whether a new attempt may succeed.
    """


class SerializerException(SDKError):
    """A request or an event could not be serialized or deserialized."""


class ValidationException(SDKError):
    """An argument is invalid; raised locally before anything is sent."""


class NoRegionError(ValidationException, TypeError):
    """No AWS region was given to the client, and none is configured.

    A :class:`ValidationException` like every argument error, and also a
    :class:`TypeError`: in 0.6.4 ``region`` was a required argument, so
    leaving it out raised ``TypeError``, and code that catches that keeps
    working.
    """


class StreamClosedError(SDKError):
    """Something was sent on an input stream after it ended.

    After the final (empty, signed) frame the service accepts nothing more on
    that stream, so the SDK refuses it instead of sending it.
    """


class ServiceException(SDKError):
    """An error reported by the service, before or inside the stream.

    :param args: the service's message (``Message`` in its JSON); like
        0.6.4's, the class takes any positional arguments.
    :param status_code: the HTTP status; for an exception received inside an
        event stream, the status the model assigns to that exception.
    :param error_code: the service's error type name, e.g.
        ``"BadRequestException"``.
    :param request_id: the ``x-amzn-request-id`` of the call, when known.
    """

    #: The error type name the service uses for this class.
    error_code_name: ClassVar[str] = "ServiceException"
    #: The HTTP status the model assigns to this error.
    default_status_code: ClassVar[int] = 500
    #: Whether a retry (a new stream, with backoff) may succeed.
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        *args: Any,
        status_code: Optional[int] = None,
        error_code: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(*args)
        #: The HTTP status code.
        self.status_code: int = (
            self.default_status_code if status_code is None else status_code
        )
        #: The service's error type name.
        self.error_code: str = error_code or self.error_code_name
        #: The request id, when the service gave one.
        self.request_id: Optional[str] = request_id
        #: Whether a retry may succeed.
        self.retryable: bool = self.default_retryable

    def __str__(self) -> str:
        text = f"{self.error_code}: {self.message}" if self.message else self.error_code
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class _ModeledServiceException(ServiceException):
    """A service exception of the model: 0.6.4's ``(message)`` constructor.

    :param message: the service's message.
    :param status_code: the HTTP status; the model's status for the class
        when omitted.
    :param error_code: the error type name as the service sent it.
    :param request_id: the request id, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: Optional[int] = None,
        error_code: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(
            message, status_code=status_code, error_code=error_code, request_id=request_id
        )


class BadRequestException(_ModeledServiceException):
    """Invalid arguments or stream content, or no audio for 15 seconds."""

    error_code_name = "BadRequestException"
    default_status_code = 400


class IdleTimeoutException(BadRequestException):
    """The service ended the stream because it received no audio for 15 seconds.

    The service reports it as a ``BadRequestException`` and says so only in
    its message; the SDK recognises the message and raises this subclass, so
    code that catches :class:`BadRequestException` still catches it. Keep
    the stream alive with silent audio (:class:`amazon_transcribe.resilience.ResiliencePolicy`).
    """


#: What the service's idle-timeout message says (its wording, matched loosely).
_IDLE_TIMEOUT_TEXT = "no new audio was received"


class ConflictException(_ModeledServiceException):
    """A new stream started with the same session id; this one was ended."""

    error_code_name = "ConflictException"
    default_status_code = 409


class InternalFailureException(_ModeledServiceException):
    """Processing failed inside the service; retry."""

    error_code_name = "InternalFailureException"
    default_status_code = 500
    default_retryable = True


class LimitExceededException(_ModeledServiceException):
    """A limit was exceeded (concurrent streams, duration); retry with backoff."""

    error_code_name = "LimitExceededException"
    default_status_code = 429
    default_retryable = True

    @property
    def error(self) -> int:
        """The HTTP status (429), under the name 0.6.4 gave it; use :attr:`status_code`."""
        return self.status_code


class ServiceUnavailableException(_ModeledServiceException):
    """The service is temporarily unavailable; retry."""

    error_code_name = "ServiceUnavailableException"
    default_status_code = 503
    default_retryable = True


class ResourceNotFoundException(_ModeledServiceException):
    """The referenced resource (a HealthScribe stream) does not exist."""

    error_code_name = "ResourceNotFoundException"
    default_status_code = 404


class SerializationException(_ModeledServiceException):
    """The service could not parse what it was sent."""

    error_code_name = "SerializationException"
    default_status_code = 400


class UnknownServiceException(ServiceException):
    """A service error whose type is not in the model.

    The positional order ``(status_code, error_code, message)`` is that of
    amazon-transcribe 0.6.4, and so are ``exc.args``.

    :param status_code: the HTTP status.
    :param error_code: the error type name the service sent.
    :param message: the service's message.
    :param request_id: the request id, when known.
    """

    def __init__(
        self,
        status_code: int,
        error_code: str,
        message: str,
        *,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(
            message,
            status_code=status_code,
            error_code=error_code,
            request_id=request_id,
        )
        # The constructor's own arguments, so that copy and pickle rebuild it.
        self.args = (status_code, error_code, message)
        self.retryable = isinstance(status_code, int) and status_code >= 500


def _registry(*classes: Type[ServiceException]) -> Mapping[str, Type[ServiceException]]:
    # The registry of an operation: its modeled exceptions by wire name.
    return {cls.error_code_name: cls for cls in classes}


#: The modeled service exceptions by the error type name the service sends.
SERVICE_EXCEPTIONS: Mapping[str, Type[ServiceException]] = _registry(
    BadRequestException,
    ConflictException,
    InternalFailureException,
    LimitExceededException,
    ServiceUnavailableException,
    ResourceNotFoundException,
    SerializationException,
)

#: The exceptions each streaming operation other than StartStreamTranscription
#: models (PROTOCOL.md §5.1); StartStreamTranscription keeps
#: :data:`SERVICE_EXCEPTIONS`, as in 0.6.4.
STREAMING_EXCEPTIONS: Mapping[str, Type[ServiceException]] = _registry(
    BadRequestException,
    ConflictException,
    InternalFailureException,
    LimitExceededException,
    ServiceUnavailableException,
)

#: The exceptions GetMedicalScribeStream models (PROTOCOL.md §5.1).
GET_MEDICAL_SCRIBE_STREAM_EXCEPTIONS: Mapping[str, Type[ServiceException]] = _registry(
    BadRequestException,
    InternalFailureException,
    LimitExceededException,
    ResourceNotFoundException,
)


def _sanitize_error_code(raw: str) -> str:
    # Values may look like "BadRequestException:http://internal..." or
    # "com.amazonaws.transcribestreaming#BadRequestException".
    code = raw.split(",", 1)[0].split(":", 1)[0]
    return code.rsplit("#", 1)[-1].strip()


def _service_exception(
    error_code: Optional[str],
    message: str,
    *,
    status_code: Optional[int] = None,
    request_id: Optional[str] = None,
    registry: Mapping[str, Type[ServiceException]] = SERVICE_EXCEPTIONS,
) -> ServiceException:
    """Build the exception for an error the service reported.

    :param error_code: the error type as received (``x-amzn-errortype`` or
        ``:exception-type``); suffixes after ``:`` and namespaces before ``#``
        are removed.
    :param message: the service's message.
    :param status_code: the HTTP status, when the error came as a response.
    :param request_id: the request id, when known.
    :param registry: the exceptions the operation models.
    :returns: an instance of the modeled class, or
        :class:`UnknownServiceException` for a name the registry lacks.
    """
    code = _sanitize_error_code(error_code) if error_code else ""
    cls = registry.get(code)
    if cls is BadRequestException and _IDLE_TIMEOUT_TEXT in message.lower():
        cls = IdleTimeoutException
    if cls is None:
        return UnknownServiceException(
            500 if status_code is None else status_code,
            code or "Unknown",
            message,
            request_id=request_id,
        )
    return cls(message, status_code=status_code, error_code=code, request_id=request_id)

