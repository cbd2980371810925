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

from typing import Optional

from awscrt.io import ClientBootstrap

__all__ = ["AWSCRTEventLoop", "default_bootstrap"]


def default_bootstrap() -> ClientBootstrap:
    """Return the process-wide client bootstrap (created on first call).

    :returns: awscrt's static default :class:`~awscrt.io.ClientBootstrap`.
    """
    bootstrap: ClientBootstrap = ClientBootstrap.get_or_create_static_default()
    return bootstrap


class AWSCRTEventLoop:
    """Holds the awscrt bootstrap that connections and credential providers use.

    :param bootstrap: a bootstrap of your own; by default the process-wide
        one, so creating several of these costs no extra threads.
    """

    def __init__(self, bootstrap: Optional[ClientBootstrap] = None) -> None:
        #: The awscrt client bootstrap (event-loop group and host resolver).
        self.bootstrap: ClientBootstrap = bootstrap or default_bootstrap()
