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

Configuration follows the AWS conventions: ``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING``
/ ``AWS_ENDPOINT_URL`` for the endpoint, ``AWS_CA_BUNDLE`` for TLS trust,
``AWS_REGION`` / ``AWS_DEFAULT_REGION`` for the region, and the default
credential chain. Nothing secret is ever logged.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

from awscrt.io import ClientBootstrap, ClientTlsContext

from .auth import AwsCrtCredentialResolver, CredentialResolver, Credentials
from .crt import default_bootstrap
from .deserialize import (
    MAX_ERROR_BODY,
    error_from_response,
    header_map,
    start_stream_transcription_response_fields,
)
from .endpoints import (
    BaseEndpointResolver,
    RegionEndpointResolver,
    StaticEndpointResolver,
    endpoint_from_environment,
    signing_region,
)
from .exceptions import (
    CredentialsException,
    HTTPException,
    SDKError,
    TimeoutException,
    ValidationException,
)
from .httpsession import (
    DEFAULT_READ_WINDOW,
    DEFAULT_WRITE_WINDOW,
    Endpoint,
    HTTP2Stream,
    Timeouts,
    open_stream,
    tls_context,
)
from .serialize import STREAM_TRANSCRIPTION_PATH, start_stream_transcription_headers
from .shapes import (
    ContentIdentificationType,
    ContentRedactionType,
    LanguageCode,
    MediaEncoding,
    PartialResultsStability,
    StartStreamTranscriptionRequest,
    StartStreamTranscriptionResponse,
    TranscriptFormat,
    VocabularyFilterMethod,
)
from .signer import Clock, EventSigner
from .sigv4 import sign_request
from .streams import (
    EventStreamSession,
    StartStreamTranscriptionEventStream,
    TranscriptResultStream,
    transcript_parser,
)

__all__ = ["TranscribeStreamingClient", "Timeouts"]

logger = logging.getLogger("amazon_transcribe")

_LanguageArg = Union[LanguageCode, str, None]


