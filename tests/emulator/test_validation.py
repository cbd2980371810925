"""StartStreamTranscription request validation (PROTOCOL.md §6.1, §7): every
header's type and constraint, cross-field rules 1-8, settings and echo."""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Tuple

import pytest

from amazon_transcribe.emulator.engine import StreamSettings
from amazon_transcribe.emulator.errors import ServiceError
from amazon_transcribe.emulator._validation import (
    CALL_ANALYTICS_LANGUAGE_CODE,
    LANGUAGE_CODE,
    MEDIA_ENCODING,
    PII_ENTITY_TYPES,
    validate_start_stream_transcription,
)

SESSION = "0f8fad5b-d9cb-469f-a165-70867728950e"
GENERATED = "11111111-2222-4333-8444-555555555555"
P = "x-amzn-transcribe-"


def request(changes: Optional[Mapping[str, Optional[str]]] = None) -> Dict[str, str]:
    """A minimal valid request with ``changes`` applied (suffix -> value; None removes)."""
    headers = {P + "language-code": "en-US", P + "media-encoding": "pcm", P + "sample-rate": "16000"}
    for suffix, value in (changes or {}).items():
        if value is None:
            headers.pop(P + suffix, None)
        else:
            headers[P + suffix] = value
    return headers


def validate(headers: Mapping[str, str]) -> Tuple[StreamSettings, List[Tuple[str, str]]]:
    return validate_start_stream_transcription(headers, session_id_factory=lambda: GENERATED)


def rejection(headers: Mapping[str, str]) -> str:
    with pytest.raises(ServiceError) as info:
        validate(headers)
    assert (info.value.error_type, info.value.status) == ("BadRequestException", 400)
    return info.value.message


def one_error(value: str, path: str, constraint: str) -> str:
    return (
        f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy "
        f"constraint: Member must {constraint}"
    )


def edits(values: Dict[str, Optional[str]]) -> Dict[str, Optional[str]]:
    """Type a literal of header changes (suffix -> value, None removes)."""
    return values


IDENTIFY = {"language-code": None, "identify-language": "true", "language-options": "en-US,de-DE"}
IDENTIFY_MULTI = {
    "language-code": None, "identify-multiple-languages": "true", "language-options": "en-US,de-DE"
}

# -- accepted requests ---------------------------------------------------------

