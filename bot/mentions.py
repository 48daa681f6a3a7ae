"""What a question names, and whether the articles found mention it.

"Did Iran confirm the crash of a Ukrainian airliner?" names Iran and Ukraine. If none of
the retrieved articles mentions Ukraine, quoting them about Iran's missiles would answer
another question: the answer says what is missing instead. Names come from spaCy's entity
recogniser and its proper-noun tags; numbers from its number entities. A name counts as
mentioned when a word of the articles shares its first four letters and more ("Iranian"
for "Iran", "Ukraine" for "Ukrainian"), so the check errs towards answering.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Sequence
from typing import Any

from index.attribution import SPACY_MODEL, load_pipeline

# Entity kinds that name someone or something the articles must mention.
NAMED = frozenset("PERSON NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE".split())
NUMBERS = frozenset("CARDINAL MONEY QUANTITY PERCENT".split())
_STOP = frozenset("the a an of and for in on at to 's ’s".split())
_WORD = re.compile(r"[^\W_]+(?:[.’'][^\W_]+)*")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")  # "1,018" is the number 1018
_PREFIX = 4


class Mentions:
    """Finds the names and numbers of a question that texts do not mention."""

    def __init__(self, nlp: Any | None = None, *, model: str = SPACY_MODEL) -> None:
        self._nlp = nlp
        self._model = model
        self._lock = threading.Lock()  # one spaCy call at a time: answers run in threads

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            self._nlp = load_pipeline(self._model)
        return self._nlp

    def named(self, question: str) -> list[tuple[str, list[str]]]:
        """(mention, words that must appear) for each name or number in the question."""
        with self._lock:
            doc = self.nlp(question)
        found: list[tuple[str, list[str]]] = []
        covered: set[int] = set()
        for ent in doc.ents:
            if ent.label_ in NAMED:
                words = [t.text for t in ent if t.lower_ not in _STOP and not t.is_punct]
                if ent.label_ == "PERSON" and words:
                    words = words[-1:]  # a surname; "Sergei" and "Sergey" Shoigu are one
            elif ent.label_ in NUMBERS:
                words = [t.text.replace(",", "") for t in ent if t.like_num and t.text[0].isdigit()]
            else:
                continue
            covered.update(range(ent.start, ent.end))
            if words:
                found.append((_bare(ent.text), words))
        for token in doc:
            if token.pos_ == "PROPN" and token.i not in covered and token.i > 0:
                found.append((token.text, [token.text]))
        return found

    def missing(self, question: str, texts: Sequence[str]) -> tuple[str, ...]:
        """The question's names and numbers that none of ``texts`` mentions."""
        named = self.named(question)
        if not named or not texts:
            return ()
        vocabulary = sorted(
            {_plain(w) for text in texts for w in _WORD.findall(_THOUSANDS.sub("", text))}
        )
        return tuple(
            mention
            for mention, words in named
            if not all(_known(_plain(word), vocabulary) for word in words)
        )


def _plain(word: str) -> str:
    """ "U.S." and "US" are one word; so are "Iran’s" and "Iran's"."""
    return word.lower().replace(".", "").replace("’", "'")


def _bare(mention: str) -> str:
    """ "the Kremlin's" -> "Kremlin", for the note that names it."""
    return re.sub(r"^the\s+|[’']s$", "", mention, flags=re.IGNORECASE)


def _known(word: str, vocabulary: list[str]) -> bool:
    """Does a word of ``vocabulary`` (sorted) share ``word``'s first letters: all of a
    short word, else at least four, and as many as the shorter of the two has?"""
    if word[:1].isdigit():
        i = bisect.bisect_left(vocabulary, word)
        return i < len(vocabulary) and vocabulary[i] == word
    prefix = word[:_PREFIX]
    i = bisect.bisect_left(vocabulary, prefix)
    while i < len(vocabulary) and vocabulary[i].startswith(prefix):
        other = vocabulary[i]
        shared = _shared(word, other)
        if shared >= min(len(word), len(other)) or shared >= min(len(word), _PREFIX + 2):
            return True
        i += 1
    return False


def _shared(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
