"""Signing: our event signer, and 0.6.4's request signers.

:class:`~amazon_transcribe.signer.EventSigner` (the event signature chain) and :class:`Clock` are the
sans-IO core's :mod:`amazon_transcribe._signer`, re-exported. 0.6.4's names of
this module (``RequestSigner``, ``SigV4RequestSigner``) come from the
compatibility layer, :mod:`amazon_transcribe._legacy.signer`. The names
0.6.4's module imported (``Credentials``, ``PreparedRequest``,
``HeadersDict``, ``CredentialsException``) are re-exported from where they
live now.
"""

from __future__ import annotations

from ._legacy.request import HeadersDict as HeadersDict, PreparedRequest as PreparedRequest
from ._legacy.signer import RequestSigner, SigV4RequestSigner
from ._signer import Clock, EventSigner
from .auth import Credentials as Credentials
from .exceptions import CredentialsException as CredentialsException

__all__ = [
    "EventSigner",
    "Clock",
    "RequestSigner",
    "SigV4RequestSigner",
]
