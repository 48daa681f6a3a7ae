"""The ``newsdesk`` command: parses arguments, calls the library, prints results.

Heavy modules (torch, FAISS) are imported inside the commands that need them, and every
``NewsdeskError`` becomes one line on stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ConfigError, NetworkError, NewsdeskError
from core.logs import configure_logging
from core.settings import Settings, load_settings, unknown_variables
from index.timeframe import parse_date
from index.types import MODES

if TYPE_CHECKING:
    from index.builder import BuildReport, Progress
    from index.types import Retrieval
    from ingest.update import UpdateReport

Command = Callable[[argparse.Namespace, Settings], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(**_overrides(args))
        configure_logging(settings.log_level)
        for warning in unknown_variables(os.environ):
            print(f"newsdesk: warning: {warning}", file=sys.stderr)
        command: Command = args.func
        from newsdesk.wiring import torch_kept_out

        with torch_kept_out(settings):
            code = command(args, settings)
        sys.stdout.flush()
        return code
    except NewsdeskError as exc:
        for line in exc.details:
            print(line, file=sys.stderr)
        print(f"newsdesk: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("newsdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _discard_stdout()
        return 0
    except OSError as exc:
        if not _is_stdout_error(exc):
            raise
        _discard_stdout()
        reason = exc.strerror or str(exc)
        print(f"newsdesk: error: cannot write the output ({reason})", file=sys.stderr)
        return 1


def _is_stdout_error(exc: OSError) -> bool:
    """Whether writing to standard output failed (a full disk, a closed pipe)."""
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return exc.errno in (errno.ENOSPC, errno.EIO, errno.EPIPE)


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so the exit-time flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    names = {"index": "index_dir", "corpus": "corpus_dir"}
    return {field: getattr(args, opt) for opt, field in names.items() if getattr(args, opt, None)}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line that points at --help, and examples in the
    help keep their line breaks."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsdesk",
        description="Answers questions about news articles with verbatim quotes.",
        epilog=_examples(
            "newsdesk index build",
            'newsdesk ask "did Iran confirm the crash?"',
            "newsdesk COMMAND --help",
        ),
    )
    parser.add_argument("--version", action="version", version=f"newsdesk {_version()}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    index = commands.add_parser(
        "index",
        help="build or inspect the index",
        epilog=_examples("newsdesk index build", "newsdesk index stats --json"),
    )
    index_commands = index.add_subparsers(
        dest="index_command", required=True, metavar="ACTION", parser_class=_Parser
    )
    build = index_commands.add_parser(
        "build",
        help="index the corpus (only what changed)",
        description="Index the corpus folder: new and changed articles are embedded and "
        "written as a new segment, removed ones dropped; an unchanged corpus writes nothing. "
        "Past NEWSDESK_INDEX_MAX_SEGMENTS segments (or with --compact) they are merged.",
        epilog=_examples(
            "newsdesk index build",
            "newsdesk index build --corpus ~/news --index ~/news-index",
            "newsdesk index build --compact",
        ),
    )
    _index_option(build)
    build.add_argument("--corpus", type=Path, metavar="DIR", help="corpus folder to read")
    build.add_argument("--json", action="store_true", help="print the report as one JSON object")
    build.add_argument(
        "--compact",
        action="store_true",
        help="merge the index's segments into one (no article is re-embedded)",
    )
    build.set_defaults(func=cmd_build)
    stats = index_commands.add_parser(
        "stats",
        help="say what the index holds",
        epilog=_examples("newsdesk index stats", "newsdesk index stats --json"),
    )
    _index_option(stats)
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(func=cmd_stats)

    sources = commands.add_parser(
        "sources",
        help="list the indexed articles, newest first",
        epilog=_examples("newsdesk sources", "newsdesk sources --json"),
    )
    sources.add_argument("--json", action="store_true", help="print one JSON object")
    _index_option(sources)
    sources.set_defaults(func=cmd_sources)

    show = commands.add_parser(
        "show",
        help="print one article's metadata and text",
        epilog=_examples("newsdesk show 000_c0181eb0cece6f71", "newsdesk show ID --json"),
    )
    show.add_argument("id", help="the article's id (see `newsdesk sources`)")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    _index_option(show)
    show.set_defaults(func=cmd_show)

    query = commands.add_parser(
        "query",
        help="retrieve passages for a question",
        epilog=_examples(
            'newsdesk query "did Iran confirm the crash?"',
            'newsdesk query "Caspian flotilla missiles" -k 10 --mode bm25 --json',
        ),
    )
    query.add_argument("question", help="the question, in plain words")
    _k_option(query, default=None, help="number of passages (default: NEWSDESK_TOP_K)")
    query.add_argument("--json", action="store_true", help="print one JSON object")
    _search_options(query)
    _index_option(query)
    query.set_defaults(func=cmd_query)

    ask = commands.add_parser(
        "ask",
        help="answer a question with quotes from the articles",
        epilog=_examples(
            'newsdesk ask "did Iran confirm the crash?"',
            'newsdesk ask "what did the defence ministry say?" --as-of 2015-10-09 --json',
        ),
    )
    ask.add_argument("question", help="the question, in plain words")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    _search_options(ask)
    _index_option(ask)
    ask.set_defaults(func=cmd_ask)

    serve = commands.add_parser(
        "serve",
        help="run the Discord bot",
        description="Run the Discord bot; the token comes from NEWSDESK_DISCORD_TOKEN (.env).",
        epilog=_examples("newsdesk serve", "newsdesk serve --index DIR --corpus DIR"),
    )
    _index_option(serve)
    serve.add_argument("--corpus", type=Path, metavar="DIR", help="corpus folder for /reindex")
    serve.set_defaults(func=cmd_serve)

    feeds = commands.add_parser(
        "feeds",
        help="follow, list or stop following news feeds",
        description="Feeds (RSS or Atom) whose new articles `newsdesk update` fetches into "
        "the corpus and indexes (`newsdesk serve` does it on a schedule).",
        epilog=_examples(
            "newsdesk feeds add https://www.example.com/rss.xml --name example",
            "newsdesk feeds list",
            "newsdesk feeds remove example",
        ),
    )
    feeds_commands = feeds.add_subparsers(
        dest="feeds_command", required=True, metavar="ACTION", parser_class=_Parser
    )
    feeds_add = feeds_commands.add_parser(
        "add",
        help="follow a feed (or the feed a page advertises)",
        epilog=_examples("newsdesk feeds add https://www.example.com/rss.xml --name example"),
    )
    feeds_add.add_argument("url", help="the feed's address (http or https)")
    feeds_add.add_argument("--name", help="a short name (default: the feed's title)")
    feeds_add.set_defaults(func=cmd_feeds_add)
    feeds_list = feeds_commands.add_parser("list", help="list the followed feeds")
    feeds_list.add_argument("--json", action="store_true", help="print one JSON object")
    feeds_list.set_defaults(func=cmd_feeds_list)
    feeds_remove = feeds_commands.add_parser(
        "remove",
        help="stop following a feed (its articles stay)",
        epilog=_examples("newsdesk feeds remove example"),
    )
    feeds_remove.add_argument("feed", metavar="NAME|URL", help="the feed's name or address")
    feeds_remove.set_defaults(func=cmd_feeds_remove)

    update = commands.add_parser(
        "update",
        help="poll every followed feed once, fetch new articles, index them",
        description="Poll every followed feed once, write new and changed articles into the "
        "corpus folder, and update the index with them.",
        epilog=_examples("newsdesk update", "newsdesk update --json", "newsdesk update --no-index"),
    )
    _ingest_options(update)
    update.add_argument(
        "--scheduled",
        action="store_true",
        help="leave feeds that are waiting after a failure for later (as `serve` does)",
    )
    update.set_defaults(func=cmd_update)

    fetch = commands.add_parser(
        "fetch",
        help="fetch single article pages into the corpus and index them",
        epilog=_examples("newsdesk fetch https://www.example.com/news/2026/11/20/story"),
    )
    fetch.add_argument("urls", nargs="+", metavar="URL", help="article pages (http or https)")
    _ingest_options(fetch)
    fetch.set_defaults(func=cmd_fetch)

    evaluate = commands.add_parser(
        "eval",
        help="measure retrieval on questions with answers",
        epilog=_examples(
            "newsdesk eval --queries ../shared/data/rtqa/queries-dev.jsonl",
            "newsdesk eval --queries FILE --mode hybrid --answers --json",
        ),
    )
    evaluate.add_argument(
        "--queries",
        type=Path,
        required=True,
        metavar="FILE",
        help="questions in the queries-dev.jsonl format",
    )
    _k_option(evaluate, default=10, help="passages per question (default: 10)")
    evaluate.add_argument("--mode", choices=MODES, help="one mode (default: all three)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument(
        "--answers",
        action="store_true",
        help="also score the quoted answers (answer in excerpts, answered)",
    )
    evaluate.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="date for questions that carry none (default: setting, else today)",
    )
    _index_option(evaluate)
    evaluate.set_defaults(func=cmd_eval)
    return parser


def _k_option(parser: argparse.ArgumentParser, *, default: int | None, help: str) -> None:
    """-k and --k, spelled the same in every subcommand, at least 1."""
    parser.add_argument("-k", "--k", type=_positive, default=default, metavar="N", help=help)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsdesk")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _search_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=MODES, help="retrieval mode (default: setting)")
    parser.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="answer as of this date (default: setting, else today)",
    )


def _date(text: str) -> date:
    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _index_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, metavar="DIR", help="index folder to use")


def _ingest_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--no-index", action="store_true", help="only write the articles into the corpus"
    )
    parser.add_argument("--corpus", type=Path, metavar="DIR", help="corpus folder to write")
    _index_option(parser)


# -- commands ------------------------------------------------------------------------------


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from index.builder import build_index
    from newsdesk.wiring import build_options, load_embedder

    embedder = load_embedder(settings)
    options = replace(build_options(settings), compact=args.compact, attribute_ahead=True)
    with _progress() as progress:
        report = build_index(
            settings.corpus_dir, settings.index_dir, embedder, options, progress=progress
        )
    _print_build(report, as_json=args.json)
    return 0


def _print_build(report: BuildReport, *, as_json: bool = False) -> None:
    for skipped in report.skipped:
        print(f"skipped {skipped}", file=sys.stderr)
    for problem in report.problems:
        print(f"warning {problem}", file=sys.stderr)
    if report.note:
        print(report.note, file=sys.stderr)
    print(json.dumps(report.to_json()) if as_json else report.summary())


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    from index.stats import IndexStats
    from index.store import StoredIndex

    index = StoredIndex.load(settings.index_dir, lexical=False, vectors=False)
    stats = IndexStats.of(index, settings.index_dir)
    if args.json:
        print(json.dumps(asdict(stats), indent=2, ensure_ascii=False))
    else:
        print("\n".join(stats.lines()))
    return 0


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    from index.stats import newest_first
    from index.store import StoredIndex

    index = StoredIndex.load(settings.index_dir, lexical=False, vectors=False)
    articles = newest_first(list(index.articles.values()))
    if args.json:
        print(json.dumps({"articles": [a.meta() for a in articles]}, indent=2, ensure_ascii=False))
        return 0
    if not articles:
        print("The index holds no articles.")
    for article in articles:
        when = article.published or "undated"
        outlet = article.source or "no outlet"
        print(f"{when:<10}  {outlet[:24]:<24}  {article.id}  {article.title}")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from index.store import StoredIndex

    index = StoredIndex.load(settings.index_dir, lexical=False, vectors=False)
    article = index.articles.get(args.id) or next(
        (a for a in index.articles.values() if args.id in a.aliases), None
    )
    if article is None:
        raise ConfigError(
            f"no article with id {args.id!r} in {settings.index_dir}; "
            "list the ids with `newsdesk sources`"
        )
    if args.json:
        print(json.dumps({**article.meta(), "text": article.text}, indent=2, ensure_ascii=False))
        return 0
    for name, value in article.meta().items():
        if value is not None:
            print(f"{name + ':':<13}{value}")
    print()
    print(article.text.strip())
    return 0


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from newsdesk.wiring import load_embedder, load_index, open_retriever

    index = load_index(settings)
    embedder = load_embedder(settings, serving=True)
    retriever = open_retriever(settings, index, embedder, mode=args.mode)
    found = retriever.search(
        args.question, args.k or settings.top_k, as_of=args.as_of or settings.as_of
    )
    passages = found.passages
    if args.json:
        print(
            json.dumps(
                {"query": args.question, "passages": [p.to_json() for p in passages]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not passages:
        print(_nothing_found(found, len(index.chunks)))
    for p in passages:
        print(f"{p.rank}. [{p.score:.3f}] {p.article.title} ({p.article.path})")
        body = " ".join(p.text.split())
        print(textwrap.indent(textwrap.fill(body, width=96), "   "))
        print()
    return 0


def _nothing_found(found: Retrieval, chunks: int) -> str:
    if chunks == 0:
        return "The index holds no passages."
    if found.searchable_rows == 0:
        return f"No indexed article was published on or before {found.question.as_of}."
    return "No passage matches the question."


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.render import answer_json, render_answer
    from newsdesk.wiring import load_embedder, load_index, open_answerer

    index = load_index(settings)
    answerer = open_answerer(settings, index, load_embedder(settings, serving=True), mode=args.mode)
    answer = answerer.answer(args.question, as_of=args.as_of or settings.as_of)
    if args.json:
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
    else:
        print(render_answer(answer))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if settings.discord_token is None:
        raise ConfigError(
            "NEWSDESK_DISCORD_TOKEN is not set; put the bot token in .env (see README)"
        )
    import aiohttp
    import discord

    from bot.discord_app import NewsdeskBot
    from newsdesk.wiring import build_following, build_service

    service = build_service(settings)
    service.load()  # model and index load once, before the bot connects
    if service.unavailable_reason:
        print(f"newsdesk: warning: {service.unavailable_reason}", file=sys.stderr)
    bot = NewsdeskBot(settings, service, build_following(settings, service))
    try:
        bot.run(settings.discord_token.get_secret_value(), log_handler=None)
    except discord.LoginFailure:
        raise ConfigError(
            "Discord rejected NEWSDESK_DISCORD_TOKEN; copy a fresh token from the Developer Portal"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError(
            "Discord refused the bot's intents; check the application settings"
        ) from None
    except (aiohttp.ClientError, discord.GatewayNotFound, OSError, TimeoutError) as exc:
        reason = str(exc) or type(exc).__name__
        raise NetworkError(
            f"cannot reach Discord ({reason[:160]}); check the network connection, then run "
            "`newsdesk serve` again"
        ) from None
    except discord.HTTPException as exc:
        raise NetworkError(
            f"Discord answered {exc.status} ({exc.text[:120] or 'no reason'}); try again later"
        ) from None
    return 0


def cmd_feeds_add(args: argparse.Namespace, settings: Settings) -> int:
    from newsdesk.wiring import open_ingestor

    with open_ingestor(settings) as ingestor:
        feed = ingestor.follow(args.url, args.name)
    found = "" if feed.url == args.url else f" (the feed {args.url} advertises)"
    print(f"Following {feed.name!r}: {feed.url}{found}.")
    print("Run `newsdesk update` to fetch its articles now.")
    return 0


def cmd_feeds_list(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    from newsdesk.wiring import open_ingestor

    with open_ingestor(settings) as ingestor:
        state = ingestor.state.read()
    counts = state.articles_per_feed()
    if args.json:
        feeds = [{**asdict(f), "articles": counts[f.name]} for f in state.feeds]
        print(json.dumps({"feeds": feeds}, indent=2, ensure_ascii=False))
        return 0
    if not state.feeds:
        print("No feeds are followed; add one with `newsdesk feeds add URL`.")
    for feed in state.feeds:
        polled = feed.last_polled or "never polled"
        print(f"{feed.name}  {feed.url}")
        line = f"    {counts[feed.name]} article(s); last polled {polled}"
        if feed.last_error:
            line += f"; failing ({feed.failures}x): {feed.last_error}"
        print(line)
    return 0


def cmd_feeds_remove(args: argparse.Namespace, settings: Settings) -> int:
    from newsdesk.wiring import open_ingestor

    with open_ingestor(settings) as ingestor:
        feed = ingestor.unfollow(args.feed)
    print(f"Stopped following {feed.name!r} ({feed.url}); its articles stay in the corpus.")
    return 0


def cmd_update(args: argparse.Namespace, settings: Settings) -> int:
    from newsdesk.wiring import open_ingestor

    with open_ingestor(settings) as ingestor:
        if not ingestor.feeds() and not args.json:
            print("No feeds are followed; add one with `newsdesk feeds add URL`.")
            return 0
        report = ingestor.poll(due_only=args.scheduled)
    _index_fetched(report, settings, args)
    polled = [f for f in report.feeds if f.status != "waiting"]
    all_failed = bool(polled) and all(f.status == "failed" for f in polled)
    return 1 if all_failed else 0


def cmd_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from newsdesk.wiring import open_ingestor

    with open_ingestor(settings) as ingestor:
        report = ingestor.fetch(args.urls)
    _index_fetched(report, settings, args)
    return 1 if any(o.status in ("failed", "skipped") for o in report.articles) else 0


def _index_fetched(
    report: UpdateReport, settings: Settings, args: argparse.Namespace
) -> BuildReport | None:
    """Print what was fetched and, if anything changed, update the index with it."""
    build = None
    if report.changed and not args.no_index:
        from index.builder import build_index
        from newsdesk.wiring import build_options, load_embedder

        embedder = load_embedder(settings)
        with _progress() as progress:
            build = build_index(
                settings.corpus_dir,
                settings.index_dir,
                embedder,
                replace(build_options(settings), attribute_ahead=True),
                progress=progress,
            )
    if args.json:
        payload = {"fetched": report.to_json(), "index": build.to_json() if build else None}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return build
    for line in report.lines():
        print(line)
    print(report.summary())
    if build is not None:
        print(build.summary())
    elif report.changed:
        print("The index was not updated (--no-index); run `newsdesk index build` to.")
    return build


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from index.evaluation import evaluate, load_queries

    fallback = args.as_of or settings.as_of
    queries = [
        q if q.as_of or not fallback else replace(q, as_of=fallback)
        for q in load_queries(args.queries)
    ]
    from newsdesk.wiring import load_embedder, load_index, open_answerer

    index = load_index(settings)
    embedder = load_embedder(settings, serving=True)
    answerer = open_answerer(settings, index, embedder)
    modes = [args.mode] if args.mode else list(MODES)
    results = {mode: evaluate(answerer.retriever, queries, mode, args.k) for mode in modes}
    answers = None
    if args.answers:
        from bot.evaluation import score_answers

        answers = score_answers(answerer, queries).to_json()
    if args.json:
        payload: dict[str, object] = {
            "queries": len(queries),
            "default_mode": settings.search_mode,
            "modes": {mode: scores.to_json() for mode, scores in results.items()},
        }
        if answers is not None:
            payload["answers"] = answers
        print(json.dumps(payload, indent=2))
        return 0
    print(
        f"{len(queries)} questions, each searched as of its own date; "
        f"default mode: {settings.search_mode}"
    )
    columns = ["recall@1", "recall@5", "recall@10", "mrr@10", "answer@5"]
    print(f"{'mode':<8}" + "".join(f"{c:>11}" for c in columns) + f"{'ms/query':>11}")
    for mode, scores in results.items():
        row = scores.to_json()
        print(
            f"{mode:<8}" + "".join(f"{row[c]:>11.3f}" for c in columns) + f"{scores.mean_ms:>11.1f}"
        )
    if answers is not None:
        print(
            f"answers ({settings.search_mode}): answer in quoted excerpts "
            f"{answers['answer_in_excerpts']:.3f}, answered {answers['answered']:.3f}, "
            f"answer step p50 {answers['answer_step_p50_ms']:.1f} ms"
        )
    return 0


_UNITS = {"attributing": "articles", "embedding": "chunks"}


class _progress:
    """A progress bar per build stage on a terminal, a line every 10% otherwise. Stages may
    advance side by side, from two threads (attributing and embedding)."""

    def __init__(self) -> None:
        import threading

        self.bars: dict[str, Any] = {}
        self.deciles: dict[str, int] = {}
        self.lock = threading.Lock()

    def __enter__(self) -> Progress:
        return self.update

    def __exit__(self, *exc: object) -> None:
        for bar in self.bars.values():
            bar.close()

    def update(self, stage: str, done: int, total: int) -> None:
        if total == 0:
            return
        unit = _UNITS.get(stage, "items")
        with self.lock:
            if sys.stderr.isatty():
                bar = self.bars.get(stage)
                if bar is None:
                    from tqdm import tqdm

                    bar = self.bars[stage] = tqdm(
                        total=total,
                        desc=stage,
                        unit=unit[:-1],
                        file=sys.stderr,
                        position=len(self.bars),
                    )
                bar.update(done - bar.n)
                return
            decile = done * 10 // total
            if decile != self.deciles.get(stage):
                self.deciles[stage] = decile
                print(f"{stage}: {done}/{total} {unit}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
