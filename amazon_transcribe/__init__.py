"""An asyncio SDK for Amazon Transcribe Streaming, drop-in for amazon-transcribe 0.6.4.

Importing the package has no side effects: no threads, no native event
loops, no network. Those start when a client or credential resolver is used.
"""

from __future__ import annotations

from .crt import AWSCRTEventLoop

__version__ = "0.7.0"

__all__ = ["AWSCRTEventLoop", "__version__"]
