"""The index's rule version is derived from the code that shapes chunks."""

from __future__ import annotations

from index import builder
from index.builder import build_index
from index.rules import chunk_rules, normalised_code
from index.store import StoredIndex
from tests.conftest import write

RULES = '''
"""Sentence rules."""
_ABBREVIATIONS = frozenset("mr mrs dr".split())


def split(text):
    """Split at full stops."""
    return text.split(".")  # naive
'''


def test_comments_docstrings_and_layout_do_not_count():
    reworded = RULES.replace('"""Split at full stops."""', '"""Cut the text."""').replace(
        "# naive", "# simple"
    )
    assert normalised_code(reworded) == normalised_code(RULES)
    assert normalised_code(reworded.replace("\n\n\n", "\n\n")) == normalised_code(RULES)


def test_a_changed_rule_or_algorithm_counts():
    assert normalised_code(RULES.replace("mr mrs dr", "mr mrs dr gen")) != normalised_code(RULES)
    assert normalised_code(RULES.replace('split(".")', 'split("!")')) != normalised_code(RULES)


def test_changed_rules_rechunk_unchanged_articles_by_themselves(
    tmp_path, fake_embedder, monkeypatch
):
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", "Title A\n\nDr. Smith said the bridge was safe. It was not.")
    write(corpus / "b.txt", "Title B\n\nThe council met on Monday. It approved the budget.")
    first = build_index(corpus, tmp_path / "index", fake_embedder)
    assert first.embedded == first.chunks > 0
    unchanged = build_index(corpus, tmp_path / "index", fake_embedder)
    assert unchanged.embedded == 0 and not unchanged.written
    monkeypatch.setattr(builder, "chunk_rules", lambda: chunk_rules() + "-changed")
    again = build_index(corpus, tmp_path / "index", fake_embedder)
    assert again.written and again.embedded == again.chunks == first.chunks
    assert "chunk settings changed" in again.note


def test_changed_bm25_settings_rebuild_the_lexical_index_without_re_embedding(
    tmp_path, fake_embedder, monkeypatch
):
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", "Title A\n\nThe bridge was safe, officials said.")
    build_index(corpus, tmp_path / "index", fake_embedder)
    monkeypatch.setattr(builder, "lexical_fingerprint", lambda: "other-bm25-settings")
    again = build_index(corpus, tmp_path / "index", fake_embedder)
    assert again.written and again.embedded == 0
    assert StoredIndex.load(tmp_path / "index").manifest.lexical == "other-bm25-settings"
