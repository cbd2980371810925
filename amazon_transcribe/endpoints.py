"""Where a stream connects: endpoint resolvers.

:func:`_endpoint_for_region` applies the service's endpoint rules (partition
DNS suffixes, FIPS and dual-stack host names); the default resolver uses it,
so China regions go to ``amazonaws.com.cn`` as in amazon-transcribe 0.6.4.
:func:`_endpoint_from_environment` reads the standard
``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING`` / ``AWS_ENDPOINT_URL`` variables.

Pure: no I/O beyond reading the environment on request.
"""

from __future__ import annotations

import os
from typing import Mapping, Optional, Tuple
from urllib.parse import urlsplit

from .exceptions import ValidationException

__all__ = [
    "BaseEndpointResolver",
    "StaticEndpointResolver",
    "RegionEndpointResolver",
]

#: Environment variables naming an endpoint, most specific first.
_ENDPOINT_ENVIRONMENT_VARIABLES = ("AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING", "AWS_ENDPOINT_URL")

# (region prefix, dnsSuffix, dualStackDnsSuffix); longest prefixes first so
# that "us-isob-" wins over "us-iso-". Snapshot of the AWS partition data.
_PARTITIONS: Tuple[Tuple[str, str, str], ...] = (
    ("us-isob-", "sc2s.sgov.gov", "api.aws.scloud"),
    ("us-isof-", "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
    ("eu-isoe-", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
    ("us-iso-", "c2s.ic.gov", "api.aws.ic.gov"),
    ("us-gov-", "amazonaws.com", "api.aws"),
    ("eusc-", "amazonaws.eu", "api.amazonwebservices.eu"),
    ("cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
)
_AWS_PARTITION = ("", "amazonaws.com", "api.aws")


def _signing_region(region: str) -> str:
    """Return the SigV4 region for a region name.

    The deprecated pseudo-regions ``fips-<region>`` sign as ``<region>``.

    :param region: a region name such as ``us-east-1`` or ``fips-us-east-1``.
    :returns: the region to put in the credential scope.
    """
    return region[len("fips-") :] if region.startswith("fips-") else region


def _endpoint_for_region(
    region: str, *, use_fips: bool = False, use_dualstack: bool = False
) -> str:
    """Apply the service's endpoint rules to a region.

    :param region: the region, e.g. ``us-west-2``; ``fips-<region>`` selects
        the FIPS endpoint of ``<region>``.
    :param use_fips: use the FIPS host name.
    :param use_dualstack: use the dual-stack (IPv4 and IPv6) host name.
    :returns: an ``https://`` URL.
    :raises ValidationException: the region is empty or not a valid host label.
    """
    if not region:
        raise ValidationException("Invalid Configuration: Missing Region")
    if region.startswith("fips-"):
        region, use_fips = _signing_region(region), True
    if not all(part.isalnum() for part in region.split("-")):
        raise ValidationException(f"invalid region name {region!r}")
    _, dns_suffix, dualstack_suffix = next(
        (p for p in _PARTITIONS if region.startswith(p[0])), _AWS_PARTITION
    )
    host = "transcribestreaming-fips" if use_fips else "transcribestreaming"
    suffix = dualstack_suffix if use_dualstack else dns_suffix
    return f"https://{host}.{region}.{suffix}"


def _endpoint_from_environment(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """Return the endpoint URL set in the environment, if any.

    :param environ: the environment to read; ``os.environ`` by default.
    :returns: the value of ``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING``, else of
        ``AWS_ENDPOINT_URL``, else ``None``.
    """
    env = os.environ if environ is None else environ
    for name in _ENDPOINT_ENVIRONMENT_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def _check_url(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationException(
            f"endpoint {endpoint!r} is not an http(s) URL with a host name"
        )
    return endpoint


class BaseEndpointResolver:
    """Decides the endpoint URL for a region; subclass it for your own rules."""

    async def resolve(self, region: str) -> str:
        """Return the endpoint URL for ``region``.

        :param region: the client's region.
        :returns: an ``https://`` URL.
        """
        raise NotImplementedError("resolve")


class RegionEndpointResolver(BaseEndpointResolver):
    """The service's own endpoint for each region (the default resolver).

    :param use_fips: use FIPS endpoints.
    :param use_dualstack: use dual-stack endpoints.
    """

    def __init__(self, *, use_fips: bool = False, use_dualstack: bool = False) -> None:
        self._use_fips = use_fips
        self._use_dualstack = use_dualstack

    async def resolve(self, region: str) -> str:
        """Return the service endpoint for ``region``.

        :param region: the client's region.
        :returns: e.g. ``https://transcribestreaming.us-east-1.amazonaws.com``.
        :raises ValidationException: the region is empty or malformed.
        """
        return _endpoint_for_region(
            region, use_fips=self._use_fips, use_dualstack=self._use_dualstack
        )


#: The 0.6.4 name of the default resolver.
_TranscribeRegionEndpointResolver = RegionEndpointResolver


class StaticEndpointResolver(BaseEndpointResolver):
    """Always the same endpoint, e.g. a VPC endpoint or a local emulator.

    :param endpoint: an ``https://`` URL (a port may follow the host).
    :raises ValidationException: ``endpoint`` is not an http(s) URL.
    """

    def __init__(self, endpoint: str) -> None:
        self._endpoint = _check_url(endpoint)

    async def resolve(self, region: str) -> str:
        """Return the configured endpoint, whatever the region.

        :param region: ignored.
        :returns: the endpoint given to the constructor.
        """
        return self._endpoint
