"""Photo captions: lines that describe a picture, found at index time and never quoted.

A caption is a paragraph of one sentence that ends with the date the picture was taken and
whose main verb, in the present tense, says what is seen: "NATO Secretary General Jens
Stoltenberg speaks during a media conference in Brussels on October 8.", "Firefighters
attempt to control a fire … on July 13.", "Biden is seen in this photo … on Thursday,
July 21." The verb is read from spaCy's parse, not guessed from a word's ending: a lede that
ends with a date ("One share of Alphabet is suddenly a lot more affordable … following a
stock split that took effect Monday.", "Park officials told visitors to leave, Sholly said
Tuesday.") is news prose and stays quotable, and so is a present-tense line that reports,
thinks or infers ("GasBuddy expects prices to hit …", "The messages show that …").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc

_ENDS_LIKE_PROSE = re.compile(r"[.!?…][\"”’')\]]*$")
_DATE_AT_END = re.compile(
    r"(?:\b(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s+\d{1,2}"
    r"(?:,?\s*\d{4})?|\b\d{4}|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday))\.?$"
)
# Present-tense main verbs that state, hold or infer rather than show what is pictured,
# and verbs whose present tense announces a scheduled event ("Polls close at 10 p.m.
# Tuesday.", "The tournament begins on Saturday.", "Tickets go on sale Monday.").
_NOT_PICTURED = frozenset(
    """be have do say tell add state claim deny confirm warn insist announce report expect
    believe think know want need hope seem appear mean remain continue plan include
    estimate predict suggest require cost
    begin start open close end go run resume return kick face follow fall come""".split()
)
# "… is seen / pictured / shown …": a picture described in the passive.
_PICTURE_PARTICIPLES = frozenset("see picture show photograph depict film capture".split())
_PRONOUNS = frozenset("i we you he she it they this that these those there".split())


def ends_like_prose(line: str) -> bool:
    """Does the line end as a sentence does (a full stop, question or exclamation mark or
    ellipsis, then any closing quotes or brackets)? Headlines and labels do not."""
    return _ENDS_LIKE_PROSE.search(line.strip()) is not None


def could_be_caption(paragraph: str) -> bool:
    """Cheap test of a one-sentence paragraph: does it end with a date, as captions do?
    (Only these are parsed.)"""
    text = paragraph.strip()
    return ends_like_prose(text) and _DATE_AT_END.search(text) is not None


def describes_picture(doc: Doc) -> bool:
    """Is this parsed line (one that ``could_be_caption``) a caption? Its root verb is in
    the present tense, shows rather than states (no clause of what is said or shown), and
    has a subject that is not a pronoun; or it is "seen", "pictured" or "shown" (passive)."""
    roots = [token for token in doc if token.dep_ == "ROOT"]
    if len(roots) != 1:
        return False
    root = roots[0]
    children = list(root.children)
    subjects = [c for c in children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subjects or subjects[0].lower_ in _PRONOUNS:
        return False
    if any(c.dep_ == "ccomp" or c.tag_ == "MD" for c in children):
        return False
    if root.tag_ in ("VBZ", "VBP"):
        return root.lemma_.lower() not in _NOT_PICTURED
    return (
        root.tag_ == "VBN"
        and root.lemma_.lower() in _PICTURE_PARTICIPLES
        and any(c.dep_ == "auxpass" and c.tag_ in ("VBZ", "VBP") for c in children)
    )
