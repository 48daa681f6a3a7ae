"""Imports point one way: core <- index <- ingest <- bot (engine) <- bot.discord_app, newsdesk on
top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROJECT = ("core", "index", "ingest", "bot", "newsdesk")
# What each layer may import from the project.
ALLOWED = {
    "core": {"core"},
    "index": {"core", "index"},
    "ingest": {"core", "index", "ingest"},  # feeds and pages into the corpus
    "bot": {"core", "index", "ingest", "bot"},  # the engine: answer, service, render, ...
    "bot.discord_app": {"core", "index", "ingest", "bot", "bot.discord_app"},
    "newsdesk": {"core", "index", "ingest", "bot", "bot.discord_app", "newsdesk"},
}


def layer_of(module: str) -> str:
    if module.endswith(".__main__"):
        return "newsdesk"  # `python -m bot` is an entry point, like the CLI
    return "bot.discord_app" if module.startswith("bot.discord_app") else module.split(".")[0]


def project_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found.update(n for n in names if n.split(".")[0] in PROJECT)
    return found


MODULES = sorted(p for package in PROJECT for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_imports_only_its_own_layer_and_those_below(path):
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    allowed = ALLOWED[layer_of(module)]
    wrong = {name for name in project_imports(path) if layer_of(name) not in allowed}
    assert not wrong, f"{module} imports {sorted(wrong)}"


def test_only_the_discord_adapter_imports_discord():
    for path in MODULES:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if layer_of(module) in ("bot.discord_app", "newsdesk"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                )
                assert not any((n or "").split(".")[0] == "discord" for n in names), module
