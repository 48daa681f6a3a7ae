"""Answers on the seed articles with the real model: verbatim, attributed, honest."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot.answer import Answerer, AnswerPolicy
from bot.render import NO_ANSWER, answer_json, render_answer
from index.builder import build_index
from index.retriever import Retriever
from index.store import StoredIndex
from newsdesk.cli import main
from tests.conftest import ARTICLE_FIELDS, write

FARS = "neither Iran nor Russian Federation has confirmed the information"
RIA = "no information of Russian missiles crashing on Iranian territory."


@pytest.fixture(scope="module")
def answerer(seed_answerer) -> Answerer:
    return seed_answerer


def excerpt_with(answer, phrase):
    hits = [e for e in answer.excerpts if phrase in e.quote]
    assert hits, f"{phrase!r} not quoted in {[e.quote for e in answer.excerpts]}"
    return hits[0]


def test_did_iran_confirm_the_crash_quotes_fars_and_ria_novosti(answerer):
    answer = answerer.answer("did Iran confirm the crash?")
    assert answer.answered
    fars = excerpt_with(answer, FARS)
    assert fars.speaker == "Iran’s FARS news agency"
    assert fars.article.path == "000_c0181eb0cece6f71.txt"
    ria = excerpt_with(answer, RIA)
    assert ria.speaker == "a source in Iran’s Defense Ministry"
    assert fars.stance == "unconfirmed"
    assert ria.article.path == "000_c0181eb0cece6f71.txt"


@pytest.mark.parametrize(
    ("question", "phrase", "speaker"),
    [
        (
            "What did Russia say on Facebook about CNN?",
            "we do not talk or cite anonymous sources",
            "The Russian Defense Ministry",
        ),
        (
            "What did U.S. officials tell CNN?",
            "close monitoring showed four rockets landed in Iran",
            "two U.S. officials",
        ),
        ("How many missiles did the four ships fire?", "26", None),
        (
            "Did Shoigu confirm that missiles crashed in Iran?",
            "He also said he could not confirm reports",
            "Russian Defense Minister Sergey Shoigu",
        ),
    ],
)
def test_questions_quote_the_sentence_that_answers_them(answerer, question, phrase, speaker):
    excerpt = excerpt_with(answerer.answer(question), phrase)
    if speaker is not None:
        assert excerpt.speaker == speaker


def test_a_report_and_its_denial_are_shown_together_claim_first(answerer):
    answer = answerer.answer("Did four Russian missiles land in Iran?")
    stances = [e.stance for e in answer.excerpts]
    assert "claim" in stances and "denial" in stances
    assert stances == sorted(stances, key=lambda s: s != "claim")
    assert all(e.speaker for e in answer.excerpts if e.stance == "denial")


@pytest.mark.parametrize(
    "question", ["asdkjh qwpoeiru zxcmnb", "How do I bake sourdough bread?", "how do i bake bread"]
)
def test_off_topic_questions_are_not_answered(answerer, question):
    answer = answerer.answer(question)
    assert not answer.answered and answer.excerpts == []
    text = render_answer(answer)
    assert text == NO_ANSWER or text.startswith("The articles I found do not mention “")


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("Did Iran confirm the crash of a Ukrainian airliner?", ("Ukrainian",)),
        ("What did Zarif say about the missiles?", ("Zarif",)),
        ("Did Turkey confirm that missiles crashed?", ("Turkey",)),
        ("Did Russia fire 30 missiles from the Caspian Sea?", ("30",)),
        ("What is the capital of Australia?", ("Australia",)),
    ],
)
def test_a_question_about_something_the_articles_never_mention_quotes_nothing(
    answerer, question, missing
):
    """Same topic, another event: quoting the missile articles would answer another
    question, so the answer names what is missing instead."""
    answer = answerer.answer(question)
    assert not answer.answered and answer.excerpts == [] and answer.missing == missing
    assert f"do not mention “{missing[0]}”" in render_answer(answer)


@pytest.mark.parametrize(
    "question",
    [
        "Did the Russian Federation confirm the crash?",  # "Russian Federation" is in the text
        "What did Iranian officials say?",  # "Iranian" for "Iran"
        "What did U.S. officials tell CNN?",  # "U.S." written with its dots
        "Did Russia fire 26 missiles?",
    ],
)
def test_names_the_articles_do_mention_do_not_stop_an_answer(answerer, question):
    answer = answerer.answer(question)
    assert answer.missing == () and answer.answered


QUESTIONS = [
    "did Iran confirm the crash?",
    "What did Carter say about Russia?",
    "Who is Rami Abdulrahman?",
    "What happened in September 2014?",
    "What did NATO ministers discuss?",
    "Where did the missiles land?",
    "What did Putin insist?",
    "Did Russia need Iran's approval?",
    "What did the Pentagon say?",
    "What did the Syrian general say?",
    "Hezbollah Lattakia",
    "Obama Putin meeting New York",
    "casualties",
    "Facebook",
    "Caspian Sea fleet",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_quote_is_verbatim_and_its_span_is_exact(answerer, question):
    answer = answerer.answer(question)
    assert len(answer.excerpts) <= 4
    for excerpt in answer.excerpts:
        text = excerpt.article.text
        assert text[excerpt.char_start : excerpt.char_end] == excerpt.quote
        assert excerpt.quote.strip() == excerpt.quote and excerpt.quote
        assert "Advertisement" not in excerpt.quote
    quotes = [e.quote for e in answer.excerpts]
    assert len(set(quotes)) == len(quotes)


def test_markdown_has_quote_blocks_attribution_lines_and_numbered_sources(answerer):
    text = render_answer(answerer.answer("did Iran confirm the crash?"))
    assert text.startswith("> ")
    assert "— (cannot confirm) Iran’s FARS news agency, in “Russian Federation Denies" in text
    assert (
        "Sources:\n1. “Russian Federation Denies Syria-bound Cruise Missiles Fell in Iran” " in text
    )
    assert "file 000_c0181eb0cece6f71.txt" in text


def test_ask_json_has_the_documented_shape(seed_index, capsys):
    assert main(["ask", "did Iran confirm the crash?", "--json", "--index", str(seed_index)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"question", "answered", "note", "missing", "excerpts", "text"}
    assert data["answered"] is True
    first = data["excerpts"][0]
    assert set(first) == {
        "quote",
        "speaker",
        "char_start",
        "char_end",
        "score",
        "stance",
        "lead_in",
        "article",
    }
    assert {e["stance"] for e in data["excerpts"]} <= {"claim", "denial", "unconfirmed"}
    assert set(first["article"]) == ARTICLE_FIELDS


def test_answer_json_of_no_answer(answerer):
    data = answer_json(answerer.answer("how do i bake bread"))
    assert data == {
        "question": "how do i bake bread",
        "answered": False,
        "note": None,
        "missing": [],
        "excerpts": [],
        "text": NO_ANSWER,
    }


DAM = """Crack found in Harbour dam