class TranscribeStreamingClient:
    """A client of Amazon Transcribe Streaming.

    :param region: the AWS region, e.g. ``us-west-2``; by default
        ``AWS_REGION`` or ``AWS_DEFAULT_REGION``.
    :param endpoint_resolver: decides the endpoint URL; by default the
        endpoint from ``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING`` /
        ``AWS_ENDPOINT_URL`` if set, else the service endpoint of the region.
    :param credential_resolver: where credentials come from; by default the
        standard AWS credential chain.
    :param endpoint: an explicit endpoint URL (wins over the resolver and the
        environment), e.g. a local emulator's.
    :param ca_bundle: a PEM file of certificate authorities to trust instead
        of the system store; by default ``AWS_CA_BUNDLE`` if set.
    :param timeouts: connect / response / read / write timeouts.
    :param bootstrap: an awscrt bootstrap; by default the process-wide one.
    :param clock: returns the signing instant (aware UTC datetime); the
        system clock by default. Requests and events are signed with it at
        the moment they are sent.
    :raises ValidationException: no region is given or configured.
    """

    def __init__(
        self,
        *,
        region: Optional[str] = None,
        endpoint_resolver: Optional[BaseEndpointResolver] = None,
        credential_resolver: Optional[CredentialResolver] = None,
        endpoint: Optional[str] = None,
        ca_bundle: Optional[str] = None,
        timeouts: Optional[Timeouts] = None,
        bootstrap: Optional[ClientBootstrap] = None,
        clock: Optional[Clock] = None,
    ) -> None:
        region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region:
            raise ValidationException(
                "a region is required: pass region=... or set AWS_REGION"
            )
        self.region: str = region
        if endpoint is not None:
            endpoint_resolver = StaticEndpointResolver(endpoint)
        elif endpoint_resolver is None:
            from_env = endpoint_from_environment()
            endpoint_resolver = (
                StaticEndpointResolver(from_env) if from_env else RegionEndpointResolver()
            )
        self._endpoint_resolver = endpoint_resolver
        self._credential_resolver = credential_resolver
        self._ca_bundle = ca_bundle if ca_bundle is not None else os.environ.get("AWS_CA_BUNDLE")
        self._timeouts = timeouts or Timeouts()
        self._bootstrap = bootstrap
        self._clock = clock
        self._tls: Optional[ClientTlsContext] = None
        self._sessions: Set[EventStreamSession] = set()
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------

    async def __aenter__(self) -> "TranscribeStreamingClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close every stream this client opened and refuse new ones."""
        self._closed = True
        sessions = list(self._sessions)
        for session in sessions:
            session.close()
        await asyncio.gather(*(s.aclose() for s in sessions), return_exceptions=True)

    # -- configuration -------------------------------------------------------------

    def _tls_context(self) -> ClientTlsContext:
        if self._tls is None:
            self._tls = tls_context(self._ca_bundle)
        return self._tls

    async def _credentials(self) -> Credentials:
        resolver = self._credential_resolver
        if resolver is None:
            resolver = self._credential_resolver = AwsCrtCredentialResolver(
                None, timeout=self._timeouts.connect or 10.0
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
        request = StartStreamTranscriptionRequest(
            language_code=language_code,
            media_sample_rate_hz=media_sample_rate_hz,
            media_encoding=media_encoding,
            vocabulary_name=vocabulary_name,
            vocabulary_names=vocabulary_names,
            session_id=session_id,
            vocab_filter_method=vocab_filter_method,
            vocab_filter_name=vocab_filter_name,
            vocab_filter_names=vocab_filter_names,
            show_speaker_label=show_speaker_label,
            enable_channel_identification=enable_channel_identification,
            number_of_channels=number_of_channels,
            enable_partial_results_stabilization=enable_partial_results_stabilization,
            partial_results_stability=partial_results_stability,
            language_model_name=language_model_name,
            identify_language=identify_language,
            preferred_language=preferred_language,
            identify_multiple_languages=identify_multiple_languages,
            language_options=language_options,
            pii_entity_types=pii_entity_types,
            content_redaction_type=content_redaction_type,
            content_identification_type=content_identification_type,
            session_resume_window=session_resume_window,
            transcript_format=transcript_format,
        )
        _check_request(request)
        headers = start_stream_transcription_headers(request)
        transport, response_headers, seed, credentials = await self._open(
            STREAM_TRANSCRIPTION_PATH, headers
        )
        fields = start_stream_transcription_response_fields(response_headers)
        signer = EventSigner(
            seed,
            secret_access_key=credentials.secret_access_key,
            region=signing_region(self.region),
            clock=self._clock,
        )
        session = EventStreamSession(
            transport,
            signer,
            transcript_parser(fields["request_id"]),
            on_closed=self._sessions.discard,
        )
        self._sessions.add(session)
        response = StartStreamTranscriptionResponse(
            transcript_result_stream=TranscriptResultStream(session), **fields
        )
        logger.debug(
            "stream started: request id %s, session id %s",
            fields["request_id"],
            fields["session_id"],
        )
        return StartStreamTranscriptionEventStream(response, session)

    async def _open(
        self, path: str, headers: Sequence[Tuple[str, str]]
    ) -> Tuple[HTTP2Stream, Dict[str, str], str, Credentials]:
        """Sign, connect, send the request and wait for a 200.

        On any failure or cancellation the connection is closed before the
        exception propagates.
        """
        if self._closed:
            raise SDKError("the client is closed")
        credentials = await self._credentials()
        url = await self._endpoint_resolver.resolve(self.region)
        endpoint = Endpoint(url)
        signed = sign_request(
            "POST",
            path,
            headers,
            host=endpoint.authority,
            credentials=credentials,
            region=signing_region(self.region),
            date=self._clock() if self._clock is not None else None,
        )
        logger.debug("POST %s%s", url, path)
        transport = await open_stream(
            endpoint,
            signed.request,
            tls=self._tls_context(),
            timeouts=self._timeouts,
            ca_file=self._ca_bundle,
            bootstrap=self._bootstrap or default_bootstrap(),
            write_window=DEFAULT_WRITE_WINDOW,
            read_window=DEFAULT_READ_WINDOW,
        )
        try:
            status, raw_headers = await transport.response()
            response_headers = header_map(raw_headers)
            if status != 200:
                body = await _read_error_body(transport)
                raise error_from_response(status, response_headers, body)
        except BaseException:
            await transport.aclose()
            raise
        return transport, response_headers, signed.seed_signature, credentials


async def _read_error_body(transport: HTTP2Stream) -> bytes:
    body = bytearray()
    try:
        while len(body) < MAX_ERROR_BODY:
            chunk = await transport.read()
            if not chunk:
                break
            body += chunk
    except (HTTPException, TimeoutException):
        pass  # the status and headers still say what went wrong
    return bytes(body[:MAX_ERROR_BODY])


def _check_request(request: StartStreamTranscriptionRequest) -> None:
    """Refuse locally what can never work; the service validates the rest."""
    if request.media_sample_rate_hz is None:
        raise ValidationException("media_sample_rate_hz is required")
    if isinstance(request.media_sample_rate_hz, bool) or not isinstance(
        request.media_sample_rate_hz, int
    ):
        raise ValidationException("media_sample_rate_hz must be an int")
    if request.media_encoding is None:
        raise ValidationException("media_encoding is required (e.g. 'pcm')")
    if (
        request.language_code is None
        and not request.identify_language
        and not request.identify_multiple_languages
    ):
        raise ValidationException(
            "language_code is required unless identify_language or "
            "identify_multiple_languages is set"
        )

