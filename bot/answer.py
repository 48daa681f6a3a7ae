"""Answers made of verbatim, attributed excerpts.

A question is searched (hybrid, as of a date); the quotable sentences of the best passages
are scored against it; the best few, across articles, become excerpts. Every excerpt is a
span of the article's original text (``article.text[char_start:char_end] == quote``) with
the speaker and stance found for that sentence when the index was built
(``index/attribution.py``): a speaker is never guessed at question time. A sentence that
leans on the one before it ("He added …") brings that sentence along as a lead-in excerpt
of its own, from the same paragraph, with its own speaker. A question that asks what
someone said ("What did Nadal say …?") prefers that source's statements, from anywhere in
the articles found.

Two ways not to answer: when the question names someone or something (a person, body,
place, event or number) that none of the retrieved articles mentions, the answer says what
is missing and quotes nothing; and when no sentence is close enough to the question.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from bot.mentions import Mentions, Name, speaker_words
from bot.quotable import dateline_length, quotable_paragraph
from core.errors import IndexMismatchError
from index.embedding import Embedder
from index.lexical import tokenize
from index.retriever import Retriever
from index.sentences import paragraphs, sentences
from index.types import Article, Passage, Question, Retrieval, Stance, Statement

# Words of asking, not of the topic: they must not make a sentence look relevant.
_QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how did does do done was were is are be been "
    "has have had will would can could should may might must shall said say says tell told "
    "tells report reported".split()
)
_LEANS_BACK = re.compile(
    r"^(?:[“\"‘]?)(?:he|she|they|it|this|that|these|those|its|their|his|her|but|and|also|"
    r"however|still|yet|the (?:announcement|statement|move|decision|report|comments?))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A verbatim quote from one article, and who said it when the text names them.

    ``score`` (0 to 1) is how well the sentence answers the question: its similarity to the
    question, plus the question's rare words it shares, its passage's rank, and whether it
    was said by the source the question asks about, scaled so the best possible is 1.
    """

    quote: str
    speaker: str | None
    char_start: int
    char_end: int
    score: float
    article: Article
    stance: Stance = "claim"
    lead_in: bool = False  # quoted because the next excerpt leans on it ("He added …")

    def to_json(self) -> dict[str, object]:
        return {
            "quote": self.quote,
            "speaker": self.speaker,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "score": round(self.score, 4),
            "stance": self.stance,
            "lead_in": self.lead_in,
            "article": self.article.meta(),
        }


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    answered: bool
    excerpts: list[Excerpt] = field(default_factory=list)
    # Why nothing is quoted, in words, when that is known; or, with quotes, what they are
    # not (none is by the source the question asks about).
    note: str | None = None
    missing: tuple[str, ...] = ()  # what the question names that no article found mentions

    def sources(self) -> list[Article]:
        """The articles quoted, in order of first appearance."""
        seen: dict[str, Article] = {}
        for excerpt in self.excerpts:
            seen.setdefault(excerpt.article.id, excerpt.article)
        return list(seen.values())


# A sentence that asks (its last mark a question mark, inside quotes or not) answers nothing.
_ASKS = re.compile(r"\?[\"”’')\]]*$")
# Two sentences whose words match this closely in order (difflib's ratio) say one thing:
# "… following a bomb attack at …" and "… following a bombing at …" on one live page.
# Chosen before any measurement; sentences that differ in a number are never the same.
_SAME_WORDS = 0.85
# A lone letter joined to a number ("G-20", "F-35", "B-52"): BM25 splits it into a letter
# and a number, each common on its own.
_LETTER_CODE = re.compile(r"(?<![^\W_])[^\W\d_][-.]\d|\d[-.][^\W\d_](?![^\W_])")


