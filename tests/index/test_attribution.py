"""Who said it, from spaCy's parse: the patterns news copy uses, and the traps."""

import pytest

from index.attribution import Attributor, has_cue, paragraph_sentences
from index.types import Statement


@pytest.fixture(scope="module")
def attributor() -> Attributor:
    return Attributor()


def said(attributor: Attributor, text: str) -> tuple[str | None, str]:
    """(speaker, stance) of the last sentence of ``text``."""
    found = attributor.statements(text)
    last = paragraph_sentences(text)[-1][-1]
    for statement in found:
        if (statement.start, statement.end) == last:
            return statement.speaker, statement.stance
    return None, "claim"


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("“We have not seen any evidence,” said Colonel Anna Berg, a spokeswoman for the "
         "ministry.", "Colonel Anna Berg, a spokeswoman for the ministry"),
        ("The Harbour Business Daily reported that the port would close.",
         "The Harbour Business Daily"),
        ("The mayor's office, quoting city engineers, said the crack was 40 centimetres long.",
         "The mayor's office"),
        ("The White House press secretary, Josh Earnest, told reporters the government would "
         "help.", "The White House press secretary, Josh Earnest"),
        ("Twenty people died, the head of the Observatory, Rami Abdulrahman, said.",
         "the head of the Observatory, Rami Abdulrahman"),
        ("A source in Iran's Defense Ministry told Fars that there was no information of "
         "Russian missiles crashing.", "A source in Iran's Defense Ministry"),
        ("According to the Russian defence ministry, 26 missiles were fired.",
         "the Russian defence ministry"),
        ("The airlines announced the deal on Monday.", "The airlines"),
        ("McDonald's said in a statement that prices would rise.", "McDonald's"),
        ("Putin was quoted as saying that the operation was going to plan.", "Putin"),
        ("An unnamed senior military official said the strikes would continue.",
         "An unnamed senior military official"),
        ("Vice News reported this week that Badenoch urged the regulator to drop the policy.",
         "Vice News"),
        # An outlet that passes on what someone said: the words are theirs.
        ("The port authority said the berth would stay shut, the Harbour Post reported.",
         "The port authority"),
        ("Mayor Ann Holt told councillors on Monday that she would resign, WPRI-TV reported.",
         "Mayor Ann Holt"),
        ("Three staff members are among the 57 positive cases, the State Journal reported.",
         "the State Journal"),
        # ... or a document that holds them: "according to" within what was said.
        # A roundup's place label opens the sentence; it is not the subject.
        ("Boston: Boston Common is getting a makeover, city officials announced Wednesday.",
         "city officials"),
        ("Oklahoma City: The president of the state medical association said Tuesday that he "
         "is encouraged.", "The president of the state medical association"),
        ("“Okay, I am going to tie you up,” Daniel Harper said, according to the filing.",
         "Daniel Harper"),
        ("Judge Susan Alder said the stay applied only to the six plaintiffs, according to "
         "the Harbour Post.", "Judge Susan Alder"),
        ("The mayor said that, according to city engineers, the crack was 40 centimetres "
         "long.", "The mayor"),
        # The parser takes an inverted source for the cue's object.
        ("Shoppers will spend less this Christmas, reported The Guardian.", "The Guardian"),
        ("“Our special relationship hangs by a thread,” reported The Telegraph in January.",
         "The Telegraph"),
        # Two subjects for one cue: the reported words' and the source's.
        ("Women once belonged to their father, then their husband, said Deborah Carr, a "
         "sociology professor.", "Deborah Carr, a sociology professor"),
        ("Particularly, people who are not as stable as other people,” Biden said in Delaware.",
         "Biden"),
        # A participle's subject is its clause's, through a conjoined verb.
        ("Biden has made the war his scapegoat for gas prices but has also called out oil "
         "companies, saying they are not doing enough.", "Biden"),
        # Bodies and roles that news copy quotes.
        ("The money can go toward water bills, the utility said.", "the utility"),
        ("The sheriff said the waivers are used sparingly.", "The sheriff"),
        ("The state reported 17 new deaths on Friday.", "The state"),
        ("Dogs were living inside and outside the home, deputies said.", "deputies"),
        # Court papers and posts are sources, as documents are.
        ("The scheme required his children's help, the lawsuit said.", "the lawsuit"),
        ("Most are from out of state, according to the affidavit.", "the affidavit"),
        ("“Please arrive early,” the tweet said.", "the tweet"),
        # A credit line the parser does not take for a cue, and an inverted name it takes
        # for an attribute.
        ("A judge suspended the sentence, The Salem News reports.", "The Salem News"),
        ("“I told you there would be a drip drip campaign,” tweeted Cawthorn.", "Cawthorn"),
        # A bare noun after a cue is what is declared, not an inverted source.
        ("Michigan reports first cases, declares state of emergency", "Michigan"),
        # Documents and data are sources too, with where they were published.
        ("Gasoline hit a record $4.87 a gallon on Monday, according to AAA's survey.",
         "AAA's survey"),
        ("The week's 6,705 cases were the fourth-highest so far, according to state health "
         "data.", "state health data"),
        ("According to research published in The Lancet Public Health, half of chronic "
         "disease is preventable.", "research published in The Lancet Public Health"),
        ("A fact sheet on the new measures says nations will use tariff revenue to help.",
         "A fact sheet on the new measures"),
        ("According to her campaign website, Holm was born in Harbour City in 1971.",
         "her campaign website"),
        ("The firm employs 300 people, according to its LinkedIn page.", "its LinkedIn page"),
        ("Us Weekly is citing multiple anonymous sources who say it is true.", "Us Weekly"),
        # A closing "…, NAME, ROLE, said." the parser hangs on the clause before.
        ("Ohio’s Senate also passed similar bills, Mark Cole, the clerk of the state’s senate, "
         "said.", "Mark Cole, the clerk of the state’s senate"),
        # A participle's subject is its clause's, even one that declines to say more.
        ("The company released a statement on Monday, saying the plant would reopen.",
         "The company"),
        ("The ministry would not confirm the figure, saying only that talks were under way.",
         "The ministry"),
        # ... and what it cites is no inverted source.
        ("The transit authority suspended bus service on Wednesday, citing danger from the "
         "shooter.", "The transit authority"),
        # Bands, charities, schools and cities speak as bodies.
        ("The band announced a new tour in a video on Tuesday.", "The band"),
        ("The grievance process could last months, the city said last week.", "the city"),
        # ... but with what was said, they are.
        ("Smith recalled that the plant had closed in 1990.", "Smith"),
        ("“We will win,” Smith added, “and soon.”", "Smith"),
        # A reply made by saying something is speech.
        ("The ministry responded by saying that the report was false.", "The ministry"),
        # Doubt voiced is a statement; critics are a source.
        ("Supervisor Steve Gallardo questioned the timing of the release of the recordings.",
         "Supervisor Steve Gallardo"),
        ("Critics say the plan is too costly.", "Critics"),
        # One user of a platform speaks for themselves.
        ("On Twitter, one user wrote that the plan was a disgrace.", "one user"),
        # A person named by age.
        ("“It is really exciting,” the 22-year-old said in April.", "the 22-year-old"),
        ("The 28-year-old defender said he was fit.", "The 28-year-old defender"),
        # A cue in a clause on a time, which the parser hangs on the date.
        ("The name was chosen back in 2012, when the company's chief executive Carlos "
         "Alberini explained that the change enhances the brand.",
         "the company's chief executive Carlos Alberini"),
    ],
)  # fmt: skip
def test_the_source_is_the_subject_of_the_cue_with_its_role(attributor, sentence, speaker):
    assert said(attributor, sentence)[0] == speaker


