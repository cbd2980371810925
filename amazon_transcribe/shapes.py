"""The data shapes of standard streaming transcription, as the service models them.

These are the classes of ``amazon_transcribe.model`` in 0.6.4 (same names,
constructor parameters in the same order, same attributes), completed with
what the service sends that 0.6.4 dropped: language identification
(:class:`LanguageWithScore`, :attr:`Result.language_identification`) and the
response's language options. Enumerations are :class:`str` enums, so a plain
string compares equal to its member and is accepted wherever a member is;
values the SDK does not know yet are kept as plain strings, never refused.

Pure data: this module imports nothing but the standard library.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, AsyncIterable, Dict, List, Optional, Type, TypeVar, Union

__all__ = [
    "LanguageCode",
    "MediaEncoding",
    "VocabularyFilterMethod",
    "PartialResultsStability",
    "ContentIdentificationType",
    "ContentRedactionType",
    "ItemType",
    "TranscriptFormat",
    "AudioEvent",
    "Entity",
    "Item",
    "Alternative",
    "LanguageWithScore",
    "Result",
    "Transcript",
    "TranscriptEvent",
    "UnknownEvent",
    "StartStreamTranscriptionRequest",
    "StartStreamTranscriptionResponse",
]

_E = TypeVar("_E", bound=enum.Enum)
# Each enumeration's members by wire value (see _to_enum).
_MEMBERS: Dict[Any, Dict[Any, Any]] = {}


class _StrEnum(str, enum.Enum):
    """A string enumeration whose members are their wire values."""

    def __str__(self) -> str:
        return str(self.value)


def _to_enum(cls: Type[_E], value: Optional[str]) -> Union[_E, str, None]:
    """Return the member of ``cls`` for a wire value, or the value itself if unknown.

    :param cls: the enumeration.
    :param value: the value from the wire (or ``None``).
    :returns: the member, the unknown string unchanged, or ``None``.
    """
    if value is None:
        return None
    members = _MEMBERS.get(cls)
    if members is None:
        # A plain dict lookup: calling the enum class costs several times more,
        # and every word of every transcript event has an enumerated type.
        members = _MEMBERS[cls] = {member.value: member for member in cls}
    member: Optional[_E] = members.get(value)
    return value if member is None else member


class LanguageCode(_StrEnum):
    """Language codes of the service model (the service decides which stream)."""

    EN_US = "en-US"
    EN_GB = "en-GB"
    ES_US = "es-US"
    FR_CA = "fr-CA"
    FR_FR = "fr-FR"
    EN_AU = "en-AU"
    IT_IT = "it-IT"
    DE_DE = "de-DE"
    PT_BR = "pt-BR"
    JA_JP = "ja-JP"
    KO_KR = "ko-KR"
    ZH_CN = "zh-CN"
    TH_TH = "th-TH"
    ES_ES = "es-ES"
    AR_SA = "ar-SA"
    PT_PT = "pt-PT"
    CA_ES = "ca-ES"
    AR_AE = "ar-AE"
    HI_IN = "hi-IN"
    ZH_HK = "zh-HK"
    NL_NL = "nl-NL"
    NO_NO = "no-NO"
    SV_SE = "sv-SE"
    PL_PL = "pl-PL"
    FI_FI = "fi-FI"
    ZH_TW = "zh-TW"
    EN_IN = "en-IN"
    EN_IE = "en-IE"
    EN_NZ = "en-NZ"
    EN_AB = "en-AB"
    EN_ZA = "en-ZA"
    EN_WL = "en-WL"
    DE_CH = "de-CH"
    AF_ZA = "af-ZA"
    EU_ES = "eu-ES"
    HR_HR = "hr-HR"
    CS_CZ = "cs-CZ"
    DA_DK = "da-DK"
    FA_IR = "fa-IR"
    GL_ES = "gl-ES"
    EL_GR = "el-GR"
    HE_IL = "he-IL"
    ID_ID = "id-ID"
    LV_LV = "lv-LV"
    MS_MY = "ms-MY"
    RO_RO = "ro-RO"
    RU_RU = "ru-RU"
    SR_RS = "sr-RS"
    SK_SK = "sk-SK"
    SO_SO = "so-SO"
    TL_PH = "tl-PH"
    UK_UA = "uk-UA"
    VI_VN = "vi-VN"
    ZU_ZA = "zu-ZA"
    AM_ET = "am-ET"
    BE_BY = "be-BY"
    BG_BG = "bg-BG"
    BN_IN = "bn-IN"
    BS_BA = "bs-BA"
    CKB_IQ = "ckb-IQ"
    CKB_IR = "ckb-IR"
    CY_WL = "cy-WL"
    ES_MX = "es-MX"
    ET_ET = "et-ET"
    FA_AF = "fa-AF"
    GU_IN = "gu-IN"
    HT_HT = "ht-HT"
    HU_HU = "hu-HU"
    HY_AM = "hy-AM"
    IS_IS = "is-IS"
    JV_ID = "jv-ID"
    KA_GE = "ka-GE"
    KAB_DZ = "kab-DZ"
    KK_KZ = "kk-KZ"
    KM_KH = "km-KH"
    KN_IN = "kn-IN"
    LG_IN = "lg-IN"
    LT_LT = "lt-LT"
    MK_MK = "mk-MK"
    ML_IN = "ml-IN"
    MR_IN = "mr-IN"
    MY_MM = "my-MM"
    NE_NP = "ne-NP"
    OR_IN = "or-IN"
    PA_IN = "pa-IN"
    PS_AF = "ps-AF"
    SI_LK = "si-LK"
    SL_SI = "sl-SI"
    SQ_AL = "sq-AL"
    SU_ID = "su-ID"
    SW_BI = "sw-BI"
    SW_KE = "sw-KE"
    SW_RW = "sw-RW"
    SW_TZ = "sw-TZ"
    SW_UG = "sw-UG"
    TA_IN = "ta-IN"
    TE_IN = "te-IN"
    TR_TR = "tr-TR"
    UZ_UZ = "uz-UZ"


class MediaEncoding(_StrEnum):
    """How the audio is encoded."""

    PCM = "pcm"
    OGG_OPUS = "ogg-opus"
    FLAC = "flac"
    G711_ALAW = "g711-alaw"
    G711_ULAW = "g711-ulaw"
    G729 = "g729"


class VocabularyFilterMethod(_StrEnum):
    """What happens to words of a vocabulary filter."""

    REMOVE = "remove"
    MASK = "mask"
    TAG = "tag"


class PartialResultsStability(_StrEnum):
    """How stable partial results are with stabilization on."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ContentIdentificationType(_StrEnum):
    """Kinds of content to identify."""

    PII = "PII"


