"""Every mistake gets one clear line: what a hostile run of the CLI found (issue 12).

Each test drives the real ``newsdesk`` command (in-process through ``main``, or as a
subprocess where the process itself matters) and checks the one line, the exit code, that
nothing is lost, and that every skipped or ignored input is reported.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from index.store import StoredIndex
from newsdesk.cli import main
from tests.conftest import SEED_CORPUS, write
from tests.newsdesk.test_cli import FAKE, run


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    """A clean working folder (no .env) with the fake embedder configured."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_EMBEDDING_MODEL", FAKE)
    return tmp_path


def newsdesk(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    """The error line, checking it is the last line and that no traceback came before."""
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines and lines[-1].startswith("newsdesk: error: "), err
    return lines[-1]


# -- crashes -----------------------------------------------------------------------------


def test_an_empty_corpus_is_one_line_and_the_index_stays(here, capsys):
    write(here / "corpus" / "a.txt", "Title\n\nThe council approved the budget on Monday.")
    assert newsdesk(capsys, "index", "build")[0] == 0
    version = StoredIndex.load(here / ".newsdesk/index").version
    (here / "corpus" / "a.txt").unlink()
    code, out, err = newsdesk(capsys, "index", "build")
    assert code == 1 and out == ""
    line = one_error_line(err)
    assert "nothing to index in corpus: no usable article" in line
    assert StoredIndex.load(here / ".newsdesk/index").version == version


def test_a_corpus_of_unusable_files_reports_each_then_one_line(here, capsys, monkeypatch):
    monkeypatch.setenv("NEWSDESK_MAX_ARTICLE_CHARS", "1000")
    write(here / "corpus" / "page.html", "<html><body>News</body></html>")
    write(here / "corpus" / "blob.txt", b"\x00\x01binary")
    write(here / "corpus" / "huge.txt", "word " * 400)
    code, _, err = newsdesk(capsys, "index", "build")
    assert code == 1
    assert "skipped page.html: unsupported file type (.html)" in err
    assert "skipped blob.txt: binary file" in err
    assert "skipped huge.txt: article longer than 1,000 characters" in err
    line = one_error_line(err)
    assert "nothing to index in corpus: no usable article (3 skipped, listed above)" in line
    assert "RuntimeWarning" not in err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-02-30", "published date '2024-02-30' is not a date (use YYYY-MM-DD)"),
        ("2024-13-01", "published date '2024-13-01' is not a date"),
        ("not-a-date", "published date 'not-a-date' is not a date"),
        ("2999-01-01", "published date 2999-01-01 is in the future"),
    ],
)
def test_a_bad_date_is_reported_with_file_and_line_and_the_article_kept(
    here, capsys, value, message
):
    write(here / "corpus" / "ok.md", "---\ntitle: Fine\n---\nThe bridge reopened today.")
    write(
        here / "corpus" / "bad.md",
        f"---\ntitle: Dated\nsource: The Courier\npublished: {value}\n---\nThe dam held.",
    )
    code, out, err = newsdesk(capsys, "index", "build")
    assert code == 0, err
    assert f"warning bad.md:4: {message}" in err
    assert out.startswith("2 articles, ")
    article = StoredIndex.load(here / ".newsdesk/index").articles["bad"]
    assert article.published == (value if value == "2999-01-01" else None)


@pytest.fixture
def dated_index(here, capsys) -> Path:
    write(here / "corpus" / "a.md", "---\npublished: 2022-06-01\n---\nThe dam held, they said.")
    write(here / "corpus" / "b.md", "---\npublished: 2022-07-01\n---\nThe bridge reopened.")
    assert newsdesk(capsys, "index", "build")[0] == 0
    return here / ".newsdesk" / "index"


@pytest.mark.parametrize("as_of", ["0001-01-01", "0001-01-03", "0001-01-07"])
def test_a_date_at_the_beginning_of_time_is_not_an_overflow(dated_index, capsys, as_of):
    code, out, err = newsdesk(capsys, "query", "what happened?", "--as-of", as_of)
    assert code == 0 and "Traceback" not in err
    assert out.strip() == f"No indexed article was published on or before {as_of}."