@pytest.mark.parametrize(
    "sentence",
    [
        "It is said that the mayor resigned.",  # no one is named
        "Smith did not say whether the plant would reopen.",  # a negated cue
        "The spokesman would say only that talks continue.",  # a hypothetical cue
        "The fighting continued overnight.",  # not a speech verb
        "Police reports show the car was stolen.",  # nor this
        "They said the deal was off.",  # a pronoun with nothing before it
        "The school district denied a request to tour the school.",  # a refusal, not a denial
        "A federal judge has denied tribal leaders’ bid to temporarily block digging at the "
        "site.",  # nor this, though a clause follows its object
        "The order, first reported by the Associated Press, takes effect on Monday.",
        # "recall" and "add" with a plain object are no speech.
        "Audi recalls more than 31,000 vehicles",
        "Apple added a new feature to the iPhone.",
        # A cue that names an act done in reply is no speech.
        "Smith responded by approaching the stage and slapping Rock.",
        "It emerged that Ford recalled 2.9 million vehicles.",
        # Nor is a person questioned by the police.
        "Police questioned the suspect on Monday.",
        "He was questioned by police on Monday.",
        # A person confirmed in office is no claim confirmed.
        "The Senate confirmed Jackson on Thursday.",
        "After the nominee was confirmed by the Senate on Thursday, she must wait.",
        # What someone said, named as a thing, is not their statement.
        "Lower courts may look at what the justices have said in those cases.",
        # An inference drawn in a participle is the writer's, not the subject's.
        "The hospital cut its staff by a third, suggesting that the crisis had hit hard.",
        "Senate Majority Leader Chuck Schumer and other top Democrats were noncommittal, "
        "signaling it could be doomed in Congress.",
        # The end of a book title cut off by the sentence splitter is no speaker.
        "Presidents, other liars and the First Amendment,” told USA TODAY that a pardon "
        "request suggests guilt.",
    ],
)
def test_no_speaker_is_guessed(attributor, sentence):
    assert said(attributor, sentence)[0] is None