By Jane Doe

Engineers inspected the Harbour dam wall on Monday. It showed a crack 40 centimetres long.

This crack is the third since 2019, the city's chief engineer, Ana Berg, said.

Chief engineer Ana Berg inspects the Harbour dam wall on Monday, October 5.
"""


@pytest.fixture(scope="module")
def dam_answerer(tmp_path_factory, real_embedder) -> Answerer:
    corpus = tmp_path_factory.mktemp("dam") / "corpus"
    write(corpus / "dam.md", DAM)
    folder = corpus.parent / "index"
    build_index(corpus, folder, real_embedder)
    return Answerer(Retriever(StoredIndex.load(folder), real_embedder), real_embedder)


def answerer_over(
    folder, embedder, articles: dict[str, str], policy: AnswerPolicy | None = None
) -> Answerer:
    """An answerer over an index of ``articles`` (file name -> text) built in ``folder``."""
    for name, text in articles.items():
        write(folder / "corpus" / name, text)
    build_index(folder / "corpus", folder / "index", embedder)
    retriever = Retriever(StoredIndex.load(folder / "index"), embedder)
    return Answerer(retriever, embedder, policy=policy)


def test_a_sentence_that_leans_back_brings_its_lead_in_from_the_same_paragraph(dam_answerer):
    excerpts = dam_answerer.answer("How long is the crack in the Harbour dam?").excerpts
    quotes = [e.quote for e in excerpts]
    i = quotes.index("It showed a crack 40 centimetres long.")
    assert excerpts[i - 1].quote == "Engineers inspected the Harbour dam wall on Monday."
    assert not excerpts[i].lead_in and excerpts[i].speaker is None


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_lead_ins_count_towards_the_excerpt_limit(dam_answerer, limit):
    policy = dam_answerer.policy
    dam_answerer.policy = replace(policy, max_excerpts=limit)
    try:
        excerpts = dam_answerer.answer("How long is the crack in the Harbour dam?").excerpts
    finally:
        dam_answerer.policy = policy
    assert 1 <= len(excerpts) <= limit
    quotes = [e.quote for e in excerpts]
    if "It showed a crack 40 centimetres long." in quotes and limit > 1:  # with its lead-in
        i = quotes.index("It showed a crack 40 centimetres long.")
        assert i > 0 and quotes[i - 1].startswith("Engineers inspected")


def test_each_sentence_keeps_its_own_speaker_and_paragraph(dam_answerer):
    """ "This crack …" opens its paragraph: it is quoted alone, with its own speaker, not
    joined to the paragraph before."""
    excerpts = dam_answerer.answer("Has the Harbour dam cracked before?").excerpts
    third = next(e for e in excerpts if e.quote.startswith("This crack is the third"))
    assert third.speaker == "the city's chief engineer, Ana Berg"
    assert not any(e.lead_in for e in excerpts if "40 centimetres" in e.quote)


def test_bylines_and_captions_are_never_quoted(dam_answerer):
    for question in ("Who wrote about the Harbour dam?", "What did Ana Berg do on October 5?"):
        for excerpt in dam_answerer.answer(question).excerpts:
            assert not excerpt.quote.startswith(("By Jane Doe", "Chief engineer Ana Berg inspects"))


def test_a_lede_that_ends_with_a_date_is_quoted_and_a_caption_is_not(tmp_path, real_embedder):
    """Both are one-sentence paragraphs ending with a date; only the caption's verb shows a
    picture ("inspects"), the lede's states something ("is spending")."""
    repair = (
        "Harbour dam to be repaired\n\nHarbour City is spending 2 million euros to repair "
        "the dam wall, which cracked on Monday.\n\nWork will start next spring.\n\n"
        "Mayor Lena Holm inspects the cracked Harbour dam wall on Monday, October 5.\n"
    )
    answerer = answerer_over(tmp_path, real_embedder, {"repair.md": repair})
    quotes = [e.quote for e in answerer.answer("How much will the dam repair cost?").excerpts]
    assert quotes[0].startswith("Harbour City is spending 2 million euros")
    assert not any(q.startswith("Mayor Lena Holm inspects") for q in quotes)


