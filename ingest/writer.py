"""Fetched articles as Markdown files in the corpus, so the corpus stays the source of truth.

A file is named for its canonical URL (``web/<host>/<slug>-<hash>.md``) and carries its
metadata as YAML front matter (id, title, source, author, published, url, fetched_at),
which ``index.corpus`` reads like any other article. Writes are atomic: a build never
reads half an article.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from core.errors import ConfigError
from ingest.pages import WebArticle

WEB_FOLDER = "web"


def article_id(url: str) -> str:
    """A stable id for the article at this canonical URL."""
    return "web-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def article_path(url: str) -> str:
    """Where the article at this canonical URL lives, relative to the corpus folder."""
    parts = urlsplit(url)
    host = re.sub(r"[^a-z0-9.-]", "_", (parts.hostname or "unknown").lower())
    stem = parts.path.rstrip("/").rsplit("/", 1)[-1]
    stem = re.sub(r"\.[a-z0-9]{1,5}$", "", stem.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:60] or "article"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:10]
    return f"{WEB_FOLDER}/{host}/{slug}-{digest}.md"


def render(article: WebArticle) -> str:
    """The file's text: front matter, then the article's paragraphs."""
    meta = {
        "id": article_id(article.url),
        "title": article.title,
        "source": article.source,
        "author": article.author,
        "published": article.published,
        "url": article.url,
        "fetched_at": article.fetched_at,
    }
    front = yaml.safe_dump(
        {k: v for k, v in meta.items() if v is not None},
        allow_unicode=True,
        sort_keys=False,
        width=10_000,
    )
    return f"---\n{front}---\n{article.text}"


def write_article(corpus_dir: Path, rel: str, text: str) -> None:
    """Write ``text`` to ``corpus_dir/rel`` atomically (a temporary file, then a rename)."""
    path = corpus_dir / rel
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".fetch-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ConfigError(
            f"cannot write into {corpus_dir} ({exc.strerror}); check NEWSDESK_CORPUS_DIR"
        ) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise ConfigError(f"cannot write {path} ({exc.strerror}); nothing was changed") from None
