"""Which lines of an article may be quoted as an answer, and where a quote may start.

Headlines, subheads, bylines, "Updated …" lines and photo captions are indexed (they help
find the article) but never quoted: they are not statements anyone made. A dateline
("MOSCOW (Reuters) —", "(CNN) —") is not part of what was said, so a quote starts after it.
"""

from __future__ import annotations

import re

# A sentence ends a statement when it ends with sentence punctuation, maybe inside quotes.
_ENDS_LIKE_PROSE = re.compile(r"[.!?…][\"”’')\]]*$")
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
# A caption describes a picture: "<title> <Name> speaks during …, <date>." — a name, then
# a verb in the present tense, within the first ten words of a one-sentence paragraph that
# ends with the date the picture was taken.
_PICTURED = re.compile(r"^(?:[\w.'’-]+\s+){0,8}?[A-Z][\w.'’-]*\s+[a-z]+s\b(?<!says)")
_DATE_AT_END = re.compile(
    r"(?:\b(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s+\d{1,2}"
    r"(?:,\s*\d{4})?|\b\d{4}|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday))\.?$"
)
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.’' -]{1,40},?\s*(?:[A-Z][\w.]*\s*)?)?\((?:[A-Z][\w ]{1,20})\)\s*[—–-]+\s*"
    r"|^[A-Z][A-Z.’' -]{2,40}\s+[—–]\s*"
    r"|^CNN\s+[—–]\s*"
)


def quotable_paragraph(paragraph: str, sentences: int) -> bool:
    """May a sentence of this paragraph (of ``sentences`` sentences) be quoted?"""
    text = paragraph.strip()
    if not _ENDS_LIKE_PROSE.search(text) or _BYLINE.match(text) or _CREDIT.search(text):
        return False
    return not (sentences == 1 and _PICTURED.match(text) and _DATE_AT_END.search(text))


def dateline_length(sentence: str) -> int:
    """Characters of a dateline opening ``sentence`` (0 without one)."""
    match = _DATELINE.match(sentence)
    return match.end() if match else 0
