"""The one-time ONNX export of a sentence-transformers model, run in a process of its own.

``python -m index.onnx_export MODEL_DIR OUT_DIR`` exports transformer + pooling +
normalisation to ONNX, checks it against torch on a padded batch, and quantises a copy to
int8 (per-channel weights, MatMul only). ``index.onnx_embedding.ensure_exported`` runs it
with ``OUT_DIR`` as the working directory: onnxruntime writes scratch files into the working
directory when its shape inference fails, and torch, transformers and onnxruntime print
warnings meant for their developers. In a subprocess none of that reaches the user's folder
or terminal (unless the export fails, when the reason is reported), and the serving process
never imports torch.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelLoadError

log = logging.getLogger(__name__)

FP32 = "model-fp32.onnx"
INT8 = "model-int8.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MODEL_ERROR_EXIT = 3  # the exporter refused the model with a ModelLoadError (message on stderr)


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
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (ids, mask, torch.zeros_like(ids)),
            str(out / FP32),
            input_names=list(INPUTS),
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
    arrays = [np.zeros((len(texts), width), dtype=np.int64) for _ in INPUTS]
    for row, item in enumerate(encoded):
        arrays[0][row, : len(item.ids)] = item.ids
        arrays[1][row, : len(item.ids)] = 1
        arrays[2][row, : len(item.ids)] = item.type_ids
    return arrays


def _verify(onnx_path: Path, probe: list[np.ndarray], reference: np.ndarray) -> None:
    """Refuse an export whose fp32 output differs from torch on a padded batch."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, dict(zip(INPUTS, probe, strict=True)))
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


def main(argv: list[str]) -> int:
    model_path, out = argv
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer chatter about shapes, not problems
            _export(model_path, Path(out))
    except ModelLoadError as exc:
        print(exc, file=sys.stderr)
        return MODEL_ERROR_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