def test_the_as_of_setting_at_the_beginning_of_time_is_not_an_overflow(
    dated_index, capsys, monkeypatch
):
    monkeypatch.setenv("NEWSDESK_AS_OF", "0001-01-02")
    code, out, _ = newsdesk(capsys, "query", "did the dam hold?")
    assert code == 0
    assert out.strip() == "No indexed article was published on or before 0001-01-02."


def test_undated_articles_are_found_at_any_date(seed_index, capsys):
    code, out, _ = newsdesk(
        capsys, "ask", "did Iran confirm it?", "--index", str(seed_index), "--as-of", "0001-01-01"
    )
    assert code == 0 and "FARS" in out


def test_a_folder_that_is_not_a_model_is_one_line(here, capsys, monkeypatch):
    write(here / "not-a-model" / "notes.txt", "hello")
    monkeypatch.setenv("NEWSDESK_EMBEDDING_MODEL", str(here / "not-a-model"))
    write(here / "corpus" / "a.txt", "Title\n\nText of the article.")
    code, _, err = newsdesk(capsys, "index", "build")
    assert code == 1
    assert "the folder holds no model (no config.json)" in one_error_line(err)


def test_a_missing_model_folder_is_named_as_such_not_as_another_model(
    seed_index, capsys, monkeypatch
):
    monkeypatch.setenv("NEWSDESK_EMBEDDING_MODEL", "/no/such/model")
    code, _, err = newsdesk(capsys, "query", "anything", "--index", str(seed_index))
    line = one_error_line(err)
    assert code == 1 and "no such folder" in line and "dims" not in line


def test_a_dot_env_that_is_not_utf8_is_one_line(here, capsys):
    (here / ".env").write_bytes(b"NEWSDESK_TOP_K=3\nNEWSDESK_CORPUS_DIR=caf\xe9\n")
    code, _, err = newsdesk(capsys, "index", "stats")
    assert code == 2
    assert ".env is not valid UTF-8 (byte" in one_error_line(err)


def test_output_to_a_full_disk_is_one_line(tmp_path, seed_corpus):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        done = run(
            "index",
            "build",
            "--corpus",
            str(seed_corpus),
            "--index",
            "i",
            cwd=tmp_path,
            env={"NEWSDESK_EMBEDDING_MODEL": FAKE},
            stdout=full,
        )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        "newsdesk: error: cannot write the output (No space left on device)"
    )
    assert StoredIndex.load(tmp_path / "i").articles  # the index itself was written


# -- silent surprises --------------------------------------------------------------------


def test_articles_sharing_an_id_with_different_text_are_both_kept_and_reported(here, capsys):
    write(here / "corpus" / "x.txt", "Title X\n\nThe first article about the bridge.")
    write(here / "corpus" / "x.md", "# Title X again\n\nA different article about the dam.")
    write(here / "corpus" / "1.txt", "One\n\nThe council met on Monday.")
    write(
        here / "corpus" / "records.json",
        json.dumps({"id": "1", "title": "Record one", "text": "The mayor resigned on Friday."}),
    )
    code, out, err = newsdesk(capsys, "index", "build")
    assert code == 0, err
    assert out.startswith("4 articles, ")
    articles = StoredIndex.load(here / ".newsdesk/index").articles
    assert set(articles) == {"x", "x@x.txt", "1", "1@records.json"}
    assert "warning x.txt: id 'x' is already used by x.md for different text; indexed as " in err
    assert "warning records.json: id '1' is already used by 1.txt" in err


def test_unsupported_files_are_reported_and_markdown_is_read(here, capsys):
    write(here / "corpus" / "a.markdown", "# A markdown article\n\nThe ferry sank at noon.")
    for name in ("b.html", "c.rst", "d.pdf", "README"):
        write(here / "corpus" / name, "something")
    code, out, err = newsdesk(capsys, "index", "build")
    assert code == 0 and out.startswith("1 articles, ")
    for name, kind in (
        ("b.html", ".html"),
        ("c.rst", ".rst"),
        ("d.pdf", ".pdf"),
        ("README", "without a suffix"),
    ):
        assert f"skipped {name}: unsupported file type ({kind}); supported: .txt" in err
    assert StoredIndex.load(here / ".newsdesk/index").articles["a"].title == "A markdown article"