def test_a_denial_in_a_relative_clause_denies_the_claim_it_follows(attributor):
    before = "Defense Secretary Ash Carter visited the base.\n\n"
    claim = before + "He later faced allegations of fraud, which he denied."
    assert said(attributor, claim) == ("Defense Secretary Ash Carter", "denial")
    request = before + "He later faced a request to resign, which he denied."
    assert said(attributor, request)[0] is None  # a refusal, not a denial


def test_a_pronoun_takes_the_one_person_named_before_it(attributor):
    text = (
        "Defense Secretary Ash Carter visited the base on Monday.\n\n"
        "“We have not lost a single aircraft,” he exclaimed."
    )
    assert said(attributor, text)[0] == "Defense Secretary Ash Carter"  # with the title


def test_they_is_the_body_that_spoke_just_before(attributor):
    text = (
        "The Russian Defense Ministry denied the reports on Thursday.\n\n"
        "“Our missiles struck their targets,” they retorted on Facebook."
    )
    assert said(attributor, text)[0] == "The Russian Defense Ministry"


def test_they_is_not_one_person(attributor):
    text = "Ash Carter said the talks had failed.\n\n“We walked out,” they said."
    assert said(attributor, text)[0] is None


def test_it_is_the_body_that_spoke_or_acted_just_before(attributor):
    acted = (
        "The Student Senate passed a resolution on Thursday. It said classes should be "
        "cancelled on the day after the game."
    )
    assert said(attributor, acted)[0] == "The Student Senate"
    spoke = "The port authority confirmed the closure.\n\nIt added that ships would wait."
    assert said(attributor, spoke)[0] == "The port authority"


@pytest.mark.parametrize(
    "text",
    [
        # a person, people or no body before "it"
        "Ash Carter visited the base. It said the talks had failed.",
        "The ministers met on Monday. It said the talks had failed.",
        "The rain fell all night. It said the talks had failed.",
        # two bodies: which one?
        "After Reuters asked, the ministry published the figures. It said they were final.",
    ],
)
def test_it_is_not_resolved_without_one_body_before_it(attributor, text):
    assert said(attributor, text)[0] is None


def test_a_pronoun_stays_unresolved_when_two_people_were_named(attributor):
    text = (
        "Ash Carter arrived in Geneva on Monday. Sergei Shoigu arrived on Tuesday.\n\n"
        "“We have not lost a single aircraft,” he said."
    )
    assert said(attributor, text)[0] is None


