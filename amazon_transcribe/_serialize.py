"""Request options and input events to wire form (header values, event-stream messages).

Sans-IO: no asyncio, no awscrt. Booleans travel as ``true``/``false``, lists
as one comma-joined header value, enumerations as their wire values; an
option left at ``None`` is not sent. Which option goes in which header is
each operation's table (:mod:`amazon_transcribe.operations`).
"""

from __future__ import annotations

import enum
import json
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ._eventstream import encode_headers, encode_message
from .exceptions import ValidationException
from .call_analytics import ChannelDefinition, ConfigurationEvent, PostCallAnalyticsSettings
from .medical_scribe import (
    MedicalScribeChannelDefinition,
    MedicalScribeConfigurationEvent,
    MedicalScribeSessionControlEvent,
)

__all__: List[str] = []

#: The content type of an event-stream request body.
_EVENTSTREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"
#: The path of StartMedicalScribeStream (and the prefix of GetMedicalScribeStream's).
_MEDICAL_SCRIBE_STREAM_PATH = "/medical-scribe-stream"

_SESSION_ID = re.compile(r"[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}")

_AUDIO_EVENT_HEADERS = encode_headers(
    {
        ":message-type": "event",
        ":event-type": "AudioEvent",
        ":content-type": "application/octet-stream",
    }
)


def _header_value(name: str, value: Any) -> Optional[str]:
    """Render one option as a header value.

    :param name: the option's name, for error messages.
    :param value: the option's value.
    :returns: the header value, or ``None`` when the option is unset.
    :raises ValidationException: the value has a type no header can carry.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, (list, tuple)):
        items = [_header_value(name, item) for item in value]
        if any(item is None for item in items):
            raise ValidationException(f"{name}: list items must not be None")
        return ",".join(item for item in items if item is not None)
    raise ValidationException(
        f"{name}: cannot send a value of type {type(value).__name__} as a header"
    )


def _medical_scribe_stream_path(session_id: str) -> str:
    """The path of GetMedicalScribeStream for a session.

    :param session_id: the session id (a UUID).
    :returns: ``/medical-scribe-stream/<session id>``.
    :raises ValidationException: the id is not a UUID (checked here because
        it becomes part of the path).
    """
    if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
        raise ValidationException(f"session_id must be a UUID, not {session_id!r}")
    return f"{_MEDICAL_SCRIBE_STREAM_PATH}/{session_id}"


def _wire(value: Any) -> Any:
    # Enumerations travel as their wire values.
    return value.value if isinstance(value, enum.Enum) else value


def _compact(members: Mapping[str, Any]) -> Dict[str, Any]:
    # Members left at None are absent on the wire, never null.
    return {name: _wire(value) for name, value in members.items() if value is not None}


def _channel_definitions(
    definitions: Optional[Sequence[Union[ChannelDefinition, MedicalScribeChannelDefinition]]],
) -> Optional[List[Dict[str, Any]]]:
    if definitions is None:
        return None
    return [
        {"ChannelId": d.channel_id, "ParticipantRole": _wire(d.participant_role)}
        for d in definitions
    ]


def _post_call_analytics_settings(
    settings: Optional[PostCallAnalyticsSettings],
) -> Optional[Dict[str, Any]]:
    if settings is None:
        return None
    return _compact(
        {
            "OutputLocation": settings.output_location,
            "DataAccessRoleArn": settings.data_access_role_arn,
            "ContentRedactionOutput": settings.content_redaction_output,
            "OutputEncryptionKMSKeyId": settings.output_encryption_kms_key_id,
        }
    )


def _configuration_event_payload(event: ConfigurationEvent) -> Dict[str, Any]:
    """The JSON payload of a call analytics ``ConfigurationEvent``.

    :param event: the event.
    :returns: the structure, with the model's member names.
    """
    return _compact(
        {
            "ChannelDefinitions": _channel_definitions(event.channel_definitions),
            "PostCallAnalyticsSettings": _post_call_analytics_settings(
                event.post_call_analytics_settings
            ),
        }
    )


def _medical_scribe_configuration_event_payload(
    event: MedicalScribeConfigurationEvent,
) -> Dict[str, Any]:
    """The JSON payload of a HealthScribe ``ConfigurationEvent``.

    :param event: the event.
    :returns: the structure, with the model's member names.
    """
    encryption = event.encryption_settings
    context = event.medical_scribe_context
    note = event.post_stream_analytics_settings.clinical_note_generation_settings
    patient = None if context is None else context.patient_context
    return _compact(
        {
            "VocabularyName": event.vocabulary_name,
            "VocabularyFilterName": event.vocabulary_filter_name,
            "VocabularyFilterMethod": event.vocabulary_filter_method,
            "ResourceAccessRoleArn": event.resource_access_role_arn,
            "ChannelDefinitions": _channel_definitions(event.channel_definitions),
            "EncryptionSettings": None
            if encryption is None
            else _compact(
                {
                    "KmsEncryptionContext": encryption.kms_encryption_context,
                    "KmsKeyId": encryption.kms_key_id,
                }
            ),
            "PostStreamAnalyticsSettings": {
                "ClinicalNoteGenerationSettings": _compact(
                    {"OutputBucketName": note.output_bucket_name, "NoteTemplate": note.note_template}
                )
            },
            "MedicalScribeContext": None
            if context is None
            else _compact(
                {
                    "PatientContext": None
                    if patient is None
                    else _compact({"Pronouns": patient.pronouns})
                }
            ),
        }
    )


def _medical_scribe_session_control_event_payload(
    event: MedicalScribeSessionControlEvent,
) -> Dict[str, Any]:
    """The JSON payload of a HealthScribe ``SessionControlEvent``.

    :param event: the event.
    :returns: the structure, with the model's member names.
    """
    return {"Type": _wire(event.type)}


def _audio_event_message(audio_chunk: Union[bytes, bytearray, memoryview]) -> bytes:
    """Encode an ``AudioEvent`` as an (unsigned) inner message.

    :param audio_chunk: the audio bytes.
    :returns: the encoded message.
    """
    return encode_message(_AUDIO_EVENT_HEADERS, audio_chunk)


def _json_event_message(event_type: str, payload: Mapping[str, Any]) -> bytes:
    """Encode an input event whose payload is a JSON structure.

    :param event_type: the ``:event-type``, e.g. ``ConfigurationEvent``.
    :param payload: the structure, with the model's member names.
    :returns: the encoded message.
    """
    return encode_message(
        {
            ":message-type": "event",
            ":event-type": event_type,
            ":content-type": "application/json",
        },
        json.dumps(payload, separators=(",", ":")).encode("utf-8"),
    )


def _configuration_event_message(event: ConfigurationEvent) -> bytes:
    """Encode a call analytics ``ConfigurationEvent`` as an (unsigned) inner message.

    :param event: the event.
    :returns: the encoded message.
    """
    return _json_event_message("ConfigurationEvent", _configuration_event_payload(event))
