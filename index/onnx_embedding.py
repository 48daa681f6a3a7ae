"""ONNX Runtime embedder: int8 for bulk indexing, fp32 for questions.

The sentence-transformers model (transformer + pooling + normalisation) is exported once to
ONNX with torch, checked against torch on padded batches, and quantised to int8 (per-channel
weights, MatMul only: cosine ~0.994 to fp32, ~2.5x faster here). The exports are cached in a
folder keyed by the model's files, so later processes need neither torch nor transformers:
onnxruntime and the ``tokenizers`` library only, which also makes cold starts short.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.errors import ModelLoadError

log = logging.getLogger(__name__)

FP32 = "model-fp32.onnx"
INT8 = "model-int8.onnx"
_EXPORT_VERSION = 1
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxEmbedder:
    """Sentence embeddings with onnxruntime; documents and queries may use different precisions."""

    def __init__(
        self,
        name: str,
        model_path: str,
        cache_dir: Path,
        *,
        document_precision: str = "int8",
        query_precision: str = "fp32",
        batch_size: int = 16,
        threads: int = 2,
    ) -> None:
        """``threads``: for document batches; 2 for indexing, 1 when serving questions."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = ensure_exported(model_path, cache_dir)
        config = json.loads((folder / "export.json").read_text())
        self.name = name
        self.dimension = int(config["dimension"])
        self.max_tokens: int | None = int(config["max_seq_length"]) - 2
        self.batch_size = batch_size
        self.document_encoder = f"onnx-{document_precision}"
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(config["max_seq_length"]))
        self._counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()
        files = {"fp32": FP32, "int8": INT8}

        def session(precision: str, intra: int) -> Any:
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

        # Measured on RTQA questions (~30 tokens): fp32 takes 7.2 ms on one thread, 4.4 ms
        # on two. Single sentences on the int8 session are faster on one thread, so while
        # serving (threads=1) answers use one; indexing batches use ``threads``.
        self._query_session = session(query_precision, 2)
        self._document_session = session(document_precision, threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions (full precision by default)."""
        return self._run(self._query_session, texts)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed chunks for the index, longest first so each batch pads little."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._run(self._document_session, [texts[i] for i in rows])
        return out

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
        (vectors,) = session.run(None, dict(zip(_INPUTS, (ids, mask, types), strict=True)))
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
    if not Path(model_path).is_dir():
        raise ModelLoadError(
            f"cannot load embedding model {model_path!r}: no such local folder; set "
            "NEWSDESK_EMBEDDING_MODEL to a model folder (or NEWSDESK_EMBEDDING_BACKEND=torch "
            "for a cached hub model)"
        )
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
            "set NEWSDESK_MODEL_CACHE_DIR to a writable folder"
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer chatter about shapes, not problems
            _export(model_path, tmp)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / "export.json").exists():  # not another process winning the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _export(model_path: str, out: Path) -> None:
    """Export transformer + pooling + normalisation to ONNX, verify it, quantise it."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    import transformers
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    pooling = _pooling_mode(Path(model_path))
    model = AutoModel.from_pretrained(model_path, attn_implementation="eager")
    model.eval()

    class _Sentence(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            if pooling == "cls":
                pooled = hidden[:, 0]
            else:
                weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    wrapper = _Sentence(model).eval()
    max_len = _max_seq_length(Path(model_path), model)
    probe = _probe_batch(Path(model_path) / "tokenizer.json", max_len)
    with torch.no_grad():
        reference = wrapper(*(torch.from_numpy(a) for a in probe)).numpy()
    # Trace with real padding, so the attention mask stays in the graph.
    ids = torch.full((2, 12), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (ids, mask, torch.zeros_like(ids)),
            str(out / FP32),
            input_names=list(_INPUTS),
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    quantize_dynamic(
        str(out / FP32),
        str(out / INT8),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )
    shutil.copy(Path(model_path) / "tokenizer.json", out / "tokenizer.json")
    dimension = int(model.config.hidden_size)
    _verify(out / FP32, probe, reference)
    (out / "export.json").write_text(
        json.dumps(
            {
                "dimension": dimension,
                "max_seq_length": max_len,
                "pooling": pooling,
                "source": model_path,
                "export_version": _EXPORT_VERSION,
            },
            indent=1,
        )
    )


def _probe_batch(tokenizer_path: Path, max_len: int) -> list[np.ndarray]:
    """A padded two-text batch used to check the export against torch."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_len)
    texts = ["Short one.", "A much longer sentence, with clauses, numbers like 1,234 and names."]
    encoded = tokenizer.encode_batch(texts)
    width = max(len(e.ids) for e in encoded)
    arrays = [np.zeros((len(texts), width), dtype=np.int64) for _ in _INPUTS]
    for row, item in enumerate(encoded):
        arrays[0][row, : len(item.ids)] = item.ids
        arrays[1][row, : len(item.ids)] = 1
        arrays[2][row, : len(item.ids)] = item.type_ids
    return arrays


def _verify(onnx_path: Path, probe: list[np.ndarray], reference: np.ndarray) -> None:
    """Refuse an export whose fp32 output differs from torch on a padded batch."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, dict(zip(_INPUTS, probe, strict=True)))
    cosines = (got * reference).sum(axis=1)
    log.debug("export check cosines: %s", cosines)
    if float(cosines.min()) < 0.9999:
        raise ModelLoadError(
            "the ONNX export of the model does not match torch; "
            "set NEWSDESK_EMBEDDING_BACKEND=torch"
        )


def _pooling_mode(model_path: Path) -> str:
    config = model_path / "1_Pooling" / "config.json"
    if not config.exists():
        return "mean"
    data = json.loads(config.read_text())
    if data.get("pooling_mode_cls_token"):
        return "cls"
    if data.get("pooling_mode_mean_tokens", True):
        return "mean"
    raise ModelLoadError(
        f"the pooling of {model_path} is not supported by the ONNX backend; "
        "set NEWSDESK_EMBEDDING_BACKEND=torch"
    )


def _max_seq_length(model_path: Path, model: Any) -> int:
    config = model_path / "sentence_bert_config.json"
    if config.exists():
        value = json.loads(config.read_text()).get("max_seq_length")
        if value:
            return int(value)
    return int(getattr(model.config, "max_position_embeddings", 512))
