"""Validation of the headers that open a stream, reported the way the service reports it.

Each operation has a small validator built on shared helpers: a table of its
headers (type, requiredness, enum or constraint of PROTOCOL.md §6–§7), a
parser that checks every header against its row, and the operation's
cross-field rules. A validator returns the
:class:`~amazon_transcribe.emulator.engine.StreamSettings` the engine needs
and the headers to echo in the 200 response.

Single-header problems are collected and reported together in AWS's
validation style (``1 validation error detected: Value '7999' at
'mediaSampleRateHertz' failed to satisfy constraint: Member must have value
greater than or equal to 8000``); cross-field rules, checked once every
header is valid, are plain sentences. Both are ``BadRequestException``.

The enum and language-code sets are module-level frozensets named after the
model's shapes, for the other operations' validators to share.

Pure: no I/O. It must not import the client side of the package (model,
serializers): the emulator checks clients, so it keeps its own copy of the
service's rules.
"""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .engine import StreamSettings
from .errors import bad_request

__all__ = [
    "LANGUAGE_CODE",
    "CALL_ANALYTICS_LANGUAGE_CODE",
    "MEDICAL_SCRIBE_LANGUAGE_CODE",
    "MEDIA_ENCODING",
    "MEDICAL_SCRIBE_MEDIA_ENCODING",
    "VOCABULARY_FILTER_METHOD",
    "PARTIAL_RESULTS_STABILITY",
    "CONTENT_IDENTIFICATION_TYPE",
    "CONTENT_REDACTION_TYPE",
    "MEDICAL_CONTENT_IDENTIFICATION_TYPE",
    "SPECIALTY",
    "TYPE",
    "TRANSCRIPT_FORMAT",
    "PII_ENTITY_TYPES",
    "CALL_ANALYTICS_PII_ENTITY_TYPES",
    "PARTICIPANT_ROLE",
    "CONTENT_REDACTION_OUTPUT",
    "MEDICAL_SCRIBE_PARTICIPANT_ROLE",
    "MEDICAL_SCRIBE_NOTE_TEMPLATE",
    "SESSION_ID_HEADER",
    "SESSION_ID_PATTERN",
    "NAME_PATTERN",
    "validate_start_stream_transcription",
    "validate_start_medical_stream_transcription",
    "validate_start_call_analytics_stream_transcription",
    "validate_start_medical_scribe_stream",
    "STREAM_TOO_BIG",
    "check_audio_event_size",
]

# -- enumerations (§7.1, §7.2), in model order: messages list them so --------

_LANGUAGE_CODE_VALUES = tuple(
    """
    en-US en-GB es-US fr-CA fr-FR en-AU it-IT de-DE pt-BR ja-JP ko-KR zh-CN th-TH
    es-ES ar-SA pt-PT ca-ES ar-AE hi-IN zh-HK nl-NL no-NO sv-SE pl-PL fi-FI zh-TW
    en-IN en-IE en-NZ en-AB en-ZA en-WL de-CH af-ZA eu-ES hr-HR cs-CZ da-DK fa-IR
    gl-ES el-GR he-IL id-ID lv-LV ms-MY ro-RO ru-RU sr-RS sk-SK so-SO tl-PH uk-UA
    vi-VN zu-ZA am-ET be-BY bg-BG bn-IN bs-BA ckb-IQ ckb-IR cy-WL es-MX et-ET
    fa-AF gu-IN ht-HT hu-HU hy-AM is-IS jv-ID ka-GE kab-DZ kk-KZ km-KH kn-IN lg-IN
    lt-LT mk-MK ml-IN mr-IN my-MM ne-NP or-IN pa-IN ps-AF si-LK sl-SI sq-AL su-ID
    sw-BI sw-KE sw-RW sw-TZ sw-UG ta-IN te-IN tr-TR uz-UZ
    """.split()
)
_CALL_ANALYTICS_LANGUAGE_CODE_VALUES = (
    "en-US", "en-GB", "es-US", "fr-CA", "fr-FR", "en-AU", "it-IT", "de-DE", "pt-BR",
)
_MEDIA_ENCODING_VALUES = ("pcm", "ogg-opus", "flac", "g711-alaw", "g711-ulaw", "g729")
_MEDICAL_SCRIBE_MEDIA_ENCODING_VALUES = ("pcm", "ogg-opus", "flac")
_VOCABULARY_FILTER_METHOD_VALUES = ("remove", "mask", "tag")
_PARTIAL_RESULTS_STABILITY_VALUES = ("high", "medium", "low")
_PII_VALUES = ("PII",)
_SPECIALTY_VALUES = ("PRIMARYCARE", "CARDIOLOGY", "NEUROLOGY", "ONCOLOGY", "RADIOLOGY", "UROLOGY")
_TYPE_VALUES = ("CONVERSATION", "DICTATION")
_TRANSCRIPT_FORMAT_VALUES = ("spoken", "written")
_CALL_ANALYTICS_PII_ENTITY_TYPE_VALUES = (
    "ADDRESS", "BANK_ACCOUNT_NUMBER", "BANK_ROUTING", "CREDIT_DEBIT_CVV",
    "CREDIT_DEBIT_EXPIRY", "CREDIT_DEBIT_NUMBER", "EMAIL", "NAME", "PHONE", "PIN",
    "SSN", "ALL",
)
_PII_ENTITY_TYPE_VALUES = _CALL_ANALYTICS_PII_ENTITY_TYPE_VALUES[:-1] + (
    "AGE", "DATE_TIME", "LICENSE_PLATE", "PASSPORT_NUMBER", "PASSWORD", "USERNAME",
    "VEHICLE_IDENTIFICATION_NUMBER", "ALL",
)

