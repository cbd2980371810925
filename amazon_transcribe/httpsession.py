"""The HTTP/2 transport, and 0.6.4's HTTP session names.

:class:`HTTP2Stream` (one awscrt HTTP/2 stream, flow-controlled both ways)
and :class:`Timeouts` are :mod:`amazon_transcribe._httpsession`, re-exported.
0.6.4's names of this module (``AwsCrtHttpSessionManager``,
``AwsCrtHttpResponse``, ``HeadersList``) come from the compatibility layer,
:mod:`amazon_transcribe._legacy.httpsession`; our client never uses them.
"""

from __future__ import annotations

from ._httpsession import HTTP2Stream, Timeouts

__all__ = [
    "Timeouts",
    "HTTP2Stream",
]
