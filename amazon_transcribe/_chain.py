"""The client's default credential chain: the AWS CLI's order, SSO included.

The AWS CLI tries, in order: the environment's keys, a role to assume
(``role_arn``), web identity, SSO, then the shared credentials and config
files, ``credential_process``, container and instance metadata. awscrt's
default chain has all of these but SSO. So when the selected profile is an
SSO profile and nothing the CLI tries before SSO is configured, the chain is
:class:`~amazon_transcribe._sso._SsoCredentialResolver`; otherwise it is
awscrt's chain, which then finds what the CLI would.
"""

from __future__ import annotations

from typing import Optional

from ._config import _ClientConfig
from ._sso import _SsoCredentialResolver, _is_sso_profile
from .auth import AwsCrtCredentialResolver, CredentialResolver

# What makes the CLI stop before it reaches SSO.
_BEFORE_SSO_ENVIRONMENT = ("AWS_WEB_IDENTITY_TOKEN_FILE",)
_BEFORE_SSO_PROFILE_KEYS = ("role_arn", "web_identity_token_file")


def _default_credential_resolver(
    config: _ClientConfig, *, ca_file: Optional[str], timeout: float
) -> CredentialResolver:
    """The resolver a client uses when it was given none.

    :param config: the client's configuration (environment, profile).
    :param ca_file: the CA bundle the client trusts (for the SSO endpoints too).
    :param timeout: seconds a resolution may take.
    :returns: the SSO resolver for an SSO profile, else awscrt's chain.
    :raises CredentialsException: the SSO profile is incomplete, or the
        awscrt chain cannot be set up.
    """
    env = config.environ
    keys_in_environment = bool(env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"))
    before_sso = keys_in_environment or any(env.get(name) for name in _BEFORE_SSO_ENVIRONMENT)
    before_sso = before_sso or any(config.profile.get(k) for k in _BEFORE_SSO_PROFILE_KEYS)
    if not before_sso and _is_sso_profile(config.profile):
        return _SsoCredentialResolver(config, ca_file=ca_file, timeout=timeout)
    return AwsCrtCredentialResolver(None, timeout=timeout)