def test_an_unknown_setting_is_warned_about_once_with_the_closest_name(here, capsys, monkeypatch):
    monkeypatch.setenv("NEWSDESK_CHUNK_SIZE", "abc")
    write(here / "corpus" / "a.txt", "Title\n\nText of the article.")
    code, _, err = newsdesk(capsys, "index", "build")
    assert code == 0
    warning = (
        "newsdesk: warning: NEWSDESK_CHUNK_SIZE is not a Newsdesk setting "
        "(did you mean NEWSDESK_CHUNK_TOKENS?); it is ignored"
    )
    assert err.count(warning) == 1


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "NEWSDESK_CHUNK_TOKENS",
            "abc",
            "invalid NEWSDESK_CHUNK_TOKENS='abc': must be a whole number from 16 to 2048",
        ),
        ("NEWSDESK_TOP_K", "0", "invalid NEWSDESK_TOP_K='0': must be a whole number from 1 to 100"),
        (
            "NEWSDESK_SEARCH_MODE",
            "fuzzy",
            "invalid NEWSDESK_SEARCH_MODE='fuzzy': must be one of dense, bm25, hybrid",
        ),
        (
            "NEWSDESK_CHUNK_OVERLAP",
            "500",
            "invalid settings: NEWSDESK_CHUNK_OVERLAP (500) must be smaller than "
            "NEWSDESK_CHUNK_TOKENS (200)",
        ),
    ],
)
def test_an_invalid_setting_names_the_variable_and_what_it_accepts(
    here, capsys, monkeypatch, variable, value, message
):
    monkeypatch.setenv(variable, value)
    code, _, err = newsdesk(capsys, "index", "stats")
    assert code == 2
    assert one_error_line(err) == f"newsdesk: error: {message}; fix it in .env or the environment"


@pytest.mark.parametrize("command", ["query", "eval"])
@pytest.mark.parametrize("spelling", ["-k", "--k"])
@pytest.mark.parametrize("value", ["0", "-5"])
def test_k_follows_one_rule_and_one_spelling_everywhere(tmp_path, command, spelling, value):
    args = ["q"] if command == "query" else ["--queries", "q.jsonl"]
    done = run(command, *args, spelling, value, cwd=tmp_path)
    assert done.returncode == 2
    assert f"argument -k/--k: must be at least 1, not {value}" in done.stderr


def test_query_scores_never_rise_down_the_list_and_articles_show_at_most_two(seed_index, capsys):
    code, out, _ = newsdesk(
        capsys, "query", "Russian missiles Iran", "-k", "50", "--json", "--index", str(seed_index)
    )
    passages = json.loads(out)["passages"]
    assert code == 0 and len(passages) == 4  # 2 articles, 2 passages each
    scores = [p["score"] for p in passages]
    assert scores == sorted(scores, reverse=True)
    per_article: dict[str, int] = {}
    for p in passages:
        per_article[p["article"]["id"]] = per_article.get(p["article"]["id"], 0) + 1
    assert max(per_article.values()) <= 2


def test_ask_scores_are_between_0_and_1_and_in_the_documented_order(seed_index, capsys):
    code, out, _ = newsdesk(
        capsys, "ask", "did Iran confirm the crash?", "--json", "--index", str(seed_index)
    )
    excerpts = json.loads(out)["excerpts"]
    assert code == 0 and excerpts
    assert all(0 <= e["score"] <= 1 for e in excerpts)
    for stance in {e["stance"] for e in excerpts}:
        group = [e["score"] for e in excerpts if e["stance"] == stance]
        assert group == sorted(group, reverse=True)
    stances = [e["stance"] for e in excerpts]
    assert stances == sorted(stances, key=lambda s: s == "denial")  # reports first


def test_offsets_of_a_markdown_article_can_be_checked_against_its_file(here, capsys, monkeypatch):
    body = "The ferry sank at noon, the coast guard said. All passengers were rescued."
    write(here / "corpus" / "f.md", f"---\ntitle: Ferry\nsource: The Courier\n---\n{body}")
    monkeypatch.delenv("NEWSDESK_EMBEDDING_MODEL")
    monkeypatch.setenv("NEWSDESK_INDEX_DIR", str(here / "idx"))
    assert newsdesk(capsys, "index", "build")[0] == 0
    code, out, _ = newsdesk(capsys, "query", "ferry passengers", "--json")
    assert code == 0
    passage = json.loads(out)["passages"][0]
    offset = passage["article"]["text_offset"]
    text = (here / "corpus" / "f.md").read_text(encoding="utf-8")
    assert text[offset + passage["char_start"] : offset + passage["char_end"]] == passage["text"]