@dataclass(frozen=True, slots=True)
class AnswerPolicy:
    """Selection knobs. All but ``max_excerpts``, ``min_words`` and ``min_name_idf`` are
    chosen by bench/tune_retrieval.py on the tune half of the labelled questions and the
    tune weeks only (docs/benchmarks.md, "Tuning")."""

    max_excerpts: int = 4
    passages: int = 12  # retrieved passages whose sentences compete
    per_article: int = 3  # of them, at most this many from one article
    shortlist: int = 6  # sentences kept by the cheap word-overlap stage for embedding
    min_similarity: float = 0.40  # no sentence this close to the question: no answer
    margin: float = 0.25  # excerpts must score within this of the best one
    passage_weight: float = 0.05  # how much the passage's retrieval rank adds
    overlap_weight: float = 0.1  # how much sharing the question's rare words adds
    # "What did Nadal say …?": how much being said by the source the question asks adds,
    # and how many of that source's sentences are embedded beyond the shortlist.
    speaker_weight: float = 0.2
    speaker_extra: int = 4
    min_words: int = 4
    # A name of the question must be this rare in the index (BM25 idf; 3.12 is about one
    # chunk in 23) for its absence from the passages to refuse the question, and a common
    # noun this rare ("norovirus"; 7.68 is about one chunk in 2,200). Tuned on tune halves
    # only by `bench/run.py names` (docs/benchmarks.md, "Answer or refuse").
    min_name_idf: float = 3.12
    min_thing_idf: float = 7.68


@dataclass(frozen=True, slots=True)
class _Sentence:
    """A quotable sentence of an article; ``previous`` is the sentence before it in the
    same paragraph (None for a paragraph's first sentence)."""

    start: int
    end: int
    previous: tuple[int, int] | None


@dataclass(slots=True)
class _Candidate:
    article: Article
    start: int
    end: int
    previous: tuple[int, int] | None
    passage_rank: int
    statement: Statement | None
    similarity: float = 0.0
    score: float = 0.0
    asked: bool = False  # said by the source the question asks about ("What did X say?")

    @property
    def sentence(self) -> str:
        return self.article.text[self.start : self.end]

    @property
    def speaker(self) -> str | None:
        return self.statement.speaker if self.statement else None

    @property
    def stance(self) -> Stance:
        return self.statement.stance if self.statement else "claim"