#: ``LanguageCode``: standard streaming (and medical, which supports en-US only).
LANGUAGE_CODE = frozenset(_LANGUAGE_CODE_VALUES)
#: ``CallAnalyticsLanguageCode``.
CALL_ANALYTICS_LANGUAGE_CODE = frozenset(_CALL_ANALYTICS_LANGUAGE_CODE_VALUES)
#: ``MedicalScribeLanguageCode``.
MEDICAL_SCRIBE_LANGUAGE_CODE = frozenset(("en-US",))
#: ``MediaEncoding``: standard, medical and call analytics.
MEDIA_ENCODING = frozenset(_MEDIA_ENCODING_VALUES)
#: ``MedicalScribeMediaEncoding``.
MEDICAL_SCRIBE_MEDIA_ENCODING = frozenset(_MEDICAL_SCRIBE_MEDIA_ENCODING_VALUES)
#: ``VocabularyFilterMethod``.
VOCABULARY_FILTER_METHOD = frozenset(_VOCABULARY_FILTER_METHOD_VALUES)
#: ``PartialResultsStability``.
PARTIAL_RESULTS_STABILITY = frozenset(_PARTIAL_RESULTS_STABILITY_VALUES)
#: ``ContentIdentificationType``.
CONTENT_IDENTIFICATION_TYPE = frozenset(_PII_VALUES)
#: ``ContentRedactionType``.
CONTENT_REDACTION_TYPE = frozenset(_PII_VALUES)
#: ``MedicalContentIdentificationType``.
MEDICAL_CONTENT_IDENTIFICATION_TYPE = frozenset(("PHI",))
#: ``Specialty`` (medical).
SPECIALTY = frozenset(_SPECIALTY_VALUES)
#: ``Type`` (medical).
TYPE = frozenset(_TYPE_VALUES)
#: ``TranscriptFormat``.
TRANSCRIPT_FORMAT = frozenset(_TRANSCRIPT_FORMAT_VALUES)
#: The entity types a standard stream's ``PiiEntityTypes`` may list.
PII_ENTITY_TYPES = frozenset(_PII_ENTITY_TYPE_VALUES)
#: The entity types a call-analytics stream's ``PiiEntityTypes`` may list.
CALL_ANALYTICS_PII_ENTITY_TYPES = frozenset(_CALL_ANALYTICS_PII_ENTITY_TYPE_VALUES)

#: ``ParticipantRole`` (call analytics channel definitions).
PARTICIPANT_ROLE = frozenset(("AGENT", "CUSTOMER"))
#: ``ContentRedactionOutput`` (post-call analytics).
CONTENT_REDACTION_OUTPUT = frozenset(("redacted", "redacted_and_unredacted"))
#: ``MedicalScribeParticipantRole``.
MEDICAL_SCRIBE_PARTICIPANT_ROLE = frozenset(("PATIENT", "CLINICIAN"))
#: ``MedicalScribeNoteTemplate``.
MEDICAL_SCRIBE_NOTE_TEMPLATE = frozenset(
    ("HISTORY_AND_PHYSICAL", "GIRPP", "DAP", "SIRP", "BIRP", "BEHAVIORAL_SOAP", "PHYSICAL_SOAP")
)
#: The ``SessionId`` pattern (§7.3), also the GetMedicalScribeStream label's.
SESSION_ID_PATTERN = (
    r"^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$"
)

#: The header carrying the session id, always echoed.
SESSION_ID_HEADER = "x-amzn-transcribe-session-id"

_PREFIX = "x-amzn-transcribe-"
_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1
_INTEGER_RE = re.compile(r"[+-]?[0-9]+")

