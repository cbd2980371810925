"""0.6.4's parsers, at their import path.

Our own response and event decoding is the sans-IO core's private
:mod:`amazon_transcribe._deserialize`. This module holds 0.6.4's names
(``TranscribeStreamingResponseParser``, ``TranscribeStreamingEventParser``)
from the compatibility layer, :mod:`amazon_transcribe._legacy.deserialize`.
"""

from __future__ import annotations

from typing import List

__all__: List[str] = []