def test_a_question_in_an_article_is_never_quoted_as_an_answer(tmp_path, real_embedder):
    """A quiz asks what the reader asks; echoing it back answers nothing."""
    quiz = (
        "This week's news quiz\n\nWhich retailer is accused of turning off the air "
        "conditioning in its stores?\n\nAnalysts at a bank said Bed Bath & Beyond turned "
        "off the air conditioning in some stores to save money.\n"
    )
    answerer = answerer_over(tmp_path, real_embedder, {"quiz.md": quiz})
    asked = answerer.answer("Which retailer is accused of turning off the air conditioning?")
    assert asked.answered
    assert [e.quote.startswith("Analysts at a bank") for e in asked.excerpts] == [True]


def test_an_index_built_before_attribution_asks_for_a_build(seed_retriever, real_embedder):
    from dataclasses import replace

    from core.errors import IndexMismatchError

    index = seed_retriever.index
    segments = [replace(segment, statements=None) for segment in index.segments]
    old = Retriever(replace(index, segments=segments), real_embedder)
    with pytest.raises(IndexMismatchError, match="run `newsdesk index build`"):
        Answerer(old, real_embedder)


def test_a_name_only_another_article_mentions_does_not_let_these_quotes_answer(
    tmp_path, real_embedder
):
    """Lake Tahoe is in the index, but not where the boat quotes come from: quoting the
    Lake Mead story would answer another question."""
    answerer = answerer_over(
        tmp_path,
        real_embedder,
        {
            "mead.md": "Sunken boat emerges from Lake Mead\n\nA sunken boat emerged from Lake "
            "Mead as the water fell. The boat was used to survey the Colorado River decades "
            "ago, divers said.\n",
            "ski.md": "Ski resorts open early\n\nResorts around Lake Tahoe opened early after "
            "heavy snow, operators said on Friday.\n",
        },
    )
    asked = answerer.answer("Where did the sunken boat at Lake Tahoe come from?")
    assert not asked.answered and asked.missing == ("Lake Tahoe",)
    assert answerer.answer("Where did the sunken boat at Lake Mead come from?").answered