#: A parsed header value.
_Value = Union[str, int, bool]


# -- header table rows ---------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    """One request header of an operation: its member, type and constraints."""

    #: The model member, e.g. ``MediaSampleRateHertz``.
    member: str
    #: The header name without the common ``x-amzn-transcribe-`` prefix.
    suffix: str
    #: ``string``, ``integer``, ``boolean`` or ``enum``.
    kind: str
    required: bool = False
    values: Tuple[str, ...] = ()
    min_length: Optional[int] = None
    max_length: Optional[int] = None
    pattern: Optional[str] = None
    minimum: Optional[int] = None
    maximum: Optional[int] = None

    @functools.cached_property
    def name(self) -> str:
        """The header name."""
        return _PREFIX + self.suffix

    @property
    def path(self) -> str:
        """The member as AWS validation messages name it (lower camel case)."""
        return self.member[0].lower() + self.member[1:]


def _enum(member: str, suffix: str, values: Tuple[str, ...], *, required: bool = False) -> _Header:
    return _Header(member, suffix, "enum", required=required, values=values)


def _string(member: str, suffix: str, low: int, high: int, pattern: str) -> _Header:
    return _Header(member, suffix, "string", min_length=low, max_length=high, pattern=pattern)


def _flag(member: str, suffix: str) -> _Header:
    return _Header(member, suffix, "boolean")


#: The pattern of resource names (vocabularies, filters, language models).
NAME_PATTERN = r"^[0-9a-zA-Z._-]+$"
_NAMES_PATTERN = r"^[a-zA-Z0-9,-._]+$"

# Rows shared by several operations (§6.1–§6.4, constraints of §7.3).
_LANGUAGE_CODE = _enum("LanguageCode", "language-code", _LANGUAGE_CODE_VALUES)
_SAMPLE_RATE = _Header(
    "MediaSampleRateHertz", "sample-rate", "integer", required=True, minimum=8000, maximum=48000
)
_MEDIA_ENCODING = _enum("MediaEncoding", "media-encoding", _MEDIA_ENCODING_VALUES, required=True)
_VOCABULARY_NAME = _string("VocabularyName", "vocabulary-name", 1, 200, NAME_PATTERN)
_SESSION_ID = _string("SessionId", "session-id", 36, 36, SESSION_ID_PATTERN)
_VOCABULARY_FILTER_NAME = _string(
    "VocabularyFilterName", "vocabulary-filter-name", 1, 200, NAME_PATTERN
)
_VOCABULARY_FILTER_METHOD = _enum(
    "VocabularyFilterMethod", "vocabulary-filter-method", _VOCABULARY_FILTER_METHOD_VALUES
)
_SHOW_SPEAKER_LABEL = _flag("ShowSpeakerLabel", "show-speaker-label")
_ENABLE_CHANNEL_IDENTIFICATION = _flag(
    "EnableChannelIdentification", "enable-channel-identification"
)
_NUMBER_OF_CHANNELS = _Header("NumberOfChannels", "number-of-channels", "integer", minimum=2)
_ENABLE_PARTIAL_RESULTS_STABILIZATION = _flag(
    "EnablePartialResultsStabilization", "enable-partial-results-stabilization"
)
_PARTIAL_RESULTS_STABILITY = _enum(
    "PartialResultsStability", "partial-results-stability", _PARTIAL_RESULTS_STABILITY_VALUES
)
_CONTENT_IDENTIFICATION_TYPE = _enum(
    "ContentIdentificationType", "content-identification-type", _PII_VALUES
)
_CONTENT_REDACTION_TYPE = _enum("ContentRedactionType", "content-redaction-type", _PII_VALUES)
_PII_ENTITY_TYPES = _string("PiiEntityTypes", "pii-entity-types", 1, 300, r"^[A-Z_, ]+$")
_LANGUAGE_MODEL_NAME = _string("LanguageModelName", "language-model-name", 1, 200, NAME_PATTERN)
_IDENTIFY_LANGUAGE = _flag("IdentifyLanguage", "identify-language")
_LANGUAGE_OPTIONS = _string("LanguageOptions", "language-options", 1, 200, r"^[a-zA-Z-,]+$")
_PREFERRED_LANGUAGE = _enum("PreferredLanguage", "preferred-language", _LANGUAGE_CODE_VALUES)
_IDENTIFY_MULTIPLE_LANGUAGES = _flag("IdentifyMultipleLanguages", "identify-multiple-languages")
_VOCABULARY_NAMES = _string("VocabularyNames", "vocabulary-names", 1, 3000, _NAMES_PATTERN)
_VOCABULARY_FILTER_NAMES = _string(
    "VocabularyFilterNames", "vocabulary-filter-names", 1, 3000, _NAMES_PATTERN
)
# Documented as 1-300 minutes; the model has no range trait for it.
_SESSION_RESUME_WINDOW = _Header(
    "SessionResumeWindow", "session-resume-window", "integer", minimum=1, maximum=300
)
_TRANSCRIPT_FORMAT = _enum("TranscriptFormat", "transcript-format", _TRANSCRIPT_FORMAT_VALUES)

