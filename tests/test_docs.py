"""The published figures are what the results files say: docs are generated, never typed."""

from __future__ import annotations

from bench import reliability
from bench.report import load, render
from tests.conftest import ROOT

RESULTS = ROOT / "bench" / "results"


def test_benchmarks_page_is_rendered_from_the_results_files():
    page = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert page == render(load(RESULTS)), "regenerate with: .venv/bin/python -m bench.report"


def test_reliability_page_is_rendered_from_the_results_files():
    page = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    fix = "regenerate with: .venv/bin/python bench/reliability.py --render"
    assert page == reliability.render(RESULTS), fix


def test_a_change_to_results_alone_is_not_an_uncommitted_change_of_the_code(tmp_path, monkeypatch):
    import subprocess

    from bench import record

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name in ("bench/results/eval.json", "docs/benchmarks.md", "index/retriever.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("v1")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(tmp_path),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "one",
        ],
        check=True,
    )
    monkeypatch.setattr(record, "ROOT", tmp_path)
    (tmp_path / "bench/results/eval.json").write_text("v2")
    (tmp_path / "docs/benchmarks.md").write_text("v2")
    assert record.commit()["uncommitted_changes"] == []
    (tmp_path / "index/retriever.py").write_text("v2")
    assert record.commit()["uncommitted_changes"] == ["index/retriever.py"]


def test_a_share_is_shown_with_its_95_percent_interval():
    """34 of 41 near misses refused: the interval (Wilson score) says how far the share on
    more questions may lie; it stays within 0 and 1 at the extremes."""
    from bench.report import wilson

    low, high = wilson(34 / 41, 41)
    assert round(low, 3) == 0.687 and round(high, 3) == 0.915
    assert wilson(1.0, 10)[1] == 1.0 and wilson(0.0, 10)[0] == 0.0
    assert wilson(0.5, 0) == (0.0, 1.0)