@pytest.mark.parametrize("command", [["index", "build"], ["ask", "anything?"], ["sources"]])
def test_an_index_path_that_is_a_file_says_so(here, capsys, command):
    write(here / "corpus" / "a.txt", "Title\n\nText.")
    write(here / "index-file", "not a folder")
    code, _, err = newsdesk(capsys, *command, "--index", "index-file")
    assert code == 2
    assert (
        "index-file is a file, not an index folder; pass --index with a folder"
        in one_error_line(err)
    )


def test_unclosed_front_matter_is_reported_and_does_not_become_the_title(here, capsys):
    write(here / "corpus" / "open.md", "---\ntitle: Lost\nThe storm closed the port on Sunday.")
    code, _, err = newsdesk(capsys, "index", "build")
    assert code == 0
    assert "warning open.md:1: front matter is not closed" in err
    assert StoredIndex.load(here / ".newsdesk/index").articles["open"].title == "title: Lost"


def test_a_question_in_another_language_is_told_english_is_supported(seed_index, capsys):
    code, out, _ = newsdesk(
        capsys, "ask", "Hat der Iran den Absturz bestätigt?", "--index", str(seed_index)
    )
    assert code == 0
    assert out.strip().startswith("Only English articles and questions are supported")
    assert "German" in out


# -- expected and missing ----------------------------------------------------------------


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("newsdesk 0.")


def test_sources_and_show_are_the_cli_twins_of_slash_sources(seed_index, capsys):
    code, out, _ = newsdesk(capsys, "sources", "--index", str(seed_index))
    assert code == 0
    assert "000_c0181eb0cece6f71" in out and "Russian Federation Denies" in out
    code, out, _ = newsdesk(capsys, "sources", "--json", "--index", str(seed_index))
    ids = [a["id"] for a in json.loads(out)["articles"]]
    assert sorted(ids) == ["000_c0181eb0cece6f71", "004_6d7dcd92801b1fc8"]
    code, out, _ = newsdesk(capsys, "show", "000_c0181eb0cece6f71", "--index", str(seed_index))
    original = (SEED_CORPUS / "000_c0181eb0cece6f71.txt").read_text(encoding="utf-8")
    assert code == 0 and "path:        000_c0181eb0cece6f71.txt" in out
    assert original.strip() in out
    code, _, err = newsdesk(capsys, "show", "nope", "--index", str(seed_index))
    assert code == 2 and "no article with id 'nope'" in one_error_line(err)


def test_stats_says_outlets_and_dates_in_words(here, capsys):
    write(here / "corpus" / "a.md", "---\nsource: The Courier\npublished: 2022-06-01\n---\nA.")
    write(here / "corpus" / "b.md", "---\nsource: The Courier\npublished: 2022-11-11\n---\nB.")
    write(here / "corpus" / "c.txt", "No outlet\n\nC happened.")
    assert newsdesk(capsys, "index", "build")[0] == 0
    code, out, _ = newsdesk(capsys, "index", "stats")
    assert code == 0
    assert "published from 1 June 2022 to 11 November 2022; 1 without a date" in out
    assert "The Courier 2, (no outlet) 1" in out and "None" not in out


@pytest.mark.parametrize(
    "command",
    [
        ["index", "build"],
        ["index", "stats"],
        ["sources"],
        ["show"],
        ["query"],
        ["ask"],
        ["serve"],
        ["eval"],
        ["index"],
        [],
    ],
)
def test_every_help_has_an_example(capsys, command):
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert "examples:\n  newsdesk" in out


def test_gzip_records_keep_working(here, capsys):
    with gzip.open(here / "records.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "r1", "text": "The port reopened."}) + "\n")
    (here / "corpus").mkdir()
    shutil.move(here / "records.jsonl.gz", here / "corpus" / "records.jsonl.gz")
    assert newsdesk(capsys, "index", "build")[0] == 0
