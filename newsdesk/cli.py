"""The ``newsdesk`` command: parses arguments, calls the library, prints results.

Heavy modules (torch, FAISS) are imported inside the commands that need them, and every
``NewsdeskError`` becomes one line on stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from index.timeframe import parse_date
from index.types import MODES
from newsdesk.errors import ConfigError, NewsdeskError
from newsdesk.settings import Settings, load_settings

if TYPE_CHECKING:
    from index.builder import BuildReport, Progress
    from index.embedding import Embedder
    from index.retriever import Retriever

Command = Callable[[argparse.Namespace, Settings], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(**_overrides(args))
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        command: Command = args.func
        return command(args, settings)
    except NewsdeskError as exc:
        print(f"newsdesk: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("newsdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    names = {"index": "index_dir", "corpus": "corpus_dir"}
    return {field: getattr(args, opt) for opt, field in names.items() if getattr(args, opt, None)}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line that points at --help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsdesk", description="Answers questions about news articles with verbatim quotes."
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    index = commands.add_parser("index", help="build or inspect the index")
    index_commands = index.add_subparsers(
        dest="index_command", required=True, metavar="ACTION", parser_class=_Parser
    )
    build = index_commands.add_parser("build", help="index the corpus (only what changed)")
    _index_option(build)
    build.add_argument("--corpus", type=Path, metavar="DIR", help="corpus folder to read")
    build.set_defaults(func=cmd_build)
    stats = index_commands.add_parser("stats", help="say what the index holds")
    _index_option(stats)
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(func=cmd_stats)

    query = commands.add_parser("query", help="retrieve passages for a question")
    query.add_argument("question", help="the question, in plain words")
    query.add_argument("-k", type=int, metavar="N", help="number of passages (default: setting)")
    query.add_argument("--json", action="store_true", help="print one JSON object")
    _search_options(query)
    _index_option(query)
    query.set_defaults(func=cmd_query)

    ask = commands.add_parser("ask", help="answer a question with quotes from the articles")
    ask.add_argument("question", help="the question, in plain words")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    _search_options(ask)
    _index_option(ask)
    ask.set_defaults(func=cmd_ask)

    serve = commands.add_parser("serve", help="run the Discord bot")
    _index_option(serve)
    serve.add_argument("--corpus", type=Path, metavar="DIR", help="corpus folder for /reindex")
    serve.set_defaults(func=cmd_serve)

    evaluate = commands.add_parser("eval", help="measure retrieval on questions with answers")
    evaluate.add_argument(
        "--queries",
        type=Path,
        required=True,
        metavar="FILE",
        help="questions in the queries-dev.jsonl format",
    )
    evaluate.add_argument("--k", type=int, default=10, metavar="N", help="passages per question")
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


# -- commands ------------------------------------------------------------------------------


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from index.builder import BuildOptions, build_index
    from index.store import FaissSpec

    embedder = _embedder(settings)
    options = BuildOptions(
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        faiss=FaissSpec(kind=settings.faiss_index, hnsw_m=settings.hnsw_m),
        max_article_chars=settings.max_article_chars,
    )
    with _progress("embedding") as progress:
        report = build_index(
            settings.corpus_dir, settings.index_dir, embedder, options, progress=progress
        )
    _print_build(report)
    return 0


def _print_build(report: BuildReport) -> None:
    for skipped in report.skipped:
        print(f"skipped {skipped}", file=sys.stderr)
    if report.note:
        print(report.note, file=sys.stderr)
    print(report.summary())


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from index.store import StoredIndex

    index = StoredIndex.load(settings.index_dir)
    manifest = index.manifest
    sizes = {name: entry["bytes"] for name, entry in manifest.files.items()}
    dated = sorted(a.published for a in index.articles.values() if a.published)
    stats = {
        "index": str(settings.index_dir),
        "version": index.version,
        "created_at": manifest.created_at,
        "model": manifest.model,
        "dimension": manifest.dimension,
        "faiss": manifest.faiss,
        "chunking": manifest.chunking,
        "articles": len(index.articles),
        "chunks": len(index.chunks),
        "published_range": [dated[0], dated[-1]] if dated else None,
        "bytes": sum(sizes.values()),
    }
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    width = max(map(len, stats))
    for key, value in stats.items():
        shown = json.dumps(value) if isinstance(value, (dict, list)) else value
        print(f"{key:<{width}}  {shown}")
    return 0


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    retriever = _retriever(settings)
    passages = retriever.search(
        args.question, args.k or settings.top_k, mode=args.mode, as_of=args.as_of or settings.as_of
    )
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
        print("The index holds no passages.")
    for p in passages:
        print(f"{p.rank}. [{p.score:.3f}] {p.article.title} ({p.article.path})")
        body = " ".join(p.text.split())
        print(textwrap.indent(textwrap.fill(body, width=96), "   "))
        print()
    return 0


def _embedder(settings: Settings, *, serving: bool = False, queries_only: bool = False) -> Embedder:
    """The configured embedder; ``serving`` keeps document encoding to one thread (short
    sentences for answers run fastest so, and a rebuild leaves a core to questions)."""
    from index.embedding import load_embedder

    return load_embedder(
        settings.embedding_model,
        backend=settings.embedding_backend,
        cache_dir=settings.model_cache_dir,
        batch_size=settings.embed_batch_size,
        threads=1 if serving else 2,
        queries_only=queries_only,
    )


def _retriever(settings: Settings, *, mode: str | None = None, answers: bool = False) -> Retriever:
    from index.embedding import canonical_model_name
    from index.retriever import Retriever
    from index.store import StoredIndex, check_compatible

    index = StoredIndex.load(settings.index_dir)
    if not settings.embedding_model.startswith("py:"):
        # Refuse a mismatch before paying for loading the model.
        check_compatible(
            index.manifest, canonical_model_name(settings.embedding_model), index.manifest.dimension
        )
    embedder = _embedder(settings, serving=True, queries_only=not answers)
    check_compatible(index.manifest, embedder.name, embedder.dimension)
    return Retriever(
        index,
        embedder,
        mode=mode or settings.search_mode,  # type: ignore[arg-type]
        max_query_chars=settings.max_query_chars,
        ef_search=settings.hnsw_ef_search,
    )


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.answer import Answerer, AnswerPolicy
    from bot.render import answer_json, render_answer

    retriever = _retriever(settings, mode=args.mode, answers=True)
    answerer = Answerer(retriever, policy=AnswerPolicy(max_excerpts=settings.max_excerpts))
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
    import discord

    from bot.discord_app import NewsdeskClient
    from bot.service import AnswerService

    service = AnswerService(settings, _embedder(settings, serving=True))
    service.load()  # model and index load once, before the bot connects
    if service.unavailable_reason:
        print(f"newsdesk: warning: {service.unavailable_reason}", file=sys.stderr)
    client = NewsdeskClient(settings, service, state_dir=settings.state_dir)
    try:
        client.run(settings.discord_token.get_secret_value(), log_handler=None)
    except discord.LoginFailure:
        raise ConfigError(
            "Discord rejected NEWSDESK_DISCORD_TOKEN; copy a fresh token from the Developer Portal"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError(
            "Discord refused the bot's intents; check the application settings"
        ) from None
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from index.evaluation import evaluate, load_queries

    fallback = args.as_of or settings.as_of
    queries = [
        q if q.as_of or not fallback else replace(q, as_of=fallback)
        for q in load_queries(args.queries)
    ]
    retriever = _retriever(settings, answers=args.answers)
    modes = [args.mode] if args.mode else list(MODES)
    results = {mode: evaluate(retriever, queries, mode, args.k) for mode in modes}
    answers = None
    if args.answers:
        from bot.answer import Answerer, AnswerPolicy
        from bot.evaluation import score_answers

        policy = AnswerPolicy(max_excerpts=settings.max_excerpts)
        answers = score_answers(Answerer(retriever, policy=policy), queries).to_json()
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


class _progress:
    """A progress bar on a terminal, a line every 10% otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar = None
        self.last_decile = -1

    def __enter__(self) -> Progress:
        return self.update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def update(self, done: int, total: int) -> None:
        if total == 0:
            return
        if sys.stderr.isatty():
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=total, desc=self.label, unit="chunk", file=sys.stderr)
            self.bar.update(done - self.bar.n)
            return
        decile = done * 10 // total
        if decile != self.last_decile:
            self.last_decile = decile
            print(f"{self.label}: {done}/{total} chunks", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