def test_a_pronoun_does_not_reach_past_the_previous_paragraph(attributor):
    text = (
        "Ash Carter visited the base on Monday.\n\nThe base is old.\n\n"
        "“We have not lost a single aircraft,” he said."
    )
    assert said(attributor, text)[0] is None


def test_he_continues_the_person_who_spoke_last(attributor):
    text = (
        "Kendrick Lamar will headline the show.\n\n"
        "“It is a thrill,” Dr. Dre, who grew up in Compton, said in a statement. "
        "It will be an “unforgettable cultural moment,” he added."
    )
    assert said(attributor, text)[0] == "Dr. Dre"


def test_a_resolved_pronoun_carries_on_to_the_next(attributor):
    text = (
        "Jha said the White House was hard at work.\n\n"
        "“We are ready,” he said.\n\n"
        "“The vast majority of kids will be vaccinated by their doctors,” he said."
    )
    assert said(attributor, text)[0] == "Jha"


def test_a_person_named_after_the_last_speaker_breaks_the_chain(attributor):
    text = "Reuters reported that Mayor Ann Holt had resigned.\n\n“I am done,” she said."
    assert said(attributor, text)[0] == "Mayor Ann Holt"


def test_a_surname_the_recogniser_takes_for_a_body_is_the_person_named_in_full(attributor):
    text = (
        "Sri Lanka’s Prime Minister Ranil Wickremesinghe said on Saturday that he would "
        "resign.\n\n"
        "Schools have been suspended and fuel has been limited to essential services.\n\n"
        "Wickremesinghe said the country had entered talks with the International Monetary "
        "Fund (IMF) to revive the economy.\n\n"  # "Wickremesinghe" is tagged ORG here
        "On Tuesday, he told parliament that talks with the IMF were “difficult”."
    )
    assert said(attributor, text)[0] == "Ranil Wickremesinghe"


def test_a_surname_is_given_as_the_article_introduced_the_person(attributor):
    text = (
        "Deborah Carr, a sociologist at Boston University, studies how people age.\n\n"
        "The survey covered 2,000 adults.\n\n"
        "The pandemic changed that, the report found.\n\n"
        "“Loneliness is not a private matter,” Carr said."
    )
    assert said(attributor, text)[0] == "Deborah Carr"


def test_a_surname_two_people_share_stays_a_surname(attributor):
    text = (
        "Joe Biden and Jill Biden visited the school on Monday.\n\n“We stand with you,” Biden said."
    )
    assert said(attributor, text)[0] == "Biden"


def test_a_surname_a_common_word_may_complete_stays_a_surname(attributor):
    # "Will Smith" may be a name or "will" and "Smith": two Smiths, or one, cannot be told.
    text = "Will Smith and Jada Pinkett Smith arrived late.\n\n“I was wrong,” Smith said."
    assert said(attributor, text)[0] == "Smith"


def test_a_surname_is_not_completed_by_a_person_named_only_later(attributor):
    text = (
        "“It is fine,” Carr said.\n\n"
        "Deborah Carr, a sociologist at Boston University, studies how people age."
    )
    found = {text[s.start : s.end]: s.speaker for s in attributor.statements(text)}
    assert found["“It is fine,” Carr said."] == "Carr"


def test_every_sentence_of_a_quotation_is_its_speaker_s(attributor):
    text = (
        "“Let me be clear: we are not waiting for the storm. We are doing things before they "
        "are necessary,” Moskowitz said.\n\n"
        "Carter said he was “very sad.” He added: “The whole thing is crazy. I mean, if "
        "there is a bit of truth to what is being said, it is crazy.”"
    )
    found = {text[s.start : s.end]: s.speaker for s in attributor.statements(text)}
    assert found["“Let me be clear: we are not waiting for the storm."] == "Moskowitz"
    assert found["I mean, if there is a bit of truth to what is being said, it is crazy.”"] == (
        "Carter"
    )


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        # A speaker named only inside the quotation is someone the quoted person quotes.
        ("“The ministry said it was fine. We doubt it.”", "We doubt it.”"),
        # A quotation that runs on into the next paragraph: its marks do not pair up here.
        (
            "“We are ready. We have been ready for weeks,\n\n“and we will win,” Smith said.",
            "“We are ready.",
        ),
    ],
)
def test_a_quotation_s_speaker_is_not_guessed_when_unclear(attributor, text, sentence):
    found = {text[s.start : s.end]: s.speaker for s in attributor.statements(text)}
    assert found.get(sentence) is None


