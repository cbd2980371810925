"""0.6.4's serializers, at their import path.

Our own request and event serialization is the sans-IO core's private
:mod:`amazon_transcribe._serialize`, driven by each operation's table in
:mod:`amazon_transcribe.operations`. This module holds 0.6.4's names
(``TranscribeStreamingSerializer``, ``AudioEventSerializer``...) from the
compatibility layer, :mod:`amazon_transcribe._legacy.serialize`.
"""

from __future__ import annotations

from typing import List

__all__: List[str] = []