class Answerer:
    """Turns questions into answers over one retriever; load once, ask many times.

    ``mentions`` finds what a question names (spaCy's entities, loaded on first use)."""

    def __init__(
        self,
        retriever: Retriever,
        embedder: Embedder,
        policy: AnswerPolicy | None = None,
        *,
        mentions: Mentions | None = None,
    ) -> None:
        statements = retriever.index.statements
        if statements is None:
            raise IndexMismatchError(
                "the index was built before Newsdesk attributed quotes (it has no speakers); "
                "run `newsdesk index build` (its vectors are reused)"
            )
        self.retriever = retriever
        self.embedder = embedder
        self.policy = policy or AnswerPolicy()
        self.mentions = mentions or Mentions()
        self._statements = statements
        self._sentences: OrderedDict[str, list[_Sentence]] = OrderedDict()
        self._sentences_lock = threading.Lock()  # answers run in worker threads

    def answer(self, question: str, *, as_of: date | None = None) -> Answer:
        return self.compose(self.retrieve(question, as_of=as_of))

    def retrieve(self, question: str, *, as_of: date | None = None) -> Retrieval:
        """The passages whose sentences compete for the answer."""
        return self.retriever.search(
            question, self.policy.passages, as_of=as_of, per_article=self.policy.per_article
        )

    def compose(self, retrieval: Retrieval) -> Answer:
        """Choose excerpts for the question among the sentences of the retrieved passages."""
        question = retrieval.question
        if retrieval.searchable_rows == 0:
            return Answer(
                question.text,
                answered=False,
                note=f"No indexed article was published on or before {question.as_of}.",
            )
        rare = self._rare(question)
        named = [n for n in self.mentions.named(question.text, things=True) if rare(n)]
        missing = self.mentions.absent(named, [p.text for p in retrieval.passages])
        if missing:
            return _missing_answer(question.text, missing)
        candidates = self._scored(retrieval)
        if not candidates or max(c.similarity for c in candidates) < self.policy.min_similarity:
            return Answer(question.text, answered=False, note=_refusal_note(question.text))
        best = max(c.score for c in candidates)
        chosen = _order(self._select(candidates, best))
        # The quotes must come from passages of articles that name what the question
        # names: a name found only in another article means they answer something else.
        quoted = {c.article.id for c in chosen}
        missing = self.mentions.absent(
            named, [p.text for p in retrieval.passages if p.article.id in quoted]
        )
        if missing:
            return _missing_answer(question.text, missing)
        return Answer(
            question.text,
            answered=True,
            excerpts=self._excerpts(chosen),
            note=self._unasked_note(question.text, chosen),
        )

    def _unasked_note(self, question: str, chosen: list[_Candidate]) -> str | None:
        """ "What did the Kremlin say …?" answered with others' words says so: the reader
        must not take the quotes for the Kremlin's."""
        if any(c.asked for c in chosen):
            return None
        names = self.mentions.asked_names(question)
        if not names:
            return None
        named = " or ".join(f"“{n}”" for n in names)
        return f"I found no quote attributed to {named}; these are the closest."

    def _rare(self, question: Question) -> Callable[[Name], bool]:
        """Is a name (or a common noun) rare enough in the index that its absence from the
        passages tells? A word the index does not hold at all is the rarest. In an index too
        small for any word to reach the floor, every name tells, and no common noun does:
        there, a noun the passages lack is as likely another word for what they say."""
        policy = self.policy
        top = math.log1p((len(self.retriever.index.chunks) - 0.5) / 1.5)  # one row's idf

        def rare(name: Name) -> bool:
            floor = policy.min_thing_idf if name.thing else policy.min_name_idf
            if top < floor:
                return not name.thing
            return name_rarity(name.words, question.term_weights) >= floor

        return rare

    def best_similarity(self, retrieval: Retrieval) -> float:
        """How close the best candidate sentence is to the question (what the no-answer
        threshold is compared with; 0 when there is no candidate)."""
        return max((c.similarity for c in self._scored(retrieval)), default=0.0)

    # -- steps ---------------------------------------------------------------------------

    def _scored(self, retrieval: Retrieval) -> list[_Candidate]:
        """The shortlisted candidate sentences of the passages, scored."""
        candidates = self._candidates(retrieval.passages)
        asked = self.mentions.sources_asked(retrieval.question.text) if candidates else set()
        if asked:
            candidates += self._said_elsewhere(retrieval.passages, candidates, asked)
        return self._score(retrieval.question, candidates, asked) if candidates else []

    def _said_elsewhere(
        self, passages: list[Passage], found: list[_Candidate], asked: Set[str]
    ) -> list[_Candidate]:
        """What the asked source says in the articles found, outside the passages: their
        statements are known for the whole article, so "What did Spielberg say …?" can
        quote him from a part of the article the search did not return."""
        have = {(c.article.id, c.start) for c in found}
        rank: dict[str, int] = {}
        articles: dict[str, Article] = {}
        for passage in passages:
            rank.setdefault(passage.article.id, passage.rank)
            articles.setdefault(passage.article.id, passage.article)
        out = []
        for article_id, article in articles.items():
            said = self._said(article_id)
            for sentence in self._article_sentences(article):
                if (article_id, sentence.start) in have:
                    continue
                candidate = _Candidate(
                    article,
                    sentence.start,
                    sentence.end,
                    sentence.previous,
                    rank[article_id],
                    said.get(sentence.start),
                )
                if _said_by(candidate, asked):
                    out.append(candidate)
        return out

    def _said(self, article_id: str) -> dict[int, Statement]:
        """An article's statements by the start of their sentence."""
        return {s.start: s for s in self._statements.get(article_id, ())}

    def _candidates(self, passages: list[Passage]) -> list[_Candidate]:
        found: dict[tuple[str, int], _Candidate] = {}
        for passage in passages:
            article = passage.article
            said = self._said(article.id)
            for sentence in self._article_sentences(article):
                if sentence.start < passage.char_start or sentence.end > passage.char_end:
                    continue
                text = article.text[sentence.start : sentence.end]
                if len(text.split()) < self.policy.min_words or text == article.title:
                    continue
                found.setdefault(
                    (article.id, sentence.start),
                    _Candidate(
                        article,
                        sentence.start,
                        sentence.end,
                        sentence.previous,
                        passage.rank,
                        said.get(sentence.start),
                    ),
                )
        return list(found.values())

    def _article_sentences(self, article: Article) -> list[_Sentence]:
        key = article.content_hash or article.id
        with self._sentences_lock:
            cached = self._sentences.get(key)
            if cached is not None:
                self._sentences.move_to_end(key)
                return cached
        captions = {s.start for s in self._statements.get(article.id, ()) if s.caption}
        found = _quotable_sentences(article.text, captions)
        with self._sentences_lock:
            self._sentences[key] = found
            if len(self._sentences) > 512:
                self._sentences.popitem(last=False)
        return found

    def _score(
        self, question: Question, candidates: list[_Candidate], asked: Set[str]
    ) -> list[_Candidate]:
        """Shortlist by shared rare words, then score by embedding similarity.

        Embedding every sentence of every passage would cost ~2-4 ms a sentence here; the
        shortlist keeps the answer step within a few tens of milliseconds. Sentences are
        embedded with the document encoder, which embeds each on its own (unpadded, which
        is fastest for short texts, and independent of what else is in a batch: int8
        activations are quantised per batch), two side by side.
        """
        weight = self.policy.passage_weight
        idf = question.term_weights
        texts = [c.sentence for c in candidates]
        words = tokenize(texts)
        terms = set(question.terms) - _QUESTION_WORDS
        top_idf = sum(idf.get(w, 0.0) for w in terms) or 1.0
        overlap = [sum(idf.get(w, 0.0) for w in terms & set(ws)) / top_idf for ws in words]
        ranked = sorted(
            range(len(candidates)),
            key=lambda i: -(overlap[i] + weight / candidates[i].passage_rank),
        )
        order = ranked[: self.policy.shortlist]
        by_asked = {i for i in ranked if _said_by(candidates[i], asked)}
        order += [i for i in ranked if i in by_asked and i not in order][
            : self.policy.speaker_extra
        ]
        shortlist = [candidates[i] for i in order]
        query = question.vector
        if query is None:  # a BM25-only search embedded nothing
            query = self.embedder.encode([question.text])[0]
        vectors = self.embedder.encode_documents([texts[i] for i in order])
        similarity = (vectors @ query).tolist()
        for i, candidate, sim in zip(order, shortlist, similarity, strict=True):
            candidate.similarity = sim
            candidate.asked = i in by_asked
            candidate.score = (
                sim
                + self.policy.overlap_weight * overlap[i]
                + weight / candidate.passage_rank
                + self.policy.speaker_weight * candidate.asked
            )
        return shortlist

    def _select(self, candidates: list[_Candidate], best: float) -> list[_Candidate]:
        ranked = sorted(candidates, key=lambda c: -c.score)
        eligible = [c for c in ranked if c.score >= best - self.policy.margin]
        chosen: list[_Candidate] = []
        for candidate in eligible:
            if any(_repeats(candidate, c) for c in chosen):
                continue
            chosen.append(candidate)
            if len(chosen) == self.policy.max_excerpts:
                break
        chosen = _with_the_asked_source(chosen, eligible, self.policy.max_excerpts)
        return _with_both_sides(chosen, eligible, self.policy.max_excerpts)

    def _excerpts(self, chosen: list[_Candidate]) -> list[Excerpt]:
        """Each chosen sentence as an excerpt, right after the sentence before it when it
        leans on that one ("It showed …") and has no speaker of its own: the sentence
        before, from the same paragraph, is quoted as a lead-in (or moved up, when it was
        chosen itself). Each keeps its own speaker, and no span is quoted twice. Lead-ins
        count towards ``max_excerpts``: the lowest-scored sentences (with their lead-ins)
        give way (with a limit of one, the best sentence is quoted without its lead-in)."""
        by_start = {(c.article.id, c.start): c for c in chosen}
        leads: dict[int, tuple[int, int]] = {}
        for n, c in enumerate(chosen):
            if c.previous is not None and c.speaker is None and _LEANS_BACK.match(c.sentence):
                leads[n] = c.previous
        moved = {
            (chosen[n].article.id, span[0])
            for n, span in leads.items()
            if (chosen[n].article.id, span[0]) in by_start
        }
        units: list[tuple[float, list[Excerpt]]] = []  # (score, a sentence and its lead-in)
        emitted: set[tuple[str, int]] = set()
        for n, c in enumerate(chosen):
            key = (c.article.id, c.start)
            if key in emitted or (key in moved and n not in leads):
                continue
            unit: list[Excerpt] = []
            score = c.score
            span = leads.get(n)
            if span is not None and (c.article.id, span[0]) not in emitted:
                own = by_start.get((c.article.id, span[0]))
                if own is not None:
                    unit.append(
                        self._excerpt(c.article, own.start, own.end, own.statement, own.score)
                    )
                    score = max(score, own.score)
                else:
                    lead = self._said(c.article.id).get(span[0])
                    unit.append(self._excerpt(c.article, *span, lead, c.score, lead_in=True))
                emitted.add((c.article.id, span[0]))
            unit.append(self._excerpt(c.article, c.start, c.end, c.statement, c.score))
            emitted.add(key)
            units.append((score, unit))
        kept: set[int] = set()
        room = self.policy.max_excerpts
        for i in sorted(range(len(units)), key=lambda i: -units[i][0]):
            if len(units[i][1]) <= room:
                kept.add(i)
                room -= len(units[i][1])
        if not kept and units:  # a limit of one, and the best sentence leans back: alone
            best = max(units, key=lambda unit: unit[0])[1]
            return best[-1:]
        return [e for i, (_, unit) in enumerate(units) if i in kept for e in unit]

    def _excerpt(
        self,
        article: Article,
        start: int,
        end: int,
        statement: Statement | None,
        score: float,
        *,
        lead_in: bool = False,
    ) -> Excerpt:
        start += dateline_length(article.text[start:end])
        policy = self.policy
        best_possible = 1.0 + policy.overlap_weight + policy.passage_weight + policy.speaker_weight
        return Excerpt(
            quote=article.text[start:end],
            speaker=statement.speaker if statement else None,
            char_start=start,
            char_end=end,
            score=min(1.0, max(0.0, score / best_possible)),
            article=article,
            stance=statement.stance if statement else "claim",
            lead_in=lead_in,
        )


