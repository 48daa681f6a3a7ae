"""Who said it: the speaker of a reported-speech sentence, when the text names one.

Rule-based and conservative: a speaker is returned only when the sentence (or, for a bare
pronoun, the sentence before it) names one with a reporting verb — "X said", "X told Y",
"according to X", "…,” they retorted", "continued the defense". Otherwise ``None``: a
speaker is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_VERBS = (
    "said says say told tells added adds stated states claimed claims denied denies "
    "announced announces wrote writes retorted argued argues warned warns insisted insists "
    "explained explains noted notes reported reports confirmed confirms acknowledged "
    "acknowledges admitted admits asserted asserts declared declares continued exclaimed "
    "predicted predicts responded replied tweeted posted testified alleged alleges suggested "
    "suggests concluded stressed emphasized cautioned countered disputed rejected"
).split()
# Lower case only: headlines ("Russia Denies …") are not reported speech.
_VERB = r"(?:" + "|".join(_VERBS) + r"|lashed out)"
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you"}
_QUOTES_OPEN = '“"‘'
_QUOTES_CLOSE = '”"’'
_INTRO = re.compile(
    r"^(?:(?:on|in|at|by|after|before|during|earlier|later|late|early)\b[^,]{0,40},\s*"
    r"|(?:meanwhile|however|but|and|also|still|separately|instead|yet|so|then|now|"
    r"moreover|additionally|in a statement|in an interview|previously)\b,?\s*)+",
    re.IGNORECASE,
)
_APPOSITIVE = re.compile(r",\s*(?:which|who|whose|whom|where)\b[^,]*,", re.IGNORECASE)
_FILLER = re.compile(
    r"\s+(?:also|has|have|had|later|earlier|then|previously|repeatedly|publicly|separately|"
    r"again|recently|reportedly|\w+ly)$",
    re.IGNORECASE,
)
_MAX_WORDS = 12


def speaker(sentence: str, previous: Sequence[str] = ()) -> str | None:
    """The speaker the sentence names, or ``None``.

    ``previous`` are the sentences before it, nearest last; only the one right before is
    used, to resolve a pronoun ("he said") to the speaker that sentence names.
    """
    found = _find(sentence)
    if found is None:
        return None
    who, listener = found
    if who.lower() in _PRONOUNS:
        antecedent = _find(previous[-1]) if previous else None
        if antecedent is None or antecedent[0].lower() in _PRONOUNS:
            return None
        who = antecedent[0]
    return f"{who}, speaking to {listener}" if listener else who


def _find(sentence: str) -> tuple[str, str | None] | None:
    """(speaker, listener) named by one sentence, pronouns unresolved."""
    text = _mask_quotes(sentence.strip())
    found = _according_to(text) or _trailing(text) or _leading(text)
    if found is None:
        return None
    (start, end), listener = found
    who = _clean(sentence.strip()[start:end])
    return (who, listener) if who else None


def _mask_quotes(text: str) -> str:
    """Blank out quoted words (same length), so verbs inside quotations are not matched."""
    out = list(text)
    depth_start: int | None = None
    for i, ch in enumerate(text):
        if ch in "“" or (ch == '"' and depth_start is None):
            depth_start = i
        elif (ch in "”" or ch == '"') and depth_start is not None:
            for j in range(depth_start + 1, i):
                out[j] = "x"
            depth_start = None
    return "".join(out)


_Span = tuple[tuple[int, int], str | None]


def _according_to(text: str) -> _Span | None:
    match = re.search(r"\baccording to ([^,.;:“\"]{2,80})", text, re.IGNORECASE)
    return (match.span(1), None) if match else None


def _trailing(text: str) -> _Span | None:
    """Attribution after the quote or clause: '…,” they retorted …', '…, the AP reported.'"""
    closes = [m.end() for m in re.finditer(r"[”\"’](?![A-Za-z])", text)]
    cut = closes[-1] if closes else text.rfind(",") + 1
    if cut <= 0:
        return None
    tail_start = cut + len(text[cut:]) - len(text[cut:].lstrip(" ,"))
    tail = text[tail_start:].rstrip(" .!?")
    if not tail or len(tail.split()) > _MAX_WORDS:
        return None
    match = re.match(rf"(?P<who>.+?)\s+{_VERB}\b", tail)
    if match and not re.search(rf"\b{_VERB}\b", match["who"]):
        return (tail_start, tail_start + match.end("who")), None
    match = re.match(rf"{_VERB}\s+(?P<who>[^,]+)$", tail)  # "…,” said the minister."
    if match:
        return (tail_start + match.start("who"), tail_start + match.end("who")), None
    return None


def _leading(text: str) -> _Span | None:
    """'X said …', 'X told Y that …' (the reporting verb outside any quotation)."""
    if text[:1] in _QUOTES_OPEN:
        return None
    match = re.search(rf"\s{_VERB}\b", text)
    if not match:
        return None
    listener = None
    if match.group(0).strip() in {"told", "tells"}:
        named = re.match(r"\s+([A-Z][\w’'.&-]*(?:\s+[A-Z][\w’'.&-]*){0,4})", text[match.end() :])
        listener = named.group(1) if named else None
    return (0, match.start()), listener


def _clean(phrase: str) -> str | None:
    """Trim intros, appositives and fillers; refuse anything that is not a short noun phrase."""
    who = _INTRO.sub("", phrase.strip())
    who = _APPOSITIVE.sub("", who)
    previous = None
    while previous != who:
        previous = who
        who = _FILLER.sub("", who).strip(" ,;:")
    if not who or len(who.split()) > _MAX_WORDS:
        return None
    if re.search(r"[“”\"]|(?<![A-Za-z])[‘’]|[‘’](?![A-Za-z])", who) or who[-1] in ".!?":
        return None
    if re.search(r"\b(that|if|whether|because|when|while|what)\b", who, re.IGNORECASE):
        return None
    return who