#: StartStreamTranscription's headers, in the order of the model (and of the echo).
_START_STREAM_TRANSCRIPTION = (
    _LANGUAGE_CODE,
    _SAMPLE_RATE,
    _MEDIA_ENCODING,
    _VOCABULARY_NAME,
    _SESSION_ID,
    _VOCABULARY_FILTER_NAME,
    _VOCABULARY_FILTER_METHOD,
    _SHOW_SPEAKER_LABEL,
    _ENABLE_CHANNEL_IDENTIFICATION,
    _NUMBER_OF_CHANNELS,
    _ENABLE_PARTIAL_RESULTS_STABILIZATION,
    _PARTIAL_RESULTS_STABILITY,
    _CONTENT_IDENTIFICATION_TYPE,
    _CONTENT_REDACTION_TYPE,
    _PII_ENTITY_TYPES,
    _LANGUAGE_MODEL_NAME,
    _IDENTIFY_LANGUAGE,
    _LANGUAGE_OPTIONS,
    _PREFERRED_LANGUAGE,
    _IDENTIFY_MULTIPLE_LANGUAGES,
    _VOCABULARY_NAMES,
    _VOCABULARY_FILTER_NAMES,
    _SESSION_RESUME_WINDOW,
    _TRANSCRIPT_FORMAT,
)


#: StartMedicalStreamTranscription's headers (§6.2), in model order.
_START_MEDICAL_STREAM_TRANSCRIPTION = (
    _enum("LanguageCode", "language-code", _LANGUAGE_CODE_VALUES, required=True),
    _SAMPLE_RATE,
    _MEDIA_ENCODING,
    _VOCABULARY_NAME,
    _enum("Specialty", "specialty", _SPECIALTY_VALUES, required=True),
    _enum("Type", "type", _TYPE_VALUES, required=True),
    _SHOW_SPEAKER_LABEL,
    _SESSION_ID,
    _ENABLE_CHANNEL_IDENTIFICATION,
    _NUMBER_OF_CHANNELS,
    _enum("ContentIdentificationType", "content-identification-type", ("PHI",)),
)

#: StartCallAnalyticsStreamTranscription's headers (§6.3), in model order.
_START_CALL_ANALYTICS_STREAM_TRANSCRIPTION = (
    _enum("LanguageCode", "language-code", _CALL_ANALYTICS_LANGUAGE_CODE_VALUES),
    _SAMPLE_RATE,
    _MEDIA_ENCODING,
    _VOCABULARY_NAME,
    _SESSION_ID,
    _VOCABULARY_FILTER_NAME,
    _VOCABULARY_FILTER_METHOD,
    _LANGUAGE_MODEL_NAME,
    _IDENTIFY_LANGUAGE,
    _LANGUAGE_OPTIONS,
    _enum("PreferredLanguage", "preferred-language", _CALL_ANALYTICS_LANGUAGE_CODE_VALUES),
    _VOCABULARY_NAMES,
    _VOCABULARY_FILTER_NAMES,
    _ENABLE_PARTIAL_RESULTS_STABILIZATION,
    _PARTIAL_RESULTS_STABILITY,
    _CONTENT_IDENTIFICATION_TYPE,
    _CONTENT_REDACTION_TYPE,
    _PII_ENTITY_TYPES,
)

#: StartMedicalScribeStream's headers (§6.4), in model order.
_START_MEDICAL_SCRIBE_STREAM = (
    _SESSION_ID,
    _enum("LanguageCode", "language-code", ("en-US",), required=True),
    _Header(
        "MediaSampleRateHertz", "sample-rate", "integer", required=True,
        minimum=16000, maximum=48000,
    ),
    _enum(
        "MediaEncoding", "media-encoding", _MEDICAL_SCRIBE_MEDIA_ENCODING_VALUES, required=True
    ),
)


# -- shared helpers ------------------------------------------------------------


