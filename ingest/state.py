"""What Newsdesk follows and what it has fetched: one JSON file in the state folder.

``feeds.json`` holds the followed feeds (with their HTTP validators and failure count) and
every fetched article (canonical URL, corpus path, text hash, the URLs it was found
under). The file is only changed through ``StateFile.edit()``: an exclusive lock, a fresh
read, and an atomic replace, so ``newsdesk feeds add`` and a running bot's poller never
lose each other's changes and a crash leaves the previous file whole.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from core.errors import ConfigError, FeedError

FORMAT = 1


@dataclass(slots=True)
class Feed:
    name: str
    url: str
    added_at: str
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_polled: str | None = None
    last_error: str | None = None
    failures: int = 0  # consecutive
    retry_at: str | None = None  # ISO time; a failing feed waits until then


@dataclass(slots=True)
class Item:
    """A fetched article: one per canonical URL."""

    url: str
    path: str  # relative to the corpus folder
    content_hash: str
    first_seen: str
    checked: str
    seen_as: list[str] = field(default_factory=list)  # other URLs that led to it
    etag: str | None = None
    last_modified: str | None = None
    feed: str | None = None
    entry: str | None = None  # fingerprint of the feed entry last seen


@dataclass(slots=True)
class Refusal:
    """A feed item whose page could not be used (a 4xx, robots.txt, no article text): it
    is not asked for again until its feed entry changes or the recheck time has passed."""

    url: str  # as the feed gave it
    reason: str
    at: str  # ISO time
    entry: str | None = None  # fingerprint of the feed entry it came from


@dataclass(slots=True)
class IngestState:
    feeds: list[Feed] = field(default_factory=list)
    items: dict[str, Item] = field(default_factory=dict)  # by canonical URL
    refused: dict[str, Refusal] = field(default_factory=dict)  # by the URL asked for

    def feed(self, name_or_url: str) -> Feed | None:
        wanted = name_or_url.strip()
        return next(
            (
                f
                for f in self.feeds
                if wanted in (f.name, f.url) or wanted.lower() == f.name.lower()
            ),
            None,
        )

    def item_for(self, url: str) -> Item | None:
        """The item fetched at ``url``, or found under it."""
        item = self.items.get(url)
        if item is not None:
            return item
        return next((i for i in self.items.values() if url in i.seen_as), None)

    def articles_per_feed(self) -> Counter[str]:
        """How many fetched articles each feed brought (one pass over the items)."""
        return Counter(item.feed for item in self.items.values() if item.feed is not None)

    def item_with_text(self, content_hash: str) -> Item | None:
        return next((i for i in self.items.values() if i.content_hash == content_hash), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "feeds": [asdict(f) for f in self.feeds],
            "items": [asdict(i) for i in self.items.values()],
            "refused": [asdict(r) for r in self.refused.values()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IngestState:
        feed_keys = {f.name for f in fields(Feed)}
        item_keys = {f.name for f in fields(Item)}
        feeds = [Feed(**{k: v for k, v in f.items() if k in feed_keys}) for f in data["feeds"]]
        items = [Item(**{k: v for k, v in i.items() if k in item_keys}) for i in data["items"]]
        refusal_keys = {f.name for f in fields(Refusal)}
        refused = [
            Refusal(**{k: v for k, v in r.items() if k in refusal_keys})
            for r in data.get("refused", [])  # absent from files written before refusals
        ]
        return cls(feeds, {i.url: i for i in items}, {r.url: r for r in refused})


class StateFile:
    """``feeds.json`` in a folder, read and changed under a lock."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "feeds.json"
        self._lock_path = folder / "feeds.lock"

    def read(self) -> IngestState:
        """The state as last saved (no lock: the file is only ever replaced whole)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return IngestState()
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path} ({exc.strerror}); check it") from None
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise ValueError("unknown format")
            return IngestState.from_json(data)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise FeedError(
                f"{self.path} is damaged; restore it or delete it (feeds are then followed again "
                "with `newsdesk feeds add`)"
            ) from None

    @contextlib.contextmanager
    def edit(self) -> Iterator[IngestState]:
        """Lock, read, let the caller change the state, save atomically, unlock."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(
                f"cannot write to {self.path.parent} ({exc.strerror}); "
                "set NEWSDESK_STATE_DIR to a writable folder"
            ) from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self.read()
            yield state
            self._save(state)
        finally:
            os.close(lock)

    def _save(self, state: IngestState) -> None:
        data = json.dumps(state.to_json(), indent=1, ensure_ascii=False).encode("utf-8")
        handle, temp = tempfile.mkstemp(prefix=".feeds-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise ConfigError(
                f"cannot save {self.path} ({exc.strerror}); the previous file is kept"
            ) from None
