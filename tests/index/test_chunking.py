"""Chunks: exact spans, token budgets, overlap, and never longer than the model accepts."""

from __future__ import annotations

import itertools

from index.chunking import Chunker, tiktoken_count
from index.corpus import read_corpus
from index.types import Article
from tests.conftest import SEED_CORPUS


def article(text: str) -> Article:
    return Article(id="a", title="t", text=text, path="a.txt")


def test_every_chunk_is_its_span_of_the_original_text():
    chunker = Chunker(60, 15)
    for art in read_corpus(SEED_CORPUS).articles:
        chunks = chunker.chunk(art)
        assert chunks
        for chunk in chunks:
            assert art.text[chunk.start : chunk.end] == chunk.text
            assert chunk.article_id == art.id


def test_chunks_respect_the_token_budget_and_overlap_by_whole_sentences():
    sentences = [f"Sentence number {i} says the river rose again today." for i in range(40)]
    text = " ".join(sentences)
    chunks = Chunker(50, 12).chunk(article(text))
    assert len(chunks) > 3
    for chunk in chunks:
        assert tiktoken_count([chunk.text])[0] <= 52  # joins may merge a space or two
        assert chunk.text.startswith("Sentence number") and chunk.text.endswith("today.")
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end, "neighbours share overlapping sentences"
        assert before.start < after.start


def test_furniture_splits_chunks_and_is_never_inside_one():
    text = "First part is here.\n\nAdvertisement\n\nSecond part is here.\n\nShare\n"
    chunks = Chunker(200, 20).chunk(article(text))
    assert [c.text for c in chunks] == ["First part is here.", "Second part is here."]


def test_an_over_long_sentence_is_cut_at_clauses_then_words():
    text = "The minister said, " + ", ".join(f"item {i} of the long list" for i in range(200)) + "."
    chunks = Chunker(40, 5).chunk(article(text))
    assert len(chunks) > 5
    for chunk in chunks:
        assert tiktoken_count([chunk.text])[0] <= 40
        assert text[chunk.start : chunk.end] == chunk.text
    assert "".join(text[c.start : c.end] for c in chunks).replace(" ", "") != ""


def test_a_word_longer_than_the_budget_is_cut_by_length():
    text = "x" * 5000
    chunks = Chunker(30, 5).chunk(article(text))
    assert all(tiktoken_count([c.text])[0] <= 30 for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == 5000


def test_no_seed_chunk_exceeds_the_real_models_limit(real_embedder, torch_embedder):
    """The model truncates silently past its limit; chunks must never reach it."""
    limit = real_embedder.max_tokens
    assert limit == 254
    # A budget far above the model's limit forces the model limit to do the work.
    chunker = Chunker(1000, 50, model_count=real_embedder.count_tokens, model_limit=limit)
    dense = article(" ".join(["Antidisestablishmentarianism 1,234,567.89 km²!"] * 300))
    for art in [*read_corpus(SEED_CORPUS).articles, dense]:
        chunks = chunker.chunk(art)
        counts = real_embedder.count_tokens([c.text for c in chunks])
        assert max(counts) <= limit
        tokenized = torch_embedder.model.tokenizer([c.text for c in chunks])["input_ids"]
        assert max(len(ids) for ids in tokenized) <= torch_embedder.model.max_seq_length
