"""Word error rate (WER): how far a transcript is from a reference one.

The emulator's command line, its tests and anyone judging a recognition
engine use the same definition, so it lives here:

* both texts are *normalised* by :func:`normalize_words`: lower case, every
  character that is not a letter, a digit or an apostrophe becomes a space
  (so ``"cold-hearted,"`` gives ``cold`` ``hearted`` and ``"s."`` gives
  ``s``); apostrophes at the edges of a word are dropped (``'tis`` gives
  ``tis``), those inside it are kept (``don't``);
* the number of *errors* is the word-level Levenshtein distance: the fewest
  substitutions, deletions and insertions of whole words that turn the
  reference into the hypothesis;
* the *rate* is errors divided by the number of reference words. It can
  exceed 1 when the hypothesis has many extra words.

An aggregate over several utterances is the sum of their errors over the sum
of their reference words (not the mean of the per-utterance rates), which is
how WER is usually reported for a test set::

    >>> word_error_rate("He was not an ill disposed young man.",
    ...                 "he was not until this blows young man")
    0.375
    >>> total = WerResult.total([
    ...     compare("a b c", "a b c"), compare("a b", "a x")])
    >>> total.errors, total.reference_words, total.rate
    (1, 5, 0.2)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Sequence

__all__ = [
    "normalize_words",
    "WerResult",
    "compare",
    "word_error_rate",
    "aggregate_word_error_rate",
]

# Anything but letters, digits and apostrophes separates words. ``\w`` also
# matches ``_``, which is not part of a spoken word, hence the extra class.
_SEPARATOR = re.compile(r"[^\w']+|_+")


def normalize_words(text: str) -> List[str]:
    """Split a transcript into comparable words.

    :param text: a transcript in any case, with any punctuation.
    :returns: its words, lower-cased, punctuation removed (see the module
        documentation for the exact rule).
    """
    words = []
    for piece in _SEPARATOR.split(text.lower()):
        word = piece.strip("'")
        if word:
            words.append(word)
    return words


@dataclass(frozen=True)
class WerResult:
    """The comparison of one hypothesis with one reference (or a sum of them).

    :param substitutions: reference words replaced by another word.
    :param deletions: reference words missing from the hypothesis.
    :param insertions: hypothesis words with no reference counterpart.
    :param reference_words: words in the reference.
    :param hypothesis_words: words in the hypothesis.
    """

    substitutions: int
    deletions: int
    insertions: int
    reference_words: int
    hypothesis_words: int

    @property
    def errors(self) -> int:
        """:returns: substitutions + deletions + insertions."""
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        """The word error rate.

        :returns: errors / reference words; with an empty reference 0.0 when
            the hypothesis is empty too, else ``float("inf")``.
        """
        if self.reference_words == 0:
            return 0.0 if self.errors == 0 else float("inf")
        return self.errors / self.reference_words

    def __add__(self, other: WerResult) -> WerResult:
        """:returns: the counts of both comparisons added up.

        :param other: another result.
        """
        return WerResult(
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
            self.reference_words + other.reference_words,
            self.hypothesis_words + other.hypothesis_words,
        )

    @staticmethod
    def total(results: Iterable[WerResult]) -> WerResult:
        """Add up several comparisons (for an aggregate WER).

        :param results: the per-utterance results.
        :returns: their sum (all zero for none).
        """
        acc = WerResult(0, 0, 0, 0, 0)
        for result in results:
            acc = acc + result
        return acc


def _align(ref: Sequence[str], hyp: Sequence[str]) -> WerResult:
    """Levenshtein alignment of two word sequences, with the edit counts.

    :param ref: reference words.
    :param hyp: hypothesis words.
    :returns: the counts of the cheapest alignment.
    """
    # Each cell holds (cost, substitutions, deletions, insertions); rows are
    # computed one at a time so memory is O(len(hyp)).
    prev = [(j, 0, 0, j) for j in range(len(hyp) + 1)]
    for i in range(1, len(ref) + 1):
        row = [(i, 0, i, 0)]
        for j in range(1, len(hyp) + 1):
            same = ref[i - 1] == hyp[j - 1]
            diag = prev[j - 1]
            candidates = (
                (diag[0] + (0 if same else 1), diag[1] + (0 if same else 1), diag[2], diag[3]),
                (prev[j][0] + 1, prev[j][1], prev[j][2] + 1, prev[j][3]),
                (row[j - 1][0] + 1, row[j - 1][1], row[j - 1][2], row[j - 1][3] + 1),
            )
            # min() on tuples prefers, at equal cost, fewer substitutions:
            # any tie-break gives the same total, this one is deterministic.
            row.append(min(candidates))
        prev = row
    _, subs, dels, ins = prev[len(hyp)]
    return WerResult(subs, dels, ins, len(ref), len(hyp))


def compare(reference: str, hypothesis: str) -> WerResult:
    """Compare a hypothesis transcript with a reference transcript.

    :param reference: the correct transcript.
    :param hypothesis: the recognised transcript.
    :returns: the edit counts after normalising both texts.
    """
    return _align(normalize_words(reference), normalize_words(hypothesis))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """The word error rate of one hypothesis.

    :param reference: the correct transcript.
    :param hypothesis: the recognised transcript.
    :returns: errors / reference words (see :attr:`WerResult.rate`).
    """
    return compare(reference, hypothesis).rate


def aggregate_word_error_rate(pairs: Iterable[tuple[str, str]]) -> float:
    """The word error rate of a test set.

    :param pairs: ``(reference, hypothesis)`` transcripts.
    :returns: total errors / total reference words.
    """
    return WerResult.total(compare(ref, hyp) for ref, hyp in pairs).rate
