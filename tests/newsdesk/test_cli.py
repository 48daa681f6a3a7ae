"""The newsdesk command: JSON shapes, summaries, and one-line errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

from newsdesk.cli import main
from tests.conftest import ARTICLE_FIELDS, ROOT, write

FAKE = "py:tests.fakes:hash_embedder"


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdout: IO[str] | None = None
) -> subprocess.CompletedProcess:
    """Run the real command in a subprocess, with settings only from ``env``; its output is
    captured, or written to ``stdout`` when given."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "newsdesk", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
    )


def test_query_json_has_the_documented_shape(seed_index, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = main(
        ["query", "did Iran confirm the crash?", "-k", "3", "--json", "--index", str(seed_index)]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["query"] == "did Iran confirm the crash?"
    assert len(data["passages"]) == 3
    first = data["passages"][0]
    assert set(first) == {
        "rank",
        "score",
        "passage_score",
        "text",
        "char_start",
        "char_end",
        "article",
    }
    assert set(first["article"]) == ARTICLE_FIELDS


def test_readable_query_output_shows_rank_score_title_and_passage(seed_index, capsys):
    assert main(["query", "did Iran confirm the crash?", "--index", str(seed_index)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. [0.")
    assert "Russian Federation Denies Syria-bound Cruise Missiles Fell in Iran" in out


def test_build_then_stats_through_the_real_command(tmp_path, seed_corpus):
    env = {"NEWSDESK_EMBEDDING_MODEL": FAKE}
    done = run(
        "index", "build", "--corpus", str(seed_corpus), "--index", "idx", cwd=tmp_path, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 articles, ") and "0 reused" in done.stdout
    assert "embedding:" in done.stderr  # plain progress lines when not on a terminal
    stats = run("index", "stats", "--index", "idx", "--json", cwd=tmp_path, env=env)
    data = json.loads(stats.stdout)
    assert data["articles"] == 2 and data["model"] == "test/hash-embedder"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["query", "hello", "--index", "missing"], {}, "no index at missing; build one with"),
        (
            ["index", "build", "--corpus", "nope", "--index", "i"],
            {"NEWSDESK_EMBEDDING_MODEL": FAKE},
            "corpus folder nope does not exist",
        ),
        (
            ["index", "stats"],
            {"NEWSDESK_CHUNK_TOKENS": "ten"},
            "invalid NEWSDESK_CHUNK_TOKENS",
        ),
        (
            ["index", "build"],
            {"NEWSDESK_EMBEDDING_MODEL": "py:nowhere:thing"},
            "cannot import embedder",
        ),
        (
            ["index", "build"],
            {"NEWSDESK_EMBEDDING_MODEL": "/no/such/model"},
            "cannot load embedding model",
        ),
    ],
)
def test_user_mistakes_give_one_line_and_a_non_zero_exit(tmp_path, args, env, message):
    done = run(*args, cwd=tmp_path, env=env)
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_an_index_of_another_model_is_refused_by_query(tmp_path, seed_corpus):
    fake = {"NEWSDESK_EMBEDDING_MODEL": FAKE}
    assert (
        run(
            "index", "build", "--corpus", str(seed_corpus), "--index", "i", cwd=tmp_path, env=fake
        ).returncode
        == 0
    )
    done = run("query", "did Iran confirm the crash?", "--index", "i", cwd=tmp_path)
    assert done.returncode == 1
    assert "built with model 'test/hash-embedder'" in done.stderr
    assert done.stderr.count("\n") == 1


def test_settings_come_from_a_dot_env_file(tmp_path, seed_corpus):
    write(
        tmp_path / ".env",
        f"NEWSDESK_EMBEDDING_MODEL={FAKE}\nNEWSDESK_INDEX_DIR=from-env\n"
        f"NEWSDESK_CORPUS_DIR={seed_corpus}\n",
    )
    done = run("index", "build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-env" / "CURRENT").exists()


def test_importing_the_packages_loads_no_model_and_reads_no_environment():
    code = (
        "import sys, newsdesk.cli, core.settings, index.retriever, index.builder, index.store;"
        "heavy = {'torch', 'sentence_transformers', 'faiss'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


def test_eval_reports_every_mode_and_the_answers(seed_index, tmp_path, capsys):
    queries = tmp_path / "q.jsonl"
    rows = [
        {
            "qid": "a",
            "date": "2015/10/09",
            "question": "did Iran confirm the crash?",
            "gold_ids": ["000_c0181eb0cece6f71"],
            "answers": ["neither Iran nor Russian Federation"],
        },
        {
            "qid": "b",
            "question": "What did Russia say on Facebook about CNN?",
            "gold_ids": ["004_6d7dcd92801b1fc8"],
            "answers": ["anonymous sources"],
        },
    ]
    queries.write_text("\n".join(json.dumps(r) for r in rows))
    assert (
        main(
            [
                "eval",
                "--queries",
                str(queries),
                "--index",
                str(seed_index),
                "--json",
                "--answers",
                "--as-of",
                "2015-10-09",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["queries"] == 2 and data["default_mode"] == "hybrid"
    assert set(data["modes"]) == {"dense", "bm25", "hybrid"}
    assert set(data["modes"]["hybrid"]) == {
        "recall@1",
        "recall@5",
        "recall@10",
        "mrr@10",
        "answer@5",
    }
    assert data["modes"]["hybrid"]["recall@1"] == 1.0
    assert data["answers"]["answer_in_excerpts"] == 1.0 and data["answers"]["answered"] == 1.0
    assert (
        main(["eval", "--queries", str(queries), "--index", str(seed_index), "--mode", "bm25"]) == 0
    )
    table = capsys.readouterr().out
    assert "2 questions" in table and table.splitlines()[-1].startswith("bm25")


def test_a_bad_queries_file_is_one_line(seed_index, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "x", "date": "yesterday"}\n')
    assert main(["eval", "--queries", str(bad), "--index", str(seed_index)]) == 2
    assert capsys.readouterr().err.startswith(f"newsdesk: error: {bad}:1: not a query line")


def test_serve_without_a_network_ends_with_one_line(settings, monkeypatch, capsys):
    """Discord's API at a closed local port: what a machine without a network sees."""
    import discord.http

    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")
    monkeypatch.setenv("NEWSDESK_INDEX_POLL_SECONDS", "0")
    code = main(["serve", "--index", str(settings.index_dir)])
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("newsdesk: error: cannot reach Discord (")
    assert "check the network connection" in err


def test_a_real_build_prints_only_newsdesk_lines(tmp_path, seed_corpus):
    """No library logger or warning reaches the person running the command."""
    write(seed_corpus / "page.html", "<p>not an article</p>")
    done = run(
        "index",
        "build",
        "--corpus",
        str(seed_corpus),
        "--index",
        "idx",
        cwd=tmp_path,
        env={"NEWSDESK_EMBEDDING_MODEL": FAKE},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines and all(
        line.startswith(("attributing: ", "embedding: ", "skipped ", "warning ")) for line in lines
    ), lines