def test_a_code_name_bm25_sees_only_as_its_number_still_counts_as_a_name(tmp_path, real_embedder):
    """BM25 splits "G-20" into the terms "g" and "20", each common on its own; the G-7's
    pledge must not answer a question about the G-20, however common "20" is."""
    articles = {
        "g7.md": "G-7 pledges aid\n\nG-7 leaders pledged 20 billion dollars to Ukraine.\n",
        "fuel.md": "Fuel prices rise\n\nFuel prices rose 20 cents in 20 states this week.\n",
        "rail.md": "Rail strike ends\n\nThe strike ended after 20 days, 20 unions said.\n",
    }
    # A floor between "20" (in every article) and a word in one article: only rare names tell.
    answerer = answerer_over(tmp_path, real_embedder, articles, AnswerPolicy(min_name_idf=0.5))
    asked = answerer.answer("How will G-20 leaders fund Ukraine?")
    assert not asked.answered and asked.missing == ("G-20",)
    assert answerer.answer("How will G-7 leaders fund Ukraine?").answered
    assert answerer.answer("How many unions ended the 20-day rail strike?").missing == ()


def test_a_rare_noun_no_passage_mentions_refuses_and_a_common_one_does_not(tmp_path, real_embedder):
    """A disease the passages never name ("norovirus") refuses the question, as a missing
    name does; a noun found all over the index ("levels") never does."""
    articles = {
        "sewage.md": "Virus in sewage\n\nAlbert Bosch said levels of the virus in sewage rose "
        "in March, before the first cases.\n",
        "river.md": "River levels fall\n\nRiver levels fell to a record low, officials said.\n",
        "noise.md": "Noise levels\n\nNoise levels near the airport rose, residents said.\n",
    }
    answerer = answerer_over(tmp_path, real_embedder, articles, AnswerPolicy(min_thing_idf=0.5))
    asked = answerer.answer("What did Albert Bosch say about the levels of norovirus?")
    assert not asked.answered and asked.missing == ("norovirus",)
    assert answerer.answer("What did Albert Bosch say about the levels of virus?").answered


def test_in_a_small_index_a_missing_noun_tells_nothing(answerer):
    """Nine chunks cannot show that a word is rare: the passages may call it otherwise."""
    asked = answerer.answer("What did the defence ministry say about the drones?")
    assert asked.missing == ()


FINAL = (
    "Nadal loses the Australian Open final\n\n"
    "Rafael Nadal lost the Australian Open final to Daniil Medvedev in five sets on Sunday.\n\n"
    "Nadal led the Australian Open final by two sets before Medvedev came back.\n\n"
    "The Australian Open final lasted five hours, the longest final Nadal has lost.\n\n"
    "Nadal had won the Australian Open final in 2009 against Roger Federer.\n\n"
    "Losing the Australian Open final ended Nadal's run of 20 straight wins.\n\n"
    "Nadal was losing the Australian Open final on serve in the fifth set.\n\n"
    "Medvedev said the Australian Open final was the hardest match of his career.\n\n"
    "“Sometimes the things go well, and sometimes the things go worse,” Nadal said.\n"
)


def test_what_someone_said_is_quoted_before_sentences_sharing_more_words(tmp_path, real_embedder):
    """ "What did Nadal say …?" asks for Nadal's words: his quote is quoted, with his name,
    although six sentences share more of the question's words and would fill the shortlist
    of sentences the answer step embeds."""
    answerer = answerer_over(tmp_path, real_embedder, {"final.md": FINAL})
    question = "What did Nadal say after losing the Australian Open final?"
    said = {e.quote[:24]: e.speaker for e in answerer.answer(question).excerpts}
    assert said.get("“Sometimes the things go") == "Rafael Nadal"  # as the article introduced him
    answerer.policy = replace(answerer.policy, speaker_weight=0.0, speaker_extra=0)
    without = [e.quote for e in answerer.answer(question).excerpts]
    assert not any(q.startswith("“Sometimes") for q in without)  # what the knobs change


