"""Which language a question is in, when it clearly is not English.

Newsdesk's model and rules are English-only. When a question gets no answer, saying "only
English is supported" beats a generic refusal, but a wrong guess must never refuse an
English question: the identifier (py3langid, offline) is asked only after the answer step
found nothing, and only a confident non-English verdict (or a non-Latin script) counts.
"""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

_NAMES = {
    "de": "German",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "ru": "Russian",
    "uk": "Ukrainian",
    "ar": "Arabic",
    "fa": "Persian",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "tr": "Turkish",
    "pl": "Polish",
}
MIN_CONFIDENCE = 0.5  # English questions measured here stay below it ("Who won?": 0.17)
_lock = threading.Lock()
_identifier: Any = None


def foreign_language(question: str) -> str | None:
    """The name of the question's language when it is confidently one of the common
    languages other than English (or in a non-Latin script), else None."""
    letters = [ch for ch in question if ch.isalpha()]
    if not letters:
        return None
    latin = sum("LATIN" in unicodedata.name(ch, "") for ch in letters) / len(letters)
    language, confidence = _identify(question)
    if latin < 0.5:
        return _NAMES.get(language, "a language other than English")
    if language in _NAMES and confidence >= MIN_CONFIDENCE:
        return _NAMES[language]
    return None  # English, or too unsure to say (keyboard mash is no language)


def _identify(text: str) -> tuple[str, float]:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        language, confidence = _identifier.classify(text)
    return str(language), float(confidence)
