"""Reading a corpus folder into ``Article`` records.

Formats, found recursively: ``.txt``, ``.md`` and ``.markdown`` (optional YAML front
matter), ``.json`` (an article or a list of them) and ``.jsonl`` (one article a line), the
last two also ``.gz``. Bad files and records are reported as ``Skipped``, articles indexed
with a caveat (a date that is not a date, an id another article already had) as
``Problem``s, and the rest is read; nothing here raises for a single bad file. Every file
that is not read is reported, other types included. Only regular files inside the folder
are opened: symlinks (a target inside the folder is read under its own name), FIFOs,
devices and sockets are skipped without being opened.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import yaml

from core.errors import CorpusError
from index.furniture import is_furniture
from index.types import Article

SUFFIXES = (".txt", ".md", ".markdown", ".json", ".jsonl", ".json.gz", ".jsonl.gz")
_SUPPORTED = "supported: .txt, .md, .markdown, .json, .jsonl, .json.gz, .jsonl.gz"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_OPENS_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n")
_MAX_FRONT_MATTER = 16_384
_MAX_LINE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file or record that was not indexed, and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Problem:
    """An article that was indexed with a caveat the user should fix, and what it is."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass(slots=True)
class CorpusReading:
    """The articles read from a folder, everything skipped, and every caveat."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    today: date = field(default_factory=date.today)  # dates after it are reported


class _BadRecord(Exception):
    """A record or file that cannot become an article; the message is the reason."""


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_corpus(
    folder: Path, *, max_article_chars: int = 2_000_000, today: date | None = None
) -> CorpusReading:
    """Read every article under ``folder``; duplicates of an earlier text are indexed once,
    and an id already taken by different text is made unique (and reported)."""
    if not folder.exists():
        raise CorpusError(f"corpus folder {folder} does not exist; create it or pass --corpus DIR")
    if not folder.is_dir():
        raise CorpusError(f"corpus path {folder} is not a folder; pass --corpus DIR")
    root = folder.resolve()
    reading = CorpusReading(today=today or date.today())
    seen_ids: dict[str, str] = {}  # id -> where it was first used
    seen_text: dict[str, int] = {}  # content hash -> position in reading.articles
    for path, rel in _walk(root, reading.skipped):
        try:
            records = list(_read_file(path, rel, max_article_chars, reading))
        except _BadRecord as exc:
            reading.skipped.append(Skipped(rel, str(exc)))
            continue
        for article, line in records:
            if article.content_hash in seen_text:
                position = seen_text[article.content_hash]
                first = reading.articles[position]
                reading.skipped.append(Skipped(rel, f"same text as article {first.id!r}", line))
                if article.id not in seen_ids:
                    aliases = (*first.aliases, article.id)
                    reading.articles[position] = replace(first, aliases=aliases)
                    seen_ids[article.id] = rel
                continue
            if article.id in seen_ids:
                unique = _unique_id(article.id, rel, line, seen_ids)
                reading.problems.append(
                    Problem(
                        rel,
                        f"id {article.id!r} is already used by {seen_ids[article.id]} for "
                        f"different text; indexed as {unique!r} (give it an id of its own)",
                        line,
                    )
                )
                article = replace(article, id=unique)
            seen_ids[article.id] = f"{rel}:{line}" if line is not None else rel
            seen_text[article.content_hash] = len(reading.articles)
            reading.articles.append(article)
    return reading


def _unique_id(article_id: str, rel: str, line: int | None, seen: dict[str, str]) -> str:
    """``id@file`` (``id@file:line`` for a line of a .jsonl), numbered if still taken."""
    base = f"{article_id}@{rel}" + (f":{line}" if line is not None else "")
    candidate, n = base, 2
    while candidate in seen:
        candidate, n = f"{base}~{n}", n + 1
    return candidate


def _walk(root: Path, skipped: list[Skipped]) -> Iterator[tuple[Path, str]]:
    """Regular files under ``root`` with a known suffix, in a stable order."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames.sort()
        for name in list(dirnames):
            if name.startswith("."):
                dirnames.remove(name)
                skipped.append(Skipped(_rel(here / name, root), "hidden folder not read"))
            elif (here / name).is_symlink():
                dirnames.remove(name)
                skipped.append(Skipped(_rel(here / name, root), "symlinked folder not followed"))
        for name in sorted(filenames):
            path = here / name
            rel = _rel(path, root)
            if name.startswith("."):
                skipped.append(Skipped(rel, "hidden file not read"))
                continue
            if not name.lower().endswith(SUFFIXES):
                kind = "".join(Path(name).suffixes[-2:]).lower() or "without a suffix"
                skipped.append(Skipped(rel, f"unsupported file type ({kind}); {_SUPPORTED}"))
                continue
            try:
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode):
                    inside = path.resolve().is_relative_to(root)
                    reason = "symlink within the corpus (its target is read directly)"
                    skipped.append(
                        Skipped(rel, reason if inside else "symlink to a file outside the corpus")
                    )
                    continue
            except (OSError, RuntimeError) as exc:
                skipped.append(Skipped(rel, f"cannot be read ({_os_reason(exc)})"))
                continue
            if not stat.S_ISREG(st.st_mode):
                skipped.append(Skipped(rel, "not a regular file"))
                continue
            yield path, rel


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return type(exc).__name__