class ContentRedactionType(_StrEnum):
    """Kinds of content to redact."""

    PII = "PII"


class ItemType(_StrEnum):
    """Whether an item is a word or punctuation."""

    PRONUNCIATION = "pronunciation"
    PUNCTUATION = "punctuation"


class TranscriptFormat(_StrEnum):
    """Whether numbers and the like are written (``$50``) or spoken."""

    SPOKEN = "spoken"
    WRITTEN = "written"


class AudioEvent:
    """A chunk of audio to send.

    The attributes of 0.6.4's ``AudioEvent`` (an event-stream ``BaseEvent``)
    are kept: :attr:`payload`, :attr:`event` and :attr:`event_payload`.

    :param audio_chunk: the audio bytes, encoded as the stream declared;
        ``None`` is an empty chunk.
    """

    def __init__(self, audio_chunk: Optional[bytes] = None) -> None:
        #: The audio bytes (``b""`` for a ``None`` chunk).
        self.payload: bytes = b"" if audio_chunk is None else audio_chunk
        #: Whether the event has a payload member: ``None`` (unstated), as in 0.6.4.
        self.event_payload: Optional[bool] = None
        #: Always ``True``: this is an event of the input stream.
        self.event: bool = True

    @property
    def audio_chunk(self) -> bytes:
        """The audio bytes (``b""`` for a ``None`` chunk), as in 0.6.4."""
        return self.payload

    def __repr__(self) -> str:
        return f"AudioEvent(<{len(self.payload)} bytes>)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AudioEvent):
            return NotImplemented
        return bytes(self.payload) == bytes(other.payload)

    __hash__ = None  # type: ignore[assignment]


@dataclass
class Entity:
    """Personally identifiable information found in a transcript."""

    #: Start of the entity, in seconds from the start of the stream.
    start_time: Optional[float] = None
    #: End of the entity, in seconds.
    end_time: Optional[float] = None
    #: The category (``PII``).
    category: Optional[str] = None
    #: The words identified (or the redaction placeholder).
    content: Optional[str] = None
    #: Confidence, 0 to 1.
    confidence: Optional[float] = None
    #: The PII type, e.g. ``NAME``.
    entity_type: Optional[str] = None


@dataclass
class Item:
    """A word or a punctuation mark of an alternative."""

    #: Start, in seconds from the start of the stream.
    start_time: Optional[float] = None
    #: End, in seconds.
    end_time: Optional[float] = None
    #: :class:`ItemType` (a plain string if the service sent a new type).
    item_type: Union[ItemType, str, None] = None
    #: The word or mark (redacted form with redaction on).
    content: Optional[str] = None
    #: Whether the word matched a vocabulary filter.
    vocabulary_filter_match: Optional[bool] = None
    #: Speaker label, with speaker labels on.
    speaker: Optional[str] = None
    #: Confidence, 0 to 1.
    confidence: Optional[float] = None
    #: Whether the word will not change any more (stabilization on).
    stable: Optional[bool] = None


@dataclass
class Alternative:
    """One possible transcription of a result."""

    #: The text.
    transcript: Optional[str] = None
    #: Its words and punctuation.
    items: Optional[List[Item]] = None
    #: PII entities, with content identification or redaction on.
    entities: Optional[List[Entity]] = None