class _Request:
    """An operation's headers, parsed and checked row by row."""

    def __init__(self, rows: Sequence[_Header], headers: Mapping[str, str]) -> None:
        self._rows = {row.member: row for row in rows}
        received = {name.lower(): value for name, value in headers.items()}
        self._values: Dict[str, _Value] = {}
        problems: List[str] = []
        for row in rows:
            raw = received.get(row.name)
            if raw is None:
                if row.required:
                    problems.append(
                        f"Value null at '{row.path}' failed to satisfy constraint: "
                        "Member must not be null"
                    )
                continue
            value = _parse(row, raw)
            problems.extend(_constraint_problems(row, value))
            self._values[row.member] = value
        if problems:
            count = len(problems)
            noun = "validation error" if count == 1 else "validation errors"
            raise bad_request(f"{count} {noun} detected: " + "; ".join(problems))

    def text(self, member: str) -> Optional[str]:
        """:returns: the value of a string or enum member, if it was sent."""
        value = self._values.get(member)
        assert value is None or isinstance(value, str)
        return value

    def number(self, member: str) -> Optional[int]:
        """:returns: the value of an integer member, if it was sent."""
        value = self._values.get(member)
        assert value is None or (isinstance(value, int) and not isinstance(value, bool))
        return value

    def flag(self, member: str) -> bool:
        """:returns: the value of a boolean member; absent is false."""
        return self._values.get(member) is True

    def header(self, member: str) -> str:
        """:returns: a member and its header, for messages."""
        return f"{member} ({self._rows[member].name})"

    def echo(self, session_id: str) -> List[Tuple[str, str]]:
        """:returns: every header that was sent, normalized, plus the session id."""
        echoed: List[Tuple[str, str]] = []
        for member, row in self._rows.items():
            if row is _SESSION_ID:
                echoed.append((SESSION_ID_HEADER, session_id))
                continue
            value = self._values.get(member)
            if value is None:
                continue
            if isinstance(value, bool):
                echoed.append((row.name, "true" if value else "false"))
            else:
                echoed.append((row.name, str(value)))
        return echoed


def _parse(row: _Header, raw: str) -> _Value:
    if row.kind == "boolean":
        lowered = raw.lower()
        # The old SDK sends Python's str(bool): True / False.
        if lowered not in ("true", "false"):
            raise bad_request(
                f"Header {row.name} must be true or false, got '{raw}'."
            )
        return lowered == "true"
    if row.kind == "integer":
        if not _INTEGER_RE.fullmatch(raw):
            raise bad_request(f"Header {row.name} must be an integer, got '{raw}'.")
        number = int(raw)
        if not _INT32_MIN <= number <= _INT32_MAX:
            raise bad_request(
                f"Header {row.name} must be a 32-bit integer, got '{raw}'."
            )
        return number
    return raw


def _constraint_problems(row: _Header, value: _Value) -> List[str]:
    lead = f"Value '{value}' at '{row.path}' failed to satisfy constraint: Member must"
    problems: List[str] = []
    if row.kind == "enum":
        if value not in row.values:
            problems.append(f"{lead} satisfy enum value set: [{', '.join(row.values)}]")
    elif row.kind == "integer":
        assert isinstance(value, int)
        if row.minimum is not None and value < row.minimum:
            problems.append(f"{lead} have value greater than or equal to {row.minimum}")
        if row.maximum is not None and value > row.maximum:
            problems.append(f"{lead} have value less than or equal to {row.maximum}")
    elif row.kind == "string":
        assert isinstance(value, str)
        if row.min_length is not None and len(value) < row.min_length:
            problems.append(f"{lead} have length greater than or equal to {row.min_length}")
        if row.max_length is not None and len(value) > row.max_length:
            problems.append(f"{lead} have length less than or equal to {row.max_length}")
        # An empty value is only a length problem, as AWS reports it.
        if value and row.pattern is not None and not re.fullmatch(row.pattern, value):
            problems.append(f"{lead} satisfy regular expression pattern: {row.pattern}")
    return problems


def _split_list(request: _Request, member: str) -> List[str]:
    """Split a comma-separated list member; an empty entry is an error."""
    text = request.text(member)
    if text is None:
        return []
    entries = [entry.strip() for entry in text.split(",")]
    if "" in entries:
        raise bad_request(f"{request.header(member)} has an empty entry: '{text}'.")
    return entries


