"""Tests of the PocketSphinx engine (real speech, measured word error rate) and of the WER helper.

The recognition tests share one engine (and so its pooled decoders) per
module; the measured error rates are printed (visible without ``-s``) and
recorded as test properties.
"""

from __future__ import annotations

import re
import threading
import wave
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest

from amazon_transcribe.emulator.engine import Segment, StreamSettings
from amazon_transcribe.emulator.errors import ServiceError
from amazon_transcribe.emulator.sphinx import (
    ENGLISH_LANGUAGE_CODES,
    SphinxEngine,
    choose_language,
)
from amazon_transcribe.emulator.wer import (
    WerResult,
    aggregate_word_error_rate,
    compare,
    normalize_words,
    word_error_rate,
)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
CLIPS = ["sense-0870", "sense-0880", "sense-0890", "sense-0920", "sense-0930"]


def references() -> Dict[str, str]:
    """Reference transcripts from the assets' README table (file -> text)."""
    table: Dict[str, str] = {}
    row = re.compile(r"^\|\s*`([^`]+)`\s*\|[^|]*\|[^|]*\|\s*([^|]+?)\s*\|\s*$")
    for line in (ASSETS / "README.md").read_text(encoding="utf-8").splitlines():
        match = row.match(line)
        if match:
            table[match.group(1)] = match.group(2)
    return table


REFERENCES = references()


def reference(name: str) -> str:
    return REFERENCES[name]


def settings_for(media_encoding: str = "pcm", sample_rate: int = 16000, channels: int = 1,
                 channel_identification: bool = False, language_code: Optional[str] = "en-US",
                 headers: Optional[Dict[str, str]] = None,
                 stabilization: bool = False, speakers: bool = False) -> StreamSettings:
    return StreamSettings(
        operation="StartStreamTranscription",
        session_id="8c5b1c62-1c1d-4d0f-9a53-3f1f8f2b9d10",
        media_encoding=media_encoding,
        sample_rate=sample_rate,
        language_code=language_code,
        channels=channels,
        channel_identification=channel_identification,
        show_speaker_label=speakers,
        partial_results_stabilization=stabilization,
        headers=headers or {},
    )


def read_wav(name: str) -> Tuple[bytes, int, int]:
    with wave.open(str(ASSETS / name)) as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate(), wav.getnchannels()


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


def transcribe(engine: SphinxEngine, settings: StreamSettings, data: bytes,
               chunk_size: int) -> List[Segment]:
    session = engine.open_session(settings)
    outputs: List[object] = []
    try:
        for chunk in chunks(data, chunk_size):
            outputs.extend(session.accept_audio(chunk))
        outputs.extend(session.finish())
    finally:
        session.close()
    assert all(isinstance(o, Segment) for o in outputs)
    return [o for o in outputs if isinstance(o, Segment)]


