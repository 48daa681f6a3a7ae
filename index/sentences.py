"""Sentence and paragraph spans in news text, as character offsets into the original.

A rule-based splitter tuned for news prose: it keeps "U.S. officials", "Oct. 8" and
"Sen. Smith" whole, and ends a sentence at a line break. Spans never include the
surrounding white space, so ``text[start:end]`` is always a clean, verbatim sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.furniture import is_furniture

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st sen rep gov gen col lt sgt capt cmdr adm maj cpl pvt rev hon
    pres supt det insp atty amb
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    ed eds approx est inc corp co ltd llc bros dept univ assn
    mt ft ave blvd rd hwy
    vs v etc al e.g i.e a.m p.m u.s u.k u.n e.u d.c
    """.split()
)

# Abbreviations only before a number: "No. 5", "Vol. 2" (but "“No.” He left.").
_NUMBER_ABBREVIATIONS = frozenset("no nos vol vols fig figs p pp art sec".split())

_BOUNDARY = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A line of text between line breaks; furniture paragraphs are not indexed."""

    start: int
    end: int
    furniture: bool


def paragraphs(text: str) -> list[Paragraph]:
    """Non-blank lines of ``text`` as trimmed spans."""
    found: list[Paragraph] = []
    for match in re.finditer(r"[^\r\n]+", text):
        start, end = _trim(text, match.start(), match.end())
        if start < end:
            found.append(Paragraph(start, end, is_furniture(text[start:end])))
    return found


def sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]`` (which should not cross a line break)."""
    end = len(text) if end is None else end
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        cut = match.end()
        if _is_abbreviation(text, match.start(), cursor):
            continue
        s, e = _trim(text, cursor, cut)
        if s < e:
            yield s, e
        cursor = cut
    s, e = _trim(text, cursor, end)
    if s < e:
        yield s, e


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Every sentence of every non-furniture paragraph."""
    return [
        span
        for para in paragraphs(text)
        if not para.furniture
        for span in sentences(text, para.start, para.end)
    ]


def _is_abbreviation(text: str, dot: int, floor: int) -> bool:
    if text[dot] != ".":
        return False
    match = _WORD_BEFORE.search(text, max(floor, dot - 12), dot)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    if word in _ABBREVIATIONS:
        return True
    if word in _NUMBER_ABBREVIATIONS:
        following = text[dot + 1 : dot + 3].strip()
        return following[:1].isdigit()
    # A lone capital is an initial ("John F. Kennedy"), unless it ends a sentence.
    return len(word) == 1 and match.group(1).isupper()


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
