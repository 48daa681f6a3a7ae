"""What a question names, and whether the passages found mention it.

"Did Iran confirm the crash of a Ukrainian airliner?" names Iran and Ukraine. If none of
the retrieved passages mentions Ukraine, quoting them about Iran's missiles would answer
another question: the answer says what is missing instead. Names come from spaCy's entity
recogniser and its proper-noun tags, numbers from its number entities, each taken as the
question writes it ("T-Mobile", "5G", "1,000"). A name counts as mentioned when a word of
the passages shares its first four letters and more ("Iranian" for "Iran", "Ukraine" for
"Ukrainian"), so the check errs towards answering; the caller can also say which names are
too common in the index for their absence to tell.

A person is named by surname and given name: passages about Joe Biden do not mention
Ashley Biden. The surname must be a word of the passages (a longer word only when the
surname is long enough for a spelling variant, "Zelenskyy" for "Zelensky", never "Josie"
for "Josi"); the given name may be spelled another way ("Sergey" for "Sergei", "Mohammed"
for "Muhammad"), be a short form of it or the name it is short for ("Joe" for "Joseph",
from the ``nicknames`` package's curated list), and may be one the passages never give
(when they say only "Mr. Shoigu").
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from index.attribution import SPACY_MODEL, SPEECH_CUES, has_cue, load_pipeline

# Entity kinds that name someone or something the articles must mention.
NAMED = frozenset("PERSON NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE".split())
NUMBERS = frozenset("CARDINAL MONEY QUANTITY PERCENT".split())
_STOP = frozenset("the a an of and for in on at to".split())
_ASKING = frozenset("will would can could may might should shall did does do is was has".split())
_WORD = re.compile(r"[^\W_]+(?:[.’'][^\W_]+)*")
_COMPOUND = re.compile(r"[^\W_]+(?:[-&.’'\u2063][^\W_]+)*")
_NAME_PREFIX = re.compile(r"^[a-z]+-(?=[A-Z])")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")  # "1,018" is the number 1018
_PREFIX = 4
_VOWELS = re.compile(r"[aeiouy]")
_WINDOW = 40  # characters before a surname in which its given name would be
_MAX_WINDOWS = 12


@dataclass(frozen=True, slots=True)
class Name:
    """A name or number of a question (``mention``, as the question writes it) and the
    words the passages must hold. A person's words are their given name(s) and surname
    ("Ashley", "Biden"): the surname must be mentioned, the first given name too unless
    the passages give no other one with that surname."""

    mention: str
    words: tuple[str, ...]
    person: bool = False
    # A common noun, such as a disease or a substance ("norovirus"): it tells only when
    # far rarer in the index than a name must be (``AnswerPolicy.min_thing_idf``).
    thing: bool = False


class Mentions:
    """Finds the names and numbers of a question that texts do not mention."""

    def __init__(self, nlp: Any | None = None, *, model: str = SPACY_MODEL) -> None:
        self._nlp = nlp
        self._model = model
        self._lock = threading.Lock()  # one spaCy call at a time: answers run in threads
        self._last: tuple[str, Any] | None = None  # the last question parsed in full

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            self._nlp = load_pipeline(self._model)
        return self._nlp

    def named(self, question: str, *, things: bool = False) -> list[Name]:
        """Each name or number in the question with the words that must appear, and with
        ``things`` its common nouns too (``Name.thing``: whether a noun's absence tells is
        for the caller to weigh).

        Words are whole compounds of the question ("T-Mobile", "AT&T", "5G", "G-20"), which
        spaCy splits into tokens."""
        doc = self._doc(question)
        question = _THOUSANDS.sub("\u2063", question)  # "1,000" is one number (same length)
        compounds = [
            (m.start(), m.end(), m.group().replace("\u2063", ""))
            for m in _COMPOUND.finditer(question)
        ]

        def words_of(start: int, end: int) -> list[str]:
            # "then-President": the name is what follows a lower-case prefix
            return [_NAME_PREFIX.sub("", w) for s, e, w in compounds if s < end and start < e]

        found: list[Name] = []
        covered: set[int] = set()
        for ent in doc.ents:
            covered.update(range(ent.start, ent.end))  # dates and times are not names
            words = words_of(ent.start_char, ent.end_char)
            if ent.label_ in NAMED:
                words = [w for w in words if w.lower() not in _STOP]
            elif ent.label_ in NUMBERS:
                words = [w for w in words if w[0].isdigit()]
            else:
                continue
            if ent.start == 0 and ent[0].lower_ in _ASKING and len(words) > 2:
                # "Will Dorothy McAuliffe release …?": the question's verb, not a name
                ent, words = ent[1:], words[1:]
            if words:
                found.append(Name(_bare(ent.text), tuple(words), ent.label_ == "PERSON"))
        for token in doc:
            if token.i in covered or token.i == 0:
                continue
            code = any(c.isdigit() for c in token.text) and any(c.isalpha() for c in token.text)
            if token.pos_ == "PROPN" or code:  # a name, or a code name ("G-20", "F-35")
                words = words_of(token.idx, token.idx + len(token))
                if words and all(f.words != (w,) for w in words for f in found):
                    found.append(Name(words[0], (words[0],)))
            elif things and token.pos_ == "NOUN" and token.is_alpha and len(token) > 2:
                word = token.lower_
                if all(f.words != (word,) for f in found):
                    found.append(Name(word, (word,), thing=True))
        return found

    def sources_asked(self, question: str) -> frozenset[str]:
        """Whom the question asks as a source, by the last word of their name (lower
        case): the subject of its verb of saying ("What did Josh Lowe say about
        McClanahan?" asks Lowe, not McClanahan) or what it is "according to". Only names
        count ("What did officials say?" asks no one in particular); a question with no
        verb of saying is not parsed."""
        return frozenset(word for h in self._asked(question) for word in speaker_words(h.text))

    def asked_names(self, question: str) -> list[str]:
        """Those sources as the question names them ("Josh Lowe", "Kremlin"), for a note."""
        names = []
        for head in self._asked(question):
            first = min([head.i, *(c.i for c in head.children if c.dep_ == "compound")])
            names.append(_bare(head.doc[first : head.i + 1].text))
        return names

    def _asked(self, question: str) -> list[Any]:
        """The name tokens ``sources_asked`` reads (heads of the names)."""
        if not has_cue(question):
            return []
        heads = []
        for token in self._doc(question):
            if token.pos_ == "VERB" and token.lemma_ in SPEECH_CUES:
                heads.extend(c for c in token.children if c.dep_ == "nsubj")
            elif token.lower_ == "to" and token.head.lower_ == "according":
                heads.extend(c for c in token.children if c.dep_ == "pobj")
        return [h for h in heads if h.pos_ == "PROPN"]

    def _doc(self, question: str) -> Any:
        """The question parsed once for both ``named`` and ``sources_asked``: in full when
        it has a verb of saying (the parse is kept for the second call), else with tags and
        entities only, all that names need."""
        with self._lock:
            if not has_cue(question):
                return self.nlp(question, disable=["parser", "lemmatizer"])
            if self._last is None or self._last[0] != question:
                self._last = (question, self.nlp(question))
            return self._last[1]

    def missing(
        self,
        question: str,
        texts: Sequence[str],
        telling: Callable[[Sequence[str]], bool] | None = None,
    ) -> tuple[str, ...]:
        """The question's names and numbers that none of ``texts`` mentions. ``telling``
        says whether a name's absence means anything (a name in every tenth article of
        the index, such as "US", may be missing from the passages that answer)."""
        named = [n for n in self.named(question) if telling is None or telling(n.words)]
        return self.absent(named, texts)

    def absent(self, named: Sequence[Name], texts: Sequence[str]) -> tuple[str, ...]:
        """The mentions of ``named`` that none of ``texts`` mentions."""
        if not named or not texts:
            return ()
        plain = [_plain(_THOUSANDS.sub("", text)) for text in texts]
        vocabulary = sorted({_base(w) for text in plain for w in _WORD.findall(text)})
        missing = []
        for name in named:
            words = [_base(_plain(w)) for w in name.words]
            if name.person:
                found = _surname_known(words[-1], vocabulary, plain) and not self._someone_else(
                    words, texts, vocabulary, plain
                )
            else:
                found = all(_known(w, vocabulary, plain) for w in words)
            if not found:
                missing.append(name.mention)
        return tuple(missing)

    def _someone_else(
        self, words: list[str], texts: Sequence[str], vocabulary: list[str], plain: Sequence[str]
    ) -> bool:
        """Do the passages name only other people with this surname ("Joe Biden" when the
        question asks about Ashley Biden)? Asked only when the passages lack the question's
        given name; the recogniser reads the words before each use of the surname, so
        "President Biden" or "Mr. Biden" give no other name."""
        given, surname = words[0], words[-1]
        if (
            len(words) == 1
            or _known(given, vocabulary, plain)
            or _spelled_alike(given, vocabulary)
            or _called_otherwise(given, surname, texts)
        ):
            return False
        use = re.compile(rf"(?<![^\W_]){re.escape(surname)}(?![^\W_])", re.IGNORECASE)
        windows = [
            text[text.find(" ", max(0, m.start() - _WINDOW)) + 1 : m.end()]
            for text in texts
            for m in use.finditer(text)
        ][:_MAX_WINDOWS]
        with self._lock:
            docs = list(self.nlp.pipe(windows, disable=["parser", "lemmatizer"]))
        return any(
            ent.label_ == "PERSON" and len(ent) > 1 and _base(_plain(ent[-1].text)) == surname
            for doc in docs
            for ent in doc.ents
        )


def speaker_words(speaker: str) -> frozenset[str]:
    """The words of a speaker's name as ``Mentions.sources_asked`` gives them."""
    return frozenset(_base(_plain(w)) for w in _COMPOUND.findall(speaker))


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


