"""The emulator's local CA and server certificate: creation, reuse, renewal,
and a real TLS handshake over the loopback interface with ALPN h2."""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
import stat
import sys
import threading
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from amazon_transcribe.emulator.certs import (
    CertificatePaths,
    default_state_dir,
    ensure_certificates,
    server_ssl_context,
)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)
TIMEOUT = 10.0


def contents(paths: CertificatePaths) -> Tuple[bytes, bytes, bytes]:
    return paths.ca_cert.read_bytes(), paths.server_cert.read_bytes(), paths.server_key.read_bytes()


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def not_before(certificate: x509.Certificate) -> datetime.datetime:
    # cryptography < 42 only has the naive (UTC) property.
    value = getattr(certificate, "not_valid_before_utc", None)
    if isinstance(value, datetime.datetime):
        return value
    return certificate.not_valid_before.replace(tzinfo=UTC)


def not_after(certificate: x509.Certificate) -> datetime.datetime:
    value = getattr(certificate, "not_valid_after_utc", None)
    if isinstance(value, datetime.datetime):
        return value
    return certificate.not_valid_after.replace(tzinfo=UTC)


# -- files -----------------------------------------------------------------------


def test_files_are_created_in_a_new_directory(tmp_path: Path) -> None:
    state = tmp_path / "a" / "b"
    paths = ensure_certificates(state, now=NOW)
    assert paths == CertificatePaths(
        ca_cert=state / "ca.pem", server_cert=state / "server.pem", server_key=state / "server-key.pem"
    )
    # Nothing else: no temporary file left behind.
    assert sorted(os.listdir(state)) == ["ca.pem", "server-key.pem", "server.pem"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_key_file_mode_is_0600_and_directory_0700(tmp_path: Path) -> None:
    state = tmp_path / "state"
    paths = ensure_certificates(state, now=NOW)
    assert stat.S_IMODE(paths.server_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.ca_cert.stat().st_mode) == 0o644
    assert stat.S_IMODE(state.stat().st_mode) & 0o077 == 0


def test_ca_certificate(tmp_path: Path) -> None:
    ca = load(ensure_certificates(tmp_path, now=NOW).ca_cert)
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    assert ca.subject == ca.issuer
    key = ca.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    assert not_before(ca) == NOW - datetime.timedelta(days=1)
    assert not_after(ca) == NOW - datetime.timedelta(days=1) + datetime.timedelta(days=730)


def test_server_certificate(tmp_path: Path) -> None:
    paths = ensure_certificates(tmp_path, now=NOW)
    ca, server = load(paths.ca_cert), load(paths.server_cert)
    assert server.issuer == ca.subject
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")
    ]
    eku = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not_before(server) == NOW - datetime.timedelta(days=1)
    assert not_after(server) - not_before(server) == datetime.timedelta(days=730)
    key = serialization.load_pem_private_key(paths.server_key.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    assert key.public_key().public_bytes(der, spki) == server.public_key().public_bytes(der, spki)


def test_files_are_reused(tmp_path: Path) -> None:
    first = contents(ensure_certificates(tmp_path, now=NOW))
    later = NOW + datetime.timedelta(days=300)
    assert contents(ensure_certificates(tmp_path, now=later)) == first


def test_default_clock_creates_currently_valid_certificates(tmp_path: Path) -> None:
    paths = ensure_certificates(tmp_path)
    now = datetime.datetime.now(UTC)
    server = load(paths.server_cert)
    assert not_before(server) < now < not_after(server)
    assert contents(ensure_certificates(tmp_path)) == contents(paths)


@pytest.mark.parametrize(
    "later",
    [
        NOW + datetime.timedelta(days=729),  # inside the last day of validity
        NOW + datetime.timedelta(days=800),  # expired
        NOW - datetime.timedelta(days=2),  # not yet valid (clock went back)
    ],
    ids=["expiring", "expired", "not-yet-valid"],
)
def test_files_are_regenerated_when_out_of_date(tmp_path: Path, later: datetime.datetime) -> None:
    first = contents(ensure_certificates(tmp_path, now=NOW))
    second = contents(ensure_certificates(tmp_path, now=later))
    assert all(old != new for old, new in zip(first, second))
    assert not_before(load(tmp_path / "server.pem")) == later - datetime.timedelta(days=1)


@pytest.mark.parametrize(
    "damage",
    ["corrupt-cert", "corrupt-key", "corrupt-ca", "missing-ca", "missing-key", "empty-cert",
     "foreign-key", "foreign-ca", "swapped-cert-and-ca"],
)
def test_files_are_regenerated_when_broken(tmp_path: Path, damage: str) -> None:
    paths = ensure_certificates(tmp_path / "state", now=NOW)
    original = contents(paths)
    other = ensure_certificates(tmp_path / "other", now=NOW)
    if damage == "corrupt-cert":
        paths.server_cert.write_bytes(b"-----BEGIN CERTIFICATE-----\ngarbage\n")
    elif damage == "corrupt-key":
        paths.server_key.write_bytes(b"not a key")
    elif damage == "corrupt-ca":
        paths.ca_cert.write_bytes(paths.ca_cert.read_bytes()[:100])
    elif damage == "missing-ca":
        paths.ca_cert.unlink()
    elif damage == "missing-key":
        paths.server_key.unlink()
    elif damage == "empty-cert":
        paths.server_cert.write_bytes(b"")
    elif damage == "foreign-key":
        paths.server_key.write_bytes(other.server_key.read_bytes())
    elif damage == "foreign-ca":
        paths.ca_cert.write_bytes(other.ca_cert.read_bytes())
    elif damage == "swapped-cert-and-ca":
        ca = paths.ca_cert.read_bytes()
        paths.ca_cert.write_bytes(paths.server_cert.read_bytes())
        paths.server_cert.write_bytes(ca)
    renewed = ensure_certificates(tmp_path / "state", now=NOW)
    # A new CA, key and certificate: the CA key is not kept, so all three change.
    assert all(old != new for old, new in zip(original, contents(renewed)))
    # The new set is consistent: reused as is on the next call, and it works.
    assert contents(ensure_certificates(tmp_path / "state", now=NOW)) == contents(renewed)
    assert server_ssl_context(renewed) is not None


def test_failed_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: str, destination: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        ensure_certificates(tmp_path, now=NOW)
    assert os.listdir(tmp_path) == []


# -- state directory ---------------------------------------------------------------


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"AMAZON_TRANSCRIBE_EMULATOR_HOME": "/srv/emu", "XDG_CACHE_HOME": "/xdg"}, "/srv/emu"),
        ({"XDG_CACHE_HOME": "/xdg"}, "/xdg/amazon-transcribe-emulator"),
        ({"XDG_CACHE_HOME": "relative/cache"}, "HOME/.cache/amazon-transcribe-emulator"),
        ({"AMAZON_TRANSCRIBE_EMULATOR_HOME": ""}, "HOME/.cache/amazon-transcribe-emulator"),
        ({}, "HOME/.cache/amazon-transcribe-emulator"),
    ],
    ids=["explicit", "xdg", "xdg-relative-ignored", "explicit-empty-ignored", "default"],
)
def test_default_state_dir(environ: Dict[str, str], expected: str) -> None:
    resolved = expected.replace("HOME", str(Path.home()), 1) if expected.startswith("HOME") else expected
    assert default_state_dir(environ) == Path(resolved)