def test_what_someone_said_is_found_outside_the_passages_the_search_returned(
    tmp_path, real_embedder
):
    """Speakers are known for every sentence of an article, so "What did Nadal say …?"
    quotes him from a part of the article that no retrieved passage covers."""
    match = " ".join(
        f"In game {n} of the Australian Open final, Nadal lost his serve to Medvedev."
        for n in range(1, 40)
    )
    charity = " ".join(
        f"The charity's gala number {n} raised money for schools." for n in range(1, 40)
    )
    text = (
        f"Nadal loses the Australian Open final\n\n{match}\n\n{charity}\n\n"
        "“Sometimes the things go well, and sometimes the things go worse,” Nadal said.\n\n"
        f"{charity}\n"
    )
    answerer = answerer_over(tmp_path, real_embedder, {"final.md": text})
    question = "What did Nadal say after losing the Australian Open final?"
    retrieval = answerer.retrieve(question)
    quote = next(e for e in answerer.compose(retrieval).excerpts if e.speaker == "Nadal")
    assert quote.quote.startswith("“Sometimes the things go well")
    assert not any(
        p.char_start <= quote.char_start < p.char_end for p in retrieval.passages
    )  # no passage returned holds it


def test_a_sentence_copied_with_a_word_changed_is_quoted_once(tmp_path, real_embedder):
    """A live page's update and a wire story in two outlets repeat a sentence with a word
    or two changed: quoting both would say the same thing twice."""
    live = (
        "Harbour dam live updates\n\nThe Harbour dam wall cracked on Monday after a storm "
        "flooded the valley, the city's engineers said on Tuesday morning.\n\n"
        "Update: The Harbour dam wall cracked on Monday after the storm flooded the valley, "
        "the city's engineers said on Tuesday morning.\n"
    )
    answerer = answerer_over(tmp_path, real_embedder, {"live.md": live})
    quotes = [e.quote for e in answerer.answer("When did the Harbour dam wall crack?").excerpts]
    assert sum("dam wall cracked on Monday" in q for q in quotes) == 1


def test_a_sentence_updated_with_a_new_figure_is_quoted_with_the_old(tmp_path, real_embedder):
    """ "At least 10 people" and, later, "at least 12 people": the figure changed, and both
    tell it."""
    live = (
        "Harbour flood live updates\n\nAt least 10 people died when the Harbour dam burst "
        "on Monday night, the city's mayor said at a news conference.\n\n"
        "At least 12 people died when the Harbour dam burst on Monday night, the city's "
        "mayor said at a news conference.\n"
    )
    answerer = answerer_over(tmp_path, real_embedder, {"live.md": live})
    quotes = [
        e.quote for e in answerer.answer("How many people died in the Harbour flood?").excerpts
    ]
    assert any(q.startswith("At least 10") for q in quotes)
    assert any(q.startswith("At least 12") for q in quotes)


def test_quotes_by_others_than_the_source_asked_about_say_so(tmp_path, real_embedder):
    """ "What did Lena Holm say …?" when the articles name her but quote only the engineer:
    the quotes come with a note, so nobody takes them for hers."""
    visit = (
        "Mayor visits cracked Harbour dam\n\nMayor Lena Holm visited the Harbour dam on "
        "Monday.\n\nThe crack in the dam wall is 40 centimetres long, the city's chief "
        "engineer, Ana Berg, said.\n"
    )
    answerer = answerer_over(tmp_path, real_embedder, {"visit.md": visit})
    others = answerer.answer("What did Lena Holm say about the crack in the Harbour dam?")
    assert others.answered
    assert others.note == "I found no quote attributed to “Lena Holm”; these are the closest."
    assert render_answer(others).startswith(others.note + "\n\n> ")
    hers = answerer.answer("What did Ana Berg say about the crack in the Harbour dam?")
    assert hers.answered and hers.note is None
    assert "Ana Berg" in (hers.excerpts[0].speaker or "")
