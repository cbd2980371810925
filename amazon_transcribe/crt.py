"""The process-wide awscrt event-loop group, shared by every stream.

awscrt runs its network I/O on native threads owned by an event-loop group.
One group per process is enough for any number of streams, so the SDK uses
awscrt's static default bootstrap unless a caller passes its own.
:class:`AWSCRTEventLoop` keeps the 0.6.4 name for code that constructs one and
hands it to :class:`~amazon_transcribe.auth.AwsCrtCredentialResolver`.

Nothing here runs at import: the group and its threads are created on first
use.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Optional, Set

from awscrt.io import ClientBootstrap

__all__ = ["AWSCRTEventLoop", "default_bootstrap", "keep_thread_state"]

# Idents of the native threads that keep_thread_state() has pinned.
_KEPT: Set[int] = set()
_ensure: Any = None  # ctypes' PyGILState_Ensure, looked up on first use


def default_bootstrap() -> ClientBootstrap:
    """Return the process-wide client bootstrap (created on first call).

    :returns: awscrt's static default :class:`~awscrt.io.ClientBootstrap`.
    """
    bootstrap: ClientBootstrap = ClientBootstrap.get_or_create_static_default()
    return bootstrap


def keep_thread_state() -> None:
    """Make the calling awscrt thread keep its Python thread state.

    Call it from a callback that awscrt runs on one of its own threads.
    awscrt enters Python from its threads with ``PyGILState_Ensure`` and
    leaves with ``PyGILState_Release``; a native thread has no thread state
    of its own, so CPython creates one on every entry (mapping a fresh frame
    stack) and destroys it on every exit (unmapping it, which makes the
    kernel interrupt the other cores). On a stream that is most of what a
    CRT thread spends, and it stalls the event-loop thread too. One extra
    gilstate reference, taken here once per thread and never given back,
    makes CPython keep the thread state between callbacks.

    This is safe at interpreter exit because awscrt checks that Python is
    still initialized before every entry, so it never uses the kept thread
    state after finalization has freed it. A thread that ends before the
    interpreter leaves its thread state behind until exit (the process-wide
    event-loop group's threads live as long as the process). Does nothing
    on interpreters other than CPython, and after the first call on a thread.
    """
    global _ensure
    ident = threading.get_ident()
    if ident in _KEPT:
        return
    _KEPT.add(ident)
    if _ensure is None:
        if sys.implementation.name != "cpython":
            _ensure = False
        else:
            import ctypes

            _ensure = getattr(ctypes.pythonapi, "PyGILState_Ensure", False)
    if _ensure:
        # The thread holds the GIL here, so this only raises the count.
        _ensure()


class AWSCRTEventLoop:
    """Holds the awscrt bootstrap that connections and credential providers use.

    :param bootstrap: a bootstrap of your own; by default the process-wide
        one, so creating several of these costs no extra threads.
    """

    def __init__(self, bootstrap: Optional[ClientBootstrap] = None) -> None:
        #: The awscrt client bootstrap (event-loop group and host resolver).
        self.bootstrap: ClientBootstrap = bootstrap or default_bootstrap()
