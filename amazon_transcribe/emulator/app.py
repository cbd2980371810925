"""The emulator as one object: :class:`TranscribeEmulator`.

It wires the parts together: the TLS identity (a local CA and a server
certificate, kept in a state directory), the SigV4 verifier with its
credential table, the recognition engine and the thread pool its blocking
calls run in, the fault rules, the stream records and the network server.
Use it as an async context manager::

    async with TranscribeEmulator() as emulator:
        os.environ.update(emulator.environment())
        ...  # any client of the service, pointed at emulator.endpoint

Closing it closes every connection, cancels every stream task and stops the
thread pool: nothing it started outlives it.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import os
from pathlib import Path
from types import TracebackType
from typing import Dict, Mapping, NamedTuple, Optional, Type, Union

from .certs import CertificatePaths, default_state_dir, ensure_certificates, server_ssl_context
from .engine import Engine
from .faults import Faults
from ._handler import RESUMED_RESULT_TIMES, ServiceContext
from .records import StreamRecords
from ._connection import IDLE_CONNECTION_TIMEOUT, PREFACE_TIMEOUT
from ._listener import HANDSHAKE_TIMEOUT
from ._server import EmulatorServer
from ._websocket import WebSocketServer, websocket_ssl_context
from .sigv4 import Clock, RequestVerifier

__all__ = [
    "TranscribeEmulator",
    "EmulatorCredentials",
    "DEFAULT_CREDENTIALS",
    "DEFAULT_REGION",
    "make_engine",
]

#: The credentials the emulator accepts unless told otherwise (AWS's own
#: documentation example pair: obviously not a real secret).
DEFAULT_CREDENTIALS: Mapping[str, str] = {
    "AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
}
#: The region reported to clients unless told otherwise.
DEFAULT_REGION = "us-east-1"


class EmulatorCredentials(NamedTuple):
    """A credential pair the emulator accepts."""

    #: The access key id.
    access_key_id: str
    #: The secret access key.
    secret_access_key: str


def make_engine(
    name: str, *, script: Optional[Path] = None, max_sessions: Optional[int] = None
) -> Engine:
    """Make an engine by name (what ``--engine`` selects).

    :param name: ``scripted`` or ``sphinx``.
    :param script: a JSON script for the scripted engine.
    :param max_sessions: concurrent sessions the engine serves; one more
        gets ``LimitExceededException`` (default: the engine's own).
    :returns: the engine.
    :raises ValueError: an unknown name, a script for the sphinx engine, or
        an invalid script.
    :raises OSError: the script cannot be read.
    :raises ImportError: ``sphinx`` without PocketSphinx installed (the
        message says how to install it).
    """
    if name == "scripted":
        from .scripted import ScriptedEngine

        if script is not None:
            return ScriptedEngine.from_file(script, max_sessions=max_sessions)
        return ScriptedEngine(max_sessions=max_sessions)
    if name == "sphinx":
        if script is not None:
            raise ValueError("a script applies to the scripted engine only")
        # Checked here so that the command line fails early and clearly.
        if importlib.util.find_spec("pocketsphinx") is None:
            raise ImportError(
                "the sphinx engine needs PocketSphinx, which is not installed: "
                "pip install pocketsphinx"
            )
        from .sphinx import SphinxEngine

        if max_sessions is not None:
            return SphinxEngine(max_sessions=max_sessions)
        return SphinxEngine()
    raise ValueError(f"unknown engine {name!r}: expected 'scripted' or 'sphinx'")


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    if ":" in host:
        return f"[{host}]"
    return host


class TranscribeEmulator:
    """A local Amazon Transcribe Streaming endpoint.

    :param host: the address to listen on (``127.0.0.1`` by default).
    :param port: the port; 0 picks a free one.
    :param engine: the recognition engine, or its name (``"scripted"``,
        ``"sphinx"``); the scripted engine by default.
    :param credentials: secret access key by access key id, for SigV4
        verification; :data:`DEFAULT_CREDENTIALS` by default.
    :param verify_signatures: check request and event signatures (when
        false any credentials are accepted).
    :param state_dir: where the CA and server certificate are kept
        (:func:`~amazon_transcribe.emulator.certs.default_state_dir` by default).
    :param idle_timeout: seconds without audio before a stream fails
        (the service's 15).
    :param max_duration: seconds a stream may last (the service's 4 hours).
    :param faults: fault rules to start with (a new registry by default).
    :param region: the region reported in :meth:`environment`.
    :param max_workers: threads for blocking engine calls.
    :param clock: the clock request and event signatures are checked against
        (±5 minutes); the system clock by default. Tests inject one.
    :param handshake_timeout: seconds a client has to complete the TLS
        handshake before the TCP connection is closed.
    :param preface_timeout: seconds a client has, once TLS is up, to send
        the HTTP/2 connection preface.
    :param idle_connection_timeout: seconds a connection may stay open with
        no stream before it gets ``GOAWAY`` and is closed.
    :param resumed_result_times: where the result times of a stream that
        resumes a session inside its ``SessionResumeWindow`` start (the
        service does not document it): ``"stream"`` at 0, like any stream,
        or ``"session"`` where the session's last final result ended.
    :param websocket_port: the port of the WebSocket endpoint (the
        service's is 8443); 0 picks a free one.
    :raises ValueError: no credentials, non-positive timeouts, or an
        unknown ``resumed_result_times``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        engine: Union[Engine, str, None] = None,
        credentials: Optional[Mapping[str, str]] = None,
        verify_signatures: bool = True,
        state_dir: Union[str, "os.PathLike[str]", None] = None,
        idle_timeout: float = 15.0,
        max_duration: float = 4 * 3600.0,
        faults: Optional[Faults] = None,
        region: str = DEFAULT_REGION,
        max_workers: Optional[int] = None,
        clock: Optional[Clock] = None,
        handshake_timeout: float = HANDSHAKE_TIMEOUT,
        preface_timeout: float = PREFACE_TIMEOUT,
        idle_connection_timeout: float = IDLE_CONNECTION_TIMEOUT,
        resumed_result_times: str = "stream",
        websocket_port: int = 0,
    ) -> None:
        if resumed_result_times not in RESUMED_RESULT_TIMES:
            raise ValueError(
                f"resumed_result_times must be one of {', '.join(RESUMED_RESULT_TIMES)}, "
                f"not {resumed_result_times!r}"
            )
        self._resumed_result_times = resumed_result_times
        table = dict(DEFAULT_CREDENTIALS if credentials is None else credentials)
        if not table:
            raise ValueError("give at least one credential pair")
        timeouts = {
            "idle_timeout": idle_timeout,
            "max_duration": max_duration,
            "handshake_timeout": handshake_timeout,
            "preface_timeout": preface_timeout,
            "idle_connection_timeout": idle_connection_timeout,
        }
        for name, value in timeouts.items():
            if not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r}")
        self._connection_timeouts = {
            "handshake_timeout": handshake_timeout,
            "preface_timeout": preface_timeout,
            "idle_connection_timeout": idle_connection_timeout,
        }
        self._host = host
        self._port = port
        self._websocket_port = websocket_port
        self._websocket: Optional[WebSocketServer] = None
        self._engine_spec = engine
        self._credentials = table
        self._verify = verify_signatures
        self._state_dir = Path(state_dir) if state_dir is not None else None
        self._idle_timeout = idle_timeout
        self._max_duration = max_duration
        self._max_workers = max_workers or min(32, (os.cpu_count() or 1) + 4)
        self._clock = clock
        #: The region clients should use.
        self.region = region
        #: The fault rules; add and remove faults at any time.
        self.faults = faults if faults is not None else Faults()
        #: What the emulator saw of every stream.
        self.records = StreamRecords()
        self._server: Optional[EmulatorServer] = None
        self._executor: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._paths: Optional[CertificatePaths] = None
        self._engine: Optional[Engine] = None

    # -- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        """Create the certificates if needed and start listening.

        :raises RuntimeError: already started.
        :raises OSError: the state directory or the address cannot be used.
        """
        if self._server is not None:
            raise RuntimeError("the emulator is already started")
        engine = self._engine_spec
        if engine is None or isinstance(engine, str):
            engine = make_engine(engine or "scripted")
        self._engine = engine
        state_dir = self._state_dir if self._state_dir is not None else default_state_dir()
        self._paths = ensure_certificates(state_dir)
        ssl_context = server_ssl_context(self._paths)
        if engine.blocking:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=self._max_workers, thread_name_prefix="transcribe-emulator"
            )
        context = ServiceContext(
            engine=engine,
            records=self.records,
            faults=self.faults,
            verifier=RequestVerifier(self._credentials, verify=self._verify, clock=self._clock),
            clock=self._clock,
            executor=self._executor,
            idle_timeout=self._idle_timeout,
            max_duration=self._max_duration,
            resumed_result_times=self._resumed_result_times,
        )
        server = EmulatorServer(
            context, ssl_context, host=self._host, port=self._port, **self._connection_timeouts
        )
        try:
            await server.start()
        except BaseException:
            self._shutdown_executor()
            raise
        websocket = WebSocketServer(
            context,
            websocket_ssl_context(self._paths),
            host=self._host,
            port=self._websocket_port,
            handshake_timeout=self._connection_timeouts["handshake_timeout"],
        )
        try:
            await websocket.start()
        except BaseException:
            await server.close()
            self._shutdown_executor()
            raise
        self._server = server
        self._websocket = websocket

    async def close(self) -> None:
        """Close every connection, cancel every stream, stop the thread pool.

        Calling it again (or on an emulator never started) does nothing.
        """
        server, self._server = self._server, None
        websocket, self._websocket = self._websocket, None
        if websocket is not None:
            await websocket.close()
        if server is not None:
            await server.close()
        self._shutdown_executor()

    def _shutdown_executor(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            # Waits for the engine calls still running (a chunk each at most),
            # so that no thread outlives the emulator.
            executor.shutdown(wait=True)

    async def __aenter__(self) -> TranscribeEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        await self.close()

    # -- what clients need ----------------------------------------------------

    def _require_server(self) -> EmulatorServer:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return self._server

    @property
    def port(self) -> int:
        """The port listened on.

        :raises RuntimeError: not started.
        """
        return self._require_server().address[1]

    @property
    def endpoint(self) -> str:
        """The endpoint URL, e.g. ``https://127.0.0.1:8443``.

        :raises RuntimeError: not started.
        """
        return f"https://{_url_host(self._host)}:{self.port}"

    @property
    def websocket_port(self) -> int:
        """The port of the WebSocket endpoint.

        :raises RuntimeError: not started.
        """
        if self._websocket is None:
            raise RuntimeError("the emulator is not started")
        return self._websocket.address[1]

    @property
    def websocket_endpoint(self) -> str:
        """The WebSocket endpoint URL, e.g. ``wss://127.0.0.1:8443``.

        :raises RuntimeError: not started.
        """
        return f"wss://{_url_host(self._host)}:{self.websocket_port}"

    @property
    def ca_file(self) -> Path:
        """The CA certificate clients must trust (PEM).

        :raises RuntimeError: not started.
        """
        if self._paths is None:
            raise RuntimeError("the emulator is not started")
        return self._paths.ca_cert

    @property
    def credentials(self) -> EmulatorCredentials:
        """The (first) credential pair the emulator accepts."""
        access_key_id, secret = next(iter(self._credentials.items()))
        return EmulatorCredentials(access_key_id, secret)

    @property
    def engine(self) -> Engine:
        """The recognition engine.

        :raises RuntimeError: not started (a named engine is made on start).
        """
        if self._engine is None:
            if isinstance(self._engine_spec, Engine):
                return self._engine_spec
            raise RuntimeError("the emulator is not started")
        return self._engine

    @property
    def open_connections(self) -> int:
        """Client connections currently open.

        :raises RuntimeError: not started.
        """
        return self._require_server().connections

    async def wait_no_connections(self, timeout: float = 10.0) -> None:
        """Wait until every client connection has closed.

        :param timeout: seconds to wait at most.
        :raises asyncio.TimeoutError: connections were still open.
        :raises RuntimeError: not started.
        """
        await self._require_server().wait_no_connections(timeout)

    @property
    def idle_timeout(self) -> float:
        """Seconds without audio before a stream fails."""
        return self._idle_timeout

    @property
    def max_duration(self) -> float:
        """Seconds a stream may last."""
        return self._max_duration

    def environment(self) -> Dict[str, str]:
        """The environment variables that point AWS clients at this emulator.

        :returns: ``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING``,
            ``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING_WEBSOCKET`` (read by
            :func:`~amazon_transcribe.presign.presign_websocket_url`),
            ``AWS_CA_BUNDLE``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``
            and ``AWS_REGION``.
        :raises RuntimeError: not started.
        """
        credentials = self.credentials
        return {
            "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING": self.endpoint,
            "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING_WEBSOCKET": self.websocket_endpoint,
            "AWS_CA_BUNDLE": str(self.ca_file),
            "AWS_ACCESS_KEY_ID": credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
            "AWS_REGION": self.region,
        }

    def __repr__(self) -> str:
        where = self.endpoint if self._server is not None else "not started"
        return f"TranscribeEmulator({where})"
