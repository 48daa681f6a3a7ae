"""A deterministic stand-in embedder for tests about storage, crashes and concurrency."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence

import numpy as np


class HashEmbedder:
    """Bag-of-words vectors from hashed tokens: fast, deterministic, no model.

    ``TEST_ENCODE_DELAY`` (seconds per batch) slows it down so a subprocess
    can be killed in the middle of a build.
    """

    def __init__(self, dimension: int = 32, name: str = "test/hash-embedder") -> None:
        self.name = name
        self.document_encoder = "test"
        self.dimension = dimension
        self.max_tokens: int | None = None
        self.calls: list[int] = []
        self.delay = float(os.environ.get("TEST_ENCODE_DELAY", "0"))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        if self.delay:
            time.sleep(self.delay)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    @property
    def embedded(self) -> int:
        return sum(self.calls)


def hash_embedder() -> HashEmbedder:
    """Factory for ``NEWSDESK_EMBEDDING_MODEL=py:tests.fakes:hash_embedder``."""
    return HashEmbedder()