def _check_language_identification(
    request: _Request, codes: frozenset[str], *, multiple: bool
) -> bool:
    """Rules 1-3 of §6.1: one way to choose the language, options, preference.

    :returns: whether the stream identifies its language.
    """
    chosen = [
        member
        for member, present in (
            ("LanguageCode", request.text("LanguageCode") is not None),
            ("IdentifyLanguage", request.flag("IdentifyLanguage")),
            ("IdentifyMultipleLanguages", multiple and request.flag("IdentifyMultipleLanguages")),
        )
        if present
    ]
    ways = "LanguageCode, IdentifyLanguage or IdentifyMultipleLanguages" if multiple else (
        "LanguageCode or IdentifyLanguage"
    )
    if not chosen:
        raise bad_request(
            f"The request must set one of {ways}: send {request.header('LanguageCode')}, "
            f"or set {request.header('IdentifyLanguage')} to true with LanguageOptions."
        )
    if len(chosen) > 1:
        raise bad_request(
            f"The request may set only one of {ways}, but it sets {' and '.join(chosen)}."
        )
    identifying = chosen[0] != "LanguageCode"
    options = _split_list(request, "LanguageOptions")
    if not identifying:
        if options:
            raise bad_request(
                f"{request.header('LanguageOptions')} can only be used when "
                "IdentifyLanguage or IdentifyMultipleLanguages is true."
            )
        if request.text("PreferredLanguage") is not None:
            raise bad_request(
                f"{request.header('PreferredLanguage')} can only be used when "
                "IdentifyLanguage is true, with LanguageOptions."
            )
        return False
    if len(options) < 2:
        raise bad_request(
            f"{chosen[0]} requires {request.header('LanguageOptions')} with at least "
            f"two language codes; got {len(options)}."
        )
    seen: Dict[str, str] = {}
    for code in options:
        if code not in codes:
            raise bad_request(
                f"LanguageOptions contains '{code}', which is not a supported language code."
            )
        language = code.split("-")[0]
        if language in seen:
            what = "more than once" if seen[language] == code else f"with {seen[language]}"
            raise bad_request(
                f"LanguageOptions may include only one dialect of each language, but it "
                f"lists {code} {what}."
            )
        seen[language] = code
    preferred = request.text("PreferredLanguage")
    if preferred is not None:
        if chosen[0] != "IdentifyLanguage":
            raise bad_request(
                f"{request.header('PreferredLanguage')} can only be used when "
                "IdentifyLanguage is true, with LanguageOptions."
            )
        if preferred not in options:
            raise bad_request(
                f"PreferredLanguage '{preferred}' must be one of the LanguageOptions "
                f"({', '.join(options)})."
            )
    return True


def _check_custom_vocabularies(request: _Request, identifying: bool) -> None:
    """Rule 4 of §6.1: single names for one language, lists with identification."""
    if not identifying:
        return
    for single, plural in (
        ("VocabularyName", "VocabularyNames"),
        ("VocabularyFilterName", "VocabularyFilterNames"),
    ):
        if request.text(single) is not None:
            raise bad_request(
                f"{request.header(single)} cannot be used with language identification; "
                f"use {request.header(plural)} instead."
            )


def _check_pii(request: _Request, allowed: Tuple[str, ...]) -> None:
    """Rule 5 of §6.1: identification or redaction, and the entity types."""
    identification = request.text("ContentIdentificationType") is not None
    redaction = request.text("ContentRedactionType") is not None
    if identification and redaction:
        raise bad_request(
            f"{request.header('ContentIdentificationType')} and "
            f"{request.header('ContentRedactionType')} cannot be used together; choose one."
        )
    if request.text("PiiEntityTypes") is None:
        return
    if not (identification or redaction):
        raise bad_request(
            f"{request.header('PiiEntityTypes')} requires ContentIdentificationType "
            "or ContentRedactionType."
        )
    for entity in _split_list(request, "PiiEntityTypes"):
        if entity not in allowed:
            raise bad_request(
                f"PiiEntityTypes contains '{entity}', which is not a PII entity type; "
                f"allowed: {', '.join(allowed)}."
            )


def _check_channels(request: _Request) -> bool:
    """Rule 6 of §6.1: channel identification needs two channels, and only then.

    :returns: whether channel identification is on.
    """
    enabled = request.flag("EnableChannelIdentification")
    channels = request.number("NumberOfChannels")
    if enabled and channels is None:
        raise bad_request(
            f"EnableChannelIdentification requires {request.header('NumberOfChannels')}."
        )
    if channels is not None and not enabled:
        raise bad_request(
            f"{request.header('NumberOfChannels')} requires "
            "EnableChannelIdentification set to true."
        )
    if channels is not None and channels != 2:
        raise bad_request(f"NumberOfChannels must be 2, got {channels}.")
    return enabled


def _check_identification_exclusions(request: _Request, identifying: bool) -> None:
    """Rule 7 of §6.1: no custom language model or redaction with identification."""
    if not identifying:
        return
    if request.text("LanguageModelName") is not None:
        raise bad_request(
            "Language identification cannot be combined with a custom language model "
            f"({request.header('LanguageModelName')})."
        )
    if request.text("ContentRedactionType") is not None:
        raise bad_request(
            "Language identification cannot be combined with content redaction "
            f"({request.header('ContentRedactionType')})."
        )


