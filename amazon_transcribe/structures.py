"""0.6.4's ``structures`` module, kept for compatibility.

Its one class, :class:`BufferableByteStream` (the non-blocking buffer 0.6.4
used as the body of its streaming request), comes from the compatibility
layer, :mod:`amazon_transcribe._legacy.structures`. Our client does not use
it: see the class for what to use instead.
"""

from __future__ import annotations

from ._legacy.structures import BufferableByteStream

__all__ = ["BufferableByteStream"]
