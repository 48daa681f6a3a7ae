"""The one settings object: environment variables (prefix ``NEWSDESK_``) and ``.env``.

Built once in ``main()`` and passed down; nothing else reads the environment.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from newsdesk.errors import ConfigError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Every knob Newsdesk has; each one is documented in ``.env.example``."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
    )

    corpus_dir: Path = Field(Path("corpus"), description="Folder of articles to index.")
    index_dir: Path = Field(Path(".newsdesk/index"), description="Folder holding the index.")
    embedding_model: str = Field(
        DEFAULT_MODEL,
        description="Sentence-transformers model name or local path; the default is packaged.",
    )
    embedding_backend: Literal["onnx-int8", "onnx", "torch"] = Field(
        "onnx-int8",
        description="onnx-int8: int8 documents, fp32 questions (fast); onnx: fp32; torch.",
    )
    model_cache_dir: Path = Field(
        Path(".newsdesk/models"), description="Where ONNX exports of the model are cached."
    )
    chunk_tokens: int = Field(200, ge=16, le=2048, description="Chunk budget in tiktoken tokens.")
    chunk_overlap: int = Field(40, ge=0, description="Tokens shared by neighbouring chunks.")
    top_k: int = Field(5, ge=1, le=100, description="Passages returned by default.")
    search_mode: Literal["dense", "bm25", "hybrid"] = Field(
        "hybrid", description="Default retrieval mode (the best measured on RTQA dev)."
    )
    as_of: date | None = Field(
        None, description="The date questions are asked on (YYYY-MM-DD); empty means today."
    )
    max_excerpts: int = Field(4, ge=1, le=10, description="Quotes in one answer, at most.")
    faiss_index: Literal["flat", "hnsw"] = Field(
        "flat", description="'flat' is exact; 'hnsw' is approximate, for large corpora."
    )
    hnsw_m: int = Field(32, ge=4, le=128, description="HNSW graph degree.")
    hnsw_ef_search: int = Field(128, ge=8, le=4096, description="HNSW search breadth.")
    embed_batch_size: int = Field(16, ge=1, le=1024, description="Chunks per encode batch.")
    max_query_chars: int = Field(1000, ge=10, description="Longer questions are cut to this.")
    max_article_chars: int = Field(
        2_000_000, ge=1000, description="Longer articles are skipped and reported."
    )
    discord_token: SecretStr | None = Field(None, description="Discord bot token (secret).")
    discord_guild_id: int | None = Field(
        None, description="Sync slash commands to this server only (instant; for development)."
    )
    discord_cooldown_seconds: float = Field(
        5.0, ge=0, description="Each user may ask one question per this many seconds."
    )
    discord_max_question_chars: int = Field(
        300, ge=10, le=4000, description="Longer questions get a one-line private error."
    )
    max_concurrent_answers: int = Field(
        2, ge=1, le=32, description="Questions answered at once; more wait their turn."
    )
    index_poll_seconds: float = Field(
        30.0, ge=0, description="How often the bot checks for a newly built index (0: never)."
    )
    state_dir: Path = Field(
        Path(".newsdesk"), description="Where the bot keeps small state (command sync)."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    @model_validator(mode="after")
    def _overlap_below_budget(self) -> Settings:
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than "
                f"chunk_tokens ({self.chunk_tokens})"
            )
        return self


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one-line ``ConfigError``s."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "settings"
        env = f"NEWSDESK_{field.upper()}" if first["loc"] else "your settings"
        raise ConfigError(
            f"invalid setting {env}: {first['msg']}; fix it in .env or the environment"
        ) from None