def _check_stability(request: _Request) -> None:
    """Rule 8 of §6.1: a stability level needs stabilization."""
    if request.text("PartialResultsStability") is not None and not request.flag(
        "EnablePartialResultsStabilization"
    ):
        raise bad_request(
            f"{request.header('PartialResultsStability')} requires "
            "EnablePartialResultsStabilization set to true."
        )


def _new_session_id() -> str:
    return str(uuid.uuid4())


# -- operations ----------------------------------------------------------------


def validate_start_stream_transcription(
    headers: Mapping[str, str],
    *,
    session_id_factory: Callable[[], str] = _new_session_id,
) -> Tuple[StreamSettings, List[Tuple[str, str]]]:
    """Validate a ``StartStreamTranscription`` request (PROTOCOL.md §6.1).

    :param headers: the request headers (names in any case; other headers
        are ignored).
    :param session_id_factory: makes the session id when the request has none.
    :returns: the stream settings, and the headers to echo in the response:
        every option header that was sent, normalized (booleans lowercase,
        integers in plain decimal), in model order, with
        ``x-amzn-transcribe-session-id`` always (the request id is not
        included: the server adds it).
    :raises ServiceError: ``BadRequestException`` naming the header and the
        problem: a malformed, missing or out-of-constraint header, or a
        cross-field rule broken.
    """
    request = _Request(_START_STREAM_TRANSCRIPTION, headers)
    identifying = _check_language_identification(request, LANGUAGE_CODE, multiple=True)
    _check_custom_vocabularies(request, identifying)
    _check_pii(request, _PII_ENTITY_TYPE_VALUES)
    channel_identification = _check_channels(request)
    _check_identification_exclusions(request, identifying)
    _check_stability(request)
    session_id = request.text("SessionId") or session_id_factory()
    media_encoding = request.text("MediaEncoding")
    sample_rate = request.number("MediaSampleRateHertz")
    assert media_encoding is not None and sample_rate is not None  # required rows
    settings = StreamSettings(
        operation="StartStreamTranscription",
        session_id=session_id,
        media_encoding=media_encoding,
        sample_rate=sample_rate,
        language_code=request.text("LanguageCode"),
        channels=2 if channel_identification else 1,
        channel_identification=channel_identification,
        show_speaker_label=request.flag("ShowSpeakerLabel"),
        partial_results_stabilization=request.flag("EnablePartialResultsStabilization"),
        headers=dict(headers),
    )
    return settings, request.echo(session_id)


def _settings(
    operation: str,
    request: _Request,
    headers: Mapping[str, str],
    session_id_factory: Callable[[], str],
    *,
    channel_identification: bool = False,
) -> Tuple[StreamSettings, List[Tuple[str, str]]]:
    """The settings and echo of a validated request (required rows are present)."""
    session_id = request.text("SessionId") or session_id_factory()
    media_encoding = request.text("MediaEncoding")
    sample_rate = request.number("MediaSampleRateHertz")
    assert media_encoding is not None and sample_rate is not None  # required rows
    settings = StreamSettings(
        operation=operation,
        session_id=session_id,
        media_encoding=media_encoding,
        sample_rate=sample_rate,
        language_code=request.text("LanguageCode"),
        channels=2 if channel_identification else 1,
        channel_identification=channel_identification,
        show_speaker_label=request.flag("ShowSpeakerLabel"),
        partial_results_stabilization=request.flag("EnablePartialResultsStabilization"),
        headers=dict(headers),
    )
    return settings, request.echo(session_id)


def validate_start_medical_stream_transcription(
    headers: Mapping[str, str],
    *,
    session_id_factory: Callable[[], str] = _new_session_id,
) -> Tuple[StreamSettings, List[Tuple[str, str]]]:
    """Validate a ``StartMedicalStreamTranscription`` request (PROTOCOL.md §6.2).

    Beyond the model's constraints, the documented limits of medical
    streaming apply: language ``en-US`` only, 16000-48000 Hz, ``pcm``,
    ``ogg-opus`` or ``flac``; and channel identification as in §6.1 rule 6.

    :param headers: the request headers (names in any case).
    :param session_id_factory: makes the session id when the request has none.
    :returns: the stream settings and the headers to echo (every header sent,
        normalized, in model order, and the session id).
    :raises ServiceError: ``BadRequestException`` naming the problem.
    """
    request = _Request(_START_MEDICAL_STREAM_TRANSCRIPTION, headers)
    language = request.text("LanguageCode")
    if language != "en-US":
        raise bad_request(
            f"Medical transcription supports only en-US; {request.header('LanguageCode')} "
            f"is '{language}'."
        )
    sample_rate = request.number("MediaSampleRateHertz")
    assert sample_rate is not None
    if not 16000 <= sample_rate <= 48000:
        raise bad_request(
            f"Medical transcription needs a sample rate from 16000 to 48000 Hz; "
            f"{request.header('MediaSampleRateHertz')} is {sample_rate}."
        )
    encoding = request.text("MediaEncoding")
    if encoding not in _MEDICAL_SCRIBE_MEDIA_ENCODING_VALUES:
        raise bad_request(
            f"Medical transcription supports the media encodings pcm, ogg-opus and flac; "
            f"{request.header('MediaEncoding')} is '{encoding}'."
        )
    channel_identification = _check_channels(request)
    return _settings(
        "StartMedicalStreamTranscription",
        request,
        headers,
        session_id_factory,
        channel_identification=channel_identification,
    )


