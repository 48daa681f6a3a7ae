"""Answers as Markdown (terminal and chat) and as JSON: plain functions, no Discord."""

from __future__ import annotations

from bot.answer import Answer, Excerpt
from index.types import Article

NO_ANSWER = "The articles I have do not answer this question."
STANCE_LABELS = {"claim": "claim", "denial": "denial", "unconfirmed": "cannot confirm"}


def render_answer(answer: Answer) -> str:
    """Quote blocks, an attribution line under each, then numbered sources with links."""
    if not answer.answered:
        return answer.note or NO_ANSWER
    sources = answer.sources()
    number = {article.id: i for i, article in enumerate(sources, start=1)}
    blocks = [_excerpt_block(e, number[e.article.id]) for e in answer.excerpts]
    lines = ["Sources:"] + [f"{i}. {source_line(a)}" for i, a in enumerate(sources, start=1)]
    lead = [answer.note] if answer.note else []
    return "\n\n".join([*lead, *blocks]) + "\n\n" + "\n".join(lines)


def _excerpt_block(excerpt: Excerpt, number: int) -> str:
    quote = "\n".join(f"> {line}" if line.strip() else ">" for line in excerpt.quote.splitlines())
    return f"{quote}\n{attribution_line(excerpt, number)}"


def attribution_line(excerpt: Excerpt, number: int) -> str:
    """'— (denial) speaker, in “Title” (Outlet, 2015-10-08) [1]'; parts the article lacks
    are left out."""
    return (
        f"— {stance_label(excerpt)} {who_in(excerpt.speaker)}“{excerpt.article.title}”"
        f"{_outlet_date(excerpt.article)} [{number}]"
    )


def stance_label(excerpt: Excerpt) -> str:
    """'(claim)', '(denial)', '(cannot confirm)'; '(context, claim)' for a lead-in."""
    label = STANCE_LABELS[excerpt.stance]
    return f"(context, {label})" if excerpt.lead_in else f"({label})"


def who_in(speaker: str | None) -> str:
    return f"{speaker}, in " if speaker else "in "


def source_line(article: Article) -> str:
    where = f"<{article.url}>" if article.url else f"file {article.path}"
    return f"“{article.title}”{_outlet_date(article)} {where}"


def _outlet_date(article: Article) -> str:
    parts = [p for p in (article.source, article.published) if p]
    return f" ({', '.join(parts)})" if parts else ""


def answer_json(answer: Answer) -> dict[str, object]:
    return {
        "question": answer.question,
        "answered": answer.answered,
        "note": answer.note,
        "missing": list(answer.missing),
        "excerpts": [e.to_json() for e in answer.excerpts],
        "text": render_answer(answer),
    }
