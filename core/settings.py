"""The one settings object: environment variables (prefix ``NEWSDESK_``) and ``.env``.

Built once in ``main()`` and passed down; nothing else reads the environment.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def default_cache_dir() -> Path:
    """The platform's per-user cache folder for Newsdesk (e.g. ~/.cache/newsdesk)."""
    import platformdirs

    return platformdirs.user_cache_path("newsdesk", appauthor=False)


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
        description="onnx-int8: int8 documents and questions (fast); onnx: fp32; torch.",
    )
    cache_dir: Path = Field(
        default_factory=lambda: default_cache_dir(),
        description="Per-user cache (ONNX exports of the model), shared by every index.",
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
    index_max_segments: int = Field(
        10,
        ge=1,
        le=1000,
        description="Updates append index segments up to this many, then merge them into one.",
    )
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
        Path(".newsdesk"),
        description="Where Newsdesk keeps small state (followed feeds, command sync).",
    )
    feed_interval_minutes: float = Field(
        30.0, ge=0, description="How often `serve` polls the followed feeds (0: never)."
    )
    feed_max_items: int = Field(
        50, ge=1, le=10_000, description="New items fetched per feed per poll, newest first."
    )
    feed_recheck_hours: float = Field(
        48.0, ge=0, description="Articles this young are checked again for changes."
    )
    fetch_timeout_seconds: float = Field(
        15.0, gt=0, le=300, description="Connect and read timeout of one web request."
    )
    fetch_max_mb: float = Field(
        10.0, gt=0, le=1000, description="Larger responses (after decompression) are refused."
    )
    fetch_host_interval_seconds: float = Field(
        1.0, ge=0, le=600, description="At most one request per host per this many seconds."
    )
    fetch_allow_loopback: bool = Field(
        False, description="Allow fetching from 127.0.0.1/::1 (tests, local feeds)."
    )
    fetch_contact: str | None = Field(
        None, description="A URL or e-mail put in the user agent, so sites can reach you."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    def to_env(self) -> dict[str, str]:
        """These settings as ``NEWSDESK_*`` variables for a child process; secrets left out."""
        env: dict[str, str] = {}
        for name, value in self:
            if value is None or isinstance(value, SecretStr):
                continue
            text = value.isoformat() if isinstance(value, date) else str(value)
            env[f"NEWSDESK_{name.upper()}"] = text
        return env

    @model_validator(mode="after")
    def _overlap_below_budget(self) -> Settings:
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError(
                f"NEWSDESK_CHUNK_OVERLAP ({self.chunk_overlap}) must be smaller than "
                f"NEWSDESK_CHUNK_TOKENS ({self.chunk_tokens})"
            )
        return self


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one-line ``ConfigError``s."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f".env is not valid UTF-8 (byte {exc.start}); save it as UTF-8 or remove it"
        ) from None
    except ValidationError as exc:
        raise ConfigError(_explain(exc.errors()[0])) from None


def unknown_variables(
    environ: Mapping[str, str], env_file: Path | None = Path(".env")
) -> list[str]:
    """One warning per ``NEWSDESK_*`` name (environment or ``.env``) that is not a setting,
    with the closest real name when there is one."""
    names = set(environ)
    if env_file is not None and env_file.is_file():
        from dotenv import dotenv_values

        with contextlib.suppress(UnicodeDecodeError):  # reported by load_settings
            names |= {k for k in dotenv_values(env_file, encoding="utf-8") if k}
    known = sorted(name.upper() for name in Settings.model_fields)
    warnings = []
    for name in sorted(n for n in names if n.upper().startswith("NEWSDESK_")):
        suffix = name.upper().removeprefix("NEWSDESK_")
        if suffix in known:
            continue
        close = difflib.get_close_matches(suffix, known, n=1, cutoff=0.6)
        hint = f" (did you mean NEWSDESK_{close[0]}?)" if close else ""
        warnings.append(f"{name} is not a Newsdesk setting{hint}; it is ignored")
    return warnings


def _explain(error: Mapping[str, Any]) -> str:
    """'invalid NEWSDESK_CHUNK_TOKENS='abc': must be a whole number from 16 to 2048; ...'"""
    loc = [str(part) for part in error["loc"]]
    fix = "fix it in .env or the environment"
    if not loc:  # a check across settings
        message = str(error["msg"]).removeprefix("Value error, ")
        return f"invalid settings: {message}; {fix}"
    name = loc[0]
    variable = f"NEWSDESK_{name.upper()}"
    field = Settings.model_fields.get(name)
    shown = f"={error['input']!r}" if isinstance(error.get("input"), str | int | float) else ""
    return f"invalid {variable}{shown}: {_allowed(field, error)}; {fix}"


def _allowed(field: Any, error: Mapping[str, Any]) -> str:
    """What the setting accepts, in words."""
    if field is None:
        return str(error["msg"])
    annotation = field.annotation
    choices = [a for a in get_args(annotation) if isinstance(a, str)]
    if get_origin(annotation) is Literal or choices:
        return "must be one of " + ", ".join(choices or map(str, get_args(annotation)))
    low = next((r.ge for r in field.metadata if getattr(r, "ge", None) is not None), None)
    high = next((r.le for r in field.metadata if getattr(r, "le", None) is not None), None)
    kinds = {int: "a whole number", float: "a number", date: "a date (YYYY-MM-DD)", Path: "a path"}
    base = next((t for t in (annotation, *get_args(annotation)) if t in kinds), None)
    kind = kinds[base] if base is not None else str(error["msg"])
    if low is not None and high is not None:
        return f"must be {kind} from {low} to {high}"
    if low is not None:
        return f"must be {kind} of at least {low}"
    return f"must be {kind}"
