"""Which lines of an article may be quoted as an answer, and where a quote may start.

Headlines, subheads, bylines, "Updated …" lines and photo credits are indexed (they help
find the article) but never quoted: they are not statements anyone made. Captions without a
credit need the parse of their verb, so they are found at index time (``index/captions.py``)
and left out by the answer. A dateline ("MOSCOW (Reuters) —", "(CNN) —") is not part of what
was said, so a quote starts after it.
"""

from __future__ import annotations

import re

from index.captions import ends_like_prose

_BYLINE = re.compile(
    r"^(?:by\s+[A-Z]|(?:updated|published|posted|last updated)\b|(?:photo|image|video)s?:)",
    re.IGNORECASE,
)
# Photo credits close captions: "Mandel Ngan/AFP/Getty Images", "(AP Photo/Evan Vucci)".
_CREDIT = re.compile(
    r"(?:/\s*(?:Getty|AFP|AP|Reuters|EPA|Bloomberg|Shutterstock|Sipa|Zuma|Pool)\b"
    r"|\bGetty Images\b|\bAP Photo\b|\b(?:Photo|Photograph|Image|Credit)s?:"
    r"|\((?:File|Photo)[^)]*\))",
)
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.’' -]{1,40},?\s*(?:[A-Z][\w.]*\s*)?)?\((?:[A-Z][\w ]{1,20})\)\s*[—–-]+\s*"
    r"|^[A-Z][A-Z.’' -]{2,40}\s+[—–]\s*"
    r"|^CNN\s+[—–]\s*"
)


def quotable_paragraph(paragraph: str) -> bool:
    """May a sentence of this paragraph be quoted? (Not a headline, byline or credit.)"""
    text = paragraph.strip()
    return ends_like_prose(text) and not (_BYLINE.match(text) or _CREDIT.search(text))


def dateline_length(sentence: str) -> int:
    """Characters of a dateline opening ``sentence`` (0 without one)."""
    match = _DATELINE.match(sentence)
    return match.end() if match else 0
