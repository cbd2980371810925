"""The process-wide awscrt event-loop group, shared by every stream.

awscrt runs its network I/O on native threads owned by an event-loop group.
One group per process is enough for any number of streams, so the SDK uses
awscrt's static default bootstrap unless a caller passes its own.
:class:`AWSCRTEventLoop` keeps the 0.6.4 name for code that constructs one and
hands it to :class:`~amazon_transcribe.auth.AwsCrtCredentialResolver`.

Two speed-ups reach into awscrt's and CPython's internals: kept thread
states for awscrt's threads (:func:`_keep_thread_state`) and request bodies
that awscrt reads with one C call (see ``httpsession``). Both sit behind one
switch, :func:`speedups_enabled`: on only for the CPython and awscrt versions
they were verified with, off elsewhere (and when
``AMAZON_TRANSCRIBE_NO_SPEEDUPS`` is set), where the plain paths run.

Nothing here runs at import: the group and its threads are created on first
use.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from typing import Any, Optional, Set, Tuple

from awscrt.io import ClientBootstrap

__all__ = [
    "AWSCRTEventLoop",
    "speedups_enabled",
    "VERIFIED_PYTHON",
    "VERIFIED_AWSCRT",
    "DISABLE_VARIABLE",
]

#: CPython versions (major, minor) the speed-ups were verified with.
VERIFIED_PYTHON = ((3, 9), (3, 13))
#: awscrt versions (major, minor) the speed-ups were verified with (0.32 is
#: the SDK's oldest; 0.38 the newest tried).
VERIFIED_AWSCRT = ((0, 32), (0, 38))
#: Set this environment variable (to anything but empty) to turn the speed-ups off.
DISABLE_VARIABLE = "AMAZON_TRANSCRIBE_NO_SPEEDUPS"

_speedups: Optional[bool] = None

# Idents of the native threads that _keep_thread_state() has pinned.
_KEPT: Set[int] = set()
_ensure: Any = None  # ctypes' PyGILState_Ensure, looked up on first use


def _default_bootstrap() -> ClientBootstrap:
    """Return the process-wide client bootstrap (created on first call).

    :returns: awscrt's static default :class:`~awscrt.io.ClientBootstrap`.
    """
    bootstrap: ClientBootstrap = ClientBootstrap.get_or_create_static_default()
    return bootstrap


def _version(text: str) -> Tuple[int, int]:
    # "0.38.1", "1.0rc1" -> (major, minor); anything else sorts below every range.
    match = re.match(r"(\d+)\.(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else (-1, -1)


def speedups_enabled() -> bool:
    """Whether the internals-dependent speed-ups are on (decided once per process).

    On when the interpreter is CPython within :data:`VERIFIED_PYTHON`, the
    installed awscrt is within :data:`VERIFIED_AWSCRT`, and
    :data:`DISABLE_VARIABLE` is not set. Everything works either way;
    only the CPU cost per event differs.

    :returns: the decision.
    """
    global _speedups
    if _speedups is None:
        _speedups = _decide()
    return _speedups


def _decide() -> bool:
    if os.environ.get(DISABLE_VARIABLE):
        return False
    if sys.implementation.name != "cpython":
        return False
    low, high = VERIFIED_PYTHON
    if not low <= sys.version_info[:2] <= high:
        return False
    try:
        from importlib.metadata import version

        awscrt_version = _version(version("awscrt"))
    except Exception:  # metadata missing: unknown version, plain paths
        return False
    low, high = VERIFIED_AWSCRT
    return low <= awscrt_version <= high


def _keep_thread_state() -> None:
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
    when :func:`speedups_enabled` says no, and after the first call on a thread.
    """
    global _ensure
    # Called on every CRT callback: the common case (a kept thread) is one
    # set lookup. With the speed-ups off nothing is ever added to the set.
    ident = threading.get_ident()
    if ident in _KEPT or not speedups_enabled():
        return
    _KEPT.add(ident)
    if _ensure is None:
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
        self.bootstrap: ClientBootstrap = bootstrap or _default_bootstrap()
