"""Hostile and malformed input: generated files, filesystem tricks, generated questions."""

from __future__ import annotations

import gzip
import json
import os
import tracemalloc
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answer import Answer, Excerpt
from bot.discord_app.embeds import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    TOTAL_LIMIT,
    answer_embed,
    short_text,
)
from core.errors import QueryError
from index.corpus import read_corpus
from index.retriever import clean_query
from index.types import Article
from tests.reliability.conftest import size

SUFFIXES = [".txt", ".md", ".json", ".jsonl", ".jsonl.gz", ".json.gz"]

nasty_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400
) | st.sampled_from(
    [
        "\ufeffHeadline\n\nBody.",
        "---\ntitle: [unclosed\n---\nBody",
        "---\na: &a [1]\nb: *a\n---\nx",
        "\x00\x01binary",
        "",
        "   \n\t ",
        "{}",
        "[]",
        '{"text": 5}',
        '[{"text": ""}]',
        "null",
        '{"id": null, "text": "ok text"}',
        "---\n---\n",
        "# Only a title",
    ]
)
nasty_bytes = st.binary(max_size=300) | st.sampled_from(
    [b"\xff\xfe\xfd", b"\xef\xbb\xbfBOM headline\n\nbody", b"\x1f\x8b\x08garbage", b"\x00" * 50]
)


def _write(folder: Path, index: int, suffix: str, data: bytes) -> None:
    if suffix.endswith(".gz") and data[:2] != b"\x1f\x8b":
        data = gzip.compress(data)
    (folder / f"f{index}{suffix}").write_bytes(data)


@settings(
    max_examples=size(200, 10_000),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    files=st.lists(
        st.tuples(st.sampled_from(SUFFIXES), nasty_text.map(str.encode) | nasty_bytes),
        min_size=1,
        max_size=5,
    )
)
def test_generated_files_give_only_articles_or_reported_skips(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("fuzz")
    for i, (suffix, data) in enumerate(files):
        _write(folder, i, suffix, data)
    reading = read_corpus(folder)
    for article in reading.articles:
        assert article.text.strip() and article.id and article.title
    reported = {s.path for s in reading.skipped}
    paths = {a.path for a in reading.articles}
    assert all(f"f{i}{suffix}" in paths | reported for i, (suffix, _) in enumerate(files))


def test_huge_and_deep_inputs_are_skipped_with_bounded_memory(tmp_path):
    (tmp_path / "line.txt").write_bytes(b"x" * 50_000_000)
    (tmp_path / "line.jsonl").write_bytes(b'{"text": "' + b"y" * 50_000_000 + b'"}\n')
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    (tmp_path / "wide.json").write_text(
        json.dumps([{"id": str(i), "text": f"t {i}"} for i in range(20_000)])
    )
    (tmp_path / "bomb.md").write_text("---\n" + "a: " + "[" * 5000 + "]" * 5000 + "\n---\nbody")
    tracemalloc.start()
    reading = read_corpus(tmp_path, max_article_chars=2_000_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    reasons = {s.path: s.reason for s in reading.skipped}
    assert "larger than" in reasons["line.txt"]
    assert reasons["deep.json"] == "JSON nested too deeply"
    assert "bomb.md" in reasons
    assert any(s.path == "line.jsonl" and s.reason == "line too long" for s in reading.skipped)
    assert len(reading.articles) == 20_000
    assert peak < 120 * 2**20, f"peak {peak / 2**20:.0f} MB"


def test_filesystem_tricks_are_skipped_with_a_reason(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "real.txt").write_text("Real\n\nInside text.")
    (corpus / "name\nwith newline.txt").write_text("Odd name\n\nStill an article.")
    os.link(corpus / "real.txt", corpus / "hardlink.txt")
    (corpus / "dirloop").symlink_to(corpus)
    (tmp_path / "outside").mkdir()
    (corpus / "outlink").symlink_to(tmp_path / "outside")
    os.mkfifo(corpus / "fifo.jsonl")
    reading = read_corpus(corpus)
    paths = sorted(a.path for a in reading.articles)
    assert len(paths) == 2 and "name\nwith newline.txt" in paths  # one of the hard links
    reasons = {s.path: s.reason for s in reading.skipped}
    assert {"hardlink.txt", "real.txt"} - set(paths) <= set(reasons)
    assert reasons["dirloop"] == reasons["outlink"] == "symlinked folder not followed"
    assert reasons["fifo.jsonl"] == "not a regular file"


question_text = st.text(max_size=3000) | st.sampled_from(
    [
        "@everyone",
        "@here hi",
        "<@123> <@&456> <#789>",
        "[click](https://evil.example)",
        "```\ncode\n```",
        "\u200b\u200b\u200b",
        "\x00\x07\x1b[31m",
        "émoji 🚀 中文 العربية",
        "a" * 12_000,
        "word " * 20_000,
        "*bold* _it_ ~~s~~ ||spoil||",
        "> quote\n> more",
        "# heading",
    ]
)


@settings(max_examples=size(300, 10_000), deadline=None)
@given(
    question=question_text,
    quotes=st.lists(question_text, min_size=1, max_size=6),
    speaker=st.none() | question_text,
    title=question_text,
    url=st.none() | st.text(max_size=500),
)
def test_every_discord_payload_is_inert_and_within_limits(question, quotes, speaker, title, url):
    article = Article(id="a", title=title or "t", text="x", path="a.txt", source=speaker, url=url)
    excerpts = [Excerpt(q or "q", speaker, 0, 1, 1.0, article) for q in quotes]
    embed = answer_embed(Answer(question, answered=True, excerpts=excerpts))
    data = embed.to_dict()
    assert (
        len(embed.title or "") <= TITLE_LIMIT and len(embed.description or "") <= DESCRIPTION_LIMIT
    )
    assert all(len(f["value"]) <= FIELD_VALUE_LIMIT for f in data.get("fields", []))
    assert len(embed) <= TOTAL_LIMIT
    rendered = json.dumps(data, ensure_ascii=False)
    for live in ("@everyone", "@here"):
        assert live not in (embed.title or "") + (embed.description or "")
    assert "](http" not in (embed.description or "").replace("\\](", "")
    assert len(short_text(question)) <= CONTENT_LIMIT
    assert rendered


@settings(max_examples=size(300, 10_000), deadline=None)
@given(question=question_text)
def test_every_question_is_cleaned_or_refused_in_one_line(question):
    try:
        cleaned = clean_query(question, 1000)
    except QueryError as exc:
        assert "\n" not in str(exc)
        return
    assert 0 < len(cleaned) <= 1000
    assert not any(ch in cleaned for ch in "\x00\x07\u200b\n")
