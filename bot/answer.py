"""Answers made of verbatim, attributed excerpts.

A question is searched (hybrid, as of a date); the sentences of the best passages are scored
against it; the best few, across articles, become excerpts. Every excerpt is a span of the
article's original text (``article.text[char_start:char_end] == quote``), extended back by a
sentence when it leans on the one before and its speaker cannot be resolved. When nothing
scores above a threshold calibrated on real questions, the answer says so and quotes nothing.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np

from bot.attribution import speaker
from index.embedding import Embedder
from index.lexical import tokenize
from index.retriever import Retriever
from index.sentences import sentence_spans
from index.types import Article, Passage, Question, Retrieval

Stance = Literal["denial", "statement"]

_DENIAL = re.compile(
    r"\b(den(?:y|ies|ied|ial)|refut\w*|reject\w*|dismiss\w*|no information|not confirm\w*|"
    r"(?:could|can|did|does|do|has|have|had)\s?n[o’']t confirm\w*|"
    r"unconfirmed|false|no evidence|never)\b",
    re.IGNORECASE,
)
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
    question, plus the question's rare words it shares and its passage's rank, scaled so
    the best possible is 1.
    """

    quote: str
    speaker: str | None
    char_start: int
    char_end: int
    score: float
    article: Article
    stance: Stance = "statement"

    def to_json(self) -> dict[str, object]:
        return {
            "quote": self.quote,
            "speaker": self.speaker,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "score": round(self.score, 4),
            "stance": self.stance,
            "article": self.article.meta(),
        }


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    answered: bool
    excerpts: list[Excerpt] = field(default_factory=list)
    note: str | None = None  # why nothing is quoted, in words, when that is known

    def sources(self) -> list[Article]:
        """The articles quoted, in order of first appearance."""
        seen: dict[str, Article] = {}
        for excerpt in self.excerpts:
            seen.setdefault(excerpt.article.id, excerpt.article)
        return list(seen.values())


@dataclass(frozen=True, slots=True)
class AnswerPolicy:
    """Selection knobs. ``min_similarity`` was set by an earlier session on all RTQA dev
    weeks; docs/benchmarks.md ("Tuning") shows what the tune weeks alone give."""

    max_excerpts: int = 4
    passages: int = 8  # retrieved passages whose sentences compete
    shortlist: int = 6  # sentences kept by the cheap word-overlap stage for embedding
    min_similarity: float = 0.42  # no sentence this close to the question: no answer
    margin: float = 0.25  # excerpts must score within this of the best one
    passage_weight: float = 0.1  # how much the passage's retrieval rank adds
    overlap_weight: float = 0.25  # how much sharing the question's rare words adds
    min_words: int = 4


@dataclass(slots=True)
class _Candidate:
    article: Article
    start: int
    end: int
    previous: tuple[int, int] | None
    passage_rank: int
    similarity: float = 0.0
    score: float = 0.0

    @property
    def sentence(self) -> str:
        return self.article.text[self.start : self.end]

    def stance(self) -> Stance:
        return "denial" if _DENIAL.search(self.sentence) else "statement"

    def speaker(self) -> str | None:
        """The sentence's speaker, a pronoun resolved from the sentence before."""
        previous = [self.article.text[slice(*self.previous)]] if self.previous else []
        return speaker(self.sentence, previous)


