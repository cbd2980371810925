"""awscrt's native threads keep one Python thread state across callbacks."""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Tuple

import pytest

from amazon_transcribe import crt
from amazon_transcribe.emulator import TranscribeEmulator
from amazon_transcribe.httpsession import HTTP2Stream

from .support import collect, make_client, pcm, send_all, start


async def test_crt_threads_keep_their_thread_state(
    transcribe_emulator: TranscribeEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # threading.local lives in the thread state: a value set in one callback
    # is still there in the next only if the thread state was kept.
    local = threading.local()
    seen: List[Tuple[int, Optional[str]]] = []
    original = HTTP2Stream._on_body

    def spy(self: HTTP2Stream, *args: Any, **kwargs: Any) -> None:
        seen.append((threading.get_ident(), getattr(local, "mark", None)))
        local.mark = "kept"
        original(self, *args, **kwargs)

    monkeypatch.setattr(HTTP2Stream, "_on_body", spy)
    async with make_client(transcribe_emulator) as client:
        stream = await start(client)
        await send_all(stream, pcm()[: 3200 * 40])
        events = await collect(stream)
    assert len(events) >= 3
    loop_thread = threading.get_ident()
    first: Dict[int, Optional[str]] = {}
    later: List[Optional[str]] = []
    for ident, mark in seen:
        assert ident != loop_thread  # body callbacks come on CRT threads
        if ident in first:
            later.append(mark)
        else:
            first[ident] = mark
    assert len(later) >= 2
    assert later == ["kept"] * len(later)
    assert set(first) <= crt._KEPT


def test_keep_thread_state_is_idempotent_on_a_python_thread() -> None:
    # On a thread that already has a thread state it only raises a count; a
    # second call on the same thread does nothing at all.
    done: List[bool] = []

    def run() -> None:
        crt.keep_thread_state()
        crt.keep_thread_state()
        done.append(threading.get_ident() in crt._KEPT)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert done == [True]