def _read_bytes(path: Path, limit: int) -> bytes:
    """Read a regular file without following it into a FIFO or reading past ``limit``."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _BadRecord("not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise _BadRecord(f"larger than {limit:,} bytes")
    return data


def _decode(data: bytes) -> str:
    if not data.strip():
        raise _BadRecord("empty file")
    if b"\x00" in data:
        raise _BadRecord("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _BadRecord(f"not valid UTF-8 (byte {exc.start})") from None


def _read_file(
    path: Path, rel: str, max_chars: int, reading: CorpusReading
) -> Iterator[tuple[Article, int | None]]:
    name = path.name.lower()
    try:
        if name.endswith((".jsonl", ".jsonl.gz")):
            yield from _read_jsonl(path, rel, max_chars, reading)
            return
        data = _read_bytes(path, max_chars * 4)
        if name.endswith(".gz"):
            data = _gunzip(data, max_chars * 4)
    except OSError as exc:
        raise _BadRecord(f"cannot be read ({_os_reason(exc)})") from None
    text = _decode(data)
    if name.endswith((".json", ".json.gz")):
        yield from _read_json(text, rel, max_chars, reading)
    else:
        yield _article_from_text(text, rel, max_chars, reading), None


def _gunzip(data: bytes, limit: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(limit + 1)
    except (OSError, EOFError) as exc:
        raise _BadRecord(f"not valid gzip ({exc})") from None
    if len(out) > limit:
        raise _BadRecord(f"larger than {limit:,} bytes uncompressed")
    return out


def _read_jsonl(
    path: Path, rel: str, max_chars: int, reading: CorpusReading
) -> Iterator[tuple[Article, int | None]]:
    skipped = reading.skipped
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    raw = os.fdopen(fd, "rb")
    with raw:
        if not stat.S_ISREG(os.fstat(raw.fileno()).st_mode):
            raise _BadRecord("not a regular file")
        stream: io.BufferedIOBase = (
            gzip.GzipFile(fileobj=raw) if rel.lower().endswith(".gz") else raw
        )
        any_line = False
        try:
            for number, line in enumerate(_bounded_lines(stream, max_chars * 4), start=1):
                if line is None:
                    skipped.append(Skipped(rel, "line too long", number))
                    continue
                if not line.strip():
                    continue
                any_line = True
                try:
                    record = json.loads(_decode(line))
                    yield (
                        _article_from_record(
                            record, rel, max_chars, None, _Dates(reading, rel, number)
                        ),
                        number,
                    )
                except json.JSONDecodeError as exc:
                    skipped.append(Skipped(rel, f"invalid JSON ({exc.msg})", number))
                except (_BadRecord, RecursionError) as exc:
                    reason = str(exc) if isinstance(exc, _BadRecord) else "JSON nested too deeply"
                    skipped.append(Skipped(rel, reason, number))
        except (OSError, EOFError) as exc:
            raise _BadRecord(f"cannot be read ({exc})") from None
        if not any_line:
            raise _BadRecord("empty file")


def _bounded_lines(stream: io.BufferedIOBase, limit: int) -> Iterator[bytes | None]:
    """Lines of at most ``limit`` bytes; a longer line yields ``None`` and is drained."""
    limit = min(limit, _MAX_LINE_BYTES)
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:
                rest = stream.readline(limit)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def _read_json(
    text: str, rel: str, max_chars: int, reading: CorpusReading
) -> Iterator[tuple[Article, int | None]]:
    skipped = reading.skipped
    dates = _Dates(reading, rel, None)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BadRecord(f"invalid JSON at line {exc.lineno} ({exc.msg})") from None
    except RecursionError:
        raise _BadRecord("JSON nested too deeply") from None
    if isinstance(data, dict):
        yield _article_from_record(data, rel, max_chars, _path_id(rel), dates), None
        return
    if not isinstance(data, list):
        raise _BadRecord("JSON is neither an article object nor a list of them")
    if not data:
        raise _BadRecord("JSON list holds no articles")
    for position, record in enumerate(data, start=1):
        try:
            article = _article_from_record(record, rel, max_chars, None, dates.at_record(position))
            yield article, None
        except _BadRecord as exc:
            skipped.append(Skipped(rel, f"record {position}: {exc}"))


def _path_id(rel: str) -> str:
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if rel.lower().endswith(suffix):
            return rel[: -len(suffix)]
    return rel


class _Dates:
    """Reads a published date and reports one that is not a date or lies in the future,
    with where it was."""

    def __init__(
        self, reading: CorpusReading, rel: str, line: int | None, record: int | None = None
    ) -> None:
        self.reading, self.rel, self.line, self.record = reading, rel, line, record

    def at_record(self, position: int) -> _Dates:
        return _Dates(self.reading, self.rel, self.line, position)

    def parse(self, value: object) -> str | None:
        published = _iso_date(value)
        where = f"record {self.record}: " if self.record is not None else ""
        if published is None and _str(value) is not None:
            self._report(
                f"{where}published date {_str(value)!r} is not a date (use YYYY-MM-DD); "
                "indexed without a date"
            )
        elif published is not None and published > self.reading.today.isoformat():
            self._report(
                f"{where}published date {published} is in the future; questions asked "
                "before it will not find this article"
            )
        return published

    def _report(self, message: str) -> None:
        self.reading.problems.append(Problem(self.rel, message, self.line))


def _article_from_record(
    record: object,
    rel: str,
    max_chars: int,
    fallback_id: str | None,
    dates: _Dates,
    *,
    text_offset: int | None = None,
) -> Article:
    if not isinstance(record, dict):
        raise _BadRecord("record is not a JSON object")
    text = record.get("text", record.get("body"))
    if not isinstance(text, str) or not text.strip():
        raise _BadRecord("record has no text")
    _check_length(text, max_chars)
    digest = content_hash(text)
    raw_id = record.get("id")
    article_id = str(raw_id).strip() if raw_id not in (None, "") else fallback_id or digest[:16]
    title = _str(record.get("title")) or _first_line_title(text)
    authors = record.get("authors", record.get("author"))
    if isinstance(authors, list):
        author = ", ".join(str(a).strip() for a in authors if str(a).strip()) or None
    else:
        author = _str(authors)
    return Article(
        id=article_id,
        title=title,
        text=text,
        path=rel,
        source=_str(record.get("source")),
        author=author,
        published=dates.parse(record.get("published", record.get("published_at"))),
        url=_str(record.get("url")),
        content_hash=digest,
        text_offset=text_offset,
    )


def _article_from_text(text: str, rel: str, max_chars: int, reading: CorpusReading) -> Article:
    meta: dict[str, object] = {}
    offset = 0
    line = None
    match = _FRONT_MATTER.match(text)
    if match:
        meta = _front_matter(match.group(1))
        offset = match.end()
        line = _key_line(match.group(1), ("published", "published_at"))
    elif _OPENS_FRONT_MATTER.match(text):
        reading.problems.append(
            Problem(
                rel,
                "front matter is not closed (no second '---' line); read as article text",
                1,
            )
        )
    body = text[offset:]
    if not body.strip():
        raise _BadRecord("no article text")
    _check_length(body, max_chars)
    return _article_from_record(
        {**{k: v for k, v in meta.items() if k != "text"}, "text": body},
        rel,
        max_chars,
        _str(meta.get("id")) or _path_id(rel),
        _Dates(reading, rel, line),
        text_offset=offset,
    )


def _key_line(front_matter: str, keys: tuple[str, ...]) -> int | None:
    """The file line of a front matter key (line 1 is the opening '---')."""
    for number, line in enumerate(front_matter.splitlines(), start=2):
        if line.split(":", 1)[0].strip().lower() in keys:
            return number
    return None


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader, but dates stay text: ``_iso_date`` checks them and reports a bad
    one (YAML's own timestamp type aborts on ``2024-02-30``)."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _front_matter(raw: str) -> dict[str, object]:
    """Parse YAML front matter safely: small, no aliases (no expansion bombs)."""
    if len(raw) > _MAX_FRONT_MATTER:
        raise _BadRecord("front matter larger than 16 KB")
    if _bracket_depth(raw) > 32:  # the YAML parser would recurse for seconds, then fail
        raise _BadRecord("front matter nested too deeply")
    try:
        for event in yaml.parse(raw, Loader=_FrontMatterLoader):
            if isinstance(event, yaml.AliasEvent):
                raise _BadRecord("front matter uses YAML aliases, which are not allowed")
        data = yaml.load(raw, Loader=_FrontMatterLoader)  # a SafeLoader: no objects
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise _BadRecord(f"invalid front matter ({problem})") from None
    except RecursionError:
        raise _BadRecord("front matter nested too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _BadRecord("front matter is not a mapping of fields")
    return {str(k).lower(): v for k, v in data.items()}


def _bracket_depth(raw: str) -> int:
    depth = deepest = 0
    for ch in raw:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
    return deepest


def _check_length(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise _BadRecord(f"article longer than {max_chars:,} characters")


def _str(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _first_line_title(text: str) -> str:
    """The first substantive line: not blank, not furniture, not a '---' rule, without '#'."""
    for line in text.splitlines():
        candidate = line.strip().lstrip("#").strip()
        if candidate and not is_furniture(candidate) and not re.fullmatch(r"[-=_*\s]+", candidate):
            return candidate[:300]
    return "(untitled)"


def _iso_date(value: object) -> str | None:
    """Normalise a published date to YYYY-MM-DD; unparseable dates are dropped, not guessed."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _str(value)
    if not text:
        return None
    match = re.match(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None
