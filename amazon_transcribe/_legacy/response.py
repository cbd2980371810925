"""0.6.4's HTTP response object, :class:`Response`.

0.6.4's client wrapped the status and headers of the StartStreamTranscription
response in a :class:`Response` before handing it to its response parser
(:class:`~amazon_transcribe._legacy.deserialize.TranscribeStreamingResponseParser`).
Our client reads the status and headers from its transport directly; the
class is kept for code that drives that parser itself.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Tuple, Union

from .request import HeadersDict

__all__ = ["Response"]


class Response:
    """The status line and headers of an HTTP response.

    :param status_code: the HTTP status (500 when not given, as in 0.6.4:
        a response nobody filled in reads as a server error).
    :param headers: the headers, as a mapping or ``(name, value)`` pairs.
    :raises ValidationException: a header name is ``None``.
    """

    def __init__(
        self,
        status_code: int = 500,
        headers: Optional[Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]] = None,
    ) -> None:
        #: The HTTP status.
        self.status_code: int = status_code
        #: The headers, keyed case-insensitively.
        self.headers: HeadersDict = HeadersDict(headers if headers is not None else {})