class Answerer:
    """Turns questions into answers over one retriever; load once, ask many times."""

    def __init__(
        self, retriever: Retriever, embedder: Embedder, policy: AnswerPolicy | None = None
    ) -> None:
        self.retriever = retriever
        self.embedder = embedder
        self.policy = policy or AnswerPolicy()
        self._sentences: OrderedDict[str, list[tuple[int, int]]] = OrderedDict()
        self._sentences_lock = threading.Lock()  # answers run in worker threads

    def answer(self, question: str, *, as_of: date | None = None) -> Answer:
        return self.compose(self.retrieve(question, as_of=as_of))

    def retrieve(self, question: str, *, as_of: date | None = None) -> Retrieval:
        """The passages whose sentences compete for the answer."""
        return self.retriever.search(question, self.policy.passages, as_of=as_of)

    def compose(self, retrieval: Retrieval) -> Answer:
        """Choose excerpts for the question among the sentences of the retrieved passages."""
        question = retrieval.question
        if retrieval.searchable_rows == 0:
            return Answer(
                question.text,
                answered=False,
                note=f"No indexed article was published on or before {question.as_of}.",
            )
        candidates = self._scored(retrieval)
        if not candidates or max(c.similarity for c in candidates) < self.policy.min_similarity:
            return Answer(question.text, answered=False, note=_refusal_note(question.text))
        best = max(c.score for c in candidates)
        chosen = self._select(candidates, best)
        excerpts = [self._excerpt(c) for c in chosen]
        return Answer(question.text, answered=True, excerpts=_order(excerpts))

    def best_similarity(self, retrieval: Retrieval) -> float:
        """How close the best candidate sentence is to the question (what the no-answer
        threshold is compared with; 0 when there is no candidate)."""
        return max((c.similarity for c in self._scored(retrieval)), default=0.0)

    # -- steps ---------------------------------------------------------------------------

    def _scored(self, retrieval: Retrieval) -> list[_Candidate]:
        """The shortlisted candidate sentences of the passages, scored."""
        candidates = self._candidates(retrieval.passages)
        return self._score(retrieval.question, candidates) if candidates else []

    def _candidates(self, passages: list[Passage]) -> list[_Candidate]:
        found: dict[tuple[str, int], _Candidate] = {}
        for passage in passages:
            spans = self._article_sentences(passage.article)
            for i, (start, end) in enumerate(spans):
                if start < passage.char_start or end > passage.char_end:
                    continue
                text = passage.article.text[start:end]
                if len(text.split()) < self.policy.min_words or text == passage.article.title:
                    continue
                key = (passage.article.id, start)
                if key not in found:
                    previous = spans[i - 1] if i > 0 else None
                    found[key] = _Candidate(passage.article, start, end, previous, passage.rank)
        return list(found.values())

    def _article_sentences(self, article: Article) -> list[tuple[int, int]]:
        key = article.content_hash or article.id
        with self._sentences_lock:
            spans = self._sentences.get(key)
            if spans is not None:
                self._sentences.move_to_end(key)
                return spans
        spans = sentence_spans(article.text)
        with self._sentences_lock:
            self._sentences[key] = spans
            if len(self._sentences) > 512:
                self._sentences.popitem(last=False)
        return spans

    def _score(self, question: Question, candidates: list[_Candidate]) -> list[_Candidate]:
        """Shortlist by shared rare words, then score by embedding similarity.

        Embedding every sentence of every passage would cost ~2-4 ms a sentence here; the
        shortlist keeps the answer step within a few tens of milliseconds. Sentences are
        embedded one at a time with the document encoder: unpadded, which is fastest for
        short texts, and independent of what else is in a batch (int8 activations are
        quantised per batch), so the same question always gets the same answer.
        """
        weight = self.policy.passage_weight
        idf = question.term_weights
        texts = [c.article.text[c.start : c.end] for c in candidates]
        words = tokenize(texts)
        asked = set(question.terms) - _QUESTION_WORDS
        top_idf = sum(idf.get(w, 0.0) for w in asked) or 1.0
        overlap = [sum(idf.get(w, 0.0) for w in asked & set(ws)) / top_idf for ws in words]
        order = sorted(
            range(len(candidates)),
            key=lambda i: -(overlap[i] + weight / candidates[i].passage_rank),
        )[: self.policy.shortlist]
        shortlist = [candidates[i] for i in order]
        query = question.vector
        if query is None:  # a BM25-only search embedded nothing
            query = self.embedder.encode([question.text])[0]
        vectors = np.vstack([self.embedder.encode_documents([texts[i]]) for i in order])
        similarity = (vectors @ query).tolist()
        for i, candidate, sim in zip(order, shortlist, similarity, strict=True):
            candidate.similarity = sim
            candidate.score = (
                sim + self.policy.overlap_weight * overlap[i] + weight / candidate.passage_rank
            )
        return shortlist

    def _select(self, candidates: list[_Candidate], best: float) -> list[_Candidate]:
        ranked = sorted(candidates, key=lambda c: -c.score)
        eligible = [c for c in ranked if c.score >= best - self.policy.margin]
        chosen: list[_Candidate] = []
        seen_text: set[str] = set()
        for candidate in eligible:
            text = _normal(candidate.article.text[candidate.start : candidate.end])
            if text in seen_text or any(_overlaps(candidate, c) for c in chosen):
                continue
            seen_text.add(text)
            chosen.append(candidate)
            if len(chosen) == self.policy.max_excerpts:
                break
        return _with_both_sides(chosen, eligible, self.policy.max_excerpts)

    def _excerpt(self, candidate: _Candidate) -> Excerpt:
        text = candidate.article.text
        who = candidate.speaker()
        start = candidate.start
        if (
            who is None
            and candidate.previous
            and _LEANS_BACK.match(candidate.sentence)
            and _adjacent(text, candidate.previous[1], candidate.start)
        ):
            start = candidate.previous[0]
            who = speaker(text[start : candidate.previous[1]])
        best_possible = 1.0 + self.policy.overlap_weight + self.policy.passage_weight
        return Excerpt(
            quote=text[start : candidate.end],
            speaker=who,
            char_start=start,
            char_end=candidate.end,
            score=min(1.0, max(0.0, candidate.score / best_possible)),
            article=candidate.article,
            stance=candidate.stance(),
        )


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


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def _overlaps(a: _Candidate, b: _Candidate) -> bool:
    return a.article.id == b.article.id and a.start < b.end and b.start < a.end


def _adjacent(text: str, end: int, start: int) -> bool:
    """Only white space (no furniture line) between two sentences."""
    return not text[end:start].strip()


def _with_both_sides(
    chosen: list[_Candidate], eligible: list[_Candidate], limit: int
) -> list[_Candidate]:
    """When only denials (or only statements) were chosen but the other side is eligible,
    make room for its best sentence, so a report and its denial are seen together."""
    if not chosen:
        return chosen
    stances = {c.stance() for c in chosen}
    if len(stances) == 2:
        return chosen
    other = next(
        (
            c
            for c in eligible
            if c.stance() not in stances and c.speaker() is not None and c not in chosen
        ),
        None,
    )
    if other is None:
        return chosen
    return [*chosen[: limit - 1], other] if len(chosen) >= limit else [*chosen, other]


def _order(excerpts: list[Excerpt]) -> list[Excerpt]:
    """By score, highest first; when both a report and its denial are shown, the reports
    come first (the claim, then who denies it), each group by score."""
    if len({e.stance for e in excerpts}) == 2:
        return sorted(excerpts, key=lambda e: (e.stance == "denial", -e.score))
    return sorted(excerpts, key=lambda e: -e.score)
