"""Hypothesis strategies for event-stream messages, shared by the codec tests."""

from __future__ import annotations

import datetime
import uuid

from hypothesis import strategies as st

from amazon_transcribe.eventstream import Byte, Integer, Long, Message, Short

_UTC = datetime.timezone.utc

header_names = st.text(min_size=1, max_size=40).filter(
    lambda s: 0 < len(s.encode("utf-8")) <= 255
)

# Timestamps travel as whole milliseconds: generate exactly those.
timestamps = st.integers(
    min_value=-62135596800000, max_value=253402300799999
).map(lambda ms: datetime.datetime(1970, 1, 1, tzinfo=_UTC) + datetime.timedelta(milliseconds=ms))

header_values = st.one_of(
    st.booleans(),
    st.integers(-(2**7), 2**7 - 1).map(Byte),
    st.integers(-(2**15), 2**15 - 1).map(Short),
    st.integers(-(2**31), 2**31 - 1).map(Integer),
    st.integers(-(2**31), 2**31 - 1),  # a plain int travels as Integer
    st.integers(-(2**63), 2**63 - 1).map(Long),
    st.binary(max_size=300),
    st.text(max_size=100),
    timestamps,
    st.uuids().map(lambda u: uuid.UUID(int=u.int)),
)

headers = st.dictionaries(header_names, header_values, max_size=8)

messages = st.builds(Message, headers, st.binary(max_size=2048))
