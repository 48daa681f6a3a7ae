"""What a question names, and whether the passages found mention it.

"Did Iran confirm the crash of a Ukrainian airliner?" names Iran and Ukraine. If none of
the retrieved passages mentions Ukraine, quoting them about Iran's missiles would answer
another question: the answer says what is missing instead. Names come from spaCy's entity
recogniser and its proper-noun tags, numbers from its number entities, each taken as the
question writes it ("T-Mobile", "5G", "1,000"). A name counts as mentioned when a word of
the passages shares its first four letters and more ("Iranian" for "Iran", "Ukraine" for
"Ukrainian"), so the check errs towards answering; the caller can also say which names are
too common in the index for their absence to tell.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from index.attribution import SPACY_MODEL, load_pipeline

# Entity kinds that name someone or something the articles must mention.
NAMED = frozenset("PERSON NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE".split())
NUMBERS = frozenset("CARDINAL MONEY QUANTITY PERCENT".split())
_STOP = frozenset("the a an of and for in on at to".split())
_WORD = re.compile(r"[^\W_]+(?:[.’'][^\W_]+)*")
_COMPOUND = re.compile(r"[^\W_]+(?:[-&.’'\u2063][^\W_]+)*")
_NAME_PREFIX = re.compile(r"^[a-z]+-(?=[A-Z])")
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
        """(mention, words that must appear) for each name or number in the question.

        Words are whole compounds of the question ("T-Mobile", "AT&T", "5G", "G-20"), which
        spaCy splits into tokens."""
        with self._lock:  # no dependency parse: names need only tags and entities
            doc = self.nlp(question, disable=["parser", "lemmatizer"])
        question = _THOUSANDS.sub("\u2063", question)  # "1,000" is one number (same length)
        compounds = [
            (m.start(), m.end(), m.group().replace("\u2063", ""))
            for m in _COMPOUND.finditer(question)
        ]

        def words_of(start: int, end: int) -> list[str]:
            # "then-President": the name is what follows a lower-case prefix
            return [_NAME_PREFIX.sub("", w) for s, e, w in compounds if s < end and start < e]

        found: list[tuple[str, list[str]]] = []
        covered: set[int] = set()
        for ent in doc.ents:
            covered.update(range(ent.start, ent.end))  # dates and times are not names
            words = words_of(ent.start_char, ent.end_char)
            if ent.label_ in NAMED:
                words = [w for w in words if w.lower() not in _STOP]
                if ent.label_ == "PERSON":
                    words = words[-1:]  # a surname; "Sergei" and "Sergey" Shoigu are one
            elif ent.label_ in NUMBERS:
                words = [w for w in words if w[0].isdigit()]
            else:
                continue
            if words:
                found.append((_bare(ent.text), words))
        for token in doc:
            if token.i in covered or token.i == 0:
                continue
            code = any(c.isdigit() for c in token.text) and any(c.isalpha() for c in token.text)
            if token.pos_ == "PROPN" or code:  # a name, or a code name ("G-20", "F-35")
                words = words_of(token.idx, token.idx + len(token))
                if words and all((w, [w]) != f for w in words for f in found):
                    found.append((words[0], words[:1]))
        return found

    def missing(
        self,
        question: str,
        texts: Sequence[str],
        telling: Callable[[Sequence[str]], bool] | None = None,
    ) -> tuple[str, ...]:
        """The question's names and numbers that none of ``texts`` mentions. ``telling``
        says whether a name's absence means anything (a name in every tenth article of
        the index, such as "US", may be missing from the passages that answer)."""
        named = [(m, w) for m, w in self.named(question) if telling is None or telling(w)]
        return absent(named, texts)


def absent(named: Sequence[tuple[str, Sequence[str]]], texts: Sequence[str]) -> tuple[str, ...]:
    """The mentions of ``named`` (mention, words) that none of ``texts`` mentions."""
    if not named or not texts:
        return ()
    plain = [_plain(_THOUSANDS.sub("", text)) for text in texts]
    vocabulary = sorted({_base(w) for text in plain for w in _WORD.findall(text)})
    return tuple(
        mention
        for mention, words in named
        if not all(_known(_base(_plain(word)), vocabulary, plain) for word in words)
    )


def _plain(word: str) -> str:
    """ "U.S." and "US" are one word; so are "Iran’s" and "Iran's"."""
    return word.lower().replace(".", "").replace("’", "'")


def _base(word: str) -> str:
    """ "rbc's" -> "rbc": a possessive names the same thing."""
    return word.removesuffix("'s")


def _bare(mention: str) -> str:
    """ "the Kremlin's" -> "Kremlin", for the note that names it."""
    return re.sub(r"^the\s+|[’']s$", "", mention, flags=re.IGNORECASE)


def _known(word: str, vocabulary: list[str], texts: Sequence[str]) -> bool:
    """Does a word of ``vocabulary`` (sorted) share ``word``'s first letters: all of a
    short word, else at least four, and as many as the shorter of the two has? A compound
    ("t-mobile", "at&t", "cov-2") must appear whole in one of ``texts``."""
    parts = _WORD.findall(word)
    if len(parts) != 1 or parts[0] != word:
        pattern = re.compile(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])")
        return any(pattern.search(text) for text in texts)
    if word[:1].isdigit():  # "13" for "13.1%" (dots dropped: "131"), never "26" for "6"
        i = bisect.bisect_left(vocabulary, word)
        return i < len(vocabulary) and vocabulary[i].startswith(word)
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
