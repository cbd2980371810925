"""Validation of the JSON input events a stream carries, reported the way the service reports it.

Call analytics' ``ConfigurationEvent`` (PROTOCOL.md §8.3) and HealthScribe's
``ConfigurationEvent`` and ``SessionControlEvent`` (§8.4): each is parsed
and checked member by member, and a problem is a ``BadRequestException``
naming the member. The headers that open a stream are checked in
:mod:`~amazon_transcribe.emulator._validation`, whose enumeration sets this
module shares.

Pure: no I/O, and nothing from the client side of the package.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Mapping, Optional, Sequence

from .errors import bad_request
from ._validation import (
    CONTENT_REDACTION_OUTPUT,
    MEDICAL_SCRIBE_NOTE_TEMPLATE,
    MEDICAL_SCRIBE_PARTICIPANT_ROLE,
    NAME_PATTERN,
    PARTICIPANT_ROLE,
    VOCABULARY_FILTER_METHOD,
)

__all__ = [
    "parse_call_analytics_configuration",
    "parse_medical_scribe_configuration",
    "parse_medical_scribe_session_control",
]

_PREFIX = "x-amzn-transcribe-"
_PRONOUNS = frozenset(("HE_HIM", "SHE_HER", "THEY_THEM"))


def _json_object(payload: bytes, event: str) -> Dict[str, Any]:
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad_request(f"The {event} payload is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise bad_request(f"The {event} payload must be a JSON object.")
    return data


def _members(data: Mapping[str, Any], where: str, allowed: Sequence[str],
             required: Sequence[str] = ()) -> None:
    for name in data:
        if name not in allowed:
            raise bad_request(f"{where} has an unknown member '{name}'.")
    for name in required:
        if data.get(name) is None:
            raise bad_request(f"{where}.{name} is required.")


def _text_member(data: Mapping[str, Any], name: str, where: str,
                 pattern: Optional[str] = None, low: int = 1, high: int = 2048) -> None:
    value = data.get(name)
    if value is None:
        return
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise bad_request(f"{where}.{name} must be a string of {low} to {high} characters.")
    if pattern is not None and not re.fullmatch(pattern, value):
        raise bad_request(
            f"{where}.{name} '{value}' does not match the pattern {pattern}."
        )


def _enum_member(data: Mapping[str, Any], name: str, where: str,
                 values: frozenset[str]) -> None:
    value = data.get(name)
    if value is not None and value not in values:
        raise bad_request(
            f"{where}.{name} must be one of {', '.join(sorted(values))}; got {value!r}."
        )


def _channel_definitions(data: Mapping[str, Any], where: str,
                         roles: frozenset[str]) -> None:
    definitions = data.get("ChannelDefinitions")
    if definitions is None:
        return
    where = f"{where}.ChannelDefinitions"
    if not isinstance(definitions, list) or len(definitions) != 2:
        raise bad_request(f"{where} must list exactly 2 channel definitions.")
    seen = set()
    for index, definition in enumerate(definitions):
        at = f"{where}[{index}]"
        if not isinstance(definition, dict):
            raise bad_request(f"{at} must be an object.")
        _members(definition, at, ("ChannelId", "ParticipantRole"), ("ParticipantRole",))
        # ChannelId has the model default 0, so it may be omitted.
        channel = definition.get("ChannelId", 0)
        if isinstance(channel, bool) or channel not in (0, 1):
            raise bad_request(f"{at}.ChannelId must be 0 or 1; got {channel!r}.")
        _enum_member(definition, "ParticipantRole", at, roles)
        seen.add(channel)
    if seen != {0, 1}:
        raise bad_request(f"{where} must define channel 0 and channel 1, once each.")


def parse_call_analytics_configuration(
    payload: bytes, headers: Mapping[str, str]
) -> Dict[str, Any]:
    """Check the ``ConfigurationEvent`` of a call-analytics stream (§6.3, §8.3).

    :param payload: the event's JSON payload.
    :param headers: the stream's request headers (``ContentRedactionOutput``
        requires ``x-amzn-transcribe-content-redaction-type``).
    :returns: the configuration object.
    :raises ServiceError: ``BadRequestException`` naming the problem.
    """
    where = "ConfigurationEvent"
    data = _json_object(payload, where)
    _members(data, where, ("ChannelDefinitions", "PostCallAnalyticsSettings"))
    _channel_definitions(data, where, PARTICIPANT_ROLE)
    settings = data.get("PostCallAnalyticsSettings")
    if settings is not None:
        at = f"{where}.PostCallAnalyticsSettings"
        if not isinstance(settings, dict):
            raise bad_request(f"{at} must be an object.")
        _members(
            settings,
            at,
            ("OutputLocation", "DataAccessRoleArn", "ContentRedactionOutput",
             "OutputEncryptionKMSKeyId"),
            ("OutputLocation", "DataAccessRoleArn"),
        )
        for name in ("OutputLocation", "DataAccessRoleArn", "OutputEncryptionKMSKeyId"):
            _text_member(settings, name, at)
        _enum_member(settings, "ContentRedactionOutput", at, CONTENT_REDACTION_OUTPUT)
        received = {name.lower() for name in headers}
        if (settings.get("ContentRedactionOutput") is not None
                and _PREFIX + "content-redaction-type" not in received):
            raise bad_request(
                f"{at}.ContentRedactionOutput requires ContentRedactionType "
                "(x-amzn-transcribe-content-redaction-type) on the request."
            )
    return data


_IAM_ROLE_ARN = (
    r"^arn:(aws|aws-cn|aws-us-gov|aws-iso-{0,1}[a-z]{0,1}):iam::[0-9]{0,63}:role/"
    r"[A-Za-z0-9:_/+=,@.-]{0,1024}$"
)
_KMS_KEY_ID = r"^[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,2048}$"
_BUCKET_NAME = r"^[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9]$"


def parse_medical_scribe_configuration(payload: bytes) -> Dict[str, Any]:
    """Check a ``MedicalScribeConfigurationEvent`` (§6.4, §8.4).

    :param payload: the event's JSON payload.
    :returns: the configuration object.
    :raises ServiceError: ``BadRequestException`` naming the problem.
    """
    where = "ConfigurationEvent"
    data = _json_object(payload, where)
    _members(
        data,
        where,
        ("VocabularyName", "VocabularyFilterName", "VocabularyFilterMethod",
         "ResourceAccessRoleArn", "ChannelDefinitions", "EncryptionSettings",
         "PostStreamAnalyticsSettings", "MedicalScribeContext"),
        ("ResourceAccessRoleArn", "PostStreamAnalyticsSettings"),
    )
    _text_member(data, "VocabularyName", where, NAME_PATTERN, 1, 200)
    _text_member(data, "VocabularyFilterName", where, NAME_PATTERN, 1, 200)
    _enum_member(data, "VocabularyFilterMethod", where, VOCABULARY_FILTER_METHOD)
    if data.get("VocabularyFilterName") is not None and data.get("VocabularyFilterMethod") is None:
        raise bad_request(f"{where}.VocabularyFilterName requires VocabularyFilterMethod.")
    _text_member(data, "ResourceAccessRoleArn", where, _IAM_ROLE_ARN, 20, 2048)
    _channel_definitions(data, where, MEDICAL_SCRIBE_PARTICIPANT_ROLE)
    encryption = data.get("EncryptionSettings")
    if encryption is not None:
        at = f"{where}.EncryptionSettings"
        if not isinstance(encryption, dict):
            raise bad_request(f"{at} must be an object.")
        _members(encryption, at, ("KmsEncryptionContext", "KmsKeyId"), ("KmsKeyId",))
        _text_member(encryption, "KmsKeyId", at, _KMS_KEY_ID, 1, 2048)
        context = encryption.get("KmsEncryptionContext")
        if context is not None:
            if (not isinstance(context, dict) or not 1 <= len(context) <= 10
                    or not all(isinstance(k, str) and isinstance(v, str)
                               and k.strip() and v.strip() for k, v in context.items())):
                raise bad_request(
                    f"{at}.KmsEncryptionContext must map 1 to 10 non-empty strings "
                    "to non-empty strings."
                )
    analytics = data["PostStreamAnalyticsSettings"]
    at = f"{where}.PostStreamAnalyticsSettings"
    if not isinstance(analytics, dict):
        raise bad_request(f"{at} must be an object.")
    _members(analytics, at, ("ClinicalNoteGenerationSettings",),
             ("ClinicalNoteGenerationSettings",))
    notes = analytics["ClinicalNoteGenerationSettings"]
    at = f"{at}.ClinicalNoteGenerationSettings"
    if not isinstance(notes, dict):
        raise bad_request(f"{at} must be an object.")
    _members(notes, at, ("OutputBucketName", "NoteTemplate"), ("OutputBucketName",))
    _text_member(notes, "OutputBucketName", at, _BUCKET_NAME, 1, 64)
    _enum_member(notes, "NoteTemplate", at, MEDICAL_SCRIBE_NOTE_TEMPLATE)
    context_data = data.get("MedicalScribeContext")
    if context_data is not None:
        at = f"{where}.MedicalScribeContext"
        if not isinstance(context_data, dict):
            raise bad_request(f"{at} must be an object.")
        _members(context_data, at, ("PatientContext",))
        patient = context_data.get("PatientContext")
        if patient is not None:
            if not isinstance(patient, dict):
                raise bad_request(f"{at}.PatientContext must be an object.")
            _members(patient, f"{at}.PatientContext", ("Pronouns",))
            _enum_member(patient, "Pronouns", f"{at}.PatientContext", _PRONOUNS)
    return data


def parse_medical_scribe_session_control(payload: bytes) -> str:
    """Check a ``SessionControlEvent`` (§6.6.2).

    :param payload: the event's JSON payload.
    :returns: its ``Type`` (``END_OF_SESSION``).
    :raises ServiceError: ``BadRequestException`` naming the problem.
    """
    where = "SessionControlEvent"
    data = _json_object(payload, where)
    _members(data, where, ("Type",), ("Type",))
    _enum_member(data, "Type", where, frozenset(("END_OF_SESSION",)))
    return str(data["Type"])