def name_rarity(words: Sequence[str], idf: Mapping[str, float]) -> float:
    """How rare a name is in the index: the highest idf of its words' BM25 terms, infinite
    when one of them is in no row at all, when the name has no term, or when it is a code
    name, which BM25 splits into common terms ("G-20" is "g" and "20", found in any text
    on the G-7 and twenty of something, and "G-7" does not answer for it)."""
    if any(_LETTER_CODE.search(word) for word in words):
        return math.inf
    weights = [idf.get(term, 0.0) for term in tokenize([" ".join(words)])[0]]
    return math.inf if not weights or 0.0 in weights else max(weights)


def _said_by(candidate: _Candidate, asked: Set[str]) -> bool:
    """Is the candidate's speaker one the question asks about (a word of its name)?"""
    if not asked or candidate.speaker is None:
        return False
    return not asked.isdisjoint(speaker_words(candidate.speaker))


def _quotable_sentences(text: str, captions: Set[int]) -> list[_Sentence]:
    """The sentences of ``text`` that may be quoted, each with the one before it in its
    paragraph: questions, photo captions (found at index time, starting at ``captions``),
    headlines, bylines and furniture are left out."""
    found: list[_Sentence] = []
    for paragraph in paragraphs(text):
        if paragraph.furniture or paragraph.start in captions:
            continue
        if not quotable_paragraph(text[paragraph.start : paragraph.end]):
            continue
        spans = list(sentences(text, paragraph.start, paragraph.end))
        found.extend(
            _Sentence(start, end, spans[i - 1] if i else None)
            for i, (start, end) in enumerate(spans)
            if not _ASKS.search(text, start, end)
        )
    return found


