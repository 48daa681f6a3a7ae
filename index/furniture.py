"""Page furniture: lines a scraper picked up that are not the article ("Advertisement", ...).

Furniture is never indexed, but it stays in the article text so that every quote can be
checked against the text as received. Detection is by whole line, conservatively: a line is
furniture only when all of it is boilerplate.
"""

from __future__ import annotations

import re

_EXACT = {
    "advertisement",
    "advertisements",
    "ad",
    "share",
    "share this",
    "share this article",
    "share this story",
    "share on facebook",
    "share on twitter",
    "read more",
    "read more:",
    "continue reading",
    "story continues below",
    "story continues below advertisement",
    "close",
    "skip ad",
    "skip advertisement",
    "video ad feedback",
    "play video",
    "now playing",
    "up next",
    "loading",
    "loading...",
    "loading…",
    "replay",
    "sign up",
    "sign up here",
    "subscribe",
    "subscribe now",
    "related",
    "related:",
    "related articles",
    "featured photos",
    "photo of the day",
    "photos of the week",
    "editors",
}

_PATTERNS = [
    # Newsletter and subscription pitches.
    re.compile(
        r"(?i)^(?=.*\b(newsletter|inbox|text message alerts|subscriber)\b)"
        r"(?=.*\b(sign(ing)? up|subscribe|get|delivered|receive|here)\b)"
    ),
    re.compile(r"(?i)^support local journalism\b"),
    re.compile(r"(?i)^subscribe to \S+( today)?\.?$"),
    # Video player and ad-feedback widgets.
    re.compile(r"(?i)^video ad feedback\b"),
    re.compile(r"(?i)\bhow relevant is this ad\b"),
    re.compile(r"(?i)^video player was slow to load"),
    re.compile(r"(?i)\b(ad|video) (froze|content never loaded)\b"),
    re.compile(r"(?i)please tick here\.?$"),
    re.compile(r"(?i)^(\d+:\d{2} - )?source: cnn$"),
    # Photo credits: "Name/Getty Images", "Russian defence ministry/AP".
    re.compile(
        r"(?i)^[^.!?]{0,80}/\s*(getty images|ap|afp|reuters|shutterstock|epa|pool|"
        r"afp via getty images|ap photo|usa today( network)?|imagn)$"
    ),
    re.compile(r"(?i)^(photo|image|video)( credit)?:\s.{0,120}$"),
    re.compile(r"(?i)^follow (us|every game)\b.{0,120}$"),
]

# Pitches longer than this are probably real prose that mentions a newsletter.
_MAX_PITCH = 320


def is_furniture(line: str) -> bool:
    """True when the whole line is page furniture rather than article text."""
    stripped = line.strip().strip("►•*|").strip()
    if not stripped:
        return False
    if stripped.lower() in _EXACT:
        return True
    if len(stripped) > _MAX_PITCH:
        return False
    return any(p.search(stripped) for p in _PATTERNS)
