"""Speakers of reported speech in the seed articles; none where the text names nobody."""

from __future__ import annotations

import pytest

from bot.attribution import speaker
from index.sentences import sentence_spans
from tests.conftest import SEED_CORPUS


def sentences_of(name: str) -> list[str]:
    text = (SEED_CORPUS / name).read_text(encoding="utf-8")
    return [text[s:e] for s, e in sentence_spans(text)]


FIRST = sentences_of("000_c0181eb0cece6f71.txt")
SECOND = sentences_of("004_6d7dcd92801b1fc8.txt")


def who(sentences: list[str], starts: str) -> str | None:
    index = next(i for i, s in enumerate(sentences) if s.startswith(starts))
    return speaker(sentences[index], sentences[:index])


@pytest.mark.parametrize(
    ("sentences", "starts", "expected"),
    [
        (FIRST, "Iran’s FARS news agency", "Iran’s FARS news agency"),
        (
            FIRST,
            "Meanwhile, a source",
            "a source in Iran’s Defense Ministry, speaking to RIA Novosti",
        ),
        (FIRST, "He also said he could not confirm", "Russian Defense Minister Sergey Shoigu"),
        (FIRST, "It’s unclear whether", "the Associated Press"),
        (FIRST, "The Russian defence ministry denied", "The Russian defence ministry"),
        (FIRST, "An unnamed senior military official", "An unnamed senior military official"),
        (FIRST, "A Syrian military source", "A Syrian military source"),
        (SECOND, "On Thursday, two U.S. officials", "two U.S. officials, speaking to CNN"),
        (SECOND, "“Unlike CNN", "The Russian Defense Ministry"),
        (SECOND, "“I can not say anything", "the defense"),
        (SECOND, "Shoigu told the audience", "Shoigu"),
        (SECOND, "He warned Russia", "Defense Secretary Ashton Carter"),
    ],
)
def test_reported_speech_names_its_speaker(sentences, starts, expected):
    assert who(sentences, starts) == expected


@pytest.mark.parametrize(
    ("sentences", "starts"),
    [
        (FIRST, "Russian Federation Denies"),  # a headline, not speech
        (FIRST, "There was no official comment"),
        (FIRST, "“The West has got to engage"),  # a quote with no speaker in the text
        (FIRST, "Carter also called out Moscow for what he said"),
        (SECOND, "“Therefore, no matter how distasteful"),  # "they" with no named antecedent
        (SECOND, "Russia needed approval"),
        (SECOND, "I don’t know if they will."),
    ],
)
def test_no_speaker_is_guessed(sentences, starts):
    assert who(sentences, starts) is None


def test_according_to_and_inverted_attribution():
    assert speaker("Prices rose 5%, according to the Labor Department.") == "the Labor Department"
    assert speaker("“We will rebuild,” said the mayor.") == "the mayor"
    assert speaker("He said it was over.", ["The weather was fine."]) is None
