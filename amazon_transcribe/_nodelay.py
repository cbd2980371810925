"""``TCP_NODELAY`` on the socket of each awscrt connection the SDK opens.

Why: awscrt creates and connects its sockets itself, and its
:class:`~awscrt.io.SocketOptions` (0.32 to 0.38 at least) have no field for
``TCP_NODELAY``. Without it the kernel holds a small write back while an
earlier small write is unacknowledged (Nagle's algorithm), and a peer that
delays its ACKs (any Linux server: about 40 ms) then delays the request
headers after the HTTP/2 preface, the first audio event after a window
update, and the end frame after the last audio event.

How the connection's socket is found without touching anyone else's:

1. Before connecting, the connection gets a *tag* no other connection of the
   process is using at the time: keep-alive timings (``TCP_KEEPIDLE`` and
   ``TCP_KEEPINTVL`` both the tag, ``TCP_KEEPCNT`` a fixed marker) in its
   socket options, with keep-alive itself left off. awscrt applies them
   when it creates the socket, before it connects; without ``SO_KEEPALIVE``
   the kernel never uses them, so they change nothing about the connection.
   They only make the socket recognisable.
2. The inodes of the process's sockets are noted before connecting.
3. Once connected, only the sockets that are new since then are looked at,
   each through a duplicate descriptor of our own (the original is never
   closed, shut down or made ours): a non-blocking TCP socket that carries
   exactly the tag is the connection's. ``TCP_NODELAY`` is set on it
   through the duplicate, and the duplicate is closed.

The descriptors are listed from ``/proc/self/fd`` (or ``/dev/fd``). Where
neither can be listed, or the platform lacks one of the options, nothing is
done and the connection works as before, only with Nagle's algorithm on.

This module imports only the standard library.
"""

from __future__ import annotations

import logging
import os
import socket
import stat
import threading
from types import ModuleType
from typing import FrozenSet, Optional, Set

_fcntl: Optional[ModuleType]
try:
    import fcntl as _fcntl
except ImportError:  # Windows: no descriptor listing either
    _fcntl = None

__all__ = ["ConnectionTag"]

logger = logging.getLogger("amazon_transcribe.httpsession")

#: Where the process's open descriptors are listed, first found wins.
_FD_DIRS = ("/proc/self/fd", "/dev/fd")
#: The tags handed out: keep-alive seconds no one sets by accident (the
#: kernel accepts 1 to 32767), one per connection being opened.
_TAG_FIRST, _TAG_LAST = 29_000, 32_767
#: ``TCP_KEEPCNT`` of a tagged socket (the kernel accepts 1 to 127).
_TAG_PROBES = 113

# Linux names the idle time TCP_KEEPIDLE; BSDs and macOS TCP_KEEPALIVE.
_KEEPIDLE: Optional[int] = getattr(socket, "TCP_KEEPIDLE", None) or getattr(
    socket, "TCP_KEEPALIVE", None
)
_KEEPINTVL: Optional[int] = getattr(socket, "TCP_KEEPINTVL", None)
_KEEPCNT: Optional[int] = getattr(socket, "TCP_KEEPCNT", None)

_lock = threading.Lock()
_tags_in_use: Set[int] = set()
_next_tag = _TAG_FIRST


def _reserve_tag() -> Optional[int]:
    global _next_tag
    with _lock:
        for _ in range(_TAG_LAST - _TAG_FIRST + 1):
            tag = _next_tag
            _next_tag = tag + 1 if tag < _TAG_LAST else _TAG_FIRST
            if tag not in _tags_in_use:
                _tags_in_use.add(tag)
                return tag
    return None  # thousands of connections opening at once: go without


def _socket_inodes() -> Optional[FrozenSet[int]]:
    """The inodes of the process's open sockets, or None if they cannot be listed."""
    for directory in _FD_DIRS:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        inodes = set()
        for name in names:
            try:
                info = os.fstat(int(name))
            except (OSError, ValueError):  # closed meanwhile (or the listing's own)
                continue
            if stat.S_ISSOCK(info.st_mode):
                inodes.add(info.st_ino)
        return frozenset(inodes)
    return None


class ConnectionTag:
    """Makes one connection's socket recognisable, then sets ``TCP_NODELAY`` on it.

    Make one right before opening the connection (it notes the sockets that
    already exist), pass its :attr:`keep_alive_seconds` and
    :attr:`keep_alive_probes` to the connection's socket options, call
    :meth:`set_nodelay` once connected and :meth:`release` in any case.
    """

    def __init__(self) -> None:
        supported = _fcntl is not None and None not in (_KEEPIDLE, _KEEPINTVL, _KEEPCNT)
        self._before = _socket_inodes() if supported else None
        self._tag = _reserve_tag() if self._before is not None else None

    @property
    def active(self) -> bool:
        """Whether the socket can be found on this platform (else nothing is done)."""
        return self._tag is not None

    @property
    def keep_alive_seconds(self) -> int:
        """The tag: both keep-alive timings of the socket (0: leave them unset)."""
        return self._tag or 0

    @property
    def keep_alive_probes(self) -> int:
        """The keep-alive probe count of a tagged socket (0: leave it unset)."""
        return _TAG_PROBES if self._tag is not None else 0

    def set_nodelay(self) -> bool:
        """Find the tagged socket among the new ones and set ``TCP_NODELAY`` on it.

        :returns: whether it was found and set; failures are quiet (logged
            at debug level), the connection works either way.
        """
        if self._tag is None or self._before is None:
            return False
        for directory in _FD_DIRS:
            try:
                names = os.listdir(directory)
            except OSError:
                continue
            for name in names:
                try:
                    if self._set_if_tagged(int(name), self._before):
                        return True
                except (OSError, ValueError):
                    continue  # closed meanwhile: not ours, or ours is gone
            break
        logger.debug("the connection's socket was not found; TCP_NODELAY not set")
        return False

    def _set_if_tagged(self, fd: int, before: FrozenSet[int]) -> bool:
        info = os.fstat(fd)
        if not stat.S_ISSOCK(info.st_mode) or info.st_ino in before:
            return False
        assert _fcntl is not None and _KEEPIDLE and _KEEPINTVL and _KEEPCNT
        duplicate = os.dup(fd)
        try:
            # The descriptor number may have been reused since it was listed:
            # the duplicate must be the very socket that was looked at.
            if os.fstat(duplicate).st_ino != info.st_ino:
                os.close(duplicate)
                return False
            # awscrt's sockets are non-blocking. Any other socket is left
            # alone before a socket object is made (making one sets
            # O_NONBLOCK on the shared file when a default timeout is set).
            if not _fcntl.fcntl(duplicate, _fcntl.F_GETFL) & os.O_NONBLOCK:
                os.close(duplicate)
                return False
            sock = socket.socket(fileno=duplicate)
        except BaseException:
            os.close(duplicate)
            raise
        with sock:  # closes the duplicate only
            if sock.family not in (socket.AF_INET, socket.AF_INET6):
                return False
            if sock.type != socket.SOCK_STREAM:
                return False
            tagged = (
                sock.getsockopt(socket.IPPROTO_TCP, _KEEPCNT) == _TAG_PROBES
                and sock.getsockopt(socket.IPPROTO_TCP, _KEEPIDLE) == self._tag
                and sock.getsockopt(socket.IPPROTO_TCP, _KEEPINTVL) == self._tag
            )
            if not tagged:
                return False
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return True

    def release(self) -> None:
        """Give the tag back for another connection; safe to call twice."""
        tag, self._tag = self._tag, None
        if tag is not None:
            with _lock:
                _tags_in_use.discard(tag)
