"""A CONNECT proxy for tests that sends every tunnel to one loopback port.

With it a client can stream to the real service host names
(``transcribestreaming-fips.us-west-2.amazonaws.com``...) and reach the
emulator, whose certificate (``service_certificates``) names those hosts: the
TLS check, the SNI and the signed ``host`` header are the real ones. It
records each CONNECT target.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
from pathlib import Path
from typing import AsyncIterator, List, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from amazon_transcribe.emulator.certs import CA_CERT_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE


def service_certificates(state_dir: Path, hosts: Sequence[str]) -> None:
    """Write an emulator state directory whose server certificate names ``hosts``."""
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test service CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    names: List[x509.GeneralName] = [x509.DNSName(h) for h in hosts]
    names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(ca_key, hashes.SHA256()))
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / SERVER_KEY_FILE).write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (state_dir / SERVER_CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (state_dir / CA_CERT_FILE).write_bytes(ca.public_bytes(serialization.Encoding.PEM))


class RoutingProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        #: The ``host:port`` of each CONNECT.
        self.targets: List[str] = []
        self.port = 0

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
            if method != "CONNECT":
                writer.write(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                writer.close()
                return
            self.targets.append(target)
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, OSError):
            writer.close()
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))


@contextlib.asynccontextmanager
async def routing_proxy(target_port: int) -> AsyncIterator[RoutingProxy]:
    proxy = RoutingProxy(target_port)
    server = await asyncio.start_server(proxy._serve, "127.0.0.1", 0)
    proxy.port = server.sockets[0].getsockname()[1]
    try:
        yield proxy
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), 5)