def _missing_answer(question: str, missing: tuple[str, ...]) -> Answer:
    language = _refusal_note(question)  # "Absturz" is missing because it is German
    if language is not None:
        return Answer(question, answered=False, note=language)
    return Answer(question, answered=False, note=_missing_note(missing), missing=missing)


def _missing_note(missing: tuple[str, ...]) -> str:
    named = " or ".join(f"“{m}”" for m in missing)
    return f"The articles I found do not mention {named}, so I am not quoting anything."


def _refusal_note(question: str) -> str | None:
    """Why a question got no answer, when the reason is its language."""
    from bot.language import foreign_language

    language = foreign_language(question)
    if language is None:
        return None
    return (
        f"Only English articles and questions are supported; this question looks like "
        f"{language}. Please ask in English."
    )


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]", "", text.lower()).split()


def _repeats(a: _Candidate, b: _Candidate) -> bool:
    """Would quoting both say the same thing twice: one span, or the same sentence copied
    with a word or two changed (a live page's updates, one wire story in two outlets)?"""
    if a.article.id == b.article.id and a.start < b.end and b.start < a.end:
        return True
    words_a, words_b = _words(a.sentence), _words(b.sentence)
    if words_a == words_b:
        return True
    if _numbers(words_a) != _numbers(words_b):
        return False  # "at least 10 killed" and, updated, "at least 12 killed" both tell
    return SequenceMatcher(None, words_a, words_b, autojunk=False).ratio() >= _SAME_WORDS