def transcribe_wav(engine: SphinxEngine, name: str, **kwargs: object) -> Tuple[List[Segment], float]:
    """Feed a WAV asset's PCM data in 100 ms chunks; :returns: segments, duration."""
    data, rate, channels = read_wav(name)
    settings = settings_for(sample_rate=rate, channels=channels, **kwargs)  # type: ignore[arg-type]
    segments = transcribe(engine, settings, data, rate // 10 * 2 * channels)
    return segments, len(data) / (2 * channels * rate)


def check_segments(segments: Sequence[Segment], duration: float,
                   channel: Optional[int] = None) -> None:
    """Invariants of one channel's results: ids, order, times, confidences."""
    finals_seen = set()
    open_id: Optional[str] = None
    previous_final_end = 0.0
    for segment in segments:
        assert segment.channel == channel
        assert segment.result_id not in finals_seen, "a closed segment got more results"
        if open_id is not None:
            # Partials of one segment all share its id, up to the final.
            assert segment.result_id == open_id
        assert 0.0 <= segment.start_time <= segment.end_time <= duration + 1e-6
        starts = [w.start_time for w in segment.words]
        assert starts == sorted(starts), "word times must be monotonic"
        for word in segment.words:
            assert word.item_type == "pronunciation"
            assert 0.0 <= word.start_time <= word.end_time <= duration + 1e-6
            assert segment.start_time <= word.start_time and word.end_time <= segment.end_time
            assert not re.search(r"[<>\[\]()]", word.content), word.content
        assert segment.transcript == " ".join(w.content for w in segment.words)
        if segment.is_partial:
            assert all(w.confidence is None for w in segment.words)
            open_id = segment.result_id
        else:
            assert all(w.confidence is not None and 0.0 <= w.confidence <= 1.0
                       for w in segment.words)
            assert segment.start_time >= previous_final_end - 1e-6
            previous_final_end = segment.end_time
            finals_seen.add(segment.result_id)
            open_id = None
    assert open_id is None, "every segment ends with a final result"


def final_text(segments: Sequence[Segment], channel: Optional[int] = None) -> str:
    return " ".join(s.transcript for s in segments if not s.is_partial and s.channel == channel)


@pytest.fixture(scope="module")
def engine() -> Iterator[SphinxEngine]:
    engine = SphinxEngine(max_sessions=2)
    yield engine
    assert engine.active_sessions == 0


Report = Callable[..., None]


@pytest.fixture
def report(capsys: pytest.CaptureFixture[str], record_property: Callable[[str, Any], None]
           ) -> Report:
    """Print a line to the terminal even under output capture, and record it."""

    def emit(name: str, value: float, detail: str = "") -> None:
        record_property(name, round(value, 4))
        with capsys.disabled():
            print(f"\n  {name} = {value:.3f} {detail}", end="")

    return emit


# ------------------------------------------------------------------ WER


def test_normalize_words_strips_case_and_punctuation() -> None:
    assert normalize_words("Cold-hearted, isn't it?  S. 'Tis") == [
        "cold", "hearted", "isn't", "it", "s", "tis"]
    assert normalize_words("  ...  ") == []


def test_word_error_rate_counts_edits() -> None:
    result = compare("a b c d", "a x c d e")
    assert (result.substitutions, result.deletions, result.insertions) == (1, 0, 1)
    assert result.rate == 0.5
    assert compare("a b c", "a c").deletions == 1
    assert word_error_rate("He was not.", "he WAS not") == 0.0
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("", "extra") == float("inf")
    assert aggregate_word_error_rate([("a b c", "a b c"), ("a b", "x")]) == 0.4
    assert WerResult.total([]).rate == 0.0


# --------------------------------------------------------- recognition


def test_sense_clips_partial_then_final_and_aggregate_wer(engine: SphinxEngine,
                                                           report: Report) -> None:
    results = []
    first_0880 = ""
    for name in CLIPS:
        segments, duration = transcribe_wav(engine, f"{name}.wav")
        check_segments(segments, duration)
        partials = [s for s in segments if s.is_partial]
        finals = [s for s in segments if not s.is_partial]
        assert partials and finals
        # The first result is a partial, and its segment ends with a final.
        assert segments[0].is_partial
        assert any(f.result_id == segments[0].result_id for f in finals)
        hypothesis = final_text(segments)
        result = compare(reference(f"{name}.wav"), hypothesis)
        results.append(result)
        report(f"wer[{name}]", result.rate, f"({hypothesis!r})")
        if name == "sense-0880":
            first_0880 = hypothesis
    total = WerResult.total(results)
    report("wer[aggregate 16 kHz]", total.rate,
           f"({total.errors} errors / {total.reference_words} words)")
    assert total.rate <= 0.45
    # A stream closed in the middle of speech leaves its decoder inside an
    # utterance; the pool resets decoders between streams all the same:
    # same audio, same words.
    data, _, _ = read_wav("sense-0870.wav")
    session = engine.open_session(settings_for())
    for chunk in chunks(data[: len(data) // 2], 3200):
        session.accept_audio(chunk)
    session.close()
    again, _ = transcribe_wav(engine, "sense-0880.wav")
    assert final_text(again) == first_0880
    assert engine.pool.created <= 2


def test_8k_audio_is_upsampled_and_transcribed(engine: SphinxEngine, report: Report) -> None:
    segments, duration = transcribe_wav(engine, "sense-0920-8k.wav")
    check_segments(segments, duration)
    rate = word_error_rate(reference("sense-0920.wav"), final_text(segments))
    report("wer[sense-0920 8 kHz]", rate, f"({final_text(segments)!r})")
    assert rate <= 0.5


@pytest.mark.parametrize("name, encoding", [("sense-0870.flac", "flac"),
                                            ("sense-0870.opus", "ogg-opus")])
def test_compressed_audio_is_transcribed(engine: SphinxEngine, report: Report, name: str,
                                         encoding: str) -> None:
    data = (ASSETS / name).read_bytes()
    segments = transcribe(engine, settings_for(media_encoding=encoding), data, 2000)
    check_segments(segments, 7.1)
    assert any(s.is_partial for s in segments)
    rate = word_error_rate(reference("sense-0870.wav"), final_text(segments))
    report(f"wer[{name}]", rate, f"({final_text(segments)!r})")
    assert rate <= 0.45


def test_stereo_channel_identification(engine: SphinxEngine, report: Report) -> None:
    segments, duration = transcribe_wav(engine, "two-speakers-stereo-16k.wav",
                                        channel_identification=True)
    channels = {s.channel for s in segments}
    assert channels == {0, 1}
    for channel, source in ((0, "sense-0880.wav"), (1, "sense-0930.wav")):
        own = [s for s in segments if s.channel == channel]
        check_segments(own, duration, channel=channel)
        rate = word_error_rate(reference(source), final_text(segments, channel))
        report(f"wer[stereo ch_{channel}]", rate,
               f"({final_text(segments, channel)!r})")
        assert rate <= 0.5


def test_long_speech_is_cut_into_segments() -> None:
    engine = SphinxEngine(max_sessions=1, max_segment_seconds=1.5, rescore=False,
                          partial_interval=0.5)
    segments, duration = transcribe_wav(engine, "sense-0880.wav")
    check_segments(segments, duration)
    finals = [s for s in segments if not s.is_partial]
    assert len(finals) >= 2
    assert len({s.result_id for s in finals}) == len(finals)
    assert all(s.end_time - s.start_time <= 1.5 + 1e-6 for s in finals)


def test_stabilization_speaker_labels_and_identified_language(engine: SphinxEngine) -> None:
    segments, _ = transcribe_wav(
        engine, "sense-0930.wav", stabilization=True, speakers=True, language_code=None,
        headers={"x-amzn-transcribe-language-options": "es-US,en-AU"})
    assert segments and all(s.language_code == "en-AU" for s in segments)
    finals = [s for s in segments if not s.is_partial]
    assert finals and all(w.stable is True and w.speaker == "0"
                          for s in finals for w in s.words)
    partial_words = [w for s in segments if s.is_partial for w in s.words]
    assert partial_words and all(isinstance(w.stable, bool) for w in partial_words)
    assert all(w.speaker is None for w in partial_words)


def test_silence_gives_no_results(engine: SphinxEngine) -> None:
    assert transcribe(engine, settings_for(), b"\x00\x00" * 16000, 3200) == []


# ------------------------------------------------------ errors, limits


def test_session_limit_gives_limit_exceeded_and_close_frees_the_slot() -> None:
    engine = SphinxEngine(max_sessions=2)
    first = engine.open_session(settings_for())
    second = engine.open_session(settings_for())
    with pytest.raises(ServiceError) as caught:
        engine.open_session(settings_for())
    assert caught.value.error_type == "LimitExceededException"
    assert caught.value.status == 429
    assert "2 concurrent" in caught.value.message
    first.close()
    first.close()  # idempotent: frees one slot only
    third = engine.open_session(settings_for())
    with pytest.raises(ServiceError):
        engine.open_session(settings_for())
    second.close()
    third.close()
    assert engine.active_sessions == 0
    # No audio came: no decoder was built.
    assert engine.pool.created == 0


def test_session_limit_is_thread_safe() -> None:
    engine = SphinxEngine(max_sessions=3)
    barrier = threading.Barrier(12)
    opened: List[object] = []
    refused: List[ServiceError] = []
    lock = threading.Lock()

    def attempt() -> None:
        barrier.wait(timeout=10)
        try:
            session = engine.open_session(settings_for())
        except ServiceError as error:
            with lock:
                refused.append(error)
        else:
            with lock:
                opened.append(session)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(opened) == 3 and len(refused) == 9
    assert all(e.error_type == "LimitExceededException" for e in refused)
    for session in opened:
        session.close()  # type: ignore[attr-defined]
    assert engine.active_sessions == 0


def test_garbage_flac_is_a_bad_request(engine: SphinxEngine) -> None:
    session = engine.open_session(settings_for(media_encoding="flac"))
    try:
        with pytest.raises(ServiceError) as caught:
            session.accept_audio(b"this is not FLAC at all" * 10)
        assert caught.value.error_type == "BadRequestException"
        assert "FLAC" in caught.value.message
    finally:
        session.close()


def test_odd_trailing_byte_is_a_bad_request(engine: SphinxEngine) -> None:
    session = engine.open_session(settings_for())
    try:
        session.accept_audio(b"\x00" * 3201)
        with pytest.raises(ServiceError) as caught:
            session.finish()
        assert caught.value.error_type == "BadRequestException"
    finally:
        session.close()


@pytest.mark.parametrize("settings", [
    settings_for(language_code="fr-FR"),
    settings_for(language_code=None,
                 headers={"x-amzn-transcribe-language-options": "fr-FR,de-DE"}),
    settings_for(language_code=None),
    settings_for(media_encoding="g729", sample_rate=8000),
])
def test_unsupported_requests_are_bad_requests(settings: StreamSettings) -> None:
    engine = SphinxEngine(max_sessions=1)
    with pytest.raises(ServiceError) as caught:
        engine.open_session(settings)
    assert caught.value.error_type == "BadRequestException"
    if settings.media_encoding == "pcm":
        assert "English" in caught.value.message and "en-US" in caught.value.message
    assert engine.active_sessions == 0


def test_language_choice() -> None:
    for code in ENGLISH_LANGUAGE_CODES:
        assert choose_language(settings_for(language_code=code)) == (code, False)
    options = {"X-Amzn-Transcribe-Language-Options": "fr-FR,en-GB,en-US"}
    assert choose_language(settings_for(language_code=None, headers=options)) == ("en-GB", True)
    preferred = dict(options, **{"x-amzn-transcribe-preferred-language": "en-US"})
    assert choose_language(settings_for(language_code=None, headers=preferred)) == ("en-US", True)
