"""0.6.4's ``response`` module (the HTTP response object), kept for compatibility.

:class:`Response` comes from the compatibility layer,
:mod:`amazon_transcribe._legacy.response`; :class:`HeadersDict`, which
0.6.4's module imported, from :mod:`amazon_transcribe._legacy.request`. Our
client reads responses from its transport and does not use them.
"""

from __future__ import annotations

from ._legacy.request import HeadersDict as HeadersDict
from ._legacy.response import Response

__all__ = [
    "Response",
]
