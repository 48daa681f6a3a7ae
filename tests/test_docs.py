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