def test_a_source_named_inside_a_quotation_is_the_quoted_speaker_s_words(attributor):
    text = "“The ministry said it was fine. We doubt it. So do they,” Smith said."
    found = {text[s.start : s.end]: s.speaker for s in attributor.statements(text)}
    assert found == {
        "“The ministry said it was fine.": "Smith",
        "We doubt it.": "Smith",
        "So do they,” Smith said.": "Smith",
    }
    text = (
        "“Darceleen Comadore consistently described the intruders as an older man and a "
        "younger man,” the IPNO said in a news release."
    )
    assert said(attributor, text)[0] == "the IPNO"


def test_a_quotation_the_parser_hung_on_the_source_is_cut_off(attributor):
    text = "“Too bad so sad,” state Rep. Bill Seitz, of Cincinnati, said on Twitter."
    assert said(attributor, text)[0] == "state Rep. Bill Seitz, of Cincinnati"
    nickname = "Circuit Judge Morgan “Chip” Welch on Monday announced he was running."
    assert said(attributor, nickname)[0] == "Circuit Judge Morgan “Chip” Welch"


def test_a_name_the_recogniser_missed_is_still_a_person(attributor):
    text = (
        "Culley discussed the challenges of his first season in an interview last month.\n\n"
        "“There’s a manual that they give you,” he said."
    )
    assert said(attributor, text)[0] == "Culley"


def test_a_surname_tagged_as_another_word_stays_with_the_name(attributor):
    text = (
        "More evacuations of visitors were planned through the day, Park Superintendent "
        "Cam Sholly said in the release."
    )
    assert said(attributor, text)[0] == "Park Superintendent Cam Sholly"


def test_a_surname_the_tagger_took_for_a_noun_is_the_person_named_before(attributor):
    text = (
        "The State Department has received a handful of reports, department spokesman Ned "
        "Price told reporters on Thursday.\n\n"
        "Price said all such reports are cause for concern."
    )
    assert said(attributor, text)[0] == "department spokesman Ned Price"


def test_a_lone_capitalised_word_with_no_person_of_that_name_is_no_speaker(attributor):
    text = "The airport was calm on Thursday.\n\nPrice said all such reports are cause for concern."
    assert said(attributor, text)[0] is None


@pytest.mark.parametrize(
    "text",
    [
        # A capitalised first word the article writes in lower case elsewhere is no name.
        "Caste seemed to follow him even in California, where caste is rarely discussed.\n\n"
        "“I was wrong,” he said.",
        # A plural is not one person.
        "Feds warned that rates would rise.\n\n“We are watching,” he said.",
    ],
)
def test_he_is_not_resolved_to_a_word_that_is_no_person(attributor, text):
    assert said(attributor, text)[0] is None


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("The Kremlin denied the accusations, calling them baseless.", "denial"),
        ("Russia and Iran said the claims were false.", "denial"),
        ("Neither Iran nor the Russian Federation has confirmed the reports.", "unconfirmed"),
        ("CNN could not independently confirm the claims.", "unconfirmed"),
        ("Two U.S. officials told CNN that four rockets landed in Iran.", "claim"),
    ],
)
def test_each_sentence_is_a_claim_a_denial_or_unconfirmed(attributor, sentence, stance):
    assert said(attributor, sentence)[1] == stance


def test_only_sentences_with_a_cue_are_parsed():
    assert has_cue("The ministry said the strikes hit their targets.")
    assert has_cue("According to the union, the strike starts Monday.")
    assert not has_cue("The fighting continued overnight.")


def test_speakers_are_spans_of_the_article(attributor):
    text = "The ministry said on Monday that 26 missiles were fired."
    (statement,) = attributor.statements(text)
    assert statement.speaker in text
    assert Statement.from_json(statement.to_json()) == statement