def validate_start_call_analytics_stream_transcription(
    headers: Mapping[str, str],
    *,
    session_id_factory: Callable[[], str] = _new_session_id,
) -> Tuple[StreamSettings, List[Tuple[str, str]]]:
    """Validate a ``StartCallAnalyticsStreamTranscription`` request (PROTOCOL.md §6.3).

    The rules of §6.1 items 1-5, 7 and 8 apply, with ``LanguageCode`` versus
    ``IdentifyLanguage`` (no multi-language flag) and the call-analytics
    language codes and PII entity types. Channels come from the stream's
    ``ConfigurationEvent``, not from headers.

    :param headers: the request headers (names in any case).
    :param session_id_factory: makes the session id when the request has none.
    :returns: the stream settings and the headers to echo.
    :raises ServiceError: ``BadRequestException`` naming the problem.
    """
    request = _Request(_START_CALL_ANALYTICS_STREAM_TRANSCRIPTION, headers)
    identifying = _check_language_identification(
        request, CALL_ANALYTICS_LANGUAGE_CODE, multiple=False
    )
    _check_custom_vocabularies(request, identifying)
    _check_pii(request, _CALL_ANALYTICS_PII_ENTITY_TYPE_VALUES)
    _check_identification_exclusions(request, identifying)
    _check_stability(request)
    return _settings(
        "StartCallAnalyticsStreamTranscription", request, headers, session_id_factory
    )


def validate_start_medical_scribe_stream(
    headers: Mapping[str, str],
    *,
    session_id_factory: Callable[[], str] = _new_session_id,
) -> Tuple[StreamSettings, List[Tuple[str, str]]]:
    """Validate a ``StartMedicalScribeStream`` request (PROTOCOL.md §6.4).

    :param headers: the request headers (names in any case).
    :param session_id_factory: makes the session id when the request has none.
    :returns: the stream settings and the headers to echo (language code,
        sample rate, media encoding and session id).
    :raises ServiceError: ``BadRequestException`` naming the problem.
    """
    request = _Request(_START_MEDICAL_SCRIBE_STREAM, headers)
    return _settings("StartMedicalScribeStream", request, headers, session_id_factory)


#: The service's message for an audio event larger than it takes (as its
#: clients report it: aws-sdk-js-v3#6338, aws-sdk-java-v2#2550).
STREAM_TOO_BIG = "Your stream is too big. Reduce the frame size and try your request again."
#: The older documented limit of one audio event (PROTOCOL.md §11.2).
_AUDIO_EVENT_FLOOR = 32 * 1024
# Operations whose channel count only a ConfigurationEvent states.
_CHANNELS_BY_CONFIGURATION = frozenset(
    ("StartCallAnalyticsStreamTranscription", "StartMedicalScribeStream")
)


def check_audio_event_size(settings: StreamSettings, size: int) -> None:
    """Refuse an audio event the service would refuse as too big.

    The current documentation allows one second of audio per event, the
    older one 32 KB; the emulator refuses what exceeds both: more than
    32 KiB *and* more than one second of 16-bit audio at the stream's rate
    and channel count (two channels for the operations whose channels are
    defined in a configuration event), so that a client within either
    documented limit is never refused.

    :param settings: the stream's settings.
    :param size: the audio event's payload size in bytes.
    :raises ServiceError: ``BadRequestException`` with the service's message.
    """
    stereo_possible = settings.operation in _CHANNELS_BY_CONFIGURATION
    channels = max(settings.channels, 2 if stereo_possible else 1)
    limit = max(_AUDIO_EVENT_FLOOR, settings.sample_rate * 2 * channels)
    if size > limit:
        raise bad_request(STREAM_TOO_BIG)
