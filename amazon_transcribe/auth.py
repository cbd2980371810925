"""AWS credentials and the resolvers that find them.

:class:`AwsCrtCredentialResolver` is the standard AWS credential chain as
awscrt implements it (environment, shared config/credentials profile,
process, web identity, container and instance metadata; awscrt has no SSO
provider). The client's default chain puts SSO profiles where the AWS CLI
does (see :class:`~amazon_transcribe.client.TranscribeStreamingClient`).
:class:`StaticCredentialResolver` is both a credential set and a resolver of
itself, as in amazon-transcribe 0.6.4.

No secret is ever part of a ``repr`` or a log line.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Optional

from awscrt.auth import AwsCredentials, AwsCredentialsProvider

from .crt import _default_bootstrap
from .exceptions import CredentialsException

if TYPE_CHECKING:
    from .crt import AWSCRTEventLoop

__all__ = [
    "Credentials",
    "CredentialResolver",
    "AwsCrtCredentialResolver",
    "StaticCredentialResolver",
]


class Credentials:
    """A set of AWS credentials.

    :param access_key_id: the access key id.
    :param secret_access_key: the secret access key.
    :param session_token: the session token of temporary credentials.
    """

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: Optional[str] = None,
    ) -> None:
        #: The access key id.
        self.access_key_id = access_key_id
        #: The secret access key.
        self.secret_access_key = secret_access_key
        #: The session token, for temporary credentials.
        self.session_token = session_token

    def __repr__(self) -> str:
        token = ", session_token=***" if self.session_token else ""
        return (
            f"{type(self).__name__}(access_key_id={self.access_key_id!r}, "
            f"secret_access_key=***{token})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return (
            self.access_key_id == other.access_key_id
            and self.secret_access_key == other.secret_access_key
            and self.session_token == other.session_token
        )

    __hash__ = None  # type: ignore[assignment]  # mutable attributes

    def to_crt(self) -> AwsCredentials:
        """Return these credentials as an awscrt :class:`~awscrt.auth.AwsCredentials`.

        :returns: the awscrt credentials.
        """
        return AwsCredentials(self.access_key_id, self.secret_access_key, self.session_token)


class CredentialResolver:
    """Something that can produce credentials; subclass it for your own source."""

    async def get_credentials(self) -> Optional[Credentials]:
        """Resolve credentials.

        :returns: the credentials, or ``None`` when there are none.
        """
        raise NotImplementedError("get_credentials")


class AwsCrtCredentialResolver(CredentialResolver):
    """The default AWS credential chain, through awscrt.

    :param eventloop: an :class:`~amazon_transcribe.AWSCRTEventLoop` whose
        bootstrap the providers use for network lookups (0.6.4 passed one
        positionally); by default the process-wide bootstrap.
    :param profile_name: use this profile of the shared config and
        credentials files instead of the chain (``AWS_PROFILE`` already
        selects a profile within the chain).
    :param timeout: seconds to wait for a resolution before failing.
    :raises CredentialsException: the provider cannot be set up (for example
        the shared config files cannot be read).
    """

    def __init__(
        self,
        eventloop: Optional[AWSCRTEventLoop] = None,
        *,
        profile_name: Optional[str] = None,
        timeout: float = 10.0,
    ) -> None:
        bootstrap = eventloop.bootstrap if eventloop is not None else _default_bootstrap()
        try:
            if profile_name is not None:
                self._provider = AwsCredentialsProvider.new_profile(
                    bootstrap, profile_name=profile_name
                )
            else:
                self._provider = AwsCredentialsProvider.new_default_chain(bootstrap)
        except RuntimeError as exc:  # awscrt's error for a missing profile or file
            source = f"profile {profile_name!r}" if profile_name else "the default chain"
            raise CredentialsException(
                f"cannot set up AWS credentials from {source} (is the profile in "
                "AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, by default "
                f"~/.aws/config and ~/.aws/credentials?): {exc}"
            ) from exc
        self._timeout = timeout

    async def get_credentials(self) -> Optional[Credentials]:
        """Resolve credentials through the chain.

        :returns: the credentials found.
        :raises CredentialsException: no source in the chain had credentials,
            or resolution took longer than the timeout.
        """
        resolution = self._provider.get_credentials()
        try:
            if resolution.done():
                # Cached credentials come back at once, in this thread: taking
                # them here spares every stream start a hand-over through
                # the loop's self-pipe and two turns of the loop.
                crt = resolution.result()
            else:
                crt = await asyncio.wait_for(asyncio.wrap_future(resolution), self._timeout)
        except asyncio.TimeoutError:
            raise CredentialsException(
                f"no credentials resolved within {self._timeout:g} s"
            ) from None
        except Exception as exc:  # awscrt raises its own error type
            raise CredentialsException(
                "no AWS credentials found (checked environment, shared config "
                "and credentials files, process, web identity, container "
                f"and instance metadata): {exc}"
            ) from exc
        return Credentials(crt.access_key_id, crt.secret_access_key, crt.session_token)


class StaticCredentialResolver(CredentialResolver, Credentials):
    """Fixed credentials that resolve to themselves.

    :param access_key_id: the access key id.
    :param secret_access_key: the secret access key.
    :param session_token: the session token of temporary credentials.
    """

    # The constructor is Credentials' (CredentialResolver defines none).

    async def get_credentials(self) -> Credentials:
        """Return these credentials.

        :returns: ``self``.
        """
        return self