ACCEPTED: List[Tuple[str, Dict[str, Optional[str]]]] = [
    ("minimal", {}),
    ("sample-rate-8000", {"sample-rate": "8000"}),
    ("sample-rate-48000", {"sample-rate": "48000"}),
    ("sample-rate-plus-sign", {"sample-rate": "+16000"}),
    *[(f"encoding-{encoding}", edits({"media-encoding": encoding}))
      for encoding in sorted(MEDIA_ENCODING)],
    ("language-last-in-model", {"language-code": "uz-UZ"}),
    ("language-three-letters", {"language-code": "ckb-IQ"}),
    ("vocabulary-name", {"vocabulary-name": "My.vocab_1-x"}),
    ("vocabulary-name-200", {"vocabulary-name": "v" * 200}),
    ("session-id", {"session-id": SESSION}),
    ("session-id-uppercase", {"session-id": SESSION.upper()}),
    ("vocabulary-filter", {"vocabulary-filter-name": "f", "vocabulary-filter-method": "mask"}),
    ("filter-method-remove", {"vocabulary-filter-method": "remove"}),
    ("filter-method-tag", {"vocabulary-filter-method": "tag"}),
    ("speaker-label-true", {"show-speaker-label": "true"}),
    ("speaker-label-True", {"show-speaker-label": "True"}),
    ("speaker-label-TRUE", {"show-speaker-label": "TRUE"}),
    ("speaker-label-False", {"show-speaker-label": "False"}),
    ("channels", {"enable-channel-identification": "true", "number-of-channels": "2"}),
    ("channels-old-sdk-spelling", {"enable-channel-identification": "True", "number-of-channels": "2"}),
    ("channel-identification-false", {"enable-channel-identification": "false"}),
    ("stabilization", {"enable-partial-results-stabilization": "true"}),
    *[
        (f"stability-{level}", edits({"enable-partial-results-stabilization": "true",
                                        "partial-results-stability": level}))
        for level in ("high", "medium", "low")
    ],
    ("content-identification", {"content-identification-type": "PII"}),
    ("content-redaction", {"content-redaction-type": "PII"}),
    ("pii-types", {"content-redaction-type": "PII", "pii-entity-types": "NAME,SSN,ADDRESS"}),
    ("pii-types-spaces", {"content-identification-type": "PII", "pii-entity-types": "NAME, SSN"}),
    ("pii-types-all", {"content-redaction-type": "PII", "pii-entity-types": "ALL"}),
    ("pii-types-newer", {"content-redaction-type": "PII",
                         "pii-entity-types": "AGE,DATE_TIME,VEHICLE_IDENTIFICATION_NUMBER"}),
    ("language-model", {"language-model-name": "my-model"}),
    ("identify-language", IDENTIFY),
    ("identify-language-True", {**IDENTIFY, "identify-language": "True"}),
    ("identify-language-five-options",
     {**IDENTIFY, "language-options": "en-US,de-DE,fr-FR,es-ES,it-IT,ja-JP"}),
    ("identify-multiple", IDENTIFY_MULTI),
    ("preferred-language", {**IDENTIFY, "preferred-language": "de-DE"}),
    ("identify-with-vocabulary-lists",
     {**IDENTIFY, "vocabulary-names": "a,b.c,d-e", "vocabulary-filter-names": "f_1,g"}),
    ("identify-with-pii-identification", {**IDENTIFY, "content-identification-type": "PII"}),
    ("vocabulary-lists-single-language", {"vocabulary-names": "a,b"}),
    ("new-sdk-false-flags", {
        "show-speaker-label": "false", "enable-channel-identification": "false",
        "enable-partial-results-stabilization": "false", "identify-language": "false",
        "identify-multiple-languages": "false",
    }),
    ("identify-language-with-false-multi", {**IDENTIFY, "identify-multiple-languages": "false"}),
    ("resume-window-1", {"session-resume-window": "1"}),
    ("resume-window-300", {"session-resume-window": "300"}),
    ("transcript-format-spoken", {"transcript-format": "spoken"}),
    ("transcript-format-written", {"transcript-format": "written"}),
]


@pytest.mark.parametrize("changes", [c for _, c in ACCEPTED], ids=[i for i, _ in ACCEPTED])
def test_accepted(changes: Dict[str, Optional[str]]) -> None:
    settings, echo = validate(request(changes))
    assert settings.operation == "StartStreamTranscription"
    assert dict(echo)[P + "session-id"] in (SESSION, SESSION.upper(), GENERATED)


# -- rejected requests ---------------------------------------------------------

