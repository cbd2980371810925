"""The emulator's TLS identity: a local CA and a server certificate it signed.

Clients of the real service only speak HTTP/2 over TLS (CRT-based SDKs
cannot do cleartext HTTP/2), so the emulator serves TLS with a certificate
for ``localhost``, ``127.0.0.1`` and ``::1`` issued by a CA of its own; a
client trusts the emulator by loading that CA (``ca.pem``), e.g. through
``AWS_CA_BUNDLE``.

:func:`ensure_certificates` creates the files on first use and reuses them
afterwards, so a client configured once keeps working. The CA's private key
is never written: it signs the server certificate and is dropped, so nobody
can later use the CA (which a user may trust) to vouch for any other host.
The price is that a new server certificate comes with a new CA.

Uses ``cryptography`` (the ``emulator`` extra) and the standard library
only; no asyncio, no network. It must not import the client side of the
package.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CertificatePaths",
    "ensure_certificates",
    "default_state_dir",
    "server_ssl_context",
    "CA_CERT_FILE",
    "SERVER_CERT_FILE",
    "SERVER_KEY_FILE",
    "VALIDITY",
]

#: File name of the CA certificate in the state directory.
CA_CERT_FILE = "ca.pem"
#: File name of the server certificate.
SERVER_CERT_FILE = "server.pem"
#: File name of the server's private key (mode 0600).
SERVER_KEY_FILE = "server-key.pem"
#: How long new certificates are valid, counted from one day before creation.
VALIDITY = datetime.timedelta(days=730)
#: Certificates this close to expiry are replaced rather than reused.
_RENEW_BEFORE = datetime.timedelta(days=1)
# Starting a day early tolerates clients whose clock is behind.
_BACKDATE = datetime.timedelta(days=1)
_HOME_VARIABLE = "AMAZON_TRANSCRIBE_EMULATOR_HOME"
_DIR_NAME = "amazon-transcribe-emulator"
# RFC 9113 §9.2.2: HTTP/2 over TLS 1.2 needs ephemeral key exchange and AEAD.
_TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"


@dataclass(frozen=True)
class CertificatePaths:
    """Where the emulator's TLS files are."""

    #: The CA certificate (PEM): what clients must trust.
    ca_cert: Path
    #: The server certificate (PEM), signed by the CA.
    server_cert: Path
    #: The server's private key (PEM, PKCS#8, unencrypted, mode 0600).
    server_key: Path


def default_state_dir(environ: Optional[Mapping[str, str]] = None) -> Path:
    """Return the directory the emulator keeps its files in.

    ``$AMAZON_TRANSCRIBE_EMULATOR_HOME`` when set, else
    ``$XDG_CACHE_HOME/amazon-transcribe-emulator`` when ``XDG_CACHE_HOME`` is
    an absolute path, else ``~/.cache/amazon-transcribe-emulator``.

    :param environ: the environment to read; :data:`os.environ` by default.
    :returns: the directory (not created).
    """
    env = os.environ if environ is None else environ
    home = env.get(_HOME_VARIABLE)
    if home:
        return Path(home).expanduser()
    cache = env.get("XDG_CACHE_HOME")
    # The XDG spec says relative paths in these variables are to be ignored.
    if cache and os.path.isabs(cache):
        return Path(cache) / _DIR_NAME
    return Path.home() / ".cache" / _DIR_NAME


def ensure_certificates(
    state_dir: Path, *, now: Optional[datetime.datetime] = None
) -> CertificatePaths:
    """Return the emulator's CA and server certificate, creating them if needed.

    Existing files are reused when all three parse, the server certificate
    was issued by the CA and matches the key, and neither certificate expires
    within a day; otherwise all three are made anew (a new CA included). Each
    file is written atomically; the key file has mode 0600.

    :param state_dir: the directory to keep the files in (created, mode 0700,
        if missing).
    :param now: the current instant (aware); the system clock by default.
        New certificates are valid from a day before it, for :data:`VALIDITY`.
    :returns: the paths of the three files.
    :raises OSError: the directory or files cannot be created or written.
    """
    instant = now if now is not None else datetime.datetime.now(datetime.timezone.utc)
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    paths = CertificatePaths(
        ca_cert=state_dir / CA_CERT_FILE,
        server_cert=state_dir / SERVER_CERT_FILE,
        server_key=state_dir / SERVER_KEY_FILE,
    )
    if not _usable(paths, instant):
        ca_pem, cert_pem, key_pem = _generate(instant)
        # The key first: a reader that sees the new certificate must never
        # pair it with the old key.
        _write_atomically(paths.server_key, key_pem, mode=0o600)
        _write_atomically(paths.server_cert, cert_pem, mode=0o644)
        _write_atomically(paths.ca_cert, ca_pem, mode=0o644)
    return paths