def test_default_state_dir_reads_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMAZON_TRANSCRIBE_EMULATOR_HOME", str(tmp_path / "emu"))
    assert default_state_dir() == tmp_path / "emu"
    monkeypatch.delenv("AMAZON_TRANSCRIBE_EMULATOR_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_state_dir() == tmp_path / "xdg" / "amazon-transcribe-emulator"


# -- TLS -------------------------------------------------------------------------------


def test_server_context_settings(tmp_path: Path) -> None:
    context = server_ssl_context(ensure_certificates(tmp_path))
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.options & ssl.OP_NO_COMPRESSION
    assert all(
        cipher["protocol"] == "TLSv1.3" or "ECDHE" in cipher["name"]
        for cipher in context.get_ciphers()
    )


def client_context(ca: Path, alpn: Tuple[str, ...] = ("h2", "http/1.1")) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca))
    # What Python 3.13 turns on by default: the chain must pass strict checks.
    context.verify_flags |= getattr(ssl, "VERIFY_X509_STRICT", 0)
    context.set_alpn_protocols(list(alpn))
    return context


def handshake(
    server: ssl.SSLContext,
    client: ssl.SSLContext,
    *,
    host: str = "127.0.0.1",
    server_hostname: str = "localhost",
) -> Tuple[Optional[str], Optional[str], Optional[str], bytes]:
    """Run one TLS handshake over loopback and a 2-byte exchange.

    :returns: ALPN seen by the client, ALPN seen by the server, TLS version,
        and the bytes the client read.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_side: Dict[str, object] = {}
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.bind((host, 0))
        listener.listen(1)
        listener.settimeout(TIMEOUT)
        port = listener.getsockname()[1]

        def serve() -> None:
            try:
                connection, _ = listener.accept()
                with connection:
                    connection.settimeout(TIMEOUT)
                    with server.wrap_socket(connection, server_side=True) as tls:
                        server_side["alpn"] = tls.selected_alpn_protocol()
                        tls.sendall(b"ok")
            except (OSError, ssl.SSLError) as exc:
                server_side["error"] = exc

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            with socket.create_connection((host, port), timeout=TIMEOUT) as raw:
                with client.wrap_socket(raw, server_hostname=server_hostname) as tls:
                    # The server records its ALPN before it sends these bytes.
                    data = tls.recv(2)
                    alpn = server_side.get("alpn")
                    return (
                        tls.selected_alpn_protocol(),
                        alpn if isinstance(alpn, str) else None,
                        tls.version(),
                        data,
                    )
        finally:
            thread.join(TIMEOUT)
            assert not thread.is_alive(), "the TLS server thread did not finish"


def test_tls_handshake_verifies_and_negotiates_h2(tmp_path: Path) -> None:
    paths = ensure_certificates(tmp_path)
    client_alpn, server_alpn, version, data = handshake(
        server_ssl_context(paths), client_context(paths.ca_cert)
    )
    assert (client_alpn, server_alpn, data) == ("h2", "h2", b"ok")
    assert version in ("TLSv1.2", "TLSv1.3")


def test_tls_1_2_handshake_negotiates_h2(tmp_path: Path) -> None:
    paths = ensure_certificates(tmp_path)
    client = client_context(paths.ca_cert)
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    client_alpn, _, version, _ = handshake(server_ssl_context(paths), client)
    assert (client_alpn, version) == ("h2", "TLSv1.2")


def test_tls_handshake_by_ip_address(tmp_path: Path) -> None:
    paths = ensure_certificates(tmp_path)
    client_alpn, _, _, data = handshake(
        server_ssl_context(paths), client_context(paths.ca_cert), server_hostname="127.0.0.1"
    )
    assert (client_alpn, data) == ("h2", b"ok")


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_tls_handshake_over_ipv6(tmp_path: Path) -> None:
    paths = ensure_certificates(tmp_path)
    client_alpn, _, _, data = handshake(
        server_ssl_context(paths), client_context(paths.ca_cert), host="::1", server_hostname="::1"
    )
    assert (client_alpn, data) == ("h2", b"ok")


def test_client_offering_only_http1_gets_no_alpn(tmp_path: Path) -> None:
    paths = ensure_certificates(tmp_path)
    client_alpn, _, _, _ = handshake(
        server_ssl_context(paths), client_context(paths.ca_cert, ("http/1.1",))
    )
    assert client_alpn is None


@pytest.mark.parametrize(
    "server_hostname, other_ca",
    [("localhost", True), ("example.com", False)],
    ids=["untrusted-ca", "wrong-host-name"],
)
def test_tls_handshake_fails_verification(
    tmp_path: Path, server_hostname: str, other_ca: bool
) -> None:
    paths = ensure_certificates(tmp_path / "state")
    ca = ensure_certificates(tmp_path / "other").ca_cert if other_ca else paths.ca_cert
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server_ssl_context(paths), client_context(ca), server_hostname=server_hostname)


def test_regenerated_ca_is_a_different_trust_anchor(tmp_path: Path) -> None:
    # After renewal, a client still holding the old CA must not trust the server.
    first = ensure_certificates(tmp_path / "state")
    old_ca = tmp_path / "old-ca.pem"
    old_ca.write_bytes(first.ca_cert.read_bytes())
    first.server_key.write_bytes(b"damaged")
    renewed = ensure_certificates(tmp_path / "state")
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server_ssl_context(renewed), client_context(old_ca))