NAME_PATTERN = "^[0-9a-zA-Z._-]+$"
REJECTED: List[Tuple[str, Dict[str, Optional[str]], str]] = [
    # Required members.
    ("no-sample-rate", {"sample-rate": None},
     "1 validation error detected: Value null at 'mediaSampleRateHertz' failed to satisfy "
     "constraint: Member must not be null"),
    ("no-encoding-no-rate", {"sample-rate": None, "media-encoding": None},
     "2 validation errors detected: Value null at 'mediaSampleRateHertz' failed to satisfy "
     "constraint: Member must not be null; Value null at 'mediaEncoding' failed to satisfy "
     "constraint: Member must not be null"),
    # Integers.
    ("sample-rate-7999", {"sample-rate": "7999"},
     one_error("7999", "mediaSampleRateHertz", "have value greater than or equal to 8000")),
    ("sample-rate-48001", {"sample-rate": "48001"},
     one_error("48001", "mediaSampleRateHertz", "have value less than or equal to 48000")),
    ("sample-rate-negative", {"sample-rate": "-16000"},
     one_error("-16000", "mediaSampleRateHertz", "have value greater than or equal to 8000")),
    ("sample-rate-text", {"sample-rate": "16k"},
     "Header x-amzn-transcribe-sample-rate must be an integer, got '16k'."),
    ("sample-rate-float", {"sample-rate": "16000.0"},
     "Header x-amzn-transcribe-sample-rate must be an integer, got '16000.0'."),
    ("sample-rate-empty", {"sample-rate": ""},
     "Header x-amzn-transcribe-sample-rate must be an integer, got ''."),
    ("sample-rate-underscore", {"sample-rate": "16_000"},
     "Header x-amzn-transcribe-sample-rate must be an integer, got '16_000'."),
    ("sample-rate-over-int32", {"sample-rate": "2147483648"},
     "Header x-amzn-transcribe-sample-rate must be a 32-bit integer, got '2147483648'."),
    ("channels-1", {"enable-channel-identification": "true", "number-of-channels": "1"},
     one_error("1", "numberOfChannels", "have value greater than or equal to 2")),
    ("resume-window-0", {"session-resume-window": "0"},
     one_error("0", "sessionResumeWindow", "have value greater than or equal to 1")),
    ("resume-window-301", {"session-resume-window": "301"},
     one_error("301", "sessionResumeWindow", "have value less than or equal to 300")),
    # Enums.
    ("encoding-uppercase", {"media-encoding": "PCM"},
     one_error("PCM", "mediaEncoding", "satisfy enum value set: "
               "[pcm, ogg-opus, flac, g711-alaw, g711-ulaw, g729]")),
    ("encoding-wav", {"media-encoding": "wav"},
     one_error("wav", "mediaEncoding", "satisfy enum value set: "
               "[pcm, ogg-opus, flac, g711-alaw, g711-ulaw, g729]")),
    ("filter-method", {"vocabulary-filter-method": "drop"},
     one_error("drop", "vocabularyFilterMethod", "satisfy enum value set: [remove, mask, tag]")),
    ("stability", {"enable-partial-results-stabilization": "true",
                   "partial-results-stability": "HIGH"},
     one_error("HIGH", "partialResultsStability", "satisfy enum value set: [high, medium, low]")),
    ("identification-type", {"content-identification-type": "PHI"},
     one_error("PHI", "contentIdentificationType", "satisfy enum value set: [PII]")),
    ("redaction-type", {"content-redaction-type": "pii"},
     one_error("pii", "contentRedactionType", "satisfy enum value set: [PII]")),
    ("transcript-format", {"transcript-format": "Written"},
     one_error("Written", "transcriptFormat", "satisfy enum value set: [spoken, written]")),
    # Booleans.
    ("speaker-label-yes", {"show-speaker-label": "yes"},
     "Header x-amzn-transcribe-show-speaker-label must be true or false, got 'yes'."),
    ("speaker-label-1", {"show-speaker-label": "1"},
     "Header x-amzn-transcribe-show-speaker-label must be true or false, got '1'."),
    ("identify-empty", {"identify-language": ""},
     "Header x-amzn-transcribe-identify-language must be true or false, got ''."),
    # Strings: length and pattern.
    ("vocabulary-name-empty", {"vocabulary-name": ""},
     one_error("", "vocabularyName", "have length greater than or equal to 1")),
    ("vocabulary-name-201", {"vocabulary-name": "v" * 201},
     one_error("v" * 201, "vocabularyName", "have length less than or equal to 200")),
    ("vocabulary-name-space", {"vocabulary-name": "my vocab"},
     one_error("my vocab", "vocabularyName", f"satisfy regular expression pattern: {NAME_PATTERN}")),
    ("filter-name-slash", {"vocabulary-filter-name": "a/b"},
     one_error("a/b", "vocabularyFilterName", f"satisfy regular expression pattern: {NAME_PATTERN}")),
    ("model-name-colon", {"language-model-name": "a:b"},
     one_error("a:b", "languageModelName", f"satisfy regular expression pattern: {NAME_PATTERN}")),
    ("session-id-short", {"session-id": "abc"},
     "2 validation errors detected: Value 'abc' at 'sessionId' failed to satisfy constraint: "
     "Member must have length greater than or equal to 36; Value 'abc' at 'sessionId' failed "
     "to satisfy constraint: Member must satisfy regular expression pattern: "
     "^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$"),
    ("session-id-not-hex", {"session-id": SESSION.replace("f", "g")},
     one_error(SESSION.replace("f", "g"), "sessionId", "satisfy regular expression pattern: "
               "^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$")),
    ("session-id-braces", {"session-id": "{" + SESSION + "}"},
     "2 validation errors detected: Value '{" + SESSION + "}' at 'sessionId' failed to satisfy "
     "constraint: Member must have length less than or equal to 36; Value '{" + SESSION + "}' "
     "at 'sessionId' failed to satisfy constraint: Member must satisfy regular expression "
     "pattern: ^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$"),
    ("pii-types-lowercase", {"content-redaction-type": "PII", "pii-entity-types": "name"},
     one_error("name", "piiEntityTypes", "satisfy regular expression pattern: ^[A-Z_, ]+$")),
    ("pii-types-301", {"content-redaction-type": "PII", "pii-entity-types": "A" * 301},
     one_error("A" * 301, "piiEntityTypes", "have length less than or equal to 300")),
    ("language-options-space", {**IDENTIFY, "language-options": "en-US, de-DE"},
     one_error("en-US, de-DE", "languageOptions",
               "satisfy regular expression pattern: ^[a-zA-Z-,]+$")),
    ("vocabulary-names-slash", {**IDENTIFY, "vocabulary-names": "a/b"},
     one_error("a/b", "vocabularyNames", "satisfy regular expression pattern: ^[a-zA-Z0-9,-._]+$")),
    ("vocabulary-filter-names-3001", {**IDENTIFY, "vocabulary-filter-names": "a" * 3001},
     one_error("a" * 3001, "vocabularyFilterNames", "have length less than or equal to 3000")),
    ("language-code-unknown", {"language-code": "en-us"},
     one_error("en-us", "languageCode", "satisfy enum value set: [" + ", ".join(
         "en-US en-GB es-US fr-CA fr-FR en-AU it-IT de-DE pt-BR ja-JP ko-KR zh-CN th-TH es-ES "
         "ar-SA pt-PT ca-ES ar-AE hi-IN zh-HK nl-NL no-NO sv-SE pl-PL fi-FI zh-TW en-IN en-IE "
         "en-NZ en-AB en-ZA en-WL de-CH af-ZA eu-ES hr-HR cs-CZ da-DK fa-IR gl-ES el-GR he-IL "
         "id-ID lv-LV ms-MY ro-RO ru-RU sr-RS sk-SK so-SO tl-PH uk-UA vi-VN zu-ZA am-ET be-BY "
         "bg-BG bn-IN bs-BA ckb-IQ ckb-IR cy-WL es-MX et-ET fa-AF gu-IN ht-HT hu-HU hy-AM "
         "is-IS jv-ID ka-GE kab-DZ kk-KZ km-KH kn-IN lg-IN lt-LT mk-MK ml-IN mr-IN my-MM "
         "ne-NP or-IN pa-IN ps-AF si-LK sl-SI sq-AL su-ID sw-BI sw-KE sw-RW sw-TZ sw-UG "
         "ta-IN te-IN tr-TR uz-UZ".split()) + "]")),
    ("several-field-errors", {"sample-rate": "1", "media-encoding": "mp3", "vocabulary-name": ""},
     "3 validation errors detected: Value '1' at 'mediaSampleRateHertz' failed to satisfy "
     "constraint: Member must have value greater than or equal to 8000; Value 'mp3' at "
     "'mediaEncoding' failed to satisfy constraint: Member must satisfy enum value set: "
     "[pcm, ogg-opus, flac, g711-alaw, g711-ulaw, g729]; Value '' at 'vocabularyName' failed "
     "to satisfy constraint: Member must have length greater than or equal to 1"),
    # Rule 1: exactly one way to choose the language.
    ("rule1-none", {"language-code": None},
     "The request must set one of LanguageCode, IdentifyLanguage or IdentifyMultipleLanguages: "
     "send LanguageCode (x-amzn-transcribe-language-code), or set IdentifyLanguage "
     "(x-amzn-transcribe-identify-language) to true with LanguageOptions."),
    ("rule1-none-false-flags",
     {"language-code": None, "identify-language": "false", "identify-multiple-languages": "False"},
     "The request must set one of LanguageCode, IdentifyLanguage or IdentifyMultipleLanguages: "
     "send LanguageCode (x-amzn-transcribe-language-code), or set IdentifyLanguage "
     "(x-amzn-transcribe-identify-language) to true with LanguageOptions."),
    ("rule1-code-and-identify", {**IDENTIFY, "language-code": "en-US"},
     "The request may set only one of LanguageCode, IdentifyLanguage or "
     "IdentifyMultipleLanguages, but it sets LanguageCode and IdentifyLanguage."),
    ("rule1-both-identify", {**IDENTIFY, "identify-multiple-languages": "true"},
     "The request may set only one of LanguageCode, IdentifyLanguage or "
     "IdentifyMultipleLanguages, but it sets IdentifyLanguage and IdentifyMultipleLanguages."),
    # Rule 2: language options.
    ("rule2-no-options", {**IDENTIFY, "language-options": None},
     "IdentifyLanguage requires LanguageOptions (x-amzn-transcribe-language-options) with at "
     "least two language codes; got 0."),
    ("rule2-one-option", {**IDENTIFY_MULTI, "language-options": "en-US"},
     "IdentifyMultipleLanguages requires LanguageOptions (x-amzn-transcribe-language-options) "
     "with at least two language codes; got 1."),
    ("rule2-unknown-option", {**IDENTIFY, "language-options": "en-US,xx-XX"},
     "LanguageOptions contains 'xx-XX', which is not a supported language code."),
    ("rule2-two-dialects", {**IDENTIFY, "language-options": "en-US,de-DE,en-AU"},
     "LanguageOptions may include only one dialect of each language, but it lists en-AU "
     "with en-US."),
    ("rule2-duplicate", {**IDENTIFY, "language-options": "en-US,en-US"},
     "LanguageOptions may include only one dialect of each language, but it lists en-US "
     "more than once."),
    ("rule2-empty-entry", {**IDENTIFY, "language-options": "en-US,,de-DE"},
     "LanguageOptions (x-amzn-transcribe-language-options) has an empty entry: "
     "'en-US,,de-DE'."),
    ("rule2-options-without-identify", {"language-options": "en-US,de-DE"},
     "LanguageOptions (x-amzn-transcribe-language-options) can only be used when "
     "IdentifyLanguage or IdentifyMultipleLanguages is true."),
    # Rule 3: preferred language.
    ("rule3-preferred-without-identify", {"preferred-language": "en-US"},
     "PreferredLanguage (x-amzn-transcribe-preferred-language) can only be used when "
     "IdentifyLanguage is true, with LanguageOptions."),
    ("rule3-preferred-with-multiple", {**IDENTIFY_MULTI, "preferred-language": "en-US"},
     "PreferredLanguage (x-amzn-transcribe-preferred-language) can only be used when "
     "IdentifyLanguage is true, with LanguageOptions."),
    ("rule3-preferred-not-an-option", {**IDENTIFY, "preferred-language": "fr-FR"},
     "PreferredLanguage 'fr-FR' must be one of the LanguageOptions (en-US, de-DE)."),
    # Rule 4: single-language vocabulary names.
    ("rule4-vocabulary-name", {**IDENTIFY, "vocabulary-name": "v"},
     "VocabularyName (x-amzn-transcribe-vocabulary-name) cannot be used with language "
     "identification; use VocabularyNames (x-amzn-transcribe-vocabulary-names) instead."),
    ("rule4-filter-name", {**IDENTIFY_MULTI, "vocabulary-filter-name": "f"},
     "VocabularyFilterName (x-amzn-transcribe-vocabulary-filter-name) cannot be used with "
     "language identification; use VocabularyFilterNames "
     "(x-amzn-transcribe-vocabulary-filter-names) instead."),
    # Rule 5: PII.
    ("rule5-both-types", {"content-identification-type": "PII", "content-redaction-type": "PII"},
     "ContentIdentificationType (x-amzn-transcribe-content-identification-type) and "
     "ContentRedactionType (x-amzn-transcribe-content-redaction-type) cannot be used "
     "together; choose one."),
    ("rule5-types-alone", {"pii-entity-types": "NAME"},
     "PiiEntityTypes (x-amzn-transcribe-pii-entity-types) requires ContentIdentificationType "
     "or ContentRedactionType."),
    ("rule5-unknown-type", {"content-redaction-type": "PII", "pii-entity-types": "NAME,FOO"},
     "PiiEntityTypes contains 'FOO', which is not a PII entity type; allowed: ADDRESS, "
     "BANK_ACCOUNT_NUMBER, BANK_ROUTING, CREDIT_DEBIT_CVV, CREDIT_DEBIT_EXPIRY, "
     "CREDIT_DEBIT_NUMBER, EMAIL, NAME, PHONE, PIN, SSN, AGE, DATE_TIME, LICENSE_PLATE, "
     "PASSPORT_NUMBER, PASSWORD, USERNAME, VEHICLE_IDENTIFICATION_NUMBER, ALL."),
    ("rule5-empty-type", {"content-redaction-type": "PII", "pii-entity-types": "NAME,,SSN"},
     "PiiEntityTypes (x-amzn-transcribe-pii-entity-types) has an empty entry: 'NAME,,SSN'."),
    # Rule 6: channels.
    ("rule6-identification-without-count", {"enable-channel-identification": "true"},
     "EnableChannelIdentification requires NumberOfChannels "
     "(x-amzn-transcribe-number-of-channels)."),
    ("rule6-count-without-identification", {"number-of-channels": "2"},
     "NumberOfChannels (x-amzn-transcribe-number-of-channels) requires "
     "EnableChannelIdentification set to true."),
    ("rule6-count-with-false", {"number-of-channels": "2", "enable-channel-identification": "false"},
     "NumberOfChannels (x-amzn-transcribe-number-of-channels) requires "
     "EnableChannelIdentification set to true."),
    ("rule6-three-channels", {"enable-channel-identification": "true", "number-of-channels": "3"},
     "NumberOfChannels must be 2, got 3."),
    # Rule 7: language identification exclusions.
    ("rule7-language-model", {**IDENTIFY, "language-model-name": "m"},
     "Language identification cannot be combined with a custom language model "
     "(LanguageModelName (x-amzn-transcribe-language-model-name))."),
    ("rule7-redaction", {**IDENTIFY_MULTI, "content-redaction-type": "PII"},
     "Language identification cannot be combined with content redaction "
     "(ContentRedactionType (x-amzn-transcribe-content-redaction-type))."),
    # Rule 8: stability needs stabilization.
    ("rule8-stability-alone", {"partial-results-stability": "high"},
     "PartialResultsStability (x-amzn-transcribe-partial-results-stability) requires "
     "EnablePartialResultsStabilization set to true."),
    ("rule8-stability-with-false", {"partial-results-stability": "low",
                                    "enable-partial-results-stabilization": "False"},
     "PartialResultsStability (x-amzn-transcribe-partial-results-stability) requires "
     "EnablePartialResultsStabilization set to true."),
]


