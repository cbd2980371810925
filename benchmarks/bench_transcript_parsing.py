"""Cost of turning one 10-word TranscriptEvent message into typed objects.

Times ``amazon_transcribe._deserialize._output_event`` (the path every
transcript event takes on the reader side) on a realistic payload: one
final result, one alternative, ten pronunciation items with times and
confidences. Prints the median of several timing rounds in microseconds
per event. Runs in about 3 seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import timeit

# Imported from wherever PYTHONPATH (or the installed package) says, so
# that compare_revisions.py can time another revision's code.
from amazon_transcribe.eventstream import Message

try:
    from amazon_transcribe._deserialize import _output_event
except ImportError:  # revisions before the core moved to private modules
    try:
        from amazon_transcribe.deserialize import _output_event  # type: ignore
    except ImportError:  # revisions before the helpers became private
        from amazon_transcribe.deserialize import output_event as _output_event  # type: ignore

WORDS = "and mister john dashwood had then leisure to consider how".split()


def ten_word_event() -> Message:
    items = [
        {
            "StartTime": 0.3 * index,
            "EndTime": 0.3 * index + 0.25,
            "Type": "pronunciation",
            "Content": word,
            "VocabularyFilterMatch": False,
            "Confidence": 0.93,
            "Stable": True,
        }
        for index, word in enumerate(WORDS)
    ]
    payload = {
        "Transcript": {
            "Results": [
                {
                    "ResultId": "2f0c2a36-7f1f-4a87-9c41-2cf0c4b1d2a5",
                    "StartTime": 0.0,
                    "EndTime": 3.0,
                    "IsPartial": False,
                    "ChannelId": "ch_0",
                    "Alternatives": [{"Transcript": " ".join(WORDS), "Items": items}],
                }
            ]
        }
    }
    return Message(
        {
            ":message-type": "event",
            ":event-type": "TranscriptEvent",
            ":content-type": "application/json",
        },
        json.dumps(payload).encode(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    message = ten_word_event()
    event = _output_event(message)
    assert len(event.transcript.results[0].alternatives[0].items) == 10
    timer = timeit.Timer(lambda: _output_event(message))
    timer.timeit(2000)  # warm-up
    per_event = [timer.timeit(args.number) / args.number * 1e6 for _ in range(args.rounds)]
    print(f"transcript parsing, 10-word event: {statistics.median(per_event):.2f} us per event "
          f"(median of {args.rounds} x {args.number}; min {min(per_event):.2f})")


if __name__ == "__main__":
    main()
