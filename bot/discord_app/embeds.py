"""Answers as Discord embeds, within every Discord limit, with user text made inert.

Plain functions over plain data (``discord.Embed`` is a plain object too), testable without
a connection. A long answer drops whole excerpts from the end; a single excerpt too long on
its own is shortened at a clause boundary with "…", never inside a word.
"""

from __future__ import annotations

import re

import discord

from bot.answer import Answer, Excerpt
from bot.render import NO_ANSWER, stance_label, who_in
from index.types import Article

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
FIELD_LIMIT = 25
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
QUOTE_LIMIT = 1500  # one excerpt longer than this is shortened at a clause boundary

_MARKDOWN = re.compile(r"([\\*_~|`>\[\]()#<:])")
_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")


def escape(text: str) -> str:
    """Make text inert: no Markdown, no masked links, no mentions (even if rendered)."""
    text = _MARKDOWN.sub(r"\\\1", text)
    return _MENTION.sub(lambda m: m.group(0).replace("@", "@\u200b"), text)


def shorten(text: str, limit: int) -> str:
    """Cut at the last sentence or clause boundary that fits, marked with '…'."""
    if len(text) <= limit:
        return text
    window = text[: limit - 2]
    cut = max(window.rfind(p) for p in (". ", "; ", ", ", ": ", " — "))
    if cut <= 0:
        cut = window.rfind(" ")
    return text[: max(cut, 0) + 1].rstrip() + " …"


def title_for(question: str) -> str:
    """The question as the embed title: inert, on one line, within the title limit."""
    text = shorten(" ".join(question.split()), 200)
    return escape(text)[: TITLE_LIMIT - 1]


def answer_embed(answer: Answer) -> discord.Embed:
    """One embed: the quotes with their attribution lines, then the numbered sources."""
    title = title_for(answer.question)
    if not answer.answered:
        return discord.Embed(title=title, description=escape(answer.note or NO_ANSWER))
    excerpts = list(answer.excerpts)
    while excerpts:
        embed = _build(title, excerpts, answer.note)
        if _fits(embed):
            return embed
        excerpts.pop()
    return discord.Embed(title=title, description=NO_ANSWER)


def _build(title: str, excerpts: list[Excerpt], note: str | None = None) -> discord.Embed:
    sources: list[Article] = []
    for excerpt in excerpts:
        if excerpt.article not in sources:
            sources.append(excerpt.article)
    number = {a.id: i for i, a in enumerate(sources, start=1)}
    blocks = []
    for excerpt in excerpts:
        quote = shorten(" ".join(excerpt.quote.split()), QUOTE_LIMIT)
        who = who_in(escape(excerpt.speaker) if excerpt.speaker else None)
        blocks.append(
            f"> {escape(quote)}\n— {stance_label(excerpt)} {who}source "
            f"[{number[excerpt.article.id]}]"
        )
    lead = [escape(note)] if note else []
    embed = discord.Embed(title=title, description="\n\n".join([*lead, *blocks]))
    lines = [f"{i}. {source_text(a)}" for i, a in enumerate(sources, start=1)]
    value = "\n".join(lines)
    while len(value) > FIELD_VALUE_LIMIT and lines:
        lines[-1] = shorten(lines[-1], max(40, len(lines[-1]) - (len(value) - FIELD_VALUE_LIMIT)))
        value = "\n".join(lines)
        if len(value) > FIELD_VALUE_LIMIT:
            lines.pop()
            value = "\n".join(lines)
    embed.add_field(name="Sources", value=value or "—", inline=False)
    embed.set_footer(text="Verbatim quotes from the indexed articles.")
    return embed


def source_text(article: Article) -> str:
    """'“Title” (Outlet, 2022-06-16) link'; a link only for http(s) URLs."""
    title = escape(shorten(article.title, 200))
    meta = ", ".join(escape(p) for p in (article.source, article.published) if p)
    text = f"“{title}”" + (f" ({meta})" if meta else "")
    url = article.url or ""
    if re.match(r"^https?://[^\s<>()\[\]]+$", url) and len(url) <= 400:
        text += f" <{url}>"
    return text


def _fits(embed: discord.Embed) -> bool:
    return (
        len(embed.title or "") <= TITLE_LIMIT
        and len(embed.description or "") <= DESCRIPTION_LIMIT
        and len(embed.fields) <= FIELD_LIMIT
        and all(len(f.value or "") <= FIELD_VALUE_LIMIT for f in embed.fields)
        and len(embed.footer.text or "") <= FOOTER_LIMIT
        and len(embed) <= TOTAL_LIMIT
    )


def sources_embed(articles: list[Article], *, page: int = 1, per_page: int = 15) -> discord.Embed:
    """The indexed articles, newest first, one page at a time."""
    pages = max(1, -(-len(articles) // per_page))
    page = min(max(page, 1), pages)
    shown = articles[(page - 1) * per_page : page * per_page]
    lines = [f"{(page - 1) * per_page + i}. {source_text(a)}" for i, a in enumerate(shown, 1)]
    description = "\n".join(lines) or "The index holds no articles."
    while len(description) > DESCRIPTION_LIMIT and lines:
        lines.pop()
        description = "\n".join(lines)
    embed = discord.Embed(title=f"Indexed articles ({len(articles)})", description=description)
    embed.set_footer(text=f"Page {page} of {pages}")
    return embed


def short_text(text: str) -> str:
    """A one-line message within the content limit."""
    return shorten(" ".join(text.split()), CONTENT_LIMIT)
