"""A fake IAM Identity Center portal and OIDC endpoint over HTTPS on loopback.

It serves ``GET /federation/credentials`` (GetRoleCredentials) and
``POST /token`` (CreateToken), with the emulator's certificate (so clients
trust it through the emulator's CA file), and records every request.
"""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from amazon_transcribe.emulator.certs import ensure_certificates


class SsoPortal:
    """The fake portal; use as a context manager. ``url`` is its base URL.

    :param state_dir: the emulator's state directory (its certificates).
    :param role_credentials: what GetRoleCredentials answers.
    """

    def __init__(self, state_dir: Path, role_credentials: Dict[str, Any]) -> None:
        self.role_credentials = role_credentials
        #: (status, body) GetRoleCredentials answers with instead, when set.
        self.portal_error: Optional[Tuple[int, Dict[str, Any]]] = None
        #: What CreateToken answers.
        self.token_answer: Tuple[int, Dict[str, Any]] = (
            200, {"accessToken": "refreshed-token", "expiresIn": 3600,
                  "refreshToken": "refresh-2", "tokenType": "Bearer"})
        #: (method, path, query, headers, body) of every request.
        self.requests: List[Tuple[str, str, Dict[str, List[str]], Dict[str, str], bytes]] = []
        paths = ensure_certificates(state_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(paths.server_cert, paths.server_key)
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self, body: bytes) -> Tuple[str, Dict[str, List[str]]]:
                parts = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                portal.requests.append(
                    (self.command, parts.path, parse_qs(parts.query), headers, body))
                return parts.path, parse_qs(parts.query)

            def do_GET(self) -> None:
                path, _ = self._record(b"")
                if path != "/federation/credentials":
                    self._answer(404, {"message": "not found"})
                elif portal.portal_error is not None:
                    self._answer(*portal.portal_error)
                else:
                    self._answer(200, {"roleCredentials": portal.role_credentials})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                path, _ = self._record(body)
                if path != "/token":
                    self._answer(404, {"message": "not found"})
                else:
                    self._answer(*portal.token_answer)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "SsoPortal":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def portal_calls(self) -> List[Tuple[Dict[str, List[str]], Dict[str, str]]]:
        """(query, headers) of each GetRoleCredentials call."""
        return [(q, h) for m, p, q, h, _ in self.requests if p == "/federation/credentials"]

    def token_calls(self) -> List[Dict[str, Any]]:
        """The JSON body of each CreateToken call."""
        return [json.loads(b) for m, p, q, h, b in self.requests if p == "/token"]
