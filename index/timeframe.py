"""Time in questions: what "now" is, and which dates a question's time words point at.

News questions are about their own time. A question asked on a date (its "as of") is most
likely about articles of the days before; time words move that window: "yesterday",
"this week", "last month", "in September 2014", "in 2019", "on Monday". Ranking uses the
window as a soft preference, never a filter, so an older or undated article that answers
the question still wins on relevance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Inclusive dates a question points at, and whether its own words said so."""

    start: date
    end: date
    explicit: bool
    phrase: str = ""

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def parse_date(text: str) -> date:
    """Parse YYYY-MM-DD (or YYYY/MM/DD); raises ValueError with the expected format."""
    match = re.fullmatch(r"\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})\s*", text)
    try:
        if not match:
            raise ValueError
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def question_window(question: str, as_of: date, *, recent_days: int = 30) -> TimeWindow:
    """The dates ``question`` is about: its time words, else the ``recent_days`` before now."""
    text = _mask_may_the_verb(question).lower()
    for finder in (_month_year, _explicit_year, _relative, _weekday):
        window = finder(text, as_of)
        if window is not None:
            return window
    return TimeWindow(days_before(as_of, recent_days), as_of, explicit=False)


def days_before(day: date, days: int) -> date:
    """``day - days``, stopping at the first representable date instead of overflowing."""
    return day - timedelta(days=min(days, day.toordinal() - 1))


def _days_after(day: date, days: int) -> date:
    return day + timedelta(days=min(days, date.max.toordinal() - day.toordinal()))


def _mask_may_the_verb(question: str) -> str:
    """ "may" is the month only as "May" or after a preposition ("in may"); "What may 5
    people do" asks what they may do."""
    return re.sub(
        r"(?<!\bin )(?<!\bon )(?<!\bof )(?<!\bby )(?<!\bsince )(?<!\buntil )\bmay\b",
        "might",
        question,
    )


def _month_year(text: str, as_of: date) -> TimeWindow | None:
    match = re.search(
        rf"\b{_MONTH}\s+(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?(?:of\s+)?{_YEAR}\b", text
    )
    if not match:
        match = re.search(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b", text)
        if not match:
            return None
        month = _MONTHS[match["month"]]
        year = (
            as_of.year if (month, int(match["day"])) <= (as_of.month, as_of.day) else as_of.year - 1
        )
        return _day_window(year, month, int(match["day"]), match.group(0))
    month, year = _MONTHS[match["month"]], int(match["year"])
    if match["day"]:
        return _day_window(year, month, int(match["day"]), match.group(0))
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return TimeWindow(date(year, month, 1), end, explicit=True, phrase=match.group(0))


def _day_window(year: int, month: int, day: int, phrase: str) -> TimeWindow | None:
    try:
        target = date(year, month, day)
    except ValueError:
        return None
    # Reports of an event come out on the day and in the days after it.
    return TimeWindow(days_before(target, 1), _days_after(target, 7), True, phrase)


def _explicit_year(text: str, as_of: date) -> TimeWindow | None:
    match = re.search(rf"\b(?:in|during|of|since)\s+{_YEAR}\b", text)
    if not match:
        return None
    year = int(match["year"])
    return TimeWindow(date(year, 1, 1), date(year, 12, 31), explicit=True, phrase=match.group(0))


_RELATIVE: list[tuple[str, int, int]] = [
    # pattern, days back to the window's start, days back to its end
    (r"\b(today|tonight|this morning|this afternoon|this evening)\b", 1, 0),
    (r"\byesterday\b", 2, 0),
    (r"\b(this|past) week(end)?\b|\bthis past week\b|\bin recent days\b", 8, 0),
    (r"\blast week(end)?\b", 15, 5),
    (r"\b(this|past) month\b|\bin recent weeks\b", 31, 0),
    (r"\blast month\b", 62, 20),
]


def _relative(text: str, as_of: date) -> TimeWindow | None:
    for pattern, start, end in _RELATIVE:
        match = re.search(pattern, text)
        if match:
            return TimeWindow(
                days_before(as_of, start), days_before(as_of, end), True, match.group(0)
            )
    match = re.search(r"\b(this|last|past) year\b", text)
    if match:
        year = max(1, as_of.year - (match[1] == "last"))
        end = min(date(year, 12, 31), as_of)
        return TimeWindow(date(year, 1, 1), end, explicit=True, phrase=match.group(0))
    return None


def _weekday(text: str, as_of: date) -> TimeWindow | None:
    match = re.search(r"\b(?:on|last|this)\s+(" + "|".join(_WEEKDAYS) + r")\b", text)
    if not match:
        return None
    back = (as_of.weekday() - _WEEKDAYS.index(match[1])) % 7 or 7
    day = days_before(as_of, back)
    return TimeWindow(days_before(day, 1), min(as_of, _days_after(day, 2)), True, match.group(0))
