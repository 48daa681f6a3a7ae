"""Reading a corpus folder: formats, metadata, bad files, duplicates and filesystem tricks."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from core.errors import CorpusError
from index.corpus import read_corpus
from tests.conftest import SEED_CORPUS, write

SHARED_SEED = SEED_CORPUS.parent.parent / "shared" / "corpus"


def by_id(folder: Path) -> dict:
    return {a.id: a for a in read_corpus(folder).articles}


def test_seed_articles_are_the_shared_files_byte_for_byte():
    names = sorted(p.name for p in SEED_CORPUS.iterdir())
    assert names == ["000_c0181eb0cece6f71.txt", "004_6d7dcd92801b1fc8.txt"]
    if SHARED_SEED.is_dir():
        for name in names:
            assert (SEED_CORPUS / name).read_bytes() == (SHARED_SEED / name).read_bytes()


def test_seed_articles_get_their_headline_as_title_and_no_invented_metadata():
    articles = by_id(SEED_CORPUS)
    first = articles["000_c0181eb0cece6f71"]
    assert first.title == "Russian Federation Denies Syria-bound Cruise Missiles Fell in Iran"
    assert articles["004_6d7dcd92801b1fc8"].title == "Russian Defense Deny Missiles Landed in Iran"
    for article in articles.values():
        assert (article.source, article.author, article.published, article.url) == (None,) * 4
        assert article.text == (SEED_CORPUS / article.path).read_text(encoding="utf-8")


def test_markdown_front_matter_sets_metadata_and_is_not_part_of_the_text(tmp_path):
    write(
        tmp_path / "news" / "a.md",
        "---\ntitle: Dam bursts\nsource: The Ledger\nauthor: A. Writer\n"
        "published: 2022-09-01\nurl: https://example.org/dam\n---\nThe dam burst on Monday.\n",
    )
    article = by_id(tmp_path)["news/a"]
    assert (article.title, article.source, article.author) == (
        "Dam bursts",
        "The Ledger",
        "A. Writer",
    )
    assert (article.published, article.url) == ("2022-09-01", "https://example.org/dam")
    assert article.text == "The dam burst on Monday.\n"
    assert article.path == "news/a.md"


def test_first_substantive_line_is_the_title_when_there_is_no_front_matter(tmp_path):
    write(tmp_path / "b.txt", "\nAdvertisement\n\n# Floods hit the coast\n\nWater rose fast.\n")
    assert by_id(tmp_path)["b"].title == "Floods hit the coast"


def test_json_object_list_jsonl_and_gzip_records_keep_their_ids(tmp_path):
    record = {
        "id": "x1",
        "title": "One",
        "text": "First text.",
        "authors": ["Ann", "Bo"],
        "published": "2022/06/16",
        "url": "https://e.org/1",
        "source": "Wire",
    }
    write(tmp_path / "one.json", json.dumps(record))
    write(
        tmp_path / "list.json",
        json.dumps(
            [
                {"id": "x2", "body": "Second text."},
                {"id": "x3", "text": "Third text.", "published_at": "2021-01-02T10:00:00Z"},
            ]
        ),
    )
    write(tmp_path / "lines.jsonl", json.dumps({"id": "x4", "text": "Fourth text."}) + "\n")
    write(
        tmp_path / "packed.jsonl.gz",
        gzip.compress(
            (json.dumps({"id": "x5", "text": "Fifth text.", "author": "Cy"}) + "\n").encode()
        ),
    )
    articles = by_id(tmp_path)
    assert set(articles) == {"x1", "x2", "x3", "x4", "x5"}
    assert articles["x1"].author == "Ann, Bo"
    assert articles["x1"].published == "2022-06-16"
    assert articles["x2"].text == "Second text."
    assert articles["x3"].published == "2021-01-02"
    assert articles["x5"].author == "Cy"


def test_records_without_id_get_a_stable_content_id(tmp_path):
    write(tmp_path / "a.jsonl", json.dumps({"text": "Same words."}) + "\n")
    first = read_corpus(tmp_path).articles[0].id
    assert first == read_corpus(tmp_path).articles[0].id
    assert len(first) == 16


def test_bad_files_are_reported_by_path_and_line_and_the_rest_is_read(tmp_path):
    write(tmp_path / "good.txt", "Good headline\n\nGood text.")
    write(tmp_path / "empty.txt", "")
    write(tmp_path / "binary.txt", b"abc\x00def")
    write(tmp_path / "latin1.txt", "caf\xe9".encode("latin-1"))
    write(tmp_path / "broken.jsonl", '{"id": "ok", "text": "Fine."}\n{"id": \n{"id": "notext"}\n')
    write(tmp_path / "broken.json", "[1, 2")
    reading = read_corpus(tmp_path)
    assert {a.id for a in reading.articles} == {"good", "ok"}
    reasons = {str(s) for s in reading.skipped}
    assert "empty.txt: empty file" in reasons
    assert "binary.txt: binary file (contains NUL bytes)" in reasons
    assert "latin1.txt: not valid UTF-8 (byte 3)" in reasons
    assert any(r.startswith("broken.jsonl:2: invalid JSON") for r in reasons)
    assert "broken.jsonl:3: record has no text" in reasons
    assert any(r.startswith("broken.json: invalid JSON") for r in reasons)


def test_exact_duplicate_articles_are_indexed_once(tmp_path):
    write(tmp_path / "a.txt", "Headline\n\nSame body.")
    write(tmp_path / "b" / "copy.txt", "Headline\n\nSame body.")
    reading = read_corpus(tmp_path)
    assert [a.id for a in reading.articles] == ["a"]
    assert reading.articles[0].aliases == ("b/copy",)  # its id still finds the text
    assert [str(s) for s in reading.skipped] == ["b/copy.txt: same text as article 'a'"]


def test_symlinks_leading_outside_and_fifos_are_skipped_without_hanging(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus / "real.txt", "Real\n\nInside text.")
    secret = write(tmp_path / "secret.txt", "Secret\n\nOutside text.")
    (corpus / "leak.txt").symlink_to(secret)
    (corpus / "alias.txt").symlink_to(corpus / "real.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    os.mkfifo(corpus / "pipe.txt")
    reading = read_corpus(corpus)
    assert [a.id for a in reading.articles] == ["real"]
    reasons = {str(s) for s in reading.skipped}
    assert "leak.txt: symlink to a file outside the corpus" in reasons
    assert "pipe.txt: not a regular file" in reasons
    assert "alias.txt: symlink within the corpus (its target is read directly)" in reasons
    assert any(r.startswith("loop.txt: ") for r in reasons)


def test_front_matter_alias_bombs_are_refused(tmp_path):
    bomb = "---\na: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\ntitle: t\n---\nBody text.\n"
    write(tmp_path / "bomb.md", bomb)
    reading = read_corpus(tmp_path)
    assert reading.articles == []
    assert "aliases" in str(reading.skipped[0])


def test_missing_corpus_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nope")