def _numbers(words: list[str]) -> set[str]:
    return {w for w in words if any(ch.isdigit() for ch in w)}


def _side(stance: Stance) -> str:
    """A claim reports something; a denial or a "cannot confirm" disputes it."""
    return "report" if stance == "claim" else "dispute"


def _with_both_sides(
    chosen: list[_Candidate], eligible: list[_Candidate], limit: int
) -> list[_Candidate]:
    """When only reports (or only disputes) were chosen but the other side is eligible and
    attributed, make room for its best sentence, so a report and its denial are seen
    together."""
    if not chosen:
        return chosen
    sides = {_side(c.stance) for c in chosen}
    if len(sides) == 2:
        return chosen
    other = next(
        (
            c
            for c in eligible
            if _side(c.stance) not in sides
            and c.speaker is not None
            and not any(_repeats(c, d) for d in chosen)
        ),
        None,
    )
    return chosen if other is None else _make_room(chosen, other, limit)


def _with_the_asked_source(
    chosen: list[_Candidate], eligible: list[_Candidate], limit: int
) -> list[_Candidate]:
    """ "What did Nadal say …?": when nothing chosen was said by Nadal but an eligible
    sentence was, make room for the best of them."""
    if not chosen or any(c.asked for c in chosen):
        return chosen
    theirs = next(
        (c for c in eligible if c.asked and not any(_repeats(c, d) for d in chosen)), None
    )
    return chosen if theirs is None else _make_room(chosen, theirs, limit)


def _make_room(chosen: list[_Candidate], newcomer: _Candidate, limit: int) -> list[_Candidate]:
    """``chosen`` plus ``newcomer``; at the limit, the lowest-placed sentence not said by
    the asked source gives way."""
    if len(chosen) < limit:
        return [*chosen, newcomer]
    drop = next((i for i in reversed(range(len(chosen))) if not chosen[i].asked), -1)
    return [*chosen[:drop], *chosen[drop + 1 :], newcomer] if drop >= 0 else chosen


def _order(chosen: list[_Candidate]) -> list[_Candidate]:
    """By score, highest first; when both a report and its dispute are shown, the reports
    come first (the claim, then who denies it or cannot confirm it), each side by score."""
    if len({_side(c.stance) for c in chosen}) == 2:
        return sorted(chosen, key=lambda c: (_side(c.stance) == "dispute", -c.score))
    return sorted(chosen, key=lambda c: -c.score)