@dataclass
class LanguageWithScore:
    """A candidate language and how well it matches."""

    #: The language (a plain string if the service sent a new code).
    language_code: Union[LanguageCode, str, None] = None
    #: The score, 0 to 1.
    score: Optional[float] = None


@dataclass
class Result:
    """The transcription of one segment of audio, partial or final."""

    #: Identifies the segment; partials and the final share it.
    result_id: Optional[str] = None
    #: Start, in seconds from the start of the stream.
    start_time: Optional[float] = None
    #: End, in seconds.
    end_time: Optional[float] = None
    #: Whether more results for this segment will follow.
    is_partial: Optional[bool] = None
    #: Possible transcriptions, best first.
    alternatives: Optional[List[Alternative]] = None
    #: ``ch_0`` or ``ch_1`` with channel identification.
    channel_id: Optional[str] = None
    #: The language identified, with language identification.
    language_code: Union[LanguageCode, str, None] = None
    #: Candidate languages with scores, with language identification.
    language_identification: Optional[List[LanguageWithScore]] = None


@dataclass
class Transcript:
    """The results of a transcript event (the list may be empty)."""

    #: The results.
    results: Optional[List[Result]] = None


@dataclass
class TranscriptEvent:
    """An event of the output stream carrying a transcript."""

    #: The transcript.
    transcript: Optional[Transcript] = None


@dataclass
class UnknownEvent:
    """An output event of a type this SDK does not know.

    The service may add event types; they are handed over as they came,
    never dropped or turned into ``None``.
    """

    #: The ``:event-type`` header.
    event_type: str
    #: The raw payload.
    payload: bytes = b""
    #: All headers of the message.
    headers: Dict[str, Any] = field(default_factory=dict)


@dataclass
class StartStreamTranscriptionRequest:
    """The options of a StartStreamTranscription call.

    The first 22 parameters are those of 0.6.4, in its order.
    """

    language_code: Union[LanguageCode, str, None] = None
    media_sample_rate_hz: Optional[int] = None
    media_encoding: Union[MediaEncoding, str, None] = None
    vocabulary_name: Optional[str] = None
    vocabulary_names: Optional[List[str]] = None
    session_id: Optional[str] = None
    vocab_filter_method: Union[VocabularyFilterMethod, str, None] = None
    vocab_filter_name: Optional[str] = None
    vocab_filter_names: Optional[List[str]] = None
    show_speaker_label: Optional[bool] = None
    enable_channel_identification: Optional[bool] = None
    number_of_channels: Optional[int] = None
    enable_partial_results_stabilization: Optional[bool] = None
    partial_results_stability: Union[PartialResultsStability, str, None] = None
    language_model_name: Optional[str] = None
    identify_language: Optional[bool] = None
    preferred_language: Union[LanguageCode, str, None] = None
    identify_multiple_languages: Optional[bool] = False
    language_options: Optional[List[str]] = None
    pii_entity_types: Optional[str] = None
    content_redaction_type: Union[ContentRedactionType, str, None] = None
    content_identification_type: Union[ContentIdentificationType, str, None] = None
    # Added after 0.6.4 (newer service members).
    session_resume_window: Optional[int] = None
    transcript_format: Union[TranscriptFormat, str, None] = None


@dataclass
class StartStreamTranscriptionResponse:
    """What the service answered: the effective settings, and the event stream.

    The parameters up to ``content_identification_type`` are those of 0.6.4,
    in its order.
    """

    #: The output event stream (a
    #: :class:`~amazon_transcribe.streams.TranscriptResultStream`).
    transcript_result_stream: AsyncIterable[Union[TranscriptEvent, UnknownEvent]]
    request_id: Optional[str] = None
    language_code: Union[LanguageCode, str, None] = None
    media_sample_rate_hz: Optional[int] = None
    media_encoding: Union[MediaEncoding, str, None] = None
    vocabulary_name: Optional[str] = None
    vocabulary_names: Optional[List[str]] = None
    session_id: Optional[str] = None
    vocab_filter_name: Optional[str] = None
    vocab_filter_method: Union[VocabularyFilterMethod, str, None] = None
    show_speaker_label: Optional[bool] = None
    enable_channel_identification: Optional[bool] = None
    number_of_channels: Optional[int] = None
    enable_partial_results_stabilization: Optional[bool] = None
    partial_results_stability: Union[PartialResultsStability, str, None] = None
    language_model_name: Optional[str] = None
    pii_entity_types: Optional[str] = None
    content_redaction_type: Union[ContentRedactionType, str, None] = None
    content_identification_type: Union[ContentIdentificationType, str, None] = None
    # Added after 0.6.4: what the service echoes that 0.6.4 dropped.
    vocab_filter_names: Optional[List[str]] = None
    identify_language: Optional[bool] = None
    identify_multiple_languages: Optional[bool] = None
    language_options: Optional[List[str]] = None
    preferred_language: Union[LanguageCode, str, None] = None
    session_resume_window: Optional[int] = None
    transcript_format: Union[TranscriptFormat, str, None] = None
