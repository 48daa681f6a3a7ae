"""What a question names, and when the passages count as mentioning it."""

import pytest

from bot.mentions import Mentions


@pytest.fixture(scope="module")
def mentions() -> Mentions:
    return Mentions()


PASSAGES = [
    "Iranian officials said the four missiles fell near the town. Tehran has “no information”.",
    "AT&T said 5G service near airports was delayed; SARS-CoV-2 levels rose. "
    "The U.S. Federal Aviation Administration counted 1,018 flights and a 13.1% rise. "
    "RBC analysts and then-President Trump were not asked.",
]


@pytest.mark.parametrize(
    "question",
    [
        "Did Iran confirm the crash?",  # "Iranian" mentions Iran
        "What did AT&T say about 5G?",  # compounds as written, not "AT", "T", "5"
        "What did U.S. officials say?",  # "U.S." is one word
        "Were there 1,018 flights?",  # a number with a thousands comma
        "Did prices rise by 13%?",  # "13" for "13.1%"
        "What did RBC's analysts say?",  # a possessive names the same body
        "What did then-President Trump say about SARS-CoV-2 on January 6?",  # dates are no names
    ],
)
def test_names_the_passages_mention_are_not_missing(mentions, question):
    assert mentions.missing(question, PASSAGES) == ()


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("Did Iran confirm the crash of a Ukrainian airliner?", ("Ukrainian",)),
        ("What did T-Mobile say about 5G?", ("T-Mobile",)),  # not "mobile" and "t"
        ("Were there 1,019 flights?", ("1,019",)),
        ("Did they fire 6 missiles?", ("6",)),  # "6" is not in "26" nor in "1,018"
        ("What did Zarif tell Tehran?", ("Zarif",)),
    ],
)
def test_names_and_numbers_no_passage_mentions_are_missing(mentions, question, missing):
    assert mentions.missing(question, PASSAGES) == missing


def test_a_name_too_common_to_tell_is_not_checked(mentions):
    question = "What did Zarif say in Washington?"
    assert mentions.missing(question, PASSAGES) == ("Zarif", "Washington")
    common = {"Washington"}
    assert mentions.missing(question, PASSAGES, lambda words: not set(words) & common) == ("Zarif",)


PEOPLE = [
    "President Joe Biden said on Monday that the talks would go on. Biden added that he was "
    "hopeful. Josie Alvarez, a lawyer, was not asked.",
    "Mr. Shoigu said the missiles hit their targets, Defence Minister Sergey Shoigu said.",
    "Mohammed Salem said the port was shut.",
]


@pytest.mark.parametrize(
    "question",
    [
        "What did Joe Biden say about the talks?",
        "What did President Biden say?",  # a surname alone
        "What did Sergei Shoigu say?",  # "Sergey": another spelling of the given name
        "What did Muhammad Salem say about the port?",  # "Mohammed" too
        "What did Joseph Biden say about the talks?",  # "Joe" is short for "Joseph"
    ],
)
def test_a_person_the_passages_name_is_not_missing(mentions, question):
    assert mentions.missing(question, PEOPLE) == ()


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        # passages about Joe Biden do not mention Ashley Biden
        ("What did Ashley Biden say about the talks?", ("Ashley Biden",)),
        # a short surname is a whole word: "Josie" is not "Josi"
        ("What did Josi say about the talks?", ("Josi",)),
    ],
)
def test_another_person_is_missing(mentions, question, missing):
    assert mentions.missing(question, PEOPLE) == missing


def test_a_short_given_name_is_the_one_it_is_short_for(mentions):
    passages = ["Senator Robert Menendez said the talks would go on. Menendez was hopeful."]
    assert mentions.missing("What did Bob Menendez say about the talks?", passages) == ()
    assert mentions.missing("What did Alicia Menendez say?", passages) == ("Alicia Menendez",)


def test_a_short_form_counts_only_as_the_given_name_of_that_surname(mentions):
    """ "Tory" is short for "Victoria", but "Tory failure" names no Victoria Starmer."""
    passages = ["“After 12 years of Tory failure, we deserve better,” Keir Starmer said."]
    asked = "What did Victoria Starmer say about the government?"
    assert mentions.missing(asked, passages) == ("Victoria Starmer",)


def test_a_given_name_the_passages_never_give_is_not_missing(mentions):
    """ "Mr. Shoigu" and "President Biden" name no one else: the question's given name
    may be one the passages leave out."""
    passages = ["Mr. Shoigu said the missiles hit their targets. President Biden agreed."]
    assert mentions.missing("What did Sergei Shoigu and Joe Biden say?", passages) == ()


def test_a_question_s_first_verb_is_not_a_given_name(mentions):
    """spaCy reads "Will Dorothy McAuliffe" as one name; "Will Smith" stays a name."""
    assert [n.words for n in mentions.named("Will Dorothy McAuliffe release her taxes?")] == [
        ("Dorothy", "McAuliffe")
    ]
    passages = ["Gov. Terry McAuliffe said he will release a summary of his returns."]
    assert mentions.missing("Will Dorothy McAuliffe release her taxes?", passages) == (
        "Dorothy McAuliffe",
    )


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("What did Josh Lowe say about McClanahan?", {"lowe"}),  # who speaks, not about whom
        ("How long will the US stay in Kabul, according to Biden?", {"biden"}),
        ("What did AT&T tell the FAA about 5G?", {"at&t"}),
        ("What did officials say about the fire?", set()),  # no one in particular
        ("Where did the sunken boat at Lake Mead come from?", set()),  # no verb of saying
    ],
)
def test_the_source_a_question_asks_about(mentions, question, asked):
    assert mentions.sources_asked(question) == asked


class CountingPipeline:
    """The real pipeline, counting the questions it parses."""

    def __init__(self, nlp) -> None:
        self.nlp, self.calls = nlp, 0

    def __call__(self, text, **kwargs):
        self.calls += 1
        return self.nlp(text, **kwargs)


def test_a_question_is_parsed_once_for_its_names_and_its_source(mentions):
    counting = CountingPipeline(mentions.nlp)
    reader = Mentions(counting)
    asked = "What did Josh Lowe say about McClanahan?"
    assert [n.words for n in reader.named(asked)] == [("Josh", "Lowe"), ("McClanahan",)]
    assert reader.sources_asked(asked) == {"lowe"}
    assert counting.calls == 1
    assert reader.sources_asked("Where did the sunken boat come from?") == frozenset()
    assert counting.calls == 1  # no verb of saying: no parse for a source