def _surname_known(surname: str, vocabulary: list[str], texts: Sequence[str]) -> bool:
    """A surname is a word of the passages; a longer word only when the surname is long
    enough for that to be a spelling variant ("Zelenskyy" for "Zelensky", not "Josie" for
    "Josi")."""
    if len(surname) >= _PREFIX + 2 or not _WORD.fullmatch(surname):
        return _known(surname, vocabulary, texts)
    return _in(surname, vocabulary)


def _in(word: str, vocabulary: list[str]) -> bool:
    """Is ``word`` itself a word of ``vocabulary`` (sorted)?"""
    i = bisect.bisect_left(vocabulary, word)
    return i < len(vocabulary) and vocabulary[i] == word


@cache
def _namer() -> Any:
    from nicknames import NickNamer

    return NickNamer()


def _called_otherwise(given: str, surname: str, texts: Sequence[str]) -> bool:
    """Do the passages call the person by a short form of the given name, or the name it
    is short for ("Joe Biden" for "Joseph Biden")? Only right before the surname: "Tory"
    is short for "Victoria", but "Tory failure" names no Victoria Starmer."""
    namer = _namer()
    forms = namer.nicknames_of(given) | namer.canonicals_of(given)
    if not forms:
        return False
    alternatives = "|".join(re.escape(form) for form in sorted(forms))
    full = re.compile(
        rf"(?<![^\W_])(?:{alternatives})\s+{re.escape(surname)}(?![^\W_])", re.IGNORECASE
    )
    return any(full.search(text) for text in texts)


def _spelled_alike(given: str, vocabulary: list[str]) -> bool:
    """Is a word of ``vocabulary`` (sorted) another spelling of the given name: the same
    first letter and the same consonants ("sergey" for "sergei", "mohammed" for
    "muhammad")?"""
    skeleton = _VOWELS.sub("", given[1:])
    i = bisect.bisect_left(vocabulary, given[:1])
    while i < len(vocabulary) and vocabulary[i][:1] == given[:1]:
        if _VOWELS.sub("", vocabulary[i][1:]) == skeleton:
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
