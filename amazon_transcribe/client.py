"""The Transcribe Streaming client.

``TranscribeStreamingClient(region=...)`` and
``await client.start_stream_transcription(...)`` work as in
amazon-transcribe 0.6.4. What happens on a call:

1. the options are checked and serialized to headers;
2. credentials are resolved once for the stream;
3. the request is signed (SigV4, streaming payload) and sent on a new HTTP/2
   connection;
4. the call returns when the service answered 200, with a stream whose input
   signs each event as it is sent; an error status raises the service's
   typed exception instead.

Configuration follows the AWS conventions (``_config``): options, then the
environment (``AWS_REGION``, ``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING``,
``AWS_CA_BUNDLE``, ``HTTPS_PROXY``...), then the profile of the shared config
file (``AWS_PROFILE``, ``AWS_CONFIG_FILE``), read once per client; the
default credential chain is the AWS CLI's, SSO included (``_chain``).
``docs/client.rst`` lists every setting. Nothing secret is ever logged.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import logging
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Type, TypeVar, Union

from awscrt.io import ClientBootstrap, ClientTlsContext

from ._chain import _default_credential_resolver
from ._config import _load_client_config, _PathArg
from .auth import (
    AwsCrtCredentialResolver as AwsCrtCredentialResolver,
    CredentialResolver as CredentialResolver,
    Credentials,
)
from .call_analytics import CallAnalyticsLanguageCode
from .crt import AWSCRTEventLoop as AWSCRTEventLoop, _default_bootstrap
from ._deserialize import (
    _MAX_ERROR_BODY,
    _error_from_response,
    _get_medical_scribe_stream_output,
    _header_map,
)
from .endpoints import (
    BaseEndpointResolver as BaseEndpointResolver,
    RegionEndpointResolver,
    StaticEndpointResolver,
    _signing_region,
)
from .exceptions import (
    GET_MEDICAL_SCRIBE_STREAM_EXCEPTIONS,
    CredentialsException,
    HTTPException,
    NoRegionError,
    SDKError,
    SerializerException,
    ServiceException,
    TimeoutException,
)
from ._httpsession import (
    _Endpoint,
    HTTP2Stream,
    Timeouts as Timeouts,
    _open_connection,
    _open_stream,
    _tls_context,
)
from ._warm import WarmConnection
from .medical import MedicalContentIdentificationType, MedicalTranscriptionType, Specialty
from .medical_scribe import (
    MedicalScribeLanguageCode,
    MedicalScribeMediaEncoding,
    MedicalScribeStreamDetails,
)
from .operations import (
    START_CALL_ANALYTICS_STREAM_TRANSCRIPTION,
    START_MEDICAL_SCRIBE_STREAM,
    START_MEDICAL_STREAM_TRANSCRIPTION,
    START_STREAM_TRANSCRIPTION,
    OperationSpec,
)
from ._serialize import _medical_scribe_stream_path
from .resilience import ResiliencePolicy, ResilientStream, _start_resilient_stream
from .shapes import (
    ContentIdentificationType,
    ContentRedactionType,
    LanguageCode,
    MediaEncoding,
    PartialResultsStability,
    StartStreamTranscriptionRequest as StartStreamTranscriptionRequest,
    TranscriptFormat,
    VocabularyFilterMethod,
)
from ._signer import Clock, EventSigner
from .sigv4 import _PayloadSigning, _sign_request
from .transport import DEFAULT_READ_WINDOW, DEFAULT_WRITE_WINDOW
from ._useragent import _user_agent
from .streams import (
    AudioStream as AudioStream,
    EventStreamSession,
    _audio_event_limit,
    StartCallAnalyticsStreamTranscriptionEventStream,
    StartMedicalScribeStreamEventStream,
    StartMedicalStreamTranscriptionEventStream,
    StartStreamTranscriptionEventStream as StartStreamTranscriptionEventStream,
)

__all__ = [
    "TranscribeStreamingClient",
    "ClientState",
]

logger = logging.getLogger("amazon_transcribe")

_LanguageArg = Union[LanguageCode, str, None]
_S = TypeVar("_S")

#: Largest GetMedicalScribeStream body accepted (the details are a few kB).
_MAX_RESPONSE_BODY = 1024 * 1024


class ClientState(enum.Enum):
    """The life of a :class:`TranscribeStreamingClient`."""

    #: Streams may be started.
    OPEN = "open"
    #: Closed: its streams were closed and no new one may start.
    CLOSED = "closed"


class TranscribeStreamingClient:
    """A client of Amazon Transcribe Streaming.

    Each setting not given here is read from the environment, then from the
    profile (``AWS_PROFILE``) of the shared config file (``AWS_CONFIG_FILE``,
    by default ``~/.aws/config``), once, when the client is made; the
    table in the client guide lists them all.

    :param region: the AWS region, e.g. ``us-west-2``; by default
        ``AWS_REGION``, ``AWS_DEFAULT_REGION`` or the profile's ``region``.
    :param endpoint_resolver: decides the endpoint URL; by default the
        endpoint from ``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING`` /
        ``AWS_ENDPOINT_URL`` if set, else the service endpoint of the region
        (FIPS and dual-stack as configured).
    :param credential_resolver: where credentials come from; by default the
        AWS CLI's chain: environment, role, web identity, SSO (a profile with
        ``sso_session`` or ``sso_start_url``, after ``aws sso login``),
        shared files, process, container and instance metadata.
    :param endpoint: an explicit endpoint URL (wins over the resolver and the
        environment), e.g. a local emulator's.
    :param ca_bundle: a PEM file (``str`` or :class:`os.PathLike`) of
        certificate authorities to trust instead of the system store; by
        default ``AWS_CA_BUNDLE`` or the profile's ``ca_bundle``.
    :param use_fips_endpoint: use the region's FIPS endpoint; by default
        ``AWS_USE_FIPS_ENDPOINT`` or the profile's ``use_fips_endpoint``.
    :param use_dualstack_endpoint: use the region's dual-stack (IPv6)
        endpoint; by default ``AWS_USE_DUALSTACK_ENDPOINT`` or the profile's
        ``use_dualstack_endpoint``.
    :param user_agent_app_id: an application id added to the
        ``User-Agent`` (``app/<id>``, at most 50 characters); by default
        ``AWS_SDK_UA_APP_ID`` or the profile's ``sdk_ua_app_id``.
    :param user_agent_extra: text appended to the ``User-Agent``.
    :param proxy: an HTTP proxy URL, ``http://[user:password@]host[:port]``,
        through which connections tunnel (``CONNECT``); by default
        ``HTTPS_PROXY`` / ``https_proxy``; ``""`` connects directly whatever
        the environment says. Hosts matched by ``NO_PROXY`` / ``no_proxy``
        are reached directly.
    :param timeouts: connect / response / read / write timeouts.
    :param warm_connection: keep one connection open and ready for the next
        stream (opened in the background when a stream ends, or by
        :meth:`warm_up`; closed after 30 s without a stream start), so that
        starting a stream costs one round trip instead of a TCP, TLS and
        HTTP/2 handshake. Off by default: see the client guide.
    :param bootstrap: an awscrt bootstrap; by default the process-wide one.
    :param clock: returns the signing instant (aware UTC datetime); the
        system clock by default. Requests and events are signed with it at
        the moment they are sent.
    :raises NoRegionError: no region is given or configured (a
        :class:`~amazon_transcribe.exceptions.ValidationException`, and a
        :class:`TypeError` as leaving out 0.6.4's required ``region`` was).
    """

    #: The service's signing name.
    service_name: str = "transcribe"

    def __init__(
        self,
        *,
        region: Optional[str] = None,
        endpoint_resolver: Optional[BaseEndpointResolver] = None,
        credential_resolver: Optional[CredentialResolver] = None,
        endpoint: Optional[str] = None,
        ca_bundle: Optional[_PathArg] = None,
        timeouts: Optional[Timeouts] = None,
        bootstrap: Optional[ClientBootstrap] = None,
        clock: Optional[Clock] = None,
        use_fips_endpoint: Optional[bool] = None,
        use_dualstack_endpoint: Optional[bool] = None,
        user_agent_app_id: Optional[str] = None,
        user_agent_extra: Optional[str] = None,
        proxy: Optional[str] = None,
        warm_connection: bool = False,
    ) -> None:
        config = _load_client_config(
            region=region or None,
            use_fips=use_fips_endpoint,
            use_dualstack=use_dualstack_endpoint,
            app_id=user_agent_app_id,
            endpoint=endpoint,
            ca_bundle=ca_bundle,
            proxy=proxy,
        )
        if not config.region:
            raise NoRegionError(
                "a region is required: pass region=... (e.g. region='us-east-1'), "
                "set AWS_REGION or AWS_DEFAULT_REGION, or set region in the profile "
                f"{config.profile_name!r} of {config.shared.path}"
            )
        self._config = config
        #: The AWS region the client's streams go to.
        self.region: str = config.region
        if endpoint is not None or (endpoint_resolver is None and config.endpoint):
            # An endpoint URL wins over FIPS and dual-stack, as in the AWS SDKs.
            endpoint_resolver = StaticEndpointResolver(config.endpoint or "")
        elif endpoint_resolver is None:
            endpoint_resolver = RegionEndpointResolver(
                use_fips=config.use_fips, use_dualstack=config.use_dualstack
            )
        self._endpoint_resolver = endpoint_resolver
        self._credential_resolver = credential_resolver
        self._ca_bundle = config.ca_bundle
        self._user_agent = _user_agent(config.app_id, user_agent_extra)
        self._timeouts = timeouts or Timeouts()
        self._bootstrap = bootstrap
        self._clock = clock
        self._tls: Optional[ClientTlsContext] = None
        self._sessions: Set[EventStreamSession] = set()
        self._warm = WarmConnection() if warm_connection else None
        # The last endpoint resolved, parsed (a resolver returns the same URL
        # for every stream of a client, as a rule).
        self._endpoint: Optional[_Endpoint] = None
        self._warm_target: Optional[Tuple[str, Any]] = None
        self._state = ClientState.OPEN

    # -- lifecycle ---------------------------------------------------------------
    #
    # OPEN --close()/aclose()/leaving async with--> CLOSED, and nothing leads
    # back: a closed client refuses new streams and a new ``async with``.

    @property
    def state(self) -> "ClientState":
        """Whether the client is open or closed."""
        return self._state

    @property
    def endpoint_resolver(self) -> BaseEndpointResolver:
        """The resolver of the endpoint the client's streams go to.

        The one given, or the one the client built from the endpoint, FIPS
        and dual-stack settings; ``await client.endpoint_resolver.resolve(client.region)``
        is the URL a stream starts on.
        """
        return self._endpoint_resolver

    @property
    def user_agent(self) -> str:
        """The ``User-Agent`` header the client sends (app id and extra included)."""
        return self._user_agent

    @property
    def warm_connection_ready(self) -> bool:
        """Whether a warm connection is open and ready for the next stream.

        Always ``False`` for a client made without ``warm_connection=True``.
        """
        return self._warm is not None and self._warm.ready

    async def __aenter__(self) -> "TranscribeStreamingClient":
        if self._state is ClientState.CLOSED:
            raise SDKError("the client is closed; make a new TranscribeStreamingClient")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close every stream this client opened and refuse new ones (calling it again does nothing)."""
        self._state = ClientState.CLOSED
        sessions = list(self._sessions)
        for session in sessions:
            session.close()
        await asyncio.gather(*(s.aclose() for s in sessions), return_exceptions=True)
        if self._warm is not None:
            await self._warm.aclose()

    async def aclose(self) -> None:
        """The same as :meth:`close`, by the name asyncio objects use."""
        await self.close()

    async def warm_up(self) -> None:
        """Open the warm connection now and return once it is ready.

        For a client made with ``warm_connection=True``: the first stream
        then starts in one round trip too. Ready means connected, with the
        server's HTTP/2 SETTINGS received (waited for at most 2 s).

        :raises SDKError: the client is closed, or was made without
            ``warm_connection=True``.
        :raises HTTPException: connecting failed or timed out.
        """
        if self._state is ClientState.CLOSED:
            raise SDKError("the client is closed")
        if self._warm is None:
            raise SDKError("warm_up() needs a client made with warm_connection=True")
        endpoint = _Endpoint(await self._endpoint_resolver.resolve(self.region))
        await self._warm.open_now(endpoint.url, self._connection_opener(endpoint))

    def _connection_opener(self, endpoint: _Endpoint) -> Any:
        """What opens a connection to ``endpoint`` with this client's settings."""
        return functools.partial(
            _open_connection,
            endpoint,
            tls=self._tls_context(),
            timeouts=self._timeouts,
            ca_file=self._ca_bundle,
            bootstrap=self._bootstrap or _default_bootstrap(),
            read_window=DEFAULT_READ_WINDOW,
            proxy=self._config.proxy_for(endpoint.host),
            settled=True,
        )

    # -- configuration -------------------------------------------------------------

    def _tls_context(self) -> ClientTlsContext:
        if self._tls is None:
            self._tls = _tls_context(self._ca_bundle)
        return self._tls

    async def _credentials(self) -> Credentials:
        resolver = self._credential_resolver
        if resolver is None:
            resolver = self._credential_resolver = _default_credential_resolver(
                self._config, ca_file=self._ca_bundle, timeout=self._timeouts.connect or 10.0
            )
        credentials = await resolver.get_credentials()
        if credentials is None:
            raise CredentialsException("the credential resolver returned no credentials")
        return credentials

    # -- the operation -------------------------------------------------------------

    async def start_stream_transcription(
        self,
        *,
        language_code: _LanguageArg = None,
        media_sample_rate_hz: Optional[int] = None,
        media_encoding: Union[MediaEncoding, str, None] = None,
        vocabulary_name: Optional[str] = None,
        vocabulary_names: Optional[List[str]] = None,
        session_id: Optional[str] = None,
        vocab_filter_method: Union[VocabularyFilterMethod, str, None] = None,
        vocab_filter_name: Optional[str] = None,
        vocab_filter_names: Optional[List[str]] = None,
        show_speaker_label: Optional[bool] = None,
        enable_channel_identification: Optional[bool] = None,
        number_of_channels: Optional[int] = None,
        enable_partial_results_stabilization: Optional[bool] = None,
        partial_results_stability: Union[PartialResultsStability, str, None] = None,
        language_model_name: Optional[str] = None,
        identify_language: Optional[bool] = None,
        preferred_language: _LanguageArg = None,
        identify_multiple_languages: Optional[bool] = None,
        language_options: Optional[List[str]] = None,
        pii_entity_types: Optional[str] = None,
        content_redaction_type: Union[ContentRedactionType, str, None] = None,
        content_identification_type: Union[ContentIdentificationType, str, None] = None,
        session_resume_window: Optional[int] = None,
        transcript_format: Union[TranscriptFormat, str, None] = None,
    ) -> StartStreamTranscriptionEventStream:
        """Start a streaming transcription.

        Returns once the service has accepted the request (HTTP 200); send
        audio with ``stream.input_stream.send_audio_event(...)`` and read
        events from ``stream.output_stream``.

        :param language_code: the language of the audio (``None`` with
            ``identify_language`` or ``identify_multiple_languages``).
        :param media_sample_rate_hz: the sample rate, 8000–48000.
        :param media_encoding: ``pcm`` (signed 16-bit little-endian),
            ``flac``, ``ogg-opus``...
        :param vocabulary_name: a custom vocabulary.
        :param vocabulary_names: custom vocabularies (language identification).
        :param session_id: a session id (UUID); the service makes one if absent.
        :param vocab_filter_method: ``remove``, ``mask`` or ``tag``.
        :param vocab_filter_name: a vocabulary filter.
        :param vocab_filter_names: vocabulary filters (language identification).
        :param show_speaker_label: label speakers.
        :param enable_channel_identification: transcribe each channel apart.
        :param number_of_channels: channels in the audio (2 with channel
            identification).
        :param enable_partial_results_stabilization: stabilize partial results.
        :param partial_results_stability: ``high``, ``medium`` or ``low``.
        :param language_model_name: a custom language model.
        :param identify_language: identify the language among ``language_options``.
        :param preferred_language: the likeliest of ``language_options``.
        :param identify_multiple_languages: identify several languages.
        :param language_options: candidate languages for identification.
        :param pii_entity_types: comma-separated PII types, e.g. ``NAME,SSN``.
        :param content_redaction_type: ``PII`` to redact.
        :param content_identification_type: ``PII`` to identify.
        :param session_resume_window: minutes during which the session may be
            resumed with the same session id.
        :param transcript_format: ``written`` or ``spoken``.
        :returns: the started stream.
        :raises ValidationException: an option is missing or has a wrong type.
        :raises CredentialsException: no credentials could be found.
        :raises ServiceException: the service refused the request (typed:
            :class:`~amazon_transcribe.exceptions.BadRequestException`...).
        :raises HTTPException: the connection failed or timed out.
        """
        # locals() here is exactly the keyword arguments (and self).
        return await self._start_operation(START_STREAM_TRANSCRIPTION, locals())

    async def start_resilient_stream_transcription(
        self, *, resilience: Optional[ResiliencePolicy] = None, **options: Any
    ) -> ResilientStream:
        """Start a streaming transcription that survives idle time, failures and the 4-hour limit.

        Takes the options of :meth:`start_stream_transcription` (PCM audio
        only) and returns a stream with the same interface: keep-alive,
        retried starts, resume with replay and rotation happen inside it
        (see :mod:`amazon_transcribe.resilience` and the client guide).

        :param resilience: the policy; :class:`~amazon_transcribe.resilience.ResiliencePolicy`
            defaults when ``None``.
        :param options: :meth:`start_stream_transcription`'s keyword arguments.
        :returns: the started stream.
        :raises ValidationException: an option is wrong, or the audio is not PCM.
        :raises ServiceException: the service refused the start (after the
            retries the policy allows, for retryable errors).
        :raises HTTPException: the connection failed, after the retries.
        """
        return await _start_resilient_stream(self, resilience, options)

    async def start_medical_stream_transcription(
        self,
        *,
        language_code: _LanguageArg = None,
        media_sample_rate_hz: Optional[int] = None,
        media_encoding: Union[MediaEncoding, str, None] = None,
        specialty: Union[Specialty, str, None] = None,
        type: Union[MedicalTranscriptionType, str, None] = None,
        vocabulary_name: Optional[str] = None,
        show_speaker_label: Optional[bool] = None,
        session_id: Optional[str] = None,
        enable_channel_identification: Optional[bool] = None,
        number_of_channels: Optional[int] = None,
        content_identification_type: Union[MedicalContentIdentificationType, str, None] = None,
    ) -> StartMedicalStreamTranscriptionEventStream:
        """Start a medical streaming transcription (StartMedicalStreamTranscription).

        Returns once the service has accepted the request; send audio with
        ``stream.input_stream.send_audio_event(...)`` and read
        :class:`~amazon_transcribe.medical.MedicalTranscriptEvent` objects
        from ``stream.output_stream``.

        :param language_code: the language of the audio (the service
            supports ``en-US``).
        :param media_sample_rate_hz: the sample rate (16000–48000 for medical).
        :param media_encoding: ``pcm``, ``flac`` or ``ogg-opus``.
        :param specialty: :class:`~amazon_transcribe.medical.Specialty`, e.g.
            ``PRIMARYCARE``.
        :param type: :class:`~amazon_transcribe.medical.MedicalTranscriptionType`:
            ``CONVERSATION`` or ``DICTATION``.
        :param vocabulary_name: a custom medical vocabulary.
        :param show_speaker_label: label speakers.
        :param session_id: a session id (UUID); the service makes one if absent.
        :param enable_channel_identification: transcribe each channel apart.
        :param number_of_channels: channels in the audio (2 with channel
            identification).
        :param content_identification_type: ``PHI`` to identify protected
            health information.
        :returns: the started stream.
        :raises ValidationException: a required option is missing or has a
            wrong type.
        :raises CredentialsException: no credentials could be found.
        :raises ServiceException: the service refused the request (typed).
        :raises HTTPException: the connection failed or timed out.
        """
        # locals() here is exactly the keyword arguments (and self).
        return await self._start_operation(START_MEDICAL_STREAM_TRANSCRIPTION, locals())

    async def start_call_analytics_stream_transcription(
        self,
        *,
        language_code: Union[CallAnalyticsLanguageCode, str, None] = None,
        media_sample_rate_hz: Optional[int] = None,
        media_encoding: Union[MediaEncoding, str, None] = None,
        vocabulary_name: Optional[str] = None,
        session_id: Optional[str] = None,
        vocab_filter_name: Optional[str] = None,
        vocab_filter_method: Union[VocabularyFilterMethod, str, None] = None,
        language_model_name: Optional[str] = None,
        identify_language: Optional[bool] = None,
        language_options: Optional[List[str]] = None,
        preferred_language: Union[CallAnalyticsLanguageCode, str, None] = None,
        vocabulary_names: Optional[List[str]] = None,
        vocab_filter_names: Optional[List[str]] = None,
        enable_partial_results_stabilization: Optional[bool] = None,
        partial_results_stability: Union[PartialResultsStability, str, None] = None,
        content_identification_type: Union[ContentIdentificationType, str, None] = None,
        content_redaction_type: Union[ContentRedactionType, str, None] = None,
        pii_entity_types: Optional[str] = None,
    ) -> StartCallAnalyticsStreamTranscriptionEventStream:
        """Start a call analytics transcription (StartCallAnalyticsStreamTranscription).

        Returns once the service has accepted the request. Send the
        configuration first if you use channel definitions or post-call
        analytics (``stream.input_stream.send_configuration_event(...)``),
        then audio; read
        :class:`~amazon_transcribe.call_analytics.UtteranceEvent` and
        :class:`~amazon_transcribe.call_analytics.CategoryEvent` objects from
        ``stream.output_stream``.

        :param language_code: the language of the call (``None`` with
            ``identify_language``).
        :param media_sample_rate_hz: the sample rate, 8000–48000.
        :param media_encoding: ``pcm``, ``flac``, ``ogg-opus``...
        :param vocabulary_name: a custom vocabulary.
        :param session_id: a session id (UUID); the service makes one if absent.
        :param vocab_filter_name: a vocabulary filter.
        :param vocab_filter_method: ``remove``, ``mask`` or ``tag``.
        :param language_model_name: a custom language model.
        :param identify_language: identify the language among ``language_options``.
        :param language_options: candidate languages for identification.
        :param preferred_language: the likeliest of ``language_options``.
        :param vocabulary_names: custom vocabularies (language identification).
        :param vocab_filter_names: vocabulary filters (language identification).
        :param enable_partial_results_stabilization: stabilize partial results.
        :param partial_results_stability: ``high``, ``medium`` or ``low``.
        :param content_identification_type: ``PII`` to identify.
        :param content_redaction_type: ``PII`` to redact.
        :param pii_entity_types: comma-separated PII types, e.g. ``NAME,SSN``.
        :returns: the started stream.
        :raises ValidationException: a required option is missing or has a
            wrong type.
        :raises CredentialsException: no credentials could be found.
        :raises ServiceException: the service refused the request (typed).
        :raises HTTPException: the connection failed or timed out.
        """
        # locals() here is exactly the keyword arguments (and self).
        return await self._start_operation(START_CALL_ANALYTICS_STREAM_TRANSCRIPTION, locals())

    async def start_medical_scribe_stream(
        self,
        *,
        language_code: Union[MedicalScribeLanguageCode, str, None] = None,
        media_sample_rate_hz: Optional[int] = None,
        media_encoding: Union[MedicalScribeMediaEncoding, str, None] = None,
        session_id: Optional[str] = None,
    ) -> StartMedicalScribeStreamEventStream:
        """Start (or resume) an AWS HealthScribe stream (StartMedicalScribeStream).

        Returns once the service has accepted the request. Send
        ``stream.input_stream.send_configuration_event(...)`` first (on a
        resumed session, the same configuration again), then audio; end the
        session for good with ``send_session_control_event()`` or pause it
        by just ending the input stream. Read
        :class:`~amazon_transcribe.medical_scribe.MedicalScribeTranscriptEvent`
        objects from ``stream.output_stream``.

        :param language_code: the language (``en-US``).
        :param media_sample_rate_hz: the sample rate, 16000–48000.
        :param media_encoding: ``pcm``, ``flac`` or ``ogg-opus``.
        :param session_id: a session id (UUID) to resume or to use; the
            service makes one if absent.
        :returns: the started stream.
        :raises ValidationException: a required option is missing or has a
            wrong type.
        :raises CredentialsException: no credentials could be found.
        :raises ServiceException: the service refused the request (typed).
        :raises HTTPException: the connection failed or timed out.
        """
        # locals() here is exactly the keyword arguments (and self).
        return await self._start_operation(START_MEDICAL_SCRIBE_STREAM, locals())

    async def get_medical_scribe_stream(self, session_id: str) -> MedicalScribeStreamDetails:
        """Get the details of a HealthScribe session (GetMedicalScribeStream).

        :param session_id: the session id (a UUID).
        :returns: the session's details.
        :raises ValidationException: ``session_id`` is not a UUID.
        :raises ResourceNotFoundException: the service knows no such session.
        :raises ServiceException: another service error (typed).
        :raises SerializerException: the response body is unreadable.
        :raises HTTPException: the connection failed or timed out.
        """
        path = _medical_scribe_stream_path(session_id)
        transport, _, _, _ = await self._open(
            "GET",
            path,
            [],
            registry=GET_MEDICAL_SCRIBE_STREAM_EXCEPTIONS,
            payload_signing=_PayloadSigning.EMPTY,
            end_request=True,
        )
        try:
            body = await _read_body(transport, _MAX_RESPONSE_BODY)
        finally:
            await transport.aclose()
        return _get_medical_scribe_stream_output(body)

    async def _start_operation(self, spec: OperationSpec[_S], options: Mapping[str, Any]) -> _S:
        """What every Start* operation shares: check, open a duplex call, wrap it.

        :param spec: the operation.
        :param options: the caller's options by name.
        :returns: the started call.
        """
        request = spec.make_request(options)
        spec.check(request)
        transport, response_headers, seed, credentials = await self._open(
            "POST", spec.path, spec.request_headers(request), registry=spec.exceptions
        )
        request_id = response_headers.get("x-amzn-request-id")
        signer = EventSigner(
            seed,
            secret_access_key=credentials.secret_access_key,
            region=_signing_region(self.region),
            clock=self._clock,
        )
        session = EventStreamSession(
            transport,
            signer,
            spec.parser(request_id),
            on_closed=self._session_closed,
            audio_event_limit=_audio_event_limit(
                getattr(request, "media_sample_rate_hz", None),
                getattr(request, "number_of_channels", None),
            ),
        )
        self._sessions.add(session)
        logger.debug(
            "%s started: request id %s, session id %s",
            spec.name,
            request_id,
            response_headers.get("x-amzn-transcribe-session-id"),
        )
        return spec.started(session, response_headers)

    async def _open(
        self,
        method: str,
        path: str,
        headers: Sequence[Tuple[str, str]],
        *,
        registry: Mapping[str, Type[ServiceException]],
        payload_signing: _PayloadSigning = _PayloadSigning.EVENTS,
        end_request: bool = False,
    ) -> Tuple[HTTP2Stream, Dict[str, str], str, Credentials]:
        """Sign, connect, send the request and wait for a 200.

        On any failure or cancellation the connection is closed before the
        exception propagates.

        :param method: the HTTP method.
        :param path: the path.
        :param headers: the request headers.
        :param registry: the operation's modeled exceptions.
        :param payload_signing: how the payload hash is stated.
        :param end_request: end the (empty) request body at once, for
            operations without a body; the server answers only then.
        :returns: the stream, the response headers, the seed signature and
            the credentials used.
        """
        if self._state is ClientState.CLOSED:
            raise SDKError("the client is closed")
        credentials = await self._credentials()
        url = await self._endpoint_resolver.resolve(self.region)
        endpoint = self._endpoint
        if endpoint is None or endpoint.url != url:
            endpoint = self._endpoint = _Endpoint(url)
        # awscrt leaves user-agent out of the signature (proxies may change it).
        headers = [*headers, ("user-agent", self._user_agent)]
        signed = _sign_request(
            method,
            path,
            headers,
            host=endpoint.authority,
            credentials=credentials,
            region=_signing_region(self.region),
            date=self._clock() if self._clock is not None else None,
            payload_signing=payload_signing,
        )
        logger.debug("%s %s%s", method, url, path)
        warm = self._warm.take(url) if self._warm is not None else None
        transport = await self._send_request(endpoint, signed.request, warm, end_request)
        try:
            try:
                status, raw_headers = await transport.response()
            except HTTPException as exc:
                if warm is None or isinstance(exc, TimeoutException):
                    raise
                # The warm connection failed before the request got any
                # answer (the server closed it as the stream took it): the
                # request was not served, so it goes again on a new one.
                logger.debug("the warm connection failed: connecting afresh", exc_info=True)
                await transport.aclose()
                transport = await self._send_request(endpoint, signed.request, None, end_request)
                status, raw_headers = await transport.response()
            response_headers = _header_map(raw_headers)
            if status != 200:
                body = await _read_error_body(transport)
                raise _error_from_response(status, response_headers, body, registry=registry)
        except BaseException:
            await transport.aclose()
            raise
        if self._warm is not None and (self._warm_target is None or self._warm_target[0] != url):
            self._warm_target = (url, self._connection_opener(endpoint))
        return transport, response_headers, signed.seed_signature, credentials

    def _session_closed(self, session: EventStreamSession) -> None:
        self._sessions.discard(session)
        if self._warm is not None and self._warm_target and self._state is ClientState.OPEN:
            # The next stream (a voice agent's next turn) finds a connection
            # ready. Opened once this stream is over, not while it starts:
            # a handshake then would compete with its first audio, and a
            # long stream would outlast the warm connection's idle time.
            self._warm.prepare(*self._warm_target)

    async def _send_request(
        self,
        endpoint: _Endpoint,
        request: Any,
        connection: Any,
        end_request: bool,
    ) -> HTTP2Stream:
        """Send the request on ``connection`` (a warm one), or on a new connection if ``None``."""
        transport = await _open_stream(
            endpoint,
            request,
            tls=self._tls_context(),
            timeouts=self._timeouts,
            ca_file=self._ca_bundle,
            bootstrap=self._bootstrap or _default_bootstrap(),
            write_window=DEFAULT_WRITE_WINDOW,
            read_window=DEFAULT_READ_WINDOW,
            proxy=self._config.proxy_for(endpoint.host),
            connection=connection,
        )
        if end_request:
            try:
                transport.write(b"", end_stream=True)
            except BaseException:
                await transport.aclose()
                raise
        return transport


async def _read_error_body(transport: HTTP2Stream) -> bytes:
    try:
        return await _read_body(transport, _MAX_ERROR_BODY)
    except (HTTPException, TimeoutException, SerializerException):
        return b""  # the status and headers still say what went wrong


async def _read_body(transport: HTTP2Stream, limit: int) -> bytes:
    """Read a whole (small) response body.

    :raises SerializerException: the body is larger than ``limit``.
    :raises HTTPException: the connection failed or timed out.
    """
    body = bytearray()
    while True:
        chunk = await transport.read()
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > limit:
            raise SerializerException(f"the response body is larger than {limit} bytes")
        # Reopen the receive window: the body is read whole, not streamed.
        transport.consumed(len(chunk))