@pytest.mark.parametrize(
    "changes, message", [(c, m) for _, c, m in REJECTED], ids=[i for i, _, _ in REJECTED]
)
def test_rejected(changes: Dict[str, Optional[str]], message: str) -> None:
    assert rejection(request(changes)) == message


# -- settings and echo -----------------------------------------------------------


def test_minimal_request_settings_and_echo() -> None:
    headers = request()
    settings, echo = validate(headers)
    assert settings == StreamSettings(
        operation="StartStreamTranscription",
        session_id=GENERATED,
        media_encoding="pcm",
        sample_rate=16000,
        language_code="en-US",
        channels=1,
        channel_identification=False,
        show_speaker_label=False,
        partial_results_stabilization=False,
        headers=headers,
    )
    assert echo == [
        (P + "language-code", "en-US"),
        (P + "sample-rate", "16000"),
        (P + "media-encoding", "pcm"),
        (P + "session-id", GENERATED),
    ]


def test_full_request_echo_is_normalized_and_in_model_order() -> None:
    headers = request({
        "sample-rate": "+8000",
        "session-id": SESSION,
        "vocabulary-name": "v",
        "vocabulary-filter-name": "f",
        "vocabulary-filter-method": "tag",
        "show-speaker-label": "True",
        "enable-channel-identification": "TRUE",
        "number-of-channels": "02",
        "enable-partial-results-stabilization": "true",
        "partial-results-stability": "medium",
        "content-redaction-type": "PII",
        "pii-entity-types": "NAME,SSN",
        "language-model-name": "m",
        "identify-language": "False",
        "identify-multiple-languages": "false",
        "vocabulary-names": "a,b",
        "vocabulary-filter-names": "c",
        "session-resume-window": "60",
        "transcript-format": "spoken",
    })
    headers["user-agent"] = "ignored"
    settings, echo = validate(headers)
    assert echo == [
        (P + "language-code", "en-US"),
        (P + "sample-rate", "8000"),
        (P + "media-encoding", "pcm"),
        (P + "vocabulary-name", "v"),
        (P + "session-id", SESSION),
        (P + "vocabulary-filter-name", "f"),
        (P + "vocabulary-filter-method", "tag"),
        (P + "show-speaker-label", "true"),
        (P + "enable-channel-identification", "true"),
        (P + "number-of-channels", "2"),
        (P + "enable-partial-results-stabilization", "true"),
        (P + "partial-results-stability", "medium"),
        (P + "content-redaction-type", "PII"),
        (P + "pii-entity-types", "NAME,SSN"),
        (P + "language-model-name", "m"),
        (P + "identify-language", "false"),
        (P + "identify-multiple-languages", "false"),
        (P + "vocabulary-names", "a,b"),
        (P + "vocabulary-filter-names", "c"),
        (P + "session-resume-window", "60"),
        (P + "transcript-format", "spoken"),
    ]
    assert (settings.session_id, settings.sample_rate, settings.channels) == (SESSION, 8000, 2)
    assert (
        settings.channel_identification,
        settings.show_speaker_label,
        settings.partial_results_stabilization,
    ) == (True, True, True)
    assert settings.headers == headers
    assert settings.headers is not headers


