"""Signing: our event signer, and 0.6.4's request signers.

:class:`EventSigner` (the event signature chain) and :class:`Clock` are the
sans-IO core's :mod:`amazon_transcribe._signer`, re-exported. 0.6.4's names of
this module (``RequestSigner``, ``SigV4RequestSigner``) come from the
compatibility layer, :mod:`amazon_transcribe._legacy.signer`.
"""

from __future__ import annotations

from ._signer import Clock, EventSigner

__all__ = [
    "EventSigner",
    "Clock",
]
