"""0.6.4's ``request`` module (HTTP request objects), kept for compatibility.

:class:`Request`, :class:`PreparedRequest` and :class:`HeadersDict` come from
the compatibility layer, :mod:`amazon_transcribe._legacy.request`. Our client
does not use them: it builds each request from its operation's header table
(:mod:`amazon_transcribe.operations`). ``ValidationException``, which 0.6.4's
module imported, is re-exported from :mod:`amazon_transcribe.exceptions`.
"""

from __future__ import annotations

from ._legacy.request import (
    BODY_TYPE,
    HEADER_VALUE_TYPE,
    LIST_TYPE,
    HeadersDict,
    PreparedRequest,
    Request,
)
from .exceptions import ValidationException as ValidationException

__all__ = [
    "LIST_TYPE",
    "HEADER_VALUE_TYPE",
    "BODY_TYPE",
    "HeadersDict",
    "Request",
    "PreparedRequest",
]