def test_identify_language_settings_and_echo() -> None:
    headers = request({**IDENTIFY, "preferred-language": "en-US"})
    settings, echo = validate(headers)
    assert settings.language_code is None
    assert echo == [
        (P + "sample-rate", "16000"),
        (P + "media-encoding", "pcm"),
        (P + "session-id", GENERATED),
        (P + "identify-language", "true"),
        (P + "language-options", "en-US,de-DE"),
        (P + "preferred-language", "en-US"),
    ]


def test_header_names_are_matched_case_insensitively() -> None:
    headers = {"X-Amzn-Transcribe-Language-Code": "en-US", "X-AMZN-TRANSCRIBE-MEDIA-ENCODING": "flac",
               "x-amzn-transcribe-sample-rate": "44100"}
    settings, _ = validate(headers)
    assert (settings.language_code, settings.media_encoding, settings.sample_rate) == (
        "en-US", "flac", 44100
    )


def test_session_id_is_generated_per_request_by_default() -> None:
    first, echo = validate_start_stream_transcription(request())
    second, _ = validate_start_stream_transcription(request())
    assert first.session_id != second.session_id
    assert len(first.session_id) == 36 and first.session_id[14] == "4"  # a UUID4
    assert dict(echo)[P + "session-id"] == first.session_id


def test_field_errors_are_reported_before_cross_field_rules() -> None:
    # No language at all (rule 1) and a bad sample rate: the field error wins.
    message = rejection(request({"language-code": None, "sample-rate": "1"}))
    assert message.startswith("1 validation error detected: Value '1' at 'mediaSampleRateHertz'")


def test_shape_sets() -> None:
    assert len(LANGUAGE_CODE) == 99
    assert CALL_ANALYTICS_LANGUAGE_CODE < LANGUAGE_CODE
    assert len(CALL_ANALYTICS_LANGUAGE_CODE) == 9
    assert MEDIA_ENCODING == {"pcm", "ogg-opus", "flac", "g711-alaw", "g711-ulaw", "g729"}
    assert len(PII_ENTITY_TYPES) == 19 and "ALL" in PII_ENTITY_TYPES
