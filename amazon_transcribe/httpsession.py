"""The HTTP/2 transport, and 0.6.4's HTTP session names.

:class:`HTTP2Stream` (one awscrt HTTP/2 stream, flow-controlled both ways)
and :class:`Timeouts` are :mod:`amazon_transcribe._httpsession`, re-exported.
0.6.4's names of this module (``AwsCrtHttpSessionManager``,
``AwsCrtHttpResponse``, ``HeadersList``) come from the compatibility layer,
:mod:`amazon_transcribe._legacy.httpsession`, built on :class:`HTTP2Stream`;
our client never uses them. The names 0.6.4's module imported
(``HTTPException``, ``Response``) are re-exported from where they live now.
"""

from __future__ import annotations

from ._httpsession import HTTP2Stream, Timeouts
from ._legacy.httpsession import AwsCrtHttpResponse, AwsCrtHttpSessionManager, HeadersList
from ._legacy.response import Response as Response
from .exceptions import HTTPException as HTTPException

__all__ = [
    "Timeouts",
    "HTTP2Stream",
    "HeadersList",
    "AwsCrtHttpResponse",
    "AwsCrtHttpSessionManager",
]
