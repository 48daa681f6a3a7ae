"""The ONNX export: made once per user, in its own process and folder, quietly."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest

from core.errors import ModelLoadError
from core.settings import DEFAULT_MODEL, Settings
from index import onnx_embedding
from index.embedding import resolve_model_path
from index.onnx_embedding import ensure_exported


def test_the_export_never_writes_into_the_working_directory(tmp_path, monkeypatch, caplog):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    cache = tmp_path / "cache"
    with caplog.at_level(logging.DEBUG):
        folder = ensure_exported(resolve_model_path(DEFAULT_MODEL), cache)
    assert list(work.iterdir()) == []  # no sym_shape_infer_temp.onnx, no *.data dump
    assert (folder / "export.json").is_file() and (folder / "model-int8.onnx").is_file()
    assert [p.name for p in cache.iterdir()] == [folder.name]  # no temporary folder left
    # onnxruntime's advice to its own developers never reaches a person.
    assert "pre-processing" not in caplog.text


def test_the_exporter_runs_in_a_process_whose_working_directory_is_its_own_folder(
    tmp_path, monkeypatch
):
    calls = []

    def fake_run(args, **kwargs):
        calls.append(kwargs["cwd"])
        out = Path(args[-1])
        (out / "export.json").write_text("{}")
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(onnx_embedding.subprocess, "run", fake_run)
    folder = ensure_exported(resolve_model_path(DEFAULT_MODEL), tmp_path / "cache")
    assert len(calls) == 1 and calls[0] != Path.cwd()
    assert calls[0].parent == tmp_path / "cache" and calls[0].name.startswith(".export-")
    assert folder.parent == tmp_path / "cache"


def test_a_failed_export_is_one_line_with_the_fix(tmp_path, monkeypatch):
    def failing_run(args, **kwargs):
        return subprocess.CompletedProcess(args, 1, "", "Traceback ...\nRuntimeError: boom\n")

    monkeypatch.setattr(onnx_embedding.subprocess, "run", failing_run)
    with pytest.raises(ModelLoadError, match=r"\(RuntimeError: boom\); set NEWSDESK_EMBEDDING"):
        ensure_exported(resolve_model_path(DEFAULT_MODEL), tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_the_model_cache_is_per_user_not_per_working_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NEWSDESK_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings(_env_file=None).cache_dir == tmp_path / "xdg" / "newsdesk"
    monkeypatch.setenv("NEWSDESK_CACHE_DIR", str(tmp_path / "mine"))
    assert Settings(_env_file=None).cache_dir == tmp_path / "mine"
