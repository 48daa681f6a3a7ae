"""ONNX Runtime embedder: int8 (the default) or fp32, for documents and questions alike.

The sentence-transformers model (transformer + pooling + normalisation) is exported once to
ONNX (``index/onnx_export.py``, in a process of its own), checked against torch on padded
batches, and quantised to int8 (per-channel weights, MatMul only: cosine ~0.994 to fp32,
~2.5x faster here). The exports are cached per user, in a folder keyed by the model's files,
so later processes in any folder need neither torch nor transformers: onnxruntime and the
``tokenizers`` library only, which also makes cold starts short.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelLoadError
from index.onnx_export import FP32, INPUTS, INT8, MODEL_ERROR_EXIT

log = logging.getLogger(__name__)

_EXPORT_VERSION = 1
_PROJECT_ROOT = Path(__file__).resolve().parents[1]


class OnnxEmbedder:
    """Sentence embeddings with onnxruntime, questions and documents at one precision."""

    def __init__(
        self,
        name: str,
        model_path: str,
        cache_dir: Path,
        *,
        precision: str = "int8",
        threads: int = 2,
    ) -> None:
        """``precision``: "int8" or "fp32", for documents and questions alike. ``threads``:
        documents embedded side by side."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = ensure_exported(model_path, cache_dir)
        config = json.loads((folder / "export.json").read_text())
        self.name = name
        self.dimension = int(config["dimension"])
        self.max_tokens: int | None = int(config["max_seq_length"]) - 2
        # "alone": each text embedded on its own (vectors of batched int8 differ: re-embed).
        self.document_encoder = f"onnx-{precision}-alone"
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(config["max_seq_length"]))
        self._counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()
        files = {"fp32": FP32, "int8": INT8}

        def session(intra: int) -> Any:
            options = ort.SessionOptions()
            options.intra_op_num_threads = intra
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            # Idle worker threads must not spin: they would take the cores from the FAISS
            # and BM25 search that follows every question encoding.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            return ort.InferenceSession(
                str(folder / files[precision]), options, providers=["CPUExecutionProvider"]
            )

        # Documents are embedded one text per run on a one-thread session, which runs in
        # its caller's thread: ``threads`` callers side by side use the cores better than
        # one run on ``threads`` threads (158 RTQA chunks: 1.9 s against 2.8 s, same
        # vectors). A question (~30 tokens) runs alone: int8 is no faster on two threads,
        # fp32 is (7.2 ms on one, 4.4 ms on two), so an fp32 model gets a second session for
        # questions, opened when the first question comes (a build asks none).
        self._session = session(1)
        self._open_question_session = (
            (lambda: self._session) if precision == "int8" else (lambda: session(2))
        )
        self._question_lock = threading.Lock()
        self._question_session: Any = None
        self._threads = max(1, threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions, each on its own, as documents are: a question's vector never
        depends on what it is encoded with, and it is compared with document vectors
        made the same way (the answer step's sentences too)."""
        if self._question_session is None:
            with self._question_lock:
                if self._question_session is None:
                    self._question_session = self._open_question_session()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._run(self._question_session, [text])[0]
        return out

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed chunks for the index, each on its own, ``threads`` at a time.

        int8 activations are quantised per batch (one scale for the whole tensor), so a
        text's vector used to depend on what else was in its batch, and re-embedding one
        article gave other vectors than a full build. Alone, a text always gets the same
        vector; measured on 600 RTQA chunks it is no slower here (57.3 vs 57.2 chunks/s:
        no padding wasted on shorter texts).
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if self._threads == 1 or len(texts) < 2:
            for row, text in enumerate(texts):
                out[row] = self._alone(text)
            return out
        # onnxruntime releases the GIL while it runs; a session is safe to share.
        with ThreadPoolExecutor(self._threads, "newsdesk-embed") as pool:
            for row, vector in enumerate(pool.map(self._alone, texts)):
                out[row] = vector
        return out

    def _alone(self, text: str) -> np.ndarray:
        return self._run(self._session, [text])[0]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self._counter.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encoded]

    def _run(self, session: Any, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encoded = self._tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, item in enumerate(encoded):
            n = len(item.ids)
            ids[row, :n] = item.ids
            mask[row, :n] = 1
            types[row, :n] = item.type_ids
        (vectors,) = session.run(None, dict(zip(INPUTS, (ids, mask, types), strict=True)))
        return np.ascontiguousarray(vectors, dtype=np.float32)


def cache_key(model_path: str) -> str:
    """Names the export of one exact model: its config files and the size of its weights."""
    root = Path(model_path)
    digest = hashlib.sha256(f"export-v{_EXPORT_VERSION}".encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            rel = path.relative_to(root).as_posix()
            digest.update(rel.encode())
            if path.suffix in {".json", ".txt"}:
                digest.update(path.read_bytes())
            else:
                digest.update(str(path.stat().st_size).encode())
    return digest.hexdigest()[:16]


def ensure_exported(model_path: str, cache_dir: Path) -> Path:
    """The cached export folder for this model, exporting it first if needed."""
    check_model_folder(model_path)
    folder = cache_dir / f"{Path(model_path).name}-{cache_key(model_path)}"
    if (folder / "export.json").exists():
        return folder
    log.info("exporting %s to ONNX once (cached in %s)", model_path, folder)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=cache_dir))
    except OSError as exc:
        raise ModelLoadError(
            f"cannot write the model cache {cache_dir}: {exc.strerror}; "
            "set NEWSDESK_CACHE_DIR to a writable folder"
        ) from None
    try:
        _run_export(model_path, tmp)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / "export.json").exists():  # not another process winning the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def check_model_folder(model_path: str) -> None:
    """Refuse, in one line, a path that is not a local transformers model folder."""
    path = Path(model_path)
    fix = (
        "set NEWSDESK_EMBEDDING_MODEL to a sentence-transformers model folder, or unset it "
        "for the packaged default"
    )
    if not path.is_dir():
        raise ModelLoadError(f"cannot load embedding model {model_path!r}: no such folder; {fix}")
    if not (path / "config.json").is_file():
        raise ModelLoadError(
            f"cannot load embedding model {model_path!r}: the folder holds no model "
            f"(no config.json); {fix}"
        )


def _run_export(model_path: str, out: Path) -> None:
    """Run ``index.onnx_export`` in a subprocess whose working directory is ``out``."""
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(_PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p
        ),
    }
    done = subprocess.run(
        [sys.executable, "-m", "index.onnx_export", model_path, str(out)],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:
        return
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    log.debug("ONNX export failed:\n%s", done.stderr)
    if done.returncode == MODEL_ERROR_EXIT and lines:
        raise ModelLoadError(lines[-1])
    reason = lines[-1] if lines else f"exit status {done.returncode}"
    raise ModelLoadError(
        f"cannot export embedding model {model_path!r} to ONNX ({reason[:200]}); "
        "set NEWSDESK_EMBEDDING_BACKEND=torch"
    )