def server_ssl_context(paths: CertificatePaths) -> ssl.SSLContext:
    """Build the TLS server context of the emulator.

    TLS 1.2 or newer, the server certificate and key of ``paths``, ALPN
    offering only ``h2`` (the streaming operations exist only over HTTP/2),
    and the TLS 1.2 cipher suites HTTP/2 allows.

    :param paths: the files from :func:`ensure_certificates`.
    :returns: a server-side :class:`ssl.SSLContext`.
    :raises ssl.SSLError: the certificate or key cannot be loaded.
    :raises OSError: a file cannot be read.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(_TLS12_CIPHERS)
    # RFC 9113 §9.2.1: no TLS compression, no renegotiation.
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    context.load_cert_chain(certfile=str(paths.server_cert), keyfile=str(paths.server_key))
    context.set_alpn_protocols(["h2"])
    return context


# -- internals -----------------------------------------------------------------


def _not_valid_after(certificate: x509.Certificate) -> datetime.datetime:
    # cryptography >= 42 has the aware property; older ones only a naive UTC one.
    aware = getattr(certificate, "not_valid_after_utc", None)
    if isinstance(aware, datetime.datetime):
        return aware
    return certificate.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def _not_valid_before(certificate: x509.Certificate) -> datetime.datetime:
    aware = getattr(certificate, "not_valid_before_utc", None)
    if isinstance(aware, datetime.datetime):
        return aware
    return certificate.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def _usable(paths: CertificatePaths, now: datetime.datetime) -> bool:
    """Whether the three files exist, parse, match and are valid for a while."""
    try:
        ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
        certificate = x509.load_pem_x509_certificate(paths.server_cert.read_bytes())
        key = serialization.load_pem_private_key(paths.server_key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return False
    for cert in (ca, certificate):
        if not _not_valid_before(cert) <= now < _not_valid_after(cert) - _RENEW_BEFORE:
            return False
    ca_key = ca.public_key()
    server_public = certificate.public_key()
    if not isinstance(ca_key, ec.EllipticCurvePublicKey) or not isinstance(
        key, ec.EllipticCurvePrivateKey
    ):
        return False
    if certificate.issuer != ca.subject or _spki(server_public) != _spki(key.public_key()):
        return False
    hash_algorithm = certificate.signature_hash_algorithm
    if hash_algorithm is None:
        return False
    try:
        ca_key.verify(
            certificate.signature, certificate.tbs_certificate_bytes, ec.ECDSA(hash_algorithm)
        )
    except InvalidSignature:
        return False
    return True


def _spki(key: object) -> bytes:
    """:returns: the DER SubjectPublicKeyInfo of an EC public key (keys compare by it)."""
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return b""
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _generate(now: datetime.datetime) -> tuple[bytes, bytes, bytes]:
    """:returns: PEM bytes of a new CA certificate, server certificate and server key."""
    not_before = now - _BACKDATE
    not_after = not_before + VALIDITY
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "amazon-transcribe emulator"),
            # A unique name per CA, so an old CA left in a trust store is
            # never mistaken for the issuer of a new certificate.
            x509.NameAttribute(
                NameOID.COMMON_NAME,
                f"amazon-transcribe emulator local CA {os.urandom(8).hex()}",
            ),
        ]
    )
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "amazon-transcribe emulator"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return (
        ca_cert.public_bytes(serialization.Encoding.PEM),
        server_cert.public_bytes(serialization.Encoding.PEM),
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    The temporary file is created with mode 0600 (``mkstemp``), so a key is
    never readable by others, even for a moment.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
