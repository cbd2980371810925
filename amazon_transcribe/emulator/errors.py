"""Errors the emulator answers with, in the service's own terms.

A :class:`ServiceError` becomes either an HTTP error response before the
stream (status, ``x-amzn-errortype``, JSON ``{"Message": ...}``) or an
exception message inside it (``:message-type exception``), whichever point
the stream has reached.
"""

from __future__ import annotations

__all__ = [
    "ServiceError",
    "bad_request",
    "limit_exceeded",
    "conflict",
    "internal_failure",
    "service_unavailable",
    "not_found",
    "STATUS_BY_ERROR",
]

#: HTTP status of each error type the emulator can answer with.
STATUS_BY_ERROR = {
    "BadRequestException": 400,
    "ConflictException": 409,
    "LimitExceededException": 429,
    "InternalFailureException": 500,
    "ServiceUnavailableException": 503,
    "ResourceNotFoundException": 404,
    "SerializationException": 400,
    # Generic AWS authentication errors (not in the service model).
    "UnrecognizedClientException": 403,
    "InvalidSignatureException": 403,
    "IncompleteSignatureException": 403,
    "MissingAuthenticationTokenException": 403,
    "AccessDeniedException": 403,
    "UnknownOperationException": 404,
}


class ServiceError(Exception):
    """An error to report to the client the way the service does.

    :param error_type: the error type name, e.g. ``"BadRequestException"``.
    :param message: the message text.
    :param status: the HTTP status; by default the one the type has.
    """

    def __init__(self, error_type: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{error_type}: {message}")
        #: The error type name (``x-amzn-errortype`` / ``:exception-type``).
        self.error_type = error_type
        #: The message (``Message`` in the JSON body or payload).
        self.message = message
        #: The HTTP status when answered before the stream.
        self.status = STATUS_BY_ERROR.get(error_type, 400) if status is None else status


def bad_request(message: str) -> ServiceError:
    """:returns: a ``BadRequestException`` with ``message``.

    :param message: the message text.
    """
    return ServiceError("BadRequestException", message)


def limit_exceeded(message: str) -> ServiceError:
    """:returns: a ``LimitExceededException`` with ``message``.

    :param message: the message text.
    """
    return ServiceError("LimitExceededException", message)


def conflict(message: str) -> ServiceError:
    """:returns: a ``ConflictException`` with ``message``.

    :param message: the message text.
    """
    return ServiceError("ConflictException", message)


def internal_failure(message: str) -> ServiceError:
    """:returns: an ``InternalFailureException`` with ``message``.

    :param message: the message text.
    """
    return ServiceError("InternalFailureException", message)


def service_unavailable(message: str) -> ServiceError:
    """:returns: a ``ServiceUnavailableException`` with ``message``.

    :param message: the message text.
    """
    return ServiceError("ServiceUnavailableException", message)


def not_found(message: str) -> ServiceError:
    """:returns: a ``ResourceNotFoundException`` with ``message``.

    :param message: the message text.
    """
    return ServiceError("ResourceNotFoundException", message)
